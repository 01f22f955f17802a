// SPDX-License-Identifier: GPL-2.0-only
/*
 * IKE_AUTH (RFC 7296 §1.2), both roles: identities, pre-shared key AUTH
 * (§2.15) or certificates and signatures (auth_cert.c), and the first
 * Child SA (§1.2, §2.9, §3.10.1). Authentication failures are answered
 * with AUTHENTICATION_FAILED and the half-open SA is deleted (§2.21.2);
 * an initiator refusing the responder tells it with an INFORMATIONAL
 * before it lets go. A failed Child SA leaves the IKE SA up.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "auth_cert.h"
#include "exch.h"

#define ID_BODY_MAX (IKE_ID_HDR_LEN + IKE_CONF_ID_MAX)
#define WHY_MAX 320

/* ID payload body (§3.5): ID Type, three reserved octets, the data. */
static size_t id_body(const struct ike_conf_id *id, uint8_t *out)
{
	out[0] = id->type;
	out[1] = out[2] = out[3] = 0;
	memcpy(out + IKE_ID_HDR_LEN, id->data, id->len);
	return IKE_ID_HDR_LEN + id->len;
}

static void local_id(const struct ike_sa *sa, struct ike_conf_id *id)
{
	if (sa->conn.local.id.type != IKE_CONF_ID_ANY)
		*id = sa->conn.local.id;
	else
		ike_addr_to_id(&sa->path.local, id);
}

static int id_from_view(const struct ike_pld *p, struct ike_conf_id *id)
{
	memset(id, 0, sizeof(*id));
	/* §3.5: type 0 is reserved; our config holds at most
	 * IKE_CONF_ID_MAX octets of data */
	if (!p->v.id.type || p->v.id.len > IKE_CONF_ID_MAX)
		return -EBADMSG;
	id->type = p->v.id.type;
	id->len = p->v.id.len;
	memcpy(id->data, p->v.id.data, p->v.id.len);
	return 0;
}

/*
 * AUTH of signer over its IKE_SA_INIT message, the other side's nonce and
 * its ID body (§2.15). verify: compare with auth (constant time);
 * otherwise write prf->out_len octets to out.
 */
static int psk_auth(struct ike_sa *sa, enum ike_dir signer,
		    const struct ike_conf_secret *psk, const uint8_t *idb,
		    size_t idlen, const uint8_t *auth, size_t auth_len,
		    uint8_t *out)
{
	const uint8_t *real = signer == IKE_DIR_I2R ? sa->init_req : sa->init_resp;
	size_t real_len = signer == IKE_DIR_I2R ? sa->init_req_len : sa->init_resp_len;
	const uint8_t *nonce = signer == IKE_DIR_I2R ? sa->nr : sa->ni;
	size_t nonce_len = signer == IKE_DIR_I2R ? sa->nr_len : sa->ni_len;
	size_t cap, n = 0;
	uint8_t *oct;
	int rc;

	if (!real || !psk || !psk->len)
		return -EINVAL;
	cap = ike_auth_octets_len(&sa->keys, real_len, nonce_len);
	oct = malloc(cap);
	if (!oct)
		return -ENOMEM;
	rc = ike_auth_signed_octets(&sa->keys, signer, real, real_len, nonce,
				    nonce_len, idb, idlen, oct, cap, &n);
	if (!rc)
		rc = auth ? ike_auth_psk_verify(sa->prf, psk->key, psk->len, oct,
						n, auth, auth_len) :
			    ike_auth_psk(sa->prf, psk->key, psk->len, oct, n, out);
	OPENSSL_cleanse(oct, cap);
	free(oct);
	return rc;
}

/* Once authenticated the IKE_SA_INIT messages are not needed. */
static void drop_init_msgs(struct ike_sa *sa)
{
	free(sa->init_req);
	free(sa->init_resp);
	sa->init_req = sa->init_resp = NULL;
	sa->init_req_len = sa->init_resp_len = 0;
	sa->cookie_len = 0;
}

