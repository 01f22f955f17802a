// SPDX-License-Identifier: GPL-2.0-only
/*
 * The word parsers of cli/parse.c as tables of (word, expected) rows:
 * numbers at their overflow edges, addresses and prefixes, keys, ports,
 * protocols, keywords, CPU lists, and the ip-xfrm algorithm specs, which
 * are also checked against the engine (xs_sa_new accepts what they build).
 * Every refusal must leave the output untouched and name the problem,
 * and no message may quote a key. Also the words of the xdpsec command
 * line itself: keys read from files and stdin (cli/keyarg.c) and batch
 * lines (cli/batch.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <xdpsec/abi.h>

#include "batch.h"
#include "keyarg.h"
#include "parse.h"
#include "sa.h"
#include "state.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BAD NULL        /* expect a refusal */

/* One-line messages: non-empty, no newline. */
static void assert_one_line(const char *err)
{
	assert_true(err[0] != '\0');
	assert_null(strchr(err, '\n'));
}

/* ------------------------------------------------------------ numbers */

static void test_numbers(void **state)
{
	static const struct {
		const char *word;
		uint64_t max;
		bool ok;
		uint64_t want;
		const char *msg;        /* substring of the error */
	} rows[] = {
		{ "0", UINT64_MAX, true, 0, NULL },
		{ "42", UINT64_MAX, true, 42, NULL },
		{ "00012", UINT64_MAX, true, 12, NULL },
		{ "0x10", UINT64_MAX, true, 16, NULL },
		{ "0XfF", UINT64_MAX, true, 255, NULL },
		{ "4294967295", UINT32_MAX, true, UINT32_MAX, NULL },
		{ "4294967296", UINT32_MAX, false, 0, "larger than 4294967295" },
		{ "0xffffffff", UINT32_MAX, true, UINT32_MAX, NULL },
		{ "0x100000000", UINT32_MAX, false, 0, "larger than" },
		{ "18446744073709551615", UINT64_MAX, true, UINT64_MAX, NULL },
		{ "18446744073709551616", UINT64_MAX, false, 0, "larger than" },
		{ "0xffffffffffffffff", UINT64_MAX, true, UINT64_MAX, NULL },
		{ "0x10000000000000000", UINT64_MAX, false, 0, "larger than" },
		{ "99999999999999999999999", UINT64_MAX, false, 0, "larger than" },
		{ "65535", UINT16_MAX, true, 65535, NULL },
		{ "65536", UINT16_MAX, false, 0, "larger than 65535" },
		{ "1", 0, false, 0, "larger than 0" },
		{ "0", 0, true, 0, NULL },
		{ "", UINT64_MAX, false, 0, "expected a number" },
		{ "0x", UINT64_MAX, false, 0, "expected a number" },
		{ "-1", UINT64_MAX, false, 0, "expected a number" },
		{ "+1", UINT64_MAX, false, 0, "expected a number" },
		{ " 1", UINT64_MAX, false, 0, "expected a number" },
		{ "1 ", UINT64_MAX, false, 0, "expected a number" },
		{ "1a", UINT64_MAX, false, 0, "expected a number" },
		{ "0x1g", UINT64_MAX, false, 0, "expected a number" },
		{ "1e3", UINT64_MAX, false, 0, "expected a number" },
	};
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		char err[XS_ERR_MAX] = "";
		uint64_t v = 0xdeadbeef;
		int ret = xs_parse_u64(rows[i].word, "reqid", rows[i].max, &v, err,
				       sizeof(err));

		if (rows[i].ok) {
			if (ret || v != rows[i].want)
				fail_msg("row %zu '%s': ret %d v %llu", i, rows[i].word, ret,
					 (unsigned long long)v);
			continue;
		}
		if (ret != -EINVAL || v != 0xdeadbeef)
			fail_msg("row %zu '%s' accepted", i, rows[i].word);
		assert_one_line(err);
		assert_non_null(strstr(err, "bad reqid"));
		if (!strstr(err, rows[i].msg))
			fail_msg("row %zu: '%s' lacks '%s'", i, err, rows[i].msg);
	}
}

static void test_u32_and_spi(void **state)
{
	static const struct {
		const char *word;
		bool ok;
		uint32_t want;
		const char *msg;
	} spis[] = {
		{ "0x1000", true, 0x1000, NULL },
		{ "256", true, 256, NULL },
		{ "0x100", true, 256, NULL },
		{ "4294967295", true, UINT32_MAX, NULL },
		{ "255", false, 0, "reserved" },
		{ "1", false, 0, "reserved" },
		{ "0", false, 0, "reserved" },
		{ "0x100000000", false, 0, "larger than" },
		{ "0x1x", false, 0, "expected a number" },
		{ "spi", false, 0, "expected a number" },
	};
	char err[XS_ERR_MAX];
	uint32_t v;
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(spis); i++) {
		int ret;

		v = 7;
		err[0] = '\0';
		ret = xs_parse_spi(spis[i].word, &v, err, sizeof(err));
		if (spis[i].ok) {
			if (ret || v != spis[i].want)
				fail_msg("spi row %zu '%s'", i, spis[i].word);
			continue;
		}
		if (ret != -EINVAL || v != 7)
			fail_msg("spi row %zu '%s' accepted", i, spis[i].word);
		assert_one_line(err);
		if (!strstr(err, spis[i].msg))
			fail_msg("spi row %zu: '%s' lacks '%s'", i, err, spis[i].msg);
	}
	v = 0;
	assert_int_equal(xs_parse_u32("4294967295", "priority", &v, err, sizeof(err)), 0);
	assert_int_equal(v, UINT32_MAX);
	assert_int_equal(xs_parse_u32("4294967296", "priority", &v, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(v, UINT32_MAX);
	assert_non_null(strstr(err, "bad priority '4294967296'"));
}

/* ---------------------------------------------------------- addresses */

static void test_addresses(void **state)
{
	static const struct {
		const char *word;
		int family;             /* 0: refused */
	} rows[] = {
		{ "192.0.2.1", AF_INET },
		{ "0.0.0.0", AF_INET },
		{ "255.255.255.255", AF_INET },
		{ "2001:db8::1", AF_INET6 },
		{ "::", AF_INET6 },
		{ "::ffff:192.0.2.1", AF_INET6 },
		{ "1.2.3", 0 },
		{ "256.1.1.1", 0 },
		{ "10.0.0.300", 0 },
		{ "1.2.3.4/24", 0 },
		{ "fe80::1%eth0", 0 },
		{ "[2001:db8::1]", 0 },
		{ "2001:db8:::1", 0 },
		{ "", 0 },
		{ "localhost", 0 },
	};
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		char err[XS_ERR_MAX] = "";
		union xs_addr a, want;
		uint8_t fam = 99;
		int ret;

		memset(&a, 0xee, sizeof(a));
		ret = xs_parse_addr(rows[i].word, "src", &fam, &a, err, sizeof(err));
		if (!rows[i].family) {
			if (ret != -EINVAL || fam != 99 || a.b[0] != 0xee)
				fail_msg("row %zu '%s' accepted", i, rows[i].word);
			assert_one_line(err);
			assert_non_null(strstr(err, "malformed src address"));
			continue;
		}
		memset(&want, 0, sizeof(want));
		assert_int_equal(inet_pton(rows[i].family, rows[i].word, &want), 1);
		if (ret || fam != rows[i].family || memcmp(&a, &want, sizeof(a)))
			fail_msg("row %zu '%s'", i, rows[i].word);
	}
}

