/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IKEv2 payload bodies: decoded views and encoders, RFC 7296 §3.3-§3.16.
 *
 * Every parser takes a payload body (what follows the 4-octet generic
 * header) and its length, checks each length against what remains and
 * fills a view. Views of simple payloads point into the body: they stay
 * valid as long as the buffer the message was decoded from. The SA and TS
 * payloads decode into bounded, self-contained structs.
 *
 * Parsers return 0 or -EBADMSG (answer with INVALID_SYNTAX) and, when why
 * is not NULL, point *why at a static reason for logs.
 *
 * Encoders append one payload to a struct ike_enc (msg.h). They refuse
 * (-EINVAL) what the matching parser would reject, so whatever this codec
 * writes it also reads back; errors are sticky in the encoder.
 */
#ifndef IKE_PAYLOAD_H
#define IKE_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

struct ike_enc;

/* SA payload, RFC 7296 §3.3. */
struct ike_xform {
	uint8_t type;           /* IKE_XFORM_* */
	uint16_t id;            /* IKE_ENCR_*, IKE_PRF_*, ... */
	uint16_t keylen;        /* Key Length attribute in bits; 0: absent */
	bool unknown_attr;      /* carried an attribute we do not know: the
				 * transform must not be chosen (§3.3.6);
				 * not re-encoded */
};

struct ike_prop {
	uint8_t num;            /* Proposal Num, 1.. */
	uint8_t proto;          /* IKE_PROTO_IKE/AH/ESP (others kept as is) */
	uint8_t spi_len;        /* 0, 4 or 8 */
	uint8_t spi[IKE_MAX_SPI_LEN];
	uint8_t nxforms;        /* 1..IKE_MAX_TRANSFORMS */
	struct ike_xform xf[IKE_MAX_TRANSFORMS];
};

struct ike_sa_pld {
	uint8_t nprops;         /* 1..IKE_MAX_PROPOSALS */
	struct ike_prop prop[IKE_MAX_PROPOSALS];
};

/* Traffic selectors, RFC 7296 §3.13. */
struct ike_ts_pld {
	uint8_t type;           /* IKE_TS_IPV4_ADDR_RANGE / IPV6_ADDR_RANGE */
	uint8_t proto;          /* IP protocol, 0: any */
	uint16_t sport, eport;  /* inclusive; 0-65535: any, 65535-0: OPAQUE */
	uint8_t start[16];      /* network order; 4 octets used for IPv4 */
	uint8_t end[16];
};

struct ike_ts_list {
	uint8_t n;              /* selectors of known types, in wire order */
	uint8_t nskipped;       /* selectors of other types (skipped) */
	struct ike_ts_pld ts[IKE_MAX_TS];
};

/* Views of the simple payloads; pointers go into the decoded buffer. */
struct ike_sa_view {
	uint8_t nprops;
};

struct ike_ke_view {                    /* §3.4 */
	uint16_t group;
	const uint8_t *data;
	uint16_t len;
};

struct ike_id_view {                    /* §3.5; the whole body is the
					 * RestOfIDPayload that AUTH signs */
	uint8_t type;
	const uint8_t *data;
	uint16_t len;
};

struct ike_cert_view {                  /* §3.6 CERT, §3.7 CERTREQ */
	uint8_t encoding;
	const uint8_t *data;
	uint16_t len;
};

struct ike_auth_view {                  /* §3.8 */
	uint8_t method;
	const uint8_t *data;
	uint16_t len;
};

struct ike_nonce_view {                 /* §3.9 */
	const uint8_t *data;
	uint16_t len;
};

struct ike_notify_view {                /* §3.10 */
	uint8_t proto;
	uint8_t spi_len;                /* 0, 4 or 8 */
	uint16_t type;
	const uint8_t *spi;
	const uint8_t *data;
	uint16_t len;
};

struct ike_delete_view {                /* §3.11 */
	uint8_t proto;
	uint8_t spi_len;                /* 0 for IKE, 4 for AH/ESP */
	uint16_t nspi;
	const uint8_t *spis;            /* nspi * spi_len octets */
};

struct ike_vendor_view {                /* §3.12 */
	const uint8_t *data;
	uint16_t len;
};

struct ike_ts_view {                    /* §3.13, decode with ike_ts_parse */
	uint8_t nts;
};

struct ike_cp_view {                    /* §3.15; attributes checked for
					 * structure only */
	uint8_t type;                   /* IKE_CFG_* */
	const uint8_t *attrs;
	uint16_t len;
	uint16_t nattrs;
};

