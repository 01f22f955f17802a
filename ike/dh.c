// SPDX-License-Identifier: GPL-2.0-only
/*
 * Diffie-Hellman for IKEv2 (RFC 7296 §1.2, §3.4) over OpenSSL EVP.
 *
 * Peer values are checked here with explicit, explained errors before
 * OpenSSL sees them; OpenSSL's own public key check runs as well when the
 * peer is set for derivation.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The project's include path has engine/, whose limits.h shadows the C
 * library's <limits.h>; OpenSSL's err.h needs INT_MAX from it. */
#ifndef INT_MAX
#define INT_MAX __INT_MAX__
#endif

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "dh.h"

#define EC_COORD_MAX 66          /* P-521: ceil(521 / 8) */

struct ike_dh {
	const struct ike_dh_info *info;
	EVP_PKEY *key;
	bool derived;
	size_t secret_len;
	uint8_t pub[IKE_DH_PUBLIC_MAX];
	uint8_t secret[IKE_DH_SECRET_MAX];
};

/* KE lengths: RFC 3526 (the modulus), RFC 5903 §7 (x || y), RFC 8031 §2
 * (the u coordinate); g^ir as long as the modulus, one coordinate, or u. */
static const struct ike_dh_info dh_groups[] = {
	{ "modp2048", IKE_DH_MODP2048, 256, 256 },
	{ "modp3072", IKE_DH_MODP3072, 384, 384 },
	{ "modp4096", IKE_DH_MODP4096, 512, 512 },
	{ "ecp256", IKE_DH_ECP256, 64, 32 },
	{ "ecp384", IKE_DH_ECP384, 96, 48 },
	{ "ecp521", IKE_DH_ECP521, 132, 66 },
	{ "curve25519", IKE_DH_CURVE25519, 32, 32 },
	{ "curve448", IKE_DH_CURVE448, 56, 56 },
};

enum dh_kind { DH_MODP, DH_ECP, DH_MONT };

static enum dh_kind group_kind(uint16_t group)
{
	switch (group) {
	case IKE_DH_MODP2048:
	case IKE_DH_MODP3072:
	case IKE_DH_MODP4096:
		return DH_MODP;
	case IKE_DH_ECP256:
	case IKE_DH_ECP384:
	case IKE_DH_ECP521:
		return DH_ECP;
	default:
		return DH_MONT;
	}
}

const struct ike_dh_info *ike_dh_info(uint16_t group)
{
	for (size_t i = 0; i < sizeof(dh_groups) / sizeof(dh_groups[0]); i++)
		if (dh_groups[i].group == group)
			return &dh_groups[i];
	return NULL;
}

const struct ike_dh_info *ike_dh_by_name(const char *name)
{
	if (!name)
		return NULL;
	if (!strcmp(name, "x25519"))
		return ike_dh_info(IKE_DH_CURVE25519);
	if (!strcmp(name, "x448"))
		return ike_dh_info(IKE_DH_CURVE448);
	for (size_t i = 0; i < sizeof(dh_groups) / sizeof(dh_groups[0]); i++)
		if (!strcmp(dh_groups[i].name, name))
			return &dh_groups[i];
	return NULL;
}

/* OpenSSL key type and group name of each group. */
static const char *ossl_type(uint16_t group)
{
	switch (group_kind(group)) {
	case DH_MODP:
		return "DH";
	case DH_ECP:
		return "EC";
	default:
		return group == IKE_DH_CURVE448 ? "X448" : "X25519";
	}
}

static const char *ossl_group(uint16_t group)
{
	switch (group) {
	case IKE_DH_MODP2048:
		return "modp_2048";  /* RFC 3526 §3, group 14 */
	case IKE_DH_MODP3072:
		return "modp_3072";  /* §4, group 15 */
	case IKE_DH_MODP4096:
		return "modp_4096";  /* §5, group 16 */
	case IKE_DH_ECP256:
		return "P-256";
	case IKE_DH_ECP384:
		return "P-384";
	case IKE_DH_ECP521:
		return "P-521";
	default:
		return NULL;
	}
}

