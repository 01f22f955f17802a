// SPDX-License-Identifier: GPL-2.0-only
/*
 * Child SA negotiation shared with IKE_AUTH, and CREATE_CHILD_SA (RFC 7296
 * §1.3): new Child SAs, Child SA rekeys with REKEY_SA and optional PFS
 * (§1.3.3, §2.8), IKE SA rekeys (§1.3.2, §2.18), and simultaneous rekeys
 * (§2.8.1, §2.8.2, §2.25).
 *
 * Make before break: the rekey's initiator installs the new inbound SA,
 * then the outbound one replacing the old (ike_install_out with
 * old_spi_out), then deletes the old SA; its responder installs the new
 * inbound SA before it answers and moves the outbound side when the old
 * SA is deleted. The old inbound SA lingers IKE_INBOUND_GRACE_MS on both
 * sides (ike_sa.c).
 *
 * A Child SA that cannot be installed is never left on one side only:
 * the responder refuses it in its answer (TEMPORARY_FAILURE for a rekey,
 * which the initiator retries; NO_PROPOSAL_CHOSEN for a new one), the
 * initiator deletes what the responder made (ike_child_install_failed).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "exch.h"
#include "frag.h"

/* ------------------------------------------------- shared negotiation */

static void conf_ts(struct ike_sa *sa, uint16_t cfg_idx, struct ike_ts *local,
		    uint8_t *nl, struct ike_ts *remote, uint8_t *nr)
{
	const struct ike_conf_child *cc = &sa->ccfg[cfg_idx];

	/* `dynamic` is this side's IKE address (and the peer's for the
	 * remote selectors) */
	*nl = *nr = 0;
	ike_ts_conf_list(cc->local_ts, cc->n_local_ts, &sa->path.local, local, nl);
	ike_ts_conf_list(cc->remote_ts, cc->n_remote_ts, &sa->path.remote,
			 remote, nr);
}

int ike_child_enc_sa_offer(struct ike_sa *sa, struct ike_enc *e,
			   uint16_t cfg_idx, uint32_t spi_in, bool with_dh,
			   uint16_t first_dh)
{
	const struct ike_conf_child *cc = &sa->ccfg[cfg_idx];
	struct ike_sa_pld *pl = malloc(sizeof(*pl));
	uint8_t spi[IKE_CHILD_SPI_LEN];
	int rc;

	if (!pl)
		return -ENOMEM;
	/* §3.3.1: our inbound SPI goes in each proposal */
	ike_put32(spi, spi_in);
	rc = ike_prop_build(pl, cc->proposals, cc->n_proposals, spi, sizeof(spi),
			    !with_dh, first_dh);
	if (!rc)
		rc = ike_enc_sa(e, pl);
	free(pl);
	return rc;
}

static int enc_ts_pair(struct ike_enc *e, const struct ike_ts *tsi, uint8_t ni,
		       const struct ike_ts *tsr, uint8_t nr)
{
	struct ike_ts_list w;
	int rc;

	ike_ts_to_wire(tsi, ni, &w);
	rc = ike_enc_ts(e, IKE_PL_TSI, &w);
	if (!rc) {
		ike_ts_to_wire(tsr, nr, &w);
		rc = ike_enc_ts(e, IKE_PL_TSR, &w);
	}
	return rc;
}

int ike_child_enc_ts_offer(struct ike_sa *sa, struct ike_enc *e,
			   uint16_t cfg_idx)
{
	struct ike_ts l[IKE_TS_MAX], r[IKE_TS_MAX];
	uint8_t nl, nr;

	conf_ts(sa, cfg_idx, l, &nl, r, &nr);
	if (!nl || !nr)
		return -EINVAL;
	/* §2.9: TSi are the initiator's (our local) selectors */
	return enc_ts_pair(e, l, nl, r, nr);
}

static int enc_sa_answer(struct ike_enc *e, const struct ike_child_pick *p,
			 uint32_t spi_in)
{
	struct ike_sa_pld *pl = malloc(sizeof(*pl));
	uint8_t spi[IKE_CHILD_SPI_LEN];
	int rc;

	if (!pl)
		return -ENOMEM;
	ike_put32(spi, spi_in);
	rc = ike_prop_answer(pl, &p->ch, spi, sizeof(spi));
	if (!rc)
		rc = ike_enc_sa(e, pl);
	free(pl);
	return rc;
}

int ike_child_enc_answer(struct ike_sa *sa, struct ike_enc *e,
			 const struct ike_child_pick *p, uint32_t spi_in)
{
	int rc;

	(void)sa;
	rc = enc_sa_answer(e, p, spi_in);
	/* §2.9: TSi stays the initiator's side: our remote selectors */
	if (!rc)
		rc = enc_ts_pair(e, p->remote, p->n_remote, p->local, p->n_local);
	return rc;
}

/*
 * Behind a NAT the peer's `dynamic` address is not the one we see (§2.23
 * leaves it to policy): a host selector the authenticated peer proposes
 * stands for its dynamic selector, with the configured protocol and ports.
 */
static void nat_dynamic(const struct ike_conf_child *cc, const struct ike_ts *prop,
			uint8_t np, struct ike_ts *orr, uint8_t *nr)
{
	for (uint8_t i = 0; i < cc->n_remote_ts; i++) {
		const struct ike_conf_ts *t = &cc->remote_ts[i];

		if (!t->dynamic)
			continue;
		for (uint8_t j = 0; j < np && *nr < IKE_TS_MAX; j++) {
			size_t alen = prop[j].family == AF_INET ? 4 : 16;

			if (memcmp(prop[j].start, prop[j].end, alen))
				continue;
			orr[*nr] = prop[j];
			orr[*nr].proto = t->proto;
			orr[*nr].port_lo = t->port_lo;
			orr[*nr].port_hi = t->port_hi;
			(*nr)++;
		}
	}
}

uint16_t ike_child_select(struct ike_sa *sa, const struct ike_child_offer *o,
			  struct ike_child_pick *p)
{
	struct ike_ts ptsi[IKE_TS_MAX], ptsr[IKE_TS_MAX];
	uint8_t npi = 0, npr = 0;
	uint16_t err = IKE_N_TS_UNACCEPTABLE;

	memset(p, 0, sizeof(*p));
	/* §3.13: TSi and TSr with at least one selector we understand */
	if (ike_ts_from_wire(&o->tsi, ptsi, &npi) ||
	    ike_ts_from_wire(&o->tsr, ptsr, &npr))
		return IKE_N_TS_UNACCEPTABLE;
	for (size_t i = 0; i < sa->n_ccfg; i++) {
		const struct ike_conf_child *cc = &sa->ccfg[i];
		struct ike_ts ol[IKE_TS_MAX], orr[IKE_TS_MAX];
		uint8_t nl, nr;

		if (o->only_cfg >= 0 && (size_t)o->only_cfg != i)
			continue;
		/* a child configured for transport mode is not run as a
		 * tunnel (§1.3.1: transport only when both ask for it) */
		if (cc->mode == IKE_CONF_MODE_TRANSPORT && !o->transport)
			continue;
		conf_ts(sa, (uint16_t)i, ol, &nl, orr, &nr);
		if (sa->nat_remote)
			nat_dynamic(cc, ptsi, npi, orr, &nr);
		/* §2.9: narrow to what our policy allows, both sides */
		if (ike_ts_narrow(ptsi, npi, orr, nr, p->remote, &p->n_remote) ||
		    ike_ts_narrow(ptsr, npr, ol, nl, p->local, &p->n_local))
			continue;
		if (ike_prop_select(o->sa, cc->proposals, cc->n_proposals,
				    cc->protocol, !o->rekey, o->ke_group, &p->ch)) {
			err = IKE_N_NO_PROPOSAL_CHOSEN;
			continue;
		}
		/* §1.3: with a D-H group chosen the KE must be of it */
		if (p->ch.dh && p->ch.dh != o->ke_group) {
			err = IKE_N_INVALID_KE_PAYLOAD;
			p->cfg_idx = (uint16_t)i;
			return err;
		}
		/* §1.3.1: transport mode only if asked for and configured */
		p->transport = o->transport && cc->mode == IKE_CONF_MODE_TRANSPORT;
		p->cfg_idx = (uint16_t)i;
		return 0;
	}
	memset(p, 0, sizeof(*p));
	return err;
}

