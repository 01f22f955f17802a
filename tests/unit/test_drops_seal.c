// SPDX-License-Identifier: GPL-2.0-only
/*
 * Drop reasons, continued: SA lifetime and sequence-number limits, no
 * headroom/tailroom, fragments, further malformed input (sequence number
 * zero, AH lengths, encapsulation, IPv6 extension headers), bad seal
 * input and xs_sa_new validation. Same rules as test_drops.c: the
 * returned reason and exactly that counter rose by one.
 */
#include "drops_util.h"

/* ---- LIFETIME_EXPIRED, SEQ_OVERFLOW -------------------------------------- */

static void check_lifetime(uint8_t proto, unsigned int suite)
{
	struct tpkt t, sealed[4];
	struct xs_sa *tx_free;
	struct pair pr;

	pair_cfg(&pr, proto == XS_PROTO_AH ? AH_SPI : ESP_SPI, proto,
		 XS_MODE_TUNNEL, AF_INET, suite);
	tx_free = xs_sa_new(&pr.cfg);           /* a sender without limits */
	assert_non_null(tx_free);
	pr.cfg.hard.packets = 3;
	pair_start(&pr);
	watch_add(&pr.w, tx_free);

	for (int i = 0; i < 3; i++)
		seal_ok(&pr, &t, 20);
	build_for(&pr.cfg, &t, 20);
	EXPECT_DROP(&pr.w, pr.tx, XS_DROP_LIFETIME_EXPIRED, xs_seal(pr.tx, &t.p));
	build_for(&pr.cfg, &t, 20);
	EXPECT_DROP(&pr.w, pr.tx, XS_DROP_LIFETIME_EXPIRED, xs_seal(pr.tx, &t.p));
	assert_true(xs_sa_expired(pr.tx));

	for (int i = 0; i < 4; i++) {
		build_for(&pr.cfg, &sealed[i], 20);
		EXPECT_OK(xs_seal(tx_free, &sealed[i].p));
	}
	for (int i = 0; i < 3; i++)
		EXPECT_OK(xs_open(pr.db, &sealed[i].p, NULL));
	EXPECT_DROP(&pr.w, pr.rx, XS_DROP_LIFETIME_EXPIRED,
		    xs_open(pr.db, &sealed[3].p, NULL));
	assert_true(xs_sa_expired(pr.rx));
	xs_sa_free(tx_free);
	pair_free(&pr);
}

static void test_lifetime_expired(void **state)
{
	(void)state;
	check_lifetime(XS_PROTO_ESP, XS_SUITE_AES128GCM16);
	check_lifetime(XS_PROTO_AH, XS_SUITE_SHA256);
}

/* RFC 4303 §3.3.3 / RFC 4302 §3.3.2: the counter must never cycle. */
static void check_seq_overflow(uint8_t proto, unsigned int suite, bool esn)
{
	struct tpkt t;
	struct pair pr;

	pair_cfg(&pr, proto == XS_PROTO_AH ? AH_SPI : ESP_SPI, proto,
		 XS_MODE_TUNNEL, AF_INET, suite);
	pr.cfg.esn = esn;
	pr.cfg.seq_start = esn ? UINT64_MAX - 1 : UINT32_MAX - 1;
	pair_start(&pr);
	seal_ok(&pr, &t, 20); /* the last number there is */
	build_for(&pr.cfg, &t, 20);
	EXPECT_DROP(&pr.w, pr.tx, XS_DROP_SEQ_OVERFLOW, xs_seal(pr.tx, &t.p));
	build_for(&pr.cfg, &t, 20);
	EXPECT_DROP(&pr.w, pr.tx, XS_DROP_SEQ_OVERFLOW, xs_seal(pr.tx, &t.p));
	pair_free(&pr);
}

static void test_seq_overflow(void **state)
{
	(void)state;
	check_seq_overflow(XS_PROTO_ESP, XS_SUITE_AES128GCM16, false);
	check_seq_overflow(XS_PROTO_ESP, XS_SUITE_AES128GCM16, true);
	check_seq_overflow(XS_PROTO_AH, XS_SUITE_SHA256, false);
}

/* ---- NO_ROOM ------------------------------------------------------------- */

