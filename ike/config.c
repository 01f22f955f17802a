// SPDX-License-Identifier: GPL-2.0-only
/*
 * The swanctl.conf schema of the IKE agent: walks the syntax tree of
 * conf_lex.c, checks every key against the sections it may appear in,
 * fills struct ike_config, applies swanctl's defaults and refuses what
 * xdpsec cannot do, always naming file, line and the offending key.
 *
 * Secrets: a PSK value is copied into struct ike_conf_secret and nowhere else;
 * the file buffer, the tree and any secret file buffer are wiped before
 * they are freed, and no message quotes a secret value.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "conf_priv.h"
#include "pki.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* --------------------------------------------------------- key tables */

enum conn_key {
	CK_VERSION, CK_LOCAL_ADDRS, CK_REMOTE_ADDRS, CK_LOCAL_PORT,
	CK_REMOTE_PORT, CK_PROPOSALS, CK_REKEY_TIME, CK_OVER_TIME,
	CK_RAND_TIME, CK_DPD_DELAY, CK_DPD_TIMEOUT, CK_ENCAP, CK_KEYINGTRIES,
	CK_MOBIKE, CK_SEND_CERT, CK_SEND_CERTREQ, CK_FRAGMENTATION, CK_MAX
};

static const char *const conn_keys[CK_MAX] = {
	[CK_VERSION] = "version",
	[CK_LOCAL_ADDRS] = "local_addrs",
	[CK_REMOTE_ADDRS] = "remote_addrs",
	[CK_LOCAL_PORT] = "local_port",
	[CK_REMOTE_PORT] = "remote_port",
	[CK_PROPOSALS] = "proposals",
	[CK_REKEY_TIME] = "rekey_time",
	[CK_OVER_TIME] = "over_time",
	[CK_RAND_TIME] = "rand_time",
	[CK_DPD_DELAY] = "dpd_delay",
	[CK_DPD_TIMEOUT] = "dpd_timeout",
	[CK_ENCAP] = "encap",
	[CK_KEYINGTRIES] = "keyingtries",
	[CK_MOBIKE] = "mobike",
	[CK_SEND_CERT] = "send_cert",
	[CK_SEND_CERTREQ] = "send_certreq",
	[CK_FRAGMENTATION] = "fragmentation",
};

static const char *const send_cert_words[] = { "ifasked", "always", "never" };
static const char *const frag_words[] = { "yes", "accept", "force", "no" };

enum child_key {
	HK_LOCAL_TS, HK_REMOTE_TS, HK_ESP_PROPOSALS, HK_AH_PROPOSALS, HK_MODE,
	HK_START_ACTION, HK_DPD_ACTION, HK_REKEY_TIME, HK_LIFE_TIME,
	HK_RAND_TIME, HK_REKEY_BYTES, HK_LIFE_BYTES, HK_RAND_BYTES,
	HK_REKEY_PACKETS, HK_LIFE_PACKETS, HK_RAND_PACKETS, HK_MAX
};

static const char *const child_keys[HK_MAX] = {
	[HK_LOCAL_TS] = "local_ts",
	[HK_REMOTE_TS] = "remote_ts",
	[HK_ESP_PROPOSALS] = "esp_proposals",
	[HK_AH_PROPOSALS] = "ah_proposals",
	[HK_MODE] = "mode",
	[HK_START_ACTION] = "start_action",
	[HK_DPD_ACTION] = "dpd_action",
	[HK_REKEY_TIME] = "rekey_time",
	[HK_LIFE_TIME] = "life_time",
	[HK_RAND_TIME] = "rand_time",
	[HK_REKEY_BYTES] = "rekey_bytes",
	[HK_LIFE_BYTES] = "life_bytes",
	[HK_RAND_BYTES] = "rand_bytes",
	[HK_REKEY_PACKETS] = "rekey_packets",
	[HK_LIFE_PACKETS] = "life_packets",
	[HK_RAND_PACKETS] = "rand_packets",
};

/* swanctl keys xdpsec knows but does not implement: a clearer refusal
 * than "unknown key" for configs carried over from strongSwan. */
static const char *const swanctl_unsupported[] = {
	"vips", "aggressive", "pull", "dscp", "childless",
	"ppk_id", "ppk_required", "unique",
	"reauth_time", "pools", "if_id_in", "if_id_out", "mediation",
	"mediated_by", "mediation_peer", "pubkeys", "ca_id",
	"groups", "cert_policy", "eap_id", "aaa_id", "xauth_id",
	"round", "updown", "hostaccess", "policies", "policies_fwd_out",
	"ipcomp", "inactivity", "reqid", "priority", "interface", "mark_in",
	"mark_out", "set_mark_in", "set_mark_out", "tfc_padding",
	"replay_window", "close_action", "hw_offload", "copy_df",
	"copy_ecn", "copy_dscp", "sha256_96", "label", "label_mode",
	"mark_in_sa", "per_cpu_sas",
};

int conf_key_index(const char *const *keys, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (keys[i] && !strcmp(keys[i], name))
			return (int)i;
	return -1;
}

bool conf_is_swanctl_unsupported(const char *name)
{
	return conf_key_index(swanctl_unsupported, ARRAY_SIZE(swanctl_unsupported),
			 name) >= 0;
}

/* ---------------------------------------------------------- helpers */

int conf_fail(struct conf_loader *l)
{
	return l->c->nomem ? -ENOMEM : -EINVAL;
}

int conf_unknown_key(struct conf_loader *l, const struct conf_node *n,
		       const char *where)
{
	if (conf_is_swanctl_unsupported(n->name))
		conf_errf(l->c, n->line,
			  "key '%s' in %s is not supported by xdpsec", n->name,
			  where);
	else
		conf_errf(l->c, n->line, "unknown key '%s' in %s", n->name,
			  where);
	return -EINVAL;
}

