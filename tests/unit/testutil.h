/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Small helpers shared by the unit tests: hex decoding, packet buffers
 * with exact head/tail room, and IPv4 headers. Independent of cmocka so
 * harnesses can use it too.
 *
 * Packet buffers are allocated to exactly head + len + tail bytes, so a
 * sanitizer build catches any engine write outside the room it was given.
 */
#ifndef XS_TESTUTIL_H
#define XS_TESTUTIL_H

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "engine.h"

/*
 * Decodes hex digits into out, skipping whitespace (so RFC text can be
 * pasted with its spacing). Returns the byte count, or -1 on a non-hex
 * character, an odd digit count or more than cap bytes.
 */
static inline long tu_unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *hex; hex++) {
		int c = (unsigned char)*hex, v;

		if (isspace(c))
			continue;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			return -1;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == cap)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	return hi < 0 ? (long)n : -1;
}

/* Like tu_unhex, but aborts on malformed input: test data is a constant. */
static inline size_t tu_unhex_must(const char *hex, uint8_t *out, size_t cap)
{
	long n = tu_unhex(hex, out, cap);

	if (n < 0) {
		fprintf(stderr, "testutil: bad hex constant: %.40s...\n", hex);
		abort();
	}
	return (size_t)n;
}

/* Prints "what: " and len bytes as hex, 16 per line, to stderr. */
static inline void tu_hexdump(const char *what, const uint8_t *p, size_t len)
{
	fprintf(stderr, "%s (%zu bytes):", what, len);
	for (size_t i = 0; i < len; i++)
		fprintf(stderr, "%s%02x", i % 16 ? " " : "\n  ", p[i]);
	fputc('\n', stderr);
}

/* A packet whose data starts head bytes into a buffer of exactly
 * head + len + tail bytes. Free with tu_pkt_free. NULL on ENOMEM. */
static inline struct xs_pkt *tu_pkt_new_room(const void *data, size_t len,
					     size_t head, size_t tail)
{
	struct xs_pkt *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->cap = (uint32_t)(head + len + tail);
	p->buf = malloc(p->cap ? p->cap : 1);
	if (!p->buf) {
		free(p);
		return NULL;
	}
	/* A recognisable filler, so reads of unwritten room stand out. */
	memset(p->buf, 0xa5, p->cap);
	p->off = (uint32_t)head;
	p->len = (uint32_t)len;
	if (len)
		memcpy(p->buf + head, data, len);
	return p;
}

/* A packet with the room seal needs: XS_HEADROOM before, XS_TAILROOM after. */
static inline struct xs_pkt *tu_pkt_new(const void *data, size_t len)
{
	return tu_pkt_new_room(data, len, XS_HEADROOM, XS_TAILROOM);
}

static inline void tu_pkt_free(struct xs_pkt *p)
{
	if (!p)
		return;
	free(p->buf);
	free(p);
}

static inline uint8_t *tu_pkt_data(const struct xs_pkt *p)
{
	return p->buf + p->off;
}

/* RFC 1071 Internet checksum of len bytes (folded, inverted). */
static inline uint16_t tu_inet_csum(const void *data, size_t len)
{
	const uint8_t *b = data;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* True if the IPv4 header at ip (ihl from the header) sums to zero. */
static inline int tu_ipv4_csum_ok(const uint8_t *ip)
{
	return tu_inet_csum(ip, (size_t)(ip[0] & 0x0f) * 4) == 0;
}

/*
 * Writes a 20-byte IPv4 header (RFC 791 §3.1): total length 20 + plen,
 * DF clear, TTL 64, the given protocol and addresses (network order
 * bytes), and a valid checksum.
 */
static inline void tu_ipv4_hdr(uint8_t *ip, uint8_t proto, const uint8_t src[4],
			       const uint8_t dst[4], size_t plen, uint16_t id)
{
	uint16_t tot = (uint16_t)(20 + plen), csum;

	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[4] = (uint8_t)(id >> 8);
	ip[5] = (uint8_t)id;
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	csum = tu_inet_csum(ip, 20);
	ip[10] = (uint8_t)(csum >> 8);
	ip[11] = (uint8_t)csum;
}

static inline uint16_t tu_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t tu_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void tu_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The backends this machine can run, for tests that loop over them:
 * fills ids[] and returns how many (OpenSSL always, ipsec-mb if usable). */
static inline unsigned int tu_backends(unsigned int ids[XS_BACKEND_MAX])
{
	unsigned int n = 0;

	if (xs_backend_get(XS_BACKEND_OPENSSL))
		ids[n++] = XS_BACKEND_OPENSSL;
	if (xs_backend_get(XS_BACKEND_IPSECMB))
		ids[n++] = XS_BACKEND_IPSECMB;
	return n;
}

#endif
