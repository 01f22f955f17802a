// SPDX-License-Identifier: GPL-2.0-only
/*
 * What attach changes on the outside interface, and what detach puts back:
 * gso_max_segs (set to 1: the TC hook must see one MSS per packet) and the
 * clsact qdisc (removed only if attach created it). Everything else attach
 * makes (steer veths, taps and their settings) is xdpsec's own and goes
 * with the devices.
 *
 * The original values live in a pinned one-entry array, xs_iface_orig,
 * next to the instance's maps (bpffs holds no regular files), so a daemon
 * started after a crash still restores what the first attach found. The
 * first record wins: a re-attach over a previous daemon's state finds
 * gso_max_segs already 1 and clsact already there, and keeps the record.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "dp.h"
#include "netlink.h"

#define IFACE_ORIG_MAP "xs_iface_orig"
#define IFACE_ORIG_MAGIC 0x78736f31u	/* "xso1" */

/* Userspace only, never seen by a BPF program. */
struct xsd_iface_orig {
	uint32_t magic;
	uint32_t ifindex;
	uint32_t gso_max_segs;		/* 0: unknown, leave as is */
	uint8_t clsact_created;
	uint8_t pad[3];
};
_Static_assert(sizeof(struct xsd_iface_orig) == 16, "xsd_iface_orig size");

static int orig_map_open(const char *pin_dir, bool create)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", pin_dir, IFACE_ORIG_MAP) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd >= 0 || !create)
		return fd >= 0 ? fd : -errno;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, IFACE_ORIG_MAP, sizeof(__u32),
			    sizeof(struct xsd_iface_orig), 1, NULL);
	if (fd < 0)
		return fd;
	if (bpf_obj_pin(fd, path)) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

static int orig_read(int fd, uint32_t ifindex, struct xsd_iface_orig *o)
{
	__u32 key = 0;

	if (bpf_map_lookup_elem(fd, &key, o))
		return -errno;
	return o->magic == IFACE_ORIG_MAGIC && o->ifindex == ifindex ? 0 : -ENOENT;
}

int xsd_iface_orig_save(struct xsd_dp *dp, bool clsact_created)
{
	struct xsd_iface_orig o;
	__u32 key = 0;
	int fd, ret;

	fd = orig_map_open(dp->d->pin_dir, true);
	if (fd < 0)
		return fd;
	if (!orig_read(fd, dp->ifindex, &o)) {
		/* Kept from an earlier attach; it knows better. */
		if (clsact_created && !o.clsact_created) {
			o.clsact_created = 1;
			bpf_map_update_elem(fd, &key, &o, 0);
		}
		close(fd);
		return 0;
	}
	memset(&o, 0, sizeof(o));
	o.magic = IFACE_ORIG_MAGIC;
	o.ifindex = dp->ifindex;
	o.clsact_created = clsact_created;
	if (xs_nl_link_u32(dp->ifname, IFLA_GSO_MAX_SEGS, &o.gso_max_segs))
		o.gso_max_segs = 0;
	ret = bpf_map_update_elem(fd, &key, &o, 0) ? -errno : 0;
	close(fd);
	return ret;
}

void xsd_iface_orig_restore(struct xsd_dp *dp)
{
	struct xsd_iface_orig o;
	int fd = orig_map_open(dp->d->pin_dir, false);

	if (fd < 0)
		return;
	if (!orig_read(fd, dp->ifindex, &o)) {
		if (o.gso_max_segs)
			xs_nl_link_set(dp->ifname, 0, 0, o.gso_max_segs);
		if (o.clsact_created) {
			LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)dp->ifindex,
				    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

			bpf_tc_hook_destroy(&hook);
		}
	}
	close(fd);
}
