// SPDX-License-Identifier: GPL-2.0-only
/*
 * Validate/parse and encode pairs for the simple IKEv2 payloads: KE, ID,
 * CERT/CERTREQ, AUTH, Nonce, Notify, Delete, Vendor ID, CP, EAP (RFC 7296
 * §3.4-§3.16), and the per-type dispatch the message walker calls. SA and
 * TS payloads live in payload_sa.c and payload_ts.c.
 */
#include <errno.h>
#include <string.h>

#include "msg.h"

static int bad(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return -EBADMSG;
}

size_t ike_ke_data_len(uint16_t group)
{
	switch (group) {
	/* RFC 7296 §3.4 and RFC 3526: MODP values are as long as the
	 * prime. */
	case IKE_DH_MODP1024: return 128;
	case IKE_DH_MODP1536: return 192;
	case IKE_DH_MODP2048: return IKE_KE_LEN_MODP2048;
	case IKE_DH_MODP3072: return 384;
	case IKE_DH_MODP4096: return 512;
	case IKE_DH_MODP6144: return 768;
	case IKE_DH_MODP8192: return 1024;
	/* RFC 5903 §7: x || y, each as long as the field. */
	case IKE_DH_ECP256: return IKE_KE_LEN_ECP256;
	case IKE_DH_ECP384: return 96;
	case IKE_DH_ECP521: return 132;
	/* RFC 8031 §2: the u coordinate alone. */
	case IKE_DH_CURVE25519: return IKE_KE_LEN_CURVE25519;
	case IKE_DH_CURVE448: return 56;
	default: return 0;
	}
}

int ike_ke_parse(const uint8_t *body, size_t len, struct ike_ke_view *v,
		 const char **why)
{
	size_t want;

	memset(v, 0, sizeof(*v));
	/* §3.4: group (2), RESERVED (2), Key Exchange Data. */
	if (len < 4)
		return bad(why, "KE payload truncated");
	v->group = ike_get16(body);
	v->data = body + 4;
	v->len = (uint16_t)(len - 4);
	/* §3.4: a known group fixes the length of the public value. */
	want = ike_ke_data_len(v->group);
	if (want && v->len != want)
		return bad(why, "KE data length does not match the group");
	if (!v->len)
		return bad(why, "KE payload without data");
	return 0;
}

int ike_id_parse(const uint8_t *body, size_t len, struct ike_id_view *v,
		 const char **why)
{
	memset(v, 0, sizeof(*v));
	/* §3.5: ID Type (1), RESERVED (3), Identification Data. */
	if (len < IKE_ID_HDR_LEN)
		return bad(why, "ID payload truncated");
	v->type = body[0];
	v->data = body + IKE_ID_HDR_LEN;
	v->len = (uint16_t)(len - IKE_ID_HDR_LEN);
	switch (v->type) {
	case IKE_ID_IPV4_ADDR:
		/* §3.5: a single four (sixteen) octet address. */
		if (v->len != 4)
			return bad(why, "ID_IPV4_ADDR is not 4 octets");
		break;
	case IKE_ID_IPV6_ADDR:
		if (v->len != 16)
			return bad(why, "ID_IPV6_ADDR is not 16 octets");
		break;
	case IKE_ID_NULL:
		break;
	default:
		if (!v->len)
			return bad(why, "empty identification data");
		break;
	}
	return 0;
}

int ike_cert_parse(const uint8_t *body, size_t len, struct ike_cert_view *v,
		   const char **why)
{
	memset(v, 0, sizeof(*v));
	/* §3.6, §3.7: Cert Encoding (1), then data. */
	if (len < 1)
		return bad(why, "CERT/CERTREQ payload truncated");
	v->encoding = body[0];
	v->data = body + 1;
	v->len = (uint16_t)(len - 1);
	return 0;
}

int ike_auth_parse(const uint8_t *body, size_t len, struct ike_auth_view *v,
		   const char **why)
{
	memset(v, 0, sizeof(*v));
	/* §3.8: Auth Method (1), RESERVED (3), Authentication Data. */
	if (len < IKE_AUTH_HDR_LEN)
		return bad(why, "AUTH payload truncated");
	v->method = body[0];
	v->data = body + IKE_AUTH_HDR_LEN;
	v->len = (uint16_t)(len - IKE_AUTH_HDR_LEN);
	if (!v->len)
		return bad(why, "AUTH payload without data");
	return 0;
}

