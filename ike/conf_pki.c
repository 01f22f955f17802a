// SPDX-License-Identifier: GPL-2.0-only
/*
 * swanctl's credentials (swanctl.conf(5), "swanctl --load-creds"): the
 * folders beside the config file (x509/ own certificates, x509ca/ CA
 * certificates, x509crl/ CRLs, private/ rsa/ ecdsa/ pkcs8/ private keys),
 * the passphrases of encrypted key files (secrets private-NAME, rsa-NAME,
 * ecdsa-NAME, pkcs8-NAME { file; secret }), the authorities section
 * (cacert, file, crl_uris with file:// URIs) and the checks that every
 * pubkey round can authenticate. Everything loads now or the config is
 * refused: no CRL is fetched at run time.
 *
 * Passphrases are the secrets' text as it is (no 0x/0s decoding, as
 * swanctl hands them to the daemon); they stay in the syntax tree, which
 * is wiped, and the table pointing at them is wiped in conf_pki_done().
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "conf_priv.h"
#include "pki.h"

#define ERR_MAX 200

/* The key folders, their secrets' name prefix, and the key type they
 * hold (NULL: any). */
static const struct {
	const char *dir;
	const char *kind;
} key_dirs[] = {
	{ "private", NULL },
	{ "rsa", "RSA" },
	{ "ecdsa", "EC" },
	{ "pkcs8", NULL },
};

static int nomem(struct conf_loader *l)
{
	conf_nomem(l->c);
	return -ENOMEM;
}

static struct ike_pki *pki_of(struct conf_loader *l)
{
	if (!l->cfg->pki)
		l->cfg->pki = ike_pki_new();
	return l->cfg->pki;
}

/* dir/name, or name when absolute. -EINVAL if relative without basedir. */
static int resolve(const struct conf_loader *l, const char *dir,
		   const char *name, char *out, size_t len)
{
	int n;

	if (name[0] == '/')
		n = snprintf(out, len, "%s", name);
	else if (!l->basedir)
		return -EINVAL;
	else
		n = snprintf(out, len, "%s/%s/%s", l->basedir, dir, name);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* "FILE: reason" under the line that named it (0: the folder). */
static int file_err(struct conf_loader *l, unsigned int line, const char *path,
		    const char *reason, int ret)
{
	char q[CONF_QUOTE_MAX];

	if (ret == -ENOMEM)
		return nomem(l);
	conf_errf(l->c, line, "%s: %s", conf_quote(path, q), reason);
	return -EINVAL;
}

/* ----------------------------------------------------------- secrets */

bool conf_key_secret(struct conf_loader *l, const struct conf_node *sec,
		     int *ret)
{
	const struct conf_value *file = NULL, *secret = NULL;
	char where[WHERE_MAX], path[CONF_PATH_MAX];
	struct ike_pki_pass *pass;
	const char *dir = NULL;
	unsigned int file_line = 0, secret_line = 0;

	for (size_t i = 0; i < sizeof(key_dirs) / sizeof(key_dirs[0]); i++)
		if (!strncmp(sec->name, key_dirs[i].dir, strlen(key_dirs[i].dir)))
			dir = key_dirs[i].dir;
	if (!dir)
		return false;
	*ret = -EINVAL;
	snprintf(where, sizeof(where), "secret '%s'", sec->name);
	for (const struct conf_node *n = sec->child; n; n = n->next) {
		if (n->section) {
			*ret = conf_unknown_section(l, n, where);
			return true;
		}
		if (!strcmp(n->name, "file")) {
			if (file_line) {
				*ret = conf_dup_key(l, n, where, file_line);
				return true;
			}
			file_line = n->line;
			file = conf_one_value(l, n, where);
			if (!file)
				return true;
		} else if (!strcmp(n->name, "secret")) {
			if (secret_line) {
				*ret = conf_dup_key(l, n, where, secret_line);
				return true;
			}
			secret_line = n->line;
			if (n->n_values != 1) {
				/* never echo the value: it is a secret */
				conf_errf(l->c, n->line,
					  "secret in %s takes one value (quote a secret containing ',')",
					  where);
				return true;
			}
			secret = &n->values[0];
		} else {
			*ret = conf_unknown_key(l, n, where);
			return true;
		}
	}
	if (!file || !secret) {
		conf_errf(l->c, sec->line,
			  "%s needs file = NAME (in %s/) and secret = PASSPHRASE",
			  where, dir);
		return true;
	}
	if (resolve(l, dir, file->s, path, sizeof(path))) {
		conf_errf(l->c, file->line,
			  "file in %s: a relative path needs the config file's directory", where);
		return true;
	}
	pass = realloc(l->pass, (l->n_pass + 1) * sizeof(*pass));
	if (!pass) {
		*ret = nomem(l);
		return true;
	}
	l->pass = pass;
	pass[l->n_pass].file = strdup(path);
	if (!pass[l->n_pass].file) {
		*ret = nomem(l);
		return true;
	}
	pass[l->n_pass].secret = (const uint8_t *)secret->s;
	pass[l->n_pass].len = strlen(secret->s);
	l->n_pass++;
	*ret = 0;
	return true;
}

void conf_pki_done(struct conf_loader *l)
{
	struct ike_pki *p = l->cfg->pki;

	/* a config without credentials holds no pki (config.h) */
	if (p && !p->n_certs && !p->n_keys && !p->n_crls) {
		ike_pki_free(p);
		l->cfg->pki = NULL;
	}
	for (size_t i = 0; i < l->n_pass; i++)
		free(l->pass[i].file);
	if (l->pass)
		OPENSSL_cleanse(l->pass, l->n_pass * sizeof(*l->pass));
	free(l->pass);
	l->pass = NULL;
	l->n_pass = 0;
}

/* ----------------------------------------------------------- folders */

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

enum folder_kind { F_CERT, F_CA, F_CRL, F_KEY };

/*
 * Every regular, non-hidden file of basedir/dir, in name order (the
 * order errors come in does not depend on the file system). A missing
 * folder is no error, as with swanctl.
 */
static int load_folder(struct conf_loader *l, const char *dir,
		       enum folder_kind kind, const char *key_kind)
{
	char path[CONF_PATH_MAX], reason[ERR_MAX];
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct ike_pki *p = pki_of(l);
	struct dirent *de;
	DIR *d;
	int ret = 0;

	if (!p)
		return nomem(l);
	if (!l->basedir || resolve(l, dir, "", path, sizeof(path)))
		return 0;
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char **nn;

		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			nn = realloc(names, cap * sizeof(*names));
			if (!nn) {
				ret = nomem(l);
				goto out;
			}
			names = nn;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			ret = nomem(l);
			goto out;
		}
		n++;
	}
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n && !ret; i++) {
		struct stat st;
		size_t idx;

		if (resolve(l, dir, names[i], path, sizeof(path))) {
			ret = file_err(l, 0, names[i], "path too long", -EINVAL);
			break;
		}
		/* sub-folders and other non-files are not credentials */
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		switch (kind) {
		case F_CERT:
		case F_CA:
			ret = ike_pki_load_cert(p, path, kind == F_CA, &idx,
						reason, sizeof(reason));
			break;
		case F_CRL:
			ret = ike_pki_load_crl(p, path, reason, sizeof(reason));
			break;
		case F_KEY:
			ret = ike_pki_load_key(p, path, key_kind, l->pass,
					       l->n_pass, reason, sizeof(reason));
			break;
		}
		if (ret)
			ret = file_err(l, 0, path, reason, ret);
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return ret;
}

