// SPDX-License-Identifier: GPL-2.0-only
/*
 * The certificate side of IKE_AUTH (see pki.h): our chain and key, the
 * CERTREQ hashes, and the verification of a peer's certificate with
 * OpenSSL's X509_STORE_CTX: chain building (RFC 5280 §6 as OpenSSL
 * implements it: signatures, validity, basic constraints, key usage of
 * the CAs), swanctl's revocation policies over the loaded CRLs through
 * the verify callback, then the key usage of the end-entity and its
 * identity (RFC 4945 §3.1, §5.1.3.2).
 */
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#ifndef INT_MAX
#define INT_MAX __INT_MAX__
#endif

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "pki.h"

#define NAME_MAX_STR 160

/* ------------------------------------------------------------ our side */

/* The loaded CA certificate that issued x (not x itself), or NULL. */
static const struct ike_pki_cert *issuer_of(const struct ike_pki *p, X509 *x)
{
	for (size_t i = 0; i < p->n_certs; i++) {
		X509 *c = p->certs[i].x509;

		if (!p->certs[i].ca || c == x)
			continue;
		if (X509_check_issued(c, x) == X509_V_OK)
			return &p->certs[i];
	}
	return NULL;
}

static bool self_signed(X509 *x)
{
	return X509_check_issued(x, x) == X509_V_OK;
}

/* The chain of cert up to its anchor: chain[0] is cert's issuer. */
static unsigned int chain_of(const struct ike_pki *p,
			     const struct ike_pki_cert *cert,
			     const struct ike_pki_cert **chain)
{
	const struct ike_pki_cert *c = cert;
	unsigned int n = 0;

	while (n < IKE_PKI_CHAIN_MAX && !self_signed(c->x509)) {
		const struct ike_pki_cert *up = issuer_of(p, c->x509);
		bool loop = false;

		if (!up)
			break;
		for (unsigned int i = 0; i < n; i++)
			loop |= chain[i] == up;
		if (loop || up == cert)
			break;
		chain[n++] = up;
		c = up;
	}
	return n;
}

static bool hash_requested(const uint8_t *certreq, size_t n,
			   const uint8_t h[IKE_PKI_SHA1_LEN])
{
	for (size_t i = 0; i < n; i++)
		if (!memcmp(certreq + i * IKE_PKI_SHA1_LEN, h, IKE_PKI_SHA1_LEN))
			return true;
	return false;
}

int ike_pki_local(const struct ike_pki *p, const struct ike_conf_auth *auth,
		  const uint8_t *certreq, size_t n, struct ike_pki_local *out)
{
	const struct ike_pki_cert *pick = NULL, *chain[IKE_PKI_CHAIN_MAX];
	unsigned int nc = 0;

	memset(out, 0, sizeof(*out));
	if (!p || !auth)
		return -ENOKEY;
	for (unsigned int i = 0; i < auth->n_certs && !pick; i++) {
		const struct ike_pki_cert *c;
		unsigned int k;

		if (auth->certs[i] >= p->n_certs)
			continue;
		c = &p->certs[auth->certs[i]];
		if (c->key < 0)
			continue;
		/* swanctl: the candidate whose CA the peer asked for */
		k = chain_of(p, c, chain);
		for (unsigned int j = 0; j < k && !pick; j++)
			if (hash_requested(certreq, n, chain[j]->spki_sha1))
				pick = c;
	}
	for (unsigned int i = 0; i < auth->n_certs && !pick; i++)
		if (auth->certs[i] < p->n_certs &&
		    p->certs[auth->certs[i]].key >= 0)
			pick = &p->certs[auth->certs[i]];
	if (!pick)
		return -ENOKEY;
	out->cert = pick;
	out->key = p->keys[pick->key].pkey;
	nc = chain_of(p, pick, chain);
	/* RFC 7296 §3.6: the intermediates help the peer build the path;
	 * the self-signed root it must have already */
	for (unsigned int i = 0; i < nc; i++)
		if (!self_signed(chain[i]->x509))
			out->chain[out->n_chain++] = chain[i];
	return 0;
}

size_t ike_pki_certreq(const struct ike_pki *p,
		       const struct ike_conf_auth *auth, uint8_t *out,
		       size_t cap)
{
	size_t n = 0;

	if (!p || !auth)
		return 0;
	for (size_t i = 0; i < p->n_certs; i++) {
		const struct ike_pki_cert *c = &p->certs[i];
		bool anchor = false;

		if (auth->n_cacerts) {
			for (unsigned int k = 0; k < auth->n_cacerts; k++)
				anchor |= auth->cacerts[k] == i;
		} else {
			anchor = c->ca;
		}
		if (!anchor || hash_requested(out, n, c->spki_sha1))
			continue;
		if ((n + 1) * IKE_PKI_SHA1_LEN > cap)
			break;
		memcpy(out + n * IKE_PKI_SHA1_LEN, c->spki_sha1, IKE_PKI_SHA1_LEN);
		n++;
	}
	return n * IKE_PKI_SHA1_LEN;
}

