// SPDX-License-Identifier: GPL-2.0-only
/*
 * IKE_AUTH with certificates end to end between two agents (the fake
 * shell of ike_sa_harness.h): moon (RSA, issued by intermediate A) and
 * sun (ECDSA or Ed25519, issued by intermediate B) under one root; each
 * has only the root and its own intermediate in x509ca/, so the other's
 * intermediate must arrive in CERT payloads. CERTREQ drives send_cert =
 * ifasked; refused certificates (expired, revoked, untrusted, wrong
 * identity, wrong key usage) end with AUTHENTICATION_FAILED on the
 * refusing side's answer, or its INFORMATIONAL when it is the initiator,
 * so neither side keeps an SA; each refusal has its counter and one log
 * line saying why.
 */
#include "ike_sa_harness.h"

#include "frag.h"
#include "pki_util.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static EVP_PKEY *root_key, *ima_key, *imb_key, *moon_key, *sun_key, *ed_key,
		*other_key;
static X509 *root, *ima, *imb, *other_root;

/* The last log lines, to check what a refusal says. */
static char logbuf[8192];

static void log_hook(int level, const char *line)
{
	size_t n = strlen(logbuf);

	(void)level;
	if (n + strlen(line) + 2 >= sizeof(logbuf))
		n = 0;
	snprintf(logbuf + n, sizeof(logbuf) - n, "%s\n", line);
}

static int setup(void **state)
{
	(void)state;
	root_key = tkey("EC", 256);
	ima_key = tkey("EC", 256);
	imb_key = tkey("EC", 384);
	other_key = tkey("EC", 256);
	moon_key = tkey("RSA", 2048);
	sun_key = tkey("EC", 256);
	ed_key = tkey("ED25519", 0);
	root = tcert(root_key, &(struct tcert_opts){
		.subject = "/C=CH/O=xdpsec test/CN=Root CA", .ca = true });
	ima = tcert(ima_key, &(struct tcert_opts){
		.subject = "/C=CH/O=xdpsec test/CN=Intermediate A", .ca = true,
		.issuer = root, .issuer_key = root_key, .serial = 2 });
	imb = tcert(imb_key, &(struct tcert_opts){
		.subject = "/C=CH/O=xdpsec test/CN=Intermediate B", .ca = true,
		.issuer = root, .issuer_key = root_key, .serial = 3 });
	other_root = tcert(other_key, &(struct tcert_opts){
		.subject = "/C=CH/O=elsewhere/CN=Other CA", .ca = true });
	ike_sm_log_setup(IKE_LOG_SM_INFO, log_hook);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cleanup(NULL);
	ike_config_free(&moon.cfg);
	ike_config_free(&sun.cfg);
	X509_free(root);
	X509_free(ima);
	X509_free(imb);
	X509_free(other_root);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(ima_key);
	EVP_PKEY_free(imb_key);
	EVP_PKEY_free(other_key);
	EVP_PKEY_free(moon_key);
	EVP_PKEY_free(sun_key);
	EVP_PKEY_free(ed_key);
	ike_sm_log_setup(IKE_LOG_SM_INFO, NULL);
	return 0;
}

/* How each side's own certificate is made. */
struct side {
	EVP_PKEY *key;
	X509 *issuer;           /* ima / imb / other_root */
	EVP_PKEY *issuer_key;
	const char *cn;
	const char *san;
	long nb, na;            /* validity from now */
	const char *ku;
	long serial;
};

struct pair_opts {
	struct side moon, sun;
	const char *moon_conn, *sun_conn;       /* extra connection keys */
	const char *moon_remote, *sun_remote;   /* extra remote round keys */
	long sun_revokes;       /* a serial sun's CRL (of A) revokes */
	const char *sun_lid;    /* sun's id in its config (default
				 * sun.example.org) */
};

static char *dirs[2];

