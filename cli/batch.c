// SPDX-License-Identifier: GPL-2.0-only
/*
 * Batches of commands (batch.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "batch.h"
#include "ctl.h"
#include "parse.h"

int xs_batch_split(char *line, char **words, int max, char *err, size_t errlen)
{
	char *r = line, *w = line;
	int n = 0;

	for (;;) {
		char quote = 0;

		while (*r == ' ' || *r == '\t' || *r == '\n' || *r == '\r')
			r++;
		if (!*r || *r == '#')
			return n;
		if (n == max) {
			xs_errf(err, errlen, "more than %d words", max);
			return -E2BIG;
		}
		/* The word is copied down over what was read: quotes go. */
		words[n++] = w;
		while (*r && (quote || (*r != ' ' && *r != '\t' && *r != '\n' &&
					*r != '\r' && *r != '#'))) {
			if (!quote && (*r == '"' || *r == '\'')) {
				quote = *r++;
			} else if (quote && *r == quote) {
				quote = 0;
				r++;
			} else {
				*w++ = *r++;
			}
		}
		if (quote) {
			xs_errf(err, errlen, "unterminated %c quote", quote);
			return -EINVAL;
		}
		/* The word ends here; r may sit on the byte after w. */
		if (*r == '#') {
			*w = '\0';
			return n;
		}
		if (*r)
			r++;
		*w++ = '\0';
	}
}

int xs_batch_run(FILE *f, const char *name, bool force, xs_batch_fn fn, void *arg)
{
	char *words[XS_CTL_ARGS_MAX], err[XS_ERR_MAX];
	unsigned long lineno = 0, failed = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int status = 0;

	while ((len = getline(&line, &cap, f)) >= 0) {
		int n;

		lineno++;
		n = xs_batch_split(line, words, XS_CTL_ARGS_MAX, err, sizeof(err));
		if (n < 0)
			fprintf(stderr, "xdpsec: %s: line %lu: %s\n", name, lineno, err);
		else if (n > 0 && fn(n, words, arg))
			fprintf(stderr, "xdpsec: %s: line %lu failed\n", name, lineno);
		else
			continue;
		failed++;
		status = 1;
		if (!force)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "xdpsec: %s: read error after line %lu\n", name, lineno);
		status = 1;
	}
	if (force && failed)
		fprintf(stderr, "xdpsec: %s: %lu of %lu lines failed\n", name, failed,
			lineno);
	/* Lines may hold keys. */
	if (line)
		OPENSSL_cleanse(line, cap);
	free(line);
	return status;
}
