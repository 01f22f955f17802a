/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where an instance pins its BPF objects, wherever the daemon was started
 * (pins.c): `nsenter --net`, a systemd unit, or `ip netns exec`, which
 * remounts /sys in a mount namespace of its own and so hides the bpffs at
 * /sys/fs/bpf.
 */
#ifndef XSD_PINS_H
#define XSD_PINS_H

#include <stddef.h>

#define XSD_BPFFS_SYS "/sys/fs/bpf"
/* The same bpffs, bound where `ip netns exec` leaves it in sight. */
#define XSD_BPFFS_RUN "/run/xdpsec/bpf"
#define XSD_PIN_SUBDIR "xdpsec"

/*
 * The pin directory of instance into buf: XSD_BPFFS_SYS/xdpsec/INSTANCE when
 * /sys/fs/bpf is a bpffs (and then binds it at XSD_BPFFS_RUN, once per boot,
 * for daemons started later under `ip netns exec`), else
 * XSD_BPFFS_RUN/xdpsec/INSTANCE when that is a bpffs. 0, or -ENOENT with a
 * message saying what to do in err.
 */
int xsd_pin_dir_find(const char *instance, char *buf, size_t len, char *err,
		     size_t errlen);

#endif
