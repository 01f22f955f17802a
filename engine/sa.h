/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Security Associations of the packet engine (RFC 4301 §4.4.2).
 *
 * Any number of threads may seal and open with one SA at the same time.
 * What packets change is shared safely and cheaply: outbound sequence
 * numbers come from per-thread blocks (seq.h), the replay window takes a
 * lock for the commit only (replay.h), counters are atomic adds (a burst
 * adds once per SA), and per-packet scratch (nonces, AAD) is per thread.
 * Everything else is written once, at creation; the cipher state is
 * read-only after setup (each backend keeps its per-thread state apart).
 * Creating, freeing and xs_sa_set_iv_fn/xs_sa_set_seq_store/
 * xs_sa_tx_restart are not concurrent with packets.
 */
#ifndef XS_SA_H
#define XS_SA_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include "crypto.h"
#include "drop.h"
#include "limits.h"
#include "replay.h"
#include "seq.h"

enum xs_proto {
	XS_PROTO_ESP = IPPROTO_ESP, /* 50 */
	XS_PROTO_AH = IPPROTO_AH,   /* 51 */
};

enum xs_mode {
	XS_MODE_TRANSPORT = 0,
	XS_MODE_TUNNEL = 1,
};

union xs_addr {
	struct in_addr v4;
	struct in6_addr v6;
	uint8_t b[16];
};

/* Lifetime limits; 0 means "no limit". RFC 4301 §4.4.2.1. */
struct xs_lifetime {
	uint64_t bytes;
	uint64_t packets;
};

struct xs_sa_config {
	uint32_t spi;            /* host byte order; 0..255 are reserved */
	uint8_t proto;           /* enum xs_proto */
	uint8_t mode;            /* enum xs_mode */
	uint8_t family;          /* AF_INET or AF_INET6: outer addresses */
	uint8_t suite;           /* enum xs_suite */
	union xs_addr src;       /* outer source (tunnel mode: what seal writes) */
	union xs_addr dst;       /* outer destination */
	uint8_t enc_key[XS_ENC_KEY_MAX]; /* AEAD: key || 4-byte salt */
	uint32_t enc_key_len;
	uint8_t auth_key[XS_AUTH_KEY_MAX];
	uint32_t auth_key_len;
	bool esn;                /* 64-bit sequence numbers, RFC 4303 §2.2.1 */
	uint32_t replay_window;  /* packets, multiple of 64; 0 disables */
	uint64_t seq_start;      /* next outbound = seq_start + 1 (tests) */
	struct xs_lifetime soft; /* report for rekey */
	struct xs_lifetime hard; /* stop the SA */
	uint16_t encap_sport;    /* UDP encapsulation (RFC 3948); 0: none */
	uint16_t encap_dport;
	uint8_t backend;         /* enum xs_backend_id; XS_BACKEND_AUTO picks */
	uint8_t outer_ttl;       /* tunnel mode; 0 means 64 */
};

/* Fills cfg with defaults: replay window, TTL, automatic backend. */
void xs_sa_config_init(struct xs_sa_config *cfg);

/* Updated with atomic adds; plain reads see a value a moment old. */
struct xs_sa_stats {
	uint64_t packets;        /* sealed or opened successfully */
	uint64_t bytes;          /* payload bytes of those packets */
	uint64_t drops[XS_DROP_MAX];
};

/* Generates the 8-byte explicit IV for GCM/ChaCha (normally the sequence
 * number, RFC 8221 §3) or the 16-byte CBC IV. Tests use it to reproduce
 * published vectors. */
typedef void (*xs_iv_fn)(void *arg, uint64_t seq, uint8_t *iv, unsigned int len);

struct xs_sa {
	struct xs_sa_config cfg;   /* keys are wiped from here after setup */
	struct xs_cipher cipher;   /* backend state; must stay first-aligned */
	uint64_t uid;              /* unique in the process: the per-thread
				    * state of seq.c and esp.c is keyed by it */
	bool soft_expired;         /* set once, read per packet */
	bool hard_expired;
	uint8_t iv_len;            /* explicit IV on the wire */
	uint8_t block;             /* padding alignment, RFC 4303 §2.4 */
	xs_iv_fn iv_fn;
	void *iv_arg;
	/* Derived from cfg at creation, for the per-packet paths. */
	bool aead;                 /* the suite is an AEAD */
	bool esp_fast;             /* ESP, tunnel, IPv4 outer, AEAD, no ESN,
				    * no UDP: esp.c's specialised path */
	bool lifetimes;            /* some soft or hard limit is set */
	uint32_t outer_sum;        /* IPv4: checksum sum of outer_hdr */
	uint32_t tag;              /* not the engine's: the daemon's reqid of the
				    * SA, which workers hand on with what it
				    * opened (include/xdpsec/abi.h, inner tag) */
	uint8_t outer_hdr[XS_IPV6_HDR_LEN]; /* tunnel: constant outer fields */
	uint64_t *seq_store;       /* where tx_reserved is persisted, or NULL */

