// SPDX-License-Identifier: GPL-2.0-only
/*
 * The state machine's entries for the shell and its contract with it,
 * with the fake shell and moon/sun pair of ike_sa_harness.h:
 *
 *   failed installs   a datapath that refuses an SA (full table) on the
 *                     initiator or the responder, in IKE_AUTH, in
 *                     CREATE_CHILD_SA and in a rekey: both sides end
 *                     without that Child SA, then retry per config
 *   dp_restarted      the datapath lost every SA: each Child SA is
 *                     rekeyed make-before-break, no manual step
 *   acquire / trap    trap does not initiate on load; an acquire does,
 *                     once per Child SA however many arrive
 *   outcomes          initiate/terminate report success, AUTH failure,
 *                     no proposal, timeout, in request order
 *   log lines         one format with the SA's name and SPIs, levels
 */
#include "ike_sa_harness.h"

static const struct outcome_rec *last_out(const struct node *n)
{
	assert_true(n->n_outc > 0);
	return &n->outc[n->n_outc - 1];
}

/* No Child SA anywhere, and none on the agents' books. */
static void assert_no_children(void)
{
	assert_int_equal(n_sas(&moon, 0), ike_child_lingering(&moon.a));
	assert_int_equal(n_sas(&sun, 0), ike_child_lingering(&sun.a));
	for (const struct ike_sa *s = moon.a.sas; s; s = s->next)
		assert_int_equal(s->nchildren, 0);
	for (const struct ike_sa *s = sun.a.sas; s; s = s->next)
		assert_int_equal(s->nchildren, 0);
}

/* -------------------------------------------------------- failed installs */

static void test_install_fail_initiator_auth(void **state)
{
	struct cfgp m = base_moon(), s;
	char err[128];

	(void)state;
	s = mirror(m);
	setup_pair(&m, &s);
	/* moon's datapath refuses the Child SA of IKE_AUTH */
	moon.fail_in = 1;
	assert_int_equal(ike_sa_initiate(&moon.a, "c", NULL, err, sizeof(err)), 0);
	pump(5000);
	assert_ike_up();
	/* sun installed it while answering; moon's DELETE removed it */
	assert_int_equal(sun.n_in, 1);
	assert_int_equal(sun.n_out, 1);
	assert_no_children();
	assert_int_equal(moon.a.counters[IKE_AC_INSTALL_FAILED], 1);
	assert_int_equal(moon.uninst_missing + sun.uninst_missing, 0);
	/* the initiate reports it */
	assert_int_equal(moon.n_outc, 1);
	assert_false(last_out(&moon)->terminate);
	assert_true(last_out(&moon)->status < 0);
	assert_non_null(strstr(last_out(&moon)->why, "could not be installed"));
	/* start_action none: no retry; the IKE SA still works */
	pump(30000);
	assert_no_children();
	assert_alive(&moon);
}

static void test_install_fail_retry(void **state)
{
	struct cfgp m = base_moon(), s;

	(void)state;
	m.start_action = "start";
	s = mirror(m);
	setup_pair(&m, &s);
	/* the outbound half fails: the inbound one is removed again */
	moon.fail_out = 1;
	ike_sa_config_changed(&moon.a);
	pump(3000);
	assert_ike_up();
	assert_no_children();
	assert_int_equal(moon.n_in, 1);
	assert_int_equal(moon.n_uninst, 1);
	/* start_action = start: created again after IKE_RETRY_DELAY_MS */
	pump(IKE_RETRY_DELAY_MS + 1000);
	assert_pairs(1);
	assert_ike_up();
	assert_alive(&moon);
}

