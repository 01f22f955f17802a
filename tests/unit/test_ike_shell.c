// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IKE agent's shell (ike/shell.h) against a fake state machine: the
 * ike_sa_* entries of agent.h are defined here and record their calls.
 *
 * - traffic selector ranges to prefixes, as a table (RFC 7296 §3.13.1
 *   ranges; IPv4, IPv6, worst cases, errors), and selector pairs to
 *   policies (protocols, ports, ICMP type/code, OPAQUE);
 * - the exact `sa add` / `policy add` words for sample Child SAs, and that
 *   wiping leaves nothing of the keys;
 * - the install sequence against a fake daemon: first install, rekey by
 *   `policy update`, uninstall, rollbacks when the daemon refuses;
 * - volume-limit reports from `-j sa list`, once per level;
 * - timer order, cancel, re-arming from a callback;
 * - the non-ESP marker (RFC 3948 §2.2) as a table and through real UDP
 *   sockets on loopback, including the reply source address;
 * - control commands, and a reload that refuses a bad file and changes
 *   nothing.
 *
 * Must not link the real state machine: see the Makefile rule.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/crypto.h>

#include "jsoncheck.h"
#include "outbuf.h"
#include "shell.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------ fake state machine */

#define REC_MAX 16

static struct {
	int inputs;
	struct ike_path path[REC_MAX];
	uint8_t msg[REC_MAX][64];
	size_t len[REC_MAX];
	int expired;
	uint32_t expired_spi[REC_MAX];
	bool expired_hard[REC_MAX];
	int config_changed;
	int shutdowns;
	char initiated[64];
	char terminated[64];
	char acquired[160];
} sm;

void ike_sa_input(struct ike_agent *a, const struct ike_path *path,
		  const uint8_t *msg, size_t len)
{
	(void)a;
	assert_true(sm.inputs < REC_MAX);
	sm.path[sm.inputs] = *path;
	memcpy(sm.msg[sm.inputs], msg, len < 64 ? len : 64);
	sm.len[sm.inputs] = len;
	sm.inputs++;
}

int ike_sa_initiate(struct ike_agent *a, const char *conn, const char *child,
		    char *err, size_t errlen)
{
	(void)a;
	if (strcmp(conn, "site")) {
		snprintf(err, errlen, "no connection '%s'", conn);
		return -ENOENT;
	}
	snprintf(sm.initiated, sizeof(sm.initiated), "%s/%s", conn, child ? child : "*");
	return 0;
}

int ike_sa_terminate(struct ike_agent *a, const char *conn, char *err, size_t errlen)
{
	(void)a;
	(void)err;
	(void)errlen;
	snprintf(sm.terminated, sizeof(sm.terminated), "%s", conn);
	return 0;
}

void ike_sa_child_expired(struct ike_agent *a, uint32_t spi_in, bool hard)
{
	(void)a;
	assert_true(sm.expired < REC_MAX);
	sm.expired_spi[sm.expired] = spi_in;
	sm.expired_hard[sm.expired] = hard;
	sm.expired++;
}

int ike_agent_acquire(struct ike_agent *a, const char *conn, const char *child)
{
	(void)a;
	snprintf(sm.acquired, sizeof(sm.acquired), "%s/%s", conn, child);
	return 0;
}

int ike_agent_dp_restarted(struct ike_agent *a)
{
	(void)a;
	return 0;
}

void ike_sa_config_changed(struct ike_agent *a)
{
	(void)a;
	sm.config_changed++;
}

void ike_sa_shutdown(struct ike_agent *a)
{
	(void)a;
	sm.shutdowns++;
}

static void ts4(struct ike_ts *t, const char *s, const char *e, uint8_t proto,
		uint16_t lo, uint16_t hi)
{
	memset(t, 0, sizeof(*t));
	t->family = AF_INET;
	t->proto = proto;
	t->port_lo = lo;
	t->port_hi = hi;
	assert_int_equal(inet_pton(AF_INET, s, t->start), 1);
	assert_int_equal(inet_pton(AF_INET, e, t->end), 1);
}

static void ts6(struct ike_ts *t, const char *s, const char *e, uint8_t proto,
		uint16_t lo, uint16_t hi)
{
	memset(t, 0, sizeof(*t));
	t->family = AF_INET6;
	t->proto = proto;
	t->port_lo = lo;
	t->port_hi = hi;
	assert_int_equal(inet_pton(AF_INET6, s, t->start), 1);
	assert_int_equal(inet_pton(AF_INET6, e, t->end), 1);
}

int ike_sa_foreach(struct ike_agent *a, int (*fn)(const struct ike_sa_info *, void *),
		   void *arg)
{
	struct ike_sa_info *s = calloc(1, sizeof(*s));
	struct sockaddr_in *l = (struct sockaddr_in *)&s->local;
	struct sockaddr_in *r = (struct sockaddr_in *)&s->remote;
	int ret;

	(void)a;
	assert_non_null(s);
	strcpy(s->conn, "site");
	strcpy(s->state, "established");
	s->initiator = true;
	s->spi_i = 0x0123456789abcdefull;
	s->spi_r = 0xfedcba9876543210ull;
	l->sin_family = AF_INET;
	l->sin_port = htons(500);
	inet_pton(AF_INET, "192.0.2.1", &l->sin_addr);
	r->sin_family = AF_INET;
	r->sin_port = htons(4500);
	inet_pton(AF_INET, "192.0.2.2", &r->sin_addr);
	s->nat_remote = true;
	strcpy(s->encr, "aes128gcm16");
	strcpy(s->prf, "prfsha256");
	strcpy(s->dh, "x25519");
	s->established_s = 42;
	s->n_children = 1;
	strcpy(s->children[0].name, "net");
	strcpy(s->children[0].proto, "esp");
	s->children[0].encap = true;
	s->children[0].spi_in = 0xc0000001;
	s->children[0].spi_out = 0xc0000002;
	strcpy(s->children[0].alg, "aes128gcm16");
	s->children[0].n_local_ts = 1;
	ts4(&s->children[0].local_ts[0], "10.1.0.0", "10.1.0.255", 0, 0, 65535);
	s->children[0].n_remote_ts = 2;
	ts4(&s->children[0].remote_ts[0], "10.0.0.1", "10.0.0.6", 6, 80, 80);
	ts4(&s->children[0].remote_ts[1], "10.2.0.0", "10.2.255.255", 1, 0x0800, 0x08ff);
	ret = fn(s, arg);
	free(s);
	return ret;
}

/* ------------------------------------------------ ranges to prefixes */

struct prefix_row {
	int family;
	const char *start, *end;
	const char *want;       /* comma-separated prefixes */
};

