// SPDX-License-Identifier: GPL-2.0-only
/*
 * The datapath daemon's events (`xdpsec monitor`, loader/monitor.h), the
 * agent's only view of what happens there: no polling. The agent
 * subscribes at start and again once a second while the daemon is away
 * (a restart drops the stream). Each event line is acted on:
 *
 *   generation N / attach IF   the daemon (re)started or attached: check
 *                              its generation (dp_gen.c); on generation
 *                              (each subscription) also the lifetimes
 *                              reached while unsubscribed (one listing)
 *   sa expire soft|hard ...    a lifetime of an SA we installed:
 *                              ike_sa_child_expired(), once per level and
 *                              Child SA (install.c)
 *   acquire policy ID ...      a packet met a policy with no SA: if it
 *                              is a `start_action = trap` child's, that
 *                              child is brought up (ike_agent_acquire)
 *
 * Frames are those of ctl/ctl.h (XS_CTL_ST_EVENT, one line each).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl.h"
#include "shell.h"

#define EV_RETRY_MS 1000u
#define EV_LINE_MAX 1024u       /* longer: not our daemon, reconnect */
#define EV_HDR 8u

static struct {
	int fd;
	uint8_t buf[EV_HDR + EV_LINE_MAX];
	size_t have;
	bool said_down;
	struct ike_timer retry;
} ev = { .fd = -1 };

static int proto_of(const char *w)
{
	return !strcmp(w, "esp") ? IKE_PROTO_ESP : !strcmp(w, "ah") ? IKE_PROTO_AH : 0;
}

static void on_expire(struct ike_agent *a, const char *line)
{
	char level[8], kind[16], proto[8], dir[8];
	uint32_t spi, spi_in;
	bool hard;
	int d;

	if (sscanf(line, "sa expire %7s %15s spi %" SCNx32 " proto %7s dir %7s", level, kind,
		   &spi, proto, dir) != 5)
		return;
	hard = !strcmp(level, "hard");
	d = !strcmp(dir, "in") ? IKE_INSTALL_IN : !strcmp(dir, "out") ? IKE_INSTALL_OUT : 0;
	if (!d || !proto_of(proto) ||
	    !ike_install_note_expired(spi, (uint8_t)proto_of(proto), d, hard, &spi_in))
		return;
	ike_shell_log(IKE_LOG_INFO, "Child SA spi 0x%08x reached its %s %s limit", spi_in,
		      level, kind);
	ike_sa_child_expired(a, spi_in, hard);
}

static void on_acquire(struct ike_agent *a, const char *line)
{
	char conn[IKE_CONF_NAME_MAX], child[IKE_CONF_NAME_MAX];
	const char *c, *ch;
	uint32_t id;
	int rc;

	if (sscanf(line, "acquire policy %" SCNu32, &id) != 1)
		return;
	if (!ike_install_trap_owner(a, id, &c, &ch)) {
		ike_shell_log(IKE_LOG_DEBUG, "acquire for policy %u: not a trap of ours", id);
		return;
	}
	/* copies: the install tables may move while the SA comes up */
	snprintf(conn, sizeof(conn), "%s", c);
	snprintf(child, sizeof(child), "%s", ch);
	rc = ike_agent_acquire(a, conn, child);
	if (rc && rc != -EALREADY && rc != -EBUSY)
		ike_shell_log(IKE_LOG_WARN, "%s/%s: acquire (policy %u): cannot initiate: %s",
			      conn, child, id, strerror(-rc));
}

/* Lifetimes reached while no stream was there (the daemon dropped a
 * subscriber that fell behind, or it was away): one `-j sa list` per
 * subscription, read like the events (ike_install_note_expired reports
 * each level once). */
#define RESYNC_MAX 64

struct resync {
	uint32_t spi_in[RESYNC_MAX];
	bool hard[RESYNC_MAX];
	unsigned int n;
};

static int resync_one(const struct ike_dp_sa *sa, void *arg)
{
	struct resync *r = arg;
	uint32_t spi_in;

	if (r->n == RESYNC_MAX)
		return 1;
	if (sa->hard_expired &&
	    ike_install_note_expired(sa->spi, sa->proto, sa->dir, true, &spi_in)) {
		r->spi_in[r->n] = spi_in;
		r->hard[r->n++] = true;
	} else if (sa->soft_expired &&
		   ike_install_note_expired(sa->spi, sa->proto, sa->dir, false, &spi_in)) {
		r->spi_in[r->n] = spi_in;
		r->hard[r->n++] = false;
	}
	return 0;
}

