// SPDX-License-Identifier: GPL-2.0-only
/*
 * The output buffer and JSON writer of ctl/outbuf.c: growth, the size
 * limit, sticky errors, comma placement, misnesting refused, and string
 * escaping (RFC 8259 §7) as a table of (input, expected JSON) rows, each
 * also checked by the independent validator in jsoncheck.h.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jsoncheck.h"
#include "outbuf.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void test_outbuf_grows(void **state)
{
	struct xs_outbuf o;
	(void)state;

	xs_outbuf_init(&o);
	assert_string_equal(xs_outbuf_text(&o), "");
	for (int i = 0; i < 10000; i++)
		assert_int_equal(xs_outbuf_printf(&o, "%05d\n", i), 0);
	assert_int_equal(o.len, 60000);
	assert_int_equal(strlen(xs_outbuf_text(&o)), 60000);
	assert_memory_equal(o.buf + 6 * 9999, "09999\n", 6);
	assert_int_equal(xs_outbuf_write(&o, "a\0b", 3), 0);
	assert_int_equal(o.len, 60003);
	assert_int_equal(o.buf[60003], '\0');
	xs_outbuf_reset(&o);
	assert_int_equal(o.len, 0);
	assert_string_equal(xs_outbuf_text(&o), "");
	assert_int_equal(xs_outbuf_puts(&o, "again"), 0);
	assert_string_equal(xs_outbuf_text(&o), "again");
	xs_outbuf_free(&o);
	xs_outbuf_free(NULL);
}

/* Past XS_OUTBUF_MAX the buffer refuses, keeps what it had, and stays
 * refused until reset. */
static void test_outbuf_limit(void **state)
{
	static char chunk[1 << 16];
	struct xs_outbuf o;
	size_t n = 0;
	(void)state;

	memset(chunk, 'c', sizeof(chunk));
	xs_outbuf_init(&o);
	while (n + sizeof(chunk) <= XS_OUTBUF_MAX) {
		assert_int_equal(xs_outbuf_write(&o, chunk, sizeof(chunk)), 0);
		n += sizeof(chunk);
	}
	assert_int_equal(o.len, XS_OUTBUF_MAX);
	assert_int_equal(xs_outbuf_puts(&o, "x"), -E2BIG);
	assert_int_equal(o.err, -E2BIG);
	assert_int_equal(o.len, XS_OUTBUF_MAX);
	/* Sticky: even a write that would fit is refused now. */
	assert_int_equal(xs_outbuf_write(&o, "", 0), -E2BIG);
	assert_int_equal(xs_outbuf_printf(&o, "%d", 1), -E2BIG);
	xs_outbuf_reset(&o);
	assert_int_equal(o.err, 0);
	assert_int_equal(xs_outbuf_puts(&o, "ok"), 0);
	assert_string_equal(xs_outbuf_text(&o), "ok");
	xs_outbuf_free(&o);
}

static const char *json_of(struct xs_outbuf *o, const char *s)
{
	struct xs_json j;

	xs_outbuf_reset(o);
	xs_json_init(&j, o);
	xs_json_string(&j, s);
	assert_int_equal(xs_json_finish(&j), 0);
	return xs_outbuf_text(o);
}

