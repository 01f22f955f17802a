// SPDX-License-Identifier: GPL-2.0-only
/*
 * A test PKI made at run time with OpenSSL's X509 API: keys (RSA, ECDSA,
 * Ed25519), certificates with the extensions a test asks for, CRLs, and
 * files in PEM or DER (keys also as encrypted PKCS#8) in a temporary
 * directory laid out as swanctl's. Include from one .c file per test
 * program, after <cmocka.h>.
 */
#ifndef PKI_UTIL_H
#define PKI_UTIL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* "RSA" (bits), "EC" (bits 256/384/521), "ED25519", "ED448". */
static inline EVP_PKEY *tkey(const char *type, unsigned int bits)
{
	EVP_PKEY *k = NULL;

	if (!strcmp(type, "RSA"))
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	else if (!strcmp(type, "EC"))
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", bits == 384 ? "P-384" :
				      bits == 521 ? "P-521" : "P-256");
	else
		k = EVP_PKEY_Q_keygen(NULL, NULL, type);
	assert_non_null(k);
	return k;
}

struct tcert_opts {
	const char *subject;    /* "/C=CH/O=xdpsec/CN=moon" style */
	X509 *issuer;           /* NULL: self-signed */
	EVP_PKEY *issuer_key;   /* NULL: the subject's own key */
	long serial;
	long not_before;        /* seconds from now */
	long not_after;
	bool ca;
	const char *san;        /* "DNS:moon.example.org,IP:192.0.2.1" */
	const char *ku;         /* keyUsage value, NULL: none */
	const char *crldp;      /* "URI:http://...", NULL: none */
	const char *md;         /* signature digest, NULL: SHA256 */
};

static inline X509_NAME *tname(const char *s)
{
	X509_NAME *n = X509_NAME_new();
	char *copy = strdup(s), *save = NULL;

	assert_non_null(n);
	assert_non_null(copy);
	for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		char *eq = strchr(t, '=');

		assert_non_null(eq);
		*eq = '\0';
		assert_int_equal(X509_NAME_add_entry_by_txt(n, t, MBSTRING_UTF8,
							    (unsigned char *)eq + 1,
							    -1, -1, 0), 1);
	}
	free(copy);
	return n;
}

static inline void text(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
}

static inline X509 *tcert(EVP_PKEY *key, const struct tcert_opts *o)
{
	X509 *x = X509_new();
	X509_NAME *n = tname(o->subject);
	EVP_PKEY *signer = o->issuer_key ? o->issuer_key : key;
	const char *md = o->md ? o->md : "SHA256";

	assert_non_null(x);
	assert_int_equal(X509_set_version(x, 2), 1);
	ASN1_INTEGER_set(X509_get_serialNumber(x), o->serial ? o->serial : 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x),
					o->not_before ? o->not_before : -3600));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x),
					o->not_after ? o->not_after : 86400));
	assert_int_equal(X509_set_subject_name(x, n), 1);
	assert_int_equal(X509_set_issuer_name(x, o->issuer ?
					      X509_get_subject_name(o->issuer) : n), 1);
	assert_int_equal(X509_set_pubkey(x, key), 1);
	text(x, o->issuer, NID_subject_key_identifier, "hash");
	if (o->issuer || o->ca)
		text(x, o->issuer, NID_authority_key_identifier, "keyid:always");
	text(x, o->issuer, NID_basic_constraints, o->ca ? "critical,CA:TRUE" : "CA:FALSE");
	if (o->ku)
		text(x, o->issuer, NID_key_usage, o->ku);
	else if (o->ca)
		text(x, o->issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
	if (o->san)
		text(x, o->issuer, NID_subject_alt_name, o->san);
	if (o->crldp)
		text(x, o->issuer, NID_crl_distribution_points, o->crldp);
	/* EdDSA signs without a separate digest */
	if (EVP_PKEY_is_a(signer, "ED25519") || EVP_PKEY_is_a(signer, "ED448"))
		md = NULL;
	assert_true(X509_sign(x, signer, md ? EVP_get_digestbyname(md) : NULL) > 0);
	X509_NAME_free(n);
	return x;
}

/* A CRL of issuer revoking serials[0..n), valid from now-1h for
 * next_update seconds (negative: already expired). */
