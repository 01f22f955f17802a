/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The GSO tap of a worker: where tc_egress sends PROTECT packets the stack
 * has not segmented yet, so the worker reads up to 64 KiB per read() and
 * segments them itself (gso.h) instead of taking every segment through the
 * steer veth and XDP; and where the worker writes opened TCP segments it
 * merged (merge.h), so the stack takes up to 64 KiB per write().
 */
#ifndef XSD_TAP_H
#define XSD_TAP_H

#include <stddef.h>
#include <stdint.h>

#include <linux/virtio_net.h>

/* Largest frame a read returns: virtio_net_hdr, Ethernet, a 64 KiB IPv6
 * datagram (payload length 65535 plus the fixed header). */
#define XSD_TAP_READ_MAX (sizeof(struct virtio_net_hdr) + 14u + 65535u + 40u)

/* Opens the tap name (created persistent if missing: like the steer veth
 * it outlives a daemon that dies, and with nobody reading it drops what TC
 * sends it), with vnet headers and TSO/checksum offloads, up, at mtu, no
 * reverse-path filter, no IPv6 link-local address. Returns a non-blocking
 * fd, or -errno with err set. */
int xsd_tap_open(const char *name, uint32_t mtu, char *err, size_t errlen);

#endif
