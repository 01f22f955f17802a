// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IKE SA store: IKE SAs and Child SAs — lifecycle, lookup, SPIs, the
 * queue of operations, what is due for the dispatcher — and the
 * state machine's log lines.
 *
 * A leaf of the state machine: it calls the shell (agent.h: datapath
 * installs, timer cancels, the clock) and ts.c, nothing else. See
 * ike_sa.h for how it hands work up without calling up.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "frag.h"
#include "ike_sa.h"
#include "ts.h"

int ike_sa_log_level = IKE_SA_LOG_INFO;
static void (*log_hook)(int level, const char *line);

static uint32_t sa_serial;

/* Killed objects wait here until the next entry into the state machine
 * (the code that killed them may still hold a pointer) and, for IKE SAs,
 * until the dispatcher has seen them die. */
static struct ike_sa *grave_sa;
static struct ike_child *grave_child;

/* ------------------------------------------------------------- logs */

void ike_sm_log_setup(int max_level, void (*hook)(int level, const char *line))
{
	/* agent.h counts from 0 (error), the store from -1 */
	ike_sa_log_level = max_level - 1;
	log_hook = hook;
}

static void log_line(int level, const char *line)
{
	if (log_hook)
		log_hook(level + 1, line);
	else
		fprintf(stderr, "ike: %s\n", line);
}

static int sa_prefix(const struct ike_sa *sa, char *line, size_t len)
{
	int n = snprintf(line, len, "%s #%u %016llx/%016llx: ", sa->conn.name,
			 sa->serial, (unsigned long long)sa->spi_i,
			 (unsigned long long)sa->spi_r);

	return n < 0 || (size_t)n >= len ? 0 : n;
}

void ike_sa_log(const struct ike_sa *sa, int level, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n = 0;

	if (level > ike_sa_log_level)
		return;
	if (sa)
		n = sa_prefix(sa, line, sizeof(line));
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	log_line(level, line);
}

void ike_child_log(const struct ike_child *c, int level, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n, m;

	if (level > ike_sa_log_level)
		return;
	n = sa_prefix(c->ike, line, sizeof(line));
	m = snprintf(line + n, sizeof(line) - (size_t)n, "%s %08x/%08x: ",
		     c->inst.child ? c->inst.child : "?", c->inst.spi_in,
		     c->inst.spi_out);
	if (m > 0 && (size_t)m < sizeof(line) - (size_t)n)
		n += m;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	log_line(level, line);
}

/* ------------------------------------------------------------ basics */

static uint32_t rand32(void)
{
	uint32_t v = 0;

	if (ike_random(&v, sizeof(v)))
		v = (uint32_t)ike_now_ms() * 2654435761u;
	return v;
}

void ike_sa_gc(void)
{
	struct ike_sa **pp = &grave_sa;

	while (*pp) {
		struct ike_sa *sa = *pp;

		/* the dispatcher acts on every death (retries, outcomes)
		 * before the memory goes */
		if (!sa->handled) {
			pp = &sa->next;
			continue;
		}
		*pp = sa->next;
		free(sa->ccfg);
		OPENSSL_cleanse(sa, sizeof(*sa));
		free(sa);
	}
	while (grave_child) {
		struct ike_child *c = grave_child;

		grave_child = c->next;
		OPENSSL_cleanse(c, sizeof(*c));
		free(c);
	}
}

struct ike_sa *ike_sa_take_dead(struct ike_agent *a)
{
	for (struct ike_sa *sa = grave_sa; sa; sa = sa->next) {
		if (sa->agent == a && !sa->handled) {
			sa->handled = true;
			return sa;
		}
	}
	return NULL;
}

bool ike_sa_alive(const struct ike_sa *sa)
{
	return sa && sa->state != IKE_SA_DEAD;
}

const char *ike_sa_state_name(const struct ike_sa *sa)
{
	switch (sa->state) {
	case IKE_SA_I_WAIT:
	case IKE_SA_I_INIT:
	case IKE_SA_I_AUTH:
	case IKE_SA_R_INIT:
		return "connecting";
	case IKE_SA_ESTABLISHED:
		if (sa->req.active && sa->req.kind == IKE_TASK_IKE_REKEY)
			return "rekeying";
		return "established";
	case IKE_SA_REKEYED:
		return "rekeying";
	case IKE_SA_DELETING:
	case IKE_SA_DEAD:
	default:
		return "deleting";
	}
}

