// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The SPD as a whole, against a reference: random sets of up to a few
 * hundred overlapping policies (prefixes, protocols, port ranges, ICMP
 * types, all three actions, both directions, priorities) are compiled by
 * the real compiler (loader/spd.c) into the maps the real programs read,
 * and random packets (fragments included) go through tc_egress and
 * xdp_ingress with BPF_PROG_TEST_RUN. Each verdict and reason must equal
 * what a plain reading of RFC 4301's ordered search (§4.4.1, §5.1, §5.2,
 * the fragment rule of docs/bpf.md for §7), written below without any of
 * the compiler's machinery, says; counters must add up per round. Policy
 * sets change between rounds, so incremental updates, id reuse and the
 * compiler taking over maps it did not write (a daemon restart) are
 * exercised too; fixed cases cover what random sets rarely hit (lists of
 * thousands of rules, rebuilds into the other half, a set too big to
 * compile changing nothing).
 *
 * XS_SPD_SEED picks the seed (printed); XS_SPD_PACKETS the packets per
 * program (default 100000). Needs root.
 */
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/pkt_cls.h>

#include "xs_bpf_test.h"
#include "spd.h"
#include "spd_ref.h"


#define POL_MAX		320	/* policies in a random set */
#define ROUND_PACKETS	2500
#define WORKERS		4
#define NO_RULE		UINT32_MAX

static const char *const tc_names[] = {
#define XS_NAME_(name, str) str,
	XS_TC_COUNTERS(XS_NAME_)
};
static const char *const xdp_names[] = {
	XS_XDP_COUNTERS(XS_NAME_)
};
static const char *const inner_names[] = {
	XS_INNER_COUNTERS(XS_NAME_)
#undef XS_NAME_
};

/* Maps every object shares with the first one loaded (pinned by name in
 * the daemon; here by handing the fds over before load). */
static const char *const shared_maps[] = {
	XS_STR(XS_MAP_SPD_V4), XS_STR(XS_MAP_SPD_V6), XS_STR(XS_MAP_SPD_IN_V4),
	XS_STR(XS_MAP_SPD_IN_V6), XS_STR(XS_MAP_SPD_ENTRIES), XS_STR(XS_MAP_SPD_RULES),
	XS_STR(XS_MAP_POLICY_STATS), XS_STR(XS_MAP_ACQUIRE), XS_STR(XS_MAP_EVENTS),
};

static struct {
	struct bpf_object *tc_open;	/* default BYPASS */
	struct bpf_object *tc_closed;	/* default DISCARD */
	struct bpf_object *xdp;
	struct bpf_object *inner;
	struct xs_spd_maps spd;
	uint64_t rng;
	unsigned long packets;		/* per program, so far */
	unsigned long packets_budget;
} fx;

/* ----------------------------------------------------------- random */

static uint64_t rnd(void)
{
	/* xorshift64* */
	fx.rng ^= fx.rng >> 12;
	fx.rng ^= fx.rng << 25;
	fx.rng ^= fx.rng >> 27;
	return fx.rng * 0x2545f4914f6cdd1dull;
}

static uint32_t rnd_below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

static int chance(uint32_t percent)
{
	return rnd_below(100) < percent;
}

/* ----------------------------------------------------------- loading */

static struct bpf_object *load_shared(const char *file, const char *cfg_name, const void *cfg,
				      size_t cfg_len, struct bpf_object *base)
{
	char path[512];
	struct bpf_object *obj;
	struct bpf_map *map;

	snprintf(path, sizeof(path), "%s/%s", XS_BPF_OBJ_DIR, file);
	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		return NULL;
	if (cfg_name && xs_set_rodata(obj, cfg_name, cfg, cfg_len))
		goto fail;
	bpf_object__for_each_map(map, obj) {
		for (size_t i = 0; base && i < sizeof(shared_maps) / sizeof(shared_maps[0]); i++)
			if (!strcmp(bpf_map__name(map), shared_maps[i]) &&
			    bpf_map__reuse_fd(map, xs_map_fd(base, shared_maps[i])))
				goto fail;
	}
	if (bpf_object__load(obj))
		goto fail;
	return obj;
fail:
	fprintf(stderr, "loading %s: %s\n", path, strerror(errno));
	bpf_object__close(obj);
	return NULL;
}

static int spd_open(void)
{
	struct bpf_object *o = fx.tc_open;

	return xs_spd_open(&fx.spd, xs_map_fd(o, XS_STR(XS_MAP_SPD_RULES)),
			   xs_map_fd(o, XS_STR(XS_MAP_SPD_ENTRIES)),
			   xs_map_fd(o, XS_STR(XS_MAP_SPD_V4)), xs_map_fd(o, XS_STR(XS_MAP_SPD_V6)),
			   xs_map_fd(o, XS_STR(XS_MAP_SPD_IN_V4)),
			   xs_map_fd(o, XS_STR(XS_MAP_SPD_IN_V6)));
}

/* -------------------------------------------------------- random sets */

/*
 * Addresses cluster in a few small regions so prefixes overlap: IPv4
 * 10.{0,1}.x.y, IPv6 2001:db8:{0,1}::x:y, with prefix lengths spread from
 * 0 to all bits (more of them long).
 */
static void rnd_addr(int v6, uint8_t *a)
{
	memset(a, 0, 16);
	if (!v6) {
		a[0] = 10;
		a[1] = (uint8_t)rnd_below(2);
		a[2] = (uint8_t)rnd_below(4);
		a[3] = (uint8_t)rnd_below(8);
		return;
	}
	a[0] = 0x20;
	a[1] = 0x01;
	a[2] = 0x0d;
	a[3] = 0xb8;
	a[5] = (uint8_t)rnd_below(2);
	a[13] = (uint8_t)rnd_below(4);
	a[15] = (uint8_t)rnd_below(8);
}

static uint8_t rnd_plen(int v6)
{
	static const uint8_t v4[] = { 0, 8, 15, 16, 22, 24, 29, 30, 32, 32 };
	static const uint8_t v6s[] = { 0, 32, 47, 48, 64, 104, 110, 125, 126, 128, 128 };

	return v6 ? v6s[rnd_below(sizeof(v6s))] : v4[rnd_below(sizeof(v4))];
}

