// SPDX-License-Identifier: GPL-2.0-only
/*
 * `xdpsec metrics`: every counter of the datapath daemon in the Prometheus
 * text format, read through the state API (state.h) like every command, (ctl/metrics_fmt.h), for a scraper or node_exporter's
 * textfile collector (docs/operations.md, "Metrics"):
 *
 *   xdpsec_daemon_*            version, start time, uptime
 *   xdpsec_sas, _policies      how many, by direction (and action)
 *   xdpsec_interface_*         attached devices, workers, XDP mode
 *   xdpsec_bpf_*_total         the BPF programs' verdict and reason
 *                              counters (xdp, tc, steer, inner)
 *   xdpsec_worker_*_total      the workers' own counters
 *   xdpsec_xsk_*_total         the kernel's AF_XDP drops
 *   xdpsec_engine_drops_total  ESP/AH drops by reason, all SAs
 *   xdpsec_sa_*                per SA: packets, bytes, drops by reason
 *   xdpsec_policy_*_total      per policy: packets, bytes
 *
 * Per-SA drop reasons are listed when nonzero, and policies up to
 * XSD_METRICS_POLICIES_MAX, so the answer stays within XS_OUTBUF_MAX at
 * the largest tables.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd_priv.h"
#include "daemon.h"
#include "metrics_fmt.h"
#include "version.h"

#define XSD_METRICS_POLICIES_MAX 8192u

struct rows {
	struct xs_outbuf *o;
	const char *group;         /* the counter group this pass prints */
	const char *metric;
	const char *label;         /* its label name ("counter", "reason") */
	bool bytes;                /* this pass prints bytes, not packets */
};

static int row_one(const struct xs_counter_row *r, void *arg)
{
	struct rows *w = arg;
	const char *labels[] = { "program", r->group, w->label, r->name, NULL };
	bool bpf = !strcmp(w->group, "bpf");

	if (bpf ? (strcmp(r->group, "xdp") && strcmp(r->group, "tc") &&
		   strcmp(r->group, "steer") && strcmp(r->group, "inner")) :
		  strcmp(r->group, w->group))
		return 0;
	xs_metric_u64(w->o, w->metric, bpf ? labels : labels + 2,
		      w->bytes ? r->bytes : r->packets);
	return 0;
}

static int counters(struct xsd *d, struct xs_outbuf *o)
{
	static const struct {
		const char *group, *metric, *label, *help;
		bool bytes;
	} fams[] = {
		{ "bpf", "xdpsec_bpf_packets_total", "counter",
		  "Frames the BPF programs counted, by program and verdict or reason "
		  "(include/xdpsec/abi.h).", false },
		{ "bpf", "xdpsec_bpf_bytes_total", "counter",
		  "Bytes (whole frames) of xdpsec_bpf_packets_total.", true },
		{ "worker", "xdpsec_worker_events_total", "counter",
		  "Worker counters summed over workers: packets, or events for "
		  "errors and writes.", false },
		{ "xsk", "xdpsec_xsk_descriptors_total", "counter",
		  "The kernel's AF_XDP statistics summed over sockets (out_: outside "
		  "interface, steer_: steer veth).", false },
		{ "engine", "xdpsec_engine_drops_total", "reason",
		  "ESP/AH packets the engine refused, by reason, all SAs.", false },
	};
	int ret = 0;

	for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]) && !ret; i++) {
		struct rows w = { o, fams[i].group, fams[i].metric, fams[i].label,
				  fams[i].bytes };

		xs_metric_family(o, fams[i].metric, "counter", fams[i].help);
		ret = xsd_counters_foreach(d, row_one, &w);
	}
	return ret;
}

/* ------------------------------------------------------------------ SAs */

enum sa_pass { SA_COUNT, SA_PACKETS, SA_BYTES, SA_DROPS, SA_EXPIRED };

struct sa_walk {
	struct xs_outbuf *o;
	enum sa_pass pass;
	uint64_t n[3];             /* per dir */
};

