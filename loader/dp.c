// SPDX-License-Identifier: GPL-2.0-only
/*
 * Attaching an interface: BPF programs with maps pinned per instance, one
 * steer veth pair per worker, workers. Programs are attached through
 * netlink (not BPF links), so they stay when the daemon dies: protected
 * traffic then meets an empty socket slot and is dropped, never sent or
 * accepted in clear.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "dp.h"
#include "gro.h"
#include "tap.h"
#include "skel.h"
#include "netlink.h"
#include "worker.h"

#define TC_HANDLE 1
#define TC_PRIO 1


/*
 * Every map by its name under the instance's directory. A map declared by
 * two objects (XS_MAP_SPD_RULES) is thereby one map: libbpf pins it when
 * the first object loads and reuses the pin for the second.
 */
static int pin_maps(struct bpf_object *obj, const char *dir)
{
	struct bpf_map *map;
	char path[PATH_MAX];

	bpf_object__for_each_map(map, obj) {
		if (bpf_map__is_internal(map))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(map));
		if (bpf_map__set_pin_path(map, path))
			return -EINVAL;
	}
	return 0;
}

static void unpin_all(const char *dir)
{
	static const char *const names[] = {
		XS_STR(XS_MAP_SPI), XS_STR(XS_MAP_SPI_FILTER), XS_STR(XS_MAP_XSKS),
		XS_STR(XS_MAP_XDP_STATS),
		XS_STR(XS_MAP_SPD_IN_V4), XS_STR(XS_MAP_SPD_IN_V6),
		XS_STR(XS_MAP_SPD_V4), XS_STR(XS_MAP_SPD_V6), XS_STR(XS_MAP_SPD_RULES),
		XS_STR(XS_MAP_SPD_ENTRIES), XS_STR(XS_MAP_POLICY_STATS), XS_STR(XS_MAP_ACQUIRE),
		XS_STR(XS_MAP_EVENTS), XS_STR(XS_MAP_IKE_SOCKS), XS_STR(XS_MAP_LOCAL_ADDRS),
		XS_STR(XS_MAP_INNER_STATS),
		XS_STR(XS_MAP_STEER_IFS), XS_STR(XS_MAP_GSO_IFS), XS_STR(XS_MAP_TC_STATS),
		XS_STR(XS_MAP_STEER_XSKS), XS_STR(XS_MAP_STEER_STATS),
		"xs_policy_store", "xs_iface_orig",
	};
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

static struct bpf_program *first_prog(struct bpf_object *obj)
{
	return bpf_object__next_program(obj, NULL);
}

static int xdp_attach(uint32_t ifindex, int fd, uint8_t mode)
{
	__u32 flags = mode == XS_ATTACH_GENERIC ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	__u32 other = mode == XS_ATTACH_GENERIC ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
	int ret = bpf_xdp_attach((int)ifindex, fd, flags, NULL);

	/* A program left in the other mode (an earlier run) blocks this one. */
	if (ret == -EEXIST || ret == -EBUSY) {
		bpf_xdp_detach((int)ifindex, other, NULL);
		ret = bpf_xdp_attach((int)ifindex, fd, flags, NULL);
	}
	return ret;
}

/*
 * Fixed, locally administered unicast addresses (IEEE 802: first octet
 * 0x02): 02:78:73 ("xs"), the outside ifindex (low 16 bits), then worker << 1
 * | side (0 stack, 1 worker). A random address could start with the steer
 * tag's magic, and the kernel's own frames on the pair (IPv6 ND, MLD) would
 * look tagged to xdp_steer.
 */
_Static_assert(XS_WORKERS_MAX <= 128, "worker index fits 7 bits of the MAC");
_Static_assert(XS_STEER_MAGIC != 0x02, "steer MACs must not look tagged");

static void steer_mac(uint32_t ifindex, uint32_t worker, uint8_t side, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x78;
	mac[2] = 0x73;
	mac[3] = (uint8_t)(ifindex >> 8);
	mac[4] = (uint8_t)ifindex;
	mac[5] = (uint8_t)(worker << 1 | side);
}

/* xs<ifindex>s / xs<ifindex>w (and the tap xs<ifindex>t) for worker 0, the
 * names of one-pair days; xs<ifindex>s<w> / w<w> / t<w> for the others. */
static int steer_names(uint32_t ifindex, uint32_t w, char stack[IF_NAMESIZE],
		       char worker[IF_NAMESIZE], char tap[IF_NAMESIZE])
{
	int a, b, c;

	if (w) {
		a = snprintf(stack, IF_NAMESIZE, "xs%us%u", ifindex, w);
		b = snprintf(worker, IF_NAMESIZE, "xs%uw%u", ifindex, w);
		c = snprintf(tap, IF_NAMESIZE, "xs%ut%u", ifindex, w);
	} else {
		a = snprintf(stack, IF_NAMESIZE, "xs%us", ifindex);
		b = snprintf(worker, IF_NAMESIZE, "xs%uw", ifindex);
		c = snprintf(tap, IF_NAMESIZE, "xs%ut", ifindex);
	}
	return a < 0 || b < 0 || c < 0 || a >= IF_NAMESIZE || b >= IF_NAMESIZE ||
	       c >= IF_NAMESIZE ? -ENAMETOOLONG : 0;
}

static int steer_setup(struct xsd_dp *dp, uint32_t w, uint32_t mtu, char *warn,
		       size_t warnlen, char *err, size_t errlen)
{
	struct xsd_steer *st = &dp->steers[w];
	uint8_t mac_s[6], mac_w[6];
	char path[128];
	int ret;

	st->tap_fd = -1;
	ret = steer_names(dp->ifindex, w, st->stack_if, st->worker_if, st->tap_if);
	if (ret) {
		snprintf(err, errlen, "steer veth names for ifindex %u are too long",
			 dp->ifindex);
		return ret;
	}
	steer_mac(dp->ifindex, w, 0, mac_s);
	steer_mac(dp->ifindex, w, 1, mac_w);
	if (!if_nametoindex(st->stack_if)) {
		ret = xs_nl_veth_add(st->stack_if, st->worker_if, mtu, mac_s, mac_w);
		if (ret) {
			snprintf(err, errlen, "cannot create steer veth %s: %s",
				 st->stack_if, strerror(-ret));
			return ret;
		}
	} else if ((ret = xs_nl_link_set_addr(st->stack_if, mac_s)) ||
		   (ret = xs_nl_link_set_addr(st->worker_if, mac_w))) {
		/* A pair of a previous daemon, maybe with random addresses. */
		snprintf(err, errlen, "cannot set the addresses of steer veth %s: %s",
			 st->stack_if, strerror(-ret));
		return ret;
	}
	if ((ret = xs_nl_link_set(st->stack_if, 1, mtu, 0)) ||
	    (ret = xs_nl_link_set(st->worker_if, 1, mtu, 0))) {
		snprintf(err, errlen, "cannot bring up steer veth %s: %s", st->stack_if,
			 strerror(-ret));
		return ret;
	}
	st->stack_ifindex = if_nametoindex(st->stack_if);
	st->worker_ifindex = if_nametoindex(st->worker_if);
	if (!st->stack_ifindex || !st->worker_ifindex) {
		snprintf(err, errlen, "steer veth %s has no peer %s", st->stack_if,
			 st->worker_if);
		return -ENODEV;
	}
	/* Opened packets enter the stack on the steer device while their
	 * route back leads out of the outside interface. */
	snprintf(path, sizeof(path), "net/ipv4/conf/%s/rp_filter", st->stack_if);
	xs_sysctl_write(path, "0");
	snprintf(path, sizeof(path), "net/ipv4/conf/%s/accept_local", st->stack_if);
	xs_sysctl_write(path, "1");
	/* Only a loss of speed without it: opened TCP segments then cross the
	 * stack one by one. */
	if (xsd_steer_gro(st->stack_if, st->worker_if, path, sizeof(path))) {
		size_t used = strlen(warn);

		snprintf(warn + used, warnlen - used, "warning: %s; no GRO for opened packets\n",
			 path);
	}
	/* Likewise: without the tap, GSO packets are segmented on the veth. */
	st->tap_fd = xsd_tap_open(st->tap_if, mtu, path, sizeof(path));
	if (st->tap_fd < 0) {
		size_t used = strlen(warn);

		snprintf(warn + used, warnlen - used, "warning: %s\n", path);
		st->tap_fd = -1;
	} else {
		uint32_t tap_mtu;

		st->tap_ifindex = if_nametoindex(st->tap_if);
		xs_nl_link_info(st->tap_if, st->tap_mac, &tap_mtu);
	}
	return 0;
}

/* Pairs of workers a previous daemon had and this one has not. */
static void steer_remove_extra(struct xsd_dp *dp)
{
	char stack[IF_NAMESIZE], worker[IF_NAMESIZE], tap[IF_NAMESIZE];

	for (uint32_t w = dp->nworkers; w < XS_WORKERS_MAX; w++) {
		if (steer_names(dp->ifindex, w, stack, worker, tap))
			continue;
		if (if_nametoindex(stack))
			xs_nl_link_del(stack);
		if (if_nametoindex(tap))
			xs_nl_link_del(tap);
	}
}

static int policy_store_open(struct xsd_dp *dp)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/xs_policy_store", dp->d->pin_dir) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd >= 0)
		return fd;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xs_policy_store", sizeof(__u32),
			    sizeof(struct xs_policy_req), XS_SPD_RULES_MAX, NULL);
	if (fd < 0)
		return fd;
	if (bpf_obj_pin(fd, path)) {
		close(fd);
		return -errno;
	}
	return fd;
}