static void rnd_range(uint16_t *lo, uint16_t *hi, uint16_t max)
{
	uint16_t a = (uint16_t)rnd_below(max + 1u), b = (uint16_t)rnd_below(max + 1u);

	if (chance(40)) {
		*lo = *hi = a;
		return;
	}
	*lo = a < b ? a : b;
	*hi = a < b ? b : a;
}

static void rnd_policy(struct xs_spd_policy *p, uint32_t id)
{
	int v6 = chance(40);

	memset(p, 0, sizeof(*p));
	p->id = id;
	p->family = v6 ? AF_INET6 : AF_INET;
	p->dir = chance(50) ? XS_SPD_DIR_OUT : XS_SPD_DIR_IN;
	p->action = (uint8_t)(XS_SPD_BYPASS + rnd_below(3));
	rnd_addr(v6, p->src);
	rnd_addr(v6, p->dst);
	p->src_plen = rnd_plen(v6);
	p->dst_plen = rnd_plen(v6);
	p->sport_hi = p->dport_hi = 0xffff;
	switch (rnd_below(6)) {
	case 0:
	case 1:
		p->proto = 0;
		break;
	case 2:
		p->proto = IP_TCP;
		break;
	case 3:
		p->proto = IP_UDP;
		break;
	case 4:
		p->proto = v6 ? IP6_ICMP : IP_ICMP;
		break;
	default:
		p->proto = IP_GRE;
		break;
	}
	if (has_ports(p->proto) && chance(60)) {
		uint16_t max = p->proto == IP_TCP || p->proto == IP_UDP ? 40 : 255;

		if (chance(70))
			rnd_range(&p->dport_lo, &p->dport_hi, max);
		if (chance(40))
			rnd_range(&p->sport_lo, &p->sport_hi, max);
	}
	if (chance(25))
		p->priority = 1 + rnd_below(50);
	if (p->action == XS_SPD_PROTECT) {
		p->worker = rnd_below(WORKERS);
		p->reqid = 1 + rnd_below(4);
		/* a trap: no SA (dir in: no reqid ever known) */
		if (chance(15)) {
			p->flags = XS_SPD_RULE_F_NO_SA;
			p->reqid = p->dir == XS_SPD_DIR_IN ? 0 : p->reqid;
		}
	}
}

/* --------------------------------------------------------- the packets */

static void rnd_flow(struct flow *f, const struct xs_spd_policy *pol, uint32_t n)
{
	memset(f, 0, sizeof(*f));
	f->v6 = chance(40);
	rnd_addr(f->v6, f->src);
	rnd_addr(f->v6, f->dst);
	/* Often right inside some policy's prefixes. */
	if (n && chance(60)) {
		const struct xs_spd_policy *p = &pol[rnd_below(n)];

		if ((p->family == AF_INET6) == f->v6) {
			memcpy(f->src, p->src, 16);
			memcpy(f->dst, p->dst, 16);
			if (chance(30))
				f->src[f->v6 ? 15 : 3] ^= (uint8_t)rnd_below(4);
			if (chance(30))
				f->dst[f->v6 ? 15 : 3] ^= (uint8_t)rnd_below(4);
		}
	}
	switch (rnd_below(5)) {
	case 0:
		f->proto = IP_TCP;
		break;
	case 1:
		f->proto = IP_UDP;
		break;
	case 2:
		f->proto = f->v6 ? IP6_ICMP : IP_ICMP;
		break;
	case 3:
		f->proto = IP_GRE;
		break;
	default:
		f->proto = chance(50) ? IP_UDP : IP_TCP;
		break;
	}
	f->ports = has_ports(f->proto);
	if (f->ports) {
		uint16_t max = f->proto == IP_TCP || f->proto == IP_UDP ? 40 : 255;

		f->sport = (uint16_t)rnd_below(max + 1u);
		f->dport = (uint16_t)rnd_below(max + 1u);
	}
	f->frag = chance(20) ? (int)(1 + rnd_below(2)) : 0;
	f->hlim = chance(20) ? 255 : 64;
	f->reqid = 1 + rnd_below(4);
}

/* The frame of f: Ethernet, IP (a Fragment header for IPv6 fragments), and
 * the upper-layer header unless a later fragment. */
static void flow_frame(const struct flow *f, struct pkt *p)
{
	uint8_t *h;

	pkt_init(p);
	pkt_eth(p, f->v6 ? ETH_P_IPV6 : ETH_P_IP);
	if (!f->v6) {
		uint32_t s, d;

		memcpy(&s, f->src, 4);
		memcpy(&d, f->dst, 4);
		pkt_ipv4_addrs(p, f->proto, 0, ntohl(s), ntohl(d));
		p->b[p->l3 + 8] = f->hlim;
		if (f->frag)
			pkt_ipv4_frag(p, f->frag == 2 ? 185 : 0, 1);
	} else {
		pkt_ipv6_addrs(p, f->frag ? IP6_FRAG : f->proto, f->src, f->dst);
		p->b[p->l3 + 7] = f->hlim;
		if (f->frag)
			pkt_ipv6_frag(p, f->proto, f->frag == 2 ? 185 : 0, 1);
	}
	if (f->frag == 2) {
		pkt_fill(p, 0x5a, 40);	/* data that could read as ports */
	} else if (f->proto == IP_TCP) {
		pkt_tcp(p, f->sport, f->dport);
	} else if (f->proto == IP_UDP) {
		pkt_udp(p, f->sport, f->dport);
		pkt_fill(p, 0x33, 16);
	} else if (f->proto == IP_ICMP || f->proto == IP6_ICMP) {
		pkt_icmp(p, (uint8_t)f->sport, (uint8_t)f->dport);
		pkt_fill(p, 0, 16);
	} else {
		h = pkt_put(p, 24);
		memset(h, 0, 24);
	}
	pkt_finish(p);
}

/* ND the programs let by (spd.h): ICMPv6 133-137, code 0, Hop Limit 255,
 * not a fragment. */
static int is_nd(const struct flow *f)
{
	return f->v6 && f->proto == IP6_ICMP && !f->frag && f->sport >= 133 &&
	       f->sport <= 137 && f->dport == 0 && f->hlim == 255;
}

/* ---------------------------------------------------- expected verdicts */

struct expect {
	int action;
	unsigned int reason;
	const struct xs_spd_policy *rule;	/* that decided (counters) */
};

