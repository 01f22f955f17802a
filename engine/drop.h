/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Why the engine refused a packet. Each reason has its own counter per SA
 * (and per SA database for packets that never found an SA).
 */
#ifndef XS_DROP_H
#define XS_DROP_H

#define XS_DROP_REASONS(X)                                                     \
	X(NONE, "none")                                                        \
	X(TOO_SHORT, "too_short")               /* shorter than its headers */ \
	X(BAD_IP_HEADER, "bad_ip_header")       /* version, ihl, lengths */     \
	X(NOT_IPSEC, "not_ipsec")               /* not ESP/AH/ESP-in-UDP */     \
	X(NATT_KEEPALIVE, "natt_keepalive")     /* RFC 3948 §2.3 */            \
	X(NATT_IKE, "natt_ike")                 /* non-ESP marker, RFC 3948 §2.2 */ \
	X(UNKNOWN_SPI, "unknown_spi")                                          \
	X(WRONG_PROTO, "wrong_proto")           /* SA is ESP, packet is AH, etc. */ \
	X(REPLAYED, "replayed")                 /* seen inside the window */   \
	X(OUTSIDE_WINDOW, "outside_window")     /* older than the window */    \
	X(BAD_ICV, "bad_icv")                                                  \
	X(BAD_LENGTH, "bad_length")             /* ciphertext not block-aligned */ \
	X(BAD_PADDING, "bad_padding")           /* RFC 4303 §2.4 */            \
	X(BAD_NEXT_HEADER, "bad_next_header")                                  \
	X(DUMMY, "dummy")                       /* next header 59, RFC 4303 §2.6 */ \
	X(LIFETIME_EXPIRED, "lifetime_expired") /* hard limit reached */       \
	X(SEQ_OVERFLOW, "seq_overflow")         /* RFC 4303 §3.3.3 */          \
	X(NO_ROOM, "no_room")                   /* headroom/tailroom/size */   \
	X(FRAGMENT, "fragment")                 /* transport mode on a fragment */ \
	X(ECN, "ecn")                           /* CE outside, Not-ECT inside, RFC 6040 §4.2 */ \
	X(CRYPTO_ERROR, "crypto_error")         /* the backend failed */

enum xs_drop {
#define XS_DROP_ENUM(name, str) XS_DROP_##name,
	XS_DROP_REASONS(XS_DROP_ENUM)
#undef XS_DROP_ENUM
	XS_DROP_MAX
};

/* Static string; "unknown" for out-of-range values. */
const char *xs_drop_name(unsigned int reason);

#endif
