// SPDX-License-Identifier: GPL-2.0-only
/*
 * INFORMATIONAL (RFC 7296 §1.4): DELETE of Child SAs and of the IKE SA in
 * both directions (§1.4.1), liveness checks (§2.4) and error notifies
 * (§1.5, §2.21).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "exch.h"

/* ----------------------------------------------------- our requests */

static int info_request(struct ike_sa *sa, uint8_t kind,
			int (*fill)(struct ike_sa *, struct ike_enc *, const void *),
			const void *arg)
{
	struct ike_out *o = malloc(sizeof(*o));
	int rc;

	if (!o)
		return -ENOMEM;
	rc = ike_out_begin(sa, o, IKE_EXCH_INFORMATIONAL, false, sa->msgid_next);
	if (!rc && fill)
		rc = fill(sa, &o->e, arg);
	if (!rc)
		rc = ike_out_seal(sa, o);
	if (!rc)
		rc = ike_sa_send_request(sa, o, kind);
	free(o);
	return rc;
}

static int fill_delete_child(struct ike_sa *sa, struct ike_enc *e, const void *arg)
{
	const struct ike_child *c = arg;
	uint8_t spi[IKE_CHILD_SPI_LEN];

	(void)sa;
	/* §3.11: the SPI we expect in inbound packets */
	ike_put32(spi, c->inst.spi_in);
	return ike_enc_delete(e, c->inst.protocol, IKE_CHILD_SPI_LEN, 1, spi);
}

int ike_info_start_delete_child(struct ike_sa *sa, uint32_t spi_in)
{
	struct ike_child *c = ike_child_by_in(sa, spi_in);
	int rc;

	if (!c || c->state == IKE_CHILD_DEAD || c->state == IKE_CHILD_DELETING)
		return -ENOENT;
	rc = info_request(sa, IKE_TASK_CHILD_DELETE, fill_delete_child, c);
	if (rc)
		return rc;
	sa->req.spi = spi_in;
	c->state = IKE_CHILD_DELETING;
	ike_child_log(c, IKE_SA_LOG_INFO, "deleting the Child SA%s",
		      c->install_failed ? " (not installed here)" : "");
	return 0;
}

static int fill_delete_ike(struct ike_sa *sa, struct ike_enc *e, const void *arg)
{
	(void)sa;
	(void)arg;
	/* §3.11: the IKE SA is named by the header: no SPIs */
	return ike_enc_delete(e, IKE_PROTO_IKE, 0, 0, NULL);
}

int ike_info_start_delete_ike(struct ike_sa *sa)
{
	int rc = info_request(sa, IKE_TASK_IKE_DELETE, fill_delete_ike, NULL);

	if (rc)
		return rc;
	sa->state = IKE_SA_DELETING;
	ike_sa_log(sa, IKE_SA_LOG_INFO, "deleting the IKE SA");
	return 0;
}

int ike_info_start_dpd(struct ike_sa *sa)
{
	/* §2.4: an empty INFORMATIONAL request; its answer proves life */
	return info_request(sa, IKE_TASK_DPD, NULL, NULL);
}

static int fill_error(struct ike_sa *sa, struct ike_enc *e, const void *arg)
{
	const uint16_t *type = arg;

	(void)sa;
	return ike_enc_notify(e, IKE_PROTO_NONE, NULL, 0, *type, NULL, 0);
}

int ike_info_start_error(struct ike_sa *sa, uint16_t type)
{
	return info_request(sa, IKE_TASK_ERROR, fill_error, &type);
}

void ike_info_send_delete_now(struct ike_sa *sa)
{
	struct ike_out *o = malloc(sizeof(*o));

	if (!o)
		return;
	/* best effort at shutdown: sent once, never retransmitted */
	if (!ike_out_begin(sa, o, IKE_EXCH_INFORMATIONAL, false, sa->msgid_next) &&
	    !fill_delete_ike(sa, &o->e, NULL) && !ike_out_seal(sa, o)) {
		ike_count(sa->agent, IKE_AC_TX);
		ike_net_send(sa->agent, &sa->path, o->buf, o->len);
	}
	free(o);
}

/* ---------------------------------------------------- their requests */

#define DEL_MAX 64u

struct del_answer {
	uint8_t proto;
	uint16_t n;
	uint8_t spis[DEL_MAX * IKE_CHILD_SPI_LEN];
};

/*
 * §1.5, §3.10.1 INVALID_SPI: the peer got ESP/AH for an SPI it does not
 * know (the SPI is the Notification Data): our outbound SA of that SPI is
 * useless, so the Child SA is deleted (which also clears the peer's half).
 */
static void invalid_spi(struct ike_sa *sa, const struct ike_notify_view *n)
{
	struct ike_child *c;
	uint32_t spi;

	if (n->len != IKE_CHILD_SPI_LEN)
		return;
	spi = ike_get32(n->data);
	c = ike_child_by_out(sa, n->proto == IKE_PROTO_AH ? IKE_PROTO_AH :
							     IKE_PROTO_ESP, spi);
	if (!c && n->proto == IKE_PROTO_NONE)
		c = ike_child_by_out(sa, IKE_PROTO_AH, spi);
	if (c && c->state != IKE_CHILD_DEAD && c->state != IKE_CHILD_DELETING)
		ike_sa_task_add(sa, IKE_TASK_CHILD_DELETE, c->cfg_idx,
				c->inst.spi_in);
}

