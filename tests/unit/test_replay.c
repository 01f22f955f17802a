// SPDX-License-Identifier: GPL-2.0-only
/*
 * Anti-replay window (RFC 4303 §3.4.3, Appendix A) as numbered tables of
 * (operation, sequence number, expected) rows, then end to end through
 * xs_esp_seal/xs_esp_open: a forged packet never moves the window, and
 * the sender stops at 2^32 - 1 without ESN (RFC 4303 §3.3.3).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "engine.h"
#include "testutil.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Bits in the engine's ring: seq and seq + RING share a slot. */
#define RING ((int64_t)XS_REPLAY_WORDS * XS_REPLAY_WORD_BITS)
#define U32 0x100000000ll

enum op {
	RECV,     /* check; commit when accepted, as after a good ICV */
	CHECK,    /* check only, as for a packet whose ICV then fails */
};

/* Any refusal: a number the window can never accept (RFC 4303 §3.3.3:
 * 0 is never sent), where "replayed" and "outside" are both correct. */
#define REJECT (-1)

/*
 * One row of a window table. The sequence number is k * W + off for the
 * window W the table runs with, so one table covers several windows.
 * Without ESN the number is what goes on the wire; with ESN its low 32
 * bits go on the wire and "full" (when nonzero) is the 64-bit number the
 * receiver must infer, else the number itself.
 */
struct row {
	enum op op;
	int64_t k;
	int64_t off;
	int expect;
	int64_t full;
};

static void run_table(const char *name, const struct row *rows, size_t n,
		      uint32_t window, bool esn)
{
	struct xs_replay r;

	xs_replay_init(&r, window, esn);
	for (size_t i = 0; i < n; i++) {
		const struct row *w = &rows[i];
		uint64_t s = (uint64_t)(w->k * (int64_t)window + w->off);
		uint64_t want = w->full ? (uint64_t)w->full : s;
		uint64_t got = 0xdeadbeef;
		int ret = xs_replay_check(&r, (uint32_t)s, &got);
		bool ok = w->expect == REJECT
			  ? ret == XS_DROP_REPLAYED || ret == XS_DROP_OUTSIDE_WINDOW
			  : ret == w->expect;

		if (!esn && s > UINT32_MAX)
			fail_msg("%s row %zu: bad table, seq %#llx", name, i + 1,
				 (unsigned long long)s);
		if (!ok)
			fail_msg("%s, window %u, row %zu: seq %#llx gave %s, want %s",
				 name, window, i + 1, (unsigned long long)s,
				 xs_drop_name((unsigned int)ret),
				 w->expect == REJECT ? "a refusal"
						     : xs_drop_name((unsigned int)w->expect));
		if (ret == XS_DROP_NONE && got != want)
			fail_msg("%s, window %u, row %zu: seq %#llx inferred as %#llx, want %#llx",
				 name, window, i + 1, (unsigned long long)s,
				 (unsigned long long)got, (unsigned long long)want);
		if (w->op == RECV && ret == XS_DROP_NONE)
			xs_replay_commit(&r, got);
	}
}

/*
 * Without ESN, for windows of 64, 1024 and 4096. Comments give the top
 * (highest accepted number) after the row.
 */
