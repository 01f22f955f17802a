// SPDX-License-Identifier: GPL-2.0-only
/*
 * The SPD compiler (spd.h): policies -> one rule per policy id in the
 * rules array, and per remote prefix the ordered list of every rule that
 * can match inside it, covering prefixes included (decorrelation, RFC 4301
 * §4.4.1.2, done here so the BPF side needs one trie lookup and one walk).
 *
 * How the maps change under running lookups:
 *   - a rule is written before any list names it, and cleared only once
 *     no list does; an id is not reused before a grace period has passed
 *     since its rule was cleared;
 *   - a list is never written in place: a changed one goes into free room
 *     of the entries array, then the trie value switches to it (one
 *     update: a lookup sees the old list or the new one), and the old room
 *     is reused only after a grace period, when no program can still be
 *     reading it;
 *   - the entries array has two halves; lists live in one, and when that
 *     one has no room left for the changes, every list is written afresh
 *     into the other half, then the tries switch over, one prefix at a
 *     time.
 * A grace period is an update of a small map-in-map: the kernel returns
 * from it only after an RCU grace period, when every XDP and TC program
 * that started before has finished.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "spd.h"

/* An mmapped array lays its elements out 8-byte aligned. */
#define RULE_STRIDE ((sizeof(struct xs_spd_rule) + 7u) & ~7u)
#define HALF XS_SPD_ENTRIES_LIVE
#define NO_BLOCK UINT32_MAX

/* ------------------------------------------------------- prefix tables */

struct pfx {
	uint8_t plen;
	uint8_t addr[16];    /* host bits zero */
};

struct pfx_slot {
	struct pfx k;
	uint8_t used;
	uint32_t start;      /* installed: first entry, NO_BLOCK if unusable;
			      * desired: offset into the compiled lists */
	uint32_t count;
	uint32_t mem;        /* desired: offset of the prefix's own policies */
	uint32_t nmem;
};

struct pfx_tab {
	struct pfx_slot *s;
	uint32_t mask;
	uint32_t n;
};

static uint32_t pfx_hash(const struct pfx *k)
{
	uint32_t h = 2166136261u ^ k->plen;

	/* FNV-1a over the address. */
	for (int i = 0; i < 16; i++)
		h = (h ^ k->addr[i]) * 16777619u;
	return h;
}

static bool pfx_eq(const struct pfx *a, const struct pfx *b)
{
	return a->plen == b->plen && !memcmp(a->addr, b->addr, 16);
}

static int tab_init(struct pfx_tab *t, uint32_t want)
{
	uint32_t n = 64;

	while (n < want * 2)
		n <<= 1;
	t->s = calloc(n, sizeof(*t->s));
	if (!t->s)
		return -ENOMEM;
	t->mask = n - 1;
	t->n = 0;
	return 0;
}

static void tab_free(struct pfx_tab *t)
{
	free(t->s);
	t->s = NULL;
	t->n = 0;
}

static struct pfx_slot *tab_find(const struct pfx_tab *t, const struct pfx *k)
{
	for (uint32_t i = pfx_hash(k) & t->mask;; i = (i + 1) & t->mask) {
		struct pfx_slot *s = &t->s[i];

		if (!s->used)
			return NULL;
		if (pfx_eq(&s->k, k))
			return s;
	}
}

static int tab_grow(struct pfx_tab *t);

/* The slot of k, added (zeroed) if new; NULL without memory. */
static struct pfx_slot *tab_insert(struct pfx_tab *t, const struct pfx *k)
{
	struct pfx_slot *s = tab_find(t, k);
	uint32_t i;

	if (s)
		return s;
	if ((t->n + 1) * 2 > t->mask + 1 && tab_grow(t))
		return NULL;
	for (i = pfx_hash(k) & t->mask; t->s[i].used; i = (i + 1) & t->mask)
		;
	s = &t->s[i];
	memset(s, 0, sizeof(*s));
	s->k = *k;
	s->used = 1;
	t->n++;
	return s;
}

static int tab_grow(struct pfx_tab *t)
{
	struct pfx_tab big;

	if (tab_init(&big, t->mask + 1))
		return -ENOMEM;
	for (uint32_t i = 0; i <= t->mask; i++) {
		struct pfx_slot *s = &t->s[i];
		uint32_t j;

		if (!s->used)
			continue;
		for (j = pfx_hash(&s->k) & big.mask; big.s[j].used; j = (j + 1) & big.mask)
			;
		big.s[j] = *s;
		big.n++;
	}
	free(t->s);
	*t = big;
	return 0;
}

/* Backward-shift deletion, as engine/sadb.c. */
static void tab_del(struct pfx_tab *t, struct pfx_slot *s)
{
	uint32_t hole = (uint32_t)(s - t->s), j = hole;

	for (;;) {
		uint32_t h;

		j = (j + 1) & t->mask;
		if (!t->s[j].used)
			break;
		h = pfx_hash(&t->s[j].k) & t->mask;
		if (((j - h) & t->mask) < ((j - hole) & t->mask))
			continue;
		t->s[hole] = t->s[j];
		hole = j;
	}
	memset(&t->s[hole], 0, sizeof(t->s[hole]));
	t->n--;
}