int conf_unknown_section(struct conf_loader *l, const struct conf_node *n,
			   const char *where)
{
	conf_errf(l->c, n->line, "unknown section '%s' in %s", n->name, where);
	return -EINVAL;
}

/* A key appeared where a section is expected or the other way round. */
int conf_wrong_kind(struct conf_loader *l, const struct conf_node *n,
		      const char *where)
{
	if (n->section)
		conf_errf(l->c, n->line,
			  "'%s' in %s is a key, not a section (write %s = ...)",
			  n->name, where, n->name);
	else
		conf_errf(l->c, n->line,
			  "'%s' in %s is a section, not a key (write %s { ... })",
			  n->name, where, n->name);
	return -EINVAL;
}

int conf_dup_key(struct conf_loader *l, const struct conf_node *n,
		   const char *where, unsigned int first)
{
	conf_errf(l->c, n->line, "duplicate key '%s' in %s (first at line %u)",
		  n->name, where, first);
	return -EINVAL;
}

/* The single value of a key that takes one. */
const struct conf_value *conf_one_value(struct conf_loader *l,
					  const struct conf_node *n,
					  const char *where)
{
	if (n->n_values != 1) {
		conf_errf(l->c, n->line,
			  "'%s' in %s takes one value, got %zu (quote values containing ',')",
			  n->name, where, n->n_values);
		return NULL;
	}
	return &n->values[0];
}

int conf_bad_value(struct conf_loader *l, const struct conf_value *v,
		     const char *key, const char *where, const char *reason)
{
	conf_errf(l->c, v->line, "%s in %s: %s", key, where, reason);
	return -EINVAL;
}

int conf_bad_word(struct conf_loader *l, const struct conf_value *v,
		    const char *key, const char *where, const char *expect)
{
	char q[CONF_QUOTE_MAX];

	conf_errf(l->c, v->line, "%s in %s: bad value '%s' (%s)", key, where,
		  conf_quote(v->s, q), expect);
	return -EINVAL;
}

static int conf_get_duration(struct conf_loader *l, const struct conf_node *n,
			const char *where, uint32_t *out)
{
	const struct conf_value *v = conf_one_value(l, n, where);

	if (!v)
		return -EINVAL;
	if (conf_parse_duration(v->s, out))
		return conf_bad_word(l, v, n->name, where,
				"a time: a number with an optional s, m, h or d suffix");
	return 0;
}

int conf_get_uint(struct conf_loader *l, const struct conf_node *n,
		    const char *where, uint64_t max, uint64_t *out)
{
	const struct conf_value *v = conf_one_value(l, n, where);
	char expect[64];

	if (!v)
		return -EINVAL;
	if (conf_parse_uint(v->s, max, out)) {
		snprintf(expect, sizeof(expect), "a number 0..%llu",
			 (unsigned long long)max);
		return conf_bad_word(l, v, n->name, where, expect);
	}
	return 0;
}

int conf_get_bool(struct conf_loader *l, const struct conf_node *n,
		    const char *where, bool *out)
{
	const struct conf_value *v = conf_one_value(l, n, where);

	if (!v)
		return -EINVAL;
	if (conf_parse_bool(v->s, out))
		return conf_bad_word(l, v, n->name, where, "yes or no");
	return 0;
}

/* A word from a fixed list; returns its index or -EINVAL. */
int conf_get_choice(struct conf_loader *l, const struct conf_node *n,
		      const char *where, const char *const *words, size_t nw,
		      const char *expect)
{
	const struct conf_value *v = conf_one_value(l, n, where);
	int i;

	if (!v)
		return -EINVAL;
	i = conf_key_index(words, nw, v->s);
	if (i < 0)
		return conf_bad_word(l, v, n->name, where, expect);
	return i;
}

static int conf_get_addr(struct conf_loader *l, const struct conf_node *n,
		    const char *where, bool any_ok, struct ike_conf_addr *out)
{
	const struct conf_value *v;

	if (n->n_values > 1) {
		conf_errf(l->c, n->values[1].line,
			  "%s in %s: only one address is supported", n->name,
			  where);
		return -EINVAL;
	}
	v = conf_one_value(l, n, where);
	if (!v)
		return -EINVAL;
	if (conf_parse_addr(v->s, any_ok, out))
		return conf_bad_word(l, v, n->name, where, any_ok ?
				"one IPv4 or IPv6 address, or %any" :
				"one IPv4 or IPv6 address; subnets, ranges, DNS names and %any are not supported");
	return 0;
}

static int get_proposals(struct conf_loader *l, const struct conf_node *n,
			 const char *where, uint8_t protocol,
			 struct ike_conf_proposal *out, uint8_t *count)
{
	char reason[REASON_MAX];
	size_t got = 0;

	for (size_t i = 0; i < n->n_values; i++) {
		const struct conf_value *v = &n->values[i];

		if (conf_parse_proposal(v->s, protocol, out,
					IKE_CONF_PROPOSALS_MAX, &got, reason,
					sizeof(reason)))
			return conf_bad_value(l, v, n->name, where, reason);
	}
	*count = (uint8_t)got;
	return 0;
}

static int default_proposals(struct conf_loader *l, unsigned int line,
			     uint8_t protocol, struct ike_conf_proposal *out,
			     uint8_t *count)
{
	char reason[REASON_MAX];
	size_t got = 0;

	if (conf_parse_proposal("default", protocol, out,
				IKE_CONF_PROPOSALS_MAX, &got, reason,
				sizeof(reason))) {
		conf_errf(l->c, line, "default proposals: %s", reason);
		return -EINVAL;
	}
	*count = (uint8_t)got;
	return 0;
}

/*
 * rekey/life/rand of one kind (time, bytes or packets), as swanctl:
 * life defaults to rekey + 10% (at least + 1), rand to life - rekey.
 * After this, when rekey is not 0: life is 0 or > rekey, rand < rekey.
 */
struct limit {
	uint64_t rekey, life, rand;
	unsigned int rekey_line;        /* 0: not configured */
	unsigned int life_line, rand_line;
};