static void check_no_room(uint8_t proto, uint8_t mode, unsigned int suite)
{
	static uint8_t big[XS_HEADROOM + 65536 + XS_TAILROOM];
	struct xs_pkt bp;
	struct tpkt t;
	struct pair pr;

	pair_cfg(&pr, proto == XS_PROTO_AH ? AH_SPI : ESP_SPI, proto, mode,
		 AF_INET, suite);
	/* AH needs tailroom only for the ESN high bits it hashes. */
	pr.cfg.esn = proto == XS_PROTO_AH;
	pair_start(&pr);

	/* Headroom too small: move the packet to the front of the buffer. */
	build_for(&pr.cfg, &t, 100);
	memmove(t.buf + 4, tpkt_data(&t), t.p.len);
	t.p.off = 4;
	EXPECT_DROP(&pr.w, pr.tx, XS_DROP_NO_ROOM, xs_seal(pr.tx, &t.p));

	/* Tailroom too small: the buffer ends right behind the packet. */
	build_for(&pr.cfg, &t, 100);
	t.p.cap = t.p.off + t.p.len + 1;
	EXPECT_DROP(&pr.w, pr.tx, XS_DROP_NO_ROOM, xs_seal(pr.tx, &t.p));

	/* The result would not fit the IPv4 total length field. */
	build_for(&pr.cfg, &t, 100);
	memset(big, 0, sizeof(big));
	memcpy(big + XS_HEADROOM, tpkt_data(&t), 28);
	put16(big + XS_HEADROOM + 2, 65535);
	ip4_fix_csum(big + XS_HEADROOM);
	put16(big + XS_HEADROOM + 24, 65535 - 20);
	bp.buf = big;
	bp.cap = sizeof(big);
	bp.off = XS_HEADROOM;
	bp.len = 65535;
	EXPECT_DROP(&pr.w, pr.tx, XS_DROP_NO_ROOM, xs_seal(pr.tx, &bp));

	/* Nothing consumed a sequence number: the next seal is seq 1 and
	 * opens. */
	build_for(&pr.cfg, &t, 100);
	EXPECT_OK(xs_seal(pr.tx, &t.p));
	assert_int_equal(pr.tx->tx_seq, 1);

	/* AH with ESN also hashes the high bits behind the received packet. */
	if (proto == XS_PROTO_AH) {
		struct tpkt t2;

		tpkt_copy(&t2, &t);
		t2.p.cap = t2.p.off + t2.p.len + 3;
		EXPECT_DROP(&pr.w, pr.rx, XS_DROP_NO_ROOM,
			    xs_open(pr.db, &t2.p, NULL));
	}
	EXPECT_OK(xs_open(pr.db, &t.p, NULL));
	pair_free(&pr);
}

static void test_no_room(void **state)
{
	(void)state;
	check_no_room(XS_PROTO_ESP, XS_MODE_TUNNEL, XS_SUITE_AES128GCM16);
	check_no_room(XS_PROTO_ESP, XS_MODE_TRANSPORT, XS_SUITE_AES128CBC_SHA256);
	check_no_room(XS_PROTO_AH, XS_MODE_TUNNEL, XS_SUITE_SHA256);
	check_no_room(XS_PROTO_AH, XS_MODE_TRANSPORT, XS_SUITE_SHA256);
}

/* ---- FRAGMENT ------------------------------------------------------------ */

static void build_ip6_ext(struct tpkt *t, unsigned int n, uint8_t ext,
			  uint8_t proto, const uint8_t *l4, uint32_t l4_len);

/* RFC 4303 §3.1.1 / RFC 4302 §3.1.1: transport mode protects whole
 * datagrams only. */
