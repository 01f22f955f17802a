// SPDX-License-Identifier: GPL-2.0-only
/*
 * A strongSwan user's swanctl directory, made at run time: swanctl.conf
 * beside x509/, x509ca/, x509crl/, private/, rsa/, ecdsa/, pkcs8/ with
 * PEM and DER files, PKCS#1, SEC1, PKCS#8 and encrypted PKCS#8 keys whose
 * passphrases come from secrets private-NAME / pkcs8-NAME, an
 * authorities section with a file:// CRL, and auth = pubkey rounds. The
 * directory loads into the expected structs; each way it can be wrong is
 * refused with a message naming the file or the line. The certificate
 * site-to-site example of ike/examples/ loads once its PKI is there.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <openssl/crypto.h>

#include "pki.h"
#include "pki_util.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static EVP_PKEY *root_key, *im_key, *moon_key, *sun_key, *ec_key, *ed_key;
static X509 *root, *im, *moon, *sun, *moon_ec, *moon_ed;
static X509_CRL *im_crl;

static int setup(void **state)
{
	long revoked[] = { 99 };

	(void)state;
	root_key = tkey("EC", 256);
	im_key = tkey("EC", 256);
	moon_key = tkey("RSA", 2048);
	sun_key = tkey("RSA", 2048);
	ec_key = tkey("EC", 384);
	ed_key = tkey("ED25519", 0);
	root = tcert(root_key, &(struct tcert_opts){
		.subject = "/C=CH/O=xdpsec test/CN=Root CA", .ca = true });
	im = tcert(im_key, &(struct tcert_opts){
		.subject = "/C=CH/O=xdpsec test/CN=Intermediate CA", .ca = true,
		.issuer = root, .issuer_key = root_key, .serial = 2 });
	moon = tcert(moon_key, &(struct tcert_opts){
		.subject = "/C=CH/O=xdpsec test/CN=moon.example.org",
		.issuer = im, .issuer_key = im_key, .serial = 10,
		.san = "DNS:moon.example.org,IP:192.0.2.1" });
	sun = tcert(sun_key, &(struct tcert_opts){
		.subject = "/C=CH/O=xdpsec test/CN=sun.example.org",
		.issuer = im, .issuer_key = im_key, .serial = 11,
		.san = "DNS:sun.example.org" });
	moon_ec = tcert(ec_key, &(struct tcert_opts){
		.subject = "/C=CH/O=xdpsec test/CN=moon-ec",
		.issuer = im, .issuer_key = im_key, .serial = 12,
		.san = "DNS:moon-ec.example.org" });
	moon_ed = tcert(ed_key, &(struct tcert_opts){
		.subject = "/C=CH/O=xdpsec test/CN=moon-ed",
		.issuer = im, .issuer_key = im_key, .serial = 13,
		.san = "email:moon@example.org" });
	im_crl = tcrl(im, im_key, revoked, 1, 86400);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	X509_free(root);
	X509_free(im);
	X509_free(moon);
	X509_free(sun);
	X509_free(moon_ec);
	X509_free(moon_ed);
	X509_CRL_free(im_crl);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(im_key);
	EVP_PKEY_free(moon_key);
	EVP_PKEY_free(sun_key);
	EVP_PKEY_free(ec_key);
	EVP_PKEY_free(ed_key);
	return 0;
}

/* The swanctl directory: every folder, every file form. */
static char *make_dir(void)
{
	char *d = tdir();
	static const char *const dirs[] = {
		"x509", "x509ca", "x509crl", "private", "rsa", "ecdsa", "pkcs8",
	};

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		tmkdir(d, dirs[i]);
	twrite_cert(d, "x509ca/rootCert.pem", root, false);
	twrite_cert(d, "x509ca/imCert.der", im, true);
	twrite_cert(d, "x509/moonCert.pem", moon, false);
	twrite_cert(d, "x509/moonEcCert.der", moon_ec, true);
	twrite_cert(d, "x509/moonEdCert.pem", moon_ed, false);
	twrite_crl(d, "x509crl/im.crl", im_crl, true);
	/* encrypted PKCS#8 (PEM) in private/, its passphrase in secrets */
	twrite_key(d, "private/moonKey.pem", moon_key, "PEM",
		   "EncryptedPrivateKeyInfo", "s3cret pass");
	/* SEC1 in ecdsa/, PKCS#1 DER in rsa/, encrypted PKCS#8 DER in pkcs8/ */
	twrite_key(d, "ecdsa/moonEcKey.pem", ec_key, "PEM", "type-specific", NULL);
	twrite_key(d, "rsa/sunKey.der", sun_key, "DER", "type-specific", NULL);
	twrite_key(d, "pkcs8/moonEdKey.der", ed_key, "DER",
		   "EncryptedPrivateKeyInfo", "other");
	return d;
}

