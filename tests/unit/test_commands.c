// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control commands (cli/commands.c) against an in-memory fake of
 * the daemon's state API (state.h), defined in this file:
 *  - every error case of the CLI spec answers one line and leaves the
 *    fake byte-for-byte unchanged;
 *  - sa add/get/list/del and policy add/list/del round trips, with the
 *    config the fake receives checked field by field (and accepted by
 *    the engine's xs_sa_new);
 *  - every --json output is one valid JSON document with the fields the
 *    spec names;
 *  - no output, listing or error ever contains key material.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include <xdpsec/abi.h>

#include "commands.h"
#include "jsoncheck.h"
#include "outbuf.h"
#include "parse.h"
#include "state.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_WORDS 128

/* ------------------------------------------------------- the fake daemon */

#define FAKE_SAS 32
#define FAKE_POLICIES 32
#define FAKE_IFACES 8

struct xsd {
	struct xs_sa_info sas[FAKE_SAS];
	unsigned int nsas;
	struct xs_policy_info policies[FAKE_POLICIES];
	unsigned int npolicies;
	uint32_t next_policy_id;
	struct xs_iface_info ifaces[FAKE_IFACES];
	unsigned int nifaces;
	unsigned int changes;           /* successful mutating calls */
	/* What the last successful calls handed over. */
	struct xs_sa_req last_sa;       /* keys included, as the engine gets them */
	struct xs_attach_req last_attach;
	bool counters_fail;
};

#define ERR(...) snprintf(err, errlen, __VA_ARGS__)

/* Like the daemon: an SA whose dst is this address is inbound. */
static const char local_v4[] = "192.0.2.1";

static struct xs_sa_info *fake_sa_find(struct xsd *d, uint32_t spi, uint8_t proto,
				       uint8_t dir)
{
	for (unsigned int i = 0; i < d->nsas; i++) {
		struct xs_sa_info *s = &d->sas[i];

		if (s->cfg.spi == spi && (!proto || s->cfg.proto == proto) &&
		    (dir == XS_DIR_ANY || s->dir == dir))
			return s;
	}
	return NULL;
}

int xsd_sa_add(struct xsd *d, struct xs_sa_req *req, char *err, size_t errlen)
{
	struct xs_sa_config *cfg = &req->cfg;
	uint8_t dir = req->dir;
	struct xs_sa_info *s;
	struct xs_sa *sa;
	union xs_addr local;
	int ret = 0;

	if (dir == XS_DIR_ANY) {
		memset(&local, 0, sizeof(local));
		inet_pton(AF_INET, local_v4, &local.v4);
		dir = cfg->family == AF_INET && !memcmp(&cfg->dst.v4, &local.v4, 4) ?
		      XS_DIR_IN : XS_DIR_OUT;
	}
	if (fake_sa_find(d, cfg->spi, cfg->proto, dir)) {
		ERR("SA with spi 0x%08x proto %s dir %s exists", cfg->spi,
		    cfg->proto == XS_PROTO_AH ? "ah" : "esp", dir == XS_DIR_IN ? "in" : "out");
		ret = -EEXIST;
		goto out;
	}
	if (d->nsas == FAKE_SAS) {
		ERR("too many SAs");
		ret = -ENOSPC;
		goto out;
	}
	/* What the daemon does with the config: the engine must take it. */
	sa = xs_sa_new(cfg);
	if (!sa) {
		ret = -errno;
		ERR("cannot create SA spi 0x%08x: %s", cfg->spi, strerror(errno));
		goto out;
	}
	xs_sa_free(sa);
	d->last_sa = *req;
	d->last_sa.dir = dir;
	s = &d->sas[d->nsas++];
	memset(s, 0, sizeof(*s));
	memcpy(&s->cfg, cfg, sizeof(*cfg));
	memset(s->cfg.enc_key, 0, sizeof(s->cfg.enc_key));
	memset(s->cfg.auth_key, 0, sizeof(s->cfg.auth_key));
	s->dir = dir;
	s->reqid = req->reqid;
	s->worker = d->nsas % 2;
	s->tx_seq = cfg->seq_start;
	s->add_time = 1700000000;
	s->soft_time = req->soft_time;
	s->hard_time = req->hard_time;
	d->changes++;
out:
	/* The consumer wipes the keys (state.h). */
	memset(cfg->enc_key, 0, sizeof(cfg->enc_key));
	memset(cfg->auth_key, 0, sizeof(cfg->auth_key));
	return ret;
}

int xsd_sa_del(struct xsd *d, uint32_t spi, uint8_t proto, uint8_t dir,
	       char *err, size_t errlen)
{
	struct xs_sa_info *s = fake_sa_find(d, spi, proto, dir);

	if (!s) {
		ERR("no SA with spi 0x%08x", spi);
		return -ENOENT;
	}
	memmove(s, s + 1, (size_t)(&d->sas[d->nsas] - (s + 1)) * sizeof(*s));
	d->nsas--;
	memset(&d->sas[d->nsas], 0, sizeof(d->sas[0]));
	d->changes++;
	return 0;
}

int xsd_sa_get(struct xsd *d, uint32_t spi, uint8_t proto, uint8_t dir,
	       struct xs_sa_info *out, char *err, size_t errlen)
{
	struct xs_sa_info *s = fake_sa_find(d, spi, proto, dir);

	if (!s) {
		ERR("no SA with spi 0x%08x", spi);
		return -ENOENT;
	}
	*out = *s;
	return 0;
}

int xsd_sa_foreach(struct xsd *d, int (*fn)(const struct xs_sa_info *, void *),
		   void *arg)
{
	int ret = 0;

	for (unsigned int i = 0; i < d->nsas && !ret; i++)
		ret = fn(&d->sas[i], arg);
	return ret;
}

int xsd_policy_add(struct xsd *d, struct xs_policy_req *req, char *err, size_t errlen)
{
	struct xs_policy_info *p;

	if ((req->family != AF_INET && req->family != AF_INET6) ||
	    (req->dir != XS_DIR_IN && req->dir != XS_DIR_OUT) ||
	    req->action < XS_SPD_BYPASS || req->action > XS_SPD_PROTECT) {
		ERR("bad policy request");
		return -EINVAL;
	}
	if (d->npolicies == FAKE_POLICIES) {
		ERR("too many policies");
		return -ENOSPC;
	}
	req->id = ++d->next_policy_id;
	p = &d->policies[d->npolicies++];
	memset(p, 0, sizeof(*p));
	memcpy(&p->req, req, sizeof(*req));
	d->changes++;
	return 0;
}

int xsd_policy_del(struct xsd *d, uint32_t id, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < d->npolicies; i++) {
		if (d->policies[i].req.id != id)
			continue;
		memmove(&d->policies[i], &d->policies[i + 1],
			(d->npolicies - i - 1) * sizeof(d->policies[0]));
		d->npolicies--;
		memset(&d->policies[d->npolicies], 0, sizeof(d->policies[0]));
		d->changes++;
		return 0;
	}
	ERR("no policy %u", id);
	return -ENOENT;
}

int xsd_policy_update(struct xsd *d, uint32_t id, uint32_t spi, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < d->npolicies; i++) {
		if (d->policies[i].req.id != id)
			continue;
		d->policies[i].req.spi = spi;
		d->changes++;
		return 0;
	}
	ERR("no policy %u", id);
	return -ENOENT;
}

int xsd_policy_foreach(struct xsd *d, int (*fn)(const struct xs_policy_info *, void *),
		       void *arg)
{
	int ret = 0;

	for (unsigned int i = 0; i < d->npolicies && !ret; i++)
		ret = fn(&d->policies[i], arg);
	return ret;
}

int xsd_attach(struct xsd *d, const struct xs_attach_req *req, char *warn,
	       size_t warnlen, char *err, size_t errlen)
{
	struct xs_iface_info *i;

	if (!strncmp(req->ifname, "nodev", 5)) {
		ERR("no such device %s", req->ifname);
		return -ENODEV;
	}
	for (unsigned int k = 0; k < d->nifaces; k++) {
		if (!strcmp(d->ifaces[k].ifname, req->ifname)) {
			ERR("already attached to %s", req->ifname);
			return -EEXIST;
		}
	}
	if (d->nifaces == FAKE_IFACES) {
		ERR("too many devices");
		return -ENOSPC;
	}
	i = &d->ifaces[d->nifaces++];
	memset(i, 0, sizeof(*i));
	snprintf(i->ifname, sizeof(i->ifname), "%s", req->ifname);
	i->ifindex = 10 + d->nifaces;
	i->mode = req->mode == XS_ATTACH_AUTO ? XS_ATTACH_NATIVE : req->mode;
	/* veth devices "fail" native XDP here, to exercise the fallback. */
	if (req->mode == XS_ATTACH_AUTO && !strncmp(req->ifname, "veth", 4)) {
		snprintf(warn, warnlen, "native XDP failed on %s (Operation not "
			 "supported), using generic", req->ifname);
		i->mode = XS_ATTACH_GENERIC;
	}
	snprintf(i->steer_ifname, sizeof(i->steer_ifname), "xs-steer%u", d->nifaces);
	i->queues = 2;
	i->workers = req->workers ? req->workers : 2;
	d->last_attach = *req;
	d->changes++;
	return 0;
}