static void test_install_fail_responder(void **state)
{
	struct cfgp m = base_moon(), s;
	uint32_t old_m;

	(void)state;
	m.child_rekey = 100;
	s = mirror(m);
	s.child_rekey = 0;
	setup_pair(&m, &s);
	/* the responder cannot install the IKE_AUTH Child SA: it refuses
	 * it (NO_PROPOSAL_CHOSEN), the IKE SA comes up alone */
	sun.fail_in = 1;
	establish();
	assert_ike_up();
	assert_no_children();
	assert_int_equal(moon.n_in + moon.n_out, 0);
	assert_int_equal(sun.a.counters[IKE_AC_INSTALL_FAILED], 1);
	assert_int_equal(last_out(&moon)->status, -ENOPROTOOPT);

	/* a second initiate brings it up with CREATE_CHILD_SA */
	assert_int_equal(ike_sa_initiate(&moon.a, "c", "net", NULL, 0), 0);
	pump(2000);
	assert_pairs(1);
	assert_int_equal(last_out(&moon)->status, 0);
	old_m = child_spi_in(&moon);

	/* the rekey's responder cannot install: TEMPORARY_FAILURE; the old
	 * pair carries on, the rekey succeeds on the next try (§2.25) */
	sun.fail_in = 1;
	assert_int_equal(ike_sa_task_add(first_sa(&moon), IKE_TASK_CHILD_REKEY, 0,
					 old_m), 0);
	pump(500);
	assert_pairs(1);
	assert_int_equal(child_spi_in(&moon), old_m);
	assert_int_equal(first_sa(&moon)->children->state, IKE_CHILD_INSTALLED);
	pump(IKE_TEMPFAIL_DELAY_MS + 1000);
	assert_pairs(1);
	assert_true(child_spi_in(&moon) != old_m);
	assert_int_equal(sun.n_refused, 2);
	assert_int_equal(moon.uninst_missing + sun.uninst_missing, 0);
}

static void test_install_fail_rekey_initiator(void **state)
{
	struct cfgp m = base_moon(), s;
	uint32_t old_m, old_s;

	(void)state;
	s = mirror(m);
	setup_pair(&m, &s);
	establish();
	assert_pairs(1);
	old_m = child_spi_in(&moon);
	old_s = child_spi_in(&sun);
	/* moon rekeys; its new inbound SA is refused: the new pair is
	 * deleted on both sides, the old one stays and is rekeyed later */
	moon.fail_in = 1;
	assert_int_equal(ike_sa_task_add(first_sa(&moon), IKE_TASK_CHILD_REKEY, 0,
					 old_m), 0);
	pump(1000);
	assert_int_equal(sun.n_in, 2);          /* sun had made the new one */
	assert_pairs(1);
	assert_int_equal(child_spi_in(&moon), old_m);
	assert_int_equal(child_spi_in(&sun), old_s);
	assert_int_equal(first_sa(&moon)->nchildren, 1);
	assert_int_equal(first_sa(&sun)->nchildren, 1);
	assert_int_equal(moon.a.counters[IKE_AC_INSTALL_FAILED], 1);
	pump(IKE_RETRY_DELAY_MS + 1000 + IKE_INBOUND_GRACE_MS);
	assert_pairs(1);
	assert_true(child_spi_in(&moon) != old_m);
	assert_int_equal(ike_child_lingering(&moon.a) + ike_child_lingering(&sun.a), 0);
	assert_int_equal(moon.uninst_missing + sun.uninst_missing, 0);
	assert_alive(&sun);
}

static void test_install_fail_rekey_responder_out(void **state)
{
	struct cfgp m = base_moon(), s;
	uint32_t old_m;

	(void)state;
	s = mirror(m);
	m.start_action = "start";
	s.start_action = "start";       /* sun makes it again */
	setup_pair(&m, &s);
	establish();
	assert_pairs(1);
	old_m = child_spi_in(&moon);
	/* moon rekeys; sun, the responder, installs its new outbound SA
	 * only when moon deletes the old pair, and that install fails: sun
	 * cannot send on the new pair, so it deletes it on both sides */
	sun.fail_out = 1;
	assert_int_equal(ike_sa_task_add(first_sa(&moon), IKE_TASK_CHILD_REKEY, 0,
					 old_m), 0);
	pump(2000);
	assert_int_equal(sun.n_refused, 1);
	assert_int_equal(sun.a.counters[IKE_AC_INSTALL_FAILED], 1);
	assert_no_children();
	assert_ike_up();
	assert_int_equal(moon.uninst_missing + sun.uninst_missing, 0);
	/* sun creates it again after IKE_RETRY_DELAY_MS */
	pump(IKE_RETRY_DELAY_MS + 1000);
	assert_pairs(1);
	assert_int_equal(first_sa(&sun)->children->we_created, true);
	assert_alive(&moon);
}

