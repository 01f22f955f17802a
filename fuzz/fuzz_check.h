/* SPDX-License-Identifier: GPL-2.0-only */
/* The fuzzers' invariant check: a violated one stops libFuzzer with a
 * message naming it. */
#ifndef XS_FUZZ_CHECK_H
#define XS_FUZZ_CHECK_H

#include <stdio.h>

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "invariant failed: %s (line %d)\n",   \
				#cond, __LINE__);                              \
			__builtin_trap();                                      \
		}                                                              \
	} while (0)

#endif
