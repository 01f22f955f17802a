// SPDX-License-Identifier: GPL-2.0-only
/*
 * Burst and shared-SA parts of the engine benchmark (docs/bench-engine.md):
 *
 * - burst vs single: ESP tunnel mode, one SA each way (the receiver in an
 *   SA database, as a worker has it). Single: xs_seal then xs_open, one
 *   packet at a time. Burst: xs_seal_burst then xs_open_burst over
 *   XS_BURST_MAX packets. Both per packet, the copy restoring the inner
 *   packets subtracted, timed like the rest (run_for).
 * - one SA on two threads: the same burst loop on two threads sealing
 *   with one shared outbound SA and opening with one shared inbound SA,
 *   against one thread. Each thread times batches of its own; a batch
 *   counts only if the other thread made progress meanwhile (both really
 *   ran at once on this shared machine), and the low percentile of those
 *   is the thread's per-packet time. scale = sum over the two threads of
 *   (one-thread time / that thread's time): 2.0 is perfect.
 *
 * Included once, by bench_engine.c; prints rows and comment lines, and
 * the two headline lines through bb_print_headlines().
 */
#ifndef XS_BENCH_BURST_H
#define XS_BENCH_BURST_H

#include <pthread.h>
#include <stdio.h>
#include <arpa/inet.h>

#include <openssl/crypto.h>

#include "bench_util.h"

#define BB_N 64u
#define BB_HEADLINE_SIZE 64u
#define BB_ONE_SA_REPS 5u
#define BB_ONE_SA_CHUNK 4u      /* burst iterations per timed batch */

struct bb_opts {
	double seconds;
	unsigned int reps;
	unsigned int suite;     /* XS_SUITE_MAX: every burst suite */
	unsigned int size;      /* 0: every size */
	unsigned int def_backend;
	const unsigned int *backends;
	unsigned int nb;
};

struct bb_result {
	double gain64;          /* AES-128-GCM at 64 bytes, default backend */
	double scale;           /* one SA, two threads */
};

static struct bb_result bb_res = { NAN, NAN };

struct bb_case {
	struct xs_sa *tx, *rx;
	struct xs_sadb *db;
	struct xs_sa *sas[BB_N];
	struct xs_pkt pk[BB_N];
	uint8_t *bufs[BB_N];
	uint8_t v[BB_N];
	const uint8_t *inner;
	uint32_t len;
	unsigned long drops[XS_DROP_MAX];
};

static struct xs_sa *bb_sa_make(unsigned int suite, unsigned int backend)
{
	const struct xs_suite_info *si = xs_suite_info(suite);
	struct xs_sa_config cfg;
	struct xs_sa *sa;

	xs_sa_config_init(&cfg);
	cfg.spi = TEST_SPI;
	cfg.suite = (uint8_t)suite;
	inet_pton(AF_INET, "192.0.2.1", &cfg.src.v4);
	inet_pton(AF_INET, "198.51.100.1", &cfg.dst.v4);
	memcpy(cfg.enc_key, bench_ekey, si->enc_key_len);
	cfg.enc_key_len = si->enc_key_len;
	memcpy(cfg.auth_key, bench_akey, si->auth_key_len);
	cfg.auth_key_len = si->auth_key_len;
	cfg.backend = (uint8_t)backend;
	sa = xs_sa_new(&cfg);
	OPENSSL_cleanse(&cfg, sizeof(cfg));
	return sa;
}

static void bb_case_free(struct bb_case *c)
{
	for (unsigned int i = 0; i < BB_N; i++)
		free(c->bufs[i]);
	xs_sadb_free(c->db);
	xs_sa_free(c->tx);
	xs_sa_free(c->rx);
}

/* One SA each way; the buffers of a burst. Shared SAs for the threads of
 * one_sa: tx/rx/db given. */
static int bb_case_init(struct bb_case *c, unsigned int suite, unsigned int backend,
			const uint8_t *inner, uint32_t len, const struct bb_case *share)
{
	memset(c, 0, sizeof(*c));
	c->inner = inner;
	c->len = len;
	for (unsigned int i = 0; i < BB_N; i++) {
		c->bufs[i] = buf_new();
		if (!c->bufs[i])
			return -ENOMEM;
	}
	if (share) {
		c->tx = share->tx;
		c->rx = share->rx;
		c->db = share->db;
	} else {
		c->tx = bb_sa_make(suite, backend);
		c->rx = bb_sa_make(suite, backend);
		c->db = xs_sadb_new(16);
		if (!c->tx || !c->rx || !c->db || xs_sadb_add(c->db, c->rx))
			return -EIO;
	}
	for (unsigned int i = 0; i < BB_N; i++)
		c->sas[i] = c->tx;
	return 0;
}