static struct expect expect_tc(const struct flow *f, uint8_t dflt)
{
	struct expect e = { 0, 0, NULL };
	struct ref r;

	if (is_nd(f)) {
		e.action = TC_ACT_OK;
		e.reason = XS_TC_BYPASS_ND;
		return e;
	}
	r = ref_lookup(XS_SPD_DIR_OUT, f, dflt);
	if (r.kind == REF_AMBIGUOUS) {
		e.action = TC_ACT_SHOT;
		e.reason = XS_TC_DISCARD_FRAGMENT_AMBIGUOUS;
	} else if (r.kind == REF_DEFAULT) {
		e.action = dflt == XS_SPD_DISCARD ? TC_ACT_SHOT : TC_ACT_OK;
		e.reason = dflt == XS_SPD_DISCARD ? XS_TC_DISCARD_DEFAULT : XS_TC_BYPASS_DEFAULT;
	} else {
		e.rule = r.p;
		if (r.p->action == XS_SPD_PROTECT && (r.p->flags & XS_SPD_RULE_F_NO_SA)) {
			/* a trap: never in clear, an acquire instead */
			e.action = TC_ACT_SHOT;
			e.reason = XS_TC_DISCARD_NO_SA;
		} else if (r.p->action == XS_SPD_PROTECT) {
			e.action = TC_ACT_REDIRECT;
			e.reason = XS_TC_PROTECT_POLICY;
		} else if (r.p->action == XS_SPD_DISCARD) {
			e.action = TC_ACT_SHOT;
			e.reason = XS_TC_DISCARD_POLICY;
		} else {
			e.action = TC_ACT_OK;
			e.reason = XS_TC_BYPASS_POLICY;
		}
	}
	return e;
}

static struct expect expect_xdp(const struct flow *f)
{
	struct expect e = { 0, 0, NULL };
	struct ref r;

	if (is_nd(f)) {
		e.action = XDP_PASS;
		e.reason = XS_XDP_PASS_ND;
		return e;
	}
	r = ref_lookup(XS_SPD_DIR_IN, f, XS_SPD_BYPASS);
	if (r.kind == REF_AMBIGUOUS) {
		e.action = XDP_DROP;
		e.reason = XS_XDP_DROP_FRAGMENT_AMBIGUOUS;
	} else if (r.kind == REF_DEFAULT) {
		e.action = XDP_PASS;
		e.reason = XS_XDP_PASS_NOT_IPSEC;
	} else {
		e.rule = r.p;
		e.action = r.p->action == XS_SPD_BYPASS ? XDP_PASS : XDP_DROP;
		e.reason = r.p->action == XS_SPD_BYPASS ? XS_XDP_PASS_POLICY :
			   r.p->action == XS_SPD_DISCARD ? XS_XDP_DROP_POLICY_DISCARD :
							   XS_XDP_DROP_POLICY_CLEARTEXT;
	}
	return e;
}

/*
 * RFC 4301 §5.2 step 4: an opened packet must match a `dir in` PROTECT
 * policy of the reqid of the SA that opened it; with no policy nothing is
 * accepted (the default is DISCARD), and a fragment's candidates must all
 * accept it.
 */
static struct expect expect_inner(const struct flow *f)
{
	struct expect e = { TC_ACT_SHOT, 0, NULL };
	struct ref r = ref_lookup(XS_SPD_DIR_IN, f, XS_SPD_DISCARD);

	if (r.kind == REF_AMBIGUOUS) {
		e.reason = XS_INNER_DROP_FRAGMENT_AMBIGUOUS;
	} else if (r.kind == REF_DEFAULT) {
		e.reason = XS_INNER_DROP_NO_POLICY;
	} else if (r.p->action == XS_SPD_PROTECT && !(r.p->flags & XS_SPD_RULE_F_NO_SA) &&
		   r.p->reqid == f->reqid) {
		e.action = TC_ACT_OK;
		e.reason = XS_INNER_PASS_POLICY;
		e.rule = r.p;
	} else {
		e.reason = XS_INNER_DROP_SELECTOR;
	}
	return e;
}

static unsigned int tc_verdict(int action)
{
	return action == TC_ACT_REDIRECT ? XS_TC_PROTECT :
	       action == TC_ACT_OK ? XS_TC_BYPASS : XS_TC_DISCARD;
}

static unsigned int xdp_verdict(int action)
{
	return action == XDP_PASS ? XS_XDP_PASS : XS_XDP_DROP;
}

static void flow_str(const struct flow *f, char *buf, size_t len)
{
	char s[64], d[64];

	inet_ntop(f->v6 ? AF_INET6 : AF_INET, f->src, s, sizeof(s));
	inet_ntop(f->v6 ? AF_INET6 : AF_INET, f->dst, d, sizeof(d));
	snprintf(buf, len, "%s -> %s proto %u ports %u/%u frag %d hlim %u", s, d, f->proto,
		 f->sport, f->dport, f->frag, f->hlim);
}

static void dump_policies(const struct xs_spd_policy *pol, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		const struct xs_spd_policy *p = &pol[i];
		char s[64], d[64];

		inet_ntop(p->family, p->src, s, sizeof(s));
		inet_ntop(p->family, p->dst, d, sizeof(d));
		fprintf(stderr, "  id %u %s %s/%u -> %s/%u proto %u sport %u-%u dport %u-%u "
			"action %u prio %u worker %u reqid %u flags %u\n", p->id,
			p->dir == XS_SPD_DIR_IN ? "in" : "out", s, p->src_plen, d, p->dst_plen,
			p->proto, p->sport_lo, p->sport_hi, p->dport_lo, p->dport_hi, p->action,
			p->priority, p->worker, p->reqid, p->flags);
	}
}

/* Per-round expected counter totals and per-policy packets. */
struct tally {
	uint64_t tc[2][XS_MAX_COUNTERS];	/* [closed] */
	uint64_t xdp[XS_MAX_COUNTERS];
	uint64_t inner[XS_MAX_COUNTERS];
	uint64_t pol[XS_SPD_RULES_MAX];
};

static void check_counters(struct bpf_object *obj, const char *map, unsigned int n,
			   const struct xs_snap *before, const uint64_t *want,
			   const char *const *names)
{
	struct xs_snap after;

	xs_snap_read(xs_map_fd(obj, map), n, &after);
	for (unsigned int i = 0; i < n; i++)
		if (after.packets[i] - before->packets[i] != want[i])
			fail_msg("counter %s: %llu packets this round, the reference says %llu",
				 names[i],
				 (unsigned long long)(after.packets[i] - before->packets[i]),
				 (unsigned long long)want[i]);
}

