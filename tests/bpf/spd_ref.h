/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A reference SPD for the tests (test_spd_property.c, fuzz/fuzz_bpf.c): RFC
 * 4301's ordered search (§4.4.1) over a policy table, written plainly,
 * without any of the compiler's machinery (loader/spd.c) or the programs'
 * (bpf/spd.h), with the order spd.h documents and the fragment rule of
 * docs/bpf.md (§7). The tests hold the programs' verdicts against it.
 */
#ifndef XS_SPD_REF_H
#define XS_SPD_REF_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "spd.h"

#define IP_TCP		6
#define IP_UDP		17
#define IP_ICMP		1
#define IP_GRE		47
#define IP6_FRAG	44
#define IP6_ICMP	58

/* What the packet is, as the reference sees it. */
struct flow {
	uint32_t reqid;		/* tc_inner: the SA that opened it (inner tag) */
	int v6;
	uint8_t src[16], dst[16];
	uint8_t proto;
	int frag;		/* 0 whole, 1 first fragment, 2 later fragment */
	int ports;		/* the protocol has ports (or ICMP type/code) */
	uint16_t sport, dport;	/* ICMP: type, code */
	uint8_t hlim;
};

/* TCP, UDP, SCTP, UDP-Lite ports; ICMP/ICMPv6 type and code. */
static int has_ports(uint8_t proto)
{
	return proto == IP_TCP || proto == IP_UDP || proto == 132 || proto == 136 ||
	       proto == IP_ICMP || proto == IP6_ICMP;
}

static int in_prefix(const uint8_t *pfx, uint8_t plen, const uint8_t *addr)
{
	for (unsigned int b = 0; b < plen; b++) {
		uint8_t m = 0x80 >> (b % 8);

		if ((pfx[b / 8] & m) != (addr[b / 8] & m))
			return 0;
	}
	return 1;
}

static int ports_any(const struct xs_spd_policy *p)
{
	return p->sport_lo == 0 && p->sport_hi == 0xffff && p->dport_lo == 0 &&
	       p->dport_hi == 0xffff;
}

/* The SPD's order, as spd.h documents it, written out plainly. */
static int before(const struct xs_spd_policy *a, const struct xs_spd_policy *b)
{
	uint64_t pa = a->priority ? a->priority : 1ull << 40;
	uint64_t pb = b->priority ? b->priority : 1ull << 40;
	uint8_t ra = a->dir == XS_SPD_DIR_IN ? a->src_plen : a->dst_plen;
	uint8_t rb = b->dir == XS_SPD_DIR_IN ? b->src_plen : b->dst_plen;
	uint8_t la = a->dir == XS_SPD_DIR_IN ? a->dst_plen : a->src_plen;
	uint8_t lb = b->dir == XS_SPD_DIR_IN ? b->dst_plen : b->src_plen;

	if (pa != pb)
		return pa < pb;
	if (ra != rb)
		return ra > rb;
	if (la != lb)
		return la > lb;
	if ((a->proto != 0) != (b->proto != 0))
		return a->proto != 0;
	return a->id < b->id;
}

enum ref_kind { REF_DEFAULT, REF_RULE, REF_AMBIGUOUS };

struct ref {
	enum ref_kind kind;
	const struct xs_spd_policy *p;	/* REF_RULE */
};

/*
 * RFC 4301 §4.4.1: the first policy in order whose selectors match
 * decides. Out: remote = destination, local = source; in: the reverse
 * (a `dir in` policy reads src REMOTE dst LOCAL). A later fragment's ports
 * are OPAQUE (§7): a policy with ANY ports matches it, one with port
 * ranges may; every such candidate, and the default when no policy
 * definitely matched, must agree (same action; PROTECT: same policy out,
 * same reqid in), or the answer is "ambiguous".
 */
#define REF_MAX 20000

/* The policies of each direction and family in the SPD's order, sorted
 * once per set (ref_sort). */
static struct {
	const struct xs_spd_policy *order[2][2][REF_MAX];	/* [in][v6] */
	uint32_t n[2][2];
} ref;

static int before_q(const void *a, const void *b)
{
	const struct xs_spd_policy *x = *(const struct xs_spd_policy *const *)a;
	const struct xs_spd_policy *y = *(const struct xs_spd_policy *const *)b;

	return before(x, y) ? -1 : before(y, x) ? 1 : 0;
}

static void ref_sort(const struct xs_spd_policy *pol, uint32_t n)
{
	memset(ref.n, 0, sizeof(ref.n));
	if (n > REF_MAX)
		abort();
	for (uint32_t i = 0; i < n; i++) {
		int d = pol[i].dir == XS_SPD_DIR_IN, f = pol[i].family == AF_INET6;

		ref.order[d][f][ref.n[d][f]++] = &pol[i];
	}
	for (int d = 0; d < 2; d++)
		for (int f = 0; f < 2; f++)
			qsort(ref.order[d][f], ref.n[d][f], sizeof(ref.order[d][f][0]), before_q);
}

static struct ref ref_lookup(int dir, const struct flow *f, uint8_t dflt)
{
	const struct xs_spd_policy *const *order = ref.order[dir == XS_SPD_DIR_IN][f->v6];
	const struct xs_spd_policy *first = NULL;
	const uint8_t *remote = dir == XS_SPD_DIR_IN ? f->src : f->dst;
	const uint8_t *local = dir == XS_SPD_DIR_IN ? f->dst : f->src;
	struct ref r = { REF_DEFAULT, NULL };
	uint32_t m = ref.n[dir == XS_SPD_DIR_IN][f->v6];
	int ambiguous = 0, definite = 0;

	for (uint32_t i = 0; i < m && !definite; i++) {
		const struct xs_spd_policy *p = order[i];
		const uint8_t *pr = dir == XS_SPD_DIR_IN ? p->src : p->dst;
		const uint8_t *pl = dir == XS_SPD_DIR_IN ? p->dst : p->src;
		uint8_t rplen = dir == XS_SPD_DIR_IN ? p->src_plen : p->dst_plen;
		uint8_t lplen = dir == XS_SPD_DIR_IN ? p->dst_plen : p->src_plen;
		if (!in_prefix(pr, rplen, remote) || !in_prefix(pl, lplen, local))
			continue;
		if (p->proto && p->proto != f->proto)
			continue;
		if (ports_any(p)) {
			definite = 1;
		} else if (!has_ports(f->proto)) {
			continue;
		} else if (f->frag == 2) {
			/* ports OPAQUE: a candidate, not a match (§7) */
		} else if (f->sport >= p->sport_lo && f->sport <= p->sport_hi &&
			   f->dport >= p->dport_lo && f->dport <= p->dport_hi) {
			definite = 1;
		} else {
			continue;
		}
		if (!first) {
			first = p;
		} else if (p->action != first->action ||
			   (p->action == XS_SPD_PROTECT &&
			    (dir == XS_SPD_DIR_IN ? p->reqid != first->reqid : p->id != first->id))) {
			ambiguous = 1;
		}
	}
	if (!first)
		return r;
	if (!definite && dflt != first->action)
		ambiguous = 1;
	if (ambiguous) {
		r.kind = REF_AMBIGUOUS;
		return r;
	}
	r.kind = REF_RULE;
	r.p = first;
	return r;
}

#endif
