// SPDX-License-Identifier: GPL-2.0-only
/*
 * Public-key rounds of IKE_AUTH (see auth_cert.h): CERT, CERTREQ and
 * signature AUTH payloads out, and the verification of the peer's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "auth_cert.h"
#include "auth_sig.h"

static int reason(char *why, size_t whylen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int reason(char *why, size_t whylen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* -------------------------------------------------- the peer's asks */

/* X.509 CERTREQs of m (RFC 7296 §3.7: SHA-1 hashes of CA public keys). */
static void collect_certreq(const struct ike_msg *m, struct ike_auth_peer *out)
{
	const struct ike_pld *p = NULL;

	while ((p = ike_msg_next(m, p, IKE_PL_CERTREQ))) {
		const struct ike_cert_view *v = &p->v.cert;

		if (v->encoding != IKE_CERT_X509_SIG)
			continue;
		out->certreq = true;
		/* §3.7: a list of 20-octet hashes; a ragged tail is ignored */
		for (size_t o = 0; o + IKE_PKI_SHA1_LEN <= v->len &&
		     out->n_certreq < IKE_AUTH_CERTREQ_MAX; o += IKE_PKI_SHA1_LEN)
			memcpy(out->certreq_data + out->n_certreq++ * IKE_PKI_SHA1_LEN,
			       v->data + o, IKE_PKI_SHA1_LEN);
	}
}

int ike_auth_peer_read(const struct ike_sa *sa, const struct ike_msg *m,
		       struct ike_auth_peer *out)
{
	const uint8_t *init = sa->initiator ? sa->init_resp : sa->init_req;
	size_t len = sa->initiator ? sa->init_resp_len : sa->init_req_len;
	struct ike_msg *im;
	const struct ike_pld *p;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (init) {
		im = malloc(sizeof(*im));
		if (!im)
			return -ENOMEM;
		/* the peer's IKE_SA_INIT as it arrived (it decoded once) */
		if (ike_msg_decode(im, init, len)) {
			rc = -EBADMSG;
		} else {
			p = ike_msg_notify(im, IKE_N_SIGNATURE_HASH_ALGORITHMS);
			if (p)
				out->sig_hashes = ike_sig_hashes_parse(p->v.n.data,
								       p->v.n.len);
			/* §1.2: the responder's CERTREQ rides in IKE_SA_INIT */
			collect_certreq(im, out);
		}
		free(im);
	}
	/* §1.2: the initiator's in its IKE_AUTH request */
	if (m)
		collect_certreq(m, out);
	return rc;
}

/* ---------------------------------------------------------- our side */

int ike_auth_enc_certreq(const struct ike_config *cfg,
			 const struct ike_conf_conn *conn, struct ike_enc *e)
{
	uint8_t data[IKE_AUTH_CERTREQ_MAX * IKE_PKI_SHA1_LEN];
	size_t n;

	if (!conn || conn->remote.method != IKE_CONF_AUTH_PUBKEY ||
	    !conn->send_certreq || !cfg)
		return 0;
	n = ike_pki_certreq(cfg->pki, &conn->remote, data, sizeof(data));
	if (!n)
		return 0;
	return ike_enc_cert(e, IKE_PL_CERTREQ, IKE_CERT_X509_SIG, data, n);
}

int ike_auth_sign(struct ike_sa *sa, const struct ike_conf_conn *conn,
		  const struct ike_auth_peer *peer, enum ike_dir signer,
		  const uint8_t *idb, size_t idlen, struct ike_auth_sig_out *out,
		  char *why, size_t whylen)
{
	const uint8_t *real = signer == IKE_DIR_I2R ? sa->init_req : sa->init_resp;
	size_t real_len = signer == IKE_DIR_I2R ? sa->init_req_len : sa->init_resp_len;
	const uint8_t *nonce = signer == IKE_DIR_I2R ? sa->nr : sa->ni;
	size_t nonce_len = signer == IKE_DIR_I2R ? sa->nr_len : sa->ni_len;
	const struct ike_config *cfg = sa->agent->cfg;
	struct ike_sig_scheme s;
	const char *w = NULL;
	uint8_t *oct = NULL;
	size_t cap, n = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!conn || !cfg || !real)
		return reason(why, whylen, -ENOKEY, "connection no longer configured");
	rc = ike_pki_local(cfg->pki, &conn->local, peer->certreq_data,
			   peer->n_certreq, &out->loc);
	if (rc)
		return reason(why, whylen, rc,
			      "no certificate with a private key for the local round");
	rc = ike_sig_choose(out->loc.key, peer->sig_hashes, conn->local.hashes,
			    conn->local.pss, &s, &w);
	if (rc)
		return reason(why, whylen, rc, "cannot sign: %s", w);
	/* §2.15: the same octets a PSK would MAC */
	cap = ike_auth_octets_len(&sa->keys, real_len, nonce_len);
	oct = malloc(cap ? cap : 1);
	if (!oct)
		return reason(why, whylen, -ENOMEM, "out of memory");
	rc = ike_auth_signed_octets(&sa->keys, signer, real, real_len, nonce,
				    nonce_len, idb, idlen, oct, cap, &n);
	if (!rc)
		rc = ike_sig_sign(out->loc.key, &s, oct, n, out->data,
				  sizeof(out->data), &out->len);
	OPENSSL_cleanse(oct, cap);
	free(oct);
	if (rc)
		return reason(why, whylen, rc, "signing failed");
	out->method = s.method;
	{
		char sch[64];

		ike_sa_log(sa, 2, "AUTH signed with %s",
			   ike_sig_scheme_str(&s, sch, sizeof(sch)));
	}
	return 0;
}

