/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The datapath of one attached interface: BPF programs and pinned maps,
 * a steer veth pair and an AF_XDP socket pair per worker, worker threads.
 *
 *   ingress: outside --XDP(SPI)--> XSK(outside, q) --worker: open-->
 *            XSK(steer worker side) --veth--> steer stack side --> stack
 *   egress:  stack --TC(SPD) PROTECT--> steer stack side --veth-->
 *            XDP --> XSK(steer worker side) --worker: seal--> XSK(outside)
 */
#ifndef XSD_DP_H
#define XSD_DP_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include <xdpsec/abi.h>

#include <net/if.h>

#include "daemon.h"
#include "spd.h"

struct xdp_ingress_bpf;
struct tc_egress_bpf;
struct tc_inner_bpf;
struct xdp_steer_bpf;
struct ring_buffer;

#include "rt.h"

/* One steer veth pair per worker, single-queue, and its GSO tap
 * (docs/bpf.md). */
struct xsd_steer {
	char stack_if[IF_NAMESIZE];   /* steer side the stack sees */
	char worker_if[IF_NAMESIZE];  /* steer side the worker reads */
	char tap_if[IF_NAMESIZE];     /* GSO packets (tap.h) */
	uint32_t stack_ifindex, worker_ifindex, tap_ifindex;
	int tap_fd;                   /* -1: no tap, GSO packets take the veth */
	uint8_t tap_mac[6];
};

/* IKE agents (owners) that registered their sockets (ike_socks.c). */
#define XSD_IKE_OWNERS_MAX 16
#define XSD_IKE_SOCKS_PER_OWNER 16
_Static_assert(XSD_IKE_OWNERS_MAX * XSD_IKE_SOCKS_PER_OWNER <= XS_IKE_SOCKS_MAX,
	       "xs_ike_socks holds every owner's sockets");

struct xsd_ike_owner {
	char owner[32];               /* NUL-terminated; n == 0: slot unused */
	uint32_t n;
	uint64_t cookie[XSD_IKE_SOCKS_PER_OWNER];
};

/* Loader-internal: the attached state. */
struct xsd_dp {
	struct xsd *d;
	char ifname[IF_NAMESIZE];
	uint32_t ifindex;
	uint8_t mode;
	uint32_t nworkers;
	struct xsd_steer *steers;     /* [nworkers] */
	struct xdp_ingress_bpf *ingress;
	struct tc_egress_bpf *egress;
	struct tc_inner_bpf *inner;   /* opened packets' way in (docs/bpf.md) */
	struct xdp_steer_bpf *steer;
	int policy_store_fd;
	__u64 *spi_filter;            /* xs_spi_filter, mmapped: SAs per slot */
	struct xs_spd_maps spd;       /* the SPD compiler's view of the maps */
	char spd_err[160];            /* why the last sync failed */
	struct xs_policy_req *stored; /* what xs_policy_store holds, per id */
	uint32_t *pol_reqid;          /* dir in PROTECT: the reqid it accepts */
	int addr_fd;                  /* rtnetlink: address changes (local_addrs.c) */
	struct ring_buffer *events;   /* xs_events reader (events.c) */
	int (*ev_fn)(const struct xs_event *, void *);
	void *ev_arg;
	time_t audit_sec;             /* audit log: the second last logged */
	uint64_t audit_skipped;
	struct xsd_ike_owner ike[XSD_IKE_OWNERS_MAX];
	uint32_t ike_auto_n, ike_auto_sum;  /* ike_auto.c: the sockets seen last */
	struct xsd_worker *workers;
};

struct xsd_dp *xsd_dp_attach(struct xsd *d, const struct xs_attach_req *req,
			     char *warn, size_t warnlen, char *err, size_t errlen);
/* Stops workers, closes sockets; keep_pins leaves programs attached and
 * maps pinned (fail-closed on daemon exit), otherwise removes everything. */
void xsd_dp_detach(struct xsd_dp *dp, bool keep_pins);
void xsd_dp_info(const struct xsd_dp *dp, struct xs_iface_info *info);
uint32_t xsd_dp_workers(const struct xsd_dp *dp);

/* Worker tables, changed by the control thread under the worker's lock. */
int xsd_dp_sa_install(struct xsd_dp *dp, struct xsd_sa *s);
void xsd_dp_sa_remove(struct xsd_dp *dp, struct xsd_sa *s);
/* Programs the SPD maps from the daemon's policy table (dp_spd.c); on
 * failure nothing changed and xsd_dp_spd_error() says why. */
