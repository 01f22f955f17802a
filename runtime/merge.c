// SPDX-License-Identifier: GPL-2.0-only
/*
 * Receive offload for opened TCP segments (merge.h). The rules are the
 * ones under which cutting the merged packet again at the first segment's
 * size gives back the segments (RFC 9293 §3.1 header fields; RFC 791 §3.1,
 * RFC 8200 §3): equal headers apart from lengths, checksums, IPv4 ID and
 * sequence numbers, contiguous sequence numbers, equal sizes but the last,
 * PSH only on the last. A segment whose TCP or IPv4 header checksum is
 * wrong is never merged, so the receiver still sees it and drops it.
 */
#include <string.h>

#include <netinet/in.h>

#include "csum.h"
#include "ip.h"
#include "merge.h"

#define TCP_HDR_MIN 20u
#define TCP_ACK 0x10u
#define TCP_PSH 0x08u
#define TCP_MAX_HDR 60u

/* Offset of the TCP header, or 0 if pkt is not a plain TCP datagram of
 * exactly len bytes that merging may take. */
static uint32_t tcp_at(const uint8_t *pkt, uint32_t len)
{
	uint32_t l4, thl;

	if (len < XS_IPV4_HDR_LEN + TCP_HDR_MIN)
		return 0;
	if ((pkt[0] >> 4) == 4) {
		/* No options, DF and no fragment (flags/offset 0x4000). */
		if (pkt[0] != 0x45 || pkt[9] != IPPROTO_TCP || xs_get_be16(pkt + 2) != len ||
		    xs_get_be16(pkt + 6) != 0x4000 || !xs_ipv4_csum_ok(pkt, XS_IPV4_HDR_LEN))
			return 0;
		l4 = XS_IPV4_HDR_LEN;
	} else if ((pkt[0] >> 4) == 6) {
		if (len < XS_IPV6_HDR_LEN + TCP_HDR_MIN || pkt[6] != IPPROTO_TCP ||
		    xs_get_be16(pkt + 4) + XS_IPV6_HDR_LEN != len)
			return 0;
		l4 = XS_IPV6_HDR_LEN;
	} else {
		return 0;
	}
	thl = (uint32_t)(pkt[l4 + 12] >> 4) * 4u;
	if (thl < TCP_HDR_MIN || l4 + thl >= len)    /* no payload: nothing to merge */
		return 0;
	/* ACK, maybe PSH; nothing else (RFC 9293 §3.1 control bits). */
	if ((pkt[l4 + 13] & (uint8_t)~TCP_PSH) != TCP_ACK || (pkt[l4 + 12] & 0x0fu))
		return 0;
	/* RFC 9293 §3.1: the checksum over pseudo-header and segment. */
	if (xs_csum(pkt + l4, len - l4, xsd_l4_pseudo(pkt, len - l4, IPPROTO_TCP)))
		return 0;
	return l4;
}

bool xsd_merge_start(struct xsd_merge *m, uint8_t *pkt, uint32_t len, uint64_t tag)
{
	uint32_t l4 = tcp_at(pkt, len);

	if (!l4)
		return false;
	m->first = pkt;
	m->hdr = l4 + (uint32_t)(pkt[l4 + 12] >> 4) * 4u;
	m->mss = len - m->hdr;
	m->len = len;
	m->next_seq = xs_get_be32(pkt + l4 + 4) + m->mss;
	m->n = 1;
	m->closed = (pkt[l4 + 13] & TCP_PSH) != 0;
	m->iov[1] = (struct iovec){ pkt, len };
	m->tag[0] = tag;
	return true;
}

bool xsd_merge_add(struct xsd_merge *m, uint8_t *pkt, uint32_t len, uint64_t tag)
{
	const uint8_t *f = m->first;
	uint32_t l4, pay;

	if (m->closed || m->n >= XSD_MERGE_MAX || len <= m->hdr || (pkt[0] >> 4) != (f[0] >> 4))
		return false;
	l4 = (f[0] >> 4) == 4 ? XS_IPV4_HDR_LEN : XS_IPV6_HDR_LEN;
	if (len - m->hdr > m->mss || m->len + (len - m->hdr) > xs_l3_max(f[0] >> 4))
		return false;
	pay = len - m->hdr;
	if (l4 == XS_IPV4_HDR_LEN) {
		/* Version/IHL, TOS; flags/offset, TTL, protocol; addresses. */
		if (memcmp(pkt, f, 2) || memcmp(pkt + 6, f + 6, 4) || memcmp(pkt + 12, f + 12, 8))
			return false;
	} else {
		/* Version, traffic class, flow label; next header, hop limit;
		 * addresses. */
		if (memcmp(pkt, f, 4) || memcmp(pkt + 6, f + 6, 34))
			return false;
	}
	/* Ports; acknowledgment; data offset and flags but PSH; window;
	 * urgent pointer and options. */
	if (memcmp(pkt + l4, f + l4, 4) || memcmp(pkt + l4 + 8, f + l4 + 8, 5) ||
	    (pkt[l4 + 13] & (uint8_t)~TCP_PSH) != (f[l4 + 13] & (uint8_t)~TCP_PSH) ||
	    memcmp(pkt + l4 + 14, f + l4 + 14, 2) ||
	    memcmp(pkt + l4 + 18, f + l4 + 18, m->hdr - l4 - 18) ||
	    xs_get_be32(pkt + l4 + 4) != m->next_seq || tcp_at(pkt, len) != l4)
		return false;
	m->iov[1 + m->n] = (struct iovec){ pkt + m->hdr, pay };
	m->tag[m->n++] = tag;
	m->len += pay;
	m->next_seq += pay;
	/* A short segment or PSH ends what the sender sent as one. */
	m->closed = pay < m->mss || (pkt[l4 + 13] & TCP_PSH);
	if (pkt[l4 + 13] & TCP_PSH)
		m->first[l4 + 13] |= TCP_PSH;
	return true;
}

int xsd_merge_finish(struct xsd_merge *m, struct virtio_net_hdr *vh, uint32_t l2)
{
	uint8_t *f = m->first, ver = f[0] >> 4;
	uint32_t l4 = ver == 4 ? XS_IPV4_HDR_LEN : XS_IPV6_HDR_LEN;
	uint16_t pseudo;

	xs_l3_set_len(f, ver, m->len);
	/* CHECKSUM_PARTIAL: the field holds the folded pseudo-header sum; the
	 * stack completes or trusts it (the segments' own sums were checked). */
	pseudo = xs_csum_fold(xsd_l4_pseudo(f, m->len - l4, IPPROTO_TCP));
	xs_put_be16(f + l4 + 16, pseudo);
	*vh = (struct virtio_net_hdr){
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.gso_type = ver == 4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6,
		.hdr_len = (uint16_t)(l2 + m->hdr),
		.gso_size = (uint16_t)m->mss,
		.csum_start = (uint16_t)(l2 + l4),
		.csum_offset = 16,
	};
	return (int)m->n;
}