/* ---------------------------------------------------------- initiator */

/* No other IKE SA of this connection exists. */
static bool first_contact(const struct ike_sa *sa)
{
	for (const struct ike_sa *s = sa->agent->sas; s; s = s->next)
		if (s != sa && s->state != IKE_SA_DEAD &&
		    !strcmp(s->conn.name, sa->conn.name))
			return false;
	return true;
}

int ike_auth_start(struct ike_sa *sa)
{
	struct ike_agent *a = sa->agent;
	const struct ike_conf_conn *cur = ike_config_find_conn(a->cfg, sa->conn.name);
	const struct ike_conf_secret *psk = NULL;
	struct ike_auth_sig_out *sig = NULL;
	struct ike_auth_peer *peer = NULL;
	struct ike_conf_id me;
	struct ike_out *o = NULL;
	uint8_t idb[ID_BODY_MAX], auth[IKE_PRF_MAX];
	char why[WHY_MAX];
	size_t idlen;
	bool pubkey = sa->conn.local.method == IKE_CONF_AUTH_PUBKEY;
	int rc;

	local_id(sa, &me);
	idlen = id_body(&me, idb);
	if (pubkey) {
		sig = malloc(sizeof(*sig));
		peer = malloc(sizeof(*peer));
		if (!sig || !peer) {
			rc = -ENOMEM;
			goto out;
		}
		/* §3.7: what the responder's CERTREQ asked for, §4 of RFC
		 * 7427 the hashes it verifies */
		rc = ike_auth_peer_read(sa, NULL, peer);
		if (!rc)
			rc = ike_auth_sign(sa, cur, peer, IKE_DIR_I2R, idb, idlen,
					   sig, why, sizeof(why));
		if (rc) {
			ike_sa_log(sa, 1, "cannot authenticate: %s", why);
			goto out;
		}
	} else {
		psk = ike_config_find_psk(a->cfg, &me, &sa->conn.remote.id);
		if (!psk) {
			ike_sa_log(sa, 1, "no pre-shared key for this connection");
			rc = -ENOKEY;
			goto out;
		}
		rc = psk_auth(sa, IKE_DIR_I2R, psk, idb, idlen, NULL, 0, auth);
		if (rc)
			goto out;
	}
	o = malloc(sizeof(*o));
	if (!o) {
		rc = -ENOMEM;
		goto out;
	}
	sa->state = IKE_SA_I_AUTH;
	/* §1.2: HDR, SK {IDi, [CERT,] [CERTREQ,] [IDr,] AUTH, SAi2, TSi, TSr} */
	rc = ike_out_begin(sa, o, IKE_EXCH_IKE_AUTH, false, sa->msgid_next);
	if (!rc)
		rc = ike_enc_id(&o->e, IKE_PL_IDI, me.type, me.data, me.len);
	if (!rc && pubkey)
		rc = ike_auth_enc_certs(cur, peer, sig, &o->e);
	if (!rc)
		rc = ike_auth_enc_certreq(a->cfg, cur, &o->e);
	/* §1.2: IDr says which of the responder's identities we want */
	if (!rc && sa->conn.remote.id.type != IKE_CONF_ID_ANY &&
	    !ike_conf_id_wildcard(&sa->conn.remote.id))
		rc = ike_enc_id(&o->e, IKE_PL_IDR, sa->conn.remote.id.type,
				sa->conn.remote.id.data, sa->conn.remote.id.len);
	if (!rc)
		rc = pubkey ? ike_enc_auth(&o->e, sig->method, sig->data, sig->len) :
			      ike_enc_auth(&o->e, IKE_AUTH_SHARED_KEY_MIC, auth,
					   sa->prf->out_len);
	/* §2.4: first contact: the peer may drop what it still holds of
	 * ours (we restarted, or a dead peer detection gave up) */
	if (!rc && first_contact(sa))
		rc = ike_enc_notify(&o->e, IKE_PROTO_NONE, NULL, 0,
				    IKE_N_INITIAL_CONTACT, NULL, 0);
	if (!rc && sa->auth_child) {
		const struct ike_conf_child *cc = &sa->ccfg[sa->auth_cfg];

		sa->auth_spi = ike_child_new_spi(a);
		/* §3.10.1: transport mode is asked for with a notify */
		if (cc->mode == IKE_CONF_MODE_TRANSPORT)
			rc = ike_enc_notify(&o->e, IKE_PROTO_NONE, NULL, 0,
					    IKE_N_USE_TRANSPORT_MODE, NULL, 0);
		/* §1.2: no KE in IKE_AUTH, so no D-H transforms */
		if (!rc)
			rc = ike_child_enc_sa_offer(sa, &o->e, sa->auth_cfg,
						    sa->auth_spi, false, 0);
		if (!rc)
			rc = ike_child_enc_ts_offer(sa, &o->e, sa->auth_cfg);
	}
	if (!rc)
		rc = ike_out_seal(sa, o);
	if (!rc)
		rc = ike_sa_send_request(sa, o, IKE_TASK_AUTH);
	if (!rc)
		ike_sa_log(sa, 1, "IKE_AUTH sent");
out:
	OPENSSL_cleanse(auth, sizeof(auth));
	if (o)
		OPENSSL_cleanse(o, sizeof(*o));
	free(o);
	free(sig);
	free(peer);
	return rc;
}

