// SPDX-License-Identifier: GPL-2.0-only
/*
 * IKEv2 cryptography over OpenSSL 3.0 EVP (see crypto.h).
 *
 * Intermediate secrets live on the stack and are wiped with OPENSSL_cleanse
 * on every exit; integrity values are compared with CRYPTO_memcmp.
 */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

/* The project's include path has engine/, whose limits.h shadows the C
 * library's <limits.h>; OpenSSL's err.h needs INT_MAX from it. */
#ifndef INT_MAX
#define INT_MAX __INT_MAX__
#endif

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "crypto.h"

#define AEAD_NONCE_LEN  12   /* salt (4) || IV (8): RFC 5282 §4, RFC 7634 §4 */
#define AEAD_SALT_LEN    4
#define AEAD_IV_LEN      8
#define HMAC_MAX        64   /* SHA-512 output */
#define PRF_PLUS_CHUNKS  8
#define IKE_LENGTH_OFF  24   /* Length field of the IKE header, §3.1 */
/* SK_d + SK_a{i,r} + SK_e{i,r} + SK_p{i,r} at their largest */
#define IKE_KEYMAT_MAX  (3 * IKE_PRF_MAX + 2 * IKE_INTEG_KEY_MAX + \
			 2 * IKE_ENCR_KEYMAT_MAX)
#define CHILD_KEYMAT_MAX (2 * (IKE_ENCR_KEYMAT_MAX + IKE_INTEG_KEY_MAX))

static const char key_pad[] = "Key Pad for IKEv2";   /* §2.15, no NUL */

/* §2.6: COOKIE notification data is 1 to 64 octets */
_Static_assert(IKE_COOKIE_LEN <= IKE_COOKIE_MAX, "cookie too long");

static const struct ike_encr encr_algs[] = {
	{
		.name = "aes128gcm16", .id = IKE_ENCR_AES_GCM_16,
		.key_bits = 128, .key_len = 16, .salt_len = AEAD_SALT_LEN,
		.iv_len = AEAD_IV_LEN, .block_len = 1, .icv_len = 16,
		.aead = true, .evp = "AES-128-GCM", .xfrm = "rfc4106(gcm(aes))",
	},
	{
		.name = "aes256gcm16", .id = IKE_ENCR_AES_GCM_16,
		.key_bits = 256, .key_len = 32, .salt_len = AEAD_SALT_LEN,
		.iv_len = AEAD_IV_LEN, .block_len = 1, .icv_len = 16,
		.aead = true, .evp = "AES-256-GCM", .xfrm = "rfc4106(gcm(aes))",
	},
	{
		/* fixed 256-bit key: no Key Length attribute */
		.name = "chacha20poly1305", .id = IKE_ENCR_CHACHA20_POLY1305,
		.key_bits = 0, .key_len = 32, .salt_len = AEAD_SALT_LEN,
		.iv_len = AEAD_IV_LEN, .block_len = 1, .icv_len = 16,
		.aead = true, .evp = "ChaCha20-Poly1305",
		.xfrm = "rfc7539esp(chacha20,poly1305)",
	},
	{
		.name = "aes128", .id = IKE_ENCR_AES_CBC,
		.key_bits = 128, .key_len = 16, .salt_len = 0,
		.iv_len = 16, .block_len = 16, .icv_len = 0,
		.aead = false, .evp = "AES-128-CBC", .xfrm = "cbc(aes)",
	},
	{
		.name = "aes256", .id = IKE_ENCR_AES_CBC,
		.key_bits = 256, .key_len = 32, .salt_len = 0,
		.iv_len = 16, .block_len = 16, .icv_len = 0,
		.aead = false, .evp = "AES-256-CBC", .xfrm = "cbc(aes)",
	},
};

static const struct ike_prf prf_algs[] = {
	{ .name = "prfsha256", .id = IKE_PRF_HMAC_SHA2_256, .out_len = 32, .md = "SHA256" },
	{ .name = "prfsha384", .id = IKE_PRF_HMAC_SHA2_384, .out_len = 48, .md = "SHA384" },
	{ .name = "prfsha512", .id = IKE_PRF_HMAC_SHA2_512, .out_len = 64, .md = "SHA512" },
};

static const struct ike_integ integ_algs[] = {
	{
		.name = "sha256", .id = IKE_INTEG_HMAC_SHA2_256_128,
		.key_len = 32, .icv_len = 16, .datapath = true,
		.md = "SHA256", .xfrm = "hmac(sha256)",
	},
	{
		.name = "sha384", .id = IKE_INTEG_HMAC_SHA2_384_192,
		.key_len = 48, .icv_len = 24, .datapath = false,
		.md = "SHA384", .xfrm = "hmac(sha384)",
	},
	{
		.name = "sha512", .id = IKE_INTEG_HMAC_SHA2_512_256,
		.key_len = 64, .icv_len = 32, .datapath = false,
		.md = "SHA512", .xfrm = "hmac(sha512)",
	},
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

const struct ike_encr *ike_encr_find(uint16_t id, uint16_t key_bits)
{
	for (size_t i = 0; i < ARRAY_LEN(encr_algs); i++) {
		const struct ike_encr *e = &encr_algs[i];

		if (e->id != id)
			continue;
		if (e->key_bits == key_bits)
			return e;
		/* a 256-bit Key Length on ChaCha20 states the only size */
		if (!e->key_bits && key_bits == 8 * e->key_len)
			return e;
	}
	return NULL;
}

const struct ike_prf *ike_prf_find(uint16_t id)
{
	for (size_t i = 0; i < ARRAY_LEN(prf_algs); i++)
		if (prf_algs[i].id == id)
			return &prf_algs[i];
	return NULL;
}

const struct ike_integ *ike_integ_find(uint16_t id)
{
	for (size_t i = 0; i < ARRAY_LEN(integ_algs); i++)
		if (integ_algs[i].id == id)
			return &integ_algs[i];
	return NULL;
}

const struct ike_encr *ike_encr_by_name(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_LEN(encr_algs); i++)
		if (!strcmp(encr_algs[i].name, name))
			return &encr_algs[i];
	return NULL;
}