uint16_t ike_child_verify(struct ike_sa *sa, uint16_t cfg_idx,
			  const struct ike_sa_pld *sa_pl, bool no_dh,
			  const struct ike_ts *our_i, uint8_t n_i,
			  const struct ike_ts *our_r, uint8_t n_r,
			  const struct ike_ts_list *tsi,
			  const struct ike_ts_list *tsr, bool transport,
			  bool want_transport, struct ike_child_pick *p)
{
	const struct ike_conf_child *cc = &sa->ccfg[cfg_idx];
	struct ike_sa_pld *sent;
	uint8_t spi[IKE_CHILD_SPI_LEN] = { 0 };
	int rc;

	memset(p, 0, sizeof(*p));
	p->cfg_idx = cfg_idx;
	sent = malloc(sizeof(*sent));
	if (!sent)
		return IKE_N_TEMPORARY_FAILURE;
	rc = ike_prop_build(sent, cc->proposals, cc->n_proposals, spi, sizeof(spi),
			    no_dh, 0);
	/* §3.3.6: one of our proposals, one transform of each type */
	if (!rc)
		rc = ike_prop_verify(sa_pl, sent, cc->protocol, &p->ch);
	free(sent);
	if (rc)
		return IKE_N_NO_PROPOSAL_CHOSEN;
	/* §2.9: the responder may only narrow what we proposed */
	if (ike_ts_from_wire(tsi, p->local, &p->n_local) ||
	    ike_ts_from_wire(tsr, p->remote, &p->n_remote) ||
	    !ike_ts_subset(p->local, p->n_local, our_i, n_i) ||
	    !ike_ts_subset(p->remote, p->n_remote, our_r, n_r))
		return IKE_N_TS_UNACCEPTABLE;
	/* §1.3.1: transport mode iff we asked and the responder agreed */
	if (transport != want_transport)
		return IKE_N_NO_PROPOSAL_CHOSEN;
	p->transport = transport;
	return 0;
}

int ike_child_establish(struct ike_sa *sa, struct ike_child *c,
			const struct ike_child_pick *p, bool we_initiated,
			const uint8_t *gir, size_t gir_len,
			const uint8_t *ni, size_t ni_len,
			const uint8_t *nr, size_t nr_len, bool install_out,
			uint32_t old_spi_out)
{
	struct ike_agent *a = sa->agent;
	const struct ike_conf_child *cc = &sa->ccfg[p->cfg_idx];
	struct ike_child_keys ck;
	struct ike_child_install *in = &c->inst;
	enum ike_dir din = we_initiated ? IKE_DIR_R2I : IKE_DIR_I2R;
	int rc;

	memset(&ck, 0, sizeof(ck));
	/* §2.17: KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) */
	rc = ike_child_keys_derive(&ck, &sa->keys,
				   p->ch.protocol == IKE_PROTO_AH ? NULL : p->ch.encr,
				   p->ch.integ, gir, gir_len, ni, ni_len, nr, nr_len);
	if (!rc)
		rc = ike_child_keys_xfrm(&ck, din, in->alg_in, sizeof(in->alg_in));
	if (!rc)
		rc = ike_child_keys_xfrm(&ck, din == IKE_DIR_I2R ? IKE_DIR_R2I :
								 IKE_DIR_I2R,
					 in->alg_out, sizeof(in->alg_out));
	ike_child_keys_wipe(&ck);
	if (rc)
		goto out;
	if (!in->reqid) {
		if (!++a->next_reqid)
			a->next_reqid = 1;
		in->reqid = a->next_reqid;
	}
	in->protocol = p->ch.protocol;
	in->transport = p->transport;
	/* RFC 3948: ESP in UDP when a NAT is in the way (or faked) */
	in->encap = (sa->nat_local || sa->nat_remote) &&
		    p->ch.protocol == IKE_PROTO_ESP;
	in->esn = p->ch.esn == IKE_ESN_ON;
	in->path = sa->path;
	in->spi_out = ike_get32(p->ch.spi);
	in->n_local_ts = p->n_local;
	in->n_remote_ts = p->n_remote;
	memcpy(in->local_ts, p->local, sizeof(in->local_ts));
	memcpy(in->remote_ts, p->remote, sizeof(in->remote_ts));
	in->soft_bytes = cc->rekey_bytes;
	in->hard_bytes = cc->life_bytes;
	in->soft_packets = cc->rekey_packets;
	in->hard_packets = cc->life_packets;
	c->cfg_idx = p->cfg_idx;
	in->child = sa->ccfg[p->cfg_idx].name;
	c->encr = p->ch.protocol == IKE_PROTO_AH ? NULL : p->ch.encr;
	c->integ = p->ch.integ;
	if (p->ch.dh)
		c->pfs = p->ch.dh;
	else if (!c->pfs)
		c->pfs = ike_prop_first_dh(cc->proposals, cc->n_proposals);
	c->we_created = we_initiated;
	memcpy(c->ni, ni, ni_len);
	c->ni_len = (uint16_t)ni_len;
	memcpy(c->nr, nr, nr_len);
	c->nr_len = (uint16_t)nr_len;
	c->established_ms = ike_now_ms();
	c->state = IKE_CHILD_INSTALLED;

	rc = ike_install_in(a, in);
	if (!rc)
		c->installed_in = true;
	if (!rc && install_out) {
		rc = ike_install_out(a, in, old_spi_out);
		if (rc) {
			/* nothing of it stays behind */
			ike_uninstall(a, in, in->spi_in, 1, false);
			c->installed_in = false;
		} else {
			c->installed_out = true;
			c->out_active = true;
		}
	}
	if (rc) {
		ike_count(a, IKE_AC_INSTALL_FAILED);
		ike_child_log(c, IKE_SA_LOG_ERR, "install failed: %d", rc);
		OPENSSL_cleanse(in->alg_in, sizeof(in->alg_in));
		OPENSSL_cleanse(in->alg_out, sizeof(in->alg_out));
		goto out;
	}
	sa->install_fails[p->cfg_idx] = 0;
	ike_child_up(c);
	ike_child_log(c, IKE_SA_LOG_INFO, "Child SA established: %s %s%s%s",
		      in->protocol == IKE_PROTO_AH ? "AH" : "ESP",
		      in->transport ? "transport" : "tunnel",
		      in->encap ? " (UDP encap)" : "", we_initiated ? "" : " (responder)");
out:
	return rc;
}

