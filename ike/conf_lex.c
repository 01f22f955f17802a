// SPDX-License-Identifier: GPL-2.0-only
/*
 * The syntax of a swanctl.conf-shaped file: a tokenizer and a recursive
 * descent parser building a tree of sections and keys. It knows nothing
 * of what the keys mean (config.c does).
 *
 *   file    := { NL | entry } EOF
 *   entry   := NAME { NL } '{' { NL | entry } '}'
 *            | NAME '=' value { ',' { NL } value } (NL | EOF | '}')
 *   value   := WORD | "quoted string"
 *
 * '#' starts a comment running to the end of the line, anywhere outside a
 * quoted string (as in strongswan.conf, so "@#..." key ids need quotes).
 * A value word may contain '='; a name may not. Strings know the escapes
 * \" \\ \n \t \r and may not span lines. Every limit of config.h is
 * enforced here or in config.c, and every input ends in a tree or in one
 * error naming its line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "conf_priv.h"

/* ------------------------------------------------------------ errors */

void conf_errf(struct conf_ctx *c, unsigned int line, const char *fmt, ...)
{
	char msg[IKE_CONF_ERR_MAX];
	va_list ap;

	if (c->failed)
		return;
	c->failed = true;
	if (!c->err || !c->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		snprintf(c->err, c->errlen, "%s:%u: %s", c->file, line, msg);
	else
		snprintf(c->err, c->errlen, "%s: %s", c->file, msg);
}

void conf_nomem(struct conf_ctx *c)
{
	if (!c->failed)
		c->nomem = true;
	conf_errf(c, 0, "out of memory");
}

const char *conf_quote(const char *s, char buf[CONF_QUOTE_MAX])
{
	size_t i, room = CONF_QUOTE_MAX - 4;

	for (i = 0; s[i] && i < room; i++) {
		unsigned char ch = (unsigned char)s[i];

		buf[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	if (s[i]) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

/* --------------------------------------------------------- tokenizer */

enum tok {
	T_EOF,
	T_NL,
	T_WORD,
	T_STRING,
	T_LBRACE,
	T_RBRACE,
	T_EQ,
	T_COMMA,
	T_ERR,
};

/* Words read as names stop at '='; words read as values keep it. */
enum lex_mode {
	LEX_NAME,
	LEX_VALUE,
};

struct lexer {
	struct conf_ctx *c;
	const char *p, *end;
	unsigned int line;      /* line of the next unread byte */
	unsigned int tok_line;  /* line of the last token */
	char text[IKE_CONF_STR_MAX + 1];        /* WORD / STRING text */
	size_t len;
	enum tok pushed;        /* T_ERR: nothing pushed back */
	unsigned int pushed_line;
	unsigned int glued_hash_line;   /* first "word#..." seen, for hints */
};

static bool is_space(unsigned char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v';
}

static bool is_delim(unsigned char ch, enum lex_mode mode)
{
	switch (ch) {
	case '{': case '}': case ',': case '"': case '#': case '\n':
		return true;
	case '=':
		return mode == LEX_NAME;
	default:
		return is_space(ch);
	}
}

static const char *tok_name(enum tok t)
{
	switch (t) {
	case T_EOF: return "end of file";
	case T_NL: return "end of line";
	case T_WORD: return "word";
	case T_STRING: return "quoted string";
	case T_LBRACE: return "'{'";
	case T_RBRACE: return "'}'";
	case T_EQ: return "'='";
	case T_COMMA: return "','";
	default: return "error";
	}
}

/* Control bytes other than tab, and NUL, have no place in the file. */
static bool bad_byte(unsigned char ch)
{
	return (ch < 0x20 && ch != '\t') || ch == 0x7f;
}

static enum tok lex_string(struct lexer *lx)
{
	unsigned int start = lx->line;

	lx->p++;        /* opening quote */
	lx->len = 0;
	for (;;) {
		unsigned char ch;

		if (lx->p >= lx->end || *lx->p == '\n') {
			conf_errf(lx->c, start, "unterminated string");
			return T_ERR;
		}
		ch = (unsigned char)*lx->p++;
		if (ch == '"')
			break;
		if (ch == '\\') {
			if (lx->p >= lx->end || *lx->p == '\n') {
				conf_errf(lx->c, start, "unterminated string");
				return T_ERR;
			}
			switch (*lx->p++) {
			case '"': ch = '"'; break;
			case '\\': ch = '\\'; break;
			case 'n': ch = '\n'; break;
			case 't': ch = '\t'; break;
			case 'r': ch = '\r'; break;
			default:
				conf_errf(lx->c, lx->line,
					  "unknown escape in string (use \\\" \\\\ \\n \\t \\r)");
				return T_ERR;
			}
		} else if (bad_byte(ch) && ch != '\r') {
			conf_errf(lx->c, lx->line,
				  "invalid byte 0x%02x in string", ch);
			return T_ERR;
		}
		if (lx->len >= IKE_CONF_STR_MAX) {
			conf_errf(lx->c, start, "string longer than %u bytes",
				  IKE_CONF_STR_MAX);
			return T_ERR;
		}
		lx->text[lx->len++] = (char)ch;
	}
	lx->text[lx->len] = '\0';
	return T_STRING;
}

static enum tok lex_word(struct lexer *lx, enum lex_mode mode)
{
	lx->len = 0;
	while (lx->p < lx->end && !is_delim((unsigned char)*lx->p, mode)) {
		unsigned char ch = (unsigned char)*lx->p;

		if (bad_byte(ch)) {
			conf_errf(lx->c, lx->line, "invalid byte 0x%02x", ch);
			return T_ERR;
		}
		if (lx->len >= IKE_CONF_STR_MAX) {
			conf_errf(lx->c, lx->line, "word longer than %u bytes",
				  IKE_CONF_STR_MAX);
			return T_ERR;
		}
		lx->text[lx->len++] = (char)ch;
		lx->p++;
	}
	lx->text[lx->len] = '\0';
	/* "id = @#0a0b" is "id = @" and a comment: remember where, to
	 * explain the braces such a comment may have swallowed. */
	if (lx->len && lx->p < lx->end && *lx->p == '#' && !lx->glued_hash_line)
		lx->glued_hash_line = lx->line;
	return T_WORD;
}

static enum tok lex_next(struct lexer *lx, enum lex_mode mode)
{
	unsigned char ch;

	if (lx->pushed != T_ERR) {
		enum tok t = lx->pushed;

		lx->pushed = T_ERR;
		lx->tok_line = lx->pushed_line;
		return t;
	}
	while (lx->p < lx->end && is_space((unsigned char)*lx->p))
		lx->p++;
	if (lx->p < lx->end && *lx->p == '#') {
		while (lx->p < lx->end && *lx->p != '\n')
			lx->p++;
	}
	lx->tok_line = lx->line;
	if (lx->p >= lx->end)
		return T_EOF;
	ch = (unsigned char)*lx->p;
	switch (ch) {
	case '\n':
		lx->p++;
		lx->line++;
		return T_NL;
	case '{': lx->p++; return T_LBRACE;
	case '}': lx->p++; return T_RBRACE;
	case ',': lx->p++; return T_COMMA;
	case '=':
		if (mode == LEX_NAME) {
			lx->p++;
			return T_EQ;
		}
		return lex_word(lx, mode);
	case '"':
		return lex_string(lx);
	default:
		if (bad_byte(ch)) {
			conf_errf(lx->c, lx->line, "invalid byte 0x%02x", ch);
			return T_ERR;
		}
		return lex_word(lx, mode);
	}
}

/* Only EOF and '}' are ever pushed back: both end a key's values. */
static void lex_push(struct lexer *lx, enum tok t)
{
	lx->pushed = t;
	lx->pushed_line = lx->tok_line;
}

/* Skips blanks, comments and whole lines (never a pushed-back token:
 * callers use it right after reading ',' or a lone name). */
static void lex_skip_blank(struct lexer *lx)
{
	while (lx->p < lx->end) {
		unsigned char ch = (unsigned char)*lx->p;

		if (is_space(ch)) {
			lx->p++;
		} else if (ch == '\n') {
			lx->p++;
			lx->line++;
		} else if (ch == '#') {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
		} else {
			break;
		}
	}
}

/* ------------------------------------------------------------ parser */

static void node_free(struct conf_node *n)
{
	for (size_t i = 0; i < n->n_values; i++) {
		OPENSSL_cleanse(n->values[i].s, strlen(n->values[i].s));
		free(n->values[i].s);
	}
	free(n->values);
	free(n);
}

void conf_tree_free(struct conf_node *root)
{
	/* Iterative: walk down first children, splicing siblings after
	 * them, so the depth of the C stack never grows with the tree. */
	struct conf_node *n = root;

	while (n) {
		struct conf_node *next;

		if (n->child) {
			struct conf_node *last = n->child;

			while (last->next)
				last = last->next;
			last->next = n->next;
			next = n->child;
		} else {
			next = n->next;
		}
		node_free(n);
		n = next;
	}
}

static bool name_ok(const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
		      ch == '.'))
			return false;
	}
	return true;
}

static struct conf_node *node_new(struct lexer *lx, struct conf_node *parent,
				  struct conf_node **tail, const char *name,
				  unsigned int line)
{
	struct conf_node *n;

	if (lx->c->n_nodes >= IKE_CONF_NODES_MAX) {
		conf_errf(lx->c, line, "more than %u entries in the file",
			  IKE_CONF_NODES_MAX);
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (!n) {
		conf_nomem(lx->c);
		return NULL;
	}
	lx->c->n_nodes++;
	snprintf(n->name, sizeof(n->name), "%s", name);
	n->line = line;
	if (*tail)
		(*tail)->next = n;
	else
		parent->child = n;
	*tail = n;
	return n;
}

static int add_value(struct lexer *lx, struct conf_node *n)
{
	struct conf_value *v;
	char *s;

	if (n->n_values >= IKE_CONF_LIST_MAX) {
		conf_errf(lx->c, lx->tok_line, "more than %u values for '%s'",
			  IKE_CONF_LIST_MAX, n->name);
		return -EINVAL;
	}
	v = realloc(n->values, (n->n_values + 1) * sizeof(*v));
	if (!v)
		goto nomem;
	n->values = v;
	s = malloc(lx->len + 1);
	if (!s)
		goto nomem;
	memcpy(s, lx->text, lx->len + 1);
	v[n->n_values].s = s;
	v[n->n_values].line = lx->tok_line;
	n->n_values++;
	return 0;
nomem:
	conf_nomem(lx->c);
	return -ENOMEM;
}

/* After NAME '=': a comma-separated list up to the end of the line;
 * after a ',' the list may go on over the next lines. */
static int parse_values(struct lexer *lx, struct conf_node *n)
{
	enum tok t;
	int ret;

	for (;;) {
		t = lex_next(lx, LEX_VALUE);
		if (t == T_ERR)
			return -EINVAL;
		if (t != T_WORD && t != T_STRING) {
			if (n->n_values)
				conf_errf(lx->c, lx->tok_line,
					  "expected a value after ',' in '%s', got %s",
					  n->name, tok_name(t));
			else
				conf_errf(lx->c, lx->tok_line,
					  "missing value for '%s'", n->name);
			return -EINVAL;
		}
		ret = add_value(lx, n);
		if (ret)
			return ret;

		t = lex_next(lx, LEX_NAME);
		switch (t) {
		case T_COMMA:
			lex_skip_blank(lx);
			continue;
		case T_NL:
			return 0;
		case T_EOF:
		case T_RBRACE:
			lex_push(lx, t);
			return 0;
		case T_ERR:
			return -EINVAL;
		case T_WORD:
		case T_STRING:
			/* Not quoted: the lexer cannot tell a secret's
			 * words from others. */
			conf_errf(lx->c, lx->tok_line,
				  "unexpected %s after the value of '%s' (quote values containing spaces)",
				  tok_name(t), n->name);
			return -EINVAL;
		default:
			conf_errf(lx->c, lx->tok_line,
				  "unexpected %s after the value of '%s'",
				  tok_name(t), n->name);
			return -EINVAL;
		}
	}
}

/* The entries of a section up to its '}' (or EOF for the root). */
static int parse_body(struct lexer *lx, struct conf_node *sec,
		      unsigned int depth)
{
	struct conf_node *tail = NULL;
	char q[CONF_QUOTE_MAX];
	char name[IKE_CONF_NAME_MAX];
	unsigned int line;
	enum tok t;
	int ret;

	for (;;) {
		t = lex_next(lx, LEX_NAME);
		switch (t) {
		case T_NL:
			continue;
		case T_EOF:
			if (!depth)
				return 0;
			if (lx->glued_hash_line)
				conf_errf(lx->c, sec->line,
					  "section '%s' is not closed (missing '}'; note the '#' on line %u starts a comment, quote values containing '#')",
					  sec->name, lx->glued_hash_line);
			else
				conf_errf(lx->c, sec->line,
					  "section '%s' is not closed (missing '}')",
					  sec->name);
			return -EINVAL;
		case T_RBRACE:
			if (depth)
				return 0;
			conf_errf(lx->c, lx->tok_line,
				  "unexpected '}' (no section to close)");
			return -EINVAL;
		case T_WORD:
			break;
		case T_ERR:
			return -EINVAL;
		case T_STRING:
			conf_errf(lx->c, lx->tok_line,
				  "expected a name, got a quoted string");
			return -EINVAL;
		default:
			conf_errf(lx->c, lx->tok_line,
				  "expected a name, got %s", tok_name(t));
			return -EINVAL;
		}

		line = lx->tok_line;
		if (!name_ok(lx->text)) {
			conf_errf(lx->c, line,
				  "invalid name '%s' (letters, digits, '-', '_' and '.' only)",
				  conf_quote(lx->text, q));
			return -EINVAL;
		}
		if (lx->len >= IKE_CONF_NAME_MAX) {
			conf_errf(lx->c, line, "name '%s' longer than %u bytes",
				  conf_quote(lx->text, q), IKE_CONF_NAME_MAX - 1);
			return -EINVAL;
		}
		memcpy(name, lx->text, lx->len + 1);

		t = lex_next(lx, LEX_NAME);
		if (t == T_NL) {
			/* "name" alone on a line: a section whose '{'
			 * follows on a later line. */
			lex_skip_blank(lx);
			t = lex_next(lx, LEX_NAME);
			if (t != T_LBRACE && t != T_ERR) {
				conf_errf(lx->c, line,
					  "expected '{' or '=' after '%s'", name);
				return -EINVAL;
			}
		}
		if (t == T_ERR)
			return -EINVAL;
		if (t == T_EQ) {
			struct conf_node *n = node_new(lx, sec, &tail, name, line);

			if (!n)
				return lx->c->nomem ? -ENOMEM : -EINVAL;
			ret = parse_values(lx, n);
			if (ret)
				return ret;
		} else if (t == T_LBRACE) {
			struct conf_node *n;

			if (depth + 1 > IKE_CONF_DEPTH_MAX) {
				conf_errf(lx->c, line,
					  "sections nested deeper than %u levels",
					  IKE_CONF_DEPTH_MAX);
				return -EINVAL;
			}
			n = node_new(lx, sec, &tail, name, line);
			if (!n)
				return lx->c->nomem ? -ENOMEM : -EINVAL;
			n->section = true;
			ret = parse_body(lx, n, depth + 1);
			if (ret)
				return ret;
		} else {
			conf_errf(lx->c, lx->tok_line,
				  "expected '=' or '{' after '%s', got %s",
				  name, tok_name(t));
			return -EINVAL;
		}
	}
}

int conf_parse(struct conf_ctx *c, const char *buf, size_t len,
	       struct conf_node **root)
{
	struct lexer *lx;
	struct conf_node *r;
	int ret;

	*root = NULL;
	if (len > IKE_CONF_FILE_MAX) {
		conf_errf(c, 0, "file too large (%zu bytes, max %u)", len,
			  IKE_CONF_FILE_MAX);
		return -EINVAL;
	}
	/* The lexer's text buffer holds secrets on their way through. */
	lx = calloc(1, sizeof(*lx));
	r = calloc(1, sizeof(*r));
	if (!lx || !r) {
		free(lx);
		free(r);
		conf_nomem(c);
		return -ENOMEM;
	}
	r->section = true;
	lx->c = c;
	lx->p = buf;
	lx->end = buf + len;
	lx->line = 1;
	lx->pushed = T_ERR;

	ret = parse_body(lx, r, 0);
	if (!ret && c->failed)
		ret = -EINVAL;
	OPENSSL_cleanse(lx, sizeof(*lx));
	free(lx);
	if (ret) {
		conf_tree_free(r);
		return c->nomem ? -ENOMEM : ret;
	}
	*root = r;
	return 0;
}
