/*
 * Programs the SPD (RFC 4301 §4.4.1) into the BPF maps: one rule per policy
 * id in the rules array both directions share, and per remote prefix the
 * ordered list of rules that can match inside it, covering prefixes
 * included (decorrelation, §4.4.1.2, done here so the BPF side needs one
 * trie lookup). Outbound policies go to the tries tc_egress reads (keyed by
 * destination), inbound ones to those of xdp_ingress (keyed by source).
 * Updates are ordered so a lookup never misses a protecting rule: new rules
 * and lists are written before stale ones are removed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if_xdp.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dp.h"
#include "skel.h"
#include "worker.h"

/*
 * A policy's remote prefix is the trie key, its local prefix goes into the
 * rule (abi.h): `dir out` is src LOCAL dst REMOTE, `dir in` (as in ip xfrm)
 * src REMOTE dst LOCAL.
 */
static const uint8_t *remote_addr(const struct xs_policy_req *r)
{
	return r->dir == XS_DIR_IN ? r->src.b : r->dst.b;
}

static uint32_t remote_plen(const struct xs_policy_req *r)
{
	return r->dir == XS_DIR_IN ? r->src_plen : r->dst_plen;
}

static const uint8_t *local_addr(const struct xs_policy_req *r)
{
	return r->dir == XS_DIR_IN ? r->dst.b : r->src.b;
}

static uint32_t local_plen(const struct xs_policy_req *r)
{
	return r->dir == XS_DIR_IN ? r->dst_plen : r->src_plen;
}

/* Lower first. Remote, then local specificity, so that a `dir in` policy
 * ranks like the `dir out` policy it mirrors. */
static uint32_t policy_rank(const struct xs_policy_req *r)
{
	if (r->priority)
		return r->priority;
	/* Unranked policies: more specific first, then the ranked ones. */
	return 0x10000u + (128u - remote_plen(r)) * 256u + (128u - local_plen(r)) * 2u +
	       (r->proto ? 0u : 1u);
}

/* Does r's remote prefix hold addr/plen? */
static bool prefix_covers(const struct xs_policy_req *r, const uint8_t *addr,
			  uint32_t plen)
{
	const uint8_t *want = remote_addr(r);
	uint32_t bits = remote_plen(r), full = bits / 8, rest = bits % 8;

	if (bits > plen)
		return false;
	if (memcmp(want, addr, full))
		return false;
	return !rest || !((want[full] ^ addr[full]) & (uint8_t)(0xff << (8 - rest)));
}

static void rule_make(const struct xsd *d, uint32_t id, struct xs_spd_rule *rule)
{
	const struct xs_policy_req *r = &d->policies[id].req;

	memset(rule, 0, sizeof(*rule));
	memcpy(rule->src, local_addr(r), r->family == AF_INET ? 4 : 16);
	rule->src_plen = (uint8_t)local_plen(r);
	rule->family = r->family == AF_INET ? XS_FAMILY_V4 : XS_FAMILY_V6;
	rule->proto = r->proto;
	rule->action = r->action;
	rule->sport_lo = r->sport_lo;
	rule->sport_hi = r->sport_hi;
	rule->dport_lo = r->dport_lo;
	rule->dport_hi = r->dport_hi;
	rule->policy_id = id;
	rule->worker = 0;
	if (r->dir != XS_DIR_OUT)
		return;
	for (uint32_t i = 0; i < d->nsas; i++)
		if (d->sas[i].dir == XS_DIR_OUT && d->sas[i].sa->cfg.spi == r->spi)
			rule->worker = d->sas[i].worker;
}

static int cmp_rank_d(const void *a, const void *b, void *arg)
{
	const struct xsd *d = arg;
	uint32_t ia = *(const uint32_t *)a, ib = *(const uint32_t *)b;
	uint32_t ra = policy_rank(&d->policies[ia].req), rb = policy_rank(&d->policies[ib].req);

	if (ra != rb)
		return ra < rb ? -1 : 1;
	return ia < ib ? -1 : ia > ib;
}

static bool in_trie(const struct xsd *d, uint32_t id, int family, uint8_t dir)
{
	const struct xsd_policy *p = &d->policies[id];

	return p->used && p->req.dir == dir && p->req.family == family;
}

/* Writes the trie of one family and direction; removes keys no policy has
 * any more. */
