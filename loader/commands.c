// SPDX-License-Identifier: GPL-2.0-only
/*
 * Control commands: one do_<verb>() per command, found through a table of
 * (command, verb, handler, usage). Handlers parse every word before they
 * call the state API, so a request with any bad word changes nothing.
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

#include "commands.h"
#include "ctl.h"
#include "parse.h"
#include "state.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

_Static_assert(XS_OUTBUF_MAX <= XS_CTL_REPLY_MAX, "output fits a reply");

struct cmd_ctx {
	struct xsd *d;
	struct xs_outbuf *out;
	bool json;
	char err[XS_ERR_MAX];
};

struct xs_cmd {
	const char *name;
	const char *verb;       /* second word, or NULL */
	int (*fn)(struct cmd_ctx *c, int argc, char **argv);
	const char *args;
	const char *help;
};

static int fail(struct cmd_ctx *c, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct cmd_ctx *c, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return ret;
}

/* ------------------------------------------------------- keyword words */

/* A keyword of a command and how many values follow it. */
struct kw {
	const char *name;
	int nvals;
	const char *vals;       /* for "NAME needs VALS" */
};

/*
 * Finds argv[i] in the keyword table: its index, or -EINVAL for an unknown
 * word, a keyword given twice or one whose values are missing.
 */
static int kw_find(struct cmd_ctx *c, const char *cmd, const struct kw *t,
		   size_t n, int argc, char **argv, int i, unsigned int *seen)
{
	char q[XS_QUOTE_MAX];

	for (size_t k = 0; k < n; k++) {
		if (strcmp(argv[i], t[k].name))
			continue;
		if (*seen & (1u << k))
			return fail(c, -EINVAL, "%s given twice", t[k].name);
		if (argc - i - 1 < t[k].nvals)
			return fail(c, -EINVAL, "%s needs %s", t[k].name, t[k].vals);
		*seen |= 1u << k;
		return (int)k;
	}
	return fail(c, -EINVAL, "unknown word '%s' in %s", xs_quote(argv[i], q), cmd);
}

static const char *addr_str(uint8_t family, const union xs_addr *a,
			    char buf[INET6_ADDRSTRLEN])
{
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, a, buf,
		       INET6_ADDRSTRLEN))
		snprintf(buf, INET6_ADDRSTRLEN, "?");
	return buf;
}

