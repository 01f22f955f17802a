/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The BPF <-> userspace ABI of xdpsec: map names, map key/value layouts,
 * counter indexes and limits. Included by the BPF programs and the loader,
 * so both sides name and lay out every map the same way.
 *
 * Rules for this file: fixed-width __u8/__u16/__u32/__be32 types only, explicit
 * padding, a _Static_assert on every struct size, no key material anywhere.
 * See docs/bpf.md for how the maps are used.
 */
#ifndef XDPSEC_ABI_H
#define XDPSEC_ABI_H

#include <linux/types.h>

/* Turns a map-name macro into the string libbpf and bpftool know it by. */
#define XS_STR_(x) #x
#define XS_STR(x) XS_STR_(x)

/* ---------------------------------------------------------------- limits */

#define XS_WORKERS_MAX		64	/* worker threads per instance */
#define XS_QUEUES_MAX		64	/* NIC rx queues served per device */
#define XS_XSK_SLOTS		(XS_QUEUES_MAX * XS_WORKERS_MAX)
#define XS_SPI_MAX		65536	/* inbound SAs */
#define XS_SPI_FILTER_SLOTS	65536	/* xs_spi_filter entries, a power of 2 */
#define XS_SPD_PREFIXES_MAX	131072	/* trie prefixes per family and direction */
#define XS_SPD_RULES_MAX	131072	/* SPD rules (= policy ids), both directions */
/* Rule lists of the tries, all of them, one after another in the entries
 * array. The array has twice that room: a rebuild writes the new lists
 * into the half the live ones leave free (loader/spd.c). */
#define XS_SPD_ENTRIES_LIVE	(1u << 20)
#define XS_SPD_ENTRIES_MAX	(2 * XS_SPD_ENTRIES_LIVE)
#define XS_IPV6_EXT_MAX		6	/* IPv6 extension headers walked */
#define XS_VLAN_MAX		2	/* 802.1Q/802.1ad tags parsed (QinQ) */

/*
 * An AF_XDP socket only receives frames from the (device, rx queue) it is
 * bound to, so every worker owns one socket per rx queue and the XSKMAP slot
 * names both. Frames arriving on queue q for worker w go to slot
 * q * XS_WORKERS_MAX + w.
 */
#define XS_XSK_SLOT(queue, worker) ((queue) * XS_WORKERS_MAX + (worker))

/* ------------------------------------------------------------ map names */

/* xdp_ingress.bpf.c */
#define XS_MAP_SPI		xs_spi		/* HASH  xs_spi_key -> xs_spi_val */
#define XS_MAP_SPI_FILTER	xs_spi_filter	/* ARRAY slot -> SAs whose SPI is in it (mmap) */
#define XS_MAP_XSKS		xs_xsks		/* XSKMAP, XS_XSK_SLOT() -> socket */
#define XS_MAP_XDP_STATS	xs_xdp_stats	/* PERCPU_ARRAY xs_xdp_counter */
#define XS_MAP_LOCAL_ADDRS	xs_local_addrs	/* HASH xs_addr_key -> __u32 */
/* tc_egress.bpf.c */
#define XS_MAP_STEER_IFS	xs_steer_ifs	/* ARRAY worker -> steer ifindex */
#define XS_MAP_GSO_IFS		xs_gso_ifs	/* ARRAY worker -> GSO tap ifindex */
#define XS_MAP_TC_STATS		xs_tc_stats	/* PERCPU_ARRAY xs_tc_counter */
#define XS_MAP_IKE_SOCKS	xs_ike_socks	/* HASH socket cookie -> owner slot */
/* tc_inner.bpf.c */
#define XS_MAP_INNER_STATS	xs_inner_stats	/* PERCPU_ARRAY xs_inner_counter */
/*
 * The SPD and what hangs off it, declared by every object that looks it
 * up (bpf/spd.h); the loader pins every map by name, so the second and
 * third object to load reuse the maps the first one created.
 */
