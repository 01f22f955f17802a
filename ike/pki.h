/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent's credentials for certificate authentication: X.509
 * certificates (end-entity and CA), CRLs and private keys, loaded from
 * files when the configuration is (pki_load.c, conf_pki.c), and what the
 * IKE_AUTH exchange asks of them:
 *
 *   ike_pki_local()        which of our certificates and key to use, and
 *                          the intermediates to send (RFC 7296 §3.6)
 *   ike_pki_certreq()      the CERTREQ data: SHA-1 hashes of the trusted
 *                          CAs' public keys (RFC 7296 §3.7)
 *   ike_pki_verify_peer()  the peer's chain to a trust anchor with
 *                          OpenSSL's X509_STORE (validity, key usage,
 *                          basic constraints, CRLs as swanctl's
 *                          revocation policy says) and its identity in the
 *                          certificate (RFC 4945 §3.1)
 *
 * All through OpenSSL 3 X509/EVP. A struct ike_pki belongs to the struct
 * ike_config that loaded it and is freed with it: private keys are
 * OpenSSL objects (EVP_PKEY_free clears them); every file buffer that
 * held a key and every passphrase is wiped by the loader. Nothing here
 * logs or prints key material.
 */
#ifndef IKE_PKI_H
#define IKE_PKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "config.h"

#define IKE_PKI_SHA1_LEN 20u            /* CERTREQ hash, RFC 7296 §3.7 */
#define IKE_PKI_CHAIN_MAX 8u            /* certificates in a chain */
#define IKE_PKI_PEER_CERTS_MAX 8u       /* CERT payloads considered */
#define IKE_PKI_FILE_MAX (1u << 20)     /* bytes of one credential file */
#define IKE_PKI_CERTS_MAX 1024u         /* certificates loaded */
#define IKE_PKI_KEYS_MAX 256u
#define IKE_PKI_CRLS_MAX 256u

struct ike_pki_cert {
	X509 *x509;
	char *path;             /* file it came from (messages) */
	bool ca;                /* loaded as a CA (x509ca/, cacerts,
				 * authorities): a trust anchor */
	int key;                /* index of its private key, -1: none */
	uint8_t spki_sha1[IKE_PKI_SHA1_LEN];
};

struct ike_pki_crl {
	X509_CRL *crl;
	char *path;
};

struct ike_pki_key {
	EVP_PKEY *pkey;
	char *path;
};

struct ike_pki {
	size_t n_certs, n_crls, n_keys;
	struct ike_pki_cert *certs;
	struct ike_pki_crl *crls;
	struct ike_pki_key *keys;
};

/* ------------------------------------------------------------ loading */

/* Passphrases of encrypted key files (swanctl secrets private-NAME,
 * rsa-NAME, ecdsa-NAME, pkcs8-NAME): file is the full path. */
struct ike_pki_pass {
	char *file;
	const uint8_t *secret;
	size_t len;
};

struct ike_pki *ike_pki_new(void);
/* Frees every object; NULL is fine. */
void ike_pki_free(struct ike_pki *p);

/*
 * Loads a certificate (PEM or DER) or, with ca, a CA certificate; a path
 * already loaded gives its index (a CA load marks it as CA). 0 with *idx,
 * or -EINVAL / -ENOMEM with a reason in err (no path prefix).
 */
int ike_pki_load_cert(struct ike_pki *p, const char *path, bool ca,
		      size_t *idx, char *err, size_t errlen);
/* Loads a CRL (PEM or DER). Same returns. */
int ike_pki_load_crl(struct ike_pki *p, const char *path, char *err,
		     size_t errlen);
/*
 * Loads a private key: PEM or DER, PKCS#1 (RSA), SEC1 (EC), PKCS#8, or
 * encrypted PKCS#8 / encrypted PEM decrypted with the passphrase of
 * pass[] whose file is path. kind limits the types ("RSA", "EC", or NULL
 * for any: swanctl's rsa/, ecdsa/ and private/, pkcs8/ folders). 0 or
 * -EINVAL with a reason ("encrypted, and no secrets { private-... } names
 * it", "wrong passphrase", "not a private key").
 */
int ike_pki_load_key(struct ike_pki *p, const char *path, const char *kind,
		     const struct ike_pki_pass *pass, size_t n_pass, char *err,
		     size_t errlen);