static int ecp_nid(uint16_t group)
{
	switch (group) {
	case IKE_DH_ECP384:
		return NID_secp384r1;
	case IKE_DH_ECP521:
		return NID_secp521r1;
	default:
		return NID_X9_62_prime256v1;
	}
}

/* The RFC 3526 prime of a MODP group. */
static BIGNUM *modp_prime(uint16_t group)
{
	switch (group) {
	case IKE_DH_MODP3072:
		return BN_get_rfc3526_prime_3072(NULL);
	case IKE_DH_MODP4096:
		return BN_get_rfc3526_prime_4096(NULL);
	default:
		return BN_get_rfc3526_prime_2048(NULL);
	}
}

static void set_why(const char **why, const char *msg)
{
	if (why)
		*why = msg;
}

/* Builds an EVP_PKEY of group from an OSSL_PARAM_BLD (selection: which
 * parts the params hold). */
static EVP_PKEY *key_fromdata(uint16_t group, OSSL_PARAM_BLD *bld,
			      int selection)
{
	EVP_PKEY_CTX *ctx = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY *key = NULL;

	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					     ossl_group(group), 0))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, ossl_type(group), NULL);
	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0)
		goto out;
	if (EVP_PKEY_fromdata(ctx, &key, selection, params) <= 0)
		key = NULL;
out:
	/* a private value sits in the secure part, which is cleared */
	OSSL_PARAM_free(params);
	EVP_PKEY_CTX_free(ctx);
	return key;
}

/* MODP: 1 < y < p-1, RFC 6989 §2.1 (enough for the safe primes of RFC
 * 3526, whose only small subgroup is {1, p-1}). */
static int modp_check(const struct ike_dh_info *info, const uint8_t *pub,
		      BIGNUM **yout, const char **why)
{
	BIGNUM *y = BN_bin2bn(pub, (int)info->public_len, NULL);
	BIGNUM *pm1 = modp_prime(info->group);
	int err = -ENOMEM;

	if (!y || !pm1 || !BN_sub_word(pm1, 1))
		goto out;
	err = -EINVAL;
	if (BN_cmp(y, BN_value_one()) <= 0 || BN_cmp(y, pm1) >= 0) {
		set_why(why, "MODP public value must satisfy 1 < y < p-1 "
			"(RFC 6989 §2.1)");
		goto out;
	}
	err = 0;
	*yout = y;
	y = NULL;
out:
	BN_free(y);
	BN_free(pm1);
	return err;
}

/* ECP: both coordinates are field elements, below p (RFC 6989 §2.3). */
static int ecp_range_check(const struct ike_dh_info *info, const uint8_t *pub,
			   const char **why)
{
	size_t coord = info->public_len / 2u;
	EC_GROUP *grp = EC_GROUP_new_by_curve_name(ecp_nid(info->group));
	BIGNUM *p = BN_new(), *x = NULL, *y = NULL;
	int err = -ENOMEM;

	if (!grp || !p || !EC_GROUP_get_curve(grp, p, NULL, NULL, NULL))
		goto out;
	x = BN_bin2bn(pub, (int)coord, NULL);
	y = BN_bin2bn(pub + coord, (int)coord, NULL);
	if (!x || !y)
		goto out;
	err = 0;
	if (BN_cmp(x, p) >= 0 || BN_cmp(y, p) >= 0) {
		set_why(why, "ECP coordinate not below the field prime "
			"(RFC 6989 §2.3)");
		err = -EINVAL;
	}
out:
	BN_free(x);
	BN_free(y);
	BN_free(p);
	EC_GROUP_free(grp);
	return err;
}

static const char *len_why(uint16_t group)
{
	switch (group_kind(group)) {
	case DH_MODP:
		return "MODP public value must be as long as the modulus "
		       "(RFC 7296 §3.4)";
	case DH_ECP:
		return "ECP public value must be x || y, each as long as the "
		       "field (RFC 5903 §7)";
	default:
		return "Curve25519/448 public value must be the u coordinate "
		       "(32/56 octets, RFC 8031 §2)";
	}
}

