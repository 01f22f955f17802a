// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tc_inner: clsact ingress of every steer veth's stack side and every GSO
 * tap, the way opened packets enter the stack. The selector check of RFC
 * 4301 §5.2 step 4 (and §4.4.1): after an SA opened a packet, its inner
 * header (tunnel mode) or its own header (transport mode) must match the
 * inbound SPD, and the first matching `dir in` rule must be a PROTECT rule
 * of the SA's reqid. Anything else is dropped and counted (an auditable
 * event, §5.2: a record goes to the daemon, rate-limited). The worker
 * names the SA's reqid in the frame's Ethernet source address (struct
 * xs_inner_tag, abi.h); a frame without a tag did not come from a worker
 * and is dropped too. Fragments follow the rule of spd.h: their
 * candidates must all accept the SA. See docs/bpf.md.
 */
#include <linux/pkt_cls.h>

#include "spd.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XS_INNER_COUNTER_MAX);
	__type(key, __u32);
	__type(value, struct xs_counter);
} XS_MAP_INNER_STATS SEC(".maps");

/* When the last audit record went out (a race between CPUs costs at most
 * a second record). */
__u64 xs_audit_last;

#define XS_INNER_PULL_LEN	256

static __always_inline int verdict(struct __sk_buff *skb, int action,
				   enum xs_inner_counter reason)
{
	__u64 bytes = skb->len;

	xs_count(&XS_MAP_INNER_STATS, action == TC_ACT_OK ? XS_INNER_PASS : XS_INNER_DROP,
		 bytes);
	xs_count(&XS_MAP_INNER_STATS, reason, bytes);
	return action;
}

/* RFC 4301 §5.2: the drop is an auditable event. */
static __always_inline void audit(struct __sk_buff *skb, const struct xs_flow *f,
				  const struct xs_spd_walk *w, __u32 reqid)
{
	__u64 now = bpf_ktime_get_ns();
	struct xs_event *ev;

	if (now - xs_audit_last < XS_AUDIT_GAP_NS)
		return;
	xs_audit_last = now;
	ev = bpf_ringbuf_reserve(&XS_MAP_EVENTS, sizeof(*ev), 0);
	if (!ev)
		return;
	ev->type = XS_EV_SELECTOR;
	ev->family = f->family;
	ev->proto = f->proto;
	ev->ports = f->ports;
	ev->policy_id = w->nmatch ? w->first : ~0u;
	ev->reqid = reqid;
	ev->sport = f->sport;
	ev->dport = f->dport;
	__builtin_memcpy(ev->src, f->saddr, 16);
	__builtin_memcpy(ev->dst, f->daddr, 16);
	bpf_ringbuf_submit(ev, 0);
	xs_count(&XS_MAP_INNER_STATS, XS_INNER_AUDIT, skb->len);
}

static __always_inline int drop_malformed(struct __sk_buff *skb, int err)
{
	if (err == XS_PARSE_NOT_IP)
		return verdict(skb, TC_ACT_SHOT, XS_INNER_DROP_NOT_IP);
	if (err == XS_PARSE_BAD)
		return verdict(skb, TC_ACT_SHOT, XS_INNER_DROP_BAD_IP_HEADER);
	if (err == XS_PARSE_EXT_LIMIT)
		return verdict(skb, TC_ACT_SHOT, XS_INNER_DROP_EXT_HDR_LIMIT);
	return verdict(skb, TC_ACT_SHOT, XS_INNER_DROP_TRUNCATED);
}

SEC("tc")
int xs_tc_inner(struct __sk_buff *skb)
{
	__u32 want = skb->len < XS_INNER_PULL_LEN ? skb->len : XS_INNER_PULL_LEN;
	struct xs_spd_walk w = {};
	struct xs_inner_tag *tag;
	struct xs_spd_rule *r;
	struct xs_flow f = {};
	struct xs_cursor c;
	struct xs_ip ip = {};
	struct ethhdr *eth;
	__u32 reqid;
	int proto, res;

	if ((void *)(long)skb->data + want > (void *)(long)skb->data_end)
		bpf_skb_pull_data(skb, want);
	c.pos = (void *)(long)skb->data;
	c.end = (void *)(long)skb->data_end;
	c.start = c.pos;
	c.wire = skb->len;
	eth = c.pos;
	if ((void *)(eth + 1) > c.end)
		return verdict(skb, TC_ACT_SHOT, XS_INNER_DROP_UNTAGGED);
	tag = (struct xs_inner_tag *)eth->h_source;
	if (tag->magic != XS_INNER_MAGIC)
		return verdict(skb, TC_ACT_SHOT, XS_INNER_DROP_UNTAGGED);
	if (tag->kind == XS_INNER_LOCAL)
		return verdict(skb, TC_ACT_OK, XS_INNER_PASS_LOCAL);
	if (tag->kind != XS_INNER_OPENED)
		return verdict(skb, TC_ACT_SHOT, XS_INNER_DROP_UNTAGGED);
	reqid = bpf_ntohl(tag->reqid);

	proto = xs_flow_parse(&c, &ip, &f);
	if (proto < 0)
		return drop_malformed(skb, proto);
	if (xs_flow_ports(&c, &ip, &f))
		return verdict(skb, TC_ACT_SHOT, XS_INNER_DROP_TRUNCATED);

	/* Remote = the inner source, local = the inner destination. Without
	 * a rule nothing is accepted: DISCARD is the default here. */
	xs_spd_walk_init(&w, &f, f.daddr, 1);
	res = xs_spd_lookup(&XS_MAP_SPD_IN_V4, &XS_MAP_SPD_IN_V6, &w, f.saddr,
			    XS_SPD_DISCARD);
	if (res == XS_SPD_R_ERROR)
		return verdict(skb, TC_ACT_SHOT, XS_INNER_DROP_SPD_ERROR);
	if (res == XS_SPD_R_DEFAULT) {
		audit(skb, &f, &w, reqid);
		return verdict(skb, TC_ACT_SHOT, XS_INNER_DROP_NO_POLICY);
	}
	if (res == XS_SPD_R_AMBIGUOUS) {
		audit(skb, &f, &w, reqid);
		return verdict(skb, TC_ACT_SHOT, XS_INNER_DROP_FRAGMENT_AMBIGUOUS);
	}
	r = xs_spd_rule(&w);
	if (!r)
		return verdict(skb, TC_ACT_SHOT, XS_INNER_DROP_SPD_ERROR);
	if (r->action != XS_SPD_PROTECT || (r->flags & XS_SPD_RULE_F_NO_SA) ||
	    !reqid || r->reqid != reqid) {
		audit(skb, &f, &w, reqid);
		return verdict(skb, TC_ACT_SHOT, XS_INNER_DROP_SELECTOR);
	}
	xs_policy_count(r->policy_id, skb->len);
	return verdict(skb, TC_ACT_OK, XS_INNER_PASS_POLICY);
}
