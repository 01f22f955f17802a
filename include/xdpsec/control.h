/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The control API of xdpsec's daemons, version 1: typed messages over a
 * UNIX SOCK_SEQPACKET socket per instance (/run/xdpsec/NAME.sock for the
 * datapath daemon, NAME-ike.sock for the IKE agent). The `xdpsec` CLI, the
 * IKE agent and the tests are clients of one library (ctl/xsctl.h); one
 * server implementation (ctl/server.h) serves both daemons.
 *
 * Anchors: WireGuard's genetlink uAPI (one typed API, `wg` one client of
 * it), OpenBSD iked's ipsec_sa_add / PF_KEY SADB_EXPIRE, Linux XFRM's
 * NEWSA/DELSA/NEWPOLICY down and ACQUIRE/EXPIRE up (docs/architecture.md).
 *
 * Framing: one message per datagram, at most XS_CTL_MSG_MAX bytes: a
 * struct xs_ctl_hdr, then the body its type names. Every request gets
 * exactly one final reply with the request's seq: XS_CTL_REPLY (status,
 * optional body, optional error text) or, after the records of a dump,
 * XS_CTL_DONE. Events (seq 0) arrive only on a connection that asked for
 * them with XS_CTL_SUBSCRIBE, possibly between the messages of a reply.
 *
 * Keys travel as bytes, in the body of XS_CTL_SA_ADD only, and never
 * come back: no reply, record or event carries key material.
 *
 * Rules for this file (as for abi.h): fixed-width types, explicit
 * padding, a _Static_assert on every struct size. Addresses are network
 * order, 16 bytes (IPv4 in the first 4); ports, SPIs and the rest are host
 * order. A client sends the version it speaks; a server answers a version
 * it does not speak with -EPROTONOSUPPORT.
 */
#ifndef XDPSEC_CONTROL_H
#define XDPSEC_CONTROL_H

#include <linux/types.h>

#define XS_CTL_VERSION		1
#define XS_CTL_MSG_MAX		65536u	/* one datagram, header included */
#define XS_CTL_ERR_MAX		256u	/* error text in a reply, NUL included */
#define XS_CTL_OWNER_LEN	32u	/* owner tag, NUL-padded */
#define XS_CTL_IFNAME_LEN	16u	/* IFNAMSIZ */
#define XS_CTL_NAME_LEN		32u	/* counter group and name */
#define XS_CTL_ENC_KEY_MAX	40u	/* AES-256 + salt is 36 */
#define XS_CTL_AUTH_KEY_MAX	64u
#define XS_CTL_IKE_SOCKS_MAX	16u	/* socket cookies one agent registers */
#define XS_CTL_CPUS_MAX		64u

struct xs_ctl_hdr {
	__u16 version;		/* XS_CTL_VERSION */
	__u16 type;		/* enum xs_ctl_type */
	__u32 len;		/* whole message, header included */
	__u32 seq;		/* request: chosen by the client, != 0; reply: echoed; event: 0 */
	__s32 status;		/* reply/done: 0 or -errno; otherwise 0 */
};
_Static_assert(sizeof(struct xs_ctl_hdr) == 16, "xs_ctl_hdr size");

enum xs_ctl_type {
	/* ---- requests to the datapath daemon (xdpsec) ---- */
	XS_CTL_STATUS = 1,	/* (none) -> REPLY xs_ctl_status */
	XS_CTL_SA_ADD,		/* xs_ctl_sa -> REPLY xs_ctl_sa_id (dir and reqid filled in) */
	XS_CTL_SA_DEL,		/* xs_ctl_sa_id -> REPLY */
	XS_CTL_SA_GET,		/* xs_ctl_sa_id -> REPLY xs_ctl_sa_info */
	XS_CTL_SA_DUMP,		/* xs_ctl_filter -> SA_INFO records, DONE */
	XS_CTL_SA_FLUSH,	/* xs_ctl_filter -> REPLY xs_ctl_count */
	XS_CTL_POLICY_ADD,	/* xs_ctl_policy -> REPLY xs_ctl_policy_id */
	XS_CTL_POLICY_DEL,	/* xs_ctl_policy_id -> REPLY */
	XS_CTL_POLICY_UPDATE,	/* xs_ctl_policy_update -> REPLY */
	XS_CTL_POLICY_GET,	/* xs_ctl_policy_id -> REPLY xs_ctl_policy_info */
	XS_CTL_POLICY_DUMP,	/* xs_ctl_filter -> POLICY_INFO records, DONE */
	XS_CTL_POLICY_FLUSH,	/* xs_ctl_filter -> REPLY xs_ctl_count */
	XS_CTL_ATTACH,		/* xs_ctl_attach -> REPLY xs_ctl_iface (+ warning text) */
	XS_CTL_DETACH,		/* xs_ctl_detach -> REPLY */
	XS_CTL_IFACE_DUMP,	/* (none) -> IFACE records, DONE */
	XS_CTL_COUNTER_DUMP,	/* (none) -> COUNTER records, DONE */
	XS_CTL_SUBSCRIBE,	/* xs_ctl_subscribe -> REPLY xs_ctl_ev_generation, then events */
	XS_CTL_IKE_SOCKETS,	/* xs_ctl_ike_sockets -> REPLY */

