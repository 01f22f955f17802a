// SPDX-License-Identifier: GPL-2.0-only
/*
 * GRO on the stack side of a steer veth.
 *
 * A veth receives through NAPI, where GRO runs, only while GRO is on for
 * the receiving device, and hands a frame to NAPI only if the sending
 * device has no TSO (a TSO-capable sender could have sent it whole). The
 * worker side sends nothing but the worker's AF_XDP frames, so TSO goes
 * off there and GRO on at the stack side.
 *
 * Copy-mode AF_XDP transmission runs the receiving NAPI poll once per
 * frame (each frame is transmitted with bottom halves enabled around it),
 * so GRO would flush every merge after one segment. With threaded NAPI the
 * poll runs in a kernel thread of its own instead: the worker's sendto()
 * only queues frames, the thread takes up to a NAPI budget of them per
 * poll and GRO merges a flow's segments within it; the stack's routing and
 * delivery of the merged packet then run on the other core, beside the
 * worker rather than inside its sendto(). (A gro_flush_timeout would merge
 * across polls too, but arms a timer per poll, which costs more in a VM
 * than GRO saves.)
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <net/if.h>

#include "gro.h"
#include "netlink.h"

static int ethtool_set(const char *ifname, uint32_t cmd, uint32_t on)
{
	struct ethtool_value ev = { .cmd = cmd, .data = on };

	return xs_ethtool(ifname, &ev);
}

/*
 * Writes value to /sys/class/net/<ifname>/<attr> of the current network
 * namespace. The daemon may run in a namespace it entered (nsenter), whose
 * /sys still shows the devices of another one; a child process mounts a
 * sysfs of its own namespace in a private mount namespace and writes there.
 */
static int sysfs_net_write(const char *ifname, const char *attr, const char *value)
{
	char path[128];
	int status;
	pid_t pid;

	if (strlen(ifname) >= IFNAMSIZ)
		return -EINVAL;
	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, attr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		size_t len = strlen(value);
		int fd;

		if (unshare(CLONE_NEWNS) ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL))
			_exit(1);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			_exit(2);
		_exit(write(fd, value, len) == (ssize_t)len ? 0 : 3);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return WIFEXITED(status) && WEXITSTATUS(status) == 2 ? -ENOENT : -EIO;
	return 0;
}

int xsd_steer_gro(const char *stack_if, const char *worker_if, char *err, size_t errlen)
{
	int ret;

	if ((ret = ethtool_set(worker_if, ETHTOOL_STSO, 0))) {
		snprintf(err, errlen, "cannot turn TSO off on %s: %s", worker_if,
			 strerror(-ret));
		return ret;
	}
	if ((ret = ethtool_set(stack_if, ETHTOOL_SGRO, 1))) {
		snprintf(err, errlen, "cannot turn GRO on on %s: %s", stack_if,
			 strerror(-ret));
		return ret;
	}
	if ((ret = sysfs_net_write(stack_if, "threaded", "1"))) {
		snprintf(err, errlen, "cannot make the NAPI of %s threaded: %s", stack_if,
			 strerror(-ret));
		return ret;
	}
	return 0;
}
