// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reassembling one fragmented message (RFC 7383 §2.6). A fragment is
 * verified and decrypted before anything about it is kept, so only the
 * peer can fill a reassembly, and then only up to IKE_FRAG_MAX fragments,
 * IKE_MSG_MAX octets per message and IKE_FRAG_MEM_MAX octets in all; the
 * owner bounds the time (frag.c). Kept plaintext is wiped when it goes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "frag.h"

/* Octets of every active arena (one agent per process). */
static size_t mem_used;

size_t ike_frag_rx_memory(void)
{
	return mem_used;
}

void ike_frag_rx_reset(struct ike_frag_rx *rx)
{
	if (!rx)
		return;
	if (rx->arena) {
		OPENSSL_cleanse(rx->arena, IKE_MSG_MAX);
		free(rx->arena);
		mem_used -= IKE_MSG_MAX;
	}
	free(rx->first_raw);
	memset(rx, 0, sizeof(*rx));
}

/* A new reassembly for the fragment's message. */
static int rx_start(struct ike_frag_rx *rx, const struct ike_msg *m)
{
	ike_frag_rx_reset(rx);
	if (mem_used + IKE_MSG_MAX > IKE_FRAG_MEM_MAX)
		return -ENOMEM;
	rx->arena = malloc(IKE_MSG_MAX);
	if (!rx->arena)
		return -ENOMEM;
	mem_used += IKE_MSG_MAX;
	rx->active = true;
	rx->response = m->hdr.flags & IKE_FLAG_RESPONSE;
	rx->msgid = m->hdr.msgid;
	rx->total = m->frag_total;
	return 0;
}

int ike_frag_rx_add(struct ike_frag_rx *rx, const struct ike_keys *k,
		    enum ike_dir dir, struct ike_msg *m, uint8_t *buf,
		    size_t len, const uint8_t *raw, uint8_t *out, size_t cap,
		    size_t *out_len)
{
	bool response = m->hdr.flags & IKE_FLAG_RESPONSE;
	uint16_t num = m->frag_num, total = m->frag_total;
	size_t ioff = 0, ilen = 0, o = 0;
	int rc;

	*out_len = 0;
	if (!m->frag || m->sk < 0 || !num || num > total)
		return -EBADMSG;
	/* our bound on Total Fragments (§2.6 lets a receiver have one) */
	if (total > IKE_FRAG_MAX)
		return -E2BIG;
	/* §2.6: a fragment of a later fragmentation of the same message
	 * (more, smaller fragments) restarts; one of an earlier is not
	 * taken. Either way it must verify first. */
	if (rx->active && rx->msgid == m->hdr.msgid && rx->response == response &&
	    total < rx->total)
		return -ESTALE;
	/* §2.6: every fragment is authenticated before it is kept */
	rc = ike_skf_decrypt(k, dir, buf, len, m->pld[m->sk].off, &ioff, &ilen);
	if (rc)
		return -EBADMSG;
	if (!rx->active || rx->msgid != m->hdr.msgid ||
	    rx->response != response || total > rx->total) {
		rc = rx_start(rx, m);
		if (rc)
			goto drop;
	}
	if (rx->have & (1ull << (num - 1)))
		return -EALREADY;
	if (ilen > IKE_MSG_MAX - rx->used) {
		rc = -E2BIG;
		goto drop;
	}
	memcpy(rx->arena + rx->used, buf + ioff, ilen);
	rx->off[num] = (uint16_t)rx->used;
	rx->len[num] = (uint16_t)ilen;
	rx->used += ilen;
	rx->have |= 1ull << (num - 1);
	rx->got++;
	if (num == 1) {
		/* §2.5: only the first fragment names the first payload */
		rx->first_next = m->sk_next;
		free(rx->first_raw);
		rx->first_raw = malloc(len);
		if (!rx->first_raw) {
			rc = -ENOMEM;
			goto drop;
		}
		memcpy(rx->first_raw, raw, len);
		rx->first_raw_len = len;
	}
	if (rx->got < rx->total)
		return -EINPROGRESS;
	/* §2.6: the inner payloads in fragment order */
	if (rx->used > cap) {
		rc = -E2BIG;
		goto drop;
	}
	for (uint16_t i = 1; i <= rx->total; i++) {
		memcpy(out + o, rx->arena + rx->off[i], rx->len[i]);
		o += rx->len[i];
	}
	*out_len = o;
	m->sk_next = rx->first_next;
	/* the arena goes, fragment 1 stays for §2.6.1 until the next one */
	OPENSSL_cleanse(rx->arena, IKE_MSG_MAX);
	free(rx->arena);
	mem_used -= IKE_MSG_MAX;
	rx->arena = NULL;
	rx->active = false;
	return 0;
drop:
	ike_frag_rx_reset(rx);
	return rc;
}
