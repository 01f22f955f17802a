// SPDX-License-Identifier: GPL-2.0-only
/*
 * Anti-replay window, RFC 4303 §3.4.3 and Appendix A: set-up and ESN
 * inference (the per-packet check and commit are inline in replay.h).
 */
#include <string.h>

#include "drop.h"
#include "replay.h"

_Static_assert((XS_REPLAY_WORDS & XS_REPLAY_WORD_MASK) == 0, "ring must be a power of two");
_Static_assert(XS_REPLAY_WINDOW_MAX % XS_REPLAY_WORD_BITS == 0, "window granularity");

void xs_replay_init(struct xs_replay *r, uint32_t window, bool esn)
{
	memset(r, 0, sizeof(*r));
	r->window = window;
	r->esn = esn;
}

void xs_replay_resume(struct xs_replay *r, uint64_t top)
{
	const uint64_t top_word = top / XS_REPLAY_WORD_BITS;
	const uint32_t above = XS_REPLAY_WORD_BITS - 1 - (uint32_t)(top % XS_REPLAY_WORD_BITS);

	if (!top)
		return;
	r->top = top;
	/* Every word of the ring is behind top: all received. The words
	 * the window slides onto are cleared as it moves (xs_replay_commit),
	 * but top's own word is not: its bits above top stay clear. */
	for (uint32_t i = 0; i < XS_REPLAY_WORDS; i++)
		r->bits[i] = ~0ull;
	r->bits[top_word & XS_REPLAY_WORD_MASK] = ~0ull >> above;
}

void xs_replay_set_store(struct xs_replay *r, uint64_t *store)
{
	r->top_store = store;
}

/* RFC 4303 Appendix A2.2: pick the high-order 32 bits so the number falls
 * inside or above the window. The result never decreases as top grows
 * (burst.c relies on it). */
uint64_t xs_replay_infer(uint32_t window, uint64_t top, uint32_t seq_lo)
{
	uint32_t w = window ? window : XS_REPLAY_ESN_INFER_WINDOW;
	uint32_t tl = (uint32_t)top;
	uint32_t th = (uint32_t)(top >> 32);
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

uint64_t xs_replay_infer_esn(const struct xs_replay *r, uint32_t seq_lo)
{
	return xs_replay_infer(r->window, xs_replay_top(r), seq_lo);
}
