// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tc_egress: clsact egress on the outside interface, the outbound SPD
 * (RFC 4301 §4.4.1, §5.1).
 *
 * Each outgoing IPv4/IPv6 packet is matched against the SPD: the destination
 * prefix trie yields an ordered list of rules, the first rule whose source
 * prefix, protocol and ports match decides. BYPASS sends the packet on,
 * DISCARD drops it, PROTECT tags the frame for its worker and redirects it to
 * that worker's steer veth, where xdp_steer hands it to the worker's AF_XDP
 * socket for sealing. IKE, ESP and AH are always BYPASS. See docs/bpf.md.
 */
#include <linux/pkt_cls.h>

#include "parsing.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by the loader before load. */
const volatile struct xs_tc_cfg XS_CFG_TC = {
	.default_action = XS_SPD_BYPASS,
	.ike_port = XS_PORT_IKE,
	.natt_port = XS_PORT_NATT,
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XS_SPD_PREFIXES_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xs_lpm_v4);
	__type(value, struct xs_spd_list);
} XS_MAP_SPD_V4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XS_SPD_PREFIXES_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xs_lpm_v6);
	__type(value, struct xs_spd_list);
} XS_MAP_SPD_V6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XS_SPD_RULES_MAX);
	__type(key, __u32);
	__type(value, struct xs_spd_rule);
} XS_MAP_SPD_RULES SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XS_WORKERS_MAX);
	__type(key, __u32);
	__type(value, __u32);		/* ifindex, 0 = none */
} XS_MAP_STEER_IFS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XS_TC_COUNTER_MAX);
	__type(key, __u32);
	__type(value, struct xs_counter);
} XS_MAP_TC_STATS SEC(".maps");

/* Headers are read directly; make sure this much is in the linear area. */
#define XS_TC_PULL_LEN		256

#ifndef IPPROTO_ICMPV6
#define IPPROTO_ICMPV6		58
#endif

/* The selectors of one packet (RFC 4301 §4.4.1.1). */
struct xs_flow {
	__be32 saddr[4];
	__be32 daddr[4];
	__u16 sport;			/* host order; ICMP type */
	__u16 dport;			/* host order; ICMP code */
	__u8 family;			/* XS_FAMILY_V4 / XS_FAMILY_V6 */
	__u8 proto;
	__u8 ports;			/* 0: ports OPAQUE or not applicable */
	__u8 pad;
};

static __always_inline void count(__u32 idx, __u64 bytes)
{
	struct xs_counter *ctr = bpf_map_lookup_elem(&XS_MAP_TC_STATS, &idx);

	if (ctr) {
		ctr->packets++;
		ctr->bytes += bytes;
	}
}

/* Every exit goes through here: one verdict counter, one reason counter. */
static __always_inline int verdict(struct __sk_buff *skb, int action,
				   enum xs_tc_counter reason)
{
	__u64 bytes = skb->len;

	if (action == TC_ACT_REDIRECT)
		count(XS_TC_PROTECT, bytes);
	else if (action == TC_ACT_OK)
		count(XS_TC_BYPASS, bytes);
	else
		count(XS_TC_DISCARD, bytes);
	count(reason, bytes);
	return action;
}

static __always_inline int discard_malformed(struct __sk_buff *skb, int err)
{
	if (err == XS_PARSE_BAD)
		return verdict(skb, TC_ACT_SHOT, XS_TC_DISCARD_BAD_IP_HEADER);
	if (err == XS_PARSE_EXT_LIMIT)
		return verdict(skb, TC_ACT_SHOT, XS_TC_DISCARD_EXT_HDR_LIMIT);
	return verdict(skb, TC_ACT_SHOT, XS_TC_DISCARD_TRUNCATED);
}

/*
 * Ports of TCP, UDP, SCTP and UDP-Lite, or ICMP type and code. Non-initial
 * fragments carry none: their ports are OPAQUE (RFC 4301 §4.4.1.1, §7).
 * Returns 0, or -1 when the header that should be there is cut short.
 */
