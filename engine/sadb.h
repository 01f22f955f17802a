/* SPDX-License-Identifier: GPL-2.0-only
 *
 * Inbound SA database: SPI + protocol -> SA. Fixed capacity chosen at
 * creation (up to XS_SADB_CAPACITY_MAX SAs), open addressing with linear
 * probing and backward-shift deletion, no allocation after creation.
 * Single-threaded like the SAs it holds.
 *
 * Deletion leaves no tombstones: the entries after the freed slot move
 * back into it, so a table keeps the probe lengths of a freshly filled one
 * however many add/delete cycles (rekeys) it went through, and a miss stops
 * at the first empty slot.
 */
#ifndef XS_SADB_H
#define XS_SADB_H

#include <stdint.h>

#include "drop.h"

struct xs_sa;

/* The largest capacity xs_sadb_new() accepts (the table is twice that). */
#define XS_SADB_CAPACITY_MAX (1u << 24)

struct xs_sadb_slot {
	uint32_t spi;
	uint8_t proto;
	uint8_t used;      /* 0 empty, 1 live */
	struct xs_sa *sa;
};

struct xs_sadb {
	uint32_t mask;     /* slots - 1, slots a power of two */
	uint32_t shift;    /* 64 - log2(slots): the hash's top bits index */
	uint32_t count;
	uint32_t capacity; /* SAs it takes: at most half the slots */
	uint64_t drops[XS_DROP_MAX]; /* packets that found no SA */
	struct xs_sadb_slot *slots;
};

/* A table for capacity SAs (at least 1, at most XS_SADB_CAPACITY_MAX):
 * at least twice as many slots, a power of two. NULL and errno set. */
struct xs_sadb *xs_sadb_new(uint32_t capacity);
/* Frees the table, not the SAs. Accepts NULL. */
void xs_sadb_free(struct xs_sadb *db);
/* 0, -EEXIST (same SPI and protocol) or -ENOSPC. The db borrows sa. */
int xs_sadb_add(struct xs_sadb *db, struct xs_sa *sa);
/* Returns the removed SA (caller frees it) or NULL. */
struct xs_sa *xs_sadb_del(struct xs_sadb *db, uint32_t spi, uint8_t proto);
struct xs_sa *xs_sadb_find(const struct xs_sadb *db, uint32_t spi, uint8_t proto);
/* Slots a lookup of (spi, proto) examines, the hit or the empty slot that
 * ends a miss included: what tests and benchmarks bound. */
uint32_t xs_sadb_probes(const struct xs_sadb *db, uint32_t spi, uint8_t proto);

#endif
