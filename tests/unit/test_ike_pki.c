// SPDX-License-Identifier: GPL-2.0-only
/*
 * Certificates for IKE (ike/pki_*.c, cert_id.c, auth_sig.c): identity
 * matching (RFC 4945 §3.1), chain building and every way a peer's
 * certificate is refused (expired, not yet valid, untrusted, revoked,
 * unknown revocation status under strict/ifuri, key usage, wrong
 * identity, CA constraints), CERTREQ hashes (RFC 7296 §3.7) against a
 * certificate and hash made by the openssl command line, our chain and
 * certificate choice, and RFC 7427 signatures: the AlgorithmIdentifiers
 * of RFC 7427 Appendix A / RFC 8420, round trips for every key type,
 * the classic methods, and refusals. The PKI is made at run time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "auth_sig.h"
#include "pki.h"
#include "pki_util.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------- the test PKI */

struct tpki {
	EVP_PKEY *root_key, *im_key, *other_key, *ee_key, *ec_key, *ed_key;
	X509 *root, *im, *other;
	struct ike_pki *p;
	size_t root_idx, im_idx;
};

static struct tpki T;

static int setup(void **state)
{
	(void)state;
	T.root_key = tkey("EC", 256);
	T.im_key = tkey("EC", 384);
	T.other_key = tkey("EC", 256);
	T.ee_key = tkey("RSA", 2048);
	T.ec_key = tkey("EC", 256);
	T.ed_key = tkey("ED25519", 0);
	T.root = tcert(T.root_key, &(struct tcert_opts){
		.subject = "/C=CH/O=xdpsec test/CN=Root CA", .ca = true,
		.serial = 1, .not_after = 10 * 86400 });
	T.im = tcert(T.im_key, &(struct tcert_opts){
		.subject = "/C=CH/O=xdpsec test/CN=Intermediate CA", .ca = true,
		.issuer = T.root, .issuer_key = T.root_key, .serial = 2,
		.not_after = 5 * 86400 });
	T.other = tcert(T.other_key, &(struct tcert_opts){
		.subject = "/C=CH/O=elsewhere/CN=Other CA", .ca = true,
		.serial = 3 });
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	X509_free(T.root);
	X509_free(T.im);
	X509_free(T.other);
	EVP_PKEY_free(T.root_key);
	EVP_PKEY_free(T.im_key);
	EVP_PKEY_free(T.other_key);
	EVP_PKEY_free(T.ee_key);
	EVP_PKEY_free(T.ec_key);
	EVP_PKEY_free(T.ed_key);
	return 0;
}

/* An end-entity issued by the intermediate. */
static X509 *ee(EVP_PKEY *key, const char *cn, const char *san, long serial,
		long nb, long na, const char *ku, const char *crldp)
{
	char subj[128];

	snprintf(subj, sizeof(subj), "/C=CH/O=xdpsec test/CN=%s", cn);
	return tcert(key, &(struct tcert_opts){
		.subject = subj, .issuer = T.im, .issuer_key = T.im_key,
		.serial = serial, .not_before = nb, .not_after = na,
		.san = san, .ku = ku, .crldp = crldp });
}

/* Writes certs and CRLs into a fresh directory and loads them as the
 * agent would: x509ca/ (ca[]), x509/ (own[]), x509crl/ (crls[]). */
static struct ike_pki *load(char **dir, X509 **ca, size_t nca, X509 **own,
			    size_t nown, X509_CRL **crls, size_t ncrl)
{
	struct ike_pki *p = ike_pki_new();
	char path[4200], name[32], err[200];
	size_t idx;

	*dir = tdir();
	assert_non_null(p);
	for (size_t i = 0; i < nca; i++) {
		snprintf(name, sizeof(name), "ca%zu.pem", i);
		twrite_cert(*dir, name, ca[i], i % 2);  /* PEM and DER */
		snprintf(path, sizeof(path), "%s/%s", *dir, name);
		if (ike_pki_load_cert(p, path, true, &idx, err, sizeof(err)))
			fail_msg("%s: %s", path, err);
		assert_int_equal(idx, i);
	}
	for (size_t i = 0; i < nown; i++) {
		snprintf(name, sizeof(name), "own%zu.der", i);
		twrite_cert(*dir, name, own[i], true);
		snprintf(path, sizeof(path), "%s/%s", *dir, name);
		if (ike_pki_load_cert(p, path, false, &idx, err, sizeof(err)))
			fail_msg("%s: %s", path, err);
	}
	for (size_t i = 0; i < ncrl; i++) {
		snprintf(name, sizeof(name), "crl%zu.pem", i);
		twrite_crl(*dir, name, crls[i], i % 2);
		snprintf(path, sizeof(path), "%s/%s", *dir, name);
		if (ike_pki_load_crl(p, path, err, sizeof(err)))
			fail_msg("%s: %s", path, err);
	}
	return p;
}

static struct ike_conf_id id_of(const char *s)
{
	struct ike_conf_id id;
	char err[200];

	if (ike_conf_id_parse(s, &id, err, sizeof(err)))
		fail_msg("id '%s': %s", s, err);
	return id;
}

