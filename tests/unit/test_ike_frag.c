// SPDX-License-Identifier: GPL-2.0-only
/*
 * RFC 7383 fragments (ike/frag_tx.c, frag_rx.c, the SKF codec): every
 * fragment fits the size asked for and carries the fields of §2.5;
 * reassembly in any order gives the message back; duplicates, a
 * fragment that does not verify, one of an older fragmentation (§2.6:
 * fewer fragments) change nothing; one of a newer fragmentation starts
 * over; the bounds on fragments, octets and memory hold.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frag.h"

static struct ike_keys gcm, cbc;
static uint8_t plain[16000];

static int setup(void **state)
{
	uint8_t gir[32], ni[32], nr[32], si[8] = { 1 }, sr[8] = { 2 };
	(void)state;

	for (unsigned int i = 0; i < 32; i++)
		gir[i] = ni[i] = nr[i] = (uint8_t)i;
	assert_int_equal(ike_keys_new_sa(&gcm, ike_encr_by_name("aes256gcm16"),
					 ike_prf_by_name("prfsha384"), NULL, gir,
					 32, ni, 32, nr, 32, si, sr), 0);
	assert_int_equal(ike_keys_new_sa(&cbc, ike_encr_by_name("aes128"),
					 ike_prf_by_name("prfsha256"),
					 ike_integ_by_name("sha256"), gir, 32, ni,
					 32, nr, 32, si, sr), 0);
	for (size_t i = 0; i < sizeof(plain); i++)
		plain[i] = (uint8_t)(i * 37 + 11);
	return 0;
}

static void header(uint8_t hdr[IKE_HDR_LEN], uint32_t msgid, bool resp)
{
	memset(hdr, 0, IKE_HDR_LEN);
	ike_put64(hdr, 0x0102030405060708ull);
	ike_put64(hdr + 8, 0x1112131415161718ull);
	hdr[IKE_HDR_OFF_VERSION] = 0x20;
	hdr[IKE_HDR_OFF_EXCH] = IKE_EXCH_IKE_AUTH;
	hdr[IKE_HDR_OFF_FLAGS] = resp ? IKE_FLAG_RESPONSE : IKE_FLAG_INITIATOR;
	ike_put32(hdr + IKE_HDR_OFF_MSGID, msgid);
}

struct frags {
	uint8_t buf[32768];
	size_t len, off[IKE_FRAG_MAX], flen[IKE_FRAG_MAX];
	unsigned int n;
};

static void split(struct ike_keys *k, size_t n, size_t limit, uint32_t msgid,
		  struct frags *f)
{
	uint8_t hdr[IKE_HDR_LEN];
	size_t o = 0;

	header(hdr, msgid, false);
	assert_int_equal(ike_frag_split(k, IKE_DIR_I2R, hdr, IKE_PL_IDI, plain,
					n, limit, f->buf, sizeof(f->buf),
					&f->len, &f->n), 0);
	for (unsigned int i = 0; i < f->n; i++) {
		static struct ike_msg m;
		const uint8_t *d = f->buf + o;
		size_t l = ike_get32(d + IKE_HDR_OFF_LEN);

		f->off[i] = o;
		f->flen[i] = l;
		/* §2.5: at most the size asked for, one SKF, its numbers,
		 * the first payload's type in fragment 1 only */
		assert_true(l <= limit);
		assert_int_equal(ike_msg_decode(&m, d, l), 0);
		assert_true(m.frag);
		assert_int_equal(m.nouter, 1);
		assert_int_equal(m.pld[0].type, IKE_PL_SKF);
		assert_false(m.pld[0].critical);
		assert_int_equal(m.frag_num, i + 1);
		assert_int_equal(m.frag_total, f->n);
		assert_int_equal(m.sk_next, i ? IKE_PL_NONE : IKE_PL_IDI);
		assert_memory_equal(d, f->buf, IKE_HDR_OFF_NEXT);
		o += l;
	}
	assert_int_equal(o, f->len);
}

/* Offers fragment i of f; returns ike_frag_rx_add's answer. */
static int offer(struct ike_frag_rx *rx, struct ike_keys *k, enum ike_dir dir,
		 const struct frags *f, unsigned int i, uint8_t *out,
		 size_t *out_len)
{
	static uint8_t buf[IKE_MSG_MAX];
	static struct ike_msg m;

	memcpy(buf, f->buf + f->off[i], f->flen[i]);
	assert_int_equal(ike_msg_decode(&m, buf, f->flen[i]), 0);
	return ike_frag_rx_add(rx, k, dir, &m, buf, f->flen[i],
			       f->buf + f->off[i], out, IKE_MSG_MAX, out_len);
}

