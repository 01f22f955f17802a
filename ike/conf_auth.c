// SPDX-License-Identifier: GPL-2.0-only
/*
 * swanctl's authentication rounds, connections.<conn>.local<suffix> and
 * remote<suffix>: auth (psk, or pubkey with swanctl's constraint syntax),
 * id, and for certificates certs / cert<suffix> { file }, cacerts /
 * cacert<suffix> { file } and revocation. Certificates are loaded into
 * the config's pki as they are named (conf_pki.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_priv.h"

enum auth_key {
	AK_AUTH, AK_ID, AK_CERTS, AK_CACERTS, AK_REVOCATION, AK_MAX
};

static const char *const auth_keys[AK_MAX] = {
	[AK_AUTH] = "auth",
	[AK_ID] = "id",
	[AK_CERTS] = "certs",
	[AK_CACERTS] = "cacerts",
	[AK_REVOCATION] = "revocation",
};

static const char *const revocation_words[] = { "relaxed", "ifuri", "strict" };

/* One '-'-separated word of a pubkey constraint. */
static const struct {
	const char *word;
	uint8_t key;            /* IKE_CONF_KEY_*, 0: a hash */
	bool pss;
	uint8_t hash;           /* IKE_HASH_* */
} auth_words[] = {
	{ "pubkey", IKE_CONF_KEY_ANY, false, 0 },
	{ "rsa", IKE_CONF_KEY_RSA, false, 0 },
	{ "rsa/pss", IKE_CONF_KEY_RSA, true, 0 },
	{ "ecdsa", IKE_CONF_KEY_ECDSA, false, 0 },
	{ "ed25519", IKE_CONF_KEY_ED25519, false, 0 },
	{ "ed448", IKE_CONF_KEY_ED448, false, 0 },
	{ "sha256", 0, false, IKE_HASH_SHA2_256 },
	{ "sha384", 0, false, IKE_HASH_SHA2_384 },
	{ "sha512", 0, false, IKE_HASH_SHA2_512 },
	{ "sha2_256", 0, false, IKE_HASH_SHA2_256 },
	{ "sha2_384", 0, false, IKE_HASH_SHA2_384 },
	{ "sha2_512", 0, false, IKE_HASH_SHA2_512 },
};

/*
 * auth = psk | [ike:]TYPE[-BITS]...[-HASH]... as swanctl: TYPE pubkey,
 * rsa, rsa/pss, ecdsa, ed25519, ed448; BITS a least key size of the type
 * before it; HASH sha256, sha384, sha512 (the signature hashes allowed).
 * Several TYPEs accept any of them.
 */
static int parse_auth(struct conf_loader *l, const struct conf_value *v,
		      const char *where, struct ike_conf_auth *auth)
{
	char buf[IKE_CONF_STR_MAX + 1], q[CONF_QUOTE_MAX], *tok, *save = NULL;
	const char *s = v->s;
	uint8_t last = 0;

	if (!strcmp(s, "psk")) {
		auth->method = IKE_CONF_AUTH_PSK;
		return 0;
	}
	if (!strncmp(s, "eap", 3) || !strncmp(s, "xauth", 5) ||
	    !strcmp(s, "null")) {
		conf_errf(l->c, v->line,
			  "auth in %s: '%s' is not supported by xdpsec (psk or pubkey)",
			  where, conf_quote(s, q));
		return -EINVAL;
	}
	/* swanctl: "ike:" constrains only the IKE signature, which is the
	 * only signature xdpsec constrains anyway */
	if (!strncmp(s, "ike:", 4))
		s += 4;
	snprintf(buf, sizeof(buf), "%s", s);
	auth->method = IKE_CONF_AUTH_PUBKEY;
	auth->key_types = 0;
	for (tok = strtok_r(buf, "-", &save); tok; tok = strtok_r(NULL, "-", &save)) {
		size_t i;

		if (tok[0] >= '0' && tok[0] <= '9') {
			uint64_t bits;

			if (!last || last == IKE_CONF_KEY_ANY ||
			    conf_parse_uint(tok, 16384, &bits))
				goto bad;
			if (last & IKE_CONF_KEY_RSA)
				auth->rsa_bits = (uint16_t)bits;
			else if (last & IKE_CONF_KEY_ECDSA)
				auth->ecdsa_bits = (uint16_t)bits;
			else
				goto bad;
			continue;
		}
		for (i = 0; i < sizeof(auth_words) / sizeof(auth_words[0]); i++)
			if (!strcmp(tok, auth_words[i].word))
				break;
		if (i == sizeof(auth_words) / sizeof(auth_words[0]))
			goto bad;
		if (auth_words[i].key) {
			auth->key_types |= auth_words[i].key;
			auth->pss |= auth_words[i].pss;
			last = auth_words[i].key;
		} else {
			auth->hashes |= 1u << auth_words[i].hash;
		}
	}
	if (!auth->key_types)
		goto bad;
	return 0;
bad:
	conf_errf(l->c, v->line,
		  "auth in %s: bad value '%s' (psk, or pubkey, rsa, rsa/pss, ecdsa, ed25519, ed448 with optional -BITS and -sha256/-sha384/-sha512)",
		  where, conf_quote(v->s, q));
	return -EINVAL;
}

