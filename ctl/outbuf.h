/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Command output: a growable text buffer with printf, and a small JSON
 * writer on top of it that places commas and escapes strings.
 *
 * Errors are sticky: the first failure (-ENOMEM, -E2BIG past
 * XS_OUTBUF_MAX, -EINVAL for a misnested JSON document) is kept in err and
 * later writes are ignored, so callers check once at the end.
 */
#ifndef XSD_OUTBUF_H
#define XSD_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest output of one command; equals XS_CTL_REPLY_MAX (ctl.h). */
#define XS_OUTBUF_MAX (4u << 20)

struct xs_outbuf {
	char *buf;      /* NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
	int err;        /* 0 or the first -errno */
};

void xs_outbuf_init(struct xs_outbuf *o);
/* Empties the buffer and clears the error; keeps the memory. */
void xs_outbuf_reset(struct xs_outbuf *o);
/* Frees the memory. Accepts NULL. */
void xs_outbuf_free(struct xs_outbuf *o);

int xs_outbuf_write(struct xs_outbuf *o, const void *data, size_t len);
int xs_outbuf_puts(struct xs_outbuf *o, const char *s);
int xs_outbuf_printf(struct xs_outbuf *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The text so far, "" when empty. Valid until the next write or free. */
const char *xs_outbuf_text(const struct xs_outbuf *o);

/* --------------------------------------------------------------- JSON */

#define XS_JSON_DEPTH_MAX 16

struct xs_json {
	struct xs_outbuf *out;
	unsigned int depth;
	bool after_key;                        /* a value must follow */
	bool in_object[XS_JSON_DEPTH_MAX + 1]; /* else in an array */
	bool need_comma[XS_JSON_DEPTH_MAX + 1];
};

void xs_json_init(struct xs_json *j, struct xs_outbuf *out);

void xs_json_object_begin(struct xs_json *j);
void xs_json_object_end(struct xs_json *j);
void xs_json_array_begin(struct xs_json *j);
void xs_json_array_end(struct xs_json *j);

/* Inside an object: the key of the next value. */
void xs_json_key(struct xs_json *j, const char *key);

void xs_json_string(struct xs_json *j, const char *s);
void xs_json_u64(struct xs_json *j, uint64_t v);
void xs_json_bool(struct xs_json *j, bool v);
void xs_json_null(struct xs_json *j);

/* key + value in one call. */
void xs_json_kv_string(struct xs_json *j, const char *key, const char *s);
void xs_json_kv_u64(struct xs_json *j, const char *key, uint64_t v);
void xs_json_kv_bool(struct xs_json *j, const char *key, bool v);

/* Checks that every object and array was closed; 0 or the buffer error. */
int xs_json_finish(struct xs_json *j);

#endif