static int enc_one_cert(struct ike_enc *e, X509 *x)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der), rc;

	if (n <= 0)
		return -EIO;
	/* §3.6: X.509 Certificate - Signature, the DER as it is */
	rc = ike_enc_cert(e, IKE_PL_CERT, IKE_CERT_X509_SIG, der, (size_t)n);
	OPENSSL_free(der);
	return rc;
}

int ike_auth_enc_certs(const struct ike_conf_conn *conn,
		       const struct ike_auth_peer *peer,
		       const struct ike_auth_sig_out *sig, struct ike_enc *e)
{
	int rc;

	if (conn->send_cert == IKE_CONF_SEND_CERT_NEVER ||
	    (conn->send_cert == IKE_CONF_SEND_CERT_IFASKED && !peer->certreq))
		return 0;
	/* §3.6: the first CERT holds the key that signed AUTH */
	rc = enc_one_cert(e, sig->loc.cert->x509);
	for (unsigned int i = 0; !rc && i < sig->loc.n_chain; i++)
		rc = enc_one_cert(e, sig->loc.chain[i]->x509);
	return rc;
}

/* -------------------------------------------------------- their side */

static enum ike_agent_counter fail_counter(enum ike_cert_fail f)
{
	switch (f) {
	case IKE_CERT_EXPIRED: return IKE_AC_AUTH_CERT_EXPIRED;
	case IKE_CERT_NOT_YET_VALID: return IKE_AC_AUTH_CERT_NOT_YET_VALID;
	case IKE_CERT_UNTRUSTED: return IKE_AC_AUTH_CERT_UNTRUSTED;
	case IKE_CERT_REVOKED: return IKE_AC_AUTH_CERT_REVOKED;
	case IKE_CERT_NO_CRL: return IKE_AC_AUTH_CERT_NO_CRL;
	case IKE_CERT_KEY_USAGE: return IKE_AC_AUTH_CERT_KEY_USAGE;
	case IKE_CERT_ID_MISMATCH: return IKE_AC_AUTH_ID_MISMATCH;
	default: return IKE_AC_AUTH_CERT_INVALID;
	}
}

static bool is_sig_method(uint8_t m)
{
	return m == IKE_AUTH_RSA_SIG || m == IKE_AUTH_DIGITAL_SIGNATURE ||
	       (m >= IKE_AUTH_ECDSA_256 && m <= IKE_AUTH_ECDSA_521);
}

int ike_auth_verify(struct ike_sa *sa, const struct ike_conf_conn *conn,
		    const struct ike_msg *m, const struct ike_pld *pid,
		    const struct ike_pld *pauth,
		    const struct ike_conf_id *peer_id, enum ike_dir signer,
		    enum ike_agent_counter *counter, char *why, size_t whylen)
{
	const struct ike_config *cfg = sa->agent->cfg;
	const uint8_t *real = signer == IKE_DIR_I2R ? sa->init_req : sa->init_resp;
	size_t real_len = signer == IKE_DIR_I2R ? sa->init_req_len : sa->init_resp_len;
	const uint8_t *nonce = signer == IKE_DIR_I2R ? sa->nr : sa->ni;
	size_t nonce_len = signer == IKE_DIR_I2R ? sa->nr_len : sa->ni_len;
	const uint8_t *ders[IKE_PKI_PEER_CERTS_MAX];
	size_t lens[IKE_PKI_PEER_CERTS_MAX], cap, n = 0;
	const struct ike_pld *p = NULL;
	struct ike_auth_peer *init = NULL;
	struct ike_sig_scheme used;
	enum ike_cert_fail fail;
	EVP_PKEY *key = NULL;
	uint8_t *oct = NULL;
	unsigned int nc = 0;
	const char *w = NULL;
	char ks[32], sch[64];
	int rc, bits;