/* ----------------------------------------------------- room in the array */

struct ext {
	uint32_t start;
	uint32_t len;
};

struct extents {
	struct ext *e;       /* sorted by start, never touching */
	uint32_t n;
	uint32_t cap;
};

static int ext_add(struct extents *x, uint32_t start, uint32_t len)
{
	uint32_t i = 0;

	if (!len)
		return 0;
	while (i < x->n && x->e[i].start < start)
		i++;
	/* Joins a neighbour where it can. */
	if (i > 0 && x->e[i - 1].start + x->e[i - 1].len == start) {
		x->e[i - 1].len += len;
		if (i < x->n && start + len == x->e[i].start) {
			x->e[i - 1].len += x->e[i].len;
			memmove(&x->e[i], &x->e[i + 1], (x->n - i - 1) * sizeof(x->e[0]));
			x->n--;
		}
		return 0;
	}
	if (i < x->n && start + len == x->e[i].start) {
		x->e[i].start = start;
		x->e[i].len += len;
		return 0;
	}
	if (x->n == x->cap) {
		uint32_t cap = x->cap ? x->cap * 2 : 64;
		struct ext *e = realloc(x->e, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		x->e = e;
		x->cap = cap;
	}
	memmove(&x->e[i + 1], &x->e[i], (x->n - i) * sizeof(x->e[0]));
	x->e[i] = (struct ext){ start, len };
	x->n++;
	return 0;
}

/* First fit. -ENOSPC when no extent is long enough. */
static int ext_take(struct extents *x, uint32_t len, uint32_t *start)
{
	for (uint32_t i = 0; i < x->n; i++) {
		if (x->e[i].len < len)
			continue;
		*start = x->e[i].start;
		x->e[i].start += len;
		x->e[i].len -= len;
		if (!x->e[i].len) {
			memmove(&x->e[i], &x->e[i + 1], (x->n - i - 1) * sizeof(x->e[0]));
			x->n--;
		}
		return 0;
	}
	return -ENOSPC;
}

/* ------------------------------------------------------------- the state */

struct xs_spd_state {
	uint64_t *entries;           /* XS_MAP_SPD_ENTRIES, mmapped */
	uint8_t *rules;              /* XS_MAP_SPD_RULES, RULE_STRIDE apart */
	size_t entries_len, rules_len;
	struct pfx_tab inst[2][2];   /* the lists the tries name now */
	uint32_t half;               /* where lists go (0 or 1) */
	struct extents free;         /* room in that half nobody reads */
	struct extents pending;      /* room in that half freed since the last
				      * grace period: lookups may still read it */
	bool other_clean;            /* the other half: nothing lives there, and
				      * a grace period passed since something did */
	uint8_t *id_pending;         /* rule cleared since the last grace period */
	uint32_t *pending_ids;
	uint32_t npending_ids;
	uint32_t used;               /* entries the installed lists take */
	uint32_t rebuilds;
	int grace_fd, grace_inner_fd;
};

static struct xs_spd_rule *rule_at(const struct xs_spd_state *st, uint32_t id)
{
	return (struct xs_spd_rule *)(void *)(st->rules + (size_t)id * RULE_STRIDE);
}

/* Waits until no program that could have read what was unlinked before is
 * still running, then lets that room and those ids be reused. */
static int grace(struct xs_spd_state *st)
{
	__u32 k = 0;

	if (bpf_map_update_elem(st->grace_fd, &k, &st->grace_inner_fd, BPF_ANY))
		return -errno;
	for (uint32_t i = 0; i < st->pending.n; i++)
		if (ext_add(&st->free, st->pending.e[i].start, st->pending.e[i].len))
			return -ENOMEM;
	st->pending.n = 0;
	for (uint32_t i = 0; i < st->npending_ids; i++)
		st->id_pending[st->pending_ids[i]] = 0;
	st->npending_ids = 0;
	st->other_clean = true;
	return 0;
}

/* An installed list stops being read (its slot is being replaced or
 * removed): its room comes back after the next grace period. */
static int block_release(struct xs_spd_state *st, const struct pfx_slot *s)
{
	if (s->start == NO_BLOCK || !s->count)
		return 0;
	st->used -= s->count;
	/* Lists of the other half are all released at once by a rebuild. */
	if (s->start / HALF != st->half)
		return 0;
	return ext_add(&st->pending, s->start, s->count);
}

static size_t map_bytes(size_t n, size_t stride)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t b = n * stride;

	return (b + (size_t)page - 1) & ~((size_t)page - 1);
}

static int key_make(int fam, const struct pfx *k, uint8_t key[sizeof(struct xs_lpm_v6)])
{
	__u32 plen = k->plen;

	memset(key, 0, sizeof(struct xs_lpm_v6));
	memcpy(key, &plen, 4);
	memcpy(key + 4, k->addr, fam ? 16 : 4);
	return 0;
}

