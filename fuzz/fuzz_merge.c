// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the worker's TCP segmentation (runtime/gso.c) and
 * receive-offload merging (runtime/merge.c) on hostile packets.
 *
 * Input (numbers big-endian):
 *   bytes 0-1  the mss (b) cuts with (0 too: init must refuse)
 *   byte 2     mode: bits 0-1 the room policy of (b) for packets that
 *              pick none (0 hdr + mss, 1 ample, 2 one byte short of the
 *              segment, 3 small, from byte 3); bit 2 the TCP offset (b)
 *              passes is the natural one plus (int8)byte 3; bits 3-4 the
 *              link header length merging counts (0, 14, 18, 22); bit 5
 *              keeps a closed run open (the next add must refuse)
 *   byte 3     see mode
 *   then entries: 2 bytes n, 1 byte ctl, data
 *     ctl bit 3 clear: the packet is the next n bytes (fewer at the end);
 *                      ctl bits 4-5 its room policy in (b), 0 the mode's
 *     ctl bit 3 set:   the packet continues the previous one: its IP and
 *                      TCP headers, the sequence number advanced by its
 *                      payload, n payload bytes (the next n input bytes,
 *                      zero-filled past the end); ctl bits 4-7 = k > 0
 *                      make 5k such packets, each after the one before:
 *                      XSD_MERGE_MAX and the 64 KiB limit from few bytes
 *     ctl bit 0  set the IP length field(s) to the packet's length
 *     ctl bit 1  write a correct TCP checksum (TCP header where the IP
 *                header chain ends)
 *     ctl bit 2  write a correct IPv4 header checksum (after the others)
 * Every packet lives in a heap buffer of exactly its size. At most
 * PKTS_MAX packets and BYTES_MAX bytes per input; (b) cuts at most
 * SEGS_MAX segments per input (init is checked on every packet).
 * FUZZ_VERBOSE=1 prints what each packet and run did.
 *
 * (b) First, each packet is cut by xsd_gso_init/xsd_gso_next into output
 * buffers of exactly the room passed. Invariants: init succeeds exactly
 * when an independent model of its rules says so; -ENOSPC exactly when
 * the segment does not fit, with the state untouched; every segment has the length, headers
 * (lengths, IPv4 ID and checksum, sequence number, FIN/PSH/CWR rules),
 * payload and valid TCP checksum it must have; the segments cover the
 * payload once; then 0, and at most len/mss + 2 calls; the input is never
 * written.
 *
 * (a) The packets go through xsd_merge_start/xsd_merge_add as the worker
 * feeds them (a run ends when add refuses, or when it is closed), and each
 * run of two or more through xsd_merge_finish. Invariants: start/add never
 * take a packet with a wrong TCP or IPv4 header checksum, without payload,
 * or with flags other than ACK (+PSH), and leave the run and the first
 * packet alone when they refuse; finish returns m.n; the iovec is the
 * first packet whole and the others' payloads in order, its bytes what the
 * merged IP header claims; gso_size is the first payload, every other is
 * that size but the last, no larger; the checksum field holds the
 * pseudo-header sum; csum_start/csum_offset/hdr_len lie inside the merged
 * packet. The merged datagram (exact-size copy) cut again with
 * l4 = csum_start - l2 and mss = gso_size must give back the very segments
 * that went in (IPv4 IDs consecutive from the first's, checksums valid).
 *
 * Violations print the invariant and __builtin_trap().
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <linux/virtio_net.h>

#include "gso.h"
#include "ip.h"
#include "merge.h"
#include "fuzz_check.h"


#define PKTS_MAX 512u                /* packets per input */
#define BYTES_MAX (256u << 10)       /* packet bytes per input */
#define SEGS_MAX 4096u               /* segments (b) makes per input */
#define PKT_LEN_MAX (65535u + 40u)   /* the largest IPv6 datagram */
#define BIG_ROOM (PKT_LEN_MAX + 64u)

#define TCP_FIN 0x01u
#define TCP_PSH 0x08u
#define TCP_ACK 0x10u
#define TCP_CWR 0x80u
#define CANARY 0xa5u

struct pkt {
	uint8_t *p;       /* the packet merging sees (and changes) */
	uint8_t *orig;    /* a copy as generated */
	uint32_t len;
	uint8_t room;     /* room policy of (b) */
};

static struct pkt pk[PKTS_MAX];
static uint32_t npk;
static uint32_t segs_left;           /* of SEGS_MAX for this input */
static bool verbose;                 /* FUZZ_VERBOSE=1: say what each input did */

/* ---- reference checksums (RFC 1071, big-endian words) ---- */

/* Its loop is the harness's own: no coverage callbacks for every word. */
#ifdef __clang__
__attribute__((no_sanitize("coverage")))
#endif
static uint32_t ref_sum(const uint8_t *p, uint32_t n, uint32_t s)
{
	uint64_t t = s;

	for (uint32_t i = 0; i + 1 < n; i += 2)
		t += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		t += (uint32_t)p[n - 1] << 8;
	while (t >> 16)
		t = (t & 0xffffu) + (t >> 16);
	return (uint32_t)t;
}

static uint16_t ref_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffffu) + (s >> 16);
	return (uint16_t)s;
}