/* ---------------------------------------------------------- peer's side */

struct verify_state {
	uint8_t revocation;             /* enum ike_conf_revocation */
	enum ike_cert_fail fail;
	char *why;
	size_t whylen;
};

static const char *subject_str(X509 *x, char *buf, size_t len)
{
	if (!x) {
		snprintf(buf, len, "?");
		return buf;
	}
	return ike_cert_name_str(X509_get_subject_name(x), buf, len);
}

static void time_str(const ASN1_TIME *t, char *buf, size_t len)
{
	struct tm tm;

	if (t && ASN1_TIME_to_tm(t, &tm))
		strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
	else
		snprintf(buf, len, "?");
}

static void fail_set(struct verify_state *st, enum ike_cert_fail f,
		     const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The first failure wins: it is the one the log line names. */
static void fail_set(struct verify_state *st, enum ike_cert_fail f,
		     const char *fmt, ...)
{
	va_list ap;

	if (st->fail)
		return;
	st->fail = f;
	if (!st->why || !st->whylen)
		return;
	va_start(ap, fmt);
	vsnprintf(st->why, st->whylen, fmt, ap);
	va_end(ap);
}

/* Whether x names a CRL distribution point (swanctl's "ifuri"). */
static bool has_crl_uri(X509 *x)
{
	STACK_OF(DIST_POINT) *dps = X509_get_ext_d2i(x, NID_crl_distribution_points,
						     NULL, NULL);
	bool yes = dps && sk_DIST_POINT_num(dps) > 0;

	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	return yes;
}

static bool crl_error(int err)
{
	switch (err) {
	case X509_V_ERR_UNABLE_TO_GET_CRL:
	case X509_V_ERR_CRL_HAS_EXPIRED:
	case X509_V_ERR_CRL_NOT_YET_VALID:
	case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
	case X509_V_ERR_CRL_SIGNATURE_FAILURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
	case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
	case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
	case X509_V_ERR_KEYUSAGE_NO_CRL_SIGN:
	case X509_V_ERR_DIFFERENT_CRL_SCOPE:
	case X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION:
		return true;
	default:
		return false;
	}
}

/* Records the first error OpenSSL reports; lets through what the
 * revocation policy allows. */
static int verify_cb(int ok, X509_STORE_CTX *ctx)
{
	struct verify_state *st = X509_STORE_CTX_get_app_data(ctx);
	int err = X509_STORE_CTX_get_error(ctx);
	int depth = X509_STORE_CTX_get_error_depth(ctx);
	STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
	X509 *x = X509_STORE_CTX_get_current_cert(ctx);
	char subj[NAME_MAX_STR], when[40];

	if (ok || !st)
		return ok;
	if (crl_error(err)) {
		/* the anchor's own revocation is not ours to ask */
		if (chain && depth == sk_X509_num(chain) - 1)
			return 1;
		if (st->revocation == IKE_CONF_REVOCATION_RELAXED)
			return 1;
		if (st->revocation == IKE_CONF_REVOCATION_IFURI && !has_crl_uri(x))
			return 1;
		fail_set(st, IKE_CERT_NO_CRL,
			 "revocation status of '%s' unknown (%s) and revocation = strict/ifuri",
			 subject_str(x, subj, sizeof(subj)),
			 X509_verify_cert_error_string(err));
		return 0;
	}
	switch (err) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		time_str(X509_get0_notAfter(x), when, sizeof(when));
		fail_set(st, IKE_CERT_EXPIRED, "certificate '%s' expired %s",
			 subject_str(x, subj, sizeof(subj)), when);
		break;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		time_str(X509_get0_notBefore(x), when, sizeof(when));
		fail_set(st, IKE_CERT_NOT_YET_VALID,
			 "certificate '%s' not valid before %s",
			 subject_str(x, subj, sizeof(subj)), when);
		break;
	case X509_V_ERR_CERT_REVOKED:
		fail_set(st, IKE_CERT_REVOKED,
			 "certificate '%s' revoked by a CRL of its issuer",
			 subject_str(x, subj, sizeof(subj)));
		break;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_UNTRUSTED:
	case X509_V_ERR_CERT_CHAIN_TOO_LONG:
		fail_set(st, IKE_CERT_UNTRUSTED,
			 "certificate '%s' does not chain to a trusted CA (%s)",
			 subject_str(x, subj, sizeof(subj)),
			 X509_verify_cert_error_string(err));
		break;
	case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
	case X509_V_ERR_INVALID_PURPOSE:
		fail_set(st, IKE_CERT_KEY_USAGE, "certificate '%s': %s",
			 subject_str(x, subj, sizeof(subj)),
			 X509_verify_cert_error_string(err));
		break;
	default:
		fail_set(st, IKE_CERT_INVALID, "certificate '%s': %s",
			 subject_str(x, subj, sizeof(subj)),
			 X509_verify_cert_error_string(err));
		break;
	}
	return 0;
}

