// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control server (ctl/server.c) driven by hand: a request answered
 * while idle clients sit connected, deferred answers (by id, at the
 * deadline, to a client that left), the client limit, malformed frames,
 * the instance lock, and a root child without CAP_NET_ADMIN refused.
 * Needs root with
 * CAP_NET_ADMIN and XS_CTL_RUN_DIR (skipped otherwise).
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/capability.h>

#include "ctl.h"
#include "server.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct fixture {
	struct xs_ctl_srv *srv;
	char instance[32];
	uint64_t deferred_id;
	unsigned int calls;
};

/* "echo W...": the words back; "defer MS": waits; "none": no answer. */
static void handler(void *arg, struct xs_ctl_srv_client *c, int argc, char **argv)
{
	struct fixture *f = arg;
	char buf[256] = "";

	f->calls++;
	if (argc >= 2 && !strcmp(argv[0], "defer")) {
		f->deferred_id = xs_ctl_srv_defer(c, (unsigned int)atoi(argv[1]), "too slow");
		return;
	}
	if (argc >= 1 && !strcmp(argv[0], "none"))
		return;
	if (argc >= 1 && !strcmp(argv[0], "subscribe")) {
		assert_int_equal(xs_ctl_srv_subscribe(c, 7), 0);
		assert_int_equal(xs_ctl_srv_event(c, "hello\n", 6), 0);
		return;
	}
	for (int i = 0; i < argc; i++) {
		strncat(buf, argv[i], sizeof(buf) - strlen(buf) - 2);
		strcat(buf, " ");
	}
	xs_ctl_srv_reply(c, 0, buf, strlen(buf));
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int setup(void **state)
{
	static struct fixture f;
	char err[256];

	if (geteuid() != 0)
		return 0;
	memset(&f, 0, sizeof(f));
	snprintf(f.instance, sizeof(f.instance), "ut-srv-%d", (int)getpid());
	f.srv = xs_ctl_srv_open(f.instance, "", "the test server", handler, &f, err,
				sizeof(err));
	if (!f.srv)
		fail_msg("open: %s", err);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f)
		xs_ctl_srv_close(f->srv);
	return 0;
}

static int conn(struct fixture *f)
{
	char path[108];
	int fd;

	assert_int_equal(xs_ctl_path(f->instance, path, sizeof(path)), 0);
	fd = xs_ctl_connect_path(path);
	assert_true(fd >= 0);
	return fd;
}

static void send_words(int fd, int argc, char **argv)
{
	assert_int_equal(xs_ctl_send_req(fd, argc, argv), 0);
}

/* Drives the server until fd has a whole reply (or ms pass): 0 or -errno. */
static int reply(struct fixture *f, int fd, int *status, char text[256], int ms)
{
	uint8_t buf[8 + 256];
	size_t have = 0;
	int64_t end = now_ms() + ms;

	while (now_ms() < end) {
		ssize_t n;

		xs_ctl_srv_work(f->srv);
		n = recv(fd, buf + have, sizeof(buf) - have, MSG_DONTWAIT);
		if (n > 0)
			have += (size_t)n;
		if (have >= 8) {
			uint32_t len;

			memcpy(status, buf, 4);
			memcpy(&len, buf + 4, 4);
			if (len < 256 && have >= 8 + len) {
				memcpy(text, buf + 8, len);
				text[len] = '\0';
				return 0;
			}
		}
		if (n == 0)
			return -ECONNRESET;
		usleep(1000);
	}
	return -ETIMEDOUT;
}

/* Drives the server for ms; whether fd saw its end (EOF) meanwhile. */
static bool closed_within(struct fixture *f, int fd, int ms)
{
	int64_t end = now_ms() + ms;
	char b[64];

	while (now_ms() < end) {
		ssize_t n;

		xs_ctl_srv_work(f->srv);
		n = recv(fd, b, sizeof(b), MSG_DONTWAIT);
		if (n == 0)
			return true;
		usleep(1000);
	}
	return false;
}

#define NEED_ROOT() do { if (!*state) skip(); } while (0)

