/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's event stream (`xdpsec monitor`, the IKE agent): each
 * change of the SA and policy tables, each lifetime a SA reaches, each
 * acquire and each attach/detach, pushed to the control clients that
 * subscribed (ctl/server.h streams), one line of text or one JSON object
 * per event. A subscriber first gets the daemon's generation.
 */
#ifndef XSD_MONITOR_H
#define XSD_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

#include <xdpsec/abi.h>

#include "state.h"

struct xsd;
struct xsd_sa;
struct xs_ctl_srv_client;

/* From the request handler: c streams from now on (generation first). */
int xsd_mon_subscribe(struct xsd *d, struct xs_ctl_srv_client *c, bool json);
/* what: "add" or "del". */
void xsd_mon_sa(struct xsd *d, const char *what, const struct xsd_sa *s);
/* kind: "time", "bytes" or "packets". */
void xsd_mon_expire(struct xsd *d, const struct xsd_sa *s, bool hard, const char *kind);
void xsd_mon_policy(struct xsd *d, const char *what, uint32_t id,
		    const struct xs_policy_req *r);
void xsd_mon_iface(struct xsd *d, const char *what, const char *ifname);
/* For xsd_dp_acquire_read(): logs the acquire and publishes it; arg is
 * the struct xsd. The BPF side sends at most one per policy per
 * XS_ACQUIRE_GAP_NS. */
int xsd_mon_acquire(const struct xs_event *ev, void *arg);

#endif
