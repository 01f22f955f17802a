// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's side of the SPD compiler (spd.h): its policy table, with
 * each PROTECT policy's worker (dir out) or reqid (dir in) taken from the
 * SA it names, becomes the compiler's input; the pinned policy store
 * follows the table so a new daemon can restore it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dp.h"
#include "skel.h"
#include "spd.h"

static const struct xsd_sa *sa_named(const struct xsd *d, uint32_t spi, uint8_t dir)
{
	for (uint32_t i = 0; i < d->nsas; i++)
		if (d->sas[i].dir == dir && d->sas[i].sa->cfg.spi == spi)
			return &d->sas[i];
	return NULL;
}

/*
 * A PROTECT policy without its SA is a trap (XS_SPD_RULE_F_NO_SA): out,
 * its packets are dropped and reported; in, it accepts what the SAs of
 * the reqid it last had accept (a rekey deletes the SA a `dir in` policy
 * named, and the new one carries the same reqid), nothing if it never
 * had one.
 */
static void policy_make(struct xsd_dp *dp, const struct xsd *d, uint32_t id,
			struct xs_spd_policy *p)
{
	const struct xs_policy_req *r = &d->policies[id].req;
	const struct xsd_sa *s;

	memset(p, 0, sizeof(*p));
	p->id = id;
	p->family = r->family;
	p->dir = r->dir;
	p->action = r->action;
	p->proto = r->proto;
	memcpy(p->src, r->src.b, 16);
	memcpy(p->dst, r->dst.b, 16);
	p->src_plen = r->src_plen;
	p->dst_plen = r->dst_plen;
	p->sport_lo = r->sport_lo;
	p->sport_hi = r->sport_hi;
	p->dport_lo = r->dport_lo;
	p->dport_hi = r->dport_hi;
	p->priority = r->priority;
	if (r->action != XS_SPD_PROTECT)
		return;
	s = r->spi ? sa_named(d, r->spi, r->dir) : NULL;
	if (r->dir == XS_DIR_OUT) {
		if (s)
			p->worker = s->worker;
		else
			p->flags |= XS_SPD_RULE_F_NO_SA;
		return;
	}
	if (s)
		dp->pol_reqid[id] = s->reqid;
	p->reqid = dp->pol_reqid[id];
	if (!p->reqid)
		p->flags |= XS_SPD_RULE_F_NO_SA;
}

/* The pinned store holds what the table holds (only changed slots are
 * written). */
static void store_sync(struct xsd_dp *dp, const struct xsd *d)
{
	static const struct xs_policy_req empty;

	for (__u32 id = 0; id < XS_SPD_RULES_MAX; id++) {
		const struct xs_policy_req *r = d->policies[id].used ? &d->policies[id].req : &empty;

		if (!memcmp(&dp->stored[id], r, sizeof(*r)))
			continue;
		if (!bpf_map_update_elem(dp->policy_store_fd, &id, r, 0))
			dp->stored[id] = *r;
	}
}

int xsd_dp_spd_sync(struct xsd_dp *dp, const struct xsd *d)
{
	struct xs_spd_policy *p = calloc(XS_SPD_RULES_MAX, sizeof(*p));
	uint32_t n = 0;
	int ret;

	if (!p) {
		snprintf(dp->spd_err, sizeof(dp->spd_err), "out of memory");
		return -ENOMEM;
	}
	for (uint32_t id = 0; id < XS_SPD_RULES_MAX; id++) {
		if (!d->policies[id].used) {
			dp->pol_reqid[id] = 0;
			continue;
		}
		policy_make(dp, d, id, &p[n++]);
	}
	ret = xs_spd_sync(&dp->spd, p, n, dp->spd_err, sizeof(dp->spd_err));
	if (!ret)
		store_sync(dp, d);
	free(p);
	return ret;
}

const char *xsd_dp_spd_error(const struct xsd_dp *dp)
{
	return dp->spd_err;
}

int xsd_dp_spd_open(struct xsd_dp *dp)
{
	struct tc_egress_bpf *e = dp->egress;

	return xs_spd_open(&dp->spd, bpf_map__fd(e->maps.XS_MAP_SPD_RULES),
			   bpf_map__fd(e->maps.XS_MAP_SPD_ENTRIES),
			   bpf_map__fd(e->maps.XS_MAP_SPD_V4), bpf_map__fd(e->maps.XS_MAP_SPD_V6),
			   bpf_map__fd(e->maps.XS_MAP_SPD_IN_V4),
			   bpf_map__fd(e->maps.XS_MAP_SPD_IN_V6));
}
