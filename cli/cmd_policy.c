// SPDX-License-Identifier: GPL-2.0-only
/*
 * Control commands: policy add, del, update and list (see commands.c).
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
	[POL_ACTION] = { "action", 1, "protect, bypass, discard or trap" },
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
	bool trap = false;
	int i, k, ret;

	for (i = 0; i < argc; i += 2) {
		const char *v;

		k = cmd_kw_find(c, "policy add", policy_add_kws, ARRAY_SIZE(policy_add_kws),
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
			/* trap: PROTECT without an SA yet; its packets are
			 * dropped and reported as acquires (docs/bpf.md). */
			trap = !strcmp(v, "trap");
			if (trap)
				req->action = XS_SPD_PROTECT;
			else
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
			return cmd_fail(c, -EINVAL, "policy add needs %s %s",
					policy_add_kws[required[r]].name,
					policy_add_kws[required[r]].vals);
	if (sfam != dfam)
		return cmd_fail(c, -EINVAL, "mixed address families: src is %s, dst is %s",
				cmd_family_name(sfam), cmd_family_name(dfam));
	req->family = sfam;
	if ((!ports_any(req->sport_lo, req->sport_hi) ||
	     !ports_any(req->dport_lo, req->dport_hi)) && !xs_l4proto_has_ports(req->proto))
		return cmd_fail(c, -EINVAL, "sport and dport need proto tcp, udp, sctp, "
				"udplite, icmp or icmpv6");
	if (req->action == XS_SPD_PROTECT && !trap && !(seen & (1u << POL_SPI)))
		return cmd_fail(c, -EINVAL, "action protect needs spi SPI");
	if ((req->action != XS_SPD_PROTECT || trap) && (seen & (1u << POL_SPI)))
		return cmd_fail(c, -EINVAL, "spi goes only with action protect");
	if (req->action == XS_SPD_PROTECT && !trap && !policy_sa_exists(c, req->spi, req->dir))
		return cmd_fail(c, -ENOENT, "policy names missing SA spi 0x%08x", req->spi);
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

int do_policy_add(struct cmd_ctx *c, int argc, char **argv)
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

int do_policy_del(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct kw kws[] = { { "id", 1, "ID" } };
	unsigned int seen = 0;
	uint32_t id = 0;
	int i, ret;

	for (i = 0; i < argc; i += 2) {
		ret = cmd_kw_find(c, "policy del", kws, ARRAY_SIZE(kws), argc, argv, i, &seen);
		if (ret < 0)
			return ret;
		if (xs_parse_u32(argv[i + 1], "id", &id, c->err, sizeof(c->err)))
			return -EINVAL;
	}
	if (!seen)
		return cmd_fail(c, -EINVAL, "policy del needs id ID");
	ret = xsd_policy_del(c->d, id, c->err, sizeof(c->err));
	if (ret)
		return ret;
	print_policy_id(c, id, "deleted");
	return 0;
}

