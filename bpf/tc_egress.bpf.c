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
 * socket for sealing; a packet the stack has not segmented yet (GSO) goes
 * whole to the worker's tap instead, which the worker reads and segments.
 * Only the IKE agent's own sockets (by socket cookie) and IPv6 neighbour
 * discovery are exempt. The lookup itself is spd.h's, shared with
 * xdp_ingress and tc_inner. See docs/bpf.md.
 */
#include <linux/pkt_cls.h>

#include "spd.h"
#include "stats.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by the loader before load. */
const volatile struct xs_tc_cfg XS_CFG_TC = {
	.default_action = XS_SPD_BYPASS,
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XS_WORKERS_MAX);
	__type(key, __u32);
	__type(value, __u32);		/* ifindex, 0 = none */
} XS_MAP_STEER_IFS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XS_WORKERS_MAX);
	__type(key, __u32);
	__type(value, __u32);		/* ifindex, 0 = none */
} XS_MAP_GSO_IFS SEC(".maps");

/* Socket cookies of the IKE agent's sockets -> owner slot (loader). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XS_IKE_SOCKS_MAX);
	__type(key, __u64);
	__type(value, __u32);
} XS_MAP_IKE_SOCKS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XS_TC_COUNTER_MAX);
	__type(key, __u32);
	__type(value, struct xs_counter);
} XS_MAP_TC_STATS SEC(".maps");

/* Headers are read directly; make sure this much is in the linear area. */
#define XS_TC_PULL_LEN		256

/* Every exit goes through here: one verdict counter, one reason counter. */
static __always_inline int verdict(struct __sk_buff *skb, int action,
				   enum xs_tc_counter reason)
{
	__u64 bytes = skb->len;

	if (action == TC_ACT_REDIRECT)
		xs_count(&XS_MAP_TC_STATS, XS_TC_PROTECT, bytes);
	else if (action == TC_ACT_OK)
		xs_count(&XS_MAP_TC_STATS, XS_TC_BYPASS, bytes);
	else
		xs_count(&XS_MAP_TC_STATS, XS_TC_DISCARD, bytes);
	xs_count(&XS_MAP_TC_STATS, reason, bytes);
	return action;
}

static __always_inline int discard_malformed(struct __sk_buff *skb, int err)
{
	if (err == XS_PARSE_BAD)
		return verdict(skb, TC_ACT_SHOT, XS_TC_DISCARD_BAD_IP_HEADER);
	if (err == XS_PARSE_EXT_LIMIT)
		return verdict(skb, TC_ACT_SHOT, XS_TC_DISCARD_EXT_HDR_LIMIT);
	if (err == XS_PARSE_VLAN_DEPTH)
		return verdict(skb, TC_ACT_SHOT, XS_TC_DISCARD_VLAN_DEPTH);
	return verdict(skb, TC_ACT_SHOT, XS_TC_DISCARD_TRUNCATED);
}

/* Tags the frame for its worker and sends it to the worker's steer veth,
 * or, while it is a GSO packet, to the worker's tap: one read there moves
 * up to 64 KiB, where the steer veth would take each segment through XDP. */
static __always_inline int protect(struct __sk_buff *skb,
				   const struct xs_spd_rule *r, __u32 l3)
{
	struct xs_steer_tag tag = { .magic = XS_STEER_MAGIC };
	__u32 worker = r->worker;
	__u32 *ifindex, *gso_ifindex;

	/* The worker seals what follows a plain Ethernet header: a frame
	 * with VLAN tags in its data would be sealed wrong (docs/bpf.md). */
	if (l3 != sizeof(struct ethhdr))
		return verdict(skb, TC_ACT_SHOT, XS_TC_DISCARD_VLAN);
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
	gso_ifindex = bpf_map_lookup_elem(&XS_MAP_GSO_IFS, &worker);
	if (skb->gso_size && gso_ifindex && *gso_ifindex) {
		if (bpf_redirect(*gso_ifindex, 0) != TC_ACT_REDIRECT)
			return verdict(skb, TC_ACT_SHOT, XS_TC_DISCARD_NO_STEER);
		xs_count(&XS_MAP_TC_STATS, XS_TC_PROTECT_GSO, skb->len);
		return verdict(skb, TC_ACT_REDIRECT, XS_TC_PROTECT_POLICY);
	}
	if (bpf_redirect(*ifindex, 0) != TC_ACT_REDIRECT)
		return verdict(skb, TC_ACT_SHOT, XS_TC_DISCARD_NO_STEER);
	return verdict(skb, TC_ACT_REDIRECT, XS_TC_PROTECT_POLICY);
}

/*
 * A PROTECT rule without an SA (a trap): the packet is dropped, never
 * sent in clear, and the daemon hears of it (an acquire event, for the
 * IKE agent to negotiate the SA), at most once per XS_ACQUIRE_GAP_NS per
 * policy.
 */
