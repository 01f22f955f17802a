// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IKE agent's swanctl.conf-shaped config (ike/config.h): a full file
 * parsed into the expected structs field by field, the shipped example,
 * value parsers (proposals, identities, traffic selectors, durations,
 * secrets) as tables, PSK lookup, a table of bad files each refused with
 * its line number, the size/count limits, secrets kept out of messages,
 * and random mutations of a valid file that must never crash (run it
 * under ASan/UBSan: make SAN=1).
 */
#include "ike_config_util.h"

/* ----------------------------------------------------- a full config */

static const char full_conf[] =
	"# Every key the agent knows, with swanctl syntax variations.\n"   /* 1 */
	"connections {\n"                                                   /* 2 */
	"    site {\n"                                                      /* 3 */
	"        version = 2\n"
	"        local_addrs = 192.0.2.1\n"
	"        remote_addrs = 198.51.100.7\n"
	"        local_port = 4500\n"
	"        remote_port=4501\n"
	"        proposals = aes256gcm16-prfsha384-ecp256, aes128-sha256-modp2048,\n"
	"                    chacha20poly1305-prfsha256-x25519   # preference order\n"
	"        rekey_time = 2h\n"
	"        over_time = 10m\n"
	"        dpd_delay = 30s\n"
	"        dpd_timeout = 2m\n"
	"        encap = yes\n"
	"        keyingtries = 0\n"
	"        mobike = no\n"
	"        local {\n"
	"            auth = psk\n"
	"            id = moon.example.org\n"
	"        }\n"
	"        remote {\n"
	"            auth = psk\n"
	"            id = \"@#0a0b0c\"\n"
	"        }\n"
	"        children {\n"
	"            net {\n"                                               /* 27 */
	"                local_ts = 10.1.0.0/16, 10.1.2.3/24[tcp/80]\n"
	"                remote_ts = 10.2.0.0/16[udp/1000-2000], 2001:db8::/32[icmpv6/128]\n"
	"                esp_proposals = aes128gcm16, aes256gcm16-x25519-esn, aes256-sha256-modp2048\n"
	"                mode = tunnel\n"
	"                start_action = trap\n"
	"                rekey_time = 30m\n"
	"                life_time = 40m\n"
	"                rekey_bytes = 1000000\n"
	"                rekey_packets = 0x1000\n"
	"                life_packets = 5000\n"
	"                dpd_action = restart\n"
	"            }\n"
	"            host\n"
	"            {\n"
	"                ah_proposals = sha256-noesn-esn\n"
	"                mode = transport\n"
	"                start_action = start\n"
	"                rekey_time = 0\n"
	"            }\n"
	"        }\n"
	"    }\n"
	"    road {\n"                                                      /* 49 */
	"        local_addrs = 2001:db8::1\n"
	"        remote_addrs = %any\n"
	"        local { auth = psk\n"
	"            id = user@example.org }\n"
	"        remote { auth = psk }\n"
	"        children { any { } }\n"
	"    }\n"
	"}\n"
	"secrets {\n"
	"    ike-site {\n"                                                  /* 59 */
	"        id-a = moon.example.org\n"
	"        id-b = \"@#0a0b0c\"\n"
	"        secret = 0x00112233445566778899\n"
	"    }\n"
	"    ike-road {\n"
	"        id = user@example.org\n"
	"        secret = 0sc2VjcmV0\n"
	"    }\n"
	"    ike-file {\n"
	"        secret = file:psk.txt\n"
	"    }\n"
	"    ike-literal {\n"
	"        id = %any\n"
	"        secret = \"a literal, with comma\"\n"
	"    }\n"
	"}\n";