static void test_install_fail_second_child(void **state)
{
	struct cfgp m = base_moon(), s;

	(void)state;
	m.child2_lts = "10.3.0.0/16";
	s = mirror(m);
	s.lts = "10.2.0.0/16";
	s.child2_lts = "10.2.0.0/16";
	s.rts = "10.0.0.0/8";          /* web: remote 10/8 covers 10.3/16 */
	setup_pair(&m, &s);
	assert_int_equal(ike_sa_initiate(&moon.a, "c", "net", NULL, 0), 0);
	pump(5000);
	assert_pairs(1);
	assert_int_equal(last_out(&moon)->status, 0);
	/* CREATE_CHILD_SA for "web": moon's outbound install fails */
	moon.fail_out = 1;
	assert_int_equal(ike_sa_initiate(&moon.a, "c", "web", NULL, 0), 0);
	pump(2000);
	assert_pairs(1);
	assert_int_equal(first_sa(&moon)->nchildren, 1);
	assert_int_equal(first_sa(&sun)->nchildren, 1);
	assert_string_equal(last_out(&moon)->child, "web");
	assert_int_equal(last_out(&moon)->status, -ECONNABORTED);
	assert_non_null(strstr(last_out(&moon)->why, "could not be installed"));
	assert_int_equal(moon.a.counters[IKE_AC_INSTALL_FAILED], 1);
	assert_int_equal(sun.n_in, 2);          /* sun had made it */
	assert_int_equal(moon.uninst_missing + sun.uninst_missing, 0);
}

/* ---------------------------------------------------------- dp_restarted */

static void test_dp_restarted(void **state)
{
	struct cfgp m = base_moon(), s;
	uint32_t old_m, old_s, reqid;

	(void)state;
	m.child2_lts = "10.3.0.0/16";
	s = mirror(m);
	s.lts = "10.2.0.0/16";
	s.child2_lts = "10.2.0.0/16";
	s.rts = "10.0.0.0/8";
	setup_pair(&m, &s);
	establish();
	assert_pairs(2);
	old_m = child_spi_in(&moon);
	old_s = child_spi_in(&sun);
	reqid = first_sa(&moon)->children->inst.reqid;

	/* nothing installed: nothing to do */
	assert_int_equal(dp_restart(&moon), 4);
	assert_int_equal(ike_agent_dp_restarted(&moon.a), 0);
	assert_int_equal(moon.a.counters[IKE_AC_DP_RESTART_REKEY], 2);
	pump(2000);
	/* the old SAs were gone from moon's datapath already: 4 removals
	 * found nothing (the real shell takes that as done), and none of
	 * them lingers */
	assert_int_equal(moon.uninst_missing, 4);
	assert_int_equal(ike_child_lingering(&moon.a), 0);
	moon.uninst_missing = 0;
	/* both Child SAs rekeyed: fresh pairs on both sides, the policies
	 * switched from the lost SA to the new one (the fake checks the
	 * old SPI), the old ones deleted on both sides */
	assert_pairs(2);
	assert_ike_up();
	assert_true(child_spi_in(&moon) != old_m);
	assert_true(child_spi_in(&sun) != old_s);
	assert_int_equal(first_sa(&moon)->children->inst.reqid != 0, 1);
	assert_non_null(rec_find(&moon, 2, pol_spi(&moon, reqid)));
	pump(IKE_INBOUND_GRACE_MS);
	assert_pairs(2);
	assert_int_equal(n_sas(&moon, 0), 4);
	assert_int_equal(n_sas(&sun, 0), 4);
	assert_int_equal(moon.uninst_missing + sun.uninst_missing, 0);
	assert_alive(&moon);
	assert_alive(&sun);
}