/* A swanctl directory for one side; returns the config path. */
static void make_side(struct node *n, char **dir, const struct side *me,
		      X509 *my_im, const char *lid, const char *rid,
		      const char *conn_extra, const char *remote_extra,
		      long revoke, const char *local_addr,
		      const char *remote_addr, const char *lts, const char *rts)
{
	char path[4200], err[IKE_CONF_ERR_MAX];
	struct tcert_opts o = {
		.issuer = me->issuer, .issuer_key = me->issuer_key,
		.serial = me->serial ? me->serial : 100, .not_before = me->nb,
		.not_after = me->na, .san = me->san, .ku = me->ku,
	};
	char subj[128];
	X509 *cert;
	FILE *f;

	*dir = tdir();
	tmkdir(*dir, "x509");
	tmkdir(*dir, "x509ca");
	tmkdir(*dir, "private");
	tmkdir(*dir, "x509crl");
	snprintf(subj, sizeof(subj), "/C=CH/O=xdpsec test/CN=%s", me->cn);
	o.subject = subj;
	cert = tcert(me->key, &o);
	twrite_cert(*dir, "x509/me.pem", cert, false);
	twrite_key(*dir, "private/me.pem", me->key, "PEM", "PrivateKeyInfo", NULL);
	twrite_cert(*dir, "x509ca/root.pem", root, false);
	twrite_cert(*dir, "x509ca/im.der", my_im, true);
	if (revoke) {
		long s[] = { revoke };
		X509_CRL *crl = tcrl(ima, ima_key, s, 1, 86400);

		twrite_crl(*dir, "x509crl/a.crl", crl, false);
		X509_CRL_free(crl);
	}
	X509_free(cert);
	snprintf(path, sizeof(path), "%s/swanctl.conf", *dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f,
		"connections {\n"
		"  c {\n"
		"    local_addrs = %s\n"
		"    remote_addrs = %s\n"
		"    proposals = aes128gcm16-prfsha256-x25519\n"
		"    %s\n"
		"    local { auth = pubkey\n certs = me.pem\n id = \"%s\" }\n"
		"    remote { id = \"%s\"\n %s }\n"
		"    children {\n"
		"      net {\n"
		"        local_ts = %s\n        remote_ts = %s\n"
		"        esp_proposals = aes128gcm16\n"
		"      }\n"
		"    }\n"
		"  }\n"
		"}\n", local_addr, remote_addr, conn_extra ? conn_extra : "",
		lid, rid, remote_extra ? remote_extra : "", lts, rts);
	fclose(f);
	if (ike_config_load(path, &n->cfg, err, sizeof(err)))
		fail_msg("config %s: %s", n->name, err);
	n->a.cfg = &n->cfg;
}

static void setup_certs(const struct pair_opts *po)
{
	cleanup(NULL);
	for (unsigned int i = 0; i < QMAX; i++) {
		free(moon.q[i].buf);
		free(sun.q[i].buf);
	}
	ike_config_free(&moon.cfg);
	ike_config_free(&sun.cfg);
	for (int i = 0; i < 2; i++) {
		if (dirs[i])
			trmdir(dirs[i]);
		dirs[i] = NULL;
	}
	memset(&moon, 0, sizeof(moon));
	memset(&sun, 0, sizeof(sun));
	moon.name = "moon";
	sun.name = "sun";
	moon.peer = &sun;
	sun.peer = &moon;
	make_side(&moon, &dirs[0], &po->moon, ima, "moon.example.org",
		  "sun.example.org", po->moon_conn, po->moon_remote, 0,
		  "192.0.2.1", "192.0.2.2", "10.1.0.0/16", "10.2.0.0/16");
	make_side(&sun, &dirs[1], &po->sun, imb,
		  po->sun_lid ? po->sun_lid : "sun.example.org",
		  "moon.example.org", po->sun_conn, po->sun_remote,
		  po->sun_revokes, "192.0.2.2", "192.0.2.1", "10.2.0.0/16",
		  "10.1.0.0/16");
	logbuf[0] = '\0';
}

static struct pair_opts base(void)
{
	return (struct pair_opts){
		.moon = { .key = moon_key, .issuer = ima, .issuer_key = ima_key,
			  .cn = "moon", .san = "DNS:moon.example.org", .serial = 10 },
		.sun = { .key = sun_key, .issuer = imb, .issuer_key = imb_key,
			 .cn = "sun", .san = "DNS:sun.example.org", .serial = 20 },
	};
}

