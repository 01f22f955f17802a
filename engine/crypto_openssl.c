// SPDX-License-Identifier: GPL-2.0-only
/*
 * OpenSSL EVP backend: the portable fallback and the reference.
 *
 * Contexts are created once and re-initialised per packet with only the
 * IV, which reuses the expanded key and allocates nothing. A context
 * carries per-packet state, so threads sharing an SA must not share one:
 * each SA has a few context slots, a thread claims a free one per packet
 * (one atomic exchange, on a slot the thread usually finds free) and
 * creates its contexts the first time it is used; an SA used by one
 * thread at a time has one slot's contexts only.
 *
 * HMAC-SHA-256 (RFC 2104) runs on hash states precomputed from the key.
 * OpenSSL 3.0 has no EVP way to do that without allocating per packet
 * (EVP_MAC_init, EVP_DigestInit_ex and EVP_MD_CTX_copy_ex all allocate a
 * provider context per call), so the states are the low-level SHA256_CTX,
 * deprecated in 3.0 but still provided.
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "crypto.h"
#include "keymem.h"

#define SHA256_BLOCK 64u

/* Threads that may cipher with one SA at the same time without waiting. */
#define OSSL_SLOTS 4u

struct ossl_slot {
	uint32_t busy __attribute__((aligned(64)));
	EVP_CIPHER_CTX *enc;
	EVP_CIPHER_CTX *dec;
};

struct ossl_priv {
	const EVP_CIPHER *cipher;  /* NULL: HMAC only */
	uint8_t key[32];           /* to key the slots created later */
	size_t key_len;
	int aead;
	SHA256_CTX ipad;   /* RFC 2104 §2: the states after K ^ ipad ... */
	SHA256_CTX opad;   /* ... and after K ^ opad */
	struct ossl_slot slot[OSSL_SLOTS];
};

/* Where this thread looks first: threads spread over the slots. */
static unsigned int slot_hint_last;
static __thread unsigned int slot_hint = UINT32_MAX;

static int ossl_probe(void)
{
	return 0;
}

static const EVP_CIPHER *ossl_cipher(unsigned int suite)
{
	switch (suite) {
	case XS_SUITE_AES128GCM16: return EVP_aes_128_gcm();
	case XS_SUITE_AES256GCM16: return EVP_aes_256_gcm();
	case XS_SUITE_CHACHA20POLY1305: return EVP_chacha20_poly1305();
	case XS_SUITE_AES128CBC_SHA256: return EVP_aes_128_cbc();
	case XS_SUITE_AES256CBC_SHA256: return EVP_aes_256_cbc();
	default: return NULL;
	}
}

static void ossl_teardown(struct xs_cipher *c)
{
	struct ossl_priv *p = c->priv;

	if (!p)
		return;
	for (unsigned int i = 0; i < OSSL_SLOTS; i++) {
		/* Frees wipe the key schedule. */
		EVP_CIPHER_CTX_free(p->slot[i].enc);
		EVP_CIPHER_CTX_free(p->slot[i].dec);
	}
	xs_keymem_free(p);
	c->priv = NULL;
}

/* Keys a slot's contexts; called by the thread that holds the slot. */
static int slot_init(const struct ossl_priv *p, struct ossl_slot *s)
{
	s->enc = EVP_CIPHER_CTX_new();
	s->dec = EVP_CIPHER_CTX_new();
	if (!s->enc || !s->dec)
		goto fail;
	if (!EVP_EncryptInit_ex(s->enc, p->cipher, NULL, p->key, NULL) ||
	    !EVP_DecryptInit_ex(s->dec, p->cipher, NULL, p->key, NULL))
		goto fail;
	if (!p->aead && (!EVP_CIPHER_CTX_set_padding(s->enc, 0) ||
			 !EVP_CIPHER_CTX_set_padding(s->dec, 0)))
		goto fail;
	return 0;
fail:
	EVP_CIPHER_CTX_free(s->enc);
	EVP_CIPHER_CTX_free(s->dec);
	s->enc = s->dec = NULL;
	return -EIO;
}

/* A slot of p for this thread alone until slot_put; NULL if its contexts
 * could not be made. */
static struct ossl_slot *slot_get(struct ossl_priv *p)
{
	unsigned int h = slot_hint;

	if (h == UINT32_MAX)
		h = slot_hint = __atomic_fetch_add(&slot_hint_last, 1, __ATOMIC_RELAXED);
	for (;;) {
		for (unsigned int i = 0; i < OSSL_SLOTS; i++) {
			struct ossl_slot *s = &p->slot[(h + i) % OSSL_SLOTS];

			if (__atomic_load_n(&s->busy, __ATOMIC_RELAXED) ||
			    __atomic_exchange_n(&s->busy, 1, __ATOMIC_ACQUIRE))
				continue;
			if (!s->enc && slot_init(p, s)) {
				__atomic_store_n(&s->busy, 0, __ATOMIC_RELEASE);
				return NULL;
			}
			return s;
		}
		/* More threads than slots on this SA at this instant. */
		sched_yield();
	}
}

static void slot_put(struct ossl_slot *s)
{
	__atomic_store_n(&s->busy, 0, __ATOMIC_RELEASE);
}

/* RFC 2104 §2: keys longer than a block are hashed first. */
static void hmac_precompute(struct ossl_priv *p, const uint8_t *akey, size_t len)
{
	uint8_t k[SHA256_BLOCK] = { 0 }, blk[SHA256_BLOCK];

	if (len > SHA256_BLOCK) {
		SHA256(akey, len, k);
	} else {
		memcpy(k, akey, len);
	}
	for (unsigned int i = 0; i < SHA256_BLOCK; i++)
		blk[i] = k[i] ^ 0x36;
	SHA256_Init(&p->ipad);
	SHA256_Update(&p->ipad, blk, sizeof(blk));
	for (unsigned int i = 0; i < SHA256_BLOCK; i++)
		blk[i] = k[i] ^ 0x5c;
	SHA256_Init(&p->opad);
	SHA256_Update(&p->opad, blk, sizeof(blk));
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(blk, sizeof(blk));
}

