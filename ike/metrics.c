// SPDX-License-Identifier: GPL-2.0-only
/*
 * `xdpsec-ike metrics`: the IKE agent in the Prometheus text format
 * (ctl/metrics_fmt.h; docs/operations.md, "Metrics"):
 *
 *   xdpsec_ike_agent_*            version, start time, uptime
 *   xdpsec_ike_sas{state}         IKE SAs by state (ike_sa_foreach)
 *   xdpsec_ike_child_sas          Child SAs of those IKE SAs
 *   xdpsec_ike_half_open_sas      responder IKE SAs not yet authenticated
 *   xdpsec_ike_messages_total     IKE messages received and sent
 *   xdpsec_ike_retransmits_total
 *   xdpsec_ike_events_total       every other agent counter: drops,
 *                                 authentication failures by cause,
 *                                 fragments, cookies, acquires, ...
 *   xdpsec_ike_datagrams_total    the sockets' counters
 *   xdpsec_ike_datapath_*         requests to the datapath daemon, failures,
 *                                 SAs and policies installed
 *
 * Shell side: reads the state machine only through ike_sa_foreach().
 * Never a key, PSK or identity: SAs are counted, not named.
 */
#include <string.h>
#include <time.h>

#include "metrics.h"
#include "metrics_fmt.h"
#include "shell.h"
#include "version.h"

static const char *const counter_names[IKE_AC_MAX] = {
#define IKE_AC_NAME(n, s) [IKE_AC_##n] = s,
	IKE_AGENT_COUNTERS(IKE_AC_NAME)
#undef IKE_AC_NAME
};

/* The states ike_sa_info.state takes (agent.h), all listed even at 0. */
static const char *const sa_states[] = { "connecting", "established", "rekeying",
					 "deleting" };
#define N_STATES (sizeof(sa_states) / sizeof(sa_states[0]))

struct sa_count {
	uint64_t by_state[N_STATES + 1];   /* last: any other */
	uint64_t children;
};

static int sa_one(const struct ike_sa_info *s, void *arg)
{
	struct sa_count *n = arg;
	size_t i;

	for (i = 0; i < N_STATES && strcmp(s->state, sa_states[i]); i++)
		;
	n->by_state[i]++;
	n->children += s->n_children;
	return 0;
}

static void sas(struct ike_agent *a, struct xs_outbuf *o)
{
	struct sa_count n;

	memset(&n, 0, sizeof(n));
	ike_sa_foreach(a, sa_one, &n);
	xs_metric_family(o, "xdpsec_ike_sas", "gauge", "IKE SAs, by state.");
	for (size_t i = 0; i <= N_STATES; i++) {
		const char *labels[] = { "state", i < N_STATES ? sa_states[i] : "other", NULL };

		xs_metric_u64(o, "xdpsec_ike_sas", labels, n.by_state[i]);
	}
	xs_metric_one(o, "xdpsec_ike_child_sas", "gauge", "Child SAs of the IKE SAs.",
		      (double)n.children);
	xs_metric_one(o, "xdpsec_ike_half_open_sas", "gauge",
		      "Responder IKE SAs not yet authenticated.", a->half_open);
}

static void counters(struct ike_agent *a, struct xs_outbuf *o)
{
	const char *rx[] = { "direction", "rx", NULL }, *tx[] = { "direction", "tx", NULL };

	xs_metric_family(o, "xdpsec_ike_messages_total", "counter",
			 "IKE messages received and sent (retransmissions included).");
	xs_metric_u64(o, "xdpsec_ike_messages_total", rx, a->counters[IKE_AC_RX]);
	xs_metric_u64(o, "xdpsec_ike_messages_total", tx, a->counters[IKE_AC_TX]);
	xs_metric_family(o, "xdpsec_ike_retransmits_total", "counter",
			 "Requests sent again for want of a response (RFC 7296 §2.1).");
	xs_metric_u64(o, "xdpsec_ike_retransmits_total", NULL,
		      a->counters[IKE_AC_RETRANSMIT]);
	xs_metric_family(o, "xdpsec_ike_events_total", "counter",
			 "The agent's other counters: dropped input, authentication failures "
			 "by cause, fragments, cookies, acquires.");
	for (int i = 0; i < IKE_AC_MAX; i++) {
		const char *labels[] = { "event", counter_names[i], NULL };

		if (i == IKE_AC_RX || i == IKE_AC_TX || i == IKE_AC_RETRANSMIT)
			continue;
		xs_metric_u64(o, "xdpsec_ike_events_total", labels, a->counters[i]);
	}
}