static void check_fragment(uint8_t proto, unsigned int suite)
{
	static const uint16_t frags[] = { 0x2000 /* MF */, 0x0010 /* off 128 */,
					  0x2010 };
	uint8_t l4[64];
	struct tpkt t;
	struct pair pr, tun;

	pair_new(&pr, proto == XS_PROTO_AH ? AH_SPI : ESP_SPI, proto,
		 XS_MODE_TRANSPORT, AF_INET, suite);
	memset(l4, 0xab, sizeof(l4));
	for (size_t i = 0; i < sizeof(frags) / sizeof(frags[0]); i++) {
		build_ip4(&t, IPPROTO_UDP, "192.0.2.1", "192.0.2.2", frags[i], l4,
			  sizeof(l4));
		EXPECT_DROP(&pr.w, pr.tx, XS_DROP_FRAGMENT, xs_seal(pr.tx, &t.p));
	}
	/* DF alone is not a fragment. */
	build_ip4(&t, IPPROTO_UDP, "192.0.2.1", "192.0.2.2", 0x4000, l4,
		  sizeof(l4));
	EXPECT_OK(xs_seal(pr.tx, &t.p));
	EXPECT_OK(xs_open(pr.db, &t.p, NULL));

	/* A received IPsec packet that is itself a fragment. */
	seal_ok(&pr, &t, 40);
	put16(tpkt_data(&t) + 6, 0x2000);
	ip4_fix_csum(tpkt_data(&t));
	EXPECT_DROP(&pr.w, NULL, XS_DROP_FRAGMENT, xs_open(pr.db, &t.p, NULL));

	/* Tunnel mode carries fragments like any other datagram. */
	pair_new(&tun, (proto == XS_PROTO_AH ? AH_SPI : ESP_SPI) + 1, proto,
		 XS_MODE_TUNNEL, AF_INET, suite);
	build_ip4(&t, IPPROTO_UDP, "10.0.0.1", "10.0.0.2", 0x2000, l4,
		  sizeof(l4));
	EXPECT_OK(xs_seal(tun.tx, &t.p));
	EXPECT_OK(xs_open(tun.db, &t.p, NULL));
	pair_free(&tun);
	pair_free(&pr);
}

static void test_fragment(void **state)
{
	static const uint8_t udp[16] = { 0x04, 0xd2, 0x16, 0x2e, 0, 16 };
	struct tpkt t;
	struct pair pr;

	(void)state;
	check_fragment(XS_PROTO_ESP, XS_SUITE_AES128GCM16);
	check_fragment(XS_PROTO_AH, XS_SUITE_SHA256);

	/* IPv6 transport: a fragment header is where ESP would go. */
	pair_new(&pr, ESP_SPI, XS_PROTO_ESP, XS_MODE_TRANSPORT, AF_INET6,
		 XS_SUITE_AES128GCM16);
	build_ip6_ext(&t, 1, 44, IPPROTO_UDP, udp, sizeof(udp));
	EXPECT_DROP(&pr.w, pr.tx, XS_DROP_FRAGMENT, xs_seal(pr.tx, &t.p));
	/* A hop-by-hop header is not. */
	build_ip6_ext(&t, 1, 0, IPPROTO_UDP, udp, sizeof(udp));
	EXPECT_OK(xs_seal(pr.tx, &t.p));
	EXPECT_OK(xs_open(pr.db, &t.p, NULL));
	pair_free(&pr);
}

/* ---- more malformed input ------------------------------------------------ */

/* Sequence number 0 is never sent (RFC 4303 §3.3.3); forged with a valid
 * ICV so that only the number can be blamed. */
static void test_seq_zero(void **state)
{
	struct tpkt t;
	struct forge f;
	struct pair pr;

	(void)state;
	pair_new(&pr, ESP_SPI, XS_PROTO_ESP, XS_MODE_TUNNEL, AF_INET,
		 XS_SUITE_NULL_SHA256);
	seal_ok(&pr, &t, 40);
	forge_open(&f, &pr.cfg, &t);
	put32(tpkt_data(&t) + f.esp + 4, 0);
	forge_seal(&f);
	EXPECT_DROP(&pr.w, pr.rx, XS_DROP_OUTSIDE_WINDOW,
		    xs_open(pr.db, &t.p, NULL));
	pair_free(&pr);
}

/* RFC 4302 §2.2: the payload length must fit the SA's ICV. */
static void test_ah_bad_length(void **state)
{
	static const uint8_t lens[] = { 0, 4, 6, 255 };
	struct tpkt sealed, t;
	struct pair pr;

	(void)state;
	pair_new(&pr, AH_SPI, XS_PROTO_AH, XS_MODE_TRANSPORT, AF_INET,
		 XS_SUITE_SHA256);
	seal_ok(&pr, &sealed, 40);
	assert_int_equal(tpkt_data(&sealed)[20 + 1], (12 + 16) / 4 - 2);
	for (size_t i = 0; i < sizeof(lens); i++) {
		tpkt_copy(&t, &sealed);
		tpkt_data(&t)[20 + 1] = lens[i];
		EXPECT_DROP(&pr.w, pr.rx, XS_DROP_BAD_LENGTH,
			    xs_open(pr.db, &t.p, NULL));
	}
	tpkt_copy(&t, &sealed);
	EXPECT_OK(xs_open(pr.db, &t.p, NULL));
	pair_free(&pr);
}

