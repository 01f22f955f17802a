/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * How large a packet may be before sealing so the result fits a link MTU.
 */
#ifndef XS_MTU_H
#define XS_MTU_H

#include <stdint.h>

#include "sa.h"

/*
 * The largest datagram (IP header included, hl bytes of it kept in front
 * in transport mode) that sa can seal into at most link_mtu bytes; 0 if
 * none fits. RFC 4301 §8.2: this is what ICMP "fragmentation needed" /
 * "packet too big" reports back to the sender.
 */
uint32_t xs_sa_inner_mtu(const struct xs_sa *sa, uint32_t link_mtu, uint32_t hl);

#endif