int xsd_detach(struct xsd *d, const char *ifname, char *err, size_t errlen)
{
	for (unsigned int k = 0; k < d->nifaces; k++) {
		if (strcmp(d->ifaces[k].ifname, ifname))
			continue;
		memmove(&d->ifaces[k], &d->ifaces[k + 1],
			(d->nifaces - k - 1) * sizeof(d->ifaces[0]));
		d->nifaces--;
		memset(&d->ifaces[d->nifaces], 0, sizeof(d->ifaces[0]));
		d->changes++;
		return 0;
	}
	ERR("not attached to %s", ifname);
	return -ENOENT;
}

int xsd_iface_foreach(struct xsd *d, int (*fn)(const struct xs_iface_info *, void *),
		      void *arg)
{
	int ret = 0;

	for (unsigned int i = 0; i < d->nifaces && !ret; i++)
		ret = fn(&d->ifaces[i], arg);
	return ret;
}

/*
 * Rows with groups interleaved (the listing must still group them), and
 * worker names that only live during the callback, as a daemon that
 * formats them into a stack buffer would have them.
 */
int xsd_counters_foreach(struct xsd *d,
			 int (*fn)(const struct xs_counter_row *, void *), void *arg)
{
	static const struct xs_counter_row rows[] = {
		{ "xdp", "pass", 10, 1000 },
		{ "tc", "protect", 5, 500 },
		{ "xdp", "drop_unknown_spi", 3, 300 },
		{ "steer", "redirect", 5, 500 },
		{ "engine", "unknown_spi", 0, 0 },
		{ "engine", "bad_icv", 7, 700 },
		{ "tc", "bypass", 1, 64 },
	};
	char name[32];
	int ret;

	if (d->counters_fail)
		return -EIO;
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		ret = fn(&rows[i], arg);
		if (ret)
			return ret;
	}
	for (unsigned int w = 0; w < 2; w++) {
		struct xs_counter_row r = { "worker", name, 100 + w, 2000 + w };

		snprintf(name, sizeof(name), "worker%u_rx", w);
		ret = fn(&r, arg);
		memset(name, 'Z', sizeof(name) - 1);
		name[sizeof(name) - 1] = '\0';
		if (ret)
			return ret;
	}
	return 0;
}

const char *xsd_instance(const struct xsd *d)
{
	(void)d;
	return "default";
}

const char *xsd_pin_dir(const struct xsd *d)
{
	(void)d;
	return "/sys/fs/bpf/xdpsec/default";
}

/* ------------------------------------------------------------ helpers */

/* Keys used by the tests: patterns that appear nowhere else. */
#define K20 "0xa1b2c3d4e5f60718293a4b5c6d7e8f9011223344"
#define K36 "0xb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3"
#define K16 "0xc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
#define K32A "0xd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
#define K32B "0x9192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0"

static const char *const all_keys[] = { K20, K36, K16, K32A, K32B };

/* Splits line at spaces into argv; the word '' is the empty word. */
static int split(char *line, char **argv, int max)
{
	int argc = 0;

	for (char *p = strtok(line, " "); p && argc < max; p = strtok(NULL, " "))
		argv[argc++] = strcmp(p, "''") ? p : p + 2;
	return argc;
}

/* Runs a command line; out holds the answer. */
static int run(struct xsd *d, struct xs_outbuf *out, const char *line)
{
	char copy[4096], *argv[MAX_WORDS];
	int argc;

	snprintf(copy, sizeof(copy), "%s", line);
	argc = split(copy, argv, MAX_WORDS);
	return xs_cmd_run(d, argc, argv, out);
}

/* Fails the test unless text holds no key: no hex run of any test key,
 * in either case, and none of the key bytes in binary. */
static void assert_no_keys(const char *text, size_t len)
{
	for (size_t k = 0; k < ARRAY_SIZE(all_keys); k++) {
		const char *hex = all_keys[k] + 2;
		size_t n = strlen(hex) / 2;
		uint8_t bin[64];
		char part[9], upper[9];

		for (size_t i = 0; i < n; i++) {
			unsigned int b;

			sscanf(hex + 2 * i, "%2x", &b);
			bin[i] = (uint8_t)b;
		}
		/* Any 4 consecutive key bytes, as hex or raw. */
		for (size_t i = 0; i + 4 <= n; i++) {
			memcpy(part, hex + 2 * i, 8);
			part[8] = '\0';
			for (int c = 0; c < 9; c++)
				upper[c] = (char)(part[c] >= 'a' && part[c] <= 'f' ?
						  part[c] - 32 : part[c]);
			if (strstr(text, part) || strstr(text, upper))
				fail_msg("output has key %zu hex '%s':\n%s", k, part, text);
			if (memmem(text, len, bin + i, 4))
				fail_msg("output has key %zu bytes at %zu", k, i);
		}
	}
}

static struct xsd *fake_new(void)
{
	struct xsd *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	return d;
}

/* Runs a command that must succeed; returns its output. */
static const char *ok(struct xsd *d, struct xs_outbuf *out, const char *line)
{
	int ret = run(d, out, line);

	if (ret)
		fail_msg("'%s' failed (%d): %s", line, ret, xs_outbuf_text(out));
	assert_no_keys(xs_outbuf_text(out), out->len);
	return xs_outbuf_text(out);
}

static void assert_contains(const char *text, const char *want)
{
	if (!strstr(text, want))
		fail_msg("missing '%s' in:\n%s", want, text);
}

/* text with every run of spaces made one space, for column checks. */
static const char *squeeze(const char *text)
{
	static char buf[8192];
	size_t n = 0;

	for (const char *p = text; *p && n + 1 < sizeof(buf); p++)
		if (*p != ' ' || !n || buf[n - 1] != ' ')
			buf[n++] = *p;
	buf[n] = '\0';
	return buf;
}

static size_t count_of(const char *text, const char *s)
{
	size_t n = 0;

	for (const char *p = text; (p = strstr(p, s)); p += strlen(s))
		n++;
	return n;
}

/* A baseline: one SA each way, one policy, one device. */
static void fake_baseline(struct xsd *d, struct xs_outbuf *out)
{
	ok(d, out, "sa add src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x1000 mode tunnel "
	   "aead rfc4106(gcm(aes)) " K20 " 128");
	ok(d, out, "sa add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1001 mode tunnel "
	   "reqid 9 aead rfc4106(gcm(aes)) " K20 " 128");
	ok(d, out, "policy add src 10.0.0.0/24 dst 10.0.1.0/24 dir out spi 0x1001");
	ok(d, out, "attach eth0 mode native");
}

/* ------------------------------------------------------- error cases */

/* A command that must fail with msg in one line and change nothing. */
struct err_row {
	const char *line;
	const char *msg;
	int ret;                /* 0: any negative */
};

#define SA_HEAD "sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x2000 "
#define GCM20 "aead rfc4106(gcm(aes)) " K20 " 128"

