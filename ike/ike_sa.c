// SPDX-License-Identifier: GPL-2.0-only
/*
 * IKE SAs and Child SAs: lifecycle, lookup, the message-ID windows and
 * retransmission (RFC 7296 §2.1-§2.4), queued operations, timers, and
 * ike_sa_input(), which checks and dispatches every datagram. The other
 * entries of agent.h are in sa_entry.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "frag.h"
#include "ike_sa.h"

int ike_sa_log_level = 1;
void (*ike_sa_log_hook)(int level, const char *line);

static uint32_t sa_serial;

/* Killed objects wait here until the next entry into the state machine
 * (the code that killed them may still hold a pointer). */
static struct ike_sa *grave_sa;
static struct ike_child *grave_child;

void ike_sa_log(const struct ike_sa *sa, int level, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n = 0;

	if (level > ike_sa_log_level)
		return;
	if (sa)
		n = snprintf(line, sizeof(line), "%s #%u %016llx/%016llx: ",
			     sa->conn.name, sa->serial,
			     (unsigned long long)sa->spi_i,
			     (unsigned long long)sa->spi_r);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (ike_sa_log_hook)
		ike_sa_log_hook(level, line);
	else
		fprintf(stderr, "ike: %s\n", line);
}

static uint32_t rand32(void)
{
	uint32_t v = 0;

	if (ike_random(&v, sizeof(v)))
		v = (uint32_t)ike_now_ms() * 2654435761u;
	return v;
}

static uint64_t jitter(uint64_t base_ms, uint64_t rand_ms)
{
	/* swanctl's rand_time: the rekey happens up to rand_time earlier,
	 * which de-synchronises the two peers (§2.8.1: jitter) */
	if (!rand_ms)
		return base_ms;
	if (rand_ms > base_ms)
		rand_ms = base_ms;
	return base_ms - (rand32() % (rand_ms + 1));
}