static const struct row basic[] = {
	/*  1 */ { RECV,  0, 0, REJECT },            /* 0 is never sent */
	/*  2 */ { RECV,  0, 1, XS_DROP_NONE },      /* top 1 */
	/*  3 */ { RECV,  0, 1, XS_DROP_REPLAYED },
	/*  4 */ { RECV,  0, 3, XS_DROP_NONE },      /* top 3, 2 missing */
	/*  5 */ { RECV,  0, 2, XS_DROP_NONE },      /* late, in order of arrival */
	/*  6 */ { RECV,  0, 2, XS_DROP_REPLAYED },
	/*  7 */ { RECV,  0, 0, REJECT },
	/*  8 */ { RECV,  1, 0, XS_DROP_NONE },      /* top W */
	/*  9 */ { RECV,  0, 1, XS_DROP_REPLAYED },  /* W-1 behind: inside */
	/* 10 */ { RECV,  0, 4, XS_DROP_NONE },      /* inside, never seen */
	/* 11 */ { RECV,  1, 2, XS_DROP_NONE },      /* top W+2 */
	/* 12 */ { RECV,  0, 2, XS_DROP_OUTSIDE_WINDOW }, /* W behind */
	/* 13 */ { RECV,  0, 3, XS_DROP_REPLAYED },  /* W-1 behind, seen */
	/* 14 */ { RECV,  0, 5, XS_DROP_NONE },      /* oldest unseen inside */
	/* 15 */ { CHECK, 0, 6, XS_DROP_NONE },      /* checked, ICV failed */
	/* 16 */ { RECV,  0, 6, XS_DROP_NONE },      /* so still acceptable */
	/* 17 */ { RECV,  0, 6, XS_DROP_REPLAYED },
	/* 18 */ { CHECK, 4, 0, XS_DROP_NONE },      /* far ahead, ICV failed */
	/* 19 */ { RECV,  0, 7, XS_DROP_NONE },      /* window did not move */
	/* 20 */ { RECV,  1, 1, XS_DROP_NONE },      /* W+1, below top */
	/* 21 */ { RECV,  3, 7, XS_DROP_NONE },      /* jump > W: top 3W+7 */
	/* 22 */ { RECV,  1, 2, XS_DROP_OUTSIDE_WINDOW }, /* old top */
	/* 23 */ { RECV,  0, 7, XS_DROP_OUTSIDE_WINDOW },
	/* 24 */ { RECV,  2, 8, XS_DROP_NONE },      /* W-1 behind the new top */
	/* 25 */ { RECV,  2, 7, XS_DROP_OUTSIDE_WINDOW }, /* W behind */
	/* 26 */ { RECV,  3, 6, XS_DROP_NONE },
	/* 27 */ { RECV,  3, 7, XS_DROP_REPLAYED },
	/* 28 */ { RECV,  3, 8, XS_DROP_NONE },      /* top 3W+8 */
	/* 29 */ { RECV,  2, 9, XS_DROP_NONE },      /* W-1 behind, never seen */
	/* 30 */ { RECV,  2, 8, XS_DROP_OUTSIDE_WINDOW }, /* seen, now outside */
	/* 31 */ { RECV,  3, 1, XS_DROP_NONE },      /* unseen; with W = 4096 it
						   * shares a ring slot with W+1 */
	/* A jump of more than the whole ring: no stale bit may survive. */
	/* 32 */ { RECV,  3, RING + 20, XS_DROP_NONE },   /* top 3W+RING+20 */
	/* 33 */ { RECV,  3, RING + 8, XS_DROP_NONE },    /* slot of row 28 */
	/* 34 */ { RECV,  3, RING + 6, XS_DROP_NONE },    /* slot of row 26 */
	/* 35 */ { RECV,  3, RING + 8, XS_DROP_REPLAYED },
	/* 36 */ { RECV,  2, RING + 21, XS_DROP_NONE },   /* W-1 behind */
	/* 37 */ { RECV,  2, RING + 20, XS_DROP_OUTSIDE_WINDOW },
	/* A jump of less than the ring but more than the window: the slot
	 * of row 36 comes back one lap on, inside the window when W > 64. */
	/* 38 */ { RECV,  3, 2 * RING - 45, XS_DROP_NONE },
	/* 39 */ { RECV,  2, 2 * RING + 21, XS_DROP_NONE },
	/* 40 */ { RECV,  2, 2 * RING + 21, XS_DROP_REPLAYED },
	/* 41 */ { RECV,  3, 2 * RING - 100, XS_DROP_NONE },
	/* 42 */ { RECV,  0, 0, REJECT },
};

static void test_window_64(void **state)
{
	(void)state;
	run_table("basic", basic, ARRAY_SIZE(basic), 64, false);
}

static void test_window_1024(void **state)
{
	(void)state;
	run_table("basic", basic, ARRAY_SIZE(basic), 1024, false);
}

static void test_window_4096(void **state)
{
	(void)state;
	run_table("basic", basic, ARRAY_SIZE(basic), XS_REPLAY_WINDOW_MAX, false);
}

