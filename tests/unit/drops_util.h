// SPDX-License-Identifier: GPL-2.0-only
/*
 * Shared by the drop-reason tests (test_drops.c, test_drops_seal.c): test
 * keys, packet buffers and header builders, per-SA counter watches, SA
 * pairs, outer-header surgery and an OpenSSL-based ESP forger that
 * re-encrypts and re-authenticates edited plaintext independently of the
 * engine's own crypto code. Each test program includes it once.
 */
#ifndef DROPS_UTIL_H
#define DROPS_UTIL_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "engine.h"

#define BUF_CAP (XS_HEADROOM + XS_PKT_MAX + XS_TAILROOM + 64u)
#define ESP_SPI 0x1000u
#define AH_SPI 0x2000u

static const uint8_t enc_key[XS_ENC_KEY_MAX] = {
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b,
	0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
	0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0xca, 0xfe, 0xba, 0xbe,
};

static const uint8_t auth_key[32] = {
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab,
	0xac, 0xad, 0xae, 0xaf, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
	0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
};

/* ---- packet buffers ---------------------------------------------------- */

struct tpkt {
	uint8_t buf[BUF_CAP];
	struct xs_pkt p;
};

static inline void tpkt_init(struct tpkt *t)
{
	memset(t->buf, 0, sizeof(t->buf));
	t->p.buf = t->buf;
	t->p.cap = BUF_CAP;
	t->p.off = XS_HEADROOM;
	t->p.len = 0;
}

static inline uint8_t *tpkt_data(struct tpkt *t)
{
	return t->buf + t->p.off;
}

static inline void tpkt_copy(struct tpkt *dst, const struct tpkt *src)
{
	memcpy(dst->buf, src->buf, sizeof(dst->buf));
	dst->p = src->p;
	dst->p.buf = dst->buf;
}

static inline void put16(uint8_t *b, uint16_t v)
{
	b[0] = v >> 8;
	b[1] = v & 0xff;
}

static inline void put32(uint8_t *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b + 2, v & 0xffff);
}