static void test_too_short_encap(void **state)
{
	uint8_t l4[32], data[4] = { 0x12, 0x34 };
	struct tpkt t;
	struct pair pr;
	uint32_t n;

	(void)state;
	pair_new(&pr, ESP_SPI, XS_PROTO_ESP, XS_MODE_TUNNEL, AF_INET,
		 XS_SUITE_AES128GCM16);
	/* Two bytes of UDP payload: neither keepalive nor marker nor SPI. */
	n = build_udp(l4, 4500, XS_NATT_PORT, data, 2);
	build_ip4(&t, IPPROTO_UDP, "192.0.2.1", "192.0.2.2", 0, l4, n);
	EXPECT_DROP(&pr.w, NULL, XS_DROP_TOO_SHORT, xs_open(pr.db, &t.p, NULL));
	/* Half a UDP header. */
	build_ip4(&t, IPPROTO_UDP, "192.0.2.1", "192.0.2.2", 0, l4, 4);
	EXPECT_DROP(&pr.w, NULL, XS_DROP_TOO_SHORT, xs_open(pr.db, &t.p, NULL));
	/* A SPI but no sequence number. */
	put32(data, ESP_SPI);
	n = build_udp(l4, 4500, XS_NATT_PORT, data, 4);
	build_ip4(&t, IPPROTO_UDP, "192.0.2.1", "192.0.2.2", 0, l4, n);
	EXPECT_DROP(&pr.w, NULL, XS_DROP_TOO_SHORT, xs_open(pr.db, &t.p, NULL));
	pair_free(&pr);
}

static void test_too_short_ah_db(void **state)
{
	struct tpkt sealed, t;
	struct pair pr;

	(void)state;
	pair_new(&pr, AH_SPI, XS_PROTO_AH, XS_MODE_TUNNEL, AF_INET6,
		 XS_SUITE_SHA256);
	seal_ok(&pr, &sealed, 32);
	/* Without SPI: the database counts; with it, the SA does. */
	for (uint32_t cut = 41; cut < 40 + 32; cut += 3) {
		tpkt_copy(&t, &sealed);
		truncate_to(&t, cut);
		EXPECT_DROP(&pr.w, cut < 40 + XS_AH_HDR_LEN ? NULL : pr.rx,
			    XS_DROP_TOO_SHORT, xs_open(pr.db, &t.p, NULL));
	}
	tpkt_copy(&t, &sealed);
	EXPECT_OK(xs_open(pr.db, &t.p, NULL));
	pair_free(&pr);
}

/* IPv6 with n extension headers of type nh (8 bytes each) before proto. */
static void build_ip6_ext(struct tpkt *t, unsigned int n, uint8_t ext,
			  uint8_t proto, const uint8_t *l4, uint32_t l4_len)
{
	uint8_t body[512];
	uint32_t len = 0;

	assert_true(n * 8 + l4_len <= sizeof(body));
	for (unsigned int i = 0; i < n; i++) {
		memset(body + len, 0, 8);
		body[len] = i + 1 < n ? ext : proto;
		if (ext == 60 || ext == 0) {
			body[len + 2] = 1; /* PadN, 4 bytes */
			body[len + 3] = 4;
		}
		len += 8;
	}
	memcpy(body + len, l4, l4_len);
	build_ip6(t, n ? ext : proto, "2001:db8::1", "2001:db8::2", body,
		  len + l4_len);
}

