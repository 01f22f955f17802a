// SPDX-License-Identifier: GPL-2.0-only
/*
 * The burst entry points (burst.h) against the single-packet ones: two
 * universes of identical SAs, one fed packet by packet through
 * xs_seal/xs_open, the other the same packets as bursts through
 * xs_seal_burst/xs_open_burst. Random mixed batches (good, forged,
 * replayed, reordered, wrong SPI, truncated, malformed, garbage; every
 * suite and shape, AH among them, SAs of both backends in one batch,
 * ESN crossing 2^32, hard lifetimes running out mid-batch) must give the
 * same verdicts, the same bytes for every packet that passes, the same
 * SA found, and afterwards the same counters, sequence numbers and
 * replay windows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "burst_util.h"
#include "testutil.h"

#define NDEF (sizeof(defs) / sizeof(defs[0]))
#define BATCH_MAX 100u      /* above XS_BURST_MAX: bursts are cut */
#define WIRE_MAX 512u       /* sealed packets kept for the receivers */
#define U32 0x100000000ull

static const struct bu_sa_def defs[] = {
	/* ESP tunnel, IPv4 outer, AEAD: the specialised path. */
	{ XS_PROTO_ESP, XS_MODE_TUNNEL, AF_INET, XS_SUITE_AES128GCM16, false, false, false, 1024, 0, 0, 0 },
	/* ESN crossing 2^32 within the first batches, small window. */
	{ XS_PROTO_ESP, XS_MODE_TUNNEL, AF_INET6, XS_SUITE_AES256GCM16, true, false, false, 128, U32 - 40, 0, 0 },
	{ XS_PROTO_ESP, XS_MODE_TUNNEL, AF_INET, XS_SUITE_CHACHA20POLY1305, false, true, false, 64, 0, 0, 0 },
	{ XS_PROTO_ESP, XS_MODE_TRANSPORT, AF_INET, XS_SUITE_AES128CBC_SHA256, false, false, true, 1024, 0, 0, 0 },
	{ XS_PROTO_ESP, XS_MODE_TUNNEL, AF_INET6, XS_SUITE_AES256CBC_SHA256, true, true, true, 0, U32 - 5, 0, 0 },
	{ XS_PROTO_ESP, XS_MODE_TRANSPORT, AF_INET6, XS_SUITE_NULL_SHA256, false, false, false, 64, 0, 0, 0 },
	/* Hard lifetimes that run out during the test. */
	{ XS_PROTO_ESP, XS_MODE_TUNNEL, AF_INET, XS_SUITE_AES128GCM16, false, false, false, 1024, 0, 150, 0 },
	{ XS_PROTO_ESP, XS_MODE_TUNNEL, AF_INET, XS_SUITE_AES128GCM16, true, false, true, 4096, U32 - 20, 0, 60000 },
	{ XS_PROTO_AH, XS_MODE_TUNNEL, AF_INET, XS_SUITE_SHA256, false, false, false, 64, 0, 0, 0 },
	{ XS_PROTO_AH, XS_MODE_TRANSPORT, AF_INET6, XS_SUITE_SHA256, true, false, false, 1024, 0, 0, 0 },
	/* Without ESN, counting up to 2^32 - 1 and stopping there. */
	{ XS_PROTO_ESP, XS_MODE_TUNNEL, AF_INET, XS_SUITE_CHACHA20POLY1305, false, false, false, 256, U32 - 70, 0, 0 },
};

struct universe {
	struct xs_sa *tx[NDEF];
	struct xs_sa *rx[NDEF];
	struct xs_sadb *db;
};

/* A sealed packet on its way to the receivers. */
struct wire {
	struct bu_pkt pkt;
	unsigned int def;
};

struct world {
	struct universe u[2];      /* [0] packet by packet, [1] in bursts */
	struct wire *wire;         /* sealed, not yet (or again) sent */
	unsigned int nwire;
	struct bu_pkt *a, *b;      /* one batch in each universe */
	uint8_t va[BATCH_MAX], vb[BATCH_MAX];
	struct xs_sa *sa_a[BATCH_MAX], *sa_b[BATCH_MAX];
	uint64_t rng;
	uint64_t opened, sealed, dropped;
};

static uint32_t def_spi(unsigned int i)
{
	return 0x5000u + i;
}

static unsigned int backend_for(unsigned int variant, unsigned int i)
{
	unsigned int ids[XS_BACKEND_MAX], n = tu_backends(ids);

	/* 0: OpenSSL, 1: ipsec-mb, 2: both, SA by SA. */
	if (variant == 2)
		return ids[i % n];
	return ids[variant < n ? variant : 0];
}