int ike_nonce_parse(const uint8_t *body, size_t len, struct ike_nonce_view *v,
		    const char **why)
{
	memset(v, 0, sizeof(*v));
	/* §3.9: Nonce Data MUST be between 16 and 256 octets inclusive. */
	if (len < IKE_NONCE_MIN || len > IKE_NONCE_MAX)
		return bad(why, "nonce length outside 16..256");
	v->data = body;
	v->len = (uint16_t)len;
	return 0;
}

/* Shapes of the notification data this agent acts on. */
static int notify_check(const struct ike_notify_view *v, const char **why)
{
	switch (v->type) {
	case IKE_N_NAT_DETECTION_SOURCE_IP:
	case IKE_N_NAT_DETECTION_DESTINATION_IP:
		/* §2.23: a SHA-1 digest. */
		if (v->len != IKE_NATD_HASH_LEN)
			return bad(why, "NAT_DETECTION data is not 20 octets");
		break;
	case IKE_N_COOKIE:
		/* §2.6: between 1 and 64 octets inclusive. */
		if (v->len < IKE_COOKIE_MIN || v->len > IKE_COOKIE_MAX)
			return bad(why, "COOKIE length outside 1..64");
		break;
	case IKE_N_INVALID_KE_PAYLOAD:
		/* §3.10.1: the accepted group, two octets. */
		if (v->len != IKE_INVALID_KE_DATA_LEN)
			return bad(why, "INVALID_KE_PAYLOAD data is not 2 octets");
		break;
	case IKE_N_SET_WINDOW_SIZE:
		/* §3.10.1: a four-octet window size. */
		if (v->len != IKE_SET_WINDOW_SIZE_DATA_LEN)
			return bad(why, "SET_WINDOW_SIZE data is not 4 octets");
		break;
	case IKE_N_SIGNATURE_HASH_ALGORITHMS:
		/* RFC 7427 §4: a list of 16-bit identifiers. */
		if (v->len % 2)
			return bad(why, "SIGNATURE_HASH_ALGORITHMS odd length");
		break;
	case IKE_N_REKEY_SA:
		/* §1.3.3: the SPI names the AH or ESP SA being rekeyed. */
		if (v->spi_len != IKE_CHILD_SPI_LEN)
			return bad(why, "REKEY_SA without a 4-octet SPI");
		break;
	default:
		break;
	}
	return 0;
}

int ike_notify_parse(const uint8_t *body, size_t len,
		     struct ike_notify_view *v, const char **why)
{
	size_t rest;

	memset(v, 0, sizeof(*v));
	/* §3.10: Protocol ID (1), SPI Size (1), type (2), SPI, data. */
	if (len < IKE_NOTIFY_HDR_LEN)
		return bad(why, "Notify payload truncated");
	v->proto = body[0];
	v->spi_len = body[1];
	v->type = ike_get16(body + 2);
	rest = len - IKE_NOTIFY_HDR_LEN;
	/* §3.10: SPI Size is the size of an IKE, AH or ESP SPI, or zero. */
	if (v->spi_len != 0 && v->spi_len != IKE_CHILD_SPI_LEN &&
	    v->spi_len != IKE_SPI_LEN)
		return bad(why, "Notify SPI size not 0, 4 or 8");
	if (v->spi_len > rest)
		return bad(why, "Notify SPI runs past the payload");
	v->spi = body + IKE_NOTIFY_HDR_LEN;
	v->data = v->spi + v->spi_len;
	v->len = (uint16_t)(rest - v->spi_len);
	return notify_check(v, why);
}

