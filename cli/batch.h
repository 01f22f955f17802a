/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `xdpsec -batch FILE`: one command per line, as `ip -batch` runs them.
 * Blank lines and comments (# to the end of the line, outside quotes) are
 * skipped; words are separated by blanks; "..." or '...' quote a word
 * (so "" is the empty key of cipher_null). The first failing line stops
 * the batch, named by its number; with -force every line runs and the
 * status says whether any failed.
 */
#ifndef XS_BATCH_H
#define XS_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * Splits line (modified in place) into at most max words. Returns their
 * number (0 for a blank or comment line), or -EINVAL (an unterminated
 * quote) or -E2BIG (more than max words) with a reason in err.
 */
int xs_batch_split(char *line, char **words, int max, char *err, size_t errlen);

/* Runs one line's words; 0 if the command succeeded. */
typedef int (*xs_batch_fn)(int argc, char **argv, void *arg);

/*
 * Runs every line of f through fn. name is the file for messages ("-"
 * for stdin). Returns the exit status: 0, or 1 after a message on
 * stderr naming the line ("xdpsec: NAME: line N: ...").
 */
int xs_batch_run(FILE *f, const char *name, bool force, xs_batch_fn fn, void *arg);

#endif