static void world_init(struct world *w, unsigned int variant, uint64_t seed)
{
	memset(w, 0, sizeof(*w));
	w->rng = seed;
	for (unsigned int k = 0; k < 2; k++) {
		w->u[k].db = xs_sadb_new(64);
		assert_non_null(w->u[k].db);
		for (unsigned int i = 0; i < NDEF; i++) {
			w->u[k].tx[i] = bu_sa_new(&defs[i], def_spi(i), backend_for(variant, i));
			struct bu_sa_def rd = defs[i];

			/* The receiver of the lifetime SA runs out earlier
			 * than its sender: it sees fewer packets. */
			if (rd.hard_packets)
				rd.hard_packets = 40;
			w->u[k].rx[i] = bu_sa_new(&rd, def_spi(i), backend_for(variant, i + 1));
			assert_int_equal(xs_sadb_add(w->u[k].db, w->u[k].rx[i]), 0);
		}
	}
	w->wire = calloc(WIRE_MAX, sizeof(*w->wire));
	w->a = calloc(BATCH_MAX, sizeof(*w->a));
	w->b = calloc(BATCH_MAX, sizeof(*w->b));
	assert_true(w->wire && w->a && w->b);
}

static void world_free(struct world *w)
{
	for (unsigned int k = 0; k < 2; k++) {
		xs_sadb_free(w->u[k].db);
		for (unsigned int i = 0; i < NDEF; i++) {
			xs_sa_free(w->u[k].tx[i]);
			xs_sa_free(w->u[k].rx[i]);
		}
	}
	free(w->wire);
	free(w->a);
	free(w->b);
}

static void stats_equal(const char *what, unsigned int i, const struct xs_sa *x,
			const struct xs_sa *y)
{
	if (!memcmp(&x->stats, &y->stats, sizeof(x->stats)) &&
	    x->soft_expired == y->soft_expired && x->hard_expired == y->hard_expired)
		return;
	fprintf(stderr, "%s SA %u: packets %lu/%lu bytes %lu/%lu\n", what, i,
		(unsigned long)x->stats.packets, (unsigned long)y->stats.packets,
		(unsigned long)x->stats.bytes, (unsigned long)y->stats.bytes);
	for (unsigned int r = 0; r < XS_DROP_MAX; r++)
		if (x->stats.drops[r] != y->stats.drops[r])
			fprintf(stderr, "  %s: %lu/%lu\n", xs_drop_name(r),
				(unsigned long)x->stats.drops[r],
				(unsigned long)y->stats.drops[r]);
	fail_msg("%s SA %u counters differ", what, i);
}

/* Everything the packets left behind is the same in both universes. */
static void universes_equal(const struct world *w)
{
	const struct universe *x = &w->u[0], *y = &w->u[1];

	assert_memory_equal(x->db->drops, y->db->drops, sizeof(x->db->drops));
	for (unsigned int i = 0; i < NDEF; i++) {
		stats_equal("tx", i, x->tx[i], y->tx[i]);
		stats_equal("rx", i, x->rx[i], y->rx[i]);
		assert_int_equal(xs_sa_seq_reserved(x->tx[i]), xs_sa_seq_reserved(y->tx[i]));
		assert_int_equal(x->tx[i]->tx_seq, y->tx[i]->tx_seq);
		assert_int_equal(x->rx[i]->replay.top, y->rx[i]->replay.top);
		assert_memory_equal(x->rx[i]->replay.bits, y->rx[i]->replay.bits,
				    sizeof(x->rx[i]->replay.bits));
	}
}

static void outputs_equal(struct world *w, unsigned int n, const char *what)
{
	for (unsigned int i = 0; i < n; i++) {
		if (w->va[i] != w->vb[i])
			fail_msg("%s packet %u of %u: single %s, burst %s", what, i, n,
				 xs_drop_name(w->va[i]), xs_drop_name(w->vb[i]));
		if (w->va[i])
			continue;
		assert_int_equal(w->a[i].p.off, w->b[i].p.off);
		assert_int_equal(w->a[i].p.len, w->b[i].p.len);
		assert_memory_equal(bu_data(&w->a[i]), bu_data(&w->b[i]), w->a[i].p.len);
	}
}

/* Mostly a few busy SAs, as on a real link. */
static unsigned int pick_def(struct world *w)
{
	return bu_below(&w->rng, 4) ? bu_below(&w->rng, 3) * 3 % NDEF
				    : bu_below(&w->rng, NDEF);
}