/* After a daemon restart, the pinned store still holds the policies;
 * dp->stored learns what it holds either way, so the first sync clears
 * what this daemon's table does not have. */
static void policies_restore(struct xsd_dp *dp)
{
	struct xsd *d = dp->d;
	bool have = false;

	for (__u32 i = 0; i < XS_SPD_RULES_MAX; i++) {
		struct xs_policy_req req;

		have |= d->policies[i].used;
		if (bpf_map_lookup_elem(dp->policy_store_fd, &i, &req))
			continue;
		dp->stored[i] = req;
	}
	if (have)
		return;
	for (__u32 i = 0; i < XS_SPD_RULES_MAX; i++) {
		if (!dp->stored[i].action)
			continue;
		d->policies[i].used = true;
		d->policies[i].req = dp->stored[i];
	}
}

static int load_programs(struct xsd_dp *dp, const struct xs_attach_req *req,
			 char *warn, size_t warnlen, char *err, size_t errlen)
{
	const char *dir = dp->d->pin_dir;
	int ret;

	dp->ingress = xdp_ingress_bpf__open();
	dp->egress = tc_egress_bpf__open();
	dp->inner = tc_inner_bpf__open();
	dp->steer = xdp_steer_bpf__open();
	if (!dp->ingress || !dp->egress || !dp->inner || !dp->steer) {
		snprintf(err, errlen, "cannot open BPF objects");
		return -ENOMEM;
	}
	dp->ingress->rodata->XS_CFG_XDP.unknown_spi_pass = req->unknown_spi_pass;
	dp->ingress->rodata->XS_CFG_XDP.ike_port = XS_PORT_IKE;
	dp->ingress->rodata->XS_CFG_XDP.natt_port = XS_PORT_NATT;
	dp->egress->rodata->XS_CFG_TC.default_action = XS_SPD_BYPASS;
	if (pin_maps(dp->ingress->obj, dir) || pin_maps(dp->egress->obj, dir) ||
	    pin_maps(dp->inner->obj, dir) || pin_maps(dp->steer->obj, dir)) {
		snprintf(err, errlen, "cannot set pin paths under %s", dir);
		return -EINVAL;
	}
	if ((ret = tc_egress_bpf__load(dp->egress)) ||
	    (ret = tc_inner_bpf__load(dp->inner)) ||
	    (ret = xdp_steer_bpf__load(dp->steer))) {
		snprintf(err, errlen, "cannot load BPF programs: %s", strerror(-ret));
		return ret;
	}
	/* xdp_ingress: libxdp loads it into the device's dispatcher
	 * (dp_xdp.c); the pinned maps it shares are there by now. It starts
	 * on what the pins hold: an earlier daemon's SPD, SPIs whose sockets
	 * are gone (dropped, fail-closed). */
	return xsd_dp_xdp_attach(dp, req->mode, warn, warnlen, err, errlen);
}

