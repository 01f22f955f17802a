// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IKEv2 state machine end to end: two agents ("moon" initiates, "sun"
 * responds) linked through a FAKE shell defined here (agent.h's shell
 * functions): ike_net_send queues datagrams into the other agent's inbox,
 * timers run on a fake clock, ike_install_* record what would reach the
 * datapath. Each test checks outcomes on both sides: installed SAs pair up
 * (same keys in opposite directions, consistent SPIs and selectors), the
 * outbound policies follow rekeys, counters name every drop.
 *
 * This file links ike_sa.c, exch_*.c, proposal.c, ts.c with the codec,
 * crypto and config only (not the real shell, whose symbols clash).
 */
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

#include "ike_sa.h"

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
};

static uint64_t fake_now = 1000000;

static struct node *N(struct ike_agent *a)
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

static struct inst_rec *rec_find(struct node *n, int dir, uint32_t spi)
{
	for (unsigned int i = 0; i < SAMAX; i++)
		if (n->sa[i].used && n->sa[i].dir == dir && n->sa[i].spi == spi)
			return &n->sa[i];
	return NULL;
}

static void rec_add(struct node *n, int dir, uint32_t spi,
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
	const char *psk_ids[2];         /* default: lid, rid */
};

static void load(struct node *n, const struct cfgp *p)
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
		p->dpd_action ? p->dpd_action : "clear", c2,
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
static void setup_pair(const struct cfgp *pm, const struct cfgp *ps)
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

static struct cfgp base_moon(void)
{
	return (struct cfgp){
		.local = "192.0.2.1", .remote = "192.0.2.2",
		.lid = "moon.example.org", .rid = "sun.example.org",
		.lts = "10.1.0.0/16", .rts = "10.2.0.0/16",
	};
}

static struct cfgp mirror(struct cfgp m)
{
	struct cfgp s = m;

	s.local = m.remote;
	s.remote = m.local;
	s.lid = m.rid;
	s.rid = m.lid;
	s.lts = m.rts;
	s.rts = m.lts;
	s.remote_addrs = NULL;
	return s;
}

static bool deliver_one(struct node *n)
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

static bool fire_due(struct node *n)
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

static uint64_t next_due(const struct node *n)
{
	return n->a.timers ? n->a.timers->due_ms : UINT64_MAX;
}

