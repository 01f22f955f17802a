// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control protocol of ctl/ctl.c over socketpairs: instance names,
 * request and reply round trips (empty words, a reply of the largest
 * size), and every malformed frame refused with its errno.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctl.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
}

/* The server's side, blocking: reads until the parser has a request. */
static int recv_req(int fd, int *argc, char *argv[XS_CTL_ARGS_MAX + 1], char *buf,
		    size_t buflen)
{
	size_t have = 0;

	for (;;) {
		ssize_t n = read(fd, buf + have, buflen - have);
		int ret;

		if (n <= 0)
			return -ECONNRESET;
		have += (size_t)n;
		ret = xs_ctl_req_parse(buf, have, argc, argv);
		if (ret)
			return ret < 0 ? ret : 0;
	}
}

static int send_reply(int fd, int status, const char *text, size_t len)
{
	uint8_t *f;
	size_t n, off = 0;
	int ret = xs_ctl_reply_frame(status, text, len, &f, &n);

	while (!ret && off < n) {
		ssize_t w = write(fd, f + off, n - off);

		if (w <= 0)
			ret = -EIO;
		else
			off += (size_t)w;
	}
	if (!ret || ret == -EIO)
		free(f);
	return ret;
}

static void test_instance_names(void **state)
{
	static const struct {
		const char *name;
		bool ok;
	} rows[] = {
		{ "default", true },
		{ "a", true },
		{ "A-z_0-9", true },
		{ "0123456789012345678901234567890", true },    /* 31 */
		{ "01234567890123456789012345678901", false },  /* 32 */
		{ "", false },
		{ "a.b", false },
		{ "../x", false },
		{ "a b", false },
		{ "a/b", false },
		{ "caf\xc3\xa9", false },
	};
	char path[64];
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		int ret = xs_ctl_instance_ok(rows[i].name);

		if (rows[i].ok ? ret : ret != -EINVAL)
			fail_msg("row %zu '%s': %d", i, rows[i].name, ret);
		if (rows[i].ok ? xs_ctl_path(rows[i].name, path, sizeof(path)) :
		    xs_ctl_path(rows[i].name, path, sizeof(path)) != -EINVAL)
			fail_msg("row %zu: path", i);
	}
	assert_int_equal(xs_ctl_path("default", path, sizeof(path)), 0);
	assert_string_equal(path, "/run/xdpsec/default.sock");
	assert_int_equal(xs_ctl_path("default", path, 10), -ENAMETOOLONG);
}

static void test_connect_no_daemon(void **state)
{
	int fd;
	(void)state;

	fd = xs_ctl_connect("xs-unit-test-no-such-daemon");
	assert_true(fd == -ENOENT || fd == -ECONNREFUSED);
	assert_int_equal(xs_ctl_connect("bad/name"), -EINVAL);
}

static void test_request_round_trip(void **state)
{
	char *words[] = { "--json", "sa", "add", "", "enc", "cipher_null", "0x" };
	char buf[XS_CTL_REQ_MAX], *argv[XS_CTL_ARGS_MAX + 1];
	int sv[2], argc = -1;
	(void)state;

	pair(sv);
	assert_int_equal(xs_ctl_send_req(sv[0], ARRAY_SIZE(words), words), 0);
	assert_int_equal(recv_req(sv[1], &argc, argv, buf, sizeof(buf)), 0);
	assert_int_equal(argc, ARRAY_SIZE(words));
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		assert_string_equal(argv[i], words[i]);
	assert_null(argv[argc]);

	/* No words at all is a valid frame (the daemon answers "no command"). */
	assert_int_equal(xs_ctl_send_req(sv[0], 0, words), 0);
	assert_int_equal(recv_req(sv[1], &argc, argv, buf, sizeof(buf)), 0);
	assert_int_equal(argc, 0);
	assert_null(argv[0]);
	close(sv[0]);
	close(sv[1]);
}

