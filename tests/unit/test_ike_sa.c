// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IKEv2 state machine end to end: two agents ("moon" initiates, "sun"
 * responds) linked through a FAKE shell defined here (agent.h's shell
 * functions): ike_net_send queues datagrams into the other agent's inbox,
 * timers run on a fake clock, ike_install_* record what would reach the
 * datapath. Each test checks outcomes on both sides: installed SAs pair up
 * (same keys in opposite directions, consistent SPIs and selectors), the
 * outbound policies follow rekeys, counters name every drop.
 *
 * This file links ike_sa.c, exch_*.c, proposal.c, ts.c with the codec,
 * crypto and config only (not the real shell, whose symbols clash).
 */
#include "ike_sa_harness.h"

struct suite {
	const char *ike, *esp, *ah, *mode;
	uint16_t dh;
	const char *encr, *child_alg;
	bool v6;
};

static void test_establish_matrix(void **state)
{
	static const struct suite t[] = {
		{ "aes128gcm16-prfsha256-modp2048", "aes128gcm16", NULL, "tunnel",
		  IKE_DH_MODP2048, "aes128gcm16", "aes128gcm16" },
		{ "aes256gcm16-prfsha384-ecp256", "aes128-sha256", NULL, "transport",
		  IKE_DH_ECP256, "aes256gcm16", "aes128-sha256" },
		{ "chacha20poly1305-prfsha512-x25519", "chacha20poly1305", NULL,
		  "tunnel", IKE_DH_CURVE25519, "chacha20poly1305", "chacha20poly1305" },
		{ "aes128-sha256-x25519", NULL, "sha256", "tunnel",
		  IKE_DH_CURVE25519, "aes128", "sha256" },
		{ "aes256-sha384-ecp256", NULL, "sha256", "transport",
		  IKE_DH_ECP256, "aes256", "sha256" },
		{ "aes256-sha512-modp2048", "aes256-sha256", NULL, "tunnel",
		  IKE_DH_MODP2048, "aes256", "aes256-sha256" },
		{ "aes128gcm16-prfsha256-x25519", "aes256gcm16", NULL, "tunnel",
		  IKE_DH_CURVE25519, "aes128gcm16", "aes256gcm16", true },
		{ "aes128gcm16-prfsha256-ecp256", "chacha20poly1305", NULL,
		  "transport", IKE_DH_ECP256, "aes128gcm16", "chacha20poly1305", true },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct cfgp m = base_moon(), s;
		struct ike_sa *ms, *ss;
		struct ike_child *mc, *sc;

		m.ike = t[i].ike;
		m.esp = t[i].esp;
		m.ah = t[i].ah;
		m.mode = t[i].mode;
		if (t[i].v6) {
			m.local = "2001:db8::1";
			m.remote = "2001:db8::2";
			m.lts = "fd00:1::/64";
			m.rts = "fd00:2::/64";
		}
		s = mirror(m);
		setup_pair(&m, &s);
		establish();
		assert_ike_up();
		assert_pairs(1);
		ms = first_sa(&moon);
		ss = first_sa(&sun);
		assert_int_equal(ms->dh_group, t[i].dh);
		assert_int_equal(ss->dh_group, t[i].dh);
		assert_string_equal(ms->encr->name, t[i].encr);
		mc = ms->children;
		sc = ss->children;
		assert_non_null(mc);
		assert_non_null(sc);
		assert_int_equal(mc->inst.protocol, t[i].ah ? IKE_PROTO_AH : IKE_PROTO_ESP);
		assert_int_equal(mc->inst.transport, !strcmp(t[i].mode, "transport"));
		assert_int_equal(mc->inst.spi_in, sc->inst.spi_out);
		assert_int_equal(mc->inst.spi_out, sc->inst.spi_in);
		assert_int_equal(mc->inst.encap, false);
		{
			char alg[48];

			if (mc->encr && mc->integ)
				snprintf(alg, sizeof(alg), "%s-%s", mc->encr->name,
					 mc->integ->name);
			else
				snprintf(alg, sizeof(alg), "%s", mc->encr ?
					 mc->encr->name : mc->integ->name);
			assert_string_equal(alg, t[i].child_alg);
		}
		/* the installed selectors are the configured ones */
		assert_int_equal(mc->inst.n_local_ts, 1);
		assert_int_equal(mc->inst.local_ts[0].family,
				 t[i].v6 ? AF_INET6 : AF_INET);
		assert_int_equal(sun.a.half_open, 0);
		assert_int_equal(moon.a.counters[IKE_AC_DROP_MALFORMED] +
				 sun.a.counters[IKE_AC_DROP_MALFORMED], 0);
		assert_int_equal(moon.a.counters[IKE_AC_DROP_BAD_ICV] +
				 sun.a.counters[IKE_AC_DROP_BAD_ICV], 0);
		assert_alive(&moon);
		assert_alive(&sun);
	}
}

