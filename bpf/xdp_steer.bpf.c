// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdp_steer: XDP on the far end of a worker's steer veth.
 *
 * tc_egress redirected a PROTECT frame into the veth with the steer tag in
 * its Ethernet source address; this hands it, unchanged, to the AF_XDP socket
 * of the worker the tag names, which seals it and sends it out of the outside
 * interface. Anything untagged is dropped: the steer veth carries nothing
 * else. See docs/bpf.md.
 */
#include "parsing.h"
#include "stats.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, XS_XSK_SLOTS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} XS_MAP_STEER_XSKS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XS_STEER_COUNTER_MAX);
	__type(key, __u32);
	__type(value, struct xs_counter);
} XS_MAP_STEER_STATS SEC(".maps");

static __always_inline int drop(struct xdp_md *ctx, enum xs_steer_counter reason)
{
	__u64 bytes = ctx->data_end - ctx->data;

	xs_count(&XS_MAP_STEER_STATS, XS_STEER_DROP, bytes);
	xs_count(&XS_MAP_STEER_STATS, reason, bytes);
	return XDP_DROP;
}

SEC("xdp")
int xs_xdp_steer(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct xs_steer_tag *tag;
	__u32 queue, worker;

	if ((void *)(eth + 1) > end)
		return drop(ctx, XS_STEER_DROP_UNTAGGED);
	tag = (struct xs_steer_tag *)eth->h_source;
	if (tag->magic != XS_STEER_MAGIC)
		return drop(ctx, XS_STEER_DROP_UNTAGGED);

	queue = ctx->rx_queue_index;
	worker = tag->worker;
	if (queue >= XS_QUEUES_MAX || worker >= XS_WORKERS_MAX)
		return drop(ctx, XS_STEER_DROP_BAD_SLOT);
	if (bpf_redirect_map(&XS_MAP_STEER_XSKS, XS_XSK_SLOT(queue, worker),
			     XDP_DROP) != XDP_REDIRECT)
		return drop(ctx, XS_STEER_DROP_NO_SOCKET);
	xs_count(&XS_MAP_STEER_STATS, XS_STEER_REDIRECT,
		 ctx->data_end - ctx->data);
	return XDP_REDIRECT;
}
