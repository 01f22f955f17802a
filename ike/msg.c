// SPDX-License-Identifier: GPL-2.0-only
/*
 * IKEv2 message codec: header, payload chain, Encrypted payload layout,
 * and the bounded encoder (RFC 7296 §3.1, §3.2, §3.14).
 */
#include <errno.h>
#include <string.h>

#include "msg.h"

int ike_hdr_decode(const uint8_t *buf, size_t len, struct ike_hdr *h)
{
	memset(h, 0, sizeof(*h));
	/* RFC 7296 §3.1: the fixed header is 28 octets. */
	if (len < IKE_HDR_LEN)
		return -EBADMSG;
	h->spi_i = ike_get64(buf);
	h->spi_r = ike_get64(buf + IKE_SPI_LEN);
	h->next = buf[IKE_HDR_OFF_NEXT];
	h->major = buf[IKE_HDR_OFF_VERSION] >> 4;
	h->minor = buf[IKE_HDR_OFF_VERSION] & 0x0fu;
	h->exch = buf[IKE_HDR_OFF_EXCH];
	h->flags = buf[IKE_HDR_OFF_FLAGS];
	h->msgid = ike_get32(buf + IKE_HDR_OFF_MSGID);
	h->len = ike_get32(buf + IKE_HDR_OFF_LEN);
	/* §2.5: only the major version matters; the minor is ignored. */
	if (h->major != IKE_MAJOR_VERSION)
		return -EPROTONOSUPPORT;
	if (len > IKE_MSG_MAX)
		return -EMSGSIZE;
	/* §3.1: Length is the whole message, header and payloads: a datagram
	 * that is shorter was truncated, one that is longer carries junk. */
	if (h->len != len)
		return -EBADMSG;
	/* §3.1: the initiator's SPI MUST NOT be zero. */
	if (!h->spi_i)
		return -EBADMSG;
	return 0;
}

void ike_hdr_encode(const struct ike_hdr *h, uint8_t out[IKE_HDR_LEN])
{
	ike_put64(out, h->spi_i);
	ike_put64(out + IKE_SPI_LEN, h->spi_r);
	out[IKE_HDR_OFF_NEXT] = h->next;
	out[IKE_HDR_OFF_VERSION] = (uint8_t)(h->major << 4 | (h->minor & 0x0fu));
	out[IKE_HDR_OFF_EXCH] = h->exch;
	out[IKE_HDR_OFF_FLAGS] = h->flags;
	ike_put32(out + IKE_HDR_OFF_MSGID, h->msgid);
	ike_put32(out + IKE_HDR_OFF_LEN, h->len);
}

static int msg_fail(struct ike_msg *m, int rc, bool inner, size_t off,
		    const char *why)
{
	m->err.inner = inner;
	m->err.off = (uint32_t)off;
	m->err.why = why;
	switch (rc) {
	case -EBADMSG:
		m->err.notify = IKE_N_INVALID_SYNTAX;
		break;
	case -EPROTONOSUPPORT:
		/* §2.5: answer a higher major version with the one we
		 * speak; an older one (IKEv1) is not ours to answer. */
		m->err.notify = m->hdr.major > IKE_MAJOR_VERSION ?
				IKE_N_INVALID_MAJOR_VERSION : 0;
		break;
	default:
		m->err.notify = 0;
		break;
	}
	return rc;
}

/* Types this codec parses: RFC 7296 §3.2, SA (33) through EAP (48). */
static bool pld_is_known(uint8_t type)
{
	return type >= IKE_PL_SA && type <= IKE_PL_EAP;
}

/*
 * Walks one payload chain over base[start, len), first type `type`,
 * appending entries to m.
 */