/* The backoff of the next try after a failed install: 5 s doubling to
 * 80 s. */
static uint64_t retry_delay(struct ike_sa *sa, uint16_t cfg)
{
	unsigned int n = sa->install_fails[cfg];

	if (n < UINT8_MAX)
		sa->install_fails[cfg] = (uint8_t)++n;
	return (uint64_t)IKE_RETRY_DELAY_MS << (n > 5 ? 4 : n - 1);
}

void ike_child_install_failed(struct ike_child *c)
{
	struct ike_sa *sa = c->ike;
	const struct ike_conf_child *cc = &sa->ccfg[c->cfg_idx];
	struct ike_child *old = c->replaces ? ike_child_by_in(sa, c->replaces) : NULL;
	uint64_t delay = retry_delay(sa, c->cfg_idx);

	/* §1.4.1: the responder has it: a DELETE tells it to drop it too */
	ike_child_log(c, IKE_SA_LOG_WARN, "not installed here: deleting it on "
		      "both sides, next try in %llu s",
		      (unsigned long long)(delay / 1000));
	c->install_failed = true;
	c->state = IKE_CHILD_REKEYED;
	ike_sa_task_add(sa, IKE_TASK_CHILD_DELETE, c->cfg_idx, c->inst.spi_in);
	if (old && !old->dp_lost) {
		/* the SA it was to replace still carries the traffic */
		if (old->state == IKE_CHILD_REKEYING)
			old->state = IKE_CHILD_INSTALLED;
		ike_sa_task_add_later(sa, IKE_TASK_CHILD_REKEY, old->cfg_idx,
				      old->inst.spi_in, delay);
		return;
	}
	if (old && old->state != IKE_CHILD_DELETING) {
		/* the datapath lost the old one too: both go, a new one
		 * comes */
		old->state = IKE_CHILD_REKEYED;
		ike_sa_task_add(sa, IKE_TASK_CHILD_DELETE, old->cfg_idx,
				old->inst.spi_in);
	}
	if (old || cc->start_action == IKE_CONF_START_START ||
	    cc->dpd_action == IKE_CONF_DPD_RESTART)
		ike_sa_task_add_later(sa, IKE_TASK_CHILD_CREATE, c->cfg_idx, 0, delay);
}

/* ----------------------------------------------------- our requests */

static int child_request(struct ike_sa *sa, uint8_t kind, uint16_t cfg_idx,
			 struct ike_child *old, uint16_t ke_group)
{
	const struct ike_conf_child *cc = &sa->ccfg[cfg_idx];
	struct ike_out *o;
	uint8_t pub[IKE_DH_PUBLIC_MAX], spi[IKE_CHILD_SPI_LEN];
	size_t publen = 0;
	uint16_t group;
	int rc;

	if (sa->nchildren >= IKE_CHILD_MAX)
		return -ENOSPC;
	group = ke_group ? ke_group :
		old && old->pfs ? old->pfs :
		ike_prop_first_dh(cc->proposals, cc->n_proposals);
	if (group && !ike_prop_has_dh(cc->proposals, cc->n_proposals, group))
		group = 0;
	sa->req.cfg_idx = cfg_idx;
	sa->req.spi = old ? old->inst.spi_in : 0;
	sa->req.new_spi = ike_child_new_spi(sa->agent);
	sa->req.transport = old ? old->inst.transport :
				  cc->mode == IKE_CONF_MODE_TRANSPORT;
	sa->req.nonce_len = IKE_NONCE_LEN;
	rc = ike_random(sa->req.nonce, sa->req.nonce_len);
	if (rc)
		return rc;
	if (group) {
		/* §1.3.1: PFS with a KE of the first group we propose */
		sa->req.dh = ike_dh_new(group);
		if (!sa->req.dh)
			return -errno;
		rc = ike_dh_public(sa->req.dh, pub, sizeof(pub), &publen);
		if (rc)
			return rc;
	}
	o = malloc(sizeof(*o));
	if (!o)
		return -ENOMEM;
	/* §1.3.1: HDR, SK {[N(REKEY_SA)], SA, Ni, [KEi], TSi, TSr} */
	rc = ike_out_begin(sa, o, IKE_EXCH_CREATE_CHILD_SA, false, sa->msgid_next);
	if (!rc && old) {
		/* §1.3.3: the SA being rekeyed, by our inbound SPI */
		ike_put32(spi, old->inst.spi_in);
		rc = ike_enc_notify(&o->e, old->inst.protocol, spi, sizeof(spi),
				    IKE_N_REKEY_SA, NULL, 0);
	}
	if (!rc && sa->req.transport)
		rc = ike_enc_notify(&o->e, IKE_PROTO_NONE, NULL, 0,
				    IKE_N_USE_TRANSPORT_MODE, NULL, 0);
	if (!rc)
		rc = ike_child_enc_sa_offer(sa, &o->e, cfg_idx, sa->req.new_spi,
					    true, group);
	if (!rc)
		rc = ike_enc_nonce(&o->e, sa->req.nonce, sa->req.nonce_len);
	if (!rc && group)
		rc = ike_enc_ke(&o->e, group, pub, publen);
	if (!rc) {
		/* a rekey keeps the selectors negotiated before (§2.8) */
		if (old)
			rc = enc_ts_pair(&o->e, old->inst.local_ts,
					 old->inst.n_local_ts, old->inst.remote_ts,
					 old->inst.n_remote_ts);
		else
			rc = ike_child_enc_ts_offer(sa, &o->e, cfg_idx);
	}
	if (!rc)
		rc = ike_out_seal(sa, o);
	if (!rc)
		rc = ike_sa_send_request(sa, o, kind);
	OPENSSL_cleanse(o, sizeof(*o));
	free(o);
	if (!rc && old)
		old->state = IKE_CHILD_REKEYING;
	return rc;
}

static void req_reset(struct ike_sa *sa)
{
	ike_dh_free(sa->req.dh);
	sa->req.dh = NULL;
}

int ike_child_start_create(struct ike_sa *sa, uint16_t cfg_idx, uint16_t ke_group)
{
	int rc;

	if (cfg_idx >= sa->n_ccfg)
		return -EINVAL;
	rc = child_request(sa, IKE_TASK_CHILD_CREATE, cfg_idx, NULL, ke_group);
	if (rc)
		req_reset(sa);
	else
		ike_sa_log(sa, IKE_SA_LOG_INFO, "CREATE_CHILD_SA for %s sent",
			   sa->ccfg[cfg_idx].name);
	return rc;
}

int ike_child_start_rekey(struct ike_sa *sa, uint32_t spi_in, uint16_t ke_group)
{
	struct ike_child *c = ike_child_by_in(sa, spi_in);
	int rc;

	if (!c || c->state != IKE_CHILD_INSTALLED)
		return -ENOENT;
	rc = child_request(sa, IKE_TASK_CHILD_REKEY, c->cfg_idx, c, ke_group);
	if (rc)
		req_reset(sa);
	else
		ike_child_log(c, IKE_SA_LOG_INFO, "rekeying the Child SA");
	return rc;
}