static void test_cert_establish(void **state)
{
	struct pair_opts po = base();
	struct ike_conf_id want;
	char err[128];
	(void)state;

	/* RSA moon, ECDSA sun, both intermediates only in CERT payloads */
	setup_certs(&po);
	establish();
	assert_ike_up();
	assert_pairs(1);
	assert_int_equal(moon.a.counters[IKE_AC_AUTH_FAILED], 0);
	assert_int_equal(sun.a.counters[IKE_AC_AUTH_FAILED], 0);
	assert_int_equal(ike_conf_id_parse("sun.example.org", &want, err, sizeof(err)), 0);
	assert_true(ike_conf_id_match(&want, &first_sa(&moon)->peer_id));
	assert_non_null(strstr(logbuf, "peer authenticated with ECDSA with SHA-256 (RFC 7427), ECDSA P-256 key"));
	assert_non_null(strstr(logbuf, "peer authenticated with RSA/PKCS1 with SHA-256 (RFC 7427), RSA-2048 key"));
	assert_alive(&moon);
	assert_alive(&sun);

	/* Ed25519 on sun's side, RSASSA-PSS demanded from and used by moon;
	 * the certificates' subjects as identities (DN) */
	po.sun.key = ed_key;
	po.moon_conn = "send_cert = always";
	setup_certs(&po);
	ike_config_free(&moon.cfg);
	ike_config_free(&sun.cfg);
	{
		char path[4200], e2[IKE_CONF_ERR_MAX];
		FILE *f;

		/* rewrite both configs: PSS and DN ids */
		snprintf(path, sizeof(path), "%s/swanctl.conf", dirs[0]);
		f = fopen(path, "w");
		assert_non_null(f);
		fprintf(f, "connections {\n c {\n local_addrs = 192.0.2.1\n"
			" remote_addrs = 192.0.2.2\n"
			" proposals = aes256gcm16-prfsha384-ecp384\n"
			" local { auth = rsa/pss\n certs = me.pem }\n"
			" remote { auth = ed25519\n id = \"C=CH, O=xdpsec test, CN=*\" }\n"
			" children { net { local_ts = 10.1.0.0/16\n remote_ts = 10.2.0.0/16\n"
			" esp_proposals = aes128gcm16 } }\n }\n}\n");
		fclose(f);
		assert_int_equal(ike_config_load(path, &moon.cfg, e2, sizeof(e2)), 0);
		snprintf(path, sizeof(path), "%s/swanctl.conf", dirs[1]);
		f = fopen(path, "w");
		assert_non_null(f);
		fprintf(f, "connections {\n c {\n local_addrs = 192.0.2.2\n"
			" remote_addrs = 192.0.2.1\n"
			" proposals = aes256gcm16-prfsha384-ecp384\n"
			" local { certs = me.pem }\n"
			" remote { auth = rsa/pss-2048-sha256\n"
			"  id = \"C=CH, O=xdpsec test, CN=moon\" }\n"
			" children { net { local_ts = 10.2.0.0/16\n remote_ts = 10.1.0.0/16\n"
			" esp_proposals = aes128gcm16 } }\n }\n}\n");
		fclose(f);
		assert_int_equal(ike_config_load(path, &sun.cfg, e2, sizeof(e2)), 0);
	}
	establish();
	assert_ike_up();
	assert_pairs(1);
	assert_non_null(strstr(logbuf, "peer authenticated with Ed25519 (RFC 8420), Ed25519 key"));
	assert_non_null(strstr(logbuf, "peer authenticated with RSA/PSS with SHA-256 (RFC 7427), RSA-2048 key"));
}

/* send_cert = ifasked without a CERTREQ: no certificate goes out, and the
 * peer (which has none of it) refuses; the responder hears it. */
static void test_cert_ifasked(void **state)
{
	struct pair_opts po = base();
	(void)state;

	po.sun_conn = "send_certreq = no";
	setup_certs(&po);
	establish();
	/* sun refused moon: moon sent no CERT since sun asked for none */
	assert_int_equal(n_ike(&moon, NULL), 0);
	assert_int_equal(n_ike(&sun, NULL), 0);
	assert_int_equal(sun.a.counters[IKE_AC_AUTH_CERT_INVALID], 1);
	assert_non_null(strstr(logbuf, "initiator authentication failed: the peer sent no certificate"));
	assert_int_equal(moon.a.counters[IKE_AC_AUTH_FAILED], 1);
	assert_int_equal(n_sas(&moon, 0) + n_sas(&sun, 0), 0);

	/* with send_cert = always, it does */
	po.moon_conn = "send_cert = always";
	setup_certs(&po);
	establish();
	assert_ike_up();
	assert_pairs(1);
}

