// SPDX-License-Identifier: GPL-2.0-only
/*
 * Counters of an attached datapath: the BPF programs' per-CPU arrays
 * summed over CPUs, the workers' own counters, the kernel's AF_XDP
 * statistics, and the per-policy counters (`policy list`).
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
static const char *const inner_names[] = { XS_INNER_COUNTERS(XS_NAME_ENTRY_) };
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
	if (!ret)
		ret = percpu_rows(bpf_map__fd(dp->inner->maps.XS_MAP_INNER_STATS),
				  XS_INNER_COUNTER_MAX, "inner", inner_names, fn, arg);
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

/* Packets and bytes policy id decided, summed over CPUs (every program
 * that looks the SPD up counts into the one pinned map). */
int xsd_dp_policy_counters(struct xsd_dp *dp, uint32_t id, uint64_t *packets,
			   uint64_t *bytes)
{
	int ncpu = libbpf_num_possible_cpus();
	struct xs_counter *vals;
	int ret = 0;

	*packets = *bytes = 0;
	if (id >= XS_SPD_RULES_MAX)
		return -ENOENT;
	if (ncpu <= 0)
		return -EINVAL;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(dp->egress->maps.XS_MAP_POLICY_STATS), &id, vals)) {
		ret = -errno;
	} else {
		for (int c = 0; c < ncpu; c++) {
			*packets += vals[c].packets;
			*bytes += vals[c].bytes;
		}
	}
	free(vals);
	return ret;
}

/* A policy id starts from zero again (added, or its slot reused). */
int xsd_dp_policy_counters_reset(struct xsd_dp *dp, uint32_t id)
{
	int ncpu = libbpf_num_possible_cpus();
	struct xs_counter *zero;
	int ret = 0;

	if (id >= XS_SPD_RULES_MAX || ncpu <= 0)
		return -EINVAL;
	zero = calloc((size_t)ncpu, sizeof(*zero));
	if (!zero)
		return -ENOMEM;
	if (bpf_map_update_elem(bpf_map__fd(dp->egress->maps.XS_MAP_POLICY_STATS), &id, zero, 0))
		ret = -errno;
	free(zero);
	return ret;
}
