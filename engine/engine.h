/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ESP/AH packet engine: seal and open L3 packets in place.
 *
 * A packet is an IPv4 or IPv6 datagram at buf + off, len bytes long, in a
 * buffer of cap bytes. Seal needs XS_HEADROOM bytes before it and
 * XS_TAILROOM after it; both functions move off/len to the result.
 * Return: XS_DROP_NONE (0) or the enum xs_drop reason, which is also
 * counted in the SA (or in the database for packets without an SA).
 * Many packets at once: burst.h. Any number of threads may use one SA
 * (and look SAs up in one database) at once: sa.h.
 */
#ifndef XS_ENGINE_H
#define XS_ENGINE_H

#include <stdint.h>

#include "burst.h"
#include "drop.h"
#include "limits.h"
#include "sa.h"
#include "sadb.h"

struct xs_pkt {
	uint8_t *buf;
	uint32_t cap;
	uint32_t off;
	uint32_t len;
};

/* ESP, RFC 4303. Tunnel mode: the packet becomes the inner datagram of a
 * new outer header built from the SA. Transport mode: ESP is inserted
 * after the IP header (and IPv6 headers that must stay visible). */
int xs_esp_seal(struct xs_sa *sa, struct xs_pkt *p);
int xs_esp_open(struct xs_sa *sa, struct xs_pkt *p);

/* AH, RFC 4302. */
int xs_ah_seal(struct xs_sa *sa, struct xs_pkt *p);
int xs_ah_open(struct xs_sa *sa, struct xs_pkt *p);

/* Either protocol, by the SA's cfg.proto. */
int xs_seal(struct xs_sa *sa, struct xs_pkt *p);

/*
 * Parses the outer header (IPv4/IPv6, ESP, AH, or ESP-in-UDP on the SA
 * database's NAT-T port), finds the SA by SPI and opens the packet.
 * *sa_out (optional) receives the SA used. Drops before an SA is found are
 * counted in db->drops.
 */
int xs_open(struct xs_sadb *db, struct xs_pkt *p, struct xs_sa **sa_out);

#endif