static const struct prefix_row prefix_rows[] = {
	{ AF_INET, "10.0.0.0", "10.0.0.255", "10.0.0.0/24" },
	{ AF_INET, "10.0.0.1", "10.0.0.6",
	  "10.0.0.1/32,10.0.0.2/31,10.0.0.4/31,10.0.0.6/32" },
	{ AF_INET, "10.0.0.5", "10.0.0.5", "10.0.0.5/32" },
	{ AF_INET, "0.0.0.0", "255.255.255.255", "0.0.0.0/0" },
	{ AF_INET, "0.0.0.0", "0.0.0.0", "0.0.0.0/32" },
	{ AF_INET, "255.255.255.255", "255.255.255.255", "255.255.255.255/32" },
	{ AF_INET, "255.255.255.0", "255.255.255.255", "255.255.255.0/24" },
	{ AF_INET, "10.0.0.0", "10.0.1.0", "10.0.0.0/24,10.0.1.0/32" },
	{ AF_INET, "10.0.0.255", "10.0.1.0", "10.0.0.255/32,10.0.1.0/32" },
	{ AF_INET, "128.0.0.0", "255.255.255.255", "128.0.0.0/1" },
	{ AF_INET, "192.168.0.0", "192.168.255.254",
	  "192.168.0.0/17,192.168.128.0/18,192.168.192.0/19,192.168.224.0/20,"
	  "192.168.240.0/21,192.168.248.0/22,192.168.252.0/23,192.168.254.0/24,"
	  "192.168.255.0/25,192.168.255.128/26,192.168.255.192/27,192.168.255.224/28,"
	  "192.168.255.240/29,192.168.255.248/30,192.168.255.252/31,192.168.255.254/32" },
	{ AF_INET6, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::/0" },
	{ AF_INET6, "2001:db8::", "2001:db8::ffff:ffff:ffff:ffff", "2001:db8::/64" },
	{ AF_INET6, "2001:db8::1", "2001:db8::1", "2001:db8::1/128" },
	{ AF_INET6, "2001:db8::1", "2001:db8::6",
	  "2001:db8::1/128,2001:db8::2/127,2001:db8::4/127,2001:db8::6/128" },
	{ AF_INET6, "2001:db8::ffff", "2001:db8::1:0", "2001:db8::ffff/128,2001:db8::1:0/128" },
	{ AF_INET6, "8000::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "8000::/1" },
	{ AF_INET6, "fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe80::/10" },
};

static void test_ts_prefixes_table(void **state)
{
	struct ike_prefix p[IKE_TS_PREFIXES_MAX];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(prefix_rows); i++) {
		const struct prefix_row *r = &prefix_rows[i];
		char got[1024] = "", buf[64];
		struct ike_ts ts;
		size_t n;

		if (r->family == AF_INET)
			ts4(&ts, r->start, r->end, 0, 0, 65535);
		else
			ts6(&ts, r->start, r->end, 0, 0, 65535);
		assert_int_equal(ike_ts_prefixes(&ts, p, ARRAY_SIZE(p), &n), 0);
		for (size_t k = 0; k < n; k++) {
			if (k)
				strcat(got, ",");
			strcat(got, ike_prefix_str(&p[k], buf));
		}
		if (strcmp(got, r->want))
			fail_msg("row %zu %s-%s: got %s want %s", i, r->start, r->end, got,
				 r->want);
	}
}

static void test_ts_prefixes_worst_and_errors(void **state)
{
	struct ike_prefix p[IKE_TS_PREFIXES_MAX];
	struct ike_ts ts;
	char buf[64];
	size_t n;

	(void)state;
	/* ::1 .. ffff..fffe: 127 growing blocks, then 127 shrinking ones. */
	ts6(&ts, "::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 0, 0, 65535);
	assert_int_equal(ike_ts_prefixes(&ts, p, ARRAY_SIZE(p), &n), 0);
	assert_int_equal(n, IKE_TS_PREFIXES_MAX);
	assert_string_equal(ike_prefix_str(&p[0], buf), "::1/128");
	assert_string_equal(ike_prefix_str(&p[1], buf), "::2/127");
	assert_string_equal(ike_prefix_str(&p[126], buf), "4000::/2");
	assert_string_equal(ike_prefix_str(&p[127], buf), "8000::/2");
	assert_string_equal(ike_prefix_str(&p[253], buf),
			    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/128");
	/* One short: refused, not cut. */
	assert_int_equal(ike_ts_prefixes(&ts, p, IKE_TS_PREFIXES_MAX - 1, &n), -ENOSPC);
	/* IPv4 worst case: 2 * 32 - 2. */
	ts4(&ts, "0.0.0.1", "255.255.255.254", 0, 0, 65535);
	assert_int_equal(ike_ts_prefixes(&ts, p, ARRAY_SIZE(p), &n), 0);
	assert_int_equal(n, 62);
	/* start > end, and no family. */
	ts4(&ts, "10.0.0.2", "10.0.0.1", 0, 0, 65535);
	assert_int_equal(ike_ts_prefixes(&ts, p, ARRAY_SIZE(p), &n), -EINVAL);
	ts.family = 0;
	assert_int_equal(ike_ts_prefixes(&ts, p, ARRAY_SIZE(p), &n), -EINVAL);
}

/* ------------------------------------------------------------ words */

static const char key20[] = "0x0102030405060708090a0b0c0d0e0f1011121314";
static const char key20b[] = "0xa1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4";

static void sa_path4(struct ike_path *p, const char *l, uint16_t lport, const char *r,
		     uint16_t rport)
{
	struct sockaddr_in *ls = (struct sockaddr_in *)&p->local;
	struct sockaddr_in *rs = (struct sockaddr_in *)&p->remote;

	memset(p, 0, sizeof(*p));
	ls->sin_family = rs->sin_family = AF_INET;
	ls->sin_port = htons(lport);
	rs->sin_port = htons(rport);
	assert_int_equal(inet_pton(AF_INET, l, &ls->sin_addr), 1);
	assert_int_equal(inet_pton(AF_INET, r, &rs->sin_addr), 1);
}

static void sa_path6(struct ike_path *p, const char *l, const char *r)
{
	struct sockaddr_in6 *ls = (struct sockaddr_in6 *)&p->local;
	struct sockaddr_in6 *rs = (struct sockaddr_in6 *)&p->remote;

	memset(p, 0, sizeof(*p));
	ls->sin6_family = rs->sin6_family = AF_INET6;
	ls->sin6_port = rs->sin6_port = htons(500);
	assert_int_equal(inet_pton(AF_INET6, l, &ls->sin6_addr), 1);
	assert_int_equal(inet_pton(AF_INET6, r, &rs->sin6_addr), 1);
}

/* A tunnel between 192.0.2.1 and 192.0.2.2 for 10.1.0.0/24 <-> 10.2.0.0/24. */
static void child_gcm(struct ike_child_install *c)
{
	memset(c, 0, sizeof(*c));
	c->conn = "site";
	c->child = "net";
	c->reqid = 7;
	c->protocol = IKE_PROTO_ESP;
	sa_path4(&c->path, "192.0.2.1", 500, "192.0.2.2", 500);
	c->spi_in = 0xc0000001;
	c->spi_out = 0xc0000002;
	snprintf(c->alg_in, sizeof(c->alg_in), "aead rfc4106(gcm(aes)) %s 128", key20);
	snprintf(c->alg_out, sizeof(c->alg_out), "aead rfc4106(gcm(aes)) %s 128", key20b);
	c->n_local_ts = 1;
	ts4(&c->local_ts[0], "10.1.0.0", "10.1.0.255", 0, 0, 65535);
	c->n_remote_ts = 1;
	ts4(&c->remote_ts[0], "10.2.0.0", "10.2.0.255", 0, 0, 65535);
}

static void join(const struct ike_words *w, char *out, size_t len)
{
	out[0] = '\0';
	for (int i = 0; i < w->argc; i++) {
		if (i)
			strncat(out, " ", len - strlen(out) - 1);
		strncat(out, w->argv[i][0] ? w->argv[i] : "\"\"", len - strlen(out) - 1);
	}
}

static bool all_zero(const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

static void check_sa_words(const struct ike_child_install *c, int dir, const char *want)
{
	struct ike_words w;
	char got[2048];

	memset(&w, 0x5a, sizeof(w));
	assert_int_equal(ike_install_sa_words(c, dir, &w), 0);
	assert_null(w.argv[w.argc]);
	join(&w, got, sizeof(got));
	assert_string_equal(got, want);
	/* The words held keys: nothing of them may stay. */
	ike_words_wipe(&w);
	assert_true(all_zero(&w, sizeof(w)));
	OPENSSL_cleanse(got, sizeof(got));
}

static void test_sa_words(void **state)
{
	struct ike_child_install c;
	struct ike_words w;
	char want[1024];

	(void)state;
	child_gcm(&c);
	snprintf(want, sizeof(want), "sa add src 192.0.2.2 dst 192.0.2.1 proto esp "
		 "spi 0xc0000001 mode tunnel reqid 7 dir in aead rfc4106(gcm(aes)) %s 128",
		 key20);
	check_sa_words(&c, IKE_INSTALL_IN, want);
	snprintf(want, sizeof(want), "sa add src 192.0.2.1 dst 192.0.2.2 proto esp "
		 "spi 0xc0000002 mode tunnel reqid 7 dir out aead rfc4106(gcm(aes)) %s 128",
		 key20b);
	check_sa_words(&c, IKE_INSTALL_OUT, want);

	/* Behind a NAT (their port 4501), transport, ESN, volume limits;
	 * the encap ports are those of each SA's own packets. */
	child_gcm(&c);
	sa_path4(&c.path, "192.0.2.1", 4500, "198.51.100.7", 4501);
	c.path.natt = true;
	c.encap = true;
	c.transport = true;
	c.esn = true;
	c.soft_bytes = 1000;
	c.hard_bytes = 2000;
	c.hard_packets = 50;
	snprintf(want, sizeof(want), "sa add src 192.0.2.1 dst 198.51.100.7 proto esp "
		 "spi 0xc0000002 mode transport reqid 7 dir out aead rfc4106(gcm(aes)) %s 128 "
		 "encap espinudp 4500 4501 0.0.0.0 flag esn limit byte-soft 1000 "
		 "byte-hard 2000 packet-hard 50", key20b);
	check_sa_words(&c, IKE_INSTALL_OUT, want);
	snprintf(want, sizeof(want), "sa add src 198.51.100.7 dst 192.0.2.1 proto esp "
		 "spi 0xc0000001 mode transport reqid 7 dir in aead rfc4106(gcm(aes)) %s 128 "
		 "encap espinudp 4501 4500 0.0.0.0 flag esn limit byte-soft 1000 "
		 "byte-hard 2000 packet-hard 50", key20);
	check_sa_words(&c, IKE_INSTALL_IN, want);

	/* AH over IPv6. */
	child_gcm(&c);
	c.protocol = IKE_PROTO_AH;
	c.reqid = 9;
	sa_path6(&c.path, "2001:db8::1", "2001:db8::2");
	snprintf(c.alg_in, sizeof(c.alg_in), "auth-trunc hmac(sha256) 0x%064x 128", 0);
	check_sa_words(&c, IKE_INSTALL_IN,
		       "sa add src 2001:db8::2 dst 2001:db8::1 proto ah spi 0xc0000001 "
		       "mode tunnel reqid 9 dir in auth-trunc hmac(sha256) "
		       "0x0000000000000000000000000000000000000000000000000000000000000000 128");
	/* AH cannot be UDP-encapsulated (RFC 3948 is ESP only). */
	c.encap = true;
	assert_int_equal(ike_install_sa_words(&c, IKE_INSTALL_IN, &w), -EINVAL);

	/* CBC + HMAC, and the NULL cipher's empty key word. */
	child_gcm(&c);
	snprintf(c.alg_out, sizeof(c.alg_out), "enc cbc(aes) 0x%032x auth-trunc "
		 "hmac(sha256) 0x%064x 128", 1, 2);
	snprintf(c.alg_in, sizeof(c.alg_in), "enc cipher_null \"\" auth-trunc "
		 "hmac(sha256) 0x%064x 128", 3);
	snprintf(want, sizeof(want), "sa add src 192.0.2.1 dst 192.0.2.2 proto esp "
		 "spi 0xc0000002 mode tunnel reqid 7 dir out enc cbc(aes) 0x%032x "
		 "auth-trunc hmac(sha256) 0x%064x 128", 1, 2);
	check_sa_words(&c, IKE_INSTALL_OUT, want);
	assert_int_equal(ike_install_sa_words(&c, IKE_INSTALL_IN, &w), 0);
	assert_string_equal(w.argv[16], "enc");
	assert_string_equal(w.argv[17], "cipher_null");
	assert_string_equal(w.argv[18], "");
	assert_string_equal(w.argv[19], "auth-trunc");
	ike_words_wipe(&w);

	/* Mixed outer families and a missing key are refused. */
	child_gcm(&c);
	sa_path6(&c.path, "2001:db8::1", "2001:db8::2");
	((struct sockaddr_in *)&c.path.local)->sin_family = AF_INET;
	assert_int_equal(ike_install_sa_words(&c, IKE_INSTALL_OUT, &w), -EINVAL);
	child_gcm(&c);
	c.alg_out[0] = '\0';
	assert_int_equal(ike_install_sa_words(&c, IKE_INSTALL_OUT, &w), -EINVAL);
	assert_int_equal(ike_install_sa_words(&c, 3, &w), -EINVAL);
	/* Too many words: refused whole, and wiped. */
	ike_words_init(&w);
	for (int i = 0; i < IKE_WORDS_MAX + 1; i++)
		ike_words_add(&w, "x");
	assert_true(w.full);
	assert_int_equal(w.argc, IKE_WORDS_MAX);
}

struct policy_row {
	const char *what;
	struct ike_ts l, r;
	const char *want;       /* NULL: no policy */
};

static void test_policy_words(void **state)
{
	struct policy_row rows[12];
	struct ike_policy_sel sel[8];
	struct ike_child_install c;
	size_t n = 0;

	(void)state;
	memset(rows, 0, sizeof(rows));
	rows[n].what = "any protocol";
	ts4(&rows[n].l, "10.1.0.0", "10.1.0.255", 0, 0, 65535);
	ts4(&rows[n].r, "10.2.0.0", "10.2.0.255", 0, 0, 65535);
	rows[n++].want = "policy add src 10.1.0.0/24 dst 10.2.0.0/24 dir out spi 0xc0000002";
	rows[n].what = "tcp to port 80";
	ts4(&rows[n].l, "10.1.0.5", "10.1.0.5", 6, 0, 65535);
	ts4(&rows[n].r, "10.2.0.0", "10.2.0.255", 6, 80, 80);
	rows[n++].want = "policy add src 10.1.0.5/32 dst 10.2.0.0/24 proto tcp dport 80 "
			 "dir out spi 0xc0000002";
	rows[n].what = "udp ranges, protocol from one side";
	ts4(&rows[n].l, "10.1.0.5", "10.1.0.5", 17, 500, 500);
	ts4(&rows[n].r, "10.2.0.9", "10.2.0.9", 0, 1000, 2000);
	rows[n++].want = "policy add src 10.1.0.5/32 dst 10.2.0.9/32 proto udp sport 500 "
			 "dport 1000-2000 dir out spi 0xc0000002";
	rows[n].what = "icmp echo request (type 8, any code)";
	ts4(&rows[n].l, "10.1.0.0", "10.1.0.255", 1, 0, 65535);
	ts4(&rows[n].r, "10.2.0.0", "10.2.0.255", 1, 0x0800, 0x08ff);
	rows[n++].want = "policy add src 10.1.0.0/24 dst 10.2.0.0/24 proto icmp sport 8 "
			 "dir out spi 0xc0000002";
	rows[n].what = "icmp unreachable codes 0-3";
	ts4(&rows[n].l, "10.1.0.0", "10.1.0.255", 1, 0x0300, 0x0303);
	ts4(&rows[n].r, "10.2.0.0", "10.2.0.255", 1, 0, 65535);
	rows[n++].want = "policy add src 10.1.0.0/24 dst 10.2.0.0/24 proto icmp sport 3 "
			 "dport 0-3 dir out spi 0xc0000002";
	rows[n].what = "icmp types 0-11";
	ts4(&rows[n].l, "10.1.0.0", "10.1.0.255", 1, 0x0000, 0x0bff);
	ts4(&rows[n].r, "10.2.0.0", "10.2.0.255", 1, 0, 65535);
	rows[n++].want = "policy add src 10.1.0.0/24 dst 10.2.0.0/24 proto icmp sport 0-11 "
			 "dir out spi 0xc0000002";
	rows[n].what = "gre";
	ts4(&rows[n].l, "10.1.0.1", "10.1.0.1", 47, 0, 65535);
	ts4(&rows[n].r, "10.2.0.1", "10.2.0.1", 47, 0, 65535);
	rows[n++].want = "policy add src 10.1.0.1/32 dst 10.2.0.1/32 proto 47 "
			 "dir out spi 0xc0000002";
	rows[n].what = "tcp against udp: nothing matches";
	ts4(&rows[n].l, "10.1.0.0", "10.1.0.255", 6, 0, 65535);
	ts4(&rows[n].r, "10.2.0.0", "10.2.0.255", 17, 0, 65535);
	rows[n++].want = NULL;
	rows[n].what = "OPAQUE ports";
	ts4(&rows[n].l, "10.1.0.0", "10.1.0.255", 17, 65535, 0);
	ts4(&rows[n].r, "10.2.0.0", "10.2.0.255", 17, 0, 65535);
	rows[n++].want = NULL;
	rows[n].what = "icmp ranges that do not meet";
	ts4(&rows[n].l, "10.1.0.0", "10.1.0.255", 1, 0x0000, 0x00ff);
	ts4(&rows[n].r, "10.2.0.0", "10.2.0.255", 1, 0x0800, 0x08ff);
	rows[n++].want = NULL;
	rows[n].what = "families differ";
	ts4(&rows[n].l, "10.1.0.0", "10.1.0.255", 0, 0, 65535);
	ts6(&rows[n].r, "2001:db8::", "2001:db8::ffff", 0, 0, 65535);
	rows[n++].want = NULL;
	rows[n].what = "IPv6 range, icmpv6";
	ts6(&rows[n].l, "2001:db8:1::", "2001:db8:1::ffff:ffff:ffff:ffff", 58, 0, 65535);
	ts6(&rows[n].r, "2001:db8:2::1", "2001:db8:2::1", 58, 0x8000, 0x8000);
	rows[n++].want = "policy add src 2001:db8:1::/64 dst 2001:db8:2::1/128 proto icmpv6 "
			 "sport 128 dport 0 dir out spi 0xc0000002";
	assert_int_equal(n, ARRAY_SIZE(rows));

	for (size_t i = 0; i < n; i++) {
		struct ike_words w;
		char got[512];
		size_t np;
		int ret;

		child_gcm(&c);
		c.local_ts[0] = rows[i].l;
		c.remote_ts[0] = rows[i].r;
		ret = ike_install_policies(&c, sel, ARRAY_SIZE(sel), &np);
		if (!rows[i].want) {
			if (ret != -ENOENT)
				fail_msg("row %zu (%s): %d, %zu policies", i, rows[i].what, ret, np);
			continue;
		}
		if (ret || np != 1)
			fail_msg("row %zu (%s): %d, %zu policies", i, rows[i].what, ret, np);
		assert_int_equal(ike_install_policy_words(&sel[0], c.spi_out, &w), 0);
		join(&w, got, sizeof(got));
		if (strcmp(got, rows[i].want))
			fail_msg("row %zu (%s):\n got  %s\n want %s", i, rows[i].what, got,
				 rows[i].want);
	}
}

static void test_policy_pairs(void **state)
{
	struct ike_policy_sel sel[16];
	struct ike_child_install c;
	char a[64], b[64];
	size_t n;

	(void)state;
	/* 2 local × 2 remote selectors, one range needing 4 prefixes, and
	 * an IPv6 pair that only meets the IPv6 remote selector. */
	child_gcm(&c);
	c.n_local_ts = 2;
	ts4(&c.local_ts[0], "10.0.0.1", "10.0.0.6", 0, 0, 65535);
	ts6(&c.local_ts[1], "2001:db8:1::", "2001:db8:1::ff", 0, 0, 65535);
	c.n_remote_ts = 2;
	ts4(&c.remote_ts[0], "10.2.0.0", "10.2.0.255", 0, 0, 65535);
	ts6(&c.remote_ts[1], "2001:db8:2::", "2001:db8:2::ffff", 0, 0, 65535);
	assert_int_equal(ike_install_policies(&c, sel, ARRAY_SIZE(sel), &n), 0);
	assert_int_equal(n, 5);
	assert_string_equal(ike_prefix_str(&sel[0].src, a), "10.0.0.1/32");
	assert_string_equal(ike_prefix_str(&sel[3].src, a), "10.0.0.6/32");
	assert_string_equal(ike_prefix_str(&sel[3].dst, b), "10.2.0.0/24");
	assert_string_equal(ike_prefix_str(&sel[4].src, a), "2001:db8:1::/120");
	assert_string_equal(ike_prefix_str(&sel[4].dst, b), "2001:db8:2::/112");
	/* More than the caller's room: refused. */
	assert_int_equal(ike_install_policies(&c, sel, 4, &n), -E2BIG);
}

/* ------------------------------------------------ install sequences */

#define CMD_MAX 32

static struct {
	int n;
	char cmd[CMD_MAX][512];
	int fail_at;            /* 1-based command number to refuse; 0 none */
	uint32_t next_id;
	const char *sa_list;    /* reply to `-j sa list` */
} dp;

static void dp_reset(void)
{
	for (int i = 0; i < dp.n; i++)
		OPENSSL_cleanse(dp.cmd[i], sizeof(dp.cmd[i]));
	memset(&dp, 0, sizeof(dp));
	dp.next_id = 1;
}

static int fake_dp(void *arg, const char *instance, int argc, char *const argv[],
		   int *status, char **text)
{
	char out[256] = "";
	char *c;

	(void)arg;
	assert_string_equal(instance, "test");
	assert_true(dp.n < CMD_MAX);
	c = dp.cmd[dp.n++];
	c[0] = '\0';
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(c, " ");
		strncat(c, argv[i], 511 - strlen(c));
	}
	*status = 0;
	if (dp.n == dp.fail_at) {
		*status = -EEXIST;
		/* Quoting a key word must not get it logged or passed on. */
		snprintf(out, sizeof(out), "refused by the test: spi 0xc0000001, "
			 "'0x0102030405060708090a'\n");
	} else if (!strncmp(c, "policy add", 10)) {
		snprintf(out, sizeof(out), "policy %u added\n", dp.next_id++);
	} else if (!strcmp(c, "-j sa list")) {
		*text = strdup(dp.sa_list ? dp.sa_list : "[]");
		return 0;
	}
	*text = strdup(out);
	return 0;
}

static int setup_install(void **state)
{
	(void)state;
	dp_reset();
	memset(&sm, 0, sizeof(sm));
	ike_install_reset();
	ike_install_set_transport(fake_dp, NULL);
	return 0;
}

static int teardown_install(void **state)
{
	(void)state;
	dp_reset();
	ike_install_reset();
	ike_install_set_transport(NULL, NULL);
	return 0;
}

static struct ike_agent *test_agent(void)
{
	static struct ike_agent a;

	memset(&a, 0, sizeof(a));
	ike_net_init(&a);
	snprintf(a.instance, sizeof(a.instance), "test");
	return &a;
}

static void test_install_sequence(void **state)
{
	struct ike_agent *a = test_agent();
	struct ike_child_install c, c2;
	struct ike_install_stats st;
	char want[512];

	(void)state;
	child_gcm(&c);
	c.n_local_ts = 2;
	ts4(&c.local_ts[1], "10.1.1.0", "10.1.1.255", 0, 0, 65535);
	assert_int_equal(ike_install_in(a, &c), 0);
	assert_int_equal(ike_install_out(a, &c, 0), 0);
	assert_int_equal(dp.n, 6);
	assert_true(!strncmp(dp.cmd[0], "sa add src 192.0.2.2 dst 192.0.2.1 proto esp spi "
			     "0xc0000001 mode tunnel reqid 7 dir in aead", 72));
	assert_true(!strncmp(dp.cmd[1], "sa add src 192.0.2.1 dst 192.0.2.2 proto esp spi "
			     "0xc0000002 mode tunnel reqid 7 dir out aead", 73));
	assert_string_equal(dp.cmd[2], "policy add src 10.1.0.0/24 dst 10.2.0.0/24 dir out "
			    "spi 0xc0000002");
	assert_string_equal(dp.cmd[3], "policy add src 10.1.1.0/24 dst 10.2.0.0/24 dir out "
			    "spi 0xc0000002");
	/* The inbound mirrors, as the packets carry the selectors. */
	assert_string_equal(dp.cmd[4], "policy add src 10.2.0.0/24 dst 10.1.0.0/24 dir in "
			    "spi 0xc0000001");
	assert_string_equal(dp.cmd[5], "policy add src 10.2.0.0/24 dst 10.1.1.0/24 dir in "
			    "spi 0xc0000001");
	ike_install_stats_get(&st);
	assert_int_equal(st.sas, 2);
	assert_int_equal(st.policies, 4);
	assert_int_equal(st.commands, 6);

	/* Rekey, make before break: new in, new out, policies re-pointed. */
	c2 = c;
	c2.spi_in = 0xc0000011;
	c2.spi_out = 0xc0000012;
	assert_int_equal(ike_install_in(a, &c2), 0);
	assert_int_equal(ike_install_out(a, &c2, c.spi_out), 0);
	assert_int_equal(dp.n, 10);
	assert_true(strstr(dp.cmd[6], "spi 0xc0000011 mode tunnel reqid 7 dir in "));
	assert_true(strstr(dp.cmd[7], "spi 0xc0000012 mode tunnel reqid 7 dir out "));
	assert_string_equal(dp.cmd[8], "policy update id 1 spi 0xc0000012");
	assert_string_equal(dp.cmd[9], "policy update id 2 spi 0xc0000012");
	/* The old pair goes; the policies stay. */
	assert_int_equal(ike_uninstall(a, &c, c.spi_in, IKE_INSTALL_IN, false), 0);
	assert_int_equal(ike_uninstall(a, &c, c.spi_out, IKE_INSTALL_OUT, false), 0);
	assert_string_equal(dp.cmd[10], "sa del spi 0xc0000001 proto esp dir in");
	assert_string_equal(dp.cmd[11], "sa del spi 0xc0000002 proto esp dir out");
	ike_install_stats_get(&st);
	assert_int_equal(st.sas, 2);
	assert_int_equal(st.policies, 4);

	/* Last removal takes the policies first. */
	assert_int_equal(ike_uninstall(a, &c2, c2.spi_out, IKE_INSTALL_OUT, true), 0);
	assert_string_equal(dp.cmd[12], "policy del id 1");
	assert_string_equal(dp.cmd[13], "policy del id 2");
	assert_string_equal(dp.cmd[14], "policy del id 3");
	assert_string_equal(dp.cmd[15], "policy del id 4");
	assert_string_equal(dp.cmd[16], "sa del spi 0xc0000012 proto esp dir out");
	assert_int_equal(ike_uninstall(a, &c2, c2.spi_in, IKE_INSTALL_IN, false), 0);
	assert_string_equal(dp.cmd[17], "sa del spi 0xc0000011 proto esp dir in");
	ike_install_stats_get(&st);
	assert_int_equal(st.sas, 0);
	assert_int_equal(st.policies, 0);

	/* A fresh install of the same reqid adds policies again. */
	assert_int_equal(ike_install_out(a, &c, 0), 0);
	snprintf(want, sizeof(want), "policy add src 10.1.0.0/24 dst 10.2.0.0/24 dir out "
		 "spi 0xc0000002");
	assert_string_equal(dp.cmd[19], want);
	assert_int_equal(dp.n, 23);
}

static void test_install_rollback(void **state)
{
	struct ike_agent *a = test_agent();
	struct ike_child_install c, c2;
	struct ike_install_stats st;

	(void)state;
	child_gcm(&c);
	c.n_local_ts = 2;
	ts4(&c.local_ts[1], "10.1.1.0", "10.1.1.255", 0, 0, 65535);
	/* The daemon refuses the second policy: the first goes, the SA goes. */
	dp.fail_at = 3;
	assert_int_equal(ike_install_out(a, &c, 0), -EEXIST);
	assert_int_equal(dp.n, 5);
	assert_string_equal(dp.cmd[3], "policy del id 1");
	assert_string_equal(dp.cmd[4], "sa del spi 0xc0000002 proto esp dir out");
	ike_install_stats_get(&st);
	assert_int_equal(st.sas, 0);
	assert_int_equal(st.policies, 0);
	assert_int_equal(st.failures, 1);

	/* Refused SA: nothing else is tried. */
	dp_reset();
	dp.fail_at = 1;
	assert_int_equal(ike_install_in(a, &c), -EEXIST);
	assert_int_equal(dp.n, 1);
	{
		char *argv[] = { "sa", "list", NULL }, err[256];

		dp_reset();
		dp.fail_at = 1;
		assert_int_equal(ike_dp_command("test", 2, argv, NULL, err, sizeof(err)),
				 -EEXIST);
		assert_string_equal(err, "refused by the test: spi 0xc0000001, "
				    "'0x********************'");
	}

	/* A rekey whose second update fails puts the first one back. */
	dp_reset();
	assert_int_equal(ike_install_out(a, &c, 0), 0);
	c2 = c;
	c2.spi_out = 0xc0000022;
	/* sa add, 2 policy adds, 2 inbound policy adds, sa add, update 1, update 2 */
	dp.fail_at = 8;
	assert_int_equal(ike_install_out(a, &c2, c.spi_out), -EEXIST);
	assert_string_equal(dp.cmd[6], "policy update id 1 spi 0xc0000022");
	assert_string_equal(dp.cmd[7], "policy update id 2 spi 0xc0000022");
	assert_string_equal(dp.cmd[8], "policy update id 1 spi 0xc0000002");
	assert_string_equal(dp.cmd[9], "sa del spi 0xc0000022 proto esp dir out");
	assert_int_equal(dp.n, 10);
	/* Still the old SA's: a later rekey updates from there. */
	dp.fail_at = 0;
	assert_int_equal(ike_install_out(a, &c2, c.spi_out), 0);
	assert_string_equal(dp.cmd[12], "policy update id 2 spi 0xc0000022");

	/* Selectors that give no policy: the SA is not left behind. */
	dp_reset();
	ike_install_reset();
	child_gcm(&c);
	ts4(&c.remote_ts[0], "10.2.0.0", "10.2.0.255", 6, 0, 65535);
	ts4(&c.local_ts[0], "10.1.0.0", "10.1.0.255", 17, 0, 65535);
	assert_int_equal(ike_install_out(a, &c, 0), -ENOENT);
	assert_int_equal(dp.n, 2);
	assert_string_equal(dp.cmd[1], "sa del spi 0xc0000002 proto esp dir out");
}

static void test_install_flush(void **state)
{
	struct ike_agent *a = test_agent();
	struct ike_child_install c;
	struct ike_install_stats st;

	(void)state;
	child_gcm(&c);
	ike_install_flush(a);
	assert_int_equal(dp.n, 0);
	assert_int_equal(ike_install_in(a, &c), 0);
	assert_int_equal(ike_install_out(a, &c, 0), 0);
	/* What the state machine left at exit: the SAs go, the policies
	 * stay (dropping) for the next agent (test_ike_failclosed.c). */
	ike_install_flush(a);
	assert_int_equal(dp.n, 6);
	assert_string_equal(dp.cmd[4], "sa del spi 0xc0000001 proto esp dir in");
	assert_string_equal(dp.cmd[5], "sa del spi 0xc0000002 proto esp dir out");
	ike_install_stats_get(&st);
	assert_int_equal(st.sas, 0);
	assert_int_equal(st.policies, 0);
}

static void test_no_daemon(void **state)
{
	struct ike_agent *a = test_agent();
	struct ike_child_install c;

	(void)state;
	/* The real control socket, for an instance nobody runs. */
	ike_install_set_transport(NULL, NULL);
	snprintf(a->instance, sizeof(a->instance), "no-such-instance-%d", (int)getpid() % 1000);
	child_gcm(&c);
	assert_int_equal(ike_install_in(a, &c), -ENOENT);
	ike_install_set_transport(fake_dp, NULL);
}

/* ------------------------------------------------------------ expiry */

static void test_expire(void **state)
{
	struct ike_agent *a = test_agent();
	struct ike_child_install c;

	(void)state;
	child_gcm(&c);
	assert_int_equal(ike_install_in(a, &c), 0);
	assert_int_equal(ike_install_out(a, &c, 0), 0);
	dp.n = 0;
	/* Events of the daemon (dp_events.c); the daemon is never asked. */
	ike_dp_event(a, "sa add spi 0xc0000001 proto esp dir in reqid 7 src 192.0.2.2 "
		     "dst 192.0.2.1");
	assert_int_equal(sm.expired, 0);
	/* Outbound soft: reported under the inbound SPI, once per Child SA. */
	ike_dp_event(a, "sa expire soft bytes spi 0xc0000002 proto esp dir out reqid 7");
	assert_int_equal(sm.expired, 1);
	assert_int_equal(sm.expired_spi[0], 0xc0000001);
	assert_false(sm.expired_hard[0]);
	ike_dp_event(a, "sa expire soft bytes spi 0xc0000002 proto esp dir out reqid 7");
	ike_dp_event(a, "sa expire soft time spi 0xc0000001 proto esp dir in reqid 7");
	assert_int_equal(sm.expired, 1);
	/* Not ours, AH with our SPI, garbage: nothing. */
	ike_dp_event(a, "sa expire hard time spi 0xdeadbeef proto esp dir in reqid 9");
	ike_dp_event(a, "sa expire hard time spi 0xc0000001 proto ah dir in reqid 7");
	ike_dp_event(a, "sa expire hard spi 0xc0000001");
	ike_dp_event(a, "sa expire");
	assert_int_equal(sm.expired, 1);
	/* Hard: one report. */
	ike_dp_event(a, "sa expire hard packets spi 0xc0000001 proto esp dir in reqid 7");
	ike_dp_event(a, "sa expire hard packets spi 0xc0000002 proto esp dir out reqid 7");
	assert_int_equal(sm.expired, 2);
	assert_int_equal(sm.expired_spi[1], 0xc0000001);
	assert_true(sm.expired_hard[1]);
	assert_int_equal(dp.n, 0);
}

/* A new subscription lists the SAs once: lifetimes reached while no
 * stream was there are reported, once. */
static void test_expire_resync(void **state)
{
	struct ike_agent *a = test_agent();
	struct ike_child_install c;

	(void)state;
	child_gcm(&c);
	assert_int_equal(ike_install_in(a, &c), 0);
	assert_int_equal(ike_install_out(a, &c, 0), 0);
	dp.n = 0;
	dp.sa_list = "[{\"spi\":\"0xc0000001\",\"proto\":\"esp\",\"dir\":\"in\","
		     "\"soft_expired\":false,\"hard_expired\":false},"
		     "{\"spi\":\"0xc0000002\",\"proto\":\"esp\",\"dir\":\"out\","
		     "\"soft_expired\":true,\"hard_expired\":false}]";
	ike_dp_event(a, "generation 5");
	assert_string_equal(dp.cmd[0], "-j sa list");
	assert_int_equal(sm.expired, 1);
	assert_int_equal(sm.expired_spi[0], 0xc0000001);
	assert_false(sm.expired_hard[0]);
	ike_dp_event(a, "sa expire soft time spi 0xc0000001 proto esp dir in reqid 7");
	ike_dp_event(a, "generation 5");
	assert_int_equal(sm.expired, 1);
}

static const char trap_conf[] =
	"connections {\n"
	" site {\n"
	"  local_addrs = 192.0.2.1\n"
	"  remote_addrs = 192.0.2.2\n"
	"  local { auth = psk }\n"
	"  remote { auth = psk }\n"
	"  children {\n"
	"   net { local_ts = 10.1.0.0/24\n remote_ts = 10.2.0.0/24\n start_action = trap }\n"
	"   other { local_ts = 10.3.0.0/24\n remote_ts = 10.4.0.0/24\n start_action = start }\n"
	"  }\n"
	" }\n"
	"}\n"
	"secrets { ike { secret = 0x0123456789abcdef0123456789abcdef } }\n";

static void test_acquire_trap(void **state)
{
	struct ike_agent *a = test_agent();
	struct ike_config *saved = a->cfg, cfg;
	struct ike_child_install c;
	const char *conn, *child;
	char err[IKE_CONF_ERR_MAX];
	uint32_t first = dp.next_id;
	char line[96];

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(ike_config_load_buf("trap.conf", trap_conf, sizeof(trap_conf) - 1,
					     NULL, &cfg, err, sizeof(err)), 0);
	a->cfg = &cfg;
	/* The trap child's selectors, both ways, without SA; not the other. */
	ike_install_traps(a, true);
	assert_int_equal(dp.n, 2);
	assert_string_equal(dp.cmd[0], "policy add src 10.1.0.0/24 dst 10.2.0.0/24 dir out "
			    "action trap");
	assert_string_equal(dp.cmd[1], "policy add src 10.2.0.0/24 dst 10.1.0.0/24 dir in "
			    "action trap");
	/* Again, not forced: they are there. */
	ike_install_traps(a, false);
	assert_int_equal(dp.n, 2);
	assert_true(ike_install_trap_owner(a, first, &conn, &child));
	assert_string_equal(conn, "site");
	assert_string_equal(child, "net");
	assert_false(ike_install_trap_owner(a, first + 100, &conn, &child));
	snprintf(line, sizeof(line), "acquire policy %u src 10.1.0.1 dst 10.2.0.1 proto 1 "
		 "sport 8 dport 0", first);
	ike_dp_event(a, line);
	assert_string_equal(sm.acquired, "site/net");

	/* A `start` child's policies, kept after its Child SA went: an
	 * acquire does not bring it back (it was terminated). */
	sm.acquired[0] = '\0';
	child_gcm(&c);
	c.child = "other";
	c.reqid = 8;
	first = dp.next_id;
	assert_int_equal(ike_install_in(a, &c), 0);
	assert_int_equal(ike_install_out(a, &c, 0), 0);
	assert_int_equal(ike_uninstall(a, &c, c.spi_out, IKE_INSTALL_OUT, true), 0);
	assert_false(ike_install_trap_owner(a, first, &conn, &child));
	snprintf(line, sizeof(line), "acquire policy %u src 10.1.0.1 dst 10.2.0.1 proto 1",
		 first);
	ike_dp_event(a, line);
	assert_string_equal(sm.acquired, "");
	ike_install_reset();
	a->cfg = saved;
	ike_config_free(&cfg);
}

static int count_sa(const struct ike_dp_sa *sa, void *arg)
{
	(void)sa;
	(*(int *)arg)++;
	return 0;
}

static void test_expire_parse(void **state)
{
	static const char *const bad[] = {
		"", "{}", "[", "[{]", "[{\"spi\":}]", "[{\"spi\":\"0x1\"}", "[1,]",
		"[{\"spi\":\"0x1\",\"soft_expired\":yes}]", "[] x", "[{\"a\":\"\\q\"}]",
		"[{\"a\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}]",
	};
	static const char good[] =
		"[{\"x\":\"a\\\"b\\u00e9\",\"n\":-1.5e3,\"o\":{\"p\":[true,null]},"
		"\"spi\":\"0x00000100\",\"proto\":\"esp\",\"dir\":\"in\"},"
		"{\"spi\":\"0x101\",\"proto\":\"esp\"}]";
	int n = 0;

	(void)state;
	assert_int_equal(ike_expire_parse("[]", 2, count_sa, &n), 0);
	assert_int_equal(ike_expire_parse(" [ ] \n", 6, count_sa, &n), 0);
	assert_int_equal(n, 0);
	/* Escapes, nesting, numbers; SAs lacking spi/proto/dir are skipped. */
	assert_int_equal(ike_expire_parse(good, strlen(good), count_sa, &n), 0);
	assert_int_equal(n, 1);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (ike_expire_parse(bad[i], strlen(bad[i]), count_sa, &n) != -EINVAL)
			fail_msg("bad[%zu] accepted: %s", i, bad[i]);
}

/* ------------------------------------------------------------ timers */

static char fired[32];
static struct ike_timer tm[5];

static void on_timer(struct ike_agent *a, void *arg)
{
	(void)a;
	strncat(fired, arg, sizeof(fired) - strlen(fired) - 1);
}

static void cancel_d(struct ike_agent *a, void *arg)
{
	on_timer(a, arg);
	ike_timer_cancel(a, &tm[3]);
}

static int rearmed;

static void rearm_self(struct ike_agent *a, void *arg)
{
	(void)arg;
	rearmed++;
	ike_timer_arm(a, &tm[4], 0, rearm_self, NULL);
}

static void test_timers(void **state)
{
	struct ike_agent *a = test_agent();
	uint64_t now = ike_now_ms(), end;

	(void)state;
	memset(tm, 0, sizeof(tm));
	assert_int_equal(ike_timer_next_ms(a, now), -1);
	ike_timer_arm(a, &tm[0], 3000, on_timer, "a");
	ike_timer_arm(a, &tm[1], 1000, on_timer, "b");
	ike_timer_arm(a, &tm[2], 2000, on_timer, "c");
	ike_timer_arm(a, &tm[3], 1000, on_timer, "d");
	assert_true(tm[0].armed && tm[1].armed && tm[2].armed && tm[3].armed);
	assert_true(tm[1].due_ms <= tm[3].due_ms && tm[3].due_ms <= tm[2].due_ms);
	assert_in_range(ike_timer_next_ms(a, now), 990, 1000);
	/* Nothing due yet. */
	ike_timer_run(a, tm[1].due_ms - 1);
	assert_string_equal(fired, "");
	end = tm[0].due_ms;
	ike_timer_run(a, end);
	/* Earliest first; equal deadlines in arm order. */
	assert_string_equal(fired, "bdca");
	assert_false(tm[0].armed || tm[1].armed || tm[2].armed || tm[3].armed);
	assert_null(a->timers);

	/* Cancel, cancel twice, re-arm (moves it). */
	fired[0] = '\0';
	ike_timer_arm(a, &tm[0], 100, on_timer, "a");
	ike_timer_arm(a, &tm[1], 200, on_timer, "b");
	ike_timer_arm(a, &tm[2], 300, on_timer, "c");
	ike_timer_cancel(a, &tm[1]);
	ike_timer_cancel(a, &tm[1]);
	ike_timer_cancel(a, &tm[4]);            /* never armed */
	ike_timer_arm(a, &tm[0], 400, on_timer, "a");
	assert_false(tm[1].armed);
	ike_timer_run(a, tm[0].due_ms);
	assert_string_equal(fired, "ca");

	/* A callback cancelling a timer due at the same time. */
	fired[0] = '\0';
	ike_timer_arm(a, &tm[2], 50, cancel_d, "c");
	ike_timer_arm(a, &tm[3], 50, on_timer, "d");
	tm[3].due_ms = tm[2].due_ms;
	ike_timer_run(a, tm[2].due_ms);
	assert_string_equal(fired, "c");
	assert_null(a->timers);

	/* A timer re-arming itself at 0 ms cannot hold the loop forever. */
	ike_timer_arm(a, &tm[4], 0, rearm_self, NULL);
	ike_timer_run(a, UINT64_MAX - 1);
	assert_true(rearmed > 1 && rearmed <= 1024);
	assert_true(tm[4].armed);
	assert_int_equal(ike_timer_next_ms(a, UINT64_MAX - 1), 0);
	ike_timer_cancel(a, &tm[4]);
	/* Huge delays saturate instead of wrapping. */
	ike_timer_arm(a, &tm[0], UINT64_MAX, on_timer, "a");
	assert_int_equal(tm[0].due_ms, UINT64_MAX);
	assert_int_equal(ike_timer_next_ms(a, now), INT32_MAX);
	ike_timer_cancel(a, &tm[0]);
}

/* ---------------------------------------------------------------- net */

struct classify_row {
	bool natt;
	size_t len;
	const char *bytes;
	enum ike_net_kind want;
	size_t off;
};

static const struct classify_row classify_rows[] = {
	{ false, 3, "abc", IKE_NET_IKE, 0 },
	{ false, 0, "", IKE_NET_RUNT, 0 },
	/* Port 500 has no marker: zeros are the IKE SPI, for the parser. */
	{ false, 5, "\0\0\0\0x", IKE_NET_IKE, 0 },
	{ true, 1, "\xff", IKE_NET_KEEPALIVE, 0 },
	{ true, 2, "\xff\x00", IKE_NET_RUNT, 0 },
	{ true, 1, "\x00", IKE_NET_RUNT, 0 },
	{ true, 3, "\0\0\0", IKE_NET_RUNT, 0 },
	{ true, 4, "\0\0\0\0", IKE_NET_RUNT, 0 },
	{ true, 5, "\0\0\0\0I", IKE_NET_IKE, 4 },
	{ true, 32, "\0\0\0\0IKE-HEADER-ETC-ETC-ETC-ETC-ET", IKE_NET_IKE, 4 },
	{ true, 8, "\0\0\0\x01\0\0\0\x01", IKE_NET_ESP, 0 },
	{ true, 12, "\x12\x34\x56\x78\0\0\0\x01" "abcd", IKE_NET_ESP, 0 },
	{ true, 7, "\x12\x34\x56\x78\0\0\0", IKE_NET_RUNT, 0 },
	{ true, 3, "abc", IKE_NET_RUNT, 0 },
};

static void test_net_classify(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(classify_rows); i++) {
		const struct classify_row *r = &classify_rows[i];
		size_t off = 99;
		enum ike_net_kind k;

		k = ike_net_classify(r->natt, (const uint8_t *)r->bytes, r->len, &off);
		if (k != r->want || (k == IKE_NET_IKE && off != r->off))
			fail_msg("row %zu: kind %d off %zu, want %d off %zu", i, k, off,
				 r->want, r->off);
	}
}

static int udp_socket(const char *addr, uint16_t port, struct sockaddr_in *bound)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	socklen_t len = sizeof(*bound);
	char err[128];
	int fd;

	memset(&ss, 0, sizeof(ss));
	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, addr, &s4->sin_addr), 1);
	fd = ike_net_socket(&ss, err, sizeof(err));
	if (fd < 0)
		fail_msg("ike_net_socket: %s", err);
	assert_int_equal(getsockname(fd, (struct sockaddr *)bound, &len), 0);
	return fd;
}