const struct ike_prf *ike_prf_by_name(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_LEN(prf_algs); i++)
		if (!strcmp(prf_algs[i].name, name))
			return &prf_algs[i];
	return NULL;
}

const struct ike_integ *ike_integ_by_name(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_LEN(integ_algs); i++)
		if (!strcmp(integ_algs[i].name, name))
			return &integ_algs[i];
	return NULL;
}

int ike_suite_check(const struct ike_encr *encr, const struct ike_integ *integ)
{
	if (!encr)
		return -EINVAL;
	/* RFC 5282 §8: combined modes take no separate integrity transform;
	 * RFC 7296 §3.3.3: a plain cipher needs one. */
	if (encr->aead == (integ != NULL))
		return -EINVAL;
	return 0;
}

int ike_random(void *buf, size_t len)
{
	if (!buf || len > INT_MAX)
		return -EINVAL;
	if (len && RAND_bytes(buf, (int)len) != 1) {
		ERR_clear_error();
		return -EIO;
	}
	return 0;
}

static void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static size_t get16(const uint8_t *p)
{
	return (size_t)p[0] << 8 | p[1];
}

static size_t get32(const uint8_t *p)
{
	return (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
}

/* HMAC(md, key, v[0] | ... | v[n-1]); out gets the full out_len bytes. */
static int hmac(const char *md, const uint8_t *key, size_t key_len,
		const struct ike_chunk *v, unsigned int n, uint8_t *out,
		size_t out_len)
{
	static const uint8_t no_key;
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx = NULL;
	EVP_MAC *mac = NULL;
	char mdname[16];
	size_t len = 0;
	int err = -EINVAL;

	if (!md || (!key && key_len) ||
	    snprintf(mdname, sizeof(mdname), "%s", md) >= (int)sizeof(mdname))
		return err;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     mdname, 0);
	params[1] = OSSL_PARAM_construct_end();

	err = -EIO;
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	if (!ctx || !EVP_MAC_init(ctx, key_len ? key : &no_key, key_len, params))
		goto out;
	for (unsigned int i = 0; i < n; i++) {
		if (!v[i].len)
			continue;
		if (!v[i].ptr) {
			err = -EINVAL;
			goto out;
		}
		if (!EVP_MAC_update(ctx, v[i].ptr, v[i].len))
			goto out;
	}
	if (!EVP_MAC_final(ctx, out, &len, out_len) || len != out_len)
		goto out;
	err = 0;
out:
	if (err) {
		ERR_clear_error();
		OPENSSL_cleanse(out, out_len);
	}
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return err;
}

/* Hash(md, v[0] | ... | v[n-1]) into out (out_len = digest size). */
static int digest(const char *md, const struct ike_chunk *v, unsigned int n,
		  uint8_t *out, unsigned int out_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_MD *alg = EVP_MD_fetch(NULL, md, NULL);
	unsigned int len = 0;
	int err = -EIO;

	if (!ctx || !alg || !EVP_DigestInit_ex2(ctx, alg, NULL))
		goto out;
	for (unsigned int i = 0; i < n; i++)
		if (v[i].len && !EVP_DigestUpdate(ctx, v[i].ptr, v[i].len))
			goto out;
	if (!EVP_DigestFinal_ex(ctx, out, &len) || len != out_len)
		goto out;
	err = 0;
out:
	if (err)
		ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	EVP_MD_free(alg);
	return err;
}

int ike_prfv(const struct ike_prf *prf, const uint8_t *key, size_t key_len,
	     const struct ike_chunk *s, unsigned int n, uint8_t *out)
{
	if (!prf || !out || (n && !s))
		return -EINVAL;
	return hmac(prf->md, key, key_len, s, n, out, prf->out_len);
}

int ike_prf(const struct ike_prf *prf, const uint8_t *key, size_t key_len,
	    const uint8_t *data, size_t len, uint8_t *out)
{
	struct ike_chunk s = { data, len };

	return ike_prfv(prf, key, key_len, &s, 1, out);
}

int ike_prf_plus(const struct ike_prf *prf, const uint8_t *key,
		 size_t key_len, const struct ike_chunk *s, unsigned int n,
		 uint8_t *out, size_t out_len)
{
	struct ike_chunk v[PRF_PLUS_CHUNKS + 2];
	uint8_t t[IKE_PRF_MAX];
	size_t done = 0, take;
	uint8_t ctr;
	int err = 0;

	/* §2.13: prf+ is not defined beyond 255 times the prf output */
	if (!prf || !out || !out_len || out_len > 255u * prf->out_len ||
	    n > PRF_PLUS_CHUNKS || (n && !s))
		return -EINVAL;

	/* Ti = prf(K, T(i-1) | S | i), T0 empty */
	v[0].ptr = t;
	v[0].len = 0;
	if (n)
		memcpy(&v[1], s, n * sizeof(*s));
	v[n + 1].ptr = &ctr;
	v[n + 1].len = 1;
	for (ctr = 1; done < out_len; ctr++) {
		err = ike_prfv(prf, key, key_len, v, n + 2, t);
		if (err)
			goto out;
		take = out_len - done < prf->out_len ? out_len - done : prf->out_len;
		memcpy(out + done, t, take);
		done += take;
		v[0].len = prf->out_len;
	}
out:
	OPENSSL_cleanse(t, sizeof(t));
	if (err)
		OPENSSL_cleanse(out, out_len);
	return err;
}