/* certs = / cacerts = : a list of certificate files. */
static int get_certs(struct conf_loader *l, const struct conf_node *n,
		     const char *where, bool ca, uint16_t *idx, uint8_t *count)
{
	for (size_t i = 0; i < n->n_values; i++) {
		uint16_t k;
		int ret;

		if (*count >= IKE_CONF_CERTS_MAX) {
			conf_errf(l->c, n->values[i].line,
				  "%s in %s: more than %u certificates", n->name,
				  where, IKE_CONF_CERTS_MAX);
			return -EINVAL;
		}
		ret = conf_pki_cert(l, &n->values[i], n->name, where, ca, &k);
		if (ret)
			return ret;
		idx[(*count)++] = k;
	}
	return 0;
}

/* cert<suffix> { file = PATH } / cacert<suffix> { file = PATH } */
static int cert_section(struct conf_loader *l, const struct conf_node *sec,
			const char *where, bool ca, uint16_t *idx,
			uint8_t *count)
{
	const struct conf_node *file = NULL;
	char w[WHERE_MAX + 64];

	snprintf(w, sizeof(w), "section '%s' of %s", sec->name, where);
	for (const struct conf_node *n = sec->child; n; n = n->next) {
		if (n->section)
			return conf_unknown_section(l, n, w);
		if (!strcmp(n->name, "file")) {
			if (file)
				return conf_dup_key(l, n, w, file->line);
			file = n;
		} else if (!strcmp(n->name, "handle") || !strcmp(n->name, "slot") ||
			   !strcmp(n->name, "module")) {
			conf_errf(l->c, n->line,
				  "key '%s' in %s is not supported by xdpsec (no PKCS#11 tokens)",
				  n->name, w);
			return -EINVAL;
		} else {
			return conf_unknown_key(l, n, w);
		}
	}
	if (!file) {
		conf_errf(l->c, sec->line, "%s has no file = ...", w);
		return -EINVAL;
	}
	if (!conf_one_value(l, file, w))
		return -EINVAL;
	return get_certs(l, file, w, ca, idx, count);
}

int conf_load_auth(struct conf_loader *l, const struct conf_node *sec,
		   bool local, const char *conn_name, struct ike_conf_auth *auth)
{
	unsigned int seen[AK_MAX] = { 0 };
	char where[WHERE_MAX], reason[REASON_MAX];
	const char *side = local ? "local" : "remote";
	const struct conf_value *v;
	int k, ret;

	snprintf(where, sizeof(where), "%s section of connection '%s'", side,
		 conn_name);
	/* swanctl's defaults: public key authentication; a remote round
	 * accepts any key type and fails only on a revoked certificate */
	auth->method = IKE_CONF_AUTH_PUBKEY;
	auth->key_types = IKE_CONF_KEY_ANY;
	auth->revocation = IKE_CONF_REVOCATION_RELAXED;
	for (const struct conf_node *n = sec->child; n; n = n->next) {
		if (n->section) {
			if (conf_key_index(auth_keys, AK_MAX, n->name) >= 0)
				return conf_wrong_kind(l, n, where);
			if (!strncmp(n->name, "cacert", 6) && !local)
				ret = cert_section(l, n, where, true, auth->cacerts,
						   &auth->n_cacerts);
			else if (!strncmp(n->name, "cert", 4))
				ret = cert_section(l, n, where, false, auth->certs,
						   &auth->n_certs);
			else
				return conf_unknown_section(l, n, where);
			if (ret)
				return ret;
			continue;
		}
		k = conf_key_index(auth_keys, AK_MAX, n->name);
		/* cacerts and revocation belong to the peer's round */
		if (k < 0 || (local && (k == AK_CACERTS || k == AK_REVOCATION)))
			return conf_unknown_key(l, n, where);
		if (seen[k])
			return conf_dup_key(l, n, where, seen[k]);
		seen[k] = n->line;
		switch ((enum auth_key)k) {
		case AK_AUTH:
			v = conf_one_value(l, n, where);
			if (!v || parse_auth(l, v, where, auth))
				return -EINVAL;
			break;
		case AK_ID:
			v = conf_one_value(l, n, where);
			if (!v)
				return -EINVAL;
			if (ike_conf_id_parse(v->s, &auth->id, reason,
					      sizeof(reason)))
				return conf_bad_value(l, v, "id", where, reason);
			break;
		case AK_CERTS:
			ret = get_certs(l, n, where, false, auth->certs,
					&auth->n_certs);
			if (ret)
				return ret;
			break;
		case AK_CACERTS:
			ret = get_certs(l, n, where, true, auth->cacerts,
					&auth->n_cacerts);
			if (ret)
				return ret;
			break;
		case AK_REVOCATION:
			ret = conf_get_choice(l, n, where, revocation_words,
					      sizeof(revocation_words) /
					      sizeof(revocation_words[0]),
					      "strict, ifuri or relaxed");
			if (ret < 0)
				return ret;
			auth->revocation = (uint8_t)ret;
			break;
		default:
			return -EINVAL;
		}
	}
	if (auth->method == IKE_CONF_AUTH_PSK &&
	    (auth->n_certs || auth->n_cacerts)) {
		conf_errf(l->c, seen[AK_CERTS] ? seen[AK_CERTS] :
			  seen[AK_CACERTS] ? seen[AK_CACERTS] : sec->line,
			  "%s: certificates need auth = pubkey (auth is psk)", where);
		return -EINVAL;
	}
	return 0;
}