static void pfx_mask(struct pfx *k, const uint8_t *addr, uint8_t plen);

static void pfx_from_key(int fam, const uint8_t *key, struct pfx *k)
{
	uint32_t max = fam ? 128u : 32u;
	__u32 plen;

	memcpy(&plen, key, 4);
	pfx_mask(k, key + 4, (uint8_t)(plen > max ? max : plen));
	if (!fam)
		memset(k->addr + 4, 0, 12);
}

static int ext_cmp(const void *a, const void *b)
{
	const struct ext *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * What the tries hold now (a previous daemon's SPD, pinned): each list
 * becomes an installed block. A value out of range is kept out of the
 * books (its prefix gets a new list on the first sync); blocks that
 * overlap were never written by this compiler: -EUCLEAN.
 */
static int inst_load(struct xs_spd_maps *m)
{
	struct xs_spd_state *st = m->st;
	uint8_t key[sizeof(struct xs_lpm_v6)], next[sizeof(struct xs_lpm_v6)];
	const uint32_t most = 4u * XS_SPD_PREFIXES_MAX;
	struct ext *blk[2] = { NULL, NULL };
	uint32_t nblk[2] = { 0, 0 }, sum[2] = { 0, 0 };
	int ret = 0;

	for (int h = 0; h < 2; h++) {
		blk[h] = calloc(most, sizeof(*blk[h]));
		if (!blk[h]) {
			ret = -ENOMEM;
			goto out;
		}
	}
	for (int d = 0; d < 2; d++)
		for (int f = 0; f < 2; f++) {
			void *prev = NULL;

			while (!bpf_map_get_next_key(m->trie_fd[d][f], prev, next)) {
				struct xs_spd_list v;
				struct pfx_slot *s;
				struct pfx k;
				uint32_t h;

				memcpy(key, next, sizeof(key));
				prev = key;
				if (bpf_map_lookup_elem(m->trie_fd[d][f], key, &v))
					continue;
				pfx_from_key(f, key, &k);
				s = tab_insert(&st->inst[d][f], &k);
				if (!s) {
					ret = -ENOMEM;
					goto out;
				}
				s->start = NO_BLOCK;
				s->count = v.count;
				if (!v.count || v.count > HALF || v.start >= XS_SPD_ENTRIES_MAX ||
				    v.count > XS_SPD_ENTRIES_MAX - v.start ||
				    v.start / HALF != (v.start + v.count - 1) / HALF)
					continue;
				h = v.start / HALF;
				if (nblk[h] == most)
					continue;
				s->start = v.start;
				blk[h][nblk[h]++] = (struct ext){ v.start, v.count };
				sum[h] += v.count;
			}
		}
	for (int h = 0; h < 2; h++) {
		qsort(blk[h], nblk[h], sizeof(*blk[h]), ext_cmp);
		for (uint32_t i = 1; i < nblk[h]; i++)
			if (blk[h][i - 1].start + blk[h][i - 1].len > blk[h][i].start) {
				ret = -EUCLEAN;
				goto out;
			}
	}
	st->used = sum[0] + sum[1];
	st->half = sum[1] > sum[0] ? 1 : 0;
	st->other_clean = !sum[1 - st->half];
	/* Free room of the active half: what no block takes. */
	{
		uint32_t at = st->half * HALF, end = at + HALF;

		for (uint32_t i = 0; i < nblk[st->half] && !ret; i++) {
			ret = ext_add(&st->free, at, blk[st->half][i].start - at);
			at = blk[st->half][i].start + blk[st->half][i].len;
		}
		if (!ret)
			ret = ext_add(&st->free, at, end - at);
	}
out:
	free(blk[0]);
	free(blk[1]);
	return ret;
}

/* Moves every list of the other half into this one (a previous daemon
 * died during a rebuild). */
static int evacuate(struct xs_spd_maps *m)
{
	struct xs_spd_state *st = m->st;
	uint8_t key[sizeof(struct xs_lpm_v6)];

	for (int d = 0; d < 2; d++)
		for (int f = 0; f < 2; f++)
			for (uint32_t i = 0; i <= st->inst[d][f].mask; i++) {
				struct pfx_slot *s = &st->inst[d][f].s[i];
				struct xs_spd_list v;
				uint32_t at;

				if (!s->used || s->start == NO_BLOCK || s->start / HALF == st->half)
					continue;
				if (ext_take(&st->free, s->count, &at))
					return -ENOSPC;
				memcpy(&st->entries[at], &st->entries[s->start],
				       s->count * sizeof(st->entries[0]));
				__atomic_thread_fence(__ATOMIC_RELEASE);
				v = (struct xs_spd_list){ at, s->count };
				key_make(f, &s->k, key);
				if (bpf_map_update_elem(m->trie_fd[d][f], key, &v, BPF_ANY))
					return -errno;
				s->start = at;
			}
	st->other_clean = false;
	return grace(st);
}

int xs_spd_open(struct xs_spd_maps *m, int rules_fd, int entries_fd, int out_v4,
		int out_v6, int in_v4, int in_v6)
{
	struct xs_spd_state *st;
	void *p;
	int ret;

	memset(m, 0, sizeof(*m));
	m->rules_fd = rules_fd;
	m->entries_fd = entries_fd;
	m->trie_fd[0][0] = out_v4;
	m->trie_fd[0][1] = out_v6;
	m->trie_fd[1][0] = in_v4;
	m->trie_fd[1][1] = in_v6;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	m->st = st;
	st->grace_fd = st->grace_inner_fd = -1;
	st->entries_len = map_bytes(XS_SPD_ENTRIES_MAX, sizeof(uint64_t));
	st->rules_len = map_bytes(XS_SPD_RULES_MAX, RULE_STRIDE);
	st->id_pending = calloc(XS_SPD_RULES_MAX, 1);
	st->pending_ids = calloc(XS_SPD_RULES_MAX, sizeof(*st->pending_ids));
	if (!st->id_pending || !st->pending_ids) {
		ret = -ENOMEM;
		goto fail;
	}
	p = mmap(NULL, st->entries_len, PROT_READ | PROT_WRITE, MAP_SHARED, entries_fd, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		goto fail;
	}
	st->entries = p;
	p = mmap(NULL, st->rules_len, PROT_READ | PROT_WRITE, MAP_SHARED, rules_fd, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		goto fail;
	}
	st->rules = p;
	st->grace_inner_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xs_spd_gp_in", 4, 4, 1, NULL);
	if (st->grace_inner_fd < 0) {
		ret = st->grace_inner_fd;
		goto fail;
	}
	{
		LIBBPF_OPTS(bpf_map_create_opts, o, .inner_map_fd = st->grace_inner_fd);

		st->grace_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "xs_spd_gp", 4, 4, 1, &o);
	}
	if (st->grace_fd < 0) {
		ret = st->grace_fd;
		goto fail;
	}
	for (int d = 0; d < 2; d++)
		for (int f = 0; f < 2; f++)
			if ((ret = tab_init(&st->inst[d][f], 64)))
				goto fail;
	ret = inst_load(m);
	/* Lists in both halves: a rebuild was cut short. */
	if (!ret && !st->other_clean)
		ret = evacuate(m);
	if (ret)
		goto fail;
	return 0;
fail:
	xs_spd_close(m);
	return ret;
}

void xs_spd_close(struct xs_spd_maps *m)
{
	struct xs_spd_state *st = m ? m->st : NULL;

	if (!st)
		return;
	if (st->entries)
		munmap(st->entries, st->entries_len);
	if (st->rules)
		munmap(st->rules, st->rules_len);
	if (st->grace_fd >= 0)
		close(st->grace_fd);
	if (st->grace_inner_fd >= 0)
		close(st->grace_inner_fd);
	for (int d = 0; d < 2; d++)
		for (int f = 0; f < 2; f++)
			tab_free(&st->inst[d][f]);
	free(st->free.e);
	free(st->pending.e);
	free(st->id_pending);
	free(st->pending_ids);
	free(st);
	m->st = NULL;
}

void xs_spd_usage(const struct xs_spd_maps *m, uint32_t *entries, uint32_t *rebuilds)
{
	*entries = m->st ? m->st->used : 0;
	*rebuilds = m->st ? m->st->rebuilds : 0;
}

/* ----------------------------------------------------------- compiling */

static int fam_of(const struct xs_spd_policy *p)
{
	return p->family == AF_INET6;
}

static int dir_of(const struct xs_spd_policy *p)
{
	return p->dir == XS_SPD_DIR_IN;
}

/* A policy's remote prefix is the trie key, its local prefix goes into the
 * rule (abi.h): `dir out` is src LOCAL dst REMOTE, `dir in` (as in ip
 * xfrm) src REMOTE dst LOCAL. */
static void pfx_mask(struct pfx *k, const uint8_t *addr, uint8_t plen)
{
	memset(k, 0, sizeof(*k));
	k->plen = plen;
	memcpy(k->addr, addr, (plen + 7u) / 8u);
	if (plen % 8)
		k->addr[plen / 8] &= (uint8_t)(0xff << (8 - plen % 8));
}

static void remote_pfx(const struct xs_spd_policy *p, struct pfx *k)
{
	if (p->dir == XS_SPD_DIR_IN)
		pfx_mask(k, p->src, p->src_plen);
	else
		pfx_mask(k, p->dst, p->dst_plen);
}

static void local_pfx(const struct xs_spd_policy *p, struct pfx *k)
{
	if (p->dir == XS_SPD_DIR_IN)
		pfx_mask(k, p->dst, p->dst_plen);
	else
		pfx_mask(k, p->src, p->src_plen);
}

/* The SPD's order (spd.h): negative when a comes before b. */
static int rank_cmp(const struct xs_spd_policy *a, const struct xs_spd_policy *b)
{
	uint64_t pa = a->priority ? a->priority : 1ull << 32;
	uint64_t pb = b->priority ? b->priority : 1ull << 32;
	struct pfx ra, rb, la, lb;

	if (pa != pb)
		return pa < pb ? -1 : 1;
	remote_pfx(a, &ra);
	remote_pfx(b, &rb);
	if (ra.plen != rb.plen)
		return ra.plen > rb.plen ? -1 : 1;
	local_pfx(a, &la);
	local_pfx(b, &lb);
	if (la.plen != lb.plen)
		return la.plen > lb.plen ? -1 : 1;
	if (!a->proto != !b->proto)
		return a->proto ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

static int rank_cmp_q(const void *x, const void *y, void *arg)
{
	const struct xs_spd_policy *p = arg;

	return rank_cmp(&p[*(const uint32_t *)x], &p[*(const uint32_t *)y]);
}

static void rule_make(const struct xs_spd_policy *p, struct xs_spd_rule *r)
{
	struct pfx l;

	local_pfx(p, &l);
	memset(r, 0, sizeof(*r));
	memcpy(r->src, l.addr, 16);
	r->src_plen = l.plen;
	r->family = p->family == AF_INET ? XS_FAMILY_V4 : XS_FAMILY_V6;
	r->proto = p->proto;
	r->action = p->action;
	r->sport_lo = p->sport_lo;
	r->sport_hi = p->sport_hi;
	r->dport_lo = p->dport_lo;
	r->dport_hi = p->dport_hi;
	r->policy_id = p->id;
	r->flags = p->flags;
	if (p->action == XS_SPD_PROTECT && p->dir == XS_SPD_DIR_OUT)
		r->worker = p->worker;
	if (p->action == XS_SPD_PROTECT && p->dir == XS_SPD_DIR_IN)
		r->reqid = p->reqid;
}

/* Selectors and action: what a list's meaning depends on. */
static bool rule_same_selectors(const struct xs_spd_rule *a, const struct xs_spd_rule *b)
{
	return !memcmp(a->src, b->src, sizeof(a->src)) && a->src_plen == b->src_plen &&
	       a->family == b->family && a->proto == b->proto && a->action == b->action &&
	       a->sport_lo == b->sport_lo && a->sport_hi == b->sport_hi &&
	       a->dport_lo == b->dport_lo && a->dport_hi == b->dport_hi;
}

static int policy_check(const struct xs_spd_policy *p, char *err, size_t errlen)
{
	uint8_t max = p->family == AF_INET ? 32 : 128;

	if (p->id >= XS_SPD_RULES_MAX) {
		snprintf(err, errlen, "policy id %u: ids go up to %u", p->id, XS_SPD_RULES_MAX - 1);
		return -EINVAL;
	}
	if ((p->family != AF_INET && p->family != AF_INET6) || p->src_plen > max ||
	    p->dst_plen > max || (p->dir != XS_SPD_DIR_IN && p->dir != XS_SPD_DIR_OUT) ||
	    p->action < XS_SPD_BYPASS || p->action > XS_SPD_PROTECT ||
	    p->sport_lo > p->sport_hi || p->dport_lo > p->dport_hi) {
		snprintf(err, errlen, "policy %u is malformed", p->id);
		return -EINVAL;
	}
	return 0;
}

/* The compiled SPD: per trie, every remote prefix with its list. */
struct compiled {
	struct pfx_tab want[2][2];   /* slot.start/count: into lists */
	uint32_t *lists;
	uint32_t nlists;
};

static void compiled_free(struct compiled *c)
{
	for (int d = 0; d < 2; d++)
		for (int f = 0; f < 2; f++)
			tab_free(&c->want[d][f]);
	free(c->lists);
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * One trie's lists: for each remote prefix of the group, the policies of
 * every prefix covering it (its ancestors, itself included), in the SPD's
 * order. ord[] holds the group's policies in that order.
 */
static int compile_group(const struct xs_spd_policy *p, const uint32_t *ord, uint32_t n,
			 int fam, struct pfx_tab *t, struct compiled *c, uint32_t *cap,
			 char *err, size_t errlen)
{
	uint32_t *mem = NULL, *gather = NULL;
	uint8_t plens[129] = { 0 };
	uint32_t maxp = fam ? 128 : 32;
	int ret = -ENOMEM;

	mem = calloc(n, sizeof(*mem));
	gather = calloc(n, sizeof(*gather));
	if (n && (!mem || !gather))
		goto out;
	if (tab_init(t, n ? n : 1))
		goto out;
	/* The group's prefixes, each with its own policies (in order). */
	for (uint32_t j = 0; j < n; j++) {
		struct pfx k;
		struct pfx_slot *s;

		remote_pfx(&p[ord[j]], &k);
		s = tab_insert(t, &k);
		if (!s)
			goto out;
		s->nmem++;
		plens[k.plen] = 1;
	}
	if (t->n > XS_SPD_PREFIXES_MAX) {
		snprintf(err, errlen, "%u distinct %s %s prefixes, at most %u", t->n,
			 fam ? "IPv6" : "IPv4", ord && p[ord[0]].dir == XS_SPD_DIR_IN ?
			 "remote (dir in)" : "remote (dir out)", XS_SPD_PREFIXES_MAX);
		ret = -ENOSPC;
		goto out;
	}
	{
		uint32_t off = 0;

		for (uint32_t i = 0; i <= t->mask; i++)
			if (t->s[i].used) {
				t->s[i].mem = off;
				off += t->s[i].nmem;
				t->s[i].nmem = 0;
			}
	}
	for (uint32_t j = 0; j < n; j++) {
		struct pfx k;
		struct pfx_slot *s;

		remote_pfx(&p[ord[j]], &k);
		s = tab_find(t, &k);
		mem[s->mem + s->nmem++] = j;	/* rank positions, ascending */
	}
	/* Each prefix's list: merge of its ancestors' members by rank. */
	for (uint32_t i = 0; i <= t->mask; i++) {
		struct pfx_slot *s = &t->s[i];
		uint32_t g = 0;

		if (!s->used)
			continue;
		for (uint32_t l = 0; l <= s->k.plen && l <= maxp; l++) {
			struct pfx a;
			struct pfx_slot *as;

			if (!plens[l])
				continue;
			pfx_mask(&a, s->k.addr, (uint8_t)l);
			as = tab_find(t, &a);
			if (!as)
				continue;
			memcpy(gather + g, mem + as->mem, as->nmem * sizeof(*gather));
			g += as->nmem;
		}
		/* Ancestors' members interleave in rank: sort positions. */
		qsort(gather, g, sizeof(*gather), u32_cmp);
		if (c->nlists + g > XS_SPD_ENTRIES_LIVE) {
			snprintf(err, errlen, "the policies need more than %u rule list entries "
				 "(too many overlapping prefixes)", XS_SPD_ENTRIES_LIVE);
			ret = -ENOSPC;
			goto out;
		}
		if (c->nlists + g > *cap) {
			uint32_t nc = *cap ? *cap : 1024;
			uint32_t *nl;

			while (nc < c->nlists + g)
				nc *= 2;
			nl = realloc(c->lists, nc * sizeof(*nl));
			if (!nl)
				goto out;
			c->lists = nl;
			*cap = nc;
		}
		s->start = c->nlists;
		s->count = g;
		for (uint32_t a = 0; a < g; a++)
			c->lists[c->nlists++] = p[ord[gather[a]]].id;
	}
	ret = 0;
out:
	free(mem);
	free(gather);
	return ret;
}

static int compile(const struct xs_spd_policy *p, uint32_t n, struct compiled *c,
		   char *err, size_t errlen)
{
	uint32_t *ord = calloc(n ? n : 1, sizeof(*ord)), cap = 0;
	int ret = 0;

	memset(c, 0, sizeof(*c));
	if (!ord)
		return -ENOMEM;
	for (int d = 0; d < 2 && !ret; d++)
		for (int f = 0; f < 2 && !ret; f++) {
			uint32_t m = 0;

			for (uint32_t i = 0; i < n; i++)
				if (dir_of(&p[i]) == d && fam_of(&p[i]) == f)
					ord[m++] = i;
			qsort_r(ord, m, sizeof(*ord), rank_cmp_q, (void *)(uintptr_t)p);
			ret = compile_group(p, ord, m, f, &c->want[d][f], c, &cap, err, errlen);
		}
	free(ord);
	return ret;
}

/* ------------------------------------------------------------- syncing */

static bool list_same(const struct xs_spd_state *st, const struct pfx_slot *inst,
		      const uint32_t *ids, uint32_t count)
{
	if (!inst || inst->start == NO_BLOCK || inst->count != count)
		return false;
	for (uint32_t i = 0; i < count; i++)
		if ((uint32_t)st->entries[inst->start + i] != ids[i])
			return false;
	return true;
}

static void list_write(struct xs_spd_state *st, uint32_t at, const uint32_t *ids,
		       uint32_t count)
{
	for (uint32_t i = 0; i < count; i++)
		st->entries[at + i] = ids[i];
}

static int trie_set(struct xs_spd_maps *m, int d, int f, const struct pfx *k, uint32_t start,
		    uint32_t count)
{
	uint8_t key[sizeof(struct xs_lpm_v6)];
	struct xs_spd_list v = { start, count };

	key_make(f, k, key);
	return bpf_map_update_elem(m->trie_fd[d][f], key, &v, BPF_ANY) ? -errno : 0;
}

/* Removes installed prefixes the compiled SPD no longer has. */
static int trie_prune(struct xs_spd_maps *m, const struct compiled *c)
{
	struct xs_spd_state *st = m->st;
	uint8_t key[sizeof(struct xs_lpm_v6)];
	int ret;

	for (int d = 0; d < 2; d++)
		for (int f = 0; f < 2; f++) {
			struct pfx_tab *t = &st->inst[d][f];

			for (uint32_t i = 0; i <= t->mask;) {
				struct pfx_slot *s = &t->s[i];

				if (!s->used || tab_find(&c->want[d][f], &s->k)) {
					i++;
					continue;
				}
				key_make(f, &s->k, key);
				if (bpf_map_delete_elem(m->trie_fd[d][f], key) && errno != ENOENT)
					return -errno;
				ret = block_release(st, s);
				if (ret)
					return ret;
				/* The shift may move a later slot here: look again. */
				tab_del(t, s);
			}
		}
	return 0;
}

/* Every list afresh into the other half, then the tries switch to them. */
static int rebuild(struct xs_spd_maps *m, const struct compiled *c)
{
	struct xs_spd_state *st = m->st;
	uint32_t target = 1 - st->half, at = target * HALF;
	int ret;

	if (!st->other_clean && (ret = grace(st)))
		return ret;
	for (int d = 0; d < 2; d++)
		for (int f = 0; f < 2; f++) {
			const struct pfx_tab *w = &c->want[d][f];

			for (uint32_t i = 0; i <= w->mask; i++) {
				const struct pfx_slot *s = &w->s[i];

				if (!s->used)
					continue;
				list_write(st, at, c->lists + s->start, s->count);
				at += s->count;
			}
		}
	__atomic_thread_fence(__ATOMIC_RELEASE);
	at = target * HALF;
	for (int d = 0; d < 2; d++)
		for (int f = 0; f < 2; f++) {
			const struct pfx_tab *w = &c->want[d][f];

			for (uint32_t i = 0; i <= w->mask; i++) {
				const struct pfx_slot *s = &w->s[i];
				struct pfx_slot *in;

				if (!s->used)
					continue;
				ret = trie_set(m, d, f, &s->k, at, s->count);
				if (ret)
					return ret;
				in = tab_insert(&st->inst[d][f], &s->k);
				if (!in)
					return -ENOMEM;
				in->start = at;
				in->count = s->count;
				at += s->count;
			}
		}
	/* The old half is read until a grace period has passed. */
	st->half = target;
	st->pending.n = 0;
	st->free.n = 0;
	ret = ext_add(&st->free, at, (target + 1) * HALF - at);
	if (ret)
		return ret;
	st->other_clean = false;
	st->rebuilds++;
	ret = trie_prune(m, c);
	st->used = at - target * HALF;
	return ret;
}

/* Changed lists into free room of the active half, copy-on-write. */
static int incremental(struct xs_spd_maps *m, const struct compiled *c, bool *full)
{
	struct xs_spd_state *st = m->st;
	struct extents taken = { 0 };
	int ret = 0;

	*full = false;
	/* Room for every changed list first: all or none. */
	for (int d = 0; d < 2 && !*full; d++)
		for (int f = 0; f < 2 && !*full; f++) {
			const struct pfx_tab *w = &c->want[d][f];

			for (uint32_t i = 0; i <= w->mask; i++) {
				struct pfx_slot *s = &w->s[i];
				uint32_t at;

				if (!s->used)
					continue;
				s->mem = NO_BLOCK;
				if (list_same(st, tab_find(&st->inst[d][f], &s->k),
					      c->lists + s->start, s->count))
					continue;
				if (ext_take(&st->free, s->count, &at)) {
					*full = true;
					break;
				}
				s->mem = at;
				if ((ret = ext_add(&taken, at, s->count)))
					goto out;
			}
		}
	if (*full) {
		for (uint32_t i = 0; i < taken.n && !ret; i++)
			ret = ext_add(&st->free, taken.e[i].start, taken.e[i].len);
		goto out;
	}
	for (int d = 0; d < 2; d++)
		for (int f = 0; f < 2; f++) {
			const struct pfx_tab *w = &c->want[d][f];

			for (uint32_t i = 0; i <= w->mask; i++)
				if (w->s[i].used && w->s[i].mem != NO_BLOCK)
					list_write(st, w->s[i].mem, c->lists + w->s[i].start,
						   w->s[i].count);
		}
	__atomic_thread_fence(__ATOMIC_RELEASE);
	for (int d = 0; d < 2; d++)
		for (int f = 0; f < 2; f++) {
			const struct pfx_tab *w = &c->want[d][f];

			for (uint32_t i = 0; i <= w->mask; i++) {
				const struct pfx_slot *s = &w->s[i];
				struct pfx_slot *in;

				if (!s->used || s->mem == NO_BLOCK)
					continue;
				ret = trie_set(m, d, f, &s->k, s->mem, s->count);
				if (ret)
					goto out;
				in = tab_find(&st->inst[d][f], &s->k);
				if (in && (ret = block_release(st, in)))
					goto out;
				if (!in && !(in = tab_insert(&st->inst[d][f], &s->k))) {
					ret = -ENOMEM;
					goto out;
				}
				in->start = s->mem;
				in->count = s->count;
				st->used += s->count;
			}
		}
	ret = trie_prune(m, c);
out:
	free(taken.e);
	return ret;
}

/* Writes the rules of p (before any list names a new one). */
static int rules_write(struct xs_spd_state *st, const struct xs_spd_policy *p, uint32_t n)
{
	int ret;

	for (uint32_t i = 0; i < n; i++) {
		struct xs_spd_rule want, *r = rule_at(st, p[i].id);

		rule_make(&p[i], &want);
		if (!memcmp(r, &want, sizeof(want)))
			continue;
		/* A cleared id may still be read through an old list. */
		if (st->id_pending[p[i].id] && (ret = grace(st)))
			return ret;
		/* Flags last: a trap turning into a rule with an SA gets its
		 * worker before it stops being a trap. */
		want.flags = r->flags | want.flags;
		memcpy(r, &want, sizeof(want));
		__atomic_thread_fence(__ATOMIC_RELEASE);
		rule_make(&p[i], &want);
		__atomic_store_n(&r->flags, want.flags, __ATOMIC_RELEASE);
	}
	return 0;
}

/* Clears the rules of ids p does not have (after no list names them). */
static void rules_clear(struct xs_spd_state *st, const struct xs_spd_policy *p, uint32_t n)
{
	uint8_t *keep = calloc(XS_SPD_RULES_MAX, 1);

	if (!keep)
		return;	/* left as they are: no list names them */
	for (uint32_t i = 0; i < n; i++)
		keep[p[i].id] = 1;
	for (uint32_t id = 0; id < XS_SPD_RULES_MAX; id++) {
		struct xs_spd_rule *r = rule_at(st, id);

		if (keep[id] || (r->action == XS_SPD_NONE && !r->policy_id && !r->flags))
			continue;
		__atomic_store_n(&r->action, XS_SPD_NONE, __ATOMIC_RELEASE);
		memset(r, 0, sizeof(*r));
		if (!st->id_pending[id]) {
			st->id_pending[id] = 1;
			st->pending_ids[st->npending_ids++] = id;
		}
	}
	free(keep);
}

static int sync_once(struct xs_spd_maps *m, const struct xs_spd_policy *p, uint32_t n,
		     char *err, size_t errlen)
{
	struct xs_spd_state *st = m->st;
	struct compiled c;
	bool full;
	int ret;

	ret = compile(p, n, &c, err, errlen);
	if (ret)
		goto out;
	ret = rules_write(st, p, n);
	if (ret)
		goto out;
	ret = incremental(m, &c, &full);
	if (!ret && full && st->pending.n) {
		/* Room freed since the last grace period may do. */
		ret = grace(st);
		if (!ret)
			ret = incremental(m, &c, &full);
	}
	if (!ret && full)
		ret = rebuild(m, &c);
	if (ret)
		goto out;
	rules_clear(st, p, n);
out:
	if (ret && !err[0])
		snprintf(err, errlen, "cannot write the SPD maps: %s", strerror(-ret));
	compiled_free(&c);
	return ret;
}

int xs_spd_sync(struct xs_spd_maps *m, const struct xs_spd_policy *p, uint32_t n,
		char *err, size_t errlen)
{
	struct xs_spd_state *st = m->st;
	struct xs_spd_policy *keep = NULL;
	uint8_t *seen = NULL;
	struct compiled c;
	uint32_t nkeep = 0;
	int ret = 0;

	if (errlen)
		err[0] = '\0';
	if (!st)
		return -EBADF;
	seen = calloc(XS_SPD_RULES_MAX, 1);
	keep = calloc(n ? n : 1, sizeof(*keep));
	if (!seen || !keep) {
		ret = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < n && !ret; i++) {
		ret = policy_check(&p[i], err, errlen);
		if (!ret && seen[p[i].id]++) {
			snprintf(err, errlen, "policy id %u appears twice", p[i].id);
			ret = -EINVAL;
		}
	}
	if (ret)
		goto out;
	/* Everything that can fail on the input fails here, before any map
	 * changes. */
	ret = compile(p, n, &c, err, errlen);
	compiled_free(&c);
	if (ret)
		goto out;
	/*
	 * An id whose rule changes selectors or action (a policy deleted
	 * and another added with its id in one go) would change the meaning
	 * of the lists that name it before they are replaced: first an SPD
	 * without those ids, then the one asked for.
	 */
	for (uint32_t i = 0; i < n; i++) {
		struct xs_spd_rule want;
		const struct xs_spd_rule *r = rule_at(st, p[i].id);

		rule_make(&p[i], &want);
		if (r->action == XS_SPD_NONE || rule_same_selectors(r, &want))
			keep[nkeep++] = p[i];
	}
	if (nkeep != n) {
		ret = sync_once(m, keep, nkeep, err, errlen);
		if (ret)
			goto out;
	}
	ret = sync_once(m, p, n, err, errlen);
out:
	free(seen);
	free(keep);
	return ret;
}
