// SPDX-License-Identifier: GPL-2.0-only
/*
 * Growable output buffer and JSON writer (RFC 8259).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outbuf.h"

void xs_outbuf_init(struct xs_outbuf *o)
{
	memset(o, 0, sizeof(*o));
}

void xs_outbuf_reset(struct xs_outbuf *o)
{
	o->len = 0;
	o->err = 0;
	if (o->buf)
		o->buf[0] = '\0';
}

void xs_outbuf_free(struct xs_outbuf *o)
{
	if (!o)
		return;
	free(o->buf);
	memset(o, 0, sizeof(*o));
}

/* Makes room for extra more bytes plus the terminating NUL. */
static int outbuf_reserve(struct xs_outbuf *o, size_t extra)
{
	size_t need, cap;
	char *p;

	if (o->err)
		return o->err;
	if (extra > XS_OUTBUF_MAX - o->len) {
		o->err = -E2BIG;
		return o->err;
	}
	need = o->len + extra + 1;
	if (need <= o->cap)
		return 0;
	cap = o->cap ? o->cap : 256;
	while (cap < need)
		cap *= 2;
	p = realloc(o->buf, cap);
	if (!p) {
		o->err = -ENOMEM;
		return o->err;
	}
	o->buf = p;
	o->cap = cap;
	return 0;
}

int xs_outbuf_write(struct xs_outbuf *o, const void *data, size_t len)
{
	int ret = outbuf_reserve(o, len);

	if (ret)
		return ret;
	memcpy(o->buf + o->len, data, len);
	o->len += len;
	o->buf[o->len] = '\0';
	return 0;
}

int xs_outbuf_puts(struct xs_outbuf *o, const char *s)
{
	return xs_outbuf_write(o, s, strlen(s));
}

int xs_outbuf_printf(struct xs_outbuf *o, const char *fmt, ...)
{
	va_list ap;
	int n, ret;

	if (o->err)
		return o->err;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		o->err = -EINVAL;
		return o->err;
	}
	ret = outbuf_reserve(o, (size_t)n);
	if (ret)
		return ret;
	va_start(ap, fmt);
	vsnprintf(o->buf + o->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	o->len += (size_t)n;
	return 0;
}

const char *xs_outbuf_text(const struct xs_outbuf *o)
{
	return o->buf ? o->buf : "";
}

/* --------------------------------------------------------------- JSON */

static void json_fail(struct xs_json *j)
{
	if (!j->out->err)
		j->out->err = -EINVAL;
}

void xs_json_init(struct xs_json *j, struct xs_outbuf *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
}

/* Writes the separator a new value needs; refuses a value without a key
 * inside an object, or a second top-level value. */
static bool json_value_start(struct xs_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return true;
	}
	if (j->in_object[j->depth] || (j->depth == 0 && j->need_comma[0])) {
		json_fail(j);
		return false;
	}
	if (j->need_comma[j->depth])
		xs_outbuf_puts(j->out, ",");
	j->need_comma[j->depth] = true;
	return true;
}

/*
 * Length of the well-formed UTF-8 sequence at s (RFC 3629 §4), or 0.
 * Overlong forms, surrogates and code points past U+10FFFF are not
 * well-formed. The NUL terminator is never a continuation byte, so the
 * checks stop at the end of the string.
 */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* RFC 8259 §7: quote, backslash and control characters are escaped;
 * bytes that are not UTF-8 become U+FFFD so the document stays valid. */
static void json_escape(struct xs_outbuf *o, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	xs_outbuf_puts(o, "\"");
	while (*s) {
		const unsigned char *run = s;
		size_t n;

		while (*s >= 0x20 && *s < 0x7f && *s != '"' && *s != '\\')
			s++;
		xs_outbuf_write(o, run, (size_t)(s - run));
		if (!*s)
			break;
		switch (*s) {
		case '"':
			xs_outbuf_puts(o, "\\\"");
			break;
		case '\\':
			xs_outbuf_puts(o, "\\\\");
			break;
		case '\b':
			xs_outbuf_puts(o, "\\b");
			break;
		case '\f':
			xs_outbuf_puts(o, "\\f");
			break;
		case '\n':
			xs_outbuf_puts(o, "\\n");
			break;
		case '\r':
			xs_outbuf_puts(o, "\\r");
			break;
		case '\t':
			xs_outbuf_puts(o, "\\t");
			break;
		default:
			if (*s < 0x80) {
				xs_outbuf_printf(o, "\\u%04x", *s);
				break;
			}
			n = utf8_len(s);
			if (!n) {
				xs_outbuf_puts(o, "\\ufffd");
				break;
			}
			xs_outbuf_write(o, s, n);
			s += n;
			continue;
		}
		s++;
	}
	xs_outbuf_puts(o, "\"");
}

static void json_open(struct xs_json *j, bool object)
{
	if (!json_value_start(j))
		return;
	if (j->depth == XS_JSON_DEPTH_MAX) {
		json_fail(j);
		return;
	}
	j->depth++;
	j->in_object[j->depth] = object;
	j->need_comma[j->depth] = false;
	xs_outbuf_puts(j->out, object ? "{" : "[");
}

static void json_close(struct xs_json *j, bool object)
{
	if (j->depth == 0 || j->in_object[j->depth] != object || j->after_key) {
		json_fail(j);
		return;
	}
	j->depth--;
	xs_outbuf_puts(j->out, object ? "}" : "]");
}

void xs_json_object_begin(struct xs_json *j)
{
	json_open(j, true);
}

void xs_json_object_end(struct xs_json *j)
{
	json_close(j, true);
}

void xs_json_array_begin(struct xs_json *j)
{
	json_open(j, false);
}

void xs_json_array_end(struct xs_json *j)
{
	json_close(j, false);
}

void xs_json_key(struct xs_json *j, const char *key)
{
	if (!j->in_object[j->depth] || j->after_key) {
		json_fail(j);
		return;
	}
	if (j->need_comma[j->depth])
		xs_outbuf_puts(j->out, ",");
	j->need_comma[j->depth] = true;
	json_escape(j->out, key);
	xs_outbuf_puts(j->out, ":");
	j->after_key = true;
}

void xs_json_string(struct xs_json *j, const char *s)
{
	if (json_value_start(j))
		json_escape(j->out, s);
}

void xs_json_u64(struct xs_json *j, uint64_t v)
{
	if (json_value_start(j))
		xs_outbuf_printf(j->out, "%" PRIu64, v);
}

void xs_json_bool(struct xs_json *j, bool v)
{
	if (json_value_start(j))
		xs_outbuf_puts(j->out, v ? "true" : "false");
}

void xs_json_null(struct xs_json *j)
{
	if (json_value_start(j))
		xs_outbuf_puts(j->out, "null");
}

void xs_json_kv_string(struct xs_json *j, const char *key, const char *s)
{
	xs_json_key(j, key);
	xs_json_string(j, s);
}

void xs_json_kv_u64(struct xs_json *j, const char *key, uint64_t v)
{
	xs_json_key(j, key);
	xs_json_u64(j, v);
}

void xs_json_kv_bool(struct xs_json *j, const char *key, bool v)
{
	xs_json_key(j, key);
	xs_json_bool(j, v);
}

int xs_json_finish(struct xs_json *j)
{
	if (j->depth || j->after_key)
		json_fail(j);
	return j->out->err;
}
