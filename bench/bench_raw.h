// SPDX-License-Identifier: GPL-2.0-only
/*
 * Raw library baselines for the engine benchmark: the same cipher work the
 * engine asks of its backend, done by calling OpenSSL and intel-ipsec-mb
 * directly, each candidate checked against OpenSSL before it is timed.
 */
#ifndef XS_BENCH_RAW_H
#define XS_BENCH_RAW_H

/* The fastest OpenSSL HMAC-SHA-256 for one small message is the low-level
 * SHA256_* API on precomputed ipad/opad states (OpenSSL 3's EVP_MAC and
 * EVP_MD_CTX_copy_ex allocate per call); it is deprecated, not gone. This
 * header must come before any other OpenSSL include for that reason. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <errno.h>
#include <stdio.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#ifdef XS_HAVE_IPSECMB
#include <intel-ipsec-mb.h>
#endif

#include "bench_util.h"

#define SHA256_BLOCK 64u
#define SHA256_LEN 32u
#define AES_SCHED 240u          /* 15 round keys: enough for AES-256 */
#define SCREEN_S 0.03           /* per raw candidate and round, to pick */
#define SCREEN_ROUNDS 3u        /* the fastest */

/*
 * The bytes are laid out as the engine lays them out: ESP header, IV, then
 * the payload where the inner packet was (buf + XS_HEADROOM), the ICV after
 * the padded payload. AEAD: AAD is the 8-byte ESP header (RFC 4106 §5).
 * CBC: HMAC over ESP header + IV + ciphertext (RFC 4303 §3.3.2).
 */
struct raw {
	char name[32];
	const struct raw_impl *impl;
	unsigned int suite;
	uint32_t len, plen, iv_len;
	uint8_t *buf, *esp, *payload, *tag;
	const uint8_t *inner;
	/* Each in its own cache line: the libraries read the nonce with
	 * wide (AVX-512: masked) loads, which stall on any recent store to
	 * the same bytes, so the computed tag must not sit next to it. */
	uint8_t nonce[12] __attribute__((aligned(64))); /* salt || IV */
	uint8_t calc[SHA256_LEN] __attribute__((aligned(64)));
	EVP_CIPHER *cipher;
	EVP_CIPHER_CTX *enc, *dec;
	SHA256_CTX hin, hout;
#ifdef XS_HAVE_IPSECMB
	IMB_MGR *mgr;
	int checked;                            /* validated job submission */
	struct gcm_key_data gcm __attribute__((aligned(64)));
	uint8_t ks_enc[AES_SCHED] __attribute__((aligned(16)));
	uint8_t ks_dec[AES_SCHED] __attribute__((aligned(16)));
	uint8_t ipad[SHA256_LEN] __attribute__((aligned(16)));
	uint8_t opad[SHA256_LEN] __attribute__((aligned(16)));
	uint8_t chacha[32] __attribute__((aligned(16)));
#endif
};

struct raw_impl {
	const char *name;
	int (*setup)(struct raw *r);
	int (*seal)(struct raw *r);
	int (*open)(struct raw *r);
	iter_fn iter;           /* copy + seal + open, calls inlined */
};

static inline uint32_t suite_key_len(unsigned int suite)
{
	const struct xs_suite_info *si = xs_suite_info(suite);

	return si->aead ? si->enc_key_len - XS_SALT_LEN : si->enc_key_len;
}

static inline void raw_copy(struct raw *r)
{
	memcpy(r->payload, r->inner, r->len);
}