static const char *family_name(uint8_t family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

/* ------------------------------------------------------------------ SA */

enum sa_add_kw {
	SA_SRC, SA_DST, SA_PROTO, SA_SPI, SA_MODE, SA_REQID, SA_DIR, SA_ENCAP,
	SA_REPLAY, SA_FLAG, SA_LIMIT, SA_SEQ, SA_BACKEND,
};

static const struct kw sa_add_kws[] = {
	[SA_SRC] = { "src", 1, "ADDR" },
	[SA_DST] = { "dst", 1, "ADDR" },
	[SA_PROTO] = { "proto", 1, "esp or ah" },
	[SA_SPI] = { "spi", 1, "SPI" },
	[SA_MODE] = { "mode", 1, "tunnel or transport" },
	[SA_REQID] = { "reqid", 1, "N" },
	[SA_DIR] = { "dir", 1, "in or out" },
	[SA_ENCAP] = { "encap", 4, "espinudp SPORT DPORT OADDR" },
	[SA_REPLAY] = { "replay-window", 1, "N" },
	[SA_FLAG] = { "flag", 1, "esn" },
	[SA_LIMIT] = { "limit", 2, "a limit name and N" },
	[SA_SEQ] = { "seq", 1, "N" },
	[SA_BACKEND] = { "backend", 1, "auto, openssl or ipsecmb" },
};

/* The lifetime limits of `limit NAME N [NAME N ...]` (RFC 4301 §4.4.2.1). */
enum { LIM_BYTE_SOFT, LIM_BYTE_HARD, LIM_PKT_SOFT, LIM_PKT_HARD, LIM_TIME_SOFT,
       LIM_TIME_HARD, LIM_MAX };

static const char *const limit_names[LIM_MAX] = {
	"byte-soft", "byte-hard", "packet-soft", "packet-hard", "time-soft",
	"time-hard",
};

static int limit_find(const char *w)
{
	for (int k = 0; k < LIM_MAX; k++)
		if (!strcmp(w, limit_names[k]))
			return k;
	return -1;
}

static uint64_t *limit_slot(struct xs_sa_req *req, int k)
{
	switch (k) {
	case LIM_BYTE_SOFT:
		return &req->cfg.soft.bytes;
	case LIM_BYTE_HARD:
		return &req->cfg.hard.bytes;
	case LIM_PKT_SOFT:
		return &req->cfg.soft.packets;
	case LIM_PKT_HARD:
		return &req->cfg.hard.packets;
	case LIM_TIME_SOFT:
		return &req->soft_time;
	default:
		return &req->hard_time;
	}
}

/* Consumes the NAME N pairs after `limit`; returns the words used. */
static int parse_limits(struct cmd_ctx *c, struct xs_sa_req *req, unsigned int *seen,
			int argc, char **argv)
{
	char q[XS_QUOTE_MAX];
	int i = 0;

	do {
		int k = limit_find(argv[i]);

		if (k < 0)
			return fail(c, -EINVAL, "bad limit '%s': expected byte-soft, "
				    "byte-hard, packet-soft, packet-hard, time-soft or "
				    "time-hard", xs_quote(argv[i], q));
		if (i + 1 >= argc)
			return fail(c, -EINVAL, "limit %s needs N", limit_names[k]);
		if (*seen & (1u << k))
			return fail(c, -EINVAL, "limit %s given twice", limit_names[k]);
		if (xs_parse_u64(argv[i + 1], limit_names[k], UINT64_MAX,
				 limit_slot(req, k), c->err, sizeof(c->err)))
			return -EINVAL;
		*seen |= 1u << k;
		i += 2;
	} while (i < argc && limit_find(argv[i]) >= 0);
	return i;
}

static int check_limits(struct cmd_ctx *c, struct xs_sa_req *req)
{
	for (int k = 0; k < LIM_MAX; k += 2) {
		uint64_t soft = *limit_slot(req, k), hard = *limit_slot(req, k + 1);

		if (soft && hard && soft > hard)
			return fail(c, -EINVAL, "limit %s %" PRIu64 " is above %s %" PRIu64,
				    limit_names[k], soft, limit_names[k + 1], hard);
	}
	return 0;
}

static int parse_encap(struct cmd_ctx *c, struct xs_sa_config *cfg, char **argv)
{
	char q[XS_QUOTE_MAX];
	union xs_addr oa;
	uint64_t sport, dport;
	uint8_t fam;

	/* ip xfrm also knows espinudp-nonike (draft-ietf-ipsec-nat-t-ike-00). */
	if (strcmp(argv[0], "espinudp"))
		return fail(c, -EINVAL, "bad encap type '%s': expected espinudp",
			    xs_quote(argv[0], q));
	if (xs_parse_u64(argv[1], "encap source port", UINT16_MAX, &sport, c->err,
			 sizeof(c->err)) ||
	    xs_parse_u64(argv[2], "encap destination port", UINT16_MAX, &dport, c->err,
			 sizeof(c->err)))
		return -EINVAL;
	if (!sport || !dport)
		return fail(c, -EINVAL, "bad encap: ports must not be 0");
	/* The original address (for NAT-OA checksum fixups) is not used. */
	if (xs_parse_addr(argv[3], "encap original", &fam, &oa, c->err, sizeof(c->err)))
		return -EINVAL;
	cfg->encap_sport = (uint16_t)sport;
	cfg->encap_dport = (uint16_t)dport;
	return 0;
}

static void print_sa_done(struct cmd_ctx *c, uint32_t spi, uint8_t proto,
			  const char *what)
{
	char spis[16];
	struct xs_json j;

	snprintf(spis, sizeof(spis), "0x%08x", spi);
	if (!c->json) {
		xs_outbuf_printf(c->out, "sa spi %s proto %s %s\n", spis,
				 xs_ipsec_proto_name(proto), what);
		return;
	}
	xs_json_init(&j, c->out);
	xs_json_object_begin(&j);
	xs_json_kv_string(&j, "spi", spis);
	xs_json_kv_string(&j, "proto", xs_ipsec_proto_name(proto));
	xs_json_kv_string(&j, "result", what);
	xs_json_object_end(&j);
	xs_json_finish(&j);
	xs_outbuf_puts(c->out, "\n");
}


static int sa_add_words(struct cmd_ctx *c, struct xs_sa_req *req,
			struct xs_alg_spec *alg, int argc, char **argv)
{
	static const int required[] = { SA_SRC, SA_DST, SA_PROTO, SA_SPI };
	struct xs_sa_config *cfg = &req->cfg;
	char *err = c->err, q[XS_QUOTE_MAX];
	const size_t errlen = sizeof(c->err);
	unsigned int seen = 0, limits = 0;
	uint8_t sfam = 0, dfam = 0;
	int i, n, k, ret;

	for (i = 0; i < argc; i += n) {
		const char *v;

		n = xs_alg_spec_parse(alg, argc - i, argv + i, err, errlen);
		if (n < 0)
			return n;
		if (n > 0)
			continue;
		k = kw_find(c, "sa add", sa_add_kws, ARRAY_SIZE(sa_add_kws), argc,
			    argv, i, &seen);
		if (k < 0)
			return k;
		n = 1 + sa_add_kws[k].nvals;
		v = argv[i + 1];
		switch (k) {
		case SA_SRC:
			ret = xs_parse_addr(v, "src", &sfam, &cfg->src, err, errlen);
			break;
		case SA_DST:
			ret = xs_parse_addr(v, "dst", &dfam, &cfg->dst, err, errlen);
			break;
		case SA_PROTO:
			ret = xs_parse_ipsec_proto(v, &cfg->proto, err, errlen);
			break;
		case SA_SPI:
			ret = xs_parse_spi(v, &cfg->spi, err, errlen);
			break;
		case SA_MODE:
			ret = xs_parse_mode(v, &cfg->mode, err, errlen);
			break;
		case SA_REQID:
			ret = xs_parse_u32(v, "reqid", &req->reqid, err, errlen);
			break;
		case SA_DIR:
			ret = xs_parse_dir(v, &req->dir, err, errlen);
			break;
		case SA_ENCAP:
			ret = parse_encap(c, cfg, argv + i + 1);
			break;
		case SA_REPLAY:
			ret = xs_parse_u32(v, "replay-window", &cfg->replay_window, err,
					   errlen);
			if (!ret && (cfg->replay_window % XS_REPLAY_WORD_BITS ||
				     cfg->replay_window > XS_REPLAY_WINDOW_MAX))
				ret = fail(c, -EINVAL, "bad replay-window '%s': 0 (off) or "
					   "a multiple of %u up to %u", xs_quote(v, q),
					   XS_REPLAY_WORD_BITS, XS_REPLAY_WINDOW_MAX);
			break;
		case SA_FLAG:
			/* ip xfrm has more flags; the engine implements ESN only. */
			ret = strcmp(v, "esn") ?
				fail(c, -EINVAL, "flag '%s' is not supported (only esn)",
				     xs_quote(v, q)) : 0;
			cfg->esn = true;
			break;
		case SA_LIMIT:
			seen &= ~(1u << SA_LIMIT);      /* limit may repeat */
			ret = parse_limits(c, req, &limits, argc - i - 1, argv + i + 1);
			if (ret > 0) {
				n = 1 + ret;
				ret = 0;
			}
			break;
		case SA_SEQ:
			ret = xs_parse_u64(v, "seq", UINT64_MAX, &cfg->seq_start, err,
					   errlen);
			break;
		default:
			ret = xs_parse_backend(v, &cfg->backend, err, errlen);
			break;
		}
		if (ret)
			return -EINVAL;
	}
	for (size_t r = 0; r < ARRAY_SIZE(required); r++)
		if (!(seen & (1u << required[r])))
			return fail(c, -EINVAL, "sa add needs %s %s",
				    sa_add_kws[required[r]].name,
				    sa_add_kws[required[r]].vals);
	if (sfam != dfam)
		return fail(c, -EINVAL, "mixed address families: src is %s, dst is %s",
			    family_name(sfam), family_name(dfam));
	cfg->family = sfam;
	/* RFC 3948 encapsulates ESP only. */
	if (cfg->encap_sport && cfg->proto != XS_PROTO_ESP)
		return fail(c, -EINVAL, "encap needs proto esp");
	/* RFC 4303 §2.2: without ESN the counter is 32 bits. */
	if (!cfg->esn && cfg->seq_start > UINT32_MAX)
		return fail(c, -EINVAL, "seq %" PRIu64 " needs flag esn", cfg->seq_start);
	if (check_limits(c, req))
		return -EINVAL;
	return xs_alg_spec_resolve(alg, cfg->proto, cfg, err, errlen);
}

static int do_sa_add(struct cmd_ctx *c, int argc, char **argv)
{
	struct xs_alg_spec alg;
	struct xs_sa_req req;
	uint32_t spi;
	uint8_t proto;
	int ret;

	memset(&req, 0, sizeof(req));
	xs_sa_config_init(&req.cfg);
	req.cfg.mode = XS_MODE_TRANSPORT;       /* ip xfrm's default */
	xs_alg_spec_init(&alg);
	ret = sa_add_words(c, &req, &alg, argc, argv);
	xs_alg_spec_wipe(&alg);
	spi = req.cfg.spi;
	proto = req.cfg.proto;
	if (!ret)
		ret = xsd_sa_add(c->d, &req, c->err, sizeof(c->err));
	OPENSSL_cleanse(&req, sizeof(req));
	if (ret)
		return ret;
	print_sa_done(c, spi, proto, "added");
	return 0;
}

/* spi SPI [proto esp|ah] [dir in|out] */
struct sa_sel {
	uint32_t spi;
	uint8_t proto;          /* 0: whichever exists */
	uint8_t dir;
};

static const struct kw sa_sel_kws[] = {
	{ "spi", 1, "SPI" },
	{ "proto", 1, "esp or ah" },
	{ "dir", 1, "in or out" },
};

static int parse_sa_sel(struct cmd_ctx *c, const char *cmd, int argc, char **argv,
			struct sa_sel *s)
{
	unsigned int seen = 0;
	int i, k, ret;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < argc; i += 2) {
		k = kw_find(c, cmd, sa_sel_kws, ARRAY_SIZE(sa_sel_kws), argc, argv, i,
			    &seen);
		if (k < 0)
			return k;
		if (k == 0)
			ret = xs_parse_spi(argv[i + 1], &s->spi, c->err, sizeof(c->err));
		else if (k == 1)
			ret = xs_parse_ipsec_proto(argv[i + 1], &s->proto, c->err,
						   sizeof(c->err));
		else
			ret = xs_parse_dir(argv[i + 1], &s->dir, c->err, sizeof(c->err));
		if (ret)
			return -EINVAL;
	}
	if (!(seen & 1))
		return fail(c, -EINVAL, "%s needs spi SPI", cmd);
	return 0;
}

