// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's life: the control server (ctl/server.h), the event loop, time
 * lifetimes, and shutdown. On exit (signal or crash) the BPF programs stay
 * attached with their pinned maps, so protected traffic is dropped until a
 * daemon is back (fail-closed).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "ctl.h"
#include "dp.h"
#include "harden.h"
#include "metrics_fmt.h"
#include "monitor.h"
#include "notify.h"
#include "outbuf.h"
#include "parse.h"
#include "pins.h"
#include "server.h"

static volatile sig_atomic_t got_signal;
static const char *metrics_file;	/* --metrics-file, absolute */
static char metrics_path[PATH_MAX];

/* `metrics` (cli/cmd_metrics.c) into the file, for node_exporter. */
static void metrics_file_write(struct xsd *d)
{
	char word[] = "metrics", *argv[] = { word };
	struct xs_outbuf out;
	int ret;

	xs_outbuf_init(&out);
	ret = xs_cmd_run(d, 1, argv, &out);
	if (!ret)
		ret = xs_metric_file_write(metrics_file, xs_outbuf_text(&out));
	if (ret)
		syslog(LOG_WARNING, "instance %s: cannot write metrics to %s: %s", d->instance,
		       metrics_file, strerror(-ret));
	xs_outbuf_free(&out);
}

static void on_signal(int sig)
{
	got_signal = sig;
}

/* One request from the control server (ctl/server.h): the CLI's words. */
static void ctl_request(void *arg, struct xs_ctl_srv_client *c, int argc, char **argv)
{
	struct xsd *d = arg;
	struct xs_cmd_opts o;
	struct xs_outbuf out;
	char err[128];
	int status, idx;

	/* `monitor` streams events (monitor.h) on this connection. */
	idx = xs_cmd_parse_global(argc, argv, &o, err, sizeof(err));
	if (idx >= 0 && idx + 1 == argc && !strcmp(argv[idx], "monitor")) {
		if (xsd_mon_subscribe(d, c, o.json))
			xs_ctl_srv_reply(c, -EIO, "cannot subscribe", 16);
		return;
	}
	xs_outbuf_init(&out);
	status = xs_cmd_run(d, argc, argv, &out);
	xs_ctl_srv_reply(c, status, xs_outbuf_text(&out), strlen(xs_outbuf_text(&out)));
	xs_outbuf_free(&out);
	/* the datapath may have been attached or changed */
	xsd_dp_ike_autodetect(d->dp);
}

static int ctl_listen(struct xsd *d, char *err, size_t errlen)
{
	char who[96];

	snprintf(who, sizeof(who), "instance %s", d->instance);
	d->srv = xs_ctl_srv_open(d->instance, "", who, ctl_request, d, err, errlen);
	return d->srv ? 0 : -errno;
}

static void xsd_free(struct xsd *d)
{
	/* Programs and pins stay: fail-closed until the next daemon. */
	if (d->dp)
		xsd_dp_detach(d->dp, true);
	for (uint32_t i = 0; i < d->nsas; i++)
		xs_sa_free(d->sas[i].sa);
	xsd_state_close(d);
	/* Removes the socket and lock files only if the lock was ours. */
	xs_ctl_srv_close(d->srv);
	free(d);
}

static void run(struct xsd *d)
{
	struct pollfd pfd[3] = { { .fd = xs_ctl_srv_fd(d->srv), .events = POLLIN },
				 { .events = POLLIN }, { .events = POLLIN } };
	time_t last = 0;

	while (!got_signal) {
		int timeout = xs_ctl_srv_timeout_ms(d->srv);

		/* The datapath's address watch (IKE bypass) and its events
		 * (acquires, audit records), docs/bpf.md. */
		pfd[1].fd = xsd_dp_addr_fd(d->dp);
		pfd[2].fd = xsd_dp_acquire_fd(d->dp);
		if (timeout < 0 || timeout > 1000)
			timeout = 1000;
		if (poll(pfd, 3, timeout) > 0) {
			if (pfd[1].revents & POLLIN)
				xsd_dp_addr_event(d->dp);
			if (pfd[2].revents & POLLIN)
				xsd_dp_acquire_read(d->dp, xsd_mon_acquire, d);
		}
		/* Many clients at once, none able to hold the others up. */
		xs_ctl_srv_work(d->srv);
		if (time(NULL) != last) {
			last = time(NULL);
			xsd_sa_expire(d);
			xsd_state_sync(d);
			xsd_dp_ike_autodetect(d->dp);
			if (metrics_file && last % XS_METRICS_FILE_INTERVAL_S == 0)
				metrics_file_write(d);
		}
	}
	syslog(LOG_INFO, "instance %s: signal %d, exiting", d->instance, (int)got_signal);
}

/* The --log file, absolute (the daemon leaves its working directory);
 * SIGHUP reopens it, for log rotation. */
static char log_path[PATH_MAX];

static void reopen_log(void)
{
	int fd;

	if (!log_path[0])
		return;
	fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
}

/* SIGHUP: reopen the log (open, dup2, close are async-signal-safe). The
 * daemon has no configuration file: SAs and policies come over the
 * control socket, so there is nothing else to reload. */
