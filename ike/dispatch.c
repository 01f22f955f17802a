// SPDX-License-Identifier: GPL-2.0-only
/*
 * The dispatcher: queued operations, timers and what follows an SA's
 * death. See dispatch.h for when it runs; the store (ike_sa.c) and the
 * exchanges (exch_*.c) leave marks — a queued task, an SA just
 * established or replaced, a Child SA just installed, a request just
 * sent, a retry wanted — and ike_dispatch_settle() acts on them:
 *
 *   idle IKE SA with queued tasks    start the next one (exch_*.c)
 *   request outstanding              retransmission timer (§2.1, §2.4)
 *   IKE SA established               rekey, over_time, DPD, keepalive timers
 *   Child SA installed               rekey and life timers
 *   IKE SA replaced by a rekey       removed after IKE_RETIRE_MS
 *   IKE SA dead                      keyingtries / dpd_action, outcomes
 *
 * Every timer callback here is an entry of its own: it starts with
 * ike_sa_gc() and ends with ike_dispatch_settle().
 */
#include <errno.h>
#include <string.h>

#include "dispatch.h"
#include "outcome.h"

/* Passes over the SAs per settle: each pass handles what the one before
 * queued (a retry creates an SA, a dead SA fails an outcome...). */
#define SETTLE_ROUNDS_MAX 64u

static uint64_t jitter(uint64_t base_ms, uint64_t rand_ms)
{
	uint32_t r = 0;

	/* swanctl's rand_time: the rekey happens up to rand_time earlier,
	 * which de-synchronises the two peers (§2.8.1: jitter) */
	if (!rand_ms)
		return base_ms;
	if (rand_ms > base_ms)
		rand_ms = base_ms;
	if (ike_random(&r, sizeof(r)))
		r = (uint32_t)ike_now_ms() * 2654435761u;
	return base_ms - (r % (rand_ms + 1));
}

/* ---------------------------------------------------- retransmission */

static void rtx_give_up(struct ike_sa *sa)
{
	uint8_t kind = sa->req.kind;

	ike_sa_log(sa, IKE_SA_LOG_WARN, "%s request #%u unanswered after %u transmissions",
		   ike_exch_name(sa->req.exch), sa->req.msgid, sa->req.tries);
	/* the reason is the silence, not an earlier error */
	sa->peer_error = 0;
	switch (kind) {
	case IKE_TASK_INIT:
	case IKE_TASK_AUTH:
		ike_sa_maybe_retry(sa, false);
		ike_sa_kill(sa, "peer not responding");
		break;
	case IKE_TASK_IKE_DELETE:
		ike_sa_kill(sa, "DELETE unanswered");
		break;
	default:
		/* §2.4: no answer after retransmissions: the peer is gone,
		 * all state is deleted locally */
		if (sa->state == IKE_SA_ESTABLISHED)
			ike_sa_maybe_retry(sa, true);
		ike_sa_kill(sa, "peer not responding (dead peer)");
		break;
	}
}

static void rtx_fn(struct ike_agent *a, void *arg)
{
	struct ike_sa *sa = arg;

	ike_sa_gc();
	if (ike_sa_alive(sa) && sa->req.active) {
		if (sa->req.tries >= IKE_RTX_TRIES) {
			rtx_give_up(sa);
		} else {
			ike_sa_retransmit(sa);
			/* exponential backoff */
			ike_timer_arm(a, &sa->rtx_timer,
				      (uint64_t)IKE_RTX_BASE_MS << (sa->req.tries - 1),
				      rtx_fn, sa);
		}
	}
	ike_dispatch_settle(a);
}

/* ------------------------------------------------------ SA timers */

static void task_timer_fn(struct ike_agent *a, void *arg)
{
	struct ike_sa *sa = arg;

	ike_sa_gc();
	if (ike_sa_alive(sa))
		ike_sa_touch(sa);
	ike_dispatch_settle(a);
}

static void ike_rekey_fn(struct ike_agent *a, void *arg)
{
	struct ike_sa *sa = arg;

	ike_sa_gc();
	if (ike_sa_alive(sa) && sa->state == IKE_SA_ESTABLISHED)
		ike_sa_task_add(sa, IKE_TASK_IKE_REKEY, 0, 0);
	ike_dispatch_settle(a);
}

