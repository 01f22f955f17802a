// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IKE shell fails closed while a connection is loaded (install.c):
 * the policies of a Child SA that goes stay (naming no SA: dropped), the
 * next Child SA with the same selectors takes them over, only unloading
 * the connection deletes them; SAs carry a hard time limit; a restarted
 * agent removes its predecessor's SAs (owner tag: the reqid range) and
 * adopts the policies left; --log-level names. Against a fake datapath
 * that keeps a policy table and answers like the daemon (store.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "shell.h"

/* The state machine's entry expire.c calls: not reached here. */
void ike_sa_child_expired(struct ike_agent *a, uint32_t spi_in, bool hard)
{
	(void)a;
	(void)spi_in;
	(void)hard;
	fail();
}

/* ------------------------------------------------------ fake daemon */

#define CMD_MAX 64
#define POL_MAX 16

static struct {
	int n;
	char cmd[CMD_MAX][512];
	/* policy table: selectors (the add words before " spi"), used */
	char pol[POL_MAX][256];
	bool used[POL_MAX];
	const char *sa_list, *policy_list;
} dp;

static int fake_dp(void *arg, const char *instance, int argc, char *const argv[],
		   int *status, char **text)
{
	char out[256] = "", *c;
	unsigned int id;

	(void)arg;
	(void)instance;
	assert_true(dp.n < CMD_MAX);
	c = dp.cmd[dp.n++];
	c[0] = '\0';
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(c, " ");
		strncat(c, argv[i], 511 - strlen(c));
	}
	*status = 0;
	if (!strncmp(c, "policy add", 10)) {
		char sel[256];
		const char *spi = strstr(c, " spi ");

		snprintf(sel, sizeof(sel), "%.*s", (int)(spi ? spi - c : (long)strlen(c)), c);
		for (id = 0; id < POL_MAX; id++) {
			if (dp.used[id] && !strcmp(dp.pol[id], sel)) {
				*status = -EEXIST;
				snprintf(out, sizeof(out), "policy with these selectors exists "
					 "(id %u)\n", id);
				goto out;
			}
		}
		for (id = 0; id < POL_MAX && dp.used[id]; id++)
			;
		assert_true(id < POL_MAX);
		dp.used[id] = true;
		snprintf(dp.pol[id], sizeof(dp.pol[id]), "%s", sel);
		snprintf(out, sizeof(out), "policy %u added\n", id);
	} else if (sscanf(c, "policy del id %u", &id) == 1) {
		assert_true(id < POL_MAX && dp.used[id]);
		dp.used[id] = false;
	} else if (!strcmp(c, "-j sa list")) {
		*text = strdup(dp.sa_list ? dp.sa_list : "[]");
		return 0;
	} else if (!strcmp(c, "-j policy list")) {
		*text = strdup(dp.policy_list ? dp.policy_list : "[]");
		return 0;
	}
out:
	*text = strdup(out);
	return 0;
}

static int npol(void)
{
	int n = 0;

	for (int i = 0; i < POL_MAX; i++)
		n += dp.used[i];
	return n;
}

static bool sent(const char *cmd)
{
	for (int i = 0; i < dp.n; i++)
		if (!strcmp(dp.cmd[i], cmd))
			return true;
	return false;
}

/* ---------------------------------------------------------- fixtures */

static struct ike_conf_child conf_child;
static struct ike_conf_conn conf_conn;
static struct ike_config conf;

static struct ike_agent *agent(bool loaded)
{
	static struct ike_agent a;

	memset(&a, 0, sizeof(a));
	snprintf(a.instance, sizeof(a.instance), "test");
	memset(&conf_child, 0, sizeof(conf_child));
	snprintf(conf_child.name, sizeof(conf_child.name), "net");
	conf_child.rekey_time = 3600;
	conf_child.life_time = 3960;
	memset(&conf_conn, 0, sizeof(conf_conn));
	snprintf(conf_conn.name, sizeof(conf_conn.name), "site");
	conf_conn.n_children = 1;
	conf_conn.children = &conf_child;
	memset(&conf, 0, sizeof(conf));
	conf.n_conns = loaded ? 1 : 0;
	conf.conns = &conf_conn;
	a.cfg = &conf;
	return &a;
}

static void ts4(struct ike_ts *t, const char *s, const char *e)
{
	memset(t, 0, sizeof(*t));
	t->family = AF_INET;
	t->port_hi = 65535;
	assert_int_equal(inet_pton(AF_INET, s, t->start), 1);
	assert_int_equal(inet_pton(AF_INET, e, t->end), 1);
}

