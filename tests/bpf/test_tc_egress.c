// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The egress path under BPF_PROG_TEST_RUN: tc_egress.bpf.o classifying
 * crafted packets against a small SPD (verdict, counters, the steer tag
 * written into the frame), and xdp_steer.bpf.o handing tagged frames to a
 * worker's AF_XDP socket, including a frame tc_egress itself tagged.
 *
 * Needs root (loads BPF, creates an AF_XDP socket in a private netns).
 */
#include <sched.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <linux/pkt_cls.h>

#include "xs_bpf_test.h"

#define IP_ESP		50
#define IP_AH		51
#define IP_UDP		17
#define IP_TCP		6
#define IP_ICMP		1
#define IP6_HOP		0
#define IP6_FRAG	44
#define IP6_DSTOPTS	60
#define IP6_ICMP	58

#define A4(a, b, c, d)	((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

/* Outbound addresses: the protected site is 10.1.0.0/16. */
#define SRC_LAN		A4(192, 0, 2, 1)
#define SRC_OTHER	A4(203, 0, 113, 1)
#define DST_SITE	A4(10, 1, 5, 5)
#define DST_NO_STEER	A4(10, 1, 2, 1)
#define DST_BAD_WORKER	A4(10, 1, 3, 1)
#define DST_EMPTY_LIST	A4(10, 9, 1, 1)
#define DST_LONG_LIST	A4(10, 8, 1, 1)
#define DST_NOWHERE	A4(172, 16, 0, 1)

/* Policy ids handed to workers */
#define POLICY_SITE	100
#define POLICY_SITE6	200
#define POLICY_UDP_RANGE 300

/* Steer veth ifindexes; test runs never really redirect. */
#define IFINDEX_W0	101
#define IFINDEX_W1	102
#define IFINDEX_TAP0	103

static const uint8_t v6_lan[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, [15] = 1 };
static const uint8_t v6_site[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 5 };
static const uint8_t v6_elsewhere[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 1 };
static const uint8_t v6_frag_site[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 5, [15] = 5 };

static const char *const tc_names[] = {
#define XS_NAME_(name, str) str,
	XS_TC_COUNTERS(XS_NAME_)
};
static const char *const steer_names[] = {
	XS_STEER_COUNTERS(XS_NAME_)
#undef XS_NAME_
};

static struct {
	struct bpf_object *tc;		/* default action BYPASS */
	struct bpf_object *tc_closed;	/* default action DISCARD */
	struct bpf_object *steer;
	struct xs_test_xsk xsk;
} fx;

/* ------------------------------------------------------------ the SPD */

enum {
	R_SITE_ANY,		/* v4 any -> PROTECT site, worker 0 */
	R_SSH_FROM_LAN,		/* v4 192.0.2.0/24 tcp/22 -> BYPASS */
	R_UDP_LOW,		/* v4 udp/0-1023 -> DISCARD */
	R_PING,			/* v4 icmp echo request -> DISCARD */
	R_UDP_RANGE,		/* v4 udp/1000-2000 -> PROTECT, policy 300 */
	R_EMPTY,		/* unused slot */
	R_NO_STEER,		/* v4 -> PROTECT by worker 2 (no veth) */
	R_BAD_WORKER,		/* v4 -> PROTECT by worker 64 */
	R_SITE6_ANY,		/* v6 any -> PROTECT site6, worker 1 */
	R_HTTP6,		/* v6 tcp/80-89 -> BYPASS */
	R_WRONG_FAMILY,		/* a v4 rule in a v6 list: never matches */
	R_UDP_5000,		/* v4 udp/5000 -> PROTECT, policy 500 (issue 8, 3) */
	R_UDP6_5000,		/* v6 udp/5000 -> PROTECT, policy 600 */
	R_DISCARD_ANY,		/* v4 any -> DISCARD */
};

static struct xs_spd_rule rule(uint8_t family, uint8_t action, uint8_t proto,
			       uint16_t dlo, uint16_t dhi)
{
	struct xs_spd_rule r = {
		.family = family,
		.action = action,
		.proto = proto,
		.sport_lo = 0, .sport_hi = 0xffff,
		.dport_lo = dlo, .dport_hi = dhi,
	};
	return r;
}

static int put_rule(struct bpf_object *obj, __u32 idx, struct xs_spd_rule r)
{
	return bpf_map_update_elem(xs_map_fd(obj, XS_STR(XS_MAP_SPD_RULES)),
				   &idx, &r, BPF_ANY);
}

static int put_v4(struct bpf_object *obj, uint32_t addr, uint32_t plen,
		  const uint32_t *ids, uint32_t n)
{
	struct xs_lpm_v4 k = { .prefixlen = plen };
	uint32_t be = htonl(addr);

	memcpy(k.addr, &be, 4);
	return xs_put_list(obj, XS_STR(XS_MAP_SPD_V4), &k, ids, n);
}

static int put_v6(struct bpf_object *obj, const uint8_t addr[16], uint32_t plen,
		  const uint32_t *ids, uint32_t n)
{
	struct xs_lpm_v6 k = { .prefixlen = plen };

	memcpy(k.addr, addr, 16);
	return xs_put_list(obj, XS_STR(XS_MAP_SPD_V6), &k, ids, n);
}

