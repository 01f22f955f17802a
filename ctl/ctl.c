// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control protocol (ctl.h): framing over a UNIX stream socket.
 *
 * The client's reads and writes are non-blocking and wait in poll()
 * against one deadline per message. The server side (server.c) never
 * blocks: it parses what has arrived (xs_ctl_req_parse) and frames its
 * replies (xs_ctl_reply_frame) here.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "ctl.h"

/* A client waits this long for the reply: attach may reset a NIC. */
#define CTL_CLIENT_TIMEOUT_MS 120000

#define REQ_HDR_LEN 4u  /* u32 argc */
#define REPLY_HDR_LEN 8u /* i32 status, u32 length */

int xs_ctl_instance_ok(const char *instance)
{
	size_t i;

	for (i = 0; instance[i]; i++) {
		char c = instance[i];

		if (i == XS_INSTANCE_MAX - 1)
			return -EINVAL;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return -EINVAL;
	}
	return i ? 0 : -EINVAL;
}

int xs_ctl_path_suffix(const char *instance, const char *suffix, char *buf,
		       size_t len)
{
	int n;

	if (xs_ctl_instance_ok(instance))
		return -EINVAL;
	n = snprintf(buf, len, "%s/%s%s.sock", XS_CTL_RUN_DIR, instance, suffix);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

int xs_ctl_path(const char *instance, char *buf, size_t len)
{
	return xs_ctl_path_suffix(instance, "", buf, len);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on fd until deadline (now_ms() clock). */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };

	for (;;) {
		int64_t left = deadline - now_ms();
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, (int)(left > 60000 ? 60000 : left));
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

/* Reads up to len bytes (at least one); 0 at end of stream. */
static ssize_t read_some(int fd, void *buf, size_t len, int64_t deadline)
{
	for (;;) {
		ssize_t n = recv(fd, buf, len, MSG_DONTWAIT);
		int ret;

		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		ret = wait_fd(fd, POLLIN, deadline);
		if (ret)
			return ret;
	}
}

/* Reads exactly len bytes; -ECONNRESET if the peer closes first. */
static int read_full(int fd, void *buf, size_t len, int64_t deadline)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = read_some(fd, p, len, deadline);

		if (n < 0)
			return (int)n;
		if (n == 0)
			return -ECONNRESET;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t len, int64_t deadline)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		int ret;

		if (n >= 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		ret = wait_fd(fd, POLLOUT, deadline);
		if (ret)
			return ret;
	}
	return 0;
}

/* ------------------------------------------------------------- client */

int xs_ctl_connect_path(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, ret;

	if (!path)
		return -EINVAL;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

int xs_ctl_connect(const char *instance)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int ret;

	ret = xs_ctl_path(instance, path, sizeof(path));
	if (ret)
		return ret;
	return xs_ctl_connect_path(path);
}

int xs_ctl_send_req(int fd, int argc, char *const argv[])
{
	size_t total = REQ_HDR_LEN, off;
	uint32_t n32 = (uint32_t)argc;
	uint8_t *buf;
	int ret;

	if (argc < 0)
		return -EINVAL;
	if (argc > XS_CTL_ARGS_MAX)
		return -E2BIG;
	for (int i = 0; i < argc; i++) {
		total += strlen(argv[i]) + 1;
		if (total > XS_CTL_REQ_MAX)
			return -E2BIG;
	}
	buf = malloc(total);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, &n32, sizeof(n32));
	off = REQ_HDR_LEN;
	for (int i = 0; i < argc; i++) {
		size_t len = strlen(argv[i]) + 1;

		memcpy(buf + off, argv[i], len);
		off += len;
	}
	ret = write_full(fd, buf, total, now_ms() + CTL_CLIENT_TIMEOUT_MS);
	/* The words may hold keys (sa add). */
	OPENSSL_cleanse(buf, total);
	free(buf);
	return ret;
}

int xs_ctl_recv_reply(int fd, int *status, char **text, size_t *len)
{
	return xs_ctl_recv_reply_ms(fd, status, text, len, 0);
}

int xs_ctl_recv_reply_ms(int fd, int *status, char **text, size_t *len,
			 unsigned int timeout_ms)
{
	int64_t deadline = now_ms() + (timeout_ms ? timeout_ms : CTL_CLIENT_TIMEOUT_MS);
	uint8_t hdr[REPLY_HDR_LEN];
	int32_t st;
	uint32_t n;
	char *t;
	int ret;

	ret = read_full(fd, hdr, sizeof(hdr), deadline);
	if (ret)
		return ret;
	memcpy(&st, hdr, sizeof(st));
	memcpy(&n, hdr + 4, sizeof(n));
	/* 0, -errno (errno values stay below 4096) or an event. */
	if ((st > 0 && st != XS_CTL_ST_EVENT) || st < -4095 || n > XS_CTL_REPLY_MAX)
		return -EPROTO;
	t = malloc((size_t)n + 1);
	if (!t)
		return -ENOMEM;
	ret = read_full(fd, t, n, deadline);
	if (ret) {
		free(t);
		return ret;
	}
	t[n] = '\0';
	*status = st;
	*text = t;
	*len = n;
	return 0;
}