static uint64_t policy_packets(uint32_t id)
{
	int ncpu = libbpf_num_possible_cpus();
	struct xs_counter v[512];
	uint64_t n = 0;

	assert_true(ncpu > 0 && ncpu <= 512);
	assert_int_equal(bpf_map_lookup_elem(xs_map_fd(fx.tc_open, XS_STR(XS_MAP_POLICY_STATS)),
					     &id, v), 0);
	for (int c = 0; c < ncpu; c++)
		n += v[c].packets;
	return n;
}

static void run_packet(const struct xs_spd_policy *pol, uint32_t n, const struct flow *f,
		       struct tally *t)
{
	struct pkt in, out;
	char desc[200];

	flow_frame(f, &in);
	for (int closed = 0; closed < 2; closed++) {
		struct bpf_object *o = closed ? fx.tc_closed : fx.tc_open;
		struct expect e = expect_tc(f, closed ? XS_SPD_DISCARD : XS_SPD_BYPASS);
		int ret = xs_run(xs_prog_fd(o, "xs_tc_egress"), &in, &out);

		if (ret != e.action || (e.action == TC_ACT_REDIRECT &&
					(out.b[6] != XS_STEER_MAGIC || out.b[7] != e.rule->worker ||
					 (uint32_t)(out.b[8] << 24 | out.b[9] << 16 | out.b[10] << 8 |
						    out.b[11]) != e.rule->id))) {
			flow_str(f, desc, sizeof(desc));
			fprintf(stderr, "tc_egress (default %s): %s\n", closed ? "discard" : "bypass",
				desc);
			dump_policies(pol, n);
			fail_msg("tc_egress returned %d (tag %02x %u), the reference says %d (%s, "
				 "policy %d)", ret, out.b[6], out.b[7], e.action,
				 tc_names[e.reason], e.rule ? (int)e.rule->id : -1);
		}
		t->tc[closed][tc_verdict(e.action)]++;
		t->tc[closed][e.reason]++;
		if (e.rule)
			t->pol[e.rule->id]++;
	}
	{
		struct expect e = expect_xdp(f);
		int ret = xs_run(xs_prog_fd(fx.xdp, "xs_xdp_ingress"), &in, &out);

		if (ret != e.action) {
			flow_str(f, desc, sizeof(desc));
			fprintf(stderr, "xdp_ingress: %s\n", desc);
			dump_policies(pol, n);
			fail_msg("xdp_ingress returned %d, the reference says %d (%s, policy %d)",
				 ret, e.action, xdp_names[e.reason],
				 e.rule ? (int)e.rule->id : -1);
		}
		t->xdp[xdp_verdict(e.action)]++;
		t->xdp[e.reason]++;
		if (e.rule)
			t->pol[e.rule->id]++;
	}
	{
		/* As a worker hands it on: the SA's reqid in the source MAC. */
		struct expect e = expect_inner(f);
		int ret;

		in.b[6] = XS_INNER_MAGIC;
		in.b[7] = XS_INNER_OPENED;
		pkt_be32(in.b + 8, f->reqid);
		ret = xs_run(xs_prog_fd(fx.inner, "xs_tc_inner"), &in, &out);
		if (ret != e.action) {
			flow_str(f, desc, sizeof(desc));
			fprintf(stderr, "tc_inner (reqid %u): %s\n", f->reqid, desc);
			dump_policies(pol, n);
			fail_msg("tc_inner returned %d, the reference says %d (%s)", ret,
				 e.action, inner_names[e.reason]);
		}
		t->inner[e.action == TC_ACT_OK ? XS_INNER_PASS : XS_INNER_DROP]++;
		t->inner[e.reason]++;
		if (e.rule)
			t->pol[e.rule->id]++;
	}
}

/* Runs packets (random ones near pol's prefixes, or the flows given)
 * through every program, checking each verdict against the reference
 * and, at the end, every counter. pol must be what the maps hold. */
static void check_packets(const struct xs_spd_policy *pol, uint32_t n, uint32_t packets,
			  const struct flow *flows)
{
	static struct tally t;
	struct xs_snap tc0, tc1, xd, inn;
	uint64_t *pol_before = calloc(n ? n : 1, sizeof(*pol_before));

	assert_non_null(pol_before);
	ref_sort(pol, n);
	memset(&t, 0, sizeof(t));
	xs_snap_read(xs_map_fd(fx.tc_open, XS_STR(XS_MAP_TC_STATS)), XS_TC_COUNTER_MAX, &tc0);
	xs_snap_read(xs_map_fd(fx.tc_closed, XS_STR(XS_MAP_TC_STATS)), XS_TC_COUNTER_MAX, &tc1);
	xs_snap_read(xs_map_fd(fx.xdp, XS_STR(XS_MAP_XDP_STATS)), XS_XDP_COUNTER_MAX, &xd);
	xs_snap_read(xs_map_fd(fx.inner, XS_STR(XS_MAP_INNER_STATS)), XS_INNER_COUNTER_MAX, &inn);
	for (uint32_t i = 0; i < n; i++)
		pol_before[i] = policy_packets(pol[i].id);
	for (uint32_t k = 0; k < packets; k++) {
		struct flow f;

		if (flows)
			f = flows[k];
		else
			rnd_flow(&f, pol, n);
		run_packet(pol, n, &f, &t);
	}
	fx.packets += packets;
	/* acquire events are counted on top, rate-limited: not summed here */
	for (int c = 0; c < 2; c++) {
		struct xs_snap now;
		struct xs_snap *b = c ? &tc1 : &tc0;

		xs_snap_read(xs_map_fd(c ? fx.tc_closed : fx.tc_open, XS_STR(XS_MAP_TC_STATS)),
			     XS_TC_COUNTER_MAX, &now);
		b->packets[XS_TC_ACQUIRE] = now.packets[XS_TC_ACQUIRE];
		b->packets[XS_TC_ACQUIRE_LOST] = now.packets[XS_TC_ACQUIRE_LOST];
		t.tc[c][XS_TC_ACQUIRE] = t.tc[c][XS_TC_ACQUIRE_LOST] = 0;
	}
	check_counters(fx.tc_open, XS_STR(XS_MAP_TC_STATS), XS_TC_COUNTER_MAX, &tc0, t.tc[0],
		       tc_names);
	check_counters(fx.tc_closed, XS_STR(XS_MAP_TC_STATS), XS_TC_COUNTER_MAX, &tc1, t.tc[1],
		       tc_names);
	check_counters(fx.xdp, XS_STR(XS_MAP_XDP_STATS), XS_XDP_COUNTER_MAX, &xd, t.xdp,
		       xdp_names);
	/* audit (records sent, rate-limited) is not a verdict or a reason */
	t.inner[XS_INNER_AUDIT] = 0;
	{
		struct xs_snap after;

		xs_snap_read(xs_map_fd(fx.inner, XS_STR(XS_MAP_INNER_STATS)), XS_INNER_COUNTER_MAX,
			     &after);
		inn.packets[XS_INNER_AUDIT] = after.packets[XS_INNER_AUDIT];
	}
	check_counters(fx.inner, XS_STR(XS_MAP_INNER_STATS), XS_INNER_COUNTER_MAX, &inn,
		       t.inner, inner_names);
	for (uint32_t i = 0; i < n; i++)
		if (policy_packets(pol[i].id) - pol_before[i] != t.pol[pol[i].id])
			fail_msg("policy %u counted %llu packets, the reference says %llu",
				 pol[i].id,
				 (unsigned long long)(policy_packets(pol[i].id) - pol_before[i]),
				 (unsigned long long)t.pol[pol[i].id]);
	free(pol_before);
}