static int sa_one(const struct xs_sa_info *s, void *arg)
{
	struct sa_walk *w = arg;
	char spi[16], reqid[16];
	const char *dir = s->dir == XS_DIR_IN ? "in" : "out";
	const char *labels[] = { "spi", spi, "proto", s->cfg.proto == XS_PROTO_AH ? "ah" :
				 "esp", "dir", dir, "reqid", reqid, NULL, NULL, NULL };

	snprintf(spi, sizeof(spi), "0x%08" PRIx32, s->cfg.spi);
	snprintf(reqid, sizeof(reqid), "%" PRIu32, s->reqid);
	switch (w->pass) {
	case SA_COUNT:
		w->n[s->dir < 3 ? s->dir : 0]++;
		break;
	case SA_PACKETS:
		xs_metric_u64(w->o, "xdpsec_sa_packets_total", labels, s->stats.packets);
		break;
	case SA_BYTES:
		xs_metric_u64(w->o, "xdpsec_sa_bytes_total", labels, s->stats.bytes);
		break;
	case SA_DROPS:
		for (unsigned int r = 1; r < XS_DROP_MAX; r++) {
			if (!s->stats.drops[r])
				continue;
			labels[8] = "reason";
			labels[9] = xs_drop_name(r);
			xs_metric_u64(w->o, "xdpsec_sa_drops_total", labels, s->stats.drops[r]);
		}
		break;
	case SA_EXPIRED:
		labels[8] = "limit";
		labels[9] = "soft";
		xs_metric_u64(w->o, "xdpsec_sa_expired", labels, s->soft_expired);
		labels[9] = "hard";
		xs_metric_u64(w->o, "xdpsec_sa_expired", labels, s->hard_expired);
		break;
	}
	return 0;
}

static void sas(struct xsd *d, struct xs_outbuf *o)
{
	static const struct {
		enum sa_pass pass;
		const char *name, *type, *help;
	} fams[] = {
		{ SA_PACKETS, "xdpsec_sa_packets_total", "counter",
		  "Packets the SA sealed or opened." },
		{ SA_BYTES, "xdpsec_sa_bytes_total", "counter",
		  "Payload bytes of xdpsec_sa_packets_total." },
		{ SA_DROPS, "xdpsec_sa_drops_total", "counter",
		  "Packets of the SA the engine dropped, by reason (nonzero reasons)." },
		{ SA_EXPIRED, "xdpsec_sa_expired", "gauge",
		  "1 once the SA's soft or hard lifetime ran out." },
	};
	struct sa_walk w = { .o = o, .pass = SA_COUNT };
	const char *in[] = { "dir", "in", NULL }, *out[] = { "dir", "out", NULL };

	xsd_sa_foreach(d, sa_one, &w);
	xs_metric_family(o, "xdpsec_sas", "gauge", "Security associations, by direction.");
	xs_metric_u64(o, "xdpsec_sas", in, w.n[XS_DIR_IN]);
	xs_metric_u64(o, "xdpsec_sas", out, w.n[XS_DIR_OUT]);
	xs_metric_one(o, "xdpsec_sas_max", "gauge", "SAs the daemon can hold.", XSD_SA_MAX);
	for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
		xs_metric_family(o, fams[i].name, fams[i].type, fams[i].help);
		w.pass = fams[i].pass;
		xsd_sa_foreach(d, sa_one, &w);
	}
}

/* ------------------------------------------------------------- policies */

struct pol_walk {
	struct xs_outbuf *o;
	int pass;                  /* 0 count, 1 packets, 2 bytes */
	uint32_t n;
	uint64_t by[3][4];         /* [dir][action] */
};

static const char *action_name(uint8_t a)
{
	return a == XS_SPD_PROTECT ? "protect" : a == XS_SPD_DISCARD ? "discard" :
	       a == XS_SPD_BYPASS ? "bypass" : "none";
}

static int pol_one(const struct xs_policy_info *p, void *arg)
{
	struct pol_walk *w = arg;
	char id[16];
	const char *labels[] = { "id", id, "dir", p->req.dir == XS_DIR_IN ? "in" : "out",
				 "action", action_name(p->req.action), NULL };

	if (w->pass == 0) {
		w->by[p->req.dir < 3 ? p->req.dir : 0][p->req.action < 4 ? p->req.action : 0]++;
		return 0;
	}
	if (w->n++ >= XSD_METRICS_POLICIES_MAX)
		return 1;
	snprintf(id, sizeof(id), "%" PRIu32, p->req.id);
	xs_metric_u64(w->o, w->pass == 1 ? "xdpsec_policy_packets_total" :
		      "xdpsec_policy_bytes_total", labels, w->pass == 1 ? p->packets : p->bytes);
	return 0;
}