int ike_rekey_start(struct ike_sa *sa, uint16_t ke_group)
{
	struct ike_sa_pld *pl;
	struct ike_out *o;
	uint8_t pub[IKE_DH_PUBLIC_MAX], spi[IKE_SPI_LEN];
	size_t publen = 0;
	uint16_t group;
	int rc;

	if (sa->state != IKE_SA_ESTABLISHED || sa->collide)
		return -EBUSY;
	/* §1.3.2: the new IKE SA gets a fresh D-H; the group in use first */
	group = ke_group ? ke_group : sa->dh_group;
	if (!ike_prop_has_dh(sa->conn.proposals, sa->conn.n_proposals, group))
		group = ike_prop_first_dh(sa->conn.proposals, sa->conn.n_proposals);
	sa->req.new_ike_spi = ike_sa_new_spi(sa->agent);
	sa->req.nonce_len = IKE_NONCE_LEN;
	sa->req.dh = ike_dh_new(group);
	if (!sa->req.new_ike_spi || !sa->req.dh ||
	    ike_random(sa->req.nonce, sa->req.nonce_len) ||
	    ike_dh_public(sa->req.dh, pub, sizeof(pub), &publen)) {
		req_reset(sa);
		return -EIO;
	}
	pl = malloc(sizeof(*pl));
	o = malloc(sizeof(*o));
	if (!pl || !o) {
		rc = -ENOMEM;
		goto out;
	}
	/* §1.3.2: HDR, SK {SA, Ni, KEi}, the SA carrying our new SPI */
	ike_put64(spi, sa->req.new_ike_spi);
	rc = ike_prop_build(pl, sa->conn.proposals, sa->conn.n_proposals, spi,
			    sizeof(spi), false, group);
	if (!rc)
		rc = ike_out_begin(sa, o, IKE_EXCH_CREATE_CHILD_SA, false,
				   sa->msgid_next);
	if (!rc)
		rc = ike_enc_sa(&o->e, pl);
	if (!rc)
		rc = ike_enc_nonce(&o->e, sa->req.nonce, sa->req.nonce_len);
	if (!rc)
		rc = ike_enc_ke(&o->e, group, pub, publen);
	if (!rc)
		rc = ike_out_seal(sa, o);
	if (!rc)
		rc = ike_sa_send_request(sa, o, IKE_TASK_IKE_REKEY);
	if (!rc)
		ike_sa_log(sa, IKE_SA_LOG_INFO, "rekeying the IKE SA");
out:
	if (rc)
		req_reset(sa);
	if (o)
		OPENSSL_cleanse(o, sizeof(*o));
	free(o);
	free(pl);
	return rc;
}

/* ------------------------------------------------------ IKE SA rekey */

/* A new IKE SA replacing sa (§2.18); initiator: we started the rekey. */
static struct ike_sa *rekeyed_sa(struct ike_sa *sa, bool initiator,
				 uint64_t spi_i, uint64_t spi_r,
				 const struct ike_choice *ch,
				 const uint8_t *gir, size_t gir_len,
				 const uint8_t *ni, size_t ni_len,
				 const uint8_t *nr, size_t nr_len)
{
	struct ike_sa *ns = ike_sa_new(sa->agent, &sa->conn, initiator);
	uint8_t si[8], sr[8];

	if (!ns)
		return NULL;
	ns->spi_i = spi_i;
	ns->spi_r = spi_r;
	ns->path = sa->path;
	ns->nat_local = sa->nat_local;
	ns->nat_remote = sa->nat_remote;
	ns->peer_id = sa->peer_id;
	ike_frag_inherit(ns, sa);
	ns->conn_bound = true;
	ns->encr = ch->encr;
	ns->prf = ch->prf;
	ns->integ = ch->integ;
	ns->dh_group = ch->dh;
	memcpy(ns->ni, ni, ni_len);
	ns->ni_len = (uint16_t)ni_len;
	memcpy(ns->nr, nr, nr_len);
	ns->nr_len = (uint16_t)nr_len;
	ns->rekeyed_from = sa;
	ike_put64(si, spi_i);
	ike_put64(sr, spi_r);
	/* §2.18: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) */
	if (ike_keys_rekey(&ns->keys, &sa->keys, ch->encr, ch->prf, ch->integ,
			   gir, gir_len, ni, ni_len, nr, nr_len, si, sr)) {
		ike_sa_kill(ns, "rekey key derivation failed");
		return NULL;
	}
	ns->keys_ok = true;
	/* §2.2: Message IDs start over */
	ns->msgid_next = 0;
	ns->peer_next = 0;
	ike_sa_established(ns);
	return ns;
}

/* §2.8.2: which of two new IKE SAs (or Child SAs) goes: the one whose
 * exchange holds the lowest of the four nonces. true if A's does. */
static bool a_has_lowest(const uint8_t *ani, size_t anil, const uint8_t *anr,
			 size_t anrl, const uint8_t *bni, size_t bnil,
			 const uint8_t *bnr, size_t bnrl)
{
	const uint8_t *alo = ike_nonce_cmp(ani, anil, anr, anrl) <= 0 ? ani : anr;
	size_t alol = alo == ani ? anil : anrl;
	const uint8_t *blo = ike_nonce_cmp(bni, bnil, bnr, bnrl) <= 0 ? bni : bnr;
	size_t blol = blo == bni ? bnil : bnrl;

	return ike_nonce_cmp(alo, alol, blo, blol) < 0;
}

/* How many replaced IKE SAs still linger behind sa (§2.18 rekeys). */
static unsigned int rekey_chain(const struct ike_sa *sa)
{
	unsigned int n = 0;

	for (const struct ike_sa *s = sa->rekeyed_from; s && n <= IKE_REKEY_CHAIN_MAX;
	     s = s->rekeyed_from)
		n++;
	return n;
}

static void rekey_ike_respond(struct ike_sa *sa, const struct ike_path *path,
			      struct ike_msg *m, const struct ike_sa_pld *pl)
{
	struct ike_agent *a = sa->agent;
	const struct ike_pld *pno = ike_msg_find(m, IKE_PL_NONCE);
	const struct ike_pld *pke = ike_msg_find(m, IKE_PL_KE);
	uint32_t msgid = m->hdr.msgid;
	struct ike_choice ch;
	struct ike_dh *dh = NULL;
	struct ike_sa *ns;
	struct ike_out *o = NULL;
	struct ike_sa_pld *ans = NULL;
	uint8_t nr[IKE_NONCE_LEN], pub[IKE_DH_PUBLIC_MAX], spi[IKE_SPI_LEN], grp[2];
	const uint8_t *gir;
	size_t gir_len, publen;
	uint64_t spi_r;
	bool collision = sa->req.active && sa->req.kind == IKE_TASK_IKE_REKEY;
	int rc;

