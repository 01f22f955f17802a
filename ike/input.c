// SPDX-License-Identifier: GPL-2.0-only
/*
 * The input demux: ike_sa_input() (agent.h) checks every datagram the
 * shell hands over — header, message IDs and windows (RFC 7296 §2.1,
 * §2.2), integrity and decryption of SK (§3.14) — and gives it to its
 * exchange (exch.h). Bad input is counted and dropped, never fatal. The
 * entry ends with the dispatcher's pass (dispatch.h).
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "dispatch.h"
#include "frag.h"

static struct ike_sa *find_half_open(struct ike_agent *a, uint64_t spi_i,
				     const struct sockaddr_storage *remote)
{
	for (struct ike_sa *s = a->sas; s; s = s->next)
		if (s->state == IKE_SA_R_INIT && s->spi_i == spi_i &&
		    ike_addr_eq(&s->path.remote, remote, false))
			return s;
	return NULL;
}

static struct ike_sa *find_init_pending(struct ike_agent *a, uint64_t spi_i)
{
	for (struct ike_sa *s = a->sas; s; s = s->next)
		if (s->state == IKE_SA_I_INIT && s->initiator && s->spi_i == spi_i)
			return s;
	return NULL;
}

/* The first error notify of the latest response (0: none), kept as the
 * reason should the exchange end the SA or refuse a Child SA (outcome.c
 * reports it). */
static void note_peer_error(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_pld *p = NULL;

	sa->peer_error = 0;
	/* §3.10.1: types below 16384 are errors */
	while ((p = ike_msg_next(m, p, IKE_PL_NOTIFY))) {
		if (p->v.n.type <= IKE_NOTIFY_ERROR_MAX) {
			sa->peer_error = p->v.n.type;
			return;
		}
	}
}

static void input_init(struct ike_agent *a, const struct ike_path *path,
		       struct ike_msg *m, const uint8_t *raw, size_t len)
{
	const struct ike_hdr *h = &m->hdr;
	struct ike_sa *sa;

	/* §2.2: IKE_SA_INIT always uses Message ID 0 */
	if (h->msgid != 0) {
		ike_count(a, IKE_AC_DROP_MSGID);
		return;
	}
	if (!(h->flags & IKE_FLAG_RESPONSE)) {
		/* §3.1: the request comes from the original initiator
		 * with the responder's SPI zero */
		if (!(h->flags & IKE_FLAG_INITIATOR) || h->spi_r) {
			ike_count(a, IKE_AC_DROP_MALFORMED);
			return;
		}
		sa = find_half_open(a, h->spi_i, &path->remote);
		if (sa) {
			if (!ike_sa_answer_cached(sa, path, raw, len, 0))
				ike_count(a, IKE_AC_DROP_MSGID);
			return;
		}
		ike_init_recv_request(a, path, m);
		return;
	}
	/* §3.1: the response has the I bit clear */
	if (h->flags & IKE_FLAG_INITIATOR) {
		ike_count(a, IKE_AC_DROP_MALFORMED);
		return;
	}
	sa = find_init_pending(a, h->spi_i);
	if (!sa) {
		ike_count(a, IKE_AC_DROP_NO_SA);
		return;
	}
	note_peer_error(sa, m);
	ike_init_recv_response(sa, path, m);
}

/* §2.23: after NAT detection the peer's address and port may change;
 * the newest authenticated message tells where it is. */
static void float_path(struct ike_sa *sa, const struct ike_path *path)
{
	if (!(sa->nat_local || sa->nat_remote))
		return;
	if (ike_addr_eq(&sa->path.remote, &path->remote, true) &&
	    ike_addr_eq(&sa->path.local, &path->local, true) &&
	    sa->path.natt == path->natt)
		return;
	if (sa->path.natt && !path->natt)
		return;
	ike_sa_log(sa, IKE_SA_LOG_INFO, "peer moved (NAT-T), path updated");
	sa->path = *path;
}