static void bb_note_drops(struct bb_case *c, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		c->drops[c->v[i]]++;
}

static int bb_single_iter(void *arg)
{
	struct bb_case *c = arg;
	struct xs_pkt p = { c->bufs[0], BUF_SIZE, XS_HEADROOM, c->len };

	memcpy(p.buf + XS_HEADROOM, c->inner, c->len);
	c->v[0] = (uint8_t)xs_seal(c->tx, &p);
	if (!c->v[0])
		c->v[0] = (uint8_t)xs_open(c->db, &p, NULL);
	if (c->v[0])
		bb_note_drops(c, 1);
	return c->v[0];
}

/* Seals BB_N packets in one burst, opens them in another. */
static int bb_burst_iter(void *arg)
{
	struct bb_case *c = arg;
	unsigned int ok;

	for (unsigned int i = 0; i < BB_N; i++) {
		c->pk[i] = (struct xs_pkt){ c->bufs[i], BUF_SIZE, XS_HEADROOM, c->len };
		memcpy(c->bufs[i] + XS_HEADROOM, c->inner, c->len);
	}
	ok = xs_seal_burst(c->sas, c->pk, BB_N, c->v);
	if (ok == BB_N)
		ok = xs_open_burst(c->db, c->pk, BB_N, c->v, NULL);
	if (ok != BB_N)
		bb_note_drops(c, BB_N);
	return ok != BB_N;
}

struct bb_copy {
	uint8_t *bufs[BB_N];
	const uint8_t *inner;
	uint32_t len;
	unsigned int n;
};

static int bb_copy_iter(void *arg)
{
	struct bb_copy *c = arg;

	for (unsigned int i = 0; i < c->n; i++) {
		memcpy(c->bufs[i] + XS_HEADROOM, c->inner, c->len);
		__asm__ volatile("" : : "r"(c->bufs[i]) : "memory");
	}
	return 0;
}

/* The burst opens to the very packets that went in. */
static int bb_verify(struct bb_case *c)
{
	if (bb_burst_iter(c))
		return -EIO;
	for (unsigned int i = 0; i < BB_N; i++)
		if (c->pk[i].len != c->len ||
		    memcmp(c->pk[i].buf + c->pk[i].off, c->inner, c->len))
			return -EIO;
	return 0;
}

static void bb_print_drops(const char *what, const unsigned long *drops)
{
	for (unsigned int r = 1; r < XS_DROP_MAX; r++)
		if (drops[r])
			printf("# %s: %lu packets dropped (%s)\n", what, drops[r],
			       xs_drop_name(r));
}

/* Single and burst per-packet ns for one case; 0 or -EIO. */
static int bb_measure(unsigned int suite, unsigned int backend, uint32_t len,
		      const struct bb_opts *o, unsigned int reps, double *single,
		      double *burst)
{
	struct bb_case c;
	struct bb_copy cp1 = { { NULL }, NULL, len, 1 }, cpn = { { NULL }, NULL, len, BB_N };
	uint8_t inner[BUF_SIZE];
	double copy1 = NAN, copyn = NAN, s = NAN, b = NAN;
	unsigned long errors = 0;
	int ret = -EIO;

	make_inner(inner, len);
	if (bb_case_init(&c, suite, backend, inner, len, NULL) || bb_verify(&c)) {
		printf("# error: burst %s %uB %s: the burst did not open to its input\n",
		       xs_suite_info(suite)->name, len, xs_backend_get(backend)->name);
		goto out;
	}
	for (unsigned int i = 0; i < BB_N; i++)
		cp1.bufs[i] = cpn.bufs[i] = c.bufs[i];
	cp1.inner = cpn.inner = inner;
	run_for(bb_single_iter, &c, WARMUP_S, &errors);
	run_for(bb_burst_iter, &c, WARMUP_S, &errors);
	for (unsigned int r = 0; r < reps; r++) {
		copy1 = min_ns(copy1, run_for(bb_copy_iter, &cp1, o->seconds / 4, NULL));
		copyn = min_ns(copyn, run_for(bb_copy_iter, &cpn, o->seconds / 4, NULL));
		s = min_ns(s, run_for(bb_single_iter, &c, o->seconds, &errors));
		b = min_ns(b, run_for(bb_burst_iter, &c, o->seconds, &errors));
	}
	if (errors) {
		bb_print_drops("burst bench", c.drops);
		goto out;
	}
	*single = s - copy1;
	*burst = (b - copyn) / BB_N;
	ret = 0;
out:
	bb_case_free(&c);
	return ret;
}

