// SPDX-License-Identifier: GPL-2.0-only
/*
 * The state machine's entries for the shell (agent.h): initiate,
 * terminate, volume expiry reports, configuration changes, datapath
 * restarts, acquires, shutdown and the listing of `xdpsec-ike list-sas`.
 * Each starts with ike_sa_gc() and ends with the dispatcher's pass.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "outcome.h"

/* ---------------------------------------------------- public entries */

static struct ike_sa *live_sa_of(struct ike_agent *a, const char *conn)
{
	for (struct ike_sa *s = a->sas; s; s = s->next)
		if (!strcmp(s->conn.name, conn) &&
		    (s->state == IKE_SA_ESTABLISHED || s->state == IKE_SA_I_WAIT ||
		     s->state == IKE_SA_I_INIT || s->state == IKE_SA_I_AUTH))
			return s;
	return NULL;
}

/* The child config of sa called name, -1 if none. */
static int sa_child_idx(const struct ike_sa *sa, const char *name)
{
	for (size_t k = 0; k < sa->n_ccfg; k++)
		if (!strcmp(sa->ccfg[k].name, name))
			return (int)k;
	return -1;
}

/* Whether sa has, or is bringing up, a Child SA of config k. */
static bool child_up_or_coming(const struct ike_sa *sa, uint16_t k)
{
	for (const struct ike_child *c = sa->children; c; c = c->next)
		if (c->cfg_idx == k && !c->install_failed &&
		    (c->state == IKE_CHILD_INSTALLED || c->state == IKE_CHILD_REKEYING))
			return true;
	if (sa->auth_child && sa->auth_cfg == k && sa->state != IKE_SA_ESTABLISHED)
		return true;
	if (sa->req.active && sa->req.kind == IKE_TASK_CHILD_CREATE &&
	    sa->req.cfg_idx == k)
		return true;
	return ike_sa_task_queued(sa, IKE_TASK_CHILD_CREATE, k);
}

/* Brings children idx[0..n) of conn up; *sap gets the IKE SA they come
 * under. */
static int initiate_children(struct ike_agent *a, const struct ike_conf_conn *conn,
			     const uint16_t *idx, unsigned int n, char *err,
			     size_t errlen, struct ike_sa **sap)
{
	struct ike_sa *sa = live_sa_of(a, conn->name);

	if (sa) {
		/* children come under the existing IKE SA */
		for (unsigned int i = 0; i < n; i++) {
			int k = sa_child_idx(sa, conn->children[idx[i]].name);

			if (k >= 0 && !child_up_or_coming(sa, (uint16_t)k))
				ike_sa_task_add(sa, IKE_TASK_CHILD_CREATE,
						(uint16_t)k, 0);
		}
	} else {
		sa = ike_sa_start_conn(a, conn, idx, n, 0, 0);
	}
	if (!sa) {
		int rc = -(errno ? errno : EINVAL);

		if (err)
			snprintf(err, errlen, "cannot initiate '%s': %s",
				 conn->name, strerror(-rc));
		return rc;
	}
	if (sap)
		*sap = sa;
	return 0;
}

/* The children of cc called child (all when NULL) into idx. */
static unsigned int pick_children(const struct ike_conf_conn *cc, const char *child,
				  uint16_t idx[IKE_CONF_CHILDREN_MAX])
{
	unsigned int n = 0;

	for (size_t i = 0; i < cc->n_children && n < IKE_CONF_CHILDREN_MAX; i++)
		if (!child || !strcmp(cc->children[i].name, child))
			idx[n++] = (uint16_t)i;
	return n;
}