static void sync_ok(const struct xs_spd_policy *pol, uint32_t n)
{
	char err[256];
	int ret = xs_spd_sync(&fx.spd, pol, n, err, sizeof(err));

	if (ret) {
		dump_policies(pol, n);
		fail_msg("xs_spd_sync: %d (%s)", ret, err);
	}
}

/* Compiles pol, then checks random packets against it. */
static void round_run(const struct xs_spd_policy *pol, uint32_t n, uint32_t packets)
{
	sync_ok(pol, n);
	check_packets(pol, n, packets, NULL);
}

/* --------------------------------------------------------------- tests */

/*
 * Random sets until the packet budget is spent. Ids come from a pool of
 * 1,000 so that later sets reuse ids earlier ones had with other
 * selectors; now and then the compiler is closed and opened again on
 * the same maps, as a restarted daemon would.
 */
static void test_random_sets(void **state)
{
	static struct xs_spd_policy pol[POL_MAX];
	unsigned long budget = fx.packets + fx.packets_budget;
	uint32_t rounds = 0;

	(void)state;
	while (fx.packets < budget) {
		uint32_t n = 1 + rnd_below(chance(20) ? 20 : POL_MAX), base = rnd_below(700);
		uint32_t packets = ROUND_PACKETS;

		for (uint32_t i = 0; i < n; i++)
			rnd_policy(&pol[i], base + i);
		if (chance(10)) {
			xs_spd_close(&fx.spd);
			assert_int_equal(spd_open(), 0);
		}
		if (budget - fx.packets < packets)
			packets = (uint32_t)(budget - fx.packets);
		round_run(pol, n, packets);
		rounds++;
	}
	print_message("%u rounds, %lu packets through each program\n", rounds, fx.packets);
}

static void v4_addr(uint8_t *a, uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	memset(a, 0, 16);
	a[0] = x;
	a[1] = y;
	a[2] = z;
	a[3] = w;
}

static struct xs_spd_policy v4_policy(uint32_t id, uint8_t dir, uint8_t action,
				      const uint8_t *src, uint8_t splen, const uint8_t *dst,
				      uint8_t dplen)
{
	struct xs_spd_policy p = {
		.id = id, .family = AF_INET, .dir = dir, .action = action,
		.src_plen = splen, .dst_plen = dplen,
		.sport_hi = 0xffff, .dport_hi = 0xffff,
	};

	memcpy(p.src, src, 16);
	memcpy(p.dst, dst, 16);
	return p;
}

/*
 * Issue #8, item 2: sixteen port rules on a /32 pushed the /24 PROTECT
 * rule off that /32's list (lists held 16), and ping to the /32 left in
 * clear (bypass_default). Lists have no length limit now: the ping is
 * protected, and so is TCP to a port no rule names, in both directions.
 */
static void test_sixteen_port_rules(void **state)
{
	struct xs_spd_policy pol[40];
	uint8_t lan[16], net[16], host[16];
	struct flow fl[4];
	uint32_t n = 0;

	(void)state;
	v4_addr(lan, 10, 0, 0, 0);
	v4_addr(net, 10, 1, 1, 0);
	v4_addr(host, 10, 1, 1, 1);
	for (uint16_t i = 0; i < 16; i++) {
		pol[n] = v4_policy(n, XS_SPD_DIR_OUT, XS_SPD_BYPASS, lan, 16, host, 32);
		pol[n].proto = IP_TCP;
		pol[n].dport_lo = pol[n].dport_hi = (uint16_t)(1000 + i);
		n++;
		pol[n] = v4_policy(n, XS_SPD_DIR_IN, XS_SPD_BYPASS, host, 32, lan, 16);
		pol[n].proto = IP_TCP;
		pol[n].sport_lo = pol[n].sport_hi = (uint16_t)(1000 + i);
		n++;
	}
	pol[n] = v4_policy(n, XS_SPD_DIR_OUT, XS_SPD_PROTECT, lan, 16, net, 24);
	pol[n].worker = 2;
	n++;
	pol[n] = v4_policy(n, XS_SPD_DIR_IN, XS_SPD_PROTECT, net, 24, lan, 16);
	pol[n].reqid = 9;
	n++;
	sync_ok(pol, n);
	memset(fl, 0, sizeof(fl));
	for (int i = 0; i < 4; i++) {
		fl[i].hlim = 64;
		fl[i].ports = 1;
	}
	/* ping 10.1.1.1 from the LAN, its reply, TCP to port 80 both ways */
	v4_addr(fl[0].src, 10, 0, 3, 4);
	memcpy(fl[0].dst, host, 16);
	fl[0].proto = IP_ICMP;
	fl[0].sport = 8;
	fl[1] = fl[0];
	memcpy(fl[1].src, host, 16);
	memcpy(fl[1].dst, fl[0].src, 16);
	fl[1].sport = 0;
	fl[2] = fl[0];
	fl[2].proto = IP_TCP;
	fl[2].sport = 40000;
	fl[2].dport = 80;
	fl[3] = fl[1];
	fl[3].proto = IP_TCP;
	fl[3].sport = 80;
	fl[3].dport = 40000;
	ref_sort(pol, n);
	for (int i = 0; i < 4; i++) {
		struct expect e = i % 2 ? expect_xdp(&fl[i]) : expect_tc(&fl[i], XS_SPD_BYPASS);

		/* The reference agrees with what the issue asks for... */
		if (i % 2)
			assert_int_equal(e.reason, XS_XDP_DROP_POLICY_CLEARTEXT);
		else
			assert_int_equal(e.reason, XS_TC_PROTECT_POLICY);
	}
	/* ...and the programs with the reference. */
	check_packets(pol, n, 4, fl);
}