static bool is_pinned(const struct ike_pki *p, const struct ike_conf_auth *auth,
		      X509 *x)
{
	for (unsigned int i = 0; i < auth->n_certs; i++)
		if (auth->certs[i] < p->n_certs &&
		    !X509_cmp(p->certs[auth->certs[i]].x509, x))
			return true;
	return false;
}

/* The end-entity when the peer sent none (RFC 7296 §3.6 lets it omit
 * what we are expected to have): a pinned one, or a loaded end-entity
 * holding its identity. */
static X509 *local_peer_cert(const struct ike_pki *p,
			     const struct ike_conf_auth *auth,
			     const struct ike_conf_id *id)
{
	for (unsigned int i = 0; i < auth->n_certs; i++) {
		uint16_t k = auth->certs[i];

		if (k < p->n_certs && ike_cert_has_id(p->certs[k].x509, id))
			return X509_dup(p->certs[k].x509);
	}
	if (auth->n_certs)
		return NULL;
	for (size_t k = 0; k < p->n_certs; k++)
		if (!p->certs[k].ca && ike_cert_has_id(p->certs[k].x509, id))
			return X509_dup(p->certs[k].x509);
	return NULL;
}

static X509 *cert_from_der(const uint8_t *der, size_t len)
{
	const unsigned char *q = der;
	X509 *x;

	if (!len || len > INT_MAX)
		return NULL;
	x = d2i_X509(NULL, &q, (long)len);
	if (x && q != der + len) {
		X509_free(x);
		x = NULL;
	}
	return x;
}

/* Builds the store of trust anchors (auth->cacerts, or every CA) with
 * every CRL, and the untrusted pool (the peer's other certificates and
 * the loaded CAs that are not anchors here). */
static int build_store(const struct ike_pki *p,
		       const struct ike_conf_auth *auth, X509_STORE **out,
		       STACK_OF(X509) *pool)
{
	X509_STORE *store = X509_STORE_new();
	bool any = false;

	if (!store)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_certs; i++) {
		bool anchor = false;

		if (auth->n_cacerts) {
			for (unsigned int k = 0; k < auth->n_cacerts; k++)
				anchor |= auth->cacerts[k] == i;
		} else {
			anchor = p->certs[i].ca;
		}
		if (anchor) {
			if (!X509_STORE_add_cert(store, p->certs[i].x509))
				goto fail;
			any = true;
		} else if (p->certs[i].ca &&
			   !X509_add_cert(pool, p->certs[i].x509, X509_ADD_FLAG_UP_REF)) {
			goto fail;
		}
	}
	for (size_t i = 0; i < p->n_crls; i++)
		if (!X509_STORE_add_crl(store, p->crls[i].crl))
			goto fail;
	if (!any)
		goto fail;
	*out = store;
	return 0;
fail:
	X509_STORE_free(store);
	return -EINVAL;
}