int ike_integ_icv(const struct ike_integ *integ, const uint8_t *key,
		  const uint8_t *data, size_t len, uint8_t *icv)
{
	struct ike_chunk v = { data, len };
	uint8_t full[HMAC_MAX];
	int err;

	if (!integ || !key || !icv)
		return -EINVAL;
	/* RFC 4868 §2.6: the ICV is the leftmost icv_len bytes */
	err = hmac(integ->md, key, integ->key_len, &v, 1, full, integ->key_len);
	if (!err)
		memcpy(icv, full, integ->icv_len);
	OPENSSL_cleanse(full, sizeof(full));
	return err;
}

int ike_skeyseed(const struct ike_prf *prf, const uint8_t *ni, size_t ni_len,
		 const uint8_t *nr, size_t nr_len, const uint8_t *gir,
		 size_t gir_len, uint8_t *out)
{
	uint8_t nonces[2 * IKE_NONCE_MAX];
	int err;

	/* §3.9 bounds the nonces */
	if (!prf || !ni || !nr || !gir || !out || ni_len > IKE_NONCE_MAX ||
	    nr_len > IKE_NONCE_MAX)
		return -EINVAL;
	/* §2.14: SKEYSEED = prf(Ni | Nr, g^ir), the nonces being the key */
	memcpy(nonces, ni, ni_len);
	memcpy(nonces + ni_len, nr, nr_len);
	err = ike_prf(prf, nonces, ni_len + nr_len, gir, gir_len, out);
	OPENSSL_cleanse(nonces, sizeof(nonces));
	return err;
}

int ike_skeyseed_rekey(const struct ike_keys *old, const uint8_t *gir,
		       size_t gir_len, const uint8_t *ni, size_t ni_len,
		       const uint8_t *nr, size_t nr_len, uint8_t *out)
{
	struct ike_chunk s[3] = { { gir, gir_len }, { ni, ni_len }, { nr, nr_len } };

	if (!old || !old->prf || !gir || !ni || !nr || !out)
		return -EINVAL;
	/* §2.18: prf(SK_d (old), g^ir (new) | Ni | Nr), with the old PRF */
	return ike_prfv(old->prf, old->sk_d, old->prf->out_len, s, 3, out);
}

int ike_keys_derive(struct ike_keys *k, const struct ike_encr *encr,
		    const struct ike_prf *prf, const struct ike_integ *integ,
		    const uint8_t *skeyseed, size_t skeyseed_len,
		    const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		    size_t nr_len, const uint8_t spi_i[8], const uint8_t spi_r[8])
{
	struct ike_chunk s[4] = {
		{ ni, ni_len }, { nr, nr_len }, { spi_i, 8 }, { spi_r, 8 },
	};
	uint8_t km[IKE_KEYMAT_MAX];
	size_t al, el, pl, off = 0;
	int err;

	if (!k)
		return -EINVAL;
	ike_keys_wipe(k);
	if (!prf || !skeyseed || !ni || !nr || !spi_i || !spi_r)
		return -EINVAL;
	err = ike_suite_check(encr, integ);
	if (err)
		return err;

	/* §2.13/§2.14: SK_d and SK_p take the PRF's preferred key length,
	 * SK_a the INTEG key length, SK_e the cipher key (+ AEAD salt). */
	pl = prf->out_len;
	al = integ ? integ->key_len : 0;
	el = ike_encr_keymat_len(encr);
	err = ike_prf_plus(prf, skeyseed, skeyseed_len, s, 4, km,
			   3 * pl + 2 * al + 2 * el);
	if (err)
		goto out;

	k->encr = encr;
	k->prf = prf;
	k->integ = integ;
	memcpy(k->sk_d, km + off, pl);
	off += pl;
	memcpy(k->sk_a[IKE_DIR_I2R], km + off, al);
	off += al;
	memcpy(k->sk_a[IKE_DIR_R2I], km + off, al);
	off += al;
	memcpy(k->sk_e[IKE_DIR_I2R], km + off, el);
	off += el;
	memcpy(k->sk_e[IKE_DIR_R2I], km + off, el);
	off += el;
	memcpy(k->sk_p[IKE_DIR_I2R], km + off, pl);
	off += pl;
	memcpy(k->sk_p[IKE_DIR_R2I], km + off, pl);
out:
	OPENSSL_cleanse(km, sizeof(km));
	if (err)
		ike_keys_wipe(k);
	return err;
}

int ike_keys_new_sa(struct ike_keys *k, const struct ike_encr *encr,
		    const struct ike_prf *prf, const struct ike_integ *integ,
		    const uint8_t *gir, size_t gir_len,
		    const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		    size_t nr_len, const uint8_t spi_i[8], const uint8_t spi_r[8])
{
	uint8_t seed[IKE_PRF_MAX];
	int err;

	err = ike_skeyseed(prf, ni, ni_len, nr, nr_len, gir, gir_len, seed);
	if (!err)
		err = ike_keys_derive(k, encr, prf, integ, seed, prf->out_len,
				      ni, ni_len, nr, nr_len, spi_i, spi_r);
	else
		ike_keys_wipe(k);
	OPENSSL_cleanse(seed, sizeof(seed));
	return err;
}