static void ike_expire_fn(struct ike_agent *a, void *arg)
{
	struct ike_sa *sa = arg;

	ike_sa_gc();
	if (ike_sa_alive(sa)) {
		/* not rekeyed within rekey_time + over_time: the SA goes */
		if (sa->state == IKE_SA_ESTABLISHED && !sa->req.active)
			ike_sa_task_add(sa, IKE_TASK_IKE_DELETE, 0, 0);
		else
			ike_sa_kill(sa, "hard lifetime");
	}
	ike_dispatch_settle(a);
}

static void retire_fn(struct ike_agent *a, void *arg)
{
	struct ike_sa *sa = arg;

	ike_sa_gc();
	if (ike_sa_alive(sa))
		ike_sa_kill(sa, "replaced IKE SA never deleted");
	ike_dispatch_settle(a);
}

static void dpd_fn(struct ike_agent *a, void *arg)
{
	struct ike_sa *sa = arg;
	uint64_t delay, idle;

	ike_sa_gc();
	if (ike_sa_alive(sa) && sa->conn.dpd_delay) {
		delay = (uint64_t)sa->conn.dpd_delay * 1000;
		idle = ike_now_ms() - sa->last_rx_ms;
		if (idle >= delay) {
			/* §2.4: an empty INFORMATIONAL request checks
			 * liveness */
			if (sa->state == IKE_SA_ESTABLISHED && !sa->req.active)
				ike_sa_task_add(sa, IKE_TASK_DPD, 0, 0);
			ike_timer_arm(a, &sa->dpd_timer, delay, dpd_fn, sa);
		} else {
			ike_timer_arm(a, &sa->dpd_timer, delay - idle, dpd_fn, sa);
		}
	}
	ike_dispatch_settle(a);
}

static void keepalive_fn(struct ike_agent *a, void *arg)
{
	struct ike_sa *sa = arg;

	ike_sa_gc();
	if (ike_sa_alive(sa)) {
		/* RFC 3948 §4: keep the NAT mapping open */
		ike_net_keepalive(a, &sa->path);
		ike_timer_arm(a, &sa->keepalive_timer, IKE_KEEPALIVE_MS,
			      keepalive_fn, sa);
	}
	ike_dispatch_settle(a);
}

static void arm_sa_timers(struct ike_sa *sa)
{
	struct ike_agent *a = sa->agent;

	if (sa->conn.rekey_time)
		ike_timer_arm(a, &sa->rekey_timer,
			      jitter((uint64_t)sa->conn.rekey_time * 1000,
				     (uint64_t)sa->conn.rand_time * 1000),
			      ike_rekey_fn, sa);
	if (sa->conn.rekey_time && sa->conn.over_time)
		ike_timer_arm(a, &sa->expire_timer,
			      ((uint64_t)sa->conn.rekey_time + sa->conn.over_time) * 1000,
			      ike_expire_fn, sa);
	if (sa->conn.dpd_delay)
		ike_timer_arm(a, &sa->dpd_timer, (uint64_t)sa->conn.dpd_delay * 1000,
			      dpd_fn, sa);
	if (sa->nat_local)
		ike_timer_arm(a, &sa->keepalive_timer, IKE_KEEPALIVE_MS,
			      keepalive_fn, sa);
}

/* --------------------------------------------------- Child SA timers */

static void child_rekey_fn(struct ike_agent *a, void *arg)
{
	struct ike_child *c = arg;

	ike_sa_gc();
	/* a killed Child SA's timers are cancelled: c is alive */
	if (c->state == IKE_CHILD_INSTALLED)
		ike_sa_task_add(c->ike, IKE_TASK_CHILD_REKEY, c->cfg_idx,
				c->inst.spi_in);
	ike_dispatch_settle(a);
}

static void child_life_fn(struct ike_agent *a, void *arg)
{
	struct ike_child *c = arg;

	ike_sa_gc();
	/* hard lifetime: the SA must go; the DELETE tells the peer */
	ike_child_log(c, IKE_SA_LOG_INFO, "reached its life time");
	if (c->ike->state == IKE_SA_ESTABLISHED && c->state != IKE_CHILD_DELETING)
		ike_sa_task_add(c->ike, IKE_TASK_CHILD_DELETE, c->cfg_idx,
				c->inst.spi_in);
	else if (c->state != IKE_CHILD_DELETING)
		ike_child_kill(c, "life time");
	ike_dispatch_settle(a);
}

