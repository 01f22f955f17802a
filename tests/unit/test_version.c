// SPDX-License-Identifier: GPL-2.0-only
/*
 * ctl/version.c: the compiled-in version is a non-empty string of the
 * characters Debian and C allow, and exactly `--version` or `-V` in first
 * position asks for it (anything else is left to the option parsers).
 * tests/integration/test_install.py checks the binaries print the
 * version scripts/version.sh gives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "version.h"

static void test_version_string(void **state)
{
	const char *v = xs_version();

	(void)state;
	assert_non_null(v);
	assert_true(strlen(v) > 0);
	assert_true(v[0] >= '0' && v[0] <= '9');
	assert_int_equal(strspn(v, "0123456789abcdefghijklmnopqrstuvwxyz"
				"ABCDEFGHIJKLMNOPQRSTUVWXYZ.+~-"), strlen(v));
}

static void test_version_asked(void **state)
{
	struct {
		int argc;
		char *argv[4];
		bool asked;
	} rows[] = {
		{ 2, { "xdpsec", "--version" }, true },
		{ 2, { "xdpsec", "-V" }, true },
		{ 3, { "xdpsec", "--version", "status" }, true },
		{ 1, { "xdpsec" }, false },
		{ 0, { NULL }, false },
		{ 2, { "xdpsec", "version" }, false },
		{ 2, { "xdpsec", "--versio" }, false },
		{ 2, { "xdpsec", "--version=1" }, false },
		{ 2, { "xdpsec", "-v" }, false },
		/* An option's value, not the option. */
		{ 3, { "xdpsec", "-i", "--version" }, false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_int_equal(xs_version_asked(rows[i].argc, rows[i].argv),
				 rows[i].asked);
	assert_false(xs_version_asked(2, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_string),
		cmocka_unit_test(test_version_asked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
