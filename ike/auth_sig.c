// SPDX-License-Identifier: GPL-2.0-only
/*
 * Signature AUTH payloads (see auth_sig.h): RFC 7427 Digital Signature
 * with the AlgorithmIdentifier OpenSSL builds for the signing context,
 * and the classic RSA (1) and ECDSA (9-11) methods. The AlgorithmIdentifier
 * a peer sends is decoded with OpenSSL's ASN.1 types and checked against
 * the key before anything is verified.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

/* engine/limits.h shadows <limits.h> on the include path; OpenSSL's
 * headers need INT_MAX. */
#ifndef INT_MAX
#define INT_MAX __INT_MAX__
#endif

#include <openssl/asn1.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "auth_sig.h"

#define AID_MAX 128u            /* a PSS AlgorithmIdentifier is 67 */
#define EC_COORD_MAX 66u        /* P-521 */

static int set_why(const char **why, const char *msg, int err)
{
	if (why)
		*why = msg;
	return err;
}

/* ------------------------------------------------------------ hashes */

uint32_t ike_sig_hashes_parse(const uint8_t *data, size_t len)
{
	uint32_t set = 0;

	/* RFC 7427 §4: a list of 16-bit hash algorithm identifiers */
	if (len % 2)
		return 0;
	for (size_t i = 0; i < len; i += 2) {
		unsigned int h = (unsigned int)data[i] << 8 | data[i + 1];

		if (h >= IKE_HASH_SHA1 && h <= IKE_HASH_IDENTITY)
			set |= IKE_SIG_HASH(h);
	}
	return set;
}

size_t ike_sig_hashes_encode(uint8_t *out, size_t cap)
{
	static const uint8_t ours[] = {
		0, IKE_HASH_SHA2_256, 0, IKE_HASH_SHA2_384,
		0, IKE_HASH_SHA2_512, 0, IKE_HASH_IDENTITY,
	};

	if (cap < sizeof(ours))
		return 0;
	memcpy(out, ours, sizeof(ours));
	return sizeof(ours);
}

static const char *md_name(uint8_t hash)
{
	switch (hash) {
	case IKE_HASH_SHA1: return "SHA1";
	case IKE_HASH_SHA2_256: return "SHA256";
	case IKE_HASH_SHA2_384: return "SHA384";
	case IKE_HASH_SHA2_512: return "SHA512";
	default: return NULL;  /* Identity: EdDSA hashes by itself */
	}
}

static const char *hash_str(uint8_t hash)
{
	switch (hash) {
	case IKE_HASH_SHA1: return "SHA-1";
	case IKE_HASH_SHA2_256: return "SHA-256";
	case IKE_HASH_SHA2_384: return "SHA-384";
	case IKE_HASH_SHA2_512: return "SHA-512";
	case IKE_HASH_IDENTITY: return "Identity";
	default: return "?";
	}
}

/* The IKE hash of a digest NID, 0 if none of ours. */
static uint8_t hash_of_nid(int nid)
{
	switch (nid) {
	case NID_sha1: return IKE_HASH_SHA1;
	case NID_sha256: return IKE_HASH_SHA2_256;
	case NID_sha384: return IKE_HASH_SHA2_384;
	case NID_sha512: return IKE_HASH_SHA2_512;
	default: return 0;
	}
}

/* -------------------------------------------------------------- keys */

uint8_t ike_sig_key_type(const EVP_PKEY *key)
{
	if (!key)
		return 0;
	if (EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "RSA-PSS"))
		return IKE_SIG_KEY_RSA;
	if (EVP_PKEY_is_a(key, "EC"))
		return IKE_SIG_KEY_ECDSA;
	if (EVP_PKEY_is_a(key, "ED25519"))
		return IKE_SIG_KEY_ED25519;
	if (EVP_PKEY_is_a(key, "ED448"))
		return IKE_SIG_KEY_ED448;
	return 0;
}

