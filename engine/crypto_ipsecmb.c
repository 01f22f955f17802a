// SPDX-License-Identifier: GPL-2.0-only
/*
 * Intel multi-buffer IPsec library backend: the per-packet fast path on
 * x86-64. A manager is not thread-safe, so each thread gets its own,
 * created on first use and freed at thread exit. Key schedules live per SA.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <intel-ipsec-mb.h>
#include <openssl/crypto.h>

#include "crypto.h"

#define SHA256_BLOCK 64u
#define SHA256_STATE 32u
#define AES_SCHED_MAX (15u * 16u) /* AES-256: 15 round keys */

struct imb_priv {
	union {
		struct gcm_key_data gcm;
		struct {
			uint8_t enc[AES_SCHED_MAX] __attribute__((aligned(16)));
			uint8_t dec[AES_SCHED_MAX] __attribute__((aligned(16)));
		} cbc;
		uint8_t chacha[32] __attribute__((aligned(16)));
	} k;
	uint8_t ipad[SHA256_STATE] __attribute__((aligned(16)));
	uint8_t opad[SHA256_STATE] __attribute__((aligned(16)));
	uint32_t aes_key_len;
};

static pthread_key_t mgr_key;
static pthread_once_t mgr_once = PTHREAD_ONCE_INIT;
static __thread IMB_MGR *tl_mgr;

static void mgr_free(void *m)
{
	free_mb_mgr(m);
}

static void mgr_key_init(void)
{
	pthread_key_create(&mgr_key, mgr_free);
}

static IMB_MGR *mgr_get(void)
{
	IMB_ARCH arch;

	if (tl_mgr)
		return tl_mgr;
	pthread_once(&mgr_once, mgr_key_init);
	tl_mgr = alloc_mb_mgr(0);
	if (!tl_mgr)
		return NULL;
	init_mb_mgr_auto(tl_mgr, &arch);
	if (imb_get_errno(tl_mgr) || arch == IMB_ARCH_NONE ||
	    arch == IMB_ARCH_NOAESNI) {
		free_mb_mgr(tl_mgr);
		tl_mgr = NULL;
		return NULL;
	}
	pthread_setspecific(mgr_key, tl_mgr);
	return tl_mgr;
}

static int imb_probe(void)
{
	return mgr_get() ? 0 : -ENOTSUP;
}

static void imb_teardown(struct xs_cipher *c)
{
	struct imb_priv *p = c->priv;

	if (!p)
		return;
	OPENSSL_cleanse(p, sizeof(*p));
	free(p);
	c->priv = NULL;
}

/* RFC 2104: the hash states after one block of key^ipad and key^opad. */
static void hmac_precompute(IMB_MGR *m, struct imb_priv *p,
			    const uint8_t *key, size_t len)
{
	uint8_t blk[SHA256_BLOCK];

	memset(blk, 0x36, sizeof(blk));
	for (size_t i = 0; i < len; i++)
		blk[i] ^= key[i];
	IMB_SHA256_ONE_BLOCK(m, blk, p->ipad);
	memset(blk, 0x5c, sizeof(blk));
	for (size_t i = 0; i < len; i++)
		blk[i] ^= key[i];
	IMB_SHA256_ONE_BLOCK(m, blk, p->opad);
	OPENSSL_cleanse(blk, sizeof(blk));
}