static int chain_walk(struct ike_msg *m, const uint8_t *base, size_t start,
		      size_t len, uint8_t type, bool inner)
{
	size_t off = start;

	while (type != IKE_PL_NONE) {
		size_t left = len - off;
		struct ike_pld *p;
		const char *why = NULL;
		uint16_t plen;
		int rc;

		/* §3.2: every payload starts with a 4-octet generic header. */
		if (left < IKE_PLD_HDR_LEN)
			return msg_fail(m, -EBADMSG, inner, off,
					"payload header truncated");
		plen = ike_get16(base + off + 2);
		/* §3.2: Payload Length includes the generic header. */
		if (plen < IKE_PLD_HDR_LEN)
			return msg_fail(m, -EBADMSG, inner, off,
					"payload length below header size");
		if (plen > left)
			return msg_fail(m, -EBADMSG, inner, off,
					"payload runs past the message");
		if (m->npld == IKE_MAX_PAYLOADS)
			return msg_fail(m, -EBADMSG, inner, off,
					"too many payloads");
		p = &m->pld[m->npld];
		memset(p, 0, sizeof(*p));
		p->type = type;
		p->next = base[off];
		p->critical = base[off + 1] & IKE_PLD_CRITICAL;
		p->inner = inner;
		p->off = (uint32_t)off;
		p->len = plen;
		p->body = base + off + IKE_PLD_HDR_LEN;
		p->blen = (uint16_t)(plen - IKE_PLD_HDR_LEN);

		if (type == IKE_PL_SK || type == IKE_PL_SKF) {
			/* §3.14: SK is never nested and MUST be the last
			 * payload; its Next Payload names the first inner
			 * one. RFC 7383 §2.5: so is SKF. */
			if (inner)
				return msg_fail(m, -EBADMSG, inner, off,
						"SK inside SK");
			if (plen != left)
				return msg_fail(m, -EBADMSG, inner, off,
						"SK is not the last payload");
			if (type == IKE_PL_SKF) {
				/* RFC 7383 §2.5: Fragment Number 1..Total
				 * Fragments, neither zero */
				if (p->blen < IKE_SKF_HDR_LEN - IKE_PLD_HDR_LEN)
					return msg_fail(m, -EBADMSG, inner, off,
							"SKF payload truncated");
				m->frag = true;
				m->frag_num = ike_get16(p->body);
				m->frag_total = ike_get16(p->body + 2);
				if (!m->frag_num || !m->frag_total ||
				    m->frag_num > m->frag_total)
					return msg_fail(m, -EBADMSG, inner, off,
							"SKF fragment numbers out of range");
			}
			m->sk = (int)m->npld;
			m->sk_next = p->next;
			p->known = true;
			m->npld++;
			return 0;
		}
		if (pld_is_known(type)) {
			rc = ike_pld_parse(p, &why);
			if (rc)
				return msg_fail(m, -EBADMSG, inner, off,
						why ? why : "bad payload");
		} else if (p->critical) {
			/* §2.5: an unknown payload with the critical bit
			 * rejects the message; the notify names its type. */
			msg_fail(m, -EOPNOTSUPP, inner, off,
				 "unsupported critical payload");
			m->err.notify = IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD;
			m->err.has_data = true;
			m->err.data = type;
			return -EOPNOTSUPP;
		}
		/* §2.5: unknown and not critical: skipped (kept, no view). */
		m->npld++;
		off += plen;
		type = p->next;
	}
	/* §3.2: the chain ends with Next Payload 0 exactly at the end. */
	if (off != len)
		return msg_fail(m, -EBADMSG, inner, off,
				"data after the last payload");
	return 0;
}

int ike_msg_decode(struct ike_msg *m, const uint8_t *buf, size_t len)
{
	int rc;

	memset(m, 0, offsetof(struct ike_msg, pld));
	m->buf = buf;
	m->len = len;
	m->sk = -1;
	rc = ike_hdr_decode(buf, len, &m->hdr);
	m->hdr_ok = len >= IKE_HDR_LEN;
	if (rc)
		return msg_fail(m, rc, false, 0,
				rc == -EPROTONOSUPPORT ? "unsupported major version" :
				rc == -EMSGSIZE ? "message too large" :
				"bad IKE header");
	rc = chain_walk(m, buf, IKE_HDR_LEN, len, m->hdr.next, false);
	m->nouter = m->npld;
	return rc;
}

int ike_msg_sk(const struct ike_msg *m, size_t iv_len, size_t icv_len,
	       size_t blk, struct ike_sk *sk)
{
	const struct ike_pld *p;
	size_t body, blen, skip;

	memset(sk, 0, sizeof(*sk));
	if (m->sk < 0)
		return -ENOENT;
	p = &m->pld[m->sk];
	/* RFC 7383 §2.5: an SKF has its fragment numbers before the IV */
	skip = m->frag ? IKE_SKF_HDR_LEN - IKE_PLD_HDR_LEN : 0;
	body = p->off + IKE_PLD_HDR_LEN + skip;
	blen = p->blen - skip;
	/* §3.14: IV, then the encrypted part (at least Pad Length, whole
	 * cipher blocks), then the ICV. */
	if (iv_len > blen || icv_len > blen - iv_len ||
	    blen - iv_len - icv_len < 1)
		return -EBADMSG;
	sk->aad_len = body;
	sk->iv_off = body;
	sk->iv_len = iv_len;
	sk->ct_off = body + iv_len;
	sk->ct_len = blen - iv_len - icv_len;
	sk->icv_off = sk->ct_off + sk->ct_len;
	sk->icv_len = icv_len;
	if (blk > 1 && sk->ct_len % blk)
		return -EBADMSG;
	return 0;
}

