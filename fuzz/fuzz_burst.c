// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the burst entry points (burst.h) against the
 * single-packet ones. Two universes of identical SAs: one gets every
 * packet through xs_seal/xs_open, the other the same packets as bursts
 * through xs_seal_burst/xs_open_burst.
 *
 * Input: one byte of set-up (bit 0-1: where the ESN SA's numbers start:
 * 0, 2^32 - 10, 2^32 - 1,000 or 5), then records of
 * [op][length, 2 bytes][data]:
 *   op & 3 == 0  a received packet, data as is;
 *   op & 3 == 1  an inner packet to seal with SA op >> 2 (its IP header
 *                made consistent, as fuzz_esp_open does): consecutive seal
 *                records form one seal burst; the results join the
 *                received packets;
 *   op & 3 == 2  a sealed packet again (data[0] picks it), with the byte
 *                at data[1..2] XORed with data[3] (0: unchanged);
 *   op & 3 == 3  the received packets so far are opened now, as a burst.
 * Whatever is left is opened at the end.
 *
 * Invariants (__builtin_trap): the same verdict for every packet, the
 * same bytes and SA for every packet that passes, and afterwards the same
 * counters, sequence numbers and replay windows in both universes.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "engine.h"
#include "fuzz_check.h"

#define BATCH_MAX 96u        /* above XS_BURST_MAX: bursts get cut */
#define SEALED_MAX 64u
#define CAP (XS_HEADROOM + 2048u + XS_TAILROOM)
#define U32 0x100000000ull

struct def {
	uint8_t proto, mode, family, suite;
	bool esn, encap;
	uint32_t window;
};

static const struct def defs[] = {
	{ XS_PROTO_ESP, XS_MODE_TUNNEL, AF_INET, XS_SUITE_AES128GCM16, false, false, 1024 },
	{ XS_PROTO_ESP, XS_MODE_TUNNEL, AF_INET6, XS_SUITE_AES256GCM16, true, false, 64 },
	{ XS_PROTO_ESP, XS_MODE_TRANSPORT, AF_INET, XS_SUITE_AES128CBC_SHA256, false, true, 64 },
	{ XS_PROTO_ESP, XS_MODE_TUNNEL, AF_INET, XS_SUITE_CHACHA20POLY1305, true, true, 0 },
	{ XS_PROTO_ESP, XS_MODE_TRANSPORT, AF_INET6, XS_SUITE_NULL_SHA256, true, false, 128 },
	{ XS_PROTO_AH, XS_MODE_TUNNEL, AF_INET, XS_SUITE_SHA256, false, false, 64 },
	/* Hard lifetime: 5 packets sealed, 3 opened. */
	{ XS_PROTO_ESP, XS_MODE_TUNNEL, AF_INET, XS_SUITE_AES128GCM16, false, false, 256 },
};

#define NSA (sizeof(defs) / sizeof(defs[0]))
#define ESN_SA 1u
#define LIFE_SA 6u

struct universe {
	struct xs_sa *tx[NSA], *rx[NSA];
	struct xs_sadb *db;
};

struct pkt {
	uint8_t buf[CAP];
	struct xs_pkt p;
};

static struct universe u[2];
static struct pkt *rcv[2], *sealed, *tmp[2];
static unsigned int nrcv, nsealed;

static void iv_fixed(void *arg, uint64_t seq, uint8_t *iv, unsigned int len)
{
	(void)arg;
	for (unsigned int i = 0; i < len; i++)
		iv[i] = (uint8_t)((seq >> (8 * (i % 8))) ^ (i * 0x3b));
}

static struct xs_sa *sa_make(unsigned int i, uint64_t hard, unsigned int backend)
{
	const struct def *d = &defs[i];
	const struct xs_suite_info *si = xs_suite_info(d->suite);
	struct xs_sa_config cfg;
	struct xs_sa *sa;

