/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The few rtnetlink/ioctl operations the daemon needs: the steer veth pair,
 * link state, and device facts.
 */
#ifndef XSD_NETLINK_H
#define XSD_NETLINK_H

#include <stdint.h>

/* Creates a single-queue veth pair a <-> b with the given MTU and MAC
 * addresses, both down. 0 or -errno. */
int xs_nl_veth_add(const char *a, const char *b, uint32_t mtu, const uint8_t mac_a[6],
		   const uint8_t mac_b[6]);
/* Sets a link's MAC address (a veth takes it while up). */
int xs_nl_link_set_addr(const char *name, const uint8_t mac[6]);
/* Deletes a link (and so its veth peer). 0, or -ENODEV if absent. */
int xs_nl_link_del(const char *name);
/* Sets a link up; mtu / gso_max_segs are set when non-zero. */
int xs_nl_link_set(const char *name, int up, uint32_t mtu, uint32_t gso_max_segs);
/* Reads the MAC address (6 bytes) and MTU of a link. */
int xs_nl_link_info(const char *name, uint8_t mac[6], uint32_t *mtu);
/* One u32 attribute of a link (an IFLA_* type, e.g. IFLA_GSO_MAX_SEGS)
 * from RTM_GETLINK. 0, -EPROTO if the kernel did not send it, or -errno. */
int xs_nl_link_u32(const char *name, unsigned short type, uint32_t *val);
/* Number of rx queues of a link an AF_XDP socket can bind to: rtnetlink's
 * IFLA_NUM_RX_QUEUES, lowered to the channels in use when ethtool reports
 * them; at least 1. Follows the network namespace (not /sys). */
int xs_nl_rx_queues(const char *name);
/* Writes value to /proc/sys/<path> (net sysctls follow our netns). */
int xs_sysctl_write(const char *path, const char *value);

/* One SIOCETHTOOL request (cmd starts with its ETHTOOL_* code) on name. */
int xs_ethtool(const char *name, void *cmd);
/* 1 if addr (AF_INET: 4 bytes, AF_INET6: 16) is assigned to a local
 * interface of this network namespace, 0 if not, -errno on error. */
int xs_addr_is_local(int family, const void *addr);

#endif