static __always_inline void acquire(struct __sk_buff *skb, const struct xs_spd_rule *r,
				    const struct xs_flow *f)
{
	__u32 id = r->policy_id;
	__u64 now = bpf_ktime_get_ns(), *last;
	struct xs_event *ev;

	last = bpf_map_lookup_elem(&XS_MAP_ACQUIRE, &id);
	if (!last || (*last && now - *last < XS_ACQUIRE_GAP_NS))
		return;
	*last = now;
	ev = bpf_ringbuf_reserve(&XS_MAP_EVENTS, sizeof(*ev), 0);
	if (!ev) {
		xs_count(&XS_MAP_TC_STATS, XS_TC_ACQUIRE_LOST, skb->len);
		return;
	}
	ev->type = XS_EV_ACQUIRE;
	ev->family = f->family;
	ev->proto = f->proto;
	ev->ports = f->ports;
	ev->policy_id = id;
	ev->reqid = 0;
	ev->sport = f->sport;
	ev->dport = f->dport;
	__builtin_memcpy(ev->src, f->saddr, 16);
	__builtin_memcpy(ev->dst, f->daddr, 16);
	bpf_ringbuf_submit(ev, 0);
	xs_count(&XS_MAP_TC_STATS, XS_TC_ACQUIRE, skb->len);
}

/* The outbound SPD (RFC 4301 §5.1): ordered search by destination. */
static __always_inline int classify(struct __sk_buff *skb,
				    const struct xs_flow *f, __u32 l3)
{
	struct xs_spd_walk w = {};
	struct xs_spd_rule *r;
	int res;

	xs_spd_walk_init(&w, f, f->saddr, 0);
	res = xs_spd_lookup(&XS_MAP_SPD_V4, &XS_MAP_SPD_V6, &w, f->daddr,
			    XS_CFG_TC.default_action);
	if (res == XS_SPD_R_ERROR)
		return verdict(skb, TC_ACT_SHOT, XS_TC_DISCARD_SPD_ERROR);
	if (res == XS_SPD_R_AMBIGUOUS)
		return verdict(skb, TC_ACT_SHOT, XS_TC_DISCARD_FRAGMENT_AMBIGUOUS);
	if (res == XS_SPD_R_RULE) {
		r = xs_spd_rule(&w);
		if (!r)
			return verdict(skb, TC_ACT_SHOT, XS_TC_DISCARD_SPD_ERROR);
		xs_policy_count(r->policy_id, skb->len);
		if (r->action == XS_SPD_PROTECT && (r->flags & XS_SPD_RULE_F_NO_SA)) {
			acquire(skb, r, f);
			return verdict(skb, TC_ACT_SHOT, XS_TC_DISCARD_NO_SA);
		}
		if (r->action == XS_SPD_PROTECT)
			return protect(skb, r, l3);
		if (r->action == XS_SPD_DISCARD)
			return verdict(skb, TC_ACT_SHOT, XS_TC_DISCARD_POLICY);
		return verdict(skb, TC_ACT_OK, XS_TC_BYPASS_POLICY);
	}
	if (XS_CFG_TC.default_action == XS_SPD_DISCARD)
		return verdict(skb, TC_ACT_SHOT, XS_TC_DISCARD_DEFAULT);
	return verdict(skb, TC_ACT_OK, XS_TC_BYPASS_DEFAULT);
}

/*
 * The IKE agent's own sockets (registered by the daemon, SO_COOKIE):
 * their packets are IKE and NAT-T keepalives, which must never be
 * protected (RFC 7296 §2.23, RFC 3948 §2.3). Nothing else is exempt:
 * not a port (a LAN host may send to port 500 too), not ESP or AH (the
 * workers' own leave by AF_XDP, which TC never sees).
 */
static __always_inline int from_ike_socket(struct __sk_buff *skb, int proto)
{
	__u64 cookie;

	if (proto != IPPROTO_UDP && proto != IPPROTO_TCP)
		return 0;
	cookie = bpf_get_socket_cookie(skb);
	return cookie && bpf_map_lookup_elem(&XS_MAP_IKE_SOCKS, &cookie);
}

SEC("tc")
int xs_tc_egress(struct __sk_buff *skb)
{
	__u32 want = skb->len < XS_TC_PULL_LEN ? skb->len : XS_TC_PULL_LEN;
	struct xs_flow f = {};
	struct xs_cursor c;
	struct xs_ip ip = {};
	int proto;

	if ((void *)(long)skb->data + want > (void *)(long)skb->data_end)
		bpf_skb_pull_data(skb, want);
	c.pos = (void *)(long)skb->data;
	c.end = (void *)(long)skb->data_end;
	c.start = c.pos;
	c.wire = skb->len;

	proto = xs_flow_parse(&c, &ip, &f);
	if (proto == XS_PARSE_NOT_IP)
		return verdict(skb, TC_ACT_OK, XS_TC_BYPASS_NOT_IP);
	if (proto < 0)
		return discard_malformed(skb, proto);

	if (from_ike_socket(skb, proto))
		return verdict(skb, TC_ACT_OK, XS_TC_BYPASS_IKE);
	if (xs_flow_ports(&c, &ip, &f))
		return verdict(skb, TC_ACT_SHOT, XS_TC_DISCARD_TRUNCATED);
	/* Neighbour discovery for the link itself (spd.h). */
	if (xs_flow_is_nd(&f, &ip))
		return verdict(skb, TC_ACT_OK, XS_TC_BYPASS_ND);
	return classify(skb, &f, c.l3);
}