void ike_sa_touch(struct ike_sa *sa)
{
	sa->dirty = true;
	sa->agent->sm_dirty = true;
}

/* ------------------------------------------------------------- SPIs */

uint64_t ike_sa_new_spi(struct ike_agent *a)
{
	for (;;) {
		uint64_t spi = 0;
		bool used = false;

		if (ike_random(&spi, sizeof(spi)))
			return 0;
		/* §3.1: an SPI is never zero */
		if (!spi)
			continue;
		for (struct ike_sa *s = a->sas; s && !used; s = s->next)
			used = s->spi_i == spi || s->spi_r == spi;
		if (!used)
			return spi;
	}
}

/* ------------------------------------------- lingering inbound SAs */

/* The inbound SA of a Child SA replaced by a rekey, kept for its grace
 * period (IKE_INBOUND_GRACE_MS). Holds no key: the datapath has it. */
struct linger_in {
	struct linger_in *next;
	struct ike_agent *agent;
	struct ike_child_install inst;
	char conn[IKE_CONF_NAME_MAX], child[IKE_CONF_NAME_MAX];
	struct ike_timer timer;
};

static struct linger_in *lingering;

static void linger_end(struct linger_in *l)
{
	struct linger_in **pp;

	for (pp = &lingering; *pp; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	}
	ike_timer_cancel(l->agent, &l->timer);
	/* the outbound policies went with the outbound SA: only the SA */
	ike_uninstall(l->agent, &l->inst, l->inst.spi_in, 1, false);
	free(l);
}

static void linger_fn(struct ike_agent *a, void *arg)
{
	(void)a;
	linger_end(arg);
}

/* false: not kept (no memory); the caller removes it at once */
static bool linger_start(struct ike_child *c)
{
	struct ike_agent *a = c->ike->agent;
	struct linger_in *l = calloc(1, sizeof(*l));

	if (!l)
		return false;
	l->agent = a;
	l->inst = c->inst;
	OPENSSL_cleanse(l->inst.alg_in, sizeof(l->inst.alg_in));
	OPENSSL_cleanse(l->inst.alg_out, sizeof(l->inst.alg_out));
	snprintf(l->conn, sizeof(l->conn), "%s", c->inst.conn ? c->inst.conn : "?");
	snprintf(l->child, sizeof(l->child), "%s", c->inst.child ? c->inst.child : "?");
	l->inst.conn = l->conn;
	l->inst.child = l->child;
	l->next = lingering;
	lingering = l;
	ike_timer_arm(a, &l->timer, IKE_INBOUND_GRACE_MS, linger_fn, l);
	return true;
}

void ike_child_linger_flush(struct ike_agent *a)
{
	struct linger_in *l = lingering, *n;

	for (; l; l = n) {
		n = l->next;
		if (l->agent == a)
			linger_end(l);
	}
}

unsigned int ike_child_lingering(const struct ike_agent *a)
{
	unsigned int n = 0;

	for (const struct linger_in *l = lingering; l; l = l->next)
		n += l->agent == a;
	return n;
}

bool ike_child_spi_used(struct ike_agent *a, uint32_t spi)
{
	for (const struct linger_in *l = lingering; l; l = l->next)
		if (l->agent == a && l->inst.spi_in == spi)
			return true;
	for (struct ike_sa *s = a->sas; s; s = s->next) {
		if (s->req.active && s->req.new_spi == spi)
			return true;
		if (s->auth_spi == spi)
			return true;
		for (struct ike_child *c = s->children; c; c = c->next)
			if (c->inst.spi_in == spi)
				return true;
	}
	return false;
}

uint32_t ike_child_new_spi(struct ike_agent *a)
{
	for (;;) {
		uint32_t spi = rand32();

		/* RFC 4303 §2.1: SPIs 1-255 are reserved, 0 is never used */
		if (spi < 256 || ike_child_spi_used(a, spi))
			continue;
		return spi;
	}
}

