/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Process hygiene both daemons share (xdpsec daemon, xdpsec-ike daemon):
 * keep secrets out of core dumps and away from other processes, and leave
 * nothing of the starting shell behind (working directory, stray file
 * descriptors). Key buffers themselves are locked and kept out of dumps
 * by the engine's allocator (engine/keymem.h).
 */
#ifndef XS_HARDEN_H
#define XS_HARDEN_H

#include <stddef.h>

/*
 * Secrets: not dumpable (no core file, no ptrace or /proc/PID/mem by a
 * process without CAP_SYS_PTRACE: prctl(2) PR_SET_DUMPABLE) and an empty
 * core dump filter (core(5), /proc/PID/coredump_filter), which still holds
 * if a credential change makes the process dumpable again. Call first
 * thing at daemon start. 0 or the -errno of the first step that failed
 * (every step is tried).
 */
int xs_harden_secrets(void);

/*
 * Closes every file descriptor above 2 the process inherited, but the
 * nkeep in keep (any order; negative entries are ignored). Call before
 * the daemon opens anything of its own. 0 or -errno.
 */
int xs_harden_close_fds(const int *keep, size_t nkeep);

/* chdir("/"): a daemon must not keep a file system busy. 0 or -errno. */
int xs_harden_chdir_root(void);

#endif
