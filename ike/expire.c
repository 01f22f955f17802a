// SPDX-License-Identifier: GPL-2.0-only
/*
 * Readers of the daemon's listings for the adoption at start (install.c):
 * `-j sa list` and `-j policy list`. (SA lifetimes now arrive as events,
 * dp_events.c.) The reader knows JSON's grammar (RFC 8259) but keeps only
 * spi, proto, dir, reqid, soft_expired and hard_expired of each SA
 * object, and id, dir, action and spi of each policy object, in the
 * top-level array.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shell.h"

#define JSON_DEPTH_MAX 16

struct jp {
	const char *s;
	size_t len;
	size_t pos;
};

static void ws(struct jp *j)
{
	while (j->pos < j->len && (j->s[j->pos] == ' ' || j->s[j->pos] == '\t' ||
				   j->s[j->pos] == '\n' || j->s[j->pos] == '\r'))
		j->pos++;
}

static bool eat(struct jp *j, char c)
{
	ws(j);
	if (j->pos < j->len && j->s[j->pos] == c) {
		j->pos++;
		return true;
	}
	return false;
}

static bool peek(struct jp *j, char c)
{
	ws(j);
	return j->pos < j->len && j->s[j->pos] == c;
}

/* A string into out (cut to cap - 1 bytes; escapes other than \" and \\
 * read as '?'). */
static int jstring(struct jp *j, char *out, size_t cap)
{
	size_t n = 0;

	if (!eat(j, '"'))
		return -EINVAL;
	while (j->pos < j->len) {
		char c = j->s[j->pos++];

		if (c == '"') {
			if (cap)
				out[n] = '\0';
			return 0;
		}
		if ((unsigned char)c < 0x20)
			return -EINVAL;
		if (c == '\\') {
			if (j->pos >= j->len)
				return -EINVAL;
			c = j->s[j->pos++];
			if (c == 'u') {
				if (j->len - j->pos < 4)
					return -EINVAL;
				j->pos += 4;
				c = '?';
			} else if (c != '"' && c != '\\') {
				if (!strchr("/bfnrt", c))
					return -EINVAL;
				c = '?';
			}
		}
		if (n + 1 < cap)
			out[n++] = c;
	}
	return -EINVAL;
}

static int jliteral(struct jp *j, const char *lit)
{
	size_t l = strlen(lit);

	ws(j);
	if (j->len - j->pos < l || memcmp(j->s + j->pos, lit, l))
		return -EINVAL;
	j->pos += l;
	return 0;
}

static int jskip(struct jp *j, int depth);

static int jskip_container(struct jp *j, int depth, char open, char close)
{
	char key[8];

	if (depth >= JSON_DEPTH_MAX || !eat(j, open))
		return -EINVAL;
	if (eat(j, close))
		return 0;
	do {
		if (open == '{' && (jstring(j, key, sizeof(key)) || !eat(j, ':')))
			return -EINVAL;
		if (jskip(j, depth + 1))
			return -EINVAL;
	} while (eat(j, ','));
	return eat(j, close) ? 0 : -EINVAL;
}

static int jskip(struct jp *j, int depth)
{
	char c;

	ws(j);
	if (j->pos >= j->len)
		return -EINVAL;
	c = j->s[j->pos];
	if (c == '"') {
		char tmp[1];

		return jstring(j, tmp, 0);
	}
	if (c == '{')
		return jskip_container(j, depth, '{', '}');
	if (c == '[')
		return jskip_container(j, depth, '[', ']');
	if (c == 't')
		return jliteral(j, "true");
	if (c == 'f')
		return jliteral(j, "false");
	if (c == 'n')
		return jliteral(j, "null");
	if (c == '-' || (c >= '0' && c <= '9')) {
		size_t start = j->pos;

		while (j->pos < j->len && strchr("+-.eE0123456789", j->s[j->pos]))
			j->pos++;
		return j->pos > start ? 0 : -EINVAL;
	}
	return -EINVAL;
}

static int jbool(struct jp *j, bool *v)
{
	if (peek(j, 't')) {
		*v = true;
		return jliteral(j, "true");
	}
	*v = false;
	return jliteral(j, "false");
}

/* A non-negative integer up to UINT32_MAX. */
static int ju32(struct jp *j, uint32_t *v)
{
	uint64_t x = 0;
	size_t start;

	ws(j);
	start = j->pos;
	while (j->pos < j->len && j->s[j->pos] >= '0' && j->s[j->pos] <= '9') {
		x = x * 10 + (uint64_t)(j->s[j->pos++] - '0');
		if (x > UINT32_MAX)
			return -EINVAL;
	}
	if (j->pos == start)
		return -EINVAL;
	*v = (uint32_t)x;
	return 0;
}

static int jdir(const char *val)
{
	return !strcmp(val, "in") ? IKE_INSTALL_IN : !strcmp(val, "out") ? IKE_INSTALL_OUT : 0;
}

/* An SPI string ("0x1234abcd"); false when it is not one. */
static bool spi_value(const char *val, uint32_t *spi)
{
	char *end;
	unsigned long v = strtoul(val, &end, 0);

	*spi = (uint32_t)v;
	return val[0] && !*end && v <= UINT32_MAX;
}