static const struct err_row err_rows[] = {
	/* sa add: the spec's error list. */
	{ SA_HEAD "aead rfc4106(gcm(aes)) " K16 " 128",
	  "key for rfc4106(gcm(aes)) must be 20 or 36 bytes, got 16", -EINVAL },
	{ "sa add src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x1000 " GCM20,
	  "SA with spi 0x00001000 proto esp dir in exists", -EEXIST },
	{ SA_HEAD "aead gcm(aes) " K20 " 128", "unknown aead algorithm 'gcm(aes)'", -EINVAL },
	{ SA_HEAD "enc cbc(des) " K16 " auth-trunc hmac(sha256) " K32A " 128",
	  "unknown enc algorithm 'cbc(des)'", -EINVAL },
	{ SA_HEAD "alg aes512gcm", "unknown algorithm 'aes512gcm'", -EINVAL },
	{ "sa add src 10.0.0.300 dst 10.0.0.2 proto esp spi 0x2000 " GCM20,
	  "malformed src address '10.0.0.300'", -EINVAL },
	{ "sa add src 10.0.0.1 dst 2001:db8::zz proto esp spi 0x2000 " GCM20,
	  "malformed dst address", -EINVAL },
	{ "sa add src 10.0.0.1 dst 2001:db8::2 proto esp spi 0x2000 " GCM20,
	  "mixed address families: src is IPv4, dst is IPv6", -EINVAL },
	{ SA_HEAD "aead rfc4106(gcm(aes)) " K20 " 64",
	  "ICV length for rfc4106(gcm(aes)) must be 128 bits, got 64", -EINVAL },
	{ SA_HEAD "enc cbc(aes) " K16 " auth-trunc hmac(sha256) " K32A " 96",
	  "ICV length for hmac(sha256) must be 128 bits, got 96", -EINVAL },
	{ "sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1x " GCM20, "bad spi '0x1x'",
	  -EINVAL },
	{ "sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x100000000 " GCM20,
	  "bad spi '0x100000000': larger than 4294967295", -EINVAL },
	{ "sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 17 " GCM20, "reserved", -EINVAL },
	{ SA_HEAD GCM20 " reqid 4294967296", "bad reqid '4294967296'", -EINVAL },
	{ SA_HEAD GCM20 " reqid -1", "bad reqid '-1'", -EINVAL },
	{ SA_HEAD GCM20 " replay-window 100", "bad replay-window '100'", -EINVAL },
	{ SA_HEAD GCM20 " replay-window 8192", "bad replay-window '8192'", -EINVAL },
	{ SA_HEAD GCM20 " limit byte-soft 1k", "bad byte-soft '1k'", -EINVAL },
	{ SA_HEAD GCM20 " limit packet-hard 18446744073709551616", "bad packet-hard",
	  -EINVAL },
	{ SA_HEAD GCM20 " limit byte-soft 100 byte-hard 50",
	  "limit byte-soft 100 is above byte-hard 50", -EINVAL },
	{ SA_HEAD GCM20 " limit time-use-soft 5", "bad limit 'time-use-soft'", -EINVAL },
	{ SA_HEAD GCM20 " limit byte-soft 1 limit byte-soft 2", "limit byte-soft given twice",
	  -EINVAL },
	{ SA_HEAD GCM20 " limit byte-soft", "limit needs a limit name and N", -EINVAL },
	{ SA_HEAD GCM20 " limit byte-soft 5 byte-hard", "limit byte-hard needs N", -EINVAL },
	{ SA_HEAD GCM20 " seq 5000000000", "seq 5000000000 needs flag esn", -EINVAL },
	{ SA_HEAD GCM20 " seq x", "bad seq 'x'", -EINVAL },
	{ SA_HEAD GCM20 " frobnicate 1", "unknown word 'frobnicate' in sa add", -EINVAL },
	{ SA_HEAD GCM20 " mode beet", "bad mode 'beet': expected tunnel or transport",
	  -EINVAL },
	{ SA_HEAD GCM20 " dir fwd", "bad dir 'fwd'", -EINVAL },
	{ SA_HEAD GCM20 " flag noecn", "flag 'noecn' is not supported (only esn)", -EINVAL },
	{ SA_HEAD GCM20 " backend qat", "bad backend 'qat'", -EINVAL },
	{ SA_HEAD GCM20 " spi 0x3000", "spi given twice", -EINVAL },
	{ SA_HEAD GCM20 " encap espinudp-nonike 4500 4500 0.0.0.0",
	  "bad encap type 'espinudp-nonike'", -EINVAL },
	{ SA_HEAD GCM20 " encap espinudp 4500 0 0.0.0.0", "ports must not be 0", -EINVAL },
	{ SA_HEAD GCM20 " encap espinudp 4500 70000 0.0.0.0", "bad encap destination port",
	  -EINVAL },
	{ SA_HEAD GCM20 " encap espinudp 4500 4500 nowhere", "malformed encap original",
	  -EINVAL },
	{ SA_HEAD GCM20 " encap espinudp 4500 4500", "encap needs espinudp SPORT DPORT OADDR",
	  -EINVAL },
	{ "sa add src 10.0.0.1 dst 10.0.0.2 proto ah spi 0x2000 auth-trunc hmac(sha256) "
	  K32A " 128 encap espinudp 4500 4500 0.0.0.0", "encap needs proto esp", -EINVAL },
	{ "sa add src 10.0.0.1 dst 10.0.0.2 proto ah spi 0x2000 " GCM20,
	  "proto ah takes only auth-trunc", -EINVAL },
	{ "sa add src 10.0.0.1 dst 10.0.0.2 proto comp spi 0x2000 " GCM20,
	  "bad proto 'comp'", -EINVAL },
	{ "sa add src 10.0.0.1 dst 10.0.0.2 proto esp " GCM20, "sa add needs spi SPI",
	  -EINVAL },
	{ "sa add dst 10.0.0.2 proto esp spi 0x2000 " GCM20, "sa add needs src ADDR",
	  -EINVAL },
	{ "sa add src 10.0.0.1 dst 10.0.0.2 spi 0x2000 " GCM20, "sa add needs proto",
	  -EINVAL },
	{ SA_HEAD, "missing algorithm", -EINVAL },
	{ SA_HEAD "enc cbc(aes) " K16, "enc needs auth-trunc", -EINVAL },
	{ SA_HEAD "aead rfc4106(gcm(aes)) nothex 128", "bad key: expected 0x", -EINVAL },
	{ SA_HEAD "spi", "spi given twice", -EINVAL },
	{ "sa add src 10.0.0.1 dst 10.0.0.2 proto esp " GCM20 " spi", "spi needs SPI",
	  -EINVAL },
	/* sa del / get / list */
	{ "sa del spi 0x9999", "no SA with spi 0x00009999", -ENOENT },
	{ "sa del spi 0x1000 dir out", "no SA with spi 0x00001000 dir out", -ENOENT },
	{ "sa del spi 0x1000 proto ah", "no SA with spi 0x00001000", -ENOENT },
	{ "sa del", "sa del needs spi SPI", -EINVAL },
	{ "sa del proto esp", "sa del needs spi SPI", -EINVAL },
	{ "sa del spi 0x1000 proto gre", "bad proto 'gre'", -EINVAL },
	{ "sa del spi 0x1000 src 192.0.2.2", "unknown word 'src' in sa del", -EINVAL },
	{ "sa del spi 0x1000 spi 0x1001", "spi given twice", -EINVAL },
	{ "sa get spi 0x9999", "no SA with spi 0x00009999", -ENOENT },
	{ "sa get spi zzz", "bad spi 'zzz'", -EINVAL },
	{ "sa list all", "unknown word 'all' in sa list", -EINVAL },
	{ "sa frob", "unknown sa command 'frob' (expected add, del, get, show, list, count, "
	  "flush, deleteall)", -EINVAL },
	{ "state frob", "unknown sa command 'frob'", -EINVAL },
	{ "sa count x", "unknown word 'x' in sa count", -EINVAL },
	{ "sa flush dir in", "sa flush takes no dir", -EINVAL },
	{ "sa flush proto udp", "bad proto 'udp'", -EINVAL },
	{ "sa deleteall src 10.0.0.1 dst 2001:db8::1", "mixed address families", -EINVAL },
	{ "sa deleteall spi 0x1000", "unknown word 'spi' in sa deleteall", -EINVAL },
	{ "policy flush action bypass", "policy flush takes no action", -EINVAL },
	{ "policy deleteall spi 12", "bad spi '12'", -EINVAL },
	{ "policy count -", "unknown word '-' in policy count", -EINVAL },
	{ "-batch x sa list", "-batch and -force are for the xdpsec command line", -EINVAL },
	{ "sa list -force", "unknown word '-force' in sa list", -EINVAL },
	/* A key in the wrong place is never echoed (issue #11 item 5). */
	{ "sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1000 aead " K20 " rfc4106(gcm(aes)) 128",
	  "unknown aead algorithm '<42 characters not shown>'", -EINVAL },
	{ "sa", "sa needs one of: add, del, get, show, list, count, flush, deleteall", -EINVAL },
	/* policy */
	{ "policy add src 10.0.0.0/24 dst 10.1.0.0/24 dir out spi 0x7777",
	  "policy names missing SA spi 0x00007777", -ENOENT },
	{ "policy add src 10.0.0.0/24 dst 10.1.0.0/24 dir in spi 0x1001",
	  "policy names missing SA spi 0x00001001", -ENOENT },
	{ "policy add src 10.0.0.0/24 dst 10.1.0.0/24 dir out",
	  "action protect needs spi SPI", -EINVAL },
	{ "policy add src 10.0.0.0/24 dst 10.1.0.0/24 dir out action bypass spi 0x1001",
	  "spi goes only with action protect", -EINVAL },
	{ "policy add src 10.0.0.0/33 dst 10.1.0.0/24 dir out action bypass",
	  "bad src prefix length in '10.0.0.0/33'", -EINVAL },
	{ "policy add src 10.0.0.0/24 dst 10.1.0.x/24 dir out action bypass",
	  "malformed dst address", -EINVAL },
	{ "policy add src 10.0.0.0/24 dst 2001:db8::/64 dir out action bypass",
	  "mixed address families: src is IPv4, dst is IPv6", -EINVAL },
	{ "policy add src 10.0.0.0/24 dst 10.1.0.0/24 action bypass",
	  "policy add needs dir in or out", -EINVAL },
	{ "policy add dst 10.1.0.0/24 dir out action bypass", "policy add needs src PREFIX",
	  -EINVAL },
	{ "policy add src 10.0.0.0/24 dst 10.1.0.0/24 dir out action bypass sport 80",
	  "sport and dport need proto tcp", -EINVAL },
	{ "policy add src 10.0.0.0/24 dst 10.1.0.0/24 dir out action bypass proto gre "
	  "dport 1-2", "sport and dport need proto", -EINVAL },
	{ "policy add src 10.0.0.0/24 dst 10.1.0.0/24 dir out action bypass proto tcp "
	  "sport 70000", "bad sport '70000'", -EINVAL },
	{ "policy add src 10.0.0.0/24 dst 10.1.0.0/24 dir out action bypass proto tcp "
	  "dport 200-100", "bad dport '200-100'", -EINVAL },
	{ "policy add src 10.0.0.0/24 dst 10.1.0.0/24 dir out action bypass proto xyz",
	  "bad proto 'xyz'", -EINVAL },
	{ "policy add src 10.0.0.0/24 dst 10.1.0.0/24 dir out action allow",
	  "bad action 'allow'", -EINVAL },
	{ "policy add src 10.0.0.0/24 dst 10.1.0.0/24 dir out action bypass priority -3",
	  "bad priority '-3'", -EINVAL },
	{ "policy add src 10.0.0.0/24 dst 10.1.0.0/24 dir out action bypass level 3",
	  "unknown word 'level' in policy add", -EINVAL },
	{ "policy add src 10.0.0.0/24 dst 10.1.0.0/24 dir out dir in",
	  "dir given twice", -EINVAL },
	{ "policy del id 99", "no policy 99", -ENOENT },
	{ "policy del id abc", "bad id 'abc'", -EINVAL },
	{ "policy del", "policy del needs id ID", -EINVAL },
	{ "policy del 1", "unknown word '1' in policy del", -EINVAL },
	{ "policy list x", "unknown word 'x' in policy list", -EINVAL },
	{ "policy update id 1", "policy update needs id ID spi SPI", -EINVAL },
	{ "policy update spi 0x1000", "policy update needs id ID spi SPI", -EINVAL },
	{ "policy update id 99 spi 0x1000", "no policy 99", -ENOENT },
	{ "policy update id 1 spi 0x10", "reserved", -EINVAL },
	{ "policy frob", "unknown policy command 'frob' (expected add, del, update, list, show", -EINVAL },
	{ "policy", "policy needs one of: add, del, update, list, show, count, flush, deleteall",
	  -EINVAL },
	/* attach / detach */
	{ "attach", "attach needs DEV", -EINVAL },
	{ "attach nodev0", "no such device nodev0", -ENODEV },
	{ "attach eth0", "already attached to eth0", -EEXIST },
	{ "attach eth1 mode turbo", "bad mode 'turbo': expected native, generic or auto",
	  -EINVAL },
	{ "attach eth1 workers 0", "bad workers '0'", -EINVAL },
	{ "attach eth1 workers 65", "bad workers '65': larger than 64", -EINVAL },
	{ "attach eth1 workers 2 cpus 0,1,2", "cpus names 3 CPUs for 2 workers", -EINVAL },
	{ "attach eth1 cpus 0,,1", "bad cpus '0,,1'", -EINVAL },
	{ "attach eth1 unknown-spi maybe", "bad unknown-spi 'maybe': expected drop or pass",
	  -EINVAL },
	{ "attach eth1 mode", "mode needs native, generic or auto", -EINVAL },
	{ "attach eth1 queues 4", "unknown word 'queues' in attach", -EINVAL },
	{ "attach eth0/1", "bad device name 'eth0/1'", -EINVAL },
	{ "attach averyveryverylongname", "bad device name", -EINVAL },
	{ "detach", "detach needs DEV", -EINVAL },
	{ "detach eth9", "not attached to eth9", -ENOENT },
	{ "detach eth0 now", "unknown word 'now' in detach", -EINVAL },
	/* the rest */
	{ "status verbose", "unknown word 'verbose' in status", -EINVAL },
	{ "stats reset", "unknown word 'reset' in stats", -EINVAL },
	{ "help me", "unknown word 'me' in help", -EINVAL },
	{ "frobnicate", "unknown command 'frobnicate' (try: xdpsec help)", -EINVAL },
	{ "", "no command", -EINVAL },
	{ "--json", "no command", -EINVAL },
	{ "-i other status", "request for instance other reached instance default", -EINVAL },
	{ "-i bad.name status", "bad instance name 'bad.name'", -EINVAL },
	{ "--bogus status", "unknown option '--bogus'", -EINVAL },
	{ "-i", "-i needs an instance name", -EINVAL },
	{ "daemon --foreground", "daemon is started from the command line", -EINVAL },
};

