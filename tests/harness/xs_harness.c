// SPDX-License-Identifier: GPL-2.0-only
/*
 * xs_harness: drives the packet engine over a line protocol on stdin and
 * stdout, so tests in other languages (scapy, strongSwan vectors) can seal
 * and open packets without bindings.
 *
 * Every command line gets exactly one answer line: "ok ..." on success,
 * "drop REASON" when the engine refused the packet (REASON is
 * xs_drop_name()), "err MESSAGE" for a malformed command. Empty lines and
 * lines starting with '#' get no answer. Packets are hex, no separators.
 *
 *   sa NAME key=value...   create an SA           -> ok
 *       proto=esp|ah mode=tunnel|transport family=4|6 suite=NAME
 *       spi=N src=ADDR dst=ADDR ekey=HEX akey=HEX esn=0|1 seq=N
 *       window=N encap=SPORT,DPORT backend=auto|openssl|ipsecmb ttl=N
 *       soft_bytes=N soft_packets=N hard_bytes=N hard_packets=N
 *       db=0|1 (also add it to the inbound SA database used by xopen)
 *   seal NAME HEX [iv=HEX] -> ok HEX | drop REASON
 *       iv= forces the explicit IV of this one packet
 *   open NAME HEX          -> ok HEX | drop REASON  (xs_esp_open/xs_ah_open)
 *   xopen HEX              -> ok NAME HEX | drop REASON  (xs_open on the db)
 *   stats NAME             -> ok packets=N bytes=N seq=N REASON=N...
 *   del NAME               -> ok
 *   quit                   -> ok, then exit 0
 *
 * Numbers accept 0x prefixes. Packets are placed in buffers of exactly
 * XS_HEADROOM + len + XS_TAILROOM bytes, so a sanitizer build catches the
 * engine writing outside the room it promises to need.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>

#include "crypto.h"
#include "drop.h"
#include "engine.h"
#include "limits.h"
#include "sa.h"
#include "sadb.h"

#define HARNESS_MAX_SA 256
#define HARNESS_NAME_MAX 32
#define HARNESS_MAX_ARGS 32

struct harness_sa {
	char name[HARNESS_NAME_MAX];
	struct xs_sa *sa;
	bool in_db;
};

struct harness {
	struct harness_sa sas[HARNESS_MAX_SA];
	struct xs_sadb *db;
	char *out;             /* hex output line buffer */
	size_t out_cap;
};

/* The IV forced by "seal ... iv=HEX" for exactly one packet. */
struct forced_iv {
	uint8_t iv[XS_IV_MAX];
	unsigned int len;
	bool mismatch;         /* the engine asked for another length */
};

