/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inbound SA database: SPI + protocol -> SA. Fixed capacity, open
 * addressing, no allocation after creation. Single-threaded like the SAs
 * it holds.
 */
#ifndef XS_SADB_H
#define XS_SADB_H

#include <stdint.h>

#include "drop.h"

struct xs_sa;

struct xs_sadb_slot {
	uint32_t spi;
	uint8_t proto;
	uint8_t used;      /* 0 empty, 1 live, 2 deleted (tombstone) */
	struct xs_sa *sa;
};

struct xs_sadb {
	uint32_t mask;     /* capacity - 1, capacity a power of two */
	uint32_t count;
	uint64_t drops[XS_DROP_MAX]; /* packets that found no SA */
	struct xs_sadb_slot *slots;
};

/* capacity is rounded up to a power of two, at least twice max SAs. */
struct xs_sadb *xs_sadb_new(uint32_t capacity);
/* Frees the table, not the SAs. Accepts NULL. */
void xs_sadb_free(struct xs_sadb *db);
/* 0, -EEXIST (same SPI and protocol) or -ENOSPC. The db borrows sa. */
int xs_sadb_add(struct xs_sadb *db, struct xs_sa *sa);
/* Returns the removed SA (caller frees it) or NULL. */
struct xs_sa *xs_sadb_del(struct xs_sadb *db, uint32_t spi, uint8_t proto);
struct xs_sa *xs_sadb_find(const struct xs_sadb *db, uint32_t spi, uint8_t proto);

#endif