int ike_sk_unpad(const uint8_t *plain, size_t len, size_t *inner_len)
{
	/* §3.14: Pad Length counts the padding before it, so the two
	 * together can not exceed the plaintext. */
	if (!len || (size_t)plain[len - 1] + 1 > len)
		return -EBADMSG;
	*inner_len = len - 1 - plain[len - 1];
	return 0;
}

static int inner_walk(struct ike_msg *m, const uint8_t *inner, size_t len)
{
	int rc;

	m->plain_len = len;
	rc = chain_walk(m, inner, 0, len, m->sk_next, true);
	if (rc) {
		/* No half-decoded inner chain stays visible. */
		m->npld = m->nouter;
		return rc;
	}
	m->decrypted = true;
	return 0;
}

int ike_msg_decode_inner(struct ike_msg *m, const uint8_t *plain, size_t len)
{
	size_t n;

	if (m->sk < 0 || m->plain)
		return -EINVAL;
	/* One plaintext per message, whether it decodes or not. */
	m->plain = plain;
	if (ike_sk_unpad(plain, len, &n))
		return msg_fail(m, -EBADMSG, true, 0, "bad Pad Length");
	return inner_walk(m, plain, n);
}

int ike_msg_decode_inner_unpadded(struct ike_msg *m, const uint8_t *inner,
				  size_t len)
{
	if (m->sk < 0 || m->plain)
		return -EINVAL;
	m->plain = inner;
	return inner_walk(m, inner, len);
}

static bool pld_visible(const struct ike_msg *m, const struct ike_pld *p)
{
	return m->sk >= 0 ? p->inner : !p->inner;
}

const struct ike_pld *ike_msg_next(const struct ike_msg *m,
				   const struct ike_pld *prev, uint8_t type)
{
	unsigned int i = prev ? (unsigned int)(prev - m->pld) + 1 : 0;

	for (; i < m->npld; i++) {
		const struct ike_pld *p = &m->pld[i];

		if (p->type == type && pld_visible(m, p))
			return p;
	}
	return NULL;
}

const struct ike_pld *ike_msg_find(const struct ike_msg *m, uint8_t type)
{
	return ike_msg_next(m, NULL, type);
}

const struct ike_pld *ike_msg_notify(const struct ike_msg *m, uint16_t ntype)
{
	const struct ike_pld *p = NULL;

	while ((p = ike_msg_next(m, p, IKE_PL_NOTIFY)))
		if (p->v.n.type == ntype)
			return p;
	return NULL;
}

unsigned int ike_msg_count(const struct ike_msg *m, uint8_t type)
{
	const struct ike_pld *p = NULL;
	unsigned int n = 0;

	while ((p = ike_msg_next(m, p, type)))
		n++;
	return n;
}

/* Encoder. */

static int enc_fail(struct ike_enc *e, int rc)
{
	if (!e->err)
		e->err = rc;
	return e->err;
}

static void enc_set_len(struct ike_enc *e)
{
	ike_put32(e->buf + IKE_HDR_OFF_LEN, (uint32_t)e->len);
}

int ike_enc_init(struct ike_enc *e, uint8_t *buf, size_t cap,
		 const struct ike_hdr *h)
{
	struct ike_hdr w = *h;

	memset(e, 0, sizeof(*e));
	e->buf = buf;
	e->cap = cap < IKE_MSG_MAX ? cap : IKE_MSG_MAX;
	e->state = IKE_ENC_OPEN;
	if (e->cap < IKE_HDR_LEN)
		return enc_fail(e, -ENOSPC);
	w.next = IKE_PL_NONE;
	w.len = IKE_HDR_LEN;
	ike_hdr_encode(&w, buf);
	e->len = IKE_HDR_LEN;
	e->np_off = IKE_HDR_OFF_NEXT;
	return 0;
}

int ike_enc_begin(struct ike_enc *e, uint8_t type, bool critical, size_t blen,
		  uint8_t **body)
{
	uint8_t *p;

	*body = NULL;
	if (e->err)
		return e->err;
	if (e->state == IKE_ENC_CLOSED)
		return enc_fail(e, -EINVAL);
	/* §3.2: a 16-bit Payload Length. */
	if (blen > IKE_PLD_LEN_MAX - IKE_PLD_HDR_LEN)
		return enc_fail(e, -EMSGSIZE);
	if (e->npld == IKE_MAX_PAYLOADS)
		return enc_fail(e, -E2BIG);
	if (e->cap - e->len < IKE_PLD_HDR_LEN + blen)
		return enc_fail(e, -ENOSPC);
	p = e->buf + e->len;
	p[0] = IKE_PL_NONE;
	/* §3.2: RESERVED bits are sent as zero. */
	p[1] = critical ? IKE_PLD_CRITICAL : 0;
	ike_put16(p + 2, (uint16_t)(IKE_PLD_HDR_LEN + blen));
	memset(p + IKE_PLD_HDR_LEN, 0, blen);
	e->buf[e->np_off] = type;
	e->np_off = e->len;
	e->last_off = e->len;
	e->len += IKE_PLD_HDR_LEN + blen;
	e->npld++;
	enc_set_len(e);
	*body = p + IKE_PLD_HDR_LEN;
	return 0;
}