static void policies(struct xsd *d, struct xs_outbuf *o)
{
	struct pol_walk w = { .o = o };

	xsd_policy_foreach(d, pol_one, &w);
	xs_metric_family(o, "xdpsec_policies", "gauge",
			 "Security policies, by direction and action.");
	for (uint8_t dir = XS_DIR_IN; dir <= XS_DIR_OUT; dir++)
		for (uint8_t a = XS_SPD_BYPASS; a <= XS_SPD_PROTECT; a++) {
			const char *labels[] = { "dir", dir == XS_DIR_IN ? "in" : "out",
						 "action", action_name(a), NULL };

			xs_metric_u64(o, "xdpsec_policies", labels, w.by[dir][a]);
		}
	xs_metric_family(o, "xdpsec_policy_packets_total", "counter",
			 "Packets the BPF programs decided by the policy.");
	w.pass = 1;
	w.n = 0;
	xsd_policy_foreach(d, pol_one, &w);
	xs_metric_family(o, "xdpsec_policy_bytes_total", "counter",
			 "Bytes (whole frames) of xdpsec_policy_packets_total.");
	w.pass = 2;
	w.n = 0;
	xsd_policy_foreach(d, pol_one, &w);
}

/* ----------------------------------------------------------- interfaces */

struct if_walk {
	struct xs_outbuf *o;
	int pass;                  /* 0 attached, 1 workers, 2 rx queues, 3 dispatcher */
	uint32_t n;
};

static int if_one(const struct xs_iface_info *i, void *arg)
{
	struct if_walk *w = arg;
	const char *labels[] = { "interface", i->ifname, "mode",
				 i->mode == XS_ATTACH_GENERIC ? "generic" : "native", NULL };

	static const char *const names[] = { "xdpsec_interface_attached",
		"xdpsec_interface_workers", "xdpsec_interface_rx_queues",
		"xdpsec_interface_xdp_dispatcher" };
	const uint64_t v[] = { 1, i->workers, i->queues, i->xdp_dispatcher };

	w->n++;
	xs_metric_u64(w->o, names[w->pass], labels, v[w->pass]);
	return 0;
}

static void interfaces(struct xsd *d, struct xs_outbuf *o)
{
	static const char *const names[4][2] = {
		{ "xdpsec_interface_attached", "1 for each interface the datapath is attached to." },
		{ "xdpsec_interface_workers", "Worker threads of the interface." },
		{ "xdpsec_interface_rx_queues", "Receive queues of the interface." },
		{ "xdpsec_interface_xdp_dispatcher", "1 if the XDP program is in libxdp's "
		  "dispatcher (other XDP programs can run beside it), 0 if attached alone." },
	};

	for (int p = 0; p < 4; p++) {
		struct if_walk w = { o, p, 0 };

		xs_metric_family(o, names[p][0], "gauge", names[p][1]);
		xsd_iface_foreach(d, if_one, &w);
	}
}

static int metrics_write(struct xsd *d, struct xs_outbuf *o)
{
	const char *info[] = { "instance", xsd_instance(d), "version", xs_version(), NULL };
	double start = xs_metric_process_start();
	struct timespec now;
	int ret;

	clock_gettime(CLOCK_REALTIME, &now);
	xs_metric_family(o, "xdpsec_daemon_info", "gauge",
			 "The datapath daemon's instance and version (always 1).");
	xs_metric_u64(o, "xdpsec_daemon_info", info, 1);
	xs_metric_one(o, "xdpsec_daemon_start_time_seconds", "gauge",
		      "When the daemon started, seconds since the epoch.", start);
	xs_metric_one(o, "xdpsec_daemon_uptime_seconds", "gauge",
		      "Seconds since the daemon started.",
		      start ? (double)now.tv_sec + now.tv_nsec / 1e9 - start : 0);
	interfaces(d, o);
	sas(d, o);
	policies(d, o);
	ret = counters(d, o);
	if (ret < 0)
		return ret;
	xs_metric_eof(o);
	return o->err;
}

int do_metrics(struct cmd_ctx *c, int argc, char **argv)
{
	int ret;

	if (cmd_no_words(c, "metrics", argc, argv))
		return -EINVAL;
	ret = metrics_write(c->d, c->out);
	if (ret)
		return cmd_fail(c, ret, "reading metrics failed: %s", strerror(-ret));
	return 0;
}
