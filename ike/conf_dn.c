// SPDX-License-Identifier: GPL-2.0-only
/*
 * Distinguished-name identities (ID_DER_ASN1_DN, RFC 7296 §3.5, RFC 4945
 * §3.1.5) as swanctl writes them: "C=CH, O=Example, CN=moon.example.org"
 * (or "/C=CH/O=Example/CN=..."), with strongSwan's attribute names. The
 * text becomes the DER Name an ID payload carries, through OpenSSL's
 * X509_NAME; the comparison is RDN by RDN, in order, attribute types
 * equal and values equal without regard to ASCII case or string type, a
 * configured value "*" matching any value (swanctl's wildcards).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef INT_MAX
#define INT_MAX __INT_MAX__
#endif

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "conf_priv.h"

#define DN_PART_MAX 256

/* strongSwan's RDN names (those OpenSSL spells otherwise). */
static const struct {
	const char *name;
	int nid;
} rdn_names[] = {
	{ "C", NID_countryName },
	{ "ST", NID_stateOrProvinceName },
	{ "L", NID_localityName },
	{ "O", NID_organizationName },
	{ "OU", NID_organizationalUnitName },
	{ "CN", NID_commonName },
	{ "SN", NID_serialNumber },
	{ "serialNumber", NID_serialNumber },
	{ "S", NID_surname },
	{ "G", NID_givenName },
	{ "I", NID_initials },
	{ "T", NID_title },
	{ "D", NID_description },
	{ "N", NID_name },
	{ "DC", NID_domainComponent },
	{ "UID", NID_userId },
	{ "E", NID_pkcs9_emailAddress },
	{ "Email", NID_pkcs9_emailAddress },
	{ "emailAddress", NID_pkcs9_emailAddress },
	{ "dnQualifier", NID_dnQualifier },
};

static int rdn_nid(const char *name)
{
	for (size_t i = 0; i < sizeof(rdn_names) / sizeof(rdn_names[0]); i++)
		if (!strcasecmp(rdn_names[i].name, name))
			return rdn_names[i].nid;
	/* OpenSSL's own long/short names and dotted OIDs */
	return OBJ_txt2nid(name);
}

static const char *rdn_short(int nid)
{
	for (size_t i = 0; i < sizeof(rdn_names) / sizeof(rdn_names[0]); i++)
		if (rdn_names[i].nid == nid)
			return rdn_names[i].name;
	return OBJ_nid2sn(nid);
}

static void errf(char *err, size_t errlen, const char *msg, const char *what)
{
	char q[CONF_QUOTE_MAX];

	if (err && errlen)
		snprintf(err, errlen, "%s%s%s%s", msg, what ? " '" : "",
			 what ? conf_quote(what, q) : "", what ? "'" : "");
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

int ike_conf_dn_parse(const char *s, uint8_t *der, size_t cap, size_t *len,
		      char *err, size_t errlen)
{
	X509_NAME *name = X509_NAME_new();
	char *copy = strdup(s), *p, *part;
	char sep = ',';
	unsigned char *out = NULL;
	int n, ret = -EINVAL;

	if (!name || !copy) {
		errf(err, errlen, "out of memory", NULL);
		ret = -ENOMEM;
		goto out;
	}
	p = trim(copy);
	/* "/C=CH/O=..." as OpenSSL's one-line form */
	if (*p == '/') {
		sep = '/';
		p++;
	}
	while (p) {
		char *eq, *key, *val, *next = strchr(p, sep);
		int nid, ok;

		if (next)
			*next++ = '\0';
		part = trim(p);
		p = next;
		if (!*part) {
			errf(err, errlen, "empty RDN in distinguished name", NULL);
			goto out;
		}
		eq = strchr(part, '=');
		if (!eq) {
			errf(err, errlen, "RDN without '=' in distinguished name:", part);
			goto out;
		}
		*eq = '\0';
		key = trim(part);
		val = trim(eq + 1);
		nid = rdn_nid(key);
		if (nid == NID_undef) {
			errf(err, errlen, "unknown RDN type", key);
			goto out;
		}
		if (!*val || strlen(val) > DN_PART_MAX) {
			errf(err, errlen, "empty or overlong RDN value for", key);
			goto out;
		}
		/* "*" is a wildcard (remote ids): kept as UTF8String since
		 * some types (C is PrintableString) cannot hold it */
		if (!strcmp(val, "*"))
			ok = X509_NAME_add_entry_by_NID(name, nid, V_ASN1_UTF8STRING,
							(unsigned char *)val, 1, -1, 0);
		else
			ok = X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8,
							(unsigned char *)val, -1, -1, 0);
		if (!ok) {
			errf(err, errlen, "RDN value not valid for its type:", key);
			goto out;
		}
	}
	n = i2d_X509_NAME(name, &out);
	if (n <= 0) {
		errf(err, errlen, "distinguished name does not encode", NULL);
		goto out;
	}
	if ((size_t)n > cap) {
		errf(err, errlen, "distinguished name longer than an identity may be", NULL);
		goto out;
	}
	memcpy(der, out, (size_t)n);
	*len = (size_t)n;
	ret = 0;
out:
	ERR_clear_error();
	OPENSSL_free(out);
	X509_NAME_free(name);
	free(copy);
	return ret;
}