	/* §2.25.2: rekeying while another of our exchanges is out, or
	 * twice, is refused for now */
	if ((sa->req.active && !collision) || sa->collide) {
		ike_sa_respond_notify(sa, path, IKE_EXCH_CREATE_CHILD_SA, msgid,
				      IKE_N_TEMPORARY_FAILURE, IKE_PROTO_NONE, 0,
				      NULL, 0);
		return;
	}
	/* bounded memory: a peer rekeying in a loop holds at most
	 * IKE_REKEY_CHAIN_MAX replaced IKE SAs (they linger a while) */
	if (rekey_chain(sa) >= IKE_REKEY_CHAIN_MAX) {
		ike_sa_respond_notify(sa, path, IKE_EXCH_CREATE_CHILD_SA, msgid,
				      IKE_N_NO_ADDITIONAL_SAS, IKE_PROTO_NONE, 0,
				      NULL, 0);
		return;
	}
	/* §1.3.2: an SA with an 8-octet SPI, Ni, KEi */
	if (ike_prop_select(pl, sa->conn.proposals, sa->conn.n_proposals,
			    IKE_PROTO_IKE, false, pke ? pke->v.ke.group : 0, &ch) ||
	    ch.spi_len != IKE_SPI_LEN) {
		ike_count(a, IKE_AC_NO_PROPOSAL);
		ike_sa_respond_notify(sa, path, IKE_EXCH_CREATE_CHILD_SA, msgid,
				      IKE_N_NO_PROPOSAL_CHOSEN, IKE_PROTO_NONE, 0,
				      NULL, 0);
		return;
	}
	if (!pke || pke->v.ke.group != ch.dh) {
		ike_put16(grp, ch.dh);
		ike_sa_respond_notify(sa, path, IKE_EXCH_CREATE_CHILD_SA, msgid,
				      IKE_N_INVALID_KE_PAYLOAD, IKE_PROTO_NONE, 0,
				      grp, sizeof(grp));
		return;
	}
	dh = ike_dh_new(ch.dh);
	spi_r = ike_sa_new_spi(a);
	if (!dh || !spi_r || ike_random(nr, sizeof(nr)) ||
	    ike_dh_derive(dh, pke->v.ke.data, pke->v.ke.len, NULL) ||
	    ike_dh_public(dh, pub, sizeof(pub), &publen)) {
		ike_sa_respond_notify(sa, path, IKE_EXCH_CREATE_CHILD_SA, msgid,
				      IKE_N_NO_PROPOSAL_CHOSEN, IKE_PROTO_NONE, 0,
				      NULL, 0);
		goto out;
	}
	gir = ike_dh_secret(dh, &gir_len);
	/* the peer started this rekey: it is the new SA's initiator */
	ns = rekeyed_sa(sa, false, ike_get64(ch.spi), spi_r, &ch, gir, gir_len,
			pno->v.nonce.data, pno->v.nonce.len, nr, sizeof(nr));
	if (!ns) {
		ike_sa_respond_notify(sa, path, IKE_EXCH_CREATE_CHILD_SA, msgid,
				      IKE_N_NO_PROPOSAL_CHOSEN, IKE_PROTO_NONE, 0,
				      NULL, 0);
		goto out;
	}
	o = malloc(sizeof(*o));
	ans = malloc(sizeof(*ans));
	ike_put64(spi, spi_r);
	rc = o && ans ? 0 : -ENOMEM;
	/* §1.3.2: HDR, SK {SA, Nr, KEr} */
	if (!rc)
		rc = ike_out_begin(sa, o, IKE_EXCH_CREATE_CHILD_SA, true, msgid);
	if (!rc)
		rc = ike_prop_answer(ans, &ch, spi, sizeof(spi));
	if (!rc)
		rc = ike_enc_sa(&o->e, ans);
	if (!rc)
		rc = ike_enc_nonce(&o->e, nr, sizeof(nr));
	if (!rc)
		rc = ike_enc_ke(&o->e, ch.dh, pub, publen);
	if (!rc)
		rc = ike_out_seal(sa, o);
	if (!rc)
		rc = ike_sa_send_response(sa, path, o);
	if (rc) {
		ike_sa_kill(ns, "cannot answer the IKE rekey");
		goto out;
	}
	if (collision) {
		/* §2.8.2: decided when our own rekey completes */
		sa->collide = ns;
		ike_sa_log(sa, IKE_SA_LOG_INFO, "simultaneous IKE SA rekey");
	} else {
		/* §2.18: the Child SAs move; the peer deletes this SA */
		ike_sa_move_children(sa, ns);
		ike_sa_retire(sa);
		ike_sa_log(sa, IKE_SA_LOG_INFO, "IKE SA rekeyed by the peer");
	}
out:
	ike_dh_free(dh);
	OPENSSL_cleanse(nr, sizeof(nr));
	if (o)
		OPENSSL_cleanse(o, sizeof(*o));
	free(o);
	free(ans);
}

static void rekey_ike_response(struct ike_sa *sa, struct ike_msg *m)
{
	struct ike_agent *a = sa->agent;
	const struct ike_pld *psa = ike_msg_find(m, IKE_PL_SA);
	const struct ike_pld *pno = ike_msg_find(m, IKE_PL_NONCE);
	const struct ike_pld *pke = ike_msg_find(m, IKE_PL_KE);
	struct ike_sa_pld *resp = NULL, *sent = NULL;
	struct ike_choice ch;
	struct ike_sa *ns, *b;
	uint8_t spi[IKE_SPI_LEN];
	const uint8_t *gir;
	size_t gir_len;
	bool ok = false;

	resp = malloc(sizeof(*resp));
	sent = malloc(sizeof(*sent));
	ike_put64(spi, sa->req.new_ike_spi);
	/* §1.3.2: SA (one proposal, 8-octet SPI), Nr, KEr of our group */
	if (resp && sent && psa && pno && pke &&
	    !ike_sa_parse(psa->body, psa->blen, resp, NULL) &&
	    !ike_prop_build(sent, sa->conn.proposals, sa->conn.n_proposals, spi,
			    sizeof(spi), false, 0) &&
	    !ike_prop_verify(resp, sent, IKE_PROTO_IKE, &ch) &&
	    ch.spi_len == IKE_SPI_LEN && ike_get64(ch.spi) &&
	    ch.dh == ike_dh_group(sa->req.dh) && pke->v.ke.group == ch.dh &&
	    pno->v.nonce.len >= IKE_NONCE_MIN &&
	    !ike_dh_derive(sa->req.dh, pke->v.ke.data, pke->v.ke.len, NULL))
		ok = true;
	free(resp);
	free(sent);
	if (!ok) {
		ike_count(a, IKE_AC_DROP_MALFORMED);
		ike_sa_log(sa, IKE_SA_LOG_WARN, "IKE rekey answer not acceptable");
		ike_sa_request_done(sa);
		return;
	}
	gir = ike_dh_secret(sa->req.dh, &gir_len);
	ns = rekeyed_sa(sa, true, sa->req.new_ike_spi, ike_get64(ch.spi), &ch,
			gir, gir_len, sa->req.nonce, sa->req.nonce_len,
			pno->v.nonce.data, pno->v.nonce.len);
	if (!ns) {
		ike_sa_request_done(sa);
		return;
	}
	b = sa->collide;
	if (b && a_has_lowest(ns->ni, ns->ni_len, ns->nr, ns->nr_len,
			      b->ni, b->ni_len, b->nr, b->nr_len)) {
		/* §2.8.2: ours holds the lowest nonce: we delete it; the
		 * peer's survives and takes the Child SAs; the peer, who
		 * made the survivor, deletes the old one */
		ike_sa_log(sa, IKE_SA_LOG_INFO, "simultaneous IKE rekey: ours is redundant");
		ike_sa_move_children(sa, b);
		ike_sa_retire(sa);
		sa->collide = NULL;
		ike_sa_task_add(ns, IKE_TASK_IKE_DELETE, 0, 0);
		ike_sa_request_done(sa);
		return;
	}
	if (b)
		ike_sa_log(sa, IKE_SA_LOG_INFO, "simultaneous IKE rekey: the peer's is redundant");
	/* §2.18: the Child SAs move to the new IKE SA and we, who made it,
	 * delete the old one */
	ike_sa_move_children(sa, ns);
	ike_sa_retire(sa);
	sa->collide = NULL;
	ike_sa_request_done(sa);
	ike_sa_task_add(sa, IKE_TASK_IKE_DELETE, 0, 0);
}