/* Finds the SA; without proto, the SPI must name exactly one of ESP/AH. */
static int sa_lookup(struct cmd_ctx *c, struct sa_sel *s, struct xs_sa_info *info)
{
	struct xs_sa_info other;
	int esp, ah;

	if (s->proto)
		return xsd_sa_get(c->d, s->spi, s->proto, s->dir, info, c->err,
				  sizeof(c->err));
	esp = xsd_sa_get(c->d, s->spi, XS_PROTO_ESP, s->dir, info, c->err,
			 sizeof(c->err));
	if (esp && esp != -ENOENT)
		return esp;
	ah = xsd_sa_get(c->d, s->spi, XS_PROTO_AH, s->dir, esp ? info : &other,
			c->err, sizeof(c->err));
	if (ah && ah != -ENOENT)
		return ah;
	if (!esp && !ah)
		return fail(c, -EINVAL, "spi 0x%08x names an esp and an ah SA: "
			    "give proto", s->spi);
	if (esp && ah)
		return fail(c, -ENOENT, "no SA with spi 0x%08x%s%s", s->spi,
			    s->dir ? " dir " : "", s->dir ? xs_dir_name(s->dir) : "");
	s->proto = esp ? XS_PROTO_AH : XS_PROTO_ESP;
	return 0;
}