const char *ike_sig_key_str(const EVP_PKEY *key, char *buf, size_t len)
{
	switch (ike_sig_key_type(key)) {
	case IKE_SIG_KEY_RSA:
		snprintf(buf, len, "RSA-%d", EVP_PKEY_get_bits(key));
		break;
	case IKE_SIG_KEY_ECDSA:
		snprintf(buf, len, "ECDSA P-%d", EVP_PKEY_get_bits(key));
		break;
	case IKE_SIG_KEY_ED25519:
		snprintf(buf, len, "Ed25519");
		break;
	case IKE_SIG_KEY_ED448:
		snprintf(buf, len, "Ed448");
		break;
	default:
		snprintf(buf, len, "unsupported key type");
		break;
	}
	return buf;
}

const char *ike_sig_scheme_str(const struct ike_sig_scheme *s, char *buf,
			       size_t len)
{
	const char *alg = s->key == IKE_SIG_KEY_RSA ?
			  (s->pss ? "RSA/PSS" : "RSA/PKCS1") :
			  s->key == IKE_SIG_KEY_ECDSA ? "ECDSA" :
			  s->key == IKE_SIG_KEY_ED25519 ? "Ed25519" :
			  s->key == IKE_SIG_KEY_ED448 ? "Ed448" : "?";

	if (s->key == IKE_SIG_KEY_ED25519 || s->key == IKE_SIG_KEY_ED448)
		snprintf(buf, len, "%s (RFC 8420)", alg);
	else
		snprintf(buf, len, "%s with %s%s", alg, hash_str(s->hash),
			 s->method == IKE_AUTH_DIGITAL_SIGNATURE ?
			 " (RFC 7427)" : " (classic)");
	return buf;
}