/*
 * Lists of thousands of rules, and rebuilds: 129 nested IPv6 prefixes
 * (/0 to /128 of one address) with 70 port policies each, outbound:
 * 9,030 policies, the /128's list 9,030 long, 587,100 list entries, more
 * than half of the lists' half of the array. Changing the /0's policies
 * changes every list and cannot be done beside the old lists: the
 * compiler rebuilds into the other half. Packets are checked against the
 * reference after each change; a set needing more entries than there are
 * is refused and changes nothing.
 */
#define NEST_PER	70
#define NEST_N		(129 * NEST_PER)

static void nest_set(struct xs_spd_policy *pol, uint32_t per, uint8_t root_action)
{
	uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34 };
	uint8_t any[16] = { 0 };
	uint32_t n = 0;

	for (uint32_t l = 0; l <= 128; l++)
		for (uint32_t k = 0; k < per; k++) {
			struct xs_spd_policy *p = &pol[n];

			memset(p, 0, sizeof(*p));
			p->id = n++;
			p->family = AF_INET6;
			p->dir = XS_SPD_DIR_OUT;
			memcpy(p->src, any, 16);
			memcpy(p->dst, a, 16);
			p->dst_plen = (uint8_t)l;
			p->proto = IP_UDP;
			p->sport_hi = 0xffff;
			p->dport_lo = p->dport_hi = (uint16_t)(k % 40);
			p->action = l ? (uint8_t)(XS_SPD_BYPASS + (l + k) % 3) : root_action;
			/* same port, several prefix lengths: order by prefix */
			if (p->action == XS_SPD_PROTECT)
				p->worker = (l + k) % WORKERS;
		}
}

static void nest_check(const struct xs_spd_policy *pol, uint32_t n)
{
	static struct flow fl[400];

	for (uint32_t i = 0; i < 400; i++) {
		struct flow *f = &fl[i];

		memset(f, 0, sizeof(*f));
		f->v6 = 1;
		memcpy(f->dst, pol[n - 1].dst, 16);
		/* a host at some depth of the nest */
		f->dst[15 - rnd_below(16)] ^= (uint8_t)(1u << rnd_below(8));
		f->src[15] = 1;
		f->proto = IP_UDP;
		f->ports = 1;
		f->sport = 7;
		f->dport = (uint16_t)rnd_below(45);
		f->hlim = 64;
	}
	check_packets(pol, n, 400, fl);
}

static void test_long_lists_and_rebuilds(void **state)
{
	struct xs_spd_policy *pol = calloc(130 * 129, sizeof(*pol));
	uint32_t used, rebuilds0, rebuilds;
	char err[256];

	(void)state;
	assert_non_null(pol);
	nest_set(pol, NEST_PER, XS_SPD_BYPASS);
	sync_ok(pol, NEST_N);
	xs_spd_usage(&fx.spd, &used, &rebuilds0);
	assert_int_equal(used, NEST_PER * 129 * 130 / 2);
	nest_check(pol, NEST_N);
	/* Every list changes, twice (the /0's rules change action: removed,
	 * then written anew). */
	nest_set(pol, NEST_PER, XS_SPD_DISCARD);
	sync_ok(pol, NEST_N);
	nest_check(pol, NEST_N);
	nest_set(pol, NEST_PER, XS_SPD_PROTECT);
	sync_ok(pol, NEST_N);
	nest_check(pol, NEST_N);
	xs_spd_usage(&fx.spd, &used, &rebuilds);
	print_message("%u list entries, %u rebuilds\n", used, rebuilds - rebuilds0);
	assert_true(rebuilds > rebuilds0);
	/* 130 a prefix: 1,090,050 entries, more than the lists may take. */
	{
		struct xs_spd_policy *big = calloc(130 * 129, sizeof(*big));

		assert_non_null(big);
		nest_set(big, 130, XS_SPD_BYPASS);
		assert_int_equal(xs_spd_sync(&fx.spd, big, 130 * 129, err, sizeof(err)), -ENOSPC);
		print_message("refused: %s\n", err);
		assert_non_null(strstr(err, "rule list entries"));
		free(big);
	}
	/* Nothing changed: the PROTECT set still decides. */
	nest_check(pol, NEST_N);
	/* A compiler that takes the maps over reads the lists it finds. */
	xs_spd_close(&fx.spd);
	assert_int_equal(spd_open(), 0);
	xs_spd_usage(&fx.spd, &used, &rebuilds);
	assert_int_equal(used, NEST_PER * 129 * 130 / 2);
	nest_set(pol, NEST_PER, XS_SPD_BYPASS);
	sync_ok(pol, NEST_N);
	nest_check(pol, NEST_N);
	/* Back to nothing: every trie empty, every rule cleared. */
	sync_ok(pol, 0);
	xs_spd_usage(&fx.spd, &used, &rebuilds);
	assert_int_equal(used, 0);
	free(pol);
}

/* One frame through tc_inner with the given inner tag; asserts the verdict
 * and that exactly it and its reason counted. */
