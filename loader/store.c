// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's SA and policy tables and the state API of state.h. The
 * control thread is the only writer; workers see SAs through their own
 * tables, changed under their locks (dp.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/crypto.h>

#include "dp.h"
#include "monitor.h"
#include "netlink.h"
#include "sa_state.h"
#include "worker.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__))

static const char *proto_name(uint8_t proto)
{
	return proto == XS_PROTO_AH ? "ah" : "esp";
}

static const char *dir_name(uint8_t dir)
{
	return dir == XS_DIR_IN ? "in" : "out";
}

int xsd_state_open(struct xsd *d, char *err, size_t errlen)
{
	char dir[PATH_MAX], boot_id[64];
	int ret;

	if (mkdir(XS_SA_STATE_DIR, 0700) && errno != EEXIST) {
		ret = -errno;
		ERR("cannot create %s: %s", XS_SA_STATE_DIR, strerror(errno));
		return ret;
	}
	if (snprintf(dir, sizeof(dir), "%s/%s", XS_SA_STATE_DIR, d->instance) >=
	    (int)sizeof(dir))
		return -ENAMETOOLONG;
	ret = xs_sa_state_boot_id(boot_id, sizeof(boot_id));
	if (ret) {
		ERR("cannot read the boot id: %s", strerror(-ret));
		return ret;
	}
	d->sa_state = xs_sa_state_open(dir, boot_id, err, errlen);
	if (!d->sa_state)
		return -errno;
	switch (xs_sa_state_trust(d->sa_state)) {
	case XS_SA_STATE_CORRUPT:
		/* The daemon runs (status, fail-closed programs); every SA add
		 * is refused and says why. */
		fprintf(stderr, "xdpsec: instance %s: %s: every SA add will be refused\n",
			d->instance, err);
		break;
	case XS_SA_STATE_STALE:
		fprintf(stderr, "xdpsec: instance %s: %s was not closed in this boot: "
			"outbound SAs resume %llu numbers ahead, known inbound keys are "
			"refused (rekey)\n", d->instance, xs_sa_state_path(d->sa_state),
			(unsigned long long)XS_SEQ_RESUME_JUMP_REBOOT);
		break;
	default:
		break;
	}
	err[0] = '\0';
	return 0;
}

void xsd_state_sync(struct xsd *d)
{
	int ret = xs_sa_state_sync(d->sa_state);

	if (ret)
		fprintf(stderr, "xdpsec: instance %s: cannot flush %s: %s\n", d->instance,
			xs_sa_state_path(d->sa_state), strerror(-ret));
}

void xsd_state_close(struct xsd *d)
{
	xs_sa_state_close(d->sa_state);
	d->sa_state = NULL;
}

uint64_t xsd_generation(const struct xsd *d)
{
	return d->sa_state ? xs_sa_state_generation(d->sa_state) : 0;
}

/*
 * Ties the SA about to be created to its persisted state (sa_state.h):
 * outbound, cfg->seq_start becomes where it resumes; the caller hooks the
 * record in with state_hook once the SA exists.
 */
static int state_claim(struct xsd *d, struct xs_sa_config *cfg, uint8_t dir,
		       struct xs_sa_state_claim *c, char *err, size_t errlen)
{
	struct xs_sa_state_key k;
	int ret;

	if (!d->sa_state)
		return 0;
	xs_sa_state_key(d->sa_state, cfg, dir, &k);
	ret = xs_sa_state_attach(d->sa_state, &k, cfg->esn, cfg->seq_start, c, err, errlen);
	OPENSSL_cleanse(&k, sizeof(k));
	if (ret)
		return ret;
	if (dir == XS_DIR_OUT)
		cfg->seq_start = c->start;
	return 0;
}

static void state_hook(struct xsd *d, struct xsd_sa *s, const struct xs_sa_state_claim *c)
{
	if (!c->value)
		return;
	s->state_held = true;
	s->state_idx = c->index;
	s->resumed = c->resumed;
	s->resume_seq = c->start;
	if (s->dir == XS_DIR_OUT) {
		xs_sa_set_seq_store(s->sa, c->value);
	} else {
		xs_sa_rx_resume(s->sa, c->start);
		xs_sa_set_rx_store(s->sa, c->value);
	}
	if (c->evicted)
		fprintf(stderr, "xdpsec: instance %s: SA state full: the record unused "
			"longest was reused\n", d->instance);
	if (c->resumed)
		fprintf(stderr, "xdpsec: instance %s: SA spi 0x%08x dir %s resumed seq %"
			PRIu64 " (%s)\n", d->instance, s->sa->cfg.spi, dir_name(s->dir),
			c->start, s->dir == XS_DIR_OUT ? "next sent is one above" :
			"numbers up to it are refused");
}

static struct xsd_sa *sa_find(struct xsd *d, uint32_t spi, uint8_t proto, uint8_t dir)
{
	for (uint32_t i = 0; i < d->nsas; i++) {
		struct xsd_sa *s = &d->sas[i];

		if (s->sa->cfg.spi == spi && (!proto || s->sa->cfg.proto == proto) &&
		    (dir == XS_DIR_ANY || s->dir == dir))
			return s;
	}
	return NULL;
}

static uint64_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec;
}

