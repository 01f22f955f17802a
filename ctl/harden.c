// SPDX-License-Identifier: GPL-2.0-only
/*
 * Process hygiene for the daemons (harden.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "harden.h"

int xs_harden_secrets(void)
{
	int ret = 0, fd;

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
		ret = -errno;
	/* core(5): bit 0 anonymous private ... bit 8 DAX shared; none. */
	fd = open("/proc/self/coredump_filter", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) != 1) {
		if (!ret)
			ret = -errno;
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

static bool kept(int fd, const int *keep, size_t nkeep)
{
	for (size_t i = 0; i < nkeep; i++)
		if (keep[i] == fd)
			return true;
	return false;
}

int xs_harden_close_fds(const int *keep, size_t nkeep)
{
	int fds[256], n = 0, ret = 0;
	struct dirent *e;
	DIR *dir;

	/* Collect first: closing while reading would close the DIR's fd. */
	dir = opendir("/proc/self/fd");
	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);

		if (*end || end == e->d_name || fd <= 2 || fd == dirfd(dir) ||
		    kept((int)fd, keep, nkeep))
			continue;
		if (n == (int)(sizeof(fds) / sizeof(fds[0]))) {
			ret = -EMFILE;     /* the rest on the next call */
			break;
		}
		fds[n++] = (int)fd;
	}
	closedir(dir);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	/* Anything past the batch: once more. */
	if (ret == -EMFILE)
		return xs_harden_close_fds(keep, nkeep);
	return 0;
}

int xs_harden_chdir_root(void)
{
	return chdir("/") ? -errno : 0;
}