#define XS_MAP_SPD_V4		xs_spd_v4	/* out: LPM_TRIE xs_lpm_v4 -> xs_spd_list */
#define XS_MAP_SPD_V6		xs_spd_v6	/* out: LPM_TRIE xs_lpm_v6 -> xs_spd_list */
#define XS_MAP_SPD_IN_V4	xs_spd_in_v4	/* in: LPM_TRIE xs_lpm_v4 -> xs_spd_list */
#define XS_MAP_SPD_IN_V6	xs_spd_in_v6	/* in: LPM_TRIE xs_lpm_v6 -> xs_spd_list */
#define XS_MAP_SPD_ENTRIES	xs_spd_entries	/* ARRAY (mmap) -> __u64 rule index */
#define XS_MAP_SPD_RULES	xs_spd_rules	/* ARRAY (mmap) rule index -> xs_spd_rule */
#define XS_MAP_POLICY_STATS	xs_policy_stats	/* PERCPU_ARRAY policy id -> xs_counter */
#define XS_MAP_ACQUIRE		xs_acquire	/* ARRAY policy id -> __u64 last event ns */
#define XS_MAP_EVENTS		xs_events	/* RINGBUF of struct xs_event */
/* xdp_steer.bpf.c */
#define XS_MAP_STEER_XSKS	xs_steer_xsks	/* XSKMAP, XS_XSK_SLOT() -> socket */
#define XS_MAP_STEER_STATS	xs_steer_stats	/* PERCPU_ARRAY xs_steer_counter */

/* Read-only configuration, one struct per program, set before load. */
#define XS_CFG_XDP		xs_xdp_cfg	/* struct xs_xdp_cfg */
#define XS_CFG_TC		xs_tc_cfg	/* struct xs_tc_cfg */

/* IANA port numbers, RFC 7296 §2 and RFC 3948 §1. */
#define XS_PORT_IKE		500
#define XS_PORT_NATT		4500

/* -------------------------------------------------------------- counters */

/* One counter slot: packets and bytes (whole frame, L2 included). */
struct xs_counter {
	__u64 packets;
	__u64 bytes;
};
_Static_assert(sizeof(struct xs_counter) == 16, "xs_counter size");

/*
 * Counter tables are X-macros so userspace can print names without a second
 * list to keep in sync. Each packet bumps its verdict and exactly one reason.
 */
#define XS_XDP_COUNTERS(X)						\
	/* verdicts */							\
	X(XS_XDP_PASS,			"pass")				\
	X(XS_XDP_REDIRECT,		"redirect")			\
	X(XS_XDP_DROP,			"drop")				\
	/* why PASS */							\
	X(XS_XDP_PASS_NOT_IP,		"pass_not_ip")			\
	X(XS_XDP_PASS_NOT_IPSEC,	"pass_not_ipsec")		\
	X(XS_XDP_PASS_IKE,		"pass_ike")			\
	X(XS_XDP_PASS_FRAGMENT,		"pass_fragment")		\
	X(XS_XDP_PASS_UNKNOWN_SPI,	"pass_unknown_spi")		\
	X(XS_XDP_PASS_ND,		"pass_nd")			\
	X(XS_XDP_PASS_POLICY,		"pass_policy")			\
	/* why REDIRECT */						\
	X(XS_XDP_REDIRECT_ESP,		"redirect_esp")			\
	X(XS_XDP_REDIRECT_ESP_UDP,	"redirect_esp_udp")		\
	X(XS_XDP_REDIRECT_AH,		"redirect_ah")			\
	/* why DROP */							\
	X(XS_XDP_DROP_TRUNCATED,	"drop_truncated")		\
	X(XS_XDP_DROP_BAD_IP_HEADER,	"drop_bad_ip_header")		\
	X(XS_XDP_DROP_EXT_HDR_LIMIT,	"drop_ext_hdr_limit")		\
	X(XS_XDP_DROP_BAD_NATT,		"drop_bad_natt")		\
	X(XS_XDP_DROP_NATT_KEEPALIVE,	"drop_natt_keepalive")		\
	X(XS_XDP_DROP_UNKNOWN_SPI,	"drop_unknown_spi")		\
	X(XS_XDP_DROP_ENCAP_MISMATCH,	"drop_encap_mismatch")		\
	X(XS_XDP_DROP_BAD_SLOT,		"drop_bad_slot")		\
	X(XS_XDP_DROP_NO_SOCKET,	"drop_no_socket")		\
	X(XS_XDP_DROP_POLICY_CLEARTEXT,	"drop_policy_cleartext")	\
	X(XS_XDP_DROP_POLICY_DISCARD,	"drop_policy_discard")		\
	X(XS_XDP_DROP_VLAN_DEPTH,	"drop_vlan_depth")		\
	X(XS_XDP_DROP_NO_HEAD,		"drop_no_head")			\
	X(XS_XDP_DROP_FRAGMENT_AMBIGUOUS, "drop_fragment_ambiguous")	\
	X(XS_XDP_DROP_SPD_ERROR,	"drop_spd_error")

