// SPDX-License-Identifier: GPL-2.0-only
/*
 * TCP receive offload of runtime/merge.c: IPv4 and IPv6 streams (sequence
 * numbers across 2^32, timestamp-sized options) merged, checked against the
 * originals and an independent RFC 1071 pseudo-header sum (RFC 9293 §3.1,
 * RFC 8200 §8.1), completed as a device would (CHECKSUM_PARTIAL) and cut
 * again by runtime/gso.c into the very segments that went in; every segment
 * merging must refuse (built with correct checksums, so one field is all
 * that differs), the run left untouched; the run's end after a short or
 * PSH segment, at XSD_MERGE_MAX and the 64 KiB limit, at a bad checksum.
 * Buffers have their exact sizes so a sanitizer build catches overruns.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csum_ref.h"
#include <netinet/in.h>

#include "gso.h"
#include "ip.h"
#include "merge.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define FIN 0x01u
#define SYN 0x02u
#define RST 0x04u
#define PSH 0x08u
#define ACK 0x10u
#define URG 0x20u
#define ECE 0x40u
#define CWR 0x80u

#define MSS 1448u
#define OPT 12u                 /* TCP option bytes: NOP, NOP, timestamps */
#define SEQ0 0xfffffa00u        /* wraps inside the second segment */
#define ACKNO 0x0badf00du
#define ID0 0x1234u
#define L2 14u

/* One segment to build. */
struct seg {
	uint8_t ver;
	uint32_t ipopt;         /* IPv4 option bytes */
	uint32_t ext;           /* IPv6 destination options header bytes */
	uint32_t seq;
	uint32_t pay;
	uint8_t flags;
	uint16_t id;
};

static uint32_t l4_of(const struct seg *s)
{
	return s->ver == 4 ? 20u + s->ipopt : 40u + s->ext;
}

static uint32_t hdr_of(const struct seg *s)
{
	return l4_of(s) + 20u + OPT;
}

/* The stream's byte at sequence number seq. */
static uint8_t stream_byte(uint32_t seq)
{
	return (uint8_t)(seq * 131u + (seq >> 9) + 5u);
}

static uint16_t tcp_sum(const uint8_t *p, uint32_t l4, uint32_t len)
{
	return ref_fold(ref_sum(p + l4, len - l4, ref_pseudo(p, len - l4)));
}

static uint16_t ip4_sum(const uint8_t *p)
{
	return ref_fold(ref_sum(p, (p[0] & 0x0fu) * 4u, 0));
}

/* Writes correct IPv4 header and TCP checksums (TCP header at l4). */
static void fix(uint8_t *p, uint32_t len, uint32_t l4)
{
	if ((p[0] >> 4) == 4) {
		xs_put_be16(p + 10, 0);
		xs_put_be16(p + 10, (uint16_t)~ip4_sum(p));
	}
	xs_put_be16(p + l4 + 16, 0);
	xs_put_be16(p + l4 + 16, (uint16_t)~tcp_sum(p, l4, len));
}

/* A segment with correct checksums, in a buffer of exactly its size. */
static uint8_t *build(const struct seg *s, uint32_t *lenp)
{
	static const uint8_t opt[OPT] = { 1, 1, 8, 10, 0x01, 0x02, 0x03, 0x04,
					  0xa0, 0xb0, 0xc0, 0xd0 };
	uint32_t l4 = l4_of(s), hdr = hdr_of(s), len = hdr + s->pay;
	uint8_t *p = malloc(len), *t = p + l4;

	assert_non_null(p);
	memset(p, 0, hdr);
	if (s->ver == 4) {
		p[0] = (uint8_t)(0x40 | (20u + s->ipopt) / 4u);
		p[1] = 0xb8;                            /* DSCP EF */
		xs_put_be16(p + 2, (uint16_t)len);
		xs_put_be16(p + 4, s->id);
		xs_put_be16(p + 6, 0x4000);             /* DF */
		p[8] = 61;
		p[9] = IPPROTO_TCP;
		memcpy(p + 12, "\xc6\x33\x64\x0a\xcb\x00\x71\x2c", 8);
	} else {
		memcpy(p, "\x6b\x8a\xbc\xde", 4);       /* TC 0xb8, flow 0xabcde */
		xs_put_be16(p + 4, (uint16_t)(len - 40u));
		p[6] = s->ext ? 60 : IPPROTO_TCP;
		p[7] = 61;
		memcpy(p + 8, "\x20\x01\x0d\xb8\x00\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01", 16);
		memcpy(p + 24, "\x20\x01\x0d\xb8\x00\x0b\x00\x00\x00\x00\x00\x00\x00\x00\x01\x02", 16);
		if (s->ext)                             /* next TCP, PadN of 4 */
			memcpy(p + 40, "\x06\x00\x01\x04\x00\x00\x00\x00", 8);
	}
	xs_put_be16(t, 443);
	xs_put_be16(t + 2, 51000);
	xs_put_be32(t + 4, s->seq);
	xs_put_be32(t + 8, ACKNO);
	t[12] = (uint8_t)((5u + OPT / 4u) << 4);
	t[13] = s->flags;
	xs_put_be16(t + 14, 0x1f00);
	memcpy(t + 20, opt, OPT);
	for (uint32_t i = 0; i < s->pay; i++)
		p[hdr + i] = stream_byte(s->seq + i);
	fix(p, len, l4);
	*lenp = len;
	return p;
}