/* The classic ECDSA method and hash of a curve size (RFC 4754 §3). */
static int ecdsa_classic(int bits, uint8_t *method, uint8_t *hash)
{
	switch (bits) {
	case 256:
		*method = IKE_AUTH_ECDSA_256;
		*hash = IKE_HASH_SHA2_256;
		return 0;
	case 384:
		*method = IKE_AUTH_ECDSA_384;
		*hash = IKE_HASH_SHA2_384;
		return 0;
	case 521:
		*method = IKE_AUTH_ECDSA_521;
		*hash = IKE_HASH_SHA2_512;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/* ------------------------------------------------------------ choose */

int ike_sig_choose(const EVP_PKEY *key, uint32_t peer_hashes,
		   uint32_t allowed, bool pss, struct ike_sig_scheme *out,
		   const char **why)
{
	static const uint8_t rsa_order[] = {
		IKE_HASH_SHA2_256, IKE_HASH_SHA2_384, IKE_HASH_SHA2_512,
	};
	uint8_t kt = ike_sig_key_type(key), pref[3], curve_hash = 0;
	bool constrained = allowed != 0;
	uint32_t both;

	memset(out, 0, sizeof(*out));
	out->key = kt;
	if (!kt)
		return set_why(why, "the private key is of no type IKE signs with",
			       -EOPNOTSUPP);
	if (pss && kt != IKE_SIG_KEY_RSA)
		return set_why(why, "RSASSA-PSS configured but the key is not RSA",
			       -EOPNOTSUPP);
	if (!allowed)
		allowed = IKE_SIG_HASHES_OURS;
	if (!peer_hashes) {
		/* RFC 7427 §4: without the peer's notify only the methods
		 * of RFC 7296 §3.8 and RFC 4754 are open */
		if (kt == IKE_SIG_KEY_RSA && !pss && !constrained) {
			out->method = IKE_AUTH_RSA_SIG;
			out->hash = IKE_HASH_SHA1;
			return 0;
		}
		if (kt == IKE_SIG_KEY_RSA)
			return set_why(why, "the peer did not announce RFC 7427 signature hashes and RSA method 1 (SHA-1) is excluded by the configuration",
				       -EOPNOTSUPP);
		if (kt == IKE_SIG_KEY_ECDSA &&
		    !ecdsa_classic(EVP_PKEY_get_bits(key), &out->method,
				   &out->hash) &&
		    (allowed & IKE_SIG_HASH(out->hash)))
			return 0;
		return set_why(why, "the peer did not announce RFC 7427 signature hashes and no classic method fits the key",
			       -EOPNOTSUPP);
	}
	out->method = IKE_AUTH_DIGITAL_SIGNATURE;
	both = peer_hashes & allowed & IKE_SIG_HASHES_OURS;
	if (kt == IKE_SIG_KEY_ED25519 || kt == IKE_SIG_KEY_ED448) {
		/* RFC 8420 §2: EdDSA signs the data itself, "Identity" */
		if (!(both & IKE_SIG_HASH(IKE_HASH_IDENTITY)))
			return set_why(why, "the peer does not accept the Identity hash EdDSA needs (RFC 8420)",
				       -EOPNOTSUPP);
		out->hash = IKE_HASH_IDENTITY;
		return 0;
	}
	memcpy(pref, rsa_order, sizeof(pref));
	if (kt == IKE_SIG_KEY_ECDSA) {
		uint8_t m;

		/* a hash as strong as the curve first */
		if (!ecdsa_classic(EVP_PKEY_get_bits(key), &m, &curve_hash)) {
			pref[0] = curve_hash;
			for (size_t i = 0, j = 1; i < sizeof(rsa_order); i++)
				if (rsa_order[i] != curve_hash)
					pref[j++] = rsa_order[i];
		}
	}
	for (size_t i = 0; i < sizeof(pref); i++) {
		if (both & IKE_SIG_HASH(pref[i])) {
			out->hash = pref[i];
			out->pss = pss;
			return 0;
		}
	}
	return set_why(why, "no signature hash both the peer and this side accept",
		       -EOPNOTSUPP);
}

/* ------------------------------------------------------------ signing */

/* Sets up ctx to sign or verify as s; pctx is the key context. */
static int sig_init(EVP_MD_CTX *ctx, EVP_PKEY *key,
		    const struct ike_sig_scheme *s, bool sign, int salt,
		    const char *mgf1)
{
	EVP_PKEY_CTX *pctx = NULL;
	const char *md = md_name(s->hash);
	int ok;

	if (s->key == IKE_SIG_KEY_ED25519 || s->key == IKE_SIG_KEY_ED448)
		md = NULL;
	ok = sign ? EVP_DigestSignInit_ex(ctx, &pctx, md, NULL, NULL, key, NULL) :
		    EVP_DigestVerifyInit_ex(ctx, &pctx, md, NULL, NULL, key, NULL);
	if (ok != 1)
		return -EIO;
	if (s->key == IKE_SIG_KEY_RSA) {
		if (EVP_PKEY_CTX_set_rsa_padding(pctx, s->pss ?
						 RSA_PKCS1_PSS_PADDING :
						 RSA_PKCS1_PADDING) <= 0)
			return -EIO;
		/* RFC 7427 A.4 / RFC 8247: the salt as long as the hash,
		 * MGF1 with the same hash; on receipt what the peer says */
		if (s->pss &&
		    (EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt) <= 0 ||
		     EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, mgf1 ? mgf1 : md,
						       NULL) <= 0))
			return -EIO;
	}
	return 0;
}

/* The DER AlgorithmIdentifier OpenSSL uses for the signing context. */
static int sig_aid(EVP_MD_CTX *ctx, uint8_t *aid, size_t *len)
{
	EVP_PKEY_CTX *pctx = EVP_MD_CTX_get_pkey_ctx(ctx);
	OSSL_PARAM p[2];

	p[0] = OSSL_PARAM_construct_octet_string(
		OSSL_SIGNATURE_PARAM_ALGORITHM_ID, aid, AID_MAX);
	p[1] = OSSL_PARAM_construct_end();
	if (!pctx || EVP_PKEY_CTX_get_params(pctx, p) != 1 ||
	    !OSSL_PARAM_modified(&p[0]) || !p[0].return_size ||
	    p[0].return_size > AID_MAX)
		return -EIO;
	*len = p[0].return_size;
	return 0;
}

