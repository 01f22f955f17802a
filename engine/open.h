/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Engine-internal: protocol handlers for a packet whose outer headers were
 * already parsed (by xs_open or the public per-protocol open).
 */
#ifndef XS_OPEN_H
#define XS_OPEN_H

#include "engine.h"
#include "ip.h"

/*
 * Parses the outer headers of a received packet and finds its SA (by SPI
 * and protocol). Returns XS_DROP_NONE with *o and *sa set, or a drop
 * counted in db->drops (*sa NULL). hint (optional) is an SA of db found
 * before: if the packet is for it, the table is not searched.
 */
int xs_open_find(struct xs_sadb *db, struct xs_pkt *p, struct xs_outer *o,
		 struct xs_sa **sa, struct xs_sa *hint);

int xs_esp_open_parsed(struct xs_sa *sa, struct xs_pkt *p, const struct xs_outer *o);
int xs_ah_open_parsed(struct xs_sa *sa, struct xs_pkt *p, const struct xs_outer *o);

#endif
