/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals of the config loader, shared by its three files:
 * conf_lex.c (tokenizer + syntax tree), conf_value.c (value parsers) and
 * config.c (the swanctl schema). Not for use outside ike/config*.c.
 */
#ifndef IKE_CONF_PRIV_H
#define IKE_CONF_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

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