/* clsact ingress of ifindex: tc_inner, the selector check of opened
 * packets (RFC 4301 §5.2 step 4). */
static int inner_attach(struct xsd_dp *dp, uint32_t ifindex, const char *ifname, char *err,
			size_t errlen)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, tco, .handle = TC_HANDLE, .priority = TC_PRIO,
		    .prog_fd = bpf_program__fd(first_prog(dp->inner->obj)),
		    .flags = BPF_TC_F_REPLACE);
	int ret = bpf_tc_hook_create(&hook);

	if (ret && ret != -EEXIST) {
		snprintf(err, errlen, "cannot create clsact on %s: %s", ifname, strerror(-ret));
		return ret;
	}
	ret = bpf_tc_attach(&hook, &tco);
	if (ret)
		snprintf(err, errlen, "cannot attach TC ingress to %s: %s", ifname,
			 strerror(-ret));
	return ret;
}

static int attach_programs(struct xsd_dp *dp, char *err, size_t errlen)
{
	int tc_fd = bpf_program__fd(first_prog(dp->egress->obj));
	int st_fd = bpf_program__fd(first_prog(dp->steer->obj));
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)dp->ifindex,
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, tco, .handle = TC_HANDLE, .priority = TC_PRIO,
		    .prog_fd = tc_fd, .flags = BPF_TC_F_REPLACE);
	int ret;

	/* Opened packets meet the selector check before any can come. */
	for (uint32_t w = 0; w < dp->nworkers; w++) {
		struct xsd_steer *st = &dp->steers[w];

		ret = inner_attach(dp, st->stack_ifindex, st->stack_if, err, errlen);
		if (!ret && st->tap_fd >= 0)
			ret = inner_attach(dp, st->tap_ifindex, st->tap_if, err, errlen);
		if (ret)
			return ret;
	}
	/* The steer side first: once TC protects, frames must have a way in. */
	for (uint32_t w = 0; w < dp->nworkers; w++) {
		ret = xdp_attach(dp->steers[w].worker_ifindex, st_fd, XS_ATTACH_NATIVE);
		if (ret) {
			snprintf(err, errlen, "cannot attach XDP to %s: %s",
				 dp->steers[w].worker_if, strerror(-ret));
			return ret;
		}
	}
	/* The outside interface's clsact goes at detach only if made here. */
	ret = bpf_tc_hook_create(&hook);
	if (ret && ret != -EEXIST) {
		snprintf(err, errlen, "cannot create clsact on %s: %s", dp->ifname,
			 strerror(-ret));
		return ret;
	}
	if (!ret)
		xsd_iface_orig_save(dp, true);
	ret = bpf_tc_attach(&hook, &tco);
	if (ret) {
		snprintf(err, errlen, "cannot attach TC egress to %s: %s", dp->ifname,
			 strerror(-ret));
		return ret;
	}
	return 0;
}