static int limit_finish(struct conf_loader *l, struct limit *lim, uint64_t max,
			const char *kind, const char *where)
{
	if (!lim->life_line && lim->rekey) {
		uint64_t add = lim->rekey / 10 ? lim->rekey / 10 : 1;

		if (lim->rekey > max - add) {
			conf_errf(l->c, lim->rekey_line,
				  "rekey_%s (%llu) in %s leaves no room for the default life_%s (rekey + 10%%); set life_%s or use 0 for none",
				  kind, (unsigned long long)lim->rekey, where,
				  kind, kind);
			return -EINVAL;
		}
		lim->life = lim->rekey + add;
	} else if (lim->rekey && lim->life && lim->life <= lim->rekey) {
		conf_errf(l->c, lim->life_line,
			  "life_%s (%llu) in %s must be greater than rekey_%s (%llu)",
			  kind, (unsigned long long)lim->life, where, kind,
			  (unsigned long long)lim->rekey);
		return -EINVAL;
	}
	if (!lim->rand_line) {
		lim->rand = lim->rekey && lim->life > lim->rekey ?
			    lim->life - lim->rekey : 0;
		/* A random share of the whole rekey interval at most. */
		if (lim->rekey && lim->rand >= lim->rekey)
			lim->rand = lim->rekey - 1;
	} else if (lim->rekey && lim->rand >= lim->rekey) {
		conf_errf(l->c, lim->rand_line,
			  "rand_%s (%llu) in %s must be less than rekey_%s (%llu)",
			  kind, (unsigned long long)lim->rand, where, kind,
			  (unsigned long long)lim->rekey);
		return -EINVAL;
	}
	return 0;
}

/* ---------------------------------------------------------- children */

static const char *const mode_words[] = { "tunnel", "transport" };
static const char *const start_words[] = { "none", "start", "trap" };
static const char *const dpd_words[] = { "clear", "restart", "none" };