#define LIST(...) (const uint32_t[]){ __VA_ARGS__ }, \
	sizeof((const uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t)

static int fill_spd(struct bpf_object *obj)
{
	struct xs_spd_rule r;
	struct xs_spd_list huge = { 0, XS_SPD_ENTRIES_LIVE + 1 };
	struct xs_spd_list outside = { XS_SPD_ENTRIES_MAX, 1 };
	struct xs_lpm_v4 k = { .prefixlen = 16 };
	uint32_t *many;
	__u32 ifindex, worker;
	int i, err = 0;

	r = rule(XS_FAMILY_V4, XS_SPD_PROTECT, 0, 0, 0xffff);
	r.policy_id = POLICY_SITE;
	r.worker = 0;
	err |= put_rule(obj, R_SITE_ANY, r);

	r = rule(XS_FAMILY_V4, XS_SPD_BYPASS, IP_TCP, 22, 22);
	r.src[0] = htonl(A4(192, 0, 2, 0));
	r.src_plen = 24;
	err |= put_rule(obj, R_SSH_FROM_LAN, r);

	err |= put_rule(obj, R_UDP_LOW, rule(XS_FAMILY_V4, XS_SPD_DISCARD, IP_UDP, 0, 1023));

	/* ICMP: type in the source range, code in the destination range. */
	r = rule(XS_FAMILY_V4, XS_SPD_DISCARD, IP_ICMP, 0, 0);
	r.sport_lo = r.sport_hi = 8;
	err |= put_rule(obj, R_PING, r);

	r = rule(XS_FAMILY_V4, XS_SPD_PROTECT, IP_UDP, 1000, 2000);
	r.policy_id = POLICY_UDP_RANGE;
	err |= put_rule(obj, R_UDP_RANGE, r);

	r = rule(XS_FAMILY_V4, XS_SPD_PROTECT, 0, 0, 0xffff);
	r.policy_id = 1;
	r.worker = 2;
	err |= put_rule(obj, R_NO_STEER, r);
	r.worker = XS_WORKERS_MAX;
	err |= put_rule(obj, R_BAD_WORKER, r);

	r = rule(XS_FAMILY_V6, XS_SPD_PROTECT, 0, 0, 0xffff);
	r.policy_id = POLICY_SITE6;
	r.worker = 1;
	err |= put_rule(obj, R_SITE6_ANY, r);

	err |= put_rule(obj, R_HTTP6, rule(XS_FAMILY_V6, XS_SPD_BYPASS, IP_TCP, 80, 89));
	err |= put_rule(obj, R_WRONG_FAMILY, rule(XS_FAMILY_V4, XS_SPD_DISCARD, 0, 0, 0xffff));

	err |= put_v4(obj, A4(10, 1, 0, 0), 16,
		      LIST(R_SSH_FROM_LAN, R_UDP_LOW, R_PING, R_UDP_RANGE, R_SITE_ANY));
	err |= put_v4(obj, A4(10, 1, 2, 0), 24, LIST(R_EMPTY, R_NO_STEER));
	err |= put_v4(obj, A4(10, 1, 3, 0), 24, LIST(R_BAD_WORKER));
	err |= put_v4(obj, A4(10, 9, 0, 0), 16, NULL, 0);
	err |= put_v6(obj, v6_site, 48, LIST(R_WRONG_FAMILY, R_HTTP6, R_SITE6_ANY));
	/* Only a port rule: a later fragment may belong to its flow. */
	r = rule(XS_FAMILY_V4, XS_SPD_PROTECT, IP_UDP, 5000, 5000);
	r.policy_id = 500;
	err |= put_rule(obj, R_UDP_5000, r);
	r = rule(XS_FAMILY_V6, XS_SPD_PROTECT, IP_UDP, 5000, 5000);
	r.policy_id = 600;
	err |= put_rule(obj, R_UDP6_5000, r);
	err |= put_rule(obj, R_DISCARD_ANY, rule(XS_FAMILY_V4, XS_SPD_DISCARD, 0, 0, 0xffff));
	err |= put_v4(obj, A4(10, 5, 0, 0), 16, LIST(R_UDP_5000));
	err |= put_v6(obj, v6_frag_site, 48, LIST(R_UDP6_5000));
	/* Candidates that agree: a port rule and an ANY rule, both DISCARD. */
	err |= put_v4(obj, A4(10, 4, 0, 0), 16, LIST(R_UDP_LOW, R_DISCARD_ANY));
	/* A port rule alone that agrees with the closed default. */
	err |= put_v4(obj, A4(10, 3, 128, 0), 17, LIST(R_UDP_LOW));
	/* A long list (far more than the 16 rules lists once held), the
	 * match at its end: nothing is cut off. */
	many = calloc(5000, sizeof(*many));
	if (!many)
		return -1;
	for (i = 0; i < 4999; i++)
		many[i] = R_UDP_LOW;
	many[4999] = R_SITE_ANY;
	err |= put_v4(obj, A4(10, 8, 0, 0), 16, many, 5000);
	free(many);
	/* Values no loader writes: a list longer than the lists can be, and
	 * one running off the end of the array. Both fail closed. */
	memcpy(k.addr, (uint8_t[]){ 10, 7, 0, 0 }, 4);
	err |= bpf_map_update_elem(xs_map_fd(obj, XS_STR(XS_MAP_SPD_V4)), &k, &huge, BPF_ANY);
	memcpy(k.addr, (uint8_t[]){ 10, 6, 0, 0 }, 4);
	err |= bpf_map_update_elem(xs_map_fd(obj, XS_STR(XS_MAP_SPD_V4)), &k, &outside, BPF_ANY);

	worker = 0;
	ifindex = IFINDEX_W0;
	err |= bpf_map_update_elem(xs_map_fd(obj, XS_STR(XS_MAP_STEER_IFS)),
				   &worker, &ifindex, BPF_ANY);
	worker = 1;
	ifindex = IFINDEX_W1;
	err |= bpf_map_update_elem(xs_map_fd(obj, XS_STR(XS_MAP_STEER_IFS)),
				   &worker, &ifindex, BPF_ANY);
	/* Worker 0 has a GSO tap, worker 1 none. */
	worker = 0;
	ifindex = IFINDEX_TAP0;
	err |= bpf_map_update_elem(xs_map_fd(obj, XS_STR(XS_MAP_GSO_IFS)),
				   &worker, &ifindex, BPF_ANY);
	return err;
}

/* --------------------------------------------------------- the frames */

static void v4(struct pkt *p, uint8_t proto, uint32_t src, uint32_t dst)
{
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4_addrs(p, proto, 0, src, dst);
}

static void v4_tcp(struct pkt *p, uint32_t src, uint32_t dst, uint16_t dport)
{
	v4(p, IP_TCP, src, dst);
	pkt_tcp(p, 40000, dport);
	pkt_fill(p, 0x61, 32);
	pkt_finish(p);
}

static void v4_udp(struct pkt *p, uint32_t dst, uint16_t sport, uint16_t dport)
{
	v4(p, IP_UDP, SRC_LAN, dst);
	pkt_udp(p, sport, dport);
	pkt_fill(p, 0x62, 32);
	pkt_finish(p);
}

static void v6_tcp(struct pkt *p, const uint8_t *dst, uint16_t dport)
{
	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6_addrs(p, IP_TCP, v6_lan, dst);
	pkt_tcp(p, 40000, dport);
	pkt_finish(p);
}

static void b_arp(struct pkt *p)
{
	pkt_eth(p, ETH_P_ARP);
	pkt_fill(p, 0, 28);
}

static void b_vlan_truncated(struct pkt *p) { pkt_eth(p, ETH_P_8021Q); }

static void b_v4_ihl4(struct pkt *p)
{
	v4_tcp(p, SRC_LAN, DST_SITE, 443);
	p->b[p->l3] = 0x44;
}

/*
 * The kernel refuses to test-run an ETH_P_IP frame shorter than an IPv4
 * header (-EINVAL), so the short header hides behind a VLAN tag.
 */
static void b_v4_truncated(struct pkt *p)
{
	pkt_eth(p, ETH_P_8021Q);
	pkt_vlan(p, 7, ETH_P_IP);
	pkt_fill(p, 0x45, 12);
}

static void b_v6_truncated(struct pkt *p)
{
	pkt_eth(p, ETH_P_8021Q);
	pkt_vlan(p, 7, ETH_P_IPV6);
	pkt_fill(p, 0x60, 30);
}

static void b_v4_tcp_truncated(struct pkt *p)
{
	v4(p, IP_TCP, SRC_LAN, DST_SITE);
	pkt_bytes(p, "\x9c\x40", 2);
	pkt_finish(p);
	pkt_pad_to(p, 60);
}

static void b_v6_ext_over_limit(struct pkt *p)
{
	int i;

	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6_addrs(p, IP6_HOP, v6_lan, v6_site);
	for (i = 0; i <= XS_IPV6_EXT_MAX; i++)
		pkt_ipv6_opt(p, i == XS_IPV6_EXT_MAX ? IP_TCP : IP6_DSTOPTS, 0);
	pkt_tcp(p, 40000, 443);
	pkt_finish(p);
}

static void b_v4_esp(struct pkt *p)
{
	v4(p, IP_ESP, SRC_LAN, DST_SITE);
	pkt_esp(p, 0x1000, 1, 48);
	pkt_finish(p);
}

static void b_v4_ah(struct pkt *p)
{
	v4(p, IP_AH, SRC_LAN, DST_SITE);
	pkt_ah(p, IP_TCP, 0x3000, 20);
	pkt_finish(p);
}

static void b_v6_esp(struct pkt *p)
{
	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6_addrs(p, IP_ESP, v6_lan, v6_site);
	pkt_esp(p, 0x1000, 1, 48);
	pkt_finish(p);
}

static void b_ike_500(struct pkt *p) { v4_udp(p, DST_SITE, 500, 500); }
static void b_ike_4500_sport(struct pkt *p) { v4_udp(p, DST_SITE, 4500, 33000); }
static void b_natt_esp(struct pkt *p) { v4_udp(p, DST_SITE, 33000, 4500); }
static void b_site_https(struct pkt *p) { v4_tcp(p, SRC_LAN, DST_SITE, 443); }
static void b_site_ssh_lan(struct pkt *p) { v4_tcp(p, SRC_LAN, DST_SITE, 22); }
static void b_site_ssh_other(struct pkt *p) { v4_tcp(p, SRC_OTHER, DST_SITE, 22); }
static void b_site_dns(struct pkt *p) { v4_udp(p, DST_SITE, 40000, 53); }
static void b_site_udp_1500(struct pkt *p) { v4_udp(p, DST_SITE, 40000, 1500); }
static void b_site_udp_2001(struct pkt *p) { v4_udp(p, DST_SITE, 40000, 2001); }
static void b_no_steer(struct pkt *p) { v4_tcp(p, SRC_LAN, DST_NO_STEER, 443); }
static void b_bad_worker(struct pkt *p) { v4_tcp(p, SRC_LAN, DST_BAD_WORKER, 443); }
static void b_empty_list(struct pkt *p) { v4_tcp(p, SRC_LAN, DST_EMPTY_LIST, 443); }
static void b_long_list(struct pkt *p) { v4_tcp(p, SRC_LAN, DST_LONG_LIST, 443); }
static void b_huge_list(struct pkt *p) { v4_tcp(p, SRC_LAN, A4(10, 7, 1, 1), 443); }
static void b_outside_list(struct pkt *p) { v4_tcp(p, SRC_LAN, A4(10, 6, 1, 1), 443); }
static void b_nowhere(struct pkt *p) { v4_tcp(p, SRC_LAN, DST_NOWHERE, 443); }

static void b_site_udp_22(struct pkt *p) { v4_udp(p, DST_SITE, 40000, 22); }

/* GRE has no ports: only rules with ANY ports can match it. */
static void b_site_gre(struct pkt *p)
{
	v4(p, 47, SRC_LAN, DST_SITE);
	pkt_fill(p, 0, 24);
	pkt_finish(p);
}

static void b_site_ping(struct pkt *p)
{
	v4(p, IP_ICMP, SRC_LAN, DST_SITE);
	pkt_icmp(p, 8, 0);
	pkt_finish(p);
}

static void b_site_echo_reply(struct pkt *p)
{
	v4(p, IP_ICMP, SRC_LAN, DST_SITE);
	pkt_icmp(p, 0, 0);
	pkt_finish(p);
}

/* The first fragment shows port 1500; a later one shows no ports. */
static void b_site_udp_first_frag(struct pkt *p)
{
	b_site_udp_1500(p);
	pkt_ipv4_frag(p, 0, 1);
	pkt_finish(p);
}

static void b_site_udp_later_frag(struct pkt *p)
{
	v4(p, IP_UDP, SRC_LAN, DST_SITE);
	pkt_bytes(p, "\x00\x35\x00\x35", 4);	/* data that reads like port 53 */
	pkt_fill(p, 0x63, 40);
	pkt_ipv4_frag(p, 100, 0);
	pkt_finish(p);
}

/* UDP to port 5000 of 10.5.5.5, 3,000 bytes: the first fragment shows the
 * port, the second does not (RFC 4301 §7). */
static void frag4(struct pkt *p, uint32_t dst, uint16_t dport, int later)
{
	v4(p, IP_UDP, SRC_LAN, dst);
	if (later) {
		pkt_fill(p, 0x63, 48);
		pkt_ipv4_frag(p, 185, 0);
	} else {
		pkt_udp(p, 40000, dport);
		pkt_fill(p, 0x62, 40);
		pkt_ipv4_frag(p, 0, 1);
	}
	pkt_finish(p);
}

static void frag6(struct pkt *p, uint16_t dport, int later)
{
	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6_addrs(p, IP6_FRAG, v6_lan, v6_frag_site);
	pkt_ipv6_frag(p, IP_UDP, later ? 185 : 0, !later);
	if (later) {
		pkt_fill(p, 0x63, 48);
	} else {
		pkt_udp(p, 40000, dport);
		pkt_fill(p, 0x62, 40);
	}
	pkt_finish(p);
}

static void b_frag_5000_first(struct pkt *p) { frag4(p, A4(10, 5, 5, 5), 5000, 0); }
static void b_frag_5000_later(struct pkt *p) { frag4(p, A4(10, 5, 5, 5), 5000, 1); }
static void b_frag_5001_first(struct pkt *p) { frag4(p, A4(10, 5, 5, 5), 5001, 0); }
static void b_frag6_5000_first(struct pkt *p) { frag6(p, 5000, 0); }
static void b_frag6_5000_later(struct pkt *p) { frag6(p, 5000, 1); }
static void b_frag_agree_later(struct pkt *p) { frag4(p, A4(10, 4, 1, 1), 53, 1); }
static void b_frag_default_later(struct pkt *p) { frag4(p, A4(10, 3, 200, 1), 53, 1); }

static void b_vlan_site_https(struct pkt *p)
{
	pkt_eth(p, ETH_P_8021Q);
	pkt_vlan(p, 7, ETH_P_IP);
	pkt_ipv4_addrs(p, IP_TCP, 0, SRC_LAN, DST_SITE);
	pkt_tcp(p, 40000, 443);
	pkt_finish(p);
}

static void b_v6_site_https(struct pkt *p) { v6_tcp(p, v6_site, 443); }
static void b_v6_site_http(struct pkt *p) { v6_tcp(p, v6_site, 80); }
static void b_v6_elsewhere(struct pkt *p) { v6_tcp(p, v6_elsewhere, 443); }

static void b_v6_ext_site_https(struct pkt *p)
{
	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6_addrs(p, IP6_HOP, v6_lan, v6_site);
	pkt_ipv6_opt(p, IP6_DSTOPTS, 0);
	pkt_ipv6_opt(p, IP_TCP, 1);
	pkt_tcp(p, 40000, 443);
	pkt_finish(p);
}

static void b_v6_ext_site_http(struct pkt *p)
{
	b_v6_ext_site_https(p);
	pkt_be16(p->b + p->len - 20 + 2, 88);
}

/* ICMPv6 to the protected v6 site, 16 bytes of body (an ND target). */
static void v6_icmp(struct pkt *p, const uint8_t *dst, uint8_t type,
		    uint8_t code, uint8_t hlim)
{
	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6_addrs(p, IP6_ICMP, v6_lan, dst);
	pkt_icmp(p, type, code);
	pkt_fill(p, 0, 16);
	pkt_finish(p);
	p->b[p->l3 + 7] = hlim;
}

/* RFC 4861 §4: RS 133, RA 134, NS 135, NA 136, Redirect 137. */
static void b_v6_rs(struct pkt *p) { v6_icmp(p, v6_site, 133, 0, 255); }
static void b_v6_ra(struct pkt *p) { v6_icmp(p, v6_site, 134, 0, 255); }
static void b_v6_ns(struct pkt *p) { v6_icmp(p, v6_site, 135, 0, 255); }
static void b_v6_na(struct pkt *p) { v6_icmp(p, v6_site, 136, 0, 255); }
static void b_v6_redirect(struct pkt *p) { v6_icmp(p, v6_site, 137, 0, 255); }
static void b_v6_type138(struct pkt *p) { v6_icmp(p, v6_site, 138, 0, 255); }
static void b_v6_echo(struct pkt *p) { v6_icmp(p, v6_site, 128, 0, 64); }
static void b_v6_na_hlim64(struct pkt *p) { v6_icmp(p, v6_site, 136, 0, 64); }
static void b_v6_na_code1(struct pkt *p) { v6_icmp(p, v6_site, 136, 1, 255); }
static void b_v6_ns_nowhere(struct pkt *p) { v6_icmp(p, v6_elsewhere, 135, 0, 255); }

/* IPv4 ICMP type 135 is not ND. */
static void b_v4_icmp_135(struct pkt *p)
{
	v4(p, IP_ICMP, SRC_LAN, DST_SITE);
	pkt_icmp(p, 135, 0);
	pkt_finish(p);
}

/* RFC 6980 §5: ND is never fragmented; a fragment is not exempt. */
static void b_v6_ns_fragment(struct pkt *p)
{
	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6_addrs(p, IP6_FRAG, v6_lan, v6_site);
	pkt_ipv6_frag(p, IP6_ICMP, 0, 1);
	pkt_icmp(p, 135, 0);
	pkt_fill(p, 0, 16);
	pkt_finish(p);
	p->b[p->l3 + 7] = 255;
}

/* --------------------------------------------------------- the table */

struct tc_case {
	const char *name;
	void (*build)(struct pkt *p);
	int closed;			/* run on the default-DISCARD load */
	int action;
	unsigned int reason;
	uint8_t worker;			/* PROTECT: expected tag */
	uint32_t policy;
};

#define BYPASS		TC_ACT_OK
#define DISCARD		TC_ACT_SHOT
#define PROTECT		TC_ACT_REDIRECT

static struct tc_case cases[] = {
	/* not IP, malformed */
	{ "arp bypasses", b_arp, 0, BYPASS, XS_TC_BYPASS_NOT_IP },
	{ "vlan tag truncated", b_vlan_truncated, 0, DISCARD, XS_TC_DISCARD_TRUNCATED },
	{ "ipv4 ihl 4", b_v4_ihl4, 0, DISCARD, XS_TC_DISCARD_BAD_IP_HEADER },
	{ "ipv4 header truncated", b_v4_truncated, 0, DISCARD, XS_TC_DISCARD_TRUNCATED },
	{ "ipv6 header truncated", b_v6_truncated, 0, DISCARD, XS_TC_DISCARD_TRUNCATED },
	{ "tcp ports truncated", b_v4_tcp_truncated, 0, DISCARD, XS_TC_DISCARD_TRUNCATED },
	{ "ipv6 ext headers over limit", b_v6_ext_over_limit, 0, DISCARD, XS_TC_DISCARD_EXT_HDR_LIMIT },
	/* always BYPASS */
	/* Nothing bypasses by protocol or port (issue 8, item 4): the
	 * workers' ESP never passes TC, and anyone else's meets the SPD. Only
	 * the IKE agent's sockets do (test_live_ike_socket). */
	{ "esp meets the spd", b_v4_esp, 0, PROTECT, XS_TC_PROTECT_POLICY, 0, POLICY_SITE },
	{ "ah meets the spd", b_v4_ah, 0, PROTECT, XS_TC_PROTECT_POLICY, 0, POLICY_SITE },
	{ "ipv6 esp meets the spd", b_v6_esp, 0, PROTECT, XS_TC_PROTECT_POLICY, 1, POLICY_SITE6 },
	{ "udp 500 meets the spd", b_ike_500, 0, DISCARD, XS_TC_DISCARD_POLICY },
	{ "udp from 4500 meets the spd", b_ike_4500_sport, 0, PROTECT, XS_TC_PROTECT_POLICY, 0, POLICY_SITE },
	{ "udp to 4500 meets the spd", b_natt_esp, 0, PROTECT, XS_TC_PROTECT_POLICY, 0, POLICY_SITE },
	/* IPv6 neighbour discovery, RFC 4861: never sealed */
	{ "nd router solicitation bypasses", b_v6_rs, 0, BYPASS, XS_TC_BYPASS_ND },
	{ "nd router advertisement bypasses", b_v6_ra, 0, BYPASS, XS_TC_BYPASS_ND },
	{ "nd neighbor solicitation bypasses", b_v6_ns, 0, BYPASS, XS_TC_BYPASS_ND },
	{ "nd neighbor advertisement bypasses", b_v6_na, 0, BYPASS, XS_TC_BYPASS_ND },
	{ "nd redirect bypasses", b_v6_redirect, 0, BYPASS, XS_TC_BYPASS_ND },
	{ "icmpv6 type 138 is not nd", b_v6_type138, 0, PROTECT, XS_TC_PROTECT_POLICY, 1, POLICY_SITE6 },
	{ "icmpv6 echo protected", b_v6_echo, 0, PROTECT, XS_TC_PROTECT_POLICY, 1, POLICY_SITE6 },
	{ "nd hop limit 64 is not nd", b_v6_na_hlim64, 0, PROTECT, XS_TC_PROTECT_POLICY, 1, POLICY_SITE6 },
	{ "nd code 1 is not nd", b_v6_na_code1, 0, PROTECT, XS_TC_PROTECT_POLICY, 1, POLICY_SITE6 },
	{ "nd fragment is not nd", b_v6_ns_fragment, 0, PROTECT, XS_TC_PROTECT_POLICY, 1, POLICY_SITE6 },
	{ "icmp type 135 is not nd", b_v4_icmp_135, 0, PROTECT, XS_TC_PROTECT_POLICY, 0, POLICY_SITE },
	/* the SPD */
	{ "site https protected", b_site_https, 0, PROTECT, XS_TC_PROTECT_POLICY, 0, POLICY_SITE },
	{ "ssh from lan bypasses", b_site_ssh_lan, 0, BYPASS, XS_TC_BYPASS_POLICY },
	{ "ssh from elsewhere protected", b_site_ssh_other, 0, PROTECT, XS_TC_PROTECT_POLICY, 0, POLICY_SITE },
	{ "dns to site discarded", b_site_dns, 0, DISCARD, XS_TC_DISCARD_POLICY },
	{ "udp 22 is not the tcp/22 rule", b_site_udp_22, 0, DISCARD, XS_TC_DISCARD_POLICY },
	{ "gre matches only any-port rules", b_site_gre, 0, PROTECT, XS_TC_PROTECT_POLICY, 0, POLICY_SITE },
	{ "ping to site discarded", b_site_ping, 0, DISCARD, XS_TC_DISCARD_POLICY },
	{ "echo reply to site protected", b_site_echo_reply, 0, PROTECT, XS_TC_PROTECT_POLICY, 0, POLICY_SITE },
	{ "udp in port range", b_site_udp_1500, 0, PROTECT, XS_TC_PROTECT_POLICY, 0, POLICY_UDP_RANGE },
	{ "udp past port range", b_site_udp_2001, 0, PROTECT, XS_TC_PROTECT_POLICY, 0, POLICY_SITE },
	{ "udp first fragment has ports", b_site_udp_first_frag, 0, PROTECT, XS_TC_PROTECT_POLICY, 0, POLICY_UDP_RANGE },
	/* RFC 4301 §7: a later fragment is a candidate for every port rule
	 * of its addresses and protocol; they (and the default, when no ANY
	 * rule decides) must agree, or it is discarded. */
	{ "udp later fragment ports opaque", b_site_udp_later_frag, 0, DISCARD, XS_TC_DISCARD_FRAGMENT_AMBIGUOUS },
	{ "udp/5000 first fragment protected", b_frag_5000_first, 0, PROTECT, XS_TC_PROTECT_POLICY, 0, 500 },
	{ "udp/5000 later fragment never in clear", b_frag_5000_later, 0, DISCARD, XS_TC_DISCARD_FRAGMENT_AMBIGUOUS },
	{ "udp/5001 first fragment bypasses", b_frag_5001_first, 0, BYPASS, XS_TC_BYPASS_DEFAULT },
	{ "ipv6 udp/5000 first fragment protected", b_frag6_5000_first, 0, PROTECT, XS_TC_PROTECT_POLICY, 0, 600 },
	{ "ipv6 udp/5000 later fragment never in clear", b_frag6_5000_later, 0, DISCARD, XS_TC_DISCARD_FRAGMENT_AMBIGUOUS },
	{ "later fragment, candidates agree", b_frag_agree_later, 0, DISCARD, XS_TC_DISCARD_POLICY },
	{ "later fragment, candidate disagrees with default", b_frag_default_later, 0, DISCARD, XS_TC_DISCARD_FRAGMENT_AMBIGUOUS },
	{ "closed: later fragment agrees with default", b_frag_default_later, 1, DISCARD, XS_TC_DISCARD_POLICY },
	{ "closed: udp/5000 later fragment", b_frag_5000_later, 1, DISCARD, XS_TC_DISCARD_FRAGMENT_AMBIGUOUS },
	{ "vlan tag in the data discarded", b_vlan_site_https, 0, DISCARD, XS_TC_DISCARD_VLAN },
	{ "worker without steer veth", b_no_steer, 0, DISCARD, XS_TC_DISCARD_NO_STEER },
	{ "worker out of range", b_bad_worker, 0, DISCARD, XS_TC_DISCARD_NO_STEER },
	{ "empty rule list", b_empty_list, 0, BYPASS, XS_TC_BYPASS_DEFAULT },
	{ "5000-rule list decides at its end", b_long_list, 0, PROTECT, XS_TC_PROTECT_POLICY, 0, POLICY_SITE },
	{ "list longer than lists can be", b_huge_list, 0, DISCARD, XS_TC_DISCARD_SPD_ERROR },
	{ "list off the end of the array", b_outside_list, 0, DISCARD, XS_TC_DISCARD_SPD_ERROR },
	{ "no prefix", b_nowhere, 0, BYPASS, XS_TC_BYPASS_DEFAULT },
	{ "ipv6 site https protected", b_v6_site_https, 0, PROTECT, XS_TC_PROTECT_POLICY, 1, POLICY_SITE6 },
	{ "ipv6 site http bypasses", b_v6_site_http, 0, BYPASS, XS_TC_BYPASS_POLICY },
	{ "ipv6 ext headers https protected", b_v6_ext_site_https, 0, PROTECT, XS_TC_PROTECT_POLICY, 1, POLICY_SITE6 },
	{ "ipv6 ext headers http bypasses", b_v6_ext_site_http, 0, BYPASS, XS_TC_BYPASS_POLICY },
	{ "ipv6 no prefix", b_v6_elsewhere, 0, BYPASS, XS_TC_BYPASS_DEFAULT },
	/* default DISCARD */
	{ "closed: no prefix discarded", b_nowhere, 1, DISCARD, XS_TC_DISCARD_DEFAULT },
	{ "closed: ipv6 no prefix discarded", b_v6_elsewhere, 1, DISCARD, XS_TC_DISCARD_DEFAULT },
	{ "closed: arp bypasses", b_arp, 1, BYPASS, XS_TC_BYPASS_NOT_IP },
	{ "closed: udp 500 meets the spd", b_ike_500, 1, DISCARD, XS_TC_DISCARD_POLICY },
	{ "closed: nd bypasses", b_v6_ns_nowhere, 1, BYPASS, XS_TC_BYPASS_ND },
	{ "closed: policy still applies", b_site_ssh_lan, 1, BYPASS, XS_TC_BYPASS_POLICY },
	{ "closed: site https protected", b_site_https, 1, PROTECT, XS_TC_PROTECT_POLICY, 0, POLICY_SITE },
};

static unsigned int tc_verdict_counter(int action)
{
	if (action == TC_ACT_REDIRECT)
		return XS_TC_PROTECT;
	if (action == TC_ACT_OK)
		return XS_TC_BYPASS;
	return XS_TC_DISCARD;
}

static void run_tc_case(void **state)
{
	const struct tc_case *tc = *state;
	struct bpf_object *obj = tc->closed ? fx.tc_closed : fx.tc;
	int prog = xs_prog_fd(obj, "xs_tc_egress");
	int stats = xs_map_fd(obj, XS_STR(XS_MAP_TC_STATS));
	struct xs_snap before, after;
	struct pkt in, out;
	int ret;

	assert_true(prog >= 0 && stats >= 0);
	pkt_init(&in);
	tc->build(&in);

	xs_snap_read(stats, XS_TC_COUNTER_MAX, &before);
	ret = xs_run(prog, &in, &out);
	xs_snap_read(stats, XS_TC_COUNTER_MAX, &after);

	assert_int_equal(ret, tc->action);
	xs_snap_assert_delta(&before, &after, XS_TC_COUNTER_MAX,
			     tc_verdict_counter(tc->action), tc->reason,
			     in.len, tc_names);
	assert_int_equal(out.len, in.len);
	if (tc->action == TC_ACT_REDIRECT) {
		uint8_t tag[6] = { XS_STEER_MAGIC, tc->worker };

		pkt_be32(tag + 2, tc->policy);
		/* Only the source MAC changes: it now carries the tag. */
		assert_memory_equal(out.b + 6, tag, sizeof(tag));
		memcpy(in.b + 6, tag, sizeof(tag));
	}
	assert_memory_equal(out.b, in.b, in.len);
}

/* -------------------------------------------------------- xdp_steer */

static void tagged(struct pkt *p, uint8_t magic, uint8_t worker)
{
	b_site_https(p);
	p->b[6] = magic;
	p->b[7] = worker;
	pkt_be32(p->b + 8, POLICY_SITE);
}

static void run_steer(struct pkt *in, int action, unsigned int reason)
{
	int prog = xs_prog_fd(fx.steer, "xs_xdp_steer");
	int stats = xs_map_fd(fx.steer, XS_STR(XS_MAP_STEER_STATS));
	unsigned int verdict = action == XDP_REDIRECT ? XS_STEER_REDIRECT :
							 XS_STEER_DROP;
	struct xs_snap before, after;
	struct pkt out;

	xs_snap_read(stats, XS_STEER_COUNTER_MAX, &before);
	assert_int_equal(xs_run(prog, in, &out), action);
	xs_snap_read(stats, XS_STEER_COUNTER_MAX, &after);
	xs_snap_assert_delta(&before, &after, XS_STEER_COUNTER_MAX, verdict,
			     reason, in->len, steer_names);
	/* Handed over as is: the worker reads the tag itself. */
	assert_int_equal(out.len, in->len);
	assert_memory_equal(out.b, in->b, in->len);
}

static void test_steer_to_worker_socket(void **state)
{
	struct pkt p;

	(void)state;
	pkt_init(&p);
	tagged(&p, XS_STEER_MAGIC, 0);
	run_steer(&p, XDP_REDIRECT, XS_STEER_REDIRECT);
}

static void test_steer_worker_without_socket(void **state)
{
	struct pkt p;

	(void)state;
	pkt_init(&p);
	tagged(&p, XS_STEER_MAGIC, 1);
	run_steer(&p, XDP_DROP, XS_STEER_DROP_NO_SOCKET);
}

static void test_steer_worker_out_of_range(void **state)
{
	struct pkt p;

	(void)state;
	pkt_init(&p);
	tagged(&p, XS_STEER_MAGIC, XS_WORKERS_MAX);
	run_steer(&p, XDP_DROP, XS_STEER_DROP_BAD_SLOT);
}

static void test_steer_untagged(void **state)
{
	struct pkt p;

	(void)state;
	pkt_init(&p);
	b_site_https(&p);	/* source MAC 02:00:00:00:00:01 */
	run_steer(&p, XDP_DROP, XS_STEER_DROP_UNTAGGED);
}

/* The whole egress handoff: tc_egress tags, xdp_steer redirects. */
static void test_tc_tag_reaches_worker(void **state)
{
	int tc = xs_prog_fd(fx.tc, "xs_tc_egress");
	struct pkt in, tagged_frame;

	(void)state;
	pkt_init(&in);
	b_site_https(&in);
	assert_int_equal(xs_run(tc, &in, &tagged_frame), TC_ACT_REDIRECT);
	run_steer(&tagged_frame, XDP_REDIRECT, XS_STEER_REDIRECT);

	/* A worker-1 frame finds no socket in slot (0, 1). */
	pkt_init(&in);
	b_v6_site_https(&in);
	assert_int_equal(xs_run(tc, &in, &tagged_frame), TC_ACT_REDIRECT);
	run_steer(&tagged_frame, XDP_DROP, XS_STEER_DROP_NO_SOCKET);
}

/* A GSO packet (gso_size set, as the stack hands over unsegmented TCP)
 * under PROTECT goes to its worker's tap, tagged the same, and counts
 * protect_gso besides protect/protect_policy; a worker without a tap takes
 * it through the steer veth like any other packet. */
static int run_gso(struct bpf_object *obj, struct pkt *in, struct pkt *out, __u32 gso_size)
{
	struct __sk_buff ctx = { .gso_size = gso_size, .gso_segs = gso_size ? 3 : 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = in->b, .data_size_in = in->len,
		.data_out = out->b, .data_size_out = sizeof(out->b),
		.ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1,
	);

	assert_int_equal(bpf_prog_test_run_opts(xs_prog_fd(obj, "xs_tc_egress"), &opts), 0);
	out->len = opts.data_size_out;
	return (int)opts.retval;
}

static void test_tc_gso_to_tap(void **state)
{
	int stats = xs_map_fd(fx.tc, XS_STR(XS_MAP_TC_STATS));
	uint8_t tag[6] = { XS_STEER_MAGIC, 0 };
	struct xs_snap before, after;
	struct pkt in, out;

	(void)state;
	pkt_be32(tag + 2, POLICY_SITE);
	pkt_init(&in);
	b_site_https(&in);
	xs_snap_read(stats, XS_TC_COUNTER_MAX, &before);
	assert_int_equal(run_gso(fx.tc, &in, &out, 1448), TC_ACT_REDIRECT);
	xs_snap_read(stats, XS_TC_COUNTER_MAX, &after);
	assert_memory_equal(out.b + 6, tag, sizeof(tag));
	for (unsigned int i = 0; i < XS_TC_COUNTER_MAX; i++) {
		bool moved = i == XS_TC_PROTECT || i == XS_TC_PROTECT_POLICY ||
			     i == XS_TC_PROTECT_GSO;

		assert_int_equal(after.packets[i] - before.packets[i], moved ? 1 : 0);
	}

	/* Not GSO: the steer veth, no protect_gso. */
	xs_snap_read(stats, XS_TC_COUNTER_MAX, &before);
	assert_int_equal(run_gso(fx.tc, &in, &out, 0), TC_ACT_REDIRECT);
	xs_snap_read(stats, XS_TC_COUNTER_MAX, &after);
	assert_int_equal(after.packets[XS_TC_PROTECT_GSO], before.packets[XS_TC_PROTECT_GSO]);
	assert_int_equal(after.packets[XS_TC_PROTECT_POLICY],
			 before.packets[XS_TC_PROTECT_POLICY] + 1);

	/* Worker 1 has no tap: GSO or not, the steer veth. */
	pkt_init(&in);
	b_v6_site_https(&in);
	xs_snap_read(stats, XS_TC_COUNTER_MAX, &before);
	assert_int_equal(run_gso(fx.tc, &in, &out, 1428), TC_ACT_REDIRECT);
	xs_snap_read(stats, XS_TC_COUNTER_MAX, &after);
	assert_int_equal(after.packets[XS_TC_PROTECT_GSO], before.packets[XS_TC_PROTECT_GSO]);
	assert_int_equal(after.packets[XS_TC_PROTECT_POLICY],
			 before.packets[XS_TC_PROTECT_POLICY] + 1);
}

/* RFC 768: the checksum over pseudo-header and datagram sums to 0xffff. */
static int udp4_csum_ok(const uint8_t *ip, size_t len)
{
	const uint8_t *udp = ip + (ip[0] & 0x0f) * 4;
	size_t ulen = (size_t)udp[4] << 8 | udp[5];
	uint8_t pseudo[12];
	uint32_t sum;

	if ((size_t)(udp - ip) + ulen > len)
		return 0;
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = IP_UDP;
	pseudo[10] = udp[4];
	pseudo[11] = udp[5];
	sum = (uint16_t)~pkt_csum(pseudo, sizeof(pseudo));
	sum += (uint16_t)~pkt_csum(udp, ulen);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/*
 * The real path on veths, no test run: a datagram sent to a protected prefix
 * out of xs_out is tagged by tc_egress, redirected into the steer veth xs_st,
 * and xdp_steer on its far end xs_stp hands it to the worker's socket.
 */
static void test_live_steer_path(void **state)
{
	struct xs_spd_rule r = {
		.family = XS_FAMILY_V4, .action = XS_SPD_PROTECT,
		.sport_hi = 0xffff, .dport_hi = 0xffff,
		.policy_id = 77, .worker = 0,
	};
	static const uint8_t next_hop[6] = { 0x02, 0, 0, 0, 0, 0x99 };
	static const uint8_t tag[6] = { XS_STEER_MAGIC, 0, 0, 0, 0, 77 };
	static const char msg[] = "xdpsec-steer";
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(9999) };
	struct xs_tc_cfg cfg = { .default_action = XS_SPD_BYPASS };
	struct bpf_object *tc, *st;
	struct xs_test_xsk x;
	struct xs_snap before, after;
	struct pkt got;
	__u32 zero = 0, st_if, stp_if;
	int out_if, fd, sock;

	(void)state;
	assert_int_equal(xs_veth_add("xs_out", "xs_outp"), 0);
	assert_int_equal(xs_veth_add("xs_st", "xs_stp"), 0);
	/*
	 * Without this the worker would get locally sent TCP/UDP with only
	 * the pseudo-header sum in place (CHECKSUM_PARTIAL): the kernel
	 * completes checksums on xmit only for devices that can't.
	 */
	assert_int_equal(xs_sh("ethtool -K xs_st tx off >/dev/null"), 0);
	assert_int_equal(xs_sh("ip addr add 10.99.0.1/24 dev xs_out && "
			       "ip neigh add 10.99.0.2 lladdr 02:00:00:00:00:99 "
			       "dev xs_out nud permanent"), 0);
	out_if = if_nametoindex("xs_out");
	st_if = if_nametoindex("xs_st");
	stp_if = if_nametoindex("xs_stp");
	assert_true(out_if && st_if && stp_if);

	tc = xs_load("tc_egress.bpf.o", XS_STR(XS_CFG_TC), &cfg, sizeof(cfg));
	st = xs_load("xdp_steer.bpf.o", NULL, NULL, 0);
	assert_non_null(tc);
	assert_non_null(st);
	assert_int_equal(put_rule(tc, 0, r), 0);
	assert_int_equal(put_v4(tc, A4(10, 99, 0, 0), 24, LIST(0)), 0);
	assert_int_equal(bpf_map_update_elem(xs_map_fd(tc, XS_STR(XS_MAP_STEER_IFS)),
					     &zero, &st_if, BPF_ANY), 0);

	{
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = out_if,
			    .attach_point = BPF_TC_EGRESS);
		LIBBPF_OPTS(bpf_tc_opts, opts,
			    .prog_fd = xs_prog_fd(tc, "xs_tc_egress"));

		assert_int_equal(bpf_tc_hook_create(&hook), 0);
		assert_int_equal(bpf_tc_attach(&hook, &opts), 0);
	}
	assert_int_equal(bpf_xdp_attach(stp_if, xs_prog_fd(st, "xs_xdp_steer"),
					XDP_FLAGS_DRV_MODE, NULL), 0);
	assert_int_equal(xs_test_xsk_open(&x, "xs_stp"), 0);
	fd = xsk_socket__fd(x.xsk);
	assert_int_equal(bpf_map_update_elem(xs_map_fd(st, XS_STR(XS_MAP_STEER_XSKS)),
					     &zero, &fd, BPF_ANY), 0);

	xs_snap_read(xs_map_fd(st, XS_STR(XS_MAP_STEER_STATS)),
		     XS_STEER_COUNTER_MAX, &before);
	sock = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(sock >= 0);
	assert_int_equal(inet_pton(AF_INET, "10.99.0.2", &dst.sin_addr), 1);
	assert_int_equal(sendto(sock, msg, sizeof(msg) - 1, 0,
				(struct sockaddr *)&dst, sizeof(dst)),
			 sizeof(msg) - 1);
	close(sock);

	assert_int_equal(xs_test_xsk_recv(&x, &got, 2000), 1);
	assert_int_equal(got.len, 14 + 20 + 8 + sizeof(msg) - 1);
	assert_memory_equal(got.b, next_hop, 6);	/* kernel's next hop */
	assert_memory_equal(got.b + 6, tag, 6);		/* worker 0, policy 77 */
	assert_int_equal(got.b[12] << 8 | got.b[13], ETH_P_IP);
	assert_memory_equal(got.b + got.len - (sizeof(msg) - 1), msg,
			    sizeof(msg) - 1);
	assert_true(udp4_csum_ok(got.b + 14, got.len - 14));
	xs_snap_read(xs_map_fd(st, XS_STR(XS_MAP_STEER_STATS)),
		     XS_STEER_COUNTER_MAX, &after);
	xs_snap_assert_delta(&before, &after, XS_STEER_COUNTER_MAX,
			     XS_STEER_REDIRECT, XS_STEER_REDIRECT, got.len,
			     steer_names);

	bpf_xdp_detach(stp_if, XDP_FLAGS_DRV_MODE, NULL);
	xs_test_xsk_close(&x);
	bpf_object__close(tc);
	bpf_object__close(st);
	assert_int_equal(xs_sh("ip link del xs_out && ip link del xs_st"), 0);
}

