// SPDX-License-Identifier: GPL-2.0-only
/*
 * Inbound SA table: open addressing with linear probing and tombstones.
 */
#include <errno.h>
#include <stdlib.h>

#include "sa.h"
#include "sadb.h"

enum { SLOT_EMPTY = 0, SLOT_LIVE = 1, SLOT_DEAD = 2 };

static uint32_t spi_hash(uint32_t spi, uint8_t proto)
{
	/* SPIs are chosen at random by the receiver; one multiply spreads them. */
	return (spi ^ ((uint32_t)proto << 24)) * 0x9e3779b1u;
}

struct xs_sadb *xs_sadb_new(uint32_t capacity)
{
	struct xs_sadb *db;
	uint32_t n = 16;

	while (n < capacity * 2 && n < (1u << 30))
		n <<= 1;
	db = calloc(1, sizeof(*db));
	if (!db)
		return NULL;
	db->slots = calloc(n, sizeof(*db->slots));
	if (!db->slots) {
		free(db);
		errno = ENOMEM;
		return NULL;
	}
	db->mask = n - 1;
	return db;
}

void xs_sadb_free(struct xs_sadb *db)
{
	if (!db)
		return;
	free(db->slots);
	free(db);
}

static struct xs_sadb_slot *slot_find(const struct xs_sadb *db, uint32_t spi,
				      uint8_t proto)
{
	uint32_t i = spi_hash(spi, proto) & db->mask;

	for (uint32_t n = 0; n <= db->mask; n++, i = (i + 1) & db->mask) {
		struct xs_sadb_slot *s = &db->slots[i];

		if (s->used == SLOT_EMPTY)
			return NULL;
		if (s->used == SLOT_LIVE && s->spi == spi && s->proto == proto)
			return s;
	}
	return NULL;
}

int xs_sadb_add(struct xs_sadb *db, struct xs_sa *sa)
{
	uint32_t spi = sa->cfg.spi;
	uint8_t proto = sa->cfg.proto;
	uint32_t i = spi_hash(spi, proto) & db->mask;

	if (slot_find(db, spi, proto))
		return -EEXIST;
	/* Keep at least half the table empty so probes stay short. */
	if (db->count >= (db->mask + 1) / 2)
		return -ENOSPC;
	while (db->slots[i].used == SLOT_LIVE)
		i = (i + 1) & db->mask;
	db->slots[i] = (struct xs_sadb_slot){ spi, proto, SLOT_LIVE, sa };
	db->count++;
	return 0;
}

struct xs_sa *xs_sadb_del(struct xs_sadb *db, uint32_t spi, uint8_t proto)
{
	struct xs_sadb_slot *s = slot_find(db, spi, proto);
	struct xs_sa *sa;

	if (!s)
		return NULL;
	sa = s->sa;
	s->sa = NULL;
	s->used = SLOT_DEAD;
	db->count--;
	return sa;
}

struct xs_sa *xs_sadb_find(const struct xs_sadb *db, uint32_t spi, uint8_t proto)
{
	struct xs_sadb_slot *s = slot_find(db, spi, proto);

	return s ? s->sa : NULL;
}
