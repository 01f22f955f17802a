// SPDX-License-Identifier: GPL-2.0-only
/*
 * One SA shared by several threads (sa.h, seq.h, replay.h).
 *
 * Outbound: numbers come in per-thread blocks that start at one and
 * double; a stale block is left for a fresh one; at 2^32 - 1 every
 * number below is used and none twice; the persisted high-water mark
 * bounds every number sent, so a restart from it repeats none.
 * Inbound and outbound at once: threads seal with one SA through the
 * single and the burst path, every sequence number is unique and few are
 * skipped; then every packet is handed to two threads that open it
 * concurrently (both paths again): each is accepted exactly once and its
 * twin is caught as a replay, none falls outside the window, nothing else
 * is dropped.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "burst_util.h"
#include "testutil.h"

#define THREADS 4u
#define PER_THREAD 600u
#define TOTAL (THREADS * PER_THREAD)
#define INNER_LEN 96u

static const struct bu_sa_def def_gcm = {
	XS_PROTO_ESP, XS_MODE_TUNNEL, AF_INET, XS_SUITE_AES128GCM16, false, false,
	false, XS_REPLAY_WINDOW_MAX, 0, 0, 0,
};

static uint32_t esp_seq(const struct bu_pkt *b)
{
	const uint8_t *esp = bu_data(b) + bu_ipsec_off(bu_data(b));

	return (uint32_t)esp[4] << 24 | (uint32_t)esp[5] << 16 | (uint32_t)esp[6] << 8 | esp[7];
}

static struct bu_pkt *pkt_inner(uint64_t *rng, uint32_t tag)
{
	struct bu_pkt *b = malloc(sizeof(*b));
	uint8_t inner[INNER_LEN];

	BU_MUST(b);
	bu_pkt_set(b, inner, bu_inner(inner, 4, sizeof(inner), rng, tag));
	return b;
}

/* Seals one packet with sa; its sequence number. */
static uint64_t seal_one(struct xs_sa *sa, uint64_t *rng)
{
	struct bu_pkt *b = pkt_inner(rng, 0);
	uint64_t seq;

	BU_MUST(xs_seal(sa, &b->p) == XS_DROP_NONE);
	seq = esp_seq(b);
	free(b);
	return seq;
}

/* Blocks of 1, 2, 4, ... 64: the mark runs at most a block ahead. */
static void test_blocks_grow(void **state)
{
	struct xs_sa *sa = bu_sa_new(&def_gcm, 0x7000, XS_BACKEND_AUTO);
	static const uint64_t marks[] = { 1, 3, 3, 7, 7, 7, 7, 15 };
	uint64_t rng = 1;

	(void)state;
	for (uint64_t i = 1; i <= 8; i++) {
		assert_int_equal(seal_one(sa, &rng), i);
		assert_int_equal(xs_sa_seq_reserved(sa), marks[i - 1]);
		assert_int_equal(sa->tx_seq, i);
	}
	for (uint64_t i = 9; i <= 1000; i++) {
		assert_int_equal(seal_one(sa, &rng), i);
		assert_true(xs_sa_seq_reserved(sa) >= i);
		assert_true(xs_sa_seq_reserved(sa) - i < XS_SEQ_BLOCK_MAX);
	}
	xs_sa_free(sa);
}

struct sealer {
	struct xs_sa *sa;
	unsigned int n;
	uint64_t rng;
	uint64_t *seqs;       /* what it sent */
	unsigned int sent;
	unsigned int overflow;
	struct bu_pkt **pkts; /* kept, when set */
	bool burst;           /* alternate with the burst path */
	pthread_barrier_t *go;
};

static void *sealer_run(void *arg)
{
	struct sealer *s = arg;
	struct xs_sa *sas[8];
	struct xs_pkt pk[8];
	struct bu_pkt *b[8];
	uint8_t v[8];

	for (unsigned int i = 0; i < 8; i++)
		sas[i] = s->sa;
	if (s->go)
		pthread_barrier_wait(s->go);
	for (unsigned int done = 0; done < s->n;) {
		unsigned int k = s->burst && (done / 8) % 2 ? 8 : 1;

		if (k > s->n - done)
			k = s->n - done;
		for (unsigned int i = 0; i < k; i++) {
			b[i] = pkt_inner(&s->rng, (uint32_t)(done + i));
			pk[i] = b[i]->p;
		}
		if (k == 1)
			v[0] = (uint8_t)xs_seal(s->sa, &pk[0]);
		else
			xs_seal_burst(sas, pk, k, v);
		for (unsigned int i = 0; i < k; i++, done++) {
			b[i]->p = pk[i];
			if (v[i] == XS_DROP_SEQ_OVERFLOW) {
				s->overflow++;
				free(b[i]);
				continue;
			}
			BU_MUST(v[i] == XS_DROP_NONE);
			s->seqs[s->sent++] = esp_seq(b[i]);
			if (s->pkts)
				s->pkts[s->sent - 1] = b[i];
			else
				free(b[i]);
		}
	}
	return NULL;
}