static void test_dp_restarted_install_fails(void **state)
{
	struct cfgp m = base_moon(), s;
	uint32_t old_m;

	(void)state;
	s = mirror(m);
	setup_pair(&m, &s);
	establish();
	assert_pairs(1);
	old_m = child_spi_in(&moon);
	dp_restart(&moon);
	/* the new daemon's table is full at first: the rekey cannot be
	 * installed; the lost pair and the new one go on both sides and
	 * the Child SA is created afresh */
	moon.fail_in = 1;
	assert_int_equal(ike_agent_dp_restarted(&moon.a), 0);
	pump(1000);
	assert_no_children();
	assert_int_equal(moon.n_refused, 1);
	/* the lost pair's removal found nothing in the new daemon */
	assert_int_equal(moon.uninst_missing, 2);
	moon.uninst_missing = 0;
	pump(IKE_RETRY_DELAY_MS + 1000);
	assert_pairs(1);
	assert_true(child_spi_in(&moon) != old_m);
	assert_ike_up();
	assert_alive(&moon);
	/* no established Child SA: nothing to do */
	dp_restart(&sun);
	ike_sa_shutdown(&moon.a);
	assert_int_equal(ike_agent_dp_restarted(&moon.a), -ENOENT);
}

/* ------------------------------------------------------- acquire / trap */

static void test_trap_acquire(void **state)
{
	struct cfgp m = base_moon(), s;
	unsigned int tx;

	(void)state;
	m.start_action = "trap";
	m.dpd = 0;
	s = mirror(m);
	setup_pair(&m, &s);
	/* trap does not initiate when loaded */
	ike_sa_config_changed(&moon.a);
	pump(2000);
	assert_int_equal(n_ike(&moon, NULL), 0);
	assert_int_equal(moon.tx, 0);
	/* unknown connection / child */
	assert_int_equal(ike_agent_acquire(&moon.a, "nope", "net"), -ENOENT);
	assert_int_equal(ike_agent_acquire(&moon.a, "c", "nope"), -ENOENT);
	/* the first acquire starts it; a flood during the exchange does
	 * not start another */
	assert_int_equal(ike_agent_acquire(&moon.a, "c", "net"), 0);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(ike_agent_acquire(&moon.a, "c", "net"), -EALREADY);
	pump(3000);
	assert_ike_up();
	assert_pairs(1);
	assert_int_equal(moon.a.counters[IKE_AC_ACQUIRE], 1003);
	assert_int_equal(moon.a.counters[IKE_AC_ACQUIRE_IGNORED], 1002);
	/* nobody waits on an acquire */
	assert_int_equal(moon.n_outc, 0);
	/* up: more acquires (packets sealed before the SA existed) do
	 * nothing */
	tx = moon.tx;
	assert_int_equal(ike_agent_acquire(&moon.a, "c", "net"), -EALREADY);
	pump(1000);
	assert_int_equal(moon.tx, tx);

	/* terminated, the next packet brings it back */
	assert_int_equal(ike_sa_terminate(&moon.a, "c", NULL, 0), 0);
	pump(2000);
	assert_int_equal(n_ike(&moon, NULL) + n_ike(&sun, NULL), 0);
	assert_int_equal(last_out(&moon)->terminate, true);
	assert_int_equal(last_out(&moon)->status, 0);
	assert_int_equal(ike_agent_acquire(&moon.a, "c", "net"), 0);
	pump(3000);
	assert_ike_up();
	assert_pairs(1);
}

static void test_acquire_hold_down(void **state)
{
	struct cfgp m = base_moon(), s;
	unsigned int starts = 0;

	(void)state;
	m.start_action = "trap";
	s = mirror(m);
	setup_pair(&m, &s);
	sun.dead = true;
	/* an unreachable peer: one exchange at a time, and after it gave
	 * up, not more often than the hold-down */
	for (unsigned int t = 0; t < 60; t++) {
		for (int i = 0; i < 50; i++)
			if (!ike_agent_acquire(&moon.a, "c", "net"))
				starts++;
		pump(500);
	}
	/* 30 s: each attempt retransmits for ~15.5 s before it fails */
	assert_true(starts >= 2 && starts <= 3);
	assert_true(n_ike(&moon, NULL) <= 1);
	/* an attempt that ends at once (terminated here) leaves the
	 * hold-down: the next acquire is refused until it ends */
	ike_sa_shutdown(&moon.a);       /* forgets hold-downs too */
	assert_int_equal(ike_agent_acquire(&moon.a, "c", "net"), 0);
	ike_sa_terminate(&moon.a, "c", NULL, 0);
	pump(10);
	assert_int_equal(ike_agent_acquire(&moon.a, "c", "net"), -EBUSY);
	pump(IKE_ACQUIRE_HOLD_MS);
	assert_int_equal(ike_agent_acquire(&moon.a, "c", "net"), 0);
}