/* --------------------------------------------------- Child SA requests */

static void child_respond(struct ike_sa *sa, const struct ike_path *path,
			  struct ike_msg *m, const struct ike_sa_pld *pl)
{
	struct ike_agent *a = sa->agent;
	const struct ike_pld *pno = ike_msg_find(m, IKE_PL_NONCE);
	const struct ike_pld *pke = ike_msg_find(m, IKE_PL_KE);
	const struct ike_pld *prk = ike_msg_notify(m, IKE_N_REKEY_SA);
	const struct ike_pld *ptsi = ike_msg_find(m, IKE_PL_TSI);
	const struct ike_pld *ptsr = ike_msg_find(m, IKE_PL_TSR);
	uint32_t msgid = m->hdr.msgid, rk_spi = 0, spi_in;
	struct ike_child *old = NULL, *c;
	struct ike_child_offer off;
	struct ike_child_pick pick;
	struct ike_dh *dh = NULL;
	struct ike_out *o = NULL;
	uint8_t nr[IKE_NONCE_LEN], pub[IKE_DH_PUBLIC_MAX], grp[2];
	const uint8_t *gir = NULL;
	size_t gir_len = 0, publen = 0;
	uint16_t err;
	int rc;

	/* §1.3.1: TSi and TSr are required for a Child SA */
	if (!ptsi || !ptsr) {
		ike_count(a, IKE_AC_DROP_MALFORMED);
		ike_sa_respond_notify(sa, path, IKE_EXCH_CREATE_CHILD_SA, msgid,
				      IKE_N_INVALID_SYNTAX, IKE_PROTO_NONE, 0,
				      NULL, 0);
		return;
	}
	if (prk) {
		ike_notify_spi32(&prk->v.n, &rk_spi);
		old = ike_child_by_out(sa, prk->v.n.proto, rk_spi);
		/* §2.25: rekeying what we do not have */
		if (!old || old->state == IKE_CHILD_DEAD) {
			ike_sa_respond_notify(sa, path, IKE_EXCH_CREATE_CHILD_SA,
					      msgid, IKE_N_CHILD_SA_NOT_FOUND,
					      prk->v.n.proto, rk_spi, NULL, 0);
			return;
		}
		/* §2.25.1: rekeying what we are closing (or already
		 * replaced) is refused for now */
		if (old->state == IKE_CHILD_DELETING ||
		    old->state == IKE_CHILD_REKEYED) {
			ike_sa_respond_notify(sa, path, IKE_EXCH_CREATE_CHILD_SA,
					      msgid, IKE_N_TEMPORARY_FAILURE,
					      IKE_PROTO_NONE, 0, NULL, 0);
			return;
		}
	}
	/* §2.25.2: no Child SA work while our IKE SA rekey is out */
	if (sa->req.active && sa->req.kind == IKE_TASK_IKE_REKEY) {
		ike_sa_respond_notify(sa, path, IKE_EXCH_CREATE_CHILD_SA, msgid,
				      IKE_N_TEMPORARY_FAILURE, IKE_PROTO_NONE, 0,
				      NULL, 0);
		return;
	}
	if (sa->nchildren >= IKE_CHILD_MAX) {
		ike_sa_respond_notify(sa, path, IKE_EXCH_CREATE_CHILD_SA, msgid,
				      IKE_N_NO_ADDITIONAL_SAS, IKE_PROTO_NONE, 0,
				      NULL, 0);
		return;
	}
	memset(&off, 0, sizeof(off));
	off.sa = pl;
	off.transport = ike_msg_notify(m, IKE_N_USE_TRANSPORT_MODE) != NULL;
	off.rekey = true;
	off.ke_group = pke ? pke->v.ke.group : 0;
	off.only_cfg = old ? old->cfg_idx : -1;
	if (ike_ts_parse(ptsi->body, ptsi->blen, &off.tsi, NULL) ||
	    ike_ts_parse(ptsr->body, ptsr->blen, &off.tsr, NULL)) {
		ike_count(a, IKE_AC_DROP_MALFORMED);
		ike_sa_respond_notify(sa, path, IKE_EXCH_CREATE_CHILD_SA, msgid,
				      IKE_N_INVALID_SYNTAX, IKE_PROTO_NONE, 0,
				      NULL, 0);
		return;
	}
	err = ike_child_select(sa, &off, &pick);
	if (err == IKE_N_INVALID_KE_PAYLOAD) {
		/* §1.3: tell the initiator the group we want */
		ike_put16(grp, pick.ch.dh);
		ike_sa_respond_notify(sa, path, IKE_EXCH_CREATE_CHILD_SA, msgid,
				      err, IKE_PROTO_NONE, 0, grp, sizeof(grp));
		return;
	}
	if (err) {
		if (err == IKE_N_NO_PROPOSAL_CHOSEN)
			ike_count(a, IKE_AC_NO_PROPOSAL);
		ike_sa_log(sa, IKE_SA_LOG_WARN, "CREATE_CHILD_SA refused: %s", ike_notify_name(err));
		ike_sa_respond_notify(sa, path, IKE_EXCH_CREATE_CHILD_SA, msgid,
				      err, IKE_PROTO_NONE, 0, NULL, 0);
		return;
	}
	if (ike_random(nr, sizeof(nr)))
		goto fail;
	if (pick.ch.dh) {
		dh = ike_dh_new(pick.ch.dh);
		if (!dh || ike_dh_derive(dh, pke->v.ke.data, pke->v.ke.len, NULL) ||
		    ike_dh_public(dh, pub, sizeof(pub), &publen))
			goto fail;
		gir = ike_dh_secret(dh, &gir_len);
	}
	c = ike_child_new(sa, pick.cfg_idx);
	if (!c)
		goto fail;
	spi_in = c->inst.spi_in = ike_child_new_spi(a);
	if (old) {
		c->inst.reqid = old->inst.reqid;
		c->replaces = old->inst.spi_in;
		c->pfs = old->pfs;
	}
	/* a rekey's responder moves its outbound side only when the old
	 * SA goes: the initiator may not have the new inbound SA yet */
	rc = ike_child_establish(sa, c, &pick, false, gir, gir_len,
				 pno->v.nonce.data, pno->v.nonce.len, nr,
				 sizeof(nr), !old, 0);
	if (rc) {
		/* refused in the answer: the initiator never has it; a
		 * rekey is tried again later (§2.25), the old SA stays */
		ike_child_kill(c, "install failed");
		ike_sa_respond_notify(sa, path, IKE_EXCH_CREATE_CHILD_SA, msgid,
				      old ? IKE_N_TEMPORARY_FAILURE :
					    IKE_N_NO_PROPOSAL_CHOSEN,
				      IKE_PROTO_NONE, 0, NULL, 0);
		goto out;
	}
	o = malloc(sizeof(*o));
	if (!o)
		goto fail_child;
	/* §1.3.1: HDR, SK {SA, Nr, [KEr], TSi, TSr} */
	rc = ike_out_begin(sa, o, IKE_EXCH_CREATE_CHILD_SA, true, msgid);
	if (!rc && pick.transport)
		rc = ike_enc_notify(&o->e, IKE_PROTO_NONE, NULL, 0,
				    IKE_N_USE_TRANSPORT_MODE, NULL, 0);
	if (!rc)
		rc = enc_sa_answer(&o->e, &pick, spi_in);
	if (!rc)
		rc = ike_enc_nonce(&o->e, nr, sizeof(nr));
	if (!rc && pick.ch.dh)
		rc = ike_enc_ke(&o->e, pick.ch.dh, pub, publen);
	if (!rc)
		rc = enc_ts_pair(&o->e, pick.remote, pick.n_remote, pick.local,
				 pick.n_local);
	if (!rc)
		rc = ike_out_seal(sa, o);
	if (!rc)
		rc = ike_sa_send_response(sa, path, o);
	if (rc)
		goto fail_child;
	if (old) {
		if (old->state == IKE_CHILD_REKEYING) {
			/* §2.25.1: we rekey it too; the nonces decide when
			 * our exchange completes (§2.8.1) */
			old->collision = true;
			ike_sa_log(sa, IKE_SA_LOG_INFO, "simultaneous rekey of Child SA %08x",
				   old->inst.spi_in);
		} else {
			old->state = IKE_CHILD_REKEYED;
		}
	}
	goto out;
fail_child:
	ike_child_kill(c, "cannot answer");
fail:
	ike_sa_respond_notify(sa, path, IKE_EXCH_CREATE_CHILD_SA, msgid,
			      IKE_N_NO_PROPOSAL_CHOSEN, IKE_PROTO_NONE, 0, NULL, 0);
out:
	ike_dh_free(dh);
	OPENSSL_cleanse(nr, sizeof(nr));
	if (o)
		OPENSSL_cleanse(o, sizeof(*o));
	free(o);
}