static void test_errors_change_nothing(void **state)
{
	struct xsd *d = fake_new(), *before = fake_new();
	struct xs_outbuf out;
	(void)state;

	xs_outbuf_init(&out);
	fake_baseline(d, &out);
	assert_int_equal(d->changes, 4);
	memcpy(before, d, sizeof(*d));
	for (size_t i = 0; i < ARRAY_SIZE(err_rows); i++) {
		const struct err_row *r = &err_rows[i];
		int ret = run(d, &out, r->line);
		const char *text = xs_outbuf_text(&out);

		if (ret >= 0)
			fail_msg("row %zu '%s' succeeded:\n%s", i, r->line, text);
		if (r->ret && ret != r->ret)
			fail_msg("row %zu '%s': ret %d, want %d (%s)", i, r->line, ret, r->ret,
				 text);
		if (!text[0] || strchr(text, '\n') || strlen(text) != out.len)
			fail_msg("row %zu '%s': not one line: '%s'", i, r->line, text);
		if (!strstr(text, r->msg))
			fail_msg("row %zu '%s': '%s' lacks '%s'", i, r->line, text, r->msg);
		assert_no_keys(text, out.len);
		if (memcmp(before, d, sizeof(*d)))
			fail_msg("row %zu '%s' changed the daemon state", i, r->line);
	}
	xs_outbuf_free(&out);
	free(before);
	free(d);
}

/* Words the command line cannot carry: newlines, an oversized word. */
static void test_errors_hostile_words(void **state)
{
	char big[6000], nl[] = "fro\nb", sa[] = "sa", add[] = "add", src[] = "src";
	struct xsd *d = fake_new();
	struct xs_outbuf out;
	(void)state;

	xs_outbuf_init(&out);
	char *a1[] = { nl, sa };

	assert_int_equal(xs_cmd_run(d, 2, a1, &out), -EINVAL);
	assert_null(strchr(xs_outbuf_text(&out), '\n'));
	assert_non_null(strstr(xs_outbuf_text(&out), "unknown command 'fro?b'"));

	/* Long, but in short runs: quoted, cut. */
	for (size_t i = 0; i < sizeof(big) - 1; i++)
		big[i] = i % 4 == 3 ? '.' : 'q';
	big[sizeof(big) - 1] = '\0';
	char *a2[] = { sa, add, src, big };

	assert_int_equal(xs_cmd_run(d, 4, a2, &out), -EINVAL);
	assert_true(out.len < XS_ERR_MAX);
	assert_non_null(strstr(xs_outbuf_text(&out), "malformed src address 'qqq.qqq"));
	assert_non_null(strstr(xs_outbuf_text(&out), "...'"));
	/* One long run could be a key: not quoted at all. */
	memset(big, 'q', sizeof(big) - 1);
	assert_int_equal(xs_cmd_run(d, 4, a2, &out), -EINVAL);
	assert_string_equal(xs_outbuf_text(&out),
			    "malformed src address '<5999 characters not shown>'");
	assert_int_equal(d->changes, 0);

	/* A failing state call without a message still answers one line. */
	d->counters_fail = true;
	assert_int_equal(run(d, &out, "stats"), -EIO);
	assert_string_equal(xs_outbuf_text(&out), "reading counters failed: Input/output error");
	xs_outbuf_free(&out);
	free(d);
}

/* ---------------------------------------------------------- SA round trip */

