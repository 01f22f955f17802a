// SPDX-License-Identifier: GPL-2.0-only
/*
 * The agent's control socket, XS_CTL_RUN_DIR/<instance>-ike.sock, served
 * by the one control server (ctl/server.h) with the datapath daemon's
 * framing (ctl/ctl.h). Commands are a table of do_<verb>() handlers;
 * initiate and terminate answer once the outcome is known. The client
 * side sends the words of its command line and prints the answer.
 *
 * Nothing here prints a key or a PSK: listings come from ike_sa_foreach(),
 * whose records hold none.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "ctl.h"
#include "metrics.h"
#include "outbuf.h"
#include "server.h"
#include "shell.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* initiate/terminate: how long the client waits for the outcome. */
#define CTL_WAIT_DEFAULT_S 30u
#define CTL_WAIT_MAX_S 3600u
/* A handler's answer comes later (initiate, terminate). */
#define CTL_DEFERRED 1

struct ctl_ctx {
	struct ike_agent *a;
	struct xs_ctl_srv_client *cl;   /* NULL: not from the socket */
	struct xs_outbuf *out;
	bool json;
	char *err;
	size_t errlen;
};

struct ctl_cmd {
	const char *name;
	int (*fn)(struct ctl_ctx *c, int argc, char **argv);
	const char *args;
	const char *help;
};

static int fail(struct ctl_ctx *c, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct ctl_ctx *c, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return ret;
}

/* A user word safe to quote: printable, cut at 40 bytes. */
static const char *quote(const char *w, char buf[48])
{
	size_t i;

	for (i = 0; w[i] && i < 40; i++)
		buf[i] = (w[i] >= 0x20 && w[i] < 0x7f) ? w[i] : '?';
	buf[i] = '\0';
	if (w[i])
		strcpy(buf + i, "...");
	return buf;
}

/* -------------------------------------------------------------- options */

static bool instance_ok(const char *s)
{
	return !xs_ctl_instance_ok(s);
}

int ike_ctl_parse_global(int argc, char **argv, struct ike_ctl_opts *o, char *err,
			 size_t errlen)
{
	char q[48];
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i], *name = NULL;

		if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			o->json = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			o->help = true;
		} else if (!strcmp(a, "-i") || !strcmp(a, "--instance")) {
			if (i + 1 >= argc) {
				snprintf(err, errlen, "%s needs an instance name", a);
				return -EINVAL;
			}
			name = argv[++i];
		} else if (!strncmp(a, "--instance=", 11)) {
			name = a + 11;
		} else if (!strncmp(a, "-i", 2)) {
			name = a + 2;
		} else {
			snprintf(err, errlen, "unknown option '%s'", quote(a, q));
			return -EINVAL;
		}
		if (name && !instance_ok(name)) {
			snprintf(err, errlen, "bad instance name '%s': 1-%d of A-Z a-z 0-9 _ -",
				 quote(name, q), XS_INSTANCE_MAX - 1);
			return -EINVAL;
		}
		if (name)
			o->instance = name;
	}
	return i;
}

int ike_ctl_path(const char *instance, char *buf, size_t len)
{
	return xs_ctl_path_suffix(instance, "-ike", buf, len);
}

/* ------------------------------------------------------------- listing */

static const char *l4_name(uint8_t proto, char buf[8])
{
	switch (proto) {
	case 0: return "any";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMPV6: return "icmpv6";
	case IPPROTO_SCTP: return "sctp";
	default:
		snprintf(buf, 8, "%u", proto);
		return buf;
	}
}

