// SPDX-License-Identifier: GPL-2.0-only
/*
 * Control commands: one do_<verb>() per command, found through a table of
 * (command, verb, handler, usage). Handlers parse every word before they
 * call the state API, so a request with any bad word changes nothing.
 *
 * This file holds the table, dispatch, global options and the helpers the
 * command files share (cmd_priv.h); sa commands are in cmd_sa.c, policy
 * commands in cmd_policy.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>

#include <xdpsec/abi.h>

#include "cmd_priv.h"
#include "commands.h"
#include "ctl.h"
#include "parse.h"
#include "state.h"

_Static_assert(XS_OUTBUF_MAX <= XS_CTL_REPLY_MAX, "output fits a reply");

struct xs_cmd {
	const char *name;
	const char *verb;       /* second word, or NULL */
	int (*fn)(struct cmd_ctx *c, int argc, char **argv);
	const char *args;
	const char *help;
};

int cmd_fail(struct cmd_ctx *c, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return ret;
}

/* ------------------------------------------------------- keyword words */

int cmd_kw_find(struct cmd_ctx *c, const char *cmd, const struct kw *t,
		size_t n, int argc, char **argv, int i, unsigned int *seen)
{
	char q[XS_QUOTE_MAX];

	for (size_t k = 0; k < n; k++) {
		if (strcmp(argv[i], t[k].name))
			continue;
		if (*seen & (1u << k))
			return cmd_fail(c, -EINVAL, "%s given twice", t[k].name);
		if (argc - i - 1 < t[k].nvals)
			return cmd_fail(c, -EINVAL, "%s needs %s", t[k].name, t[k].vals);
		*seen |= 1u << k;
		return (int)k;
	}
	return cmd_fail(c, -EINVAL, "unknown word '%s' in %s", xs_quote(argv[i], q), cmd);
}

const char *cmd_addr_str(uint8_t family, const union xs_addr *a,
			char buf[INET6_ADDRSTRLEN])
{
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, a, buf,
		       INET6_ADDRSTRLEN))
		snprintf(buf, INET6_ADDRSTRLEN, "?");
	return buf;
}