/* ----------------------------------------------------------- IKE SAs */

static void path_from_conn(const struct ike_conf_conn *conn, struct ike_path *p)
{
	memset(p, 0, sizeof(*p));
	ike_addr_from_conf(&conn->local_addr, conn->local_port, &p->local);
	ike_addr_from_conf(&conn->remote_addr, conn->remote_port, &p->remote);
}

int ike_sa_bind_conn(struct ike_sa *sa, const struct ike_conf_conn *conn)
{
	struct ike_conf_child *cc = NULL;

	if (conn->n_children) {
		cc = calloc(conn->n_children, sizeof(*cc));
		if (!cc)
			return -ENOMEM;
		memcpy(cc, conn->children, conn->n_children * sizeof(*cc));
	}
	free(sa->ccfg);
	sa->conn = *conn;
	sa->ccfg = cc;
	sa->n_ccfg = conn->n_children;
	sa->conn.children = cc;
	sa->conn.n_children = conn->n_children;
	return 0;
}

struct ike_sa *ike_sa_new(struct ike_agent *a, const struct ike_conf_conn *conn,
			  bool initiator)
{
	struct ike_sa *sa;
	unsigned int n = 0;

	for (struct ike_sa *s = a->sas; s; s = s->next)
		n++;
	if (n >= IKE_SA_MAX) {
		errno = ENOSPC;
		return NULL;
	}
	sa = calloc(1, sizeof(*sa));
	if (!sa) {
		errno = ENOMEM;
		return NULL;
	}
	if (ike_sa_bind_conn(sa, conn)) {
		free(sa);
		errno = ENOMEM;
		return NULL;
	}
	sa->agent = a;
	sa->initiator = initiator;
	sa->state = initiator ? IKE_SA_I_WAIT : IKE_SA_R_INIT;
	sa->serial = ++sa_serial;
	sa->created_ms = ike_now_ms();
	sa->last_rx_ms = sa->created_ms;
	if (initiator)
		path_from_conn(conn, &sa->path);
	sa->next = a->sas;
	a->sas = sa;
	ike_sa_touch(sa);
	return sa;
}

struct ike_sa *ike_sa_find(struct ike_agent *a, uint64_t spi_i, uint64_t spi_r)
{
	for (struct ike_sa *s = a->sas; s; s = s->next)
		if (s->state != IKE_SA_DEAD && s->spi_i == spi_i &&
		    s->spi_r == spi_r)
			return s;
	return NULL;
}

void ike_sa_set_half_open(struct ike_sa *sa, bool on)
{
	if (sa->half_open == on)
		return;
	sa->half_open = on;
	if (on)
		sa->agent->half_open++;
	else if (sa->agent->half_open)
		sa->agent->half_open--;
}

void ike_sa_req_clear(struct ike_sa *sa)
{
	ike_timer_cancel(sa->agent, &sa->rtx_timer);
	free(sa->req.buf);
	ike_dh_free(sa->req.dh);
	OPENSSL_cleanse(&sa->req, sizeof(sa->req));
}

static void child_kill(struct ike_child *c, const char *why);

