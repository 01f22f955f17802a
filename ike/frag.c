// SPDX-License-Identifier: GPL-2.0-only
/*
 * RFC 7383 on an IKE SA (see frag.h): whether both sides support it,
 * fragmenting what we seal when it would not fit the path, sending a
 * sealed message as its datagrams, and reassembling what the peer sends
 * with a timer bounding how long an incomplete message is kept.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "frag.h"
#include "ike_sa.h"

unsigned int ike_frag_test_mtu;

struct ike_frag {
	struct ike_sa *sa;
	bool peer;                      /* the peer announced support */
	struct ike_frag_rx rx;
	struct ike_timer timer;         /* incomplete reassembly expires */
};

/* The message reassembled last: the dispatcher reads its payloads in
 * place; wiped on the next completion and by a timer right after. */
static uint8_t plain_buf[IKE_MSG_MAX];
static size_t plain_len;
static struct ike_timer wipe_timer;
static struct ike_agent *wipe_agent;    /* whose timer list holds it */

static struct ike_frag *frag_get(struct ike_sa *sa)
{
	if (!sa->frag) {
		sa->frag = calloc(1, sizeof(*sa->frag));
		if (sa->frag)
			sa->frag->sa = sa;
	}
	return sa->frag;
}

int ike_frag_negotiated(struct ike_sa *sa, bool peer)
{
	struct ike_frag *f;

	if (!peer)
		return 0;
	f = frag_get(sa);
	if (!f)
		return -ENOMEM;
	f->peer = true;
	return 0;
}

void ike_frag_inherit(struct ike_sa *to, const struct ike_sa *from)
{
	/* §2.3: support is a property of the peer, not of one SA */
	if (from->frag && from->frag->peer)
		ike_frag_negotiated(to, true);
}

void ike_frag_free(struct ike_frag *f)
{
	if (!f)
		return;
	ike_timer_cancel(f->sa->agent, &f->timer);
	ike_frag_rx_reset(&f->rx);
	OPENSSL_cleanse(f, sizeof(*f));
	free(f);
}

/* --------------------------------------------------------------- send */

static enum ike_dir out_dir(const struct ike_sa *sa)
{
	return sa->initiator ? IKE_DIR_I2R : IKE_DIR_R2I;
}

/* The largest IKE message one datagram to the peer may carry: the
 * interface's MTU (or §2.5.1's) less IP, UDP and the non-ESP marker. */
static size_t msg_limit(const struct ike_sa *sa)
{
	bool v6 = sa->path.remote.ss_family == AF_INET6;
	unsigned int mtu = ike_frag_test_mtu ? ike_frag_test_mtu :
			   ike_path_mtu(&sa->path);
	size_t over = (v6 ? 40u : 20u) + 8u +
		      (sa->path.natt ? IKE_NON_ESP_MARKER_LEN : 0u);

	if (!mtu)
		mtu = v6 ? IKE_FRAG_V6_DEFAULT : IKE_FRAG_V4_DEFAULT;
	if (mtu < over + IKE_FRAG_MSG_MIN)
		return IKE_FRAG_MSG_MIN;
	return mtu - over;
}

static bool may_fragment(const struct ike_sa *sa, const struct ike_out *o)
{
	/* §2.5: only when the peer said it reassembles; swanctl's accept
	 * and no never fragment our own; only messages whose payloads are
	 * all inside the encrypted one */
	return sa->frag && sa->frag->peer &&
	       (sa->conn.fragmentation == IKE_CONF_FRAG_YES ||
		sa->conn.fragmentation == IKE_CONF_FRAG_FORCE) &&
	       o->buf[IKE_HDR_OFF_EXCH] != IKE_EXCH_IKE_SA_INIT &&
	       o->e.sk_off == IKE_HDR_LEN;
}

int ike_frag_seal(struct ike_sa *sa, struct ike_out *o, size_t inner)
{
	static uint8_t plain[IKE_MSG_MAX], out[IKE_MSG_MAX];
	size_t head = ike_sk_head_len(&sa->keys), limit = 0, n = 0;
	unsigned int count = 0;
	uint8_t hdr[IKE_HDR_LEN], first;
	int rc;

	size_t whole = o->e.sk_off + head + inner + ike_sk_tail_max(&sa->keys);
	bool v6 = sa->path.remote.ss_family == AF_INET6;

	/* the route is asked only for what might not fit the smallest
	 * path every network carries (§2.5.1) */
	if (!may_fragment(sa, o) ||
	    whole + (v6 ? 48u : 28u) + (sa->path.natt ? 4u : 0u) <=
	    (v6 ? IKE_FRAG_V6_DEFAULT : IKE_FRAG_V4_DEFAULT) ||
	    whole <= (limit = msg_limit(sa)))
		return ike_sk_encrypt(&sa->keys, out_dir(sa), o->buf,
				      sizeof(o->buf), o->e.sk_off, inner, &o->len);
	memcpy(hdr, o->buf, IKE_HDR_LEN);
	first = o->buf[o->e.sk_off];    /* SK's Next Payload */
	memcpy(plain, o->buf + o->e.sk_off + head, inner);
	rc = ike_frag_split(&sa->keys, out_dir(sa), hdr, first, plain, inner,
			    limit, out, sizeof(out), &n, &count);
	OPENSSL_cleanse(plain, inner);
	if (!rc && n > sizeof(o->buf))
		rc = -EMSGSIZE;
	if (!rc) {
		memcpy(o->buf, out, n);
		o->len = n;
		sa->agent->counters[IKE_AC_FRAG_TX] += count;
		ike_sa_log(sa, 2, "%s #%u: %u fragments of at most %zu octets",
			   ike_exch_name(hdr[IKE_HDR_OFF_EXCH]),
			   ike_get32(hdr + IKE_HDR_OFF_MSGID), count, limit);
	}
	return rc;
}

