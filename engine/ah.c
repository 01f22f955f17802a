// SPDX-License-Identifier: GPL-2.0-only
/*
 * AH seal and open, RFC 4302, with HMAC-SHA-256-128 (RFC 4868).
 *
 * The ICV covers the IP header(s) with mutable fields zeroed (§3.3.3.1),
 * the AH header with its ICV field zeroed, and the payload. Mutable fields
 * are zeroed in place and restored afterwards, so no copy of the packet is
 * made.
 */
#include <sys/socket.h>

#include <openssl/crypto.h>

#include "engine.h"
#include "ip.h"
#include "open.h"
#include "tunnel.h"

#define NH_IPV4 4
#define NH_IPV6 41
#define IP6_NH_HOPOPTS 0
#define IP6_NH_DSTOPTS 60
#define IP6_OPT_PAD1 0
#define IP6_OPT_MUTABLE 0x20 /* RFC 8200 §4.2: option data may change */

static inline int drop(struct xs_sa *sa, int reason)
{
	return xs_sa_drop(sa, reason);
}

/* RFC 4302 §2.2/§3.3.3.1: AH is a multiple of 32 bits for IPv4 and of
 * 64 bits for IPv6; the ICV field carries the padding. */
static uint32_t ah_len(uint8_t ver)
{
	uint32_t n = XS_AH_HDR_LEN + XS_ICV_LEN;

	return ver == 4 ? (n + 3) & ~3u : (n + 7) & ~7u;
}

/* RFC 4302 §3.3.3.1.1.2 and Appendix A1: immutable IPv4 options. */
static bool ip4_opt_immutable(uint8_t type)
{
	switch (type) {
	case 0:   /* end of options */
	case 1:   /* no operation */
	case 130: /* security */
	case 133: /* extended security */
	case 134: /* commercial security */
	case 148: /* router alert */
	case 149: /* sender directed multi-destination delivery */
		return true;
	default:
		return false;
	}
}

static int ah_zero_ip4(uint8_t *ip)
{
	uint32_t ihl = (ip[0] & 0x0fu) * 4u, i = XS_IPV4_HDR_LEN;

	/* RFC 4302 §3.3.3.1.1.1: TOS, flags, fragment offset, TTL, checksum. */
	ip[1] = 0;
	ip[6] = ip[7] = 0;
	ip[8] = 0;
	ip[10] = ip[11] = 0;
	while (i < ihl) {
		uint8_t type = ip[i], len;

		if (type == 0)
			break;
		if (type == 1) {
			i++;
			continue;
		}
		if (i + 2 > ihl)
			return XS_DROP_BAD_IP_HEADER;
		len = ip[i + 1];
		if (len < 2 || i + len > ihl)
			return XS_DROP_BAD_IP_HEADER;
		/* A mutable option is zeroed whole, type and length too. */
		if (!ip4_opt_immutable(type))
			memset(ip + i, 0, len);
		i += len;
	}
	return XS_DROP_NONE;
}

static int ah_zero_ip6_opts(uint8_t *h, uint32_t len)
{
	uint32_t i = 2;

	while (i < len) {
		uint8_t type = h[i], olen;

		if (type == IP6_OPT_PAD1) {
			i++;
			continue;
		}
		if (i + 2 > len)
			return XS_DROP_BAD_IP_HEADER;
		olen = h[i + 1];
		if (i + 2 + olen > len)
			return XS_DROP_BAD_IP_HEADER;
		if (type & IP6_OPT_MUTABLE)
			memset(h + i + 2, 0, olen);
		i += 2u + olen;
	}
	return XS_DROP_NONE;
}

/* RFC 4302 §3.3.3.1.2: traffic class, flow label and hop limit are
 * mutable; so is the data of options flagged as such in hop-by-hop and
 * destination options headers. hl bytes of headers precede AH. */