void ike_info_recv_request(struct ike_sa *sa, const struct ike_path *path,
			   struct ike_msg *m)
{
	struct ike_agent *a = sa->agent;
	const struct ike_pld *p = NULL;
	struct del_answer ans[2];       /* ESP, AH */
	struct ike_child *doomed[DEL_MAX];
	unsigned int ndoomed = 0;
	bool del_ike = false, auth_failed = false;
	struct ike_out *o;
	int rc;

	memset(ans, 0, sizeof(ans));
	ans[0].proto = IKE_PROTO_ESP;
	ans[1].proto = IKE_PROTO_AH;
	while ((p = ike_msg_next(m, p, IKE_PL_DELETE))) {
		const struct ike_delete_view *d = &p->v.d;

		if (d->proto == IKE_PROTO_IKE) {
			del_ike = true;
			continue;
		}
		for (unsigned int i = 0; i < d->nspi; i++) {
			struct del_answer *da = &ans[d->proto == IKE_PROTO_AH];
			struct ike_child *c;
			uint32_t spi;

			if (ike_delete_spi32(d, i, &spi))
				break;
			/* §3.11: the SPIs are the peer's inbound ones, our
			 * outbound */
			c = ike_child_by_out(sa, d->proto, spi);
			if (!c || c->state == IKE_CHILD_DEAD)
				continue;
			if (ndoomed < DEL_MAX) {
				bool dup = false;

				for (unsigned int k = 0; k < ndoomed; k++)
					dup |= doomed[k] == c;
				if (!dup)
					doomed[ndoomed++] = c;
			}
			/* §1.4.1: a simultaneous delete is not answered
			 * with the SAs we already asked to delete */
			if (c->state == IKE_CHILD_DELETING || da->n >= DEL_MAX)
				continue;
			ike_put32(da->spis + da->n * IKE_CHILD_SPI_LEN,
				  c->inst.spi_in);
			da->n++;
		}
	}
	while ((p = ike_msg_next(m, p, IKE_PL_NOTIFY))) {
		/* §1.5, §3.10.1: errors in a request are logged; a
		 * failed authentication ends the SA */
		if (p->v.n.type > IKE_NOTIFY_ERROR_MAX)
			continue;
		ike_sa_log(sa, IKE_SA_LOG_WARN, "peer reports %s", ike_notify_name(p->v.n.type));
		if (p->v.n.type == IKE_N_AUTHENTICATION_FAILED)
			auth_failed = true;
		if (p->v.n.type == IKE_N_INVALID_SPI)
			invalid_spi(sa, &p->v.n);
	}

	/* Make before break: our outbound side moves to a successor (and
	 * the pair goes) before the answer lets the peer remove its
	 * inbound SA, so nothing is sent into a removed SA. */
	if (!del_ike && !auth_failed)
		for (unsigned int i = 0; i < ndoomed; i++)
			ike_child_kill(doomed[i], "deleted by the peer");
	o = malloc(sizeof(*o));
	if (!o)
		return;
	/* §1.4.1: the response names the paired SAs we delete in turn;
	 * for the IKE SA it is empty */
	rc = ike_out_begin(sa, o, IKE_EXCH_INFORMATIONAL, true, m->hdr.msgid);
	for (unsigned int i = 0; i < 2 && !rc && !del_ike; i++)
		if (ans[i].n)
			rc = ike_enc_delete(&o->e, ans[i].proto, IKE_CHILD_SPI_LEN,
					    ans[i].n, ans[i].spis);
	if (!rc)
		rc = ike_out_seal(sa, o);
	if (!rc)
		ike_sa_send_response(sa, path, o);
	free(o);

	if (del_ike || auth_failed) {
		/* §2.8.2: deleting an SA whose rekey collided: the Child
		 * SAs go to the surviving new SA */
		if (sa->collide && !sa->children_moved)
			ike_sa_move_children(sa, sa->collide);
		ike_sa_kill(sa, del_ike ? "deleted by the peer" :
				  "peer reports AUTHENTICATION_FAILED");
		return;
	}
	(void)a;
}

void ike_info_recv_response(struct ike_sa *sa, struct ike_msg *m)
{
	struct ike_child *c;

	(void)m;
	switch (sa->req.kind) {
	case IKE_TASK_CHILD_DELETE:
		/* §1.4.1: both directions go once the answer is in */
		c = ike_child_by_in(sa, sa->req.spi);
		if (c)
			ike_child_kill(c, "deleted");
		ike_sa_request_done(sa);
		break;
	case IKE_TASK_IKE_DELETE:
		ike_sa_kill(sa, "deleted");
		break;
	case IKE_TASK_DPD:
	case IKE_TASK_ERROR:
	default:
		ike_sa_request_done(sa);
		break;
	}
}
