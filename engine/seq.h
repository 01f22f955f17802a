/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Outbound sequence numbers of an SA several threads seal with
 * (RFC 4303 §3.3.3: each number is sent at most once, and never cycles).
 *
 * The SA holds the reservation high-water mark, tx_reserved: the highest
 * number handed out to any thread (tx_seq is the highest one sent). A thread reserves a block of numbers from it
 * at a time (one compare-and-swap per block) and hands them out from a
 * thread-local cursor without touching shared memory. So:
 *
 * - no number is handed out twice: blocks do not overlap;
 * - numbers reserved but never sent (a thread stops, a cursor is evicted
 *   or goes stale) are skipped, never reused; the receiver does not mind
 *   gaps;
 * - persisting tx_reserved after each reservation (xs_sa_set_seq_store) is one
 *   store per block, and a daemon restarted with seq_start = the stored
 *   value never repeats a number, hence never an AEAD (key, IV) pair
 *   (RFC 4106 §3.1, RFC 8221 §3: the IV is the sequence number). It skips
 *   at most one block per thread that was sealing.
 *
 * Blocks start at one number and double while a thread keeps sealing with
 * the SA, up to XS_SEQ_BLOCK_MAX: an SA a thread uses now and then burns
 * nothing, a busy one costs one atomic per XS_SEQ_BLOCK_MAX packets.
 * Packets of several threads leave slightly out of order (at most
 * XS_SEQ_STALE numbers behind the mark, see below), which the receiver's
 * window (default 1,024) absorbs.
 */
#ifndef XS_SEQ_H
#define XS_SEQ_H

#include <stdint.h>

#include "drop.h"

struct xs_sa;

/* The largest block a thread reserves at once. */
#define XS_SEQ_BLOCK_MAX 64u
/*
 * A cursor whose next number is this far below the mark is abandoned for
 * a fresh block: a thread that sealed little for a while must not send
 * numbers the receiver's window has already left behind. Must stay well
 * below the smallest window multi-threaded senders' peers use.
 */
#define XS_SEQ_STALE 512u
/* Cursors per thread, direct-mapped by SA (a power of two). */
#define XS_SEQ_CURSORS 64u

struct xs_seq_cursor {
	uint64_t uid;      /* the SA's xs_sa.uid; 0: empty */
	uint64_t next;     /* the next number to hand out */
	uint32_t left;     /* numbers left in the block */
	uint32_t block;    /* size of the last block reserved */
};

extern __thread struct xs_seq_cursor xs_seq_cursors[XS_SEQ_CURSORS];

/* Slow path of xs_seq_take: reserves a new block. */
int xs_seq_refill(struct xs_sa *sa, struct xs_seq_cursor *c, uint64_t *seq);

#endif
