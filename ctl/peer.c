// SPDX-License-Identifier: GPL-2.0-only
/*
 * Who may use a control socket: root (uid 0 from SO_PEERCRED) holding
 * CAP_NET_ADMIN in its effective set. uid 0 alone is not enough: a root
 * process that dropped its capabilities (a sandboxed service, a
 * container's root) must not attach programs or add BYPASS policies.
 *
 * The capability set is read with capget(2) on the peer's pid: no
 * privilege is needed, and unlike /proc/<pid>/status it is not hidden by
 * a hidepid /proc (systemd's ProtectProc=) or a non-dumpable peer. So that
 * a pid reused between the connect and the read cannot lend its
 * capabilities, the peer's pidfd (SO_PEERPIDFD, Linux 6.5) must still
 * name a live process after the read: a live process keeps its pid.
 * Whatever cannot be read refuses.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include "server.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

/* The effective set of process pid (its main thread). 0 or -errno. */
static int peer_capeff(pid_t pid, uint64_t *capeff)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = pid,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	*capeff = (uint64_t)data[1].effective << 32 | data[0].effective;
	return 0;
}

int xs_ctl_peer_check(int fd, char *why, size_t whylen)
{
	struct ucred cred;
	socklen_t clen = sizeof(cred), plen;
	uint64_t capeff = 0;
	int pidfd = -1, ret = -EPERM;

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
	plen = sizeof(pidfd);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &plen))
		pidfd = -1;     /* before Linux 6.5: the pid alone */
	if (peer_capeff(cred.pid, &capeff)) {
		snprintf(why, whylen, "permission denied: cannot read the client's "
			 "capabilities (pid %d)", (int)cred.pid);
		goto out;
	}
	if (pidfd >= 0 && syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0)) {
		snprintf(why, whylen, "permission denied: the client exited");
		goto out;
	}
	if (!(capeff & (1ull << CAP_NET_ADMIN))) {
		snprintf(why, whylen, "permission denied: needs CAP_NET_ADMIN "
			 "(client pid %d is root without it)", (int)cred.pid);
		goto out;
	}
	ret = 0;
out:
	if (pidfd >= 0)
		close(pidfd);
	return ret;
}
