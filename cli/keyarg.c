// SPDX-License-Identifier: GPL-2.0-only
/*
 * Key words from files and standard input (keyarg.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "commands.h"
#include "keyarg.h"
#include "parse.h"

/* Where the command word is: past the global options and their values. */
static int command_index(int argc, char **argv)
{
	int i = 0;

	while (i < argc && argv[i][0] == '-' && argv[i][1]) {
		const char *a = argv[i];

		if (!strcmp(a, "--"))
			return i + 1;
		i += (!strcmp(a, "-i") || !strcmp(a, "--instance") || !strcmp(a, "-b") ||
		      !strcmp(a, "-batch") || !strcmp(a, "--batch")) ? 2 : 1;
	}
	return i;
}

/* Drops blanks at both ends of the n bytes at s (in place); the new length. */
static size_t trim(char *s, size_t n)
{
	size_t start = 0;

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' ||
		     s[n - 1] == '\t'))
		n--;
	while (start < n && (s[start] == ' ' || s[start] == '\t'))
		start++;
	memmove(s, s + start, n - start);
	s[n - start] = '\0';
	return n - start;
}

/* The key word held by the file path; a malloc'ed string or NULL. */
static char *key_from_file(const char *path, size_t *size, char *err, size_t errlen)
{
	char *buf = NULL;
	struct stat st;
	size_t have = 0;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		xs_errf(err, errlen, "cannot read key file %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode)) {
		ret = -EINVAL;
		xs_errf(err, errlen, "key file %s is not a file", path);
		goto out;
	}
	*size = XS_KEYARG_READ_MAX + 1;
	buf = malloc(*size);
	if (!buf) {
		ret = -ENOMEM;
		xs_errf(err, errlen, "out of memory");
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf + have, XS_KEYARG_READ_MAX - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			xs_errf(err, errlen, "cannot read key file %s: %s", path,
				strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		if (have == XS_KEYARG_READ_MAX) {
			ret = -E2BIG;
			xs_errf(err, errlen, "key file %s: longer than %d bytes", path,
				XS_KEYARG_READ_MAX);
			goto out;
		}
	}
	trim(buf, have);
	if (strpbrk(buf, " \t\r\n")) {
		ret = -EINVAL;
		xs_errf(err, errlen, "key file %s: one key (0x and hex digits) expected",
			path);
	}
out:
	if (fd >= 0)
		close(fd);
	if (ret && buf) {
		OPENSSL_cleanse(buf, XS_KEYARG_READ_MAX + 1);
		free(buf);
		buf = NULL;
	}
	if (ret)
		errno = -ret;
	return buf;
}

/* The next line of in as a key word; a malloc'ed string or NULL. */
static char *key_from_stream(FILE *in, size_t *size, char *err, size_t errlen)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	n = getline(&line, &cap, in);
	if (n <= 0) {
		if (line) {
			OPENSSL_cleanse(line, cap);
			free(line);
		}
		xs_errf(err, errlen, "no key line left on standard input");
		errno = ENODATA;
		return NULL;
	}
	trim(line, (size_t)n);
	if (strpbrk(line, " \t\r\n")) {
		OPENSSL_cleanse(line, cap);
		free(line);
		xs_errf(err, errlen, "key on standard input: one key (0x and hex digits) "
			"per line expected");
		errno = EINVAL;
		return NULL;
	}
	*size = cap;
	return line;
}

static bool key_follows(const char *kw, int *offset)
{
	/* aead NAME KEY BITS, enc NAME KEY, auth-trunc NAME KEY BITS,
	 * key KEY, authkey KEY (parse.h, the algorithm words). */
	if (!strcmp(kw, "aead") || !strcmp(kw, "enc") || !strcmp(kw, "auth-trunc")) {
		*offset = 2;
		return true;
	}
	if (!strcmp(kw, "key") || !strcmp(kw, "authkey")) {
		*offset = 1;
		return true;
	}
	return false;
}

int xs_keyargs_resolve(struct xs_keyargs *k, int argc, char **argv, FILE *in,
		       char *err, size_t errlen)
{
	int c = command_index(argc, argv), off;

	memset(k, 0, sizeof(*k));
	if (c + 1 >= argc || (strcmp(argv[c], "sa") && strcmp(argv[c], "state")) ||
	    strcmp(argv[c + 1], "add"))
		return 0;
	for (int i = c + 2; i < argc; i++) {
		size_t size = 0;
		char *w, *key;

		if (!key_follows(argv[i], &off) || i + off >= argc)
			continue;
		w = argv[i + off];
		if (w[0] != '@' && strcmp(w, "-"))
			continue;
		if (k->n == XS_KEYARGS_MAX) {
			xs_errf(err, errlen, "more than %d keys", XS_KEYARGS_MAX);
			errno = E2BIG;
			goto fail;
		}
		if (w[0] == '@') {
			key = key_from_file(w + 1, &size, err, errlen);
		} else if (!in) {
			xs_errf(err, errlen, "a key of - reads standard input, which holds "
				"the -batch commands: use @FILE");
			errno = EINVAL;
			key = NULL;
		} else {
			key = key_from_stream(in, &size, err, errlen);
		}
		if (!key)
			goto fail;
		k->owned[k->n] = key;
		k->size[k->n] = size;
		k->slot[k->n] = &argv[i + off];
		k->orig[k->n++] = w;
		argv[i + off] = key;
		i += off;
	}
	return 0;
fail:
	{
		int ret = errno ? -errno : -EINVAL;

		xs_keyargs_free(k);
		return ret;
	}
}

void xs_keyargs_free(struct xs_keyargs *k)
{
	for (unsigned int i = 0; i < k->n; i++) {
		*k->slot[i] = k->orig[i];
		OPENSSL_cleanse(k->owned[i], k->size[i]);
		free(k->owned[i]);
	}
	memset(k, 0, sizeof(*k));
}