/* Sends one UDP datagram from sock to 10.98.0.2:port; returns the bytes
 * on the wire. */
static size_t ike_send(int sock, uint16_t port)
{
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(port) };
	static const char msg[] = "ike-ish";

	assert_int_equal(inet_pton(AF_INET, "10.98.0.2", &dst.sin_addr), 1);
	assert_int_equal(sendto(sock, msg, sizeof(msg) - 1, 0, (struct sockaddr *)&dst,
				sizeof(dst)), sizeof(msg) - 1);
	return 14 + 20 + 8 + sizeof(msg) - 1;
}

static void expect_one(struct bpf_object *tc, int sock, uint16_t port, unsigned int verdict,
		       unsigned int reason)
{
	int stats = xs_map_fd(tc, XS_STR(XS_MAP_TC_STATS));
	struct xs_snap before, after;
	size_t len;

	xs_snap_read(stats, XS_TC_COUNTER_MAX, &before);
	len = ike_send(sock, port);
	usleep(20000);
	xs_snap_read(stats, XS_TC_COUNTER_MAX, &after);
	xs_snap_assert_delta(&before, &after, XS_TC_COUNTER_MAX, verdict, reason, len, tc_names);
}

/*
 * The IKE bypass is by socket (issue 8, item 4): a PROTECT policy covers
 * 10.98.0.0/24; a socket whose cookie is registered in xs_ike_socks
 * sends in clear (to port 500, and to any other port: it is the IKE
 * agent's), any other socket to port 500 is protected, and a socket
 * taken out of the map is protected again.
 */