struct refusal {
	const char *what;
	bool sun_bad;           /* the bad certificate is sun's (moon refuses) */
	struct side bad;
	const char *moon_remote;
	long revoke;
	enum ike_agent_counter counter;
	const char *log;
};

static void test_cert_refusals(void **state)
{
	const struct refusal rows[] = {
		{ "expired", true,
		  { .cn = "sun", .san = "DNS:sun.example.org", .nb = -10 * 86400,
		    .na = -86400 }, NULL, 0, IKE_AC_AUTH_CERT_EXPIRED,
		  "responder authentication failed: certificate 'C=CH, O=xdpsec test, CN=sun' expired" },
		{ "not yet valid", true,
		  { .cn = "sun", .san = "DNS:sun.example.org", .nb = 86400,
		    .na = 2 * 86400 }, NULL, 0, IKE_AC_AUTH_CERT_NOT_YET_VALID,
		  "not valid before" },
		{ "untrusted", true,
		  { .cn = "sun", .san = "DNS:sun.example.org", .issuer = NULL },
		  NULL, 0, IKE_AC_AUTH_CERT_UNTRUSTED, "does not chain to a trusted CA" },
		{ "wrong SAN", true,           /* sun claims an id its cert lacks */
		  { .cn = "sun", .san = "DNS:mars.example.org" }, NULL, 0,
		  IKE_AC_AUTH_ID_MISMATCH,
		  "identity 'sun.example.org' is not in certificate 'C=CH, O=xdpsec test, CN=sun'" },
		{ "key usage", true,
		  { .cn = "sun", .san = "DNS:sun.example.org", .ku = "keyEncipherment" },
		  NULL, 0, IKE_AC_AUTH_CERT_KEY_USAGE,
		  "neither digitalSignature nor nonRepudiation" },
		{ "key type not accepted", true,
		  { .cn = "sun", .san = "DNS:sun.example.org" }, "auth = rsa", 0,
		  IKE_AC_AUTH_SIG_UNSUPPORTED, "key type not accepted" },
		{ "revoked", false,
		  { .cn = "moon", .san = "DNS:moon.example.org", .serial = 66 },
		  NULL, 66, IKE_AC_AUTH_CERT_REVOKED,
		  "initiator authentication failed: certificate 'C=CH, O=xdpsec test, CN=moon' revoked" },
		{ "strict, no CRL", false,
		  { .cn = "moon", .san = "DNS:moon.example.org" }, NULL, -1,
		  IKE_AC_AUTH_CERT_NO_CRL, "revocation status of" },
	};
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		const struct refusal *r = &rows[i];
		struct pair_opts po = base();
		struct side *s = r->sun_bad ? &po.sun : &po.moon;
		struct node *refuser = r->sun_bad ? &moon : &sun;

		s->cn = r->bad.cn;
		s->san = r->bad.san;
		s->nb = r->bad.nb;
		s->na = r->bad.na;
		s->ku = r->bad.ku;
		if (r->bad.serial)
			s->serial = r->bad.serial;
		if (!strcmp(r->what, "untrusted")) {
			s->issuer = other_root;
			s->issuer_key = other_key;
		}
		po.moon_remote = r->moon_remote;
		if (r->revoke > 0)
			po.sun_revokes = r->revoke;
		if (r->revoke < 0)
			po.sun_remote = "revocation = strict";
		if (!strcmp(r->what, "wrong SAN"))
			po.sun_lid = "mars.example.org";
		setup_certs(&po);
		if (po.sun_lid) {
			char e[128];

			/* a peer whose config would not load here */
			assert_int_equal(ike_conf_id_parse("sun.example.org",
							   &sun.cfg.conns[0].local.id,
							   e, sizeof(e)), 0);
		}
		establish();
		if (n_ike(&moon, NULL) || n_ike(&sun, NULL))
			fail_msg("%s: an IKE SA is left (moon %u, sun %u)\n%s", r->what,
				 n_ike(&moon, NULL), n_ike(&sun, NULL), logbuf);
		assert_int_equal(n_sas(&moon, 0) + n_sas(&sun, 0), 0);
		if (refuser->a.counters[r->counter] != 1 ||
		    refuser->a.counters[IKE_AC_AUTH_FAILED] != 1)
			fail_msg("%s: counter %d = %llu\n%s", r->what, r->counter,
				 (unsigned long long)refuser->a.counters[r->counter],
				 logbuf);
		if (!strstr(logbuf, r->log))
			fail_msg("%s: log lacks \"%s\":\n%s", r->what, r->log, logbuf);
		/* the other side was told (no SA left on it, above):
		 * AUTHENTICATION_FAILED in the IKE_AUTH response, or the
		 * initiator's INFORMATIONAL */
		if (!r->sun_bad)
			assert_int_equal(moon.a.counters[IKE_AC_AUTH_FAILED], 1);
	}
}