/* Verifies [leaf, rest...] for identity id; returns the fail reason. */
static enum ike_cert_fail verify(struct ike_pki *p,
				 const struct ike_conf_auth *auth,
				 X509 **chain, unsigned int n, const char *id,
				 char *why, size_t whylen)
{
	uint8_t *der[4] = { NULL };
	const uint8_t *ders[4];
	size_t lens[4];
	struct ike_conf_id cid = id_of(id);
	enum ike_cert_fail fail = IKE_CERT_INVALID;
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	int ret;

	for (unsigned int i = 0; i < n; i++) {
		lens[i] = tder(chain[i], &der[i]);
		ders[i] = der[i];
	}
	ret = ike_pki_verify_peer(p, auth, ders, lens, n, &cid, &key, &x,
				  &fail, why, whylen);
	assert_int_equal(ret == 0, fail == IKE_CERT_OK);
	if (!ret) {
		assert_non_null(key);
		assert_non_null(x);
		/* the key is the end-entity's */
		assert_int_equal(EVP_PKEY_eq(key, X509_get0_pubkey(n ? chain[0] : x)), 1);
	} else {
		assert_null(key);
		assert_true(why[0] != '\0');
	}
	EVP_PKEY_free(key);
	X509_free(x);
	for (unsigned int i = 0; i < n; i++)
		OPENSSL_free(der[i]);
	return fail;
}

/* ------------------------------------------------------------ identity */

static void test_identity(void **state)
{
	X509 *x = ee(T.ec_key, "moon.example.org",
		     "DNS:moon.example.org,DNS:gw.example.org,IP:192.0.2.1,"
		     "IP:2001:db8::1,email:moon@example.org", 10, 0, 0, NULL, NULL);
	struct ike_conf_id id;
	static const struct {
		const char *id;
		bool ok;
	} rows[] = {
		{ "moon.example.org", true },
		{ "MOON.example.ORG", true },           /* DNS is case-blind */
		{ "gw.example.org", true },
		{ "sun.example.org", false },
		{ "example.org", false },
		{ "192.0.2.1", true },
		{ "192.0.2.2", false },
		{ "2001:db8::1", true },
		{ "2001:db8::2", false },
		{ "moon@example.org", true },
		{ "sun@example.org", false },
		{ "C=CH, O=xdpsec test, CN=moon.example.org", true },
		{ "C=ch, O=XDPSEC TEST, CN=moon.example.org", true },
		{ "C=CH, O=xdpsec test, CN=sun.example.org", false },
		{ "O=xdpsec test, CN=moon.example.org", false },
		{ "fqdn:192.0.2.1", false },            /* types must agree */
	};
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		id = id_of(rows[i].id);
		if (ike_cert_has_id(x, &id) != rows[i].ok)
			fail_msg("row %zu '%s': got %d", i, rows[i].id, !rows[i].ok);
	}
	/* RFC 4945 §3.1.2: an FQDN comes from a dNSName, never the CN */
	X509_free(x);
	x = ee(T.ec_key, "cn-only.example.org", NULL, 11, 0, 0, NULL, NULL);
	id = id_of("cn-only.example.org");
	assert_false(ike_cert_has_id(x, &id));
	/* no wildcard certificates */
	X509_free(x);
	x = ee(T.ec_key, "wild", "DNS:*.example.org", 12, 0, 0, NULL, NULL);
	id = id_of("moon.example.org");
	assert_false(ike_cert_has_id(x, &id));
	/* KEY_ID: the subjectKeyIdentifier */
	{
		const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(x);

		assert_non_null(skid);
		memset(&id, 0, sizeof(id));
		id.type = IKE_ID_KEY_ID;
		id.len = (uint16_t)ASN1_STRING_length(skid);
		memcpy(id.data, ASN1_STRING_get0_data(skid), id.len);
		assert_true(ike_cert_has_id(x, &id));
		id.data[0] ^= 1;
		assert_false(ike_cert_has_id(x, &id));
	}
	/* the subject as an identity */
	assert_int_equal(ike_cert_subject_id(x, &id), 0);
	assert_int_equal(id.type, IKE_ID_DER_ASN1_DN);
	assert_true(ike_cert_has_id(x, &id));
	{
		char buf[128];

		assert_string_equal(ike_conf_id_str(&id, buf, sizeof(buf)),
				    "C=CH, O=xdpsec test, CN=wild");
	}
	X509_free(x);
}

/* ------------------------------------------------------------- chains */