static void test_sa_round_trip(void **state)
{
	struct xsd *d = fake_new();
	struct xs_outbuf out;
	const struct xs_sa_req *r = &d->last_sa;
	const char *text;
	uint8_t key[20];
	(void)state;

	for (int i = 0; i < 20; i++) {
		unsigned int b;

		sscanf(&K20[2 + 2 * i], "%2x", &b);
		key[i] = (uint8_t)b;
	}
	xs_outbuf_init(&out);
	text = ok(d, &out, "sa add src 198.51.100.1 dst 198.51.100.2 proto esp spi 0x2000 "
		  "mode tunnel reqid 7 dir out aead rfc4106(gcm(aes)) " K20 " 128 "
		  "encap espinudp 4500 4501 0.0.0.0 replay-window 128 flag esn "
		  "limit byte-soft 1000 byte-hard 2000 limit packet-soft 10 packet-hard 20 "
		  "time-soft 30 time-hard 60 seq 4294967300 backend openssl");
	assert_string_equal(text, "sa spi 0x00002000 proto esp added\n");
	assert_int_equal(d->nsas, 1);
	/* What the daemon received, field by field. */
	assert_int_equal(r->cfg.spi, 0x2000);
	assert_int_equal(r->cfg.proto, XS_PROTO_ESP);
	assert_int_equal(r->cfg.mode, XS_MODE_TUNNEL);
	assert_int_equal(r->cfg.family, AF_INET);
	assert_int_equal(r->cfg.suite, XS_SUITE_AES128GCM16);
	assert_int_equal(r->cfg.enc_key_len, 20);
	assert_memory_equal(r->cfg.enc_key, key, 20);
	assert_int_equal(r->cfg.auth_key_len, 0);
	assert_int_equal(ntohl(r->cfg.src.v4.s_addr), 0xc6336401);
	assert_int_equal(ntohl(r->cfg.dst.v4.s_addr), 0xc6336402);
	assert_int_equal(r->cfg.encap_sport, 4500);
	assert_int_equal(r->cfg.encap_dport, 4501);
	assert_int_equal(r->cfg.replay_window, 128);
	assert_true(r->cfg.esn);
	assert_int_equal(r->cfg.soft.bytes, 1000);
	assert_int_equal(r->cfg.hard.bytes, 2000);
	assert_int_equal(r->cfg.soft.packets, 10);
	assert_int_equal(r->cfg.hard.packets, 20);
	assert_int_equal(r->soft_time, 30);
	assert_int_equal(r->hard_time, 60);
	assert_int_equal(r->cfg.seq_start, 4294967300ull);
	assert_int_equal(r->cfg.backend, XS_BACKEND_OPENSSL);
	assert_int_equal(r->reqid, 7);
	assert_int_equal(r->dir, XS_DIR_OUT);

	/* Defaults: transport mode (ip xfrm), window 1024, dir from the daemon. */
	ok(d, &out, "sa add src 192.0.2.2 dst 192.0.2.1 proto esp spi 4096 "
	   "alg aes256cbc-sha256 key " K32A " authkey " K32B);
	assert_int_equal(r->cfg.mode, XS_MODE_TRANSPORT);
	assert_int_equal(r->cfg.replay_window, XS_REPLAY_WINDOW_DEFAULT);
	assert_int_equal(r->cfg.suite, XS_SUITE_AES256CBC_SHA256);
	assert_int_equal(r->cfg.enc_key_len, 32);
	assert_int_equal(r->cfg.auth_key_len, 32);
	assert_int_equal(r->cfg.enc_key[0], 0xd0);
	assert_int_equal(r->cfg.auth_key[0], 0x91);
	assert_int_equal(r->dir, XS_DIR_IN);
	assert_false(r->cfg.esn);
	assert_int_equal(r->cfg.backend, XS_BACKEND_AUTO);

	/* IPv6, the other suites, and AH. */
	ok(d, &out, "sa add src 2001:db8::1 dst 2001:db8::2 proto esp spi 0x3000 "
	   "mode tunnel aead rfc7539esp(chacha20,poly1305) " K36 " 128");
	assert_int_equal(r->cfg.family, AF_INET6);
	assert_int_equal(r->cfg.suite, XS_SUITE_CHACHA20POLY1305);
	ok(d, &out, "sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x3001 "
	   "enc cipher_null '' auth-trunc hmac(sha256) " K32A " 128");
	assert_int_equal(r->cfg.suite, XS_SUITE_NULL_SHA256);
	assert_int_equal(r->cfg.enc_key_len, 0);
	ok(d, &out, "sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x3002 "
	   "enc cbc(aes) " K16 " auth-trunc hmac(sha256) " K32B " 128");
	assert_int_equal(r->cfg.suite, XS_SUITE_AES128CBC_SHA256);
	text = ok(d, &out, "sa add src 10.0.0.1 dst 10.0.0.2 proto ah spi 0x3002 "
		  "auth-trunc hmac(sha256) " K32A " 128");
	assert_string_equal(text, "sa spi 0x00003002 proto ah added\n");
	assert_int_equal(r->cfg.suite, XS_SUITE_SHA256);
	assert_int_equal(d->nsas, 6);

	/* Counters show up in listings: drops by reason where nonzero. */
	d->sas[0].stats.packets = 11;
	d->sas[0].stats.bytes = 1234;
	d->sas[0].stats.drops[XS_DROP_BAD_ICV] = 3;
	d->sas[0].stats.drops[XS_DROP_REPLAYED] = 2;
	d->sas[0].tx_seq = 4294967311ull;
	d->sas[0].soft_expired = true;

	text = ok(d, &out, "sa get spi 0x2000");
	assert_contains(text, "src 198.51.100.1 dst 198.51.100.2\n");
	assert_contains(text, "\tproto esp spi 0x00002000 reqid 7 mode tunnel dir out");
	assert_contains(text, "\talg aes128gcm16 backend openssl replay-window 128 esn on\n");
	assert_contains(text, "\tencap espinudp 4500 4501\n");
	assert_contains(text, "\tlimit byte-soft 1000 byte-hard 2000 packet-soft 10 "
			"packet-hard 20 time-soft 30 time-hard 60\n");
	assert_contains(text, "expired soft");
	assert_contains(text, "\tpackets 11 bytes 1234 tx-seq 4294967311 rx-top 0\n");
	assert_contains(text, "\tdrops replayed 2 bad_icv 3\n");
	assert_null(strstr(text, "too_short"));

	text = ok(d, &out, "sa list");
	assert_int_equal(count_of(text, "src "), 6);
	assert_contains(text, "src 2001:db8::1 dst 2001:db8::2\n");
	assert_contains(text, "\tproto esp spi 0x00001000 reqid 0 mode transport dir in");
	assert_contains(text, "\talg aes256cbc-sha256 backend auto replay-window 1024 esn off");
	assert_contains(text, "\tencap none\n");
	assert_contains(text, "\tlimit byte-soft inf byte-hard inf");
	assert_contains(text, "\tdrops none\n");
	assert_contains(text, "alg null-sha256");
	assert_contains(text, "proto ah spi 0x00003002");

	/* Without proto, an SPI held by ESP and AH is ambiguous. */
	assert_int_equal(run(d, &out, "sa del spi 0x3002"), -EINVAL);
	assert_contains(xs_outbuf_text(&out), "names an esp and an ah SA: give proto");
	assert_int_equal(d->nsas, 6);
	text = ok(d, &out, "sa get spi 0x3002 proto ah");
	assert_contains(text, "proto ah spi 0x00003002");
	text = ok(d, &out, "sa del spi 0x3002 proto ah");
	assert_string_equal(text, "sa spi 0x00003002 proto ah deleted\n");
	/* Now the SPI is ESP's alone. */
	text = ok(d, &out, "sa del spi 0x3002");
	assert_string_equal(text, "sa spi 0x00003002 proto esp deleted\n");
	text = ok(d, &out, "sa del spi 0x2000 dir out proto esp");
	assert_string_equal(text, "sa spi 0x00002000 proto esp deleted\n");
	assert_int_equal(d->nsas, 3);
	text = ok(d, &out, "sa list");
	assert_null(strstr(text, "0x00002000"));
	assert_null(strstr(text, "0x00003002"));
	assert_int_equal(count_of(text, "src "), 3);
	assert_int_equal(run(d, &out, "sa get spi 0x2000"), -ENOENT);
	/* Re-adding a deleted SPI works. */
	ok(d, &out, "sa add src 198.51.100.1 dst 198.51.100.2 proto esp spi 0x2000 "
	   GCM20);
	assert_int_equal(d->nsas, 4);

	ok(d, &out, "sa del spi 0x2000");
	ok(d, &out, "sa del spi 0x1000");
	ok(d, &out, "sa del spi 0x3000");
	ok(d, &out, "sa del spi 0x3001");
	text = ok(d, &out, "sa list");
	assert_string_equal(text, "");
	assert_int_equal(d->nsas, 0);
	xs_outbuf_free(&out);
	free(d);
}

/* ------------------------------------------------------ policy round trip */

static void test_policy_round_trip(void **state)
{
	struct xsd *d = fake_new();
	struct xs_outbuf out;
	const struct xs_policy_req *p;
	const char *text;
	(void)state;

	xs_outbuf_init(&out);
	ok(d, &out, "sa add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1001 dir out "
	   GCM20);
	ok(d, &out, "sa add src 192.0.2.2 dst 192.0.2.1 proto ah spi 0x1002 dir in "
	   "auth-trunc hmac(sha256) " K32A " 128");
	text = ok(d, &out, "policy add src 10.1.2.3/8 dst 10.0.1.0/24 proto tcp "
		  "sport 1000-2000 dport 443 dir out spi 0x1001 priority 5");
	assert_string_equal(text, "policy 1 added\n");
	p = &d->policies[0].req;
	assert_int_equal(p->family, AF_INET);
	assert_int_equal(ntohl(p->src.v4.s_addr), 0x0a000000);   /* host bits cleared */
	assert_int_equal(p->src_plen, 8);
	assert_int_equal(ntohl(p->dst.v4.s_addr), 0x0a000100);
	assert_int_equal(p->dst_plen, 24);
	assert_int_equal(p->proto, IPPROTO_TCP);
	assert_int_equal(p->sport_lo, 1000);
	assert_int_equal(p->sport_hi, 2000);
	assert_int_equal(p->dport_lo, 443);
	assert_int_equal(p->dport_hi, 443);
	assert_int_equal(p->dir, XS_DIR_OUT);
	assert_int_equal(p->action, XS_SPD_PROTECT);
	assert_int_equal(p->spi, 0x1001);
	assert_int_equal(p->priority, 5);

	/* Defaults: any protocol and ports; the AH SA protects inbound. */
	text = ok(d, &out, "policy add src 2001:db8::/32 dst 2001:db8:1::1 dir in "
		  "spi 0x1002");
	assert_string_equal(text, "policy 2 added\n");
	p = &d->policies[1].req;
	assert_int_equal(p->family, AF_INET6);
	assert_int_equal(p->dst_plen, 128);
	assert_int_equal(p->proto, 0);
	assert_int_equal(p->sport_lo, 0);
	assert_int_equal(p->sport_hi, 65535);
	assert_int_equal(p->dport_hi, 65535);
	text = ok(d, &out, "policy add src 0.0.0.0/0 dst 0.0.0.0/0 proto icmp sport 8 "
		  "dir out action discard");
	assert_string_equal(text, "policy 3 added\n");
	ok(d, &out, "policy add src 10.9.0.0/16 dst 10.8.0.0/16 proto 132 dport any "
	   "dir out action bypass");

	d->policies[0].packets = 77;
	d->policies[0].bytes = 7700;
	text = ok(d, &out, "policy list");
	assert_contains(text, "id 1 dir out src 10.0.0.0/8 dst 10.0.1.0/24 proto tcp "
			"sport 1000-2000 dport 443 action protect spi 0x00001001 priority 5 "
			"packets 77 bytes 7700\n");
	assert_contains(text, "id 2 dir in src 2001:db8::/32 dst 2001:db8:1::1/128 proto any "
			"sport any dport any action protect spi 0x00001002 priority 0");
	assert_contains(text, "id 3 dir out src 0.0.0.0/0 dst 0.0.0.0/0 proto icmp sport 8 "
			"dport any action discard priority 0 packets 0 bytes 0\n");
	assert_contains(text, "proto sctp sport any dport any action bypass priority 0");
	assert_int_equal(count_of(text, "\n"), 4);

	text = ok(d, &out, "policy del id 1");
	assert_string_equal(text, "policy 1 deleted\n");
	text = ok(d, &out, "policy list");
	assert_null(strstr(text, "id 1 "));
	assert_int_equal(count_of(text, "\n"), 3);
	assert_int_equal(run(d, &out, "policy del id 1"), -ENOENT);
	xs_outbuf_free(&out);
	free(d);
}

