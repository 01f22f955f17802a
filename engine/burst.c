// SPDX-License-Identifier: GPL-2.0-only
/*
 * Seal and open in bursts (burst.h): the stages of esp.c run over a burst
 * of packets, with one xs_crypto_burst call between them.
 */
#include "burst.h"
#include "engine.h"
#include "esp.h"
#include "open.h"

/*
 * Counters of SAs without lifetimes are added once per SA and burst
 * rather than per packet (atomic adds on a line other threads write).
 * SAs with lifetimes are accounted per packet, where the single path
 * does, so their expiry falls on the same packet.
 */
struct acct_tab {
	unsigned int n, last;
	struct {
		struct xs_sa *sa;
		uint64_t packets;
		uint64_t bytes;
		uint64_t seq;   /* seal: the highest number sent */
	} e[XS_BURST_MAX];
};

static inline void acct_add(struct acct_tab *t, struct xs_sa *sa, uint32_t bytes,
			    uint64_t seq)
{
	unsigned int i = t->last;

	if (sa->lifetimes) {
		xs_sa_account(sa, bytes);
		if (seq)
			xs_sa_sent(sa, seq);
		return;
	}
	if (__builtin_expect(i >= t->n || t->e[i].sa != sa, 0)) {
		for (i = 0; i < t->n && t->e[i].sa != sa; i++)
			;
		if (i == t->n) {
			t->e[i].sa = sa;
			t->e[i].packets = 0;
			t->e[i].bytes = 0;
			t->e[i].seq = 0;
			t->n++;
		}
		t->last = i;
	}
	t->e[i].packets++;
	t->e[i].bytes += bytes;
	if (seq > t->e[i].seq)
		t->e[i].seq = seq;
}

static void acct_flush(struct acct_tab *t)
{
	for (unsigned int i = 0; i < t->n; i++) {
		xs_sa_account_n(t->e[i].sa, t->e[i].packets, t->e[i].bytes);
		if (t->e[i].seq)
			xs_sa_sent(t->e[i].sa, t->e[i].seq);
	}
	t->n = 0;
}

/* ---- seal ------------------------------------------------------------------ */

static unsigned int seal_burst(struct xs_sa *const *sas, struct xs_pkt *pkts,
			       unsigned int n, uint8_t *v)
{
	struct xs_esp_tx tx[XS_BURST_MAX];
	struct xs_crypto_op *ops[XS_BURST_MAX];
	unsigned int at[XS_BURST_MAX];
	struct acct_tab acct;
	unsigned int k = 0, ok = 0;
	int r;

	acct.n = acct.last = 0;
	/* Checks, sequence numbers, headers, padding and IVs, in order. */
	for (unsigned int i = 0; i < n; i++) {
		struct xs_sa *sa = sas[i];

		if (sa->cfg.proto != XS_PROTO_ESP) {
			v[i] = (uint8_t)xs_ah_seal(sa, &pkts[i]);
			ok += !v[i];
			continue;
		}
		r = xs_esp_seal_prep(sa, &pkts[i], &tx[k]);
		v[i] = (uint8_t)r;
		if (r)
			continue;
		ops[k] = &tx[k].op;
		at[k++] = i;
	}
	xs_crypto_burst(ops, k);
	for (unsigned int j = 0; j < k; j++) {
		const unsigned int i = at[j];

		r = xs_esp_seal_finish(sas[i], &pkts[i], &tx[j]);
		v[i] = (uint8_t)r;
		if (r)
			continue;
		ok++;
		/* SAs with lifetimes were accounted in prep (esp.h). */
		if (!sas[i]->lifetimes)
			acct_add(&acct, sas[i], tx[j].acct, tx[j].seq);
		else
			xs_sa_sent(sas[i], tx[j].seq);
	}
	acct_flush(&acct);
	return ok;
}

unsigned int xs_seal_burst(struct xs_sa *const *sas, struct xs_pkt *pkts,
			   unsigned int n, uint8_t *verdicts)
{
	unsigned int ok = 0;

	for (unsigned int i = 0; i < n; i += XS_BURST_MAX)
		ok += seal_burst(sas + i, pkts + i, n - i < XS_BURST_MAX ? n - i : XS_BURST_MAX,
				 verdicts + i);
	return ok;
}

/* ---- open ------------------------------------------------------------------ */

/* An SA with packets in the current burst, and what they may do to it. */
struct burst_sa {
	struct xs_sa *sa;
	uint64_t vtop;      /* highest number of them that may commit */
	uint64_t bytes;     /* their outer lengths: at most what they account */
	uint32_t count;
	int first, last;    /* their jobs, linked through next[] */
};

struct open_ctx {
	struct xs_esp_rx jobs[XS_BURST_MAX];
	struct xs_crypto_op *ops[XS_BURST_MAX];
	struct burst_sa sas[XS_BURST_MAX];
	struct xs_sa *sa_of[XS_BURST_MAX];
	int next[XS_BURST_MAX];
	unsigned int at[XS_BURST_MAX];
	unsigned int njobs, nops, nsas, last_sa;
};

static struct burst_sa *burst_sa_find(struct open_ctx *c, const struct xs_sa *sa)
{
	if (c->last_sa < c->nsas && c->sas[c->last_sa].sa == sa)
		return &c->sas[c->last_sa];
	for (unsigned int i = 0; i < c->nsas; i++) {
		if (c->sas[i].sa == sa) {
			c->last_sa = i;
			return &c->sas[i];
		}
	}
	return NULL;
}