static int get_ts_list(struct conf_loader *l, const struct conf_node *n,
		       const char *where, struct ike_conf_ts *out, uint8_t *count)
{
	char reason[REASON_MAX];

	if (n->n_values > IKE_CONF_TS_MAX) {
		conf_errf(l->c, n->values[IKE_CONF_TS_MAX].line,
			  "%s in %s: more than %u traffic selectors", n->name,
			  where, IKE_CONF_TS_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < n->n_values; i++) {
		if (ike_conf_ts_parse(n->values[i].s, &out[i], reason,
				  sizeof(reason)))
			return conf_bad_value(l, &n->values[i], n->name, where,
					 reason);
	}
	*count = (uint8_t)n->n_values;
	return 0;
}

static void ts_dynamic(struct ike_conf_ts *ts)
{
	memset(ts, 0, sizeof(*ts));
	ts->dynamic = true;
	ts->addr.family = AF_UNSPEC;
	ts->port_hi = 65535;
}

static int load_child(struct conf_loader *l, const struct conf_node *sec,
		      const struct ike_conf_conn *conn, struct ike_conf_child *ch)
{
	struct limit t = { 0 }, b = { 0 }, p = { 0 };
	unsigned int seen[HK_MAX] = { 0 };
	char where[WHERE_MAX];
	uint32_t secs;
	uint64_t u;
	int k, ret;

	snprintf(where, sizeof(where), "child '%s' of connection '%s'",
		 sec->name, conn->name);
	snprintf(ch->name, sizeof(ch->name), "%s", sec->name);
	ch->line = sec->line;
	ch->mode = IKE_CONF_MODE_TUNNEL;
	ch->start_action = IKE_CONF_START_NONE;
	ch->dpd_action = IKE_CONF_DPD_CLEAR;
	t.rekey = 3600;         /* swanctl: 1h */

	for (const struct conf_node *n = sec->child; n; n = n->next) {
		if (n->section) {
			if (conf_key_index(child_keys, HK_MAX, n->name) >= 0)
				return conf_wrong_kind(l, n, where);
			return conf_unknown_section(l, n, where);
		}
		k = conf_key_index(child_keys, HK_MAX, n->name);
		if (k < 0)
			return conf_unknown_key(l, n, where);
		if (seen[k])
			return conf_dup_key(l, n, where, seen[k]);
		seen[k] = n->line;

		switch ((enum child_key)k) {
		case HK_LOCAL_TS:
			ret = get_ts_list(l, n, where, ch->local_ts,
					  &ch->n_local_ts);
			break;
		case HK_REMOTE_TS:
			ret = get_ts_list(l, n, where, ch->remote_ts,
					  &ch->n_remote_ts);
			break;
		case HK_ESP_PROPOSALS:
			if (seen[HK_AH_PROPOSALS])
				goto esp_and_ah;
			ret = get_proposals(l, n, where, IKE_PROTO_ESP,
					    ch->proposals, &ch->n_proposals);
			ch->protocol = IKE_PROTO_ESP;
			break;
		case HK_AH_PROPOSALS:
			if (seen[HK_ESP_PROPOSALS])
				goto esp_and_ah;
			ret = get_proposals(l, n, where, IKE_PROTO_AH,
					    ch->proposals, &ch->n_proposals);
			ch->protocol = IKE_PROTO_AH;
			break;
		case HK_MODE:
			ret = conf_get_choice(l, n, where, mode_words,
					 ARRAY_SIZE(mode_words),
					 "tunnel or transport");
			if (ret >= 0)
				ch->mode = (uint8_t)ret;
			break;
		case HK_START_ACTION:
			ret = conf_get_choice(l, n, where, start_words,
					 ARRAY_SIZE(start_words),
					 "none, start or trap");
			if (ret >= 0)
				ch->start_action = (uint8_t)ret;
			break;
		case HK_DPD_ACTION:
			ret = conf_get_choice(l, n, where, dpd_words,
					 ARRAY_SIZE(dpd_words),
					 "clear, restart or none");
			if (ret >= 0)
				ch->dpd_action = (uint8_t)ret;
			break;
		case HK_REKEY_TIME:
		case HK_LIFE_TIME:
		case HK_RAND_TIME:
			ret = conf_get_duration(l, n, where, &secs);
			if (!ret) {
				if (k == HK_REKEY_TIME) {
					t.rekey = secs;
					t.rekey_line = n->line;
				} else if (k == HK_LIFE_TIME) {
					t.life = secs;
					t.life_line = n->line;
				} else {
					t.rand = secs;
					t.rand_line = n->line;
				}
			}
			break;
		case HK_REKEY_BYTES:
		case HK_LIFE_BYTES:
		case HK_RAND_BYTES:
		case HK_REKEY_PACKETS:
		case HK_LIFE_PACKETS:
		case HK_RAND_PACKETS: {
			bool bytes = k <= HK_RAND_BYTES;
			struct limit *lim = bytes ? &b : &p;
			int which = bytes ? k - HK_REKEY_BYTES :
					    k - HK_REKEY_PACKETS;

			ret = conf_get_uint(l, n, where, UINT64_MAX, &u);
			if (!ret) {
				if (which == 0) {
					lim->rekey = u;
					lim->rekey_line = n->line;
				} else if (which == 1) {
					lim->life = u;
					lim->life_line = n->line;
				} else {
					lim->rand = u;
					lim->rand_line = n->line;
				}
			}
			break;
		}
		default:
			ret = -EINVAL;
			break;
		}
		if (ret < 0)
			return conf_fail(l);
	}

	if (!ch->n_local_ts) {
		ts_dynamic(&ch->local_ts[0]);
		ch->n_local_ts = 1;
	}
	if (!ch->n_remote_ts) {
		ts_dynamic(&ch->remote_ts[0]);
		ch->n_remote_ts = 1;
	}
	if (!ch->protocol) {
		ch->protocol = IKE_PROTO_ESP;
		ret = default_proposals(l, sec->line, IKE_PROTO_ESP,
					ch->proposals, &ch->n_proposals);
		if (ret)
			return ret;
	}
	if (limit_finish(l, &t, UINT32_MAX, "time", where) ||
	    limit_finish(l, &b, UINT64_MAX, "bytes", where) ||
	    limit_finish(l, &p, UINT64_MAX, "packets", where))
		return -EINVAL;
	ch->rekey_time = (uint32_t)t.rekey;
	ch->life_time = (uint32_t)t.life;
	ch->rand_time = (uint32_t)t.rand;
	ch->rekey_bytes = b.rekey;
	ch->life_bytes = b.life;
	ch->rand_bytes = b.rand;
	ch->rekey_packets = p.rekey;
	ch->life_packets = p.life;
	ch->rand_packets = p.rand;

	/* An initiator needs somewhere to send IKE_SA_INIT. */
	if (ch->start_action != IKE_CONF_START_NONE &&
	    conn->remote_addr.family == AF_UNSPEC) {
		conf_errf(l->c, seen[HK_START_ACTION],
			  "start_action = %s in %s needs a remote_addrs address (not %%any)",
			  start_words[ch->start_action], where);
		return -EINVAL;
	}
	return 0;

esp_and_ah:
	conf_errf(l->c, seen[k],
		  "%s in %s: use either esp_proposals or ah_proposals, not both",
		  child_keys[k], where);
	return -EINVAL;
}

/*
 * The first pass over a section whose entries are all sections themselves
 * (connections, children, secrets): refuses plain keys, names that lack
 * prefix (when given) and more than max entries. *count gets the number.
 */
static int count_sections(struct conf_loader *l, const struct conf_node *sec,
			  const char *where, const char *hint, const char *prefix,
			  size_t max, const char *too_many, size_t *count)
{
	*count = 0;
	for (const struct conf_node *n = sec->child; n; n = n->next) {
		if (!n->section) {
			conf_errf(l->c, n->line, "unexpected key '%s' in %s (%s)", n->name,
				  where, hint);
			return -EINVAL;
		}
		if (prefix && strncmp(n->name, prefix, strlen(prefix))) {
			conf_errf(l->c, n->line,
				  "secret type '%s' is not supported (only %s<suffix> sections)",
				  n->name, prefix);
			return -EINVAL;
		}
		if (++*count > max) {
			conf_errf(l->c, n->line, "more than %zu %s", max, too_many);
			return -EINVAL;
		}
	}
	return 0;
}

static int load_children(struct conf_loader *l, const struct conf_node *sec,
			 struct ike_conf_conn *conn)
{
	char where[WHERE_MAX], too_many[WHERE_MAX + 32];
	size_t count = 0, i = 0;
	int ret;

	snprintf(where, sizeof(where), "children of connection '%s'",
		 conn->name);
	snprintf(too_many, sizeof(too_many), "children in connection '%s'", conn->name);
	ret = count_sections(l, sec, where, "a child is a section: NAME { ... }", NULL,
			     IKE_CONF_CHILDREN_MAX, too_many, &count);
	if (ret)
		return ret;
	if (!count)
		return 0;
	conn->children = calloc(count, sizeof(*conn->children));
	if (!conn->children) {
		conf_nomem(l->c);
		return -ENOMEM;
	}
	for (const struct conf_node *n = sec->child; n; n = n->next, i++) {
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(conn->children[j].name, n->name)) {
				conf_errf(l->c, n->line,
					  "duplicate child '%s' in connection '%s' (first at line %u)",
					  n->name, conn->name,
					  conn->children[j].line);
				return -EINVAL;
			}
		}
		ret = load_child(l, n, conn, &conn->children[i]);
		conn->n_children = i + 1;
		if (ret)
			return ret;
	}
	return 0;
}

/* ------------------------------------------------------- connections */

