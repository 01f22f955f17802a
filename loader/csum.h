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

#endif
