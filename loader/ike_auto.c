// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IKE agent's sockets, found by the daemon until the agent registers
 * them itself (XS_CTL_IKE_SOCKETS -> xsd_dp_ike_sockets_set()): the UDP
 * sockets of this network namespace bound to port 500 or 4500, owned by
 * root, and held open by an xdpsec-ike process. They are registered as
 * owner "auto" (ike_socks.c), so tc_egress lets exactly their packets
 * out unprotected. Nothing about a packet (a port, a protocol) makes it
 * IKE; a socket of the agent does (docs/bpf.md, "The IKE bypass").
 *
 * inet_diag (NETLINK_SOCK_DIAG) lists the sockets with their cookie (the
 * one bpf_get_socket_cookie() reads), owner and inode; /proc tells which
 * process holds an inode. The /proc walk runs only when the set of
 * inodes bound to the IKE ports changed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "dp.h"

#define AUTO_OWNER "auto"
#define AUTO_MAX XSD_IKE_SOCKS_PER_OWNER
#define AGENT_COMM "xdpsec-ike"

struct ike_sock {
	uint64_t cookie;
	uint32_t inode;
};

/* Appends the root-owned UDP sockets of family bound to 500/4500. */
static int diag_dump(int family, struct ike_sock *out, uint32_t *n)
{
	struct {
		struct nlmsghdr nh;
		struct inet_diag_req_v2 req;
	} msg = {
		.nh = { .nlmsg_len = sizeof(msg), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.req = { .sdiag_family = (uint8_t)family, .sdiag_protocol = IPPROTO_UDP,
			 .idiag_states = ~0u },
	};
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	static char buf[16384];
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nh;

		if (len < 0) {
			ret = -errno;
			goto out;
		}
		for (nh = (struct nlmsghdr *)(void *)buf; NLMSG_OK(nh, (size_t)len);
		     nh = NLMSG_NEXT(nh, len)) {
			const struct inet_diag_msg *d;
			uint16_t port;

			if (nh->nlmsg_type == NLMSG_DONE)
				goto out;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				ret = -EIO;
				goto out;
			}
			if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*d)))
				continue;
			d = NLMSG_DATA(nh);
			port = ntohs(d->id.idiag_sport);
			if ((port != XS_PORT_IKE && port != XS_PORT_NATT) || d->idiag_uid ||
			    *n == 4 * AUTO_MAX)
				continue;
			out[*n].cookie = (uint64_t)d->id.idiag_cookie[0] |
					 (uint64_t)d->id.idiag_cookie[1] << 32;
			out[*n].inode = d->idiag_inode;
			(*n)++;
		}
	}
out:
	close(fd);
	return ret;
}

static bool comm_is_agent(const char *pid)
{
	char path[300], comm[32] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	if (n <= 0)
		return false;
	comm[n] = '\0';
	return !strcmp(comm, AGENT_COMM "\n");
}

/* Marks (inode = 0 otherwise) the sockets an xdpsec-ike process holds. */
static void keep_agents(struct ike_sock *s, uint32_t n)
{
	bool *held = calloc(n ? n : 1, sizeof(*held));
	DIR *proc = opendir("/proc");
	struct dirent *p;

	if (!held || !proc)
		goto out;
	while ((p = readdir(proc))) {
		char path[300], link[64];
		struct dirent *f;
		DIR *fds;

		if (p->d_name[0] < '1' || p->d_name[0] > '9' || !comm_is_agent(p->d_name))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fds = opendir(path);
		if (!fds)
			continue;
		while ((f = readdir(fds))) {
			char fdpath[600];
			unsigned int ino;
			ssize_t len;

			snprintf(fdpath, sizeof(fdpath), "%s/%s", path, f->d_name);
			len = readlink(fdpath, link, sizeof(link) - 1);
			if (len <= 0)
				continue;
			link[len] = '\0';
			if (sscanf(link, "socket:[%u]", &ino) != 1)
				continue;
			for (uint32_t i = 0; i < n; i++)
				if (s[i].inode == ino)
					held[i] = true;
		}
		closedir(fds);
	}
out:
	for (uint32_t i = 0; i < n; i++)
		if (!held || !held[i])
			s[i].inode = 0;
	if (proc)
		closedir(proc);
	free(held);
}

void xsd_dp_ike_autodetect(struct xsd_dp *dp)
{
	struct ike_sock s[4 * AUTO_MAX];
	uint64_t cookies[AUTO_MAX];
	uint32_t n = 0, k = 0, sum = 0;

	if (!dp)
		return;
	if (diag_dump(AF_INET, s, &n) || diag_dump(AF_INET6, s, &n))
		return;
	/* Same sockets as last time: nothing to look up again. */
	for (uint32_t i = 0; i < n; i++)
		sum = sum * 31u + s[i].inode;
	if (n == dp->ike_auto_n && sum == dp->ike_auto_sum)
		return;
	dp->ike_auto_n = n;
	dp->ike_auto_sum = sum;
	keep_agents(s, n);
	for (uint32_t i = 0; i < n && k < AUTO_MAX; i++)
		if (s[i].inode && s[i].cookie && s[i].cookie != ((uint64_t)INET_DIAG_NOCOOKIE << 32 |
								  INET_DIAG_NOCOOKIE))
			cookies[k++] = s[i].cookie;
	xsd_dp_ike_sockets_set(dp, AUTO_OWNER, cookies, k);
}
