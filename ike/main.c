// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdpsec-ike: the IKEv2 agent of one xdpsec datapath instance.
 *
 *   xdpsec-ike [-i INSTANCE] daemon --config FILE [--foreground] [--log FILE]
 *              [--log-level error|warn|info|debug] [--metrics-file FILE] [--fake-nat]
 *   xdpsec-ike [-i INSTANCE] [-j] list-sas|initiate|terminate|reload|stats|help
 *
 * `daemon` runs the agent in this process (daemonized unless --foreground,
 * returning once its sockets are ready); every other command goes to the
 * running agent over its control socket (control.c).
 *
 * The agent is one thread around ppoll(): the IKE sockets, the control
 * socket and the earliest timer. SIGTERM/SIGINT tear every SA down and
 * exit (the connections' policies stay in the datapath, dropping their
 * traffic, for the next agent: install.c); SIGHUP reloads the
 * configuration like `xdpsec-ike reload`.
 *
 * Logs: stderr in the foreground, the --log file if given, syslog for a
 * daemon without one (log.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "harden.h"
#include "metrics.h"
#include "metrics_fmt.h"
#include "notify.h"
#include "outbuf.h"
#include "server.h"
#include "shell.h"
#include "version.h"

/* RFC 7296 §2.6: regenerate the cookie secret "frequently". */
#define COOKIE_ROTATE_MS (5u * 60u * 1000u)
/* How often policies of unloaded connections are pruned and the traps of
 * a reloaded configuration put in (local tables; the datapath's news come
 * as events, dp_events.c). */
#define HOUSEKEEP_MS 1000u

static volatile sig_atomic_t got_term, got_hup;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = sig;
}

static void usage(FILE *f)
{
	struct xs_outbuf out;

	xs_outbuf_init(&out);
	ike_ctl_usage(&out);
	fputs(xs_outbuf_text(&out), f);
	xs_outbuf_free(&out);
}

/* --------------------------------------------------------------- timers */

static struct ike_timer cookie_timer, housekeep_timer;

static void cookie_rotate(struct ike_agent *a, void *arg)
{
	(void)arg;
	if (ike_cookie_rotate(&a->cookie))
		ike_shell_log(IKE_LOG_WARN, "cannot rotate the cookie secret");
	ike_timer_arm(a, &cookie_timer, COOKIE_ROTATE_MS, cookie_rotate, NULL);
}

static void housekeep(struct ike_agent *a, void *arg)
{
	(void)arg;
	ike_timer_arm(a, &housekeep_timer, HOUSEKEEP_MS, housekeep, NULL);
	/* After a reload: the kept policies of connections that are gone
	 * go too (a connection unloaded is the only way they leave), and
	 * new trap children get their policies. */
	ike_install_prune(a);
	if (ike_dp_events_fd() >= 0)
		ike_install_traps(a, false);
}

/* ----------------------------------------------------------------- loop */

static bool agent_fd(const struct ike_agent *a, int fd)
{
	return fd >= 0 && (fd == a->fd4_500 || fd == a->fd4_4500 || fd == a->fd6_500 ||
			   fd == a->fd6_4500);
}