	*counter = IKE_AC_AUTH_CERT_INVALID;
	if (!conn || !cfg || !real)
		return reason(why, whylen, -EACCES, "connection no longer configured");
	/* §3.8: the peer must sign, the remote round says pubkey */
	if (!is_sig_method(pauth->v.auth.method)) {
		*counter = IKE_AC_AUTH_SIG_UNSUPPORTED;
		return reason(why, whylen, -EACCES,
			      "AUTH method %s where a signature is required (auth = pubkey)",
			      ike_auth_method_name(pauth->v.auth.method));
	}
	/* §3.6: X.509 certificates; other encodings (hash and URL) are
	 * not fetched */
	while ((p = ike_msg_next(m, p, IKE_PL_CERT)) && nc < IKE_PKI_PEER_CERTS_MAX) {
		if (p->v.cert.encoding != IKE_CERT_X509_SIG)
			continue;
		ders[nc] = p->v.cert.data;
		lens[nc++] = p->v.cert.len;
	}
	rc = ike_pki_verify_peer(cfg->pki, &conn->remote, ders, lens, nc,
				 peer_id, &key, NULL, &fail, why, whylen);
	if (rc) {
		*counter = fail_counter(fail);
		return -EACCES;
	}
	/* swanctl's rsa-2048 / ecdsa-256: the least key size accepted */
	bits = EVP_PKEY_get_bits(key);
	if ((ike_sig_key_type(key) == IKE_SIG_KEY_RSA && bits < conn->remote.rsa_bits) ||
	    (ike_sig_key_type(key) == IKE_SIG_KEY_ECDSA && bits < conn->remote.ecdsa_bits)) {
		*counter = IKE_AC_AUTH_SIG_UNSUPPORTED;
		rc = reason(why, whylen, -EACCES, "peer key %s is below the configured size",
			    ike_sig_key_str(key, ks, sizeof(ks)));
		goto out;
	}
	init = malloc(sizeof(*init));
	cap = ike_auth_octets_len(&sa->keys, real_len, nonce_len);
	oct = malloc(cap ? cap : 1);
	if (!init || !oct || ike_auth_peer_read(sa, NULL, init) ||
	    ike_auth_signed_octets(&sa->keys, signer, real, real_len, nonce,
				   nonce_len, pid->body, pid->blen, oct, cap, &n)) {
		rc = reason(why, whylen, -EACCES, "cannot compute the signed octets");
		goto out;
	}
	/* RFC 7427 §4: the classic methods only from a peer that did not
	 * announce signature hashes */
	rc = ike_sig_verify(key, pauth->v.auth.method, pauth->v.auth.data,
			    pauth->v.auth.len, oct, n, conn->remote.hashes,
			    conn->remote.key_types, conn->remote.pss,
			    !init->sig_hashes, &used, &w);
	if (rc) {
		*counter = rc == -EBADMSG ? IKE_AC_AUTH_SIG_INVALID :
					    IKE_AC_AUTH_SIG_UNSUPPORTED;
		rc = reason(why, whylen, -EACCES, "%s (%s key)", w,
			    ike_sig_key_str(key, ks, sizeof(ks)));
		goto out;
	}
	ike_sa_log(sa, 1, "peer authenticated with %s, %s key",
		   ike_sig_scheme_str(&used, sch, sizeof(sch)),
		   ike_sig_key_str(key, ks, sizeof(ks)));
out:
	if (oct)
		OPENSSL_cleanse(oct, cap);
	free(oct);
	free(init);
	EVP_PKEY_free(key);
	return rc;
}

void ike_auth_send_refusal(struct ike_sa *sa)
{
	struct ike_out *o = malloc(sizeof(*o));

	if (!o)
		return;
	/* §2.21.2: AUTHENTICATION_FAILED, and §1.4.1 the DELETE of the IKE
	 * SA, so a peer that only acts on one of them still lets go */
	if (!ike_out_begin(sa, o, IKE_EXCH_INFORMATIONAL, false, sa->msgid_next) &&
	    !ike_enc_notify(&o->e, IKE_PROTO_NONE, NULL, 0,
			    IKE_N_AUTHENTICATION_FAILED, NULL, 0) &&
	    !ike_enc_delete(&o->e, IKE_PROTO_IKE, 0, 0, NULL) &&
	    !ike_out_seal(sa, o)) {
		ike_count(sa->agent, IKE_AC_TX);
		ike_net_send(sa->agent, &sa->path, o->buf, o->len);
	}
	OPENSSL_cleanse(o, sizeof(*o));
	free(o);
}
