/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Header parsing for the xdpsec BPF programs (BPF side only).
 *
 * A cursor walks the frame; each parse_<hdr>() checks its header against the
 * end of the frame and against the length the IP header declared, advances
 * the cursor past it, and returns the next protocol (ethertype, IP protocol
 * number) or a negative XS_PARSE_* error. Works for XDP and TC alike: the
 * caller seeds the cursor from ctx->data / ctx->data_end.
 */
#ifndef XS_PARSING_H
#define XS_PARSING_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include <xdpsec/abi.h>

enum xs_parse_err {
	XS_PARSE_TRUNC = -1,		/* header runs past the frame or datagram */
	XS_PARSE_BAD = -2,		/* header fields are invalid */
	XS_PARSE_EXT_LIMIT = -3,	/* more than XS_IPV6_EXT_MAX ext headers */
	XS_PARSE_NOT_IP = -4,		/* neither IPv4 nor IPv6 (spd.h) */
	XS_PARSE_VLAN_DEPTH = -5,	/* more than XS_VLAN_MAX VLAN tags */
};

enum xs_frag {
	XS_FRAG_NONE = 0,
	XS_FRAG_FIRST,			/* offset 0, more fragments follow */
	XS_FRAG_LATER,			/* offset > 0: no upper-layer header */
};

struct xs_cursor {
	void *pos;
	void *end;		/* end of the bytes the program can read */
	void *start;		/* first byte of the frame */
	__u32 wire;		/* frame length on the wire; TC may read less
				 * (non-linear skbs), XDP reads it all */
	__u32 l3;		/* where the IP header starts (parse_ethhdr) */
};

/* What the IP layer told us about the datagram being walked. */
struct xs_ip {
	__u32 left;			/* datagram bytes from the cursor on */
	__u8 frag;			/* enum xs_frag */
	__u8 pad[3];
};

/* 802.1Q / 802.1ad tag; not in the uapi headers. */
struct xs_vlan_hdr {
	__be16 tci;
	__be16 proto;
};

/* IPv6 Fragment header, RFC 8200 §4.5; not in the uapi headers. */
struct xs_frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;		/* offset << 3 | M */
	__be32 ident;
};

#define XS_IP_MF		0x2000	/* RFC 791 §3.1 flags: More Fragments */
#define XS_IP_OFFSET		0x1fff	/* RFC 791 §3.1 fragment offset */
#define XS_IP6_OFFSET		0xfff8	/* RFC 8200 §4.5 fragment offset */
#define XS_IP6_MF		0x0001	/* RFC 8200 §4.5 M flag */

static __always_inline int xs_is_vlan(__u16 proto)
{
	return proto == ETH_P_8021Q || proto == ETH_P_8021AD;
}

/*
 * Ethernet II plus up to XS_VLAN_MAX 802.1Q/802.1ad tags (IEEE 802.1Q
 * §9.5: a C-tag, or an S-tag and a C-tag as QinQ stacks them); returns
 * the ethertype after them and sets c->l3. A deeper stack is refused:
 * nothing here can say what it carries, and neither could the worker.
 */
static __always_inline int parse_ethhdr(struct xs_cursor *c)
{
	struct ethhdr *eth = c->pos;
	struct xs_vlan_hdr *vlan;
	__u16 proto;
	int i;

	if ((void *)(eth + 1) > c->end)
		return XS_PARSE_TRUNC;
	c->pos = eth + 1;
	proto = bpf_ntohs(eth->h_proto);
	for (i = 0; i < XS_VLAN_MAX; i++) {
		if (!xs_is_vlan(proto))
			break;
		vlan = c->pos;
		if ((void *)(vlan + 1) > c->end)
			return XS_PARSE_TRUNC;
		c->pos = vlan + 1;
		proto = bpf_ntohs(vlan->proto);
	}
	if (xs_is_vlan(proto))
		return XS_PARSE_VLAN_DEPTH;
	c->l3 = (__u32)(c->pos - c->start);
	return proto;
}

/* IPv4 header, RFC 791 §3.1; returns the protocol number. */
static __always_inline int parse_iphdr(struct xs_cursor *c, struct xs_ip *ip,
				       struct iphdr **iphp)
{
	struct iphdr *iph = c->pos;
	__u32 hlen, tot;
	__u16 frag;

	if ((void *)(iph + 1) > c->end)
		return XS_PARSE_TRUNC;
	/* IHL counts 32-bit words and a header has at least five. */
	if (iph->version != 4 || iph->ihl < 5)
		return XS_PARSE_BAD;
	hlen = iph->ihl * 4;
	tot = bpf_ntohs(iph->tot_len);
	/* Total Length covers header and data. */
	if (tot < hlen)
		return XS_PARSE_BAD;
	/* Frames may carry link padding after the datagram, never less. */
	if ((__u32)(c->pos - c->start) + tot > c->wire)
		return XS_PARSE_TRUNC;

