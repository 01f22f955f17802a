// SPDX-License-Identifier: GPL-2.0-only
/*
 * TCP segmentation of runtime/gso.c: IPv4, IPv6 and IPv6 with a
 * destination options header cut into MSS segments, each checked field by
 * field (lengths, IPv4 ID, sequence numbers across the 2^32 wrap, CWR on
 * the first segment only, FIN/PSH on the last only, everything else
 * unchanged) and against checksums computed here by an independent
 * RFC 1071 sum over the pseudo-header (RFC 9293 §3.1, RFC 8200 §8.1);
 * edge sizes (multiple of the MSS, one short segment, no payload); the
 * inputs xsd_gso_init refuses; -ENOSPC leaving the state untouched.
 * Buffers are allocated to their exact sizes so a sanitizer build catches
 * any access outside them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csum_ref.h"

#include "gso.h"
#include "ip.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define FIN 0x01u
#define PSH 0x08u
#define ACK 0x10u
#define CWR 0x80u

#define SEQ_WRAP 0xfffffff0u
#define ACKNO 0x89abcdefu

/* What a test packet looks like. */
struct spec {
	uint8_t ver;      /* 4 or 6 */
	uint32_t ext;     /* IPv6 destination options bytes (0 or 8) */
	uint32_t opt;     /* TCP option bytes (multiple of 4) */
	uint32_t pay;     /* TCP payload bytes */
	uint8_t flags;
	uint32_t seq;
};

static uint32_t l4_of(const struct spec *s)
{
	return (s->ver == 4 ? 20u : 40u) + s->ext;
}

static uint32_t hdr_of(const struct spec *s)
{
	return l4_of(s) + 20u + s->opt;
}

static uint8_t pattern(uint32_t i)
{
	return (uint8_t)(i * 7u + (i >> 8) + 3u);
}

/* A packet as the stack hands it over, in a buffer of exactly its size.
 * The checksum fields hold junk: segmentation must not depend on them. */
static uint8_t *build(const struct spec *s, uint32_t *lenp)
{
	static const uint8_t src6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
					  0, 0, 0, 0, 0, 0, 0xa5, 0x01 };
	static const uint8_t dst6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0,
					  0, 0, 0, 0, 0xfe, 0xdc, 0x00, 0x02 };
	static const uint8_t ts[12] = { 1, 1, 8, 10, 0x11, 0x22, 0x33, 0x44,
					0x55, 0x66, 0x77, 0x88 };
	uint32_t l4 = l4_of(s), hdr = hdr_of(s), len = hdr + s->pay;
	uint8_t *p = malloc(len), *t = p + l4;

	assert_non_null(p);
	memset(p, 0, hdr);
	if (s->ver == 4) {
		p[0] = 0x45;
		p[1] = 0xa1;                    /* DSCP + ECT(1) */
		xs_put_be16(p + 2, (uint16_t)len);
		xs_put_be16(p + 4, 0x1234);
		xs_put_be16(p + 6, 0x4000);     /* DF */
		p[8] = 64;
		p[9] = IPPROTO_TCP;
		xs_put_be16(p + 10, 0xdead);
		memcpy(p + 12, "\xc0\x00\x02\x01\xc6\x33\x64\x07", 8);
	} else {
		memcpy(p, "\x6a\x11\x23\x45", 4);   /* TC 0xa1, flow 0x12345 */
		xs_put_be16(p + 4, (uint16_t)(len - 40u));
		p[6] = s->ext ? 60 : IPPROTO_TCP;
		p[7] = 64;
		memcpy(p + 8, src6, 16);
		memcpy(p + 24, dst6, 16);
		if (s->ext)                    /* next TCP, len 0, PadN of 4 */
			memcpy(p + 40, "\x06\x00\x01\x04\x00\x00\x00\x00", 8);
	}
	xs_put_be16(t, 0xc001);
	xs_put_be16(t + 2, 443);
	xs_put_be32(t + 4, s->seq);
	xs_put_be32(t + 8, ACKNO);
	t[12] = (uint8_t)((5u + s->opt / 4u) << 4);
	t[13] = s->flags;
	xs_put_be16(t + 14, 0xfedc);
	xs_put_be16(t + 16, 0xbeef);
	xs_put_be16(t + 18, 0);
	for (uint32_t i = 0; i < s->opt; i++)
		t[20 + i] = ts[i % sizeof(ts)];
	for (uint32_t i = 0; i < s->pay; i++)
		p[hdr + i] = pattern(i);
	*lenp = len;
	return p;
}

/* Checks segment i (payload at offset off, pay bytes, last or not) of the
 * packet p built from s. */
