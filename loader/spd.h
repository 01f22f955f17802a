/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The SPD compiler: a policy table in, the SPD maps of include/xdpsec/abi.h
 * out (rules array, rule lists, the four tries). What the maps hold after
 * xs_spd_sync() depends on the table only, not on earlier calls; the state
 * kept between calls (struct xs_spd_maps) only makes updates incremental
 * and safe for concurrent lookups. Knows nothing of the daemon, so tests
 * drive it with maps they loaded themselves.
 *
 * The order of the SPD (RFC 4301 §4.4.1: the first matching policy
 * decides) is defined here: policies with a priority before those
 * without; lower priority first; then longer remote prefix, longer local
 * prefix, a specific protocol before any; then lower id (docs/bpf.md,
 * "The SPD").
 */
#ifndef XSD_SPD_H
#define XSD_SPD_H

#include <stddef.h>
#include <stdint.h>

#include <xdpsec/abi.h>

#define XS_SPD_DIR_IN 1          /* = XS_DIR_IN of state.h */
#define XS_SPD_DIR_OUT 2

/* One policy as the compiler needs it. */
struct xs_spd_policy {
	uint32_t id;             /* rule index, < XS_SPD_RULES_MAX, unique */
	uint8_t family;          /* AF_INET or AF_INET6 */
	uint8_t dir;             /* XS_SPD_DIR_IN or XS_SPD_DIR_OUT */
	uint8_t action;          /* enum xs_spd_action, not NONE */
	uint8_t proto;           /* 0 = any */
	uint8_t src[16];         /* network order; in: remote, out: local */
	uint8_t dst[16];
	uint8_t src_plen;
	uint8_t dst_plen;
	uint16_t sport_lo, sport_hi;   /* 0..65535 = any; ICMP type */
	uint16_t dport_lo, dport_hi;   /* ICMP code */
	uint32_t priority;       /* lower wins; 0: none (after all that have one) */
	uint32_t worker;         /* PROTECT out: the worker that seals */
	uint32_t reqid;          /* PROTECT in: the SAs it accepts */
	uint32_t flags;          /* XS_SPD_RULE_F_* (abi.h) */
};

struct xs_spd_state;

/* The maps one datapath's SPD lives in, and what the compiler keeps of
 * them between calls. */
struct xs_spd_maps {
	int rules_fd;            /* XS_MAP_SPD_RULES */
	int entries_fd;          /* XS_MAP_SPD_ENTRIES */
	int trie_fd[2][2];       /* [0 out, 1 in][0 IPv4, 1 IPv6] */
	struct xs_spd_state *st;
};

/*
 * Takes the maps (mmaps the rules and entries arrays, reads what the
 * tries hold now: pinned maps may carry a previous daemon's SPD, which
 * stays in force until the first xs_spd_sync()). 0 or -errno.
 */
int xs_spd_open(struct xs_spd_maps *m, int rules_fd, int entries_fd, int out_v4,
		int out_v6, int in_v4, int in_v6);
/* Releases what xs_spd_open() took; the maps keep their contents.
 * Accepts a zeroed or closed m. */
void xs_spd_close(struct xs_spd_maps *m);

/*
 * Makes the maps hold exactly the SPD of the n policies. Lookups running
 * meanwhile see, per remote prefix, either its old or its new rule list,
 * each complete. On error nothing a lookup sees has changed, and err
 * (errlen bytes) says why: -EINVAL for a malformed policy, -ENOSPC when
 * the policies need more than the maps hold (XS_SPD_ENTRIES_LIVE list
 * entries, XS_SPD_PREFIXES_MAX prefixes a trie).
 */
int xs_spd_sync(struct xs_spd_maps *m, const struct xs_spd_policy *p, uint32_t n,
		char *err, size_t errlen);

/* What the last successful sync wrote: list entries in use, and how many
 * times the lists were rebuilt into the other half (for tests). */
void xs_spd_usage(const struct xs_spd_maps *m, uint32_t *entries, uint32_t *rebuilds);

#endif
