/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IPv4/IPv6 header helpers shared by ESP and AH (engine-internal).
 *
 * The per-packet ones are inline: each is a handful of instructions, and a
 * call costs as much as the work.
 */
#ifndef XS_IP_H
#define XS_IP_H

#include <endian.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>

#include "drop.h"
#include "limits.h"

#define XS_IP4_FRAG_MASK 0x3fffu   /* MF + fragment offset, RFC 791 §3.1 */

/* A parsed L3 header chain. Offsets are from the start of the packet. */
struct xs_l3 {
	uint8_t ver;       /* 4 or 6 */
	uint8_t nh;        /* protocol after hl */
	uint16_t nh_off;   /* byte that holds nh (to rewrite it) */
	uint32_t hl;       /* bytes of IP header + walked extension headers */
	uint32_t len;      /* datagram length from the header (trailing bytes cut) */
	uint16_t atomic;   /* offset of an IPv6 atomic fragment header walked
			    * over (RFC 6946), 0: none (XS_WALK_OPEN only) */
	uint16_t atomic_nh_off; /* the byte that names it */
};

enum xs_walk {
	XS_WALK_OPEN,      /* step over every extension header */
	XS_WALK_INSERT,    /* stop where ESP/AH goes, RFC 4303 §3.1.1 */
};

static inline uint16_t xs_get_be16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return be16toh(v);
}

static inline uint32_t xs_get_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return be32toh(v);
}

static inline uint64_t xs_get_be64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return be64toh(v);
}

static inline void xs_put_be16(uint8_t *p, uint16_t v)
{
	v = htobe16(v);
	memcpy(p, &v, sizeof(v));
}

static inline void xs_put_be32(uint8_t *p, uint32_t v)
{
	v = htobe32(v);
	memcpy(p, &v, sizeof(v));
}

static inline void xs_put_be64(uint8_t *p, uint64_t v)
{
	v = htobe64(v);
	memcpy(p, &v, sizeof(v));
}

/*
 * Checks version and lengths (RFC 791 §3.1, RFC 8200 §3) and fills l3 with
 * the fixed header only (xs_l3_walk goes further). l3 is undefined when a
 * drop reason is returned.
 */
static inline int xs_l3_parse(const uint8_t *pkt, uint32_t len, struct xs_l3 *l3)
{
	if (len < 1)
		return XS_DROP_TOO_SHORT;
	l3->ver = pkt[0] >> 4;
	l3->atomic = 0;
	if (l3->ver == 4) {
		uint32_t ihl = (pkt[0] & 0x0fu) * 4u, tot;

		if (len < XS_IPV4_HDR_LEN)
			return XS_DROP_TOO_SHORT;
		/* RFC 791 §3.1: IHL counts 32-bit words, minimum 5. */
		if (ihl < XS_IPV4_HDR_LEN)
			return XS_DROP_BAD_IP_HEADER;
		tot = xs_get_be16(pkt + 2);
		if (tot < ihl)
			return XS_DROP_BAD_IP_HEADER;
		if (tot > len)
			return XS_DROP_TOO_SHORT;
		l3->len = tot;
		l3->hl = ihl;
		l3->nh = pkt[9];
		l3->nh_off = 9;
		return XS_DROP_NONE;
	}
	if (l3->ver == 6) {
		uint32_t plen;

		if (len < XS_IPV6_HDR_LEN)
			return XS_DROP_TOO_SHORT;
		/* A zero payload length is a bare header (RFC 8200 §3); jumbograms
		 * (RFC 2675) cannot cross the links we serve. */
		plen = xs_get_be16(pkt + 4);
		if (XS_IPV6_HDR_LEN + plen > len)
			return XS_DROP_TOO_SHORT;
		l3->len = XS_IPV6_HDR_LEN + plen;
		l3->hl = XS_IPV6_HDR_LEN;
		l3->nh = pkt[6];
		l3->nh_off = 6;
		return XS_DROP_NONE;
	}
	return XS_DROP_BAD_IP_HEADER;
}

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

/* o is undefined when a drop reason is returned. An IPv6 atomic fragment
 * is XS_DROP_FRAGMENT here: only xs_outer_parse_pkt() can remove its
 * Fragment header. */
int xs_outer_parse(const uint8_t *pkt, uint32_t len, struct xs_outer *o);

struct xs_pkt;