/* A folder swanctl reads that xdpsec does not: refused when it holds
 * anything, so credentials are never silently left out. */
static int unsupported_folder(struct conf_loader *l, const char *dir,
			      const char *hint)
{
	char path[CONF_PATH_MAX];
	struct dirent *de;
	bool any = false;
	DIR *d;

	if (!l->basedir || resolve(l, dir, "", path, sizeof(path)))
		return 0;
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d)))
		any |= de->d_name[0] != '.';
	closedir(d);
	if (!any)
		return 0;
	conf_errf(l->c, 0, "folder '%s/' is not supported by xdpsec (%s)", dir,
		  hint);
	return -EINVAL;
}

/* -------------------------------------------------------- authorities */

static int load_authority(struct conf_loader *l, const struct conf_node *sec)
{
	struct ike_pki *p = pki_of(l);
	char where[WHERE_MAX], path[CONF_PATH_MAX], reason[ERR_MAX];
	char q[CONF_QUOTE_MAX];
	unsigned int have_cert = 0;
	size_t idx;
	int ret;

	if (!p)
		return nomem(l);
	snprintf(where, sizeof(where), "authority '%s'", sec->name);
	for (const struct conf_node *n = sec->child; n; n = n->next) {
		const struct conf_value *v;

		if (n->section)
			return conf_unknown_section(l, n, where);
		if (!strcmp(n->name, "cacert") || !strcmp(n->name, "file")) {
			if (have_cert)
				return conf_dup_key(l, n, where, have_cert);
			have_cert = n->line;
			v = conf_one_value(l, n, where);
			if (!v)
				return -EINVAL;
			if (resolve(l, "x509ca", v->s, path, sizeof(path)))
				return conf_bad_value(l, v, n->name, where,
						      "a relative path needs the config file's directory");
			ret = ike_pki_load_cert(p, path, true, &idx, reason,
						sizeof(reason));
			if (ret)
				return file_err(l, v->line, path, reason, ret);
		} else if (!strcmp(n->name, "crl_uris")) {
			for (size_t i = 0; i < n->n_values; i++) {
				const char *uri = n->values[i].s;

				/* RFC 8089: file:///path or file:/path */
				if (strncmp(uri, "file:", 5)) {
					conf_errf(l->c, n->values[i].line,
						  "crl_uris in %s: '%s' is not a file:// URI (xdpsec fetches no CRLs; put them in x509crl/)",
						  where, conf_quote(uri, q));
					return -EINVAL;
				}
				uri += 5;
				if (!strncmp(uri, "//", 2))
					uri += 2;
				if (uri[0] != '/') {
					conf_errf(l->c, n->values[i].line,
						  "crl_uris in %s: '%s' is not an absolute file URI",
						  where, conf_quote(n->values[i].s, q));
					return -EINVAL;
				}
				ret = ike_pki_load_crl(p, uri, reason, sizeof(reason));
				if (ret)
					return file_err(l, n->values[i].line, uri,
							reason, ret);
			}
		} else if (!strcmp(n->name, "ocsp_uris") ||
			   !strcmp(n->name, "cert_uri_base") ||
			   !strcmp(n->name, "handle") || !strcmp(n->name, "slot") ||
			   !strcmp(n->name, "module")) {
			conf_errf(l->c, n->line,
				  "key '%s' in %s is not supported by xdpsec",
				  n->name, where);
			return -EINVAL;
		} else {
			return conf_unknown_key(l, n, where);
		}
	}
	if (!have_cert) {
		conf_errf(l->c, sec->line, "%s has no cacert = FILE", where);
		return -EINVAL;
	}
	return 0;
}

