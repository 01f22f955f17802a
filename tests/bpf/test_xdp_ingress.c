// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdp_ingress.bpf.o under BPF_PROG_TEST_RUN: every header path and malformed
 * case, and the inbound SPD for cleartext, each checked for the program's
 * verdict, for exactly one verdict and one reason counter moving, and for
 * the frame leaving untouched.
 *
 * Needs root (loads BPF, creates an AF_XDP socket in a private netns, pins
 * maps under /sys/fs/bpf).
 */
#include <sched.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>

#include "xs_bpf_test.h"

#define IP_ESP		50
#define IP_AH		51
#define IP_UDP		17
#define IP_TCP		6
#define IP_ICMP		1
#define IP6_HOP		0
#define IP6_ROUTING	43
#define IP6_FRAG	44
#define IP6_DSTOPTS	60
#define IP6_ICMP	58
#define IP6_NONXT	59

/* SAs installed in XS_MAP_SPI */
#define SPI_ESP		0x00001000u	/* worker 0, plain ESP */
#define SPI_ESP_UDP	0x00002000u	/* worker 0, ESP-in-UDP */
#define SPI_AH		0x00003000u	/* worker 0, AH */
#define SPI_NO_SOCKET	0x00004000u	/* worker 1: no socket in its slot */
#define SPI_BAD_WORKER	0x00005000u	/* worker XS_WORKERS_MAX: invalid */
#define SPI_UNKNOWN	0x0badf00du

#define NATT_LENIENT	14500		/* NAT-T port of the lenient load */

#define A4(a, b, c, d)	((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

/*
 * The inbound SPD: `dir in` policies from the remote 203.0.113.0/24 and
 * 2001:db8:99::/48 to the local 198.51.100.0/24 and 2001:db8::/64 (where
 * pkt_ipv4()/pkt_ipv6() send to). Remote prefixes key the tries, the rules
 * hold the local ones.
 */
#define IN_REMOTE	A4(203, 0, 113, 0)
#define IN_PEER		A4(203, 0, 113, 7)
#define IN_LOCAL_NET	A4(198, 51, 100, 0)
#define IN_LOCAL	A4(198, 51, 100, 1)
#define IN_OTHER_LOCAL	A4(198, 51, 101, 1)

static const uint8_t v6_peer[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x99, [15] = 7 };
static const uint8_t v6_local[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

enum {
	RI_SSH_BYPASS,		/* v4 tcp/22 -> BYPASS */
	RI_SYSLOG_DISCARD,	/* v4 udp/514 -> DISCARD */
	RI_V4_PROTECT,		/* v4 any -> PROTECT */
	RI_V6_PROTECT,		/* v6 any -> PROTECT */
	RI_UDP_5000,		/* v4 udp/5000 -> PROTECT (from 203.0.114.0/24) */
	RI_UDP6_5000,		/* v6 udp/5000 -> PROTECT (from 2001:db8:98::/48) */
};

#define ND_RS		133
#define ND_RA		134
#define ND_NS		135
#define ND_NA		136
#define ND_REDIRECT	137

static const char *const counter_names[] = {
#define XS_NAME_(name, str) str,
	XS_XDP_COUNTERS(XS_NAME_)
#undef XS_NAME_
};

static struct {
	struct bpf_object *strict;	/* unknown SPI dropped, NAT-T 4500 */
	struct bpf_object *lenient;	/* unknown SPI passed, NAT-T 14500 */
	struct xs_test_xsk xsk;
} fx;

/* --------------------------------------------------------- the frames */

static void eth_ipv4(struct pkt *p, uint8_t proto)
{
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, proto, 0);
}

static void eth_ipv6(struct pkt *p, uint8_t nexthdr)
{
	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6(p, nexthdr);
}

static void v4_esp(struct pkt *p, uint32_t spi)
{
	eth_ipv4(p, IP_ESP);
	pkt_esp(p, spi, 1, 48);
	pkt_finish(p);
}

static void v4_udp(struct pkt *p, uint16_t sport, uint16_t dport,
		   const void *payload, size_t n)
{
	eth_ipv4(p, IP_UDP);
	pkt_udp(p, sport, dport);
	pkt_bytes(p, payload, n);
	pkt_finish(p);
}

/* RFC 3948 §2.1: UDP header then the ESP header. */
static void v4_natt_esp(struct pkt *p, uint16_t dport, uint32_t spi)
{
	eth_ipv4(p, IP_UDP);
	pkt_udp(p, 4500, dport);
	pkt_esp(p, spi, 7, 48);
	pkt_finish(p);
}

/* RFC 3948 §2.2: Non-ESP Marker, then an IKE header (28 octets). */
static const uint8_t ike_on_4500[4 + 28] = {
	0, 0, 0, 0,
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,	/* initiator SPI */
	0, 0, 0, 0, 0, 0, 0, 0,				/* responder SPI */
	33, 0x20, 34, 0x08, 0, 0, 0, 0, 0, 0, 0, 28,
};

static void b_arp(struct pkt *p)
{
	pkt_eth(p, ETH_P_ARP);
	pkt_fill(p, 0, 28);
}

static void b_vlan_truncated(struct pkt *p)
{
	pkt_eth(p, ETH_P_8021Q);
}

static void b_vlan_esp(struct pkt *p)
{
	pkt_eth(p, ETH_P_8021Q);
	pkt_vlan(p, 100, ETH_P_IP);
	pkt_ipv4(p, IP_ESP, 0);
	pkt_esp(p, SPI_ESP, 1, 48);
	pkt_finish(p);
}

static void b_8021ad_esp(struct pkt *p)
{
	pkt_eth(p, ETH_P_8021AD);
	pkt_vlan(p, 200, ETH_P_IP);
	pkt_ipv4(p, IP_ESP, 0);
	pkt_esp(p, SPI_ESP, 1, 48);
	pkt_finish(p);
}

/* QinQ: an S-tag, then a C-tag (IEEE 802.1Q). */
static void b_qinq(struct pkt *p)
{
	pkt_eth(p, ETH_P_8021AD);
	pkt_vlan(p, 200, ETH_P_8021Q);
	pkt_vlan(p, 100, ETH_P_IP);
	pkt_ipv4(p, IP_ESP, 0);
	pkt_esp(p, SPI_ESP, 1, 48);
	pkt_finish(p);
}

static void b_qinq_8021q_8021q(struct pkt *p)
{
	pkt_eth(p, ETH_P_8021Q);
	pkt_vlan(p, 200, ETH_P_8021Q);
	pkt_vlan(p, 100, ETH_P_IP);
	pkt_ipv4(p, IP_ESP, 0);
	pkt_esp(p, SPI_ESP, 1, 48);
	pkt_finish(p);
}

/* Three tags: more than anyone here parses. */
static void b_three_tags(struct pkt *p)
{
	pkt_eth(p, ETH_P_8021AD);
	pkt_vlan(p, 300, ETH_P_8021AD);
	pkt_vlan(p, 200, ETH_P_8021Q);
	pkt_vlan(p, 100, ETH_P_IP);
	pkt_ipv4(p, IP_ESP, 0);
	pkt_esp(p, SPI_ESP, 1, 48);
	pkt_finish(p);
}

static void b_qinq_arp(struct pkt *p)
{
	pkt_eth(p, ETH_P_8021AD);
	pkt_vlan(p, 200, ETH_P_8021Q);
	pkt_vlan(p, 100, ETH_P_ARP);
	pkt_fill(p, 0, 28);
}

static void b_qinq_truncated(struct pkt *p)
{
	pkt_eth(p, ETH_P_8021AD);
	pkt_vlan(p, 200, ETH_P_8021Q);
	pkt_pad_to(p, 20);
}

static void b_v4_short_header(struct pkt *p)
{
	pkt_eth(p, ETH_P_IP);
	pkt_fill(p, 0x45, 10);
}

static void b_v4_ihl4(struct pkt *p)
{
	v4_esp(p, SPI_ESP);
	p->b[p->l3] = 0x44;
}

static void b_v4_version5(struct pkt *p)
{
	v4_esp(p, SPI_ESP);
	p->b[p->l3] = 0x55;
}

static void b_v4_totlen_below_ihl(struct pkt *p)
{
	v4_esp(p, SPI_ESP);
	pkt_be16(p->b + p->l3 + 2, 19);
}

static void b_v4_totlen_beyond_frame(struct pkt *p)
{
	v4_esp(p, SPI_ESP);
	pkt_be16(p->b + p->l3 + 2, p->len - p->l3 + 1);
}

/* IHL 15 (60 bytes) in a 20-byte datagram. */
static void b_v4_ihl_beyond_totlen(struct pkt *p)
{
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, IP_ESP, 0);
	pkt_finish(p);
	p->b[p->l3] = 0x4f;
}

