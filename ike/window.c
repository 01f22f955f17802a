// SPDX-License-Identifier: GPL-2.0-only
/*
 * Message windows (RFC 7296 §2.1-§2.4): building and sealing an SA's
 * messages, sending our requests (window size 1: one outstanding, kept
 * for retransmission) and our responses (cached for a retransmitted
 * request). When to retransmit and when to give up is the dispatcher's
 * (dispatch.c); this file only sends.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frag.h"
#include "ike_sa.h"

int ike_out_begin(struct ike_sa *sa, struct ike_out *o, uint8_t exch,
		  bool response, uint32_t msgid)
{
	struct ike_hdr h = {
		.spi_i = sa->spi_i, .spi_r = sa->spi_r,
		.major = IKE_MAJOR_VERSION, .minor = IKE_MINOR_VERSION,
		.exch = exch, .msgid = msgid,
	};
	bool sk = exch != IKE_EXCH_IKE_SA_INIT;
	size_t cap = sizeof(o->buf);
	int rc;

	/* §3.1: I set by the original initiator, R on responses */
	h.flags = (uint8_t)((sa->initiator ? IKE_FLAG_INITIATOR : 0) |
			    (response ? IKE_FLAG_RESPONSE : 0));
	o->len = 0;
	if (sk) {
		if (!sa->keys_ok)
			return -EINVAL;
		cap -= ike_sk_tail_max(&sa->keys);
	}
	rc = ike_enc_init(&o->e, o->buf, cap, &h);
	if (!rc && sk)
		rc = ike_enc_sk_begin(&o->e, ike_sk_head_len(&sa->keys) -
					     IKE_PLD_HDR_LEN);
	return rc;
}

int ike_out_seal(struct ike_sa *sa, struct ike_out *o)
{
	size_t head, inner;
	int rc;

	if (o->e.err)
		return o->e.err;
	if (o->e.state != IKE_ENC_IN_SK) {
		rc = ike_enc_finish(&o->e);
		if (rc < 0)
			return rc;
		o->len = (size_t)rc;
		return 0;
	}
	/* §3.14: ike_sk_encrypt pads, fills the IV, encrypts, and writes
	 * the ICV and both lengths */
	head = ike_sk_head_len(&sa->keys);
	inner = o->e.len - (o->e.sk_off + head);
	rc = ike_frag_seal(sa, o, inner);
	return rc;
}

static uint8_t *dup_msg(const uint8_t *p, size_t len)
{
	uint8_t *d = malloc(len ? len : 1);

	if (d && len)
		memcpy(d, p, len);
	return d;
}

int ike_sa_send_request(struct ike_sa *sa, struct ike_out *o, uint8_t kind)
{
	struct ike_agent *a = sa->agent;
	uint8_t *copy;
	int rc;

	copy = dup_msg(o->buf, o->len);
	if (!copy)
		return -ENOMEM;
	/* a new request: its retransmission starts over (the dispatcher
	 * arms it when the entry returns) */
	ike_timer_cancel(a, &sa->rtx_timer);
	free(sa->req.buf);
	sa->req.buf = copy;
	sa->req.len = o->len;
	sa->req.active = true;
	sa->req.kind = kind;
	sa->req.exch = o->buf[IKE_HDR_OFF_EXCH];
	sa->req.msgid = ike_get32(o->buf + IKE_HDR_OFF_MSGID);
	sa->req.tries = 1;
	/* §2.2: each request takes the next Message ID */
	if (sa->req.exch != IKE_EXCH_IKE_SA_INIT)
		sa->msgid_next = sa->req.msgid + 1;
	ike_sa_log(sa, IKE_SA_LOG_DEBUG, "send %s request #%u (%zu octets)",
		   ike_exch_name(sa->req.exch), sa->req.msgid, o->len);
	rc = ike_frag_send(a, &sa->path, o->buf, o->len);
	ike_count(a, IKE_AC_TX);
	ike_sa_touch(sa);
	if (rc)
		ike_sa_log(sa, IKE_SA_LOG_WARN, "send failed: %d (will retransmit)", rc);
	return 0;
}

