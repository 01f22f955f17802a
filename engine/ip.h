/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IPv4/IPv6 header helpers shared by ESP and AH (engine-internal).
 */
#ifndef XS_IP_H
#define XS_IP_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "drop.h"
#include "limits.h"

/* A parsed L3 header chain. Offsets are from the start of the packet. */
struct xs_l3 {
	uint8_t ver;       /* 4 or 6 */
	uint8_t nh;        /* protocol after hl */
	uint16_t nh_off;   /* byte that holds nh (to rewrite it) */
	uint32_t hl;       /* bytes of IP header + walked extension headers */
	uint32_t len;      /* datagram length from the header (trailing bytes cut) */
};

enum xs_walk {
	XS_WALK_OPEN,      /* step over every extension header */
	XS_WALK_INSERT,    /* stop where ESP/AH goes, RFC 4303 §3.1.1 */
};

/* Checks version and lengths (RFC 791 §3.1, RFC 8200 §3). */
int xs_l3_parse(const uint8_t *pkt, uint32_t len, struct xs_l3 *l3);
/* Walks to the upper-layer protocol; XS_DROP_FRAGMENT on fragments. */
int xs_l3_walk(const uint8_t *pkt, struct xs_l3 *l3, enum xs_walk mode);

/* Where the IPsec header of a received packet starts. */
struct xs_outer {
	struct xs_l3 l3;
	uint8_t proto;     /* XS_PROTO_ESP or XS_PROTO_AH */
	uint8_t udp;       /* ESP-in-UDP, RFC 3948 */
	uint32_t off;      /* offset of the ESP/AH header */
	uint32_t spi;      /* host order */
};

int xs_outer_parse(const uint8_t *pkt, uint32_t len, struct xs_outer *o);

/* RFC 1071 ones' complement sum, folded and inverted. */
uint16_t xs_csum(const void *data, uint32_t len, uint32_t sum);
/* Sum of the IPv6 pseudo-header, RFC 8200 §8.1 (not folded). */
uint32_t xs_csum_pseudo6(const uint8_t *ip6, uint32_t ulen, uint8_t proto);
/* Rewrites the IPv4 header checksum. */
void xs_ipv4_csum_set(uint8_t *ip);

static inline uint16_t xs_get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t xs_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void xs_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void xs_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void xs_put_be64(uint8_t *p, uint64_t v)
{
	xs_put_be32(p, (uint32_t)(v >> 32));
	xs_put_be32(p + 4, (uint32_t)v);
}

/* Rewrites the length field(s) after the datagram became len bytes. */
static inline void xs_l3_set_len(uint8_t *pkt, uint8_t ver, uint32_t len)
{
	if (ver == 4) {
		xs_put_be16(pkt + 2, (uint16_t)len);
		xs_ipv4_csum_set(pkt);
	} else {
		xs_put_be16(pkt + 4, (uint16_t)(len - XS_IPV6_HDR_LEN));
	}
}

/* Largest datagram the length fields can describe. */
static inline uint32_t xs_l3_max(uint8_t ver)
{
	return ver == 4 ? 65535u : 65535u + XS_IPV6_HDR_LEN;
}

#endif