/* IHL 15 and Total Length 60, but the frame ends after 20 bytes of IP. */
static void b_v4_options_beyond_frame(struct pkt *p)
{
	b_v4_ihl_beyond_totlen(p);
	pkt_be16(p->b + p->l3 + 2, 60);
}

static void b_v4_options_esp(struct pkt *p)
{
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, IP_ESP, 40);
	pkt_esp(p, SPI_ESP, 1, 48);
	pkt_finish(p);
}

/* IPv4 options shift the ESP header: the SPI read must follow IHL. */
static void b_v4_options_esp_unknown(struct pkt *p)
{
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, IP_ESP, 8);
	pkt_esp(p, SPI_UNKNOWN, 1, 48);
	pkt_finish(p);
}

static void b_v4_esp(struct pkt *p) { v4_esp(p, SPI_ESP); }
static void b_v4_esp_unknown(struct pkt *p) { v4_esp(p, SPI_UNKNOWN); }
static void b_v4_esp_no_socket(struct pkt *p) { v4_esp(p, SPI_NO_SOCKET); }
static void b_v4_esp_bad_worker(struct pkt *p) { v4_esp(p, SPI_BAD_WORKER); }
static void b_v4_esp_of_udp_sa(struct pkt *p) { v4_esp(p, SPI_ESP_UDP); }

/* SPI 0 is never on the wire (RFC 4303 §2.1) and never in the map. */
static void b_v4_esp_spi0(struct pkt *p) { v4_esp(p, 0); }

/* Link padding after a whole ESP datagram is fine. */
static void b_v4_esp_padded(struct pkt *p)
{
	eth_ipv4(p, IP_ESP);
	pkt_esp(p, SPI_ESP, 1, 0);
	pkt_finish(p);
	pkt_pad_to(p, 60);
}

/* The datagram ends inside the ESP header (the frame has padding). */
static void b_v4_esp_truncated(struct pkt *p)
{
	eth_ipv4(p, IP_ESP);
	pkt_fill(p, 0x10, 4);
	pkt_finish(p);
	pkt_pad_to(p, 60);
}

static void b_v4_ah(struct pkt *p)
{
	eth_ipv4(p, IP_AH);
	pkt_ah(p, IP_TCP, SPI_AH, 20);
	pkt_finish(p);
}

/* The key holds the protocol: an ESP SA's SPI in AH is unknown. */
static void b_v4_ah_with_esp_spi(struct pkt *p)
{
	eth_ipv4(p, IP_AH);
	pkt_ah(p, IP_TCP, SPI_ESP, 20);
	pkt_finish(p);
}

static void b_v4_ah_truncated(struct pkt *p)
{
	eth_ipv4(p, IP_AH);
	pkt_fill(p, 0x04, 8);
	pkt_finish(p);
}

static void b_v4_tcp(struct pkt *p)
{
	eth_ipv4(p, IP_TCP);
	pkt_tcp(p, 40000, 443);
	pkt_finish(p);
}

static void b_v4_icmp(struct pkt *p)
{
	eth_ipv4(p, IP_ICMP);
	pkt_icmp(p, 8, 0);
	pkt_finish(p);
}

static void b_v4_udp_dns(struct pkt *p)
{
	v4_udp(p, 40000, 53, "\x12\x34\x01\x00", 4);
}

static void b_v4_udp_500(struct pkt *p)
{
	v4_udp(p, 500, 500, ike_on_4500 + 4, 28);
}

static void b_v4_natt_ike(struct pkt *p)
{
	v4_udp(p, 4500, 4500, ike_on_4500, sizeof(ike_on_4500));
}

static void b_v4_natt_keepalive(struct pkt *p)
{
	v4_udp(p, 4500, 4500, "\xff", 1);
	pkt_pad_to(p, 60);
}

static void b_v4_natt_one_byte(struct pkt *p)
{
	v4_udp(p, 4500, 4500, "\x00", 1);
	pkt_pad_to(p, 60);
}

static void b_v4_natt_empty(struct pkt *p)
{
	v4_udp(p, 4500, 4500, NULL, 0);
	pkt_pad_to(p, 60);
}

static void b_v4_natt_three_bytes(struct pkt *p)
{
	v4_udp(p, 4500, 4500, "\x01\x02\x03", 3);
	pkt_pad_to(p, 60);
}

/* Four nonzero octets: an SPI with no room for a sequence number. */
static void b_v4_natt_short_esp(struct pkt *p)
{
	v4_udp(p, 4500, 4500, "\x00\x00\x20\x00\x00\x00", 6);
	pkt_pad_to(p, 60);
}

static void b_v4_natt_ulen_beyond(struct pkt *p)
{
	v4_natt_esp(p, 4500, SPI_ESP_UDP);
	pkt_be16(p->b + p->udp + 4, p->len - p->udp + 1);
}

static void b_v4_natt_ulen_below_header(struct pkt *p)
{
	v4_natt_esp(p, 4500, SPI_ESP_UDP);
	pkt_be16(p->b + p->udp + 4, 7);
}

/* The datagram ends four bytes into the UDP header. */
static void b_v4_udp_truncated(struct pkt *p)
{
	eth_ipv4(p, IP_UDP);
	pkt_bytes(p, "\x11\x94\x11\x94", 4);
	pkt_finish(p);
	pkt_pad_to(p, 60);
}

static void b_v4_natt_esp(struct pkt *p) { v4_natt_esp(p, 4500, SPI_ESP_UDP); }
static void b_v4_natt_esp_plain_sa(struct pkt *p) { v4_natt_esp(p, 4500, SPI_ESP); }
static void b_v4_natt_esp_unknown(struct pkt *p) { v4_natt_esp(p, 4500, SPI_UNKNOWN); }
static void b_v4_natt_lenient_port(struct pkt *p) { v4_natt_esp(p, NATT_LENIENT, SPI_ESP_UDP); }

/* RFC 791 §3.1 fragments: MF set, or a nonzero offset. */
static void b_v4_esp_frag_first(struct pkt *p)
{
	v4_esp(p, SPI_ESP);
	pkt_ipv4_frag(p, 0, 1);
	pkt_finish(p);
}

static void b_v4_esp_frag_later(struct pkt *p)
{
	v4_esp(p, SPI_ESP);
	pkt_ipv4_frag(p, 185, 0);
	pkt_finish(p);
}

static void b_v4_ah_frag(struct pkt *p)
{
	b_v4_ah(p);
	pkt_ipv4_frag(p, 0, 1);
	pkt_finish(p);
}

static void b_v4_natt_esp_frag_first(struct pkt *p)
{
	v4_natt_esp(p, 4500, SPI_ESP_UDP);
	pkt_ipv4_frag(p, 0, 1);
	pkt_finish(p);
	pkt_be16(p->b + p->udp + 4, 3000);	/* the whole datagram's */
}

static void b_v4_natt_ike_frag_first(struct pkt *p)
{
	b_v4_natt_ike(p);
	pkt_ipv4_frag(p, 0, 1);
	pkt_finish(p);
	pkt_be16(p->b + p->udp + 4, 3000);
}

/* A later fragment has no UDP header: its first bytes are data. */
static void b_v4_udp_frag_later(struct pkt *p)
{
	eth_ipv4(p, IP_UDP);
	pkt_bytes(p, "\x11\x94\x11\x94\x00\x40\x00\x00", 8);
	pkt_fill(p, 0xab, 40);
	pkt_ipv4_frag(p, 185, 0);
	pkt_finish(p);
}

static void b_v6_short_header(struct pkt *p)
{
	pkt_eth(p, ETH_P_IPV6);
	pkt_fill(p, 0x60, 30);
}

static void b_v6_version4(struct pkt *p)
{
	eth_ipv6(p, IP_ESP);
	pkt_esp(p, SPI_ESP, 1, 48);
	pkt_finish(p);
	p->b[p->l3] = 0x40;
}

static void b_v6_plen_beyond_frame(struct pkt *p)
{
	eth_ipv6(p, IP_ESP);
	pkt_esp(p, SPI_ESP, 1, 48);
	pkt_finish(p);
	pkt_be16(p->b + p->l3 + 4, p->len - p->l3 - 40 + 1);
}

/* Payload Length 0 (a jumbogram's) leaves no room for the ESP header. */
static void b_v6_plen_zero(struct pkt *p)
{
	eth_ipv6(p, IP_ESP);
	pkt_esp(p, SPI_ESP, 1, 48);
	pkt_finish(p);
	pkt_be16(p->b + p->l3 + 4, 0);
}

static void b_v6_esp(struct pkt *p)
{
	eth_ipv6(p, IP_ESP);
	pkt_esp(p, SPI_ESP, 1, 48);
	pkt_finish(p);
}