	xs_sa_config_init(&cfg);
	cfg.spi = 0x3000u + i;
	cfg.proto = d->proto;
	cfg.mode = d->mode;
	cfg.family = d->family;
	cfg.suite = d->suite;
	cfg.esn = d->esn;
	cfg.replay_window = d->window;
	cfg.hard.packets = hard;
	cfg.backend = (uint8_t)backend;
	if (d->encap) {
		cfg.encap_sport = XS_NATT_PORT;
		cfg.encap_dport = XS_NATT_PORT;
	}
	if (d->family == AF_INET) {
		inet_pton(AF_INET, "192.0.2.1", &cfg.src.v4);
		inet_pton(AF_INET, "192.0.2.2", &cfg.dst.v4);
	} else {
		inet_pton(AF_INET6, "2001:db8::1", &cfg.src.v6);
		inet_pton(AF_INET6, "2001:db8::2", &cfg.dst.v6);
	}
	for (unsigned int k = 0; k < si->enc_key_len; k++)
		cfg.enc_key[k] = (uint8_t)(0x20 + k + i);
	cfg.enc_key_len = si->enc_key_len;
	for (unsigned int k = 0; k < si->auth_key_len; k++)
		cfg.auth_key[k] = (uint8_t)(0x90 + k + i);
	cfg.auth_key_len = si->auth_key_len;
	sa = xs_sa_new(&cfg);
	if (!sa)
		abort();
	xs_sa_set_iv_fn(sa, iv_fixed, NULL);
	return sa;
}

static void setup(void)
{
	unsigned int ids[2] = { XS_BACKEND_OPENSSL, XS_BACKEND_OPENSSL };

#ifdef XS_HAVE_IPSECMB
	if (xs_backend_get(XS_BACKEND_IPSECMB))
		ids[1] = XS_BACKEND_IPSECMB;
#endif
	for (unsigned int k = 0; k < 2; k++) {
		u[k].db = xs_sadb_new(32);
		if (!u[k].db)
			abort();
		for (unsigned int i = 0; i < NSA; i++) {
			/* Both backends in each burst. */
			u[k].tx[i] = sa_make(i, i == LIFE_SA ? 5 : 0, ids[i % 2]);
			u[k].rx[i] = sa_make(i, i == LIFE_SA ? 3 : 0, ids[(i + 1) % 2]);
			if (xs_sadb_add(u[k].db, u[k].rx[i]))
				abort();
		}
	}
	for (unsigned int k = 0; k < 2; k++) {
		rcv[k] = calloc(BATCH_MAX, sizeof(struct pkt));
		tmp[k] = calloc(BATCH_MAX, sizeof(struct pkt));
	}
	sealed = calloc(SEALED_MAX, sizeof(struct pkt));
	if (!rcv[0] || !rcv[1] || !tmp[0] || !tmp[1] || !sealed)
		abort();
}

static void sa_reset(struct xs_sa *sa, uint64_t last)
{
	xs_sa_tx_restart(sa, last);
	xs_replay_init(&sa->replay, sa->cfg.replay_window, sa->cfg.esn);
	memset(&sa->stats, 0, sizeof(sa->stats));
	sa->soft_expired = false;
	sa->hard_expired = false;
}

static void reset(uint8_t conf)
{
	static const uint64_t esn_start[4] = { 0, U32 - 10, U32 - 1000, 5 };

	nrcv = nsealed = 0;
	for (unsigned int k = 0; k < 2; k++) {
		memset(u[k].db->drops, 0, sizeof(u[k].db->drops));
		for (unsigned int i = 0; i < NSA; i++) {
			const uint64_t start = i == ESN_SA ? esn_start[conf & 3] : 0;

			sa_reset(u[k].tx[i], start);
			sa_reset(u[k].rx[i], 0);
			/* The receiver has seen up to start (ESN inference). */
			if (start)
				xs_replay_commit(&u[k].rx[i]->replay, start);
		}
	}
}

static void pkt_set(struct pkt *x, const uint8_t *data, size_t len)
{
	memset(x->buf, 0, XS_HEADROOM);
	memcpy(x->buf + XS_HEADROOM, data, len);
	x->p = (struct xs_pkt){ x->buf, CAP, XS_HEADROOM, (uint32_t)len };
}

