/* SPDX-License-Identifier: GPL-2.0-only */
/* `xdpsec-ike metrics` (metrics.c). */
#ifndef IKE_METRICS_H
#define IKE_METRICS_H

#include "outbuf.h"

struct ike_agent;

/* Writes the agent's state and counters in the Prometheus text format,
 * ended by "# EOF". 0 or -errno (out's error). */
int ike_metrics_write(struct ike_agent *a, struct xs_outbuf *out);
/* --metrics-file PATH: writes the metrics to path now and every
 * XS_METRICS_FILE_INTERVAL_S (a timer of the agent). path must outlive
 * the agent. */
void ike_metrics_file_start(struct ike_agent *a, const char *path);

#endif
