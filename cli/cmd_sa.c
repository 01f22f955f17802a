// SPDX-License-Identifier: GPL-2.0-only
/*
 * Control commands: sa add, del, get and list (see commands.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>

#include <xdpsec/abi.h>

#include "cmd_priv.h"
#include "parse.h"
#include "state.h"

/* ------------------------------------------------------------------ SA */

/* At most this many SAs go in one flush or deleteall: the daemon's limit. */
#define XS_SA_DEL_MAX 4096u

static int sa_count_one(const struct xs_sa_info *s, void *arg)
{
	(void)s;
	(*(unsigned long *)arg)++;
	return 0;
}

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
			return cmd_fail(c, -EINVAL, "bad limit '%s': expected byte-soft, "
					"byte-hard, packet-soft, packet-hard, time-soft or "
					"time-hard", xs_quote(argv[i], q));
		if (i + 1 >= argc)
			return cmd_fail(c, -EINVAL, "limit %s needs N", limit_names[k]);
		if (*seen & (1u << k))
			return cmd_fail(c, -EINVAL, "limit %s given twice", limit_names[k]);
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
			return cmd_fail(c, -EINVAL, "limit %s %" PRIu64 " is above %s %" PRIu64,
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
		return cmd_fail(c, -EINVAL, "bad encap type '%s': expected espinudp",
				xs_quote(argv[0], q));
	if (xs_parse_u64(argv[1], "encap source port", UINT16_MAX, &sport, c->err,
			 sizeof(c->err)) ||
	    xs_parse_u64(argv[2], "encap destination port", UINT16_MAX, &dport, c->err,
			 sizeof(c->err)))
		return -EINVAL;
	if (!sport || !dport)
		return cmd_fail(c, -EINVAL, "bad encap: ports must not be 0");
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
		k = cmd_kw_find(c, "sa add", sa_add_kws, ARRAY_SIZE(sa_add_kws), argc,
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
				ret = cmd_fail(c, -EINVAL, "bad replay-window '%s': 0 (off) or "
					       "a multiple of %u up to %u", xs_quote(v, q),
					       XS_REPLAY_WORD_BITS, XS_REPLAY_WINDOW_MAX);
			break;
		case SA_FLAG:
			/* ip xfrm has more flags; the engine implements ESN only. */
			ret = strcmp(v, "esn") ?
				cmd_fail(c, -EINVAL, "flag '%s' is not supported (only esn)",
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
			return cmd_fail(c, -EINVAL, "sa add needs %s %s",
					sa_add_kws[required[r]].name,
					sa_add_kws[required[r]].vals);
	if (sfam != dfam)
		return cmd_fail(c, -EINVAL, "mixed address families: src is %s, dst is %s",
				cmd_family_name(sfam), cmd_family_name(dfam));
	cfg->family = sfam;
	/* RFC 3948 encapsulates ESP only. */
	if (cfg->encap_sport && cfg->proto != XS_PROTO_ESP)
		return cmd_fail(c, -EINVAL, "encap needs proto esp");
	/* RFC 4303 §2.2: without ESN the counter is 32 bits. */
	if (!cfg->esn && cfg->seq_start > UINT32_MAX)
		return cmd_fail(c, -EINVAL, "seq %" PRIu64 " needs flag esn", cfg->seq_start);
	if (check_limits(c, req))
		return -EINVAL;
	return xs_alg_spec_resolve(alg, cfg->proto, cfg, err, errlen);
}

int do_sa_add(struct cmd_ctx *c, int argc, char **argv)
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
		k = cmd_kw_find(c, cmd, sa_sel_kws, ARRAY_SIZE(sa_sel_kws), argc, argv, i,
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
		return cmd_fail(c, -EINVAL, "%s needs spi SPI", cmd);
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
		return cmd_fail(c, -EINVAL, "spi 0x%08x names an esp and an ah SA: "
				"give proto", s->spi);
	if (esp && ah)
		return cmd_fail(c, -ENOENT, "no SA with spi 0x%08x%s%s", s->spi,
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

	xs_outbuf_printf(o, "src %s dst %s\n", cmd_addr_str(cfg->family, &cfg->src, a),
			 cmd_addr_str(cfg->family, &cfg->dst, b));
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
	xs_json_kv_string(j, "src", cmd_addr_str(cfg->family, &cfg->src, a));
	xs_json_kv_string(j, "dst", cmd_addr_str(cfg->family, &cfg->dst, a));
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

int do_sa_del(struct cmd_ctx *c, int argc, char **argv)
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

int do_sa_get(struct cmd_ctx *c, int argc, char **argv)
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

int do_sa_list(struct cmd_ctx *c, int argc, char **argv)
{
	struct list_ctx l = { .c = c };
	int ret;

	if (cmd_no_words(c, "sa list", argc, argv))
		return -EINVAL;
	xs_json_init(&l.j, c->out);
	if (c->json)
		xs_json_array_begin(&l.j);
	ret = xsd_sa_foreach(c->d, sa_list_one, &l);
	if (ret < 0)
		return cmd_fail(c, ret, "listing SAs failed: %s", strerror(-ret));
	if (c->json) {
		xs_json_array_end(&l.j);
		xs_json_finish(&l.j);
		xs_outbuf_puts(c->out, "\n");
	}
	return 0;
}

/* ------------------------------------------ ip xfrm state's habits */

int do_sa_show(struct cmd_ctx *c, int argc, char **argv)
{
	/* ip xfrm state show lists; with an SPI it names one SA. */
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "spi"))
			return do_sa_get(c, argc, argv);
	return do_sa_list(c, argc, argv);
}

int do_sa_count(struct cmd_ctx *c, int argc, char **argv)
{
	unsigned long n = 0;

	if (cmd_no_words(c, "sa count", argc, argv))
		return -EINVAL;
	xsd_sa_foreach(c->d, sa_count_one, &n);
	cmd_print_count(c, "sa count", "count", n);
	return 0;
}

/* Selectors of sa deleteall (and sa flush: proto only); 0 = any. */
struct sa_match {
	uint8_t family;
	union xs_addr src, dst;
	bool has_src, has_dst, has_reqid;
	uint8_t proto, dir, mode;
	uint32_t reqid;
};

enum { DEL_SRC, DEL_DST, DEL_PROTO, DEL_REQID, DEL_DIR, DEL_MODE };

static const struct kw sa_del_kws[] = {
	[DEL_SRC] = { "src", 1, "ADDR" },
	[DEL_DST] = { "dst", 1, "ADDR" },
	[DEL_PROTO] = { "proto", 1, "esp or ah" },
	[DEL_REQID] = { "reqid", 1, "N" },
	[DEL_DIR] = { "dir", 1, "in or out" },
	[DEL_MODE] = { "mode", 1, "tunnel or transport" },
};

/* Parses the selectors; only those in allowed (1 << DEL_*) are taken. */
static int sa_match_words(struct cmd_ctx *c, const char *cmd, unsigned int allowed,
			  int argc, char **argv, struct sa_match *m)
{
	char *err = c->err;
	const size_t errlen = sizeof(c->err);
	unsigned int seen = 0;
	uint8_t fam = 0;
	int i, k, ret;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < argc; i += 2) {
		const char *v;

		k = cmd_kw_find(c, cmd, sa_del_kws, ARRAY_SIZE(sa_del_kws), argc, argv, i,
				&seen);
		if (k < 0)
			return k;
		if (!(allowed & (1u << k)))
			return cmd_fail(c, -EINVAL, "%s takes no %s", cmd, sa_del_kws[k].name);
		v = argv[i + 1];
		switch (k) {
		case DEL_SRC:
			ret = xs_parse_addr(v, "src", &fam, &m->src, err, errlen);
			if (!ret && m->family && m->family != fam)
				ret = cmd_fail(c, -EINVAL, "mixed address families");
			m->family = fam;
			m->has_src = true;
			break;
		case DEL_DST:
			ret = xs_parse_addr(v, "dst", &fam, &m->dst, err, errlen);
			if (!ret && m->family && m->family != fam)
				ret = cmd_fail(c, -EINVAL, "mixed address families");
			m->family = fam;
			m->has_dst = true;
			break;
		case DEL_PROTO:
			ret = xs_parse_ipsec_proto(v, &m->proto, err, errlen);
			break;
		case DEL_REQID:
			ret = xs_parse_u32(v, "reqid", &m->reqid, err, errlen);
			m->has_reqid = true;
			break;
		case DEL_DIR:
			ret = xs_parse_dir(v, &m->dir, err, errlen);
			break;
		default:
			ret = xs_parse_mode(v, &m->mode, err, errlen);
			break;
		}
		if (ret)
			return -EINVAL;
	}
	return 0;
}

static bool addr_eq(uint8_t family, const union xs_addr *a, const union xs_addr *b)
{
	return !memcmp(a, b, family == AF_INET6 ? 16 : 4);
}

static bool sa_matches(const struct sa_match *m, const struct xs_sa_info *s)
{
	const struct xs_sa_config *cfg = &s->cfg;

	if ((m->has_src || m->has_dst) && cfg->family != m->family)
		return false;
	return (!m->has_src || addr_eq(m->family, &m->src, &cfg->src)) &&
	       (!m->has_dst || addr_eq(m->family, &m->dst, &cfg->dst)) &&
	       (!m->proto || cfg->proto == m->proto) &&
	       (!m->has_reqid || s->reqid == m->reqid) &&
	       (!m->dir || s->dir == m->dir) &&
	       (!m->mode || cfg->mode == m->mode);
}

/* The SAs to delete, collected first: deleting inside the walk would
 * reorder the table under it. */
struct sa_victims {
	const struct sa_match *m;
	struct { uint32_t spi; uint8_t proto, dir; } v[XS_SA_DEL_MAX];
	unsigned int n;
};

static int sa_victim_one(const struct xs_sa_info *s, void *arg)
{
	struct sa_victims *t = arg;

	if (!sa_matches(t->m, s))
		return 0;
	if (t->n == XS_SA_DEL_MAX)
		return 1;
	t->v[t->n].spi = s->cfg.spi;
	t->v[t->n].proto = s->cfg.proto;
	t->v[t->n].dir = s->dir;
	t->n++;
	return 0;
}

static int sa_delete_matching(struct cmd_ctx *c, const struct sa_match *m,
			      const char *what)
{
	struct sa_victims *t;
	unsigned long done = 0;
	int ret = 0;

	t = calloc(1, sizeof(*t));
	if (!t)
		return cmd_fail(c, -ENOMEM, "out of memory");
	t->m = m;
	xsd_sa_foreach(c->d, sa_victim_one, t);
	for (unsigned int i = 0; i < t->n; i++) {
		ret = xsd_sa_del(c->d, t->v[i].spi, t->v[i].proto, t->v[i].dir, c->err,
				 sizeof(c->err));
		if (ret)
			break;
		done++;
	}
	free(t);
	if (ret)
		return cmd_fail(c, ret, "%s: deleted %lu SAs, then: %s", what, done,
				c->err[0] ? c->err : strerror(-ret));
	cmd_print_count(c, "sa deleted", "deleted", done);
	return 0;
}

int do_sa_flush(struct cmd_ctx *c, int argc, char **argv)
{
	struct sa_match m;

	if (sa_match_words(c, "sa flush", 1u << DEL_PROTO, argc, argv, &m))
		return -EINVAL;
	return sa_delete_matching(c, &m, "sa flush");
}

int do_sa_deleteall(struct cmd_ctx *c, int argc, char **argv)
{
	struct sa_match m;

	if (sa_match_words(c, "sa deleteall", ~0u, argc, argv, &m))
		return -EINVAL;
	return sa_delete_matching(c, &m, "sa deleteall");
}