static void test_ip6_extension_headers(void **state)
{
	struct tpkt sealed, t;
	uint8_t esp[256];
	uint32_t esp_len;
	struct pair pr;

	(void)state;
	pair_new(&pr, ESP_SPI, XS_PROTO_ESP, XS_MODE_TUNNEL, AF_INET6,
		 XS_SUITE_AES128GCM16);
	seal_ok(&pr, &sealed, 40);
	esp_len = sealed.p.len - 40;
	assert_true(esp_len <= sizeof(esp));
	memcpy(esp, tpkt_data(&sealed) + 40, esp_len);

	/* Eight destination options headers are walked; the SA answers. */
	build_ip6_ext(&t, XS_ENGINE_EXT_MAX, 60, IPPROTO_ESP, esp, esp_len);
	EXPECT_OK(xs_open(pr.db, &t.p, NULL));
	/* Nine are too many. */
	build_ip6_ext(&t, XS_ENGINE_EXT_MAX + 1, 60, IPPROTO_ESP, esp, esp_len);
	EXPECT_DROP(&pr.w, NULL, XS_DROP_BAD_IP_HEADER,
		    xs_open(pr.db, &t.p, NULL));
	/* An extension header longer than the datagram. */
	build_ip6_ext(&t, 1, 60, IPPROTO_ESP, esp, esp_len);
	tpkt_data(&t)[40 + 1] = 200;
	EXPECT_DROP(&pr.w, NULL, XS_DROP_TOO_SHORT, xs_open(pr.db, &t.p, NULL));
	/* A fragment header: reassembly comes first (RFC 4303 §3.4.1)... */
	build_ip6_ext(&t, 1, 44, IPPROTO_ESP, esp, esp_len);
	put16(tpkt_data(&t) + 40 + 2, 0x0001);	/* M: more follow */
	EXPECT_DROP(&pr.w, NULL, XS_DROP_FRAGMENT, xs_open(pr.db, &t.p, NULL));
	build_ip6_ext(&t, 1, 44, IPPROTO_ESP, esp, esp_len);
	put16(tpkt_data(&t) + 40 + 2, 0x0008);	/* offset 8 */
	EXPECT_DROP(&pr.w, NULL, XS_DROP_FRAGMENT, xs_open(pr.db, &t.p, NULL));
	/* ...but an atomic fragment (offset 0, M clear) is a whole packet,
	 * RFC 6946 §4 (a fresh one: the one above was opened already). */
	seal_ok(&pr, &sealed, 40);
	memcpy(esp, tpkt_data(&sealed) + 40, esp_len);
	build_ip6_ext(&t, 1, 44, IPPROTO_ESP, esp, esp_len);
	EXPECT_OK(xs_open(pr.db, &t.p, NULL));
	pair_free(&pr);
}

/* An IPv6 header, then an atomic Fragment header (RFC 6946: offset 0, M
 * clear) in front of what the packet at t carried after its IPv6 header. */
static void insert_atomic_frag(struct tpkt *t)
{
	uint8_t *ip = tpkt_data(t);
	uint32_t rest = t->p.len - 40;

	memmove(ip + 48, ip + 40, rest);
	memset(ip + 40, 0, 8);
	ip[40] = ip[6];			/* the fragment header names what followed */
	put32(ip + 44, 0x01020304);	/* identification */
	ip[6] = 44;
	put16(ip + 4, (uint16_t)(rest + 8));
	t->p.len += 8;
}

/*
 * Transport mode through an atomic fragment: the Fragment header is not
 * part of what ESP/AH protected (RFC 4302 App. A2: fragmentation comes
 * after IPsec), so open removes it first; the AH ICV then verifies and
 * the result is the datagram that was sealed.
 */
static void check_atomic(uint8_t proto, unsigned int suite)
{
	static const uint8_t udp[24] = { 0x04, 0xd2, 0x16, 0x2e, 0, 24 };
	struct tpkt t, orig;
	struct pair pr;

	pair_new(&pr, proto == XS_PROTO_AH ? AH_SPI : ESP_SPI, proto, XS_MODE_TRANSPORT,
		 AF_INET6, suite);
	build_ip6(&t, IPPROTO_UDP, "2001:db8::1", "2001:db8::2", udp, sizeof(udp));
	tpkt_copy(&orig, &t);
	EXPECT_OK(xs_seal(pr.tx, &t.p));
	insert_atomic_frag(&t);
	EXPECT_OK(xs_open(pr.db, &t.p, NULL));
	assert_int_equal(t.p.len, orig.p.len);
	assert_memory_equal(tpkt_data(&t), tpkt_data(&orig), orig.p.len);
	/* A real fragment of it is refused, never opened piecemeal. */
	build_ip6(&t, IPPROTO_UDP, "2001:db8::1", "2001:db8::2", udp, sizeof(udp));
	EXPECT_OK(xs_seal(pr.tx, &t.p));
	insert_atomic_frag(&t);
	put16(tpkt_data(&t) + 42, 0x0001);
	EXPECT_DROP(&pr.w, NULL, XS_DROP_FRAGMENT, xs_open(pr.db, &t.p, NULL));
	pair_free(&pr);
}

static void test_ip6_atomic_fragment(void **state)
{
	(void)state;
	check_atomic(XS_PROTO_ESP, XS_SUITE_AES128GCM16);
	check_atomic(XS_PROTO_ESP, XS_SUITE_AES128CBC_SHA256);
	check_atomic(XS_PROTO_AH, XS_SUITE_SHA256);
}

