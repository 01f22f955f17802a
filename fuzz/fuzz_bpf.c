// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: random frames through the real BPF programs with
 * BPF_PROG_TEST_RUN - tc_egress, xdp_ingress and tc_inner, loaded from
 * build/bpf and sharing one SPD that the real compiler (loader/spd.c)
 * programmed with a fixed set of overlapping policies (PROTECT, BYPASS,
 * DISCARD, port rules, a trap; both families, both directions).
 *
 * Input:
 *   byte 0   program: 0 tc_egress, 1 xdp_ingress, 2 tc_inner (mod 3)
 *   byte 1   bit 0 set: build the frame from the fields below (reaches
 *            the SPD far more often); clear: the rest is the frame.
 *            tc_inner: bits 1-2 the tag: 0/1 OPENED, 2 LOCAL, 3 none;
 *            bits 3-4 the reqid named (6 + value)
 *   template: byte 2 bit 0 IPv6; bits 1-3 source, 4-6 destination (from
 *            a table of addresses inside and outside the policies' nets);
 *            byte 3 protocol (from a table); bytes 4-7 ports; byte 8:
 *            bits 0-1 fragment (whole, first, later), bits 2-3 VLAN tags,
 *            bits 4-5 IPv4 option words / IPv6 extension headers
 *            (x2), bit 6 break a length; the rest is payload.
 *
 * Invariants, on every frame the kernel accepts to run:
 *   - the verdict is the one an independent model says: it parses the
 *     frame itself (Ethernet, up to two VLAN tags, IPv4, IPv6 with its
 *     extension headers, ports) and looks up the reference SPD of
 *     tests/bpf/spd_ref.h; in particular no frame a PROTECT policy may
 *     cover is ever passed in clear (tc_egress, xdp_ingress), and no
 *     opened frame passes tc_inner without a PROTECT policy of its reqid;
 *   - counters add up: exactly one verdict and one reason counter move,
 *     by one packet of the frame's bytes, and the verdict is the one
 *     returned.
 * Frames the model does not decide (ESP, AH, UDP to the IKE ports in
 * XDP) are held to the counter invariant only. Needs root (loads BPF).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <xdpsec/abi.h>

#include "fuzz_check.h"
#include "spd.h"
#include "spd_ref.h"

#ifndef XS_BPF_OBJ_DIR
#error "XS_BPF_OBJ_DIR must name the directory holding the .bpf.o files"
#endif

#define FRAME_MAX 1600
#define NPROG 3

enum { P_TC, P_XDP, P_INNER };

static const char *const shared_maps[] = {
	XS_STR(XS_MAP_SPD_V4), XS_STR(XS_MAP_SPD_V6), XS_STR(XS_MAP_SPD_IN_V4),
	XS_STR(XS_MAP_SPD_IN_V6), XS_STR(XS_MAP_SPD_ENTRIES), XS_STR(XS_MAP_SPD_RULES),
	XS_STR(XS_MAP_POLICY_STATS), XS_STR(XS_MAP_ACQUIRE), XS_STR(XS_MAP_EVENTS),
};

static struct {
	struct bpf_object *obj[NPROG];
	int prog[NPROG], stats[NPROG];
	unsigned int ncounters[NPROG];
	struct xs_spd_maps spd;
	struct xs_spd_policy pol[32];
	uint32_t npol;
	int ncpu;
} fz;

/* ----------------------------------------------------------- loading */

static int set_rodata(struct bpf_object *obj, const char *name, const void *val, size_t len)
{
	struct bpf_map *map;
	const void *init;
	size_t size;
	void *copy;
	int err;

	/* The config is the object's only .rodata variable. */
	(void)name;
	bpf_object__for_each_map(map, obj)
		if (bpf_map__is_internal(map) && strstr(bpf_map__name(map), ".rodata"))
			break;
	if (!map)
		return -ENOENT;
	init = bpf_map__initial_value(map, &size);
	if (!init || size < len)
		return -EINVAL;
	copy = malloc(size);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, init, size);
	memcpy(copy, val, len);
	err = bpf_map__set_initial_value(map, copy, size);
	free(copy);
	return err;
}

