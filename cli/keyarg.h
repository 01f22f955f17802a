/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Key words read from a file or standard input, so that no key needs to
 * be on a command line (other users read /proc/PID/cmdline). In `sa add`
 * (or `state add`) a KEY word may be
 *   @PATH  the key as the file PATH holds it (0x and hex digits; blanks
 *          and the newline at its end are dropped), or
 *   -      the next line of standard input, the same way.
 * The xdpsec command replaces such words before the request leaves; the
 * daemon only ever sees 0x words. Keys are never part of a message.
 */
#ifndef XS_KEYARG_H
#define XS_KEYARG_H

#include <stdio.h>

/* An `sa add` has at most two keys (enc and auth); room to spare. */
#define XS_KEYARGS_MAX 4
/* The longest key word read: 0x and the hex of XS_KEY_MAX bytes, and
 * generous room for blanks around it. */
#define XS_KEYARG_READ_MAX 4096

struct xs_keyargs {
	char *owned[XS_KEYARGS_MAX];    /* the words put in, wiped when freed */
	size_t size[XS_KEYARGS_MAX];    /* their allocations */
	char **slot[XS_KEYARGS_MAX];    /* where in argv they went */
	char *orig[XS_KEYARGS_MAX];     /* and what was there */
	unsigned int n;
};

/*
 * Replaces the @PATH and - key words of argv (a whole command line after
 * the program name, global options included) by what they name. Keys of
 * `-` come from in, one line each, in order; in NULL refuses `-` (stdin
 * already holds a batch). Words of other commands and other positions
 * are left alone. Returns 0, or -errno with a one-line reason in err
 * that names the file, never its content.
 */
int xs_keyargs_resolve(struct xs_keyargs *k, int argc, char **argv, FILE *in,
		       char *err, size_t errlen);

/* Wipes and frees the words put in and puts the @PATH and - words back
 * in argv. On error xs_keyargs_resolve has done this itself. */
void xs_keyargs_free(struct xs_keyargs *k);

#endif