const char *cmd_family_name(uint8_t family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

int cmd_no_words(struct cmd_ctx *c, const char *cmd, int argc, char **argv)
{
	char q[XS_QUOTE_MAX];

	if (argc)
		return cmd_fail(c, -EINVAL, "unknown word '%s' in %s", xs_quote(argv[0], q),
				cmd);
	return 0;
}

/* ------------------------------------------------------ attach, detach */

enum att_kw { ATT_MODE, ATT_WORKERS, ATT_CPUS, ATT_UNKNOWN_SPI, ATT_FORCE, ATT_FORCE_OPT };

static const struct kw attach_kws[] = {
	[ATT_MODE] = { "mode", 1, "native, generic or auto" },
	[ATT_WORKERS] = { "workers", 1, "N" },
	[ATT_CPUS] = { "cpus", 1, "CPU[,CPU...]" },
	[ATT_UNKNOWN_SPI] = { "unknown-spi", 1, "drop or pass" },
	[ATT_FORCE] = { "force", 0, "" },
	[ATT_FORCE_OPT] = { "--force", 0, "" },
};

struct iface_find {
	const char *ifname;
	struct xs_iface_info info;
	bool found;
};

static int iface_find_one(const struct xs_iface_info *i, void *arg)
{
	struct iface_find *f = arg;

	if (strcmp(i->ifname, f->ifname))
		return 0;
	f->info = *i;
	f->found = true;
	return 1;
}

/* Turns a message from the daemon into one line. */
static void one_line(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r')
			*s = ' ';
}

static int attach_words(struct cmd_ctx *c, struct xs_attach_req *req, int argc,
			char **argv)
{
	char *err = c->err, q[XS_QUOTE_MAX];
	const size_t errlen = sizeof(c->err);
	unsigned int seen = 0, ncpus = 0;
	uint64_t workers;
	int i, k, ret;

	if (argc < 1)
		return cmd_fail(c, -EINVAL, "attach needs DEV");
	if (xs_parse_ifname(argv[0], req->ifname, err, errlen))
		return -EINVAL;
	for (i = 1; i < argc; i += 1 + attach_kws[k].nvals) {
		const char *v;

		k = cmd_kw_find(c, "attach", attach_kws, ARRAY_SIZE(attach_kws), argc, argv,
				i, &seen);
		if (k < 0)
			return k;
		v = argv[i + attach_kws[k].nvals];
		switch (k) {
		case ATT_FORCE:
		case ATT_FORCE_OPT:
			req->force = 1;
			ret = 0;
			break;
		case ATT_MODE:
			ret = xs_parse_attach_mode(v, &req->mode, err, errlen);
			break;
		case ATT_WORKERS:
			ret = xs_parse_u64(v, "workers", XS_WORKERS_MAX, &workers, err,
					   errlen);
			if (!ret && !workers)
				ret = cmd_fail(c, -EINVAL, "bad workers '0': 1-%u (leave it out "
					       "for one per rx queue)", XS_WORKERS_MAX);
			req->workers = (uint16_t)workers;
			break;
		case ATT_CPUS:
			ret = xs_parse_cpu_list(v, req->cpus, ARRAY_SIZE(req->cpus), &ncpus,
						err, errlen);
			break;
		default:
			if (!strcmp(v, "drop") || !strcmp(v, "pass")) {
				req->unknown_spi_pass = !strcmp(v, "pass");
				ret = 0;
			} else {
				ret = cmd_fail(c, -EINVAL, "bad unknown-spi '%s': expected "
					       "drop or pass", xs_quote(v, q));
			}
			break;
		}
		if (ret)
			return -EINVAL;
	}
	if (req->workers && ncpus > req->workers)
		return cmd_fail(c, -EINVAL, "cpus names %u CPUs for %u workers", ncpus,
				req->workers);
	return 0;
}

static int do_attach(struct cmd_ctx *c, int argc, char **argv)
{
	struct iface_find f = { 0 };
	struct xs_attach_req req;
	char warn[XS_ERR_MAX] = "";
	struct xs_json j;
	const char *mode;
	int ret;

	memset(&req, 0, sizeof(req));
	for (size_t i = 0; i < ARRAY_SIZE(req.cpus); i++)
		req.cpus[i] = -1;
	ret = attach_words(c, &req, argc, argv);
	if (!ret)
		ret = xsd_attach(c->d, &req, warn, sizeof(warn), c->err, sizeof(c->err));
	if (ret)
		return ret;
	one_line(warn);
	/* The mode in use, which differs from auto's request. */
	f.ifname = req.ifname;
	xsd_iface_foreach(c->d, iface_find_one, &f);
	mode = xs_attach_mode_name(f.found ? f.info.mode : req.mode);
	if (!c->json) {
		if (warn[0])
			xs_outbuf_printf(c->out, "warning: %s\n", warn);
		xs_outbuf_printf(c->out, "attached %s mode %s\n", req.ifname, mode);
		return 0;
	}
	xs_json_init(&j, c->out);
	xs_json_object_begin(&j);
	xs_json_kv_string(&j, "ifname", req.ifname);
	xs_json_kv_string(&j, "mode", mode);
	if (warn[0])
		xs_json_kv_string(&j, "warning", warn);
	xs_json_object_end(&j);
	xs_json_finish(&j);
	xs_outbuf_puts(c->out, "\n");
	return 0;
}

static int do_detach(struct cmd_ctx *c, int argc, char **argv)
{
	char ifname[IF_NAMESIZE];
	struct xs_json j;
	int ret;

	if (argc < 1)
		return cmd_fail(c, -EINVAL, "detach needs DEV");
	if (xs_parse_ifname(argv[0], ifname, c->err, sizeof(c->err)))
		return -EINVAL;
	if (cmd_no_words(c, "detach", argc - 1, argv + 1))
		return -EINVAL;
	ret = xsd_detach(c->d, ifname, c->err, sizeof(c->err));
	if (ret)
		return ret;
	if (!c->json) {
		xs_outbuf_printf(c->out, "detached %s\n", ifname);
		return 0;
	}
	xs_json_init(&j, c->out);
	xs_json_object_begin(&j);
	xs_json_kv_string(&j, "ifname", ifname);
	xs_json_kv_string(&j, "result", "detached");
	xs_json_object_end(&j);
	xs_json_finish(&j);
	xs_outbuf_puts(c->out, "\n");
	return 0;
}

/* ------------------------------------------------------ status, stats */

static int count_sa(const struct xs_sa_info *s, void *arg)
{
	(void)s;
	(*(unsigned long *)arg)++;
	return 0;
}

static int count_policy(const struct xs_policy_info *p, void *arg)
{
	(void)p;
	(*(unsigned long *)arg)++;
	return 0;
}

static int count_iface(const struct xs_iface_info *i, void *arg)
{
	(void)i;
	(*(unsigned long *)arg)++;
	return 0;
}

static int status_iface(const struct xs_iface_info *i, void *arg)
{
	struct list_ctx *l = arg;

	if (!l->c->json) {
		xs_outbuf_printf(l->c->out, "\t%s ifindex %u mode %s steer %s queues %u "
				 "workers %u\n", i->ifname, i->ifindex,
				 xs_attach_mode_name(i->mode),
				 i->steer_ifname[0] ? i->steer_ifname : "none",
				 i->queues, i->workers);
		return l->c->out->err ? 1 : 0;
	}
	xs_json_object_begin(&l->j);
	xs_json_kv_string(&l->j, "ifname", i->ifname);
	xs_json_kv_u64(&l->j, "ifindex", i->ifindex);
	xs_json_kv_string(&l->j, "mode", xs_attach_mode_name(i->mode));
	xs_json_key(&l->j, "steer");
	if (i->steer_ifname[0])
		xs_json_string(&l->j, i->steer_ifname);
	else
		xs_json_null(&l->j);
	xs_json_kv_u64(&l->j, "queues", i->queues);
	xs_json_kv_u64(&l->j, "workers", i->workers);
	xs_json_object_end(&l->j);
	return l->c->out->err ? 1 : 0;
}

static int do_status(struct cmd_ctx *c, int argc, char **argv)
{
	struct list_ctx l = { .c = c };
	unsigned long nsa = 0, npol = 0, nif = 0;

	if (cmd_no_words(c, "status", argc, argv))
		return -EINVAL;
	xsd_sa_foreach(c->d, count_sa, &nsa);
	xsd_policy_foreach(c->d, count_policy, &npol);
	xsd_iface_foreach(c->d, count_iface, &nif);
	if (!c->json) {
		xs_outbuf_printf(c->out, "instance %s\ngeneration %llu\npin-dir %s\n"
				 "interfaces %lu\n", xsd_instance(c->d),
				 (unsigned long long)xsd_generation(c->d), xsd_pin_dir(c->d), nif);
		xsd_iface_foreach(c->d, status_iface, &l);
		xs_outbuf_printf(c->out, "sas %lu\npolicies %lu\n", nsa, npol);
		return 0;
	}
	xs_json_init(&l.j, c->out);
	xs_json_object_begin(&l.j);
	xs_json_kv_string(&l.j, "instance", xsd_instance(c->d));
	xs_json_kv_u64(&l.j, "generation", xsd_generation(c->d));
	xs_json_kv_string(&l.j, "pin_dir", xsd_pin_dir(c->d));
	xs_json_key(&l.j, "interfaces");
	xs_json_array_begin(&l.j);
	xsd_iface_foreach(c->d, status_iface, &l);
	xs_json_array_end(&l.j);
	xs_json_kv_u64(&l.j, "sas", nsa);
	xs_json_kv_u64(&l.j, "policies", npol);
	xs_json_object_end(&l.j);
	xs_json_finish(&l.j);
	xs_outbuf_puts(c->out, "\n");
	return 0;
}

/* Counter rows, copied: the daemon's strings only live for the callback. */
struct stat_row {
	char *group;
	char *name;
	uint64_t packets;
	uint64_t bytes;
};

struct stat_rows {
	struct stat_row *v;
	size_t n, cap;
	int err;
};

static int stat_collect(const struct xs_counter_row *r, void *arg)
{
	struct stat_rows *t = arg;
	struct stat_row row;

	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		struct stat_row *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			goto nomem;
		t->v = v;
		t->cap = cap;
	}
	row.group = strdup(r->group ? r->group : "?");
	row.name = strdup(r->name ? r->name : "?");
	if (!row.group || !row.name) {
		free(row.group);
		free(row.name);
		goto nomem;
	}
	row.packets = r->packets;
	row.bytes = r->bytes;
	t->v[t->n++] = row;
	return 0;
nomem:
	t->err = -ENOMEM;
	return 1;
}

