// SPDX-License-Identifier: GPL-2.0-only
/*
 * Who may use a control socket: root (uid 0 from SO_PEERCRED) holding
 * CAP_NET_ADMIN in its effective set. uid 0 alone is not enough: a root
 * process that dropped its capabilities (a sandboxed service, a
 * container's root) must not attach programs or add BYPASS policies.
 *
 * The capability set is read from /proc/<pid>/status. So that a pid
 * reused between the connect and the read cannot lend its capabilities,
 * the peer's pidfd (SO_PEERPIDFD, Linux 6.5) must still name a live
 * process after the read: a live process keeps its pid. Whatever cannot
 * be read or parsed refuses.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "server.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

#define CAP_NET_ADMIN_BIT 12    /* linux/capability.h */
#define STATUS_MAX 8192

int xs_ctl_capeff_parse(const char *status, uint64_t *capeff)
{
	const char *p = status;

	while (p && *p) {
		if (!strncmp(p, "CapEff:", 7)) {
			char *end;
			unsigned long long v;

			p += 7;
			while (*p == ' ' || *p == '\t')
				p++;
			if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
				return -EINVAL;
			errno = 0;
			v = strtoull(p, &end, 16);
			if (errno || (*end != '\n' && *end != '\0') || end - p > 16)
				return -EINVAL;
			*capeff = v;
			return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -EINVAL;
}

static int read_status(pid_t pid, char *buf, size_t len)
{
	char path[64];
	size_t have = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (have + 1 < len) {
		ssize_t n = read(fd, buf + have, len - 1 - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	close(fd);
	buf[have] = '\0';
	return have ? 0 : -EIO;
}

int xs_ctl_peer_check(int fd, char *why, size_t whylen)
{
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	char *status = NULL;
	uint64_t capeff = 0;
	int pidfd = -1, ret = -EPERM;
	socklen_t plen = sizeof(pidfd);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) || clen != sizeof(cred)) {
		snprintf(why, whylen, "permission denied: cannot identify the client");
		goto out;
	}
	if (cred.uid != 0) {
		snprintf(why, whylen, "permission denied: needs root with CAP_NET_ADMIN "
			 "(client uid %u)", (unsigned int)cred.uid);
		goto out;
	}
	/* pid 0: the peer is in a pid namespace we cannot see. */
	if (cred.pid <= 0) {
		snprintf(why, whylen, "permission denied: cannot see the client's "
			 "process to check CAP_NET_ADMIN");
		goto out;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &plen))
		pidfd = -1;     /* before Linux 6.5: the pid alone */
	status = malloc(STATUS_MAX);
	if (!status || read_status(cred.pid, status, STATUS_MAX) ||
	    xs_ctl_capeff_parse(status, &capeff)) {
		snprintf(why, whylen, "permission denied: cannot read the client's "
			 "capabilities (pid %d)", (int)cred.pid);
		goto out;
	}
	if (pidfd >= 0 && syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0)) {
		snprintf(why, whylen, "permission denied: the client exited");
		goto out;
	}
	if (!(capeff & (1ull << CAP_NET_ADMIN_BIT))) {
		snprintf(why, whylen, "permission denied: needs CAP_NET_ADMIN "
			 "(client pid %d is root without it)", (int)cred.pid);
		goto out;
	}
	ret = 0;
out:
	free(status);
	if (pidfd >= 0)
		close(pidfd);
	return ret;
}
