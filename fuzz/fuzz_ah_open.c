// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: AH open (and seal) on hostile input. The harness is
 * fuzz_open.h, shared with fuzz_esp_open.c; this file holds what is AH's.
 *
 * Input: byte 0 is the mode, byte 1 picks the SA, the rest is a packet.
 *   mode 0  the packet was received: xs_open() through the SA database.
 *   mode 1  the same through xs_ah_open() of the chosen SA (any protocol).
 *           Modes 0 and 1 with bit 2 set read 8 more bytes first: the
 *           highest sequence number the receiver has seen (ESN inference).
 *   mode 2  the packet is to be sent: seal it with an AH SA, XOR one byte
 *           of the result (position and mask from the input, mask 0 = none),
 *           open it. A valid ICV is out of reach of blind mutation; this
 *           drives the paths behind it (mutable field zeroing of IPv4
 *           options and IPv6 extension headers, transport reconstruction).
 *           For packets without options the harness can also compute the
 *           ICV of the changed packet (RFC 4302 §3.3.3), which reaches the
 *           next header and inner header checks of tunnel mode.
 * Every SA is reset before each input, so a finding reproduces.
 *
 * Invariants (__builtin_trap): the result stays inside the buffer; each
 * call returns a known reason and bumps exactly that counter where the
 * API says; seal then open gives back the original bytes; a byte changed
 * anywhere from the AH header on, or in an immutable IP header field, is
 * never accepted.
 *
 * With FUZZ_WRITE_SEEDS=dir set, the first run writes a seed corpus of
 * packets sealed with these SAs to dir (fuzz/seeds/fuzz_ah_open).
 */
#define FUZZ_PROTO XS_PROTO_AH

#include "fuzz_open.h"

/*
 * Computes the AH ICV of a changed packet again, RFC 4302 §3.3.3: mutable
 * IPv4/IPv6 header fields and the ICV (not its padding, §3.4.4) count as
 * zero, the ESN high bits (zero here) follow the packet. Only for packets
 * without IPv4 options or IPv6 extension headers; returns false for the
 * others.
 */
static bool ah_remac(const struct fuzz_sa_def *d, uint8_t *pkt, uint32_t len,
		     uint32_t ah)
{
	uint8_t key[32], md[32], *tmp;
	unsigned int md_len = sizeof(md);

	if (ah != (pkt[0] >> 4 == 4 ? 20u : 40u) ||
	    len < ah + XS_AH_HDR_LEN + XS_ICV_LEN)
		return false;
	tmp = malloc(len + 4);
	if (!tmp)
		abort();
	memcpy(tmp, pkt, len);
	memset(tmp + len, 0, 4);
	if (ah == 20) {
		tmp[1] = 0;                     /* TOS */
		tmp[6] = tmp[7] = 0;            /* flags, fragment offset */
		tmp[8] = 0;                     /* TTL */
		tmp[10] = tmp[11] = 0;          /* checksum */
	} else {
		tmp[0] &= 0xf0;                 /* traffic class, flow label */
		tmp[1] = tmp[2] = tmp[3] = 0;
		tmp[7] = 0;                     /* hop limit */
	}
	memset(tmp + ah + XS_AH_HDR_LEN, 0, XS_ICV_LEN);
	sa_auth_key(d, key);
	if (!HMAC(EVP_sha256(), key, sizeof(key), tmp, len + (d->esn ? 4 : 0), md,
		  &md_len))
		abort();
	memcpy(pkt + ah + XS_AH_HDR_LEN, md, XS_ICV_LEN);
	free(tmp);
	return true;
}

static bool fuzz_remac(const struct fuzz_sa_def *d, uint8_t *pkt, uint32_t len,
		       uint32_t authed, uint32_t pos, bool transport,
		       int *verdict)
{
	(void)pos;
	(void)transport;
	(void)verdict;
	return ah_remac(d, pkt, len, authed);
}

/* Anything may happen, but in bounds (the harness checked those). */
static void fuzz_remac_check(int ret, uint32_t pos, uint32_t authed,
			     int verdict)
{
	(void)ret;
	(void)pos;
	(void)authed;
	(void)verdict;
}

/* Next header changed and authenticated again (tunnel mode). */
static void fuzz_remac_seeds(const char *dir, unsigned int *n, uint8_t *hdr,
			     const struct fuzz_sa_def *d, const uint8_t *inner,
			     uint32_t len)
{
	if (d->mode != XS_MODE_TUNNEL)
		return;
	hdr[3] = d->family == AF_INET ? 20 : 40;
	hdr[4] = 0x02;
	hdr[5] |= 4;
	seed_write(dir, n, hdr, SEAL_HDR, inner, len);
	hdr[5] &= (uint8_t)~4;
}