/* The largest request: XS_CTL_ARGS_MAX words filling XS_CTL_REQ_MAX. */
static void test_request_limits(void **state)
{
	static char word[XS_CTL_REQ_MAX];
	char buf[XS_CTL_REQ_MAX], *argv[XS_CTL_ARGS_MAX + 1];
	char *words[XS_CTL_ARGS_MAX + 1];
	size_t per = (XS_CTL_REQ_MAX - 4) / XS_CTL_ARGS_MAX;
	int sv[2], argc;
	(void)state;

	memset(word, 'w', per - 1);
	word[per - 1] = '\0';
	for (int i = 0; i <= XS_CTL_ARGS_MAX; i++)
		words[i] = word;
	pair(sv);
	assert_int_equal(xs_ctl_send_req(sv[0], XS_CTL_ARGS_MAX, words), 0);
	assert_int_equal(recv_req(sv[1], &argc, argv, buf, sizeof(buf)), 0);
	assert_int_equal(argc, XS_CTL_ARGS_MAX);
	assert_string_equal(argv[XS_CTL_ARGS_MAX - 1], word);

	/* One word too many, one byte too many, a negative count. */
	assert_int_equal(xs_ctl_send_req(sv[0], XS_CTL_ARGS_MAX + 1, words), -E2BIG);
	memset(word, 'w', XS_CTL_REQ_MAX - 4);
	word[XS_CTL_REQ_MAX - 4] = '\0';
	assert_int_equal(xs_ctl_send_req(sv[0], 1, words), -E2BIG);
	word[XS_CTL_REQ_MAX - 5] = '\0';
	assert_int_equal(xs_ctl_send_req(sv[0], 1, words), 0);
	assert_int_equal(recv_req(sv[1], &argc, argv, buf, sizeof(buf)), 0);
	assert_int_equal(strlen(argv[0]), XS_CTL_REQ_MAX - 5);
	assert_int_equal(xs_ctl_send_req(sv[0], -1, words), -EINVAL);
	close(sv[0]);
	close(sv[1]);
}

/* Raw frames a broken or hostile client might send, parsed as they
 * arrive (the server calls the parser after every read). */
static void test_request_malformed(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
		int want;
	} rows[] = {
		{ "\x61\0\0\0", 4, -E2BIG },              /* 97 words announced */
		{ "\1\0\0\0sa\0xx", 9, -EPROTO },        /* bytes after the last word */
		{ "\2\0\0\0sa\0sec", 10, 0 },            /* incomplete: wait */
		{ "\1\0", 2, 0 },                           /* inside the count */
		{ "\0\0\0\0", 4, 1 },                     /* no words: complete */
		{ "\0\0\0\0x", 5, -EPROTO },
		{ "\2\0\0\0a\0\0", 7, 1 },              /* an empty word */
	};
	static char big[XS_CTL_REQ_MAX];
	char buf[64], *argv[XS_CTL_ARGS_MAX + 1];
	int argc = 1234;
	uint32_t n = 1;
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		memcpy(buf, rows[i].bytes, rows[i].len);
		if (xs_ctl_req_parse(buf, rows[i].len, &argc, argv) != rows[i].want)
			fail_msg("row %zu", i);
	}
	/* One word filling the whole buffer without its NUL. */
	memcpy(big, &n, 4);
	memset(big + 4, 'w', sizeof(big) - 4);
	assert_int_equal(xs_ctl_req_parse(big, sizeof(big), &argc, argv), -E2BIG);
	assert_int_equal(xs_ctl_req_parse(big, sizeof(big) - 1, &argc, argv), 0);
}

struct big_reply {
	int fd;
	int ret;
	char *text;
	size_t len;
};

static void *send_big(void *arg)
{
	struct big_reply *b = arg;

	b->ret = send_reply(b->fd, 0, b->text, b->len);
	return NULL;
}