void ike_sa_retransmit(struct ike_sa *sa)
{
	struct ike_agent *a = sa->agent;
	int rc;

	/* §2.1, §2.4: the same octets again */
	sa->req.tries++;
	ike_count(a, IKE_AC_RETRANSMIT);
	ike_count(a, IKE_AC_TX);
	ike_sa_log(sa, IKE_SA_LOG_DEBUG, "retransmit %s #%u (try %u)",
		   ike_exch_name(sa->req.exch), sa->req.msgid, sa->req.tries);
	rc = ike_frag_send(a, &sa->path, sa->req.buf, sa->req.len);
	if (rc)
		ike_sa_log(sa, IKE_SA_LOG_WARN, "retransmission failed: %d", rc);
}

int ike_sa_send_response(struct ike_sa *sa, const struct ike_path *path,
			 struct ike_out *o)
{
	struct ike_agent *a = sa->agent;
	uint8_t *copy = dup_msg(o->buf, o->len);

	if (!copy)
		return -ENOMEM;
	free(sa->resp);
	sa->resp = copy;
	sa->resp_len = o->len;
	sa->resp_msgid = ike_get32(o->buf + IKE_HDR_OFF_MSGID);
	sa->resp_valid = true;
	sa->resp_path = *path;
	/* §2.2: the next request from the peer takes the next ID */
	sa->peer_next = sa->resp_msgid + 1;
	ike_sa_log(sa, IKE_SA_LOG_DEBUG, "send %s response #%u (%zu octets)",
		   ike_exch_name(o->buf[IKE_HDR_OFF_EXCH]), sa->resp_msgid,
		   o->len);
	ike_count(a, IKE_AC_TX);
	/* §2.11: answer to where the request came from */
	return ike_frag_send(a, path, o->buf, o->len);
}

int ike_sa_respond_notify(struct ike_sa *sa, const struct ike_path *path,
			  uint8_t exch, uint32_t msgid, uint16_t type,
			  uint8_t proto, uint32_t spi, const void *data,
			  size_t len)
{
	struct ike_out *o = malloc(sizeof(*o));
	uint8_t spib[4];
	int rc;

	if (!o)
		return -ENOMEM;
	ike_put32(spib, spi);
	rc = ike_out_begin(sa, o, exch, true, msgid);
	if (!rc)
		rc = ike_enc_notify(&o->e, proto, spi ? spib : NULL,
				    spi ? sizeof(spib) : 0, type, data, len);
	if (!rc)
		rc = ike_out_seal(sa, o);
	if (!rc)
		rc = ike_sa_send_response(sa, path, o);
	free(o);
	return rc;
}

void ike_sa_request_done(struct ike_sa *sa)
{
	ike_sa_req_clear(sa);
	if (ike_sa_alive(sa))
		ike_sa_touch(sa);
}

bool ike_sa_answer_cached(struct ike_sa *sa, const struct ike_path *path,
			  const uint8_t *msg, size_t len, uint32_t msgid)
{
	if (!sa->resp_valid || msgid != sa->resp_msgid || !sa->last_req ||
	    sa->last_req_len != len || memcmp(sa->last_req, msg, len))
		return false;
	ike_count(sa->agent, IKE_AC_ANSWERED_CACHED);
	ike_count(sa->agent, IKE_AC_TX);
	ike_sa_log(sa, IKE_SA_LOG_DEBUG, "retransmitted request #%u: cached response",
		   msgid);
	ike_frag_send(sa->agent, path, sa->resp, sa->resp_len);
	return true;
}

void ike_sa_keep_request(struct ike_sa *sa, const uint8_t *msg, size_t len)
{
	uint8_t *copy = dup_msg(msg, len);

	if (!copy)
		return;
	free(sa->last_req);
	sa->last_req = copy;
	sa->last_req_len = len;
	sa->resp_valid = false;
}
