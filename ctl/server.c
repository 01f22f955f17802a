// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control server (server.h): instance lock, listening socket, and
 * many non-blocking clients, each with its own request buffer, reply
 * buffer and deadline, driven by the owner's loop through one epoll fd.
 *
 * A client goes READ (request arriving, XS_CTL_SRV_REQ_MS) -> RUN (in the
 * handler) -> PENDING (deferred, the handler's timeout) -> WRITE (reply
 * leaving, XS_CTL_SRV_REPLY_MS) -> closed, or RUN -> STREAM (a
 * subscriber: event frames queued and written as the socket takes them,
 * no deadline, dropped when its queue overflows) -> closed. Closed clients are freed at
 * the end of xs_ctl_srv_work(), never while an epoll batch may still name
 * them or a handler still holds them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "ctl.h"
#include "server.h"

#define EVENTS_BATCH 32
#define ACCEPT_BATCH 16         /* per call: the other clients get their turn */
#define WHY_MAX 160

enum client_state { C_READ, C_RUN, C_PENDING, C_WRITE, C_STREAM, C_DONE };

struct xs_ctl_srv_client {
	struct xs_ctl_srv *srv;
	int fd;
	enum client_state state;
	int64_t deadline;               /* ms, CLOCK_MONOTONIC */
	uint64_t id;                    /* deferred: the owner's handle */
	size_t have;
	char req[XS_CTL_REQ_MAX];
	uint8_t *out;
	size_t out_len, out_off;
	size_t out_cap;                 /* STREAM: the queue's allocation */
	uint32_t tag;                   /* STREAM: what it subscribed to */
	char timeout_msg[WHY_MAX];
};

struct xs_ctl_srv {
	int lfd, epfd, lock_fd;
	char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char lock_path[PATH_MAX];
	xs_ctl_srv_fn fn;
	void *arg;
	uint64_t next_id;
	struct xs_ctl_srv_client *cl[XS_CTL_SRV_CLIENTS_MAX];
	struct xs_ctl_srv_stats st;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------ opening */

static int take_lock(struct xs_ctl_srv *s, const char *instance, const char *suffix,
		     const char *who, char *err, size_t errlen)
{
	int n;

	if (mkdir(XS_CTL_RUN_DIR, 0700) && errno != EEXIST) {
		int ret = -errno;

		snprintf(err, errlen, "cannot create %s: %s", XS_CTL_RUN_DIR, strerror(-ret));
		return ret;
	}
	n = snprintf(s->lock_path, sizeof(s->lock_path), "%s/%s%s.lock", XS_CTL_RUN_DIR,
		     instance, suffix);
	if (n < 0 || (size_t)n >= sizeof(s->lock_path)) {
		snprintf(err, errlen, "bad instance name %s", instance);
		return -ENAMETOOLONG;
	}
	/* Held (and inherited by nothing) for the owner's life. */
	s->lock_fd = open(s->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lock_fd < 0 || flock(s->lock_fd, LOCK_EX | LOCK_NB)) {
		snprintf(err, errlen, "%s is already running", who);
		if (s->lock_fd >= 0)
			close(s->lock_fd);
		s->lock_fd = -1;
		s->lock_path[0] = '\0';         /* not ours to remove */
		return -EBUSY;
	}
	return 0;
}

static int listen_on(struct xs_ctl_srv *s, const char *instance, const char *suffix,
		     char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	mode_t old_mask;
	int ret;

	if (xs_ctl_path_suffix(instance, suffix, s->sock_path, sizeof(s->sock_path))) {
		snprintf(err, errlen, "bad instance name %s", instance);
		return -EINVAL;
	}
	memcpy(sun.sun_path, s->sock_path, sizeof(sun.sun_path));
	unlink(s->sock_path);
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->lfd < 0)
		return -errno;
	/* Root-only: the socket carries keys. */
	old_mask = umask(077);
	ret = bind(s->lfd, (struct sockaddr *)&sun, sizeof(sun)) ||
	      chmod(s->sock_path, 0600) || listen(s->lfd, XS_CTL_SRV_BACKLOG) ? -errno : 0;
	umask(old_mask);
	if (ret) {
		snprintf(err, errlen, "cannot listen on %s: %s", s->sock_path, strerror(-ret));
		return ret;
	}
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0 || epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->lfd, &ev)) {
		ret = -errno;
		snprintf(err, errlen, "epoll: %s", strerror(-ret));
		return ret;
	}
	return 0;
}