/* ---------------------------------------------------- attach and status */

static void test_attach_status(void **state)
{
	struct xsd *d = fake_new();
	struct xs_outbuf out;
	const char *text;
	(void)state;

	xs_outbuf_init(&out);
	text = ok(d, &out, "attach eth0 mode native workers 2 cpus 1,3 unknown-spi pass");
	assert_string_equal(text, "attached eth0 mode native\n");
	assert_string_equal(d->last_attach.ifname, "eth0");
	assert_int_equal(d->last_attach.mode, XS_ATTACH_NATIVE);
	assert_int_equal(d->last_attach.workers, 2);
	assert_int_equal(d->last_attach.cpus[0], 1);
	assert_int_equal(d->last_attach.cpus[1], 3);
	assert_int_equal(d->last_attach.cpus[2], -1);
	assert_int_equal(d->last_attach.cpus[63], -1);
	assert_int_equal(d->last_attach.unknown_spi_pass, 1);

	/* auto falls back to generic with a warning line first. */
	text = ok(d, &out, "attach veth0");
	assert_string_equal(text, "warning: native XDP failed on veth0 (Operation not "
			    "supported), using generic\nattached veth0 mode generic\n");
	assert_int_equal(d->last_attach.mode, XS_ATTACH_AUTO);
	assert_int_equal(d->last_attach.workers, 0);
	assert_int_equal(d->last_attach.unknown_spi_pass, 0);
	assert_int_equal(d->last_attach.cpus[0], -1);
	text = ok(d, &out, "attach eth1");
	assert_string_equal(text, "attached eth1 mode native\n");

	ok(d, &out, "sa add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1001 " GCM20);
	ok(d, &out, "policy add src 10.0.0.0/24 dst 10.0.1.0/24 dir out spi 0x1001");
	text = ok(d, &out, "status");
	assert_string_equal(text,
		"instance default\n"
		"pin-dir /sys/fs/bpf/xdpsec/default\n"
		"interfaces 3\n"
		"\teth0 ifindex 11 mode native steer xs-steer1 queues 2 workers 2\n"
		"\tveth0 ifindex 12 mode generic steer xs-steer2 queues 2 workers 2\n"
		"\teth1 ifindex 13 mode native steer xs-steer3 queues 2 workers 2\n"
		"sas 1\n"
		"policies 1\n");

	text = ok(d, &out, "detach veth0");
	assert_string_equal(text, "detached veth0\n");
	assert_int_equal(d->nifaces, 2);
	text = ok(d, &out, "status");
	assert_contains(text, "interfaces 2\n");
	assert_null(strstr(text, "veth0"));
	xs_outbuf_free(&out);
	free(d);
}

static void test_stats_text(void **state)
{
	struct xsd *d = fake_new();
	struct xs_outbuf out;
	const char *text, *xdp2, *tc1;
	(void)state;

	xs_outbuf_init(&out);
	ok(d, &out, "sa add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1001 dir out "
	   GCM20);
	d->sas[0].stats.packets = 5;
	d->sas[0].stats.bytes = 600;
	d->sas[0].stats.drops[XS_DROP_BAD_ICV] = 2;
	d->sas[0].stats.drops[XS_DROP_REPLAYED] = 1;
	text = ok(d, &out, "stats");
	assert_int_equal(count_of(text, "\n"), 1 + 9 + 2 + 1);
	text = squeeze(text);
	assert_contains(text, "GROUP NAME PACKETS BYTES\n");
	assert_contains(text, "\nxdp pass 10 1000\n");
	assert_contains(text, "\nengine bad_icv 7 700\n");
	assert_contains(text, "\nengine unknown_spi 0 0\n");
	assert_contains(text, "\nworker worker0_rx 100 2000\n");
	assert_contains(text, "\nworker worker1_rx 101 2001\n");
	/* Rows of a group are together even though the daemon interleaved them. */
	xdp2 = strstr(text, "\nxdp drop_unknown_spi 3 300\n");
	tc1 = strstr(text, "\ntc protect 5 500\n");
	assert_non_null(xdp2);
	assert_non_null(tc1);
	assert_true(xdp2 < tc1);
	assert_true(strstr(text, "\ntc bypass 1 64\n") < strstr(text, "\nsteer redirect"));
	/* Per-SA summary with the drop total. */
	assert_contains(text, "\n\nSA PACKETS BYTES DROPS\n0x00001001/esp/out 5 600 3\n");
	xs_outbuf_free(&out);
	free(d);
}

/* --------------------------------------------------------------- JSON */

static const char *json_ok(struct xsd *d, struct xs_outbuf *out, const char *line)
{
	const char *text = ok(d, out, line);
	size_t len = strlen(text);

	if (!len || text[len - 1] != '\n' || count_of(text, "\n") != 1)
		fail_msg("'%s': not one line of JSON:\n%s", line, text);
	if (!json_valid(text))
		fail_msg("'%s': invalid JSON:\n%s", line, text);
	return text;
}

