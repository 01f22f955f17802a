/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IKEv2 cryptography over OpenSSL 3.0 EVP: algorithm descriptors, prf and
 * prf+ (RFC 7296 §2.13), IKE SA and Child SA key derivation (§2.14, §2.17,
 * §2.18), the Encrypted payload (§3.14, RFC 5282, RFC 7634), PSK AUTH
 * (§2.15), NAT detection hashes (§2.23) and cookies (§2.6).
 *
 * Every function returns 0 or -errno unless it says otherwise. Keys live
 * in caller-owned structs and are wiped by the matching *_wipe() function,
 * which accepts NULL. No function keeps a pointer to its arguments.
 */
#ifndef IKE_CRYPTO_H
#define IKE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Transform IDs (IKE_ENCR_*, IKE_PRF_*, IKE_INTEG_*), header and payload
 * sizes are the wire constants of wire.h. */
#include "wire.h"

/* Size limits of the algorithms below. */
#define IKE_PRF_MAX          64  /* PRF output = preferred key length */
#define IKE_ENCR_KEYMAT_MAX  36  /* cipher key + AEAD salt */
#define IKE_INTEG_KEY_MAX    64
#define IKE_ICV_MAX          32
#define IKE_IV_MAX           16
#define IKE_COOKIE_LEN       33  /* 1-byte secret version + SHA-256 */

/* Direction of a message or an SA: who sent it relative to the original
 * initiator of the IKE SA (or of the Child SA's creating exchange). */
enum ike_dir {
	IKE_DIR_I2R = 0,
	IKE_DIR_R2I = 1,
};

/* Encryption transform. AEAD keying material is key || salt. */
struct ike_encr {
	const char *name;     /* proposal keyword: "aes128gcm16", "aes256" */
	uint16_t id;          /* IKE_ENCR_* */
	uint16_t key_bits;    /* Key Length attribute value; 0: send none */
	uint8_t key_len;      /* cipher key bytes */
	uint8_t salt_len;     /* AEAD salt taken after the key; 0 for CBC */
	uint8_t iv_len;       /* explicit IV in the Encrypted payload */
	uint8_t block_len;    /* alignment of payloads|padding|pad length */
	uint8_t icv_len;      /* AEAD tag; 0 for CBC (INTEG gives the ICV) */
	bool aead;
	const char *evp;      /* OpenSSL cipher name */
	const char *xfrm;     /* datapath `sa add` name: "rfc4106(gcm(aes))" */
};

/* Pseudorandom function. Its preferred key length is its output length
 * (RFC 7296 §2.13 for HMAC PRFs). */
struct ike_prf {
	const char *name;     /* "prfsha256" */
	uint16_t id;          /* IKE_PRF_* */
	uint8_t out_len;
	const char *md;       /* OpenSSL digest name */
};

/* Integrity transform: HMAC truncated to icv_len (RFC 4868 §2.6). */
struct ike_integ {
	const char *name;     /* "sha256" (= sha256_128) */
	uint16_t id;          /* IKE_INTEG_* */
	uint8_t key_len;      /* = hash output length, RFC 7296 §2.13 */
	uint8_t icv_len;
	bool datapath;        /* the ESP/AH datapath implements it */
	const char *md;
	const char *xfrm;     /* "hmac(sha256)" */
};

/* Look-ups return NULL when unsupported. key_bits is the Key Length
 * attribute (128/256 for AES; 0 or 256 for ChaCha20-Poly1305, which is
 * sent without the attribute). */
const struct ike_encr *ike_encr_find(uint16_t id, uint16_t key_bits);
const struct ike_prf *ike_prf_find(uint16_t id);
/* IKE_INTEG_NONE gives NULL too: AEAD suites have no INTEG transform. */
const struct ike_integ *ike_integ_find(uint16_t id);
const struct ike_encr *ike_encr_by_name(const char *name);
const struct ike_prf *ike_prf_by_name(const char *name);
const struct ike_integ *ike_integ_by_name(const char *name);

static inline size_t ike_encr_keymat_len(const struct ike_encr *e)
{
	return (size_t)e->key_len + e->salt_len;
}

/* 0 if encr/integ form a valid combination: AEAD without INTEG, CBC with
 * one (RFC 5282 §8, RFC 7296 §3.3.3); -EINVAL otherwise. */
int ike_suite_check(const struct ike_encr *encr, const struct ike_integ *integ);

/* Cryptographically strong random bytes (nonces, SPIs). */
int ike_random(void *buf, size_t len);