static void detach_programs(struct xsd_dp *dp)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)dp->ifindex,
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, tco, .handle = TC_HANDLE, .priority = TC_PRIO);

	bpf_tc_detach(&hook, &tco);
	xsd_dp_xdp_detach(dp);
	for (uint32_t w = 0; dp->steers && w < dp->nworkers; w++)
		if (dp->steers[w].worker_ifindex)
			bpf_xdp_detach((int)dp->steers[w].worker_ifindex, XDP_FLAGS_DRV_MODE,
				       NULL);
}

#define SPI_FILTER_BYTES ((size_t)XS_SPI_FILTER_SLOTS * sizeof(__u64))

/* Maps xs_spi_filter (an mmapable array) into dp->spi_filter. */
static int spi_filter_map(struct xsd_dp *dp)
{
	void *p = mmap(NULL, SPI_FILTER_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
		       bpf_map__fd(dp->ingress->maps.XS_MAP_SPI_FILTER), 0);

	if (p == MAP_FAILED)
		return -errno;
	dp->spi_filter = p;
	return 0;
}

/* Empties the SPI map and its filter (pins may hold a previous daemon's). */
static void spi_map_clear(struct xsd_dp *dp)
{
	int fd = bpf_map__fd(dp->ingress->maps.XS_MAP_SPI);
	struct xs_spi_key key, next;

	while (!bpf_map_get_next_key(fd, NULL, &next)) {
		key = next;
		if (bpf_map_delete_elem(fd, &key))
			break;
	}
	memset(dp->spi_filter, 0, SPI_FILTER_BYTES);
}