/* DER ECDSA-Sig-Value -> r || s of coord octets each (RFC 4754 §7). */
static int ecdsa_der_to_raw(const uint8_t *der, size_t len, size_t coord,
			    uint8_t *out)
{
	const unsigned char *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
	const BIGNUM *r, *s;
	int err = -EIO;

	if (!sig)
		return -EIO;
	ECDSA_SIG_get0(sig, &r, &s);
	if (BN_bn2binpad(r, out, (int)coord) == (int)coord &&
	    BN_bn2binpad(s, out + coord, (int)coord) == (int)coord)
		err = 0;
	ECDSA_SIG_free(sig);
	return err;
}

/* r || s -> DER ECDSA-Sig-Value in *der (OPENSSL_free it). */
static int ecdsa_raw_to_der(const uint8_t *raw, size_t coord, uint8_t **der,
			    size_t *len)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, (int)coord, NULL);
	BIGNUM *s = BN_bin2bn(raw + coord, (int)coord, NULL);
	unsigned char *out = NULL;
	int n;

	if (!sig || !r || !s || !ECDSA_SIG_set0(sig, r, s)) {
		ECDSA_SIG_free(sig);
		BN_free(r);
		BN_free(s);
		return -ENOMEM;
	}
	n = i2d_ECDSA_SIG(sig, &out);
	ECDSA_SIG_free(sig);
	if (n <= 0)
		return -EIO;
	*der = out;
	*len = (size_t)n;
	return 0;
}

int ike_sig_sign(EVP_PKEY *key, const struct ike_sig_scheme *s,
		 const uint8_t *octets, size_t n, uint8_t *out, size_t cap,
		 size_t *out_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t aid[AID_MAX], der[IKE_SIG_MAX];
	size_t aid_len = 0, slen = sizeof(der), hdr = 0;
	int err = -ENOMEM;

	if (!ctx)
		goto out;
	if (!key || !s || !octets || !out || !out_len ||
	    s->key != ike_sig_key_type(key)) {
		err = -EINVAL;
		goto out;
	}
	err = sig_init(ctx, key, s, true, RSA_PSS_SALTLEN_DIGEST, NULL);
	if (err)
		goto out;
	if (s->method == IKE_AUTH_DIGITAL_SIGNATURE) {
		/* RFC 7427 §3: ASN.1 Length (1 octet) | AlgorithmIdentifier
		 * | Signature Value */
		err = sig_aid(ctx, aid, &aid_len);
		if (err)
			goto out;
		hdr = 1 + aid_len;
	}
	err = -EIO;
	if (EVP_DigestSign(ctx, NULL, &slen, octets, n) != 1 ||
	    slen > sizeof(der) ||
	    EVP_DigestSign(ctx, der, &slen, octets, n) != 1)
		goto out;
	if (s->method >= IKE_AUTH_ECDSA_256 && s->method <= IKE_AUTH_ECDSA_521) {
		/* RFC 4754 §7: r and s as fixed-length octet strings */
		size_t coord = ((size_t)EVP_PKEY_get_bits(key) + 7) / 8;

		err = -ENOSPC;
		if (2 * coord > cap)
			goto out;
		err = ecdsa_der_to_raw(der, slen, coord, out);
		if (!err)
			*out_len = 2 * coord;
		goto out;
	}
	err = -ENOSPC;
	if (hdr + slen > cap)
		goto out;
	if (hdr) {
		out[0] = (uint8_t)aid_len;
		memcpy(out + 1, aid, aid_len);
	}
	memcpy(out + hdr, der, slen);
	*out_len = hdr + slen;
	err = 0;
out:
	if (err)
		ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	return err;
}

/* ------------------------------------------------------------ verify */

