// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tunnel-mode outer header template, RFC 4301 §5.1.2.
 */
#include "tunnel.h"

void xs_tunnel_tmpl_init(struct xs_sa *sa)
{
	uint8_t *h = sa->outer_hdr;

	memset(h, 0, sizeof(sa->outer_hdr));
	sa->outer_sum = 0;
	if (sa->cfg.family == AF_INET) {
		/* Version 4, IHL 5; TOS, length, ID, flags, protocol and
		 * checksum are per packet. */
		h[0] = 0x45;
		h[8] = sa->cfg.outer_ttl;
		memcpy(h + 12, &sa->cfg.src.v4, 4);
		memcpy(h + 16, &sa->cfg.dst.v4, 4);
		for (unsigned int i = 0; i < XS_IPV4_HDR_LEN; i += 2)
			sa->outer_sum += xs_get_be16(h + i);
	} else {
		h[7] = sa->cfg.outer_ttl;
		memcpy(h + 8, &sa->cfg.src.v6, 16);
		memcpy(h + 24, &sa->cfg.dst.v6, 16);
	}
}
