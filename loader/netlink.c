// SPDX-License-Identifier: GPL-2.0-only
/*
 * Minimal rtnetlink requests (RFC 3549 message layout): build one message,
 * send it, read the ACK.
 */
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <netinet/in.h>

#include "netlink.h"

#define NL_BUF 1024

struct nl_req {
	struct nlmsghdr nh;
	struct ifinfomsg ifi;
	char attrs[NL_BUF];
};

static struct rtattr *nl_attr(struct nl_req *req, unsigned short type,
			      const void *data, size_t len)
{
	struct nlmsghdr *nh = &req->nh;
	char *base = (char *)req;
	struct rtattr *rta = (struct rtattr *)(void *)(base + NLMSG_ALIGN(nh->nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(rta->rta_len);
	return rta;
}

/* Closes a nest opened by nl_attr(nh, type, NULL, 0). */
static void nl_nest_end(struct nl_req *req, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)((char *)req + req->nh.nlmsg_len - (char *)nest);
}

static int nl_talk(struct nlmsghdr *nh)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char buf[4096];
	ssize_t n;
	int fd, ret;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	nh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nh->nlmsg_seq = 1;
	if (sendto(fd, nh, nh->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		goto out;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0) {
		ret = -errno;
		goto out;
	}
	ret = -EPROTO;
	for (struct nlmsghdr *r = (struct nlmsghdr *)buf; NLMSG_OK(r, (size_t)n);
	     r = NLMSG_NEXT(r, n)) {
		if (r->nlmsg_type == NLMSG_ERROR) {
			ret = ((struct nlmsgerr *)NLMSG_DATA(r))->error;
			break;
		}
	}
out:
	close(fd);
	return ret;
}

static void nl_init(struct nl_req *req, unsigned short type, unsigned short flags)
{
	memset(req, 0, sizeof(*req));
	req->nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	req->nh.nlmsg_type = type;
	req->nh.nlmsg_flags = flags;
	req->ifi.ifi_family = AF_UNSPEC;
}

int xs_nl_veth_add(const char *a, const char *b, uint32_t mtu)
{
	struct nl_req req;
	struct rtattr *linkinfo, *data, *peer;
	struct ifinfomsg peer_ifi = { .ifi_family = AF_UNSPEC };

	nl_init(&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	nl_attr(&req, IFLA_IFNAME, a, strlen(a) + 1);
	nl_attr(&req, IFLA_MTU, &mtu, sizeof(mtu));
	linkinfo = nl_attr(&req, IFLA_LINKINFO, NULL, 0);
	nl_attr(&req, IFLA_INFO_KIND, "veth", 4);
	data = nl_attr(&req, IFLA_INFO_DATA, NULL, 0);
	/* VETH_INFO_PEER carries an ifinfomsg followed by attributes. */
	peer = nl_attr(&req, VETH_INFO_PEER, &peer_ifi, sizeof(peer_ifi));
	nl_attr(&req, IFLA_IFNAME, b, strlen(b) + 1);
	nl_attr(&req, IFLA_MTU, &mtu, sizeof(mtu));
	nl_nest_end(&req, peer);
	nl_nest_end(&req, data);
	nl_nest_end(&req, linkinfo);
	return nl_talk(&req.nh);
}

int xs_nl_link_del(const char *name)
{
	struct nl_req req;
	unsigned int idx = if_nametoindex(name);

	if (!idx)
		return -ENODEV;
	nl_init(&req, RTM_DELLINK, 0);
	req.ifi.ifi_index = (int)idx;
	return nl_talk(&req.nh);
}

int xs_nl_link_set(const char *name, int up, uint32_t mtu, uint32_t gso_max_segs)
{
	struct nl_req req;
	unsigned int idx = if_nametoindex(name);

	if (!idx)
		return -ENODEV;
	nl_init(&req, RTM_NEWLINK, 0);
	req.ifi.ifi_index = (int)idx;
	if (up) {
		req.ifi.ifi_flags = IFF_UP;
		req.ifi.ifi_change = IFF_UP;
	}
	if (mtu)
		nl_attr(&req, IFLA_MTU, &mtu, sizeof(mtu));
	if (gso_max_segs)
		nl_attr(&req, IFLA_GSO_MAX_SEGS, &gso_max_segs, sizeof(gso_max_segs));
	return nl_talk(&req.nh);
}

int xs_nl_link_info(const char *name, uint8_t mac[6], uint32_t *mtu)
{
	struct ifreq ifr;
	int fd, ret = 0;

	if (strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, name);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		ret = -errno;
		goto out;
	}
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0) {
		ret = -errno;
		goto out;
	}
	*mtu = (uint32_t)ifr.ifr_mtu;
out:
	close(fd);
	return ret;
}

int xs_nl_rx_queues(const char *name)
{
	char path[128];
	int n = 0;

	/* /sys/class/net/<dev>/queues/rx-N exists for every rx queue. */
	for (;;) {
		snprintf(path, sizeof(path), "/sys/class/net/%s/queues/rx-%d", name, n);
		if (access(path, F_OK))
			break;
		n++;
	}
	return n ? n : 1;
}

int xs_sysctl_write(const char *path, const char *value)
{
	char full[256];
	ssize_t len = (ssize_t)strlen(value);
	int fd, ret = 0;

	snprintf(full, sizeof(full), "/proc/sys/%s", path);
	fd = open(full, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, value, (size_t)len) != len)
		ret = -EIO;
	close(fd);
	return ret;
}

int xs_addr_is_local(int family, const void *addr)
{
	struct ifaddrs *ifa, *i;
	int found = 0;

	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i && !found; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != family)
			continue;
		if (family == AF_INET)
			found = !memcmp(&((struct sockaddr_in *)i->ifa_addr)->sin_addr, addr, 4);
		else
			found = !memcmp(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, addr, 16);
	}
	freeifaddrs(ifa);
	return found;
}
