// SPDX-License-Identifier: GPL-2.0-only
/*
 * IKEv2 message and payload codec (ike/msg.c, ike/payload*.c):
 *   - an IKE_SA_INIT request written out octet by octet from RFC 7296
 *     §1.2 and §3, decoded field by field, and rebuilt identically by the
 *     encoder;
 *   - round trips of every payload type, and of SK with inner payloads;
 *   - a numbered table of malformed messages, each with its error and the
 *     notify to answer with (RFC 7296 §2.5, §3.1-§3.15);
 *   - the encoder's bounds, sticky errors and SK padding.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "msg.h"
#include "testutil.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const uint64_t SPI_I = 0x1122334455667788ull;
static const uint64_t SPI_R = 0x99aabbccddeeff00ull;

static struct ike_hdr req_hdr(uint8_t exch)
{
	struct ike_hdr h = {
		.spi_i = SPI_I, .spi_r = exch == IKE_EXCH_IKE_SA_INIT ? 0 : SPI_R,
		.major = 2, .minor = 0, .exch = exch,
		.flags = IKE_FLAG_INITIATOR, .msgid = exch == IKE_EXCH_IKE_SA_INIT ? 0 : 1,
	};
	return h;
}

/*
 * An IKE_SA_INIT request, HDR, SAi1, KEi, Ni, N(NAT_DETECTION_SOURCE_IP),
 * N(NAT_DETECTION_DESTINATION_IP), N(SIGNATURE_HASH_ALGORITHMS), V
 * (RFC 7296 §1.2, §2.23; RFC 7427 §4), field by field.
 */
static const char sa_init_hex[] =
	/* §3.1 header */
	"1122334455667788"              /* IKE SA Initiator's SPI */
	"0000000000000000"              /* IKE SA Responder's SPI: 0 */
	"21"                            /* Next Payload: SA (33) */
	"20"                            /* MjVer 2, MnVer 0 */
	"22"                            /* Exchange Type: IKE_SA_INIT (34) */
	"08"                            /* Flags: Initiator */
	"00000000"                      /* Message ID 0 */
	"00000116"                      /* Length 278 */
	/* §3.3 SA payload, 84 octets */
	"22" "00" "0054"                /* next KE, length 84 */
	/* §3.3.1 proposal 1 (36 octets): IKE, no SPI, 3 transforms */
	"02" "00" "0024" "01" "01" "00" "03"
	/* §3.3.2 ENCR AES_GCM_16 (20), §3.3.5 Key Length 256 (TV) */
	"03" "00" "000c" "01" "00" "0014" "800e" "0100"
	/* PRF_HMAC_SHA2_256 (5) */
	"03" "00" "0008" "02" "00" "0005"
	/* D-H 31 (Curve25519), last transform */
	"00" "00" "0008" "04" "00" "001f"
	/* proposal 2 (44 octets), last: IKE, no SPI, 4 transforms */
	"00" "00" "002c" "02" "01" "00" "04"
	"03" "00" "000c" "01" "00" "000c" "800e" "0080" /* AES_CBC 128 */
	"03" "00" "0008" "02" "00" "0005"               /* PRF SHA2-256 */
	"03" "00" "0008" "03" "00" "000c"               /* AUTH SHA2-256-128 */
	"00" "00" "0008" "04" "00" "000e"               /* MODP-2048 */
	/* §3.4 KE: next Nonce, 40 octets, group 31, RFC 7748 §6.1 Alice */
	"28" "00" "0028" "001f" "0000"
	"8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
	/* §3.9 Nonce: next N, 36 octets */
	"29" "00" "0024"
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	/* §3.10 N(NAT_DETECTION_SOURCE_IP = 16388): proto 0, no SPI */
	"29" "00" "001c" "00" "00" "4004"
	"a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4"
	/* N(NAT_DETECTION_DESTINATION_IP = 16389) */
	"29" "00" "001c" "00" "00" "4005"
	"c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4"
	/* N(SIGNATURE_HASH_ALGORITHMS = 16431): SHA2-256, -384, -512 */
	"2b" "00" "000e" "00" "00" "402f" "0002" "0003" "0004"
	/* §3.12 V: last payload, 20 octets */
	"00" "00" "0014" "882fe56d6fd20dbc2251613b2ebe5beb";

static const uint8_t alice_pub[32] = {
	0x85, 0x20, 0xf0, 0x09, 0x89, 0x30, 0xa7, 0x54, 0x74, 0x8b, 0x7d,
	0xdc, 0xb4, 0x3e, 0xf7, 0x5a, 0x0d, 0xbf, 0x3a, 0x0d, 0x26, 0x38,
	0x1a, 0xf4, 0xeb, 0xa4, 0xa9, 0x8e, 0xaa, 0x9b, 0x4e, 0x6a,
};

static void fill_seq(uint8_t *p, size_t n, uint8_t first)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(first + i);
}

static void sa_init_offer(struct ike_sa_pld *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->nprops = 2;
	sa->prop[0] = (struct ike_prop){ .num = 1, .proto = IKE_PROTO_IKE,
		.nxforms = 3, .xf = {
			{ IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 256, false },
			{ IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_256, 0, false },
			{ IKE_XFORM_DH, IKE_DH_CURVE25519, 0, false } } };
	sa->prop[1] = (struct ike_prop){ .num = 2, .proto = IKE_PROTO_IKE,
		.nxforms = 4, .xf = {
			{ IKE_XFORM_ENCR, IKE_ENCR_AES_CBC, 128, false },
			{ IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_256, 0, false },
			{ IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0, false },
			{ IKE_XFORM_DH, IKE_DH_MODP2048, 0, false } } };
}

/* Field by field: the structs have padding. */
static void assert_sa_equal(const struct ike_sa_pld *a, const struct ike_sa_pld *b)
{
	assert_int_equal(a->nprops, b->nprops);
	for (unsigned int i = 0; i < a->nprops; i++) {
		const struct ike_prop *x = &a->prop[i], *y = &b->prop[i];

		assert_int_equal(x->num, y->num);
		assert_int_equal(x->proto, y->proto);
		assert_int_equal(x->spi_len, y->spi_len);
		assert_memory_equal(x->spi, y->spi, x->spi_len);
		assert_int_equal(x->nxforms, y->nxforms);
		for (unsigned int j = 0; j < x->nxforms; j++) {
			assert_int_equal(x->xf[j].type, y->xf[j].type);
			assert_int_equal(x->xf[j].id, y->xf[j].id);
			assert_int_equal(x->xf[j].keylen, y->xf[j].keylen);
			assert_int_equal(x->xf[j].unknown_attr, y->xf[j].unknown_attr);
		}
	}
}