/* OpenSSL EVP: contexts keyed once, re-initialised with the IV only. */
static inline int ossl_setup(struct raw *r)
{
	static const char *const names[XS_SUITE_MAX] = {
		[XS_SUITE_AES128GCM16] = "AES-128-GCM",
		[XS_SUITE_AES256GCM16] = "AES-256-GCM",
		[XS_SUITE_CHACHA20POLY1305] = "ChaCha20-Poly1305",
		[XS_SUITE_AES128CBC_SHA256] = "AES-128-CBC",
		[XS_SUITE_AES256CBC_SHA256] = "AES-256-CBC",
	};
	uint8_t blk[SHA256_BLOCK];

	if (!names[r->suite])
		return -ENOTSUP;
	r->cipher = EVP_CIPHER_fetch(NULL, names[r->suite], NULL);
	r->enc = EVP_CIPHER_CTX_new();
	r->dec = EVP_CIPHER_CTX_new();
	if (!r->cipher || !r->enc || !r->dec ||
	    !EVP_EncryptInit_ex(r->enc, r->cipher, NULL, bench_ekey, NULL) ||
	    !EVP_DecryptInit_ex(r->dec, r->cipher, NULL, bench_ekey, NULL))
		return -EIO;
	if (xs_suite_info(r->suite)->aead)
		return 0;
	if (!EVP_CIPHER_CTX_set_padding(r->enc, 0) ||
	    !EVP_CIPHER_CTX_set_padding(r->dec, 0))
		return -EIO;
	/* RFC 2104 §2: hash states after K^ipad and K^opad. */
	memset(blk, 0x36, sizeof(blk));
	for (unsigned int i = 0; i < sizeof(bench_akey); i++)
		blk[i] ^= bench_akey[i];
	SHA256_Init(&r->hin);
	SHA256_Update(&r->hin, blk, sizeof(blk));
	memset(blk, 0x5c, sizeof(blk));
	for (unsigned int i = 0; i < sizeof(bench_akey); i++)
		blk[i] ^= bench_akey[i];
	SHA256_Init(&r->hout);
	SHA256_Update(&r->hout, blk, sizeof(blk));
	return 0;
}

static inline int ossl_aead_seal(struct raw *r)
{
	int n;

	if (!EVP_EncryptInit_ex(r->enc, NULL, NULL, NULL, r->nonce) ||
	    !EVP_EncryptUpdate(r->enc, NULL, &n, r->esp, XS_ESP_HDR_LEN) ||
	    !EVP_EncryptUpdate(r->enc, r->payload, &n, r->payload, (int)r->plen) ||
	    !EVP_EncryptFinal_ex(r->enc, r->payload + n, &n) ||
	    !EVP_CIPHER_CTX_ctrl(r->enc, EVP_CTRL_AEAD_GET_TAG, XS_ICV_LEN, r->tag))
		return -EIO;
	return 0;
}

static inline int ossl_aead_open(struct raw *r)
{
	int n;

	if (!EVP_DecryptInit_ex(r->dec, NULL, NULL, NULL, r->nonce) ||
	    !EVP_DecryptUpdate(r->dec, NULL, &n, r->esp, XS_ESP_HDR_LEN) ||
	    !EVP_DecryptUpdate(r->dec, r->payload, &n, r->payload, (int)r->plen) ||
	    !EVP_CIPHER_CTX_ctrl(r->dec, EVP_CTRL_AEAD_SET_TAG, XS_ICV_LEN, r->tag))
		return -EIO;
	return EVP_DecryptFinal_ex(r->dec, r->payload + n, &n) > 0 ? 0 : -EBADMSG;
}

static inline int ossl_aead_iter(void *arg)
{
	struct raw *r = arg;

	raw_copy(r);
	return ossl_aead_seal(r) | ossl_aead_open(r);
}

static inline void ossl_hmac(struct raw *r, const uint8_t *d, size_t len,
			     uint8_t *out)
{
	SHA256_CTX c = r->hin;

	SHA256_Update(&c, d, len);
	SHA256_Final(out, &c);
	c = r->hout;
	SHA256_Update(&c, out, SHA256_LEN);
	SHA256_Final(out, &c);
}

static inline int ossl_cbc(EVP_CIPHER_CTX *ctx, const uint8_t *iv,
			   uint8_t *d, uint32_t len)
{
	int n, f;

	if (!EVP_CipherInit_ex(ctx, NULL, NULL, NULL, iv, -1) ||
	    !EVP_CipherUpdate(ctx, d, &n, d, (int)len) ||
	    !EVP_CipherFinal_ex(ctx, d + n, &f) || (uint32_t)(n + f) != len)
		return -EIO;
	return 0;
}