static void b_v6_ext3_esp(struct pkt *p)
{
	eth_ipv6(p, IP6_HOP);
	pkt_ipv6_opt(p, IP6_ROUTING, 0);
	pkt_ipv6_opt(p, IP6_DSTOPTS, 2);
	pkt_ipv6_opt(p, IP_ESP, 1);
	pkt_esp(p, SPI_ESP, 1, 48);
	pkt_finish(p);
}

/* n extension headers (Hop-by-Hop, then Destination Options) before ESP. */
static void v6_ext_chain(struct pkt *p, int n)
{
	int i;

	eth_ipv6(p, IP6_HOP);
	for (i = 0; i < n; i++)
		pkt_ipv6_opt(p, i == n - 1 ? IP_ESP : IP6_DSTOPTS, 0);
	pkt_esp(p, SPI_ESP, 1, 48);
	pkt_finish(p);
}

static void b_v6_ext6_esp(struct pkt *p) { v6_ext_chain(p, XS_IPV6_EXT_MAX); }
static void b_v6_ext7_esp(struct pkt *p) { v6_ext_chain(p, XS_IPV6_EXT_MAX + 1); }

/* Hdr Ext Len claims 256 bytes, the datagram has 8. */
static void b_v6_ext_beyond(struct pkt *p)
{
	eth_ipv6(p, IP6_DSTOPTS);
	pkt_ipv6_opt(p, IP_ESP, 0);
	pkt_finish(p);
	p->b[p->l3 + 40 + 1] = 31;
	pkt_fill(p, 0, 300);		/* frame long enough: datagram isn't */
}

static void b_v6_ext_truncated(struct pkt *p)
{
	eth_ipv6(p, IP6_HOP);
	pkt_finish(p);
}

static void b_v6_frag_first_esp(struct pkt *p)
{
	eth_ipv6(p, IP6_FRAG);
	pkt_ipv6_frag(p, IP_ESP, 0, 1);
	pkt_esp(p, SPI_ESP, 1, 48);
	pkt_finish(p);
}

static void b_v6_frag_later_esp(struct pkt *p)
{
	eth_ipv6(p, IP6_FRAG);
	pkt_ipv6_frag(p, IP_ESP, 181, 0);
	pkt_fill(p, 0xab, 48);
	pkt_finish(p);
}

/* RFC 6946 atomic fragment: offset 0, M clear. */
static void b_v6_atomic_frag_esp(struct pkt *p)
{
	eth_ipv6(p, IP6_FRAG);
	pkt_ipv6_frag(p, IP_ESP, 0, 0);
	pkt_esp(p, SPI_ESP, 1, 48);
	pkt_finish(p);
}

static void b_v6_frag_truncated(struct pkt *p)
{
	eth_ipv6(p, IP6_FRAG);
	pkt_fill(p, 0, 4);
	pkt_finish(p);
}

static void b_v6_frag_later_udp(struct pkt *p)
{
	eth_ipv6(p, IP6_FRAG);
	pkt_ipv6_frag(p, IP_UDP, 100, 1);
	pkt_fill(p, 0xab, 48);
	pkt_finish(p);
}

static void b_v6_ah(struct pkt *p)
{
	eth_ipv6(p, IP_AH);
	pkt_ah(p, IP_TCP, SPI_AH, 20);
	pkt_finish(p);
}

static void b_v6_hop_ah(struct pkt *p)
{
	eth_ipv6(p, IP6_HOP);
	pkt_ipv6_opt(p, IP_AH, 0);
	pkt_ah(p, IP_TCP, SPI_AH, 20);
	pkt_finish(p);
}

static void b_v6_natt_esp(struct pkt *p)
{
	eth_ipv6(p, IP_UDP);
	pkt_udp(p, 4500, 4500);
	pkt_esp(p, SPI_ESP_UDP, 3, 48);
	pkt_finish(p);
}

static void b_v6_natt_keepalive(struct pkt *p)
{
	eth_ipv6(p, IP_UDP);
	pkt_udp(p, 4500, 4500);
	pkt_bytes(p, "\xff", 1);
	pkt_finish(p);
}

static void b_v6_dstopts_udp_500(struct pkt *p)
{
	eth_ipv6(p, IP6_DSTOPTS);
	pkt_ipv6_opt(p, IP_UDP, 0);
	pkt_udp(p, 500, 500);
	pkt_bytes(p, ike_on_4500 + 4, 28);
	pkt_finish(p);
}

static void b_v6_tcp(struct pkt *p)
{
	eth_ipv6(p, IP_TCP);
	pkt_tcp(p, 40000, 22);
	pkt_finish(p);
}

static void b_v6_icmp(struct pkt *p)
{
	eth_ipv6(p, IP6_ICMP);
	pkt_icmp(p, 128, 0);
	pkt_finish(p);
}

static void b_v6_no_next(struct pkt *p)
{
	eth_ipv6(p, IP6_NONXT);
	pkt_finish(p);
}

static void b_lenient_keepalive(struct pkt *p)
{
	v4_udp(p, 4500, NATT_LENIENT, "\xff", 1);
	pkt_pad_to(p, 60);
}

/* ----------------------------------------- cleartext, the inbound SPD */

static void in_v4(struct pkt *p, uint8_t proto, uint32_t src, uint32_t dst)
{
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4_addrs(p, proto, 0, src, dst);
}

static void in_udp(struct pkt *p, uint32_t src, uint16_t sport, uint16_t dport,
		   const void *payload, size_t n)
{
	in_v4(p, IP_UDP, src, IN_LOCAL);
	pkt_udp(p, sport, dport);
	pkt_bytes(p, payload, n);
	pkt_finish(p);
}

static void in_tcp(struct pkt *p, uint32_t src, uint32_t dst, uint16_t dport)
{
	in_v4(p, IP_TCP, src, dst);
	pkt_tcp(p, 40000, dport);
	pkt_finish(p);
}

static void b_in_udp(struct pkt *p) { in_udp(p, IN_PEER, 40000, 5001, "data", 4); }
static void b_in_syslog(struct pkt *p) { in_udp(p, IN_PEER, 40000, 514, "<13>", 4); }
static void b_in_tcp(struct pkt *p) { in_tcp(p, IN_PEER, IN_LOCAL, 443); }
static void b_in_ssh(struct pkt *p) { in_tcp(p, IN_PEER, IN_LOCAL, 22); }
static void b_in_tcp_other_local(struct pkt *p) { in_tcp(p, IN_PEER, IN_OTHER_LOCAL, 443); }
static void b_in_tcp_unrelated(struct pkt *p) { in_tcp(p, A4(192, 0, 2, 9), IN_LOCAL, 443); }
static void b_in_ike_500(struct pkt *p) { in_udp(p, IN_PEER, 500, 500, ike_on_4500 + 4, 28); }

static void b_in_ike_4500(struct pkt *p)
{
	in_udp(p, IN_PEER, 4500, 4500, ike_on_4500, sizeof(ike_on_4500));
}

/* Spoofed from the protected peer to ports 500/4500 of another host of
 * the protected local net, as an attacker on the link would: cleartext. */
static void b_in_ike_500_other(struct pkt *p)
{
	in_v4(p, IP_UDP, IN_PEER, A4(198, 51, 100, 9));
	pkt_udp(p, 500, 500);
	pkt_bytes(p, ike_on_4500 + 4, 28);
	pkt_finish(p);
}

static void b_in_ike_4500_other(struct pkt *p)
{
	in_v4(p, IP_UDP, IN_PEER, A4(198, 51, 100, 9));
	pkt_udp(p, 4500, 4500);
	pkt_bytes(p, ike_on_4500, sizeof(ike_on_4500));
	pkt_finish(p);
}

static void b_in6_ike_500_other(struct pkt *p)
{
	static const uint8_t other[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 9 };

	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6_addrs(p, IP_UDP, v6_peer, other);
	pkt_udp(p, 500, 500);
	pkt_bytes(p, ike_on_4500 + 4, 28);
	pkt_finish(p);
}

/* Not from a protected source, to another host: forwarded cleartext. */
static void b_v4_udp_500_other(struct pkt *p)
{
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4_addrs(p, IP_UDP, 0, A4(192, 0, 2, 1), A4(198, 51, 100, 9));
	pkt_udp(p, 500, 500);
	pkt_bytes(p, ike_on_4500 + 4, 28);
	pkt_finish(p);
}

static void b_in_keepalive(struct pkt *p)
{
	in_udp(p, IN_PEER, 4500, 4500, "\xff", 1);
	pkt_pad_to(p, 60);
}

static void b_in_esp(struct pkt *p)
{
	in_v4(p, IP_ESP, IN_PEER, IN_LOCAL);
	pkt_esp(p, SPI_ESP, 1, 48);
	pkt_finish(p);
}

