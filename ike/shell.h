/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The shell's own interfaces (agent.h is the contract with the state
 * machine; this header is what the shell's files share among themselves
 * and with their unit test): logging (log.c), the timer list (timer.c),
 * UDP sockets and the non-ESP marker (net.c), building and sending the
 * datapath daemon's commands (install.c), reading its listings
 * (expire.c), following its events (dp_events.c, dp_gen.c) and the
 * agent's own control socket (control.c).
 *
 * Module state that agent.h has no field for (install tables, counters)
 * lives in the files themselves: one agent per process.
 */
#ifndef IKE_SHELL_H
#define IKE_SHELL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "agent.h"

struct xs_outbuf;

/* ------------------------------------------------------------ log.c */

enum ike_log_level {
	IKE_LOG_ERR = 0,
	IKE_LOG_WARN,
	IKE_LOG_INFO,
	IKE_LOG_DEBUG,
};

/* Messages above level are dropped (default IKE_LOG_INFO). */
void ike_shell_log_level(int level);
/* "error", "warn" ("warning"), "info", "debug" to a level; -1 if none. */
int ike_shell_log_level_parse(const char *name);
/* Lines go to syslog (daemon facility) instead of stderr. */
void ike_shell_log_syslog(bool on);
/* The state machine's log hook (ike_sm_log_setup): its lines as ours. */
void ike_shell_log_sm_line(int level, const char *line);
/* One line to stderr with a timestamp. Never pass a key or a PSK. */
void ike_shell_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "10.0.0.1[500]" / "2001:db8::1[4500]"; returns buf. */
#define IKE_ADDR_STR_MAX 56
const char *ike_sockaddr_str(const struct sockaddr_storage *ss,
			     char buf[IKE_ADDR_STR_MAX]);

/* ---------------------------------------------------------- timer.c */

/* Fires every timer due at now (at most a bounded number per call, so a
 * timer re-arming itself for 0 ms cannot starve the sockets). */
void ike_timer_run(struct ike_agent *a, uint64_t now);
/* Milliseconds from now to the earliest timer (0 if overdue), or -1 when
 * none is armed; clamped to INT32_MAX. */
int ike_timer_next_ms(const struct ike_agent *a, uint64_t now);

/* ------------------------------------------------------------ net.c */

/* What a datagram is (RFC 3948 §2.2 on port 4500). */
enum ike_net_kind {
	IKE_NET_IKE = 0,        /* an IKE message starts at *off */
	IKE_NET_KEEPALIVE,      /* NAT-keepalive (RFC 3948 §2.3): ignore */
	IKE_NET_ESP,            /* ESP on 4500: the datapath's, not ours */
	IKE_NET_RUNT,           /* too short to be any of them */
};

enum ike_net_kind ike_net_classify(bool natt, const uint8_t *buf, size_t len,
				   size_t *off);

/* The agent's rx/tx counters (agent.h) are the state machine's. */
struct ike_net_stats {
	uint64_t rx_datagrams;  /* every datagram read */
	uint64_t rx_ike;        /* handed to ike_sa_input() */
	uint64_t rx_keepalive;
	uint64_t rx_esp;        /* ESP reaching the 4500 socket: dropped */
	uint64_t rx_runt;
	uint64_t rx_truncated;  /* bigger than the receive buffer */
	uint64_t rx_errors;
	uint64_t tx_ike;        /* IKE messages sent */
	uint64_t tx_keepalive;
	uint64_t tx_errors;
};

void ike_net_stats_get(struct ike_net_stats *s);

/* Sets every socket of the agent to -1. */
void ike_net_init(struct ike_agent *a);
/*
 * Opens the four sockets for cfg: per family, bound to the one local
 * address the connections use, or to the wildcard when they use several
 * (IP_PKTINFO/IPV6_RECVPKTINFO tell which address a request hit). A family
 * no connection uses gets no socket, unless no connection exists at all.
 * Called again (reload) it rebinds only if the plan changed, and keeps
 * the old sockets when the new ones cannot be opened. 0 or -errno + err.
 */
int ike_net_open(struct ike_agent *a, const struct ike_config *cfg, char *err,
		 size_t errlen);
