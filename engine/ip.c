// SPDX-License-Identifier: GPL-2.0-only
/*
 * IPv4/IPv6 header parsing and checksums.
 */
#include <netinet/in.h>

#include "engine.h"
#include "ip.h"

#define IP6_NH_HOPOPTS 0
#define IP6_NH_ROUTING 43
#define IP6_NH_FRAGMENT 44
#define IP6_NH_DSTOPTS 60

/* RFC 4301 §7: IPsec applies to whole datagrams; fragments are reassembled
 * before open and never sealed in transport mode. */
static inline bool ip4_is_fragment(const uint8_t *pkt)
{
	return xs_get_be16(pkt + 6) & XS_IP4_FRAG_MASK;
}

static bool ip6_is_ext(uint8_t nh)
{
	return nh == IP6_NH_HOPOPTS || nh == IP6_NH_ROUTING ||
	       nh == IP6_NH_FRAGMENT || nh == IP6_NH_DSTOPTS;
}

/* RFC 8200 §4.5: offset and M both zero (the reserved bits aside). */
static bool ip6_frag_atomic(const uint8_t *fh)
{
	return !(xs_get_be16(fh + 2) & 0xfff9u);
}

static int ip6_walk(const uint8_t *pkt, struct xs_l3 *l3, enum xs_walk mode)
{
	uint32_t off = l3->hl;

	l3->atomic = 0;
	for (unsigned int i = 0; ip6_is_ext(l3->nh); i++) {
		uint32_t elen;

		if (i == XS_ENGINE_EXT_MAX)
			return XS_DROP_BAD_IP_HEADER;
		if (off + 8 > l3->len)
			return XS_DROP_TOO_SHORT;
		/* RFC 4301 §7: IPsec applies to whole datagrams. An atomic
		 * fragment is one (RFC 6946 §4); the first is remembered for
		 * xs_outer_parse_pkt() to remove. */
		if (l3->nh == IP6_NH_FRAGMENT) {
			if (mode != XS_WALK_OPEN || !ip6_frag_atomic(pkt + off))
				return XS_DROP_FRAGMENT;
			if (!l3->atomic) {
				l3->atomic = (uint16_t)off;
				l3->atomic_nh_off = l3->nh_off;
			}
		}
		/* RFC 8200 §4.3-4.6: length in 8-octet units, first excluded. */
		elen = (pkt[off + 1] + 1u) * 8u;
		if (off + elen > l3->len)
			return XS_DROP_TOO_SHORT;
		/* RFC 4303 §3.1.1: destination options not followed by a
		 * routing header belong to the protected payload. */
		if (mode == XS_WALK_INSERT && l3->nh == IP6_NH_DSTOPTS &&
		    pkt[off] != IP6_NH_ROUTING)
			break;
		l3->nh = pkt[off];
		l3->nh_off = (uint16_t)off;
		off += elen;
	}
	l3->hl = off;
	return XS_DROP_NONE;
}

int xs_l3_walk(const uint8_t *pkt, struct xs_l3 *l3, enum xs_walk mode)
{
	if (l3->ver == 4)
		return ip4_is_fragment(pkt) ? XS_DROP_FRAGMENT : XS_DROP_NONE;
	return ip6_walk(pkt, l3, mode);
}

static int outer_ipsec(const uint8_t *pkt, struct xs_outer *o);

static int outer_parse(const uint8_t *pkt, uint32_t len, struct xs_outer *o)
{
	int r;

	r = xs_l3_parse(pkt, len, &o->l3);
	if (r)
		return r;
	if (o->l3.ver == 4) {
		/* RFC 791 §3.1: nothing before us verified the header
		 * checksum, and transport-mode open rewrites it. */
		if (!xs_ipv4_csum_ok(pkt, o->l3.hl))
			return XS_DROP_BAD_IP_HEADER;
		if (ip4_is_fragment(pkt))
			return XS_DROP_FRAGMENT;
	} else {
		r = ip6_walk(pkt, &o->l3, XS_WALK_OPEN);
		if (r)
			return r;
	}
	return outer_ipsec(pkt, o);
}

int xs_outer_parse(const uint8_t *pkt, uint32_t len, struct xs_outer *o)
{
	int r = outer_parse(pkt, len, o);

	if (!r && o->l3.atomic)
		return XS_DROP_FRAGMENT;
	return r;
}

/* Removes the atomic fragment header o->l3 found: the headers before it
 * move 8 bytes on, the header naming it names what it named, and the
 * Payload Length shrinks by 8. */