static void check_seg(const struct spec *s, const uint8_t *p, const uint8_t *seg,
		      uint32_t i, uint32_t off, uint32_t pay, bool last)
{
	uint32_t l4 = l4_of(s), hdr = hdr_of(s), len = hdr + pay;
	const uint8_t *t = seg + l4, *o = p + l4;
	uint8_t flags = s->flags;

	if (s->ver == 4) {
		assert_memory_equal(seg, p, 2);           /* version, IHL, TOS */
		assert_int_equal(xs_get_be16(seg + 2), len);
		assert_int_equal(xs_get_be16(seg + 4), (uint16_t)(0x1234 + i));
		assert_memory_equal(seg + 6, p + 6, 4);   /* DF, TTL, protocol */
		assert_memory_equal(seg + 12, p + 12, 8); /* addresses */
		assert_true(ref_ip4_ok(seg));
	} else {
		assert_memory_equal(seg, p, 4);
		assert_int_equal(xs_get_be16(seg + 4), len - 40u);
		assert_memory_equal(seg + 6, p + 6, 34 + s->ext);
	}
	assert_memory_equal(t, o, 4);                     /* ports */
	assert_int_equal(xs_get_be32(t + 4), (uint32_t)(s->seq + off));
	assert_int_equal(xs_get_be32(t + 8), ACKNO);
	assert_int_equal(t[12], o[12]);
	if (i)
		flags &= (uint8_t)~CWR;
	if (!last)
		flags &= (uint8_t)~(FIN | PSH);
	assert_int_equal(t[13], flags);
	assert_memory_equal(t + 14, o + 14, 2);           /* window */
	assert_memory_equal(t + 18, o + 18, 2 + s->opt);  /* urgent, options */
	assert_true(ref_tcp_ok(seg, l4, len));
	if (pay)
		assert_memory_equal(seg + hdr, p + hdr + off, pay);
}

/* Segments the packet of s at mss and expects n segments of want[i]
 * payload bytes, each in an out buffer of exactly its size. */
static void run(const struct spec *s, uint32_t mss, const uint32_t *want, uint32_t n)
{
	uint32_t len, hdr = hdr_of(s), off = 0;
	uint8_t *p = build(s, &len), *cat = malloc(s->pay + 1), spare[1];
	struct xsd_gso g;

	assert_non_null(cat);
	assert_int_equal(xsd_gso_init(&g, p, len, l4_of(s), mss), 0);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t sl = hdr + want[i];
		uint8_t *seg = malloc(sl);

		assert_non_null(seg);
		assert_int_equal(xsd_gso_next(&g, seg, sl), (int)sl);
		check_seg(s, p, seg, i, off, want[i], i + 1 == n);
		memcpy(cat + off, seg + hdr, want[i]);
		off += want[i];
		free(seg);
	}
	assert_int_equal(off, s->pay);
	assert_memory_equal(cat, p + hdr, s->pay);
	assert_int_equal(xsd_gso_next(&g, spare, sizeof(spare)), 0);
	assert_int_equal(xsd_gso_next(&g, spare, sizeof(spare)), 0);
	free(cat);
	free(p);
}

static const uint32_t three[] = { 1448, 1448, 1104 };

static void test_gso_ipv4(void **state)
{
	const struct spec s = { 4, 0, 12, 4000, ACK | PSH | FIN | CWR, SEQ_WRAP };
	(void)state;
	run(&s, 1448, three, ARRAY_SIZE(three));
}

static void test_gso_ipv6(void **state)
{
	const struct spec s = { 6, 0, 12, 4000, ACK | PSH | FIN | CWR, SEQ_WRAP };
	(void)state;
	run(&s, 1448, three, ARRAY_SIZE(three));
}

static void test_gso_ipv6_ext(void **state)
{
	const struct spec s = { 6, 8, 12, 4000, ACK | PSH | FIN | CWR, SEQ_WRAP };
	(void)state;
	assert_int_equal(l4_of(&s), 48);
	run(&s, 1448, three, ARRAY_SIZE(three));
}

static void test_gso_sizes(void **state)
{
	static const uint32_t two[] = { 1000, 1000 }, odd[] = { 999, 999, 1 };
	static const uint32_t small[] = { 500 }, none[] = { 0 };
	const struct spec mult = { 4, 0, 0, 2000, ACK | PSH, 1000 };
	const struct spec odd6 = { 6, 0, 12, 1999, ACK | CWR, 7 };
	const struct spec fin4 = { 4, 0, 12, 0, ACK | FIN, SEQ_WRAP };
	const struct spec fin6 = { 6, 8, 0, 0, ACK | FIN, 1 };
	(void)state;

	run(&mult, 1000, two, ARRAY_SIZE(two));
	run(&odd6, 999, odd, ARRAY_SIZE(odd));
	run(&fin4, 1448, none, 1);
	run(&fin6, 1448, none, 1);
	for (uint8_t v = 4; v <= 6; v += 2) {
		const struct spec sm = { v, 0, 12, 500, ACK | PSH | FIN | CWR, 0 };
		uint32_t len, l4 = l4_of(&sm);
		uint8_t *p = build(&sm, &len), *seg = malloc(len);
		struct xsd_gso g;

		assert_non_null(seg);
		run(&sm, 1448, small, 1);
		/* One segment: the input itself apart from the checksums. */
		assert_int_equal(xsd_gso_init(&g, p, len, l4, 1448), 0);
		assert_int_equal(xsd_gso_next(&g, seg, len), (int)len);
		memset(seg + l4 + 16, 0, 2);
		memset(p + l4 + 16, 0, 2);
		if (v == 4) {
			memset(seg + 10, 0, 2);
			memset(p + 10, 0, 2);
		}
		assert_memory_equal(seg, p, len);
		free(seg);
		free(p);
	}
}