#define XS_TC_COUNTERS(X)						\
	/* verdicts */							\
	X(XS_TC_BYPASS,			"bypass")			\
	X(XS_TC_PROTECT,		"protect")			\
	X(XS_TC_DISCARD,		"discard")			\
	/* why BYPASS */						\
	X(XS_TC_BYPASS_NOT_IP,		"bypass_not_ip")		\
	X(XS_TC_BYPASS_IKE,		"bypass_ike")	/* a registered IKE socket */ \
	X(XS_TC_BYPASS_ND,		"bypass_nd")			\
	X(XS_TC_BYPASS_POLICY,		"bypass_policy")		\
	X(XS_TC_BYPASS_DEFAULT,		"bypass_default")		\
	/* why PROTECT */						\
	X(XS_TC_PROTECT_POLICY,		"protect_policy")		\
	/* why DISCARD */						\
	X(XS_TC_DISCARD_POLICY,		"discard_policy")		\
	X(XS_TC_DISCARD_DEFAULT,	"discard_default")		\
	X(XS_TC_DISCARD_TRUNCATED,	"discard_truncated")		\
	X(XS_TC_DISCARD_BAD_IP_HEADER,	"discard_bad_ip_header")	\
	X(XS_TC_DISCARD_EXT_HDR_LIMIT,	"discard_ext_hdr_limit")	\
	X(XS_TC_DISCARD_NO_STEER,	"discard_no_steer")		\
	X(XS_TC_DISCARD_VLAN_DEPTH,	"discard_vlan_depth")		\
	X(XS_TC_DISCARD_VLAN,		"discard_vlan")			\
	X(XS_TC_DISCARD_FRAGMENT_AMBIGUOUS, "discard_fragment_ambiguous") \
	X(XS_TC_DISCARD_NO_SA,		"discard_no_sa")		\
	X(XS_TC_DISCARD_SPD_ERROR,	"discard_spd_error")		\
	/* not reasons: counted on top of a verdict and its reason */	\
	X(XS_TC_PROTECT_GSO,		"protect_gso")	/* and to the tap */ \
	X(XS_TC_ACQUIRE,		"acquire")	/* event sent */ \
	X(XS_TC_ACQUIRE_LOST,		"acquire_lost")	/* ring full */

#define XS_STEER_COUNTERS(X)						\
	X(XS_STEER_REDIRECT,		"redirect")			\
	X(XS_STEER_DROP,		"drop")				\
	X(XS_STEER_DROP_UNTAGGED,	"drop_untagged")		\
	X(XS_STEER_DROP_BAD_SLOT,	"drop_bad_slot")		\
	X(XS_STEER_DROP_NO_SOCKET,	"drop_no_socket")

/* tc_inner: opened packets on their way into the stack (RFC 4301 §5.2
 * step 4). */
#define XS_INNER_COUNTERS(X)						\
	/* verdicts */							\
	X(XS_INNER_PASS,		"pass")				\
	X(XS_INNER_DROP,		"drop")				\
	/* why PASS */							\
	X(XS_INNER_PASS_POLICY,		"pass_policy")	/* selectors match */ \
	X(XS_INNER_PASS_LOCAL,		"pass_local")	/* the worker's own ICMP */ \
	/* why DROP */							\
	X(XS_INNER_DROP_UNTAGGED,	"drop_untagged")		\
	X(XS_INNER_DROP_NO_POLICY,	"drop_no_policy")		\
	X(XS_INNER_DROP_SELECTOR,	"drop_selector")		\
	X(XS_INNER_DROP_FRAGMENT_AMBIGUOUS, "drop_fragment_ambiguous")	\
	X(XS_INNER_DROP_NOT_IP,		"drop_not_ip")			\
	X(XS_INNER_DROP_TRUNCATED,	"drop_truncated")		\
	X(XS_INNER_DROP_BAD_IP_HEADER,	"drop_bad_ip_header")		\
	X(XS_INNER_DROP_EXT_HDR_LIMIT,	"drop_ext_hdr_limit")		\
	X(XS_INNER_DROP_SPD_ERROR,	"drop_spd_error")		\
	/* not a reason: counted on top */				\
	X(XS_INNER_AUDIT,		"audit")	/* event sent */