/* Pseudo-header sum of tlen bytes of TCP under the IP header at p (the
 * IPv6 header's own destination, as runtime/csum.c takes it). */
static uint32_t ref_pseudo(const uint8_t *p, uint32_t tlen)
{
	if ((p[0] >> 4) == 4)
		return ref_sum(p + 12, 8, 0) + IPPROTO_TCP + (tlen >> 16) + (tlen & 0xffffu);
	return ref_sum(p + 8, 32, 0) + (tlen >> 16) + (tlen & 0xffffu) + IPPROTO_TCP;
}

static bool tcp_csum_ok(const uint8_t *p, uint32_t l4, uint32_t len)
{
	return ref_fold(ref_sum(p + l4, len - l4, ref_pseudo(p, len - l4))) == 0xffff;
}

static bool ip4_csum_ok(const uint8_t *p)
{
	return ref_fold(ref_sum(p, (p[0] & 0x0fu) * 4u, 0)) == 0xffff;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p && n)
		abort();
	return p;
}

/*
 * An independent model of the header chain: the TCP offset where the IP
 * header chain of the len-byte packet p ends (IPv4 header with options, or
 * IPv6 header and at most XS_ENGINE_EXT_MAX hop-by-hop, routing and
 * destination options headers) and its upper protocol, within the length
 * the IP header gives (*iplen). Returns false if there is no such chain
 * (not IPv4/IPv6, short, a fragment).
 */
static bool model_chain(const uint8_t *p, uint32_t len, uint32_t *l4, uint8_t *nh,
			uint32_t *iplen)
{
	if (len < 1)
		return false;
	if ((p[0] >> 4) == 4) {
		uint32_t ihl = (p[0] & 0x0fu) * 4u;

		if (len < 20 || ihl < 20 || be16(p + 2) < ihl || be16(p + 2) > len ||
		    (be16(p + 6) & 0x3fffu))
			return false;
		*l4 = ihl;
		*nh = p[9];
		*iplen = be16(p + 2);
		return true;
	}
	if ((p[0] >> 4) == 6) {
		uint32_t off = 40, tot;
		uint8_t h;

		if (len < 40 || 40u + be16(p + 4) > len)
			return false;
		tot = 40u + be16(p + 4);
		h = p[6];
		for (unsigned int i = 0; h == 0 || h == 43 || h == 44 || h == 60; i++) {
			if (i == XS_ENGINE_EXT_MAX || h == 44 || off + 8 > tot ||
			    off + (p[off + 1] + 1u) * 8u > tot)
				return false;
			h = p[off];
			off += (p[off + 1] + 1u) * 8u;
		}
		*l4 = off;
		*nh = h;
		*iplen = tot;
		return true;
	}
	return false;
}

/* ---- input decoding ---- */

/* Fixes what ctl asks for in the len-byte packet p. */
static void fix_up(uint8_t *p, uint32_t len, uint8_t ctl)
{
	uint32_t l4, iplen;
	uint8_t nh;

	if ((ctl & 1) && len >= 1) {
		if ((p[0] >> 4) == 4 && len >= 20 && len <= 0xffff)
			put16(p + 2, (uint16_t)len);
		else if ((p[0] >> 4) == 6 && len >= 40 && len - 40 <= 0xffff)
			put16(p + 4, (uint16_t)(len - 40));
	}
	if ((ctl & 2) && model_chain(p, len, &l4, &nh, &iplen) && iplen >= l4 + 18) {
		put16(p + l4 + 16, 0);
		put16(p + l4 + 16, (uint16_t)~ref_fold(ref_sum(p + l4, iplen - l4,
							       ref_pseudo(p, iplen - l4))));
	}
	if ((ctl & 4) && len >= 20 && (p[0] >> 4) == 4 && (p[0] & 0x0fu) * 4u <= len) {
		put16(p + 10, 0);
		put16(p + 10, (uint16_t)~ref_fold(ref_sum(p, (p[0] & 0x0fu) * 4u, 0)));
	}
}