static int initiate(struct ike_agent *a, const char *conn, const char *child,
		    char *err, size_t errlen)
{
	const struct ike_conf_conn *cc;
	uint16_t idx[IKE_CONF_CHILDREN_MAX];
	struct ike_sa *sa = NULL;
	unsigned int n;
	int rc;

	cc = ike_config_find_conn(a->cfg, conn);
	if (!cc) {
		if (err)
			snprintf(err, errlen, "no connection '%s'", conn);
		return -ENOENT;
	}
	if (cc->remote_addr.family == AF_UNSPEC) {
		if (err)
			snprintf(err, errlen, "connection '%s' has no remote address",
				 conn);
		return -EINVAL;
	}
	n = pick_children(cc, child, idx);
	if (!n) {
		if (err)
			snprintf(err, errlen, child ? "no child '%s' in '%s'" :
					      "connection '%s' has no children",
				 child ? child : conn, conn);
		return -ENOENT;
	}
	rc = initiate_children(a, cc, idx, n, err, errlen, &sa);
	if (rc)
		return rc;
	rc = ike_outcome_wait_initiate(a, conn, child, sa);
	if (rc && err)
		snprintf(err, errlen, "initiating '%s', but out of memory to "
			 "wait for the outcome", conn);
	return rc;
}

int ike_sa_initiate(struct ike_agent *a, const char *conn, const char *child,
		    char *err, size_t errlen)
{
	int rc;

	ike_sa_gc();
	rc = initiate(a, conn, child, err, errlen);
	ike_dispatch_settle(a);
	return rc;
}

int ike_sa_terminate(struct ike_agent *a, const char *conn, char *err,
		     size_t errlen)
{
	struct ike_sa *s, *n;
	int found = 0, rc = 0;

	ike_sa_gc();
	for (s = a->sas; s; s = s->next)
		found += !strcmp(s->conn.name, conn) && s->state != IKE_SA_DEAD;
	if (!found) {
		if (err)
			snprintf(err, errlen, "no IKE SA of '%s'", conn);
		return -ENOENT;
	}
	rc = ike_outcome_wait_terminate(a, conn);
	if (rc && err)
		snprintf(err, errlen, "out of memory");
	for (s = a->sas; s && !rc; s = n) {
		n = s->next;
		if (strcmp(s->conn.name, conn) || s->state == IKE_SA_DEAD)
			continue;
		if (s->state == IKE_SA_ESTABLISHED || s->state == IKE_SA_REKEYED) {
			s->ntasks = 0;
			ike_sa_log(s, IKE_SA_LOG_INFO, "terminate");
			ike_sa_task_add(s, IKE_TASK_IKE_DELETE, 0, 0);
		} else if (s->state != IKE_SA_DELETING) {
			ike_sa_kill(s, "terminated");
		}
	}
	ike_dispatch_settle(a);
	return rc;
}

void ike_sa_child_expired(struct ike_agent *a, uint32_t spi_in, bool hard)
{
	ike_sa_gc();
	for (struct ike_sa *s = a->sas; s; s = s->next) {
		struct ike_child *c = ike_child_by_in(s, spi_in);

		if (!c)
			continue;
		ike_child_log(c, IKE_SA_LOG_INFO, "%s volume limit reached",
			      hard ? "hard" : "soft");
		if (hard) {
			if (s->state == IKE_SA_ESTABLISHED)
				ike_sa_task_add(s, IKE_TASK_CHILD_DELETE, c->cfg_idx,
						spi_in);
			else
				ike_child_kill(c, "hard volume limit");
		} else if (c->state == IKE_CHILD_INSTALLED) {
			ike_sa_task_add(s, IKE_TASK_CHILD_REKEY, c->cfg_idx, spi_in);
		}
		break;
	}
	ike_dispatch_settle(a);
}

void ike_sa_config_changed(struct ike_agent *a)
{
	ike_sa_gc();
	/* `start` children of the new configuration are brought up; `trap`
	 * ones wait for an acquire (their policies are the shell's) */
	for (size_t i = 0; a->cfg && i < a->cfg->n_conns; i++) {
		const struct ike_conf_conn *cc = &a->cfg->conns[i];
		uint16_t idx[IKE_CONF_CHILDREN_MAX];
		unsigned int n = 0;

		if (cc->remote_addr.family == AF_UNSPEC)
			continue;
		for (size_t k = 0; k < cc->n_children && n < IKE_CONF_CHILDREN_MAX; k++)
			if (cc->children[k].start_action == IKE_CONF_START_START)
				idx[n++] = (uint16_t)k;
		if (n)
			initiate_children(a, cc, idx, n, NULL, 0, NULL);
	}
	ike_dispatch_settle(a);
}