/* A piece of a concatenated input. */
struct ike_chunk {
	const void *ptr;
	size_t len;
};

/* prf(K, S): out gets prf->out_len bytes. */
int ike_prf(const struct ike_prf *prf, const uint8_t *key, size_t key_len,
	    const uint8_t *data, size_t len, uint8_t *out);
/* prf(K, S1 | S2 | ... | Sn). */
int ike_prfv(const struct ike_prf *prf, const uint8_t *key, size_t key_len,
	     const struct ike_chunk *s, unsigned int n, uint8_t *out);
/* prf+(K, S) = T1 | T2 | ..., Ti = prf(K, T(i-1) | S | i), §2.13.
 * S is the concatenation of the n (at most 8) chunks. -EINVAL if out_len
 * is 0 or more than 255 * prf->out_len. */
int ike_prf_plus(const struct ike_prf *prf, const uint8_t *key,
		 size_t key_len, const struct ike_chunk *s, unsigned int n,
		 uint8_t *out, size_t out_len);

/* Integrity check value: HMAC(key, data) truncated to integ->icv_len. */
int ike_integ_icv(const struct ike_integ *integ, const uint8_t *key,
		  const uint8_t *data, size_t len, uint8_t *icv);

/* The keys of one IKE SA (§2.14). Arrays indexed by enum ike_dir:
 * sk_a[IKE_DIR_I2R] is SK_ai, sk_e[IKE_DIR_R2I] is SK_er, sk_p[..] SK_pi/pr.
 * Only the first integ->key_len / keymat_len / prf->out_len bytes are used. */
struct ike_keys {
	const struct ike_encr *encr;
	const struct ike_prf *prf;
	const struct ike_integ *integ;            /* NULL with AEAD */
	uint8_t sk_d[IKE_PRF_MAX];
	uint8_t sk_a[2][IKE_INTEG_KEY_MAX];
	uint8_t sk_e[2][IKE_ENCR_KEYMAT_MAX];     /* key || salt */
	uint8_t sk_p[2][IKE_PRF_MAX];
	uint64_t iv_seq[2];                       /* AEAD IV counter per dir */
};

/* SKEYSEED = prf(Ni | Nr, g^ir), §2.14. out: prf->out_len bytes. */
int ike_skeyseed(const struct ike_prf *prf, const uint8_t *ni, size_t ni_len,
		 const uint8_t *nr, size_t nr_len, const uint8_t *gir,
		 size_t gir_len, uint8_t *out);
/* Rekeyed IKE SA: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), §2.18,
 * with the OLD IKE SA's PRF. out: old->prf->out_len bytes. */
int ike_skeyseed_rekey(const struct ike_keys *old, const uint8_t *gir,
		       size_t gir_len, const uint8_t *ni, size_t ni_len,
		       const uint8_t *nr, size_t nr_len, uint8_t *out);
/* {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
 *	= prf+(SKEYSEED, Ni | Nr | SPIi | SPIr), §2.14.
 * SPIs are the 8 wire bytes. Fills *k (and zeroes its IV counters). */
int ike_keys_derive(struct ike_keys *k, const struct ike_encr *encr,
		    const struct ike_prf *prf, const struct ike_integ *integ,
		    const uint8_t *skeyseed, size_t skeyseed_len,
		    const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		    size_t nr_len, const uint8_t spi_i[8], const uint8_t spi_r[8]);
/* SKEYSEED + derivation for IKE_SA_INIT. */
int ike_keys_new_sa(struct ike_keys *k, const struct ike_encr *encr,
		    const struct ike_prf *prf, const struct ike_integ *integ,
		    const uint8_t *gir, size_t gir_len,
		    const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		    size_t nr_len, const uint8_t spi_i[8], const uint8_t spi_r[8]);
/* Keys of the new IKE SA of a CREATE_CHILD_SA rekey (§2.18): Ni/Nr are the
 * CREATE_CHILD_SA nonces, SPIi/SPIr the new SPIs, "i" being the initiator
 * of the rekey exchange (who becomes the new SA's original initiator).
 * k may be old itself (SKEYSEED is computed before k is overwritten). */
int ike_keys_rekey(struct ike_keys *k, const struct ike_keys *old,
		   const struct ike_encr *encr, const struct ike_prf *prf,
		   const struct ike_integ *integ, const uint8_t *gir,
		   size_t gir_len, const uint8_t *ni, size_t ni_len,
		   const uint8_t *nr, size_t nr_len, const uint8_t spi_i[8],
		   const uint8_t spi_r[8]);
