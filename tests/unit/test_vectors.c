// SPDX-License-Identifier: GPL-2.0-only
/*
 * Published test vectors through every available backend:
 *   - draft-mcgrew-gcm-test-01 §4 (AES-GCM in ESP, RFC 4106), with ESN;
 *   - RFC 7634 Appendix A (ChaCha20-Poly1305 in ESP);
 *   - RFC 3602 §4 (AES-CBC: raw cases #1-#4, ESP cases #5-#8);
 *   - RFC 4868 §2.7.2.1 (HMAC-SHA-256-128).
 *
 * ESP vectors go through the engine both ways: open must turn the
 * published packet into the published payload, and seal (with the
 * vector's sequence number and IV) must reproduce the published packet
 * byte for byte.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "engine.h"
#include "testutil.h"
#include "vectors.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define VEC_MAX 512u
#define NH_IPV4 4

/* Outer addresses for the packets the tests wrap (RFC 5737 TEST-NET-2). */
static const uint8_t outer_src[4] = { 198, 51, 100, 1 };
static const uint8_t outer_dst[4] = { 198, 51, 100, 2 };

/* HMAC-SHA-256 key for the CBC suite, which RFC 3602 does not specify:
 * its ICV is computed here with OpenSSL's one-shot HMAC, independently of
 * the backend under test. */
static const uint8_t cbc_auth_key[32] = {
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
	0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00,
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10,
};

static unsigned int backend_openssl = XS_BACKEND_OPENSSL;
static unsigned int backend_ipsecmb = XS_BACKEND_IPSECMB;

/* The backend id a test runs with; skips when it cannot run here. */
static unsigned int test_backend(void **state)
{
	unsigned int id = *(const unsigned int *)*state;

	if (!xs_backend_get(id)) {
		/* OpenSSL is the reference: it must always be there. */
		assert_int_not_equal(id, XS_BACKEND_OPENSSL);
		print_message("backend %u not usable here, skipped\n", id);
		skip();
	}
	return id;
}

/* A backend cipher context for direct use. */
static void cipher_setup(struct xs_cipher *c, unsigned int backend,
			 unsigned int suite, const uint8_t *ekey, size_t ekey_len,
			 const uint8_t *akey, size_t akey_len)
{
	memset(c, 0, sizeof(*c));
	c->be = xs_backend_get(backend);
	assert_non_null(c->be);
	c->suite = suite;
	assert_int_equal(c->be->setup(c, ekey, ekey_len, akey, akey_len), 0);
}

/* A vector with its hex decoded. */
struct esp_case {
	const struct vec_esp *v;
	uint8_t key[XS_ENC_KEY_MAX];
	size_t key_len;
	uint8_t iv[XS_IV_MAX];
	size_t iv_len;
	uint8_t plain[VEC_MAX];
	size_t plain_len;
	uint8_t esp[VEC_MAX];       /* as published, plus our ICV for CBC */
	size_t esp_len;
	size_t body_len;            /* plain without padding and trailer */
	uint8_t nh;
	bool tunnel;
};

static void esp_case_load(struct esp_case *c, const struct vec_esp *v)
{
	const struct xs_suite_info *si = xs_suite_info(v->suite);
	uint8_t padlen;

	memset(c, 0, sizeof(*c));
	c->v = v;
	assert_non_null(si);
	c->key_len = tu_unhex_must(v->key, c->key, sizeof(c->key));
	assert_int_equal(c->key_len, si->enc_key_len);
	c->iv_len = tu_unhex_must(v->iv, c->iv, sizeof(c->iv));
	assert_int_equal(c->iv_len, si->iv_len);
	c->plain_len = tu_unhex_must(v->plain, c->plain, sizeof(c->plain));
	c->esp_len = tu_unhex_must(v->esp, c->esp, sizeof(c->esp) - XS_ICV_LEN);
	/* The published header must agree with the table's SPI and seq. */
	assert_int_equal(tu_be32(c->esp), v->spi);
	assert_int_equal(tu_be32(c->esp + 4), (uint32_t)v->seq);
	assert_memory_equal(c->esp + XS_ESP_HDR_LEN, c->iv, c->iv_len);

	assert_true(c->plain_len >= XS_ESP_TRAILER_LEN);
	padlen = c->plain[c->plain_len - 2];
	c->nh = c->plain[c->plain_len - 1];
	assert_true(padlen + XS_ESP_TRAILER_LEN <= c->plain_len);
	c->body_len = c->plain_len - XS_ESP_TRAILER_LEN - padlen;
	c->tunnel = c->nh == NH_IPV4;

	if (!si->aead) {
		/* RFC 3602 packets carry no ICV: add HMAC-SHA-256-128 over
		 * header, IV and ciphertext (RFC 4868 §2.1, RFC 4303 §2.8). */
		uint8_t mac[EVP_MAX_MD_SIZE];
		unsigned int mac_len = 0;

		assert_non_null(HMAC(EVP_sha256(), cbc_auth_key, sizeof(cbc_auth_key),
				     c->esp, c->esp_len, mac, &mac_len));
		assert_int_equal(mac_len, 32);
		memcpy(c->esp + c->esp_len, mac, XS_ICV_LEN);
		c->esp_len += XS_ICV_LEN;
	}
	assert_int_equal(c->esp_len, XS_ESP_HDR_LEN + c->iv_len + c->plain_len +
				     XS_ICV_LEN);
}