	/* What packets write, one cache line (or more) each, away from the
	 * read-mostly fields above. */
	/* The highest outbound sequence number handed out to any thread
	 * (seq.h): every number sent is at most this, none above it is. */
	uint64_t tx_reserved __attribute__((aligned(64)));
	struct xs_replay replay __attribute__((aligned(64)));
	struct xs_sa_stats stats __attribute__((aligned(64)));
	/* The highest sequence number sent (with the counters: written
	 * as often). One thread sealing: exactly that; several: may lag
	 * behind another thread's newest for a moment. */
	uint64_t tx_seq;
};

/*
 * Creates an SA from cfg (validated: suite vs proto, key lengths, window).
 * Returns NULL and sets errno (EINVAL, ENOMEM, ENOTSUP) on failure. The
 * caller should wipe its own copy of the keys.
 */
struct xs_sa *xs_sa_new(const struct xs_sa_config *cfg);

/* Wipes keys and cipher state, frees. Accepts NULL. */
void xs_sa_free(struct xs_sa *sa);

/* Replaces the IV source (NULL restores the default). For tests. */
void xs_sa_set_iv_fn(struct xs_sa *sa, xs_iv_fn fn, void *arg);

/*
 * Persists the reservation high-water mark (seq.h): after every block a
 * thread reserves, and before it uses any number of it, *store is raised
 * to the new tx_reserved (atomically, never lowered). store would live where
 * it survives the process (a file or map shared into memory); a restart
 * creates the SA with seq_start = *store. NULL stops it.
 */
void xs_sa_set_seq_store(struct xs_sa *sa, uint64_t *store);

/*
 * Persists the replay window's top (replay.h, xs_replay_set_store) and
 * resumes it: after xs_sa_rx_resume(sa, top) every number up to top is
 * refused as received. For the daemon restoring an SA after a restart;
 * not concurrent with packets.
 */
void xs_sa_set_rx_store(struct xs_sa *sa, uint64_t *store);
void xs_sa_rx_resume(struct xs_sa *sa, uint64_t top);

/* The highest outbound sequence number handed out so far (seq.h). */
static inline uint64_t xs_sa_seq_reserved(const struct xs_sa *sa)
{
	return __atomic_load_n(&sa->tx_reserved, __ATOMIC_RELAXED);
}

/* Records that seq was sent (tx_seq): a plain maximum, no atomic
 * read-modify-write (concurrent senders may briefly leave the value of
 * the older one). */
static inline void xs_sa_sent(struct xs_sa *sa, uint64_t seq)
{
	if (seq > __atomic_load_n(&sa->tx_seq, __ATOMIC_RELAXED))
		__atomic_store_n(&sa->tx_seq, seq, __ATOMIC_RELAXED);
}

/*
 * Makes last the highest number handed out (the next packet gets
 * last + 1) and forgets every thread's block. For tests and fuzzers that
 * reuse an SA; no seal may run meanwhile.
 */
void xs_sa_tx_restart(struct xs_sa *sa, uint64_t last);

/*
 * The next outbound sequence number for this thread: XS_DROP_NONE with
 * *seq set, or XS_DROP_SEQ_OVERFLOW when the counter would cycle.
 */
static inline int xs_seq_take(struct xs_sa *sa, uint64_t *seq)
{
	struct xs_seq_cursor *c = &xs_seq_cursors[sa->uid & (XS_SEQ_CURSORS - 1u)];

	if (c->uid == sa->uid && c->left &&
	    xs_sa_seq_reserved(sa) - c->next < XS_SEQ_STALE) {
		*seq = c->next++;
		c->left--;
		return XS_DROP_NONE;
	}
	return xs_seq_refill(sa, c, seq);
}

/* Updates soft_expired/hard_expired from the counters. */
void xs_sa_lifetime_check(struct xs_sa *sa);

/* Counts a dropped packet; returns reason. */
static inline int xs_sa_drop(struct xs_sa *sa, int reason)
{
	__atomic_fetch_add(&sa->stats.drops[reason], 1, __ATOMIC_RELAXED);
	return reason;
}

/* Accounts packets processed packets (bytes in all) and checks the
 * lifetime limits. */
static inline __attribute__((always_inline)) void xs_sa_account_n(struct xs_sa *sa, uint64_t packets, uint64_t bytes)
{
	__atomic_fetch_add(&sa->stats.packets, packets, __ATOMIC_RELAXED);
	__atomic_fetch_add(&sa->stats.bytes, bytes, __ATOMIC_RELAXED);
	if (sa->lifetimes)
		xs_sa_lifetime_check(sa);
}

/* Accounts one processed packet against the lifetime limits. */
static inline __attribute__((always_inline)) void xs_sa_account(struct xs_sa *sa, uint32_t bytes)
{
	xs_sa_account_n(sa, 1, bytes);
}

/* Returns true once the hard lifetime is reached. */
static inline bool xs_sa_expired(const struct xs_sa *sa)
{
	return __atomic_load_n(&sa->hard_expired, __ATOMIC_RELAXED);
}

#endif
