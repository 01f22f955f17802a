// SPDX-License-Identifier: GPL-2.0-only
/*
 * Traffic Selector payloads TSi/TSr (RFC 7296 §3.13, §3.13.1): IPv4 and
 * IPv6 address ranges with protocol and port range. Selectors of other
 * types (e.g. RFC 9478 security labels) are checked for length and skipped.
 */
#include <errno.h>
#include <string.h>

#include "msg.h"

static int bad(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return -EBADMSG;
}

static size_t ts_addr_len(uint8_t type)
{
	return type == IKE_TS_IPV4_ADDR_RANGE ? 4 :
	       type == IKE_TS_IPV6_ADDR_RANGE ? 16 : 0;
}

static int ts_walk(const uint8_t *b, size_t len, struct ike_ts_list *out,
		   uint8_t *count, const char **why)
{
	size_t off = IKE_TS_HDR_LEN;
	unsigned int n;

	if (out)
		memset(out, 0, sizeof(*out));
	/* §3.13: Number of TSs (1), RESERVED (3), selectors. */
	if (len < IKE_TS_HDR_LEN)
		return bad(why, "TS payload truncated");
	n = b[0];
	if (!n)
		return bad(why, "TS payload without selectors");
	if (n > IKE_MAX_TS)
		return bad(why, "too many traffic selectors");
	for (unsigned int i = 0; i < n; i++) {
		size_t left = len - off, alen;
		uint16_t slen;
		uint8_t type;

		/* §3.13.1: TS Type (1), IP Protocol ID (1), Selector Length
		 * (2), Start Port (2), End Port (2), addresses. */
		if (left < IKE_TS_SEL_HDR_LEN)
			return bad(why, "traffic selector truncated");
		type = b[off];
		slen = ike_get16(b + off + 2);
		if (slen < IKE_TS_SEL_HDR_LEN)
			return bad(why, "selector length below header size");
		if (slen > left)
			return bad(why, "selector runs past the TS payload");
		alen = ts_addr_len(type);
		if (!alen) {
			if (out)
				out->nskipped++;
			off += slen;
			continue;
		}
		/* §3.13.1: 16 octets for IPv4 ranges, 40 for IPv6. */
		if (slen != IKE_TS_SEL_HDR_LEN + 2 * alen)
			return bad(why, "selector length does not match its type");
		if (out) {
			struct ike_ts_pld *ts = &out->ts[out->n++];

			ts->type = type;
			ts->proto = b[off + 1];
			ts->sport = ike_get16(b + off + 4);
			ts->eport = ike_get16(b + off + 6);
			memcpy(ts->start, b + off + IKE_TS_SEL_HDR_LEN, alen);
			memcpy(ts->end, b + off + IKE_TS_SEL_HDR_LEN + alen,
			       alen);
		}
		off += slen;
	}
	/* §3.13: the payload holds exactly Number of TSs selectors. */
	if (off != len)
		return bad(why, "selector count does not fill the TS payload");
	if (count)
		*count = (uint8_t)n;
	return 0;
}

int ike_ts_validate(const uint8_t *body, size_t len, uint8_t *nts,
		    const char **why)
{
	return ts_walk(body, len, NULL, nts, why);
}

int ike_ts_parse(const uint8_t *body, size_t len, struct ike_ts_list *out,
		 const char **why)
{
	return ts_walk(body, len, out, NULL, why);
}

int ike_enc_ts(struct ike_enc *e, uint8_t pld_type,
	       const struct ike_ts_list *ts)
{
	size_t total = IKE_TS_HDR_LEN, off;
	uint8_t *b;
	int rc;

	if ((pld_type != IKE_PL_TSI && pld_type != IKE_PL_TSR) || !ts->n ||
	    ts->n > IKE_MAX_TS)
		goto invalid;
	for (unsigned int i = 0; i < ts->n; i++) {
		size_t alen = ts_addr_len(ts->ts[i].type);

		if (!alen)
			goto invalid;
		total += IKE_TS_SEL_HDR_LEN + 2 * alen;
	}
	rc = ike_enc_begin(e, pld_type, false, total, &b);
	if (rc)
		return rc;
	b[0] = ts->n;
	off = IKE_TS_HDR_LEN;
	for (unsigned int i = 0; i < ts->n; i++) {
		const struct ike_ts_pld *t = &ts->ts[i];
		size_t alen = ts_addr_len(t->type);

		b[off] = t->type;
		b[off + 1] = t->proto;
		ike_put16(b + off + 2, (uint16_t)(IKE_TS_SEL_HDR_LEN + 2 * alen));
		ike_put16(b + off + 4, t->sport);
		ike_put16(b + off + 6, t->eport);
		memcpy(b + off + IKE_TS_SEL_HDR_LEN, t->start, alen);
		memcpy(b + off + IKE_TS_SEL_HDR_LEN + alen, t->end, alen);
		off += IKE_TS_SEL_HDR_LEN + 2 * alen;
	}
	return 0;
invalid:
	if (!e->err)
		e->err = -EINVAL;
	return e->err;
}
