// SPDX-License-Identifier: GPL-2.0-only
/*
 * Minimal rtnetlink requests (RFC 3549 message layout): build one message,
 * send it, read the ACK (or, for RTM_GETLINK, the link's attributes).
 * Everything here goes through sockets, so it acts on the network namespace
 * of the daemon, whatever mount namespace /sys belongs to.
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

#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
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

int xs_nl_veth_add(const char *a, const char *b, uint32_t mtu, const uint8_t mac_a[6],
		   const uint8_t mac_b[6])
{
	struct nl_req req;
	struct rtattr *linkinfo, *data, *peer;
	struct ifinfomsg peer_ifi = { .ifi_family = AF_UNSPEC };
	uint32_t one = 1;

	nl_init(&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	nl_attr(&req, IFLA_IFNAME, a, strlen(a) + 1);
	nl_attr(&req, IFLA_MTU, &mtu, sizeof(mtu));
	nl_attr(&req, IFLA_ADDRESS, mac_a, 6);
	nl_attr(&req, IFLA_NUM_TX_QUEUES, &one, sizeof(one));
	nl_attr(&req, IFLA_NUM_RX_QUEUES, &one, sizeof(one));
	linkinfo = nl_attr(&req, IFLA_LINKINFO, NULL, 0);
	nl_attr(&req, IFLA_INFO_KIND, "veth", 4);
	data = nl_attr(&req, IFLA_INFO_DATA, NULL, 0);
	/* VETH_INFO_PEER carries an ifinfomsg followed by attributes. */
	peer = nl_attr(&req, VETH_INFO_PEER, &peer_ifi, sizeof(peer_ifi));
	nl_attr(&req, IFLA_IFNAME, b, strlen(b) + 1);
	nl_attr(&req, IFLA_MTU, &mtu, sizeof(mtu));
	nl_attr(&req, IFLA_ADDRESS, mac_b, 6);
	nl_attr(&req, IFLA_NUM_TX_QUEUES, &one, sizeof(one));
	nl_attr(&req, IFLA_NUM_RX_QUEUES, &one, sizeof(one));
	nl_nest_end(&req, peer);
	nl_nest_end(&req, data);
	nl_nest_end(&req, linkinfo);
	return nl_talk(&req.nh);
}

int xs_nl_link_set_addr(const char *name, const uint8_t mac[6])
{
	struct nl_req req;
	unsigned int idx = if_nametoindex(name);

	if (!idx)
		return -ENODEV;
	nl_init(&req, RTM_NEWLINK, 0);
	req.ifi.ifi_index = (int)idx;
	nl_attr(&req, IFLA_ADDRESS, mac, 6);
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

int xs_nl_link_u32(const char *name, unsigned short type, uint32_t *val)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char buf[16384];
	unsigned int idx = if_nametoindex(name);
	struct nl_req req;
	struct nlmsghdr *r;
	ssize_t n;
	int fd, ret = -EPROTO;

	if (!idx)
		return -ENODEV;
	nl_init(&req, RTM_GETLINK, 0);
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.nh.nlmsg_seq = 1;
	req.ifi.ifi_index = (int)idx;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		goto out;
	}
	n = recv(fd, buf, sizeof(buf), MSG_TRUNC);
	if (n < 0) {
		ret = -errno;
		goto out;
	}
	if ((size_t)n > sizeof(buf)) {
		ret = -EMSGSIZE;
		goto out;
	}
	for (r = (struct nlmsghdr *)(void *)buf; NLMSG_OK(r, (size_t)n); r = NLMSG_NEXT(r, n)) {
		struct ifinfomsg *ifi = NLMSG_DATA(r);
		struct rtattr *rta;
		int len;

		if (r->nlmsg_type == NLMSG_ERROR) {
			ret = ((struct nlmsgerr *)NLMSG_DATA(r))->error;
			break;
		}
		if (r->nlmsg_type != RTM_NEWLINK || ifi->ifi_index != (int)idx)
			continue;
		len = (int)IFLA_PAYLOAD(r);
		for (rta = IFLA_RTA(ifi); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
			if (rta->rta_type == type && RTA_PAYLOAD(rta) >= sizeof(uint32_t)) {
				memcpy(val, RTA_DATA(rta), sizeof(*val));
				ret = 0;
				break;
			}
		}
		break;
	}
out:
	close(fd);
	return ret;
}

/* IFLA_NUM_RX_QUEUES of a link: the rx queues it has allocated. */
static int nl_num_rx_queues(const char *name)
{
	uint32_t q;
	int ret = xs_nl_link_u32(name, IFLA_NUM_RX_QUEUES, &q);

	if (ret)
		return ret;
	return q > 0 && q < 65536 ? (int)q : -EPROTO;
}

int xs_ethtool(const char *name, void *cmd)
{
	struct ifreq ifr;
	int fd, ret;

	if (strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, name);
	ifr.ifr_data = cmd;
	ret = ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

/* The rx queues the driver has in use (ethtool -l), where it tells. */
static int ethtool_rx_channels(const char *name)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	int ret = xs_ethtool(name, &ch);

	if (ret)
		return ret;
	/* Queues come as rx-only channels, combined ones, or both. */
	return ch.rx_count + ch.combined_count ? (int)(ch.rx_count + ch.combined_count) :
						   -EOPNOTSUPP;
}

int xs_nl_rx_queues(const char *name)
{
	int alloc = nl_num_rx_queues(name), used = ethtool_rx_channels(name);

	/*
	 * IFLA_NUM_RX_QUEUES counts what the device allocated; the driver may
	 * use fewer (a veth allocates one per CPU and uses one), and AF_XDP
	 * binds only to queues in use.
	 */
	if (alloc <= 0)
		alloc = 1;
	if (used > 0 && used < alloc)
		return used;
	return alloc;
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