static int sync_trie(const struct xsd *d, int family, uint8_t dir, int fd)
{
	const uint32_t alen = family == AF_INET ? 4 : 16;
	const size_t ksz = family == AF_INET ? sizeof(struct xs_lpm_v4) : sizeof(struct xs_lpm_v6);
	uint8_t key[sizeof(struct xs_lpm_v6)], next[sizeof(struct xs_lpm_v6)];
	uint32_t *ids = calloc(XS_SPD_RULES_MAX, sizeof(*ids)), nids = 0;
	uint8_t (*stale)[sizeof(struct xs_lpm_v6)] = NULL;
	uint32_t nstale = 0;
	int ret = 0;

	if (!ids)
		return -ENOMEM;
	for (uint32_t id = 0; id < XS_SPD_RULES_MAX; id++)
		if (in_trie(d, id, family, dir))
			ids[nids++] = id;
	qsort_r(ids, nids, sizeof(*ids), cmp_rank_d, (void *)(uintptr_t)d);
	for (uint32_t i = 0; i < nids; i++) {
		const struct xs_policy_req *p = &d->policies[ids[i]].req;
		struct xs_spd_list list = { 0 };

		for (uint32_t j = 0; j < nids && list.count < XS_SPD_LIST_MAX; j++)
			if (prefix_covers(&d->policies[ids[j]].req, remote_addr(p),
					  remote_plen(p)))
				list.rule[list.count++] = ids[j];
		memset(key, 0, sizeof(key));
		*(uint32_t *)key = remote_plen(p);
		memcpy(key + 4, remote_addr(p), alen);
		if (bpf_map_update_elem(fd, key, &list, 0)) {
			ret = -errno;
			goto out;
		}
	}
	stale = calloc(XS_SPD_PREFIXES_MAX, sizeof(*stale));
	if (!stale) {
		ret = -ENOMEM;
		goto out;
	}
	for (void *prev = NULL; !bpf_map_get_next_key(fd, prev, next); prev = key) {
		bool live = false;

		memcpy(key, next, ksz);
		for (uint32_t i = 0; i < nids && !live; i++) {
			const struct xs_policy_req *p = &d->policies[ids[i]].req;

			live = *(uint32_t *)key == remote_plen(p) &&
			       !memcmp(key + 4, remote_addr(p), alen);
		}
		if (!live && nstale < XS_SPD_PREFIXES_MAX)
			memcpy(stale[nstale++], key, ksz);
	}
	for (uint32_t i = 0; i < nstale; i++)
		bpf_map_delete_elem(fd, stale[i]);
out:
	free(stale);
	free(ids);
	return ret;
}

int xsd_dp_spd_sync(struct xsd_dp *dp, const struct xsd *d)
{
	/* One map: xdp_ingress's XS_MAP_SPD_RULES is the same (pinned). */
	int rules = bpf_map__fd(dp->egress->maps.XS_MAP_SPD_RULES);
	const struct {
		int family;
		uint8_t dir;
		int fd;
	} tries[] = {
		{ AF_INET, XS_DIR_OUT, bpf_map__fd(dp->egress->maps.XS_MAP_SPD_V4) },
		{ AF_INET6, XS_DIR_OUT, bpf_map__fd(dp->egress->maps.XS_MAP_SPD_V6) },
		{ AF_INET, XS_DIR_IN, bpf_map__fd(dp->ingress->maps.XS_MAP_SPD_IN_V4) },
		{ AF_INET6, XS_DIR_IN, bpf_map__fd(dp->ingress->maps.XS_MAP_SPD_IN_V6) },
	};
	int ret;

	for (__u32 id = 0; id < XS_SPD_RULES_MAX; id++) {
		struct xs_spd_rule rule;

		if (!d->policies[id].used)
			continue;
		bpf_map_update_elem(dp->policy_store_fd, &id, &d->policies[id].req, 0);
		rule_make(d, id, &rule);
		if (bpf_map_update_elem(rules, &id, &rule, 0))
			return -errno;
		dp->spd_live[id] = 1;
	}
	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		ret = sync_trie(d, tries[i].family, tries[i].dir, tries[i].fd);
		if (ret)
			return ret;
	}
	/* Only now retire rules no list refers to: the slots that held one
	 * (every slot the first time, for what a previous daemon left). */
	for (__u32 id = 0; id < XS_SPD_RULES_MAX; id++) {
		struct xs_spd_rule none = { 0 };
		struct xs_policy_req empty = { 0 };

		if (d->policies[id].used || (dp->spd_synced && !dp->spd_live[id]))
			continue;
		bpf_map_update_elem(dp->policy_store_fd, &id, &empty, 0);
		bpf_map_update_elem(rules, &id, &none, 0);
		dp->spd_live[id] = 0;
	}
	dp->spd_synced = true;
	return 0;
}