int conf_load_pki(struct conf_loader *l, const struct conf_node *authorities)
{
	int ret;

	if (!pki_of(l))
		return nomem(l);
	/* keys first, so an own certificate finds its key below */
	for (size_t i = 0; i < sizeof(key_dirs) / sizeof(key_dirs[0]); i++) {
		ret = load_folder(l, key_dirs[i].dir, F_KEY, key_dirs[i].kind);
		if (ret)
			return ret;
	}
	ret = load_folder(l, "x509ca", F_CA, NULL);
	if (!ret)
		ret = load_folder(l, "x509", F_CERT, NULL);
	if (!ret)
		ret = load_folder(l, "x509crl", F_CRL, NULL);
	if (!ret)
		ret = unsupported_folder(l, "pkcs12",
					 "convert the container: openssl pkcs12 -nodes, then x509/ and private/");
	if (!ret)
		ret = unsupported_folder(l, "pubkey", "raw public keys; use certificates");
	if (ret)
		return ret;
	if (authorities) {
		for (const struct conf_node *n = authorities->child; n; n = n->next) {
			if (!n->section) {
				conf_errf(l->c, n->line,
					  "unexpected key '%s' in section 'authorities' (an authority is a section: NAME { cacert = ... })",
					  n->name);
				return -EINVAL;
			}
			ret = load_authority(l, n);
			if (ret)
				return ret;
		}
	}
	ike_pki_match_keys(l->cfg->pki);
	return 0;
}

int conf_pki_cert(struct conf_loader *l, const struct conf_value *v,
		  const char *key, const char *where, bool ca, uint16_t *idx)
{
	struct ike_pki *p = pki_of(l);
	char path[CONF_PATH_MAX], reason[ERR_MAX];
	size_t i;
	int ret;

	if (!p)
		return nomem(l);
	if (resolve(l, ca ? "x509ca" : "x509", v->s, path, sizeof(path)))
		return conf_bad_value(l, v, key, where,
				      "a relative path needs the config file's directory");
	ret = ike_pki_load_cert(p, path, ca, &i, reason, sizeof(reason));
	if (ret)
		return file_err(l, v->line, path, reason, ret);
	/* a key for a certificate named here may have loaded earlier */
	ike_pki_match_keys(p);
	*idx = (uint16_t)i;
	return 0;
}

/* ------------------------------------------------------------ checks */