static void send_to(int fd, const struct sockaddr_in *to, const void *p, size_t len)
{
	assert_int_equal(sendto(fd, p, len, 0, (const struct sockaddr *)to, sizeof(*to)),
			 (ssize_t)len);
}

static void test_net_recv(void **state)
{
	struct ike_agent *a = test_agent();
	struct sockaddr_in rx, tx;
	struct ike_net_stats before, after;
	int rfd, tfd;

	(void)state;
	memset(&sm, 0, sizeof(sm));
	rfd = udp_socket("127.0.0.1", 0, &rx);
	tfd = udp_socket("127.0.0.1", 0, &tx);
	/* The receiver plays the 4500 socket. */
	a->fd4_4500 = rfd;
	ike_net_stats_get(&before);
	send_to(tfd, &rx, "\0\0\0\0HELLO", 9);
	send_to(tfd, &rx, "\xff", 1);
	send_to(tfd, &rx, "\x12\x34\x56\x78\0\0\0\x01" "payload", 15);
	send_to(tfd, &rx, "\x01\x02", 2);
	send_to(tfd, &rx, "\0\0\0\0AGAIN", 9);
	ike_net_recv(a, rfd);
	ike_net_stats_get(&after);
	assert_int_equal(sm.inputs, 2);
	assert_int_equal(sm.len[0], 5);
	assert_memory_equal(sm.msg[0], "HELLO", 5);
	assert_memory_equal(sm.msg[1], "AGAIN", 5);
	assert_true(sm.path[0].natt);
	assert_int_equal(sm.path[0].remote.ss_family, AF_INET);
	assert_int_equal(((struct sockaddr_in *)&sm.path[0].remote)->sin_port, tx.sin_port);
	assert_int_equal(((struct sockaddr_in *)&sm.path[0].local)->sin_port, rx.sin_port);
	assert_int_equal(((struct sockaddr_in *)&sm.path[0].local)->sin_addr.s_addr,
			 htonl(INADDR_LOOPBACK));
	assert_int_equal(after.rx_datagrams - before.rx_datagrams, 5);
	assert_int_equal(after.rx_keepalive - before.rx_keepalive, 1);
	assert_int_equal(after.rx_esp - before.rx_esp, 1);
	assert_int_equal(after.rx_runt - before.rx_runt, 1);
	assert_int_equal(after.rx_ike - before.rx_ike, 2);
	/* The agent's own counters are the state machine's to keep. */
	assert_int_equal(a->counters[IKE_AC_RX], 0);

	/* As the 500 socket: the bytes reach the state machine unchanged. */
	a->fd4_4500 = -1;
	a->fd4_500 = rfd;
	send_to(tfd, &rx, "\0\0\0\0HELLO", 9);
	ike_net_recv(a, rfd);
	assert_int_equal(sm.inputs, 3);
	assert_int_equal(sm.len[2], 9);
	assert_false(sm.path[2].natt);
	close(rfd);
	close(tfd);
}

