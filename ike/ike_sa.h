/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The IKEv2 state machine's objects (RFC 7296): IKE SAs, Child SAs, the
 * request/response windows, and what its files share: ike_sa.c (objects,
 * windows, input), sa_entry.c (agent.h's other entries), exch_init.c,
 * exch_auth.c, exch_child.c, exch_info.c (one exchange each),
 * proposal.c and ts.c. The public entries are in agent.h; nothing here
 * is for the shell.
 *
 * Ownership: an IKE SA owns its Child SAs, its copy of the connection's
 * configuration (the shell may replace the configuration at any time),
 * its messages and all key material. ike_sa_kill() wipes and unlinks an
 * SA; its memory is released at the next entry into the state machine,
 * so a caller further up the stack never touches freed memory.
 */
#ifndef IKE_IKE_SA_H
#define IKE_IKE_SA_H

#include "msg.h"

#include "agent.h"
#include "config.h"
#include "crypto.h"
#include "dh.h"

/* -------------------------------------------------------------- limits */

/* Responder IKE SAs not yet authenticated: above IKE_HALF_OPEN_COOKIE new
 * IKE_SA_INIT requests must carry a COOKIE (RFC 7296 §2.6); at
 * IKE_HALF_OPEN_MAX they are dropped. */
#define IKE_HALF_OPEN_COOKIE 10u
#define IKE_HALF_OPEN_MAX 100u
/* A half-open responder SA waits this long for IKE_AUTH. */
#define IKE_HALF_OPEN_TIMEOUT_MS 30000u
/* Bounded memory: IKE SAs in all, per peer address, Child SAs per IKE SA,
 * queued operations per IKE SA. */
#define IKE_SA_MAX 4096u
#define IKE_SA_PER_PEER_MAX 16u
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
/* Delay before keyingtries re-initiates a failed connection. */
#define IKE_RETRY_DELAY_MS 5000u

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
	IKE_CHILD_REKEYED,      /* replaced, waiting for its DELETE */
	IKE_CHILD_DELETING,     /* our DELETE is out */
	IKE_CHILD_DEAD,
};

/* Operations queued on an IKE SA; window size 1 runs one at a time. */
enum ike_task_kind {
	IKE_TASK_NONE,
	IKE_TASK_INIT,          /* IKE_SA_INIT (internal) */
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
};

/* A proposal selected (responder) or accepted (initiator), §3.3.6. */
struct ike_choice {
	uint8_t num;            /* Proposal Num */
	uint8_t protocol;       /* IKE_PROTO_* */
	uint8_t spi_len;
	uint8_t spi[IKE_MAX_SPI_LEN];   /* the peer's SPI */
	const struct ike_encr *encr;    /* NULL for AH */
	const struct ike_prf *prf;      /* IKE only */
	const struct ike_integ *integ;  /* NULL with AEAD */
	uint16_t dh;            /* 0: none */
	uint16_t esn;           /* IKE_ESN_*; ESP/AH only */
	bool has_esn;
	/* the transforms as they go back in the answer */
	uint8_t nxf;
	struct ike_xform_pld {
		uint8_t type;
		uint16_t id, keylen;
	} xf[5];
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
	struct ike_timer rtx_timer;     /* retransmission / delayed start */
	struct ike_timer task_timer;    /* delayed task run */
	struct ike_timer rekey_timer, expire_timer, dpd_timer,
			 keepalive_timer, halfopen_timer;

	bool half_open;         /* counted in agent->half_open */
	struct ike_frag *frag;  /* RFC 7383 state (frag.c); NULL: none yet */
	/* §2.8.2: an IKE SA the peer made by rekeying this one while our
	 * own rekey was out */
	struct ike_sa *collide;
	struct ike_sa *rekeyed_from;    /* the SA this one replaces */
	bool children_moved;
};

/* ------------------------------------------------------------- ike_sa.c */

/* 0 quiet, 1 events (default), 2 every message. Lines go to the hook
 * when set (e.g. the shell's logger), else to stderr; never a secret. */