static inline int ossl_cbc_seal(struct raw *r)
{
	if (ossl_cbc(r->enc, r->esp + XS_ESP_HDR_LEN, r->payload, r->plen))
		return -EIO;
	ossl_hmac(r, r->esp, XS_ESP_HDR_LEN + r->iv_len + r->plen, r->calc);
	memcpy(r->tag, r->calc, XS_ICV_LEN);
	return 0;
}

static inline int ossl_cbc_open(struct raw *r)
{
	ossl_hmac(r, r->esp, XS_ESP_HDR_LEN + r->iv_len + r->plen, r->calc);
	if (CRYPTO_memcmp(r->calc, r->tag, XS_ICV_LEN))
		return -EBADMSG;
	return ossl_cbc(r->dec, r->esp + XS_ESP_HDR_LEN, r->payload, r->plen);
}

static inline int ossl_cbc_iter(void *arg)
{
	struct raw *r = arg;

	raw_copy(r);
	return ossl_cbc_seal(r) | ossl_cbc_open(r);
}

static const struct raw_impl raw_ossl_aead = {
	"openssl", ossl_setup, ossl_aead_seal, ossl_aead_open, ossl_aead_iter,
};
static const struct raw_impl raw_ossl_cbc = {
	"openssl", ossl_setup, ossl_cbc_seal, ossl_cbc_open, ossl_cbc_iter,
};

#ifdef XS_HAVE_IPSECMB
/* One manager per architecture the CPU can run; the baseline takes the
 * fastest, whatever the engine's backend picked. */
struct imb_arch {
	const char *name;
	void (*init)(IMB_MGR *m);
	uint64_t need;
	IMB_MGR *mgr;
};

static struct imb_arch imb_archs[] = {
	{ "sse", init_mb_mgr_sse, IMB_CPUFLAGS_SSE, NULL },
	{ "avx", init_mb_mgr_avx, IMB_CPUFLAGS_AVX, NULL },
	{ "avx2", init_mb_mgr_avx2, IMB_CPUFLAGS_AVX2, NULL },
	{ "avx512", init_mb_mgr_avx512, IMB_CPUFLAGS_AVX512, NULL },
};

static inline void imb_archs_init(void)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(imb_archs); i++) {
		IMB_MGR *m = alloc_mb_mgr(0);

		if (!m)
			continue;
		if ((m->features & imb_archs[i].need) != imb_archs[i].need) {
			free_mb_mgr(m);
			continue;
		}
		imb_archs[i].init(m);
		if (imb_get_errno(m)) {
			free_mb_mgr(m);
			continue;
		}
		imb_archs[i].mgr = m;
	}
}

static inline void imb_archs_free(void)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(imb_archs); i++) {
		free_mb_mgr(imb_archs[i].mgr);
		imb_archs[i].mgr = NULL;
	}
}

static inline void imb_hmac_pads(struct raw *r)
{
	uint8_t blk[SHA256_BLOCK];

	memset(blk, 0x36, sizeof(blk));
	for (unsigned int i = 0; i < sizeof(bench_akey); i++)
		blk[i] ^= bench_akey[i];
	IMB_SHA256_ONE_BLOCK(r->mgr, blk, r->ipad);
	memset(blk, 0x5c, sizeof(blk));
	for (unsigned int i = 0; i < sizeof(bench_akey); i++)
		blk[i] ^= bench_akey[i];
	IMB_SHA256_ONE_BLOCK(r->mgr, blk, r->opad);
}

static inline int imb_setup(struct raw *r)
{
	IMB_MGR *m = r->mgr;

	switch (r->suite) {
	case XS_SUITE_AES128GCM16:
		IMB_AES128_GCM_PRE(m, bench_ekey, &r->gcm);
		break;
	case XS_SUITE_AES256GCM16:
		IMB_AES256_GCM_PRE(m, bench_ekey, &r->gcm);
		break;
	case XS_SUITE_CHACHA20POLY1305:
		if (!m->chacha20_poly1305_init)
			return -ENOTSUP;
		memcpy(r->chacha, bench_ekey, sizeof(r->chacha));
		break;
	case XS_SUITE_AES128CBC_SHA256:
		IMB_AES_KEYEXP_128(m, bench_ekey, r->ks_enc, r->ks_dec);
		imb_hmac_pads(r);
		break;
	case XS_SUITE_AES256CBC_SHA256:
		IMB_AES_KEYEXP_256(m, bench_ekey, r->ks_enc, r->ks_dec);
		imb_hmac_pads(r);
		break;
	default:
		return -ENOTSUP;
	}
	return imb_get_errno(m) ? -EIO : 0;
}

