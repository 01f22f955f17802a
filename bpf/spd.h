/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The SPD lookup every direction shares (BPF side only): the SPD maps, a
 * packet's selectors (RFC 4301 §4.4.1.1), reading its ports, the ND
 * exemption, and the ordered search of a rule list (§4.4.1) with the
 * fragment rule (§7; docs/bpf.md, "Fragments"). tc_egress looks up the
 * outbound tries by destination, xdp_ingress and tc_inner the inbound
 * tries by source; include/xdpsec/abi.h has the layouts and the
 * per-direction meaning of the fields.
 *
 * Every map here is declared by every object that includes this file and
 * pinned by name (loader/dp.c), so they are one set of maps however many
 * programs read them.
 */
#ifndef XS_SPD_H
#define XS_SPD_H

#include "parsing.h"
#include "stats.h"

#ifndef IPPROTO_ICMPV6
#define IPPROTO_ICMPV6		58
#endif

/* RFC 4861 §4: RS 133, RA 134, NS 135, NA 136, Redirect 137. */
#define XS_ND_TYPE_FIRST	133
#define XS_ND_TYPE_LAST		137
#define XS_ND_HOP_LIMIT		255

#define XS_SPD_TRIE(name, key_t)					\
	struct {							\
		__uint(type, BPF_MAP_TYPE_LPM_TRIE);			\
		__uint(max_entries, XS_SPD_PREFIXES_MAX);		\
		__uint(map_flags, BPF_F_NO_PREALLOC);			\
		__type(key, key_t);					\
		__type(value, struct xs_spd_list);			\
	} name SEC(".maps")

XS_SPD_TRIE(XS_MAP_SPD_V4, struct xs_lpm_v4);		/* outbound, by destination */
XS_SPD_TRIE(XS_MAP_SPD_V6, struct xs_lpm_v6);
XS_SPD_TRIE(XS_MAP_SPD_IN_V4, struct xs_lpm_v4);	/* inbound, by source */
XS_SPD_TRIE(XS_MAP_SPD_IN_V6, struct xs_lpm_v6);

/* The rule lists the tries point into; written by the loader through
 * mmap (8-byte elements: an mmapped array lays them out so anyway). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XS_SPD_ENTRIES_MAX);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);		/* rule index in the low 32 bits */
} XS_MAP_SPD_ENTRIES SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XS_SPD_RULES_MAX);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct xs_spd_rule);
} XS_MAP_SPD_RULES SEC(".maps");

/* Packets and bytes each policy decided, summed by `policy list`. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XS_SPD_RULES_MAX);
	__type(key, __u32);
	__type(value, struct xs_counter);
} XS_MAP_POLICY_STATS SEC(".maps");

/* When each trap last sent an acquire event (rate limit). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XS_SPD_RULES_MAX);
	__type(key, __u32);
	__type(value, __u64);
} XS_MAP_ACQUIRE SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, XS_EVENTS_BYTES);
} XS_MAP_EVENTS SEC(".maps");

/* The selectors of one packet (RFC 4301 §4.4.1.1). */
struct xs_flow {
	__be32 saddr[4];
	__be32 daddr[4];
	__u16 sport;			/* host order; ICMP type */
	__u16 dport;			/* host order; ICMP code */
	__u8 family;			/* XS_FAMILY_V4 / XS_FAMILY_V6 */
	__u8 proto;			/* after the IPv6 extension headers */
	__u8 ports;			/* sport/dport hold the packet's ports */
	__u8 opaque;			/* ports OPAQUE: a later fragment of a
					 * protocol that has them (§7) */
	__u8 hlim;			/* IPv4 TTL / IPv6 Hop Limit */
	__u8 pad[3];
};

/*
 * Ethernet (up to XS_VLAN_MAX tags), then IPv4 or IPv6 with its extension
 * headers: fills the addresses, family and protocol of f, leaves the cursor
 * on the upper-layer header and returns its protocol number. XS_PARSE_NOT_IP
 * for other ethertypes, another XS_PARSE_* error for a malformed frame.
 */
static __always_inline int xs_flow_parse(struct xs_cursor *c, struct xs_ip *ip,
					 struct xs_flow *f)
{
	struct ipv6hdr *ip6h;
	struct iphdr *iph;
	int proto;

	proto = parse_ethhdr(c);
	if (proto < 0)
		return proto;
	if (proto == ETH_P_IP) {
		proto = parse_iphdr(c, ip, &iph);
		if (proto < 0)
			return proto;
		f->family = XS_FAMILY_V4;
		f->saddr[0] = iph->saddr;
		f->daddr[0] = iph->daddr;
		f->hlim = iph->ttl;
	} else if (proto == ETH_P_IPV6) {
		proto = parse_ipv6hdr(c, ip, &ip6h);
		if (proto < 0)
			return proto;
		f->family = XS_FAMILY_V6;
		__builtin_memcpy(f->saddr, &ip6h->saddr, 16);
		__builtin_memcpy(f->daddr, &ip6h->daddr, 16);
		f->hlim = ip6h->hop_limit;
		proto = parse_ipv6_ext(c, ip, proto);
		if (proto < 0)
			return proto;
	} else {
		return XS_PARSE_NOT_IP;
	}
	f->proto = proto;
	return proto;
}

