/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Security Associations of the packet engine (RFC 4301 §4.4.2).
 *
 * An SA is owned by exactly one thread at a time: seal/open mutate its
 * counters and cipher contexts without locks.
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
	struct xs_replay replay;
	uint64_t tx_seq;           /* last sequence number sent */
	uint16_t ip_id;            /* outer IPv4 identification (tunnel) */
	struct xs_sa_stats stats;
	bool soft_expired;
	bool hard_expired;
	uint8_t iv_len;            /* explicit IV on the wire */
	uint8_t block;             /* padding alignment, RFC 4303 §2.4 */
	xs_iv_fn iv_fn;
	void *iv_arg;
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

/* Accounts one processed packet against the lifetime limits. */
void xs_sa_account(struct xs_sa *sa, uint32_t bytes);

/* Returns true once the hard lifetime is reached. */
static inline bool xs_sa_expired(const struct xs_sa *sa)
{
	return sa->hard_expired;
}

#endif
