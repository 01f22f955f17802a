// SPDX-License-Identifier: GPL-2.0-only
/*
 * ESP seal and open, RFC 4303, with the AEAD rules of RFC 4106 (AES-GCM)
 * and RFC 7634 (ChaCha20-Poly1305), AES-CBC (RFC 3602) with
 * HMAC-SHA-256-128 (RFC 4868), and UDP encapsulation (RFC 3948).
 *
 * Seal and open are each written once, over a struct esp_shape that says
 * what the SA's packets look like. The common case (tunnel mode, IPv4
 * outer header, AEAD, no ESN, no UDP) calls them with a constant shape, so
 * the compiler builds a copy with its branches and sizes folded away;
 * every other SA gets the shape read from its configuration.
 */
#include <errno.h>
#include <sys/socket.h>

#include "engine.h"
#include "ip.h"
#include "open.h"
#include "rand.h"
#include "tunnel.h"

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

static inline int drop(struct xs_sa *sa, int reason)
{
	sa->stats.drops[reason]++;
	return reason;
}

/* ---- AEAD inputs --------------------------------------------------------- */

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
 * AAD of seq into the SA's transmit buffers (sa.h: why ahead of time). */
ESP_INLINE void esp_tx_prepare(struct xs_sa *sa, bool esn, uint64_t seq)
{
	xs_put_be64(sa->ae.tx_nonce + XS_SALT_LEN, seq);
	esp_aad(sa, esn, seq, sa->ae.tx_aad);
	sa->ae.tx_ready = seq;
}

/*
 * The explicit IV of an AEAD packet and its nonce and AAD. GCM and
 * ChaCha20-Poly1305 need a unique IV only (RFC 4106 §3.1, RFC 7634 §2):
 * the 64-bit sequence number (RFC 8221 §3).
 */
ESP_INLINE void esp_tx_aead_iv(struct xs_sa *sa, bool esn, uint64_t seq, uint8_t *iv)
{
	if (sa->ae.tx_ready != seq)
		esp_tx_prepare(sa, esn, seq);
	if (sa->iv_fn) {
		/* A test's IV: the nonce no longer holds the default one. */
		sa->iv_fn(sa->iv_arg, seq, iv, 8);
		memcpy(sa->ae.tx_nonce + XS_SALT_LEN, iv, 8);
		sa->ae.tx_ready = 0;
		return;
	}
	memcpy(iv, sa->ae.tx_nonce + XS_SALT_LEN, 8);
}

/*
 * The nonce of a received packet is salt || its IV. Senders count
 * (RFC 8221 §3 recommends it), so after each packet the nonce of IV + 1 is
 * written ahead (sa.h: why) and only a packet with another IV pays for
 * the store.
 */
ESP_INLINE void esp_rx_nonce(struct xs_sa *sa, const uint8_t *iv)
{
	uint8_t *n = sa->ae.rx_nonce + XS_SALT_LEN;

	if (xs_get_be64(n) != xs_get_be64(iv))
		memcpy(n, iv, 8);
}

ESP_INLINE void esp_rx_nonce_next(struct xs_sa *sa)
{
	uint8_t *n = sa->ae.rx_nonce + XS_SALT_LEN;

	xs_put_be64(n, xs_get_be64(n) + 1);
}

/* ---- separate cipher and MAC ---------------------------------------------- */

/* The CBC IV must be unpredictable (RFC 3602 §2.1); NULL has none. */
static int esp_tx_cbc_iv(struct xs_sa *sa, uint64_t seq, uint8_t *iv)
{
	if (sa->iv_fn) {
		sa->iv_fn(sa->iv_arg, seq, iv, sa->iv_len);
		return 0;
	}
	return sa->iv_len ? xs_rand_iv(iv, sa->iv_len) : 0;
}

/*
 * HMAC-SHA-256-128 over ESP header, IV and ciphertext. With ESN the high
 * 32 bits of the sequence number are appended for the ICV only (RFC 4303
 * §2.2.1): they are written where the ICV goes, which the caller has saved
 * or will overwrite.
 */
