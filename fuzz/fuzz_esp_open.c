// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: ESP open (and seal) on hostile input. The harness is
 * fuzz_open.h, shared with fuzz_ah_open.c; this file holds what is ESP's.
 *
 * Input: byte 0 is the mode, byte 1 picks the SA, the rest is a packet.
 *   mode 0  the packet was received: xs_open() through the SA database.
 *   mode 1  the same through xs_esp_open() of the chosen SA (any protocol).
 *           Modes 0 and 1 with bit 2 set read 8 more bytes first: the
 *           highest sequence number the receiver has seen (ESN inference).
 *   mode 2  the packet is to be sent: seal it with an ESP SA, XOR one byte
 *           of the result (position and mask from the input, mask 0 = none),
 *           open it. A valid ICV is out of reach of blind mutation; this
 *           drives the paths behind it (transport reconstruction, IPv6
 *           extension headers). With the NULL suite the harness can also
 *           authenticate the changed packet again (the payload is clear),
 *           which reaches padding and next header checks.
 * Every SA is reset before each input, so a finding reproduces.
 *
 * Invariants (__builtin_trap): the result stays inside the buffer; each
 * call returns a known reason and bumps exactly that counter where the
 * API says; seal then open gives back the original bytes; a byte changed
 * anywhere from the ESP header on is never accepted.
 *
 * With FUZZ_WRITE_SEEDS=dir set, the first run writes a seed corpus of
 * packets sealed with these SAs to dir (fuzz/seeds/fuzz_esp_open).
 */
#define FUZZ_PROTO XS_PROTO_ESP

#include "fuzz_open.h"

/*
 * Authenticates a changed ESP packet of a NULL-suite SA again: HMAC over
 * ESP header and payload (+ the ESN high bits, zero here), RFC 4303 §2.8.
 */
static void esp_remac(const struct fuzz_sa_def *d, uint8_t *pkt, uint32_t len,
		      uint32_t esp)
{
	uint8_t key[32], md[32], *tmp;
	uint32_t n = len - XS_ICV_LEN - esp;
	unsigned int md_len = sizeof(md);

	if (len < esp + XS_ESP_HDR_LEN + XS_ICV_LEN)
		return;
	tmp = malloc(n + 4);
	if (!tmp)
		abort();
	memcpy(tmp, pkt + esp, n);
	memset(tmp + n, 0, 4);
	sa_auth_key(d, key);
	if (!HMAC(EVP_sha256(), key, sizeof(key), tmp, n + (d->esn ? 4 : 0), md,
		  &md_len))
		abort();
	memcpy(pkt + len - XS_ICV_LEN, md, XS_ICV_LEN);
	free(tmp);
}

/*
 * What the receiver must say of a NULL-suite packet whose payload or
 * trailer we changed and authenticated again, from the trailer alone
 * (RFC 4303 §2.4-2.6); -1 if it depends on the inner packet.
 */
static int null_trailer_verdict(const uint8_t *pkt, uint32_t len, uint32_t esp,
				bool tunnel)
{
	const uint8_t *ct = pkt + esp + XS_ESP_HDR_LEN;
	uint32_t ct_len = len - XS_ICV_LEN - esp - XS_ESP_HDR_LEN;
	uint8_t padlen = ct[ct_len - 2], nh = ct[ct_len - 1];

	if (padlen + 2u > ct_len)
		return XS_DROP_BAD_PADDING;
	for (uint32_t i = 0; i < padlen; i++)
		if (ct[ct_len - 2 - padlen + i] != (uint8_t)(i + 1))
			return XS_DROP_BAD_PADDING;
	if (nh == 59)
		return XS_DROP_DUMMY;
	if (tunnel && nh != 4 && nh != 41)
		return XS_DROP_BAD_NEXT_HEADER;
	return tunnel ? -1 : XS_DROP_NONE;
}

static bool fuzz_remac(const struct fuzz_sa_def *d, uint8_t *pkt, uint32_t len,
		       uint32_t authed, uint32_t pos, bool transport,
		       int *verdict)
{
	if (d->suite != XS_SUITE_NULL_SHA256)
		return false;
	esp_remac(d, pkt, len, authed);
	if (pos >= authed + XS_ESP_HDR_LEN)
		*verdict = null_trailer_verdict(pkt, len, authed, !transport);
	return true;
}

/* The trailer decides (RFC 4303 §2.4-2.6); a tunnel packet whose trailer
 * is right may still carry a bad inner header, but never fails the ICV or
 * the length. */
static void fuzz_remac_check(int ret, uint32_t pos, uint32_t authed,
			     int verdict)
{
	if (verdict >= 0)
		CHECK(ret == verdict);
	else if (pos >= authed + XS_ESP_HDR_LEN)
		CHECK(ret == XS_DROP_NONE || ret == XS_DROP_TOO_SHORT ||
		      ret == XS_DROP_BAD_IP_HEADER ||
		      ret == XS_DROP_BAD_NEXT_HEADER ||
		      ret == XS_DROP_ECN);
}

/* Next header, then pad length, changed and authenticated again. */
static void fuzz_remac_seeds(const char *dir, unsigned int *n, uint8_t *hdr,
			     const struct fuzz_sa_def *d, const uint8_t *inner,
			     uint32_t len)
{
	if (d->suite != XS_SUITE_NULL_SHA256)
		return;
	hdr[2] = 0x80;
	hdr[5] |= 4;
	for (uint8_t x = 16; x <= 17; x++) {
		hdr[3] = x;
		hdr[4] = x == 16 ? 0x02 : 0x05;
		seed_write(dir, n, hdr, SEAL_HDR, inner, len);
	}
	hdr[2] = 0;
	hdr[5] &= (uint8_t)~4;
}
