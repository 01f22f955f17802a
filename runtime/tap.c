// SPDX-License-Identifier: GPL-2.0-only
/*
 * The GSO tap (tap.h). With IFF_VNET_HDR and the TSO offloads announced
 * (TUNSETOFFLOAD), the kernel queues a GSO packet to the tap whole, each
 * read returning a struct virtio_net_hdr (gso_type, gso_size, csum_start)
 * and the frame. A write takes the same: a merged packet (merge.h) enters
 * the stack as one GSO packet received on the tap.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/if_tun.h>
#include <net/if.h>

#include "netlink.h"
#include "tap.h"

/* Best effort: a failure leaves the random address (counted as no_sa
 * drops if it ever looks like a tag, never passed on). */
static void tap_own_mac(int tap_fd, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name) + 1);
	if (ioctl(tap_fd, SIOCGIFHWADDR, &ifr) || (uint8_t)ifr.ifr_hwaddr.sa_data[0] == 0x02)
		return;
	ifr.ifr_hwaddr.sa_data[0] = 0x02;
	(void)ioctl(tap_fd, SIOCSIFHWADDR, &ifr);
}

int xsd_tap_open(const char *name, uint32_t mtu, char *err, size_t errlen)
{
	struct ifreq ifr;
	char path[96];
	int fd, ret;

	if (strlen(name) >= IFNAMSIZ) {
		snprintf(err, errlen, "tap name %s is too long", name);
		return -ENAMETOOLONG;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open /dev/net/tun: %s", strerror(errno));
		return ret;
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name) + 1);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) || ioctl(fd, TUNSETPERSIST, 1) ||
	    ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN)) {
		ret = -errno;
		snprintf(err, errlen, "cannot set up tap %s: %s", name, strerror(errno));
		close(fd);
		return ret;
	}
	/* The kernel's own frames on the tap carry its address as source;
	 * a random one could start with XS_STEER_MAGIC (one in 64) and read as
	 * a steer tag. Ours starts with 0x02, like the steer veths'. */
	tap_own_mac(fd, name);
	/* Merged opened packets enter the stack here while their route back
	 * leads out of the outside interface (as on the steer veth); IPv6 stays
	 * on for them, but without a link-local address the tap sends no ND
	 * or MLD of its own. */
	snprintf(path, sizeof(path), "net/ipv4/conf/%s/rp_filter", name);
	xs_sysctl_write(path, "0");
	snprintf(path, sizeof(path), "net/ipv4/conf/%s/accept_local", name);
	xs_sysctl_write(path, "1");
	snprintf(path, sizeof(path), "net/ipv6/conf/%s/addr_gen_mode", name);
	xs_sysctl_write(path, "1");
	ret = xs_nl_link_set(name, 1, mtu, 0);
	if (ret) {
		snprintf(err, errlen, "cannot bring up tap %s: %s", name, strerror(-ret));
		close(fd);
		return ret;
	}
	return fd;
}
