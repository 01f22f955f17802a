/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A strict RFC 8259 JSON syntax checker for tests: the whole text must be
 * exactly one value (surrounding whitespace allowed). Written from the
 * grammar of RFC 8259 §2-§7, independent of the writer in ctl/outbuf.c.
 */
#ifndef XS_JSONCHECK_H
#define XS_JSONCHECK_H

#include <stdbool.h>
#include <string.h>

struct jc {
	const char *p;
	int depth;
};

static bool jc_value(struct jc *j);

static inline void jc_ws(struct jc *j)
{
	while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')
		j->p++;
}

static inline bool jc_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* RFC 8259 §7. */
static inline bool jc_string(struct jc *j)
{
	if (*j->p != '"')
		return false;
	j->p++;
	for (;;) {
		unsigned char c = (unsigned char)*j->p;

		if (c == '"') {
			j->p++;
			return true;
		}
		if (c < 0x20)           /* includes the terminating NUL */
			return false;
		if (c == '\\') {
			j->p++;
			if (*j->p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!jc_hex(j->p[i]))
						return false;
				j->p += 5;
				continue;
			}
			if (!*j->p || !strchr("\"\\/bfnrt", *j->p))
				return false;
		}
		j->p++;
	}
}

/* RFC 8259 §6. */
static inline bool jc_number(struct jc *j)
{
	if (*j->p == '-')
		j->p++;
	if (*j->p == '0') {
		j->p++;
	} else if (*j->p >= '1' && *j->p <= '9') {
		while (*j->p >= '0' && *j->p <= '9')
			j->p++;
	} else {
		return false;
	}
	if (*j->p == '.') {
		j->p++;
		if (!(*j->p >= '0' && *j->p <= '9'))
			return false;
		while (*j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	if (*j->p == 'e' || *j->p == 'E') {
		j->p++;
		if (*j->p == '+' || *j->p == '-')
			j->p++;
		if (!(*j->p >= '0' && *j->p <= '9'))
			return false;
		while (*j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	return true;
}

static inline bool jc_literal(struct jc *j, const char *lit)
{
	size_t n = strlen(lit);

	if (strncmp(j->p, lit, n))
		return false;
	j->p += n;
	return true;
}

/* RFC 8259 §4 (object) and §5 (array). */
static inline bool jc_container(struct jc *j, char open, char close)
{
	if (*j->p != open || ++j->depth > 64)
		return false;
	j->p++;
	jc_ws(j);
	if (*j->p == close) {
		j->p++;
		j->depth--;
		return true;
	}
	for (;;) {
		if (open == '{') {
			if (!jc_string(j))
				return false;
			jc_ws(j);
			if (*j->p != ':')
				return false;
			j->p++;
		}
		if (!jc_value(j))
			return false;
		if (*j->p == ',') {
			j->p++;
			jc_ws(j);
			continue;
		}
		if (*j->p != close)
			return false;
		j->p++;
		j->depth--;
		return true;
	}
}

/* A value with the whitespace around it. */
static bool jc_value(struct jc *j)
{
	bool ok;

	jc_ws(j);
	switch (*j->p) {
	case '{':
		ok = jc_container(j, '{', '}');
		break;
	case '[':
		ok = jc_container(j, '[', ']');
		break;
	case '"':
		ok = jc_string(j);
		break;
	case 't':
		ok = jc_literal(j, "true");
		break;
	case 'f':
		ok = jc_literal(j, "false");
		break;
	case 'n':
		ok = jc_literal(j, "null");
		break;
	default:
		ok = jc_number(j);
		break;
	}
	jc_ws(j);
	return ok;
}

/* True if text is exactly one JSON value. */
static inline bool json_valid(const char *text)
{
	struct jc j = { .p = text };

	return jc_value(&j) && *j.p == '\0';
}

#endif
