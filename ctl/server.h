/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one control server both daemons run (the datapath daemon on
 * <instance>.sock, the IKE agent on <instance>-ike.sock), speaking the
 * protocol of ctl.h.
 *
 * It never blocks: every client has its own buffers and deadline, and the
 * owner's event loop drives it through one epoll fd (xs_ctl_srv_fd) and
 * the time to the next deadline (xs_ctl_srv_timeout_ms). A complete
 * request goes to the owner's handler, which answers at once
 * (xs_ctl_srv_reply) or defers: the client stays pending, and the owner
 * answers later by id (xs_ctl_srv_reply_id), as long as the client is
 * still there.
 *
 * Only root with CAP_NET_ADMIN in its effective set is served
 * (SO_PEERCRED, then capget(2) of the peer; anything that cannot be
 * decided is refused).
 */
#ifndef XS_CTL_SERVER_H
#define XS_CTL_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The limits, in one place. */
#define XS_CTL_SRV_CLIENTS_MAX 64       /* connected at once; the next is refused */
#define XS_CTL_SRV_REQ_MS 5000u         /* to send a whole request */
#define XS_CTL_SRV_REPLY_MS 5000u       /* to take the whole reply */
#define XS_CTL_SRV_DEFER_MAX_MS (3600u * 1000u)  /* longest deferred answer */
#define XS_CTL_SRV_BACKLOG 64
#define XS_CTL_SRV_SUB_QUEUE_MAX (256u * 1024u) /* unread event bytes per subscriber */

struct xs_ctl_srv;
struct xs_ctl_srv_client;

/*
 * Runs one complete request. argv points into the client's buffer, which
 * is wiped when the handler returns (requests may carry keys). Before
 * returning the handler either answers (xs_ctl_srv_reply) or defers
 * (xs_ctl_srv_defer); a handler that does neither answers -EIO.
 */
typedef void (*xs_ctl_srv_fn)(void *arg, struct xs_ctl_srv_client *c, int argc,
			      char **argv);

/*
 * Takes the instance lock XS_CTL_RUN_DIR/<instance><suffix>.lock and
 * listens on XS_CTL_RUN_DIR/<instance><suffix>.sock (mode 0600). who
 * names the owner in the refusal when another one holds the lock ("the
 * IKE agent of instance default"). NULL with errno and err set.
 */
struct xs_ctl_srv *xs_ctl_srv_open(const char *instance, const char *suffix,
				   const char *who, xs_ctl_srv_fn fn, void *arg,
				   char *err, size_t errlen);
/* Closes every client (sending what answers fit at once) and the socket,
 * removes the socket and lock files, releases the lock. Accepts NULL. */
void xs_ctl_srv_close(struct xs_ctl_srv *s);
const char *xs_ctl_srv_path(const struct xs_ctl_srv *s);

/* Readable (poll POLLIN) when the server has work. */
int xs_ctl_srv_fd(const struct xs_ctl_srv *s);
/* Milliseconds to the earliest client deadline (0 if due), -1 if none. */
int xs_ctl_srv_timeout_ms(const struct xs_ctl_srv *s);
/* Accepts, reads, runs complete requests, writes answers, closes what is
 * done or past its deadline. Never blocks; call it when the fd is
 * readable or the timeout ran out (calling it more often is harmless). */
void xs_ctl_srv_work(struct xs_ctl_srv *s);

/* From a handler: the answer (status 0 or -errno; text the output, or the
 * one-line error). 0, -EALREADY if answered before, -EINVAL/-ENOMEM. */
int xs_ctl_srv_reply(struct xs_ctl_srv_client *c, int status, const char *text,
		     size_t len);
/*
 * From a handler: keeps c waiting for a later answer, at most timeout_ms
 * (capped at XS_CTL_SRV_DEFER_MAX_MS); then it gets -ETIMEDOUT with
 * timeout_msg. Returns the client's id for xs_ctl_srv_reply_id (never 0).
 * A client that disconnects meanwhile is closed and forgotten.
 */
uint64_t xs_ctl_srv_defer(struct xs_ctl_srv_client *c, unsigned int timeout_ms,
			  const char *timeout_msg);
/* Answers a deferred client (it may also be called while the handler
 * still runs). 0, or -ENOENT when that client is gone. */
int xs_ctl_srv_reply_id(struct xs_ctl_srv *s, uint64_t id, int status, const char *text,
			size_t len);

/*
 * Streams (ctl.h, XS_CTL_ST_EVENT): from a handler, makes c a subscriber
 * of the events published under tag (the owner's choice, e.g. one tag per
 * output format). A subscriber has no deadline; it stays until it
 * disconnects, or until more than XS_CTL_SRV_SUB_QUEUE_MAX bytes of its
 * events wait unread: then it is dropped and counted (sub_dropped), never
 * waited for. 0, or -EALREADY when c was answered.
 */
int xs_ctl_srv_subscribe(struct xs_ctl_srv_client *c, uint32_t tag);
/* One event frame to the subscriber c (e.g. the first, from the handler). */
int xs_ctl_srv_event(struct xs_ctl_srv_client *c, const char *text, size_t len);
/* One event frame to every subscriber of tag; the number reached. */
unsigned int xs_ctl_srv_publish(struct xs_ctl_srv *s, uint32_t tag, const char *text,
				size_t len);
/* Whether anyone subscribes to tag (to skip formatting otherwise). */
bool xs_ctl_srv_subscribed(const struct xs_ctl_srv *s, uint32_t tag);

/* Counters (tests, stats). */
struct xs_ctl_srv_stats {
	uint64_t accepted, refused_perm, refused_busy, timed_out, malformed, requests;
	uint64_t sub_dropped;   /* subscribers dropped for not reading */
	uint32_t clients;       /* connected now */
	uint32_t subscribers;   /* of them, streaming events */
};
void xs_ctl_srv_stats_get(const struct xs_ctl_srv *s, struct xs_ctl_srv_stats *st);

/*
 * Whether the peer of the connected UNIX socket fd may use the control
 * socket: uid 0 and CAP_NET_ADMIN effective (peer.c). 0, or -EPERM with
 * the one-line reason in why.
 */
int xs_ctl_peer_check(int fd, char *why, size_t whylen);

#endif