static void test_round_trip(void **state)
{
	static struct frags f;
	static uint8_t out[IKE_MSG_MAX];
	struct ike_keys *ks[] = { &gcm, &cbc };
	static const size_t sizes[] = { 256, 548, 1232, 1452 };
	size_t out_len;
	(void)state;

	for (int k = 0; k < 2; k++) {
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			struct ike_frag_rx rx;

			memset(&rx, 0, sizeof(rx));
			split(ks[k], 5000, sizes[s], 1, &f);
			assert_true(f.n >= 4);
			/* in reverse order; the last one completes it */
			for (unsigned int i = f.n; i-- > 0;) {
				int rc = offer(&rx, ks[k], IKE_DIR_I2R, &f, i,
					       out, &out_len);

				assert_int_equal(rc, i ? -EINPROGRESS : 0);
			}
			assert_int_equal(out_len, 5000);
			assert_memory_equal(out, plain, 5000);
			/* fragment 1 as received, for §2.6.1 */
			assert_int_equal(rx.first_raw_len, f.flen[0]);
			assert_memory_equal(rx.first_raw, f.buf, f.flen[0]);
			assert_int_equal(ike_frag_rx_memory(), 0);
			ike_frag_rx_reset(&rx);
		}
	}
	/* an empty message is one fragment */
	{
		struct ike_frag_rx rx;

		memset(&rx, 0, sizeof(rx));
		split(&gcm, 0, 576, 2, &f);
		assert_int_equal(f.n, 1);
		assert_int_equal(offer(&rx, &gcm, IKE_DIR_I2R, &f, 0, out, &out_len), 0);
		assert_int_equal(out_len, 0);
		ike_frag_rx_reset(&rx);
	}
}

static void test_refusals(void **state)
{
	static struct frags f, more, other;
	static uint8_t out[IKE_MSG_MAX];
	struct ike_frag_rx rx;
	size_t out_len;
	(void)state;

	memset(&rx, 0, sizeof(rx));
	split(&gcm, 3000, 1000, 1, &f);
	split(&gcm, 3000, 500, 1, &more);
	assert_true(more.n > f.n);
	assert_int_equal(offer(&rx, &gcm, IKE_DIR_I2R, &f, 0, out, &out_len),
			 -EINPROGRESS);
	/* a duplicate, the other direction's keys, a flipped octet */
	assert_int_equal(offer(&rx, &gcm, IKE_DIR_I2R, &f, 0, out, &out_len),
			 -EALREADY);
	assert_int_equal(offer(&rx, &gcm, IKE_DIR_R2I, &f, 1, out, &out_len),
			 -EBADMSG);
	f.buf[f.off[1] + 40] ^= 1;
	assert_int_equal(offer(&rx, &gcm, IKE_DIR_I2R, &f, 1, out, &out_len),
			 -EBADMSG);
	f.buf[f.off[1] + 40] ^= 1;
	assert_int_equal(rx.got, 1);
	/* §2.6: more fragments (a re-fragmentation) start over; the older
	 * one's fragments are then not taken */
	assert_int_equal(offer(&rx, &gcm, IKE_DIR_I2R, &more, 2, out, &out_len),
			 -EINPROGRESS);
	assert_int_equal(rx.got, 1);
	assert_int_equal(rx.total, more.n);
	assert_int_equal(offer(&rx, &gcm, IKE_DIR_I2R, &f, 1, out, &out_len),
			 -ESTALE);
	for (unsigned int i = 0; i < more.n; i++)
		if (i != 2)
			assert_int_equal(offer(&rx, &gcm, IKE_DIR_I2R, &more, i,
					       out, &out_len),
					 i == more.n - 1 ? 0 : -EINPROGRESS);
	assert_int_equal(out_len, 3000);
	assert_memory_equal(out, plain, 3000);
	/* another message ID starts another message */
	split(&gcm, 2000, 700, 2, &other);
	assert_int_equal(offer(&rx, &gcm, IKE_DIR_I2R, &other, 1, out, &out_len),
			 -EINPROGRESS);
	assert_int_equal(rx.msgid, 2);
	ike_frag_rx_reset(&rx);
	assert_int_equal(ike_frag_rx_memory(), 0);

	/* too many fragments for us to make or take */
	{
		uint8_t hdr[IKE_HDR_LEN];

		header(hdr, 3, false);
		assert_int_equal(ike_frag_split(&gcm, IKE_DIR_I2R, hdr, IKE_PL_IDI,
						plain, 14000, 256, f.buf,
						sizeof(f.buf), &f.len, &f.n),
				 -EMSGSIZE);
		assert_int_equal(ike_frag_split(&gcm, IKE_DIR_I2R, hdr, IKE_PL_IDI,
						plain, 100, 60, f.buf,
						sizeof(f.buf), &f.len, &f.n),
				 -EMSGSIZE);
		assert_int_equal(ike_frag_split(&gcm, IKE_DIR_I2R, hdr, IKE_PL_IDI,
						plain, 6000, 1400, f.buf, 3000,
						&f.len, &f.n), -ENOSPC);
	}
	/* a Total Fragments above ours: refused before it is verified */
	split(&gcm, 1000, 500, 4, &f);
	ike_put16(f.buf + f.off[0] + IKE_HDR_LEN + 6, IKE_FRAG_MAX + 1);
	assert_int_equal(offer(&rx, &gcm, IKE_DIR_I2R, &f, 0, out, &out_len),
			 -E2BIG);
	assert_false(rx.active);
}

