// SPDX-License-Identifier: GPL-2.0-only
/*
 * Denial-of-service limits of the responder (RFC 7296 §2.6, RFC 8019;
 * ike_sa.h's IKE_HALF_OPEN_*): many source addresses returning valid
 * cookies fill the half-open table and evict each other, never the table
 * a legitimate initiator needs; one address holds at most
 * IKE_HALF_OPEN_PER_ADDR of the cookie-admitted SAs; half-open SAs expire
 * sooner under pressure; established IKE SAs are not capped per address.
 *
 * In-process, two agents through the fake shell of ike_sa_harness.h:
 * "moon" is the legitimate initiator, the flood is crafted here and fed
 * to "sun" as if from other addresses.
 */
#include "ike_sa_harness.h"

#include "dispatch.h"

/* An IKE_SA_INIT request with SPI spi and nonce ni, the COOKIE first
 * when cookie is non-NULL (§2.6). */
static size_t craft(uint64_t spi, const uint8_t ni[32], const uint8_t *cookie,
		    uint8_t *buf, size_t cap)
{
	const struct ike_conf_conn *conn = &moon.cfg.conns[0];
	struct ike_hdr h = { .spi_i = spi, .major = 2, .exch = IKE_EXCH_IKE_SA_INIT,
			     .flags = IKE_FLAG_INITIATOR };
	struct ike_sa_pld pl;
	struct ike_enc e;
	struct ike_dh *dh;
	uint8_t pub[256];
	size_t publen;
	uint16_t group = ike_prop_first_dh(conn->proposals, conn->n_proposals);
	int rc;

	assert_int_equal(ike_prop_build(&pl, conn->proposals, conn->n_proposals,
					NULL, 0, false, 0), 0);
	dh = ike_dh_new(group);
	assert_non_null(dh);
	assert_int_equal(ike_dh_public(dh, pub, sizeof(pub), &publen), 0);
	ike_dh_free(dh);
	ike_enc_init(&e, buf, cap, &h);
	if (cookie)
		ike_enc_notify(&e, IKE_PROTO_NONE, NULL, 0, IKE_N_COOKIE, cookie,
			       IKE_COOKIE_LEN);
	ike_enc_sa(&e, &pl);
	ike_enc_ke(&e, group, pub, publen);
	ike_enc_nonce(&e, ni, 32);
	rc = ike_enc_finish(&e);
	assert_true(rc > 0);
	return (size_t)rc;
}

/* The path from attacker address number i (10.200.x.y) to sun. */
static struct ike_path from(unsigned int i)
{
	struct ike_path p = moon_to_sun();
	struct sockaddr_in *sin = (struct sockaddr_in *)&p.remote;

	sin->sin_addr.s_addr = htonl(0x0ac80000u + 1 + i);
	return p;
}

/* Sun's answers to the flood land in moon's inbox: thrown away. */
static void flush(struct node *n)
{
	while (n->qn) {
		free(n->q[n->qh].buf);
		n->q[n->qh].buf = NULL;
		n->qh = (n->qh + 1) % QMAX;
		n->qn--;
	}
}

/* Sends one IKE_SA_INIT from address i, with the cookie sun would hand
 * out when with_cookie. */
static void init_from(unsigned int i, uint64_t spi, bool with_cookie)
{
	struct ike_path p = from(i);
	uint8_t buf[2048], ni[32], sb[8], cookie[IKE_COOKIE_LEN];

	ike_random(ni, sizeof(ni));
	if (with_cookie) {
		if (!sun.a.cookie.valid[sun.a.cookie.cur])
			assert_int_equal(ike_cookie_init(&sun.a.cookie), 0);
		ike_put64(sb, spi);
		assert_int_equal(ike_cookie_make(&sun.a.cookie, ni, sizeof(ni),
						 (const struct sockaddr *)&p.remote,
						 sb, cookie), 0);
	}
	ike_sa_input(&sun.a, &p, buf, craft(spi, ni, with_cookie ? cookie : NULL,
					     buf, sizeof(buf)));
	flush(&moon);
}

static unsigned int half_open_of(unsigned int i)
{
	struct ike_path p = from(i);
	unsigned int n = 0;

	for (struct ike_sa *s = sun.a.sas; s; s = s->next)
		if (s->half_open && ike_addr_eq(&s->path.remote, &p.remote, false))
			n++;
	return n;
}

static void setup_any(void)
{
	struct cfgp m = base_moon(), s = mirror(m);

	s.remote_addrs = "%any";
	setup_pair(&m, &s);
}

/* 200 addresses hold half-open SAs with valid cookies; the legitimate
 * initiator still gets its IKE SA and Child SA. */