int ike_agent_dp_restarted(struct ike_agent *a)
{
	unsigned int n = 0;

	ike_sa_gc();
	ike_sa_log(NULL, IKE_SA_LOG_WARN, "the datapath restarted: rekeying "
		   "every Child SA into it");
	for (struct ike_sa *s = a->sas; s; s = s->next) {
		if (s->state != IKE_SA_ESTABLISHED)
			continue;
		for (struct ike_child *c = s->children; c; c = c->next) {
			if (c->install_failed || !(c->installed_in || c->installed_out))
				continue;
			/* the SAs are gone from the datapath; the policies
			 * point at nothing and drop, fail closed */
			c->dp_lost = true;
			if (c->state != IKE_CHILD_INSTALLED)
				continue;       /* its rekey or delete is out */
			ike_child_log(c, IKE_SA_LOG_INFO, "lost by the datapath: rekeying");
			ike_count(a, IKE_AC_DP_RESTART_REKEY);
			ike_sa_task_add(s, IKE_TASK_CHILD_REKEY, c->cfg_idx,
					c->inst.spi_in);
			n++;
		}
	}
	ike_dispatch_settle(a);
	return n ? 0 : -ENOENT;
}

/* ------------------------------------------------------------ acquire */

/* Acquire hold-downs: when an acquire last started an exchange for a
 * child. Bounded: the oldest entry makes room. */
#define HOLDS_MAX 256u

static struct hold {
	struct ike_agent *agent;
	uint64_t until;
	char conn[IKE_CONF_NAME_MAX], child[IKE_CONF_NAME_MAX];
} holds[HOLDS_MAX];

static struct hold *hold_find(struct ike_agent *a, const char *conn,
			      const char *child, bool make)
{
	struct hold *old = &holds[0];

	for (unsigned int i = 0; i < HOLDS_MAX; i++) {
		struct hold *h = &holds[i];

		if (h->agent == a && !strcmp(h->conn, conn) && !strcmp(h->child, child))
			return h;
		if (h->until < old->until)
			old = h;
	}
	if (!make)
		return NULL;
	memset(old, 0, sizeof(*old));
	old->agent = a;
	snprintf(old->conn, sizeof(old->conn), "%s", conn);
	snprintf(old->child, sizeof(old->child), "%s", child);
	return old;
}

static int acquire(struct ike_agent *a, const char *conn, const char *child)
{
	const struct ike_conf_conn *cc = ike_config_find_conn(a->cfg, conn);
	uint16_t idx[IKE_CONF_CHILDREN_MAX];
	uint64_t now = ike_now_ms();
	struct hold *h;
	int rc;

	if (!cc || !child || pick_children(cc, child, idx) != 1 ||
	    cc->remote_addr.family == AF_UNSPEC)
		return -ENOENT;
	/* one exchange per Child SA: nothing while it is up or coming */
	for (struct ike_sa *s = a->sas; s; s = s->next) {
		int k;

		if (strcmp(s->conn.name, conn) || (s->state != IKE_SA_ESTABLISHED &&
		    s->state != IKE_SA_I_WAIT && s->state != IKE_SA_I_INIT &&
		    s->state != IKE_SA_I_AUTH))
			continue;
		k = sa_child_idx(s, child);
		if (k >= 0 && child_up_or_coming(s, (uint16_t)k))
			return -EALREADY;
	}
	h = hold_find(a, conn, child, false);
	if (h && now < h->until)
		return -EBUSY;
	rc = initiate_children(a, cc, idx, 1, NULL, 0, NULL);
	if (rc)
		return rc;
	h = hold_find(a, conn, child, true);
	h->until = now + IKE_ACQUIRE_HOLD_MS;
	ike_sa_log(NULL, IKE_SA_LOG_INFO, "%s/%s: acquire: initiating", conn, child);
	return 0;
}

int ike_agent_acquire(struct ike_agent *a, const char *conn, const char *child)
{
	int rc;

	ike_sa_gc();
	ike_count(a, IKE_AC_ACQUIRE);
	rc = acquire(a, conn, child);
	if (rc)
		ike_count(a, IKE_AC_ACQUIRE_IGNORED);
	ike_dispatch_settle(a);
	return rc;
}