static const char *limit_str(uint64_t v, char buf[24])
{
	if (!v)
		return "inf";
	snprintf(buf, 24, "%" PRIu64, v);
	return buf;
}

static const char *expired_str(const struct xs_sa_info *s)
{
	return s->hard_expired ? "hard" : s->soft_expired ? "soft" : "no";
}

static void sa_print_text(struct xs_outbuf *o, const struct xs_sa_info *s)
{
	const struct xs_sa_config *cfg = &s->cfg;
	const struct xs_suite_info *si = xs_suite_info(cfg->suite);
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], l[LIM_MAX][24];
	bool any = false;

	xs_outbuf_printf(o, "src %s dst %s\n", addr_str(cfg->family, &cfg->src, a),
			 addr_str(cfg->family, &cfg->dst, b));
	xs_outbuf_printf(o, "\tproto %s spi 0x%08x reqid %u mode %s dir %s worker %u\n",
			 xs_ipsec_proto_name(cfg->proto), cfg->spi, s->reqid,
			 xs_mode_name(cfg->mode), xs_dir_name(s->dir), s->worker);
	xs_outbuf_printf(o, "\talg %s backend %s replay-window %u esn %s\n",
			 si ? si->name : "?", xs_backend_name(cfg->backend),
			 cfg->replay_window, cfg->esn ? "on" : "off");
	if (cfg->encap_sport)
		xs_outbuf_printf(o, "\tencap espinudp %u %u\n", cfg->encap_sport,
				 cfg->encap_dport);
	else
		xs_outbuf_puts(o, "\tencap none\n");
	xs_outbuf_printf(o, "\tlimit byte-soft %s byte-hard %s packet-soft %s "
			 "packet-hard %s time-soft %s time-hard %s\n",
			 limit_str(cfg->soft.bytes, l[0]), limit_str(cfg->hard.bytes, l[1]),
			 limit_str(cfg->soft.packets, l[2]),
			 limit_str(cfg->hard.packets, l[3]),
			 limit_str(s->soft_time, l[4]), limit_str(s->hard_time, l[5]));
	xs_outbuf_printf(o, "\tadded %" PRIu64 " expired %s\n", s->add_time,
			 expired_str(s));
	xs_outbuf_printf(o, "\tpackets %" PRIu64 " bytes %" PRIu64 " tx-seq %" PRIu64
			 " rx-top %" PRIu64 "\n", s->stats.packets, s->stats.bytes,
			 s->tx_seq, s->rx_top);
	xs_outbuf_puts(o, "\tdrops");
	for (unsigned int r = XS_DROP_NONE + 1; r < XS_DROP_MAX; r++) {
		if (!s->stats.drops[r])
			continue;
		xs_outbuf_printf(o, " %s %" PRIu64, xs_drop_name(r), s->stats.drops[r]);
		any = true;
	}
	xs_outbuf_puts(o, any ? "\n" : " none\n");
}

static void json_lifetime(struct xs_json *j, const char *key,
			  const struct xs_lifetime *l, uint64_t seconds)
{
	xs_json_key(j, key);
	xs_json_object_begin(j);
	xs_json_kv_u64(j, "bytes", l->bytes);
	xs_json_kv_u64(j, "packets", l->packets);
	xs_json_kv_u64(j, "time", seconds);
	xs_json_object_end(j);
}

static void sa_print_json(struct xs_json *j, const struct xs_sa_info *s)
{
	const struct xs_sa_config *cfg = &s->cfg;
	const struct xs_suite_info *si = xs_suite_info(cfg->suite);
	char a[INET6_ADDRSTRLEN], spi[16];

	snprintf(spi, sizeof(spi), "0x%08x", cfg->spi);
	xs_json_object_begin(j);
	xs_json_kv_string(j, "src", addr_str(cfg->family, &cfg->src, a));
	xs_json_kv_string(j, "dst", addr_str(cfg->family, &cfg->dst, a));
	xs_json_kv_string(j, "proto", xs_ipsec_proto_name(cfg->proto));
	xs_json_kv_string(j, "spi", spi);
	xs_json_kv_string(j, "mode", xs_mode_name(cfg->mode));
	xs_json_kv_string(j, "dir", xs_dir_name(s->dir));
	xs_json_kv_u64(j, "reqid", s->reqid);
	xs_json_kv_u64(j, "worker", s->worker);
	xs_json_kv_string(j, "alg", si ? si->name : "?");
	xs_json_kv_string(j, "backend", xs_backend_name(cfg->backend));
	xs_json_key(j, "encap");
	if (cfg->encap_sport) {
		xs_json_object_begin(j);
		xs_json_kv_string(j, "type", "espinudp");
		xs_json_kv_u64(j, "sport", cfg->encap_sport);
		xs_json_kv_u64(j, "dport", cfg->encap_dport);
		xs_json_object_end(j);
	} else {
		xs_json_null(j);
	}
	xs_json_kv_u64(j, "replay_window", cfg->replay_window);
	xs_json_kv_bool(j, "esn", cfg->esn);
	xs_json_key(j, "lifetime");
	xs_json_object_begin(j);
	json_lifetime(j, "soft", &cfg->soft, s->soft_time);
	json_lifetime(j, "hard", &cfg->hard, s->hard_time);
	xs_json_object_end(j);
	xs_json_kv_bool(j, "soft_expired", s->soft_expired);
	xs_json_kv_bool(j, "hard_expired", s->hard_expired);
	xs_json_kv_u64(j, "add_time", s->add_time);
	xs_json_kv_u64(j, "packets", s->stats.packets);
	xs_json_kv_u64(j, "bytes", s->stats.bytes);
	xs_json_key(j, "drops");
	xs_json_object_begin(j);
	for (unsigned int r = XS_DROP_NONE + 1; r < XS_DROP_MAX; r++)
		if (s->stats.drops[r])
			xs_json_kv_u64(j, xs_drop_name(r), s->stats.drops[r]);
	xs_json_object_end(j);
	xs_json_kv_u64(j, "tx_seq", s->tx_seq);
	xs_json_kv_u64(j, "rx_top", s->rx_top);
	xs_json_object_end(j);
}

