/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Engine-internal: the outer header of tunnel mode, RFC 4301 §5.1.2.
 *
 * The SA keeps a template with the constant fields (version, TTL,
 * addresses) and, for IPv4, their share of the header checksum; per packet
 * only the fields that change are stored and summed.
 */
#ifndef XS_TUNNEL_H
#define XS_TUNNEL_H

#include <stdint.h>
#include <sys/socket.h>

#include "ip.h"
#include "sa.h"

#define XS_IP4_DF 0x4000u

/* Fills the SA's outer header template from its configuration. */
void xs_tunnel_tmpl_init(struct xs_sa *sa);

/* The inner header's DSCP and ECN: IPv4 TOS or IPv6 traffic class. */
static inline uint8_t xs_tunnel_tos(const uint8_t *inner)
{
	if (inner[0] >> 4 == 4)
		return inner[1];
	return (uint8_t)(((inner[0] & 0x0f) << 4) | inner[1] >> 4);
}

#define XS_ECN_MASK 0x03u
#define XS_ECN_ECT1 0x01u
#define XS_ECN_ECT0 0x02u
#define XS_ECN_CE 0x03u

/*
 * Decapsulation of ECN, RFC 6040 §4.2 (normal mode), given the outer and
 * the inner header: congestion marked outside is kept inside, ECT(1)
 * outside over ECT(0) inside stays ECT(1). Returns XS_DROP_NONE, or
 * XS_DROP_ECN when the outer says CE and the inner cannot carry it.
 */
static inline __attribute__((always_inline)) int xs_tunnel_ecn_decap(const uint8_t *outer, uint8_t *inner)
{
	uint8_t out = xs_tunnel_tos(outer) & XS_ECN_MASK;
	uint8_t in = xs_tunnel_tos(inner) & XS_ECN_MASK, set;

	if (out == XS_ECN_CE && in != XS_ECN_CE) {
		if (in == 0)
			return XS_DROP_ECN;
		set = XS_ECN_CE;
	} else if (out == XS_ECN_ECT1 && in == XS_ECN_ECT0) {
		set = XS_ECN_ECT1;
	} else {
		return XS_DROP_NONE;
	}
	if (inner[0] >> 4 == 4) {
		inner[1] = (uint8_t)((inner[1] & ~XS_ECN_MASK) | set);
		xs_ipv4_csum_set(inner);
	} else {
		/* The traffic class straddles bytes 0 and 1: ECN is in byte 1. */
		inner[1] = (uint8_t)((inner[1] & ~(XS_ECN_MASK << 4)) | set << 4);
	}
	return XS_DROP_NONE;
}

/*
 * Writes the outer IPv4/IPv6 header (family and addresses from the SA) for
 * a datagram of total bytes whose inner packet starts at inner.
 *
 * DSCP and ECN are copied from the inner header (RFC 4301 §5.1.2.1,
 * RFC 6040 §4.1 normal mode); DF is copied from an inner IPv4 header and
 * set for inner IPv6 (RFC 4301 §8.1). TTL/hop limit is the SA's: the inner
 * one was already decremented by the forwarding that brought it here.
 *
 * The IPv4 identification is the low 16 bits of the packet's sequence
 * number: unique among the SA's last 65,536 packets (RFC 6864 §4.1 asks
 * uniqueness only of datagrams that may be fragmented) without a counter
 * that threads sealing with the same SA would have to share.
 */
static inline void xs_tunnel_hdr_build4(const struct xs_sa *sa, uint8_t *out,
					uint32_t total, const uint8_t *inner,
					uint8_t proto, uint64_t seq)
{
	const uint8_t tos = xs_tunnel_tos(inner);
	const uint16_t id = (uint16_t)seq;
	const uint16_t frag = inner[0] >> 4 == 4 ? xs_get_be16(inner + 6) & XS_IP4_DF
						 : XS_IP4_DF;
	/* RFC 1071: the template's sum plus the words set here. */
	const uint64_t sum = sa->outer_sum + tos + total + id + frag + proto;

	memcpy(out, sa->outer_hdr, XS_IPV4_HDR_LEN);
	out[1] = tos;
	xs_put_be16(out + 2, (uint16_t)total);
	xs_put_be16(out + 4, id);
	xs_put_be16(out + 6, frag);
	out[9] = proto;
	xs_put_be16(out + 10, (uint16_t)~xs_csum_fold(sum));
}

static inline void xs_tunnel_hdr_build6(const struct xs_sa *sa, uint8_t *out,
					uint32_t total, const uint8_t *inner,
					uint8_t proto)
{
	memcpy(out, sa->outer_hdr, XS_IPV6_HDR_LEN);
	xs_put_be32(out, 6u << 28 | (uint32_t)xs_tunnel_tos(inner) << 20);
	xs_put_be16(out + 4, (uint16_t)(total - XS_IPV6_HDR_LEN));
	out[6] = proto;
}

static inline void xs_tunnel_hdr_build(const struct xs_sa *sa, uint8_t *out,
				       uint32_t total, const uint8_t *inner,
				       uint8_t proto, uint64_t seq)
{
	if (sa->cfg.family == AF_INET)
		xs_tunnel_hdr_build4(sa, out, total, inner, proto, seq);
	else
		xs_tunnel_hdr_build6(sa, out, total, inner, proto);
}

static inline uint32_t xs_tunnel_hdr_len(const struct xs_sa *sa)
{
	return sa->cfg.family == AF_INET ? XS_IPV4_HDR_LEN : XS_IPV6_HDR_LEN;
}

#endif