int ike_delete_parse(const uint8_t *body, size_t len,
		     struct ike_delete_view *v, const char **why)
{
	memset(v, 0, sizeof(*v));
	/* §3.11: Protocol ID (1), SPI Size (1), Num of SPIs (2), SPIs. */
	if (len < IKE_DELETE_HDR_LEN)
		return bad(why, "Delete payload truncated");
	v->proto = body[0];
	v->spi_len = body[1];
	v->nspi = ike_get16(body + 2);
	v->spis = body + IKE_DELETE_HDR_LEN;
	switch (v->proto) {
	case IKE_PROTO_IKE:
		/* §3.11: the IKE SA is named by the header, no SPIs. */
		if (v->spi_len || v->nspi)
			return bad(why, "Delete of the IKE SA with SPIs");
		break;
	case IKE_PROTO_AH:
	case IKE_PROTO_ESP:
		/* §3.11: four-octet SPIs for AH and ESP. */
		if (v->spi_len != IKE_CHILD_SPI_LEN)
			return bad(why, "Delete SPI size not 4");
		break;
	default:
		return bad(why, "Delete of an unknown protocol");
	}
	if ((size_t)v->nspi * v->spi_len != len - IKE_DELETE_HDR_LEN)
		return bad(why, "Delete SPI count does not match its length");
	return 0;
}

int ike_vendor_parse(const uint8_t *body, size_t len,
		     struct ike_vendor_view *v, const char **why)
{
	(void)why;
	/* §3.12: any octets. */
	v->data = body;
	v->len = (uint16_t)len;
	return 0;
}

int ike_cp_parse(const uint8_t *body, size_t len, struct ike_cp_view *v,
		 const char **why)
{
	size_t off;

	memset(v, 0, sizeof(*v));
	/* §3.15: CFG Type (1), RESERVED (3), attributes. */
	if (len < IKE_CP_HDR_LEN)
		return bad(why, "CP payload truncated");
	v->type = body[0];
	v->attrs = body + IKE_CP_HDR_LEN;
	v->len = (uint16_t)(len - IKE_CP_HDR_LEN);
	/* §3.15.1: R bit + type (2), Length (2), value. */
	for (off = 0; off < v->len; v->nattrs++) {
		size_t alen;

		if (v->len - off < IKE_CP_ATTR_HDR_LEN)
			return bad(why, "CP attribute header truncated");
		alen = ike_get16(v->attrs + off + 2);
		if (alen > v->len - off - IKE_CP_ATTR_HDR_LEN)
			return bad(why, "CP attribute runs past the payload");
		off += IKE_CP_ATTR_HDR_LEN + alen;
	}
	return 0;
}

int ike_cp_attr(const struct ike_cp_view *v, unsigned int i, uint16_t *type,
		const uint8_t **val, uint16_t *len)
{
	size_t off = 0;

	/* The attributes were checked by ike_cp_parse; still bounded. */
	for (;;) {
		uint16_t alen;

		if (v->len - off < IKE_CP_ATTR_HDR_LEN)
			return -ENOENT;
		alen = ike_get16(v->attrs + off + 2);
		if (alen > v->len - off - IKE_CP_ATTR_HDR_LEN)
			return -EBADMSG;
		if (!i--) {
			*type = ike_get16(v->attrs + off) & IKE_CP_ATTR_TYPE_MASK;
			*val = v->attrs + off + IKE_CP_ATTR_HDR_LEN;
			*len = alen;
			return 0;
		}
		off += IKE_CP_ATTR_HDR_LEN + alen;
	}
}

int ike_eap_parse(const uint8_t *body, size_t len, struct ike_eap_view *v,
		  const char **why)
{
	memset(v, 0, sizeof(*v));
	/* §3.16 and RFC 3748 §4: Code (1), Identifier (1), Length (2) that
	 * counts the whole EAP message. */
	if (len < 4)
		return bad(why, "EAP payload truncated");
	if (ike_get16(body + 2) != len)
		return bad(why, "EAP length does not match the payload");
	v->code = body[0];
	v->msg = body;
	v->len = (uint16_t)len;
	return 0;
}

int ike_notify_spi32(const struct ike_notify_view *n, uint32_t *spi)
{
	if (n->spi_len != IKE_CHILD_SPI_LEN)
		return -EBADMSG;
	*spi = ike_get32(n->spi);
	return 0;
}

int ike_notify_u16(const struct ike_notify_view *n, uint16_t *val)
{
	if (n->len != 2)
		return -EBADMSG;
	*val = ike_get16(n->data);
	return 0;
}