static bool add_pkt(uint8_t *p, uint32_t len, uint8_t room, uint32_t *bytes)
{
	if (npk == PKTS_MAX || *bytes + len > BYTES_MAX) {
		free(p);
		return false;
	}
	*bytes += len;
	pk[npk].p = p;
	pk[npk].orig = xmalloc(len);
	memcpy(pk[npk].orig, p, len);
	pk[npk].len = len;
	pk[npk].room = room;
	npk++;
	return true;
}

/* A packet after prev: its headers, sequence number advanced, pay bytes of
 * payload from data (zero-filled). NULL if prev has no TCP header. */
static uint8_t *derive(const struct pkt *prev, const uint8_t *data, uint32_t have,
		       uint32_t pay, uint32_t *lenp)
{
	uint32_t l4, iplen, thl, hdr, len;
	uint8_t nh, *p;

	if (!model_chain(prev->orig, prev->len, &l4, &nh, &iplen) || l4 + 20 > prev->len)
		return NULL;
	thl = (uint32_t)(prev->orig[l4 + 12] >> 4) * 4u;
	hdr = l4 + (thl < 20 ? 20 : thl);
	if (hdr > prev->len)
		hdr = prev->len;
	len = hdr + pay;
	if (len > PKT_LEN_MAX)
		len = PKT_LEN_MAX;
	p = xmalloc(len);
	memcpy(p, prev->orig, hdr);
	memset(p + hdr, 0, len - hdr);
	memcpy(p + hdr, data, have < len - hdr ? have : len - hdr);
	put32(p + l4 + 4, be32(prev->orig + l4 + 4) +
		  (prev->len > hdr ? prev->len - hdr : 0));
	*lenp = len;
	return p;
}

static void decode(const uint8_t *d, size_t size)
{
	uint32_t bytes = 0;

	npk = 0;
	while (size >= 3 && npk < PKTS_MAX) {
		uint32_t n = be16(d), have, copies, len;
		uint8_t ctl = d[2], *p;

		d += 3;
		size -= 3;
		have = n < size ? n : (uint32_t)size;
		if (!(ctl & 8)) {
			p = xmalloc(have);
			memcpy(p, d, have);
			fix_up(p, have, ctl);
			if (!add_pkt(p, have, (ctl >> 4) & 3, &bytes))
				return;
		} else {
			copies = (ctl >> 4) ? (ctl >> 4) * 5u : 1u;
			for (uint32_t c = 0; c < copies && npk; c++) {
				p = derive(&pk[npk - 1], d, have, n, &len);
				if (!p)
					break;
				fix_up(p, len, ctl);
				if (!add_pkt(p, len, 0, &bytes))
					return;
			}
		}
		d += have;
		size -= have;
	}
}

/* ---- (b) cutting each input packet ---- */

/* What xsd_gso_init must say of pkt, l4, mss, from the rules in gso.h. */
static bool model_gso_ok(const uint8_t *p, uint32_t len, uint32_t l4, uint32_t mss)
{
	uint32_t ml4, iplen, thl;
	uint8_t nh;

	if (!mss || !model_chain(p, len, &ml4, &nh, &iplen) || iplen != len ||
	    nh != IPPROTO_TCP || ml4 != l4 || l4 > len || len - l4 < 20)
		return false;
	thl = (uint32_t)(p[l4 + 12] >> 4) * 4u;
	return thl >= 20 && thl <= len - l4 && (uint64_t)(len - l4 - thl) <= 0xffffull * mss;
}

/* Checks segment k (seglen bytes at out) of pkt cut at mss: it carries
 * the pay payload bytes from off. */
