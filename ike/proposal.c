// SPDX-License-Identifier: GPL-2.0-only
/*
 * SA payload negotiation (RFC 7296 §2.7, §3.3): our offer from the
 * configured proposals, the responder's selection honouring OUR
 * configured order, and the initiator's check of the single proposal the
 * responder returns.
 */
#include <errno.h>
#include <string.h>

#include "dh.h"
#include "proposal.h"

#define NTYPES 5        /* transform types 1..5, §3.3.2 */

/* Whether the agent can run a transform for protocol. */
static bool xform_supported(uint8_t protocol, uint8_t type, uint16_t id,
			    uint16_t keylen)
{
	const struct ike_integ *in;

	switch (type) {
	case IKE_XFORM_ENCR:
		return protocol != IKE_PROTO_AH && ike_encr_find(id, keylen);
	case IKE_XFORM_PRF:
		return protocol == IKE_PROTO_IKE && ike_prf_find(id);
	case IKE_XFORM_INTEG:
		in = ike_integ_find(id);
		/* the datapath only runs some INTEG algorithms */
		return in && (protocol == IKE_PROTO_IKE || in->datapath);
	case IKE_XFORM_DH:
		return ike_dh_info(id) != NULL;
	case IKE_XFORM_ESN:
		return protocol != IKE_PROTO_IKE &&
		       (id == IKE_ESN_NONE || id == IKE_ESN_ON);
	default:
		return false;
	}
}

int ike_prop_build(struct ike_sa_pld *out, const struct ike_conf_proposal *p,
		   size_t n, const uint8_t *spi, size_t spi_len, bool no_dh,
		   uint16_t first_dh)
{
	memset(out, 0, sizeof(*out));
	if (spi_len > IKE_MAX_SPI_LEN)
		return -EINVAL;
	for (size_t i = 0; i < n && out->nprops < IKE_MAX_PROPOSALS; i++) {
		struct ike_prop *pr = &out->prop[out->nprops];
		bool has_encr = false, dh_first_here = false;
		unsigned int ndh = 0;

		memset(pr, 0, sizeof(*pr));
		for (unsigned int j = 0; j < p[i].n_xforms; j++) {
			const struct ike_conf_xform *x = &p[i].xforms[j];

			if (x->type == IKE_XFORM_DH && x->id == first_dh)
				dh_first_here = true;
		}
		for (unsigned int j = 0; j < p[i].n_xforms &&
					 pr->nxforms < IKE_MAX_TRANSFORMS; j++) {
			const struct ike_conf_xform *x = &p[i].xforms[j];
			struct ike_xform *w;

			if (x->type == IKE_XFORM_DH && no_dh)
				continue;
			if (!xform_supported(p[i].protocol, x->type, x->id,
					     x->keylen))
				continue;
			w = &pr->xf[pr->nxforms++];
			w->type = x->type;
			w->id = x->id;
			w->keylen = x->keylen;
			if (x->type == IKE_XFORM_ENCR)
				has_encr = true;
			if (x->type == IKE_XFORM_DH) {
				/* the group of our KE goes first, so that a
				 * peer taking the first one agrees with it */
				if (dh_first_here && x->id == first_dh && ndh) {
					struct ike_xform t = *w;
					unsigned int f = pr->nxforms - 1 - ndh;

					memmove(&pr->xf[f + 1], &pr->xf[f],
						ndh * sizeof(t));
					pr->xf[f] = t;
				}
				ndh++;
			}
		}
		/* a proposal whose ciphers are all unsupported is left out */
		if (!pr->nxforms || (p[i].protocol != IKE_PROTO_AH && !has_encr))
			continue;
		pr->num = (uint8_t)(out->nprops + 1);
		pr->proto = p[i].protocol;
		pr->spi_len = (uint8_t)spi_len;
		if (spi_len)
			memcpy(pr->spi, spi, spi_len);
		out->nprops++;
	}
	return out->nprops ? 0 : -ENOENT;
}

/* Transforms of one type in a received proposal, unusable ones skipped
 * (§3.3.6: a transform with an unknown attribute must not be chosen). */
static unsigned int peer_list(const struct ike_prop *pr, uint8_t type,
			      const struct ike_xform **out, bool *any)
{
	unsigned int k = 0;

	*any = false;
	for (unsigned int i = 0; i < pr->nxforms; i++) {
		if (pr->xf[i].type != type)
			continue;
		*any = true;
		if (!pr->xf[i].unknown_attr)
			out[k++] = &pr->xf[i];
	}
	return k;
}

static bool peer_offers(const struct ike_xform *const *l, unsigned int n,
			uint16_t id, uint16_t keylen)
{
	for (unsigned int i = 0; i < n; i++)
		if (l[i]->id == id && l[i]->keylen == keylen)
			return true;
	return false;
}