int ike_keys_rekey(struct ike_keys *k, const struct ike_keys *old,
		   const struct ike_encr *encr, const struct ike_prf *prf,
		   const struct ike_integ *integ, const uint8_t *gir,
		   size_t gir_len, const uint8_t *ni, size_t ni_len,
		   const uint8_t *nr, size_t nr_len, const uint8_t spi_i[8],
		   const uint8_t spi_r[8])
{
	uint8_t seed[IKE_PRF_MAX];
	size_t seed_len;
	int err;

	if (!old || !old->prf) {
		ike_keys_wipe(k);
		return -EINVAL;
	}
	/* computed before k is touched, so k may be old itself */
	seed_len = old->prf->out_len;
	err = ike_skeyseed_rekey(old, gir, gir_len, ni, ni_len, nr, nr_len, seed);
	if (!err)
		err = ike_keys_derive(k, encr, prf, integ, seed, seed_len,
				      ni, ni_len, nr, nr_len, spi_i, spi_r);
	else
		ike_keys_wipe(k);
	OPENSSL_cleanse(seed, sizeof(seed));
	return err;
}

void ike_keys_wipe(struct ike_keys *k)
{
	if (k)
		OPENSSL_cleanse(k, sizeof(*k));
}

int ike_child_keys_derive(struct ike_child_keys *ck, const struct ike_keys *ike,
			  const struct ike_encr *encr,
			  const struct ike_integ *integ, const uint8_t *gir,
			  size_t gir_len, const uint8_t *ni, size_t ni_len,
			  const uint8_t *nr, size_t nr_len)
{
	struct ike_chunk s[3];
	uint8_t km[CHILD_KEYMAT_MAX];
	unsigned int n = 0;
	size_t el, al;
	int err;

	if (!ck)
		return -EINVAL;
	ike_child_keys_wipe(ck);
	if (!ike || !ike->prf || !ni || !nr || (gir_len && !gir))
		return -EINVAL;
	/* ESP needs a valid suite; AH (no encr) an integrity algorithm */
	err = encr ? ike_suite_check(encr, integ) : (integ ? 0 : -EINVAL);
	if (err)
		return err;

	/* §2.17: KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) */
	if (gir_len)
		s[n++] = (struct ike_chunk){ gir, gir_len };
	s[n++] = (struct ike_chunk){ ni, ni_len };
	s[n++] = (struct ike_chunk){ nr, nr_len };
	el = encr ? ike_encr_keymat_len(encr) : 0;
	al = integ ? integ->key_len : 0;
	err = ike_prf_plus(ike->prf, ike->sk_d, ike->prf->out_len, s, n, km,
			   2 * (el + al));
	if (err)
		goto out;

	/* §2.17: initiator-to-responder keys first; within an SA the
	 * encryption key first, then the integrity key (RFC 4301). AEAD
	 * salt follows its key (RFC 4106 §8.1, RFC 7634 §2). */
	ck->encr = encr;
	ck->integ = integ;
	ck->enc_len = (uint8_t)el;
	ck->auth_len = (uint8_t)al;
	memcpy(ck->enc[IKE_DIR_I2R], km, el);
	memcpy(ck->auth[IKE_DIR_I2R], km + el, al);
	memcpy(ck->enc[IKE_DIR_R2I], km + el + al, el);
	memcpy(ck->auth[IKE_DIR_R2I], km + 2 * el + al, al);
out:
	OPENSSL_cleanse(km, sizeof(km));
	if (err)
		ike_child_keys_wipe(ck);
	return err;
}

void ike_child_keys_wipe(struct ike_child_keys *ck)
{
	if (ck)
		OPENSSL_cleanse(ck, sizeof(*ck));
}

/* Bounded text builder for ike_child_keys_xfrm(). */
struct strbuf {
	char *buf;
	size_t cap;
	size_t pos;
	bool full;
};

static void sb_str(struct strbuf *sb, const char *s)
{
	size_t len = strlen(s);

	if (sb->full || len >= sb->cap - sb->pos) {
		sb->full = true;
		return;
	}
	memcpy(sb->buf + sb->pos, s, len + 1);
	sb->pos += len;
}

static void sb_hex(struct strbuf *sb, const uint8_t *p, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	sb_str(sb, "0x");
	if (sb->full || 2 * len >= sb->cap - sb->pos) {
		sb->full = true;
		return;
	}
	for (size_t i = 0; i < len; i++) {
		sb->buf[sb->pos++] = digits[p[i] >> 4];
		sb->buf[sb->pos++] = digits[p[i] & 15];
	}
	sb->buf[sb->pos] = '\0';
}

static void sb_uint(struct strbuf *sb, unsigned int v)
{
	char num[16];

	snprintf(num, sizeof(num), "%u", v);
	sb_str(sb, num);
}