/* The largest datagram among the last ones n sent. */
static size_t max_sent(const struct node *n)
{
	size_t m = 0;

	for (unsigned int i = 0; i < CAPMAX && i < n->ncap; i++)
		if (n->cap[i].len > m)
			m = n->cap[i].len;
	return m;
}

/*
 * RFC 7383 between the two agents: with a 576-octet path (IPv4, §2.5.1)
 * both IKE_AUTH messages (certificate chains, RSA-2048 signatures) go as
 * fragments of at most 548 octets; a lost fragment of the response is
 * recovered by the request's retransmission (§2.6.1); accept and no keep
 * one side's messages whole.
 */
static void test_fragmentation(void **state)
{
	struct pair_opts po = base();
	(void)state;

	ike_frag_test_mtu = 576;
	po.moon_conn = "send_cert = always";
	setup_certs(&po);
	establish();
	assert_ike_up();
	assert_pairs(1);
	assert_true(moon.a.counters[IKE_AC_FRAG_TX] >= 3);
	assert_true(sun.a.counters[IKE_AC_FRAG_TX] >= 3);
	assert_int_equal(moon.a.counters[IKE_AC_FRAG_REASSEMBLED], 1);
	assert_int_equal(sun.a.counters[IKE_AC_FRAG_REASSEMBLED], 1);
	assert_int_equal(moon.a.counters[IKE_AC_FRAG_RX],
			 sun.a.counters[IKE_AC_FRAG_TX]);
	assert_true(max_sent(&moon) <= 576 - 28);
	assert_true(max_sent(&sun) <= 576 - 28);
	/* later exchanges go whole or in fragments alike */
	assert_alive(&moon);
	assert_alive(&sun);

	/* the first fragment of the response is lost: the request is
	 * retransmitted, its first fragment brings the cached response
	 * again, and the initiator completes it */
	setup_certs(&po);
	sun.drop_auth_resp = 1;
	establish();
	assert_ike_up();
	assert_pairs(1);
	assert_true(moon.a.counters[IKE_AC_RETRANSMIT] >= 1);
	assert_true(sun.a.counters[IKE_AC_ANSWERED_CACHED] >= 1);
	assert_int_equal(moon.a.counters[IKE_AC_FRAG_REASSEMBLED], 1);

	/* accept: sun announces and reassembles but sends whole */
	po.sun_conn = "fragmentation = accept";
	setup_certs(&po);
	establish();
	assert_ike_up();
	assert_true(moon.a.counters[IKE_AC_FRAG_TX] >= 3);
	assert_int_equal(sun.a.counters[IKE_AC_FRAG_TX], 0);
	assert_int_equal(sun.a.counters[IKE_AC_FRAG_REASSEMBLED], 1);
	assert_int_equal(moon.a.counters[IKE_AC_FRAG_REASSEMBLED], 0);
	assert_true(max_sent(&sun) > 576);

	/* no: sun does not announce, so moon must not fragment either */
	po.sun_conn = "fragmentation = no";
	setup_certs(&po);
	establish();
	assert_ike_up();
	assert_int_equal(moon.a.counters[IKE_AC_FRAG_TX], 0);
	assert_int_equal(sun.a.counters[IKE_AC_FRAG_TX], 0);
	ike_frag_test_mtu = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cert_establish),
		cmocka_unit_test(test_cert_ifasked),
		cmocka_unit_test(test_cert_refusals),
		cmocka_unit_test(test_fragmentation),
	};
	int rc = cmocka_run_group_tests(tests, setup, teardown);

	for (int i = 0; i < 2; i++)
		if (dirs[i])
			trmdir(dirs[i]);
	return rc;
}