int xs_ctl_client_run(const struct xs_ctl_client *cl, const char *instance,
		      const char *path, int argc, char **argv)
{
	char *text = NULL;
	size_t len = 0;
	int fd, ret, status = 0;

	fd = xs_ctl_connect_path(path);
	if (fd == -ENOENT || fd == -ECONNREFUSED) {
		fprintf(stderr, "%s: no %s for instance %s (start it with: %s -i %s %s)\n",
			cl->prog, cl->peer, instance, cl->prog, instance, cl->start);
		return 1;
	}
	if (fd < 0) {
		char hint[64] = "";

		if (fd == -EACCES)
			snprintf(hint, sizeof(hint),
				 " (%s needs root with CAP_NET_ADMIN)", cl->prog);
		fprintf(stderr, "%s: cannot connect to %s: %s%s\n", cl->prog,
			path ? path : "the control socket", strerror(-fd), hint);
		return 1;
	}
	ret = xs_ctl_send_req(fd, argc, argv);
	/* A server that refuses (permission, too many clients) answers and
	 * closes without reading: its answer may be there all the same. */
	if (!ret || ret == -EPIPE || ret == -ECONNRESET) {
		int r2 = xs_ctl_recv_reply_ms(fd, &status, &text, &len, cl->timeout_ms);

		if (!ret || !r2)
			ret = r2;
		/* A stream (monitor): each event as it comes, no deadline
		 * between events; it ends with a final frame or EOF. */
		while (!ret && status == XS_CTL_ST_EVENT) {
			fwrite(text, 1, len, stdout);
			free(text);
			text = NULL;
			if (fflush(stdout) || ferror(stdout)) {
				close(fd);
				return 1;
			}
			ret = xs_ctl_recv_reply_ms(fd, &status, &text, &len, UINT_MAX);
			if (ret == -ECONNRESET) {
				close(fd);
				fprintf(stderr, "%s: the %s of instance %s closed the stream\n",
					cl->prog, cl->peer, instance);
				return 1;
			}
		}
	}
	close(fd);
	if (ret == -E2BIG) {
		fprintf(stderr, "%s: request too long (at most %d words, %u bytes)\n",
			cl->prog, XS_CTL_ARGS_MAX, XS_CTL_REQ_MAX);
		return 1;
	}
	if (ret) {
		fprintf(stderr, "%s: no answer from the %s of instance %s: %s\n",
			cl->prog, cl->peer, instance, strerror(-ret));
		return 1;
	}
	if (status) {
		/* The error is one line; drop a trailing newline if any. */
		while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
			text[--len] = '\0';
		fprintf(stderr, "%s: %s\n", cl->prog, len ? text : strerror(-status));
		free(text);
		return 1;
	}
	fwrite(text, 1, len, stdout);
	free(text);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: writing the output: %s\n", cl->prog,
			strerror(errno));
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------- server */

int xs_ctl_req_parse(char *buf, size_t have, int *argc, char *argv[XS_CTL_ARGS_MAX + 1])
{
	uint32_t n, nuls = 0;
	size_t off;

	if (have < REQ_HDR_LEN)
		return 0;
	memcpy(&n, buf, sizeof(n));
	if (n > XS_CTL_ARGS_MAX)
		return -E2BIG;
	for (off = REQ_HDR_LEN; off < have && nuls < n; off++)
		nuls += !buf[off];
	if (nuls < n)
		return have >= XS_CTL_REQ_MAX ? -E2BIG : 0;
	/* The client sends nothing after its request: bytes after the
	 * last word are not this protocol. */
	if (off != have)
		return -EPROTO;
	off = REQ_HDR_LEN;
	for (uint32_t i = 0; i < n; i++) {
		argv[i] = buf + off;
		off += strlen(buf + off) + 1;
	}
	argv[n] = NULL;
	*argc = (int)n;
	return 1;
}

int xs_ctl_reply_frame(int status, const char *text, size_t len, uint8_t **frame,
		       size_t *frame_len)
{
	int32_t st = status;
	uint32_t n = (uint32_t)len;
	uint8_t *f;

	if ((status > 0 && status != XS_CTL_ST_EVENT) || status < -4095 ||
	    len > XS_CTL_REPLY_MAX)
		return -EINVAL;
	f = malloc(REPLY_HDR_LEN + len);
	if (!f)
		return -ENOMEM;
	memcpy(f, &st, sizeof(st));
	memcpy(f + 4, &n, sizeof(n));
	if (len)
		memcpy(f + REPLY_HDR_LEN, text, len);
	*frame = f;
	*frame_len = REPLY_HDR_LEN + len;
	return 0;
}
