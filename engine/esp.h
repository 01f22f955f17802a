/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Engine-internal: ESP seal and open cut into stages, so that burst.c can
 * run the cipher of many packets in one backend call between them. The
 * single-packet functions (xs_esp_seal, xs_esp_open) run the very same
 * stages one packet at a time, so both paths give the same bytes and
 * verdicts.
 *
 * Seal:  prep (checks, sequence number, headers, padding, IV: the op)
 *        -> cipher -> finish (UDP header, the result's offsets).
 * Open:  prep (checks, replay check, nonce/AAD: the op) -> cipher
 *        -> commit (re-check the window, the ICV verdict, commit; under
 *        the window's lock) -> post (padding, next header, decapsulation).
 *
 * Every stage counts the drop it returns in the SA, except the replay and
 * length verdicts open prep leaves in the job (pre, bad): the caller
 * decides them, as commit does. Accounting: SAs with lifetimes are
 * accounted in seal prep (so the next packet sees an expiry exactly when
 * the single path would); for the others the caller accounts *acct bytes.
 */
#ifndef XS_ESP_H
#define XS_ESP_H

#include "engine.h"
#include "ip.h"

struct xs_esp_tx {
	struct xs_crypto_op op;
	uint8_t *out;              /* first byte of the sealed packet */
	uint32_t total;            /* its length */
	uint32_t front;            /* bytes added in front */
	uint32_t udp_off;          /* UDP header (RFC 3948) offset in out */
	uint32_t acct;             /* bytes to account: the inner packet */
	uint64_t seq;
	uint8_t ver;               /* IP version of the result */
	uint8_t nonce[12] __attribute__((aligned(16)));
	uint8_t aad[12];
};

struct xs_esp_rx {
	struct xs_crypto_op op;
	struct xs_outer o;
	uint64_t seq;              /* full sequence number (ESN inferred) */
	uint8_t *ct;
	uint32_t ct_len;
	uint8_t pre;               /* replay check before the ICV, or NONE */
	uint8_t bad;               /* BAD_LENGTH found before the ICV, or NONE */
	uint8_t nonce[12] __attribute__((aligned(16)));
	uint8_t aad[12];
	uint8_t icv[XS_ICV_LEN];   /* ETM: the received ICV, kept aside */
};

int xs_esp_seal_prep(struct xs_sa *sa, struct xs_pkt *p, struct xs_esp_tx *t);
int xs_esp_seal_finish(struct xs_sa *sa, struct xs_pkt *p, struct xs_esp_tx *t);

/* Returns a counted drop, or XS_DROP_NONE with j filled (look at j->pre
 * and j->bad: the op is to run only when both are NONE). */
int xs_esp_open_prep(struct xs_sa *sa, struct xs_pkt *p, const struct xs_outer *o,
		     struct xs_esp_rx *j);
/* With sa->replay locked (by the caller, for several jobs at once). */
int xs_esp_open_commit(struct xs_sa *sa, struct xs_esp_rx *j);
/* Sets p->off/len to the opened packet; *acct is what to account. */
int xs_esp_open_post(struct xs_sa *sa, struct xs_pkt *p, struct xs_esp_rx *j,
		     uint32_t *acct);

#endif