/* The responder answered the Child SA part with an error (§2.21.2: the
 * IKE SA stays). */
static uint16_t child_error(const struct ike_msg *m)
{
	const struct ike_pld *p = NULL;

	while ((p = ike_msg_next(m, p, IKE_PL_NOTIFY)))
		if (p->v.n.type <= IKE_NOTIFY_ERROR_MAX)
			return p->v.n.type;
	return 0;
}

/* The Child SA the responder set up is not acceptable: it is deleted
 * with an INFORMATIONAL exchange. */
static void refuse_child(struct ike_sa *sa, uint16_t cfg_idx, uint8_t proto,
			 uint32_t spi_in, uint32_t spi_out)
{
	struct ike_child *c = ike_child_new(sa, cfg_idx);

	if (!c)
		return;
	c->inst.protocol = proto;
	c->inst.spi_in = spi_in;
	c->inst.spi_out = spi_out;
	c->state = IKE_CHILD_REKEYED;
	ike_sa_task_add(sa, IKE_TASK_CHILD_DELETE, cfg_idx, spi_in);
}

/* §2.21.2: we do not accept the responder: it hears so at once, the
 * SA goes. counter is the reason's own (AUTH_FAILED counts them all). */
static void responder_refused(struct ike_sa *sa, enum ike_agent_counter counter,
			      const char *why)
{
	ike_count(sa->agent, IKE_AC_AUTH_FAILED);
	if (counter != IKE_AC_AUTH_FAILED)
		ike_count(sa->agent, counter);
	ike_sa_log(sa, 1, "responder authentication failed: %s", why);
	ike_auth_send_refusal(sa);
	ike_sa_kill(sa, "authentication of the responder failed");
}