static void test_chain(void **state)
{
	struct ike_conf_auth auth = { .method = IKE_CONF_AUTH_PUBKEY,
				      .key_types = IKE_CONF_KEY_ANY };
	X509 *leaf = ee(T.ee_key, "moon", "DNS:moon.example.org", 100, 0, 0,
			"digitalSignature", NULL);
	X509 *cas[] = { T.root }, *both[] = { T.root, T.im }, *other[] = { T.other };
	X509 *chain[] = { leaf, T.im };
	char *dir, why[256];
	struct ike_pki *p;
	(void)state;

	/* root trusted, intermediate from the peer's CERT payloads */
	p = load(&dir, cas, 1, NULL, 0, NULL, 0);
	assert_int_equal(verify(p, &auth, chain, 2, "moon.example.org", why,
				sizeof(why)), IKE_CERT_OK);
	/* without the intermediate there is no path */
	assert_int_equal(verify(p, &auth, chain, 1, "moon.example.org", why,
				sizeof(why)), IKE_CERT_UNTRUSTED);
	assert_non_null(strstr(why, "does not chain to a trusted CA"));
	/* the identity must be in the certificate */
	assert_int_equal(verify(p, &auth, chain, 2, "sun.example.org", why,
				sizeof(why)), IKE_CERT_ID_MISMATCH);
	assert_non_null(strstr(why, "identity 'sun.example.org' is not in certificate 'C=CH, O=xdpsec test, CN=moon'"));
	/* a CERT that is not DER of a certificate */
	{
		const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
		const uint8_t *d[] = { junk };
		size_t l[] = { sizeof(junk) };
		struct ike_conf_id id = id_of("moon.example.org");
		enum ike_cert_fail f;
		EVP_PKEY *k = (EVP_PKEY *)1;

		assert_int_equal(ike_pki_verify_peer(p, &auth, d, l, 1, &id, &k, NULL,
						     &f, why, sizeof(why)), -EACCES);
		assert_int_equal(f, IKE_CERT_INVALID);
		assert_null(k);
	}
	/* cacerts: only the configured anchors count */
	auth.n_cacerts = 1;
	auth.cacerts[0] = 0;            /* the root */
	assert_int_equal(verify(p, &auth, chain, 2, "moon.example.org", why,
				sizeof(why)), IKE_CERT_OK);
	ike_pki_free(p);
	trmdir(dir);

	/* an intermediate loaded from x509ca/ is an anchor by itself */
	p = load(&dir, both + 1, 1, NULL, 0, NULL, 0);
	auth.n_cacerts = 0;
	assert_int_equal(verify(p, &auth, chain, 1, "moon.example.org", why,
				sizeof(why)), IKE_CERT_OK);
	ike_pki_free(p);
	trmdir(dir);

	/* another CA only: untrusted; and cacerts pointing elsewhere */
	p = load(&dir, other, 1, NULL, 0, NULL, 0);
	assert_int_equal(verify(p, &auth, chain, 2, "moon.example.org", why,
				sizeof(why)), IKE_CERT_UNTRUSTED);
	ike_pki_free(p);
	trmdir(dir);
	p = load(&dir, (X509 *[]){ T.root, T.other }, 2, NULL, 0, NULL, 0);
	auth.n_cacerts = 1;
	auth.cacerts[0] = 1;            /* Other CA */
	assert_int_equal(verify(p, &auth, chain, 2, "moon.example.org", why,
				sizeof(why)), IKE_CERT_UNTRUSTED);
	auth.n_cacerts = 0;

	/* the peer sent no certificate: a loaded one holding its id */
	ike_pki_free(p);
	trmdir(dir);
	p = load(&dir, both, 2, (X509 *[]){ leaf }, 1, NULL, 0);
	assert_int_equal(verify(p, &auth, NULL, 0, "moon.example.org", why,
				sizeof(why)), IKE_CERT_OK);
	assert_int_equal(verify(p, &auth, NULL, 0, "sun.example.org", why,
				sizeof(why)), IKE_CERT_INVALID);
	assert_non_null(strstr(why, "sent no certificate"));
	/* pinned (remote certs): that certificate, no other */
	auth.n_certs = 1;
	auth.certs[0] = 2;
	assert_int_equal(verify(p, &auth, chain, 1, "moon.example.org", why,
				sizeof(why)), IKE_CERT_OK);
	{
		X509 *x2 = ee(T.ee_key, "moon", "DNS:moon.example.org", 101, 0,
			      0, "digitalSignature", NULL);

		assert_int_equal(verify(p, &auth, &x2, 1, "moon.example.org",
					why, sizeof(why)), IKE_CERT_UNTRUSTED);
		assert_non_null(strstr(why, "not one of the remote certs"));
		X509_free(x2);
	}
	ike_pki_free(p);
	trmdir(dir);
	X509_free(leaf);
}