static __always_inline int read_ports(struct xs_cursor *c, struct xs_ip *ip,
				      struct xs_flow *f)
{
	__u8 *l4;

	switch (f->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_SCTP:
	case IPPROTO_UDPLITE:
		if (ip->frag == XS_FRAG_LATER)
			return 0;
		l4 = xs_peek(c, ip, 4);
		if (!l4)
			return -1;
		f->sport = (__u16)l4[0] << 8 | l4[1];
		f->dport = (__u16)l4[2] << 8 | l4[3];
		f->ports = 1;
		return 0;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (ip->frag == XS_FRAG_LATER)
			return 0;
		l4 = xs_peek(c, ip, 2);
		if (!l4)
			return -1;
		f->sport = l4[0];
		f->dport = l4[1];
		f->ports = 1;
		return 0;
	default:
		return 0;
	}
}

static __always_inline int prefix_match(const __be32 *want, __u32 plen,
					const __be32 *addr)
{
	__u32 bits, mask;
	int i;

	for (i = 0; i < 4; i++) {
		if (!plen)
			break;
		bits = plen > 32 ? 32 : plen;
		mask = bpf_htonl(~0u << (32 - bits));
		if ((addr[i] ^ want[i]) & mask)
			return 0;
		plen -= bits;
	}
	return 1;
}

static __always_inline int port_any(__u16 lo, __u16 hi)
{
	return lo == 0 && hi == 0xffff;
}

static __always_inline int rule_match(const struct xs_spd_rule *r,
				      const struct xs_flow *f)
{
	__u32 plen = r->src_plen;

	if (r->action == XS_SPD_NONE || r->family != f->family)
		return 0;
	if (r->proto && r->proto != f->proto)
		return 0;
	if (f->family == XS_FAMILY_V4 && plen > 32)
		plen = 32;
	if (!prefix_match(r->src, plen, f->saddr))
		return 0;
	/* Without ports only ANY matches the port selectors. */
	if (!f->ports)
		return port_any(r->sport_lo, r->sport_hi) &&
		       port_any(r->dport_lo, r->dport_hi);
	return f->sport >= r->sport_lo && f->sport <= r->sport_hi &&
	       f->dport >= r->dport_lo && f->dport <= r->dport_hi;
}

/* The rule list of the longest destination prefix holding f->daddr. */
static __always_inline struct xs_spd_list *spd_list(const struct xs_flow *f)
{
	if (f->family == XS_FAMILY_V4) {
		struct xs_lpm_v4 k = { .prefixlen = 32 };

		__builtin_memcpy(k.addr, &f->daddr[0], 4);
		return bpf_map_lookup_elem(&XS_MAP_SPD_V4, &k);
	} else {
		struct xs_lpm_v6 k = { .prefixlen = 128 };

		__builtin_memcpy(k.addr, f->daddr, 16);
		return bpf_map_lookup_elem(&XS_MAP_SPD_V6, &k);
	}
}

/* Tags the frame for its worker and sends it to the worker's steer veth. */
static __always_inline int protect(struct __sk_buff *skb,
				   const struct xs_spd_rule *r)
{
	struct xs_steer_tag tag = { .magic = XS_STEER_MAGIC };
	__u32 worker = r->worker;
	__u32 *ifindex;

	if (worker >= XS_WORKERS_MAX)
		return verdict(skb, TC_ACT_SHOT, XS_TC_DISCARD_NO_STEER);
	ifindex = bpf_map_lookup_elem(&XS_MAP_STEER_IFS, &worker);
	/* Fail closed: PROTECT traffic never leaves in the clear. */
	if (!ifindex || !*ifindex)
		return verdict(skb, TC_ACT_SHOT, XS_TC_DISCARD_NO_STEER);

	tag.worker = worker;
	tag.policy_id = bpf_htonl(r->policy_id);
	if (bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_source), &tag,
				sizeof(tag), 0))
		return verdict(skb, TC_ACT_SHOT, XS_TC_DISCARD_NO_STEER);
	if (bpf_redirect(*ifindex, 0) != TC_ACT_REDIRECT)
		return verdict(skb, TC_ACT_SHOT, XS_TC_DISCARD_NO_STEER);
	return verdict(skb, TC_ACT_REDIRECT, XS_TC_PROTECT_POLICY);
}

