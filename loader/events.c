// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the BPF programs report through the xs_events ring buffer:
 * acquires (tc_egress: a packet met a PROTECT policy without an SA) for
 * whoever turns them into XS_CTL_EV_ACQUIRE, and audit records (tc_inner:
 * an opened packet failed the selector check, RFC 4301 §5.2), logged
 * here. The daemon's loop polls xsd_dp_acquire_fd() and calls
 * xsd_dp_acquire_read().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dp.h"
#include "skel.h"

static void ev_addrs(const struct xs_event *ev, char *src, char *dst, size_t len)
{
	int af = ev->family == XS_FAMILY_V4 ? AF_INET : AF_INET6;

	if (!inet_ntop(af, ev->src, src, (socklen_t)len))
		snprintf(src, len, "?");
	if (!inet_ntop(af, ev->dst, dst, (socklen_t)len))
		snprintf(dst, len, "?");
}

/* RFC 4301 §5.2: an auditable event. The programs send at most one per
 * XS_AUDIT_GAP_NS; the log takes at most one a second and says how many
 * it left out. */
static void audit_log(struct xsd_dp *dp, const struct xs_event *ev)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], pol[16] = "none";
	time_t now = time(NULL);

	if (now == dp->audit_sec) {
		dp->audit_skipped++;
		return;
	}
	dp->audit_sec = now;
	ev_addrs(ev, src, dst, sizeof(src));
	if (ev->policy_id != ~0u)
		snprintf(pol, sizeof(pol), "%u", ev->policy_id);
	syslog(LOG_WARNING, "audit: opened packet dropped by the selector check: reqid %u "
	       "%s -> %s proto %u ports %u/%u first rule %s (%llu not logged)", ev->reqid, src,
	       dst, ev->proto, ev->sport, ev->dport, pol,
	       (unsigned long long)dp->audit_skipped);
	fprintf(stderr, "xdpsec: audit: opened packet dropped by the selector check: reqid %u "
		"%s -> %s proto %u ports %u/%u first rule %s (%llu not logged)\n", ev->reqid,
		src, dst, ev->proto, ev->sport, ev->dport, pol,
		(unsigned long long)dp->audit_skipped);
	dp->audit_skipped = 0;
}

static int ev_cb(void *ctx, void *data, size_t len)
{
	struct xsd_dp *dp = ctx;
	const struct xs_event *ev = data;

	if (len < sizeof(*ev))
		return 0;
	if (ev->type == XS_EV_SELECTOR)
		audit_log(dp, ev);
	else if (ev->type == XS_EV_ACQUIRE && dp->ev_fn)
		return dp->ev_fn(ev, dp->ev_arg);
	return 0;
}

int xsd_dp_events_open(struct xsd_dp *dp)
{
	dp->events = ring_buffer__new(bpf_map__fd(dp->egress->maps.XS_MAP_EVENTS), ev_cb, dp,
				      NULL);
	return dp->events ? 0 : -errno;
}

void xsd_dp_events_close(struct xsd_dp *dp)
{
	ring_buffer__free(dp->events);
	dp->events = NULL;
}

int xsd_dp_acquire_fd(const struct xsd_dp *dp)
{
	return dp && dp->events ? ring_buffer__epoll_fd(dp->events) : -1;
}

int xsd_dp_acquire_read(struct xsd_dp *dp, int (*fn)(const struct xs_event *, void *),
			void *arg)
{
	int n;

	if (!dp || !dp->events)
		return 0;
	dp->ev_fn = fn;
	dp->ev_arg = arg;
	n = ring_buffer__consume(dp->events);
	dp->ev_fn = NULL;
	return n < 0 ? n : 0;
}