static void child(struct ike_child_install *c, uint32_t reqid, uint32_t spi_in,
		  uint32_t spi_out)
{
	struct sockaddr_in *l = (struct sockaddr_in *)&c->path.local;
	struct sockaddr_in *r = (struct sockaddr_in *)&c->path.remote;

	memset(c, 0, sizeof(*c));
	c->conn = "site";
	c->child = "net";
	c->reqid = reqid;
	c->protocol = IKE_PROTO_ESP;
	l->sin_family = r->sin_family = AF_INET;
	l->sin_port = r->sin_port = htons(500);
	assert_int_equal(inet_pton(AF_INET, "192.0.2.1", &l->sin_addr), 1);
	assert_int_equal(inet_pton(AF_INET, "192.0.2.2", &r->sin_addr), 1);
	c->spi_in = spi_in;
	c->spi_out = spi_out;
	snprintf(c->alg_in, sizeof(c->alg_in), "aead rfc4106(gcm(aes)) 0x%040x 128", 1);
	snprintf(c->alg_out, sizeof(c->alg_out), "aead rfc4106(gcm(aes)) 0x%040x 128", 2);
	c->n_local_ts = c->n_remote_ts = 1;
	ts4(&c->local_ts[0], "10.1.0.0", "10.1.0.255");
	ts4(&c->remote_ts[0], "10.2.0.0", "10.2.0.255");
}

