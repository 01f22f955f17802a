// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the IKEv2 message and payload codec on hostile input.
 *
 * The input is one UDP datagram. It is decoded as an IKE message; the body
 * of an SK payload is then taken as an already-decrypted plaintext (inner
 * payloads + padding + Pad Length; for inputs of odd size, inner payloads
 * whose padding was already removed) and decoded as the inner chain. Every
 * payload that decoded is parsed again by its typed parser, re-encoded
 * into a new message (inner payloads inside a new SK with no IV, no ICV,
 * no padding), and the new message is decoded: each payload must come
 * back equal to what was decoded from the input (SA transforms lose only
 * attributes we do not know; TS payloads only selector types we skip).
 * The typed parsers also run over the raw input, and the SK layout is
 * computed for a few IV/ICV/block sizes taken from the input. An
 * Encrypted Fragment payload (SKF, RFC 7383) is taken like SK after its
 * fragment numbers, which must be in range; its share of the inner chain
 * is decoded the same way, and the message is not re-encoded.
 *
 * Invariants (__builtin_trap): every return is a documented one with a
 * reason; entries and views stay inside their buffers; what decoded
 * re-encodes without error and decodes to the same values.
 *
 * With FUZZ_WRITE_SEEDS=dir set, the first run writes a seed corpus of
 * messages built with the encoder to dir (fuzz/seeds/fuzz_ike_parse).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "fuzz_check.h"


static bool inside(const uint8_t *p, size_t n, const uint8_t *base, size_t len)
{
	return p >= base && n <= len && (size_t)(p - base) <= len - n;
}

static bool rc_documented(int rc)
{
	return rc == 0 || rc == -EBADMSG || rc == -EOPNOTSUPP ||
	       rc == -EPROTONOSUPPORT || rc == -EMSGSIZE;
}

static void check_err(const struct ike_msg *m, int rc)
{
	CHECK(rc_documented(rc));
	if (!rc)
		return;
	CHECK(m->err.why != NULL);
	switch (rc) {
	case -EBADMSG:
		CHECK(m->err.notify == IKE_N_INVALID_SYNTAX);
		break;
	case -EOPNOTSUPP:
		CHECK(m->err.notify == IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD);
		CHECK(m->err.has_data);
		break;
	case -EPROTONOSUPPORT:
		CHECK(m->err.notify == 0 ||
		      m->err.notify == IKE_N_INVALID_MAJOR_VERSION);
		break;
	default:
		CHECK(m->err.notify == 0);
		break;
	}
}

/* Entries [from, to) lie in base[0, len) and their views in their body. */
static void check_entries(const struct ike_msg *m, unsigned int from,
			  unsigned int to, const uint8_t *base, size_t len)
{
	for (unsigned int i = from; i < to; i++) {
		const struct ike_pld *p = &m->pld[i];
		const uint8_t *b = p->body;

		CHECK(p->len == p->blen + IKE_PLD_HDR_LEN);
		CHECK(inside(base + p->off, p->len, base, len));
		CHECK(b == base + p->off + IKE_PLD_HDR_LEN);
		if (!p->known)
			continue;
		switch (p->type) {
		case IKE_PL_KE:
			CHECK(inside(p->v.ke.data, p->v.ke.len, b, p->blen));
			break;
		case IKE_PL_IDI:
		case IKE_PL_IDR:
			CHECK(inside(p->v.id.data, p->v.id.len, b, p->blen));
			break;
		case IKE_PL_CERT:
		case IKE_PL_CERTREQ:
			CHECK(inside(p->v.cert.data, p->v.cert.len, b, p->blen));
			break;
		case IKE_PL_AUTH:
			CHECK(inside(p->v.auth.data, p->v.auth.len, b, p->blen));
			break;
		case IKE_PL_NONCE:
			CHECK(p->v.nonce.len >= IKE_NONCE_MIN &&
			      p->v.nonce.len <= IKE_NONCE_MAX);
			break;
		case IKE_PL_NOTIFY:
			CHECK(inside(p->v.n.spi, p->v.n.spi_len, b, p->blen));
			CHECK(inside(p->v.n.data, p->v.n.len, b, p->blen));
			break;
		case IKE_PL_DELETE:
			CHECK(inside(p->v.d.spis,
				     (size_t)p->v.d.nspi * p->v.d.spi_len, b,
				     p->blen));
			break;
		case IKE_PL_CP: {
			uint16_t t, l;
			const uint8_t *val;

			CHECK(inside(p->v.cp.attrs, p->v.cp.len, b, p->blen));
			for (unsigned int k = 0; k < p->v.cp.nattrs; k++) {
				CHECK(!ike_cp_attr(&p->v.cp, k, &t, &val, &l));
				CHECK(inside(val, l, p->v.cp.attrs, p->v.cp.len));
			}
			CHECK(ike_cp_attr(&p->v.cp, p->v.cp.nattrs, &t, &val,
					  &l) == -ENOENT);
			break;
		}
		case IKE_PL_SA: {
			static struct ike_sa_pld sa;

			CHECK(!ike_sa_parse(b, p->blen, &sa, NULL));
			CHECK(sa.nprops == p->v.sa.nprops);
			break;
		}
		case IKE_PL_TSI:
		case IKE_PL_TSR: {
			struct ike_ts_list ts;

			CHECK(!ike_ts_parse(b, p->blen, &ts, NULL));
			CHECK(ts.n + ts.nskipped == p->v.ts.nts);
			break;
		}
		default:
			break;
		}
	}
}