static void test_prefixes(void **state)
{
	static const struct {
		const char *word;
		int family;             /* 0: refused */
		const char *addr;       /* after clearing host bits */
		uint8_t plen;
	} rows[] = {
		{ "10.1.2.3/8", AF_INET, "10.0.0.0", 8 },
		{ "10.0.0.1", AF_INET, "10.0.0.1", 32 },
		{ "10.255.255.255/12", AF_INET, "10.240.0.0", 12 },
		{ "192.0.2.129/25", AF_INET, "192.0.2.128", 25 },
		{ "1.2.3.4/0", AF_INET, "0.0.0.0", 0 },
		{ "1.2.3.4/32", AF_INET, "1.2.3.4", 32 },
		{ "2001:db8::1/64", AF_INET6, "2001:db8::", 64 },
		{ "2001:db8:ffff::/33", AF_INET6, "2001:db8:8000::", 33 },
		{ "::/0", AF_INET6, "::", 0 },
		{ "2001:db8::1", AF_INET6, "2001:db8::1", 128 },
		{ "2001:db8::1/128", AF_INET6, "2001:db8::1", 128 },
		{ "2001:db8::/129", 0, NULL, 0 },
		{ "10.0.0.0/33", 0, NULL, 0 },
		{ "10.0.0.0/", 0, NULL, 0 },
		{ "10.0.0.0/-1", 0, NULL, 0 },
		{ "10.0.0.0/8/8", 0, NULL, 0 },
		{ "/8", 0, NULL, 0 },
		{ "10.0.0/8", 0, NULL, 0 },
		{ "0123456789012345678901234567890123456789012345678901/8", 0, NULL, 0 },
	};
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		char err[XS_ERR_MAX] = "";
		union xs_addr a, want;
		uint8_t fam = 99, plen = 77;
		int ret;

		memset(&a, 0xee, sizeof(a));
		ret = xs_parse_prefix(rows[i].word, "dst", &fam, &a, &plen, err,
				      sizeof(err));
		if (!rows[i].family) {
			if (ret != -EINVAL || fam != 99 || plen != 77 || a.b[0] != 0xee)
				fail_msg("row %zu '%s' accepted", i, rows[i].word);
			assert_one_line(err);
			assert_non_null(strstr(err, "dst"));
			continue;
		}
		memset(&want, 0, sizeof(want));
		assert_int_equal(inet_pton(rows[i].family, rows[i].addr, &want), 1);
		if (ret || fam != rows[i].family || plen != rows[i].plen ||
		    memcmp(&a, &want, sizeof(a)))
			fail_msg("row %zu '%s': ret %d plen %u", i, rows[i].word, ret, plen);
	}
}

/* --------------------------------------------------------------- keys */