/* The filter counts an SA before XDP can find it in the SPI map and after
 * XDP can no longer: a set slot with no SA costs a hash lookup, an SA
 * behind an empty slot would be unreachable. */
static void spi_filter_add(struct xsd_dp *dp, const struct xs_spi_key *k, int delta)
{
	__u64 *slot = &dp->spi_filter[xs_spi_filter_slot(k->spi)];

	if (delta > 0 || *slot)
		__atomic_store_n(slot, *slot + (__u64)(int64_t)delta, __ATOMIC_RELEASE);
}

/* xs_steer_ifs: worker w -> the stack side of its pair; 0 (TC discards,
 * fail-closed) for workers this daemon does not run. xs_gso_ifs: worker w
 * -> its tap; 0: GSO packets take the steer veth too. */
static int steer_ifs_fill(struct xsd_dp *dp)
{
	int fd = bpf_map__fd(dp->egress->maps.XS_MAP_STEER_IFS);
	int gso_fd = bpf_map__fd(dp->egress->maps.XS_MAP_GSO_IFS);

	for (__u32 w = 0; w < XS_WORKERS_MAX; w++) {
		__u32 ifindex = w < dp->nworkers ? dp->steers[w].stack_ifindex : 0;
		__u32 tap = w < dp->nworkers && dp->steers[w].tap_fd >= 0 ?
			    dp->steers[w].tap_ifindex : 0;

		if (bpf_map_update_elem(fd, &w, &ifindex, 0) ||
		    bpf_map_update_elem(gso_fd, &w, &tap, 0))
			return -errno;
	}
	return 0;
}

/*
 * Worker w: its own UMEM, a socket on rx queue w of the outside interface
 * (slot XS_XSK_SLOT(w, w)) and one on queue 0 of its steer pair's worker
 * side (slot XS_XSK_SLOT(0, w)). Sockets on one queue must share a UMEM, so
 * two workers cannot both take a queue: one worker per outside rx queue.
 */
static int worker_open(struct xsd_dp *dp, const struct xs_attach_req *req, uint32_t i,
		       const uint8_t out_mac[6], uint32_t mtu, char *err, size_t errlen)
{
	struct xsd_worker *w = &dp->workers[i];
	__u32 out_slot = XS_XSK_SLOT(i, i), steer_slot = XS_XSK_SLOT(0, i);
	int ret;

	w->id = i;
	w->cpu = req->cpus[i];
	memcpy(w->out_mac, out_mac, 6);
	steer_mac(dp->ifindex, i, 0, w->stack_mac);
	steer_mac(dp->ifindex, i, 1, w->steer_mac);
	w->out_mtu = mtu;
	w->tap_fd = dp->steers[i].tap_fd;
	memcpy(w->tap_mac, dp->steers[i].tap_mac, 6);
	w->in_db = xs_sadb_new(XSD_SA_MAX);
	if (!w->in_db) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = xsd_worker_open(w, dp->ifname, dp->steers[i].worker_if, i, 0, err, errlen);
	if (ret)
		return ret;
	if (bpf_map_update_elem(bpf_map__fd(dp->ingress->maps.XS_MAP_XSKS), &out_slot,
				&w->out.fd, 0) ||
	    bpf_map_update_elem(bpf_map__fd(dp->steer->maps.XS_MAP_STEER_XSKS), &steer_slot,
				&w->steer.fd, 0)) {
		ret = -errno;
		snprintf(err, errlen, "cannot insert sockets into the XSKMAPs: %s",
			 strerror(errno));
		return ret;
	}
	return 0;
}

