// SPDX-License-Identifier: GPL-2.0-only
/*
 * ESP seal and open, RFC 4303, with the AEAD rules of RFC 4106 (AES-GCM)
 * and RFC 7634 (ChaCha20-Poly1305), AES-CBC (RFC 3602) with
 * HMAC-SHA-256-128 (RFC 4868), and UDP encapsulation (RFC 3948).
 *
 * Seal and open are each written once, as stages (esp.h) over a struct
 * esp_shape that says what the SA's packets look like. The common case
 * (tunnel mode, IPv4 outer header, AEAD, no ESN, no UDP) calls them with a
 * constant shape, so the compiler builds a copy with its branches and
 * sizes folded away; every other SA gets the shape read from its
 * configuration. The stages are in esp.h; here the single-packet
 * functions chain them with one cipher call (burst.c runs each stage over
 * a whole burst).
 */
#include "esp.h"
#include "open.h"

__thread struct esp_tls xs_esp_tls;

/* RFC 3948 §2.1: IPv4 may send a zero UDP checksum; IPv6 needs one
 * (RFC 8200 §8.1). */
void xs_esp_udp_build(const struct xs_sa *sa, uint8_t *pkt, uint32_t udp_off,
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
	struct xs_esp_tx t;
	int r;

	r = esp_seal_prep(sa, p, &t, s, true);
	if (r)
		return r;
	xs_crypto_op_run(&t.op);
	r = esp_seal_finish(sa, p, &t, s);
	if (r)
		return r;
	if (!sa->lifetimes)
		xs_sa_account(sa, t.acct);
	xs_sa_sent(sa, t.seq);
	/* The nonce after this one, ahead of time (esp_tls). */
	if (s.aead && !sa->iv_fn)
		esp_tx_prepare(sa, s.esn, t.seq + 1);
	return XS_DROP_NONE;
}

int xs_esp_seal(struct xs_sa *sa, struct xs_pkt *p)
{
	if (sa->esp_fast)
		return esp_seal(sa, p, esp_fast_shape);
	return esp_seal(sa, p, esp_shape_of(sa));
}

/* The single-packet open of the ESP packet located by o. */
ESP_INLINE int esp_open(struct xs_sa *sa, struct xs_pkt *p, const struct xs_outer *o,
			const struct esp_shape s)
{
	struct xs_esp_rx j;
	int r;

	r = esp_open_prep(sa, p, o, &j, s, true);
	if (r)
		return r;
	if (j.early)
		return esp_drop(sa, (int)j.early);
	xs_crypto_op_run(&j.op);
	if (s.aead)
		esp_rx_nonce_next();
	r = esp_op_verdict(&j.op);
	if (r)
		return esp_drop(sa, r);
	/* ...and move it only once the packet proved authentic; another
	 * thread may have taken the number meanwhile (replay.h). */
	r = xs_replay_accept(&sa->replay, j.seq);
	if (r)
		return esp_drop(sa, r);
	j.o = *o;
	r = esp_open_post(sa, p, &j, s);
	if (r)
		return r;
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
		return esp_drop(sa, r);
	return xs_esp_open_parsed(sa, p, &o);
}