void ike_auth_recv_response(struct ike_sa *sa, struct ike_msg *m)
{
	struct ike_agent *a = sa->agent;
	const struct ike_pld *pid, *pauth, *psa, *ptsi, *ptsr;
	const struct ike_conf_secret *psk;
	struct ike_conf_id me, peer;
	struct ike_sa_pld *pl = NULL;
	struct ike_ts_list tsi, tsr;
	struct ike_child_pick pick;
	struct ike_ts oi[IKE_TS_MAX], orr[IKE_TS_MAX];
	uint8_t noi = 0, nor = 0;
	uint16_t err;
	const char *why = NULL;

	if (ike_msg_notify(m, IKE_N_AUTHENTICATION_FAILED)) {
		/* §2.21.2: the responder refused us; nothing to tell it */
		ike_count(a, IKE_AC_AUTH_FAILED);
		ike_sa_log(sa, 1, "peer sent AUTHENTICATION_FAILED");
		ike_sa_maybe_retry(sa, false);
		ike_sa_kill(sa, "authentication failed (peer)");
		return;
	}
	pid = ike_msg_find(m, IKE_PL_IDR);
	pauth = ike_msg_find(m, IKE_PL_AUTH);
	/* §1.2: HDR, SK {IDr, AUTH, ...}; anything else ends the SA */
	if (!pid || !pauth) {
		err = child_error(m);
		ike_sa_log(sa, 1, "IKE_AUTH refused: %s",
			   err ? ike_notify_name(err) : "IDr or AUTH missing");
		if (err == IKE_N_NO_PROPOSAL_CHOSEN)
			ike_count(a, IKE_AC_NO_PROPOSAL);
		else if (!err)
			ike_count(a, IKE_AC_DROP_MALFORMED);
		ike_sa_maybe_retry(sa, false);
		ike_sa_kill(sa, "IKE_AUTH failed");
		return;
	}
	local_id(sa, &me);
	/* §2.15: the responder's identity must be the one configured and
	 * its AUTH must verify, with the secret for the pair or with the
	 * key of a certificate we trust that holds the identity */
	if (id_from_view(pid, &peer) ||
	    !ike_conf_id_match(&sa->conn.remote.id, &peer)) {
		responder_refused(sa, IKE_AC_AUTH_ID_MISMATCH,
				  "identity not the one configured (remote id)");
		return;
	}
	if (sa->conn.remote.method == IKE_CONF_AUTH_PUBKEY) {
		enum ike_agent_counter ctr;
		char reason[WHY_MAX];

		if (ike_auth_verify(sa, ike_config_find_conn(a->cfg, sa->conn.name),
				    m, pid, pauth, &peer, IKE_DIR_R2I, &ctr,
				    reason, sizeof(reason))) {
			responder_refused(sa, ctr, reason);
			return;
		}
	} else if (pauth->v.auth.method != IKE_AUTH_SHARED_KEY_MIC ||
		   !(psk = ike_config_find_psk(a->cfg, &me, &peer)) ||
		   psk_auth(sa, IKE_DIR_R2I, psk, pid->body, pid->blen,
			    pauth->v.auth.data, pauth->v.auth.len, NULL)) {
		responder_refused(sa, IKE_AC_AUTH_FAILED,
				  "pre-shared key AUTH does not verify");
		return;
	}
	sa->peer_id = peer;
	drop_init_msgs(sa);
	ike_sa_established(sa);
	if (!sa->auth_child)
		goto done;

	err = child_error(m);
	psa = ike_msg_find(m, IKE_PL_SA);
	ptsi = ike_msg_find(m, IKE_PL_TSI);
	ptsr = ike_msg_find(m, IKE_PL_TSR);
	if (err || !psa || !ptsi || !ptsr) {
		ike_sa_log(sa, 1, "first Child SA refused: %s",
			   err ? ike_notify_name(err) : "SA or TS missing");
		if (err == IKE_N_NO_PROPOSAL_CHOSEN)
			ike_count(a, IKE_AC_NO_PROPOSAL);
		goto done;
	}
	pl = malloc(sizeof(*pl));
	if (!pl)
		goto done;
	if (ike_sa_parse(psa->body, psa->blen, pl, &why) ||
	    ike_ts_parse(ptsi->body, ptsi->blen, &tsi, &why) ||
	    ike_ts_parse(ptsr->body, ptsr->blen, &tsr, &why)) {
		ike_count(a, IKE_AC_DROP_MALFORMED);
		goto done;
	}
	{
		const struct ike_conf_child *cc = &sa->ccfg[sa->auth_cfg];

		ike_ts_conf_list(cc->local_ts, cc->n_local_ts, &sa->path.local,
				 oi, &noi);
		ike_ts_conf_list(cc->remote_ts, cc->n_remote_ts,
				 &sa->path.remote, orr, &nor);
		err = ike_child_verify(sa, sa->auth_cfg, pl, true, oi, noi, orr,
				       nor, &tsi, &tsr,
				       ike_msg_notify(m, IKE_N_USE_TRANSPORT_MODE),
				       cc->mode == IKE_CONF_MODE_TRANSPORT, &pick);
	}
	if (err) {
		ike_sa_log(sa, 1, "responder's Child SA not acceptable: %s",
			   ike_notify_name(err));
		if (pl->nprops == 1 && pl->prop[0].spi_len == IKE_CHILD_SPI_LEN)
			refuse_child(sa, sa->auth_cfg, pl->prop[0].proto,
				     sa->auth_spi, ike_get32(pl->prop[0].spi));
		goto done;
	}
	{
		struct ike_child *c = ike_child_new(sa, sa->auth_cfg);

		if (!c)
			goto done;
		c->inst.spi_in = sa->auth_spi;
		/* §2.17: the first Child SA takes the IKE_SA_INIT nonces */
		if (ike_child_establish(sa, c, &pick, true, NULL, 0, sa->ni,
					sa->ni_len, sa->nr, sa->nr_len, true, 0))
			ike_child_install_failed(c);
	}
done:
	sa->auth_child = false;
	sa->auth_spi = 0;
	free(pl);
	ike_sa_request_done(sa);
}

