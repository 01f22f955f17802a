/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Readiness for a service manager: the datagram protocol of systemd's
 * sd_notify(3) (Type=notify units), written here so the daemons need no
 * libsystemd. Outside a unit (NOTIFY_SOCKET unset) every call is a no-op.
 */
#ifndef XS_NOTIFY_H
#define XS_NOTIFY_H

/* Sends one message of newline-separated VAR=value assignments to
 * $NOTIFY_SOCKET (a path, or an abstract name starting with '@').
 * 0 when sent or when there is no NOTIFY_SOCKET; -EINVAL (bad message or
 * socket address), -EAFNOSUPPORT (an address family not handled) or the
 * -errno of socket()/sendto(). */
int xs_notify(const char *msg);

/* "READY=1": the daemon serves requests. */
int xs_notify_ready(void);
/* "RELOADING=1" with MONOTONIC_USEC (systemd 253's Type=notify-reload
 * needs it; older managers ignore it); send xs_notify_ready() after. */
int xs_notify_reloading(void);
/* "STOPPING=1": shutting down. */
int xs_notify_stopping(void);

#endif