static void resync(struct ike_agent *a)
{
	char *argv[] = { "-j", "sa", "list", NULL };
	struct ike_install_stats st;
	struct resync r = { .n = 0 };
	char err[256], *text = NULL;

	ike_install_stats_get(&st);
	if (!st.sas || ike_dp_command(a->instance, 3, argv, &text, err, sizeof(err)))
		return;
	if (ike_expire_parse(text, strlen(text), resync_one, &r))
		ike_shell_log(IKE_LOG_WARN, "cannot read the daemon's SA list");
	free(text);
	/* after the listing: the state machine may install and remove */
	for (unsigned int i = 0; i < r.n; i++) {
		ike_shell_log(IKE_LOG_INFO, "Child SA spi 0x%08x reached its %s limit",
			      r.spi_in[i], r.hard[i] ? "hard" : "soft");
		ike_sa_child_expired(a, r.spi_in[i], r.hard[i]);
	}
}

void ike_dp_event(struct ike_agent *a, const char *line)
{
	if (!strncmp(line, "generation ", 11))
		resync(a);
	if (!strncmp(line, "generation ", 11) || !strncmp(line, "attach ", 7))
		ike_dp_gen_check(a);
	else if (!strncmp(line, "sa expire ", 10))
		on_expire(a, line);
	else if (!strncmp(line, "acquire ", 8))
		on_acquire(a, line);
}

static void retry(struct ike_agent *a, void *arg)
{
	(void)arg;
	ike_dp_events_connect(a);
}

static void drop(struct ike_agent *a, const char *why)
{
	if (ev.fd >= 0)
		close(ev.fd);
	ev.fd = -1;
	ev.have = 0;
	ike_shell_log(IKE_LOG_WARN, "datapath daemon of instance %s: events %s; "
		      "subscribing again every second", a->instance, why);
	ev.said_down = true;
	ike_timer_arm(a, &ev.retry, EV_RETRY_MS, retry, NULL);
}

int ike_dp_events_connect(struct ike_agent *a)
{
	char *argv[] = { "monitor", NULL };
	int fd, ret;

	if (ev.fd >= 0)
		return 0;
	fd = xs_ctl_connect(a->instance);
	ret = fd < 0 ? fd : xs_ctl_send_req(fd, 1, argv);
	if (ret) {
		if (fd >= 0)
			close(fd);
		if (!ev.said_down)
			ike_shell_log(IKE_LOG_WARN, "no events from the datapath daemon of "
				      "instance %s (%s): subscribing every second", a->instance,
				      strerror(-ret));
		ev.said_down = true;
		ike_timer_arm(a, &ev.retry, EV_RETRY_MS, retry, NULL);
		return ret;
	}
	ev.fd = fd;
	ev.have = 0;
	ev.said_down = false;
	ike_timer_cancel(a, &ev.retry);
	ike_shell_log(IKE_LOG_INFO, "subscribed to the events of the datapath daemon of "
		      "instance %s", a->instance);
	return 0;
}

int ike_dp_events_fd(void)
{
	return ev.fd;
}

void ike_dp_events_read(struct ike_agent *a)
{
	for (;;) {
		int32_t st;
		uint32_t len;
		ssize_t n;

		if (ev.fd < 0)
			return;
		n = recv(ev.fd, ev.buf + ev.have, sizeof(ev.buf) - ev.have, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			drop(a, n == 0 ? "stream closed (daemon gone?)" : strerror(errno));
			return;
		}
		ev.have += (size_t)n;
		/* every complete frame; an action may reconnect (drop) */
		while (ev.fd >= 0 && ev.have >= EV_HDR) {
			char line[EV_LINE_MAX + 1];

			memcpy(&st, ev.buf, sizeof(st));
			memcpy(&len, ev.buf + 4, sizeof(len));
			if (len > EV_LINE_MAX || st != XS_CTL_ST_EVENT) {
				drop(a, st == XS_CTL_ST_EVENT ? "frame too long" :
				     "refused or ended by the daemon");
				return;
			}
			if (ev.have < EV_HDR + len)
				break;
			memcpy(line, ev.buf + EV_HDR, len);
			line[len] = '\0';
			if (len && line[len - 1] == '\n')
				line[len - 1] = '\0';
			ev.have -= EV_HDR + len;
			memmove(ev.buf, ev.buf + EV_HDR + len, ev.have);
			ike_dp_event(a, line);
		}
	}
}

void ike_dp_events_close(struct ike_agent *a)
{
	ike_timer_cancel(a, &ev.retry);
	if (ev.fd >= 0)
		close(ev.fd);
	ev.fd = -1;
	ev.have = 0;
}
