// SPDX-License-Identifier: GPL-2.0-only
/*
 * IKE agent config files that must be refused: a table of bad files each
 * rejected with its line number, NUL bytes, the size/count limits, huge
 * files, and secrets kept out of error messages.
 */
#include "ike_config_util.h"

/* ------------------------------------------------------- bad files */

struct bad_row {
	const char *what;
	const char *text;
	unsigned int line;      /* 0: the message has no line */
	const char *msg;        /* a substring of the message */
};

static const struct bad_row bad_rows[] = {
	{ "unknown key", HEAD "  remote_adr = 192.0.2.2\n" TAIL, 6,
	  "unknown key 'remote_adr' in connection 'site'" },
	{ "unknown section", HEAD "  foo {\n  }\n" TAIL, 6,
	  "unknown section 'foo' in connection 'site'" },
	{ "unknown top section", "pools {\n}\nfoo {\n}\n", 1,
	  "section 'pools' is not supported" },
	{ "unknown top key", "\n\nconnection = x\n", 3,
	  "unknown key 'connection' in the top level" },
	{ "bad proposal token",
	  HEAD "  proposals = aes128gcm16-prfsha256-x25519,\n"
	  "      aes128-sha257-modp2048\n" TAIL, 7,
	  "proposals in connection 'site': unknown or unsupported algorithm 'sha257'" },
	{ "missing brace", "connections {\n site {\n  local_addrs = 192.0.2.1\n"
	  "  children {\n   net {\n    mode = tunnel\n", 5,
	  "section 'net' is not closed (missing '}')" },
	{ "missing brace, outer", "connections {\n site {\n }\n\n", 1,
	  "section 'connections' is not closed" },
	{ "unterminated string",
	  HEAD "  proposals = \"aes128gcm16-prfsha256-x25519\n" TAIL, 6,
	  "unterminated string" },
	{ "unterminated string at EOF", "a = \"abc", 1, "unterminated string" },
	{ "bad address", HEAD "  remote_addrs = 192.0.2.300\n" TAIL, 6,
	  "remote_addrs in connection 'site': bad value '192.0.2.300'" },
	{ "subnet as address", HEAD "  remote_addrs = 192.0.2.0/24\n" TAIL, 6,
	  "bad value '192.0.2.0/24'" },
	{ "two addresses", HEAD "  remote_addrs = 192.0.2.2, 192.0.2.3\n" TAIL, 6,
	  "only one address is supported" },
	{ "local %any", "connections {\n site {\n  local_addrs = %any\n }\n}\n", 3,
	  "bad value '%any'" },
	{ "bad duration", HEAD "  rekey_time = 1w\n" TAIL, 6,
	  "rekey_time in connection 'site': bad value '1w'" },
	{ "duration overflow", HEAD "  dpd_delay = 49711d\n" TAIL, 6,
	  "dpd_delay in connection 'site': bad value '49711d'" },
	{ "duplicate connection",
	  HEAD " }\n site {\n  local_addrs = 192.0.2.1\n" TAIL, 7,
	  "duplicate connection 'site' (first at line 2)" },
	{ "duplicate child",
	  HEAD CHILD "   }\n   net {\n" CHILD_END TAIL, 9,
	  "duplicate child 'net' in connection 'site' (first at line 7)" },
	{ "duplicate key", HEAD "  rekey_time = 1h\n  rekey_time = 2h\n" TAIL, 7,
	  "duplicate key 'rekey_time' in connection 'site' (first at line 6)" },
	{ "duplicate secret",
	  HEAD " }\n}\nsecrets {\n ike { secret = x }\n ike { secret = y }\n}\n", 10,
	  "duplicate secret 'ike' (first at line 9)" },
	{ "secret file missing",
	  HEAD " }\n}\nsecrets {\n ike {\n  secret = file:/nonexistent/xdpsec.psk\n }\n}\n", 10,
	  "cannot read secret file '/nonexistent/xdpsec.psk': No such file or directory" },
	{ "secret file not regular",
	  HEAD " }\n}\nsecrets {\n ike {\n  secret = file:/dev/null\n }\n}\n", 10,
	  "cannot read secret file '/dev/null': not a regular file" },
	{ "secret file relative",
	  HEAD " }\n}\nsecrets {\n ike {\n  secret = file:x.psk\n }\n}\n", 10,
	  "cannot read secret file '/nonexistent-base/x.psk'" },
	{ "too deep nesting",
	  "a {\n b {\n  c {\n   d {\n    e {\n     f {\n      g {\n       h {\n        i {\n"
	  "}}}}}}}}}\n", 9, "sections nested deeper than 8 levels" },
	{ "AEAD with integrity",
	  HEAD "  proposals = aes128gcm16-sha256-prfsha256-x25519\n" TAIL, 6,
	  "an AEAD cipher takes no integrity algorithm" },
	{ "AEAD mixed with CBC", HEAD "  proposals = aes128gcm16-aes128-sha256-x25519\n" TAIL, 6,
	  "AEAD and non-AEAD ciphers cannot share a proposal" },
	{ "AEAD IKE without PRF", HEAD "  proposals = aes128gcm16-x25519\n" TAIL, 6,
	  "needs a PRF" },
	{ "IKE without DH", HEAD "  proposals = aes128-sha256\n" TAIL, 6,
	  "needs a key exchange group" },
	{ "CBC without integrity", HEAD "  proposals = aes128-prfsha256-x25519\n" TAIL, 6,
	  "a non-AEAD cipher needs an integrity algorithm" },
	{ "default not alone", HEAD "  proposals = default-x25519\n" TAIL, 6,
	  "'default' must stand alone" },
	{ "duplicate algorithm", HEAD "  proposals = aes128-sha256-sha2_256-x25519\n" TAIL, 6,
	  "algorithm 'sha2_256' given twice" },
	{ "empty algorithm", HEAD "  proposals = aes128--sha256-x25519\n" TAIL, 6,
	  "empty algorithm" },
	{ "ESP sha384 (datapath)",
	  HEAD CHILD "    esp_proposals = aes128-sha384\n" CHILD_END TAIL, 8,
	  "algorithm 'sha384' cannot be used in an ESP proposal" },
	{ "ESP with PRF", HEAD CHILD "    esp_proposals = aes128gcm16-prfsha256\n" CHILD_END TAIL, 8,
	  "cannot be used in an ESP proposal" },
	{ "AH with cipher", HEAD CHILD "    ah_proposals = aes128-sha256\n" CHILD_END TAIL, 8,
	  "algorithm 'aes128' cannot be used in an AH proposal" },
	{ "AH and ESP", HEAD CHILD "    ah_proposals = sha256\n    esp_proposals = aes128gcm16\n"
	  CHILD_END TAIL, 9, "use either esp_proposals or ah_proposals" },
	{ "duplicate key in local", "connections {\n site {\n  local_addrs = 192.0.2.1\n"
	  "  local {\n   auth = psk\n   auth = psk\n  }\n }\n}\n", 6,
	  "duplicate key 'auth' in local section of connection 'site' (first at line 5)" },
	{ "section in local", "connections {\n site {\n  local_addrs = 192.0.2.1\n"
	  "  local {\n   id {\n   }\n  }\n }\n}\n", 5,
	  "'id' in local section of connection 'site' is a key, not a section" },
	{ "unknown section in remote", "connections {\n site {\n  local_addrs = 192.0.2.1\n"
	  "  remote {\n   certx {\n   }\n  }\n }\n}\n", 5,
	  "section 'certx' of remote section of connection 'site' has no file" },
	{ "unknown section in remote 2", "connections {\n site {\n  local_addrs = 192.0.2.1\n"
	  "  remote {\n   peer {\n   }\n  }\n }\n}\n", 5,
	  "unknown section 'peer' in remote section of connection 'site'" },
	{ "ESP and AH", HEAD CHILD "    esp_proposals = aes128gcm16\n    ah_proposals = sha256\n"
	  CHILD_END TAIL, 9, "use either esp_proposals or ah_proposals" },
	{ "IKE null", HEAD "  proposals = null-sha256-x25519\n" TAIL, 6,
	  "cannot be used in an IKE proposal" },
	{ "version 1", HEAD "  version = 1\n" TAIL, 6, "only IKEv2 is supported" },
	{ "port 0", HEAD "  local_port = 0\n" TAIL, 6, "a port 1..65535" },
	{ "port too big", HEAD "  remote_port = 65536\n" TAIL, 6, "bad value '65536'" },
	{ "bad bool", HEAD "  encap = maybe\n" TAIL, 6, "yes or no" },
	{ "start needs remote address",
	  HEAD CHILD "    start_action = start\n" CHILD_END TAIL, 8,
	  "start_action = start in child 'net' of connection 'site' needs a remote_addrs address" },
	{ "bad mode", HEAD CHILD "    mode = beet\n" CHILD_END TAIL, 8,
	  "mode in child 'net' of connection 'site': bad value 'beet' (tunnel or transport)" },
	{ "bad start_action", HEAD CHILD "    start_action = route\n" CHILD_END TAIL, 8,
	  "none, start or trap" },
	{ "bad dpd_action", HEAD CHILD "    dpd_action = hold\n" CHILD_END TAIL, 8,
	  "clear, restart or none" },
	{ "family mismatch", HEAD "  remote_addrs = 2001:db8::2\n" TAIL, 6,
	  "address family differs from local_addrs" },
	{ "bad prefix length", HEAD CHILD "    local_ts = 10.0.0.0/33\n" CHILD_END TAIL, 8,
	  "local_ts in child 'net' of connection 'site': bad prefix length in '10.0.0.0/33'" },
	{ "port without protocol", HEAD CHILD "    remote_ts = 10.0.0.0/8[/80]\n" CHILD_END TAIL, 8,
	  "a port needs tcp, udp" },
	{ "bad ts bracket", HEAD CHILD "    remote_ts = 10.0.0.0/8[tcp/80\n" CHILD_END TAIL, 8,
	  "bad traffic selector" },
	{ "ts range", HEAD CHILD "    remote_ts = 10.0.0.1-10.0.0.9\n" CHILD_END TAIL, 8,
	  "address ranges are not supported" },
	{ "bad port range", HEAD CHILD "    remote_ts = 10.0.0.0/8[tcp/90-80]\n" CHILD_END TAIL, 8,
	  "bad port" },
	{ "unknown protocol", HEAD CHILD "    remote_ts = 10.0.0.0/8[foo]\n" CHILD_END TAIL, 8,
	  "unknown protocol 'foo'" },
	{ "life <= rekey",
	  HEAD CHILD "    rekey_time = 1h\n    life_time = 30m\n" CHILD_END TAIL, 9,
	  "life_time (1800) in child 'net' of connection 'site' must be greater than rekey_time (3600)" },
	{ "rand >= rekey", HEAD CHILD "    rand_time = 2h\n" CHILD_END TAIL, 8,
	  "rand_time (7200) in child 'net' of connection 'site' must be less than rekey_time (3600)" },
	{ "life_bytes <= rekey_bytes",
	  HEAD CHILD "    rekey_bytes = 1000\n    life_bytes = 1000\n" CHILD_END TAIL, 9,
	  "life_bytes (1000) in child 'net' of connection 'site' must be greater than rekey_bytes (1000)" },
	{ "missing value", HEAD "  rekey_time =\n" TAIL, 6, "missing value for 'rekey_time'" },
	{ "value after comma missing", HEAD "  proposals = default,\n" TAIL, 7,
	  "expected a value after ',' in 'proposals', got '}'" },
	{ "two words", HEAD "  proposals = aes128 sha256\n" TAIL, 6,
	  "unexpected word after the value of 'proposals'" },
	{ "one value only", HEAD "  rekey_time = 1h, 2h\n" TAIL, 6,
	  "'rekey_time' in connection 'site' takes one value, got 2" },
	{ "unexpected brace", "}\n", 1, "unexpected '}' (no section to close)" },
	{ "name then junk", "connections\nfoo\n", 1,
	  "expected '{' or '=' after 'connections'" },
	{ "quoted name", "\"connections\" {\n}\n", 1, "expected a name, got a quoted string" },
	{ "bad name", "conn@ctions {\n}\n", 1, "invalid name 'conn@ctions'" },
	{ "key as section", HEAD "  local_addrs {\n  }\n" TAIL, 6,
	  "'local_addrs' in connection 'site' is a key, not a section" },
	{ "section as key", HEAD "  children = net\n" TAIL, 6,
	  "'children' in connection 'site' is a section, not a key" },
	{ "swanctl key not supported", HEAD "  reauth_time = 1h\n" TAIL, 6,
	  "key 'reauth_time' in connection 'site' is not supported by xdpsec" },
	{ "child key unknown", HEAD CHILD "    esp_proposal = aes128gcm16\n" CHILD_END TAIL, 8,
	  "unknown key 'esp_proposal' in child 'net' of connection 'site'" },
	{ "key in children", HEAD "  children {\n   mode = tunnel\n  }\n" TAIL, 7,
	  "unexpected key 'mode' in children of connection 'site'" },
	{ "key in connections", "connections {\n\n  site = 1\n}\n", 3,
	  "unexpected key 'site' in section 'connections'" },
	{ "unknown escape", "a = \"x\\qy\"\n", 1, "unknown escape in string" },
	{ "control byte", "a = b\x01\n", 1, "invalid byte 0x01" },
	{ "name too long",
	  "connections {\n 0123456789012345678901234567890123456789012345678901234567890123 {\n }\n}\n",
	  2, "longer than 63 bytes" },
	{ "no local_addrs", "connections {\n site {\n  local { auth = psk }\n }\n}\n", 2,
	  "connection 'site' has no local_addrs" },
	{ "no remote section",
	  "connections {\n site {\n  local_addrs = 192.0.2.1\n  local { auth = psk }\n }\n}\n", 2,
	  "has no remote section" },
	{ "no auth: pubkey without certificate",
	  "connections {\n site {\n  local_addrs = 192.0.2.1\n  local {\n"
	  "   id = moon\n  }\n  remote { auth = psk }\n }\n}\n", 2,
	  "local section of connection 'site' uses auth = pubkey but has no certificate" },
	{ "auth pubkey without CA", "connections {\n site {\n  local_addrs = 192.0.2.1\n  local {\n"
	  "   auth = psk\n  }\n  remote {\n   auth = pubkey\n  }\n }\n}\n"
	  "secrets {\n ike { secret = x }\n}\n", 2,
	  "remote section of connection 'site' uses auth = pubkey but no CA certificate is loaded" },
	{ "auth eap", "connections {\n site {\n  local_addrs = 192.0.2.1\n  local {\n"
	  "   auth = eap-mschapv2\n  }\n }\n}\n", 5,
	  "'eap-mschapv2' is not supported by xdpsec (psk or pubkey)" },
	{ "auth constraint", "connections {\n site {\n  local_addrs = 192.0.2.1\n  local {\n"
	  "   auth = rsa-sha1\n  }\n }\n}\n", 5, "auth in local section of connection 'site': bad value 'rsa-sha1'" },
	{ "certs with psk", "connections {\n site {\n  local_addrs = 192.0.2.1\n  local {\n"
	  "   auth = psk\n   certs = /nonexistent/moon.pem\n  }\n }\n}\n", 6,
	  "/nonexistent/moon.pem: cannot read it: No such file or directory" },
	{ "missing cert", "connections {\n site {\n  local_addrs = 192.0.2.1\n  local {\n"
	  "   certs = moon.pem\n  }\n }\n}\n", 5,
	  "/nonexistent-base/x509/moon.pem: cannot read it" },
	{ "cacerts in local", "connections {\n site {\n  local_addrs = 192.0.2.1\n  local {\n"
	  "   cacerts = ca.pem\n  }\n }\n}\n", 5,
	  "unknown key 'cacerts' in local section" },
	{ "bad revocation", "connections {\n site {\n  local_addrs = 192.0.2.1\n  remote {\n"
	  "   revocation = sometimes\n  }\n }\n}\n", 5, "strict, ifuri or relaxed" },
	{ "bad send_cert", HEAD "  send_cert = maybe\n" TAIL, 6, "ifasked, always or never" },
	{ "bad fragmentation", HEAD "  fragmentation = sometimes\n" TAIL, 6,
	  "yes, accept, force or no" },
	{ "http CRL", "authorities {\n ca {\n  crl_uris = http://ca.example.org/ca.crl\n }\n}\n", 3,
	  "is not a file:// URI (xdpsec fetches no CRLs" },
	{ "ocsp", "authorities {\n ca {\n  ocsp_uris = http://ocsp\n }\n}\n", 3,
	  "key 'ocsp_uris' in authority 'ca' is not supported" },
	{ "authority without cacert", "authorities {\n ca {\n }\n}\n", 2,
	  "authority 'ca' has no cacert" },
	{ "key secret without file", "secrets {\n private-x {\n  secret = pw\n }\n}\n", 2,
	  "secret 'private-x' needs file = NAME (in private/)" },
	{ "second local round",
	  HEAD "  local-2 { auth = psk }\n" TAIL, 6,
	  "second local authentication round 'local-2'" },
	{ "bad DN identity", "connections {\n site {\n  local_addrs = 192.0.2.1\n  local {\n"
	  "   auth = psk\n   id = \"C=CH, Q=x, CN=moon\"\n  }\n }\n}\n", 6,
	  "unknown RDN type 'Q'" },
	{ "unquoted key id", "connections {\n site {\n  local_addrs = 192.0.2.1\n  local {\n"
	  "   auth = psk\n   id = @#0a0b\n  }\n }\n}\n", 6, "empty identity" },
	{ "bad key id hex", "connections {\n site {\n  local_addrs = 192.0.2.1\n  local {\n"
	  "   auth = psk\n   id = \"@#0a0\"\n  }\n }\n}\n", 6, "bad hex identity data" },
	{ "no secret", HEAD " }\n}\n", 2,
	  "no secret for local id '192.0.2.1' and remote id '%any' in connection 'site'" },
	{ "no secret for these ids",
	  "connections {\n site {\n  local_addrs = 192.0.2.1\n  local { auth = psk }\n"
	  "  remote { auth = psk\n   id = sun }\n }\n}\n"
	  "secrets {\n ike { id = moon\n  secret = x }\n}\n", 2,
	  "no secret for local id '192.0.2.1' and remote id 'sun' in connection 'site'" },
	{ "secret without value", HEAD " }\n}\nsecrets {\n ike { id = moon }\n}\n", 9,
	  "secret 'ike' has no secret = ..." },
	{ "secret type eap", "secrets {\n eap-x {\n }\n}\n", 2,
	  "secret type 'eap-x' is not supported by xdpsec" },
	{ "bad hex secret", HEAD TAIL "secrets {\n ike-2 { secret = 0x123 }\n}\n", 11,
	  "duplicate section 'secrets'" },
	{ "bad hex secret 2",
	  HEAD " }\n}\nsecrets {\n ike {\n  secret = 0x123\n }\n}\n", 10, "bad hex secret" },
	{ "bad base64 secret",
	  HEAD " }\n}\nsecrets {\n ike {\n  secret = 0sabc\n }\n}\n", 10, "bad base64 secret" },
	{ "empty secret", HEAD " }\n}\nsecrets {\n ike {\n  secret = \"\"\n }\n}\n", 10,
	  "empty secret" },
	{ "empty file", "", 0, NULL },  /* valid: nothing configured */
};