static void test_live_ike_socket(void **state)
{
	struct xs_spd_rule r = {
		.family = XS_FAMILY_V4, .action = XS_SPD_PROTECT,
		.sport_hi = 0xffff, .dport_hi = 0xffff, .policy_id = 5,
	};
	struct xs_tc_cfg cfg = { .default_action = XS_SPD_BYPASS };
	struct sockaddr_in src = { .sin_family = AF_INET, .sin_port = htons(500) };
	struct bpf_object *tc;
	__u64 cookie = 0;
	__u32 zero = 0, steer_if, owner = 0;
	socklen_t clen = sizeof(cookie);
	int out_if, ike, other, socks;

	(void)state;
	assert_int_equal(xs_veth_add("xs_ik", "xs_ikp"), 0);
	assert_int_equal(xs_veth_add("xs_ikd", "xs_ikdp"), 0);
	assert_int_equal(xs_sh("ip addr add 10.98.0.1/24 dev xs_ik && "
			       "ip neigh add 10.98.0.2 lladdr 02:00:00:00:00:98 "
			       "dev xs_ik nud permanent"), 0);
	out_if = if_nametoindex("xs_ik");
	steer_if = if_nametoindex("xs_ikd");
	assert_true(out_if && steer_if);
	tc = xs_load("tc_egress.bpf.o", XS_STR(XS_CFG_TC), &cfg, sizeof(cfg));
	assert_non_null(tc);
	assert_int_equal(put_rule(tc, 0, r), 0);
	assert_int_equal(put_v4(tc, A4(10, 98, 0, 0), 24, LIST(0)), 0);
	assert_int_equal(bpf_map_update_elem(xs_map_fd(tc, XS_STR(XS_MAP_STEER_IFS)),
					     &zero, &steer_if, BPF_ANY), 0);
	{
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = out_if, .attach_point = BPF_TC_EGRESS);
		LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = xs_prog_fd(tc, "xs_tc_egress"));

		assert_int_equal(bpf_tc_hook_create(&hook), 0);
		assert_int_equal(bpf_tc_attach(&hook, &opts), 0);
	}
	ike = socket(AF_INET, SOCK_DGRAM, 0);
	other = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(ike >= 0 && other >= 0);
	assert_int_equal(bind(ike, (struct sockaddr *)&src, sizeof(src)), 0);
	assert_int_equal(getsockopt(ike, SOL_SOCKET, SO_COOKIE, &cookie, &clen), 0);
	assert_true(cookie != 0);
	socks = xs_map_fd(tc, XS_STR(XS_MAP_IKE_SOCKS));

	/* Before it is registered, the agent's socket is like any other. */
	expect_one(tc, ike, 500, XS_TC_PROTECT, XS_TC_PROTECT_POLICY);
	assert_int_equal(bpf_map_update_elem(socks, &cookie, &owner, BPF_ANY), 0);
	expect_one(tc, ike, 500, XS_TC_BYPASS, XS_TC_BYPASS_IKE);
	expect_one(tc, ike, 9999, XS_TC_BYPASS, XS_TC_BYPASS_IKE);
	/* Another socket to port 500 (a LAN host would look the same). */
	expect_one(tc, other, 500, XS_TC_PROTECT, XS_TC_PROTECT_POLICY);
	expect_one(tc, other, 4500, XS_TC_PROTECT, XS_TC_PROTECT_POLICY);
	assert_int_equal(bpf_map_delete_elem(socks, &cookie), 0);
	expect_one(tc, ike, 500, XS_TC_PROTECT, XS_TC_PROTECT_POLICY);

	close(ike);
	close(other);
	bpf_object__close(tc);
	assert_int_equal(xs_sh("ip link del xs_ik && ip link del xs_ikd"), 0);
}