/* GCM, direct API with the precomputed key (RFC 4106). */
static inline int imb_gcm_seal(struct raw *r)
{
	struct gcm_context_data ctx;

	if (r->suite == XS_SUITE_AES128GCM16)
		IMB_AES128_GCM_ENC(r->mgr, &r->gcm, &ctx, r->payload, r->payload,
				   r->plen, r->nonce, r->esp, XS_ESP_HDR_LEN,
				   r->tag, XS_ICV_LEN);
	else
		IMB_AES256_GCM_ENC(r->mgr, &r->gcm, &ctx, r->payload, r->payload,
				   r->plen, r->nonce, r->esp, XS_ESP_HDR_LEN,
				   r->tag, XS_ICV_LEN);
	return 0;
}

static inline int imb_gcm_open(struct raw *r)
{
	struct gcm_context_data ctx;

	if (r->suite == XS_SUITE_AES128GCM16)
		IMB_AES128_GCM_DEC(r->mgr, &r->gcm, &ctx, r->payload, r->payload,
				   r->plen, r->nonce, r->esp, XS_ESP_HDR_LEN,
				   r->calc, XS_ICV_LEN);
	else
		IMB_AES256_GCM_DEC(r->mgr, &r->gcm, &ctx, r->payload, r->payload,
				   r->plen, r->nonce, r->esp, XS_ESP_HDR_LEN,
				   r->calc, XS_ICV_LEN);
	return CRYPTO_memcmp(r->calc, r->tag, XS_ICV_LEN) ? -EBADMSG : 0;
}

static inline int imb_gcm_iter(void *arg)
{
	struct raw *r = arg;

	raw_copy(r);
	return imb_gcm_seal(r) | imb_gcm_open(r);
}

/* ChaCha20-Poly1305, direct init/update/finalize API (RFC 7634). */
static inline int imb_chacha_seal(struct raw *r)
{
	struct chacha20_poly1305_context_data ctx;

	IMB_CHACHA20_POLY1305_INIT(r->mgr, r->chacha, &ctx, r->nonce, r->esp,
				   XS_ESP_HDR_LEN);
	IMB_CHACHA20_POLY1305_ENC_UPDATE(r->mgr, r->chacha, &ctx, r->payload,
					 r->payload, r->plen);
	IMB_CHACHA20_POLY1305_ENC_FINALIZE(r->mgr, &ctx, r->tag, XS_ICV_LEN);
	return 0;
}

static inline int imb_chacha_open(struct raw *r)
{
	struct chacha20_poly1305_context_data ctx;

	IMB_CHACHA20_POLY1305_INIT(r->mgr, r->chacha, &ctx, r->nonce, r->esp,
				   XS_ESP_HDR_LEN);
	IMB_CHACHA20_POLY1305_DEC_UPDATE(r->mgr, r->chacha, &ctx, r->payload,
					 r->payload, r->plen);
	IMB_CHACHA20_POLY1305_DEC_FINALIZE(r->mgr, &ctx, r->calc, XS_ICV_LEN);
	return CRYPTO_memcmp(r->calc, r->tag, XS_ICV_LEN) ? -EBADMSG : 0;
}

static inline int imb_chacha_iter(void *arg)
{
	struct raw *r = arg;

	raw_copy(r);
	return imb_chacha_seal(r) | imb_chacha_open(r);
}

/* Job API: submit one job and wait for it, as a per-packet caller must. */
static inline int imb_run(struct raw *r)
{
	IMB_JOB *job = r->checked ? IMB_SUBMIT_JOB(r->mgr)
				  : IMB_SUBMIT_JOB_NOCHECK(r->mgr);

	while (!job)
		job = IMB_FLUSH_JOB(r->mgr);
	return job->status == IMB_STATUS_COMPLETED ? 0 : -EIO;
}