static const char conf_text[] =
	"connections {\n"
	"    moon-sun {\n"
	"        local_addrs = 192.0.2.1\n"
	"        remote_addrs = 192.0.2.2\n"
	"        send_cert = always\n"
	"        send_certreq = no\n"
	"        fragmentation = accept\n"
	"        local {\n"
	"            auth = pubkey\n"
	"            certs = moonCert.pem\n"
	"            id = moon.example.org\n"
	"        }\n"
	"        remote {\n"
	"            auth = rsa-2048-sha256-sha384\n"
	"            id = sun.example.org\n"
	"            cacerts = rootCert.pem\n"
	"            revocation = strict\n"
	"        }\n"
	"    }\n"
	"    ec {\n"
	"        local_addrs = 192.0.2.1\n"
	"        local {\n"
	"            certs = moonEcCert.der\n"       /* auth defaults to pubkey */
	"        }\n"
	"        remote {\n"
	"            id = \"C=CH, O=xdpsec test, CN=*\"\n"
	"            cacert-1 { file = %s/x509ca/imCert.der }\n"
	"        }\n"
	"    }\n"
	"    ed {\n"
	"        local_addrs = 192.0.2.1\n"
	"        local {\n"
	"            auth = ike:ed25519\n"
	"            id = moon@example.org\n"      /* picks the cert by id */
	"        }\n"
	"        remote { auth = ecdsa-384 }\n"
	"    }\n"
	"}\n"
	"secrets {\n"
	"    private-moon { file = moonKey.pem\n secret = \"s3cret pass\" }\n"
	"    pkcs8-ed { file = moonEdKey.der\n secret = other }\n"
	"}\n"
	"authorities {\n"
	"    root {\n"
	"        cacert = rootCert.pem\n"
	"        crl_uris = file://%s/x509crl/im.crl\n"
	"    }\n"
	"}\n";

static int load_conf(const char *dir, const char *text, struct ike_config *cfg,
		     char *err, size_t errlen)
{
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/swanctl.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	/* every "%s" of the text is the directory */
	for (const char *t = text; *t; t++) {
		if (t[0] == '%' && t[1] == 's') {
			fputs(dir, f);
			t++;
		} else {
			fputc(*t, f);
		}
	}
	fclose(f);
	return ike_config_load(path, cfg, err, errlen);
}

static const struct ike_pki_cert *cert_at(const struct ike_config *cfg,
					  uint16_t idx)
{
	assert_true(idx < cfg->pki->n_certs);
	return &cfg->pki->certs[idx];
}