/* Re-encodes one decoded payload; 0 or the encoder's error. */
static int encode_pld(struct ike_enc *e, const struct ike_pld *p)
{
	static struct ike_sa_pld sa;
	struct ike_ts_list ts;

	if (!p->known)
		return ike_enc_raw(e, p->type, p->critical, p->body, p->blen);
	switch (p->type) {
	case IKE_PL_SA:
		CHECK(!ike_sa_parse(p->body, p->blen, &sa, NULL));
		return ike_enc_sa(e, &sa);
	case IKE_PL_KE:
		return ike_enc_ke(e, p->v.ke.group, p->v.ke.data, p->v.ke.len);
	case IKE_PL_IDI:
	case IKE_PL_IDR:
		return ike_enc_id(e, p->type, p->v.id.type, p->v.id.data,
				  p->v.id.len);
	case IKE_PL_CERT:
	case IKE_PL_CERTREQ:
		return ike_enc_cert(e, p->type, p->v.cert.encoding,
				    p->v.cert.data, p->v.cert.len);
	case IKE_PL_AUTH:
		return ike_enc_auth(e, p->v.auth.method, p->v.auth.data,
				    p->v.auth.len);
	case IKE_PL_NONCE:
		return ike_enc_nonce(e, p->v.nonce.data, p->v.nonce.len);
	case IKE_PL_NOTIFY:
		return ike_enc_notify(e, p->v.n.proto, p->v.n.spi,
				      p->v.n.spi_len, p->v.n.type, p->v.n.data,
				      p->v.n.len);
	case IKE_PL_DELETE:
		return ike_enc_delete(e, p->v.d.proto, p->v.d.spi_len,
				      p->v.d.nspi, p->v.d.spis);
	case IKE_PL_VENDOR:
		return ike_enc_vendor(e, p->v.vid.data, p->v.vid.len);
	case IKE_PL_TSI:
	case IKE_PL_TSR:
		CHECK(!ike_ts_parse(p->body, p->blen, &ts, NULL));
		/* Only skipped selector types: nothing the encoder writes. */
		if (!ts.n)
			return ike_enc_raw(e, p->type, false, p->body, p->blen);
		return ike_enc_ts(e, p->type, &ts);
	case IKE_PL_CP:
		return ike_enc_cp(e, p->v.cp.type, p->v.cp.attrs, p->v.cp.len);
	case IKE_PL_EAP:
		return ike_enc_eap(e, p->v.eap.msg, p->v.eap.len);
	default:
		CHECK(0);
		return -EINVAL;
	}
}

static void same_sa(const struct ike_pld *a, const struct ike_pld *b)
{
	static struct ike_sa_pld x, y;

	CHECK(!ike_sa_parse(a->body, a->blen, &x, NULL));
	CHECK(!ike_sa_parse(b->body, b->blen, &y, NULL));
	CHECK(x.nprops == y.nprops);
	for (unsigned int i = 0; i < x.nprops; i++) {
		const struct ike_prop *p = &x.prop[i], *q = &y.prop[i];

		CHECK(p->num == q->num && p->proto == q->proto);
		CHECK(p->spi_len == q->spi_len);
		CHECK(!memcmp(p->spi, q->spi, p->spi_len));
		CHECK(p->nxforms == q->nxforms);
		for (unsigned int j = 0; j < p->nxforms; j++) {
			CHECK(p->xf[j].type == q->xf[j].type);
			CHECK(p->xf[j].id == q->xf[j].id);
			CHECK(p->xf[j].keylen == q->xf[j].keylen);
			CHECK(!q->xf[j].unknown_attr);
		}
	}
}

static void same_ts(const struct ike_pld *a, const struct ike_pld *b)
{
	struct ike_ts_list x, y;

	CHECK(!ike_ts_parse(a->body, a->blen, &x, NULL));
	CHECK(!ike_ts_parse(b->body, b->blen, &y, NULL));
	CHECK(x.n == y.n);
	CHECK(!memcmp(x.ts, y.ts, sizeof(x.ts[0]) * x.n));
}

static bool same_bytes(const uint8_t *a, const uint8_t *b, size_t n)
{
	return !n || !memcmp(a, b, n);
}

/* What decoded from the input (a) equals what decoded from its
 * re-encoding (b). */