/* swanctl's form: "10.0.0.0/24", "10.0.0.1..10.0.0.6", then [proto/port]. */
static const char *ts_str(const struct ike_ts *ts, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], pfx[64], pr[8], ports[24];
	struct ike_prefix p[2];
	size_t n = 0, off;
	int fam = ts->family == AF_INET6 ? AF_INET6 : AF_INET;

	if (!ike_ts_prefixes(ts, p, 1, &n) && n == 1) {
		snprintf(buf, len, "%s", ike_prefix_str(&p[0], pfx));
	} else {
		inet_ntop(fam, ts->start, a, sizeof(a));
		inet_ntop(fam, ts->end, b, sizeof(b));
		snprintf(buf, len, "%s..%s", a, b);
	}
	if (!ts->proto && ts->port_lo == 0 && ts->port_hi == UINT16_MAX)
		return buf;
	if (ts->port_lo > ts->port_hi)
		snprintf(ports, sizeof(ports), "/opaque");
	else if (ts->port_lo == 0 && ts->port_hi == UINT16_MAX)
		ports[0] = '\0';
	else if (ts->port_lo == ts->port_hi)
		snprintf(ports, sizeof(ports), "/%u", ts->port_lo);
	else
		snprintf(ports, sizeof(ports), "/%u-%u", ts->port_lo, ts->port_hi);
	off = strlen(buf);
	if (off < len)
		snprintf(buf + off, len - off, "[%s%s]", l4_name(ts->proto, pr), ports);
	return buf;
}

static const char *addr_only(const struct sockaddr_storage *ss, char buf[INET6_ADDRSTRLEN],
			     unsigned int *port)
{
	*port = 0;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		*port = ntohs(s4->sin_port);
		return inet_ntop(AF_INET, &s4->sin_addr, buf, INET6_ADDRSTRLEN);
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		*port = ntohs(s6->sin6_port);
		return inet_ntop(AF_INET6, &s6->sin6_addr, buf, INET6_ADDRSTRLEN);
	}
	snprintf(buf, INET6_ADDRSTRLEN, "%%any");
	return buf;
}

static const char *nat_str(const struct ike_sa_info *s)
{
	if (s->nat_local && s->nat_remote)
		return "local and remote";
	return s->nat_local ? "local" : s->nat_remote ? "remote" : "none";
}

static void ts_list_text(struct xs_outbuf *o, const char *label, const struct ike_ts *ts,
			 unsigned int n)
{
	char buf[128];

	xs_outbuf_printf(o, "    %s", label);
	for (unsigned int i = 0; i < n && i < IKE_TS_MAX; i++)
		xs_outbuf_printf(o, "%s%s", i ? ", " : " ", ts_str(&ts[i], buf, sizeof(buf)));
	xs_outbuf_puts(o, n ? "\n" : " none\n");
}

static void sa_text(struct xs_outbuf *o, const struct ike_sa_info *s)
{
	char l[IKE_ADDR_STR_MAX], r[IKE_ADDR_STR_MAX];
	unsigned int nc = s->n_children < ARRAY_SIZE(s->children) ?
			  s->n_children : (unsigned int)ARRAY_SIZE(s->children);

	xs_outbuf_printf(o, "%.*s: %.*s, %s, %s...%s\n", (int)sizeof(s->conn), s->conn,
			 (int)sizeof(s->state), s->state,
			 s->initiator ? "initiator" : "responder",
			 ike_sockaddr_str(&s->local, l), ike_sockaddr_str(&s->remote, r));
	xs_outbuf_printf(o, "  spi %016" PRIx64 "_i %016" PRIx64 "_r, established %"
			 PRIu64 "s ago, nat %s\n", s->spi_i, s->spi_r, s->established_s,
			 nat_str(s));
	xs_outbuf_printf(o, "  %.*s", (int)sizeof(s->encr), s->encr);
	if (s->integ[0])
		xs_outbuf_printf(o, "/%.*s", (int)sizeof(s->integ), s->integ);
	xs_outbuf_printf(o, "/%.*s/%.*s\n", (int)sizeof(s->prf), s->prf,
			 (int)sizeof(s->dh), s->dh);
	for (unsigned int i = 0; i < nc; i++) {
		const struct ike_child_info *ch = &s->children[i];

		xs_outbuf_printf(o, "  %.*s: %.*s %s%s, spi in %08x out %08x, %.*s, "
				 "established %" PRIu64 "s ago\n",
				 (int)sizeof(ch->name), ch->name, (int)sizeof(ch->proto),
				 ch->proto, ch->transport ? "transport" : "tunnel",
				 ch->encap ? " udp-encap" : "", ch->spi_in, ch->spi_out,
				 (int)sizeof(ch->alg), ch->alg, ch->established_s);
		ts_list_text(o, "local ", ch->local_ts, ch->n_local_ts);
		ts_list_text(o, "remote", ch->remote_ts, ch->n_remote_ts);
	}
}