/*
 * xs_outer_parse() for a packet the open path may change: an IPv6 atomic
 * fragment (RFC 6946 §4: Fragment header, offset 0, M clear) is a whole
 * packet, and its Fragment header is removed in place first (p->off and
 * p->len move by 8), since ESP and AH were applied before fragmentation
 * (RFC 4303 §3.4.1, RFC 4302 §3.4.1 and App. A2: the Fragment header is
 * outside the ICV). Other fragments stay XS_DROP_FRAGMENT (RFC 4301 §7).
 */
int xs_outer_parse_pkt(struct xs_pkt *p, struct xs_outer *o);

/*
 * RFC 1071 §2: folds a sum of 16-bit words to 16 bits with end-around
 * carry. Sums of words loaded in native byte order fold to the
 * byte-swapped checksum (§2(B), byte order independence).
 */
static inline uint16_t xs_csum_fold(uint64_t s)
{
	const uint32_t hi = (uint32_t)(s >> 32);
	uint32_t t = (uint32_t)s + hi;

	t += t < hi;                    /* 2^32 = 1 modulo 2^16 - 1 */
	t = (t & 0xffffu) + (t >> 16);
	t += t >> 16;
	return (uint16_t)t;
}

/* Native-order sum of the 32-bit words of an IPv4 header (ihl bytes). */
static inline uint64_t xs_ipv4_hdr_sum(const uint8_t *ip, uint32_t ihl)
{
	uint32_t w[XS_IPV4_HDR_LEN / 4];
	uint64_t s;

	memcpy(w, ip, sizeof(w));
	s = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
	for (uint32_t i = XS_IPV4_HDR_LEN; i < ihl; i += 4) {
		memcpy(w, ip + i, 4);
		s += w[0];
	}
	return s;
}

/* RFC 791 §3.1: the header checksum of a received header verifies. */
static inline bool xs_ipv4_csum_ok(const uint8_t *ip, uint32_t ihl)
{
	return xs_csum_fold(xs_ipv4_hdr_sum(ip, ihl)) == 0xffff;
}

/*
 * The common case of xs_outer_parse, inline: an IPv4 header without
 * options, not a fragment, carrying ESP. Fills o exactly as xs_outer_parse
 * would and returns true; returns false for anything else, including
 * malformed packets, which xs_outer_parse then classifies.
 */
static inline bool xs_outer_parse_esp4(const uint8_t *pkt, uint32_t len,
				       struct xs_outer *o)
{
	uint32_t tot;

	if (len < XS_IPV4_HDR_LEN + XS_ESP_HDR_LEN || pkt[0] != 0x45 ||
	    pkt[9] != IPPROTO_ESP)
		return false;
	tot = xs_get_be16(pkt + 2);
	/* RFC 791 §3.1: lengths, checksum, no fragment (RFC 4301 §7). */
	if (tot > len || tot < XS_IPV4_HDR_LEN + XS_ESP_HDR_LEN ||
	    (xs_get_be16(pkt + 6) & XS_IP4_FRAG_MASK) ||
	    !xs_ipv4_csum_ok(pkt, XS_IPV4_HDR_LEN))
		return false;
	o->l3.ver = 4;
	o->l3.nh = IPPROTO_ESP;
	o->l3.nh_off = 9;
	o->l3.hl = XS_IPV4_HDR_LEN;
	o->l3.len = tot;
	o->proto = IPPROTO_ESP;
	o->udp = 0;
	o->off = XS_IPV4_HDR_LEN;
	o->spi = xs_get_be32(pkt + XS_IPV4_HDR_LEN);
	return true;
}

/* RFC 1071 ones' complement sum, folded and inverted. sum is a partial sum
 * of big-endian 16-bit words (a pseudo-header), not folded. */
uint16_t xs_csum(const void *data, uint32_t len, uint32_t sum);
/* Sum of the IPv6 pseudo-header, RFC 8200 §8.1 (not folded). */
uint32_t xs_csum_pseudo6(const uint8_t *ip6, uint32_t ulen, uint8_t proto);

/* Rewrites the IPv4 header checksum. The old value is taken out of the
 * sum rather than zeroed first: a narrow store under the wide loads of the
 * sum would stall them. */
static inline void xs_ipv4_csum_set(uint8_t *ip)
{
	uint32_t ihl = (ip[0] & 0x0fu) * 4u;
	uint16_t old, c;

	memcpy(&old, ip + 10, 2);
	c = (uint16_t)~xs_csum_fold(xs_ipv4_hdr_sum(ip, ihl) + (uint16_t)~old);
	memcpy(ip + 10, &c, 2);
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