static int do_sa_del(struct cmd_ctx *c, int argc, char **argv)
{
	struct xs_sa_info info;
	struct sa_sel s;
	int ret;

	ret = parse_sa_sel(c, "sa del", argc, argv, &s);
	if (!ret)
		ret = sa_lookup(c, &s, &info);
	if (!ret) {
		c->err[0] = '\0';      /* drop the lookup's messages */
		ret = xsd_sa_del(c->d, s.spi, s.proto, s.dir, c->err, sizeof(c->err));
	}
	if (ret)
		return ret;
	print_sa_done(c, s.spi, s.proto, "deleted");
	return 0;
}

static int do_sa_get(struct cmd_ctx *c, int argc, char **argv)
{
	struct xs_sa_info info;
	struct xs_json j;
	struct sa_sel s;
	int ret;

	ret = parse_sa_sel(c, "sa get", argc, argv, &s);
	if (!ret)
		ret = sa_lookup(c, &s, &info);
	if (ret)
		return ret;
	if (!c->json) {
		sa_print_text(c->out, &info);
		return 0;
	}
	xs_json_init(&j, c->out);
	sa_print_json(&j, &info);
	xs_json_finish(&j);
	xs_outbuf_puts(c->out, "\n");
	return 0;
}

struct list_ctx {
	struct cmd_ctx *c;
	struct xs_json j;
	unsigned long n;
};

static int sa_list_one(const struct xs_sa_info *s, void *arg)
{
	struct list_ctx *l = arg;

	if (l->c->json)
		sa_print_json(&l->j, s);
	else
		sa_print_text(l->c->out, s);
	l->n++;
	return l->c->out->err ? 1 : 0;
}

static int no_words(struct cmd_ctx *c, const char *cmd, int argc, char **argv)
{
	char q[XS_QUOTE_MAX];

	if (argc)
		return fail(c, -EINVAL, "unknown word '%s' in %s", xs_quote(argv[0], q),
			    cmd);
	return 0;
}

static int do_sa_list(struct cmd_ctx *c, int argc, char **argv)
{
	struct list_ctx l = { .c = c };
	int ret;

	if (no_words(c, "sa list", argc, argv))
		return -EINVAL;
	xs_json_init(&l.j, c->out);
	if (c->json)
		xs_json_array_begin(&l.j);
	ret = xsd_sa_foreach(c->d, sa_list_one, &l);
	if (ret < 0)
		return fail(c, ret, "listing SAs failed: %s", strerror(-ret));
	if (c->json) {
		xs_json_array_end(&l.j);
		xs_json_finish(&l.j);
		xs_outbuf_puts(c->out, "\n");
	}
	return 0;
}

/* -------------------------------------------------------------- policy */

enum pol_kw {
	POL_SRC, POL_DST, POL_PROTO, POL_SPORT, POL_DPORT, POL_DIR, POL_ACTION,
	POL_SPI, POL_PRIORITY,
};

static const struct kw policy_add_kws[] = {
	[POL_SRC] = { "src", 1, "PREFIX" },
	[POL_DST] = { "dst", 1, "PREFIX" },
	[POL_PROTO] = { "proto", 1, "tcp, udp, icmp, icmpv6, NUM or any" },
	[POL_SPORT] = { "sport", 1, "N or N-M" },
	[POL_DPORT] = { "dport", 1, "N or N-M" },
	[POL_DIR] = { "dir", 1, "in or out" },
	[POL_ACTION] = { "action", 1, "protect, bypass or discard" },
	[POL_SPI] = { "spi", 1, "SPI" },
	[POL_PRIORITY] = { "priority", 1, "N" },
};

static bool ports_any(uint16_t lo, uint16_t hi)
{
	return lo == 0 && hi == UINT16_MAX;
}

/* An SA that protect can name: the SPI, either protocol, the policy's dir. */
static bool policy_sa_exists(struct cmd_ctx *c, uint32_t spi, uint8_t dir)
{
	char err[XS_ERR_MAX];
	struct xs_sa_info info;

	return !xsd_sa_get(c->d, spi, XS_PROTO_ESP, dir, &info, err, sizeof(err)) ||
	       !xsd_sa_get(c->d, spi, XS_PROTO_AH, dir, &info, err, sizeof(err));
}