static uint8_t *dup_of(const uint8_t *p, uint32_t len)
{
	uint8_t *c = malloc(len);

	assert_non_null(c);
	memcpy(c, p, len);
	return c;
}

/* Merges a stream of nfull full segments and, if last, one of last bytes
 * with lastflags; checks the merged packet and cuts it again. */
static void round_trip(uint8_t ver, uint32_t nfull, uint32_t last, uint8_t lastflags)
{
	const uint32_t n = nfull + (last ? 1u : 0u);
	struct seg s = { .ver = ver, .seq = SEQ0, .pay = MSS, .flags = ACK, .id = ID0 };
	const uint32_t l4 = l4_of(&s), hdr = hdr_of(&s);
	uint8_t *p[XSD_MERGE_MAX], *orig[XSD_MERGE_MAX], *dg, h[128], spare[1];
	uint32_t len[XSD_MERGE_MAX], total = hdr, off = 0;
	uint8_t flags = (uint8_t)(ACK | (last ? lastflags & PSH : 0));
	struct virtio_net_hdr vh;
	struct xsd_merge m;
	struct xsd_gso g;

	assert_true(n <= XSD_MERGE_MAX && hdr <= sizeof(h));
	for (uint32_t i = 0; i < n; i++) {
		if (i == nfull) {
			s.pay = last;
			s.flags = lastflags;
		}
		p[i] = build(&s, &len[i]);
		orig[i] = dup_of(p[i], len[i]);
		total += s.pay;
		s.seq += s.pay;
		s.id++;
	}
	assert_true(xsd_merge_start(&m, p[0], len[0], 1000));
	for (uint32_t i = 1; i < n; i++) {
		assert_false(m.closed);
		assert_true(xsd_merge_add(&m, p[i], len[i], 1000 + i));
	}
	assert_int_equal(m.n, n);
	assert_int_equal(m.len, total);
	assert_int_equal(m.closed, (last && last < MSS) || (last && (lastflags & PSH)));
	assert_int_equal(xsd_merge_finish(&m, &vh, L2), (int)n);

	/* The iovec: the first segment whole, then the others' payloads. */
	dg = malloc(total);
	assert_non_null(dg);
	for (uint32_t i = 0; i < n; i++) {
		assert_ptr_equal(m.iov[1 + i].iov_base, p[i] + (i ? hdr : 0));
		assert_int_equal(m.iov[1 + i].iov_len, len[i] - (i ? hdr : 0));
		assert_int_equal(m.tag[i], 1000 + i);
		memcpy(dg + off, m.iov[1 + i].iov_base, m.iov[1 + i].iov_len);
		off += (uint32_t)m.iov[1 + i].iov_len;
	}
	assert_int_equal(off, total);

	/* Headers: the first's with the length of all (IPv4 checksum to
	 * match), PSH from the last, the pseudo-header sum in the field. */
	memcpy(h, orig[0], hdr);
	xs_put_be16(h + (ver == 4 ? 2 : 4), (uint16_t)(ver == 4 ? total : total - 40u));
	if (ver == 4) {
		xs_put_be16(h + 10, 0);
		xs_put_be16(h + 10, (uint16_t)~ip4_sum(h));
	}
	h[l4 + 13] = flags;
	xs_put_be16(h + l4 + 16, ref_fold(ref_pseudo(h, total - l4)));
	assert_memory_equal(dg, h, hdr);
	for (uint32_t i = hdr; i < total; i++)
		assert_int_equal(dg[i], stream_byte(SEQ0 + (i - hdr)));

	assert_int_equal(vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(vh.gso_type, ver == 4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6);
	assert_int_equal(vh.gso_size, MSS);
	assert_int_equal(vh.csum_start, L2 + l4);
	assert_int_equal(vh.csum_offset, 16);
	assert_int_equal(vh.hdr_len, L2 + hdr);

	/* Complete the checksum as the device would: the sum from csum_start
	 * to the end, field included, inverted into the field. */
	xs_put_be16(dg + l4 + 16, (uint16_t)~ref_fold(ref_sum(dg + l4, total - l4, 0)));
	assert_int_equal(tcp_sum(dg, l4, total), 0xffff);

	/* Cut again at the MSS: the very segments that went in. */
	assert_int_equal(xsd_gso_init(&g, dg, total, l4, MSS), 0);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *out = malloc(len[i]);

		assert_non_null(out);
		assert_int_equal(xsd_gso_next(&g, out, len[i]), (int)len[i]);
		assert_memory_equal(out, orig[i], len[i]);
		free(out);
	}
	assert_int_equal(xsd_gso_next(&g, spare, sizeof(spare)), 0);
	for (uint32_t i = 0; i < n; i++) {
		free(orig[i]);
		free(p[i]);
	}
	free(dg);
}