static void ip6_atomic_remove(struct xs_pkt *p, const struct xs_l3 *l3)
{
	uint8_t *pkt = p->buf + p->off;
	const uint32_t at = l3->atomic;

	pkt[l3->atomic_nh_off] = pkt[at];
	memmove(pkt + 8, pkt, at);
	p->off += 8;
	p->len -= 8;
	pkt += 8;
	xs_put_be16(pkt + 4, (uint16_t)(xs_get_be16(pkt + 4) - 8));
}

int xs_outer_parse_pkt(struct xs_pkt *p, struct xs_outer *o)
{
	int r = outer_parse(p->buf + p->off, p->len, o);

	/* Each pass removes one; the walk bounds how many there can be. */
	while (!r && o->l3.atomic) {
		ip6_atomic_remove(p, &o->l3);
		r = outer_parse(p->buf + p->off, p->len, o);
	}
	return r;
}

/* The IPsec header after the IP headers o->l3 describes. */
static int outer_ipsec(const uint8_t *pkt, struct xs_outer *o)
{
	uint32_t off;

	off = o->l3.hl;
	o->udp = 0;
	switch (o->l3.nh) {
	case IPPROTO_UDP: {
		uint32_t ulen;

		if (off + XS_UDP_HDR_LEN > o->l3.len)
			return XS_DROP_TOO_SHORT;
		if (xs_get_be16(pkt + off + 2) != XS_NATT_PORT)
			return XS_DROP_NOT_IPSEC;
		ulen = o->l3.len - off - XS_UDP_HDR_LEN;
		/* RFC 768: the length covers the UDP header and its data. */
		if (xs_get_be16(pkt + off + 4) != ulen + XS_UDP_HDR_LEN)
			return XS_DROP_BAD_LENGTH;
		off += XS_UDP_HDR_LEN;
		/* RFC 3948 §2.3: a single 0xFF octet is a NAT-keepalive. */
		if (ulen == 1 && pkt[off] == 0xff)
			return XS_DROP_NATT_KEEPALIVE;
		if (ulen < 4)
			return XS_DROP_TOO_SHORT;
		/* RFC 3948 §2.2: a zero non-ESP marker means IKE. */
		if (!xs_get_be32(pkt + off))
			return XS_DROP_NATT_IKE;
		o->udp = 1;
		o->proto = IPPROTO_ESP;
		break;
	}
	case IPPROTO_ESP:
		o->proto = IPPROTO_ESP;
		if (off + XS_ESP_HDR_LEN > o->l3.len)
			return XS_DROP_TOO_SHORT;
		break;
	case IPPROTO_AH:
		o->proto = IPPROTO_AH;
		if (off + XS_AH_HDR_LEN > o->l3.len)
			return XS_DROP_TOO_SHORT;
		/* RFC 4302 §2.4: the SPI follows next header, length, reserved. */
		o->off = off;
		o->spi = xs_get_be32(pkt + off + 4);
		return XS_DROP_NONE;
	default:
		return XS_DROP_NOT_IPSEC;
	}
	if (off + XS_ESP_HDR_LEN > o->l3.len)
		return XS_DROP_TOO_SHORT;
	o->off = off;
	o->spi = xs_get_be32(pkt + off);
	return XS_DROP_NONE;
}

/* Adds w to s with end-around carry (2^64 = 1 modulo 2^16 - 1). */
static inline uint64_t csum_add(uint64_t s, uint64_t w)
{
	s += w;
	return s + (s < w);
}

uint16_t xs_csum(const void *data, uint32_t len, uint32_t sum)
{
	const uint8_t *p = data;
	uint64_t s = 0, w8;
	uint32_t w4;
	uint16_t w2;

	/* Native-order words, swapped once at the end (RFC 1071 §2(B)). */
	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w8, p, 8);
		s = csum_add(s, w8);
	}
	if (len >= 4) {
		memcpy(&w4, p, 4);
		s = csum_add(s, w4);
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&w2, p, 2);
		s = csum_add(s, w2);
		p += 2;
		len -= 2;
	}
	if (len) {
		/* An odd last byte is the high half of a zero-padded word. */
		const uint8_t last[2] = { p[0], 0 };

		memcpy(&w2, last, 2);
		s = csum_add(s, w2);
	}
	return (uint16_t)~xs_csum_fold((uint64_t)be16toh(xs_csum_fold(s)) + sum);
}

uint32_t xs_csum_pseudo6(const uint8_t *ip6, uint32_t ulen, uint8_t proto)
{
	uint32_t s = 0;

	/* Source and destination addresses: bytes 8..39. */
	for (unsigned int i = 8; i < XS_IPV6_HDR_LEN; i += 2)
		s += xs_get_be16(ip6 + i);
	s += ulen >> 16;
	s += ulen & 0xffff;
	s += proto;
	return s;
}