static void run(struct ike_agent *a, struct xs_ctl_srv *srv, const sigset_t *waitmask)
{
	while (!got_term) {
		struct pollfd pfd[5];
		struct timespec ts, *tsp = NULL;
		const int fds[4] = { a->fd4_500, a->fd4_4500, a->fd6_500, a->fd6_4500 };
		nfds_t n = 0;
		int timeout, ctl_timeout, r;

		if (got_hup) {
			char err[IKE_CONF_ERR_MAX + 64];

			got_hup = 0;
			/* Logs its outcome either way. */
			ike_ctl_reload(a, err, sizeof(err));
		}
		ike_timer_run(a, ike_now_ms());
		if (got_term)
			break;
		for (int i = 0; i < 4; i++)
			if (fds[i] >= 0)
				pfd[n++] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = xs_ctl_srv_fd(srv), .events = POLLIN };
		/* The datapath daemon's events (dp_events.c), when subscribed. */
		if (ike_dp_events_fd() >= 0)
			pfd[n++] = (struct pollfd){ .fd = ike_dp_events_fd(), .events = POLLIN };
		timeout = ike_timer_next_ms(a, ike_now_ms());
		ctl_timeout = xs_ctl_srv_timeout_ms(srv);
		if (ctl_timeout >= 0 && (timeout < 0 || ctl_timeout < timeout))
			timeout = ctl_timeout;
		if (timeout >= 0) {
			ts.tv_sec = timeout / 1000;
			ts.tv_nsec = (long)(timeout % 1000) * 1000000L;
			tsp = &ts;
		}
		/* Signals are blocked except inside ppoll: none is missed. */
		r = ppoll(pfd, n, tsp, waitmask);
		if (r < 0) {
			if (errno != EINTR) {
				ike_shell_log(IKE_LOG_ERR, "poll: %s", strerror(errno));
				break;
			}
			continue;
		}
		/* IKE sockets first: a reload from the control socket may
		 * replace them. */
		for (nfds_t i = 0; i < n; i++)
			if (pfd[i].revents && agent_fd(a, pfd[i].fd))
				ike_net_recv(a, pfd[i].fd);
		for (nfds_t i = 0; i < n; i++)
			if (pfd[i].revents && pfd[i].fd == ike_dp_events_fd())
				ike_dp_events_read(a);
		/* Every control client at once; none holds up IKE. */
		xs_ctl_srv_work(srv);
	}
}

/* --------------------------------------------------------------- daemon */

struct daemon_opts {
	const char *config;
	const char *log;
	int log_level;
	const char *metrics_file;  /* --metrics-file: ike/metrics.c */
	bool foreground;
	bool fake_nat;
};

#define DAEMON_USAGE "daemon --config FILE [--foreground] [--log FILE] " \
	"[--log-level error|warn|info|debug] [--metrics-file FILE] [--fake-nat]"

static int parse_daemon_opts(int argc, char **argv, struct daemon_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->log_level = IKE_LOG_INFO;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			o->config = argv[++i];
		} else if (!strcmp(argv[i], "--log-level") && i + 1 < argc) {
			o->log_level = ike_shell_log_level_parse(argv[++i]);
			if (o->log_level < 0) {
				fprintf(stderr, "xdpsec-ike: daemon: --log-level '%s': not one "
					"of error, warn, info, debug\n", argv[i]);
				return -EINVAL;
			}
		} else if (!strcmp(argv[i], "--log") && i + 1 < argc) {
			o->log = argv[++i];
		} else if (!strcmp(argv[i], "--metrics-file") && i + 1 < argc) {
			static char path[PATH_MAX];

			if (xs_metric_file_path(argv[++i], path, sizeof(path))) {
				fprintf(stderr, "xdpsec-ike: daemon: bad --metrics-file path\n");
				return -EINVAL;
			}
			o->metrics_file = path;
		} else if (!strcmp(argv[i], "--foreground")) {
			o->foreground = true;
		} else if (!strcmp(argv[i], "--fake-nat")) {
			o->fake_nat = true;
		} else {
			fprintf(stderr, "xdpsec-ike: daemon: unknown or incomplete option "
				"'%s' (usage: " DAEMON_USAGE ")\n", argv[i]);
			return -EINVAL;
		}
	}
	if (!o->config) {
		fprintf(stderr, "xdpsec-ike: daemon needs --config FILE\n");
		return -EINVAL;
	}
	return 0;
}

/* Tells the waiting parent how the start went; closes the pipe. */
static void tell_parent(int *fd, bool ok, const char *msg)
{
	char c = ok ? '1' : '0';

	if (*fd < 0)
		return;
	if (write(*fd, &c, 1) < 0 || (!ok && write(*fd, msg, strlen(msg)) < 0))
		c = 0;
	close(*fd);
	*fd = -1;
}

/* The parent of a daemonizing agent: waits for ready or the reason why not. */
static int wait_child(int fd)
{
	char c = 0, msg[512];
	ssize_t n;

	n = read(fd, &c, 1);
	if (n == 1 && c == '1')
		return 0;
	n = n == 1 ? read(fd, msg, sizeof(msg) - 1) : 0;
	msg[n > 0 ? n : 0] = '\0';
	fprintf(stderr, "xdpsec-ike: %s\n", msg[0] ? msg : "the agent exited while starting");
	return 1;
}