/* swanctl names authentication rounds local<suffix> / remote<suffix>. */
static bool is_round(const char *name, const char *prefix)
{
	return !strncmp(name, prefix, strlen(prefix));
}

static int load_conn(struct conf_loader *l, const struct conf_node *sec,
		     struct ike_conf_conn *conn)
{
	const struct conf_node *local = NULL, *remote = NULL, *children = NULL;
	unsigned int seen[CK_MAX] = { 0 };
	struct limit t = { 0 };
	char where[WHERE_MAX];
	uint64_t u;
	uint32_t secs;
	int k, ret;

	snprintf(where, sizeof(where), "connection '%s'", sec->name);
	snprintf(conn->name, sizeof(conn->name), "%s", sec->name);
	conn->line = sec->line;
	conn->local_port = 500;
	conn->remote_port = 500;
	conn->remote_addr.family = AF_UNSPEC;
	conn->keyingtries = 1;
	conn->mobike = true;
	conn->send_cert = IKE_CONF_SEND_CERT_IFASKED;
	conn->send_certreq = true;
	conn->fragmentation = IKE_CONF_FRAG_YES;
	t.rekey = 4 * 3600;     /* swanctl: 4h */

	for (const struct conf_node *n = sec->child; n; n = n->next) {
		if (n->section) {
			const struct conf_node **slot = NULL;
			const char *what = NULL;

			if (conf_key_index(conn_keys, CK_MAX, n->name) >= 0)
				return conf_wrong_kind(l, n, where);
			if (is_round(n->name, "local")) {
				slot = &local;
				what = "local authentication round";
			} else if (is_round(n->name, "remote")) {
				slot = &remote;
				what = "remote authentication round";
			} else if (!strcmp(n->name, "children")) {
				slot = &children;
				what = "children section";
			} else {
				return conf_unknown_section(l, n, where);
			}
			if (*slot) {
				conf_errf(l->c, n->line,
					  "second %s '%s' in %s (only one is supported; first at line %u)",
					  what, n->name, where, (*slot)->line);
				return -EINVAL;
			}
			*slot = n;
			continue;
		}
		k = conf_key_index(conn_keys, CK_MAX, n->name);
		if (k < 0) {
			if (!strcmp(n->name, "local") || !strcmp(n->name, "remote") ||
			    !strcmp(n->name, "children"))
				return conf_wrong_kind(l, n, where);
			return conf_unknown_key(l, n, where);
		}
		if (seen[k])
			return conf_dup_key(l, n, where, seen[k]);
		seen[k] = n->line;

		switch ((enum conn_key)k) {
		case CK_VERSION: {
			const struct conf_value *v = conf_one_value(l, n, where);

			ret = v ? 0 : -EINVAL;
			if (v && strcmp(v->s, "2"))
				ret = conf_bad_word(l, v, n->name, where,
					       "only IKEv2 is supported: version = 2");
			break;
		}
		case CK_LOCAL_ADDRS:
			ret = conf_get_addr(l, n, where, false, &conn->local_addr);
			break;
		case CK_REMOTE_ADDRS:
			ret = conf_get_addr(l, n, where, true, &conn->remote_addr);
			break;
		case CK_LOCAL_PORT:
		case CK_REMOTE_PORT:
			ret = conf_get_uint(l, n, where, 65535, &u);
			if (!ret && !u)
				ret = conf_bad_word(l, &n->values[0], n->name, where,
					       "a port 1..65535");
			if (!ret) {
				if (k == CK_LOCAL_PORT)
					conn->local_port = (uint16_t)u;
				else
					conn->remote_port = (uint16_t)u;
			}
			break;
		case CK_PROPOSALS:
			ret = get_proposals(l, n, where, IKE_PROTO_IKE,
					    conn->proposals, &conn->n_proposals);
			break;
		case CK_REKEY_TIME:
		case CK_OVER_TIME:
		case CK_RAND_TIME:
			ret = conf_get_duration(l, n, where, &secs);
			if (!ret) {
				if (k == CK_REKEY_TIME) {
					t.rekey = secs;
				} else if (k == CK_OVER_TIME) {
					t.life = secs;
					t.life_line = n->line;
				} else {
					t.rand = secs;
					t.rand_line = n->line;
				}
			}
			break;
		case CK_DPD_DELAY:
			ret = conf_get_duration(l, n, where, &conn->dpd_delay);
			break;
		case CK_DPD_TIMEOUT:
			ret = conf_get_duration(l, n, where, &conn->dpd_timeout);
			break;
		case CK_ENCAP:
			ret = conf_get_bool(l, n, where, &conn->encap);
			break;
		case CK_MOBIKE:
			ret = conf_get_bool(l, n, where, &conn->mobike);
			break;
		case CK_SEND_CERT:
			ret = conf_get_choice(l, n, where, send_cert_words,
					      ARRAY_SIZE(send_cert_words),
					      "ifasked, always or never");
			if (ret >= 0) {
				conn->send_cert = (uint8_t)ret;
				ret = 0;
			}
			break;
		case CK_SEND_CERTREQ:
			ret = conf_get_bool(l, n, where, &conn->send_certreq);
			break;
		case CK_FRAGMENTATION:
			ret = conf_get_choice(l, n, where, frag_words,
					      ARRAY_SIZE(frag_words),
					      "yes, accept, force or no");
			if (ret >= 0) {
				conn->fragmentation = (uint8_t)ret;
				ret = 0;
			}
			break;
		case CK_KEYINGTRIES:
			ret = conf_get_uint(l, n, where, UINT32_MAX, &u);
			if (!ret)
				conn->keyingtries = (uint32_t)u;
			break;
		default:
			ret = -EINVAL;
			break;
		}
		if (ret)
			return conf_fail(l);
	}

