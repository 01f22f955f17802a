/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The per-CPU counter arrays of the xdpsec BPF programs (BPF side only):
 * each program declares its own XS_MAP_*_STATS array of struct xs_counter
 * (include/xdpsec/abi.h) and bumps a verdict and a reason slot per frame.
 */
#ifndef XS_STATS_H
#define XS_STATS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include <xdpsec/abi.h>

/* Adds one frame of bytes to slot idx of the counter array map. */
static __always_inline void xs_count(void *map, __u32 idx, __u64 bytes)
{
	struct xs_counter *ctr = bpf_map_lookup_elem(map, &idx);

	if (ctr) {
		ctr->packets++;
		ctr->bytes += bytes;
	}
}

#endif