static void test_rfc_sa_init_decode(void **state)
{
	uint8_t buf[512], nonce[32], natd_s[20], natd_d[20];
	static const uint8_t sha[6] = { 0, 2, 0, 3, 0, 4 };
	struct ike_msg m;
	struct ike_sa_pld sa, want;
	const struct ike_pld *p;
	size_t n = tu_unhex_must(sa_init_hex, buf, sizeof(buf));

	(void)state;
	fill_seq(nonce, sizeof(nonce), 0);
	fill_seq(natd_s, sizeof(natd_s), 0xa1);
	fill_seq(natd_d, sizeof(natd_d), 0xc1);
	assert_int_equal(n, 278);
	assert_int_equal(ike_msg_decode(&m, buf, n), 0);

	assert_true(m.hdr.spi_i == SPI_I);
	assert_true(m.hdr.spi_r == 0);
	assert_int_equal(m.hdr.next, IKE_PL_SA);
	assert_int_equal(m.hdr.major, 2);
	assert_int_equal(m.hdr.minor, 0);
	assert_int_equal(m.hdr.exch, IKE_EXCH_IKE_SA_INIT);
	assert_int_equal(m.hdr.flags, IKE_FLAG_INITIATOR);
	assert_int_equal(m.hdr.msgid, 0);
	assert_int_equal(m.hdr.len, 278);
	assert_int_equal(m.sk, -1);
	assert_int_equal(m.npld, 7);
	assert_int_equal(m.nouter, 7);

	/* The chain in order, with offsets over the datagram. */
	static const struct { uint8_t type; uint32_t off; uint16_t len; } chain[] = {
		{ IKE_PL_SA, 28, 84 }, { IKE_PL_KE, 112, 40 },
		{ IKE_PL_NONCE, 152, 36 }, { IKE_PL_NOTIFY, 188, 28 },
		{ IKE_PL_NOTIFY, 216, 28 }, { IKE_PL_NOTIFY, 244, 14 },
		{ IKE_PL_VENDOR, 258, 20 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(chain); i++) {
		assert_int_equal(m.pld[i].type, chain[i].type);
		assert_int_equal(m.pld[i].off, chain[i].off);
		assert_int_equal(m.pld[i].len, chain[i].len);
		assert_true(m.pld[i].known);
		assert_false(m.pld[i].critical);
		assert_false(m.pld[i].inner);
		assert_ptr_equal(m.pld[i].body, buf + chain[i].off + 4);
	}

	p = ike_msg_find(&m, IKE_PL_SA);
	assert_non_null(p);
	assert_int_equal(p->v.sa.nprops, 2);
	assert_int_equal(ike_sa_parse(p->body, p->blen, &sa, NULL), 0);
	sa_init_offer(&want);
	assert_sa_equal(&sa, &want);

	p = ike_msg_find(&m, IKE_PL_KE);
	assert_non_null(p);
	assert_int_equal(p->v.ke.group, IKE_DH_CURVE25519);
	assert_int_equal(p->v.ke.len, 32);
	assert_memory_equal(p->v.ke.data, alice_pub, 32);

	p = ike_msg_find(&m, IKE_PL_NONCE);
	assert_non_null(p);
	assert_int_equal(p->v.nonce.len, 32);
	assert_memory_equal(p->v.nonce.data, nonce, 32);

	assert_int_equal(ike_msg_count(&m, IKE_PL_NOTIFY), 3);
	p = ike_msg_notify(&m, IKE_N_NAT_DETECTION_SOURCE_IP);
	assert_non_null(p);
	assert_int_equal(p->v.n.proto, 0);
	assert_int_equal(p->v.n.spi_len, 0);
	assert_int_equal(p->v.n.len, 20);
	assert_memory_equal(p->v.n.data, natd_s, 20);
	p = ike_msg_notify(&m, IKE_N_NAT_DETECTION_DESTINATION_IP);
	assert_non_null(p);
	assert_memory_equal(p->v.n.data, natd_d, 20);
	p = ike_msg_notify(&m, IKE_N_SIGNATURE_HASH_ALGORITHMS);
	assert_non_null(p);
	assert_int_equal(p->v.n.len, 6);
	assert_memory_equal(p->v.n.data, sha, 6);
	assert_null(ike_msg_notify(&m, IKE_N_COOKIE));

	p = ike_msg_find(&m, IKE_PL_VENDOR);
	assert_non_null(p);
	assert_int_equal(p->v.vid.len, 16);
	assert_int_equal(p->v.vid.data[0], 0x88);
}

/* The encoder writes the same message octet for octet. */
static void test_rfc_sa_init_encode(void **state)
{
	uint8_t want[512], out[512], nonce[32], natd_s[20], natd_d[20], vid[16];
	static const uint8_t sha[6] = { 0, 2, 0, 3, 0, 4 };
	struct ike_hdr h = req_hdr(IKE_EXCH_IKE_SA_INIT);
	struct ike_enc e;
	struct ike_sa_pld sa;
	size_t n = tu_unhex_must(sa_init_hex, want, sizeof(want));

	(void)state;
	fill_seq(nonce, sizeof(nonce), 0);
	fill_seq(natd_s, sizeof(natd_s), 0xa1);
	fill_seq(natd_d, sizeof(natd_d), 0xc1);
	memcpy(vid, want + 262, sizeof(vid));
	sa_init_offer(&sa);
	memset(out, 0xee, sizeof(out));
	assert_int_equal(ike_enc_init(&e, out, sizeof(out), &h), 0);
	assert_int_equal(ike_enc_sa(&e, &sa), 0);
	assert_int_equal(ike_enc_ke(&e, IKE_DH_CURVE25519, alice_pub, 32), 0);
	assert_int_equal(ike_enc_nonce(&e, nonce, sizeof(nonce)), 0);
	assert_int_equal(ike_enc_notify(&e, 0, NULL, 0,
					IKE_N_NAT_DETECTION_SOURCE_IP, natd_s, 20), 0);
	assert_int_equal(ike_enc_notify(&e, 0, NULL, 0,
					IKE_N_NAT_DETECTION_DESTINATION_IP, natd_d, 20), 0);
	assert_int_equal(ike_enc_notify(&e, 0, NULL, 0,
					IKE_N_SIGNATURE_HASH_ALGORITHMS, sha, 6), 0);
	assert_int_equal(ike_enc_vendor(&e, vid, sizeof(vid)), 0);
	assert_int_equal(ike_enc_finish(&e), (int)n);
	assert_memory_equal(out, want, n);
	assert_int_equal(out[n], 0xee);
}

/* Encodes a message of one outer payload via fn and decodes it. */
static void decode_ok(struct ike_msg *m, const uint8_t *buf, int n)
{
	assert_true(n > 0);
	assert_int_equal(ike_msg_decode(m, buf, (size_t)n), 0);
}

static void test_rt_sa(void **state)
{
	uint8_t buf[4096];
	struct ike_hdr h = req_hdr(IKE_EXCH_CREATE_CHILD_SA);
	struct ike_enc e;
	struct ike_msg m;
	struct ike_sa_pld sa, got;
	const struct ike_pld *p;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	/* An ESP offer with SPI, AEAD and non-AEAD proposals, and an IKE
	 * rekey proposal with an 8-octet SPI. */
	sa.nprops = 3;
	sa.prop[0] = (struct ike_prop){ .num = 1, .proto = IKE_PROTO_ESP,
		.spi_len = 4, .spi = { 0xc0, 0x01, 0xd0, 0x0d }, .nxforms = 4,
		.xf = { { IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 128, false },
			{ IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 256, false },
			{ IKE_XFORM_ENCR, IKE_ENCR_CHACHA20_POLY1305, 0, false },
			{ IKE_XFORM_ESN, IKE_ESN_NONE, 0, false } } };
	sa.prop[1] = (struct ike_prop){ .num = 2, .proto = IKE_PROTO_ESP,
		.spi_len = 4, .spi = { 0xc0, 0x01, 0xd0, 0x0d }, .nxforms = 5,
		.xf = { { IKE_XFORM_ENCR, IKE_ENCR_AES_CBC, 256, false },
			{ IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0, false },
			{ IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_512_256, 0, false },
			{ IKE_XFORM_DH, IKE_DH_ECP256, 0, false },
			{ IKE_XFORM_ESN, IKE_ESN_ON, 0, false } } };
	sa.prop[2] = (struct ike_prop){ .num = 3, .proto = IKE_PROTO_IKE,
		.spi_len = 8, .spi = { 1, 2, 3, 4, 5, 6, 7, 8 }, .nxforms = 3,
		.xf = { { IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 256, false },
			{ IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_512, 0, false },
			{ IKE_XFORM_DH, IKE_DH_CURVE25519, 0, false } } };
	ike_enc_init(&e, buf, sizeof(buf), &h);
	ike_enc_sa(&e, &sa);
	decode_ok(&m, buf, ike_enc_finish(&e));
	p = ike_msg_find(&m, IKE_PL_SA);
	assert_non_null(p);
	assert_int_equal(p->v.sa.nprops, 3);
	assert_int_equal(ike_sa_parse(p->body, p->blen, &got, NULL), 0);
	assert_sa_equal(&got, &sa);

	/* The maximum: IKE_MAX_PROPOSALS x IKE_MAX_TRANSFORMS. */
	memset(&sa, 0, sizeof(sa));
	sa.nprops = IKE_MAX_PROPOSALS;
	for (unsigned int i = 0; i < IKE_MAX_PROPOSALS; i++) {
		sa.prop[i].num = (uint8_t)(i + 1);
		sa.prop[i].proto = IKE_PROTO_ESP;
		sa.prop[i].nxforms = IKE_MAX_TRANSFORMS;
		for (unsigned int j = 0; j < IKE_MAX_TRANSFORMS; j++)
			sa.prop[i].xf[j] = (struct ike_xform){
				IKE_XFORM_ENCR, (uint16_t)j, (uint16_t)(j % 3 * 128), false };
	}
	ike_enc_init(&e, buf, sizeof(buf), &h);
	ike_enc_sa(&e, &sa);
	assert_int_equal(e.err, -ENOSPC);       /* ~9 KB: too big for buf */
	{
		static uint8_t big[IKE_MSG_MAX];

		ike_enc_init(&e, big, sizeof(big), &h);
		ike_enc_sa(&e, &sa);
		decode_ok(&m, big, ike_enc_finish(&e));
		p = ike_msg_find(&m, IKE_PL_SA);
		assert_int_equal(ike_sa_parse(p->body, p->blen, &got, NULL), 0);
		assert_sa_equal(&got, &sa);
	}
}

/* An attribute we do not know is flagged, and skipped by its length. */
static void test_sa_unknown_attr(void **state)
{
	uint8_t b[64];
	struct ike_sa_pld sa;
	size_t n = tu_unhex_must(
		"00 00 0020 01 03 00 02"
		"03 00 0010 01 00 000c 8001 0005 0002 0000" /* TV 1, TLV 2 (len 0) */
		"00 00 0008 05 00 0000", b, sizeof(b));

	(void)state;
	/* Fix the proposal length: 8 + 16 + 8 = 32. */
	assert_int_equal(n, 32);
	assert_int_equal(ike_sa_parse(b, n, &sa, NULL), 0);
	assert_int_equal(sa.nprops, 1);
	assert_int_equal(sa.prop[0].proto, IKE_PROTO_ESP);
	assert_int_equal(sa.prop[0].nxforms, 2);
	assert_true(sa.prop[0].xf[0].unknown_attr);
	assert_int_equal(sa.prop[0].xf[0].keylen, 0);
	assert_false(sa.prop[0].xf[1].unknown_attr);
	assert_int_equal(sa.prop[0].xf[1].type, IKE_XFORM_ESN);
}

static void test_rt_ke_nonce_id_auth(void **state)
{
	uint8_t buf[2048], ke[256], nonce[256], auth[64];
	static const uint8_t v4[4] = { 192, 0, 2, 1 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const char fqdn[] = "gw.example.com";
	struct ike_hdr h = req_hdr(IKE_EXCH_IKE_SA_INIT);
	struct ike_enc e;
	struct ike_msg m;
	const struct ike_pld *p;

	(void)state;
	fill_seq(ke, sizeof(ke), 7);
	fill_seq(nonce, sizeof(nonce), 9);
	fill_seq(auth, sizeof(auth), 3);
	ike_enc_init(&e, buf, sizeof(buf), &h);
	ike_enc_ke(&e, IKE_DH_MODP2048, ke, 256);
	ike_enc_nonce(&e, nonce, IKE_NONCE_MAX);
	ike_enc_id(&e, IKE_PL_IDI, IKE_ID_FQDN, fqdn, strlen(fqdn));
	ike_enc_id(&e, IKE_PL_IDR, IKE_ID_IPV4_ADDR, v4, 4);
	ike_enc_id(&e, IKE_PL_IDR, IKE_ID_IPV6_ADDR, v6, 16);
	ike_enc_id(&e, IKE_PL_IDI, IKE_ID_KEY_ID, "\x01\x02", 2);
	ike_enc_auth(&e, IKE_AUTH_SHARED_KEY_MIC, auth, 32);
	ike_enc_ke(&e, 0x1234, ke, 3);  /* unknown group: any length */
	decode_ok(&m, buf, ike_enc_finish(&e));
	assert_int_equal(m.npld, 8);

	p = ike_msg_find(&m, IKE_PL_KE);
	assert_int_equal(p->v.ke.group, IKE_DH_MODP2048);
	assert_int_equal(p->v.ke.len, 256);
	assert_memory_equal(p->v.ke.data, ke, 256);
	p = ike_msg_next(&m, p, IKE_PL_KE);
	assert_int_equal(p->v.ke.group, 0x1234);
	assert_int_equal(p->v.ke.len, 3);

	p = ike_msg_find(&m, IKE_PL_NONCE);
	assert_int_equal(p->v.nonce.len, 256);
	assert_memory_equal(p->v.nonce.data, nonce, 256);

	p = ike_msg_find(&m, IKE_PL_IDI);
	assert_int_equal(p->v.id.type, IKE_ID_FQDN);
	assert_int_equal(p->v.id.len, strlen(fqdn));
	assert_memory_equal(p->v.id.data, fqdn, strlen(fqdn));
	/* The body is RestOfIDPayload (§2.15): type, 3 reserved, data. */
	assert_int_equal(p->blen, 4 + strlen(fqdn));
	assert_int_equal(p->body[0], IKE_ID_FQDN);
	p = ike_msg_next(&m, p, IKE_PL_IDI);
	assert_int_equal(p->v.id.type, IKE_ID_KEY_ID);
	assert_int_equal(p->v.id.len, 2);

	p = ike_msg_find(&m, IKE_PL_IDR);
	assert_int_equal(p->v.id.type, IKE_ID_IPV4_ADDR);
	assert_memory_equal(p->v.id.data, v4, 4);
	p = ike_msg_next(&m, p, IKE_PL_IDR);
	assert_int_equal(p->v.id.type, IKE_ID_IPV6_ADDR);
	assert_memory_equal(p->v.id.data, v6, 16);
	assert_null(ike_msg_next(&m, p, IKE_PL_IDR));

	p = ike_msg_find(&m, IKE_PL_AUTH);
	assert_int_equal(p->v.auth.method, IKE_AUTH_SHARED_KEY_MIC);
	assert_int_equal(p->v.auth.len, 32);
	assert_memory_equal(p->v.auth.data, auth, 32);
}

static void test_rt_notify_delete_vendor(void **state)
{
	uint8_t buf[2048], cookie[64];
	static const uint8_t spi4[4] = { 0xde, 0xad, 0xbe, 0xef };
	static const uint8_t grp[2] = { 0, 19 };
	static const uint8_t spis[12] = { 0, 0, 0, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff };
	struct ike_hdr h = req_hdr(IKE_EXCH_INFORMATIONAL);
	struct ike_enc e;
	struct ike_msg m;
	const struct ike_pld *p;
	uint32_t spi;
	uint16_t g;

	(void)state;
	fill_seq(cookie, sizeof(cookie), 0x40);
	ike_enc_init(&e, buf, sizeof(buf), &h);
	ike_enc_notify(&e, 0, NULL, 0, IKE_N_COOKIE, cookie, 64);
	ike_enc_notify(&e, 0, NULL, 0, IKE_N_INVALID_KE_PAYLOAD, grp, 2);
	ike_enc_notify(&e, IKE_PROTO_ESP, spi4, 4, IKE_N_REKEY_SA, NULL, 0);
	ike_enc_notify(&e, 0, NULL, 0, IKE_N_USE_TRANSPORT_MODE, NULL, 0);
	ike_enc_notify(&e, IKE_PROTO_ESP, spi4, 4, IKE_N_CHILD_SA_NOT_FOUND, NULL, 0);
	ike_enc_notify(&e, 0, NULL, 0, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
	ike_enc_delete(&e, IKE_PROTO_ESP, 4, 3, spis);
	ike_enc_delete(&e, IKE_PROTO_IKE, 0, 0, NULL);
	ike_enc_vendor(&e, NULL, 0);
	decode_ok(&m, buf, ike_enc_finish(&e));
	assert_int_equal(m.npld, 9);

	p = ike_msg_notify(&m, IKE_N_COOKIE);
	assert_int_equal(p->v.n.len, 64);
	assert_memory_equal(p->v.n.data, cookie, 64);
	p = ike_msg_notify(&m, IKE_N_INVALID_KE_PAYLOAD);
	assert_int_equal(ike_notify_u16(&p->v.n, &g), 0);
	assert_int_equal(g, IKE_DH_ECP256);
	assert_int_equal(ike_notify_spi32(&p->v.n, &spi), -EBADMSG);
	p = ike_msg_notify(&m, IKE_N_REKEY_SA);
	assert_int_equal(p->v.n.proto, IKE_PROTO_ESP);
	assert_int_equal(p->v.n.spi_len, 4);
	assert_int_equal(p->v.n.len, 0);
	assert_int_equal(ike_notify_spi32(&p->v.n, &spi), 0);
	assert_int_equal(spi, 0xdeadbeef);
	p = ike_msg_notify(&m, IKE_N_USE_TRANSPORT_MODE);
	assert_non_null(p);
	assert_int_equal(p->v.n.len, 0);
	p = ike_msg_notify(&m, IKE_N_CHILD_SA_NOT_FOUND);
	assert_non_null(p);
	assert_non_null(ike_msg_notify(&m, IKE_N_NO_PROPOSAL_CHOSEN));

	p = ike_msg_find(&m, IKE_PL_DELETE);
	assert_int_equal(p->v.d.proto, IKE_PROTO_ESP);
	assert_int_equal(p->v.d.nspi, 3);
	assert_int_equal(ike_delete_spi32(&p->v.d, 0, &spi), 0);
	assert_int_equal(spi, 1);
	assert_int_equal(ike_delete_spi32(&p->v.d, 2, &spi), 0);
	assert_int_equal(spi, 0xffffffff);
	assert_int_equal(ike_delete_spi32(&p->v.d, 3, &spi), -EBADMSG);
	p = ike_msg_next(&m, p, IKE_PL_DELETE);
	assert_int_equal(p->v.d.proto, IKE_PROTO_IKE);
	assert_int_equal(p->v.d.nspi, 0);
	assert_int_equal(p->v.d.spi_len, 0);

	p = ike_msg_find(&m, IKE_PL_VENDOR);
	assert_int_equal(p->v.vid.len, 0);
	assert_int_equal(p->len, 4);
}

static void test_rt_ts(void **state)
{
	uint8_t buf[2048];
	struct ike_hdr h = req_hdr(IKE_EXCH_IKE_AUTH);
	struct ike_ts_list tsi = { 0 }, tsr = { 0 }, got;
	struct ike_enc e;
	struct ike_msg m;
	const struct ike_pld *p;

	(void)state;
	tsi.n = 2;
	tsi.ts[0] = (struct ike_ts_pld){ IKE_TS_IPV4_ADDR_RANGE, 0, 0, 65535,
				     { 10, 0, 0, 0 }, { 10, 0, 0, 255 } };
	tsi.ts[1] = (struct ike_ts_pld){ IKE_TS_IPV6_ADDR_RANGE, 6, 443, 443,
				     { 0x20, 0x01, 0x0d, 0xb8 },
				     { 0x20, 0x01, 0x0d, 0xb8, [4 ... 15] = 0xff } };
	tsr.n = IKE_MAX_TS;
	for (unsigned int i = 0; i < IKE_MAX_TS; i++)
		tsr.ts[i] = (struct ike_ts_pld){ IKE_TS_IPV4_ADDR_RANGE, 17,
			65535, 0, /* OPAQUE ports, §3.13.1 */
			{ 192, 168, (uint8_t)i, 1 }, { 192, 168, (uint8_t)i, 9 } };
	ike_enc_init(&e, buf, sizeof(buf), &h);
	ike_enc_ts(&e, IKE_PL_TSI, &tsi);
	ike_enc_ts(&e, IKE_PL_TSR, &tsr);
	decode_ok(&m, buf, ike_enc_finish(&e));

	p = ike_msg_find(&m, IKE_PL_TSI);
	assert_int_equal(p->v.ts.nts, 2);
	assert_int_equal(p->len, 4 + 4 + 16 + 40);
	assert_int_equal(ike_ts_parse(p->body, p->blen, &got, NULL), 0);
	assert_memory_equal(&got, &tsi, sizeof(got));
	p = ike_msg_find(&m, IKE_PL_TSR);
	assert_int_equal(p->v.ts.nts, IKE_MAX_TS);
	assert_int_equal(ike_ts_parse(p->body, p->blen, &got, NULL), 0);
	assert_memory_equal(&got, &tsr, sizeof(got));
}

/* A selector of a type we do not know is skipped by its length. */
static void test_ts_unknown_type(void **state)
{
	uint8_t b[64];
	struct ike_ts_list l;
	size_t n = tu_unhex_must(
		"02 000000"
		"0a 00 000c 0000 ffff 01020304"          /* type 10, 12 octets */
		"07 06 0010 0050 0050 0a000001 0a000001", b, sizeof(b));

	(void)state;
	assert_int_equal(ike_ts_parse(b, n, &l, NULL), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.nskipped, 1);
	assert_int_equal(l.ts[0].proto, 6);
	assert_int_equal(l.ts[0].sport, 80);
	assert_int_equal(l.ts[0].start[3], 1);
}

static void test_rt_cert_cp_eap_unknown(void **state)
{
	uint8_t buf[2048];
	static const uint8_t attrs[] = {
		0x00, 0x01, 0x00, 0x00,                 /* INTERNAL_IP4_ADDRESS, empty */
		0x00, 0x03, 0x00, 0x04, 8, 8, 8, 8,     /* INTERNAL_IP4_DNS */
	};
	static const uint8_t eap[] = { 1, 7, 0, 5, 1 }; /* Request/Identity */
	static const uint8_t opaque[] = { 0xca, 0xfe };
	struct ike_hdr h = req_hdr(IKE_EXCH_IKE_AUTH);
	struct ike_enc e;
	struct ike_msg m;
	const struct ike_pld *p;
	const uint8_t *val;
	uint16_t type, len;

	(void)state;
	ike_enc_init(&e, buf, sizeof(buf), &h);
	ike_enc_cert(&e, IKE_PL_CERT, IKE_CERT_X509_SIG, "DER", 3);
	ike_enc_cert(&e, IKE_PL_CERTREQ, IKE_CERT_X509_SIG, NULL, 0);
	ike_enc_cp(&e, IKE_CFG_REQUEST, attrs, sizeof(attrs));
	ike_enc_eap(&e, eap, sizeof(eap));
	/* §2.5: unknown and not critical: kept, skipped. */
	ike_enc_raw(&e, 200, false, opaque, sizeof(opaque));
	ike_enc_vendor(&e, "x", 1);
	decode_ok(&m, buf, ike_enc_finish(&e));
	assert_int_equal(m.npld, 6);

	p = ike_msg_find(&m, IKE_PL_CERT);
	assert_int_equal(p->v.cert.encoding, IKE_CERT_X509_SIG);
	assert_int_equal(p->v.cert.len, 3);
	p = ike_msg_find(&m, IKE_PL_CERTREQ);
	assert_int_equal(p->v.cert.len, 0);
	p = ike_msg_find(&m, IKE_PL_CP);
	assert_int_equal(p->v.cp.type, IKE_CFG_REQUEST);
	assert_int_equal(p->v.cp.nattrs, 2);
	assert_int_equal(ike_cp_attr(&p->v.cp, 1, &type, &val, &len), 0);
	assert_int_equal(type, IKE_CP_INTERNAL_IP4_DNS);
	assert_int_equal(len, 4);
	assert_int_equal(val[0], 8);
	assert_int_equal(ike_cp_attr(&p->v.cp, 2, &type, &val, &len), -ENOENT);
	p = ike_msg_find(&m, IKE_PL_EAP);
	assert_int_equal(p->v.eap.code, 1);
	assert_int_equal(p->v.eap.len, 5);
	p = ike_msg_find(&m, 200);
	assert_non_null(p);
	assert_false(p->known);
	assert_false(p->critical);
	assert_int_equal(p->blen, 2);
	assert_memory_equal(p->body, opaque, 2);
	assert_non_null(ike_msg_find(&m, IKE_PL_VENDOR));
}

/*
 * IKE_AUTH: V (outer, unauthenticated), SK { IDi, AUTH, SA, TSi, TSr,
 * N(USE_TRANSPORT_MODE) }. No cipher here: the test "decrypts" by reading
 * the ciphertext area as plaintext, which the encoder left in clear.
 */
static void test_rt_sk(void **state)
{
	uint8_t buf[2048], auth[32];
	struct ike_hdr h = req_hdr(IKE_EXCH_IKE_AUTH);
	struct ike_ts_list ts = { .n = 1, .ts = { { IKE_TS_IPV4_ADDR_RANGE, 0,
		0, 65535, { 10, 1, 0, 0 }, { 10, 1, 255, 255 } } } };
	struct ike_sa_pld sa = { .nprops = 1, .prop = { { .num = 1,
		.proto = IKE_PROTO_ESP, .spi_len = 4, .spi = { 1, 2, 3, 4 },
		.nxforms = 2, .xf = {
			{ IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 256, false },
			{ IKE_XFORM_ESN, IKE_ESN_NONE, 0, false } } } } };
	struct ike_sk sk, dsk;
	struct ike_enc e;
	struct ike_msg m;
	const struct ike_pld *p;
	size_t inner_end;
	int n;

	(void)state;
	fill_seq(auth, sizeof(auth), 0x30);
	ike_enc_init(&e, buf, sizeof(buf), &h);
	ike_enc_vendor(&e, "outer", 5);
	assert_int_equal(ike_enc_sk_begin(&e, 16), 0);
	ike_enc_id(&e, IKE_PL_IDI, IKE_ID_RFC822_ADDR, "a@b.c", 5);
	ike_enc_auth(&e, IKE_AUTH_SHARED_KEY_MIC, auth, sizeof(auth));
	ike_enc_sa(&e, &sa);
	ike_enc_ts(&e, IKE_PL_TSI, &ts);
	ike_enc_ts(&e, IKE_PL_TSR, &ts);
	ike_enc_notify(&e, 0, NULL, 0, IKE_N_USE_TRANSPORT_MODE, NULL, 0);
	inner_end = e.len;
	assert_int_equal(ike_enc_sk_end(&e, 16, 16, &sk), 0);
	n = ike_enc_finish(&e);
	assert_true(n > 0);

	/* Layout: SK header after the 28-octet header and the 9-octet V. */
	assert_int_equal(sk.aad_len, 28 + 9 + 4);
	assert_int_equal(sk.iv_off, 41);
	assert_int_equal(sk.iv_len, 16);
	assert_int_equal(sk.ct_off, 57);
	assert_int_equal(sk.ct_len % 16, 0);
	assert_int_equal(sk.ct_off + sk.ct_len, inner_end + 1 + buf[sk.icv_off - 1]);
	assert_int_equal(sk.icv_off + sk.icv_len, (size_t)n);
	assert_int_equal(buf[sk.icv_off - 1], (sk.ct_len - 1) - (inner_end - sk.ct_off));
	/* SK's Next Payload names the first inner payload. */
	assert_int_equal(buf[28 + 9], IKE_PL_IDI);
	assert_int_equal(ike_get16(buf + 28 + 9 + 2), n - 37);

	assert_int_equal(ike_msg_decode(&m, buf, (size_t)n), 0);
	assert_int_equal(m.nouter, 2);
	assert_int_equal(m.sk, 1);
	assert_int_equal(m.sk_next, IKE_PL_IDI);
	/* Nothing is visible before decryption: not even the outer V. */
	assert_null(ike_msg_find(&m, IKE_PL_VENDOR));
	assert_null(ike_msg_find(&m, IKE_PL_IDI));
	assert_int_equal(ike_msg_sk(&m, 16, 16, 16, &dsk), 0);
	assert_memory_equal(&dsk, &sk, sizeof(sk));
	assert_int_equal(ike_msg_sk(&m, 8, 16, 16, &dsk), -EBADMSG); /* 8 + blocks */
	assert_int_equal(ike_msg_sk(&m, 8, 8, 1, &dsk), 0);
	assert_int_equal(ike_msg_sk(&m, 1000, 0, 1, &dsk), -EBADMSG);

	assert_int_equal(ike_msg_decode_inner(&m, buf + sk.ct_off, sk.ct_len), 0);
	assert_true(m.decrypted);
	assert_int_equal(m.plain_len, inner_end - sk.ct_off);
	assert_int_equal(m.npld, 8);
	assert_null(ike_msg_find(&m, IKE_PL_VENDOR));   /* outer: hidden */
	p = ike_msg_find(&m, IKE_PL_IDI);
	assert_non_null(p);
	assert_true(p->inner);
	assert_int_equal(p->off, 0);
	assert_int_equal(p->v.id.type, IKE_ID_RFC822_ADDR);
	p = ike_msg_find(&m, IKE_PL_AUTH);
	assert_memory_equal(p->v.auth.data, auth, sizeof(auth));
	p = ike_msg_find(&m, IKE_PL_SA);
	{
		struct ike_sa_pld got;

		assert_int_equal(ike_sa_parse(p->body, p->blen, &got, NULL), 0);
		assert_sa_equal(&got, &sa);
	}
	assert_int_equal(ike_msg_count(&m, IKE_PL_TSI), 1);
	assert_int_equal(ike_msg_count(&m, IKE_PL_TSR), 1);
	assert_non_null(ike_msg_notify(&m, IKE_N_USE_TRANSPORT_MODE));
	/* Only once. */
	assert_int_equal(ike_msg_decode_inner(&m, buf + sk.ct_off, sk.ct_len), -EINVAL);
}

/* DPD: an INFORMATIONAL request whose SK holds no payload. */
static void test_sk_empty(void **state)
{
	uint8_t buf[256];
	struct ike_hdr h = req_hdr(IKE_EXCH_INFORMATIONAL);
	struct ike_enc e;
	struct ike_msg m;
	struct ike_sk sk;
	int n;

	(void)state;
	ike_enc_init(&e, buf, sizeof(buf), &h);
	ike_enc_sk_begin(&e, 8);
	ike_enc_sk_end(&e, 1, 16, &sk);
	n = ike_enc_finish(&e);
	assert_int_equal(n, 28 + 4 + 8 + 1 + 16);
	assert_int_equal(buf[16], IKE_PL_SK);
	assert_int_equal(buf[28], IKE_PL_NONE);
	assert_int_equal(ike_msg_decode(&m, buf, (size_t)n), 0);
	assert_int_equal(m.sk_next, IKE_PL_NONE);
	assert_int_equal(ike_msg_sk(&m, 8, 16, 1, &sk), 0);
	assert_int_equal(sk.ct_len, 1);
	assert_int_equal(ike_msg_decode_inner(&m, buf + sk.ct_off, sk.ct_len), 0);
	assert_int_equal(m.npld, 1);
	assert_int_equal(m.plain_len, 0);
}

static void test_sk_unpad(void **state)
{
	static const uint8_t a[] = { 0xaa, 0xbb, 0, 0, 2 };
	static const uint8_t b[] = { 0xaa, 4 };
	static const uint8_t c[] = { 1, 2, 3, 0 };
	size_t n = 99;

	(void)state;
	assert_int_equal(ike_sk_unpad(a, sizeof(a), &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ike_sk_unpad(a, 3, &n), 0);   /* Pad Length 0 */
	assert_int_equal(n, 2);
	assert_int_equal(ike_sk_unpad(b, sizeof(b), &n), -EBADMSG);
	assert_int_equal(ike_sk_unpad(b, 0, &n), -EBADMSG);
	assert_int_equal(ike_sk_unpad(c, sizeof(c), &n), 0);
	assert_int_equal(n, 3);
}

/*
 * SK closed for a cipher that pads and authenticates by itself (crypto.h
 * ike_sk_encrypt); here a stand-in pads to 16 and appends a 16-octet ICV,
 * then sets both lengths, as that function documents.
 */
static void test_sk_close(void **state)
{
	uint8_t buf[256];
	struct ike_hdr h = req_hdr(IKE_EXCH_INFORMATIONAL);
	struct ike_enc e;
	struct ike_msg m;
	struct ike_sk sk;
	size_t sk_off, inner_len, len, pad;

	(void)state;
	ike_enc_init(&e, buf, sizeof(buf), &h);
	ike_enc_vendor(&e, "o", 1);
	assert_int_equal(ike_enc_sk_close(&e, 32, &sk_off, &inner_len), -EINVAL);
	ike_enc_init(&e, buf, sizeof(buf), &h);
	ike_enc_vendor(&e, "o", 1);
	ike_enc_sk_begin(&e, 8);
	ike_enc_id(&e, IKE_PL_IDI, IKE_ID_KEY_ID, "kid", 3);
	ike_enc_notify(&e, 0, NULL, 0, IKE_N_INITIAL_CONTACT, NULL, 0);
	assert_int_equal(ike_enc_sk_close(&e, 32, &sk_off, &inner_len), 0);
	assert_int_equal(sk_off, 28 + 5);
	assert_int_equal(inner_len, 11 + 8);   /* IDi(KEY_ID "kid"), N */
	assert_int_equal(buf[sk_off], IKE_PL_IDI);
	/* Lengths belong to the cipher now. */
	assert_int_equal(ike_enc_finish(&e), -EINVAL);
	assert_int_equal(ike_enc_vendor(&e, NULL, 0), -EINVAL);

	len = sk_off + 4 + 8 + inner_len;
	pad = 15 - inner_len % 16;
	memset(buf + len, 0, pad);
	buf[len + pad] = (uint8_t)pad;
	len += pad + 1;
	memset(buf + len, 0xcc, 16);
	len += 16;
	ike_put16(buf + sk_off + 2, (uint16_t)(len - sk_off));
	ike_put32(buf + IKE_HDR_OFF_LEN, (uint32_t)len);

	assert_int_equal(ike_msg_decode(&m, buf, len), 0);
	assert_int_equal(ike_msg_sk(&m, 8, 16, 16, &sk), 0);
	assert_int_equal(sk.ct_off, sk_off + 4 + 8);
	assert_int_equal(ike_msg_decode_inner_unpadded(&m, buf + sk.ct_off,
						       inner_len), 0);
	assert_int_equal(m.plain_len, inner_len);
	assert_int_equal(ike_msg_find(&m, IKE_PL_IDI)->v.id.len, 3);
	assert_non_null(ike_msg_notify(&m, IKE_N_INITIAL_CONTACT));
	assert_int_equal(ike_msg_decode_inner_unpadded(&m, buf + sk.ct_off,
						       inner_len), -EINVAL);
	/* The same bytes with the padding left on do not decode. */
	assert_int_equal(ike_msg_decode(&m, buf, len), 0);
	assert_int_equal(ike_msg_decode_inner_unpadded(&m, buf + sk.ct_off,
						       sk.ct_len), -EBADMSG);

	/* Not enough room left for the cipher's tail. */
	ike_enc_init(&e, buf, 64, &h);
	ike_enc_sk_begin(&e, 8);
	ike_enc_vendor(&e, NULL, 0);
	assert_int_equal(ike_enc_sk_close(&e, 64 - 44 + 1, &sk_off, &inner_len),
			 -ENOSPC);
	ike_enc_init(&e, buf, 64, &h);
	ike_enc_sk_begin(&e, 8);
	ike_enc_vendor(&e, NULL, 0);
	assert_int_equal(ike_enc_sk_close(&e, 64 - 44, &sk_off, &inner_len), 0);
}

/*
 * Malformed messages. Each row is the payload octets after a valid
 * header (SPIi 1122334455667788, IKE_SA_INIT, Length = datagram) whose
 * Next Payload is `first`; flags change the header.
 */
enum {
	HDR_LEN_PLUS = 1,       /* Length field 4 more than the datagram */
	HDR_LEN_MINUS = 2,      /* 4 less */
	HDR_V1 = 4,             /* version 1.0 */
	HDR_V3 = 8,             /* version 3.0 */
	HDR_SPI0 = 16,          /* SPIi 0 */
	HDR_CUT = 32,           /* datagram cut to 20 octets */
};

struct bad_row {
	const char *name;
	uint8_t first;
	unsigned int flags;
	const char *hex;
	int rc;
	uint16_t notify;
	int data;               /* expected err.data, or -1 */
	const char *why;        /* expected err.why */
};

#define SA IKE_PL_SA
#define V IKE_PL_VENDOR
#define N IKE_PL_NOTIFY
#define EB -EBADMSG
#define SYN IKE_N_INVALID_SYNTAX

static const struct bad_row bad_rows[] = {
	/* §3.1 header */
	{ "1 truncated header", V, HDR_CUT, "", EB, SYN, -1, "bad IKE header" },
	{ "2 length field larger than datagram", V, HDR_LEN_PLUS, "00000004", EB, SYN, -1,
	  "bad IKE header" },
	{ "3 length field smaller than datagram", V, HDR_LEN_MINUS, "00000004", EB, SYN, -1,
	  "bad IKE header" },
	{ "4 IKEv1 major version", V, HDR_V1, "00000004", -EPROTONOSUPPORT, 0, -1,
	  "unsupported major version" },
	{ "5 major version 3", V, HDR_V3, "00000004", -EPROTONOSUPPORT,
	  IKE_N_INVALID_MAJOR_VERSION, -1, "unsupported major version" },
	{ "6 zero initiator SPI", V, HDR_SPI0, "00000004", EB, SYN, -1, "bad IKE header" },
	/* §3.2 generic header */
	{ "7 payload header truncated", V, 0, "0000", EB, SYN, -1, "payload header truncated" },
	{ "8 payload length 3", V, 0, "00000003", EB, SYN, -1,
	  "payload length below header size" },
	{ "9 payload length 0", V, 0, "00000000", EB, SYN, -1,
	  "payload length below header size" },
	{ "10 payload runs past end", V, 0, "00000010 01020304", EB, SYN, -1,
	  "payload runs past the message" },
	{ "11 chain truncated (next set, no bytes)", V, 0, "2b000004", EB, SYN, -1,
	  "payload header truncated" },
	{ "12 bytes after last payload", V, 0, "00000004 00000000", EB, SYN, -1,
	  "data after the last payload" },
	{ "13 next payload in header but empty", V, 0, "", EB, SYN, -1,
	  "payload header truncated" },
	/* §2.5 critical bit */
	{ "14 unknown critical payload", 60, 0, "00800008 deadbeef",
	  -EOPNOTSUPP, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD, 60, "unsupported critical payload" },
	{ "15 unknown critical after known", V, 0, "c8000004 00800004",
	  -EOPNOTSUPP, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD, 200,
	  "unsupported critical payload" },
	{ "16 unknown type 1 critical", 1, 0, "00ff0004",
	  -EOPNOTSUPP, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD, 1, "unsupported critical payload" },
	/* §3.3 SA */
	{ "17 zero proposals", SA, 0, "00000004", EB, SYN, -1, "SA payload without proposals" },
	{ "18 proposal header truncated", SA, 0, "00000008 00000000", EB, SYN, -1,
	  "proposal header truncated" },
	{ "19 proposal length past SA", SA, 0,
	  "00000014 00000020 01010001 00000008 01000014", EB, SYN, -1,
	  "proposal runs past the SA payload" },
	{ "20 proposal length below 8", SA, 0,
	  "00000014 00000007 01010001 00000008 01000014", EB, SYN, -1,
	  "proposal length below header size" },
	{ "21 proposal says more, none follows", SA, 0,
	  "00000014 02000010 01010001 00000008 01000014", EB, SYN, -1,
	  "proposal Last Substruc inconsistent" },
	{ "22 proposal says last, another follows", SA, 0,
	  "00000024 00000010 01010001 00000008 01000014"
	  "00000010 02010001 00000008 01000014", EB, SYN, -1,
	  "proposal Last Substruc inconsistent" },
	{ "23 proposal numbers skip", SA, 0,
	  "00000024 02000010 01010001 00000008 01000014"
	  "00000010 03010001 00000008 01000014", EB, SYN, -1,
	  "proposal numbers not consecutive" },
	{ "24 proposal number 0", SA, 0,
	  "00000014 00000010 00010001 00000008 01000014", EB, SYN, -1,
	  "proposal numbers not consecutive" },
	{ "25 zero transforms", SA, 0, "0000000c 00000008 01010000", EB, SYN, -1,
	  "proposal without transforms" },
	{ "26 SPI size 3", SA, 0,
	  "00000017 00000013 01030301 aabbcc 00000008 01000014", EB, SYN, -1,
	  "proposal SPI size not 0, 4 or 8" },
	{ "27 SPI past proposal", SA, 0, "0000000c 00000008 01030401", EB, SYN, -1,
	  "proposal SPI runs past the proposal" },
	{ "28 transform length past proposal", SA, 0,
	  "00000014 00000010 01010001 00000010 01000014", EB, SYN, -1,
	  "transform runs past the proposal" },
	{ "29 transform length below 8", SA, 0,
	  "00000014 00000010 01010001 00000004 01000014", EB, SYN, -1,
	  "transform length below header size" },
	{ "30 more transforms claimed than present", SA, 0,
	  "00000014 00000010 01010002 00000008 01000014", EB, SYN, -1,
	  "transform Last Substruc inconsistent" },
	{ "31 fewer transforms claimed than present", SA, 0,
	  "0000001c 00000018 01010001 00000008 01000014 00000008 02000005",
	  EB, SYN, -1, "transform count does not fill the proposal" },
	{ "32 transform Last Substruc wrong", SA, 0,
	  "00000014 00000010 01010001 03000008 01000014", EB, SYN, -1,
	  "transform Last Substruc inconsistent" },
	{ "33 too many transforms (65)", SA, 0,
	  "00000014 00000010 01010041 00000008 01000014", EB, SYN, -1, "too many transforms" },
	{ "34 attribute header truncated", SA, 0,
	  "00000016 00000012 01010001 0000000a 0100000c 800e", EB, SYN, -1,
	  "transform attribute truncated" },
	{ "35 TLV attribute past transform", SA, 0,
	  "00000018 00000014 01010001 0000000c 0100000c 00010008", EB, SYN, -1,
	  "transform attribute runs past transform" },
	{ "36 Key Length in TLV format", SA, 0,
	  "0000001a 00000016 01010001 0000000e 0100000c 000e0002 0080", EB, SYN, -1,
	  "Key Length in TLV format" },
	{ "37 Key Length twice", SA, 0,
	  "0000001c 00000018 01010001 00000010 0100000c 800e0080 800e0100",
	  EB, SYN, -1, "Key Length repeated" },
	{ "38 Key Length zero", SA, 0,
	  "00000018 00000014 01010001 0000000c 0100000c 800e0000", EB, SYN, -1,
	  "Key Length of zero" },
	/* §3.4 KE */
	{ "39 KE truncated", IKE_PL_KE, 0, "00000007 001300", EB, SYN, -1,
	  "KE payload truncated" },
	{ "40 KE ECP-256 with 63 octets", IKE_PL_KE, 0,
	  "00000047 00130000"
	  "000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f"
	  "000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e",
	  EB, SYN, -1, "KE data length does not match the group" },
	{ "41 KE without data", IKE_PL_KE, 0, "00000008 12340000", EB, SYN, -1,
	  "KE payload without data" },
	/* §3.5 ID, §3.8 AUTH */
	{ "42 ID truncated", IKE_PL_IDI, 0, "00000006 0100", EB, SYN, -1,
	  "ID payload truncated" },
	{ "43 ID_IPV4_ADDR of 5 octets", IKE_PL_IDI, 0, "0000000d 01000000 0102030405",
	  EB, SYN, -1, "ID_IPV4_ADDR is not 4 octets" },
	{ "44 ID_IPV6_ADDR of 4 octets", IKE_PL_IDR, 0, "0000000c 05000000 01020304",
	  EB, SYN, -1, "ID_IPV6_ADDR is not 16 octets" },
	{ "45 empty FQDN", IKE_PL_IDI, 0, "00000008 02000000", EB, SYN, -1,
	  "empty identification data" },
	{ "46 AUTH without data", IKE_PL_AUTH, 0, "00000008 02000000", EB, SYN, -1,
	  "AUTH payload without data" },
	/* §3.9 Nonce */
	{ "47 nonce of 15 octets", IKE_PL_NONCE, 0,
	  "00000013 000102030405060708090a0b0c0d0e", EB, SYN, -1,
	  "nonce length outside 16..256" },
	/* §3.10 Notify */
	{ "48 notify truncated", N, 0, "00000007 000040", EB, SYN, -1,
	  "Notify payload truncated" },
	{ "49 notify SPI size 3", N, 0, "0000000b 03034009 aabbcc", EB, SYN, -1,
	  "Notify SPI size not 0, 4 or 8" },
	{ "50 notify SPI past payload", N, 0, "0000000a 03044009 aabb", EB, SYN, -1,
	  "Notify SPI runs past the payload" },
	{ "51 NAT_DETECTION of 19 octets", N, 0,
	  "0000001b 00004004 000102030405060708090a0b0c0d0e0f101112", EB, SYN, -1,
	  "NAT_DETECTION data is not 20 octets" },
	{ "52 COOKIE empty", N, 0, "00000008 00004006", EB, SYN, -1,
	  "COOKIE length outside 1..64" },
	{ "53 INVALID_KE_PAYLOAD of 3 octets", N, 0, "0000000b 00000011 001300",
	  EB, SYN, -1, "INVALID_KE_PAYLOAD data is not 2 octets" },
	{ "54 REKEY_SA without SPI", N, 0, "00000008 03004009", EB, SYN, -1,
	  "REKEY_SA without a 4-octet SPI" },
	{ "55 SIGNATURE_HASH_ALGORITHMS odd", N, 0, "0000000b 0000402f 000200",
	  EB, SYN, -1, "SIGNATURE_HASH_ALGORITHMS odd length" },
	/* §3.11 Delete */
	{ "56 delete truncated", IKE_PL_DELETE, 0, "00000007 030400", EB, SYN, -1,
	  "Delete payload truncated" },
	{ "57 delete count larger than SPIs", IKE_PL_DELETE, 0,
	  "0000000c 03040002 00000001", EB, SYN, -1,
	  "Delete SPI count does not match its length" },
	{ "58 delete count smaller than SPIs", IKE_PL_DELETE, 0,
	  "00000010 03040001 00000001 00000002", EB, SYN, -1,
	  "Delete SPI count does not match its length" },
	{ "59 delete IKE with an SPI", IKE_PL_DELETE, 0,
	  "00000010 01080001 0102030405060708", EB, SYN, -1, "Delete of the IKE SA with SPIs" },
	{ "60 delete of protocol 9", IKE_PL_DELETE, 0, "00000008 09000000", EB, SYN, -1,
	  "Delete of an unknown protocol" },
	{ "61 delete ESP SPI size 8", IKE_PL_DELETE, 0,
	  "00000010 03080001 0102030405060708", EB, SYN, -1, "Delete SPI size not 4" },
	/* §3.13 TS */
	{ "62 TS truncated", IKE_PL_TSI, 0, "00000007 010000", EB, SYN, -1,
	  "TS payload truncated" },
	{ "63 TS with 0 selectors", IKE_PL_TSI, 0, "00000008 00000000", EB, SYN, -1,
	  "TS payload without selectors" },
	{ "64 TS with 17 selectors", IKE_PL_TSI, 0,
	  "00000018 11000000 07000010 0000ffff 0a000000 0a0000ff", EB, SYN, -1,
	  "too many traffic selectors" },
	{ "65 TS count larger than selectors", IKE_PL_TSI, 0,
	  "00000018 02000000 07000010 0000ffff 0a000000 0a0000ff", EB, SYN, -1,
	  "traffic selector truncated" },
	{ "66 TS count smaller than selectors", IKE_PL_TSI, 0,
	  "00000028 01000000 07000010 0000ffff 0a000000 0a0000ff"
	  "07000010 0000ffff 0a000000 0a0000ff", EB, SYN, -1,
	  "selector count does not fill the TS payload" },
	{ "67 IPv4 selector length 20", IKE_PL_TSI, 0,
	  "0000001c 01000000 07000014 0000ffff 0a000000 0a0000ff 00000000",
	  EB, SYN, -1, "selector length does not match its type" },
	{ "68 IPv6 selector length 16", IKE_PL_TSR, 0,
	  "00000018 01000000 08000010 0000ffff 0a000000 0a0000ff", EB, SYN, -1,
	  "selector length does not match its type" },
	{ "69 selector length past payload", IKE_PL_TSR, 0,
	  "00000018 01000000 07000020 0000ffff 0a000000 0a0000ff", EB, SYN, -1,
	  "selector runs past the TS payload" },
	{ "70 selector length below 8", IKE_PL_TSR, 0,
	  "00000018 01000000 07000004 0000ffff 0a000000 0a0000ff", EB, SYN, -1,
	  "selector length below header size" },
	{ "71 selector header truncated", IKE_PL_TSR, 0,
	  "0000000c 01000000 07000010", EB, SYN, -1, "traffic selector truncated" },
	/* §3.14 SK */
	{ "72 SK not last", IKE_PL_SK, 0, "2b000008 00000000 00000004", EB, SYN, -1,
	  "SK is not the last payload" },
	/* §3.15 CP, §3.16 EAP, §3.6 CERT */
	{ "73 CP attribute past payload", IKE_PL_CP, 0,
	  "0000000e 01000000 00010004 0102", EB, SYN, -1,
	  "CP attribute runs past the payload" },
	{ "74 CP attribute header truncated", IKE_PL_CP, 0, "0000000a 01000000 0001",
	  EB, SYN, -1, "CP attribute header truncated" },
	{ "75 EAP length lies", IKE_PL_EAP, 0, "00000009 01070006 01", EB, SYN, -1,
	  "EAP length does not match the payload" },
	{ "76 CERT empty", IKE_PL_CERT, 0, "00000004", EB, SYN, -1,
	  "CERT/CERTREQ payload truncated" },
};

static size_t build_bad(const struct bad_row *r, uint8_t *buf, size_t cap)
{
	struct ike_hdr h = req_hdr(IKE_EXCH_IKE_SA_INIT);
	size_t n = tu_unhex_must(r->hex, buf + IKE_HDR_LEN, cap - IKE_HDR_LEN);
	size_t total = IKE_HDR_LEN + n;

	h.next = r->first;
	h.len = (uint32_t)total;
	if (r->flags & HDR_LEN_PLUS)
		h.len += 4;
	if (r->flags & HDR_LEN_MINUS)
		h.len -= 4;
	if (r->flags & HDR_V1)
		h.major = 1;
	if (r->flags & HDR_V3)
		h.major = 3;
	if (r->flags & HDR_SPI0)
		h.spi_i = 0;
	ike_hdr_encode(&h, buf);
	if (r->flags & HDR_CUT)
		total = 20;
	return total;
}

static void test_malformed_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad_rows); i++) {
		const struct bad_row *r = &bad_rows[i];
		uint8_t *buf;
		struct ike_msg m;
		size_t n;
		int rc;

		/* Exactly sized, so ASan catches any read past the end. */
		buf = malloc(512);
		assert_non_null(buf);
		n = build_bad(r, buf, 512);
		{
			uint8_t *exact = malloc(n ? n : 1);

			assert_non_null(exact);
			memcpy(exact, buf, n);
			free(buf);
			buf = exact;
		}
		rc = ike_msg_decode(&m, buf, n);
		if (rc != r->rc || m.err.notify != r->notify ||
		    (r->data >= 0 && (!m.err.has_data || m.err.data != r->data)) ||
		    !m.err.why || strcmp(m.err.why, r->why))
			fail_msg("row \"%s\": rc %d notify %u data %d (%s), "
				 "want rc %d notify %u data %d (%s)", r->name, rc,
				 m.err.notify, m.err.has_data ? m.err.data : -1,
				 m.err.why ? m.err.why : "-", r->rc, r->notify,
				 r->data, r->why);
		free(buf);
	}
}

/* The same bodies must pass once the defect is fixed: a control row per
 * family, so the table does not pass on an unrelated error. */
static void test_malformed_controls(void **state)
{
	static const struct bad_row good[] = {
		{ "V", V, 0, "00000004", 0, 0, -1 },
		{ "SA", SA, 0, "00000014 00000010 01010001 00000008 01000014", 0, 0, -1 },
		{ "SA keylen", SA, 0,
		  "00000018 00000014 01010001 0000000c 0100000c 800e0080", 0, 0, -1 },
		{ "TS", IKE_PL_TSI, 0,
		  "00000018 01000000 07000010 0000ffff 0a000000 0a0000ff", 0, 0, -1 },
		{ "D", IKE_PL_DELETE, 0, "0000000c 03040001 00000001", 0, 0, -1 },
		{ "N", N, 0, "0000000c 03044009 aabbccdd", 0, 0, -1 },
		{ "unknown non-critical", 60, 0, "00000008 deadbeef", 0, 0, -1 },
		{ "CP", IKE_PL_CP, 0, "0000000e 01000000 00010002 0102", 0, 0, -1 },
		{ "EAP", IKE_PL_EAP, 0, "00000009 01070005 01", 0, 0, -1 },
		{ "empty message", IKE_PL_NONE, 0, "", 0, 0, -1 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		uint8_t buf[512];
		struct ike_msg m;
		size_t n = build_bad(&good[i], buf, sizeof(buf));
		int rc = ike_msg_decode(&m, buf, n);

		if (rc)
			fail_msg("control \"%s\": rc %d (%s)", good[i].name, rc,
				 m.err.why ? m.err.why : "-");
	}
}

static void test_too_many(void **state)
{
	static uint8_t buf[IKE_MSG_MAX + 8];
	struct ike_hdr h = req_hdr(IKE_EXCH_IKE_SA_INIT);
	struct ike_msg m;
	size_t n = IKE_HDR_LEN;

	(void)state;
	/* 65 empty V payloads: one more than IKE_MAX_PAYLOADS. */
	for (unsigned int i = 0; i <= IKE_MAX_PAYLOADS; i++) {
		buf[n] = i < IKE_MAX_PAYLOADS ? IKE_PL_VENDOR : 0;
		buf[n + 1] = 0;
		ike_put16(buf + n + 2, 4);
		n += 4;
	}
	h.next = IKE_PL_VENDOR;
	h.len = (uint32_t)n;
	ike_hdr_encode(&h, buf);
	assert_int_equal(ike_msg_decode(&m, buf, n), -EBADMSG);
	assert_int_equal(m.err.notify, IKE_N_INVALID_SYNTAX);
	/* 64 are fine. */
	buf[n - 8] = 0;
	h.len = (uint32_t)(n - 4);
	ike_hdr_encode(&h, buf);
	assert_int_equal(ike_msg_decode(&m, buf, n - 4), 0);
	assert_int_equal(m.npld, IKE_MAX_PAYLOADS);

	/* 17 proposals. */
	n = IKE_HDR_LEN + 4;
	for (unsigned int i = 0; i <= IKE_MAX_PROPOSALS; i++) {
		uint8_t *p = buf + n;

		p[0] = i < IKE_MAX_PROPOSALS ? 2 : 0;
		p[1] = 0;
		ike_put16(p + 2, 16);
		p[4] = (uint8_t)(i + 1);
		p[5] = IKE_PROTO_ESP;
		p[6] = 0;
		p[7] = 1;
		memcpy(p + 8, "\x00\x00\x00\x08\x01\x00\x00\x14", 8);
		n += 16;
	}
	buf[IKE_HDR_LEN] = 0;
	buf[IKE_HDR_LEN + 1] = 0;
	ike_put16(buf + IKE_HDR_LEN + 2, (uint16_t)(n - IKE_HDR_LEN));
	h.next = IKE_PL_SA;
	h.len = (uint32_t)n;
	ike_hdr_encode(&h, buf);
	assert_int_equal(ike_msg_decode(&m, buf, n), -EBADMSG);
	assert_string_equal(m.err.why, "too many proposals");

	/* Larger than IKE_MSG_MAX: dropped without an answer. */
	n = IKE_MSG_MAX + 4;
	memset(buf, 0, n);
	h.next = IKE_PL_VENDOR;
	h.len = (uint32_t)n;
	ike_hdr_encode(&h, buf);
	ike_put16(buf + IKE_HDR_LEN + 2, 0xffff);
	assert_int_equal(ike_msg_decode(&m, buf, n), -EMSGSIZE);
	assert_int_equal(m.err.notify, 0);
	assert_true(m.hdr_ok);
}

/* Faults in the decrypted part. */
static void test_inner_errors(void **state)
{
	uint8_t buf[256], plain[64];
	struct ike_hdr h = req_hdr(IKE_EXCH_IKE_AUTH);
	struct ike_enc e;
	struct ike_msg m;
	struct ike_sk sk;
	size_t n;

	(void)state;
	ike_enc_init(&e, buf, sizeof(buf), &h);
	ike_enc_sk_begin(&e, 0);
	ike_enc_vendor(&e, "v", 1);
	ike_enc_sk_end(&e, 1, 0, &sk);
	n = (size_t)ike_enc_finish(&e);
	assert_int_equal(ike_msg_decode(&m, buf, n), 0);
	assert_int_equal(m.sk_next, IKE_PL_VENDOR);

	/* Pad Length larger than the plaintext. */
	memcpy(plain, "\x00\x00\x00\x05v\x09", 6);
	assert_int_equal(ike_msg_decode_inner(&m, plain, 6), -EBADMSG);
	assert_true(m.err.inner);
	assert_false(m.decrypted);

	/* A critical unknown payload inside. */
	ike_msg_decode(&m, buf, n);
	memcpy(plain, "\x50\x00\x00\x05v" "\x00\x80\x00\x04" "\x00", 10);
	assert_int_equal(ike_msg_decode_inner(&m, plain, 10), -EOPNOTSUPP);
	assert_int_equal(m.err.notify, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD);
	assert_int_equal(m.err.data, 0x50);
	assert_true(m.err.inner);
	assert_int_equal(m.err.off, 5);
	assert_int_equal(m.npld, m.nouter);     /* nothing half-decoded stays */
	assert_null(ike_msg_find(&m, IKE_PL_VENDOR));

	/* SK nested in SK. */
	ike_msg_decode(&m, buf, n);
	memcpy(plain, "\x2e\x00\x00\x05v" "\x00\x00\x00\x04" "\x00", 10);
	assert_int_equal(ike_msg_decode_inner(&m, plain, 10), -EBADMSG);
	assert_string_equal(m.err.why, "SK inside SK");

	/* Chain ends early. */
	ike_msg_decode(&m, buf, n);
	memcpy(plain, "\x00\x00\x00\x05v" "zz" "\x00", 8);
	assert_int_equal(ike_msg_decode_inner(&m, plain, 8), -EBADMSG);
	/* Truncated inner payload. */
	ike_msg_decode(&m, buf, n);
	memcpy(plain, "\x00\x00\x00\x09v" "\x00", 6);
	assert_int_equal(ike_msg_decode_inner(&m, plain, 6), -EBADMSG);

	/* No SK: nothing to decode. */
	ike_enc_init(&e, buf, sizeof(buf), &h);
	ike_enc_vendor(&e, "v", 1);
	n = (size_t)ike_enc_finish(&e);
	assert_int_equal(ike_msg_decode(&m, buf, n), 0);
	assert_int_equal(ike_msg_decode_inner(&m, plain, 1), -EINVAL);
	assert_int_equal(ike_msg_sk(&m, 0, 0, 1, &sk), -ENOENT);
}

static void test_enc_errors(void **state)
{
	uint8_t buf[128], nonce[32] = { 0 };
	static uint8_t big[IKE_MSG_MAX + 100], src[65536];
	struct ike_hdr h = req_hdr(IKE_EXCH_IKE_SA_INIT);
	struct ike_ts_list ts = { 0 };
	struct ike_sa_pld sa = { 0 };
	struct ike_enc e;
	struct ike_sk sk;

	(void)state;
	/* Room for the header only. */
	assert_int_equal(ike_enc_init(&e, buf, 27, &h), -ENOSPC);
	assert_int_equal(ike_enc_finish(&e), -ENOSPC);
	assert_int_equal(ike_enc_init(&e, buf, 28, &h), 0);
	assert_int_equal(ike_enc_finish(&e), 28);
	/* Out of room: sticky; the buffer past cap is never written. */
	memset(buf, 0x5a, sizeof(buf));
	ike_enc_init(&e, buf, 63, &h);
	assert_int_equal(ike_enc_nonce(&e, nonce, 32), -ENOSPC);
	assert_int_equal(ike_enc_vendor(&e, NULL, 0), -ENOSPC);
	assert_int_equal(ike_enc_finish(&e), -ENOSPC);
	assert_int_equal(buf[28], 0x5a);
	ike_enc_init(&e, buf, 64, &h);
	assert_int_equal(ike_enc_nonce(&e, nonce, 32), 0);
	assert_int_equal(ike_enc_finish(&e), 64);
	/* Values the decoder would refuse. */
	struct { const char *name; int rc; } inval[8];
	unsigned int k = 0;

#define TRY(expr) do { ike_enc_init(&e, buf, sizeof(buf), &h); \
		inval[k].name = #expr; inval[k++].rc = (expr); } while (0)
	TRY(ike_enc_nonce(&e, nonce, 15));
	TRY(ike_enc_ke(&e, IKE_DH_CURVE25519, nonce, 31));
	TRY(ike_enc_id(&e, IKE_PL_IDI, IKE_ID_IPV4_ADDR, nonce, 16));
	TRY(ike_enc_notify(&e, 0, NULL, 0, IKE_N_COOKIE, nonce, 0));
	TRY(ike_enc_delete(&e, IKE_PROTO_IKE, 4, 1, nonce));
	TRY(ike_enc_ts(&e, IKE_PL_TSI, &ts));
	TRY(ike_enc_sa(&e, &sa));
	TRY(ike_enc_raw(&e, IKE_PL_SK, false, NULL, 0));
#undef TRY
	for (unsigned int i = 0; i < k; i++)
		if (inval[i].rc != -EINVAL)
			fail_msg("%s: %d, want -EINVAL", inval[i].name, inval[i].rc);

	/* SK opened, not closed. */
	ike_enc_init(&e, buf, sizeof(buf), &h);
	ike_enc_sk_begin(&e, 8);
	assert_int_equal(ike_enc_sk_begin(&e, 8), -EINVAL);
	ike_enc_init(&e, buf, sizeof(buf), &h);
	ike_enc_sk_begin(&e, 8);
	assert_int_equal(ike_enc_finish(&e), -EINVAL);
	/* Nothing after SK. */
	ike_enc_init(&e, buf, sizeof(buf), &h);
	ike_enc_sk_begin(&e, 8);
	ike_enc_sk_end(&e, 16, 16, &sk);
	assert_int_equal(ike_enc_vendor(&e, NULL, 0), -EINVAL);
	/* SK end without SK. */
	ike_enc_init(&e, buf, sizeof(buf), &h);
	assert_int_equal(ike_enc_sk_end(&e, 16, 16, &sk), -EINVAL);

	/* Payload count. */
	ike_enc_init(&e, big, sizeof(big), &h);
	for (unsigned int i = 0; i < IKE_MAX_PAYLOADS; i++)
		assert_int_equal(ike_enc_vendor(&e, NULL, 0), 0);
	assert_int_equal(ike_enc_vendor(&e, NULL, 0), -E2BIG);
	/* Payload above 65535 octets; message above IKE_MSG_MAX. */
	ike_enc_init(&e, big, sizeof(big), &h);
	assert_int_equal(ike_enc_vendor(&e, src, 65532), -EMSGSIZE);
	ike_enc_init(&e, big, sizeof(big), &h);
	assert_int_equal(e.cap, IKE_MSG_MAX);
	assert_int_equal(ike_enc_vendor(&e, src, IKE_MSG_MAX - 32 + 1), -ENOSPC);
	ike_enc_init(&e, big, sizeof(big), &h);
	assert_int_equal(ike_enc_vendor(&e, src, IKE_MSG_MAX - 32), 0);
	assert_int_equal(ike_enc_finish(&e), IKE_MSG_MAX);
}

/* §3.14: inner + padding + Pad Length fill whole blocks, minimal pad. */
static void test_sk_padding(void **state)
{
	(void)state;
	for (size_t blk = 1; blk <= 16; blk *= 2) {
		for (size_t vlen = 0; vlen < 40; vlen++) {
			uint8_t buf[256], v[40] = { 0 };
			struct ike_hdr h = req_hdr(IKE_EXCH_INFORMATIONAL);
			struct ike_enc e;
			struct ike_msg m;
			struct ike_sk sk, dsk;
			int n;

			ike_enc_init(&e, buf, sizeof(buf), &h);
			ike_enc_sk_begin(&e, 16);
			ike_enc_vendor(&e, v, vlen);
			assert_int_equal(ike_enc_sk_end(&e, blk, 16, &sk), 0);
			n = ike_enc_finish(&e);
			assert_int_equal(sk.ct_len % blk, 0);
			assert_true(sk.ct_len >= 4 + vlen + 1);
			assert_true(sk.ct_len < 4 + vlen + 1 + blk);
			assert_int_equal(buf[sk.ct_off + sk.ct_len - 1],
					 sk.ct_len - 4 - vlen - 1);
			assert_int_equal(ike_msg_decode(&m, buf, (size_t)n), 0);
			assert_int_equal(ike_msg_sk(&m, 16, 16, blk, &dsk), 0);
			assert_memory_equal(&dsk, &sk, sizeof(sk));
			assert_int_equal(ike_msg_decode_inner(&m, buf + sk.ct_off,
							      sk.ct_len), 0);
			assert_int_equal(ike_msg_find(&m, IKE_PL_VENDOR)->v.vid.len,
					 vlen);
		}
	}
}

static void test_hdr(void **state)
{
	uint8_t b[IKE_HDR_LEN];
	struct ike_hdr h = {
		.spi_i = 0x0102030405060708ull, .spi_r = 0xf1f2f3f4f5f6f7f8ull,
		.next = 46, .major = 2, .minor = 1, .exch = 37,
		.flags = IKE_FLAG_RESPONSE | 0x01, .msgid = 0xfffffffe, .len = 28,
	}, g;

	(void)state;
	ike_hdr_encode(&h, b);
	assert_int_equal(b[17], 0x21);
	assert_int_equal(ike_hdr_decode(b, sizeof(b), &g), 0);
	assert_true(g.spi_i == h.spi_i && g.spi_r == h.spi_r);
	assert_int_equal(g.next, h.next);
	assert_int_equal(g.major, h.major);
	assert_int_equal(g.minor, h.minor);
	assert_int_equal(g.exch, h.exch);
	assert_int_equal(g.flags, h.flags);
	assert_int_equal(g.msgid, h.msgid);
	assert_int_equal(g.len, h.len);
	assert_int_equal(ike_hdr_decode(b, 27, &g), -EBADMSG);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(ike_exch_name(IKE_EXCH_CREATE_CHILD_SA), "CREATE_CHILD_SA");
	assert_string_equal(ike_pld_name(IKE_PL_SK), "SK");
	assert_string_equal(ike_pld_name(250), "?");
	assert_string_equal(ike_notify_name(IKE_N_NAT_DETECTION_DESTINATION_IP),
			    "NAT_DETECTION_DESTINATION_IP");
	assert_string_equal(ike_notify_name(IKE_N_SIGNATURE_HASH_ALGORITHMS),
			    "SIGNATURE_HASH_ALGORITHMS");
	assert_string_equal(ike_xform_name(IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16),
			    "AES_GCM_16");
	assert_string_equal(ike_xform_name(IKE_XFORM_DH, IKE_DH_CURVE25519),
			    "CURVE25519");
	assert_string_equal(ike_xform_name(IKE_XFORM_INTEG,
					   IKE_INTEG_HMAC_SHA2_384_192),
			    "AUTH_HMAC_SHA2_384_192");
	assert_string_equal(ike_id_type_name(IKE_ID_KEY_ID), "ID_KEY_ID");
	assert_string_equal(ike_auth_method_name(2), "SHARED_KEY_MIC");
	assert_string_equal(ike_ts_type_name(8), "TS_IPV6_ADDR_RANGE");
	assert_string_equal(ike_proto_name(3), "ESP");
	assert_int_equal(ike_ke_data_len(IKE_DH_MODP2048), 256);
	assert_int_equal(ike_ke_data_len(IKE_DH_ECP256), 64);
	assert_int_equal(ike_ke_data_len(IKE_DH_CURVE25519), 32);
	assert_int_equal(ike_ke_data_len(99), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_sa_init_decode),
		cmocka_unit_test(test_rfc_sa_init_encode),
		cmocka_unit_test(test_hdr),
		cmocka_unit_test(test_rt_sa),
		cmocka_unit_test(test_sa_unknown_attr),
		cmocka_unit_test(test_rt_ke_nonce_id_auth),
		cmocka_unit_test(test_rt_notify_delete_vendor),
		cmocka_unit_test(test_rt_ts),
		cmocka_unit_test(test_ts_unknown_type),
		cmocka_unit_test(test_rt_cert_cp_eap_unknown),
		cmocka_unit_test(test_rt_sk),
		cmocka_unit_test(test_sk_empty),
		cmocka_unit_test(test_sk_unpad),
		cmocka_unit_test(test_sk_padding),
		cmocka_unit_test(test_sk_close),
		cmocka_unit_test(test_malformed_table),
		cmocka_unit_test(test_malformed_controls),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_inner_errors),
		cmocka_unit_test(test_enc_errors),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
