// SPDX-License-Identifier: GPL-2.0-only
/*
 * Credential files (see pki.h): certificates and CRLs in PEM or DER,
 * private keys in PEM or DER as PKCS#1, SEC1, PKCS#8 or encrypted PKCS#8
 * (and encrypted legacy PEM), decoded by OpenSSL's OSSL_DECODER with the
 * passphrase swanctl's secrets give. Every buffer a key file passed
 * through is wiped before it is freed.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef INT_MAX
#define INT_MAX __INT_MAX__
#endif

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "conf_priv.h"
#include "pki.h"

static int errf(char *err, size_t errlen, int ret, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
	ERR_clear_error();
	return ret;
}

struct ike_pki *ike_pki_new(void)
{
	struct ike_pki *p = calloc(1, sizeof(*p));

	if (!p)
		errno = ENOMEM;
	return p;
}

void ike_pki_free(struct ike_pki *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_certs; i++) {
		X509_free(p->certs[i].x509);
		free(p->certs[i].path);
	}
	for (size_t i = 0; i < p->n_crls; i++) {
		X509_CRL_free(p->crls[i].crl);
		free(p->crls[i].path);
	}
	/* EVP_PKEY_free clears the key material OpenSSL holds */
	for (size_t i = 0; i < p->n_keys; i++) {
		EVP_PKEY_free(p->keys[i].pkey);
		free(p->keys[i].path);
	}
	free(p->certs);
	free(p->crls);
	free(p->keys);
	free(p);
}

/* Reads a credential file; reasons in err. */
static int read_cred(const char *path, char **buf, size_t *len, char *err,
		     size_t errlen)
{
	char msg[96];
	int ret = conf_read_file(path, IKE_PKI_FILE_MAX, buf, len);

	if (!ret)
		return 0;
	if (ret == -ENOMEM)
		return errf(err, errlen, -ENOMEM, "out of memory");
	snprintf(msg, sizeof(msg), "cannot read it: %s",
		 ret == -EFBIG ? "file too large" :
		 ret == -EINVAL ? "not a regular file" : strerror(-ret));
	return errf(err, errlen, -EINVAL, msg);
}

static bool is_pem(const char *buf, size_t len)
{
	return memmem(buf, len, "-----BEGIN ", 11) != NULL;
}

/* Grows an array of n elements of size sz by one slot. */
static void *grow(void *arr, size_t n, size_t sz)
{
	void *a = realloc(arr, (n + 1) * sz);

	if (a)
		memset((char *)a + n * sz, 0, sz);
	return a;
}

static int spki_sha1(X509 *x, uint8_t out[IKE_PKI_SHA1_LEN])
{
	unsigned char *der = NULL;
	unsigned int mdlen = 0;
	int n, ret = -EINVAL;

	/* RFC 7296 §3.7: the SHA-1 hash of the SubjectPublicKeyInfo */
	n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	if (n > 0 && EVP_Digest(der, (size_t)n, out, &mdlen, EVP_sha1(), NULL) &&
	    mdlen == IKE_PKI_SHA1_LEN)
		ret = 0;
	OPENSSL_free(der);
	return ret;
}