static int count_info(struct ike_sa_info const *info, void *arg)
{
	struct ike_sa_info *out = arg;

	*out = *info;
	return 0;
}

static void test_listing_and_second_child(void **state)
{
	struct cfgp m = base_moon(), s;
	struct ike_sa_info info;

	(void)state;
	m.child2_lts = "10.3.0.0/16";
	s = mirror(m);
	s.child2_lts = NULL;
	{
		/* sun has web too, with its side's selectors */
		s.child2_lts = "10.2.0.0/16";
	}
	setup_pair(&m, &s);
	/* sun's "web" has local 10.2/16 remote 10.1/16: moon proposes
	 * local 10.3/16 → nothing in common for web, but the net child of
	 * sun is tried first and does not match 10.3 either */
	establish();
	assert_ike_up();
	/* net came up in IKE_AUTH; web's CREATE_CHILD_SA was refused with
	 * TS_UNACCEPTABLE */
	assert_pairs(1);
	memset(&info, 0, sizeof(info));
	assert_int_equal(ike_sa_foreach(&moon.a, count_info, &info), 0);
	assert_string_equal(info.conn, "c");
	assert_string_equal(info.state, "established");
	assert_true(info.initiator);
	assert_int_equal(info.n_children, 1);
	assert_string_equal(info.children[0].name, "net");
	assert_string_equal(info.children[0].proto, "esp");
	assert_string_equal(info.encr, "aes128gcm16");
	assert_string_equal(info.dh, "curve25519");

	/* now with a matching second child on both sides */
	m = base_moon();
	m.child2_lts = "10.3.0.0/16";
	s = mirror(m);
	s.lts = "10.2.0.0/16";
	s.child2_lts = "10.2.0.0/16";
	s.rts = "10.0.0.0/8";          /* web: remote 10/8 covers 10.3/16 */
	setup_pair(&m, &s);
	establish();
	assert_ike_up();
	assert_pairs(2);
	assert_int_equal(ike_sa_foreach(&sun.a, count_info, &info), 0);
	assert_int_equal(info.n_children, 2);
	assert_false(info.initiator);
}

static void test_narrowing(void **state)
{
	struct cfgp m = base_moon(), s = mirror(m);
	struct ike_child *mc;

	(void)state;
	/* sun allows less than moon proposes: §2.9 narrowing */
	s.rts = "10.1.2.0/24";
	s.lts = "10.2.0.0/16[tcp/443]";
	setup_pair(&m, &s);
	establish();
	assert_ike_up();
	assert_pairs(1);
	mc = first_sa(&moon)->children;
	assert_int_equal(mc->inst.n_local_ts, 1);
	assert_int_equal(mc->inst.local_ts[0].start[2], 2);
	assert_int_equal(mc->inst.local_ts[0].end[2], 2);
	assert_int_equal(mc->inst.local_ts[0].end[3], 255);
	assert_int_equal(mc->inst.remote_ts[0].proto, 6);
	assert_int_equal(mc->inst.remote_ts[0].port_lo, 443);
	assert_int_equal(mc->inst.remote_ts[0].port_hi, 443);

	/* nothing in common: TS_UNACCEPTABLE, the IKE SA stays */
	s.rts = "10.9.0.0/16";
	setup_pair(&m, &s);
	establish();
	assert_ike_up();
	assert_int_equal(n_sas(&moon, 0), 0);
	assert_int_equal(n_sas(&sun, 0), 0);
	assert_alive(&moon);
}