struct xsd_dp *xsd_dp_attach(struct xsd *d, const struct xs_attach_req *req,
			     char *warn, size_t warnlen, char *err, size_t errlen)
{
	struct xsd_dp *dp = calloc(1, sizeof(*dp));
	uint8_t out_mac[6];
	uint32_t ifindex, mtu, queues;

	if (!dp) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	dp->d = d;
	dp->policy_store_fd = -1;
	dp->addr_fd = -1;
	snprintf(dp->ifname, sizeof(dp->ifname), "%s", req->ifname);
	/* Checks first, with dp->ifindex still 0: a bad request must not tear
	 * down what a previous daemon left attached (fail-closed). */
	ifindex = if_nametoindex(req->ifname);
	if (!ifindex) {
		snprintf(err, errlen, "unknown interface %s", req->ifname);
		goto fail;
	}
	if (xs_nl_link_info(dp->ifname, out_mac, &mtu)) {
		snprintf(err, errlen, "cannot read %s's address and MTU", dp->ifname);
		goto fail;
	}
	/* One worker per outside rx queue (worker_open). */
	queues = (uint32_t)xs_nl_rx_queues(dp->ifname);
	dp->nworkers = req->workers ? req->workers : 1;
	if (dp->nworkers > queues || dp->nworkers > XS_WORKERS_MAX) {
		snprintf(err, errlen, "%u workers need as many rx queues (%s has %u)",
			 dp->nworkers, dp->ifname, queues);
		goto fail;
	}
	dp->steers = calloc(dp->nworkers, sizeof(*dp->steers));
	dp->workers = calloc(dp->nworkers, sizeof(*dp->workers));
	if (!dp->steers || !dp->workers) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (uint32_t w = 0; w < dp->nworkers; w++)
		dp->steers[w].tap_fd = dp->workers[w].tap_fd = -1;
	/* Someone else's XDP program is not replaced unasked. */
	if (xsd_dp_xdp_check(ifindex, dp->ifname, req->force, err, errlen))
		goto fail;
	dp->ifindex = ifindex;	/* from here on, failing detaches */
	{
		/* The pin root (pins.h) holds every instance's directory. */
		char root[PATH_MAX];
		char *slash;

		snprintf(root, sizeof(root), "%s", d->pin_dir);
		slash = strrchr(root, '/');
		if (slash) {
			*slash = '\0';
			mkdir(root, 0700);
		}
	}
	if (mkdir(d->pin_dir, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s (is bpffs mounted?)",
			 d->pin_dir, strerror(errno));
		goto fail;
	}
	for (uint32_t w = 0; w < dp->nworkers; w++)
		if (steer_setup(dp, w, mtu, warn, warnlen, err, errlen))
			goto fail;
	steer_remove_extra(dp);
	if (load_programs(dp, req, warn, warnlen, err, errlen))
		goto fail;
	if (spi_filter_map(dp)) {
		snprintf(err, errlen, "cannot map the SPI filter: %s", strerror(errno));
		goto fail;
	}
	dp->policy_store_fd = policy_store_open(dp);
	if (dp->policy_store_fd < 0) {
		snprintf(err, errlen, "cannot create the policy store map");
		goto fail;
	}
	dp->stored = calloc(XS_SPD_RULES_MAX, sizeof(*dp->stored));
	dp->pol_reqid = calloc(XS_SPD_RULES_MAX, sizeof(*dp->pol_reqid));
	if (!dp->stored || !dp->pol_reqid) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	{
		int r = xsd_dp_spd_open(dp);

		if (r) {
			snprintf(err, errlen, "cannot take over the SPD maps under %s: %s",
				 d->pin_dir, strerror(-r));
			goto fail;
		}
	}
	/* Local TCP sends one MSS per packet: the TC hook sees packets before
	 * segmentation, and each must be sealed on its own. Detach puts the
	 * device's own value back (iface_orig.c). */
	if (xsd_iface_orig_save(dp, false)) {
		snprintf(err, errlen, "cannot record %s's settings under %s", dp->ifname,
			 d->pin_dir);
		goto fail;
	}
	xs_nl_link_set(dp->ifname, 0, 0, 1);
	if (attach_programs(dp, err, errlen))
		goto fail;
	if (steer_ifs_fill(dp)) {
		snprintf(err, errlen, "cannot fill the steer veth map");
		goto fail;
	}
	spi_map_clear(dp);
	xsd_ike_sockets_clear(dp);
	if (xsd_dp_events_open(dp)) {
		snprintf(err, errlen, "cannot read the events ring buffer: %s", strerror(errno));
		goto fail;
	}
	{
		int r = xsd_local_addrs_open(dp);

		if (r) {
			snprintf(err, errlen, "cannot read this host's addresses: %s", strerror(-r));
			goto fail;
		}
	}

	for (uint32_t i = 0; i < dp->nworkers; i++)
		if (worker_open(dp, req, i, out_mac, mtu, err, errlen))
			goto fail;
	policies_restore(dp);
	for (uint32_t i = 0; i < d->nsas; i++)
		xsd_dp_sa_install(dp, &d->sas[i]);
	if (xsd_dp_spd_sync(dp, d)) {
		snprintf(err, errlen, "cannot program the SPD maps: %s", dp->spd_err);
		goto fail;
	}
	for (uint32_t i = 0; i < dp->nworkers; i++) {
		if (xsd_worker_start(&dp->workers[i])) {
			snprintf(err, errlen, "cannot start worker %u", i);
			goto fail;
		}
	}
	return dp;
fail:
	xsd_dp_detach(dp, false);	/* tears down only once dp->ifindex is set */
	return NULL;
}