static void net(struct xs_outbuf *o)
{
	struct ike_net_stats ns;
	struct ike_install_stats is;

	ike_net_stats_get(&ns);
	ike_install_stats_get(&is);
	{
		const struct {
			const char *name;
			uint64_t v;
		} rows[] = {
			{ "rx", ns.rx_datagrams }, { "rx_ike", ns.rx_ike },
			{ "rx_keepalive", ns.rx_keepalive }, { "rx_esp", ns.rx_esp },
			{ "rx_runt", ns.rx_runt }, { "rx_truncated", ns.rx_truncated },
			{ "rx_error", ns.rx_errors }, { "tx_ike", ns.tx_ike },
			{ "tx_keepalive", ns.tx_keepalive }, { "tx_error", ns.tx_errors },
		};

		xs_metric_family(o, "xdpsec_ike_datagrams_total", "counter",
				 "UDP datagrams on the IKE sockets (ports 500 and 4500), by kind.");
		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			const char *labels[] = { "kind", rows[i].name, NULL };

			xs_metric_u64(o, "xdpsec_ike_datagrams_total", labels, rows[i].v);
		}
	}
	xs_metric_one(o, "xdpsec_ike_datapath_requests_total", "counter",
		      "Requests to the datapath daemon (SA and policy installs and removals).",
		      (double)is.commands);
	xs_metric_one(o, "xdpsec_ike_datapath_failures_total", "counter",
		      "Requests to the datapath daemon that failed.", (double)is.failures);
	xs_metric_one(o, "xdpsec_ike_datapath_sas", "gauge",
		      "SAs the agent has installed in the datapath.", is.sas);
	xs_metric_one(o, "xdpsec_ike_datapath_policies", "gauge",
		      "Policies the agent has installed in the datapath.", is.policies);
}

int ike_metrics_write(struct ike_agent *a, struct xs_outbuf *o)
{
	const char *info[] = { "instance", a->instance, "version", xs_version(), NULL };
	double start = xs_metric_process_start();
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	xs_metric_family(o, "xdpsec_ike_agent_info", "gauge",
			 "The IKE agent's instance and version (always 1).");
	xs_metric_u64(o, "xdpsec_ike_agent_info", info, 1);
	xs_metric_one(o, "xdpsec_ike_agent_start_time_seconds", "gauge",
		      "When the agent started, seconds since the epoch.", start);
	xs_metric_one(o, "xdpsec_ike_agent_uptime_seconds", "gauge",
		      "Seconds since the agent started.",
		      start ? (double)now.tv_sec + now.tv_nsec / 1e9 - start : 0);
	sas(a, o);
	counters(a, o);
	net(o);
	xs_metric_eof(o);
	return o->err;
}

static struct ike_timer file_timer;
static const char *file_path;

static void file_write(struct ike_agent *a, void *arg)
{
	struct xs_outbuf o;
	int ret;

	(void)arg;
	ike_timer_arm(a, &file_timer, XS_METRICS_FILE_INTERVAL_S * 1000u, file_write, NULL);
	xs_outbuf_init(&o);
	ret = ike_metrics_write(a, &o);
	if (!ret)
		ret = xs_metric_file_write(file_path, xs_outbuf_text(&o));
	if (ret)
		ike_shell_log(IKE_LOG_WARN, "cannot write metrics to %s: %s", file_path,
			      strerror(-ret));
	xs_outbuf_free(&o);
}

void ike_metrics_file_start(struct ike_agent *a, const char *path)
{
	file_path = path;
	file_write(a, NULL);
}