int ike_frag_send(struct ike_agent *a, const struct ike_path *path,
		  const uint8_t *buf, size_t len)
{
	size_t off = 0;
	int rc = 0;

	/* each IKE message of the buffer carries its own Length (§3.1) */
	while (len - off >= IKE_HDR_LEN) {
		size_t n = ike_get32(buf + off + IKE_HDR_OFF_LEN);
		int r;

		if (n < IKE_HDR_LEN || n > len - off)
			return -EINVAL;
		r = ike_net_send(a, path, buf + off, n);
		if (r && !rc)
			rc = r;
		off += n;
	}
	return rc;
}

/* ------------------------------------------------------------ receive */

static void wipe_fn(struct ike_agent *a, void *arg)
{
	(void)a;
	(void)arg;
	OPENSSL_cleanse(plain_buf, plain_len);
	plain_len = 0;
}

static void expire_fn(struct ike_agent *a, void *arg)
{
	struct ike_frag *f = arg;

	ike_sa_gc();
	if (!f->rx.active)
		return;
	/* §2.6: an incomplete message is not kept forever */
	ike_count(a, IKE_AC_DROP_FRAG);
	ike_sa_log(f->sa, 1, "fragments of message #%u incomplete (%u of %u) after %u s: dropped",
		   f->rx.msgid, f->rx.got, f->rx.total, IKE_FRAG_TIMEOUT_MS / 1000);
	ike_frag_rx_reset(&f->rx);
}

int ike_frag_input(struct ike_sa *sa, struct ike_msg *m, uint8_t *buf,
		   size_t len, const uint8_t **raw, size_t *raw_len,
		   const uint8_t **plain, size_t *plen)
{
	struct ike_agent *a = sa->agent;
	struct ike_frag *f = frag_get(sa);
	int rc;

	/* strongSwan's rule: what a peer fragments is always taken */
	if (!f) {
		ike_count(a, IKE_AC_DROP_FRAG);
		return -ENOMEM;
	}
	OPENSSL_cleanse(plain_buf, plain_len);
	plain_len = 0;
	rc = ike_frag_rx_add(&f->rx, &sa->keys,
			     sa->initiator ? IKE_DIR_R2I : IKE_DIR_I2R, m, buf, len,
			     *raw, plain_buf, sizeof(plain_buf), &plain_len);
	switch (rc) {
	case 0:
		ike_count(a, IKE_AC_FRAG_RX);
		ike_count(a, IKE_AC_FRAG_REASSEMBLED);
		ike_timer_cancel(a, &f->timer);
		/* tests run two agents in one process: the timer leaves the
		 * list it is on before it joins another */
		if (wipe_agent && wipe_agent != a)
			ike_timer_cancel(wipe_agent, &wipe_timer);
		wipe_agent = a;
		ike_timer_arm(a, &wipe_timer, 0, wipe_fn, NULL);
		*raw = f->rx.first_raw;
		*raw_len = f->rx.first_raw_len;
		*plain = plain_buf;
		*plen = plain_len;
		ike_sa_log(sa, 2, "%s #%u reassembled from %u fragments (%zu octets)",
			   ike_exch_name(m->hdr.exch), m->hdr.msgid, m->frag_total,
			   plain_len);
		return 0;
	case -EINPROGRESS:
		ike_count(a, IKE_AC_FRAG_RX);
		/* the clock runs from the first fragment of a message */
		if (f->rx.got == 1)
			ike_timer_arm(a, &f->timer, IKE_FRAG_TIMEOUT_MS, expire_fn, f);
		return rc;
	case -EALREADY:
	case -ESTALE:
		/* §2.6.1: a retransmitted fragment changes nothing */
		ike_count(a, IKE_AC_DROP_MSGID);
		return rc;
	case -EBADMSG:
		ike_count(a, IKE_AC_DROP_BAD_ICV);
		ike_sa_log(sa, 2, "%s #%u fragment %u/%u: integrity check failed",
			   ike_exch_name(m->hdr.exch), m->hdr.msgid, m->frag_num,
			   m->frag_total);
		return rc;
	default:
		ike_count(a, IKE_AC_DROP_FRAG);
		ike_timer_cancel(a, &f->timer);
		ike_sa_log(sa, 1, "%s #%u fragment %u/%u dropped: %s",
			   ike_exch_name(m->hdr.exch), m->hdr.msgid, m->frag_num,
			   m->frag_total, rc == -E2BIG ? "message too large" :
			   "reassembly memory exhausted");
		return rc;
	}
}
