// SPDX-License-Identifier: GPL-2.0-only
/*
 * Inbound SA table: open addressing, linear probing, backward-shift
 * deletion (no tombstones), at most half full.
 */
#include <errno.h>
#include <stdlib.h>

#include "sa.h"
#include "sadb.h"

/*
 * Fibonacci hashing: the top bits of (key * 2^64/phi). SPIs are chosen by
 * the receiver, at random or counting up; both spread over the top bits,
 * where the low bits of a plain multiply would follow the SPI's own low
 * bits.
 */
static uint32_t home(const struct xs_sadb *db, uint32_t spi, uint8_t proto)
{
	uint64_t k = (uint64_t)spi | (uint64_t)proto << 32;

	return (uint32_t)((k * 0x9e3779b97f4a7c15ull) >> db->shift);
}

struct xs_sadb *xs_sadb_new(uint32_t capacity)
{
	struct xs_sadb *db;
	uint32_t n = 16, bits = 4;

	if (!capacity || capacity > XS_SADB_CAPACITY_MAX) {
		errno = EINVAL;
		return NULL;
	}
	while (n < capacity * 2) {
		n <<= 1;
		bits++;
	}
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
	db->shift = 64 - bits;
	db->capacity = n / 2;
	return db;
}

void xs_sadb_free(struct xs_sadb *db)
{
	if (!db)
		return;
	free(db->slots);
	free(db);
}

/* The slot holding (spi, proto), or the empty slot where its probe ends;
 * *probes (optional) counts the slots looked at. */
static uint32_t slot_find(const struct xs_sadb *db, uint32_t spi, uint8_t proto,
			  uint32_t *probes)
{
	uint32_t i = home(db, spi, proto), n = 1;

	/* Never full (at most half), so an empty slot ends every probe. */
	for (;; n++, i = (i + 1) & db->mask) {
		const struct xs_sadb_slot *s = &db->slots[i];

		if (!s->used || (s->spi == spi && s->proto == proto))
			break;
	}
	if (probes)
		*probes = n;
	return i;
}

int xs_sadb_add(struct xs_sadb *db, struct xs_sa *sa)
{
	uint32_t spi = sa->cfg.spi;
	uint8_t proto = sa->cfg.proto;
	uint32_t i = slot_find(db, spi, proto, NULL);

	if (db->slots[i].used)
		return -EEXIST;
	/* At most half full: probes stay short and always end. */
	if (db->count >= db->capacity)
		return -ENOSPC;
	db->slots[i] = (struct xs_sadb_slot){ spi, proto, 1, sa };
	db->count++;
	return 0;
}

/*
 * Empties slot `hole` and moves back every later entry of the same run
 * that may live there: an entry may sit anywhere from its home slot on, so
 * it moves into the hole unless its home lies cyclically after the hole
 * (in (hole, j]), where a lookup would no longer pass the hole.
 */
static void slot_remove(struct xs_sadb *db, uint32_t hole)
{
	uint32_t j = hole;

	for (;;) {
		struct xs_sadb_slot *s;
		uint32_t h;

		j = (j + 1) & db->mask;
		s = &db->slots[j];
		if (!s->used)
			break;
		h = home(db, s->spi, s->proto);
		if (((j - h) & db->mask) < ((j - hole) & db->mask))
			continue;
		db->slots[hole] = *s;
		hole = j;
	}
	db->slots[hole] = (struct xs_sadb_slot){ 0 };
}

struct xs_sa *xs_sadb_del(struct xs_sadb *db, uint32_t spi, uint8_t proto)
{
	uint32_t i = slot_find(db, spi, proto, NULL);
	struct xs_sa *sa;

	if (!db->slots[i].used)
		return NULL;
	sa = db->slots[i].sa;
	slot_remove(db, i);
	db->count--;
	return sa;
}

struct xs_sa *xs_sadb_find(const struct xs_sadb *db, uint32_t spi, uint8_t proto)
{
	const struct xs_sadb_slot *s = &db->slots[slot_find(db, spi, proto, NULL)];

	return s->used ? s->sa : NULL;
}

uint32_t xs_sadb_probes(const struct xs_sadb *db, uint32_t spi, uint8_t proto)
{
	uint32_t n;

	slot_find(db, spi, proto, &n);
	return n;
}