static void test_no_proposal(void **state)
{
	struct cfgp m = base_moon(), s = mirror(m);

	(void)state;
	/* Child SA proposals differ: IKE SA up, no Child SA */
	m.esp = "aes128gcm16";
	s.esp = "chacha20poly1305";
	setup_pair(&m, &s);
	establish();
	assert_ike_up();
	assert_int_equal(n_sas(&moon, 0) + n_sas(&sun, 0), 0);
	assert_int_equal(sun.a.counters[IKE_AC_NO_PROPOSAL], 1);
	assert_int_equal(moon.a.counters[IKE_AC_NO_PROPOSAL], 1);

	/* IKE proposals differ: nothing at all */
	m = base_moon();
	s = mirror(m);
	m.ike = "aes128gcm16-prfsha256-x25519";
	s.ike = "aes256-sha256-modp2048";
	setup_pair(&m, &s);
	establish();
	assert_int_equal(n_ike(&moon, NULL) + n_ike(&sun, NULL), 0);
	assert_int_equal(sun.a.counters[IKE_AC_NO_PROPOSAL], 1);
	assert_int_equal(moon.a.counters[IKE_AC_NO_PROPOSAL], 1);

	/* the responder's configured order wins (§2.7) */
	m = base_moon();
	s = mirror(m);
	m.ike = "aes128gcm16-prfsha256-x25519, aes256gcm16-prfsha256-x25519";
	s.ike = "aes256gcm16-prfsha256-x25519, aes128gcm16-prfsha256-x25519";
	m.esp = "aes128gcm16, chacha20poly1305";
	s.esp = "chacha20poly1305, aes128gcm16";
	setup_pair(&m, &s);
	establish();
	assert_ike_up();
	assert_string_equal(first_sa(&moon)->encr->name, "aes256gcm16");
	assert_string_equal(first_sa(&moon)->children->encr->name, "chacha20poly1305");
	assert_pairs(1);
}

static void test_wrong_psk(void **state)
{
	struct cfgp m = base_moon(), s = mirror(m);

	(void)state;
	s.psk = "0xffeeddccbbaa99887766554433221100";
	setup_pair(&m, &s);
	establish();
	/* §2.21.2: the responder answers AUTHENTICATION_FAILED and drops
	 * its half-open SA; the initiator gives up */
	assert_int_equal(sun.a.counters[IKE_AC_AUTH_FAILED], 1);
	assert_int_equal(moon.a.counters[IKE_AC_AUTH_FAILED], 1);
	assert_int_equal(n_ike(&moon, NULL), 0);
	assert_int_equal(n_ike(&sun, NULL), 0);
	assert_int_equal(moon.n_in + moon.n_out + sun.n_in + sun.n_out, 0);
	assert_int_equal(sun.a.half_open, 0);

	/* a wrong identity is refused the same way */
	m = base_moon();
	s = mirror(m);
	s.rid = "mars.example.org";
	setup_pair(&m, &s);
	establish();
	assert_int_equal(sun.a.counters[IKE_AC_AUTH_FAILED], 1);
	assert_int_equal(n_ike(&moon, NULL) + n_ike(&sun, NULL), 0);
	assert_int_equal(moon.n_in + sun.n_in, 0);
}

static void test_invalid_ke(void **state)
{
	struct cfgp m = base_moon(), s = mirror(m);

	(void)state;
	/* moon's KE is x25519 (first); sun only takes modp2048 */
	m.ike = "aes128gcm16-prfsha256-x25519-modp2048";
	s.ike = "aes128gcm16-prfsha256-modp2048";
	setup_pair(&m, &s);
	establish();
	assert_ike_up();
	assert_int_equal(first_sa(&moon)->dh_group, IKE_DH_MODP2048);
	assert_pairs(1);
	assert_int_equal(first_sa(&moon)->init_retries, 0 + 1);
}