static const unsigned int bb_suites[] = {
	XS_SUITE_AES128GCM16,
	XS_SUITE_CHACHA20POLY1305,
	XS_SUITE_AES128CBC_SHA256,
};
static const unsigned int bb_sizes[] = { 64, 512, 1400 };

/* Burst vs single table. AES-128-GCM at every size; the others at the
 * ends only (they show what multi-buffer code does for bursts). */
static int bb_table(const struct bb_opts *o)
{
	int failed = 0;

	printf("# burst: seal+open per packet, one SA each way, xs_seal+xs_open vs "
	       "xs_seal_burst+xs_open_burst of %u\n", BB_N);
	printf("%-16s %5s  %-8s %9s %9s %7s\n", "burst", "bytes", "backend", "single ns",
	       "burst ns", "gain");
	fflush(stdout);
	for (unsigned int s = 0; s < ARRAY_SIZE(bb_suites); s++) {
		const unsigned int suite = bb_suites[s];

		if (o->suite != XS_SUITE_MAX && o->suite != suite)
			continue;
		for (unsigned int z = 0; z < ARRAY_SIZE(bb_sizes); z++) {
			const uint32_t len = bb_sizes[z];
			const int headline = suite == XS_SUITE_AES128GCM16 &&
					     len == BB_HEADLINE_SIZE;

			if ((o->size && o->size != len) ||
			    (suite != XS_SUITE_AES128GCM16 && len == 512))
				continue;
			for (unsigned int k = 0; k < o->nb; k++) {
				const unsigned int be = o->backends[k];
				double single, burst;

				if (bb_measure(suite, be, len, o,
					       headline && o->reps < 5 ? 5 : o->reps,
					       &single, &burst)) {
					failed = 1;
					continue;
				}
				printf("%-16s %5u  %-8s %9.1f %9.1f %7.2f\n",
				       xs_suite_info(suite)->name, len,
				       xs_backend_get(be)->name, single, burst,
				       single / burst);
				fflush(stdout);
				if (headline && be == o->def_backend)
					bb_res.gain64 = single / burst;
			}
		}
	}
	return failed;
}

/* ---- one SA, two threads -------------------------------------------------- */

#define BB_SAMPLES 65536u

struct bb_thread {
	struct bb_case c;
	pthread_t tid;
	uint64_t iters;                 /* bursts done; read by the other */
	const uint64_t *other;          /* the other thread's iters, or NULL */
	double samples[BB_SAMPLES];
	unsigned int n;
	unsigned long errors;
	double seconds;
	pthread_barrier_t *go;
};

static void *bb_thread_run(void *arg)
{
	struct bb_thread *t = arg;
	double start, t0, t1;
	uint64_t o0, o1;

	pthread_barrier_wait(t->go);
	start = now_ns();
	t->n = 0;
	do {
		o0 = t->other ? __atomic_load_n(t->other, __ATOMIC_RELAXED) : 0;
		t0 = now_ns();
		for (unsigned int i = 0; i < BB_ONE_SA_CHUNK; i++) {
			t->errors += bb_burst_iter(&t->c) != 0;
			__atomic_store_n(&t->iters, t->iters + 1, __ATOMIC_RELAXED);
		}
		t1 = now_ns();
		o1 = t->other ? __atomic_load_n(t->other, __ATOMIC_RELAXED) : 0;
		/* Counts only if the other thread ran meanwhile. */
		if ((!t->other || o1 - o0 >= BB_ONE_SA_CHUNK / 2) && t->n < BB_SAMPLES)
			t->samples[t->n++] = (t1 - t0) / (BB_ONE_SA_CHUNK * BB_N);
	} while (t1 - start < t->seconds * 1e9);
	return NULL;
}

/* Runs nthreads on the shared case for seconds; per-thread percentile
 * ns per packet in ns[] (NAN when no batch ran alongside the other). */
