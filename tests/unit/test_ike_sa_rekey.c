// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IKEv2 state machine after establishment, with the same fake shell
 * and moon/sun pair as test_ike_sa.c (ike_sa_harness.h): CHILD_SA and
 * IKE_SA rekeys, simultaneous rekey collisions, delete, DPD timeout and
 * restart, start actions and keyingtries. Both sides are checked: SAs
 * pair up and outbound policies follow the rekeys.
 */
#include "ike_sa_harness.h"

static void test_child_rekey(void **state)
{
	struct cfgp m = base_moon(), s;
	struct ike_child *mc;
	uint32_t old_m, old_s, reqid_m;

	(void)state;
	m.child_rekey = 100;
	m.esp = "aes128gcm16-x25519";   /* PFS on rekey */
	s = mirror(m);
	s.child_rekey = 0;
	setup_pair(&m, &s);
	establish();
	assert_pairs(1);
	old_m = child_spi_in(&moon);
	old_s = child_spi_in(&sun);
	reqid_m = first_sa(&moon)->children->inst.reqid;
	pump(101 * 1000);
	assert_ike_up();
	assert_pairs(1);
	mc = first_sa(&moon)->children;
	assert_null(mc->next);
	assert_true(mc->inst.spi_in != old_m);
	assert_true(child_spi_in(&sun) != old_s);
	assert_int_equal(mc->inst.reqid, reqid_m);
	assert_int_equal(mc->pfs, IKE_DH_CURVE25519);
	/* make before break: 2 inbound installs, the outbound switched once
	 * from the old SPI (the fake checks old_spi_out) */
	assert_int_equal(moon.n_in, 2);
	assert_int_equal(moon.n_out, 2);
	assert_int_equal(sun.n_in, 2);
	assert_int_equal(sun.n_out, 2);
	assert_int_equal(pol_spi(&moon, reqid_m), mc->inst.spi_out);
	assert_int_equal(rec_find(&moon, 2, mc->inst.spi_out) != NULL, 1);
	assert_null(rec_find(&moon, 1, old_m));
	assert_null(rec_find(&sun, 1, old_s));
	/* sun, the rekey's responder, moved its outbound side to the new
	 * SA before answering the DELETE of the old one */
	assert_int_equal(sun.pol_at_info_resp, first_sa(&sun)->children->inst.spi_out);

	/* and again from the responder's side, without PFS, by hand */
	assert_int_equal(ike_sa_task_add(first_sa(&sun), IKE_TASK_CHILD_REKEY, 0,
					 child_spi_in(&sun)), 0);
	pump(1000);
	assert_pairs(1);
	assert_int_equal(sun.n_in, 3);
	assert_alive(&moon);

	/* soft volume limit from the datapath: a rekey */
	ike_sa_child_expired(&moon.a, child_spi_in(&moon), false);
	pump(1000);
	assert_pairs(1);
	assert_int_equal(moon.n_in, 4);
	/* hard: the Child SA goes */
	ike_sa_child_expired(&moon.a, child_spi_in(&moon), true);
	pump(1000);
	/* only the inbound SAs the last rekey replaced are left, for the
	 * rest of their grace period; then nothing */
	assert_int_equal(n_sas(&moon, 2) + n_sas(&sun, 2), 0);
	assert_int_equal(n_sas(&moon, 1), ike_child_lingering(&moon.a));
	assert_int_equal(n_sas(&sun, 1), ike_child_lingering(&sun.a));
	assert_int_equal(ike_child_lingering(&moon.a) + ike_child_lingering(&sun.a), 2);
	pump(IKE_INBOUND_GRACE_MS);
	assert_int_equal(n_sas(&moon, 0) + n_sas(&sun, 0), 0);
	assert_int_equal(moon.uninst_missing + sun.uninst_missing, 0);
	assert_ike_up();
}

static void test_child_rekey_simultaneous(void **state)
{
	(void)state;
	for (unsigned int round = 0; round < 6; round++) {
		struct cfgp m = base_moon(), s;

		m.child_rekey = 100;
		if (round & 1)
			m.esp = "aes128gcm16-ecp256";
		s = mirror(m);
		setup_pair(&m, &s);
		establish();
		assert_pairs(1);
		/* both timers fire at the same moment (rand_time 0) */
		pump(100 * 1000 + 10);
		assert_ike_up();
		/* §2.8.1: exactly one new pair survives, the redundant
		 * one and the old one are gone on both sides */
		assert_pairs(1);
		assert_int_equal(first_sa(&moon)->nchildren, 1);
		assert_int_equal(first_sa(&sun)->nchildren, 1);
		assert_int_equal(moon.n_in, 3);
		assert_int_equal(sun.n_in, 3);
		assert_int_equal(first_sa(&moon)->children->state, IKE_CHILD_INSTALLED);
		assert_alive(&moon);
		/* the survivor rekeys fine afterwards */
		assert_int_equal(ike_sa_task_add(first_sa(&moon), IKE_TASK_CHILD_REKEY,
						 0, child_spi_in(&moon)), 0);
		pump(1000);
		assert_pairs(1);
	}
}