/* LPM keys must be BTF structs; rules print with named fields. */
static void test_maps_have_btf(void **state)
{
	static const char *const names[] = {
		XS_STR(XS_MAP_SPD_V4), XS_STR(XS_MAP_SPD_V6),
		XS_STR(XS_MAP_SPD_RULES), XS_STR(XS_MAP_TC_STATS),
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(fx.tc, names[i]);

		assert_non_null(m);
		assert_true(bpf_map__btf_value_type_id(m) != 0);
	}
}

/* ---------------------------------------------------------- fixtures */

static int group_setup(void **state)
{
	struct xs_tc_cfg open_cfg = { .default_action = XS_SPD_BYPASS };
	struct xs_tc_cfg closed_cfg = open_cfg;
	__u32 slot = XS_XSK_SLOT(0, 0);
	int err, fd;

	(void)state;
	closed_cfg.default_action = XS_SPD_DISCARD;
	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return -1;
	}
	err = xs_test_xsk_open(&fx.xsk, "lo");
	if (err) {
		fprintf(stderr, "AF_XDP socket on lo: %s\n", strerror(-err));
		return -1;
	}
	fx.tc = xs_load("tc_egress.bpf.o", XS_STR(XS_CFG_TC), &open_cfg,
			sizeof(open_cfg));
	fx.tc_closed = xs_load("tc_egress.bpf.o", XS_STR(XS_CFG_TC),
			       &closed_cfg, sizeof(closed_cfg));
	fx.steer = xs_load("xdp_steer.bpf.o", NULL, NULL, 0);
	if (!fx.tc || !fx.tc_closed || !fx.steer)
		return -1;
	if (fill_spd(fx.tc) || fill_spd(fx.tc_closed)) {
		fprintf(stderr, "filling the SPD: %s\n", strerror(errno));
		return -1;
	}
	fd = xsk_socket__fd(fx.xsk.xsk);
	if (bpf_map_update_elem(xs_map_fd(fx.steer, XS_STR(XS_MAP_STEER_XSKS)),
				&slot, &fd, BPF_ANY)) {
		fprintf(stderr, "steer xskmap: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	bpf_object__close(fx.tc);
	bpf_object__close(fx.tc_closed);
	bpf_object__close(fx.steer);
	xs_test_xsk_close(&fx.xsk);
	return 0;
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_maps_have_btf),
		cmocka_unit_test(test_steer_to_worker_socket),
		cmocka_unit_test(test_steer_worker_without_socket),
		cmocka_unit_test(test_steer_worker_out_of_range),
		cmocka_unit_test(test_steer_untagged),
		cmocka_unit_test(test_tc_tag_reaches_worker),
		cmocka_unit_test(test_tc_gso_to_tap),
		cmocka_unit_test(test_live_steer_path),
		cmocka_unit_test(test_live_ike_socket),
	};
	size_t nf = sizeof(fixed) / sizeof(fixed[0]);
	size_t n = sizeof(cases) / sizeof(cases[0]), i;
	struct CMUnitTest *tests = calloc(nf + n, sizeof(*tests));
	int rc;

	if (!tests)
		return 1;
	memcpy(tests, fixed, sizeof(fixed));
	for (i = 0; i < n; i++) {
		tests[nf + i].name = cases[i].name;
		tests[nf + i].test_func = run_tc_case;
		tests[nf + i].initial_state = &cases[i];
	}
	rc = _cmocka_run_group_tests("tc_egress", tests, nf + n, group_setup,
				     group_teardown);
	free(tests);
	return rc;
}