static void inner_expect(const struct flow *f, uint8_t magic, uint8_t kind, int action,
			 unsigned int reason)
{
	int stats = xs_map_fd(fx.inner, XS_STR(XS_MAP_INNER_STATS));
	struct xs_snap before, after;
	struct pkt in, out;

	flow_frame(f, &in);
	in.b[6] = magic;
	in.b[7] = kind;
	pkt_be32(in.b + 8, f->reqid);
	xs_snap_read(stats, XS_INNER_COUNTER_MAX, &before);
	assert_int_equal(xs_run(xs_prog_fd(fx.inner, "xs_tc_inner"), &in, &out), action);
	xs_snap_read(stats, XS_INNER_COUNTER_MAX, &after);
	/* audit records are counted on top; leave them out of the sums */
	after.packets[XS_INNER_AUDIT] = before.packets[XS_INNER_AUDIT];
	after.bytes[XS_INNER_AUDIT] = before.bytes[XS_INNER_AUDIT];
	xs_snap_assert_delta(&before, &after, XS_INNER_COUNTER_MAX,
			     action == TC_ACT_OK ? XS_INNER_PASS : XS_INNER_DROP, reason, in.len,
			     inner_names);
}

static int audit_cb(void *ctx, void *data, size_t len)
{
	struct xs_event *seen = ctx;

	if (len >= sizeof(*seen) && ((struct xs_event *)data)->type == XS_EV_SELECTOR)
		*seen = *(struct xs_event *)data;
	return 0;
}

/*
 * Issue #8, item 1, as it was seen: an inbound SA whose `dir in` policy
 * is 10.99.0.0/24 -> 172.17.77.0/24 (reqid 5) opened packets from
 * 172.16.77.2 (another tunnel's net: reqid 6), 8.8.8.8 and 172.17.77.1,
 * and the stack took them. tc_inner drops each, names why, and sends an
 * audit record (RFC 4301 §5.2); the SA's own traffic passes; a frame the
 * worker did not tag is dropped, its own ICMP errors pass.
 */
static void test_inner_selector_check(void **state)
{
	struct xs_spd_policy pol[3];
	uint8_t remote[16], local[16], other[16];
	struct ring_buffer *rb;
	struct xs_event seen;
	struct flow f;

	(void)state;
	v4_addr(remote, 10, 99, 0, 0);
	v4_addr(local, 172, 17, 77, 0);
	v4_addr(other, 172, 16, 77, 0);
	pol[0] = v4_policy(0, XS_SPD_DIR_IN, XS_SPD_PROTECT, remote, 24, local, 24);
	pol[0].reqid = 5;
	pol[1] = v4_policy(1, XS_SPD_DIR_IN, XS_SPD_PROTECT, other, 24, local, 24);
	pol[1].reqid = 6;
	pol[2] = v4_policy(2, XS_SPD_DIR_OUT, XS_SPD_PROTECT, local, 24, remote, 24);
	pol[2].worker = 1;
	sync_ok(pol, 3);
	rb = ring_buffer__new(xs_map_fd(fx.inner, XS_STR(XS_MAP_EVENTS)), audit_cb, &seen, NULL);
	assert_non_null(rb);
	ring_buffer__consume(rb);	/* earlier tests' records */

	memset(&f, 0, sizeof(f));
	f.proto = IP_UDP;
	f.ports = 1;
	f.sport = 4000;
	f.dport = 53;
	f.hlim = 64;
	f.reqid = 5;
	v4_addr(f.src, 10, 99, 0, 7);
	v4_addr(f.dst, 172, 17, 77, 2);
	inner_expect(&f, XS_INNER_MAGIC, XS_INNER_OPENED, TC_ACT_OK, XS_INNER_PASS_POLICY);
	v4_addr(f.src, 172, 16, 77, 2);
	inner_expect(&f, XS_INNER_MAGIC, XS_INNER_OPENED, TC_ACT_SHOT, XS_INNER_DROP_SELECTOR);
	usleep(20000);
	v4_addr(f.src, 8, 8, 8, 8);
	memset(&seen, 0, sizeof(seen));
	inner_expect(&f, XS_INNER_MAGIC, XS_INNER_OPENED, TC_ACT_SHOT, XS_INNER_DROP_NO_POLICY);
	ring_buffer__consume(rb);
	assert_int_equal(seen.type, XS_EV_SELECTOR);
	assert_int_equal(seen.reqid, 5);
	assert_int_equal(seen.family, XS_FAMILY_V4);
	assert_memory_equal(seen.src, f.src, 4);
	assert_memory_equal(seen.dst, f.dst, 4);
	assert_int_equal(seen.dport, 53);
	v4_addr(f.src, 172, 17, 77, 1);
	inner_expect(&f, XS_INNER_MAGIC, XS_INNER_OPENED, TC_ACT_SHOT, XS_INNER_DROP_NO_POLICY);
	/* The right addresses in another SA (reqid 6). */
	v4_addr(f.src, 10, 99, 0, 7);
	f.reqid = 6;
	inner_expect(&f, XS_INNER_MAGIC, XS_INNER_OPENED, TC_ACT_SHOT, XS_INNER_DROP_SELECTOR);
	/* Not from a worker; the worker's own ICMP error. */
	inner_expect(&f, 0x02, 0x78, TC_ACT_SHOT, XS_INNER_DROP_UNTAGGED);
	inner_expect(&f, XS_INNER_MAGIC, 9, TC_ACT_SHOT, XS_INNER_DROP_UNTAGGED);
	inner_expect(&f, XS_INNER_MAGIC, XS_INNER_LOCAL, TC_ACT_OK, XS_INNER_PASS_LOCAL);
	/* A trap (a `dir in` policy whose SA is gone, reqid never known)
	 * accepts nothing. */
	pol[0].flags = XS_SPD_RULE_F_NO_SA;
	pol[0].reqid = 0;
	sync_ok(pol, 3);
	f.reqid = 5;
	inner_expect(&f, XS_INNER_MAGIC, XS_INNER_OPENED, TC_ACT_SHOT, XS_INNER_DROP_SELECTOR);
	f.reqid = 0;
	inner_expect(&f, XS_INNER_MAGIC, XS_INNER_OPENED, TC_ACT_SHOT, XS_INNER_DROP_SELECTOR);
	ring_buffer__free(rb);
}

static unsigned int acquires;

static int acquire_cb(void *ctx, void *data, size_t len)
{
	struct xs_event *seen = ctx;

	if (len >= sizeof(*seen) && ((struct xs_event *)data)->type == XS_EV_ACQUIRE) {
		*seen = *(struct xs_event *)data;
		acquires++;
	}
	return 0;
}