void xsd_dp_detach(struct xsd_dp *dp, bool keep_pins)
{
	if (!dp)
		return;
	for (uint32_t i = 0; dp->workers && i < dp->nworkers; i++) {
		xsd_worker_close(&dp->workers[i]);
		xs_sadb_free(dp->workers[i].in_db);
	}
	free(dp->workers);
	for (uint32_t w = 0; dp->steers && w < dp->nworkers; w++)
		if (dp->steers[w].tap_fd >= 0)
			close(dp->steers[w].tap_fd);
	if (!keep_pins && dp->ifindex) {
		detach_programs(dp);
		for (uint32_t w = 0; dp->steers && w < dp->nworkers; w++) {
			if (dp->steers[w].stack_if[0])
				xs_nl_link_del(dp->steers[w].stack_if);
			if (dp->steers[w].tap_ifindex)
				xs_nl_link_del(dp->steers[w].tap_if);
		}
		xsd_iface_orig_restore(dp);
		unpin_all(dp->d->pin_dir);
	}
	free(dp->steers);
	xsd_local_addrs_close(dp);
	xsd_dp_events_close(dp);
	xs_spd_close(&dp->spd);
	free(dp->stored);
	free(dp->pol_reqid);
	if (dp->spi_filter)
		munmap(dp->spi_filter, SPI_FILTER_BYTES);
	if (dp->policy_store_fd >= 0)
		close(dp->policy_store_fd);
	xdp_ingress_bpf__destroy(dp->ingress);
	tc_egress_bpf__destroy(dp->egress);
	tc_inner_bpf__destroy(dp->inner);
	xdp_steer_bpf__destroy(dp->steer);
	free(dp);
}

void xsd_dp_info(const struct xsd_dp *dp, struct xs_iface_info *info)
{
	memset(info, 0, sizeof(*info));
	snprintf(info->ifname, sizeof(info->ifname), "%s", dp->ifname);
	snprintf(info->steer_ifname, sizeof(info->steer_ifname), "%s",
		 dp->steers ? dp->steers[0].stack_if : "");
	info->ifindex = dp->ifindex;
	info->mode = dp->mode;
	info->queues = (uint16_t)xs_nl_rx_queues(dp->ifname);
	info->workers = (uint16_t)dp->nworkers;
	info->xdp_dispatcher = xsd_dp_xdp_dispatched(dp->ifindex);
}

