// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * flood: an ESP generator for bench/bench_tunnel.py.
 *
 * Run with BPF_PROG_RUN, BPF_F_TEST_XDP_LIVE_FRAMES and a large repeat
 * count, ingress_ifindex naming a veth: every run takes one page-pool frame
 * initialised from the template the benchmark passes (Ethernet, IPv4, ESP
 * for an SPI nobody holds) and XDP_TX sends it out of that veth, i.e. into
 * the peer's XDP program. Live-frame pages keep whatever the last user
 * wrote into them, so every run checks the frame is still the template
 * (protocol, non-zero SPI) and advances the ESP sequence number, so no two
 * consecutive frames are identical.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>

#define SEC(name) __attribute__((section(name), used))

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Ethernet + IPv4 without options + ESP SPI and sequence (RFC 4303 §2). */
#define FLOOD_ESP_OFF	(sizeof(struct ethhdr) + sizeof(struct iphdr))
#define FLOOD_MIN_LEN	(FLOOD_ESP_OFF + 8)

SEC("xdp")
int flood(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);
	__u32 *esp = data + FLOOD_ESP_OFF;

	if (data + FLOOD_MIN_LEN > data_end)
		return XDP_ABORTED;
	/* Refuse to send a frame that is not the ESP template any more. */
	if (ip->protocol != IPPROTO_ESP || esp[0] == 0)
		return XDP_ABORTED;
	esp[1] = __builtin_bswap32(__builtin_bswap32(esp[1]) + 1);
	return XDP_TX;
}