static void test_json_outputs(void **state)
{
	struct xsd *d = fake_new();
	struct xs_outbuf out;
	const char *text;
	(void)state;

	xs_outbuf_init(&out);
	/* Empty listings are empty arrays. */
	assert_string_equal(json_ok(d, &out, "--json sa list"), "[]\n");
	assert_string_equal(json_ok(d, &out, "-j policy list"), "[]\n");

	text = json_ok(d, &out, "-j sa add src 198.51.100.1 dst 198.51.100.2 proto esp "
		       "spi 0x2000 mode tunnel reqid 7 dir out " GCM20 " encap espinudp "
		       "4500 4500 0.0.0.0 flag esn limit packet-hard 20 time-soft 30");
	assert_string_equal(text, "{\"spi\":\"0x00002000\",\"proto\":\"esp\","
			    "\"result\":\"added\"}\n");
	json_ok(d, &out, "-j sa add src 2001:db8::1 dst 2001:db8::2 proto ah spi 0x3000 "
		"auth-trunc hmac(sha256) " K32A " 128");
	d->sas[0].stats.packets = 11;
	d->sas[0].stats.drops[XS_DROP_BAD_ICV] = 3;

	text = json_ok(d, &out, "--json sa list");
	assert_true(text[0] == '[');
	assert_int_equal(count_of(text, "\"spi\":"), 2);
	assert_contains(text, "{\"src\":\"198.51.100.1\",\"dst\":\"198.51.100.2\","
			"\"proto\":\"esp\",\"spi\":\"0x00002000\",\"mode\":\"tunnel\","
			"\"dir\":\"out\",\"reqid\":7,");
	assert_contains(text, "\"alg\":\"aes128gcm16\",\"backend\":\"auto\"");
	assert_contains(text, "\"encap\":{\"type\":\"espinudp\",\"sport\":4500,"
			"\"dport\":4500}");
	assert_contains(text, "\"encap\":null");
	assert_contains(text, "\"replay_window\":1024,\"esn\":true");
	assert_contains(text, "\"lifetime\":{\"soft\":{\"bytes\":0,\"packets\":0,"
			"\"time\":30},\"hard\":{\"bytes\":0,\"packets\":20,\"time\":0}}");
	assert_contains(text, "\"packets\":11,");
	assert_contains(text, "\"drops\":{\"bad_icv\":3}");
	assert_contains(text, "\"drops\":{}");
	assert_contains(text, "\"tx_seq\":0,\"rx_top\":0}");
	assert_contains(text, "\"src\":\"2001:db8::1\"");
	assert_contains(text, "\"alg\":\"sha256\"");

	text = json_ok(d, &out, "-j sa get spi 0x3000");
	assert_true(text[0] == '{');
	assert_contains(text, "\"proto\":\"ah\",\"spi\":\"0x00003000\"");

	text = json_ok(d, &out, "--json policy add src 10.0.0.0/24 dst 10.0.1.0/24 "
		       "proto udp dport 500 dir out action bypass");
	assert_string_equal(text, "{\"id\":1,\"result\":\"added\"}\n");
	json_ok(d, &out, "-j policy add src 10.0.0.0/24 dst 10.0.2.0/24 dir out "
		"spi 0x2000");
	text = json_ok(d, &out, "-j policy list");
	assert_contains(text, "[{\"id\":1,\"dir\":\"out\",\"src\":\"10.0.0.0/24\","
			"\"dst\":\"10.0.1.0/24\",\"proto\":\"udp\",\"sport_lo\":0,"
			"\"sport_hi\":65535,\"dport_lo\":500,\"dport_hi\":500,"
			"\"action\":\"bypass\",\"spi\":null,\"priority\":0,\"packets\":0,"
			"\"bytes\":0}");
	assert_contains(text, "\"action\":\"protect\",\"spi\":\"0x00002000\"");

	text = json_ok(d, &out, "-j attach veth3 workers 4");
	assert_string_equal(text, "{\"ifname\":\"veth3\",\"mode\":\"generic\","
			    "\"warning\":\"native XDP failed on veth3 (Operation not "
			    "supported), using generic\"}\n");
	text = json_ok(d, &out, "-j status");
	assert_string_equal(text, "{\"instance\":\"default\",\"pin_dir\":"
			    "\"/sys/fs/bpf/xdpsec/default\",\"interfaces\":[{\"ifname\":"
			    "\"veth3\",\"ifindex\":11,\"mode\":\"generic\",\"steer\":"
			    "\"xs-steer1\",\"queues\":2,\"workers\":4}],\"sas\":2,"
			    "\"policies\":2}\n");

	text = json_ok(d, &out, "-j stats");
	/* One object per group, every row in it, groups in first-seen order. */
	assert_int_equal(count_of(text, "\"xdp\":"), 1);
	assert_int_equal(count_of(text, "\"tc\":"), 1);
	assert_contains(text, "{\"xdp\":{\"pass\":{\"packets\":10,\"bytes\":1000},"
			"\"drop_unknown_spi\":{\"packets\":3,\"bytes\":300}},"
			"\"tc\":{\"protect\":{\"packets\":5,\"bytes\":500},"
			"\"bypass\":{\"packets\":1,\"bytes\":64}},");
	assert_contains(text, "\"engine\":{\"unknown_spi\":{\"packets\":0,\"bytes\":0},"
			"\"bad_icv\":{\"packets\":7,\"bytes\":700}}");
	assert_contains(text, "\"worker\":{\"worker0_rx\":{\"packets\":100,\"bytes\":2000},"
			"\"worker1_rx\":{\"packets\":101,\"bytes\":2001}}");
	assert_contains(text, "\"sa\":{\"0x00002000/esp/out\":{\"packets\":11,\"bytes\":0,"
			"\"drops\":3},\"0x00003000/ah/out\":{\"packets\":0,\"bytes\":0,"
			"\"drops\":0}}}");

	text = json_ok(d, &out, "-j detach veth3");
	assert_string_equal(text, "{\"ifname\":\"veth3\",\"result\":\"detached\"}\n");
	text = json_ok(d, &out, "--json policy del id 1");
	assert_string_equal(text, "{\"id\":1,\"result\":\"deleted\"}\n");
	text = json_ok(d, &out, "-j sa del spi 0x3000");
	assert_string_equal(text, "{\"spi\":\"0x00003000\",\"proto\":\"ah\","
			    "\"result\":\"deleted\"}\n");
	/* Errors stay one line of text with --json too. */
	assert_int_equal(run(d, &out, "--json sa get spi 0x9999"), -ENOENT);
	assert_string_equal(xs_outbuf_text(&out), "no SA with spi 0x00009999");
	xs_outbuf_free(&out);
	free(d);
}

/* ------------------------------------------------------------ keys */

/* Every listing, in text and JSON, after SAs of every suite were added;
 * the errors that handle keys (wrong lengths, bad ICV) are covered by the
 * error table, which checks the same. */
static void test_keys_never_printed(void **state)
{
	static const char *const listings[] = {
		"sa list", "-j sa list", "sa get spi 0x4000", "-j sa get spi 0x4001",
		"sa get spi 0x4002", "-j sa get spi 0x4003", "stats", "-j stats", "status",
		"-j status", "policy list", "-j policy list", "help",
	};
	static const char *const adds[] = {
		"proto esp spi 0x4000 aead rfc4106(gcm(aes)) " K20 " 128",
		"proto esp spi 0x4001 aead rfc4106(gcm(aes)) " K36 " 128",
		"proto esp spi 0x4002 aead rfc7539esp(chacha20,poly1305) " K36 " 128",
		"proto esp spi 0x4003 enc cbc(aes) " K16 " auth-trunc hmac(sha256) " K32A " 128",
		"proto esp spi 0x4004 enc cbc(aes) " K32A " auth-trunc hmac(sha256) " K32B " 128",
		"proto esp spi 0x4005 enc cipher_null 0x auth-trunc hmac(sha256) " K32B " 128",
		"proto ah spi 0x4006 auth-trunc hmac(sha256) " K32A " 128",
		"proto esp spi 0x4007 alg aes256gcm16 key " K36,
		"proto ah spi 0x4008 alg sha256 key " K32B,
	};
	struct xsd *d = fake_new();
	struct xs_outbuf out;
	char line[512];
	(void)state;

	xs_outbuf_init(&out);
	for (size_t i = 0; i < ARRAY_SIZE(adds); i++) {
		snprintf(line, sizeof(line), "sa add src 10.0.0.1 dst 10.0.0.2 %s", adds[i]);
		ok(d, &out, line);
		/* The same request again: the duplicate error quotes no key. */
		assert_int_equal(run(d, &out, line), -EEXIST);
		assert_no_keys(xs_outbuf_text(&out), out.len);
	}
	/* Keys in every wrong place a hurried hand puts them: the errors
	 * name the place, never the key. */
	static const char *const misplaced[] = {
		"sa add src " K20 " dst 10.0.0.2 proto esp spi 0x5000",
		"sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi " K36,
		"sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x5000 aead " K36
		" rfc4106(gcm(aes)) 128",
		"sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x5000 enc cbc(aes) " K16
		" auth-trunc " K32A " hmac(sha256) 128",
		"sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x5000 alg " K32B,
		"sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x5000 " K32B,
		"sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x5000 reqid " K20,
		"sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x5000 limit " K16 " 5",
		"sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x5000 mode " K16,
		"state " K20, K32A " sa list", "sa del spi " K16, "policy add src " K36,
		"-i " K20 " sa list", "sa deleteall src " K20, "sa " K32B,
	};
	for (size_t i = 0; i < ARRAY_SIZE(misplaced); i++) {
		assert_true(run(d, &out, misplaced[i]) < 0);
		assert_true(out.len > 0);
		assert_no_keys(xs_outbuf_text(&out), out.len);
	}
	/* The fake keeps the last keys as the daemon received them: the
	 * check below would catch them if they leaked into a listing. */
	assert_int_equal(d->last_sa.cfg.auth_key[0], 0x91);
	assert_int_equal(d->nsas, ARRAY_SIZE(adds));
	ok(d, &out, "policy add src 10.0.0.0/8 dst 10.0.0.0/8 dir out spi 0x4000");
	for (size_t i = 0; i < ARRAY_SIZE(listings); i++) {
		const char *text = ok(d, &out, listings[i]);

		assert_true(out.len > 0);
		assert_no_keys(text, out.len);
	}
	/* The SA infos the listings were made from hold no key bytes. */
	for (unsigned int i = 0; i < d->nsas; i++) {
		static const uint8_t zero[XS_AUTH_KEY_MAX];

		assert_memory_equal(d->sas[i].cfg.enc_key, zero, sizeof(d->sas[i].cfg.enc_key));
		assert_memory_equal(d->sas[i].cfg.auth_key, zero, sizeof(zero));
	}
	xs_outbuf_free(&out);
	free(d);
}

/* -------------------------------------------------- options and help */

/* ---------------------------------------------- ip xfrm habits */