	/* The sections present first, so errors come in file order where
	 * they can; then what is missing. */
	if (local) {
		ret = conf_load_auth(l, local, true, conn->name, &conn->local);
		if (ret)
			return conf_fail(l);
	}
	if (remote) {
		ret = conf_load_auth(l, remote, false, conn->name, &conn->remote);
		if (ret)
			return conf_fail(l);
	}
	if (!seen[CK_LOCAL_ADDRS]) {
		conf_errf(l->c, sec->line,
			  "%s has no local_addrs (the local IKE address)", where);
		return -EINVAL;
	}
	if (conn->remote_addr.family != AF_UNSPEC &&
	    conn->remote_addr.family != conn->local_addr.family) {
		conf_errf(l->c, seen[CK_REMOTE_ADDRS],
			  "remote_addrs in %s: address family differs from local_addrs",
			  where);
		return -EINVAL;
	}
	if (!seen[CK_PROPOSALS]) {
		ret = default_proposals(l, sec->line, IKE_PROTO_IKE,
					conn->proposals, &conn->n_proposals);
		if (ret)
			return ret;
	}
	/* over_time: swanctl's default is 10% of rekey_time, rand_time's
	 * is over_time; over_time is an addition, not a total. */
	if (!t.life_line)
		t.life = t.rekey / 10;
	if (!t.rand_line)
		t.rand = t.life;
	else if (t.rekey && t.rand >= t.rekey) {
		conf_errf(l->c, t.rand_line,
			  "rand_time (%llu) in %s must be less than rekey_time (%llu)",
			  (unsigned long long)t.rand, where,
			  (unsigned long long)t.rekey);
		return -EINVAL;
	}
	conn->rekey_time = (uint32_t)t.rekey;
	conn->over_time = (uint32_t)t.life;
	conn->rand_time = (uint32_t)t.rand;

	if (!local || !remote) {
		conf_errf(l->c, sec->line,
			  "%s has no %s section (add %s { auth = psk })", where,
			  local ? "remote" : "local", local ? "remote" : "local");
		return -EINVAL;
	}
	/* swanctl: the local identity defaults to the IKE address (with a
	 * certificate, to its subject: conf_check_pki) */
	if (conn->local.id.type == IKE_CONF_ID_ANY &&
	    conn->local.method == IKE_CONF_AUTH_PSK) {
		bool v4 = conn->local_addr.family == AF_INET;

		conn->local.id.type = v4 ? IKE_ID_IPV4_ADDR : IKE_ID_IPV6_ADDR;
		conn->local.id.len = v4 ? 4 : 16;
		memcpy(conn->local.id.data, conn->local_addr.u.bytes,
		       conn->local.id.len);
	}
	if (children)
		return load_children(l, children, conn);
	return 0;
}

static int load_connections(struct conf_loader *l, const struct conf_node *sec)
{
	struct ike_config *cfg = l->cfg;
	size_t count = 0, i = 0;
	int ret;

	ret = count_sections(l, sec, "section 'connections'",
			     "a connection is a section: NAME { ... }", NULL, IKE_CONF_CONNS_MAX,
			     "connections", &count);
	if (ret)
		return ret;
	if (!count)
		return 0;
	cfg->conns = calloc(count, sizeof(*cfg->conns));
	if (!cfg->conns) {
		conf_nomem(l->c);
		return -ENOMEM;
	}
	for (const struct conf_node *n = sec->child; n; n = n->next, i++) {
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(cfg->conns[j].name, n->name)) {
				conf_errf(l->c, n->line,
					  "duplicate connection '%s' (first at line %u)",
					  n->name, cfg->conns[j].line);
				return -EINVAL;
			}
		}
		ret = load_conn(l, n, &cfg->conns[i]);
		cfg->n_conns = i + 1;
		if (ret)
			return ret;
	}
	return 0;
}

/* ----------------------------------------------------------- secrets */

/*
 * Reads a whole regular file of at most max bytes into a fresh buffer
 * (the caller wipes and frees it). -errno, or -EFBIG when too large.
 */
int conf_read_file(const char *path, size_t max, char **out, size_t *len)
{
	struct stat st;
	size_t got = 0;
	char *buf;
	int fd, ret;

	/* O_NONBLOCK: opening a FIFO must not hang the agent. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		ret = -errno;
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		goto out_close;
	}
	if ((uint64_t)st.st_size > max) {
		ret = -EFBIG;
		goto out_close;
	}
	buf = malloc(max + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out_close;
	}
	while (got <= max) {
		ssize_t r = read(fd, buf + got, max + 1 - got);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			OPENSSL_cleanse(buf, got);
			free(buf);
			goto out_close;
		}
		if (!r)
			break;
		got += (size_t)r;
	}
	if (got > max) {
		OPENSSL_cleanse(buf, got);
		free(buf);
		ret = -EFBIG;
		goto out_close;
	}
	*out = buf;
	*len = got;
	ret = 0;
out_close:
	close(fd);
	return ret;
}

static int secret_from_file(struct conf_loader *l, const struct conf_value *v,
			    const char *where, struct ike_conf_secret *s)
{
	const char *path = v->s + strlen("file:");
	char reason[REASON_MAX], full[CONF_PATH_MAX], q[CONF_QUOTE_MAX];
	char *buf = NULL;
	size_t len = 0;
	int ret;

	if (!*path)
		return conf_bad_value(l, v, "secret", where, "file: needs a path");
	if (path[0] != '/') {
		if (!l->basedir)
			return conf_bad_value(l, v, "secret", where,
					 "relative secret file path without a config directory");
		if ((size_t)snprintf(full, sizeof(full), "%s/%s", l->basedir,
				     path) >= sizeof(full))
			return conf_bad_value(l, v, "secret", where,
					 "secret file path too long");
		path = full;
	}
	ret = conf_read_file(path, IKE_CONF_PSK_FILE_MAX, &buf, &len);
	if (ret == -ENOMEM) {
		conf_nomem(l->c);
		return ret;
	}
	if (ret) {
		conf_errf(l->c, v->line, "secret in %s: cannot read secret file '%s': %s",
			  where, conf_quote(path, q),
			  ret == -EFBIG ? "file too large" :
			  ret == -EINVAL ? "not a regular file" : strerror(-ret));
		return -EINVAL;
	}
	/* The file's bytes minus trailing line breaks, then decoded as the
	 * value of secret = would be (0x hex, 0s base64, or literal). */
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	ret = conf_decode_secret(buf, len, s->key, sizeof(s->key), &s->len,
				 reason, sizeof(reason));
	OPENSSL_cleanse(buf, IKE_CONF_PSK_FILE_MAX + 1);
	free(buf);
	if (ret) {
		conf_errf(l->c, v->line, "secret in %s: secret file '%s': %s",
			  where, conf_quote(path, q), reason);
		return -EINVAL;
	}
	return 0;
}

