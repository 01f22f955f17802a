/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Anti-replay window with extended sequence numbers, RFC 4303 §3.4.3 and
 * Appendix A. Checking never changes the window; only a packet whose ICV
 * verified is committed.
 *
 * The window is a ring of 64-bit words indexed by (seq / 64) & mask. The
 * ring holds twice the largest window, so words of the live window are
 * never reused before they fall out of it. Check and commit are inline:
 * they run for every received packet.
 *
 * Several threads may open packets of one SA. The check before the ICV
 * reads the window without a lock (relaxed atomic loads: it may see a
 * window a moment old, which the window only outgrows). The commit is
 * serialised by a spinlock held for the re-check and the commit alone
 * (xs_replay_accept, or xs_replay_lock around several commits): two
 * threads moving the top at once would otherwise clear each other's bits,
 * and a lost bit is a replay let through.
 */
#ifndef XS_REPLAY_H
#define XS_REPLAY_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "drop.h"
#include "limits.h"

struct xs_replay {
	uint64_t top;       /* highest committed sequence number (64-bit) */
	uint32_t window;    /* size in packets; 0: no replay protection */
	bool esn;
	uint32_t lock;      /* 0 free, 1 held: serialises commits */
	uint64_t *top_store; /* where top is persisted (xs_replay_set_store), or NULL */
	uint64_t bits[XS_REPLAY_WORDS]; /* ring indexed by seq / 64 */
};

void xs_replay_init(struct xs_replay *r, uint32_t window, bool esn);

/*
 * A window that resumes after a restart: every number up to and including
 * top counts as received, so nothing accepted before can be accepted
 * again (those in the window are XS_DROP_REPLAYED, older ones
 * XS_DROP_OUTSIDE_WINDOW); numbers above top are new. Call before any
 * packet uses r.
 */
void xs_replay_resume(struct xs_replay *r, uint64_t top);

/*
 * Persists top: each commit that moves it stores the new top in *store
 * (under the commit lock, before the packet is handed on), so a store
 * that outlives the process (a shared file mapping) always holds at
 * least the highest number ever accepted. NULL stops it. Call before any
 * packet uses r.
 */
void xs_replay_set_store(struct xs_replay *r, uint64_t *store);

/* RFC 4303 Appendix A2.2: the full sequence number of seq_lo for a
 * receiver whose highest authenticated number is top. */
uint64_t xs_replay_infer(uint32_t window, uint64_t top, uint32_t seq_lo);

/* The same for the window as it is now. */
uint64_t xs_replay_infer_esn(const struct xs_replay *r, uint32_t seq_lo);

#define XS_REPLAY_WORD_MASK (XS_REPLAY_WORDS - 1u)

static inline uint64_t xs_replay_top(const struct xs_replay *r)
{
	return __atomic_load_n(&r->top, __ATOMIC_RELAXED);
}

/*
 * Checks the full (64-bit) sequence number s against the window: the
 * verdict for a number whose high half is known, such as one that just
 * authenticated. XS_DROP_NONE, XS_DROP_REPLAYED or XS_DROP_OUTSIDE_WINDOW.
 */
static inline int xs_replay_verify(const struct xs_replay *r, uint64_t s)
{
	const uint64_t top = xs_replay_top(r);

	/* Sequence numbers start at 1 (RFC 4303 §3.3.3); 0 is never sent. */
	if (s == 0)
		return XS_DROP_OUTSIDE_WINDOW;
	if (!r->window || s > top)
		return XS_DROP_NONE;
	if (top - s >= r->window)
		return XS_DROP_OUTSIDE_WINDOW;
	if (__atomic_load_n(&r->bits[(s / XS_REPLAY_WORD_BITS) & XS_REPLAY_WORD_MASK],
			    __ATOMIC_RELAXED) &
	    (1ull << (s % XS_REPLAY_WORD_BITS)))
		return XS_DROP_REPLAYED;
	return XS_DROP_NONE;
}

/*
 * Reconstructs the full sequence number from the 32 bits on the wire
 * (Appendix A2.2 when ESN is on) and checks it against the window.
 * Returns XS_DROP_NONE with *seq set, XS_DROP_REPLAYED or
 * XS_DROP_OUTSIDE_WINDOW.
 */
static inline int xs_replay_check(const struct xs_replay *r, uint32_t seq_lo,
				  uint64_t *seq)
{
	const uint64_t s = r->esn ? xs_replay_infer_esn(r, seq_lo) : seq_lo;

	*seq = s;
	return xs_replay_verify(r, s);
}

/*
 * Marks seq as received; call only after the ICV verified, and only with
 * the lock held when other threads may commit to the same window. Stores
 * are atomic so that lock-free checks read whole words.
 */
static inline void xs_replay_commit(struct xs_replay *r, uint64_t seq)
{
	const uint64_t top = r->top;
	const uint64_t top_word = top / XS_REPLAY_WORD_BITS;
	const uint64_t new_word = seq / XS_REPLAY_WORD_BITS;
	uint64_t *w;

	if (seq > top) {
		/* Words the window slides onto start empty. */
		uint64_t from = top_word + 1;

		if (new_word - top_word >= XS_REPLAY_WORDS)
			from = new_word - XS_REPLAY_WORDS + 1;
		for (uint64_t i = from; i <= new_word; i++)
			__atomic_store_n(&r->bits[i & XS_REPLAY_WORD_MASK], 0,
					 __ATOMIC_RELAXED);
		__atomic_store_n(&r->top, seq, __ATOMIC_RELAXED);
		/* Written ahead of the packet's delivery (replay.h). */
		if (r->top_store)
			__atomic_store_n(r->top_store, seq, __ATOMIC_RELAXED);
	}
	w = &r->bits[new_word & XS_REPLAY_WORD_MASK];
	__atomic_store_n(w, *w | 1ull << (seq % XS_REPLAY_WORD_BITS), __ATOMIC_RELAXED);
}

static inline void xs_replay_lock(struct xs_replay *r)
{
	unsigned int spins = 0;

	while (__atomic_exchange_n(&r->lock, 1, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&r->lock, __ATOMIC_RELAXED)) {
			/* The holder commits a few packets; if it was
			 * descheduled meanwhile, let it run. */
			if (++spins > 1024) {
				sched_yield();
				spins = 0;
			}
#if defined(__x86_64__) || defined(__i386__)
			__builtin_ia32_pause();
#endif
		}
	}
}

static inline void xs_replay_unlock(struct xs_replay *r)
{
	__atomic_store_n(&r->lock, 0, __ATOMIC_RELEASE);
}

/*
 * The commit of one authenticated packet from any thread: re-checks seq
 * under the lock (another thread may have committed it, or moved the
 * window past it, since the check) and commits it. Returns the check's
 * verdict; the window moves only on XS_DROP_NONE.
 */
static inline __attribute__((always_inline)) int xs_replay_accept(struct xs_replay *r, uint64_t seq)
{
	int ret;

	xs_replay_lock(r);
	ret = xs_replay_verify(r, seq);
	if (!ret)
		xs_replay_commit(r, seq);
	xs_replay_unlock(r);
	return ret;
}

#endif
