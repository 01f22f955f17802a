// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IKE bypass, outbound: the socket cookies (SO_COOKIE) of the IKE
 * agent's own sockets in xs_ike_socks, where tc_egress finds them. An
 * agent (an owner) registers its whole set at once and replaces it
 * later; nothing but registered sockets bypasses the SPD (docs/bpf.md,
 * "The IKE bypass").
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dp.h"
#include "skel.h"

static int owner_slot(struct xsd_dp *dp, const char *owner, bool create)
{
	int free_slot = -1;

	for (int i = 0; i < XSD_IKE_OWNERS_MAX; i++) {
		if (dp->ike[i].n && !strncmp(dp->ike[i].owner, owner, sizeof(dp->ike[i].owner)))
			return i;
		if (!dp->ike[i].n && free_slot < 0)
			free_slot = i;
	}
	return create ? free_slot : -1;
}

int xsd_dp_ike_sockets_set(struct xsd_dp *dp, const char *owner, const uint64_t *cookies,
			   uint32_t n)
{
	int fd = bpf_map__fd(dp->egress->maps.XS_MAP_IKE_SOCKS);
	struct xsd_ike_owner *o;
	__u32 slot;
	int i, ret = 0;

	if (!owner || !owner[0] || strlen(owner) >= sizeof(o->owner))
		return -EINVAL;
	if (n > XSD_IKE_SOCKS_PER_OWNER)
		return -E2BIG;
	for (uint32_t k = 0; k < n; k++)
		if (!cookies[k])	/* 0 is "no socket" to bpf_get_socket_cookie */
			return -EINVAL;
	i = owner_slot(dp, owner, n > 0);
	if (i < 0)
		return n ? -ENOSPC : 0;
	o = &dp->ike[i];
	slot = (__u32)i;
	/* The new set in first, then what it no longer has out. */
	for (uint32_t k = 0; k < n; k++) {
		if (bpf_map_update_elem(fd, &cookies[k], &slot, BPF_ANY)) {
			ret = -errno;
			/* Back to the old set: drop what was added. */
			for (uint32_t j = 0; j < k; j++) {
				bool old = false;

				for (uint32_t m = 0; m < o->n; m++)
					old |= o->cookie[m] == cookies[j];
				if (!old)
					bpf_map_delete_elem(fd, &cookies[j]);
			}
			return ret;
		}
	}
	for (uint32_t m = 0; m < o->n; m++) {
		bool keep = false;

		for (uint32_t k = 0; k < n; k++)
			keep |= cookies[k] == o->cookie[m];
		if (!keep)
			bpf_map_delete_elem(fd, &o->cookie[m]);
	}
	snprintf(o->owner, sizeof(o->owner), "%s", owner);
	memcpy(o->cookie, cookies, n * sizeof(*cookies));
	o->n = n;
	return 0;
}

/* A pinned map may hold a previous daemon's registrations: its agent
 * registers again with the new daemon. */
void xsd_ike_sockets_clear(struct xsd_dp *dp)
{
	int fd = bpf_map__fd(dp->egress->maps.XS_MAP_IKE_SOCKS);
	__u64 key, next;

	while (!bpf_map_get_next_key(fd, NULL, &next)) {
		key = next;
		if (bpf_map_delete_elem(fd, &key))
			break;
	}
	memset(dp->ike, 0, sizeof(dp->ike));
}