int ike_pki_load_cert(struct ike_pki *p, const char *path, bool ca,
		      size_t *idx, char *err, size_t errlen)
{
	struct ike_pki_cert *c;
	char *buf = NULL;
	size_t len = 0;
	X509 *x = NULL;
	int ret;

	for (size_t i = 0; i < p->n_certs; i++) {
		if (!strcmp(p->certs[i].path, path)) {
			p->certs[i].ca |= ca;
			*idx = i;
			return 0;
		}
	}
	if (p->n_certs >= IKE_PKI_CERTS_MAX)
		return errf(err, errlen, -EINVAL, "too many certificates");
	ret = read_cred(path, &buf, &len, err, errlen);
	if (ret)
		return ret;
	ret = -EINVAL;
	if (is_pem(buf, len)) {
		BIO *b = BIO_new_mem_buf(buf, (int)len);
		X509 *more = NULL;

		x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
		if (x) {
			ERR_set_mark();
			more = PEM_read_bio_X509(b, NULL, NULL, NULL);
			ERR_pop_to_mark();
		}
		BIO_free(b);
		if (more) {
			X509_free(more);
			X509_free(x);
			x = NULL;
			errf(err, errlen, -EINVAL,
			     "holds more than one certificate (one per file, as swanctl)");
			goto out;
		}
	} else {
		const unsigned char *q = (const unsigned char *)buf;

		x = d2i_X509(NULL, &q, (long)len);
		if (x && q != (const unsigned char *)buf + len) {
			X509_free(x);
			x = NULL;
		}
	}
	if (!x) {
		errf(err, errlen, -EINVAL, "not an X.509 certificate (PEM or DER)");
		goto out;
	}
	c = grow(p->certs, p->n_certs, sizeof(*c));
	if (!c) {
		errf(err, errlen, -ENOMEM, "out of memory");
		ret = -ENOMEM;
		goto out;
	}
	p->certs = c;
	c = &p->certs[p->n_certs];
	c->path = strdup(path);
	if (!c->path || spki_sha1(x, c->spki_sha1)) {
		free(c->path);
		c->path = NULL;
		errf(err, errlen, -ENOMEM, "cannot hash its public key");
		goto out;
	}
	c->x509 = x;
	c->ca = ca;
	c->key = -1;
	x = NULL;
	*idx = p->n_certs++;
	ret = 0;
out:
	X509_free(x);
	free(buf);
	ERR_clear_error();
	return ret;
}

int ike_pki_load_crl(struct ike_pki *p, const char *path, char *err,
		     size_t errlen)
{
	struct ike_pki_crl *c;
	X509_CRL *crl = NULL;
	char *buf = NULL;
	size_t len = 0;
	int ret;

	for (size_t i = 0; i < p->n_crls; i++)
		if (!strcmp(p->crls[i].path, path))
			return 0;
	if (p->n_crls >= IKE_PKI_CRLS_MAX)
		return errf(err, errlen, -EINVAL, "too many CRLs");
	ret = read_cred(path, &buf, &len, err, errlen);
	if (ret)
		return ret;
	if (is_pem(buf, len)) {
		BIO *b = BIO_new_mem_buf(buf, (int)len);

		crl = b ? PEM_read_bio_X509_CRL(b, NULL, NULL, NULL) : NULL;
		BIO_free(b);
	} else {
		const unsigned char *q = (const unsigned char *)buf;

		crl = d2i_X509_CRL(NULL, &q, (long)len);
		if (crl && q != (const unsigned char *)buf + len) {
			X509_CRL_free(crl);
			crl = NULL;
		}
	}
	free(buf);
	if (!crl)
		return errf(err, errlen, -EINVAL, "not an X.509 CRL (PEM or DER)");
	c = grow(p->crls, p->n_crls, sizeof(*c));
	if (!c) {
		X509_CRL_free(crl);
		return errf(err, errlen, -ENOMEM, "out of memory");
	}
	p->crls = c;
	c = &p->crls[p->n_crls];
	c->path = strdup(path);
	if (!c->path) {
		X509_CRL_free(crl);
		return errf(err, errlen, -ENOMEM, "out of memory");
	}
	c->crl = crl;
	p->n_crls++;
	ERR_clear_error();
	return 0;
}

/* The decoder asks for a passphrase only for an encrypted file. */
struct pass_state {
	const struct ike_pki_pass *pass;        /* NULL: none configured */
	bool asked;
};

static int pass_cb(char *out, size_t cap, size_t *len,
		   const OSSL_PARAM params[], void *arg)
{
	struct pass_state *st = arg;

	(void)params;
	st->asked = true;
	if (!st->pass || st->pass->len > cap)
		return 0;
	memcpy(out, st->pass->secret, st->pass->len);
	*len = st->pass->len;
	return 1;
}