static void choice_add(struct ike_choice *c, uint8_t type, uint16_t id,
		       uint16_t keylen)
{
	if (c->nxf < sizeof(c->xf) / sizeof(c->xf[0])) {
		c->xf[c->nxf].type = type;
		c->xf[c->nxf].id = id;
		c->xf[c->nxf].keylen = keylen;
		c->nxf++;
	}
}

/* Resolves the chosen IDs to algorithms; false when the suite is not
 * valid for protocol (§3.3.3). */
static bool choice_resolve(struct ike_choice *c)
{
	c->encr = NULL;
	c->prf = NULL;
	c->integ = NULL;
	c->dh = 0;
	c->esn = 0;
	c->has_esn = false;
	for (unsigned int i = 0; i < c->nxf; i++) {
		const struct ike_xform_pld *x = &c->xf[i];

		switch (x->type) {
		case IKE_XFORM_ENCR:
			c->encr = ike_encr_find(x->id, x->keylen);
			if (!c->encr)
				return false;
			break;
		case IKE_XFORM_PRF:
			c->prf = ike_prf_find(x->id);
			if (!c->prf)
				return false;
			break;
		case IKE_XFORM_INTEG:
			if (x->id == IKE_INTEG_NONE)
				break;
			c->integ = ike_integ_find(x->id);
			if (!c->integ)
				return false;
			break;
		case IKE_XFORM_DH:
			c->dh = x->id;
			if (x->id && !ike_dh_info(x->id))
				return false;
			break;
		case IKE_XFORM_ESN:
			c->esn = x->id;
			c->has_esn = true;
			break;
		default:
			return false;
		}
	}
	switch (c->protocol) {
	case IKE_PROTO_IKE:
		/* §3.3.3: IKE needs ENCR, PRF, INTEG (none with AEAD), DH */
		return c->encr && c->prf && c->dh &&
		       !ike_suite_check(c->encr, c->integ);
	case IKE_PROTO_ESP:
		/* §3.3.3: ESP needs ENCR, INTEG (none with AEAD), ESN */
		return c->encr && c->has_esn &&
		       !ike_suite_check(c->encr, c->integ) &&
		       (!c->integ || c->integ->datapath);
	case IKE_PROTO_AH:
		/* §3.3.3: AH needs INTEG and ESN */
		return c->integ && c->integ->datapath && c->has_esn;
	default:
		return false;
	}
}

/* Tries our proposal `our` against the peer's `pr`. */
static bool match_one(const struct ike_conf_proposal *our,
		      const struct ike_prop *pr, bool no_dh, uint16_t ke_group,
		      struct ike_choice *c)
{
	memset(c, 0, sizeof(*c));
	c->num = pr->num;
	c->protocol = pr->proto;
	c->spi_len = pr->spi_len;
	memcpy(c->spi, pr->spi, pr->spi_len);
	for (uint8_t type = 1; type <= NTYPES; type++) {
		const struct ike_xform *pl[IKE_MAX_TRANSFORMS];
		bool peer_any, ours = false, found = false;
		unsigned int np;

		if (type == IKE_XFORM_DH && no_dh) {
			/* §1.2: IKE_AUTH carries no KE, so any D-H
			 * transform of its SA payload is ignored */
			continue;
		}
		np = peer_list(pr, type, pl, &peer_any);
		for (unsigned int i = 0; i < our->n_xforms; i++)
			if (our->xforms[i].type == type)
				ours = true;
		if (!ours) {
			/* §3.3.6: one transform of each type the peer
			 * offered: only "none" can satisfy a type we do not
			 * use (INTEG with AEAD, D-H without PFS). */
			if (!peer_any)
				continue;
			if ((type == IKE_XFORM_INTEG || type == IKE_XFORM_DH) &&
			    peer_offers(pl, np, 0, 0)) {
				choice_add(c, type, 0, 0);
				continue;
			}
			return false;
		}
		if (!np)
			return false;
		/* the KE group first when both sides have it (§1.2) */
		if (type == IKE_XFORM_DH && ke_group && peer_offers(pl, np, ke_group, 0)) {
			for (unsigned int i = 0; i < our->n_xforms && !found; i++)
				if (our->xforms[i].type == type &&
				    our->xforms[i].id == ke_group) {
					choice_add(c, type, ke_group, 0);
					found = true;
				}
		}
		/* otherwise our configured order decides */
		for (unsigned int i = 0; i < our->n_xforms && !found; i++) {
			const struct ike_conf_xform *x = &our->xforms[i];

			if (x->type != type ||
			    !xform_supported(our->protocol, x->type, x->id, x->keylen) ||
			    !peer_offers(pl, np, x->id, x->keylen))
				continue;
			choice_add(c, type, x->id, x->keylen);
			found = true;
		}
		if (!found)
			return false;
	}
	return choice_resolve(c);
}