static int load_secret(struct conf_loader *l, const struct conf_node *sec,
		       struct ike_conf_secret *s)
{
	char where[WHERE_MAX], reason[REASON_MAX];
	unsigned int secret_line = 0;
	const struct conf_value *v;
	int ret;

	snprintf(where, sizeof(where), "secret '%s'", sec->name);
	snprintf(s->name, sizeof(s->name), "%s", sec->name);
	s->line = sec->line;
	for (const struct conf_node *n = sec->child; n; n = n->next) {
		if (n->section)
			return conf_unknown_section(l, n, where);
		if (!strncmp(n->name, "id", 2)) {
			if (s->n_ids >= IKE_CONF_SECRET_IDS_MAX) {
				conf_errf(l->c, n->line,
					  "more than %u ids in %s",
					  IKE_CONF_SECRET_IDS_MAX, where);
				return -EINVAL;
			}
			v = conf_one_value(l, n, where);
			if (!v)
				return -EINVAL;
			if (ike_conf_id_parse(v->s, &s->ids[s->n_ids], reason,
					 sizeof(reason)))
				return conf_bad_value(l, v, n->name, where, reason);
			s->n_ids++;
		} else if (!strcmp(n->name, "secret")) {
			if (secret_line)
				return conf_dup_key(l, n, where, secret_line);
			secret_line = n->line;
			if (n->n_values != 1) {
				/* Never echo the value: it is a secret. */
				conf_errf(l->c, n->line,
					  "secret in %s takes one value (quote a secret containing ',')",
					  where);
				return -EINVAL;
			}
			v = &n->values[0];
			if (!strncmp(v->s, "file:", 5)) {
				ret = secret_from_file(l, v, where, s);
				if (ret)
					return ret;
			} else if (conf_decode_secret(v->s, strlen(v->s), s->key,
						      sizeof(s->key), &s->len,
						      reason, sizeof(reason))) {
				return conf_bad_value(l, v, "secret", where, reason);
			}
		} else {
			return conf_unknown_key(l, n, where);
		}
	}
	if (!secret_line) {
		conf_errf(l->c, sec->line, "%s has no secret = ...", where);
		return -EINVAL;
	}
	return 0;
}

static int load_secrets(struct conf_loader *l, const struct conf_node *sec)
{
	struct ike_config *cfg = l->cfg;
	size_t count = 0, i = 0;
	int ret;

	ret = count_sections(l, sec, "section 'secrets'",
			     "use ike-NAME { id = ..., secret = ... }", NULL,
			     IKE_CONF_SECRETS_MAX, "secrets", &count);
	if (ret)
		return ret;
	if (!count)
		return 0;
	cfg->secrets = calloc(count, sizeof(*cfg->secrets));
	if (!cfg->secrets) {
		conf_nomem(l->c);
		return -ENOMEM;
	}
	for (const struct conf_node *n = sec->child; n; n = n->next) {
		for (const struct conf_node *o = sec->child; o != n; o = o->next) {
			if (!strcmp(o->name, n->name)) {
				conf_errf(l->c, n->line,
					  "duplicate secret '%s' (first at line %u)",
					  n->name, o->line);
				return -EINVAL;
			}
		}
		/* the passphrase of a key file in private/, rsa/, ... */
		if (conf_key_secret(l, n, &ret)) {
			if (ret)
				return conf_fail(l);
			continue;
		}
		if (strncmp(n->name, "ike", 3)) {
			conf_errf(l->c, n->line,
				  "secret type '%s' is not supported by xdpsec (ike<suffix> for pre-shared keys; private, rsa, ecdsa, pkcs8<suffix> for key passphrases)",
				  n->name);
			return -EINVAL;
		}
		cfg->n_secrets = i + 1;
		ret = load_secret(l, n, &cfg->secrets[i++]);
		if (ret)
			return ret;
	}
	return 0;
}

/* -------------------------------------------------------------- root */

static int check_psks(struct conf_loader *l)
{
	const struct ike_config *cfg = l->cfg;
	char a[96], b[96];

	for (size_t i = 0; i < cfg->n_conns; i++) {
		const struct ike_conf_conn *conn = &cfg->conns[i];

		if (conn->local.method != IKE_CONF_AUTH_PSK &&
		    conn->remote.method != IKE_CONF_AUTH_PSK)
			continue;
		if (ike_config_find_psk(cfg, &conn->local.id, &conn->remote.id))
			continue;
		conf_errf(l->c, conn->line,
			  "no secret for local id '%s' and remote id '%s' in connection '%s' (add secrets { ike-NAME { id = ..., secret = ... } })",
			  ike_conf_id_str(&conn->local.id, a, sizeof(a)),
			  ike_conf_id_str(&conn->remote.id, b, sizeof(b)),
			  conn->name);
		return -EINVAL;
	}
	return 0;
}

/*
 * The top level: connections, secrets, authorities. Secrets load first
 * (key passphrases), then the credentials (folders, authorities), then
 * the connections that name them.
 */
