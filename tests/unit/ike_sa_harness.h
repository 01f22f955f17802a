// SPDX-License-Identifier: GPL-2.0-only
/*
 * Harness for the IKE_SA state machine tests: a FAKE shell (agent.h's
 * shell functions: ike_net_send queues datagrams into the other agent's
 * inbox, timers run on a fake clock, ike_install_* record what would
 * reach the datapath), the moon/sun agent pair, config loaders, the
 * message pump and pairing assertions.
 *
 * It defines the shell symbols, so include it from exactly one .c file
 * per test program (each tests/unit/test_*.c is its own binary), never
 * together with the real shell.
 */
#ifndef IKE_SA_HARNESS_H
#define IKE_SA_HARNESS_H

#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dispatch.h"
#include "outcome.h"

/* ============================================================ fake shell */

#define QMAX 128
#define SAMAX 64
#define POLMAX 32
#define CAPMAX 16

struct dgram {
	struct ike_path path;
	size_t len;
	uint8_t *buf;
};

struct inst_rec {
	bool used;
	int dir;
	uint32_t spi;
	struct ike_child_install c;
};

struct node {
	struct ike_agent a;             /* first: (struct node *)agent */
	struct ike_config cfg;
	const char *name;
	struct node *peer;
	struct dgram q[QMAX];
	unsigned int qh, qn;
	bool dead;                      /* drops everything it receives */
	/* a NAPT in front of this node: its source address is rewritten to
	 * nat_pub, ports p -> p + 40000 */
	bool natted;
	struct sockaddr_storage nat_pub, nat_priv;
	unsigned int drop_auth_resp;    /* IKE_AUTH responses to lose */
	unsigned int tx, keepalives, lost;
	struct ike_path last_path;
	uint8_t last_exch;
	/* the last datagrams sent, for replay and inspection */
	struct { size_t len; uint8_t buf[IKE_MSG_MAX]; } cap[CAPMAX];
	unsigned int ncap;
	struct inst_rec sa[SAMAX];
	struct { bool used; uint32_t reqid, spi; } pol[POLMAX];
	unsigned int n_in, n_out, n_uninst, pol_mismatch, uninst_missing, dup;
	uint32_t pol_at_info_resp;      /* policy SPI when it last answered
					 * an INFORMATIONAL */
	/* a datapath that refuses: the next fail_in inbound / fail_out
	 * outbound installs fail (a full SA table) */
	unsigned int fail_in, fail_out, n_refused;
	/* outcomes reported through the shell hooks */
	struct outcome_rec {
		bool terminate;
		int status;
		char conn[32], child[32], why[160];
	} outc[16];
	unsigned int n_outc;
};

static uint64_t fake_now = 1000000;

static inline struct node *N(struct ike_agent *a)
{
	return (struct node *)a;
}

uint64_t ike_now_ms(void)
{
	return fake_now;
}