static int ossl_setup(struct xs_cipher *c, const uint8_t *ekey, size_t ekey_len,
		      const uint8_t *akey, size_t akey_len)
{
	const struct xs_suite_info *si = xs_suite_info(c->suite);
	const EVP_CIPHER *cipher = ossl_cipher(c->suite);
	struct ossl_priv *p;
	int ret = -ENOMEM;

	p = xs_keymem_alloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	memset(p, 0, sizeof(*p));
	c->priv = p;
	if (cipher) {
		/* AEAD keys carry the salt after the cipher key. */
		const size_t klen = si->aead ? ekey_len - XS_SALT_LEN : ekey_len;

		if ((size_t)EVP_CIPHER_get_key_length(cipher) != klen ||
		    klen > sizeof(p->key)) {
			ret = -EINVAL;
			goto out;
		}
		p->cipher = cipher;
		p->aead = si->aead;
		memcpy(p->key, ekey, klen);
		p->key_len = klen;
		/* The first slot now: a key OpenSSL refuses fails the SA. */
		ret = slot_init(p, &p->slot[0]);
		if (ret)
			goto out;
	}
	if (si->auth_key_len)
		hmac_precompute(p, akey, akey_len);
	ret = 0;
out:
	if (ret)
		ossl_teardown(c);
	return ret;
}

static int ossl_aead_seal(struct xs_cipher *c, const uint8_t *nonce,
			  const uint8_t *aad, size_t aad_len, uint8_t *data,
			  size_t len, uint8_t *tag)
{
	struct ossl_slot *s = slot_get(c->priv);
	EVP_CIPHER_CTX *ctx;
	int outl, ret = -EIO;

	if (!s)
		return -EIO;
	ctx = s->enc;
	if (EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, nonce) &&
	    EVP_EncryptUpdate(ctx, NULL, &outl, aad, (int)aad_len) &&
	    EVP_EncryptUpdate(ctx, data, &outl, data, (int)len) &&
	    EVP_EncryptFinal_ex(ctx, data + outl, &outl) &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, XS_ICV_LEN, tag))
		ret = 0;
	slot_put(s);
	return ret;
}

static int ossl_aead_open(struct xs_cipher *c, const uint8_t *nonce,
			  const uint8_t *aad, size_t aad_len, uint8_t *data,
			  size_t len, const uint8_t *tag)
{
	struct ossl_slot *s = slot_get(c->priv);
	EVP_CIPHER_CTX *ctx;
	int outl, ret = -EIO;

	if (!s)
		return -EIO;
	ctx = s->dec;
	if (!EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, nonce) ||
	    !EVP_DecryptUpdate(ctx, NULL, &outl, aad, (int)aad_len) ||
	    !EVP_DecryptUpdate(ctx, data, &outl, data, (int)len) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, XS_ICV_LEN,
				 (void *)(uintptr_t)tag))
		goto out;
	/* Final compares the tag in constant time. */
	ret = EVP_DecryptFinal_ex(ctx, data + outl, &outl) > 0 ? 0 : -EBADMSG;
out:
	slot_put(s);
	return ret;
}

static int ossl_cbc(struct xs_cipher *c, int enc, const uint8_t *iv, uint8_t *data,
		    size_t len)
{
	struct ossl_slot *s = slot_get(c->priv);
	int outl, ret = -EIO;

	if (!s)
		return -EIO;
	/* Whole blocks and no padding: Update processes them all, and
	 * Final would have nothing left to do. */
	if (EVP_CipherInit_ex(enc ? s->enc : s->dec, NULL, NULL, NULL, iv, -1) &&
	    EVP_CipherUpdate(enc ? s->enc : s->dec, data, &outl, data, (int)len) &&
	    (size_t)outl == len)
		ret = 0;
	slot_put(s);
	return ret;
}

static int ossl_cbc_encrypt(struct xs_cipher *c, const uint8_t *iv,
			    uint8_t *data, size_t len)
{
	return ossl_cbc(c, 1, iv, data, len);
}

static int ossl_cbc_decrypt(struct xs_cipher *c, const uint8_t *iv,
			    uint8_t *data, size_t len)
{
	return ossl_cbc(c, 0, iv, data, len);
}

static int ossl_hmac(struct xs_cipher *c, const uint8_t *data, size_t len,
		     uint8_t *out)
{
	const struct ossl_priv *p = c->priv;
	SHA256_CTX h = p->ipad;

	/* RFC 2104 §2: H(K ^ opad, H(K ^ ipad, data)). */
	SHA256_Update(&h, data, len);
	SHA256_Final(out, &h);
	h = p->opad;
	SHA256_Update(&h, out, SHA256_DIGEST_LENGTH);
	SHA256_Final(out, &h);
	OPENSSL_cleanse(&h, sizeof(h));
	return 0;
}

const struct xs_backend xs_backend_openssl = {
	.name = "openssl",
	.probe = ossl_probe,
	.setup = ossl_setup,
	.teardown = ossl_teardown,
	.aead_seal = ossl_aead_seal,
	.aead_open = ossl_aead_open,
	.cbc_encrypt = ossl_cbc_encrypt,
	.cbc_decrypt = ossl_cbc_decrypt,
	.hmac = ossl_hmac,
};