/*
 * Whether the next packet of sa must wait for the burst so far to finish,
 * because what its checks see before the cipher could depend on how the
 * earlier packets of sa fare:
 * - ESN: the high half is inferred from the window's top (RFC 4303
 *   App. A2.2), which they may raise. The inference never decreases as the
 *   top grows, so if the top now and the highest they could commit give
 *   the same answer, so does whatever they do.
 * - hard lifetime: they could reach it, and the single path would then
 *   refuse this packet.
 */
static bool burst_must_cut(const struct burst_sa *b, const struct xs_pkt *p,
			   const struct xs_outer *o)
{
	const struct xs_sa *sa = b->sa;

	if (sa->cfg.esn && o->l3.len - o->off >= XS_ESP_HDR_LEN) {
		const uint32_t lo = xs_get_be32(p->buf + p->off + o->off + 4);
		const uint64_t top = xs_replay_top(&sa->replay);
		const uint64_t vtop = b->vtop > top ? b->vtop : top;

		if (xs_replay_infer(sa->replay.window, top, lo) !=
		    xs_replay_infer(sa->replay.window, vtop, lo))
			return true;
	}
	if (sa->lifetimes) {
		const struct xs_lifetime *h = &sa->cfg.hard;

		if ((h->packets && __atomic_load_n(&sa->stats.packets, __ATOMIC_RELAXED) +
					   b->count >= h->packets) ||
		    (h->bytes && __atomic_load_n(&sa->stats.bytes, __ATOMIC_RELAXED) +
					 b->bytes >= h->bytes))
			return true;
	}
	return false;
}

/*
 * Takes packets from pkts until XS_BURST_MAX ESP packets wait for their
 * cipher or one must wait for them (burst_must_cut), and opens them.
 * Returns how many packets it took.
 */
static unsigned int open_burst(struct xs_sadb *db, struct xs_pkt *pkts, unsigned int n,
			       uint8_t *v, struct xs_sa **sas, unsigned int *ok)
{
	struct open_ctx c;
	struct acct_tab acct;
	struct xs_sa *hint = NULL;
	unsigned int i;
	int r;

	c.njobs = c.nops = c.nsas = c.last_sa = 0;
	acct.n = acct.last = 0;
	for (i = 0; i < n && c.njobs < XS_BURST_MAX; i++) {
		struct xs_esp_rx *j = &c.jobs[c.njobs];
		struct burst_sa *b;
		struct xs_outer *o = &j->o;
		struct xs_sa *sa;

		r = xs_open_find(db, &pkts[i], o, &sa, hint);
		if (sas)
			sas[i] = sa;
		if (r) {
			v[i] = (uint8_t)r;
			continue;
		}
		if (o->proto != XS_PROTO_ESP) {
			v[i] = (uint8_t)xs_ah_open_parsed(sa, &pkts[i], o);
			*ok += !v[i];
			continue;
		}
		hint = sa;
		b = burst_sa_find(&c, sa);
		if (b && burst_must_cut(b, &pkts[i], o))
			break;
		r = xs_esp_open_prep(sa, &pkts[i], j);
		v[i] = (uint8_t)r;
		if (r)
			continue;
		if (!b) {
			c.last_sa = c.nsas;
			b = &c.sas[c.nsas++];
			b->sa = sa;
			b->vtop = 0;
			b->bytes = 0;
			b->count = 0;
			b->first = -1;
		} else {
			c.next[b->last] = (int)c.njobs;
		}
		if (b->first < 0)
			b->first = (int)c.njobs;
		b->last = (int)c.njobs;
		c.next[c.njobs] = -1;
		b->count++;
		b->bytes += o->l3.len;
		if (!j->early) {
			if (j->seq > b->vtop)
				b->vtop = j->seq;
			c.ops[c.nops++] = &j->op;
		}
		c.sa_of[c.njobs] = sa;
		c.at[c.njobs++] = i;
	}

	xs_crypto_burst(c.ops, c.nops);

	/* Verdicts and commits in arrival order per SA, one lock each. */
	for (unsigned int s = 0; s < c.nsas; s++) {
		struct xs_sa *sa = c.sas[s].sa;

		xs_replay_lock(&sa->replay);
		for (int k = c.sas[s].first; k >= 0; k = c.next[k])
			v[c.at[k]] = (uint8_t)xs_esp_open_commit(sa, &c.jobs[k]);
		xs_replay_unlock(&sa->replay);
	}
	/* Padding, next header, decapsulation. */
	for (unsigned int k = 0; k < c.njobs; k++) {
		const unsigned int at = c.at[k];
		uint32_t bytes;

		if (v[at])
			continue;
		r = xs_esp_open_post(c.sa_of[k], &pkts[at], &c.jobs[k], &bytes);
		v[at] = (uint8_t)r;
		if (r)
			continue;
		(*ok)++;
		acct_add(&acct, c.sa_of[k], bytes, 0);
	}
	acct_flush(&acct);
	return i;
}

unsigned int xs_open_burst(struct xs_sadb *db, struct xs_pkt *pkts, unsigned int n,
			   uint8_t *verdicts, struct xs_sa **sas)
{
	unsigned int ok = 0;

	for (unsigned int i = 0; i < n;)
		i += open_burst(db, pkts + i, n - i, verdicts + i, sas ? sas + i : NULL, &ok);
	return ok;
}
