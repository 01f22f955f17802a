// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tunnel-mode outer header, RFC 4301 §5.1.2.
 */
#include <sys/socket.h>

#include "ip.h"
#include "tunnel.h"

#define IP4_DF 0x4000u

/* DSCP and ECN are copied from the inner header (RFC 4301 §5.1.2.1,
 * RFC 6040 §4.1 normal mode); DF is copied from an inner IPv4 header and
 * set for inner IPv6 (RFC 4301 §8.1). TTL/hop limit is the SA's: the inner
 * one was already decremented by the forwarding that brought it here. */
void xs_tunnel_hdr_build(struct xs_sa *sa, uint8_t *out, uint32_t total,
			 const uint8_t *inner, uint8_t proto)
{
	const int inner_v4 = inner[0] >> 4 == 4;
	uint8_t tos = inner_v4 ? inner[1]
			       : (uint8_t)(((inner[0] & 0x0f) << 4) | inner[1] >> 4);

	if (sa->cfg.family == AF_INET) {
		out[0] = 0x45;
		out[1] = tos;
		xs_put_be16(out + 2, (uint16_t)total);
		xs_put_be16(out + 4, sa->ip_id++);
		xs_put_be16(out + 6, inner_v4 ? (xs_get_be16(inner + 6) & IP4_DF) : IP4_DF);
		out[8] = sa->cfg.outer_ttl;
		out[9] = proto;
		memcpy(out + 12, &sa->cfg.src.v4, 4);
		memcpy(out + 16, &sa->cfg.dst.v4, 4);
		xs_ipv4_csum_set(out);
	} else {
		xs_put_be32(out, 6u << 28 | (uint32_t)tos << 20);
		xs_put_be16(out + 4, (uint16_t)(total - XS_IPV6_HDR_LEN));
		out[6] = proto;
		out[7] = sa->cfg.outer_ttl;
		memcpy(out + 8, &sa->cfg.src.v6, 16);
		memcpy(out + 24, &sa->cfg.dst.v6, 16);
	}
}