static int policy_add_words(struct cmd_ctx *c, struct xs_policy_req *req,
			    int argc, char **argv)
{
	static const int required[] = { POL_SRC, POL_DST, POL_DIR };
	char *err = c->err;
	const size_t errlen = sizeof(c->err);
	unsigned int seen = 0;
	uint8_t sfam = 0, dfam = 0;
	int i, k, ret;

	for (i = 0; i < argc; i += 2) {
		const char *v;

		k = kw_find(c, "policy add", policy_add_kws, ARRAY_SIZE(policy_add_kws),
			    argc, argv, i, &seen);
		if (k < 0)
			return k;
		v = argv[i + 1];
		switch (k) {
		case POL_SRC:
			ret = xs_parse_prefix(v, "src", &sfam, &req->src, &req->src_plen,
					      err, errlen);
			break;
		case POL_DST:
			ret = xs_parse_prefix(v, "dst", &dfam, &req->dst, &req->dst_plen,
					      err, errlen);
			break;
		case POL_PROTO:
			ret = xs_parse_l4proto(v, &req->proto, err, errlen);
			break;
		case POL_SPORT:
			ret = xs_parse_port_range(v, "sport", &req->sport_lo,
						  &req->sport_hi, err, errlen);
			break;
		case POL_DPORT:
			ret = xs_parse_port_range(v, "dport", &req->dport_lo,
						  &req->dport_hi, err, errlen);
			break;
		case POL_DIR:
			ret = xs_parse_dir(v, &req->dir, err, errlen);
			break;
		case POL_ACTION:
			ret = xs_parse_action(v, &req->action, err, errlen);
			break;
		case POL_SPI:
			ret = xs_parse_spi(v, &req->spi, err, errlen);
			break;
		default:
			ret = xs_parse_u32(v, "priority", &req->priority, err, errlen);
			break;
		}
		if (ret)
			return -EINVAL;
	}
	for (size_t r = 0; r < ARRAY_SIZE(required); r++)
		if (!(seen & (1u << required[r])))
			return fail(c, -EINVAL, "policy add needs %s %s",
				    policy_add_kws[required[r]].name,
				    policy_add_kws[required[r]].vals);
	if (sfam != dfam)
		return fail(c, -EINVAL, "mixed address families: src is %s, dst is %s",
			    family_name(sfam), family_name(dfam));
	req->family = sfam;
	if ((!ports_any(req->sport_lo, req->sport_hi) ||
	     !ports_any(req->dport_lo, req->dport_hi)) && !xs_l4proto_has_ports(req->proto))
		return fail(c, -EINVAL, "sport and dport need proto tcp, udp, sctp, "
			    "udplite, icmp or icmpv6");
	if (req->action == XS_SPD_PROTECT && !(seen & (1u << POL_SPI)))
		return fail(c, -EINVAL, "action protect needs spi SPI");
	if (req->action != XS_SPD_PROTECT && (seen & (1u << POL_SPI)))
		return fail(c, -EINVAL, "spi goes only with action protect");
	if (req->action == XS_SPD_PROTECT && !policy_sa_exists(c, req->spi, req->dir))
		return fail(c, -ENOENT, "policy names missing SA spi 0x%08x", req->spi);
	return 0;
}

static void print_policy_id(struct cmd_ctx *c, uint32_t id, const char *what)
{
	struct xs_json j;

	if (!c->json) {
		xs_outbuf_printf(c->out, "policy %u %s\n", id, what);
		return;
	}
	xs_json_init(&j, c->out);
	xs_json_object_begin(&j);
	xs_json_kv_u64(&j, "id", id);
	xs_json_kv_string(&j, "result", what);
	xs_json_object_end(&j);
	xs_json_finish(&j);
	xs_outbuf_puts(c->out, "\n");
}

static int do_policy_add(struct cmd_ctx *c, int argc, char **argv)
{
	struct xs_policy_req req;
	int ret;

	memset(&req, 0, sizeof(req));
	req.action = XS_SPD_PROTECT;
	req.sport_hi = req.dport_hi = UINT16_MAX;
	ret = policy_add_words(c, &req, argc, argv);
	if (!ret)
		ret = xsd_policy_add(c->d, &req, c->err, sizeof(c->err));
	if (ret)
		return ret;
	print_policy_id(c, req.id, "added");
	return 0;
}

static int do_policy_del(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct kw kws[] = { { "id", 1, "ID" } };
	unsigned int seen = 0;
	uint32_t id = 0;
	int i, ret;

	for (i = 0; i < argc; i += 2) {
		ret = kw_find(c, "policy del", kws, ARRAY_SIZE(kws), argc, argv, i, &seen);
		if (ret < 0)
			return ret;
		if (xs_parse_u32(argv[i + 1], "id", &id, c->err, sizeof(c->err)))
			return -EINVAL;
	}
	if (!seen)
		return fail(c, -EINVAL, "policy del needs id ID");
	ret = xsd_policy_del(c->d, id, c->err, sizeof(c->err));
	if (ret)
		return ret;
	print_policy_id(c, id, "deleted");
	return 0;
}

static int do_policy_update(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct kw kws[] = { { "id", 1, "ID" }, { "spi", 1, "SPI" } };
	unsigned int seen = 0;
	uint32_t id = 0, spi = 0;
	int i, ret;

	for (i = 0; i < argc; i += 2) {
		ret = kw_find(c, "policy update", kws, ARRAY_SIZE(kws), argc, argv, i, &seen);
		if (ret < 0)
			return ret;
		if (ret == 0 ? xs_parse_u32(argv[i + 1], "id", &id, c->err, sizeof(c->err))
			     : xs_parse_spi(argv[i + 1], &spi, c->err, sizeof(c->err)))
			return -EINVAL;
	}
	if (seen != 3)
		return fail(c, -EINVAL, "policy update needs id ID spi SPI");
	ret = xsd_policy_update(c->d, id, spi, c->err, sizeof(c->err));
	if (ret)
		return ret;
	print_policy_id(c, id, "updated");
	return 0;
}

