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

/* An SA the daemon holds: the engine SA plus bookkeeping. */
struct xsd_sa {
	struct xs_sa *sa;
	uint8_t dir;
	uint32_t reqid;
	uint32_t worker;
	uint64_t add_time;
	uint64_t soft_time, hard_time;  /* seconds after add, 0 = none */
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
};

/* Marks SAs whose time lifetimes ran out (called once a second). */
void xsd_sa_expire(struct xsd *d);

/* The `daemon` command: runs until SIGTERM/SIGINT. */
int xsd_main(const char *instance, int argc, char **argv);

#endif