static struct bpf_object *load(const char *file, const void *cfg, size_t cfg_len,
			       struct bpf_object *base)
{
	char path[512];
	struct bpf_object *obj;
	struct bpf_map *map;

	snprintf(path, sizeof(path), "%s/%s", XS_BPF_OBJ_DIR, file);
	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		return NULL;
	if (cfg && set_rodata(obj, NULL, cfg, cfg_len))
		goto fail;
	bpf_object__for_each_map(map, obj)
		for (size_t i = 0; base && i < sizeof(shared_maps) / sizeof(shared_maps[0]); i++)
			if (!strcmp(bpf_map__name(map), shared_maps[i]) &&
			    bpf_map__reuse_fd(map, bpf_object__find_map_fd_by_name(base,
										    shared_maps[i])))
				goto fail;
	if (bpf_object__load(obj))
		goto fail;
	return obj;
fail:
	fprintf(stderr, "fuzz_bpf: cannot load %s: %s\n", path, strerror(errno));
	bpf_object__close(obj);
	return NULL;
}

static int map_fd(struct bpf_object *obj, const char *name)
{
	return bpf_object__find_map_fd_by_name(obj, name);
}

/* ----------------------------------------------------- the fixed SPD */

static void a4(uint8_t *a, uint8_t w, uint8_t x, uint8_t y, uint8_t z)
{
	memset(a, 0, 16);
	a[0] = w;
	a[1] = x;
	a[2] = y;
	a[3] = z;
}

static void a6(uint8_t *a, uint16_t g3, uint16_t g4, uint8_t last)
{
	memset(a, 0, 16);
	a[0] = 0x20;
	a[1] = 0x01;
	a[2] = 0x0d;
	a[3] = 0xb8;
	a[4] = (uint8_t)(g3 >> 8);
	a[5] = (uint8_t)g3;
	a[6] = (uint8_t)(g4 >> 8);
	a[7] = (uint8_t)g4;
	a[15] = last;
}

static struct xs_spd_policy *pol_add(uint8_t fam, uint8_t dir, uint8_t action,
				     const uint8_t *src, uint8_t splen, const uint8_t *dst,
				     uint8_t dplen)
{
	struct xs_spd_policy *p = &fz.pol[fz.npol];

	memset(p, 0, sizeof(*p));
	p->id = fz.npol++;
	p->family = fam;
	p->dir = dir;
	p->action = action;
	memcpy(p->src, src, 16);
	memcpy(p->dst, dst, 16);
	p->src_plen = splen;
	p->dst_plen = dplen;
	p->sport_hi = p->dport_hi = 0xffff;
	if (action == XS_SPD_PROTECT) {
		p->worker = p->id % 2;
		p->reqid = dir == XS_SPD_DIR_IN ? 7 : 0;
	}
	return p;
}

/* Outbound from 192.168.0.0/16 (this site) to 10.x nets, inbound the
 * mirror; IPv6 2001:db8:ff::/48 and 2001:db8:1::/48 likewise. */
