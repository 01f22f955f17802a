/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IKEv2 messages: header codec, the payload chain as a list of entries
 * over the received buffer, the Encrypted (SK) payload's layout, and an
 * encoder that appends payloads to a bounded buffer (RFC 7296 §3.1-§3.2,
 * §3.14).
 *
 * Receiving:
 *   ike_msg_decode(m, buf, len)        header + outer chain, every known
 *                                      payload validated and viewed
 *   ike_msg_sk(m, iv, icv, blk, &sk)   where IV, ciphertext and ICV lie
 *   ...crypto verifies and decrypts (ike/crypto.c)...
 *   ike_msg_decode_inner(m, pt, n)     the decrypted chain (with padding
 *                                      and Pad Length), appended to m
 *   ike_msg_find / _next / _notify     look payloads up
 *
 * Sending:
 *   ike_enc_init(e, buf, cap, &hdr)
 *   ike_enc_sa / _ke / _nonce / ...    (payload.h), outer payloads
 *   ike_enc_sk_begin(e, iv_len)        open SK; payloads now go inside
 *   ike_enc_id / _auth / ...
 *   ike_enc_sk_end(e, blk, icv, &sk)   pad, reserve ICV, fix lengths
 *   ike_enc_finish(e)                  total length or the first error
 *   ...crypto fills IV, encrypts sk.ct_off..+ct_len, writes the ICV...
 * or, with crypto.h's ike_sk_encrypt doing padding, lengths and ICV:
 *   ike_enc_sk_begin(e, ike_sk_head_len(k) - 4)
 *   ike_enc_id / _auth / ...
 *   ike_enc_sk_close(e, ike_sk_tail_max(k), &sk_off, &inner_len)
 *   ike_sk_encrypt(k, dir, buf, cap, sk_off, inner_len, &msg_len)
 * and on receipt ike_sk_decrypt(..., m->pld[m->sk].off, &off, &n) then
 * ike_msg_decode_inner_unpadded(m, buf + off, n).
 *
 * Nothing here allocates; a struct ike_msg is about 4 KiB.
 */
#ifndef IKE_MSG_H
#define IKE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "payload.h"
#include "wire.h"

static inline uint16_t ike_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t ike_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t ike_get64(const uint8_t *p)
{
	return (uint64_t)ike_get32(p) << 32 | ike_get32(p + 4);
}

static inline void ike_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void ike_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void ike_put64(uint8_t *p, uint64_t v)
{
	ike_put32(p, (uint32_t)(v >> 32));
	ike_put32(p + 4, (uint32_t)v);
}

/* IKE header, RFC 7296 §3.1. SPIs are the 8 wire octets read big-endian. */
struct ike_hdr {
	uint64_t spi_i;
	uint64_t spi_r;
	uint8_t next;           /* first payload type */
	uint8_t major;
	uint8_t minor;
	uint8_t exch;           /* IKE_EXCH_* */
	uint8_t flags;          /* IKE_FLAG_* */
	uint32_t msgid;
	uint32_t len;           /* whole message */
};

/*
 * Reads the 28-octet header of a datagram of len octets and checks it:
 * 0; -EBADMSG when shorter than a header, when the Length field differs
 * from len, or when the initiator's SPI is zero; -EPROTONOSUPPORT when
 * the major version is not 2; -EMSGSIZE above IKE_MSG_MAX. *h is filled
 * whenever len >= IKE_HDR_LEN, even on error (to address an answer).
 */
int ike_hdr_decode(const uint8_t *buf, size_t len, struct ike_hdr *h);
/* Writes h as is (next and len included) into out. */
void ike_hdr_encode(const struct ike_hdr *h, uint8_t out[IKE_HDR_LEN]);

/* One payload of the chain. */
struct ike_pld {
	uint8_t type;           /* IKE_PL_* or an unknown value */
	bool critical;          /* C bit as received */
	bool known;             /* parsed; false: unknown, non-critical, skipped */
	bool inner;             /* from the decrypted SK contents */
	uint8_t next;           /* Next Payload field as received */
	uint32_t off;           /* generic header's offset in its buffer:
				 * the datagram, or the plaintext for inner */
	uint16_t len;           /* Payload Length (generic header included) */
	const uint8_t *body;    /* len - 4 octets after the generic header */
	uint16_t blen;
	union {
		struct ike_sa_view sa;
		struct ike_ke_view ke;
		struct ike_id_view id;          /* IDi, IDr */
		struct ike_cert_view cert;      /* CERT, CERTREQ */
		struct ike_auth_view auth;
		struct ike_nonce_view nonce;
		struct ike_notify_view n;
		struct ike_delete_view d;
		struct ike_vendor_view vid;
		struct ike_ts_view ts;          /* TSi, TSr */
		struct ike_cp_view cp;
		struct ike_eap_view eap;
	} v;
};