/* ---------------------------------------------------------- responder */

/* Whether conn accepts the suite this IKE SA negotiated in IKE_SA_INIT. */
static bool suite_acceptable(const struct ike_sa *sa, const struct ike_conf_conn *c)
{
	struct ike_sa_pld *pl = malloc(sizeof(*pl));
	struct ike_prop *pr;
	struct ike_choice ch;
	bool ok;

	if (!pl)
		return false;
	memset(pl, 0, sizeof(*pl));
	pl->nprops = 1;
	pr = &pl->prop[0];
	pr->num = 1;
	pr->proto = IKE_PROTO_IKE;
	pr->xf[pr->nxforms].type = IKE_XFORM_ENCR;
	pr->xf[pr->nxforms].id = sa->encr->id;
	pr->xf[pr->nxforms++].keylen = sa->encr->key_bits;
	pr->xf[pr->nxforms].type = IKE_XFORM_PRF;
	pr->xf[pr->nxforms++].id = sa->prf->id;
	if (sa->integ) {
		pr->xf[pr->nxforms].type = IKE_XFORM_INTEG;
		pr->xf[pr->nxforms++].id = sa->integ->id;
	}
	pr->xf[pr->nxforms].type = IKE_XFORM_DH;
	pr->xf[pr->nxforms++].id = sa->dh_group;
	ok = !ike_prop_select(pl, c->proposals, c->n_proposals, IKE_PROTO_IKE,
			      false, sa->dh_group, &ch);
	free(pl);
	return ok;
}

/*
 * The connection for the identities of IKE_AUTH: the one IKE_SA_INIT
 * picked if it fits, else another one for the same addresses whose
 * remote id matches IDi, whose local id matches IDr (if sent) and which
 * accepts the negotiated IKE suite.
 */
static const struct ike_conf_conn *conn_for_ids(struct ike_sa *sa,
						const struct ike_conf_id *idi,
						const struct ike_conf_id *idr)
{
	const struct ike_config *cfg = sa->agent->cfg;
	const struct ike_conf_conn *cur;

	if (!cfg)
		return NULL;
	cur = ike_config_find_conn(cfg, sa->conn.name);
	for (size_t pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < cfg->n_conns; i++) {
			const struct ike_conf_conn *c = &cfg->conns[i];

			if ((pass == 0) != (c == cur))
				continue;
			if (!ike_addr_match_conf(&c->local_addr, &sa->path.local) ||
			    !ike_addr_match_conf(&c->remote_addr, &sa->path.remote))
				continue;
			if (!ike_conf_id_match(&c->remote.id, idi))
				continue;
			if (idr && c->local.id.type != IKE_CONF_ID_ANY &&
			    !ike_conf_id_match(&c->local.id, idr))
				continue;
			if (c != cur && !suite_acceptable(sa, c))
				continue;
			return c;
		}
	}
	return NULL;
}