#define XS_ENUM_ENTRY_(name, str) name,

enum xs_xdp_counter { XS_XDP_COUNTERS(XS_ENUM_ENTRY_) XS_XDP_COUNTER_MAX };
enum xs_tc_counter { XS_TC_COUNTERS(XS_ENUM_ENTRY_) XS_TC_COUNTER_MAX };
enum xs_steer_counter { XS_STEER_COUNTERS(XS_ENUM_ENTRY_) XS_STEER_COUNTER_MAX };
enum xs_inner_counter { XS_INNER_COUNTERS(XS_ENUM_ENTRY_) XS_INNER_COUNTER_MAX };

/* -------------------------------------------------- XDP ingress (SPI map) */

/* IP protocol numbers (IANA) used as xs_spi_key.proto. */
#define XS_IPPROTO_ESP		50
#define XS_IPPROTO_AH		51

struct xs_spi_key {
	__be32 spi;		/* network order, as on the wire */
	__u8 proto;		/* XS_IPPROTO_ESP or XS_IPPROTO_AH */
	__u8 pad[3];		/* must be zero: hash keys compare every byte */
};
_Static_assert(sizeof(struct xs_spi_key) == 8, "xs_spi_key size");

/* The xs_spi_filter slot of an SPI (xs_spi_key.spi, network order as
 * loaded). The filter counts the inbound SAs per slot; a slot at 0 means
 * no SA has that SPI, and XDP drops the packet without the hash lookup. */
static inline __u32 xs_spi_filter_slot(__be32 spi)
{
	__u32 v = (__u32)spi;

	return (v ^ (v >> 16)) & (XS_SPI_FILTER_SLOTS - 1);
}

/* The SA was negotiated with UDP encapsulation (RFC 3948): its packets must
 * arrive in UDP, and packets of SAs without the flag must not. */
#define XS_SPI_F_UDP_ENCAP	(1u << 0)

struct xs_spi_val {
	__u32 worker;		/* owning worker, < XS_WORKERS_MAX */
	__u32 flags;		/* XS_SPI_F_* */
};
_Static_assert(sizeof(struct xs_spi_val) == 8, "xs_spi_val size");

/*
 * The header xdp_ingress puts in front of every frame it hands a worker
 * (bpf_xdp_adjust_head: the frame grows by these 4 octets at the front):
 * where the IP header starts, counted from the Ethernet header after it,
 * past up to XS_VLAN_MAX tags the program parsed. The worker takes the
 * outer header from there and parses no L2 of its own, so both agree on
 * every frame (docs/bpf.md, "One parser"). Host byte order. (XDP
 * metadata, bpf_xdp_adjust_meta, would be the natural place, but not
 * every kernel lets XDP programs call it; growing the head works
 * everywhere and AF_XDP delivers it in copy and zero-copy mode alike.)
 */
#define XS_XSK_HDR_MAGIC	0x5853	/* "XS" */

struct xs_xsk_hdr {
	__u16 magic;		/* XS_XSK_HDR_MAGIC */
	__u16 l3_off;		/* from the Ethernet header */
};
_Static_assert(sizeof(struct xs_xsk_hdr) == 4, "xs_xsk_hdr size");

struct xs_xdp_cfg {
	__u32 unknown_spi_pass;	/* nonzero: unknown SPI -> XDP_PASS, not drop */
	__u16 ike_port;		/* host order, XS_PORT_IKE */
	__u16 natt_port;	/* host order, XS_PORT_NATT */
};
_Static_assert(sizeof(struct xs_xdp_cfg) == 8, "xs_xdp_cfg size");

/*
 * This host's own addresses (xs_local_addrs, kept current by the daemon
 * from rtnetlink): UDP to the IKE ports passes XDP as IKE only when it is
 * addressed to one of them (RFC 7296 §2.23 / RFC 3948: IKE ends here,
 * never forwarded through). family is XS_FAMILY_V4/V6; an IPv4 address
 * takes addr[0..3], the rest zero.
 */
struct xs_addr_key {
	__u8 family;
	__u8 pad[3];
	__u8 addr[16];
};
_Static_assert(sizeof(struct xs_addr_key) == 20, "xs_addr_key size");

