// SPDX-License-Identifier: GPL-2.0-only
/*
 * sd_notify's wire format (sd_notify(3), "Notes"): one AF_UNIX datagram
 * holding the assignments, to the socket named by $NOTIFY_SOCKET: a file
 * system path, or an abstract address written with a leading '@'. The
 * manager checks the sender's credentials itself; nothing is sent back.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "notify.h"

/* Fills sun from $NOTIFY_SOCKET; the address length or -errno. */
static int notify_addr(const char *name, struct sockaddr_un *sun)
{
	size_t len = strlen(name);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (name[0] != '/' && name[0] != '@')
		return -EAFNOSUPPORT;   /* e.g. vsock:, which systemd 253 added */
	if (len < 2 || len > sizeof(sun->sun_path))
		return -EINVAL;
	/* A path needs its NUL inside sun_path; an abstract name does not. */
	if (name[0] == '/' && len == sizeof(sun->sun_path))
		return -EINVAL;
	memcpy(sun->sun_path, name, len);
	if (name[0] == '@')
		sun->sun_path[0] = '\0';
	return (int)(offsetof(struct sockaddr_un, sun_path) + len +
		     (name[0] == '/' ? 1 : 0));
}

int xs_notify(const char *msg)
{
	const char *name = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	int fd, alen, ret = 0;
	size_t len;

	if (!name || !name[0])
		return 0;
	if (!msg || !msg[0])
		return -EINVAL;
	alen = notify_addr(name, &sun);
	if (alen < 0)
		return alen;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	len = strlen(msg);
	if (sendto(fd, msg, len, MSG_NOSIGNAL, (struct sockaddr *)&sun,
		   (socklen_t)alen) != (ssize_t)len)
		ret = errno ? -errno : -EIO;
	close(fd);
	return ret;
}

int xs_notify_ready(void)
{
	return xs_notify("READY=1");
}

int xs_notify_reloading(void)
{
	struct timespec ts;
	char msg[64];

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		return -errno;
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000ull +
		 (unsigned long long)ts.tv_nsec / 1000ull);
	return xs_notify(msg);
}

int xs_notify_stopping(void)
{
	return xs_notify("STOPPING=1");
}