static __always_inline int classify(struct __sk_buff *skb,
				    const struct xs_flow *f)
{
	struct xs_spd_list *list = spd_list(f);
	struct xs_spd_rule *r;
	__u32 i, idx;

	if (list) {
		for (i = 0; i < XS_SPD_LIST_MAX; i++) {
			if (i >= list->count)
				break;
			idx = list->rule[i];
			r = bpf_map_lookup_elem(&XS_MAP_SPD_RULES, &idx);
			if (!r || !rule_match(r, f))
				continue;
			if (r->action == XS_SPD_PROTECT)
				return protect(skb, r);
			if (r->action == XS_SPD_DISCARD)
				return verdict(skb, TC_ACT_SHOT,
					       XS_TC_DISCARD_POLICY);
			return verdict(skb, TC_ACT_OK, XS_TC_BYPASS_POLICY);
		}
	}
	if (XS_CFG_TC.default_action == XS_SPD_DISCARD)
		return verdict(skb, TC_ACT_SHOT, XS_TC_DISCARD_DEFAULT);
	return verdict(skb, TC_ACT_OK, XS_TC_BYPASS_DEFAULT);
}

static __always_inline int is_ike_port(__u16 port)
{
	return port == XS_CFG_TC.ike_port || port == XS_CFG_TC.natt_port;
}

SEC("tc")
int xs_tc_egress(struct __sk_buff *skb)
{
	__u32 want = skb->len < XS_TC_PULL_LEN ? skb->len : XS_TC_PULL_LEN;
	struct xs_flow f = {};
	struct ipv6hdr *ip6h;
	struct xs_cursor c;
	struct iphdr *iph;
	struct xs_ip ip = {};
	int proto;

	if ((void *)(long)skb->data + want > (void *)(long)skb->data_end)
		bpf_skb_pull_data(skb, want);
	c.pos = (void *)(long)skb->data;
	c.end = (void *)(long)skb->data_end;
	c.start = c.pos;
	c.wire = skb->len;

	proto = parse_ethhdr(&c);
	if (proto < 0)
		return verdict(skb, TC_ACT_SHOT, XS_TC_DISCARD_TRUNCATED);
	if (proto == ETH_P_IP) {
		proto = parse_iphdr(&c, &ip, &iph);
		if (proto < 0)
			return discard_malformed(skb, proto);
		f.family = XS_FAMILY_V4;
		f.saddr[0] = iph->saddr;
		f.daddr[0] = iph->daddr;
	} else if (proto == ETH_P_IPV6) {
		proto = parse_ipv6hdr(&c, &ip, &ip6h);
		if (proto < 0)
			return discard_malformed(skb, proto);
		f.family = XS_FAMILY_V6;
		__builtin_memcpy(f.saddr, &ip6h->saddr, 16);
		__builtin_memcpy(f.daddr, &ip6h->daddr, 16);
		proto = parse_ipv6_ext(&c, &ip, proto);
		if (proto < 0)
			return discard_malformed(skb, proto);
	} else {
		return verdict(skb, TC_ACT_OK, XS_TC_BYPASS_NOT_IP);
	}
	f.proto = proto;

	/* Already IPsec: sealed by a worker, or another stack's. */
	if (proto == IPPROTO_ESP || proto == IPPROTO_AH)
		return verdict(skb, TC_ACT_OK, XS_TC_BYPASS_IPSEC);
	if (read_ports(&c, &ip, &f))
		return verdict(skb, TC_ACT_SHOT, XS_TC_DISCARD_TRUNCATED);
	/* IKE and NAT-T (ESP-in-UDP, keepalives) must never be protected. */
	if (proto == IPPROTO_UDP && f.ports &&
	    (is_ike_port(f.sport) || is_ike_port(f.dport)))
		return verdict(skb, TC_ACT_OK, XS_TC_BYPASS_IKE);
	return classify(skb, &f);
}