	/* ---- requests to the IKE agent (xdpsec-ike) ---- */
	XS_CTL_IKE_COMMAND = 0x100,	/* xs_ctl_words -> REPLY text (may come late:
					 * initiate/terminate answer with the outcome) */

	/* ---- replies and records ---- */
	XS_CTL_REPLY = 0x200,	/* status; body by request; text after it on error */
	XS_CTL_DONE,		/* end of a dump; status */
	XS_CTL_SA_INFO,		/* xs_ctl_sa_info */
	XS_CTL_POLICY_INFO,	/* xs_ctl_policy_info */
	XS_CTL_IFACE,		/* xs_ctl_iface */
	XS_CTL_COUNTER,		/* xs_ctl_counter */

	/* ---- events (seq 0) ---- */
	XS_CTL_EV_GENERATION = 0x300,	/* xs_ctl_ev_generation */
	XS_CTL_EV_SA,			/* xs_ctl_ev_sa: added, expired, deleted */
	XS_CTL_EV_POLICY,		/* xs_ctl_ev_policy: added, deleted, updated */
	XS_CTL_EV_ACQUIRE,		/* xs_ctl_ev_acquire */
};

/* Directions, as in state and on the CLI. */
enum xs_ctl_dir {
	XS_CTL_DIR_ANY = 0,	/* SA add: IN if dst is a local address, else OUT */
	XS_CTL_DIR_IN = 1,
	XS_CTL_DIR_OUT = 2,
};

/* Cipher suites of an SA (engine/crypto.h enum xs_suite, same values). */
enum xs_ctl_suite {
	XS_CTL_SUITE_AES128GCM16 = 0,
	XS_CTL_SUITE_AES256GCM16,
	XS_CTL_SUITE_CHACHA20POLY1305,
	XS_CTL_SUITE_AES128CBC_SHA256,
	XS_CTL_SUITE_AES256CBC_SHA256,
	XS_CTL_SUITE_NULL_SHA256,
	XS_CTL_SUITE_SHA256,		/* AH */
};

/* ------------------------------------------------------------------- SAs */

struct xs_ctl_sa_id {
	__u32 spi;		/* host order */
	__u8 proto;		/* 50 ESP, 51 AH; 0 in del/get: either */
	__u8 dir;		/* enum xs_ctl_dir; ANY in del/get: either */
	__u16 pad;
	__u32 reqid;		/* replies: the SA's reqid */
};
_Static_assert(sizeof(struct xs_ctl_sa_id) == 12, "xs_ctl_sa_id size");

#define XS_CTL_SA_F_ESN		(1u << 0)	/* 64-bit sequence numbers, RFC 4303 §2.2.1 */
#define XS_CTL_SA_F_ENCAP	(1u << 1)	/* ESP-in-UDP, RFC 3948 */

/* Lifetimes (RFC 4301 §4.4.2.1); 0 = no limit. Time: seconds after add. */
struct xs_ctl_lifetime {
	__u64 bytes;
	__u64 packets;
	__u64 time;
};
_Static_assert(sizeof(struct xs_ctl_lifetime) == 24, "xs_ctl_lifetime size");