static void test_bad_files(void **state)
{
	char err[IKE_CONF_ERR_MAX], want[64];
	struct ike_config cfg;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad_rows); i++) {
		const struct bad_row *r = &bad_rows[i];
		int ret;

		memset(&cfg, 0x5a, sizeof(cfg));
		ret = ike_config_load_buf("bad.conf", r->text, strlen(r->text),
					  "/nonexistent-base", &cfg, err,
					  sizeof(err));
		if (!r->msg) {
			if (ret)
				fail_msg("row %zu (%s): %d %s", i, r->what, ret, err);
			ike_config_free(&cfg);
			continue;
		}
		if (ret != -EINVAL)
			fail_msg("row %zu (%s): ret %d, want -EINVAL", i, r->what, ret);
		if (r->line)
			snprintf(want, sizeof(want), "bad.conf:%u: ", r->line);
		else
			snprintf(want, sizeof(want), "bad.conf: ");
		if (strncmp(err, want, strlen(want)) || !strstr(err, r->msg))
			fail_msg("row %zu (%s): got \"%s\", want \"%s...%s\"", i,
				 r->what, err, want, r->msg);
		if (!all_zero(&cfg, sizeof(cfg)))
			fail_msg("row %zu (%s): config not zeroed on failure", i,
				 r->what);
		ike_config_free(&cfg);  /* harmless on the zeroed struct */
	}
}