static int esp_hmac(struct xs_sa *sa, uint8_t *esp, uint32_t len, uint64_t seq,
		    uint8_t *out)
{
	if (sa->cfg.esn) {
		xs_put_be32(esp + len, (uint32_t)(seq >> 32));
		len += 4;
	}
	return sa->cipher.be->hmac(&sa->cipher, esp, len, out);
}

static int esp_etm_seal(struct xs_sa *sa, uint8_t *esp, uint32_t ct_len, uint64_t seq)
{
	const struct xs_backend *be = sa->cipher.be;
	uint8_t *iv = esp + XS_ESP_HDR_LEN;
	uint8_t *ct = iv + sa->iv_len;
	uint8_t mac[32];
	int ret;

	if (be->etm_seal) {
		const uint32_t mac_len = XS_ESP_HDR_LEN + sa->iv_len + ct_len;

		/* RFC 4303 §2.2.1: see esp_hmac. */
		if (sa->cfg.esn)
			xs_put_be32(ct + ct_len, (uint32_t)(seq >> 32));
		return be->etm_seal(&sa->cipher, esp, sa->iv_len, ct_len,
				    mac_len + (sa->cfg.esn ? 4 : 0), ct + ct_len);
	}
	if (sa->iv_len && be->cbc_encrypt(&sa->cipher, iv, ct, ct_len))
		return -1;
	ret = esp_hmac(sa, esp, XS_ESP_HDR_LEN + sa->iv_len + ct_len, seq, mac);
	memcpy(ct + ct_len, mac, XS_ICV_LEN);
	return ret;
}

/* Returns XS_DROP_NONE, BAD_ICV, BAD_LENGTH or CRYPTO_ERROR. */
static int esp_etm_open(struct xs_sa *sa, uint8_t *esp, uint32_t ct_len, uint64_t seq)
{
	const struct xs_backend *be = sa->cipher.be;
	uint8_t *iv = esp + XS_ESP_HDR_LEN;
	uint8_t *ct = iv + sa->iv_len;
	uint8_t *icv = ct + ct_len;
	uint8_t rx_icv[XS_ICV_LEN], mac[32];

	/* RFC 4303 §2.4: the ciphertext fills whole cipher blocks (4-byte
	 * aligned for NULL); a misfit is malformed whatever the ICV says. */
	if (ct_len & (sa->block - 1u))
		return XS_DROP_BAD_LENGTH;
	memcpy(rx_icv, icv, XS_ICV_LEN);
	if (esp_hmac(sa, esp, XS_ESP_HDR_LEN + sa->iv_len + ct_len, seq, mac))
		return XS_DROP_CRYPTO_ERROR;
	/* RFC 4303 §3.4.4.1: integrity first, then decrypt. */
	if (xs_icv_differ(mac, rx_icv))
		return XS_DROP_BAD_ICV;
	if (sa->iv_len && be->cbc_decrypt(&sa->cipher, iv, ct, ct_len))
		return XS_DROP_CRYPTO_ERROR;
	return XS_DROP_NONE;
}

/* ---- seal ------------------------------------------------------------------ */

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

/* RFC 3948 §2.1: IPv4 may send a zero UDP checksum; IPv6 needs one
 * (RFC 8200 §8.1). */
static void esp_udp_build(struct xs_sa *sa, uint8_t *pkt, uint32_t udp_off,
			  uint32_t total, uint8_t ver)
{
	uint8_t *udp = pkt + udp_off;
	uint32_t ulen = total - udp_off;

	xs_put_be16(udp, sa->cfg.encap_sport);
	xs_put_be16(udp + 2, sa->cfg.encap_dport);
	xs_put_be16(udp + 4, (uint16_t)ulen);
	xs_put_be16(udp + 6, 0);
	if (ver == 6) {
		uint16_t c = xs_csum(udp, ulen, xs_csum_pseudo6(pkt, ulen, IPPROTO_UDP));

		xs_put_be16(udp + 6, c ? c : 0xffff);
	}
}

