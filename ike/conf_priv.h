/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals of the config loader, shared by its files: conf_lex.c
 * (tokenizer + syntax tree), conf_value.c (value parsers), conf_dn.c
 * (distinguished names), config.c (the swanctl schema: connections,
 * children, secrets), conf_auth.c (local/remote rounds), conf_pki.c
 * (credential folders, authorities, key passphrases) and pki_load.c
 * (credential files). Not for use outside the loader.
 */
#ifndef IKE_CONF_PRIV_H
#define IKE_CONF_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define WHERE_MAX 160
#define REASON_MAX 200
/* Not PATH_MAX: with -Iengine, <limits.h> is engine/limits.h. */
#define CONF_PATH_MAX 4096

/* Error context: the first error wins, later ones are dropped. */
struct conf_ctx {
	const char *file;       /* name used in messages */
	char *err;
	size_t errlen;
	bool failed;
	bool nomem;
	size_t n_nodes;
};

/* "FILE:LINE: message" (line 0: "FILE: message") into c->err, once. */
void conf_errf(struct conf_ctx *c, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Records an allocation failure (message "out of memory"). */
void conf_nomem(struct conf_ctx *c);

/* A user word made safe to quote in a message: at most
 * CONF_QUOTE_MAX - 4 bytes, non-printable bytes as '?', "..." when cut. */
#define CONF_QUOTE_MAX 64
const char *conf_quote(const char *s, char buf[CONF_QUOTE_MAX]);

/* ------------------------------------------------------- syntax tree */

struct conf_value {
	char *s;                /* NUL-terminated; never contains NUL */
	unsigned int line;
};

struct conf_node {
	char name[IKE_CONF_NAME_MAX];
	unsigned int line;
	bool section;
	size_t n_values;                /* keys: 1..IKE_CONF_LIST_MAX */
	struct conf_value *values;
	struct conf_node *child;        /* sections: first entry */
	struct conf_node *next;         /* next sibling */
};

/*
 * Tokenizes and parses buf[0..len) into a tree under a synthetic root
 * section. 0, or -EINVAL/-ENOMEM with the error recorded in c.
 * *root is set in both cases (NULL on failure).
 */
int conf_parse(struct conf_ctx *c, const char *buf, size_t len,
	       struct conf_node **root);
/* Frees a tree, wiping every value (secrets pass through them). */
void conf_tree_free(struct conf_node *root);

/* ------------------------------------------------------------ schema */

struct ike_pki_pass;

/* One load of the schema (config.c) over a syntax tree. */
struct conf_loader {
	struct conf_ctx *c;
	const char *basedir;    /* for relative paths; may be NULL */
	struct ike_config *cfg;
	/* passphrases of key files (secrets private-, rsa-, ecdsa-,
	 * pkcs8-): file paths owned here, secrets borrowed from the tree */
	struct ike_pki_pass *pass;
	size_t n_pass;
};

/* Helpers of config.c the other schema files share. Each records its
 * error (file, line, what) in l->c and returns -EINVAL (or NULL). */
int conf_key_index(const char *const *keys, size_t n, const char *name);
bool conf_is_swanctl_unsupported(const char *name);
int conf_fail(struct conf_loader *l);
int conf_unknown_key(struct conf_loader *l, const struct conf_node *n,
		     const char *where);
int conf_unknown_section(struct conf_loader *l, const struct conf_node *n,
			 const char *where);
int conf_wrong_kind(struct conf_loader *l, const struct conf_node *n,
		    const char *where);
int conf_dup_key(struct conf_loader *l, const struct conf_node *n,
		 const char *where, unsigned int first);
const struct conf_value *conf_one_value(struct conf_loader *l,
					const struct conf_node *n,
					const char *where);
int conf_bad_value(struct conf_loader *l, const struct conf_value *v,
		   const char *key, const char *where, const char *reason);
int conf_bad_word(struct conf_loader *l, const struct conf_value *v,
		  const char *key, const char *where, const char *expect);
int conf_get_uint(struct conf_loader *l, const struct conf_node *n,
		  const char *where, uint64_t max, uint64_t *out);
int conf_get_bool(struct conf_loader *l, const struct conf_node *n,
		  const char *where, bool *out);
/* A word from a fixed list: its index, or -EINVAL. */
int conf_get_choice(struct conf_loader *l, const struct conf_node *n,
		    const char *where, const char *const *words, size_t nw,
		    const char *expect);
/*
 * Reads a whole regular file of at most max bytes into a fresh buffer
 * (the caller wipes and frees it). -errno: -EFBIG when too large, -EINVAL
 * for what is not a regular file.
 */
int conf_read_file(const char *path, size_t max, char **out, size_t *len);

/* conf_auth.c: a local<suffix> / remote<suffix> section. */
int conf_load_auth(struct conf_loader *l, const struct conf_node *sec,
		   bool local, const char *conn_name, struct ike_conf_auth *auth);

/* conf_pki.c */
/* A secrets section of type private, rsa, ecdsa or pkcs8 (the name's
 * prefix): keeps the passphrase of its file for the key folders. true
 * when name is such a section (the result then in *ret). */
bool conf_key_secret(struct conf_loader *l, const struct conf_node *sec,
		     int *ret);
/* The authorities section (may be NULL) and the credential folders
 * beside the config file: x509/, x509ca/, x509crl/, private/, rsa/,
 * ecdsa/, pkcs8/. */
int conf_load_pki(struct conf_loader *l, const struct conf_node *authorities);
/* A certificate named in certs / cacerts (relative to x509/ or x509ca/,
 * or absolute): its index in the pki. */
int conf_pki_cert(struct conf_loader *l, const struct conf_value *v,
		  const char *key, const char *where, bool ca, uint16_t *idx);
/* After the connections: every pubkey round has what it needs (a
 * certificate with its private key, holding the local identity). */
int conf_check_pki(struct conf_loader *l);
/* Wipes and frees the passphrase table. */
void conf_pki_done(struct conf_loader *l);

/* ------------------------------------------------------ value parsers */

/* Each returns 0 or -EINVAL; those with err write a reason (no prefix).
 * None of them ever quotes the secret decoders' input. */

/* N[s|m|h|d] in seconds, at most UINT32_MAX. */
int conf_parse_duration(const char *s, uint32_t *out);
/* Decimal or 0x hex, <= max. */
int conf_parse_uint(const char *s, uint64_t max, uint64_t *out);
/* yes|no|true|false */
int conf_parse_bool(const char *s, bool *out);
/* One IPv4/IPv6 address, or "%any" when any_ok (family AF_UNSPEC). */
int conf_parse_addr(const char *s, bool any_ok, struct ike_conf_addr *out);
/* One comma-free proposal string (or "default") appended to out[*n]. */
int conf_parse_proposal(const char *s, uint8_t protocol,
			struct ike_conf_proposal *out, size_t max, size_t *n,
			char *err, size_t errlen);
/* A PSK: "0x" hex, "0s" base64, or the literal bytes. Length 1..cap.
 * The reason never contains the input. */
int conf_decode_secret(const char *s, size_t slen, uint8_t *key, size_t cap,
		       size_t *len, char *err, size_t errlen);

#endif