/* IKE_FRAG_MEM_MAX bounds what all reassemblies hold together. */
static void test_memory_bound(void **state)
{
	enum { N = IKE_FRAG_MEM_MAX / IKE_MSG_MAX + 2 };
	static struct ike_frag_rx rx[N];
	static struct frags f;
	static uint8_t out[IKE_MSG_MAX];
	size_t out_len;
	unsigned int held = 0;
	(void)state;

	split(&gcm, 3000, 1000, 5, &f);
	for (unsigned int i = 0; i < N; i++) {
		int rc = offer(&rx[i], &gcm, IKE_DIR_I2R, &f, 0, out, &out_len);

		assert_true(rc == -EINPROGRESS || rc == -ENOMEM);
		held += rc == -EINPROGRESS;
		assert_true(ike_frag_rx_memory() <= IKE_FRAG_MEM_MAX);
	}
	assert_int_equal(held, IKE_FRAG_MEM_MAX / IKE_MSG_MAX);
	for (unsigned int i = 0; i < N; i++)
		ike_frag_rx_reset(&rx[i]);
	assert_int_equal(ike_frag_rx_memory(), 0);
}

/* The SKF codec (RFC 7383 §2.5): numbers in range, SKF last. */
static void test_skf_codec(void **state)
{
	static struct frags f;
	static uint8_t buf[2048];
	static struct ike_msg m;
	struct ike_sk sk;
	size_t l;
	(void)state;

	split(&cbc, 700, 600, 7, &f);
	l = f.flen[0];
	memcpy(buf, f.buf, l);
	assert_int_equal(ike_msg_decode(&m, buf, l), 0);
	/* the SK layout of an SKF: IV after the fragment numbers */
	assert_int_equal(ike_msg_sk(&m, 16, 16, 16, &sk), 0);
	assert_int_equal(sk.iv_off, IKE_HDR_LEN + IKE_SKF_HDR_LEN);
	ike_put16(buf + IKE_HDR_LEN + 4, 0);             /* number 0 */
	assert_int_equal(ike_msg_decode(&m, buf, l), -EBADMSG);
	ike_put16(buf + IKE_HDR_LEN + 4, 3);             /* 3 of 2 */
	ike_put16(buf + IKE_HDR_LEN + 6, 2);
	assert_int_equal(ike_msg_decode(&m, buf, l), -EBADMSG);
	ike_put16(buf + IKE_HDR_LEN + 6, 0);             /* total 0 */
	assert_int_equal(ike_msg_decode(&m, buf, l), -EBADMSG);
	/* truncated: no room for the numbers */
	memcpy(buf, f.buf, IKE_HDR_LEN);
	buf[IKE_HDR_LEN] = 0;
	buf[IKE_HDR_LEN + 1] = 0;
	ike_put16(buf + IKE_HDR_LEN + 2, 6);
	ike_put32(buf + IKE_HDR_OFF_LEN, IKE_HDR_LEN + 6);
	assert_int_equal(ike_msg_decode(&m, buf, IKE_HDR_LEN + 6), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_memory_bound),
		cmocka_unit_test(test_skf_codec),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