struct xs_ctl_srv *xs_ctl_srv_open(const char *instance, const char *suffix,
				   const char *who, xs_ctl_srv_fn fn, void *arg,
				   char *err, size_t errlen)
{
	struct xs_ctl_srv *s = calloc(1, sizeof(*s));
	int ret;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	s->lfd = s->epfd = s->lock_fd = -1;
	s->fn = fn;
	s->arg = arg;
	s->next_id = 1;
	ret = take_lock(s, instance, suffix, who, err, errlen);
	if (!ret)
		ret = listen_on(s, instance, suffix, err, errlen);
	if (ret) {
		/* Someone else's socket stays when the lock was theirs. */
		if (s->lock_fd < 0)
			s->sock_path[0] = '\0';
		xs_ctl_srv_close(s);
		errno = -ret;
		return NULL;
	}
	return s;
}

const char *xs_ctl_srv_path(const struct xs_ctl_srv *s)
{
	return s->sock_path;
}

int xs_ctl_srv_fd(const struct xs_ctl_srv *s)
{
	return s->epfd;
}

/* ------------------------------------------------------------ clients */

static void client_free(struct xs_ctl_srv_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	/* Requests may carry keys. */
	OPENSSL_cleanse(c->req, sizeof(c->req));
	if (c->out) {
		OPENSSL_cleanse(c->out, c->out_len);
		free(c->out);
	}
	free(c);
}

static void client_done(struct xs_ctl_srv_client *c)
{
	if (c->state == C_DONE)
		return;
	epoll_ctl(c->srv->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	c->state = C_DONE;
	c->id = 0;
}

static void client_watch(struct xs_ctl_srv_client *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (epoll_ctl(c->srv->epfd, EPOLL_CTL_MOD, c->fd, &ev))
		client_done(c);
}

/* Queues the answer and waits for the socket to take it. */
static int client_answer(struct xs_ctl_srv_client *c, int status, const char *text,
			 size_t len)
{
	int ret;

	if (c->state != C_RUN && c->state != C_PENDING)
		return -EALREADY;
	ret = xs_ctl_reply_frame(status, text, len, &c->out, &c->out_len);
	if (ret == -ENOMEM) {
		static const char oom[] = "out of memory for the reply";

		ret = xs_ctl_reply_frame(-ENOMEM, oom, sizeof(oom) - 1, &c->out,
					 &c->out_len);
	}
	if (ret) {
		client_done(c);
		return ret;
	}
	c->out_off = 0;
	c->state = C_WRITE;
	c->id = 0;
	c->deadline = now_ms() + XS_CTL_SRV_REPLY_MS;
	client_watch(c, EPOLLOUT);
	return 0;
}

int xs_ctl_srv_reply(struct xs_ctl_srv_client *c, int status, const char *text, size_t len)
{
	return client_answer(c, status, text, len);
}

uint64_t xs_ctl_srv_defer(struct xs_ctl_srv_client *c, unsigned int timeout_ms,
			  const char *timeout_msg)
{
	if (c->state != C_RUN)
		return c->id;
	if (timeout_ms > XS_CTL_SRV_DEFER_MAX_MS)
		timeout_ms = XS_CTL_SRV_DEFER_MAX_MS;
	c->state = C_PENDING;
	c->id = c->srv->next_id++;
	c->deadline = now_ms() + timeout_ms;
	snprintf(c->timeout_msg, sizeof(c->timeout_msg), "%s",
		 timeout_msg ? timeout_msg : "no answer in time");
	/* Readable again only if the client goes away (or misbehaves). */
	client_watch(c, EPOLLIN | EPOLLRDHUP);
	return c->id;
}

int xs_ctl_srv_reply_id(struct xs_ctl_srv *s, uint64_t id, int status, const char *text,
			size_t len)
{
	for (int i = 0; id && i < XS_CTL_SRV_CLIENTS_MAX; i++) {
		struct xs_ctl_srv_client *c = s->cl[i];

		if (c && c->id == id && (c->state == C_PENDING || c->state == C_RUN))
			return client_answer(c, status, text, len);
	}
	return -ENOENT;
}

/* One small answer to a client we will not keep; it never blocks (the
 * socket is new and its buffer empty) and a failure changes nothing. */
static void refuse(int fd, int status, const char *why)
{
	uint8_t *f;
	size_t n;

	if (!xs_ctl_reply_frame(status, why, strlen(why), &f, &n)) {
		if (send(fd, f, n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
			/* nothing more to say to it */
		}
		free(f);
	}
	close(fd);
}

static void accept_some(struct xs_ctl_srv *s)
{
	for (int k = 0; k < ACCEPT_BATCH; k++) {
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
		struct xs_ctl_srv_client *c;
		char why[WHY_MAX];
		int fd, slot = -1;

		fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		if (xs_ctl_peer_check(fd, why, sizeof(why))) {
			s->st.refused_perm++;
			refuse(fd, -EPERM, why);
			continue;
		}
		for (int i = 0; i < XS_CTL_SRV_CLIENTS_MAX && slot < 0; i++)
			if (!s->cl[i])
				slot = i;
		if (slot < 0) {
			s->st.refused_busy++;
			snprintf(why, sizeof(why), "busy: %d control clients connected, "
				 "try again", XS_CTL_SRV_CLIENTS_MAX);
			refuse(fd, -EBUSY, why);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			refuse(fd, -ENOMEM, "out of memory");
			continue;
		}
		c->srv = s;
		c->fd = fd;
		c->state = C_READ;
		c->deadline = now_ms() + XS_CTL_SRV_REQ_MS;
		ev.data.ptr = c;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			refuse(fd, -ENOMEM, "cannot watch the connection");
			free(c);
			continue;
		}
		s->cl[slot] = c;
		s->st.accepted++;
	}
}

static void client_run(struct xs_ctl_srv_client *c, int argc, char **argv)
{
	static const char none[] = "internal error: the request got no answer";

	c->state = C_RUN;
	c->srv->st.requests++;
	c->srv->fn(c->srv->arg, c, argc, argv);
	OPENSSL_cleanse(c->req, sizeof(c->req));
	c->have = 0;
	if (c->state == C_RUN)
		client_answer(c, -EIO, none, sizeof(none) - 1);
}

static void client_read(struct xs_ctl_srv_client *c)
{
	char *argv[XS_CTL_ARGS_MAX + 1];
	int argc, ret;

	for (;;) {
		ssize_t n;

		if (c->state == C_PENDING || c->state == C_STREAM) {
			char b;

			/* Nothing may follow the request: the client left
			 * (0) or broke the protocol (data). */
			n = recv(c->fd, &b, 1, MSG_DONTWAIT);
			if (n >= 0 || (errno != EAGAIN && errno != EINTR))
				client_done(c);
			return;
		}
		if (c->have == sizeof(c->req)) {
			ret = -E2BIG;
			goto bad;
		}
		n = recv(c->fd, c->req + c->have, sizeof(c->req) - c->have, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			/* gone before its request was complete */
			client_done(c);
			return;
		}
		c->have += (size_t)n;
		ret = xs_ctl_req_parse(c->req, c->have, &argc, argv);
		if (ret < 0)
			goto bad;
		if (ret > 0) {
			client_run(c, argc, argv);
			return;
		}
	}
bad:
	c->srv->st.malformed++;
	OPENSSL_cleanse(c->req, sizeof(c->req));
	c->have = 0;
	c->state = C_RUN;
	client_answer(c, -EINVAL, "malformed request", 17);
}

static void client_write(struct xs_ctl_srv_client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			client_done(c);
			return;
		}
		c->out_off += (size_t)n;
	}
	client_done(c);
}