int do_policy_update(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct kw kws[] = { { "id", 1, "ID" }, { "spi", 1, "SPI" } };
	unsigned int seen = 0;
	uint32_t id = 0, spi = 0;
	int i, ret;

	for (i = 0; i < argc; i += 2) {
		ret = cmd_kw_find(c, "policy update", kws, ARRAY_SIZE(kws), argc, argv, i, &seen);
		if (ret < 0)
			return ret;
		if (ret == 0 ? xs_parse_u32(argv[i + 1], "id", &id, c->err, sizeof(c->err))
			     : xs_parse_spi(argv[i + 1], &spi, c->err, sizeof(c->err)))
			return -EINVAL;
	}
	if (seen != 3)
		return cmd_fail(c, -EINVAL, "policy update needs id ID spi SPI");
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

	snprintf(pa, sizeof(pa), "%s/%u", cmd_addr_str(r->family, &r->src, a), r->src_plen);
	snprintf(pb, sizeof(pb), "%s/%u", cmd_addr_str(r->family, &r->dst, b), r->dst_plen);
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

int do_policy_list(struct cmd_ctx *c, int argc, char **argv)
{
	struct list_ctx l = { .c = c };
	int ret;

	if (cmd_no_words(c, "policy list", argc, argv))
		return -EINVAL;
	xs_json_init(&l.j, c->out);
	if (c->json)
		xs_json_array_begin(&l.j);
	ret = xsd_policy_foreach(c->d, policy_list_one, &l);
	if (ret < 0)
		return cmd_fail(c, ret, "listing policies failed: %s", strerror(-ret));
	if (c->json) {
		xs_json_array_end(&l.j);
		xs_json_finish(&l.j);
		xs_outbuf_puts(c->out, "\n");
	}
	return 0;
}

/* ------------------------------------------ ip xfrm policy's habits */

struct pol_count {
	unsigned long in, out;
};

static int policy_count_one(const struct xs_policy_info *p, void *arg)
{
	struct pol_count *n = arg;

	if (p->req.dir == XS_DIR_IN)
		n->in++;
	else
		n->out++;
	return 0;
}

int do_policy_count(struct cmd_ctx *c, int argc, char **argv)
{
	struct pol_count n = { 0 };
	struct xs_json j;

	if (cmd_no_words(c, "policy count", argc, argv))
		return -EINVAL;
	xsd_policy_foreach(c->d, policy_count_one, &n);
	if (!c->json) {
		xs_outbuf_printf(c->out, "policy count %lu in %lu out %lu\n", n.in + n.out,
				 n.in, n.out);
		return 0;
	}
	xs_json_init(&j, c->out);
	xs_json_object_begin(&j);
	xs_json_kv_u64(&j, "count", n.in + n.out);
	xs_json_kv_u64(&j, "in", n.in);
	xs_json_kv_u64(&j, "out", n.out);
	xs_json_object_end(&j);
	xs_json_finish(&j);
	xs_outbuf_puts(c->out, "\n");
	return 0;
}

/* Selectors of policy deleteall (flush: dir only); 0 = any. */
struct pol_match {
	uint8_t dir, action;
	bool has_action, has_spi;
	uint32_t spi;
	uint32_t ids[XS_SPD_RULES_MAX];
	unsigned int n;
};

enum { PDEL_DIR, PDEL_ACTION, PDEL_SPI };

static const struct kw pol_del_kws[] = {
	[PDEL_DIR] = { "dir", 1, "in or out" },
	[PDEL_ACTION] = { "action", 1, "protect, bypass or discard" },
	[PDEL_SPI] = { "spi", 1, "SPI" },
};

static int pol_match_words(struct cmd_ctx *c, const char *cmd, unsigned int allowed,
			   int argc, char **argv, struct pol_match *m)
{
	unsigned int seen = 0;
	int i, k, ret;

	for (i = 0; i < argc; i += 2) {
		const char *v;

		k = cmd_kw_find(c, cmd, pol_del_kws, ARRAY_SIZE(pol_del_kws), argc, argv, i,
				&seen);
		if (k < 0)
			return k;
		if (!(allowed & (1u << k)))
			return cmd_fail(c, -EINVAL, "%s takes no %s", cmd, pol_del_kws[k].name);
		v = argv[i + 1];
		if (k == PDEL_DIR) {
			ret = xs_parse_dir(v, &m->dir, c->err, sizeof(c->err));
		} else if (k == PDEL_ACTION) {
			ret = xs_parse_action(v, &m->action, c->err, sizeof(c->err));
			m->has_action = true;
		} else {
			ret = xs_parse_spi(v, &m->spi, c->err, sizeof(c->err));
			m->has_spi = true;
		}
		if (ret)
			return -EINVAL;
	}
	return 0;
}

static int policy_victim_one(const struct xs_policy_info *p, void *arg)
{
	const struct xs_policy_req *r = &p->req;
	struct pol_match *m = arg;

	if ((m->dir && r->dir != m->dir) || (m->has_action && r->action != m->action) ||
	    (m->has_spi && (r->action != XS_SPD_PROTECT || r->spi != m->spi)))
		return 0;
	if (m->n == XS_SPD_RULES_MAX)
		return 1;
	m->ids[m->n++] = r->id;
	return 0;
}

static int policy_delete_matching(struct cmd_ctx *c, const char *cmd,
				  unsigned int allowed, int argc, char **argv)
{
	unsigned long done = 0;
	struct pol_match *m;
	int ret;

	m = calloc(1, sizeof(*m));
	if (!m)
		return cmd_fail(c, -ENOMEM, "out of memory");
	ret = pol_match_words(c, cmd, allowed, argc, argv, m);
	if (!ret) {
		xsd_policy_foreach(c->d, policy_victim_one, m);
		for (unsigned int i = 0; i < m->n && !ret; i++) {
			ret = xsd_policy_del(c->d, m->ids[i], c->err, sizeof(c->err));
			if (!ret)
				done++;
		}
		if (ret)
			cmd_fail(c, ret, "%s: deleted %lu policies, then: %s", cmd, done,
				 c->err[0] ? c->err : strerror(-ret));
	}
	free(m);
	if (ret)
		return ret;
	cmd_print_count(c, "policy deleted", "deleted", done);
	return 0;
}

int do_policy_flush(struct cmd_ctx *c, int argc, char **argv)
{
	return policy_delete_matching(c, "policy flush", 1u << PDEL_DIR, argc, argv);
}

int do_policy_deleteall(struct cmd_ctx *c, int argc, char **argv)
{
	return policy_delete_matching(c, "policy deleteall", ~0u, argc, argv);
}
