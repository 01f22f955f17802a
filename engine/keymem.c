// SPDX-License-Identifier: GPL-2.0-only
/*
 * Key memory (keymem.h): one private anonymous mapping per allocation,
 * a 64-byte header holding its length, then the object.
 *
 * Sanitizer builds (SAN=1, the fuzzers) allocate from the heap instead:
 * AddressSanitizer then checks the bounds of SAs, and LeakSanitizer, which
 * does not scan private mappings, still sees the pointers kept in them
 * (OpenSSL's cipher contexts would look leaked otherwise).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "keymem.h"

#define KEYMEM_HDR 64u

#if defined(__SANITIZE_ADDRESS__)
#define KEYMEM_HEAP 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KEYMEM_HEAP 1
#endif
#endif
#ifndef KEYMEM_HEAP
#define KEYMEM_HEAP 0
#endif

static _Atomic uint64_t keymem_unlocked;

void *xs_keymem_alloc(size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), len;
	uint8_t *m;

	if (size > SIZE_MAX - KEYMEM_HDR - page) {
		errno = ENOMEM;
		return NULL;
	}
	if (KEYMEM_HEAP) {
		len = (size + KEYMEM_HDR + 63) & ~(size_t)63;
		m = aligned_alloc(64, len);
		if (!m)
			return NULL;
		memset(m, 0, len);
		memcpy(m, &len, sizeof(len));
		return m + KEYMEM_HDR;
	}
	len = (size + KEYMEM_HDR + page - 1) & ~(page - 1);
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		errno = ENOMEM;
		return NULL;
	}
	/* Out of dumps even where the process is dumpable (tests, tools). */
	madvise(m, len, MADV_DONTDUMP);
	if (mlock(m, len))
		atomic_fetch_add(&keymem_unlocked, 1);
	memcpy(m, &len, sizeof(len));
	return m + KEYMEM_HDR;
}

void xs_keymem_free(void *p)
{
	uint8_t *m;
	size_t len;

	if (!p)
		return;
	m = (uint8_t *)p - KEYMEM_HDR;
	memcpy(&len, m, sizeof(len));
	OPENSSL_cleanse(m, len);
	if (KEYMEM_HEAP) {
		free(m);
		return;
	}
	munlock(m, len);
	munmap(m, len);
}

bool xs_keymem_protected(void)
{
	return !KEYMEM_HEAP;
}

uint64_t xs_keymem_unlocked(void)
{
	return atomic_load(&keymem_unlocked);
}