extern int ike_sa_log_level;
extern void (*ike_sa_log_hook)(int level, const char *line);
void ike_sa_log(const struct ike_sa *sa, int level, const char *fmt, ...)
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
/* Deletes the SA locally: children uninstalled, timers off, secrets wiped. */
void ike_sa_kill(struct ike_sa *sa, const char *why);
void ike_sa_gc(void);
struct ike_sa *ike_sa_find(struct ike_agent *a, uint64_t spi_i, uint64_t spi_r);
bool ike_sa_alive(const struct ike_sa *sa);
unsigned int ike_sa_count_peer(struct ike_agent *a,
			       const struct sockaddr_storage *remote);
void ike_sa_set_half_open(struct ike_sa *sa, bool on);
uint64_t ike_sa_new_spi(struct ike_agent *a);
uint32_t ike_child_new_spi(struct ike_agent *a);
const char *ike_sa_state_name(const struct ike_sa *sa);

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
/* Sends a request (msgid_next) and keeps it for retransmission. */
int ike_sa_send_request(struct ike_sa *sa, struct ike_out *o, uint8_t kind);
/* Sends a response and caches it for a retransmitted request (§2.1). */
int ike_sa_send_response(struct ike_sa *sa, const struct ike_path *path,
			 struct ike_out *o);
/* Encrypted response carrying only one notify. */
int ike_sa_respond_notify(struct ike_sa *sa, const struct ike_path *path,
			  uint8_t exch, uint32_t msgid, uint16_t type,
			  uint8_t proto, uint32_t spi, const void *data,
			  size_t len);
/* The outstanding request was answered (or gave up): frees its context
 * and runs the next queued task. */
void ike_sa_request_done(struct ike_sa *sa);

int ike_sa_task_add(struct ike_sa *sa, uint8_t kind, uint16_t cfg, uint32_t spi);
void ike_sa_task_run(struct ike_sa *sa);
void ike_sa_task_delay(struct ike_sa *sa, uint64_t ms);

/* The SA just became ESTABLISHED (IKE_AUTH or rekey): timers. */
void ike_sa_established(struct ike_sa *sa);
/* Re-initiates after a failure when keyingtries / dpd_action allow. */
void ike_sa_maybe_retry(struct ike_sa *sa, bool dpd);
/* A new initiator IKE SA of conn for its children idx[0..n): the first
 * in IKE_AUTH, the others queued; IKE_SA_INIT goes out after delay_ms
 * (0: now). sa_entry.c. NULL + errno. */
struct ike_sa *ike_sa_start_conn(struct ike_agent *a,
				 const struct ike_conf_conn *conn,
				 const uint16_t *idx, unsigned int n,
				 unsigned int keyingtry, uint64_t delay_ms);
/* Arms the delayed IKE_SA_INIT of an initiator SA in IKE_SA_I_WAIT. */
void ike_sa_start_later(struct ike_sa *sa, uint64_t ms);

/* Child SAs */
struct ike_child *ike_child_new(struct ike_sa *sa, uint16_t cfg_idx);
struct ike_child *ike_child_by_in(struct ike_sa *sa, uint32_t spi_in);
struct ike_child *ike_child_by_out(struct ike_sa *sa, uint8_t proto,
				   uint32_t spi_out);
bool ike_child_spi_used(struct ike_agent *a, uint32_t spi);
/* Removes the Child SA from the datapath (switching the outbound policies
 * to a sibling of the same reqid if it holds them) and frees it. */
void ike_child_kill(struct ike_child *c, const char *why);
void ike_child_arm_timers(struct ike_child *c);
/* Moves every Child SA and queued Child SA task of from to to (IKE SA
 * rekey, §2.18). */
void ike_sa_move_children(struct ike_sa *from, struct ike_sa *to);
/* from was replaced by a rekey: it only waits for its DELETE now, and
 * is removed after IKE_RETIRE_MS whatever happens. */
void ike_sa_retire(struct ike_sa *from);
#define IKE_RETIRE_MS 60000u

/* Nonce order of §2.8.1: octet by octet, a prefix is lower. */
int ike_nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* ---------------------------------------------------------- exchanges */

/* exch_init.c */
int ike_init_start(struct ike_sa *sa);
void ike_init_recv_request(struct ike_agent *a, const struct ike_path *path,
			   struct ike_msg *m);
void ike_init_recv_response(struct ike_sa *sa, const struct ike_path *path,
			    struct ike_msg *m);
/* Answers an unauthenticated message with an unprotected notify. */
void ike_init_answer_notify(struct ike_agent *a, const struct ike_path *path,
			    const struct ike_hdr *h, uint16_t type,
			    const void *data, size_t len);