static void check_segment(const uint8_t *pkt, uint32_t len, uint32_t l4, uint32_t hdr,
			  const uint8_t *out, uint32_t seglen, uint32_t k, uint32_t off,
			  uint32_t pay)
{
	const uint8_t *it = pkt + l4, *ot = out + l4;
	uint8_t flags = it[13];

	CHECK(seglen == hdr + pay);
	if ((pkt[0] >> 4) == 4) {
		CHECK(be16(out + 2) == seglen);
		CHECK(be16(out + 4) == (uint16_t)(be16(pkt + 4) + k));
		CHECK(ip4_csum_ok(out));
		CHECK(!memcmp(out, pkt, 2) && !memcmp(out + 6, pkt + 6, 4) &&
		      !memcmp(out + 12, pkt + 12, l4 - 12));
	} else {
		CHECK(be16(out + 4) + 40u == seglen);
		CHECK(!memcmp(out, pkt, 4) && !memcmp(out + 6, pkt + 6, l4 - 6));
	}
	/* Ports; acknowledgment, data offset; window; urgent pointer, options. */
	CHECK(!memcmp(ot, it, 4) && !memcmp(ot + 8, it + 8, 5) && !memcmp(ot + 14, it + 14, 2) &&
	      !memcmp(ot + 18, it + 18, hdr - l4 - 18));
	CHECK(be32(ot + 4) == be32(it + 4) + (off - hdr));
	if (k)
		flags &= (uint8_t)~TCP_CWR;
	if (off + pay < len)
		flags &= (uint8_t)~(TCP_FIN | TCP_PSH);
	CHECK(ot[13] == flags);
	CHECK(!memcmp(out + hdr, pkt + off, pay));
	CHECK(tcp_csum_ok(out, l4, seglen));
}

static void cut_one(const struct pkt *k, uint16_t mss, uint8_t mode, uint8_t b3)
{
	const uint8_t *p = k->p;
	uint32_t len = k->len, l4, iplen, hdr, off, calls = 0, limit, policy;
	static uint8_t big[BIG_ROOM];
	struct xsd_gso g, before;
	uint8_t nh;
	int r;

	if (!model_chain(p, len, &l4, &nh, &iplen))
		l4 = len >= 1 && (p[0] >> 4) == 4 ? (p[0] & 0x0fu) * 4u : 40u;
	if (mode & 4)
		l4 = (uint32_t)((int32_t)l4 + (int8_t)b3);
	r = xsd_gso_init(&g, p, len, l4, mss);
	CHECK(r == 0 || r == -EINVAL);
	CHECK((r == 0) == model_gso_ok(p, len, l4, mss));
	if (verbose)
		fprintf(stderr, "cut: len %u l4 %u mss %u: %s\n", len, l4, mss,
			r ? "refused" : "accepted");
	if (r)
		return;
	hdr = l4 + (uint32_t)(p[l4 + 12] >> 4) * 4u;
	CHECK(g.hdr == hdr && g.l4 == l4 && g.len == len && g.mss == mss);
	policy = k->room ? k->room : (mode & 3);
	limit = (len - hdr) / mss + 2;
	if (limit > segs_left)
		return;         /* init checked; cutting all would be slow */
	segs_left -= limit;
	off = hdr;
	for (uint32_t seg = 0;; seg++) {
		uint32_t pay = len - off < mss ? len - off : mss, need = hdr + pay, room;
		bool done = off >= len && (seg || len > hdr);
		uint8_t *out;

		CHECK(++calls <= limit);
		switch (policy) {
		case 0: room = hdr + mss; break;
		case 1: room = BIG_ROOM; break;
		case 2: room = need ? need - 1u : 0u; break;
		default: room = (uint32_t)b3 * 7u + seg % 3u; break;
		}
		out = room == BIG_ROOM ? big : xmalloc(room);
		if (room)
			memset(out, CANARY, room < need + 1 ? room : need + 1);
		before = g;
		r = xsd_gso_next(&g, out, room);
		if (done) {
			CHECK(r == 0);
		} else if (need > room) {
			CHECK(r == -ENOSPC);
			CHECK(!memcmp(&g, &before, sizeof(g)));
			/* Again with ample room. */
			if (out != big)
				free(out);
			out = big;
			room = BIG_ROOM;
			memset(out, CANARY, need + 1);
			r = xsd_gso_next(&g, out, room);
		}
		if (!done) {
			CHECK(r == (int)need);
			CHECK(need == room || out[need] == CANARY);
			check_segment(p, len, l4, hdr, out, need, seg, off, pay);
			CHECK(g.seg == seg + 1 && g.next == off + pay);
			off += pay;
		}
		if (out != big)
			free(out);
		if (done)
			break;
	}
	CHECK(off == (len > hdr ? len : hdr));
	/* Once done it stays done. */
	CHECK(xsd_gso_next(&g, big, BIG_ROOM) == 0);
	CHECK(!memcmp(p, k->orig, len));
}