void ike_sa_shutdown(struct ike_agent *a)
{
	ike_sa_gc();
	while (a->sas) {
		struct ike_sa *s = a->sas;

		if (s->keys_ok && (s->state == IKE_SA_ESTABLISHED ||
				   s->state == IKE_SA_REKEYED))
			ike_info_send_delete_now(s);
		ike_sa_kill(s, "shutdown");
	}
	/* nobody is told, nothing retried: the agent goes */
	while (ike_sa_take_dead(a))
		;
	ike_outcome_forget(a);
	ike_child_linger_flush(a);
	for (unsigned int i = 0; i < HOLDS_MAX; i++)
		if (holds[i].agent == a)
			memset(&holds[i], 0, sizeof(holds[i]));
	a->sm_dirty = false;
	ike_sa_gc();
	ike_cookie_wipe(&a->cookie);
}

/* ------------------------------------------------------------ listing */

static void child_alg(const struct ike_child *c, char *buf, size_t len)
{
	if (c->encr && c->integ)
		snprintf(buf, len, "%s-%s", c->encr->name, c->integ->name);
	else if (c->encr)
		snprintf(buf, len, "%s", c->encr->name);
	else
		snprintf(buf, len, "%s", c->integ ? c->integ->name : "?");
}

int ike_sa_foreach(struct ike_agent *a, int (*fn)(const struct ike_sa_info *, void *),
		   void *arg)
{
	struct ike_sa_info *info;
	uint64_t now = ike_now_ms();
	int rc = 0;

	ike_sa_gc();
	info = malloc(sizeof(*info));
	if (!info)
		return -ENOMEM;
	for (struct ike_sa *s = a->sas; s && !rc; s = s->next) {
		const struct ike_dh_info *dh = ike_dh_info(s->dh_group);
		unsigned int k = 0;

		memset(info, 0, sizeof(*info));
		snprintf(info->conn, sizeof(info->conn), "%s", s->conn.name);
		snprintf(info->state, sizeof(info->state), "%s", ike_sa_state_name(s));
		info->initiator = s->initiator;
		info->spi_i = s->spi_i;
		info->spi_r = s->spi_r;
		info->local = s->path.local;
		info->remote = s->path.remote;
		info->nat_local = s->nat_local;
		info->nat_remote = s->nat_remote;
		snprintf(info->encr, sizeof(info->encr), "%s", s->encr ? s->encr->name : "");
		snprintf(info->prf, sizeof(info->prf), "%s", s->prf ? s->prf->name : "");
		snprintf(info->integ, sizeof(info->integ), "%s", s->integ ? s->integ->name : "");
		snprintf(info->dh, sizeof(info->dh), "%s", dh ? dh->name : "");
		if (s->established_ms)
			info->established_s = (now - s->established_ms) / 1000;
		for (struct ike_child *c = s->children; c; c = c->next) {
			struct ike_child_info *ci;

			info->n_children++;
			if (k >= sizeof(info->children) / sizeof(info->children[0]))
				continue;
			ci = &info->children[k++];
			snprintf(ci->name, sizeof(ci->name), "%s", s->ccfg[c->cfg_idx].name);
			snprintf(ci->proto, sizeof(ci->proto), "%s",
				 c->inst.protocol == IKE_PROTO_AH ? "ah" : "esp");
			ci->transport = c->inst.transport;
			ci->encap = c->inst.encap;
			ci->spi_in = c->inst.spi_in;
			ci->spi_out = c->inst.spi_out;
			child_alg(c, ci->alg, sizeof(ci->alg));
			ci->n_local_ts = c->inst.n_local_ts;
			ci->n_remote_ts = c->inst.n_remote_ts;
			memcpy(ci->local_ts, c->inst.local_ts, sizeof(ci->local_ts));
			memcpy(ci->remote_ts, c->inst.remote_ts, sizeof(ci->remote_ts));
			if (c->established_ms)
				ci->established_s = (now - c->established_ms) / 1000;
		}
		rc = fn(info, arg);
	}
	free(info);
	return rc;
}