#define XS_LOCAL_ADDRS_MAX	4096

/* ------------------------------------------------------------------ the SPD */

/*
 * The SPD (RFC 4301 §4.4.1) is compiled (loader/spd.c) into two levels per
 * direction: an LPM trie per family whose key is the REMOTE address of a
 * packet and whose value names a list in the entries array, and the rules
 * array all directions share (a rule index is the policy id).
 *
 *   direction  trie                       key: remote address   rule: local prefix
 *   outbound   XS_MAP_SPD_V4 / _V6        packet destination    packet source
 *   inbound    XS_MAP_SPD_IN_V4 / _IN_V6  packet source         packet destination
 *
 * (Remote and Local Addresses in the sense of RFC 4301 §4.4.1.1.)
 * Outbound (tc_egress, §5.1): key = the policy's dst, rule prefix = its src.
 * Inbound (xdp_ingress for cleartext, §5.2 step 3; tc_inner for opened
 * packets, §5.2 step 4): a `dir in` policy reads like ip xfrm's, `src
 * REMOTE dst LOCAL`, so key = the policy's src and rule prefix = its dst.
 * Ports and the protocol are as the packet carries them in both
 * directions.
 */
enum xs_spd_action {
	XS_SPD_NONE = 0,	/* unused rule slot: never matches */
	XS_SPD_BYPASS = 1,
	XS_SPD_DISCARD = 2,
	XS_SPD_PROTECT = 3,	/* outbound: seal; inbound: only in an SA of its reqid */
};

/* LPM trie keys: prefixlen in bits, then the address in network order. */
struct xs_lpm_v4 {
	__u32 prefixlen;
	__u8 addr[4];
};
_Static_assert(sizeof(struct xs_lpm_v4) == 8, "xs_lpm_v4 size");

struct xs_lpm_v6 {
	__u32 prefixlen;
	__u8 addr[16];
};
_Static_assert(sizeof(struct xs_lpm_v6) == 20, "xs_lpm_v6 size");

/*
 * What a trie yields for a remote prefix: entries [start, start + count)
 * of XS_MAP_SPD_ENTRIES, the indexes of every rule of that direction that
 * can match a remote address inside the prefix, in the SPD's order,
 * including those of shorter covering prefixes (userspace decorrelates,
 * RFC 4301 §4.4.1). Lists are written before a trie value names them and
 * rewritten copy-on-write, so a lookup never meets a half-written one.
 * Any length: the walk is a bpf_loop().
 */
struct xs_spd_list {
	__u32 start;
	__u32 count;
};
_Static_assert(sizeof(struct xs_spd_list) == 8, "xs_spd_list size");

#define XS_FAMILY_V4		4
#define XS_FAMILY_V6		6

/* A PROTECT rule without an SA (a trap): outbound, its packets are
 * dropped (discard_no_sa) and reported as acquire events, inbound
 * nothing is accepted for it. */
#define XS_SPD_RULE_F_NO_SA	(1u << 0)

/*
 * One SPD rule's remaining selectors (RFC 4301 §4.4.1.1) and its action.
 * `src`/`src_plen` is the LOCAL prefix, matched against the packet's
 * source address in an outbound rule and against its destination address
 * in an inbound rule (see the table above; the name is the outbound one).
 * Ports are host order, inclusive ranges, as the packet carries them;
 * 0..65535 is ANY. For ICMP/ICMPv6 the source range holds the message
 * type and the destination range the code, as Linux xfrm selectors do.
 * A packet whose ports are OPAQUE (a non-initial fragment, RFC 4301 §7)
 * matches a rule with ANY ports and possibly matches one with port ranges
 * (docs/bpf.md, "Fragments"). Protocols without ports match only ANY.
 */
struct xs_spd_rule {
	__be32 src[4];		/* local prefix (host bits zero); IPv4 uses src[0] */
	__u8 src_plen;		/* 0 = any local address */
	__u8 family;		/* XS_FAMILY_V4 / XS_FAMILY_V6 */
	__u8 proto;		/* next layer protocol, 0 = any */
	__u8 action;		/* enum xs_spd_action */
	__u16 sport_lo;
	__u16 sport_hi;
	__u16 dport_lo;
	__u16 dport_hi;
	__u32 policy_id;	/* = the rule index; handed to the worker in the tag */
	__u32 worker;		/* PROTECT out: the worker that seals */
	__u32 reqid;		/* PROTECT in: the SAs whose packets it accepts */
	__u32 flags;		/* XS_SPD_RULE_F_* */
};
_Static_assert(sizeof(struct xs_spd_rule) == 44, "xs_spd_rule size");