void ike_child_recv_request(struct ike_sa *sa, const struct ike_path *path,
			    struct ike_msg *m)
{
	const struct ike_pld *psa = ike_msg_find(m, IKE_PL_SA);
	const struct ike_pld *pno = ike_msg_find(m, IKE_PL_NONCE);
	uint32_t msgid = m->hdr.msgid;
	struct ike_sa_pld *pl;

	/* §2.25: an IKE SA being replaced or closed takes no new work */
	if (sa->state != IKE_SA_ESTABLISHED) {
		ike_sa_respond_notify(sa, path, IKE_EXCH_CREATE_CHILD_SA, msgid,
				      IKE_N_TEMPORARY_FAILURE, IKE_PROTO_NONE, 0,
				      NULL, 0);
		return;
	}
	/* §1.3: SA and a nonce (at least 128 bits, half the PRF key,
	 * §2.10) in every CREATE_CHILD_SA request */
	pl = malloc(sizeof(*pl));
	if (!psa || !pno || !pl || pno->v.nonce.len < IKE_NONCE_MIN ||
	    pno->v.nonce.len < sa->prf->out_len / 2 ||
	    ike_sa_parse(psa->body, psa->blen, pl, NULL)) {
		ike_count(sa->agent, IKE_AC_DROP_MALFORMED);
		ike_sa_respond_notify(sa, path, IKE_EXCH_CREATE_CHILD_SA, msgid,
				      IKE_N_INVALID_SYNTAX, IKE_PROTO_NONE, 0,
				      NULL, 0);
		free(pl);
		return;
	}
	/* §1.3.2: proposals for protocol IKE rekey the IKE SA */
	if (pl->prop[0].proto == IKE_PROTO_IKE)
		rekey_ike_respond(sa, path, m, pl);
	else
		child_respond(sa, path, m, pl);
	free(pl);
}

/* -------------------------------------------------- Child SA responses */

/* Notify errors in a CREATE_CHILD_SA response; true when handled. */
static bool child_response_error(struct ike_sa *sa, struct ike_msg *m,
				 struct ike_child *old)
{
	struct ike_agent *a = sa->agent;
	const struct ike_pld *p = NULL;
	uint8_t kind = sa->req.kind;
	uint16_t cfg = sa->req.cfg_idx, group;
	uint32_t spi = sa->req.spi;
	unsigned int retries = sa->req.ke_retries;

	while ((p = ike_msg_next(m, p, IKE_PL_NOTIFY)))
		if (p->v.n.type <= IKE_NOTIFY_ERROR_MAX)
			break;
	if (!p)
		return false;
	if (old && old->state == IKE_CHILD_REKEYING)
		old->state = IKE_CHILD_INSTALLED;
	ike_sa_log(sa, IKE_SA_LOG_WARN, "CREATE_CHILD_SA refused: %s",
		   ike_notify_name(p->v.n.type));
	switch (p->v.n.type) {
	case IKE_N_TEMPORARY_FAILURE:
		/* §2.25: MUST NOT retry at once */
		ike_sa_request_done(sa);
		ike_sa_task_add_later(sa, kind, cfg, spi, IKE_TEMPFAIL_DELAY_MS);
		return true;
	case IKE_N_CHILD_SA_NOT_FOUND:
		/* §2.25: delete it silently and create it afresh */
		ike_sa_request_done(sa);
		if (old)
			ike_child_kill(old, "peer does not know it");
		ike_sa_task_add(sa, IKE_TASK_CHILD_CREATE, cfg, 0);
		return true;
	case IKE_N_INVALID_KE_PAYLOAD:
		/* §1.3: retry once with the group the peer wants */
		if (!ike_notify_u16(&p->v.n, &group) && !retries &&
		    (kind == IKE_TASK_IKE_REKEY ?
		     ike_prop_has_dh(sa->conn.proposals, sa->conn.n_proposals, group) :
		     ike_prop_has_dh(sa->ccfg[cfg].proposals,
				     sa->ccfg[cfg].n_proposals, group))) {
			int rc;

			ike_sa_req_clear(sa);
			if (kind == IKE_TASK_IKE_REKEY)
				rc = ike_rekey_start(sa, group);
			else if (kind == IKE_TASK_CHILD_REKEY)
				rc = ike_child_start_rekey(sa, spi, group);
			else
				rc = ike_child_start_create(sa, cfg, group);
			if (!rc) {
				sa->req.ke_retries = retries + 1;
				return true;
			}
			ike_sa_request_done(sa);
			return true;
		}
		ike_count(a, IKE_AC_NO_PROPOSAL);
		break;
	case IKE_N_NO_PROPOSAL_CHOSEN:
		ike_count(a, IKE_AC_NO_PROPOSAL);
		break;
	default:
		break;
	}
	ike_sa_request_done(sa);
	if (old && old->dp_lost && old->state == IKE_CHILD_INSTALLED) {
		/* the datapath lost it and it cannot be rekeyed: it goes on
		 * both sides and is created afresh */
		old->state = IKE_CHILD_REKEYED;
		ike_sa_task_add(sa, IKE_TASK_CHILD_DELETE, old->cfg_idx,
				old->inst.spi_in);
		ike_sa_task_add_later(sa, IKE_TASK_CHILD_CREATE, old->cfg_idx, 0,
				      retry_delay(sa, old->cfg_idx));
	}
	return true;
}