static void test_swanctl_dir(void **state)
{
	char *dir = make_dir(), err[IKE_CONF_ERR_MAX], buf[128];
	const struct ike_conf_conn *c;
	struct ike_config cfg;
	struct ike_conf_id want;
	(void)state;

	if (load_conf(dir, conf_text, &cfg, err, sizeof(err)))
		fail_msg("%s", err);
	assert_non_null(cfg.pki);
	assert_int_equal(cfg.pki->n_certs, 5);
	assert_int_equal(cfg.pki->n_keys, 4);
	assert_int_equal(cfg.pki->n_crls, 1);   /* folder and URI: one file */
	assert_int_equal(cfg.n_secrets, 0);     /* no PSKs */

	c = ike_config_find_conn(&cfg, "moon-sun");
	assert_non_null(c);
	assert_int_equal(c->send_cert, IKE_CONF_SEND_CERT_ALWAYS);
	assert_false(c->send_certreq);
	assert_int_equal(c->fragmentation, IKE_CONF_FRAG_ACCEPT);
	assert_int_equal(c->local.method, IKE_CONF_AUTH_PUBKEY);
	assert_int_equal(c->local.n_certs, 1);
	assert_non_null(strstr(cert_at(&cfg, c->local.certs[0])->path,
			       "/x509/moonCert.pem"));
	assert_true(cert_at(&cfg, c->local.certs[0])->key >= 0);
	assert_int_equal(c->local.id.type, IKE_ID_FQDN);
	assert_int_equal(c->remote.method, IKE_CONF_AUTH_PUBKEY);
	assert_int_equal(c->remote.key_types, IKE_CONF_KEY_RSA);
	assert_int_equal(c->remote.rsa_bits, 2048);
	assert_int_equal(c->remote.hashes, (1u << IKE_HASH_SHA2_256) |
					   (1u << IKE_HASH_SHA2_384));
	assert_int_equal(c->remote.revocation, IKE_CONF_REVOCATION_STRICT);
	assert_int_equal(c->remote.n_cacerts, 1);
	assert_true(cert_at(&cfg, c->remote.cacerts[0])->ca);
	assert_non_null(strstr(cert_at(&cfg, c->remote.cacerts[0])->path,
			       "/x509ca/rootCert.pem"));

	/* no id: the certificate's subject (swanctl); defaults of the
	 * connection keys */
	c = ike_config_find_conn(&cfg, "ec");
	assert_non_null(c);
	assert_int_equal(c->send_cert, IKE_CONF_SEND_CERT_IFASKED);
	assert_true(c->send_certreq);
	assert_int_equal(c->fragmentation, IKE_CONF_FRAG_YES);
	assert_int_equal(c->local.method, IKE_CONF_AUTH_PUBKEY);
	assert_int_equal(c->local.key_types, IKE_CONF_KEY_ANY);
	assert_int_equal(c->local.id.type, IKE_ID_DER_ASN1_DN);
	assert_string_equal(ike_conf_id_str(&c->local.id, buf, sizeof(buf)),
			    "C=CH, O=xdpsec test, CN=moon-ec");
	assert_int_equal(ike_cert_subject_id(moon_ec, &want), 0);
	assert_int_equal(c->local.id.len, want.len);
	assert_memory_equal(c->local.id.data, want.data, want.len);
	assert_int_equal(c->remote.revocation, IKE_CONF_REVOCATION_RELAXED);
	assert_int_equal(c->remote.n_cacerts, 1);
	assert_non_null(strstr(cert_at(&cfg, c->remote.cacerts[0])->path,
			       "/x509ca/imCert.der"));
	assert_int_equal(c->remote.id.type, IKE_ID_DER_ASN1_DN);

	/* the Ed25519 certificate found by its rfc822Name */
	c = ike_config_find_conn(&cfg, "ed");
	assert_non_null(c);
	assert_int_equal(c->local.key_types, IKE_CONF_KEY_ED25519);
	assert_int_equal(c->local.n_certs, 1);
	assert_non_null(strstr(cert_at(&cfg, c->local.certs[0])->path,
			       "/x509/moonEdCert.pem"));
	assert_int_equal(c->remote.key_types, IKE_CONF_KEY_ECDSA);
	assert_int_equal(c->remote.ecdsa_bits, 384);

	/* sun's key (rsa/) has no certificate here; nothing uses it */
	ike_config_free(&cfg);
	assert_null(cfg.pki);
	trmdir(dir);
}

struct bad_case {
	const char *what;
	void (*mutate)(const char *dir);
	const char *conf;       /* NULL: conf_text */
	const char *msg;
};

static void rm(const char *dir, const char *name)
{
	char p[4200];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_int_equal(unlink(p), 0);
}

static void wrong_pass(const char *dir)
{
	rm(dir, "private/moonKey.pem");
	twrite_key(dir, "private/moonKey.pem", moon_key, "PEM",
		   "EncryptedPrivateKeyInfo", "another pass");
}

static void no_key(const char *dir)
{
	rm(dir, "private/moonKey.pem");
}

static void ec_in_rsa(const char *dir)
{
	twrite_key(dir, "rsa/wrong.pem", ec_key, "PEM", "PrivateKeyInfo", NULL);
}

static void junk_cert(const char *dir)
{
	char p[4200];
	FILE *f;

	snprintf(p, sizeof(p), "%s/x509/zz.pem", dir);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", f);
	fclose(f);
}

static void two_certs(const char *dir)
{
	char p[4200];
	BIO *b;

	snprintf(p, sizeof(p), "%s/x509ca/bundle.pem", dir);
	b = BIO_new_file(p, "w");
	assert_non_null(b);
	assert_int_equal(PEM_write_bio_X509(b, root), 1);
	assert_int_equal(PEM_write_bio_X509(b, im), 1);
	BIO_free(b);
}

static void pkcs12_dir(const char *dir)
{
	tmkdir(dir, "pkcs12");
	twrite_cert(dir, "pkcs12/x.p12", root, true);
}

