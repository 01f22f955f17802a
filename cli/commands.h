/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Control commands: the words of one request (what follows `xdpsec` on a
 * command line) are parsed here, carried out through the state API
 * (state.h) and answered as text or JSON.
 */
#ifndef XSD_COMMANDS_H
#define XSD_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>

#include "outbuf.h"

struct xsd;

/* The global options in front of a command. */
struct xs_cmd_opts {
	const char *instance;   /* -i/--instance NAME; NULL if not given */
	bool json;              /* -j/-json/--json */
	bool help;              /* -h/--help */
	const char *batch;      /* -b/-batch/--batch FILE ("-": stdin); CLI only */
	bool force;             /* -force/--force: a batch goes on after errors */
};

/* Whether word is -j, -json or --json (allowed anywhere on the line). */
bool xs_cmd_is_json_opt(const char *word);

/*
 * Moves every -j/-json/--json that follows the command word in front of
 * it (keeping the order of the other words), as `ip` takes -j anywhere.
 * No value of any command starts with '-' but the stdin key word "-".
 */
void xs_cmd_hoist_opts(int argc, char **argv);

/*
 * Parses the global options at the start of argv (xs_cmd_hoist_opts first
 * for a -j later on the line). Returns the index of the
 * command word (argc if there is none), or -EINVAL with a one-line reason
 * in err (bad option, bad instance name).
 */
int xs_cmd_parse_global(int argc, char **argv, struct xs_cmd_opts *opts,
			char *err, size_t errlen);

/*
 * Runs one request. out is emptied first; on success it holds the output
 * (text ending in a newline, or one JSON document and a newline with
 * --json), on failure a one-line error without the newline, and nothing
 * in the daemon has changed. Returns 0 or -errno.
 *
 * The words may hold keys (sa add): the caller wipes them afterwards.
 */
int xs_cmd_run(struct xsd *d, int argc, char **argv, struct xs_outbuf *out);

/* The usage text: global options and every command. */
void xs_cmd_usage(struct xs_outbuf *out);

#endif