int ike_child_keys_xfrm(const struct ike_child_keys *ck, enum ike_dir dir,
			char *buf, size_t len)
{
	struct strbuf sb = { buf, len, 0, false };

	if (!ck || !buf || !len || (dir != IKE_DIR_I2R && dir != IKE_DIR_R2I) ||
	    (!ck->encr && !ck->integ))
		return -EINVAL;
	buf[0] = '\0';
	if (ck->integ && !ck->integ->datapath)
		return -EOPNOTSUPP;

	if (ck->encr && ck->encr->aead) {
		sb_str(&sb, "aead ");
		sb_str(&sb, ck->encr->xfrm);
		sb_str(&sb, " ");
		sb_hex(&sb, ck->enc[dir], ck->enc_len);
		sb_str(&sb, " ");
		sb_uint(&sb, 8u * ck->encr->icv_len);
	} else {
		if (ck->encr) {
			sb_str(&sb, "enc ");
			sb_str(&sb, ck->encr->xfrm);
			sb_str(&sb, " ");
			sb_hex(&sb, ck->enc[dir], ck->enc_len);
			sb_str(&sb, " ");
		}
		sb_str(&sb, "auth-trunc ");
		sb_str(&sb, ck->integ->xfrm);
		sb_str(&sb, " ");
		sb_hex(&sb, ck->auth[dir], ck->auth_len);
		sb_str(&sb, " ");
		sb_uint(&sb, 8u * ck->integ->icv_len);
	}
	if (sb.full) {
		OPENSSL_cleanse(buf, len);
		buf[0] = '\0';
		return -ENOSPC;
	}
	return 0;
}

/* AES-GCM / ChaCha20-Poly1305 in place; tag is e->icv_len bytes. */
static int aead_crypt(const struct ike_encr *e, const uint8_t *keymat,
		      const uint8_t *iv, const uint8_t *aad, size_t aad_len,
		      uint8_t *data, size_t len, uint8_t *tag, int enc)
{
	uint8_t nonce[AEAD_NONCE_LEN], fin[32];
	EVP_CIPHER_CTX *ctx = NULL;
	EVP_CIPHER *c = NULL;
	int outl, err = -EINVAL;

	if (!e || !e->aead || !keymat || !iv || !tag || (len && !data) ||
	    (aad_len && !aad) || len > INT_MAX || aad_len > INT_MAX)
		return err;

	/* RFC 5282 §4 / RFC 7634 §4: nonce = salt || IV, the salt being
	 * the keying material that follows the key */
	memcpy(nonce, keymat + e->key_len, AEAD_SALT_LEN);
	memcpy(nonce + AEAD_SALT_LEN, iv, AEAD_IV_LEN);

	err = -EIO;
	c = EVP_CIPHER_fetch(NULL, e->evp, NULL);
	ctx = EVP_CIPHER_CTX_new();
	if (!c || !ctx || !EVP_CipherInit_ex2(ctx, c, NULL, NULL, enc, NULL))
		goto out;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, AEAD_NONCE_LEN,
				NULL) <= 0 ||
	    !EVP_CipherInit_ex2(ctx, NULL, keymat, nonce, enc, NULL))
		goto out;
	if (!enc) {
		memcpy(fin, tag, e->icv_len);
		if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, e->icv_len,
					fin) <= 0)
			goto out;
	}
	if (aad_len && !EVP_CipherUpdate(ctx, NULL, &outl, aad, (int)aad_len))
		goto out;
	if (len && !EVP_CipherUpdate(ctx, data, &outl, data, (int)len))
		goto out;
	if (!EVP_CipherFinal_ex(ctx, fin, &outl)) {
		if (!enc)
			err = -EBADMSG;
		goto out;
	}
	if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, e->icv_len,
				       tag) <= 0)
		goto out;
	err = 0;
out:
	if (err) {
		ERR_clear_error();
		/* never leave unauthenticated plaintext behind */
		if (!enc && len)
			OPENSSL_cleanse(data, len);
	}
	OPENSSL_cleanse(nonce, sizeof(nonce));
	OPENSSL_cleanse(fin, sizeof(fin));
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
	return err;
}

int ike_aead_seal(const struct ike_encr *e, const uint8_t *keymat,
		  const uint8_t *iv, const uint8_t *aad, size_t aad_len,
		  uint8_t *data, size_t len, uint8_t *tag)
{
	return aead_crypt(e, keymat, iv, aad, aad_len, data, len, tag, 1);
}

int ike_aead_open(const struct ike_encr *e, const uint8_t *keymat,
		  const uint8_t *iv, const uint8_t *aad, size_t aad_len,
		  uint8_t *data, size_t len, const uint8_t *tag)
{
	uint8_t t[16];
	int err;

	if (!e || !e->aead || !tag || e->icv_len > sizeof(t))
		return -EINVAL;
	memcpy(t, tag, e->icv_len);
	err = aead_crypt(e, keymat, iv, aad, aad_len, data, len, t, 0);
	OPENSSL_cleanse(t, sizeof(t));
	return err;
}