static void test_hex_keys(void **state)
{
	char err[XS_ERR_MAX], big[2 + 2 * 65 + 1];
	uint8_t key[XS_KEY_MAX];
	size_t len;
	(void)state;

	memset(key, 0, sizeof(key));
	assert_int_equal(xs_parse_hex_key("0x00112233aAbB", key, sizeof(key), &len, err,
					  sizeof(err)), 0);
	assert_int_equal(len, 6);
	assert_memory_equal(key, "\x00\x11\x22\x33\xaa\xbb", 6);
	assert_int_equal(xs_parse_hex_key("0X0a", key, sizeof(key), &len, err,
					  sizeof(err)), 0);
	assert_int_equal(len, 1);
	assert_int_equal(key[0], 0x0a);
	/* The empty key of cipher_null, as ip xfrm spells it. */
	len = 9;
	assert_int_equal(xs_parse_hex_key("", key, sizeof(key), &len, err, sizeof(err)), 0);
	assert_int_equal(len, 0);
	len = 9;
	assert_int_equal(xs_parse_hex_key("0x", key, sizeof(key), &len, err, sizeof(err)),
			 0);
	assert_int_equal(len, 0);

	static const struct {
		const char *word;
		const char *msg;
		const char *secret;     /* must not appear in the message */
	} bad[] = {
		{ "0x123", "odd number of hex digits", "123" },
		{ "0xc0ffeeg0", "not a hex digit", "c0ffee" },
		{ "c0ffee11", "expected 0x", "c0ffee" },
		{ "secretpassword", "expected 0x", "secret" },
		{ "0x c0ffee", "not a hex digit", "c0ffee" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(key, 0x5a, sizeof(key));
		err[0] = '\0';
		len = 99;
		if (xs_parse_hex_key(bad[i].word, key, sizeof(key), &len, err,
				     sizeof(err)) != -EINVAL)
			fail_msg("key row %zu accepted", i);
		assert_one_line(err);
		if (!strstr(err, bad[i].msg) || strstr(err, bad[i].secret))
			fail_msg("key row %zu: '%s'", i, err);
		assert_int_equal(key[0], 0x5a);
		assert_int_equal(len, 99);
	}

	/* 64 bytes fit; 65 are refused, with the length reported. */
	strcpy(big, "0x");
	for (int i = 0; i < 64; i++)
		strcat(big, "ab");
	assert_int_equal(xs_parse_hex_key(big, key, sizeof(key), &len, err, sizeof(err)),
			 0);
	assert_int_equal(len, 64);
	strcat(big, "cd");
	key[0] = 0;
	assert_int_equal(xs_parse_hex_key(big, key, sizeof(key), &len, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(len, 65);
	assert_int_equal(key[0], 0);
	assert_non_null(strstr(err, "65 bytes, at most 64"));
	assert_null(strstr(err, "abab"));
}

/* ------------------------------------------------- ports and protocols */

static void test_ports(void **state)
{
	static const struct {
		const char *word;
		bool ok;
		uint16_t lo, hi;
	} rows[] = {
		{ "80", true, 80, 80 },
		{ "0", true, 0, 0 },
		{ "65535", true, 65535, 65535 },
		{ "1000-2000", true, 1000, 2000 },
		{ "0-65535", true, 0, 65535 },
		{ "5-5", true, 5, 5 },
		{ "any", true, 0, 65535 },
		{ "0x50", true, 80, 80 },
		{ "65536", false, 0, 0 },
		{ "1-65536", false, 0, 0 },
		{ "2000-1000", false, 0, 0 },
		{ "-5", false, 0, 0 },
		{ "5-", false, 0, 0 },
		{ "a-b", false, 0, 0 },
		{ "1-2-3", false, 0, 0 },
		{ "", false, 0, 0 },
		{ "12345678901234567-1", false, 0, 0 },
	};
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		char err[XS_ERR_MAX] = "";
		uint16_t lo = 11, hi = 22;
		int ret = xs_parse_port_range(rows[i].word, "dport", &lo, &hi, err,
					      sizeof(err));

		if (rows[i].ok) {
			if (ret || lo != rows[i].lo || hi != rows[i].hi)
				fail_msg("row %zu '%s'", i, rows[i].word);
			continue;
		}
		if (ret != -EINVAL || lo != 11 || hi != 22)
			fail_msg("row %zu '%s' accepted", i, rows[i].word);
		assert_one_line(err);
		assert_non_null(strstr(err, "bad dport"));
	}
}

static void test_l4proto(void **state)
{
	static const struct {
		const char *word;
		int proto;              /* -1: refused */
		bool ports;
	} rows[] = {
		{ "tcp", IPPROTO_TCP, true },
		{ "udp", IPPROTO_UDP, true },
		{ "icmp", IPPROTO_ICMP, true },
		{ "icmpv6", IPPROTO_ICMPV6, true },
		{ "ipv6-icmp", IPPROTO_ICMPV6, true },
		{ "sctp", IPPROTO_SCTP, true },
		{ "any", 0, false },
		{ "47", 47, false },
		{ "0x11", IPPROTO_UDP, true },
		{ "255", 255, false },
		{ "256", -1, false },
		{ "TCP", -1, false },
		{ "", -1, false },
	};
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		char err[XS_ERR_MAX] = "";
		uint8_t p = 200;
		int ret = xs_parse_l4proto(rows[i].word, &p, err, sizeof(err));

		if (rows[i].proto < 0) {
			if (ret != -EINVAL || p != 200)
				fail_msg("row %zu '%s' accepted", i, rows[i].word);
			assert_one_line(err);
			continue;
		}
		if (ret || p != rows[i].proto || xs_l4proto_has_ports(p) != rows[i].ports)
			fail_msg("row %zu '%s'", i, rows[i].word);
	}
	assert_string_equal(xs_l4proto_name(IPPROTO_TCP), "tcp");
	assert_string_equal(xs_l4proto_name(IPPROTO_ICMPV6), "icmpv6");
	assert_string_equal(xs_l4proto_name(0), "any");
	assert_null(xs_l4proto_name(253));
}

typedef int (*choice_fn)(const char *, uint8_t *, char *, size_t);
typedef const char *(*name_fn)(uint8_t);

static void test_keywords(void **state)
{
	static const struct {
		choice_fn parse;
		name_fn name;
		const char *word;
		int value;              /* -1: refused */
		const char *msg;
	} rows[] = {
		{ xs_parse_ipsec_proto, xs_ipsec_proto_name, "esp", XS_PROTO_ESP, NULL },
		{ xs_parse_ipsec_proto, xs_ipsec_proto_name, "ah", XS_PROTO_AH, NULL },
		{ xs_parse_ipsec_proto, xs_ipsec_proto_name, "comp", -1,
		  "bad proto 'comp': expected esp or ah" },
		{ xs_parse_dir, xs_dir_name, "in", XS_DIR_IN, NULL },
		{ xs_parse_dir, xs_dir_name, "out", XS_DIR_OUT, NULL },
		{ xs_parse_dir, xs_dir_name, "fwd", -1, "bad dir 'fwd': expected in or out" },
		{ xs_parse_dir, xs_dir_name, "IN", -1, "bad dir" },
		{ xs_parse_mode, xs_mode_name, "tunnel", XS_MODE_TUNNEL, NULL },
		{ xs_parse_mode, xs_mode_name, "transport", XS_MODE_TRANSPORT, NULL },
		{ xs_parse_mode, xs_mode_name, "beet", -1,
		  "bad mode 'beet': expected tunnel or transport" },
		{ xs_parse_action, xs_action_name, "protect", XS_SPD_PROTECT, NULL },
		{ xs_parse_action, xs_action_name, "bypass", XS_SPD_BYPASS, NULL },
		{ xs_parse_action, xs_action_name, "discard", XS_SPD_DISCARD, NULL },
		{ xs_parse_action, xs_action_name, "allow", -1,
		  "expected protect, bypass or discard" },
		{ xs_parse_backend, xs_backend_name, "auto", XS_BACKEND_AUTO, NULL },
		{ xs_parse_backend, xs_backend_name, "openssl", XS_BACKEND_OPENSSL, NULL },
		{ xs_parse_backend, xs_backend_name, "ipsecmb", XS_BACKEND_IPSECMB, NULL },
		{ xs_parse_backend, xs_backend_name, "qat", -1, "bad backend 'qat'" },
		{ xs_parse_attach_mode, xs_attach_mode_name, "native", XS_ATTACH_NATIVE, NULL },
		{ xs_parse_attach_mode, xs_attach_mode_name, "generic", XS_ATTACH_GENERIC,
		  NULL },
		{ xs_parse_attach_mode, xs_attach_mode_name, "auto", XS_ATTACH_AUTO, NULL },
		{ xs_parse_attach_mode, xs_attach_mode_name, "skb", -1, "bad mode 'skb'" },
	};
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		char err[XS_ERR_MAX] = "";
		uint8_t v = 0xaa;
		int ret = rows[i].parse(rows[i].word, &v, err, sizeof(err));

		if (rows[i].value < 0) {
			if (ret != -EINVAL || v != 0xaa)
				fail_msg("row %zu '%s' accepted", i, rows[i].word);
			assert_one_line(err);
			if (!strstr(err, rows[i].msg))
				fail_msg("row %zu: '%s' lacks '%s'", i, err, rows[i].msg);
			continue;
		}
		if (ret || v != rows[i].value)
			fail_msg("row %zu '%s'", i, rows[i].word);
		/* The name functions are the inverse. */
		assert_string_equal(rows[i].name(v), rows[i].word);
	}
	assert_string_equal(xs_dir_name(XS_DIR_ANY), "?");
}