static inline X509_CRL *tcrl(X509 *issuer, EVP_PKEY *key, const long *serials,
			     size_t n, long next_update)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_new();

	assert_non_null(crl);
	assert_non_null(t);
	assert_int_equal(X509_CRL_set_version(crl, 1), 1);
	assert_int_equal(X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)), 1);
	assert_non_null(X509_gmtime_adj(t, -3600));
	assert_int_equal(X509_CRL_set1_lastUpdate(crl, t), 1);
	assert_non_null(X509_gmtime_adj(t, next_update));
	assert_int_equal(X509_CRL_set1_nextUpdate(crl, t), 1);
	for (size_t i = 0; i < n; i++) {
		X509_REVOKED *r = X509_REVOKED_new();
		ASN1_INTEGER *sn = ASN1_INTEGER_new();

		assert_non_null(r);
		ASN1_INTEGER_set(sn, serials[i]);
		assert_int_equal(X509_REVOKED_set_serialNumber(r, sn), 1);
		assert_non_null(X509_gmtime_adj(t, -1800));
		assert_int_equal(X509_REVOKED_set_revocationDate(r, t), 1);
		assert_int_equal(X509_CRL_add0_revoked(crl, r), 1);
		ASN1_INTEGER_free(sn);
	}
	assert_int_equal(X509_CRL_sort(crl), 1);
	assert_true(X509_CRL_sign(crl, key, EVP_sha256()) > 0);
	ASN1_TIME_free(t);
	return crl;
}

/* DER of a certificate (OPENSSL_free it). */
static inline size_t tder(X509 *x, uint8_t **out)
{
	int n = i2d_X509(x, out);

	assert_true(n > 0);
	return (size_t)n;
}

/* ------------------------------------------------------------ files */

static inline void tmkdir(const char *dir, const char *sub)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/%s", dir, sub);
	assert_true(!mkdir(p, 0700) || errno == EEXIST);
}

static inline BIO *topen(const char *dir, const char *name)
{
	char p[4096];
	BIO *b;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	b = BIO_new_file(p, "wb");
	assert_non_null(b);
	return b;
}

static inline void twrite_cert(const char *dir, const char *name, X509 *x,
			       bool der)
{
	BIO *b = topen(dir, name);

	assert_int_equal(der ? i2d_X509_bio(b, x) : PEM_write_bio_X509(b, x), 1);
	BIO_free(b);
}

static inline void twrite_crl(const char *dir, const char *name, X509_CRL *c,
			      bool der)
{
	BIO *b = topen(dir, name);

	assert_int_equal(der ? i2d_X509_CRL_bio(b, c) : PEM_write_bio_X509_CRL(b, c), 1);
	BIO_free(b);
}

/* format: "PEM" or "DER"; structure: "PrivateKeyInfo" (PKCS#8),
 * "EncryptedPrivateKeyInfo" (with pass), "type-specific" (PKCS#1/SEC1) */
static inline void twrite_key(const char *dir, const char *name, EVP_PKEY *k,
			      const char *format, const char *structure,
			      const char *pass)
{
	OSSL_ENCODER_CTX *e;
	BIO *b = topen(dir, name);

	e = OSSL_ENCODER_CTX_new_for_pkey(k, EVP_PKEY_KEYPAIR, format, structure,
					  NULL);
	assert_non_null(e);
	if (pass) {
		assert_int_equal(OSSL_ENCODER_CTX_set_cipher(e, "AES-256-CBC", NULL), 1);
		assert_int_equal(OSSL_ENCODER_CTX_set_passphrase(e,
								 (const unsigned char *)pass,
								 strlen(pass)), 1);
	}
	assert_int_equal(OSSL_ENCODER_to_bio(e, b), 1);
	OSSL_ENCODER_CTX_free(e);
	BIO_free(b);
}

/* A fresh directory under /tmp (removed by trmdir). */
static inline char *tdir(void)
{
	char tmpl[] = "/tmp/xdpsec-pki-XXXXXX";
	char *d = mkdtemp(tmpl);

	assert_non_null(d);
	return strdup(d);
}

static inline void trmdir(char *dir)
{
	char cmd[4200];

	/* only what tdir() made */
	assert_int_equal(strncmp(dir, "/tmp/xdpsec-pki-", 16), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(dir);
}

#endif