/*
 * Ports of TCP, UDP, SCTP and UDP-Lite, or ICMP type and code, read at the
 * cursor. Non-initial fragments carry none: their ports are OPAQUE (RFC 4301
 * §4.4.1.1, §7). Returns 0, or -1 when the header that should be there is
 * cut short.
 */
static __always_inline int xs_flow_ports(struct xs_cursor *c, struct xs_ip *ip,
					 struct xs_flow *f)
{
	__u8 *l4;

	switch (f->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_SCTP:
	case IPPROTO_UDPLITE:
		if (ip->frag == XS_FRAG_LATER) {
			f->opaque = 1;
			return 0;
		}
		l4 = xs_peek(c, ip, 4);
		if (!l4)
			return -1;
		f->sport = (__u16)l4[0] << 8 | l4[1];
		f->dport = (__u16)l4[2] << 8 | l4[3];
		f->ports = 1;
		return 0;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (ip->frag == XS_FRAG_LATER) {
			f->opaque = 1;
			return 0;
		}
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

/*
 * IPv6 neighbour discovery (RFC 4861) is exempt from the SPD both ways:
 * it resolves the very link the SAs run over, and an ND message sealed
 * by the peer would reach the stack on the steer veth, where it answers
 * for the wrong interface. Only what a node would accept is exempt: ICMPv6
 * 133-137, code 0, Hop Limit 255 (§6.1, §7.1.1, §7.1.2, §8.1), not a
 * fragment (RFC 6980 §5).
 */
static __always_inline int xs_flow_is_nd(const struct xs_flow *f,
					 const struct xs_ip *ip)
{
	return f->family == XS_FAMILY_V6 && f->proto == IPPROTO_ICMPV6 &&
	       f->ports && ip->frag == XS_FRAG_NONE &&
	       f->sport >= XS_ND_TYPE_FIRST && f->sport <= XS_ND_TYPE_LAST &&
	       f->dport == 0 && f->hlim == XS_ND_HOP_LIMIT;
}

static __always_inline int xs_prefix_match(const __be32 *want, __u32 plen,
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

static __always_inline int xs_port_any(__u16 lo, __u16 hi)
{
	return lo == 0 && hi == 0xffff;
}

/*
 * One ordered search (RFC 4301 §4.4.1) through a rule list, by bpf_loop()
 * so a list may be of any length. In: the packet's selectors (local: its
 * source out, its destination in), the list, how PROTECT candidates are
 * told apart. Out: the candidates the walk met.
 */
struct xs_spd_walk {
	__be32 local[4];
	__u16 sport;
	__u16 dport;
	__u8 family;
	__u8 proto;
	__u8 ports;
	__u8 opaque;
	__u8 by_reqid;		/* inbound: PROTECT rules agree by reqid, not id */
	/* results */
	__u8 nmatch;		/* candidates met (0 or 1: saturates) */
	__u8 ambiguous;		/* candidates that disagree */
	__u8 definite;		/* stopped at a rule that definitely matches */
	__u8 error;		/* an entry or rule could not be read */
	__u8 first_action;
	__u8 pad[2];
	__u32 first;		/* rule index of the first candidate */
	__u32 first_key;	/* its policy id (out) or reqid (in) */
	__u32 start;		/* XS_MAP_SPD_ENTRIES index of the list */
};

enum xs_rule_hit {
	XS_HIT_NONE = 0,
	XS_HIT_POSSIBLE = 1,	/* addresses and protocol match, ports OPAQUE */
	XS_HIT_DEFINITE = 2,
};

static __always_inline int xs_rule_match(const struct xs_spd_rule *r,
					 const struct xs_spd_walk *w)
{
	__u32 plen = r->src_plen;

	if (r->action == XS_SPD_NONE || r->family != w->family)
		return XS_HIT_NONE;
	if (r->proto && r->proto != w->proto)
		return XS_HIT_NONE;
	if (w->family == XS_FAMILY_V4 && plen > 32)
		plen = 32;
	if (!xs_prefix_match(r->src, plen, w->local))
		return XS_HIT_NONE;
	if (xs_port_any(r->sport_lo, r->sport_hi) && xs_port_any(r->dport_lo, r->dport_hi))
		return XS_HIT_DEFINITE;
	/* RFC 4301 §7: a later fragment's ports are OPAQUE; the rule may
	 * be the one its datagram matches. */
	if (w->opaque)
		return XS_HIT_POSSIBLE;
	/* A protocol without ports matches only ANY. */
	if (!w->ports)
		return XS_HIT_NONE;
	if (w->sport >= r->sport_lo && w->sport <= r->sport_hi &&
	    w->dport >= r->dport_lo && w->dport <= r->dport_hi)
		return XS_HIT_DEFINITE;
	return XS_HIT_NONE;
}

static long xs_spd_walk_step(__u32 i, void *arg)
{
	struct xs_spd_walk *w = arg;
	__u32 slot = w->start + i, idx, key;
	struct xs_spd_rule *r;
	__u64 *e;
	int hit;

	e = bpf_map_lookup_elem(&XS_MAP_SPD_ENTRIES, &slot);
	if (!e) {
		w->error = 1;
		return 1;
	}
	idx = (__u32)*e;
	r = bpf_map_lookup_elem(&XS_MAP_SPD_RULES, &idx);
	if (!r) {
		w->error = 1;
		return 1;
	}
	hit = xs_rule_match(r, w);
	if (hit == XS_HIT_NONE)
		return 0;
	key = w->by_reqid ? r->reqid : r->policy_id;
	if (!w->nmatch) {
		w->nmatch = 1;
		w->first = idx;
		w->first_action = r->action;
		w->first_key = key;
	} else if (r->action != w->first_action ||
		   (r->action == XS_SPD_PROTECT && key != w->first_key)) {
		w->ambiguous = 1;
	}
	if (hit == XS_HIT_DEFINITE) {
		w->definite = 1;
		return 1;
	}
	return 0;
}

enum xs_spd_result {
	XS_SPD_R_DEFAULT = 0,	/* no rule: the direction's default */
	XS_SPD_R_RULE,		/* w->first decides */
	XS_SPD_R_AMBIGUOUS,	/* candidates disagree: discard (fragments) */
	XS_SPD_R_ERROR,		/* the maps could not be read: discard */
};

/* Fills the walk's packet side from f; local is f's local address. */
static __always_inline void xs_spd_walk_init(struct xs_spd_walk *w,
					     const struct xs_flow *f,
					     const __be32 *local, int by_reqid)
{
	__builtin_memcpy(w->local, local, 16);
	w->sport = f->sport;
	w->dport = f->dport;
	w->family = f->family;
	w->proto = f->proto;
	w->ports = f->ports;
	w->opaque = f->opaque;
	w->by_reqid = by_reqid;
}

/*
 * The SPD decision for the walk w (xs_spd_walk_init): the longest prefix
 * of `remote` in the direction's trie (trie_v4 / trie_v6) names the
 * ordered list; the walk stops at the first rule that definitely matches.
 * Rules that only possibly match (ports OPAQUE) are candidates too, and
 * when none definitely matched the direction's default (dflt) is one;
 * candidates that disagree make the answer AMBIGUOUS. Inlined, so the
 * trie arguments stay map references.
 */
static __always_inline int xs_spd_lookup(void *trie_v4, void *trie_v6,
					 struct xs_spd_walk *w, const __be32 *remote,
					 __u8 dflt)
{
	struct xs_spd_list *list;
	long n;

	if (w->family == XS_FAMILY_V4) {
		struct xs_lpm_v4 k = { .prefixlen = 32 };

		__builtin_memcpy(k.addr, &remote[0], 4);
		list = bpf_map_lookup_elem(trie_v4, &k);
	} else {
		struct xs_lpm_v6 k = { .prefixlen = 128 };

		__builtin_memcpy(k.addr, remote, 16);
		list = bpf_map_lookup_elem(trie_v6, &k);
	}
	if (!list || !list->count)
		return XS_SPD_R_DEFAULT;
	/* The loader never writes a longer list; one would be cut short. */
	if (list->count > XS_SPD_ENTRIES_LIVE)
		return XS_SPD_R_ERROR;
	w->start = list->start;
	n = bpf_loop(list->count, xs_spd_walk_step, w, 0);
	if (n < 0 || w->error)
		return XS_SPD_R_ERROR;
	if (!w->nmatch)
		return XS_SPD_R_DEFAULT;
	if (!w->definite && dflt != w->first_action)
		w->ambiguous = 1;
	return w->ambiguous ? XS_SPD_R_AMBIGUOUS : XS_SPD_R_RULE;
}

/* The rule a walk decided on (XS_SPD_R_RULE). */
static __always_inline struct xs_spd_rule *xs_spd_rule(const struct xs_spd_walk *w)
{
	__u32 idx = w->first;

	return bpf_map_lookup_elem(&XS_MAP_SPD_RULES, &idx);
}

/* One more packet of bytes decided by policy id. */
static __always_inline void xs_policy_count(__u32 id, __u64 bytes)
{
	xs_count(&XS_MAP_POLICY_STATS, id, bytes);
}

#endif /* XS_SPD_H */