static int spd_resync(struct xsd *d)
{
	return d->dp ? xsd_dp_spd_sync(d->dp, d) : 0;
}

/* A reqid no SA has yet, for an SA added without one: the `dir in`
 * policies naming it accept its packets and no other SA's (the selector
 * check, docs/bpf.md). From 2^30 up, above what the IKE agent counts. */
static uint32_t reqid_fresh(const struct xsd *d)
{
	uint32_t r = 1u << 30;

	for (uint32_t i = 0; i < d->nsas; i++)
		if (d->sas[i].reqid >= r)
			r = d->sas[i].reqid + 1;
	return r ? r : 1u << 30;
}

int xsd_sa_add(struct xsd *d, struct xs_sa_req *req, char *err, size_t errlen)
{
	struct xs_sa_config *cfg = &req->cfg;
	struct xs_sa_state_claim claim = { 0 };
	uint8_t dir = req->dir;
	struct xsd_sa *s;
	struct xs_sa *sa;
	int ret = 0;

	if (dir == XS_DIR_ANY) {
		int local = xs_addr_is_local(cfg->family, cfg->dst.b);

		if (local < 0) {
			ERR("cannot read local addresses: %s", strerror(-local));
			ret = local;
			goto out;
		}
		dir = local ? XS_DIR_IN : XS_DIR_OUT;
	}
	if (sa_find(d, cfg->spi, cfg->proto, dir)) {
		ERR("SA with spi 0x%08x proto %s dir %s exists", cfg->spi, proto_name(cfg->proto),
		    dir == XS_DIR_IN ? "in" : "out");
		ret = -EEXIST;
		goto out;
	}
	if (d->nsas == XSD_SA_MAX) {
		ERR("too many SAs (at most %u)", XSD_SA_MAX);
		ret = -ENOSPC;
		goto out;
	}
	if (cfg->spi < 256) {
		ERR("spi 0x%x is reserved (RFC 4303 §2.1: SPIs 1-255 are IANA's)", cfg->spi);
		ret = -EINVAL;
		goto out;
	}
	ret = state_claim(d, cfg, dir, &claim, err, errlen);
	if (ret)
		goto out;
	sa = xs_sa_new(cfg);
	if (!sa) {
		ret = -errno;
		ERR("cannot create SA spi 0x%08x: %s", cfg->spi,
		    errno == EINVAL ? "invalid combination of parameters" : strerror(errno));
		if (claim.value)
			xs_sa_state_detach(d->sa_state, claim.index);
		goto out;
	}
	s = &d->sas[d->nsas++];
	memset(s, 0, sizeof(*s));
	s->sa = sa;
	s->dir = dir;
	/* Before any worker sees it. */
	state_hook(d, s, &claim);
	s->reqid = req->reqid ? req->reqid : reqid_fresh(d);
	req->reqid = s->reqid;
	s->add_time = now_s();
	s->soft_time = req->soft_time;
	s->hard_time = req->hard_time;
	if (d->dp) {
		ret = xsd_dp_sa_install(d->dp, s);
		if (!ret)
			ret = spd_resync(d);
		if (ret) {
			xsd_dp_sa_remove(d->dp, s);
			if (s->state_held)
				xs_sa_state_detach(d->sa_state, s->state_idx);
			xs_sa_free(sa);
			d->nsas--;
			ERR("cannot install SA spi 0x%08x: %s", cfg->spi, strerror(-ret));
		}
	}
	if (!ret)
		xsd_mon_sa(d, "add", s);
out:
	OPENSSL_cleanse(cfg->enc_key, sizeof(cfg->enc_key));
	OPENSSL_cleanse(cfg->auth_key, sizeof(cfg->auth_key));
	return ret;
}

