// SPDX-License-Identifier: GPL-2.0-only
/*
 * IKE_SA_INIT (RFC 7296 §1.2), both roles: SA, KE and nonces, NAT
 * detection (§2.23), INVALID_KE_PAYLOAD (§1.2), COOKIE (§2.6),
 * SIGNATURE_HASH_ALGORITHMS (RFC 7427 §4), the responder's CERTREQ
 * (§3.7) and IKEV2_FRAGMENTATION_SUPPORTED (RFC 7383 §2.3).
 *
 * Everything here is unauthenticated: a response that does not fit is
 * counted and ignored (the request is retransmitted), so a forged answer
 * cannot end an exchange.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "auth_cert.h"
#include "exch.h"
#include "frag.h"

/* RFC 7427 §4: the hashes we verify signatures with (SHA-2, and
 * Identity for EdDSA, RFC 8420). */
static int enc_sig_hashes(struct ike_enc *e)
{
	uint8_t h[16];
	size_t n = ike_sig_hashes_encode(h, sizeof(h));

	return ike_enc_notify(e, IKE_PROTO_NONE, NULL, 0,
			      IKE_N_SIGNATURE_HASH_ALGORITHMS, h, n);
}

/* RFC 7383 §2.3: announced unless fragmentation = no. */
static int enc_frag(const struct ike_sa *sa, struct ike_enc *e)
{
	if (sa->conn.fragmentation == IKE_CONF_FRAG_NO)
		return 0;
	return ike_enc_notify(e, IKE_PROTO_NONE, NULL, 0,
			      IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
}

/* --------------------------------------------------------- cookies */

/* The shell initialises and rotates the secret (§2.6: often); should it
 * not have, it is set up here on first use. */
static struct ike_cookie_secret *cookie_secret(struct ike_agent *a)
{
	struct ike_cookie_secret *cs = &a->cookie;

	if ((cs->cur > 1 || !cs->valid[cs->cur]) && ike_cookie_init(cs))
		return NULL;
	return cs;
}

/* ------------------------------------------------------------ helpers */

static void spi_bytes(uint64_t spi, uint8_t out[8])
{
	ike_put64(out, spi);
}

static int natd(uint64_t spi_i, uint64_t spi_r, const struct sockaddr_storage *ss,
		uint8_t out[IKE_NATD_HASH_LEN])
{
	uint8_t si[8], sr[8];

	spi_bytes(spi_i, si);
	spi_bytes(spi_r, sr);
	return ike_natd_hash(si, sr, (const struct sockaddr *)ss, out);
}

static bool faking_nat(const struct ike_sa *sa)
{
	/* like strongSwan's libipsec: a fake NAT forces UDP encapsulation */
	return sa->agent->fake_nat || sa->conn.encap;
}

/* Our NAT_DETECTION_SOURCE_IP and _DESTINATION_IP (§2.23). */
static int enc_natd(struct ike_sa *sa, struct ike_enc *e, uint64_t spi_r)
{
	uint8_t h[IKE_NATD_HASH_LEN];
	int rc;

	if (faking_nat(sa))
		rc = ike_random(h, sizeof(h));
	else
		rc = natd(sa->spi_i, spi_r, &sa->path.local, h);
	if (!rc)
		rc = ike_enc_notify(e, IKE_PROTO_NONE, NULL, 0,
				    IKE_N_NAT_DETECTION_SOURCE_IP, h, sizeof(h));
	if (!rc)
		rc = natd(sa->spi_i, spi_r, &sa->path.remote, h);
	if (!rc)
		rc = ike_enc_notify(e, IKE_PROTO_NONE, NULL, 0,
				    IKE_N_NAT_DETECTION_DESTINATION_IP, h, sizeof(h));
	return rc;
}

/*
 * §2.23: the peer's SOURCE hashes (any may match) against the address the
 * message came from, its DESTINATION hash against the address it reached.
 * Returns false when the peer sent no NAT detection at all.
 */
static bool check_natd(struct ike_sa *sa, const struct ike_msg *m,
		       uint64_t spi_r, const struct ike_path *path)
{
	const struct ike_pld *p = NULL;
	uint8_t h[IKE_NATD_HASH_LEN];
	bool any = false, src_ok = false, dst_ok = false, seen_dst = false;

	if (!natd(sa->spi_i, spi_r, &path->remote, h)) {
		while ((p = ike_msg_next(m, p, IKE_PL_NOTIFY))) {
			if (p->v.n.type != IKE_N_NAT_DETECTION_SOURCE_IP)
				continue;
			any = true;
			if (!CRYPTO_memcmp(p->v.n.data, h, sizeof(h)))
				src_ok = true;
		}
	}
	p = ike_msg_notify(m, IKE_N_NAT_DETECTION_DESTINATION_IP);
	if (p && !natd(sa->spi_i, spi_r, &path->local, h)) {
		any = seen_dst = true;
		dst_ok = !CRYPTO_memcmp(p->v.n.data, h, sizeof(h));
	}
	if (!any)
		return false;
	sa->nat_remote = !src_ok;
	sa->nat_local = seen_dst && !dst_ok;
	return true;
}

void ike_init_answer_notify(struct ike_agent *a, const struct ike_path *path,
			    const struct ike_hdr *h, uint16_t type,
			    const void *data, size_t len)
{
	struct ike_hdr r = {
		.spi_i = h->spi_i, .spi_r = 0,
		.major = IKE_MAJOR_VERSION, .minor = IKE_MINOR_VERSION,
		.exch = h->exch, .flags = IKE_FLAG_RESPONSE, .msgid = h->msgid,
	};
	uint8_t buf[IKE_HDR_LEN + IKE_PLD_HDR_LEN + IKE_NOTIFY_HDR_LEN + 64];
	struct ike_enc e;
	int rc;

	/* §2.6, §1.2, §2.21.1: an answer without state, the responder
	 * SPI left zero */
	ike_enc_init(&e, buf, sizeof(buf), &r);
	ike_enc_notify(&e, IKE_PROTO_NONE, NULL, 0, type, data, len);
	rc = ike_enc_finish(&e);
	if (rc < 0)
		return;
	ike_count(a, IKE_AC_TX);
	ike_net_send(a, path, buf, (size_t)rc);
}

static int keep_copy(uint8_t **dst, size_t *dlen, const uint8_t *p, size_t len)
{
	uint8_t *c = malloc(len);

	if (!c)
		return -ENOMEM;
	memcpy(c, p, len);
	free(*dst);
	*dst = c;
	*dlen = len;
	return 0;
}

/* ---------------------------------------------------------- initiator */

int ike_init_start(struct ike_sa *sa)
{
	struct ike_out *o;
	struct ike_sa_pld *pl;
	uint8_t pub[IKE_DH_PUBLIC_MAX];
	size_t publen = 0;
	int rc;

	if (!sa->dh_group)
		sa->dh_group = ike_prop_first_dh(sa->conn.proposals,
						 sa->conn.n_proposals);
	if (!sa->dh_group)
		return -ENOENT;
	/* §2.6: a retry with a COOKIE keeps every other payload */
	if (!sa->dh || ike_dh_group(sa->dh) != sa->dh_group) {
		ike_dh_free(sa->dh);
		sa->dh = ike_dh_new(sa->dh_group);
		if (!sa->dh)
			return -errno;
	}
	if (!sa->ni_len) {
		sa->ni_len = IKE_NONCE_LEN;
		rc = ike_random(sa->ni, sa->ni_len);
		if (rc)
			return rc;
	}
	rc = ike_dh_public(sa->dh, pub, sizeof(pub), &publen);
	if (rc)
		return rc;
	o = malloc(sizeof(*o));
	pl = malloc(sizeof(*pl));
	if (!o || !pl) {
		rc = -ENOMEM;
		goto out;
	}
	sa->state = IKE_SA_I_INIT;
	rc = ike_out_begin(sa, o, IKE_EXCH_IKE_SA_INIT, false, 0);
	/* §2.6: the COOKIE goes first */
	if (!rc && sa->cookie_len)
		rc = ike_enc_notify(&o->e, IKE_PROTO_NONE, NULL, 0, IKE_N_COOKIE,
				    sa->cookie, sa->cookie_len);
	if (!rc)
		rc = ike_prop_build(pl, sa->conn.proposals, sa->conn.n_proposals,
				    NULL, 0, false, sa->dh_group);
	if (!rc)
		rc = ike_enc_sa(&o->e, pl);
	if (!rc)
		rc = ike_enc_ke(&o->e, sa->dh_group, pub, publen);
	if (!rc)
		rc = ike_enc_nonce(&o->e, sa->ni, sa->ni_len);
	if (!rc)
		rc = enc_natd(sa, &o->e, 0);
	if (!rc)
		rc = enc_frag(sa, &o->e);
	if (!rc)
		rc = enc_sig_hashes(&o->e);
	if (!rc)
		rc = ike_out_seal(sa, o);
	/* §2.15: AUTH signs this message as sent */
	if (!rc)
		rc = keep_copy(&sa->init_req, &sa->init_req_len, o->buf, o->len);
	if (!rc)
		rc = ike_sa_send_request(sa, o, IKE_TASK_INIT);
	if (!rc)
		ike_sa_log(sa, 1, "IKE_SA_INIT sent (group %u%s)", sa->dh_group,
			   sa->cookie_len ? ", with cookie" : "");
out:
	free(o);
	free(pl);
	return rc;
}

static void init_failed(struct ike_sa *sa, const char *why)
{
	ike_sa_maybe_retry(sa, false);
	ike_sa_kill(sa, why);
}

/* Error notifies in an IKE_SA_INIT response (§1.2, §2.6). true when
 * handled (the response is consumed). */
static bool init_response_notify(struct ike_sa *sa, struct ike_msg *m)
{
	struct ike_agent *a = sa->agent;
	const struct ike_pld *p;
	uint16_t group;

	p = ike_msg_notify(m, IKE_N_COOKIE);
	if (p && !ike_msg_find(m, IKE_PL_SA)) {
		/* §2.6: retry with the cookie as the first payload */
		if (sa->init_retries++ >= IKE_INIT_RETRY_MAX) {
			init_failed(sa, "too many COOKIE requests");
			return true;
		}
		memcpy(sa->cookie, p->v.n.data, p->v.n.len);
		sa->cookie_len = (uint8_t)p->v.n.len;
		ike_sa_request_done(sa);
		if (ike_init_start(sa))
			init_failed(sa, "cannot resend IKE_SA_INIT");
		return true;
	}
	p = ike_msg_notify(m, IKE_N_INVALID_KE_PAYLOAD);
	if (p) {
		/* §1.2: the responder names the group it wants; the
		 * initiator retries with it if it proposed it */
		if (ike_notify_u16(&p->v.n, &group) ||
		    group == sa->dh_group ||
		    !ike_prop_has_dh(sa->conn.proposals, sa->conn.n_proposals, group)) {
			ike_count(a, IKE_AC_NO_PROPOSAL);
			init_failed(sa, "INVALID_KE_PAYLOAD for a group not proposed");
			return true;
		}
		if (sa->init_retries++ >= IKE_INIT_RETRY_MAX) {
			init_failed(sa, "too many INVALID_KE_PAYLOAD");
			return true;
		}
		ike_sa_log(sa, 1, "peer wants DH group %u", group);
		sa->dh_group = group;
		ike_sa_request_done(sa);
		if (ike_init_start(sa))
			init_failed(sa, "cannot resend IKE_SA_INIT");
		return true;
	}
	p = NULL;
	while ((p = ike_msg_next(m, p, IKE_PL_NOTIFY))) {
		/* §3.10.1: types below 16384 are errors */
		if (p->v.n.type > IKE_NOTIFY_ERROR_MAX)
			continue;
		if (p->v.n.type == IKE_N_NO_PROPOSAL_CHOSEN)
			ike_count(a, IKE_AC_NO_PROPOSAL);
		ike_sa_log(sa, 1, "IKE_SA_INIT refused: %s",
			   ike_notify_name(p->v.n.type));
		init_failed(sa, "IKE_SA_INIT refused");
		return true;
	}
	return false;
}

void ike_init_recv_response(struct ike_sa *sa, const struct ike_path *path,
			    struct ike_msg *m)
{
	struct ike_agent *a = sa->agent;
	const struct ike_pld *psa, *pke, *pno;
	struct ike_sa_pld *resp = NULL, *sent = NULL;
	struct ike_choice ch;
	const uint8_t *gir;
	size_t gir_len;
	uint8_t si[8], sr[8];
	const char *why = NULL;
	int rc;

	if (init_response_notify(sa, m))
		return;
	psa = ike_msg_find(m, IKE_PL_SA);
	pke = ike_msg_find(m, IKE_PL_KE);
	pno = ike_msg_find(m, IKE_PL_NONCE);
	/* §1.2: HDR, SAr1, KEr, Nr; §2.6: the responder's SPI is set */
	if (!psa || !pke || !pno || !m->hdr.spi_r) {
		why = "SA, KE or Nonce missing";
		goto drop;
	}
	resp = malloc(sizeof(*resp));
	sent = malloc(sizeof(*sent));
	if (!resp || !sent)
		goto drop;
	if (ike_sa_parse(psa->body, psa->blen, resp, &why) ||
	    ike_prop_build(sent, sa->conn.proposals, sa->conn.n_proposals, NULL, 0,
			   false, sa->dh_group) ||
	    ike_prop_verify(resp, sent, IKE_PROTO_IKE, &ch)) {
		why = why ? why : "proposal not one we offered";
		goto drop;
	}
	/* §1.2: the KE is of the group chosen, which is the one we sent */
	if (ch.dh != sa->dh_group || pke->v.ke.group != sa->dh_group) {
		why = "KE group differs from ours";
		goto drop;
	}
	/* §2.10: at least 128 bits and half the PRF key size */
	if (pno->v.nonce.len < IKE_NONCE_MIN ||
	    pno->v.nonce.len < ch.prf->out_len / 2) {
		why = "nonce too short";
		goto drop;
	}
	rc = ike_dh_derive(sa->dh, pke->v.ke.data, pke->v.ke.len, &why);
	if (rc)
		goto drop;
	gir = ike_dh_secret(sa->dh, &gir_len);
	sa->spi_r = m->hdr.spi_r;
	memcpy(sa->nr, pno->v.nonce.data, pno->v.nonce.len);
	sa->nr_len = pno->v.nonce.len;
	spi_bytes(sa->spi_i, si);
	spi_bytes(sa->spi_r, sr);
	rc = ike_keys_new_sa(&sa->keys, ch.encr, ch.prf, ch.integ, gir, gir_len,
			     sa->ni, sa->ni_len, sa->nr, sa->nr_len, si, sr);
	/* the D-H secret has done its work */
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	if (rc) {
		init_failed(sa, "key derivation failed");
		goto out;
	}
	sa->keys_ok = true;
	sa->encr = ch.encr;
	sa->prf = ch.prf;
	sa->integ = ch.integ;
	/* RFC 7383 §2.3: both announced it (the responder only answers) */
	if (ike_frag_negotiated(sa, sa->conn.fragmentation != IKE_CONF_FRAG_NO &&
				ike_msg_notify(m, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED))) {
		init_failed(sa, "out of memory");
		goto out;
	}
	if (!check_natd(sa, m, sa->spi_r, path))
		sa->nat_local = sa->nat_remote = false;
	if (faking_nat(sa))
		sa->nat_local = true;
	if (sa->nat_local || sa->nat_remote) {
		/* §2.23: behind a NAT (or faking one) IKE moves to 4500
		 * with the non-ESP marker from IKE_AUTH on */
		ike_addr_set_port(&sa->path.local, IKE_NATT_PORT);
		ike_addr_set_port(&sa->path.remote, IKE_NATT_PORT);
		sa->path.natt = true;
		ike_sa_log(sa, 1, "NAT detected (local %d, remote %d): port %u",
			   sa->nat_local, sa->nat_remote, IKE_NATT_PORT);
	}
	if (keep_copy(&sa->init_resp, &sa->init_resp_len, m->buf, m->len)) {
		init_failed(sa, "out of memory");
		goto out;
	}
	/* §2.2: IKE_AUTH is our request #1; the peer starts at #0 */
	ike_timer_cancel(a, &sa->rtx_timer);
	free(sa->req.buf);
	memset(&sa->req, 0, sizeof(sa->req));
	sa->msgid_next = 1;
	sa->peer_next = 0;
	if (ike_auth_start(sa))
		init_failed(sa, "cannot send IKE_AUTH");
	goto out;
drop:
	ike_count(a, IKE_AC_DROP_MALFORMED);
	ike_sa_log(sa, 1, "IKE_SA_INIT response ignored: %s", why ? why : "?");
out:
	free(resp);
	free(sent);
}

/* ---------------------------------------------------------- responder */

/* The first connection (file order) for these addresses whose IKE
 * proposals one of the peer's satisfies. */
static const struct ike_conf_conn *pick_conn(struct ike_agent *a,
					     const struct ike_path *path,
					     const struct ike_sa_pld *peer,
					     uint16_t ke_group,
					     struct ike_choice *ch, bool *any_conn)
{
	*any_conn = false;
	if (!a->cfg)
		return NULL;
	for (size_t i = 0; i < a->cfg->n_conns; i++) {
		const struct ike_conf_conn *c = &a->cfg->conns[i];

		if (!ike_addr_match_conf(&c->local_addr, &path->local) ||
		    !ike_addr_match_conf(&c->remote_addr, &path->remote))
			continue;
		*any_conn = true;
		/* §3.3.1: no SPI in the IKE_SA_INIT proposals */
		if (!ike_prop_select(peer, c->proposals, c->n_proposals,
				     IKE_PROTO_IKE, false, ke_group, ch) &&
		    ch->spi_len == 0)
			return c;
	}
	return NULL;
}

static void halfopen_fn(struct ike_agent *a, void *arg)
{
	struct ike_sa *sa = arg;

	ike_sa_gc();
	if (ike_sa_alive(sa) && sa->state == IKE_SA_R_INIT) {
		ike_count(a, IKE_AC_HALF_OPEN_EXPIRED);
		ike_sa_kill(sa, "no IKE_AUTH (half-open timeout)");
	}
}

static bool cookie_ok(struct ike_agent *a, const struct ike_path *path,
		      const struct ike_msg *m, const struct ike_pld *pno)
{
	struct ike_cookie_secret *cs = cookie_secret(a);
	const struct ike_pld *pc = ike_msg_notify(m, IKE_N_COOKIE);
	uint8_t spi[8], cookie[IKE_COOKIE_LEN];

	if (!cs)
		return false;
	spi_bytes(m->hdr.spi_i, spi);
	/* §2.6: a cookie that does not verify is treated as absent */
	if (pc && !ike_cookie_check(cs, pc->v.n.data, pc->v.n.len,
				    pno->v.nonce.data, pno->v.nonce.len,
				    (const struct sockaddr *)&path->remote, spi))
		return true;
	if (!ike_cookie_make(cs, pno->v.nonce.data, pno->v.nonce.len,
			     (const struct sockaddr *)&path->remote, spi, cookie)) {
		ike_count(a, IKE_AC_COOKIE_SENT);
		ike_init_answer_notify(a, path, &m->hdr, IKE_N_COOKIE, cookie,
				       sizeof(cookie));
	}
	return false;
}

/* ------------------------------------------------ half-open admission */

/* RFC 8019 §4.1 (docs/ike-config.md, "Denial of service"): how long a new
 * half-open SA waits for IKE_AUTH — shorter once more than half of the
 * table is in use. */
static uint64_t half_open_wait(const struct ike_agent *a)
{
	return a->half_open * 2 > IKE_HALF_OPEN_MAX ? IKE_HALF_OPEN_PRESSURE_MS :
						      IKE_HALF_OPEN_TIMEOUT_MS;
}

static bool is_half_open(const struct ike_sa *s)
{
	return s->half_open && s->state == IKE_SA_R_INIT;
}

/* Under pressure (RFC 8019 §4.1) the half-open SAs armed with the long
 * wait before the table filled go once older than the short one. */
static void half_open_expire(struct ike_agent *a)
{
	uint64_t now = ike_now_ms();
	struct ike_sa *s, *n;

	if (a->half_open * 2 <= IKE_HALF_OPEN_MAX)
		return;
	for (s = a->sas; s; s = n) {
		n = s->next;
		if (is_half_open(s) &&
		    now - s->created_ms >= IKE_HALF_OPEN_PRESSURE_MS) {
			ike_count(a, IKE_AC_HALF_OPEN_EXPIRED);
			ike_sa_kill(s, "no IKE_AUTH (half-open, under load)");
		}
	}
}

static bool older(const struct ike_sa *x, const struct ike_sa *y)
{
	if (x->created_ms != y->created_ms)
		return x->created_ms < y->created_ms;
	return (int32_t)(x->serial - y->serial) < 0;
}

/* The half-open SA to give up for a newcomer with a valid cookie: of
 * those at least IKE_HALF_OPEN_EVICT_AGE_MS old, the oldest of remote's
 * (remote non-NULL), else the oldest of the address holding the most
 * (RFC 8019 §4.2, §6). NULL: none. */
static struct ike_sa *half_open_victim(struct ike_agent *a,
				       const struct sockaddr_storage *remote)
{
	struct ike_sa *ho[IKE_HALF_OPEN_MAX + 1], *best = NULL;
	unsigned int n = 0, best_cnt = 0;
	uint64_t now = ike_now_ms();

	for (struct ike_sa *s = a->sas; s && n < IKE_HALF_OPEN_MAX + 1; s = s->next)
		if (is_half_open(s) &&
		    (!remote || ike_addr_eq(&s->path.remote, remote, false)))
			ho[n++] = s;
	for (unsigned int i = 0; i < n; i++) {
		unsigned int cnt = 0;

		if (now - ho[i]->created_ms < IKE_HALF_OPEN_EVICT_AGE_MS)
			continue;
		for (unsigned int j = 0; j < n; j++)
			if (ike_addr_eq(&ho[i]->path.remote, &ho[j]->path.remote, false))
				cnt++;
		if (!best || cnt > best_cnt ||
		    (cnt == best_cnt && older(ho[i], best))) {
			best = ho[i];
			best_cnt = cnt;
		}
	}
	return best;
}

static unsigned int half_open_from(struct ike_agent *a,
				   const struct sockaddr_storage *remote)
{
	unsigned int n = 0;

	for (struct ike_sa *s = a->sas; s; s = s->next)
		if (is_half_open(s) && ike_addr_eq(&s->path.remote, remote, false))
			n++;
	return n;
}

static void evict(struct ike_sa *victim)
{
	ike_count(victim->agent, IKE_AC_HALF_OPEN_EVICTED);
	ike_sa_kill(victim, "half-open, displaced by a returned cookie");
}

/* Whether an IKE_SA_INIT request may create a half-open SA: true, maybe
 * after evicting another; false when refused (a COOKIE answered, or a
 * counted drop). */
static bool half_open_admit(struct ike_agent *a, const struct ike_path *path,
			    const struct ike_msg *m, const struct ike_pld *pno)
{
	struct ike_sa *victim;

	/* §2.6: below the threshold no cookie is asked for */
	if (a->half_open < IKE_HALF_OPEN_COOKIE)
		return true;
	/* §2.6: above it only requests with a valid cookie create state;
	 * the others get one (stateless, counted cookie_sent) */
	if (!cookie_ok(a, path, m, pno))
		return false;
	/* RFC 8019 §4.1: shorter waits under pressure */
	half_open_expire(a);
	/* RFC 8019 §4.2: one address holds at most IKE_HALF_OPEN_PER_ADDR;
	 * a valid cookie displaces that address's own oldest */
	if (half_open_from(a, &path->remote) >= IKE_HALF_OPEN_PER_ADDR) {
		victim = half_open_victim(a, &path->remote);
		if (!victim) {
			ike_count(a, IKE_AC_DROP_HALF_OPEN_PEER);
			return false;
		}
		evict(victim);
	}
	/* RFC 8019 §6: the table full, an initiator that proved
	 * its address displaces the oldest of the address holding most */
	if (a->half_open >= IKE_HALF_OPEN_MAX) {
		victim = half_open_victim(a, NULL);
		if (!victim) {
			ike_count(a, IKE_AC_DROP_HALF_OPEN);
			return false;
		}
		evict(victim);
	}
	return true;
}

void ike_init_recv_request(struct ike_agent *a, const struct ike_path *path,
			   struct ike_msg *m)
{
	const struct ike_pld *psa, *pke, *pno;
	const struct ike_conf_conn *conn;
	struct ike_sa_pld *peer = NULL, *ans = NULL;
	struct ike_out *o = NULL;
	struct ike_sa *sa = NULL;
	struct ike_choice ch;
	uint8_t pub[IKE_DH_PUBLIC_MAX], si[8], sr[8], grp[2];
	const uint8_t *gir;
	size_t publen, gir_len;
	const char *why = NULL;
	bool any_conn;
	int rc;

	psa = ike_msg_find(m, IKE_PL_SA);
	pke = ike_msg_find(m, IKE_PL_KE);
	pno = ike_msg_find(m, IKE_PL_NONCE);
	/* §1.2: HDR, SAi1, KEi, Ni */
	if (!psa || !pke || !pno) {
		ike_count(a, IKE_AC_DROP_MALFORMED);
		return;
	}
	/* RFC 7296 §2.6, RFC 8019: bounded half-open state */
	if (!half_open_admit(a, path, m, pno))
		return;
	peer = malloc(sizeof(*peer));
	ans = malloc(sizeof(*ans));
	o = malloc(sizeof(*o));
	if (!peer || !ans || !o)
		goto out;
	if (ike_sa_parse(psa->body, psa->blen, peer, &why)) {
		ike_count(a, IKE_AC_DROP_MALFORMED);
		goto out;
	}
	conn = pick_conn(a, path, peer, pke->v.ke.group, &ch, &any_conn);
	if (!conn) {
		/* §2.21.1: NO_PROPOSAL_CHOSEN, unprotected */
		ike_count(a, any_conn ? IKE_AC_NO_PROPOSAL : IKE_AC_DROP_NO_SA);
		ike_init_answer_notify(a, path, &m->hdr, IKE_N_NO_PROPOSAL_CHOSEN,
				       NULL, 0);
		goto out;
	}
	if (pke->v.ke.group != ch.dh) {
		/* §1.2: the KE is not of the group we chose: tell which */
		ike_put16(grp, ch.dh);
		ike_init_answer_notify(a, path, &m->hdr, IKE_N_INVALID_KE_PAYLOAD,
				       grp, sizeof(grp));
		goto out;
	}
	/* §2.10: at least 128 bits and half the PRF key size */
	if (pno->v.nonce.len < IKE_NONCE_MIN ||
	    pno->v.nonce.len < ch.prf->out_len / 2) {
		ike_count(a, IKE_AC_DROP_MALFORMED);
		goto out;
	}
	sa = ike_sa_new(a, conn, false);
	if (!sa) {
		/* bounded memory: IKE_SA_MAX in all (or no memory) */
		ike_count(a, IKE_AC_DROP_SA_LIMIT);
		goto out;
	}
	sa->spi_i = m->hdr.spi_i;
	sa->spi_r = ike_sa_new_spi(a);
	sa->path = *path;
	sa->dh_group = ch.dh;
	sa->encr = ch.encr;
	sa->prf = ch.prf;
	sa->integ = ch.integ;
	sa->dh = ike_dh_new(ch.dh);
	if (!sa->spi_r || !sa->dh)
		goto fail;
	rc = ike_dh_derive(sa->dh, pke->v.ke.data, pke->v.ke.len, &why);
	if (rc) {
		/* RFC 6989: a public value outside the group */
		ike_count(a, IKE_AC_DROP_MALFORMED);
		goto fail;
	}
	gir = ike_dh_secret(sa->dh, &gir_len);
	memcpy(sa->ni, pno->v.nonce.data, pno->v.nonce.len);
	sa->ni_len = pno->v.nonce.len;
	sa->nr_len = IKE_NONCE_LEN;
	if (ike_random(sa->nr, sa->nr_len))
		goto fail;
	spi_bytes(sa->spi_i, si);
	spi_bytes(sa->spi_r, sr);
	if (ike_keys_new_sa(&sa->keys, ch.encr, ch.prf, ch.integ, gir, gir_len,
			    sa->ni, sa->ni_len, sa->nr, sa->nr_len, si, sr))
		goto fail;
	sa->keys_ok = true;
	if (ike_dh_public(sa->dh, pub, sizeof(pub), &publen))
		goto fail;
	/* RFC 7383 §2.3: the initiator's notify, and ours in the answer */
	if (ike_frag_negotiated(sa, conn->fragmentation != IKE_CONF_FRAG_NO &&
				ike_msg_notify(m, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED)))
		goto fail;
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	if (!check_natd(sa, m, 0, path))
		sa->nat_local = sa->nat_remote = false;
	if (faking_nat(sa))
		sa->nat_local = true;

	/* §1.2: HDR, SAr1, KEr, Nr, [N(NAT-D)...] */
	rc = ike_out_begin(sa, o, IKE_EXCH_IKE_SA_INIT, true, 0);
	if (!rc)
		rc = ike_prop_answer(ans, &ch, NULL, 0);
	if (!rc)
		rc = ike_enc_sa(&o->e, ans);
	if (!rc)
		rc = ike_enc_ke(&o->e, ch.dh, pub, publen);
	if (!rc)
		rc = ike_enc_nonce(&o->e, sa->nr, sa->nr_len);
	/* §1.2: [CERTREQ] naming the CAs we trust for this peer */
	if (!rc)
		rc = ike_auth_enc_certreq(a->cfg, conn, &o->e);
	if (!rc && ike_msg_notify(m, IKE_N_NAT_DETECTION_SOURCE_IP))
		rc = enc_natd(sa, &o->e, sa->spi_r);
	/* RFC 7383 §2.3: the responder answers the initiator's notify */
	if (!rc && ike_msg_notify(m, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED))
		rc = enc_frag(sa, &o->e);
	if (!rc)
		rc = enc_sig_hashes(&o->e);
	if (!rc)
		rc = ike_out_seal(sa, o);
	/* §2.15: both IKE_SA_INIT messages are signed in IKE_AUTH */
	if (!rc)
		rc = keep_copy(&sa->init_req, &sa->init_req_len, m->buf, m->len);
	if (!rc)
		rc = keep_copy(&sa->init_resp, &sa->init_resp_len, o->buf, o->len);
	if (!rc)
		rc = keep_copy(&sa->last_req, &sa->last_req_len, m->buf, m->len);
	if (rc)
		goto fail;
	ike_sa_send_response(sa, path, o);
	ike_sa_set_half_open(sa, true);
	ike_timer_arm(a, &sa->halfopen_timer, half_open_wait(a), halfopen_fn, sa);
	ike_sa_log(sa, 1, "IKE_SA_INIT answered (%s, group %u%s)", ch.encr->name,
		   ch.dh, sa->nat_local || sa->nat_remote ? ", NAT" : "");
	goto out;
fail:
	ike_sa_kill(sa, why ? why : "IKE_SA_INIT failed");
out:
	OPENSSL_cleanse(pub, sizeof(pub));
	free(peer);
	free(ans);
	free(o);
}
