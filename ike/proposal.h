/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SA payload negotiation (proposal.c, RFC 7296 §2.7, §3.3): our offer
 * from the configured proposals, the responder's selection and the
 * initiator's check of the answer. Pure functions: a leaf of the state
 * machine, no SA state.
 */
#ifndef IKE_PROPOSAL_H
#define IKE_PROPOSAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "crypto.h"
#include "payload.h"

/* A proposal selected (responder) or accepted (initiator), §3.3.6. */
struct ike_choice {
	uint8_t num;            /* Proposal Num */
	uint8_t protocol;       /* IKE_PROTO_* */
	uint8_t spi_len;
	uint8_t spi[IKE_MAX_SPI_LEN];   /* the peer's SPI */
	const struct ike_encr *encr;    /* NULL for AH */
	const struct ike_prf *prf;      /* IKE only */
	const struct ike_integ *integ;  /* NULL with AEAD */
	uint16_t dh;            /* 0: none */
	uint16_t esn;           /* IKE_ESN_*; ESP/AH only */
	bool has_esn;
	/* the transforms as they go back in the answer */
	uint8_t nxf;
	struct ike_xform_pld {
		uint8_t type;
		uint16_t id, keylen;
	} xf[5];
};

/* Our SA payload from configured proposals, in configured order; DH
 * transforms left out when no_dh (IKE_AUTH, §1.2). first_dh, if nonzero
 * and offered, is moved first in each proposal's DH list. */
int ike_prop_build(struct ike_sa_pld *out, const struct ike_conf_proposal *p,
		   size_t n, const uint8_t *spi, size_t spi_len, bool no_dh,
		   uint16_t first_dh);
/* Responder: the first of OUR proposals (configured order) that one of
 * the peer's proposals can satisfy; ke_group is preferred among DH
 * groups. -ENOENT when none fits. */
int ike_prop_select(const struct ike_sa_pld *peer,
		    const struct ike_conf_proposal *ours, size_t n,
		    uint8_t protocol, bool no_dh, uint16_t ke_group,
		    struct ike_choice *out);
/* Initiator: checks the responder's single choice against the SA
 * payload we sent (§3.3.6). -EBADMSG if it is not a valid choice. */
int ike_prop_verify(const struct ike_sa_pld *resp, const struct ike_sa_pld *sent,
		    uint8_t protocol, struct ike_choice *out);
/* The responder's SA payload for a choice, with our SPI. */
int ike_prop_answer(struct ike_sa_pld *out, const struct ike_choice *c,
		    const uint8_t *spi, size_t spi_len);
/* Whether group is among the DH transforms of the proposals. */
bool ike_prop_has_dh(const struct ike_conf_proposal *p, size_t n, uint16_t group);
/* The first DH group of the proposals, 0 if none. */
uint16_t ike_prop_first_dh(const struct ike_conf_proposal *p, size_t n);

#endif
