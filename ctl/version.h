/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The version both binaries report (`xdpsec --version`, `xdpsec-ike
 * --version`): scripts/version.sh at build time, or XS_VERSION given to
 * make (the Debian build passes the package's upstream version).
 */
#ifndef XS_VERSION_H
#define XS_VERSION_H

#include <stdbool.h>

/* The version string, e.g. "0.1.0" or "0.1.0+git0123456789ab"; static. */
const char *xs_version(void);

/* True when the command line asks for the version: argv[1] is --version
 * or -V. Checked before any other option so it works without a daemon. */
bool xs_version_asked(int argc, char **argv);

/* Prints "PROG VERSION" on stdout; the exit status (1 if stdout failed). */
int xs_version_print(const char *prog);

#endif
