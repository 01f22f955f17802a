/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Engine-internal: protocol handlers for a packet whose outer headers were
 * already parsed (by xs_open or the public per-protocol open).
 */
#ifndef XS_OPEN_H
#define XS_OPEN_H

#include "engine.h"
#include "ip.h"

int xs_esp_open_parsed(struct xs_sa *sa, struct xs_pkt *p, const struct xs_outer *o);
int xs_ah_open_parsed(struct xs_sa *sa, struct xs_pkt *p, const struct xs_outer *o);

#endif