static int setup(void **state)
{
	(void)state;
	memset(&dp, 0, sizeof(dp));
	ike_install_reset();
	ike_install_set_transport(fake_dp, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ike_install_reset();
	ike_install_set_transport(NULL, NULL);
	return 0;
}

/* ------------------------------------------------------------- tests */

/* Teardown keeps the policies; the next Child SA takes them over. */
static void test_teardown_keeps_policies(void **state)
{
	struct ike_agent *a = agent(true);
	struct ike_child_install c, c2;
	struct ike_install_stats st;

	(void)state;
	child(&c, IKE_REQID_BASE + 1, 0xc0000001, 0xc0000002);
	assert_int_equal(ike_install_in(a, &c), 0);
	assert_int_equal(ike_install_out(a, &c, 0), 0);
	assert_int_equal(npol(), 2);
	/* terminate / DPD / DELETE: the last removal of the family */
	assert_int_equal(ike_uninstall(a, &c, c.spi_out, IKE_INSTALL_OUT, true), 0);
	assert_int_equal(ike_uninstall(a, &c, c.spi_in, IKE_INSTALL_IN, false), 0);
	assert_int_equal(npol(), 2);
	for (int i = 0; i < dp.n; i++)
		assert_null(strstr(dp.cmd[i], "policy del"));
	ike_install_stats_get(&st);
	assert_int_equal(st.sas, 0);
	assert_int_equal(st.policies, 0);
	assert_int_equal(st.held, 2);

	/* A new Child SA (new reqid, new SPIs): update, not add. */
	dp.n = 0;
	child(&c2, IKE_REQID_BASE + 2, 0xc0000011, 0xc0000012);
	assert_int_equal(ike_install_in(a, &c2), 0);
	assert_int_equal(ike_install_out(a, &c2, 0), 0);
	assert_true(sent("policy update id 0 spi 0xc0000012"));
	assert_true(sent("policy update id 1 spi 0xc0000011"));
	assert_int_equal(npol(), 2);
	ike_install_stats_get(&st);
	assert_int_equal(st.held, 0);
	assert_int_equal(st.policies, 2);
	assert_int_equal(st.failures, 0);

	/* Torn down again: held again. */
	assert_int_equal(ike_uninstall(a, &c2, c2.spi_out, IKE_INSTALL_OUT, true), 0);
	ike_install_stats_get(&st);
	assert_int_equal(st.held, 2);

	/* Unloading the connection (a reload without it) deletes them. */
	conf.n_conns = 0;
	ike_install_prune(a);
	assert_int_equal(npol(), 0);
	ike_install_stats_get(&st);
	assert_int_equal(st.held, 0);
}

/* A connection no longer loaded: its policies go with its last SA. */
static void test_unloaded_conn_deletes(void **state)
{
	struct ike_agent *a = agent(true);
	struct ike_child_install c;

	(void)state;
	child(&c, IKE_REQID_BASE + 1, 0xc0000001, 0xc0000002);
	assert_int_equal(ike_install_in(a, &c), 0);
	assert_int_equal(ike_install_out(a, &c, 0), 0);
	conf.n_conns = 0;
	assert_int_equal(ike_uninstall(a, &c, c.spi_out, IKE_INSTALL_OUT, true), 0);
	assert_int_equal(npol(), 0);
}

/* A foreign policy with these selectors (not held): refused as before. */
static void test_foreign_policy_not_taken(void **state)
{
	struct ike_agent *a = agent(true);
	struct ike_child_install c;

	(void)state;
	dp.used[5] = true;
	snprintf(dp.pol[5], sizeof(dp.pol[5]),
		 "policy add src 10.1.0.0/24 dst 10.2.0.0/24 dir out");
	child(&c, IKE_REQID_BASE + 1, 0xc0000001, 0xc0000002);
	assert_int_equal(ike_install_in(a, &c), 0);
	assert_int_equal(ike_install_out(a, &c, 0), -EEXIST);
	for (int i = 0; i < dp.n; i++)
		assert_null(strstr(dp.cmd[i], "policy update id 5"));
}

/* Exit keeps the policies and deletes the SAs (keys). */
static void test_flush_keeps_policies(void **state)
{
	struct ike_agent *a = agent(true);
	struct ike_child_install c;

	(void)state;
	child(&c, IKE_REQID_BASE + 1, 0xc0000001, 0xc0000002);
	assert_int_equal(ike_install_in(a, &c), 0);
	assert_int_equal(ike_install_out(a, &c, 0), 0);
	ike_install_flush(a);
	assert_int_equal(npol(), 2);
	assert_true(sent("sa del spi 0xc0000001 proto esp dir in"));
	assert_true(sent("sa del spi 0xc0000002 proto esp dir out"));
}

/* Start: the predecessor's SAs (reqid range) go, its policies are kept
 * and taken over; another owner's SA and its policy are left alone. */
static void test_adopt(void **state)
{
	struct ike_agent *a = agent(true);
	struct ike_child_install c;
	struct ike_install_stats st;
	char sas[512], pols[1024];

	(void)state;
	snprintf(sas, sizeof(sas),
		 "[{\"spi\": \"0x0000aaaa\", \"proto\": \"esp\", \"dir\": \"in\", "
		 "\"reqid\": %u, \"lifetime\": {\"hard\": {\"time\": 30}}},"
		 "{\"spi\": \"0x0000bbbb\", \"proto\": \"esp\", \"dir\": \"out\", "
		 "\"reqid\": %u},"
		 "{\"spi\": \"0x0000cccc\", \"proto\": \"esp\", \"dir\": \"out\", "
		 "\"reqid\": 5}]", IKE_REQID_BASE + 3, IKE_REQID_BASE + 3);
	snprintf(pols, sizeof(pols),
		 "[{\"id\": 0, \"dir\": \"out\", \"action\": \"protect\", "
		 "\"spi\": \"0x0000bbbb\", \"packets\": 3},"
		 "{\"id\": 1, \"dir\": \"in\", \"action\": \"protect\", \"spi\": \"0x0000aaaa\"},"
		 "{\"id\": 2, \"dir\": \"out\", \"action\": \"protect\", \"spi\": \"0x0000cccc\"},"
		 "{\"id\": 3, \"dir\": \"out\", \"action\": \"bypass\", \"spi\": null}]");
	dp.sa_list = sas;
	dp.policy_list = pols;
	for (int i = 0; i < 4; i++)
		dp.used[i] = true;
	snprintf(dp.pol[0], sizeof(dp.pol[0]),
		 "policy add src 10.1.0.0/24 dst 10.2.0.0/24 dir out");
	snprintf(dp.pol[1], sizeof(dp.pol[1]),
		 "policy add src 10.2.0.0/24 dst 10.1.0.0/24 dir in");
	assert_int_equal(ike_install_adopt(a), 0);
	assert_true(sent("sa del spi 0x0000aaaa proto esp dir in"));
	assert_true(sent("sa del spi 0x0000bbbb proto esp dir out"));
	for (int i = 0; i < dp.n; i++)
		assert_null(strstr(dp.cmd[i], "0x0000cccc"));
	ike_install_stats_get(&st);
	assert_int_equal(st.held, 2);

	child(&c, IKE_REQID_BASE + 1, 0xc0000001, 0xc0000002);
	assert_int_equal(ike_install_in(a, &c), 0);
	assert_int_equal(ike_install_out(a, &c, 0), 0);
	assert_true(sent("policy update id 0 spi 0xc0000002"));
	assert_true(sent("policy update id 1 spi 0xc0000001"));
	ike_install_stats_get(&st);
	assert_int_equal(st.held, 0);
	assert_int_equal(st.failures, 0);
	/* adopted ones have no connection name: a prune keeps them */
}

/* A datapath restart: what it kept is taken over, what it lost added. */
static void test_dp_restarted(void **state)
{
	struct ike_agent *a = agent(true);
	struct ike_child_install c, c2;
	struct ike_install_stats st;

	(void)state;
	child(&c, IKE_REQID_BASE + 1, 0xc0000001, 0xc0000002);
	assert_int_equal(ike_install_in(a, &c), 0);
	assert_int_equal(ike_install_out(a, &c, 0), 0);
	ike_install_dp_restarted();
	ike_install_stats_get(&st);
	assert_int_equal(st.sas, 0);
	assert_int_equal(st.policies, 0);
	assert_int_equal(st.held, 2);
	/* the new daemon lost the inbound policy, kept the outbound one */
	dp.used[1] = false;
	dp.n = 0;
	child(&c2, IKE_REQID_BASE + 1, 0xc0000011, 0xc0000012);
	assert_int_equal(ike_install_in(a, &c2), 0);
	assert_int_equal(ike_install_out(a, &c2, c.spi_out), 0);
	assert_true(sent("policy update id 0 spi 0xc0000012"));
	assert_true(sent("policy add src 10.2.0.0/24 dst 10.1.0.0/24 dir in spi 0xc0000011"));
	ike_install_stats_get(&st);
	assert_int_equal(st.policies, 2);
	/* the stale held id 1 went when the daemon gave it to the new one */
	assert_int_equal(st.held, 0);
	assert_int_equal(st.failures, 0);
}

/* Every SA carries time-hard: the Child SA's life plus the margin. */
static void test_hard_time(void **state)
{
	struct ike_conf_child cc;
	struct ike_child_install c;
	struct ike_words w;
	char want[64];
	bool found = false;

	(void)state;
	memset(&cc, 0, sizeof(cc));
	cc.rekey_time = 3600;
	cc.life_time = 3960;
	assert_int_equal(ike_install_hard_time(&cc), 3960 + IKE_DP_HARD_MARGIN_S);
	cc.life_time = 0;
	assert_int_equal(ike_install_hard_time(&cc), 3600 + IKE_DP_HARD_MARGIN_S);
	cc.rekey_time = 0;
	assert_int_equal(ike_install_hard_time(&cc),
			 IKE_DP_LIFE_FALLBACK_S + IKE_DP_HARD_MARGIN_S);
	assert_int_equal(ike_install_hard_time(NULL),
			 IKE_DP_LIFE_FALLBACK_S + IKE_DP_HARD_MARGIN_S);

	child(&c, 9, 1, 2);
	assert_int_equal(ike_install_sa_words_life(&c, IKE_INSTALL_OUT, 40, &w), 0);
	snprintf(want, sizeof(want), "40");
	for (int i = 0; i + 2 < w.argc; i++)
		if (!strcmp(w.argv[i], "limit") && !strcmp(w.argv[i + 1], "time-hard") &&
		    !strcmp(w.argv[i + 2], want))
			found = true;
	ike_words_wipe(&w);
	assert_true(found);
}

static void test_owner_tag(void **state)
{
	(void)state;
	assert_false(ike_install_reqid_ours(0));
	assert_false(ike_install_reqid_ours(7));
	assert_true(ike_install_reqid_ours(IKE_REQID_BASE));
	assert_true(ike_install_reqid_ours(IKE_REQID_END - 1));
	/* what the daemon picks for SAs added without a reqid (store.c) */
	assert_false(ike_install_reqid_ours(1u << 30));
}

static void test_policy_list_parse_bad(void **state)
{
	static const char *const bad[] = {
		"", "{", "[", "[{\"id\": -1}]", "[{\"id\": 99999999999}]",
		"[{\"id\": 1, \"spi\": \"zz\", \"dir\": \"out\", \"action\": \"protect\"}]",
		"[] x",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ike_dp_policies_parse(bad[i], strlen(bad[i]),
						       NULL, NULL), -EINVAL);
}

static void test_log_level_names(void **state)
{
	(void)state;
	assert_int_equal(ike_shell_log_level_parse("error"), IKE_LOG_ERR);
	assert_int_equal(ike_shell_log_level_parse("warn"), IKE_LOG_WARN);
	assert_int_equal(ike_shell_log_level_parse("warning"), IKE_LOG_WARN);
	assert_int_equal(ike_shell_log_level_parse("info"), IKE_LOG_INFO);
	assert_int_equal(ike_shell_log_level_parse("debug"), IKE_LOG_DEBUG);
	assert_int_equal(ike_shell_log_level_parse("verbose"), -1);
	assert_int_equal(ike_shell_log_level_parse(""), -1);
	assert_int_equal(ike_shell_log_level_parse(NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_teardown_keeps_policies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unloaded_conn_deletes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_policy_not_taken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_keeps_policies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adopt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dp_restarted, setup, teardown),
		cmocka_unit_test(test_hard_time),
		cmocka_unit_test(test_owner_tag),
		cmocka_unit_test(test_policy_list_parse_bad),
		cmocka_unit_test(test_log_level_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
