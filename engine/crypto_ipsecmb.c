// SPDX-License-Identifier: GPL-2.0-only
/*
 * Intel multi-buffer IPsec library backend: the per-packet fast path on
 * x86-64. A manager is not thread-safe, so each thread gets its own,
 * created on first use and freed at thread exit. Key schedules live per SA.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <intel-ipsec-mb.h>
#include <openssl/crypto.h>

#include "crypto.h"
#include "keymem.h"

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
	/* GCM: the direct-API functions of the best code path, resolved
	 * once. They keep no state in the manager, so any thread may call
	 * them. */
	aes_gcm_enc_dec_t gcm_enc;
	aes_gcm_enc_dec_t gcm_dec;
};

/*
 * Each thread has two managers: the best code path the CPU runs (AVX-512
 * here) for AEAD, and an SSE one for AES-CBC and HMAC-SHA-256. The wide
 * managers run those as multi-lane jobs, and a single packet pays for a
 * flush of every lane; SSE hashes with SHA-NI one or two lanes at a time.
 */
enum mgr_kind { MGR_BEST, MGR_SSE, MGR_KINDS };

static pthread_key_t mgr_keys[MGR_KINDS];
static pthread_once_t mgr_once = PTHREAD_ONCE_INIT;
static __thread IMB_MGR *tl_mgr[MGR_KINDS];

static void mgr_free(void *m)
{
	free_mb_mgr(m);
}

static void mgr_keys_init(void)
{
	for (unsigned int i = 0; i < MGR_KINDS; i++)
		pthread_key_create(&mgr_keys[i], mgr_free);
}

static IMB_MGR *mgr_new(enum mgr_kind kind)
{
	IMB_MGR *m = alloc_mb_mgr(0);
	IMB_ARCH arch = IMB_ARCH_SSE;

	if (!m)
		return NULL;
	if (kind == MGR_BEST)
		init_mb_mgr_auto(m, &arch);
	else if ((m->features & IMB_CPUFLAGS_SSE) == IMB_CPUFLAGS_SSE)
		init_mb_mgr_sse(m);
	else
		arch = IMB_ARCH_NONE;
	if (imb_get_errno(m) || arch == IMB_ARCH_NONE || arch == IMB_ARCH_NOAESNI) {
		free_mb_mgr(m);
		return NULL;
	}
	return m;
}

static IMB_MGR *mgr_get_kind(enum mgr_kind kind)
{
	IMB_MGR *m = tl_mgr[kind];

	if (m)
		return m;
	pthread_once(&mgr_once, mgr_keys_init);
	m = mgr_new(kind);
	if (!m)
		return NULL;
	tl_mgr[kind] = m;
	pthread_setspecific(mgr_keys[kind], m);
	return m;
}

static IMB_MGR *mgr_get(void)
{
	return mgr_get_kind(MGR_BEST);
}

static IMB_MGR *mgr_get_sse(void)
{
	return mgr_get_kind(MGR_SSE);
}

static int imb_probe(void)
{
	return mgr_get() && mgr_get_sse() ? 0 : -ENOTSUP;
}