/* ------------------------------------------------------------ outcomes */

static void test_outcomes(void **state)
{
	struct cfgp m = base_moon(), s;
	char err[128];

	(void)state;
	/* success, reported once */
	s = mirror(m);
	setup_pair(&m, &s);
	assert_int_equal(ike_sa_initiate(&moon.a, "c", NULL, err, sizeof(err)), 0);
	/* a second initiate while the first is out: both reported, in
	 * order, when the SA is up */
	assert_int_equal(ike_sa_initiate(&moon.a, "c", "net", err, sizeof(err)), 0);
	assert_int_equal(moon.n_outc, 0);
	pump(5000);
	assert_ike_up();
	assert_int_equal(moon.n_outc, 2);
	assert_int_equal(moon.outc[0].status, 0);
	assert_string_equal(moon.outc[0].child, "");
	assert_int_equal(moon.outc[1].status, 0);
	assert_string_equal(moon.outc[1].child, "net");
	/* up already: reported at once */
	assert_int_equal(ike_sa_initiate(&moon.a, "c", NULL, err, sizeof(err)), 0);
	assert_int_equal(moon.n_outc, 3);
	assert_int_equal(moon.outc[2].status, 0);
	/* unknown connection: an error now, no report later */
	assert_int_equal(ike_sa_initiate(&moon.a, "x", NULL, err, sizeof(err)), -ENOENT);
	pump(1000);
	assert_int_equal(moon.n_outc, 3);
	/* terminate: reported when the peer answered the DELETE */
	assert_int_equal(ike_sa_terminate(&moon.a, "c", err, sizeof(err)), 0);
	assert_int_equal(moon.n_outc, 3);
	pump(1000);
	assert_int_equal(moon.n_outc, 4);
	assert_true(moon.outc[3].terminate);
	assert_int_equal(moon.outc[3].status, 0);
	assert_string_equal(moon.outc[3].why, "deleted");
	assert_int_equal(ike_sa_terminate(&moon.a, "c", err, sizeof(err)), -ENOENT);

	/* wrong PSK: AUTHENTICATION_FAILED */
	m = base_moon();
	s = mirror(m);
	s.psk = "0xffeeddccbbaa99887766554433221100";
	setup_pair(&m, &s);
	establish();
	assert_int_equal(moon.n_outc, 1);
	assert_int_equal(moon.outc[0].status, -EACCES);
	assert_non_null(strstr(moon.outc[0].why, "AUTHENTICATION_FAILED"));

	/* IKE proposals do not match: NO_PROPOSAL_CHOSEN */
	m = base_moon();
	s = mirror(m);
	s.ike = "aes256-sha256-modp2048";
	setup_pair(&m, &s);
	establish();
	assert_int_equal(moon.n_outc, 1);
	assert_int_equal(moon.outc[0].status, -ENOPROTOOPT);
	assert_non_null(strstr(moon.outc[0].why, "NO_PROPOSAL_CHOSEN"));

	/* Child SA proposals do not match: the IKE SA is up, the initiate
	 * fails */
	m = base_moon();
	s = mirror(m);
	s.esp = "chacha20poly1305";
	setup_pair(&m, &s);
	establish();
	assert_ike_up();
	assert_int_equal(moon.n_outc, 1);
	assert_int_equal(moon.outc[0].status, -ENOPROTOOPT);
	assert_non_null(strstr(moon.outc[0].why, "NO_PROPOSAL_CHOSEN"));

	/* no answer at all: timeout, after the retransmissions */
	m = base_moon();
	s = mirror(m);
	setup_pair(&m, &s);
	sun.dead = true;
	assert_int_equal(ike_sa_initiate(&moon.a, "c", NULL, err, sizeof(err)), 0);
	pump(10000);
	assert_int_equal(moon.n_outc, 0);
	pump(10000);
	assert_int_equal(moon.n_outc, 1);
	assert_int_equal(moon.outc[0].status, -ETIMEDOUT);
	/* terminate of a connecting SA: reported at once */
	sun.dead = false;
	assert_int_equal(ike_sa_initiate(&moon.a, "c", NULL, err, sizeof(err)), 0);
	assert_int_equal(ike_sa_terminate(&moon.a, "c", err, sizeof(err)), 0);
	assert_int_equal(moon.n_outc, 3);
	assert_int_equal(moon.outc[1].status, -ECONNABORTED);
	assert_true(moon.outc[2].terminate);
	assert_string_equal(moon.outc[2].why, "terminated");
	assert_int_equal(ike_outcome_pending(&moon.a), 0);
}