int ike_pki_verify_peer(const struct ike_pki *p,
			const struct ike_conf_auth *auth,
			const uint8_t *const *certs, const size_t *lens,
			unsigned int n, const struct ike_conf_id *id,
			EVP_PKEY **key, X509 **ee_out, enum ike_cert_fail *fail,
			char *why, size_t whylen)
{
	struct verify_state st = {
		.revocation = auth ? auth->revocation : 0,
		.why = why, .whylen = whylen,
	};
	STACK_OF(X509) *pool = sk_X509_new_null();
	X509_STORE_CTX *ctx = NULL;
	X509_STORE *store = NULL;
	X509 *ee = NULL;
	char subj[NAME_MAX_STR], idstr[NAME_MAX_STR];
	uint32_t ku;
	int ret = -EACCES;

	*key = NULL;
	if (ee_out)
		*ee_out = NULL;
	if (why && whylen)
		why[0] = '\0';
	if (!pool) {
		fail_set(&st, IKE_CERT_INVALID, "out of memory");
		goto out;
	}
	if (!p || !auth) {
		fail_set(&st, IKE_CERT_UNTRUSTED, "no certificates loaded");
		goto out;
	}
	/* RFC 7296 §3.6: the first CERT holds the key that signed AUTH */
	if (n) {
		ee = cert_from_der(certs[0], lens[0]);
		if (!ee) {
			fail_set(&st, IKE_CERT_INVALID,
				 "the peer's first CERT payload is not an X.509 certificate");
			goto out;
		}
		for (unsigned int i = 1; i < n && i < IKE_PKI_PEER_CERTS_MAX; i++) {
			X509 *x = cert_from_der(certs[i], lens[i]);

			if (!x || !sk_X509_push(pool, x)) {
				X509_free(x);
				fail_set(&st, IKE_CERT_INVALID,
					 "a CERT payload of the peer is not an X.509 certificate");
				goto out;
			}
		}
	} else {
		ee = local_peer_cert(p, auth, id);
		if (!ee) {
			fail_set(&st, IKE_CERT_INVALID,
				 "the peer sent no certificate and none loaded holds its identity '%s'",
				 ike_conf_id_str(id, idstr, sizeof(idstr)));
			goto out;
		}
	}
	subject_str(ee, subj, sizeof(subj));
	if (auth->n_certs && !is_pinned(p, auth, ee)) {
		fail_set(&st, IKE_CERT_UNTRUSTED,
			 "certificate '%s' is not one of the remote certs configured",
			 subj);
		goto out;
	}
	if (auth->n_certs) {
		/* pinned: trusted as configured, only its own time */
		char when[40];

		if (X509_cmp_current_time(X509_get0_notBefore(ee)) >= 0) {
			time_str(X509_get0_notBefore(ee), when, sizeof(when));
			fail_set(&st, IKE_CERT_NOT_YET_VALID,
				 "certificate '%s' not valid before %s", subj, when);
			goto out;
		}
		if (X509_cmp_current_time(X509_get0_notAfter(ee)) <= 0) {
			time_str(X509_get0_notAfter(ee), when, sizeof(when));
			fail_set(&st, IKE_CERT_EXPIRED,
				 "certificate '%s' expired %s", subj, when);
			goto out;
		}
	} else {
		if (build_store(p, auth, &store, pool)) {
			fail_set(&st, IKE_CERT_UNTRUSTED,
				 "no trust anchor for '%s' (no CA loaded for this connection)",
				 subj);
			goto out;
		}
		ctx = X509_STORE_CTX_new();
		if (!ctx || !X509_STORE_CTX_init(ctx, store, ee, pool)) {
			fail_set(&st, IKE_CERT_INVALID, "out of memory");
			goto out;
		}
		X509_STORE_CTX_set_app_data(ctx, &st);
		X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
		/* a CA loaded from x509ca/ is a trust anchor even when it is
		 * an intermediate (as strongSwan treats it); every
		 * certificate below the anchor is checked against the CRLs
		 * (the callback applies the policy when none is there) */
		X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_PARTIAL_CHAIN |
					 X509_V_FLAG_CRL_CHECK |
					 X509_V_FLAG_CRL_CHECK_ALL);
		X509_STORE_CTX_set_depth(ctx, IKE_PKI_CHAIN_MAX);
		if (X509_verify_cert(ctx) != 1 || st.fail) {
			fail_set(&st, IKE_CERT_UNTRUSTED, "certificate '%s': %s",
				 subj, X509_verify_cert_error_string(
					 X509_STORE_CTX_get_error(ctx)));
			goto out;
		}
	}
	/* RFC 4945 §5.1.3.2: a key usage, if there, allows signing */
	ku = X509_get_key_usage(ee);
	if (ku != UINT32_MAX && !(ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION))) {
		fail_set(&st, IKE_CERT_KEY_USAGE,
			 "certificate '%s' key usage allows neither digitalSignature nor nonRepudiation",
			 subj);
		goto out;
	}
	/* RFC 4945 §3.1: the identity of the ID payload is in it */
	if (!ike_cert_has_id(ee, id)) {
		fail_set(&st, IKE_CERT_ID_MISMATCH,
			 "identity '%s' is not in certificate '%s' (subjectAltName or subject, RFC 4945 §3.1)",
			 ike_conf_id_str(id, idstr, sizeof(idstr)), subj);
		goto out;
	}
	*key = X509_get_pubkey(ee);
	if (!*key) {
		fail_set(&st, IKE_CERT_INVALID, "certificate '%s' has no usable public key",
			 subj);
		goto out;
	}
	if (ee_out) {
		*ee_out = ee;
		ee = NULL;
	}
	ret = 0;
out:
	if (fail)
		*fail = ret ? (st.fail ? st.fail : IKE_CERT_INVALID) : IKE_CERT_OK;
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	sk_X509_pop_free(pool, X509_free);
	X509_free(ee);
	ERR_clear_error();
	return ret;
}