static struct xs_sa *esp_case_sa_try(const struct esp_case *c, unsigned int backend,
				     uint64_t seq_start)
{
	const struct xs_suite_info *si = xs_suite_info(c->v->suite);
	struct xs_sa_config cfg;

	xs_sa_config_init(&cfg);
	cfg.spi = c->v->spi;
	cfg.proto = XS_PROTO_ESP;
	cfg.mode = c->tunnel ? XS_MODE_TUNNEL : XS_MODE_TRANSPORT;
	cfg.family = AF_INET;
	cfg.suite = c->v->suite;
	memcpy(&cfg.src.v4, outer_src, 4);
	memcpy(&cfg.dst.v4, outer_dst, 4);
	memcpy(cfg.enc_key, c->key, c->key_len);
	cfg.enc_key_len = (uint32_t)c->key_len;
	if (si->auth_key_len) {
		memcpy(cfg.auth_key, cbc_auth_key, sizeof(cbc_auth_key));
		cfg.auth_key_len = sizeof(cbc_auth_key);
	}
	cfg.esn = c->v->esn;
	cfg.seq_start = seq_start;
	cfg.backend = (uint8_t)backend;
	return xs_sa_new(&cfg);
}

static struct xs_sa *esp_case_sa(const struct esp_case *c, unsigned int backend,
				 uint64_t seq_start)
{
	struct xs_sa *sa = esp_case_sa_try(c, backend, seq_start);

	if (!sa)
		fail_msg("%s: xs_sa_new failed: %s", c->v->name, strerror(errno));
	assert_ptr_equal(sa->cipher.be, xs_backend_get(backend));
	return sa;
}

/* The outer IPv4 datagram carrying the vector's ESP packet. */
static struct xs_pkt *esp_case_wire(const struct esp_case *c)
{
	uint8_t pkt[20 + VEC_MAX];

	tu_ipv4_hdr(pkt, IPPROTO_ESP, outer_src, outer_dst, c->esp_len, 0x1234);
	memcpy(pkt + 20, c->esp, c->esp_len);
	return tu_pkt_new(pkt, 20 + c->esp_len);
}

/* A receiving SA that has seen everything up to the vector's number, so
 * the ESN high half is inferred as published (RFC 4303 Appendix A2.2). */
static struct xs_sa *esp_case_rx(const struct esp_case *c, unsigned int backend)
{
	struct xs_sa *sa = esp_case_sa(c, backend, 0);

	if (c->v->esn && c->v->seq > 1)
		xs_replay_commit(&sa->replay, c->v->seq - 1);
	return sa;
}

static void check_opened(const struct esp_case *c, const struct xs_pkt *p)
{
	const uint8_t *d = tu_pkt_data(p);

	if (c->tunnel) {
		/* The inner datagram, without padding or trailer. */
		assert_int_equal(p->len, c->body_len);
		assert_memory_equal(d, c->plain, c->body_len);
		return;
	}
	/* Transport: the outer header, now carrying the next header as its
	 * protocol and the shorter length (RFC 4303 §3.4.4.1 step 4). */
	assert_int_equal(p->len, 20 + c->body_len);
	assert_int_equal(d[0], 0x45);
	assert_int_equal(tu_be16(d + 2), 20 + c->body_len);
	assert_int_equal(d[9], c->nh);
	assert_true(tu_ipv4_csum_ok(d));
	assert_memory_equal(d + 12, outer_src, 4);
	assert_memory_equal(d + 16, outer_dst, 4);
	assert_memory_equal(d + 20, c->plain, c->body_len);
}

