// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdpsec: the command line. `daemon` runs the daemon in this process;
 * every other command goes as-is to the instance's daemon over the control
 * socket (ctl.h), which runs it through xs_cmd_run() and answers with a
 * status and text.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "commands.h"
#include "ctl.h"
#include "daemon.h"
#include "keyarg.h"
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

/* Sends the words to the daemon and prints its answer; the exit status.
 * Key words given as @FILE or - are read here and never leave this
 * process but in the request (keyarg.h). in: where - keys come from. */
static int run_remote(const char *instance, int argc, char **argv, FILE *in)
{
	static const struct xs_ctl_client cl = {
		.prog = "xdpsec", .peer = "daemon", .start = "daemon",
	};
	char path[128], err[XS_ERR_MAX];
	struct xs_keyargs keys;
	int ret;

	ret = xs_keyargs_resolve(&keys, argc, argv, in, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "xdpsec: %s\n", err);
		return 1;
	}
	ret = xs_ctl_client_run(&cl, instance,
				xs_ctl_path(instance, path, sizeof(path)) ? NULL : path,
				argc, argv);
	xs_keyargs_free(&keys);
	return ret;
}

struct batch_ctx {
	const char *instance;
	bool json;
	FILE *keys_in;          /* NULL when the batch itself is stdin */
};

static int batch_line(int argc, char **argv, void *arg)
{
	const struct batch_ctx *b = arg;
	char *words[XS_CTL_ARGS_MAX + 1];
	int n = 0;

	/* The line's command after the options of the command line. */
	if (b->json)
		words[n++] = "-j";
	if (argc + n > XS_CTL_ARGS_MAX) {
		fprintf(stderr, "xdpsec: more than %d words\n", XS_CTL_ARGS_MAX);
		return 1;
	}
	memcpy(words + n, argv, (size_t)argc * sizeof(*argv));
	n += argc;
	words[n] = NULL;
	return run_remote(b->instance, n, words, b->keys_in);
}

static int run_batch(const char *instance, const struct xs_cmd_opts *opts)
{
	struct batch_ctx b = { .instance = instance, .json = opts->json };
	bool from_stdin = !strcmp(opts->batch, "-");
	FILE *f;
	int ret;

	f = from_stdin ? stdin : fopen(opts->batch, "re");
	if (!f) {
		fprintf(stderr, "xdpsec: -batch %s: %s\n", opts->batch, strerror(errno));
		return 1;
	}
	b.keys_in = from_stdin ? NULL : stdin;
	ret = xs_batch_run(f, opts->batch, opts->force, batch_line, &b);
	if (!from_stdin)
		fclose(f);
	return ret;
}

int main(int argc, char **argv)
{
	struct xs_cmd_opts opts;
	const char *instance;
	char err[XS_ERR_MAX];
	int idx, ret;

	if (xs_version_asked(argc, argv))
		return xs_version_print("xdpsec");
	/* -j anywhere, as ip takes it. */
	xs_cmd_hoist_opts(argc - 1, argv + 1);
	idx = xs_cmd_parse_global(argc - 1, argv + 1, &opts, err, sizeof(err));
	if (idx < 0) {
		fprintf(stderr, "xdpsec: %s (try: xdpsec --help)\n", err);
		return 1;
	}
	idx++;                  /* index into argv */
	instance = opts.instance ? opts.instance : XS_DEFAULT_INSTANCE;
	if (opts.help)
		return print_usage(stdout);
	if (opts.batch) {
		if (idx != argc) {
			fprintf(stderr, "xdpsec: -batch takes its commands from the file, "
				"not the command line\n");
			return 1;
		}
		return run_batch(instance, &opts);
	}
	if (opts.force) {
		fprintf(stderr, "xdpsec: -force goes with -batch\n");
		return 1;
	}
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
	return run_remote(instance, argc - 1, argv + 1, stdin);
}