static int ah_zero_ip6(uint8_t *ip, uint32_t hl)
{
	uint8_t nh = ip[6];
	uint32_t off = XS_IPV6_HDR_LEN;
	int r;

	ip[0] &= 0xf0;
	ip[1] = ip[2] = ip[3] = 0;
	ip[7] = 0;
	while (off < hl) {
		uint32_t elen = (ip[off + 1] + 1u) * 8u;

		if (off + elen > hl)
			return XS_DROP_BAD_IP_HEADER;
		if (nh == IP6_NH_HOPOPTS || nh == IP6_NH_DSTOPTS) {
			r = ah_zero_ip6_opts(ip + off, elen);
			if (r)
				return r;
		}
		/* Routing headers are covered as they are (type 0, the only
		 * predictable-mutable one, is deprecated by RFC 5095). */
		nh = ip[off];
		off += elen;
	}
	return XS_DROP_NONE;
}

/*
 * Computes the ICV of the AH packet at pkt (len bytes; headers of hl bytes
 * before the AH header at ah). The ICV field must already be zero.
 */
static int ah_icv(struct xs_sa *sa, uint8_t *pkt, uint32_t len, uint32_t hl,
		  uint64_t seq, uint8_t *icv)
{
	uint8_t saved[XS_AH_HDRS_MAX], tail[4] = { 0 }, mac[32];
	int r, ret;

	if (hl > sizeof(saved))
		return XS_DROP_BAD_IP_HEADER;
	memcpy(saved, pkt, hl);
	r = (pkt[0] >> 4) == 4 ? ah_zero_ip4(pkt) : ah_zero_ip6(pkt, hl);
	if (!r) {
		uint32_t n = len;

		/* RFC 4302 §2.5.1: with ESN the high-order 32 bits follow
		 * the packet, for the ICV only. */
		if (sa->cfg.esn) {
			memcpy(tail, pkt + len, 4);
			xs_put_be32(pkt + len, (uint32_t)(seq >> 32));
			n += 4;
		}
		ret = sa->cipher.be->hmac(&sa->cipher, pkt, n, mac);
		if (sa->cfg.esn)
			memcpy(pkt + len, tail, 4);
		r = ret ? XS_DROP_CRYPTO_ERROR : XS_DROP_NONE;
		memcpy(icv, mac, XS_ICV_LEN);
	}
	memcpy(pkt, saved, hl);
	return r;
}