static void stat_rows_free(struct stat_rows *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].group);
		free(t->v[i].name);
	}
	free(t->v);
}

/* Whether row i's group already appeared before it. */
static bool group_seen(const struct stat_rows *t, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (!strcmp(t->v[k].group, t->v[i].group))
			return true;
	return false;
}

static uint64_t sa_drops(const struct xs_sa_info *s)
{
	uint64_t sum = 0;

	for (unsigned int r = XS_DROP_NONE + 1; r < XS_DROP_MAX; r++)
		sum += s->stats.drops[r];
	return sum;
}

static int stats_sa_one(const struct xs_sa_info *s, void *arg)
{
	struct list_ctx *l = arg;
	char name[32];

	snprintf(name, sizeof(name), "0x%08x/%s/%s", s->cfg.spi,
		 xs_ipsec_proto_name(s->cfg.proto), xs_dir_name(s->dir));
	if (l->c->json) {
		xs_json_key(&l->j, name);
		xs_json_object_begin(&l->j);
		xs_json_kv_u64(&l->j, "packets", s->stats.packets);
		xs_json_kv_u64(&l->j, "bytes", s->stats.bytes);
		xs_json_kv_u64(&l->j, "drops", sa_drops(s));
		xs_json_object_end(&l->j);
	} else {
		if (!l->n)
			xs_outbuf_printf(l->c->out, "\n%-24s %15s %18s %15s\n", "SA",
					 "PACKETS", "BYTES", "DROPS");
		xs_outbuf_printf(l->c->out, "%-24s %15" PRIu64 " %18" PRIu64 " %15" PRIu64
				 "\n", name, s->stats.packets, s->stats.bytes,
				 sa_drops(s));
	}
	l->n++;
	return l->c->out->err ? 1 : 0;
}

