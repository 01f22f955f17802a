/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Anti-replay window with extended sequence numbers, RFC 4303 §3.4.3 and
 * Appendix A. Checking never changes the window; only a packet whose ICV
 * verified is committed.
 */
#ifndef XS_REPLAY_H
#define XS_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "limits.h"

struct xs_replay {
	uint64_t top;       /* highest committed sequence number (64-bit) */
	uint32_t window;    /* size in packets; 0: no replay protection */
	bool esn;
	uint64_t bits[XS_REPLAY_WORDS]; /* ring indexed by seq / 64 */
};

void xs_replay_init(struct xs_replay *r, uint32_t window, bool esn);

/*
 * Reconstructs the full sequence number from the 32 bits on the wire
 * (Appendix A2.2 when ESN is on) and checks it against the window.
 * Returns XS_DROP_NONE with *seq set, XS_DROP_REPLAYED or
 * XS_DROP_OUTSIDE_WINDOW.
 */
int xs_replay_check(const struct xs_replay *r, uint32_t seq_lo, uint64_t *seq);

/* Marks seq as received; call only after the ICV verified. */
void xs_replay_commit(struct xs_replay *r, uint64_t seq);

#endif