/* An IKE_SA_INIT request from nowhere, as a flood would send. */
static size_t craft_init(uint64_t spi, bool critical, uint8_t *buf, size_t cap)
{
	const struct ike_conf_conn *conn = &moon.cfg.conns[0];
	struct ike_hdr h = { .spi_i = spi, .major = 2, .exch = IKE_EXCH_IKE_SA_INIT,
			     .flags = IKE_FLAG_INITIATOR };
	struct ike_sa_pld pl;
	struct ike_enc e;
	struct ike_dh *dh;
	uint8_t pub[256], nonce[32];
	size_t publen;
	uint16_t group = ike_prop_first_dh(conn->proposals, conn->n_proposals);
	int rc;

	assert_int_equal(ike_prop_build(&pl, conn->proposals, conn->n_proposals,
					NULL, 0, false, 0), 0);
	dh = ike_dh_new(group);
	assert_non_null(dh);
	assert_int_equal(ike_dh_public(dh, pub, sizeof(pub), &publen), 0);
	ike_dh_free(dh);
	ike_random(nonce, sizeof(nonce));
	ike_enc_init(&e, buf, cap, &h);
	ike_enc_sa(&e, &pl);
	ike_enc_ke(&e, group, pub, publen);
	ike_enc_nonce(&e, nonce, sizeof(nonce));
	if (critical)
		ike_enc_raw(&e, 200, true, "x", 1);
	rc = ike_enc_finish(&e);
	assert_true(rc > 0);
	return (size_t)rc;
}

static void test_cookie(void **state)
{
	struct cfgp m = base_moon(), s = mirror(m);
	struct ike_path p;
	uint8_t buf[2048];

	(void)state;
	setup_pair(&m, &s);
	p = moon_to_sun();
	/* IKE_HALF_OPEN_COOKIE half-open SAs at sun */
	for (unsigned int i = 0; i < IKE_HALF_OPEN_COOKIE; i++) {
		size_t len = craft_init(0x1000 + i, false, buf, sizeof(buf));

		ike_sa_input(&sun.a, &p, buf, len);
	}
	assert_int_equal(sun.a.half_open, IKE_HALF_OPEN_COOKIE);
	assert_int_equal(sun.a.counters[IKE_AC_COOKIE_SENT], 0);
	/* now a COOKIE is demanded (§2.6) and moon retries with it */
	establish();
	assert_int_equal(sun.a.counters[IKE_AC_COOKIE_SENT], 1);
	assert_int_equal(n_ike(&moon, "established"), 1);
	assert_int_equal(n_ike(&sun, "established"), 1);
	assert_pairs(1);
	/* a flooder without cookies gets nothing but cookies */
	{
		size_t len = craft_init(0x9999, false, buf, sizeof(buf));
		unsigned int before = n_ike(&sun, NULL);

		ike_sa_input(&sun.a, &p, buf, len);
		assert_int_equal(n_ike(&sun, NULL), before);
		assert_int_equal(sun.a.counters[IKE_AC_COOKIE_SENT], 2);
	}
	/* the half-open ones time out */
	pump(IKE_HALF_OPEN_TIMEOUT_MS + 1000);
	assert_int_equal(sun.a.half_open, 0);
	assert_int_equal(n_ike(&sun, NULL), 1);
	assert_pairs(1);
}

static void test_half_open_limit(void **state)
{
	struct cfgp m = base_moon(), s = mirror(m);
	struct ike_path p;
	uint8_t buf[2048];

	(void)state;
	s.remote_addrs = "%any";
	setup_pair(&m, &s);
	p = moon_to_sun();
	/* without cookies one address holds at most IKE_HALF_OPEN_COOKIE
	 * (test_ike_dos.c tests the limits with cookies) */
	for (unsigned int i = 0; i < IKE_HALF_OPEN_COOKIE + 5; i++) {
		size_t len = craft_init(0x2000 + i, false, buf, sizeof(buf));

		ike_sa_input(&sun.a, &p, buf, len);
	}
	assert_int_equal(n_ike(&sun, NULL), IKE_HALF_OPEN_COOKIE);
	assert_int_equal(sun.a.counters[IKE_AC_COOKIE_SENT], 5);
}

