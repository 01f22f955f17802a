// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdpsec: the command line. `daemon` runs the daemon in this process;
 * every other command goes as-is to the instance's daemon over the control
 * socket (ctl.h), which runs it through xs_cmd_run() and answers with a
 * status and text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "ctl.h"
#include "daemon.h"
#include "parse.h"
#include "version.h"

#define XS_DEFAULT_INSTANCE "default"

static int print_usage(FILE *f)
{
	struct xs_outbuf out;

	xs_outbuf_init(&out);
	xs_cmd_usage(&out);
	fputs(xs_outbuf_text(&out), f);
	xs_outbuf_free(&out);
	return 0;
}

/* Sends the words to the daemon and prints its answer; the exit status. */
static int run_remote(const char *instance, int argc, char **argv)
{
	static const struct xs_ctl_client cl = {
		.prog = "xdpsec", .peer = "daemon", .start = "daemon",
	};
	char path[128];

	return xs_ctl_client_run(&cl, instance,
				 xs_ctl_path(instance, path, sizeof(path)) ? NULL : path,
				 argc, argv);
}

int main(int argc, char **argv)
{
	struct xs_cmd_opts opts;
	const char *instance;
	char err[XS_ERR_MAX];
	int idx, ret;

	if (xs_version_asked(argc, argv))
		return xs_version_print("xdpsec");
	idx = xs_cmd_parse_global(argc - 1, argv + 1, &opts, err, sizeof(err));
	if (idx < 0) {
		fprintf(stderr, "xdpsec: %s (try: xdpsec --help)\n", err);
		return 1;
	}
	idx++;                  /* index into argv */
	instance = opts.instance ? opts.instance : XS_DEFAULT_INSTANCE;
	if (opts.help)
		return print_usage(stdout);
	if (idx == argc) {
		print_usage(stderr);
		return 1;
	}
	if (!strcmp(argv[idx], "daemon")) {
		ret = xsd_main(instance, argc - idx - 1, argv + idx + 1);
		return ret < 0 ? 1 : ret;
	}
	/* Help works without a daemon. */
	if (!strcmp(argv[idx], "help") && idx + 1 == argc)
		return print_usage(stdout);
	return run_remote(instance, argc - 1, argv + 1);
}