static void open_case(const struct esp_case *c, unsigned int backend)
{
	struct xs_sa *rx = esp_case_rx(c, backend);
	struct xs_pkt *p;
	int r;

	/* A flipped ICV bit is refused and must not consume the number. */
	p = esp_case_wire(c);
	tu_pkt_data(p)[p->len - 1] ^= 0x01;
	r = xs_esp_open(rx, p);
	if (r != XS_DROP_BAD_ICV)
		fail_msg("%s: forged ICV gave %s", c->v->name, xs_drop_name(r));
	assert_int_equal(rx->stats.drops[XS_DROP_BAD_ICV], 1);
	tu_pkt_free(p);

	p = esp_case_wire(c);
	r = xs_esp_open(rx, p);
	if (r != XS_DROP_NONE) {
		tu_hexdump("packet", tu_pkt_data(p), p->len);
		fail_msg("%s: open gave %s", c->v->name, xs_drop_name(r));
	}
	check_opened(c, p);
	assert_int_equal(rx->stats.packets, 1);
	assert_int_equal(rx->replay.top, c->v->seq);
	tu_pkt_free(p);

	/* The same packet again is a replay (RFC 4303 §3.4.3). */
	p = esp_case_wire(c);
	assert_int_equal(xs_esp_open(rx, p), XS_DROP_REPLAYED);
	tu_pkt_free(p);
	xs_sa_free(rx);
}

/* Fixed IV source: hands out the vector's IV for the vector's number. */
struct iv_fixed {
	const uint8_t *iv;
	unsigned int len;
	uint64_t seq;
	unsigned int calls;
	bool mismatch;
};

static void iv_fixed_fn(void *arg, uint64_t seq, uint8_t *iv, unsigned int len)
{
	struct iv_fixed *f = arg;

	f->calls++;
	if (len != f->len || seq != f->seq)
		f->mismatch = true;
	memcpy(iv, f->iv, len < f->len ? len : f->len);
}

static void seal_case(const struct esp_case *c, unsigned int backend)
{
	struct xs_sa *tx = esp_case_sa(c, backend, c->v->seq - 1);
	struct iv_fixed ivf = {
		.iv = c->iv, .len = (unsigned int)c->iv_len, .seq = c->v->seq,
	};
	uint8_t in[20 + VEC_MAX];
	size_t in_len;
	struct xs_pkt *p;
	const uint8_t *d;
	int r;

	xs_sa_set_iv_fn(tx, iv_fixed_fn, &ivf);
	if (c->tunnel) {
		memcpy(in, c->plain, c->body_len);
		in_len = c->body_len;
	} else {
		tu_ipv4_hdr(in, c->nh, outer_src, outer_dst, c->body_len, 0x4321);
		memcpy(in + 20, c->plain, c->body_len);
		in_len = 20 + c->body_len;
	}
	p = tu_pkt_new(in, in_len);
	r = xs_esp_seal(tx, p);
	if (r != XS_DROP_NONE)
		fail_msg("%s: seal gave %s", c->v->name, xs_drop_name(r));
	assert_int_equal(ivf.calls, 1);
	assert_false(ivf.mismatch);
	assert_int_equal(tx->tx_seq, c->v->seq);

	d = tu_pkt_data(p);
	assert_int_equal(p->len, 20 + c->esp_len);
	assert_int_equal(d[0], 0x45);
	assert_int_equal(tu_be16(d + 2), 20 + c->esp_len);
	assert_int_equal(d[9], IPPROTO_ESP);
	assert_true(tu_ipv4_csum_ok(d));
	assert_memory_equal(d + 12, outer_src, 4);
	assert_memory_equal(d + 16, outer_dst, 4);
	if (!c->tunnel)
		assert_int_equal(tu_be16(d + 4), 0x4321); /* header kept */
	if (memcmp(d + 20, c->esp, c->esp_len)) {
		tu_hexdump("expected", c->esp, c->esp_len);
		tu_hexdump("sealed", d + 20, p->len - 20);
		fail_msg("%s: sealed packet differs from the vector", c->v->name);
	}
	tu_pkt_free(p);
	xs_sa_free(tx);
}

/* The vector through the backend alone: RFC 4106 §4-5 / RFC 7634 §2
 * nonce and AAD for AEAD, RFC 3602 CBC plus RFC 4868 HMAC otherwise. */