static void test_nul_byte(void **state)
{
	static const char text[] = "connections {\n\n  si\0te {\n";
	char err[IKE_CONF_ERR_MAX];
	struct ike_config cfg;

	(void)state;
	assert_int_equal(ike_config_load_buf("nul.conf", text, sizeof(text) - 1,
					     NULL, &cfg, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "nul.conf:3: invalid byte 0x00");
}

/* ---------------------------------------------------------- limits */

/* head, then n times pre[i]post (i in decimal when idx), then tail. */
static char *repeat(const char *head, const char *pre, bool idx,
		    const char *post, size_t n, const char *tail, size_t *len)
{
	size_t cap = strlen(head) + strlen(tail) +
		     n * (strlen(pre) + strlen(post) + 24) + 1;
	char *buf = malloc(cap);
	size_t o;

	assert_non_null(buf);
	o = (size_t)snprintf(buf, cap, "%s", head);
	for (size_t i = 0; i < n; i++) {
		if (idx)
			o += (size_t)snprintf(buf + o, cap - o, "%s%zu%s", pre, i, post);
		else
			o += (size_t)snprintf(buf + o, cap - o, "%s%s", pre, post);
	}
	o += (size_t)snprintf(buf + o, cap - o, "%s", tail);
	*len = o;
	return buf;
}

static void expect_error(const char *text, size_t len, const char *want)
{
	char err[IKE_CONF_ERR_MAX];
	struct ike_config cfg;
	int ret;

	ret = ike_config_load_buf("lim.conf", text, len, NULL, &cfg, err,
				  sizeof(err));
	if (ret != -EINVAL || strcmp(err, want))
		fail_msg("got %d \"%s\", want \"%s\"", ret, err, want);
	assert_true(all_zero(&cfg, sizeof(cfg)));
}

static void test_limits(void **state)
{
	char err[IKE_CONF_ERR_MAX], path[128];
	struct ike_config cfg;
	size_t len;
	char *text;

	(void)state;
	/* 64 connections load, the 65th (line 2 + 64) does not. */
	text = repeat("connections {\n", " c", true,
		      " { local_addrs = 192.0.2.1\n local { auth = psk }\n remote { auth = psk } }\n",
		      IKE_CONF_CONNS_MAX, "}\nsecrets { ike { secret = x } }\n", &len);
	assert_int_equal(ike_config_load_buf("lim.conf", text, len, NULL, &cfg,
					     err, sizeof(err)), 0);
	assert_int_equal(cfg.n_conns, IKE_CONF_CONNS_MAX);
	ike_config_free(&cfg);
	free(text);
	text = repeat("connections {\n", " c", true, " {\n }\n", IKE_CONF_CONNS_MAX + 1,
		      "}\n", &len);
	expect_error(text, len, "lim.conf:130: more than 64 connections");
	free(text);

	/* 17 children */
	text = repeat(HEAD "  children {\n", "   c", true, " { }\n",
		      IKE_CONF_CHILDREN_MAX + 1, "  }\n" TAIL, &len);
	expect_error(text, len, "lim.conf:23: more than 16 children in connection 'site'");
	free(text);

	/* 257 secrets */
	text = repeat("secrets {\n", " ike", true, " { secret = x }\n",
		      IKE_CONF_SECRETS_MAX + 1, "}\n", &len);
	expect_error(text, len, "lim.conf:258: more than 256 secrets");
	free(text);

	/* 9 ids in one secret */
	text = repeat("secrets {\n ike {\n", "  id", true, " = moon\n",
		      IKE_CONF_SECRET_IDS_MAX + 1, " }\n}\n", &len);
	expect_error(text, len, "lim.conf:11: more than 8 ids in secret 'ike'");
	free(text);

	/* 17 proposals */
	text = repeat(HEAD "  proposals = x25519-aes128-sha256", ",aes128-sha256-x25519", false, "",
		      IKE_CONF_PROPOSALS_MAX, "\n" TAIL, &len);
	expect_error(text, len, "lim.conf:6: proposals in connection 'site': more than 16 proposals");
	free(text);

	/* 17 traffic selectors */
	text = repeat(HEAD CHILD "    local_ts = 10.0.0.0/8", ",10.", true, ".0.0/16",
		      IKE_CONF_TS_MAX, "\n" CHILD_END TAIL, &len);
	expect_error(text, len, "lim.conf:8: local_ts in child 'net' of connection 'site': more than 16 traffic selectors");
	free(text);

	/* 65 values for one key */
	text = repeat("k = 0", ",", true, "", IKE_CONF_LIST_MAX, "\n", &len);
	expect_error(text, len, "lim.conf:1: more than 64 values for 'k'");
	free(text);

	/* 20001 entries */
	text = repeat("", "k", true, " = 1\n", IKE_CONF_NODES_MAX + 1, "", &len);
	expect_error(text, len, "lim.conf:20001: more than 20000 entries in the file");
	free(text);

	/* a value of 1024 bytes is fine, 1025 is not */
	text = repeat("k = \"", "x", false, "", IKE_CONF_STR_MAX + 1, "\"\n", &len);
	expect_error(text, len, "lim.conf:1: string longer than 1024 bytes");
	free(text);
	text = repeat("k = ", "x", false, "", IKE_CONF_STR_MAX + 1, "\n", &len);
	expect_error(text, len, "lim.conf:1: word longer than 1024 bytes");
	free(text);
	text = repeat("k = ", "x", false, "", IKE_CONF_STR_MAX, "\n", &len);
	expect_error(text, len, "lim.conf:1: unknown key 'k' in the top level");
	free(text);

	/* a PSK of 256 bytes is fine, 257 is not */
	text = repeat(HEAD " }\n}\nsecrets {\n ike {\n  secret = 0x", "00", false, "",
		      IKE_CONF_PSK_MAX, "\n }\n}\n", &len);
	assert_int_equal(ike_config_load_buf("lim.conf", text, len, NULL, &cfg,
					     err, sizeof(err)), 0);
	assert_int_equal(cfg.secrets[0].len, IKE_CONF_PSK_MAX);
	ike_config_free(&cfg);
	free(text);
	text = repeat(HEAD " }\n}\nsecrets {\n ike {\n  secret = ", "a", false, "",
		      IKE_CONF_PSK_MAX + 1, "\n }\n}\n", &len);
	expect_error(text, len, "lim.conf:10: secret in secret 'ike': secret longer than 256 bytes");
	free(text);

	/* A secret file over 4096 bytes. */
	snprintf(path, sizeof(path), "%s/psk-big.txt", tmpdir);
	text = calloc(1, IKE_CONF_PSK_FILE_MAX + 1);
	assert_non_null(text);
	memset(text, 'a', IKE_CONF_PSK_FILE_MAX + 1);
	write_file(path, text, IKE_CONF_PSK_FILE_MAX + 1);
	free(text);
	text = repeat(HEAD " }\n}\nsecrets {\n ike {\n  secret = file:psk-big.txt", "", false, "",
		      0, "\n }\n}\n", &len);
	assert_int_equal(ike_config_load_buf("lim.conf", text, len, tmpdir, &cfg,
					     err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "lim.conf:10: secret in secret 'ike': cannot read secret file"));
	assert_non_null(strstr(err, "file too large"));
	free(text);
}

static void test_huge_file(void **state)
{
	char err[IKE_CONF_ERR_MAX], path[128];
	struct ike_config cfg;
	char *text;

	(void)state;
	/* Exactly the limit: a file of comments, which loads (empty). */
	text = malloc(IKE_CONF_FILE_MAX + 1);
	assert_non_null(text);
	for (size_t i = 0; i < IKE_CONF_FILE_MAX + 1; i++)
		text[i] = i % 64 == 63 ? '\n' : (i % 64 ? 'x' : '#');
	assert_int_equal(ike_config_load_buf("huge.conf", text, IKE_CONF_FILE_MAX,
					     NULL, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.n_conns, 0);
	snprintf(path, sizeof(path), "%s/exact.conf", tmpdir);
	write_file(path, text, IKE_CONF_FILE_MAX);
	assert_int_equal(ike_config_load(path, &cfg, err, sizeof(err)), 0);
	ike_config_free(&cfg);

	/* One byte more. */
	assert_int_equal(ike_config_load_buf("huge.conf", text, IKE_CONF_FILE_MAX + 1,
					     NULL, &cfg, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "huge.conf: file too large (1048577 bytes, max 1048576)");
	snprintf(path, sizeof(path), "%s/big.conf", tmpdir);
	write_file(path, text, IKE_CONF_FILE_MAX + 1);
	assert_int_equal(ike_config_load(path, &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "big.conf: file too large"));
	assert_true(all_zero(&cfg, sizeof(cfg)));
	free(text);

	/* Missing file, a directory. */
	assert_int_equal(ike_config_load("/nonexistent/x.conf", &cfg, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "/nonexistent/x.conf: No such file or directory");
	assert_int_equal(ike_config_load(tmpdir, &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ": not a regular file"));
	/* No error buffer at all is fine. */
	assert_int_equal(ike_config_load("/nonexistent/x.conf", &cfg, NULL, 0), -EINVAL);
}

/* A secret's value never shows up in a message. */
static void test_secrets_not_in_messages(void **state)
{
	static const char *const rows[] = {
		HEAD " }\n}\nsecrets {\n ike {\n  secret = 0xTOPSECRETVALUE\n }\n}\n",
		HEAD " }\n}\nsecrets {\n ike {\n  secret = 0sTOPSECRETVALUE\n }\n}\n",
		HEAD " }\n}\nsecrets {\n ike {\n  secret = TOPSECRETVALUE, TOPSECRETVALUE\n }\n}\n",
		HEAD " }\n}\nsecrets {\n ike {\n  secret = TOPSECRETVALUE\n  secret = TOPSECRETVALUE\n }\n}\n",
		HEAD " }\n}\nsecrets {\n ike {\n  secret = TOPSECRETVALUE TOPSECRETVALUE\n }\n}\n",
	};
	char err[IKE_CONF_ERR_MAX];
	struct ike_config cfg;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		assert_int_equal(ike_config_load_buf("s.conf", rows[i], strlen(rows[i]),
						     NULL, &cfg, err, sizeof(err)),
				 -EINVAL);
		assert_true(err[0] != '\0');
		if (strstr(err, "TOPSECRET"))
			fail_msg("row %zu leaks the secret: %s", i, err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_huge_file),
		cmocka_unit_test(test_secrets_not_in_messages),
	};

	return cmocka_run_group_tests(tests, setup_tmpdir, teardown_tmpdir);
}
