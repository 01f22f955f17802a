/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The inbound SA table at scale (issue #9's line): adding a million SAs,
 * and a lookup in a table of one SA against a lookup of a random one of a
 * million (cache misses included), both timed with run_for().
 * Included by bench_engine.c.
 */
#ifndef XS_BENCH_SADB_H
#define XS_BENCH_SADB_H

#include <stdio.h>

#include "bench_util.h"
#include "sadb.h"

#define SADB_BENCH_SAS 1000000u

struct sadb_bench {
	struct xs_sadb *db;
	const uint32_t *spis;   /* SPIs to look up, in this order */
	uint32_t n, next;
};

static int sadb_lookup_iter(void *arg)
{
	struct sadb_bench *b = arg;
	uint32_t spi = b->spis[b->next];

	b->next = b->next + 1 == b->n ? 0 : b->next + 1;
	return xs_sadb_find(b->db, spi, IPPROTO_ESP) == NULL;
}

/* xorshift32: SPIs as a receiver picks them, and a shuffled lookup order. */
static uint32_t sadb_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Prints `sadb sas=N add_per_s=X lookup_ns_1=A lookup_ns_1M=B`; 0 or 1. */
static int bench_sadb(double seconds)
{
	struct xs_sa *sa = calloc(1, sizeof(*sa));  /* the table reads cfg only */
	uint32_t *spis = calloc(SADB_BENCH_SAS, sizeof(*spis)), seed = 0x12345678u, one_spi;
	struct xs_sadb *one = xs_sadb_new(1), *big = xs_sadb_new(SADB_BENCH_SAS);
	struct sadb_bench b = { 0 };
	unsigned long errors = 0;
	double t0, add_s, ns1 = NAN, ns_big = NAN;
	int ret = 1;

	if (!sa || !spis || !one || !big)
		goto out;
	sa->cfg.proto = IPPROTO_ESP;
	t0 = now_ns();
	for (uint32_t i = 0; i < SADB_BENCH_SAS; i++) {
		do {
			sa->cfg.spi = sadb_rand(&seed) | 0x100u;
		} while (xs_sadb_add(big, sa) == -EEXIST);
		spis[i] = sa->cfg.spi;
	}
	add_s = (now_ns() - t0) / 1e9;
	if (xs_sadb_add(one, sa))
		goto out;
	/* Look the million up in another order than they went in. */
	for (uint32_t i = SADB_BENCH_SAS - 1; i > 0; i--) {
		uint32_t j = sadb_rand(&seed) % (i + 1), t = spis[i];

		spis[i] = spis[j];
		spis[j] = t;
	}
	one_spi = sa->cfg.spi;
	b = (struct sadb_bench){ one, &one_spi, 1, 0 };
	ns1 = run_for(sadb_lookup_iter, &b, seconds, &errors);
	b = (struct sadb_bench){ big, spis, SADB_BENCH_SAS, 0 };
	ns_big = run_for(sadb_lookup_iter, &b, seconds, &errors);
	ret = errors ? 1 : 0;
	printf("sadb sas=%u add_per_s=%.0f lookup_ns_1=%.1f lookup_ns_1M=%.1f\n",
	       SADB_BENCH_SAS, SADB_BENCH_SAS / add_s, ns1, ns_big);
out:
	xs_sadb_free(one);
	xs_sadb_free(big);
	free(spis);
	free(sa);
	return ret;
}

#endif
