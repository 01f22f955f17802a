/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IKE fragmentation, RFC 7383: a message too large for the path goes out
 * as several IKE messages, each with an Encrypted Fragment payload (SKF)
 * carrying a share of the inner payloads, each encrypted and
 * authenticated on its own; the receiver verifies every fragment before
 * keeping it and reassembles the inner payloads in fragment order.
 *
 *   frag_tx.c  ike_frag_split(): one sealed message's inner payloads into
 *              fragments of a given size
 *   frag_rx.c  struct ike_frag_rx: reassembly of one message, bounded in
 *              fragments, octets and (by its owner's timer) time
 *   frag.c     the IKE SA's side: negotiation (§2.3), when to fragment
 *              and to what size (the outgoing interface's MTU, §2.5.1's
 *              sizes when it is unknown), sending, the reassembly timer,
 *              counters; the entries the dispatcher and the message
 *              sealer call
 *   pmtu.c     the MTU of the route to a peer (the shell's side)
 *
 * Every fragment goes out; the same fragments again on retransmission
 * (§2.5.3 allows nothing else without PMTU discovery). A fragmented
 * message is kept as its datagrams back to back in one buffer (each an IKE
 * message with its own Length), which ike_frag_send() splits.
 */
#ifndef IKE_FRAG_H
#define IKE_FRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "msg.h"

struct ike_agent;
struct ike_sa;
struct ike_out;
struct ike_path;

#define IKE_FRAG_MAX 64u                /* fragments of one message */
#define IKE_FRAG_TIMEOUT_MS 30000u      /* to collect one message */
#define IKE_FRAG_MEM_MAX (1u << 20)     /* reassembly octets, all SAs */
/* RFC 7383 §2.5.1: IP datagram sizes every path must carry, used when
 * the interface's MTU cannot be read. */
#define IKE_FRAG_V4_DEFAULT 576u
#define IKE_FRAG_V6_DEFAULT 1280u
/* Smallest IKE message a fragment may be: room for headers and a share. */
#define IKE_FRAG_MSG_MIN 256u

/* ------------------------------------------------------------ sending */

/*
 * Splits plain[0, n) -- the inner payloads of a message whose IKE header
 * is hdr, first inner payload first_next -- into encrypted fragments of
 * at most limit octets each (IKE header to ICV), written back to back
 * into out[0, cap). *count gets the number of fragments, *out_len their
 * octets. -EMSGSIZE when limit leaves no room or more than IKE_FRAG_MAX
 * fragments would be needed, -ENOSPC when out is short.
 */
int ike_frag_split(struct ike_keys *k, enum ike_dir dir,
		   const uint8_t hdr[IKE_HDR_LEN], uint8_t first_next,
		   const uint8_t *plain, size_t n, size_t limit, uint8_t *out,
		   size_t cap, size_t *out_len, unsigned int *count);

/* ---------------------------------------------------------- receiving */

/* The reassembly of one message. Zero it to start; ike_frag_rx_reset()
 * wipes and frees what it holds. */
struct ike_frag_rx {
	bool active;
	bool response;
	uint32_t msgid;
	uint16_t total, got;
	uint8_t first_next;             /* from fragment 1 (§2.5) */
	size_t used;                    /* plaintext octets kept */
	uint8_t *arena;                 /* IKE_MSG_MAX octets while active */
	uint16_t off[IKE_FRAG_MAX + 1], len[IKE_FRAG_MAX + 1];
	uint64_t have;                  /* bit n-1: fragment n kept */
	uint8_t *first_raw;             /* fragment 1 as received (§2.6.1) */
	size_t first_raw_len;
};

/*
 * Adds the fragment m (decoded from buf[0, len), m->frag set; raw is the
 * datagram as received) for keys k in direction dir: verified and
 * decrypted first (buf is decrypted in place), then kept. When it was the
 * last one missing, the inner payloads in order go to out[0, cap)
 * (*out_len) and m->sk_next names the first of them; returns 0.
 * Otherwise: -EINPROGRESS (kept, more to come), -EALREADY (a fragment
 * already kept), -ESTALE (of an older fragmentation of the message,
 * §2.6), -EBADMSG (does not verify), -E2BIG (more fragments or octets
 * than allowed: the message is dropped), -ENOMEM (over IKE_FRAG_MEM_MAX).
 */
int ike_frag_rx_add(struct ike_frag_rx *rx, const struct ike_keys *k,
		    enum ike_dir dir, struct ike_msg *m, uint8_t *buf,
		    size_t len, const uint8_t *raw, uint8_t *out, size_t cap,
		    size_t *out_len);
void ike_frag_rx_reset(struct ike_frag_rx *rx);
/* Octets all reassemblies hold now (for the IKE_FRAG_MEM_MAX bound). */
size_t ike_frag_rx_memory(void);

/* ------------------------------------------------------ the IKE SA side */

struct ike_frag;

/* IKE_SA_INIT done: peer is whether it announced support (§2.3). */
int ike_frag_negotiated(struct ike_sa *sa, bool peer);
/* The IKE SA that replaces another by a rekey keeps its support. */
void ike_frag_inherit(struct ike_sa *to, const struct ike_sa *from);
/* Releases sa's state (sa->frag), wiping what it holds. NULL is fine. */
void ike_frag_free(struct ike_frag *f);

/*
 * Seals o (opened by ike_out_begin with inner octets of payloads inside
 * SK) as ike_out_seal does: one SK message, or, when the peer accepts
 * fragments, fragmentation is yes or force and the message would not fit
 * the path, its fragments back to back. o->len gets the total.
 */
int ike_frag_seal(struct ike_sa *sa, struct ike_out *o, size_t inner);

/* Sends a sealed message: each IKE message of buf[0, len) in turn. */
int ike_frag_send(struct ike_agent *a, const struct ike_path *path,
		  const uint8_t *buf, size_t len);

/*
 * The dispatcher's entry for a message with an SKF payload (m->frag),
 * already past the Message ID checks: verifies and keeps the fragment;
 * when the message is complete, *plain / *plain_len are its inner
 * payloads (valid until the next call) and *raw / *raw_len fragment 1 as
 * it came (what a retransmission of the request repeats, §2.6.1),
 * returning 0. Otherwise the fragment was kept or dropped (counted).
 */
int ike_frag_input(struct ike_sa *sa, struct ike_msg *m, uint8_t *buf,
		   size_t len, const uint8_t **raw, size_t *raw_len,
		   const uint8_t **plain, size_t *plain_len);

/* pmtu.c: the MTU of the route to path->remote (connected UDP socket,
 * IP_MTU / IPV6_MTU); 0 when it cannot be read. */
unsigned int ike_path_mtu(const struct ike_path *path);

/* Tests: a fixed MTU instead of the route's (0: the route's). */
extern unsigned int ike_frag_test_mtu;

#endif