static void test_merge_round_trip(void **state)
{
	(void)state;
	round_trip(4, 10, 500, ACK | PSH);
	round_trip(6, 10, 501, ACK | PSH);      /* odd length */
	round_trip(4, 3, 0, 0);                 /* all full, no PSH: stays open */
	round_trip(6, 1, 1, ACK);               /* short, no PSH */
	round_trip(6, 2, MSS, ACK | PSH);       /* full with PSH */
}

/* A change to one byte of a built segment, checksums fixed after it
 * unless raw. */
struct mut {
	bool tcp;               /* off counts from the TCP header, else the IP one */
	uint32_t off;
	uint8_t xor;
	bool raw;
};

static void apply(uint8_t *p, uint32_t len, uint32_t l4, const struct mut *mu)
{
	p[(mu->tcp ? l4 : 0) + mu->off] ^= mu->xor;
	if (!mu->raw)
		fix(p, len, l4);
}

/* xsd_merge_start must refuse the segment s (changed by mu if given, its
 * length given as cut bytes less) and leave m alone. */
static void start_refused(const struct seg *s, const struct mut *mu, uint32_t cut)
{
	struct xsd_merge m, before;
	uint32_t len;
	uint8_t *p = build(s, &len);

	if (mu) {
		assert_true(xsd_merge_start(&m, p, len, 7));
		apply(p, len, l4_of(s), mu);
	}
	memset(&m, 0x5a, sizeof(m));
	memcpy(&before, &m, sizeof(m));
	assert_false(xsd_merge_start(&m, p, len - cut, 7));
	assert_memory_equal(&m, &before, sizeof(m));
	free(p);
}

#define TCPM(o, x) { true, (o), (x), false }
#define IPM(o, x) { false, (o), (x), false }

/* Both versions: checksum (field, payload) unfixed; flags; ACK missing;
 * the reserved/AE bits; data offset 4. */
static const struct mut start_tcp[] = {
	{ true, 16, 0x01, true }, { true, 20 + OPT + 7, 0x40, true },
	TCPM(13, SYN), TCPM(13, FIN), TCPM(13, RST), TCPM(13, URG), TCPM(13, ECE),
	TCPM(13, CWR), TCPM(13, ACK), TCPM(13, ACK | PSH), TCPM(12, 0x01), TCPM(12, 0xc0),
};
/* IPv4: DF clear, MF, offset, total length, protocol, version 5, IHL 4
 * and 6 (TCP header still where IHL 5 puts it). */
static const struct mut start_ip4[] = {
	IPM(6, 0x40), IPM(6, 0x20), IPM(7, 0x01), IPM(6, 0x01), IPM(3, 0x01),
	IPM(2, 0x01), IPM(9, IPPROTO_TCP ^ IPPROTO_UDP), IPM(0, 0x10), IPM(0, 0x01),
	IPM(0, 0x03),
};
/* IPv6: next header UDP, payload length. */
static const struct mut start_ip6[] = {
	IPM(6, IPPROTO_TCP ^ IPPROTO_UDP), IPM(5, 0x01), IPM(4, 0x01),
};