/* §2.4 INITIAL_CONTACT: the peer holds no other IKE SA with us, so the
 * ones we have with this identity for this connection are stale. */
static void initial_contact(struct ike_sa *sa)
{
	struct ike_sa *s, *n;

	for (s = sa->agent->sas; s; s = n) {
		n = s->next;
		if (s == sa || s->state != IKE_SA_ESTABLISHED ||
		    strcmp(s->conn.name, sa->conn.name) ||
		    s->peer_id.type != sa->peer_id.type ||
		    s->peer_id.len != sa->peer_id.len ||
		    memcmp(s->peer_id.data, sa->peer_id.data, s->peer_id.len))
			continue;
		ike_sa_kill(s, "INITIAL_CONTACT from the peer");
		/* the list may have changed under us */
		n = sa->agent->sas;
	}
}

static void auth_refuse_ctr(struct ike_sa *sa, const struct ike_path *path,
			    uint32_t msgid, enum ike_agent_counter counter,
			    const char *why)
{
	/* §2.21.2: AUTHENTICATION_FAILED in the IKE_AUTH response, then
	 * the half-open SA is gone */
	ike_count(sa->agent, IKE_AC_AUTH_FAILED);
	if (counter != IKE_AC_AUTH_FAILED)
		ike_count(sa->agent, counter);
	ike_sa_log(sa, 1, "initiator authentication failed: %s", why);
	ike_sa_respond_notify(sa, path, IKE_EXCH_IKE_AUTH, msgid,
			      IKE_N_AUTHENTICATION_FAILED, IKE_PROTO_NONE, 0,
			      NULL, 0);
	ike_sa_kill(sa, "authentication failed");
}

static void auth_refuse(struct ike_sa *sa, const struct ike_path *path,
			uint32_t msgid, const char *why)
{
	auth_refuse_ctr(sa, path, msgid, IKE_AC_AUTH_FAILED, why);
}

/* The Child SA part of an IKE_AUTH request: 0 with the pick made and
 * the Child SA installed, or the error notify to answer with. */
static uint16_t auth_child(struct ike_sa *sa, struct ike_msg *m,
			   struct ike_child_pick *pick, uint32_t *spi_in)
{
	const struct ike_pld *psa, *ptsi, *ptsr;
	struct ike_child_offer off;
	struct ike_sa_pld *pl;
	struct ike_child *c;
	uint16_t err;

	psa = ike_msg_find(m, IKE_PL_SA);
	ptsi = ike_msg_find(m, IKE_PL_TSI);
	ptsr = ike_msg_find(m, IKE_PL_TSR);
	memset(&off, 0, sizeof(off));
	pl = malloc(sizeof(*pl));
	if (!pl)
		return IKE_N_TEMPORARY_FAILURE;
	/* §1.2: SAi2, TSi, TSr */
	if (ike_sa_parse(psa->body, psa->blen, pl, NULL) ||
	    ike_ts_parse(ptsi->body, ptsi->blen, &off.tsi, NULL) ||
	    ike_ts_parse(ptsr->body, ptsr->blen, &off.tsr, NULL)) {
		free(pl);
		return IKE_N_INVALID_SYNTAX;
	}
	off.sa = pl;
	off.transport = ike_msg_notify(m, IKE_N_USE_TRANSPORT_MODE) != NULL;
	off.rekey = false;
	off.only_cfg = -1;
	err = ike_child_select(sa, &off, pick);
	free(pl);
	if (err)
		return err;
	c = ike_child_new(sa, pick->cfg_idx);
	if (!c)
		return IKE_N_NO_ADDITIONAL_SAS;
	*spi_in = c->inst.spi_in = ike_child_new_spi(sa->agent);
	/* §2.17: the first Child SA takes the IKE_SA_INIT nonces */
	if (ike_child_establish(sa, c, pick, false, NULL, 0, sa->ni, sa->ni_len,
				sa->nr, sa->nr_len, true, 0)) {
		ike_child_kill(c, "install failed");
		return IKE_N_NO_PROPOSAL_CHOSEN;
	}
	return 0;
}