static void test_idle_clients_do_not_delay(void **state)
{
	struct fixture *f = *state;
	char *echo[] = { "echo", "a", "" };
	int idle[40], fd, status = 1;
	char text[256];
	struct xs_ctl_srv_stats st;
	int64_t t0;

	NEED_ROOT();
	for (size_t i = 0; i < ARRAY_SIZE(idle); i++)
		idle[i] = conn(f);
	fd = conn(f);
	send_words(fd, 3, echo);
	t0 = now_ms();
	assert_int_equal(reply(f, fd, &status, text, 2000), 0);
	assert_true(now_ms() - t0 < 1000);
	assert_int_equal(status, 0);
	assert_string_equal(text, "echo a  ");
	close(fd);
	xs_ctl_srv_work(f->srv);
	xs_ctl_srv_stats_get(f->srv, &st);
	assert_int_equal(st.clients, ARRAY_SIZE(idle));
	/* Their deadline is the next thing the owner must wake up for. */
	assert_true(xs_ctl_srv_timeout_ms(f->srv) <= (int)XS_CTL_SRV_REQ_MS);
	assert_true(xs_ctl_srv_timeout_ms(f->srv) > 0);
	for (size_t i = 0; i < ARRAY_SIZE(idle); i++)
		close(idle[i]);
	/* a bounded batch of events per call */
	for (int i = 0; i < 4; i++)
		xs_ctl_srv_work(f->srv);
	xs_ctl_srv_stats_get(f->srv, &st);
	assert_int_equal(st.clients, 0);
	assert_int_equal(xs_ctl_srv_timeout_ms(f->srv), -1);
}

/* Streams: a subscriber gets event frames with no deadline; one that
 * does not read is dropped (counted) once its queue is full, and nobody
 * waits for it. */
static void test_stream(void **state)
{
	struct fixture *f = *state;
	char *sub[] = { "subscribe" };
	char ev[200], text[256];
	struct xs_ctl_srv_stats st;
	int reader, slow, status = 0;
	unsigned int sent = 0;

	NEED_ROOT();
	reader = conn(f);
	slow = conn(f);
	send_words(reader, 1, sub);
	send_words(slow, 1, sub);
	assert_int_equal(reply(f, reader, &status, text, 2000), 0);
	assert_int_equal(status, XS_CTL_ST_EVENT);
	assert_string_equal(text, "hello\n");
	xs_ctl_srv_stats_get(f->srv, &st);
	assert_int_equal(st.subscribers, 2);
	/* No deadline for them. */
	assert_int_equal(xs_ctl_srv_timeout_ms(f->srv), -1);
	assert_false(xs_ctl_srv_subscribed(f->srv, 8));
	assert_int_equal(xs_ctl_srv_publish(f->srv, 8, "x\n", 2), 0);
	memset(ev, 'e', sizeof(ev));
	ev[sizeof(ev) - 1] = '\n';
	/* Far more than the queue bound; the reader keeps up. */
	for (int i = 0; i < 8000; i++) {
		char b[65536];

		sent += xs_ctl_srv_publish(f->srv, 7, ev, sizeof(ev));
		xs_ctl_srv_work(f->srv);
		while (recv(reader, b, sizeof(b), MSG_DONTWAIT) > 0)
			;
	}
	xs_ctl_srv_stats_get(f->srv, &st);
	assert_int_equal(st.sub_dropped, 1);
	assert_int_equal(st.subscribers, 1);
	assert_true(sent > 8000 && sent < 16000);
	assert_true(closed_within(f, slow, 1000));
	close(reader);
	close(slow);
	xs_ctl_srv_work(f->srv);
	xs_ctl_srv_stats_get(f->srv, &st);
	assert_int_equal(st.clients, 0);
}

static void test_deferred(void **state)
{
	struct fixture *f = *state;
	char *d_long[] = { "defer", "60000" }, *d_short[] = { "defer", "200" };
	char *none[] = { "none" };
	int fd, status = 1;
	uint64_t id;
	char text[256];

	NEED_ROOT();
	/* Answered later by id. */
	fd = conn(f);
	send_words(fd, 2, d_long);
	assert_int_equal(reply(f, fd, &status, text, 100), -ETIMEDOUT);
	id = f->deferred_id;
	assert_true(id != 0);
	assert_int_equal(xs_ctl_srv_reply_id(f->srv, id, -EACCES, "auth failed", 11), 0);
	assert_int_equal(reply(f, fd, &status, text, 2000), 0);
	assert_int_equal(status, -EACCES);
	assert_string_equal(text, "auth failed");
	assert_int_equal(xs_ctl_srv_reply_id(f->srv, id, 0, "x", 1), -ENOENT);
	close(fd);

	/* The deadline passes: -ETIMEDOUT with the owner's words. */
	fd = conn(f);
	send_words(fd, 2, d_short);
	assert_int_equal(reply(f, fd, &status, text, 3000), 0);
	assert_int_equal(status, -ETIMEDOUT);
	assert_string_equal(text, "too slow");
	assert_int_equal(xs_ctl_srv_reply_id(f->srv, f->deferred_id, 0, "x", 1), -ENOENT);
	close(fd);

	/* The client leaves: forgotten, the late answer goes nowhere. */
	fd = conn(f);
	send_words(fd, 2, d_long);
	assert_int_equal(reply(f, fd, &status, text, 50), -ETIMEDOUT);
	close(fd);
	for (int i = 0; i < 20; i++) {
		xs_ctl_srv_work(f->srv);
		usleep(1000);
	}
	assert_int_equal(xs_ctl_srv_reply_id(f->srv, f->deferred_id, 0, "x", 1), -ENOENT);

	/* A handler that forgets to answer: -EIO, not a hang. */
	fd = conn(f);
	send_words(fd, 1, none);
	assert_int_equal(reply(f, fd, &status, text, 2000), 0);
	assert_int_equal(status, -EIO);
	close(fd);
}

