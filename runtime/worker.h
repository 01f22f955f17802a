/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * AF_XDP workers: one thread per outside rx queue. Each owns a UMEM shared
 * by two sockets, one on the outside interface (inbound ESP/AH in, sealed
 * packets out) and one on the worker side of its own steer veth (cleartext
 * to seal in, opened packets out to the stack). Frames move between the two
 * without copies.
 */
#ifndef XSD_WORKER_H
#define XSD_WORKER_H

#include <pthread.h>
#include <stdint.h>

#include <xdp/xsk.h>

#include <xdpsec/abi.h>

#include "rt.h"
#include "engine.h"
#include "merge.h"
#include "tap.h"

struct xsd_port {
	struct xsk_socket *xsk;
	struct xsk_ring_cons rx;
	struct xsk_ring_prod tx;
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp;
	uint32_t tx_pending;        /* submitted, not yet completed */
	int fd;
};

struct xsd_tx_batch {
	uint32_t n;
	uint64_t addr[XSD_BATCH];
	uint32_t len[XSD_BATCH];
};

struct xsd_worker {
	uint32_t id;
	int cpu;                     /* -1: no pinning */
	pthread_t thread;
	bool running;
	volatile int stop;
	pthread_mutex_t lock;        /* held per batch; control thread edits tables */

	void *umem_area;
	struct xsk_umem *umem;
	uint64_t free_frames[XSD_FRAMES];
	uint32_t nfree;

	struct xsd_port out;         /* outside interface, queue id */
	struct xsd_port steer;       /* worker side of its steer veth, queue 0 */

	uint8_t out_mac[6];          /* outside interface */
	uint8_t stack_mac[6];        /* stack side of the steer veth */
	uint8_t steer_mac[6];        /* worker side of the steer veth */
	uint32_t out_mtu;

	struct xs_sadb *in_db;                     /* inbound SAs of this worker */
	struct xs_sa *out_sa[XS_SPD_RULES_MAX];    /* policy id -> outbound SA */

	struct xsd_tx_batch to_stack;  /* opened packets, ICMP errors */
	struct xsd_tx_batch to_out;    /* sealed packets */
	uint64_t icmp_window;          /* second of the ICMP rate limit */
	uint32_t icmp_sent;

	uint64_t counters[XSD_WC_MAX];

	int tap_fd;                    /* GSO tap, -1: none (owned by dp) */
	uint8_t tap_mac[6];            /* its address: merged packets are sent to it */
	struct xsd_merge merge;        /* opened TCP segments being merged */
	uint32_t merge_reqid;          /* of the SA that opened them */
	uint64_t merge_last_ns;        /* when the last opened packet came */
	uint32_t merge_skip;           /* empty passes, to read the clock now and then */
	uint8_t tap_wr[sizeof(struct virtio_net_hdr) + 14]; /* vnet + Ethernet header of a write */
	bool tap_ready;                /* last read found a frame: try again */
	uint32_t tap_skip;             /* loop passes, to read the tap now and then */
	uint8_t tap_buf[XSD_TAP_READ_MAX];
};

/* Creates the UMEM and both sockets: on rx queue `queue` of out_if and on
 * queue 0 of steer_if, the worker's own single-queue steer veth. 0 or -errno
 * (err says why). */
int xsd_worker_open(struct xsd_worker *w, const char *out_if, const char *steer_if,
		    uint32_t queue, uint16_t bind_flags, char *err, size_t errlen);
int xsd_worker_start(struct xsd_worker *w);
/* Stops the thread (if running) and closes sockets; accepts a zeroed w. */
void xsd_worker_close(struct xsd_worker *w);

#endif
