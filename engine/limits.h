/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every limit of the packet engine, in one place.
 */
#ifndef XS_LIMITS_H
#define XS_LIMITS_H

/* Anti-replay window, in packets (RFC 4303 §3.4.3: 32 minimum, 64 default;
 * we default larger because multi-queue receivers reorder). Must be a
 * multiple of 64. */
#define XS_REPLAY_WINDOW_DEFAULT 1024u
#define XS_REPLAY_WINDOW_MAX 4096u
#define XS_REPLAY_WORD_BITS 64u
/* Ring of bitmap words: twice the largest window, a power of two, so the
 * live window never wraps onto itself and indexing is a mask. */
#define XS_REPLAY_WORDS (2u * XS_REPLAY_WINDOW_MAX / XS_REPLAY_WORD_BITS)
/* Window assumed for ESN inference when replay checking is off. */
#define XS_REPLAY_ESN_INFER_WINDOW 64u

/*
 * Resuming an SA after a daemon restart (loader/sa_state.h,
 * docs/architecture.md "Restart"). The daemon persists each outbound SA's
 * sequence reservation mark (engine/seq.h) and each inbound SA's replay
 * top in a file mapping, and flushes it to disk every
 * XS_SA_STATE_SYNC_S seconds.
 *
 * XS_SEQ_RESUME_JUMP: numbers skipped when an outbound SA with the same
 * key resumes in the same boot (the mapping survives the process, even
 * kill -9, so the mark is exact; the jump is a margin, and the peer's
 * receiver does not mind a gap, RFC 4303 §3.4.3).
 *
 * XS_SEQ_RESUME_JUMP_REBOOT: the same after the machine went down without
 * the daemon closing the file: the mark on disk may be up to
 * XS_SA_STATE_SYNC_S seconds old, so the jump must exceed the numbers one
 * SA can reserve in that time (2^25: 33 M packets/s for one second). It
 * costs 1/128 of a 32-bit sequence space per unclean reboot; an SA whose
 * space the jump would exhaust is refused (rekey). It stays far below
 * 2^31 so an ESN receiver still infers the high half (Appendix A2.2).
 */
#define XS_SEQ_RESUME_JUMP 4096ull
#define XS_SEQ_RESUME_JUMP_REBOOT (1ull << 25)
#define XS_SA_STATE_SYNC_S 1u

/* Keys: AES-256 + 4-byte salt (RFC 4106 §8.1) is the longest cipher key,
 * HMAC-SHA-256 keys are 32 bytes (RFC 4868 §2.1.1). */
#define XS_ENC_KEY_MAX 36u
#define XS_AUTH_KEY_MAX 64u
#define XS_SALT_LEN 4u

/* Wire sizes. */
#define XS_ESP_HDR_LEN 8u       /* SPI + sequence number, RFC 4303 §2 */
#define XS_ESP_TRAILER_LEN 2u   /* pad length + next header, RFC 4303 §2.4 */
#define XS_ESP_MAX_PAD 255u
#define XS_AH_HDR_LEN 12u       /* without ICV, RFC 4302 §2 */
#define XS_ICV_LEN 16u          /* GCM-16, Poly1305, HMAC-SHA-256-128 */
#define XS_IV_MAX 16u           /* AES-CBC, RFC 3602 §3 */
#define XS_UDP_HDR_LEN 8u
#define XS_IPV4_HDR_LEN 20u
#define XS_IPV6_HDR_LEN 40u
#define XS_ENGINE_EXT_MAX 8u      /* extension headers we walk before giving up */

/* Room a caller must leave around a packet for seal: outer IPv6 + UDP +
 * ESP header + CBC IV in front, worst-case padding + trailer + ICV (+ ESN
 * high bits, written temporarily) behind. */
#define XS_HEADROOM 128u
#define XS_TAILROOM 64u

/* Packets one burst call processes together (burst.h): an AF_XDP ring
 * pass. Larger calls are cut into bursts of this size. */
#define XS_BURST_MAX 64u

/* The largest packet the engine handles (a jumbo frame). */
#define XS_PKT_MAX 9216u
/* Bytes of IP (+ extension) headers AH may zero for its ICV, RFC 4302
 * §3.3.3.1; a packet with longer headers is refused. */
#define XS_AH_HDRS_MAX 512u

/* NAT traversal, RFC 3948. */
#define XS_NATT_PORT 4500u
#define XS_IKE_PORT 500u

#endif