/* One SA object; *ok when it named a usable spi, proto and dir. */
static int jsa(struct jp *j, struct ike_dp_sa *sa, bool *ok)
{
	bool have_spi = false;

	memset(sa, 0, sizeof(*sa));
	*ok = false;
	if (!eat(j, '{'))
		return -EINVAL;
	if (eat(j, '}'))
		return 0;
	do {
		char key[32], val[32];
		int ret;

		if (jstring(j, key, sizeof(key)) || !eat(j, ':'))
			return -EINVAL;
		if (!strcmp(key, "spi") || !strcmp(key, "proto") || !strcmp(key, "dir")) {
			if (!peek(j, '"'))
				return -EINVAL;
			ret = jstring(j, val, sizeof(val));
			if (ret)
				return ret;
			if (key[0] == 's') {
				have_spi = spi_value(val, &sa->spi);
			} else if (key[0] == 'p') {
				sa->proto = !strcmp(val, "esp") ? IKE_PROTO_ESP :
					    !strcmp(val, "ah") ? IKE_PROTO_AH : 0;
			} else {
				sa->dir = jdir(val);
			}
		} else if (!strcmp(key, "reqid")) {
			ret = ju32(j, &sa->reqid);
		} else if (!strcmp(key, "soft_expired")) {
			ret = jbool(j, &sa->soft_expired);
		} else if (!strcmp(key, "hard_expired")) {
			ret = jbool(j, &sa->hard_expired);
		} else {
			ret = jskip(j, 2);
		}
		if (ret)
			return ret;
	} while (eat(j, ','));
	if (!eat(j, '}'))
		return -EINVAL;
	*ok = have_spi && sa->proto && sa->dir;
	return 0;
}

/* A JSON array of objects, one item() call each (it consumes the object
 * and may stop the walk with *stop); then nothing but blanks. */
static int json_array(const char *json, size_t len,
		      int (*item)(struct jp *j, void *ctx, bool *stop), void *ctx)
{
	struct jp j = { .s = json, .len = len, .pos = 0 };

	if (!eat(&j, '['))
		return -EINVAL;
	if (!eat(&j, ']')) {
		do {
			bool stop = false;

			if (item(&j, ctx, &stop))
				return -EINVAL;
			if (stop)
				return 0;
		} while (eat(&j, ','));
		if (!eat(&j, ']'))
			return -EINVAL;
	}
	ws(&j);
	return j.pos == j.len ? 0 : -EINVAL;
}

struct sa_walk {
	int (*fn)(const struct ike_dp_sa *sa, void *arg);
	void *arg;
};

static int sa_item(struct jp *j, void *ctx, bool *stop)
{
	struct sa_walk *w = ctx;
	struct ike_dp_sa sa;
	bool ok;

	if (jsa(j, &sa, &ok))
		return -EINVAL;
	*stop = ok && w->fn(&sa, w->arg);
	return 0;
}

int ike_expire_parse(const char *json, size_t len,
		     int (*fn)(const struct ike_dp_sa *sa, void *arg), void *arg)
{
	struct sa_walk w = { fn, arg };

	return json_array(json, len, sa_item, &w);
}

/* One policy object; *ok when it named an id and a dir. */
static int jpolicy(struct jp *j, struct ike_dp_policy *p, bool *ok)
{
	bool have_id = false;

	memset(p, 0, sizeof(*p));
	*ok = false;
	if (!eat(j, '{'))
		return -EINVAL;
	if (eat(j, '}'))
		return 0;
	do {
		char key[32], val[32];
		int ret = 0;

		if (jstring(j, key, sizeof(key)) || !eat(j, ':'))
			return -EINVAL;
		if (!strcmp(key, "id")) {
			ret = ju32(j, &p->id);
			have_id = !ret;
		} else if ((!strcmp(key, "dir") || !strcmp(key, "action") ||
			    !strcmp(key, "spi")) && peek(j, '"')) {
			ret = jstring(j, val, sizeof(val));
			if (ret)
				return ret;
			if (key[0] == 'd')
				p->dir = jdir(val);
			else if (key[0] == 'a')
				p->action = !strcmp(val, "protect") ? IKE_DP_PROTECT : IKE_DP_OTHER;
			else if (!spi_value(val, &p->spi))
				return -EINVAL;
		} else {
			ret = jskip(j, 2);      /* "spi": null, counters, ... */
		}
		if (ret)
			return ret;
	} while (eat(j, ','));
	if (!eat(j, '}'))
		return -EINVAL;
	*ok = have_id && p->dir && p->action;
	return 0;
}

struct policy_walk {
	int (*fn)(const struct ike_dp_policy *p, void *arg);
	void *arg;
};

static int policy_item(struct jp *j, void *ctx, bool *stop)
{
	struct policy_walk *w = ctx;
	struct ike_dp_policy p;
	bool ok;

	if (jpolicy(j, &p, &ok))
		return -EINVAL;
	*stop = ok && w->fn(&p, w->arg);
	return 0;
}

int ike_dp_policies_parse(const char *json, size_t len,
			  int (*fn)(const struct ike_dp_policy *p, void *arg), void *arg)
{
	struct policy_walk w = { fn, arg };

	return json_array(json, len, policy_item, &w);
}
