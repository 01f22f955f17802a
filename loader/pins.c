// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pin directory, found the same way however the daemon was started.
 *
 * `ip netns exec NS` enters a new mount namespace and mounts a fresh sysfs
 * on /sys (so that /sys/class/net shows NS's devices); the bpffs that was
 * on /sys/fs/bpf is not there, and pins made on whatever is there would
 * not outlive the process. Mounts elsewhere are copied into that namespace
 * when it is made, so a daemon started the usual way binds the bpffs at
 * /run/xdpsec/bpf as well: the same superblock, the same pins, under a
 * path `ip netns exec` does not touch. A daemon that finds no bpffs on
 * /sys/fs/bpf uses that one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "ctl.h"
#include "pins.h"

static int is_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && (unsigned long)st.f_type == (unsigned long)BPF_FS_MAGIC;
}

/* Best effort: without it only `ip netns exec` starts lose. */
static void bind_run(void)
{
	if (is_bpffs(XSD_BPFFS_RUN))
		return;
	if (mkdir(XS_CTL_RUN_DIR, 0700) && errno != EEXIST)
		return;
	if (mkdir(XSD_BPFFS_RUN, 0700) && errno != EEXIST)
		return;
	if (mount(XSD_BPFFS_SYS, XSD_BPFFS_RUN, NULL, MS_BIND, NULL))
		fprintf(stderr, "xdpsec: cannot bind %s at %s (%s): daemons started "
			"under `ip netns exec` will not find the pins\n", XSD_BPFFS_SYS,
			XSD_BPFFS_RUN, strerror(errno));
}

int xsd_pin_dir_find(const char *instance, char *buf, size_t len, char *err,
		     size_t errlen)
{
	const char *root;
	int n;

	if (is_bpffs(XSD_BPFFS_SYS)) {
		bind_run();
		root = XSD_BPFFS_SYS;
	} else if (is_bpffs(XSD_BPFFS_RUN)) {
		root = XSD_BPFFS_RUN;
	} else {
		snprintf(err, errlen, "no bpffs on %s nor %s (`ip netns exec` mounts its own "
			 "/sys): start the daemon with `nsenter --net=`, or bind one first: "
			 "`mkdir -p %s && mount --bind %s %s` (a daemon started the usual "
			 "way does)", XSD_BPFFS_SYS, XSD_BPFFS_RUN, XSD_BPFFS_RUN,
			 XSD_BPFFS_SYS, XSD_BPFFS_RUN);
		return -ENOENT;
	}
	n = snprintf(buf, len, "%s/%s/%s", root, XSD_PIN_SUBDIR, instance);
	if (n < 0 || (size_t)n >= len) {
		snprintf(err, errlen, "pin directory too long");
		return -ENAMETOOLONG;
	}
	return 0;
}
