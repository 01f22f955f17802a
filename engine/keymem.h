/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Memory for key material (SAs and the crypto backends' per-SA state):
 * whole pages of its own, locked in RAM (mlock(2): never written to swap)
 * and left out of core dumps (madvise(2) MADV_DONTDUMP), wiped before it
 * is given back. Locking is best effort: without CAP_IPC_LOCK the
 * RLIMIT_MEMLOCK budget may run out; the memory is still usable and
 * xs_keymem_unlocked() counts such allocations.
 */
#ifndef XS_KEYMEM_H
#define XS_KEYMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* size bytes, zeroed, 64-byte aligned; NULL (errno set) if no memory. */
void *xs_keymem_alloc(size_t size);
/* Wipes and unmaps; NULL is fine. */
void xs_keymem_free(void *p);
/* Allocations whose pages could not be locked, since the start. */
uint64_t xs_keymem_unlocked(void);
/* False in sanitizer builds, whose key memory is plain heap (keymem.c). */
bool xs_keymem_protected(void);

#endif