static void test_json_escaping(void **state)
{
	static const struct {
		const char *in;
		const char *json;
	} rows[] = {
		{ "", "\"\"" },
		{ "plain eth0", "\"plain eth0\"" },
		{ "q\"uote", "\"q\\\"uote\"" },
		{ "back\\slash", "\"back\\\\slash\"" },
		{ "/", "\"/\"" },
		{ "\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"" },
		{ "\x01\x1f", "\"\\u0001\\u001f\"" },
		{ "\x7f", "\"\\u007f\"" },
		/* Well-formed UTF-8 passes through (RFC 3629). */
		{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
		{ "\xe2\x82\xac", "\"\xe2\x82\xac\"" },
		{ "\xf0\x9f\x94\x91", "\"\xf0\x9f\x94\x91\"" },
		{ "\xef\xbf\xbf", "\"\xef\xbf\xbf\"" },
		/* Anything else becomes U+FFFD, one per bad byte. */
		{ "\xff", "\"\\ufffd\"" },
		{ "\x80", "\"\\ufffd\"" },
		{ "\xc3", "\"\\ufffd\"" },                  /* cut short */
		{ "\xc0\xaf", "\"\\ufffd\\ufffd\"" },       /* overlong '/' */
		{ "\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"" },
		{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" }, /* surrogate */
		{ "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" }, /* > U+10FFFF */
		{ "\xf5\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
		{ "a\xe2\x82" "b", "\"a\\ufffd\\ufffdb\"" },
	};
	struct xs_outbuf o;
	(void)state;

	xs_outbuf_init(&o);
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		const char *got = json_of(&o, rows[i].in);

		if (strcmp(got, rows[i].json))
			fail_msg("row %zu: got %s want %s", i, got, rows[i].json);
		if (!json_valid(got))
			fail_msg("row %zu: invalid JSON %s", i, got);
	}
	xs_outbuf_free(&o);
}

static void test_json_document(void **state)
{
	struct xs_outbuf o;
	struct xs_json j;
	(void)state;

	xs_outbuf_init(&o);
	xs_json_init(&j, &o);
	xs_json_object_begin(&j);
	xs_json_kv_string(&j, "name", "x");
	xs_json_kv_u64(&j, "big", UINT64_MAX);
	xs_json_kv_bool(&j, "t", true);
	xs_json_kv_bool(&j, "f", false);
	xs_json_key(&j, "nothing");
	xs_json_null(&j);
	xs_json_key(&j, "list");
	xs_json_array_begin(&j);
	xs_json_u64(&j, 1);
	xs_json_object_begin(&j);
	xs_json_object_end(&j);
	xs_json_array_begin(&j);
	xs_json_array_end(&j);
	xs_json_string(&j, "k\"ey");
	xs_json_array_end(&j);
	xs_json_key(&j, "k\"ey");
	xs_json_object_begin(&j);
	xs_json_object_end(&j);
	xs_json_object_end(&j);
	assert_int_equal(xs_json_finish(&j), 0);
	assert_string_equal(xs_outbuf_text(&o),
		"{\"name\":\"x\",\"big\":18446744073709551615,\"t\":true,\"f\":false,"
		"\"nothing\":null,\"list\":[1,{},[],\"k\\\"ey\"],\"k\\\"ey\":{}}");
	assert_true(json_valid(xs_outbuf_text(&o)));
	xs_outbuf_free(&o);
}

/* Misuse sets -EINVAL instead of writing invalid JSON silently. */
static void test_json_misuse(void **state)
{
	struct xs_outbuf o;
	struct xs_json j;
	(void)state;

	xs_outbuf_init(&o);

	/* A value without a key inside an object. */
	xs_json_init(&j, &o);
	xs_json_object_begin(&j);
	xs_json_u64(&j, 1);
	assert_int_equal(o.err, -EINVAL);

	/* A key inside an array. */
	xs_outbuf_reset(&o);
	xs_json_init(&j, &o);
	xs_json_array_begin(&j);
	xs_json_key(&j, "k");
	assert_int_equal(o.err, -EINVAL);

	/* Closing the wrong container. */
	xs_outbuf_reset(&o);
	xs_json_init(&j, &o);
	xs_json_array_begin(&j);
	xs_json_object_end(&j);
	assert_int_equal(o.err, -EINVAL);

	/* A key without its value. */
	xs_outbuf_reset(&o);
	xs_json_init(&j, &o);
	xs_json_object_begin(&j);
	xs_json_key(&j, "k");
	xs_json_object_end(&j);
	assert_int_equal(o.err, -EINVAL);

	/* Two top-level values. */
	xs_outbuf_reset(&o);
	xs_json_init(&j, &o);
	xs_json_u64(&j, 1);
	xs_json_u64(&j, 2);
	assert_int_equal(o.err, -EINVAL);

	/* Unclosed at finish. */
	xs_outbuf_reset(&o);
	xs_json_init(&j, &o);
	xs_json_array_begin(&j);
	assert_int_equal(xs_json_finish(&j), -EINVAL);

	/* Closing more than was opened. */
	xs_outbuf_reset(&o);
	xs_json_init(&j, &o);
	xs_json_array_end(&j);
	assert_int_equal(o.err, -EINVAL);

	/* Nesting past the limit. */
	xs_outbuf_reset(&o);
	xs_json_init(&j, &o);
	for (int i = 0; i < XS_JSON_DEPTH_MAX; i++)
		xs_json_array_begin(&j);
	assert_int_equal(o.err, 0);
	xs_json_array_begin(&j);
	assert_int_equal(o.err, -EINVAL);
	xs_outbuf_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outbuf_grows),
		cmocka_unit_test(test_outbuf_limit),
		cmocka_unit_test(test_json_escaping),
		cmocka_unit_test(test_json_document),
		cmocka_unit_test(test_json_misuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
