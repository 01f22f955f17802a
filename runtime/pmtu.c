// SPDX-License-Identifier: GPL-2.0-only
#include <netinet/in.h>
#include <string.h>

#include "ip.h"
#include "pmtu.h"

#define ICMP_UNREACH 3
#define ICMP_FRAG_NEEDED 4
#define ICMP6_TOO_BIG 2
#define ICMP_HDR_LEN 8u
#define ICMP4_QUOTE_MAX (576u - XS_IPV4_HDR_LEN - ICMP_HDR_LEN) /* RFC 1812 §4.3.2.3 */
#define IP4_DF 0x4000u
#define IP4_MF 0x2000u
#define IP4_OFF_MASK 0x1fffu
#define IP4_OPT_COPIED 0x80u
#define DEFAULT_TTL 64

/* RFC 1122 §3.2.2 / RFC 4443 §2.4(e): no errors about errors. */
static int icmp4_is_error(const uint8_t *pkt, uint32_t len)
{
	uint32_t ihl = (pkt[0] & 0x0fu) * 4u;
	uint8_t type;

	if (pkt[9] != IPPROTO_ICMP || len < ihl + 1)
		return 0;
	type = pkt[ihl];
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

static uint32_t icmp4(uint8_t *out, const uint8_t *pkt, uint32_t len, uint32_t mtu,
		      const uint8_t *src)
{
	uint32_t quote = len < ICMP4_QUOTE_MAX ? len : ICMP4_QUOTE_MAX;
	uint32_t total = XS_IPV4_HDR_LEN + ICMP_HDR_LEN + quote;
	uint8_t *icmp = out + XS_IPV4_HDR_LEN;

	if (xs_get_be16(pkt + 6) & IP4_OFF_MASK || icmp4_is_error(pkt, len))
		return 0;
	/* RFC 1812 §4.3.2.7: not to broadcast/multicast/zero sources. */
	if (!pkt[12] || pkt[12] >= 224)
		return 0;
	memset(out, 0, XS_IPV4_HDR_LEN + ICMP_HDR_LEN);
	out[0] = 0x45;
	xs_put_be16(out + 2, (uint16_t)total);
	out[8] = DEFAULT_TTL;
	out[9] = IPPROTO_ICMP;
	memcpy(out + 12, src, 4);
	memcpy(out + 16, pkt + 12, 4);
	xs_ipv4_csum_set(out);
	/* RFC 1191 §4: type 3 code 4 with the next-hop MTU in bytes 6-7. */
	icmp[0] = ICMP_UNREACH;
	icmp[1] = ICMP_FRAG_NEEDED;
	xs_put_be16(icmp + 6, (uint16_t)mtu);
	memcpy(icmp + ICMP_HDR_LEN, pkt, quote);
	xs_put_be16(icmp + 2, xs_csum(icmp, ICMP_HDR_LEN + quote, 0));
	return total;
}

static uint32_t icmp6(uint8_t *out, const uint8_t *pkt, uint32_t len, uint32_t mtu,
		      const uint8_t *src)
{
	/* RFC 4443 §2.4(c): the error may not exceed the minimum IPv6 MTU. */
	uint32_t room = XSD_ICMP_MAX - XS_IPV6_HDR_LEN - ICMP_HDR_LEN;
	uint32_t quote = len < room ? len : room;
	uint32_t ulen = ICMP_HDR_LEN + quote;
	uint8_t *icmp = out + XS_IPV6_HDR_LEN;
	static const uint8_t zero[16];

	/* RFC 4443 §2.4(e): no error about an error (types below 128). */
	if (pkt[6] == IPPROTO_ICMPV6 && len > XS_IPV6_HDR_LEN &&
	    pkt[XS_IPV6_HDR_LEN] < 128)
		return 0;
	if (!memcmp(pkt + 8, zero, 16) || pkt[8] == 0xff)
		return 0;
	memset(out, 0, XS_IPV6_HDR_LEN + ICMP_HDR_LEN);
	out[0] = 0x60;
	xs_put_be16(out + 4, (uint16_t)ulen);
	out[6] = IPPROTO_ICMPV6;
	out[7] = DEFAULT_TTL;
	memcpy(out + 8, src, 16);
	memcpy(out + 24, pkt + 8, 16);
	icmp[0] = ICMP6_TOO_BIG;
	xs_put_be32(icmp + 4, mtu);
	memcpy(icmp + ICMP_HDR_LEN, pkt, quote);
	xs_put_be16(icmp + 2, xs_csum(icmp, ulen, xs_csum_pseudo6(out, ulen, IPPROTO_ICMPV6)));
	return XS_IPV6_HDR_LEN + ulen;
}

uint32_t xsd_icmp_too_big(uint8_t *out, const uint8_t *pkt, uint32_t len,
			  uint32_t mtu, const uint8_t *src)
{
	if ((pkt[0] >> 4) == 4)
		return len >= XS_IPV4_HDR_LEN ? icmp4(out, pkt, len, mtu, src) : 0;
	return len >= XS_IPV6_HDR_LEN ? icmp6(out, pkt, len, mtu, src) : 0;
}

/* RFC 791 §3.1: only options with the copied flag go into later fragments. */
static uint32_t copy_options(uint8_t *out, const uint8_t *pkt, uint32_t ihl, int first)
{
	uint32_t o = XS_IPV4_HDR_LEN, i = XS_IPV4_HDR_LEN;

	if (first) {
		memcpy(out + o, pkt + o, ihl - o);
		return ihl;
	}
	while (i < ihl) {
		uint8_t type = pkt[i], len;

		if (type == 0)
			break;
		if (type == 1) {
			i++;
			continue;
		}
		if (i + 1 >= ihl)
			break;
		len = pkt[i + 1];
		if (len < 2 || i + len > ihl)
			break;
		if (type & IP4_OPT_COPIED) {
			memcpy(out + o, pkt + i, len);
			o += len;
		}
		i += len;
	}
	while (o % 4)
		out[o++] = 0; /* end of options */
	return o;
}

uint32_t xsd_ip4_fragment(uint8_t *out, const uint8_t *pkt, uint32_t mtu,
			  uint32_t *data_off)
{
	uint32_t ihl = (pkt[0] & 0x0fu) * 4u, tot = xs_get_be16(pkt + 2);
	uint32_t data = tot - ihl, off = *data_off, hl, chunk;
	uint16_t frag = xs_get_be16(pkt + 6);
	int last;

	if (off >= data)
		return 0;
	memcpy(out, pkt, XS_IPV4_HDR_LEN);
	hl = copy_options(out, pkt, ihl, off == 0);
	if (mtu < hl + 8)
		return 0;
	/* Fragment data comes in 8-octet units, except in the last one. */
	chunk = (mtu - hl) & ~7u;
	last = off + chunk >= data;
	if (last)
		chunk = data - off;
	memcpy(out + hl, pkt + ihl + off, chunk);
	out[0] = (uint8_t)(0x40 | hl / 4);
	xs_put_be16(out + 2, (uint16_t)(hl + chunk));
	/* Keeps an incoming MF (we may be fragmenting a fragment). */
	xs_put_be16(out + 6, (uint16_t)(((frag & IP4_OFF_MASK) + off / 8) |
					 (last ? frag & IP4_MF : IP4_MF)));
	xs_ipv4_csum_set(out);
	*data_off = off + chunk;
	return hl + chunk;
}