static void check_full(const struct ike_config *cfg)
{
	static const struct ike_conf_xform site_p0[] = {
		XF(IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 256),
		XF(IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_384, 0),
		XF(IKE_XFORM_DH, IKE_DH_ECP256, 0),
	}, site_p1[] = {
		XF(IKE_XFORM_ENCR, IKE_ENCR_AES_CBC, 128),
		XF(IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_256, 0),
		XF(IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0),
		XF(IKE_XFORM_DH, IKE_DH_MODP2048, 0),
	}, site_p2[] = {
		XF(IKE_XFORM_ENCR, IKE_ENCR_CHACHA20_POLY1305, 0),
		XF(IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_256, 0),
		XF(IKE_XFORM_DH, IKE_DH_CURVE25519, 0),
	}, net_p0[] = {
		XF(IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 128),
		XF(IKE_XFORM_ESN, IKE_ESN_NONE, 0),
	}, net_p1[] = {
		XF(IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 256),
		XF(IKE_XFORM_DH, IKE_DH_CURVE25519, 0),
		XF(IKE_XFORM_ESN, IKE_ESN_ON, 0),
	}, net_p2[] = {
		XF(IKE_XFORM_ENCR, IKE_ENCR_AES_CBC, 256),
		XF(IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0),
		XF(IKE_XFORM_DH, IKE_DH_MODP2048, 0),
		XF(IKE_XFORM_ESN, IKE_ESN_NONE, 0),
	}, host_p0[] = {
		XF(IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0),
		XF(IKE_XFORM_ESN, IKE_ESN_NONE, 0),
		XF(IKE_XFORM_ESN, IKE_ESN_ON, 0),
	}, def_ike0[] = {
		XF(IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 128),
		XF(IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 256),
		XF(IKE_XFORM_ENCR, IKE_ENCR_CHACHA20_POLY1305, 0),
		XF(IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_256, 0),
		XF(IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_384, 0),
		XF(IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_512, 0),
		XF(IKE_XFORM_DH, IKE_DH_CURVE25519, 0),
		XF(IKE_XFORM_DH, IKE_DH_ECP256, 0),
		XF(IKE_XFORM_DH, IKE_DH_MODP2048, 0),
		XF(IKE_XFORM_DH, IKE_DH_ECP384, 0),
		XF(IKE_XFORM_DH, IKE_DH_ECP521, 0),
		XF(IKE_XFORM_DH, IKE_DH_CURVE448, 0),
		XF(IKE_XFORM_DH, IKE_DH_MODP3072, 0),
		XF(IKE_XFORM_DH, IKE_DH_MODP4096, 0),
	}, def_ike1[] = {
		XF(IKE_XFORM_ENCR, IKE_ENCR_AES_CBC, 128),
		XF(IKE_XFORM_ENCR, IKE_ENCR_AES_CBC, 256),
		XF(IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_256, 0),
		XF(IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_384, 0),
		XF(IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_512, 0),
		XF(IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0),
		XF(IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_384_192, 0),
		XF(IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_512_256, 0),
		XF(IKE_XFORM_DH, IKE_DH_CURVE25519, 0),
		XF(IKE_XFORM_DH, IKE_DH_ECP256, 0),
		XF(IKE_XFORM_DH, IKE_DH_MODP2048, 0),
		XF(IKE_XFORM_DH, IKE_DH_ECP384, 0),
		XF(IKE_XFORM_DH, IKE_DH_ECP521, 0),
		XF(IKE_XFORM_DH, IKE_DH_CURVE448, 0),
		XF(IKE_XFORM_DH, IKE_DH_MODP3072, 0),
		XF(IKE_XFORM_DH, IKE_DH_MODP4096, 0),
	}, def_esp0[] = {
		XF(IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 128),
		XF(IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 256),
		XF(IKE_XFORM_ENCR, IKE_ENCR_CHACHA20_POLY1305, 0),
		XF(IKE_XFORM_ESN, IKE_ESN_NONE, 0),
	}, def_esp1[] = {
		XF(IKE_XFORM_ENCR, IKE_ENCR_AES_CBC, 128),
		XF(IKE_XFORM_ENCR, IKE_ENCR_AES_CBC, 256),
		XF(IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0),
		XF(IKE_XFORM_ESN, IKE_ESN_NONE, 0),
	};
	static const uint8_t keyid[] = { 0x0a, 0x0b, 0x0c };
	static const uint8_t site_key[] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
	};
	const struct ike_conf_conn *site, *road;
	const struct ike_conf_child *net, *host, *any;

	assert_int_equal(cfg->n_conns, 2);
	site = ike_config_find_conn(cfg, "site");
	road = ike_config_find_conn(cfg, "road");
	assert_ptr_equal(site, &cfg->conns[0]);
	assert_ptr_equal(road, &cfg->conns[1]);
	assert_null(ike_config_find_conn(cfg, "sit"));
	assert_null(ike_config_find_conn(NULL, "site"));

	/* connection site */
	assert_string_equal(site->name, "site");
	assert_int_equal(site->line, 3);
	expect_addr(&site->local_addr, AF_INET, "192.0.2.1");
	expect_addr(&site->remote_addr, AF_INET, "198.51.100.7");
	assert_int_equal(site->local_port, 4500);
	assert_int_equal(site->remote_port, 4501);
	assert_int_equal(site->n_proposals, 3);
	expect_xforms(&site->proposals[0], IKE_PROTO_IKE, site_p0, ARRAY_SIZE(site_p0));
	expect_xforms(&site->proposals[1], IKE_PROTO_IKE, site_p1, ARRAY_SIZE(site_p1));
	expect_xforms(&site->proposals[2], IKE_PROTO_IKE, site_p2, ARRAY_SIZE(site_p2));
	assert_int_equal(site->rekey_time, 7200);
	assert_int_equal(site->over_time, 600);
	assert_int_equal(site->rand_time, 600);         /* = over_time */
	assert_int_equal(site->dpd_delay, 30);
	assert_int_equal(site->dpd_timeout, 120);
	assert_true(site->encap);
	assert_int_equal(site->keyingtries, 0);
	assert_false(site->mobike);
	assert_int_equal(site->local.method, IKE_CONF_AUTH_PSK);
	assert_int_equal(site->remote.method, IKE_CONF_AUTH_PSK);
	expect_id(&site->local.id, IKE_ID_FQDN, "moon.example.org", 16);
	expect_id(&site->remote.id, IKE_ID_KEY_ID, keyid, sizeof(keyid));
	assert_int_equal(site->n_children, 2);

	net = ike_config_find_child(site, "net");
	host = ike_config_find_child(site, "host");
	assert_ptr_equal(net, &site->children[0]);
	assert_ptr_equal(host, &site->children[1]);
	assert_null(ike_config_find_child(site, "any"));
	assert_null(ike_config_find_child(NULL, "net"));

	/* child net */
	assert_int_equal(net->line, 27);
	assert_int_equal(net->n_local_ts, 2);
	expect_prefix_ts(&net->local_ts[0], AF_INET, "10.1.0.0", 16, 0, 0, 65535);
	/* host bits cleared, as swanctl does */
	expect_prefix_ts(&net->local_ts[1], AF_INET, "10.1.2.0", 24, 6, 80, 80);
	assert_int_equal(net->n_remote_ts, 2);
	expect_prefix_ts(&net->remote_ts[0], AF_INET, "10.2.0.0", 16, 17, 1000, 2000);
	/* RFC 4301 §4.4.1.1: ICMP type in the high byte, any code */
	expect_prefix_ts(&net->remote_ts[1], AF_INET6, "2001:db8::", 32, 58,
			 0x8000, 0x80ff);
	assert_int_equal(net->protocol, IKE_PROTO_ESP);
	assert_int_equal(net->n_proposals, 3);
	expect_xforms(&net->proposals[0], IKE_PROTO_ESP, net_p0, ARRAY_SIZE(net_p0));
	expect_xforms(&net->proposals[1], IKE_PROTO_ESP, net_p1, ARRAY_SIZE(net_p1));
	expect_xforms(&net->proposals[2], IKE_PROTO_ESP, net_p2, ARRAY_SIZE(net_p2));
	assert_int_equal(net->mode, IKE_CONF_MODE_TUNNEL);
	assert_int_equal(net->start_action, IKE_CONF_START_TRAP);
	assert_int_equal(net->dpd_action, IKE_CONF_DPD_RESTART);
	assert_int_equal(net->rekey_time, 1800);
	assert_int_equal(net->life_time, 2400);
	assert_int_equal(net->rand_time, 600);          /* life - rekey */
	assert_int_equal(net->rekey_bytes, 1000000);
	assert_int_equal(net->life_bytes, 1100000);     /* rekey + 10% */
	assert_int_equal(net->rand_bytes, 100000);
	assert_int_equal(net->rekey_packets, 4096);
	assert_int_equal(net->life_packets, 5000);
	assert_int_equal(net->rand_packets, 904);

	/* child host: AH, transport, no rekeying */
	assert_int_equal(host->protocol, IKE_PROTO_AH);
	assert_int_equal(host->n_proposals, 1);
	expect_xforms(&host->proposals[0], IKE_PROTO_AH, host_p0, ARRAY_SIZE(host_p0));
	assert_int_equal(host->mode, IKE_CONF_MODE_TRANSPORT);
	assert_int_equal(host->start_action, IKE_CONF_START_START);
	assert_int_equal(host->dpd_action, IKE_CONF_DPD_CLEAR);
	assert_int_equal(host->rekey_time, 0);
	assert_int_equal(host->life_time, 0);
	assert_int_equal(host->rand_time, 0);
	assert_int_equal(host->n_local_ts, 1);
	assert_int_equal(host->n_remote_ts, 1);
	expect_dynamic_ts(&host->local_ts[0]);
	expect_dynamic_ts(&host->remote_ts[0]);

	/* connection road: IPv6, %any peer, all defaults */
	assert_int_equal(road->line, 49);
	expect_addr(&road->local_addr, AF_INET6, "2001:db8::1");
	assert_int_equal(road->remote_addr.family, AF_UNSPEC);
	assert_int_equal(road->local_port, 500);
	assert_int_equal(road->remote_port, 500);
	assert_int_equal(road->n_proposals, 2);
	expect_xforms(&road->proposals[0], IKE_PROTO_IKE, def_ike0, ARRAY_SIZE(def_ike0));
	expect_xforms(&road->proposals[1], IKE_PROTO_IKE, def_ike1, ARRAY_SIZE(def_ike1));
	assert_int_equal(road->rekey_time, 14400);
	assert_int_equal(road->over_time, 1440);
	assert_int_equal(road->rand_time, 1440);
	assert_int_equal(road->dpd_delay, 0);
	assert_int_equal(road->dpd_timeout, 0);
	assert_false(road->encap);
	assert_int_equal(road->keyingtries, 1);
	assert_true(road->mobike);
	expect_id(&road->local.id, IKE_ID_RFC822_ADDR, "user@example.org", 16);
	expect_id(&road->remote.id, IKE_CONF_ID_ANY, NULL, 0);
	assert_int_equal(road->n_children, 1);
	any = &road->children[0];
	assert_string_equal(any->name, "any");
	assert_int_equal(any->protocol, IKE_PROTO_ESP);
	assert_int_equal(any->n_proposals, 2);
	expect_xforms(&any->proposals[0], IKE_PROTO_ESP, def_esp0, ARRAY_SIZE(def_esp0));
	expect_xforms(&any->proposals[1], IKE_PROTO_ESP, def_esp1, ARRAY_SIZE(def_esp1));
	assert_int_equal(any->mode, IKE_CONF_MODE_TUNNEL);
	assert_int_equal(any->start_action, IKE_CONF_START_NONE);
	assert_int_equal(any->rekey_time, 3600);
	assert_int_equal(any->life_time, 3960);
	assert_int_equal(any->rand_time, 360);
	assert_int_equal(any->rekey_bytes, 0);
	assert_int_equal(any->life_bytes, 0);
	assert_int_equal(any->rekey_packets, 0);
	assert_int_equal(any->life_packets, 0);
	expect_dynamic_ts(&any->local_ts[0]);
	expect_dynamic_ts(&any->remote_ts[0]);

	/* secrets */
	assert_int_equal(cfg->n_secrets, 4);
	assert_string_equal(cfg->secrets[0].name, "ike-site");
	assert_int_equal(cfg->secrets[0].line, 59);
	assert_int_equal(cfg->secrets[0].n_ids, 2);
	expect_id(&cfg->secrets[0].ids[0], IKE_ID_FQDN, "moon.example.org", 16);
	expect_id(&cfg->secrets[0].ids[1], IKE_ID_KEY_ID, keyid, sizeof(keyid));
	assert_int_equal(cfg->secrets[0].len, sizeof(site_key));
	assert_memory_equal(cfg->secrets[0].key, site_key, sizeof(site_key));
	assert_int_equal(cfg->secrets[1].len, 6);
	assert_memory_equal(cfg->secrets[1].key, "secret", 6);   /* 0s base64 */
	assert_int_equal(cfg->secrets[2].n_ids, 0);
	assert_int_equal(cfg->secrets[2].len, 3);
	assert_memory_equal(cfg->secrets[2].key, "ABC", 3);      /* file, 0x */
	assert_int_equal(cfg->secrets[3].len, 21);
	assert_memory_equal(cfg->secrets[3].key, "a literal, with comma", 21);

	/* PSK lookup as swanctl: exact ids beat %any and id-less secrets */
	assert_ptr_equal(ike_config_find_psk(cfg, &site->local.id, &site->remote.id),
			 &cfg->secrets[0]);
	assert_ptr_equal(ike_config_find_psk(cfg, &road->local.id, &road->remote.id),
			 &cfg->secrets[1]);
	assert_ptr_equal(ike_config_find_psk(cfg, &road->local.id, NULL),
			 &cfg->secrets[1]);
}