static void wire_keep(struct world *w, const struct bu_pkt *p, unsigned int def)
{
	unsigned int at = w->nwire < WIRE_MAX ? w->nwire++ : bu_below(&w->rng, WIRE_MAX);

	bu_pkt_copy(&w->wire[at].pkt, p);
	w->wire[at].def = def;
}

/* ---- seal ------------------------------------------------------------------ */

static void seal_batch(struct world *w, unsigned int n)
{
	struct xs_sa *sas[2][BATCH_MAX] = { { NULL } };
	struct xs_pkt pk[BATCH_MAX];
	unsigned int defs_of[BATCH_MAX], ok;
	uint8_t inner[BU_DATA_MAX];

	for (unsigned int i = 0; i < n; i++) {
		const unsigned int d = pick_def(w);
		const int ver = bu_inner_ver(&defs[d], &w->rng);
		const uint32_t min = ver == 4 ? 28 : 48;
		uint32_t len = min + 4 + bu_below(&w->rng, bu_below(&w->rng, 4) ? 200 : 1300);

		len = bu_inner(inner, ver, len, &w->rng, (uint32_t)(w->sealed + i));
		switch (bu_below(&w->rng, 40)) {
		case 0:         /* not IP */
			inner[0] = 0x20;
			break;
		case 1:         /* shorter than its header says */
			len = min - 1;
			break;
		case 2:         /* an IPv4 fragment (transport mode refuses it) */
			if (ver == 4) {
				inner[6] |= 0x20;
				bu_ip4_csum(inner);
			}
			break;
		default:
			break;
		}
		defs_of[i] = d;
		sas[0][i] = w->u[0].tx[d];
		sas[1][i] = w->u[1].tx[d];
		bu_pkt_set(&w->a[i], inner, len);
		bu_pkt_set(&w->b[i], inner, len);
	}
	for (unsigned int i = 0; i < n; i++)
		w->va[i] = (uint8_t)xs_seal(sas[0][i], &w->a[i].p);
	for (unsigned int i = 0; i < n; i++)
		pk[i] = w->b[i].p;
	ok = xs_seal_burst(sas[1], pk, n, w->vb);
	for (unsigned int i = 0; i < n; i++)
		w->b[i].p = pk[i];
	outputs_equal(w, n, "seal");
	for (unsigned int i = 0; i < n; i++) {
		if (w->va[i])
			continue;
		w->sealed++;
		ok--;
		wire_keep(w, &w->a[i], defs_of[i]);
	}
	assert_int_equal(ok, 0);
}

/* ---- open ------------------------------------------------------------------ */

static void truncate_to(struct bu_pkt *b, uint32_t len)
{
	uint8_t *h = bu_data(b);

	b->p.len = len;
	if (len >= 20 && (h[0] >> 4) == 4) {
		bu_put16(h + 2, (uint16_t)len);
		bu_ip4_csum(h);
	} else if (len >= 40 && (h[0] >> 4) == 6) {
		bu_put16(h + 4, (uint16_t)(len - 40));
	}
}

/* One packet for the receivers: from the wire, mostly as sent. */
static void make_received(struct world *w, struct bu_pkt *b)
{
	uint8_t junk[200];
	struct wire *x;
	uint32_t off;

	if (!w->nwire || !bu_below(&w->rng, 30)) {
		/* Garbage: random bytes, sometimes behind a valid-looking header. */
		for (unsigned int i = 0; i < sizeof(junk); i++)
			junk[i] = (uint8_t)bu_rand(&w->rng);
		if (bu_below(&w->rng, 2)) {
			junk[0] = 0x45;
			junk[9] = bu_below(&w->rng, 2) ? IPPROTO_ESP : IPPROTO_UDP;
			bu_put16(junk + 2, sizeof(junk));
			bu_put16(junk + 6, 0);
			bu_put16(junk + 22, XS_NATT_PORT);
			bu_put16(junk + 24, sizeof(junk) - 20);
			junk[20] = 0;
			junk[21] = 0;
			junk[22] = 0x50;   /* SPI 0x50xx: a known one, often */
			junk[23] = (uint8_t)bu_below(&w->rng, NDEF);
			bu_ip4_csum(junk);
		}
		bu_pkt_set(b, junk, 20 + bu_below(&w->rng, sizeof(junk) - 20));
		return;
	}
	/* Recent packets most of the time: in order, or nearly. */
	x = &w->wire[bu_below(&w->rng, 3) ? w->nwire - 1 - bu_below(&w->rng, w->nwire < 8 ? w->nwire : 8)
					   : bu_below(&w->rng, w->nwire)];
	bu_pkt_copy(b, &x->pkt);
	off = bu_ipsec_off(bu_data(b));
	switch (bu_below(&w->rng, 12)) {
	case 0:         /* forged: one byte of the protected part changed */
		bu_data(b)[off + bu_below(&w->rng, b->p.len - off)] ^=
			(uint8_t)(1 + bu_below(&w->rng, 255));
		break;
	case 1:         /* an SPI nobody has */
		bu_data(b)[off] = 0x7e;
		break;
	case 2:         /* truncated (lengths fixed up, or not) */
		if (bu_below(&w->rng, 2))
			truncate_to(b, off + bu_below(&w->rng, b->p.len - off));
		else
			b->p.len = bu_below(&w->rng, b->p.len);
		break;
	default:        /* as sent: new, reordered or replayed */
		break;
	}
}