/* Validates pub and, if out is not NULL, returns it as an EVP_PKEY. */
static int peer_key(const struct ike_dh_info *info, const uint8_t *pub,
		    size_t len, EVP_PKEY **out, const char **why)
{
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY_CTX *chk = NULL;
	EVP_PKEY *key = NULL;
	BIGNUM *y = NULL;
	uint8_t enc[1 + 2 * EC_COORD_MAX];
	int err;

	/* RFC 7296 §3.4: the Key Exchange Data length is fixed per group. */
	if (!pub || len != info->public_len) {
		set_why(why, len_why(info->group));
		err = -EMSGSIZE;
		goto out;
	}

	err = -ENOMEM;
	bld = OSSL_PARAM_BLD_new();
	if (!bld)
		goto out;

	switch (group_kind(info->group)) {
	case DH_MODP:
		err = modp_check(info, pub, &y, why);
		if (err)
			goto out;
		err = -ENOMEM;
		if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y))
			goto out;
		key = key_fromdata(info->group, bld, EVP_PKEY_PUBLIC_KEY);
		break;
	case DH_ECP:
		/* RFC 6989 §2.3: coordinates are field elements (below p) and
		 * the point lies on the curve. */
		err = ecp_range_check(info, pub, why);
		if (err)
			goto out;
		err = -ENOMEM;
		enc[0] = POINT_CONVERSION_UNCOMPRESSED;
		memcpy(enc + 1, pub, len);
		if (!OSSL_PARAM_BLD_push_octet_string(bld,
						      OSSL_PKEY_PARAM_PUB_KEY,
						      enc, len + 1))
			goto out;
		key = key_fromdata(info->group, bld, EVP_PKEY_PUBLIC_KEY);
		if (!key) {
			set_why(why, "ECP public value is not a point on "
				"the curve (RFC 6989 §2.3)");
			err = -EINVAL;
			goto out;
		}
		break;
	default:
		/* RFC 7748 §5: every string of the right length is a
		 * u-coordinate; the all-zero result is caught after
		 * derivation. */
		key = EVP_PKEY_new_raw_public_key_ex(NULL,
						     ossl_type(info->group),
						     NULL, pub, len);
		break;
	}
	if (!key) {
		err = -EIO;
		set_why(why, "OpenSSL could not load the public value");
		goto out;
	}

	chk = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	if (!chk || EVP_PKEY_public_check(chk) != 1) {
		set_why(why, "public value rejected by OpenSSL's group "
			"membership check (RFC 6989 §2)");
		err = -EINVAL;
		goto out;
	}
	err = 0;
	if (out) {
		*out = key;
		key = NULL;
	}
out:
	if (err)
		ERR_clear_error();
	EVP_PKEY_CTX_free(chk);
	EVP_PKEY_free(key);
	OSSL_PARAM_BLD_free(bld);
	BN_free(y);
	return err;
}

int ike_dh_check_public(uint16_t group, const uint8_t *pub, size_t len,
			const char **why)
{
	const struct ike_dh_info *info = ike_dh_info(group);

	if (!info) {
		set_why(why, "unsupported Diffie-Hellman group");
		return -ENOTSUP;
	}
	return peer_key(info, pub, len, NULL, why);
}

/* Caches the KE payload form of dh->key's public value. */
static int export_public(struct ike_dh *dh)
{
	size_t coord = dh->info->public_len / 2u;
	BIGNUM *a = NULL, *b = NULL;
	size_t len = 0;
	int err = -EIO;

	switch (group_kind(dh->info->group)) {
	case DH_MODP:
		if (!EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY, &a))
			goto out;
		/* §3.4: padded with zeros to the length of the modulus */
		if (BN_bn2binpad(a, dh->pub, dh->info->public_len) < 0)
			goto out;
		break;
	case DH_ECP:
		if (!EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_EC_PUB_X, &a) ||
		    !EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_EC_PUB_Y, &b))
			goto out;
		/* RFC 5903 §7: each coordinate padded to the field size */
		if (BN_bn2binpad(a, dh->pub, (int)coord) < 0 ||
		    BN_bn2binpad(b, dh->pub + coord, (int)coord) < 0)
			goto out;
		break;
	default:
		len = dh->info->public_len;
		if (!EVP_PKEY_get_raw_public_key(dh->key, dh->pub, &len) ||
		    len != dh->info->public_len)
			goto out;
		break;
	}
	err = 0;