/* The top of the 32-bit space without ESN: nothing follows 2^32 - 1. */
static const struct row top32[] = {
	/*  1 */ { RECV, 0, 0xfffffff0, XS_DROP_NONE },
	/*  2 */ { RECV, 0, 0xffffffff, XS_DROP_NONE },
	/*  3 */ { RECV, 0, 0xffffffff, XS_DROP_REPLAYED },
	/*  4 */ { RECV, 0, 0xfffffff0, XS_DROP_REPLAYED },
	/*  5 */ { RECV, 0, 0xfffffff1, XS_DROP_NONE },
	/*  6 */ { RECV, 0, 0, REJECT },           /* no wrap to 0 */
	/*  7 */ { RECV, 0, 1, XS_DROP_OUTSIDE_WINDOW }, /* nor to 1 */
};

static void test_top_of_32bit(void **state)
{
	(void)state;
	run_table("top32", top32, ARRAY_SIZE(top32), 1024, false);
}

/* Window 0 turns the check off (RFC 4303 §3.4.3: the receiver may
 * disable it): duplicates and old numbers pass. */
static const struct row disabled[] = {
	/*  1 */ { RECV, 0, 1, XS_DROP_NONE },
	/*  2 */ { RECV, 0, 1, XS_DROP_NONE },
	/*  3 */ { RECV, 0, 1000000, XS_DROP_NONE },
	/*  4 */ { RECV, 0, 1, XS_DROP_NONE },
	/*  5 */ { RECV, 0, 999999, XS_DROP_NONE },
	/*  6 */ { RECV, 0, 999999, XS_DROP_NONE },
	/*  7 */ { RECV, 0, 0xffffffff, XS_DROP_NONE },
	/*  8 */ { RECV, 0, 2, XS_DROP_NONE },
};

static void test_window_disabled(void **state)
{
	(void)state;
	run_table("disabled", disabled, ARRAY_SIZE(disabled), 0, false);
}

/*
 * ESN (RFC 4303 Appendix A2.2), window 1024. Numbers are absolute (k = 0);
 * the wire carries their low 32 bits.
 */
static const struct row esn_cross[] = {
	/*  1 */ { RECV,  0, 1, XS_DROP_NONE },
	/*  2 */ { RECV,  0, 0x80000000, XS_DROP_NONE },
	/*  3 */ { RECV,  0, 0xfffffff6, XS_DROP_NONE },       /* top 2^32-10 */
	/*  4 */ { RECV,  0, 0xfffffff6, XS_DROP_REPLAYED },
	/* Case A: wire 5 is below the window, so the next subspace. */
	/*  5 */ { RECV,  0, U32 + 5, XS_DROP_NONE },          /* top 2^32+5 */
	/*  6 */ { RECV,  0, U32 + 5, XS_DROP_REPLAYED },
	/* Case B: the window spans both subspaces; a high wire number
	 * inside it belongs to the previous one. */
	/*  7 */ { RECV,  0, 0xfffffff0, XS_DROP_NONE },
	/*  8 */ { RECV,  0, 0xfffffff0, XS_DROP_REPLAYED },
	/*  9 */ { RECV,  0, 0xfffffff6, XS_DROP_REPLAYED },   /* from row 3 */
	/* 10 */ { RECV,  0, 0xffffffff, XS_DROP_NONE },
	/* 11 */ { RECV,  0, U32, XS_DROP_NONE },              /* wire 0 is valid */
	/* 12 */ { RECV,  0, U32 + 3, XS_DROP_NONE },
	/* Oldest number inside: top - 1023 = 2^32 - 1018. */
	/* 13 */ { RECV,  0, U32 - 1018, XS_DROP_NONE },
	/* One below it: Appendix A takes it for the next subspace, where
	 * it is new; the ICV (which covers the high bits) then fails. */
	/* 14 */ { CHECK, 0, U32 - 1019, XS_DROP_NONE, 2 * U32 - 1019 },
	/* 15 */ { RECV,  0, U32 + 1030, XS_DROP_NONE },       /* top 2^32+1030 */
	/* Case A again, now in subspace 1. */
	/* 16 */ { RECV,  0, U32 + 7, XS_DROP_NONE },        /* top - 1023 */
	/* Wire 5 is now below the window: the next subspace, not a replay. */
	/* 17 */ { CHECK, 0, U32 + 5, XS_DROP_NONE, 2 * U32 + 5 },
	/* 18 */ { CHECK, 0, 0xffffffff, XS_DROP_NONE, 2 * U32 - 1 },
	/* 19 */ { RECV,  0, U32 + 100, XS_DROP_NONE },
	/* 20 */ { RECV,  0, U32 + 0x80000000, XS_DROP_NONE },
	/* 21 */ { RECV,  0, 2 * U32 + 2, XS_DROP_NONE },      /* into subspace 2 */
	/* 22 */ { RECV,  0, 2 * U32 - 1, XS_DROP_NONE },      /* case B, subspace 1 */
	/* 23 */ { RECV,  0, 2 * U32 + 2, XS_DROP_REPLAYED },
	/* 24 */ { RECV,  0, 2 * U32 - 1, XS_DROP_REPLAYED },
};

