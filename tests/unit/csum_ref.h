/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A reference Internet checksum for the tests, written out as RFC 1071
 * §4.1 does it (big-endian 16-bit words, an odd last byte padded with
 * zero, carries folded back in), independent of engine/ip.c and
 * runtime/csum.c, which the tests check against it.
 */
#ifndef XS_CSUM_REF_H
#define XS_CSUM_REF_H

#include <stdint.h>
#include <netinet/in.h>

static inline uint32_t ref_sum(const uint8_t *p, uint32_t n, uint32_t s)
{
	for (uint32_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static inline uint16_t ref_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffffu) + (s >> 16);
	return (uint16_t)s;
}

/* The pseudo-header sum (RFC 9293 §3.1, RFC 8200 §8.1) of tlen bytes of
 * TCP under the IPv4 or IPv6 header at ip. */
static inline uint32_t ref_pseudo(const uint8_t *ip, uint32_t tlen)
{
	if ((ip[0] >> 4) == 4)
		return ref_sum(ip + 12, 8, 0) + IPPROTO_TCP + tlen;
	return ref_sum(ip + 8, 32, 0) + (tlen >> 16) + (tlen & 0xffffu) + IPPROTO_TCP;
}

/* True when the TCP segment at ip + l4 (len bytes from ip) verifies. */
static inline int ref_tcp_ok(const uint8_t *ip, uint32_t l4, uint32_t len)
{
	return ref_fold(ref_sum(ip + l4, len - l4, ref_pseudo(ip, len - l4))) == 0xffff;
}

/* True when the IPv4 header at ip verifies. */
static inline int ref_ip4_ok(const uint8_t *ip)
{
	return ref_fold(ref_sum(ip, (ip[0] & 0x0fu) * 4u, 0)) == 0xffff;
}

#endif