static void stats_text(struct cmd_ctx *c, const struct stat_rows *t)
{
	xs_outbuf_printf(c->out, "%-8s %-24s %15s %18s\n", "GROUP", "NAME", "PACKETS",
			 "BYTES");
	for (size_t i = 0; i < t->n; i++) {
		if (group_seen(t, i))
			continue;
		for (size_t k = i; k < t->n; k++) {
			if (strcmp(t->v[k].group, t->v[i].group))
				continue;
			xs_outbuf_printf(c->out, "%-8s %-24s %15" PRIu64 " %18" PRIu64 "\n",
					 t->v[k].group, t->v[k].name, t->v[k].packets,
					 t->v[k].bytes);
		}
	}
}

static void stats_json(struct xs_json *j, const struct stat_rows *t)
{
	for (size_t i = 0; i < t->n; i++) {
		if (group_seen(t, i))
			continue;
		xs_json_key(j, t->v[i].group);
		xs_json_object_begin(j);
		for (size_t k = i; k < t->n; k++) {
			if (strcmp(t->v[k].group, t->v[i].group))
				continue;
			xs_json_key(j, t->v[k].name);
			xs_json_object_begin(j);
			xs_json_kv_u64(j, "packets", t->v[k].packets);
			xs_json_kv_u64(j, "bytes", t->v[k].bytes);
			xs_json_object_end(j);
		}
		xs_json_object_end(j);
	}
}

static int do_stats(struct cmd_ctx *c, int argc, char **argv)
{
	struct list_ctx l = { .c = c };
	struct stat_rows t = { 0 };
	int ret;

	if (cmd_no_words(c, "stats", argc, argv))
		return -EINVAL;
	ret = xsd_counters_foreach(c->d, stat_collect, &t);
	if (t.err)
		ret = t.err;
	if (ret < 0) {
		stat_rows_free(&t);
		return cmd_fail(c, ret, "reading counters failed: %s", strerror(-ret));
	}
	xs_json_init(&l.j, c->out);
	if (c->json) {
		xs_json_object_begin(&l.j);
		stats_json(&l.j, &t);
		xs_json_key(&l.j, "sa");
		xs_json_object_begin(&l.j);
	} else {
		stats_text(c, &t);
	}
	stat_rows_free(&t);
	xsd_sa_foreach(c->d, stats_sa_one, &l);
	if (c->json) {
		xs_json_object_end(&l.j);
		xs_json_object_end(&l.j);
		xs_json_finish(&l.j);
		xs_outbuf_puts(c->out, "\n");
	}
	return 0;
}

/* ------------------------------------------------------ daemon, help */

static int do_daemon(struct cmd_ctx *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cmd_fail(c, -EINVAL, "daemon is started from the command line "
			"(xdpsec -i %s daemon), not over the control socket",
			xsd_instance(c->d));
}