int ike_prop_select(const struct ike_sa_pld *peer,
		    const struct ike_conf_proposal *ours, size_t n,
		    uint8_t protocol, bool no_dh, uint16_t ke_group,
		    struct ike_choice *out)
{
	/* §2.7: the responder picks one proposal; we walk OUR list in
	 * configured order so our preference wins */
	for (size_t i = 0; i < n; i++) {
		if (ours[i].protocol != protocol)
			continue;
		for (unsigned int j = 0; j < peer->nprops; j++) {
			const struct ike_prop *pr = &peer->prop[j];

			if (pr->proto != protocol)
				continue;
			/* §3.3.1: SPI Size 4 for AH/ESP; for IKE 0 in
			 * IKE_SA_INIT, 8 when rekeying (the caller checks
			 * which one it expects) */
			if (protocol == IKE_PROTO_IKE ?
			    pr->spi_len != 0 && pr->spi_len != IKE_SPI_LEN :
			    pr->spi_len != IKE_CHILD_SPI_LEN)
				continue;
			if (match_one(&ours[i], pr, no_dh, ke_group, out))
				return 0;
		}
	}
	memset(out, 0, sizeof(*out));
	return -ENOENT;
}

int ike_prop_verify(const struct ike_sa_pld *resp, const struct ike_sa_pld *sent,
		    uint8_t protocol, struct ike_choice *out)
{
	const struct ike_prop *rp, *sp = NULL;
	bool seen[NTYPES + 1] = { false };

	memset(out, 0, sizeof(*out));
	/* §3.3: the responder's SA payload holds exactly one proposal */
	if (resp->nprops != 1)
		return -EBADMSG;
	rp = &resp->prop[0];
	for (unsigned int i = 0; i < sent->nprops; i++)
		if (sent->prop[i].num == rp->num)
			sp = &sent->prop[i];
	/* §3.3.1: it carries the number of the proposal accepted */
	if (!sp || rp->proto != protocol || rp->proto != sp->proto)
		return -EBADMSG;
	/* §3.3.1: SPI Size 4 for AH/ESP; 0 or 8 for IKE as we sent */
	if (protocol == IKE_PROTO_IKE ? rp->spi_len != sp->spi_len :
					rp->spi_len != IKE_CHILD_SPI_LEN)
		return -EBADMSG;
	out->num = rp->num;
	out->protocol = rp->proto;
	out->spi_len = rp->spi_len;
	memcpy(out->spi, rp->spi, rp->spi_len);
	for (unsigned int i = 0; i < rp->nxforms; i++) {
		const struct ike_xform *x = &rp->xf[i];
		bool offered = false;

		/* §3.3.6: exactly one transform of each type, each one of
		 * those offered in that proposal */
		if (x->type < 1 || x->type > NTYPES || seen[x->type] ||
		    x->unknown_attr)
			return -EBADMSG;
		seen[x->type] = true;
		for (unsigned int j = 0; j < sp->nxforms && !offered; j++)
			offered = sp->xf[j].type == x->type &&
				  sp->xf[j].id == x->id &&
				  sp->xf[j].keylen == x->keylen;
		if (!offered)
			return -EBADMSG;
		choice_add(out, x->type, x->id, x->keylen);
	}
	for (unsigned int j = 0; j < sp->nxforms; j++)
		if (!seen[sp->xf[j].type])
			return -EBADMSG;
	return choice_resolve(out) ? 0 : -EBADMSG;
}

int ike_prop_answer(struct ike_sa_pld *out, const struct ike_choice *c,
		    const uint8_t *spi, size_t spi_len)
{
	struct ike_prop *pr = &out->prop[0];

	memset(out, 0, sizeof(*out));
	if (spi_len > IKE_MAX_SPI_LEN || !c->nxf)
		return -EINVAL;
	out->nprops = 1;
	pr->num = c->num;
	pr->proto = c->protocol;
	pr->spi_len = (uint8_t)spi_len;
	if (spi_len)
		memcpy(pr->spi, spi, spi_len);
	pr->nxforms = c->nxf;
	for (unsigned int i = 0; i < c->nxf; i++) {
		pr->xf[i].type = c->xf[i].type;
		pr->xf[i].id = c->xf[i].id;
		pr->xf[i].keylen = c->xf[i].keylen;
	}
	return 0;
}

bool ike_prop_has_dh(const struct ike_conf_proposal *p, size_t n, uint16_t group)
{
	for (size_t i = 0; i < n; i++)
		for (unsigned int j = 0; j < p[i].n_xforms; j++)
			if (p[i].xforms[j].type == IKE_XFORM_DH &&
			    p[i].xforms[j].id == group && ike_dh_info(group))
				return true;
	return false;
}

uint16_t ike_prop_first_dh(const struct ike_conf_proposal *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (unsigned int j = 0; j < p[i].n_xforms; j++)
			if (p[i].xforms[j].type == IKE_XFORM_DH &&
			    ike_dh_info(p[i].xforms[j].id))
				return p[i].xforms[j].id;
	return 0;
}
