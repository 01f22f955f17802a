// SPDX-License-Identifier: GPL-2.0-only
/*
 * The state machine's entries for the shell (agent.h): initiate,
 * terminate, volume expiry reports, configuration changes, shutdown and
 * the listing of `xdpsec-ike list-sas`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_sa.h"

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

struct ike_sa *ike_sa_start_conn(struct ike_agent *a,
				 const struct ike_conf_conn *conn,
				 const uint16_t *idx, unsigned int n,
				 unsigned int keyingtry, uint64_t delay_ms)
{
	struct ike_sa *sa;
	uint64_t spi;

	if (!n)
		return NULL;
	sa = ike_sa_new(a, conn, true);
	if (!sa)
		return NULL;
	spi = ike_sa_new_spi(a);
	if (!spi) {
		ike_sa_kill(sa, "no randomness");
		return NULL;
	}
	sa->spi_i = spi;
	sa->keyingtry = keyingtry;
	sa->auth_child = true;
	sa->auth_cfg = idx[0];
	for (unsigned int i = 1; i < n && sa->ntasks < IKE_TASK_MAX; i++) {
		sa->tasks[sa->ntasks].kind = IKE_TASK_CHILD_CREATE;
		sa->tasks[sa->ntasks].cfg = idx[i];
		sa->tasks[sa->ntasks].spi = 0;
		sa->ntasks++;
	}
	if (delay_ms) {
		ike_sa_start_later(sa, delay_ms);
		return sa;
	}
	if (ike_init_start(sa)) {
		ike_sa_kill(sa, "cannot start IKE_SA_INIT");
		return NULL;
	}
	return sa;
}

static int initiate_children(struct ike_agent *a, const struct ike_conf_conn *conn,
			     const uint16_t *idx, unsigned int n, char *err,
			     size_t errlen)
{
	struct ike_sa *sa = live_sa_of(a, conn->name);

	if (sa) {
		/* children come under the existing IKE SA */
		for (unsigned int i = 0; i < n; i++) {
			const char *name = conn->children[idx[i]].name;
			bool have = false;

			for (size_t k = 0; k < sa->n_ccfg; k++) {
				if (strcmp(sa->ccfg[k].name, name))
					continue;
				for (struct ike_child *c = sa->children; c; c = c->next)
					if (c->cfg_idx == k)
						have = true;
				if (sa->auth_child && sa->auth_cfg == k &&
				    sa->state != IKE_SA_ESTABLISHED)
					have = true;
				if (!have)
					ike_sa_task_add(sa, IKE_TASK_CHILD_CREATE,
							(uint16_t)k, 0);
			}
		}
		return 0;
	}
	if (!ike_sa_start_conn(a, conn, idx, n, 0, 0)) {
		if (err)
			snprintf(err, errlen, "cannot initiate '%s': %s",
				 conn->name, strerror(errno ? errno : EINVAL));
		return -(errno ? errno : EINVAL);
	}
	return 0;
}

int ike_sa_initiate(struct ike_agent *a, const char *conn, const char *child,
		    char *err, size_t errlen)
{
	const struct ike_conf_conn *cc;
	uint16_t idx[IKE_CONF_CHILDREN_MAX];
	unsigned int n = 0;

	ike_sa_gc();
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
	for (size_t i = 0; i < cc->n_children && n < IKE_CONF_CHILDREN_MAX; i++)
		if (!child || !strcmp(cc->children[i].name, child))
			idx[n++] = (uint16_t)i;
	if (!n) {
		if (err)
			snprintf(err, errlen, child ? "no child '%s' in '%s'" :
					      "connection '%s' has no children",
				 child ? child : conn, conn);
		return -ENOENT;
	}
	return initiate_children(a, cc, idx, n, err, errlen);
}

int ike_sa_terminate(struct ike_agent *a, const char *conn, char *err,
		     size_t errlen)
{
	struct ike_sa *s, *n;
	int found = 0;

	ike_sa_gc();
	for (s = a->sas; s; s = n) {
		n = s->next;
		if (strcmp(s->conn.name, conn) || s->state == IKE_SA_DEAD)
			continue;
		found++;
		if (s->state == IKE_SA_ESTABLISHED || s->state == IKE_SA_REKEYED) {
			s->ntasks = 0;
			ike_sa_task_add(s, IKE_TASK_IKE_DELETE, 0, 0);
		} else if (s->state != IKE_SA_DELETING) {
			ike_sa_kill(s, "terminated");
		}
	}
	if (!found) {
		if (err)
			snprintf(err, errlen, "no IKE SA of '%s'", conn);
		return -ENOENT;
	}
	return 0;
}

void ike_sa_child_expired(struct ike_agent *a, uint32_t spi_in, bool hard)
{
	ike_sa_gc();
	for (struct ike_sa *s = a->sas; s; s = s->next) {
		struct ike_child *c = ike_child_by_in(s, spi_in);

		if (!c)
			continue;
		ike_sa_log(s, 1, "Child SA %08x: %s volume limit", spi_in,
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
		return;
	}
}

void ike_sa_config_changed(struct ike_agent *a)
{
	ike_sa_gc();
	if (!a->cfg)
		return;
	/* start (and trap, which this agent treats as start) children of
	 * the new configuration are brought up */
	for (size_t i = 0; i < a->cfg->n_conns; i++) {
		const struct ike_conf_conn *cc = &a->cfg->conns[i];
		uint16_t idx[IKE_CONF_CHILDREN_MAX];
		unsigned int n = 0;

		if (cc->remote_addr.family == AF_UNSPEC)
			continue;
		for (size_t k = 0; k < cc->n_children && n < IKE_CONF_CHILDREN_MAX; k++)
			if (cc->children[k].start_action == IKE_CONF_START_START ||
			    cc->children[k].start_action == IKE_CONF_START_TRAP)
				idx[n++] = (uint16_t)k;
		if (n)
			initiate_children(a, cc, idx, n, NULL, 0);
	}
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