struct ike_eap_view {                   /* §3.16: not spoken, checked for
					 * framing only */
	uint8_t code;
	const uint8_t *msg;             /* the whole EAP message */
	uint16_t len;
};

/*
 * Parsers: body = payload without its generic header. The SA and TS pairs
 * share one walker: _validate checks and counts (what the message decoder
 * runs on every payload), _parse also fills the struct.
 */
int ike_sa_validate(const uint8_t *body, size_t len, uint8_t *nprops,
		    const char **why);
int ike_sa_parse(const uint8_t *body, size_t len, struct ike_sa_pld *out,
		 const char **why);
int ike_ts_validate(const uint8_t *body, size_t len, uint8_t *nts,
		    const char **why);
int ike_ts_parse(const uint8_t *body, size_t len, struct ike_ts_list *out,
		 const char **why);
int ike_ke_parse(const uint8_t *body, size_t len, struct ike_ke_view *v,
		 const char **why);
int ike_id_parse(const uint8_t *body, size_t len, struct ike_id_view *v,
		 const char **why);
int ike_cert_parse(const uint8_t *body, size_t len, struct ike_cert_view *v,
		   const char **why);
int ike_auth_parse(const uint8_t *body, size_t len, struct ike_auth_view *v,
		   const char **why);
int ike_nonce_parse(const uint8_t *body, size_t len, struct ike_nonce_view *v,
		    const char **why);
int ike_notify_parse(const uint8_t *body, size_t len,
		     struct ike_notify_view *v, const char **why);
int ike_delete_parse(const uint8_t *body, size_t len,
		     struct ike_delete_view *v, const char **why);
int ike_vendor_parse(const uint8_t *body, size_t len,
		     struct ike_vendor_view *v, const char **why);
int ike_cp_parse(const uint8_t *body, size_t len, struct ike_cp_view *v,
		 const char **why);
int ike_eap_parse(const uint8_t *body, size_t len, struct ike_eap_view *v,
		  const char **why);

/*
 * Key Exchange Data length of a group (RFC 3526, RFC 5903, RFC 8031), or
 * 0 for a group this codec does not know. ike_ke_parse refuses a KE of a
 * known group whose data has another length (RFC 7296 §3.4).
 */
size_t ike_ke_data_len(uint16_t group);

/* Accessors. Each returns 0 or -EBADMSG when the field does not have the
 * shape asked for. */
int ike_notify_spi32(const struct ike_notify_view *n, uint32_t *spi);
int ike_notify_u16(const struct ike_notify_view *n, uint16_t *val);
int ike_delete_spi32(const struct ike_delete_view *d, unsigned int i,
		     uint32_t *spi);
/* i-th entry of a CP payload's attributes (0 ≤ i < nattrs). */
int ike_cp_attr(const struct ike_cp_view *v, unsigned int i, uint16_t *type,
		const uint8_t **val, uint16_t *len);

/* Encoders (sticky errors, see msg.h). pld_type picks IDi/IDr, TSi/TSr,
 * CERT/CERTREQ. */
int ike_enc_sa(struct ike_enc *e, const struct ike_sa_pld *sa);
int ike_enc_ke(struct ike_enc *e, uint16_t group, const void *data,
	       size_t len);
int ike_enc_id(struct ike_enc *e, uint8_t pld_type, uint8_t id_type,
	       const void *data, size_t len);
int ike_enc_cert(struct ike_enc *e, uint8_t pld_type, uint8_t encoding,
		 const void *data, size_t len);
int ike_enc_auth(struct ike_enc *e, uint8_t method, const void *data,
		 size_t len);
int ike_enc_nonce(struct ike_enc *e, const void *data, size_t len);
int ike_enc_notify(struct ike_enc *e, uint8_t proto, const void *spi,
		   size_t spi_len, uint16_t type, const void *data, size_t len);
int ike_enc_delete(struct ike_enc *e, uint8_t proto, uint8_t spi_len,
		   uint16_t nspi, const void *spis);
int ike_enc_vendor(struct ike_enc *e, const void *data, size_t len);
int ike_enc_ts(struct ike_enc *e, uint8_t pld_type,
	       const struct ike_ts_list *ts);
int ike_enc_cp(struct ike_enc *e, uint8_t cfg_type, const void *attrs,
	       size_t len);
int ike_enc_eap(struct ike_enc *e, const void *msg, size_t len);

#endif