static void shutdown_agent(struct ike_agent *a)
{
	ike_sa_shutdown(a);
	/* No key outlives the agent in the datapath. */
	ike_install_flush(a);
	ike_timer_cancel(a, &cookie_timer);
	ike_timer_cancel(a, &housekeep_timer);
	ike_dp_events_close(a);
	ike_net_close(a);
	/* Only the agent that listened holds the lock: its files go. */
	ike_ctl_close();
	ike_config_free(a->cfg);
	free(a->cfg);
	a->cfg = NULL;
	ike_cookie_wipe(&a->cookie);
	ike_install_reset();
	ike_shell_log_syslog(false);
}

static int daemon_main(const char *instance, int argc, char **argv)
{
	char err[IKE_CONF_ERR_MAX + 128], sock[128];
	struct daemon_opts o;
	struct ike_agent *a;
	struct sigaction sa;
	sigset_t block, waitmask;
	int pipefd[2] = { -1, -1 }, logfd = -1, ret = 1, dfd;
	struct xs_ctl_srv *srv;

	/* IKE keys live here: no core dumps, no ptrace from the unprivileged;
	 * nothing inherited from whoever started us (harden.h). */
	xs_harden_secrets();
	xs_harden_close_fds(NULL, 0);
	if (parse_daemon_opts(argc, argv, &o))
		return 1;
	a = calloc(1, sizeof(*a));
	if (!a) {
		fprintf(stderr, "xdpsec-ike: out of memory\n");
		return 1;
	}
	ike_net_init(a);
	snprintf(a->instance, sizeof(a->instance), "%s", instance);
	a->fake_nat = o.fake_nat;
	/* The owner tag of what this agent installs (shell.h). */
	a->next_reqid = IKE_REQID_BASE;
	/* Absolute: the daemon leaves its working directory. */
	if (!realpath(o.config, a->cfg_path)) {
		fprintf(stderr, "xdpsec-ike: %s: %s\n", o.config, strerror(errno));
		goto out_free;
	}
	a->cfg = calloc(1, sizeof(*a->cfg));
	if (!a->cfg || ike_config_load(a->cfg_path, a->cfg, err, sizeof(err))) {
		fprintf(stderr, "xdpsec-ike: %s\n", a->cfg ? err : "out of memory");
		goto out_free;
	}
	ike_ctl_path(instance, sock, sizeof(sock));
	if (o.log) {
		logfd = open(o.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (logfd < 0) {
			fprintf(stderr, "xdpsec-ike: cannot open log %s: %s\n", o.log,
				strerror(errno));
			goto out_free;
		}
	}
	if (!o.foreground) {
		pid_t pid;

		if (pipe2(pipefd, O_CLOEXEC)) {
			fprintf(stderr, "xdpsec-ike: pipe: %s\n", strerror(errno));
			goto out_free;
		}
		pid = fork();
		if (pid < 0) {
			fprintf(stderr, "xdpsec-ike: fork: %s\n", strerror(errno));
			goto out_free;
		}
		if (pid > 0) {
			close(pipefd[1]);
			ret = wait_child(pipefd[0]);
			close(pipefd[0]);
			if (logfd >= 0)
				close(logfd);
			/* The child owns the config now; wipe this copy. */
			ike_config_free(a->cfg);
			free(a->cfg);
			free(a);
			return ret;
		}
		close(pipefd[0]);
		pipefd[0] = -1;
		setsid();
		dfd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (dfd >= 0) {
			dup2(dfd, STDIN_FILENO);
			dup2(dfd, STDOUT_FILENO);
			if (logfd < 0)
				dup2(dfd, STDERR_FILENO);
			close(dfd);
		}
	}
	if (logfd >= 0) {
		dup2(logfd, STDERR_FILENO);
		close(logfd);
		logfd = -1;
	} else if (!o.foreground) {
		ike_shell_log_syslog(true);
	}
	ike_shell_log_level(o.log_level);
	/* The state machine's lines in the same format and place. */
	ike_sm_log_setup(o.log_level, ike_shell_log_sm_line);
	/* Paths are absolute by now (config, log). */
	if (xs_harden_chdir_root())
		ike_shell_log(IKE_LOG_WARN, "chdir /: %s", strerror(errno));
	if (ike_cookie_init(&a->cookie)) {
		tell_parent(&pipefd[1], false, "cannot make a cookie secret");
		goto out_free;
	}
	if (ike_net_open(a, a->cfg, err, sizeof(err))) {
		ike_shell_log(IKE_LOG_ERR, "%s", err);
		tell_parent(&pipefd[1], false, err);
		goto out_free;
	}
	srv = ike_ctl_listen(a, instance, err, sizeof(err));
	if (!srv) {
		ike_shell_log(IKE_LOG_ERR, "%s", err);
		tell_parent(&pipefd[1], false, err);
		goto out_net;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGHUP);

	ike_shell_log(IKE_LOG_INFO, "agent of instance %s: %s (%zu connections), "
		      "control socket %s", instance, a->cfg_path, a->cfg->n_conns, sock);
	dfd = xs_ctl_connect(instance);
	if (dfd < 0)
		ike_shell_log(IKE_LOG_WARN, "no datapath daemon for instance %s yet "
			      "(xdpsec -i %s daemon): Child SAs cannot be installed",
			      instance, instance);
	else
		close(dfd);
	/* What a predecessor that died left: its SAs go, its policies keep
	 * dropping until the Child SAs below take them over. */
	if (dfd >= 0)
		ike_install_adopt(a);
	/* start_action = trap: PROTECT policies without SA, acquires */
	if (dfd >= 0)
		ike_install_traps(a, true);
	tell_parent(&pipefd[1], true, NULL);
	/* Listening: a Type=notify unit is started (notify.h). */
	xs_notify_ready();

	ike_timer_arm(a, &cookie_timer, COOKIE_ROTATE_MS, cookie_rotate, NULL);
	ike_timer_arm(a, &housekeep_timer, HOUSEKEEP_MS, housekeep, NULL);
	if (o.metrics_file)
		ike_metrics_file_start(a, o.metrics_file);
	/* The datapath's events: lifetimes, acquires, its restarts. */
	ike_dp_events_connect(a);
	/* Start actions of the connections loaded. */
	ike_sa_config_changed(a);
	run(a, srv, &waitmask);
	ike_shell_log(IKE_LOG_INFO, "signal %d: deleting SAs and exiting (policies stay)",
		      (int)got_term);
	ret = 0;
	xs_notify_stopping();
	shutdown_agent(a);
	free(a);
	return ret;

out_net:
	ike_net_close(a);
out_free:
	if (logfd >= 0)
		close(logfd);
	ike_config_free(a->cfg);
	free(a->cfg);
	ike_cookie_wipe(&a->cookie);
	free(a);
	return 1;
}

int main(int argc, char **argv)
{
	struct ike_ctl_opts o;
	const char *instance;
	char err[256];
	int idx;

	if (xs_version_asked(argc, argv))
		return xs_version_print("xdpsec-ike");
	idx = ike_ctl_parse_global(argc - 1, argv + 1, &o, err, sizeof(err));
	if (idx < 0) {
		fprintf(stderr, "xdpsec-ike: %s (try: xdpsec-ike --help)\n", err);
		return 1;
	}
	idx++;                  /* index into argv */
	instance = o.instance ? o.instance : IKE_DEFAULT_INSTANCE;
	if (o.help) {
		usage(stdout);
		return 0;
	}
	if (idx == argc) {
		usage(stderr);
		return 1;
	}
	if (!strcmp(argv[idx], "daemon"))
		return daemon_main(instance, argc - idx - 1, argv + idx + 1);
	/* Help works without an agent. */
	if (!strcmp(argv[idx], "help") && idx + 1 == argc) {
		usage(stdout);
		return 0;
	}
	return ike_ctl_client(instance, argc - 1, argv + 1);
}
