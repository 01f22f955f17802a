/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TCP segmentation in the worker: a TCP packet larger than one MSS, as the
 * stack hands it over when it defers segmentation (GSO, virtio_net_hdr
 * gso_type TCPV4/TCPV6), cut into the segments the stack would have sent.
 */
#ifndef XSD_GSO_H
#define XSD_GSO_H

#include <stdint.h>

struct xsd_gso {
	const uint8_t *pkt;     /* the IP header of the large packet */
	uint32_t len;           /* its bytes */
	uint32_t l4;            /* offset of the TCP header */
	uint32_t hdr;           /* IP + TCP header bytes, copied into each segment */
	uint32_t mss;           /* TCP payload bytes per segment, the last may carry fewer */
	uint32_t next;          /* offset of the next segment's payload */
	uint32_t seq;           /* sequence number of the first payload byte */
	uint16_t id;            /* IPv4 identification of the first segment */
	uint16_t seg;           /* segments made so far */
	uint8_t ver;
};

/* Checks pkt (len bytes, IP header first, TCP header at l4 bytes) and
 * prepares cutting it into mss-byte segments. Returns 0, or -EINVAL for
 * what is not TCP over IPv4/IPv6 with consistent lengths. */
int xsd_gso_init(struct xsd_gso *g, const uint8_t *pkt, uint32_t len, uint32_t l4,
		 uint32_t mss);

/* Writes the next segment, headers fixed up (lengths, IPv4 ID and header
 * checksum, sequence number, flags as RFC 9293 §3.1 allows only on the
 * first or last, TCP checksum complete) to out, which has room bytes.
 * Returns its length, 0 when all segments are made, or -ENOSPC. */
int xsd_gso_next(struct xsd_gso *g, uint8_t *out, uint32_t room);

#endif