out:
	if (err)
		ERR_clear_error();
	BN_free(a);
	BN_free(b);
	return err;
}

static struct ike_dh *dh_alloc(uint16_t group)
{
	const struct ike_dh_info *info = ike_dh_info(group);
	struct ike_dh *dh;

	if (!info) {
		errno = ENOTSUP;
		return NULL;
	}
	dh = calloc(1, sizeof(*dh));
	if (!dh) {
		errno = ENOMEM;
		return NULL;
	}
	dh->info = info;
	return dh;
}

/* Finishes a constructor: exports the public value or frees dh. */
static struct ike_dh *dh_finish(struct ike_dh *dh)
{
	int err = dh->key ? export_public(dh) : -EIO;

	if (err) {
		ike_dh_free(dh);
		ERR_clear_error();
		errno = -err;
		return NULL;
	}
	return dh;
}

struct ike_dh *ike_dh_new(uint16_t group)
{
	struct ike_dh *dh = dh_alloc(group);
	OSSL_PARAM params[2] = { OSSL_PARAM_END, OSSL_PARAM_END };
	char gname[16];
	EVP_PKEY_CTX *ctx;

	if (!dh)
		return NULL;
	ctx = EVP_PKEY_CTX_new_from_name(NULL, ossl_type(group), NULL);
	if (!ctx || EVP_PKEY_keygen_init(ctx) <= 0)
		goto out;
	if (ossl_group(group)) {
		snprintf(gname, sizeof(gname), "%s", ossl_group(group));
		params[0] = OSSL_PARAM_construct_utf8_string(
			OSSL_PKEY_PARAM_GROUP_NAME, gname, 0);
		if (EVP_PKEY_CTX_set_params(ctx, params) <= 0)
			goto out;
	}
	if (EVP_PKEY_generate(ctx, &dh->key) <= 0)
		dh->key = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	return dh_finish(dh);
}

/* Public value of a known ECP scalar (tests only). */
static int ecp_public_of(uint16_t group, const BIGNUM *d, uint8_t *enc,
			 size_t len)
{
	EC_GROUP *grp = EC_GROUP_new_by_curve_name(ecp_nid(group));
	EC_POINT *pt = grp ? EC_POINT_new(grp) : NULL;
	int err = -EIO;

	if (!pt || !EC_POINT_mul(grp, pt, d, NULL, NULL, NULL))
		goto out;
	if (EC_POINT_point2oct(grp, pt, POINT_CONVERSION_UNCOMPRESSED, enc,
			       len, NULL) != len)
		goto out;
	err = 0;
out:
	EC_POINT_free(pt);
	EC_GROUP_free(grp);
	return err;
}

/* Public value of a known MODP exponent (tests only): y = 2^x mod p. */
static BIGNUM *modp_public_of(uint16_t group, const BIGNUM *x)
{
	BIGNUM *p = modp_prime(group);
	BIGNUM *g = BN_new(), *y = BN_new();
	BN_CTX *bctx = BN_CTX_new();
	bool ok = p && g && y && bctx && BN_set_word(g, 2) &&
		  BN_mod_exp(y, g, x, p, bctx);

	BN_free(p);
	BN_free(g);
	BN_CTX_free(bctx);
	if (!ok) {
		BN_free(y);
		return NULL;
	}
	return y;
}