static const char *ports_str(uint16_t lo, uint16_t hi, char buf[16])
{
	if (ports_any(lo, hi))
		return "any";
	if (lo == hi)
		snprintf(buf, 16, "%u", lo);
	else
		snprintf(buf, 16, "%u-%u", lo, hi);
	return buf;
}

static const char *l4proto_str(uint8_t proto, char buf[8])
{
	const char *name = xs_l4proto_name(proto);

	if (name)
		return name;
	snprintf(buf, 8, "%u", proto);
	return buf;
}

static int policy_list_one(const struct xs_policy_info *p, void *arg)
{
	const struct xs_policy_req *r = &p->req;
	struct list_ctx *l = arg;
	struct xs_outbuf *o = l->c->out;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], sp[16], dp[16], pr[8];
	char pa[INET6_ADDRSTRLEN + 4], pb[INET6_ADDRSTRLEN + 4], spi[16];

	snprintf(pa, sizeof(pa), "%s/%u", addr_str(r->family, &r->src, a), r->src_plen);
	snprintf(pb, sizeof(pb), "%s/%u", addr_str(r->family, &r->dst, b), r->dst_plen);
	snprintf(spi, sizeof(spi), "0x%08x", r->spi);
	l->n++;
	if (!l->c->json) {
		xs_outbuf_printf(o, "id %u dir %s src %s dst %s proto %s sport %s dport %s "
				 "action %s", r->id, xs_dir_name(r->dir), pa, pb,
				 l4proto_str(r->proto, pr),
				 ports_str(r->sport_lo, r->sport_hi, sp),
				 ports_str(r->dport_lo, r->dport_hi, dp),
				 xs_action_name(r->action));
		if (r->action == XS_SPD_PROTECT)
			xs_outbuf_printf(o, " spi %s", spi);
		xs_outbuf_printf(o, " priority %u packets %" PRIu64 " bytes %" PRIu64 "\n",
				 r->priority, p->packets, p->bytes);
		return o->err ? 1 : 0;
	}
	xs_json_object_begin(&l->j);
	xs_json_kv_u64(&l->j, "id", r->id);
	xs_json_kv_string(&l->j, "dir", xs_dir_name(r->dir));
	xs_json_kv_string(&l->j, "src", pa);
	xs_json_kv_string(&l->j, "dst", pb);
	xs_json_kv_string(&l->j, "proto", l4proto_str(r->proto, pr));
	xs_json_kv_u64(&l->j, "sport_lo", r->sport_lo);
	xs_json_kv_u64(&l->j, "sport_hi", r->sport_hi);
	xs_json_kv_u64(&l->j, "dport_lo", r->dport_lo);
	xs_json_kv_u64(&l->j, "dport_hi", r->dport_hi);
	xs_json_kv_string(&l->j, "action", xs_action_name(r->action));
	xs_json_key(&l->j, "spi");
	if (r->action == XS_SPD_PROTECT)
		xs_json_string(&l->j, spi);
	else
		xs_json_null(&l->j);
	xs_json_kv_u64(&l->j, "priority", r->priority);
	xs_json_kv_u64(&l->j, "packets", p->packets);
	xs_json_kv_u64(&l->j, "bytes", p->bytes);
	xs_json_object_end(&l->j);
	return o->err ? 1 : 0;
}

static int do_policy_list(struct cmd_ctx *c, int argc, char **argv)
{
	struct list_ctx l = { .c = c };
	int ret;

	if (no_words(c, "policy list", argc, argv))
		return -EINVAL;
	xs_json_init(&l.j, c->out);
	if (c->json)
		xs_json_array_begin(&l.j);
	ret = xsd_policy_foreach(c->d, policy_list_one, &l);
	if (ret < 0)
		return fail(c, ret, "listing policies failed: %s", strerror(-ret));
	if (c->json) {
		xs_json_array_end(&l.j);
		xs_json_finish(&l.j);
		xs_outbuf_puts(c->out, "\n");
	}
	return 0;
}

/* ------------------------------------------------------ attach, detach */

enum att_kw { ATT_MODE, ATT_WORKERS, ATT_CPUS, ATT_UNKNOWN_SPI };