/* AES-CBC without padding, in place; len is a multiple of 16. */
static int cbc_crypt(const struct ike_encr *e, const uint8_t *key,
		     const uint8_t *iv, uint8_t *data, size_t len, int enc)
{
	EVP_CIPHER_CTX *ctx = NULL;
	EVP_CIPHER *c = NULL;
	uint8_t fin[32];
	int outl, err = -EIO;

	if (len > INT_MAX || len % e->block_len)
		return -EINVAL;
	c = EVP_CIPHER_fetch(NULL, e->evp, NULL);
	ctx = EVP_CIPHER_CTX_new();
	if (!c || !ctx || !EVP_CipherInit_ex2(ctx, c, key, iv, enc, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(ctx, 0))
		goto out;
	if (!EVP_CipherUpdate(ctx, data, &outl, data, (int)len) ||
	    (size_t)outl != len || !EVP_CipherFinal_ex(ctx, fin, &outl))
		goto out;
	err = 0;
out:
	if (err)
		ERR_clear_error();
	OPENSSL_cleanse(fin, sizeof(fin));
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
	return err;
}

static size_t sk_icv_len(const struct ike_keys *k)
{
	return k->encr->aead ? k->encr->icv_len : k->integ->icv_len;
}

static bool keys_ready(const struct ike_keys *k)
{
	return k && k->encr && k->prf && !ike_suite_check(k->encr, k->integ);
}

size_t ike_sk_head_len(const struct ike_keys *k)
{
	return keys_ready(k) ? IKE_PLD_HDR_LEN + (size_t)k->encr->iv_len : 0;
}

size_t ike_sk_tail_max(const struct ike_keys *k)
{
	if (!keys_ready(k))
		return 0;
	/* padding to the block, the Pad Length octet, the ICV */
	return (size_t)k->encr->block_len - 1 + 1 + sk_icv_len(k);
}

/* SK (hdr 4) and SKF (hdr 8: Fragment Number, Total Fragments, RFC 7383
 * §2.5) share everything but the octets between payload header and IV,
 * which are part of the AAD / integrity-protected data either way. */
static int sk_encrypt(struct ike_keys *k, enum ike_dir dir, uint8_t *msg,
		      size_t cap, size_t sk_off, size_t hdr, size_t inner_len,
		      size_t *msg_len)
{
	const struct ike_encr *e;
	size_t iv_off, ct_off, pad, ct_len, icv, sk_len, total;
	uint64_t seq;
	int err;

	if (!keys_ready(k) || !msg || !msg_len || sk_off < IKE_HDR_LEN ||
	    (dir != IKE_DIR_I2R && dir != IKE_DIR_R2I))
		return -EINVAL;
	e = k->encr;
	icv = sk_icv_len(k);
	iv_off = sk_off + hdr;
	ct_off = iv_off + e->iv_len;
	/* §3.14: payloads | Padding | Pad Length fill whole cipher blocks;
	 * the minimal padding is used (none for AEAD, RFC 5282 §3) */
	pad = (e->block_len - (inner_len + 1) % e->block_len) % e->block_len;
	if (inner_len > 0xffff)
		return -EMSGSIZE;
	ct_len = inner_len + pad + 1;
	sk_len = hdr + e->iv_len + ct_len + icv;
	/* §3.2: Payload Length is 16 bits */
	if (sk_len > 0xffff)
		return -EMSGSIZE;
	if (sk_off > cap || cap - sk_off < sk_len)
		return -ENOSPC;
	total = sk_off + sk_len;
	/* §3.1: Length is 32 bits */
	if (total > UINT32_MAX)
		return -EMSGSIZE;

	memset(msg + ct_off + inner_len, 0, pad);
	msg[ct_off + inner_len + pad] = (uint8_t)pad;
	/* both lengths are covered by the ICV / AAD */
	put16(msg + sk_off + 2, sk_len);
	put32(msg + IKE_LENGTH_OFF, total);

	if (e->aead) {
		/* RFC 5282 §3.1: an IV never repeats under one key; a
		 * counter per direction guarantees it */
		if (k->iv_seq[dir] == UINT64_MAX) {
			err = -EOVERFLOW;
			goto out;
		}
		seq = ++k->iv_seq[dir];
		for (int i = 0; i < AEAD_IV_LEN; i++)
			msg[iv_off + i] = (uint8_t)(seq >> (8 * (7 - i)));
		/* RFC 5282 §5.1: AAD = IKE header through the SK payload
		 * header, i.e. everything before the IV */
		err = ike_aead_seal(e, k->sk_e[dir], msg + iv_off, msg, iv_off,
				    msg + ct_off, ct_len, msg + ct_off + ct_len);
	} else {
		/* §3.14: the CBC IV MUST be unpredictable */
		err = ike_random(msg + iv_off, e->iv_len);
		if (!err)
			err = cbc_crypt(e, k->sk_e[dir], msg + iv_off,
					msg + ct_off, ct_len, 1);
		/* §3.14: ICV over the message from the IKE header through
		 * the Pad Length, i.e. everything before the ICV */
		if (!err)
			err = ike_integ_icv(k->integ, k->sk_a[dir], msg,
					    total - icv, msg + total - icv);
	}
out:
	if (err) {
		OPENSSL_cleanse(msg + ct_off, total - ct_off);
		return err;
	}
	*msg_len = total;
	return 0;
}

int ike_sk_encrypt(struct ike_keys *k, enum ike_dir dir, uint8_t *msg,
		   size_t cap, size_t sk_off, size_t inner_len,
		   size_t *msg_len)
{
	return sk_encrypt(k, dir, msg, cap, sk_off, IKE_PLD_HDR_LEN, inner_len,
			  msg_len);
}

int ike_skf_encrypt(struct ike_keys *k, enum ike_dir dir, uint8_t *msg,
		    size_t cap, size_t skf_off, size_t inner_len,
		    size_t *msg_len)
{
	return sk_encrypt(k, dir, msg, cap, skf_off, IKE_SKF_HDR_LEN, inner_len,
			  msg_len);
}

static int sk_decrypt(const struct ike_keys *k, enum ike_dir dir,
		      uint8_t *msg, size_t msg_len, size_t sk_off, size_t hdr,
		      size_t *inner_off, size_t *inner_len)
{
	const struct ike_encr *e;
	size_t iv_off, ct_off, ct_len, icv, sk_len, pad;
	uint8_t calc[IKE_ICV_MAX];
	int err;

	if (!keys_ready(k) || !msg || !inner_off || !inner_len ||
	    (dir != IKE_DIR_I2R && dir != IKE_DIR_R2I))
		return -EINVAL;
	if (sk_off < IKE_HDR_LEN || sk_off > msg_len ||
	    msg_len - sk_off < hdr)
		return -EINVAL;
	/* §3.1: Length is the total length of the message */
	if (get32(msg + IKE_LENGTH_OFF) != msg_len)
		return -EINVAL;
	/* §3.14: the Encrypted payload MUST be the last payload */
	sk_len = get16(msg + sk_off + 2);
	if (sk_len != msg_len - sk_off)
		return -EINVAL;
	e = k->encr;
	icv = sk_icv_len(k);
	/* §3.14: IV, at least the Pad Length octet, and the ICV */
	if (sk_len < hdr + e->iv_len + 1 + icv)
		return -EINVAL;
	iv_off = sk_off + hdr;
	ct_off = iv_off + e->iv_len;
	ct_len = sk_len - hdr - e->iv_len - icv;
	if (ct_len % e->block_len)
		return -EINVAL;

	if (e->aead) {
		err = ike_aead_open(e, k->sk_e[dir], msg + iv_off, msg, iv_off,
				    msg + ct_off, ct_len, msg + ct_off + ct_len);
		if (err)
			goto out;
	} else {
		/* §3.14: verify the ICV before decrypting */
		err = ike_integ_icv(k->integ, k->sk_a[dir], msg, msg_len - icv,
				    calc);
		if (err)
			goto out;
		if (CRYPTO_memcmp(calc, msg + msg_len - icv, icv)) {
			err = -EBADMSG;
			goto out;
		}
		err = cbc_crypt(e, k->sk_e[dir], msg + iv_off, msg + ct_off,
				ct_len, 0);
		if (err)
			goto out;
	}

	/* §3.14: the receiver accepts any Pad Length that fits; the
	 * padding's content is not checked */
	pad = msg[ct_off + ct_len - 1];
	if (pad + 1 > ct_len) {
		OPENSSL_cleanse(msg + ct_off, ct_len);
		err = -EBADMSG;
		goto out;
	}
	*inner_off = ct_off;
	*inner_len = ct_len - pad - 1;
out:
	OPENSSL_cleanse(calc, sizeof(calc));
	return err;
}

int ike_sk_decrypt(const struct ike_keys *k, enum ike_dir dir, uint8_t *msg,
		   size_t msg_len, size_t sk_off, size_t *inner_off,
		   size_t *inner_len)
{
	return sk_decrypt(k, dir, msg, msg_len, sk_off, IKE_PLD_HDR_LEN,
			  inner_off, inner_len);
}

int ike_skf_decrypt(const struct ike_keys *k, enum ike_dir dir, uint8_t *msg,
		    size_t msg_len, size_t skf_off, size_t *inner_off,
		    size_t *inner_len)
{
	return sk_decrypt(k, dir, msg, msg_len, skf_off, IKE_SKF_HDR_LEN,
			  inner_off, inner_len);
}

int ike_auth_maced_id(const struct ike_keys *k, enum ike_dir signer,
		      const uint8_t *id_body, size_t id_len, uint8_t *out)
{
	if (!k || !k->prf || !id_body || !out ||
	    (signer != IKE_DIR_I2R && signer != IKE_DIR_R2I))
		return -EINVAL;
	/* §2.15: MACedIDForI = prf(SK_pi, RestOfInitIDPayload), and the
	 * same with SK_pr for the responder */
	return ike_prf(k->prf, k->sk_p[signer], k->prf->out_len, id_body,
		       id_len, out);
}

size_t ike_auth_octets_len(const struct ike_keys *k, size_t real_len,
			   size_t nonce_len)
{
	if (!k || !k->prf)
		return 0;
	return real_len + nonce_len + k->prf->out_len;
}

int ike_auth_signed_octets(const struct ike_keys *k, enum ike_dir signer,
			   const uint8_t *real_msg, size_t real_len,
			   const uint8_t *peer_nonce, size_t nonce_len,
			   const uint8_t *id_body, size_t id_len,
			   uint8_t *out, size_t cap, size_t *out_len)
{
	size_t need;
	int err;

	if (!k || !k->prf || !real_msg || !peer_nonce || !out || !out_len)
		return -EINVAL;
	need = ike_auth_octets_len(k, real_len, nonce_len);
	if (need < real_len || cap < need)
		return -ENOSPC;
	/* §2.15: RealMessage | Nonce(peer)Data | MACedID */
	memcpy(out, real_msg, real_len);
	memcpy(out + real_len, peer_nonce, nonce_len);
	err = ike_auth_maced_id(k, signer, id_body, id_len,
				out + real_len + nonce_len);
	if (err)
		return err;
	*out_len = need;
	return 0;
}

int ike_auth_psk(const struct ike_prf *prf, const uint8_t *psk,
		 size_t psk_len, const uint8_t *octets, size_t octets_len,
		 uint8_t *auth)
{
	uint8_t padded[IKE_PRF_MAX];
	int err;

	if (!prf || !psk || !psk_len || !octets || !auth)
		return -EINVAL;
	/* §2.15: AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"),
	 *                    <SignedOctets>) */
	err = ike_prf(prf, psk, psk_len, (const uint8_t *)key_pad,
		      sizeof(key_pad) - 1, padded);
	if (!err)
		err = ike_prf(prf, padded, prf->out_len, octets, octets_len,
			      auth);
	OPENSSL_cleanse(padded, sizeof(padded));
	return err;
}

int ike_auth_psk_verify(const struct ike_prf *prf, const uint8_t *psk,
			size_t psk_len, const uint8_t *octets,
			size_t octets_len, const uint8_t *auth,
			size_t auth_len)
{
	uint8_t calc[IKE_PRF_MAX];
	int err;

	if (!prf || !auth)
		return -EINVAL;
	if (auth_len != prf->out_len)
		return -EBADMSG;
	err = ike_auth_psk(prf, psk, psk_len, octets, octets_len, calc);
	if (!err && CRYPTO_memcmp(calc, auth, auth_len))
		err = -EBADMSG;
	OPENSSL_cleanse(calc, sizeof(calc));
	return err;
}

/* Address (and port) bytes of a sockaddr_in / sockaddr_in6. */
static int sockaddr_bytes(const struct sockaddr *sa, struct ike_chunk *ip,
			  struct ike_chunk *port)
{
	if (!sa)
		return -EINVAL;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		*ip = (struct ike_chunk){ &sin->sin_addr, 4 };
		*port = (struct ike_chunk){ &sin->sin_port, 2 };
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		*ip = (struct ike_chunk){ &sin6->sin6_addr, 16 };
		*port = (struct ike_chunk){ &sin6->sin6_port, 2 };
		return 0;
	}
	return -EAFNOSUPPORT;
}

