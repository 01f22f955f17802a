/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Public-key authentication in IKE_AUTH (RFC 7296 §2.15, §3.6-§3.8, RFC
 * 7427, RFC 4945): what exch_auth.c calls for a local or remote round of
 * auth = pubkey. Our side: CERT payloads with the end-entity and its
 * intermediates, CERTREQ with our trust anchors' hashes, a signature AUTH.
 * The peer's side: its CERT payloads verified to a trust anchor (pki.h),
 * its identity in the certificate, its signature (auth_sig.h).
 *
 * Credentials are looked up in the agent's current configuration (the
 * connection of the same name): an IKE SA's copy of its connection only
 * names them. A refusal is counted (one counter per reason, agent.h) and
 * explained in one line by the caller's log.
 */
#ifndef IKE_AUTH_CERT_H
#define IKE_AUTH_CERT_H

#include "auth_sig.h"
#include "ike_sa.h"
#include "pki.h"

#define IKE_AUTH_CERTREQ_MAX 64u        /* CA hashes kept from a CERTREQ */

/* What the peer's messages ask of our side. */
struct ike_auth_peer {
	uint32_t sig_hashes;    /* its SIGNATURE_HASH_ALGORITHMS (RFC 7427 §4),
				 * 0: it sent none */
	bool certreq;           /* it sent an X.509 CERTREQ (send_cert =
				 * ifasked sends ours then) */
	size_t n_certreq;       /* 20-octet CA hashes in certreq_data */
	uint8_t certreq_data[IKE_AUTH_CERTREQ_MAX * IKE_PKI_SHA1_LEN];
};

/* Reads the peer's IKE_SA_INIT message (kept for AUTH, §2.15) for its
 * SIGNATURE_HASH_ALGORITHMS and CERTREQ, then adds the CERTREQs of m (its
 * IKE_AUTH request, may be NULL). 0 or -EBADMSG / -ENOMEM. */
int ike_auth_peer_read(const struct ike_sa *sa, const struct ike_msg *m,
		       struct ike_auth_peer *out);

/* CERTREQ for the remote round of conn (RFC 7296 §3.7), if it is pubkey
 * and send_certreq is set: one payload with every trust anchor's hash. */
int ike_auth_enc_certreq(const struct ike_config *cfg,
			 const struct ike_conf_conn *conn, struct ike_enc *e);

/* Our signature for a pubkey local round, computed before anything is
 * encoded (the ID payload body idb is what §2.15 signs). */
struct ike_auth_sig_out {
	struct ike_pki_local loc;
	uint8_t method;
	size_t len;
	uint8_t data[IKE_SIG_MAX];
};

/*
 * Signs as signer (IKE_DIR_I2R: the initiator) with conn's local round
 * (conn from the current config). 0, or -ENOKEY / -EOPNOTSUPP with a
 * reason in why.
 */
int ike_auth_sign(struct ike_sa *sa, const struct ike_conf_conn *conn,
		  const struct ike_auth_peer *peer, enum ike_dir signer,
		  const uint8_t *idb, size_t idlen, struct ike_auth_sig_out *out,
		  char *why, size_t whylen);

/* CERT payloads: the end-entity, then its intermediates (§3.6), when
 * send_cert says so (always, or ifasked after a CERTREQ). */
int ike_auth_enc_certs(const struct ike_conf_conn *conn,
		       const struct ike_auth_peer *peer,
		       const struct ike_auth_sig_out *sig, struct ike_enc *e);

/*
 * Verifies the peer's pubkey AUTH in m: pid is its ID payload (its body
 * is what it signed), pauth its AUTH, peer_id its identity, signer its
 * direction. 0, or -EACCES with *counter set to the reason's counter and
 * a one-line reason in why.
 */
int ike_auth_verify(struct ike_sa *sa, const struct ike_conf_conn *conn,
		    const struct ike_msg *m, const struct ike_pld *pid,
		    const struct ike_pld *pauth,
		    const struct ike_conf_id *peer_id, enum ike_dir signer,
		    enum ike_agent_counter *counter, char *why, size_t whylen);

/* Initiator, having refused the responder (§2.21.2): tells it at once
 * with an INFORMATIONAL carrying AUTHENTICATION_FAILED and the DELETE of
 * the IKE SA, sent once, not waited for. */
void ike_auth_send_refusal(struct ike_sa *sa);

#endif
