/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Limits of the AF_XDP runtime (frames, rings, batches, pacing) and the
 * worker counters, in one place. The runtime (runtime/) and the daemon that
 * drives it (loader/) both read them.
 */
#ifndef XSD_RT_H
#define XSD_RT_H

#include <stdint.h>

#define XSD_FRAME_SIZE 4096u
#define XSD_FRAME_HEADROOM 256u  /* where frames we build start (XDP_PACKET_HEADROOM) */
#define XSD_FRAMES 8192u          /* per worker; fewer starve a busy peer */
#define XSD_RING 2048u            /* rx/tx/fill/completion ring entries */
#define XSD_BATCH 64u
#define XSD_POLL_MS 100
#define XSD_SPIN_IDLE 256u       /* empty loop passes before sleeping in poll() */
#define XSD_KICKS_MAX 8          /* sendto() kicks per port per loop pass */
#define XSD_ICMP_PER_S 1000u     /* ICMP errors a worker sends per second */
#define XSD_TAP_READS 8u         /* GSO tap reads per loop pass (tap.h) */
#ifndef XSD_TAP_EVERY
#define XSD_TAP_EVERY 32u        /* loop passes between tries of an idle tap */
#endif
#ifndef XSD_MERGE_WAIT_NS
#define XSD_MERGE_WAIT_NS 50000u /* a merge run waits this long for more (merge.h) */
#endif

/* Worker-local counters, summed by `stats` (group "worker"). */
#define XSD_WORKER_COUNTERS(X)                \
	X(RX_INBOUND, "rx_inbound")           \
	X(TX_INBOUND, "tx_inbound")           \
	X(RX_OUTBOUND, "rx_outbound")         \
	X(TX_OUTBOUND, "tx_outbound")         \
	X(DROP_RUNT, "drop_runt")             \
	X(DROP_NOT_TAGGED, "drop_not_tagged") \
	X(DROP_NO_SA, "drop_no_sa")           \
	X(DROP_OPEN, "drop_open")             \
	X(DROP_SEAL, "drop_seal")             \
	X(DROP_TOO_BIG, "drop_too_big")       \
	X(ICMP_TOO_BIG, "icmp_too_big")       \
	X(ICMP_RATE_LIMITED, "icmp_rate_limited") \
	X(FRAGMENTED, "fragmented")           \
	X(FRAGMENTS, "fragments")             \
	X(DROP_NO_FRAME, "drop_no_frame")     \
	X(DROP_TX_FULL, "drop_tx_full")       \
	X(TX_KICK_ERROR, "tx_kick_error")     \
	X(RX_TAP, "rx_tap")                   \
	X(TAP_OWN, "tap_own")                 \
	X(RX_GSO, "rx_gso")                   \
	X(GSO_SEGMENTS, "gso_segments")       \
	X(DROP_GSO_BAD, "drop_gso_bad")       \
	X(TAP_READ_ERROR, "tap_read_error")   \
	X(TAP_WRITES, "tap_writes")           \
	X(TAP_MERGED, "tap_merged")           \
	X(DROP_TAP_WRITE, "drop_tap_write")   \
	X(DROP_NO_HEAD, "drop_no_head")

enum xsd_worker_counter {
#define XSD_WC_ENUM(n, s) XSD_WC_##n,
	XSD_WORKER_COUNTERS(XSD_WC_ENUM)
#undef XSD_WC_ENUM
	XSD_WC_MAX
};

#endif