static int percpu_rows(int fd, uint32_t n, const char *group, const char *const *names,
		       int (*fn)(const struct xs_counter_row *, void *), void *arg)
{
	int ncpu = libbpf_num_possible_cpus();
	struct xs_counter *vals;
	int ret = 0;

	if (ncpu <= 0)
		return -EINVAL;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (__u32 i = 0; i < n && !ret; i++) {
		struct xs_counter_row row = { group, names[i], 0, 0 };

		if (!bpf_map_lookup_elem(fd, &i, vals)) {
			for (int c = 0; c < ncpu; c++) {
				row.packets += vals[c].packets;
				row.bytes += vals[c].bytes;
			}
		}
		ret = fn(&row, arg);
	}
	free(vals);
	return ret;
}

#define XS_NAME_ENTRY_(name, str) str,
static const char *const xdp_names[] = { XS_XDP_COUNTERS(XS_NAME_ENTRY_) };
static const char *const tc_names[] = { XS_TC_COUNTERS(XS_NAME_ENTRY_) };
static const char *const steer_names[] = { XS_STEER_COUNTERS(XS_NAME_ENTRY_) };
#define XSD_WC_NAME(n, s) s,
static const char *const worker_names[] = { XSD_WORKER_COUNTERS(XSD_WC_NAME) };

/* The kernel's own AF_XDP drops (full rings, no fill buffers), which no
 * program or worker sees. */
static int xsk_rows(struct xsd_dp *dp, int (*fn)(const struct xs_counter_row *, void *),
		    void *arg)
{
	static const char *const names[2][4] = {
		{ "out_rx_dropped", "out_rx_ring_full", "out_fill_empty", "out_tx_invalid" },
		{ "steer_rx_dropped", "steer_rx_ring_full", "steer_fill_empty",
		  "steer_tx_invalid" },
	};
	uint64_t sum[2][4] = { { 0 } };
	int ret = 0;

	for (uint32_t i = 0; i < dp->nworkers; i++) {
		const int fds[2] = { dp->workers[i].out.fd, dp->workers[i].steer.fd };

		for (int p = 0; p < 2; p++) {
			struct xdp_statistics st;
			socklen_t len = sizeof(st);

			if (fds[p] < 0 || getsockopt(fds[p], SOL_XDP, XDP_STATISTICS, &st, &len))
				continue;
			sum[p][0] += st.rx_dropped;
			sum[p][1] += st.rx_ring_full;
			sum[p][2] += st.rx_fill_ring_empty_descs;
			sum[p][3] += st.tx_invalid_descs;
		}
	}
	for (int p = 0; p < 2 && !ret; p++)
		for (int k = 0; k < 4 && !ret; k++) {
			struct xs_counter_row row = { "xsk", names[p][k], sum[p][k], 0 };

			ret = fn(&row, arg);
		}
	return ret;
}

int xsd_dp_counters(struct xsd_dp *dp, int (*fn)(const struct xs_counter_row *, void *),
		    void *arg)
{
	uint64_t wc[XSD_WC_MAX] = { 0 };
	int ret;

	ret = percpu_rows(bpf_map__fd(dp->ingress->maps.XS_MAP_XDP_STATS), XS_XDP_COUNTER_MAX,
			  "xdp", xdp_names, fn, arg);
	if (!ret)
		ret = percpu_rows(bpf_map__fd(dp->egress->maps.XS_MAP_TC_STATS),
				  XS_TC_COUNTER_MAX, "tc", tc_names, fn, arg);
	if (!ret)
		ret = percpu_rows(bpf_map__fd(dp->steer->maps.XS_MAP_STEER_STATS),
				  XS_STEER_COUNTER_MAX, "steer", steer_names, fn, arg);
	if (ret)
		return ret;
	xsd_dp_lock_all(dp);
	for (uint32_t i = 0; i < dp->nworkers; i++)
		for (uint32_t c = 0; c < XSD_WC_MAX; c++)
			wc[c] += dp->workers[i].counters[c];
	xsd_dp_unlock_all(dp);
	for (uint32_t c = 0; c < XSD_WC_MAX && !ret; c++) {
		struct xs_counter_row row = { "worker", worker_names[c], wc[c], 0 };

		ret = fn(&row, arg);
	}
	if (!ret)
		ret = xsk_rows(dp, fn, arg);
	return ret;
}