static void test_full_config(void **state)
{
	char path[128], err[IKE_CONF_ERR_MAX];
	struct ike_config cfg;
	int ret;

	(void)state;
	snprintf(path, sizeof(path), "%s/psk.txt", tmpdir);
	write_file(path, "0x414243\r\n", 10);
	snprintf(path, sizeof(path), "%s/host.conf", tmpdir);
	write_file(path, full_conf, strlen(full_conf));

	memset(&cfg, 0xa5, sizeof(cfg));
	ret = ike_config_load(path, &cfg, err, sizeof(err));
	if (ret)
		fail_msg("load: %d %s", ret, err);
	assert_string_equal(err, "");
	check_full(&cfg);
	ike_config_free(&cfg);
	assert_true(all_zero(&cfg, sizeof(cfg)));
	ike_config_free(&cfg);          /* twice is fine */
	ike_config_free(NULL);

	/* The same text from memory, with the secret file's directory. */
	ret = ike_config_load_buf("mem.conf", full_conf, strlen(full_conf),
				  tmpdir, &cfg, err, sizeof(err));
	if (ret)
		fail_msg("load_buf: %d %s", ret, err);
	check_full(&cfg);
	ike_config_free(&cfg);

	/* CRLF line endings change nothing. */
	{
		size_t n = strlen(full_conf), o = 0;
		char *crlf = malloc(2 * n);

		assert_non_null(crlf);
		for (size_t i = 0; i < n; i++) {
			if (full_conf[i] == '\n')
				crlf[o++] = '\r';
			crlf[o++] = full_conf[i];
		}
		ret = ike_config_load_buf("crlf.conf", crlf, o, tmpdir, &cfg,
					  err, sizeof(err));
		free(crlf);
		if (ret)
			fail_msg("crlf: %d %s", ret, err);
		check_full(&cfg);
		ike_config_free(&cfg);
	}
}

static void test_example_file(void **state)
{
	static const char suffix[] = "tests/unit/test_ike_config.c";
	char path[512], err[IKE_CONF_ERR_MAX];
	const struct ike_conf_child *ch;
	const struct ike_conf_conn *c;
	const struct ike_conf_secret *s;
	struct ike_config cfg;
	size_t n = strlen(__FILE__);
	int ret;

	(void)state;
	/* Next to this file: works from the repo root and from elsewhere
	 * when compiled with an absolute path. */
	assert_true(n >= strlen(suffix));
	snprintf(path, sizeof(path), "%.*sike/examples/host-to-host.conf",
		 (int)(n - strlen(suffix)), __FILE__);
	ret = ike_config_load(path, &cfg, err, sizeof(err));
	if (ret)
		fail_msg("%s: %d %s", path, ret, err);
	assert_int_equal(cfg.n_conns, 1);
	c = ike_config_find_conn(&cfg, "host-host");
	assert_non_null(c);
	expect_addr(&c->local_addr, AF_INET, "192.0.2.1");
	expect_addr(&c->remote_addr, AF_INET, "192.0.2.2");
	assert_int_equal(c->n_proposals, 2);
	assert_int_equal(c->dpd_delay, 30);
	ch = ike_config_find_child(c, "host-host");
	assert_non_null(ch);
	assert_int_equal(ch->n_proposals, 3);
	assert_int_equal(ch->start_action, IKE_CONF_START_START);
	assert_int_equal(ch->dpd_action, IKE_CONF_DPD_RESTART);
	s = ike_config_find_psk(&cfg, &c->local.id, &c->remote.id);
	assert_non_null(s);
	assert_int_equal(s->len, 32);
	ike_config_free(&cfg);
}

/* ------------------------------------------------------ value tables */