int xs_ah_seal(struct xs_sa *sa, struct xs_pkt *p)
{
	const bool tunnel = sa->cfg.mode == XS_MODE_TUNNEL;
	const uint32_t esn_tail = sa->cfg.esn ? 4 : 0;
	uint8_t *pkt = p->buf + p->off, *out, *ah;
	uint32_t hl, outer, alen, total;
	struct xs_l3 l3;
	uint8_t nh, ver;
	uint64_t seq;
	int r;

	if (xs_sa_expired(sa))
		return drop(sa, XS_DROP_LIFETIME_EXPIRED);
	r = xs_l3_parse(pkt, p->len, &l3);
	if (r)
		return drop(sa, r);
	if (tunnel) {
		hl = 0;
		nh = l3.ver == 4 ? NH_IPV4 : NH_IPV6;
		ver = sa->cfg.family == AF_INET ? 4 : 6;
		outer = xs_tunnel_hdr_len(sa);
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
	alen = ah_len(ver);
	total = l3.len + outer + alen;
	if (p->off < outer + alen || p->cap - p->off - l3.len < esn_tail ||
	    total > xs_l3_max(ver))
		return drop(sa, XS_DROP_NO_ROOM);
	/* RFC 4302 §3.3.2: the counter never cycles (seq.h). */
	r = xs_seq_take(sa, &seq);
	if (r)
		return drop(sa, r);

	out = pkt - outer - alen;
	if (tunnel) {
		xs_tunnel_hdr_build(sa, out, total, pkt, IPPROTO_AH, seq);
		hl = outer;
	} else {
		memmove(out, pkt, hl);
		out[l3.nh_off] = IPPROTO_AH;
		xs_l3_set_len(out, ver, total);
	}
	/* RFC 4302 §2: next header, payload length in 32-bit words minus 2,
	 * reserved, SPI, sequence number, ICV. */
	ah = out + hl;
	memset(ah, 0, alen);
	ah[0] = nh;
	ah[1] = (uint8_t)(alen / 4 - 2);
	xs_put_be32(ah + 4, sa->cfg.spi);
	xs_put_be32(ah + 8, (uint32_t)seq);
	r = ah_icv(sa, out, total, hl, seq, ah + XS_AH_HDR_LEN);
	if (r)
		return drop(sa, r);
	p->off -= outer + alen;
	p->len = total;
	xs_sa_account(sa, l3.len);
	xs_sa_sent(sa, seq);
	return XS_DROP_NONE;
}

int xs_ah_open_parsed(struct xs_sa *sa, struct xs_pkt *p, const struct xs_outer *o)
{
	uint8_t *pkt = p->buf + p->off, *ah = pkt + o->off;
	uint8_t rx_icv[XS_ICV_LEN], calc[XS_ICV_LEN];
	uint32_t alen = ah_len(o->l3.ver), dlen;
	uint64_t seq;
	uint8_t nh;
	int r;

	if (o->proto != XS_PROTO_AH || sa->cfg.proto != XS_PROTO_AH)
		return drop(sa, XS_DROP_WRONG_PROTO);
	if (o->spi != sa->cfg.spi)
		return drop(sa, XS_DROP_UNKNOWN_SPI);
	if (o->l3.len - o->off < alen)
		return drop(sa, XS_DROP_TOO_SHORT);
	/* RFC 4302 §2.2: the length must match the ICV this SA uses. */
	if ((ah[1] + 2u) * 4u != alen)
		return drop(sa, XS_DROP_BAD_LENGTH);
	if (sa->cfg.esn && p->cap - p->off - o->l3.len < 4)
		return drop(sa, XS_DROP_NO_ROOM);
	if (xs_sa_expired(sa))
		return drop(sa, XS_DROP_LIFETIME_EXPIRED);
	r = xs_replay_check(&sa->replay, xs_get_be32(ah + 8), &seq);
	if (r)
		return drop(sa, r);
	memcpy(rx_icv, ah + XS_AH_HDR_LEN, XS_ICV_LEN);
	/* RFC 4302 §3.3.3.2.1: the ICV is zeroed; alignment padding after
	 * it is covered as received. */
	memset(ah + XS_AH_HDR_LEN, 0, XS_ICV_LEN);
	r = ah_icv(sa, pkt, o->l3.len, o->off, seq, calc);
	if (r)
		return drop(sa, r);
	if (CRYPTO_memcmp(calc, rx_icv, XS_ICV_LEN))
		return drop(sa, XS_DROP_BAD_ICV);
	/* Another thread may have taken the number meanwhile (replay.h). */
	r = xs_replay_accept(&sa->replay, seq);
	if (r)
		return drop(sa, r);

	nh = ah[0];
	dlen = o->l3.len - o->off - alen;
	if (sa->cfg.mode == XS_MODE_TUNNEL) {
		struct xs_l3 in;

		if (nh != NH_IPV4 && nh != NH_IPV6)
			return drop(sa, XS_DROP_BAD_NEXT_HEADER);
		r = xs_l3_parse(ah + alen, dlen, &in);
		if (r)
			return drop(sa, r);
		if (in.ver != (nh == NH_IPV4 ? 4 : 6))
			return drop(sa, XS_DROP_BAD_NEXT_HEADER);
		r = xs_tunnel_ecn_decap(pkt, ah + alen);
		if (r)
			return drop(sa, r);
		p->off += o->off + alen;
		p->len = in.len;
	} else {
		uint8_t *out = pkt + alen;

		memmove(out, pkt, o->off);
		out[o->l3.nh_off] = nh;
		xs_l3_set_len(out, o->l3.ver, o->off + dlen);
		p->off += alen;
		p->len = o->off + dlen;
	}
	xs_sa_account(sa, p->len);
	return XS_DROP_NONE;
}

int xs_ah_open(struct xs_sa *sa, struct xs_pkt *p)
{
	struct xs_outer o;
	int r = xs_outer_parse_pkt(p, &o);

	if (r)
		return drop(sa, r);
	return xs_ah_open_parsed(sa, p, &o);
}
