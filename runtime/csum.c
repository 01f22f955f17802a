// SPDX-License-Identifier: GPL-2.0-only
#include <netinet/in.h>

#include "csum.h"
#include "ip.h"

#define TCP_CSUM_OFF 16
#define UDP_CSUM_OFF 6

static uint32_t pseudo4(const uint8_t *ip, uint32_t ulen, uint8_t proto)
{
	uint32_t s = 0;

	/* RFC 793 §3.1 / RFC 768: source, destination, zero+protocol, length. */
	for (unsigned int i = 12; i < 20; i += 2)
		s += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	return s + proto + ulen;
}

uint32_t xsd_l4_pseudo(const uint8_t *ip, uint32_t ulen, uint8_t proto)
{
	return (ip[0] >> 4) == 4 ? pseudo4(ip, ulen, proto) : xs_csum_pseudo6(ip, ulen, proto);
}

void xsd_l4_csum_complete(uint8_t *pkt, uint32_t len)
{
	struct xs_l3 l3;
	uint32_t ulen, sum, off;
	uint8_t *l4;
	uint16_t c;

	if (xs_l3_parse(pkt, len, &l3) || xs_l3_walk(pkt, &l3, XS_WALK_OPEN))
		return;
	if (l3.nh != IPPROTO_TCP && l3.nh != IPPROTO_UDP)
		return;
	off = l3.nh == IPPROTO_TCP ? TCP_CSUM_OFF : UDP_CSUM_OFF;
	ulen = l3.len - l3.hl;
	if (ulen < off + 2)
		return;
	l4 = pkt + l3.hl;
	/* RFC 768: a zero UDP checksum over IPv4 means "none"; keep it. */
	if (l3.nh == IPPROTO_UDP && l3.ver == 4 && !l4[off] && !l4[off + 1])
		return;
	sum = l3.ver == 4 ? pseudo4(pkt, ulen, l3.nh) : xs_csum_pseudo6(pkt, ulen, l3.nh);
	l4[off] = l4[off + 1] = 0;
	c = xs_csum(l4, ulen, sum);
	/* RFC 768: a computed zero is sent as all ones. */
	if (!c && l3.nh == IPPROTO_UDP)
		c = 0xffff;
	xs_put_be16(l4 + off, c);
}