static void test_proposals(void **state)
{
	static const struct {
		const char *s;
		uint8_t proto;
		size_t nprop;
		size_t nxf[3];
		struct ike_conf_xform first[6];
	} ok[] = {
		{ "aes128gcm16-prfsha256-x25519", IKE_PROTO_IKE, 1, { 3 }, {
		  XF(IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 128),
		  XF(IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_256, 0),
		  XF(IKE_XFORM_DH, IKE_DH_CURVE25519, 0) } },
		{ "aes128-sha256-modp2048", IKE_PROTO_IKE, 1, { 4 }, {
		  XF(IKE_XFORM_ENCR, IKE_ENCR_AES_CBC, 128),
		  XF(IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_256, 0),
		  XF(IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0),
		  XF(IKE_XFORM_DH, IKE_DH_MODP2048, 0) } },
		{ "aes256gcm16-prfsha384-ecp256", IKE_PROTO_IKE, 1, { 3 }, {
		  XF(IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 256),
		  XF(IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_384, 0),
		  XF(IKE_XFORM_DH, IKE_DH_ECP256, 0) } },
		{ "chacha20poly1305-prfsha256-x25519", IKE_PROTO_IKE, 1, { 3 }, {
		  XF(IKE_XFORM_ENCR, IKE_ENCR_CHACHA20_POLY1305, 0),
		  XF(IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_256, 0),
		  XF(IKE_XFORM_DH, IKE_DH_CURVE25519, 0) } },
		/* order within a type is kept; types are grouped */
		{ "x25519-sha512-aes256-modp2048-aes128-prfsha256", IKE_PROTO_IKE, 1, { 6 }, {
		  XF(IKE_XFORM_ENCR, IKE_ENCR_AES_CBC, 256),
		  XF(IKE_XFORM_ENCR, IKE_ENCR_AES_CBC, 128),
		  XF(IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_256, 0),
		  XF(IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_512_256, 0),
		  XF(IKE_XFORM_DH, IKE_DH_CURVE25519, 0),
		  XF(IKE_XFORM_DH, IKE_DH_MODP2048, 0) } },
		/* PRFs derived from the integrity algorithms, in their order */
		{ "aes128-sha384-sha256-ecp256", IKE_PROTO_IKE, 1, { 6 }, {
		  XF(IKE_XFORM_ENCR, IKE_ENCR_AES_CBC, 128),
		  XF(IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_384, 0),
		  XF(IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_256, 0),
		  XF(IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_384_192, 0),
		  XF(IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0),
		  XF(IKE_XFORM_DH, IKE_DH_ECP256, 0) } },
		{ "default", IKE_PROTO_IKE, 2, { 14, 16 }, {
		  XF(IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 128) } },
		{ "aes128gcm16", IKE_PROTO_ESP, 1, { 2 }, {
		  XF(IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 128),
		  XF(IKE_XFORM_ESN, IKE_ESN_NONE, 0) } },
		{ "aes256gcm128-ecp256-esn", IKE_PROTO_ESP, 1, { 3 }, {
		  XF(IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 256),
		  XF(IKE_XFORM_DH, IKE_DH_ECP256, 0),
		  XF(IKE_XFORM_ESN, IKE_ESN_ON, 0) } },
		{ "aes256-sha2_256", IKE_PROTO_ESP, 1, { 3 }, {
		  XF(IKE_XFORM_ENCR, IKE_ENCR_AES_CBC, 256),
		  XF(IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0),
		  XF(IKE_XFORM_ESN, IKE_ESN_NONE, 0) } },
		{ "chacha20poly1305-curve25519", IKE_PROTO_ESP, 1, { 3 }, {
		  XF(IKE_XFORM_ENCR, IKE_ENCR_CHACHA20_POLY1305, 0),
		  XF(IKE_XFORM_DH, IKE_DH_CURVE25519, 0),
		  XF(IKE_XFORM_ESN, IKE_ESN_NONE, 0) } },
		{ "null-sha256", IKE_PROTO_ESP, 1, { 3 }, {
		  XF(IKE_XFORM_ENCR, IKE_ENCR_NULL, 0),
		  XF(IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0),
		  XF(IKE_XFORM_ESN, IKE_ESN_NONE, 0) } },
		{ "default", IKE_PROTO_ESP, 2, { 4, 4 }, {
		  XF(IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 128) } },
		{ "aes256-sha512-prfsha512-ecp521-modp4096-curve448", IKE_PROTO_IKE, 1, { 6 }, {
		  XF(IKE_XFORM_ENCR, IKE_ENCR_AES_CBC, 256),
		  XF(IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_512, 0),
		  XF(IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_512_256, 0),
		  XF(IKE_XFORM_DH, IKE_DH_ECP521, 0),
		  XF(IKE_XFORM_DH, IKE_DH_MODP4096, 0),
		  XF(IKE_XFORM_DH, IKE_DH_CURVE448, 0) } },
		{ "aes128-sha384-ecp384-modp3072-x448", IKE_PROTO_IKE, 1, { 6 }, {
		  XF(IKE_XFORM_ENCR, IKE_ENCR_AES_CBC, 128),
		  XF(IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_384, 0),
		  XF(IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_384_192, 0),
		  XF(IKE_XFORM_DH, IKE_DH_ECP384, 0),
		  XF(IKE_XFORM_DH, IKE_DH_MODP3072, 0),
		  XF(IKE_XFORM_DH, IKE_DH_CURVE448, 0) } },
		{ "sha256-modp2048", IKE_PROTO_AH, 1, { 3 }, {
		  XF(IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0),
		  XF(IKE_XFORM_DH, IKE_DH_MODP2048, 0),
		  XF(IKE_XFORM_ESN, IKE_ESN_NONE, 0) } },
		{ "default", IKE_PROTO_AH, 1, { 2 }, {
		  XF(IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0),
		  XF(IKE_XFORM_ESN, IKE_ESN_NONE, 0) } },
		{ " aes128gcm16 , default ", IKE_PROTO_ESP, 3, { 2, 4, 4 }, {
		  XF(IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 128),
		  XF(IKE_XFORM_ESN, IKE_ESN_NONE, 0) } },
	};
	static const struct {
		const char *s;
		uint8_t proto;
		const char *msg;
	} bad[] = {
		{ "", IKE_PROTO_IKE, "empty proposal" },
		{ "prfsha256-sha256-x25519", IKE_PROTO_IKE, "an IKE proposal needs an encryption algorithm" },
		{ "aes128gcm16,", IKE_PROTO_ESP, "empty proposal" },
		{ "aes192-sha256-x25519", IKE_PROTO_IKE, "unknown or unsupported algorithm 'aes192'" },
		{ "aes128-sha1-x25519", IKE_PROTO_IKE, "unknown or unsupported algorithm 'sha1'" },
		{ "aes128-sha256-modp1024", IKE_PROTO_IKE, "unknown or unsupported algorithm 'modp1024'" },
		{ "AES128-sha256-x25519", IKE_PROTO_IKE, "unknown or unsupported algorithm 'AES128'" },
		{ "aes128gcm16-prfsha256-x25519-esn", IKE_PROTO_IKE, "'esn' cannot be used in an IKE" },
		{ "aes128gcm16-aes256gcm16-aes128gcm16", IKE_PROTO_ESP, "'aes128gcm16' given twice" },
		{ "aes128gcm16-aes128gcm128", IKE_PROTO_ESP, "'aes128gcm128' given twice" },
		{ "x25519", IKE_PROTO_ESP, "needs an encryption algorithm" },
		{ "aes128", IKE_PROTO_ESP, "needs an integrity algorithm" },
		{ "aes128gcm16-sha256", IKE_PROTO_ESP, "takes no integrity algorithm" },
		{ "esn", IKE_PROTO_AH, "needs an integrity algorithm" },
		{ "sha512", IKE_PROTO_AH, "'sha512' cannot be used in an AH" },
		{ "aes128gcm16-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", IKE_PROTO_ESP,
		  "unknown or unsupported algorithm 'aaaaaaaaaaaaaaaaaaaa...'" },
	};
	struct ike_conf_proposal props[IKE_CONF_PROPOSALS_MAX];
	char err[200];
	size_t n;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		if (ike_conf_proposals_parse(ok[i].s, ok[i].proto, props,
					     ARRAY_SIZE(props), &n, err, sizeof(err)))
			fail_msg("ok %zu '%s': %s", i, ok[i].s, err);
		assert_int_equal(n, ok[i].nprop);
		for (size_t p = 0; p < n; p++) {
			assert_int_equal(props[p].protocol, ok[i].proto);
			if (props[p].n_xforms != ok[i].nxf[p])
				fail_msg("ok %zu '%s' proposal %zu: %u transforms, want %zu",
					 i, ok[i].s, p, props[p].n_xforms, ok[i].nxf[p]);
		}
		for (size_t x = 0; x < ARRAY_SIZE(ok[i].first) && ok[i].first[x].type; x++) {
			const struct ike_conf_xform *g = &props[0].xforms[x];

			if (g->type != ok[i].first[x].type || g->id != ok[i].first[x].id ||
			    g->keylen != ok[i].first[x].keylen)
				fail_msg("ok %zu '%s' transform %zu: %u/%u/%u", i, ok[i].s,
					 x, g->type, g->id, g->keylen);
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		n = 99;
		if (ike_conf_proposals_parse(bad[i].s, bad[i].proto, props,
					     ARRAY_SIZE(props), &n, err,
					     sizeof(err)) != -EINVAL)
			fail_msg("bad %zu '%s' accepted", i, bad[i].s);
		if (!strstr(err, bad[i].msg))
			fail_msg("bad %zu '%s': \"%s\", want \"%s\"", i, bad[i].s,
				 err, bad[i].msg);
		assert_int_equal(n, 99);        /* untouched */
	}
	/* The out array is bounded by max. */
	assert_int_equal(ike_conf_proposals_parse("default", IKE_PROTO_IKE, props,
						  1, &n, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "more than 1 proposals"));
	assert_int_equal(ike_conf_proposals_parse("aes128gcm16", 4, props,
						  1, &n, err, sizeof(err)), -EINVAL);
	assert_true(ike_conf_encr_is_aead(IKE_ENCR_AES_GCM_16));
	assert_true(ike_conf_encr_is_aead(IKE_ENCR_CHACHA20_POLY1305));
	assert_false(ike_conf_encr_is_aead(IKE_ENCR_AES_CBC));
	assert_false(ike_conf_encr_is_aead(IKE_ENCR_NULL));
}