static void test_merge_start_refused(void **state)
{
	(void)state;
	for (uint8_t v = 4; v <= 6; v += 2) {
		/* A good one to change; no payload; IPv4 options or IPv6
		 * extension header (next header 60). */
		const struct seg s[] = {
			{ v, 0, 0, SEQ0, MSS, ACK, ID0 },
			{ v, 0, 0, SEQ0, 0, ACK, ID0 },
			{ v, v == 4 ? 4u : 0u, v == 6 ? 8u : 0u, SEQ0, MSS, ACK, ID0 },
		};

		for (size_t i = 0; i < ARRAY_SIZE(start_tcp); i++)
			start_refused(&s[0], &start_tcp[i], 0);
		for (size_t i = 0; i < (v == 4 ? ARRAY_SIZE(start_ip4) : ARRAY_SIZE(start_ip6)); i++)
			start_refused(&s[0], v == 4 ? &start_ip4[i] : &start_ip6[i], 0);
		start_refused(&s[0], NULL, 1);  /* length not the datagram's */
		start_refused(&s[1], NULL, 0);
		start_refused(&s[2], NULL, 0);
	}
}

/* Starts a run with a full segment and offers it the segment s1 (changed
 * by mu if given): refused, run and first segment untouched; the proper
 * second segment is still taken afterwards. */
static void add_refused(uint8_t ver, const struct seg *s1, const struct mut *mu)
{
	const struct seg s0 = { .ver = ver, .seq = SEQ0, .pay = MSS, .flags = ACK, .id = ID0 };
	struct seg good = s0;
	struct xsd_merge m, before;
	uint32_t len0, len1, leng;
	uint8_t *p0 = build(&s0, &len0), *p1 = build(s1, &len1), *c0, *pg;

	if (mu)
		apply(p1, len1, l4_of(s1), mu);
	assert_true(xsd_merge_start(&m, p0, len0, 1));
	memcpy(&before, &m, sizeof(m));
	c0 = dup_of(p0, len0);
	assert_false(xsd_merge_add(&m, p1, len1, 2));
	assert_memory_equal(&m, &before, sizeof(m));
	assert_memory_equal(p0, c0, len0);
	good.seq += MSS;
	good.id++;
	pg = build(&good, &leng);
	assert_true(xsd_merge_add(&m, pg, leng, 2));
	assert_int_equal(m.n, 2);
	free(pg);
	free(c0);
	free(p1);
	free(p0);
}

/* Both versions: ports, ack, window, options, flags, checksum unfixed. */
static const struct mut add_tcp[] = {
	TCPM(1, 0x01), TCPM(3, 0x01), TCPM(11, 0x01), TCPM(8, 0x80), TCPM(15, 0x01),
	TCPM(20 + OPT - 1, 0x01), TCPM(20 + 4, 0x01), TCPM(13, SYN), TCPM(13, FIN),
	TCPM(13, ECE), TCPM(13, CWR), TCPM(13, URG), { true, 16, 0x01, true },
	{ true, 20 + OPT + 100, 0x01, true },
};
/* IPv4: source, destination, TOS, ECN, TTL, DF. */
static const struct mut add_ip4[] = {
	IPM(15, 0x01), IPM(12, 0x80), IPM(19, 0x01), IPM(1, 0x04), IPM(1, 0x03),
	IPM(8, 0x01), IPM(6, 0x40),
};
/* IPv6: source, destination, traffic class, flow label, hop limit. */
static const struct mut add_ip6[] = {
	IPM(23, 0x01), IPM(8, 0x01), IPM(39, 0x01), IPM(24, 0x80), IPM(1, 0x10),
	IPM(0, 0x01), IPM(3, 0x01), IPM(1, 0x01), IPM(7, 0x01),
};

static void test_merge_add_refused(void **state)
{
	(void)state;
	for (uint8_t v = 4; v <= 6; v += 2) {
		/* A good one to change; gap, overlap, the first again, larger
		 * than the first, no payload, the other IP version, IPv4
		 * options or an IPv6 extension header. */
		const struct seg s[] = {
			{ v, 0, 0, SEQ0 + MSS, MSS, ACK, ID0 + 1 },
			{ v, 0, 0, SEQ0 + MSS + 1, MSS, ACK, ID0 + 1 },
			{ v, 0, 0, SEQ0 + MSS - 1, MSS, ACK, ID0 + 1 },
			{ v, 0, 0, SEQ0, MSS, ACK, ID0 + 1 },
			{ v, 0, 0, SEQ0 + MSS, MSS + 1, ACK, ID0 + 1 },
			{ v, 0, 0, SEQ0 + MSS, 0, ACK, ID0 + 1 },
			{ (uint8_t)(10 - v), 0, 0, SEQ0 + MSS, MSS, ACK, ID0 + 1 },
			{ v, v == 4 ? 4u : 0u, v == 6 ? 8u : 0u, SEQ0 + MSS, MSS, ACK, ID0 + 1 },
		};

		for (size_t i = 0; i < ARRAY_SIZE(add_tcp); i++)
			add_refused(v, &s[0], &add_tcp[i]);
		for (size_t i = 0; i < (v == 4 ? ARRAY_SIZE(add_ip4) : ARRAY_SIZE(add_ip6)); i++)
			add_refused(v, &s[0], v == 4 ? &add_ip4[i] : &add_ip6[i]);
		for (size_t i = 1; i < ARRAY_SIZE(s); i++)
			add_refused(v, &s[i], NULL);
	}
}