int ike_pki_load_key(struct ike_pki *p, const char *path, const char *kind,
		     const struct ike_pki_pass *pass, size_t n_pass, char *err,
		     size_t errlen)
{
	struct pass_state st = { 0 };
	OSSL_DECODER_CTX *dctx = NULL;
	EVP_PKEY *pkey = NULL;
	struct ike_pki_key *k;
	const unsigned char *data;
	char *buf = NULL;
	size_t len = 0, dlen;
	int ret;

	for (size_t i = 0; i < p->n_keys; i++)
		if (!strcmp(p->keys[i].path, path))
			return 0;
	if (p->n_keys >= IKE_PKI_KEYS_MAX)
		return errf(err, errlen, -EINVAL, "too many private keys");
	for (size_t i = 0; i < n_pass; i++)
		if (!strcmp(pass[i].file, path))
			st.pass = &pass[i];
	ret = read_cred(path, &buf, &len, err, errlen);
	if (ret)
		return ret;
	ret = -EINVAL;
	/* any input form (PEM, DER), any structure (PKCS#1, SEC1, PKCS#8,
	 * EncryptedPrivateKeyInfo), limited to kind's key type */
	dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, NULL, NULL, kind,
					     EVP_PKEY_KEYPAIR, NULL, NULL);
	if (!dctx ||
	    !OSSL_DECODER_CTX_set_passphrase_cb(dctx, pass_cb, &st)) {
		errf(err, errlen, -ENOMEM, "out of memory");
		ret = -ENOMEM;
		goto out;
	}
	data = (const unsigned char *)buf;
	dlen = len;
	if (!OSSL_DECODER_from_data(dctx, &data, &dlen) || !pkey) {
		if (st.asked && !st.pass)
			errf(err, errlen, -EINVAL,
			     "encrypted, and no secret gives its passphrase (secrets { private-, rsa-, ecdsa- or pkcs8-NAME { file = ...; secret = ... } })");
		else if (st.asked)
			errf(err, errlen, -EINVAL,
			     "cannot decrypt it with the passphrase of its secret");
		else if (kind)
			errf(err, errlen, -EINVAL, !strcmp(kind, "RSA") ?
			     "not an RSA private key (PEM or DER, PKCS#1 or PKCS#8)" :
			     "not an ECDSA private key (PEM or DER, SEC1 or PKCS#8)");
		else
			errf(err, errlen, -EINVAL,
			     "not a private key (PEM or DER; PKCS#1, SEC1 or PKCS#8)");
		goto out;
	}
	k = grow(p->keys, p->n_keys, sizeof(*k));
	if (!k) {
		errf(err, errlen, -ENOMEM, "out of memory");
		ret = -ENOMEM;
		goto out;
	}
	p->keys = k;
	k = &p->keys[p->n_keys];
	k->path = strdup(path);
	if (!k->path) {
		errf(err, errlen, -ENOMEM, "out of memory");
		ret = -ENOMEM;
		goto out;
	}
	k->pkey = pkey;
	pkey = NULL;
	p->n_keys++;
	ret = 0;
out:
	/* the file held the key in the clear (or its ciphertext) */
	OPENSSL_cleanse(buf, len);
	free(buf);
	EVP_PKEY_free(pkey);
	OSSL_DECODER_CTX_free(dctx);
	ERR_clear_error();
	return ret;
}

void ike_pki_match_keys(struct ike_pki *p)
{
	for (size_t i = 0; p && i < p->n_certs; i++) {
		EVP_PKEY *pub = X509_get0_pubkey(p->certs[i].x509);

		p->certs[i].key = -1;
		for (size_t k = 0; pub && k < p->n_keys; k++) {
			if (EVP_PKEY_eq(pub, p->keys[k].pkey) == 1) {
				p->certs[i].key = (int)k;
				break;
			}
		}
	}
	ERR_clear_error();
}