static void spd_build(void)
{
	uint8_t site[16], any[16] = { 0 }, n1[16], n12[16], n13[16], n2[16], n3[16], n4[16];
	uint8_t lan[16], s6[16], r6[16], r62[16];
	struct xs_spd_policy *p;

	a4(site, 192, 168, 0, 0);
	a4(lan, 192, 168, 1, 0);
	a4(n1, 10, 1, 0, 0);
	a4(n12, 10, 1, 2, 0);
	a4(n13, 10, 1, 3, 0);
	a4(n2, 10, 2, 0, 0);
	a4(n3, 10, 3, 0, 0);
	a4(n4, 10, 4, 0, 0);
	a6(s6, 0xff, 0, 0);
	a6(r6, 1, 0, 0);
	a6(r62, 1, 2, 0);
	pol_add(AF_INET, XS_SPD_DIR_OUT, XS_SPD_PROTECT, site, 16, n1, 16);
	p = pol_add(AF_INET, XS_SPD_DIR_OUT, XS_SPD_PROTECT, site, 16, n12, 24);
	p->proto = IP_UDP;
	p->dport_lo = p->dport_hi = 5000;
	p = pol_add(AF_INET, XS_SPD_DIR_OUT, XS_SPD_BYPASS, any, 0, n13, 24);
	p->proto = IP_TCP;
	p->dport_lo = p->dport_hi = 22;
	pol_add(AF_INET, XS_SPD_DIR_OUT, XS_SPD_DISCARD, any, 0, n2, 16);
	p = pol_add(AF_INET, XS_SPD_DIR_OUT, XS_SPD_PROTECT, any, 0, n3, 16);
	p->flags = XS_SPD_RULE_F_NO_SA;
	pol_add(AF_INET, XS_SPD_DIR_OUT, XS_SPD_PROTECT, lan, 24, n4, 16);
	p = pol_add(AF_INET, XS_SPD_DIR_OUT, XS_SPD_DISCARD, any, 0, n1, 16);
	p->proto = IP_ICMP;
	p->sport_lo = p->sport_hi = 13;
	p->priority = 5;
	pol_add(AF_INET, XS_SPD_DIR_IN, XS_SPD_PROTECT, n1, 16, site, 16);
	p = pol_add(AF_INET, XS_SPD_DIR_IN, XS_SPD_PROTECT, n12, 24, any, 0);
	p->proto = IP_UDP;
	p->sport_lo = p->sport_hi = 5000;
	p->reqid = 8;
	p = pol_add(AF_INET, XS_SPD_DIR_IN, XS_SPD_BYPASS, n13, 24, any, 0);
	p->proto = IP_TCP;
	p->sport_lo = p->sport_hi = 22;
	pol_add(AF_INET, XS_SPD_DIR_IN, XS_SPD_DISCARD, n2, 16, any, 0);
	p = pol_add(AF_INET, XS_SPD_DIR_IN, XS_SPD_PROTECT, n3, 16, any, 0);
	p->flags = XS_SPD_RULE_F_NO_SA;
	p->reqid = 0;
	pol_add(AF_INET6, XS_SPD_DIR_OUT, XS_SPD_PROTECT, s6, 48, r6, 48);
	p = pol_add(AF_INET6, XS_SPD_DIR_OUT, XS_SPD_PROTECT, s6, 48, r62, 64);
	p->proto = IP_UDP;
	p->dport_lo = p->dport_hi = 5000;
	p = pol_add(AF_INET6, XS_SPD_DIR_OUT, XS_SPD_BYPASS, any, 0, r6, 48);
	p->proto = IP6_ICMP;
	p->sport_lo = p->sport_hi = 128;
	p->priority = 3;
	pol_add(AF_INET6, XS_SPD_DIR_IN, XS_SPD_PROTECT, r6, 48, s6, 48);
	p = pol_add(AF_INET6, XS_SPD_DIR_IN, XS_SPD_DISCARD, r62, 64, any, 0);
	p->proto = IP_TCP;
	p->dport_lo = 1;
	p->dport_hi = 1023;
	(void)n4;
}

/* Addresses for templates: inside and outside the nets above. */
static void tmpl_addr(int v6, unsigned int i, uint8_t *a)
{
	static const uint8_t v4[8][4] = {
		{ 192, 168, 1, 5 }, { 192, 168, 9, 9 }, { 10, 1, 0, 5 }, { 10, 1, 2, 7 },
		{ 10, 1, 3, 9 }, { 10, 2, 0, 1 }, { 10, 3, 0, 1 }, { 10, 4, 7, 7 },
	};
	static const uint16_t v6g[8][3] = {
		{ 0xff, 0, 5 }, { 0xff, 9, 9 }, { 1, 0, 5 }, { 1, 2, 7 },
		{ 1, 3, 9 }, { 2, 0, 1 }, { 3, 0, 1 }, { 0xff, 1, 1 },
	};

	if (!v6)
		a4(a, v4[i][0], v4[i][1], v4[i][2], v4[i][3]);
	else
		a6(a, v6g[i][0], v6g[i][1], (uint8_t)v6g[i][2]);
}

