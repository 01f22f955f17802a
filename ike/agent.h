/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The IKE agent's two halves and the contract between them.
 *
 * The shell (net.c, timer.c, install.c, control.c, main.c) owns the
 * process: UDP sockets on 500 and 4500, the clock and timers, the
 * configuration, the control socket of `xdpsec-ike`, and the datapath
 * daemon's control socket through which Child SAs are installed.
 *
 * The state machine (sa_entry.c, input.c, dispatch.c, outcome.c, exch_*.c,
 * window.c, ike_sa.c, proposal.c, ts.c) owns IKE SAs and Child SAs: it
 * consumes datagrams and timer events and calls back into the shell to
 * send, to arm timers, to install or remove SAs and to report the outcome
 * of initiate/terminate. It never touches a socket or a file itself.
 *
 * Both halves run in one thread: no locks.
 */
#ifndef IKE_AGENT_H
#define IKE_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config.h"
#include "crypto.h"

struct ike_agent;
struct ike_sa;

/* ------------------------------------------------------------ timers */

typedef void (*ike_timer_fn)(struct ike_agent *a, void *arg);

/* Intrusive: embed one per pending event (e.g. in struct ike_sa). */
struct ike_timer {
	uint64_t due_ms;           /* monotonic */
	ike_timer_fn fn;
	void *arg;
	struct ike_timer *next;    /* shell's list; NULL when not armed */
	bool armed;
};

/* Monotonic milliseconds. */
uint64_t ike_now_ms(void);
/* (Re)arms t to fire once after ms. */
void ike_timer_arm(struct ike_agent *a, struct ike_timer *t, uint64_t ms,
		   ike_timer_fn fn, void *arg);
/* Disarms t; accepts an unarmed timer. Call before freeing its owner. */
void ike_timer_cancel(struct ike_agent *a, struct ike_timer *t);

/* --------------------------------------------------------- datagrams */

/* Where a datagram came from / goes to (addresses include ports). */
struct ike_path {
	struct sockaddr_storage local;
	struct sockaddr_storage remote;
	bool natt;                 /* port 4500: non-ESP marker (RFC 3948 §2.2) */
};

/*
 * Sends one IKE message (the marker is added when path->natt). 0/-errno.
 * A response to IKE_SA_INIT goes to an address that has not shown it can
 * receive (it may be spoofed): the shell sends those apart, so that they
 * can never hold up the messages of established IKE SAs (net.c).
 */
int ike_net_send(struct ike_agent *a, const struct ike_path *path,
		 const uint8_t *msg, size_t len);
/* Sends a NAT-keepalive (RFC 3948 §2.3) along path. */
int ike_net_keepalive(struct ike_agent *a, const struct ike_path *path);

/* ---------------------------------------------------- datapath (SAs) */

/* A traffic selector as negotiated (RFC 7296 §3.13.1), host order ports. */
struct ike_ts {
	uint8_t family;            /* AF_INET / AF_INET6 */
	uint8_t proto;             /* 0 = any */
	uint16_t port_lo, port_hi;
	uint8_t start[16], end[16];
};

#define IKE_TS_MAX 16u

/* One Child SA as the datapath needs it. alg_* hold key material (from
 * ike_child_keys_xfrm): the shell wipes its copies, the state machine its
 * own. */
struct ike_child_install {
	const char *conn;          /* config names, for logs and reqid */
	const char *child;
	uint32_t reqid;            /* unique per Child SA family (same across rekeys) */
	uint8_t protocol;          /* IKE_PROTO_ESP or IKE_PROTO_AH */
	bool transport;            /* else tunnel */
	bool encap;                /* ESP-in-UDP: ports from path */
	bool esn;
	struct ike_path path;      /* outer addresses (and NAT-T ports) */
	uint32_t spi_in, spi_out;  /* host order; spi_in is ours */
	char alg_in[256];          /* `aead rfc4106(gcm(aes)) 0x.. 128` ... */
	char alg_out[256];
	uint8_t n_local_ts, n_remote_ts;
	struct ike_ts local_ts[IKE_TS_MAX];
	struct ike_ts remote_ts[IKE_TS_MAX];
	/* Datapath volume limits (0 = none): soft triggers a rekey report,
	 * hard stops the SA. Time limits are the state machine's timers. */
	uint64_t soft_bytes, hard_bytes, soft_packets, hard_packets;
};

/*
 * Installs the inbound SA (spi_in). Make-before-break rekeys call this
 * first, then ike_install_out. 0 or -errno.
 */
int ike_install_in(struct ike_agent *a, const struct ike_child_install *c);
/*
 * Installs the outbound SA (spi_out) and points the outbound policies of
 * the selector pairs at it: added on first install, switched atomically
 * (never a moment without a protecting rule) when replacing old_spi_out
 * (0: first install).
 */
int ike_install_out(struct ike_agent *a, const struct ike_child_install *c,
		    uint32_t old_spi_out);
