// SPDX-License-Identifier: GPL-2.0-only
/*
 * OpenSSL EVP backend: the portable fallback and the reference.
 *
 * Contexts are created once per SA and re-initialised per packet with only
 * the IV, which reuses the expanded key and allocates nothing.
 *
 * HMAC-SHA-256 (RFC 2104) runs on hash states precomputed from the key.
 * OpenSSL 3.0 has no EVP way to do that without allocating per packet
 * (EVP_MAC_init, EVP_DigestInit_ex and EVP_MD_CTX_copy_ex all allocate a
 * provider context per call), so the states are the low-level SHA256_CTX,
 * deprecated in 3.0 but still provided.
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "crypto.h"

#define SHA256_BLOCK 64u

struct ossl_priv {
	EVP_CIPHER_CTX *enc;
	EVP_CIPHER_CTX *dec;
	SHA256_CTX ipad;   /* RFC 2104 §2: the states after K ^ ipad ... */
	SHA256_CTX opad;   /* ... and after K ^ opad */
};

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
	EVP_CIPHER_CTX_free(p->enc); /* frees wipe the key schedule */
	EVP_CIPHER_CTX_free(p->dec);
	OPENSSL_cleanse(p, sizeof(*p));
	free(p);
	c->priv = NULL;
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

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->priv = p;
	if (cipher) {
		/* AEAD keys carry the salt after the cipher key. */
		const size_t klen = si->aead ? ekey_len - XS_SALT_LEN : ekey_len;

		if ((size_t)EVP_CIPHER_get_key_length(cipher) != klen) {
			ret = -EINVAL;
			goto out;
		}
		p->enc = EVP_CIPHER_CTX_new();
		p->dec = EVP_CIPHER_CTX_new();
		if (!p->enc || !p->dec)
			goto out;
		ret = -EIO;
		if (!EVP_EncryptInit_ex(p->enc, cipher, NULL, ekey, NULL) ||
		    !EVP_DecryptInit_ex(p->dec, cipher, NULL, ekey, NULL))
			goto out;
		if (!si->aead && (!EVP_CIPHER_CTX_set_padding(p->enc, 0) ||
				  !EVP_CIPHER_CTX_set_padding(p->dec, 0)))
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
	EVP_CIPHER_CTX *ctx = ((struct ossl_priv *)c->priv)->enc;
	int outl;

	if (!EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, nonce) ||
	    !EVP_EncryptUpdate(ctx, NULL, &outl, aad, (int)aad_len) ||
	    !EVP_EncryptUpdate(ctx, data, &outl, data, (int)len) ||
	    !EVP_EncryptFinal_ex(ctx, data + outl, &outl) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, XS_ICV_LEN, tag))
		return -EIO;
	return 0;
}

static int ossl_aead_open(struct xs_cipher *c, const uint8_t *nonce,
			  const uint8_t *aad, size_t aad_len, uint8_t *data,
			  size_t len, const uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx = ((struct ossl_priv *)c->priv)->dec;
	int outl;

	if (!EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, nonce) ||
	    !EVP_DecryptUpdate(ctx, NULL, &outl, aad, (int)aad_len) ||
	    !EVP_DecryptUpdate(ctx, data, &outl, data, (int)len) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, XS_ICV_LEN,
				 (void *)(uintptr_t)tag))
		return -EIO;
	/* Final compares the tag in constant time. */
	if (EVP_DecryptFinal_ex(ctx, data + outl, &outl) <= 0)
		return -EBADMSG;
	return 0;
}

static int ossl_cbc(EVP_CIPHER_CTX *ctx, const uint8_t *iv, uint8_t *data,
		    size_t len)
{
	int outl;

	/* Whole blocks and no padding: Update processes them all, and
	 * Final would have nothing left to do. */
	if (!EVP_CipherInit_ex(ctx, NULL, NULL, NULL, iv, -1) ||
	    !EVP_CipherUpdate(ctx, data, &outl, data, (int)len) ||
	    (size_t)outl != len)
		return -EIO;
	return 0;
}

static int ossl_cbc_encrypt(struct xs_cipher *c, const uint8_t *iv,
			    uint8_t *data, size_t len)
{
	return ossl_cbc(((struct ossl_priv *)c->priv)->enc, iv, data, len);
}

static int ossl_cbc_decrypt(struct xs_cipher *c, const uint8_t *iv,
			    uint8_t *data, size_t len)
{
	return ossl_cbc(((struct ossl_priv *)c->priv)->dec, iv, data, len);
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
