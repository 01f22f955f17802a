/* SPDX-License-Identifier: GPL-2.0-only */
/* Engine-internal: the outer header of tunnel mode. */
#ifndef XS_TUNNEL_H
#define XS_TUNNEL_H

#include <stdint.h>

#include "sa.h"

/* Writes the outer IPv4/IPv6 header (family and addresses from the SA) for
 * a datagram of total bytes whose inner packet starts at inner. */
void xs_tunnel_hdr_build(struct xs_sa *sa, uint8_t *out, uint32_t total,
			 const uint8_t *inner, uint8_t proto);

static inline uint32_t xs_tunnel_hdr_len(const struct xs_sa *sa)
{
	return sa->cfg.family == AF_INET ? XS_IPV4_HDR_LEN : XS_IPV6_HDR_LEN;
}

#endif