/* nseg segments of pay bytes (PSH on the psh_at-th, half as long the
 * short_at-th, a bad checksum on the bad_at-th) offered to one run in
 * turn: the first `taken` are accepted, every later one refused with the
 * run unchanged; what was taken is sound and the rest may start anew. */
static void run_until(uint8_t ver, uint32_t nseg, uint32_t pay, uint32_t psh_at,
		      uint32_t short_at, uint32_t bad_at, uint32_t taken)
{
	const struct mut bad = { true, 20 + OPT + 3, 0x10, true };
	struct seg s = { .ver = ver, .seq = SEQ0, .pay = pay, .flags = ACK, .id = ID0 };
	const uint32_t l4 = l4_of(&s), hdr = hdr_of(&s);
	uint8_t *p[XSD_MERGE_MAX + 1];
	uint32_t len[XSD_MERGE_MAX + 1], total = 0;
	struct xsd_merge m, before;
	struct virtio_net_hdr vh;

	assert_true(nseg <= XSD_MERGE_MAX + 1 && taken < nseg);
	for (uint32_t i = 0; i < nseg; i++) {
		s.pay = i == short_at ? pay / 2 : pay;
		s.flags = (uint8_t)(i == psh_at ? ACK | PSH : ACK);
		p[i] = build(&s, &len[i]);
		if (i == bad_at)
			apply(p[i], len[i], l4, &bad);
		total += i < taken ? s.pay : 0;
		s.seq += s.pay;
		s.id++;
	}
	assert_true(xsd_merge_start(&m, p[0], len[0], 0));
	for (uint32_t i = 1; i < taken; i++)
		assert_true(xsd_merge_add(&m, p[i], len[i], i));
	assert_int_equal(m.n, taken);
	memcpy(&before, &m, sizeof(m));
	for (uint32_t i = taken; i < nseg; i++) {
		assert_false(xsd_merge_add(&m, p[i], len[i], i));
		assert_memory_equal(&m, &before, sizeof(m));
	}
	if (taken > 1) {
		assert_int_equal(xsd_merge_finish(&m, &vh, 0), (int)taken);
		assert_int_equal(m.len, hdr + total);
		assert_int_equal(xs_get_be16(p[0] + (ver == 4 ? 2 : 4)),
				 ver == 4 ? m.len : m.len - 40u);
		assert_true(ver == 6 || ip4_sum(p[0]) == 0xffff);
		assert_int_equal(xs_get_be16(p[0] + l4 + 16), ref_fold(ref_pseudo(p[0], m.len - l4)));
		assert_int_equal(p[0][l4 + 13], psh_at < taken ? ACK | PSH : ACK);
		assert_int_equal(vh.gso_size, pay);
	}
	if (taken < nseg)
		assert_int_equal(xsd_merge_start(&m, p[taken], len[taken], 0),
				 taken != bad_at);
	for (uint32_t i = 0; i < nseg; i++)
		free(p[i]);
}

static void test_merge_run_end(void **state)
{
	(void)state;
	for (uint8_t v = 4; v <= 6; v += 2) {
		run_until(v, 3, MSS, 99, 1, 99, 2);     /* after a short one */
		run_until(v, 4, MSS, 99, 2, 99, 3);
		run_until(v, 4, MSS, 1, 99, 99, 2);     /* after PSH */
		run_until(v, 2, MSS, 0, 99, 99, 1);     /* the first had PSH */
		run_until(v, 5, MSS, 99, 99, 2, 2);     /* at a bad checksum */
		run_until(v, XSD_MERGE_MAX + 1, 100, 99, 99, 99, XSD_MERGE_MAX);
		/* The length fields' limit: 45 * 1448 fits, 46 do not. */
		run_until(v, 46, MSS, 99, 99, 99, 45);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_round_trip),
		cmocka_unit_test(test_merge_start_refused),
		cmocka_unit_test(test_merge_add_refused),
		cmocka_unit_test(test_merge_run_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
