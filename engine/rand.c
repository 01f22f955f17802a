// SPDX-License-Identifier: GPL-2.0-only
/*
 * Random IVs for CBC, RFC 3602 §2.1.
 *
 * One RAND_bytes call costs as much as sealing a small packet, so each
 * thread draws a block of CSPRNG output at a time and hands it out 16 bytes
 * per packet. The bytes are as unpredictable as if drawn one IV at a time
 * (and are public once sent). A forked child throws its copy of the pool
 * away: it must not repeat the parent's IVs.
 */
#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "limits.h"
#include "rand.h"

#define POOL_BYTES 4096u

struct iv_pool {
	uint8_t bytes[POOL_BYTES];
	unsigned int used;      /* POOL_BYTES: empty */
};

static __thread struct iv_pool pool = { .used = POOL_BYTES };
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

/* Runs in the child, in the thread that forked: the only one left. */
static void pool_drop_in_child(void)
{
	OPENSSL_cleanse(pool.bytes, sizeof(pool.bytes));
	pool.used = POOL_BYTES;
}

static void fork_hook_init(void)
{
	pthread_atfork(NULL, NULL, pool_drop_in_child);
}

int xs_rand_iv(uint8_t *iv, unsigned int len)
{
	if (len > XS_IV_MAX)
		return -1;
	if (pool.used + len > POOL_BYTES) {
		pthread_once(&fork_once, fork_hook_init);
		if (RAND_bytes(pool.bytes, sizeof(pool.bytes)) != 1)
			return -1;
		pool.used = 0;
	}
	memcpy(iv, pool.bytes + pool.used, len);
	pool.used += len;
	return 0;
}