/* exch_auth.c */
int ike_auth_start(struct ike_sa *sa);
void ike_auth_recv_request(struct ike_sa *sa, const struct ike_path *path,
			   struct ike_msg *m);
void ike_auth_recv_response(struct ike_sa *sa, struct ike_msg *m);

/* exch_child.c. ke_group: 0, or the group a peer asked for with
 * INVALID_KE_PAYLOAD. */
int ike_child_start_create(struct ike_sa *sa, uint16_t cfg_idx, uint16_t ke_group);
int ike_child_start_rekey(struct ike_sa *sa, uint32_t spi_in, uint16_t ke_group);
int ike_rekey_start(struct ike_sa *sa, uint16_t ke_group);
void ike_child_recv_request(struct ike_sa *sa, const struct ike_path *path,
			    struct ike_msg *m);
void ike_child_recv_response(struct ike_sa *sa, struct ike_msg *m);
/*
 * Negotiation shared by IKE_AUTH and CREATE_CHILD_SA. Responder: picks
 * the child config and proposal and narrows the selectors; returns 0 or
 * the error notify type to answer with.
 */
struct ike_child_offer {
	const struct ike_sa_pld *sa;    /* the peer's SA payload */
	struct ike_ts_list tsi, tsr;
	bool transport;                 /* USE_TRANSPORT_MODE */
	bool rekey;                     /* CREATE_CHILD_SA: D-H allowed */
	uint16_t ke_group;              /* the peer's KE, 0: none */
	int only_cfg;                   /* -1 any, else this config */
};
struct ike_child_pick {
	uint16_t cfg_idx;
	struct ike_choice ch;
	bool transport;
	uint8_t n_local, n_remote;
	struct ike_ts local[IKE_TS_MAX], remote[IKE_TS_MAX];
};
uint16_t ike_child_select(struct ike_sa *sa, const struct ike_child_offer *o,
			  struct ike_child_pick *p);
/* Initiator: checks the responder's answer (SA, TSi, TSr, transport)
 * against what we proposed for config cfg_idx: our_i/our_r are the
 * selectors we sent as TSi/TSr. 0 or the reason as a notify type. */
uint16_t ike_child_verify(struct ike_sa *sa, uint16_t cfg_idx,
			  const struct ike_sa_pld *sa_pl, bool no_dh,
			  const struct ike_ts *our_i, uint8_t n_i,
			  const struct ike_ts *our_r, uint8_t n_r,
			  const struct ike_ts_list *tsi,
			  const struct ike_ts_list *tsr, bool transport,
			  bool want_transport, struct ike_child_pick *p);
/* Our SA payload for child config cfg_idx with spi_in; D-H transforms
 * only with_dh (CREATE_CHILD_SA), first_dh first. */
int ike_child_enc_sa_offer(struct ike_sa *sa, struct ike_enc *e,
			   uint16_t cfg_idx, uint32_t spi_in, bool with_dh,
			   uint16_t first_dh);
/* TSi, TSr from child config cfg_idx (dynamic = the IKE addresses). */
int ike_child_enc_ts_offer(struct ike_sa *sa, struct ike_enc *e,
			   uint16_t cfg_idx);
/* The responder's SA (with spi_in), TSi, TSr for a pick. */
int ike_child_enc_answer(struct ike_sa *sa, struct ike_enc *e,
			 const struct ike_child_pick *p, uint32_t spi_in);
/*
 * Derives keys (§2.17), installs the inbound SA and, with install_out,
 * the outbound one (replacing old_spi_out, 0: none), then arms the
 * timers. c->inst.spi_in is set by the caller (and reqid for a rekey).
 * gir may be NULL. ni/nr are the nonces of the exchange.
 */
int ike_child_establish(struct ike_sa *sa, struct ike_child *c,
			const struct ike_child_pick *p, bool we_initiated,
			const uint8_t *gir, size_t gir_len,
			const uint8_t *ni, size_t ni_len,
			const uint8_t *nr, size_t nr_len, bool install_out,
			uint32_t old_spi_out);
/* The Child SA of c's reqid family that holds the outbound policies. */
struct ike_child *ike_child_out_holder(struct ike_child *c);