/* Why decoding failed, for the answer and the log. */
struct ike_msg_err {
	uint16_t notify;        /* notify type to answer with; 0: just drop */
	bool has_data;
	uint8_t data;           /* UNSUPPORTED_CRITICAL_PAYLOAD: the type */
	bool inner;             /* the fault is in the decrypted part */
	uint32_t off;           /* offset of the offending payload */
	const char *why;        /* static text */
};

struct ike_msg {
	const uint8_t *buf;     /* the datagram (borrowed) */
	size_t len;
	const uint8_t *plain;   /* plaintext given to ike_msg_decode_inner
				 * (borrowed), or NULL */
	size_t plain_len;       /* without padding and Pad Length */
	struct ike_hdr hdr;
	bool hdr_ok;            /* hdr holds the header (len >= 28) */
	int sk;                 /* index of the SK (or SKF) entry in pld[],
				 * or -1 */
	uint8_t sk_next;        /* SK's Next Payload: first inner type */
	bool frag;              /* the encrypted payload is an SKF (RFC 7383) */
	uint16_t frag_num;      /* its Fragment Number, 1..frag_total */
	uint16_t frag_total;    /* its Total Fragments */
	bool decrypted;         /* ike_msg_decode_inner succeeded */
	unsigned int nouter;    /* entries from the datagram, SK included */
	unsigned int npld;      /* all entries: outer, then inner */
	struct ike_msg_err err;
	struct ike_pld pld[IKE_MAX_PAYLOADS];
};

/*
 * Decodes a datagram (without the non-ESP marker). The buffer is borrowed
 * by m and every view. Returns 0 or:
 *   -EBADMSG          malformed, err.notify = INVALID_SYNTAX
 *   -EOPNOTSUPP       unknown payload with the critical bit (§2.5),
 *                     err.notify = UNSUPPORTED_CRITICAL_PAYLOAD, err.data
 *                     = its type
 *   -EPROTONOSUPPORT  major version not 2; err.notify is
 *                     INVALID_MAJOR_VERSION above 2, else 0 (§2.5)
 *   -EMSGSIZE         longer than IKE_MSG_MAX, err.notify = 0
 * An SK payload must be the last one (§3.14); its contents wait for
 * ike_msg_decode_inner. An Encrypted Fragment payload (SKF, RFC 7383
 * §2.5) is taken the same way, m->frag set with its numbers checked
 * (1 <= Fragment Number <= Total Fragments); its contents are a share of
 * the inner payloads, for frag.h to reassemble.
 */
int ike_msg_decode(struct ike_msg *m, const uint8_t *buf, size_t len);

/*
 * Layout of an SK payload (§3.14), as offsets into the message buffer:
 * AAD (RFC 5282 §5.1) is buf[0, aad_len), the integrity-protected part
 * (§3.14, non-AEAD) is buf[0, icv_off).
 */
struct ike_sk {
	size_t aad_len;         /* IKE header up to the end of SK's header */
	size_t iv_off, iv_len;
	size_t ct_off, ct_len;  /* encrypted payloads + padding + Pad Length */
	size_t icv_off, icv_len;
};

/*
 * Splits a decoded message's SK body for a cipher with the given IV and
 * ICV lengths: the ciphertext must hold at least the Pad Length octet and
 * be a multiple of blk (1 for none). 0, -ENOENT without SK, -EBADMSG.
 */
int ike_msg_sk(const struct ike_msg *m, size_t iv_len, size_t icv_len,
	       size_t blk, struct ike_sk *sk);

/*
 * Strips padding (§3.14: the last octet is Pad Length; the padding may
 * hold any value) from a decrypted plaintext: 0 with *inner_len set, or
 * -EBADMSG.
 */
int ike_sk_unpad(const uint8_t *plain, size_t len, size_t *inner_len);