void ike_sa_kill(struct ike_sa *sa, const char *why)
{
	struct ike_agent *a;
	struct ike_sa **pp;

	if (!sa || sa->state == IKE_SA_DEAD)
		return;
	a = sa->agent;
	ike_sa_log(sa, IKE_SA_LOG_INFO, "IKE SA deleted: %s", why);
	snprintf(sa->why, sizeof(sa->why), "%s", why);
	ike_timer_cancel(a, &sa->rtx_timer);
	ike_timer_cancel(a, &sa->task_timer);
	ike_timer_cancel(a, &sa->rekey_timer);
	ike_timer_cancel(a, &sa->expire_timer);
	ike_timer_cancel(a, &sa->dpd_timer);
	ike_timer_cancel(a, &sa->keepalive_timer);
	ike_timer_cancel(a, &sa->halfopen_timer);
	/* the SAs not holding the outbound policies go first, so the last
	 * one of a family removes the policies */
	for (int pass = 0; pass < 2; pass++) {
		struct ike_child *c = sa->children, *n;

		for (; c; c = n) {
			n = c->next;
			if (pass == 0 && c->out_active)
				continue;
			child_kill(c, why);
		}
	}
	ike_sa_set_half_open(sa, false);
	ike_sa_req_clear(sa);
	ike_frag_free(sa->frag);
	sa->frag = NULL;
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	ike_keys_wipe(&sa->keys);
	OPENSSL_cleanse(sa->ni, sizeof(sa->ni));
	OPENSSL_cleanse(sa->nr, sizeof(sa->nr));
	free(sa->init_req);
	free(sa->init_resp);
	free(sa->last_req);
	free(sa->resp);
	sa->init_req = sa->init_resp = sa->last_req = sa->resp = NULL;
	sa->state = IKE_SA_DEAD;
	sa->dirty = false;
	sa->handled = false;
	for (pp = &a->sas; *pp; pp = &(*pp)->next) {
		if (*pp == sa) {
			*pp = sa->next;
			break;
		}
	}
	for (struct ike_sa *s = a->sas; s; s = s->next) {
		if (s->collide == sa)
			s->collide = NULL;
		if (s->rekeyed_from == sa)
			s->rekeyed_from = NULL;
	}
	sa->next = grave_sa;
	grave_sa = sa;
	/* the dispatcher looks at the dead */
	a->sm_dirty = true;
}

void ike_sa_established(struct ike_sa *sa)
{
	sa->state = IKE_SA_ESTABLISHED;
	sa->established_ms = ike_now_ms();
	ike_sa_set_half_open(sa, false);
	ike_timer_cancel(sa->agent, &sa->halfopen_timer);
	sa->arm_timers = true;
	ike_sa_touch(sa);
	ike_sa_log(sa, IKE_SA_LOG_INFO, "IKE SA established (%s, %s%s%s, %s)",
		   sa->encr ? sa->encr->name : "?", sa->prf ? sa->prf->name : "?",
		   sa->integ ? ", " : "", sa->integ ? sa->integ->name : "",
		   ike_dh_info(sa->dh_group) ? ike_dh_info(sa->dh_group)->name : "?");
}

void ike_sa_maybe_retry(struct ike_sa *sa, bool dpd)
{
	sa->retry = dpd ? IKE_RETRY_DPD : IKE_RETRY_KEYINGTRIES;
}

void ike_sa_retire(struct ike_sa *sa)
{
	struct ike_agent *a = sa->agent;

	sa->state = IKE_SA_REKEYED;
	ike_timer_cancel(a, &sa->rekey_timer);
	ike_timer_cancel(a, &sa->dpd_timer);
	ike_timer_cancel(a, &sa->keepalive_timer);
	ike_timer_cancel(a, &sa->expire_timer);
	sa->arm_retire = true;
	ike_sa_touch(sa);
}

/* ------------------------------------------------------------- tasks */

int ike_sa_task_add_later(struct ike_sa *sa, uint8_t kind, uint16_t cfg,
			  uint32_t spi, uint64_t delay_ms)
{
	uint64_t when = delay_ms ? ike_now_ms() + delay_ms : 0;

	if (!ike_sa_alive(sa))
		return -ESRCH;
	for (unsigned int i = 0; i < sa->ntasks; i++) {
		struct ike_task *t = &sa->tasks[i];

		if (t->kind == kind && t->cfg == cfg && t->spi == spi) {
			if (when < t->not_before)
				t->not_before = when;
			ike_sa_touch(sa);
			return 0;
		}
	}
	if (sa->ntasks >= IKE_TASK_MAX)
		return -ENOSPC;
	sa->tasks[sa->ntasks].kind = kind;
	sa->tasks[sa->ntasks].cfg = cfg;
	sa->tasks[sa->ntasks].spi = spi;
	sa->tasks[sa->ntasks].not_before = when;
	sa->ntasks++;
	ike_sa_touch(sa);
	return 0;
}