static void test_ifnames(void **state)
{
	static const struct {
		const char *word;
		bool ok;
	} rows[] = {
		{ "eth0", true },
		{ "veth-a_1.2", true },
		{ "0123456789abcde", true },    /* IF_NAMESIZE - 1 */
		{ "0123456789abcdef", false },
		{ "", false },
		{ ".", false },
		{ "..", false },
		{ "a/b", false },
		{ "a:b", false },
		{ "a b", false },
		{ "a\nb", false },
	};
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		char err[XS_ERR_MAX] = "", name[IF_NAMESIZE] = "keep";
		int ret = xs_parse_ifname(rows[i].word, name, err, sizeof(err));

		if (rows[i].ok) {
			if (ret || strcmp(name, rows[i].word))
				fail_msg("row %zu '%s'", i, rows[i].word);
			continue;
		}
		if (ret != -EINVAL || strcmp(name, "keep"))
			fail_msg("row %zu accepted", i);
		assert_one_line(err);
		assert_non_null(strstr(err, "bad device name"));
	}
}

static void test_cpu_lists(void **state)
{
	char err[XS_ERR_MAX], many[512] = "";
	int32_t cpus[XS_WORKERS_MAX];
	unsigned int n = 0;
	(void)state;

	assert_int_equal(xs_parse_cpu_list("0,1,5", cpus, 64, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3);
	assert_int_equal(cpus[0], 0);
	assert_int_equal(cpus[1], 1);
	assert_int_equal(cpus[2], 5);
	assert_int_equal(xs_parse_cpu_list("4095", cpus, 64, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_int_equal(cpus[0], 4095);

	static const char *const bad[] = { "", "0,,1", "1,", ",1", "4096", "a", "-1",
					   "1 2", "99999999999999999999" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		for (int k = 0; k < XS_WORKERS_MAX; k++)
			cpus[k] = -7;
		n = 42;
		if (xs_parse_cpu_list(bad[i], cpus, 64, &n, err, sizeof(err)) != -EINVAL)
			fail_msg("cpus '%s' accepted", bad[i]);
		assert_int_equal(n, 42);
		assert_int_equal(cpus[0], -7);
		assert_one_line(err);
	}
	/* 64 entries fit, 65 do not. */
	for (int k = 0; k < 64; k++)
		sprintf(many + strlen(many), "%s%d", k ? "," : "", k);
	assert_int_equal(xs_parse_cpu_list(many, cpus, 64, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 64);
	assert_int_equal(cpus[63], 63);
	strcat(many, ",64");
	assert_int_equal(xs_parse_cpu_list(many, cpus, 64, &n, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "more than 64"));
	assert_int_equal(xs_parse_cpu_list("1,2,3", cpus, 2, &n, err, sizeof(err)),
			 -EINVAL);
}

static void test_quote(void **state)
{
	char q[XS_QUOTE_MAX], long_word[200];
	(void)state;

	assert_string_equal(xs_quote("eth0", q), "eth0");
	assert_string_equal(xs_quote("a\nb\tc\x7f" "d\xc3\xa9", q), "a?b?c?d??");
	for (size_t i = 0; i < sizeof(long_word) - 1; i++)
		long_word[i] = i % 8 == 7 ? '/' : 'x';
	long_word[sizeof(long_word) - 1] = '\0';
	xs_quote(long_word, q);
	assert_int_equal(strlen(q), XS_QUOTE_MAX - 1);
	assert_string_equal(q + XS_QUOTE_MAX - 4, "...");
}

/* Words that may be keys are never quoted; names, numbers, addresses and
 * paths are. */
static void test_quote_keys(void **state)
{
	static const struct {
		const char *word;
		bool key;
	} rows[] = {
		{ "0xa1b2c3d4e5f60718293a4b5c6d7e8f9011223344", true },
		{ "0XA1B2C3D4E5F60718", true },         /* 8 bytes, typed in upper case */
		{ "a1b2c3d4e5f60718293a", true },      /* without 0x */
		{ "yJ2kq8Zr+0f3nW1bL7Qx9s==", true },  /* base64 */
		{ "0x0123456789abc", false },          /* 15 characters */
		{ "0x12345678", false },
		{ "rfc7539esp(chacha20,poly1305)", false },
		{ "2001:0db8:0000:0000:0000:ff00:0042:8329", false },
		{ "192.0.2.1", false },
		{ "/etc/xdpsec/keys/vpn0-out.key", false },
		{ "999999999999999", false },          /* 15 digits */
		{ "9999999999999999", true },          /* 16: could be a key */
		{ "", false },
	};
	char q[XS_QUOTE_MAX];
	(void)state;

	for (size_t r = 0; r < ARRAY_SIZE(rows); r++) {
		if (xs_word_may_be_key(rows[r].word) != rows[r].key)
			fail_msg("row %zu '%s': may be key %d", r, rows[r].word, !rows[r].key);
		xs_quote(rows[r].word, q);
		if (rows[r].key) {
			char want[XS_QUOTE_MAX];

			snprintf(want, sizeof(want), "<%zu characters not shown>",
				 strlen(rows[r].word));
			assert_string_equal(q, want);
		} else {
			assert_string_equal(q, rows[r].word);
		}
	}
}

/* ------------------------------------------------------------ batches */

static void test_batch_split(void **state)
{
	static const struct {
		const char *line;
		int n;                  /* < 0: the error */
		const char *words[6];
	} rows[] = {
		{ "sa list\n", 2, { "sa", "list" } },
		{ "  \t \n", 0, { NULL } },
		{ "# a comment", 0, { NULL } },
		{ "sa count # trailing", 2, { "sa", "count" } },
		{ "sa count# glued", 2, { "sa", "count" } },
		{ "enc cipher_null \"\" auth", 4, { "enc", "cipher_null", "", "auth" } },
		{ "aead 'rfc4106(gcm(aes))' x", 3, { "aead", "rfc4106(gcm(aes))", "x" } },
		{ "a \"b c\"d e", 3, { "a", "b cd", "e" } },
		{ "a \"#b\"", 2, { "a", "#b" } },
		{ "a \"b", -EINVAL, { NULL } },
		{ "1 2 3 4 5", -E2BIG, { NULL } },
		{ "1 2 3 4", 4, { "1", "2", "3", "4" } },
	};
	(void)state;

	for (size_t r = 0; r < ARRAY_SIZE(rows); r++) {
		char line[128], err[XS_ERR_MAX] = "", *w[4];
		int n;

		snprintf(line, sizeof(line), "%s", rows[r].line);
		n = xs_batch_split(line, w, 4, err, sizeof(err));
		if (n != rows[r].n)
			fail_msg("row %zu '%s': %d words, want %d (%s)", r, rows[r].line, n,
				 rows[r].n, err);
		if (n < 0)
			assert_one_line(err);
		for (int i = 0; i < n; i++)
			assert_string_equal(w[i], rows[r].words[i]);
	}
}

struct batch_log {
	int calls;
	int fail_at;            /* the call that fails (1-based), 0: none */
	char seen[8][32];
};

static int batch_fn(int argc, char **argv, void *arg)
{
	struct batch_log *l = arg;

	snprintf(l->seen[l->calls], sizeof(l->seen[0]), "%s/%d", argv[0], argc);
	return ++l->calls == l->fail_at;
}

static void test_batch_run(void **state)
{
	static char text[] = "# SAs\nsa add one\n\nsa add two # 2\nbad\nsa list\n";
	struct batch_log l;
	FILE *f;
	(void)state;

	/* Stops at the failing line: the ones after it do not run. */
	memset(&l, 0, sizeof(l));
	l.fail_at = 3;
	f = fmemopen(text, sizeof(text) - 1, "r");
	assert_int_equal(xs_batch_run(f, "t", false, batch_fn, &l), 1);
	fclose(f);
	assert_int_equal(l.calls, 3);
	assert_string_equal(l.seen[2], "bad/1");
	/* -force: all run, the status still says one failed. */
	memset(&l, 0, sizeof(l));
	l.fail_at = 3;
	f = fmemopen(text, sizeof(text) - 1, "r");
	assert_int_equal(xs_batch_run(f, "t", true, batch_fn, &l), 1);
	fclose(f);
	assert_int_equal(l.calls, 4);
	assert_string_equal(l.seen[1], "sa/3");
	/* All good. */
	memset(&l, 0, sizeof(l));
	f = fmemopen(text, sizeof(text) - 1, "r");
	assert_int_equal(xs_batch_run(f, "t", false, batch_fn, &l), 0);
	fclose(f);
	assert_int_equal(l.calls, 4);
}

/* ------------------------------------------------------ keys from files */

#define KEYHEX "0xa1b2c3d4e5f60718293a4b5c6d7e8f9011223344"

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static void test_keyargs(void **state)
{
	char dir[] = "/tmp/xs-keyargs-XXXXXX", kf[64], kf2[64], bad[64], at[80], at2[80],
	     atbad[80], atmissing[80], err[XS_ERR_MAX];
	struct xs_keyargs k;
	FILE *in;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(kf, sizeof(kf), "%s/k", dir);
	snprintf(kf2, sizeof(kf2), "%s/k2", dir);
	snprintf(bad, sizeof(bad), "%s/bad", dir);
	write_file(kf, "  " KEYHEX "\n", 0600);
	write_file(kf2, KEYHEX, 0600);
	write_file(bad, KEYHEX " " KEYHEX "\n", 0600);
	snprintf(at, sizeof(at), "@%s", kf);
	snprintf(at2, sizeof(at2), "@%s", kf2);
	snprintf(atbad, sizeof(atbad), "@%s", bad);
	snprintf(atmissing, sizeof(atmissing), "@%s/none", dir);

	/* @FILE in the aead key place, - in the auth-trunc one. */
	char *argv[] = { "-i", "x", "state", "add", "src", "@notakey", "enc", "cbc(aes)", at,
			 "auth-trunc", "hmac(sha256)", "-", "128", "-j", NULL };
	int argc = (int)ARRAY_SIZE(argv) - 1;
	static char stdin_text[] = "0x0102\n0x0304\n";

	in = fmemopen(stdin_text, sizeof(stdin_text) - 1, "r");
	assert_int_equal(xs_keyargs_resolve(&k, argc, argv, in, err, sizeof(err)), 0);
	assert_string_equal(argv[8], KEYHEX);
	assert_string_equal(argv[11], "0x0102");
	assert_string_equal(argv[5], "@notakey");       /* not a key place */
	assert_int_equal(k.n, 2);
	xs_keyargs_free(&k);
	assert_string_equal(argv[8], at);                /* put back */
	assert_string_equal(argv[11], "-");
	fclose(in);

	/* Short form: key and authkey; a file without a newline. */
	char *shortf[] = { "sa", "add", "alg", "x", "key", at2, "authkey", at, NULL };

	assert_int_equal(xs_keyargs_resolve(&k, 8, shortf, NULL, err, sizeof(err)), 0);
	assert_string_equal(shortf[5], KEYHEX);
	assert_string_equal(shortf[7], KEYHEX);
	xs_keyargs_free(&k);

	/* Other commands are left alone. */
	char *other[] = { "sa", "del", "key", at, NULL };

	assert_int_equal(xs_keyargs_resolve(&k, 4, other, NULL, err, sizeof(err)), 0);
	assert_string_equal(other[3], at);

	/* Refusals name the file, never its content, and undo what was done. */
	char *e1[] = { "sa", "add", "aead", "n", atmissing, NULL };
	char *e2[] = { "sa", "add", "aead", "n", at, "auth-trunc", "n", atbad, NULL };
	char *e3[] = { "sa", "add", "aead", "n", "-", NULL };

	assert_int_equal(xs_keyargs_resolve(&k, 5, e1, NULL, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "cannot read key file"));
	assert_int_equal(xs_keyargs_resolve(&k, 8, e2, NULL, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, bad));
	assert_null(strstr(err, "a1b2c3d4"));
	assert_string_equal(e2[4], at);
	assert_int_equal(k.n, 0);
	assert_int_equal(xs_keyargs_resolve(&k, 5, e3, NULL, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "-batch"));
	in = fmemopen(stdin_text, 0, "r");
	assert_int_equal(xs_keyargs_resolve(&k, 5, e3, in, err, sizeof(err)), -ENODATA);
	fclose(in);

	unlink(kf);
	unlink(kf2);
	unlink(bad);
	rmdir(dir);
}

/* --------------------------------------------------------- algorithms */

/*
 * A row gives the algorithm words; "@N" stands for a fresh N-byte key
 * (bytes seed, seed + 1, ...; the first key of a row has seed 0xa0, the
 * second 0x30). Rows either resolve to suite with the key lengths, or are
 * refused with msg.
 */
struct alg_row {
	uint8_t proto;
	const char *words[12];
	int suite;              /* -1: refused */
	uint32_t enc_len, auth_len;
	const char *msg;
};

#define ESP XS_PROTO_ESP
#define AH XS_PROTO_AH
#define GCM "rfc4106(gcm(aes))"
#define CHACHA "rfc7539esp(chacha20,poly1305)"
#define HMAC "hmac(sha256)"

static const struct alg_row alg_rows[] = {
	{ ESP, { "aead", GCM, "@20", "128" }, XS_SUITE_AES128GCM16, 20, 0, NULL },
	{ ESP, { "aead", GCM, "@36", "128" }, XS_SUITE_AES256GCM16, 36, 0, NULL },
	{ ESP, { "aead", CHACHA, "@36", "128" }, XS_SUITE_CHACHA20POLY1305, 36, 0, NULL },
	{ ESP, { "enc", "cbc(aes)", "@16", "auth-trunc", HMAC, "@32", "128" },
	  XS_SUITE_AES128CBC_SHA256, 16, 32, NULL },
	{ ESP, { "auth-trunc", HMAC, "@32", "128", "enc", "cbc(aes)", "@32" },
	  XS_SUITE_AES256CBC_SHA256, 32, 32, NULL },
	{ ESP, { "enc", "cipher_null", "", "auth-trunc", HMAC, "@32", "128" },
	  XS_SUITE_NULL_SHA256, 0, 32, NULL },
	{ ESP, { "enc", "cipher_null", "0x", "auth-trunc", HMAC, "@32", "128" },
	  XS_SUITE_NULL_SHA256, 0, 32, NULL },
	{ ESP, { "enc", "ecb(cipher_null)", "", "auth-trunc", HMAC, "@32", "128" },
	  XS_SUITE_NULL_SHA256, 0, 32, NULL },
	{ AH, { "auth-trunc", HMAC, "@32", "128" }, XS_SUITE_SHA256, 0, 32, NULL },
	{ ESP, { "alg", "aes128gcm16", "key", "@20" }, XS_SUITE_AES128GCM16, 20, 0, NULL },
	{ ESP, { "key", "@36", "alg", "chacha20poly1305" }, XS_SUITE_CHACHA20POLY1305,
	  36, 0, NULL },
	{ ESP, { "alg", "aes256cbc-sha256", "key", "@32", "authkey", "@32" },
	  XS_SUITE_AES256CBC_SHA256, 32, 32, NULL },
	{ ESP, { "alg", "null-sha256", "key", "@32" }, XS_SUITE_NULL_SHA256, 0, 32, NULL },
	{ ESP, { "alg", "null-sha256", "authkey", "@32" }, XS_SUITE_NULL_SHA256, 0, 32,
	  NULL },
	{ AH, { "alg", "sha256", "key", "@32" }, XS_SUITE_SHA256, 0, 32, NULL },

	/* The spec's own example. */
	{ ESP, { "aead", GCM, "@16", "128" }, -1, 0, 0,
	  "key for rfc4106(gcm(aes)) must be 20 or 36 bytes, got 16" },
	{ ESP, { "aead", GCM, "@70", "128" }, -1, 0, 0,
	  "key for rfc4106(gcm(aes)) must be 20 or 36 bytes, got 70" },
	{ ESP, { "aead", GCM, "@20", "96" }, -1, 0, 0,
	  "ICV length for rfc4106(gcm(aes)) must be 128 bits, got 96" },
	{ ESP, { "aead", GCM, "@20", "12x" }, -1, 0, 0, "bad ICV length '12x'" },
	{ ESP, { "aead", GCM, "@20" }, -1, 0, 0, "aead needs NAME KEY ICV-BITS" },
	{ ESP, { "aead", GCM, "0x123", "128" }, -1, 0, 0,
	  "odd number of hex digits for rfc4106(gcm(aes))" },
	{ ESP, { "aead", GCM, "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3", "128" }, -1, 0, 0,
	  "expected 0x" },
	{ ESP, { "aead", CHACHA, "@32", "128" }, -1, 0, 0,
	  "key for rfc7539esp(chacha20,poly1305) must be 36 bytes, got 32" },
	{ ESP, { "aead", "gcm(aes)", "@20", "128" }, -1, 0, 0,
	  "unknown aead algorithm 'gcm(aes)' (supported: rfc4106(gcm(aes)), "
	  "rfc7539esp(chacha20,poly1305))" },
	{ ESP, { "aead", GCM, "@20", "128", "aead", GCM, "@20", "128" }, -1, 0, 0,
	  "aead given twice" },
	{ ESP, { "aead", GCM, "@20", "128", "enc", "cbc(aes)", "@16" }, -1, 0, 0,
	  "aead cannot be combined with enc or auth-trunc" },
	{ ESP, { "enc", "cbc(aes)", "@24", "auth-trunc", HMAC, "@32", "128" }, -1, 0, 0,
	  "key for cbc(aes) must be 16 or 32 bytes, got 24" },
	{ ESP, { "enc", "cipher_null", "@4", "auth-trunc", HMAC, "@32", "128" }, -1, 0, 0,
	  "key for cipher_null must be empty" },
	{ ESP, { "enc", "des3_ede", "@24" }, -1, 0, 0, "unknown enc algorithm 'des3_ede'" },
	{ ESP, { "enc", "cbc(aes)", "@16" }, -1, 0, 0,
	  "enc needs auth-trunc hmac(sha256) KEY 128" },
	{ ESP, { "enc", "cbc(aes)" }, -1, 0, 0, "enc needs NAME KEY" },
	{ ESP, { "auth-trunc", HMAC, "@32", "128" }, -1, 0, 0,
	  "proto esp needs enc or aead" },
	{ AH, { "auth-trunc", HMAC, "@32", "96" }, -1, 0, 0,
	  "ICV length for hmac(sha256) must be 128 bits, got 96" },
	{ AH, { "auth-trunc", HMAC, "@20", "128" }, -1, 0, 0,
	  "key for hmac(sha256) must be 32 bytes, got 20" },
	{ AH, { "auth-trunc", "hmac(sha1)", "@20", "128" }, -1, 0, 0,
	  "unknown auth-trunc algorithm 'hmac(sha1)'" },
	{ AH, { "aead", GCM, "@20", "128" }, -1, 0, 0,
	  "proto ah takes only auth-trunc hmac(sha256) KEY 128" },
	{ AH, { "enc", "cbc(aes)", "@16", "auth-trunc", HMAC, "@32", "128" }, -1, 0, 0,
	  "proto ah takes only auth-trunc" },
	{ ESP, { "auth", HMAC, "@32" }, -1, 0, 0, "auth is not supported" },
	{ ESP, { NULL }, -1, 0, 0, "missing algorithm" },
	{ ESP, { "alg", "aes999" }, -1, 0, 0,
	  "unknown algorithm 'aes999' (supported: aes128gcm16, aes256gcm16, "
	  "chacha20poly1305, aes128cbc-sha256, aes256cbc-sha256, null-sha256, sha256)" },
	{ ESP, { "alg", "aes128gcm16", "key", "@16" }, -1, 0, 0,
	  "key for aes128gcm16 must be 20 bytes, got 16" },
	{ ESP, { "alg", "aes128gcm16" }, -1, 0, 0, "alg aes128gcm16 needs key KEY" },
	{ ESP, { "alg", "aes128gcm16", "key", "@20", "authkey", "@32" }, -1, 0, 0,
	  "aes128gcm16 takes no authkey" },
	{ ESP, { "alg", "aes256cbc-sha256", "key", "@32" }, -1, 0, 0,
	  "alg aes256cbc-sha256 needs authkey KEY" },
	{ ESP, { "alg", "aes256cbc-sha256", "key", "@32", "authkey", "@16" }, -1, 0, 0,
	  "authkey for aes256cbc-sha256 must be 32 bytes, got 16" },
	{ ESP, { "alg", "null-sha256", "key", "@32", "authkey", "@32" }, -1, 0, 0,
	  "null-sha256 takes one key" },
	{ ESP, { "alg", "null-sha256", "key", "@20" }, -1, 0, 0,
	  "key for null-sha256 must be 32 bytes, got 20" },
	{ ESP, { "alg", "sha256", "key", "@32" }, -1, 0, 0,
	  "algorithm sha256 is not for proto esp" },
	{ AH, { "alg", "aes128gcm16", "key", "@20" }, -1, 0, 0,
	  "algorithm aes128gcm16 is not for proto ah" },
	{ ESP, { "alg", "aes128gcm16", "alg", "aes256gcm16" }, -1, 0, 0,
	  "alg given twice" },
	{ ESP, { "alg", "aes128gcm16", "key", "@20", "aead", GCM, "@20", "128" }, -1, 0, 0,
	  "alg cannot be combined" },
	{ ESP, { "key", "@20" }, -1, 0, 0, "key and authkey go with alg SUITE" },
	{ ESP, { "alg" }, -1, 0, 0, "alg needs a value" },
	{ ESP, { "key", "@20", "key", "@20" }, -1, 0, 0, "key given twice" },
};

#define KEYHEX_MAX (2 + 2 * 80 + 1)

static void make_key_hex(unsigned int n, uint8_t seed, char *hex, uint8_t *bytes)
{
	strcpy(hex, "0x");
	for (unsigned int i = 0; i < n; i++) {
		bytes[i] = (uint8_t)(seed + i);
		sprintf(hex + 2 + 2 * i, "%02x", bytes[i]);
	}
}

static void test_alg_specs(void **state)
{
	(void)state;

	for (size_t r = 0; r < ARRAY_SIZE(alg_rows); r++) {
		const struct alg_row *row = &alg_rows[r];
		char hex[2][KEYHEX_MAX], err[XS_ERR_MAX] = "";
		uint8_t bytes[2][80];
		unsigned int nkeys = 0, klen[2] = { 0, 0 };
		char *argv[12];
		int argc = 0, ret = 0, used;
		struct xs_alg_spec a;
		struct xs_sa_config cfg;

		for (; argc < 12 && row->words[argc]; argc++) {
			const char *w = row->words[argc];

			if (w[0] == '@') {
				klen[nkeys] = (unsigned int)atoi(w + 1);
				make_key_hex(klen[nkeys], nkeys ? 0x30 : 0xa0, hex[nkeys],
					     bytes[nkeys]);
				argv[argc] = hex[nkeys++];
			} else {
				argv[argc] = (char *)(uintptr_t)w;
			}
		}
		xs_alg_spec_init(&a);
		xs_sa_config_init(&cfg);
		for (int i = 0; i < argc; i += used) {
			used = xs_alg_spec_parse(&a, argc - i, argv + i, err, sizeof(err));
			if (used < 0) {
				ret = used;
				break;
			}
			if (used == 0)
				fail_msg("row %zu: '%s' not an algorithm word", r, argv[i]);
		}
		if (!ret)
			ret = xs_alg_spec_resolve(&a, row->proto, &cfg, err, sizeof(err));
		xs_alg_spec_wipe(&a);

		if (row->suite < 0) {
			if (ret != -EINVAL)
				fail_msg("row %zu accepted (suite %u)", r, cfg.suite);
			assert_one_line(err);
			if (!strstr(err, row->msg))
				fail_msg("row %zu: '%s' lacks '%s'", r, err, row->msg);
			/* No key digits in any message: the keys start a0a1a2
			 * and 303132. */
			assert_null(strstr(err, "a0a1a2"));
			assert_null(strstr(err, "303132"));
			continue;
		}
		if (ret)
			fail_msg("row %zu refused: %s", r, err);
		assert_int_equal(cfg.suite, row->suite);
		assert_int_equal(cfg.enc_key_len, row->enc_len);
		assert_int_equal(cfg.auth_key_len, row->auth_len);
		/* Which key went where: the first key given of each kind. */
		for (unsigned int k = 0; k < nkeys; k++) {
			const uint8_t *dst = NULL;

			if (klen[k] == row->enc_len && row->enc_len &&
			    !memcmp(cfg.enc_key, bytes[k], klen[k]))
				dst = cfg.enc_key;
			if (klen[k] == row->auth_len && !memcmp(cfg.auth_key, bytes[k], klen[k]))
				dst = cfg.auth_key;
			if (!dst)
				fail_msg("row %zu: key %u not in the config", r, k);
		}
		/* The engine takes what the parser built. */
		cfg.spi = 0x1000;
		cfg.proto = row->proto;
		cfg.mode = XS_MODE_TUNNEL;
		cfg.family = AF_INET;
		struct xs_sa *sa = xs_sa_new(&cfg);

		if (!sa)
			fail_msg("row %zu: xs_sa_new refused: %s", r, strerror(errno));
		xs_sa_free(sa);
	}
}

/* The wipe clears every key byte of the spec. */
static void test_alg_spec_wipe(void **state)
{
	static const uint8_t zero[XS_KEY_MAX];
	char k1[] = "0x00112233445566778899aabbccddeeff0011223344556677";
	char *argv[] = { "alg", "aes256cbc-sha256", "key", k1, "authkey", k1 };
	struct xs_alg_spec a;
	char err[XS_ERR_MAX];
	(void)state;

	xs_alg_spec_init(&a);
	assert_int_equal(xs_alg_spec_parse(&a, 6, argv, err, sizeof(err)), 2);
	assert_int_equal(xs_alg_spec_parse(&a, 4, argv + 2, err, sizeof(err)), 2);
	assert_int_equal(a.ekey_len, 24);
	assert_int_equal(a.ekey[1], 0x11);
	xs_alg_spec_wipe(&a);
	assert_memory_equal(a.ekey, zero, sizeof(zero));
	assert_memory_equal(a.akey, zero, sizeof(zero));
	assert_int_equal(a.ekey_len, 0);
	/* Non-algorithm words are left for the caller. */
	char *other[] = { "spi", "0x1000" };

	xs_alg_spec_init(&a);
	assert_int_equal(xs_alg_spec_parse(&a, 2, other, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_u32_and_spi),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_hex_keys),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_l4proto),
		cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_ifnames),
		cmocka_unit_test(test_cpu_lists),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_quote_keys),
		cmocka_unit_test(test_batch_split),
		cmocka_unit_test(test_batch_run),
		cmocka_unit_test(test_keyargs),
		cmocka_unit_test(test_alg_specs),
		cmocka_unit_test(test_alg_spec_wipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
