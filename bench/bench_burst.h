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
 *   counts only if the other thread did about as much work meanwhile
 *   (both really ran at once on this shared machine, neither was
 *   descheduled), and the low percentile of those is the thread's
 *   per-packet time. scale = sum over the two threads of
 *   (one-thread time / that thread's time): 2.0 is perfect.
 *
 * Included once, by bench_engine.c; prints rows and comment lines, and
 * the two headline lines through bb_print_headlines().
 */
#ifndef XS_BENCH_BURST_H
#define XS_BENCH_BURST_H

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <openssl/crypto.h>

#include "bench_util.h"

#define BB_N 64u
#define BB_HEADLINE_SIZE 64u
#define BB_ONE_SA_REPS 5u       /* at least; more while samples are few */
#define BB_ONE_SA_REPS_MAX 20u
#define BB_ONE_SA_MIN_SAMPLES 300u
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

/*
 * run_for (bench_util.h) for two loops at once: their batches alternate,
 * so a slow phase of this shared machine hits both alike and the ratio of
 * the two holds even when the absolute times move. Per-iteration
 * percentiles into *ta and *tb (NAN if an iteration failed).
 */
static void bb_run_pair(iter_fn fa, void *a, iter_fn fb, void *b, double seconds,
			unsigned long *errors, double *ta, double *tb)
{
	static double sa[MAX_BATCHES / 2], sb[MAX_BATCHES / 2];
	const double budget = seconds * 1e9;
	unsigned int ca = 8, cb = 8, n = 0;
	unsigned long err = 0;
	double start = now_ns(), t0, t;

	/* Batch sizes from a first small batch of each. */
	t0 = now_ns();
	for (unsigned int i = 0; i < 8; i++)
		err += fa(a) != 0;
	t = (now_ns() - t0) / 8;
	ca = t > 0 ? (unsigned int)(BATCH_NS / t) : 1024;
	t0 = now_ns();
	for (unsigned int i = 0; i < 8; i++)
		err += fb(b) != 0;
	t = (now_ns() - t0) / 8;
	cb = t > 0 ? (unsigned int)(BATCH_NS / t) : 1024;
	ca = ca < 8 ? 8 : ca > 4096 ? 4096 : ca;
	cb = cb < 8 ? 8 : cb > 4096 ? 4096 : cb;
	do {
		t0 = now_ns();
		for (unsigned int i = 0; i < ca; i++)
			err += fa(a) != 0;
		t = now_ns();
		sa[n] = (t - t0) / ca;
		t0 = t;
		for (unsigned int i = 0; i < cb; i++)
			err += fb(b) != 0;
		t = now_ns();
		sb[n++] = (t - t0) / cb;
	} while (t - start < budget && n < MAX_BATCHES / 2);
	*errors += err;
	*ta = *tb = NAN;
	if (err)
		return;
	qsort(sa, n, sizeof(sa[0]), cmp_double);
	qsort(sb, n, sizeof(sb[0]), cmp_double);
	*ta = sa[(n - 1) * PERCENTILE / 100];
	*tb = sb[(n - 1) * PERCENTILE / 100];
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
		double ts, tb;

		copy1 = min_ns(copy1, run_for(bb_copy_iter, &cp1, o->seconds / 4, NULL));
		copyn = min_ns(copyn, run_for(bb_copy_iter, &cpn, o->seconds / 4, NULL));
		bb_run_pair(bb_single_iter, &c, bb_burst_iter, &c, 2 * o->seconds, &errors,
			    &ts, &tb);
		s = min_ns(s, ts);
		b = min_ns(b, tb);
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
	do {
		o0 = t->other ? __atomic_load_n(t->other, __ATOMIC_RELAXED) : 0;
		t0 = now_ns();
		for (unsigned int i = 0; i < BB_ONE_SA_CHUNK; i++) {
			t->errors += bb_burst_iter(&t->c) != 0;
			__atomic_store_n(&t->iters, t->iters + 1, __ATOMIC_RELAXED);
		}
		t1 = now_ns();
		o1 = t->other ? __atomic_load_n(t->other, __ATOMIC_RELAXED) : 0;
		/* Counts only if the other thread ran alongside all along: it
		 * did about as much (less: it was descheduled; more: this
		 * one was). */
		if ((!t->other || (o1 - o0 >= BB_ONE_SA_CHUNK / 2 &&
				   o1 - o0 <= 2 * BB_ONE_SA_CHUNK)) &&
		    t->n < BB_SAMPLES)
			t->samples[t->n++] = (t1 - t0) / (BB_ONE_SA_CHUNK * BB_N);
	} while (t1 - start < t->seconds * 1e9);
	return NULL;
}

/* Runs nthreads on the shared case for seconds, each on a CPU of its
 * own where there are enough; their samples add to what they have. */
static int bb_threads(struct bb_thread *t, unsigned int nthreads, double seconds)
{
	const long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
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
		if (ncpu >= (long)nthreads) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(i, &set);
			pthread_setaffinity_np(t[i].tid, sizeof(set), &set);
		}
	}
	for (unsigned int i = 0; i < nthreads; i++)
		pthread_join(t[i].tid, NULL);
	pthread_barrier_destroy(&go);
	return 0;
}