static void b_in_icmp(struct pkt *p)
{
	in_v4(p, IP_ICMP, IN_PEER, IN_LOCAL);
	pkt_icmp(p, 8, 0);
	pkt_finish(p);
}

/* A later fragment shows no ports: only an ANY-ports rule matches it. */
static void b_in_udp_later_frag(struct pkt *p)
{
	in_v4(p, IP_UDP, IN_PEER, IN_LOCAL);
	pkt_bytes(p, "\x9c\x40\x00\x16", 4);	/* data that reads like port 22 */
	pkt_fill(p, 0x63, 40);
	pkt_ipv4_frag(p, 100, 0);
	pkt_finish(p);
}

/* From 203.0.114.7 / 2001:db8:98::7, where only udp/5000 must come in an
 * SA: a later fragment may be part of such a datagram. */
static void in_frag4(struct pkt *p, uint16_t dport, int later)
{
	in_v4(p, IP_UDP, A4(203, 0, 114, 7), IN_LOCAL);
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

static void in_frag6(struct pkt *p, uint16_t dport, int later)
{
	static const uint8_t peer[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x98, [15] = 7 };

	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6_addrs(p, IP6_FRAG, peer, v6_local);
	pkt_ipv6_frag(p, IP_UDP, later ? 185 : 0, !later);
	if (later) {
		pkt_fill(p, 0x63, 48);
	} else {
		pkt_udp(p, 40000, dport);
		pkt_fill(p, 0x62, 40);
	}
	pkt_finish(p);
}

static void b_in5000_first(struct pkt *p) { in_frag4(p, 5000, 0); }
static void b_in5000_later(struct pkt *p) { in_frag4(p, 5000, 1); }
static void b_in5001_first(struct pkt *p) { in_frag4(p, 5001, 0); }
static void b_in6_5000_first(struct pkt *p) { in_frag6(p, 5000, 0); }
static void b_in6_5000_later(struct pkt *p) { in_frag6(p, 5000, 1); }

/* The datagram ends two bytes into the TCP header. */
static void b_in_tcp_truncated(struct pkt *p)
{
	in_v4(p, IP_TCP, IN_PEER, IN_LOCAL);
	pkt_bytes(p, "\x9c\x40", 2);
	pkt_finish(p);
	pkt_pad_to(p, 60);
}

static void in_v6_udp(struct pkt *p, const uint8_t *src)
{
	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6_addrs(p, IP_UDP, src, v6_local);
	pkt_udp(p, 40000, 5001);
	pkt_bytes(p, "data", 4);
	pkt_finish(p);
}

static void b_in_v6_udp(struct pkt *p) { in_v6_udp(p, v6_peer); }

/* ICMPv6 with 16 bytes of body (an ND target address), RFC 4861 §4. */
static void in_icmp6(struct pkt *p, const uint8_t *src, uint8_t type,
		     uint8_t code, uint8_t hlim)
{
	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6_addrs(p, IP6_ICMP, src, v6_local);
	pkt_icmp(p, type, code);
	pkt_fill(p, 0, 16);
	pkt_finish(p);
	p->b[p->l3 + 7] = hlim;
}

static void b_in_v6_echo(struct pkt *p) { in_icmp6(p, v6_peer, 128, 0, 64); }
static void b_in_v6_rs(struct pkt *p) { in_icmp6(p, v6_peer, ND_RS, 0, 255); }
static void b_in_v6_ra(struct pkt *p) { in_icmp6(p, v6_peer, ND_RA, 0, 255); }
static void b_in_v6_ns(struct pkt *p) { in_icmp6(p, v6_peer, ND_NS, 0, 255); }
static void b_in_v6_na(struct pkt *p) { in_icmp6(p, v6_peer, ND_NA, 0, 255); }
static void b_in_v6_redirect(struct pkt *p) { in_icmp6(p, v6_peer, ND_REDIRECT, 0, 255); }
static void b_in_v6_type138(struct pkt *p) { in_icmp6(p, v6_peer, 138, 0, 255); }
static void b_in_v6_na_hlim64(struct pkt *p) { in_icmp6(p, v6_peer, ND_NA, 0, 64); }
static void b_in_v6_na_code1(struct pkt *p) { in_icmp6(p, v6_peer, ND_NA, 1, 255); }

static void b_in_v6_na_unrelated(struct pkt *p)
{
	static const uint8_t other[16] = { 0xfe, 0x80, [15] = 9 };

	in_icmp6(p, other, ND_NA, 0, 255);
}

/* RFC 6980 §5: ND is never fragmented; a fragment is not exempt. */
static void b_in_v6_ns_fragment(struct pkt *p)
{
	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6_addrs(p, IP6_FRAG, v6_peer, v6_local);
	pkt_ipv6_frag(p, IP6_ICMP, 0, 1);
	pkt_icmp(p, ND_NS, 0);
	pkt_fill(p, 0, 16);
	pkt_finish(p);
	p->b[p->l3 + 7] = 255;
}

/* --------------------------------------------------------- the table */

struct xdp_case {
	const char *name;
	void (*build)(struct pkt *p);
	int lenient;			/* run on the lenient load */
	int action;
	unsigned int reason;
};

#define PASS		XDP_PASS
#define DROP		XDP_DROP
#define REDIRECT	XDP_REDIRECT

static struct xdp_case cases[] = {
	/* Ethernet and 802.1Q */
	{ "arp passes", b_arp, 0, PASS, XS_XDP_PASS_NOT_IP },
	{ "vlan tag truncated", b_vlan_truncated, 0, DROP, XS_XDP_DROP_TRUNCATED },
	{ "vlan esp redirected", b_vlan_esp, 0, REDIRECT, XS_XDP_REDIRECT_ESP },
	{ "802.1ad esp redirected", b_8021ad_esp, 0, REDIRECT, XS_XDP_REDIRECT_ESP },
	{ "qinq esp redirected", b_qinq, 0, REDIRECT, XS_XDP_REDIRECT_ESP },
	{ "double 802.1q esp redirected", b_qinq_8021q_8021q, 0, REDIRECT, XS_XDP_REDIRECT_ESP },
	{ "qinq arp passes", b_qinq_arp, 0, PASS, XS_XDP_PASS_NOT_IP },
	{ "qinq second tag truncated", b_qinq_truncated, 0, DROP, XS_XDP_DROP_TRUNCATED },
	{ "three vlan tags dropped", b_three_tags, 0, DROP, XS_XDP_DROP_VLAN_DEPTH },
	/* IPv4 header checks, RFC 791 §3.1 */
	{ "ipv4 header truncated", b_v4_short_header, 0, DROP, XS_XDP_DROP_TRUNCATED },
	{ "ipv4 ihl 4", b_v4_ihl4, 0, DROP, XS_XDP_DROP_BAD_IP_HEADER },
	{ "ipv4 version 5", b_v4_version5, 0, DROP, XS_XDP_DROP_BAD_IP_HEADER },
	{ "ipv4 total length below ihl", b_v4_totlen_below_ihl, 0, DROP, XS_XDP_DROP_BAD_IP_HEADER },
	{ "ipv4 total length beyond frame", b_v4_totlen_beyond_frame, 0, DROP, XS_XDP_DROP_TRUNCATED },
	{ "ipv4 ihl beyond total length", b_v4_ihl_beyond_totlen, 0, DROP, XS_XDP_DROP_BAD_IP_HEADER },
	{ "ipv4 options beyond frame", b_v4_options_beyond_frame, 0, DROP, XS_XDP_DROP_TRUNCATED },
	{ "ipv4 options esp redirected", b_v4_options_esp, 0, REDIRECT, XS_XDP_REDIRECT_ESP },
	{ "ipv4 options esp spi after ihl", b_v4_options_esp_unknown, 0, DROP, XS_XDP_DROP_UNKNOWN_SPI },
	/* ESP */
	{ "esp known spi", b_v4_esp, 0, REDIRECT, XS_XDP_REDIRECT_ESP },
	{ "esp with link padding", b_v4_esp_padded, 0, REDIRECT, XS_XDP_REDIRECT_ESP },
	{ "esp unknown spi", b_v4_esp_unknown, 0, DROP, XS_XDP_DROP_UNKNOWN_SPI },
	{ "esp spi zero", b_v4_esp_spi0, 0, DROP, XS_XDP_DROP_UNKNOWN_SPI },
	{ "esp truncated", b_v4_esp_truncated, 0, DROP, XS_XDP_DROP_TRUNCATED },
	{ "esp worker without socket", b_v4_esp_no_socket, 0, DROP, XS_XDP_DROP_NO_SOCKET },
	{ "esp worker out of range", b_v4_esp_bad_worker, 0, DROP, XS_XDP_DROP_BAD_SLOT },
	{ "esp plain for udp sa", b_v4_esp_of_udp_sa, 0, DROP, XS_XDP_DROP_ENCAP_MISMATCH },
	/* AH */
	{ "ah known spi", b_v4_ah, 0, REDIRECT, XS_XDP_REDIRECT_AH },
	{ "ah with esp sa spi", b_v4_ah_with_esp_spi, 0, DROP, XS_XDP_DROP_UNKNOWN_SPI },
	{ "ah truncated", b_v4_ah_truncated, 0, DROP, XS_XDP_DROP_TRUNCATED },
	/* not IPsec */
	{ "tcp passes", b_v4_tcp, 0, PASS, XS_XDP_PASS_NOT_IPSEC },
	{ "icmp passes", b_v4_icmp, 0, PASS, XS_XDP_PASS_NOT_IPSEC },
	{ "udp dns passes", b_v4_udp_dns, 0, PASS, XS_XDP_PASS_NOT_IPSEC },
	{ "udp truncated", b_v4_udp_truncated, 0, DROP, XS_XDP_DROP_TRUNCATED },
	/* IKE and NAT-T, RFC 3948 §2 */
	{ "udp 500 ike", b_v4_udp_500, 0, PASS, XS_XDP_PASS_IKE },
	{ "udp 4500 ike marker", b_v4_natt_ike, 0, PASS, XS_XDP_PASS_IKE },
	{ "udp 4500 keepalive", b_v4_natt_keepalive, 0, DROP, XS_XDP_DROP_NATT_KEEPALIVE },
	{ "udp 4500 one byte not ff", b_v4_natt_one_byte, 0, DROP, XS_XDP_DROP_BAD_NATT },
	{ "udp 4500 empty", b_v4_natt_empty, 0, DROP, XS_XDP_DROP_BAD_NATT },
	{ "udp 4500 three bytes", b_v4_natt_three_bytes, 0, DROP, XS_XDP_DROP_BAD_NATT },
	{ "udp 4500 esp without sequence", b_v4_natt_short_esp, 0, DROP, XS_XDP_DROP_BAD_NATT },
	{ "udp 4500 length beyond datagram", b_v4_natt_ulen_beyond, 0, DROP, XS_XDP_DROP_BAD_NATT },
	{ "udp 4500 length below header", b_v4_natt_ulen_below_header, 0, DROP, XS_XDP_DROP_BAD_NATT },
	{ "udp 4500 esp known spi", b_v4_natt_esp, 0, REDIRECT, XS_XDP_REDIRECT_ESP_UDP },
	{ "udp 4500 esp for plain sa", b_v4_natt_esp_plain_sa, 0, DROP, XS_XDP_DROP_ENCAP_MISMATCH },
	{ "udp 4500 esp unknown spi", b_v4_natt_esp_unknown, 0, DROP, XS_XDP_DROP_UNKNOWN_SPI },
	{ "udp 14500 not nat-t by default", b_v4_natt_lenient_port, 0, PASS, XS_XDP_PASS_NOT_IPSEC },
	/* IPv4 fragments */
	{ "ipv4 esp first fragment", b_v4_esp_frag_first, 0, PASS, XS_XDP_PASS_FRAGMENT },
	{ "ipv4 esp later fragment", b_v4_esp_frag_later, 0, PASS, XS_XDP_PASS_FRAGMENT },
	{ "ipv4 ah fragment", b_v4_ah_frag, 0, PASS, XS_XDP_PASS_FRAGMENT },
	{ "ipv4 udp 4500 esp first fragment", b_v4_natt_esp_frag_first, 0, PASS, XS_XDP_PASS_FRAGMENT },
	{ "ipv4 udp 4500 ike first fragment", b_v4_natt_ike_frag_first, 0, PASS, XS_XDP_PASS_IKE },
	{ "ipv4 udp later fragment", b_v4_udp_frag_later, 0, PASS, XS_XDP_PASS_NOT_IPSEC },
	/* IPv6, RFC 8200 */
	{ "ipv6 header truncated", b_v6_short_header, 0, DROP, XS_XDP_DROP_TRUNCATED },
	{ "ipv6 version 4", b_v6_version4, 0, DROP, XS_XDP_DROP_BAD_IP_HEADER },
	{ "ipv6 payload length beyond frame", b_v6_plen_beyond_frame, 0, DROP, XS_XDP_DROP_TRUNCATED },
	{ "ipv6 payload length zero", b_v6_plen_zero, 0, DROP, XS_XDP_DROP_TRUNCATED },
	{ "ipv6 esp known spi", b_v6_esp, 0, REDIRECT, XS_XDP_REDIRECT_ESP },
	{ "ipv6 hop routing dstopts esp", b_v6_ext3_esp, 0, REDIRECT, XS_XDP_REDIRECT_ESP },
	{ "ipv6 ext headers at limit", b_v6_ext6_esp, 0, REDIRECT, XS_XDP_REDIRECT_ESP },
	{ "ipv6 ext headers over limit", b_v6_ext7_esp, 0, DROP, XS_XDP_DROP_EXT_HDR_LIMIT },
	{ "ipv6 ext header beyond datagram", b_v6_ext_beyond, 0, DROP, XS_XDP_DROP_TRUNCATED },
	{ "ipv6 ext header truncated", b_v6_ext_truncated, 0, DROP, XS_XDP_DROP_TRUNCATED },
	{ "ipv6 esp first fragment", b_v6_frag_first_esp, 0, PASS, XS_XDP_PASS_FRAGMENT },
	{ "ipv6 esp later fragment", b_v6_frag_later_esp, 0, PASS, XS_XDP_PASS_FRAGMENT },
	{ "ipv6 atomic fragment esp", b_v6_atomic_frag_esp, 0, REDIRECT, XS_XDP_REDIRECT_ESP },
	{ "ipv6 fragment header truncated", b_v6_frag_truncated, 0, DROP, XS_XDP_DROP_TRUNCATED },
	{ "ipv6 udp later fragment", b_v6_frag_later_udp, 0, PASS, XS_XDP_PASS_NOT_IPSEC },
	{ "ipv6 ah known spi", b_v6_ah, 0, REDIRECT, XS_XDP_REDIRECT_AH },
	{ "ipv6 hop-by-hop ah", b_v6_hop_ah, 0, REDIRECT, XS_XDP_REDIRECT_AH },
	{ "ipv6 udp 4500 esp", b_v6_natt_esp, 0, REDIRECT, XS_XDP_REDIRECT_ESP_UDP },
	{ "ipv6 udp 4500 keepalive", b_v6_natt_keepalive, 0, DROP, XS_XDP_DROP_NATT_KEEPALIVE },
	{ "ipv6 dstopts udp 500", b_v6_dstopts_udp_500, 0, PASS, XS_XDP_PASS_IKE },
	{ "ipv6 tcp passes", b_v6_tcp, 0, PASS, XS_XDP_PASS_NOT_IPSEC },
	{ "ipv6 icmpv6 passes", b_v6_icmp, 0, PASS, XS_XDP_PASS_NOT_IPSEC },
	{ "ipv6 no next header passes", b_v6_no_next, 0, PASS, XS_XDP_PASS_NOT_IPSEC },
	/* cleartext and the inbound SPD, RFC 4301 §5.2 step 3 */
	{ "in: udp from protected peer dropped", b_in_udp, 0, DROP, XS_XDP_DROP_POLICY_CLEARTEXT },
	{ "in: tcp from protected peer dropped", b_in_tcp, 0, DROP, XS_XDP_DROP_POLICY_CLEARTEXT },
	{ "in: icmp from protected peer dropped", b_in_icmp, 0, DROP, XS_XDP_DROP_POLICY_CLEARTEXT },
	{ "in: later fragment from protected peer dropped", b_in_udp_later_frag, 0, DROP, XS_XDP_DROP_FRAGMENT_AMBIGUOUS },
	{ "in: udp/5000 first fragment in clear dropped", b_in5000_first, 0, DROP, XS_XDP_DROP_POLICY_CLEARTEXT },
	{ "in: udp/5000 later fragment in clear dropped", b_in5000_later, 0, DROP, XS_XDP_DROP_FRAGMENT_AMBIGUOUS },
	{ "in: udp/5001 first fragment passes", b_in5001_first, 0, PASS, XS_XDP_PASS_NOT_IPSEC },
	{ "in: ipv6 udp/5000 later fragment dropped", b_in6_5000_later, 0, DROP, XS_XDP_DROP_FRAGMENT_AMBIGUOUS },
	{ "in: ipv6 udp/5000 first fragment dropped", b_in6_5000_first, 0, DROP, XS_XDP_DROP_POLICY_CLEARTEXT },
	{ "in: ssh from protected peer bypass-listed", b_in_ssh, 0, PASS, XS_XDP_PASS_POLICY },
	{ "in: syslog from protected peer discarded", b_in_syslog, 0, DROP, XS_XDP_DROP_POLICY_DISCARD },
	{ "in: peer to another local prefix passes", b_in_tcp_other_local, 0, PASS, XS_XDP_PASS_NOT_IPSEC },
	{ "in: unrelated source passes", b_in_tcp_unrelated, 0, PASS, XS_XDP_PASS_NOT_IPSEC },
	{ "in: tcp header cut short", b_in_tcp_truncated, 0, DROP, XS_XDP_DROP_TRUNCATED },
	{ "in: ike 500 from protected peer passes", b_in_ike_500, 0, PASS, XS_XDP_PASS_IKE },
	{ "in: ike 4500 from protected peer passes", b_in_ike_4500, 0, PASS, XS_XDP_PASS_IKE },
	/* IKE ends here: to another host it is cleartext (issue 8, item 4) */
	{ "in: port 500 to another host is cleartext", b_in_ike_500_other, 0, DROP, XS_XDP_DROP_POLICY_CLEARTEXT },
	{ "in: port 4500 ike to another host is cleartext", b_in_ike_4500_other, 0, DROP, XS_XDP_DROP_POLICY_CLEARTEXT },
	{ "in: ipv6 port 500 to another host is cleartext", b_in6_ike_500_other, 0, DROP, XS_XDP_DROP_POLICY_CLEARTEXT },
	{ "udp 500 to another host passes as cleartext", b_v4_udp_500_other, 0, PASS, XS_XDP_PASS_NOT_IPSEC },
	{ "in: keepalive from protected peer", b_in_keepalive, 0, DROP, XS_XDP_DROP_NATT_KEEPALIVE },
	{ "in: esp from protected peer redirected", b_in_esp, 0, REDIRECT, XS_XDP_REDIRECT_ESP },
	{ "in: ipv6 udp from protected peer dropped", b_in_v6_udp, 0, DROP, XS_XDP_DROP_POLICY_CLEARTEXT },
	{ "in: ipv6 echo from protected peer dropped", b_in_v6_echo, 0, DROP, XS_XDP_DROP_POLICY_CLEARTEXT },
	{ "in: ipv6 router solicitation passes", b_in_v6_rs, 0, PASS, XS_XDP_PASS_ND },
	{ "in: ipv6 router advertisement passes", b_in_v6_ra, 0, PASS, XS_XDP_PASS_ND },
	{ "in: ipv6 neighbor solicitation passes", b_in_v6_ns, 0, PASS, XS_XDP_PASS_ND },
	{ "in: ipv6 neighbor advertisement passes", b_in_v6_na, 0, PASS, XS_XDP_PASS_ND },
	{ "in: ipv6 redirect passes", b_in_v6_redirect, 0, PASS, XS_XDP_PASS_ND },
	{ "in: ipv6 nd from unrelated source passes", b_in_v6_na_unrelated, 0, PASS, XS_XDP_PASS_ND },
	{ "in: ipv6 icmp type 138 is not nd", b_in_v6_type138, 0, DROP, XS_XDP_DROP_POLICY_CLEARTEXT },
	{ "in: ipv6 na hop limit 64 is not nd", b_in_v6_na_hlim64, 0, DROP, XS_XDP_DROP_POLICY_CLEARTEXT },
	{ "in: ipv6 na code 1 is not nd", b_in_v6_na_code1, 0, DROP, XS_XDP_DROP_POLICY_CLEARTEXT },
	{ "in: ipv6 ns fragment is not nd", b_in_v6_ns_fragment, 0, DROP, XS_XDP_DROP_POLICY_CLEARTEXT },
	{ "lenient in: udp from protected peer dropped", b_in_udp, 1, DROP, XS_XDP_DROP_POLICY_CLEARTEXT },
	{ "lenient in: ipv6 na passes", b_in_v6_na, 1, PASS, XS_XDP_PASS_ND },
	/* lenient load: unknown SPI passes, NAT-T on 14500 */
	{ "lenient esp unknown spi passes", b_v4_esp_unknown, 1, PASS, XS_XDP_PASS_UNKNOWN_SPI },
	{ "lenient udp esp unknown spi passes", b_v4_natt_esp_unknown, 1, PASS, XS_XDP_PASS_NOT_IPSEC },
	{ "lenient esp known spi", b_v4_esp, 1, REDIRECT, XS_XDP_REDIRECT_ESP },
	{ "lenient udp 14500 esp", b_v4_natt_lenient_port, 1, REDIRECT, XS_XDP_REDIRECT_ESP_UDP },
	{ "lenient udp 14500 keepalive", b_lenient_keepalive, 1, DROP, XS_XDP_DROP_NATT_KEEPALIVE },
	{ "lenient esp worker out of range", b_v4_esp_bad_worker, 1, DROP, XS_XDP_DROP_BAD_SLOT },
};

static unsigned int verdict_counter(int action)
{
	if (action == XDP_REDIRECT)
		return XS_XDP_REDIRECT;
	if (action == XDP_PASS)
		return XS_XDP_PASS;
	return XS_XDP_DROP;
}

/* Ethernet, then 802.1Q/802.1ad tags: where the IP header starts. */
static unsigned int l3_offset(const struct pkt *p)
{
	unsigned int off = 12;

	for (;;) {
		uint16_t type = p->b[off] << 8 | p->b[off + 1];

		if (type != ETH_P_8021Q && type != ETH_P_8021AD)
			return off + 2;
		off += 4;
	}
}

/* out is in behind a struct xs_xsk_hdr naming in's IP header. */
static void assert_xsk_hdr(const struct pkt *out, const struct pkt *in)
{
	struct xs_xsk_hdr h;

	assert_int_equal(out->len, in->len + sizeof(h));
	memcpy(&h, out->b, sizeof(h));
	assert_int_equal(h.magic, XS_XSK_HDR_MAGIC);
	assert_int_equal(h.l3_off, l3_offset(in));
	assert_memory_equal(out->b + sizeof(h), in->b, in->len);
}

static void run_case(void **state)
{
	const struct xdp_case *tc = *state;
	struct bpf_object *obj = tc->lenient ? fx.lenient : fx.strict;
	int prog = xs_prog_fd(obj, "xs_xdp_ingress");
	int stats = xs_map_fd(obj, XS_STR(XS_MAP_XDP_STATS));
	struct xs_snap before, after;
	struct pkt in, out;
	int ret;

	assert_true(prog >= 0 && stats >= 0);
	pkt_init(&in);
	tc->build(&in);

	xs_snap_read(stats, XS_XDP_COUNTER_MAX, &before);
	ret = xs_run(prog, &in, &out);
	xs_snap_read(stats, XS_XDP_COUNTER_MAX, &after);

	assert_int_equal(ret, tc->action);
	xs_snap_assert_delta(&before, &after, XS_XDP_COUNTER_MAX,
			     verdict_counter(tc->action), tc->reason, in.len,
			     counter_names);
	/* The program never rewrites a frame. What it hands a worker has
	 * a header in front: where the IP header starts. */
	if (tc->action == XDP_REDIRECT) {
		assert_xsk_hdr(&out, &in);
		return;
	}
	assert_int_equal(out.len, in.len);
	assert_memory_equal(out.b, in.b, in.len);
}

/* The kernel refuses to test-run XDP on less than an Ethernet header. */
static void test_runt_frame_refused(void **state)
{
	int prog = xs_prog_fd(fx.strict, "xs_xdp_ingress");
	uint8_t frame[ETH_HLEN - 1] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = frame,
		.data_size_in = sizeof(frame),
		.repeat = 1,
	);

	(void)state;
	assert_int_equal(bpf_prog_test_run_opts(prog, &opts), -EINVAL);
}

