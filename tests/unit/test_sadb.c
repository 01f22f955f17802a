// SPDX-License-Identifier: GPL-2.0-only
/*
 * The inbound SA table (engine/sadb.c): add/find/delete against a plain
 * reference under heavy collisions, capacity limits, and the property
 * deletion must keep: after millions of add/delete cycles (rekeys) lookups
 * and misses cost what they cost in a freshly filled table (a table with
 * tombstones ends up scanning every slot on a miss).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"

/* The table reads only cfg.spi and cfg.proto of an SA. */
static struct xs_sa *sa_new(uint32_t spi, uint8_t proto)
{
	struct xs_sa *sa = calloc(1, sizeof(*sa));

	assert_non_null(sa);
	sa->cfg.spi = spi;
	sa->cfg.proto = proto;
	return sa;
}

static uint32_t xs32(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void test_basics(void **state)
{
	struct xs_sadb *db = xs_sadb_new(4);
	struct xs_sa *a = sa_new(0x1000, XS_PROTO_ESP), *b = sa_new(0x1000, XS_PROTO_AH);
	struct xs_sa *c = sa_new(0x1000, XS_PROTO_ESP);

	(void)state;
	assert_non_null(db);
	assert_int_equal(xs_sadb_add(db, a), 0);
	/* Same SPI, other protocol: another SA (RFC 4301 §4.1). */
	assert_int_equal(xs_sadb_add(db, b), 0);
	assert_int_equal(xs_sadb_add(db, c), -EEXIST);
	assert_ptr_equal(xs_sadb_find(db, 0x1000, XS_PROTO_ESP), a);
	assert_ptr_equal(xs_sadb_find(db, 0x1000, XS_PROTO_AH), b);
	assert_null(xs_sadb_find(db, 0x1001, XS_PROTO_ESP));
	assert_ptr_equal(xs_sadb_del(db, 0x1000, XS_PROTO_ESP), a);
	assert_null(xs_sadb_del(db, 0x1000, XS_PROTO_ESP));
	assert_null(xs_sadb_find(db, 0x1000, XS_PROTO_ESP));
	assert_ptr_equal(xs_sadb_find(db, 0x1000, XS_PROTO_AH), b);
	assert_int_equal(xs_sadb_add(db, c), 0);
	xs_sadb_free(db);
	xs_sadb_free(NULL);
	free(a);
	free(b);
	free(c);
}

static void test_capacity(void **state)
{
	struct xs_sadb *db;
	struct xs_sa *sa = sa_new(0, XS_PROTO_ESP);
	uint32_t n = 0;

	(void)state;
	assert_null(xs_sadb_new(0));
	assert_null(xs_sadb_new(XS_SADB_CAPACITY_MAX + 1));
	db = xs_sadb_new(100);
	assert_non_null(db);
	/* At least the capacity asked for, never more than half the slots. */
	assert_true(db->capacity >= 100 && db->capacity * 2 == db->mask + 1);
	for (sa->cfg.spi = 256; xs_sadb_add(db, sa) == 0; sa->cfg.spi++)
		n++;
	assert_int_equal(n, db->capacity);
	assert_int_equal(xs_sadb_add(db, sa), -ENOSPC);
	xs_sadb_free(db);
	free(sa);
}

/*
 * Random adds and deletes on a small table whose SPIs all come from a few
 * dozen values, checked after each step against a membership array: every
 * live SA is found, every other one is not, the count agrees.
 */
static void test_against_reference(void **state)
{
	enum { KEYS = 48, STEPS = 200000 };
	struct xs_sadb *db = xs_sadb_new(32);
	struct xs_sa *sas[KEYS];
	bool live[KEYS] = { false };
	uint32_t seed = 7, count = 0;

	(void)state;
	assert_non_null(db);
	for (uint32_t k = 0; k < KEYS; k++)
		sas[k] = sa_new(0x100 + k * 64, k & 1 ? XS_PROTO_AH : XS_PROTO_ESP);
	for (uint32_t step = 0; step < STEPS; step++) {
		uint32_t k = xs32(&seed) % KEYS;

		if (live[k]) {
			assert_ptr_equal(xs_sadb_del(db, sas[k]->cfg.spi, sas[k]->cfg.proto),
					 sas[k]);
			live[k] = false;
			count--;
		} else {
			int r = xs_sadb_add(db, sas[k]);

			if (count == db->capacity) {
				assert_int_equal(r, -ENOSPC);
				continue;
			}
			assert_int_equal(r, 0);
			live[k] = true;
			count++;
		}
		assert_int_equal(db->count, count);
		for (uint32_t j = 0; j < KEYS; j++)
			if (xs_sadb_find(db, sas[j]->cfg.spi, sas[j]->cfg.proto) !=
			    (live[j] ? sas[j] : NULL))
				fail_msg("step %u: SA %u %s", step, j,
					 live[j] ? "lost" : "still found");
	}
	for (uint32_t k = 0; k < KEYS; k++)
		free(sas[k]);
	xs_sadb_free(db);
}

/* Average and largest probe counts of n random SPIs (misses, mostly). */
static void probe_stats(const struct xs_sadb *db, uint32_t n, uint32_t seed,
			double *avg, uint32_t *max)
{
	uint64_t sum = 0;

	*max = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t p = xs_sadb_probes(db, xs32(&seed), XS_PROTO_ESP);

		sum += p;
		if (p > *max)
			*max = p;
	}
	*avg = (double)sum / n;
}