/* Copies a fixed-size, maybe unterminated field for the JSON writer. */
static const char *field(const char *f, size_t size, char *buf)
{
	size_t n = strnlen(f, size);

	memcpy(buf, f, n);
	buf[n] = '\0';
	return buf;
}

#define FIELD(f, buf) field((f), sizeof(f), (buf))

static void ts_list_json(struct xs_json *j, const char *key, const struct ike_ts *ts,
			 unsigned int n)
{
	char buf[128];

	xs_json_key(j, key);
	xs_json_array_begin(j);
	for (unsigned int i = 0; i < n && i < IKE_TS_MAX; i++)
		xs_json_string(j, ts_str(&ts[i], buf, sizeof(buf)));
	xs_json_array_end(j);
}

static void sa_json(struct xs_json *j, const struct ike_sa_info *s)
{
	char a[INET6_ADDRSTRLEN], f[IKE_CONF_NAME_MAX + 1], spi[24];
	unsigned int port, nc = s->n_children < ARRAY_SIZE(s->children) ?
				s->n_children : (unsigned int)ARRAY_SIZE(s->children);

	xs_json_object_begin(j);
	xs_json_kv_string(j, "conn", FIELD(s->conn, f));
	xs_json_kv_string(j, "state", FIELD(s->state, f));
	xs_json_kv_bool(j, "initiator", s->initiator);
	snprintf(spi, sizeof(spi), "0x%016" PRIx64, s->spi_i);
	xs_json_kv_string(j, "spi_i", spi);
	snprintf(spi, sizeof(spi), "0x%016" PRIx64, s->spi_r);
	xs_json_kv_string(j, "spi_r", spi);
	xs_json_kv_string(j, "local", addr_only(&s->local, a, &port));
	xs_json_kv_u64(j, "local_port", port);
	xs_json_kv_string(j, "remote", addr_only(&s->remote, a, &port));
	xs_json_kv_u64(j, "remote_port", port);
	xs_json_kv_bool(j, "nat_local", s->nat_local);
	xs_json_kv_bool(j, "nat_remote", s->nat_remote);
	xs_json_kv_string(j, "encr", FIELD(s->encr, f));
	xs_json_kv_string(j, "integ", FIELD(s->integ, f));
	xs_json_kv_string(j, "prf", FIELD(s->prf, f));
	xs_json_kv_string(j, "dh", FIELD(s->dh, f));
	xs_json_kv_u64(j, "established_s", s->established_s);
	xs_json_key(j, "children");
	xs_json_array_begin(j);
	for (unsigned int i = 0; i < nc; i++) {
		const struct ike_child_info *ch = &s->children[i];

		xs_json_object_begin(j);
		xs_json_kv_string(j, "name", FIELD(ch->name, f));
		xs_json_kv_string(j, "proto", FIELD(ch->proto, f));
		xs_json_kv_string(j, "mode", ch->transport ? "transport" : "tunnel");
		xs_json_kv_bool(j, "encap", ch->encap);
		snprintf(spi, sizeof(spi), "0x%08x", ch->spi_in);
		xs_json_kv_string(j, "spi_in", spi);
		snprintf(spi, sizeof(spi), "0x%08x", ch->spi_out);
		xs_json_kv_string(j, "spi_out", spi);
		xs_json_kv_string(j, "alg", FIELD(ch->alg, f));
		ts_list_json(j, "local_ts", ch->local_ts, ch->n_local_ts);
		ts_list_json(j, "remote_ts", ch->remote_ts, ch->n_remote_ts);
		xs_json_kv_u64(j, "established_s", ch->established_s);
		xs_json_object_end(j);
	}
	xs_json_array_end(j);
	xs_json_object_end(j);
}

struct list_ctx {
	struct ctl_ctx *c;
	struct xs_json j;
	unsigned long n;
};

