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

/*
 * Nonce and AAD buffers of an AEAD SA (RFC 4106 §4-5, RFC 7634 §2-2.1).
 * ipsec-mb's AVX-512 code reads them with masked loads, which cannot take
 * data from stores still in flight: a nonce written shortly before the
 * call stalls it by 10-15 ns. So seal writes the next packet's nonce and
 * AAD after each packet, and open the nonce of the next IV (esp.c). Each
 * direction has its own cache line, away from everything else the cipher
 * writes.
 */
struct xs_aead_bufs {
	uint8_t tx_nonce[12] __attribute__((aligned(64))); /* salt || IV */
	uint8_t tx_aad[12];        /* SPI || [seq high] || seq low */
	uint64_t tx_ready;         /* sequence number they hold; 0: none */
	uint8_t rx_nonce[12] __attribute__((aligned(64)));
	uint8_t rx_aad[12];        /* ESN only; otherwise the ESP header is */
};

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
	struct xs_aead_bufs ae;
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

/* Updates soft_expired/hard_expired from the counters. */
void xs_sa_lifetime_check(struct xs_sa *sa);

/* Accounts one processed packet against the lifetime limits. */
static inline void xs_sa_account(struct xs_sa *sa, uint32_t bytes)
{
	sa->stats.packets++;
	sa->stats.bytes += bytes;
	if (sa->lifetimes)
		xs_sa_lifetime_check(sa);
}

/* Returns true once the hard lifetime is reached. */
static inline bool xs_sa_expired(const struct xs_sa *sa)
{
	return sa->hard_expired;
}

#endif