static const struct bad_case bad[] = {
	{ "wrong passphrase", wrong_pass, NULL,
	  "/private/moonKey.pem: cannot decrypt it with the passphrase of its secret" },
	{ "no passphrase",
	  NULL,
	  "connections {\n}\nsecrets {\n pkcs8-ed { file = moonEdKey.der\n secret = other }\n}\n",
	  "/private/moonKey.pem: encrypted, and no secret gives its passphrase" },
	{ "no key for the certificate", no_key, NULL,
	  ":2: no private key for certificate" },
	{ "EC key in rsa/", ec_in_rsa, NULL,
	  "/rsa/wrong.pem: not an RSA private key" },
	{ "not a certificate", junk_cert, NULL,
	  "/x509/zz.pem: not an X.509 certificate" },
	{ "two certificates in a file", two_certs, NULL,
	  "/x509ca/bundle.pem: holds more than one certificate" },
	{ "pkcs12 folder", pkcs12_dir, NULL,
	  "folder 'pkcs12/' is not supported by xdpsec" },
	{ "id not in the certificate", NULL,
	  "connections {\n c {\n  local_addrs = 192.0.2.1\n  local {\n"
	  "   certs = moonCert.pem\n   id = sun.example.org\n  }\n"
	  "  remote { }\n }\n}\n"
	  "secrets {\n private-moon { file = moonKey.pem\n secret = \"s3cret pass\" }\n"
	  " pkcs8-ed { file = moonEdKey.der\n secret = other }\n}\n",
	  ":2: local id 'sun.example.org' of connection 'c' is not in certificate" },
	{ "key type not allowed", NULL,
	  "connections {\n c {\n  local_addrs = 192.0.2.1\n  local {\n"
	  "   auth = ecdsa\n   certs = moonCert.pem\n  }\n"
	  "  remote { }\n }\n}\n"
	  "secrets {\n private-moon { file = moonKey.pem\n secret = \"s3cret pass\" }\n"
	  " pkcs8-ed { file = moonEdKey.der\n secret = other }\n}\n",
	  "holds a key the local auth = ... does not sign with" },
	{ "missing cacert", NULL,
	  "connections {\n c {\n  local_addrs = 192.0.2.1\n  local {\n"
	  "   certs = moonCert.pem\n  }\n"
	  "  remote {\n   cacerts = nope.pem\n  }\n }\n}\n"
	  "secrets {\n private-moon { file = moonKey.pem\n secret = \"s3cret pass\" }\n"
	  " pkcs8-ed { file = moonEdKey.der\n secret = other }\n}\n",
	  ":8: ", },
	{ "CRL URI missing", NULL,
	  "authorities {\n a {\n  cacert = rootCert.pem\n  crl_uris = file:///nonexistent/x.crl\n }\n}\n"
	  "secrets {\n private-moon { file = moonKey.pem\n secret = \"s3cret pass\" }\n"
	  " pkcs8-ed { file = moonEdKey.der\n secret = other }\n}\n",
	  ":4: /nonexistent/x.crl: cannot read it" },
};

static void test_swanctl_dir_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *dir = make_dir(), err[IKE_CONF_ERR_MAX];
		struct ike_config cfg;

		if (bad[i].mutate)
			bad[i].mutate(dir);
		memset(&cfg, 0x5a, sizeof(cfg));
		if (load_conf(dir, bad[i].conf ? bad[i].conf : conf_text, &cfg,
			      err, sizeof(err)) != -EINVAL)
			fail_msg("%s: loaded", bad[i].what);
		if (!strstr(err, bad[i].msg))
			fail_msg("%s: \"%s\", want \"%s\"", bad[i].what, err,
				 bad[i].msg);
		/* never a passphrase in a message */
		assert_null(strstr(err, "s3cret"));
		assert_null(strstr(err, "other pass"));
		for (size_t k = 0; k < sizeof(cfg); k++)
			assert_int_equal(((uint8_t *)&cfg)[k], 0);
		ike_config_free(&cfg);
		trmdir(dir);
	}
}

/* ike/examples/site-to-site-cert.conf, with the PKI it names. */
static void test_example(void **state)
{
	char *dir = make_dir(), path[4200], src[4200], err[IKE_CONF_ERR_MAX];
	const char *me = __FILE__;
	const char *slash = strrchr(me, '/');
	struct ike_config cfg;
	FILE *in, *out;
	int ch;
	(void)state;

	/* the example names x509/moonCert.pem, private/moonKey.pem (its
	 * secret), x509ca/strongswanCert.pem */
	twrite_cert(dir, "x509ca/strongswanCert.pem", root, false);
	rm(dir, "pkcs8/moonEdKey.der");         /* its secret is not there */
	snprintf(src, sizeof(src), "%.*s/../../ike/examples/site-to-site-cert.conf",
		 slash ? (int)(slash - me) : 1, slash ? me : ".");
	in = fopen(src, "r");
	assert_non_null(in);
	snprintf(path, sizeof(path), "%s/swanctl.conf", dir);
	out = fopen(path, "w");
	assert_non_null(out);
	while ((ch = fgetc(in)) != EOF)
		fputc(ch, out);
	fclose(in);
	fclose(out);
	if (ike_config_load(path, &cfg, err, sizeof(err)))
		fail_msg("%s", err);
	assert_true(cfg.n_conns >= 1);
	assert_int_equal(cfg.conns[0].local.method, IKE_CONF_AUTH_PUBKEY);
	assert_int_equal(cfg.conns[0].remote.method, IKE_CONF_AUTH_PUBKEY);
	ike_config_free(&cfg);
	trmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_swanctl_dir),
		cmocka_unit_test(test_swanctl_dir_bad),
		cmocka_unit_test(test_example),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