static void input_encrypted(struct ike_agent *a, const struct ike_path *path,
			    struct ike_msg *m, uint8_t *buf, size_t len,
			    const uint8_t *raw)
{
	const struct ike_hdr *h = &m->hdr;
	bool response = h->flags & IKE_FLAG_RESPONSE;
	struct ike_sa *sa;
	const struct ike_encr *e;
	const uint8_t *inner = NULL;
	struct ike_sk sk;
	size_t ioff, ilen = 0, icv;
	int rc;

	sa = ike_sa_find(a, h->spi_i, h->spi_r);
	if (!sa || !sa->keys_ok) {
		ike_count(a, IKE_AC_DROP_NO_SA);
		return;
	}
	/* §3.1: the I bit tells whether the sender is the original
	 * initiator; we are not both */
	if (!!(h->flags & IKE_FLAG_INITIATOR) == sa->initiator) {
		ike_count(a, IKE_AC_DROP_MALFORMED);
		return;
	}
	/* §2.2: responses answer our outstanding request, requests come in
	 * order (window size 1 from us; the peer's in order) */
	if (response) {
		if (!sa->req.active || h->msgid != sa->req.msgid ||
		    h->exch != sa->req.exch) {
			ike_count(a, IKE_AC_DROP_MSGID);
			return;
		}
	} else if (h->msgid != sa->peer_next) {
		if (!ike_sa_answer_cached(sa, path, raw, len, h->msgid))
			ike_count(a, IKE_AC_DROP_MSGID);
		return;
	}
	if (m->frag) {
		/* RFC 7383 §2.6 (frag.c): each fragment is verified and
		 * kept; the message goes on once the last one is in */
		if (ike_frag_input(sa, m, buf, len, &raw, &len, &inner, &ilen))
			return;
	} else {
		/* §3.14: everything after IKE_SA_INIT is in an SK payload */
		e = sa->keys.encr;
		icv = e->aead ? e->icv_len : sa->keys.integ->icv_len;
		if (ike_msg_sk(m, e->iv_len, icv, e->block_len, &sk)) {
			ike_count(a, IKE_AC_DROP_MALFORMED);
			return;
		}
		rc = ike_sk_decrypt(&sa->keys,
				    sa->initiator ? IKE_DIR_R2I : IKE_DIR_I2R,
				    buf, len, m->pld[m->sk].off, &ioff, &ilen);
		if (rc) {
			ike_count(a, IKE_AC_DROP_BAD_ICV);
			ike_sa_log(sa, IKE_SA_LOG_DEBUG, "%s #%u: integrity check failed",
				   ike_exch_name(h->exch), h->msgid);
			return;
		}
		inner = buf + ioff;
	}
	/* authenticated from here on */
	sa->last_rx_ms = ike_now_ms();
	if (!response)
		ike_sa_keep_request(sa, raw, len);
	rc = ike_msg_decode_inner_unpadded(m, inner, ilen);
	if (rc) {
		ike_count(a, IKE_AC_DROP_MALFORMED);
		ike_sa_log(sa, IKE_SA_LOG_WARN, "%s #%u: %s", ike_exch_name(h->exch),
			   h->msgid, m->err.why ? m->err.why : "bad inner payloads");
		/* §2.5 / §3.10.1: an authenticated request with bad
		 * contents is answered with the error; a response is
		 * dropped */
		if (!response && m->err.notify)
			ike_sa_respond_notify(sa, path, h->exch, h->msgid,
					      m->err.notify, IKE_PROTO_NONE, 0,
					      &m->err.data, m->err.has_data ? 1 : 0);
		return;
	}
	float_path(sa, path);
	if (response)
		note_peer_error(sa, m);
	switch (h->exch) {
	case IKE_EXCH_IKE_AUTH:
		if (response && sa->state == IKE_SA_I_AUTH)
			ike_auth_recv_response(sa, m);
		else if (!response && sa->state == IKE_SA_R_INIT)
			ike_auth_recv_request(sa, path, m);
		else
			ike_count(a, IKE_AC_DROP_MSGID);
		break;
	case IKE_EXCH_CREATE_CHILD_SA:
		if (response)
			ike_child_recv_response(sa, m);
		else
			ike_child_recv_request(sa, path, m);
		break;
	case IKE_EXCH_INFORMATIONAL:
		if (response)
			ike_info_recv_response(sa, m);
		else
			ike_info_recv_request(sa, path, m);
		break;
	default:
		break;
	}
}

static void input(struct ike_agent *a, const struct ike_path *path,
		  const uint8_t *msg, size_t len)
{
	static uint8_t buf[IKE_MSG_MAX];
	static struct ike_msg m;
	int rc;

	ike_count(a, IKE_AC_RX);
	if (!msg || len < IKE_HDR_LEN || len > IKE_MSG_MAX) {
		ike_count(a, IKE_AC_DROP_MALFORMED);
		return;
	}
	memcpy(buf, msg, len);
	rc = ike_msg_decode(&m, buf, len);
	if (rc) {
		const struct ike_hdr *h = &m.hdr;
		bool init_req = m.hdr_ok && h->exch == IKE_EXCH_IKE_SA_INIT &&
				!(h->flags & IKE_FLAG_RESPONSE) && !h->msgid;

		ike_count(a, IKE_AC_DROP_MALFORMED);
		ike_sa_log(NULL, IKE_SA_LOG_DEBUG, "dropped datagram: %s",
			   m.err.why ? m.err.why : "malformed");
		/* §2.5: an unsupported major version or critical payload
		 * in an IKE_SA_INIT request is answered unprotected */
		if (init_req && m.err.notify &&
		    (rc == -EPROTONOSUPPORT || rc == -EOPNOTSUPP))
			ike_init_answer_notify(a, path, h, m.err.notify,
					       &m.err.data, m.err.has_data ? 1 : 0);
		goto out;
	}
	switch (m.hdr.exch) {
	case IKE_EXCH_IKE_SA_INIT:
		input_init(a, path, &m, msg, len);
		break;
	case IKE_EXCH_IKE_AUTH:
	case IKE_EXCH_CREATE_CHILD_SA:
	case IKE_EXCH_INFORMATIONAL:
		input_encrypted(a, path, &m, buf, len, msg);
		break;
	default:
		/* §3.1: exchange types we do not speak are dropped */
		ike_count(a, IKE_AC_DROP_MALFORMED);
		break;
	}
out:
	/* the plaintext of a decrypted message does not linger */
	OPENSSL_cleanse(buf, len);
}

void ike_sa_input(struct ike_agent *a, const struct ike_path *path,
		  const uint8_t *msg, size_t len)
{
	ike_sa_gc();
	input(a, path, msg, len);
	ike_dispatch_settle(a);
}