static void child_response(struct ike_sa *sa, struct ike_msg *m)
{
	struct ike_agent *a = sa->agent;
	const struct ike_pld *psa = ike_msg_find(m, IKE_PL_SA);
	const struct ike_pld *pno = ike_msg_find(m, IKE_PL_NONCE);
	const struct ike_pld *pke = ike_msg_find(m, IKE_PL_KE);
	const struct ike_pld *ptsi = ike_msg_find(m, IKE_PL_TSI);
	const struct ike_pld *ptsr = ike_msg_find(m, IKE_PL_TSR);
	bool rekey = sa->req.kind == IKE_TASK_CHILD_REKEY;
	struct ike_child *old = rekey ? ike_child_by_in(sa, sa->req.spi) : NULL;
	uint16_t cfg = sa->req.cfg_idx, err = 0;
	struct ike_ts oi[IKE_TS_MAX], orr[IKE_TS_MAX];
	uint8_t noi = 0, nor = 0;
	struct ike_ts_list tsi, tsr;
	struct ike_child_pick pick;
	struct ike_sa_pld *pl = NULL;
	struct ike_child *c, *b = NULL, *holder;
	const uint8_t *gir = NULL;
	size_t gir_len = 0;
	bool loser = false;

	if (child_response_error(sa, m, old))
		return;
	if (rekey && !old) {
		/* deleted meanwhile: the new SA is not wanted either */
		err = IKE_N_CHILD_SA_NOT_FOUND;
		goto refuse;
	}
	pl = malloc(sizeof(*pl));
	/* §1.3.1: SA, Nr, [KEr], TSi, TSr */
	if (!pl || !psa || !pno || !ptsi || !ptsr ||
	    pno->v.nonce.len < IKE_NONCE_MIN ||
	    ike_sa_parse(psa->body, psa->blen, pl, NULL) ||
	    ike_ts_parse(ptsi->body, ptsi->blen, &tsi, NULL) ||
	    ike_ts_parse(ptsr->body, ptsr->blen, &tsr, NULL)) {
		ike_count(a, IKE_AC_DROP_MALFORMED);
		err = IKE_N_INVALID_SYNTAX;
		goto refuse;
	}
	if (old) {
		noi = old->inst.n_local_ts;
		nor = old->inst.n_remote_ts;
		memcpy(oi, old->inst.local_ts, sizeof(oi));
		memcpy(orr, old->inst.remote_ts, sizeof(orr));
	} else {
		conf_ts(sa, cfg, oi, &noi, orr, &nor);
	}
	err = ike_child_verify(sa, cfg, pl, false, oi, noi, orr, nor, &tsi, &tsr,
			       ike_msg_notify(m, IKE_N_USE_TRANSPORT_MODE) != NULL,
			       sa->req.transport, &pick);
	if (err)
		goto refuse;
	/* §1.3.1: a D-H group chosen must be the one of our KE */
	if (pick.ch.dh) {
		if (!sa->req.dh || ike_dh_group(sa->req.dh) != pick.ch.dh || !pke ||
		    pke->v.ke.group != pick.ch.dh ||
		    ike_dh_derive(sa->req.dh, pke->v.ke.data, pke->v.ke.len, NULL)) {
			err = IKE_N_INVALID_KE_PAYLOAD;
			goto refuse;
		}
		gir = ike_dh_secret(sa->req.dh, &gir_len);
	}
	if (old && old->collision) {
		/* §2.8.1: the peer rekeyed old too; the Child SA made
		 * with the lowest of the four nonces is redundant and is
		 * closed by whoever made it */
		for (struct ike_child *x = sa->children; x; x = x->next)
			if (x->replaces == old->inst.spi_in && !x->we_created &&
			    x->state == IKE_CHILD_INSTALLED)
				b = x;
		if (b)
			loser = a_has_lowest(sa->req.nonce, sa->req.nonce_len,
					     pno->v.nonce.data, pno->v.nonce.len,
					     b->ni, b->ni_len, b->nr, b->nr_len);
	}
	c = ike_child_new(sa, pick.cfg_idx);
	if (!c) {
		err = IKE_N_NO_ADDITIONAL_SAS;
		goto refuse;
	}
	c->inst.spi_in = sa->req.new_spi;
	if (old) {
		c->inst.reqid = old->inst.reqid;
		c->replaces = old->inst.spi_in;
		c->pfs = old->pfs;
	}
	/* make before break: inbound first, then outbound replacing the
	 * SA that holds the policies */
	holder = old ? (old->out_active ? old : ike_child_out_holder(old)) : NULL;
	if (ike_child_establish(sa, c, &pick, true, gir, gir_len, sa->req.nonce,
				sa->req.nonce_len, pno->v.nonce.data,
				pno->v.nonce.len, !loser,
				holder ? holder->inst.spi_out : 0)) {
		if (old)
			old->collision = false;
		ike_sa_request_done(sa);
		ike_child_install_failed(c);
		goto out;
	}
	if (holder && !loser)
		holder->out_active = false;
	if (!old)
		goto done;
	old->collision = false;
	if (loser) {
		ike_sa_log(sa, IKE_SA_LOG_INFO, "simultaneous rekey: ours (%08x) is redundant",
			   c->inst.spi_in);
		c->state = IKE_CHILD_REKEYED;
		old->state = IKE_CHILD_REKEYED;
		ike_sa_request_done(sa);
		ike_sa_task_add(sa, IKE_TASK_CHILD_DELETE, c->cfg_idx, c->inst.spi_in);
		goto out;
	}
	if (b) {
		/* the peer's is redundant: the peer deletes it */
		ike_sa_log(sa, IKE_SA_LOG_INFO, "simultaneous rekey: the peer's (%08x) is redundant",
			   b->inst.spi_in);
		b->state = IKE_CHILD_REKEYED;
	}
	/* §2.8: the node that made the surviving SA deletes the old one */
	old->state = IKE_CHILD_REKEYED;
	ike_sa_request_done(sa);
	ike_sa_task_add(sa, IKE_TASK_CHILD_DELETE, old->cfg_idx, old->inst.spi_in);
	goto out;
refuse:
	ike_sa_log(sa, IKE_SA_LOG_WARN, "CREATE_CHILD_SA answer not acceptable: %s",
		   ike_notify_name(err));
	if (old && old->state == IKE_CHILD_REKEYING)
		old->state = IKE_CHILD_INSTALLED;
	/* the responder made an SA we do not want: delete it (§1.4.1) */
	if (pl && psa && pl->nprops == 1 &&
	    pl->prop[0].spi_len == IKE_CHILD_SPI_LEN) {
		c = ike_child_new(sa, cfg);
		if (c) {
			c->inst.protocol = pl->prop[0].proto;
			c->inst.spi_in = sa->req.new_spi;
			c->inst.spi_out = ike_get32(pl->prop[0].spi);
			c->state = IKE_CHILD_REKEYED;
			ike_sa_request_done(sa);
			ike_sa_task_add(sa, IKE_TASK_CHILD_DELETE, cfg,
					c->inst.spi_in);
			goto out;
		}
	}
done:
	ike_sa_request_done(sa);
out:
	free(pl);
}

void ike_child_recv_response(struct ike_sa *sa, struct ike_msg *m)
{
	if (sa->req.kind == IKE_TASK_IKE_REKEY) {
		if (!child_response_error(sa, m, NULL))
			rekey_ike_response(sa, m);
		return;
	}
	if (sa->req.kind == IKE_TASK_CHILD_CREATE ||
	    sa->req.kind == IKE_TASK_CHILD_REKEY) {
		child_response(sa, m);
		return;
	}
	ike_count(sa->agent, IKE_AC_DROP_MSGID);
}
