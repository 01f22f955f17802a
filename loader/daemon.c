// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's life: instance lock, control socket, the request loop, time
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
#include "metrics_fmt.h"
#include "outbuf.h"

#define CTL_TIMEOUT_S 5

static volatile sig_atomic_t got_signal;
static const char *metrics_file;	/* --metrics-file */

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

static int ctl_listen(struct xsd *d, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char lock_path[PATH_MAX];
	int fd;

	if (mkdir(XS_CTL_RUN_DIR, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", XS_CTL_RUN_DIR, strerror(errno));
		return -errno;
	}
	if (snprintf(lock_path, sizeof(lock_path), "%s/%s.lock", XS_CTL_RUN_DIR,
		     d->instance) >= (int)sizeof(lock_path))
		return -ENAMETOOLONG;
	d->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (d->lock_fd < 0 || flock(d->lock_fd, LOCK_EX | LOCK_NB)) {
		snprintf(err, errlen, "instance %s is already running", d->instance);
		return -EBUSY;
	}
	d->locked = true;
	if (xs_ctl_path(d->instance, d->sock_path, sizeof(d->sock_path)) ||
	    strlen(d->sock_path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "bad instance name %s", d->instance);
		return -EINVAL;
	}
	strcpy(sun.sun_path, d->sock_path);
	unlink(d->sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Root-only: the socket carries keys. */
	umask(077);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) || chmod(d->sock_path, 0600) ||
	    listen(fd, 16)) {
		snprintf(err, errlen, "cannot listen on %s: %s", d->sock_path, strerror(errno));
		close(fd);
		return -errno;
	}
	d->ctl_fd = fd;
	return 0;
}

static void ctl_serve_one(struct xsd *d)
{
	struct timeval tv = { .tv_sec = CTL_TIMEOUT_S };
	char *argv[XS_CTL_ARGS_MAX + 1];
	static char buf[XS_CTL_REQ_MAX];
	struct xs_outbuf out;
	int fd, argc, status;
	struct ucred cred;
	socklen_t clen = sizeof(cred);

	fd = accept4(d->ctl_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	xs_outbuf_init(&out);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) || cred.uid != 0) {
		xs_ctl_send_reply(fd, -EPERM, "permission denied: root only", 28);
		goto out;
	}
	if (xs_ctl_recv_req(fd, &argc, argv, buf, sizeof(buf))) {
		xs_ctl_send_reply(fd, -EINVAL, "malformed request", 17);
		goto out;
	}
	status = xs_cmd_run(d, argc, argv, &out);
	xs_ctl_send_reply(fd, status, xs_outbuf_text(&out), strlen(xs_outbuf_text(&out)));
	/* Requests may carry keys. */
	explicit_bzero(buf, sizeof(buf));
out:
	xs_outbuf_free(&out);
	close(fd);
}

static void xsd_free(struct xsd *d)
{
	/* Programs and pins stay: fail-closed until the next daemon. */
	if (d->dp)
		xsd_dp_detach(d->dp, true);
	for (uint32_t i = 0; i < d->nsas; i++)
		xs_sa_free(d->sas[i].sa);
	if (d->ctl_fd >= 0) {
		close(d->ctl_fd);
		unlink(d->sock_path);
	}
	if (d->lock_fd >= 0) {
		/* Only the daemon holding the lock removes the file. */
		char lock_path[PATH_MAX];

		if (d->locked &&
		    snprintf(lock_path, sizeof(lock_path), "%s/%s.lock", XS_CTL_RUN_DIR,
			     d->instance) < (int)sizeof(lock_path))
			unlink(lock_path);
		close(d->lock_fd);
	}
	free(d);
}

static void run(struct xsd *d)
{
	struct pollfd pfd[3] = { { .fd = d->ctl_fd, .events = POLLIN }, { .events = POLLIN },
				 { .events = POLLIN } };
	time_t last = 0;

	while (!got_signal) {
		/* The datapath's address watch (IKE bypass) and its events
		 * (acquires, audit records), docs/bpf.md. */
		pfd[1].fd = xsd_dp_addr_fd(d->dp);
		pfd[2].fd = xsd_dp_acquire_fd(d->dp);
		if (poll(pfd, 3, 1000) > 0) {
			if (pfd[1].revents & POLLIN)
				xsd_dp_addr_event(d->dp);
			if (pfd[2].revents & POLLIN)
				xsd_dp_acquire_read(d->dp, xsd_dp_acquire_log, NULL);
			if (pfd[0].revents & POLLIN) {
				ctl_serve_one(d);
				xsd_dp_ike_autodetect(d->dp);
			}
		}
		if (time(NULL) != last) {
			last = time(NULL);
			xsd_sa_expire(d);
			xsd_dp_ike_autodetect(d->dp);
			if (metrics_file && last % XS_METRICS_FILE_INTERVAL_S == 0)
				metrics_file_write(d);
		}
	}
	syslog(LOG_INFO, "instance %s: signal %d, exiting", d->instance, (int)got_signal);
}

int xsd_main(const char *instance, int argc, char **argv)
{
	bool foreground = false;
	const char *log = NULL;
	char err[256] = "";
	int pipefd[2] = { -1, -1 };
	struct xsd *d;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--foreground")) {
			foreground = true;
		} else if (!strcmp(argv[i], "--log") && i + 1 < argc) {
			log = argv[++i];
		} else if (!strcmp(argv[i], "--metrics-file") && i + 1 < argc) {
			metrics_file = argv[++i];
		} else {
			fprintf(stderr, "xdpsec: daemon: unknown option %s\n", argv[i]);
			return 1;
		}
	}
	if (xs_ctl_instance_ok(instance)) {
		fprintf(stderr, "xdpsec: bad instance name %s\n", instance);
		return 1;
	}
	if (!foreground) {
		pid_t pid;
		char c = 1;

		if (pipe(pipefd))
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
	if (log) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return 1;
	d->lock_fd = d->ctl_fd = -1;
	snprintf(d->instance, sizeof(d->instance), "%s", instance);
	snprintf(d->pin_dir, sizeof(d->pin_dir), "/sys/fs/bpf/xdpsec/%s", instance);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (ctl_listen(d, err, sizeof(err))) {
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
	fprintf(stderr, "xdpsec: instance %s listening on %s\n", d->instance, d->sock_path);
	run(d);
	xsd_free(d);
	return 0;
}