static void test_net_send(void **state)
{
	struct ike_agent *a = test_agent();
	struct sockaddr_in rx, tx, from;
	struct ike_net_stats before, after;
	struct ike_path path;
	socklen_t flen = sizeof(from);
	uint8_t buf[64];
	ssize_t n;
	int rfd, tfd;

	(void)state;
	rfd = udp_socket("127.0.0.1", 0, &rx);
	tfd = udp_socket("0.0.0.0", 0, &tx);
	a->fd4_4500 = tfd;
	a->fd4_500 = tfd;
	ike_net_stats_get(&before);
	memset(&path, 0, sizeof(path));
	memcpy(&path.remote, &rx, sizeof(rx));
	((struct sockaddr_in *)&path.local)->sin_family = AF_INET;
	/* Replies leave from the address the request hit: 127.0.0.2 here,
	 * though the socket is bound to the wildcard. */
	inet_pton(AF_INET, "127.0.0.2", &((struct sockaddr_in *)&path.local)->sin_addr);
	path.natt = true;
	assert_int_equal(ike_net_send(a, &path, (const uint8_t *)"IKEMSG", 6), 0);
	n = recvfrom(rfd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
	assert_int_equal(n, 10);
	assert_memory_equal(buf, "\0\0\0\0IKEMSG", 10);
	assert_int_equal(from.sin_addr.s_addr, htonl(0x7f000002));
	assert_int_equal(from.sin_port, tx.sin_port);

	path.natt = false;
	assert_int_equal(ike_net_send(a, &path, (const uint8_t *)"IKEMSG", 6), 0);
	n = recv(rfd, buf, sizeof(buf), 0);
	assert_int_equal(n, 6);
	assert_memory_equal(buf, "IKEMSG", 6);
	ike_net_stats_get(&after);
	assert_int_equal(after.tx_ike - before.tx_ike, 2);

	/* RFC 3948 §2.3 keepalive: one 0xFF octet, even if path->natt was
	 * not set. */
	assert_int_equal(ike_net_keepalive(a, &path), 0);
	n = recv(rfd, buf, sizeof(buf), 0);
	assert_int_equal(n, 1);
	assert_int_equal(buf[0], 0xff);

	/* No IPv6 socket: refused, not crashed. */
	path.remote.ss_family = AF_INET6;
	assert_int_equal(ike_net_send(a, &path, (const uint8_t *)"x", 1), -EAFNOSUPPORT);
	close(rfd);
	close(tfd);
}

static void test_net_v6(void **state)
{
	struct ike_agent *a = test_agent();
	struct sockaddr_storage ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss, rx;
	socklen_t len = sizeof(rx);
	char err[128];
	int rfd, one = 1, v = 0;

	(void)state;
	memset(&ss, 0, sizeof(ss));
	s6->sin6_family = AF_INET6;
	s6->sin6_addr = in6addr_loopback;
	rfd = ike_net_socket(&ss, err, sizeof(err));
	if (rfd == -EAFNOSUPPORT || rfd == -EADDRNOTAVAIL) {
		skip();         /* a host without IPv6 loopback */
		return;
	}
	assert_true(rfd >= 0);
	len = sizeof(v);
	assert_int_equal(getsockopt(rfd, IPPROTO_IPV6, IPV6_V6ONLY, &v, &len), 0);
	assert_int_equal(v, 1);
	len = sizeof(rx);
	assert_int_equal(getsockname(rfd, (struct sockaddr *)&rx, &len), 0);
	a->fd6_4500 = rfd;
	{
		int tfd = socket(AF_INET6, SOCK_DGRAM, 0);

		assert_true(tfd >= 0);
		(void)one;
		assert_int_equal(sendto(tfd, "\0\0\0\0V6", 6, 0, (struct sockaddr *)&rx,
					sizeof(rx)), 6);
		memset(&sm, 0, sizeof(sm));
		ike_net_recv(a, rfd);
		assert_int_equal(sm.inputs, 1);
		assert_memory_equal(sm.msg[0], "V6", 2);
		assert_int_equal(sm.path[0].local.ss_family, AF_INET6);
		assert_memory_equal(&((struct sockaddr_in6 *)&sm.path[0].local)->sin6_addr,
				    &in6addr_loopback, 16);
		close(tfd);
	}
	close(rfd);
}

/* ----------------------------------------------------------- control */

static char tmpdir[64];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static int run_ctl(struct ike_agent *a, const char *words, struct xs_outbuf *out,
		   char *err, size_t errlen)
{
	char buf[256], *argv[16], *save = NULL;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", words);
	for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	xs_outbuf_reset(out);
	return ike_ctl_run(a, argc, argv, out, err, errlen);
}

static const char good_conf[] =
	"connections {\n"
	" site {\n"
	"  local_addrs = 127.0.0.1\n"
	"  remote_addrs = 127.0.0.2\n"
	"  local { auth = psk }\n"
	"  remote { auth = psk }\n"
	"  children { net { local_ts = 10.1.0.0/24 } }\n"
	" }\n"
	"}\n"
	"secrets { ike { secret = 0x0123456789abcdef0123456789abcdef } }\n";

static void test_control(void **state)
{
	struct ike_agent *a = test_agent();
	struct ike_config *first;
	struct xs_outbuf out;
	char err[IKE_CONF_ERR_MAX + 64], path[128];
	const char *t;

	(void)state;
	xs_outbuf_init(&out);
	memset(&sm, 0, sizeof(sm));

	/* Listing: text and JSON, no secrets anywhere. */
	assert_int_equal(run_ctl(a, "list-sas", &out, err, sizeof(err)), 0);
	t = xs_outbuf_text(&out);
	assert_non_null(strstr(t, "site: established, initiator, 192.0.2.1[500]..."
			       "192.0.2.2[4500]\n"));
	assert_non_null(strstr(t, "  spi 0123456789abcdef_i fedcba9876543210_r, "
			       "established 42s ago, nat remote\n"));
	assert_non_null(strstr(t, "  aes128gcm16/prfsha256/x25519\n"));
	assert_non_null(strstr(t, "  net: esp tunnel udp-encap, spi in c0000001 out c0000002"));
	assert_non_null(strstr(t, "    local  10.1.0.0/24\n"));
	assert_non_null(strstr(t, "    remote 10.0.0.1..10.0.0.6[tcp/80], "
			       "10.2.0.0/16[icmp/2048-2303]\n"));
	assert_int_equal(run_ctl(a, "list-sas --json", &out, err, sizeof(err)), 0);
	t = xs_outbuf_text(&out);
	assert_true(json_valid(t));
	assert_non_null(strstr(t, "\"spi_i\":\"0x0123456789abcdef\""));
	assert_non_null(strstr(t, "\"remote_ts\":[\"10.0.0.1..10.0.0.6[tcp/80]\""));
	assert_int_equal(run_ctl(a, "-j list-sas", &out, err, sizeof(err)), 0);
	assert_true(json_valid(xs_outbuf_text(&out)));

	assert_int_equal(run_ctl(a, "stats", &out, err, sizeof(err)), 0);
	t = xs_outbuf_text(&out);
	assert_non_null(strstr(t, "ike:\n  rx "));
	assert_non_null(strstr(t, "  drop_bad_icv "));
	assert_non_null(strstr(t, "net:\n  rx_datagrams "));
	assert_non_null(strstr(t, "datapath:\n  commands "));
	assert_int_equal(run_ctl(a, "stats --json", &out, err, sizeof(err)), 0);
	assert_true(json_valid(xs_outbuf_text(&out)));
	assert_non_null(strstr(xs_outbuf_text(&out), "\"answered_cached\":"));

	assert_int_equal(run_ctl(a, "initiate site net", &out, err, sizeof(err)), 0);
	assert_string_equal(sm.initiated, "site/net");
	assert_string_equal(xs_outbuf_text(&out), "initiating site child net\n");
	assert_int_equal(run_ctl(a, "initiate nope", &out, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "no connection 'nope'");
	assert_int_equal(run_ctl(a, "initiate", &out, err, sizeof(err)), -EINVAL);
	assert_int_equal(run_ctl(a, "terminate site", &out, err, sizeof(err)), 0);
	assert_string_equal(sm.terminated, "site");
	assert_int_equal(run_ctl(a, "frobnicate", &out, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "unknown command 'frobnicate' (try: xdpsec-ike help)");
	assert_int_equal(run_ctl(a, "-i other stats", &out, err, sizeof(err)), -EINVAL);
	assert_int_equal(run_ctl(a, "-i test stats", &out, err, sizeof(err)), 0);
	assert_int_equal(run_ctl(a, "list-sas extra", &out, err, sizeof(err)), -EINVAL);
	assert_int_equal(run_ctl(a, "help", &out, err, sizeof(err)), 0);
	assert_non_null(strstr(xs_outbuf_text(&out), "  initiate [-t S] CONN [CHILD]"));

	/* Reload: ephemeral ports so no privilege is needed. */
	ike_net_set_ports(0, 0);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_ike_shell.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(path, sizeof(path), "%s/ike.conf", tmpdir);
	snprintf(a->cfg_path, sizeof(a->cfg_path), "%s", path);
	write_file(path, good_conf);
	a->cfg = calloc(1, sizeof(*a->cfg));
	assert_int_equal(ike_config_load(path, a->cfg, err, sizeof(err)), 0);
	assert_int_equal(ike_net_open(a, a->cfg, err, sizeof(err)), 0);
	assert_true(a->fd4_500 >= 0 && a->fd4_4500 >= 0);
	assert_int_equal(a->fd6_500, -1);
	first = a->cfg;

	/* A bad file: the error names file and line; nothing changes. */
	write_file(path, "connections {\n site {\n  local_addrs = 127.0.0.1\n"
		   "  bogus = 1\n }\n}\n");
	assert_int_equal(run_ctl(a, "reload", &out, err, sizeof(err)), -EINVAL);
	assert_true(!strncmp(err, path, strlen(path)));
	assert_non_null(strstr(err, ":4: "));
	assert_ptr_equal(a->cfg, first);
	assert_string_equal(a->cfg->conns[0].name, "site");
	assert_int_equal(sm.config_changed, 0);
	/* A file that is gone: the same. */
	unlink(path);
	assert_int_equal(run_ctl(a, "reload", &out, err, sizeof(err)), -EINVAL);
	assert_ptr_equal(a->cfg, first);

	/* A good one replaces it and tells the state machine. */
	{
		char conf[sizeof(good_conf) + 8];
		char *p;

		snprintf(conf, sizeof(conf), "%s", good_conf);
		p = strstr(conf, "site");
		memcpy(p, "moon", 4);
		write_file(path, conf);
	}
	assert_int_equal(run_ctl(a, "reload", &out, err, sizeof(err)), 0);
	assert_ptr_not_equal(a->cfg, first);
	assert_string_equal(a->cfg->conns[0].name, "moon");
	assert_int_equal(sm.config_changed, 1);
	assert_non_null(strstr(xs_outbuf_text(&out), "reloaded "));
	assert_non_null(strstr(xs_outbuf_text(&out), ": 1 connections, 1 secrets\n"));

	ike_net_close(a);
	ike_config_free(a->cfg);
	free(a->cfg);
	a->cfg = NULL;
	unlink(path);
	rmdir(tmpdir);
	ike_net_set_ports(IKE_PORT, IKE_NATT_PORT);
	xs_outbuf_free(&out);
}

static void test_global_opts(void **state)
{
	char *ok[] = { "-i", "site-1", "-j", "list-sas" };
	char *bad[] = { "-i", "a/b", "stats" };
	char *unk[] = { "--bogus" };
	char *noname[] = { "-i" };
	struct ike_ctl_opts o;
	char err[128], path[128];

	(void)state;
	assert_int_equal(ike_ctl_parse_global(4, ok, &o, err, sizeof(err)), 3);
	assert_string_equal(o.instance, "site-1");
	assert_true(o.json);
	assert_int_equal(ike_ctl_parse_global(3, bad, &o, err, sizeof(err)), -EINVAL);
	assert_int_equal(ike_ctl_parse_global(1, unk, &o, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "unknown option '--bogus'");
	assert_int_equal(ike_ctl_parse_global(1, noname, &o, err, sizeof(err)), -EINVAL);
	assert_int_equal(ike_ctl_path("default", path, sizeof(path)), 0);
	assert_string_equal(path, "/run/xdpsec/default-ike.sock");
	assert_int_equal(ike_ctl_path("a b", path, sizeof(path)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ts_prefixes_table),
		cmocka_unit_test(test_ts_prefixes_worst_and_errors),
		cmocka_unit_test(test_sa_words),
		cmocka_unit_test(test_policy_words),
		cmocka_unit_test(test_policy_pairs),
		cmocka_unit_test_setup_teardown(test_install_sequence, setup_install,
						teardown_install),
		cmocka_unit_test_setup_teardown(test_install_rollback, setup_install,
						teardown_install),
		cmocka_unit_test_setup_teardown(test_install_flush, setup_install,
						teardown_install),
		cmocka_unit_test_setup_teardown(test_no_daemon, setup_install,
						teardown_install),
		cmocka_unit_test_setup_teardown(test_expire, setup_install, teardown_install),
		cmocka_unit_test(test_expire_parse),
		cmocka_unit_test_setup_teardown(test_acquire_trap, setup_install,
						teardown_install),
		cmocka_unit_test_setup_teardown(test_expire_resync, setup_install,
						teardown_install),
		cmocka_unit_test(test_timers),
		cmocka_unit_test(test_net_classify),
		cmocka_unit_test(test_net_recv),
		cmocka_unit_test(test_net_send),
		cmocka_unit_test(test_net_v6),
		cmocka_unit_test(test_control),
		cmocka_unit_test(test_global_opts),
	};

	/* The shell logs to stderr; keep test output to failures. */
	ike_shell_log_level(getenv("IKE_TEST_LOG") ? IKE_LOG_DEBUG : -1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