static void same_pld(const struct ike_pld *a, const struct ike_pld *b)
{
	CHECK(a->type == b->type);
	CHECK(a->known == b->known);
	CHECK(a->inner == b->inner);
	if (!a->known) {
		CHECK(a->critical == b->critical);
		CHECK(a->blen == b->blen && same_bytes(a->body, b->body, a->blen));
		return;
	}
	switch (a->type) {
	case IKE_PL_SA:
		same_sa(a, b);
		break;
	case IKE_PL_KE:
		CHECK(a->v.ke.group == b->v.ke.group);
		CHECK(a->v.ke.len == b->v.ke.len);
		CHECK(same_bytes(a->v.ke.data, b->v.ke.data, a->v.ke.len));
		break;
	case IKE_PL_IDI:
	case IKE_PL_IDR:
		CHECK(a->v.id.type == b->v.id.type);
		CHECK(a->v.id.len == b->v.id.len);
		CHECK(same_bytes(a->v.id.data, b->v.id.data, a->v.id.len));
		break;
	case IKE_PL_CERT:
	case IKE_PL_CERTREQ:
		CHECK(a->v.cert.encoding == b->v.cert.encoding);
		CHECK(a->v.cert.len == b->v.cert.len);
		CHECK(same_bytes(a->v.cert.data, b->v.cert.data, a->v.cert.len));
		break;
	case IKE_PL_AUTH:
		CHECK(a->v.auth.method == b->v.auth.method);
		CHECK(a->v.auth.len == b->v.auth.len);
		CHECK(same_bytes(a->v.auth.data, b->v.auth.data, a->v.auth.len));
		break;
	case IKE_PL_NONCE:
		CHECK(a->v.nonce.len == b->v.nonce.len);
		CHECK(same_bytes(a->v.nonce.data, b->v.nonce.data, a->v.nonce.len));
		break;
	case IKE_PL_NOTIFY:
		CHECK(a->v.n.proto == b->v.n.proto);
		CHECK(a->v.n.type == b->v.n.type);
		CHECK(a->v.n.spi_len == b->v.n.spi_len);
		CHECK(same_bytes(a->v.n.spi, b->v.n.spi, a->v.n.spi_len));
		CHECK(a->v.n.len == b->v.n.len);
		CHECK(same_bytes(a->v.n.data, b->v.n.data, a->v.n.len));
		break;
	case IKE_PL_DELETE:
		CHECK(a->v.d.proto == b->v.d.proto);
		CHECK(a->v.d.spi_len == b->v.d.spi_len);
		CHECK(a->v.d.nspi == b->v.d.nspi);
		CHECK(same_bytes(a->v.d.spis, b->v.d.spis,
				 (size_t)a->v.d.nspi * a->v.d.spi_len));
		break;
	case IKE_PL_VENDOR:
		CHECK(a->v.vid.len == b->v.vid.len);
		CHECK(same_bytes(a->v.vid.data, b->v.vid.data, a->v.vid.len));
		break;
	case IKE_PL_TSI:
	case IKE_PL_TSR:
		same_ts(a, b);
		break;
	case IKE_PL_CP:
		CHECK(a->v.cp.type == b->v.cp.type);
		CHECK(a->v.cp.nattrs == b->v.cp.nattrs);
		CHECK(a->v.cp.len == b->v.cp.len);
		CHECK(same_bytes(a->v.cp.attrs, b->v.cp.attrs, a->v.cp.len));
		break;
	case IKE_PL_EAP:
		CHECK(a->v.eap.len == b->v.eap.len);
		CHECK(same_bytes(a->v.eap.msg, b->v.eap.msg, a->v.eap.len));
		break;
	case IKE_PL_SK:
		break;
	default:
		CHECK(0);
	}
}

/* decode(encode(decode(input))) == decode(input). */
static void roundtrip(const struct ike_msg *m)
{
	static uint8_t out[IKE_MSG_MAX];
	static struct ike_msg r;
	struct ike_enc e;
	struct ike_sk sk;
	int n, rc;

	/* An SK whose body could not be read as a plaintext comes back as
	 * an SK of the same size holding nothing (a zero IV of blen - 1
	 * octets, then Pad Length 0); an empty one is left out. */
	const struct ike_pld *skp = m->sk >= 0 ? &m->pld[m->sk] : NULL;
	bool omit_sk = skp && !m->decrypted && !skp->blen;
	unsigned int nouter = m->nouter - omit_sk;

	/* An unpadded chain gains its Pad Length octet: no room at the
	 * largest size. */
	if (m->decrypted && m->plain_len == skp->blen && m->len >= IKE_MSG_MAX)
		return;
	CHECK(!ike_enc_init(&e, out, sizeof(out), &m->hdr));
	for (unsigned int i = 0; i < nouter; i++) {
		const struct ike_pld *p = &m->pld[i];

		if (p->type != IKE_PL_SK) {
			CHECK(!encode_pld(&e, p));
			continue;
		}
		CHECK(!ike_enc_sk_begin(&e, m->decrypted ? 0 : p->blen - 1u));
		for (unsigned int j = m->nouter; m->decrypted && j < m->npld; j++)
			CHECK(!encode_pld(&e, &m->pld[j]));
		CHECK(!ike_enc_sk_end(&e, 1, 0, &sk));
		CHECK(sk.ct_len >= 1 && sk.icv_off + sk.icv_len == e.len);
	}
	n = ike_enc_finish(&e);
	/* Never longer than the input, but for the Pad Length octet added
	 * to an unpadded inner chain: SA and TS can only shrink, and the new
	 * SK has no IV, ICV or padding. */
	CHECK(n > 0 && (size_t)n <= m->len + (m->decrypted && m->plain_len ==
						 m->pld[m->sk].blen));
	rc = ike_msg_decode(&r, out, (size_t)n);
	CHECK(rc == 0);
	CHECK(r.nouter == nouter);
	CHECK(r.hdr.spi_i == m->hdr.spi_i && r.hdr.spi_r == m->hdr.spi_r);
	CHECK(r.hdr.exch == m->hdr.exch && r.hdr.flags == m->hdr.flags);
	CHECK(r.hdr.msgid == m->hdr.msgid);
	CHECK(r.hdr.next == (nouter ? m->hdr.next : IKE_PL_NONE));
	CHECK(r.hdr.major == m->hdr.major && r.hdr.minor == m->hdr.minor);
	for (unsigned int i = 0; i < nouter; i++)
		same_pld(&m->pld[i], &r.pld[i]);
	if (m->sk < 0 || !m->decrypted)
		return;
	CHECK(r.sk == m->sk && r.sk_next == m->sk_next);
	CHECK(!ike_msg_sk(&r, 0, 0, 1, &sk));
	CHECK(!ike_msg_decode_inner(&r, out + sk.ct_off, sk.ct_len));
	CHECK(r.npld == m->npld);
	for (unsigned int i = m->nouter; i < m->npld; i++)
		same_pld(&m->pld[i], &r.pld[i]);
}

