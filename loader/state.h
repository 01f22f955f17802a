/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's state API: what control commands (CLI, IKE agent) may do.
 * Implemented by the daemon (daemon.c and friends); called by commands.c,
 * which parses the words of a request and formats the reply.
 *
 * Every function returns 0 or -errno and, on error, writes a one-line
 * human-readable reason into err (errlen bytes) and changes nothing.
 */
#ifndef XSD_STATE_H
#define XSD_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

#include "sa.h"

enum xs_dir {
	XS_DIR_ANY = 0,   /* in requests: infer (SA) or both (lookups) */
	XS_DIR_IN = 1,
	XS_DIR_OUT = 2,
};

/* sa add: the engine config (keys included) plus daemon bookkeeping. */
struct xs_sa_req {
	struct xs_sa_config cfg;   /* the consumer wipes the keys */
	uint8_t dir;               /* XS_DIR_ANY: IN if dst is local, else OUT */
	uint32_t reqid;
	uint64_t soft_time;        /* lifetime seconds after add; 0 = none */
	uint64_t hard_time;
};

/* What listings show of an SA: never keys. */
struct xs_sa_info {
	struct xs_sa_config cfg;   /* enc_key/auth_key are all zero */
	uint8_t dir;
	uint32_t reqid;
	uint32_t worker;
	struct xs_sa_stats stats;
	uint64_t tx_seq;           /* last sent (OUT) */
	uint64_t rx_top;           /* highest authenticated (IN) */
	uint64_t add_time;         /* CLOCK_REALTIME seconds */
	uint64_t soft_time, hard_time;
	bool soft_expired;
	bool hard_expired;
	bool resumed;              /* its key had persisted state (restart) */
	uint64_t resume_seq;       /* OUT: numbers up to this were skipped;
				    * IN: every number up to this is refused */
};

struct xs_policy_req {
	uint8_t family;            /* AF_INET or AF_INET6 */
	uint8_t dir;               /* XS_DIR_OUT or XS_DIR_IN */
	uint8_t action;            /* XS_SPD_PROTECT/BYPASS/DISCARD (abi.h) */
	uint8_t proto;             /* 0 = any */
	union xs_addr src, dst;
	uint8_t src_plen, dst_plen;
	uint16_t sport_lo, sport_hi; /* 0..65535 = any */
	uint16_t dport_lo, dport_hi;
	uint32_t spi;              /* PROTECT: the SA that carries the flow */
	uint32_t priority;         /* lower wins; 0: by specificity */
	uint32_t id;               /* set by the daemon on add; del by id */
};

/* Counters of a policy (from the BPF per-CPU maps and the workers). */
struct xs_policy_info {
	struct xs_policy_req req;
	uint64_t packets;
	uint64_t bytes;
};

enum xs_attach_mode {
	XS_ATTACH_AUTO = 0,   /* native, falling back to generic with a warning */
	XS_ATTACH_NATIVE,
	XS_ATTACH_GENERIC,
};

struct xs_attach_req {
	char ifname[IF_NAMESIZE];
	uint8_t mode;              /* enum xs_attach_mode */
	uint8_t unknown_spi_pass;  /* unknown SPI: pass to the stack, not drop */
	uint16_t workers;          /* 0: one per rx queue */
	int32_t cpus[64];          /* pinning per worker; -1 = none */
	uint8_t force;             /* replace a foreign (non-dispatcher) XDP program */
};

struct xs_iface_info {
	char ifname[IF_NAMESIZE];
	uint32_t ifindex;
	uint8_t mode;              /* the mode actually in use */
	char steer_ifname[IF_NAMESIZE];
	uint16_t queues;
	uint16_t workers;
	uint8_t xdp_dispatcher;    /* XDP through libxdp's dispatcher, not alone */
};

/* A named counter: BPF verdicts/reasons, engine drop reasons. */
struct xs_counter_row {
	const char *group;         /* "xdp", "tc", "steer", "engine", "worker" */
	const char *name;
	uint64_t packets;
	uint64_t bytes;
};

struct xsd;

int xsd_sa_add(struct xsd *d, struct xs_sa_req *req, char *err, size_t errlen);
int xsd_sa_del(struct xsd *d, uint32_t spi, uint8_t proto, uint8_t dir,
	       char *err, size_t errlen);
int xsd_sa_get(struct xsd *d, uint32_t spi, uint8_t proto, uint8_t dir,
	       struct xs_sa_info *out, char *err, size_t errlen);
/* Calls fn for every SA; stops early if fn returns non-zero. */
int xsd_sa_foreach(struct xsd *d, int (*fn)(const struct xs_sa_info *, void *),
		   void *arg);

int xsd_policy_add(struct xsd *d, struct xs_policy_req *req, char *err, size_t errlen);
int xsd_policy_del(struct xsd *d, uint32_t id, char *err, size_t errlen);
/* Points protect policy id at another SA (a rekey): one atomic switch,
 * never a moment without a protecting rule. */
int xsd_policy_update(struct xsd *d, uint32_t id, uint32_t spi, char *err, size_t errlen);
int xsd_policy_foreach(struct xsd *d,
		       int (*fn)(const struct xs_policy_info *, void *), void *arg);

int xsd_attach(struct xsd *d, const struct xs_attach_req *req, char *warn,
	       size_t warnlen, char *err, size_t errlen);
int xsd_detach(struct xsd *d, const char *ifname, char *err, size_t errlen);
int xsd_iface_foreach(struct xsd *d, int (*fn)(const struct xs_iface_info *, void *),
		      void *arg);

/* Every counter row (BPF maps summed over CPUs, engine reasons summed over
 * SAs and the inbound databases); zero rows included. */
int xsd_counters_foreach(struct xsd *d,
			 int (*fn)(const struct xs_counter_row *, void *), void *arg);

/* Instance name and pin directory, for status. */
const char *xsd_instance(const struct xsd *d);
const char *xsd_pin_dir(const struct xsd *d);
/* Changes at every start of the daemon (restarts included): a client that
 * saw another generation knows the SAs it installed are gone. */
uint64_t xsd_generation(const struct xsd *d);

#endif