void ike_timer_arm(struct ike_agent *a, struct ike_timer *t, uint64_t ms,
		   ike_timer_fn fn, void *arg)
{
	struct ike_timer **pp;

	ike_timer_cancel(a, t);
	t->due_ms = fake_now + ms;
	t->fn = fn;
	t->arg = arg;
	for (pp = &a->timers; *pp && (*pp)->due_ms <= t->due_ms; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	t->armed = true;
}

void ike_timer_cancel(struct ike_agent *a, struct ike_timer *t)
{
	struct ike_timer **pp;

	if (!t || !t->armed)
		return;
	for (pp = &a->timers; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->next = NULL;
	t->armed = false;
}

int ike_net_send(struct ike_agent *a, const struct ike_path *path,
		 const uint8_t *msg, size_t len)
{
	struct node *n = N(a), *p = n->peer;
	struct dgram *d;

	assert_true(len >= IKE_HDR_LEN && len <= IKE_MSG_MAX);
	n->tx++;
	n->last_path = *path;
	n->last_exch = msg[IKE_HDR_OFF_EXCH];
	n->cap[n->ncap % CAPMAX].len = len;
	memcpy(n->cap[n->ncap % CAPMAX].buf, msg, len);
	n->ncap++;
	if (msg[IKE_HDR_OFF_EXCH] == IKE_EXCH_INFORMATIONAL &&
	    (msg[IKE_HDR_OFF_FLAGS] & IKE_FLAG_RESPONSE)) {
		n->pol_at_info_resp = 0;
		for (unsigned int i = 0; i < POLMAX; i++)
			if (n->pol[i].used)
				n->pol_at_info_resp = n->pol[i].spi;
	}
	if (n->drop_auth_resp && msg[IKE_HDR_OFF_EXCH] == IKE_EXCH_IKE_AUTH &&
	    (msg[IKE_HDR_OFF_FLAGS] & IKE_FLAG_RESPONSE)) {
		n->drop_auth_resp--;
		n->lost++;
		return 0;
	}
	if (!p || p->dead || p->qn == QMAX) {
		n->lost++;
		return 0;
	}
	d = &p->q[(p->qh + p->qn++) % QMAX];
	d->path.local = path->remote;
	d->path.remote = path->local;
	d->path.natt = path->natt;
	if (n->natted) {
		/* outbound through our NAT */
		uint16_t port = ike_addr_port(&path->local);

		d->path.remote = n->nat_pub;
		ike_addr_set_port(&d->path.remote, (uint16_t)(port + 40000));
	}
	if (p->natted && ike_addr_eq(&path->remote, &p->nat_pub, false)) {
		/* inbound through the peer's NAT */
		uint16_t port = ike_addr_port(&path->remote);

		d->path.local = p->nat_priv;
		ike_addr_set_port(&d->path.local, (uint16_t)(port - 40000));
	}
	d->len = len;
	d->buf = malloc(len);
	assert_non_null(d->buf);
	memcpy(d->buf, msg, len);
	return 0;
}

int ike_net_keepalive(struct ike_agent *a, const struct ike_path *path)
{
	(void)path;
	N(a)->keepalives++;
	return 0;
}

static inline struct inst_rec *rec_find(struct node *n, int dir, uint32_t spi)
{
	for (unsigned int i = 0; i < SAMAX; i++)
		if (n->sa[i].used && n->sa[i].dir == dir && n->sa[i].spi == spi)
			return &n->sa[i];
	return NULL;
}

static inline void rec_add(struct node *n, int dir, uint32_t spi,
			   const struct ike_child_install *c)
{
	if (rec_find(n, dir, spi)) {
		n->dup++;
		return;
	}
	for (unsigned int i = 0; i < SAMAX; i++) {
		if (!n->sa[i].used) {
			n->sa[i].used = true;
			n->sa[i].dir = dir;
			n->sa[i].spi = spi;
			n->sa[i].c = *c;
			return;
		}
	}
	fail_msg("too many SAs installed");
}

int ike_install_in(struct ike_agent *a, const struct ike_child_install *c)
{
	struct node *n = N(a);

	assert_true(c->spi_in >= 256);
	assert_true(strlen(c->alg_in) > 10);
	if (n->fail_in) {
		n->fail_in--;
		n->n_refused++;
		return -ENOSPC;
	}
	n->n_in++;
	rec_add(n, 1, c->spi_in, c);
	return 0;
}

int ike_install_out(struct ike_agent *a, const struct ike_child_install *c,
		    uint32_t old_spi_out)
{
	struct node *n = N(a);
	unsigned int i;

	assert_true(strlen(c->alg_out) > 10);
	if (n->fail_out) {
		n->fail_out--;
		n->n_refused++;
		return -ENOSPC;
	}
	n->n_out++;
	rec_add(n, 2, c->spi_out, c);
	for (i = 0; i < POLMAX; i++)
		if (n->pol[i].used && n->pol[i].reqid == c->reqid)
			break;
	if (i < POLMAX) {
		/* a switch must name the SA that protects now */
		if (old_spi_out != n->pol[i].spi)
			n->pol_mismatch++;
		n->pol[i].spi = c->spi_out;
		return 0;
	}
	if (old_spi_out)
		n->pol_mismatch++;
	for (i = 0; i < POLMAX; i++) {
		if (!n->pol[i].used) {
			n->pol[i].used = true;
			n->pol[i].reqid = c->reqid;
			n->pol[i].spi = c->spi_out;
			return 0;
		}
	}
	fail_msg("too many policies");
	return -ENOSPC;
}

int ike_uninstall(struct ike_agent *a, const struct ike_child_install *c,
		  uint32_t spi, int dir, bool last)
{
	struct node *n = N(a);
	struct inst_rec *r = rec_find(n, dir, spi);

	n->n_uninst++;
	if (r)
		memset(r, 0, sizeof(*r));
	else
		n->uninst_missing++;
	if (last)
		for (unsigned int i = 0; i < POLMAX; i++)
			if (n->pol[i].used && n->pol[i].reqid == c->reqid)
				memset(&n->pol[i], 0, sizeof(n->pol[i]));
	return 0;
}

static inline void outcome_rec(struct ike_agent *a, bool terminate, const char *conn,
			       const char *child, int status, const char *why)
{
	struct node *n = N(a);
	struct outcome_rec *r;

	if (n->n_outc >= sizeof(n->outc) / sizeof(n->outc[0]))
		fail_msg("too many outcomes");
	r = &n->outc[n->n_outc++];
	r->terminate = terminate;
	r->status = status;
	snprintf(r->conn, sizeof(r->conn), "%s", conn);
	snprintf(r->child, sizeof(r->child), "%s", child ? child : "");
	snprintf(r->why, sizeof(r->why), "%s", why ? why : "");
}

void ike_shell_initiate_done(struct ike_agent *a, const char *conn,
			     const char *child, int status, const char *why)
{
	outcome_rec(a, false, conn, child, status, why);
}

void ike_shell_terminate_done(struct ike_agent *a, const char *conn, int status,
			      const char *why)
{
	outcome_rec(a, true, conn, NULL, status, why);
}

/* The datapath daemon of n restarted: its SAs are gone (the policies,
 * restored by the daemon, stay and point at nothing). */
static inline unsigned int dp_restart(struct node *n)
{
	unsigned int lost = 0;

	for (unsigned int i = 0; i < SAMAX; i++) {
		lost += n->sa[i].used;
		memset(&n->sa[i], 0, sizeof(n->sa[i]));
	}
	return lost;
}

/* ============================================================== helpers */

static struct node moon, sun;

struct cfgp {
	const char *local, *remote;     /* addresses */
	const char *remote_addrs;       /* default: remote */
	const char *lid, *rid;
	const char *ike;
	const char *esp, *ah;
	const char *mode;
	const char *lts, *rts;
	const char *psk;
	unsigned int ike_rekey, child_rekey, dpd;
	const char *child2_lts;         /* a second child */
	unsigned int keyingtries;       /* 0: config default (1) */
	const char *dpd_action;
	const char *start_action;       /* default none */
	const char *psk_ids[2];         /* default: lid, rid */
};

static inline void load(struct node *n, const struct cfgp *p)
{
	static char buf[8192];
	char err[IKE_CONF_ERR_MAX] = "";
	char c2[1024] = "";
	int len;

	if (p->child2_lts)
		snprintf(c2, sizeof(c2),
			 "      web {\n"
			 "        local_ts = %s\n        remote_ts = %s\n"
			 "        esp_proposals = aes256gcm16\n"
			 "        rekey_time = 0\n"
			 "      }\n", p->child2_lts, p->rts);
	len = snprintf(buf, sizeof(buf),
		"connections {\n"
		"  c {\n"
		"    local_addrs = %s\n"
		"    remote_addrs = %s\n"
		"    proposals = %s\n"
		"    rekey_time = %us\n    over_time = 30s\n    rand_time = 0\n"
		"    dpd_delay = %us\n    keyingtries = %u\n"
		"    local { auth = psk\n id = \"%s\" }\n"
		"    remote { auth = psk\n id = \"%s\" }\n"
		"    children {\n"
		"      net {\n"
		"        local_ts = %s\n        remote_ts = %s\n"
		"        %s = %s\n"
		"        mode = %s\n"
		"        rekey_time = %us\n        life_time = %us\n"
		"        rand_time = 0\n        dpd_action = %s\n"
		"        start_action = %s\n"
		"      }\n%s"
		"    }\n"
		"  }\n"
		"}\n"
		"secrets {\n"
		"  ike-x {\n    id-a = \"%s\"\n    id-b = \"%s\"\n"
		"    secret = %s\n  }\n"
		"}\n",
		p->local, p->remote_addrs ? p->remote_addrs : p->remote,
		p->ike ? p->ike : "aes128gcm16-prfsha256-x25519",
		p->ike_rekey, p->dpd, p->keyingtries ? p->keyingtries : 1,
		p->lid, p->rid,
		p->lts ? p->lts : "dynamic", p->rts ? p->rts : "dynamic",
		p->ah ? "ah_proposals" : "esp_proposals",
		p->ah ? p->ah : p->esp ? p->esp : "aes128gcm16",
		p->mode ? p->mode : "tunnel",
		p->child_rekey, p->child_rekey ? p->child_rekey * 2 : 0,
		p->dpd_action ? p->dpd_action : "clear",
		p->start_action ? p->start_action : "none", c2,
		p->psk_ids[0] ? p->psk_ids[0] : p->lid,
		p->psk_ids[1] ? p->psk_ids[1] : p->rid,
		p->psk ? p->psk : "0x00112233445566778899aabbccddeeff");
	assert_true(len > 0 && (size_t)len < sizeof(buf));
	if (ike_config_load_buf(n->name, buf, (size_t)len, NULL, &n->cfg, err,
				sizeof(err)))
		fail_msg("config %s: %s\n%s", n->name, err, buf);
	n->a.cfg = &n->cfg;
}

/* moon = initiator (local a), sun = responder; both from p (sun mirrored) */
static inline void setup_pair(const struct cfgp *pm, const struct cfgp *ps)
{
	ike_sa_shutdown(&moon.a);
	ike_sa_shutdown(&sun.a);
	for (unsigned int i = 0; i < QMAX; i++) {
		free(moon.q[i].buf);
		free(sun.q[i].buf);
	}
	ike_config_free(&moon.cfg);
	ike_config_free(&sun.cfg);
	memset(&moon, 0, sizeof(moon));
	memset(&sun, 0, sizeof(sun));
	moon.name = "moon";
	sun.name = "sun";
	moon.peer = &sun;
	sun.peer = &moon;
	load(&moon, pm);
	load(&sun, ps);
}

static inline struct cfgp base_moon(void)
{
	return (struct cfgp){
		.local = "192.0.2.1", .remote = "192.0.2.2",
		.lid = "moon.example.org", .rid = "sun.example.org",
		.lts = "10.1.0.0/16", .rts = "10.2.0.0/16",
	};
}

static inline struct cfgp mirror(struct cfgp m)
{
	struct cfgp s = m;

	s.local = m.remote;
	s.remote = m.local;
	s.lid = m.rid;
	s.rid = m.lid;
	s.lts = m.rts;
	s.rts = m.lts;
	s.remote_addrs = NULL;
	s.start_action = NULL;
	return s;
}

static inline bool deliver_one(struct node *n)
{
	struct dgram d;

	if (!n->qn)
		return false;
	d = n->q[n->qh];
	n->q[n->qh].buf = NULL;
	n->qh = (n->qh + 1) % QMAX;
	n->qn--;
	ike_sa_input(&n->a, &d.path, d.buf, d.len);
	free(d.buf);
	return true;
}

static inline bool fire_due(struct node *n)
{
	bool any = false;

	while (n->a.timers && n->a.timers->due_ms <= fake_now) {
		struct ike_timer *t = n->a.timers;

		n->a.timers = t->next;
		t->next = NULL;
		t->armed = false;
		t->fn(&n->a, t->arg);
		any = true;
	}
	return any;
}

static inline uint64_t next_due(const struct node *n)
{
	return n->a.timers ? n->a.timers->due_ms : UINT64_MAX;
}

/* Runs both agents until quiet, letting the clock go up to ms ahead. */
static inline void pump(uint64_t ms)
{
	uint64_t deadline = fake_now + ms;

	for (unsigned int i = 0; i < 200000; i++) {
		bool f, d;
		uint64_t nx;

		/* what a test queued by hand (ike_sa_task_add) runs as it
		 * would at the end of an entry */
		ike_dispatch_settle(&moon.a);
		ike_dispatch_settle(&sun.a);
		f = fire_due(&moon);

		f |= fire_due(&sun);
		/* one datagram each way per round, timers first: two
		 * requests fired at the same moment cross on the wire */
		d = deliver_one(&moon);
		d |= deliver_one(&sun);
		if (d)
			continue;
		if (f)
			continue;
		nx = next_due(&moon) < next_due(&sun) ? next_due(&moon) : next_due(&sun);
		if (nx > deadline)
			break;
		fake_now = nx;
	}
	if (fake_now < deadline)
		fake_now = deadline;
}

static inline unsigned int n_sas(const struct node *n, int dir)
{
	unsigned int k = 0;

	for (unsigned int i = 0; i < SAMAX; i++)
		if (n->sa[i].used && (!dir || n->sa[i].dir == dir))
			k++;
	return k;
}

static inline unsigned int n_ike(const struct node *n, const char *state)
{
	unsigned int k = 0;

	for (const struct ike_sa *s = n->a.sas; s; s = s->next)
		if (!state || !strcmp(ike_sa_state_name(s), state))
			k++;
	return k;
}

static inline struct ike_sa *first_sa(struct node *n)
{
	assert_non_null(n->a.sas);
	return n->a.sas;
}

static inline uint32_t pol_spi(const struct node *n, uint32_t reqid)
{
	for (unsigned int i = 0; i < POLMAX; i++)
		if (n->pol[i].used && n->pol[i].reqid == reqid)
			return n->pol[i].spi;
	return 0;
}

static inline bool ts_eq(const struct ike_ts *a, uint8_t na, const struct ike_ts *b,
			 uint8_t nb)
{
	return na == nb && !memcmp(a, b, na * sizeof(*a));
}

/* Every SA x sends with is one y receives with: same SPI, same keys and
 * algorithms, mirrored selectors, same mode and encapsulation. */
static inline void assert_mirror(struct node *x, struct node *y)
{
	for (unsigned int i = 0; i < SAMAX; i++) {
		const struct inst_rec *o = &x->sa[i], *in;

		if (!o->used || o->dir != 2)
			continue;
		in = rec_find(y, 1, o->spi);
		if (!in)
			fail_msg("%s: out SA %08x has no inbound SA on %s", x->name,
				 o->spi, y->name);
		assert_string_equal(o->c.alg_out, in->c.alg_in);
		assert_int_equal(o->c.protocol, in->c.protocol);
		assert_int_equal(o->c.transport, in->c.transport);
		assert_int_equal(o->c.encap, in->c.encap);
		assert_int_equal(o->c.esn, in->c.esn);
		assert_true(ts_eq(o->c.local_ts, o->c.n_local_ts, in->c.remote_ts,
				  in->c.n_remote_ts));
		assert_true(ts_eq(o->c.remote_ts, o->c.n_remote_ts, in->c.local_ts,
				  in->c.n_local_ts));
		/* the policies point at an installed outbound SA */
		assert_non_null(rec_find(x, 2, pol_spi(x, o->c.reqid)));
	}
}

/* n Child SA pairs installed, mirrored both ways, nothing odd. */
static inline void assert_pairs(unsigned int n)
{
	/* inbound SAs of Child SAs replaced by a rekey linger for their
	 * grace period (IKE_INBOUND_GRACE_MS) */
	assert_int_equal(n_sas(&moon, 1), n + ike_child_lingering(&moon.a));
	assert_int_equal(n_sas(&moon, 2), n);
	assert_int_equal(n_sas(&sun, 1), n + ike_child_lingering(&sun.a));
	assert_int_equal(n_sas(&sun, 2), n);
	assert_mirror(&moon, &sun);
	assert_mirror(&sun, &moon);
	assert_int_equal(moon.pol_mismatch, 0);
	assert_int_equal(sun.pol_mismatch, 0);
	assert_int_equal(moon.uninst_missing, 0);
	assert_int_equal(sun.uninst_missing, 0);
	assert_int_equal(moon.dup, 0);
	assert_int_equal(sun.dup, 0);
}

/* One IKE SA each, the same SPIs, established. */
static inline void assert_ike_up(void)
{
	struct ike_sa *m, *s;

	assert_int_equal(n_ike(&moon, NULL), 1);
	assert_int_equal(n_ike(&sun, NULL), 1);
	m = first_sa(&moon);
	s = first_sa(&sun);
	assert_int_equal(m->state, IKE_SA_ESTABLISHED);
	assert_int_equal(s->state, IKE_SA_ESTABLISHED);
	assert_true(m->spi_i == s->spi_i && m->spi_r == s->spi_r);
	assert_true(m->initiator != s->initiator);
}

static inline void establish(void)
{
	char err[128] = "";

	assert_int_equal(ike_sa_initiate(&moon.a, "c", NULL, err, sizeof(err)), 0);
	pump(5000);
}

/* A DPD exchange from n completes: the SA works. */
static inline void assert_alive(struct node *n)
{
	struct ike_sa *sa = first_sa(n);
	uint64_t rx = n->peer->a.counters[IKE_AC_RX];

	assert_int_equal(ike_sa_task_add(sa, IKE_TASK_DPD, 0, 0), 0);
	pump(1000);
	assert_true(n->peer->a.counters[IKE_AC_RX] > rx);
	assert_false(sa->req.active);
	assert_int_equal(sa->state, IKE_SA_ESTABLISHED);
}

static inline int cleanup(void **state)
{
	(void)state;
	ike_sa_shutdown(&moon.a);
	ike_sa_shutdown(&sun.a);
	return 0;
}

/* ================================================================ tests */

static inline struct ike_path moon_to_sun(void)
{
	struct ike_path p;

	memset(&p, 0, sizeof(p));
	ike_addr_from_conf(&sun.cfg.conns[0].local_addr, 500, &p.local);
	ike_addr_from_conf(&moon.cfg.conns[0].local_addr, 500, &p.remote);
	return p;
}

static inline uint32_t child_spi_in(struct node *n)
{
	return first_sa(n)->children->inst.spi_in;
}

#endif /* IKE_SA_HARNESS_H */