static void test_identities(void **state)
{
	static const struct {
		const char *s;
		uint8_t type;
		const char *data;       /* NULL: as in s */
		size_t len;
		const char *str;        /* ike_conf_id_str; NULL: s */
	} ok[] = {
		{ "192.0.2.1", IKE_ID_IPV4_ADDR, "\xc0\x00\x02\x01", 4, NULL },
		{ "2001:db8::1", IKE_ID_IPV6_ADDR,
		  "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16, NULL },
		{ "moon.example.org", IKE_ID_FQDN, NULL, 16, NULL },
		{ "@moon", IKE_ID_FQDN, "moon", 4, "moon" },
		{ "@@carol", IKE_ID_RFC822_ADDR, "carol", 5, "carol" },
		{ "carol@example.org", IKE_ID_RFC822_ADDR, NULL, 17, NULL },
		{ "@#0A1b2c", IKE_ID_KEY_ID, "\x0a\x1b\x2c", 3, "@#0a1b2c" },
		{ "%any", IKE_CONF_ID_ANY, "", 0, NULL },
		{ "fqdn:192.0.2.1", IKE_ID_FQDN, "192.0.2.1", 9, "192.0.2.1" },
		{ "email:x", IKE_ID_RFC822_ADDR, "x", 1, "x" },
		{ "keyid:group-a", IKE_ID_KEY_ID, "group-a", 7, "@#67726f75702d61" },
		{ "keyid:#00ff", IKE_ID_KEY_ID, "\x00\xff", 2, "@#00ff" },
		{ "ipv4:#c0000201", IKE_ID_IPV4_ADDR, "\xc0\x00\x02\x01", 4, "192.0.2.1" },
		{ "ipv6:::1", IKE_ID_IPV6_ADDR,
		  "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16, "::1" },
	};
	static const struct {
		const char *s;
		const char *msg;
	} bad[] = {
		{ "", "empty identity" },
		{ "@", "empty identity" },
		{ "@#", "bad hex identity data" },
		{ "@#abc", "bad hex identity data" },
		{ "@#zz", "bad hex identity data" },
		{ "C=CH, XX=moon", "unknown RDN type 'XX'" },
		{ "C=Switzerland, CN=moon", "RDN value not valid for its type: 'C'" },
		{ "C=CH,, CN=moon", "empty RDN" },
		{ "C=CH, CN=", "empty or overlong RDN value" },
		{ "asn1dn:#300a", "not a DER distinguished name" },
		{ "ipv4:#c00002", "an ipv4 identity needs 4 bytes" },
		{ "ipv4:2001:db8::1", "bad address in identity" },
		{ "caf\xc3\xa9.example", "must be printable ASCII" },
		{ "a\tb", "must be printable ASCII" },
	};
	struct ike_conf_id id, other;
	char err[200], buf[64], longid[IKE_CONF_ID_MAX + 8];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		const char *data = ok[i].data ? ok[i].data : ok[i].s;

		if (ike_conf_id_parse(ok[i].s, &id, err, sizeof(err)))
			fail_msg("ok %zu '%s': %s", i, ok[i].s, err);
		assert_int_equal(id.type, ok[i].type);
		assert_int_equal(id.len, ok[i].len);
		assert_memory_equal(id.data, data, ok[i].len);
		assert_string_equal(ike_conf_id_str(&id, buf, sizeof(buf)),
				    ok[i].str ? ok[i].str : ok[i].s);
		assert_true(ike_conf_id_match(&id, &id));
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&id, 0x77, sizeof(id));
		if (ike_conf_id_parse(bad[i].s, &id, err, sizeof(err)) != -EINVAL)
			fail_msg("bad %zu accepted", i);
		if (!strstr(err, bad[i].msg))
			fail_msg("bad %zu: \"%s\", want \"%s\"", i, err, bad[i].msg);
		assert_int_equal(id.type, 0x77);        /* untouched */
	}
	/* IKE_CONF_ID_MAX bytes of identity fit, one more does not. */
	memset(longid, 'a', sizeof(longid));
	longid[IKE_CONF_ID_MAX] = '\0';
	assert_int_equal(ike_conf_id_parse(longid, &id, err, sizeof(err)), 0);
	assert_int_equal(id.len, IKE_CONF_ID_MAX);
	longid[IKE_CONF_ID_MAX] = 'a';
	longid[IKE_CONF_ID_MAX + 1] = '\0';
	assert_int_equal(ike_conf_id_parse(longid, &id, err, sizeof(err)), -EINVAL);

	/* Matching: FQDN/RFC822 without case, types must agree, %any. */
	assert_int_equal(ike_conf_id_parse("Moon.Example.ORG", &id, err, sizeof(err)), 0);
	assert_int_equal(ike_conf_id_parse("moon.example.org", &other, err, sizeof(err)), 0);
	assert_true(ike_conf_id_match(&id, &other));
	assert_int_equal(ike_conf_id_parse("@@moon.example.org", &other, err, sizeof(err)), 0);
	assert_false(ike_conf_id_match(&id, &other));
	assert_int_equal(ike_conf_id_parse("moon.example.or", &other, err, sizeof(err)), 0);
	assert_false(ike_conf_id_match(&id, &other));
	assert_int_equal(ike_conf_id_parse("@#4d6f6f6e", &id, err, sizeof(err)), 0);
	assert_int_equal(ike_conf_id_parse("@#4d6f6f4e", &other, err, sizeof(err)), 0);
	assert_false(ike_conf_id_match(&id, &other));   /* KEY_ID is exact */
	assert_int_equal(ike_conf_id_parse("%any", &id, err, sizeof(err)), 0);
	assert_true(ike_conf_id_match(&id, &other));
	assert_false(ike_conf_id_match(&other, &id));
	/* id_str never overflows and shows unprintables as '?' */
	id.type = IKE_ID_RFC822_ADDR;
	id.len = 3;
	memcpy(id.data, "a\nb", 3);
	assert_string_equal(ike_conf_id_str(&id, buf, sizeof(buf)), "a?b");
	assert_int_equal(ike_conf_id_parse("@#00112233445566778899", &id, err, sizeof(err)), 0);
	assert_string_equal(ike_conf_id_str(&id, buf, 8), "@#0011");
}

/* Distinguished names (RFC 4945 §3.1.5): the DER written out by hand,
 * strongSwan's RDN names, matching RDN by RDN with "*" wildcards. */