static void test_reply_round_trip(void **state)
{
	struct big_reply b;
	pthread_t t;
	char *text = NULL;
	size_t len = 1;
	int sv[2], status = 1;
	(void)state;

	pair(sv);
	assert_int_equal(send_reply(sv[1], -ENOENT, "no SA with spi 0x00001000", 25),
			 0);
	assert_int_equal(xs_ctl_recv_reply(sv[0], &status, &text, &len), 0);
	assert_int_equal(status, -ENOENT);
	assert_int_equal(len, 25);
	assert_string_equal(text, "no SA with spi 0x00001000");
	free(text);

	assert_int_equal(send_reply(sv[1], 0, NULL, 0), 0);
	assert_int_equal(xs_ctl_recv_reply(sv[0], &status, &text, &len), 0);
	assert_int_equal(status, 0);
	assert_int_equal(len, 0);
	assert_string_equal(text, "");
	free(text);

	/* A stream: event frames, then the final one (ctl.h). */
	assert_int_equal(send_reply(sv[1], XS_CTL_ST_EVENT, "generation 7\n", 13), 0);
	assert_int_equal(send_reply(sv[1], XS_CTL_ST_EVENT, "sa del\n", 7), 0);
	assert_int_equal(send_reply(sv[1], 0, NULL, 0), 0);
	assert_int_equal(xs_ctl_recv_reply(sv[0], &status, &text, &len), 0);
	assert_int_equal(status, XS_CTL_ST_EVENT);
	assert_string_equal(text, "generation 7\n");
	free(text);
	assert_int_equal(xs_ctl_recv_reply(sv[0], &status, &text, &len), 0);
	assert_int_equal(status, XS_CTL_ST_EVENT);
	assert_string_equal(text, "sa del\n");
	free(text);
	assert_int_equal(xs_ctl_recv_reply(sv[0], &status, &text, &len), 0);
	assert_int_equal(status, 0);
	free(text);

	/* The largest reply needs a reader while it is written. */
	b.fd = sv[1];
	b.len = XS_CTL_REPLY_MAX;
	b.text = malloc(b.len);
	assert_non_null(b.text);
	for (size_t i = 0; i < b.len; i++)
		b.text[i] = (char)('a' + i % 26);
	assert_int_equal(pthread_create(&t, NULL, send_big, &b), 0);
	assert_int_equal(xs_ctl_recv_reply(sv[0], &status, &text, &len), 0);
	pthread_join(t, NULL);
	assert_int_equal(b.ret, 0);
	assert_int_equal(len, XS_CTL_REPLY_MAX);
	assert_memory_equal(text, b.text, len);
	assert_int_equal(text[len], '\0');
	free(text);
	free(b.text);

	/* The server refuses what the protocol cannot carry. */
	assert_int_equal(send_reply(sv[1], 2, "x", 1), -EINVAL);
	assert_int_equal(send_reply(sv[1], 0, "x", XS_CTL_REPLY_MAX + 1), -EINVAL);
	close(sv[0]);
	close(sv[1]);
}

static void test_reply_malformed(void **state)
{
	static const struct {
		int32_t status;
		uint32_t len;
		int want;
	} rows[] = {
		{ 2, 0, -EPROTO },                      /* positive, not an event */
		{ -5000, 0, -EPROTO },                  /* not an errno */
		{ 0, XS_CTL_REPLY_MAX + 1, -EPROTO },   /* too long */
		{ 0, 10, -ECONNRESET },                 /* text cut short */
	};
	char *text = (char *)0x1;
	size_t len = 77;
	int sv[2], status = 77;
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		uint8_t hdr[8];

		pair(sv);
		memcpy(hdr, &rows[i].status, 4);
		memcpy(hdr + 4, &rows[i].len, 4);
		assert_int_equal(write(sv[1], hdr, 8), 8);
		assert_int_equal(write(sv[1], "abc", 3), 3);
		close(sv[1]);
		if (xs_ctl_recv_reply(sv[0], &status, &text, &len) != rows[i].want)
			fail_msg("row %zu", i);
		assert_int_equal(status, 77);
		assert_int_equal(len, 77);
		assert_true(text == (char *)0x1);
		close(sv[0]);
	}
	/* The daemon went away without answering. */
	pair(sv);
	close(sv[1]);
	assert_int_equal(xs_ctl_recv_reply(sv[0], &status, &text, &len), -ECONNRESET);
	close(sv[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_instance_names),
		cmocka_unit_test(test_connect_no_daemon),
		cmocka_unit_test(test_request_round_trip),
		cmocka_unit_test(test_request_limits),
		cmocka_unit_test(test_request_malformed),
		cmocka_unit_test(test_reply_round_trip),
		cmocka_unit_test(test_reply_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
