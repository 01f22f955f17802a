// SPDX-License-Identifier: GPL-2.0-only
/*
 * The version compiled into the binaries. xs_version_gen.h is generated
 * in the build directory and rewritten only when the version changes, so
 * a new commit recompiles this file alone.
 */
#include <stdio.h>
#include <string.h>

#include "version.h"
#include "xs_version_gen.h"

const char *xs_version(void)
{
	return XS_VERSION_STRING;
}

bool xs_version_asked(int argc, char **argv)
{
	return argc > 1 && argv && argv[1] &&
	       (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"));
}

int xs_version_print(const char *prog)
{
	printf("%s %s\n", prog, xs_version());
	/* A full disk or closed pipe is an error, as for any output. */
	return fflush(stdout) || ferror(stdout) ? 1 : 0;
}