static void pkt_copy(struct pkt *dst, const struct pkt *src)
{
	memcpy(dst->buf, src->buf, sizeof(dst->buf));
	dst->p = src->p;
	dst->p.buf = dst->buf;
}

static void ip4_csum(uint8_t *h)
{
	uint32_t ihl = (h[0] & 0x0fu) * 4u, s = 0;

	h[10] = h[11] = 0;
	for (uint32_t i = 0; i < ihl; i += 2)
		s += (uint32_t)h[i] << 8 | h[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	h[10] = (uint8_t)(~s >> 8);
	h[11] = (uint8_t)~s;
}

/* Version and lengths agree with the packet (the rest as written). */
static void fixup(uint8_t *h, size_t len, int ver)
{
	if (ver == 4 && len >= 20) {
		h[0] = (uint8_t)(0x40 | (h[0] & 0x0f));
		if ((h[0] & 0x0fu) * 4u < 20 || (h[0] & 0x0fu) * 4u > len)
			h[0] = 0x45;
		h[2] = (uint8_t)(len >> 8);
		h[3] = (uint8_t)len;
		h[6] &= 0x40;
		h[7] = 0;
		ip4_csum(h);
	} else if (ver == 6 && len >= 40) {
		h[0] = (uint8_t)(0x60 | (h[0] & 0x0f));
		h[4] = (uint8_t)((len - 40) >> 8);
		h[5] = (uint8_t)(len - 40);
	}
}

static void stats_same(const struct xs_sa *a, const struct xs_sa *b)
{
	CHECK(!memcmp(&a->stats, &b->stats, sizeof(a->stats)));
	CHECK(a->hard_expired == b->hard_expired && a->soft_expired == b->soft_expired);
}

static void universes_same(void)
{
	CHECK(!memcmp(u[0].db->drops, u[1].db->drops, sizeof(u[0].db->drops)));
	for (unsigned int i = 0; i < NSA; i++) {
		stats_same(u[0].tx[i], u[1].tx[i]);
		stats_same(u[0].rx[i], u[1].rx[i]);
		CHECK(xs_sa_seq_reserved(u[0].tx[i]) == xs_sa_seq_reserved(u[1].tx[i]));
		CHECK(u[0].tx[i]->tx_seq == u[1].tx[i]->tx_seq);
		CHECK(u[0].rx[i]->replay.top == u[1].rx[i]->replay.top);
		CHECK(!memcmp(u[0].rx[i]->replay.bits, u[1].rx[i]->replay.bits,
			      sizeof(u[0].rx[i]->replay.bits)));
	}
}

static void outputs_same(struct pkt *a, struct pkt *b, const uint8_t *va,
			 const uint8_t *vb, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		CHECK(va[i] == vb[i]);
		CHECK(a[i].p.off <= CAP && a[i].p.len <= CAP - a[i].p.off);
		if (va[i])
			continue;
		CHECK(a[i].p.off == b[i].p.off && a[i].p.len == b[i].p.len);
		CHECK(!memcmp(a[i].buf + a[i].p.off, b[i].buf + b[i].p.off, a[i].p.len));
	}
}

static void rcv_add(const struct pkt *x)
{
	if (nrcv == BATCH_MAX)
		return;
	pkt_copy(&rcv[0][nrcv], x);
	pkt_copy(&rcv[1][nrcv], x);
	nrcv++;
}