static void reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void reply(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes exactly strlen(hex) / 2 bytes; -EINVAL on odd length or bad
 * digits, -E2BIG if more than max bytes. */
static int hex_decode(const char *hex, uint8_t *out, size_t max, size_t *len)
{
	size_t n = strlen(hex), i;

	if (n % 2)
		return -EINVAL;
	if (n / 2 > max)
		return -E2BIG;
	for (i = 0; i < n / 2; i++) {
		int hi = hex_nibble(hex[2 * i]);
		int lo = hex_nibble(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}

static const char *hex_encode(struct harness *h, const uint8_t *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	if (h->out_cap < 2 * len + 1) {
		char *n = realloc(h->out, 2 * len + 1);

		if (!n)
			return NULL;
		h->out = n;
		h->out_cap = 2 * len + 1;
	}
	for (i = 0; i < len; i++) {
		h->out[2 * i] = digits[data[i] >> 4];
		h->out[2 * i + 1] = digits[data[i] & 15];
	}
	h->out[2 * len] = '\0';
	return h->out;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || *end || x > max)
		return -EINVAL;
	*v = x;
	return 0;
}

static struct harness_sa *sa_find(struct harness *h, const char *name)
{
	unsigned int i;

	for (i = 0; i < HARNESS_MAX_SA; i++)
		if (h->sas[i].sa && !strcmp(h->sas[i].name, name))
			return &h->sas[i];
	return NULL;
}

static struct harness_sa *sa_by_ptr(struct harness *h, const struct xs_sa *sa)
{
	unsigned int i;

	for (i = 0; i < HARNESS_MAX_SA; i++)
		if (h->sas[i].sa == sa)
			return &h->sas[i];
	return NULL;
}

/* Splits line at spaces into argv; returns argc or -E2BIG. */
static int split_args(char *line, char **argv, int max)
{
	int argc = 0;
	char *tok, *save = NULL;

	for (tok = strtok_r(line, " \t\r", &save); tok;
	     tok = strtok_r(NULL, " \t\r", &save)) {
		if (argc == max)
			return -E2BIG;
		argv[argc++] = tok;
	}
	return argc;
}

/* One key=value of the "sa" command into cfg. Returns 0 or a message. */
static const char *sa_apply_kv(struct xs_sa_config *cfg, const char *key,
			       const char *val, const char **src,
			       const char **dst, bool *in_db)
{
	uint64_t v;
	size_t n;

	if (!strcmp(key, "proto")) {
		if (!strcmp(val, "esp"))
			cfg->proto = XS_PROTO_ESP;
		else if (!strcmp(val, "ah"))
			cfg->proto = XS_PROTO_AH;
		else
			return "proto must be esp or ah";
	} else if (!strcmp(key, "mode")) {
		if (!strcmp(val, "tunnel"))
			cfg->mode = XS_MODE_TUNNEL;
		else if (!strcmp(val, "transport"))
			cfg->mode = XS_MODE_TRANSPORT;
		else
			return "mode must be tunnel or transport";
	} else if (!strcmp(key, "family")) {
		if (!strcmp(val, "4"))
			cfg->family = AF_INET;
		else if (!strcmp(val, "6"))
			cfg->family = AF_INET6;
		else
			return "family must be 4 or 6";
	} else if (!strcmp(key, "suite")) {
		unsigned int s = xs_suite_by_name(val);

		if (s >= XS_SUITE_MAX)
			return "unknown suite";
		cfg->suite = (uint8_t)s;
	} else if (!strcmp(key, "backend")) {
		unsigned int b = xs_backend_by_name(val);

		if (b >= XS_BACKEND_MAX)
			return "unknown backend";
		cfg->backend = (uint8_t)b;
	} else if (!strcmp(key, "spi")) {
		if (parse_u64(val, UINT32_MAX, &v))
			return "bad spi";
		cfg->spi = (uint32_t)v;
	} else if (!strcmp(key, "src")) {
		*src = val;
	} else if (!strcmp(key, "dst")) {
		*dst = val;
	} else if (!strcmp(key, "ekey")) {
		if (hex_decode(val, cfg->enc_key, sizeof(cfg->enc_key), &n))
			return "bad ekey";
		cfg->enc_key_len = (uint32_t)n;
	} else if (!strcmp(key, "akey")) {
		if (hex_decode(val, cfg->auth_key, sizeof(cfg->auth_key), &n))
			return "bad akey";
		cfg->auth_key_len = (uint32_t)n;
	} else if (!strcmp(key, "esn")) {
		if (parse_u64(val, 1, &v))
			return "esn must be 0 or 1";
		cfg->esn = v;
	} else if (!strcmp(key, "seq")) {
		if (parse_u64(val, UINT64_MAX, &v))
			return "bad seq";
		cfg->seq_start = v;
	} else if (!strcmp(key, "window")) {
		if (parse_u64(val, UINT32_MAX, &v))
			return "bad window";
		cfg->replay_window = (uint32_t)v;
	} else if (!strcmp(key, "ttl")) {
		if (parse_u64(val, 255, &v))
			return "bad ttl";
		cfg->outer_ttl = (uint8_t)v;
	} else if (!strcmp(key, "encap")) {
		char buf[32], *comma;
		uint64_t sp, dp;

		if (strlen(val) >= sizeof(buf))
			return "bad encap";
		strcpy(buf, val);
		comma = strchr(buf, ',');
		if (!comma)
			return "encap must be SPORT,DPORT";
		*comma = '\0';
		if (parse_u64(buf, 65535, &sp) || parse_u64(comma + 1, 65535, &dp))
			return "bad encap port";
		cfg->encap_sport = (uint16_t)sp;
		cfg->encap_dport = (uint16_t)dp;
	} else if (!strcmp(key, "soft_bytes")) {
		if (parse_u64(val, UINT64_MAX, &cfg->soft.bytes))
			return "bad soft_bytes";
	} else if (!strcmp(key, "soft_packets")) {
		if (parse_u64(val, UINT64_MAX, &cfg->soft.packets))
			return "bad soft_packets";
	} else if (!strcmp(key, "hard_bytes")) {
		if (parse_u64(val, UINT64_MAX, &cfg->hard.bytes))
			return "bad hard_bytes";
	} else if (!strcmp(key, "hard_packets")) {
		if (parse_u64(val, UINT64_MAX, &cfg->hard.packets))
			return "bad hard_packets";
	} else if (!strcmp(key, "db")) {
		if (parse_u64(val, 1, &v))
			return "db must be 0 or 1";
		*in_db = v;
	} else {
		return "unknown key";
	}
	return NULL;
}

static void cmd_sa(struct harness *h, int argc, char **argv)
{
	struct xs_sa_config cfg;
	struct harness_sa *slot = NULL;
	const char *src = NULL, *dst = NULL, *msg = NULL;
	bool in_db = false;
	unsigned int i;
	int a, err;

	if (argc < 2) {
		reply("err usage: sa NAME key=value...");
		return;
	}
	if (strlen(argv[1]) >= HARNESS_NAME_MAX) {
		reply("err name too long");
		return;
	}
	if (sa_find(h, argv[1])) {
		reply("err sa %s exists", argv[1]);
		return;
	}
	for (i = 0; i < HARNESS_MAX_SA && !slot; i++)
		if (!h->sas[i].sa)
			slot = &h->sas[i];
	if (!slot) {
		reply("err too many sas");
		return;
	}

	xs_sa_config_init(&cfg);
	cfg.proto = XS_PROTO_ESP;
	cfg.family = AF_INET;
	for (a = 2; a < argc; a++) {
		char *eq = strchr(argv[a], '=');

		if (!eq) {
			reply("err %s: expected key=value", argv[a]);
			goto out;
		}
		*eq = '\0';
		msg = sa_apply_kv(&cfg, argv[a], eq + 1, &src, &dst, &in_db);
		if (msg) {
			reply("err %s: %s", argv[a], msg);
			goto out;
		}
	}
	if ((src && inet_pton(cfg.family, src, cfg.src.b) != 1) ||
	    (dst && inet_pton(cfg.family, dst, cfg.dst.b) != 1)) {
		reply("err bad address for family");
		goto out;
	}

	slot->sa = xs_sa_new(&cfg);
	if (!slot->sa) {
		reply("err xs_sa_new: %s", strerror(errno));
		goto out;
	}
	if (in_db) {
		err = xs_sadb_add(h->db, slot->sa);
		if (err) {
			xs_sa_free(slot->sa);
			slot->sa = NULL;
			reply("err xs_sadb_add: %s", strerror(-err));
			goto out;
		}
	}
	strcpy(slot->name, argv[1]);
	slot->in_db = in_db;
	reply("ok");
out:
	OPENSSL_cleanse(&cfg, sizeof(cfg));
}

static void forced_iv_fn(void *arg, uint64_t seq, uint8_t *iv, unsigned int len)
{
	struct forced_iv *f = arg;

	(void)seq;
	if (len != f->len) {
		f->mismatch = true;
		memset(iv, 0, len);
		return;
	}
	memcpy(iv, f->iv, len);
}

/* Copies hex into a fresh buffer with exactly the room the engine asks
 * for. The caller frees pkt->buf. */
static int pkt_from_hex(const char *hex, struct xs_pkt *pkt)
{
	size_t n = strlen(hex) / 2, len;
	int err;

	if (n > XS_PKT_MAX)
		return -E2BIG;
	pkt->cap = XS_HEADROOM + (uint32_t)n + XS_TAILROOM;
	pkt->buf = malloc(pkt->cap);
	if (!pkt->buf)
		return -ENOMEM;
	memset(pkt->buf, 0xa5, pkt->cap);
	err = hex_decode(hex, pkt->buf + XS_HEADROOM, n, &len);
	if (err) {
		free(pkt->buf);
		pkt->buf = NULL;
		return err;
	}
	pkt->off = XS_HEADROOM;
	pkt->len = (uint32_t)len;
	return 0;
}

static bool pkt_sane(const struct xs_pkt *p)
{
	return p->off <= p->cap && p->len <= p->cap - p->off;
}

static void reply_pkt(struct harness *h, const char *prefix, const struct xs_pkt *p)
{
	const char *hex;

	if (!pkt_sane(p)) {
		reply("err engine returned off=%u len=%u outside cap=%u",
		      p->off, p->len, p->cap);
		return;
	}
	hex = hex_encode(h, p->buf + p->off, p->len);
	if (!hex) {
		reply("err out of memory");
		return;
	}
	reply("ok %s%s", prefix, hex);
}

static void reply_bad_hex(int err)
{
	if (err == -E2BIG)
		reply("err packet longer than %u bytes", XS_PKT_MAX);
	else if (err == -ENOMEM)
		reply("err out of memory");
	else
		reply("err bad hex");
}

static void cmd_seal(struct harness *h, int argc, char **argv)
{
	struct forced_iv fiv = { 0 };
	struct harness_sa *s;
	struct xs_pkt p;
	bool force = false;
	size_t n;
	int r, err;

	if (argc < 3 || argc > 4) {
		reply("err usage: seal NAME HEX [iv=HEX]");
		return;
	}
	s = sa_find(h, argv[1]);
	if (!s) {
		reply("err no sa %s", argv[1]);
		return;
	}
	if (argc == 4) {
		if (strncmp(argv[3], "iv=", 3) ||
		    hex_decode(argv[3] + 3, fiv.iv, sizeof(fiv.iv), &n) || !n) {
			reply("err bad iv");
			return;
		}
		fiv.len = (unsigned int)n;
		force = true;
	}
	err = pkt_from_hex(argv[2], &p);
	if (err) {
		reply_bad_hex(err);
		return;
	}
	if (force)
		xs_sa_set_iv_fn(s->sa, forced_iv_fn, &fiv);
	r = xs_seal(s->sa, &p);
	if (force)
		xs_sa_set_iv_fn(s->sa, NULL, NULL);
	if (fiv.mismatch)
		reply("err iv length %u does not match the suite", fiv.len);
	else if (r)
		reply("drop %s", xs_drop_name((unsigned int)r));
	else
		reply_pkt(h, "", &p);
	free(p.buf);
}

static void cmd_open(struct harness *h, int argc, char **argv)
{
	struct harness_sa *s;
	struct xs_pkt p;
	int r, err;

	if (argc != 3) {
		reply("err usage: open NAME HEX");
		return;
	}
	s = sa_find(h, argv[1]);
	if (!s) {
		reply("err no sa %s", argv[1]);
		return;
	}
	err = pkt_from_hex(argv[2], &p);
	if (err) {
		reply_bad_hex(err);
		return;
	}
	if (s->sa->cfg.proto == XS_PROTO_AH)
		r = xs_ah_open(s->sa, &p);
	else
		r = xs_esp_open(s->sa, &p);
	if (r)
		reply("drop %s", xs_drop_name((unsigned int)r));
	else
		reply_pkt(h, "", &p);
	free(p.buf);
}

static void cmd_xopen(struct harness *h, int argc, char **argv)
{
	struct harness_sa *s;
	struct xs_sa *sa = NULL;
	struct xs_pkt p;
	char prefix[HARNESS_NAME_MAX + 1];
	int r, err;

	if (argc != 2) {
		reply("err usage: xopen HEX");
		return;
	}
	err = pkt_from_hex(argv[1], &p);
	if (err) {
		reply_bad_hex(err);
		return;
	}
	r = xs_open(h->db, &p, &sa);
	if (r) {
		reply("drop %s", xs_drop_name((unsigned int)r));
	} else {
		s = sa_by_ptr(h, sa);
		if (!s) {
			reply("err xs_open returned an unknown sa");
		} else {
			snprintf(prefix, sizeof(prefix), "%s ", s->name);
			reply_pkt(h, prefix, &p);
		}
	}
	free(p.buf);
}

static void cmd_stats(struct harness *h, int argc, char **argv)
{
	const struct xs_sa_stats *st;
	struct harness_sa *s;
	char line[2048];
	size_t used;
	unsigned int i;

	if (argc != 2) {
		reply("err usage: stats NAME");
		return;
	}
	s = sa_find(h, argv[1]);
	if (!s) {
		reply("err no sa %s", argv[1]);
		return;
	}
	st = &s->sa->stats;
	used = (size_t)snprintf(line, sizeof(line),
				"ok packets=%" PRIu64 " bytes=%" PRIu64 " seq=%" PRIu64,
				st->packets, st->bytes, s->sa->tx_seq);
	for (i = 1; i < XS_DROP_MAX && used < sizeof(line); i++)
		used += (size_t)snprintf(line + used, sizeof(line) - used,
					 " %s=%" PRIu64, xs_drop_name(i),
					 st->drops[i]);
	reply("%s", line);
}

static void cmd_del(struct harness *h, int argc, char **argv)
{
	struct harness_sa *s;

	if (argc != 2) {
		reply("err usage: del NAME");
		return;
	}
	s = sa_find(h, argv[1]);
	if (!s) {
		reply("err no sa %s", argv[1]);
		return;
	}
	if (s->in_db)
		xs_sadb_del(h->db, s->sa->cfg.spi, s->sa->cfg.proto);
	xs_sa_free(s->sa);
	memset(s, 0, sizeof(*s));
	reply("ok");
}

/* Returns false when the harness should exit. */
static bool run_line(struct harness *h, char *line)
{
	char *argv[HARNESS_MAX_ARGS];
	int argc;

	line[strcspn(line, "\r\n")] = '\0';
	if (line[strspn(line, " \t")] == '#')
		return true;
	argc = split_args(line, argv, HARNESS_MAX_ARGS);
	if (argc < 0) {
		reply("err too many arguments");
		return true;
	}
	if (argc == 0)
		return true;

	if (!strcmp(argv[0], "sa"))
		cmd_sa(h, argc, argv);
	else if (!strcmp(argv[0], "seal"))
		cmd_seal(h, argc, argv);
	else if (!strcmp(argv[0], "open"))
		cmd_open(h, argc, argv);
	else if (!strcmp(argv[0], "xopen"))
		cmd_xopen(h, argc, argv);
	else if (!strcmp(argv[0], "stats"))
		cmd_stats(h, argc, argv);
	else if (!strcmp(argv[0], "del"))
		cmd_del(h, argc, argv);
	else if (!strcmp(argv[0], "quit")) {
		reply("ok");
		return false;
	} else
		reply("err unknown command %s", argv[0]);
	return true;
}

int main(void)
{
	struct harness *h;
	char *line = NULL;
	size_t cap = 0;
	unsigned int i;
	int ret = 0;

	h = calloc(1, sizeof(*h));
	if (!h)
		return 1;
	h->db = xs_sadb_new(2 * HARNESS_MAX_SA);
	if (!h->db) {
		fprintf(stderr, "xs_harness: xs_sadb_new: %s\n", strerror(errno));
		ret = 1;
		goto out;
	}
	while (getline(&line, &cap, stdin) >= 0)
		if (!run_line(h, line))
			break;
out:
	for (i = 0; i < HARNESS_MAX_SA; i++)
		xs_sa_free(h->sas[i].sa);
	xs_sadb_free(h->db);
	free(line);
	free(h->out);
	free(h);
	return ret;
}