static int list_one(const struct ike_sa_info *s, void *arg)
{
	struct list_ctx *l = arg;

	if (l->c->json)
		sa_json(&l->j, s);
	else
		sa_text(l->c->out, s);
	l->n++;
	return l->c->out->err ? 1 : 0;
}

/* Trailing --json / -j after a listing command. */
static int json_words(struct ctl_ctx *c, const char *cmd, int argc, char **argv)
{
	char q[48];

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") && strcmp(argv[i], "-j"))
			return fail(c, -EINVAL, "unknown word '%s' in %s", quote(argv[i], q),
				    cmd);
		c->json = true;
	}
	return 0;
}

static int do_list_sas(struct ctl_ctx *c, int argc, char **argv)
{
	struct list_ctx l = { .c = c };
	int ret;

	ret = json_words(c, "list-sas", argc, argv);
	if (ret)
		return ret;
	xs_json_init(&l.j, c->out);
	if (c->json)
		xs_json_array_begin(&l.j);
	ret = ike_sa_foreach(c->a, list_one, &l);
	if (ret < 0)
		return fail(c, ret, "listing SAs failed: %s", strerror(-ret));
	if (c->json) {
		xs_json_array_end(&l.j);
		xs_json_finish(&l.j);
		xs_outbuf_puts(c->out, "\n");
	} else if (!l.n) {
		xs_outbuf_puts(c->out, "no IKE SAs\n");
	}
	return 0;
}

/* ------------------------------------------------------------- actions */

/*
 * initiate and terminate wait for their outcome, like swanctl: the
 * client's request is deferred (ctl/server.h) and answered from
 * ike_shell_initiate_done() / ike_shell_terminate_done(). The agent
 * reports every initiate and terminate that it accepted, in the order
 * they were made for a connection (agent.h, outcomes), so each one gets a
 * record here in that order, waited for or not: id 0 once nobody waits
 * (--timeout 0, a client that left or gave up, or no socket at all).
 */
struct waiting {
	struct waiting *next;
	bool terminate;
	uint64_t id;            /* the deferred client (ctl/server.h) */
	char conn[IKE_CONF_NAME_MAX];
};

static struct waiting *waiting_head;

static struct waiting *waiting_add(bool terminate, const char *conn)
{
	struct waiting *w = calloc(1, sizeof(*w)), **pp;

	if (!w)
		return NULL;
	w->terminate = terminate;
	snprintf(w->conn, sizeof(w->conn), "%s", conn);
	for (pp = &waiting_head; *pp; pp = &(*pp)->next)
		;
	*pp = w;
	return w;
}

/* Unlinks w if it is still listed (a report may have taken it) and frees
 * it; returns its id, 0 if it was gone. */
static uint64_t waiting_take(struct waiting *w)
{
	for (struct waiting **pp = &waiting_head; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			uint64_t id = w->id;

			*pp = w->next;
			free(w);
			return id;
		}
	}
	return 0;
}

/* The oldest record of that kind for conn: the one a report is for. */
static struct waiting *waiting_first(bool terminate, const char *conn)
{
	for (struct waiting *w = waiting_head; w; w = w->next)
		if (w->terminate == terminate && !strcmp(w->conn, conn))
			return w;
	return NULL;
}

static struct xs_ctl_srv *srv;          /* one agent per process */

static void answer(bool terminate, const char *conn, int status, const char *text)
{
	struct waiting *w = waiting_first(terminate, conn);
	uint64_t id;

	if (!w)
		return;
	id = waiting_take(w);
	if (id && srv)
		xs_ctl_srv_reply_id(srv, id, status, text, strlen(text));
}

void ike_shell_initiate_done(struct ike_agent *a, const char *conn, const char *child,
			     int status, const char *why)
{
	char text[IKE_CONF_NAME_MAX * 2 + 512], what[IKE_CONF_NAME_MAX * 2 + 16];

	(void)a;
	if (child)
		snprintf(what, sizeof(what), "%s child %s", conn, child);
	else
		snprintf(what, sizeof(what), "%s", conn);
	if (status)
		snprintf(text, sizeof(text), "initiate %s failed: %s", what, why);
	else
		snprintf(text, sizeof(text), "initiate %s: established\n", what);
	answer(false, conn, status, text);
}