/*
 * A PROTECT policy without an SA (a trap): outbound packets are dropped
 * (discard_no_sa), never sent in clear, and one acquire record a second
 * goes to the ring buffer with the packet's selectors; cleartext coming
 * in that the trap covers is dropped as for any PROTECT policy.
 */
static void test_trap_acquire(void **state)
{
	int stats = xs_map_fd(fx.tc_open, XS_STR(XS_MAP_TC_STATS));
	struct xs_spd_policy pol[2];
	uint8_t lan[16], net[16];
	struct xs_snap before, after;
	struct ring_buffer *rb;
	struct xs_event seen;
	struct pkt in, out;
	struct flow f;

	(void)state;
	v4_addr(lan, 10, 0, 0, 0);
	v4_addr(net, 10, 77, 0, 0);
	pol[0] = v4_policy(40, XS_SPD_DIR_OUT, XS_SPD_PROTECT, lan, 16, net, 16);
	pol[0].flags = XS_SPD_RULE_F_NO_SA;
	pol[1] = v4_policy(41, XS_SPD_DIR_IN, XS_SPD_PROTECT, net, 16, lan, 16);
	pol[1].flags = XS_SPD_RULE_F_NO_SA;
	sync_ok(pol, 2);
	rb = ring_buffer__new(xs_map_fd(fx.tc_open, XS_STR(XS_MAP_EVENTS)), acquire_cb, &seen,
			      NULL);
	assert_non_null(rb);
	ring_buffer__consume(rb);
	memset(&seen, 0, sizeof(seen));
	acquires = 0;
	memset(&f, 0, sizeof(f));
	v4_addr(f.src, 10, 0, 1, 2);
	v4_addr(f.dst, 10, 77, 3, 4);
	f.proto = IP_TCP;
	f.ports = 1;
	f.sport = 33000;
	f.dport = 443;
	f.hlim = 64;
	flow_frame(&f, &in);
	xs_snap_read(stats, XS_TC_COUNTER_MAX, &before);
	for (int i = 0; i < 3; i++)
		assert_int_equal(xs_run(xs_prog_fd(fx.tc_open, "xs_tc_egress"), &in, &out),
				 TC_ACT_SHOT);
	xs_snap_read(stats, XS_TC_COUNTER_MAX, &after);
	assert_int_equal(after.packets[XS_TC_DISCARD_NO_SA] - before.packets[XS_TC_DISCARD_NO_SA],
			 3);
	assert_int_equal(after.packets[XS_TC_ACQUIRE] - before.packets[XS_TC_ACQUIRE], 1);
	ring_buffer__consume(rb);
	assert_int_equal(acquires, 1);
	assert_int_equal(seen.policy_id, 40);
	assert_int_equal(seen.family, XS_FAMILY_V4);
	assert_int_equal(seen.proto, IP_TCP);
	assert_int_equal(seen.sport, 33000);
	assert_int_equal(seen.dport, 443);
	assert_memory_equal(seen.src, f.src, 4);
	assert_memory_equal(seen.dst, f.dst, 4);
	/* The reference agrees; and cleartext from the trapped net is dropped. */
	check_packets(pol, 2, 1, &f);
	{
		struct flow g = f;

		memcpy(g.src, f.dst, 16);
		memcpy(g.dst, f.src, 16);
		check_packets(pol, 2, 1, &g);
		flow_frame(&g, &in);
		assert_int_equal(xs_run(xs_prog_fd(fx.xdp, "xs_xdp_ingress"), &in, &out), XDP_DROP);
	}
	ring_buffer__free(rb);
}

/* --------------------------------------------------------------- setup */

static int group_setup(void **state)
{
	struct xs_tc_cfg open_cfg = { .default_action = XS_SPD_BYPASS };
	struct xs_tc_cfg closed_cfg = { .default_action = XS_SPD_DISCARD };
	struct xs_xdp_cfg xcfg = { .ike_port = XS_PORT_IKE, .natt_port = XS_PORT_NATT };
	const char *seed = getenv("XS_SPD_SEED"), *np = getenv("XS_SPD_PACKETS");

	(void)state;
	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return -1;
	}
	fx.rng = seed ? strtoull(seed, NULL, 0) : (uint64_t)time(NULL) * 2654435761u + 1;
	fx.packets_budget = np ? strtoul(np, NULL, 0) : 100000;
	fprintf(stderr, "test_spd_property: XS_SPD_SEED=0x%llx XS_SPD_PACKETS=%lu\n",
		(unsigned long long)fx.rng, fx.packets_budget);
	fx.tc_open = load_shared("tc_egress.bpf.o", XS_STR(XS_CFG_TC), &open_cfg,
				 sizeof(open_cfg), NULL);
	if (!fx.tc_open)
		return -1;
	fx.tc_closed = load_shared("tc_egress.bpf.o", XS_STR(XS_CFG_TC), &closed_cfg,
				   sizeof(closed_cfg), fx.tc_open);
	fx.xdp = load_shared("xdp_ingress.bpf.o", XS_STR(XS_CFG_XDP), &xcfg, sizeof(xcfg),
			     fx.tc_open);
	fx.inner = load_shared("tc_inner.bpf.o", NULL, NULL, 0, fx.tc_open);
	if (!fx.tc_closed || !fx.xdp || !fx.inner)
		return -1;
	/* Every worker has a steer veth (the index is never used by a test
	 * run), so PROTECT redirects. */
	for (__u32 w = 0; w < WORKERS; w++) {
		__u32 ifindex = 100 + w;

		if (bpf_map_update_elem(xs_map_fd(fx.tc_open, XS_STR(XS_MAP_STEER_IFS)), &w,
					&ifindex, BPF_ANY) ||
		    bpf_map_update_elem(xs_map_fd(fx.tc_closed, XS_STR(XS_MAP_STEER_IFS)), &w,
					&ifindex, BPF_ANY))
			return -1;
	}
	if (spd_open()) {
		fprintf(stderr, "xs_spd_open: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	xs_spd_close(&fx.spd);
	bpf_object__close(fx.inner);
	bpf_object__close(fx.xdp);
	bpf_object__close(fx.tc_closed);
	bpf_object__close(fx.tc_open);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sixteen_port_rules),
		cmocka_unit_test(test_inner_selector_check),
		cmocka_unit_test(test_trap_acquire),
		cmocka_unit_test(test_long_lists_and_rebuilds),
		cmocka_unit_test(test_random_sets),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
