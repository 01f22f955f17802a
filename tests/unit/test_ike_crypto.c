// SPDX-License-Identifier: GPL-2.0-only
/*
 * IKEv2 cryptography (ike/crypto.c, ike/dh.c): published vectors where
 * they exist (RFC 4868 §2.7.1 PRFs, RFC 5903 §8.1, RFC 7748 §6.1, the GCM
 * specification, RFC 8439 §2.8.2), and independent recomputations with
 * OpenSSL's one-shot HMAC()/SHA1() for prf+, key derivation, AUTH and
 * NAT detection where they do not.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

/* by path: the unit-test include path also holds engine/crypto.h */
#include "../../ike/crypto.h"
#include "../../ike/dh.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Hex with optional whitespace into out; fails the test on bad input. */
static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *hex; hex++) {
		int c = (unsigned char)*hex, v = 0;

		if (c == ' ' || c == '\n' || c == '\t')
			continue;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			fail_msg("bad hex digit '%c'", c);
		if (hi < 0) {
			hi = v;
			continue;
		}
		assert_true(n < cap);
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	assert_int_equal(hi, -1);
	return n;
}

static const EVP_MD *md_of(const char *name)
{
	if (!strcmp(name, "SHA256"))
		return EVP_sha256();
	if (!strcmp(name, "SHA384"))
		return EVP_sha384();
	return EVP_sha512();
}

/* Independent HMAC through OpenSSL's one-shot API. */
static void ref_hmac(const char *md, const uint8_t *key, size_t key_len,
		     const uint8_t *data, size_t len, uint8_t *out)
{
	unsigned int olen = 0;

	assert_non_null(HMAC(md_of(md), key, (int)key_len, data, len, out,
			     &olen));
}

static void fill(uint8_t *p, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + 7 * i);
}

/* ---------------------------------------------------------------- */
/* Descriptors and IANA numbers                                       */

static void test_descriptors(void **state)
{
	const struct ike_encr *e;
	const struct ike_integ *i;
	(void)state;

	/* IANA "IKEv2 Parameters" transform IDs */
	assert_int_equal(IKE_ENCR_AES_CBC, 12);
	assert_int_equal(IKE_ENCR_AES_GCM_16, 20);
	assert_int_equal(IKE_ENCR_CHACHA20_POLY1305, 28);
	assert_int_equal(IKE_PRF_HMAC_SHA2_256, 5);
	assert_int_equal(IKE_PRF_HMAC_SHA2_384, 6);
	assert_int_equal(IKE_PRF_HMAC_SHA2_512, 7);
	assert_int_equal(IKE_INTEG_HMAC_SHA2_256_128, 12);
	assert_int_equal(IKE_INTEG_HMAC_SHA2_384_192, 13);
	assert_int_equal(IKE_INTEG_HMAC_SHA2_512_256, 14);
	assert_int_equal(IKE_DH_MODP2048, 14);
	assert_int_equal(IKE_DH_ECP256, 19);
	assert_int_equal(IKE_DH_CURVE25519, 31);

	e = ike_encr_find(IKE_ENCR_AES_GCM_16, 128);
	assert_non_null(e);
	assert_string_equal(e->name, "aes128gcm16");
	assert_int_equal(ike_encr_keymat_len(e), 20);   /* key + salt */
	e = ike_encr_find(IKE_ENCR_AES_GCM_16, 256);
	assert_non_null(e);
	assert_int_equal(ike_encr_keymat_len(e), 36);
	e = ike_encr_find(IKE_ENCR_CHACHA20_POLY1305, 0);
	assert_non_null(e);
	assert_int_equal(ike_encr_keymat_len(e), 36);   /* RFC 7634 */
	assert_ptr_equal(ike_encr_find(IKE_ENCR_CHACHA20_POLY1305, 256), e);
	assert_null(ike_encr_find(IKE_ENCR_CHACHA20_POLY1305, 128));
	e = ike_encr_find(IKE_ENCR_AES_CBC, 256);
	assert_non_null(e);
	assert_int_equal(ike_encr_keymat_len(e), 32);
	assert_int_equal(e->iv_len, 16);
	assert_null(ike_encr_find(IKE_ENCR_AES_CBC, 0));
	assert_null(ike_encr_find(IKE_ENCR_AES_CBC, 192));
	assert_null(ike_encr_find(3, 0));               /* 3DES */

	assert_int_equal(ike_prf_find(IKE_PRF_HMAC_SHA2_384)->out_len, 48);
	assert_null(ike_prf_find(2));                   /* HMAC-SHA1 */
	i = ike_integ_find(IKE_INTEG_HMAC_SHA2_512_256);
	assert_non_null(i);
	assert_int_equal(i->key_len, 64);
	assert_int_equal(i->icv_len, 32);
	assert_null(ike_integ_find(IKE_INTEG_NONE));

	assert_ptr_equal(ike_encr_by_name("aes256"),
			 ike_encr_find(IKE_ENCR_AES_CBC, 256));
	assert_ptr_equal(ike_prf_by_name("prfsha512"),
			 ike_prf_find(IKE_PRF_HMAC_SHA2_512));
	assert_ptr_equal(ike_integ_by_name("sha384"),
			 ike_integ_find(IKE_INTEG_HMAC_SHA2_384_192));
	assert_ptr_equal(ike_dh_by_name("x25519"), ike_dh_info(IKE_DH_CURVE25519));
	assert_int_equal(ike_dh_by_name("ecp256")->public_len, 64);
	assert_null(ike_encr_by_name("des"));

	/* RFC 5282 §8: AEAD has no INTEG; a plain cipher needs one */
	assert_int_equal(ike_suite_check(ike_encr_by_name("aes128gcm16"), NULL), 0);
	assert_int_equal(ike_suite_check(ike_encr_by_name("aes128gcm16"),
					 ike_integ_by_name("sha256")), -EINVAL);
	assert_int_equal(ike_suite_check(ike_encr_by_name("aes128"), NULL), -EINVAL);
	assert_int_equal(ike_suite_check(NULL, NULL), -EINVAL);
}

/* ---------------------------------------------------------------- */
/* RFC 4868 §2.7.1 PRF test vectors (the inputs of RFC 4231)          */

static const char long_key_data[] =
	"Test Using Larger Than Block-Size Key - Hash Key First";
static const char long_both_data[] =
	"This is a test using a larger than block-size key and a larger than "
	"block-size data. The key needs to be hashed before being used by the "
	"HMAC algorithm.";

/* Fills key/data of PRF test case n (1..6). */
static void prf_case(int n, uint8_t *key, size_t *key_len, uint8_t *data,
		     size_t *len)
{
	switch (n) {
	case 1:
		memset(key, 0x0b, 20);
		*key_len = 20;
		memcpy(data, "Hi There", 8);
		*len = 8;
		break;
	case 2:
		memcpy(key, "Jefe", 4);
		*key_len = 4;
		memcpy(data, "what do ya want for nothing?", 28);
		*len = 28;
		break;
	case 3:
		memset(key, 0xaa, 20);
		*key_len = 20;
		memset(data, 0xdd, 50);
		*len = 50;
		break;
	case 4:
		for (int i = 0; i < 25; i++)
			key[i] = (uint8_t)(i + 1);
		*key_len = 25;
		memset(data, 0xcd, 50);
		*len = 50;
		break;
	case 5:
		memset(key, 0xaa, 131);
		*key_len = 131;
		*len = strlen(long_key_data);
		memcpy(data, long_key_data, *len);
		break;
	default:
		memset(key, 0xaa, 131);
		*key_len = 131;
		*len = strlen(long_both_data);
		memcpy(data, long_both_data, *len);
		break;
	}
}

