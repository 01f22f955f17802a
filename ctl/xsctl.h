/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The client library of the control API (include/xdpsec/control.h): the
 * `xdpsec` CLI, the IKE agent and the tests talk to the daemons only
 * through this. One connection (struct xs_ctl_conn) carries requests one
 * at a time (xs_ctl_call) or pipelined (xs_ctl_send + xs_ctl_recv), and,
 * once subscribed, events.
 *
 * All functions return 0 (or a count) or -errno; on a failed request err
 * (errlen bytes, may be NULL) holds the server's one-line reason, which
 * never contains key material. Constructors return NULL and set errno.
 */
#ifndef XS_CTL_CLIENT_H
#define XS_CTL_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <xdpsec/control.h>

struct xs_ctl_conn;

/* /run/xdpsec/<instance><suffix>.sock: suffix "" for the datapath daemon,
 * "-ike" for the IKE agent. */
struct xs_ctl_conn *xs_ctl_open(const char *instance, const char *suffix);
struct xs_ctl_conn *xs_ctl_open_path(const char *path);
/* Accepts NULL. */
void xs_ctl_close(struct xs_ctl_conn *c);
/* For poll()/epoll: readable when a reply or an event is waiting. */
int xs_ctl_fd(const struct xs_ctl_conn *c);

/* One received message: hdr, then body (len - sizeof(hdr) bytes). Points
 * into the connection's buffer, valid until the next receive. */
struct xs_ctl_msg {
	struct xs_ctl_hdr hdr;
	const void *body;
	size_t body_len;
};

/* Called for each record of a dump (and each event that arrives while a
 * call waits, if ev is set on the connection); non-zero stops the call. */
typedef int (*xs_ctl_rec_fn)(const struct xs_ctl_msg *m, void *arg);

/*
 * One request, waiting (at most timeout_ms, 0: the library's default) for
 * its final reply. Records go to rec (may be NULL). The reply body, if
 * any, is copied to out (at most out_len bytes). Returns the reply's
 * status (0 or -errno) or a transport error (-ECONNRESET, -ETIMEDOUT...).
 */
int xs_ctl_call(struct xs_ctl_conn *c, uint16_t type, const void *body, size_t len,
		xs_ctl_rec_fn rec, void *arg, void *out, size_t out_len,
		char *err, size_t errlen, int timeout_ms);

/* Pipelining: sends a request without waiting; *seq identifies its reply. */
int xs_ctl_send(struct xs_ctl_conn *c, uint16_t type, const void *body, size_t len,
		uint32_t *seq);
/* Receives the next message (reply, record or event); timeout_ms < 0
 * waits forever, 0 does not wait (-EAGAIN). */
int xs_ctl_recv(struct xs_ctl_conn *c, struct xs_ctl_msg *m, int timeout_ms);
/* Events that arrive while xs_ctl_call waits go to fn (else they are kept
 * for the next xs_ctl_recv, up to a bound, then dropped and counted). */
void xs_ctl_set_event_fn(struct xs_ctl_conn *c, xs_ctl_rec_fn fn, void *arg);

/* The error text of a failed reply message (empty if none). */
const char *xs_ctl_msg_error(const struct xs_ctl_msg *m);

/* --------------------------------------------- typed datapath requests */

int xs_ctl_status(struct xs_ctl_conn *c, struct xs_ctl_status *st, char *err, size_t errlen);
/* Adds an SA; the keys in sa are wiped before return whatever happens.
 * On success id (may be NULL) gets the SA's direction and reqid. */
int xs_ctl_sa_add(struct xs_ctl_conn *c, struct xs_ctl_sa *sa, struct xs_ctl_sa_id *id,
		  char *err, size_t errlen);
int xs_ctl_sa_del(struct xs_ctl_conn *c, const struct xs_ctl_sa_id *id, char *err,
		  size_t errlen);
int xs_ctl_sa_get(struct xs_ctl_conn *c, const struct xs_ctl_sa_id *id,
		  struct xs_ctl_sa_info *info, char *err, size_t errlen);
/* fn is called per SA; filter may be NULL (all). */
int xs_ctl_sa_dump(struct xs_ctl_conn *c, const struct xs_ctl_filter *filter,
		   int (*fn)(const struct xs_ctl_sa_info *, void *), void *arg,
		   char *err, size_t errlen);
int xs_ctl_sa_flush(struct xs_ctl_conn *c, const struct xs_ctl_filter *filter,
		    uint64_t *count, char *err, size_t errlen);

/* On success pol->id holds the new policy's id. */
int xs_ctl_policy_add(struct xs_ctl_conn *c, struct xs_ctl_policy *pol, char *err,
		      size_t errlen);
int xs_ctl_policy_del(struct xs_ctl_conn *c, uint32_t id, char *err, size_t errlen);
int xs_ctl_policy_update(struct xs_ctl_conn *c, const struct xs_ctl_policy_update *u,
			 char *err, size_t errlen);
int xs_ctl_policy_get(struct xs_ctl_conn *c, uint32_t id, struct xs_ctl_policy_info *info,
		      char *err, size_t errlen);
int xs_ctl_policy_dump(struct xs_ctl_conn *c, const struct xs_ctl_filter *filter,
		       int (*fn)(const struct xs_ctl_policy_info *, void *), void *arg,
		       char *err, size_t errlen);
int xs_ctl_policy_flush(struct xs_ctl_conn *c, const struct xs_ctl_filter *filter,
			uint64_t *count, char *err, size_t errlen);

int xs_ctl_attach(struct xs_ctl_conn *c, const struct xs_ctl_attach *a,
		  struct xs_ctl_iface *out, char *warn, size_t warnlen, char *err,
		  size_t errlen);
int xs_ctl_detach(struct xs_ctl_conn *c, const char *ifname, char *err, size_t errlen);
int xs_ctl_iface_dump(struct xs_ctl_conn *c, int (*fn)(const struct xs_ctl_iface *, void *),
		      void *arg, char *err, size_t errlen);
int xs_ctl_counter_dump(struct xs_ctl_conn *c,
			int (*fn)(const struct xs_ctl_counter *, void *), void *arg,
			char *err, size_t errlen);

/* Subscribes this connection to the events in mask; gen gets the daemon's
 * generation. Events then arrive through xs_ctl_recv (or the event fn). */
int xs_ctl_subscribe(struct xs_ctl_conn *c, uint32_t mask, struct xs_ctl_ev_generation *gen,
		     char *err, size_t errlen);
int xs_ctl_ike_sockets(struct xs_ctl_conn *c, const struct xs_ctl_ike_sockets *s,
		       char *err, size_t errlen);

#endif