static void arm_child_timers(struct ike_child *c)
{
	const struct ike_conf_child *cc = &c->ike->ccfg[c->cfg_idx];
	struct ike_agent *a = c->ike->agent;

	if (cc->rekey_time)
		ike_timer_arm(a, &c->rekey_timer,
			      jitter((uint64_t)cc->rekey_time * 1000,
				     (uint64_t)cc->rand_time * 1000),
			      child_rekey_fn, c);
	if (cc->life_time)
		ike_timer_arm(a, &c->life_timer, (uint64_t)cc->life_time * 1000,
			      child_life_fn, c);
}

/* ------------------------------------------------------------- tasks */

static int task_start(struct ike_sa *sa, const struct ike_task *t)
{
	struct ike_child *c;

	switch (t->kind) {
	case IKE_TASK_INIT:
		return ike_init_start(sa);
	case IKE_TASK_CHILD_CREATE:
		for (c = sa->children; c; c = c->next)
			if (c->cfg_idx == t->cfg && c->state == IKE_CHILD_INSTALLED)
				return -EEXIST;
		return ike_child_start_create(sa, t->cfg, 0);
	case IKE_TASK_CHILD_REKEY:
		return ike_child_start_rekey(sa, t->spi, 0);
	case IKE_TASK_CHILD_DELETE:
		return ike_info_start_delete_child(sa, t->spi);
	case IKE_TASK_IKE_REKEY:
		return ike_rekey_start(sa, 0);
	case IKE_TASK_IKE_DELETE:
		return ike_info_start_delete_ike(sa);
	case IKE_TASK_DPD:
		return ike_info_start_dpd(sa);
	case IKE_TASK_ERROR:
		return ike_info_start_error(sa, t->cfg);
	default:
		return -EINVAL;
	}
}

/* Which tasks the SA's state lets start. */
static bool task_allowed(const struct ike_sa *sa, const struct ike_task *t)
{
	switch (sa->state) {
	case IKE_SA_I_WAIT:
		return t->kind == IKE_TASK_INIT;
	case IKE_SA_ESTABLISHED:
		return t->kind != IKE_TASK_INIT;
	case IKE_SA_REKEYED:
		return t->kind == IKE_TASK_IKE_DELETE;
	default:
		return false;
	}
}

/* The task to start now: a pending IKE SA delete first, else the first
 * due in queue order. Arms the task timer for the earliest one not due
 * yet when none is. -1: none now. */
static int task_pick(struct ike_sa *sa, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	int pick = -1;

	for (unsigned int i = 0; i < sa->ntasks; i++) {
		const struct ike_task *t = &sa->tasks[i];

		if (!task_allowed(sa, t))
			continue;
		if (t->not_before > now) {
			if (t->not_before < next)
				next = t->not_before;
			continue;
		}
		if (t->kind == IKE_TASK_IKE_DELETE)
			return (int)i;
		if (pick < 0)
			pick = (int)i;
	}
	if (pick < 0 && next != UINT64_MAX &&
	    (!sa->task_timer.armed || sa->task_timer.due_ms > next))
		ike_timer_arm(sa->agent, &sa->task_timer, next - now, task_timer_fn, sa);
	return pick;
}

static void task_run(struct ike_sa *sa)
{
	uint64_t now = ike_now_ms();

	while (ike_sa_alive(sa) && !sa->req.active && sa->ntasks) {
		struct ike_task t;
		int pick = task_pick(sa, now);
		int rc;

		if (pick < 0)
			return;
		t = sa->tasks[pick];
		memmove(&sa->tasks[pick], &sa->tasks[pick + 1],
			(sa->ntasks - (unsigned int)pick - 1) * sizeof(t));
		sa->ntasks--;
		rc = task_start(sa, &t);
		if (rc && t.kind == IKE_TASK_INIT && ike_sa_alive(sa))
			ike_sa_kill(sa, "cannot start IKE_SA_INIT");
		else if (rc && rc != -EEXIST && rc != -ENOENT)
			ike_sa_log(sa, IKE_SA_LOG_WARN, "cannot start a queued "
				   "operation (%u): %d", t.kind, rc);
	}
}

/* ---------------------------------------------------------- starting */