/* xsd_gso_init on a copy of the first len bytes of p, in a buffer of
 * exactly len bytes. */
static int init_copy(const uint8_t *p, uint32_t len, uint32_t l4, uint32_t mss)
{
	uint8_t *c = malloc(len ? len : 1);
	struct xsd_gso g;
	int r;

	assert_non_null(c);
	memcpy(c, p, len);
	r = xsd_gso_init(&g, c, len, l4, mss);
	free(c);
	return r;
}

static void test_gso_init_errors(void **state)
{
	const struct spec s4 = { 4, 0, 12, 100, ACK, 1 }, s6 = { 6, 0, 0, 100, ACK, 1 };
	const struct spec bare = { 4, 0, 12, 0, ACK | FIN, 1 };
	uint32_t len, len6, blen;
	uint8_t *p = build(&s4, &len), *p6 = build(&s6, &len6), *b = build(&bare, &blen);
	(void)state;

	assert_int_equal(init_copy(p, len, 20, 1448), 0);
	assert_int_equal(init_copy(p6, len6, 40, 1448), 0);
	assert_int_equal(init_copy(p, len, 20, 0), -EINVAL);             /* mss 0 */
	assert_int_equal(init_copy(p, 19, 20, 1448), -EINVAL);           /* < 20 */
	assert_int_equal(init_copy(p, 0, 20, 1448), -EINVAL);
	assert_int_equal(init_copy(p, len, 24, 1448), -EINVAL);          /* IHL 5 */
	assert_int_equal(init_copy(p6, 39, 40, 1448), -EINVAL);          /* < 40 */
	assert_int_equal(init_copy(p6, len6, 20, 1448), -EINVAL);
	/* Header longer than the packet: cut into it, or a data offset
	 * beyond the end. */
	assert_int_equal(init_copy(p, 39, 20, 1448), -EINVAL);
	assert_int_equal(init_copy(p, 51, 20, 1448), -EINVAL);
	assert_int_equal(init_copy(b, blen, 20, 1448), 0);
	b[20 + 12] = 9 << 4;
	assert_int_equal(init_copy(b, blen, 20, 1448), -EINVAL);
	p[9] = IPPROTO_UDP;
	assert_int_equal(init_copy(p, len, 20, 1448), -EINVAL);
	p[9] = IPPROTO_TCP;
	p[20 + 12] = 4 << 4;                                             /* doff 4 */
	assert_int_equal(init_copy(p, len, 20, 1448), -EINVAL);
	p[20 + 12] = 8 << 4;
	p[0] = 0x46;                                                     /* IHL 6 */
	assert_int_equal(init_copy(p, len, 20, 1448), -EINVAL);
	p[0] = 0x55;                                                     /* v5 */
	assert_int_equal(init_copy(p, len, 20, 1448), -EINVAL);
	p[0] = 0x45;
	assert_int_equal(init_copy(p, len, 20, 1448), 0);
	p6[6] = IPPROTO_UDP;
	assert_int_equal(init_copy(p6, len6, 40, 1448), -EINVAL);
	free(b);
	free(p6);
	free(p);
}

/* Too little room: -ENOSPC, nothing written, and the same segment comes
 * out once there is room. */
static void test_gso_nospace(void **state)
{
	const struct spec s = { 4, 0, 12, 2500, ACK | PSH, SEQ_WRAP };
	const uint32_t hdr = hdr_of(&s), pays[] = { 1448, 1052 };
	uint32_t len, off = 0;
	uint8_t *p = build(&s, &len), spare[1];
	struct xsd_gso g;
	(void)state;

	assert_int_equal(xsd_gso_init(&g, p, len, 20, 1448), 0);
	for (uint32_t i = 0; i < ARRAY_SIZE(pays); i++) {
		uint32_t sl = hdr + pays[i];
		uint8_t *seg = malloc(sl), *z = calloc(1, sl);

		assert_non_null(seg);
		assert_non_null(z);
		memset(seg, 0, sl);
		assert_int_equal(xsd_gso_next(&g, seg, sl - 1), -ENOSPC);
		assert_int_equal(xsd_gso_next(&g, seg, 0), -ENOSPC);
		assert_memory_equal(seg, z, sl);
		assert_int_equal(xsd_gso_next(&g, seg, sl), (int)sl);
		check_seg(&s, p, seg, i, off, pays[i], i + 1 == ARRAY_SIZE(pays));
		off += pays[i];
		free(z);
		free(seg);
	}
	assert_int_equal(xsd_gso_next(&g, spare, 0), 0);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gso_ipv4),
		cmocka_unit_test(test_gso_ipv6),
		cmocka_unit_test(test_gso_ipv6_ext),
		cmocka_unit_test(test_gso_sizes),
		cmocka_unit_test(test_gso_init_errors),
		cmocka_unit_test(test_gso_nospace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