/* exch_info.c */
int ike_info_start_delete_child(struct ike_sa *sa, uint32_t spi_in);
int ike_info_start_delete_ike(struct ike_sa *sa);
int ike_info_start_dpd(struct ike_sa *sa);
int ike_info_start_error(struct ike_sa *sa, uint16_t type);
void ike_info_recv_request(struct ike_sa *sa, const struct ike_path *path,
			   struct ike_msg *m);
void ike_info_recv_response(struct ike_sa *sa, struct ike_msg *m);
/* Sends a DELETE of the IKE SA once, without waiting (shutdown). */
void ike_info_send_delete_now(struct ike_sa *sa);

/* --------------------------------------------------------- proposal.c */

/* Our SA payload from configured proposals, in configured order; DH
 * transforms left out when no_dh (IKE_AUTH, §1.2). first_dh, if nonzero
 * and offered, is moved first in each proposal's DH list. */
int ike_prop_build(struct ike_sa_pld *out, const struct ike_conf_proposal *p,
		   size_t n, const uint8_t *spi, size_t spi_len, bool no_dh,
		   uint16_t first_dh);
/* Responder: the first of OUR proposals (configured order) that one of
 * the peer's proposals can satisfy; ke_group is preferred among DH
 * groups. -ENOENT when none fits. */
int ike_prop_select(const struct ike_sa_pld *peer,
		    const struct ike_conf_proposal *ours, size_t n,
		    uint8_t protocol, bool no_dh, uint16_t ke_group,
		    struct ike_choice *out);
/* Initiator: checks the responder's single choice against the SA
 * payload we sent (§3.3.6). -EBADMSG if it is not a valid choice. */
int ike_prop_verify(const struct ike_sa_pld *resp, const struct ike_sa_pld *sent,
		    uint8_t protocol, struct ike_choice *out);
/* The responder's SA payload for a choice, with our SPI. */
int ike_prop_answer(struct ike_sa_pld *out, const struct ike_choice *c,
		    const uint8_t *spi, size_t spi_len);
/* Whether group is among the DH transforms of the proposals. */
bool ike_prop_has_dh(const struct ike_conf_proposal *p, size_t n, uint16_t group);
/* The first DH group of the proposals, 0 if none. */
uint16_t ike_prop_first_dh(const struct ike_conf_proposal *p, size_t n);

/* --------------------------------------------------------------- ts.c */

/* Addresses */
int ike_addr_from_conf(const struct ike_conf_addr *c, uint16_t port,
		       struct sockaddr_storage *out);
bool ike_addr_eq(const struct sockaddr_storage *a,
		 const struct sockaddr_storage *b, bool ports);
/* c matches (AF_UNSPEC matches all) the address of ss. */
bool ike_addr_match_conf(const struct ike_conf_addr *c,
			 const struct sockaddr_storage *ss);
uint16_t ike_addr_port(const struct sockaddr_storage *ss);
void ike_addr_set_port(struct sockaddr_storage *ss, uint16_t port);
const char *ike_addr_str(const struct sockaddr_storage *ss, char *buf, size_t len);
/* The address as an identity of type IPV4_ADDR / IPV6_ADDR. */
void ike_addr_to_id(const struct sockaddr_storage *ss, struct ike_conf_id *id);

/* Traffic selectors */
int ike_ts_from_conf(const struct ike_conf_ts *c,
		     const struct sockaddr_storage *ike_addr, struct ike_ts *out);
/* Every configured selector of a side; dynamic ones resolved. */
int ike_ts_conf_list(const struct ike_conf_ts *c, size_t n,
		     const struct sockaddr_storage *ike_addr,
		     struct ike_ts *out, uint8_t *nout);
void ike_ts_to_wire(const struct ike_ts *in, uint8_t n,
		    struct ike_ts_list *out);
/* Selectors of known types; -EINVAL when none. */
int ike_ts_from_wire(const struct ike_ts_list *in, struct ike_ts *out,
		     uint8_t *nout);
/* §2.9: every non-empty intersection of a proposed selector with a
 * configured one, at most IKE_TS_MAX. 0, or -ENOENT when empty. */
int ike_ts_narrow(const struct ike_ts *prop, uint8_t np,
		  const struct ike_ts *conf, uint8_t nc,
		  struct ike_ts *out, uint8_t *nout);
/* Whether every selector of sub lies within one of set. */
bool ike_ts_subset(const struct ike_ts *sub, uint8_t ns,
		   const struct ike_ts *set, uint8_t nset);

#endif