/* A digest AlgorithmIdentifier inside PSS parameters: its IKE hash. */
static uint8_t hash_of_algor(const X509_ALGOR *a)
{
	const ASN1_OBJECT *obj;
	int ptype;

	X509_ALGOR_get0(&obj, &ptype, NULL, a);
	/* RFC 4055 §2.1: parameters NULL or absent */
	if (ptype != V_ASN1_UNDEF && ptype != V_ASN1_NULL)
		return 0;
	return hash_of_nid(OBJ_obj2nid(obj));
}

/* RSASSA-PSS-params (RFC 4055 §3.1): the hash, MGF1's hash and the salt.
 * Defaults (SHA-1) are returned as such and refused by the caller. */
static int pss_params(const X509_ALGOR *alg, uint8_t *hash, uint8_t *mgf1,
		      int *salt, const char **why)
{
	const ASN1_OBJECT *obj;
	const void *pv;
	int ptype, err = -EINVAL;
	RSA_PSS_PARAMS *pss = NULL;
	X509_ALGOR *mh = NULL;

	X509_ALGOR_get0(&obj, &ptype, &pv, alg);
	if (ptype != V_ASN1_SEQUENCE)
		return set_why(why, "RSASSA-PSS AlgorithmIdentifier without parameters",
			       -EINVAL);
	pss = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(RSA_PSS_PARAMS),
					alg->parameter);
	if (!pss) {
		set_why(why, "RSASSA-PSS parameters do not decode", 0);
		goto out;
	}
	*hash = pss->hashAlgorithm ? hash_of_algor(pss->hashAlgorithm) :
				     IKE_HASH_SHA1;
	*mgf1 = IKE_HASH_SHA1;
	if (pss->maskGenAlgorithm) {
		if (OBJ_obj2nid(pss->maskGenAlgorithm->algorithm) != NID_mgf1) {
			set_why(why, "RSASSA-PSS mask generation is not MGF1", 0);
			goto out;
		}
		mh = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(X509_ALGOR),
					       pss->maskGenAlgorithm->parameter);
		*mgf1 = mh ? hash_of_algor(mh) : 0;
	}
	*salt = 20;
	if (pss->saltLength) {
		long v = ASN1_INTEGER_get(pss->saltLength);

		if (v < 0 || v > 512) {
			set_why(why, "RSASSA-PSS salt length out of range", 0);
			goto out;
		}
		*salt = (int)v;
	}
	/* RFC 4055 §3.1: the trailer field is always 1 */
	if (pss->trailerField && ASN1_INTEGER_get(pss->trailerField) != 1) {
		set_why(why, "RSASSA-PSS trailer field is not 1", 0);
		goto out;
	}
	if (!*hash || !*mgf1) {
		set_why(why, "RSASSA-PSS with an unknown hash", 0);
		goto out;
	}
	err = 0;
out:
	X509_ALGOR_free(mh);
	RSA_PSS_PARAMS_free(pss);
	return err;
}

