// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Prometheus text format writer of ctl/metrics_fmt.c: HELP and TYPE
 * lines, samples with and without labels, label values escaped as the
 * exposition format says (backslash, double quote, line feed), "# EOF",
 * and the process start time read from /proc.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "metrics_fmt.h"

static void test_family_and_samples(void **state)
{
	const char *labels[] = { "spi", "0x00001001", "dir", "in", NULL };
	struct xs_outbuf o;
	(void)state;

	xs_outbuf_init(&o);
	xs_metric_family(&o, "xdpsec_sa_packets_total", "counter", "Packets.");
	xs_metric_u64(&o, "xdpsec_sa_packets_total", labels, 18446744073709551615ull);
	xs_metric_u64(&o, "xdpsec_sa_packets_total", NULL, 0);
	xs_metric_one(&o, "xdpsec_up_seconds", "gauge", "Up.", 1.5);
	xs_metric_eof(&o);
	assert_int_equal(o.err, 0);
	assert_string_equal(xs_outbuf_text(&o),
		"# HELP xdpsec_sa_packets_total Packets.\n"
		"# TYPE xdpsec_sa_packets_total counter\n"
		"xdpsec_sa_packets_total{spi=\"0x00001001\",dir=\"in\"} 18446744073709551615\n"
		"xdpsec_sa_packets_total 0\n"
		"# HELP xdpsec_up_seconds Up.\n"
		"# TYPE xdpsec_up_seconds gauge\n"
		"xdpsec_up_seconds 1.500\n"
		"# EOF\n");
	xs_outbuf_free(&o);
}

static void test_label_escaping(void **state)
{
	static const struct {
		const char *value, *want;
	} rows[] = {
		{ "plain", "x{l=\"plain\"} 1\n" },
		{ "", "x{l=\"\"} 1\n" },
		{ "a\"b", "x{l=\"a\\\"b\"} 1\n" },
		{ "a\\b", "x{l=\"a\\\\b\"} 1\n" },
		{ "a\nb", "x{l=\"a\\nb\"} 1\n" },
		{ "\\\"\n", "x{l=\"\\\\\\\"\\n\"} 1\n" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *labels[] = { "l", rows[i].value, NULL };
		struct xs_outbuf o;

		xs_outbuf_init(&o);
		xs_metric_u64(&o, "x", labels, 1);
		assert_string_equal(xs_outbuf_text(&o), rows[i].want);
		xs_outbuf_free(&o);
	}
}

static void test_process_start(void **state)
{
	double start = xs_metric_process_start();
	(void)state;

	/* This process started before now and after the year 2020. */
	assert_true(start > 1577836800.0);
	assert_true(start <= (double)time(NULL) + 1.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_family_and_samples),
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_process_start),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