void ike_net_close(struct ike_agent *a);
/* Tests: other ports than 500 and 4500 (0: ephemeral). The next
 * ike_net_open() rebinds. */
void ike_net_set_ports(uint16_t ike, uint16_t natt);
/* One non-blocking UDP socket bound to addr (address and port) with the
 * packet-info options set; fd or -errno. */
int ike_net_socket(const struct sockaddr_storage *addr, char *err, size_t errlen);
/* Reads the datagrams waiting on fd (one of the agent's sockets; the
 * 4500 ones strip the marker) and hands IKE messages to ike_sa_input. */
void ike_net_recv(struct ike_agent *a, int fd);

/* -------------------------------------------------------- install.c */

/* A datapath command as words pointing into buf. May hold keys: wipe. */
#define IKE_WORDS_MAX 64
#define IKE_WORDS_BUF 2048
struct ike_words {
	int argc;
	bool full;              /* something did not fit */
	size_t used;
	char *argv[IKE_WORDS_MAX + 1];
	char buf[IKE_WORDS_BUF];
};

void ike_words_init(struct ike_words *w);
void ike_words_add(struct ike_words *w, const char *word);
void ike_words_addf(struct ike_words *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Splits s at spaces into words; "" stands for an empty word. */
void ike_words_split(struct ike_words *w, const char *s);
/* Wipes buf and the pointers (OPENSSL_cleanse). */
void ike_words_wipe(struct ike_words *w);

/* An address prefix of a traffic selector range. */
struct ike_prefix {
	uint8_t family;
	uint8_t len;
	uint8_t addr[16];
};

/* The most prefixes one TS range yields: 2 * 128 - 2 for IPv6. */
#define IKE_TS_PREFIXES_MAX 254u

/*
 * The smallest set of prefixes covering exactly ts->start..ts->end, in
 * address order. 0; -EINVAL for a bad family or start > end; -ENOSPC if
 * more than max are needed.
 */
int ike_ts_prefixes(const struct ike_ts *ts, struct ike_prefix *out, size_t max,
		    size_t *n);
/* "10.0.0.0/24"; returns buf. */
const char *ike_prefix_str(const struct ike_prefix *p, char buf[64]);

/* One outbound policy: a local TS × remote TS piece. */
struct ike_policy_sel {
	struct ike_prefix src, dst;
	uint8_t proto;          /* 0 = any */
	uint16_t sport_lo, sport_hi;    /* ICMP: type */
	uint16_t dport_lo, dport_hi;    /* ICMP: code */
};

/* Most policies one Child SA may need. */
#define IKE_POLICIES_MAX 256u

/*
 * The outbound policies of c: every local_ts × remote_ts pair of one
 * family, split into prefixes. Pairs no packet can match (protocols
 * differ, OPAQUE ports, ports without a port-carrying protocol) are left
 * out. 0; -E2BIG past max; -ENOENT if no pair is left.
 */
int ike_install_policies(const struct ike_child_install *c,
			 struct ike_policy_sel *out, size_t max, size_t *n);

/* dir: 1 in, 2 out (as ike_uninstall). */
#define IKE_INSTALL_IN 1
#define IKE_INSTALL_OUT 2

/*
 * The agent's owner tag in the datapath: the reqids it gives Child SAs
 * (a->next_reqid counts up from IKE_REQID_BASE). Below the range the
 * daemon picks for SAs added without a reqid (2^30 up); static SAs must
 * not use it. A restarted agent removes the SAs of this range it finds.
 */
#define IKE_REQID_BASE (1u << 29)
#define IKE_REQID_END (1u << 30)
bool ike_install_reqid_ours(uint32_t reqid);

/* Every SA the agent installs carries `time-hard`: the Child SA's life
 * (life_time, else rekey_time, else the fallback) plus this margin, so
 * that nothing outlives a dead agent's Child SA by more than the margin
 * (it covers the inbound grace period and a late rekey exchange). */
#define IKE_DP_HARD_MARGIN_S 30u
#define IKE_DP_LIFE_FALLBACK_S (24u * 3600u)
/* The time-hard seconds of a Child SA of cc (NULL: no config found). */
uint32_t ike_install_hard_time(const struct ike_conf_child *cc);

/* The `sa add ...` words of c for dir. 0 or -EINVAL/-ENOSPC. */
int ike_install_sa_words(const struct ike_child_install *c, int dir,
			 struct ike_words *w);
/* The same with `limit time-hard hard_s` (0: none). */
int ike_install_sa_words_life(const struct ike_child_install *c, int dir,
			      uint32_t hard_s, struct ike_words *w);
/* `policy add src .. dst .. [proto ..] [sport ..] [dport ..] dir out spi ..` */
/* dir: IKE_INSTALL_IN writes the inbound mirror (remote src, local dst). */
int ike_install_policy_words_dir(const struct ike_policy_sel *s, uint32_t spi, int dir,
				 struct ike_words *w);
int ike_install_policy_words(const struct ike_policy_sel *s, uint32_t spi,
			     struct ike_words *w);

/*
 * How commands reach the datapath daemon. The default connects to the
 * control socket of instance (ctl/ctl.h). On 0, *status is the
 * daemon's status and *text its malloc'ed reply (the caller frees it).
 */
typedef int (*ike_dp_fn)(void *arg, const char *instance, int argc,
			 char *const argv[], int *status, char **text);
/* Tests: NULL restores the control socket. */
void ike_install_set_transport(ike_dp_fn fn, void *arg);
/* Sends one command: 0, the daemon's -errno (its message in err), or a
 * transport -errno. text may be NULL; otherwise the caller frees *text. */
int ike_dp_command(const char *instance, int argc, char *const argv[], char **text,
		   char *err, size_t errlen);

/* What the shell installed (for the expiry watch and the CLI). */
struct ike_install_stats {
	uint64_t commands, failures;
	uint32_t sas, policies;
	uint32_t held;          /* policies kept without SA (fail closed) */
};
void ike_install_stats_get(struct ike_install_stats *s);
/* Forgets every installed SA and policy id (tests; exit). */
void ike_install_reset(void);
/* Exit, after ike_sa_shutdown(): deletes the SAs still installed; the
 * policies stay (dropping their flows) for the next agent to take over. */
void ike_install_flush(struct ike_agent *a);
/*
 * Fail closed while configured: the policies of a Child SA that goes
 * (terminate, DPD, DELETE, expiry, failed install) stay in the datapath,
 * naming no SA, so their flows are dropped; the next Child SA with the
 * same selectors takes them over. This deletes the ones of connections
 * no longer in a->cfg (after a reload).
 */
void ike_install_prune(struct ike_agent *a);
/*
 * The datapath daemon restarted (a new generation): forgets the SAs it
 * had and holds every policy, so that the Child SAs re-installed into it
 * (ike_agent_dp_restarted) take over the policies it kept or add them
 * again. Call it before ike_agent_dp_restarted().
 */
void ike_install_dp_restarted(void);
/*
 * The trap policies of every `start_action = trap` child of a->cfg (with a
 * remote address): its configured selectors as PROTECT policies with no
 * SA, so that the datapath drops the first packets and reports acquires;
 * the first Child SA takes them over, and they stay (held) when it goes.
 * all: every trap child (at start, after a daemon restart); else only
 * those with no policy yet (after a reload). Failures are logged.
 */
void ike_install_traps(struct ike_agent *a, bool all);
/* The `start_action = trap` child whose policy id is (an acquire names
 * it): its connection and child names, valid until the next install;
 * false if id is not a trap child's. */
bool ike_install_trap_owner(const struct ike_agent *a, uint32_t id, const char **conn,
			    const char **child);
/*
 * The daemon's generation (dp_gen.c): asked on a generation or attach
 * event (dp_events.c); a new generation of an attached daemon re-installs
 * every Child SA (ike_install_dp_restarted, the trap policies, then
 * ike_agent_dp_restarted). ike_dp_gen_parse reads `-j status`: 0 or
 * -EINVAL.
 */
void ike_dp_gen_check(struct ike_agent *a);
int ike_dp_gen_parse(const char *json, uint64_t *generation, bool *attached);
/*
 * At start: removes the datapath SAs of the agent's reqid range (left by
 * a previous agent that died) and keeps every PROTECT policy that names
 * no SA of someone else as held, for new Child SAs to take over. 0 or
 * -errno (logged; e.g. no datapath daemon).
 */
int ike_install_adopt(struct ike_agent *a);

/*
 * For the expiry watch: records that the datapath reported the SA (spi,
 * proto (IKE_PROTO_*), dir) soft (hard) expired. Returns true, and the
 * Child SA's inbound SPI in *spi_in, only the first time each level is
 * seen for an SA the shell installed.
 */
bool ike_install_note_expired(uint32_t spi, uint8_t proto, int dir, bool hard,
			      uint32_t *spi_in);

/* --------------------------------------------------------- expire.c */

/* One SA of `xdpsec -j sa list`. */
struct ike_dp_sa {
	uint32_t spi;
	uint32_t reqid;
	uint8_t proto;          /* IKE_PROTO_ESP / _AH */
	int dir;                /* IKE_INSTALL_IN / _OUT */
	bool soft_expired, hard_expired;
};

/* Parses the JSON array of `sa list`, calling fn per SA (non-zero stops).
 * 0 or -EINVAL for text that is not that array. */
int ike_expire_parse(const char *json, size_t len,
		     int (*fn)(const struct ike_dp_sa *sa, void *arg), void *arg);
/* One policy of `xdpsec -j policy list`. */
#define IKE_DP_PROTECT 1
#define IKE_DP_OTHER 2
struct ike_dp_policy {
	uint32_t id;
	uint32_t spi;           /* 0: none */
	int dir;                /* IKE_INSTALL_IN / _OUT */
	int action;             /* IKE_DP_PROTECT / _OTHER */
};

/* Parses the JSON array of `policy list`, as ike_expire_parse. */
int ike_dp_policies_parse(const char *json, size_t len,
			  int (*fn)(const struct ike_dp_policy *p, void *arg), void *arg);

/* ------------------------------------------------------ dp_events.c */

/* Subscribes to the datapath daemon's events; on failure retries once a
 * second (a timer) until it works. 0 or -errno. */
int ike_dp_events_connect(struct ike_agent *a);
/* The subscription's fd for poll() (POLLIN), -1 while there is none. */
int ike_dp_events_fd(void);
/* Reads and acts on what arrived; a closed stream is resubscribed. */
void ike_dp_events_read(struct ike_agent *a);
void ike_dp_events_close(struct ike_agent *a);
/* Acts on one event line (the daemon's text format, no newline). */
void ike_dp_event(struct ike_agent *a, const char *line);

/* -------------------------------------------------------- control.c */

#define IKE_DEFAULT_INSTANCE "default"

/* Global options of xdpsec-ike: -i NAME, -j/--json, -h/--help. */
struct ike_ctl_opts {
	const char *instance;
	bool json;
	bool help;
};
/* Index of the first word after the options, or -EINVAL + err. */
int ike_ctl_parse_global(int argc, char **argv, struct ike_ctl_opts *o, char *err,
			 size_t errlen);
/* XS_CTL_RUN_DIR/<instance>-ike.sock */
int ike_ctl_path(const char *instance, char *buf, size_t len);
/* Serves the agent's control socket (ctl/server.h; lock
 * XS_CTL_RUN_DIR/<instance>-ike.lock); refuses when another agent holds
 * the lock. The server, or NULL + err. */
struct xs_ctl_srv;
struct xs_ctl_srv *ike_ctl_listen(struct ike_agent *a, const char *instance, char *err,
				  size_t errlen);
/* Closes the server (answers nobody still waiting), removes its files. */
void ike_ctl_close(void);
/* Runs one request (words as the client sent them): 0 with the output in
 * out, or -errno with a one-line message in err. */
int ike_ctl_run(struct ike_agent *a, int argc, char **argv, struct xs_outbuf *out,
		char *err, size_t errlen);
/* Re-reads a->cfg_path; on any problem nothing running changes. */
int ike_ctl_reload(struct ike_agent *a, char *err, size_t errlen);
/* The client: sends argv to the agent, prints the answer; exit status. */
int ike_ctl_client(const char *instance, int argc, char **argv);
/* The usage text. */
void ike_ctl_usage(struct xs_outbuf *out);

#endif