static int do_help(struct cmd_ctx *c, int argc, char **argv)
{
	if (cmd_no_words(c, "help", argc, argv))
		return -EINVAL;
	xs_cmd_usage(c->out);
	return 0;
}

/* The daemon streams `monitor` itself (loader/monitor.h); here only
 * where no stream can be (a batch line). */
static int do_monitor(struct cmd_ctx *c, int argc, char **argv)
{
	if (cmd_no_words(c, "monitor", argc, argv))
		return -EINVAL;
	return cmd_fail(c, -EINVAL, "monitor streams: run it alone, not in a batch");
}

static const struct xs_cmd cmds[] = {
	{ "daemon", NULL, do_daemon, "[--foreground] [--log FILE] [--metrics-file FILE]",
	  "start the daemon of the instance; returns once it serves requests" },
	{ "attach", NULL, do_attach,
	  "DEV [mode native|generic|auto] [workers N] [cpus CPU,...]\n"
	  "        [unknown-spi drop|pass] [force]",
	  "attach the datapath to DEV (auto: native, else generic with a warning);\n"
	  "      force replaces an XDP program attached without libxdp's dispatcher" },
	{ "detach", NULL, do_detach, "DEV", "detach the datapath from DEV" },
	{ "status", NULL, do_status, "",
	  "show the instance, its pin directory, devices and object counts" },
	{ "sa", "add", do_sa_add,
	  "src ADDR dst ADDR proto esp|ah spi SPI [mode tunnel|transport]\n"
	  "        [reqid N] [dir in|out] ALG [encap espinudp SPORT DPORT OADDR]\n"
	  "        [replay-window N] [flag esn] [limit NAME N ...] [seq N]\n"
	  "        [backend auto|openssl|ipsecmb]",
	  "add an SA (mode defaults to transport, dir to in for a local dst)" },
	{ "sa", "del", do_sa_del, "spi SPI [proto esp|ah] [dir in|out]",
	  "delete an SA" },
	{ "sa", "get", do_sa_get, "spi SPI [proto esp|ah] [dir in|out]",
	  "show one SA" },
	{ "sa", "show", do_sa_show, "[spi SPI] [proto esp|ah] [dir in|out]",
	  "sa get with spi, else sa list (ip xfrm's show)" },
	{ "sa", "list", do_sa_list, "", "show every SA with its counters (never keys)" },
	{ "sa", "count", do_sa_count, "", "the number of SAs" },
	{ "sa", "flush", do_sa_flush, "[proto esp|ah]",
	  "delete every SA (of proto); policies stay and drop without them" },
	{ "sa", "deleteall", do_sa_deleteall,
	  "[src ADDR] [dst ADDR] [proto esp|ah] [reqid N] [dir in|out]\n"
	  "        [mode tunnel|transport]",
	  "delete every SA that matches all the selectors given" },
	{ "policy", "add", do_policy_add,
	  "src PREFIX dst PREFIX [proto tcp|udp|icmp|icmpv6|NUM|any]\n"
	  "        [sport N|N-M] [dport N|N-M] dir out|in\n"
	  "        [action protect|bypass|discard|trap] [spi SPI] [priority N]",
	  "add a security policy; protect names an existing SA by spi; trap\n"
	  "      protects with no SA yet (dropped, reported as acquires)" },
	{ "policy", "del", do_policy_del, "id ID", "delete a security policy" },
	{ "policy", "update", do_policy_update, "id ID spi SPI",
	  "point a protect policy at another SA (atomic, for rekeys)" },
	{ "policy", "list", do_policy_list, "", "show every policy with its counters" },
	{ "policy", "show", do_policy_list, "", "the same as policy list" },
	{ "policy", "count", do_policy_count, "", "the number of policies, in and out" },
	{ "policy", "flush", do_policy_flush, "[dir in|out]",
	  "delete every policy (of dir)" },
	{ "policy", "deleteall", do_policy_deleteall,
	  "[dir in|out] [action protect|bypass|discard] [spi SPI]",
	  "delete every policy that matches all the selectors given" },
	{ "stats", NULL, do_stats, "",
	  "show every counter: xdp, tc, steer, engine drop reasons, per SA" },
	{ "metrics", NULL, do_metrics, "", "show every counter in the Prometheus text format" },
	{ "monitor", NULL, do_monitor, "",
	  "print every event as it happens (generation, sa add/del/expire,\n"
	  "      acquire, policy add/del, attach/detach) until interrupted" },
	{ "help", NULL, do_help, "", "show this help" },
};

