/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Engine-internal: ESP seal and open cut into stages, so that burst.c can
 * run the cipher of many packets in one backend call between them. The
 * single-packet functions (esp.c: xs_esp_seal, xs_esp_open) run the very
 * same stages one packet at a time, so both paths give the same bytes and
 * verdicts. The stages are inline (each user gets copies specialised for
 * the common shape, see esp.c).
 *
 * Seal:  prep (checks, sequence number, headers, padding, IV: the op)
 *        -> cipher -> finish (UDP header, the result's offsets).
 * Open:  prep (checks, replay check, nonce/AAD: the op) -> cipher
 *        -> commit (re-check the window, the ICV verdict, commit; under
 *        the window's lock) -> post (padding, next header, decapsulation).
 *
 * Every stage counts the drop it returns in the SA, except the replay and
 * length verdicts open prep leaves in the job (early): the caller decides
 * them, as commit does. Accounting: SAs with lifetimes are
 * accounted in seal prep (so the next packet sees an expiry exactly when
 * the single path would); for the others the caller accounts *acct bytes.
 */
#ifndef XS_ESP_H
#define XS_ESP_H

#include <errno.h>
#include <sys/socket.h>

#include "engine.h"
#include "ip.h"
#include "rand.h"
#include "tunnel.h"

struct xs_esp_tx {
	struct xs_crypto_op op;
	uint8_t *out;              /* first byte of the sealed packet */
	uint32_t total;            /* its length */
	uint32_t front;            /* bytes added in front */
	uint32_t udp_off;          /* UDP header (RFC 3948) offset in out */
	uint32_t acct;             /* bytes to account: the inner packet */
	uint64_t seq;
	uint8_t ver;               /* IP version of the result */
	uint8_t nonce[12] __attribute__((aligned(16)));
	uint8_t aad[12];
};

struct xs_esp_rx {
	struct xs_crypto_op op;
	struct xs_outer o;
	uint64_t seq;              /* full sequence number (ESN inferred) */
	uint8_t *ct;
	uint32_t ct_len;
	uint32_t early;            /* verdict before the ICV (the replay check,
				    * then BAD_LENGTH), or NONE */
	uint8_t nonce[12] __attribute__((aligned(16)));
	uint8_t aad[12];
	uint8_t icv[XS_ICV_LEN];   /* ETM: the received ICV, kept aside */
};

#define NH_IPV4 4     /* IP-in-IP */
#define NH_IPV6 41
#define NH_NONE 59    /* RFC 4303 §2.6: dummy packet */

#define ESP_INLINE static inline __attribute__((always_inline))

/* What the packets of an SA look like. */
struct esp_shape {
	bool tunnel;
	bool v4;          /* the SA's family (outer header) is IPv4 */
	bool udp;         /* RFC 3948 encapsulation */
	bool esn;         /* RFC 4303 §2.2.1 */
	bool aead;
	uint8_t iv_len;
	uint8_t block;    /* padding alignment, a power of two */
};

/* The shape xs_sa_new marks as sa->esp_fast. */
static const struct esp_shape esp_fast_shape = {
	.tunnel = true, .v4 = true, .udp = false, .esn = false, .aead = true,
	.iv_len = 8, .block = 4,
};

static inline struct esp_shape esp_shape_of(const struct xs_sa *sa)
{
	return (struct esp_shape){
		.tunnel = sa->cfg.mode == XS_MODE_TUNNEL,
		.v4 = sa->cfg.family == AF_INET,
		.udp = sa->cfg.encap_sport != 0,
		.esn = sa->cfg.esn,
		.aead = sa->aead,
		.iv_len = sa->iv_len,
		.block = sa->block,
	};
}

static inline int esp_drop(struct xs_sa *sa, int reason)
{
	return xs_sa_drop(sa, reason);
}

/* ---- AEAD inputs --------------------------------------------------------- */

/*
 * Nonce and AAD buffers of the single-packet path, per thread (any thread
 * may seal or open with any SA), tagged with the SA they hold the salt
 * of. ipsec-mb's AVX-512 code reads nonce and AAD with masked loads,
 * which cannot take data from stores still in flight: a nonce written
 * shortly before the call stalls it by 10-15 ns. So seal writes the next
 * packet's nonce and AAD after each packet, and open the nonce of the
 * next IV. Each direction has its own cache line. (A burst writes all its
 * nonces before the first cipher call, which keeps them apart anyway.)
 */
struct esp_tls {
	uint8_t tx_nonce[12] __attribute__((aligned(64))); /* salt || IV */
	uint8_t tx_aad[12];        /* SPI || [seq high] || seq low */
	uint64_t tx_uid;           /* SA whose salt tx_nonce holds; 0: none */
	uint64_t tx_ready;         /* sequence number they hold; 0: none */
	uint8_t rx_nonce[12] __attribute__((aligned(64)));
	uint8_t rx_aad[12];        /* ESN only; otherwise the ESP header is */
	uint64_t rx_uid;
};

extern __thread struct esp_tls xs_esp_tls;

/* RFC 4106 §5 / RFC 7634 §2.1: SPI || [seq high] || seq low. */
ESP_INLINE uint32_t esp_aad(const struct xs_sa *sa, bool esn, uint64_t seq,
			    uint8_t *aad)
{
	xs_put_be32(aad, sa->cfg.spi);
	if (esn) {
		xs_put_be32(aad + 4, (uint32_t)(seq >> 32));
		xs_put_be32(aad + 8, (uint32_t)seq);
		return 12;
	}
	xs_put_be32(aad + 4, (uint32_t)seq);
	return 8;
}

/* Writes the default nonce (salt || seq: RFC 4106 §4, RFC 8221 §3) and the
 * AAD of seq into this thread's transmit buffers. */
ESP_INLINE void esp_tx_prepare(struct xs_sa *sa, bool esn, uint64_t seq)
{
	struct esp_tls *t = &xs_esp_tls;

	if (t->tx_uid != sa->uid) {
		memcpy(t->tx_nonce, sa->cipher.salt, XS_SALT_LEN);
		t->tx_uid = sa->uid;
	}
	xs_put_be64(t->tx_nonce + XS_SALT_LEN, seq);
	esp_aad(sa, esn, seq, t->tx_aad);
	t->tx_ready = seq;
}

/*
 * The explicit IV of an AEAD packet and its nonce and AAD. GCM and
 * ChaCha20-Poly1305 need a unique IV only (RFC 4106 §3.1, RFC 7634 §2):
 * the 64-bit sequence number (RFC 8221 §3). single: in this thread's
 * buffers (prepared ahead); otherwise in the job's.
 */
ESP_INLINE void esp_tx_aead_iv(struct xs_sa *sa, struct xs_esp_tx *t, bool esn,
			       uint64_t seq, uint8_t *iv, bool single)
{
	uint8_t *nonce;

	if (single) {
		struct esp_tls *b = &xs_esp_tls;

		if (b->tx_uid != sa->uid || b->tx_ready != seq)
			esp_tx_prepare(sa, esn, seq);
		nonce = b->tx_nonce;
		t->op.aad = b->tx_aad;
	} else {
		nonce = t->nonce;
		memcpy(nonce, sa->cipher.salt, XS_SALT_LEN);
		xs_put_be64(nonce + XS_SALT_LEN, seq);
		esp_aad(sa, esn, seq, t->aad);
		t->op.aad = t->aad;
	}
	t->op.nonce = nonce;
	t->op.aad_len = esn ? 12 : 8;
	if (sa->iv_fn) {
		/* A test's IV: the nonce no longer holds the default one. */
		sa->iv_fn(sa->iv_arg, seq, iv, 8);
		memcpy(nonce + XS_SALT_LEN, iv, 8);
		if (single)
			xs_esp_tls.tx_ready = 0;
		return;
	}
	memcpy(iv, nonce + XS_SALT_LEN, 8);
}

/*
 * The nonce of a received packet is salt || its IV. Senders count
 * (RFC 8221 §3 recommends it), so after each packet the single path
 * writes the nonce of IV + 1 ahead and only a packet with another IV pays
 * for the store.
 */
ESP_INLINE const uint8_t *esp_rx_nonce(struct xs_sa *sa, struct xs_esp_rx *j,
				       const uint8_t *iv, bool single)
{
	uint8_t *n = single ? xs_esp_tls.rx_nonce : j->nonce;

	if (!single) {
		memcpy(n, sa->cipher.salt, XS_SALT_LEN);
		memcpy(n + XS_SALT_LEN, iv, 8);
		return n;
	}
	if (xs_esp_tls.rx_uid != sa->uid) {
		memcpy(n, sa->cipher.salt, XS_SALT_LEN);
		memcpy(n + XS_SALT_LEN, iv, 8);
		xs_esp_tls.rx_uid = sa->uid;
	} else if (xs_get_be64(n + XS_SALT_LEN) != xs_get_be64(iv)) {
		memcpy(n + XS_SALT_LEN, iv, 8);
	}
	return n;
}

ESP_INLINE void esp_rx_nonce_next(void)
{
	uint8_t *n = xs_esp_tls.rx_nonce + XS_SALT_LEN;

	xs_put_be64(n, xs_get_be64(n) + 1);
}

/* ---- seal ------------------------------------------------------------------ */

/* The CBC IV must be unpredictable (RFC 3602 §2.1); NULL has none. */
static inline int esp_tx_cbc_iv(struct xs_sa *sa, uint64_t seq, uint8_t *iv)
{
	if (sa->iv_fn) {
		sa->iv_fn(sa->iv_arg, seq, iv, sa->iv_len);
		return 0;
	}
	return sa->iv_len ? xs_rand_iv(iv, sa->iv_len) : 0;
}

/* RFC 4303 §2.4: pad bytes 1, 2, 3, ..., then pad length and next header.
 * pad is below the largest block (16): all 16 table bytes are stored, the
 * ones past the trailer land where the ICV will go. */
ESP_INLINE void esp_trailer_write(uint8_t *end, uint32_t pad, uint8_t nh)
{
	static const uint8_t pad_bytes[16] = {
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	};

	memcpy(end, pad_bytes, sizeof(pad_bytes));
	end[pad] = (uint8_t)pad;
	end[pad + 1] = nh;
}

/* RFC 3948 §2.1: the UDP header of an encapsulated packet (esp.c). */
void xs_esp_udp_build(const struct xs_sa *sa, uint8_t *pkt, uint32_t udp_off,
		      uint32_t total, uint8_t ver);

/* Takes back the accounting of a packet seal prep counted but that never
 * left (the cipher failed). */
static inline void esp_unaccount(struct xs_sa *sa, uint32_t bytes)
{
	__atomic_fetch_sub(&sa->stats.packets, 1, __ATOMIC_RELAXED);
	__atomic_fetch_sub(&sa->stats.bytes, bytes, __ATOMIC_RELAXED);
}

ESP_INLINE int esp_seal_prep(struct xs_sa *sa, struct xs_pkt *p, struct xs_esp_tx *t,
			     const struct esp_shape s, bool single)
{
	const uint32_t udp = s.udp ? XS_UDP_HDR_LEN : 0;
	uint8_t *pkt = p->buf + p->off, *out, *esp, *ct;
	uint32_t hl, plen, pad, outer, front, total, ct_len;
	uint8_t nh, ver;
	struct xs_l3 l3;
	uint64_t seq;
	int r;

	if (xs_sa_expired(sa))
		return esp_drop(sa, XS_DROP_LIFETIME_EXPIRED);
	r = xs_l3_parse(pkt, p->len, &l3);
	if (r)
		return esp_drop(sa, r);
	if (s.tunnel) {
		hl = 0;
		nh = l3.ver == 4 ? NH_IPV4 : NH_IPV6;
		ver = s.v4 ? 4 : 6;
		outer = s.v4 ? XS_IPV4_HDR_LEN : XS_IPV6_HDR_LEN;
	} else {
		r = xs_l3_walk(pkt, &l3, XS_WALK_INSERT);
		if (r)
			return esp_drop(sa, r);
		if (l3.ver != (s.v4 ? 4 : 6))
			return esp_drop(sa, XS_DROP_BAD_IP_HEADER);
		hl = l3.hl;
		nh = l3.nh;
		ver = l3.ver;
		outer = 0;
	}
	/* RFC 4303 §2.4: pad so that payload + trailer fill whole blocks. */
	plen = l3.len - hl;
	pad = -(plen + XS_ESP_TRAILER_LEN) & (s.block - 1u);
	ct_len = plen + pad + XS_ESP_TRAILER_LEN;
	front = outer + udp + XS_ESP_HDR_LEN + s.iv_len;
	total = l3.len + front + pad + XS_ESP_TRAILER_LEN + XS_ICV_LEN;
	if (p->off < front || p->cap - p->off - l3.len < total - l3.len - front ||
	    total > xs_l3_max(ver))
		return esp_drop(sa, XS_DROP_NO_ROOM);
	/* RFC 4303 §3.3.3: the counter never cycles (seq.h). */
	r = xs_seq_take(sa, &seq);
	if (r)
		return esp_drop(sa, r);
	t->acct = l3.len;
	if (sa->lifetimes)
		xs_sa_account(sa, l3.len);

	out = pkt - front;
	/* The trailer first: the cipher reads the last block with a masked
	 * load, which stalls on recent stores. */
	esp_trailer_write(pkt + l3.len, pad, nh);
	/* The outer header copies DSCP/ECN/DF from the inner one: build it
	 * while the inner header is still clear. */
	if (s.tunnel && s.v4)
		xs_tunnel_hdr_build4(sa, out, total, pkt, udp ? IPPROTO_UDP : IPPROTO_ESP,
				     seq);
	else if (s.tunnel)
		xs_tunnel_hdr_build6(sa, out, total, pkt, udp ? IPPROTO_UDP : IPPROTO_ESP);
	else
		memmove(out, pkt, hl);
	if (!s.tunnel) {
		out[l3.nh_off] = udp ? IPPROTO_UDP : IPPROTO_ESP;
		xs_l3_set_len(out, ver, total);
	}
	esp = out + outer + hl + udp;
	ct = esp + XS_ESP_HDR_LEN + s.iv_len;
	xs_put_be32(esp, sa->cfg.spi);
	xs_put_be32(esp + 4, (uint32_t)seq);
	t->op.c = &sa->cipher;
	t->op.data = ct;
	t->op.len = ct_len;
	if (s.aead) {
		t->op.kind = XS_OP_AEAD_SEAL;
		t->op.tag = ct + ct_len;
		esp_tx_aead_iv(sa, t, s.esn, seq, esp + XS_ESP_HDR_LEN, single);
	} else {
		if (esp_tx_cbc_iv(sa, seq, esp + XS_ESP_HDR_LEN)) {
			if (sa->lifetimes)
				esp_unaccount(sa, l3.len);
			return esp_drop(sa, XS_DROP_CRYPTO_ERROR);
		}
		t->op.kind = XS_OP_ETM_SEAL;
		t->op.esp = esp;
		t->op.iv_len = s.iv_len;
		t->op.icv = ct + ct_len;
		t->op.mac_len = XS_ESP_HDR_LEN + s.iv_len + ct_len;
		/* RFC 4303 §2.2.1: with ESN the high 32 bits of the sequence
		 * number follow for the ICV only, written where it goes. */
		if (s.esn) {
			xs_put_be32(ct + ct_len, (uint32_t)(seq >> 32));
			t->op.mac_len += 4;
		}
	}
	t->out = out;
	t->total = total;
	t->front = front;
	t->udp_off = outer + hl;
	t->ver = ver;
	t->seq = seq;
	return XS_DROP_NONE;
}

ESP_INLINE int esp_seal_finish(struct xs_sa *sa, struct xs_pkt *p, struct xs_esp_tx *t,
			       const struct esp_shape s)
{
	if (t->op.status) {
		if (sa->lifetimes)
			esp_unaccount(sa, t->acct);
		return esp_drop(sa, XS_DROP_CRYPTO_ERROR);
	}
	if (s.udp)
		xs_esp_udp_build(sa, t->out, t->udp_off, t->total, t->ver);
	p->off -= t->front;
	p->len = t->total;
	return XS_DROP_NONE;
}

/* ---- open ------------------------------------------------------------------ */

/* Up to the cipher: the packet's SA, length and replay checks, then the
 * op. The packet starts at p->off; o locates its ESP header. */
ESP_INLINE int esp_open_prep(struct xs_sa *sa, struct xs_pkt *p, const struct xs_outer *o,
			     struct xs_esp_rx *j, const struct esp_shape s, bool single)
{
	const uint32_t min = XS_ESP_HDR_LEN + s.iv_len + XS_ESP_TRAILER_LEN + XS_ICV_LEN;
	uint8_t *pkt = p->buf + p->off;
	uint8_t *esp = pkt + o->off, *ct;
	uint32_t ct_len;

	if (o->proto != XS_PROTO_ESP || sa->cfg.proto != XS_PROTO_ESP)
		return esp_drop(sa, XS_DROP_WRONG_PROTO);
	if (o->spi != sa->cfg.spi)
		return esp_drop(sa, XS_DROP_UNKNOWN_SPI);
	if (o->l3.len - o->off < min)
		return esp_drop(sa, XS_DROP_TOO_SHORT);
	if (xs_sa_expired(sa))
		return esp_drop(sa, XS_DROP_LIFETIME_EXPIRED);
	ct = esp + XS_ESP_HDR_LEN + s.iv_len;
	ct_len = o->l3.len - o->off - XS_ESP_HDR_LEN - s.iv_len - XS_ICV_LEN;
	j->ct = ct;
	j->ct_len = ct_len;
	j->op.c = &sa->cipher;
	j->op.kind = s.aead ? XS_OP_AEAD_OPEN : XS_OP_ETM_OPEN;
	j->op.data = ct;
	j->op.len = ct_len;
	j->op.tag = ct + ct_len;
	/* The ESP header on the wire is the AAD unless ESN adds the high
	 * half. */
	j->op.aad = esp;
	j->op.aad_len = XS_ESP_HDR_LEN;
	/* RFC 4303 §3.4.3: check the window before the (costly) ICV... */
	j->early = (uint32_t)xs_replay_check(&sa->replay, xs_get_be32(esp + 4), &j->seq);
	if (j->early)
		return XS_DROP_NONE;
	if (s.aead) {
		j->op.nonce = esp_rx_nonce(sa, j, esp + XS_ESP_HDR_LEN, single);
		if (s.esn) {
			uint8_t *aad = single ? xs_esp_tls.rx_aad : j->aad;

			j->op.aad_len = esp_aad(sa, true, j->seq, aad);
			j->op.aad = aad;
		}
		return XS_DROP_NONE;
	}
	/* RFC 4303 §2.4: the ciphertext fills whole cipher blocks (4-byte
	 * aligned for NULL); a misfit is malformed whatever the ICV says. */
	if (ct_len & (s.block - 1u)) {
		j->early = XS_DROP_BAD_LENGTH;
		return XS_DROP_NONE;
	}
	j->op.esp = esp;
	j->op.iv_len = s.iv_len;
	j->op.mac_len = XS_ESP_HDR_LEN + s.iv_len + ct_len;
	/* RFC 4303 §2.2.1: the high half of an ESN follows for the ICV
	 * only, written where the received ICV was (a copy kept aside). */
	memcpy(j->icv, ct + ct_len, XS_ICV_LEN);
	j->op.tag = j->icv;
	if (s.esn) {
		xs_put_be32(ct + ct_len, (uint32_t)(j->seq >> 32));
		j->op.mac_len += 4;
	}
	return XS_DROP_NONE;
}

static inline int esp_op_verdict(const struct xs_crypto_op *op)
{
	if (!op->status)
		return XS_DROP_NONE;
	return op->status == -EBADMSG ? XS_DROP_BAD_ICV : XS_DROP_CRYPTO_ERROR;
}

/* After the cipher, with the window locked: the verdicts in the order the
 * single path reaches them (window, length, ICV), then the commit. */
ESP_INLINE int esp_open_commit(struct xs_sa *sa, struct xs_esp_rx *j)
{
	int r = xs_replay_verify(&sa->replay, j->seq);

	/* A number that failed the check before cannot pass it now (the
	 * window only moves on); should it, the earlier verdict stands. */
	if (!r)
		r = (int)j->early;
	if (!r)
		r = esp_op_verdict(&j->op);
	if (r)
		return esp_drop(sa, r);
	/* ...and move it only once the packet proved authentic. */
	xs_replay_commit(&sa->replay, j->seq);
	return XS_DROP_NONE;
}

/* After the commit: trailer checks and decapsulation. */
ESP_INLINE int esp_open_post(struct xs_sa *sa, struct xs_pkt *p, const struct xs_esp_rx *j,
			     const struct esp_shape s)
{
	const struct xs_outer *o = &j->o;
	uint8_t *pkt = p->buf + p->off, *ct = j->ct;
	const uint32_t ct_len = j->ct_len;
	uint32_t padlen, dlen, i;
	uint8_t nh;
	int r;

	padlen = ct[ct_len - 2];
	nh = ct[ct_len - 1];
	if (padlen + XS_ESP_TRAILER_LEN > ct_len)
		return esp_drop(sa, XS_DROP_BAD_PADDING);
	dlen = ct_len - XS_ESP_TRAILER_LEN - padlen;
	/* RFC 4303 §2.4: padding bytes are 1, 2, 3, ... */
	for (i = 0; i < padlen; i++)
		if (ct[dlen + i] != (uint8_t)(i + 1))
			return esp_drop(sa, XS_DROP_BAD_PADDING);
	if (nh == NH_NONE)
		return esp_drop(sa, XS_DROP_DUMMY);

	if (s.tunnel) {
		struct xs_l3 in;

		if (nh != NH_IPV4 && nh != NH_IPV6)
			return esp_drop(sa, XS_DROP_BAD_NEXT_HEADER);
		r = xs_l3_parse(ct, dlen, &in);
		if (r)
			return esp_drop(sa, r);
		if (in.ver != (nh == NH_IPV4 ? 4 : 6))
			return esp_drop(sa, XS_DROP_BAD_NEXT_HEADER);
		r = xs_tunnel_ecn_decap(pkt, ct);
		if (r)
			return esp_drop(sa, r);
		/* Trailing bytes past the inner length are TFC padding (§2.7). */
		p->off = (uint32_t)(ct - p->buf);
		p->len = in.len;
	} else {
		uint8_t *out = ct - o->l3.hl;

		memmove(out, pkt, o->l3.hl);
		out[o->l3.nh_off] = nh;
		xs_l3_set_len(out, o->l3.ver, o->l3.hl + dlen);
		p->off = (uint32_t)(out - p->buf);
		p->len = o->l3.hl + dlen;
	}
	return XS_DROP_NONE;
}

/* ---- entry points of the stages, by the SA's shape ----------------------- */

ESP_INLINE int xs_esp_seal_prep(struct xs_sa *sa, struct xs_pkt *p, struct xs_esp_tx *t)
{
	if (sa->esp_fast)
		return esp_seal_prep(sa, p, t, esp_fast_shape, false);
	return esp_seal_prep(sa, p, t, esp_shape_of(sa), false);
}

ESP_INLINE int xs_esp_seal_finish(struct xs_sa *sa, struct xs_pkt *p, struct xs_esp_tx *t)
{
	if (sa->esp_fast)
		return esp_seal_finish(sa, p, t, esp_fast_shape);
	return esp_seal_finish(sa, p, t, esp_shape_of(sa));
}

/* The packet's outer headers are parsed into j->o. Returns a counted
 * drop, or XS_DROP_NONE with j filled (look at j->early: the op is to run
 * only when it is NONE). */
ESP_INLINE int xs_esp_open_prep(struct xs_sa *sa, struct xs_pkt *p, struct xs_esp_rx *j)
{
	if (sa->esp_fast)
		return esp_open_prep(sa, p, &j->o, j, esp_fast_shape, false);
	return esp_open_prep(sa, p, &j->o, j, esp_shape_of(sa), false);
}

/* With sa->replay locked (by the caller, for several jobs at once). */
ESP_INLINE int xs_esp_open_commit(struct xs_sa *sa, struct xs_esp_rx *j)
{
	return esp_open_commit(sa, j);
}

/* Sets p->off/len to the opened packet; *acct is what to account. */
ESP_INLINE int xs_esp_open_post(struct xs_sa *sa, struct xs_pkt *p, struct xs_esp_rx *j,
				uint32_t *acct)
{
	int r;

	if (sa->esp_fast)
		r = esp_open_post(sa, p, j, esp_fast_shape);
	else
		r = esp_open_post(sa, p, j, esp_shape_of(sa));
	*acct = p->len;
	return r;
}

#endif