int ike_sa_task_add(struct ike_sa *sa, uint8_t kind, uint16_t cfg, uint32_t spi)
{
	return ike_sa_task_add_later(sa, kind, cfg, spi, 0);
}

bool ike_sa_task_queued(const struct ike_sa *sa, uint8_t kind, uint16_t cfg)
{
	for (unsigned int i = 0; i < sa->ntasks; i++)
		if (sa->tasks[i].kind == kind && sa->tasks[i].cfg == cfg)
			return true;
	return false;
}

/* --------------------------------------------------------- Child SAs */

struct ike_child *ike_child_new(struct ike_sa *sa, uint16_t cfg_idx)
{
	struct ike_child *c;

	if (sa->nchildren >= IKE_CHILD_MAX || cfg_idx >= sa->n_ccfg) {
		errno = ENOSPC;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		errno = ENOMEM;
		return NULL;
	}
	c->ike = sa;
	c->cfg_idx = cfg_idx;
	c->state = IKE_CHILD_INSTALLED;
	c->inst.conn = sa->conn.name;
	c->inst.child = sa->ccfg[cfg_idx].name;
	c->next = sa->children;
	sa->children = c;
	sa->nchildren++;
	return c;
}

struct ike_child *ike_child_by_in(struct ike_sa *sa, uint32_t spi_in)
{
	for (struct ike_child *c = sa->children; c; c = c->next)
		if (c->inst.spi_in == spi_in)
			return c;
	return NULL;
}

struct ike_child *ike_child_by_out(struct ike_sa *sa, uint8_t proto,
				   uint32_t spi_out)
{
	for (struct ike_child *c = sa->children; c; c = c->next)
		if (c->inst.spi_out == spi_out && c->inst.protocol == proto)
			return c;
	return NULL;
}

void ike_child_up(struct ike_child *c)
{
	c->arm_timers = true;
	ike_sa_touch(c->ike);
}

/* An installed Child SA of the same reqid that can take over. */
static struct ike_child *child_successor(struct ike_child *c)
{
	struct ike_child *best = NULL;

	for (struct ike_sa *s = c->ike->agent->sas; s; s = s->next) {
		for (struct ike_child *o = s->children; o; o = o->next) {
			if (o == c || o->inst.reqid != c->inst.reqid ||
			    o->state != IKE_CHILD_INSTALLED || !o->installed_in)
				continue;
			/* the newest one */
			if (!best || o->established_ms >= best->established_ms)
				best = o;
		}
	}
	return best;
}

static bool child_family_left(struct ike_child *c)
{
	for (struct ike_sa *s = c->ike->agent->sas; s; s = s->next)
		for (struct ike_child *o = s->children; o; o = o->next)
			if (o != c && o->inst.reqid == c->inst.reqid &&
			    (o->installed_in || o->installed_out))
				return true;
	return false;
}

/*
 * The successor's outbound SA could not be installed: it can receive but
 * not send, and the peer sends into it. It is deleted on both sides (and
 * created again), never left half there.
 */
static void successor_failed(struct ike_child *s)
{
	ike_count(s->ike->agent, IKE_AC_INSTALL_FAILED);
	ike_child_log(s, IKE_SA_LOG_ERR, "outbound SA cannot be installed: "
		      "deleting the Child SA on both sides");
	s->install_failed = true;
	if (s->state == IKE_CHILD_INSTALLED)
		s->state = IKE_CHILD_REKEYED;
	ike_sa_task_add(s->ike, IKE_TASK_CHILD_DELETE, s->cfg_idx, s->inst.spi_in);
	ike_sa_task_add_later(s->ike, IKE_TASK_CHILD_CREATE, s->cfg_idx, 0,
			      IKE_RETRY_DELAY_MS);
}

/*
 * The Child SA that was to replace old_spi's went before it (deleted as
 * not installable, or redundant): unless another successor took over,
 * the old one is in use again and can be rekeyed again (§2.25.1 refuses
 * rekeys of a replaced one).
 */