void xs_cmd_usage(struct xs_outbuf *out)
{
	xs_outbuf_puts(out,
		"usage: xdpsec [-i|--instance NAME] [-j|--json] COMMAND [ARGS]\n"
		"       xdpsec [-i|--instance NAME] [-j|--json] [-force] -batch FILE\n"
		"\n"
		"  -i, --instance NAME  the daemon instance (default \"default\")\n"
		"  -j, -json, --json    JSON output (anywhere on the line)\n"
		"  -b, -batch FILE      run the commands in FILE (- for stdin), one a\n"
		"                       line, # starts a comment; stop at the first error\n"
		"  -force               with -batch: go on after an error (exit 1 at end)\n"
		"\n"
		"commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		const struct xs_cmd *c = &cmds[i];

		xs_outbuf_printf(out, "  %s%s%s%s%s\n      %s\n", c->name,
				 c->verb ? " " : "", c->verb ? c->verb : "",
				 c->args[0] ? " " : "", c->args, c->help);
	}
	xs_outbuf_puts(out,
		"\n"
		"ALG is one of\n"
		"  aead rfc4106(gcm(aes)) KEY 128              KEY: 20/36 bytes, AES key + salt\n"
		"  aead rfc7539esp(chacha20,poly1305) KEY 128  KEY: 36 bytes, key + salt\n"
		"  enc cbc(aes) KEY auth-trunc hmac(sha256) KEY 128\n"
		"  enc cipher_null \"\" auth-trunc hmac(sha256) KEY 128\n"
		"  auth-trunc hmac(sha256) KEY 128             with proto ah\n"
		"  alg SUITE key KEY [authkey KEY]\n"
		"SUITE is one of");
	for (unsigned int s = 0; s < XS_SUITE_MAX; s++)
		xs_outbuf_printf(out, " %s", xs_suite_info(s)->name);
	xs_outbuf_puts(out,
		"\nKEY is 0x followed by hex digits (other users can read a command line:\n"
		"for tests only), @FILE (a file holding that text), or - (the next line\n"
		"of standard input). Limit NAMEs: byte-soft byte-hard packet-soft\n"
		"packet-hard time-soft time-hard (seconds).\n"
		"\n"
		"aliases:\n"
		"  state  sa\n");
}

bool xs_cmd_is_json_opt(const char *word)
{
	return !strcmp(word, "-j") || !strcmp(word, "-json") || !strcmp(word, "--json");
}

void xs_cmd_hoist_opts(int argc, char **argv)
{
	int cmd = 0;

	/* The command word: the first word not an option or its value. */
	while (cmd < argc && argv[cmd][0] == '-' && strcmp(argv[cmd], "--")) {
		const char *a = argv[cmd];

		cmd += (!strcmp(a, "-i") || !strcmp(a, "--instance") || !strcmp(a, "-b") ||
			!strcmp(a, "-batch") || !strcmp(a, "--batch")) ? 2 : 1;
	}
	for (int i = cmd + 1; i < argc; i++) {
		char *w = argv[i];

		if (!xs_cmd_is_json_opt(w))
			continue;
		memmove(argv + cmd + 1, argv + cmd, (size_t)(i - cmd) * sizeof(*argv));
		argv[cmd++] = w;
	}
}

int xs_cmd_parse_global(int argc, char **argv, struct xs_cmd_opts *opts,
			char *err, size_t errlen)
{
	char q[XS_QUOTE_MAX];
	int i;

	memset(opts, 0, sizeof(*opts));
	for (i = 0; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i], *name = NULL;

		if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (xs_cmd_is_json_opt(a)) {
			opts->json = true;
		} else if (!strcmp(a, "-force") || !strcmp(a, "--force")) {
			opts->force = true;
		} else if (!strcmp(a, "-b") || !strcmp(a, "-batch") || !strcmp(a, "--batch")) {
			if (i + 1 >= argc) {
				xs_errf(err, errlen, "%s needs a file (- for stdin)", a);
				return -EINVAL;
			}
			opts->batch = argv[++i];
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			opts->help = true;
		} else if (!strcmp(a, "-i") || !strcmp(a, "--instance")) {
			if (i + 1 >= argc) {
				xs_errf(err, errlen, "%s needs an instance name", a);
				return -EINVAL;
			}
			name = argv[++i];
		} else if (!strncmp(a, "--instance=", 11)) {
			name = a + 11;
		} else if (!strncmp(a, "-i", 2)) {
			name = a + 2;
		} else {
			xs_errf(err, errlen, "unknown option '%s'", xs_quote(a, q));
			return -EINVAL;
		}
		if (name && xs_ctl_instance_ok(name)) {
			xs_errf(err, errlen, "bad instance name '%s': 1-%d of A-Z a-z 0-9 _ -",
				xs_quote(name, q), XS_INSTANCE_MAX - 1);
			return -EINVAL;
		}
		if (name)
			opts->instance = name;
	}
	return i;
}

