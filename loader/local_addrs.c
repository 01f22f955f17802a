// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IKE bypass, inbound: this host's own addresses in xs_local_addrs,
 * where xdp_ingress checks that UDP to the IKE ports is addressed to this
 * host before it passes as IKE (docs/bpf.md, "The IKE bypass"). Kept
 * current from rtnetlink: the daemon's loop watches xsd_dp_addr_fd() and
 * calls xsd_dp_addr_event(), which reads the whole address list again
 * (getifaddrs) and makes the map equal to it, so a lost notification
 * (ENOBUFS) costs nothing but a later resync.
 */
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dp.h"
#include "skel.h"

static int addr_key(const struct sockaddr *sa, struct xs_addr_key *k)
{
	memset(k, 0, sizeof(*k));
	if (sa->sa_family == AF_INET) {
		k->family = XS_FAMILY_V4;
		memcpy(k->addr, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		k->family = XS_FAMILY_V6;
		memcpy(k->addr, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
		return 0;
	}
	return -1;
}

/* Makes xs_local_addrs hold exactly this namespace's addresses. */
static int addrs_sync(struct xsd_dp *dp)
{
	int fd = bpf_map__fd(dp->ingress->maps.XS_MAP_LOCAL_ADDRS);
	struct xs_addr_key key, next, last;
	struct ifaddrs *ifa, *i;
	bool have_last = false;
	__u32 one = 1;
	int ret = 0;

	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i; i = i->ifa_next)
		if (i->ifa_addr && !addr_key(i->ifa_addr, &key) &&
		    bpf_map_update_elem(fd, &key, &one, BPF_ANY))
			ret = -errno;
	/* Then out with what is gone. */
	while (!bpf_map_get_next_key(fd, have_last ? &last : NULL, &next)) {
		bool live = false;

		key = next;
		for (i = ifa; i && !live; i = i->ifa_next) {
			struct xs_addr_key k;

			live = i->ifa_addr && !addr_key(i->ifa_addr, &k) &&
			       !memcmp(&k, &key, sizeof(k));
		}
		/* Deleted: go on from the last key kept. */
		if (!live && !bpf_map_delete_elem(fd, &key))
			continue;
		last = key;
		have_last = true;
	}
	freeifaddrs(ifa);
	return ret;
}

int xsd_local_addrs_open(struct xsd_dp *dp)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
	};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	dp->addr_fd = fd;
	return addrs_sync(dp);
}

void xsd_local_addrs_close(struct xsd_dp *dp)
{
	if (dp->addr_fd >= 0)
		close(dp->addr_fd);
	dp->addr_fd = -1;
}

int xsd_dp_addr_fd(const struct xsd_dp *dp)
{
	return dp ? dp->addr_fd : -1;
}

void xsd_dp_addr_event(struct xsd_dp *dp)
{
	char buf[8192];

	if (!dp || dp->addr_fd < 0)
		return;
	/* What changed does not matter: the list is read whole. */
	while (recv(dp->addr_fd, buf, sizeof(buf), 0) > 0 || errno == ENOBUFS)
		;
	addrs_sync(dp);
}
