/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The IKE SA store (ike_sa.c) and the message windows (window.c): the
 * state machine's objects — IKE SAs, Child SAs, their queued operations —
 * and sending requests and responses with the message-ID rules of
 * RFC 7296 §2.1-§2.4.
 *
 * This is the bottom of the state machine (docs/architecture.md, "IKE
 * state machine modules"): the store calls nothing above it. It never
 * runs an exchange or arms a timer whose callback lives above it; it
 * records what is due (a queued task, timers to arm, a retry, the reason
 * an SA died) and marks the agent dirty. The dispatcher (dispatch.c)
 * acts on that when the state machine's entry returns.
 *
 * Ownership: an IKE SA owns its Child SAs, its copy of the connection's
 * configuration (the shell may replace the configuration at any time),
 * its messages and all key material. ike_sa_kill() wipes and unlinks an
 * SA; its memory is released by ike_sa_gc() at a later entry into the
 * state machine, once the dispatcher has seen it die, so a caller further
 * up the stack never touches freed memory.
 */
#ifndef IKE_IKE_SA_H
#define IKE_IKE_SA_H

#include "msg.h"

#include "agent.h"
#include "config.h"
#include "crypto.h"
#include "dh.h"

/* -------------------------------------------------------------- limits */

/*
 * Denial of service, RFC 7296 §2.6 and RFC 8019 (docs/ike-config.md,
 * "Denial of service"). Responder IKE SAs not yet authenticated are
 * "half-open":
 * - from IKE_HALF_OPEN_COOKIE on, an IKE_SA_INIT request creates state
 *   only if it returns a valid COOKIE (§2.6); others get the COOKIE;
 * - then one address holds at most IKE_HALF_OPEN_PER_ADDR: one more
 *   displaces that address's oldest (RFC 8019 §4.2);
 * - at IKE_HALF_OPEN_MAX a request with a valid cookie displaces the
 *   oldest half-open SA of the address holding the most (RFC 8019 §6:
 *   prefer initiators that proved their address);
 * - only a half-open SA at least IKE_HALF_OPEN_EVICT_AGE_MS old is
 *   displaced (its IKE_AUTH is not on its way any more); without one the
 *   request is dropped and counted, and its initiator retransmits;
 * - a half-open SA waits IKE_HALF_OPEN_TIMEOUT_MS for IKE_AUTH, only
 *   IKE_HALF_OPEN_PRESSURE_MS once more than half the table is used
 *   (RFC 8019 §4.1).
 */
#define IKE_HALF_OPEN_COOKIE 10u
#define IKE_HALF_OPEN_PER_ADDR 16u
#define IKE_HALF_OPEN_MAX 100u
#define IKE_HALF_OPEN_EVICT_AGE_MS 1000u
#define IKE_HALF_OPEN_TIMEOUT_MS 30000u
#define IKE_HALF_OPEN_PRESSURE_MS 5000u
/* Bounded memory: IKE SAs in all (no cap per peer address: users behind
 * one carrier-grade NAT share it), lingering predecessors of one IKE SA
 * (a peer rekeying in a loop), Child SAs per IKE SA, queued operations
 * per IKE SA. */
#define IKE_SA_MAX 4096u
#define IKE_REKEY_CHAIN_MAX 4u
#define IKE_CHILD_MAX 32u
#define IKE_TASK_MAX 16u
/* Retransmission (§2.1, §2.4): first after 0.5 s, doubling, 5 sends in
 * all; the IKE SA is deleted when the last one goes unanswered. */
#define IKE_RTX_BASE_MS 500u
#define IKE_RTX_TRIES 5u
/* IKE_SA_INIT retries after COOKIE / INVALID_KE_PAYLOAD (§2.6, §1.2). */
#define IKE_INIT_RETRY_MAX 3u
/* Our nonces (§2.10: at least 128 bits and half the PRF key). */
#define IKE_NONCE_LEN 32u
/* NAT keepalive interval (RFC 3948 §4, 20 s is the usual default). */
#define IKE_KEEPALIVE_MS 20000u
/* Wait after TEMPORARY_FAILURE (§2.25: MUST NOT retry immediately). */
#define IKE_TEMPFAIL_DELAY_MS 2000u
/* Delay before keyingtries re-initiates a failed connection, and before
 * a Child SA whose install failed is created again. */
#define IKE_RETRY_DELAY_MS 5000u
/* A replaced IKE SA is removed after this long whatever happens. */
#define IKE_RETIRE_MS 60000u
/*
 * Make before break on the receiving side: a Child SA replaced by a
 * rekey keeps its inbound SA this long after its outbound one is gone,
 * so that ESP the peer sealed with it before switching (still in rings,
 * queues or on the wire) is opened, not dropped as an unknown SPI.
 */
#define IKE_INBOUND_GRACE_MS 3000u

/* ------------------------------------------------------------- states */

enum ike_sa_state {
	IKE_SA_I_WAIT,          /* initiator, IKE_SA_INIT not yet sent */
	IKE_SA_I_INIT,          /* initiator, IKE_SA_INIT sent */
	IKE_SA_I_AUTH,          /* initiator, IKE_AUTH sent */
	IKE_SA_R_INIT,          /* responder, half-open */
	IKE_SA_ESTABLISHED,
	IKE_SA_REKEYED,         /* replaced by a new IKE SA, to be deleted */
	IKE_SA_DELETING,        /* our DELETE is out */
	IKE_SA_DEAD,
};

enum ike_child_state {
	IKE_CHILD_INSTALLED,
	IKE_CHILD_REKEYING,     /* our rekey request is out */
	IKE_CHILD_REKEYED,      /* replaced (or unwanted), waiting for its DELETE */
	IKE_CHILD_DELETING,     /* our DELETE is out */
	IKE_CHILD_DEAD,
};

/* Operations queued on an IKE SA; window size 1 runs one at a time. */
enum ike_task_kind {
	IKE_TASK_NONE,
	IKE_TASK_INIT,          /* IKE_SA_INIT (a delayed start) */
	IKE_TASK_AUTH,          /* IKE_AUTH (internal) */
	IKE_TASK_CHILD_CREATE,  /* cfg = child config index */
	IKE_TASK_CHILD_REKEY,   /* spi = the Child SA's inbound SPI */
	IKE_TASK_CHILD_DELETE,  /* spi = the Child SA's inbound SPI */
	IKE_TASK_IKE_REKEY,
	IKE_TASK_IKE_DELETE,
	IKE_TASK_DPD,
	IKE_TASK_ERROR,         /* INFORMATIONAL carrying an error notify */
};

struct ike_task {
	uint8_t kind;
	uint16_t cfg;
	uint32_t spi;
	uint64_t not_before;    /* monotonic ms; 0: at once */
};

/* What the dispatcher does when an IKE SA dies (ike_sa_maybe_retry). */
enum ike_sa_retry {
	IKE_RETRY_NONE,
	IKE_RETRY_KEYINGTRIES,  /* initiation failed: again per keyingtries */
	IKE_RETRY_DPD,          /* dead peer: children with dpd_action=restart */
};

/* --------------------------------------------------------- Child SAs */

struct ike_child {
	struct ike_child *next;
	struct ike_sa *ike;
	uint16_t cfg_idx;       /* into ike->ccfg */
	enum ike_child_state state;
	struct ike_child_install inst;  /* alg_in/alg_out wiped once installed */
	const struct ike_encr *encr;
	const struct ike_integ *integ;
	uint16_t pfs;           /* DH group negotiated for rekeys, 0: none */
	bool installed_in, installed_out;
	bool out_active;        /* the outbound policies point at this SA */
	bool we_created;        /* we initiated the exchange that made it */
	bool arm_timers;        /* just established: the dispatcher arms them */
	bool install_failed;    /* kept only to be deleted on both sides */
	bool dp_lost;           /* the datapath restarted and lost it */
	uint32_t replaces;      /* spi_in of the SA it rekeyed, 0: none */
	bool collision;         /* §2.8.1: the peer rekeyed it while we did */
	uint64_t established_ms;
	/* §2.8.1: the nonces of the creating exchange */
	uint8_t ni[IKE_NONCE_MAX], nr[IKE_NONCE_MAX];
	uint16_t ni_len, nr_len;
	struct ike_timer rekey_timer, life_timer;
};

/* ----------------------------------------------------------- IKE SAs */

struct ike_req {
	bool active;
	uint8_t kind;           /* enum ike_task_kind */
	uint8_t exch;
	uint32_t msgid;
	uint8_t *buf;           /* as sent, for retransmission */
	size_t len;
	unsigned int tries;
	/* CREATE_CHILD_SA / INFORMATIONAL context */
	uint16_t cfg_idx;
	uint32_t spi;           /* Child SA concerned (its spi_in) */
	uint32_t new_spi;       /* our inbound SPI for the new Child SA */
	uint64_t new_ike_spi;   /* our SPI for the new IKE SA */
	uint8_t nonce[IKE_NONCE_MAX];
	uint16_t nonce_len;
	struct ike_dh *dh;
	unsigned int ke_retries;
	bool transport;
	uint16_t err_notify;    /* IKE_TASK_ERROR */
};

#define IKE_WHY_MAX 96u

struct ike_sa {
	struct ike_sa *next;
	struct ike_agent *agent;
	enum ike_sa_state state;
	bool initiator;         /* original initiator (§2.2) */
	uint64_t spi_i, spi_r;  /* the 8 wire octets, big-endian */
	uint32_t serial;        /* for logs */

	/* the configuration this SA runs with (a copy) */
	struct ike_conf_conn conn;      /* conn.children = ccfg */
	struct ike_conf_child *ccfg;
	size_t n_ccfg;
	struct ike_conf_id peer_id;     /* as authenticated */
	bool conn_bound;        /* responder: connection fixed by IKE_AUTH */

	struct ike_path path;
	bool nat_local, nat_remote;     /* §2.23, fakes included */

	/* negotiated */
	const struct ike_encr *encr;
	const struct ike_prf *prf;
	const struct ike_integ *integ;
	uint16_t dh_group;
	struct ike_keys keys;
	bool keys_ok;

	/* IKE_SA_INIT (initiator and responder) */
	struct ike_dh *dh;
	uint8_t ni[IKE_NONCE_MAX], nr[IKE_NONCE_MAX];
	uint16_t ni_len, nr_len;
	uint8_t *init_req, *init_resp;  /* for AUTH, §2.15 */
	size_t init_req_len, init_resp_len;
	uint8_t cookie[IKE_COOKIE_MAX];
	uint8_t cookie_len;
	unsigned int init_retries;
	uint16_t auth_cfg;      /* child of the IKE_AUTH exchange */
	bool auth_child;        /* IKE_AUTH carries a Child SA */
	uint32_t auth_spi;      /* its inbound SPI */
	unsigned int keyingtry;

	/* message IDs, §2.1-§2.2 */
	uint32_t msgid_next;    /* of our next request */
	uint32_t peer_next;     /* the peer's next request */
	struct ike_req req;
	uint8_t *last_req;      /* the peer's last request, for §2.1 */
	size_t last_req_len;
	uint8_t *resp;          /* our answer to it */
	size_t resp_len;
	uint32_t resp_msgid;
	bool resp_valid;
	struct ike_path resp_path;

	struct ike_task tasks[IKE_TASK_MAX];
	unsigned int ntasks;

	struct ike_child *children;
	unsigned int nchildren;

	uint64_t created_ms, established_ms, last_rx_ms;
	struct ike_timer rtx_timer;     /* retransmission */
	struct ike_timer task_timer;    /* the earliest delayed task */
	struct ike_timer rekey_timer, expire_timer, dpd_timer,
			 keepalive_timer, halfopen_timer;

	bool half_open;         /* counted in agent->half_open */
	struct ike_frag *frag;  /* RFC 7383 state (frag.c); NULL: none yet */
	/* §2.8.2: an IKE SA the peer made by rekeying this one while our
	 * own rekey was out */
	struct ike_sa *collide;
	struct ike_sa *rekeyed_from;    /* the SA this one replaces */
	bool children_moved;

	/* for the dispatcher (dispatch.c), set by the store */
	bool dirty;             /* something is due: see ike_sa_touch() */
	bool arm_timers;        /* just established: rekey, DPD, keepalive */
	bool arm_retire;        /* just replaced: the retire timer */
	bool handled;           /* dead, and the dispatcher has seen it */
	uint8_t retry;          /* enum ike_sa_retry, acted on when it dies */
	/* the last error notify the peer sent in a response (outcomes) */
	uint16_t peer_error;
	char why[IKE_WHY_MAX];  /* why it died */
	/* failed installs in a row per child config (retry backoff) */
	uint8_t install_fails[IKE_CONF_CHILDREN_MAX];
};

/* ------------------------------------------------------------- ike_sa.c */

/* ike_sa_log() levels: the numbers of agent.h's IKE_LOG_SM_* plus the
 * two the exchanges have always used (1 events, 2 every message). */
#define IKE_SA_LOG_ERR (-1)
#define IKE_SA_LOG_WARN 0
#define IKE_SA_LOG_INFO 1
#define IKE_SA_LOG_DEBUG 2

/* Lines above this level are dropped (default IKE_SA_LOG_INFO). */
extern int ike_sa_log_level;
/* One event line: "<conn> #<serial> <spi_i>/<spi_r>: <text>" for an SA,
 * the text alone without one. Never a secret. */
void ike_sa_log(const struct ike_sa *sa, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A Child SA event: the SA's prefix, then "<child> <spi_in>/<spi_out>: ". */
void ike_child_log(const struct ike_child *c, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline void ike_count(struct ike_agent *a, enum ike_agent_counter c)
{
	a->counters[c]++;
}

/* A new IKE SA of conn (copied) linked into the agent; NULL + errno. */
struct ike_sa *ike_sa_new(struct ike_agent *a, const struct ike_conf_conn *conn,
			  bool initiator);
/* Replaces the SA's configuration copy with conn's. 0 or -ENOMEM. */
int ike_sa_bind_conn(struct ike_sa *sa, const struct ike_conf_conn *conn);
/* Deletes the SA locally: children uninstalled, timers off, secrets
 * wiped, why kept for the dispatcher. */
void ike_sa_kill(struct ike_sa *sa, const char *why);
/* Frees the SAs and Child SAs killed before, once the dispatcher has seen
 * them. Call at the start of every entry into the state machine. */
void ike_sa_gc(void);
/* The next SA of a that died and the dispatcher has not seen (marked
 * seen now), or NULL. Valid until the next ike_sa_gc(). */
struct ike_sa *ike_sa_take_dead(struct ike_agent *a);
struct ike_sa *ike_sa_find(struct ike_agent *a, uint64_t spi_i, uint64_t spi_r);
bool ike_sa_alive(const struct ike_sa *sa);
void ike_sa_set_half_open(struct ike_sa *sa, bool on);
uint64_t ike_sa_new_spi(struct ike_agent *a);
uint32_t ike_child_new_spi(struct ike_agent *a);
const char *ike_sa_state_name(const struct ike_sa *sa);
/* Marks sa (and its agent) for the dispatcher's next pass. */
void ike_sa_touch(struct ike_sa *sa);
/* Frees the outstanding request's context and stops its retransmission. */
void ike_sa_req_clear(struct ike_sa *sa);

/* Queues an operation (duplicates are merged); it runs when the entry
 * into the state machine returns, after delay_ms at the earliest. */
int ike_sa_task_add(struct ike_sa *sa, uint8_t kind, uint16_t cfg, uint32_t spi);
int ike_sa_task_add_later(struct ike_sa *sa, uint8_t kind, uint16_t cfg,
			  uint32_t spi, uint64_t delay_ms);
/* Whether an operation of kind for config cfg (any spi) is queued. */
bool ike_sa_task_queued(const struct ike_sa *sa, uint8_t kind, uint16_t cfg);

/* The SA just became ESTABLISHED (IKE_AUTH or rekey). */
void ike_sa_established(struct ike_sa *sa);
/* When the SA dies, re-initiate it per keyingtries (dpd false) or bring
 * the children with dpd_action = restart back (dpd true). */
void ike_sa_maybe_retry(struct ike_sa *sa, bool dpd);
/* from was replaced by a rekey: it only waits for its DELETE now, and
 * is removed after IKE_RETIRE_MS whatever happens. */
void ike_sa_retire(struct ike_sa *from);
/* Moves every Child SA and queued Child SA task of from to to (IKE SA
 * rekey, §2.18). */
void ike_sa_move_children(struct ike_sa *from, struct ike_sa *to);

/* Child SAs */
struct ike_child *ike_child_new(struct ike_sa *sa, uint16_t cfg_idx);
struct ike_child *ike_child_by_in(struct ike_sa *sa, uint32_t spi_in);
struct ike_child *ike_child_by_out(struct ike_sa *sa, uint8_t proto,
				   uint32_t spi_out);
bool ike_child_spi_used(struct ike_agent *a, uint32_t spi);
/* Removes the Child SA from the datapath (switching the outbound policies
 * to a sibling of the same reqid if it holds them; the inbound SA of one
 * replaced by a rekey lingers IKE_INBOUND_GRACE_MS) and frees it. */
void ike_child_kill(struct ike_child *c, const char *why);
/* The Child SA is installed: its timers are armed by the dispatcher. */
void ike_child_up(struct ike_child *c);
/* The Child SA of c's reqid family that holds the outbound policies. */
struct ike_child *ike_child_out_holder(struct ike_child *c);
/* Removes every lingering inbound SA now (shutdown, tests). */
void ike_child_linger_flush(struct ike_agent *a);
/* Inbound SAs waiting for their grace period to end. */
unsigned int ike_child_lingering(const struct ike_agent *a);

/* Nonce order of §2.8.1: octet by octet, a prefix is lower. */
int ike_nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* ------------------------------------------------------------ window.c */

/* Messages. An encrypted message is built in struct ike_out. */
struct ike_out {
	struct ike_enc e;
	size_t len;
	uint8_t buf[IKE_MSG_MAX];
};

/* Header for this SA (flags from role and response), then SK opened
 * when the SA has keys and exch is not IKE_SA_INIT. */
int ike_out_begin(struct ike_sa *sa, struct ike_out *o, uint8_t exch,
		  bool response, uint32_t msgid);
/* Encrypts (§3.14); o->len gets the length. */
int ike_out_seal(struct ike_sa *sa, struct ike_out *o);
/* Sends a request (msgid_next) and keeps it for retransmission, which
 * the dispatcher schedules. */
int ike_sa_send_request(struct ike_sa *sa, struct ike_out *o, uint8_t kind);
/* Sends the outstanding request again (§2.1, §2.4). */
void ike_sa_retransmit(struct ike_sa *sa);
/* Sends a response and caches it for a retransmitted request (§2.1). */
int ike_sa_send_response(struct ike_sa *sa, const struct ike_path *path,
			 struct ike_out *o);
/* Encrypted response carrying only one notify. */
int ike_sa_respond_notify(struct ike_sa *sa, const struct ike_path *path,
			  uint8_t exch, uint32_t msgid, uint16_t type,
			  uint8_t proto, uint32_t spi, const void *data,
			  size_t len);
/* The outstanding request was answered (or gave up): frees its context;
 * the next queued task runs when the entry returns. */
void ike_sa_request_done(struct ike_sa *sa);
/* §2.1: answers a retransmitted request with the cached response if it
 * is the very request we answered; true when it did. */
bool ike_sa_answer_cached(struct ike_sa *sa, const struct ike_path *path,
			  const uint8_t *msg, size_t len, uint32_t msgid);
/* Keeps the peer's request (authenticated) for ike_sa_answer_cached. */
void ike_sa_keep_request(struct ike_sa *sa, const uint8_t *msg, size_t len);

#endif