int ike_delete_spi32(const struct ike_delete_view *d, unsigned int i,
		     uint32_t *spi)
{
	if (d->spi_len != IKE_CHILD_SPI_LEN || i >= d->nspi)
		return -EBADMSG;
	*spi = ike_get32(d->spis + (size_t)i * IKE_CHILD_SPI_LEN);
	return 0;
}

int ike_pld_parse(struct ike_pld *p, const char **why)
{
	const uint8_t *b = p->body;
	size_t n = p->blen;
	int rc;

	switch (p->type) {
	case IKE_PL_SA:
		rc = ike_sa_validate(b, n, &p->v.sa.nprops, why);
		break;
	case IKE_PL_KE:
		rc = ike_ke_parse(b, n, &p->v.ke, why);
		break;
	case IKE_PL_IDI:
	case IKE_PL_IDR:
		rc = ike_id_parse(b, n, &p->v.id, why);
		break;
	case IKE_PL_CERT:
	case IKE_PL_CERTREQ:
		rc = ike_cert_parse(b, n, &p->v.cert, why);
		break;
	case IKE_PL_AUTH:
		rc = ike_auth_parse(b, n, &p->v.auth, why);
		break;
	case IKE_PL_NONCE:
		rc = ike_nonce_parse(b, n, &p->v.nonce, why);
		break;
	case IKE_PL_NOTIFY:
		rc = ike_notify_parse(b, n, &p->v.n, why);
		break;
	case IKE_PL_DELETE:
		rc = ike_delete_parse(b, n, &p->v.d, why);
		break;
	case IKE_PL_VENDOR:
		rc = ike_vendor_parse(b, n, &p->v.vid, why);
		break;
	case IKE_PL_TSI:
	case IKE_PL_TSR:
		rc = ike_ts_validate(b, n, &p->v.ts.nts, why);
		break;
	case IKE_PL_CP:
		rc = ike_cp_parse(b, n, &p->v.cp, why);
		break;
	case IKE_PL_EAP:
		rc = ike_eap_parse(b, n, &p->v.eap, why);
		break;
	default:
		return -ENOENT;
	}
	if (!rc)
		p->known = true;
	return rc;
}

/* Encoders. Each refuses what its parser would reject. */

static int enc_invalid(struct ike_enc *e)
{
	if (!e->err)
		e->err = -EINVAL;
	return e->err;
}

static int enc_hdr4(struct ike_enc *e, uint8_t type, const uint8_t hdr[4],
		    const void *data, size_t len)
{
	uint8_t *p;
	int rc;

	if (len > IKE_PLD_LEN_MAX)
		return enc_invalid(e);
	rc = ike_enc_begin(e, type, false, 4 + len, &p);
	if (rc)
		return rc;
	memcpy(p, hdr, 4);
	if (len)
		memcpy(p + 4, data, len);
	return 0;
}

int ike_enc_ke(struct ike_enc *e, uint16_t group, const void *data, size_t len)
{
	size_t want = ike_ke_data_len(group);
	uint8_t h[4] = { 0 };

	if (!len || (want && len != want))
		return enc_invalid(e);
	ike_put16(h, group);
	return enc_hdr4(e, IKE_PL_KE, h, data, len);
}

int ike_enc_id(struct ike_enc *e, uint8_t pld_type, uint8_t id_type,
	       const void *data, size_t len)
{
	uint8_t h[4] = { id_type, 0, 0, 0 };

	if (pld_type != IKE_PL_IDI && pld_type != IKE_PL_IDR)
		return enc_invalid(e);
	if ((id_type == IKE_ID_IPV4_ADDR && len != 4) ||
	    (id_type == IKE_ID_IPV6_ADDR && len != 16) ||
	    (id_type != IKE_ID_NULL && !len))
		return enc_invalid(e);
	return enc_hdr4(e, pld_type, h, data, len);
}

int ike_enc_cert(struct ike_enc *e, uint8_t pld_type, uint8_t encoding,
		 const void *data, size_t len)
{
	uint8_t *p;
	int rc;

	if (pld_type != IKE_PL_CERT && pld_type != IKE_PL_CERTREQ)
		return enc_invalid(e);
	if (len > IKE_PLD_LEN_MAX)
		return enc_invalid(e);
	rc = ike_enc_begin(e, pld_type, false, 1 + len, &p);
	if (rc)
		return rc;
	p[0] = encoding;
	if (len)
		memcpy(p + 1, data, len);
	return 0;
}