static void backend_case(const struct esp_case *c, unsigned int backend)
{
	const struct xs_suite_info *si = xs_suite_info(c->v->suite);
	const size_t ct_off = XS_ESP_HDR_LEN + c->iv_len;
	const uint8_t *icv = c->esp + c->esp_len - XS_ICV_LEN;
	uint8_t buf[VEC_MAX], tag[XS_ICV_LEN];
	struct xs_cipher x;

	memcpy(buf, c->esp + ct_off, c->plain_len);
	if (si->aead) {
		uint8_t nonce[12], aad[12];
		size_t aad_len = 0;

		memcpy(nonce, c->key + c->key_len - XS_SALT_LEN, XS_SALT_LEN);
		memcpy(nonce + XS_SALT_LEN, c->iv, 8);
		tu_put_be32(aad, c->v->spi);
		aad_len = 4;
		if (c->v->esn) {
			tu_put_be32(aad + aad_len, (uint32_t)(c->v->seq >> 32));
			aad_len += 4;
		}
		tu_put_be32(aad + aad_len, (uint32_t)c->v->seq);
		aad_len += 4;

		cipher_setup(&x, backend, c->v->suite, c->key, c->key_len, NULL, 0);
		assert_int_equal(x.be->aead_open(&x, nonce, aad, aad_len, buf,
						 c->plain_len, icv), 0);
		assert_memory_equal(buf, c->plain, c->plain_len);
		assert_int_equal(x.be->aead_seal(&x, nonce, aad, aad_len, buf,
						 c->plain_len, tag), 0);
		assert_memory_equal(buf, c->esp + ct_off, c->plain_len);
		assert_memory_equal(tag, icv, XS_ICV_LEN);
		/* One AAD bit off: the tag must not verify. */
		aad[aad_len - 1] ^= 0x80;
		assert_int_equal(x.be->aead_open(&x, nonce, aad, aad_len, buf,
						 c->plain_len, icv), -EBADMSG);
	} else {
		uint8_t mac[32];

		cipher_setup(&x, backend, c->v->suite, c->key, c->key_len,
			     cbc_auth_key, sizeof(cbc_auth_key));
		assert_int_equal(x.be->cbc_decrypt(&x, c->iv, buf, c->plain_len), 0);
		assert_memory_equal(buf, c->plain, c->plain_len);
		assert_int_equal(x.be->cbc_encrypt(&x, c->iv, buf, c->plain_len), 0);
		assert_memory_equal(buf, c->esp + ct_off, c->plain_len);
		assert_int_equal(x.be->hmac(&x, c->esp, c->esp_len - XS_ICV_LEN, mac), 0);
		assert_memory_equal(mac, icv, XS_ICV_LEN);
	}
	x.be->teardown(&x);
}

static void run_esp_vectors(void **state, const struct vec_esp *v, size_t n)
{
	unsigned int backend = test_backend(state);
	struct esp_case c;
	size_t engine_runs = 0;

	for (size_t i = 0; i < n; i++) {
		esp_case_load(&c, &v[i]);
		backend_case(&c, backend);
		if (v[i].spi < 256) {
			/* RFC 4303 §2.1: SPIs 1-255 are reserved and 0 is for
			 * local use only; the engine refuses such an SA, so
			 * the vector is checked at the backend only. */
			errno = 0;
			assert_null(esp_case_sa_try(&c, backend, 0));
			assert_int_equal(errno, EINVAL);
			continue;
		}
		open_case(&c, backend);
		seal_case(&c, backend);
		engine_runs++;
	}
	assert_true(engine_runs > 0);
}

static void test_gcm_draft(void **state)
{
	size_t esn = 0;

	for (size_t i = 0; i < ARRAY_SIZE(vec_gcm); i++)
		esn += vec_gcm[i].esn;
	/* Both AAD forms must be covered (RFC 4106 §5). */
	assert_true(esn > 0 && esn < ARRAY_SIZE(vec_gcm));
	run_esp_vectors(state, vec_gcm, ARRAY_SIZE(vec_gcm));
}

static void test_chacha_rfc7634(void **state)
{
	run_esp_vectors(state, &vec_chacha, 1);
}

static void test_cbc_rfc3602_esp(void **state)
{
	run_esp_vectors(state, vec_cbc_esp, ARRAY_SIZE(vec_cbc_esp));
}