void ike_shell_terminate_done(struct ike_agent *a, const char *conn, int status,
			      const char *why)
{
	char text[IKE_CONF_NAME_MAX + 512];

	(void)a;
	if (status)
		snprintf(text, sizeof(text), "terminate %s failed: %s", conn, why);
	else
		snprintf(text, sizeof(text), "terminate %s: %s\n", conn, why);
	answer(true, conn, status, text);
}

/* Takes --timeout SECONDS (or --timeout=SECONDS) out of the words;
 * *secs is CTL_WAIT_DEFAULT_S without it. */
static int wait_words(struct ctl_ctx *c, const char *cmd, int *argc, char **argv,
		      unsigned int *secs)
{
	int n = 0;
	char q[48];

	*secs = CTL_WAIT_DEFAULT_S;
	for (int i = 0; i < *argc; i++) {
		const char *v = NULL;
		char *end;
		unsigned long x;

		if (!strcmp(argv[i], "--timeout") || !strcmp(argv[i], "-t")) {
			if (i + 1 >= *argc)
				return fail(c, -EINVAL, "%s: %s needs SECONDS", cmd, argv[i]);
			v = argv[++i];
		} else if (!strncmp(argv[i], "--timeout=", 10)) {
			v = argv[i] + 10;
		} else if (argv[i][0] == '-') {
			return fail(c, -EINVAL, "%s: unknown option '%s'", cmd,
				    quote(argv[i], q));
		} else {
			argv[n++] = argv[i];
			continue;
		}
		errno = 0;
		x = strtoul(v, &end, 10);
		if (errno || end == v || *end || v[0] == '-' || x > CTL_WAIT_MAX_S)
			return fail(c, -EINVAL, "%s: --timeout takes 0-%u seconds, not '%s'",
				    cmd, CTL_WAIT_MAX_S, quote(v, q));
		*secs = (unsigned int)x;
	}
	*argc = n;
	return 0;
}

/* Registers what the report will be for, and defers the client. */
static struct waiting *wait_for(struct ctl_ctx *c, bool terminate, const char *conn,
				unsigned int secs, bool *deferred)
{
	struct waiting *w = waiting_add(terminate, conn);
	char msg[IKE_CONF_NAME_MAX + 96];

	*deferred = false;
	if (!w || !c->cl || !secs)
		return w;
	snprintf(msg, sizeof(msg), "%s %s: no outcome within %u s (the exchange goes on in the agent)",
		 terminate ? "terminate" : "initiate", conn, secs);
	w->id = xs_ctl_srv_defer(c->cl, secs * 1000u, msg);
	*deferred = true;
	return w;
}

static int do_initiate(struct ctl_ctx *c, int argc, char **argv)
{
	struct waiting *w;
	unsigned int secs;
	bool deferred;
	int ret;

	ret = wait_words(c, "initiate", &argc, argv, &secs);
	if (ret)
		return ret;
	if (argc < 1 || argc > 2)
		return fail(c, -EINVAL, "usage: initiate [--timeout SECONDS] CONN [CHILD]");
	w = wait_for(c, false, argv[0], secs, &deferred);
	if (!w)
		return fail(c, -ENOMEM, "out of memory");
	c->err[0] = '\0';
	/* The outcome may be reported before this returns (w is then gone). */
	ret = ike_sa_initiate(c->a, argv[0], argc > 1 ? argv[1] : NULL, c->err, c->errlen);
	if (ret) {
		/* Refused: nothing will be reported. */
		waiting_take(w);
		if (!c->err[0])
			fail(c, ret, "initiate failed: %s", strerror(-ret));
		return ret;
	}
	if (deferred)
		return CTL_DEFERRED;
	if (argc > 1)
		xs_outbuf_printf(c->out, "initiating %s child %s\n", argv[0], argv[1]);
	else
		xs_outbuf_printf(c->out, "initiating %s\n", argv[0]);
	return 0;
}

