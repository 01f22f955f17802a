// SPDX-License-Identifier: GPL-2.0-only
/*
 * Child SAs into the datapath: the `sa add`, `sa del`, `policy add`,
 * `policy update` and `policy del` commands of the xdpsec daemon (see its
 * CLI), sent one request per command over the daemon's control socket
 * (ctl/ctl.h).
 *
 * Traffic selectors are address ranges (RFC 7296 §3.13.1); policies are
 * prefixes, so a range becomes the smallest set of prefixes covering it
 * and each local × remote pair of them one outbound policy. The policy ids
 * of a Child SA family (its reqid) are kept so that a rekey re-points them
 * at the new outbound SA in place (`policy update`, never a moment without
 * a protecting rule) and the last uninstall deletes them.
 *
 * Command words carry keys: every buffer that held them is wiped with
 * OPENSSL_cleanse, and nothing here logs the words of an `sa add`.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "ctl.h"
#include "shell.h"
#include "ts.h"

/* ------------------------------------------------------------- words */

void ike_words_init(struct ike_words *w)
{
	w->argc = 0;
	w->full = false;
	w->used = 0;
	w->argv[0] = NULL;
}

void ike_words_add(struct ike_words *w, const char *word)
{
	size_t len = strlen(word) + 1;

	if (w->full || w->argc >= IKE_WORDS_MAX || len > sizeof(w->buf) - w->used) {
		w->full = true;
		return;
	}
	memcpy(w->buf + w->used, word, len);
	w->argv[w->argc++] = w->buf + w->used;
	w->argv[w->argc] = NULL;
	w->used += len;
}

