/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one small interface every per-packet cipher goes through. Two
 * backends implement it: Intel's multi-buffer IPsec library (fast path on
 * x86-64) and OpenSSL EVP (portable fallback and reference).
 *
 * All operations work in place on contiguous bytes and return 0 or -errno;
 * aead_open returns -EBADMSG when the tag does not verify.
 */
#ifndef XS_CRYPTO_H
#define XS_CRYPTO_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "limits.h"

enum xs_suite {
	XS_SUITE_AES128GCM16 = 0,   /* RFC 4106, 8-byte IV, 16-byte ICV */
	XS_SUITE_AES256GCM16,
	XS_SUITE_CHACHA20POLY1305,  /* RFC 7634 */
	XS_SUITE_AES128CBC_SHA256,  /* RFC 3602 + RFC 4868 HMAC-SHA-256-128 */
	XS_SUITE_AES256CBC_SHA256,
	XS_SUITE_NULL_SHA256,       /* RFC 2410 + RFC 4868 (ESP) */
	XS_SUITE_SHA256,            /* AH: HMAC-SHA-256-128, RFC 4868 */
	XS_SUITE_MAX
};

enum xs_backend_id {
	XS_BACKEND_AUTO = 0,
	XS_BACKEND_OPENSSL,
	XS_BACKEND_IPSECMB,
	XS_BACKEND_MAX
};

struct xs_suite_info {
	const char *name;       /* ip-xfrm-like name, e.g. "aes128gcm16" */
	uint8_t aead;           /* 1: AEAD (enc_key includes salt) */
	uint8_t enc_key_len;    /* bytes, including salt for AEAD */
	uint8_t auth_key_len;   /* bytes; 0 for AEAD */
	uint8_t iv_len;         /* explicit IV on the wire */
	uint8_t block;          /* cipher block for padding; 4 for stream;
				 * a power of two */
	uint8_t esp;            /* usable with ESP */
	uint8_t ah;             /* usable with AH */
};

const struct xs_suite_info *xs_suite_info(unsigned int suite);
/* Looks a suite up by name; returns XS_SUITE_MAX if unknown. */
unsigned int xs_suite_by_name(const char *name);

/*
 * One packet's cipher work, as the engine hands it to a backend: alone
 * (xs_crypto_op_run) or with the rest of a burst (xs_crypto_burst).
 */
enum xs_op_kind {
	XS_OP_AEAD_SEAL,   /* encrypt data, write the tag */
	XS_OP_AEAD_OPEN,   /* decrypt data, check the tag */
	XS_OP_ETM_SEAL,    /* encrypt, then MAC, RFC 4303 §3.3.2 */
	XS_OP_ETM_OPEN,    /* check the MAC, then decrypt, §3.4.4.1 */
};

struct xs_crypto_op {
	struct xs_cipher *c;
	uint8_t kind;           /* enum xs_op_kind */
	int status;             /* out: 0, -EBADMSG (ICV differs) or -EIO */
	/* AEAD: nonce is salt||iv (12 bytes); len bytes at data; tag is
	 * where the tag goes (seal) or the received one (open). */
	const uint8_t *nonce;
	const uint8_t *aad;
	uint32_t aad_len;
	uint32_t len;
	uint8_t *data;
	uint8_t *tag;
	/*
	 * ETM: the ESP header at esp, then iv_len bytes of IV (0: no
	 * cipher), then len bytes of ciphertext at data. The MAC covers
	 * mac_len bytes from esp, which may run past the ciphertext (ESN
	 * high bits written where the ICV goes: so the received ICV is at
	 * tag, a copy kept aside). Seal writes XS_ICV_LEN bytes to icv.
	 */
	uint8_t *esp;
	uint32_t iv_len;
	uint32_t mac_len;
	uint8_t *icv;
	uint8_t calc[XS_ICV_LEN] __attribute__((aligned(16))); /* scratch */
};

/* Per-SA, per-backend state. Opaque to everything but the backends. */
struct xs_cipher {
	const struct xs_backend *be;
	unsigned int suite;
	uint8_t salt[XS_SALT_LEN];
	void *priv;             /* backend-owned, allocated at setup */
};