static int do_terminate(struct ctl_ctx *c, int argc, char **argv)
{
	struct waiting *w;
	unsigned int secs;
	bool deferred;
	int ret;

	ret = wait_words(c, "terminate", &argc, argv, &secs);
	if (ret)
		return ret;
	if (argc != 1)
		return fail(c, -EINVAL, "usage: terminate [--timeout SECONDS] CONN");
	w = wait_for(c, true, argv[0], secs, &deferred);
	if (!w)
		return fail(c, -ENOMEM, "out of memory");
	c->err[0] = '\0';
	ret = ike_sa_terminate(c->a, argv[0], c->err, c->errlen);
	if (ret) {
		waiting_take(w);
		if (!c->err[0])
			fail(c, ret, "terminate failed: %s", strerror(-ret));
		return ret;
	}
	if (deferred)
		return CTL_DEFERRED;
	xs_outbuf_printf(c->out, "terminating %s\n", argv[0]);
	return 0;
}

int ike_ctl_reload(struct ike_agent *a, char *err, size_t errlen)
{
	struct ike_config *nc, *old;
	int ret;

	nc = calloc(1, sizeof(*nc));
	if (!nc) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* Parsed aside: a bad file changes nothing that runs. */
	ret = ike_config_load(a->cfg_path, nc, err, errlen);
	if (!ret)
		ret = ike_net_open(a, nc, err, errlen);
	if (ret) {
		ike_shell_log(IKE_LOG_WARN, "reload refused, nothing changed: %s", err);
		ike_config_free(nc);
		free(nc);
		return ret;
	}
	old = a->cfg;
	a->cfg = nc;
	ike_sa_config_changed(a);
	ike_config_free(old);
	free(old);
	ike_shell_log(IKE_LOG_INFO, "reloaded %s: %zu connections, %zu secrets",
		      a->cfg_path, nc->n_conns, nc->n_secrets);
	return 0;
}

static int do_reload(struct ctl_ctx *c, int argc, char **argv)
{
	char q[48];
	int ret;

	if (argc)
		return fail(c, -EINVAL, "unknown word '%s' in reload", quote(argv[0], q));
	ret = ike_ctl_reload(c->a, c->err, c->errlen);
	if (ret)
		return ret;
	xs_outbuf_printf(c->out, "reloaded %s: %zu connections, %zu secrets\n",
			 c->a->cfg_path, c->a->cfg->n_conns, c->a->cfg->n_secrets);
	return 0;
}

/* --------------------------------------------------------------- stats */

static const char *const agent_counter_names[IKE_AC_MAX] = {
#define IKE_AC_NAME(n, s) [IKE_AC_##n] = s,
	IKE_AGENT_COUNTERS(IKE_AC_NAME)
#undef IKE_AC_NAME
};

struct stat_row {
	const char *name;
	uint64_t v;
};

static void stats_group(struct ctl_ctx *c, struct xs_json *j, const char *group,
			const struct stat_row *rows, size_t n)
{
	if (c->json) {
		xs_json_key(j, group);
		xs_json_object_begin(j);
		for (size_t i = 0; i < n; i++)
			xs_json_kv_u64(j, rows[i].name, rows[i].v);
		xs_json_object_end(j);
		return;
	}
	xs_outbuf_printf(c->out, "%s:\n", group);
	for (size_t i = 0; i < n; i++)
		xs_outbuf_printf(c->out, "  %-16s %" PRIu64 "\n", rows[i].name, rows[i].v);
}