int ike_enc_auth(struct ike_enc *e, uint8_t method, const void *data,
		 size_t len)
{
	uint8_t h[4] = { method, 0, 0, 0 };

	if (!len)
		return enc_invalid(e);
	return enc_hdr4(e, IKE_PL_AUTH, h, data, len);
}

int ike_enc_nonce(struct ike_enc *e, const void *data, size_t len)
{
	if (len < IKE_NONCE_MIN || len > IKE_NONCE_MAX)
		return enc_invalid(e);
	return ike_enc_raw(e, IKE_PL_NONCE, false, data, len);
}

int ike_enc_notify(struct ike_enc *e, uint8_t proto, const void *spi,
		   size_t spi_len, uint16_t type, const void *data, size_t len)
{
	struct ike_notify_view v = {
		.proto = proto, .spi_len = (uint8_t)spi_len, .type = type,
		.len = (uint16_t)len,
	};
	uint8_t *p;
	int rc;

	if ((spi_len != 0 && spi_len != IKE_CHILD_SPI_LEN &&
	     spi_len != IKE_SPI_LEN) || len > IKE_PLD_LEN_MAX ||
	    notify_check(&v, NULL))
		return enc_invalid(e);
	rc = ike_enc_begin(e, IKE_PL_NOTIFY, false,
			   IKE_NOTIFY_HDR_LEN + spi_len + len, &p);
	if (rc)
		return rc;
	p[0] = proto;
	p[1] = (uint8_t)spi_len;
	ike_put16(p + 2, type);
	if (spi_len)
		memcpy(p + IKE_NOTIFY_HDR_LEN, spi, spi_len);
	if (len)
		memcpy(p + IKE_NOTIFY_HDR_LEN + spi_len, data, len);
	return 0;
}

int ike_enc_delete(struct ike_enc *e, uint8_t proto, uint8_t spi_len,
		   uint16_t nspi, const void *spis)
{
	size_t n = (size_t)nspi * spi_len;
	uint8_t h[4] = { proto, spi_len, 0, 0 };

	if (proto == IKE_PROTO_IKE) {
		if (spi_len || nspi)
			return enc_invalid(e);
	} else if (proto == IKE_PROTO_AH || proto == IKE_PROTO_ESP) {
		if (spi_len != IKE_CHILD_SPI_LEN)
			return enc_invalid(e);
	} else {
		return enc_invalid(e);
	}
	ike_put16(h + 2, nspi);
	return enc_hdr4(e, IKE_PL_DELETE, h, spis, n);
}

int ike_enc_vendor(struct ike_enc *e, const void *data, size_t len)
{
	return ike_enc_raw(e, IKE_PL_VENDOR, false, data, len);
}

int ike_enc_cp(struct ike_enc *e, uint8_t cfg_type, const void *attrs,
	       size_t len)
{
	struct ike_cp_view v;
	uint8_t h[4] = { cfg_type, 0, 0, 0 };
	uint8_t *p;
	int rc;

	if (len > IKE_PLD_LEN_MAX - IKE_PLD_HDR_LEN - IKE_CP_HDR_LEN)
		return enc_invalid(e);
	rc = enc_hdr4(e, IKE_PL_CP, h, attrs, len);
	if (rc)
		return rc;
	/* The attribute chain is the caller's: check it where it landed. */
	p = e->buf + e->last_off + IKE_PLD_HDR_LEN;
	if (ike_cp_parse(p, IKE_CP_HDR_LEN + len, &v, NULL))
		return enc_invalid(e);
	return 0;
}

int ike_enc_eap(struct ike_enc *e, const void *msg, size_t len)
{
	if (len < 4 || len > IKE_PLD_LEN_MAX ||
	    ike_get16((const uint8_t *)msg + 2) != len)
		return enc_invalid(e);
	return ike_enc_raw(e, IKE_PL_EAP, false, msg, len);
}