/* Every reason of a refusal, each with its own counter in the agent. */
static void test_refusals(void **state)
{
	struct ike_conf_auth auth = { .method = IKE_CONF_AUTH_PUBKEY,
				      .key_types = IKE_CONF_KEY_ANY };
	X509 *cas[] = { T.root };
	X509 *expired = ee(T.ec_key, "old", "DNS:old.example.org", 20,
			   -10 * 86400, -86400, NULL, NULL);
	X509 *future = ee(T.ec_key, "new", "DNS:new.example.org", 21,
			  86400, 2 * 86400, NULL, NULL);
	X509 *revoked = ee(T.ec_key, "revoked", "DNS:revoked.example.org", 22,
			   0, 0, NULL, NULL);
	X509 *good = ee(T.ec_key, "good", "DNS:good.example.org", 23, 0, 0,
			NULL, NULL);
	X509 *withdp = ee(T.ec_key, "dp", "DNS:dp.example.org", 24, 0, 0, NULL,
			  "URI:http://crl.example.org/im.crl");
	X509 *ku = ee(T.ec_key, "ku", "DNS:ku.example.org", 25, 0, 0,
		      "keyEncipherment", NULL);
	X509 *notca = ee(T.im_key, "notca", NULL, 26, 0, 0, NULL, NULL);
	X509 *under_notca, *expired_im, *under_expired;
	long rev[] = { 22 };
	X509_CRL *crl = tcrl(T.im, T.im_key, rev, 1, 86400);
	X509_CRL *old_crl = tcrl(T.im, T.im_key, rev, 1, -60);
	char *dir, why[256];
	struct ike_pki *p;
	(void)state;

	under_notca = tcert(T.ec_key, &(struct tcert_opts){
		.subject = "/CN=under", .issuer = notca, .issuer_key = T.im_key,
		.serial = 27, .san = "DNS:under.example.org" });
	expired_im = tcert(T.im_key, &(struct tcert_opts){
		.subject = "/C=CH/O=xdpsec test/CN=Intermediate CA", .ca = true,
		.issuer = T.root, .issuer_key = T.root_key, .serial = 28,
		.not_before = -20 * 86400, .not_after = -86400 });
	under_expired = ee(T.ec_key, "x", "DNS:x.example.org", 29, 0, 0, NULL, NULL);

	p = load(&dir, cas, 1, NULL, 0, NULL, 0);
	/* no CRL at all: relaxed passes, strict fails, ifuri only with a
	 * distribution point in the certificate */
	assert_int_equal(verify(p, &auth, (X509 *[]){ revoked, T.im }, 2,
				"revoked.example.org", why, sizeof(why)), IKE_CERT_OK);
	auth.revocation = IKE_CONF_REVOCATION_STRICT;
	assert_int_equal(verify(p, &auth, (X509 *[]){ good, T.im }, 2,
				"good.example.org", why, sizeof(why)), IKE_CERT_NO_CRL);
	assert_non_null(strstr(why, "revocation status of 'C=CH, O=xdpsec test, CN=good' unknown"));
	auth.revocation = IKE_CONF_REVOCATION_IFURI;
	assert_int_equal(verify(p, &auth, (X509 *[]){ good, T.im }, 2,
				"good.example.org", why, sizeof(why)), IKE_CERT_OK);
	assert_int_equal(verify(p, &auth, (X509 *[]){ withdp, T.im }, 2,
				"dp.example.org", why, sizeof(why)), IKE_CERT_NO_CRL);
	auth.revocation = IKE_CONF_REVOCATION_RELAXED;
	ike_pki_free(p);
	trmdir(dir);

	/* the intermediate's CRL revokes serial 22 */
	p = load(&dir, cas, 1, NULL, 0, &crl, 1);
	assert_int_equal(verify(p, &auth, (X509 *[]){ revoked, T.im }, 2,
				"revoked.example.org", why, sizeof(why)), IKE_CERT_REVOKED);
	assert_non_null(strstr(why, "certificate 'C=CH, O=xdpsec test, CN=revoked' revoked"));
	assert_int_equal(verify(p, &auth, (X509 *[]){ good, T.im }, 2,
				"good.example.org", why, sizeof(why)), IKE_CERT_OK);
	/* strict: the intermediate is covered by no CRL of the root */
	auth.revocation = IKE_CONF_REVOCATION_STRICT;
	assert_int_equal(verify(p, &auth, (X509 *[]){ good, T.im }, 2,
				"good.example.org", why, sizeof(why)), IKE_CERT_NO_CRL);
	assert_non_null(strstr(why, "Intermediate CA"));
	auth.revocation = IKE_CONF_REVOCATION_RELAXED;
	ike_pki_free(p);
	trmdir(dir);

	/* an expired CRL: relaxed still refuses what it lists, strict
	 * refuses everything it should cover */
	p = load(&dir, cas, 1, NULL, 0, &old_crl, 1);
	assert_int_equal(verify(p, &auth, (X509 *[]){ revoked, T.im }, 2,
				"revoked.example.org", why, sizeof(why)), IKE_CERT_REVOKED);
	assert_int_equal(verify(p, &auth, (X509 *[]){ good, T.im }, 2,
				"good.example.org", why, sizeof(why)), IKE_CERT_OK);
	auth.revocation = IKE_CONF_REVOCATION_STRICT;
	assert_int_equal(verify(p, &auth, (X509 *[]){ good, T.im }, 2,
				"good.example.org", why, sizeof(why)), IKE_CERT_NO_CRL);
	auth.revocation = IKE_CONF_REVOCATION_RELAXED;
	ike_pki_free(p);
	trmdir(dir);

	p = load(&dir, cas, 1, NULL, 0, NULL, 0);
	assert_int_equal(verify(p, &auth, (X509 *[]){ expired, T.im }, 2,
				"old.example.org", why, sizeof(why)), IKE_CERT_EXPIRED);
	assert_non_null(strstr(why, "certificate 'C=CH, O=xdpsec test, CN=old' expired 20"));
	assert_int_equal(verify(p, &auth, (X509 *[]){ future, T.im }, 2,
				"new.example.org", why, sizeof(why)),
			 IKE_CERT_NOT_YET_VALID);
	assert_non_null(strstr(why, "not valid before 20"));
	assert_int_equal(verify(p, &auth, (X509 *[]){ ku, T.im }, 2,
				"ku.example.org", why, sizeof(why)), IKE_CERT_KEY_USAGE);
	assert_non_null(strstr(why, "neither digitalSignature nor nonRepudiation"));
	/* a CA certificate without CA:TRUE cannot issue */
	assert_int_equal(verify(p, &auth, (X509 *[]){ under_notca, notca, T.im }, 3,
				"under.example.org", why, sizeof(why)), IKE_CERT_INVALID);
	assert_non_null(strstr(why, "invalid CA certificate"));
	/* an expired intermediate expires what it issued */
	assert_int_equal(verify(p, &auth, (X509 *[]){ under_expired, expired_im }, 2,
				"x.example.org", why, sizeof(why)), IKE_CERT_EXPIRED);
	assert_non_null(strstr(why, "Intermediate CA' expired"));
	ike_pki_free(p);
	trmdir(dir);

	X509_CRL_free(crl);
	X509_CRL_free(old_crl);
	X509_free(expired);
	X509_free(future);
	X509_free(revoked);
	X509_free(good);
	X509_free(withdp);
	X509_free(ku);
	X509_free(notca);
	X509_free(under_notca);
	X509_free(expired_im);
	X509_free(under_expired);
}