static void sealers_run(struct sealer *s, unsigned int n)
{
	pthread_t t[THREADS];
	pthread_barrier_t go;

	assert_int_equal(pthread_barrier_init(&go, NULL, n), 0);
	for (unsigned int i = 0; i < n; i++) {
		s[i].go = &go;
		assert_int_equal(pthread_create(&t[i], NULL, sealer_run, &s[i]), 0);
	}
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	pthread_barrier_destroy(&go);
}

static int cmp_u64(const void *a, const void *b)
{
	const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Numbers sent by all sealers, sorted; asserts that none repeats. */
static uint64_t *all_seqs(struct sealer *s, unsigned int n, unsigned int *count)
{
	unsigned int total = 0, k = 0;
	uint64_t *all;

	for (unsigned int i = 0; i < n; i++)
		total += s[i].sent;
	all = malloc((total ? total : 1) * sizeof(*all));
	assert_non_null(all);
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int j = 0; j < s[i].sent; j++)
			all[k++] = s[i].seqs[j];
	qsort(all, total, sizeof(*all), cmp_u64);
	for (unsigned int i = 1; i < total; i++)
		if (all[i] == all[i - 1])
			fail_msg("sequence number %lu sent twice", (unsigned long)all[i]);
	*count = total;
	return all;
}

/* A thread that stopped sealing for a while leaves its old block: its
 * next number is above what the others reserved meanwhile. */