static void test_fake_nat(void **state)
{
	struct cfgp m = base_moon(), s = mirror(m);
	struct ike_sa *ms, *ss;

	(void)state;
	setup_pair(&m, &s);
	moon.a.fake_nat = true;
	establish();
	assert_ike_up();
	assert_pairs(1);
	ms = first_sa(&moon);
	ss = first_sa(&sun);
	/* §2.23: moon fakes a NAT, both see one, IKE is on 4500 */
	assert_true(ms->nat_local);
	assert_true(ss->nat_remote);
	assert_true(ms->path.natt);
	assert_int_equal(ike_addr_port(&ms->path.remote), IKE_NATT_PORT);
	assert_int_equal(ike_addr_port(&ms->path.local), IKE_NATT_PORT);
	assert_true(ss->path.natt);
	assert_int_equal(ike_addr_port(&ss->path.remote), IKE_NATT_PORT);
	/* RFC 3948: UDP-encapsulated ESP with the 4500 ports */
	for (unsigned int i = 0; i < SAMAX; i++) {
		if (!moon.sa[i].used)
			continue;
		assert_true(moon.sa[i].c.encap);
		assert_int_equal(ike_addr_port(&moon.sa[i].c.path.remote), IKE_NATT_PORT);
	}
	for (unsigned int i = 0; i < SAMAX; i++)
		if (sun.sa[i].used)
			assert_true(sun.sa[i].c.encap);
	/* moon, "behind the NAT", keeps the mapping open */
	assert_int_equal(moon.keepalives, 0);
	pump(IKE_KEEPALIVE_MS + 100);
	assert_true(moon.keepalives >= 1);
	assert_int_equal(sun.keepalives, 0);
	assert_alive(&moon);
	assert_alive(&sun);
	assert_true(sun.last_path.natt);

	/* the same when the responder fakes it (libipsec as responder) */
	setup_pair(&m, &s);
	sun.a.fake_nat = true;
	establish();
	assert_ike_up();
	assert_pairs(1);
	assert_true(first_sa(&moon)->nat_remote);
	assert_true(first_sa(&moon)->path.natt);
	assert_true(moon.sa[0].used ? moon.sa[0].c.encap : moon.sa[1].c.encap);
}

static void test_retransmit_cached(void **state)
{
	struct cfgp m = base_moon(), s = mirror(m);

	(void)state;
	setup_pair(&m, &s);
	/* the IKE_AUTH response is lost once: moon retransmits, sun
	 * answers from its cache (§2.1) without doing the work again */
	sun.drop_auth_resp = 1;
	establish();
	assert_ike_up();
	assert_pairs(1);
	assert_int_equal(moon.a.counters[IKE_AC_RETRANSMIT], 1);
	assert_int_equal(sun.a.counters[IKE_AC_ANSWERED_CACHED], 1);
	assert_int_equal(sun.n_in, 1);
	assert_int_equal(sun.n_out, 1);

	/* a replayed IKE_SA_INIT request: the cached response again */
	setup_pair(&m, &s);
	{
		char err[64];

		assert_int_equal(ike_sa_initiate(&moon.a, "c", NULL, err, sizeof(err)), 0);
		assert_int_equal(sun.qn, 1);
		/* duplicate the request in sun's inbox */
		sun.q[1].path = sun.q[0].path;
		sun.q[1].len = sun.q[0].len;
		sun.q[1].buf = malloc(sun.q[0].len);
		memcpy(sun.q[1].buf, sun.q[0].buf, sun.q[0].len);
		sun.qn = 2;
		pump(5000);
	}
	assert_int_equal(sun.a.counters[IKE_AC_ANSWERED_CACHED], 1);
	assert_ike_up();
	assert_pairs(1);
	/* moon got two IKE_SA_INIT responses: the second finds no SA in
	 * that state */
	assert_int_equal(moon.a.counters[IKE_AC_DROP_NO_SA], 1);
}

static size_t forge(struct ike_sa *sa, uint32_t msgid, bool critical,
		    uint8_t *out)
{
	static struct ike_out o;

	assert_int_equal(ike_out_begin(sa, &o, IKE_EXCH_INFORMATIONAL, false, msgid), 0);
	if (critical)
		assert_int_equal(ike_enc_raw(&o.e, 200, true, "zz", 2), 0);
	assert_int_equal(ike_out_seal(sa, &o), 0);
	memcpy(out, o.buf, o.len);
	return o.len;
}

