// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdp_drop: the floor of XDP drop cost, for bench/bench_tunnel.py.
 *
 * Attached in place of xdpsec's xdp_ingress on the same veth, it drops
 * every frame without looking at it and keeps no counters of its own: the
 * benchmark reads veth's per-queue XDP counters (ethtool -S), so nothing
 * here adds cost the kernel does not already pay for xdpsec too.
 */
#include <linux/bpf.h>

#define SEC(name) __attribute__((section(name), used))

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int xdp_drop(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_DROP;
}