/* Seal refuses what it cannot parse. */
static void test_seal_bad_input(void **state)
{
	static const uint8_t l4[16] = { 0 };
	struct pair tun, tr, ah;
	struct tpkt t;

	(void)state;
	pair_new(&tun, ESP_SPI, XS_PROTO_ESP, XS_MODE_TUNNEL, AF_INET,
		 XS_SUITE_AES128GCM16);
	pair_new(&tr, ESP_SPI + 1, XS_PROTO_ESP, XS_MODE_TRANSPORT, AF_INET,
		 XS_SUITE_AES128GCM16);
	pair_new(&ah, AH_SPI, XS_PROTO_AH, XS_MODE_TRANSPORT, AF_INET,
		 XS_SUITE_SHA256);

	build_inner4(&t, "10.0.0.1", "10.0.0.2", 20);
	tpkt_data(&t)[0] = 0x75;
	EXPECT_DROP(&tun.w, tun.tx, XS_DROP_BAD_IP_HEADER, xs_seal(tun.tx, &t.p));

	build_inner4(&t, "10.0.0.1", "10.0.0.2", 20);
	t.p.len = 10;
	EXPECT_DROP(&tun.w, tun.tx, XS_DROP_TOO_SHORT, xs_seal(tun.tx, &t.p));

	build_inner4(&t, "10.0.0.1", "10.0.0.2", 20);
	t.p.len -= 1; /* the header says one byte more */
	EXPECT_DROP(&tun.w, tun.tx, XS_DROP_TOO_SHORT, xs_seal(tun.tx, &t.p));

	/* A transport SA of one family given a packet of the other. */
	build_inner6(&t, "2001:db8::1", "2001:db8::2", 20);
	EXPECT_DROP(&tr.w, tr.tx, XS_DROP_BAD_IP_HEADER, xs_seal(tr.tx, &t.p));

	/* AH covers IPv4 options; one whose length overruns the header is
	 * malformed (RFC 791 §3.1). */
	build_ip4(&t, IPPROTO_UDP, "192.0.2.1", "192.0.2.2", 0, l4, sizeof(l4));
	memmove(tpkt_data(&t) + 24, tpkt_data(&t) + 20, sizeof(l4));
	tpkt_data(&t)[0] = 0x46;
	tpkt_data(&t)[20] = 68; /* timestamp, mutable */
	tpkt_data(&t)[21] = 12; /* but only 4 bytes of options */
	tpkt_data(&t)[22] = 5;
	tpkt_data(&t)[23] = 0;
	t.p.len += 4;
	put16(tpkt_data(&t) + 2, (uint16_t)t.p.len);
	ip4_fix_csum(tpkt_data(&t));
	EXPECT_DROP(&ah.w, ah.tx, XS_DROP_BAD_IP_HEADER, xs_seal(ah.tx, &t.p));

	/* None of it used a sequence number. */
	assert_int_equal(tun.tx->tx_seq, 0);
	assert_int_equal(tr.tx->tx_seq, 0);
	pair_free(&tun);
	pair_free(&tr);
	pair_free(&ah);
}

/*
 * RFC 4302 §3.4.4: the receiver zeroes the ICV "but not any ICV field
 * padding"; §3.3.3.2.1: the padding is included in the ICV. With a
 * 16-byte ICV, IPv6 AH carries 4 padding bytes (§2.6), which must
 * therefore be authenticated.
 */
static void test_ah6_icv_padding_authenticated(void **state)
{
	struct tpkt sealed, t;
	struct pair pr;

	(void)state;
	pair_new(&pr, AH_SPI, XS_PROTO_AH, XS_MODE_TRANSPORT, AF_INET6,
		 XS_SUITE_SHA256);
	seal_ok(&pr, &sealed, 40);
	assert_int_equal(tpkt_data(&sealed)[40 + 1], 32 / 4 - 2);
	tpkt_copy(&t, &sealed);
	tpkt_data(&t)[40 + XS_AH_HDR_LEN + XS_ICV_LEN] ^= 0x01;
	EXPECT_DROP(&pr.w, pr.rx, XS_DROP_BAD_ICV, xs_open(pr.db, &t.p, NULL));
	tpkt_copy(&t, &sealed);
	EXPECT_OK(xs_open(pr.db, &t.p, NULL));
	pair_free(&pr);
}

/* ---- xs_sa_new validation ------------------------------------------------ */