int xsd_dp_spd_sync(struct xsd_dp *dp, const struct xsd *d);
const char *xsd_dp_spd_error(const struct xsd_dp *dp);
int xsd_dp_spd_open(struct xsd_dp *dp);
/* Binds policy id -> outbound SA (NULL unbinds) in the owning worker. */
void xsd_dp_policy_bind(struct xsd_dp *dp, uint32_t id, struct xsd_sa *s);

/*
 * The IKE bypass (docs/bpf.md). Outbound: owner's IKE sockets, by SO_COOKIE
 * (at most XSD_IKE_SOCKS_PER_OWNER, none 0), replacing what owner had
 * registered; n = 0 clears them. 0, -EINVAL, -E2BIG, -ENOSPC (owners) or
 * -errno. Inbound: this host's addresses, kept by the daemon's loop:
 * poll xsd_dp_addr_fd() (-1: none) for POLLIN, then call
 * xsd_dp_addr_event().
 */
int xsd_dp_ike_sockets_set(struct xsd_dp *dp, const char *owner, const uint64_t *cookies,
			   uint32_t n);
int xsd_dp_addr_fd(const struct xsd_dp *dp);
void xsd_dp_addr_event(struct xsd_dp *dp);
/* Until the IKE agent registers its sockets itself: registers (owner
 * "auto") the root-owned UDP sockets bound to 500/4500 that an xdpsec-ike
 * process holds (ike_auto.c). Cheap when nothing changed; the daemon
 * calls it after each request and once a second. Accepts NULL. */
void xsd_dp_ike_autodetect(struct xsd_dp *dp);
/*
 * Acquires (a packet met a PROTECT policy without an SA; at most one a
 * second per policy): poll xsd_dp_acquire_fd() (-1: none) for POLLIN,
 * then xsd_dp_acquire_read() calls fn for each XS_EV_ACQUIRE record
 * waiting (abi.h, struct xs_event: policy id, family, proto, addresses,
 * ports); a nonzero return stops it. Audit records (selector check
 * drops) go to the log on the way. The daemon's fn publishes them
 * (monitor.h).
 */
int xsd_dp_acquire_fd(const struct xsd_dp *dp);
int xsd_dp_acquire_read(struct xsd_dp *dp, int (*fn)(const struct xs_event *, void *),
			void *arg);
/*
 * xdp_ingress through libxdp's dispatcher (dp_xdp.c). check: -EEXIST (and
 * err naming it) if a foreign program is attached alone and force is not
 * set. attach: loads dp->ingress (opened, not loaded) into the dispatcher
 * in req_mode (auto: native, else generic with a warning), then removes an
 * earlier daemon's xdpsec program. detach: removes every xdpsec program.
 */
int xsd_dp_xdp_check(uint32_t ifindex, const char *ifname, bool force, char *err,
		     size_t errlen);
int xsd_dp_xdp_attach(struct xsd_dp *dp, uint8_t req_mode, char *warn, size_t warnlen,
		      char *err, size_t errlen);
void xsd_dp_xdp_detach(struct xsd_dp *dp);
/* true if the device's XDP program is libxdp's dispatcher. */
bool xsd_dp_xdp_dispatched(uint32_t ifindex);
/*
 * The interface settings attach changes (iface_orig.c): save records the
 * current gso_max_segs (and, with clsact_created, that attach made the
 * clsact qdisc) in the pinned xs_iface_orig unless a record of an earlier
 * attach is there; restore puts them back. 0 or -errno.
 */
int xsd_iface_orig_save(struct xsd_dp *dp, bool clsact_created);
void xsd_iface_orig_restore(struct xsd_dp *dp);
/* Loader-internal (dp.c). */
int xsd_dp_events_open(struct xsd_dp *dp);
void xsd_dp_events_close(struct xsd_dp *dp);
void xsd_ike_sockets_clear(struct xsd_dp *dp);
int xsd_local_addrs_open(struct xsd_dp *dp);
void xsd_local_addrs_close(struct xsd_dp *dp);

/* Runs fn(lock held) so that no worker is inside a batch. */
void xsd_dp_lock_all(struct xsd_dp *dp);
void xsd_dp_unlock_all(struct xsd_dp *dp);

int xsd_dp_counters(struct xsd_dp *dp, int (*fn)(const struct xs_counter_row *, void *),
		    void *arg);
/* Packets and bytes the BPF programs decided by policy id (dp_stats.c). */
int xsd_dp_policy_counters(struct xsd_dp *dp, uint32_t id, uint64_t *packets,
			   uint64_t *bytes);
int xsd_dp_policy_counters_reset(struct xsd_dp *dp, uint32_t id);

#endif