static void test_stale_block_left(void **state)
{
	struct xs_sa *sa = bu_sa_new(&def_gcm, 0x7001, XS_BACKEND_AUTO);
	uint64_t seqs[XS_SEQ_STALE + 8], rng = 2, mark, next;
	struct sealer other = { sa, XS_SEQ_STALE + 8, 3, seqs, 0, 0, NULL, false, NULL };
	pthread_t t;

	(void)state;
	for (uint64_t i = 1; i <= 10; i++)
		assert_int_equal(seal_one(sa, &rng), i);
	/* Blocks of 1, 2, 4, 8: 11..15 are still this thread's. */
	assert_int_equal(xs_sa_seq_reserved(sa), 15);
	assert_int_equal(pthread_create(&t, NULL, sealer_run, &other), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	mark = xs_sa_seq_reserved(sa);
	assert_true(mark >= 15 + XS_SEQ_STALE);
	next = seal_one(sa, &rng);
	assert_int_equal(next, mark + 1);
	xs_sa_free(sa);
}

/* Without ESN the counter stops at 2^32 - 1 (RFC 4303 §3.3.3): with two
 * threads racing to the end, every number up to it is sent once. */
static void test_overflow_shared(void **state)
{
	struct bu_sa_def d = def_gcm;
	struct sealer s[2];
	unsigned int total;
	uint64_t *all;
	struct xs_sa *sa;

	(void)state;
	d.seq_start = UINT32_MAX - 300;
	sa = bu_sa_new(&d, 0x7002, XS_BACKEND_AUTO);
	for (unsigned int i = 0; i < 2; i++) {
		s[i] = (struct sealer){ sa, 400, 10 + i, calloc(400, sizeof(uint64_t)),
					0, 0, NULL, true, NULL };
		assert_non_null(s[i].seqs);
	}
	sealers_run(s, 2);
	all = all_seqs(s, 2, &total);
	assert_int_equal(total, 300);
	assert_int_equal(s[0].overflow + s[1].overflow, 500);
	assert_int_equal(all[0], (uint64_t)UINT32_MAX - 299);
	assert_int_equal(all[total - 1], UINT32_MAX);
	assert_int_equal(xs_sa_seq_reserved(sa), UINT32_MAX);
	assert_int_equal(sa->stats.drops[XS_DROP_SEQ_OVERFLOW], 500);
	assert_int_equal(sa->stats.packets, 300);
	free(all);
	for (unsigned int i = 0; i < 2; i++)
		free(s[i].seqs);
	xs_sa_free(sa);
}

/* The persisted mark is at least every number sent; an SA started from
 * it after a "restart" sends only numbers above all of them. */
static void test_seq_store_restart(void **state)
{
	struct sealer s[THREADS];
	uint64_t store = 0, *all, rng = 5;
	struct bu_sa_def d = def_gcm;
	unsigned int total;
	struct xs_sa *sa;

	(void)state;
	d.seq_start = 1000;
	sa = bu_sa_new(&d, 0x7003, XS_BACKEND_AUTO);
	xs_sa_set_seq_store(sa, &store);
	for (unsigned int i = 0; i < THREADS; i++) {
		s[i] = (struct sealer){ sa, 500, 20 + i, calloc(500, sizeof(uint64_t)),
					0, 0, NULL, true, NULL };
		assert_non_null(s[i].seqs);
	}
	sealers_run(s, THREADS);
	all = all_seqs(s, THREADS, &total);
	assert_int_equal(total, THREADS * 500);
	assert_int_equal(store, xs_sa_seq_reserved(sa));
	assert_true(all[0] > d.seq_start);
	assert_true(all[total - 1] <= store);
	/* At most a block per thread was reserved and not sent. */
	assert_true(store - all[total - 1] < THREADS * XS_SEQ_BLOCK_MAX);
	xs_sa_free(sa);

	/* The restart: whatever was in flight, nothing repeats. */
	d.seq_start = store;
	sa = bu_sa_new(&d, 0x7003, XS_BACKEND_AUTO);
	assert_int_equal(seal_one(sa, &rng), store + 1);
	assert_int_equal(xs_sa_seq_reserved(sa), store + 1);
	xs_sa_free(sa);
	free(all);
	for (unsigned int i = 0; i < THREADS; i++)
		free(s[i].seqs);
}

struct opener {
	struct xs_sadb *db;
	struct bu_pkt **pkts;   /* its own copies */
	unsigned int n;
	uint8_t *v;             /* verdicts */
	unsigned int *idx;      /* which sealed packet each copy is */
	pthread_barrier_t *go;
};

static void *opener_run(void *arg)
{
	struct opener *o = arg;
	struct xs_pkt pk[16];

	pthread_barrier_wait(o->go);
	for (unsigned int done = 0; done < o->n;) {
		unsigned int k = (done / 16) % 2 ? 16 : 1;

		if (k > o->n - done)
			k = o->n - done;
		if (k == 1) {
			o->v[done] = (uint8_t)xs_open(o->db, &o->pkts[done]->p, NULL);
		} else {
			for (unsigned int i = 0; i < k; i++)
				pk[i] = o->pkts[done + i]->p;
			xs_open_burst(o->db, pk, k, o->v + done, NULL);
			for (unsigned int i = 0; i < k; i++)
				o->pkts[done + i]->p = pk[i];
		}
		done += k;
	}
	return NULL;
}

static void seal_then_open_shared(const struct bu_sa_def *def, unsigned int backend)
{
	struct xs_sa *tx = bu_sa_new(def, 0x7004, backend);
	struct xs_sa *rx = bu_sa_new(def, 0x7004, backend);
	struct xs_sadb *db = xs_sadb_new(4);
	struct sealer s[THREADS];
	struct opener o[THREADS];
	struct bu_pkt *sealed[TOTAL];
	unsigned int total, accepted[TOTAL] = { 0 }, k = 0;
	pthread_t t[THREADS];
	pthread_barrier_t go;
	uint64_t *all, rng = 99;

	assert_non_null(db);
	assert_int_equal(xs_sadb_add(db, rx), 0);
	for (unsigned int i = 0; i < THREADS; i++) {
		s[i] = (struct sealer){ tx, PER_THREAD, 40 + i,
					calloc(PER_THREAD, sizeof(uint64_t)), 0, 0,
					calloc(PER_THREAD, sizeof(struct bu_pkt *)), true, NULL };
		assert_true(s[i].seqs && s[i].pkts);
	}
	sealers_run(s, THREADS);
	all = all_seqs(s, THREADS, &total);
	assert_int_equal(total, TOTAL);
	assert_int_equal(tx->stats.packets, TOTAL);
	/* The highest number sent, give or take the last race of two. */
	assert_true(tx->tx_seq <= all[total - 1] && tx->tx_seq >= all[0]);
	/* Skipped numbers (blocks left when they went stale, the rest of
	 * each thread's last block) leave the span below the window, so no
	 * packet below can be outside it whatever the order. */
	if (all[total - 1] - all[0] >= XS_REPLAY_WINDOW_MAX)
		fail_msg("%u packets spread over numbers %lu..%lu", total,
			 (unsigned long)all[0], (unsigned long)all[total - 1]);
	for (unsigned int i = 0; i < THREADS; i++)
		for (unsigned int j = 0; j < s[i].sent; j++)
			sealed[k++] = s[i].pkts[j];

	/* Every packet to two threads, in a shuffled order each. */
	for (unsigned int i = 0; i < THREADS; i++) {
		o[i] = (struct opener){ db, calloc(2 * TOTAL, sizeof(struct bu_pkt *)), 0,
					calloc(2 * TOTAL, 1), calloc(2 * TOTAL, sizeof(unsigned int)),
					&go };
		assert_true(o[i].pkts && o[i].v && o[i].idx);
	}
	for (unsigned int p = 0; p < TOTAL; p++) {
		unsigned int a = bu_below(&rng, THREADS);
		unsigned int b = (a + 1 + bu_below(&rng, THREADS - 1)) % THREADS;
		unsigned int who[2] = { a, b };

		for (unsigned int c = 0; c < 2; c++) {
			struct opener *x = &o[who[c]];

			x->pkts[x->n] = malloc(sizeof(struct bu_pkt));
			assert_non_null(x->pkts[x->n]);
			bu_pkt_copy(x->pkts[x->n], sealed[p]);
			x->idx[x->n++] = p;
		}
	}
	for (unsigned int i = 0; i < THREADS; i++) {
		for (unsigned int j = 0; j + 1 < o[i].n; j++) {
			/* Local shuffles: threads run about in step, so a
			 * packet and its twin meet while both are new. */
			unsigned int m = j + bu_below(&rng, o[i].n - j < 64 ? o[i].n - j : 64);
			struct bu_pkt *tp = o[i].pkts[j];
			unsigned int ti = o[i].idx[j];

			o[i].pkts[j] = o[i].pkts[m];
			o[i].idx[j] = o[i].idx[m];
			o[i].pkts[m] = tp;
			o[i].idx[m] = ti;
		}
	}
	assert_int_equal(pthread_barrier_init(&go, NULL, THREADS), 0);
	for (unsigned int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, opener_run, &o[i]), 0);
	for (unsigned int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	pthread_barrier_destroy(&go);

	for (unsigned int i = 0; i < THREADS; i++) {
		for (unsigned int j = 0; j < o[i].n; j++) {
			if (o[i].v[j] == XS_DROP_NONE) {
				accepted[o[i].idx[j]]++;
				/* The inner packet back, its tag intact. */
				assert_int_equal(o[i].pkts[j]->p.len, INNER_LEN);
				continue;
			}
			if (o[i].v[j] != XS_DROP_REPLAYED)
				fail_msg("thread %u packet %u: %s", i, j,
					 xs_drop_name(o[i].v[j]));
		}
	}
	for (unsigned int p = 0; p < TOTAL; p++)
		if (accepted[p] != 1)
			fail_msg("packet seq %u accepted %u times", esp_seq(sealed[p]),
				 accepted[p]);
	assert_int_equal(rx->stats.packets, TOTAL);
	assert_int_equal(rx->stats.drops[XS_DROP_REPLAYED], TOTAL);
	assert_int_equal(rx->replay.top, all[total - 1]);

	for (unsigned int i = 0; i < THREADS; i++) {
		for (unsigned int j = 0; j < o[i].n; j++)
			free(o[i].pkts[j]);
		free(o[i].pkts);
		free(o[i].v);
		free(o[i].idx);
		for (unsigned int j = 0; j < s[i].sent; j++)
			free(s[i].pkts[j]);
		free(s[i].pkts);
		free(s[i].seqs);
	}
	free(all);
	xs_sadb_free(db);
	xs_sa_free(tx);
	xs_sa_free(rx);
}

/* Each backend: ipsec-mb keeps per-thread state apart by design, OpenSSL
 * through its context slots. CBC+HMAC too (the ipsec-mb SSE manager). */
static void test_seal_then_open_shared(void **state)
{
	static const struct bu_sa_def cbc = {
		XS_PROTO_ESP, XS_MODE_TUNNEL, AF_INET, XS_SUITE_AES128CBC_SHA256, false,
		false, false, XS_REPLAY_WINDOW_MAX, 0, 0, 0,
	};
	unsigned int ids[XS_BACKEND_MAX], n = tu_backends(ids);

	(void)state;
	for (unsigned int i = 0; i < n; i++) {
		seal_then_open_shared(&def_gcm, ids[i]);
		seal_then_open_shared(&cbc, ids[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocks_grow),
		cmocka_unit_test(test_stale_block_left),
		cmocka_unit_test(test_overflow_shared),
		cmocka_unit_test(test_seq_store_restart),
		cmocka_unit_test(test_seal_then_open_shared),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