static int imb_setup(struct xs_cipher *c, const uint8_t *ekey, size_t ekey_len,
		     const uint8_t *akey, size_t akey_len)
{
	IMB_MGR *m = mgr_get();
	struct imb_priv *p;

	if (!m)
		return -ENOTSUP;
	/* Longer HMAC keys would need hashing first (RFC 2104 §2). */
	if (akey_len > SHA256_BLOCK)
		return -EINVAL;
	p = aligned_alloc(64, (sizeof(*p) + 63) & ~(size_t)63);
	if (!p)
		return -ENOMEM;
	memset(p, 0, sizeof(*p));
	c->priv = p;
	switch (c->suite) {
	case XS_SUITE_AES128GCM16:
		if (ekey_len != 16 + XS_SALT_LEN)
			goto inval;
		IMB_AES128_GCM_PRE(m, ekey, &p->k.gcm);
		break;
	case XS_SUITE_AES256GCM16:
		if (ekey_len != 32 + XS_SALT_LEN)
			goto inval;
		IMB_AES256_GCM_PRE(m, ekey, &p->k.gcm);
		break;
	case XS_SUITE_CHACHA20POLY1305:
		if (ekey_len != 32 + XS_SALT_LEN)
			goto inval;
		memcpy(p->k.chacha, ekey, 32);
		break;
	case XS_SUITE_AES128CBC_SHA256:
		if (ekey_len != 16)
			goto inval;
		IMB_AES_KEYEXP_128(m, ekey, p->k.cbc.enc, p->k.cbc.dec);
		break;
	case XS_SUITE_AES256CBC_SHA256:
		if (ekey_len != 32)
			goto inval;
		IMB_AES_KEYEXP_256(m, ekey, p->k.cbc.enc, p->k.cbc.dec);
		break;
	case XS_SUITE_NULL_SHA256:
	case XS_SUITE_SHA256:
		break;
	default:
		goto inval;
	}
	p->aes_key_len = (uint32_t)ekey_len;
	if (akey_len)
		hmac_precompute(m, p, akey, akey_len);
	return 0;
inval:
	imb_teardown(c);
	return -EINVAL;
}

static int imb_aead_seal(struct xs_cipher *c, const uint8_t *nonce,
			 const uint8_t *aad, size_t aad_len, uint8_t *data,
			 size_t len, uint8_t *tag)
{
	struct imb_priv *p = c->priv;
	IMB_MGR *m = mgr_get();

	switch (c->suite) {
	case XS_SUITE_AES128GCM16: {
		struct gcm_context_data ctx;

		IMB_AES128_GCM_ENC(m, &p->k.gcm, &ctx, data, data, len, nonce,
				   aad, aad_len, tag, XS_ICV_LEN);
		break;
	}
	case XS_SUITE_AES256GCM16: {
		struct gcm_context_data ctx;

		IMB_AES256_GCM_ENC(m, &p->k.gcm, &ctx, data, data, len, nonce,
				   aad, aad_len, tag, XS_ICV_LEN);
		break;
	}
	case XS_SUITE_CHACHA20POLY1305: {
		struct chacha20_poly1305_context_data ctx;

		IMB_CHACHA20_POLY1305_INIT(m, p->k.chacha, &ctx, nonce, aad, aad_len);
		IMB_CHACHA20_POLY1305_ENC_UPDATE(m, p->k.chacha, &ctx, data, data, len);
		IMB_CHACHA20_POLY1305_ENC_FINALIZE(m, &ctx, tag, XS_ICV_LEN);
		break;
	}
	default:
		return -EINVAL;
	}
	return imb_get_errno(m) ? -EIO : 0;
}

static int imb_aead_open(struct xs_cipher *c, const uint8_t *nonce,
			 const uint8_t *aad, size_t aad_len, uint8_t *data,
			 size_t len, const uint8_t *tag)
{
	struct imb_priv *p = c->priv;
	IMB_MGR *m = mgr_get();
	uint8_t calc[XS_ICV_LEN];

	switch (c->suite) {
	case XS_SUITE_AES128GCM16: {
		struct gcm_context_data ctx;

		IMB_AES128_GCM_DEC(m, &p->k.gcm, &ctx, data, data, len, nonce,
				   aad, aad_len, calc, XS_ICV_LEN);
		break;
	}
	case XS_SUITE_AES256GCM16: {
		struct gcm_context_data ctx;

		IMB_AES256_GCM_DEC(m, &p->k.gcm, &ctx, data, data, len, nonce,
				   aad, aad_len, calc, XS_ICV_LEN);
		break;
	}
	case XS_SUITE_CHACHA20POLY1305: {
		struct chacha20_poly1305_context_data ctx;

		IMB_CHACHA20_POLY1305_INIT(m, p->k.chacha, &ctx, nonce, aad, aad_len);
		IMB_CHACHA20_POLY1305_DEC_UPDATE(m, p->k.chacha, &ctx, data, data, len);
		IMB_CHACHA20_POLY1305_DEC_FINALIZE(m, &ctx, calc, XS_ICV_LEN);
		break;
	}
	default:
		return -EINVAL;
	}
	if (imb_get_errno(m))
		return -EIO;
	return CRYPTO_memcmp(calc, tag, XS_ICV_LEN) ? -EBADMSG : 0;
}