static int check_local(struct conf_loader *l, struct ike_conf_conn *conn)
{
	struct ike_conf_auth *a = &conn->local;
	struct ike_pki *p = l->cfg->pki;
	char ids[128], subj[160], q[CONF_QUOTE_MAX];
	const struct ike_pki_cert *c;

	/* swanctl: without certs, a certificate with a key that holds the
	 * local identity */
	if (!a->n_certs && p && a->id.type != IKE_CONF_ID_ANY) {
		for (size_t i = 0; i < p->n_certs && !a->n_certs; i++)
			if (!p->certs[i].ca && p->certs[i].key >= 0 &&
			    ike_cert_has_id(p->certs[i].x509, &a->id))
				a->certs[a->n_certs++] = (uint16_t)i;
	}
	if (!a->n_certs) {
		conf_errf(l->c, conn->line,
			  "local section of connection '%s' uses auth = pubkey but has no certificate (certs = FILE in x509/%s%s%s)",
			  conn->name, a->id.type != IKE_CONF_ID_ANY ?
			  ", or one in x509/ holding id '" : "",
			  a->id.type != IKE_CONF_ID_ANY ?
			  ike_conf_id_str(&a->id, ids, sizeof(ids)) : "",
			  a->id.type != IKE_CONF_ID_ANY ? "'" : "");
		return -EINVAL;
	}
	for (unsigned int i = 0; i < a->n_certs; i++) {
		uint8_t kt;

		c = &p->certs[a->certs[i]];
		if (c->key < 0) {
			conf_errf(l->c, conn->line,
				  "no private key for certificate '%s' of connection '%s' (looked in private/, rsa/, ecdsa/, pkcs8/)",
				  conf_quote(c->path, q), conn->name);
			return -EINVAL;
		}
		kt = EVP_PKEY_is_a(p->keys[c->key].pkey, "EC") ? IKE_CONF_KEY_ECDSA :
		     EVP_PKEY_is_a(p->keys[c->key].pkey, "ED25519") ? IKE_CONF_KEY_ED25519 :
		     EVP_PKEY_is_a(p->keys[c->key].pkey, "ED448") ? IKE_CONF_KEY_ED448 :
		     IKE_CONF_KEY_RSA;
		if (!(a->key_types & kt) || (a->pss && kt != IKE_CONF_KEY_RSA)) {
			conf_errf(l->c, conn->line,
				  "certificate '%s' of connection '%s' holds a key the local auth = ... does not sign with",
				  conf_quote(c->path, q), conn->name);
			return -EINVAL;
		}
	}
	c = &p->certs[a->certs[0]];
	if (a->id.type == IKE_CONF_ID_ANY) {
		/* swanctl: the certificate's subject */
		if (ike_cert_subject_id(c->x509, &a->id)) {
			conf_errf(l->c, conn->line,
				  "subject of certificate '%s' too long for an identity",
				  conf_quote(c->path, q));
			return -EINVAL;
		}
		return 0;
	}
	/* RFC 4945 §3.1: the identity we claim must be in the certificate */
	for (unsigned int i = 0; i < a->n_certs; i++) {
		c = &p->certs[a->certs[i]];
		if (!ike_cert_has_id(c->x509, &a->id)) {
			conf_errf(l->c, conn->line,
				  "local id '%s' of connection '%s' is not in certificate '%s' (subject '%s'; an id must be its subject or a subjectAltName)",
				  ike_conf_id_str(&a->id, ids, sizeof(ids)), conn->name,
				  conf_quote(c->path, q),
				  ike_cert_name_str(X509_get_subject_name(c->x509),
						    subj, sizeof(subj)));
			return -EINVAL;
		}
	}
	/* a DN goes out as the certificate spells it, the form the peer
	 * compares with the certificate */
	if (a->id.type == IKE_ID_DER_ASN1_DN && a->n_certs == 1)
		ike_cert_subject_id(p->certs[a->certs[0]].x509, &a->id);
	return 0;
}

static int check_remote(struct conf_loader *l, struct ike_conf_conn *conn)
{
	const struct ike_conf_auth *a = &conn->remote;
	const struct ike_pki *p = l->cfg->pki;
	bool ca = false;

	for (size_t i = 0; p && i < p->n_certs; i++)
		ca |= p->certs[i].ca;
	if (a->n_certs || a->n_cacerts || ca)
		return 0;
	conf_errf(l->c, conn->line,
		  "remote section of connection '%s' uses auth = pubkey but no CA certificate is loaded (x509ca/, cacerts or authorities) and no peer certificate is configured (certs)",
		  conn->name);
	return -EINVAL;
}

int conf_check_pki(struct conf_loader *l)
{
	for (size_t i = 0; i < l->cfg->n_conns; i++) {
		struct ike_conf_conn *conn = &l->cfg->conns[i];
		int ret;

		if (conn->local.method == IKE_CONF_AUTH_PUBKEY) {
			ret = check_local(l, conn);
			if (ret)
				return ret;
		}
		if (conn->remote.method == IKE_CONF_AUTH_PUBKEY) {
			ret = check_remote(l, conn);
			if (ret)
				return ret;
		}
	}
	return 0;
}