static void test_cbc_rfc3602_raw(void **state)
{
	unsigned int backend = test_backend(state);

	for (size_t i = 0; i < ARRAY_SIZE(vec_cbc_raw); i++) {
		const struct vec_cbc *v = &vec_cbc_raw[i];
		uint8_t key[16], iv[16], plain[64], cipher[64], buf[64];
		size_t n;
		struct xs_cipher c;

		assert_int_equal(tu_unhex_must(v->key, key, sizeof(key)), 16);
		assert_int_equal(tu_unhex_must(v->iv, iv, sizeof(iv)), 16);
		n = tu_unhex_must(v->plain, plain, sizeof(plain));
		assert_int_equal(tu_unhex_must(v->cipher, cipher, sizeof(cipher)), n);
		assert_int_equal(n % 16, 0);

		cipher_setup(&c, backend, XS_SUITE_AES128CBC_SHA256, key, 16,
			     cbc_auth_key, sizeof(cbc_auth_key));
		memcpy(buf, plain, n);
		assert_int_equal(c.be->cbc_encrypt(&c, iv, buf, n), 0);
		if (memcmp(buf, cipher, n))
			fail_msg("%s: encrypt mismatch", v->name);
		assert_int_equal(c.be->cbc_decrypt(&c, iv, buf, n), 0);
		if (memcmp(buf, plain, n))
			fail_msg("%s: decrypt mismatch", v->name);
		/* The IV must not be consumed as state: a second run matches. */
		assert_int_equal(c.be->cbc_encrypt(&c, iv, buf, n), 0);
		assert_memory_equal(buf, cipher, n);
		c.be->teardown(&c);
		assert_null(c.priv);
	}
}

static void test_hmac_rfc4868(void **state)
{
	unsigned int backend = test_backend(state);
	/* Both suites that carry an HMAC key take the same path. */
	static const unsigned int suites[] = {
		XS_SUITE_SHA256, XS_SUITE_AES128CBC_SHA256,
	};
	static const uint8_t aes_key[16];

	for (size_t s = 0; s < ARRAY_SIZE(suites); s++) {
		for (size_t i = 0; i < ARRAY_SIZE(vec_hmac_sha256); i++) {
			const struct vec_hmac *v = &vec_hmac_sha256[i];
			uint8_t key[32], data[64], mac[32], out[32];
			size_t n;
			struct xs_cipher c;
			bool cbc = suites[s] == XS_SUITE_AES128CBC_SHA256;

			assert_int_equal(tu_unhex_must(v->key, key, sizeof(key)), 32);
			n = tu_unhex_must(v->data, data, sizeof(data));
			assert_int_equal(tu_unhex_must(v->mac, mac, sizeof(mac)), 32);

			cipher_setup(&c, backend, suites[s], cbc ? aes_key : NULL,
				     cbc ? sizeof(aes_key) : 0, key, sizeof(key));
			memset(out, 0, sizeof(out));
			assert_int_equal(c.be->hmac(&c, data, n, out), 0);
			if (memcmp(out, mac, 32)) {
				tu_hexdump("expected", mac, 32);
				tu_hexdump("got", out, 32);
				fail_msg("%s (suite %zu): HMAC mismatch", v->name, s);
			}
			/* Twice: the key state must survive a computation. */
			memset(out, 0, sizeof(out));
			assert_int_equal(c.be->hmac(&c, data, n, out), 0);
			/* HMAC-SHA-256-128 is the leftmost 128 bits
			 * (RFC 4868 §2.1.1, §2.7.2.1). */
			assert_memory_equal(out, mac, XS_ICV_LEN);
			assert_memory_equal(out, mac, 32);
			c.be->teardown(&c);
		}
	}
}

/* Draft case 1 with a tunnel-mode SA: authentic, but next header 1 is
 * no IP-in-IP payload, so RFC 4303 §3.4.4.1 has nothing to forward. */
static void test_gcm_tunnel_next_header(void **state)
{
	unsigned int backend = test_backend(state);
	struct esp_case c;
	struct xs_sa *rx;
	struct xs_pkt *p;

	esp_case_load(&c, &vec_gcm[0]);
	assert_false(c.tunnel);
	c.tunnel = true;
	rx = esp_case_rx(&c, backend);
	p = esp_case_wire(&c);
	assert_int_equal(xs_esp_open(rx, p), XS_DROP_BAD_NEXT_HEADER);
	assert_int_equal(rx->stats.drops[XS_DROP_BAD_NEXT_HEADER], 1);
	assert_int_equal(rx->stats.packets, 0);
	tu_pkt_free(p);
	xs_sa_free(rx);
}

/* Each test once per backend, named for it. */
#define PER_BACKEND(fn)                                                       \
	{ #fn "/openssl", fn, NULL, NULL, &backend_openssl },                  \
	{ #fn "/ipsecmb", fn, NULL, NULL, &backend_ipsecmb }

int main(void)
{
	const struct CMUnitTest tests[] = {
		PER_BACKEND(test_gcm_draft),
		PER_BACKEND(test_chacha_rfc7634),
		PER_BACKEND(test_cbc_rfc3602_esp),
		PER_BACKEND(test_cbc_rfc3602_raw),
		PER_BACKEND(test_hmac_rfc4868),
		PER_BACKEND(test_gcm_tunnel_next_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
