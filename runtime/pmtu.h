/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Path MTU through the tunnel (RFC 4301 §8): packets that would not fit
 * the outside link once sealed get an ICMP error back to their sender, or,
 * for IPv4 without DF, are fragmented before sealing.
 */
#ifndef XSD_PMTU_H
#define XSD_PMTU_H

#include <stdint.h>

/* Room an ICMP error needs in its frame. */
#define XSD_ICMP_MAX 1280u

/*
 * Writes at out an ICMP "fragmentation needed" (RFC 792, RFC 1191 §4) for
 * the IPv4 datagram pkt, or an ICMPv6 "packet too big" (RFC 4443 §3.2) for
 * the IPv6 one, from src (4 or 16 bytes) to pkt's source, quoting as much
 * of pkt as the rules allow. Returns the datagram length, 0 when no error
 * may be sent (the offending packet is itself an ICMP error, a fragment
 * after the first, or from an unspecified/multicast source).
 */
uint32_t xsd_icmp_too_big(uint8_t *out, const uint8_t *pkt, uint32_t len,
			  uint32_t mtu, const uint8_t *src);

/*
 * Writes at out the IPv4 fragment of pkt that carries data from *data_off
 * on, at most mtu bytes long (RFC 791 §3.2 fragmentation procedure), and
 * advances *data_off. Returns the fragment length; 0 when done or if mtu
 * leaves no room for data.
 */
uint32_t xsd_ip4_fragment(uint8_t *out, const uint8_t *pkt, uint32_t mtu,
			  uint32_t *data_off);

#endif