static inline uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint16_t ip4_csum(const uint8_t *h, unsigned int len)
{
	uint32_t sum = 0;

	for (unsigned int i = 0; i + 1 < len; i += 2)
		sum += get16(h + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static inline void ip4_fix_csum(uint8_t *h)
{
	unsigned int ihl = (h[0] & 0x0f) * 4u;

	put16(h + 10, 0);
	put16(h + 10, ip4_csum(h, ihl));
}

/* IPv4 header (no options) + l4 bytes. frag is the flags/offset field. */
static inline void build_ip4(struct tpkt *t, uint8_t proto, const char *src,
			     const char *dst, uint16_t frag, const uint8_t *l4,
			     uint32_t l4_len)
{
	uint8_t *h;

	tpkt_init(t);
	h = tpkt_data(t);
	h[0] = 0x45;
	put16(h + 2, (uint16_t)(20 + l4_len));
	put16(h + 4, 0x1234);
	put16(h + 6, frag);
	h[8] = 64;
	h[9] = proto;
	assert_int_equal(inet_pton(AF_INET, src, h + 12), 1);
	assert_int_equal(inet_pton(AF_INET, dst, h + 16), 1);
	ip4_fix_csum(h);
	memcpy(h + 20, l4, l4_len);
	t->p.len = 20 + l4_len;
}

static inline void build_ip6(struct tpkt *t, uint8_t nh, const char *src,
			     const char *dst, const uint8_t *l4, uint32_t l4_len)
{
	uint8_t *h;

	tpkt_init(t);
	h = tpkt_data(t);
	h[0] = 0x60;
	put16(h + 4, (uint16_t)l4_len);
	h[6] = nh;
	h[7] = 64;
	assert_int_equal(inet_pton(AF_INET6, src, h + 8), 1);
	assert_int_equal(inet_pton(AF_INET6, dst, h + 24), 1);
	memcpy(h + 40, l4, l4_len);
	t->p.len = 40 + l4_len;
}

/* UDP header + payload into out; returns its length. */
static inline uint32_t build_udp(uint8_t *out, uint16_t sport, uint16_t dport,
				 const uint8_t *data, uint32_t len)
{
	put16(out, sport);
	put16(out + 2, dport);
	put16(out + 4, (uint16_t)(8 + len));
	put16(out + 6, 0);
	memcpy(out + 8, data, len);
	return 8 + len;
}

/* An inner IPv4/UDP datagram with plen bytes of payload. */
static inline void build_inner4(struct tpkt *t, const char *src, const char *dst,
				uint32_t plen)
{
	static uint8_t data[XS_PKT_MAX], l4[XS_PKT_MAX];
	uint32_t l4_len;

	assert_true(plen + 8 <= sizeof(data));
	for (uint32_t i = 0; i < plen; i++)
		data[i] = (uint8_t)(i * 7 + 3);
	l4_len = build_udp(l4, 1234, 5678, data, plen);
	build_ip4(t, IPPROTO_UDP, src, dst, 0, l4, l4_len);
}

static inline void build_inner6(struct tpkt *t, const char *src, const char *dst,
				uint32_t plen)
{
	static uint8_t data[XS_PKT_MAX], l4[XS_PKT_MAX];
	uint32_t l4_len;

	assert_true(plen + 8 <= sizeof(data));
	for (uint32_t i = 0; i < plen; i++)
		data[i] = (uint8_t)(i * 5 + 1);
	l4_len = build_udp(l4, 1234, 5678, data, plen);
	build_ip6(t, IPPROTO_UDP, src, dst, l4, l4_len);
}

/* ---- counters ---------------------------------------------------------- */

#define WATCH_MAX 6

struct watch {
	const struct xs_sadb *db;
	const struct xs_sa *sa[WATCH_MAX];
	unsigned int n;
	uint64_t db_drops[XS_DROP_MAX];
	struct xs_sa_stats st[WATCH_MAX];
};

static inline void watch_add(struct watch *w, const struct xs_sa *sa)
{
	assert_true(w->n < WATCH_MAX);
	if (sa)
		w->sa[w->n++] = sa;
}

static inline void watch_arm(struct watch *w)
{
	if (w->db)
		memcpy(w->db_drops, w->db->drops, sizeof(w->db_drops));
	for (unsigned int i = 0; i < w->n; i++)
		w->st[i] = w->sa[i]->stats;
}

static inline int counter_ok(const char *who, unsigned int r, uint64_t before,
			     uint64_t after, uint64_t want)
{
	if (after - before == want)
		return 1;
	print_error("counter %s.drops[%s]: rose by %lld, expected %llu\n", who,
		    xs_drop_name(r), (long long)(after - before),
		    (unsigned long long)want);
	return 0;
}

/*
 * Exactly drops[reason] of who (NULL: the database) rose by one; nothing
 * else moved, and no SA counted a good packet.
 */
static inline void watch_expect(const struct watch *w, const struct xs_sa *who,
				unsigned int reason)
{
	int ok = 1;
	char name[32];

	if (w->db) {
		for (unsigned int r = 0; r < XS_DROP_MAX; r++)
			ok &= counter_ok("db", r, w->db_drops[r], w->db->drops[r],
					 !who && r == reason);
	} else {
		assert_non_null(who);
	}
	for (unsigned int i = 0; i < w->n; i++) {
		const struct xs_sa *sa = w->sa[i];

		snprintf(name, sizeof(name), "sa[%u](spi %#x)", i, sa->cfg.spi);
		for (unsigned int r = 0; r < XS_DROP_MAX; r++)
			ok &= counter_ok(name, r, w->st[i].drops[r],
					 sa->stats.drops[r], who == sa && r == reason);
		if (sa->stats.packets != w->st[i].packets) {
			print_error("%s counted a good packet\n", name);
			ok = 0;
		}
	}
	if (!ok)
		fail_msg("counters wrong for drop %s", xs_drop_name(reason));
}

/* Runs call, expecting drop reason counted in who (NULL: db). */
#define EXPECT_DROP(w, who, reason, call)                                      \
	do {                                                                   \
		int rc_;                                                       \
		watch_arm(w);                                                  \
		rc_ = (call);                                                  \
		assert_string_equal(xs_drop_name((unsigned int)rc_),           \
				    xs_drop_name(reason));                     \
		watch_expect(w, who, reason);                                  \
	} while (0)

#define EXPECT_OK(call) assert_string_equal(xs_drop_name((unsigned int)(call)), "none")

/* ---- SAs ----------------------------------------------------------------- */

/* The backend every SA of a test uses; the ICV and decryption failures
 * are reported by the backend, so those tests run on each. */
static unsigned int test_backend = XS_BACKEND_OPENSSL;

static inline void cfg_make(struct xs_sa_config *cfg, uint32_t spi, uint8_t proto,
			    uint8_t mode, uint8_t family, uint8_t suite)
{
	const struct xs_suite_info *si = xs_suite_info(suite);

	assert_non_null(si);
	xs_sa_config_init(cfg);
	cfg->spi = spi;
	cfg->proto = proto;
	cfg->mode = mode;
	cfg->family = family;
	cfg->suite = suite;
	if (family == AF_INET) {
		inet_pton(AF_INET, "192.0.2.1", &cfg->src.v4);
		inet_pton(AF_INET, "192.0.2.2", &cfg->dst.v4);
	} else {
		inet_pton(AF_INET6, "2001:db8::1", &cfg->src.v6);
		inet_pton(AF_INET6, "2001:db8::2", &cfg->dst.v6);
	}
	memcpy(cfg->enc_key, enc_key, si->enc_key_len);
	cfg->enc_key_len = si->enc_key_len;
	memcpy(cfg->auth_key, auth_key, si->auth_key_len);
	cfg->auth_key_len = si->auth_key_len;
	cfg->backend = (uint8_t)test_backend;
}

/* A sender, a receiver in a database, and the config both came from. */
struct pair {
	struct xs_sa_config cfg;
	struct xs_sa *tx;
	struct xs_sa *rx;
	struct xs_sadb *db;
	struct watch w;
};

static inline void pair_cfg(struct pair *pr, uint32_t spi, uint8_t proto, uint8_t mode,
			    uint8_t family, uint8_t suite)
{
	memset(pr, 0, sizeof(*pr));
	cfg_make(&pr->cfg, spi, proto, mode, family, suite);
}

static inline void pair_start(struct pair *pr)
{
	pr->tx = xs_sa_new(&pr->cfg);
	assert_non_null(pr->tx);
	pr->rx = xs_sa_new(&pr->cfg);
	assert_non_null(pr->rx);
	pr->db = xs_sadb_new(16);
	assert_non_null(pr->db);
	assert_int_equal(xs_sadb_add(pr->db, pr->rx), 0);
	pr->w.db = pr->db;
	watch_add(&pr->w, pr->tx);
	watch_add(&pr->w, pr->rx);
}

static inline void pair_new(struct pair *pr, uint32_t spi, uint8_t proto, uint8_t mode,
			    uint8_t family, uint8_t suite)
{
	pair_cfg(pr, spi, proto, mode, family, suite);
	pair_start(pr);
}

static inline void pair_free(struct pair *pr)
{
	xs_sadb_free(pr->db);
	xs_sa_free(pr->tx);
	xs_sa_free(pr->rx);
}

/* The inner packet an SA of this mode/family would carry. */
static inline void build_for(const struct xs_sa_config *cfg, struct tpkt *t,
			     uint32_t plen)
{
	if (cfg->mode == XS_MODE_TUNNEL)
		build_inner4(t, "10.0.0.1", "10.0.0.2", plen);
	else if (cfg->family == AF_INET)
		build_inner4(t, "192.0.2.1", "192.0.2.2", plen);
	else
		build_inner6(t, "2001:db8::1", "2001:db8::2", plen);
}

static inline void seal_ok(struct pair *pr, struct tpkt *t, uint32_t plen)
{
	build_for(&pr->cfg, t, plen);
	EXPECT_OK(xs_seal(pr->tx, &t->p));
	assert_true(t->p.off + t->p.len <= t->p.cap);
}

/* ---- outer-header surgery and forging ------------------------------------ */

/* Offset from the packet start to the ESP/AH header (IPv4/IPv6, opt. UDP). */
static inline uint32_t ipsec_offset(struct tpkt *t)
{
	const uint8_t *h = tpkt_data(t);
	uint32_t off;
	uint8_t proto;

	if ((h[0] >> 4) == 4) {
		off = (h[0] & 0x0f) * 4u;
		proto = h[9];
	} else {
		off = 40;
		proto = h[6];
	}
	if (proto == IPPROTO_UDP)
		off += 8;
	return off;
}

/* Sets the packet length and every length field of the outer headers. */
static inline void set_len(struct tpkt *t, uint32_t len)
{
	uint8_t *h = tpkt_data(t);
	uint32_t ip_len;
	uint8_t proto;

	t->p.len = len;
	if ((h[0] >> 4) == 4) {
		ip_len = (h[0] & 0x0f) * 4u;
		put16(h + 2, (uint16_t)len);
		ip4_fix_csum(h);
		proto = h[9];
	} else {
		ip_len = 40;
		put16(h + 4, (uint16_t)(len - 40));
		proto = h[6];
	}
	if (proto == IPPROTO_UDP) {
		put16(h + ip_len + 4, (uint16_t)(len - ip_len));
		put16(h + ip_len + 6, 0);
	}
}

static inline void hmac128(const uint8_t *data, size_t len, uint8_t *icv)
{
	uint8_t md[32];
	unsigned int md_len = sizeof(md);

	assert_non_null(HMAC(EVP_sha256(), auth_key, sizeof(auth_key), data, len,
			     md, &md_len));
	memcpy(icv, md, XS_ICV_LEN);
}

static inline const EVP_CIPHER *esp_evp(unsigned int suite)
{
	switch (suite) {
	case XS_SUITE_AES128GCM16:
		return EVP_aes_128_gcm();
	case XS_SUITE_AES128CBC_SHA256:
		return EVP_aes_128_cbc();
	default:
		return NULL;
	}
}

/*
 * A sealed ESP packet taken apart: plaintext payload || padding || pad
 * length || next header, as the receiver would see it after decryption.
 * Only for the suites the forger knows (AES-128-GCM, AES-128-CBC, NULL)
 * and without ESN.
 */
struct forge {
	const struct xs_sa_config *cfg;
	struct tpkt *t;
	uint32_t esp;     /* offset of the ESP header in the packet */
	uint32_t iv_len;
	uint8_t pt[2048];
	uint32_t pt_len;
};

static inline void forge_open(struct forge *f, const struct xs_sa_config *cfg,
			      struct tpkt *t)
{
	const struct xs_suite_info *si = xs_suite_info(cfg->suite);
	uint8_t *esp, *ct, icv[XS_ICV_LEN];
	EVP_CIPHER_CTX *ctx;
	int n = 0, n2 = 0;

	assert_false(cfg->esn);
	memset(f, 0, sizeof(*f));
	f->cfg = cfg;
	f->t = t;
	f->esp = ipsec_offset(t);
	f->iv_len = si->iv_len;
	esp = tpkt_data(t) + f->esp;
	ct = esp + XS_ESP_HDR_LEN + f->iv_len;
	f->pt_len = t->p.len - f->esp - XS_ESP_HDR_LEN - f->iv_len - XS_ICV_LEN;
	assert_true(f->pt_len <= sizeof(f->pt));

	if (cfg->suite == XS_SUITE_NULL_SHA256) {
		hmac128(esp, XS_ESP_HDR_LEN + f->pt_len, icv);
		assert_memory_equal(icv, ct + f->pt_len, XS_ICV_LEN);
		memcpy(f->pt, ct, f->pt_len);
		return;
	}
	ctx = EVP_CIPHER_CTX_new();
	assert_non_null(ctx);
	if (cfg->suite == XS_SUITE_AES128GCM16) {
		uint8_t nonce[12];

		memcpy(nonce, cfg->enc_key + 16, 4);
		memcpy(nonce + 4, esp + XS_ESP_HDR_LEN, 8);
		assert_int_equal(EVP_DecryptInit_ex(ctx, esp_evp(cfg->suite), NULL,
						    cfg->enc_key, nonce), 1);
		assert_int_equal(EVP_DecryptUpdate(ctx, NULL, &n, esp,
						   XS_ESP_HDR_LEN), 1);
		assert_int_equal(EVP_DecryptUpdate(ctx, f->pt, &n, ct,
						   (int)f->pt_len), 1);
		memcpy(icv, ct + f->pt_len, XS_ICV_LEN);
		assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG,
						     XS_ICV_LEN, icv), 1);
		assert_int_equal(EVP_DecryptFinal_ex(ctx, f->pt + n, &n2), 1);
	} else {
		assert_int_equal(cfg->suite, XS_SUITE_AES128CBC_SHA256);
		hmac128(esp, XS_ESP_HDR_LEN + f->iv_len + f->pt_len, icv);
		assert_memory_equal(icv, ct + f->pt_len, XS_ICV_LEN);
		assert_int_equal(EVP_DecryptInit_ex(ctx, esp_evp(cfg->suite), NULL,
						    cfg->enc_key,
						    esp + XS_ESP_HDR_LEN), 1);
		EVP_CIPHER_CTX_set_padding(ctx, 0);
		assert_int_equal(EVP_DecryptUpdate(ctx, f->pt, &n, ct,
						   (int)f->pt_len), 1);
		assert_int_equal(EVP_DecryptFinal_ex(ctx, f->pt + n, &n2), 1);
	}
	assert_int_equal((uint32_t)(n + n2), f->pt_len);
	EVP_CIPHER_CTX_free(ctx);
}