/* ---- (a) merging ---- */

/* What merging may take at all: a packet with valid checksums, payload,
 * ACK and at most PSH (merge.h). */
static void check_mergeable(const struct pkt *k)
{
	const uint8_t *p = k->orig;
	uint32_t l4 = (p[0] >> 4) == 4 ? 20u : 40u, thl;

	CHECK(k->len >= l4 + 20);
	CHECK((p[0] >> 4) == 6 || (p[0] == 0x45 && ip4_csum_ok(p) && be16(p + 2) == k->len &&
				   be16(p + 6) == 0x4000 && p[9] == IPPROTO_TCP));
	CHECK((p[0] >> 4) == 4 || (p[6] == IPPROTO_TCP && be16(p + 4) + 40u == k->len));
	thl = (uint32_t)(p[l4 + 12] >> 4) * 4u;
	CHECK(thl >= 20 && l4 + thl < k->len);
	CHECK((p[l4 + 13] & (uint8_t)~TCP_PSH) == TCP_ACK && !(p[l4 + 12] & 0x0fu));
	CHECK(tcp_csum_ok(p, l4, k->len));
}

static void finish_run(struct xsd_merge *m, uint32_t l2)
{
	const uint32_t n = m->n;
	const struct pkt *f = &pk[m->tag[0]];
	const uint8_t ver = f->orig[0] >> 4;
	const uint32_t l4 = ver == 4 ? 20u : 40u;
	const uint32_t hdr = l4 + (uint32_t)(f->orig[l4 + 12] >> 4) * 4u;
	const uint32_t gso = f->len - hdr;
	struct virtio_net_hdr vh;
	uint32_t total = 0, off = 0, iplen;
	uint8_t *dg, spare[1];
	struct xsd_gso g;
	int r;

	CHECK(n >= 2 && n <= XSD_MERGE_MAX);
	if (verbose)
		fprintf(stderr, "merged: packets %u..%u, %u bytes, IPv%u, gso_size %u\n",
			(unsigned int)m->tag[0], (unsigned int)m->tag[n - 1], m->len, ver, gso);
	r = xsd_merge_finish(m, &vh, l2);
	CHECK(r == (int)n && m->n == n);
	CHECK(m->first == f->p && m->hdr == hdr && m->mss == gso);
	for (uint32_t i = 0; i < n; i++) {
		const struct pkt *k = &pk[m->tag[i]];

		CHECK(m->tag[i] == m->tag[0] + i && m->tag[i] < npk);
		CHECK(m->iov[1 + i].iov_base == k->p + (i ? hdr : 0));
		CHECK(m->iov[1 + i].iov_len == k->len - (i ? hdr : 0));
		if (i) {
			CHECK(k->len - hdr <= gso);
			CHECK(i == n - 1 || k->len - hdr == gso);
		}
		total += (uint32_t)m->iov[1 + i].iov_len;
	}
	CHECK(total == m->len && total <= xs_l3_max(ver));
	iplen = ver == 4 ? be16(f->p + 2) : be16(f->p + 4) + 40u;
	CHECK(iplen == total);
	if (ver == 4)
		CHECK(ip4_csum_ok(f->p));
	/* PSH from the last; the pseudo-header sum in the checksum field. */
	CHECK(f->p[l4 + 13] == (TCP_ACK | (pk[m->tag[n - 1]].orig[l4 + 13] & TCP_PSH)));
	CHECK(be16(f->p + l4 + 16) == ref_fold(ref_pseudo(f->p, total - l4)));
	CHECK(vh.flags == VIRTIO_NET_HDR_F_NEEDS_CSUM);
	CHECK(vh.gso_type == (ver == 4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6));
	CHECK(vh.gso_size == gso);
	CHECK(vh.csum_start == l2 + l4 && vh.csum_offset == 16);
	CHECK(vh.hdr_len == l2 + hdr && vh.csum_start + vh.csum_offset + 2u <= vh.hdr_len);
	CHECK(vh.hdr_len <= l2 + total);

	/* The datagram as the tap would carry it, cut again. */
	dg = xmalloc(total);
	for (uint32_t i = 0; i < n; i++) {
		memcpy(dg + off, m->iov[1 + i].iov_base, m->iov[1 + i].iov_len);
		off += (uint32_t)m->iov[1 + i].iov_len;
	}
	r = xsd_gso_init(&g, dg, total, (uint32_t)vh.csum_start - l2, vh.gso_size);
	CHECK(r == 0);
	for (uint32_t i = 0; i < n; i++) {
		const struct pkt *k = &pk[m->tag[i]];
		uint8_t *out = xmalloc(k->len), *o = k->orig;
		uint16_t want, got;

		r = xsd_gso_next(&g, out, k->len);
		CHECK(r == (int)k->len);
		CHECK(tcp_csum_ok(out, l4, k->len));
		if (ver == 4) {
			CHECK(ip4_csum_ok(out));
			CHECK(be16(out + 4) == (uint16_t)(be16(f->orig + 4) + i));
			CHECK(!memcmp(out, o, 4) && !memcmp(out + 6, o + 6, 4) &&
			      !memcmp(out + 12, o + 12, 8));
		} else {
			CHECK(!memcmp(out, o, 40));
		}
		/* Equal checksums, but a field of 0xffff verifies as 0 does. */
		want = be16(o + l4 + 16);
		got = be16(out + l4 + 16);
		CHECK(got == want || (got == 0 && want == 0xffff));
		CHECK(!memcmp(out + l4, o + l4, 16) &&
		      !memcmp(out + l4 + 18, o + l4 + 18, k->len - l4 - 18));
		free(out);
	}
	CHECK(xsd_gso_next(&g, spare, sizeof(spare)) == 0);
	free(dg);
}