struct xs_ctl_sa {
	struct xs_ctl_sa_id id;	/* reqid 0: the daemon assigns a unique one */
	__u8 mode;		/* 0 transport, 1 tunnel */
	__u8 family;		/* AF_INET / AF_INET6: outer addresses */
	__u8 suite;		/* enum xs_ctl_suite */
	__u8 backend;		/* 0 auto, 1 openssl, 2 ipsecmb */
	__u8 src[16];		/* outer source */
	__u8 dst[16];		/* outer destination */
	__u32 flags;		/* XS_CTL_SA_F_* */
	__u16 encap_sport;	/* XS_CTL_SA_F_ENCAP */
	__u16 encap_dport;
	__u32 replay_window;	/* packets, multiple of 64; 0 disables */
	__u8 outer_ttl;		/* tunnel; 0 = 64 */
	__u8 pad[3];
	__u64 seq_start;	/* first outbound = seq_start + 1 (tests) */
	struct xs_ctl_lifetime soft;	/* an event, for a rekey */
	struct xs_ctl_lifetime hard;	/* the SA stops; an event */
	char owner[XS_CTL_OWNER_LEN];	/* "" for the CLI; "ike:NAME" for an agent */
	__u32 enc_key_len;	/* bytes, AEAD salt included */
	__u32 auth_key_len;
	__u8 enc_key[XS_CTL_ENC_KEY_MAX];
	__u8 auth_key[XS_CTL_AUTH_KEY_MAX];
};
_Static_assert(sizeof(struct xs_ctl_sa) == 264, "xs_ctl_sa size");

/* Why an SA left or changed state (events, info). */
enum xs_ctl_sa_event {
	XS_CTL_SA_ADDED = 1,
	XS_CTL_SA_SOFT,		/* soft lifetime reached: rekey now */
	XS_CTL_SA_HARD,		/* hard lifetime reached: the SA stopped */
	XS_CTL_SA_DELETED,	/* by a client (del, flush) */
};

enum xs_ctl_limit {		/* which lifetime limit fired */
	XS_CTL_LIMIT_NONE = 0,
	XS_CTL_LIMIT_BYTES,
	XS_CTL_LIMIT_PACKETS,
	XS_CTL_LIMIT_TIME,
};

#define XS_CTL_SA_I_SOFT	(1u << 0)	/* soft lifetime reached */
#define XS_CTL_SA_I_HARD	(1u << 1)	/* hard lifetime reached */
#define XS_CTL_SA_I_RESTORED	(1u << 2)	/* sequence state taken over from a previous daemon */

/* What listings show of an SA: xs_ctl_sa with the keys zeroed, and state. */
struct xs_ctl_sa_info {
	struct xs_ctl_sa sa;	/* enc_key/auth_key all zero; lengths kept */
	__u32 worker;
	__u32 info;		/* XS_CTL_SA_I_* */
	__u64 add_time;		/* CLOCK_REALTIME seconds */
	__u64 packets;		/* sealed or opened */
	__u64 bytes;
	__u64 drops;		/* all reasons */
	__u64 tx_seq;		/* OUT: last sequence number sent */
	__u64 rx_top;		/* IN: highest authenticated */
};
_Static_assert(sizeof(struct xs_ctl_sa_info) == 264 + 56, "xs_ctl_sa_info size");

/* Dumps and flushes: all, or only what an owner installed. */
#define XS_CTL_FILTER_OWNER	(1u << 0)
struct xs_ctl_filter {
	__u32 flags;		/* XS_CTL_FILTER_* */
	__u32 pad;
	char owner[XS_CTL_OWNER_LEN];
};
_Static_assert(sizeof(struct xs_ctl_filter) == 40, "xs_ctl_filter size");

struct xs_ctl_count {
	__u64 count;
};
_Static_assert(sizeof(struct xs_ctl_count) == 8, "xs_ctl_count size");

/* -------------------------------------------------------------- policies */

enum xs_ctl_action {		/* the values of abi.h's enum xs_spd_action */
	XS_CTL_BYPASS = 1,
	XS_CTL_DISCARD = 2,
	XS_CTL_PROTECT = 3,
};

/* A PROTECT policy with spi 0 is a trap: its packets are dropped (never
 * sent or accepted in clear) and, with this flag, reported in
 * XS_CTL_EV_ACQUIRE events, rate-limited per policy. */
#define XS_CTL_POL_F_ACQUIRE	(1u << 0)