/* Submits one job and waits for it: the engine is synchronous per packet. */
static int run_job(IMB_MGR *m)
{
	IMB_JOB *job = IMB_SUBMIT_JOB(m);

	while (!job)
		job = IMB_FLUSH_JOB(m);
	return job->status == IMB_STATUS_COMPLETED ? 0 : -EIO;
}

static int imb_cbc(struct xs_cipher *c, const uint8_t *iv, uint8_t *data,
		   size_t len, IMB_CIPHER_DIRECTION dir)
{
	struct imb_priv *p = c->priv;
	IMB_MGR *m = mgr_get();
	IMB_JOB *job = IMB_GET_NEXT_JOB(m);

	job->cipher_mode = IMB_CIPHER_CBC;
	job->cipher_direction = dir;
	job->chain_order = dir == IMB_DIR_ENCRYPT ? IMB_ORDER_CIPHER_HASH
						  : IMB_ORDER_HASH_CIPHER;
	job->hash_alg = IMB_AUTH_NULL;
	job->enc_keys = p->k.cbc.enc;
	job->dec_keys = p->k.cbc.dec;
	job->key_len_in_bytes = p->aes_key_len;
	job->src = data;
	job->dst = data;
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = len;
	job->iv = iv;
	job->iv_len_in_bytes = 16;
	return run_job(m);
}

static int imb_cbc_encrypt(struct xs_cipher *c, const uint8_t *iv,
			   uint8_t *data, size_t len)
{
	return imb_cbc(c, iv, data, len, IMB_DIR_ENCRYPT);
}

static int imb_cbc_decrypt(struct xs_cipher *c, const uint8_t *iv,
			   uint8_t *data, size_t len)
{
	return imb_cbc(c, iv, data, len, IMB_DIR_DECRYPT);
}

static int imb_hmac(struct xs_cipher *c, const uint8_t *data, size_t len,
		    uint8_t *out)
{
	struct imb_priv *p = c->priv;
	IMB_MGR *m = mgr_get();
	IMB_JOB *job = IMB_GET_NEXT_JOB(m);

	job->cipher_mode = IMB_CIPHER_NULL;
	job->cipher_direction = IMB_DIR_ENCRYPT;
	job->chain_order = IMB_ORDER_HASH_CIPHER;
	job->hash_alg = IMB_AUTH_HMAC_SHA_256;
	job->src = data;
	job->dst = (uint8_t *)(uintptr_t)data;
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = 0;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = len;
	job->u.HMAC._hashed_auth_key_xor_ipad = p->ipad;
	job->u.HMAC._hashed_auth_key_xor_opad = p->opad;
	job->auth_tag_output = out;
	job->auth_tag_output_len_in_bytes = 32;
	return run_job(m);
}

const struct xs_backend xs_backend_ipsecmb = {
	.name = "ipsecmb",
	.probe = imb_probe,
	.setup = imb_setup,
	.teardown = imb_teardown,
	.aead_seal = imb_aead_seal,
	.aead_open = imb_aead_open,
	.cbc_encrypt = imb_cbc_encrypt,
	.cbc_decrypt = imb_cbc_decrypt,
	.hmac = imb_hmac,
};