/* The scheme an RFC 7427 AlgorithmIdentifier names. */
static int scheme_of_aid(const X509_ALGOR *alg, struct ike_sig_scheme *s,
			 int *salt, uint8_t *mgf1, const char **why)
{
	const ASN1_OBJECT *obj;
	int ptype, nid;

	X509_ALGOR_get0(&obj, &ptype, NULL, alg);
	nid = OBJ_obj2nid(obj);
	*mgf1 = 0;
	switch (nid) {
	case NID_sha1WithRSAEncryption:
	case NID_sha256WithRSAEncryption:
	case NID_sha384WithRSAEncryption:
	case NID_sha512WithRSAEncryption:
		/* RFC 4055 §5: parameters NULL (or absent) */
		if (ptype != V_ASN1_NULL && ptype != V_ASN1_UNDEF)
			return set_why(why, "RSA AlgorithmIdentifier with parameters",
				       -EINVAL);
		s->key = IKE_SIG_KEY_RSA;
		s->hash = nid == NID_sha1WithRSAEncryption ? IKE_HASH_SHA1 :
			  nid == NID_sha256WithRSAEncryption ? IKE_HASH_SHA2_256 :
			  nid == NID_sha384WithRSAEncryption ? IKE_HASH_SHA2_384 :
			  IKE_HASH_SHA2_512;
		return 0;
	case NID_rsassaPss:
		s->key = IKE_SIG_KEY_RSA;
		s->pss = true;
		return pss_params(alg, &s->hash, mgf1, salt, why);
	case NID_ecdsa_with_SHA1:
	case NID_ecdsa_with_SHA256:
	case NID_ecdsa_with_SHA384:
	case NID_ecdsa_with_SHA512:
		/* RFC 5758 §3.2: no parameters */
		if (ptype != V_ASN1_UNDEF)
			return set_why(why, "ECDSA AlgorithmIdentifier with parameters",
				       -EINVAL);
		s->key = IKE_SIG_KEY_ECDSA;
		s->hash = nid == NID_ecdsa_with_SHA1 ? IKE_HASH_SHA1 :
			  nid == NID_ecdsa_with_SHA256 ? IKE_HASH_SHA2_256 :
			  nid == NID_ecdsa_with_SHA384 ? IKE_HASH_SHA2_384 :
			  IKE_HASH_SHA2_512;
		return 0;
	case NID_ED25519:
	case NID_ED448:
		/* RFC 8410 §3: parameters MUST be absent */
		if (ptype != V_ASN1_UNDEF)
			return set_why(why, "EdDSA AlgorithmIdentifier with parameters",
				       -EINVAL);
		s->key = nid == NID_ED25519 ? IKE_SIG_KEY_ED25519 :
					      IKE_SIG_KEY_ED448;
		s->hash = IKE_HASH_IDENTITY;
		return 0;
	default:
		return set_why(why, "unknown signature AlgorithmIdentifier",
			       -EOPNOTSUPP);
	}
}