static void test_ike_rekey(void **state)
{
	struct cfgp m = base_moon(), s;
	uint64_t spi_i, spi_r;
	uint32_t cm, cs;

	(void)state;
	m.ike_rekey = 100;
	s = mirror(m);
	s.ike_rekey = 0;
	setup_pair(&m, &s);
	establish();
	assert_ike_up();
	spi_i = first_sa(&moon)->spi_i;
	spi_r = first_sa(&moon)->spi_r;
	cm = child_spi_in(&moon);
	cs = child_spi_in(&sun);
	pump(101 * 1000);
	/* §2.18: a new IKE SA, the Child SAs moved, the old one deleted */
	assert_ike_up();
	assert_true(first_sa(&moon)->spi_i != spi_i);
	assert_true(first_sa(&moon)->spi_r != spi_r);
	assert_int_equal(child_spi_in(&moon), cm);
	assert_int_equal(child_spi_in(&sun), cs);
	assert_pairs(1);
	assert_int_equal(moon.n_in, 1);
	assert_true(first_sa(&moon)->initiator);
	/* the new IKE SA's keys work for Child SAs and liveness */
	assert_int_equal(ike_sa_task_add(first_sa(&sun), IKE_TASK_CHILD_REKEY, 0,
					 child_spi_in(&sun)), 0);
	pump(1000);
	assert_pairs(1);
	assert_alive(&sun);

	/* the responder may rekey it too (it becomes the initiator) */
	assert_int_equal(ike_sa_task_add(first_sa(&sun), IKE_TASK_IKE_REKEY, 0, 0), 0);
	pump(1000);
	assert_ike_up();
	assert_true(first_sa(&sun)->initiator);
	assert_pairs(1);
	assert_alive(&moon);
}

static void test_ike_rekey_simultaneous(void **state)
{
	(void)state;
	for (unsigned int round = 0; round < 6; round++) {
		struct cfgp m = base_moon(), s;

		m.ike_rekey = 100;
		if (round & 1)
			m.ike = "aes256-sha256-modp2048";
		s = mirror(m);
		setup_pair(&m, &s);
		unsigned int tm, ts;
		uint64_t spi;

		establish();
		assert_ike_up();
		tm = moon.tx;
		ts = sun.tx;
		spi = first_sa(&moon)->spi_i;
		pump(100 * 1000 + 10);
		/* §2.8.2: one new IKE SA survives on both sides, with the
		 * Child SAs */
		assert_ike_up();
		assert_true(first_sa(&moon)->spi_i != spi);
		/* both rekeyed (request + answer each), one DELETE each */
		assert_true(moon.tx - tm >= 3);
		assert_true(sun.tx - ts >= 3);
		assert_pairs(1);
		assert_int_equal(first_sa(&moon)->nchildren, 1);
		assert_int_equal(first_sa(&sun)->nchildren, 1);
		assert_alive(&moon);
		assert_alive(&sun);
		assert_int_equal(ike_sa_task_add(first_sa(&moon), IKE_TASK_CHILD_REKEY,
						 0, child_spi_in(&moon)), 0);
		pump(1000);
		assert_pairs(1);
	}
}

static void test_delete(void **state)
{
	struct cfgp m = base_moon(), s = mirror(m);
	char err[64];

	(void)state;
	setup_pair(&m, &s);
	establish();
	assert_pairs(1);
	/* the responder deletes the Child SA (§1.4.1) */
	assert_int_equal(ike_sa_task_add(first_sa(&sun), IKE_TASK_CHILD_DELETE, 0,
					 child_spi_in(&sun)), 0);
	pump(1000);
	assert_int_equal(n_sas(&moon, 0) + n_sas(&sun, 0), 0);
	assert_int_equal(pol_spi(&moon, 1) + pol_spi(&sun, 1), 0);
	assert_ike_up();
	/* and moon creates it again on the same IKE SA */
	assert_int_equal(ike_sa_initiate(&moon.a, "c", "net", err, sizeof(err)), 0);
	pump(1000);
	assert_pairs(1);
	/* INVALID_SPI from moon for what sun sends with (§1.5): sun
	 * deletes that Child SA */
	{
		static struct ike_out o;
		struct ike_sa *ms = first_sa(&moon);
		struct ike_path p = moon_to_sun();
		uint8_t spi[4];

		ike_put32(spi, child_spi_in(&moon));
		assert_int_equal(ike_out_begin(ms, &o, IKE_EXCH_INFORMATIONAL, false,
					       ms->msgid_next), 0);
		assert_int_equal(ike_enc_notify(&o.e, IKE_PROTO_ESP, NULL, 0,
						IKE_N_INVALID_SPI, spi, 4), 0);
		assert_int_equal(ike_out_seal(ms, &o), 0);
		ms->msgid_next++;
		ike_sa_input(&sun.a, &p, o.buf, o.len);
		pump(1000);
		assert_int_equal(n_sas(&moon, 0) + n_sas(&sun, 0), 0);
		assert_ike_up();
	}
	assert_int_equal(ike_sa_initiate(&moon.a, "c", "net", err, sizeof(err)), 0);
	pump(1000);
	assert_pairs(1);
	/* terminate: DELETE of the IKE SA, everything gone both sides */
	assert_int_equal(ike_sa_terminate(&moon.a, "c", err, sizeof(err)), 0);
	pump(1000);
	assert_int_equal(n_ike(&moon, NULL) + n_ike(&sun, NULL), 0);
	assert_int_equal(n_sas(&moon, 0) + n_sas(&sun, 0), 0);
	assert_int_equal(moon.uninst_missing + sun.uninst_missing, 0);
	for (unsigned int i = 0; i < POLMAX; i++)
		assert_false(moon.pol[i].used || sun.pol[i].used);
	assert_int_equal(ike_sa_terminate(&moon.a, "c", err, sizeof(err)), -ENOENT);
	assert_int_equal(ike_sa_initiate(&moon.a, "nope", NULL, err, sizeof(err)),
			 -ENOENT);
}

