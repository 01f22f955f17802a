/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Signature authentication of IKEv2 (RFC 7296 §2.15, §3.8) over OpenSSL 3
 * EVP: Digital Signature (method 14, RFC 7427) with RSASSA-PKCS1-v1_5,
 * RSASSA-PSS, ECDSA and EdDSA (RFC 8420), and the classic methods RSA
 * Digital Signature (1) and ECDSA with SHA-256/384/512 (9-11, RFC 4754)
 * for peers that do not speak RFC 7427.
 *
 * What is signed is the AUTH octets of §2.15 (crypto.h
 * ike_auth_signed_octets); these functions only sign and verify them.
 * Hash algorithms are the values of RFC 7427 §7 (IKE_HASH_* in wire.h),
 * handled as bit sets: IKE_SIG_HASH(IKE_HASH_SHA2_256) | ...
 *
 * Every function returns 0 or -errno; *why, when asked for, points at a
 * static text saying exactly what was refused. No key material is logged.
 */
#ifndef IKE_AUTH_SIG_H
#define IKE_AUTH_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "wire.h"

#define IKE_SIG_HASH(h) (1u << (h))
/* RFC 7427 §4: what we announce and verify: SHA-2 and, for EdDSA, the
 * Identity "hash" of RFC 8420. SHA-1 is never among them. */
#define IKE_SIG_HASHES_OURS \
	(IKE_SIG_HASH(IKE_HASH_SHA2_256) | IKE_SIG_HASH(IKE_HASH_SHA2_384) | \
	 IKE_SIG_HASH(IKE_HASH_SHA2_512) | IKE_SIG_HASH(IKE_HASH_IDENTITY))

/* Largest AUTH data we produce or accept: the RFC 7427 ASN.1 length
 * octet, a PSS AlgorithmIdentifier and an RSA-8192 signature. */
#define IKE_SIG_MAX 1200u

/* Key types, as bits (configuration constraints and logs). */
#define IKE_SIG_KEY_RSA 0x01u
#define IKE_SIG_KEY_ECDSA 0x02u
#define IKE_SIG_KEY_ED25519 0x04u
#define IKE_SIG_KEY_ED448 0x08u
#define IKE_SIG_KEY_ANY 0x0fu

/* How one AUTH payload is (to be) signed. */
struct ike_sig_scheme {
	uint8_t method;         /* IKE_AUTH_DIGITAL_SIGNATURE, _RSA_SIG, _ECDSA_* */
	uint8_t hash;           /* IKE_HASH_*; IDENTITY for EdDSA */
	uint8_t key;            /* IKE_SIG_KEY_* */
	bool pss;               /* RSASSA-PSS (salt = hash length) */
};

/* SIGNATURE_HASH_ALGORITHMS data (RFC 7427 §4: 16-bit values) as a bit
 * set; unknown values are ignored. An odd length gives 0. */
uint32_t ike_sig_hashes_parse(const uint8_t *data, size_t len);
/* Our SIGNATURE_HASH_ALGORITHMS data; returns its length (8 octets). */
size_t ike_sig_hashes_encode(uint8_t *out, size_t cap);

/* The key type (IKE_SIG_KEY_*) of key, 0 if none we sign with. */
uint8_t ike_sig_key_type(const EVP_PKEY *key);
/* "RSA-3072", "ECDSA P-256", "Ed25519"; returns buf. */
const char *ike_sig_key_str(const EVP_PKEY *key, char *buf, size_t len);
/* "RSA/PSS with SHA-384", "ECDSA with SHA-256 (classic)"; returns buf. */
const char *ike_sig_scheme_str(const struct ike_sig_scheme *s, char *buf,
			       size_t len);

/*
 * Picks how to sign with key. peer_hashes: the peer's
 * SIGNATURE_HASH_ALGORITHMS (0: it sent none, so only the classic methods
 * 1 and 9-11 are open); allowed: the hashes the configuration permits
 * (0: no constraint, any of ours; RSA method 1 needs no constraint); pss:
 * RSASSA-PSS is required (auth = rsa/pss). RSA takes the first of
 * SHA-256, 384, 512 both sides allow, ECDSA prefers the hash of its
 * curve's size, EdDSA needs Identity. -EOPNOTSUPP with *why when no
 * scheme fits.
 */
int ike_sig_choose(const EVP_PKEY *key, uint32_t peer_hashes,
		   uint32_t allowed, bool pss, struct ike_sig_scheme *out,
		   const char **why);

/*
 * Signs octets[0, n) as scheme s with key: out gets the Authentication
 * Data of the AUTH payload (for method 14: ASN.1 length octet,
 * AlgorithmIdentifier, signature; RFC 7427 §3). -ENOSPC when cap is
 * short (IKE_SIG_MAX always fits).
 */
int ike_sig_sign(EVP_PKEY *key, const struct ike_sig_scheme *s,
		 const uint8_t *octets, size_t n, uint8_t *out, size_t cap,
		 size_t *out_len);

/*
 * Verifies an AUTH payload (method, data) over octets with the peer's
 * public key. allowed: the hashes the configuration accepts (0: no
 * constraint; either way only what we announce, IKE_SIG_HASHES_OURS, and
 * SHA-1 for method 1 without a constraint); key_types: the key types
 * accepted; pss: only
 * RSASSA-PSS is accepted for RSA; classic_ok: methods 1 and 9-11 are
 * accepted (the peer announced no SIGNATURE_HASH_ALGORITHMS, RFC 7427
 * §4). *used gets the scheme found. Returns 0, -EOPNOTSUPP for a scheme
 * we do not accept (SHA-1, a hash not announced, a key of another type,
 * an unknown AlgorithmIdentifier), -EINVAL for malformed data, -EBADMSG
 * when the signature does not verify; *why says which.
 */
int ike_sig_verify(EVP_PKEY *key, uint8_t method, const uint8_t *data,
		   size_t len, const uint8_t *octets, size_t n,
		   uint32_t allowed, uint8_t key_types, bool pss,
		   bool classic_ok, struct ike_sig_scheme *used,
		   const char **why);

#endif