/*
 * Decodes the decrypted contents of m's SK payload (inner payloads +
 * padding + Pad Length; may be in place in m->buf or elsewhere, and is
 * borrowed), starting with the type in SK's Next Payload. Entries are
 * appended with inner = true. Same returns as ike_msg_decode; -EINVAL
 * when m has no SK or was already given its plaintext.
 */
int ike_msg_decode_inner(struct ike_msg *m, const uint8_t *plain, size_t len);
/* The same for inner payloads whose padding was already removed (as
 * ike_sk_decrypt in crypto.h returns them). */
int ike_msg_decode_inner_unpadded(struct ike_msg *m, const uint8_t *inner,
				  size_t len);

/*
 * Lookups. In a message with an SK payload only the decrypted entries are
 * searched (nothing before ike_msg_decode_inner), so unauthenticated
 * payloads next to SK are never returned; otherwise the outer ones.
 * ike_msg_next continues after prev (NULL: from the start).
 */
const struct ike_pld *ike_msg_find(const struct ike_msg *m, uint8_t type);
const struct ike_pld *ike_msg_next(const struct ike_msg *m,
				   const struct ike_pld *prev, uint8_t type);
const struct ike_pld *ike_msg_notify(const struct ike_msg *m, uint16_t ntype);
unsigned int ike_msg_count(const struct ike_msg *m, uint8_t type);

/* Validates and views one payload body by type (payload.c): 0, -EBADMSG,
 * -ENOENT for a type the codec does not parse (p->known stays false). */
int ike_pld_parse(struct ike_pld *p, const char **why);

/* Encoder. */
enum ike_enc_state {
	IKE_ENC_OPEN,           /* outer payloads */
	IKE_ENC_IN_SK,          /* payloads go inside SK */
	IKE_ENC_CLOSED,         /* SK ended: nothing may follow (§3.14) */
};

struct ike_enc {
	uint8_t *buf;
	size_t cap;             /* min(buffer size, IKE_MSG_MAX) */
	size_t len;
	size_t np_off;          /* Next Payload octet the next payload sets */
	size_t last_off;        /* generic header of the last payload */
	size_t sk_off;          /* generic header of SK */
	size_t sk_iv_len;
	unsigned int npld;
	enum ike_enc_state state;
	int err;                /* first error; every later call returns it */
};

/*
 * Starts a message: writes h (its next and len fields are ignored and
 * maintained by the encoder). 0 or -ENOSPC (sticky).
 */
int ike_enc_init(struct ike_enc *e, uint8_t *buf, size_t cap,
		 const struct ike_hdr *h);

/*
 * Appends a generic header for a body of blen octets, chains it from the
 * previous payload (or the header, or SK) and returns the body to fill in
 * *body. Errors (sticky): -ENOSPC out of room, -EMSGSIZE payload above
 * 65535, -E2BIG above IKE_MAX_PAYLOADS, -EINVAL after ike_enc_sk_end.
 */
int ike_enc_begin(struct ike_enc *e, uint8_t type, bool critical, size_t blen,
		  uint8_t **body);
/* Appends a payload body as is (unknown types, re-encoding). */
int ike_enc_raw(struct ike_enc *e, uint8_t type, bool critical,
		const void *body, size_t blen);

/* Opens the SK payload and reserves iv_len zero octets for the IV. */
int ike_enc_sk_begin(struct ike_enc *e, size_t iv_len);
/*
 * Closes SK: pads the inner payloads with zeros so that inner + padding +
 * Pad Length is a multiple of blk (1: no padding), reserves icv_len zero
 * octets and sets the SK and message lengths. *sk tells crypto what to
 * fill and encrypt. Nothing may be appended after.
 */
int ike_enc_sk_end(struct ike_enc *e, size_t blk, size_t icv_len,
		   struct ike_sk *sk);
/*
 * Closes SK for a cipher that pads and authenticates by itself (crypto.h
 * ike_sk_encrypt): writes nothing, checks that tail more octets (padding,
 * Pad Length, ICV: ike_sk_tail_max) still fit in the buffer, the message
 * and the SK payload, and gives the SK header offset and the length of the
 * inner payloads after the IV. The message and SK lengths are then the
 * cipher's to set; ike_enc_finish must not be called. 0 or the error.
 */
int ike_enc_sk_close(struct ike_enc *e, size_t tail, size_t *sk_off,
		     size_t *inner_len);
/* Sets the message length: returns it (> 0), or the first error. */
int ike_enc_finish(struct ike_enc *e);

#endif