struct ike_sa *ike_sa_start_conn(struct ike_agent *a,
				 const struct ike_conf_conn *conn,
				 const uint16_t *idx, unsigned int n,
				 unsigned int keyingtry, uint64_t delay_ms)
{
	struct ike_sa *sa;
	uint64_t spi;

	if (!n) {
		errno = EINVAL;
		return NULL;
	}
	sa = ike_sa_new(a, conn, true);
	if (!sa)
		return NULL;
	spi = ike_sa_new_spi(a);
	if (!spi) {
		ike_sa_kill(sa, "no randomness");
		errno = EIO;
		return NULL;
	}
	sa->spi_i = spi;
	sa->keyingtry = keyingtry;
	sa->auth_child = true;
	sa->auth_cfg = idx[0];
	for (unsigned int i = 1; i < n && sa->ntasks < IKE_TASK_MAX; i++)
		ike_sa_task_add(sa, IKE_TASK_CHILD_CREATE, idx[i], 0);
	/* IKE_SA_INIT goes out when the entry returns (or later) */
	ike_sa_task_add_later(sa, IKE_TASK_INIT, 0, 0, delay_ms);
	if (delay_ms)
		ike_sa_log(sa, IKE_SA_LOG_INFO, "initiating in %llu ms (try %u)",
			   (unsigned long long)delay_ms, keyingtry + 1);
	return sa;
}

/* ------------------------------------------------------------- death */

static void retry(struct ike_sa *sa)
{
	uint16_t idx[IKE_CONF_CHILDREN_MAX];
	unsigned int n = 0;

	if (sa->retry == IKE_RETRY_DPD) {
		/* dpd_action = restart: the children come back under a new
		 * IKE SA */
		for (size_t i = 0; i < sa->n_ccfg && n < IKE_CONF_CHILDREN_MAX; i++)
			if (sa->ccfg[i].dpd_action == IKE_CONF_DPD_RESTART)
				idx[n++] = (uint16_t)i;
		if (n && sa->conn.remote_addr.family != AF_UNSPEC)
			ike_sa_start_conn(sa->agent, &sa->conn, idx, n, 0, 0);
		return;
	}
	if (sa->retry != IKE_RETRY_KEYINGTRIES || !sa->initiator)
		return;
	/* keyingtries: 0 forever, else that many attempts in all */
	if (sa->conn.keyingtries && sa->keyingtry + 1 >= sa->conn.keyingtries)
		return;
	if (sa->auth_child)
		idx[n++] = sa->auth_cfg;
	for (unsigned int i = 0; i < sa->ntasks && n < IKE_CONF_CHILDREN_MAX; i++)
		if (sa->tasks[i].kind == IKE_TASK_CHILD_CREATE)
			idx[n++] = sa->tasks[i].cfg;
	if (n)
		ike_sa_start_conn(sa->agent, &sa->conn, idx, n, sa->keyingtry + 1,
				  IKE_RETRY_DELAY_MS);
}

/* ------------------------------------------------------------ settle */

static void settle_sa(struct ike_sa *sa)
{
	struct ike_agent *a = sa->agent;

	if (sa->arm_timers) {
		sa->arm_timers = false;
		if (sa->state == IKE_SA_ESTABLISHED)
			arm_sa_timers(sa);
	}
	if (sa->arm_retire) {
		sa->arm_retire = false;
		ike_timer_arm(a, &sa->expire_timer, IKE_RETIRE_MS, retire_fn, sa);
	}
	for (struct ike_child *c = sa->children; c; c = c->next) {
		if (!c->arm_timers)
			continue;
		c->arm_timers = false;
		if (c->state == IKE_CHILD_INSTALLED || c->state == IKE_CHILD_REKEYING)
			arm_child_timers(c);
	}
	task_run(sa);
	if (ike_sa_alive(sa) && sa->req.active && !sa->rtx_timer.armed)
		ike_timer_arm(a, &sa->rtx_timer,
			      (uint64_t)IKE_RTX_BASE_MS << (sa->req.tries - 1),
			      rtx_fn, sa);
}

void ike_dispatch_settle(struct ike_agent *a)
{
	for (unsigned int round = 0; a->sm_dirty && round < SETTLE_ROUNDS_MAX; round++) {
		struct ike_sa *s, *n, *dead;

		a->sm_dirty = false;
		for (s = a->sas; s; s = n) {
			n = s->next;
			if (!s->dirty)
				continue;
			s->dirty = false;
			settle_sa(s);
			/* a dead SA leaves the list (its next is the
			 * grave's): start over, the done ones are clean */
			if (!ike_sa_alive(s) || (n && !ike_sa_alive(n)))
				n = a->sas;
		}
		while ((dead = ike_sa_take_dead(a))) {
			ike_outcome_sa_dead(dead);
			retry(dead);
		}
		ike_outcome_check(a);
	}
}
