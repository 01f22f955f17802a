// SPDX-License-Identifier: GPL-2.0-only
/*
 * The datapath daemon's generation, watched by the agent: a daemon that
 * restarted (kill -9 included) comes back with a new generation and none of
 * the agent's SAs. Once it is attached again, every Child SA is rekeyed into
 * it (make-before-break on the peer's side; our policies drop meanwhile,
 * fail closed) with no manual step. Asked when the daemon's event stream
 * says `generation` (on every subscription) or `attach` (dp_events.c);
 * the generation is `xdpsec -j status`'s "generation".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "shell.h"

/* 0 until a daemon was seen attached. */
static uint64_t seen_generation;

/* The daemon's status: its generation and whether it is attached to at
 * least one interface. Our own daemon's JSON, one object. */
int ike_dp_gen_parse(const char *json, uint64_t *generation, bool *attached)
{
	const char *g = strstr(json, "\"generation\":");
	const char *i = strstr(json, "\"interfaces\":");
	char *end;

	if (!g || !i)
		return -EINVAL;
	g += strlen("\"generation\":");
	while (*g == ' ')
		g++;
	errno = 0;
	*generation = strtoull(g, &end, 10);
	if (end == g || errno)
		return -EINVAL;
	i += strlen("\"interfaces\":");
	while (*i == ' ')
		i++;
	if (*i != '[')
		return -EINVAL;
	i++;
	while (*i == ' ')
		i++;
	*attached = *i != ']';
	return 0;
}

void ike_dp_gen_check(struct ike_agent *a)
{
	char *argv[] = { "-j", "status", NULL };
	char err[256], *text = NULL;
	uint64_t gen;
	bool attached;
	int ret;

	/* Unreachable daemon: the event stream already says so. */
	if (ike_dp_command(a->instance, 2, argv, &text, err, sizeof(err)))
		return;
	ret = ike_dp_gen_parse(text, &gen, &attached);
	free(text);
	if (ret) {
		ike_shell_log(IKE_LOG_WARN, "cannot read the daemon's generation");
		return;
	}
	/* Not attached yet: installs would fail; wait for the operator or
	 * the unit to attach it. */
	if (!attached || gen == seen_generation)
		return;
	if (seen_generation) {
		ike_shell_log(IKE_LOG_WARN, "datapath daemon of instance %s restarted "
			      "(generation %" PRIu64 " -> %" PRIu64 "): re-installing every "
			      "Child SA", a->instance, seen_generation, gen);
		ike_install_dp_restarted();
		ike_install_traps(a, true);
		ike_agent_dp_restarted(a);
	}
	seen_generation = gen;
}