/* The low percentile of a thread's samples so far, ns per packet. */
static double bb_thread_ns(struct bb_thread *t)
{
	if (!t->n)
		return NAN;
	qsort(t->samples, t->n, sizeof(t->samples[0]), cmp_double);
	return t->samples[(t->n - 1) * PERCENTILE / 100];
}

static void bb_thread_free(struct bb_thread *t, bool shared)
{
	if (!t)
		return;
	if (shared) {
		t->c.tx = t->c.rx = NULL;
		t->c.db = NULL;
	}
	bb_case_free(&t->c);
}

/*
 * One thread, then two threads sharing one SA each way, then (the
 * control: what this machine gives two threads at all) two threads with
 * an SA pair each, in turn until enough batches ran side by side.
 */
static int bb_one_sa(const struct bb_opts *o, uint32_t len, int headline)
{
	const unsigned int suite = XS_SUITE_AES128GCM16;
	struct bb_thread *solo = calloc(1, sizeof(*solo));
	struct bb_thread *t = calloc(2, sizeof(*t)), *own = calloc(2, sizeof(*own));
	struct bb_case shared;
	uint8_t inner[BUF_SIZE];
	double one, two[2], sep[2], scale, scale_own;
	unsigned long errors;
	unsigned int r;
	int ret = -EIO;

	make_inner(inner, len);
	memset(&shared, 0, sizeof(shared));
	if (!t || !solo || !own ||
	    bb_case_init(&shared, suite, o->def_backend, inner, len, NULL) ||
	    bb_case_init(&solo->c, suite, 0, inner, len, &shared) ||
	    bb_case_init(&t[0].c, suite, 0, inner, len, &shared) ||
	    bb_case_init(&t[1].c, suite, 0, inner, len, &shared) ||
	    bb_case_init(&own[0].c, suite, o->def_backend, inner, len, NULL) ||
	    bb_case_init(&own[1].c, suite, o->def_backend, inner, len, NULL) ||
	    bb_verify(&t[0].c)) {
		printf("# error: one_sa %uB: set-up failed\n", len);
		goto out;
	}
	/* In turn, so a slow phase of the machine hits all; on a busy machine
	 * two threads rarely run at once, so go on (within limits) until
	 * enough batches ran side by side. */
	for (r = 0; r < BB_ONE_SA_REPS_MAX; r++) {
		if (r >= BB_ONE_SA_REPS && t[0].n >= BB_ONE_SA_MIN_SAMPLES &&
		    t[1].n >= BB_ONE_SA_MIN_SAMPLES && solo->n >= BB_ONE_SA_MIN_SAMPLES)
			break;
		if (bb_threads(solo, 1, o->seconds) || bb_threads(t, 2, o->seconds) ||
		    bb_threads(own, 2, o->seconds / 2))
			goto out;
	}
	one = bb_thread_ns(solo);
	two[0] = bb_thread_ns(&t[0]);
	two[1] = bb_thread_ns(&t[1]);
	sep[0] = bb_thread_ns(&own[0]);
	sep[1] = bb_thread_ns(&own[1]);
	scale = one / two[0] + one / two[1];
	scale_own = one / sep[0] + one / sep[1];
	printf("# one_sa %s %uB %s: 1 thread %.1f ns/pkt; 2 threads, one SA each way: "
	       "%.1f and %.1f ns/pkt, scale %.2f (%u and %u batches side by side); "
	       "control, an SA pair each: %.1f and %.1f, scale %.2f; %u repetitions\n",
	       xs_suite_info(suite)->name, len, xs_backend_get(o->def_backend)->name, one,
	       two[0], two[1], scale, t[0].n, t[1].n, sep[0], sep[1], scale_own, r);
	errors = t[0].errors + t[1].errors;
	if (errors) {
		unsigned long d[XS_DROP_MAX];

		for (unsigned int k = 0; k < XS_DROP_MAX; k++)
			d[k] = t[0].c.drops[k] + t[1].c.drops[k];
		/* A thread descheduled between its seal and its open while the
		 * other ran a window ahead: its packets come too late. */
		bb_print_drops("one_sa", d);
	}
	fflush(stdout);
	if (headline)
		bb_res.scale = scale;
	ret = 0;
out:
	bb_thread_free(solo, true);
	for (unsigned int i = 0; i < 2; i++) {
		bb_thread_free(t ? &t[i] : NULL, true);
		bb_thread_free(own ? &own[i] : NULL, false);
	}
	free(solo);
	free(t);
	free(own);
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
