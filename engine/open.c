// SPDX-License-Identifier: GPL-2.0-only
/*
 * Inbound dispatch by SPI (RFC 4301 §4.4.2: the SPI, with the protocol,
 * selects the SA) and outbound dispatch by the SA's protocol.
 */
#include "open.h"

static inline int db_drop(struct xs_sadb *db, int reason)
{
	__atomic_fetch_add(&db->drops[reason], 1, __ATOMIC_RELAXED);
	return reason;
}

int xs_open_find(struct xs_sadb *db, struct xs_pkt *p, struct xs_outer *o,
		 struct xs_sa **sa_out, struct xs_sa *hint)
{
	const uint8_t *pkt = p->buf + p->off;
	struct xs_sa *sa;
	int r;

	*sa_out = NULL;
	/* The common case inline; it fills o as the full parser would. */
	if (!xs_outer_parse_esp4(pkt, p->len, o)) {
		r = xs_outer_parse_pkt(p, o);
		if (r)
			return db_drop(db, r);
	}
	if (hint && hint->cfg.spi == o->spi && hint->cfg.proto == o->proto) {
		*sa_out = hint;
		return XS_DROP_NONE;
	}
	sa = xs_sadb_find(db, o->spi, o->proto);
	if (!sa) {
		r = xs_sadb_find(db, o->spi, o->proto == XS_PROTO_ESP ? XS_PROTO_AH
								       : XS_PROTO_ESP)
			    ? XS_DROP_WRONG_PROTO
			    : XS_DROP_UNKNOWN_SPI;
		return db_drop(db, r);
	}
	*sa_out = sa;
	return XS_DROP_NONE;
}

int xs_open(struct xs_sadb *db, struct xs_pkt *p, struct xs_sa **sa_out)
{
	struct xs_outer o;
	struct xs_sa *sa;
	int r;

	r = xs_open_find(db, p, &o, &sa, NULL);
	if (sa_out)
		*sa_out = sa;
	if (r)
		return r;
	return o.proto == XS_PROTO_ESP ? xs_esp_open_parsed(sa, p, &o)
				       : xs_ah_open_parsed(sa, p, &o);
}

int xs_seal(struct xs_sa *sa, struct xs_pkt *p)
{
	return sa->cfg.proto == XS_PROTO_ESP ? xs_esp_seal(sa, p) : xs_ah_seal(sa, p);
}
