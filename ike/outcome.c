// SPDX-License-Identifier: GPL-2.0-only
/*
 * Outcomes of `initiate` and `terminate`: the waiters and the decision
 * when each is over (agent.h, "outcomes"). Waiters are kept in the order
 * they were made and reported in that order.
 *
 * An initiate waits on the IKE SA it started or joined. It succeeds once
 * that SA (or the one a rekey replaced it with) is established with an
 * installed Child SA of every child asked for; it fails when the SA dies
 * first, or when it is established and a child asked for is neither
 * installed nor on its way (refused by the peer, install failed).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outcome.h"
#include "wire.h"

struct waiter {
	struct waiter *next;
	struct ike_agent *agent;
	bool terminate;
	bool decided;                   /* status and why are final */
	int status;
	uint32_t serial;                /* initiate: the IKE SA */
	char conn[IKE_CONF_NAME_MAX];
	char child[IKE_CONF_NAME_MAX];  /* initiate: "" all */
	char why[IKE_WHY_MAX + 64];     /* the reason; terminate: how the
					 * last SA ended */
};

static struct waiter *waiters;

/* Default shell hooks: an agent without a blocking control plane. The
 * shell's own definitions replace these at link time. */
__attribute__((weak)) void ike_shell_initiate_done(struct ike_agent *a,
						   const char *conn,
						   const char *child, int status,
						   const char *why)
{
	(void)a;
	(void)conn;
	(void)child;
	(void)status;
	(void)why;
}

__attribute__((weak)) void ike_shell_terminate_done(struct ike_agent *a,
						    const char *conn, int status,
						    const char *why)
{
	(void)a;
	(void)conn;
	(void)status;
	(void)why;
}

static int add(struct ike_agent *a, bool terminate, const char *conn,
	       const char *child, uint32_t serial)
{
	struct waiter *w = calloc(1, sizeof(*w)), **pp;

	if (!w)
		return -ENOMEM;
	w->agent = a;
	w->terminate = terminate;
	w->serial = serial;
	snprintf(w->conn, sizeof(w->conn), "%s", conn);
	snprintf(w->child, sizeof(w->child), "%s", child ? child : "");
	snprintf(w->why, sizeof(w->why), "no IKE SA left");
	for (pp = &waiters; *pp; pp = &(*pp)->next)
		;
	*pp = w;
	/* it may be decided already: the dispatcher looks */
	a->sm_dirty = true;
	return 0;
}

int ike_outcome_wait_initiate(struct ike_agent *a, const char *conn,
			      const char *child, struct ike_sa *sa)
{
	return add(a, false, conn, child, sa->serial);
}

int ike_outcome_wait_terminate(struct ike_agent *a, const char *conn)
{
	return add(a, true, conn, NULL, 0);
}

