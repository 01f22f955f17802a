// SPDX-License-Identifier: GPL-2.0-only
/*
 * Engine benchmark: ESP tunnel mode (IPv4 outer), one seal and one open per
 * packet through one SA, against the fastest library call doing the same
 * cipher work on the same bytes (bench_raw.h), measured in the same run.
 *
 * Prints numbers and never asserts; docs/bench-engine.md explains the method
 * and how to read the output. The headline for the default backend:
 *   engine aes128gcm 1400B ratio=<x> overhead64=<ns>ns
 * then those of bench_burst.h (bursts, one SA on two threads):
 *   engine burst aes128gcm 64B gain=<single_ns/burst_ns>
 *   engine one_sa threads=2 scale=<x>
 */
#include "bench_raw.h"          /* first: it sets OpenSSL's API level */

#include <getopt.h>
#include <arpa/inet.h>

#include "engine.h"
#include "bench_sadb.h"
#include "bench_burst.h"

#define HEADLINE_REPS 5u        /* the numbers the last line is made of */

static const unsigned int bench_sizes[] = { 64, 512, 1400 };
static const unsigned int bench_suites[] = {
	XS_SUITE_AES128GCM16,
	XS_SUITE_AES256GCM16,
	XS_SUITE_CHACHA20POLY1305,
	XS_SUITE_AES128CBC_SHA256,
};

struct opts {
	unsigned int backend;   /* the headline backend (AUTO by default) */
	int only_backend;       /* --backend given: measure just that one */
	double seconds;         /* per repetition */
	unsigned int reps;
	int breakdown;
	unsigned int suite;     /* XS_SUITE_MAX: all of bench_suites */
	unsigned int size;      /* 0: all of bench_sizes */
};

/* ------------------------------------------------------------------ */
/* The engine                                                          */

struct eng {
	struct xs_sa *sa;
	uint8_t *buf;
	const uint8_t *inner;
	uint32_t len;
	int first_err;
};

static int engine_iter(void *arg)
{
	struct eng *e = arg;
	struct xs_pkt p = { e->buf, BUF_SIZE, XS_HEADROOM, e->len };
	int r;

	memcpy(e->buf + XS_HEADROOM, e->inner, e->len);
	r = xs_esp_seal(e->sa, &p);
	if (!r)
		r = xs_esp_open(e->sa, &p);
	if (r && !e->first_err)
		e->first_err = r;
	return r;
}

static struct xs_sa *sa_make(unsigned int suite, unsigned int backend,
			     uint32_t window)
{
	const struct xs_suite_info *si = xs_suite_info(suite);
	struct xs_sa_config cfg;
	struct xs_sa *sa;

	xs_sa_config_init(&cfg);
	cfg.spi = TEST_SPI;
	cfg.proto = XS_PROTO_ESP;
	cfg.mode = XS_MODE_TUNNEL;
	cfg.family = AF_INET;
	cfg.suite = (uint8_t)suite;
	inet_pton(AF_INET, "192.0.2.1", &cfg.src.v4);
	inet_pton(AF_INET, "198.51.100.1", &cfg.dst.v4);
	memcpy(cfg.enc_key, bench_ekey, si->enc_key_len);
	cfg.enc_key_len = si->enc_key_len;
	memcpy(cfg.auth_key, bench_akey, si->auth_key_len);
	cfg.auth_key_len = si->auth_key_len;
	cfg.replay_window = window;
	cfg.backend = (uint8_t)backend;
	sa = xs_sa_new(&cfg);
	OPENSSL_cleanse(&cfg, sizeof(cfg));
	return sa;
}

/* Gives the engine the IV the raw baseline used (for GCM/ChaCha that is
 * the sequence number anyway; CBC's default is random). */
static void raw_iv(void *arg, uint64_t seq, uint8_t *iv, unsigned int len)
{
	const struct raw *r = arg;

	(void)seq;
	memcpy(iv, r->esp + XS_ESP_HDR_LEN, len < r->iv_len ? len : r->iv_len);
}

