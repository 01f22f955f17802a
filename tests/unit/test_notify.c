// SPDX-License-Identifier: GPL-2.0-only
/*
 * ctl/notify.c against a real AF_UNIX datagram socket standing in for the
 * service manager: path and abstract addresses, the exact bytes of each
 * message, the sender's credentials as the manager sees them, and every
 * address the protocol does not allow refused with its errno.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "notify.h"

struct manager {
	int fd;
	char dir[64];
	char path[100];
};

/* A datagram socket at a path in a fresh directory, reading credentials. */
static void manager_path(struct manager *m)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int one = 1;

	snprintf(m->dir, sizeof(m->dir), "/tmp/xs-notify-XXXXXX");
	assert_non_null(mkdtemp(m->dir));
	snprintf(m->path, sizeof(m->path), "%.64s/notify", m->dir);
	memcpy(sun.sun_path, m->path, strlen(m->path) + 1);
	m->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(m->fd >= 0);
	assert_int_equal(setsockopt(m->fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)), 0);
	assert_int_equal(bind(m->fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(setenv("NOTIFY_SOCKET", m->path, 1), 0);
}

/* The same at an abstract address, named "@..." in NOTIFY_SOCKET. */
static void manager_abstract(struct manager *m)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t alen;
	int n, one = 1;

	m->dir[0] = '\0';
	n = snprintf(m->path, sizeof(m->path), "@xs-notify-%d-%ld", (int)getpid(),
		     (long)time(NULL));
	memcpy(sun.sun_path, m->path, (size_t)n);
	sun.sun_path[0] = '\0';
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n);
	m->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(m->fd >= 0);
	assert_int_equal(setsockopt(m->fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)), 0);
	assert_int_equal(bind(m->fd, (struct sockaddr *)&sun, alen), 0);
	assert_int_equal(setenv("NOTIFY_SOCKET", m->path, 1), 0);
}

static void manager_close(struct manager *m)
{
	close(m->fd);
	if (m->dir[0]) {
		unlink(m->path);
		rmdir(m->dir);
	}
	unsetenv("NOTIFY_SOCKET");
}

/* Receives one datagram (non-blocking: it must already be there) and
 * checks the sender is this process, as the manager would. */
static void expect_msg(struct manager *m, char *buf, size_t len)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(struct ucred))];
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = len - 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = &ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *c;
	struct ucred cred;
	ssize_t n;

	n = recvmsg(m->fd, &mh, MSG_DONTWAIT);
	assert_true(n > 0);
	buf[n] = '\0';
	c = CMSG_FIRSTHDR(&mh);
	assert_non_null(c);
	assert_int_equal(c->cmsg_type, SCM_CREDENTIALS);
	memcpy(&cred, CMSG_DATA(c), sizeof(cred));
	assert_int_equal(cred.pid, getpid());
}

static void expect_nothing(struct manager *m)
{
	char b[8];

	assert_int_equal(recv(m->fd, b, sizeof(b), MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
}

static void check_messages(struct manager *m)
{
	char buf[256], *end;
	unsigned long long usec, now;
	struct timespec ts;

	assert_int_equal(xs_notify_ready(), 0);
	expect_msg(m, buf, sizeof(buf));
	assert_string_equal(buf, "READY=1");

	assert_int_equal(xs_notify_reloading(), 0);
	expect_msg(m, buf, sizeof(buf));
	assert_int_equal(strncmp(buf, "RELOADING=1\nMONOTONIC_USEC=", 27), 0);
	usec = strtoull(buf + 27, &end, 10);
	assert_int_equal(*end, '\0');
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	now = (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000ull;
	/* Taken just before: not after now, and within a minute of it. */
	assert_true(usec <= now && now - usec < 60000000ull);

	assert_int_equal(xs_notify_stopping(), 0);
	expect_msg(m, buf, sizeof(buf));
	assert_string_equal(buf, "STOPPING=1");

	assert_int_equal(xs_notify("STATUS=attached eth0\nREADY=1"), 0);
	expect_msg(m, buf, sizeof(buf));
	assert_string_equal(buf, "STATUS=attached eth0\nREADY=1");

	assert_int_equal(xs_notify(""), -EINVAL);
	assert_int_equal(xs_notify(NULL), -EINVAL);
	expect_nothing(m);
}

static void test_path_socket(void **state)
{
	struct manager m;

	(void)state;
	manager_path(&m);
	check_messages(&m);
	manager_close(&m);
}

static void test_abstract_socket(void **state)
{
	struct manager m;

	(void)state;
	manager_abstract(&m);
	check_messages(&m);
	manager_close(&m);
}

/* Not under a manager: nothing to do, and success. */
static void test_no_socket(void **state)
{
	(void)state;
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(xs_notify_ready(), 0);
	assert_int_equal(setenv("NOTIFY_SOCKET", "", 1), 0);
	assert_int_equal(xs_notify_ready(), 0);
	unsetenv("NOTIFY_SOCKET");
}

static void test_bad_addresses(void **state)
{
	char longpath[200];
	static const struct {
		const char *addr;
		int ret;
	} rows[] = {
		{ "vsock:2:1234", -EAFNOSUPPORT },
		{ "relative/path", -EAFNOSUPPORT },
		{ "/", -EINVAL },
		{ "@", -EINVAL },
		/* Nobody listens there. */
		{ "/nonexistent-xdpsec-dir/notify", -ENOENT },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(setenv("NOTIFY_SOCKET", rows[i].addr, 1), 0);
		assert_int_equal(xs_notify_ready(), rows[i].ret);
	}
	/* sun_path holds 108 bytes: a path needs its NUL inside, an abstract
	 * name does not (and nobody listens at this one). */
	memset(longpath, 'a', sizeof(longpath));
	longpath[0] = '/';
	longpath[108] = '\0';
	assert_int_equal(setenv("NOTIFY_SOCKET", longpath, 1), 0);
	assert_int_equal(xs_notify_ready(), -EINVAL);
	longpath[0] = '@';
	assert_int_equal(setenv("NOTIFY_SOCKET", longpath, 1), 0);
	assert_int_equal(xs_notify_ready(), -ECONNREFUSED);
	longpath[108] = 'a';
	longpath[109] = '\0';
	assert_int_equal(setenv("NOTIFY_SOCKET", longpath, 1), 0);
	assert_int_equal(xs_notify_ready(), -EINVAL);
	unsetenv("NOTIFY_SOCKET");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_socket),
		cmocka_unit_test(test_abstract_socket),
		cmocka_unit_test(test_no_socket),
		cmocka_unit_test(test_bad_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