struct ike_dh *ike_dh_new_from_private(uint16_t group, const uint8_t *priv,
				       size_t len)
{
	struct ike_dh *dh = dh_alloc(group);
	OSSL_PARAM_BLD *bld = NULL;
	BIGNUM *x = NULL, *y = NULL;
	uint8_t enc[1 + 2 * EC_COORD_MAX];
	enum dh_kind kind = group_kind(group);

	if (!dh)
		return NULL;
	if (!priv || !len || len > dh->info->public_len ||
	    (kind == DH_ECP && len != dh->info->public_len / 2u) ||
	    (kind == DH_MONT && len != dh->info->public_len)) {
		ike_dh_free(dh);
		errno = EINVAL;
		return NULL;
	}
	if (kind == DH_MONT) {
		dh->key = EVP_PKEY_new_raw_private_key_ex(NULL, ossl_type(group),
							  NULL, priv, len);
		return dh_finish(dh);
	}

	bld = OSSL_PARAM_BLD_new();
	x = BN_secure_new();
	if (!bld || !x || !BN_bin2bn(priv, (int)len, x) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, x))
		goto out;
	if (kind == DH_ECP) {
		if (ecp_public_of(group, x, enc, 1 + dh->info->public_len) ||
		    !OSSL_PARAM_BLD_push_octet_string(bld,
						      OSSL_PKEY_PARAM_PUB_KEY,
						      enc, 1 + dh->info->public_len))
			goto out;
	} else {
		y = modp_public_of(group, x);
		if (!y || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y))
			goto out;
	}
	dh->key = key_fromdata(group, bld, EVP_PKEY_KEYPAIR);
out:
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(x);
	BN_free(y);
	return dh_finish(dh);
}

void ike_dh_free(struct ike_dh *dh)
{
	if (!dh)
		return;
	EVP_PKEY_free(dh->key);
	OPENSSL_cleanse(dh, sizeof(*dh));
	free(dh);
}

uint16_t ike_dh_group(const struct ike_dh *dh)
{
	return dh ? dh->info->group : IKE_DH_NONE;
}

int ike_dh_public(const struct ike_dh *dh, uint8_t *out, size_t cap,
		  size_t *len)
{
	if (!dh || !out)
		return -EINVAL;
	if (cap < dh->info->public_len)
		return -ENOSPC;
	memcpy(out, dh->pub, dh->info->public_len);
	if (len)
		*len = dh->info->public_len;
	return 0;
}

int ike_dh_derive(struct ike_dh *dh, const uint8_t *peer, size_t len,
		  const char **why)
{
	static const uint8_t zero[IKE_DH_SECRET_MAX];
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk = NULL;
	size_t slen = sizeof(dh->secret);
	int err;

	if (!dh)
		return -EINVAL;
	if (dh->derived) {
		/* one derivation per key pair: private values are never reused */
		set_why(why, "Diffie-Hellman key pair already used");
		return -EALREADY;
	}
	err = peer_key(dh->info, peer, len, &pk, why);
	if (err)
		goto out;

	err = -EIO;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->key, NULL);
	if (!ctx || EVP_PKEY_derive_init(ctx) <= 0)
		goto out;
	/* §2.14: g^ir is padded with zeros to the length of the modulus */
	if (group_kind(dh->info->group) == DH_MODP &&
	    EVP_PKEY_CTX_set_dh_pad(ctx, 1) <= 0)
		goto out;
	if (EVP_PKEY_derive_set_peer(ctx, pk) <= 0) {
		set_why(why, "peer public value rejected by OpenSSL");
		err = -EINVAL;
		goto out;
	}
	if (EVP_PKEY_derive(ctx, dh->secret, &slen) <= 0) {
		if (group_kind(dh->info->group) == DH_MONT) {
			/* OpenSSL refuses the all-zero X25519/X448 output */
			set_why(why, "X25519/X448 shared secret is all zero "
				"(RFC 8031 §2, RFC 7748 §6)");
			err = -EINVAL;
		}
		goto out;
	}
	if (slen != dh->info->secret_len)
		goto out;
	if (group_kind(dh->info->group) == DH_MONT &&
	    !CRYPTO_memcmp(dh->secret, zero, slen)) {
		set_why(why, "X25519/X448 shared secret is all zero "
			"(RFC 8031 §2, RFC 7748 §6)");
		err = -EINVAL;
		goto out;
	}
	dh->secret_len = slen;
	dh->derived = true;
	err = 0;
out:
	if (err) {
		OPENSSL_cleanse(dh->secret, sizeof(dh->secret));
		ERR_clear_error();
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return err;
}

const uint8_t *ike_dh_secret(const struct ike_dh *dh, size_t *len)
{
	if (!dh || !dh->derived)
		return NULL;
	if (len)
		*len = dh->secret_len;
	return dh->secret;
}