/* The SA and SPD maps print with named fields (BTF). */
static void test_maps_have_btf(void **state)
{
	struct bpf_map *map;

	(void)state;
	map = bpf_object__find_map_by_name(fx.strict, XS_STR(XS_MAP_SPI));
	assert_non_null(map);
	assert_true(bpf_map__btf_key_type_id(map) != 0);
	assert_true(bpf_map__btf_value_type_id(map) != 0);
	map = bpf_object__find_map_by_name(fx.strict, XS_STR(XS_MAP_XDP_STATS));
	assert_non_null(map);
	assert_true(bpf_map__btf_value_type_id(map) != 0);
	assert_int_equal(bpf_map__max_entries(map), XS_XDP_COUNTER_MAX);
	map = bpf_object__find_map_by_name(fx.strict, XS_STR(XS_MAP_SPD_IN_V4));
	assert_non_null(map);
	assert_true(bpf_map__btf_key_type_id(map) != 0);
	assert_true(bpf_map__btf_value_type_id(map) != 0);
	map = bpf_object__find_map_by_name(fx.strict, XS_STR(XS_MAP_SPD_IN_V6));
	assert_non_null(map);
	assert_true(bpf_map__btf_value_type_id(map) != 0);
	map = bpf_object__find_map_by_name(fx.strict, XS_STR(XS_MAP_SPD_RULES));
	assert_non_null(map);
	assert_true(bpf_map__btf_value_type_id(map) != 0);
}