/* Runs both agents until quiet, letting the clock go up to ms ahead. */
static void pump(uint64_t ms)
{
	uint64_t deadline = fake_now + ms;

	for (unsigned int i = 0; i < 200000; i++) {
		bool f = fire_due(&moon);
		bool d;
		uint64_t nx;

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

static unsigned int n_sas(const struct node *n, int dir)
{
	unsigned int k = 0;

	for (unsigned int i = 0; i < SAMAX; i++)
		if (n->sa[i].used && (!dir || n->sa[i].dir == dir))
			k++;
	return k;
}

static unsigned int n_ike(const struct node *n, const char *state)
{
	unsigned int k = 0;

	for (const struct ike_sa *s = n->a.sas; s; s = s->next)
		if (!state || !strcmp(ike_sa_state_name(s), state))
			k++;
	return k;
}

static struct ike_sa *first_sa(struct node *n)
{
	assert_non_null(n->a.sas);
	return n->a.sas;
}

static uint32_t pol_spi(const struct node *n, uint32_t reqid)
{
	for (unsigned int i = 0; i < POLMAX; i++)
		if (n->pol[i].used && n->pol[i].reqid == reqid)
			return n->pol[i].spi;
	return 0;
}

static bool ts_eq(const struct ike_ts *a, uint8_t na, const struct ike_ts *b,
		  uint8_t nb)
{
	return na == nb && !memcmp(a, b, na * sizeof(*a));
}

/* Every SA x sends with is one y receives with: same SPI, same keys and
 * algorithms, mirrored selectors, same mode and encapsulation. */
static void assert_mirror(struct node *x, struct node *y)
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
static void assert_pairs(unsigned int n)
{
	assert_int_equal(n_sas(&moon, 1), n);
	assert_int_equal(n_sas(&moon, 2), n);
	assert_int_equal(n_sas(&sun, 1), n);
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
static void assert_ike_up(void)
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

static void establish(void)
{
	char err[128] = "";

	assert_int_equal(ike_sa_initiate(&moon.a, "c", NULL, err, sizeof(err)), 0);
	pump(5000);
}

/* A DPD exchange from n completes: the SA works. */
static void assert_alive(struct node *n)
{
	struct ike_sa *sa = first_sa(n);
	uint64_t rx = n->peer->a.counters[IKE_AC_RX];

	assert_int_equal(ike_sa_task_add(sa, IKE_TASK_DPD, 0, 0), 0);
	pump(1000);
	assert_true(n->peer->a.counters[IKE_AC_RX] > rx);
	assert_false(sa->req.active);
	assert_int_equal(sa->state, IKE_SA_ESTABLISHED);
}

static int cleanup(void **state)
{
	(void)state;
	ike_sa_shutdown(&moon.a);
	ike_sa_shutdown(&sun.a);
	return 0;
}

/* ================================================================ tests */

struct suite {
	const char *ike, *esp, *ah, *mode;
	uint16_t dh;
	const char *encr, *child_alg;
	bool v6;
};

static void test_establish_matrix(void **state)
{
	static const struct suite t[] = {
		{ "aes128gcm16-prfsha256-modp2048", "aes128gcm16", NULL, "tunnel",
		  IKE_DH_MODP2048, "aes128gcm16", "aes128gcm16" },
		{ "aes256gcm16-prfsha384-ecp256", "aes128-sha256", NULL, "transport",
		  IKE_DH_ECP256, "aes256gcm16", "aes128-sha256" },
		{ "chacha20poly1305-prfsha512-x25519", "chacha20poly1305", NULL,
		  "tunnel", IKE_DH_CURVE25519, "chacha20poly1305", "chacha20poly1305" },
		{ "aes128-sha256-x25519", NULL, "sha256", "tunnel",
		  IKE_DH_CURVE25519, "aes128", "sha256" },
		{ "aes256-sha384-ecp256", NULL, "sha256", "transport",
		  IKE_DH_ECP256, "aes256", "sha256" },
		{ "aes256-sha512-modp2048", "aes256-sha256", NULL, "tunnel",
		  IKE_DH_MODP2048, "aes256", "aes256-sha256" },
		{ "aes128gcm16-prfsha256-x25519", "aes256gcm16", NULL, "tunnel",
		  IKE_DH_CURVE25519, "aes128gcm16", "aes256gcm16", true },
		{ "aes128gcm16-prfsha256-ecp256", "chacha20poly1305", NULL,
		  "transport", IKE_DH_ECP256, "aes128gcm16", "chacha20poly1305", true },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct cfgp m = base_moon(), s;
		struct ike_sa *ms, *ss;
		struct ike_child *mc, *sc;

		m.ike = t[i].ike;
		m.esp = t[i].esp;
		m.ah = t[i].ah;
		m.mode = t[i].mode;
		if (t[i].v6) {
			m.local = "2001:db8::1";
			m.remote = "2001:db8::2";
			m.lts = "fd00:1::/64";
			m.rts = "fd00:2::/64";
		}
		s = mirror(m);
		setup_pair(&m, &s);
		establish();
		assert_ike_up();
		assert_pairs(1);
		ms = first_sa(&moon);
		ss = first_sa(&sun);
		assert_int_equal(ms->dh_group, t[i].dh);
		assert_int_equal(ss->dh_group, t[i].dh);
		assert_string_equal(ms->encr->name, t[i].encr);
		mc = ms->children;
		sc = ss->children;
		assert_non_null(mc);
		assert_non_null(sc);
		assert_int_equal(mc->inst.protocol, t[i].ah ? IKE_PROTO_AH : IKE_PROTO_ESP);
		assert_int_equal(mc->inst.transport, !strcmp(t[i].mode, "transport"));
		assert_int_equal(mc->inst.spi_in, sc->inst.spi_out);
		assert_int_equal(mc->inst.spi_out, sc->inst.spi_in);
		assert_int_equal(mc->inst.encap, false);
		{
			char alg[48];

			if (mc->encr && mc->integ)
				snprintf(alg, sizeof(alg), "%s-%s", mc->encr->name,
					 mc->integ->name);
			else
				snprintf(alg, sizeof(alg), "%s", mc->encr ?
					 mc->encr->name : mc->integ->name);
			assert_string_equal(alg, t[i].child_alg);
		}
		/* the installed selectors are the configured ones */
		assert_int_equal(mc->inst.n_local_ts, 1);
		assert_int_equal(mc->inst.local_ts[0].family,
				 t[i].v6 ? AF_INET6 : AF_INET);
		assert_int_equal(sun.a.half_open, 0);
		assert_int_equal(moon.a.counters[IKE_AC_DROP_MALFORMED] +
				 sun.a.counters[IKE_AC_DROP_MALFORMED], 0);
		assert_int_equal(moon.a.counters[IKE_AC_DROP_BAD_ICV] +
				 sun.a.counters[IKE_AC_DROP_BAD_ICV], 0);
		assert_alive(&moon);
		assert_alive(&sun);
	}
}

static int count_info(struct ike_sa_info const *info, void *arg)
{
	struct ike_sa_info *out = arg;

	*out = *info;
	return 0;
}

static void test_listing_and_second_child(void **state)
{
	struct cfgp m = base_moon(), s;
	struct ike_sa_info info;

	(void)state;
	m.child2_lts = "10.3.0.0/16";
	s = mirror(m);
	s.child2_lts = NULL;
	{
		/* sun has web too, with its side's selectors */
		s.child2_lts = "10.2.0.0/16";
	}
	setup_pair(&m, &s);
	/* sun's "web" has local 10.2/16 remote 10.1/16: moon proposes
	 * local 10.3/16 → nothing in common for web, but the net child of
	 * sun is tried first and does not match 10.3 either */
	establish();
	assert_ike_up();
	/* net came up in IKE_AUTH; web's CREATE_CHILD_SA was refused with
	 * TS_UNACCEPTABLE */
	assert_pairs(1);
	memset(&info, 0, sizeof(info));
	assert_int_equal(ike_sa_foreach(&moon.a, count_info, &info), 0);
	assert_string_equal(info.conn, "c");
	assert_string_equal(info.state, "established");
	assert_true(info.initiator);
	assert_int_equal(info.n_children, 1);
	assert_string_equal(info.children[0].name, "net");
	assert_string_equal(info.children[0].proto, "esp");
	assert_string_equal(info.encr, "aes128gcm16");
	assert_string_equal(info.dh, "curve25519");

	/* now with a matching second child on both sides */
	m = base_moon();
	m.child2_lts = "10.3.0.0/16";
	s = mirror(m);
	s.lts = "10.2.0.0/16";
	s.child2_lts = "10.2.0.0/16";
	s.rts = "10.0.0.0/8";          /* web: remote 10/8 covers 10.3/16 */
	setup_pair(&m, &s);
	establish();
	assert_ike_up();
	assert_pairs(2);
	assert_int_equal(ike_sa_foreach(&sun.a, count_info, &info), 0);
	assert_int_equal(info.n_children, 2);
	assert_false(info.initiator);
}

static void test_narrowing(void **state)
{
	struct cfgp m = base_moon(), s = mirror(m);
	struct ike_child *mc;

	(void)state;
	/* sun allows less than moon proposes: §2.9 narrowing */
	s.rts = "10.1.2.0/24";
	s.lts = "10.2.0.0/16[tcp/443]";
	setup_pair(&m, &s);
	establish();
	assert_ike_up();
	assert_pairs(1);
	mc = first_sa(&moon)->children;
	assert_int_equal(mc->inst.n_local_ts, 1);
	assert_int_equal(mc->inst.local_ts[0].start[2], 2);
	assert_int_equal(mc->inst.local_ts[0].end[2], 2);
	assert_int_equal(mc->inst.local_ts[0].end[3], 255);
	assert_int_equal(mc->inst.remote_ts[0].proto, 6);
	assert_int_equal(mc->inst.remote_ts[0].port_lo, 443);
	assert_int_equal(mc->inst.remote_ts[0].port_hi, 443);

	/* nothing in common: TS_UNACCEPTABLE, the IKE SA stays */
	s.rts = "10.9.0.0/16";
	setup_pair(&m, &s);
	establish();
	assert_ike_up();
	assert_int_equal(n_sas(&moon, 0), 0);
	assert_int_equal(n_sas(&sun, 0), 0);
	assert_alive(&moon);
}

static void test_no_proposal(void **state)
{
	struct cfgp m = base_moon(), s = mirror(m);

	(void)state;
	/* Child SA proposals differ: IKE SA up, no Child SA */
	m.esp = "aes128gcm16";
	s.esp = "chacha20poly1305";
	setup_pair(&m, &s);
	establish();
	assert_ike_up();
	assert_int_equal(n_sas(&moon, 0) + n_sas(&sun, 0), 0);
	assert_int_equal(sun.a.counters[IKE_AC_NO_PROPOSAL], 1);
	assert_int_equal(moon.a.counters[IKE_AC_NO_PROPOSAL], 1);

	/* IKE proposals differ: nothing at all */
	m = base_moon();
	s = mirror(m);
	m.ike = "aes128gcm16-prfsha256-x25519";
	s.ike = "aes256-sha256-modp2048";
	setup_pair(&m, &s);
	establish();
	assert_int_equal(n_ike(&moon, NULL) + n_ike(&sun, NULL), 0);
	assert_int_equal(sun.a.counters[IKE_AC_NO_PROPOSAL], 1);
	assert_int_equal(moon.a.counters[IKE_AC_NO_PROPOSAL], 1);

	/* the responder's configured order wins (§2.7) */
	m = base_moon();
	s = mirror(m);
	m.ike = "aes128gcm16-prfsha256-x25519, aes256gcm16-prfsha256-x25519";
	s.ike = "aes256gcm16-prfsha256-x25519, aes128gcm16-prfsha256-x25519";
	m.esp = "aes128gcm16, chacha20poly1305";
	s.esp = "chacha20poly1305, aes128gcm16";
	setup_pair(&m, &s);
	establish();
	assert_ike_up();
	assert_string_equal(first_sa(&moon)->encr->name, "aes256gcm16");
	assert_string_equal(first_sa(&moon)->children->encr->name, "chacha20poly1305");
	assert_pairs(1);
}

static void test_wrong_psk(void **state)
{
	struct cfgp m = base_moon(), s = mirror(m);

	(void)state;
	s.psk = "0xffeeddccbbaa99887766554433221100";
	setup_pair(&m, &s);
	establish();
	/* §2.21.2: the responder answers AUTHENTICATION_FAILED and drops
	 * its half-open SA; the initiator gives up */
	assert_int_equal(sun.a.counters[IKE_AC_AUTH_FAILED], 1);
	assert_int_equal(moon.a.counters[IKE_AC_AUTH_FAILED], 1);
	assert_int_equal(n_ike(&moon, NULL), 0);
	assert_int_equal(n_ike(&sun, NULL), 0);
	assert_int_equal(moon.n_in + moon.n_out + sun.n_in + sun.n_out, 0);
	assert_int_equal(sun.a.half_open, 0);

	/* a wrong identity is refused the same way */
	m = base_moon();
	s = mirror(m);
	s.rid = "mars.example.org";
	setup_pair(&m, &s);
	establish();
	assert_int_equal(sun.a.counters[IKE_AC_AUTH_FAILED], 1);
	assert_int_equal(n_ike(&moon, NULL) + n_ike(&sun, NULL), 0);
	assert_int_equal(moon.n_in + sun.n_in, 0);
}

static void test_invalid_ke(void **state)
{
	struct cfgp m = base_moon(), s = mirror(m);

	(void)state;
	/* moon's KE is x25519 (first); sun only takes modp2048 */
	m.ike = "aes128gcm16-prfsha256-x25519-modp2048";
	s.ike = "aes128gcm16-prfsha256-modp2048";
	setup_pair(&m, &s);
	establish();
	assert_ike_up();
	assert_int_equal(first_sa(&moon)->dh_group, IKE_DH_MODP2048);
	assert_pairs(1);
	assert_int_equal(first_sa(&moon)->init_retries, 0 + 1);
}

/* An IKE_SA_INIT request from nowhere, as a flood would send. */
static size_t craft_init(uint64_t spi, bool critical, uint8_t *buf, size_t cap)
{
	const struct ike_conf_conn *conn = &moon.cfg.conns[0];
	struct ike_hdr h = { .spi_i = spi, .major = 2, .exch = IKE_EXCH_IKE_SA_INIT,
			     .flags = IKE_FLAG_INITIATOR };
	struct ike_sa_pld pl;
	struct ike_enc e;
	struct ike_dh *dh;
	uint8_t pub[256], nonce[32];
	size_t publen;
	uint16_t group = ike_prop_first_dh(conn->proposals, conn->n_proposals);
	int rc;

	assert_int_equal(ike_prop_build(&pl, conn->proposals, conn->n_proposals,
					NULL, 0, false, 0), 0);
	dh = ike_dh_new(group);
	assert_non_null(dh);
	assert_int_equal(ike_dh_public(dh, pub, sizeof(pub), &publen), 0);
	ike_dh_free(dh);
	ike_random(nonce, sizeof(nonce));
	ike_enc_init(&e, buf, cap, &h);
	ike_enc_sa(&e, &pl);
	ike_enc_ke(&e, group, pub, publen);
	ike_enc_nonce(&e, nonce, sizeof(nonce));
	if (critical)
		ike_enc_raw(&e, 200, true, "x", 1);
	rc = ike_enc_finish(&e);
	assert_true(rc > 0);
	return (size_t)rc;
}

static struct ike_path moon_to_sun(void)
{
	struct ike_path p;

	memset(&p, 0, sizeof(p));
	ike_addr_from_conf(&sun.cfg.conns[0].local_addr, 500, &p.local);
	ike_addr_from_conf(&moon.cfg.conns[0].local_addr, 500, &p.remote);
	return p;
}

static void test_cookie(void **state)
{
	struct cfgp m = base_moon(), s = mirror(m);
	struct ike_path p;
	uint8_t buf[2048];

	(void)state;
	setup_pair(&m, &s);
	p = moon_to_sun();
	/* IKE_HALF_OPEN_COOKIE half-open SAs at sun */
	for (unsigned int i = 0; i < IKE_HALF_OPEN_COOKIE; i++) {
		size_t len = craft_init(0x1000 + i, false, buf, sizeof(buf));

		ike_sa_input(&sun.a, &p, buf, len);
	}
	assert_int_equal(sun.a.half_open, IKE_HALF_OPEN_COOKIE);
	assert_int_equal(sun.a.counters[IKE_AC_COOKIE_SENT], 0);
	/* now a COOKIE is demanded (§2.6) and moon retries with it */
	establish();
	assert_int_equal(sun.a.counters[IKE_AC_COOKIE_SENT], 1);
	assert_int_equal(n_ike(&moon, "established"), 1);
	assert_int_equal(n_ike(&sun, "established"), 1);
	assert_pairs(1);
	/* a flooder without cookies gets nothing but cookies */
	{
		size_t len = craft_init(0x9999, false, buf, sizeof(buf));
		unsigned int before = n_ike(&sun, NULL);

		ike_sa_input(&sun.a, &p, buf, len);
		assert_int_equal(n_ike(&sun, NULL), before);
		assert_int_equal(sun.a.counters[IKE_AC_COOKIE_SENT], 2);
	}
	/* the half-open ones time out */
	pump(IKE_HALF_OPEN_TIMEOUT_MS + 1000);
	assert_int_equal(sun.a.half_open, 0);
	assert_int_equal(n_ike(&sun, NULL), 1);
	assert_pairs(1);
}

static void test_half_open_limit(void **state)
{
	struct cfgp m = base_moon(), s = mirror(m);
	struct ike_path p;
	uint8_t buf[2048];

	(void)state;
	s.remote_addrs = "%any";
	setup_pair(&m, &s);
	p = moon_to_sun();
	/* one peer address may not hold more than IKE_SA_PER_PEER_MAX */
	sun.a.half_open = 0;
	for (unsigned int i = 0; i < IKE_SA_PER_PEER_MAX + 5; i++) {
		size_t len = craft_init(0x2000 + i, false, buf, sizeof(buf));

		ike_sa_input(&sun.a, &p, buf, len);
	}
	assert_true(n_ike(&sun, NULL) <= IKE_SA_PER_PEER_MAX);
	assert_true(sun.a.counters[IKE_AC_DROP_HALF_OPEN] +
		    sun.a.counters[IKE_AC_COOKIE_SENT] >= 5);
}

static void test_fake_nat(void **state)
{
	struct cfgp m = base_moon(), s = mirror(m);
	struct ike_sa *ms, *ss;

	(void)state;
	setup_pair(&m, &s);
	moon.a.fake_nat = true;
	establish();
	assert_ike_up();
	assert_pairs(1);
	ms = first_sa(&moon);
	ss = first_sa(&sun);
	/* §2.23: moon fakes a NAT, both see one, IKE is on 4500 */
	assert_true(ms->nat_local);
	assert_true(ss->nat_remote);
	assert_true(ms->path.natt);
	assert_int_equal(ike_addr_port(&ms->path.remote), IKE_NATT_PORT);
	assert_int_equal(ike_addr_port(&ms->path.local), IKE_NATT_PORT);
	assert_true(ss->path.natt);
	assert_int_equal(ike_addr_port(&ss->path.remote), IKE_NATT_PORT);
	/* RFC 3948: UDP-encapsulated ESP with the 4500 ports */
	for (unsigned int i = 0; i < SAMAX; i++) {
		if (!moon.sa[i].used)
			continue;
		assert_true(moon.sa[i].c.encap);
		assert_int_equal(ike_addr_port(&moon.sa[i].c.path.remote), IKE_NATT_PORT);
	}
	for (unsigned int i = 0; i < SAMAX; i++)
		if (sun.sa[i].used)
			assert_true(sun.sa[i].c.encap);
	/* moon, "behind the NAT", keeps the mapping open */
	assert_int_equal(moon.keepalives, 0);
	pump(IKE_KEEPALIVE_MS + 100);
	assert_true(moon.keepalives >= 1);
	assert_int_equal(sun.keepalives, 0);
	assert_alive(&moon);
	assert_alive(&sun);
	assert_true(sun.last_path.natt);

	/* the same when the responder fakes it (libipsec as responder) */
	setup_pair(&m, &s);
	sun.a.fake_nat = true;
	establish();
	assert_ike_up();
	assert_pairs(1);
	assert_true(first_sa(&moon)->nat_remote);
	assert_true(first_sa(&moon)->path.natt);
	assert_true(moon.sa[0].used ? moon.sa[0].c.encap : moon.sa[1].c.encap);
}

static void test_retransmit_cached(void **state)
{
	struct cfgp m = base_moon(), s = mirror(m);

	(void)state;
	setup_pair(&m, &s);
	/* the IKE_AUTH response is lost once: moon retransmits, sun
	 * answers from its cache (§2.1) without doing the work again */
	sun.drop_auth_resp = 1;
	establish();
	assert_ike_up();
	assert_pairs(1);
	assert_int_equal(moon.a.counters[IKE_AC_RETRANSMIT], 1);
	assert_int_equal(sun.a.counters[IKE_AC_ANSWERED_CACHED], 1);
	assert_int_equal(sun.n_in, 1);
	assert_int_equal(sun.n_out, 1);

	/* a replayed IKE_SA_INIT request: the cached response again */
	setup_pair(&m, &s);
	{
		char err[64];

		assert_int_equal(ike_sa_initiate(&moon.a, "c", NULL, err, sizeof(err)), 0);
		assert_int_equal(sun.qn, 1);
		/* duplicate the request in sun's inbox */
		sun.q[1].path = sun.q[0].path;
		sun.q[1].len = sun.q[0].len;
		sun.q[1].buf = malloc(sun.q[0].len);
		memcpy(sun.q[1].buf, sun.q[0].buf, sun.q[0].len);
		sun.qn = 2;
		pump(5000);
	}
	assert_int_equal(sun.a.counters[IKE_AC_ANSWERED_CACHED], 1);
	assert_ike_up();
	assert_pairs(1);
	/* moon got two IKE_SA_INIT responses: the second finds no SA in
	 * that state */
	assert_int_equal(moon.a.counters[IKE_AC_DROP_NO_SA], 1);
}

static uint32_t child_spi_in(struct node *n)
{
	return first_sa(n)->children->inst.spi_in;
}

static void test_child_rekey(void **state)
{
	struct cfgp m = base_moon(), s;
	struct ike_child *mc;
	uint32_t old_m, old_s, reqid_m;

	(void)state;
	m.child_rekey = 100;
	m.esp = "aes128gcm16-x25519";   /* PFS on rekey */
	s = mirror(m);
	s.child_rekey = 0;
	setup_pair(&m, &s);
	establish();
	assert_pairs(1);
	old_m = child_spi_in(&moon);
	old_s = child_spi_in(&sun);
	reqid_m = first_sa(&moon)->children->inst.reqid;
	pump(101 * 1000);
	assert_ike_up();
	assert_pairs(1);
	mc = first_sa(&moon)->children;
	assert_null(mc->next);
	assert_true(mc->inst.spi_in != old_m);
	assert_true(child_spi_in(&sun) != old_s);
	assert_int_equal(mc->inst.reqid, reqid_m);
	assert_int_equal(mc->pfs, IKE_DH_CURVE25519);
	/* make before break: 2 inbound installs, the outbound switched once
	 * from the old SPI (the fake checks old_spi_out) */
	assert_int_equal(moon.n_in, 2);
	assert_int_equal(moon.n_out, 2);
	assert_int_equal(sun.n_in, 2);
	assert_int_equal(sun.n_out, 2);
	assert_int_equal(pol_spi(&moon, reqid_m), mc->inst.spi_out);
	assert_int_equal(rec_find(&moon, 2, mc->inst.spi_out) != NULL, 1);
	assert_null(rec_find(&moon, 1, old_m));
	assert_null(rec_find(&sun, 1, old_s));
	/* sun, the rekey's responder, moved its outbound side to the new
	 * SA before answering the DELETE of the old one */
	assert_int_equal(sun.pol_at_info_resp, first_sa(&sun)->children->inst.spi_out);

	/* and again from the responder's side, without PFS, by hand */
	assert_int_equal(ike_sa_task_add(first_sa(&sun), IKE_TASK_CHILD_REKEY, 0,
					 child_spi_in(&sun)), 0);
	pump(1000);
	assert_pairs(1);
	assert_int_equal(sun.n_in, 3);
	assert_alive(&moon);

	/* soft volume limit from the datapath: a rekey */
	ike_sa_child_expired(&moon.a, child_spi_in(&moon), false);
	pump(1000);
	assert_pairs(1);
	assert_int_equal(moon.n_in, 4);
	/* hard: the Child SA goes */
	ike_sa_child_expired(&moon.a, child_spi_in(&moon), true);
	pump(1000);
	assert_int_equal(n_sas(&moon, 0) + n_sas(&sun, 0), 0);
	assert_ike_up();
}

static void test_child_rekey_simultaneous(void **state)
{
	(void)state;
	for (unsigned int round = 0; round < 6; round++) {
		struct cfgp m = base_moon(), s;

		m.child_rekey = 100;
		if (round & 1)
			m.esp = "aes128gcm16-ecp256";
		s = mirror(m);
		setup_pair(&m, &s);
		establish();
		assert_pairs(1);
		/* both timers fire at the same moment (rand_time 0) */
		pump(100 * 1000 + 10);
		assert_ike_up();
		/* §2.8.1: exactly one new pair survives, the redundant
		 * one and the old one are gone on both sides */
		assert_pairs(1);
		assert_int_equal(first_sa(&moon)->nchildren, 1);
		assert_int_equal(first_sa(&sun)->nchildren, 1);
		assert_int_equal(moon.n_in, 3);
		assert_int_equal(sun.n_in, 3);
		assert_int_equal(first_sa(&moon)->children->state, IKE_CHILD_INSTALLED);
		assert_alive(&moon);
		/* the survivor rekeys fine afterwards */
		assert_int_equal(ike_sa_task_add(first_sa(&moon), IKE_TASK_CHILD_REKEY,
						 0, child_spi_in(&moon)), 0);
		pump(1000);
		assert_pairs(1);
	}
}

static void test_ike_rekey(void **state)
{
	struct cfgp m = base_moon(), s;
	uint64_t spi_i, spi_r;
	uint32_t cm, cs;

	(void)state;
	m.ike_rekey = 100;
	s = mirror(m);
	s.ike_rekey = 0;
	setup_pair(&m, &s);
	establish();
	assert_ike_up();
	spi_i = first_sa(&moon)->spi_i;
	spi_r = first_sa(&moon)->spi_r;
	cm = child_spi_in(&moon);
	cs = child_spi_in(&sun);
	pump(101 * 1000);
	/* §2.18: a new IKE SA, the Child SAs moved, the old one deleted */
	assert_ike_up();
	assert_true(first_sa(&moon)->spi_i != spi_i);
	assert_true(first_sa(&moon)->spi_r != spi_r);
	assert_int_equal(child_spi_in(&moon), cm);
	assert_int_equal(child_spi_in(&sun), cs);
	assert_pairs(1);
	assert_int_equal(moon.n_in, 1);
	assert_true(first_sa(&moon)->initiator);
	/* the new IKE SA's keys work for Child SAs and liveness */
	assert_int_equal(ike_sa_task_add(first_sa(&sun), IKE_TASK_CHILD_REKEY, 0,
					 child_spi_in(&sun)), 0);
	pump(1000);
	assert_pairs(1);
	assert_alive(&sun);

	/* the responder may rekey it too (it becomes the initiator) */
	assert_int_equal(ike_sa_task_add(first_sa(&sun), IKE_TASK_IKE_REKEY, 0, 0), 0);
	pump(1000);
	assert_ike_up();
	assert_true(first_sa(&sun)->initiator);
	assert_pairs(1);
	assert_alive(&moon);
}

static void test_ike_rekey_simultaneous(void **state)
{
	(void)state;
	for (unsigned int round = 0; round < 6; round++) {
		struct cfgp m = base_moon(), s;

		m.ike_rekey = 100;
		if (round & 1)
			m.ike = "aes256-sha256-modp2048";
		s = mirror(m);
		setup_pair(&m, &s);
		unsigned int tm, ts;
		uint64_t spi;

		establish();
		assert_ike_up();
		tm = moon.tx;
		ts = sun.tx;
		spi = first_sa(&moon)->spi_i;
		pump(100 * 1000 + 10);
		/* §2.8.2: one new IKE SA survives on both sides, with the
		 * Child SAs */
		assert_ike_up();
		assert_true(first_sa(&moon)->spi_i != spi);
		/* both rekeyed (request + answer each), one DELETE each */
		assert_true(moon.tx - tm >= 3);
		assert_true(sun.tx - ts >= 3);
		assert_pairs(1);
		assert_int_equal(first_sa(&moon)->nchildren, 1);
		assert_int_equal(first_sa(&sun)->nchildren, 1);
		assert_alive(&moon);
		assert_alive(&sun);
		assert_int_equal(ike_sa_task_add(first_sa(&moon), IKE_TASK_CHILD_REKEY,
						 0, child_spi_in(&moon)), 0);
		pump(1000);
		assert_pairs(1);
	}
}

static void test_delete(void **state)
{
	struct cfgp m = base_moon(), s = mirror(m);
	char err[64];

	(void)state;
	setup_pair(&m, &s);
	establish();
	assert_pairs(1);
	/* the responder deletes the Child SA (§1.4.1) */
	assert_int_equal(ike_sa_task_add(first_sa(&sun), IKE_TASK_CHILD_DELETE, 0,
					 child_spi_in(&sun)), 0);
	pump(1000);
	assert_int_equal(n_sas(&moon, 0) + n_sas(&sun, 0), 0);
	assert_int_equal(pol_spi(&moon, 1) + pol_spi(&sun, 1), 0);
	assert_ike_up();
	/* and moon creates it again on the same IKE SA */
	assert_int_equal(ike_sa_initiate(&moon.a, "c", "net", err, sizeof(err)), 0);
	pump(1000);
	assert_pairs(1);
	/* INVALID_SPI from moon for what sun sends with (§1.5): sun
	 * deletes that Child SA */
	{
		static struct ike_out o;
		struct ike_sa *ms = first_sa(&moon);
		struct ike_path p = moon_to_sun();
		uint8_t spi[4];

		ike_put32(spi, child_spi_in(&moon));
		assert_int_equal(ike_out_begin(ms, &o, IKE_EXCH_INFORMATIONAL, false,
					       ms->msgid_next), 0);
		assert_int_equal(ike_enc_notify(&o.e, IKE_PROTO_ESP, NULL, 0,
						IKE_N_INVALID_SPI, spi, 4), 0);
		assert_int_equal(ike_out_seal(ms, &o), 0);
		ms->msgid_next++;
		ike_sa_input(&sun.a, &p, o.buf, o.len);
		pump(1000);
		assert_int_equal(n_sas(&moon, 0) + n_sas(&sun, 0), 0);
		assert_ike_up();
	}
	assert_int_equal(ike_sa_initiate(&moon.a, "c", "net", err, sizeof(err)), 0);
	pump(1000);
	assert_pairs(1);
	/* terminate: DELETE of the IKE SA, everything gone both sides */
	assert_int_equal(ike_sa_terminate(&moon.a, "c", err, sizeof(err)), 0);
	pump(1000);
	assert_int_equal(n_ike(&moon, NULL) + n_ike(&sun, NULL), 0);
	assert_int_equal(n_sas(&moon, 0) + n_sas(&sun, 0), 0);
	assert_int_equal(moon.uninst_missing + sun.uninst_missing, 0);
	for (unsigned int i = 0; i < POLMAX; i++)
		assert_false(moon.pol[i].used || sun.pol[i].used);
	assert_int_equal(ike_sa_terminate(&moon.a, "c", err, sizeof(err)), -ENOENT);
	assert_int_equal(ike_sa_initiate(&moon.a, "nope", NULL, err, sizeof(err)),
			 -ENOENT);
}

static void test_dpd_timeout(void **state)
{
	struct cfgp m = base_moon(), s;

	(void)state;
	m.dpd = 10;
	s = mirror(m);
	s.dpd = 0;
	setup_pair(&m, &s);
	establish();
	assert_pairs(1);
	/* a quiet but live peer answers the DPD */
	pump(11 * 1000);
	assert_ike_up();
	assert_true(sun.a.counters[IKE_AC_RX] >= 3);
	/* sun stops answering: DPD, 4 retransmissions, then the SAs go */
	sun.dead = true;
	pump(10 * 1000 + 16 * 1000);
	assert_int_equal(n_ike(&moon, NULL), 0);
	assert_int_equal(n_sas(&moon, 0), 0);
	assert_int_equal(moon.a.counters[IKE_AC_RETRANSMIT], IKE_RTX_TRIES - 1);
	assert_int_equal(moon.uninst_missing, 0);
}

static void test_start_action(void **state)
{
	struct cfgp m = base_moon(), s = mirror(m);

	(void)state;
	setup_pair(&m, &s);
	/* nothing has start_action: nothing happens */
	ike_sa_config_changed(&moon.a);
	pump(1000);
	assert_int_equal(n_ike(&moon, NULL), 0);
	moon.cfg.conns[0].children[0].start_action = IKE_CONF_START_START;
	ike_sa_config_changed(&moon.a);
	pump(5000);
	assert_ike_up();
	assert_pairs(1);
	/* again: already up, nothing new */
	ike_sa_config_changed(&moon.a);
	pump(1000);
	assert_ike_up();
	assert_pairs(1);
}

/* Builds a message as moon's SA would (encrypted, msgid given). */
static size_t forge(struct ike_sa *sa, uint32_t msgid, bool critical,
		    uint8_t *out)
{
	static struct ike_out o;

	assert_int_equal(ike_out_begin(sa, &o, IKE_EXCH_INFORMATIONAL, false, msgid), 0);
	if (critical)
		assert_int_equal(ike_enc_raw(&o.e, 200, true, "zz", 2), 0);
	assert_int_equal(ike_out_seal(sa, &o), 0);
	memcpy(out, o.buf, o.len);
	return o.len;
}

static void test_bad_input(void **state)
{
	struct cfgp m = base_moon(), s = mirror(m);
	struct ike_path p;
	static uint8_t buf[IKE_MSG_MAX];
	static struct ike_msg msg;
	struct ike_sa *ms;
	size_t len;
	uint64_t c;

	(void)state;
	setup_pair(&m, &s);
	establish();
	assert_pairs(1);
	p = moon_to_sun();
	ms = first_sa(&moon);

	/* truncated: shorter than the header, and shorter than its Length */
	c = sun.a.counters[IKE_AC_DROP_MALFORMED];
	len = forge(ms, ms->msgid_next, false, buf);
	ike_sa_input(&sun.a, &p, buf, 20);
	ike_sa_input(&sun.a, &p, buf, len - 7);
	assert_int_equal(sun.a.counters[IKE_AC_DROP_MALFORMED], c + 2);

	/* lying payload length (§3.2) in an IKE_SA_INIT request */
	len = craft_init(0x4444, false, buf, sizeof(buf));
	ike_put16(buf + IKE_HDR_LEN + 2, 0xfff0);
	ike_sa_input(&sun.a, &p, buf, len);
	assert_int_equal(sun.a.counters[IKE_AC_DROP_MALFORMED], c + 3);

	/* unknown critical payload in an IKE_SA_INIT request (§2.5):
	 * answered with UNSUPPORTED_CRITICAL_PAYLOAD, no state */
	len = craft_init(0x5555, true, buf, sizeof(buf));
	ike_sa_input(&sun.a, &p, buf, len);
	assert_int_equal(sun.a.counters[IKE_AC_DROP_MALFORMED], c + 4);
	assert_int_equal(moon.qn, 1);
	{
		const struct dgram *d = &moon.q[moon.qh];
		const struct ike_pld *n;

		assert_int_equal(ike_msg_decode(&msg, d->buf, d->len), 0);
		n = ike_msg_notify(&msg, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD);
		assert_non_null(n);
		assert_int_equal(n->v.n.len, 1);
		assert_int_equal(n->v.n.data[0], 200);
	}
	pump(0);
	assert_int_equal(n_ike(&sun, NULL), 1);

	/* bad ICV: dropped before anything is believed */
	len = forge(ms, ms->msgid_next, false, buf);
	buf[len - 1] ^= 1;
	ike_sa_input(&sun.a, &p, buf, len);
	assert_int_equal(sun.a.counters[IKE_AC_DROP_BAD_ICV], 1);

	/* an SPI nobody has */
	len = forge(ms, ms->msgid_next, false, buf);
	buf[8] ^= 0x55;
	ike_sa_input(&sun.a, &p, buf, len);
	assert_int_equal(sun.a.counters[IKE_AC_DROP_NO_SA], 1);

	/* a Message ID out of the window (§2.2) */
	len = forge(ms, ms->msgid_next + 5, false, buf);
	ike_sa_input(&sun.a, &p, buf, len);
	assert_int_equal(sun.a.counters[IKE_AC_DROP_MSGID], 1);

	/* an exchange type we do not speak */
	len = forge(ms, ms->msgid_next, false, buf);
	buf[IKE_HDR_OFF_EXCH] = 99;
	ike_sa_input(&sun.a, &p, buf, len);
	assert_int_equal(sun.a.counters[IKE_AC_DROP_MALFORMED], c + 5);

	/* authenticated, with an unknown critical payload inside: answered
	 * with UNSUPPORTED_CRITICAL_PAYLOAD (§2.5), the SA lives on */
	len = forge(ms, ms->msgid_next, true, buf);
	ms->msgid_next++;       /* the peer consumes this ID */
	ike_sa_input(&sun.a, &p, buf, len);
	assert_int_equal(sun.a.counters[IKE_AC_DROP_MALFORMED], c + 6);
	pump(0);
	/* moon had no request out: its answer is dropped */
	assert_int_equal(moon.a.counters[IKE_AC_DROP_MSGID], 1);

	/* an IKE_SA_INIT response no one asked for */
	c = moon.a.counters[IKE_AC_DROP_NO_SA];
	len = craft_init(0x6666, false, buf, sizeof(buf));
	buf[IKE_HDR_OFF_FLAGS] = IKE_FLAG_RESPONSE;
	ike_sa_input(&moon.a, &p, buf, len);
	assert_int_equal(moon.a.counters[IKE_AC_DROP_NO_SA], c + 1);

	/* none of it harmed the SA */
	assert_ike_up();
	assert_pairs(1);
	assert_alive(&moon);
	assert_alive(&sun);
	assert_int_equal(ike_sa_task_add(first_sa(&moon), IKE_TASK_CHILD_REKEY, 0,
					 child_spi_in(&moon)), 0);
	pump(1000);
	assert_pairs(1);
}

static void test_random_garbage(void **state)
{
	struct cfgp m = base_moon(), s = mirror(m);
	struct ike_path p;
	static uint8_t buf[4096];
	struct ike_sa *ms;

	(void)state;
	setup_pair(&m, &s);
	establish();
	p = moon_to_sun();
	ms = first_sa(&moon);
	/* flipped bits in genuine messages: counted, never fatal */
	for (unsigned int i = 0; i < 400; i++) {
		size_t len;
		uint32_t r;

		if (i % 2)
			len = craft_init(0x7000 + i, i % 3 == 0, buf, sizeof(buf));
		else
			len = forge(ms, ms->msgid_next, false, buf);
		ike_random(&r, sizeof(r));
		buf[r % len] ^= (uint8_t)(1u << (r >> 29));
		ike_sa_input(&sun.a, &p, buf, len);
		pump(0);
	}
	assert_true(sun.a.counters[IKE_AC_DROP_MALFORMED] +
		    sun.a.counters[IKE_AC_DROP_BAD_ICV] +
		    sun.a.counters[IKE_AC_DROP_NO_SA] > 0);
	pump(IKE_HALF_OPEN_TIMEOUT_MS + 1000);
	assert_int_equal(sun.a.half_open, 0);
	assert_int_equal(n_ike(&moon, "established"), 1);
	assert_pairs(1);
	assert_alive(&moon);
}


static void test_identities(void **state)
{
	static const struct {
		const char *mid, *sid, *sun_rid;
		uint8_t type;
	} t[] = {
		{ "moon@example.org", "192.0.2.2", "moon@example.org", IKE_ID_RFC822_ADDR },
		{ "@#0a0b0c0d", "sun.example.org", "@#0a0b0c0d", IKE_ID_KEY_ID },
		{ "192.0.2.1", "@#77", "%any", IKE_ID_IPV4_ADDR },
		{ "MOON.example.org", "sun.example.org", "moon.EXAMPLE.org", IKE_ID_FQDN },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct cfgp m = base_moon(), s;

		m.lid = t[i].mid;
		m.rid = t[i].sid;
		s = mirror(m);
		s.rid = t[i].sun_rid;
		s.psk_ids[0] = t[i].sid;
		s.psk_ids[1] = t[i].mid;
		setup_pair(&m, &s);
		establish();
		assert_ike_up();
		assert_pairs(1);
		assert_int_equal(first_sa(&sun)->peer_id.type, t[i].type);
		assert_int_equal(sun.a.counters[IKE_AC_AUTH_FAILED], 0);
	}
}

static void test_signature_hash_notify(void **state)
{
	struct cfgp m = base_moon(), s = mirror(m);
	static struct ike_msg msg;
	const struct ike_pld *n;

	(void)state;
	setup_pair(&m, &s);
	establish();
	assert_ike_up();
	/* RFC 7427 §4 in both IKE_SA_INIT messages */
	assert_int_equal(ike_msg_decode(&msg, moon.cap[0].buf, moon.cap[0].len), 0);
	n = ike_msg_notify(&msg, IKE_N_SIGNATURE_HASH_ALGORITHMS);
	assert_non_null(n);
	assert_int_equal(n->v.n.len % 2, 0);
	assert_non_null(ike_msg_notify(&msg, IKE_N_NAT_DETECTION_SOURCE_IP));
	assert_non_null(ike_msg_notify(&msg, IKE_N_NAT_DETECTION_DESTINATION_IP));
	assert_int_equal(ike_msg_decode(&msg, sun.cap[0].buf, sun.cap[0].len), 0);
	assert_non_null(ike_msg_notify(&msg, IKE_N_SIGNATURE_HASH_ALGORITHMS));
	/* IKE_AUTH of a first contact carries INITIAL_CONTACT: encrypted,
	 * so only its size tells here; the responder handled it (nothing
	 * to delete) */
	assert_true(moon.cap[1].len > IKE_HDR_LEN);
}

static void test_pfs_invalid_ke(void **state)
{
	struct cfgp m = base_moon(), s;

	(void)state;
	m.esp = "aes128gcm16-x25519-ecp256";
	s = mirror(m);
	s.esp = "aes128gcm16-ecp256";
	setup_pair(&m, &s);
	establish();
	assert_pairs(1);
	assert_int_equal(first_sa(&moon)->children->pfs, IKE_DH_CURVE25519);
	/* the rekey's KE is x25519; sun wants ecp256 (§1.3 INVALID_KE) */
	assert_int_equal(ike_sa_task_add(first_sa(&moon), IKE_TASK_CHILD_REKEY, 0,
					 child_spi_in(&moon)), 0);
	pump(1000);
	assert_pairs(1);
	assert_int_equal(moon.n_in, 2);
	assert_int_equal(first_sa(&moon)->children->pfs, IKE_DH_ECP256);
	assert_int_equal(first_sa(&sun)->children->pfs, IKE_DH_ECP256);
}

static void test_keyingtries(void **state)
{
	struct cfgp m = base_moon(), s;
	unsigned int tx;

	(void)state;
	m.keyingtries = 2;
	s = mirror(m);
	setup_pair(&m, &s);
	sun.dead = true;
	establish();
	/* 5 IKE_SA_INIT sends, give up, wait, 5 more, give up for good */
	pump(60 * 1000);
	assert_int_equal(moon.tx, 2 * IKE_RTX_TRIES);
	assert_int_equal(n_ike(&moon, NULL), 0);
	tx = moon.tx;
	pump(60 * 1000);
	assert_int_equal(moon.tx, tx);

	/* a peer that comes back in time is reached by the second try */
	setup_pair(&m, &s);
	sun.dead = true;
	establish();
	pump(16 * 1000);
	sun.dead = false;
	pump(10 * 1000);
	assert_ike_up();
	assert_pairs(1);
}

static void test_dpd_restart(void **state)
{
	struct cfgp m = base_moon(), s;

	(void)state;
	m.dpd = 10;
	m.dpd_action = "restart";
	s = mirror(m);
	s.dpd = 0;
	setup_pair(&m, &s);
	establish();
	assert_pairs(1);
	sun.dead = true;
	pump(10 * 1000 + 15 * 1000);
	/* moon gave up on the old IKE SA and started a new one */
	assert_int_equal(n_ike(&moon, "established"), 0);
	assert_int_equal(n_ike(&moon, "connecting"), 1);
	assert_int_equal(n_sas(&moon, 0), 0);
	sun.dead = false;
	pump(20 * 1000);
	/* INITIAL_CONTACT (§2.4) made sun drop its stale IKE SA */
	assert_ike_up();
	assert_pairs(1);
	assert_int_equal(sun.n_in, 2);
}

static void test_real_nat(void **state)
{
	struct cfgp m = base_moon(), s;
	struct ike_sa *ss;
	struct ike_child *sc;

	(void)state;
	/* moon sits behind a NAPT: 10.0.0.1 becomes 203.0.113.5 */
	m.local = "10.0.0.1";
	m.lts = "dynamic";
	m.rts = "dynamic";
	s = mirror(m);
	s.remote_addrs = "%any";
	setup_pair(&m, &s);
	moon.natted = true;
	{
		struct ike_conf_addr pub = { .family = AF_INET };

		inet_pton(AF_INET, "203.0.113.5", &pub.u.v4);
		ike_addr_from_conf(&pub, 0, &moon.nat_pub);
		ike_addr_from_conf(&moon.cfg.conns[0].local_addr, 0, &moon.nat_priv);
	}
	establish();
	assert_ike_up();
	assert_pairs(1);
	ss = first_sa(&sun);
	assert_true(first_sa(&moon)->nat_local);
	assert_false(first_sa(&moon)->nat_remote);
	assert_true(ss->nat_remote);
	assert_false(ss->nat_local);
	/* sun talks to the NAT's 4500 mapping */
	assert_int_equal(ike_addr_port(&ss->path.remote), 4500 + 40000);
	sc = ss->children;
	assert_true(sc->inst.encap);
	assert_int_equal(ike_addr_port(&sc->inst.path.remote), 44500);
	/* dynamic behind the NAT: moon's own address (§2.23 policy) */
	assert_int_equal(sc->inst.remote_ts[0].start[0], 10);
	assert_int_equal(sc->inst.remote_ts[0].start[3], 1);
	assert_true(moon.keepalives == 0);
	pump(IKE_KEEPALIVE_MS + 10);
	assert_true(moon.keepalives >= 1);
	assert_alive(&sun);
	assert_alive(&moon);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_establish_matrix, cleanup),
		cmocka_unit_test_teardown(test_listing_and_second_child, cleanup),
		cmocka_unit_test_teardown(test_narrowing, cleanup),
		cmocka_unit_test_teardown(test_no_proposal, cleanup),
		cmocka_unit_test_teardown(test_wrong_psk, cleanup),
		cmocka_unit_test_teardown(test_invalid_ke, cleanup),
		cmocka_unit_test_teardown(test_cookie, cleanup),
		cmocka_unit_test_teardown(test_half_open_limit, cleanup),
		cmocka_unit_test_teardown(test_fake_nat, cleanup),
		cmocka_unit_test_teardown(test_retransmit_cached, cleanup),
		cmocka_unit_test_teardown(test_child_rekey, cleanup),
		cmocka_unit_test_teardown(test_child_rekey_simultaneous, cleanup),
		cmocka_unit_test_teardown(test_ike_rekey, cleanup),
		cmocka_unit_test_teardown(test_ike_rekey_simultaneous, cleanup),
		cmocka_unit_test_teardown(test_delete, cleanup),
		cmocka_unit_test_teardown(test_dpd_timeout, cleanup),
		cmocka_unit_test_teardown(test_start_action, cleanup),
		cmocka_unit_test_teardown(test_identities, cleanup),
		cmocka_unit_test_teardown(test_signature_hash_notify, cleanup),
		cmocka_unit_test_teardown(test_pfs_invalid_ke, cleanup),
		cmocka_unit_test_teardown(test_keyingtries, cleanup),
		cmocka_unit_test_teardown(test_dpd_restart, cleanup),
		cmocka_unit_test_teardown(test_real_nat, cleanup),
		cmocka_unit_test_teardown(test_bad_input, cleanup),
		cmocka_unit_test_teardown(test_random_garbage, cleanup),
	};

	ike_sa_log_level = getenv("IKE_SA_DEBUG") ? atoi(getenv("IKE_SA_DEBUG")) : 0;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