ESP_INLINE int esp_seal(struct xs_sa *sa, struct xs_pkt *p, const struct esp_shape s)
{
	const uint32_t udp = s.udp ? XS_UDP_HDR_LEN : 0;
	uint8_t *pkt = p->buf + p->off, *out, *esp, *ct;
	uint32_t hl, plen, pad, outer, front, total, ct_len;
	uint8_t nh, ver;
	struct xs_l3 l3;
	uint64_t seq;
	int r;

	if (sa->hard_expired)
		return drop(sa, XS_DROP_LIFETIME_EXPIRED);
	r = xs_l3_parse(pkt, p->len, &l3);
	if (r)
		return drop(sa, r);
	if (s.tunnel) {
		hl = 0;
		nh = l3.ver == 4 ? NH_IPV4 : NH_IPV6;
		ver = s.v4 ? 4 : 6;
		outer = s.v4 ? XS_IPV4_HDR_LEN : XS_IPV6_HDR_LEN;
	} else {
		r = xs_l3_walk(pkt, &l3, XS_WALK_INSERT);
		if (r)
			return drop(sa, r);
		if (l3.ver != (s.v4 ? 4 : 6))
			return drop(sa, XS_DROP_BAD_IP_HEADER);
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
		return drop(sa, XS_DROP_NO_ROOM);
	/* RFC 4303 §3.3.3: the counter never cycles; rekey instead. */
	if (sa->tx_seq == (s.esn ? UINT64_MAX : UINT32_MAX))
		return drop(sa, XS_DROP_SEQ_OVERFLOW);
	seq = ++sa->tx_seq;

	out = pkt - front;
	/* The trailer first: the cipher reads the last block with a masked
	 * load, which stalls on recent stores. */
	esp_trailer_write(pkt + l3.len, pad, nh);
	/* The outer header copies DSCP/ECN/DF from the inner one: build it
	 * while the inner header is still clear. */
	if (s.tunnel && s.v4)
		xs_tunnel_hdr_build4(sa, out, total, pkt, udp ? IPPROTO_UDP : IPPROTO_ESP);
	else if (s.tunnel)
		xs_tunnel_hdr_build6(sa, out, total, pkt, udp ? IPPROTO_UDP : IPPROTO_ESP);
	else
		memmove(out, pkt, hl);
	esp = out + outer + hl + udp;
	ct = esp + XS_ESP_HDR_LEN + s.iv_len;
	xs_put_be32(esp, sa->cfg.spi);
	xs_put_be32(esp + 4, (uint32_t)seq);
	if (s.aead) {
		esp_tx_aead_iv(sa, s.esn, seq, esp + XS_ESP_HDR_LEN);
		r = sa->cipher.be->aead_seal(&sa->cipher, sa->ae.tx_nonce,
					     sa->ae.tx_aad, s.esn ? 12 : 8, ct,
					     ct_len, ct + ct_len);
	} else {
		r = esp_tx_cbc_iv(sa, seq, esp + XS_ESP_HDR_LEN);
		if (!r)
			r = esp_etm_seal(sa, esp, ct_len, seq);
	}
	if (r)
		return drop(sa, XS_DROP_CRYPTO_ERROR);

	if (!s.tunnel) {
		out[l3.nh_off] = udp ? IPPROTO_UDP : IPPROTO_ESP;
		xs_l3_set_len(out, ver, total);
	}
	if (udp)
		esp_udp_build(sa, out, outer + hl, total, ver);
	p->off -= front;
	p->len = total;
	xs_sa_account(sa, l3.len);
	if (s.aead && !sa->iv_fn)
		esp_tx_prepare(sa, s.esn, seq + 1);
	return XS_DROP_NONE;
}

int xs_esp_seal(struct xs_sa *sa, struct xs_pkt *p)
{
	if (sa->esp_fast)
		return esp_seal(sa, p, esp_fast_shape);
	return esp_seal(sa, p, esp_shape_of(sa));
}

/* ---- open ------------------------------------------------------------------ */

/* Opens the ESP packet located by o; the packet starts at p->off. */
ESP_INLINE int esp_open(struct xs_sa *sa, struct xs_pkt *p, const struct xs_outer *o,
			const struct esp_shape s)
{
	const uint32_t min = XS_ESP_HDR_LEN + s.iv_len + XS_ESP_TRAILER_LEN + XS_ICV_LEN;
	uint8_t *pkt = p->buf + p->off;
	uint8_t *esp = pkt + o->off, *ct;
	uint32_t ct_len, padlen, dlen, i;
	uint64_t seq;
	uint8_t nh;
	int r;

	if (o->proto != XS_PROTO_ESP || sa->cfg.proto != XS_PROTO_ESP)
		return drop(sa, XS_DROP_WRONG_PROTO);
	if (o->spi != sa->cfg.spi)
		return drop(sa, XS_DROP_UNKNOWN_SPI);
	if (o->l3.len - o->off < min)
		return drop(sa, XS_DROP_TOO_SHORT);
	if (sa->hard_expired)
		return drop(sa, XS_DROP_LIFETIME_EXPIRED);
	if (s.aead)
		esp_rx_nonce(sa, esp + XS_ESP_HDR_LEN);
	/* RFC 4303 §3.4.3: check the window before the (costly) ICV... */
	r = xs_replay_check(&sa->replay, xs_get_be32(esp + 4), &seq);
	if (r)
		return drop(sa, r);
	ct = esp + XS_ESP_HDR_LEN + s.iv_len;
	ct_len = o->l3.len - o->off - XS_ESP_HDR_LEN - s.iv_len - XS_ICV_LEN;
	if (s.aead) {
		/* The ESP header on the wire is the AAD unless ESN adds the
		 * high half. */
		const uint8_t *aad = esp;
		uint32_t aad_len = XS_ESP_HDR_LEN;

		if (s.esn) {
			aad_len = esp_aad(sa, true, seq, sa->ae.rx_aad);
			aad = sa->ae.rx_aad;
		}
		r = sa->cipher.be->aead_open(&sa->cipher, sa->ae.rx_nonce, aad,
					     aad_len, ct, ct_len, ct + ct_len);
		esp_rx_nonce_next(sa);
		if (r)
			r = r == -EBADMSG ? XS_DROP_BAD_ICV : XS_DROP_CRYPTO_ERROR;
	} else {
		r = esp_etm_open(sa, esp, ct_len, seq);
	}
	if (r)
		return drop(sa, r);
	/* ...and move it only once the packet proved authentic. */
	xs_replay_commit(&sa->replay, seq);

	padlen = ct[ct_len - 2];
	nh = ct[ct_len - 1];
	if (padlen + XS_ESP_TRAILER_LEN > ct_len)
		return drop(sa, XS_DROP_BAD_PADDING);
	dlen = ct_len - XS_ESP_TRAILER_LEN - padlen;
	/* RFC 4303 §2.4: padding bytes are 1, 2, 3, ... */
	for (i = 0; i < padlen; i++)
		if (ct[dlen + i] != (uint8_t)(i + 1))
			return drop(sa, XS_DROP_BAD_PADDING);
	if (nh == NH_NONE)
		return drop(sa, XS_DROP_DUMMY);

	if (s.tunnel) {
		struct xs_l3 in;

		if (nh != NH_IPV4 && nh != NH_IPV6)
			return drop(sa, XS_DROP_BAD_NEXT_HEADER);
		r = xs_l3_parse(ct, dlen, &in);
		if (r)
			return drop(sa, r);
		if (in.ver != (nh == NH_IPV4 ? 4 : 6))
			return drop(sa, XS_DROP_BAD_NEXT_HEADER);
		r = xs_tunnel_ecn_decap(pkt, ct);
		if (r)
			return drop(sa, r);
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
	xs_sa_account(sa, p->len);
	return XS_DROP_NONE;
}

int xs_esp_open_parsed(struct xs_sa *sa, struct xs_pkt *p, const struct xs_outer *o)
{
	if (sa->esp_fast)
		return esp_open(sa, p, o, esp_fast_shape);
	return esp_open(sa, p, o, esp_shape_of(sa));
}

int xs_esp_open(struct xs_sa *sa, struct xs_pkt *p)
{
	const uint8_t *pkt = p->buf + p->off;
	struct xs_outer o;
	int r;

	if (sa->esp_fast && xs_outer_parse_esp4(pkt, p->len, &o))
		return esp_open(sa, p, &o, esp_fast_shape);
	r = xs_outer_parse_pkt(p, &o);
	if (r)
		return drop(sa, r);
	return xs_esp_open_parsed(sa, p, &o);
}
