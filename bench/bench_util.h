// SPDX-License-Identifier: GPL-2.0-only
/*
 * Shared pieces of the engine benchmark: the timing loop, the test packet
 * and keys, and the copy that restores the packet every iteration.
 * Included by bench_engine.c (each bench/NAME.c is one binary); see
 * docs/bench-engine.md for the method.
 */
#ifndef XS_BENCH_UTIL_H
#define XS_BENCH_UTIL_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>

#include "engine.h"

#define BUF_SIZE 2048u
#define BATCH_NS 20000.0        /* one timed batch of iterations */
#define MAX_BATCHES 100000u
#define PERCENTILE 10u          /* of the batch times, see run_for() */
#define WARMUP_S 0.02           /* before the first repetition */
#define TEST_SPI 0x1000u

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* One iteration of a measured loop; nonzero means the work failed. */
typedef int (*iter_fn)(void *arg);

/* ------------------------------------------------------------------ */
/* Timing                                                              */

static inline double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static inline int cmp_double(const void *a, const void *b)
{
	const double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Runs fn for about `seconds` as back-to-back batches of ~BATCH_NS each and
 * returns the PERCENTILE-th percentile of the batches' ns per iteration, or
 * NAN (counting in *errors) if any iteration failed. On a shared VM other
 * tenants stall whole batches; a low percentile of short batches measures
 * the code rather than the neighbours, and is far more repeatable than the
 * mean of the whole run.
 */
static inline double run_for(iter_fn fn, void *arg, double seconds,
		      unsigned long *errors)
{
	static double samples[MAX_BATCHES];
	const double budget = seconds * 1e9;
	unsigned long err = 0;
	unsigned int chunk = 8, n = 0;
	double start = now_ns(), t0, t;

	/* Size the batch from a first small one. */
	t0 = now_ns();
	for (unsigned int i = 0; i < chunk; i++)
		err += fn(arg) != 0;
	t = (now_ns() - t0) / chunk;
	chunk = t > 0 ? (unsigned int)(BATCH_NS / t) : 1024;
	if (chunk < 8)
		chunk = 8;
	if (chunk > 4096)
		chunk = 4096;
	do {
		t0 = now_ns();
		for (unsigned int i = 0; i < chunk; i++)
			err += fn(arg) != 0;
		t = now_ns();
		samples[n++] = (t - t0) / chunk;
	} while (t - start < budget && n < MAX_BATCHES);
	if (errors)
		*errors += err;
	if (err)
		return NAN;
	qsort(samples, n, sizeof(samples[0]), cmp_double);
	return samples[(n - 1) * PERCENTILE / 100];
}

static inline double min_ns(double a, double b)
{
	if (isnan(a))
		return b;
	if (isnan(b))
		return a;
	return a < b ? a : b;
}

/* ------------------------------------------------------------------ */
/* Test packets and keys                                               */

static inline uint16_t ipv4_csum(const uint8_t *h, unsigned int len)
{
	uint32_t s = 0;

	for (unsigned int i = 0; i + 1 < len; i += 2)
		s += (uint32_t)h[i] << 8 | h[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* An IPv4/UDP datagram of exactly len bytes (RFC 791, RFC 768). */
static inline void make_inner(uint8_t *p, unsigned int len)
{
	uint16_t c;

	memset(p, 0, len);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[8] = 64;
	p[9] = IPPROTO_UDP;
	memcpy(p + 12, (const uint8_t[]){ 10, 1, 0, 1 }, 4);
	memcpy(p + 16, (const uint8_t[]){ 10, 2, 0, 1 }, 4);
	c = ipv4_csum(p, 20);
	p[10] = (uint8_t)(c >> 8);
	p[11] = (uint8_t)c;
	p[20] = 0x30; p[21] = 0x39;     /* 12345 -> 9 */
	p[22] = 0x00; p[23] = 0x09;
	p[24] = (uint8_t)((len - 20) >> 8);
	p[25] = (uint8_t)(len - 20);
	for (unsigned int i = 28; i < len; i++)
		p[i] = (uint8_t)(i * 131 + 7);
}

static uint8_t bench_ekey[XS_ENC_KEY_MAX];
static uint8_t bench_akey[32];

static inline void make_keys(void)
{
	for (unsigned int i = 0; i < sizeof(bench_ekey); i++)
		bench_ekey[i] = (uint8_t)(0x11 + 7 * i);
	for (unsigned int i = 0; i < sizeof(bench_akey); i++)
		bench_akey[i] = (uint8_t)(0xa5 ^ (13 * i));
}

static inline void *buf_new(void)
{
	void *b = aligned_alloc(64, BUF_SIZE);

	if (b)
		memset(b, 0, BUF_SIZE);
	return b;
}

/* ESP payload length after padding, RFC 4303 §2.4: payload + pad length +
 * next header, aligned to the suite's block (4 for the AEADs). */
static inline uint32_t esp_plen(unsigned int suite, uint32_t len)
{
	const uint32_t b = xs_suite_info(suite)->block;

	return (len + XS_ESP_TRAILER_LEN + b - 1) / b * b;
}

/* ------------------------------------------------------------------ */
/* The copy both loops pay to restore the inner packet                 */

struct copy_ctx {
	uint8_t *dst;
	const uint8_t *src;
	uint32_t len;
};

static inline int copy_iter(void *arg)
{
	struct copy_ctx *c = arg;

	memcpy(c->dst, c->src, c->len);
	__asm__ volatile("" : : "r"(c->dst) : "memory");
	return 0;
}

#endif