int xsd_sa_del(struct xsd *d, uint32_t spi, uint8_t proto, uint8_t dir,
	       char *err, size_t errlen)
{
	struct xsd_sa *s = sa_find(d, spi, proto, dir);

	if (!s) {
		ERR("no SA with spi 0x%08x", spi);
		return -ENOENT;
	}
	if (d->dp)
		xsd_dp_sa_remove(d->dp, s);
	xsd_mon_sa(d, "del", s);
	/* The record stays: the same key added again resumes. */
	if (s->state_held)
		xs_sa_state_detach(d->sa_state, s->state_idx);
	xs_sa_free(s->sa);
	*s = d->sas[--d->nsas];
	memset(&d->sas[d->nsas], 0, sizeof(d->sas[0]));
	/* Policies naming the SA stay; their packets are dropped (no SA)
	 * until an SA with that SPI is added again: the SPD says so (traps). */
	spd_resync(d);
	return 0;
}

static void sa_info(struct xsd *d, const struct xsd_sa *s, struct xs_sa_info *info)
{
	memset(info, 0, sizeof(*info));
	if (d->dp)
		xsd_dp_lock_all(d->dp);
	info->cfg = s->sa->cfg;   /* the engine wiped the keys at creation */
	info->stats = s->sa->stats;
	info->tx_seq = s->sa->tx_seq;
	info->rx_top = s->sa->replay.top;
	info->soft_expired = s->sa->soft_expired;
	info->hard_expired = s->sa->hard_expired;
	if (d->dp)
		xsd_dp_unlock_all(d->dp);
	info->dir = s->dir;
	info->reqid = s->reqid;
	info->worker = s->worker;
	info->add_time = s->add_time;
	info->soft_time = s->soft_time;
	info->hard_time = s->hard_time;
	info->resumed = s->resumed;
	info->resume_seq = s->resume_seq;
}

int xsd_sa_get(struct xsd *d, uint32_t spi, uint8_t proto, uint8_t dir,
	       struct xs_sa_info *out, char *err, size_t errlen)
{
	struct xsd_sa *s = sa_find(d, spi, proto, dir);

	if (!s) {
		ERR("no SA with spi 0x%08x", spi);
		return -ENOENT;
	}
	sa_info(d, s, out);
	return 0;
}

int xsd_sa_foreach(struct xsd *d, int (*fn)(const struct xs_sa_info *, void *), void *arg)
{
	struct xs_sa_info info;
	int ret = 0;

	for (uint32_t i = 0; i < d->nsas && !ret; i++) {
		sa_info(d, &d->sas[i], &info);
		ret = fn(&info, arg);
	}
	return ret;
}

/* Which limit a volume expiry reached: the engine marks the SA, the
 * counters say why. */
static const char *volume_kind(const struct xs_sa *sa, bool hard)
{
	const struct xs_lifetime *l = hard ? &sa->cfg.hard : &sa->cfg.soft;

	if (l->bytes && sa->stats.bytes >= l->bytes)
		return "bytes";
	return "packets";
}

/* Time lifetimes (RFC 4301 §4.4.2.1), checked once a second; every
 * lifetime newly reached (time or volume) is published once. */
void xsd_sa_expire(struct xsd *d)
{
	uint64_t now = now_s();

	for (uint32_t i = 0; i < d->nsas; i++) {
		struct xsd_sa *s = &d->sas[i];
		bool soft = s->soft_time && now - s->add_time >= s->soft_time;
		bool hard = s->hard_time && now - s->add_time >= s->hard_time;
		bool soft_was = __atomic_load_n(&s->sa->soft_expired, __ATOMIC_RELAXED);
		bool hard_was = __atomic_load_n(&s->sa->hard_expired, __ATOMIC_RELAXED);

		if ((soft && !soft_was) || (hard && !hard_was)) {
			if (d->dp)
				xsd_dp_lock_all(d->dp);
			if (soft)
				s->sa->soft_expired = true;
			if (hard)
				s->sa->hard_expired = true;
			if (d->dp)
				xsd_dp_unlock_all(d->dp);
		}
		if ((soft || soft_was) && !(s->expire_said & 1)) {
			s->expire_said |= 1;
			xsd_mon_expire(d, s, false, soft_was ? volume_kind(s->sa, false) : "time");
		}
		if ((hard || hard_was) && !(s->expire_said & 2)) {
			s->expire_said |= 2;
			xsd_mon_expire(d, s, true, hard_was ? volume_kind(s->sa, true) : "time");
		}
	}
}