int ike_natd_hash(const uint8_t spi_i[8], const uint8_t spi_r[8],
		  const struct sockaddr *addr, uint8_t out[IKE_NATD_HASH_LEN])
{
	struct ike_chunk v[4];
	int err;

	if (!spi_i || !spi_r || !out)
		return -EINVAL;
	err = sockaddr_bytes(addr, &v[2], &v[3]);
	if (err)
		return err;
	/* §2.23: SHA-1(SPIi | SPIr | IP | Port), network byte order */
	v[0] = (struct ike_chunk){ spi_i, 8 };
	v[1] = (struct ike_chunk){ spi_r, 8 };
	return digest("SHA1", v, 4, out, IKE_NATD_HASH_LEN);
}

int ike_cookie_init(struct ike_cookie_secret *cs)
{
	int err;

	if (!cs)
		return -EINVAL;
	ike_cookie_wipe(cs);
	err = ike_random(cs->secret[0], IKE_COOKIE_SECRET_LEN);
	if (!err)
		err = ike_random(&cs->version[0], 1);
	if (err) {
		ike_cookie_wipe(cs);
		return err;
	}
	cs->valid[0] = true;
	cs->cur = 0;
	return 0;
}

int ike_cookie_rotate(struct ike_cookie_secret *cs)
{
	unsigned int next;
	int err;

	if (!cs || cs->cur > 1 || !cs->valid[cs->cur])
		return -EINVAL;
	/* the previous secret is dropped, the current one becomes it */
	next = cs->cur ^ 1;
	err = ike_random(cs->secret[next], IKE_COOKIE_SECRET_LEN);
	if (err)
		return err;
	cs->version[next] = (uint8_t)(cs->version[cs->cur] + 1);
	cs->valid[next] = true;
	cs->cur = next;
	return 0;
}

