/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Prometheus text exposition format (version 0.0.4, what Prometheus
 * scrapes and node_exporter's textfile collector reads), ended by the
 * OpenMetrics "# EOF" line, which 0.0.4 parsers take as a comment. Both
 * daemons' `metrics` commands write through this.
 *
 * Conventions (https://prometheus.io/docs/practices/naming/): names start
 * with xdpsec_, units are suffixes (_bytes, _seconds), counters end in
 * _total; every family has HELP and TYPE before its samples, and all its
 * samples follow at once.
 */
#ifndef XS_METRICS_FMT_H
#define XS_METRICS_FMT_H

#include <stdint.h>

#include "outbuf.h"

/* HELP and TYPE lines of a family; type "counter" or "gauge". */
void xs_metric_family(struct xs_outbuf *o, const char *name, const char *type,
		      const char *help);
/* One sample. labels: name, value, name, value, ..., NULL (NULL or an
 * empty list: none). Label values are escaped (\\, \", \n). */
void xs_metric_u64(struct xs_outbuf *o, const char *name, const char *const *labels,
		   uint64_t v);
void xs_metric_double(struct xs_outbuf *o, const char *name, const char *const *labels,
		      double v);
/* A family with one unlabelled sample. */
void xs_metric_one(struct xs_outbuf *o, const char *name, const char *type,
		   const char *help, double v);
void xs_metric_eof(struct xs_outbuf *o);

/* --metrics-file PATH: how often a daemon rewrites it. */
#define XS_METRICS_FILE_INTERVAL_S 15
/* in made absolute against the working directory (daemons leave theirs
 * for /) into out. 0 or -errno. */
int xs_metric_file_path(const char *in, char *out, size_t len);
/* Writes text to path atomically (path.tmp, then rename), mode 0644, for
 * node_exporter's textfile collector. 0 or -errno. */
int xs_metric_file_write(const char *path, const char *text);
/* Seconds since the epoch at which this process started (/proc), 0 if
 * unknown. */
double xs_metric_process_start(void);

#endif
