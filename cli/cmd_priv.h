/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal to the control commands (commands.c, cmd_sa.c, cmd_policy.c):
 * the per-request context, the keyword tables and the helpers the command
 * files share. Not part of the public API (that is commands.h).
 */
#ifndef XSD_CMD_PRIV_H
#define XSD_CMD_PRIV_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "outbuf.h"
#include "parse.h"
#include "state.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct cmd_ctx {
	struct xsd *d;
	struct xs_outbuf *out;
	bool json;
	char err[XS_ERR_MAX];
};

/* A keyword of a command and how many values follow it. */
struct kw {
	const char *name;
	int nvals;
	const char *vals;       /* for "NAME needs VALS" */
};

/* State of one `... list` walk over the daemon's tables. */
struct list_ctx {
	struct cmd_ctx *c;
	struct xs_json j;
	unsigned long n;
};

/* Sets the one-line error of the request and returns ret. */
int cmd_fail(struct cmd_ctx *c, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Finds argv[i] in the keyword table: its index, or -EINVAL for an unknown
 * word, a keyword given twice or one whose values are missing.
 */
int cmd_kw_find(struct cmd_ctx *c, const char *cmd, const struct kw *t,
		size_t n, int argc, char **argv, int i, unsigned int *seen);

/* -EINVAL (and the error) if a command that takes no words got some. */
int cmd_no_words(struct cmd_ctx *c, const char *cmd, int argc, char **argv);

const char *cmd_addr_str(uint8_t family, const union xs_addr *a,
			 char buf[INET6_ADDRSTRLEN]);
const char *cmd_family_name(uint8_t family);

/* sa add|del|get|list (cmd_sa.c) */
int do_sa_add(struct cmd_ctx *c, int argc, char **argv);
int do_sa_del(struct cmd_ctx *c, int argc, char **argv);
int do_sa_get(struct cmd_ctx *c, int argc, char **argv);
int do_sa_list(struct cmd_ctx *c, int argc, char **argv);
/* sa show, count, flush, deleteall: ip xfrm state's habits (cmd_sa.c) */
int do_sa_show(struct cmd_ctx *c, int argc, char **argv);
int do_sa_count(struct cmd_ctx *c, int argc, char **argv);
int do_sa_flush(struct cmd_ctx *c, int argc, char **argv);
int do_sa_deleteall(struct cmd_ctx *c, int argc, char **argv);

/* policy add|del|update|list (cmd_policy.c) */
int do_policy_add(struct cmd_ctx *c, int argc, char **argv);
int do_policy_del(struct cmd_ctx *c, int argc, char **argv);
int do_policy_update(struct cmd_ctx *c, int argc, char **argv);
int do_policy_list(struct cmd_ctx *c, int argc, char **argv);
/* policy count, flush, deleteall (cmd_policy.c) */
int do_policy_count(struct cmd_ctx *c, int argc, char **argv);
int do_policy_flush(struct cmd_ctx *c, int argc, char **argv);
int do_policy_deleteall(struct cmd_ctx *c, int argc, char **argv);

/* Prints "<what> N" or {"<key>": N} for count, flush and deleteall. */
void cmd_print_count(struct cmd_ctx *c, const char *what, const char *key,
		     unsigned long n);

/* cmd_metrics.c */
int do_metrics(struct cmd_ctx *c, int argc, char **argv);

#endif