void ike_cookie_wipe(struct ike_cookie_secret *cs)
{
	if (cs)
		OPENSSL_cleanse(cs, sizeof(*cs));
}

static int cookie_hash(const struct ike_cookie_secret *cs, unsigned int idx,
		       const uint8_t *ni, size_t ni_len,
		       const struct sockaddr *ipi, const uint8_t spi_i[8],
		       uint8_t out[IKE_COOKIE_LEN])
{
	struct ike_chunk v[4], port;
	int err;

	if (!ni || !spi_i)
		return -EINVAL;
	err = sockaddr_bytes(ipi, &v[1], &port);
	if (err)
		return err;
	/* §2.6: <VersionIDofSecret> | Hash(Ni | IPi | SPIi | <secret>) */
	v[0] = (struct ike_chunk){ ni, ni_len };
	v[2] = (struct ike_chunk){ spi_i, 8 };
	v[3] = (struct ike_chunk){ cs->secret[idx], IKE_COOKIE_SECRET_LEN };
	out[0] = cs->version[idx];
	return digest("SHA256", v, 4, out + 1, IKE_COOKIE_LEN - 1);
}

int ike_cookie_make(const struct ike_cookie_secret *cs, const uint8_t *ni,
		    size_t ni_len, const struct sockaddr *ipi,
		    const uint8_t spi_i[8], uint8_t out[IKE_COOKIE_LEN])
{
	if (!cs || !out || cs->cur > 1 || !cs->valid[cs->cur])
		return -EINVAL;
	return cookie_hash(cs, cs->cur, ni, ni_len, ipi, spi_i, out);
}

int ike_cookie_check(const struct ike_cookie_secret *cs,
		     const uint8_t *cookie, size_t len, const uint8_t *ni,
		     size_t ni_len, const struct sockaddr *ipi,
		     const uint8_t spi_i[8])
{
	uint8_t calc[IKE_COOKIE_LEN];
	int err = -EBADMSG;

	if (!cs || !cookie)
		return -EINVAL;
	if (len != IKE_COOKIE_LEN)
		return -EBADMSG;
	for (unsigned int i = 0; i < 2; i++) {
		if (!cs->valid[i] || cs->version[i] != cookie[0])
			continue;
		err = cookie_hash(cs, i, ni, ni_len, ipi, spi_i, calc);
		if (!err && CRYPTO_memcmp(calc, cookie, IKE_COOKIE_LEN))
			err = -EBADMSG;
		break;
	}
	OPENSSL_cleanse(calc, sizeof(calc));
	return err;
}
