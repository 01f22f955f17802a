// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdp_ingress on the outside interface, through libxdp's multi-program
 * dispatcher (the xdp-tools convention), so other XDP programs run beside
 * it: `xdp-loader load` on the same device adds its program to the chain,
 * `xdp-loader status` lists both. xdp_ingress runs at XSD_XDP_RUN_PRIO
 * (lower runs first) and returns XDP_PASS for what is not its own, which
 * continues the chain; its drops and AF_XDP redirects end it.
 *
 * libxdp loads the program (as an extension of the dispatcher) from the
 * opened, not yet loaded skeleton object, reusing the pinned maps. The
 * dispatcher is attached through netlink and its links are pinned under
 * libxdp's bpffs directory, so the program stays when the daemon dies
 * (fail-closed, like the by-hand attach before it). LIBXDP_SKIP_DISPATCHER=1
 * in the daemon's environment makes libxdp attach the program alone, the
 * old way (docs/operations.md).
 *
 * A program on the device that is neither libxdp's dispatcher nor an
 * earlier xdpsec's xdp_ingress belongs to someone else: attach refuses to
 * replace it unless asked to (force).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <xdp/libxdp.h>

#include "dp.h"
#include "skel.h"

#define XSD_XDP_RUN_PRIO 20
#define XSD_XDP_PROG_NAME "xs_xdp_ingress"
#define XSD_XDP_OURS_MAX 8	/* earlier xdpsec programs one dispatcher may hold */

/* libxdp's last warning, for the error a failed attach reports. */
static char libxdp_msg[160];

static int libxdp_log(enum libxdp_print_level level, const char *fmt, va_list args)
{
	char *nl;

	if (level == LIBXDP_DEBUG)
		return 0;
	vsnprintf(libxdp_msg, sizeof(libxdp_msg), fmt, args);
	nl = strchr(libxdp_msg, '\n');
	if (nl)
		*nl = '\0';
	return 0;
}

static const char *mode_name(enum xdp_attach_mode m)
{
	switch (m) {
	case XDP_MODE_NATIVE:
		return "native";
	case XDP_MODE_SKB:
		return "generic";
	case XDP_MODE_HW:
		return "offload";
	default:
		return "unknown";
	}
}

static bool is_ours(const struct xdp_program *p)
{
	return p && !strcmp(xdp_program__name(p), XSD_XDP_PROG_NAME);
}

/* The device's XDP state; NULL if none (or unreadable: errno). */
static struct xdp_multiprog *multiprog_get(uint32_t ifindex)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex((int)ifindex);

	if (libxdp_get_error(mp))
		return NULL;
	return mp;
}

static __u32 legacy_flags(enum xdp_attach_mode m)
{
	return m == XDP_MODE_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
}

int xsd_dp_xdp_check(uint32_t ifindex, const char *ifname, bool force, char *err,
		     size_t errlen)
{
	struct xdp_multiprog *mp = multiprog_get(ifindex);
	struct xdp_program *main_prog;
	int ret = 0;

	if (!mp || !xdp_multiprog__is_legacy(mp) || force)
		goto out;
	main_prog = xdp_multiprog__main_prog(mp);
	if (!main_prog || is_ours(main_prog))
		goto out;
	snprintf(err, errlen, "%s has XDP program %s (id %u, %s mode) attached without "
		 "libxdp's dispatcher; attach would replace it: remove it, load it with "
		 "xdp-loader, or attach with force", ifname, xdp_program__name(main_prog),
		 xdp_program__id(main_prog), mode_name(xdp_multiprog__attach_mode(mp)));
	ret = -EEXIST;
out:
	xdp_multiprog__close(mp);
	return ret;
}

/* Replaces an earlier xdpsec's program attached alone (no dispatcher:
 * LIBXDP_SKIP_DISPATCHER, or a kernel libxdp fell back on) in one netlink
 * call, as before libxdp: no moment without a program (fail-closed). It
 * stays alone; detach and attach again to move into a dispatcher. */
