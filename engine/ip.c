// SPDX-License-Identifier: GPL-2.0-only
/*
 * IPv4/IPv6 header parsing and checksums.
 */
#include <netinet/in.h>

#include "ip.h"

#define IP4_FRAG_MASK 0x3fffu   /* MF + fragment offset, RFC 791 §3.1 */
#define IP6_NH_HOPOPTS 0
#define IP6_NH_ROUTING 43
#define IP6_NH_FRAGMENT 44
#define IP6_NH_DSTOPTS 60

int xs_l3_parse(const uint8_t *pkt, uint32_t len, struct xs_l3 *l3)
{
	memset(l3, 0, sizeof(*l3));
	if (len < 1)
		return XS_DROP_TOO_SHORT;
	l3->ver = pkt[0] >> 4;
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

static bool ip6_is_ext(uint8_t nh)
{
	return nh == IP6_NH_HOPOPTS || nh == IP6_NH_ROUTING ||
	       nh == IP6_NH_FRAGMENT || nh == IP6_NH_DSTOPTS;
}

int xs_l3_walk(const uint8_t *pkt, struct xs_l3 *l3, enum xs_walk mode)
{
	uint32_t off = l3->hl;

	if (l3->ver == 4) {
		/* RFC 4301 §7: IPsec applies to whole datagrams; fragments
		 * are reassembled before open and never sealed in transport. */
		if (xs_get_be16(pkt + 6) & IP4_FRAG_MASK)
			return XS_DROP_FRAGMENT;
		return XS_DROP_NONE;
	}
	for (unsigned int i = 0; ip6_is_ext(l3->nh); i++) {
		uint32_t elen;

		if (i == XS_ENGINE_EXT_MAX)
			return XS_DROP_BAD_IP_HEADER;
		if (l3->nh == IP6_NH_FRAGMENT)
			return XS_DROP_FRAGMENT;
		if (off + 8 > l3->len)
			return XS_DROP_TOO_SHORT;
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

int xs_outer_parse(const uint8_t *pkt, uint32_t len, struct xs_outer *o)
{
	uint32_t off;
	int r;

	memset(o, 0, sizeof(*o));
	r = xs_l3_parse(pkt, len, &o->l3);
	if (r)
		return r;
	/* RFC 791 §3.1: nothing before us verified the header checksum, and
	 * transport-mode open rewrites it. */
	if (o->l3.ver == 4 && xs_csum(pkt, o->l3.hl, 0))
		return XS_DROP_BAD_IP_HEADER;
	r = xs_l3_walk(pkt, &o->l3, XS_WALK_OPEN);
	if (r)
		return r;
	off = o->l3.hl;
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

uint16_t xs_csum(const void *data, uint32_t len, uint32_t sum)
{
	const uint8_t *p = data;
	uint64_t s = sum;
	uint32_t w;

	/* Sum 32-bit words in native order; fold and swap once at the end
	 * (RFC 1071 §2(B): the sum is byte-order independent). */
	uint64_t n = 0;

	for (; len >= 4; p += 4, len -= 4) {
		memcpy(&w, p, 4);
		n += w;
	}
	while (n >> 16)
		n = (n & 0xffff) + (n >> 16);
	/* n is in native byte order: bring it to network order. */
	{
		uint16_t v = (uint16_t)n, be;
		uint8_t b[2];

		memcpy(b, &v, 2);
		be = (uint16_t)(b[0] << 8 | b[1]);
		s += be;
	}
	for (; len >= 2; p += 2, len -= 2)
		s += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		s += (uint32_t)p[0] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

uint32_t xs_csum_pseudo6(const uint8_t *ip6, uint32_t ulen, uint8_t proto)
{
	uint32_t s = 0;

	/* Source and destination addresses: bytes 8..39. */
	for (unsigned int i = 8; i < XS_IPV6_HDR_LEN; i += 2)
		s += (uint32_t)(ip6[i] << 8 | ip6[i + 1]);
	s += ulen >> 16;
	s += ulen & 0xffff;
	s += proto;
	return s;
}

void xs_ipv4_csum_set(uint8_t *ip)
{
	uint32_t ihl = (ip[0] & 0x0fu) * 4u;

	ip[10] = 0;
	ip[11] = 0;
	xs_put_be16(ip + 10, xs_csum(ip, ihl, 0));
}