/*
 * One seal and one open outside the clock. The first packet of a fresh SA
 * (sequence number 1) with the baseline's IV must come out as the RFC 4303
 * tunnel layout, outer IPv4 + exactly the bytes the raw library produced,
 * and open back to the inner packet.
 */
static int engine_verify(struct eng *e, struct raw *ref, char *why,
			 size_t why_len)
{
	struct xs_pkt p = { e->buf, BUF_SIZE, XS_HEADROOM, e->len };
	uint8_t want[BUF_SIZE];
	uint32_t want_len;
	int r;

	if (raw_seal_once(ref, want, &want_len)) {
		snprintf(why, why_len, "raw %s failed", ref->name);
		return -EIO;
	}
	memcpy(e->buf + XS_HEADROOM, e->inner, e->len);
	xs_sa_set_iv_fn(e->sa, raw_iv, ref);
	r = xs_esp_seal(e->sa, &p);
	xs_sa_set_iv_fn(e->sa, NULL, NULL);
	if (r) {
		snprintf(why, why_len, "seal dropped: %s", xs_drop_name((unsigned int)r));
		return -EIO;
	}
	if (p.len != XS_IPV4_HDR_LEN + want_len || p.buf[p.off + 9] != IPPROTO_ESP) {
		snprintf(why, why_len, "sealed %u bytes, protocol %u; expected %u, 50",
			 p.len, p.buf[p.off + 9], XS_IPV4_HDR_LEN + want_len);
		return -EIO;
	}
	for (uint32_t i = 0; i < want_len; i++) {
		if (p.buf[p.off + XS_IPV4_HDR_LEN + i] != want[i]) {
			snprintf(why, why_len, "ESP byte %u is %02x, %s says %02x", i,
				 p.buf[p.off + XS_IPV4_HDR_LEN + i], ref->name, want[i]);
			return -EIO;
		}
	}
	r = xs_esp_open(e->sa, &p);
	if (r) {
		snprintf(why, why_len, "open dropped: %s", xs_drop_name((unsigned int)r));
		return -EIO;
	}
	if (p.len != e->len || memcmp(p.buf + p.off, e->inner, e->len)) {
		snprintf(why, why_len, "opened %u bytes that differ from the inner packet",
			 p.len);
		return -EIO;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Breakdown: where the engine's time goes                             */

struct bk {
	struct xs_sa *sa;
	uint8_t *buf;
	uint8_t *esp, *payload, *tag;
	const uint8_t *src;     /* what is copied back each iteration */
	uint32_t src_len;
	uint32_t plen, iv_len;
	int aead;
	uint8_t nonce[12];
	uint8_t md[SHA256_LEN];
	struct xs_replay replay;
	uint64_t seq;
};

/* The backend's own calls, through the SA's cipher, on the raw layout. */
static int bk_backend_iter(void *arg)
{
	struct bk *b = arg;
	struct xs_cipher *c = &b->sa->cipher;
	const struct xs_backend *be = c->be;
	const uint32_t mac_len = XS_ESP_HDR_LEN + b->iv_len + b->plen;
	int r;

	memcpy(b->payload, b->src, b->src_len);
	if (b->aead)
		return be->aead_seal(c, b->nonce, b->esp, XS_ESP_HDR_LEN, b->payload,
				     b->plen, b->tag) |
		       be->aead_open(c, b->nonce, b->esp, XS_ESP_HDR_LEN, b->payload,
				     b->plen, b->tag);
	r = be->cbc_encrypt(c, b->esp + XS_ESP_HDR_LEN, b->payload, b->plen);
	r |= be->hmac(c, b->esp, mac_len, b->md);
	memcpy(b->tag, b->md, XS_ICV_LEN);
	r |= be->hmac(c, b->esp, mac_len, b->md);
	r |= CRYPTO_memcmp(b->md, b->tag, XS_ICV_LEN) ? -EBADMSG : 0;
	r |= be->cbc_decrypt(c, b->esp + XS_ESP_HDR_LEN, b->payload, b->plen);
	return r;
}

static int bk_seal_iter(void *arg)
{
	struct bk *b = arg;
	struct xs_pkt p = { b->buf, BUF_SIZE, XS_HEADROOM, b->src_len };

	memcpy(b->buf + XS_HEADROOM, b->src, b->src_len);
	return xs_esp_seal(b->sa, &p);
}

/* Opens the same sealed packet again and again (SA without a window). */
static int bk_open_iter(void *arg)
{
	struct bk *b = arg;
	struct xs_pkt p = { b->buf, BUF_SIZE, XS_HEADROOM, b->src_len };

	memcpy(b->buf + XS_HEADROOM, b->src, b->src_len);
	return xs_esp_open(b->sa, &p);
}

static int bk_replay_iter(void *arg)
{
	struct bk *b = arg;
	uint64_t seq;
	int r;

	b->seq++;
	r = xs_replay_check(&b->replay, (uint32_t)b->seq, &seq);
	if (!r)
		xs_replay_commit(&b->replay, seq);
	return r;
}

static void counter_iv(void *arg, uint64_t seq, uint8_t *iv, unsigned int len)
{
	(void)arg;
	memset(iv, 0, len);
	for (unsigned int i = 0; i < 8 && i < len; i++)
		iv[len - 1 - i] = (uint8_t)(seq >> (8 * i));
}

/* Best of reps for fn, with the copy of copy_len bytes subtracted. */
static double bk_measure(iter_fn fn, void *arg, const struct opts *o,
			 uint32_t copy_len)
{
	uint8_t *dst = buf_new();
	uint8_t src[BUF_SIZE] = { 0 };
	struct copy_ctx cc = { dst, src, copy_len };
	double best = NAN, copy = NAN;
	unsigned long errors = 0;

	if (!dst)
		return NAN;
	run_for(fn, arg, WARMUP_S, &errors);
	for (unsigned int i = 0; i < o->reps; i++) {
		copy = min_ns(copy, run_for(copy_iter, &cc, o->seconds / 4, NULL));
		best = min_ns(best, run_for(fn, arg, o->seconds, &errors));
	}
	free(dst);
	return errors ? NAN : best - copy;
}

/* A cipher that does nothing: what is left of seal+open is framing. The
 * HMAC "tag" is all zeros, so open finds it matching; AEAD open accepts. */
static int null_aead_seal(struct xs_cipher *c, const uint8_t *nonce,
			  const uint8_t *aad, size_t aad_len, uint8_t *data,
			  size_t len, uint8_t *tag)
{
	(void)c, (void)nonce, (void)aad, (void)aad_len, (void)data, (void)len, (void)tag;
	return 0;
}

static int null_aead_open(struct xs_cipher *c, const uint8_t *nonce,
			  const uint8_t *aad, size_t aad_len, uint8_t *data,
			  size_t len, const uint8_t *tag)
{
	(void)c, (void)nonce, (void)aad, (void)aad_len, (void)data, (void)len, (void)tag;
	return 0;
}

static int null_cbc(struct xs_cipher *c, const uint8_t *iv, uint8_t *data,
		    size_t len)
{
	(void)c, (void)iv, (void)data, (void)len;
	return 0;
}

static int null_hmac(struct xs_cipher *c, const uint8_t *data, size_t len,
		     uint8_t *out)
{
	(void)c, (void)data, (void)len;
	memset(out, 0, SHA256_LEN);
	return 0;
}

static const struct xs_backend null_backend = {
	.name = "null",
	.aead_seal = null_aead_seal,
	.aead_open = null_aead_open,
	.cbc_encrypt = null_cbc,
	.cbc_decrypt = null_cbc,
	.hmac = null_hmac,
};

static void breakdown(unsigned int suite, unsigned int backend,
		      const uint8_t *inner, uint32_t len, double raw_ns,
		      double eng_ns, const struct opts *o)
{
	const struct xs_suite_info *si = xs_suite_info(suite);
	struct bk b;
	struct eng e;
	uint8_t sealed[BUF_SIZE];
	struct xs_pkt p;
	double be_ns, null_ns, seal_ns, seal_civ_ns, open_ns, replay_ns;
	const struct xs_backend *real;
	struct xs_sa *open_sa;

	memset(&b, 0, sizeof(b));
	b.buf = buf_new();
	b.sa = sa_make(suite, backend, XS_REPLAY_WINDOW_DEFAULT);
	open_sa = sa_make(suite, backend, 0);
	if (!b.buf || !b.sa || !open_sa)
		goto out;
	b.plen = esp_plen(suite, len);
	b.iv_len = si->iv_len;
	b.aead = si->aead;
	b.payload = b.buf + XS_HEADROOM;
	b.esp = b.payload - XS_ESP_HDR_LEN - b.iv_len;
	b.tag = b.payload + b.plen;
	b.esp[2] = TEST_SPI >> 8;
	b.esp[7] = 1;
	if (si->aead)
		memcpy(b.nonce, bench_ekey + si->enc_key_len - XS_SALT_LEN,
		       XS_SALT_LEN);
	b.nonce[11] = 1;

	/* 1. The backend's calls alone: its wrapper cost over the raw call. */
	b.src = inner;
	b.src_len = len;
	be_ns = bk_measure(bk_backend_iter, &b, o, len);

	/* 2. Seal+open with the null cipher: the engine's own work. */
	e = (struct eng){ b.sa, b.buf, inner, len, 0 };
	real = b.sa->cipher.be;
	b.sa->cipher.be = &null_backend;
	null_ns = bk_measure(engine_iter, &e, o, len);
	b.sa->cipher.be = real;

	/* 3. Seal alone, with the default and a trivial IV source. */
	seal_ns = bk_measure(bk_seal_iter, &b, o, len);
	xs_sa_set_iv_fn(b.sa, counter_iv, NULL);
	seal_civ_ns = bk_measure(bk_seal_iter, &b, o, len);
	xs_sa_set_iv_fn(b.sa, NULL, NULL);

	/* 4. Open alone: the same sealed packet, SA without replay window. */
	memcpy(b.buf + XS_HEADROOM, inner, len);
	p = (struct xs_pkt){ b.buf, BUF_SIZE, XS_HEADROOM, len };
	if (xs_esp_seal(open_sa, &p))
		goto out;
	memcpy(sealed, p.buf + p.off, p.len);
	b.src = sealed;
	b.src_len = p.len;
	xs_sa_free(b.sa);
	b.sa = open_sa;
	open_sa = NULL;
	open_ns = bk_measure(bk_open_iter, &b, o, b.src_len);

	/* 5. The replay window alone (check + commit, in order). */
	xs_replay_init(&b.replay, XS_REPLAY_WINDOW_DEFAULT, false);
	replay_ns = bk_measure(bk_replay_iter, &b, o, 0);

	printf("breakdown %s %uB %s, ns per packet (copy subtracted):\n"
	       "  raw library seal+open       %8.1f\n"
	       "  backend calls seal+open     %8.1f  (wrapper %+.1f over raw)\n"
	       "  engine, null cipher         %8.1f  (framing alone: parse, headers, "
	       "padding, replay, accounting)\n"
	       "  engine seal alone           %8.1f  (with a trivial IV source: %.1f)\n"
	       "  engine open alone           %8.1f  (SA without replay window)\n"
	       "  replay check+commit         %8.1f\n"
	       "  engine seal+open            %8.1f  = backend %+.1f; null-cipher "
	       "framing explains %.1f, interaction %+.1f\n",
	       si->name, len, xs_backend_get(backend)->name, raw_ns, be_ns,
	       be_ns - raw_ns, null_ns, seal_ns, seal_civ_ns, open_ns, replay_ns,
	       eng_ns, eng_ns - be_ns, null_ns, eng_ns - be_ns - null_ns);
	fflush(stdout);
out:
	xs_sa_free(b.sa);
	xs_sa_free(open_sa);
	free(b.buf);
}

/* ------------------------------------------------------------------ */
/* Main loop                                                           */

struct result {
	double copy_ns;
	double raw_ns;
	char raw_name[32];
	double eng_ns[XS_BACKEND_MAX];
};

static void print_row(unsigned int suite, uint32_t len, const char *be,
		      const struct result *res, double eng)
{
	printf("%-16s %5u  %-8s %8.2f %9.1f %9.1f  %-20s %6.3f %9.1f\n",
	       xs_suite_info(suite)->name, len, be, len * 8.0 / eng, eng,
	       res->raw_ns, res->raw_name, res->raw_ns / eng, eng - res->raw_ns);
}

static int bench_one(unsigned int suite, uint32_t len, const struct opts *o,
		     const unsigned int *backends, unsigned int nb,
		     struct result *res)
{
	const struct xs_suite_info *si = xs_suite_info(suite);
	const int headline = suite == XS_SUITE_AES128GCM16 &&
			     (len == 64 || len == 1400);
	const unsigned int reps = headline && o->reps < HEADLINE_REPS ?
				  HEADLINE_REPS : o->reps;
	uint8_t inner[BUF_SIZE];
	struct eng e[XS_BACKEND_MAX];
	struct copy_ctx cc;
	struct raw *raw;
	unsigned long errors[XS_BACKEND_MAX] = { 0 };
	int failed = 0;
	char why[160];

	memset(e, 0, sizeof(e));
	make_inner(inner, len);
	raw = raw_pick(suite, inner, len, o->breakdown);
	if (!raw) {
		printf("# error: no raw baseline for %s\n", si->name);
		return -EIO;
	}
	snprintf(res->raw_name, sizeof(res->raw_name), "%s", raw->name);
	cc = (struct copy_ctx){ raw->payload, inner, len };
	for (unsigned int i = 0; i < nb; i++) {
		struct eng *x = &e[backends[i]];

		res->eng_ns[backends[i]] = NAN;
		x->sa = sa_make(suite, backends[i], XS_REPLAY_WINDOW_DEFAULT);
		x->buf = buf_new();
		x->inner = inner;
		x->len = len;
		if (!x->sa || !x->buf) {
			printf("# error: %s SA for %s: %s\n",
			       xs_backend_get(backends[i])->name, si->name,
			       strerror(errno));
			failed = 1;
			xs_sa_free(x->sa);
			x->sa = NULL;
			continue;
		}
		if (engine_verify(x, raw, why, sizeof(why))) {
			printf("# error: %s %s %uB: %s\n",
			       xs_backend_get(backends[i])->name, si->name, len, why);
			failed = 1;
			xs_sa_free(x->sa);
			x->sa = NULL;
			continue;
		}
		run_for(engine_iter, x, WARMUP_S, NULL);
	}
	run_for(raw->impl->iter, raw, WARMUP_S, NULL);

	/* Interleaved, so drift on a shared machine hits all of them alike. */
	res->copy_ns = res->raw_ns = NAN;
	for (unsigned int rep = 0; rep < reps; rep++) {
		res->copy_ns = min_ns(res->copy_ns,
				      run_for(copy_iter, &cc, o->seconds / 4, NULL));
		res->raw_ns = min_ns(res->raw_ns,
				     run_for(raw->impl->iter, raw, o->seconds, NULL));
		for (unsigned int i = 0; i < nb; i++) {
			struct eng *x = &e[backends[i]];

			if (!x->sa)
				continue;
			res->eng_ns[backends[i]] =
				min_ns(res->eng_ns[backends[i]],
				       run_for(engine_iter, x, o->seconds,
					       &errors[backends[i]]));
		}
	}
	res->raw_ns -= res->copy_ns;
	for (unsigned int i = 0; i < nb; i++) {
		const unsigned int b = backends[i];

		if (!e[b].sa)
			continue;
		if (errors[b]) {
			printf("# error: %s %s %uB: %lu drops while timing, first %s\n",
			       xs_backend_get(b)->name, si->name, len, errors[b],
			       xs_drop_name((unsigned int)e[b].first_err));
			res->eng_ns[b] = NAN;
			failed = 1;
			continue;
		}
		res->eng_ns[b] -= res->copy_ns;
		print_row(suite, len, xs_backend_get(b)->name, res, res->eng_ns[b]);
	}
	fflush(stdout);
	if (o->breakdown)
		for (unsigned int i = 0; i < nb; i++)
			if (e[backends[i]].sa && !isnan(res->eng_ns[backends[i]]))
				breakdown(suite, backends[i], inner, len,
					  res->raw_ns, res->eng_ns[backends[i]], o);
	for (unsigned int i = 0; i < nb; i++) {
		xs_sa_free(e[backends[i]].sa);
		free(e[backends[i]].buf);
	}
	raw_free(raw);
	return failed ? -EIO : 0;
}

static void print_header(const struct opts *o, const struct xs_backend *def)
{
	char line[256], cpu[128] = "unknown";
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		char *c = strchr(line, ':');

		if (!strncmp(line, "model name", 10) && c) {
			snprintf(cpu, sizeof(cpu), "%s", c + 2);
			cpu[strcspn(cpu, "\n")] = '\0';
			break;
		}
	}
	if (f)
		fclose(f);
	printf("# xdpsec engine benchmark: ESP tunnel mode, IPv4 outer, one SA, "
	       "seal+open per packet, hot cache\n");
	printf("# cpu: %s; %s", cpu, OpenSSL_version(OPENSSL_VERSION));
#ifdef XS_HAVE_IPSECMB
	printf("; intel-ipsec-mb %s", imb_get_version_str());
#endif
	printf("\n# each time: %u%%-ile of ~%.0f us batches over a %.2f s repetition, best of "
	       "%u repetitions (%u for the headline), the inner-packet copy subtracted\n",
	       PERCENTILE, BATCH_NS / 1e3, o->seconds, o->reps,
	       o->reps > HEADLINE_REPS ? o->reps : HEADLINE_REPS);
	printf("# default backend: %s%s\n", def->name,
	       o->backend == XS_BACKEND_AUTO ? " (auto)" : "");
	printf("# ratio = raw_ns / engine_ns (1.0 = no overhead); "
	       "overhead = engine_ns - raw_ns\n");
	printf("%-16s %5s  %-8s %8s %9s %9s  %-20s %6s %9s\n", "suite", "bytes",
	       "backend", "Gbit/s", "ns/pkt", "raw ns", "raw (library)", "ratio",
	       "overhead");
	fflush(stdout);
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [--backend auto|openssl|ipsecmb] [--seconds S] [--reps N] [--breakdown]\n"
		"          [--suite NAME] [--size 64|512|1400]\n"
		"  --backend   measure only this backend (default: every available one;\n"
		"              the last line uses auto unless this is given)\n"
		"  --seconds   length of one repetition (default 0.2)\n"
		"  --reps      repetitions, the best is kept (default 3; 5 for the headline)\n"
		"  --breakdown also time the backend calls, seal and open alone, the\n"
		"              replay window and the IV source for each backend\n"
		"  --suite, --size  only this suite / inner packet size (the last line\n"
		"              then prints nan for what was not measured)\n",
		prog);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "seconds", required_argument, NULL, 's' },
		{ "reps", required_argument, NULL, 'r' },
		{ "breakdown", no_argument, NULL, 'B' },
		{ "suite", required_argument, NULL, 'S' },
		{ "size", required_argument, NULL, 'z' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	*o = (struct opts){ XS_BACKEND_AUTO, 0, 0.2, 3, 0, XS_SUITE_MAX, 0 };
	while ((c = getopt_long(argc, argv, "b:s:r:BS:z:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			o->backend = xs_backend_by_name(optarg);
			if (o->backend >= XS_BACKEND_MAX) {
				fprintf(stderr, "unknown backend '%s'\n", optarg);
				return -EINVAL;
			}
			o->only_backend = 1;
			break;
		case 's':
			o->seconds = strtod(optarg, &end);
			if (*end || !(o->seconds > 0 && o->seconds <= 60)) {
				fprintf(stderr, "bad --seconds '%s'\n", optarg);
				return -EINVAL;
			}
			break;
		case 'r':
			o->reps = (unsigned int)strtoul(optarg, &end, 10);
			if (*end || o->reps < 1 || o->reps > 100) {
				fprintf(stderr, "bad --reps '%s'\n", optarg);
				return -EINVAL;
			}
			break;
		case 'B':
			o->breakdown = 1;
			break;
		case 'S': {
			unsigned int i;

			o->suite = xs_suite_by_name(optarg);
			for (i = 0; i < ARRAY_SIZE(bench_suites); i++)
				if (bench_suites[i] == o->suite)
					break;
			if (i == ARRAY_SIZE(bench_suites)) {
				fprintf(stderr, "--suite: one of aes128gcm16, aes256gcm16, "
					"chacha20poly1305, aes128cbc-sha256\n");
				return -EINVAL;
			}
			break;
		}
		case 'z': {
			unsigned int i;

			o->size = (unsigned int)strtoul(optarg, &end, 10);
			for (i = 0; i < ARRAY_SIZE(bench_sizes); i++)
				if (bench_sizes[i] == o->size)
					break;
			if (*end || i == ARRAY_SIZE(bench_sizes)) {
				fprintf(stderr, "--size: one of 64, 512, 1400\n");
				return -EINVAL;
			}
			break;
		}
		default:
			usage(argv[0]);
			return c == 'h' ? 1 : -EINVAL;
		}
	}
	if (optind != argc) {
		usage(argv[0]);
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct result res[ARRAY_SIZE(bench_suites)][ARRAY_SIZE(bench_sizes)];
	unsigned int backends[XS_BACKEND_MAX], nb = 0, def_id = XS_BACKEND_MAX;
	const struct xs_backend *def;
	double ratio = NAN, over = NAN;
	int failed = 0, ret;
	struct opts o;

	for (unsigned int s = 0; s < ARRAY_SIZE(bench_suites); s++)
		for (unsigned int z = 0; z < ARRAY_SIZE(bench_sizes); z++) {
			res[s][z].copy_ns = res[s][z].raw_ns = NAN;
			for (unsigned int b = 0; b < XS_BACKEND_MAX; b++)
				res[s][z].eng_ns[b] = NAN;
		}
	ret = parse_opts(argc, argv, &o);
	if (ret)
		return ret > 0 ? 0 : 2;
	def = xs_backend_get(o.backend);
	if (!def) {
		fprintf(stderr, "backend %u is not available here\n", o.backend);
		return 2;
	}
	/* Measure each concrete backend once; "auto" is one of them. */
	for (unsigned int id = XS_BACKEND_AUTO + 1; id < XS_BACKEND_MAX; id++) {
		const struct xs_backend *be = xs_backend_get(id);

		if (!be || (o.only_backend && be != def))
			continue;
		if (be == def)
			def_id = id;
		backends[nb++] = id;
	}
	make_keys();
#ifdef XS_HAVE_IPSECMB
	imb_archs_init();
#endif
	print_header(&o, def);
	for (unsigned int s = 0; s < ARRAY_SIZE(bench_suites); s++)
		for (unsigned int z = 0; z < ARRAY_SIZE(bench_sizes); z++)
			if ((o.suite == XS_SUITE_MAX || o.suite == bench_suites[s]) &&
			    (!o.size || o.size == bench_sizes[z]))
				failed |= bench_one(bench_suites[s], bench_sizes[z], &o,
					    backends, nb, &res[s][z]) != 0;
#ifdef XS_HAVE_IPSECMB
	imb_archs_free();
#endif
	if (def_id < XS_BACKEND_MAX) {
		const struct bb_opts bo = { o.seconds, o.reps, o.suite, o.size, def_id,
					    backends, nb };

		failed |= bb_run(&bo);
	}
	/* bench_suites[0] is AES-128-GCM; sizes 64 and 1400 are [0] and [2]. */
	if (def_id < XS_BACKEND_MAX) {
		ratio = res[0][2].raw_ns / res[0][2].eng_ns[def_id];
		over = res[0][0].eng_ns[def_id] - res[0][0].raw_ns;
	}
	failed |= bench_sadb(o.seconds) != 0;
	printf("engine aes128gcm 1400B ratio=%.2f overhead64=%.0fns\n", ratio, over);
	bb_print_headlines();
	/* Nonzero only when something could not be measured as asked: a
	 * failed check or drops while timing, not a --suite/--size filter. */
	return failed ? 1 : 0;
}