/* ----------------------------------------------------------- log lines */

static char logbuf[64][512];
static int loglvl[64];
static unsigned int nlog;

static void log_hook(int level, const char *line)
{
	if (nlog < 64) {
		loglvl[nlog] = level;
		snprintf(logbuf[nlog], sizeof(logbuf[nlog]), "%s", line);
	}
	nlog++;
}

static void test_log_lines(void **state)
{
	struct cfgp m = base_moon(), s = mirror(m);
	char prefix[96];
	bool installed = false, failed = false;
	const struct ike_sa *sa;

	(void)state;
	setup_pair(&m, &s);
	ike_sm_log_setup(IKE_LOG_SM_INFO, log_hook);
	nlog = 0;
	moon.fail_in = 1;
	establish();
	ike_sm_log_setup(IKE_LOG_SM_ERR, NULL);
	ike_sa_log_level = IKE_SA_LOG_ERR - 1;
	sa = first_sa(&moon);
	snprintf(prefix, sizeof(prefix), "c #%u %016llx/%016llx: ", sa->serial,
		 (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r);
	assert_true(nlog > 4 && nlog <= 64);
	for (unsigned int i = 0; i < nlog; i++) {
		/* every line of both agents names an IKE SA of c (SPIs not
		 * known yet at the very start: zero responder SPI) */
		assert_true(loglvl[i] >= IKE_LOG_SM_ERR && loglvl[i] <= IKE_LOG_SM_INFO);
		assert_int_equal(strncmp(logbuf[i], "c #", 3), 0);
		if (strncmp(logbuf[i], prefix, strlen(prefix)))
			continue;
		/* a Child SA event names the child and both SPIs */
		if (strstr(logbuf[i], "install failed")) {
			assert_int_equal(loglvl[i], IKE_LOG_SM_ERR);
			assert_non_null(strstr(logbuf[i], ": net "));
			failed = true;
		}
		if (strstr(logbuf[i], "IKE SA established"))
			installed = true;
	}
	assert_true(failed && installed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_install_fail_initiator_auth, cleanup),
		cmocka_unit_test_teardown(test_install_fail_retry, cleanup),
		cmocka_unit_test_teardown(test_install_fail_responder, cleanup),
		cmocka_unit_test_teardown(test_install_fail_rekey_initiator, cleanup),
		cmocka_unit_test_teardown(test_install_fail_rekey_responder_out, cleanup),
		cmocka_unit_test_teardown(test_install_fail_second_child, cleanup),
		cmocka_unit_test_teardown(test_dp_restarted, cleanup),
		cmocka_unit_test_teardown(test_dp_restarted_install_fails, cleanup),
		cmocka_unit_test_teardown(test_trap_acquire, cleanup),
		cmocka_unit_test_teardown(test_acquire_hold_down, cleanup),
		cmocka_unit_test_teardown(test_outcomes, cleanup),
		cmocka_unit_test_teardown(test_log_lines, cleanup),
	};

	ike_sa_log_level = getenv("IKE_SA_DEBUG") ? atoi(getenv("IKE_SA_DEBUG")) :
						   IKE_SA_LOG_ERR - 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
