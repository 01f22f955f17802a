// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: RFC 7383 reassembly (ike/frag_rx.c) against fragments
 * made by ike/frag_tx.c, under real keys (AES-GCM or AES-CBC with
 * HMAC-SHA-256, derived as for an IKE SA).
 *
 * The input picks the cipher, a message of inner payload octets, two
 * fragment sizes (so the same message exists as two fragmentations; with
 * different Total Fragments, RFC 7383 §2.6, both are used), and then a
 * schedule: deliver
 * fragment i of fragmentation A or B, deliver it with a flipped octet,
 * deliver it under the other direction's keys, deliver a datagram made of
 * input bytes, or start over. Each datagram is decoded by the message
 * codec as the dispatcher does, then handed to ike_frag_rx_add().
 *
 * Invariants (__builtin_trap): every return is a documented one; a
 * fragment that does not verify changes nothing; whenever a reassembly
 * completes, its output is exactly the message's inner payloads and the
 * first payload type of fragment 1; memory held never exceeds
 * IKE_FRAG_MEM_MAX and is all released by a reset.
 *
 * With FUZZ_WRITE_SEEDS=dir set, the first run writes schedules to dir.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frag.h"
#include "fuzz_check.h"

#define MSG_MAX 6000u

static struct ike_keys keys[2];         /* [0] GCM, [1] CBC */

static void keys_init(void)
{
	static bool done;
	uint8_t gir[32], ni[32], nr[32], si[8] = { 1, 2, 3, 4, 5, 6, 7, 8 },
		sr[8] = { 9, 8, 7, 6, 5, 4, 3, 2 };

	if (done)
		return;
	for (unsigned int i = 0; i < 32; i++) {
		gir[i] = (uint8_t)(i * 3 + 1);
		ni[i] = (uint8_t)(i * 5 + 2);
		nr[i] = (uint8_t)(i * 7 + 3);
	}
	CHECK(!ike_keys_new_sa(&keys[0], ike_encr_by_name("aes128gcm16"),
			       ike_prf_by_name("prfsha256"), NULL, gir, 32, ni,
			       32, nr, 32, si, sr));
	CHECK(!ike_keys_new_sa(&keys[1], ike_encr_by_name("aes256"),
			       ike_prf_by_name("prfsha256"),
			       ike_integ_by_name("sha256"), gir, 32, ni, 32, nr,
			       32, si, sr));
	done = true;
}

struct cursor {
	const uint8_t *p;
	size_t n;
};

static uint8_t take8(struct cursor *c)
{
	if (!c->n)
		return 0;
	c->n--;
	return *c->p++;
}

static uint16_t take16(struct cursor *c)
{
	return (uint16_t)(take8(c) << 8 | take8(c));
}

/* Fragments of one fragmentation, back to back, and where each starts. */
struct fragset {
	uint8_t buf[IKE_MSG_MAX + 4096];
	size_t len;
	unsigned int n;
	size_t off[IKE_FRAG_MAX], flen[IKE_FRAG_MAX];
};

static bool split(struct ike_keys *k, enum ike_dir dir, const uint8_t *hdr,
		  uint8_t first, const uint8_t *plain, size_t n, size_t limit,
		  struct fragset *fs)
{
	int rc = ike_frag_split(k, dir, hdr, first, plain, n, limit, fs->buf,
				sizeof(fs->buf), &fs->len, &fs->n);
	size_t o = 0;

	CHECK(rc == 0 || rc == -EMSGSIZE || rc == -ENOSPC);
	if (rc)
		return false;
	CHECK(fs->n >= 1 && fs->n <= IKE_FRAG_MAX);
	for (unsigned int i = 0; i < fs->n; i++) {
		size_t l = ike_get32(fs->buf + o + IKE_HDR_OFF_LEN);

		/* every fragment fits the size asked for */
		CHECK(l >= IKE_HDR_LEN && l <= limit && o + l <= fs->len);
		fs->off[i] = o;
		fs->flen[i] = l;
		o += l;
	}
	CHECK(o == fs->len);
	return true;
}

