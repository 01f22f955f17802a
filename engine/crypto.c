// SPDX-License-Identifier: GPL-2.0-only
/*
 * Suites and backend selection.
 */
#include <string.h>

#include "crypto.h"

static const struct xs_suite_info suites[XS_SUITE_MAX] = {
	/* RFC 4106 §8.1: KEYMAT is the AES key followed by a 4-byte salt. */
	[XS_SUITE_AES128GCM16] = { "aes128gcm16", 1, 16 + XS_SALT_LEN, 0, 8, 4, 1, 0 },
	[XS_SUITE_AES256GCM16] = { "aes256gcm16", 1, 32 + XS_SALT_LEN, 0, 8, 4, 1, 0 },
	/* RFC 7634 §2: 256-bit key followed by a 4-byte salt. */
	[XS_SUITE_CHACHA20POLY1305] = { "chacha20poly1305", 1, 32 + XS_SALT_LEN, 0, 8, 4, 1, 0 },
	/* RFC 3602 §2.4: 16-byte IV, 16-byte blocks; RFC 4868 §2.1.1: 32-byte key. */
	[XS_SUITE_AES128CBC_SHA256] = { "aes128cbc-sha256", 0, 16, 32, 16, 16, 1, 0 },
	[XS_SUITE_AES256CBC_SHA256] = { "aes256cbc-sha256", 0, 32, 32, 16, 16, 1, 0 },
	/* RFC 2410: no IV; RFC 4303 §2.4 still aligns to 4 bytes. */
	[XS_SUITE_NULL_SHA256] = { "null-sha256", 0, 0, 32, 0, 4, 1, 0 },
	[XS_SUITE_SHA256] = { "sha256", 0, 0, 32, 0, 4, 0, 1 },
};

const struct xs_suite_info *xs_suite_info(unsigned int suite)
{
	return suite < XS_SUITE_MAX ? &suites[suite] : NULL;
}

unsigned int xs_suite_by_name(const char *name)
{
	for (unsigned int i = 0; i < XS_SUITE_MAX; i++)
		if (!strcmp(suites[i].name, name))
			return i;
	return XS_SUITE_MAX;
}

static const char *const backend_names[XS_BACKEND_MAX] = {
	[XS_BACKEND_AUTO] = "auto",
	[XS_BACKEND_OPENSSL] = "openssl",
	[XS_BACKEND_IPSECMB] = "ipsecmb",
};

unsigned int xs_backend_by_name(const char *name)
{
	for (unsigned int i = 0; i < XS_BACKEND_MAX; i++)
		if (!strcmp(backend_names[i], name))
			return i;
	return XS_BACKEND_MAX;
}

const struct xs_backend *xs_backend_get(unsigned int id)
{
	switch (id) {
	case XS_BACKEND_AUTO:
#ifdef XS_HAVE_IPSECMB
		/* The multi-buffer library is several times faster per packet. */
		if (!xs_backend_ipsecmb.probe())
			return &xs_backend_ipsecmb;
#endif
		return xs_backend_openssl.probe() ? NULL : &xs_backend_openssl;
	case XS_BACKEND_OPENSSL:
		return xs_backend_openssl.probe() ? NULL : &xs_backend_openssl;
	case XS_BACKEND_IPSECMB:
#ifdef XS_HAVE_IPSECMB
		return xs_backend_ipsecmb.probe() ? NULL : &xs_backend_ipsecmb;
#endif
	default:
		return NULL;
	}
}

const struct xs_backend *xs_backend_for_suite(unsigned int id, unsigned int suite)
{
	const struct xs_suite_info *si = xs_suite_info(suite);

	/*
	 * ipsec-mb seals and opens AES-GCM and ChaCha20-Poly1305 several
	 * times faster than OpenSSL. Not so with HMAC-SHA-256 (CBC, NULL,
	 * AH): a single packet's AES-CBC encryption and SHA-256 are
	 * multi-lane jobs there, and OpenSSL is as fast or faster from
	 * 512-byte packets on (bench/bench_engine.c).
	 */
	if (id == XS_BACKEND_AUTO && si && !si->aead)
		return xs_backend_get(XS_BACKEND_OPENSSL);
	return xs_backend_get(id);
}

void xs_crypto_burst(struct xs_crypto_op **ops, unsigned int n)
{
	struct xs_crypto_op *mine[XS_BURST_MAX];
	const struct xs_backend *be;
	unsigned int done = 0, k;

	if (n > XS_BURST_MAX) {
		for (unsigned int i = 0; i < n; i++)
			xs_crypto_op_run(ops[i]);
		return;
	}
	/* Mostly every op has the same backend: no sorting then. */
	for (k = 1; k < n && ops[k]->c->be == ops[0]->c->be; k++)
		;
	if (k >= n) {
		be = n ? ops[0]->c->be : NULL;
		if (!be)
			return;
		if (!be->burst) {
			for (unsigned int i = 0; i < n; i++)
				xs_crypto_op_run(ops[i]);
			return;
		}
		/* Fail closed: an op the backend never got to stays failed. */
		for (unsigned int i = 0; i < n; i++)
			ops[i]->status = -EIO;
		be->burst(ops, n);
		return;
	}
	for (unsigned int i = 0; i < n; i++)
		ops[i]->status = 1; /* not run yet */
	/* One pass per backend present (there are at most two). */
	while (done < n) {
		be = NULL;
		k = 0;
		for (unsigned int i = 0; i < n; i++) {
			if (ops[i]->status != 1)
				continue;
			if (!be)
				be = ops[i]->c->be;
			if (ops[i]->c->be == be) {
				ops[i]->status = -EIO;
				mine[k++] = ops[i];
			}
		}
		done += k;
		if (be->burst) {
			/* Statuses are -EIO until the backend sets them. */
			be->burst(mine, k);
			continue;
		}
		for (unsigned int i = 0; i < k; i++)
			xs_crypto_op_run(mine[i]);
	}
}