/* ------------------------------------------------------------ CERTREQ */

/* Made with: openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256
 * -subj "/C=CH/O=xdpsec test/CN=Fixed CA"; the hash with
 * openssl x509 -pubkey -noout | openssl pkey -pubin -outform DER | sha1sum
 * (the SubjectPublicKeyInfo, RFC 7296 §3.7: not the key identifier). */
static const char fixed_ca[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBwzCCAWmgAwIBAgIUIeRxTjThobiBCuFHjh9YXm/wOQswCgYIKoZIzj0EAwIw\n"
	"NjELMAkGA1UEBhMCQ0gxFDASBgNVBAoMC3hkcHNlYyB0ZXN0MREwDwYDVQQDDAhG\n"
	"aXhlZCBDQTAgFw0yNjEyMDcxOTUzMjNaGA8yMTI2MTExMzE5NTMyM1owNjELMAkG\n"
	"A1UEBhMCQ0gxFDASBgNVBAoMC3hkcHNlYyB0ZXN0MREwDwYDVQQDDAhGaXhlZCBD\n"
	"QTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABETxB2UkEmabhupqqcZKqrGdVOOD\n"
	"UeZl0+qQz+KZkLSXp3HTQVPPsH+oks5vKTt7TS8UZ+o9xicJoHF7LXiL8SCjUzBR\n"
	"MB0GA1UdDgQWBBRbMjN4IY8KLWwA2G44f/fRsv4yNTAfBgNVHSMEGDAWgBRbMjN4\n"
	"IY8KLWwA2G44f/fRsv4yNTAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gA\n"
	"MEUCIQD6ga/AG8gt3zQ3/vgTPhW5fmdGINlAOdzRJg3FworOJwIgE1rbbYMAcyd1\n"
	"+Jp0M0X1ZZXXNkgQ0IVaMJDcFu4s+dE=\n"
	"-----END CERTIFICATE-----\n";
static const uint8_t fixed_ca_spki_sha1[20] = {
	0x27, 0xa8, 0xec, 0x40, 0xa7, 0x51, 0x1d, 0xf2, 0xc1, 0xcc,
	0x8c, 0x16, 0x45, 0x59, 0x26, 0xc0, 0x15, 0xc5, 0xe0, 0x33,
};

static void test_certreq(void **state)
{
	struct ike_conf_auth auth = { .method = IKE_CONF_AUTH_PUBKEY };
	char *dir = tdir(), path[4200], err[200];
	struct ike_pki *p = ike_pki_new();
	uint8_t out[100];
	size_t idx, n;
	FILE *f;
	(void)state;

	snprintf(path, sizeof(path), "%s/fixed.pem", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(fixed_ca, f);
	fclose(f);
	assert_int_equal(ike_pki_load_cert(p, path, true, &idx, err, sizeof(err)), 0);
	assert_memory_equal(p->certs[idx].spki_sha1, fixed_ca_spki_sha1, 20);
	/* loading the same file again changes nothing */
	assert_int_equal(ike_pki_load_cert(p, path, true, &idx, err, sizeof(err)), 0);
	assert_int_equal(p->n_certs, 1);
	n = ike_pki_certreq(p, &auth, out, sizeof(out));
	assert_int_equal(n, 20);
	assert_memory_equal(out, fixed_ca_spki_sha1, 20);

	/* every anchor once; cacerts narrow them; end-entities never */
	twrite_cert(dir, "root.pem", T.root, false);
	twrite_cert(dir, "other.der", T.other, true);
	twrite_cert(dir, "im.pem", T.im, false);
	snprintf(path, sizeof(path), "%s/root.pem", dir);
	assert_int_equal(ike_pki_load_cert(p, path, true, &idx, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/other.der", dir);
	assert_int_equal(ike_pki_load_cert(p, path, true, &idx, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/im.pem", dir);
	assert_int_equal(ike_pki_load_cert(p, path, false, &idx, err, sizeof(err)), 0);
	n = ike_pki_certreq(p, &auth, out, sizeof(out));
	assert_int_equal(n, 60);
	assert_memory_equal(out, fixed_ca_spki_sha1, 20);
	n = ike_pki_certreq(p, &auth, out, 45);         /* room for two */
	assert_int_equal(n, 40);
	auth.n_cacerts = 1;
	auth.cacerts[0] = 2;
	n = ike_pki_certreq(p, &auth, out, sizeof(out));
	assert_int_equal(n, 20);
	assert_memory_equal(out, p->certs[2].spki_sha1, 20);
	ike_pki_free(p);
	trmdir(dir);
}

/* Our certificate: the chain sent excludes the root; among candidates the
 * one whose CA the peer asked for. */
static void test_local(void **state)
{
	X509 *a = ee(T.ee_key, "a", "DNS:a.example.org", 40, 0, 0, NULL, NULL);
	X509 *b = tcert(T.ec_key, &(struct tcert_opts){
		.subject = "/CN=b", .issuer = T.other, .issuer_key = T.other_key,
		.serial = 41, .san = "DNS:b.example.org" });
	X509 *cas[] = { T.root, T.im, T.other }, *own[] = { a, b };
	struct ike_conf_auth auth = { .method = IKE_CONF_AUTH_PUBKEY,
				      .n_certs = 2, .certs = { 3, 4 } };
	struct ike_pki_local loc;
	char *dir, path[4200], err[200];
	struct ike_pki *p;
	(void)state;

	p = load(&dir, cas, 3, own, 2, NULL, 0);
	/* no keys yet */
	assert_int_equal(ike_pki_local(p, &auth, NULL, 0, &loc), -ENOKEY);
	twrite_key(dir, "a.key", T.ee_key, "PEM", "type-specific", NULL);
	twrite_key(dir, "b.key", T.ec_key, "DER", "EncryptedPrivateKeyInfo", "pw0");
	snprintf(path, sizeof(path), "%s/a.key", dir);
	assert_int_equal(ike_pki_load_key(p, path, "RSA", NULL, 0, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/b.key", dir);
	assert_int_equal(ike_pki_load_key(p, path, NULL, NULL, 0, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "encrypted, and no secret gives"));
	{
		struct ike_pki_pass pass = { .file = path,
					     .secret = (const uint8_t *)"wrong", .len = 5 };

		assert_int_equal(ike_pki_load_key(p, path, NULL, &pass, 1, err,
						  sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "cannot decrypt"));
		pass.secret = (const uint8_t *)"pw0";
		pass.len = 3;
		assert_int_equal(ike_pki_load_key(p, path, NULL, &pass, 1, err,
						  sizeof(err)), 0);
	}
	ike_pki_match_keys(p);
	assert_int_equal(p->certs[3].key, 0);
	assert_int_equal(p->certs[4].key, 1);

	assert_int_equal(ike_pki_local(p, &auth, NULL, 0, &loc), 0);
	assert_ptr_equal(loc.cert, &p->certs[3]);
	assert_int_equal(EVP_PKEY_eq(loc.key, T.ee_key), 1);
	assert_int_equal(loc.n_chain, 1);               /* the intermediate */
	assert_ptr_equal(loc.chain[0], &p->certs[1]);
	/* the peer asks for Other CA: b */
	assert_int_equal(ike_pki_local(p, &auth, p->certs[2].spki_sha1, 1, &loc), 0);
	assert_ptr_equal(loc.cert, &p->certs[4]);
	assert_int_equal(loc.n_chain, 0);               /* Other CA is a root */
	/* for the root: a */
	assert_int_equal(ike_pki_local(p, &auth, p->certs[0].spki_sha1, 1, &loc), 0);
	assert_ptr_equal(loc.cert, &p->certs[3]);
	ike_pki_free(p);
	trmdir(dir);
	X509_free(a);
	X509_free(b);
}

/* --------------------------------------------------------- signatures */

/* RFC 7427 Appendix A, RFC 8420 §2: the AlgorithmIdentifiers (DER). */
static const uint8_t aid_sha256_rsa[] = {
	0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
	0x01, 0x0b, 0x05, 0x00 };
static const uint8_t aid_sha384_rsa[] = {
	0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
	0x01, 0x0c, 0x05, 0x00 };
static const uint8_t aid_ecdsa_sha256[] = {
	0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 };
static const uint8_t aid_ecdsa_sha384[] = {
	0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03 };
static const uint8_t aid_ed25519[] = { 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70 };
static const uint8_t aid_ed448[] = { 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x71 };

static void sign_ok(EVP_PKEY *key, uint32_t peer, uint32_t allowed, bool pss,
		    uint8_t method, uint8_t hash, const uint8_t *aid,
		    size_t aid_len, size_t sig_len)
{
	uint8_t msg[300], out[IKE_SIG_MAX];
	struct ike_sig_scheme s, used;
	const char *why = NULL;
	size_t n = 0;

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7);
	assert_int_equal(ike_sig_choose(key, peer, allowed, pss, &s, &why), 0);
	assert_int_equal(s.method, method);
	assert_int_equal(s.hash, hash);
	assert_int_equal(ike_sig_sign(key, &s, msg, sizeof(msg), out, sizeof(out),
				      &n), 0);
	if (aid) {
		/* RFC 7427 §3: length octet, AlgorithmIdentifier, signature */
		assert_int_equal(out[0], aid_len);
		assert_memory_equal(out + 1, aid, aid_len);
	}
	if (sig_len)
		assert_int_equal(n - (aid ? 1 + aid_len : 0), sig_len);
	assert_int_equal(ike_sig_verify(key, s.method, out, n, msg, sizeof(msg),
					0, IKE_SIG_KEY_ANY, pss, !peer, &used,
					&why), 0);
	assert_int_equal(used.hash, hash);
	assert_int_equal(used.pss, pss);
	/* a changed octet of the signed data, or of the signature */
	msg[5] ^= 1;
	assert_int_equal(ike_sig_verify(key, s.method, out, n, msg, sizeof(msg),
					0, IKE_SIG_KEY_ANY, pss, !peer, NULL,
					&why), -EBADMSG);
	assert_string_equal(why, "signature does not verify");
	msg[5] ^= 1;
	out[n - 1] ^= 0x40;
	assert_int_not_equal(ike_sig_verify(key, s.method, out, n, msg, sizeof(msg),
					    0, IKE_SIG_KEY_ANY, pss, !peer, NULL,
					    &why), 0);
}

static void test_signatures(void **state)
{
	const uint32_t all = IKE_SIG_HASHES_OURS;
	const uint32_t sha384 = IKE_SIG_HASH(IKE_HASH_SHA2_384);
	EVP_PKEY *ec384 = tkey("EC", 384), *ec521 = tkey("EC", 521);
	EVP_PKEY *ed448 = tkey("ED448", 0);
	uint8_t buf[8];
	(void)state;

	/* our SIGNATURE_HASH_ALGORITHMS: SHA-256, 384, 512, Identity */
	assert_int_equal(ike_sig_hashes_encode(buf, sizeof(buf)), 8);
	assert_memory_equal(buf, "\0\2\0\3\0\4\0\5", 8);
	assert_int_equal(ike_sig_hashes_parse(buf, 8), all);
	assert_int_equal(ike_sig_hashes_parse((const uint8_t *)"\0\1\0\2\x12\x34", 6),
			 IKE_SIG_HASH(IKE_HASH_SHA1) | IKE_SIG_HASH(IKE_HASH_SHA2_256));
	assert_int_equal(ike_sig_hashes_parse(buf, 7), 0);

	/* RFC 7427 with every key type */
	sign_ok(T.ee_key, all, 0, false, IKE_AUTH_DIGITAL_SIGNATURE,
		IKE_HASH_SHA2_256, aid_sha256_rsa, sizeof(aid_sha256_rsa), 256);
	sign_ok(T.ee_key, sha384, 0, false, IKE_AUTH_DIGITAL_SIGNATURE,
		IKE_HASH_SHA2_384, aid_sha384_rsa, sizeof(aid_sha384_rsa), 256);
	sign_ok(T.ee_key, all, 0, true, IKE_AUTH_DIGITAL_SIGNATURE,
		IKE_HASH_SHA2_256, NULL, 0, 0);                 /* PSS */
	sign_ok(T.ec_key, all, 0, false, IKE_AUTH_DIGITAL_SIGNATURE,
		IKE_HASH_SHA2_256, aid_ecdsa_sha256, sizeof(aid_ecdsa_sha256), 0);
	/* P-384 prefers SHA-384 */
	sign_ok(ec384, all, 0, false, IKE_AUTH_DIGITAL_SIGNATURE,
		IKE_HASH_SHA2_384, aid_ecdsa_sha384, sizeof(aid_ecdsa_sha384), 0);
	sign_ok(T.ed_key, all, 0, false, IKE_AUTH_DIGITAL_SIGNATURE,
		IKE_HASH_IDENTITY, aid_ed25519, sizeof(aid_ed25519), 64);
	sign_ok(ed448, all, 0, false, IKE_AUTH_DIGITAL_SIGNATURE,
		IKE_HASH_IDENTITY, aid_ed448, sizeof(aid_ed448), 114);
	/* a configured hash wins over the default order */
	sign_ok(T.ec_key, all, IKE_SIG_HASH(IKE_HASH_SHA2_512), false,
		IKE_AUTH_DIGITAL_SIGNATURE, IKE_HASH_SHA2_512, NULL, 0, 0);

	/* classic methods for a peer without RFC 7427 */
	sign_ok(T.ee_key, 0, 0, false, IKE_AUTH_RSA_SIG, IKE_HASH_SHA1, NULL, 0, 256);
	sign_ok(T.ec_key, 0, 0, false, IKE_AUTH_ECDSA_256, IKE_HASH_SHA2_256, NULL, 0, 64);
	sign_ok(ec384, 0, 0, false, IKE_AUTH_ECDSA_384, IKE_HASH_SHA2_384, NULL, 0, 96);
	sign_ok(ec521, 0, 0, false, IKE_AUTH_ECDSA_521, IKE_HASH_SHA2_512, NULL, 0, 132);

	/* what cannot be chosen */
	{
		struct ike_sig_scheme s;
		const char *why = NULL;

		/* EdDSA without Identity, or without RFC 7427 at all */
		assert_int_equal(ike_sig_choose(T.ed_key, sha384, 0, false, &s, &why),
				 -EOPNOTSUPP);
		assert_non_null(strstr(why, "Identity"));
		assert_int_equal(ike_sig_choose(T.ed_key, 0, 0, false, &s, &why),
				 -EOPNOTSUPP);
		/* no common hash */
		assert_int_equal(ike_sig_choose(T.ec_key, sha384,
						IKE_SIG_HASH(IKE_HASH_SHA2_256),
						false, &s, &why), -EOPNOTSUPP);
		/* RSA method 1 needs SHA-1, excluded once hashes are
		 * configured; PSS needs RSA */
		assert_int_equal(ike_sig_choose(T.ee_key, 0, sha384, false, &s, &why),
				 -EOPNOTSUPP);
		assert_int_equal(ike_sig_choose(T.ec_key, all, 0, true, &s, &why),
				 -EOPNOTSUPP);
	}
	EVP_PKEY_free(ec384);
	EVP_PKEY_free(ec521);
	EVP_PKEY_free(ed448);
}

/* Verification refuses what the RFCs and the configuration exclude. */
static void test_signature_refusals(void **state)
{
	uint8_t msg[64] = "signed octets", out[IKE_SIG_MAX], sha1_rsa[IKE_SIG_MAX];
	struct ike_sig_scheme s = { .method = IKE_AUTH_DIGITAL_SIGNATURE,
				    .hash = IKE_HASH_SHA2_256, .key = IKE_SIG_KEY_RSA };
	const char *why = NULL;
	size_t n = 0, n1 = 0;
	(void)state;

	assert_int_equal(ike_sig_sign(T.ee_key, &s, msg, sizeof(msg), out,
				      sizeof(out), &n), 0);
	/* the certificate holds another key type */
	assert_int_equal(ike_sig_verify(T.ec_key, IKE_AUTH_DIGITAL_SIGNATURE, out,
					n, msg, sizeof(msg), 0, IKE_SIG_KEY_ANY,
					false, false, NULL, &why), -EOPNOTSUPP);
	assert_non_null(strstr(why, "does not match the certificate's key type"));
	/* the configuration accepts only ECDSA keys, or only PSS */
	assert_int_equal(ike_sig_verify(T.ee_key, IKE_AUTH_DIGITAL_SIGNATURE, out,
					n, msg, sizeof(msg), 0, IKE_SIG_KEY_ECDSA,
					false, false, NULL, &why), -EOPNOTSUPP);
	assert_int_equal(ike_sig_verify(T.ee_key, IKE_AUTH_DIGITAL_SIGNATURE, out,
					n, msg, sizeof(msg), 0, IKE_SIG_KEY_ANY,
					true, false, NULL, &why), -EOPNOTSUPP);
	assert_non_null(strstr(why, "RSASSA-PSS required"));
	/* a hash the configuration does not allow */
	assert_int_equal(ike_sig_verify(T.ee_key, IKE_AUTH_DIGITAL_SIGNATURE, out,
					n, msg, sizeof(msg),
					IKE_SIG_HASH(IKE_HASH_SHA2_384),
					IKE_SIG_KEY_ANY, false, false, NULL, &why),
			 -EOPNOTSUPP);
	/* the length octet lies */
	out[0] = 200;
	assert_int_equal(ike_sig_verify(T.ee_key, IKE_AUTH_DIGITAL_SIGNATURE, out,
					n, msg, sizeof(msg), 0, IKE_SIG_KEY_ANY,
					false, false, NULL, &why), -EINVAL);
	out[0] = 14;
	assert_int_equal(ike_sig_verify(T.ee_key, IKE_AUTH_DIGITAL_SIGNATURE, out,
					n, msg, sizeof(msg), 0, IKE_SIG_KEY_ANY,
					false, false, NULL, &why), -EINVAL);
	/* SHA-1 in RFC 7427 (sha1WithRSAEncryption): never */
	{
		static const uint8_t aid_sha1[] = {
			0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
			0x0d, 0x01, 0x01, 0x05, 0x05, 0x00 };
		struct ike_sig_scheme c = { .method = IKE_AUTH_RSA_SIG,
					    .hash = IKE_HASH_SHA1,
					    .key = IKE_SIG_KEY_RSA };

		assert_int_equal(ike_sig_sign(T.ee_key, &c, msg, sizeof(msg),
					      out, sizeof(out), &n), 0);
		sha1_rsa[0] = sizeof(aid_sha1);
		memcpy(sha1_rsa + 1, aid_sha1, sizeof(aid_sha1));
		memcpy(sha1_rsa + 1 + sizeof(aid_sha1), out, n);
		n1 = 1 + sizeof(aid_sha1) + n;
		assert_int_equal(ike_sig_verify(T.ee_key, IKE_AUTH_DIGITAL_SIGNATURE,
						sha1_rsa, n1, msg, sizeof(msg), 0,
						IKE_SIG_KEY_ANY, false, false,
						NULL, &why), -EOPNOTSUPP);
		assert_non_null(strstr(why, "SHA-1"));
		/* method 1 only from a peer without RFC 7427 */
		assert_int_equal(ike_sig_verify(T.ee_key, IKE_AUTH_RSA_SIG, out, n,
						msg, sizeof(msg), 0, IKE_SIG_KEY_ANY,
						false, false, NULL, &why), -EOPNOTSUPP);
		assert_int_equal(ike_sig_verify(T.ee_key, IKE_AUTH_RSA_SIG, out, n,
						msg, sizeof(msg), 0, IKE_SIG_KEY_ANY,
						false, true, NULL, &why), 0);
	}
	/* classic ECDSA of another curve, and r || s of the wrong size */
	{
		struct ike_sig_scheme c = { .method = IKE_AUTH_ECDSA_256,
					    .hash = IKE_HASH_SHA2_256,
					    .key = IKE_SIG_KEY_ECDSA };

		assert_int_equal(ike_sig_sign(T.ec_key, &c, msg, sizeof(msg), out,
					      sizeof(out), &n), 0);
		assert_int_equal(n, 64);
		assert_int_equal(ike_sig_verify(T.ec_key, IKE_AUTH_ECDSA_384, out, n,
						msg, sizeof(msg), 0, IKE_SIG_KEY_ANY,
						false, true, NULL, &why), -EOPNOTSUPP);
		assert_int_equal(ike_sig_verify(T.ec_key, IKE_AUTH_ECDSA_256, out, 63,
						msg, sizeof(msg), 0, IKE_SIG_KEY_ANY,
						false, true, NULL, &why), -EINVAL);
		assert_int_equal(ike_sig_verify(T.ec_key, IKE_AUTH_ECDSA_256, out, n,
						msg, sizeof(msg), 0, IKE_SIG_KEY_ANY,
						false, true, NULL, &why), 0);
	}
	/* PSK is not a signature method */
	assert_int_equal(ike_sig_verify(T.ec_key, IKE_AUTH_SHARED_KEY_MIC, out, n,
					msg, sizeof(msg), 0, IKE_SIG_KEY_ANY, false,
					true, NULL, &why), -EOPNOTSUPP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_certreq),
		cmocka_unit_test(test_local),
		cmocka_unit_test(test_signatures),
		cmocka_unit_test(test_signature_refusals),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