static void merge_all(uint32_t l2, bool keep_closed)
{
	struct xsd_merge m, before;
	uint8_t first_hdr[128];

	memset(&m, 0, sizeof(m));
	for (uint32_t i = 0; i < npk; i++) {
		struct pkt *k = &pk[i];
		bool ok;

		if (m.n) {
			const uint32_t fh = m.hdr <= sizeof(first_hdr) ? m.hdr : 0;

			CHECK(fh);
			memcpy(&before, &m, sizeof(m));
			memcpy(first_hdr, m.first, fh);
			ok = xsd_merge_add(&m, k->p, k->len, i);
			if (ok) {
				check_mergeable(k);
				CHECK(m.n == before.n + 1 && !before.closed);
				if (m.closed && !keep_closed) {
					finish_run(&m, l2);
					m.n = 0;
				}
				continue;
			}
			CHECK(!memcmp(&m, &before, sizeof(m)));
			CHECK(!memcmp(m.first, first_hdr, fh));
			if (m.n >= 2)
				finish_run(&m, l2);
			m.n = 0;
		}
		memcpy(&before, &m, sizeof(m));
		ok = xsd_merge_start(&m, k->p, k->len, i);
		if (!ok) {
			CHECK(!memcmp(&m, &before, sizeof(m)));
			continue;
		}
		check_mergeable(k);
		CHECK(m.n == 1 && m.first == k->p && m.len == k->len);
		if (m.closed && !keep_closed)
			m.n = 0;
	}
	if (m.n >= 2)
		finish_run(&m, l2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t l2s[4] = { 0, 14, 18, 22 };
	uint16_t mss;
	uint8_t mode, b3;

	if (size < 4)
		return 0;
	verbose = getenv("FUZZ_VERBOSE") && !strcmp(getenv("FUZZ_VERBOSE"), "1");
	mss = be16(data);
	mode = data[2];
	b3 = data[3];
	decode(data + 4, size - 4);
	segs_left = SEGS_MAX;
	for (uint32_t i = 0; i < npk; i++)
		cut_one(&pk[i], mss, mode, b3);
	merge_all(l2s[(mode >> 3) & 3], mode & 0x20);
	for (uint32_t i = 0; i < npk; i++) {
		free(pk[i].p);
		free(pk[i].orig);
	}
	npk = 0;
	return 0;
}
