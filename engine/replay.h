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
 */
#ifndef XS_REPLAY_H
#define XS_REPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "drop.h"
#include "limits.h"

struct xs_replay {
	uint64_t top;       /* highest committed sequence number (64-bit) */
	uint32_t window;    /* size in packets; 0: no replay protection */
	bool esn;
	uint64_t bits[XS_REPLAY_WORDS]; /* ring indexed by seq / 64 */
};

void xs_replay_init(struct xs_replay *r, uint32_t window, bool esn);

/* RFC 4303 Appendix A2.2: the full sequence number of seq_lo. */
uint64_t xs_replay_infer_esn(const struct xs_replay *r, uint32_t seq_lo);

#define XS_REPLAY_WORD_MASK (XS_REPLAY_WORDS - 1u)

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
	/* Sequence numbers start at 1 (RFC 4303 §3.3.3); 0 is never sent. */
	if (s == 0)
		return XS_DROP_OUTSIDE_WINDOW;
	if (!r->window || s > r->top)
		return XS_DROP_NONE;
	if (r->top - s >= r->window)
		return XS_DROP_OUTSIDE_WINDOW;
	if (r->bits[(s / XS_REPLAY_WORD_BITS) & XS_REPLAY_WORD_MASK] &
	    (1ull << (s % XS_REPLAY_WORD_BITS)))
		return XS_DROP_REPLAYED;
	return XS_DROP_NONE;
}

/* Marks seq as received; call only after the ICV verified. */
static inline void xs_replay_commit(struct xs_replay *r, uint64_t seq)
{
	const uint64_t top_word = r->top / XS_REPLAY_WORD_BITS;
	const uint64_t new_word = seq / XS_REPLAY_WORD_BITS;

	if (seq > r->top) {
		/* Words the window slides onto start empty. */
		if (new_word - top_word >= XS_REPLAY_WORDS) {
			memset(r->bits, 0, sizeof(r->bits));
		} else {
			for (uint64_t w = top_word + 1; w <= new_word; w++)
				r->bits[w & XS_REPLAY_WORD_MASK] = 0;
		}
		r->top = seq;
	}
	r->bits[new_word & XS_REPLAY_WORD_MASK] |= 1ull << (seq % XS_REPLAY_WORD_BITS);
}

#endif