static void expect_einval(const struct xs_sa_config *cfg, const char *what)
{
	struct xs_sa *sa;

	errno = 0;
	sa = xs_sa_new(cfg);
	if (sa) {
		xs_sa_free(sa);
		fail_msg("xs_sa_new accepted %s", what);
	}
	if (errno != EINVAL)
		fail_msg("%s: errno %d, expected EINVAL", what, errno);
}

static void expect_valid(const struct xs_sa_config *cfg, const char *what)
{
	struct xs_sa *sa = xs_sa_new(cfg);

	if (!sa)
		fail_msg("xs_sa_new refused %s: errno %d", what, errno);
	xs_sa_free(sa);
}

static void test_sa_new_einval(void **state)
{
	struct xs_sa_config cfg;
	char what[96];

	(void)state;
	for (unsigned int s = 0; s < XS_SUITE_MAX; s++) {
		const struct xs_suite_info *si = xs_suite_info(s);
		uint8_t proto = si->esp ? XS_PROTO_ESP : XS_PROTO_AH;

		cfg_make(&cfg, ESP_SPI, proto, XS_MODE_TUNNEL, AF_INET, s);
		snprintf(what, sizeof(what), "%s with right keys", si->name);
		expect_valid(&cfg, what);

		/* Wrong cipher key lengths. */
		for (int d = -1; d <= 1; d += 2) {
			cfg_make(&cfg, ESP_SPI, proto, XS_MODE_TUNNEL, AF_INET, s);
			if (si->enc_key_len == 0 && d < 0)
				continue;
			cfg.enc_key_len = si->enc_key_len + (uint32_t)d;
			snprintf(what, sizeof(what), "%s enc_key_len %u", si->name,
				 cfg.enc_key_len);
			expect_einval(&cfg, what);
		}
		/* AES-128 key given to an AES-256 suite and the reverse. */
		if (s == XS_SUITE_AES256GCM16 || s == XS_SUITE_AES256CBC_SHA256 ||
		    s == XS_SUITE_AES128GCM16 || s == XS_SUITE_AES128CBC_SHA256) {
			cfg_make(&cfg, ESP_SPI, proto, XS_MODE_TUNNEL, AF_INET, s);
			cfg.enc_key_len = si->enc_key_len > 24 ? si->enc_key_len - 16 :
								 si->enc_key_len + 16;
			snprintf(what, sizeof(what), "%s enc_key_len %u", si->name,
				 cfg.enc_key_len);
			expect_einval(&cfg, what);
		}
		/* Wrong integrity key lengths (AEAD takes none). */
		cfg_make(&cfg, ESP_SPI, proto, XS_MODE_TUNNEL, AF_INET, s);
		cfg.auth_key_len = si->auth_key_len ? 16 : 32;
		if (!si->auth_key_len)
			memcpy(cfg.auth_key, auth_key, 32);
		snprintf(what, sizeof(what), "%s auth_key_len %u", si->name,
			 cfg.auth_key_len);
		expect_einval(&cfg, what);
		if (si->auth_key_len) {
			cfg.auth_key_len = 0;
			snprintf(what, sizeof(what), "%s without auth key",
				 si->name);
			expect_einval(&cfg, what);
		}

		/* Suite used with the protocol it is not for. */
		cfg_make(&cfg, ESP_SPI, si->esp ? XS_PROTO_AH : XS_PROTO_ESP,
			 XS_MODE_TUNNEL, AF_INET, s);
		snprintf(what, sizeof(what), "%s with %s", si->name,
			 si->esp ? "AH" : "ESP");
		if (!(si->esp && si->ah))
			expect_einval(&cfg, what);
	}

	/* Unknown suite, protocol, mode, family. */
	cfg_make(&cfg, ESP_SPI, XS_PROTO_ESP, XS_MODE_TUNNEL, AF_INET,
		 XS_SUITE_AES128GCM16);
	cfg.suite = XS_SUITE_MAX;
	expect_einval(&cfg, "suite XS_SUITE_MAX");
	cfg_make(&cfg, ESP_SPI, XS_PROTO_ESP, XS_MODE_TUNNEL, AF_INET,
		 XS_SUITE_AES128GCM16);
	cfg.proto = IPPROTO_UDP;
	expect_einval(&cfg, "proto UDP");
	cfg_make(&cfg, ESP_SPI, XS_PROTO_ESP, XS_MODE_TUNNEL, AF_INET,
		 XS_SUITE_AES128GCM16);
	cfg.mode = 7;
	expect_einval(&cfg, "mode 7");
	cfg_make(&cfg, ESP_SPI, XS_PROTO_ESP, XS_MODE_TUNNEL, AF_INET,
		 XS_SUITE_AES128GCM16);
	cfg.family = AF_UNIX;
	expect_einval(&cfg, "family AF_UNIX");

	/* A 32-bit counter cannot start beyond 2^32 - 1. */
	cfg_make(&cfg, ESP_SPI, XS_PROTO_ESP, XS_MODE_TUNNEL, AF_INET,
		 XS_SUITE_AES128GCM16);
	cfg.seq_start = (uint64_t)UINT32_MAX + 1;
	expect_einval(&cfg, "seq_start 2^32 without ESN");
	cfg.esn = true;
	expect_valid(&cfg, "seq_start 2^32 with ESN");
	/* RFC 3948 encapsulates ESP only, and needs both ports. */
	cfg_make(&cfg, AH_SPI, XS_PROTO_AH, XS_MODE_TUNNEL, AF_INET,
		 XS_SUITE_SHA256);
	cfg.encap_sport = cfg.encap_dport = XS_NATT_PORT;
	expect_einval(&cfg, "AH in UDP");
	cfg_make(&cfg, ESP_SPI, XS_PROTO_ESP, XS_MODE_TUNNEL, AF_INET,
		 XS_SUITE_AES128GCM16);
	cfg.encap_sport = XS_NATT_PORT;
	expect_einval(&cfg, "UDP encapsulation without destination port");
	cfg_make(&cfg, ESP_SPI, XS_PROTO_ESP, XS_MODE_TUNNEL, AF_INET,
		 XS_SUITE_AES128GCM16);
	cfg.backend = XS_BACKEND_MAX;
	expect_einval(&cfg, "backend XS_BACKEND_MAX");

	/* Replay window: multiple of 64, at most the maximum; 0 is allowed. */
	{
		static const uint32_t bad[] = { 1, 32, 63, 65, 100, 1000,
						XS_REPLAY_WINDOW_MAX + 64,
						XS_REPLAY_WINDOW_MAX * 2,
						UINT32_MAX };
		static const uint32_t good[] = { 0, 64, 128, 1024,
						 XS_REPLAY_WINDOW_MAX };

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			cfg_make(&cfg, ESP_SPI, XS_PROTO_ESP, XS_MODE_TUNNEL,
				 AF_INET, XS_SUITE_AES128GCM16);
			cfg.replay_window = bad[i];
			snprintf(what, sizeof(what), "replay window %u", bad[i]);
			expect_einval(&cfg, what);
		}
		for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
			cfg_make(&cfg, ESP_SPI, XS_PROTO_ESP, XS_MODE_TUNNEL,
				 AF_INET, XS_SUITE_AES128GCM16);
			cfg.replay_window = good[i];
			snprintf(what, sizeof(what), "replay window %u", good[i]);
			expect_valid(&cfg, what);
		}
	}

	/* SPIs 0..255 are reserved, RFC 4303 §2.1. */
	{
		static const uint32_t bad[] = { 0, 1, 255 };

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			cfg_make(&cfg, bad[i], XS_PROTO_ESP, XS_MODE_TUNNEL,
				 AF_INET, XS_SUITE_AES128GCM16);
			snprintf(what, sizeof(what), "ESP spi %u", bad[i]);
			expect_einval(&cfg, what);
			cfg_make(&cfg, bad[i], XS_PROTO_AH, XS_MODE_TUNNEL,
				 AF_INET, XS_SUITE_SHA256);
			snprintf(what, sizeof(what), "AH spi %u", bad[i]);
			expect_einval(&cfg, what);
		}
		cfg_make(&cfg, 256, XS_PROTO_ESP, XS_MODE_TUNNEL, AF_INET,
			 XS_SUITE_AES128GCM16);
		expect_valid(&cfg, "spi 256");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lifetime_expired),
		cmocka_unit_test(test_seq_overflow),
		cmocka_unit_test(test_no_room),
		cmocka_unit_test(test_fragment),
		cmocka_unit_test(test_seq_zero),
		cmocka_unit_test(test_ah_bad_length),
		cmocka_unit_test(test_too_short_encap),
		cmocka_unit_test(test_too_short_ah_db),
		cmocka_unit_test(test_ip6_extension_headers),
		cmocka_unit_test(test_ip6_atomic_fragment),
		cmocka_unit_test(test_seal_bad_input),
		cmocka_unit_test(test_ah6_icv_padding_authenticated),
		cmocka_unit_test(test_sa_new_einval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