static void test_ip_xfrm_habits(void **state)
{
	struct xsd *d = fake_new();
	struct xs_outbuf out;
	char line[512];
	(void)state;

	xs_outbuf_init(&out);
	/* state is sa; -j and -json anywhere on the line. */
	for (unsigned int i = 0; i < 6; i++) {
		snprintf(line, sizeof(line), "%s add src 10.0.0.%u dst 10.0.0.9 proto %s "
			 "spi 0x%x reqid %u mode %s %s", i % 2 ? "state" : "sa", 1 + i % 3,
			 i < 4 ? "esp" : "ah", 0x6000 + i, i % 2 ? 1 : 2,
			 i % 2 ? "tunnel" : "transport",
			 i < 4 ? "aead rfc4106(gcm(aes)) " K20 " 128" :
			 "auth-trunc hmac(sha256) " K32A " 128");
		ok(d, &out, line);
	}
	assert_string_equal(ok(d, &out, "sa count"), "sa count 6\n");
	assert_string_equal(ok(d, &out, "state count -j"), "{\"count\":6}\n");
	assert_string_equal(ok(d, &out, "sa -json count"), "{\"count\":6}\n");
	/* show: one SA with spi, every SA without; get is the same. */
	assert_non_null(strstr(ok(d, &out, "state show spi 0x6001"), "spi 0x00006001"));
	assert_null(strstr(xs_outbuf_text(&out), "spi 0x00006002"));
	assert_non_null(strstr(ok(d, &out, "sa show"), "spi 0x00006005"));
	assert_non_null(strstr(xs_outbuf_text(&out), "spi 0x00006000"));
	assert_non_null(strstr(ok(d, &out, "state get spi 0x6004 -j"), "\"spi\":\"0x00006004\""));
	/* deleteall: every selector must match. */
	assert_string_equal(ok(d, &out, "state deleteall src 10.0.0.1 proto esp"),
			    "sa deleted 2\n");          /* 0x6000, 0x6003 */
	assert_string_equal(ok(d, &out, "sa deleteall reqid 1 mode tunnel -j"),
			    "{\"deleted\":2}\n");    /* 0x6001, 0x6005 */
	assert_string_equal(ok(d, &out, "sa deleteall dst 10.0.0.8"), "sa deleted 0\n");
	assert_string_equal(ok(d, &out, "sa count"), "sa count 2\n");
	/* flush by proto, then all. */
	assert_string_equal(ok(d, &out, "sa flush proto ah"), "sa deleted 1\n");
	assert_non_null(fake_sa_find(d, 0x6002, XS_PROTO_ESP, XS_DIR_ANY));
	assert_string_equal(ok(d, &out, "state flush"), "sa deleted 1\n");
	assert_int_equal(d->nsas, 0);
	assert_string_equal(ok(d, &out, "sa flush"), "sa deleted 0\n");

	/* Policies: count by direction, deleteall by action, flush by dir. */
	ok(d, &out, "sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x7000 dir out "
	   "aead rfc4106(gcm(aes)) " K20 " 128");
	ok(d, &out, "policy add src 10.1.0.0/16 dst 10.2.0.0/16 dir out spi 0x7000");
	ok(d, &out, "policy add src 10.3.0.0/16 dst 10.2.0.0/16 dir out action bypass");
	ok(d, &out, "policy add src 10.2.0.0/16 dst 10.1.0.0/16 dir in action discard");
	ok(d, &out, "policy add src 10.4.0.0/16 dst 10.1.0.0/16 dir in action bypass");
	assert_string_equal(ok(d, &out, "policy count"), "policy count 4 in 2 out 2\n");
	assert_string_equal(ok(d, &out, "-j policy count"),
			    "{\"count\":4,\"in\":2,\"out\":2}\n");
	assert_non_null(strstr(ok(d, &out, "policy show"), "action discard"));
	assert_string_equal(ok(d, &out, "policy deleteall action bypass dir in"),
			    "policy deleted 1\n");
	assert_string_equal(ok(d, &out, "policy deleteall spi 0x7000"), "policy deleted 1\n");
	assert_string_equal(ok(d, &out, "policy flush dir out"), "policy deleted 1\n");
	assert_string_equal(ok(d, &out, "policy count"), "policy count 1 in 1 out 0\n");
	assert_string_equal(ok(d, &out, "policy flush"), "policy deleted 1\n");
	assert_int_equal(d->nsas, 1);
	xs_outbuf_free(&out);
	free(d);
}

static void test_hoist_json(void **state)
{
	static const struct {
		const char *in, *out;
	} rows[] = {
		{ "sa list -j", "-j sa list" },
		{ "-i x sa -json list", "-i x -json sa list" },
		{ "sa list", "sa list" },
		{ "-j sa list --json", "-j --json sa list" },
		/* The stdin key word stays where it is. */
		{ "sa add aead n - 128 -j", "-j sa add aead n - 128" },
		{ "-b f -j", "-b f -j" },
		{ "-i -j sa list", "-i -j sa list" },   /* -j is -i's value */
	};
	(void)state;

	for (size_t r = 0; r < ARRAY_SIZE(rows); r++) {
		char copy[128], joined[128] = "", *argv[16];
		int argc;

		snprintf(copy, sizeof(copy), "%s", rows[r].in);
		argc = split(copy, argv, 16);
		xs_cmd_hoist_opts(argc, argv);
		for (int i = 0; i < argc; i++)
			snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%s",
				 i ? " " : "", argv[i]);
		if (strcmp(joined, rows[r].out))
			fail_msg("row %zu: '%s' gave '%s', want '%s'", r, rows[r].in, joined,
				 rows[r].out);
	}
}

static void test_global_options(void **state)
{
	static const struct {
		const char *line;
		int idx;                /* < 0: refused */
		const char *instance;
		bool json, help;
	} rows[] = {
		{ "sa list", 0, NULL, false, false },
		{ "-j sa list", 1, NULL, true, false },
		{ "--json -i foo sa list", 3, "foo", true, false },
		{ "--instance bar status", 2, "bar", false, false },
		{ "--instance=baz status", 1, "baz", false, false },
		{ "-iqux status", 1, "qux", false, false },
		{ "-i a -i b status", 4, "b", false, false },
		{ "-h", 1, NULL, false, true },
		{ "--help sa", 1, NULL, false, true },
		{ "-j", 1, NULL, true, false },
		{ "-- -j", 1, NULL, false, false },
		{ "", 0, NULL, false, false },
		{ "-i 0123456789012345678901234567890 status", 2,
		  "0123456789012345678901234567890", false, false },
		{ "-i 01234567890123456789012345678901 status", -1, NULL, false, false },
		{ "-i a.b status", -1, NULL, false, false },
		{ "--instance= status", -1, NULL, false, false },
		{ "-x status", -1, NULL, false, false },
		{ "--instance", -1, NULL, false, false },
	};
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		char copy[128], *argv[16], err[XS_ERR_MAX] = "";
		struct xs_cmd_opts o;
		int argc, idx;

		snprintf(copy, sizeof(copy), "%s", rows[i].line);
		argc = split(copy, argv, 16);
		idx = xs_cmd_parse_global(argc, argv, &o, err, sizeof(err));
		if (rows[i].idx < 0) {
			if (idx != -EINVAL || !err[0])
				fail_msg("row %zu '%s' accepted", i, rows[i].line);
			continue;
		}
		if (idx != rows[i].idx || o.json != rows[i].json || o.help != rows[i].help)
			fail_msg("row %zu '%s': idx %d", i, rows[i].line, idx);
		if (rows[i].instance ? !o.instance || strcmp(o.instance, rows[i].instance) :
		    o.instance != NULL)
			fail_msg("row %zu '%s': instance", i, rows[i].line);
	}
}

static void test_help(void **state)
{
	struct xsd *d = fake_new();
	struct xs_outbuf out;
	const char *text;
	(void)state;

	xs_outbuf_init(&out);
	text = ok(d, &out, "help");
	assert_contains(text, "usage: xdpsec [-i|--instance NAME] [-j|--json] COMMAND");
	for (const char *const *w = (const char *const[]){ "daemon", "attach DEV", "detach DEV",
			"status", "sa add src ADDR", "sa del spi SPI", "sa get spi SPI",
			"sa list", "policy add src PREFIX", "policy del id ID", "policy list",
			"stats", "aead rfc4106(gcm(aes)) KEY 128", "aes128gcm16", NULL };
	     *w; w++)
		assert_contains(text, *w);
	char *first = strdup(text);

	assert_non_null(first);
	assert_string_equal(ok(d, &out, "--help"), first);
	free(first);
	/* With the right instance named, commands run. */
	ok(d, &out, "-i default status");
	assert_int_equal(d->changes, 0);
	xs_outbuf_free(&out);
	free(d);
}

/* Output beyond XS_OUTBUF_MAX becomes a one-line error. */
static void test_output_limit(void **state)
{
	struct xsd *d = fake_new();
	struct xs_outbuf out;
	(void)state;

	xs_outbuf_init(&out);
	assert_int_equal(xs_outbuf_printf(&out, "%s", "x"), 0);
	out.len = XS_OUTBUF_MAX - 1;    /* pretend it is nearly full */
	assert_int_equal(xs_outbuf_puts(&out, "yy"), -E2BIG);
	out.len = 1;
	/* xs_cmd_run starts from an empty buffer and clears the error. */
	ok(d, &out, "status");
	assert_int_equal(out.err, 0);
	xs_outbuf_free(&out);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors_change_nothing),
		cmocka_unit_test(test_errors_hostile_words),
		cmocka_unit_test(test_sa_round_trip),
		cmocka_unit_test(test_policy_round_trip),
		cmocka_unit_test(test_attach_status),
		cmocka_unit_test(test_stats_text),
		cmocka_unit_test(test_json_outputs),
		cmocka_unit_test(test_keys_never_printed),
		cmocka_unit_test(test_ip_xfrm_habits),
		cmocka_unit_test(test_hoist_json),
		cmocka_unit_test(test_global_options),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_output_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