static int legacy_replace(struct xsd_dp *dp, enum xdp_attach_mode mode, char *err,
			  size_t errlen)
{
	int ret = 0;

	if (bpf_program__fd(dp->ingress->progs.xs_xdp_ingress) < 0)
		ret = xdp_ingress_bpf__load(dp->ingress);
	if (!ret)
		ret = bpf_xdp_attach((int)dp->ifindex,
				     bpf_program__fd(dp->ingress->progs.xs_xdp_ingress),
				     legacy_flags(mode), NULL);
	if (ret)
		snprintf(err, errlen, "cannot attach XDP to %s (%s mode): %s", dp->ifname,
			 mode_name(mode), strerror(-ret));
	return ret;
}

/*
 * What stands in the way of the dispatcher: a program attached alone
 * (ours from an older xdpsec or in the other mode, or a foreign one
 * check() let through with force), or a dispatcher in the other mode
 * that holds only earlier xdpsec programs. *replaced: ours, same mode,
 * replaced in place.
 */
static int clear_way(struct xsd_dp *dp, enum xdp_attach_mode want, bool *replaced,
		     char *err, size_t errlen)
{
	struct xdp_multiprog *mp = multiprog_get(dp->ifindex);
	enum xdp_attach_mode have;
	struct xdp_program *p = NULL;
	bool only_ours = true;
	int ret = 0;

	*replaced = false;
	if (!mp)
		return 0;
	have = xdp_multiprog__attach_mode(mp);
	if (xdp_multiprog__is_legacy(mp)) {
		if (have == want && is_ours(xdp_multiprog__main_prog(mp))) {
			ret = legacy_replace(dp, want, err, errlen);
			*replaced = !ret;
			goto out;
		}
		ret = bpf_xdp_detach((int)dp->ifindex, legacy_flags(have), NULL);
		if (ret)
			snprintf(err, errlen, "cannot detach the XDP program on %s: %s",
				 dp->ifname, strerror(-ret));
		goto out;
	}
	if (have == want)
		goto out;
	while ((p = xdp_multiprog__next_prog(p, mp)))
		only_ours &= is_ours(p);
	if (only_ours) {
		ret = xdp_multiprog__detach(mp);
		if (ret)
			snprintf(err, errlen, "cannot detach the XDP dispatcher on %s: %s",
				 dp->ifname, strerror(-ret));
	} else {
		snprintf(err, errlen, "%s has other XDP programs in %s mode; attach xdpsec in "
			 "the same mode", dp->ifname, mode_name(have));
		ret = -EBUSY;
	}
out:
	xdp_multiprog__close(mp);
	return ret;
}

/* Ids of the xdpsec programs in the device's dispatcher (an earlier
 * daemon's), so they leave once the new one is in. */
static uint32_t ours_list(uint32_t ifindex, uint32_t ids[XSD_XDP_OURS_MAX])
{
	struct xdp_multiprog *mp = multiprog_get(ifindex);
	struct xdp_program *p = NULL;
	uint32_t n = 0;

	if (!mp)
		return 0;
	if (!xdp_multiprog__is_legacy(mp))
		while ((p = xdp_multiprog__next_prog(p, mp)) && n < XSD_XDP_OURS_MAX)
			if (is_ours(p))
				ids[n++] = xdp_program__id(p);
	xdp_multiprog__close(mp);
	return n;
}

/* Removes the xdpsec programs with the given ids (all of them if ids is
 * NULL) from the device's dispatcher; libxdp removes the dispatcher
 * once it is empty. */
static int ours_detach(uint32_t ifindex, const uint32_t *ids, uint32_t nids)
{
	struct xdp_multiprog *mp = multiprog_get(ifindex);
	struct xdp_program *progs[XSD_XDP_OURS_MAX], *p = NULL;
	size_t n = 0;
	int ret = 0;

	if (!mp)
		return 0;
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		if (is_ours(p) && !ids)
			ret = bpf_xdp_detach((int)ifindex,
					     legacy_flags(xdp_multiprog__attach_mode(mp)), NULL);
		goto out;
	}
	while ((p = xdp_multiprog__next_prog(p, mp)) && n < XSD_XDP_OURS_MAX) {
		bool pick = is_ours(p);

		if (pick && ids) {
			pick = false;
			for (uint32_t i = 0; i < nids; i++)
				pick |= ids[i] == xdp_program__id(p);
		}
		if (pick)
			progs[n++] = p;
	}
	if (n)
		ret = xdp_program__detach_multi(progs, n, (int)ifindex, XDP_MODE_UNSPEC, 0);