static void imb_teardown(struct xs_cipher *c)
{
	struct imb_priv *p = c->priv;

	if (!p)
		return;
	xs_keymem_free(p);
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
	p = xs_keymem_alloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	memset(p, 0, sizeof(*p));
	c->priv = p;
	switch (c->suite) {
	case XS_SUITE_AES128GCM16:
		if (ekey_len != 16 + XS_SALT_LEN)
			goto inval;
		IMB_AES128_GCM_PRE(m, ekey, &p->k.gcm);
		p->gcm_enc = m->gcm128_enc;
		p->gcm_dec = m->gcm128_dec;
		break;
	case XS_SUITE_AES256GCM16:
		if (ekey_len != 32 + XS_SALT_LEN)
			goto inval;
		IMB_AES256_GCM_PRE(m, ekey, &p->k.gcm);
		p->gcm_enc = m->gcm256_enc;
		p->gcm_dec = m->gcm256_dec;
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

/*
 * Submits one job and waits for it: the engine is synchronous per packet.
 * Every job is built here from lengths the engine has validated (whole
 * blocks for CBC, a nonzero AEAD payload, 16-byte tags), so the library's
 * per-job argument check, a tenth of a small ChaCha20-Poly1305 job, is
 * skipped.
 */
static int run_job(IMB_MGR *m)
{
	IMB_JOB *job = IMB_SUBMIT_JOB_NOCHECK(m);

	while (!job)
		job = IMB_FLUSH_JOB(m);
	return job->status == IMB_STATUS_COMPLETED ? 0 : -EIO;
}

/* ChaCha20-Poly1305 (RFC 7634) as one job: far cheaper per packet than
 * the init/update/finalize calls. */
static int chacha_job(struct imb_priv *p, IMB_CIPHER_DIRECTION dir,
		      const uint8_t *nonce, const uint8_t *aad, size_t aad_len,
		      uint8_t *data, size_t len, uint8_t *tag)
{
	IMB_MGR *m = mgr_get();
	IMB_JOB *job = IMB_GET_NEXT_JOB(m);

	job->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
	job->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
	job->cipher_direction = dir;
	job->chain_order = dir == IMB_DIR_ENCRYPT ? IMB_ORDER_CIPHER_HASH
						  : IMB_ORDER_HASH_CIPHER;
	job->enc_keys = p->k.chacha;
	job->dec_keys = p->k.chacha;
	job->key_len_in_bytes = sizeof(p->k.chacha);
	job->src = data;
	job->dst = data;
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = len;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = len;
	job->iv = nonce;
	job->iv_len_in_bytes = 12;
	job->u.CHACHA20_POLY1305.aad = aad;
	job->u.CHACHA20_POLY1305.aad_len_in_bytes = aad_len;
	job->auth_tag_output = tag;
	job->auth_tag_output_len_in_bytes = XS_ICV_LEN;
	return run_job(m);
}

/*
 * GCM through the direct API with the per-SA key schedule (RFC 4106).
 * The library reports errors only for NULL pointers and out-of-range
 * lengths, which the engine never passes, so errno is not consulted.
 */
static int imb_aead_seal(struct xs_cipher *c, const uint8_t *nonce,
			 const uint8_t *aad, size_t aad_len, uint8_t *data,
			 size_t len, uint8_t *tag)
{
	struct imb_priv *p = c->priv;

	if (p->gcm_enc) {
		struct gcm_context_data ctx;

		p->gcm_enc(&p->k.gcm, &ctx, data, data, len, nonce, aad, aad_len,
			   tag, XS_ICV_LEN);
		return 0;
	}
	if (c->suite == XS_SUITE_CHACHA20POLY1305)
		return chacha_job(p, IMB_DIR_ENCRYPT, nonce, aad, aad_len, data,
				  len, tag);
	return -EINVAL;
}

static int imb_aead_open(struct xs_cipher *c, const uint8_t *nonce,
			 const uint8_t *aad, size_t aad_len, uint8_t *data,
			 size_t len, const uint8_t *tag)
{
	struct imb_priv *p = c->priv;
	uint8_t calc[XS_ICV_LEN];

	if (p->gcm_dec) {
		struct gcm_context_data ctx;

		p->gcm_dec(&p->k.gcm, &ctx, data, data, len, nonce, aad, aad_len,
			   calc, XS_ICV_LEN);
	} else if (c->suite == XS_SUITE_CHACHA20POLY1305) {
		if (chacha_job(p, IMB_DIR_DECRYPT, nonce, aad, aad_len, data, len,
			       calc))
			return -EIO;
	} else {
		return -EINVAL;
	}
	return xs_icv_differ(calc, tag) ? -EBADMSG : 0;
}

static int imb_cbc(struct xs_cipher *c, const uint8_t *iv, uint8_t *data,
		   size_t len, IMB_CIPHER_DIRECTION dir)
{
	struct imb_priv *p = c->priv;
	IMB_MGR *m = mgr_get_sse();
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
	IMB_MGR *m = mgr_get_sse();
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

/* AES-CBC then HMAC-SHA-256-128 over header, IV and ciphertext as one
 * chained job (RFC 4303 §3.3.2); the NULL cipher hashes only. */
static int imb_etm_seal(struct xs_cipher *c, uint8_t *esp, size_t iv_len,
			size_t ct_len, size_t mac_len, uint8_t *icv)
{
	struct imb_priv *p = c->priv;
	IMB_MGR *m = mgr_get_sse();
	IMB_JOB *job = IMB_GET_NEXT_JOB(m);
	uint8_t tag[XS_ICV_LEN];
	int ret;

	job->cipher_mode = iv_len ? IMB_CIPHER_CBC : IMB_CIPHER_NULL;
	job->cipher_direction = IMB_DIR_ENCRYPT;
	job->chain_order = IMB_ORDER_CIPHER_HASH;
	job->hash_alg = IMB_AUTH_HMAC_SHA_256;
	job->enc_keys = p->k.cbc.enc;
	job->dec_keys = p->k.cbc.dec;
	job->key_len_in_bytes = p->aes_key_len;
	job->src = esp;
	job->dst = esp + XS_ESP_HDR_LEN + iv_len;
	job->cipher_start_src_offset_in_bytes = XS_ESP_HDR_LEN + iv_len;
	job->msg_len_to_cipher_in_bytes = iv_len ? ct_len : 0;
	job->iv = esp + XS_ESP_HDR_LEN;
	job->iv_len_in_bytes = iv_len;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = mac_len;
	job->u.HMAC._hashed_auth_key_xor_ipad = p->ipad;
	job->u.HMAC._hashed_auth_key_xor_opad = p->opad;
	/* The hashed bytes may run into icv (ESN): the tag goes aside. */
	job->auth_tag_output = tag;
	job->auth_tag_output_len_in_bytes = XS_ICV_LEN;
	ret = run_job(m);
	memcpy(icv, tag, XS_ICV_LEN);
	return ret;
}

/* ---- bursts -------------------------------------------------------------- */

/* The job of one ChaCha20-Poly1305 or encrypt-then-MAC op; the tag always
 * goes to op->calc (ETM: the hashed bytes may run into the ICV). */
static void burst_job_fill(IMB_JOB *job, struct xs_crypto_op *op)
{
	struct imb_priv *p = op->c->priv;
	const bool seal = op->kind == XS_OP_AEAD_SEAL || op->kind == XS_OP_ETM_SEAL;

	job->cipher_direction = seal ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	job->chain_order = seal ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	job->auth_tag_output = op->calc;
	job->auth_tag_output_len_in_bytes = XS_ICV_LEN;
	job->user_data = op;
	if (op->kind == XS_OP_AEAD_SEAL || op->kind == XS_OP_AEAD_OPEN) {
		job->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
		job->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
		job->enc_keys = p->k.chacha;
		job->dec_keys = p->k.chacha;
		job->key_len_in_bytes = sizeof(p->k.chacha);
		job->src = op->data;
		job->dst = op->data;
		job->cipher_start_src_offset_in_bytes = 0;
		job->msg_len_to_cipher_in_bytes = op->len;
		job->hash_start_src_offset_in_bytes = 0;
		job->msg_len_to_hash_in_bytes = op->len;
		job->iv = op->nonce;
		job->iv_len_in_bytes = 12;
		job->u.CHACHA20_POLY1305.aad = op->aad;
		job->u.CHACHA20_POLY1305.aad_len_in_bytes = op->aad_len;
		return;
	}
	/* RFC 4303 §3.3.2 / §3.4.4.1: AES-CBC (or no cipher) and
	 * HMAC-SHA-256 over header, IV and ciphertext, chained in one job. */
	job->cipher_mode = op->iv_len ? IMB_CIPHER_CBC : IMB_CIPHER_NULL;
	job->hash_alg = IMB_AUTH_HMAC_SHA_256;
	job->enc_keys = p->k.cbc.enc;
	job->dec_keys = p->k.cbc.dec;
	job->key_len_in_bytes = p->aes_key_len;
	job->src = op->esp;
	job->dst = op->data;
	job->cipher_start_src_offset_in_bytes = XS_ESP_HDR_LEN + op->iv_len;
	job->msg_len_to_cipher_in_bytes = op->iv_len ? op->len : 0;
	job->iv = op->esp + XS_ESP_HDR_LEN;
	job->iv_len_in_bytes = op->iv_len;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = op->mac_len;
	job->u.HMAC._hashed_auth_key_xor_ipad = p->ipad;
	job->u.HMAC._hashed_auth_key_xor_opad = p->opad;
}

static void burst_job_done(IMB_JOB *job)
{
	struct xs_crypto_op *op = job->user_data;

	if (job->status != IMB_STATUS_COMPLETED) {
		op->status = -EIO;
		return;
	}
	switch (op->kind) {
	case XS_OP_AEAD_SEAL:
		memcpy(op->tag, op->calc, XS_ICV_LEN);
		op->status = 0;
		break;
	case XS_OP_ETM_SEAL:
		memcpy(op->icv, op->calc, XS_ICV_LEN);
		op->status = 0;
		break;
	default:
		/* The job decrypted whatever it was given; a packet whose ICV
		 * differs is dropped with what it holds now. */
		op->status = xs_icv_differ(op->calc, op->tag) ? -EBADMSG : 0;
	}
}

/*
 * n jobs on manager m: taken together, submitted together, flushed once,
 * so the multi-lane code paths (AES-CBC encryption, SHA-256 with SHA-NI,
 * ChaCha20 on wide vectors) fill their lanes. Statuses of ops that never
 * completed stay -EIO (xs_crypto_burst set them).
 */
static void burst_jobs_run(IMB_MGR *m, struct xs_crypto_op **ops, unsigned int n)
{
	IMB_JOB *jobs[XS_BURST_MAX];
	unsigned int done = 0, got;

	if (!m || !n)
		return;
	got = IMB_GET_NEXT_BURST(m, n, jobs);
	/* The queue is empty between calls; refuse rather than guess. */
	if (got < n) {
		IMB_FLUSH_BURST(m, IMB_MAX_JOBS, jobs);
		return;
	}
	for (unsigned int i = 0; i < n; i++)
		burst_job_fill(jobs[i], ops[i]);
	got = IMB_SUBMIT_BURST_NOCHECK(m, n, jobs);
	for (unsigned int i = 0; i < got; i++)
		burst_job_done(jobs[i]);
	done = got;
	while (done < n) {
		got = IMB_FLUSH_BURST(m, n - done, jobs);
		if (!got)
			break;
		for (unsigned int i = 0; i < got; i++)
			burst_job_done(jobs[i]);
		done += got;
	}
}

/*
 * AES-GCM has no multi-buffer code path in this library version (its jobs
 * run one at a time as they are submitted), so GCM ops call the direct
 * API back to back, the cheapest way in. ChaCha20-Poly1305 jobs go to the
 * best manager, AES-CBC/HMAC jobs to the SSE one (mgr_kind).
 */
static int imb_burst(struct xs_crypto_op **ops, unsigned int n)
{
	struct xs_crypto_op *best[XS_BURST_MAX], *sse[XS_BURST_MAX];
	unsigned int nb = 0, ns = 0;

	if (n > XS_BURST_MAX)
		return -EIO;
	for (unsigned int i = 0; i < n; i++) {
		struct xs_crypto_op *op = ops[i];
		struct imb_priv *p = op->c->priv;

		if (op->kind == XS_OP_AEAD_SEAL && p->gcm_enc) {
			struct gcm_context_data ctx;

			p->gcm_enc(&p->k.gcm, &ctx, op->data, op->data, op->len,
				   op->nonce, op->aad, op->aad_len, op->tag, XS_ICV_LEN);
			op->status = 0;
		} else if (op->kind == XS_OP_AEAD_OPEN && p->gcm_dec) {
			struct gcm_context_data ctx;

			p->gcm_dec(&p->k.gcm, &ctx, op->data, op->data, op->len,
				   op->nonce, op->aad, op->aad_len, op->calc, XS_ICV_LEN);
			op->status = xs_icv_differ(op->calc, op->tag) ? -EBADMSG : 0;
		} else if (op->kind == XS_OP_AEAD_SEAL || op->kind == XS_OP_AEAD_OPEN) {
			best[nb++] = op;
		} else {
			sse[ns++] = op;
		}
	}
	burst_jobs_run(nb ? mgr_get() : NULL, best, nb);
	burst_jobs_run(ns ? mgr_get_sse() : NULL, sse, ns);
	return 0;
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
	.etm_seal = imb_etm_seal,
	.burst = imb_burst,
};
