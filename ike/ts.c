// SPDX-License-Identifier: GPL-2.0-only
/*
 * Traffic selectors (RFC 7296 §2.9, §3.13.1) and IKE addresses:
 * selectors from the configuration (`dynamic` = this side's IKE address),
 * conversions to and from the TS payload codec, narrowing and subsets.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "ts.h"

/* ---------------------------------------------------------- addresses */

int ike_addr_from_conf(const struct ike_conf_addr *c, uint16_t port,
		       struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	if (c->family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)out;

		s->sin_family = AF_INET;
		s->sin_addr = c->u.v4;
		s->sin_port = htons(port);
		return 0;
	}
	if (c->family == AF_INET6) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)out;

		s->sin6_family = AF_INET6;
		s->sin6_addr = c->u.v6;
		s->sin6_port = htons(port);
		return 0;
	}
	return -EAFNOSUPPORT;
}

static const uint8_t *addr_bytes(const struct sockaddr_storage *ss, size_t *len)
{
	if (ss->ss_family == AF_INET) {
		*len = 4;
		return (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr;
	}
	if (ss->ss_family == AF_INET6) {
		*len = 16;
		return (const uint8_t *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
	}
	*len = 0;
	return NULL;
}

uint16_t ike_addr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

void ike_addr_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

bool ike_addr_eq(const struct sockaddr_storage *a,
		 const struct sockaddr_storage *b, bool ports)
{
	const uint8_t *pa, *pb;
	size_t la, lb;

	if (a->ss_family != b->ss_family)
		return false;
	pa = addr_bytes(a, &la);
	pb = addr_bytes(b, &lb);
	if (!pa || !pb || la != lb || memcmp(pa, pb, la))
		return false;
	return !ports || ike_addr_port(a) == ike_addr_port(b);
}

bool ike_addr_match_conf(const struct ike_conf_addr *c,
			 const struct sockaddr_storage *ss)
{
	const uint8_t *p;
	size_t len;

	if (c->family == AF_UNSPEC)
		return true;
	if (c->family != ss->ss_family)
		return false;
	p = addr_bytes(ss, &len);
	return p && !memcmp(p, c->u.bytes, len);
}

const char *ike_addr_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	const uint8_t *p;
	size_t alen;

	p = addr_bytes(ss, &alen);
	if (p)
		inet_ntop(ss->ss_family, p, ip, sizeof(ip));
	snprintf(buf, len, ss->ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip,
		 ike_addr_port(ss));
	return buf;
}

void ike_addr_to_id(const struct sockaddr_storage *ss, struct ike_conf_id *id)
{
	const uint8_t *p;
	size_t len;

	memset(id, 0, sizeof(*id));
	p = addr_bytes(ss, &len);
	if (!p)
		return;
	/* §3.5: ID_IPV4_ADDR is 4 octets, ID_IPV6_ADDR 16. */
	id->type = len == 4 ? IKE_ID_IPV4_ADDR : IKE_ID_IPV6_ADDR;
	id->len = (uint16_t)len;
	memcpy(id->data, p, len);
}

/* ------------------------------------------------- traffic selectors */

static size_t ts_alen(uint8_t family)
{
	return family == AF_INET ? 4 : 16;
}

int ike_ts_from_conf(const struct ike_conf_ts *c,
		     const struct sockaddr_storage *ike_addr, struct ike_ts *out)
{
	memset(out, 0, sizeof(*out));
	out->proto = c->proto;
	out->port_lo = c->port_lo;
	out->port_hi = c->port_hi;
	if (c->dynamic) {
		const uint8_t *p;
		size_t len;

		p = addr_bytes(ike_addr, &len);
		if (!p)
			return -EAFNOSUPPORT;
		out->family = (uint8_t)ike_addr->ss_family;
		memcpy(out->start, p, len);
		memcpy(out->end, p, len);
		return 0;
	}
	out->family = (uint8_t)c->addr.family;
	return ike_conf_ts_range(c, out->start, out->end);
}

int ike_ts_conf_list(const struct ike_conf_ts *c, size_t n,
		     const struct sockaddr_storage *ike_addr,
		     struct ike_ts *out, uint8_t *nout)
{
	uint8_t k = 0;

	for (size_t i = 0; i < n && k < IKE_TS_MAX; i++)
		if (!ike_ts_from_conf(&c[i], ike_addr, &out[k]))
			k++;
	*nout = k;
	return k ? 0 : -EINVAL;
}

void ike_ts_to_wire(const struct ike_ts *in, uint8_t n, struct ike_ts_list *out)
{
	memset(out, 0, sizeof(*out));
	for (uint8_t i = 0; i < n && i < IKE_MAX_TS; i++) {
		struct ike_ts_pld *w = &out->ts[out->n++];
		size_t alen = ts_alen(in[i].family);

		/* §3.13.1: TS_IPV4_ADDR_RANGE / TS_IPV6_ADDR_RANGE */
		w->type = in[i].family == AF_INET ? IKE_TS_IPV4_ADDR_RANGE :
						    IKE_TS_IPV6_ADDR_RANGE;
		w->proto = in[i].proto;
		w->sport = in[i].port_lo;
		w->eport = in[i].port_hi;
		memcpy(w->start, in[i].start, alen);
		memcpy(w->end, in[i].end, alen);
	}
}

int ike_ts_from_wire(const struct ike_ts_list *in, struct ike_ts *out,
		     uint8_t *nout)
{
	uint8_t k = 0;

	for (uint8_t i = 0; i < in->n && k < IKE_TS_MAX; i++) {
		const struct ike_ts_pld *w = &in->ts[i];
		struct ike_ts *t = &out[k];
		size_t alen;

		memset(t, 0, sizeof(*t));
		if (w->type == IKE_TS_IPV4_ADDR_RANGE)
			t->family = AF_INET;
		else if (w->type == IKE_TS_IPV6_ADDR_RANGE)
			t->family = AF_INET6;
		else
			continue;
		alen = ts_alen(t->family);
		t->proto = w->proto;
		t->port_lo = w->sport;
		t->port_hi = w->eport;
		memcpy(t->start, w->start, alen);
		memcpy(t->end, w->end, alen);
		/* §3.13.1: a range whose start lies above its end selects
		 * nothing; it is skipped (OPAQUE ports excepted). */
		if (memcmp(t->start, t->end, alen) > 0)
			continue;
		k++;
	}
	*nout = k;
	return k ? 0 : -EINVAL;
}

/* §3.13.1: Start Port 65535 and End Port 0 mean OPAQUE. */
static bool ports_opaque(const struct ike_ts *t)
{
	return t->port_lo == 65535 && t->port_hi == 0;
}

static bool ts_intersect(const struct ike_ts *a, const struct ike_ts *b,
			 struct ike_ts *out)
{
	size_t alen;

	if (a->family != b->family)
		return false;
	alen = ts_alen(a->family);
	memset(out, 0, sizeof(*out));
	out->family = a->family;
	/* §3.13.1: IP protocol 0 means any. */
	if (a->proto && b->proto && a->proto != b->proto)
		return false;
	out->proto = a->proto ? a->proto : b->proto;
	if (ports_opaque(a) || ports_opaque(b)) {
		/* OPAQUE only meets OPAQUE or the full range (RFC 4301
		 * §4.4.1). */
		const struct ike_ts *o = ports_opaque(a) ? b : a;

		if (!ports_opaque(o) && !(o->port_lo == 0 && o->port_hi == 65535))
			return false;
		out->port_lo = 65535;
		out->port_hi = 0;
	} else {
		out->port_lo = a->port_lo > b->port_lo ? a->port_lo : b->port_lo;
		out->port_hi = a->port_hi < b->port_hi ? a->port_hi : b->port_hi;
		if (out->port_lo > out->port_hi)
			return false;
	}
	memcpy(out->start, memcmp(a->start, b->start, alen) > 0 ? a->start :
								   b->start, alen);
	memcpy(out->end, memcmp(a->end, b->end, alen) < 0 ? a->end : b->end,
	       alen);
	return memcmp(out->start, out->end, alen) <= 0;
}

static bool ts_equal(const struct ike_ts *a, const struct ike_ts *b)
{
	size_t alen = ts_alen(a->family);

	return a->family == b->family && a->proto == b->proto &&
	       a->port_lo == b->port_lo && a->port_hi == b->port_hi &&
	       !memcmp(a->start, b->start, alen) && !memcmp(a->end, b->end, alen);
}

int ike_ts_narrow(const struct ike_ts *prop, uint8_t np,
		  const struct ike_ts *conf, uint8_t nc,
		  struct ike_ts *out, uint8_t *nout)
{
	uint8_t k = 0;

	/* §2.9: the responder answers with a subset of what was proposed
	 * that its policy allows: here every non-empty intersection of a
	 * proposed selector with a configured one (duplicates dropped). */
	for (uint8_t i = 0; i < np; i++) {
		for (uint8_t j = 0; j < nc && k < IKE_TS_MAX; j++) {
			struct ike_ts t;
			bool dup = false;

			if (!ts_intersect(&prop[i], &conf[j], &t))
				continue;
			for (uint8_t x = 0; x < k && !dup; x++)
				dup = ts_equal(&out[x], &t);
			if (!dup)
				out[k++] = t;
		}
	}
	*nout = k;
	return k ? 0 : -ENOENT;
}

static bool ts_within(const struct ike_ts *in, const struct ike_ts *set)
{
	struct ike_ts t;

	return ts_intersect(in, set, &t) && ts_equal(&t, in);
}

bool ike_ts_subset(const struct ike_ts *sub, uint8_t ns,
		   const struct ike_ts *set, uint8_t nset)
{
	if (!ns)
		return false;
	for (uint8_t i = 0; i < ns; i++) {
		bool ok = false;

		for (uint8_t j = 0; j < nset && !ok; j++)
			ok = ts_within(&sub[i], &set[j]);
		if (!ok)
			return false;
	}
	return true;
}