/* SK layouts for a few cipher shapes drawn from the input. */
static void sk_layouts(const struct ike_msg *m, const uint8_t *data,
		       size_t size)
{
	static const size_t blks[] = { 1, 4, 8, 16 };
	const struct ike_pld *p = &m->pld[m->sk];

	for (unsigned int k = 0; k < 4 && k < size; k++) {
		size_t iv = data[k] & 0x1f, icv = (data[k] >> 3) & 0x1f;
		size_t blk = blks[data[k] >> 6];
		struct ike_sk sk;

		if (ike_msg_sk(m, iv, icv, blk, &sk))
			continue;
		CHECK(sk.aad_len == p->off + (m->frag ? IKE_SKF_HDR_LEN :
							IKE_PLD_HDR_LEN));
		CHECK(sk.iv_off == sk.aad_len && sk.ct_off == sk.iv_off + iv);
		CHECK(sk.ct_len >= 1 && sk.ct_len % blk == 0);
		CHECK(sk.icv_off == sk.ct_off + sk.ct_len);
		CHECK(sk.icv_off + sk.icv_len == m->len);
	}
}

/* The typed parsers alone, over the raw input. */
static void raw_parsers(const uint8_t *data, size_t size)
{
	static struct ike_sa_pld sa;
	struct ike_ts_list ts;
	union {
		struct ike_ke_view ke;
		struct ike_id_view id;
		struct ike_cert_view cert;
		struct ike_auth_view auth;
		struct ike_nonce_view nonce;
		struct ike_notify_view n;
		struct ike_delete_view d;
		struct ike_vendor_view vid;
		struct ike_cp_view cp;
		struct ike_eap_view eap;
	} v;
	uint8_t cnt;
	size_t inner;

	if (!ike_sa_parse(data, size, &sa, NULL)) {
		CHECK(!ike_sa_validate(data, size, &cnt, NULL));
		CHECK(cnt == sa.nprops && sa.nprops >= 1);
	}
	if (!ike_ts_parse(data, size, &ts, NULL)) {
		CHECK(!ike_ts_validate(data, size, &cnt, NULL));
		CHECK(cnt == ts.n + ts.nskipped);
	}
	if (!ike_notify_parse(data, size, &v.n, NULL))
		CHECK(inside(v.n.data, v.n.len, data, size));
	if (!ike_delete_parse(data, size, &v.d, NULL))
		CHECK((size_t)v.d.nspi * v.d.spi_len + 4 == size);
	if (!ike_cp_parse(data, size, &v.cp, NULL))
		CHECK(v.cp.len + 4u == size);
	(void)ike_ke_parse(data, size, &v.ke, NULL);
	(void)ike_id_parse(data, size, &v.id, NULL);
	(void)ike_cert_parse(data, size, &v.cert, NULL);
	(void)ike_auth_parse(data, size, &v.auth, NULL);
	(void)ike_nonce_parse(data, size, &v.nonce, NULL);
	(void)ike_vendor_parse(data, size, &v.vid, NULL);
	(void)ike_eap_parse(data, size, &v.eap, NULL);
	if (!ike_sk_unpad(data, size, &inner))
		CHECK(inner < size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ike_msg m;
	int rc;

	raw_parsers(data, size);
	rc = ike_msg_decode(&m, data, size);
	check_err(&m, rc);
	CHECK(m.npld <= IKE_MAX_PAYLOADS);
	if (rc) {
		CHECK(m.hdr_ok == (size >= IKE_HDR_LEN));
		return 0;
	}
	CHECK(m.nouter == m.npld && m.hdr.len == size);
	check_entries(&m, 0, m.nouter, data, size);
	if (m.sk >= 0) {
		const struct ike_pld *p = &m.pld[m.sk];
		/* RFC 7383 §2.5: an SKF's share follows its numbers */
		size_t skip = m.frag ? IKE_SKF_HDR_LEN - IKE_PLD_HDR_LEN : 0;
		const uint8_t *body = p->body + skip;
		size_t blen = p->blen - skip;

		CHECK(m.sk == (int)m.nouter - 1);
		CHECK(p->off + p->len == size);
		CHECK(m.frag == (p->type == IKE_PL_SKF));
		if (m.frag)
			CHECK(m.frag_num >= 1 && m.frag_num <= m.frag_total &&
			      p->blen >= skip);
		/* Nothing is visible before the inner chain is decoded. */
		CHECK(!ike_msg_find(&m, IKE_PL_NOTIFY));
		sk_layouts(&m, data, size);
		/* Odd sizes: the body is inner payloads with the padding
		 * already removed (crypto.h ike_sk_decrypt). */
		if (size & 1)
			rc = ike_msg_decode_inner_unpadded(&m, body, blen);
		else
			rc = ike_msg_decode_inner(&m, body, blen);
		check_err(&m, rc);
		if (rc) {
			CHECK(m.npld == m.nouter && !m.decrypted);
		} else {
			CHECK(m.decrypted && m.plain == body);
			CHECK(size & 1 ? m.plain_len == blen :
					 m.plain_len < blen);
			check_entries(&m, m.nouter, m.npld, body, m.plain_len);
		}
		CHECK(ike_msg_decode_inner(&m, body, blen) == -EINVAL);
		CHECK(ike_msg_decode_inner_unpadded(&m, body, blen) ==
		      -EINVAL);
	}
	if (!m.frag)
		roundtrip(&m);
	return 0;
}

/* Seed corpus, built with the encoder. */

static void seed_write(const char *dir, unsigned int *k, const uint8_t *buf,
		       int n)
{
	char path[512];
	FILE *f;

	CHECK(n > 0);
	snprintf(path, sizeof(path), "%s/seed-%03u", dir, (*k)++);
	f = fopen(path, "wb");
	if (!f) {
		perror(path);
		return;
	}
	fwrite(buf, 1, (size_t)n, f);
	fclose(f);
}

static struct ike_hdr seed_hdr(uint8_t exch, uint32_t msgid, bool resp)
{
	struct ike_hdr h = {
		.spi_i = 0x8899aabbccddeeffull,
		.spi_r = exch == IKE_EXCH_IKE_SA_INIT && !resp ? 0 :
			 0x0123456789abcdefull,
		.major = 2, .exch = exch, .msgid = msgid,
		.flags = resp ? IKE_FLAG_RESPONSE : IKE_FLAG_INITIATOR,
	};
	return h;
}

static void seed_ike_sa(struct ike_sa_pld *sa, uint8_t spi_len)
{
	memset(sa, 0, sizeof(*sa));
	sa->nprops = 2;
	sa->prop[0] = (struct ike_prop){ .num = 1, .proto = IKE_PROTO_IKE,
		.spi_len = spi_len, .spi = { 1, 2, 3, 4, 5, 6, 7, 8 },
		.nxforms = 5, .xf = {
			{ IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 128, false },
			{ IKE_XFORM_ENCR, IKE_ENCR_CHACHA20_POLY1305, 0, false },
			{ IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_256, 0, false },
			{ IKE_XFORM_DH, IKE_DH_CURVE25519, 0, false },
			{ IKE_XFORM_DH, IKE_DH_ECP256, 0, false } } };
	sa->prop[1] = (struct ike_prop){ .num = 2, .proto = IKE_PROTO_IKE,
		.spi_len = spi_len, .spi = { 1, 2, 3, 4, 5, 6, 7, 8 },
		.nxforms = 5, .xf = {
			{ IKE_XFORM_ENCR, IKE_ENCR_AES_CBC, 256, false },
			{ IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_512, 0, false },
			{ IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_512_256, 0, false },
			{ IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0, false },
			{ IKE_XFORM_DH, IKE_DH_MODP2048, 0, false } } };
}

static void seed_esp_sa(struct ike_sa_pld *sa, uint8_t proto)
{
	memset(sa, 0, sizeof(*sa));
	sa->nprops = 1;
	sa->prop[0] = (struct ike_prop){ .num = 1, .proto = proto,
		.spi_len = 4, .spi = { 0xc1, 0xc2, 0xc3, 0xc4 }, .nxforms = 3,
		.xf = { { IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 256, false },
			{ IKE_XFORM_DH, IKE_DH_CURVE25519, 0, false },
			{ IKE_XFORM_ESN, IKE_ESN_NONE, 0, false } } };
	if (proto == IKE_PROTO_AH)
		sa->prop[0].xf[0] = (struct ike_xform){ IKE_XFORM_INTEG,
			IKE_INTEG_HMAC_SHA2_256_128, 0, false };
}

static void seed_ts(struct ike_ts_list *ts, bool v6)
{
	memset(ts, 0, sizeof(*ts));
	ts->n = 2;
	ts->ts[0] = (struct ike_ts_pld){ IKE_TS_IPV4_ADDR_RANGE, 0, 0, 65535,
				     { 10, 0, 0, 0 }, { 10, 0, 255, 255 } };
	ts->ts[1] = v6 ? (struct ike_ts_pld){ IKE_TS_IPV6_ADDR_RANGE, 17, 53, 53,
					  { 0xfd }, { 0xfd, [1 ... 15] = 0xff } } :
			 (struct ike_ts_pld){ IKE_TS_IPV4_ADDR_RANGE, 6, 443, 443,
					  { 192, 0, 2, 1 }, { 192, 0, 2, 1 } };
}

static void seeds_write(const char *dir)
{
	static uint8_t buf[IKE_MSG_MAX];
	static struct ike_sa_pld sa;
	uint8_t ke[256], nonce[32], natd[20], auth[32], cookie[16];
	static const uint8_t sha[] = { 0, 2, 0, 3, 0, 4, 0, 5 };
	static const uint8_t spis[] = { 0xc1, 0xc2, 0xc3, 0xc4, 0, 0, 0, 9 };
	static const uint8_t cp[] = { 0, 1, 0, 0, 0, 3, 0, 0, 0, 8, 0, 0 };
	static const uint8_t grp[] = { 0, IKE_DH_ECP256 };
	struct ike_ts_list ts;
	struct ike_hdr h;
	struct ike_enc e;
	struct ike_sk sk;
	unsigned int k = 0;
	int n;

	for (unsigned int i = 0; i < sizeof(ke); i++)
		ke[i] = (uint8_t)(i * 7 + 1);
	memcpy(nonce, ke, sizeof(nonce));
	memcpy(natd, ke + 40, sizeof(natd));
	memcpy(auth, ke + 80, sizeof(auth));
	memcpy(cookie, ke + 120, sizeof(cookie));

	/* IKE_SA_INIT request and response. */
	for (int resp = 0; resp < 2; resp++) {
		h = seed_hdr(IKE_EXCH_IKE_SA_INIT, 0, resp);
		seed_ike_sa(&sa, 0);
		ike_enc_init(&e, buf, sizeof(buf), &h);
		ike_enc_sa(&e, &sa);
		ike_enc_ke(&e, IKE_DH_CURVE25519, ke, 32);
		ike_enc_nonce(&e, nonce, sizeof(nonce));
		ike_enc_notify(&e, 0, NULL, 0, IKE_N_NAT_DETECTION_SOURCE_IP, natd, 20);
		ike_enc_notify(&e, 0, NULL, 0, IKE_N_NAT_DETECTION_DESTINATION_IP, natd, 20);
		ike_enc_notify(&e, 0, NULL, 0, IKE_N_SIGNATURE_HASH_ALGORITHMS, sha, sizeof(sha));
		ike_enc_vendor(&e, "xdpsec", 6);
		seed_write(dir, &k, buf, ike_enc_finish(&e));
	}
	/* Cookie and INVALID_KE_PAYLOAD answers, cookie retry with MODP. */
	h = seed_hdr(IKE_EXCH_IKE_SA_INIT, 0, true);
	ike_enc_init(&e, buf, sizeof(buf), &h);
	ike_enc_notify(&e, 0, NULL, 0, IKE_N_COOKIE, cookie, sizeof(cookie));
	seed_write(dir, &k, buf, ike_enc_finish(&e));
	ike_enc_init(&e, buf, sizeof(buf), &h);
	ike_enc_notify(&e, 0, NULL, 0, IKE_N_INVALID_KE_PAYLOAD, grp, 2);
	seed_write(dir, &k, buf, ike_enc_finish(&e));
	h = seed_hdr(IKE_EXCH_IKE_SA_INIT, 0, false);
	ike_enc_init(&e, buf, sizeof(buf), &h);
	ike_enc_notify(&e, 0, NULL, 0, IKE_N_COOKIE, cookie, sizeof(cookie));
	ike_enc_sa(&e, &sa);
	ike_enc_ke(&e, IKE_DH_MODP2048, ke, 256);
	ike_enc_nonce(&e, nonce, sizeof(nonce));
	seed_write(dir, &k, buf, ike_enc_finish(&e));

	/* IKE_AUTH request and response, inner chain in clear in SK. */
	for (int resp = 0; resp < 2; resp++) {
		h = seed_hdr(IKE_EXCH_IKE_AUTH, 1, resp);
		seed_esp_sa(&sa, IKE_PROTO_ESP);
		seed_ts(&ts, resp);
		ike_enc_init(&e, buf, sizeof(buf), &h);
		ike_enc_sk_begin(&e, 0);
		if (resp)
			ike_enc_id(&e, IKE_PL_IDR, IKE_ID_IPV4_ADDR, "\xc0\x00\x02\x01", 4);
		else
			ike_enc_id(&e, IKE_PL_IDI, IKE_ID_FQDN, "east.example", 12);
		ike_enc_auth(&e, IKE_AUTH_SHARED_KEY_MIC, auth, sizeof(auth));
		ike_enc_notify(&e, 0, NULL, 0, IKE_N_USE_TRANSPORT_MODE, NULL, 0);
		ike_enc_cp(&e, resp ? IKE_CFG_REPLY : IKE_CFG_REQUEST, cp, sizeof(cp));
		ike_enc_sa(&e, &sa);
		ike_enc_ts(&e, IKE_PL_TSI, &ts);
		ike_enc_ts(&e, IKE_PL_TSR, &ts);
		ike_enc_sk_end(&e, 1, 0, &sk);
		seed_write(dir, &k, buf, ike_enc_finish(&e));
	}
	/* The same with a real-looking IV and ICV around a padded chain. */
	h = seed_hdr(IKE_EXCH_IKE_AUTH, 1, false);
	ike_enc_init(&e, buf, sizeof(buf), &h);
	ike_enc_sk_begin(&e, 16);
	ike_enc_id(&e, IKE_PL_IDI, IKE_ID_RFC822_ADDR, "a@example.org", 13);
	ike_enc_auth(&e, IKE_AUTH_SHARED_KEY_MIC, auth, sizeof(auth));
	ike_enc_sk_end(&e, 16, 16, &sk);
	seed_write(dir, &k, buf, ike_enc_finish(&e));

	/* CREATE_CHILD_SA: Child SA rekey with PFS, IKE SA rekey. */
	h = seed_hdr(IKE_EXCH_CREATE_CHILD_SA, 2, false);
	seed_esp_sa(&sa, IKE_PROTO_AH);
	seed_ts(&ts, true);
	ike_enc_init(&e, buf, sizeof(buf), &h);
	ike_enc_sk_begin(&e, 0);
	ike_enc_notify(&e, IKE_PROTO_AH, spis, 4, IKE_N_REKEY_SA, NULL, 0);
	ike_enc_sa(&e, &sa);
	ike_enc_nonce(&e, nonce, sizeof(nonce));
	ike_enc_ke(&e, IKE_DH_ECP256, ke, 64);
	ike_enc_ts(&e, IKE_PL_TSI, &ts);
	ike_enc_ts(&e, IKE_PL_TSR, &ts);
	ike_enc_sk_end(&e, 1, 0, &sk);
	seed_write(dir, &k, buf, ike_enc_finish(&e));
	seed_ike_sa(&sa, 8);
	ike_enc_init(&e, buf, sizeof(buf), &h);
	ike_enc_sk_begin(&e, 0);
	ike_enc_sa(&e, &sa);
	ike_enc_nonce(&e, nonce, sizeof(nonce));
	ike_enc_ke(&e, IKE_DH_CURVE25519, ke, 32);
	ike_enc_sk_end(&e, 1, 0, &sk);
	seed_write(dir, &k, buf, ike_enc_finish(&e));

	/* INFORMATIONAL: deletes, DPD, an error notify, unknown payloads. */
	h = seed_hdr(IKE_EXCH_INFORMATIONAL, 3, false);
	ike_enc_init(&e, buf, sizeof(buf), &h);
	ike_enc_sk_begin(&e, 0);
	ike_enc_delete(&e, IKE_PROTO_ESP, 4, 2, spis);
	ike_enc_delete(&e, IKE_PROTO_IKE, 0, 0, NULL);
	ike_enc_sk_end(&e, 1, 0, &sk);
	seed_write(dir, &k, buf, ike_enc_finish(&e));
	ike_enc_init(&e, buf, sizeof(buf), &h);
	ike_enc_sk_begin(&e, 0);
	ike_enc_sk_end(&e, 1, 0, &sk);
	seed_write(dir, &k, buf, ike_enc_finish(&e));
	h = seed_hdr(IKE_EXCH_INFORMATIONAL, 3, true);
	ike_enc_init(&e, buf, sizeof(buf), &h);
	ike_enc_sk_begin(&e, 0);
	ike_enc_notify(&e, IKE_PROTO_ESP, spis, 4, IKE_N_CHILD_SA_NOT_FOUND, NULL, 0);
	ike_enc_notify(&e, 0, NULL, 0, IKE_N_TS_UNACCEPTABLE, NULL, 0);
	ike_enc_raw(&e, 60, false, "abc", 3);
	ike_enc_cert(&e, IKE_PL_CERTREQ, IKE_CERT_X509_SIG, ke, 20);
	ike_enc_eap(&e, "\x03\x01\x00\x04", 4);
	ike_enc_sk_end(&e, 1, 0, &sk);
	seed_write(dir, &k, buf, ike_enc_finish(&e));
	h = seed_hdr(IKE_EXCH_INFORMATIONAL, 4, false);
	ike_enc_init(&e, buf, sizeof(buf), &h);
	ike_enc_raw(&e, 61, true, "crit", 4);
	seed_write(dir, &k, buf, ike_enc_finish(&e));

	/* IKE_AUTH with certificates (RFC 7296 §3.6, §3.7): CERT payloads
	 * of an end-entity and an intermediate, a CERTREQ with two CA
	 * hashes, and signature AUTH: RFC 7427 (RSA and ECDSA
	 * AlgorithmIdentifiers), RSA method 1, ECDSA method 9. */
	{
		static const uint8_t aid_rsa[] = {
			0x0f, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
			0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00 };
		static const uint8_t aid_ecdsa[] = {
			0x0c, 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
			0x3d, 0x04, 0x03, 0x02 };
		static const uint8_t dn[] = {
			0x30, 0x0f, 0x31, 0x0d, 0x30, 0x0b, 0x06, 0x03, 0x55,
			0x04, 0x03, 0x0c, 0x04, 'm', 'o', 'o', 'n' };
		uint8_t cert[600], sig[300];

		for (unsigned int i = 0; i < sizeof(cert); i++)
			cert[i] = (uint8_t)(i * 13 + 5);
		cert[0] = 0x30;
		cert[1] = 0x82;
		cert[2] = 0x02;
		cert[3] = 0x54;
		memcpy(sig, aid_rsa, sizeof(aid_rsa));
		memcpy(sig + sizeof(aid_rsa), ke, 256);
		for (int resp = 0; resp < 2; resp++) {
			h = seed_hdr(IKE_EXCH_IKE_AUTH, 1, resp);
			ike_enc_init(&e, buf, sizeof(buf), &h);
			ike_enc_sk_begin(&e, 0);
			ike_enc_id(&e, resp ? IKE_PL_IDR : IKE_PL_IDI,
				   IKE_ID_DER_ASN1_DN, dn, sizeof(dn));
			ike_enc_cert(&e, IKE_PL_CERT, IKE_CERT_X509_SIG, cert, 600);
			ike_enc_cert(&e, IKE_PL_CERT, IKE_CERT_X509_SIG, cert, 400);
			if (!resp)
				ike_enc_cert(&e, IKE_PL_CERTREQ, IKE_CERT_X509_SIG,
					     ke, 40);
			if (resp) {
				memcpy(sig, aid_ecdsa, sizeof(aid_ecdsa));
				memcpy(sig + sizeof(aid_ecdsa), ke, 72);
				ike_enc_auth(&e, IKE_AUTH_DIGITAL_SIGNATURE, sig,
					     sizeof(aid_ecdsa) + 72);
			} else {
				ike_enc_auth(&e, IKE_AUTH_DIGITAL_SIGNATURE, sig,
					     sizeof(aid_rsa) + 256);
			}
			ike_enc_sk_end(&e, 1, 0, &sk);
			seed_write(dir, &k, buf, ike_enc_finish(&e));
		}
		h = seed_hdr(IKE_EXCH_IKE_AUTH, 1, false);
		ike_enc_init(&e, buf, sizeof(buf), &h);
		ike_enc_sk_begin(&e, 0);
		ike_enc_id(&e, IKE_PL_IDI, IKE_ID_FQDN, "moon.example.org", 16);
		ike_enc_cert(&e, IKE_PL_CERT, IKE_CERT_X509_SIG, cert, 300);
		ike_enc_auth(&e, IKE_AUTH_RSA_SIG, ke, 256);
		ike_enc_sk_end(&e, 1, 0, &sk);
		seed_write(dir, &k, buf, ike_enc_finish(&e));
		h = seed_hdr(IKE_EXCH_IKE_AUTH, 1, true);
		ike_enc_init(&e, buf, sizeof(buf), &h);
		ike_enc_sk_begin(&e, 0);
		ike_enc_id(&e, IKE_PL_IDR, IKE_ID_IPV6_ADDR, ke, 16);
		ike_enc_auth(&e, IKE_AUTH_ECDSA_256, ke, 64);
		ike_enc_sk_end(&e, 1, 0, &sk);
		seed_write(dir, &k, buf, ike_enc_finish(&e));
		/* IKE_SA_INIT response with CERTREQ and RFC 7383's notify */
		h = seed_hdr(IKE_EXCH_IKE_SA_INIT, 0, true);
		seed_ike_sa(&sa, 0);
		ike_enc_init(&e, buf, sizeof(buf), &h);
		ike_enc_sa(&e, &sa);
		ike_enc_ke(&e, IKE_DH_CURVE448, ke, 56);
		ike_enc_nonce(&e, nonce, sizeof(nonce));
		ike_enc_cert(&e, IKE_PL_CERTREQ, IKE_CERT_X509_SIG, ke, 60);
		ike_enc_notify(&e, 0, NULL, 0, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED,
			       NULL, 0);
		ike_enc_notify(&e, 0, NULL, 0, IKE_N_SIGNATURE_HASH_ALGORITHMS, sha,
			       sizeof(sha));
		seed_write(dir, &k, buf, ike_enc_finish(&e));
	}
	/* Encrypted Fragment payloads (RFC 7383 §2.5): fragment 1 of 3
	 * naming the first inner payload, fragment 3 of 3 with 0; their
	 * shares an IDi and a piece of a CERT, in clear. */
	for (unsigned int f = 1; f <= 3; f += 2) {
		uint8_t *p;

		h = seed_hdr(IKE_EXCH_IKE_AUTH, 1, false);
		ike_enc_init(&e, buf, sizeof(buf), &h);
		ike_enc_sk_begin(&e, 0);
		ike_enc_id(&e, IKE_PL_IDI, IKE_ID_FQDN, "sun.example.org", 15);
		ike_enc_sk_end(&e, 1, 0, &sk);
		n = ike_enc_finish(&e);
		/* SK -> SKF: four octets of numbers before the share */
		memmove(buf + IKE_HDR_LEN + 8, buf + IKE_HDR_LEN + 4,
			(size_t)n - IKE_HDR_LEN - 4);
		p = buf + IKE_HDR_LEN;
		buf[IKE_HDR_OFF_NEXT] = IKE_PL_SKF;
		p[0] = f == 1 ? IKE_PL_IDI : 0;
		ike_put16(p + 2, (uint16_t)(ike_get16(p + 2) + 4));
		ike_put16(p + 4, (uint16_t)f);
		ike_put16(p + 6, 3);
		ike_put32(buf + IKE_HDR_OFF_LEN, (uint32_t)n + 4);
		seed_write(dir, &k, buf, n + 4);
	}
	fprintf(stderr, "wrote %u seeds to %s\n", k, dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("FUZZ_WRITE_SEEDS");

	(void)argc;
	(void)argv;
	if (dir)
		seeds_write(dir);
	return 0;
}