static bool policy_same(const struct xs_policy_req *a, const struct xs_policy_req *b)
{
	return a->family == b->family && a->dir == b->dir && a->proto == b->proto &&
	       a->src_plen == b->src_plen && a->dst_plen == b->dst_plen &&
	       !memcmp(&a->src, &b->src, sizeof(a->src)) &&
	       !memcmp(&a->dst, &b->dst, sizeof(a->dst)) && a->sport_lo == b->sport_lo &&
	       a->sport_hi == b->sport_hi && a->dport_lo == b->dport_lo &&
	       a->dport_hi == b->dport_hi;
}

static void policy_bind(struct xsd *d, uint32_t id)
{
	const struct xs_policy_req *r = &d->policies[id].req;
	struct xsd_sa *s = NULL;

	if (!d->dp || r->dir != XS_DIR_OUT)
		return;
	if (d->policies[id].used && r->action == XS_SPD_PROTECT)
		s = sa_find(d, r->spi, 0, XS_DIR_OUT);
	xsd_dp_policy_bind(d->dp, id, s);
}

int xsd_policy_add(struct xsd *d, struct xs_policy_req *req, char *err, size_t errlen)
{
	uint32_t id;
	int ret;

	if (req->family != AF_INET && req->family != AF_INET6) {
		ERR("policy needs IPv4 or IPv6 prefixes");
		return -EINVAL;
	}
	if (req->dir != XS_DIR_IN && req->dir != XS_DIR_OUT) {
		ERR("policy needs dir in or dir out");
		return -EINVAL;
	}
	if (req->action != XS_SPD_PROTECT && req->action != XS_SPD_BYPASS &&
	    req->action != XS_SPD_DISCARD) {
		ERR("policy action must be protect, bypass or discard");
		return -EINVAL;
	}
	/* spi 0: a trap, PROTECT without an SA (docs/bpf.md). */
	if (req->action == XS_SPD_PROTECT && req->spi && !sa_find(d, req->spi, 0, req->dir)) {
		ERR("policy names missing SA spi 0x%08x (dir %s)", req->spi,
		    req->dir == XS_DIR_IN ? "in" : "out");
		return -ENOENT;
	}
	for (id = 0; id < XS_SPD_RULES_MAX; id++) {
		if (d->policies[id].used && policy_same(&d->policies[id].req, req)) {
			ERR("policy with these selectors exists (id %u)", id);
			return -EEXIST;
		}
	}
	for (id = 0; id < XS_SPD_RULES_MAX && d->policies[id].used; id++)
		;
	if (id == XS_SPD_RULES_MAX) {
		ERR("too many policies (at most %u)", XS_SPD_RULES_MAX);
		return -ENOSPC;
	}
	req->id = id;
	d->policies[id].req = *req;
	d->policies[id].used = true;
	/* Bind the SA before the SPD steers anything to the worker. */
	policy_bind(d, id);
	if (d->dp)
		xsd_dp_policy_counters_reset(d->dp, id);
	ret = spd_resync(d);
	if (ret) {
		ERR("cannot program the SPD: %s", xsd_dp_spd_error(d->dp));
		d->policies[id].used = false;
		policy_bind(d, id);
		spd_resync(d);
	}
	if (!ret)
		xsd_mon_policy(d, "add", id, req);
	return ret;
}

int xsd_policy_del(struct xsd *d, uint32_t id, char *err, size_t errlen)
{
	int ret;

	if (id >= XS_SPD_RULES_MAX || !d->policies[id].used) {
		ERR("no policy with id %u", id);
		return -ENOENT;
	}
	d->policies[id].used = false;
	ret = spd_resync(d);
	policy_bind(d, id);
	xsd_mon_policy(d, "del", id, &d->policies[id].req);
	memset(&d->policies[id].req, 0, sizeof(d->policies[id].req));
	return ret;
}