struct xs_backend {
	const char *name;
	/* 0 if the backend can run here (CPU features, library present). */
	int (*probe)(void);
	int (*setup)(struct xs_cipher *c, const uint8_t *ekey, size_t ekey_len,
		     const uint8_t *akey, size_t akey_len);
	void (*teardown)(struct xs_cipher *c);
	/* AEAD: nonce is salt||iv (12 bytes), tag is XS_ICV_LEN bytes. */
	int (*aead_seal)(struct xs_cipher *c, const uint8_t *nonce,
			 const uint8_t *aad, size_t aad_len, uint8_t *data,
			 size_t len, uint8_t *tag);
	int (*aead_open)(struct xs_cipher *c, const uint8_t *nonce,
			 const uint8_t *aad, size_t aad_len, uint8_t *data,
			 size_t len, const uint8_t *tag);
	/* AES-CBC; len is a multiple of 16. */
	int (*cbc_encrypt)(struct xs_cipher *c, const uint8_t *iv,
			   uint8_t *data, size_t len);
	int (*cbc_decrypt)(struct xs_cipher *c, const uint8_t *iv,
			   uint8_t *data, size_t len);
	/* HMAC-SHA-256 over data, full 32-byte output. */
	int (*hmac)(struct xs_cipher *c, const uint8_t *data, size_t len,
		    uint8_t *out);
	/*
	 * Optional (NULL: cbc_encrypt, then hmac): encrypt-then-MAC in one
	 * call, RFC 4303 §3.3.2. esp holds the ESP header, iv_len bytes of IV
	 * (0: no cipher) and ct_len bytes to encrypt in place; the MAC covers
	 * mac_len bytes from esp, which may run into icv (ESN high bits).
	 * Writes the first XS_ICV_LEN bytes of HMAC-SHA-256 to icv.
	 */
	int (*etm_seal)(struct xs_cipher *c, uint8_t *esp, size_t iv_len,
			size_t ct_len, size_t mac_len, uint8_t *icv);
	/*
	 * Optional (NULL: the ops one at a time, xs_crypto_op_run): n ops
	 * (at most XS_BURST_MAX), of any kinds and SAs of this backend, in
	 * one go. The caller has set every status to -EIO; the backend sets
	 * each op it ran. Returns 0, or -EIO if it ran none.
	 */
	int (*burst)(struct xs_crypto_op **ops, unsigned int n);
};


/*
 * Compares two XS_ICV_LEN-byte ICVs in constant time (no early exit, no
 * branch on the data): nonzero if they differ.
 */
_Static_assert(XS_ICV_LEN == 16, "xs_icv_differ compares 16 bytes");

static inline int xs_icv_differ(const uint8_t *a, const uint8_t *b)
{
	uint64_t a0, a1, b0, b1, d;

	memcpy(&a0, a, 8);
	memcpy(&a1, a + 8, 8);
	memcpy(&b0, b, 8);
	memcpy(&b1, b + 8, 8);
	d = (a0 ^ b0) | (a1 ^ b1);
	/* Opaque to the optimiser, so it cannot test the halves apart. */
	__asm__("" : "+r"(d));
	return d != 0;
}

extern const struct xs_backend xs_backend_openssl;
#ifdef XS_HAVE_IPSECMB
extern const struct xs_backend xs_backend_ipsecmb;
#endif

/* The backend for id, or the fastest usable one for XS_BACKEND_AUTO (for
 * the AEAD suites; see xs_backend_for_suite). NULL if that backend is not
 * built or cannot run here. */
const struct xs_backend *xs_backend_get(unsigned int id);
/* The backend an SA of suite gets: xs_backend_get(id), except that
 * XS_BACKEND_AUTO picks per suite the one that is faster here. */
const struct xs_backend *xs_backend_for_suite(unsigned int id, unsigned int suite);
/* By name: "openssl", "ipsecmb", "auto". XS_BACKEND_MAX if unknown. */
unsigned int xs_backend_by_name(const char *name);

/* Runs one op through its SA's backend; sets and returns op->status.
 * Inline: the single-packet path knows the kind, and the switch folds. */
static inline __attribute__((always_inline)) int xs_crypto_op_run(struct xs_crypto_op *op)
{
	struct xs_cipher *c = op->c;
	const struct xs_backend *be = c->be;
	uint8_t mac[32];
	int r;

	switch (op->kind) {
	case XS_OP_AEAD_SEAL:
		r = be->aead_seal(c, op->nonce, op->aad, op->aad_len, op->data,
				  op->len, op->tag) ? -EIO : 0;
		break;
	case XS_OP_AEAD_OPEN:
		r = be->aead_open(c, op->nonce, op->aad, op->aad_len, op->data,
				  op->len, op->tag);
		if (r && r != -EBADMSG)
			r = -EIO;
		break;
	case XS_OP_ETM_SEAL:
		if (be->etm_seal) {
			r = be->etm_seal(c, op->esp, op->iv_len, op->len, op->mac_len,
					 op->icv) ? -EIO : 0;
			break;
		}
		r = -EIO;
		if (op->iv_len && be->cbc_encrypt(c, op->esp + XS_ESP_HDR_LEN, op->data,
						  op->len))
			break;
		if (be->hmac(c, op->esp, op->mac_len, mac))
			break;
		memcpy(op->icv, mac, XS_ICV_LEN);
		r = 0;
		break;
	case XS_OP_ETM_OPEN:
		/* RFC 4303 §3.4.4.1: integrity first, then decrypt. */
		r = -EIO;
		if (be->hmac(c, op->esp, op->mac_len, mac))
			break;
		r = -EBADMSG;
		if (xs_icv_differ(mac, op->tag))
			break;
		r = -EIO;
		if (op->iv_len && be->cbc_decrypt(c, op->esp + XS_ESP_HDR_LEN, op->data,
						  op->len))
			break;
		r = 0;
		break;
	default:
		r = -EIO;
	}
	op->status = r;
	return r;
}

/* Runs n ops (mixed backends), one burst call per backend that has one. */
void xs_crypto_burst(struct xs_crypto_op **ops, unsigned int n);

#endif