void ike_sa_gc(void)
{
	while (grave_sa) {
		struct ike_sa *sa = grave_sa;

		grave_sa = sa->next;
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

bool ike_child_spi_used(struct ike_agent *a, uint32_t spi)
{
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

unsigned int ike_sa_count_peer(struct ike_agent *a,
			       const struct sockaddr_storage *remote)
{
	unsigned int n = 0;

	for (struct ike_sa *s = a->sas; s; s = s->next)
		if (s->state != IKE_SA_DEAD && ike_addr_eq(&s->path.remote, remote, false))
			n++;
	return n;
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

static void req_clear(struct ike_sa *sa)
{
	ike_timer_cancel(sa->agent, &sa->rtx_timer);
	free(sa->req.buf);
	ike_dh_free(sa->req.dh);
	OPENSSL_cleanse(&sa->req, sizeof(sa->req));
}

static void child_kill(struct ike_child *c, const char *why, bool quiet);

void ike_sa_kill(struct ike_sa *sa, const char *why)
{
	struct ike_agent *a;
	struct ike_sa **pp;

	if (!sa || sa->state == IKE_SA_DEAD)
		return;
	a = sa->agent;
	ike_sa_log(sa, 1, "IKE SA deleted: %s", why);
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
			child_kill(c, why, true);
		}
	}
	ike_sa_set_half_open(sa, false);
	req_clear(sa);
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

static void child_kill(struct ike_child *c, const char *why, bool quiet)
{
	struct ike_sa *sa = c->ike;
	struct ike_agent *a = sa->agent;
	struct ike_child **pp;
	bool last;

	(void)quiet;
	ike_sa_log(sa, 1, "Child SA %s %08x/%08x deleted: %s",
		   c->inst.child ? c->inst.child : "?", c->inst.spi_in,
		   c->inst.spi_out, why);
	ike_timer_cancel(a, &c->rekey_timer);
	ike_timer_cancel(a, &c->life_timer);
	c->state = IKE_CHILD_DEAD;
	if (c->out_active || !ike_child_out_holder(c)) {
		struct ike_child *s = child_successor(c);

		/* make before break: the outbound policies move to the
		 * successor (a rekey's responder installs it only now)
		 * before this SA goes */
		if (s && !s->installed_out) {
			if (!ike_install_out(a, &s->inst,
					     c->out_active ? c->inst.spi_out : 0)) {
				s->installed_out = true;
				s->out_active = true;
			}
		} else if (s && c->out_active) {
			ike_sa_log(sa, 1, "successor %08x already has its outbound SA",
				   s->inst.spi_in);
		}
		c->out_active = false;
	}
	last = !child_family_left(c);
	if (c->installed_in)
		ike_uninstall(a, &c->inst, c->inst.spi_in, 1, last);
	if (c->installed_out)
		ike_uninstall(a, &c->inst, c->inst.spi_out, 2, last);
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
}

void ike_child_kill(struct ike_child *c, const char *why)
{
	if (c && c->state != IKE_CHILD_DEAD)
		child_kill(c, why, false);
}

static void child_rekey_fn(struct ike_agent *a, void *arg)
{
	struct ike_child *c = arg;

	(void)a;
	ike_sa_gc();
	if (c->state == IKE_CHILD_INSTALLED)
		ike_sa_task_add(c->ike, IKE_TASK_CHILD_REKEY, c->cfg_idx,
				c->inst.spi_in);
}

static void child_life_fn(struct ike_agent *a, void *arg)
{
	struct ike_child *c = arg;

	(void)a;
	ike_sa_gc();
	/* hard lifetime: the SA must go; the DELETE tells the peer */
	ike_sa_log(c->ike, 1, "Child SA %08x reached its life time",
		   c->inst.spi_in);
	if (c->ike->state == IKE_SA_ESTABLISHED && c->state != IKE_CHILD_DELETING)
		ike_sa_task_add(c->ike, IKE_TASK_CHILD_DELETE, c->cfg_idx,
				c->inst.spi_in);
	else if (c->state != IKE_CHILD_DELETING)
		ike_child_kill(c, "life time");
}

void ike_child_arm_timers(struct ike_child *c)
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
}

static void retire_fn(struct ike_agent *a, void *arg)
{
	struct ike_sa *sa = arg;

	(void)a;
	ike_sa_gc();
	if (ike_sa_alive(sa))
		ike_sa_kill(sa, "replaced IKE SA never deleted");
}

void ike_sa_retire(struct ike_sa *sa)
{
	struct ike_agent *a = sa->agent;

	sa->state = IKE_SA_REKEYED;
	ike_timer_cancel(a, &sa->rekey_timer);
	ike_timer_cancel(a, &sa->dpd_timer);
	ike_timer_cancel(a, &sa->keepalive_timer);
	ike_timer_arm(a, &sa->expire_timer, IKE_RETIRE_MS, retire_fn, sa);
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

/* ---------------------------------------------------------- messages */

int ike_out_begin(struct ike_sa *sa, struct ike_out *o, uint8_t exch,
		  bool response, uint32_t msgid)
{
	struct ike_hdr h = {
		.spi_i = sa->spi_i, .spi_r = sa->spi_r,
		.major = IKE_MAJOR_VERSION, .minor = IKE_MINOR_VERSION,
		.exch = exch, .msgid = msgid,
	};
	bool sk = exch != IKE_EXCH_IKE_SA_INIT;
	size_t cap = sizeof(o->buf);
	int rc;

	/* §3.1: I set by the original initiator, R on responses */
	h.flags = (uint8_t)((sa->initiator ? IKE_FLAG_INITIATOR : 0) |
			    (response ? IKE_FLAG_RESPONSE : 0));
	o->len = 0;
	if (sk) {
		if (!sa->keys_ok)
			return -EINVAL;
		cap -= ike_sk_tail_max(&sa->keys);
	}
	rc = ike_enc_init(&o->e, o->buf, cap, &h);
	if (!rc && sk)
		rc = ike_enc_sk_begin(&o->e, ike_sk_head_len(&sa->keys) -
					     IKE_PLD_HDR_LEN);
	return rc;
}

int ike_out_seal(struct ike_sa *sa, struct ike_out *o)
{
	size_t head, inner;
	int rc;

	if (o->e.err)
		return o->e.err;
	if (o->e.state != IKE_ENC_IN_SK) {
		rc = ike_enc_finish(&o->e);
		if (rc < 0)
			return rc;
		o->len = (size_t)rc;
		return 0;
	}
	/* §3.14: ike_sk_encrypt pads, fills the IV, encrypts, and writes
	 * the ICV and both lengths */
	head = ike_sk_head_len(&sa->keys);
	inner = o->e.len - (o->e.sk_off + head);
	rc = ike_frag_seal(sa, o, inner);
	return rc;
}

static uint8_t *dup_msg(const uint8_t *p, size_t len)
{
	uint8_t *d = malloc(len ? len : 1);

	if (d && len)
		memcpy(d, p, len);
	return d;
}

static void rtx_fn(struct ike_agent *a, void *arg);

int ike_sa_send_request(struct ike_sa *sa, struct ike_out *o, uint8_t kind)
{
	struct ike_agent *a = sa->agent;
	uint8_t *copy;
	int rc;

	copy = dup_msg(o->buf, o->len);
	if (!copy)
		return -ENOMEM;
	free(sa->req.buf);
	sa->req.buf = copy;
	sa->req.len = o->len;
	sa->req.active = true;
	sa->req.kind = kind;
	sa->req.exch = o->buf[IKE_HDR_OFF_EXCH];
	sa->req.msgid = ike_get32(o->buf + IKE_HDR_OFF_MSGID);
	sa->req.tries = 1;
	/* §2.2: each request takes the next Message ID */
	if (sa->req.exch != IKE_EXCH_IKE_SA_INIT)
		sa->msgid_next = sa->req.msgid + 1;
	ike_sa_log(sa, 2, "send %s request #%u (%zu octets)",
		   ike_exch_name(sa->req.exch), sa->req.msgid, o->len);
	rc = ike_frag_send(a, &sa->path, o->buf, o->len);
	ike_count(a, IKE_AC_TX);
	ike_timer_arm(a, &sa->rtx_timer, IKE_RTX_BASE_MS, rtx_fn, sa);
	if (rc)
		ike_sa_log(sa, 1, "send failed: %d (will retransmit)", rc);
	return 0;
}

int ike_sa_send_response(struct ike_sa *sa, const struct ike_path *path,
			 struct ike_out *o)
{
	struct ike_agent *a = sa->agent;
	uint8_t *copy = dup_msg(o->buf, o->len);

	if (!copy)
		return -ENOMEM;
	free(sa->resp);
	sa->resp = copy;
	sa->resp_len = o->len;
	sa->resp_msgid = ike_get32(o->buf + IKE_HDR_OFF_MSGID);
	sa->resp_valid = true;
	sa->resp_path = *path;
	/* §2.2: the next request from the peer takes the next ID */
	sa->peer_next = sa->resp_msgid + 1;
	ike_sa_log(sa, 2, "send %s response #%u (%zu octets)",
		   ike_exch_name(o->buf[IKE_HDR_OFF_EXCH]), sa->resp_msgid,
		   o->len);
	ike_count(a, IKE_AC_TX);
	/* §2.11: answer to where the request came from */
	return ike_frag_send(a, path, o->buf, o->len);
}

int ike_sa_respond_notify(struct ike_sa *sa, const struct ike_path *path,
			  uint8_t exch, uint32_t msgid, uint16_t type,
			  uint8_t proto, uint32_t spi, const void *data,
			  size_t len)
{
	struct ike_out *o = malloc(sizeof(*o));
	uint8_t spib[4];
	int rc;

	if (!o)
		return -ENOMEM;
	ike_put32(spib, spi);
	rc = ike_out_begin(sa, o, exch, true, msgid);
	if (!rc)
		rc = ike_enc_notify(&o->e, proto, spi ? spib : NULL,
				    spi ? sizeof(spib) : 0, type, data, len);
	if (!rc)
		rc = ike_out_seal(sa, o);
	if (!rc)
		rc = ike_sa_send_response(sa, path, o);
	free(o);
	return rc;
}

void ike_sa_request_done(struct ike_sa *sa)
{
	req_clear(sa);
	if (ike_sa_alive(sa))
		ike_sa_task_run(sa);
}

static void rtx_give_up(struct ike_sa *sa)
{
	uint8_t kind = sa->req.kind;

	ike_sa_log(sa, 1, "%s request #%u unanswered after %u transmissions",
		   ike_exch_name(sa->req.exch), sa->req.msgid, sa->req.tries);
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
	if (!ike_sa_alive(sa))
		return;
	if (sa->state == IKE_SA_I_WAIT && !sa->req.active) {
		/* delayed start (keyingtries) */
		if (ike_init_start(sa))
			ike_sa_kill(sa, "cannot start IKE_SA_INIT");
		return;
	}
	if (!sa->req.active)
		return;
	if (sa->req.tries >= IKE_RTX_TRIES) {
		rtx_give_up(sa);
		return;
	}
	/* §2.1, §2.4: the same octets again, exponential backoff */
	sa->req.tries++;
	ike_count(a, IKE_AC_RETRANSMIT);
	ike_count(a, IKE_AC_TX);
	ike_sa_log(sa, 2, "retransmit %s #%u (try %u)",
		   ike_exch_name(sa->req.exch), sa->req.msgid, sa->req.tries);
	ike_frag_send(a, &sa->path, sa->req.buf, sa->req.len);
	ike_timer_arm(a, &sa->rtx_timer,
		      (uint64_t)IKE_RTX_BASE_MS << (sa->req.tries - 1), rtx_fn, sa);
}

void ike_sa_start_later(struct ike_sa *sa, uint64_t ms)
{
	ike_timer_arm(sa->agent, &sa->rtx_timer, ms, rtx_fn, sa);
}

/* ------------------------------------------------------------- tasks */

int ike_sa_task_add(struct ike_sa *sa, uint8_t kind, uint16_t cfg, uint32_t spi)
{
	if (!ike_sa_alive(sa))
		return -ESRCH;
	for (unsigned int i = 0; i < sa->ntasks; i++)
		if (sa->tasks[i].kind == kind && sa->tasks[i].cfg == cfg &&
		    sa->tasks[i].spi == spi)
			return 0;
	if (sa->ntasks >= IKE_TASK_MAX)
		return -ENOSPC;
	sa->tasks[sa->ntasks].kind = kind;
	sa->tasks[sa->ntasks].cfg = cfg;
	sa->tasks[sa->ntasks].spi = spi;
	sa->ntasks++;
	ike_sa_task_run(sa);
	return 0;
}

static void task_timer_fn(struct ike_agent *a, void *arg)
{
	struct ike_sa *sa = arg;

	(void)a;
	ike_sa_gc();
	if (!ike_sa_alive(sa))
		return;
	sa->task_timer.armed = false;
	ike_sa_task_run(sa);
}

void ike_sa_task_delay(struct ike_sa *sa, uint64_t ms)
{
	ike_timer_arm(sa->agent, &sa->task_timer, ms, task_timer_fn, sa);
	sa->task_timer.armed = true;
}

static int task_start(struct ike_sa *sa, const struct ike_task *t)
{
	struct ike_child *c;

	switch (t->kind) {
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

void ike_sa_task_run(struct ike_sa *sa)
{
	while (ike_sa_alive(sa) && !sa->req.active && sa->ntasks &&
	       !sa->task_timer.armed) {
		struct ike_task t;
		unsigned int pick = sa->ntasks;

		if (sa->state == IKE_SA_ESTABLISHED) {
			pick = 0;
			/* a pending IKE SA delete goes before the rest */
			for (unsigned int i = 0; i < sa->ntasks; i++)
				if (sa->tasks[i].kind == IKE_TASK_IKE_DELETE)
					pick = i;
		} else if (sa->state == IKE_SA_REKEYED) {
			for (unsigned int i = 0; i < sa->ntasks; i++)
				if (sa->tasks[i].kind == IKE_TASK_IKE_DELETE)
					pick = i;
		}
		if (pick >= sa->ntasks)
			return;
		t = sa->tasks[pick];
		memmove(&sa->tasks[pick], &sa->tasks[pick + 1],
			(sa->ntasks - pick - 1) * sizeof(t));
		sa->ntasks--;
		if (task_start(sa, &t) && ike_sa_alive(sa) && sa->req.active)
			break;
	}
}

/* ---------------------------------------------------- established SAs */

static void ike_rekey_fn(struct ike_agent *a, void *arg)
{
	struct ike_sa *sa = arg;

	(void)a;
	ike_sa_gc();
	if (ike_sa_alive(sa) && sa->state == IKE_SA_ESTABLISHED)
		ike_sa_task_add(sa, IKE_TASK_IKE_REKEY, 0, 0);
}

static void ike_expire_fn(struct ike_agent *a, void *arg)
{
	struct ike_sa *sa = arg;

	(void)a;
	ike_sa_gc();
	if (!ike_sa_alive(sa))
		return;
	/* not rekeyed within rekey_time + over_time: the SA goes */
	if (sa->state == IKE_SA_ESTABLISHED && !sa->req.active)
		ike_sa_task_add(sa, IKE_TASK_IKE_DELETE, 0, 0);
	else
		ike_sa_kill(sa, "hard lifetime");
}

static void dpd_fn(struct ike_agent *a, void *arg)
{
	struct ike_sa *sa = arg;
	uint64_t delay, idle;

	ike_sa_gc();
	if (!ike_sa_alive(sa) || !sa->conn.dpd_delay)
		return;
	delay = (uint64_t)sa->conn.dpd_delay * 1000;
	idle = ike_now_ms() - sa->last_rx_ms;
	if (idle >= delay) {
		/* §2.4: an empty INFORMATIONAL request checks liveness */
		if (sa->state == IKE_SA_ESTABLISHED && !sa->req.active)
			ike_sa_task_add(sa, IKE_TASK_DPD, 0, 0);
		ike_timer_arm(a, &sa->dpd_timer, delay, dpd_fn, sa);
	} else {
		ike_timer_arm(a, &sa->dpd_timer, delay - idle, dpd_fn, sa);
	}
}

static void keepalive_fn(struct ike_agent *a, void *arg)
{
	struct ike_sa *sa = arg;

	ike_sa_gc();
	if (!ike_sa_alive(sa))
		return;
	/* RFC 3948 §4: keep the NAT mapping open */
	ike_net_keepalive(a, &sa->path);
	ike_timer_arm(a, &sa->keepalive_timer, IKE_KEEPALIVE_MS, keepalive_fn, sa);
}

void ike_sa_established(struct ike_sa *sa)
{
	struct ike_agent *a = sa->agent;

	sa->state = IKE_SA_ESTABLISHED;
	sa->established_ms = ike_now_ms();
	ike_sa_set_half_open(sa, false);
	ike_timer_cancel(a, &sa->halfopen_timer);
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
	ike_sa_log(sa, 1, "IKE SA established (%s, %s%s%s, %s)", sa->encr->name,
		   sa->prf->name, sa->integ ? ", " : "",
		   sa->integ ? sa->integ->name : "",
		   ike_dh_info(sa->dh_group) ? ike_dh_info(sa->dh_group)->name : "?");
}

void ike_sa_maybe_retry(struct ike_sa *sa, bool dpd)
{
	uint16_t idx[IKE_CONF_CHILDREN_MAX];
	unsigned int n = 0;

	if (dpd) {
		/* dpd_action = restart: the children come back under a new
		 * IKE SA */
		for (size_t i = 0; i < sa->n_ccfg && n < IKE_CONF_CHILDREN_MAX; i++)
			if (sa->ccfg[i].dpd_action == IKE_CONF_DPD_RESTART)
				idx[n++] = (uint16_t)i;
		if (n && sa->conn.remote_addr.family != AF_UNSPEC)
			ike_sa_start_conn(sa->agent, &sa->conn, idx, n, 0, 0);
		return;
	}
	if (!sa->initiator)
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

/* -------------------------------------------------------------- input */

static struct ike_sa *find_half_open(struct ike_agent *a, uint64_t spi_i,
				     const struct sockaddr_storage *remote)
{
	for (struct ike_sa *s = a->sas; s; s = s->next)
		if (s->state == IKE_SA_R_INIT && s->spi_i == spi_i &&
		    ike_addr_eq(&s->path.remote, remote, false))
			return s;
	return NULL;
}

static struct ike_sa *find_init_pending(struct ike_agent *a, uint64_t spi_i)
{
	for (struct ike_sa *s = a->sas; s; s = s->next)
		if (s->state == IKE_SA_I_INIT && s->initiator && s->spi_i == spi_i)
			return s;
	return NULL;
}

/* §2.1: a retransmitted request is answered with the cached response,
 * if it is the very request we answered. */
static bool answer_cached(struct ike_sa *sa, const struct ike_path *path,
			  const uint8_t *msg, size_t len, uint32_t msgid)
{
	if (!sa->resp_valid || msgid != sa->resp_msgid || !sa->last_req ||
	    sa->last_req_len != len || memcmp(sa->last_req, msg, len))
		return false;
	ike_count(sa->agent, IKE_AC_ANSWERED_CACHED);
	ike_count(sa->agent, IKE_AC_TX);
	ike_sa_log(sa, 2, "retransmitted request #%u: cached response", msgid);
	ike_frag_send(sa->agent, path, sa->resp, sa->resp_len);
	return true;
}

static void keep_request(struct ike_sa *sa, const uint8_t *msg, size_t len)
{
	uint8_t *copy = dup_msg(msg, len);

	if (!copy)
		return;
	free(sa->last_req);
	sa->last_req = copy;
	sa->last_req_len = len;
	sa->resp_valid = false;
}

static void input_init(struct ike_agent *a, const struct ike_path *path,
		       struct ike_msg *m, const uint8_t *raw, size_t len)
{
	const struct ike_hdr *h = &m->hdr;
	struct ike_sa *sa;

	/* §2.2: IKE_SA_INIT always uses Message ID 0 */
	if (h->msgid != 0) {
		ike_count(a, IKE_AC_DROP_MSGID);
		return;
	}
	if (!(h->flags & IKE_FLAG_RESPONSE)) {
		/* §3.1: the request comes from the original initiator
		 * with the responder's SPI zero */
		if (!(h->flags & IKE_FLAG_INITIATOR) || h->spi_r) {
			ike_count(a, IKE_AC_DROP_MALFORMED);
			return;
		}
		sa = find_half_open(a, h->spi_i, &path->remote);
		if (sa) {
			if (!answer_cached(sa, path, raw, len, 0))
				ike_count(a, IKE_AC_DROP_MSGID);
			return;
		}
		ike_init_recv_request(a, path, m);
		return;
	}
	/* §3.1: the response has the I bit clear */
	if (h->flags & IKE_FLAG_INITIATOR) {
		ike_count(a, IKE_AC_DROP_MALFORMED);
		return;
	}
	sa = find_init_pending(a, h->spi_i);
	if (!sa) {
		ike_count(a, IKE_AC_DROP_NO_SA);
		return;
	}
	ike_init_recv_response(sa, path, m);
}

/* §2.23: after NAT detection the peer's address and port may change;
 * the newest authenticated message tells where it is. */
static void float_path(struct ike_sa *sa, const struct ike_path *path)
{
	if (!(sa->nat_local || sa->nat_remote))
		return;
	if (ike_addr_eq(&sa->path.remote, &path->remote, true) &&
	    ike_addr_eq(&sa->path.local, &path->local, true) &&
	    sa->path.natt == path->natt)
		return;
	if (sa->path.natt && !path->natt)
		return;
	ike_sa_log(sa, 1, "peer moved (NAT-T), path updated");
	sa->path = *path;
}

static void input_encrypted(struct ike_agent *a, const struct ike_path *path,
			    struct ike_msg *m, uint8_t *buf, size_t len,
			    const uint8_t *raw)
{
	const struct ike_hdr *h = &m->hdr;
	bool response = h->flags & IKE_FLAG_RESPONSE;
	struct ike_sa *sa;
	const struct ike_encr *e;
	const uint8_t *inner = NULL;
	struct ike_sk sk;
	size_t ioff, ilen = 0, icv;
	int rc;

	sa = ike_sa_find(a, h->spi_i, h->spi_r);
	if (!sa || !sa->keys_ok) {
		ike_count(a, IKE_AC_DROP_NO_SA);
		return;
	}
	/* §3.1: the I bit tells whether the sender is the original
	 * initiator; we are not both */
	if (!!(h->flags & IKE_FLAG_INITIATOR) == sa->initiator) {
		ike_count(a, IKE_AC_DROP_MALFORMED);
		return;
	}
	/* §2.2: responses answer our outstanding request, requests come in
	 * order (window size 1 from us; the peer's in order) */
	if (response) {
		if (!sa->req.active || h->msgid != sa->req.msgid ||
		    h->exch != sa->req.exch) {
			ike_count(a, IKE_AC_DROP_MSGID);
			return;
		}
	} else if (h->msgid != sa->peer_next) {
		if (!answer_cached(sa, path, raw, len, h->msgid))
			ike_count(a, IKE_AC_DROP_MSGID);
		return;
	}
	if (m->frag) {
		/* RFC 7383 §2.6 (frag.c): each fragment is verified and
		 * kept; the message goes on once the last one is in */
		if (ike_frag_input(sa, m, buf, len, &raw, &len, &inner, &ilen))
			return;
	} else {
		/* §3.14: everything after IKE_SA_INIT is in an SK payload */
		e = sa->keys.encr;
		icv = e->aead ? e->icv_len : sa->keys.integ->icv_len;
		if (ike_msg_sk(m, e->iv_len, icv, e->block_len, &sk)) {
			ike_count(a, IKE_AC_DROP_MALFORMED);
			return;
		}
		rc = ike_sk_decrypt(&sa->keys,
				    sa->initiator ? IKE_DIR_R2I : IKE_DIR_I2R,
				    buf, len, m->pld[m->sk].off, &ioff, &ilen);
		if (rc) {
			ike_count(a, IKE_AC_DROP_BAD_ICV);
			ike_sa_log(sa, 2, "%s #%u: integrity check failed",
				   ike_exch_name(h->exch), h->msgid);
			return;
		}
		inner = buf + ioff;
	}
	/* authenticated from here on */
	sa->last_rx_ms = ike_now_ms();
	if (!response)
		keep_request(sa, raw, len);
	rc = ike_msg_decode_inner_unpadded(m, inner, ilen);
	if (rc) {
		ike_count(a, IKE_AC_DROP_MALFORMED);
		ike_sa_log(sa, 1, "%s #%u: %s", ike_exch_name(h->exch), h->msgid,
			   m->err.why ? m->err.why : "bad inner payloads");
		/* §2.5 / §3.10.1: an authenticated request with bad
		 * contents is answered with the error; a response is
		 * dropped */
		if (!response && m->err.notify)
			ike_sa_respond_notify(sa, path, h->exch, h->msgid,
					      m->err.notify, IKE_PROTO_NONE, 0,
					      &m->err.data, m->err.has_data ? 1 : 0);
		return;
	}
	float_path(sa, path);
	switch (h->exch) {
	case IKE_EXCH_IKE_AUTH:
		if (response && sa->state == IKE_SA_I_AUTH)
			ike_auth_recv_response(sa, m);
		else if (!response && sa->state == IKE_SA_R_INIT)
			ike_auth_recv_request(sa, path, m);
		else
			ike_count(a, IKE_AC_DROP_MSGID);
		break;
	case IKE_EXCH_CREATE_CHILD_SA:
		if (response)
			ike_child_recv_response(sa, m);
		else
			ike_child_recv_request(sa, path, m);
		break;
	case IKE_EXCH_INFORMATIONAL:
		if (response)
			ike_info_recv_response(sa, m);
		else
			ike_info_recv_request(sa, path, m);
		break;
	default:
		break;
	}
}

void ike_sa_input(struct ike_agent *a, const struct ike_path *path,
		  const uint8_t *msg, size_t len)
{
	static uint8_t buf[IKE_MSG_MAX];
	static struct ike_msg m;
	int rc;

	ike_sa_gc();
	ike_count(a, IKE_AC_RX);
	if (!msg || len < IKE_HDR_LEN || len > IKE_MSG_MAX) {
		ike_count(a, IKE_AC_DROP_MALFORMED);
		return;
	}
	memcpy(buf, msg, len);
	rc = ike_msg_decode(&m, buf, len);
	if (rc) {
		const struct ike_hdr *h = &m.hdr;
		bool init_req = m.hdr_ok && h->exch == IKE_EXCH_IKE_SA_INIT &&
				!(h->flags & IKE_FLAG_RESPONSE) && !h->msgid;

		ike_count(a, IKE_AC_DROP_MALFORMED);
		ike_sa_log(NULL, 2, "dropped datagram: %s",
			   m.err.why ? m.err.why : "malformed");
		/* §2.5: an unsupported major version or critical payload
		 * in an IKE_SA_INIT request is answered unprotected */
		if (init_req && m.err.notify &&
		    (rc == -EPROTONOSUPPORT || rc == -EOPNOTSUPP))
			ike_init_answer_notify(a, path, h, m.err.notify,
					       &m.err.data, m.err.has_data ? 1 : 0);
		goto out;
	}
	switch (m.hdr.exch) {
	case IKE_EXCH_IKE_SA_INIT:
		input_init(a, path, &m, msg, len);
		break;
	case IKE_EXCH_IKE_AUTH:
	case IKE_EXCH_CREATE_CHILD_SA:
	case IKE_EXCH_INFORMATIONAL:
		input_encrypted(a, path, &m, buf, len, msg);
		break;
	default:
		/* §3.1: exchange types we do not speak are dropped */
		ike_count(a, IKE_AC_DROP_MALFORMED);
		break;
	}
out:
	/* the plaintext of a decrypted message does not linger */
	OPENSSL_cleanse(buf, len);
}