void ike_words_addf(struct ike_words *w, const char *fmt, ...)
{
	size_t room = sizeof(w->buf) - w->used;
	va_list ap;
	int n;

	if (w->full || w->argc >= IKE_WORDS_MAX || !room) {
		w->full = true;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(w->buf + w->used, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		w->full = true;
		return;
	}
	w->argv[w->argc++] = w->buf + w->used;
	w->argv[w->argc] = NULL;
	w->used += (size_t)n + 1;
}

void ike_words_split(struct ike_words *w, const char *s)
{
	while (*s) {
		const char *end;
		size_t len;

		if (*s == ' ') {
			s++;
			continue;
		}
		end = strchr(s, ' ');
		len = end ? (size_t)(end - s) : strlen(s);
		/* `enc cipher_null "" ...`: the quotes stand for an empty key. */
		if (len == 2 && s[0] == '"' && s[1] == '"')
			len = 0;
		if (w->full || w->argc >= IKE_WORDS_MAX || len + 1 > sizeof(w->buf) - w->used) {
			w->full = true;
			return;
		}
		memcpy(w->buf + w->used, s, len);
		w->buf[w->used + len] = '\0';
		w->argv[w->argc++] = w->buf + w->used;
		w->argv[w->argc] = NULL;
		w->used += len + 1;
		s = end ? end : s + strlen(s);
	}
}

void ike_words_wipe(struct ike_words *w)
{
	OPENSSL_cleanse(w, sizeof(*w));
}

/* ------------------------------------------------- ranges to prefixes */

static size_t family_len(uint8_t family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

/* Whether the low (bits - plen) bits of a are all zero. */
static bool aligned(const uint8_t *a, size_t alen, unsigned int host_bits)
{
	for (size_t i = alen; i-- > 0 && host_bits; ) {
		unsigned int take = host_bits < 8 ? host_bits : 8;
		uint8_t mask = (uint8_t)((1u << take) - 1);

		if (a[i] & mask)
			return false;
		host_bits -= take;
	}
	return true;
}

/* last = a with its low host_bits set. */
static void block_last(const uint8_t *a, size_t alen, unsigned int host_bits,
		       uint8_t *last)
{
	memcpy(last, a, alen);
	for (size_t i = alen; i-- > 0 && host_bits; ) {
		unsigned int take = host_bits < 8 ? host_bits : 8;

		last[i] |= (uint8_t)((1u << take) - 1);
		host_bits -= take;
	}
}

/* a += 1; returns true when it wrapped to zero. */
static bool addr_inc(uint8_t *a, size_t alen)
{
	for (size_t i = alen; i-- > 0; )
		if (++a[i])
			return false;
	return true;
}

int ike_ts_prefixes(const struct ike_ts *ts, struct ike_prefix *out, size_t max,
		    size_t *n)
{
	size_t alen = family_len(ts->family);
	unsigned int bits = (unsigned int)alen * 8;
	uint8_t cur[16], last[16];

	*n = 0;
	if (!alen || memcmp(ts->start, ts->end, alen) > 0)
		return -EINVAL;
	memcpy(cur, ts->start, alen);
	for (;;) {
		unsigned int host = bits;

		/* The largest aligned block at cur that ends within the range. */
		while (host > 0) {
			if (aligned(cur, alen, host)) {
				block_last(cur, alen, host, last);
				if (memcmp(last, ts->end, alen) <= 0)
					break;
			}
			host--;
		}
		if (!host)
			memcpy(last, cur, alen);
		if (*n == max)
			return -ENOSPC;
		memset(&out[*n], 0, sizeof(out[*n]));
		out[*n].family = ts->family;
		out[*n].len = (uint8_t)(bits - host);
		memcpy(out[*n].addr, cur, alen);
		(*n)++;
		if (!memcmp(last, ts->end, alen))
			return 0;
		memcpy(cur, last, alen);
		if (addr_inc(cur, alen))
			return 0;
	}
}

const char *ike_prefix_str(const struct ike_prefix *p, char buf[64])
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(p->family == AF_INET6 ? AF_INET6 : AF_INET, p->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(buf, 64, "%s/%u", a, p->len);
	return buf;
}

/* ------------------------------------------------------------ policies */

static bool proto_has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP ||
	       proto == IPPROTO_UDPLITE;
}

static bool proto_is_icmp(uint8_t proto)
{
	return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

static bool ports_any(uint16_t lo, uint16_t hi)
{
	return lo == 0 && hi == UINT16_MAX;
}

/*
 * Protocol and port selectors of a local × remote pair; false when no
 * packet can match both. RFC 7296 §3.13.1: for ICMP the 16-bit "port" is
 * Type << 8 | Code; the datapath (like Linux xfrm) takes the type in the
 * source range and the code in the destination range.
 */
static bool pair_selectors(const struct ike_ts *l, const struct ike_ts *r,
			   struct ike_policy_sel *s)
{
	uint8_t proto;

	if (l->proto && r->proto && l->proto != r->proto)
		return false;
	proto = l->proto ? l->proto : r->proto;
	/* RFC 7296 §3.13.1: start port > end port is OPAQUE (port-less
	 * packets only), which a port range cannot say. */
	if (l->port_lo > l->port_hi || r->port_lo > r->port_hi)
		return false;
	s->proto = proto;
	s->sport_lo = s->dport_lo = 0;
	s->sport_hi = s->dport_hi = UINT16_MAX;
	if (proto_is_icmp(proto)) {
		uint16_t lo = l->port_lo > r->port_lo ? l->port_lo : r->port_lo;
		uint16_t hi = l->port_hi < r->port_hi ? l->port_hi : r->port_hi;

		if (lo > hi)
			return false;
		if (ports_any(lo, hi))
			return true;
		s->sport_lo = lo >> 8;
		s->sport_hi = hi >> 8;
		/* A code range only within one type; across types every code
		 * (sealing more than agreed never sends anything in clear). */
		if (s->sport_lo == s->sport_hi && ((lo & 0xff) || (hi & 0xff) != 0xff)) {
			s->dport_lo = lo & 0xff;
			s->dport_hi = hi & 0xff;
		}
		return true;
	}
	if (proto_has_ports(proto)) {
		s->sport_lo = l->port_lo;
		s->sport_hi = l->port_hi;
		s->dport_lo = r->port_lo;
		s->dport_hi = r->port_hi;
	}
	/* Ports of a protocol the datapath cannot match on: the pair is
	 * protected as a whole rather than left to the default action. */
	return true;
}

int ike_install_policies(const struct ike_child_install *c,
			 struct ike_policy_sel *out, size_t max, size_t *n)
{
	struct ike_prefix lp[IKE_TS_PREFIXES_MAX], rp[IKE_TS_PREFIXES_MAX];
	int ret;

	*n = 0;
	if (c->n_local_ts > IKE_TS_MAX || c->n_remote_ts > IKE_TS_MAX)
		return -EINVAL;
	for (unsigned int i = 0; i < c->n_local_ts; i++) {
		const struct ike_ts *l = &c->local_ts[i];
		size_t nl;

		ret = ike_ts_prefixes(l, lp, IKE_TS_PREFIXES_MAX, &nl);
		if (ret)
			return ret;
		for (unsigned int j = 0; j < c->n_remote_ts; j++) {
			const struct ike_ts *r = &c->remote_ts[j];
			struct ike_policy_sel s;
			size_t nr;

			if (l->family != r->family || !pair_selectors(l, r, &s))
				continue;
			ret = ike_ts_prefixes(r, rp, IKE_TS_PREFIXES_MAX, &nr);
			if (ret)
				return ret;
			for (size_t x = 0; x < nl; x++) {
				for (size_t y = 0; y < nr; y++) {
					if (*n == max)
						return -E2BIG;
					s.src = lp[x];
					s.dst = rp[y];
					out[(*n)++] = s;
				}
			}
		}
	}
	return *n ? 0 : -ENOENT;
}

/* -------------------------------------------------------------- words */

static const char *proto_word(uint8_t protocol)
{
	return protocol == IKE_PROTO_AH ? "ah" : "esp";
}

static bool sockaddr_ip(const struct sockaddr_storage *ss, char buf[INET6_ADDRSTRLEN],
			uint16_t *port)
{
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
	return false;
}

int ike_install_sa_words(const struct ike_child_install *c, int dir,
			 struct ike_words *w)
{
	return ike_install_sa_words_life(c, dir, 0, w);
}

uint32_t ike_install_hard_time(const struct ike_conf_child *cc)
{
	uint64_t t;

	/* The state machine deletes the Child SA at life_time, or replaces
	 * it at rekey_time when no life_time is set (config.h guarantees
	 * life_time > rekey_time otherwise); with neither, at the fallback. */
	if (cc && cc->life_time)
		t = cc->life_time;
	else if (cc && cc->rekey_time)
		t = cc->rekey_time;
	else
		t = IKE_DP_LIFE_FALLBACK_S;
	t += IKE_DP_HARD_MARGIN_S;
	return t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

int ike_install_sa_words_life(const struct ike_child_install *c, int dir,
			      uint32_t hard_s, struct ike_words *w)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	const struct sockaddr_storage *s, *d;
	uint16_t sport, dport;
	bool in = dir == IKE_INSTALL_IN;
	const char *alg;
	uint32_t spi;

	ike_words_init(w);
	if (dir != IKE_INSTALL_IN && dir != IKE_INSTALL_OUT)
		return -EINVAL;
	if (c->protocol != IKE_PROTO_ESP && c->protocol != IKE_PROTO_AH)
		return -EINVAL;
	/* RFC 3948 encapsulates ESP only. */
	if (c->encap && c->protocol != IKE_PROTO_ESP)
		return -EINVAL;
	s = in ? &c->path.remote : &c->path.local;
	d = in ? &c->path.local : &c->path.remote;
	spi = in ? c->spi_in : c->spi_out;
	alg = in ? c->alg_in : c->alg_out;
	if (s->ss_family != d->ss_family || !sockaddr_ip(s, src, &sport) ||
	    !sockaddr_ip(d, dst, &dport) || !alg[0])
		return -EINVAL;
	ike_words_add(w, "sa");
	ike_words_add(w, "add");
	ike_words_add(w, "src");
	ike_words_add(w, src);
	ike_words_add(w, "dst");
	ike_words_add(w, dst);
	ike_words_add(w, "proto");
	ike_words_add(w, proto_word(c->protocol));
	ike_words_add(w, "spi");
	ike_words_addf(w, "0x%08x", spi);
	ike_words_add(w, "mode");
	ike_words_add(w, c->transport ? "transport" : "tunnel");
	ike_words_add(w, "reqid");
	ike_words_addf(w, "%u", c->reqid);
	ike_words_add(w, "dir");
	ike_words_add(w, in ? "in" : "out");
	ike_words_split(w, alg);
	if (c->encap) {
		/* The outer UDP ports of packets of this SA: from its source. */
		ike_words_add(w, "encap");
		ike_words_add(w, "espinudp");
		ike_words_addf(w, "%u", sport);
		ike_words_addf(w, "%u", dport);
		ike_words_add(w, "0.0.0.0");
	}
	if (c->esn) {
		ike_words_add(w, "flag");
		ike_words_add(w, "esn");
	}
	if (c->soft_bytes || c->hard_bytes || c->soft_packets || c->hard_packets || hard_s) {
		const struct {
			const char *name;
			uint64_t v;
		} lim[] = {
			{ "byte-soft", c->soft_bytes }, { "byte-hard", c->hard_bytes },
			{ "packet-soft", c->soft_packets }, { "packet-hard", c->hard_packets },
			{ "time-hard", hard_s },
		};

		ike_words_add(w, "limit");
		for (size_t i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
			if (!lim[i].v)
				continue;
			ike_words_add(w, lim[i].name);
			ike_words_addf(w, "%" PRIu64, lim[i].v);
		}
	}
	if (w->full) {
		ike_words_wipe(w);
		ike_words_init(w);
		return -ENOSPC;
	}
	return 0;
}

static void add_ports(struct ike_words *w, const char *kw, uint16_t lo, uint16_t hi)
{
	if (ports_any(lo, hi))
		return;
	ike_words_add(w, kw);
	if (lo == hi)
		ike_words_addf(w, "%u", lo);
	else
		ike_words_addf(w, "%u-%u", lo, hi);
}

int ike_install_policy_words(const struct ike_policy_sel *s, uint32_t spi,
			     struct ike_words *w)
{
	return ike_install_policy_words_dir(s, spi, IKE_INSTALL_OUT, w);
}

int ike_install_policy_words_dir(const struct ike_policy_sel *s, uint32_t spi, int dir,
				 struct ike_words *w)
{
	/* Inbound selectors are written as the packets carry them (RFC 4301
	 * §4.4.1): remote source, local destination, ports swapped — ICMP
	 * type and code stay where they are. */
	const bool in = dir == IKE_INSTALL_IN;
	const bool swap = in && !proto_is_icmp(s->proto);
	char p[64];

	ike_words_init(w);
	ike_words_add(w, "policy");
	ike_words_add(w, "add");
	ike_words_add(w, "src");
	ike_words_add(w, ike_prefix_str(in ? &s->dst : &s->src, p));
	ike_words_add(w, "dst");
	ike_words_add(w, ike_prefix_str(in ? &s->src : &s->dst, p));
	if (s->proto) {
		const char *name = NULL;

		switch (s->proto) {
		case IPPROTO_TCP: name = "tcp"; break;
		case IPPROTO_UDP: name = "udp"; break;
		case IPPROTO_ICMP: name = "icmp"; break;
		case IPPROTO_ICMPV6: name = "icmpv6"; break;
		default: break;
		}
		ike_words_add(w, "proto");
		if (name)
			ike_words_add(w, name);
		else
			ike_words_addf(w, "%u", s->proto);
		if (proto_has_ports(s->proto) || proto_is_icmp(s->proto)) {
			add_ports(w, "sport", swap ? s->dport_lo : s->sport_lo,
				  swap ? s->dport_hi : s->sport_hi);
			add_ports(w, "dport", swap ? s->sport_lo : s->dport_lo,
				  swap ? s->sport_hi : s->dport_hi);
		}
	}
	ike_words_add(w, "dir");
	ike_words_add(w, in ? "in" : "out");
	if (spi) {
		ike_words_add(w, "spi");
		ike_words_addf(w, "0x%08x", spi);
	} else {
		/* no SA yet: dropped, reported as acquires */
		ike_words_add(w, "action");
		ike_words_add(w, "trap");
	}
	return w->full ? -ENOSPC : 0;
}

/* ---------------------------------------------------------- transport */

static ike_dp_fn dp_fn;
static void *dp_arg;
static uint64_t n_commands, n_failures;

void ike_install_set_transport(ike_dp_fn fn, void *arg)
{
	dp_fn = fn;
	dp_arg = arg;
}

static int ctl_transport(const char *instance, int argc, char *const argv[],
			 int *status, char **text)
{
	size_t len;
	int fd, ret;

	fd = xs_ctl_connect(instance);
	if (fd < 0)
		return fd;
	ret = xs_ctl_send_req(fd, argc, argv);
	if (!ret)
		ret = xs_ctl_recv_reply(fd, status, text, &len);
	close(fd);
	return ret;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/*
 * The daemon never quotes keys on purpose, but an error about a word it
 * did not expect quotes that word: hex runs longer than an SPI are
 * starred out before the message goes anywhere.
 */
static void redact_hex(char *s)
{
	for (; *s; s++) {
		size_t n = 0;

		if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
			continue;
		while (is_hex(s[2 + n]))
			n++;
		if (n > 8)
			memset(s + 2, '*', n);
		s += 1 + n;
	}
}

int ike_dp_command(const char *instance, int argc, char *const argv[], char **text,
		   char *err, size_t errlen)
{
	char *t = NULL;
	int status = 0, ret;

	n_commands++;
	if (dp_fn)
		ret = dp_fn(dp_arg, instance, argc, argv, &status, &t);
	else
		ret = ctl_transport(instance, argc, argv, &status, &t);
	if (ret) {
		n_failures++;
		if (ret == -ENOENT || ret == -ECONNREFUSED)
			snprintf(err, errlen, "no datapath daemon for instance %s", instance);
		else
			snprintf(err, errlen, "datapath daemon of instance %s: %s", instance,
				 strerror(-ret));
		free(t);
		return ret;
	}
	if (status) {
		size_t len = t ? strcspn(t, "\r\n") : 0;

		n_failures++;
		/* The daemon's messages never quote keys. */
		snprintf(err, errlen, "%.*s", (int)len, len ? t : strerror(-status));
		redact_hex(err);
		free(t);
		return status;
	}
	if (text)
		*text = t;
	else
		free(t);
	return 0;
}

/* ------------------------------------------------------------- tables */

/* An SA the shell installed. */
struct inst_sa {
	uint32_t spi;
	uint32_t spi_in;        /* of its Child SA, for expiry reports */
	uint8_t proto;
	uint8_t dir;
	uint8_t reported;       /* 0 none, 1 soft, 2 hard */
};

/* The outbound policies of one Child SA family. */
struct inst_pol {
	uint32_t reqid;
	char conn[IKE_CONF_NAME_MAX];
	char child[IKE_CONF_NAME_MAX];  /* for acquires (ike_install_trap_owner) */
	uint32_t spi;           /* the SA they protect with */
	size_t n;
	uint32_t *ids;
	/* Inbound policies: cleartext of these flows is refused (RFC 4301
	 * §5.2). They keep naming the first inbound SA across rekeys; the
	 * datapath only uses them to drop cleartext. */
	size_t n_in;
	uint32_t *ids_in;
};

static struct inst_sa *sas;
static size_t n_sas, cap_sas;
static struct inst_pol *pols;
static size_t n_pols, cap_pols;

/*
 * Policies kept while no SA protects their flows (fail closed): each
 * names an SA that is gone, so the datapath drops its packets and
 * reports acquires (docs/bpf.md, "Traps"). The next Child SA with the
 * same selectors takes them over (`policy update`) instead of adding
 * them; only unloading the connection deletes them. conn is "" for the
 * ones a previous agent left (adopted at start).
 */
struct held_pol {
	uint32_t id;
	uint8_t dir;
	char conn[IKE_CONF_NAME_MAX];
	char child[IKE_CONF_NAME_MAX];  /* "" if unknown (adopted) */
};

static struct held_pol *held;
static size_t n_held, cap_held;

static struct inst_sa *sa_find(uint32_t spi, uint8_t proto, int dir)
{
	for (size_t i = 0; i < n_sas; i++)
		if (sas[i].spi == spi && sas[i].proto == proto && sas[i].dir == dir)
			return &sas[i];
	return NULL;
}

static int sa_track(uint32_t spi, uint8_t proto, int dir, uint32_t spi_in)
{
	struct inst_sa *s = sa_find(spi, proto, dir);

	if (!s) {
		if (n_sas == cap_sas) {
			size_t cap = cap_sas ? 2 * cap_sas : 16;
			struct inst_sa *p = realloc(sas, cap * sizeof(*p));

			if (!p)
				return -ENOMEM;
			sas = p;
			cap_sas = cap;
		}
		s = &sas[n_sas++];
	}
	s->spi = spi;
	s->spi_in = spi_in;
	s->proto = proto;
	s->dir = (uint8_t)dir;
	s->reported = 0;
	return 0;
}

static void sa_untrack(uint32_t spi, uint8_t proto, int dir)
{
	struct inst_sa *s = sa_find(spi, proto, dir);

	if (s)
		*s = sas[--n_sas];
}

static struct inst_pol *pol_find(uint32_t reqid)
{
	for (size_t i = 0; i < n_pols; i++)
		if (pols[i].reqid == reqid)
			return &pols[i];
	return NULL;
}

static struct inst_pol *pol_new(const char *conn, const char *child, uint32_t reqid,
			       uint32_t spi, uint32_t *ids, size_t n)
{
	struct inst_pol *p;

	if (n_pols == cap_pols) {
		size_t cap = cap_pols ? 2 * cap_pols : 16;

		p = realloc(pols, cap * sizeof(*p));
		if (!p)
			return NULL;
		pols = p;
		cap_pols = cap;
	}
	p = &pols[n_pols++];
	p->reqid = reqid;
	snprintf(p->conn, sizeof(p->conn), "%s", conn ? conn : "");
	snprintf(p->child, sizeof(p->child), "%s", child ? child : "");
	p->spi = spi;
	p->ids = ids;
	p->n = n;
	p->ids_in = NULL;
	p->n_in = 0;
	return p;
}

static void pol_remove(struct inst_pol *p)
{
	free(p->ids);
	free(p->ids_in);
	*p = pols[--n_pols];
}

static struct held_pol *held_find(uint32_t id)
{
	for (size_t i = 0; i < n_held; i++)
		if (held[i].id == id)
			return &held[i];
	return NULL;
}

static int held_add(uint32_t id, int dir, const char *conn, const char *child)
{
	struct held_pol *h = held_find(id);

	if (!h) {
		if (n_held == cap_held) {
			size_t cap = cap_held ? 2 * cap_held : 16;
			struct held_pol *p = realloc(held, cap * sizeof(*p));

			if (!p)
				return -ENOMEM;
			held = p;
			cap_held = cap;
		}
		h = &held[n_held++];
	}
	h->id = id;
	h->dir = (uint8_t)dir;
	snprintf(h->conn, sizeof(h->conn), "%s", conn ? conn : "");
	snprintf(h->child, sizeof(h->child), "%s", child ? child : "");
	return 0;
}

static void held_remove(struct held_pol *h)
{
	*h = held[--n_held];
}

static bool conn_loaded(const struct ike_agent *a, const char *conn)
{
	for (size_t i = 0; a->cfg && conn && i < a->cfg->n_conns; i++)
		if (!strcmp(a->cfg->conns[i].name, conn))
			return true;
	return false;
}

static const struct ike_conf_child *child_conf(const struct ike_agent *a,
					       const char *conn, const char *child)
{
	for (size_t i = 0; a->cfg && conn && child && i < a->cfg->n_conns; i++) {
		const struct ike_conf_conn *cc = &a->cfg->conns[i];

		if (strcmp(cc->name, conn))
			continue;
		for (size_t k = 0; k < cc->n_children; k++)
			if (!strcmp(cc->children[k].name, child))
				return &cc->children[k];
	}
	return NULL;
}

void ike_install_reset(void)
{
	free(held);
	held = NULL;
	n_held = cap_held = 0;
	for (size_t i = 0; i < n_pols; i++) {
		free(pols[i].ids);
		free(pols[i].ids_in);
	}
	free(pols);
	free(sas);
	pols = NULL;
	sas = NULL;
	n_pols = cap_pols = n_sas = cap_sas = 0;
	n_commands = n_failures = 0;
}

void ike_install_stats_get(struct ike_install_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->commands = n_commands;
	s->failures = n_failures;
	s->sas = (uint32_t)n_sas;
	for (size_t i = 0; i < n_pols; i++)
		s->policies += (uint32_t)(pols[i].n + pols[i].n_in);
	s->held = (uint32_t)n_held;
}

bool ike_install_note_expired(uint32_t spi, uint8_t proto, int dir, bool hard,
			      uint32_t *spi_in)
{
	struct inst_sa *s = sa_find(spi, proto, dir);
	uint8_t level = hard ? 2 : 1;

	if (!s || s->reported >= level)
		return false;
	s->reported = level;
	/* the in and out SA of one Child SA: one report per level */
	for (size_t i = 0; i < n_sas; i++)
		if (&sas[i] != s && sas[i].spi_in == s->spi_in && sas[i].reported >= level)
			return false;
	*spi_in = s->spi_in;
	return true;
}

/* ------------------------------------------------------------ install */

static const char *dir_word(int dir)
{
	return dir == IKE_INSTALL_IN ? "in" : "out";
}

/* `sa add` for one direction; the words are wiped before returning. */
static int sa_add(struct ike_agent *a, const struct ike_child_install *c, int dir)
{
	char err[512];
	struct ike_words *w;
	uint32_t spi = dir == IKE_INSTALL_IN ? c->spi_in : c->spi_out;
	/* Nothing outlives its Child SA by more than the margin, even when
	 * this agent dies and never deletes it. */
	uint32_t hard_s = ike_install_hard_time(child_conf(a, c->conn, c->child));
	int ret;

	w = malloc(sizeof(*w));
	if (!w)
		return -ENOMEM;
	ret = ike_install_sa_words_life(c, dir, hard_s, w);
	if (ret) {
		ike_words_wipe(w);
		free(w);
		ike_shell_log(IKE_LOG_ERR, "%s/%s: cannot build sa add for spi 0x%08x: %s",
			      c->conn, c->child, spi, strerror(-ret));
		return ret;
	}
	ret = ike_dp_command(a->instance, w->argc, w->argv, NULL, err, sizeof(err));
	ike_words_wipe(w);
	free(w);
	if (ret) {
		ike_shell_log(IKE_LOG_ERR, "%s/%s: sa add %s spi 0x%08x reqid %u: %s",
			      c->conn, c->child, dir_word(dir), spi, c->reqid, err);
		return ret;
	}
	ret = sa_track(spi, c->protocol, dir, c->spi_in);
	ike_shell_log(IKE_LOG_INFO, "%s/%s: installed %s SA %s spi 0x%08x reqid %u "
		      "time-hard %us%s", c->conn, c->child, proto_word(c->protocol),
		      dir_word(dir), spi, c->reqid, hard_s, c->encap ? " (udp-encap)" : "");
	return ret;
}

/* 0 also when the daemon no longer had it (*gone tells). */
static int sa_del(struct ike_agent *a, uint8_t protocol, uint32_t spi, int dir,
		  bool *gone)
{
	struct ike_words w;
	char err[512];
	int ret;

	ike_words_init(&w);
	ike_words_add(&w, "sa");
	ike_words_add(&w, "del");
	ike_words_add(&w, "spi");
	ike_words_addf(&w, "0x%08x", spi);
	ike_words_add(&w, "proto");
	ike_words_add(&w, proto_word(protocol));
	ike_words_add(&w, "dir");
	ike_words_add(&w, dir_word(dir));
	ret = ike_dp_command(a->instance, w.argc, w.argv, NULL, err, sizeof(err));
	sa_untrack(spi, protocol, dir);
	/* Already gone (a restarted daemon): what was asked is true. */
	*gone = ret == -ENOENT && strstr(err, "no SA");
	if (*gone) {
		ike_shell_log(IKE_LOG_DEBUG, "sa del %s spi 0x%08x: already gone",
			      dir_word(dir), spi);
		ret = 0;
	}
	if (ret)
		ike_shell_log(IKE_LOG_ERR, "sa del %s spi 0x%08x: %s", dir_word(dir), spi, err);
	return ret;
}

static int policy_simple(struct ike_agent *a, const char *verb, uint32_t id,
			 uint32_t spi)
{
	struct ike_words w;
	char err[512];
	int ret;

	ike_words_init(&w);
	ike_words_add(&w, "policy");
	ike_words_add(&w, verb);
	ike_words_add(&w, "id");
	ike_words_addf(&w, "%u", id);
	if (spi) {
		ike_words_add(&w, "spi");
		ike_words_addf(&w, "0x%08x", spi);
	}
	ret = ike_dp_command(a->instance, w.argc, w.argv, NULL, err, sizeof(err));
	if (ret)
		ike_shell_log(IKE_LOG_ERR, "policy %s id %u: %s", verb, id, err);
	return ret;
}

/*
 * The daemon refused a policy add as "policy with these selectors exists
 * (id N)": when N is one this agent holds (or adopted) in the same
 * direction, the new SA takes it over. True when it did (*id = N).
 */
static bool policy_take_over(struct ike_agent *a, const char *err, int dir,
			     uint32_t spi, uint32_t *id)
{
	const char *p = strstr(err, "(id ");
	struct held_pol *h;
	uint32_t n;

	if (!p || sscanf(p, "(id %" SCNu32 ")", &n) != 1)
		return false;
	h = held_find(n);
	if (!h || h->dir != dir)
		return false;
	if (!spi) {
		/* a trap over a held policy: it drops and acquires as is */
		n_failures--;
		*id = n;
		return true;
	}
	if (policy_simple(a, "update", n, spi))
		return false;
	held_remove(h);
	/* The refusal was the expected answer, not a failure. */
	n_failures--;
	ike_shell_log(IKE_LOG_DEBUG, "policy %u (held) now protects with spi 0x%08x", n, spi);
	*id = n;
	return true;
}

/* policy add; *id from the daemon's "policy ID added". */
static int policy_add(struct ike_agent *a, const struct ike_child_install *c,
		      const struct ike_policy_sel *s, int dir, uint32_t *id)
{
	const uint32_t spi = dir == IKE_INSTALL_IN ? c->spi_in : c->spi_out;
	struct ike_words w;
	char err[512], *text = NULL;
	int ret;

	ret = ike_install_policy_words_dir(s, spi, dir, &w);
	if (!ret)
		ret = ike_dp_command(a->instance, w.argc, w.argv, &text, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "%s", strerror(-ret));
	if (ret == -EEXIST && policy_take_over(a, err, dir, spi, id)) {
		free(text);
		return 0;
	}
	if (!ret && (!text || sscanf(text, "policy %" SCNu32 " added", id) != 1)) {
		snprintf(err, sizeof(err), "unexpected answer from the daemon");
		ret = -EPROTO;
	} else if (!ret && held_find(*id)) {
		/* a fresh policy under a held id: the daemon lost the held
		 * one (it restarted); the entry is stale */
		held_remove(held_find(*id));
	}
	free(text);
	if (ret) {
		char p1[64], p2[64];

		ike_shell_log(IKE_LOG_ERR, "%s/%s: policy add src %s dst %s dir %s spi 0x%08x: %s",
			      c->conn, c->child, ike_prefix_str(&s->src, p1),
			      ike_prefix_str(&s->dst, p2), dir_word(dir), spi, err);
	}
	return ret;
}

int ike_install_in(struct ike_agent *a, const struct ike_child_install *c)
{
	return sa_add(a, c, IKE_INSTALL_IN);
}

/*
 * Policies whose SA goes: kept (held, their packets dropped) while conn
 * is loaded, deleted once it is not. 0 or the first delete's -errno.
 */
static int policies_release(struct ike_agent *a, const char *conn, const char *child,
			    const uint32_t *ids, size_t n, int dir)
{
	bool keep = conn_loaded(a, conn);
	int ret = 0, r;

	for (size_t i = 0; i < n; i++) {
		if (keep && !held_add(ids[i], dir, conn, child))
			continue;
		if (keep)
			ike_shell_log(IKE_LOG_WARN, "policy %u: cannot track it (no memory): "
				      "left in the datapath", ids[i]);
		else if ((r = policy_simple(a, "del", ids[i], 0)) && r != -ENOENT && !ret)
			ret = r;
	}
	if (keep && n)
		ike_shell_log(IKE_LOG_INFO, "%s: %zu %s policies kept without SA: their "
			      "traffic is dropped (fail closed)", conn, n, dir_word(dir));
	return ret;
}

/* Points every policy of p at spi; on failure the ones done go back. */
static int policies_update(struct ike_agent *a, struct inst_pol *p, uint32_t spi)
{
	int ret = 0;
	size_t i;

	for (i = 0; i < p->n; i++) {
		ret = policy_simple(a, "update", p->ids[i], spi);
		if (ret)
			break;
	}
	if (!ret) {
		p->spi = spi;
		return 0;
	}
	while (i-- > 0)
		policy_simple(a, "update", p->ids[i], p->spi);
	return ret;
}

/* The inbound mirror of the outbound policies. Best effort: without them
 * the tunnel still works, cleartext is just not refused, so a failure is
 * logged and undone but does not fail the install. */
static void policies_add_in(struct ike_agent *a, const struct ike_child_install *c,
			    struct inst_pol *p, const struct ike_policy_sel *sel, size_t n)
{
	uint32_t *ids;
	size_t i;

	if (!p || !(ids = calloc(n, sizeof(*ids))))
		return;
	for (i = 0; i < n; i++)
		if (policy_add(a, c, &sel[i], IKE_INSTALL_IN, &ids[i]))
			break;
	if (i < n) {
		policies_release(a, c->conn, c->child, ids, i, IKE_INSTALL_IN);
		free(ids);
		ike_shell_log(IKE_LOG_WARN, "%s/%s: no inbound policies: cleartext of "
			      "these flows is not refused", c->conn, c->child);
		return;
	}
	p->ids_in = ids;
	p->n_in = n;
}

static int policies_add(struct ike_agent *a, const struct ike_child_install *c)
{
	struct ike_policy_sel *sel;
	uint32_t *ids = NULL;
	size_t n = 0, i;
	int ret;

	sel = calloc(IKE_POLICIES_MAX, sizeof(*sel));
	if (!sel)
		return -ENOMEM;
	ret = ike_install_policies(c, sel, IKE_POLICIES_MAX, &n);
	if (ret) {
		ike_shell_log(IKE_LOG_ERR, "%s/%s: %s", c->conn, c->child,
			      ret == -E2BIG ? "traffic selectors need too many policies" :
			      ret == -ENOENT ? "no traffic selector pair to protect" :
			      "bad traffic selectors");
		goto out;
	}
	ids = calloc(n, sizeof(*ids));
	if (!ids) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		ret = policy_add(a, c, &sel[i], IKE_INSTALL_OUT, &ids[i]);
		if (ret)
			break;
	}
	if (ret) {
		/* fail closed: what was added stays, dropping, until a
		 * Child SA takes it over */
		policies_release(a, c->conn, c->child, ids, i, IKE_INSTALL_OUT);
		goto out;
	}
	if (!pol_new(c->conn, c->child, c->reqid, c->spi_out, ids, n)) {
		policies_release(a, c->conn, c->child, ids, n, IKE_INSTALL_OUT);
		ret = -ENOMEM;
		goto out;
	}
	ids = NULL;
	ike_shell_log(IKE_LOG_INFO, "%s/%s: %zu policies protect with spi 0x%08x",
		      c->conn, c->child, n, c->spi_out);
	policies_add_in(a, c, pol_find(c->reqid), sel, n);
out:
	free(ids);
	free(sel);
	return ret;
}

int ike_install_out(struct ike_agent *a, const struct ike_child_install *c,
		    uint32_t old_spi_out)
{
	struct inst_pol *p;
	bool gone;
	int ret;

	ret = sa_add(a, c, IKE_INSTALL_OUT);
	if (ret)
		return ret;
	p = pol_find(c->reqid);
	if (p) {
		if (old_spi_out && p->spi != old_spi_out)
			ike_shell_log(IKE_LOG_WARN, "%s/%s: policies of reqid %u protect "
				      "with spi 0x%08x, not 0x%08x", c->conn, c->child,
				      c->reqid, p->spi, old_spi_out);
		ret = policies_update(a, p, c->spi_out);
		if (!ret)
			ike_shell_log(IKE_LOG_INFO, "%s/%s: %zu policies switched to spi "
				      "0x%08x", c->conn, c->child, p->n, c->spi_out);
	} else {
		ret = policies_add(a, c);
	}
	if (ret)
		sa_del(a, c->protocol, c->spi_out, IKE_INSTALL_OUT, &gone);
	return ret;
}

int ike_uninstall(struct ike_agent *a, const struct ike_child_install *c,
		  uint32_t spi, int dir, bool last)
{
	bool gone;
	int ret = 0, r;

	if (dir != IKE_INSTALL_IN && dir != IKE_INSTALL_OUT)
		return -EINVAL;
	if (last) {
		struct inst_pol *p = pol_find(c->reqid);

		/* Before the SA goes: the policies never let its flows out
		 * in clear, not even for a moment. */
		if (p) {
			ret = policies_release(a, c->conn, c->child, p->ids, p->n,
					       IKE_INSTALL_OUT);
			policies_release(a, c->conn, c->child, p->ids_in, p->n_in,
					 IKE_INSTALL_IN);
			pol_remove(p);
		}
	}
	r = sa_del(a, c->protocol, spi, dir, &gone);
	if (!r && !gone)
		ike_shell_log(IKE_LOG_INFO, "%s/%s: removed %s SA %s spi 0x%08x",
			      c->conn, c->child, proto_word(c->protocol), dir_word(dir), spi);
	return ret ? ret : r;
}

void ike_install_flush(struct ike_agent *a)
{
	size_t n = n_sas, kept = n_held;
	bool gone;

	/* The datapath outlives the agent: the policies stay (their flows
	 * dropped until an agent brings SAs again and takes them over);
	 * the keys go. */
	while (n_pols) {
		kept += pols[0].n + pols[0].n_in;
		pol_remove(&pols[0]);
	}
	if (n)
		ike_shell_log(IKE_LOG_WARN, "removing %zu SAs the state machine left "
			      "installed", n);
	while (n_sas)
		sa_del(a, sas[0].proto, sas[0].spi, sas[0].dir, &gone);
	if (kept)
		ike_shell_log(IKE_LOG_INFO, "%zu policies stay in the datapath without SA "
			      "(their traffic is dropped until the agent is back)", kept);
}

void ike_install_prune(struct ike_agent *a)
{
	size_t i = 0, n = 0;

	while (i < n_held) {
		if (!held[i].conn[0] || conn_loaded(a, held[i].conn)) {
			i++;
			continue;
		}
		policy_simple(a, "del", held[i].id, 0);
		held_remove(&held[i]);
		n++;
	}
	if (n)
		ike_shell_log(IKE_LOG_INFO, "deleted %zu policies of connections no longer "
			      "loaded", n);
}

/* The names of policy id's child; NULL if unknown. */
static bool policy_names(uint32_t id, const char **conn, const char **child)
{
	const struct held_pol *h = held_find(id);

	if (h && h->conn[0] && h->child[0]) {
		*conn = h->conn;
		*child = h->child;
		return true;
	}
	for (size_t i = 0; i < n_pols; i++) {
		for (size_t k = 0; k < pols[i].n; k++) {
			if (pols[i].ids[k] == id && pols[i].child[0]) {
				*conn = pols[i].conn;
				*child = pols[i].child;
				return true;
			}
		}
	}
	return false;
}

bool ike_install_trap_owner(const struct ike_agent *a, uint32_t id, const char **conn,
			    const char **child)
{
	const struct ike_conf_child *cc;

	if (!policy_names(id, conn, child))
		return false;
	/* Only traps initiate: a terminated `start` child stays down, its
	 * policies dropping (fail closed), as the operator asked. */
	cc = child_conf(a, *conn, *child);
	return cc && cc->start_action == IKE_CONF_START_TRAP;
}

/* Whether some policy (held or in use) is child's: its traps are in. */
static bool child_has_policies(const char *conn, const char *child)
{
	for (size_t i = 0; i < n_held; i++)
		if (!strcmp(held[i].conn, conn) && !strcmp(held[i].child, child))
			return true;
	for (size_t i = 0; i < n_pols; i++)
		if (!strcmp(pols[i].conn, conn) && !strcmp(pols[i].child, child))
			return true;
	return false;
}

/* The trap policies of one child: the configured selectors, PROTECT with
 * no SA, held (as a Child SA's policies are once it is gone) so that the
 * first Child SA takes them over. */
static int trap_child(struct ike_agent *a, const struct ike_conf_conn *cc,
		      const struct ike_conf_child *ch)
{
	struct ike_child_install c;
	struct sockaddr_storage l, r;
	struct ike_policy_sel *sel;
	size_t n = 0, done = 0;
	int ret;

	memset(&c, 0, sizeof(c));
	c.conn = cc->name;
	c.child = ch->name;
	if (ike_addr_from_conf(&cc->local_addr, 0, &l) ||
	    ike_addr_from_conf(&cc->remote_addr, 0, &r))
		return -EINVAL;
	ike_ts_conf_list(ch->local_ts, ch->n_local_ts, &l, c.local_ts, &c.n_local_ts);
	ike_ts_conf_list(ch->remote_ts, ch->n_remote_ts, &r, c.remote_ts, &c.n_remote_ts);
	sel = calloc(IKE_POLICIES_MAX, sizeof(*sel));
	if (!sel)
		return -ENOMEM;
	ret = ike_install_policies(&c, sel, IKE_POLICIES_MAX, &n);
	for (size_t i = 0; !ret && i < n; i++) {
		for (int dir = IKE_INSTALL_OUT; dir >= IKE_INSTALL_IN; dir--) {
			uint32_t id;

			/* one already there (ours, held) stays as it is,
			 * now known as child's */
			if (policy_add(a, &c, &sel[i], dir, &id))
				continue;
			if (held_add(id, dir, cc->name, ch->name)) {
				policy_simple(a, "del", id, 0);
				continue;
			}
			done++;
		}
	}
	free(sel);
	if (!ret && done)
		ike_shell_log(IKE_LOG_INFO, "%s/%s: %zu trap policies (start_action = trap): "
			      "the first packet brings the Child SA up", cc->name, ch->name, done);
	return ret;
}

void ike_install_traps(struct ike_agent *a, bool all)
{
	for (size_t i = 0; a->cfg && i < a->cfg->n_conns; i++) {
		const struct ike_conf_conn *cc = &a->cfg->conns[i];

		if (cc->remote_addr.family == AF_UNSPEC)
			continue;
		for (size_t k = 0; k < cc->n_children; k++) {
			const struct ike_conf_child *ch = &cc->children[k];

			if (ch->start_action != IKE_CONF_START_TRAP ||
			    (!all && child_has_policies(cc->name, ch->name)))
				continue;
			trap_child(a, cc, ch);
		}
	}
}

void ike_install_dp_restarted(void)
{
	size_t n = 0;

	/* Its SAs are gone; its policies may be too, or restored under the
	 * same ids: held, a Child SA re-installed takes them over if they
	 * are there and adds them if not. */
	while (n_pols) {
		for (size_t i = 0; i < pols[0].n; i++)
			n += !held_add(pols[0].ids[i], IKE_INSTALL_OUT, pols[0].conn,
				       pols[0].child);
		for (size_t i = 0; i < pols[0].n_in; i++)
			n += !held_add(pols[0].ids_in[i], IKE_INSTALL_IN, pols[0].conn,
				       pols[0].child);
		pol_remove(&pols[0]);
	}
	n_sas = 0;
	ike_shell_log(IKE_LOG_INFO, "the datapath restarted: its SAs are gone, %zu "
		      "policies wait for new Child SAs", n);
}

bool ike_install_reqid_ours(uint32_t reqid)
{
	return reqid >= IKE_REQID_BASE && reqid < IKE_REQID_END;
}

/* ---------------------------------------------------------- adoption */

struct adopt {
	struct ike_agent *a;
	/* (spi, dir) of SAs this agent does not own: their policies are
	 * someone else's */
	struct { uint32_t spi; int dir; } *foreign;
	size_t n_foreign, cap_foreign;
	struct ike_dp_sa *stale;
	size_t n_stale, cap_stale;
	size_t n_adopted;
	int err;
};

static int adopt_sa(const struct ike_dp_sa *sa, void *arg)
{
	struct adopt *ad = arg;

	if (ike_install_reqid_ours(sa->reqid)) {
		if (ad->n_stale == ad->cap_stale) {
			size_t cap = ad->cap_stale ? 2 * ad->cap_stale : 16;
			struct ike_dp_sa *p = realloc(ad->stale, cap * sizeof(*p));

			if (!p)
				goto nomem;
			ad->stale = p;
			ad->cap_stale = cap;
		}
		ad->stale[ad->n_stale++] = *sa;
		return 0;
	}
	if (ad->n_foreign == ad->cap_foreign) {
		size_t cap = ad->cap_foreign ? 2 * ad->cap_foreign : 16;
		void *p = realloc(ad->foreign, cap * sizeof(*ad->foreign));

		if (!p)
			goto nomem;
		ad->foreign = p;
		ad->cap_foreign = cap;
	}
	ad->foreign[ad->n_foreign].spi = sa->spi;
	ad->foreign[ad->n_foreign++].dir = sa->dir;
	return 0;
nomem:
	ad->err = -ENOMEM;
	return 1;
}

static int adopt_policy(const struct ike_dp_policy *p, void *arg)
{
	struct adopt *ad = arg;

	if (p->action != IKE_DP_PROTECT)
		return 0;
	for (size_t i = 0; i < ad->n_foreign; i++)
		if (ad->foreign[i].spi == p->spi && ad->foreign[i].dir == p->dir)
			return 0;
	if (held_add(p->id, p->dir, "", NULL)) {
		ad->err = -ENOMEM;
		return 1;
	}
	ad->n_adopted++;
	return 0;
}

/* `-j <what> list` parsed with parse; 0 or -errno (logged). */
static int adopt_list(struct ike_agent *a, char *what,
		      int (*parse)(const char *, size_t, void *), void *arg)
{
	char *argv[] = { "-j", what, "list", NULL };
	char err[512], *text = NULL;
	int ret;

	ret = ike_dp_command(a->instance, 3, argv, &text, err, sizeof(err));
	if (ret) {
		ike_shell_log(IKE_LOG_WARN, "cannot list the datapath's %ss: %s", what, err);
		return ret;
	}
	ret = parse(text, strlen(text), arg);
	free(text);
	if (ret)
		ike_shell_log(IKE_LOG_WARN, "cannot read the datapath's %s list", what);
	return ret;
}

static int parse_sas(const char *json, size_t len, void *arg)
{
	return ike_expire_parse(json, len, adopt_sa, arg);
}

static int parse_policies(const char *json, size_t len, void *arg)
{
	return ike_dp_policies_parse(json, len, adopt_policy, arg);
}

int ike_install_adopt(struct ike_agent *a)
{
	struct adopt ad = { .a = a };
	size_t removed = 0;
	bool gone;
	int ret;

	ret = adopt_list(a, "sa", parse_sas, &ad);
	if (!ret && ad.err)
		ret = ad.err;
	if (ret)
		goto out;
	/* Keys this process never had: nobody can rekey or delete them at
	 * the peer; new Child SAs replace them. */
	for (size_t i = 0; i < ad.n_stale; i++) {
		const struct ike_dp_sa *s = &ad.stale[i];

		if (!sa_del(a, s->proto, s->spi, s->dir, &gone) && !gone)
			removed++;
	}
	/* Policies after the SAs: the ones naming them now drop. */
	ret = adopt_list(a, "policy", parse_policies, &ad);
	if (!ret && ad.err)
		ret = ad.err;
out:
	if (removed || ad.n_adopted)
		ike_shell_log(IKE_LOG_INFO, "a previous agent left %zu SAs (removed) and "
			      "%zu protecting policies (kept, dropping, until new Child SAs "
			      "take them over)", removed, ad.n_adopted);
	free(ad.foreign);
	free(ad.stale);
	return ret;
}