struct xs_ctl_policy {
	__u32 id;		/* replies, del, update: the daemon's id */
	__u8 family;		/* AF_INET / AF_INET6 */
	__u8 dir;		/* XS_CTL_DIR_IN / XS_CTL_DIR_OUT */
	__u8 action;		/* enum xs_ctl_action */
	__u8 proto;		/* 0 = any */
	__u8 src[16];		/* dir out: local; dir in: remote (as ip xfrm) */
	__u8 dst[16];
	__u8 src_plen;
	__u8 dst_plen;
	__u16 sport_lo;		/* 0..65535 = any; ICMP: type */
	__u16 sport_hi;
	__u16 dport_lo;		/* ICMP: code */
	__u16 dport_hi;
	__u16 pad;
	__u32 spi;		/* PROTECT: the SA (out: seals; in: named SA's reqid); 0: trap */
	__u32 reqid;		/* PROTECT in: accept the SAs of this reqid (0: spi's SA's) */
	__u32 priority;		/* lower wins; 0: by specificity */
	__u32 flags;		/* XS_CTL_POL_F_* */
	char owner[XS_CTL_OWNER_LEN];
};
_Static_assert(sizeof(struct xs_ctl_policy) == 100, "xs_ctl_policy size");

struct xs_ctl_policy_id {
	__u32 id;
};
_Static_assert(sizeof(struct xs_ctl_policy_id) == 4, "xs_ctl_policy_id size");

/* Points a PROTECT policy at another SA (a rekey: one atomic switch) or,
 * spi 0, at none (a trap again). */
struct xs_ctl_policy_update {
	__u32 id;
	__u32 spi;
	__u32 reqid;		/* dir in; 0: the SA's */
	__u32 pad;
};
_Static_assert(sizeof(struct xs_ctl_policy_update) == 16, "xs_ctl_policy_update size");

struct xs_ctl_policy_info {
	struct xs_ctl_policy pol;
	__u32 pad;
	__u64 packets;		/* decided by this policy, all CPUs */
	__u64 bytes;
};
_Static_assert(sizeof(struct xs_ctl_policy_info) == 120, "xs_ctl_policy_info size");

/* ------------------------------------------------------------- interfaces */

struct xs_ctl_attach {
	char ifname[XS_CTL_IFNAME_LEN];
	__u8 mode;		/* 0 auto, 1 native, 2 generic */
	__u8 unknown_spi_pass;	/* unknown SPI: to the stack, not dropped */
	__u16 workers;		/* 0: one per rx queue */
	__u32 flags;		/* XS_CTL_ATTACH_F_* */
	__s32 cpus[XS_CTL_CPUS_MAX];	/* per worker; -1 = no pinning */
};
_Static_assert(sizeof(struct xs_ctl_attach) == 24 + 4 * XS_CTL_CPUS_MAX,
	       "xs_ctl_attach size");

#define XS_CTL_ATTACH_F_FORCE	(1u << 0)	/* replace a foreign XDP program */

struct xs_ctl_detach {
	char ifname[XS_CTL_IFNAME_LEN];
};
_Static_assert(sizeof(struct xs_ctl_detach) == 16, "xs_ctl_detach size");

struct xs_ctl_iface {
	char ifname[XS_CTL_IFNAME_LEN];
	char steer_ifname[XS_CTL_IFNAME_LEN];
	__u32 ifindex;
	__u8 mode;		/* the mode in use */
	__u8 pad;
	__u16 queues;
	__u16 workers;
	__u16 pad2;
};
_Static_assert(sizeof(struct xs_ctl_iface) == 44, "xs_ctl_iface size");

/* --------------------------------------------------------------- counters */

struct xs_ctl_counter {
	char group[XS_CTL_NAME_LEN];	/* "xdp", "tc", "steer", "inner", "engine", "worker", "xsk", "ctl" */
	char name[XS_CTL_NAME_LEN];
	__u64 packets;
	__u64 bytes;
};
_Static_assert(sizeof(struct xs_ctl_counter) == 80, "xs_ctl_counter size");

/* ----------------------------------------------------------------- status */

struct xs_ctl_status {
	char instance[XS_CTL_OWNER_LEN];
	char pin_dir[128];
	__u64 generation;	/* random per daemon start: a restart is visible */
	__u64 start_time;	/* CLOCK_REALTIME seconds */
	__u32 pid;
	__u32 sas;
	__u32 policies;
	__u32 ifaces;
	__u32 sa_max;		/* capacity */
	__u32 policy_max;
	char version[32];	/* the daemon's version string */
};
_Static_assert(sizeof(struct xs_ctl_status) == 32 + 128 + 16 + 24 + 32,
	       "xs_ctl_status size");

