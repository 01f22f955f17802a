/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The SPD lookup both directions share (BPF side only): a packet's
 * selectors (RFC 4301 §4.4.1.1), reading its ports, the ND exemption, and
 * the walk of an ordered rule list. tc_egress looks up the outbound tries by
 * destination, xdp_ingress the inbound tries by source; the rules array is
 * one map both objects declare here (include/xdpsec/abi.h has the layout
 * and the per-direction meaning of the fields).
 */
#ifndef XS_SPD_H
#define XS_SPD_H

#include "parsing.h"

#ifndef IPPROTO_ICMPV6
#define IPPROTO_ICMPV6		58
#endif

/* RFC 4861 §4: RS 133, RA 134, NS 135, NA 136, Redirect 137. */
#define XS_ND_TYPE_FIRST	133
#define XS_ND_TYPE_LAST		137
#define XS_ND_HOP_LIMIT		255

/*
 * One map, pinned by name: whichever of xdp_ingress and tc_egress loads
 * second reuses the one the first created (same type, sizes and flags).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XS_SPD_RULES_MAX);
	__type(key, __u32);
	__type(value, struct xs_spd_rule);
} XS_MAP_SPD_RULES SEC(".maps");

/* The selectors of one packet (RFC 4301 §4.4.1.1). */
struct xs_flow {
	__be32 saddr[4];
	__be32 daddr[4];
	__u16 sport;			/* host order; ICMP type */
	__u16 dport;			/* host order; ICMP code */
	__u8 family;			/* XS_FAMILY_V4 / XS_FAMILY_V6 */
	__u8 proto;			/* after the IPv6 extension headers */
	__u8 ports;			/* 0: ports OPAQUE or not applicable */
	__u8 hlim;			/* IPv4 TTL / IPv6 Hop Limit */
};

/*
 * Ethernet (one VLAN tag at most), then IPv4 or IPv6 with its extension
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

/* local: the packet's local address (source out, destination in). */
static __always_inline int xs_rule_match(const struct xs_spd_rule *r,
					 const struct xs_flow *f,
					 const __be32 *local)
{
	__u32 plen = r->src_plen;

	if (r->action == XS_SPD_NONE || r->family != f->family)
		return 0;
	if (r->proto && r->proto != f->proto)
		return 0;
	if (f->family == XS_FAMILY_V4 && plen > 32)
		plen = 32;
	if (!xs_prefix_match(r->src, plen, local))
		return 0;
	/* Without ports only ANY matches the port selectors. */
	if (!f->ports)
		return xs_port_any(r->sport_lo, r->sport_hi) &&
		       xs_port_any(r->dport_lo, r->dport_hi);
	return f->sport >= r->sport_lo && f->sport <= r->sport_hi &&
	       f->dport >= r->dport_lo && f->dport <= r->dport_hi;
}

/*
 * The SPD decision for f: the longest prefix of `remote` in the direction's
 * trie (trie_v4 / trie_v6) gives the ordered rules; the first one matching
 * `local`, the protocol and the ports wins. NULL: no prefix or no rule
 * matched. Inlined, so the trie arguments stay map references.
 */
static __always_inline struct xs_spd_rule *
xs_spd_lookup(void *trie_v4, void *trie_v6, const struct xs_flow *f,
	      const __be32 *remote, const __be32 *local)
{
	struct xs_spd_list *list;
	struct xs_spd_rule *r;
	__u32 i, idx;

	if (f->family == XS_FAMILY_V4) {
		struct xs_lpm_v4 k = { .prefixlen = 32 };

		__builtin_memcpy(k.addr, &remote[0], 4);
		list = bpf_map_lookup_elem(trie_v4, &k);
	} else {
		struct xs_lpm_v6 k = { .prefixlen = 128 };

		__builtin_memcpy(k.addr, remote, 16);
		list = bpf_map_lookup_elem(trie_v6, &k);
	}
	if (!list)
		return NULL;
	for (i = 0; i < XS_SPD_LIST_MAX; i++) {
		if (i >= list->count)
			break;
		idx = list->rule[i];
		r = bpf_map_lookup_elem(&XS_MAP_SPD_RULES, &idx);
		if (r && xs_rule_match(r, f, local))
			return r;
	}
	return NULL;
}

#endif /* XS_SPD_H */