static void rekey_undone(struct ike_sa *sa, uint32_t old_spi)
{
	struct ike_child *old = ike_child_by_in(sa, old_spi);

	if (!old || old->state != IKE_CHILD_REKEYED || old->install_failed ||
	    !(old->installed_in && old->installed_out) || child_successor(old))
		return;
	old->state = IKE_CHILD_INSTALLED;
	ike_child_log(old, IKE_SA_LOG_INFO, "its rekey was undone: in use again");
}

static void child_kill(struct ike_child *c, const char *why)
{
	struct ike_sa *sa = c->ike;
	struct ike_agent *a = sa->agent;
	struct ike_child *s = NULL, **pp;
	bool last;

	ike_child_log(c, IKE_SA_LOG_INFO, "Child SA deleted: %s", why);
	ike_timer_cancel(a, &c->rekey_timer);
	ike_timer_cancel(a, &c->life_timer);
	c->state = IKE_CHILD_DEAD;
	if (c->installed_in || c->installed_out)
		s = child_successor(c);
	if (c->out_active || !ike_child_out_holder(c)) {
		/* make before break: the outbound policies move to the
		 * successor (a rekey's responder installs it only now)
		 * before this SA goes */
		if (s && !s->installed_out) {
			if (!ike_install_out(a, &s->inst,
					     c->out_active ? c->inst.spi_out : 0)) {
				s->installed_out = true;
				s->out_active = true;
			} else {
				successor_failed(s);
			}
		} else if (s && c->out_active) {
			ike_child_log(s, IKE_SA_LOG_DEBUG,
				      "successor already has its outbound SA");
		}
		c->out_active = false;
	}
	last = !child_family_left(c);
	if (c->installed_out)
		ike_uninstall(a, &c->inst, c->inst.spi_out, 2, last);
	if (c->installed_in) {
		/* what the peer sealed with it before it switched may still
		 * be on its way: with a successor it lingers a while */
		if (!(s && !last && !c->dp_lost && linger_start(c)))
			ike_uninstall(a, &c->inst, c->inst.spi_in, 1, last);
	}
	c->installed_in = c->installed_out = false;
	OPENSSL_cleanse(c->inst.alg_in, sizeof(c->inst.alg_in));
	OPENSSL_cleanse(c->inst.alg_out, sizeof(c->inst.alg_out));
	for (pp = &sa->children; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			sa->nchildren--;
			break;
		}
	}
	c->next = grave_child;
	grave_child = c;
	if (c->replaces)
		rekey_undone(sa, c->replaces);
	ike_sa_touch(sa);
}

void ike_child_kill(struct ike_child *c, const char *why)
{
	if (c && c->state != IKE_CHILD_DEAD)
		child_kill(c, why);
}

void ike_sa_move_children(struct ike_sa *from, struct ike_sa *to)
{
	while (from->children) {
		struct ike_child *c = from->children;

		from->children = c->next;
		from->nchildren--;
		c->ike = to;
		c->inst.conn = to->conn.name;
		c->inst.child = to->ccfg[c->cfg_idx].name;
		c->next = to->children;
		to->children = c;
		to->nchildren++;
	}
	/* operations on Child SAs continue on the new IKE SA */
	for (unsigned int i = 0; i < from->ntasks; i++) {
		const struct ike_task *t = &from->tasks[i];

		if ((t->kind == IKE_TASK_CHILD_CREATE ||
		     t->kind == IKE_TASK_CHILD_REKEY ||
		     t->kind == IKE_TASK_CHILD_DELETE) && to->ntasks < IKE_TASK_MAX)
			to->tasks[to->ntasks++] = *t;
	}
	from->ntasks = 0;
	from->children_moved = true;
	ike_sa_touch(to);
}

struct ike_child *ike_child_out_holder(struct ike_child *c)
{
	for (struct ike_sa *s = c->ike->agent->sas; s; s = s->next)
		for (struct ike_child *o = s->children; o; o = o->next)
			if (o != c && o->inst.reqid == c->inst.reqid && o->out_active)
				return o;
	return NULL;
}

int ike_nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int r = memcmp(a, b, n);

	/* §2.8.1: octet by octet; a nonce that ends first is the lower */
	if (r)
		return r;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}