/* ----------------------------------------------------------------- events */

#define XS_CTL_EVM_SA		(1u << 0)
#define XS_CTL_EVM_POLICY	(1u << 1)
#define XS_CTL_EVM_ACQUIRE	(1u << 2)
#define XS_CTL_EVM_ALL		(XS_CTL_EVM_SA | XS_CTL_EVM_POLICY | XS_CTL_EVM_ACQUIRE)

/* A subscriber that does not read its events falls behind; the server
 * then closes its connection (counted: ctl/subscriber_overrun), and the
 * client reconnects and dumps the state again, as after a restart. */
struct xs_ctl_subscribe {
	__u32 mask;		/* XS_CTL_EVM_* */
	__u32 pad;
};
_Static_assert(sizeof(struct xs_ctl_subscribe) == 8, "xs_ctl_subscribe size");

/* The reply to SUBSCRIBE, and the first event on the connection. */
struct xs_ctl_ev_generation {
	__u64 generation;
	__u64 start_time;
	__u32 pid;
	__u32 pad;
};
_Static_assert(sizeof(struct xs_ctl_ev_generation) == 24, "xs_ctl_ev_generation size");

struct xs_ctl_ev_sa {
	struct xs_ctl_sa_id id;
	__u8 event;		/* enum xs_ctl_sa_event */
	__u8 limit;		/* enum xs_ctl_limit (SOFT, HARD) */
	__u16 pad;
	char owner[XS_CTL_OWNER_LEN];
	__u64 packets;		/* the SA's counters at the event */
	__u64 bytes;
};
_Static_assert(sizeof(struct xs_ctl_ev_sa) == 12 + 4 + 32 + 16, "xs_ctl_ev_sa size");

enum xs_ctl_policy_event {
	XS_CTL_POLICY_ADDED = 1,
	XS_CTL_POLICY_DELETED,
	XS_CTL_POLICY_UPDATED,
};

struct xs_ctl_ev_policy {
	struct xs_ctl_policy pol;
	__u8 event;		/* enum xs_ctl_policy_event */
	__u8 pad[3];
};
_Static_assert(sizeof(struct xs_ctl_ev_policy) == 104, "xs_ctl_ev_policy size");

/* A packet met a PROTECT policy that has no SA (a trap). */
struct xs_ctl_ev_acquire {
	__u32 policy_id;
	__u8 family;
	__u8 proto;
	__u8 dir;		/* XS_CTL_DIR_OUT (sent), XS_CTL_DIR_IN (received in clear) */
	__u8 pad;
	__u8 src[16];		/* the packet's */
	__u8 dst[16];
	__u16 sport;
	__u16 dport;
	char owner[XS_CTL_OWNER_LEN];	/* the policy's */
};
_Static_assert(sizeof(struct xs_ctl_ev_acquire) == 8 + 32 + 4 + 32, "xs_ctl_ev_acquire size");

/* ---------------------------------------------------------- IKE bypass */

/*
 * The IKE agent's own sockets: TC egress lets exactly their packets out
 * unprotected (bpf_get_socket_cookie(), SO_COOKIE). Replaces the set the
 * same owner registered before; n = 0 clears it.
 */
struct xs_ctl_ike_sockets {
	char owner[XS_CTL_OWNER_LEN];
	__u32 n;
	__u32 pad;
	__u64 cookie[XS_CTL_IKE_SOCKS_MAX];
};
_Static_assert(sizeof(struct xs_ctl_ike_sockets) == 40 + 8 * XS_CTL_IKE_SOCKS_MAX,
	       "xs_ctl_ike_sockets size");

/* ------------------------------------------------------- the IKE agent */

/* argc NUL-terminated words follow (what follows `xdpsec-ike` on a command
 * line), at most XS_CTL_MSG_MAX in all. The reply carries text. */
struct xs_ctl_words {
	__u32 argc;
	__u32 timeout_ms;	/* initiate/terminate: how long to wait; 0: default */
};
_Static_assert(sizeof(struct xs_ctl_words) == 8, "xs_ctl_words size");

#endif /* XDPSEC_CONTROL_H */