void ike_keys_wipe(struct ike_keys *k);

/* Child SA keys (§2.17), per direction in the datapath's format:
 * enc = AEAD key||salt or CBC key; auth = HMAC key (CBC and AH). */
struct ike_child_keys {
	const struct ike_encr *encr;     /* NULL for AH */
	const struct ike_integ *integ;   /* NULL for AEAD */
	uint8_t enc_len;
	uint8_t auth_len;
	uint8_t enc[2][IKE_ENCR_KEYMAT_MAX];
	uint8_t auth[2][IKE_INTEG_KEY_MAX];
};

/* KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr); gir NULL/0 without PFS.
 * Initiator-to-responder keys are taken first, encryption key before
 * integrity key (§2.17). encr NULL = AH (integ required). */
int ike_child_keys_derive(struct ike_child_keys *ck, const struct ike_keys *ike,
			  const struct ike_encr *encr,
			  const struct ike_integ *integ, const uint8_t *gir,
			  size_t gir_len, const uint8_t *ni, size_t ni_len,
			  const uint8_t *nr, size_t nr_len);
/* Writes the algorithm words of `xdpsec sa add` for direction dir, e.g.
 * "aead rfc4106(gcm(aes)) 0x<key||salt> 128" or
 * "enc cbc(aes) 0x<key> auth-trunc hmac(sha256) 0x<key> 128" or (AH)
 * "auth-trunc hmac(sha256) 0x<key> 128". The text holds keys: wipe it.
 * -EOPNOTSUPP if the datapath lacks the INTEG; -ENOSPC if len is short. */
int ike_child_keys_xfrm(const struct ike_child_keys *ck, enum ike_dir dir,
			char *buf, size_t len);
void ike_child_keys_wipe(struct ike_child_keys *ck);

/*
 * Encrypted payload, §3.14. The message buffer msg holds the IKE header,
 * any unencrypted payloads, the SK payload's 4-byte generic header at
 * sk_off (Next Payload set by the caller), then ike_sk_head_len() - 4
 * bytes for the IV, then inner_len bytes of plaintext inner payloads.
 * ike_sk_encrypt() appends padding, pad length and ICV, sets the SK
 * payload length and the IKE header Length (both authenticated), fills
 * the IV and encrypts in place; *msg_len gets the message length. The
 * message must have room for ike_sk_tail_max() bytes after the payloads.
 * AEAD: AAD = msg[0 .. sk_off + 4) (RFC 5282 §5.1, RFC 7634 §4),
 * nonce = salt || 8-byte IV (a per-direction counter), no padding.
 * CBC: random IV, padding to 16, ICV = INTEG over msg up to the ICV.
 * dir is the message's direction (I2R: sent by the original initiator).
 */
size_t ike_sk_head_len(const struct ike_keys *k);
size_t ike_sk_tail_max(const struct ike_keys *k);
int ike_sk_encrypt(struct ike_keys *k, enum ike_dir dir, uint8_t *msg,
		   size_t cap, size_t sk_off, size_t inner_len,
		   size_t *msg_len);
/* Verifies and decrypts in place the SK payload at sk_off, which must be
 * the last payload (its length reaches msg_len, as does the IKE header
 * Length). On success the inner payloads are msg[*inner_off ..
 * *inner_off + *inner_len). -EINVAL: malformed lengths; -EBADMSG: ICV or
 * tag mismatch, or bad pad length. On error nothing usable is left. */
int ike_sk_decrypt(const struct ike_keys *k, enum ike_dir dir, uint8_t *msg,
		   size_t msg_len, size_t sk_off, size_t *inner_off,
		   size_t *inner_len);

/*
 * The Encrypted Fragment payload, RFC 7383 §2.5: the same as SK, with the
 * Fragment Number and Total Fragments (written by the caller) between the
 * payload header at skf_off and the IV; they are in the AAD (AEAD) and
 * under the ICV like the rest of the header. The IV follows at skf_off +
 * IKE_SKF_HDR_LEN; the inner data is one fragment's share of the
 * message's inner payloads.
 */
int ike_skf_encrypt(struct ike_keys *k, enum ike_dir dir, uint8_t *msg,
		    size_t cap, size_t skf_off, size_t inner_len,
		    size_t *msg_len);
int ike_skf_decrypt(const struct ike_keys *k, enum ike_dir dir, uint8_t *msg,
		    size_t msg_len, size_t skf_off, size_t *inner_off,
		    size_t *inner_len);