static void test_flood_then_legit(void **state)
{
	(void)state;
	setup_any();
	for (unsigned int i = 0; i < 200; i++)
		init_from(i, 0x100000u + i, false);
	/* §2.6: IKE_HALF_OPEN_COOKIE answered, the rest got a COOKIE */
	assert_int_equal(sun.a.half_open, IKE_HALF_OPEN_COOKIE);
	assert_int_equal(sun.a.counters[IKE_AC_COOKIE_SENT], 200 - IKE_HALF_OPEN_COOKIE);
	for (unsigned int i = IKE_HALF_OPEN_COOKIE; i < IKE_HALF_OPEN_MAX; i++)
		init_from(i, 0x200000u + i, true);
	assert_int_equal(sun.a.half_open, IKE_HALF_OPEN_MAX);
	/* the table full: none old enough to give up, refused and counted */
	init_from(199, 0x250000u, true);
	assert_int_equal(sun.a.counters[IKE_AC_DROP_HALF_OPEN], 1);
	assert_int_equal(half_open_of(199), 0);
	/* a second later each newcomer displaces the oldest */
	fake_now += IKE_HALF_OPEN_EVICT_AGE_MS;
	for (unsigned int i = IKE_HALF_OPEN_MAX; i < 200; i++)
		init_from(i, 0x200000u + i, true);
	assert_int_equal(sun.a.half_open, IKE_HALF_OPEN_MAX);
	assert_int_equal(sun.a.counters[IKE_AC_HALF_OPEN_EVICTED],
			 200 - IKE_HALF_OPEN_MAX);
	assert_int_equal(sun.a.counters[IKE_AC_DROP_HALF_OPEN], 1);
	/* the oldest went first */
	assert_int_equal(half_open_of(0), 0);
	assert_int_equal(half_open_of(IKE_HALF_OPEN_MAX - 1), 0);
	assert_int_equal(half_open_of(199), 1);
	/* the legitimate initiator: COOKIE, retry (refused while every
	 * half-open SA is younger than IKE_HALF_OPEN_EVICT_AGE_MS, then
	 * retransmitted), admitted, established */
	establish();
	assert_int_equal(n_ike(&moon, "established"), 1);
	assert_int_equal(n_ike(&sun, "established"), 1);
	assert_pairs(1);
	assert_true(sun.a.counters[IKE_AC_DROP_HALF_OPEN] >= 2);
	assert_true(sun.a.counters[IKE_AC_HALF_OPEN_EVICTED] > 200 - IKE_HALF_OPEN_MAX);
}

/* RFC 8019 §4.2: one address holds at most IKE_HALF_OPEN_PER_ADDR of the
 * cookie-admitted SAs; a newer one displaces its own oldest, the other
 * addresses keep theirs. */
static void test_per_address(void **state)
{
	(void)state;
	setup_any();
	for (unsigned int i = 0; i < IKE_HALF_OPEN_COOKIE; i++)
		init_from(i, 0x300000u + i, false);
	assert_int_equal(sun.a.half_open, IKE_HALF_OPEN_COOKIE);
	for (unsigned int k = 0; k < IKE_HALF_OPEN_PER_ADDR + 1; k++)
		init_from(150, 0x400000u + k, true);
	/* the last one found none old enough to give up */
	assert_int_equal(half_open_of(150), IKE_HALF_OPEN_PER_ADDR);
	assert_int_equal(sun.a.counters[IKE_AC_DROP_HALF_OPEN_PEER], 1);
	fake_now += IKE_HALF_OPEN_EVICT_AGE_MS;
	for (unsigned int k = 0; k < 4; k++)
		init_from(150, 0x410000u + k, true);
	assert_int_equal(half_open_of(150), IKE_HALF_OPEN_PER_ADDR);
	assert_int_equal(sun.a.counters[IKE_AC_HALF_OPEN_EVICTED], 4);
	for (unsigned int i = 0; i < IKE_HALF_OPEN_COOKIE; i++)
		assert_int_equal(half_open_of(i), 1);
	/* without a cookie: a COOKIE and no state */
	init_from(150, 0x500000u, false);
	assert_int_equal(half_open_of(150), IKE_HALF_OPEN_PER_ADDR);
	assert_int_equal(sun.a.half_open,
			 IKE_HALF_OPEN_COOKIE + IKE_HALF_OPEN_PER_ADDR);
}

/* RFC 8019 §4.1: more than half the table used, new half-open SAs wait
 * IKE_HALF_OPEN_PRESSURE_MS, and the older ones go once that old. */
static void test_pressure_expiry(void **state)
{
	unsigned int half = IKE_HALF_OPEN_MAX / 2;

	(void)state;
	setup_any();
	for (unsigned int i = 0; i < half + 5; i++)
		init_from(i, 0x600000u + i, i >= IKE_HALF_OPEN_COOKIE);
	assert_int_equal(sun.a.half_open, half + 5);
	/* the 5 above half armed the short wait */
	pump(IKE_HALF_OPEN_PRESSURE_MS + 100);
	assert_int_equal(sun.a.half_open, half);
	assert_int_equal(sun.a.counters[IKE_AC_HALF_OPEN_EXPIRED], 5);
	/* back over half: the long-waiting ones, older than the short wait,
	 * go at the next admission */
	init_from(170, 0x700000u, true);
	init_from(171, 0x700001u, true);
	assert_int_equal(sun.a.counters[IKE_AC_HALF_OPEN_EXPIRED], 5 + half);
	assert_int_equal(sun.a.half_open, 2);
	/* the rest time out with the long wait */
	pump(IKE_HALF_OPEN_TIMEOUT_MS + 100);
	assert_int_equal(sun.a.half_open, 0);
}