static const struct xs_cmd *cmd_find(struct cmd_ctx *c, int argc, char **argv,
				     int *used)
{
	char q[XS_QUOTE_MAX], verbs[160] = "";
	/* ip xfrm's word for an SA. */
	const char *name = !strcmp(argv[0], "state") ? "sa" : argv[0];
	bool known = false;
	size_t len = 0;

	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		const struct xs_cmd *cmd = &cmds[i];

		if (strcmp(cmd->name, name))
			continue;
		known = true;
		if (!cmd->verb) {
			*used = 1;
			return cmd;
		}
		if (argc > 1 && !strcmp(argv[1], cmd->verb)) {
			*used = 2;
			return cmd;
		}
		if (len < sizeof(verbs))
			len += (size_t)snprintf(verbs + len, sizeof(verbs) - len, "%s%s",
						len ? ", " : "", cmd->verb);
	}
	if (!known)
		cmd_fail(c, -EINVAL, "unknown command '%s' (try: xdpsec help)",
			 xs_quote(argv[0], q));
	else if (argc > 1)
		cmd_fail(c, -EINVAL, "unknown %s command '%s' (expected %s)", name,
			 xs_quote(argv[1], q), verbs);
	else
		cmd_fail(c, -EINVAL, "%s needs one of: %s", name, verbs);
	return NULL;
}

int xs_cmd_run(struct xsd *d, int argc, char **argv, struct xs_outbuf *out)
{
	struct cmd_ctx c = { .d = d, .out = out };
	const struct xs_cmd *cmd;
	struct xs_cmd_opts opts;
	int idx, used = 0, ret;

	xs_outbuf_reset(out);
	xs_cmd_hoist_opts(argc, argv);
	idx = xs_cmd_parse_global(argc, argv, &opts, c.err, sizeof(c.err));
	if (idx < 0) {
		ret = idx;
		goto out;
	}
	if (opts.batch || opts.force) {
		ret = cmd_fail(&c, -EINVAL, "-batch and -force are for the xdpsec command "
			       "line, which sends the daemon one command at a time");
		goto out;
	}
	c.json = opts.json;
	if (opts.instance && strcmp(opts.instance, xsd_instance(d))) {
		ret = cmd_fail(&c, -EINVAL, "request for instance %s reached instance %s",
			       opts.instance, xsd_instance(d));
		goto out;
	}
	if (opts.help) {
		xs_cmd_usage(out);
		ret = 0;
		goto out;
	}
	if (idx == argc) {
		ret = cmd_fail(&c, -EINVAL, "no command (try: xdpsec help)");
		goto out;
	}
	cmd = cmd_find(&c, argc - idx, argv + idx, &used);
	if (!cmd) {
		ret = -EINVAL;
		goto out;
	}
	ret = cmd->fn(&c, argc - idx - used, argv + idx + used);
out:
	if (!ret && out->err) {
		ret = out->err;
		cmd_fail(&c, ret, "%s", ret == -E2BIG ? "output too large" : strerror(-ret));
	}
	if (ret) {
		if (!c.err[0])
			snprintf(c.err, sizeof(c.err), "%s", strerror(-ret));
		one_line(c.err);
		xs_outbuf_reset(out);
		xs_outbuf_puts(out, c.err);
	}
	OPENSSL_cleanse(c.err, sizeof(c.err));
	return ret;
}

void cmd_print_count(struct cmd_ctx *c, const char *what, const char *key,
		     unsigned long n)
{
	struct xs_json j;

	if (!c->json) {
		xs_outbuf_printf(c->out, "%s %lu\n", what, n);
		return;
	}
	xs_json_init(&j, c->out);
	xs_json_object_begin(&j);
	xs_json_kv_u64(&j, key, n);
	xs_json_object_end(&j);
	xs_json_finish(&j);
	xs_outbuf_puts(c->out, "\n");
}