static void test_dn_identities(void **state)
{
	/* SEQUENCE { SET { SEQ { 2.5.4.6, PrintableString "CH" } },
	 *            SET { SEQ { 2.5.4.10, UTF8String "Example" } },
	 *            SET { SEQ { 2.5.4.3, UTF8String "moon" } } } */
	static const uint8_t want[] = {
		0x30, 0x2e,
		0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x06,
		0x13, 0x02, 'C', 'H',
		0x31, 0x10, 0x30, 0x0e, 0x06, 0x03, 0x55, 0x04, 0x0a,
		0x0c, 0x07, 'E', 'x', 'a', 'm', 'p', 'l', 'e',
		0x31, 0x0d, 0x30, 0x0b, 0x06, 0x03, 0x55, 0x04, 0x03,
		0x0c, 0x04, 'm', 'o', 'o', 'n',
	};
	struct ike_conf_id id, other, wild;
	char err[200], buf[128], hex[2 * sizeof(want) + 16];
	(void)state;

	assert_int_equal(ike_conf_id_parse("C=CH, O=Example, CN=moon", &id, err,
					   sizeof(err)), 0);
	assert_int_equal(id.type, IKE_ID_DER_ASN1_DN);
	assert_int_equal(id.len, sizeof(want));
	assert_memory_equal(id.data, want, sizeof(want));
	assert_string_equal(ike_conf_id_str(&id, buf, sizeof(buf)),
			    "C=CH, O=Example, CN=moon");
	/* the other spellings of the same name */
	assert_int_equal(ike_conf_id_parse("/C=CH/O=Example/CN=moon", &other,
					   err, sizeof(err)), 0);
	assert_memory_equal(other.data, want, sizeof(want));
	assert_int_equal(ike_conf_id_parse("  C = CH ,O=Example,   cn=moon ",
					   &other, err, sizeof(err)), 0);
	assert_memory_equal(other.data, want, sizeof(want));
	strcpy(hex, "asn1dn:#");
	for (size_t i = 0; i < sizeof(want); i++)
		sprintf(hex + 8 + 2 * i, "%02x", want[i]);
	assert_int_equal(ike_conf_id_parse(hex, &other, err, sizeof(err)), 0);
	assert_int_equal(other.type, IKE_ID_DER_ASN1_DN);
	assert_memory_equal(other.data, want, sizeof(want));
	/* strongSwan's names: E is emailAddress, SN serialNumber */
	assert_int_equal(ike_conf_id_parse("CN=carol, E=carol@example.org, SN=42",
					   &other, err, sizeof(err)), 0);
	assert_string_equal(ike_conf_id_str(&other, buf, sizeof(buf)),
			    "CN=carol, E=carol@example.org, SN=42");

	/* matching: case and string type do not matter, order does */
	assert_int_equal(ike_conf_id_parse("C=ch, O=EXAMPLE, CN=Moon", &other, err,
					   sizeof(err)), 0);
	assert_true(ike_conf_id_match(&id, &other));
	memcpy(other.data, want, sizeof(want));
	other.len = sizeof(want);
	other.data[26 - 2] = 0x13;      /* O as PrintableString */
	assert_true(ike_conf_id_match(&id, &other));
	assert_int_equal(ike_conf_id_parse("O=Example, C=CH, CN=moon", &other, err,
					   sizeof(err)), 0);
	assert_false(ike_conf_id_match(&id, &other));
	assert_int_equal(ike_conf_id_parse("C=CH, O=Example", &other, err,
					   sizeof(err)), 0);
	assert_false(ike_conf_id_match(&id, &other));
	assert_int_equal(ike_conf_id_parse("C=CH, O=Example, CN=sun", &other, err,
					   sizeof(err)), 0);
	assert_false(ike_conf_id_match(&id, &other));
	/* a wildcard value matches any, but the RDN must be there */
	assert_int_equal(ike_conf_id_parse("C=CH, O=Example, CN=*", &wild, err,
					   sizeof(err)), 0);
	assert_true(ike_conf_id_match(&wild, &id));
	assert_true(ike_conf_id_match(&wild, &other));
	assert_int_equal(ike_conf_id_parse("C=*, O=Example", &wild, err,
					   sizeof(err)), 0);
	assert_false(ike_conf_id_match(&wild, &id));
	/* a DN never matches an FQDN of the same text */
	assert_int_equal(ike_conf_id_parse("fqdn:CN=moon", &other, err,
					   sizeof(err)), 0);
	assert_int_equal(other.type, IKE_ID_FQDN);
	assert_false(ike_conf_id_match(&id, &other));

	/* FQDN / RFC822 wildcards as swanctl's remote ids */
	assert_int_equal(ike_conf_id_parse("*.example.org", &wild, err,
					   sizeof(err)), 0);
	assert_int_equal(ike_conf_id_parse("Moon.EXAMPLE.org", &other, err,
					   sizeof(err)), 0);
	assert_true(ike_conf_id_match(&wild, &other));
	assert_int_equal(ike_conf_id_parse("moon.example.com", &other, err,
					   sizeof(err)), 0);
	assert_false(ike_conf_id_match(&wild, &other));
	assert_int_equal(ike_conf_id_parse("*@example.org", &wild, err,
					   sizeof(err)), 0);
	assert_int_equal(wild.type, IKE_ID_RFC822_ADDR);
	assert_int_equal(ike_conf_id_parse("carol@example.org", &other, err,
					   sizeof(err)), 0);
	assert_true(ike_conf_id_match(&wild, &other));
	assert_false(ike_conf_id_match(&other, &wild));
}

static void test_traffic_selectors(void **state)
{
	static const struct {
		const char *s;
		const char *start, *end;        /* NULL: dynamic */
		uint8_t proto;
		uint16_t lo, hi;
	} ok[] = {
		{ "dynamic", NULL, NULL, 0, 0, 65535 },
		{ "dynamic[udp/500]", NULL, NULL, 17, 500, 500 },
		{ "10.0.0.0/8", "10.0.0.0", "10.255.255.255", 0, 0, 65535 },
		{ "10.1.2.3", "10.1.2.3", "10.1.2.3", 0, 0, 65535 },
		{ "0.0.0.0/0", "0.0.0.0", "255.255.255.255", 0, 0, 65535 },
		{ "10.1.2.3/31[tcp]", "10.1.2.2", "10.1.2.3", 6, 0, 65535 },
		{ "10.1.2.3/32[6/22]", "10.1.2.3", "10.1.2.3", 6, 22, 22 },
		{ "192.0.2.0/24[udp/%any]", "192.0.2.0", "192.0.2.255", 17, 0, 65535 },
		{ "192.0.2.0/24[udp/opaque]", "192.0.2.0", "192.0.2.255", 17, 65535, 0 },
		{ "192.0.2.0/24[sctp/1-65535]", "192.0.2.0", "192.0.2.255", 132, 1, 65535 },
		{ "192.0.2.0/24[icmp/8]", "192.0.2.0", "192.0.2.255", 1, 0x0800, 0x08ff },
		{ "192.0.2.0/24[47]", "192.0.2.0", "192.0.2.255", 47, 0, 65535 },
		{ "192.0.2.0/24[%any]", "192.0.2.0", "192.0.2.255", 0, 0, 65535 },
		{ "2001:db8::/33", "2001:db8::", "2001:db8:7fff:ffff:ffff:ffff:ffff:ffff", 0, 0, 65535 },
		{ "::/0[ipv6-icmp/135]", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 58, 0x8700, 0x87ff },
		{ "2001:db8::1/128", "2001:db8::1", "2001:db8::1", 0, 0, 65535 },
	};
	static const char *const bad[] = {
		"", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/08", "10.0.0.0/0x8",
		"10.0.0.0/33", "::/129", "10.0.0/8", "dynamic/8", "10.0.0.0/8[",
		"10.0.0.0/8]", "10.0.0.0/8[tcp/80]x", "10.0.0.0/8[tcp/80][udp]",
		"10.0.0.0/8[256]", "10.0.0.0/8[tcp/65536]", "10.0.0.0/8[tcp/x]",
		"10.0.0.0/8[gre/1]", "10.0.0.0/8[icmp/256]", "10.0.0.0/8[icmp/1-2]",
		"10.0.0.0/8[tcp/2-1]", "host.example.org",
	};
	uint8_t start[16], end[16], want[16];
	struct ike_conf_ts ts;
	char err[200];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		if (ike_conf_ts_parse(ok[i].s, &ts, err, sizeof(err)))
			fail_msg("ok %zu '%s': %s", i, ok[i].s, err);
		assert_int_equal(ts.proto, ok[i].proto);
		assert_int_equal(ts.port_lo, ok[i].lo);
		assert_int_equal(ts.port_hi, ok[i].hi);
		if (!ok[i].start) {
			assert_true(ts.dynamic);
			assert_int_equal(ike_conf_ts_range(&ts, start, end), -EINVAL);
			continue;
		}
		assert_false(ts.dynamic);
		assert_int_equal(ike_conf_ts_range(&ts, start, end), 0);
		memset(want, 0, sizeof(want));
		assert_int_equal(inet_pton(ts.addr.family, ok[i].start, want), 1);
		assert_memory_equal(start, want, 16);
		memset(want, 0, sizeof(want));
		assert_int_equal(inet_pton(ts.addr.family, ok[i].end, want), 1);
		assert_memory_equal(end, want, 16);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (!ike_conf_ts_parse(bad[i], &ts, err, sizeof(err)))
			fail_msg("bad %zu '%s' accepted", i, bad[i]);
		assert_true(err[0] != '\0');
	}
}