/* Decodes a datagram as the dispatcher does and offers it. */
static int deliver(struct ike_frag_rx *rx, const struct ike_keys *k,
		   enum ike_dir dir, const uint8_t *d, size_t len, uint8_t *out,
		   size_t *out_len)
{
	static uint8_t buf[IKE_MSG_MAX];
	static struct ike_msg m;
	int rc;

	if (len > sizeof(buf))
		return -EMSGSIZE;
	memcpy(buf, d, len);
	if (ike_msg_decode(&m, buf, len) || !m.frag)
		return -ENOENT;
	CHECK(m.frag_num >= 1 && m.frag_num <= m.frag_total);
	rc = ike_frag_rx_add(rx, k, dir, &m, buf, len, d, out, IKE_MSG_MAX,
			     out_len);
	CHECK(rc == 0 || rc == -EINPROGRESS || rc == -EALREADY ||
	      rc == -ESTALE || rc == -EBADMSG || rc == -E2BIG ||
	      rc == -ENOMEM);
	CHECK(ike_frag_rx_memory() <= IKE_FRAG_MEM_MAX);
	if (!rc)
		CHECK(m.sk_next == rx->first_next);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fragset a, b;
	static uint8_t plain[MSG_MAX], out[IKE_MSG_MAX];
	struct cursor c = { data, size };
	struct ike_frag_rx rx;
	uint8_t hdr[IKE_HDR_LEN], first;
	struct ike_keys *k;
	size_t n, out_len = 0;
	bool have_b;

	keys_init();
	memset(&rx, 0, sizeof(rx));
	k = &keys[take8(&c) & 1];
	first = take8(&c);
	n = take16(&c) % MSG_MAX;
	for (size_t i = 0; i < n; i++)
		plain[i] = (uint8_t)(i * 131 + (c.n ? c.p[i % c.n] : 7));
	memset(hdr, 0, sizeof(hdr));
	ike_put64(hdr, 0x1122334455667788ull);
	ike_put64(hdr + 8, 0x99aabbccddeeff00ull);
	hdr[IKE_HDR_OFF_VERSION] = 0x20;
	hdr[IKE_HDR_OFF_EXCH] = IKE_EXCH_IKE_AUTH;
	hdr[IKE_HDR_OFF_FLAGS] = take8(&c) & 1 ? IKE_FLAG_RESPONSE : IKE_FLAG_INITIATOR;
	ike_put32(hdr + IKE_HDR_OFF_MSGID, take8(&c) & 3);
	if (!split(k, IKE_DIR_I2R, hdr, first, plain, n,
		   300 + take16(&c) % 1400, &a))
		return 0;
	/* RFC 7383 §2.6 tells fragmentations of one message apart by
	 * Total Fragments only: two with the same count and other
	 * boundaries would be indistinguishable (a sender re-fragments
	 * into more, smaller fragments) */
	have_b = split(k, IKE_DIR_I2R, hdr, first, plain, n,
		       300 + take16(&c) % 1400, &b) && b.n != a.n;

	while (c.n) {
		uint8_t op = take8(&c), i = take8(&c);
		const struct fragset *fs = (op & 1) && have_b ? &b : &a;
		size_t at = fs->off[i % fs->n], l = fs->flen[i % fs->n];
		static uint8_t tmp[IKE_MSG_MAX];
		int rc;

		switch ((op >> 1) % 6) {
		case 0:
		case 1:         /* as sent */
			rc = deliver(&rx, k, IKE_DIR_I2R, fs->buf + at, l, out,
				     &out_len);
			break;
		case 2: {       /* one octet flipped: must not verify */
			uint16_t got = rx.got;

			memcpy(tmp, fs->buf + at, l);
			tmp[take16(&c) % l] ^= (uint8_t)(take8(&c) | 1);
			rc = deliver(&rx, k, IKE_DIR_I2R, tmp, l, out, &out_len);
			CHECK(rc != 0 && rc != -EINPROGRESS);
			if (rc == -EBADMSG)
				CHECK(rx.got == got);
			break;
		}
		case 3:         /* the other direction's keys */
			rc = deliver(&rx, k, IKE_DIR_R2I, fs->buf + at, l, out,
				     &out_len);
			CHECK(rc != 0 && rc != -EINPROGRESS);
			break;
		case 4: {       /* input bytes as a datagram */
			size_t m = take16(&c) % 1600;

			m = m < c.n ? m : c.n;
			rc = deliver(&rx, k, IKE_DIR_I2R, c.p, m, out, &out_len);
			c.p += m;
			c.n -= m;
			break;
		}
		default:        /* the owner gives up (timeout) */
			ike_frag_rx_reset(&rx);
			CHECK(ike_frag_rx_memory() == 0);
			rc = -EINPROGRESS;
			break;
		}
		if (!rc) {
			/* a completed message is the message, exactly */
			CHECK(out_len == n);
			CHECK(!memcmp(out, plain, n));
			CHECK(rx.first_next == first);
			CHECK(!rx.active && rx.first_raw != NULL);
		}
	}
	ike_frag_rx_reset(&rx);
	CHECK(ike_frag_rx_memory() == 0);
	return 0;
}

/* Seeds: in-order delivery, reverse, duplicates, a restart with more
 * fragments, corruption. */
static void seed_write(const char *dir, unsigned int k, const uint8_t *buf,
		       size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/seed-%03u", dir, k);
	f = fopen(path, "wb");
	if (!f) {
		perror(path);
		return;
	}
	fwrite(buf, 1, n, f);
	fclose(f);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("FUZZ_WRITE_SEEDS");
	uint8_t s[256];
	unsigned int k = 0;

	(void)argc;
	(void)argv;
	if (!dir)
		return 0;
	for (unsigned int v = 0; v < 8; v++) {
		size_t o = 0;
		unsigned int len = 1200 + 700 * v;

		s[o++] = (uint8_t)v;                    /* cipher */
		s[o++] = IKE_PL_IDI;                    /* first payload */
		s[o++] = (uint8_t)(len >> 8);
		s[o++] = (uint8_t)len;
		s[o++] = (uint8_t)(v >> 1);             /* flags */
		s[o++] = 1;                             /* msgid */
		s[o++] = 0x01;                          /* size A: 556 */
		s[o++] = 0x00;
		s[o++] = 0x00;                          /* size B: 300 */
		s[o++] = 0x00;
		for (unsigned int i = 0; i < 16 && o + 2 <= sizeof(s); i++) {
			unsigned int idx = v & 1 ? 15 - i : i;

			s[o++] = v == 2 && i == 3 ? 4 : v == 3 && i == 5 ? 1 : 0;
			s[o++] = (uint8_t)idx;
			if (v >= 4 && i % 3 == 0) {     /* a flipped octet */
				s[o++] = 4;
				s[o++] = (uint8_t)idx;
				s[o++] = 0;
				s[o++] = (uint8_t)(40 + i);
				s[o++] = 0x80;
			}
		}
		seed_write(dir, k++, s, o);
	}
	fprintf(stderr, "wrote %u seeds to %s\n", k, dir);
	return 0;
}