static int do_stats(struct ctl_ctx *c, int argc, char **argv)
{
	struct stat_row agent[IKE_AC_MAX + 1];
	struct ike_install_stats is;
	struct ike_net_stats ns;
	struct xs_json j;
	int ret;

	ret = json_words(c, "stats", argc, argv);
	if (ret)
		return ret;
	for (int i = 0; i < IKE_AC_MAX; i++) {
		agent[i].name = agent_counter_names[i];
		agent[i].v = c->a->counters[i];
	}
	agent[IKE_AC_MAX].name = "half_open";
	agent[IKE_AC_MAX].v = c->a->half_open;
	ike_net_stats_get(&ns);
	ike_install_stats_get(&is);
	{
		const struct stat_row net[] = {
			{ "rx_datagrams", ns.rx_datagrams }, { "rx_ike", ns.rx_ike },
			{ "rx_keepalive", ns.rx_keepalive }, { "rx_esp", ns.rx_esp },
			{ "rx_runt", ns.rx_runt }, { "rx_truncated", ns.rx_truncated },
			{ "rx_errors", ns.rx_errors }, { "tx_ike", ns.tx_ike },
			{ "tx_keepalive", ns.tx_keepalive }, { "tx_errors", ns.tx_errors },
		};
		const struct stat_row dp[] = {
			{ "commands", is.commands }, { "failures", is.failures },
			{ "sas", is.sas }, { "policies", is.policies },
		};

		xs_json_init(&j, c->out);
		if (c->json)
			xs_json_object_begin(&j);
		stats_group(c, &j, "ike", agent, ARRAY_SIZE(agent));
		stats_group(c, &j, "net", net, ARRAY_SIZE(net));
		stats_group(c, &j, "datapath", dp, ARRAY_SIZE(dp));
		if (c->json) {
			xs_json_object_end(&j);
			xs_json_finish(&j);
			xs_outbuf_puts(c->out, "\n");
		}
	}
	return 0;
}

static int do_metrics(struct ctl_ctx *c, int argc, char **argv)
{
	char q[48];

	if (argc)
		return fail(c, -EINVAL, "unknown word '%s' in metrics", quote(argv[0], q));
	return ike_metrics_write(c->a, c->out);
}

/* ---------------------------------------------------------------- table */

static int do_help(struct ctl_ctx *c, int argc, char **argv);

static const struct ctl_cmd cmds[] = {
	{ "list-sas", do_list_sas, "[--json]", "show IKE SAs and their Child SAs" },
	{ "initiate", do_initiate, "[-t S] CONN [CHILD]",
	  "start CONN (only its Child SA CHILD if given); waits for the outcome" },
	{ "terminate", do_terminate, "[-t S] CONN",
	  "delete the IKE SAs of CONN and their Child SAs; waits" },
	{ "reload", do_reload, "", "re-read the configuration file" },
	{ "stats", do_stats, "[--json]", "show the agent's counters" },
	{ "metrics", do_metrics, "", "show state and counters, Prometheus text format" },
	{ "help", do_help, "", "show this text" },
};

void ike_ctl_usage(struct xs_outbuf *out)
{
	xs_outbuf_puts(out,
		"usage: xdpsec-ike [-i INSTANCE] [-j] COMMAND [ARGS]\n"
		"  -i, --instance NAME   the datapath daemon's instance (default "
		IKE_DEFAULT_INSTANCE ")\n"
		"  -j, --json            JSON output\n"
		"commands:\n"
		"  daemon --config FILE [--foreground] [--log FILE] [--log-level LEVEL]\n"
		"         [--metrics-file FILE] [--fake-nat]\n"
		"                        run the IKE agent of the instance\n");
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		char left[64];

		snprintf(left, sizeof(left), "%s %s", cmds[i].name, cmds[i].args);
		/* a long syntax gets its own line, as daemon's */
		if (strlen(left) > 21)
			xs_outbuf_printf(out, "  %s\n%24s%s\n", left, "", cmds[i].help);
		else
			xs_outbuf_printf(out, "  %-21s %s\n", left, cmds[i].help);
	}
	xs_outbuf_puts(out,
		"initiate and terminate exit 0 once done, 1 with the reason if not:\n"
		"  -t, --timeout S       wait at most S seconds (default 30, at most 3600;\n"
		"                        0: only start, do not wait)\n");
}

static int do_help(struct ctl_ctx *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	ike_ctl_usage(c->out);
	return 0;
}

static int ctl_run(struct ike_agent *a, struct xs_ctl_srv_client *cl, int argc, char **argv,
		   struct xs_outbuf *out, char *err, size_t errlen)
{
	struct ctl_ctx c = { .a = a, .cl = cl, .out = out, .err = err, .errlen = errlen };
	struct ike_ctl_opts o;
	char q[48];
	int idx;