/* Removes one SA (dir: 1 in, 2 out). When last is set the family's
 * policies are kept, naming no SA (dropping), while conn is loaded, and
 * deleted only if it is not (install.c: fail closed while configured). */
int ike_uninstall(struct ike_agent *a, const struct ike_child_install *c,
		  uint32_t spi, int dir, bool last);

/* --------------------------------------- the state machine's entries */

/* A datagram arrived (marker already stripped). Bad input is counted and
 * dropped; never fatal. */
void ike_sa_input(struct ike_agent *a, const struct ike_path *path,
		  const uint8_t *msg, size_t len);
/* Initiates conn (all its children, or only child if non-NULL). */
int ike_sa_initiate(struct ike_agent *a, const char *conn, const char *child,
		    char *err, size_t errlen);
/* Deletes the IKE SAs of conn (DELETE to the peer) and their Child SAs. */
int ike_sa_terminate(struct ike_agent *a, const char *conn, char *err, size_t errlen);
/* The datapath reported an SA's soft (or hard) volume limit reached. */
void ike_sa_child_expired(struct ike_agent *a, uint32_t spi_in, bool hard);
/* The configuration was replaced (old pointers are gone): IKE SAs keep
 * running with what they negotiated; start actions (`start`, not `trap`)
 * of new connections run. */
void ike_sa_config_changed(struct ike_agent *a);
/*
 * The datapath daemon restarted (a new generation) and lost every SA:
 * each installed Child SA is rekeyed with CREATE_CHILD_SA, so a fresh
 * pair is installed before the old one is deleted on both sides; one
 * whose rekey cannot be installed is deleted on both sides and created
 * again (sa_entry.c). Connecting IKE SAs install into the new daemon as
 * they complete. 0, or -ENOENT when nothing was established.
 */
int ike_agent_dp_restarted(struct ike_agent *a);
/*
 * The datapath reported an acquire: a packet met a trap policy of child
 * of conn with no SA (`start_action = trap`). Brings the Child SA up
 * (under the connection's IKE SA, or a new one). Per Child SA one
 * exchange at a time, and none for IKE_ACQUIRE_HOLD_MS after one started
 * unless it completed: a flood of acquires starts one exchange.
 * 0 started, -EALREADY up or in progress, -EBUSY held down, -ENOENT no
 * such connection/child, other -errno if it cannot start.
 */
int ike_agent_acquire(struct ike_agent *a, const char *conn, const char *child);
#define IKE_ACQUIRE_HOLD_MS 2000u

/* ------------------------------------------------ outcomes (shell hooks) */

/*
 * The shell implements these (weak no-op defaults in outcome.c keep the
 * agent linkable without them). Each ike_sa_initiate() that returned 0
 * gets exactly one ike_shell_initiate_done() later, in the order they
 * were made for the same conn: status 0 when the IKE SA and the Child SAs
 * asked for (child, or all of conn's when NULL) are established, else
 * -errno with the reason in why: -EACCES authentication failed (either
 * side), -ENOPROTOOPT no proposal or traffic selectors acceptable,
 * -ETIMEDOUT the peer did not answer, -ECONNABORTED anything else
 * (deleted, install failed, ...). A retry by keyingtries goes on after a
 * failure is reported.
 * Each ike_sa_terminate() that returned 0 gets one
 * ike_shell_terminate_done() once no IKE SA of conn is left: status 0,
 * why says how the last one ended ("deleted", "DELETE unanswered", ...).
 * Neither is called for what the agent starts by itself (start_action,
 * acquire, dpd_action, keyingtries), nor during ike_sa_shutdown().
 * The hooks may call ike_sa_foreach() but not the other entries.
 */
void ike_shell_initiate_done(struct ike_agent *a, const char *conn,
			     const char *child, int status, const char *why);
void ike_shell_terminate_done(struct ike_agent *a, const char *conn, int status,
			      const char *why);

/* ----------------------------------------------------------- log lines */

/*
 * The state machine's event lines, one per event, each naming the IKE SA
 * ("<conn> #<serial> <spi_i>/<spi_r>: ...") and, for a Child SA, its name
 * and SPIs. level: IKE_LOG_SM_ERR .. IKE_LOG_SM_DEBUG, the same numbers
 * as the shell's enum ike_log_level. Lines above max_level are not made.
 * With no hook (NULL) lines go to stderr as "ike: <line>". Never a secret.
 */
#define IKE_LOG_SM_ERR 0
#define IKE_LOG_SM_WARN 1
#define IKE_LOG_SM_INFO 2
#define IKE_LOG_SM_DEBUG 3
void ike_sm_log_setup(int max_level, void (*hook)(int level, const char *line));
/* Tears everything down at exit (DELETE sent best-effort, SAs removed). */
void ike_sa_shutdown(struct ike_agent *a);