struct xs_tc_cfg {
	__u8 default_action;	/* XS_SPD_BYPASS (default) or XS_SPD_DISCARD */
	__u8 pad[7];
};
_Static_assert(sizeof(struct xs_tc_cfg) == 8, "xs_tc_cfg size");

/* IKE sockets one daemon registers at most (XS_MAP_IKE_SOCKS). */
#define XS_IKE_SOCKS_MAX	256

/*
 * The steer tag. PROTECT frames leave tc_egress with their Ethernet source
 * address replaced by this tag; xdp_steer reads the worker from it and the
 * worker reads the policy id. The first octet reads as a locally
 * administered unicast address (IEEE 802: I/G bit clear, U/L bit set), so
 * nothing on the way takes the tagged frame for a multicast source.
 */
#define XS_STEER_MAGIC		0x5a

struct xs_steer_tag {
	__u8 magic;		/* XS_STEER_MAGIC */
	__u8 worker;		/* < XS_WORKERS_MAX */
	__be32 policy_id;	/* xs_spd_rule.policy_id, network order */
} __attribute__((packed));
_Static_assert(sizeof(struct xs_steer_tag) == 6, "xs_steer_tag size");

/*
 * The inner tag, the other way: a worker writes it into the Ethernet
 * source address of every frame it hands the stack (steer veth or tap),
 * and tc_inner, on their ingress, reads it. OPENED frames carry the reqid
 * of the SA that opened them, and their inner header must then match a
 * `dir in` PROTECT rule of that reqid (RFC 4301 §5.2 step 4); LOCAL frames
 * are the worker's own ICMP errors (RFC 4301 §8.2.1, packet too big) and
 * pass. Locally administered unicast, like the steer tag, and neither
 * XS_STEER_MAGIC nor the steer veths' own 0x02.
 */
#define XS_INNER_MAGIC		0x6a

enum xs_inner_kind {
	XS_INNER_OPENED = 1,
	XS_INNER_LOCAL = 2,
};

struct xs_inner_tag {
	__u8 magic;		/* XS_INNER_MAGIC */
	__u8 kind;		/* enum xs_inner_kind */
	__be32 reqid;		/* OPENED: the SA's reqid, network order */
} __attribute__((packed));
_Static_assert(sizeof(struct xs_inner_tag) == 6, "xs_inner_tag size");

/* ------------------------------------------------------------------ events */

/*
 * Records of XS_MAP_EVENTS, a ring buffer the daemon reads:
 *  ACQUIRE   tc_egress met a PROTECT rule without an SA (a trap), at most
 *            once a second per policy (XS_MAP_ACQUIRE holds the time);
 *            the daemon turns it into XS_CTL_EV_ACQUIRE.
 *  SELECTOR  tc_inner dropped an opened packet whose inner header the SA
 *            may not carry (RFC 4301 §5.2: an auditable event), at most
 *            one per XS_AUDIT_GAP_NS in all; the daemon logs it.
 * Addresses network order (IPv4 in the first 4 octets), ports host order.
 */
enum xs_event_type {
	XS_EV_ACQUIRE = 1,
	XS_EV_SELECTOR = 2,
};

#define XS_EVENTS_BYTES		(256u * 1024)	/* ring buffer size */
#define XS_ACQUIRE_GAP_NS	1000000000ull	/* per policy */
#define XS_AUDIT_GAP_NS		10000000ull	/* between audit records */

struct xs_event {
	__u8 type;		/* enum xs_event_type */
	__u8 family;		/* XS_FAMILY_V4 / XS_FAMILY_V6 */
	__u8 proto;
	__u8 ports;		/* sport/dport are meaningful */
	__u32 policy_id;	/* ACQUIRE: the trap; SELECTOR: deciding rule or ~0 */
	__u32 reqid;		/* SELECTOR: the SA's */
	__u16 sport;
	__u16 dport;
	__u8 src[16];
	__u8 dst[16];
};
_Static_assert(sizeof(struct xs_event) == 48, "xs_event size");

#endif /* XDPSEC_ABI_H */
