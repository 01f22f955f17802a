// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cuts a large TCP packet into MSS-sized segments the way the stack's own
 * segmentation does: every segment gets the headers of the large packet
 * with its own lengths, sequence number, IPv4 identification (consecutive,
 * RFC 6864 §4.1 leaves atomic datagrams' IDs free) and checksums; FIN and
 * PSH stay on the last segment, CWR on the first (RFC 3168 §6.1.2).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <netinet/in.h>

#include "csum.h"
#include "gso.h"
#include "ip.h"

#define TCP_HDR_MIN 20u
#define TCP_FLAGS_OFF 13u
#define TCP_FIN 0x01u
#define TCP_PSH 0x08u
#define TCP_CWR 0x80u

int xsd_gso_init(struct xsd_gso *g, const uint8_t *pkt, uint32_t len, uint32_t l4,
		 uint32_t mss)
{
	struct xs_l3 l3;
	uint32_t thl;

	/* RFC 791 §3.1, RFC 8200 §3/§4: the lengths agree with what was read,
	 * the header chain (IPv4 options, IPv6 extension headers, copied as
	 * they are) ends in TCP at l4, and it is no fragment. */
	if (!mss || xs_l3_parse(pkt, len, &l3) || l3.len != len ||
	    xs_l3_walk(pkt, &l3, XS_WALK_OPEN) || l3.nh != IPPROTO_TCP || l3.hl != l4 ||
	    len - l4 < TCP_HDR_MIN)
		return -EINVAL;
	thl = (uint32_t)(pkt[l4 + 12] >> 4) * 4u;    /* RFC 9293 §3.1 data offset */
	if (thl < TCP_HDR_MIN || thl > len - l4)
		return -EINVAL;
	*g = (struct xsd_gso){
		.pkt = pkt, .len = len, .l4 = l4, .hdr = l4 + thl, .mss = mss, .next = l4 + thl,
		.seq = xs_get_be32(pkt + l4 + 4),
		.id = l3.ver == 4 ? xs_get_be16(pkt + 4) : 0, .ver = l3.ver,
	};
	return 0;
}

int xsd_gso_next(struct xsd_gso *g, uint8_t *out, uint32_t room)
{
	uint32_t pay, seglen;
	uint8_t *th, flags;

	/* A packet without payload is one segment (a bare FIN, say). */
	if (g->next >= g->len && (g->seg || g->len > g->hdr))
		return 0;
	pay = g->len - g->next < g->mss ? g->len - g->next : g->mss;
	seglen = g->hdr + pay;
	if (seglen > room)
		return -ENOSPC;
	memcpy(out, g->pkt, g->hdr);
	memcpy(out + g->hdr, g->pkt + g->next, pay);
	th = out + g->l4;
	xs_put_be32(th + 4, g->seq + (g->next - g->hdr));
	flags = th[TCP_FLAGS_OFF];
	if (g->seg)
		flags &= (uint8_t)~TCP_CWR;
	if (g->next + pay < g->len)
		flags &= (uint8_t)~(TCP_FIN | TCP_PSH);
	th[TCP_FLAGS_OFF] = flags;
	if (g->ver == 4)
		xs_put_be16(out + 4, (uint16_t)(g->id + g->seg));
	xs_l3_set_len(out, g->ver, seglen);
	xsd_l4_csum_complete(out, seglen);
	g->next += pay;
	g->seg++;
	return (int)seglen;
}
