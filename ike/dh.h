/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IKEv2 Diffie-Hellman groups over OpenSSL 3.0 EVP: 14, 15, 16 (2048-,
 * 3072- and 4096-bit MODP, RFC 3526 §3-§5), 19, 20, 21 (256-, 384- and
 * 521-bit random ECP, RFC 5903) and 31, 32 (Curve25519 and Curve448,
 * RFC 8031). Public values are in KE payload format (RFC 7296 §3.4):
 * MODP big-endian padded to the modulus length, ECP x || y without a
 * point-format octet (RFC 5903 §7), Curve25519/448 the u-coordinate.
 * The shared secret g^ir is the padded MODP value, the ECP x coordinate
 * (RFC 5903 §7), or the X25519/X448 output (RFC 8031 §2).
 *
 * A key pair derives at most once; the secret stays inside the object
 * and is wiped by ike_dh_free().
 */
#ifndef IKE_DH_H
#define IKE_DH_H

#include <stddef.h>
#include <stdint.h>

/* Group numbers (IKE_DH_MODP2048, IKE_DH_ECP256, IKE_DH_CURVE25519) and
 * KE lengths are the wire constants of wire.h. */
#include "wire.h"

#define IKE_DH_PUBLIC_MAX 512   /* MODP-4096 */
#define IKE_DH_SECRET_MAX 512

struct ike_dh_info {
	const char *name;      /* proposal keyword: "modp2048", "ecp384", "curve448" */
	uint16_t group;        /* IKE_DH_* */
	uint16_t public_len;   /* KE payload Key Exchange Data length */
	uint16_t secret_len;   /* g^ir length */
};

/* NULL when the group is not supported. */
const struct ike_dh_info *ike_dh_info(uint16_t group);
/* Also accepts "x25519" / "x448" for Curve25519 / Curve448. */
const struct ike_dh_info *ike_dh_by_name(const char *name);

struct ike_dh;

/* A fresh key pair; NULL with errno ENOTSUP (group) or ENOMEM/EIO. */
struct ike_dh *ike_dh_new(uint16_t group);
void ike_dh_free(struct ike_dh *dh);
uint16_t ike_dh_group(const struct ike_dh *dh);

/* Copies the public value; -ENOSPC if cap is short. */
int ike_dh_public(const struct ike_dh *dh, uint8_t *out, size_t cap,
		  size_t *len);

/* Validates a peer public value for group: -EMSGSIZE for a wrong length
 * (RFC 7296 §3.4, RFC 5903 §7, RFC 8031 §2), -EINVAL for a value outside
 * the group (MODP: 1 < y < p-1, RFC 6989 §2.1; ECP: coordinates below p
 * and the point on the curve, RFC 6989 §2.3), -ENOTSUP for the group.
 * *why (if why is not NULL) gets a static explanation on error. */
int ike_dh_check_public(uint16_t group, const uint8_t *pub, size_t len,
			const char **why);

/* Checks the peer value as above, then computes g^ir. Besides those
 * errors: -EINVAL for an all-zero X25519 result (RFC 8031 §2 via RFC 7748
 * §6.1), -EALREADY if this key pair already derived. */
int ike_dh_derive(struct ike_dh *dh, const uint8_t *peer, size_t len,
		  const char **why);

/* The shared secret, owned by dh (valid until ike_dh_free); NULL before
 * a successful ike_dh_derive(). */
const uint8_t *ike_dh_secret(const struct ike_dh *dh, size_t *len);

/* Tests only: a key pair from a known private value (MODP: big-endian
 * exponent; ECP: big-endian scalar as long as a coordinate; Curve25519 and
 * Curve448: the scalar as in RFC 7748). The public value is computed. */
struct ike_dh *ike_dh_new_from_private(uint16_t group, const uint8_t *priv,
				       size_t len);

#endif
