// SPDX-License-Identifier: GPL-2.0-only
/*
 * IKE identities in X.509 certificates, RFC 4945 §3.1: which identity a
 * certificate vouches for, checked with OpenSSL's X509_check_* (no
 * wildcards in the certificate, and an FQDN or e-mail identity is never
 * taken from the subject's CN or emailAddress: §3.1.2, §3.1.3 ask for the
 * subjectAltName).
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#ifndef INT_MAX
#define INT_MAX __INT_MAX__
#endif

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pki.h"

bool ike_cert_has_id(X509 *cert, const struct ike_conf_id *id)
{
	const unsigned int flags = X509_CHECK_FLAG_NEVER_CHECK_SUBJECT |
				   X509_CHECK_FLAG_NO_WILDCARDS;
	bool ok = false;

	if (!cert || !id || !id->len)
		return false;
	switch (id->type) {
	case IKE_ID_IPV4_ADDR:
	case IKE_ID_IPV6_ADDR:
		/* §3.1.1: an iPAddress subjectAltName */
		ok = X509_check_ip(cert, id->data, id->len, 0) == 1;
		break;
	case IKE_ID_FQDN:
		/* §3.1.2: a dNSName subjectAltName */
		ok = X509_check_host(cert, (const char *)id->data, id->len,
				     flags, NULL) == 1;
		break;
	case IKE_ID_RFC822_ADDR: {
		char addr[IKE_CONF_ID_MAX + 1];

		/* §3.1.3: an rfc822Name subjectAltName */
		memcpy(addr, id->data, id->len);
		addr[id->len] = '\0';
		ok = X509_check_email(cert, addr, id->len, flags) == 1;
		break;
	}
	case IKE_ID_DER_ASN1_DN: {
		struct ike_conf_id subj;

		/* §3.1.5: the subject field */
		ok = !ike_cert_subject_id(cert, &subj) &&
		     ike_conf_dn_match(subj.data, subj.len, id->data, id->len);
		break;
	}
	case IKE_ID_KEY_ID: {
		const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(cert);

		/* §3.1.8 leaves it open; the subjectKeyIdentifier, as
		 * strongSwan matches it */
		ok = skid && (size_t)ASN1_STRING_length(skid) == id->len &&
		     !memcmp(ASN1_STRING_get0_data(skid), id->data, id->len);
		break;
	}
	default:
		break;
	}
	ERR_clear_error();
	return ok;
}

int ike_cert_subject_id(X509 *cert, struct ike_conf_id *id)
{
	unsigned char *der = NULL;
	int n;

	memset(id, 0, sizeof(*id));
	n = i2d_X509_NAME(X509_get_subject_name(cert), &der);
	if (n <= 0 || (size_t)n > IKE_CONF_ID_MAX) {
		OPENSSL_free(der);
		ERR_clear_error();
		return -EINVAL;
	}
	id->type = IKE_ID_DER_ASN1_DN;
	id->len = (uint16_t)n;
	memcpy(id->data, der, (size_t)n);
	OPENSSL_free(der);
	return 0;
}

const char *ike_cert_name_str(const X509_NAME *name, char *buf, size_t len)
{
	unsigned char *der = NULL;
	int n = name ? i2d_X509_NAME(name, &der) : -1;

	if (n > 0)
		ike_conf_dn_str(der, (size_t)n, buf, len);
	else if (len)
		buf[0] = '\0';
	OPENSSL_free(der);
	ERR_clear_error();
	return buf;
}