static const struct {
	int tc;
	uint16_t prf;
	const char *out;
} prf_vectors[] = {
	{ 1, IKE_PRF_HMAC_SHA2_256, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
	{ 2, IKE_PRF_HMAC_SHA2_256, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
	{ 3, IKE_PRF_HMAC_SHA2_256, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
	{ 4, IKE_PRF_HMAC_SHA2_256, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
	{ 5, IKE_PRF_HMAC_SHA2_256, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
	{ 6, IKE_PRF_HMAC_SHA2_256, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
	{ 1, IKE_PRF_HMAC_SHA2_384, "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
				    "faea9ea9076ede7f4af152e8b2fa9cb6" },
	{ 2, IKE_PRF_HMAC_SHA2_384, "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
				    "8e2240ca5e69e2c78b3239ecfab21649" },
	{ 3, IKE_PRF_HMAC_SHA2_384, "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b"
				    "2a5ab39dc13814b94e3ab6e101a34f27" },
	{ 4, IKE_PRF_HMAC_SHA2_384, "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e"
				    "6801dd23c4a7d679ccf8a386c674cffb" },
	{ 5, IKE_PRF_HMAC_SHA2_384, "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
				    "0c2ef6ab4030fe8296248df163f44952" },
	{ 6, IKE_PRF_HMAC_SHA2_384, "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5"
				    "a678cc31e799176d3860e6110c46523e" },
	{ 1, IKE_PRF_HMAC_SHA2_512, "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
				    "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854" },
	{ 2, IKE_PRF_HMAC_SHA2_512, "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
				    "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737" },
	{ 3, IKE_PRF_HMAC_SHA2_512, "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
				    "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb" },
	{ 4, IKE_PRF_HMAC_SHA2_512, "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
				    "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd" },
	{ 5, IKE_PRF_HMAC_SHA2_512, "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
				    "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598" },
	{ 6, IKE_PRF_HMAC_SHA2_512, "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
				    "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58" },
};

static void test_prf_rfc4868(void **state)
{
	uint8_t key[131], data[200], want[64], got[64];
	size_t key_len, len;
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(prf_vectors); i++) {
		const struct ike_prf *prf = ike_prf_find(prf_vectors[i].prf);

		assert_non_null(prf);
		prf_case(prf_vectors[i].tc, key, &key_len, data, &len);
		assert_int_equal(unhex(prf_vectors[i].out, want, sizeof(want)),
				 prf->out_len);
		memset(got, 0, sizeof(got));
		assert_int_equal(ike_prf(prf, key, key_len, data, len, got), 0);
		if (memcmp(got, want, prf->out_len))
			fail_msg("PRF-%d with %s differs", prf_vectors[i].tc,
				 prf->name);
		/* the same over a split input */
		struct ike_chunk parts[3] = {
			{ data, 3 }, { NULL, 0 }, { data + 3, len - 3 },
		};
		memset(got, 0, sizeof(got));
		assert_int_equal(ike_prfv(prf, key, key_len, parts, 3, got), 0);
		assert_memory_equal(got, want, prf->out_len);
	}
}

/* ---------------------------------------------------------------- */
/* prf+ (RFC 7296 §2.13) against a straightforward recomputation      */

static void ref_prf_plus(const struct ike_prf *prf, const uint8_t *key,
			 size_t key_len, const uint8_t *s, size_t s_len,
			 uint8_t *out, size_t out_len)
{
	uint8_t buf[64 + 400 + 1], t[64];
	size_t tlen = 0, done = 0;

	for (unsigned int i = 1; done < out_len; i++) {
		size_t n = 0, take;

		assert_true(tlen + s_len + 1 <= sizeof(buf));
		memcpy(buf, t, tlen);
		n += tlen;
		memcpy(buf + n, s, s_len);
		n += s_len;
		buf[n++] = (uint8_t)i;
		ref_hmac(prf->md, key, key_len, buf, n, t);
		tlen = prf->out_len;
		take = out_len - done < tlen ? out_len - done : tlen;
		memcpy(out + done, t, take);
		done += take;
	}
}

static void test_prf_plus(void **state)
{
	static const uint16_t prfs[] = {
		IKE_PRF_HMAC_SHA2_256, IKE_PRF_HMAC_SHA2_384, IKE_PRF_HMAC_SHA2_512,
	};
	uint8_t key[40], seed[100], *got, *want;
	(void)state;

	fill(key, sizeof(key), 1);
	fill(seed, sizeof(seed), 99);
	got = malloc(255 * 64 + 1);
	want = malloc(255 * 64 + 1);
	assert_non_null(got);
	assert_non_null(want);

	for (size_t p = 0; p < ARRAY_SIZE(prfs); p++) {
		const struct ike_prf *prf = ike_prf_find(prfs[p]);
		size_t o = prf->out_len;
		size_t lens[] = { 1, o - 1, o, o + 1, 3 * o + 5, 255 * o };
		struct ike_chunk s[3] = {
			{ seed, 10 }, { seed + 10, 0 }, { seed + 10, 90 },
		};

		for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
			memset(got, 0, lens[i]);
			assert_int_equal(ike_prf_plus(prf, key, sizeof(key), s,
						      3, got, lens[i]), 0);
			ref_prf_plus(prf, key, sizeof(key), seed, sizeof(seed),
				     want, lens[i]);
			assert_memory_equal(got, want, lens[i]);
		}
		/* T1 = prf(K, S | 0x01) exactly */
		uint8_t t1_in[101], t1[64];
		memcpy(t1_in, seed, 100);
		t1_in[100] = 1;
		ref_hmac(prf->md, key, sizeof(key), t1_in, 101, t1);
		assert_int_equal(ike_prf_plus(prf, key, sizeof(key), s, 3, got,
					      o), 0);
		assert_memory_equal(got, t1, o);

		/* §2.13: not defined beyond 255 iterations */
		assert_int_equal(ike_prf_plus(prf, key, sizeof(key), s, 3, got,
					      255 * o + 1), -EINVAL);
		assert_int_equal(ike_prf_plus(prf, key, sizeof(key), s, 3, got,
					      0), -EINVAL);
	}
	free(got);
	free(want);
}

/* ---------------------------------------------------------------- */
/* IKE SA keys (§2.14), rekey (§2.18), Child SA keys (§2.17)          */

static const uint8_t spi_i[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
static const uint8_t spi_r[8] = { 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01 };

static void test_ike_keys_layout(void **state)
{
	static const struct {
		const char *encr, *prf, *integ;
	} suites[] = {
		{ "aes256", "prfsha384", "sha512" },
		{ "aes128", "prfsha256", "sha256" },
		{ "aes128gcm16", "prfsha256", NULL },
		{ "chacha20poly1305", "prfsha512", NULL },
	};
	uint8_t ni[32], nr[48], gir[256], seed[64], nonces[80], s[96];
	uint8_t stream[600];
	struct ike_keys k;
	(void)state;

	fill(ni, sizeof(ni), 3);
	fill(nr, sizeof(nr), 5);
	fill(gir, sizeof(gir), 9);
	memcpy(nonces, ni, 32);
	memcpy(nonces + 32, nr, 48);

	for (size_t i = 0; i < ARRAY_SIZE(suites); i++) {
		const struct ike_encr *e = ike_encr_by_name(suites[i].encr);
		const struct ike_prf *prf = ike_prf_by_name(suites[i].prf);
		const struct ike_integ *in = suites[i].integ ?
			ike_integ_by_name(suites[i].integ) : NULL;
		size_t pl = prf->out_len, al = in ? in->key_len : 0;
		size_t el = ike_encr_keymat_len(e), off = 0;

		/* SKEYSEED = prf(Ni | Nr, g^ir) */
		ref_hmac(prf->md, nonces, 80, gir, sizeof(gir), seed);
		/* prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) */
		memcpy(s, nonces, 80);
		memcpy(s + 80, spi_i, 8);
		memcpy(s + 88, spi_r, 8);
		ref_prf_plus(prf, seed, pl, s, 96, stream, 3 * pl + 2 * al + 2 * el);

		assert_int_equal(ike_keys_new_sa(&k, e, prf, in, gir, sizeof(gir),
						 ni, 32, nr, 48, spi_i, spi_r), 0);
		assert_ptr_equal(k.encr, e);
		assert_ptr_equal(k.integ, in);
		assert_memory_equal(k.sk_d, stream + off, pl);
		off += pl;
		if (al) {
			assert_memory_equal(k.sk_a[IKE_DIR_I2R], stream + off, al);
			assert_memory_equal(k.sk_a[IKE_DIR_R2I], stream + off + al, al);
		}
		off += 2 * al;
		assert_memory_equal(k.sk_e[IKE_DIR_I2R], stream + off, el);
		assert_memory_equal(k.sk_e[IKE_DIR_R2I], stream + off + el, el);
		off += 2 * el;
		assert_memory_equal(k.sk_p[IKE_DIR_I2R], stream + off, pl);
		assert_memory_equal(k.sk_p[IKE_DIR_R2I], stream + off + pl, pl);
		ike_keys_wipe(&k);
	}

	/* an AEAD with an INTEG transform is refused */
	assert_int_equal(ike_keys_new_sa(&k, ike_encr_by_name("aes128gcm16"),
					 ike_prf_by_name("prfsha256"),
					 ike_integ_by_name("sha256"), gir, 32,
					 ni, 32, nr, 48, spi_i, spi_r), -EINVAL);
	ike_keys_wipe(NULL);
}

static void test_ike_keys_rekey(void **state)
{
	const struct ike_prf *p256 = ike_prf_by_name("prfsha256");
	const struct ike_prf *p512 = ike_prf_by_name("prfsha512");
	const struct ike_encr *gcm = ike_encr_by_name("aes256gcm16");
	uint8_t ni[32], nr[32], gir[32], gir2[32], in[96], seed[64];
	uint8_t nspi_i[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t nspi_r[8] = { 8, 7, 6, 5, 4, 3, 2, 1 };
	struct ike_keys old, got, want;
	(void)state;

	fill(ni, 32, 1);
	fill(nr, 32, 2);
	fill(gir, 32, 3);
	fill(gir2, 32, 4);
	assert_int_equal(ike_keys_new_sa(&old, gcm, p256, NULL, gir, 32, ni, 32,
					 nr, 32, spi_i, spi_r), 0);

	/* §2.18: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) with the
	 * old PRF (SHA-256 here), then §2.14 with the new PRF and SPIs */
	memcpy(in, gir2, 32);
	memcpy(in + 32, ni, 32);
	memcpy(in + 64, nr, 32);
	ref_hmac("SHA256", old.sk_d, 32, in, 96, seed);
	uint8_t got_seed[64];
	assert_int_equal(ike_skeyseed_rekey(&old, gir2, 32, ni, 32, nr, 32,
					    got_seed), 0);
	assert_memory_equal(got_seed, seed, 32);

	assert_int_equal(ike_keys_derive(&want, gcm, p512, NULL, seed, 32, ni,
					 32, nr, 32, nspi_i, nspi_r), 0);
	assert_int_equal(ike_keys_rekey(&got, &old, gcm, p512, NULL, gir2, 32,
					ni, 32, nr, 32, nspi_i, nspi_r), 0);
	assert_memory_equal(&got, &want, sizeof(got));
	assert_memory_not_equal(got.sk_d, old.sk_d, 32);

	/* in place: the new keys may overwrite the old */
	assert_int_equal(ike_keys_rekey(&old, &old, gcm, p512, NULL, gir2, 32,
					ni, 32, nr, 32, nspi_i, nspi_r), 0);
	assert_memory_equal(&old, &want, sizeof(old));
	ike_keys_wipe(&old);
	ike_keys_wipe(&got);
	ike_keys_wipe(&want);
}

static void test_child_keys(void **state)
{
	const struct ike_prf *prf = ike_prf_by_name("prfsha256");
	uint8_t ni[32], nr[32], gir[32], gir2[256], s[320], km[256];
	struct ike_child_keys ck;
	struct ike_keys k;
	char text[400], want[400], hex[200];
	(void)state;

	fill(ni, 32, 1);
	fill(nr, 32, 2);
	fill(gir, 32, 3);
	fill(gir2, sizeof(gir2), 4);
	assert_int_equal(ike_keys_new_sa(&k, ike_encr_by_name("aes128gcm16"),
					 prf, NULL, gir, 32, ni, 32, nr, 32,
					 spi_i, spi_r), 0);

	/* ESP AES-GCM-128, no PFS: KEYMAT = prf+(SK_d, Ni | Nr);
	 * i->r key||salt (20) then r->i (20) */
	memcpy(s, ni, 32);
	memcpy(s + 32, nr, 32);
	ref_prf_plus(prf, k.sk_d, 32, s, 64, km, 40);
	assert_int_equal(ike_child_keys_derive(&ck, &k,
					       ike_encr_by_name("aes128gcm16"),
					       NULL, NULL, 0, ni, 32, nr, 32), 0);
	assert_int_equal(ck.enc_len, 20);
	assert_int_equal(ck.auth_len, 0);
	assert_memory_equal(ck.enc[IKE_DIR_I2R], km, 20);
	assert_memory_equal(ck.enc[IKE_DIR_R2I], km + 20, 20);
	assert_int_equal(ike_child_keys_xfrm(&ck, IKE_DIR_R2I, text,
					     sizeof(text)), 0);
	for (int i = 0; i < 20; i++)
		sprintf(hex + 2 * i, "%02x", km[20 + i]);
	snprintf(want, sizeof(want), "aead rfc4106(gcm(aes)) 0x%s 128", hex);
	assert_string_equal(text, want);
	/* too small a buffer */
	assert_int_equal(ike_child_keys_xfrm(&ck, IKE_DIR_I2R, text, 30),
			 -ENOSPC);
	assert_string_equal(text, "");

	/* ESP AES-CBC-256 + HMAC-SHA-256-128 with PFS: KEYMAT = prf+(SK_d,
	 * g^ir (new) | Ni | Nr); enc(32) auth(32) for i->r, then r->i */
	memcpy(s, gir2, 256);
	memcpy(s + 256, ni, 32);
	memcpy(s + 288, nr, 32);
	ref_prf_plus(prf, k.sk_d, 32, s, 320, km, 128);
	assert_int_equal(ike_child_keys_derive(&ck, &k, ike_encr_by_name("aes256"),
					       ike_integ_by_name("sha256"), gir2,
					       sizeof(gir2), ni, 32, nr, 32), 0);
	assert_memory_equal(ck.enc[IKE_DIR_I2R], km, 32);
	assert_memory_equal(ck.auth[IKE_DIR_I2R], km + 32, 32);
	assert_memory_equal(ck.enc[IKE_DIR_R2I], km + 64, 32);
	assert_memory_equal(ck.auth[IKE_DIR_R2I], km + 96, 32);
	assert_int_equal(ike_child_keys_xfrm(&ck, IKE_DIR_I2R, text,
					     sizeof(text)), 0);
	assert_true(!strncmp(text, "enc cbc(aes) 0x", 15));
	assert_non_null(strstr(text, " auth-trunc hmac(sha256) 0x"));
	assert_int_equal(strlen(text), strlen("enc cbc(aes) 0x auth-trunc "
					      "hmac(sha256) 0x 128") + 128);

	/* AH with HMAC-SHA-256-128: only integrity keys */
	ref_prf_plus(prf, k.sk_d, 32, s + 256, 64, km, 64);
	assert_int_equal(ike_child_keys_derive(&ck, &k, NULL,
					       ike_integ_by_name("sha256"), NULL,
					       0, ni, 32, nr, 32), 0);
	assert_memory_equal(ck.auth[IKE_DIR_I2R], km, 32);
	assert_memory_equal(ck.auth[IKE_DIR_R2I], km + 32, 32);
	assert_int_equal(ike_child_keys_xfrm(&ck, IKE_DIR_I2R, text,
					     sizeof(text)), 0);
	for (int i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", km[i]);
	snprintf(want, sizeof(want), "auth-trunc hmac(sha256) 0x%s 128", hex);
	assert_string_equal(text, want);

	/* the datapath only has HMAC-SHA-256-128 */
	assert_int_equal(ike_child_keys_derive(&ck, &k, ike_encr_by_name("aes128"),
					       ike_integ_by_name("sha384"), NULL,
					       0, ni, 32, nr, 32), 0);
	assert_int_equal(ck.auth_len, 48);
	assert_int_equal(ike_child_keys_xfrm(&ck, IKE_DIR_I2R, text,
					     sizeof(text)), -EOPNOTSUPP);
	/* AH without INTEG, AEAD with INTEG */
	assert_int_equal(ike_child_keys_derive(&ck, &k, NULL, NULL, NULL, 0, ni,
					       32, nr, 32), -EINVAL);
	assert_int_equal(ike_child_keys_derive(&ck, &k,
					       ike_encr_by_name("aes128gcm16"),
					       ike_integ_by_name("sha256"), NULL,
					       0, ni, 32, nr, 32), -EINVAL);
	ike_child_keys_wipe(&ck);
	ike_child_keys_wipe(NULL);
	ike_keys_wipe(&k);
}

/* ---------------------------------------------------------------- */
/* Diffie-Hellman                                                     */

static void test_dh_agree(void **state)
{
	static const uint16_t groups[] = {
		IKE_DH_MODP2048, IKE_DH_MODP3072, IKE_DH_MODP4096,
		IKE_DH_ECP256, IKE_DH_ECP384, IKE_DH_ECP521,
		IKE_DH_CURVE25519, IKE_DH_CURVE448,
	};
	uint8_t pa[IKE_DH_PUBLIC_MAX], pb[IKE_DH_PUBLIC_MAX];
	(void)state;

	for (size_t g = 0; g < ARRAY_SIZE(groups); g++) {
		const struct ike_dh_info *info = ike_dh_info(groups[g]);
		struct ike_dh *a = ike_dh_new(groups[g]);
		struct ike_dh *b = ike_dh_new(groups[g]);
		const uint8_t *sa, *sb;
		size_t la, lb, sla = 0, slb = 0;
		const char *why = NULL;

		assert_non_null(a);
		assert_non_null(b);
		assert_int_equal(ike_dh_group(a), groups[g]);
		assert_null(ike_dh_secret(a, &sla));
		assert_int_equal(ike_dh_public(a, pa, sizeof(pa), &la), 0);
		assert_int_equal(ike_dh_public(b, pb, sizeof(pb), &lb), 0);
		assert_int_equal(la, info->public_len);
		assert_int_equal(lb, info->public_len);
		assert_memory_not_equal(pa, pb, la);
		assert_int_equal(ike_dh_public(a, pa, la - 1, &la), -ENOSPC);
		assert_int_equal(ike_dh_check_public(groups[g], pb, lb, &why), 0);

		assert_int_equal(ike_dh_derive(a, pb, lb, &why), 0);
		assert_int_equal(ike_dh_derive(b, pa, la, NULL), 0);
		sa = ike_dh_secret(a, &sla);
		sb = ike_dh_secret(b, &slb);
		assert_non_null(sa);
		assert_non_null(sb);
		assert_int_equal(sla, info->secret_len);
		assert_int_equal(slb, info->secret_len);
		assert_memory_equal(sa, sb, sla);

		/* one derivation per key pair */
		assert_int_equal(ike_dh_derive(a, pb, lb, &why), -EALREADY);
		assert_non_null(why);
		ike_dh_free(a);
		ike_dh_free(b);
	}
	ike_dh_free(NULL);
	assert_null(ike_dh_new(2));      /* MODP-1024 */
	assert_int_equal(errno, ENOTSUP);
	assert_int_equal(ike_dh_check_public(2, pa, 128, NULL), -ENOTSUP);
}

/* RFC 5903 §8.1, 256-bit random ECP group */
static void test_dh_rfc5903(void **state)
{
	uint8_t i[32], r[32], gi[64], gr[64], gir[32], pub[64];
	struct ike_dh *a, *b;
	const uint8_t *s;
	size_t len;
	(void)state;

	unhex("C88F01F5 10D9AC3F 70A292DA A2316DE5 44E9AAB8 AFE84049 C62A9C57 862D1433",
	      i, sizeof(i));
	unhex("DAD0B653 94221CF9 B051E1FE CA5787D0 98DFE637 FC90B9EF 945D0C37 72581180"
	      "5271A046 1CDB8252 D61F1C45 6FA3E59A B1F45B33 ACCF5F58 389E0577 B8990BB3",
	      gi, sizeof(gi));
	unhex("C6EF9C5D 78AE012A 011164AC B397CE20 88685D8F 06BF9BE0 B283AB46 476BEE53",
	      r, sizeof(r));
	unhex("D12DFB52 89C8D4F8 1208B702 70398C34 2296970A 0BCCB74C 736FC755 4494BF63"
	      "56FBF3CA 366CC23E 8157854C 13C58D6A AC23F046 ADA30F83 53E74F33 039872AB",
	      gr, sizeof(gr));
	unhex("D6840F6B 42F6EDAF D13116E0 E1256520 2FEF8E9E CE7DCE03 812464D0 4B9442DE",
	      gir, sizeof(gir));

	a = ike_dh_new_from_private(IKE_DH_ECP256, i, sizeof(i));
	b = ike_dh_new_from_private(IKE_DH_ECP256, r, sizeof(r));
	assert_non_null(a);
	assert_non_null(b);
	/* KE data is x || y without the 0x04 octet (RFC 5903 §7) */
	assert_int_equal(ike_dh_public(a, pub, sizeof(pub), &len), 0);
	assert_int_equal(len, 64);
	assert_memory_equal(pub, gi, 64);
	assert_int_equal(ike_dh_public(b, pub, sizeof(pub), &len), 0);
	assert_memory_equal(pub, gr, 64);
	/* the shared secret is the x coordinate of g^ir */
	assert_int_equal(ike_dh_derive(a, gr, 64, NULL), 0);
	s = ike_dh_secret(a, &len);
	assert_int_equal(len, 32);
	assert_memory_equal(s, gir, 32);
	assert_int_equal(ike_dh_derive(b, gi, 64, NULL), 0);
	s = ike_dh_secret(b, &len);
	assert_memory_equal(s, gir, 32);
	ike_dh_free(a);
	ike_dh_free(b);
}

/* RFC 7748 §6.1 (X25519, the group of RFC 8031) */
static void test_dh_rfc7748(void **state)
{
	uint8_t ap[32], apub[32], bp[32], bpub[32], k[32], pub[32];
	struct ike_dh *a, *b;
	const uint8_t *s;
	size_t len;
	(void)state;

	unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", ap, 32);
	unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", apub, 32);
	unhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", bp, 32);
	unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", bpub, 32);
	unhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", k, 32);

	a = ike_dh_new_from_private(IKE_DH_CURVE25519, ap, 32);
	b = ike_dh_new_from_private(IKE_DH_CURVE25519, bp, 32);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(ike_dh_public(a, pub, sizeof(pub), &len), 0);
	assert_int_equal(len, 32);
	assert_memory_equal(pub, apub, 32);
	assert_int_equal(ike_dh_public(b, pub, sizeof(pub), &len), 0);
	assert_memory_equal(pub, bpub, 32);
	assert_int_equal(ike_dh_derive(a, bpub, 32, NULL), 0);
	s = ike_dh_secret(a, &len);
	assert_int_equal(len, 32);
	assert_memory_equal(s, k, 32);
	assert_int_equal(ike_dh_derive(b, apub, 32, NULL), 0);
	assert_memory_equal(ike_dh_secret(b, NULL), k, 32);
	ike_dh_free(a);
	ike_dh_free(b);
	/* wrong private length */
	assert_null(ike_dh_new_from_private(IKE_DH_CURVE25519, ap, 31));
	assert_int_equal(errno, EINVAL);
}

static void expect_bad(uint16_t group, const uint8_t *pub, size_t len, int err);

/* RFC 5903 §8.2, 384-bit random ECP group */
static void test_dh_rfc5903_p384(void **state)
{
	uint8_t i[48], r[48], gi[96], gr[96], gir[48], pub[96];
	struct ike_dh *a, *b;
	const uint8_t *s;
	size_t len;
	(void)state;

	unhex("099F3C70 34D4A2C6 99884D73 A375A67F 7624EF7C 6B3C0F16 0647B674 14DCE655"
	      "E35B5380 41E649EE 3FAEF896 783AB194", i, sizeof(i));
	unhex("667842D7 D180AC2C DE6F74F3 7551F557 55C7645C 20EF73E3 1634FE72 B4C55EE6"
	      "DE3AC808 ACB4BDB4 C88732AE E95F41AA 9482ED1F C0EEB9CA FC498462 5CCFC23F"
	      "65032149 E0E144AD A0241815 35A0F38E EB9FCFF3 C2C947DA E69B4C63 4573A81C",
	      gi, sizeof(gi));
	unhex("41CB0779 B4BDB85D 47846725 FBEC3C94 30FAB46C C8DC5060 855CC9BD A0AA2942"
	      "E0308312 916B8ED2 960E4BD5 5A7448FC", r, sizeof(r));
	unhex("E558DBEF 53EECDE3 D3FCCFC1 AEA08A89 A987475D 12FD950D 83CFA417 32BC509D"
	      "0D1AC43A 0336DEF9 6FDA41D0 774A3571 DCFBEC7A ACF31964 72169E83 8430367F"
	      "66EEBE3C 6E70C416 DD5F0C68 759DD1FF F83FA401 42209DFF 5EAAD96D B9E6386C",
	      gr, sizeof(gr));
	unhex("11187331 C279962D 93D60424 3FD592CB 9D0A926F 422E4718 7521287E 7156C5C4"
	      "D6031355 69B9E9D0 9CF5D4A2 70F59746", gir, sizeof(gir));

	a = ike_dh_new_from_private(IKE_DH_ECP384, i, sizeof(i));
	b = ike_dh_new_from_private(IKE_DH_ECP384, r, sizeof(r));
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(ike_dh_public(a, pub, sizeof(pub), &len), 0);
	assert_int_equal(len, 96);
	assert_memory_equal(pub, gi, 96);
	assert_int_equal(ike_dh_derive(a, gr, 96, NULL), 0);
	s = ike_dh_secret(a, &len);
	assert_int_equal(len, 48);
	assert_memory_equal(s, gir, 48);
	assert_int_equal(ike_dh_derive(b, gi, 96, NULL), 0);
	assert_memory_equal(ike_dh_secret(b, NULL), gir, 48);
	ike_dh_free(a);
	ike_dh_free(b);
	/* a scalar of P-256's length is not one of P-384 */
	assert_null(ike_dh_new_from_private(IKE_DH_ECP384, i, 32));
}

/* RFC 7748 §6.2 (X448, the Curve448 group of RFC 8031) */
static void test_dh_rfc7748_x448(void **state)
{
	uint8_t ap[56], apub[56], bp[56], bpub[56], k[56], pub[56];
	struct ike_dh *a, *b;
	size_t len;
	(void)state;

	unhex("9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28d"
	      "d9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b", ap, 56);
	unhex("9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c"
	      "22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0", apub, 56);
	unhex("1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d"
	      "6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d", bp, 56);
	unhex("3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b430"
	      "27d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609", bpub, 56);
	unhex("07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282b"
	      "b60c0b56fd2464c335543936521c24403085d59a449a5037514a879d", k, 56);

	a = ike_dh_new_from_private(IKE_DH_CURVE448, ap, 56);
	b = ike_dh_new_from_private(IKE_DH_CURVE448, bp, 56);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(ike_dh_public(a, pub, sizeof(pub), &len), 0);
	assert_int_equal(len, 56);
	assert_memory_equal(pub, apub, 56);
	assert_int_equal(ike_dh_public(b, pub, sizeof(pub), &len), 0);
	assert_memory_equal(pub, bpub, 56);
	assert_int_equal(ike_dh_derive(a, bpub, 56, NULL), 0);
	assert_memory_equal(ike_dh_secret(a, &len), k, 56);
	assert_int_equal(len, 56);
	assert_int_equal(ike_dh_derive(b, apub, 56, NULL), 0);
	assert_memory_equal(ike_dh_secret(b, NULL), k, 56);
	ike_dh_free(a);
	ike_dh_free(b);
	/* u = 0 gives the all-zero secret (RFC 7748 §6.2) */
	memset(pub, 0, sizeof(pub));
	a = ike_dh_new(IKE_DH_CURVE448);
	assert_int_equal(ike_dh_derive(a, pub, 56, NULL), -EINVAL);
	ike_dh_free(a);
	expect_bad(IKE_DH_CURVE448, pub, 32, -EMSGSIZE);
}

/* Groups 15 and 16 (RFC 3526 §4, §5), ECP-384/521: the range checks of
 * RFC 6989 at their own moduli. */
static void test_dh_large_invalid(void **state)
{
	static const uint16_t modp[] = { IKE_DH_MODP3072, IKE_DH_MODP4096 };
	uint8_t v[1 + 2 * 66 + 512];
	struct ike_dh *dh;
	size_t len;
	(void)state;

	for (size_t g = 0; g < ARRAY_SIZE(modp); g++) {
		BIGNUM *p = modp[g] == IKE_DH_MODP3072 ?
			    BN_get_rfc3526_prime_3072(NULL) :
			    BN_get_rfc3526_prime_4096(NULL);
		int n = BN_num_bytes(p);

		assert_int_equal(n, ike_dh_info(modp[g])->public_len);
		assert_int_equal(BN_bn2binpad(p, v, n), n);
		expect_bad(modp[g], v, (size_t)n, -EINVAL);      /* p */
		v[n - 1] -= 1;
		expect_bad(modp[g], v, (size_t)n, -EINVAL);      /* p - 1 */
		memset(v, 0, (size_t)n);
		v[n - 1] = 1;
		expect_bad(modp[g], v, (size_t)n, -EINVAL);      /* 1 */
		v[n - 1] = 2;                                    /* g */
		assert_int_equal(ike_dh_check_public(modp[g], v, (size_t)n, NULL), 0);
		expect_bad(modp[g], v, 256, -EMSGSIZE);
		BN_free(p);
	}
	/* ECP-384, ECP-521: a changed y leaves the curve; all ones is
	 * above the field prime */
	for (uint16_t g = IKE_DH_ECP384; g <= IKE_DH_ECP521; g++) {
		size_t pl = ike_dh_info(g)->public_len;

		dh = ike_dh_new(g);
		assert_non_null(dh);
		assert_int_equal(ike_dh_public(dh, v, sizeof(v), &len), 0);
		assert_int_equal(len, pl);
		ike_dh_free(dh);
		assert_int_equal(ike_dh_check_public(g, v, pl, NULL), 0);
		v[pl - 1] ^= 1;
		expect_bad(g, v, pl, -EINVAL);
		memset(v, 0xff, pl);
		expect_bad(g, v, pl, -EINVAL);
		expect_bad(g, v, pl - 2, -EMSGSIZE);
	}
}

static const char rfc3526_p2048[] =
	"FFFFFFFF FFFFFFFF C90FDAA2 2168C234 C4C6628B 80DC1CD1"
	"29024E08 8A67CC74 020BBEA6 3B139B22 514A0879 8E3404DD"
	"EF9519B3 CD3A431B 302B0A6D F25F1437 4FE1356D 6D51C245"
	"E485B576 625E7EC6 F44C42E9 A637ED6B 0BFF5CB6 F406B7ED"
	"EE386BFB 5A899FA5 AE9F2411 7C4B1FE6 49286651 ECE45B3D"
	"C2007CB8 A163BF05 98DA4836 1C55D39A 69163FA8 FD24CF5F"
	"83655D23 DCA3AD96 1C62F356 208552BB 9ED52907 7096966D"
	"670C354E 4ABC9804 F1746C08 CA18217C 32905E46 2E36CE3B"
	"E39E772C 180E8603 9B2783A2 EC07A28F B5C55DF0 6F4C52C9"
	"DE2BCBF6 95581718 3995497C EA956AE5 15D22618 98FA0510"
	"15728E5A 8AACAA68 FFFFFFFF FFFFFFFF";

/* MODP group 14 with a known exponent: y = 2^x mod p, computed here
 * from the RFC 3526 prime, and both sides agree on (g^x)^y. */
static void test_dh_modp_known(void **state)
{
	uint8_t p[256], x[32], y[32], want[256], pub[256];
	BIGNUM *bp, *bx, *by, *two, *r;
	BN_CTX *bctx = BN_CTX_new();
	struct ike_dh *a, *b;
	size_t len;
	(void)state;

	assert_int_equal(unhex(rfc3526_p2048, p, sizeof(p)), 256);
	fill(x, 32, 17);
	fill(y, 32, 71);
	bp = BN_bin2bn(p, 256, NULL);
	bx = BN_bin2bn(x, 32, NULL);
	by = BN_bin2bn(y, 32, NULL);
	two = BN_new();
	r = BN_new();
	assert_true(bp && bx && by && two && r && bctx && BN_set_word(two, 2));

	a = ike_dh_new_from_private(IKE_DH_MODP2048, x, 32);
	b = ike_dh_new_from_private(IKE_DH_MODP2048, y, 32);
	assert_non_null(a);
	assert_non_null(b);
	assert_true(BN_mod_exp(r, two, bx, bp, bctx));
	assert_int_equal(BN_bn2binpad(r, want, 256), 256);
	assert_int_equal(ike_dh_public(a, pub, sizeof(pub), &len), 0);
	assert_int_equal(len, 256);
	assert_memory_equal(pub, want, 256);

	assert_int_equal(ike_dh_public(b, pub, sizeof(pub), &len), 0);
	assert_int_equal(ike_dh_derive(a, pub, len, NULL), 0);
	/* g^xy, padded to the modulus (RFC 7296 §2.14) */
	assert_true(BN_mod_exp(r, two, bx, bp, bctx));
	assert_true(BN_mod_exp(r, r, by, bp, bctx));
	assert_int_equal(BN_bn2binpad(r, want, 256), 256);
	assert_memory_equal(ike_dh_secret(a, &len), want, 256);
	assert_int_equal(len, 256);

	BN_free(bp);
	BN_free(bx);
	BN_free(by);
	BN_free(two);
	BN_free(r);
	BN_CTX_free(bctx);
	ike_dh_free(a);
	ike_dh_free(b);
}

static void expect_bad(uint16_t group, const uint8_t *pub, size_t len, int err)
{
	struct ike_dh *dh = ike_dh_new(group);
	const char *why = NULL;

	assert_non_null(dh);
	assert_int_equal(ike_dh_check_public(group, pub, len, &why), err);
	assert_non_null(why);
	why = NULL;
	assert_int_equal(ike_dh_derive(dh, pub, len, &why), err);
	assert_non_null(why);
	assert_null(ike_dh_secret(dh, NULL));
	ike_dh_free(dh);
}

static void test_dh_invalid(void **state)
{
	uint8_t v[257], p[256], good[64];
	struct ike_dh *dh;
	size_t len;
	(void)state;

	/* MODP (RFC 6989 §2.1): 0, 1, p-1, p, above p; wrong length */
	assert_int_equal(unhex(rfc3526_p2048, p, sizeof(p)), 256);
	memset(v, 0, 256);
	expect_bad(IKE_DH_MODP2048, v, 256, -EINVAL);
	v[255] = 1;
	expect_bad(IKE_DH_MODP2048, v, 256, -EINVAL);
	memcpy(v, p, 256);
	v[255] -= 1;                           /* p - 1 */
	expect_bad(IKE_DH_MODP2048, v, 256, -EINVAL);
	memcpy(v, p, 256);                     /* p */
	expect_bad(IKE_DH_MODP2048, v, 256, -EINVAL);
	memset(v, 0xff, 256);                  /* 2^2048 - 1 > p */
	expect_bad(IKE_DH_MODP2048, v, 256, -EINVAL);
	v[0] = 0;
	v[255] = 2;
	expect_bad(IKE_DH_MODP2048, v + 1, 255, -EMSGSIZE);
	memset(v, 0, 257);
	v[256] = 2;
	expect_bad(IKE_DH_MODP2048, v, 257, -EMSGSIZE);
	/* 2 and p-2 are in range */
	memset(v, 0, 256);
	v[255] = 2;
	assert_int_equal(ike_dh_check_public(IKE_DH_MODP2048, v, 256, NULL), 0);

	/* ECP (RFC 6989 §2.3): a point off the curve, coordinates >= p */
	dh = ike_dh_new(IKE_DH_ECP256);
	assert_non_null(dh);
	assert_int_equal(ike_dh_public(dh, good, sizeof(good), &len), 0);
	ike_dh_free(dh);
	assert_int_equal(ike_dh_check_public(IKE_DH_ECP256, good, 64, NULL), 0);
	memcpy(v, good, 64);
	v[63] ^= 1;
	expect_bad(IKE_DH_ECP256, v, 64, -EINVAL);
	memset(v, 0, 64);                      /* (0, 0) */
	expect_bad(IKE_DH_ECP256, v, 64, -EINVAL);
	memcpy(v, good, 64);
	unhex("FFFFFFFF 00000001 00000000 00000000 00000000 FFFFFFFF FFFFFFFF FFFFFFFF",
	      v, 32);                          /* x = p */
	expect_bad(IKE_DH_ECP256, v, 64, -EINVAL);
	memcpy(v, good, 64);
	memset(v + 32, 0xff, 32);              /* y > p */
	expect_bad(IKE_DH_ECP256, v, 64, -EINVAL);
	v[0] = 4;                              /* 0x04 || x || y is wrong */
	memcpy(v + 1, good, 64);
	expect_bad(IKE_DH_ECP256, v, 65, -EMSGSIZE);
	expect_bad(IKE_DH_ECP256, good, 63, -EMSGSIZE);

	/* Curve25519 (RFC 8031 §2): u = 0 and u = 1 give the all-zero
	 * secret; the length is exactly 32 */
	memset(v, 0, 32);
	assert_int_equal(ike_dh_check_public(IKE_DH_CURVE25519, v, 32, NULL), 0);
	dh = ike_dh_new(IKE_DH_CURVE25519);
	assert_int_equal(ike_dh_derive(dh, v, 32, NULL), -EINVAL);
	assert_null(ike_dh_secret(dh, NULL));
	v[0] = 1;
	assert_int_equal(ike_dh_derive(dh, v, 32, NULL), -EINVAL);
	ike_dh_free(dh);
	expect_bad(IKE_DH_CURVE25519, v, 31, -EMSGSIZE);
	expect_bad(IKE_DH_CURVE25519, v, 33, -EMSGSIZE);
	expect_bad(IKE_DH_CURVE25519, NULL, 0, -EMSGSIZE);
}

/* ---------------------------------------------------------------- */
/* AEAD primitives against published vectors                          */

static void test_aead_vectors(void **state)
{
	/* GCM specification test cases 4 (AES-128) and 16 (AES-256); the
	 * 12-byte IV cafebabe facedbaddecaf888 is salt || IV */
	static const char gcm_pt[] =
		"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
		"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
	static const struct {
		const char *encr, *keymat, *iv, *aad, *pt, *ct, *tag;
	} v[] = {
		{ "aes128gcm16", "feffe9928665731c6d6a8f9467308308 cafebabe",
		  "facedbaddecaf888", "feedfacedeadbeeffeedfacedeadbeefabaddad2", gcm_pt,
		  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
		  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
		  "5bc94fbc3221a5db94fae95ae7121a47" },
		{ "aes256gcm16",
		  "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308 cafebabe",
		  "facedbaddecaf888", "feedfacedeadbeeffeedfacedeadbeefabaddad2", gcm_pt,
		  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
		  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
		  "76fc6ece0f4e1768cddf8853bb2d551b" },
		/* RFC 8439 §2.8.2: nonce 07000000 || 4041424344454647 is
		 * exactly the RFC 7634 salt || IV construction */
		{ "chacha20poly1305",
		  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f 07000000",
		  "4041424344454647", "50515253c0c1c2c3c4c5c6c7",
		  "4c616469657320616e642047656e746c656d656e206f662074686520636c6173"
		  "73206f66202739393a204966204920636f756c64206f6666657220796f75206f"
		  "6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73"
		  "637265656e20776f756c642062652069742e",
		  "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
		  "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
		  "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
		  "3ff4def08e4b7a9de576d26586cec64b6116",
		  "1ae10b594f09e26a7e902ecbd0600691" },
	};
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		const struct ike_encr *e = ike_encr_by_name(v[i].encr);
		uint8_t km[36], iv[8], aad[20], pt[128], ct[128], tag[16];
		uint8_t buf[128], t[16];
		size_t kml, aadl, ptl;

		kml = unhex(v[i].keymat, km, sizeof(km));
		assert_int_equal(kml, ike_encr_keymat_len(e));
		unhex(v[i].iv, iv, sizeof(iv));
		aadl = unhex(v[i].aad, aad, sizeof(aad));
		ptl = unhex(v[i].pt, pt, sizeof(pt));
		assert_int_equal(unhex(v[i].ct, ct, sizeof(ct)), ptl);
		unhex(v[i].tag, tag, sizeof(tag));

		memcpy(buf, pt, ptl);
		assert_int_equal(ike_aead_seal(e, km, iv, aad, aadl, buf, ptl, t), 0);
		assert_memory_equal(buf, ct, ptl);
		assert_memory_equal(t, tag, 16);
		assert_int_equal(ike_aead_open(e, km, iv, aad, aadl, buf, ptl, t), 0);
		assert_memory_equal(buf, pt, ptl);

		/* a changed AAD byte or tag is refused, plaintext wiped */
		memcpy(buf, ct, ptl);
		aad[0] ^= 0x80;
		assert_int_equal(ike_aead_open(e, km, iv, aad, aadl, buf, ptl, t),
				 -EBADMSG);
		aad[0] ^= 0x80;
		memcpy(buf, ct, ptl);
		t[15] ^= 1;
		assert_int_equal(ike_aead_open(e, km, iv, aad, aadl, buf, ptl, t),
				 -EBADMSG);
		assert_memory_not_equal(buf, pt, ptl);
	}
}

/* ---------------------------------------------------------------- */
/* Encrypted payload (§3.14) round trips                              */

#define SK_OFF IKE_HDR_LEN

/* An IKE header (§3.1) with an SK payload first, Length left for the
 * encryption to fill. */
static void build_msg(uint8_t *msg, size_t head, const uint8_t *inner,
		      size_t inner_len)
{
	memcpy(msg, spi_i, 8);
	memcpy(msg + 8, spi_r, 8);
	msg[16] = 46;            /* Next Payload: SK */
	msg[17] = 0x20;          /* version 2.0 */
	msg[18] = 35;            /* IKE_AUTH */
	msg[19] = 0x08;          /* Initiator */
	memset(msg + 20, 0, 8);  /* Message ID 0, Length */
	msg[SK_OFF] = 35;        /* first inner payload: IDi */
	msg[SK_OFF + 1] = 0;
	msg[SK_OFF + 2] = 0;
	msg[SK_OFF + 3] = 0;
	if (inner_len)
		memcpy(msg + SK_OFF + head, inner, inner_len);
}

static void test_sk_round_trip(void **state)
{
	static const struct {
		const char *encr, *integ;
	} suites[] = {
		{ "aes128gcm16", NULL },
		{ "aes256gcm16", NULL },
		{ "chacha20poly1305", NULL },
		{ "aes128", "sha256" },
		{ "aes256", "sha256" },
		{ "aes128", "sha384" },
		{ "aes256", "sha512" },
	};
	static const size_t inner_lens[] = { 0, 1, 14, 15, 16, 17, 100, 1000 };
	const struct ike_prf *prf = ike_prf_by_name("prfsha256");
	uint8_t ni[32], nr[32], gir[32], inner[1000];
	(void)state;

	fill(ni, 32, 1);
	fill(nr, 32, 2);
	fill(gir, 32, 3);
	fill(inner, sizeof(inner), 77);

	for (size_t s = 0; s < ARRAY_SIZE(suites); s++) {
		const struct ike_encr *e = ike_encr_by_name(suites[s].encr);
		const struct ike_integ *in = suites[s].integ ?
			ike_integ_by_name(suites[s].integ) : NULL;
		struct ike_keys ki, kr;
		size_t head, tail, icv = e->aead ? e->icv_len : in->icv_len;

		/* the initiator's and the responder's copies of the keys */
		assert_int_equal(ike_keys_new_sa(&ki, e, prf, in, gir, 32, ni, 32,
						 nr, 32, spi_i, spi_r), 0);
		assert_int_equal(ike_keys_new_sa(&kr, e, prf, in, gir, 32, ni, 32,
						 nr, 32, spi_i, spi_r), 0);
		head = ike_sk_head_len(&ki);
		tail = ike_sk_tail_max(&ki);
		assert_int_equal(head, 4 + e->iv_len);
		assert_int_equal(tail, e->block_len + icv);

		for (size_t l = 0; l < ARRAY_SIZE(inner_lens); l++) {
			size_t il = inner_lens[l], cap = SK_OFF + head + il + tail;
			size_t total, ct, need, off = 0, len = 0;
			uint8_t *msg = malloc(cap), *copy = malloc(cap);
			enum ike_dir dir = l % 2 ? IKE_DIR_R2I : IKE_DIR_I2R;
			struct ike_keys *snd = dir == IKE_DIR_I2R ? &ki : &kr;
			struct ike_keys *rcv = dir == IKE_DIR_I2R ? &kr : &ki;

			assert_non_null(msg);
			assert_non_null(copy);
			/* §3.14 sizes: minimal padding to the block */
			ct = il + 1;
			if (ct % e->block_len)
				ct += e->block_len - ct % e->block_len;
			need = SK_OFF + head + ct + icv;
			build_msg(msg, head, inner, il);
			assert_int_equal(ike_sk_encrypt(snd, dir, msg, need - 1,
							 SK_OFF, il, &total),
					 -ENOSPC);
			assert_int_equal(ike_sk_encrypt(snd, dir, msg, cap, SK_OFF,
							 il, &total), 0);
			assert_int_equal(total, need);
			assert_int_equal((size_t)msg[24] << 24 | msg[25] << 16 |
					 msg[26] << 8 | msg[27], total);
			assert_int_equal((size_t)msg[SK_OFF + 2] << 8 |
					 msg[SK_OFF + 3], total - SK_OFF);
			if (il >= 16)
				assert_memory_not_equal(msg + SK_OFF + head,
							inner, 16);

			/* the peer decrypts */
			memcpy(copy, msg, total);
			assert_int_equal(ike_sk_decrypt(rcv, dir, copy, total,
							SK_OFF, &off, &len), 0);
			assert_int_equal(off, SK_OFF + head);
			assert_int_equal(len, il);
			if (il)
				assert_memory_equal(copy + off, inner, il);

			/* the other direction's keys do not fit */
			memcpy(copy, msg, total);
			assert_int_equal(ike_sk_decrypt(rcv, dir ^ 1, copy, total,
							SK_OFF, &off, &len),
					 -EBADMSG);

			/* a flipped bit anywhere outside the length fields:
			 * header, SK payload header, IV, ciphertext, ICV */
			for (size_t pos = 0; pos < total; pos++) {
				if ((pos >= 24 && pos < 28) ||
				    pos == SK_OFF + 2 || pos == SK_OFF + 3)
					continue;
				memcpy(copy, msg, total);
				copy[pos] ^= 0x10;
				if (ike_sk_decrypt(rcv, dir, copy, total, SK_OFF,
						   &off, &len) != -EBADMSG)
					fail_msg("%s/%s len %zu: flip at %zu "
						 "accepted", e->name,
						 in ? in->name : "-", il, pos);
			}
			/* truncation and wrong lengths are malformed */
			memcpy(copy, msg, total);
			assert_int_equal(ike_sk_decrypt(rcv, dir, copy, total - 1,
							SK_OFF, &off, &len),
					 -EINVAL);
			copy[SK_OFF + 3] ^= 1;
			assert_int_equal(ike_sk_decrypt(rcv, dir, copy, total,
							SK_OFF, &off, &len),
					 -EINVAL);
			memcpy(copy, msg, total);
			copy[27] ^= 1;
			assert_int_equal(ike_sk_decrypt(rcv, dir, copy, total,
							SK_OFF, &off, &len),
					 -EINVAL);
			free(msg);
			free(copy);
		}

		/* AEAD IVs are a per-direction counter: never repeated */
		if (e->aead) {
			uint8_t a[128], b[128];
			size_t ta, tb;

			build_msg(a, head, inner, 10);
			build_msg(b, head, inner, 10);
			assert_int_equal(ike_sk_encrypt(&ki, IKE_DIR_I2R, a, sizeof(a),
							SK_OFF, 10, &ta), 0);
			assert_int_equal(ike_sk_encrypt(&ki, IKE_DIR_I2R, b, sizeof(b),
							SK_OFF, 10, &tb), 0);
			assert_memory_not_equal(a + SK_OFF + 4, b + SK_OFF + 4, 8);
			assert_memory_not_equal(a + SK_OFF + 12, b + SK_OFF + 12, 11);
		}
		ike_keys_wipe(&ki);
		ike_keys_wipe(&kr);
	}
}

/* The SK payload may follow unencrypted payloads (AAD/ICV cover them), and
 * a Pad Length pointing before the plaintext is refused after the tag. */
static void test_sk_edge(void **state)
{
	const struct ike_prf *prf = ike_prf_by_name("prfsha256");
	const struct ike_encr *gcm = ike_encr_by_name("aes128gcm16");
	uint8_t ni[32], nr[32], gir[32], msg[256], copy[256];
	size_t total, off, len, sk = SK_OFF + 8;
	struct ike_keys k;
	(void)state;

	fill(ni, 32, 1);
	fill(nr, 32, 2);
	fill(gir, 32, 3);
	assert_int_equal(ike_keys_new_sa(&k, gcm, prf, NULL, gir, 32, ni, 32, nr,
					 32, spi_i, spi_r), 0);

	/* an 8-byte unencrypted payload before SK */
	build_msg(msg, 0, NULL, 0);
	msg[16] = 48;
	memset(msg + SK_OFF, 0xab, 8);
	msg[sk] = 41;
	memset(msg + sk + 1, 0, 3);
	memset(msg + sk + 12, 0x5a, 20);
	assert_int_equal(ike_sk_encrypt(&k, IKE_DIR_R2I, msg, sizeof(msg), sk, 20,
					&total), 0);
	memcpy(copy, msg, total);
	assert_int_equal(ike_sk_decrypt(&k, IKE_DIR_R2I, copy, total, sk, &off,
					&len), 0);
	assert_int_equal(off, sk + 12);
	assert_int_equal(len, 20);
	memcpy(copy, msg, total);
	copy[SK_OFF + 5] ^= 1;            /* inside the unencrypted payload */
	assert_int_equal(ike_sk_decrypt(&k, IKE_DIR_R2I, copy, total, sk, &off,
					&len), -EBADMSG);

	/* hand-made SK whose Pad Length (200) exceeds the plaintext (3) */
	build_msg(msg, 0, NULL, 0);
	total = SK_OFF + 4 + 8 + 3 + 16;
	msg[24] = 0;
	msg[25] = 0;
	msg[26] = 0;
	msg[27] = (uint8_t)total;
	msg[SK_OFF + 3] = (uint8_t)(total - SK_OFF);
	memset(msg + SK_OFF + 4, 0x42, 8);
	msg[SK_OFF + 12] = 1;
	msg[SK_OFF + 13] = 2;
	msg[SK_OFF + 14] = 200;
	assert_int_equal(ike_aead_seal(gcm, k.sk_e[IKE_DIR_I2R], msg + SK_OFF + 4,
				       msg, SK_OFF + 4, msg + SK_OFF + 12, 3,
				       msg + SK_OFF + 15), 0);
	assert_int_equal(ike_sk_decrypt(&k, IKE_DIR_I2R, msg, total, SK_OFF, &off,
					&len), -EBADMSG);

	/* too short for IV + Pad Length + ICV */
	build_msg(msg, 0, NULL, 0);
	total = SK_OFF + 4 + 8 + 16;
	msg[27] = (uint8_t)total;
	msg[SK_OFF + 3] = (uint8_t)(total - SK_OFF);
	assert_int_equal(ike_sk_decrypt(&k, IKE_DIR_I2R, msg, total, SK_OFF, &off,
					&len), -EINVAL);
	/* SK offset inside the IKE header */
	assert_int_equal(ike_sk_decrypt(&k, IKE_DIR_I2R, msg, total, 20, &off,
					&len), -EINVAL);
	assert_int_equal(ike_sk_encrypt(&k, IKE_DIR_I2R, msg, sizeof(msg), 20, 0,
					&total), -EINVAL);
	ike_keys_wipe(&k);
}

/* ---------------------------------------------------------------- */
/* AUTH with a pre-shared key (§2.15)                                 */

static void test_auth_psk(void **state)
{
	static const uint8_t psk[] = "correct horse battery staple";
	const struct ike_prf *prf = ike_prf_by_name("prfsha256");
	uint8_t ni[32], nr[32], gir[32], msg1[300], id[12], octets[400];
	uint8_t auth[64], ref_oct[400], padded[32], ref_auth[32], mac[32];
	struct ike_keys ki, kr;
	size_t olen, rlen;
	(void)state;

	fill(ni, 32, 1);
	fill(nr, 32, 2);
	fill(gir, 32, 3);
	fill(msg1, sizeof(msg1), 4);
	/* ID payload body: ID_FQDN (2), RESERVED, "east.example" */
	id[0] = 2;
	id[1] = id[2] = id[3] = 0;
	memcpy(id + 4, "east.exa", 8);
	assert_int_equal(ike_keys_new_sa(&ki, ike_encr_by_name("aes128gcm16"),
					 prf, NULL, gir, 32, ni, 32, nr, 32,
					 spi_i, spi_r), 0);
	assert_int_equal(ike_keys_new_sa(&kr, ike_encr_by_name("aes128gcm16"),
					 prf, NULL, gir, 32, ni, 32, nr, 32,
					 spi_i, spi_r), 0);

	/* the initiator signs RealMessage1 | NonceRData | prf(SK_pi, IDi') */
	assert_int_equal(ike_auth_octets_len(&ki, sizeof(msg1), 32),
			 sizeof(msg1) + 32 + 32);
	assert_int_equal(ike_auth_signed_octets(&ki, IKE_DIR_I2R, msg1,
						sizeof(msg1), nr, 32, id,
						sizeof(id), octets, 363, &olen),
			 -ENOSPC);
	assert_int_equal(ike_auth_signed_octets(&ki, IKE_DIR_I2R, msg1,
						sizeof(msg1), nr, 32, id,
						sizeof(id), octets,
						sizeof(octets), &olen), 0);
	assert_int_equal(olen, 364);
	assert_int_equal(ike_auth_psk(prf, psk, sizeof(psk) - 1, octets, olen,
				      auth), 0);

	/* independently: prf(prf(psk, "Key Pad for IKEv2"), octets) */
	memcpy(ref_oct, msg1, 300);
	memcpy(ref_oct + 300, nr, 32);
	ref_hmac("SHA256", ki.sk_p[IKE_DIR_I2R], 32, id, sizeof(id), mac);
	memcpy(ref_oct + 332, mac, 32);
	assert_memory_equal(octets, ref_oct, 364);
	ref_hmac("SHA256", psk, sizeof(psk) - 1,
		 (const uint8_t *)"Key Pad for IKEv2", 17, padded);
	ref_hmac("SHA256", padded, 32, ref_oct, 364, ref_auth);
	assert_memory_equal(auth, ref_auth, 32);

	/* the responder rebuilds the octets from what it received */
	assert_int_equal(ike_auth_signed_octets(&kr, IKE_DIR_I2R, msg1,
						sizeof(msg1), nr, 32, id,
						sizeof(id), ref_oct,
						sizeof(ref_oct), &rlen), 0);
	assert_int_equal(ike_auth_psk_verify(prf, psk, sizeof(psk) - 1, ref_oct,
					     rlen, auth, 32), 0);
	/* wrong key, wrong length, changed ID, responder's key */
	assert_int_equal(ike_auth_psk_verify(prf, psk, sizeof(psk) - 2, ref_oct,
					     rlen, auth, 32), -EBADMSG);
	assert_int_equal(ike_auth_psk_verify(prf, psk, sizeof(psk) - 1, ref_oct,
					     rlen, auth, 31), -EBADMSG);
	id[4] ^= 0x20;
	assert_int_equal(ike_auth_signed_octets(&kr, IKE_DIR_I2R, msg1,
						sizeof(msg1), nr, 32, id,
						sizeof(id), ref_oct,
						sizeof(ref_oct), &rlen), 0);
	assert_int_equal(ike_auth_psk_verify(prf, psk, sizeof(psk) - 1, ref_oct,
					     rlen, auth, 32), -EBADMSG);
	id[4] ^= 0x20;
	assert_int_equal(ike_auth_signed_octets(&kr, IKE_DIR_R2I, msg1,
						sizeof(msg1), nr, 32, id,
						sizeof(id), ref_oct,
						sizeof(ref_oct), &rlen), 0);
	assert_int_equal(ike_auth_psk_verify(prf, psk, sizeof(psk) - 1, ref_oct,
					     rlen, auth, 32), -EBADMSG);
	assert_int_equal(ike_auth_psk(prf, psk, 0, octets, olen, auth), -EINVAL);
	ike_keys_wipe(&ki);
	ike_keys_wipe(&kr);
}

/* ---------------------------------------------------------------- */
/* NAT detection (§2.23) and cookies (§2.6)                           */

static void test_natd(void **state)
{
	static const uint8_t zero[8];
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(500) };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(4500) };
	uint8_t in[8 + 8 + 16 + 2], want[20], got[IKE_NATD_HASH_LEN];
	struct sockaddr sa = { .sa_family = AF_UNIX };
	(void)state;

	/* SHA-1(SPIi | SPIr | 192.0.2.1 | 500), SPIr zero as in the request */
	assert_int_equal(inet_pton(AF_INET, "192.0.2.1", &sin.sin_addr), 1);
	memcpy(in, spi_i, 8);
	memset(in + 8, 0, 8);
	memcpy(in + 16, "\xc0\x00\x02\x01\x01\xf4", 6);
	SHA1(in, 22, want);
	assert_int_equal(ike_natd_hash(spi_i, zero, (struct sockaddr *)&sin, got), 0);
	assert_memory_equal(got, want, 20);
	/* the port matters */
	sin.sin_port = htons(4500);
	assert_int_equal(ike_natd_hash(spi_i, zero, (struct sockaddr *)&sin, got), 0);
	assert_memory_not_equal(got, want, 20);

	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", &sin6.sin6_addr), 1);
	memcpy(in + 8, spi_r, 8);
	memcpy(in + 16, &sin6.sin6_addr, 16);
	in[32] = 0x11;
	in[33] = 0x94;
	SHA1(in, 34, want);
	assert_int_equal(ike_natd_hash(spi_i, spi_r, (struct sockaddr *)&sin6, got), 0);
	assert_memory_equal(got, want, 20);

	assert_int_equal(ike_natd_hash(spi_i, spi_r, &sa, got), -EAFNOSUPPORT);
}

static void test_cookie(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(500) };
	struct sockaddr_in b = a;
	struct ike_cookie_secret cs;
	uint8_t ni[32], c1[IKE_COOKIE_LEN], c2[IKE_COOKIE_LEN], spi[8];
	uint8_t in[32 + 4 + 8 + IKE_COOKIE_SECRET_LEN], h[32];
	(void)state;

	fill(ni, 32, 9);
	memcpy(spi, spi_i, 8);
	assert_int_equal(inet_pton(AF_INET, "198.51.100.7", &a.sin_addr), 1);
	assert_int_equal(inet_pton(AF_INET, "198.51.100.8", &b.sin_addr), 1);
	assert_int_equal(ike_cookie_init(&cs), 0);

	assert_int_equal(ike_cookie_make(&cs, ni, 32, (struct sockaddr *)&a, spi,
					 c1), 0);
	/* <VersionIDofSecret> | SHA-256(Ni | IPi | SPIi | <secret>) */
	memcpy(in, ni, 32);
	memcpy(in + 32, &a.sin_addr, 4);
	memcpy(in + 36, spi, 8);
	memcpy(in + 44, cs.secret[cs.cur], IKE_COOKIE_SECRET_LEN);
	SHA256(in, sizeof(in), h);
	assert_int_equal(c1[0], cs.version[cs.cur]);
	assert_memory_equal(c1 + 1, h, 32);

	assert_int_equal(ike_cookie_check(&cs, c1, sizeof(c1), ni, 32,
					  (struct sockaddr *)&a, spi), 0);
	/* the source port is not part of it */
	a.sin_port = htons(4500);
	assert_int_equal(ike_cookie_check(&cs, c1, sizeof(c1), ni, 32,
					  (struct sockaddr *)&a, spi), 0);
	/* another address, nonce, SPI, length, or a changed byte */
	assert_int_equal(ike_cookie_check(&cs, c1, sizeof(c1), ni, 32,
					  (struct sockaddr *)&b, spi), -EBADMSG);
	ni[0] ^= 1;
	assert_int_equal(ike_cookie_check(&cs, c1, sizeof(c1), ni, 32,
					  (struct sockaddr *)&a, spi), -EBADMSG);
	ni[0] ^= 1;
	spi[7] ^= 1;
	assert_int_equal(ike_cookie_check(&cs, c1, sizeof(c1), ni, 32,
					  (struct sockaddr *)&a, spi), -EBADMSG);
	spi[7] ^= 1;
	assert_int_equal(ike_cookie_check(&cs, c1, sizeof(c1) - 1, ni, 32,
					  (struct sockaddr *)&a, spi), -EBADMSG);
	c1[20] ^= 1;
	assert_int_equal(ike_cookie_check(&cs, c1, sizeof(c1), ni, 32,
					  (struct sockaddr *)&a, spi), -EBADMSG);
	c1[20] ^= 1;

	/* after one rotation the old cookie still passes, after two not */
	assert_int_equal(ike_cookie_rotate(&cs), 0);
	assert_int_equal(ike_cookie_make(&cs, ni, 32, (struct sockaddr *)&a, spi,
					 c2), 0);
	assert_int_not_equal(c2[0], c1[0]);
	assert_memory_not_equal(c1 + 1, c2 + 1, 32);
	assert_int_equal(ike_cookie_check(&cs, c1, sizeof(c1), ni, 32,
					  (struct sockaddr *)&a, spi), 0);
	assert_int_equal(ike_cookie_check(&cs, c2, sizeof(c2), ni, 32,
					  (struct sockaddr *)&a, spi), 0);
	assert_int_equal(ike_cookie_rotate(&cs), 0);
	assert_int_equal(ike_cookie_check(&cs, c1, sizeof(c1), ni, 32,
					  (struct sockaddr *)&a, spi), -EBADMSG);
	assert_int_equal(ike_cookie_check(&cs, c2, sizeof(c2), ni, 32,
					  (struct sockaddr *)&a, spi), 0);
	ike_cookie_wipe(&cs);
	assert_int_equal(ike_cookie_check(&cs, c2, sizeof(c2), ni, 32,
					  (struct sockaddr *)&a, spi), -EBADMSG);
	ike_cookie_wipe(NULL);
}

static void test_random(void **state)
{
	uint8_t a[32] = { 0 }, b[32] = { 0 };
	(void)state;

	assert_int_equal(ike_random(a, sizeof(a)), 0);
	assert_int_equal(ike_random(b, sizeof(b)), 0);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_int_equal(ike_random(NULL, 4), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptors),
		cmocka_unit_test(test_prf_rfc4868),
		cmocka_unit_test(test_prf_plus),
		cmocka_unit_test(test_ike_keys_layout),
		cmocka_unit_test(test_ike_keys_rekey),
		cmocka_unit_test(test_child_keys),
		cmocka_unit_test(test_dh_agree),
		cmocka_unit_test(test_dh_rfc5903),
		cmocka_unit_test(test_dh_rfc7748),
		cmocka_unit_test(test_dh_rfc5903_p384),
		cmocka_unit_test(test_dh_rfc7748_x448),
		cmocka_unit_test(test_dh_large_invalid),
		cmocka_unit_test(test_dh_modp_known),
		cmocka_unit_test(test_dh_invalid),
		cmocka_unit_test(test_aead_vectors),
		cmocka_unit_test(test_sk_round_trip),
		cmocka_unit_test(test_sk_edge),
		cmocka_unit_test(test_auth_psk),
		cmocka_unit_test(test_natd),
		cmocka_unit_test(test_cookie),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