static void open_batch(struct world *w, unsigned int n)
{
	struct xs_pkt pk[BATCH_MAX];
	unsigned int ok, good = 0;

	for (unsigned int i = 0; i < n; i++) {
		make_received(w, &w->a[i]);
		bu_pkt_copy(&w->b[i], &w->a[i]);
	}
	for (unsigned int i = 0; i < n; i++)
		w->va[i] = (uint8_t)xs_open(w->u[0].db, &w->a[i].p, &w->sa_a[i]);
	for (unsigned int i = 0; i < n; i++)
		pk[i] = w->b[i].p;
	ok = xs_open_burst(w->u[1].db, pk, n, w->vb, w->sa_b);
	for (unsigned int i = 0; i < n; i++)
		w->b[i].p = pk[i];
	outputs_equal(w, n, "open");
	for (unsigned int i = 0; i < n; i++) {
		/* The same SA, by its place in each universe. */
		for (unsigned int d = 0; d < NDEF; d++)
			if (w->sa_a[i] == w->u[0].rx[d])
				assert_ptr_equal(w->sa_b[i], w->u[1].rx[d]);
		if (!w->sa_a[i])
			assert_null(w->sa_b[i]);
		good += !w->va[i];
	}
	assert_int_equal(ok, good);
	w->opened += good;
	w->dropped += n - good;
}

static void run_variant(unsigned int variant, uint64_t seed, unsigned int rounds)
{
	struct world *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	world_init(w, variant, seed);
	for (unsigned int r = 0; r < rounds; r++) {
		seal_batch(w, 1 + bu_below(&w->rng, BATCH_MAX));
		universes_equal(w);
		open_batch(w, 1 + bu_below(&w->rng, BATCH_MAX));
		universes_equal(w);
	}
	for (unsigned int i = 0; i < NDEF && getenv("BURST_VERBOSE"); i++)
		print_message("def %u: tx %lu rx %lu, rx drops replayed %lu outside %lu icv %lu\n", i,
			      (unsigned long)w->u[0].tx[i]->stats.packets,
			      (unsigned long)w->u[0].rx[i]->stats.packets,
			      (unsigned long)w->u[0].rx[i]->stats.drops[XS_DROP_REPLAYED],
			      (unsigned long)w->u[0].rx[i]->stats.drops[XS_DROP_OUTSIDE_WINDOW],
			      (unsigned long)w->u[0].rx[i]->stats.drops[XS_DROP_BAD_ICV]);
	/* The mix must have reached both outcomes, and the lifetimes ran out. */
	assert_true(w->opened > 1000);
	assert_true(w->dropped > 500);
	assert_true(w->u[0].tx[6]->hard_expired);
	assert_true(w->u[0].rx[6]->hard_expired);
	assert_true(w->u[0].rx[1]->replay.top > U32);
	assert_int_equal(xs_sa_seq_reserved(w->u[0].tx[10]), UINT32_MAX);
	assert_int_equal(w->u[0].tx[10]->tx_seq, UINT32_MAX);
	assert_true(w->u[0].tx[10]->stats.drops[XS_DROP_SEQ_OVERFLOW] > 0);
	print_message("variant %u seed %#lx: %lu sealed, %lu opened, %lu dropped\n",
		      variant, (unsigned long)seed, (unsigned long)w->sealed,
		      (unsigned long)w->opened, (unsigned long)w->dropped);
	world_free(w);
	free(w);
}