static void unlink_waiter(struct waiter *w)
{
	struct waiter **pp;

	for (pp = &waiters; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	free(w);
}

/* The status of a failure, from what the peer said or why the SA died. */
static int fail_status(uint16_t peer_error, const char *why)
{
	switch (peer_error) {
	case IKE_N_AUTHENTICATION_FAILED:
		return -EACCES;
	case IKE_N_NO_PROPOSAL_CHOSEN:
	case IKE_N_INVALID_KE_PAYLOAD:
	case IKE_N_TS_UNACCEPTABLE:
		return -ENOPROTOOPT;
	default:
		break;
	}
	if (strstr(why, "not responding") || strstr(why, "unanswered"))
		return -ETIMEDOUT;
	if (strstr(why, "authentication") || strstr(why, "AUTH does not"))
		return -EACCES;
	return -ECONNABORTED;
}

static void decide(struct waiter *w, int status, const char *why)
{
	w->decided = true;
	w->status = status;
	snprintf(w->why, sizeof(w->why), "%s", why);
}

/* Calls the shell's hook for w and forgets w. */
static void report(struct waiter *w)
{
	struct ike_agent *a = w->agent;
	char conn[IKE_CONF_NAME_MAX], child[IKE_CONF_NAME_MAX];
	char why[sizeof(w->why)];
	bool terminate = w->terminate, all = !w->child[0];
	int status = w->status;

	memcpy(conn, w->conn, sizeof(conn));
	memcpy(child, w->child, sizeof(child));
	memcpy(why, w->why, sizeof(why));
	unlink_waiter(w);
	if (terminate)
		ike_shell_terminate_done(a, conn, status, why);
	else
		ike_shell_initiate_done(a, conn, all ? NULL : child, status, why);
}

static struct ike_sa *live_of(struct ike_agent *a, const char *conn)
{
	for (struct ike_sa *s = a->sas; s; s = s->next)
		if (!strcmp(s->conn.name, conn) &&
		    (s->state == IKE_SA_ESTABLISHED || s->state == IKE_SA_I_WAIT ||
		     s->state == IKE_SA_I_INIT || s->state == IKE_SA_I_AUTH))
			return s;
	return NULL;
}

void ike_outcome_sa_dead(struct ike_sa *sa)
{
	for (struct waiter *w = waiters; w; w = w->next) {
		char why[IKE_WHY_MAX + 48];

		if (w->agent != sa->agent || w->decided ||
		    strcmp(w->conn, sa->conn.name))
			continue;
		if (w->terminate) {
			snprintf(w->why, sizeof(w->why), "%s", sa->why);
			continue;
		}
		if (w->serial != sa->serial)
			continue;
		/* §2.18: a rekey moved the Child SAs to the new IKE SA */
		if (sa->children_moved) {
			struct ike_sa *s = live_of(sa->agent, sa->conn.name);

			if (s) {
				w->serial = s->serial;
				continue;
			}
		}
		if (sa->peer_error)
			snprintf(why, sizeof(why), "%s (%s)", sa->why,
				 ike_notify_name(sa->peer_error));
		else
			snprintf(why, sizeof(why), "%s", sa->why);
		decide(w, fail_status(sa->peer_error, sa->why), why);
	}
}

static bool wants(const struct waiter *w, const char *child)
{
	return !w->child[0] || !strcmp(w->child, child);
}

/* Whether child config k of sa is still on its way: in IKE_AUTH, queued,
 * or its CREATE_CHILD_SA is out. */
static bool child_pending(const struct ike_sa *sa, uint16_t k)
{
	if (sa->auth_child && sa->auth_cfg == k)
		return true;
	if (sa->req.active && sa->req.kind == IKE_TASK_CHILD_CREATE &&
	    sa->req.cfg_idx == k)
		return true;
	return ike_sa_task_queued(sa, IKE_TASK_CHILD_CREATE, k);
}

/* 1 success, 0 undecided, -1 failure (why filled). */
static int initiate_state(const struct waiter *w, const struct ike_sa *sa,
			  char *why, size_t len)
{
	if (sa->state != IKE_SA_ESTABLISHED)
		return 0;
	for (size_t k = 0; k < sa->n_ccfg; k++) {
		const char *name = sa->ccfg[k].name;
		bool up = false, failed = false;

		if (!wants(w, name))
			continue;
		for (const struct ike_child *c = sa->children; c; c = c->next) {
			if (c->cfg_idx != k)
				continue;
			if (c->install_failed)
				failed = true;
			else if (c->state == IKE_CHILD_INSTALLED ||
				 c->state == IKE_CHILD_REKEYING)
				up = true;
		}
		if (up)
			continue;
		if (failed) {
			snprintf(why, len, "Child SA %s could not be installed", name);
			return -1;
		}
		if (child_pending(sa, (uint16_t)k))
			return 0;
		if (sa->peer_error)
			snprintf(why, len, "Child SA %s refused: %s", name,
				 ike_notify_name(sa->peer_error));
		else
			snprintf(why, len, "Child SA %s not established", name);
		return -1;
	}
	return 1;
}

/* Decides w if it can be: 0 or -errno in w. */
static void evaluate(struct waiter *w)
{
	struct ike_agent *a = w->agent;
	struct ike_sa *sa = NULL;
	char why[IKE_WHY_MAX + 64];
	int st;

	if (w->terminate) {
		for (struct ike_sa *s = a->sas; s; s = s->next)
			if (!strcmp(s->conn.name, w->conn))
				return;
		w->decided = true;
		w->status = 0;
		return;
	}
	for (struct ike_sa *s = a->sas; s && !sa; s = s->next)
		if (s->serial == w->serial)
			sa = s;
	/* not found: dead, and ike_outcome_sa_dead decided */
	if (!sa)
		return;
	st = initiate_state(w, sa, why, sizeof(why));
	if (st > 0)
		decide(w, 0, "established");
	else if (st < 0)
		decide(w, fail_status(sa->peer_error, why), why);
}

/* Whether an earlier waiter of the same kind for the same connection is
 * still open: reports keep the order of the requests. */
static bool behind(const struct waiter *w)
{
	for (const struct waiter *o = waiters; o && o != w; o = o->next)
		if (o->agent == w->agent && o->terminate == w->terminate &&
		    !strcmp(o->conn, w->conn))
			return true;
	return false;
}

void ike_outcome_check(struct ike_agent *a)
{
	struct waiter *w;

	for (w = waiters; w; w = w->next)
		if (w->agent == a && !w->decided)
			evaluate(w);
	/* the hooks may not re-enter, but a report unlinks: start over */
	for (w = waiters; w; ) {
		if (w->agent == a && w->decided && !behind(w)) {
			report(w);
			w = waiters;
			continue;
		}
		w = w->next;
	}
}

void ike_outcome_forget(struct ike_agent *a)
{
	struct waiter *w = waiters, *n;

	for (; w; w = n) {
		n = w->next;
		if (w->agent == a)
			unlink_waiter(w);
	}
}

unsigned int ike_outcome_pending(const struct ike_agent *a)
{
	unsigned int n = 0;

	for (const struct waiter *w = waiters; w; w = w->next)
		n += w->agent == a;
	return n;
}
