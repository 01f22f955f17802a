/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The exchanges (RFC 7296 §1): exch_init.c (IKE_SA_INIT), exch_auth.c
 * (IKE_AUTH), exch_child.c (CREATE_CHILD_SA and the Child SA negotiation
 * IKE_AUTH shares), exch_info.c (INFORMATIONAL).
 *
 * An exchange builds and checks messages and changes the store
 * (ike_sa.h); it never runs another queued operation nor arms a timer of
 * the dispatcher: it queues tasks and records what is due, and the
 * dispatcher (dispatch.c) acts when the entry returns. Calls among the
 * exchanges go one way: exch_init -> exch_auth -> exch_child.
 */
#ifndef IKE_EXCH_H
#define IKE_EXCH_H

#include "ike_sa.h"
#include "proposal.h"
#include "ts.h"

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
 * the outbound one (replacing old_spi_out, 0: none); the dispatcher arms
 * the timers. c->inst.spi_in is set by the caller (and reqid for a
 * rekey). gir may be NULL. ni/nr are the nonces of the exchange. On
 * failure whatever was installed is removed again and -errno returned:
 * the caller either refuses the Child SA in its answer (responder) or
 * hands it to ike_child_install_failed() (initiator).
 */
int ike_child_establish(struct ike_sa *sa, struct ike_child *c,
			const struct ike_child_pick *p, bool we_initiated,
			const uint8_t *gir, size_t gir_len,
			const uint8_t *ni, size_t ni_len,
			const uint8_t *nr, size_t nr_len, bool install_out,
			uint32_t old_spi_out);
/*
 * Initiator: the Child SA the responder created could not be installed
 * here. So that both sides end without it, it is kept (as unwanted) only
 * until a DELETE for it is answered (§1.4.1); then the Child SA is
 * created afresh after IKE_RETRY_DELAY_MS if it is a rekey's or the
 * child's start_action or dpd_action asks to keep it up.
 */
void ike_child_install_failed(struct ike_child *c);

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

#endif