static void test_bad_input(void **state)
{
	struct cfgp m = base_moon(), s = mirror(m);
	struct ike_path p;
	static uint8_t buf[IKE_MSG_MAX];
	static struct ike_msg msg;
	struct ike_sa *ms;
	size_t len;
	uint64_t c;

	(void)state;
	setup_pair(&m, &s);
	establish();
	assert_pairs(1);
	p = moon_to_sun();
	ms = first_sa(&moon);

	/* truncated: shorter than the header, and shorter than its Length */
	c = sun.a.counters[IKE_AC_DROP_MALFORMED];
	len = forge(ms, ms->msgid_next, false, buf);
	ike_sa_input(&sun.a, &p, buf, 20);
	ike_sa_input(&sun.a, &p, buf, len - 7);
	assert_int_equal(sun.a.counters[IKE_AC_DROP_MALFORMED], c + 2);

	/* lying payload length (§3.2) in an IKE_SA_INIT request */
	len = craft_init(0x4444, false, buf, sizeof(buf));
	ike_put16(buf + IKE_HDR_LEN + 2, 0xfff0);
	ike_sa_input(&sun.a, &p, buf, len);
	assert_int_equal(sun.a.counters[IKE_AC_DROP_MALFORMED], c + 3);

	/* unknown critical payload in an IKE_SA_INIT request (§2.5):
	 * answered with UNSUPPORTED_CRITICAL_PAYLOAD, no state */
	len = craft_init(0x5555, true, buf, sizeof(buf));
	ike_sa_input(&sun.a, &p, buf, len);
	assert_int_equal(sun.a.counters[IKE_AC_DROP_MALFORMED], c + 4);
	assert_int_equal(moon.qn, 1);
	{
		const struct dgram *d = &moon.q[moon.qh];
		const struct ike_pld *n;

		assert_int_equal(ike_msg_decode(&msg, d->buf, d->len), 0);
		n = ike_msg_notify(&msg, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD);
		assert_non_null(n);
		assert_int_equal(n->v.n.len, 1);
		assert_int_equal(n->v.n.data[0], 200);
	}
	pump(0);
	assert_int_equal(n_ike(&sun, NULL), 1);

	/* bad ICV: dropped before anything is believed */
	len = forge(ms, ms->msgid_next, false, buf);
	buf[len - 1] ^= 1;
	ike_sa_input(&sun.a, &p, buf, len);
	assert_int_equal(sun.a.counters[IKE_AC_DROP_BAD_ICV], 1);

	/* an SPI nobody has */
	len = forge(ms, ms->msgid_next, false, buf);
	buf[8] ^= 0x55;
	ike_sa_input(&sun.a, &p, buf, len);
	assert_int_equal(sun.a.counters[IKE_AC_DROP_NO_SA], 1);

	/* a Message ID out of the window (§2.2) */
	len = forge(ms, ms->msgid_next + 5, false, buf);
	ike_sa_input(&sun.a, &p, buf, len);
	assert_int_equal(sun.a.counters[IKE_AC_DROP_MSGID], 1);

	/* an exchange type we do not speak */
	len = forge(ms, ms->msgid_next, false, buf);
	buf[IKE_HDR_OFF_EXCH] = 99;
	ike_sa_input(&sun.a, &p, buf, len);
	assert_int_equal(sun.a.counters[IKE_AC_DROP_MALFORMED], c + 5);

	/* authenticated, with an unknown critical payload inside: answered
	 * with UNSUPPORTED_CRITICAL_PAYLOAD (§2.5), the SA lives on */
	len = forge(ms, ms->msgid_next, true, buf);
	ms->msgid_next++;       /* the peer consumes this ID */
	ike_sa_input(&sun.a, &p, buf, len);
	assert_int_equal(sun.a.counters[IKE_AC_DROP_MALFORMED], c + 6);
	pump(0);
	/* moon had no request out: its answer is dropped */
	assert_int_equal(moon.a.counters[IKE_AC_DROP_MSGID], 1);

	/* an IKE_SA_INIT response no one asked for */
	c = moon.a.counters[IKE_AC_DROP_NO_SA];
	len = craft_init(0x6666, false, buf, sizeof(buf));
	buf[IKE_HDR_OFF_FLAGS] = IKE_FLAG_RESPONSE;
	ike_sa_input(&moon.a, &p, buf, len);
	assert_int_equal(moon.a.counters[IKE_AC_DROP_NO_SA], c + 1);

	/* none of it harmed the SA */
	assert_ike_up();
	assert_pairs(1);
	assert_alive(&moon);
	assert_alive(&sun);
	assert_int_equal(ike_sa_task_add(first_sa(&moon), IKE_TASK_CHILD_REKEY, 0,
					 child_spi_in(&moon)), 0);
	pump(1000);
	assert_pairs(1);
}