static void stream_flush(struct xs_ctl_srv_client *c);

static void client_event(struct xs_ctl_srv_client *c, uint32_t events)
{
	if (c->state == C_DONE)
		return;
	if (c->state == C_STREAM) {
		if (events & EPOLLOUT)
			stream_flush(c);
		if (c->state == C_STREAM &&
		    (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
			client_read(c);
		return;
	}
	if (c->state == C_WRITE) {
		client_write(c);
		return;
	}
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		client_read(c);
}

static void client_expire(struct xs_ctl_srv_client *c, int64_t now)
{
	if (c->state == C_DONE || c->state == C_STREAM || now < c->deadline)
		return;
	switch (c->state) {
	case C_READ:
		/* An idle or slow client: it does not hold anyone else up. */
		c->srv->st.timed_out++;
		OPENSSL_cleanse(c->req, sizeof(c->req));
		c->state = C_RUN;
		client_answer(c, -ETIMEDOUT, "request not complete in time", 28);
		break;
	case C_PENDING:
		c->srv->st.timed_out++;
		client_answer(c, -ETIMEDOUT, c->timeout_msg, strlen(c->timeout_msg));
		break;
	default:
		client_done(c);
		break;
	}
}

static void sweep(struct xs_ctl_srv *s)
{
	for (int i = 0; i < XS_CTL_SRV_CLIENTS_MAX; i++) {
		if (s->cl[i] && s->cl[i]->state == C_DONE) {
			client_free(s->cl[i]);
			s->cl[i] = NULL;
		}
	}
}

void xs_ctl_srv_work(struct xs_ctl_srv *s)
{
	struct epoll_event ev[EVENTS_BATCH];
	bool listener = false;
	int64_t now;
	int n;

	n = epoll_wait(s->epfd, ev, EVENTS_BATCH, 0);
	for (int i = 0; i < n; i++) {
		if (!ev[i].data.ptr)
			listener = true;
		else
			client_event(ev[i].data.ptr, ev[i].events);
	}
	now = now_ms();
	for (int i = 0; i < XS_CTL_SRV_CLIENTS_MAX; i++)
		if (s->cl[i])
			client_expire(s->cl[i], now);
	/* Clients that left free their slots before new ones are counted. */
	sweep(s);
	if (listener) {
		accept_some(s);
		sweep(s);
	}
}

int xs_ctl_srv_timeout_ms(const struct xs_ctl_srv *s)
{
	int64_t now = now_ms(), best = -1;

	for (int i = 0; i < XS_CTL_SRV_CLIENTS_MAX; i++) {
		const struct xs_ctl_srv_client *c = s->cl[i];
		int64_t left;

		if (!c || c->state == C_STREAM)
			continue;
		/* finished, not yet freed: the next work() frees it */
		left = c->state == C_DONE ? 0 : c->deadline - now;
		if (left < 0)
			left = 0;
		if (best < 0 || left < best)
			best = left;
	}
	return best > INT_MAX ? INT_MAX : (int)best;
}

void xs_ctl_srv_stats_get(const struct xs_ctl_srv *s, struct xs_ctl_srv_stats *st)
{
	*st = s->st;
	st->clients = 0;
	for (int i = 0; i < XS_CTL_SRV_CLIENTS_MAX; i++) {
		st->clients += s->cl[i] != NULL;
		st->subscribers += s->cl[i] && s->cl[i]->state == C_STREAM;
	}
}

/* ------------------------------------------------------------ streams */

int xs_ctl_srv_subscribe(struct xs_ctl_srv_client *c, uint32_t tag)
{
	if (c->state != C_RUN)
		return -EALREADY;
	c->state = C_STREAM;
	c->tag = tag;
	c->id = 0;
	c->out_len = c->out_off = c->out_cap = 0;
	/* Readable only if it goes away; writable asked for when queued. */
	client_watch(c, EPOLLIN | EPOLLRDHUP);
	return 0;
}

/* Writes what the socket takes; watches for more room if some is left. */
static void stream_flush(struct xs_ctl_srv_client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			client_watch(c, EPOLLIN | EPOLLRDHUP | EPOLLOUT);
			return;
		}
		if (n <= 0) {
			client_done(c);
			return;
		}
		c->out_off += (size_t)n;
	}
	c->out_len = c->out_off = 0;
	client_watch(c, EPOLLIN | EPOLLRDHUP);
}