uint32_t xsd_dp_workers(const struct xsd_dp *dp)
{
	return dp->nworkers;
}

void xsd_dp_lock_all(struct xsd_dp *dp)
{
	for (uint32_t i = 0; i < dp->nworkers; i++)
		pthread_mutex_lock(&dp->workers[i].lock);
}

void xsd_dp_unlock_all(struct xsd_dp *dp)
{
	for (uint32_t i = dp->nworkers; i-- > 0;)
		pthread_mutex_unlock(&dp->workers[i].lock);
}

static void spi_key(const struct xsd_sa *s, struct xs_spi_key *k)
{
	memset(k, 0, sizeof(*k));
	k->spi = htonl(s->sa->cfg.spi);
	k->proto = s->sa->cfg.proto;
}

int xsd_dp_sa_install(struct xsd_dp *dp, struct xsd_sa *s)
{
	struct xsd_worker *w;
	int ret = 0;

	s->worker = s->sa->cfg.spi % dp->nworkers;
	w = &dp->workers[s->worker];
	if (s->dir == XS_DIR_IN) {
		struct xs_spi_key k;
		struct xs_spi_val v = {
			.worker = s->worker,
			.flags = s->sa->cfg.encap_sport ? XS_SPI_F_UDP_ENCAP : 0,
		};

		/* What the worker names with each packet this SA opens. */
		s->sa->tag = s->reqid;
		pthread_mutex_lock(&w->lock);
		ret = xs_sadb_add(w->in_db, s->sa);
		pthread_mutex_unlock(&w->lock);
		if (ret)
			return ret;
		/* Steer only once the worker can open the packets. */
		spi_key(s, &k);
		spi_filter_add(dp, &k, 1);
		if (bpf_map_update_elem(bpf_map__fd(dp->ingress->maps.XS_MAP_SPI), &k, &v, 0)) {
			ret = -errno;
			spi_filter_add(dp, &k, -1);
			return ret;
		}
		return 0;
	}
	for (uint32_t id = 0; id < XS_SPD_RULES_MAX; id++) {
		const struct xsd_policy *p = &dp->d->policies[id];

		if (p->used && p->req.dir == XS_DIR_OUT && p->req.action == XS_SPD_PROTECT &&
		    p->req.spi == s->sa->cfg.spi)
			xsd_dp_policy_bind(dp, id, s);
	}
	return 0;
}

void xsd_dp_sa_remove(struct xsd_dp *dp, struct xsd_sa *s)
{
	struct xsd_worker *w = &dp->workers[s->worker % dp->nworkers];

	if (s->dir == XS_DIR_IN) {
		struct xs_spi_key k;

		spi_key(s, &k);
		if (!bpf_map_delete_elem(bpf_map__fd(dp->ingress->maps.XS_MAP_SPI), &k))
			spi_filter_add(dp, &k, -1);
		pthread_mutex_lock(&w->lock);
		xs_sadb_del(w->in_db, s->sa->cfg.spi, s->sa->cfg.proto);
		pthread_mutex_unlock(&w->lock);
		return;
	}
	pthread_mutex_lock(&w->lock);
	for (uint32_t id = 0; id < XS_SPD_RULES_MAX; id++)
		if (w->out_sa[id] == s->sa)
			w->out_sa[id] = NULL;
	pthread_mutex_unlock(&w->lock);
}

void xsd_dp_policy_bind(struct xsd_dp *dp, uint32_t id, struct xsd_sa *s)
{
	if (id >= XS_SPD_RULES_MAX)
		return;
	xsd_dp_lock_all(dp);
	for (uint32_t i = 0; i < dp->nworkers; i++)
		dp->workers[i].out_sa[id] = NULL;
	if (s)
		dp->workers[s->worker % dp->nworkers].out_sa[id] = s->sa;
	xsd_dp_unlock_all(dp);
}
