/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon: one per instance. It owns the AF_XDP sockets, the worker
 * threads, the SA keys (in engine SAs, never in BPF maps) and the pinned
 * BPF maps, and serves the control socket.
 */
#ifndef XSD_DAEMON_H
#define XSD_DAEMON_H

#include <linux/limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <xdpsec/abi.h>

#include "engine.h"
#include "state.h"

#define XSD_SA_MAX 4096u          /* SAs per instance, both directions */

struct xsd_worker;
struct xsd_dp;
struct xs_ctl_srv;
struct xs_sa_state;

/* An SA the daemon holds: the engine SA plus bookkeeping. */
struct xsd_sa {
	struct xs_sa *sa;
	uint8_t dir;
	uint32_t reqid;
	uint32_t worker;
	uint64_t add_time;
	uint64_t soft_time, hard_time;  /* seconds after add, 0 = none */
	bool state_held;                /* state_idx is its sa_state record */
	uint32_t state_idx;
	bool resumed;                   /* its key had state: resumed */
	uint64_t resume_seq;            /* OUT: resumed above it; IN: top refused */
	uint8_t expire_said;            /* events sent: 1 soft, 2 hard (monitor.h) */
};

struct xsd_policy {
	bool used;
	struct xs_policy_req req;
};

struct xsd {
	char instance[64];
	char pin_dir[PATH_MAX];
	struct xs_ctl_srv *srv;         /* control socket and instance lock */
	volatile int stop;

	struct xsd_sa sas[XSD_SA_MAX];
	uint32_t nsas;
	struct xsd_policy policies[XS_SPD_RULES_MAX];

	struct xsd_dp *dp;              /* NULL until attached */
	struct xs_sa_state *sa_state;   /* persisted SA state (sa_state.h) */
};

/* The persisted SA state (sa_state.h) of d's instance, under
 * XS_SA_STATE_DIR/<instance>: opened once the instance lock is held
 * (0 or -errno with err), flushed once a second, closed after the SAs
 * are freed (store.c). */
int xsd_state_open(struct xsd *d, char *err, size_t errlen);
void xsd_state_sync(struct xsd *d);
void xsd_state_close(struct xsd *d);

/* Marks SAs whose time lifetimes ran out and publishes every lifetime
 * (time, bytes, packets) newly reached (called once a second). */
void xsd_sa_expire(struct xsd *d);

/* The `daemon` command: runs until SIGTERM/SIGINT. */
int xsd_main(const char *instance, int argc, char **argv);

#endif