/*
 * Rekey churn: 2,048 live SAs in a table for 4,096, and four million
 * delete-one/add-one cycles with fresh SPIs. Misses and hits must still
 * end within a handful of slots.
 */
static void test_churn_keeps_lookups_short(void **state)
{
	enum { LIVE = 2048, CYCLES = 4000000 };
	struct xs_sadb *db = xs_sadb_new(4096);
	struct xs_sa *sa = sa_new(0, XS_PROTO_ESP);
	uint32_t *spis = calloc(LIVE, sizeof(*spis)), seed = 99, max, hit_max = 0;
	double avg, fresh_avg;
	uint64_t hit_sum = 0;

	(void)state;
	assert_non_null(db);
	assert_non_null(spis);
	for (uint32_t i = 0; i < LIVE; i++) {
		do {
			sa->cfg.spi = xs32(&seed) | 0x100;
		} while (xs_sadb_add(db, sa));
		spis[i] = sa->cfg.spi;
	}
	probe_stats(db, 100000, 5, &fresh_avg, &max);
	for (uint32_t c = 0; c < CYCLES; c++) {
		uint32_t i = xs32(&seed) % LIVE;

		assert_non_null(xs_sadb_del(db, spis[i], XS_PROTO_ESP));
		do {
			sa->cfg.spi = xs32(&seed) | 0x100;
		} while (xs_sadb_add(db, sa));
		spis[i] = sa->cfg.spi;
	}
	assert_int_equal(db->count, LIVE);
	probe_stats(db, 100000, 5, &avg, &max);
	for (uint32_t i = 0; i < LIVE; i++) {
		uint32_t p = xs_sadb_probes(db, spis[i], XS_PROTO_ESP);

		assert_non_null(xs_sadb_find(db, spis[i], XS_PROTO_ESP));
		hit_sum += p;
		if (p > hit_max)
			hit_max = p;
	}
	print_message("fresh miss avg %.2f; after %u cycles: miss avg %.2f max %u, hit avg %.2f "
		      "max %u (of %u slots)\n", fresh_avg, CYCLES, avg, max,
		      (double)hit_sum / LIVE, hit_max, db->mask + 1);
	/* A quarter full: a miss expects ~1.4 slots (Knuth 6.4). */
	assert_true(avg < 3.0);
	assert_true(max <= 40);
	assert_true((double)hit_sum / LIVE < 2.0);
	assert_true(hit_max <= 40);
	free(spis);
	free(sa);
	xs_sadb_free(db);
}

/* A million SAs: found, and after deleting every other one a miss costs
 * what it costs in a half-full table. */
static void test_million(void **state)
{
	enum { N = 1000000 };
	struct xs_sadb *db = xs_sadb_new(N);
	struct xs_sa *sa = sa_new(0, XS_PROTO_ESP);
	uint32_t *spis = calloc(N, sizeof(*spis)), seed = 1234, max;
	double avg;

	(void)state;
	assert_non_null(db);
	assert_non_null(spis);
	assert_true(db->capacity >= N);
	for (uint32_t i = 0; i < N; i++) {
		do {
			sa->cfg.spi = xs32(&seed) | 0x100;
		} while (xs_sadb_add(db, sa));
		spis[i] = sa->cfg.spi;
	}
	assert_int_equal(db->count, N);
	for (uint32_t i = 0; i < N; i++)
		if (!xs_sadb_find(db, spis[i], XS_PROTO_ESP))
			fail_msg("SA %u (spi 0x%08x) not found", i, spis[i]);
	for (uint32_t i = 0; i < N; i += 2)
		assert_non_null(xs_sadb_del(db, spis[i], XS_PROTO_ESP));
	for (uint32_t i = 0; i < N; i++)
		assert_true(!xs_sadb_find(db, spis[i], XS_PROTO_ESP) == !(i & 1));
	probe_stats(db, 100000, 77, &avg, &max);
	print_message("%u SAs in %u slots: miss avg %.2f max %u\n", db->count, db->mask + 1,
		      avg, max);
	assert_true(avg < 3.0);
	assert_true(max <= 64);
	free(spis);
	free(sa);
	xs_sadb_free(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basics),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_against_reference),
		cmocka_unit_test(test_churn_keeps_lookups_short),
		cmocka_unit_test(test_million),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