static void test_random_openssl(void **state)
{
	(void)state;
	run_variant(0, 0x9e3779b97f4a7c15ull, 300);
}

static void test_random_ipsecmb(void **state)
{
	(void)state;
	run_variant(1, 0xc2b2ae3d27d4eb4full, 300);
}

static void test_random_mixed_backends(void **state)
{
	(void)state;
	run_variant(2, 0x165667b19e3779f9ull, 300);
}

static void expect_ok(int r)
{
	assert_string_equal(xs_drop_name((unsigned int)r), "none");
}

/*
 * ESN packets whose high half depends on the packets before them in the
 * same burst: sealed across 2^32, opened shuffled in one burst.
 */
static void test_esn_inference_in_one_burst(void **state)
{
	const struct bu_sa_def d = { XS_PROTO_ESP, XS_MODE_TUNNEL, AF_INET,
				     XS_SUITE_AES128GCM16, true, false, false, 64,
				     U32 - 40, 0, 0 };
	struct xs_sa *tx = bu_sa_new(&d, 0x6000, XS_BACKEND_AUTO);
	struct xs_sa *rx[2] = { bu_sa_new(&d, 0x6000, XS_BACKEND_AUTO),
				bu_sa_new(&d, 0x6000, XS_BACKEND_AUTO) };
	struct xs_sadb *db[2] = { xs_sadb_new(4), xs_sadb_new(4) };
	struct bu_pkt *a = calloc(80, sizeof(*a)), *b = calloc(80, sizeof(*b));
	struct xs_pkt pk[80];
	uint8_t inner[100], va[80], vb[80];
	uint64_t rng = 7;
	unsigned int order[80];

	(void)state;
	assert_true(a && b && db[0] && db[1]);
	assert_int_equal(xs_sadb_add(db[0], rx[0]), 0);
	assert_int_equal(xs_sadb_add(db[1], rx[1]), 0);
	for (unsigned int i = 0; i < 80; i++) {
		bu_pkt_set(&a[i], inner, bu_inner(inner, 4, sizeof(inner), &rng, i));
		expect_ok(xs_seal(tx, &a[i].p));
		order[i] = i;
	}
	/* Late packets first: the window jumps into the next subspace, then
	 * the early ones arrive (within the window, or below it). */
	for (unsigned int i = 0; i < 80; i++) {
		unsigned int j = i + bu_below(&rng, 80 - i), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (unsigned int i = 0; i < 80; i++) {
		bu_pkt_copy(&b[i], &a[order[i]]);
		va[i] = (uint8_t)xs_open(db[0], &b[i].p, NULL);
		bu_pkt_copy(&b[i], &a[order[i]]);
		pk[i] = b[i].p;
	}
	xs_open_burst(db[1], pk, 80, vb, NULL);
	assert_memory_equal(va, vb, sizeof(va));
	assert_memory_equal(&rx[0]->stats, &rx[1]->stats, sizeof(rx[0]->stats));
	assert_int_equal(rx[0]->replay.top, U32 + 40);
	assert_int_equal(rx[1]->replay.top, U32 + 40);
	free(a);
	free(b);
	xs_sadb_free(db[0]);
	xs_sadb_free(db[1]);
	xs_sa_free(tx);
	xs_sa_free(rx[0]);
	xs_sa_free(rx[1]);
}

/*
 * RFC 4303 §3.4.3: a forged packet never moves the window, in a burst
 * either: forged copies of far-ahead numbers first, then the genuine
 * packets, all in one burst; every genuine one opens.
 */
static void test_forged_burst_keeps_window(void **state)
{
	const struct bu_sa_def d = { XS_PROTO_ESP, XS_MODE_TUNNEL, AF_INET,
				     XS_SUITE_AES128GCM16, false, false, false, 64, 0, 0, 0 };
	struct xs_sa *tx = bu_sa_new(&d, 0x6100, XS_BACKEND_AUTO);
	struct xs_sa *rx = bu_sa_new(&d, 0x6100, XS_BACKEND_AUTO);
	struct xs_sadb *db = xs_sadb_new(4);
	struct bu_pkt *a = calloc(64, sizeof(*a));
	struct xs_pkt pk[64];
	uint8_t inner[100], v[64];
	uint64_t rng = 11;

	(void)state;
	assert_true(a && db);
	assert_int_equal(xs_sadb_add(db, rx), 0);
	/* Numbers 1..32, and 1,000 far ahead of them. */
	for (unsigned int i = 0; i < 32; i++) {
		bu_pkt_set(&a[32 + i], inner, bu_inner(inner, 4, sizeof(inner), &rng, i));
		expect_ok(xs_seal(tx, &a[32 + i].p));
	}
	xs_sa_tx_restart(tx, 999);
	for (unsigned int i = 0; i < 32; i++) {
		bu_pkt_set(&a[i], inner, bu_inner(inner, 4, sizeof(inner), &rng, i));
		expect_ok(xs_seal(tx, &a[i].p));
		/* Forged: the last ICV byte changed. */
		bu_data(&a[i])[a[i].p.len - 1] ^= 0x5a;
	}
	for (unsigned int i = 0; i < 64; i++)
		pk[i] = a[i].p;
	assert_int_equal(xs_open_burst(db, pk, 64, v, NULL), 32);
	for (unsigned int i = 0; i < 32; i++) {
		assert_int_equal(v[i], XS_DROP_BAD_ICV);
		assert_int_equal(v[32 + i], XS_DROP_NONE);
	}
	assert_int_equal(rx->replay.top, 32);
	assert_int_equal(rx->stats.drops[XS_DROP_BAD_ICV], 32);
	free(a);
	xs_sadb_free(db);
	xs_sa_free(tx);
	xs_sa_free(rx);
}

/* A backend whose burst call claims success and runs nothing. */
static int burst_does_nothing(struct xs_crypto_op **ops, unsigned int n)
{
	(void)ops;
	(void)n;
	return 0;
}

/* Fail closed: ops a backend's burst call never ran are cipher errors,
 * never packets sealed or opened, and the window does not move. */
static void test_burst_backend_fails_closed(void **state)
{
	const struct bu_sa_def d = { XS_PROTO_ESP, XS_MODE_TUNNEL, AF_INET,
				     XS_SUITE_AES128GCM16, false, false, false, 64, 0, 0, 0 };
	struct xs_sa *tx = bu_sa_new(&d, 0x6200, XS_BACKEND_AUTO);
	struct xs_sa *rx = bu_sa_new(&d, 0x6200, XS_BACKEND_AUTO);
	struct xs_sa *sas[8] = { tx, tx, tx, tx, tx, tx, tx, tx };
	struct xs_sadb *db = xs_sadb_new(4);
	struct bu_pkt *a = calloc(8, sizeof(*a));
	struct xs_backend fake;
	const struct xs_backend *real;
	struct xs_pkt pk[8];
	uint8_t inner[100], v[8];
	uint64_t rng = 13;

	(void)state;
	assert_true(a && db);
	assert_int_equal(xs_sadb_add(db, rx), 0);
	for (unsigned int i = 0; i < 8; i++) {
		bu_pkt_set(&a[i], inner, bu_inner(inner, 4, sizeof(inner), &rng, i));
		pk[i] = a[i].p;
	}
	real = tx->cipher.be;
	fake = *real;
	fake.burst = burst_does_nothing;
	tx->cipher.be = &fake;
	assert_int_equal(xs_seal_burst(sas, pk, 8, v), 0);
	for (unsigned int i = 0; i < 8; i++) {
		assert_int_equal(v[i], XS_DROP_CRYPTO_ERROR);
		assert_int_equal(pk[i].off, XS_HEADROOM);
	}
	assert_int_equal(tx->stats.drops[XS_DROP_CRYPTO_ERROR], 8);
	assert_int_equal(tx->stats.packets, 0);
	assert_int_equal(tx->tx_seq, 0);

	/* Sealed for real, opened by the backend that runs nothing. */
	tx->cipher.be = real;
	assert_int_equal(xs_seal_burst(sas, pk, 8, v), 8);
	rx->cipher.be = &fake;
	assert_int_equal(xs_open_burst(db, pk, 8, v, NULL), 0);
	for (unsigned int i = 0; i < 8; i++)
		assert_int_equal(v[i], XS_DROP_CRYPTO_ERROR);
	assert_int_equal(rx->stats.packets, 0);
	assert_int_equal(rx->replay.top, 0);
	rx->cipher.be = real;
	free(a);
	xs_sadb_free(db);
	xs_sa_free(tx);
	xs_sa_free(rx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_openssl),
		cmocka_unit_test(test_random_ipsecmb),
		cmocka_unit_test(test_random_mixed_backends),
		cmocka_unit_test(test_esn_inference_in_one_burst),
		cmocka_unit_test(test_forged_burst_keeps_window),
		cmocka_unit_test(test_burst_backend_fails_closed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
