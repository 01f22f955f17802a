/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control protocol between clients (the xdpsec CLI, the IKE agent) and
 * the daemon, over a root-only UNIX stream socket per instance.
 *
 * Request: u32 argc (host order), then argc NUL-terminated words, at most
 * XS_CTL_REQ_MAX bytes in all. The words are what follows `xdpsec` on a
 * command line, global options included (e.g. "--json" "sa" "list").
 * Reply: i32 status (0 or -errno), u32 length, then length bytes of text:
 * the output on success, a one-line error otherwise. One request per
 * connection. Only root with CAP_NET_ADMIN is served (server.h).
 *
 * Streaming (`monitor`): a reply frame with status XS_CTL_ST_EVENT (1)
 * is one event and says more frames follow on the same connection; the
 * stream ends with a final frame (0 or -errno) or when the server closes
 * the connection (it drops a subscriber that does not read, server.h).
 */
#ifndef XSD_CTL_H
#define XSD_CTL_H

#include <stddef.h>
#include <stdint.h>

#define XS_CTL_RUN_DIR "/run/xdpsec"
#define XS_CTL_ARGS_MAX 96
#define XS_CTL_REQ_MAX 8192u
#define XS_CTL_REPLY_MAX (4u << 20)
#define XS_CTL_ST_EVENT 1  /* reply status: an event, more frames follow */
#define XS_INSTANCE_MAX 32  /* [A-Za-z0-9_-], the default is "default" */

/* Validates an instance name; 0 or -EINVAL. */
int xs_ctl_instance_ok(const char *instance);
/* XS_CTL_RUN_DIR/<instance>.sock */
int xs_ctl_path(const char *instance, char *buf, size_t len);
/* XS_CTL_RUN_DIR/<instance><suffix>.sock, e.g. suffix "-ike" for the IKE
 * agent's socket; 0, -EINVAL (bad instance) or -ENAMETOOLONG. */
int xs_ctl_path_suffix(const char *instance, const char *suffix, char *buf,
		       size_t len);

/* Client side. */
int xs_ctl_connect(const char *instance);     /* fd or -errno */
/* The socket at path (NULL: -EINVAL); fd or -errno. */
int xs_ctl_connect_path(const char *path);
int xs_ctl_send_req(int fd, int argc, char *const argv[]);
/* *text is malloc'ed and NUL-terminated; the caller frees it. Waits at
 * most timeout_ms (0: the default, 120 s). *status may be XS_CTL_ST_EVENT:
 * an event frame, read the next one. */
int xs_ctl_recv_reply(int fd, int *status, char **text, size_t *len);
int xs_ctl_recv_reply_ms(int fd, int *status, char **text, size_t *len,
			 unsigned int timeout_ms);

/* How a command-line client names itself and the process it talks to. */
struct xs_ctl_client {
	const char *prog;       /* "xdpsec" */
	const char *peer;       /* "daemon" */
	const char *start;      /* the command that starts the peer: "daemon" */
	unsigned int timeout_ms;        /* for the reply; 0: the default */
};

/*
 * One request from a command line: sends the argc words to the peer of
 * instance listening at path (NULL if the path could not be made), prints
 * its output on stdout or its error, prefixed with cl->prog, on stderr.
 * Returns the process exit status: 0, or 1 after a message.
 */
int xs_ctl_client_run(const struct xs_ctl_client *cl, const char *instance,
		      const char *path, int argc, char **argv);

/*
 * Server side (server.c serves the socket). A request is the have bytes
 * received so far in buf: 1 once complete (argv points into buf,
 * argv[argc] is NULL), 0 while more is needed, -E2BIG past the limits,
 * -EPROTO for bytes after the last word.
 */
int xs_ctl_req_parse(char *buf, size_t have, int *argc, char *argv[XS_CTL_ARGS_MAX + 1]);
/* A reply frame: header and text in one malloc'ed buffer (the caller
 * frees it). status: 0, -errno or XS_CTL_ST_EVENT. 0, -EINVAL (another
 * status, text too long), -ENOMEM. */
int xs_ctl_reply_frame(int status, const char *text, size_t len, uint8_t **frame,
		       size_t *frame_len);

#endif