	frag = bpf_ntohs(iph->frag_off);
	if (frag & XS_IP_OFFSET)
		ip->frag = XS_FRAG_LATER;
	else if (frag & XS_IP_MF)
		ip->frag = XS_FRAG_FIRST;
	else
		ip->frag = XS_FRAG_NONE;

	ip->left = tot - hlen;
	c->pos += hlen;
	if (iphp)
		*iphp = iph;
	return iph->protocol;
}

/* IPv6 fixed header, RFC 8200 §3; returns the Next Header value. */
static __always_inline int parse_ipv6hdr(struct xs_cursor *c, struct xs_ip *ip,
					 struct ipv6hdr **ip6hp)
{
	struct ipv6hdr *ip6h = c->pos;
	__u32 plen;

	if ((void *)(ip6h + 1) > c->end)
		return XS_PARSE_TRUNC;
	if (ip6h->version != 6)
		return XS_PARSE_BAD;
	/*
	 * Payload Length counts everything after the fixed header. Zero means
	 * a Jumbo Payload (RFC 2675), which no Ethernet link carries: with
	 * left == 0 every upper-layer header below fails its length check.
	 */
	plen = bpf_ntohs(ip6h->payload_len);
	if ((__u32)((void *)(ip6h + 1) - c->start) + plen > c->wire)
		return XS_PARSE_TRUNC;

	ip->left = plen;
	ip->frag = XS_FRAG_NONE;
	c->pos = ip6h + 1;
	if (ip6hp)
		*ip6hp = ip6h;
	return ip6h->nexthdr;
}

static __always_inline int xs_ipv6_is_ext(int nexthdr)
{
	return nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING ||
	       nexthdr == IPPROTO_DSTOPTS || nexthdr == IPPROTO_FRAGMENT;
}

/*
 * Walks at most XS_IPV6_EXT_MAX Hop-by-Hop, Routing, Destination Options and
 * Fragment headers (RFC 8200 §4) and returns the first other Next Header
 * value (an upper-layer protocol, or AH/ESP). A longer chain is refused:
 * RFC 8883 lets a node discard what exceeds its processing limits.
 */
static __always_inline int parse_ipv6_ext(struct xs_cursor *c, struct xs_ip *ip,
					  int nexthdr)
{
	struct ipv6_opt_hdr *opt;
	struct xs_frag_hdr *fh;
	__u32 len;
	__u16 off;
	int i;

	for (i = 0; i < XS_IPV6_EXT_MAX; i++) {
		switch (nexthdr) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			opt = c->pos;
			if ((void *)(opt + 1) > c->end)
				return XS_PARSE_TRUNC;
			/* RFC 8200 §4.3, §4.4, §4.6: Hdr Ext Len is in 8-octet
			 * units, not counting the first 8 octets. */
			len = (opt->hdrlen + 1) * 8;
			if (len > ip->left || c->pos + len > c->end)
				return XS_PARSE_TRUNC;
			nexthdr = opt->nexthdr;
			break;
		case IPPROTO_FRAGMENT:
			fh = c->pos;
			len = sizeof(*fh);
			if ((void *)(fh + 1) > c->end || len > ip->left)
				return XS_PARSE_TRUNC;
			nexthdr = fh->nexthdr;
			off = bpf_ntohs(fh->frag_off);
			if (off & XS_IP6_OFFSET) {
				/*
				 * RFC 8200 §4.5: a non-first fragment carries
				 * only fragment data; Next Header still names
				 * the first header of the fragmentable part.
				 */
				ip->frag = XS_FRAG_LATER;
				c->pos += len;
				ip->left -= len;
				return nexthdr;
			}
			/* Offset 0 and M clear is an atomic fragment, processed
			 * as a whole packet (RFC 6946 §4). */
			if (off & XS_IP6_MF)
				ip->frag = XS_FRAG_FIRST;
			break;
		default:
			return nexthdr;
		}
		c->pos += len;
		ip->left -= len;
	}
	if (xs_ipv6_is_ext(nexthdr))
		return XS_PARSE_EXT_LIMIT;
	return nexthdr;
}

/* Makes sure the next len bytes are in the frame and in the datagram. */
static __always_inline void *xs_peek(struct xs_cursor *c, struct xs_ip *ip,
				     __u32 len)
{
	void *p = c->pos;

	if (len > ip->left || p + len > c->end)
		return NULL;
	return p;
}

#endif /* XS_PARSING_H */