static const struct kw attach_kws[] = {
	[ATT_MODE] = { "mode", 1, "native, generic or auto" },
	[ATT_WORKERS] = { "workers", 1, "N" },
	[ATT_CPUS] = { "cpus", 1, "CPU[,CPU...]" },
	[ATT_UNKNOWN_SPI] = { "unknown-spi", 1, "drop or pass" },
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
		return fail(c, -EINVAL, "attach needs DEV");
	if (xs_parse_ifname(argv[0], req->ifname, err, errlen))
		return -EINVAL;
	for (i = 1; i < argc; i += 2) {
		const char *v;

		k = kw_find(c, "attach", attach_kws, ARRAY_SIZE(attach_kws), argc, argv,
			    i, &seen);
		if (k < 0)
			return k;
		v = argv[i + 1];
		switch (k) {
		case ATT_MODE:
			ret = xs_parse_attach_mode(v, &req->mode, err, errlen);
			break;
		case ATT_WORKERS:
			ret = xs_parse_u64(v, "workers", XS_WORKERS_MAX, &workers, err,
					   errlen);
			if (!ret && !workers)
				ret = fail(c, -EINVAL, "bad workers '0': 1-%u (leave it out "
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
				ret = fail(c, -EINVAL, "bad unknown-spi '%s': expected "
					   "drop or pass", xs_quote(v, q));
			}
			break;
		}
		if (ret)
			return -EINVAL;
	}
	if (req->workers && ncpus > req->workers)
		return fail(c, -EINVAL, "cpus names %u CPUs for %u workers", ncpus,
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
		return fail(c, -EINVAL, "detach needs DEV");
	if (xs_parse_ifname(argv[0], ifname, c->err, sizeof(c->err)))
		return -EINVAL;
	if (no_words(c, "detach", argc - 1, argv + 1))
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

	if (no_words(c, "status", argc, argv))
		return -EINVAL;
	xsd_sa_foreach(c->d, count_sa, &nsa);
	xsd_policy_foreach(c->d, count_policy, &npol);
	xsd_iface_foreach(c->d, count_iface, &nif);
	if (!c->json) {
		xs_outbuf_printf(c->out, "instance %s\npin-dir %s\ninterfaces %lu\n",
				 xsd_instance(c->d), xsd_pin_dir(c->d), nif);
		xsd_iface_foreach(c->d, status_iface, &l);
		xs_outbuf_printf(c->out, "sas %lu\npolicies %lu\n", nsa, npol);
		return 0;
	}
	xs_json_init(&l.j, c->out);
	xs_json_object_begin(&l.j);
	xs_json_kv_string(&l.j, "instance", xsd_instance(c->d));
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

	if (no_words(c, "stats", argc, argv))
		return -EINVAL;
	ret = xsd_counters_foreach(c->d, stat_collect, &t);
	if (t.err)
		ret = t.err;
	if (ret < 0) {
		stat_rows_free(&t);
		return fail(c, ret, "reading counters failed: %s", strerror(-ret));
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
	return fail(c, -EINVAL, "daemon is started from the command line "
		    "(xdpsec -i %s daemon), not over the control socket",
		    xsd_instance(c->d));
}

static int do_help(struct cmd_ctx *c, int argc, char **argv)
{
	if (no_words(c, "help", argc, argv))
		return -EINVAL;
	xs_cmd_usage(c->out);
	return 0;
}

static const struct xs_cmd cmds[] = {
	{ "daemon", NULL, do_daemon, "[--foreground] [--log FILE]",
	  "start the daemon of the instance; returns once it serves requests" },
	{ "attach", NULL, do_attach,
	  "DEV [mode native|generic|auto] [workers N] [cpus CPU,...]\n"
	  "        [unknown-spi drop|pass]",
	  "attach the datapath to DEV (auto: native, else generic with a warning)" },
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
	{ "sa", "list", do_sa_list, "", "show every SA with its counters (never keys)" },
	{ "policy", "add", do_policy_add,
	  "src PREFIX dst PREFIX [proto tcp|udp|icmp|icmpv6|NUM|any]\n"
	  "        [sport N|N-M] [dport N|N-M] dir out|in\n"
	  "        [action protect|bypass|discard] [spi SPI] [priority N]",
	  "add a security policy; protect names an existing SA by spi" },
	{ "policy", "del", do_policy_del, "id ID", "delete a security policy" },
	{ "policy", "update", do_policy_update, "id ID spi SPI",
	  "point a protect policy at another SA (atomic, for rekeys)" },
	{ "policy", "list", do_policy_list, "", "show every policy with its counters" },
	{ "stats", NULL, do_stats, "",
	  "show every counter: xdp, tc, steer, engine drop reasons, per SA" },
	{ "help", NULL, do_help, "", "show this help" },
};

void xs_cmd_usage(struct xs_outbuf *out)
{
	xs_outbuf_puts(out,
		"usage: xdpsec [-i|--instance NAME] [-j|--json] COMMAND [ARGS]\n"
		"\n"
		"  -i, --instance NAME  the daemon instance (default \"default\")\n"
		"  -j, --json           JSON output\n"
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
		"\nKEY is 0x followed by hex digits. Limit NAMEs: byte-soft byte-hard\n"
		"packet-soft packet-hard time-soft time-hard (seconds).\n");
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
		} else if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			opts->json = true;
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
	char q[XS_QUOTE_MAX], verbs[96] = "";
	bool known = false;
	size_t len = 0;

	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		const struct xs_cmd *cmd = &cmds[i];

		if (strcmp(cmd->name, argv[0]))
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
		fail(c, -EINVAL, "unknown command '%s' (try: xdpsec help)",
		     xs_quote(argv[0], q));
	else if (argc > 1)
		fail(c, -EINVAL, "unknown %s command '%s' (expected %s)", argv[0],
		     xs_quote(argv[1], q), verbs);
	else
		fail(c, -EINVAL, "%s needs one of: %s", argv[0], verbs);
	return NULL;
}

int xs_cmd_run(struct xsd *d, int argc, char **argv, struct xs_outbuf *out)
{
	struct cmd_ctx c = { .d = d, .out = out };
	const struct xs_cmd *cmd;
	struct xs_cmd_opts opts;
	int idx, used = 0, ret;

	xs_outbuf_reset(out);
	idx = xs_cmd_parse_global(argc, argv, &opts, c.err, sizeof(c.err));
	if (idx < 0) {
		ret = idx;
		goto out;
	}
	c.json = opts.json;
	if (opts.instance && strcmp(opts.instance, xsd_instance(d))) {
		ret = fail(&c, -EINVAL, "request for instance %s reached instance %s",
			   opts.instance, xsd_instance(d));
		goto out;
	}
	if (opts.help) {
		xs_cmd_usage(out);
		ret = 0;
		goto out;
	}
	if (idx == argc) {
		ret = fail(&c, -EINVAL, "no command (try: xdpsec help)");
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
		fail(&c, ret, "%s", ret == -E2BIG ? "output too large" : strerror(-ret));
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