int xsd_policy_update(struct xsd *d, uint32_t id, uint32_t spi, char *err, size_t errlen)
{
	struct xs_policy_req *r;
	uint32_t old;
	int ret;

	if (id >= XS_SPD_RULES_MAX || !d->policies[id].used) {
		ERR("no policy with id %u", id);
		return -ENOENT;
	}
	r = &d->policies[id].req;
	if (r->action != XS_SPD_PROTECT) {
		ERR("policy %u does not protect", id);
		return -EINVAL;
	}
	if (!sa_find(d, spi, 0, r->dir)) {
		ERR("policy names missing SA spi 0x%08x (dir %s)", spi,
		    r->dir == XS_DIR_IN ? "in" : "out");
		return -ENOENT;
	}
	old = r->spi;
	r->spi = spi;
	/* The worker's table switches under its lock, then the rule's
	 * worker (if it changed) follows. */
	policy_bind(d, id);
	ret = spd_resync(d);
	if (ret) {
		ERR("cannot program the SPD: %s", xsd_dp_spd_error(d->dp));
		r->spi = old;
		policy_bind(d, id);
		spd_resync(d);
	}
	return ret;
}

int xsd_policy_foreach(struct xsd *d, int (*fn)(const struct xs_policy_info *, void *),
		       void *arg)
{
	int ret = 0;

	for (uint32_t id = 0; id < XS_SPD_RULES_MAX && !ret; id++) {
		struct xs_policy_info info = { 0 };

		if (!d->policies[id].used)
			continue;
		info.req = d->policies[id].req;
		info.req.id = id;
		/* What the BPF programs decided by this policy. */
		if (d->dp)
			xsd_dp_policy_counters(d->dp, id, &info.packets, &info.bytes);
		ret = fn(&info, arg);
	}
	return ret;
}

int xsd_attach(struct xsd *d, const struct xs_attach_req *req, char *warn,
	       size_t warnlen, char *err, size_t errlen)
{
	if (d->dp) {
		ERR("instance %s is attached to %s already (detach it first)", d->instance,
		    d->dp->ifname);
		return -EBUSY;
	}
	d->dp = xsd_dp_attach(d, req, warn, warnlen, err, errlen);
	if (d->dp)
		xsd_mon_iface(d, "attach", d->dp->ifname);
	return d->dp ? 0 : -EINVAL;
}

int xsd_detach(struct xsd *d, const char *ifname, char *err, size_t errlen)
{
	if (!d->dp || strcmp(d->dp->ifname, ifname)) {
		ERR("instance %s is not attached to %s", d->instance, ifname);
		return -ENOENT;
	}
	xsd_mon_iface(d, "detach", ifname);
	xsd_dp_detach(d->dp, false);
	d->dp = NULL;
	return 0;
}

int xsd_iface_foreach(struct xsd *d, int (*fn)(const struct xs_iface_info *, void *),
		      void *arg)
{
	struct xs_iface_info info;

	if (!d->dp)
		return 0;
	xsd_dp_info(d->dp, &info);
	return fn(&info, arg);
}

int xsd_counters_foreach(struct xsd *d, int (*fn)(const struct xs_counter_row *, void *),
			 void *arg)
{
	uint64_t drops[XS_DROP_MAX] = { 0 };
	int ret = 0;

	if (d->dp) {
		ret = xsd_dp_counters(d->dp, fn, arg);
		if (ret)
			return ret;
		xsd_dp_lock_all(d->dp);
		for (uint32_t w = 0; w < d->dp->nworkers; w++)
			for (uint32_t r = 0; r < XS_DROP_MAX; r++)
				drops[r] += d->dp->workers[w].in_db->drops[r];
	}
	for (uint32_t i = 0; i < d->nsas; i++)
		for (uint32_t r = 0; r < XS_DROP_MAX; r++)
			drops[r] += d->sas[i].sa->stats.drops[r];
	if (d->dp)
		xsd_dp_unlock_all(d->dp);
	for (uint32_t r = 1; r < XS_DROP_MAX && !ret; r++) {
		struct xs_counter_row row = { "engine", xs_drop_name(r), drops[r], 0 };

		ret = fn(&row, arg);
	}
	return ret;
}

const char *xsd_instance(const struct xsd *d)
{
	return d->instance;
}

const char *xsd_pin_dir(const struct xsd *d)
{
	return d->pin_dir;
}