/* --------------------------------------------------------------- init */

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct xs_tc_cfg tcfg = { .default_action = XS_SPD_BYPASS };
	struct xs_xdp_cfg xcfg = { .ike_port = XS_PORT_IKE, .natt_port = XS_PORT_NATT };
	static const char *const files[NPROG] = { "tc_egress.bpf.o", "xdp_ingress.bpf.o",
						  "tc_inner.bpf.o" };
	static const char *const progs[NPROG] = { "xs_tc_egress", "xs_xdp_ingress",
						  "xs_tc_inner" };
	static const char *const stats[NPROG] = { XS_STR(XS_MAP_TC_STATS),
						  XS_STR(XS_MAP_XDP_STATS),
						  XS_STR(XS_MAP_INNER_STATS) };
	const unsigned int nctr[NPROG] = { XS_TC_COUNTER_MAX, XS_XDP_COUNTER_MAX,
					   XS_INNER_COUNTER_MAX };
	const void *cfgs[NPROG] = { &tcfg, &xcfg, NULL };
	const size_t cfg_len[NPROG] = { sizeof(tcfg), sizeof(xcfg), 0 };
	char err[256];
	struct bpf_object *o;

	(void)argc;
	(void)argv;
	libbpf_set_print(NULL);
	fz.ncpu = libbpf_num_possible_cpus();
	for (int i = 0; i < NPROG; i++) {
		fz.obj[i] = load(files[i], cfgs[i], cfg_len[i], i ? fz.obj[0] : NULL);
		if (!fz.obj[i])
			exit(1);
		fz.prog[i] = bpf_program__fd(bpf_object__find_program_by_name(fz.obj[i], progs[i]));
		fz.stats[i] = map_fd(fz.obj[i], stats[i]);
		fz.ncounters[i] = nctr[i];
	}
	o = fz.obj[P_TC];
	if (xs_spd_open(&fz.spd, map_fd(o, XS_STR(XS_MAP_SPD_RULES)),
			map_fd(o, XS_STR(XS_MAP_SPD_ENTRIES)), map_fd(o, XS_STR(XS_MAP_SPD_V4)),
			map_fd(o, XS_STR(XS_MAP_SPD_V6)), map_fd(o, XS_STR(XS_MAP_SPD_IN_V4)),
			map_fd(o, XS_STR(XS_MAP_SPD_IN_V6)))) {
		fprintf(stderr, "fuzz_bpf: xs_spd_open: %s\n", strerror(errno));
		exit(1);
	}
	spd_build();
	if (xs_spd_sync(&fz.spd, fz.pol, fz.npol, err, sizeof(err))) {
		fprintf(stderr, "fuzz_bpf: xs_spd_sync: %s\n", err);
		exit(1);
	}
	ref_sort(fz.pol, fz.npol);
	/* Workers 0 and 1 have steer veths (never used by a test run). */
	for (__u32 w = 0; w < 2; w++) {
		__u32 ifindex = 100 + w;

		bpf_map_update_elem(map_fd(o, XS_STR(XS_MAP_STEER_IFS)), &w, &ifindex, BPF_ANY);
	}
	/* This host: 192.168.1.1 and 2001:db8:ff::1. */
	{
		struct xs_addr_key k = { .family = XS_FAMILY_V4 };
		int fd = map_fd(fz.obj[P_XDP], XS_STR(XS_MAP_LOCAL_ADDRS));
		__u32 one = 1;

		a4(k.addr, 192, 168, 1, 1);
		bpf_map_update_elem(fd, &k, &one, BPF_ANY);
		k.family = XS_FAMILY_V6;
		a6(k.addr, 0xff, 0, 1);
		bpf_map_update_elem(fd, &k, &one, BPF_ANY);
	}
	return 0;
}

/* ----------------------------------------------------- the model */

enum model_kind { M_NOT_IP, M_BAD, M_IP };