/* No cap per peer address on IKE SAs: 25 from one address (users behind
 * one NAT) all establish. */
static void test_many_from_one_address(void **state)
{
	const uint16_t idx[1] = { 0 };

	(void)state;
	setup_any();
	for (unsigned int i = 0; i < 25; i++) {
		/* a new IKE SA each time, as 25 hosts behind one NAT would */
		assert_non_null(ike_sa_start_conn(&moon.a, &moon.cfg.conns[0], idx, 1,
						  0, 0));
		ike_dispatch_settle(&moon.a);
		pump(100);
		/* the harness keeps a few outcomes only */
		moon.n_outc = sun.n_outc = 0;
	}
	pump(5000);
	assert_int_equal(n_ike(&moon, "established"), 25);
	assert_int_equal(n_ike(&sun, "established"), 25);
	assert_int_equal(sun.a.half_open, 0);
	assert_int_equal(sun.a.counters[IKE_AC_DROP_HALF_OPEN], 0);
	assert_int_equal(sun.a.counters[IKE_AC_DROP_SA_LIMIT], 0);
}

static struct ike_sa *sa_by_spi(struct node *n, uint64_t spi_i, uint64_t spi_r)
{
	for (struct ike_sa *s = n->a.sas; s; s = s->next)
		if (s->spi_i == spi_i && s->spi_r == spi_r)
			return s;
	return NULL;
}

/* With no cap per address, a peer rekeying in a loop is bounded per IKE
 * SA: at IKE_REKEY_CHAIN_MAX replaced predecessors still lingering, the
 * next rekey gets NO_ADDITIONAL_SAS; with fewer it goes through. */
static void test_rekey_chain(void **state)
{
	const uint16_t idx[1] = { 0 };
	struct ike_sa *chain[IKE_REKEY_CHAIN_MAX + 1], *ms, *last;
	unsigned int n = 0;

	(void)state;
	setup_any();
	for (unsigned int i = 0; i <= IKE_REKEY_CHAIN_MAX; i++) {
		assert_non_null(ike_sa_start_conn(&moon.a, &moon.cfg.conns[0], idx, 1,
						  0, 0));
		ike_dispatch_settle(&moon.a);
		pump(100);
		moon.n_outc = sun.n_outc = 0;
	}
	for (struct ike_sa *s = sun.a.sas; s && n <= IKE_REKEY_CHAIN_MAX; s = s->next)
		chain[n++] = s;
	assert_int_equal(n, IKE_REKEY_CHAIN_MAX + 1);
	/* sun sees them as one SA rekeyed IKE_REKEY_CHAIN_MAX times */
	for (unsigned int i = 1; i < n; i++)
		chain[i]->rekeyed_from = chain[i - 1];
	last = chain[n - 1];
	ms = sa_by_spi(&moon, last->spi_i, last->spi_r);
	assert_non_null(ms);
	assert_int_equal(ike_sa_task_add(ms, IKE_TASK_IKE_REKEY, 0, 0), 0);
	pump(200);
	moon.n_outc = sun.n_outc = 0;
	/* refused: the SA is still there */
	assert_ptr_equal(sa_by_spi(&sun, last->spi_i, last->spi_r), last);
	assert_int_equal(last->state, IKE_SA_ESTABLISHED);
	assert_int_equal(n_ike(&sun, "established"), IKE_REKEY_CHAIN_MAX + 1);
	/* one predecessor fewer: the rekey replaces it */
	{
		uint64_t si = chain[n - 2]->spi_i, sr = chain[n - 2]->spi_r;

		ms = sa_by_spi(&moon, si, sr);
		assert_non_null(ms);
		assert_int_equal(ike_sa_task_add(ms, IKE_TASK_IKE_REKEY, 0, 0), 0);
		pump(1000);
		moon.n_outc = sun.n_outc = 0;
		assert_null(sa_by_spi(&sun, si, sr));
		assert_int_equal(n_ike(&sun, "established"), IKE_REKEY_CHAIN_MAX + 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_flood_then_legit, cleanup),
		cmocka_unit_test_teardown(test_per_address, cleanup),
		cmocka_unit_test_teardown(test_pressure_expiry, cleanup),
		cmocka_unit_test_teardown(test_many_from_one_address, cleanup),
		cmocka_unit_test_teardown(test_rekey_chain, cleanup),
	};

	ike_sa_log_level = IKE_SA_LOG_WARN;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