static void test_durations_and_numbers(void **state)
{
	static const struct {
		const char *v;
		long long secs;         /* -1: refused */
	} rows[] = {
		{ "0", 0 }, { "1", 1 }, { "59s", 59 }, { "10m", 600 },
		{ "4h", 14400 }, { "2d", 172800 }, { "4294967295", 4294967295LL },
		{ "4294967296", -1 }, { "49710d", 4294944000LL }, { "49711d", -1 },
		{ "1w", -1 }, { "1.5h", -1 }, { "-1", -1 }, { "+1", -1 },
		{ "0x10", -1 }, { "s", -1 }, { "1hs", -1 }, { "1 h", -1 },
		{ "\"2h\"", 7200 },
	};
	char text[512], err[IKE_CONF_ERR_MAX];
	struct ike_config cfg;
	int ret;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		snprintf(text, sizeof(text), HEAD "  dpd_delay = %s\n" TAIL, rows[i].v);
		ret = ike_config_load_buf("d.conf", text, strlen(text), NULL, &cfg,
					  err, sizeof(err));
		if (rows[i].secs < 0) {
			if (!ret)
				fail_msg("row %zu '%s' accepted", i, rows[i].v);
			assert_true(!strncmp(err, "d.conf:6: ", 10));
			continue;
		}
		if (ret)
			fail_msg("row %zu '%s': %s", i, rows[i].v, err);
		assert_int_equal(cfg.conns[0].dpd_delay, rows[i].secs);
		ike_config_free(&cfg);
	}

	/* Numbers: decimal or 0x hex, checked against their range. */
	snprintf(text, sizeof(text), HEAD "  keyingtries = 0xffffffff\n" CHILD
		 "    rekey_bytes = 18446744073709551614\n"
		 "    life_bytes = 18446744073709551615\n    rekey_packets = 0XFF\n"
		 "    rekey_time = 5s\n"
		 CHILD_END TAIL);
	ret = ike_config_load_buf("n.conf", text, strlen(text), NULL, &cfg, err,
				  sizeof(err));
	if (ret)
		fail_msg("%s", err);
	assert_int_equal(cfg.conns[0].keyingtries, UINT32_MAX);
	assert_true(cfg.conns[0].children[0].rekey_bytes == UINT64_MAX - 1);
	assert_true(cfg.conns[0].children[0].life_bytes == UINT64_MAX);
	assert_true(cfg.conns[0].children[0].rand_bytes == 1);
	assert_int_equal(cfg.conns[0].children[0].rekey_packets, 255);
	assert_int_equal(cfg.conns[0].children[0].life_packets, 280);
	assert_int_equal(cfg.conns[0].children[0].rand_packets, 25);
	/* 5 + 10% would be 5: the default life adds at least 1 */
	assert_int_equal(cfg.conns[0].children[0].rekey_time, 5);
	assert_int_equal(cfg.conns[0].children[0].life_time, 6);
	assert_int_equal(cfg.conns[0].children[0].rand_time, 1);
	ike_config_free(&cfg);
	/* a default life that would overflow is refused at rekey_... */
	snprintf(text, sizeof(text), HEAD CHILD "    rekey_bytes = 18446744073709551615\n"
		 CHILD_END TAIL);
	assert_int_equal(ike_config_load_buf("n.conf", text, strlen(text), NULL,
					     &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "n.conf:8: rekey_bytes (18446744073709551615) in child 'net' of connection 'site' leaves no room"));
	/* an explicit rand_bytes is kept */
	snprintf(text, sizeof(text), HEAD CHILD "    rekey_bytes = 100\n    rand_bytes = 5\n"
		 CHILD_END TAIL);
	assert_int_equal(ike_config_load_buf("n.conf", text, strlen(text), NULL,
					     &cfg, err, sizeof(err)), 0);
	assert_true(cfg.conns[0].children[0].life_bytes == 110);
	assert_true(cfg.conns[0].children[0].rand_bytes == 5);
	ike_config_free(&cfg);
	/* ...and a default rand never reaches rekey */
	snprintf(text, sizeof(text), HEAD CHILD "    rekey_time = 1h\n    life_time = 10h\n"
		 CHILD_END TAIL);
	assert_int_equal(ike_config_load_buf("n.conf", text, strlen(text), NULL,
					     &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.conns[0].children[0].rand_time, 3599);
	ike_config_free(&cfg);
	snprintf(text, sizeof(text), HEAD CHILD "    rekey_bytes = 18446744073709551616\n"
		 CHILD_END TAIL);
	assert_int_equal(ike_config_load_buf("n.conf", text, strlen(text), NULL,
					     &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "n.conf:8: rekey_bytes in child 'net'"));
	snprintf(text, sizeof(text), HEAD "  keyingtries = 4294967296\n" TAIL);
	assert_int_equal(ike_config_load_buf("n.conf", text, strlen(text), NULL,
					     &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "a number 0..4294967295"));
	/* IKE rand_time must stay below rekey_time. */
	snprintf(text, sizeof(text), HEAD "  rekey_time = 1h\n  rand_time = 1h\n" TAIL);
	assert_int_equal(ike_config_load_buf("n.conf", text, strlen(text), NULL,
					     &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "n.conf:7: rand_time (3600) in connection 'site' must be less than rekey_time (3600)"));
}

