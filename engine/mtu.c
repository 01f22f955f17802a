// SPDX-License-Identifier: GPL-2.0-only
#include <sys/socket.h>

#include "mtu.h"

uint32_t xs_sa_inner_mtu(const struct xs_sa *sa, uint32_t link_mtu, uint32_t hl)
{
	const bool tunnel = sa->cfg.mode == XS_MODE_TUNNEL;
	uint32_t outer = tunnel ? (sa->cfg.family == AF_INET ? XS_IPV4_HDR_LEN
							     : XS_IPV6_HDR_LEN)
				: hl;
	uint32_t fixed, avail;

	if (sa->cfg.proto == XS_PROTO_AH) {
		/* RFC 4302 §2: 12 bytes + ICV, padded to 4 (IPv4) or 8 (IPv6). */
		uint32_t ah = XS_AH_HDR_LEN + XS_ICV_LEN;

		/* In both modes the outer header's family is the SA's. */
		ah = sa->cfg.family != AF_INET ? (ah + 7) & ~7u : (ah + 3) & ~3u;
		if (link_mtu < outer + ah)
			return 0;
		return link_mtu - ah - (tunnel ? outer : 0);
	}
	fixed = outer + (sa->cfg.encap_sport ? XS_UDP_HDR_LEN : 0) + XS_ESP_HDR_LEN +
		sa->iv_len + XS_ICV_LEN;
	if (link_mtu < fixed + sa->block)
		return 0;
	/* RFC 4303 §2.4: payload + pad + 2-byte trailer fill whole blocks. */
	avail = (link_mtu - fixed) / sa->block * sa->block - XS_ESP_TRAILER_LEN;
	return tunnel ? avail : hl + avail;
}
