// SPDX-License-Identifier: GPL-2.0-only
/*
 * Anti-replay window, RFC 4303 §3.4.3 and Appendix A.
 *
 * The window is a ring of 64-bit words indexed by (seq / 64) & mask. The
 * ring holds twice the largest window, so words of the live window are
 * never reused before they fall out of it.
 */
#include <string.h>

#include "drop.h"
#include "replay.h"

#define WORD_MASK (XS_REPLAY_WORDS - 1u)

_Static_assert((XS_REPLAY_WORDS & WORD_MASK) == 0, "ring must be a power of two");
_Static_assert(XS_REPLAY_WINDOW_MAX % XS_REPLAY_WORD_BITS == 0, "window granularity");

void xs_replay_init(struct xs_replay *r, uint32_t window, bool esn)
{
	memset(r, 0, sizeof(*r));
	r->window = window;
	r->esn = esn;
}

/* RFC 4303 Appendix A2.2: pick the high-order 32 bits so the number falls
 * inside or above the window. */
static uint64_t infer_esn(const struct xs_replay *r, uint32_t seq_lo)
{
	uint32_t w = r->window ? r->window : XS_REPLAY_ESN_INFER_WINDOW;
	uint32_t tl = (uint32_t)r->top;
	uint32_t th = (uint32_t)(r->top >> 32);
	uint32_t bottom = tl - w + 1; /* wraps in case B, as the RFC intends */

	if (tl >= w - 1) {
		/* Case A: the window lies within one sequence number subspace. */
		if (seq_lo < bottom)
			th++;
	} else {
		/* Case B: the window spans two subspaces. */
		if (seq_lo >= bottom && th > 0)
			th--;
	}
	return ((uint64_t)th << 32) | seq_lo;
}

int xs_replay_check(const struct xs_replay *r, uint32_t seq_lo, uint64_t *seq)
{
	uint64_t s = r->esn ? infer_esn(r, seq_lo) : seq_lo;
	uint64_t diff;

	*seq = s;
	/* Sequence numbers start at 1 (RFC 4303 §3.3.3); 0 is never sent. */
	if (s == 0)
		return XS_DROP_OUTSIDE_WINDOW;
	if (!r->window || s > r->top)
		return XS_DROP_NONE;
	diff = r->top - s;
	if (diff >= r->window)
		return XS_DROP_OUTSIDE_WINDOW;
	if (r->bits[(s / XS_REPLAY_WORD_BITS) & WORD_MASK] &
	    (1ull << (s % XS_REPLAY_WORD_BITS)))
		return XS_DROP_REPLAYED;
	return XS_DROP_NONE;
}

void xs_replay_commit(struct xs_replay *r, uint64_t seq)
{
	uint64_t top_word = r->top / XS_REPLAY_WORD_BITS;
	uint64_t new_word = seq / XS_REPLAY_WORD_BITS;

	if (seq > r->top) {
		if (new_word - top_word >= XS_REPLAY_WORDS) {
			memset(r->bits, 0, sizeof(r->bits));
		} else {
			for (uint64_t w = top_word + 1; w <= new_word; w++)
				r->bits[w & WORD_MASK] = 0;
		}
		r->top = seq;
	}
	r->bits[new_word & WORD_MASK] |= 1ull << (seq % XS_REPLAY_WORD_BITS);
}