static void test_esn(void **state)
{
	(void)state;
	run_table("esn", esn_cross, ARRAY_SIZE(esn_cross), 1024, true);
}

/* A fresh ESN SA is in subspace 0: a high wire number there has no
 * previous subspace to belong to, so it is simply ahead. */
static const struct row esn_start[] = {
	/*  1 */ { RECV, 0, 0xfffffff1, XS_DROP_NONE },
	/*  2 */ { RECV, 0, 3, XS_DROP_NONE, U32 + 3 },   /* case A: next */
	/*  3 */ { RECV, 0, 0xfffffff1, XS_DROP_REPLAYED },
	/*  4 */ { RECV, 0, 0xfffffff0, XS_DROP_NONE },
};

static void test_esn_start(void **state)
{
	(void)state;
	run_table("esn_start", esn_start, ARRAY_SIZE(esn_start), 1024, true);
	run_table("esn_start", esn_start, ARRAY_SIZE(esn_start), 64, true);
}

/* ESN with the smallest window: crossing 2^32 works the same. */
static const struct row esn64[] = {
	/*  1 */ { RECV, 0, 0xffffffc0, XS_DROP_NONE },
	/*  2 */ { RECV, 0, U32 + 1, XS_DROP_NONE },            /* top 2^32+1 */
	/*  3 */ { RECV, 0, 0xffffffc2, XS_DROP_NONE },         /* top - 63 */
	/*  4 */ { CHECK, 0, 0xffffffc0, XS_DROP_NONE, 2 * U32 - 64 }, /* below: next */
	/*  5 */ { RECV, 0, U32 + 1, XS_DROP_REPLAYED },
};

static void test_esn_window_64(void **state)
{
	(void)state;
	run_table("esn64", esn64, ARRAY_SIZE(esn64), 64, true);
}

/* ---- End to end through the engine. ---- */

static const uint8_t a_src[4] = { 192, 0, 2, 1 };
static const uint8_t a_dst[4] = { 192, 0, 2, 2 };

static struct xs_sa *e2e_sa(bool esn, uint64_t seq_start, uint32_t window)
{
	struct xs_sa_config cfg;
	struct xs_sa *sa;

	xs_sa_config_init(&cfg);
	cfg.spi = 0x5eed0001;
	cfg.proto = XS_PROTO_ESP;
	cfg.mode = XS_MODE_TUNNEL;
	cfg.family = AF_INET;
	cfg.suite = XS_SUITE_AES128GCM16;
	memcpy(&cfg.src.v4, a_src, 4);
	memcpy(&cfg.dst.v4, a_dst, 4);
	for (unsigned int i = 0; i < 20; i++)
		cfg.enc_key[i] = (uint8_t)(0x30 + i);
	cfg.enc_key_len = 20;
	cfg.esn = esn;
	cfg.seq_start = seq_start;
	cfg.replay_window = window;
	cfg.backend = XS_BACKEND_OPENSSL;
	sa = xs_sa_new(&cfg);
	assert_non_null(sa);
	return sa;
}

