/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the burst and shared-SA tests (test_burst.c, test_sa_shared.c):
 * a seeded PRNG, packet buffers with the room the engine asks for, SA
 * configurations of every shape, and inner packets. Independent of
 * cmocka: failures abort with a message.
 */
#ifndef BURST_UTIL_H
#define BURST_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "engine.h"

#define BU_DATA_MAX 1500u
#define BU_CAP (XS_HEADROOM + BU_DATA_MAX + 64u + XS_TAILROOM)

#define BU_MUST(cond)                                                          \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                               \
		}                                                              \
	} while (0)

/* xorshift64*: reproducible from the seed a failure prints. */
static inline uint64_t bu_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static inline uint32_t bu_below(uint64_t *s, uint32_t n)
{
	return n ? (uint32_t)(bu_rand(s) % n) : 0;
}

struct bu_pkt {
	uint8_t buf[BU_CAP];
	struct xs_pkt p;
};

static inline void bu_pkt_set(struct bu_pkt *b, const uint8_t *data, uint32_t len)
{
	BU_MUST(len <= BU_CAP - XS_HEADROOM - XS_TAILROOM);
	memset(b->buf, 0, sizeof(b->buf));
	memcpy(b->buf + XS_HEADROOM, data, len);
	b->p = (struct xs_pkt){ b->buf, BU_CAP, XS_HEADROOM, len };
}

static inline void bu_pkt_copy(struct bu_pkt *dst, const struct bu_pkt *src)
{
	memcpy(dst->buf, src->buf, sizeof(dst->buf));
	dst->p = src->p;
	dst->p.buf = dst->buf;
}

static inline uint8_t *bu_data(const struct bu_pkt *b)
{
	return b->p.buf + b->p.off;
}

static inline void bu_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void bu_ip4_csum(uint8_t *h)
{
	uint32_t s = 0, ihl = (h[0] & 0x0fu) * 4u;

	h[10] = h[11] = 0;
	for (uint32_t i = 0; i < ihl; i += 2)
		s += (uint32_t)h[i] << 8 | h[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	bu_put16(h + 10, (uint16_t)~s);
}

/*
 * An IPv4 or IPv6 UDP datagram of len bytes (at least 28 / 48) into out,
 * with payload and TOS/traffic class from the PRNG. tag marks the
 * payload so opened packets can be told apart.
 */
static inline uint32_t bu_inner(uint8_t *out, int ver, uint32_t len, uint64_t *rng,
				uint32_t tag)
{
	const uint32_t hl = ver == 4 ? 20 : 40;
	uint8_t *u = out + hl;

	memset(out, 0, len);
	if (ver == 4) {
		out[0] = 0x45;
		out[1] = (uint8_t)bu_rand(rng);
		bu_put16(out + 2, (uint16_t)len);
		bu_put16(out + 4, (uint16_t)bu_rand(rng));
		out[6] = bu_below(rng, 2) ? 0x40 : 0;
		out[8] = 64;
		out[9] = IPPROTO_UDP;
		inet_pton(AF_INET, "192.0.2.1", out + 12);
		inet_pton(AF_INET, "192.0.2.2", out + 16);
		bu_ip4_csum(out);
	} else {
		const uint8_t tc = (uint8_t)bu_rand(rng);

		out[0] = (uint8_t)(0x60 | tc >> 4);
		out[1] = (uint8_t)(tc << 4);
		bu_put16(out + 4, (uint16_t)(len - 40));
		out[6] = IPPROTO_UDP;
		out[7] = 64;
		inet_pton(AF_INET6, "2001:db8::1", out + 8);
		inet_pton(AF_INET6, "2001:db8::2", out + 24);
	}
	bu_put16(u, 1000);
	bu_put16(u + 2, 2000);
	bu_put16(u + 4, (uint16_t)(len - hl));
	for (uint32_t i = hl + 8; i < len; i++)
		out[i] = (uint8_t)bu_rand(rng);
	if (len >= hl + 12)
		memcpy(u + 8, &tag, 4);
	return len;
}

struct bu_sa_def {
	uint8_t proto;
	uint8_t mode;
	uint8_t family;
	uint8_t suite;
	bool esn;
	bool encap;
	bool iv_fn;          /* a deterministic IV source (CBC: needed to compare) */
	uint32_t window;
	uint64_t seq_start;
	uint64_t hard_packets;
	uint64_t hard_bytes;
};

/* Deterministic IVs: the same in both universes of a comparison. */
static inline void bu_iv(void *arg, uint64_t seq, uint8_t *iv, unsigned int len)
{
	(void)arg;
	for (unsigned int i = 0; i < len; i++)
		iv[i] = (uint8_t)((seq >> (8 * (i % 8))) * 31 + i);
}

static inline struct xs_sa *bu_sa_new(const struct bu_sa_def *d, uint32_t spi,
				      unsigned int backend)
{
	const struct xs_suite_info *si = xs_suite_info(d->suite);
	struct xs_sa_config cfg;
	struct xs_sa *sa;

	xs_sa_config_init(&cfg);
	cfg.spi = spi;
	cfg.proto = d->proto;
	cfg.mode = d->mode;
	cfg.family = d->family;
	cfg.suite = d->suite;
	cfg.esn = d->esn;
	cfg.replay_window = d->window;
	cfg.seq_start = d->seq_start;
	cfg.hard.packets = d->hard_packets;
	cfg.hard.bytes = d->hard_bytes;
	cfg.backend = (uint8_t)backend;
	if (d->encap) {
		cfg.encap_sport = XS_NATT_PORT;
		cfg.encap_dport = XS_NATT_PORT;
	}
	if (d->family == AF_INET) {
		inet_pton(AF_INET, "198.51.100.1", &cfg.src.v4);
		inet_pton(AF_INET, "198.51.100.2", &cfg.dst.v4);
	} else {
		inet_pton(AF_INET6, "2001:db8:1::1", &cfg.src.v6);
		inet_pton(AF_INET6, "2001:db8:1::2", &cfg.dst.v6);
	}
	for (unsigned int i = 0; i < si->enc_key_len; i++)
		cfg.enc_key[i] = (uint8_t)(spi * 7 + i * 13);
	cfg.enc_key_len = si->enc_key_len;
	for (unsigned int i = 0; i < si->auth_key_len; i++)
		cfg.auth_key[i] = (uint8_t)(spi * 11 + i * 3);
	cfg.auth_key_len = si->auth_key_len;
	sa = xs_sa_new(&cfg);
	BU_MUST(sa);
	if (d->iv_fn)
		xs_sa_set_iv_fn(sa, bu_iv, NULL);
	return sa;
}

/* The IP version of the inner packets an SA carries (tunnel: either). */
static inline int bu_inner_ver(const struct bu_sa_def *d, uint64_t *rng)
{
	if (d->mode == XS_MODE_TUNNEL)
		return bu_below(rng, 3) ? 4 : 6;
	return d->family == AF_INET ? 4 : 6;
}

/* Offset of the ESP/AH header in a packet the engine sealed. */
static inline uint32_t bu_ipsec_off(const uint8_t *h)
{
	uint32_t off = (h[0] >> 4) == 4 ? (h[0] & 0x0fu) * 4u : 40;
	uint8_t proto = (h[0] >> 4) == 4 ? h[9] : h[6];

	return proto == IPPROTO_UDP ? off + 8 : off;
}

#endif