static void on_hup(int sig)
{
	int saved = errno;

	(void)sig;
	reopen_log();
	errno = saved;
}

/* An absolute path for a --log given relative to the starting directory. */
static int log_path_set(const char *log)
{
	char cwd[PATH_MAX];

	if (log[0] == '/')
		return snprintf(log_path, sizeof(log_path), "%s", log) <
		       (int)sizeof(log_path) ? 0 : -ENAMETOOLONG;
	if (!getcwd(cwd, sizeof(cwd)))
		return -errno;
	return snprintf(log_path, sizeof(log_path), "%s/%s", cwd, log) <
	       (int)sizeof(log_path) ? 0 : -ENAMETOOLONG;
}

int xsd_main(const char *instance, int argc, char **argv)
{
	static char pin_dir[PATH_MAX];
	bool foreground = false;
	const char *log = NULL;
	char err[512] = "";
	int pipefd[2] = { -1, -1 };
	struct sigaction sa;
	struct xsd *d;

	/* Keys will live here: no core dumps, no ptrace from the unprivileged;
	 * nothing inherited from whoever started us (harden.h). */
	xs_harden_secrets();
	xs_harden_close_fds(NULL, 0);
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--foreground")) {
			foreground = true;
		} else if (!strcmp(argv[i], "--log") && i + 1 < argc) {
			log = argv[++i];
		} else if (!strcmp(argv[i], "--metrics-file") && i + 1 < argc) {
			if (xs_metric_file_path(argv[++i], metrics_path, sizeof(metrics_path))) {
				fprintf(stderr, "xdpsec: daemon: bad --metrics-file path\n");
				return 1;
			}
			metrics_file = metrics_path;
		} else {
			char q[XS_QUOTE_MAX];

			fprintf(stderr, "xdpsec: daemon: unknown option '%s'\n",
				xs_quote(argv[i], q));
			return 1;
		}
	}
	if (xs_ctl_instance_ok(instance)) {
		fprintf(stderr, "xdpsec: bad instance name %s\n", instance);
		return 1;
	}
	if (log && log_path_set(log)) {
		fprintf(stderr, "xdpsec: daemon: --log %s: path too long\n", log);
		return 1;
	}
	/* Before anything else can fail later: the same pins however we were
	 * started (pins.h). */
	if (xsd_pin_dir_find(instance, pin_dir, sizeof(pin_dir), err, sizeof(err))) {
		fprintf(stderr, "xdpsec: %s\n", err);
		return 1;
	}
	if (!foreground) {
		pid_t pid;
		char c = 1;

		if (pipe2(pipefd, O_CLOEXEC))
			return 1;
		pid = fork();
		if (pid < 0)
			return 1;
		if (pid > 0) {
			/* Parent: wait until the child listens (or says why not). */
			char msg[256] = "";
			ssize_t n;

			close(pipefd[1]);
			n = read(pipefd[0], &c, 1);
			if (n == 1 && c == 0)
				return 0;
			n = read(pipefd[0], msg, sizeof(msg) - 1);
			fprintf(stderr, "xdpsec: %s\n", n > 0 ? msg : "daemon failed to start");
			return 1;
		}
		close(pipefd[0]);
		setsid();
		int nul = open("/dev/null", O_RDWR);

		if (nul >= 0) {
			dup2(nul, STDIN_FILENO);
			if (!log) {
				dup2(nul, STDOUT_FILENO);
				dup2(nul, STDERR_FILENO);
			}
			close(nul);
		}
	}
	reopen_log();
	if (xs_harden_chdir_root())
		fprintf(stderr, "xdpsec: chdir /: %s\n", strerror(errno));
	d = calloc(1, sizeof(*d));
	if (!d)
		return 1;
	snprintf(d->instance, sizeof(d->instance), "%s", instance);
	snprintf(d->pin_dir, sizeof(d->pin_dir), "%s", pin_dir);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_hup;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	/* The SA state is the instance's: opened under its lock. */
	if (ctl_listen(d, err, sizeof(err)) || xsd_state_open(d, err, sizeof(err))) {
		if (pipefd[1] >= 0) {
			char c = 1;

			if (write(pipefd[1], &c, 1) < 0 || write(pipefd[1], err, strlen(err)) < 0)
				_exit(1);
		} else {
			fprintf(stderr, "xdpsec: %s\n", err);
		}
		xsd_free(d);
		return 1;
	}
	if (pipefd[1] >= 0) {
		char c = 0;

		if (write(pipefd[1], &c, 1) < 0)
			_exit(1);
		close(pipefd[1]);
	}
	openlog("xdpsec", LOG_PID, LOG_DAEMON);
	fprintf(stderr, "xdpsec: instance %s listening on %s, generation %llu\n", d->instance,
		xs_ctl_srv_path(d->srv), (unsigned long long)xsd_generation(d));
	/* Serving requests: a Type=notify unit is started (notify.h). */
	xs_notify_ready();
	run(d);
	xs_notify_stopping();
	xsd_free(d);
	return 0;
}