/* Seals a small inner UDP datagram; returns the sealed packet. */
static struct xs_pkt *e2e_seal(struct xs_sa *tx, uint8_t tag)
{
	uint8_t inner[20 + 8 + 4];
	struct xs_pkt *p;
	int r;

	tu_ipv4_hdr(inner, IPPROTO_UDP, a_dst, a_src, 12, tag);
	memset(inner + 20, 0, 8);
	inner[21] = 9;                     /* discard port */
	inner[23] = 9;
	inner[25] = 12;
	memset(inner + 28, tag, 4);
	p = tu_pkt_new(inner, sizeof(inner));
	r = xs_esp_seal(tx, p);
	if (r)
		fail_msg("seal gave %s", xs_drop_name((unsigned int)r));
	return p;
}

static struct xs_pkt *pkt_copy(const struct xs_pkt *p)
{
	return tu_pkt_new(tu_pkt_data(p), p->len);
}

/* Opens a copy of p; returns the drop reason. */
static int e2e_open(struct xs_sa *rx, const struct xs_pkt *p)
{
	struct xs_pkt *q = pkt_copy(p);
	int r = xs_esp_open(rx, q);

	if (r == XS_DROP_NONE)
		assert_int_equal(q->len, 32); /* the inner datagram */
	tu_pkt_free(q);
	return r;
}

static uint32_t esp_seq(const struct xs_pkt *p)
{
	return tu_be32(tu_pkt_data(p) + 20 + 4);
}

static void test_forged_does_not_move_window(void **state)
{
	struct xs_sa *tx = e2e_sa(false, 0, 1024);
	struct xs_sa *tx_far = e2e_sa(false, 4999, 1024);
	struct xs_sa *rx = e2e_sa(false, 0, 1024);
	struct xs_pkt *p1, *p2, *p3, *far, *forged;

	(void)state;
	p1 = e2e_seal(tx, 1);
	p2 = e2e_seal(tx, 2);
	p3 = e2e_seal(tx, 3);
	far = e2e_seal(tx_far, 50);
	assert_int_equal(esp_seq(p3), 3);
	assert_int_equal(esp_seq(far), 5000);

	assert_int_equal(e2e_open(rx, p1), XS_DROP_NONE);

	/* Seq 5000 with a broken ICV: refused, and counted. */
	forged = pkt_copy(far);
	tu_pkt_data(forged)[forged->len - 3] ^= 0x40;
	assert_int_equal(e2e_open(rx, forged), XS_DROP_BAD_ICV);
	assert_int_equal(rx->stats.drops[XS_DROP_BAD_ICV], 1);
	assert_int_equal(rx->replay.top, 1);
	tu_pkt_free(forged);

	/* Seq 3's body relabelled as 5000: the AAD no longer matches. */
	forged = pkt_copy(p3);
	tu_put_be32(tu_pkt_data(forged) + 20 + 4, 5000);
	assert_int_equal(e2e_open(rx, forged), XS_DROP_BAD_ICV);
	assert_int_equal(rx->stats.drops[XS_DROP_BAD_ICV], 2);
	tu_pkt_free(forged);

	/* Had either moved the window to 5000, these would be outside it. */
	assert_int_equal(e2e_open(rx, p2), XS_DROP_NONE);
	assert_int_equal(e2e_open(rx, p3), XS_DROP_NONE);
	assert_int_equal(rx->replay.top, 3);

	/* The genuine 5000 does move it: 2 and 3 are now far behind. */
	assert_int_equal(e2e_open(rx, far), XS_DROP_NONE);
	assert_int_equal(rx->replay.top, 5000);
	assert_int_equal(e2e_open(rx, p2), XS_DROP_OUTSIDE_WINDOW);
	assert_int_equal(e2e_open(rx, far), XS_DROP_REPLAYED);
	assert_int_equal(rx->stats.packets, 4);
	assert_int_equal(rx->stats.drops[XS_DROP_OUTSIDE_WINDOW], 1);
	assert_int_equal(rx->stats.drops[XS_DROP_REPLAYED], 1);

	tu_pkt_free(p1);
	tu_pkt_free(p2);
	tu_pkt_free(p3);
	tu_pkt_free(far);
	xs_sa_free(tx);
	xs_sa_free(tx_far);
	xs_sa_free(rx);
}