static int bb_threads(struct bb_thread *t, unsigned int nthreads, double seconds,
		      double *ns)
{
	pthread_barrier_t go;

	if (pthread_barrier_init(&go, NULL, nthreads))
		return -EIO;
	for (unsigned int i = 0; i < nthreads; i++) {
		t[i].iters = 0;
		t[i].other = nthreads > 1 ? &t[1 - i].iters : NULL;
		t[i].seconds = seconds;
		t[i].go = &go;
		if (pthread_create(&t[i].tid, NULL, bb_thread_run, &t[i])) {
			/* Let the started ones through and collect them. */
			nthreads = i;
			break;
		}
	}
	for (unsigned int i = 0; i < nthreads; i++)
		pthread_join(t[i].tid, NULL);
	pthread_barrier_destroy(&go);
	for (unsigned int i = 0; i < nthreads; i++) {
		ns[i] = NAN;
		if (!t[i].n)
			continue;
		qsort(t[i].samples, t[i].n, sizeof(t[i].samples[0]), cmp_double);
		ns[i] = t[i].samples[(t[i].n - 1) * PERCENTILE / 100];
	}
	return 0;
}

static int bb_one_sa(const struct bb_opts *o, uint32_t len, int headline)
{
	const unsigned int suite = XS_SUITE_AES128GCM16;
	struct bb_thread *t = calloc(2, sizeof(*t));
	struct bb_case shared;
	uint8_t inner[BUF_SIZE];
	double one = NAN, two[2] = { NAN, NAN }, best = NAN, ns[2];
	unsigned int valid[2] = { 0, 0 };
	unsigned long errors = 0;
	int ret = -EIO;

	make_inner(inner, len);
	memset(&shared, 0, sizeof(shared));
	if (!t || bb_case_init(&shared, suite, o->def_backend, inner, len, NULL) ||
	    bb_case_init(&t[0].c, suite, 0, inner, len, &shared) ||
	    bb_case_init(&t[1].c, suite, 0, inner, len, &shared) || bb_verify(&t[0].c)) {
		printf("# error: one_sa %uB: set-up failed\n", len);
		goto out;
	}
	/* Alternating, so a slow phase of the machine hits both. */
	for (unsigned int r = 0; r < BB_ONE_SA_REPS; r++) {
		double sum;

		if (bb_threads(t, 1, o->seconds, ns))
			goto out;
		one = min_ns(one, ns[0]);
		if (bb_threads(t, 2, o->seconds, ns))
			goto out;
		if (isnan(ns[0]) || isnan(ns[1]))
			continue;
		/* The repetition where the pair moved the most packets. */
		sum = 1 / ns[0] + 1 / ns[1];
		if (isnan(best) || sum > best) {
			best = sum;
			two[0] = ns[0];
			two[1] = ns[1];
			valid[0] = t[0].n;
			valid[1] = t[1].n;
		}
	}
	errors = t[0].errors + t[1].errors;
	printf("# one_sa %s %uB %s: 1 thread %.1f ns/pkt; 2 threads %.1f and %.1f ns/pkt "
	       "(%u and %u batches ran side by side)%s\n",
	       xs_suite_info(suite)->name, len, xs_backend_get(o->def_backend)->name, one,
	       two[0], two[1], valid[0], valid[1],
	       isnan(two[0]) ? ": the threads never ran at the same time" : "");
	if (errors) {
		unsigned long d[XS_DROP_MAX];

		for (unsigned int r = 0; r < XS_DROP_MAX; r++)
			d[r] = t[0].c.drops[r] + t[1].c.drops[r];
		/* A thread descheduled between its seal and its open while the
		 * other ran a window ahead: its packets come too late. */
		bb_print_drops("one_sa", d);
	}
	fflush(stdout);
	if (headline)
		bb_res.scale = one / two[0] + one / two[1];
	ret = 0;
out:
	if (t) {
		for (unsigned int i = 0; i < 2; i++) {
			t[i].c.tx = t[i].c.rx = NULL;
			t[i].c.db = NULL;
			bb_case_free(&t[i].c);
		}
		free(t);
	}
	bb_case_free(&shared);
	return ret;
}

/* Everything but the headlines; 0, or 1 if something could not be measured. */
static int bb_run(const struct bb_opts *o)
{
	int failed = bb_table(o);

	if (o->suite == XS_SUITE_MAX || o->suite == XS_SUITE_AES128GCM16) {
		printf("# one_sa: two threads seal with one SA and open with one SA "
		       "(bursts of %u) vs one thread\n", BB_N);
		if (!o->size || o->size == BB_HEADLINE_SIZE)
			failed |= bb_one_sa(o, BB_HEADLINE_SIZE, 1) != 0;
		if (!o->size || o->size == 1400)
			failed |= bb_one_sa(o, 1400, 0) != 0;
	}
	return failed;
}

static void bb_print_headlines(void)
{
	printf("engine burst aes128gcm 64B gain=%.2f\n", bb_res.gain64);
	printf("engine one_sa threads=2 scale=%.2f\n", bb_res.scale);
}

#endif