static void test_random_garbage(void **state)
{
	struct cfgp m = base_moon(), s = mirror(m);
	struct ike_path p;
	static uint8_t buf[4096];
	struct ike_sa *ms;

	(void)state;
	setup_pair(&m, &s);
	establish();
	p = moon_to_sun();
	ms = first_sa(&moon);
	/* flipped bits in genuine messages: counted, never fatal */
	for (unsigned int i = 0; i < 400; i++) {
		size_t len;
		uint32_t r;

		if (i % 2)
			len = craft_init(0x7000 + i, i % 3 == 0, buf, sizeof(buf));
		else
			len = forge(ms, ms->msgid_next, false, buf);
		ike_random(&r, sizeof(r));
		buf[r % len] ^= (uint8_t)(1u << (r >> 29));
		ike_sa_input(&sun.a, &p, buf, len);
		pump(0);
	}
	assert_true(sun.a.counters[IKE_AC_DROP_MALFORMED] +
		    sun.a.counters[IKE_AC_DROP_BAD_ICV] +
		    sun.a.counters[IKE_AC_DROP_NO_SA] > 0);
	pump(IKE_HALF_OPEN_TIMEOUT_MS + 1000);
	assert_int_equal(sun.a.half_open, 0);
	assert_int_equal(n_ike(&moon, "established"), 1);
	assert_pairs(1);
	assert_alive(&moon);
}


static void test_identities(void **state)
{
	static const struct {
		const char *mid, *sid, *sun_rid;
		uint8_t type;
	} t[] = {
		{ "moon@example.org", "192.0.2.2", "moon@example.org", IKE_ID_RFC822_ADDR },
		{ "@#0a0b0c0d", "sun.example.org", "@#0a0b0c0d", IKE_ID_KEY_ID },
		{ "192.0.2.1", "@#77", "%any", IKE_ID_IPV4_ADDR },
		{ "MOON.example.org", "sun.example.org", "moon.EXAMPLE.org", IKE_ID_FQDN },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct cfgp m = base_moon(), s;

		m.lid = t[i].mid;
		m.rid = t[i].sid;
		s = mirror(m);
		s.rid = t[i].sun_rid;
		s.psk_ids[0] = t[i].sid;
		s.psk_ids[1] = t[i].mid;
		setup_pair(&m, &s);
		establish();
		assert_ike_up();
		assert_pairs(1);
		assert_int_equal(first_sa(&sun)->peer_id.type, t[i].type);
		assert_int_equal(sun.a.counters[IKE_AC_AUTH_FAILED], 0);
	}
}

static void test_signature_hash_notify(void **state)
{
	struct cfgp m = base_moon(), s = mirror(m);
	static struct ike_msg msg;
	const struct ike_pld *n;

	(void)state;
	setup_pair(&m, &s);
	establish();
	assert_ike_up();
	/* RFC 7427 §4 in both IKE_SA_INIT messages */
	assert_int_equal(ike_msg_decode(&msg, moon.cap[0].buf, moon.cap[0].len), 0);
	n = ike_msg_notify(&msg, IKE_N_SIGNATURE_HASH_ALGORITHMS);
	assert_non_null(n);
	assert_int_equal(n->v.n.len % 2, 0);
	assert_non_null(ike_msg_notify(&msg, IKE_N_NAT_DETECTION_SOURCE_IP));
	assert_non_null(ike_msg_notify(&msg, IKE_N_NAT_DETECTION_DESTINATION_IP));
	assert_int_equal(ike_msg_decode(&msg, sun.cap[0].buf, sun.cap[0].len), 0);
	assert_non_null(ike_msg_notify(&msg, IKE_N_SIGNATURE_HASH_ALGORITHMS));
	/* IKE_AUTH of a first contact carries INITIAL_CONTACT: encrypted,
	 * so only its size tells here; the responder handled it (nothing
	 * to delete) */
	assert_true(moon.cap[1].len > IKE_HDR_LEN);
}