/* A Name from DER that must span exactly len octets. */
static X509_NAME *name_from_der(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509_NAME *n;

	if (!len || len > INT_MAX)
		return NULL;
	n = d2i_X509_NAME(NULL, &p, (long)len);
	if (n && p != der + len) {
		X509_NAME_free(n);
		n = NULL;
	}
	ERR_clear_error();
	return n;
}

bool ike_conf_dn_valid(const uint8_t *der, size_t len)
{
	X509_NAME *n = name_from_der(der, len);

	X509_NAME_free(n);
	return n != NULL;
}

/* An entry's value as UTF-8 (OPENSSL_free), or NULL. */
static unsigned char *entry_utf8(const X509_NAME_ENTRY *e, int *len)
{
	unsigned char *u = NULL;

	*len = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(e));
	if (*len < 0) {
		ERR_clear_error();
		return NULL;
	}
	return u;
}

static bool value_eq(const unsigned char *a, int al, const unsigned char *b,
		     int bl)
{
	if (al != bl)
		return false;
	for (int i = 0; i < al; i++) {
		unsigned char x = a[i], y = b[i];

		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return true;
}

bool ike_conf_dn_match(const uint8_t *conf, size_t clen, const uint8_t *id,
		       size_t ilen)
{
	X509_NAME *c = name_from_der(conf, clen), *i = name_from_der(id, ilen);
	bool match = false;
	int n;

	if (!c || !i)
		goto out;
	/* swanctl's rdn_matching = strict: the same RDNs in the same order */
	n = X509_NAME_entry_count(c);
	if (n != X509_NAME_entry_count(i))
		goto out;
	for (int k = 0; k < n; k++) {
		const X509_NAME_ENTRY *ce = X509_NAME_get_entry(c, k);
		const X509_NAME_ENTRY *ie = X509_NAME_get_entry(i, k);
		unsigned char *cu, *iu;
		int cl, il;
		bool eq;

		if (OBJ_cmp(X509_NAME_ENTRY_get_object(ce),
			    X509_NAME_ENTRY_get_object(ie)))
			goto out;
		cu = entry_utf8(ce, &cl);
		iu = entry_utf8(ie, &il);
		eq = cu && iu && ((cl == 1 && cu[0] == '*') ||
				  value_eq(cu, cl, iu, il));
		OPENSSL_free(cu);
		OPENSSL_free(iu);
		if (!eq)
			goto out;
	}
	match = true;
out:
	X509_NAME_free(c);
	X509_NAME_free(i);
	return match;
}

const char *ike_conf_dn_str(const uint8_t *der, size_t len, char *buf,
			    size_t buflen)
{
	X509_NAME *n = name_from_der(der, len);
	size_t o = 0;

	if (!buflen)
		return buf;
	buf[0] = '\0';
	if (!n) {
		snprintf(buf, buflen, "(bad distinguished name)");
		return buf;
	}
	for (int k = 0; k < X509_NAME_entry_count(n); k++) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(n, k);
		int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
		const char *key = nid != NID_undef ? rdn_short(nid) : "?";
		unsigned char *u;
		int ul, w;

		u = entry_utf8(e, &ul);
		w = snprintf(buf + o, buflen - o, "%s%s=", k ? ", " : "",
			     key ? key : "?");
		if (w < 0 || (size_t)w >= buflen - o) {
			OPENSSL_free(u);
			break;
		}
		o += (size_t)w;
		for (int j = 0; u && j < ul && o + 1 < buflen; j++)
			buf[o++] = u[j] >= 0x20 && u[j] < 0x7f ? (char)u[j] : '?';
		buf[o] = '\0';
		OPENSSL_free(u);
	}
	X509_NAME_free(n);
	return buf;
}

bool ike_conf_dn_has_wildcard(const uint8_t *der, size_t len)
{
	X509_NAME *n = name_from_der(der, len);
	bool wild = false;

	for (int k = 0; n && k < X509_NAME_entry_count(n) && !wild; k++) {
		const ASN1_STRING *v = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, k));

		wild = ASN1_STRING_length(v) == 1 && ASN1_STRING_get0_data(v)[0] == '*';
	}
	X509_NAME_free(n);
	return wild;
}