static void test_dpd_timeout(void **state)
{
	struct cfgp m = base_moon(), s;

	(void)state;
	m.dpd = 10;
	s = mirror(m);
	s.dpd = 0;
	setup_pair(&m, &s);
	establish();
	assert_pairs(1);
	/* a quiet but live peer answers the DPD */
	pump(11 * 1000);
	assert_ike_up();
	assert_true(sun.a.counters[IKE_AC_RX] >= 3);
	/* sun stops answering: DPD, 4 retransmissions, then the SAs go */
	sun.dead = true;
	pump(10 * 1000 + 16 * 1000);
	assert_int_equal(n_ike(&moon, NULL), 0);
	assert_int_equal(n_sas(&moon, 0), 0);
	assert_int_equal(moon.a.counters[IKE_AC_RETRANSMIT], IKE_RTX_TRIES - 1);
	assert_int_equal(moon.uninst_missing, 0);
}

static void test_start_action(void **state)
{
	struct cfgp m = base_moon(), s = mirror(m);

	(void)state;
	setup_pair(&m, &s);
	/* nothing has start_action: nothing happens */
	ike_sa_config_changed(&moon.a);
	pump(1000);
	assert_int_equal(n_ike(&moon, NULL), 0);
	moon.cfg.conns[0].children[0].start_action = IKE_CONF_START_START;
	ike_sa_config_changed(&moon.a);
	pump(5000);
	assert_ike_up();
	assert_pairs(1);
	/* again: already up, nothing new */
	ike_sa_config_changed(&moon.a);
	pump(1000);
	assert_ike_up();
	assert_pairs(1);
}

/* Builds a message as moon's SA would (encrypted, msgid given). */

static void test_keyingtries(void **state)
{
	struct cfgp m = base_moon(), s;
	unsigned int tx;

	(void)state;
	m.keyingtries = 2;
	s = mirror(m);
	setup_pair(&m, &s);
	sun.dead = true;
	establish();
	/* 5 IKE_SA_INIT sends, give up, wait, 5 more, give up for good */
	pump(60 * 1000);
	assert_int_equal(moon.tx, 2 * IKE_RTX_TRIES);
	assert_int_equal(n_ike(&moon, NULL), 0);
	tx = moon.tx;
	pump(60 * 1000);
	assert_int_equal(moon.tx, tx);

	/* a peer that comes back in time is reached by the second try */
	setup_pair(&m, &s);
	sun.dead = true;
	establish();
	pump(16 * 1000);
	sun.dead = false;
	pump(10 * 1000);
	assert_ike_up();
	assert_pairs(1);
}

static void test_dpd_restart(void **state)
{
	struct cfgp m = base_moon(), s;

	(void)state;
	m.dpd = 10;
	m.dpd_action = "restart";
	s = mirror(m);
	s.dpd = 0;
	setup_pair(&m, &s);
	establish();
	assert_pairs(1);
	sun.dead = true;
	pump(10 * 1000 + 15 * 1000);
	/* moon gave up on the old IKE SA and started a new one */
	assert_int_equal(n_ike(&moon, "established"), 0);
	assert_int_equal(n_ike(&moon, "connecting"), 1);
	assert_int_equal(n_sas(&moon, 0), 0);
	sun.dead = false;
	pump(20 * 1000);
	/* INITIAL_CONTACT (§2.4) made sun drop its stale IKE SA */
	assert_ike_up();
	assert_pairs(1);
	assert_int_equal(sun.n_in, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_child_rekey, cleanup),
		cmocka_unit_test_teardown(test_child_rekey_simultaneous, cleanup),
		cmocka_unit_test_teardown(test_ike_rekey, cleanup),
		cmocka_unit_test_teardown(test_ike_rekey_simultaneous, cleanup),
		cmocka_unit_test_teardown(test_delete, cleanup),
		cmocka_unit_test_teardown(test_dpd_timeout, cleanup),
		cmocka_unit_test_teardown(test_start_action, cleanup),
		cmocka_unit_test_teardown(test_keyingtries, cleanup),
		cmocka_unit_test_teardown(test_dpd_restart, cleanup),
	};

	ike_sa_log_level = getenv("IKE_SA_DEBUG") ? atoi(getenv("IKE_SA_DEBUG")) : IKE_SA_LOG_ERR - 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