static inline int imb_chacha_job(struct raw *r, IMB_CIPHER_DIRECTION dir,
				 uint8_t *tag)
{
	IMB_JOB *job = IMB_GET_NEXT_JOB(r->mgr);

	job->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
	job->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
	job->cipher_direction = dir;
	job->chain_order = dir == IMB_DIR_ENCRYPT ? IMB_ORDER_CIPHER_HASH
						  : IMB_ORDER_HASH_CIPHER;
	job->enc_keys = r->chacha;
	job->dec_keys = r->chacha;
	job->key_len_in_bytes = 32;
	job->src = r->payload;
	job->dst = r->payload;
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = r->plen;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = r->plen;
	job->iv = r->nonce;
	job->iv_len_in_bytes = sizeof(r->nonce);
	job->u.CHACHA20_POLY1305.aad = r->esp;
	job->u.CHACHA20_POLY1305.aad_len_in_bytes = XS_ESP_HDR_LEN;
	job->auth_tag_output = tag;
	job->auth_tag_output_len_in_bytes = XS_ICV_LEN;
	return imb_run(r);
}

static inline int imb_chacha_job_seal(struct raw *r)
{
	return imb_chacha_job(r, IMB_DIR_ENCRYPT, r->tag);
}

static inline int imb_chacha_job_open(struct raw *r)
{
	if (imb_chacha_job(r, IMB_DIR_DECRYPT, r->calc))
		return -EIO;
	return CRYPTO_memcmp(r->calc, r->tag, XS_ICV_LEN) ? -EBADMSG : 0;
}

static inline int imb_chacha_job_iter(void *arg)
{
	struct raw *r = arg;

	raw_copy(r);
	return imb_chacha_job_seal(r) | imb_chacha_job_open(r);
}

/* AES-CBC + HMAC-SHA-256-128 as one chained job each way: encrypt then
 * MAC over ESP header + IV + ciphertext; MAC then decrypt. */
static inline int imb_cbc_job(struct raw *r, IMB_CIPHER_DIRECTION dir,
			      uint8_t *tag)
{
	IMB_JOB *job = IMB_GET_NEXT_JOB(r->mgr);
	const uint32_t hdr = XS_ESP_HDR_LEN + r->iv_len;

	job->cipher_mode = IMB_CIPHER_CBC;
	job->hash_alg = IMB_AUTH_HMAC_SHA_256;
	job->cipher_direction = dir;
	job->chain_order = dir == IMB_DIR_ENCRYPT ? IMB_ORDER_CIPHER_HASH
						  : IMB_ORDER_HASH_CIPHER;
	job->enc_keys = r->ks_enc;
	job->dec_keys = r->ks_dec;
	job->key_len_in_bytes = suite_key_len(r->suite);
	job->src = r->esp;
	job->dst = r->payload;
	job->cipher_start_src_offset_in_bytes = hdr;
	job->msg_len_to_cipher_in_bytes = r->plen;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = hdr + r->plen;
	job->iv = r->esp + XS_ESP_HDR_LEN;
	job->iv_len_in_bytes = r->iv_len;
	job->u.HMAC._hashed_auth_key_xor_ipad = r->ipad;
	job->u.HMAC._hashed_auth_key_xor_opad = r->opad;
	job->auth_tag_output = tag;
	job->auth_tag_output_len_in_bytes = XS_ICV_LEN;
	return imb_run(r);
}

static inline int imb_cbc_seal(struct raw *r)
{
	return imb_cbc_job(r, IMB_DIR_ENCRYPT, r->tag);
}

static inline int imb_cbc_open(struct raw *r)
{
	if (imb_cbc_job(r, IMB_DIR_DECRYPT, r->calc))
		return -EIO;
	/* The job decrypted already; a real receiver would verify first
	 * (the work is the same, the order only matters for the result). */
	return CRYPTO_memcmp(r->calc, r->tag, XS_ICV_LEN) ? -EBADMSG : 0;
}