/* Counts one more SA in the SPI filter slot of spi, as the daemon does. */
static int filter_add(struct bpf_object *obj, uint32_t spi)
{
	int fd = xs_map_fd(obj, XS_STR(XS_MAP_SPI_FILTER));
	__u32 slot = xs_spi_filter_slot(htonl(spi));
	__u64 n = 0;

	if (bpf_map_lookup_elem(fd, &slot, &n))
		return -1;
	n++;
	return bpf_map_update_elem(fd, &slot, &n, BPF_ANY);
}

static int add_sa(struct bpf_object *obj, uint32_t spi, uint8_t proto,
		  uint32_t worker, uint32_t flags)
{
	struct xs_spi_key key = { .spi = htonl(spi), .proto = proto };
	struct xs_spi_val val = { .worker = worker, .flags = flags };

	if (filter_add(obj, spi))
		return -1;
	return bpf_map_update_elem(xs_map_fd(obj, XS_STR(XS_MAP_SPI)), &key,
				   &val, BPF_NOEXIST);
}

/*
 * The real path on a veth, no test run: frames sent into xs_outp arrive on
 * xs_out, where xdp_ingress hands ESP of a known SA to the worker's socket
 * and lets the rest through to the kernel.
 */
static void live_send(int sock, int ifindex, const struct pkt *p)
{
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_ifindex = ifindex,
		.sll_halen = ETH_ALEN,
	};

	memcpy(to.sll_addr, p->b, ETH_ALEN);
	assert_int_equal(sendto(sock, p->b, p->len, 0, (struct sockaddr *)&to,
				sizeof(to)), p->len);
}

