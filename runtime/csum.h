/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef XSD_CSUM_H
#define XSD_CSUM_H

#include <stdint.h>

/*
 * Fills in the TCP/UDP checksum of an IP datagram. Packets from local
 * sockets reach the worker with only the pseudo-header sum in the field
 * (checksum offload, CHECKSUM_PARTIAL); once encrypted nobody can complete
 * it, so the worker does before sealing. Complete checksums are rewritten
 * to the same value. Fragments and other protocols are left alone.
 */
void xsd_l4_csum_complete(uint8_t *pkt, uint32_t len);

/* The unfolded pseudo-header sum (RFC 9293 §3.1, RFC 8200 §8.1) of an
 * upper-layer header of ulen bytes and protocol proto under the IPv4 or
 * IPv6 header at ip. */
uint32_t xsd_l4_pseudo(const uint8_t *ip, uint32_t ulen, uint8_t proto);

#endif