	err[0] = '\0';
	idx = ike_ctl_parse_global(argc, argv, &o, err, errlen);
	if (idx < 0)
		return idx;
	if (o.instance && strcmp(o.instance, a->instance))
		return fail(&c, -EINVAL, "request for instance %s reached the agent of %s",
			    o.instance, a->instance);
	c.json = o.json;
	if (o.help) {
		ike_ctl_usage(out);
		return 0;
	}
	if (idx == argc)
		return fail(&c, -EINVAL, "no command (try: xdpsec-ike help)");
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(argv[idx], cmds[i].name))
			return cmds[i].fn(&c, argc - idx - 1, argv + idx + 1);
	if (!strcmp(argv[idx], "daemon"))
		return fail(&c, -EINVAL, "the agent of instance %s is already running",
			    a->instance);
	return fail(&c, -EINVAL, "unknown command '%s' (try: xdpsec-ike help)",
		    quote(argv[idx], q));
}

int ike_ctl_run(struct ike_agent *a, int argc, char **argv, struct xs_outbuf *out,
		char *err, size_t errlen)
{
	return ctl_run(a, NULL, argc, argv, out, err, errlen);
}

/* --------------------------------------------------------------- server */

static void ctl_request(void *arg, struct xs_ctl_srv_client *cl, int argc, char **argv)
{
	char err[IKE_CONF_ERR_MAX + 64];
	struct xs_outbuf out;
	int status;

	xs_outbuf_init(&out);
	status = ctl_run(arg, cl, argc, argv, &out, err, sizeof(err));
	if (status == CTL_DEFERRED)
		goto out;
	if (!status && out.err) {
		status = out.err;
		snprintf(err, sizeof(err), "output too large: %s", strerror(-out.err));
	}
	if (status) {
		if (!err[0])
			snprintf(err, sizeof(err), "%s", strerror(-status));
		xs_ctl_srv_reply(cl, status, err, strlen(err));
	} else {
		xs_ctl_srv_reply(cl, 0, xs_outbuf_text(&out), strlen(xs_outbuf_text(&out)));
	}
out:
	xs_outbuf_free(&out);
}

struct xs_ctl_srv *ike_ctl_listen(struct ike_agent *a, const char *instance, char *err,
				  size_t errlen)
{
	char who[96];

	snprintf(who, sizeof(who), "the IKE agent of instance %s", instance);
	srv = xs_ctl_srv_open(instance, "-ike", who, ctl_request, a, err, errlen);
	return srv;
}

void ike_ctl_close(void)
{
	static const char bye[] = "the agent is exiting";
	struct waiting *w;

	while ((w = waiting_head)) {
		waiting_head = w->next;
		if (w->id && srv)
			xs_ctl_srv_reply_id(srv, w->id, -ESHUTDOWN, bye, sizeof(bye) - 1);
		free(w);
	}
	xs_ctl_srv_close(srv);
	srv = NULL;
}

/* --------------------------------------------------------------- client */

int ike_ctl_client(const char *instance, int argc, char **argv)
{
	struct xs_ctl_client cl = {
		.prog = "xdpsec-ike", .peer = "agent", .start = "daemon --config FILE",
	};
	unsigned long secs = CTL_WAIT_DEFAULT_S;
	char path[128];

	/* initiate/terminate --timeout: wait longer than the agent does, so
	 * its own answer (the outcome or "no outcome within") arrives. */
	for (int i = 0; i < argc; i++) {
		const char *v = !strncmp(argv[i], "--timeout=", 10) ? argv[i] + 10 :
				(!strcmp(argv[i], "--timeout") || !strcmp(argv[i], "-t")) &&
				i + 1 < argc ? argv[i + 1] : NULL;

		if (v && strtoul(v, NULL, 10) <= CTL_WAIT_MAX_S)
			secs = strtoul(v, NULL, 10);
	}
	cl.timeout_ms = (unsigned int)(secs + 10) * 1000u;
	if (cl.timeout_ms < 120000u)
		cl.timeout_ms = 0;      /* the library's default, 120 s */

	return xs_ctl_client_run(&cl, instance,
				 ike_ctl_path(instance, path, sizeof(path)) ? NULL : path,
				 argc, argv);
}