out:
	xdp_multiprog__close(mp);
	return ret;
}

static int attach_mode(struct xsd_dp *dp, enum xdp_attach_mode mode, bool *replaced,
		       char *err, size_t errlen)
{
	struct xdp_program *prog;
	int ret;

	ret = clear_way(dp, mode, replaced, err, errlen);
	if (ret || *replaced)
		return ret;
	/* A second try (auto: native failed) finds the object loaded as an
	 * extension of the first dispatcher; the kernel re-attaches it. */
	if (bpf_program__fd(dp->ingress->progs.xs_xdp_ingress) >= 0)
		prog = xdp_program__from_fd(bpf_program__fd(dp->ingress->progs.xs_xdp_ingress));
	else
		prog = xdp_program__from_bpf_obj(dp->ingress->obj, "xdp");
	ret = (int)libxdp_get_error(prog);
	if (ret) {
		snprintf(err, errlen, "cannot read xdp_ingress for libxdp: %s", strerror(-ret));
		return ret;
	}
	xdp_program__set_run_prio(prog, XSD_XDP_RUN_PRIO);
	libxdp_msg[0] = '\0';
	ret = xdp_program__attach(prog, (int)dp->ifindex, mode, 0);
	if (ret)
		snprintf(err, errlen, "cannot attach XDP to %s (%s mode): %s%s%s", dp->ifname,
			 mode_name(mode), strerror(-ret), libxdp_msg[0] ? ": " : "", libxdp_msg);
	/* The pinned dispatcher links hold the program now. */
	xdp_program__close(prog);
	return ret;
}

int xsd_dp_xdp_attach(struct xsd_dp *dp, uint8_t req_mode, char *warn, size_t warnlen,
		      char *err, size_t errlen)
{
	uint32_t old[XSD_XDP_OURS_MAX], nold;
	bool replaced;
	int ret;

	libxdp_set_print(libxdp_log);
	nold = ours_list(dp->ifindex, old);
	dp->mode = req_mode == XS_ATTACH_GENERIC ? XS_ATTACH_GENERIC : XS_ATTACH_NATIVE;
	ret = attach_mode(dp, dp->mode == XS_ATTACH_GENERIC ? XDP_MODE_SKB : XDP_MODE_NATIVE,
			  &replaced, err, errlen);
	if (ret && req_mode == XS_ATTACH_AUTO) {
		size_t used = strlen(warn);

		snprintf(warn + used, warnlen - used, "warning: native XDP failed on %s (%s), "
			 "using generic\n", dp->ifname, strerror(-ret));
		dp->mode = XS_ATTACH_GENERIC;
		nold = ours_list(dp->ifindex, old);
		ret = attach_mode(dp, XDP_MODE_SKB, &replaced, err, errlen);
	}
	if (ret)
		return ret;
	if (!xsd_dp_xdp_dispatched(dp->ifindex)) {
		size_t used = strlen(warn);

		snprintf(warn + used, warnlen - used, "xdp_ingress is attached to %s alone, not "
			 "through libxdp's dispatcher (%s); other XDP programs cannot load "
			 "beside it\n", dp->ifname,
			 replaced ? "it replaced an earlier xdpsec attached alone" :
			 secure_getenv("LIBXDP_SKIP_DISPATCHER") ? "LIBXDP_SKIP_DISPATCHER is set" :
			 "libxdp found the kernel cannot run it");
	}
	/* The new program is in the chain: an earlier daemon's may go. Both
	 * read the same pinned maps, so no packet meets neither. */
	if (nold && ours_detach(dp->ifindex, old, nold)) {
		size_t used = strlen(warn);

		snprintf(warn + used, warnlen - used, "an earlier xdpsec XDP program stays in "
			 "the dispatcher of %s\n", dp->ifname);
	}
	return 0;
}

bool xsd_dp_xdp_dispatched(uint32_t ifindex)
{
	struct xdp_multiprog *mp = multiprog_get(ifindex);
	bool yes = mp && !xdp_multiprog__is_legacy(mp);

	xdp_multiprog__close(mp);
	return yes;
}

void xsd_dp_xdp_detach(struct xsd_dp *dp)
{
	libxdp_set_print(libxdp_log);
	ours_detach(dp->ifindex, NULL, 0);
}