void ike_auth_recv_request(struct ike_sa *sa, const struct ike_path *path,
			   struct ike_msg *m)
{
	struct ike_agent *a = sa->agent;
	const struct ike_pld *pidi, *pidr, *pauth;
	const struct ike_conf_conn *conn;
	const struct ike_conf_secret *psk;
	struct ike_conf_id idi, idr, me;
	struct ike_child_pick pick;
	struct ike_auth_sig_out *sig = NULL;
	struct ike_auth_peer *peer = NULL;
	struct ike_out *o = NULL;
	uint8_t idb[ID_BODY_MAX], auth[IKE_PRF_MAX];
	uint32_t msgid = m->hdr.msgid, spi_in = 0;
	uint16_t cerr = 0;
	char why[WHY_MAX];
	bool have_child;
	size_t idlen;
	int rc;

	pidi = ike_msg_find(m, IKE_PL_IDI);
	pidr = ike_msg_find(m, IKE_PL_IDR);
	pauth = ike_msg_find(m, IKE_PL_AUTH);
	/* §1.2: IDi and AUTH are required */
	if (!pidi || !pauth || id_from_view(pidi, &idi) ||
	    (pidr && id_from_view(pidr, &idr))) {
		ike_count(a, IKE_AC_DROP_MALFORMED);
		ike_sa_respond_notify(sa, path, IKE_EXCH_IKE_AUTH, msgid,
				      IKE_N_INVALID_SYNTAX, IKE_PROTO_NONE, 0,
				      NULL, 0);
		ike_sa_kill(sa, "bad IKE_AUTH request");
		return;
	}
	conn = conn_for_ids(sa, &idi, pidr ? &idr : NULL);
	if (!conn) {
		char ids[128];

		/* the initiator's identity is none we accept here */
		snprintf(why, sizeof(why), "no connection for identity '%s'",
			 ike_conf_id_str(&idi, ids, sizeof(ids)));
		auth_refuse_ctr(sa, path, msgid, IKE_AC_AUTH_ID_MISMATCH, why);
		return;
	}
	if (strcmp(conn->name, sa->conn.name) || !sa->conn_bound) {
		if (ike_sa_bind_conn(sa, conn)) {
			auth_refuse(sa, path, msgid, "out of memory");
			return;
		}
		sa->conn_bound = true;
	}
	local_id(sa, &me);
	idlen = id_body(&me, idb);
	if (conn->remote.method == IKE_CONF_AUTH_PUBKEY) {
		enum ike_agent_counter ctr;

		/* §2.15, RFC 4945: certificate, identity, signature */
		if (ike_auth_verify(sa, conn, m, pidi, pauth, &idi, IKE_DIR_I2R,
				    &ctr, why, sizeof(why))) {
			auth_refuse_ctr(sa, path, msgid, ctr, why);
			return;
		}
	} else {
		/* §3.8: a PSK round takes Shared Key Message Integrity Code */
		if (pauth->v.auth.method != IKE_AUTH_SHARED_KEY_MIC) {
			auth_refuse(sa, path, msgid, "auth method not PSK");
			return;
		}
		psk = ike_config_find_psk(a->cfg, &me, &idi);
		if (!psk) {
			auth_refuse(sa, path, msgid, "no pre-shared key");
			return;
		}
		/* §2.15: AUTH over RealMessage1 | NonceRData | MACedIDForI */
		if (psk_auth(sa, IKE_DIR_I2R, psk, pidi->body, pidi->blen,
			     pauth->v.auth.data, pauth->v.auth.len, NULL)) {
			auth_refuse(sa, path, msgid, "AUTH does not verify");
			return;
		}
	}
	sa->peer_id = idi;
	if (conn->local.method == IKE_CONF_AUTH_PUBKEY) {
		sig = malloc(sizeof(*sig));
		peer = malloc(sizeof(*peer));
		rc = !sig || !peer ? -ENOMEM : ike_auth_peer_read(sa, m, peer);
		if (!rc)
			rc = ike_auth_sign(sa, conn, peer, IKE_DIR_R2I, idb, idlen,
					   sig, why, sizeof(why));
		if (rc) {
			ike_sa_log(sa, 1, "cannot authenticate to the initiator: %s",
				   why);
			auth_refuse(sa, path, msgid, "no credentials of ours");
			goto out;
		}
	} else {
		psk = ike_config_find_psk(a->cfg, &me, &idi);
		rc = psk ? psk_auth(sa, IKE_DIR_R2I, psk, idb, idlen, NULL, 0, auth) :
			   -ENOKEY;
		if (rc) {
			auth_refuse(sa, path, msgid, "cannot compute AUTH");
			return;
		}
	}
	ike_sa_established(sa);
	if (ike_msg_notify(m, IKE_N_INITIAL_CONTACT))
		initial_contact(sa);
	/* §1.2: the Child SA; its failure leaves the IKE SA up (§2.21.2);
	 * without SA and TS payloads the IKE SA comes up alone */
	have_child = ike_msg_find(m, IKE_PL_SA) || ike_msg_find(m, IKE_PL_TSI) ||
		     ike_msg_find(m, IKE_PL_TSR);
	if (have_child && (!ike_msg_find(m, IKE_PL_SA) ||
			   !ike_msg_find(m, IKE_PL_TSI) ||
			   !ike_msg_find(m, IKE_PL_TSR)))
		cerr = IKE_N_TS_UNACCEPTABLE;
	else if (have_child)
		cerr = auth_child(sa, m, &pick, &spi_in);
	if (cerr == IKE_N_NO_PROPOSAL_CHOSEN)
		ike_count(a, IKE_AC_NO_PROPOSAL);
	if (cerr)
		ike_sa_log(sa, 1, "first Child SA refused: %s",
			   ike_notify_name(cerr));

