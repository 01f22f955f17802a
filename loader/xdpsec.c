// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdpsec: the command line. `daemon` runs the daemon in this process;
 * every other command goes as-is to the instance's daemon over the control
 * socket (ctl.h), which runs it through xs_cmd_run() and answers with a
 * status and text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "ctl.h"
#include "daemon.h"
#include "parse.h"

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
	char path[128], *text = NULL;
	size_t len = 0;
	int fd, ret, status = 0;

	fd = xs_ctl_connect(instance);
	if (fd == -ENOENT || fd == -ECONNREFUSED) {
		fprintf(stderr, "xdpsec: no daemon for instance %s "
			"(start it with: xdpsec -i %s daemon)\n", instance, instance);
		return 1;
	}
	if (fd < 0) {
		if (xs_ctl_path(instance, path, sizeof(path)))
			snprintf(path, sizeof(path), "the control socket");
		fprintf(stderr, "xdpsec: cannot connect to %s: %s%s\n", path,
			strerror(-fd), fd == -EACCES ? " (xdpsec needs root)" : "");
		return 1;
	}
	ret = xs_ctl_send_req(fd, argc, argv);
	if (!ret)
		ret = xs_ctl_recv_reply(fd, &status, &text, &len);
	close(fd);
	if (ret == -E2BIG) {
		fprintf(stderr, "xdpsec: request too long (at most %d words, %u bytes)\n",
			XS_CTL_ARGS_MAX, XS_CTL_REQ_MAX);
		return 1;
	}
	if (ret) {
		fprintf(stderr, "xdpsec: no answer from the daemon of instance %s: %s\n",
			instance, strerror(-ret));
		return 1;
	}
	if (status) {
		/* The error is one line; drop a trailing newline if any. */
		while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
			text[--len] = '\0';
		fprintf(stderr, "xdpsec: %s\n", len ? text : strerror(-status));
		free(text);
		return 1;
	}
	fwrite(text, 1, len, stdout);
	free(text);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "xdpsec: writing the output: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct xs_cmd_opts opts;
	const char *instance;
	char err[XS_ERR_MAX];
	int idx, ret;

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