static inline int imb_cbc_iter(void *arg)
{
	struct raw *r = arg;

	raw_copy(r);
	return imb_cbc_seal(r) | imb_cbc_open(r);
}

static const struct raw_impl raw_imb_gcm = {
	"direct", imb_setup, imb_gcm_seal, imb_gcm_open, imb_gcm_iter,
};
static const struct raw_impl raw_imb_chacha = {
	"direct", imb_setup, imb_chacha_seal, imb_chacha_open, imb_chacha_iter,
};
static const struct raw_impl raw_imb_chacha_job = {
	"job", imb_setup, imb_chacha_job_seal, imb_chacha_job_open,
	imb_chacha_job_iter,
};
static const struct raw_impl raw_imb_cbc = {
	"job", imb_setup, imb_cbc_seal, imb_cbc_open, imb_cbc_iter,
};
#endif /* XS_HAVE_IPSECMB */

static inline void raw_free(struct raw *r)
{
	if (!r)
		return;
	EVP_CIPHER_CTX_free(r->enc);
	EVP_CIPHER_CTX_free(r->dec);
	EVP_CIPHER_free(r->cipher);
	free(r->buf);
	OPENSSL_cleanse(r, sizeof(*r));
	free(r);
}

/* A raw candidate for suite on len-byte inner packets; mgr is the
 * ipsecmb manager (NULL for OpenSSL). Returns NULL if it cannot run. */
static inline struct raw *raw_new(const struct raw_impl *impl, void *mgr,
			   const char *arch, unsigned int suite,
			   const uint8_t *inner, uint32_t len)
{
	const struct xs_suite_info *si = xs_suite_info(suite);
	struct raw *r = aligned_alloc(64, (sizeof(*r) + 63) & ~(size_t)63);

	if (!r)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->impl = impl;
	r->suite = suite;
	r->len = len;
	r->plen = esp_plen(suite, len);
	r->iv_len = si->iv_len;
	r->inner = inner;
	r->buf = buf_new();
	if (!r->buf)
		goto fail;
	r->payload = r->buf + XS_HEADROOM;
	r->esp = r->payload - XS_ESP_HDR_LEN - r->iv_len;
	r->tag = r->payload + r->plen;
	/* ESP header: SPI, sequence number 1; IV: sequence number (AEAD) or
	 * a fixed 16-byte pattern (CBC). */
	r->esp[2] = TEST_SPI >> 8;
	r->esp[7] = 1;
	for (unsigned int i = 0; i < r->iv_len; i++)
		r->esp[XS_ESP_HDR_LEN + i] = si->aead ? (i == 7) : (uint8_t)(0xc0 + i);
	if (si->aead) {
		memcpy(r->nonce, bench_ekey + si->enc_key_len - XS_SALT_LEN,
		       XS_SALT_LEN);
		memcpy(r->nonce + XS_SALT_LEN, r->esp + XS_ESP_HDR_LEN, 8);
	}
#ifdef XS_HAVE_IPSECMB
	r->mgr = mgr;
#else
	(void)mgr;
#endif
	snprintf(r->name, sizeof(r->name), "%s%s%s%s%s",
		 mgr ? "ipsecmb" : "openssl", arch ? "-" : "", arch ? arch : "",
		 impl->name[0] == 'j' ? "-" : "", impl->name[0] == 'j' ? "job" : "");
	if (impl->setup(r))
		goto fail;
	return r;
fail:
	raw_free(r);
	return NULL;
}

/* The ESP trailer as RFC 4303 §2.4 builds it: pad bytes 1, 2, 3, ...,
 * pad length, next header 4 (IPv4 inner). The timed loops leave it alone:
 * its value does not change the cost. */
static inline void raw_trailer(struct raw *r)
{
	const uint32_t pad = r->plen - r->len - XS_ESP_TRAILER_LEN;

	for (uint32_t i = 0; i < pad; i++)
		r->payload[r->len + i] = (uint8_t)(i + 1);
	r->payload[r->plen - 2] = (uint8_t)pad;
	r->payload[r->plen - 1] = IPPROTO_IPIP;
}