int ike_sig_verify(EVP_PKEY *key, uint8_t method, const uint8_t *data,
		   size_t len, const uint8_t *octets, size_t n,
		   uint32_t allowed, uint8_t key_types, bool pss,
		   bool classic_ok, struct ike_sig_scheme *used,
		   const char **why)
{
	struct ike_sig_scheme s = { .method = method };
	bool constrained = allowed != 0;
	EVP_MD_CTX *ctx = NULL;
	X509_ALGOR *alg = NULL;
	const uint8_t *sig = data;
	uint8_t *der = NULL, kt = ike_sig_key_type(key), mgf1 = 0;
	size_t slen = len;
	int salt = RSA_PSS_SALTLEN_AUTO, err;

	if (used)
		memset(used, 0, sizeof(*used));
	if (!key || !data || !octets)
		return set_why(why, "nothing to verify", -EINVAL);
	if (!kt)
		return set_why(why, "the certificate's key is of no type IKE signs with",
			       -EOPNOTSUPP);
	switch (method) {
	case IKE_AUTH_DIGITAL_SIGNATURE: {
		const unsigned char *p;
		size_t alen;

		/* RFC 7427 §3: ASN.1 Length, AlgorithmIdentifier, signature */
		if (len < 2 || (size_t)data[0] + 1 >= len)
			return set_why(why, "Digital Signature AUTH data truncated",
				       -EINVAL);
		alen = data[0];
		p = data + 1;
		alg = d2i_X509_ALGOR(NULL, &p, (long)alen);
		if (!alg || p != data + 1 + alen) {
			err = set_why(why, "AlgorithmIdentifier does not decode to its stated length",
				      -EINVAL);
			goto out;
		}
		err = scheme_of_aid(alg, &s, &salt, &mgf1, why);
		if (err)
			goto out;
		sig = data + 1 + alen;
		slen = len - 1 - alen;
		break;
	}
	case IKE_AUTH_RSA_SIG:
		/* RFC 7296 §3.8 with SHA-1: only for a peer that cannot do
		 * RFC 7427 (it sent no SIGNATURE_HASH_ALGORITHMS) */
		if (!classic_ok)
			return set_why(why, "RSA method 1 (SHA-1) from a peer that announced RFC 7427",
				       -EOPNOTSUPP);
		if (constrained)
			return set_why(why, "RSA method 1 (SHA-1) excluded by the configured signature hashes",
				       -EOPNOTSUPP);
		s.key = IKE_SIG_KEY_RSA;
		s.hash = IKE_HASH_SHA1;
		break;
	case IKE_AUTH_ECDSA_256:
	case IKE_AUTH_ECDSA_384:
	case IKE_AUTH_ECDSA_521: {
		uint8_t m = 0, h = 0;
		size_t coord;

		if (!classic_ok)
			return set_why(why, "classic ECDSA method from a peer that announced RFC 7427",
				       -EOPNOTSUPP);
		if (kt != IKE_SIG_KEY_ECDSA)
			return set_why(why, "ECDSA AUTH method but the certificate's key is not ECDSA",
				       -EOPNOTSUPP);
		/* RFC 4754 §3: the method fixes curve and hash */
		if (ecdsa_classic(EVP_PKEY_get_bits(key), &m, &h) || m != method)
			return set_why(why, "ECDSA AUTH method does not match the key's curve",
				       -EOPNOTSUPP);
		coord = ((size_t)EVP_PKEY_get_bits(key) + 7) / 8;
		if (len != 2 * coord)
			return set_why(why, "ECDSA signature is not r || s of the curve's size",
				       -EINVAL);
		s.key = IKE_SIG_KEY_ECDSA;
		s.hash = h;
		err = ecdsa_raw_to_der(data, coord, &der, &slen);
		if (err)
			goto out;
		sig = der;
		break;
	}
	default:
		return set_why(why, "AUTH method is not a signature method we speak",
			       -EOPNOTSUPP);
	}
	/* the key in the certificate decides what may have signed */
	if (s.key != kt) {
		err = set_why(why, "signature algorithm does not match the certificate's key type",
			      -EOPNOTSUPP);
		goto out;
	}
	if (!(key_types & kt)) {
		err = set_why(why, "key type not accepted by the configuration (auth = ...)",
			      -EOPNOTSUPP);
		goto out;
	}
	if (s.key == IKE_SIG_KEY_RSA && pss && !s.pss) {
		err = set_why(why, "RSASSA-PSS required but the peer signed with PKCS#1 v1.5",
			      -EOPNOTSUPP);
		goto out;
	}
	if (s.hash == IKE_HASH_SHA1 && method == IKE_AUTH_DIGITAL_SIGNATURE) {
		err = set_why(why, "signature with SHA-1 (RFC 7427: not announced)",
			      -EOPNOTSUPP);
		goto out;
	}
	/* RFC 7427 §4: only hashes we announced (and the config allows);
	 * method 1 was checked above */
	allowed = (constrained ? allowed : IKE_SIG_HASHES_OURS) &
		  IKE_SIG_HASHES_OURS;
	if (method == IKE_AUTH_RSA_SIG)
		allowed |= IKE_SIG_HASH(IKE_HASH_SHA1);
	if (!(allowed & IKE_SIG_HASH(s.hash)) ||
	    (mgf1 && !(allowed & IKE_SIG_HASH(mgf1)))) {
		err = set_why(why, "signature hash not announced or not allowed by the configuration",
			      -EOPNOTSUPP);
		goto out;
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx) {
		err = -ENOMEM;
		goto out;
	}
	err = sig_init(ctx, key, &s, false, salt, md_name(mgf1));
	if (err) {
		set_why(why, "OpenSSL cannot set up this signature scheme", 0);
		goto out;
	}
	if (EVP_DigestVerify(ctx, sig, slen, octets, n) != 1) {
		err = set_why(why, "signature does not verify", -EBADMSG);
		goto out;
	}
	if (used)
		*used = s;
	err = 0;
out:
	if (err)
		ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	X509_ALGOR_free(alg);
	OPENSSL_free(der);
	return err;
}