static int load_root(struct conf_loader *l, const struct conf_node *root)
{
	const struct conf_node *conns = NULL, *secrets = NULL, *auths = NULL;
	int ret;

	for (const struct conf_node *n = root->child; n; n = n->next) {
		const struct conf_node **slot;

		if (!strcmp(n->name, "connections"))
			slot = &conns;
		else if (!strcmp(n->name, "secrets"))
			slot = &secrets;
		else if (!strcmp(n->name, "authorities"))
			slot = &auths;
		else if (!n->section)
			return conf_unknown_key(l, n, "the top level");
		else if (!strcmp(n->name, "pools")) {
			conf_errf(l->c, n->line,
				  "section '%s' is not supported by xdpsec",
				  n->name);
			return -EINVAL;
		} else {
			conf_errf(l->c, n->line,
				  "unknown section '%s' at the top level (expected connections, secrets or authorities)",
				  n->name);
			return -EINVAL;
		}
		if (!n->section)
			return conf_wrong_kind(l, n, "the top level");
		if (*slot) {
			conf_errf(l->c, n->line,
				  "duplicate section '%s' (first at line %u)",
				  n->name, (*slot)->line);
			return -EINVAL;
		}
		*slot = n;
	}
	if (secrets) {
		ret = load_secrets(l, secrets);
		if (ret)
			return ret;
	}
	ret = conf_load_pki(l, auths);
	if (ret)
		return ret;
	if (conns) {
		ret = load_connections(l, conns);
		if (ret)
			return ret;
	}
	ret = conf_check_pki(l);
	if (!ret)
		ret = check_psks(l);
	return ret;
}

int ike_config_load_buf(const char *name, const char *buf, size_t len,
			const char *basedir, struct ike_config *cfg, char *err,
			size_t errlen)
{
	struct conf_ctx c = {
		.file = name ? name : "(config)",
		.err = err,
		.errlen = errlen,
	};
	struct conf_loader l = { .c = &c, .basedir = basedir, .cfg = cfg };
	struct conf_node *root;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	if (err && errlen)
		err[0] = '\0';
	ret = conf_parse(&c, buf, len, &root);
	if (ret)
		return ret;
	ret = load_root(&l, root);
	conf_pki_done(&l);
	conf_tree_free(root);
	if (!ret && c.failed)
		ret = -EINVAL;
	if (ret) {
		if (c.nomem)
			ret = -ENOMEM;
		ike_config_free(cfg);
	}
	return ret;
}

int ike_config_load(const char *path, struct ike_config *cfg, char *err,
		    size_t errlen)
{
	struct conf_ctx c = { .file = path, .err = err, .errlen = errlen };
	char dir[CONF_PATH_MAX];
	const char *slash;
	char *buf = NULL;
	size_t len = 0;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	if (err && errlen)
		err[0] = '\0';
	ret = conf_read_file(path, IKE_CONF_FILE_MAX, &buf, &len);
	if (ret) {
		if (ret == -ENOMEM) {
			conf_nomem(&c);
			return ret;
		}
		if (ret == -EFBIG)
			conf_errf(&c, 0, "file too large (max %u bytes)",
				  IKE_CONF_FILE_MAX);
		else
			conf_errf(&c, 0, "%s", ret == -EINVAL ?
				  "not a regular file" : strerror(-ret));
		return -EINVAL;
	}
	slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	ret = ike_config_load_buf(path, buf, len, dir, cfg, err, errlen);
	/* The buffer held the secrets' text. */
	OPENSSL_cleanse(buf, IKE_CONF_FILE_MAX + 1);
	free(buf);
	return ret;
}

void ike_config_free(struct ike_config *cfg)
{
	if (!cfg)
		return;
	ike_pki_free(cfg->pki);
	for (size_t i = 0; i < cfg->n_conns; i++)
		free(cfg->conns[i].children);
	free(cfg->conns);
	if (cfg->secrets) {
		OPENSSL_cleanse(cfg->secrets,
				cfg->n_secrets * sizeof(*cfg->secrets));
		free(cfg->secrets);
	}
	memset(cfg, 0, sizeof(*cfg));
}

/* ----------------------------------------------------------- lookups */

const struct ike_conf_conn *ike_config_find_conn(const struct ike_config *cfg,
					    const char *name)
{
	if (!cfg || !name)
		return NULL;
	for (size_t i = 0; i < cfg->n_conns; i++)
		if (!strcmp(cfg->conns[i].name, name))
			return &cfg->conns[i];
	return NULL;
}

const struct ike_conf_child *ike_config_find_child(const struct ike_conf_conn *conn,
					    const char *name)
{
	if (!conn || !name)
		return NULL;
	for (size_t i = 0; i < conn->n_children; i++)
		if (!strcmp(conn->children[i].name, name))
			return &conn->children[i];
	return NULL;
}

/* 3: an id equal to who; 1: who unknown, an id %any, or no ids; 0. */
static unsigned int psk_side_score(const struct ike_conf_secret *s,
				   const struct ike_conf_id *who)
{
	unsigned int best = 0;

	if (!who || who->type == IKE_CONF_ID_ANY || !s->n_ids)
		return 1;
	for (size_t i = 0; i < s->n_ids; i++) {
		if (s->ids[i].type == IKE_CONF_ID_ANY)
			best = 1;
		else if (ike_conf_id_match(&s->ids[i], who))
			return 3;
	}
	return best;
}

const struct ike_conf_secret *ike_config_find_psk(const struct ike_config *cfg,
					     const struct ike_conf_id *local,
					     const struct ike_conf_id *remote)
{
	const struct ike_conf_secret *best = NULL;
	unsigned int best_score = 0;

	if (!cfg)
		return NULL;
	for (size_t i = 0; i < cfg->n_secrets; i++) {
		const struct ike_conf_secret *s = &cfg->secrets[i];
		unsigned int ls = psk_side_score(s, local);
		unsigned int rs = psk_side_score(s, remote);

		if (!ls && !rs)
			continue;
		if (ls + rs > best_score) {
			best = s;
			best_score = ls + rs;
		}
	}
	return best;
}
