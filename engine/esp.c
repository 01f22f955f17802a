// SPDX-License-Identifier: GPL-2.0-only
/*
 * ESP seal and open, RFC 4303, with the AEAD rules of RFC 4106 (AES-GCM)
 * and RFC 7634 (ChaCha20-Poly1305), AES-CBC (RFC 3602) with
 * HMAC-SHA-256-128 (RFC 4868), and UDP encapsulation (RFC 3948).
 */
#include <errno.h>
#include <sys/socket.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "engine.h"
#include "ip.h"
#include "open.h"
#include "tunnel.h"

#define NH_IPV4 4     /* IP-in-IP */
#define NH_IPV6 41
#define NH_NONE 59    /* RFC 4303 §2.6: dummy packet */

static inline int drop(struct xs_sa *sa, int reason)
{
	sa->stats.drops[reason]++;
	return reason;
}

/* The explicit IV. GCM and ChaCha20-Poly1305 need uniqueness only
 * (RFC 4106 §3.1, RFC 7634 §2): the 64-bit sequence number is unique per SA
 * (RFC 8221 §3). CBC needs unpredictability (RFC 3602 §2.1). */
static int esp_iv(struct xs_sa *sa, uint64_t seq, uint8_t *iv)
{
	if (sa->iv_fn) {
		sa->iv_fn(sa->iv_arg, seq, iv, sa->iv_len);
		return 0;
	}
	if (sa->iv_len == 8) {
		xs_put_be64(iv, seq);
		return 0;
	}
	if (sa->iv_len && RAND_bytes(iv, sa->iv_len) != 1)
		return -1;
	return 0;
}