static void test_pfs_invalid_ke(void **state)
{
	struct cfgp m = base_moon(), s;

	(void)state;
	m.esp = "aes128gcm16-x25519-ecp256";
	s = mirror(m);
	s.esp = "aes128gcm16-ecp256";
	setup_pair(&m, &s);
	establish();
	assert_pairs(1);
	assert_int_equal(first_sa(&moon)->children->pfs, IKE_DH_CURVE25519);
	/* the rekey's KE is x25519; sun wants ecp256 (§1.3 INVALID_KE) */
	assert_int_equal(ike_sa_task_add(first_sa(&moon), IKE_TASK_CHILD_REKEY, 0,
					 child_spi_in(&moon)), 0);
	pump(1000);
	assert_pairs(1);
	assert_int_equal(moon.n_in, 2);
	assert_int_equal(first_sa(&moon)->children->pfs, IKE_DH_ECP256);
	assert_int_equal(first_sa(&sun)->children->pfs, IKE_DH_ECP256);
}

static void test_real_nat(void **state)
{
	struct cfgp m = base_moon(), s;
	struct ike_sa *ss;
	struct ike_child *sc;

	(void)state;
	/* moon sits behind a NAPT: 10.0.0.1 becomes 203.0.113.5 */
	m.local = "10.0.0.1";
	m.lts = "dynamic";
	m.rts = "dynamic";
	s = mirror(m);
	s.remote_addrs = "%any";
	setup_pair(&m, &s);
	moon.natted = true;
	{
		struct ike_conf_addr pub = { .family = AF_INET };

		inet_pton(AF_INET, "203.0.113.5", &pub.u.v4);
		ike_addr_from_conf(&pub, 0, &moon.nat_pub);
		ike_addr_from_conf(&moon.cfg.conns[0].local_addr, 0, &moon.nat_priv);
	}
	establish();
	assert_ike_up();
	assert_pairs(1);
	ss = first_sa(&sun);
	assert_true(first_sa(&moon)->nat_local);
	assert_false(first_sa(&moon)->nat_remote);
	assert_true(ss->nat_remote);
	assert_false(ss->nat_local);
	/* sun talks to the NAT's 4500 mapping */
	assert_int_equal(ike_addr_port(&ss->path.remote), 4500 + 40000);
	sc = ss->children;
	assert_true(sc->inst.encap);
	assert_int_equal(ike_addr_port(&sc->inst.path.remote), 44500);
	/* dynamic behind the NAT: moon's own address (§2.23 policy) */
	assert_int_equal(sc->inst.remote_ts[0].start[0], 10);
	assert_int_equal(sc->inst.remote_ts[0].start[3], 1);
	assert_true(moon.keepalives == 0);
	pump(IKE_KEEPALIVE_MS + 10);
	assert_true(moon.keepalives >= 1);
	assert_alive(&sun);
	assert_alive(&moon);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_establish_matrix, cleanup),
		cmocka_unit_test_teardown(test_listing_and_second_child, cleanup),
		cmocka_unit_test_teardown(test_narrowing, cleanup),
		cmocka_unit_test_teardown(test_no_proposal, cleanup),
		cmocka_unit_test_teardown(test_wrong_psk, cleanup),
		cmocka_unit_test_teardown(test_invalid_ke, cleanup),
		cmocka_unit_test_teardown(test_cookie, cleanup),
		cmocka_unit_test_teardown(test_half_open_limit, cleanup),
		cmocka_unit_test_teardown(test_fake_nat, cleanup),
		cmocka_unit_test_teardown(test_retransmit_cached, cleanup),
		cmocka_unit_test_teardown(test_identities, cleanup),
		cmocka_unit_test_teardown(test_signature_hash_notify, cleanup),
		cmocka_unit_test_teardown(test_pfs_invalid_ke, cleanup),
		cmocka_unit_test_teardown(test_real_nat, cleanup),
		cmocka_unit_test_teardown(test_bad_input, cleanup),
		cmocka_unit_test_teardown(test_random_garbage, cleanup),
	};

	ike_sa_log_level = getenv("IKE_SA_DEBUG") ? atoi(getenv("IKE_SA_DEBUG")) : IKE_SA_LOG_ERR - 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