/* Seals the inner packet once; out receives ESP header .. ICV. */
static inline int raw_seal_once(struct raw *r, uint8_t *out, uint32_t *out_len)
{
	int ret;

	raw_copy(r);
	raw_trailer(r);
	ret = r->impl->seal(r);
	*out_len = XS_ESP_HDR_LEN + r->iv_len + r->plen + XS_ICV_LEN;
	memcpy(out, r->esp, *out_len);
	return ret;
}

/*
 * Checks a candidate against OpenSSL on the same bytes (ciphertext and ICV
 * must match), then that it opens its own output. A baseline that does not
 * do the work would make every ratio meaningless.
 */
static inline int raw_verify(struct raw *r, struct raw *ref)
{
	uint8_t a[BUF_SIZE], b[BUF_SIZE];
	uint32_t la, lb;
	int ret;

#ifdef XS_HAVE_IPSECMB
	r->checked = 1;
#endif
	ret = raw_seal_once(ref, a, &la) || raw_seal_once(r, b, &lb) ||
	      la != lb || memcmp(a, b, la) || r->impl->open(r) ||
	      memcmp(r->payload, r->inner, r->len);
#ifdef XS_HAVE_IPSECMB
	r->checked = 0;
#endif
	return ret ? -EIO : 0;
}

/* Builds every raw candidate for suite and keeps the fastest one. */
static inline struct raw *raw_pick(unsigned int suite, const uint8_t *inner,
			    uint32_t len, int verbose)
{
	struct raw *c[16];
	unsigned int n = 0, best = 0;
	double ns[16];
	const struct raw_impl *ossl = xs_suite_info(suite)->aead ? &raw_ossl_aead
								 : &raw_ossl_cbc;

	c[n] = raw_new(ossl, NULL, NULL, suite, inner, len);
	if (!c[n])
		return NULL;
	n++;
#ifdef XS_HAVE_IPSECMB
	for (unsigned int i = 0; i < ARRAY_SIZE(imb_archs); i++) {
		const struct raw_impl *impls[2] = { NULL, NULL };

		if (!imb_archs[i].mgr)
			continue;
		switch (suite) {
		case XS_SUITE_AES128GCM16:
		case XS_SUITE_AES256GCM16:
			impls[0] = &raw_imb_gcm;
			break;
		case XS_SUITE_CHACHA20POLY1305:
			impls[0] = &raw_imb_chacha;
			impls[1] = &raw_imb_chacha_job;
			break;
		default:
			impls[0] = &raw_imb_cbc;
			break;
		}
		for (unsigned int j = 0; j < 2 && impls[j]; j++) {
			struct raw *r = raw_new(impls[j], imb_archs[i].mgr,
						imb_archs[i].name, suite, inner, len);

			if (!r)
				continue;
			if (raw_verify(r, c[0])) {
				printf("# warning: raw %s disagrees with OpenSSL on %s, skipped\n",
				       r->name, xs_suite_info(suite)->name);
				raw_free(r);
				continue;
			}
			c[n++] = r;
		}
	}
#endif
	/* Interleaved rounds: candidates within a few ns of each other (avx2
	 * and avx512 GCM on small packets) need more than one look. */
	for (unsigned int i = 0; i < n; i++) {
		run_for(c[i]->impl->iter, c[i], WARMUP_S / 2, NULL);
		ns[i] = NAN;
	}
	for (unsigned int round = 0; round < SCREEN_ROUNDS; round++)
		for (unsigned int i = 0; i < n; i++)
			ns[i] = min_ns(ns[i], run_for(c[i]->impl->iter, c[i],
						      SCREEN_S, NULL));
	for (unsigned int i = 0; i < n; i++)
		if (!isnan(ns[i]) && (isnan(ns[best]) || ns[i] < ns[best]))
			best = i;
	if (verbose) {
		printf("# raw candidates %s %uB:", xs_suite_info(suite)->name, len);
		for (unsigned int i = 0; i < n; i++)
			printf(" %s=%.1f", c[i]->name, ns[i]);
		printf(" -> %s\n", c[best]->name);
	}
	for (unsigned int i = 0; i < n; i++)
		if (i != best)
			raw_free(c[i]);
	return c[best];
}

#endif