static void live_expect(struct bpf_object *obj, struct xs_test_xsk *x,
			int sock, int ifindex, void (*build)(struct pkt *),
			int to_socket, unsigned int verdict, unsigned int reason)
{
	int stats = xs_map_fd(obj, XS_STR(XS_MAP_XDP_STATS));
	struct xs_snap before, after;
	struct pkt p, got;

	pkt_init(&p);
	build(&p);
	xs_snap_read(stats, XS_XDP_COUNTER_MAX, &before);
	live_send(sock, ifindex, &p);
	assert_int_equal(xs_test_xsk_recv(x, &got, to_socket ? 2000 : 200),
			 to_socket);
	xs_snap_read(stats, XS_XDP_COUNTER_MAX, &after);
	xs_snap_assert_delta(&before, &after, XS_XDP_COUNTER_MAX, verdict,
			     reason, p.len, counter_names);
	/* The socket gets the frame behind the header the worker reads,
	 * in copy mode, native or generic XDP. */
	if (to_socket)
		assert_xsk_hdr(&got, &p);
}

static int fill_spd_in(struct bpf_object *obj);
static int fill_local(struct bpf_object *obj);

static void test_live_veth(void **state)
{
	struct xs_xdp_cfg cfg = {
		.ike_port = XS_PORT_IKE,
		.natt_port = XS_PORT_NATT,
	};
	struct bpf_object *obj;
	struct xs_test_xsk x;
	__u32 slot = XS_XSK_SLOT(0, 0);
	int in_if, peer_if, fd, sock;

	(void)state;
	assert_int_equal(xs_veth_add("xs_out", "xs_outp"), 0);
	in_if = if_nametoindex("xs_out");
	peer_if = if_nametoindex("xs_outp");
	assert_true(in_if && peer_if);

	obj = xs_load("xdp_ingress.bpf.o", XS_STR(XS_CFG_XDP), &cfg, sizeof(cfg));
	assert_non_null(obj);
	assert_int_equal(add_sa(obj, SPI_ESP, XS_IPPROTO_ESP, 0, 0), 0);
	assert_int_equal(add_sa(obj, SPI_ESP_UDP, XS_IPPROTO_ESP, 0,
				XS_SPI_F_UDP_ENCAP), 0);
	assert_int_equal(fill_spd_in(obj), 0);
	assert_int_equal(fill_local(obj), 0);
	assert_int_equal(xs_test_xsk_open(&x, "xs_out"), 0);
	fd = xsk_socket__fd(x.xsk);
	assert_int_equal(bpf_map_update_elem(xs_map_fd(obj, XS_STR(XS_MAP_XSKS)),
					     &slot, &fd, BPF_ANY), 0);
	assert_int_equal(bpf_xdp_attach(in_if, xs_prog_fd(obj, "xs_xdp_ingress"),
					XDP_FLAGS_DRV_MODE, NULL), 0);
	sock = socket(AF_PACKET, SOCK_RAW, 0);
	assert_true(sock >= 0);

	live_expect(obj, &x, sock, peer_if, b_v4_esp, 1, XS_XDP_REDIRECT,
		    XS_XDP_REDIRECT_ESP);
	live_expect(obj, &x, sock, peer_if, b_v6_ext3_esp, 1, XS_XDP_REDIRECT,
		    XS_XDP_REDIRECT_ESP);
	live_expect(obj, &x, sock, peer_if, b_v4_natt_esp, 1, XS_XDP_REDIRECT,
		    XS_XDP_REDIRECT_ESP_UDP);
	live_expect(obj, &x, sock, peer_if, b_v4_esp_unknown, 0, XS_XDP_DROP,
		    XS_XDP_DROP_UNKNOWN_SPI);
	live_expect(obj, &x, sock, peer_if, b_v4_natt_ike, 0, XS_XDP_PASS,
		    XS_XDP_PASS_IKE);
	live_expect(obj, &x, sock, peer_if, b_v4_tcp, 0, XS_XDP_PASS,
		    XS_XDP_PASS_NOT_IPSEC);
	live_expect(obj, &x, sock, peer_if, b_in_udp, 0, XS_XDP_DROP,
		    XS_XDP_DROP_POLICY_CLEARTEXT);
	live_expect(obj, &x, sock, peer_if, b_in_ssh, 0, XS_XDP_PASS,
		    XS_XDP_PASS_POLICY);
	live_expect(obj, &x, sock, peer_if, b_in_esp, 1, XS_XDP_REDIRECT,
		    XS_XDP_REDIRECT_ESP);
	live_expect(obj, &x, sock, peer_if, b_qinq, 1, XS_XDP_REDIRECT,
		    XS_XDP_REDIRECT_ESP);
	/* Generic (skb) mode hands the header over too. */
	assert_int_equal(bpf_xdp_detach(in_if, XDP_FLAGS_DRV_MODE, NULL), 0);
	assert_int_equal(bpf_xdp_attach(in_if, xs_prog_fd(obj, "xs_xdp_ingress"),
					XDP_FLAGS_SKB_MODE, NULL), 0);
	live_expect(obj, &x, sock, peer_if, b_8021ad_esp, 1, XS_XDP_REDIRECT,
		    XS_XDP_REDIRECT_ESP);
	live_expect(obj, &x, sock, peer_if, b_v4_esp, 1, XS_XDP_REDIRECT,
		    XS_XDP_REDIRECT_ESP);
	assert_int_equal(bpf_xdp_detach(in_if, XDP_FLAGS_SKB_MODE, NULL), 0);

	close(sock);
	xs_test_xsk_close(&x);
	bpf_object__close(obj);
	assert_int_equal(xs_sh("ip link del xs_out"), 0);
}

/*
 * One rules array for both directions: pinned by name the way the daemon
 * pins (loader/dp.c), xdp_ingress and tc_egress end up with the same map,
 * and a rule written through tc_egress's copy decides for xdp_ingress.
 */
