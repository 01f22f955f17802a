// SPDX-License-Identifier: GPL-2.0-only
/*
 * Outbound sequence number blocks (seq.h): the reservation and the
 * per-thread cursors.
 */
#include <pthread.h>
#include <string.h>

#include "sa.h"
#include "seq.h"

__thread struct xs_seq_cursor xs_seq_cursors[XS_SEQ_CURSORS];

static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

/* Runs in a forked child, in the thread that forked: its copy of the
 * cursors holds numbers the parent will send too. */
static void cursors_drop_in_child(void)
{
	memset(xs_seq_cursors, 0, sizeof(xs_seq_cursors));
}

static void fork_hook_init(void)
{
	pthread_atfork(NULL, NULL, cursors_drop_in_child);
}

/* Raises *store to at least v: concurrent reservations may finish their
 * stores out of order, and the stored mark must never go down. */
static void store_max(uint64_t *store, uint64_t v)
{
	uint64_t cur = __atomic_load_n(store, __ATOMIC_RELAXED);

	while (cur < v && !__atomic_compare_exchange_n(store, &cur, v, true,
						      __ATOMIC_RELEASE,
						      __ATOMIC_RELAXED))
		;
}

int xs_seq_refill(struct xs_sa *sa, struct xs_seq_cursor *c, uint64_t *seq)
{
	/* RFC 4303 §3.3.3: the counter must not cycle; rekey instead. */
	const uint64_t max = sa->cfg.esn ? UINT64_MAX : UINT32_MAX;
	uint64_t old = __atomic_load_n(&sa->tx_reserved, __ATOMIC_RELAXED), want;
	uint32_t block = 1;

	pthread_once(&fork_once, fork_hook_init);
	/* Still the same SA's cursor, used up (not stale): it keeps sealing
	 * with this SA, so take more at once. */
	if (c->uid == sa->uid && !c->left && c->block)
		block = c->block < XS_SEQ_BLOCK_MAX / 2 ? c->block * 2 : XS_SEQ_BLOCK_MAX;
	do {
		if (old >= max) {
			c->left = 0;
			return XS_DROP_SEQ_OVERFLOW;
		}
		want = max - old < block ? max - old : block;
	} while (!__atomic_compare_exchange_n(&sa->tx_reserved, &old, old + want, true,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	/* Persisted before any number of the block is used (seq.h). */
	if (sa->seq_store)
		store_max(sa->seq_store, old + want);
	c->uid = sa->uid;
	c->block = block;
	c->next = old + 2;
	c->left = (uint32_t)want - 1;
	*seq = old + 1;
	return XS_DROP_NONE;
}