struct model {
	enum model_kind kind;
	struct flow f;
	uint8_t proto;
	int vlan_tags;
	int udp_dport;		/* the UDP destination port, -1 if none seen */
	size_t l4_avail;	/* datagram bytes after the IP headers, in the frame */
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * The frame as RFC 791 / RFC 8200 read it, independently of bpf/parsing.h:
 * Ethernet, at most two 802.1Q/802.1ad tags, IPv4 (IHL >= 5, Total Length
 * covering the header and within the frame) or IPv6 (Payload Length
 * within the frame) with at most six Hop-by-Hop, Routing, Destination
 * Options or Fragment headers, then the ports.
 */
static void model_parse(const uint8_t *b, size_t len, struct model *m)
{
	size_t off = 14, left;
	uint16_t type;
	uint8_t nh;
	int tags = 0;

	memset(m, 0, sizeof(*m));
	m->udp_dport = -1;
	m->kind = M_BAD;
	if (len < 14)
		return;
	type = be16(b + 12);
	while (type == ETH_P_8021Q || type == ETH_P_8021AD) {
		if (tags == XS_VLAN_MAX || off + 4 > len)
			return;
		type = be16(b + off + 2);
		off += 4;
		tags++;
	}
	m->vlan_tags = tags;
	if (type != ETH_P_IP && type != ETH_P_IPV6) {
		m->kind = M_NOT_IP;
		return;
	}
	if (type == ETH_P_IP) {
		size_t ihl, tot;
		uint16_t frag;

		if (off + 20 > len || b[off] >> 4 != 4 || (b[off] & 15) < 5)
			return;
		ihl = (b[off] & 15u) * 4u;
		tot = be16(b + off + 2);
		if (tot < ihl || off + tot > len)
			return;
		frag = be16(b + off + 6);
		m->f.frag = frag & 0x1fff ? 2 : frag & 0x2000 ? 1 : 0;
		memcpy(m->f.src, b + off + 12, 4);
		memcpy(m->f.dst, b + off + 16, 4);
		m->f.hlim = b[off + 8];
		nh = b[off + 9];
		left = tot - ihl;
		off += ihl;
	} else {
		size_t plen;
		int i;

		if (off + 40 > len || b[off] >> 4 != 6)
			return;
		plen = be16(b + off + 4);
		if (off + 40 + plen > len)
			return;
		m->f.v6 = 1;
		memcpy(m->f.src, b + off + 8, 16);
		memcpy(m->f.dst, b + off + 24, 16);
		m->f.hlim = b[off + 7];
		nh = b[off + 6];
		left = plen;
		off += 40;
		for (i = 0; i < XS_IPV6_EXT_MAX; i++) {
			size_t el;

			if (nh != 0 && nh != 43 && nh != 60 && nh != 44)
				break;
			if (nh == 44) {
				uint16_t fo;

				if (off + 8 > len || left < 8)
					return;
				fo = be16(b + off + 2);
				nh = b[off];
				off += 8;
				left -= 8;
				if (fo & 0xfff8) {
					m->f.frag = 2;
					break;
				}
				if (fo & 1)
					m->f.frag = 1;
				continue;
			}
			if (off + 2 > len)
				return;
			el = (b[off + 1] + 1u) * 8u;
			if (el > left || off + el > len)
				return;
			nh = b[off];
			off += el;
			left -= el;
		}
		if (i == XS_IPV6_EXT_MAX && (nh == 0 || nh == 43 || nh == 60 || nh == 44) &&
		    m->f.frag != 2)
			return;	/* over the limit */
	}
	m->proto = nh;
	m->f.proto = nh;
	m->l4_avail = left < len - off ? left : len - off;
	if (m->f.frag != 2 && has_ports(nh)) {
		size_t need = nh == IP_ICMP || nh == IP6_ICMP ? 2 : 4;

		if (left < need || off + need > len)
			return;	/* cut short */
		m->f.ports = 1;
		if (need == 2) {
			m->f.sport = b[off];
			m->f.dport = b[off + 1];
		} else {
			m->f.sport = be16(b + off);
			m->f.dport = be16(b + off + 2);
		}
		if (nh == IP_UDP)
			m->udp_dport = m->f.dport;
	}
	m->kind = M_IP;
}

static int model_is_nd(const struct flow *f)
{
	return f->v6 && f->proto == IP6_ICMP && f->ports && !f->frag && f->sport >= 133 &&
	       f->sport <= 137 && f->dport == 0 && f->hlim == 255;
}

/* ---------------------------------------------------- frame building */

static size_t build(const uint8_t *in, size_t n, uint8_t *fr)
{
	static const uint8_t protos[8] = { IP_TCP, IP_UDP, IP_ICMP, IP6_ICMP, IP_GRE, 132, 50, 0 };
	uint8_t src[16], dst[16], proto, flags;
	int v6, frag, tags, ext;
	size_t len = 0, l3, l4;

	if (n < 7)
		return 0;
	v6 = in[0] & 1;
	tmpl_addr(v6, (in[0] >> 1) & 7, src);
	tmpl_addr(v6, (in[0] >> 4) & 7, dst);
	proto = protos[in[1] & 7];
	if (in[1] & 8)
		proto = in[1];
	flags = in[6];
	frag = flags & 3;
	frag = frag == 3 ? 0 : frag;
	tags = (flags >> 2) & 3;
	ext = (flags >> 4) & 3;
	memset(fr, 0, 64);
	memcpy(fr, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01", 12);
	len = 12;
	for (int t = 0; t < tags; t++) {
		fr[len] = t ? 0x81 : 0x88;
		fr[len + 1] = t ? 0x00 : 0xa8;
		fr[len + 3] = (uint8_t)(t + 1);
		len += 4;
	}
	fr[len] = v6 ? 0x86 : 0x08;
	fr[len + 1] = v6 ? 0xdd : 0x00;
	len += 2;
	l3 = len;
	if (!v6) {
		size_t ihl = 20 + 4u * (size_t)ext;

		memset(fr + len, 0, ihl);
		fr[len] = (uint8_t)(0x40 | ihl / 4);
		fr[len + 8] = 64;
		fr[len + 9] = proto;
		memcpy(fr + len + 12, src, 4);
		memcpy(fr + len + 16, dst, 4);
		memset(fr + len + 20, 1, ihl - 20);	/* NOP options */
		if (frag == 1)
			fr[len + 6] = 0x20;	/* MF */
		if (frag == 2)
			fr[len + 7] = 0xb9;	/* offset 185 */
		len += ihl;
	} else {
		uint8_t *nhp = fr + len + 6;

		memset(fr + len, 0, 40);
		fr[len] = 0x60;
		fr[len + 7] = in[5] & 0x80 ? 255 : 64;
		memcpy(fr + len + 8, src, 16);
		memcpy(fr + len + 24, dst, 16);
		len += 40;
		for (int e = 0; e < ext * 2; e++) {
			*nhp = 60;
			memset(fr + len, 0, 8);
			fr[len + 2] = 1;
			fr[len + 3] = 4;
			nhp = fr + len;
			len += 8;
		}
		if (frag) {
			*nhp = 44;
			memset(fr + len, 0, 8);
			fr[len + 2] = frag == 2 ? 0x05 : 0;
			fr[len + 3] = frag == 2 ? 0xc8 : 1;
			nhp = fr + len;
			len += 8;
		}
		*nhp = proto;
	}
	l4 = len;
	if (frag != 2) {
		memcpy(fr + len, in + 2, 4);	/* ports / ICMP type, code */
		len += 4;
	}
	n -= 7;
	in += 7;
	if (n > FRAME_MAX - len)
		n = FRAME_MAX - len;
	memcpy(fr + len, in, n);
	len += n;
	/* lengths */
	if (!v6) {
		fr[l3 + 2] = (uint8_t)((len - l3) >> 8);
		fr[l3 + 3] = (uint8_t)(len - l3);
	} else {
		fr[l3 + 4] = (uint8_t)((len - l3 - 40) >> 8);
		fr[l3 + 5] = (uint8_t)(len - l3 - 40);
	}
	if (flags & 0x40)
		fr[v6 ? l3 + 5 : l3 + 3] ^= (uint8_t)(in[-2] | 1);
	(void)l4;
	return len;
}

/* ----------------------------------------------------------- running */

static void counters(int p, uint64_t *pk, uint64_t *by)
{
	struct xs_counter v[512];

	CHECK(fz.ncpu > 0 && fz.ncpu <= 512);
	for (__u32 i = 0; i < fz.ncounters[p]; i++) {
		pk[i] = by[i] = 0;
		CHECK(!bpf_map_lookup_elem(fz.stats[p], &i, v));
		for (int c = 0; c < fz.ncpu; c++) {
			pk[i] += v[c].packets;
			by[i] += v[c].bytes;
		}
	}
}

/* Counters that ride on top of a verdict and its reason. */
static bool extra(int p, unsigned int i)
{
	if (p == P_TC)
		return i == XS_TC_PROTECT_GSO || i == XS_TC_ACQUIRE || i == XS_TC_ACQUIRE_LOST;
	if (p == P_INNER)
		return i == XS_INNER_AUDIT;
	return false;
}

static unsigned int verdict_counter(int p, int ret)
{
	if (p == P_TC)
		return ret == TC_ACT_REDIRECT ? XS_TC_PROTECT :
		       ret == TC_ACT_OK ? XS_TC_BYPASS : XS_TC_DISCARD;
	if (p == P_XDP)
		return ret == XDP_REDIRECT ? XS_XDP_REDIRECT :
		       ret == XDP_PASS ? XS_XDP_PASS : XS_XDP_DROP;
	return ret == TC_ACT_OK ? XS_INNER_PASS : XS_INNER_DROP;
}

/* What the model says the program must return; -1: not decided here. */
static int expected(int p, const struct model *m, uint8_t tag_kind, uint32_t reqid)
{
	struct ref r;

	if (p == P_INNER && tag_kind != XS_INNER_OPENED)
		return tag_kind == XS_INNER_LOCAL ? TC_ACT_OK : TC_ACT_SHOT;
	if (m->kind == M_NOT_IP)
		return p == P_TC ? TC_ACT_OK : p == P_XDP ? XDP_PASS : TC_ACT_SHOT;
	if (m->kind == M_BAD)
		return p == P_XDP ? XDP_DROP : TC_ACT_SHOT;
	if (p == P_TC) {
		if (model_is_nd(&m->f))
			return TC_ACT_OK;
		r = ref_lookup(XS_SPD_DIR_OUT, &m->f, XS_SPD_BYPASS);
		if (r.kind == REF_DEFAULT)
			return TC_ACT_OK;
		if (r.kind == REF_AMBIGUOUS)
			return TC_ACT_SHOT;
		/* Sealing takes a plain Ethernet header (discard_vlan). */
		if (r.p->action == XS_SPD_PROTECT)
			return r.p->flags & XS_SPD_RULE_F_NO_SA || m->vlan_tags ? TC_ACT_SHOT :
										  TC_ACT_REDIRECT;
		return r.p->action == XS_SPD_BYPASS ? TC_ACT_OK : TC_ACT_SHOT;
	}
	if (p == P_XDP) {
		/* IPsec and IKE take other paths (SA lookup, this host). */
		if (m->proto == 50 || m->proto == 51 || m->udp_dport == XS_PORT_IKE ||
		    m->udp_dport == XS_PORT_NATT)
			return -1;
		/* XDP reads a whole UDP header (RFC 768) before the ports. */
		if (m->proto == IP_UDP && m->f.frag != 2 && m->l4_avail < 8)
			return XDP_DROP;
		if (model_is_nd(&m->f))
			return XDP_PASS;
		r = ref_lookup(XS_SPD_DIR_IN, &m->f, XS_SPD_BYPASS);
		if (r.kind == REF_DEFAULT)
			return XDP_PASS;
		if (r.kind == REF_AMBIGUOUS)
			return XDP_DROP;
		return r.p->action == XS_SPD_BYPASS ? XDP_PASS : XDP_DROP;
	}
	r = ref_lookup(XS_SPD_DIR_IN, &m->f, XS_SPD_DISCARD);
	if (r.kind == REF_RULE && r.p->action == XS_SPD_PROTECT &&
	    !(r.p->flags & XS_SPD_RULE_F_NO_SA) && reqid && r.p->reqid == reqid)
		return TC_ACT_OK;
	return TC_ACT_SHOT;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t pk0[64], by0[64], pk1[64], by1[64];
	uint8_t frame[FRAME_MAX + 64], out[FRAME_MAX + 256], tag_kind = XS_INNER_OPENED;
	uint32_t reqid = 0;
	struct model m;
	size_t len;
	int p, want;

	if (size < 2)
		return 0;
	p = data[0] % NPROG;
	if (data[1] & 1) {
		len = build(data + 2, size - 2, frame);
	} else {
		len = size - 2 > FRAME_MAX ? FRAME_MAX : size - 2;
		memcpy(frame, data + 2, len);
	}
	if (len < 14)
		return 0;
	if (p == P_INNER) {
		static const uint8_t kinds[4] = { XS_INNER_OPENED, XS_INNER_OPENED,
						  XS_INNER_LOCAL, 0 };

		tag_kind = kinds[(data[1] >> 1) & 3];
		reqid = 6 + ((data[1] >> 3) & 3);
		frame[6] = tag_kind ? XS_INNER_MAGIC : 0x02;
		frame[7] = tag_kind;
		frame[8] = (uint8_t)(reqid >> 24);
		frame[9] = (uint8_t)(reqid >> 16);
		frame[10] = (uint8_t)(reqid >> 8);
		frame[11] = (uint8_t)reqid;
	}
	model_parse(frame, len, &m);
	counters(p, pk0, by0);
	{
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = (__u32)len,
			    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

		/* The kernel refuses some frames (an IPv4 ethertype shorter
		 * than an IPv4 header for tc): nothing ran, nothing counted. */
		if (bpf_prog_test_run_opts(fz.prog[p], &opts)) {
			counters(p, pk1, by1);
			for (unsigned int i = 0; i < fz.ncounters[p]; i++)
				CHECK(pk1[i] == pk0[i]);
			return 0;
		}
		counters(p, pk1, by1);
		/* Counters add up: one verdict, one reason, the frame's bytes. */
		{
			unsigned int moved = 0, v = verdict_counter(p, (int)opts.retval);

			for (unsigned int i = 0; i < fz.ncounters[p]; i++) {
				if (extra(p, i))
					continue;
				CHECK(pk1[i] - pk0[i] <= 1);
				if (pk1[i] != pk0[i]) {
					CHECK(by1[i] - by0[i] == len);
					moved++;
				}
			}
			CHECK(moved == 2);
			CHECK(pk1[v] - pk0[v] == 1);
		}
		want = expected(p, &m, tag_kind, reqid);
		if (want >= 0 && (int)opts.retval != want) {
			fprintf(stderr, "fuzz_bpf: program %d returned %u, the model says %d "
				"(kind %d v6 %d proto %u ports %u/%u frag %d)\n", p, opts.retval, want,
				m.kind, m.f.v6, m.proto, m.f.sport, m.f.dport, m.f.frag);
			CHECK((int)opts.retval == want);
		}
		/* The property the datapath exists for, stated on its own: a
		 * frame a PROTECT rule may cover never passes in clear. */
		if (m.kind == M_IP && p == P_TC && (int)opts.retval == TC_ACT_OK &&
		    !model_is_nd(&m.f)) {
			struct ref r = ref_lookup(XS_SPD_DIR_OUT, &m.f, XS_SPD_BYPASS);

			CHECK(!(r.kind == REF_RULE && r.p->action == XS_SPD_PROTECT));
			CHECK(r.kind != REF_AMBIGUOUS);
		}
	}
	return 0;
}