int ike_enc_raw(struct ike_enc *e, uint8_t type, bool critical,
		const void *body, size_t blen)
{
	uint8_t *p;
	int rc;

	/* SK is built with ike_enc_sk_begin/end, never copied. */
	if (type == IKE_PL_SK || type == IKE_PL_NONE)
		return enc_fail(e, -EINVAL);
	rc = ike_enc_begin(e, type, critical, blen, &p);
	if (rc)
		return rc;
	if (blen)
		memcpy(p, body, blen);
	return 0;
}

int ike_enc_sk_begin(struct ike_enc *e, size_t iv_len)
{
	uint8_t *p;
	int rc;

	if (e->err)
		return e->err;
	if (e->state != IKE_ENC_OPEN)
		return enc_fail(e, -EINVAL);
	rc = ike_enc_begin(e, IKE_PL_SK, false, iv_len, &p);
	if (rc)
		return rc;
	/* The SK's own Next Payload octet takes the first inner type. */
	e->sk_off = e->last_off;
	e->sk_iv_len = iv_len;
	e->state = IKE_ENC_IN_SK;
	return 0;
}

int ike_enc_sk_end(struct ike_enc *e, size_t blk, size_t icv_len,
		   struct ike_sk *sk)
{
	size_t ct_off, inner, pad, total;

	memset(sk, 0, sizeof(*sk));
	if (e->err)
		return e->err;
	if (e->state != IKE_ENC_IN_SK || !blk || blk > 256)
		return enc_fail(e, -EINVAL);
	ct_off = e->sk_off + IKE_PLD_HDR_LEN + e->sk_iv_len;
	inner = e->len - ct_off;
	/* §3.14: Pad Length (one octet) follows the padding; together
	 * with the payloads they fill whole cipher blocks. */
	pad = (blk - (inner + 1) % blk) % blk;
	total = e->len - e->sk_off + pad + 1 + icv_len;
	if (total > IKE_PLD_LEN_MAX)
		return enc_fail(e, -EMSGSIZE);
	if (e->cap - e->len < pad + 1 + icv_len)
		return enc_fail(e, -ENOSPC);
	memset(e->buf + e->len, 0, pad);
	e->buf[e->len + pad] = (uint8_t)pad;
	memset(e->buf + e->len + pad + 1, 0, icv_len);
	e->len += pad + 1 + icv_len;
	ike_put16(e->buf + e->sk_off + 2, (uint16_t)total);
	enc_set_len(e);
	e->state = IKE_ENC_CLOSED;
	sk->aad_len = e->sk_off + IKE_PLD_HDR_LEN;
	sk->iv_off = sk->aad_len;
	sk->iv_len = e->sk_iv_len;
	sk->ct_off = ct_off;
	sk->ct_len = inner + pad + 1;
	sk->icv_off = ct_off + sk->ct_len;
	sk->icv_len = icv_len;
	return 0;
}

int ike_enc_sk_close(struct ike_enc *e, size_t tail, size_t *sk_off,
		     size_t *inner_len)
{
	size_t ct_off;

	*sk_off = 0;
	*inner_len = 0;
	if (e->err)
		return e->err;
	if (e->state != IKE_ENC_IN_SK)
		return enc_fail(e, -EINVAL);
	/* §3.2: the SK payload, padding and ICV included, has a 16-bit
	 * length; the message stays within what we accept. */
	if (e->len - e->sk_off + tail > IKE_PLD_LEN_MAX)
		return enc_fail(e, -EMSGSIZE);
	if (e->cap - e->len < tail)
		return enc_fail(e, -ENOSPC);
	ct_off = e->sk_off + IKE_PLD_HDR_LEN + e->sk_iv_len;
	e->state = IKE_ENC_CLOSED;
	/* Lengths are the cipher's to write; poison ike_enc_finish. */
	e->err = -EINVAL;
	*sk_off = e->sk_off;
	*inner_len = e->len - ct_off;
	return 0;
}

int ike_enc_finish(struct ike_enc *e)
{
	if (e->err)
		return e->err;
	/* §3.14: an SK that was opened must be closed (padded, ICV). */
	if (e->state == IKE_ENC_IN_SK)
		return enc_fail(e, -EINVAL);
	enc_set_len(e);
	return (int)e->len;
}