static void test_rules_map_shared_by_pin(void **state)
{
	struct xs_lpm_v4 key = { .prefixlen = 24 };
	uint32_t remote = htonl(IN_REMOTE);
	struct xs_spd_rule r = {
		.family = XS_FAMILY_V4, .action = XS_SPD_PROTECT,
		.sport_hi = 0xffff, .dport_hi = 0xffff,
	};
	struct bpf_object *in, *out;
	struct statfs fs;
	char dir[64];
	__u32 idx = 7, id_in, id_out;
	struct pkt p;

	(void)state;
	if (statfs("/sys/fs/bpf", &fs) || fs.f_type != BPF_FS_MAGIC)
		skip();
	snprintf(dir, sizeof(dir), "/sys/fs/bpf/xs_test_%d", (int)getpid());
	assert_int_equal(mkdir(dir, 0700), 0);
	in = xs_load_pinned("xdp_ingress.bpf.o", dir);
	out = xs_load_pinned("tc_egress.bpf.o", dir);
	assert_non_null(in);
	assert_non_null(out);

	id_in = xs_map_id(in, XS_STR(XS_MAP_SPD_RULES));
	id_out = xs_map_id(out, XS_STR(XS_MAP_SPD_RULES));
	assert_true(id_in != 0);
	assert_int_equal(id_in, id_out);
	/* Maps of one program only are not merged by accident. */
	assert_true(xs_map_id(in, XS_STR(XS_MAP_SPD_IN_V4)) !=
		    xs_map_id(out, XS_STR(XS_MAP_SPD_V4)));

	assert_int_equal(bpf_map_update_elem(xs_map_fd(out, XS_STR(XS_MAP_SPD_RULES)),
					     &idx, &r, BPF_ANY), 0);
	memcpy(key.addr, &remote, 4);
	assert_int_equal(xs_put_list(in, XS_STR(XS_MAP_SPD_IN_V4), &key, (uint32_t[]){ 7 }, 1),
			 0);
	pkt_init(&p);
	b_in_udp(&p);
	assert_int_equal(xs_run(xs_prog_fd(in, "xs_xdp_ingress"), &p, NULL), XDP_DROP);

	xs_unpin_maps(in);
	xs_unpin_maps(out);	/* the shared one is gone already */
	bpf_object__close(in);
	bpf_object__close(out);
	assert_int_equal(rmdir(dir), 0);
}

/* ---------------------------------------------------------- fixtures */

static struct xs_spd_rule in_rule(uint8_t family, uint8_t action, uint8_t proto,
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

static int put_in_rule(struct bpf_object *obj, __u32 idx, struct xs_spd_rule r)
{
	return bpf_map_update_elem(xs_map_fd(obj, XS_STR(XS_MAP_SPD_RULES)),
				   &idx, &r, BPF_ANY);
}

/* The inbound SPD described at the top (IN_*). */
static int fill_spd_in(struct bpf_object *obj)
{
	static const uint32_t v4[] = { RI_SSH_BYPASS, RI_SYSLOG_DISCARD, RI_V4_PROTECT };
	static const uint32_t v6[] = { RI_V6_PROTECT };
	struct xs_lpm_v4 k4 = { .prefixlen = 24 };
	struct xs_lpm_v6 k6 = { .prefixlen = 48 };
	uint32_t remote = htonl(IN_REMOTE);
	struct xs_spd_rule r;
	int err = 0;

	r = in_rule(XS_FAMILY_V4, XS_SPD_BYPASS, IP_TCP, 22, 22);
	r.src[0] = htonl(IN_LOCAL_NET);
	r.src_plen = 24;
	err |= put_in_rule(obj, RI_SSH_BYPASS, r);
	r = in_rule(XS_FAMILY_V4, XS_SPD_DISCARD, IP_UDP, 514, 514);
	err |= put_in_rule(obj, RI_SYSLOG_DISCARD, r);
	r = in_rule(XS_FAMILY_V4, XS_SPD_PROTECT, 0, 0, 0xffff);
	r.src[0] = htonl(IN_LOCAL_NET);
	r.src_plen = 24;
	err |= put_in_rule(obj, RI_V4_PROTECT, r);
	r = in_rule(XS_FAMILY_V6, XS_SPD_PROTECT, 0, 0, 0xffff);
	memcpy(r.src, v6_local, 8);
	r.src_plen = 64;
	err |= put_in_rule(obj, RI_V6_PROTECT, r);

	memcpy(k4.addr, &remote, 4);
	memcpy(k6.addr, v6_peer, 6);
	err |= xs_put_list(obj, XS_STR(XS_MAP_SPD_IN_V4), &k4, v4, 3);
	err |= xs_put_list(obj, XS_STR(XS_MAP_SPD_IN_V6), &k6, v6, 1);
	r = in_rule(XS_FAMILY_V4, XS_SPD_PROTECT, IP_UDP, 5000, 5000);
	err |= put_in_rule(obj, RI_UDP_5000, r);
	r = in_rule(XS_FAMILY_V6, XS_SPD_PROTECT, IP_UDP, 5000, 5000);
	err |= put_in_rule(obj, RI_UDP6_5000, r);
	k4.addr[2] = 114;
	k6.addr[5] = 0x98;
	err |= xs_put_list(obj, XS_STR(XS_MAP_SPD_IN_V4), &k4, (uint32_t[]){ RI_UDP_5000 }, 1);
	err |= xs_put_list(obj, XS_STR(XS_MAP_SPD_IN_V6), &k6, (uint32_t[]){ RI_UDP6_5000 }, 1);
	return err;
}

/* This host: 198.51.100.1 and 2001:db8::2 (where pkt_ipv4()/pkt_ipv6()
 * send to). */
static int fill_local(struct bpf_object *obj)
{
	struct xs_addr_key k4 = { .family = XS_FAMILY_V4 }, k6 = { .family = XS_FAMILY_V6 };
	uint32_t a = htonl(IN_LOCAL);
	__u32 one = 1;
	int fd = xs_map_fd(obj, XS_STR(XS_MAP_LOCAL_ADDRS));

	memcpy(k4.addr, &a, 4);
	memcpy(k6.addr, v6_local, 16);
	return bpf_map_update_elem(fd, &k4, &one, BPF_ANY) |
	       bpf_map_update_elem(fd, &k6, &one, BPF_ANY);
}

static int fill_maps(struct bpf_object *obj)
{
	__u32 slot = XS_XSK_SLOT(0, 0);
	int fd = xsk_socket__fd(fx.xsk.xsk);

	if (fill_local(obj))
		return -1;

	if (fill_spd_in(obj))
		return -1;
	if (add_sa(obj, SPI_ESP, XS_IPPROTO_ESP, 0, 0) ||
	    add_sa(obj, SPI_ESP_UDP, XS_IPPROTO_ESP, 0, XS_SPI_F_UDP_ENCAP) ||
	    add_sa(obj, SPI_AH, XS_IPPROTO_AH, 0, 0) ||
	    add_sa(obj, SPI_NO_SOCKET, XS_IPPROTO_ESP, 1, 0) ||
	    add_sa(obj, SPI_BAD_WORKER, XS_IPPROTO_ESP, XS_WORKERS_MAX, 0))
		return -1;
	return bpf_map_update_elem(xs_map_fd(obj, XS_STR(XS_MAP_XSKS)), &slot,
				   &fd, BPF_ANY);
}

static int group_setup(void **state)
{
	struct xs_xdp_cfg strict = {
		.unknown_spi_pass = 0,
		.ike_port = XS_PORT_IKE,
		.natt_port = XS_PORT_NATT,
	};
	struct xs_xdp_cfg lenient = {
		.unknown_spi_pass = 1,
		.ike_port = XS_PORT_IKE,
		.natt_port = NATT_LENIENT,
	};
	int err;

	(void)state;
	/* A private netns: the test socket binds to its own loopback. */
	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return -1;
	}
	err = xs_test_xsk_open(&fx.xsk, "lo");
	if (err) {
		fprintf(stderr, "AF_XDP socket on lo: %s\n", strerror(-err));
		return -1;
	}
	fx.strict = xs_load("xdp_ingress.bpf.o", XS_STR(XS_CFG_XDP), &strict,
			    sizeof(strict));
	fx.lenient = xs_load("xdp_ingress.bpf.o", XS_STR(XS_CFG_XDP), &lenient,
			     sizeof(lenient));
	if (!fx.strict || !fx.lenient)
		return -1;
	if (fill_maps(fx.strict) || fill_maps(fx.lenient)) {
		fprintf(stderr, "filling maps: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	bpf_object__close(fx.strict);
	bpf_object__close(fx.lenient);
	xs_test_xsk_close(&fx.xsk);
	return 0;
}

int main(void)
{
	size_t n = sizeof(cases) / sizeof(cases[0]), i, k = 0;
	struct CMUnitTest *tests = calloc(n + 4, sizeof(*tests));
	int rc;

	if (!tests)
		return 1;
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_runt_frame_refused);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_maps_have_btf);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_live_veth);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_rules_map_shared_by_pin);
	for (i = 0; i < n; i++) {
		tests[k].name = cases[i].name;
		tests[k].test_func = run_case;
		tests[k].initial_state = &cases[i];
		k++;
	}
	rc = _cmocka_run_group_tests("xdp_ingress", tests, k, group_setup,
				     group_teardown);
	free(tests);
	return rc;
}