/* RFC 4303 §3.3.3: without ESN the counter must not cycle past 2^32 - 1. */
static void test_seal_stops_at_2_32(void **state)
{
	struct xs_sa *tx = e2e_sa(false, 0xfffffffe, 1024);
	struct xs_sa *rx = e2e_sa(false, 0, 1024);
	uint8_t inner[20 + 8];
	struct xs_pkt *p, *last;

	(void)state;
	last = e2e_seal(tx, 1);
	assert_int_equal(esp_seq(last), 0xffffffff);
	assert_int_equal(tx->tx_seq, 0xffffffff);

	for (int i = 0; i < 2; i++) {
		tu_ipv4_hdr(inner, IPPROTO_UDP, a_dst, a_src, 8, 7);
		memset(inner + 20, 0, 8);
		p = tu_pkt_new(inner, sizeof(inner));
		assert_int_equal(xs_esp_seal(tx, p), XS_DROP_SEQ_OVERFLOW);
		/* Refused packets are left as they were. */
		assert_int_equal(p->off, XS_HEADROOM);
		assert_int_equal(p->len, sizeof(inner));
		assert_memory_equal(tu_pkt_data(p), inner, sizeof(inner));
		tu_pkt_free(p);
	}
	assert_int_equal(tx->stats.drops[XS_DROP_SEQ_OVERFLOW], 2);
	assert_int_equal(tx->tx_seq, 0xffffffff);
	assert_int_equal(tx->stats.packets, 1);

	/* The last number sent is still good at the receiver. */
	assert_int_equal(e2e_open(rx, last), XS_DROP_NONE);
	assert_int_equal(rx->replay.top, 0xffffffff);

	tu_pkt_free(last);
	xs_sa_free(tx);
	xs_sa_free(rx);
}

/* With ESN the same sender carries on into the next subspace, and the
 * receiver infers the high bits the ICV was computed with. */
static void test_esn_seal_crosses_2_32(void **state)
{
	struct xs_sa *tx = e2e_sa(true, 0xfffffffe, 1024);
	struct xs_sa *rx = e2e_sa(true, 0, 1024);
	struct xs_pkt *a, *b, *c;

	(void)state;
	a = e2e_seal(tx, 1);
	b = e2e_seal(tx, 2);
	c = e2e_seal(tx, 3);
	assert_int_equal(esp_seq(a), 0xffffffff);
	assert_int_equal(esp_seq(b), 0);
	assert_int_equal(esp_seq(c), 1);
	assert_int_equal(tx->tx_seq, U32 + 1);

	assert_int_equal(e2e_open(rx, a), XS_DROP_NONE);
	assert_int_equal(rx->replay.top, 0xffffffff);
	/* b arrives after c: both are inferred as subspace 1. */
	assert_int_equal(e2e_open(rx, c), XS_DROP_NONE);
	assert_int_equal(rx->replay.top, U32 + 1);
	assert_int_equal(e2e_open(rx, b), XS_DROP_NONE);
	assert_int_equal(e2e_open(rx, b), XS_DROP_REPLAYED);
	assert_int_equal(e2e_open(rx, a), XS_DROP_REPLAYED);
	assert_int_equal(rx->stats.packets, 3);

	tu_pkt_free(a);
	tu_pkt_free(b);
	tu_pkt_free(c);
	xs_sa_free(tx);
	xs_sa_free(rx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_64),
		cmocka_unit_test(test_window_1024),
		cmocka_unit_test(test_window_4096),
		cmocka_unit_test(test_top_of_32bit),
		cmocka_unit_test(test_window_disabled),
		cmocka_unit_test(test_esn),
		cmocka_unit_test(test_esn_start),
		cmocka_unit_test(test_esn_window_64),
		cmocka_unit_test(test_forged_does_not_move_window),
		cmocka_unit_test(test_seal_stops_at_2_32),
		cmocka_unit_test(test_esn_seal_crosses_2_32),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
