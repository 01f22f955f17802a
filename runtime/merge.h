/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Merging opened TCP segments (receive offload in the worker): consecutive
 * in-order segments of one flow, as one batch of opened packets holds them,
 * become one large packet the worker writes to its tap with a
 * virtio_net_hdr (gso_type TCPV4/TCPV6, gso_size the segments' size), so
 * the stack routes or delivers 64 KiB at once and segments again only where
 * a device needs it. The segments stay where they are (frames); the merged
 * packet is the first one's headers, fixed up, and every payload in order,
 * as an iovec.
 */
#ifndef XSD_MERGE_H
#define XSD_MERGE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include <linux/virtio_net.h>

#define XSD_MERGE_MAX 64u          /* segments per merged packet */

struct xsd_merge {
	uint8_t *first;                /* IP header of the first segment */
	uint32_t hdr;                  /* its IP + TCP header bytes */
	uint32_t mss;                  /* payload bytes of the first segment */
	uint32_t len;                  /* bytes of the merged datagram so far */
	uint32_t next_seq;             /* sequence number the next segment must have */
	uint32_t n;                    /* segments */
	bool closed;                   /* the last one ended the run (short, PSH) */
	struct iovec iov[XSD_MERGE_MAX + 2];
	uint64_t tag[XSD_MERGE_MAX];   /* the caller's handle of each segment */
};

/* Starts a run with the opened datagram pkt (len bytes) if it is a TCP
 * segment that may be merged: IPv4 without options or fragmentation and
 * with DF, or IPv6 without extension headers; ACK and at most PSH set;
 * payload; a correct TCP checksum. Returns false otherwise (m unchanged). */
bool xsd_merge_start(struct xsd_merge *m, uint8_t *pkt, uint32_t len, uint64_t tag);

/* Appends pkt if it continues the run: same addresses, ports, IP fields
 * (TOS/traffic class, TTL/hop limit, flow label), TCP acknowledgment,
 * window and options, the next sequence number, payload no larger than the
 * first's, correct checksum, and room left. */
bool xsd_merge_add(struct xsd_merge *m, uint8_t *pkt, uint32_t len, uint64_t tag);

/* Turns a run of two or more segments into one packet: fixes the first
 * header (lengths, IPv4 checksum, PSH if the last had it, TCP checksum field
 * holding the pseudo-header sum) and fills vh for it, with l2 bytes of link
 * header in front (csum_start counts them). Returns the iovec count from
 * m->iov[1] on (m->iov[0] is left to the caller for vh + link header). */
int xsd_merge_finish(struct xsd_merge *m, struct virtio_net_hdr *vh, uint32_t l2);

#endif
