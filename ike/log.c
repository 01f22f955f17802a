// SPDX-License-Identifier: GPL-2.0-only
/*
 * The agent's log: one line per event with its time and level, on stderr
 * (in the foreground, or the --log file the daemon points stderr at) or
 * to syslog (a daemon without --log). The state machine's event lines
 * ("<conn> #<serial> <spi_i>/<spi_r>: ...", agent.h) come through the
 * same function, so both halves log in one format and obey one
 * --log-level. Callers never pass secrets; addresses and SPIs are fine.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "shell.h"

static int log_level = IKE_LOG_INFO;
static bool to_syslog;

static const char *const level_names[] = {
	[IKE_LOG_ERR] = "error",
	[IKE_LOG_WARN] = "warning",
	[IKE_LOG_INFO] = "info",
	[IKE_LOG_DEBUG] = "debug",
};

void ike_shell_log_level(int level)
{
	log_level = level;
}

int ike_shell_log_level_parse(const char *name)
{
	static const struct {
		const char *name;
		int level;
	} names[] = {
		{ "error", IKE_LOG_ERR }, { "warn", IKE_LOG_WARN },
		{ "warning", IKE_LOG_WARN }, { "info", IKE_LOG_INFO },
		{ "debug", IKE_LOG_DEBUG },
	};

	for (size_t i = 0; name && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i].name))
			return names[i].level;
	return -1;
}

void ike_shell_log_syslog(bool on)
{
	if (on && !to_syslog)
		openlog("xdpsec-ike", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else if (!on && to_syslog)
		closelog();
	to_syslog = on;
}

void ike_shell_log_sm_line(int level, const char *line)
{
	ike_shell_log(level, "%s", line);
}

void ike_shell_log(int level, const char *fmt, ...)
{
	char line[1024], stamp[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int n, m;

	if (level > log_level)
		return;
	if (level < IKE_LOG_ERR || level > IKE_LOG_DEBUG)
		level = IKE_LOG_ERR;
	if (to_syslog) {
		static const int prio[] = {
			[IKE_LOG_ERR] = LOG_ERR, [IKE_LOG_WARN] = LOG_WARNING,
			[IKE_LOG_INFO] = LOG_INFO, [IKE_LOG_DEBUG] = LOG_DEBUG,
		};

		va_start(ap, fmt);
		m = vsnprintf(line, sizeof(line), fmt, ap);
		va_end(ap);
		if (m >= 0)
			syslog(prio[level], "%s: %s", level_names[level], line);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof(line), "%s.%03ld xdpsec-ike[%d] %s: ", stamp,
		     ts.tv_nsec / 1000000, (int)getpid(), level_names[level]);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	line[n] = '\0';
	/* One write per line, so lines of both halves never interleave. */
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

const char *ike_sockaddr_str(const struct sockaddr_storage *ss,
			     char buf[IKE_ADDR_STR_MAX])
{
	char a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(buf, IKE_ADDR_STR_MAX, "%s[%u]", a, ntohs(s4->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(buf, IKE_ADDR_STR_MAX, "%s[%u]", a, ntohs(s6->sin6_port));
	} else {
		snprintf(buf, IKE_ADDR_STR_MAX, "%%any");
	}
	return buf;
}