int xs_ctl_srv_event(struct xs_ctl_srv_client *c, const char *text, size_t len)
{
	uint8_t *f;
	size_t n;
	int ret;

	if (c->state != C_STREAM)
		return -EINVAL;
	ret = xs_ctl_reply_frame(XS_CTL_ST_EVENT, text, len, &f, &n);
	if (ret)
		return ret;
	if (c->out_len - c->out_off + n > XS_CTL_SRV_SUB_QUEUE_MAX) {
		/* It does not read: dropped, nobody waits for it. */
		free(f);
		c->srv->st.sub_dropped++;
		client_done(c);
		return -ENOBUFS;
	}
	if (c->out_off) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	if (c->out_len + n > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		uint8_t *p;

		while (cap < c->out_len + n)
			cap *= 2;
		p = realloc(c->out, cap);
		if (!p) {
			free(f);
			c->srv->st.sub_dropped++;
			client_done(c);
			return -ENOMEM;
		}
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, f, n);
	c->out_len += n;
	free(f);
	stream_flush(c);
	return 0;
}

unsigned int xs_ctl_srv_publish(struct xs_ctl_srv *s, uint32_t tag, const char *text,
				size_t len)
{
	unsigned int n = 0;

	for (int i = 0; i < XS_CTL_SRV_CLIENTS_MAX; i++) {
		struct xs_ctl_srv_client *c = s->cl[i];

		if (c && c->state == C_STREAM && c->tag == tag &&
		    !xs_ctl_srv_event(c, text, len))
			n++;
	}
	return n;
}

bool xs_ctl_srv_subscribed(const struct xs_ctl_srv *s, uint32_t tag)
{
	for (int i = 0; i < XS_CTL_SRV_CLIENTS_MAX; i++)
		if (s->cl[i] && s->cl[i]->state == C_STREAM && s->cl[i]->tag == tag)
			return true;
	return false;
}

void xs_ctl_srv_close(struct xs_ctl_srv *s)
{
	if (!s)
		return;
	for (int i = 0; i < XS_CTL_SRV_CLIENTS_MAX; i++) {
		struct xs_ctl_srv_client *c = s->cl[i];

		if (!c)
			continue;
		/* A last answer (a short one fits the socket buffer). */
		if (c->state == C_WRITE && send(c->fd, c->out + c->out_off,
						c->out_len - c->out_off,
						MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
			/* closing anyway */
		}
		client_free(c);
	}
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->lfd >= 0)
		close(s->lfd);
	/* Only the owner of the lock removes the files. */
	if (s->lock_fd >= 0) {
		if (s->sock_path[0])
			unlink(s->sock_path);
		unlink(s->lock_path);
		close(s->lock_fd);
	}
	free(s);
}