/* Pairs each certificate with the private key whose public key it
 * holds (cert.key). */
void ike_pki_match_keys(struct ike_pki *p);

/* ---------------------------------------------------------- identities */

/* Whether the certificate holds identity id (RFC 4945 §3.1):
 * ID_IPV4/6_ADDR as an iPAddress, ID_FQDN as a dNSName, ID_RFC822_ADDR
 * as an rfc822Name subjectAltName; ID_DER_ASN1_DN equal to the subject;
 * ID_KEY_ID equal to the subjectKeyIdentifier. */
bool ike_cert_has_id(X509 *cert, const struct ike_conf_id *id);
/* The subject as an ID_DER_ASN1_DN identity. 0 or -EINVAL (too long). */
int ike_cert_subject_id(X509 *cert, struct ike_conf_id *id);
/* "CN=moon, O=Example" for messages; returns buf. */
const char *ike_cert_name_str(const X509_NAME *name, char *buf, size_t len);

/* -------------------------------------------------------------- runtime */

/* What we authenticate with. Borrowed from the pki. */
struct ike_pki_local {
	const struct ike_pki_cert *cert;        /* end-entity */
	EVP_PKEY *key;
	unsigned int n_chain;                   /* intermediates to send */
	const struct ike_pki_cert *chain[IKE_PKI_CHAIN_MAX];
};

/*
 * Our certificate for auth (a local round of auth = pubkey): the first of
 * auth->certs whose chain holds a CA the peer asked for (certreq: the
 * CERTREQ hashes received, n 20-octet entries), else the first. The chain
 * is its issuers among the loaded CA certificates up to, not including, a
 * self-signed one. -ENOKEY when no certificate with a key is configured.
 */
int ike_pki_local(const struct ike_pki *p, const struct ike_conf_auth *auth,
		  const uint8_t *certreq, size_t n, struct ike_pki_local *out);

/*
 * CERTREQ data (RFC 7296 §3.7) for a remote round: the SHA-1 hashes of
 * the SubjectPublicKeyInfo of its trust anchors (auth->cacerts, or every
 * loaded CA), each once; at most cap / 20 of them. Returns the octets
 * written (0: none).
 */
size_t ike_pki_certreq(const struct ike_pki *p,
		       const struct ike_conf_auth *auth, uint8_t *out,
		       size_t cap);

/* Why a peer's certificate was refused (one counter each). */
enum ike_cert_fail {
	IKE_CERT_OK = 0,
	IKE_CERT_INVALID,               /* none, malformed, bad signature */
	IKE_CERT_EXPIRED,
	IKE_CERT_NOT_YET_VALID,
	IKE_CERT_UNTRUSTED,             /* no chain to a trust anchor */
	IKE_CERT_REVOKED,
	IKE_CERT_NO_CRL,                /* revocation status unknown and the
					 * policy (strict/ifuri) needs it */
	IKE_CERT_KEY_USAGE,
	IKE_CERT_ID_MISMATCH,
};

/*
 * Verifies the peer: certs[0..n) are the X.509 CERT payloads as received
 * (the first holds the signing key, RFC 7296 §3.6; the others may help
 * build the chain). Without any, auth->certs (the peer pinned in the
 * config) or a loaded end-entity certificate holding id is used. The
 * end-entity must chain to a trust anchor (auth->cacerts, or every loaded
 * CA) within its validity time, with CA basic constraints and key usage
 * in the chain, digitalSignature or nonRepudiation in its key usage if it
 * has one, not revoked by a loaded CRL (auth->revocation: strict needs a
 * CRL for every certificate below the anchor, ifuri for those naming a
 * CRL distribution point, relaxed none), and must hold the peer's
 * identity id. A certificate listed in auth->certs is trusted as it is
 * (time and key usage still checked). On success *key holds the
 * end-entity's public key (EVP_PKEY_free it) and *ee its certificate
 * (X509_free it; may be NULL). Returns 0 or -EACCES with *fail and a
 * one-line reason in why.
 */
int ike_pki_verify_peer(const struct ike_pki *p,
			const struct ike_conf_auth *auth,
			const uint8_t *const *certs, const size_t *lens,
			unsigned int n, const struct ike_conf_id *id,
			EVP_PKEY **key, X509 **ee, enum ike_cert_fail *fail,
			char *why, size_t whylen);

#endif