static void test_limit_and_malformed(void **state)
{
	struct fixture *f = *state;
	int fds[XS_CTL_SRV_CLIENTS_MAX], fd, status = 1;
	char text[256];

	NEED_ROOT();
	for (int i = 0; i < XS_CTL_SRV_CLIENTS_MAX; i++) {
		fds[i] = conn(f);
		xs_ctl_srv_work(f->srv);
	}
	/* One too many: the newest is refused with a reason. */
	fd = conn(f);
	assert_int_equal(reply(f, fd, &status, text, 2000), 0);
	assert_int_equal(status, -EBUSY);
	assert_non_null(strstr(text, "busy: 64 control clients"));
	close(fd);
	for (int i = 0; i < XS_CTL_SRV_CLIENTS_MAX; i++)
		close(fds[i]);
	for (int i = 0; i < 4; i++)
		xs_ctl_srv_work(f->srv);

	/* Bytes after the last word. */
	fd = conn(f);
	assert_int_equal(write(fd, "\1\0\0\0sa\0xx", 9), 9);
	assert_int_equal(reply(f, fd, &status, text, 2000), 0);
	assert_int_equal(status, -EINVAL);
	assert_string_equal(text, "malformed request");
	assert_true(closed_within(f, fd, 1000));
	close(fd);
}

static void test_lock(void **state)
{
	struct fixture *f = *state;
	struct xs_ctl_srv *second;
	char err[256], path[108];
	struct stat sb;

	NEED_ROOT();
	second = xs_ctl_srv_open(f->instance, "", "the test server", handler, f, err,
				 sizeof(err));
	assert_null(second);
	assert_int_equal(errno, EBUSY);
	assert_string_equal(err, "the test server is already running");
	/* The refused one left the running one's socket alone. */
	assert_int_equal(xs_ctl_path(f->instance, path, sizeof(path)), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
}

/* A root child without CAP_NET_ADMIN in its effective set is refused;
 * the same child with it is served. */
static int child_client(struct fixture *f, bool drop)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	char *words[] = { "echo", "x" }, *text = NULL, path[108];
	size_t len;
	int fd, status = 1;

	if (drop) {
		if (syscall(SYS_capget, &hdr, data))
			_exit(10);
		data[0].effective &= ~(1u << CAP_NET_ADMIN);
		if (syscall(SYS_capset, &hdr, data))
			_exit(11);
	}
	if (xs_ctl_path(f->instance, path, sizeof(path)))
		_exit(12);
	fd = xs_ctl_connect_path(path);
	if (fd < 0)
		_exit(13);
	xs_ctl_send_req(fd, 2, words);
	if (xs_ctl_recv_reply(fd, &status, &text, &len))
		_exit(14);
	if (drop)
		_exit(status == -EPERM && strstr(text, "needs CAP_NET_ADMIN") ? 0 : 15);
	_exit(status == 0 && !strcmp(text, "echo x ") ? 0 : 16);
}

static void test_capability(void **state)
{
	struct fixture *f = *state;
	struct xs_ctl_srv_stats st;

	NEED_ROOT();
	for (int drop = 1; drop >= 0; drop--) {
		int wst = -1;
		pid_t pid = fork();
		int64_t end = now_ms() + 5000;

		assert_true(pid >= 0);
		if (!pid)
			child_client(f, drop);
		while (waitpid(pid, &wst, WNOHANG) == 0 && now_ms() < end) {
			xs_ctl_srv_work(f->srv);
			usleep(1000);
		}
		assert_true(WIFEXITED(wst));
		if (WEXITSTATUS(wst))
			fail_msg("drop %d: child exit %d", drop, WEXITSTATUS(wst));
	}
	xs_ctl_srv_stats_get(f->srv, &st);
	assert_int_equal(st.refused_perm, 1);
	assert_int_equal(st.requests, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_capability, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_clients_do_not_delay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deferred, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_and_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