static void open_now(void)
{
	struct xs_pkt pk[BATCH_MAX];
	struct xs_sa *sa_a[BATCH_MAX], *sa_b[BATCH_MAX];
	uint8_t va[BATCH_MAX], vb[BATCH_MAX];
	unsigned int ok, good = 0;

	for (unsigned int i = 0; i < nrcv; i++)
		va[i] = (uint8_t)xs_open(u[0].db, &rcv[0][i].p, &sa_a[i]);
	for (unsigned int i = 0; i < nrcv; i++)
		pk[i] = rcv[1][i].p;
	ok = xs_open_burst(u[1].db, pk, nrcv, vb, sa_b);
	for (unsigned int i = 0; i < nrcv; i++)
		rcv[1][i].p = pk[i];
	outputs_same(rcv[0], rcv[1], va, vb, nrcv);
	for (unsigned int i = 0; i < nrcv; i++) {
		good += !va[i];
		if (!sa_a[i]) {
			CHECK(!sa_b[i]);
			continue;
		}
		for (unsigned int s = 0; s < NSA; s++)
			if (sa_a[i] == u[0].rx[s])
				CHECK(sa_b[i] == u[1].rx[s]);
	}
	CHECK(ok == good);
	universes_same();
	nrcv = 0;
}

/* Seals tmp[0..n) with the SAs in sel[], packet by packet and as a burst. */
static void seal_now(const unsigned int *sel, unsigned int n)
{
	struct xs_sa *sas[2][BATCH_MAX];
	struct xs_pkt pk[BATCH_MAX];
	uint8_t va[BATCH_MAX], vb[BATCH_MAX];
	unsigned int ok, good = 0;

	for (unsigned int i = 0; i < n; i++) {
		sas[0][i] = u[0].tx[sel[i]];
		sas[1][i] = u[1].tx[sel[i]];
		va[i] = (uint8_t)xs_seal(sas[0][i], &tmp[0][i].p);
	}
	for (unsigned int i = 0; i < n; i++)
		pk[i] = tmp[1][i].p;
	ok = xs_seal_burst(sas[1], pk, n, vb);
	for (unsigned int i = 0; i < n; i++)
		tmp[1][i].p = pk[i];
	outputs_same(tmp[0], tmp[1], va, vb, n);
	universes_same();
	for (unsigned int i = 0; i < n; i++) {
		if (va[i])
			continue;
		good++;
		if (nsealed < SEALED_MAX)
			pkt_copy(&sealed[nsealed++], &tmp[0][i]);
		rcv_add(&tmp[0][i]);
	}
	CHECK(ok == good);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	unsigned int sel[BATCH_MAX], nseal = 0;

	if (!ready) {
		setup();
		ready = true;
	}
	if (size < 1)
		return 0;
	reset(data[0]);
	data++;
	size--;
	while (size >= 3) {
		const uint8_t op = data[0];
		size_t len = (size_t)data[1] << 8 | data[2];

		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		if (len > 2000)
			len = 2000;
		if ((op & 3) != 1 && nseal) {
			seal_now(sel, nseal);
			nseal = 0;
		}
		switch (op & 3) {
		case 0: {
			struct pkt *x = &tmp[0][0];

			pkt_set(x, data, len);
			rcv_add(x);
			break;
		}
		case 1: {
			const unsigned int s = (op >> 2) % NSA;
			const int ver = defs[s].mode == XS_MODE_TUNNEL ?
					((op & 0x80) ? 6 : 4) :
					(defs[s].family == AF_INET ? 4 : 6);

			if (nseal == BATCH_MAX)
				break;
			pkt_set(&tmp[0][nseal], data, len);
			fixup(tmp[0][nseal].buf + XS_HEADROOM, len, ver);
			pkt_copy(&tmp[1][nseal], &tmp[0][nseal]);
			sel[nseal++] = s;
			break;
		}
		case 2:
			if (nsealed && len >= 1) {
				struct pkt *x = &tmp[0][BATCH_MAX - 1];

				pkt_copy(x, &sealed[data[0] % nsealed]);
				if (len >= 4 && data[3] && x->p.len)
					x->buf[x->p.off + ((size_t)data[1] << 8 | data[2]) % x->p.len] ^=
						data[3];
				rcv_add(x);
			}
			break;
		default:
			open_now();
			break;
		}
		data += len;
		size -= len;
	}
	if (nseal)
		seal_now(sel, nseal);
	open_now();
	return 0;
}