	o = malloc(sizeof(*o));
	if (!o) {
		ike_sa_kill(sa, "out of memory");
		goto out;
	}
	/* §1.2: HDR, SK {IDr, [CERT,] AUTH, SAr2, TSi, TSr} */
	rc = ike_out_begin(sa, o, IKE_EXCH_IKE_AUTH, true, msgid);
	if (!rc)
		rc = ike_enc_id(&o->e, IKE_PL_IDR, me.type, me.data, me.len);
	if (!rc && sig)
		rc = ike_auth_enc_certs(conn, peer, sig, &o->e);
	if (!rc)
		rc = sig ? ike_enc_auth(&o->e, sig->method, sig->data, sig->len) :
			   ike_enc_auth(&o->e, IKE_AUTH_SHARED_KEY_MIC, auth,
					sa->prf->out_len);
	if (!rc && cerr)
		rc = ike_enc_notify(&o->e, IKE_PROTO_NONE, NULL, 0, cerr, NULL, 0);
	if (!rc && !cerr && have_child) {
		if (pick.transport)
			rc = ike_enc_notify(&o->e, IKE_PROTO_NONE, NULL, 0,
					    IKE_N_USE_TRANSPORT_MODE, NULL, 0);
		if (!rc)
			rc = ike_child_enc_answer(sa, &o->e, &pick, spi_in);
	}
	if (!rc)
		rc = ike_out_seal(sa, o);
	if (!rc)
		rc = ike_sa_send_response(sa, path, o);
	if (rc) {
		ike_sa_kill(sa, "cannot answer IKE_AUTH");
		goto out;
	}
	drop_init_msgs(sa);
out:
	OPENSSL_cleanse(auth, sizeof(auth));
	if (o)
		OPENSSL_cleanse(o, sizeof(*o));
	free(o);
	free(sig);
	free(peer);
}