static void test_psk_lookup(void **state)
{
	static const char text[] =
		"secrets {\n"
		" ike-any { secret = any }\n"                           /* 0 */
		" ike-moon { id = moon\n secret = moon }\n"             /* 1 */
		" ike-pair { id-1 = moon\n id-2 = sun\n secret = pair }\n" /* 2 */
		" ike-wild { id = %any\n id-2 = carol@x\n secret = wild }\n" /* 3 */
		" ike-sun { id = SUN\n secret = sun }\n"                /* 4 */
		"}\n";
	struct ike_conf_id moon, sun, carol, dave, anyid;
	char err[IKE_CONF_ERR_MAX];
	struct ike_config cfg;

	(void)state;
	assert_int_equal(ike_config_load_buf("p.conf", text, strlen(text), NULL,
					     &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.n_secrets, 5);
	assert_int_equal(ike_conf_id_parse("moon", &moon, err, sizeof(err)), 0);
	assert_int_equal(ike_conf_id_parse("sun", &sun, err, sizeof(err)), 0);
	assert_int_equal(ike_conf_id_parse("carol@x", &carol, err, sizeof(err)), 0);
	assert_int_equal(ike_conf_id_parse("dave", &dave, err, sizeof(err)), 0);
	assert_int_equal(ike_conf_id_parse("%any", &anyid, err, sizeof(err)), 0);

	/* both ids exact: 6 */
	assert_ptr_equal(ike_config_find_psk(&cfg, &moon, &sun), &cfg.secrets[2]);
	assert_ptr_equal(ike_config_find_psk(&cfg, &sun, &moon), &cfg.secrets[2]);
	/* moon + unknown: pair (3+1) ties moon (3+1): first in file */
	assert_ptr_equal(ike_config_find_psk(&cfg, &moon, NULL), &cfg.secrets[1]);
	assert_ptr_equal(ike_config_find_psk(&cfg, &moon, &anyid), &cfg.secrets[1]);
	/* carol exact (3) + %any (1) beats the id-less secret (1+1) */
	assert_ptr_equal(ike_config_find_psk(&cfg, &dave, &carol), &cfg.secrets[3]);
	/* FQDN ids match without case: SUN */
	assert_ptr_equal(ike_config_find_psk(&cfg, &dave, &sun), &cfg.secrets[2]);
	/* nothing specific: the id-less secret comes first among the 2s */
	assert_ptr_equal(ike_config_find_psk(&cfg, &dave, &dave), &cfg.secrets[0]);
	ike_config_free(&cfg);

	/* Without id-less or %any secrets, a stranger gets nothing. */
	{
		static const char t2[] = "secrets {\n ike { id = moon\n secret = x }\n}\n";

		assert_int_equal(ike_config_load_buf("p.conf", t2, strlen(t2), NULL,
						     &cfg, err, sizeof(err)), 0);
		assert_null(ike_config_find_psk(&cfg, &dave, &carol));
		assert_ptr_equal(ike_config_find_psk(&cfg, &dave, &moon), &cfg.secrets[0]);
		ike_config_free(&cfg);
	}
	assert_null(ike_config_find_psk(NULL, &moon, &sun));
	assert_null(ike_config_find_psk(&cfg, &moon, &sun));    /* empty */
}

/* Syntax the tokenizer must take in its stride. */
static void test_syntax_variants(void **state)
{
	static const char text[] =
		"connections{site{local_addrs=192.0.2.1\n"
		"local{auth=psk}remote{auth=psk\n"
		"id=\"quoted \\\"id\\\" \\\\ with # and , inside\"}\n"
		"proposals=aes128gcm16-prfsha256-x25519,# a comment after a comma\n"
		"\n"
		"   aes128-sha256-modp2048   # and after the list\n"
		"children\n"
		"\n"
		"{ c1 { esp_proposals = default } }}}\n"
		"secrets { ike { secret = 0sQUJDRA== }\n"
		"ike-2 { secret = \"t\\tn\\nr\\r\" }\n"
		"ike-3 { secret = 0s+/8= } }";                  /* no final newline */
	char err[IKE_CONF_ERR_MAX];
	struct ike_config cfg;
	const struct ike_conf_conn *c;

	(void)state;
	if (ike_config_load_buf("v.conf", text, strlen(text), NULL, &cfg, err,
				sizeof(err)))
		fail_msg("%s", err);
	c = &cfg.conns[0];
	expect_id(&c->remote.id, IKE_ID_FQDN, "quoted \"id\" \\ with # and , inside", 33);
	assert_int_equal(c->n_proposals, 2);
	assert_int_equal(c->n_children, 1);
	assert_int_equal(c->children[0].n_proposals, 2);
	assert_int_equal(cfg.secrets[0].len, 4);
	assert_memory_equal(cfg.secrets[0].key, "ABCD", 4);
	assert_int_equal(cfg.secrets[1].len, 6);
	assert_memory_equal(cfg.secrets[1].key, "t\tn\nr\r", 6);
	assert_int_equal(cfg.secrets[2].len, 2);
	assert_memory_equal(cfg.secrets[2].key, "\xfb\xff", 2);
	ike_config_free(&cfg);
}

/* ----------------------------------------------------------- fuzzing */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	/* xorshift64*: deterministic, so a failure replays. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static void check_invariants(const struct ike_config *cfg)
{
	assert_true(cfg->n_conns <= IKE_CONF_CONNS_MAX);
	assert_true(cfg->n_secrets <= IKE_CONF_SECRETS_MAX);
	for (size_t i = 0; i < cfg->n_conns; i++) {
		const struct ike_conf_conn *c = &cfg->conns[i];

		assert_true(c->local_addr.family == AF_INET ||
			    c->local_addr.family == AF_INET6);
		assert_true(c->n_proposals >= 1 &&
			    c->n_proposals <= IKE_CONF_PROPOSALS_MAX);
		assert_true(c->n_children <= IKE_CONF_CHILDREN_MAX);
		assert_int_equal(c->local.method, IKE_CONF_AUTH_PSK);
		assert_non_null(ike_config_find_psk(cfg, &c->local.id, &c->remote.id));
		for (size_t j = 0; j < c->n_children; j++) {
			const struct ike_conf_child *ch = &c->children[j];

			assert_true(ch->n_local_ts >= 1 && ch->n_local_ts <= IKE_CONF_TS_MAX);
			assert_true(ch->n_remote_ts >= 1 && ch->n_remote_ts <= IKE_CONF_TS_MAX);
			assert_true(ch->n_proposals >= 1);
			for (size_t p = 0; p < ch->n_proposals; p++) {
				assert_int_equal(ch->proposals[p].protocol, ch->protocol);
				assert_true(ch->proposals[p].n_xforms >= 2);
			}
			assert_true(!ch->rekey_time || !ch->life_time ||
				    ch->life_time > ch->rekey_time);
			assert_true(!ch->rekey_time || ch->rand_time < ch->rekey_time);
			assert_true(!ch->rekey_bytes || !ch->life_bytes ||
				    ch->life_bytes > ch->rekey_bytes);
			assert_true(!ch->rekey_bytes || ch->rand_bytes < ch->rekey_bytes);
			assert_true(!ch->rekey_packets || !ch->life_packets ||
				    ch->life_packets > ch->rekey_packets);
			assert_true(!ch->rekey_packets ||
				    ch->rand_packets < ch->rekey_packets);
		}
	}
	for (size_t i = 0; i < cfg->n_secrets; i++)
		assert_true(cfg->secrets[i].len >= 1 &&
			    cfg->secrets[i].len <= IKE_CONF_PSK_MAX);
}

static void test_fuzz_mutations(void **state)
{
	static const char specials[] = "{}=,\"#\n\\ @%[]/-:0x\t\r";
	static const char file_secret[] = "file:psk.txt";
	const char *fs = strstr(full_conf, file_secret);
	size_t cap = 2 * sizeof(full_conf) + 64, base_len;
	char *base = malloc(cap), *buf = malloc(cap), *tmp = malloc(cap);
	char err[IKE_CONF_ERR_MAX];
	size_t ok = 0, bad = 0;
	struct ike_config cfg;

	(void)state;
	assert_non_null(base);
	assert_non_null(buf);
	assert_non_null(tmp);
	/* The full config with the file secret inline, so that it loads
	 * without a directory and mutants reach every part of the schema. */
	assert_non_null(fs);
	base_len = (size_t)snprintf(base, cap, "%.*s0x414243%s",
				    (int)(fs - full_conf), full_conf,
				    fs + strlen(file_secret));
	assert_int_equal(ike_config_load_buf("base.conf", base, base_len, NULL,
					     &cfg, err, sizeof(err)), 0);
	check_invariants(&cfg);
	ike_config_free(&cfg);
	for (unsigned int iter = 0; iter < 20000; iter++) {
		size_t len = base_len;
		unsigned int nmut = 1 + rnd() % 6;
		int ret;

		memcpy(buf, base, len);
		for (unsigned int m = 0; m < nmut; m++) {
			size_t pos = len ? rnd() % len : 0, n;

			switch (rnd() % 7) {
			case 0:         /* random byte */
				if (len)
					buf[pos] = (char)(rnd() & 0xff);
				break;
			case 1:         /* a syntax character */
				if (len)
					buf[pos] = specials[rnd() % (sizeof(specials) - 1)];
				break;
			case 2:         /* insert a syntax character */
				if (len + 1 < cap) {
					memmove(buf + pos + 1, buf + pos, len - pos);
					buf[pos] = specials[rnd() % (sizeof(specials) - 1)];
					len++;
				}
				break;
			case 3:         /* delete a run */
				n = rnd() % 16;
				if (pos + n > len)
					n = len - pos;
				memmove(buf + pos, buf + pos + n, len - pos - n);
				len -= n;
				break;
			case 4:         /* duplicate a run elsewhere */
				n = rnd() % 64;
				if (pos + n > len)
					n = len - pos;
				if (len + n < cap) {
					size_t at = rnd() % (len + 1);

					memcpy(tmp, buf + pos, n);
					memmove(buf + at + n, buf + at, len - at);
					memcpy(buf + at, tmp, n);
					len += n;
				}
				break;
			case 5:         /* truncate */
				len = pos;
				break;
			default:        /* a digit, to perturb numbers and addresses */
				if (len)
					buf[pos] = (char)('0' + rnd() % 10);
				break;
			}
		}
		/* No base directory: file: secrets with relative paths fail. */
		memset(&cfg, 0xee, sizeof(cfg));
		ret = ike_config_load_buf("fuzz.conf", buf, len, NULL, &cfg, err,
					  sizeof(err));
		if (ret == 0) {
			ok++;
			check_invariants(&cfg);
			ike_config_free(&cfg);
		} else {
			if (ret != -EINVAL)
				fail_msg("iteration %u: ret %d", iter, ret);
			if (strncmp(err, "fuzz.conf", 9) || strlen(err) < 12)
				fail_msg("iteration %u: message \"%s\"", iter, err);
			if (!all_zero(&cfg, sizeof(cfg)))
				fail_msg("iteration %u: config not zeroed", iter);
			bad++;
		}
	}
	free(base);
	free(buf);
	free(tmp);
	/* Both outcomes must actually occur for the test to mean much. */
	print_message("mutations: %zu loaded, %zu refused\n", ok, bad);
	assert_true(ok > 500);
	assert_true(bad > 5000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_example_file),
		cmocka_unit_test(test_proposals),
		cmocka_unit_test(test_identities),
		cmocka_unit_test(test_dn_identities),
		cmocka_unit_test(test_traffic_selectors),
		cmocka_unit_test(test_durations_and_numbers),
		cmocka_unit_test(test_psk_lookup),
		cmocka_unit_test(test_syntax_variants),
		cmocka_unit_test(test_fuzz_mutations),
	};

	return cmocka_run_group_tests(tests, setup_tmpdir, teardown_tmpdir);
}
