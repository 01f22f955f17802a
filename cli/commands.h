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
	bool json;              /* -j/--json */
	bool help;              /* -h/--help */
};

/*
 * Parses the global options at the start of argv. Returns the index of the
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