/* RFC 4106 §5 / RFC 7634 §2.1: SPI || [seq high] || seq low. */
static uint32_t esp_aad(const struct xs_sa *sa, uint64_t seq, uint8_t *aad)
{
	xs_put_be32(aad, sa->cfg.spi);
	if (sa->cfg.esn) {
		xs_put_be32(aad + 4, (uint32_t)(seq >> 32));
		xs_put_be32(aad + 8, (uint32_t)seq);
		return 12;
	}
	xs_put_be32(aad + 4, (uint32_t)seq);
	return 8;
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

static int esp_crypt_seal(struct xs_sa *sa, uint8_t *esp, uint32_t ct_len,
			  uint64_t seq)
{
	const struct xs_backend *be = sa->cipher.be;
	uint8_t *iv = esp + XS_ESP_HDR_LEN;
	uint8_t *ct = iv + sa->iv_len;
	uint8_t *icv = ct + ct_len;
	uint8_t mac[32];
	int ret;

	if (xs_suite_info(sa->cipher.suite)->aead) {
		uint8_t nonce[12], aad[12];
		uint32_t aad_len = esp_aad(sa, seq, aad);

		memcpy(nonce, sa->cipher.salt, XS_SALT_LEN);
		memcpy(nonce + XS_SALT_LEN, iv, 8);
		return be->aead_seal(&sa->cipher, nonce, aad, aad_len, ct, ct_len, icv);
	}
	if (sa->iv_len && be->cbc_encrypt(&sa->cipher, iv, ct, ct_len))
		return -1;
	ret = esp_hmac(sa, esp, XS_ESP_HDR_LEN + sa->iv_len + ct_len, seq, mac);
	memcpy(icv, mac, XS_ICV_LEN);
	return ret;
}

/* Returns XS_DROP_NONE, BAD_ICV, BAD_LENGTH or CRYPTO_ERROR. */
static int esp_crypt_open(struct xs_sa *sa, uint8_t *esp, uint32_t ct_len,
			  uint64_t seq)
{
	const struct xs_backend *be = sa->cipher.be;
	uint8_t *iv = esp + XS_ESP_HDR_LEN;
	uint8_t *ct = iv + sa->iv_len;
	uint8_t *icv = ct + ct_len;
	uint8_t rx_icv[XS_ICV_LEN], mac[32];
	int ret;

	if (xs_suite_info(sa->cipher.suite)->aead) {
		uint8_t nonce[12], aad[12];
		uint32_t aad_len = esp_aad(sa, seq, aad);

		memcpy(nonce, sa->cipher.salt, XS_SALT_LEN);
		memcpy(nonce + XS_SALT_LEN, iv, 8);
		ret = be->aead_open(&sa->cipher, nonce, aad, aad_len, ct, ct_len, icv);
		if (ret == -EBADMSG)
			return XS_DROP_BAD_ICV;
		return ret ? XS_DROP_CRYPTO_ERROR : XS_DROP_NONE;
	}
	/* RFC 4303 §2.4: the ciphertext fills whole cipher blocks (4-byte
	 * aligned for NULL); a misfit is malformed whatever the ICV says. */
	if (ct_len % sa->block)
		return XS_DROP_BAD_LENGTH;
	memcpy(rx_icv, icv, XS_ICV_LEN);
	if (esp_hmac(sa, esp, XS_ESP_HDR_LEN + sa->iv_len + ct_len, seq, mac))
		return XS_DROP_CRYPTO_ERROR;
	/* RFC 4303 §3.4.4.1: integrity first, then decrypt. */
	if (CRYPTO_memcmp(mac, rx_icv, XS_ICV_LEN))
		return XS_DROP_BAD_ICV;
	if (sa->iv_len && be->cbc_decrypt(&sa->cipher, iv, ct, ct_len))
		return XS_DROP_CRYPTO_ERROR;
	return XS_DROP_NONE;
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

int xs_esp_seal(struct xs_sa *sa, struct xs_pkt *p)
{
	const bool tunnel = sa->cfg.mode == XS_MODE_TUNNEL;
	const uint32_t udp = sa->cfg.encap_sport ? XS_UDP_HDR_LEN : 0;
	uint8_t *pkt = p->buf + p->off, *out, *esp;
	uint32_t hl, plen, pad, outer, front, total, i;
	uint8_t nh, ver;
	struct xs_l3 l3;
	uint64_t seq;
	int r;

	if (sa->hard_expired)
		return drop(sa, XS_DROP_LIFETIME_EXPIRED);
	r = xs_l3_parse(pkt, p->len, &l3);
	if (r)
		return drop(sa, r);
	if (tunnel) {
		hl = 0;
		nh = l3.ver == 4 ? NH_IPV4 : NH_IPV6;
		ver = sa->cfg.family == AF_INET ? 4 : 6;
		outer = ver == 4 ? XS_IPV4_HDR_LEN : XS_IPV6_HDR_LEN;
	} else {
		r = xs_l3_walk(pkt, &l3, XS_WALK_INSERT);
		if (r)
			return drop(sa, r);
		if (l3.ver != (sa->cfg.family == AF_INET ? 4 : 6))
			return drop(sa, XS_DROP_BAD_IP_HEADER);
		hl = l3.hl;
		nh = l3.nh;
		ver = l3.ver;
		outer = 0;
	}
	/* RFC 4303 §2.4: pad so that payload + trailer fill whole blocks. */
	plen = l3.len - hl;
	pad = (sa->block - (plen + XS_ESP_TRAILER_LEN) % sa->block) % sa->block;
	front = outer + udp + XS_ESP_HDR_LEN + sa->iv_len;
	total = l3.len + front + pad + XS_ESP_TRAILER_LEN + XS_ICV_LEN;
	if (p->off < front || p->cap - p->off - l3.len < total - l3.len - front ||
	    total > xs_l3_max(ver))
		return drop(sa, XS_DROP_NO_ROOM);
	/* RFC 4303 §3.3.3: the counter never cycles; rekey instead. */
	if (sa->tx_seq == (sa->cfg.esn ? UINT64_MAX : UINT32_MAX))
		return drop(sa, XS_DROP_SEQ_OVERFLOW);
	seq = ++sa->tx_seq;

	out = pkt - front;
	/* The outer header copies DSCP/ECN/DF from the inner one: build it
	 * while the inner header is still clear. */
	if (tunnel)
		xs_tunnel_hdr_build(sa, out, total, pkt, udp ? IPPROTO_UDP : IPPROTO_ESP);
	else
		memmove(out, pkt, hl);
	esp = out + outer + hl + udp;
	xs_put_be32(esp, sa->cfg.spi);
	xs_put_be32(esp + 4, (uint32_t)seq);
	if (esp_iv(sa, seq, esp + XS_ESP_HDR_LEN))
		return drop(sa, XS_DROP_CRYPTO_ERROR);
	for (i = 0; i < pad; i++)
		pkt[l3.len + i] = (uint8_t)(i + 1);
	pkt[l3.len + pad] = (uint8_t)pad;
	pkt[l3.len + pad + 1] = nh;
	if (esp_crypt_seal(sa, esp, plen + pad + XS_ESP_TRAILER_LEN, seq))
		return drop(sa, XS_DROP_CRYPTO_ERROR);

	if (!tunnel) {
		out[l3.nh_off] = udp ? IPPROTO_UDP : IPPROTO_ESP;
		xs_l3_set_len(out, ver, total);
	}
	if (udp)
		esp_udp_build(sa, out, outer + hl, total, ver);
	p->off -= front;
	p->len = total;
	xs_sa_account(sa, l3.len);
	return XS_DROP_NONE;
}

/* Opens the ESP packet located by o; the packet starts at p->off. */
int xs_esp_open_parsed(struct xs_sa *sa, struct xs_pkt *p, const struct xs_outer *o)
{
	const uint32_t min = XS_ESP_HDR_LEN + sa->iv_len + XS_ESP_TRAILER_LEN + XS_ICV_LEN;
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
	/* RFC 4303 §3.4.3: check the window before the (costly) ICV... */
	r = xs_replay_check(&sa->replay, xs_get_be32(esp + 4), &seq);
	if (r)
		return drop(sa, r);
	ct = esp + XS_ESP_HDR_LEN + sa->iv_len;
	ct_len = o->l3.len - o->off - XS_ESP_HDR_LEN - sa->iv_len - XS_ICV_LEN;
	r = esp_crypt_open(sa, esp, ct_len, seq);
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

	if (sa->cfg.mode == XS_MODE_TUNNEL) {
		struct xs_l3 in;

		if (nh != NH_IPV4 && nh != NH_IPV6)
			return drop(sa, XS_DROP_BAD_NEXT_HEADER);
		r = xs_l3_parse(ct, dlen, &in);
		if (r)
			return drop(sa, r);
		if (in.ver != (nh == NH_IPV4 ? 4 : 6))
			return drop(sa, XS_DROP_BAD_NEXT_HEADER);
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

int xs_esp_open(struct xs_sa *sa, struct xs_pkt *p)
{
	struct xs_outer o;
	int r = xs_outer_parse(p->buf + p->off, p->len, &o);

	if (r)
		return drop(sa, r);
	return xs_esp_open_parsed(sa, p, &o);
}