/* Encrypts f->pt back into the packet, with a valid ICV and lengths. */
static inline void forge_seal(struct forge *f)
{
	const struct xs_sa_config *cfg = f->cfg;
	uint8_t *esp = tpkt_data(f->t) + f->esp;
	uint8_t *ct = esp + XS_ESP_HDR_LEN + f->iv_len;
	EVP_CIPHER_CTX *ctx;
	int n = 0, n2 = 0;

	assert_true(f->t->p.off + f->esp + XS_ESP_HDR_LEN + f->iv_len +
		    f->pt_len + XS_ICV_LEN <= f->t->p.cap);
	set_len(f->t, f->esp + XS_ESP_HDR_LEN + f->iv_len + f->pt_len +
		XS_ICV_LEN);
	if (cfg->suite == XS_SUITE_NULL_SHA256) {
		memcpy(ct, f->pt, f->pt_len);
		hmac128(esp, XS_ESP_HDR_LEN + f->pt_len, ct + f->pt_len);
		return;
	}
	ctx = EVP_CIPHER_CTX_new();
	assert_non_null(ctx);
	if (cfg->suite == XS_SUITE_AES128GCM16) {
		uint8_t nonce[12];

		memcpy(nonce, cfg->enc_key + 16, 4);
		memcpy(nonce + 4, esp + XS_ESP_HDR_LEN, 8);
		assert_int_equal(EVP_EncryptInit_ex(ctx, esp_evp(cfg->suite), NULL,
						    cfg->enc_key, nonce), 1);
		assert_int_equal(EVP_EncryptUpdate(ctx, NULL, &n, esp,
						   XS_ESP_HDR_LEN), 1);
		assert_int_equal(EVP_EncryptUpdate(ctx, ct, &n, f->pt,
						   (int)f->pt_len), 1);
		assert_int_equal(EVP_EncryptFinal_ex(ctx, ct + n, &n2), 1);
		assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG,
						     XS_ICV_LEN, ct + f->pt_len), 1);
	} else {
		assert_int_equal(f->pt_len % 16, 0);
		assert_int_equal(EVP_EncryptInit_ex(ctx, esp_evp(cfg->suite), NULL,
						    cfg->enc_key,
						    esp + XS_ESP_HDR_LEN), 1);
		EVP_CIPHER_CTX_set_padding(ctx, 0);
		assert_int_equal(EVP_EncryptUpdate(ctx, ct, &n, f->pt,
						   (int)f->pt_len), 1);
		assert_int_equal(EVP_EncryptFinal_ex(ctx, ct + n, &n2), 1);
		hmac128(esp, XS_ESP_HDR_LEN + f->iv_len + f->pt_len,
			ct + f->pt_len);
	}
	assert_int_equal((uint32_t)(n + n2), f->pt_len);
	EVP_CIPHER_CTX_free(ctx);
}

/* Pad length and next header, the last two plaintext bytes. */
static inline uint8_t *forge_trailer(struct forge *f)
{
	assert_true(f->pt_len >= 2);
	return f->pt + f->pt_len - 2;
}

/* Cuts a sealed packet to len bytes, keeping its IP length fields honest. */
static inline void truncate_to(struct tpkt *t, uint32_t len)
{
	uint32_t ip = (tpkt_data(t)[0] >> 4) == 4 ? 20 : 40;

	assert_true(len <= t->p.len);
	if (len >= ip)
		set_len(t, len);
	else
		t->p.len = len;
}

#endif /* DROPS_UTIL_H */