/* Listing for `xdpsec-ike list-sas`. No secrets. */
struct ike_sa_info {
	char conn[IKE_CONF_NAME_MAX];
	char state[16];            /* "connecting", "established", "rekeying", "deleting" */
	bool initiator;
	uint64_t spi_i, spi_r;
	struct sockaddr_storage local, remote;
	bool nat_local, nat_remote;
	char encr[32], prf[32], integ[32], dh[16];
	uint64_t established_s;    /* seconds since established */
	uint32_t n_children;
	struct ike_child_info {
		char name[IKE_CONF_NAME_MAX];
		char proto[4];         /* "esp"/"ah" */
		bool transport, encap;
		uint32_t spi_in, spi_out;
		char alg[48];          /* e.g. "aes128gcm16" */
		uint8_t n_local_ts, n_remote_ts;
		struct ike_ts local_ts[IKE_TS_MAX], remote_ts[IKE_TS_MAX];
		uint64_t established_s;
	} children[8];
};

int ike_sa_foreach(struct ike_agent *a, int (*fn)(const struct ike_sa_info *, void *),
		   void *arg);

/* ------------------------------------------------------------ agent */

/* Counters of dropped/refused input, for logs and tests. */
#define IKE_AGENT_COUNTERS(X)            \
	X(RX, "rx")                      \
	X(TX, "tx")                      \
	X(RETRANSMIT, "retransmit")      \
	X(DROP_MALFORMED, "drop_malformed") \
	X(DROP_NO_SA, "drop_no_sa")      \
	X(DROP_BAD_ICV, "drop_bad_icv")  \
	X(DROP_MSGID, "drop_msgid")      \
	X(DROP_HALF_OPEN, "drop_half_open") \
	X(DROP_HALF_OPEN_PEER, "drop_half_open_peer") \
	X(DROP_SA_LIMIT, "drop_sa_limit") \
	X(COOKIE_SENT, "cookie_sent")    \
	X(HALF_OPEN_EVICTED, "half_open_evicted") \
	X(HALF_OPEN_EXPIRED, "half_open_expired") \
	X(AUTH_FAILED, "auth_failed")    \
	X(AUTH_CERT_INVALID, "auth_cert_invalid") \
	X(AUTH_CERT_EXPIRED, "auth_cert_expired") \
	X(AUTH_CERT_NOT_YET_VALID, "auth_cert_not_yet_valid") \
	X(AUTH_CERT_UNTRUSTED, "auth_cert_untrusted") \
	X(AUTH_CERT_REVOKED, "auth_cert_revoked") \
	X(AUTH_CERT_NO_CRL, "auth_cert_no_crl") \
	X(AUTH_CERT_KEY_USAGE, "auth_cert_key_usage") \
	X(AUTH_ID_MISMATCH, "auth_id_mismatch") \
	X(AUTH_SIG_UNSUPPORTED, "auth_sig_unsupported") \
	X(AUTH_SIG_INVALID, "auth_sig_invalid") \
	X(FRAG_TX, "frag_tx")            \
	X(FRAG_RX, "frag_rx")            \
	X(FRAG_REASSEMBLED, "frag_reassembled") \
	X(DROP_FRAG, "drop_frag")        \
	X(NO_PROPOSAL, "no_proposal")    \
	X(ANSWERED_CACHED, "answered_cached") \
	X(INSTALL_FAILED, "install_failed") \
	X(ACQUIRE, "acquire")            \
	X(ACQUIRE_IGNORED, "acquire_ignored") \
	X(DP_RESTART_REKEY, "dp_restart_rekey") \
	X(TX_UNVERIFIED, "tx_unverified") \
	X(TX_UNVERIFIED_DROP, "tx_unverified_dropped") \
	X(RX_UNSTEERED, "rx_unsteered")

enum ike_agent_counter {
#define IKE_AC_ENUM(n, s) IKE_AC_##n,
	IKE_AGENT_COUNTERS(IKE_AC_ENUM)
#undef IKE_AC_ENUM
	IKE_AC_MAX
};

struct ike_agent {
	char instance[64];         /* the datapath daemon's instance */
	struct ike_config *cfg;    /* current configuration (owned) */
	char cfg_path[4096];
	struct ike_timer *timers;  /* shell's sorted list */
	struct ike_sa *sas;        /* state machine's list */
	struct ike_cookie_secret cookie;
	uint32_t half_open;        /* responder IKE SAs not yet authenticated */
	uint32_t next_reqid;
	uint64_t counters[IKE_AC_MAX];
	int fd4_500, fd4_4500, fd6_500, fd6_4500;
	/* Send-only twins of the four (same address and port, SO_REUSEPORT,
	 * every datagram steered to the ones above): IKE_SA_INIT responses
	 * to unverified initiators leave through them (net.c). -1: none. */
	int ufd4_500, ufd4_4500, ufd6_500, ufd6_4500;
	bool fake_nat;             /* tests: force NAT-T like libipsec peers */
	bool sm_dirty;             /* state machine: work due (dispatch.c) */
};

#endif