/* AEAD primitive (exposed for known-answer tests): nonce = keymat salt ||
 * iv (8 bytes); tag is e->icv_len bytes; in place. open: -EBADMSG. */
int ike_aead_seal(const struct ike_encr *e, const uint8_t *keymat,
		  const uint8_t *iv, const uint8_t *aad, size_t aad_len,
		  uint8_t *data, size_t len, uint8_t *tag);
int ike_aead_open(const struct ike_encr *e, const uint8_t *keymat,
		  const uint8_t *iv, const uint8_t *aad, size_t aad_len,
		  uint8_t *data, size_t len, const uint8_t *tag);

/*
 * AUTH, §2.15. signer is who computes the AUTH payload: IKE_DIR_I2R for the
 * initiator (InitiatorSignedOctets = RealMessage1 | NonceRData |
 * prf(SK_pi, RestOfInitIDPayload)), IKE_DIR_R2I for the responder
 * (RealMessage2 | NonceIData | prf(SK_pr, RestOfRespIDPayload)).
 * real_msg is the signer's IKE_SA_INIT message as sent, peer_nonce the
 * other side's Nonce payload data, id_body the signer's ID payload without
 * its generic header (ID Type | RESERVED | Identification Data).
 */
/* prf(SK_px, IDx'); out: prf->out_len bytes. */
int ike_auth_maced_id(const struct ike_keys *k, enum ike_dir signer,
		      const uint8_t *id_body, size_t id_len, uint8_t *out);
size_t ike_auth_octets_len(const struct ike_keys *k, size_t real_len,
			   size_t nonce_len);
/* -ENOSPC if cap < ike_auth_octets_len(). */
int ike_auth_signed_octets(const struct ike_keys *k, enum ike_dir signer,
			   const uint8_t *real_msg, size_t real_len,
			   const uint8_t *peer_nonce, size_t nonce_len,
			   const uint8_t *id_body, size_t id_len,
			   uint8_t *out, size_t cap, size_t *out_len);
/* AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>);
 * auth: prf->out_len bytes. */
int ike_auth_psk(const struct ike_prf *prf, const uint8_t *psk,
		 size_t psk_len, const uint8_t *octets, size_t octets_len,
		 uint8_t *auth);
/* 0 if auth matches (constant time), -EBADMSG otherwise. */
int ike_auth_psk_verify(const struct ike_prf *prf, const uint8_t *psk,
			size_t psk_len, const uint8_t *octets,
			size_t octets_len, const uint8_t *auth,
			size_t auth_len);

/* NAT_DETECTION_*_IP data = SHA-1(SPIi | SPIr | IP address | port), §2.23.
 * addr is a sockaddr_in or sockaddr_in6 (address and port in network
 * order); SPIr is all zero in the IKE_SA_INIT request. */
int ike_natd_hash(const uint8_t spi_i[8], const uint8_t spi_r[8],
		  const struct sockaddr *addr, uint8_t out[IKE_NATD_HASH_LEN]);

/*
 * COOKIE, §2.6: Cookie = <VersionIDofSecret> | Hash(Ni | IPi | SPIi |
 * <secret>), Hash = SHA-256. The current and the previous secret are kept
 * so that cookies issued just before a rotation still verify. Call
 * ike_cookie_rotate() periodically (the RFC suggests regenerating the
 * secret often, e.g. every few minutes).
 */
#define IKE_COOKIE_SECRET_LEN 32
struct ike_cookie_secret {
	uint8_t secret[2][IKE_COOKIE_SECRET_LEN];
	uint8_t version[2];
	bool valid[2];
	unsigned int cur;         /* index of the current secret */
};
int ike_cookie_init(struct ike_cookie_secret *cs);
int ike_cookie_rotate(struct ike_cookie_secret *cs);
void ike_cookie_wipe(struct ike_cookie_secret *cs);
/* ipi: the initiator's address (its port is not used). */
int ike_cookie_make(const struct ike_cookie_secret *cs, const uint8_t *ni,
		    size_t ni_len, const struct sockaddr *ipi,
		    const uint8_t spi_i[8], uint8_t out[IKE_COOKIE_LEN]);
/* 0 if cookie was made by the current or previous secret for these
 * inputs; -EBADMSG otherwise (wrong length, stale version, mismatch). */
int ike_cookie_check(const struct ike_cookie_secret *cs,
		     const uint8_t *cookie, size_t len, const uint8_t *ni,
		     size_t ni_len, const struct sockaddr *ipi,
		     const uint8_t spi_i[8]);

#endif
