// SPDX-License-Identifier: GPL-2.0-only
/*
 * Inbound dispatch by SPI (RFC 4301 §4.4.2: the SPI, with the protocol,
 * selects the SA) and outbound dispatch by the SA's protocol.
 */
#include "open.h"

int xs_open(struct xs_sadb *db, struct xs_pkt *p, struct xs_sa **sa_out)
{
	struct xs_outer o;
	struct xs_sa *sa;
	int r;

	if (sa_out)
		*sa_out = NULL;
	r = xs_outer_parse_pkt(p, &o);
	if (r) {
		db->drops[r]++;
		return r;
	}
	sa = xs_sadb_find(db, o.spi, o.proto);
	if (!sa) {
		r = xs_sadb_find(db, o.spi, o.proto == XS_PROTO_ESP ? XS_PROTO_AH
								   : XS_PROTO_ESP)
			    ? XS_DROP_WRONG_PROTO
			    : XS_DROP_UNKNOWN_SPI;
		db->drops[r]++;
		return r;
	}
	if (sa_out)
		*sa_out = sa;
	return o.proto == XS_PROTO_ESP ? xs_esp_open_parsed(sa, p, &o)
				       : xs_ah_open_parsed(sa, p, &o);
}

int xs_seal(struct xs_sa *sa, struct xs_pkt *p)
{
	return sa->cfg.proto == XS_PROTO_ESP ? xs_esp_seal(sa, p) : xs_ah_seal(sa, p);
}
