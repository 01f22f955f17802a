// SPDX-License-Identifier: GPL-2.0-only
/*
 * UDP for IKE: ports 500 and 4500 (RFC 7296 §2.23), IPv4 and IPv6.
 *
 * Each socket is bound to the one local address the configured
 * connections use, or to the wildcard when they use several. Requests
 * arrive with IP_PKTINFO / IPV6_PKTINFO so that the answer leaves from the
 * address the request hit (RFC 7296 §2.11 expects the reply from there).
 *
 * On port 4500 IKE messages carry the non-ESP marker, four zero octets
 * where ESP has its SPI (RFC 3948 §2.2); a single 0xFF octet is a
 * NAT-keepalive (RFC 3948 §2.3). UDP-encapsulated ESP is the datapath's:
 * XDP takes it before the stack, so whatever ESP still reaches this
 * socket is dropped and counted.
 *
 * Answers to unverified initiators go out apart. Anyone on the link can
 * send IKE_SA_INIT requests from addresses that never answer ARP or ND;
 * the kernel holds each answer to such an address until neighbour
 * resolution fails (seconds), charged to the sending socket's buffer. On
 * one socket a flood of them fills that buffer and the DPD, rekeys and
 * DELETEs of established IKE SAs cannot be sent (issue #11, item 2). So
 * every socket has a send-only twin bound to the same address and port
 * (SO_REUSEPORT) with a classic BPF program on the group that steers
 * every incoming datagram to the first socket, the one we read: answers
 * to IKE_SA_INIT requests — the only messages that go to an address that
 * has not shown it can receive — leave through the twin, without waiting
 * (MSG_DONTWAIT); when its buffer is full they are dropped and counted
 * (tx_unverified_dropped), and the first socket's buffer stays free for
 * established IKE SAs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shell.h"

/* Datagrams read per socket per wakeup, so one busy socket cannot starve
 * the others and the timers. */
#define NET_RECV_BATCH 64

/* RFC 3948 §2.3: the NAT-keepalive payload. */
#define NATT_KEEPALIVE_BYTE 0xffu
/* RFC 3948 §2.2: ESP in UDP begins with SPI and sequence number. */
#define ESP_HDR_MIN 8u

enum { FAM_V4, FAM_V6, FAM_MAX };

/* Which addresses the sockets are bound to (port 0 in the plan). */
struct net_plan {
	bool want[FAM_MAX];
	struct sockaddr_storage addr[FAM_MAX];
};

static struct net_plan cur_plan;
static bool have_plan;
static uint16_t ports[2] = { IKE_PORT, IKE_NATT_PORT };
static struct ike_net_stats stats;
/* The largest UDP payload, plus one so truncation shows. */
static uint8_t rxbuf[65536];

void ike_net_stats_get(struct ike_net_stats *s)
{
	*s = stats;
}

enum ike_net_kind ike_net_classify(bool natt, const uint8_t *buf, size_t len,
				   size_t *off)
{
	*off = 0;
	if (!natt)
		return len ? IKE_NET_IKE : IKE_NET_RUNT;
	/* RFC 3948 §2.3: a keepalive is exactly one octet, 0xFF. */
	if (len == 1 && buf[0] == NATT_KEEPALIVE_BYTE)
		return IKE_NET_KEEPALIVE;
	if (len < IKE_NON_ESP_MARKER_LEN)
		return IKE_NET_RUNT;
	/* RFC 3948 §2.2: a zero "SPI" is the non-ESP marker (RFC 4303 §2.1
	 * reserves SPI 0), the IKE message follows it. */
	if (!buf[0] && !buf[1] && !buf[2] && !buf[3]) {
		if (len == IKE_NON_ESP_MARKER_LEN)
			return IKE_NET_RUNT;
		*off = IKE_NON_ESP_MARKER_LEN;
		return IKE_NET_IKE;
	}
	return len >= ESP_HDR_MIN ? IKE_NET_ESP : IKE_NET_RUNT;
}

/* ------------------------------------------------------------ sockets */

static int fam_index(int family)
{
	return family == AF_INET6 ? FAM_V6 : FAM_V4;
}

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

static void wildcard(struct sockaddr_storage *ss, int family)
{
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = (sa_family_t)family;
}

static void conf_addr_to_ss(const struct ike_conf_addr *a, struct sockaddr_storage *ss)
{
	wildcard(ss, a->family);
	if (a->family == AF_INET)
		((struct sockaddr_in *)ss)->sin_addr = a->u.v4;
	else
		((struct sockaddr_in6 *)ss)->sin6_addr = a->u.v6;
}

static bool same_addr(const struct sockaddr_storage *x, const struct sockaddr_storage *y)
{
	if (x->ss_family != y->ss_family)
		return false;
	if (x->ss_family == AF_INET)
		return ((const struct sockaddr_in *)x)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)y)->sin_addr.s_addr;
	return !memcmp(&((const struct sockaddr_in6 *)x)->sin6_addr,
		       &((const struct sockaddr_in6 *)y)->sin6_addr, sizeof(struct in6_addr));
}

static void plan_make(const struct ike_config *cfg, struct net_plan *p)
{
	bool multi[FAM_MAX] = { false, false };
	size_t n = cfg ? cfg->n_conns : 0;

	memset(p, 0, sizeof(*p));
	wildcard(&p->addr[FAM_V4], AF_INET);
	wildcard(&p->addr[FAM_V6], AF_INET6);
	if (!n) {
		p->want[FAM_V4] = p->want[FAM_V6] = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct ike_conf_addr *la = &cfg->conns[i].local_addr;
		struct sockaddr_storage ss;
		int f;

		if (la->family != AF_INET && la->family != AF_INET6)
			continue;
		f = fam_index(la->family);
		conf_addr_to_ss(la, &ss);
		if (!p->want[f]) {
			p->want[f] = true;
			p->addr[f] = ss;
		} else if (!same_addr(&p->addr[f], &ss)) {
			multi[f] = true;
		}
	}
	for (int f = 0; f < FAM_MAX; f++)
		if (multi[f])
			wildcard(&p->addr[f], f == FAM_V6 ? AF_INET6 : AF_INET);
}

static bool plan_equal(const struct net_plan *x, const struct net_plan *y)
{
	for (int f = 0; f < FAM_MAX; f++) {
		if (x->want[f] != y->want[f])
			return false;
		if (x->want[f] && !same_addr(&x->addr[f], &y->addr[f]))
			return false;
	}
	return true;
}

static int setopt(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v)) ? -errno : 0;
}

int ike_net_socket(const struct sockaddr_storage *addr, char *err, size_t errlen)
{
	char s[IKE_ADDR_STR_MAX];
	int family = addr->ss_family, fd, ret;
	socklen_t alen;

	if (family != AF_INET && family != AF_INET6) {
		snprintf(err, errlen, "bad address family %d", family);
		return -EAFNOSUPPORT;
	}
	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open a UDP %s socket: %s",
			 family == AF_INET ? "IPv4" : "IPv6", strerror(-ret));
		return ret;
	}
	/* Rebinding on reload overlaps the old sockets for a moment. */
	ret = setopt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	/* The send-only twin shares the address and port. */
	if (!ret)
		ret = setopt(fd, SOL_SOCKET, SO_REUSEPORT, 1);
	/* The configured address may appear on an interface later. */
	if (!ret)
		ret = setopt(fd, IPPROTO_IP, IP_FREEBIND, 1);
	if (!ret && family == AF_INET) {
		ret = setopt(fd, IPPROTO_IP, IP_PKTINFO, 1);
	} else if (!ret) {
		/* One socket per family: no IPv4-mapped addresses here. */
		ret = setopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
		if (!ret)
			ret = setopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
	}
	if (ret) {
		snprintf(err, errlen, "cannot set socket options: %s", strerror(-ret));
		close(fd);
		return ret;
	}
	alen = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	if (bind(fd, (const struct sockaddr *)addr, alen)) {
		ret = -errno;
		snprintf(err, errlen, "cannot bind %s: %s", ike_sockaddr_str(addr, s),
			 strerror(-ret));
		close(fd);
		return ret;
	}
	return fd;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * The send-only twin of fd: same address and port, in fd's SO_REUSEPORT
 * group, whose classic BPF program returns index 0 for every datagram —
 * fd, the group's first socket (sockets join a group in bind order). fd
 * or -errno + err.
 */
static int open_twin(int fd, char *err, size_t errlen)
{
	struct sock_filter first[] = { BPF_STMT(BPF_RET | BPF_K, 0) };
	struct sock_fprog prog = { .len = 1, .filter = first };
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int twin, ret;

	if (getsockname(fd, (struct sockaddr *)&ss, &len)) {
		ret = -errno;
		snprintf(err, errlen, "getsockname: %s", strerror(-ret));
		return ret;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof(prog))) {
		ret = -errno;
		snprintf(err, errlen, "cannot steer the IKE port to one socket "
			 "(SO_ATTACH_REUSEPORT_CBPF): %s", strerror(-ret));
		return ret;
	}
	twin = ike_net_socket(&ss, err, errlen);
	if (twin < 0)
		return twin;
	/* nothing should ever land here; if it does, little of it */
	setopt(twin, SOL_SOCKET, SO_RCVBUF, 1);
	return twin;
}

/* The twin of an agent socket, -1 if none. */
static int twin_of(const struct ike_agent *a, int fd)
{
	if (fd < 0)
		return -1;
	if (fd == a->fd4_500)
		return a->ufd4_500;
	if (fd == a->fd4_4500)
		return a->ufd4_4500;
	if (fd == a->fd6_500)
		return a->ufd6_500;
	if (fd == a->fd6_4500)
		return a->ufd6_4500;
	return -1;
}

void ike_net_set_ports(uint16_t ike, uint16_t natt)
{
	ports[0] = ike;
	ports[1] = natt;
	have_plan = false;
}

void ike_net_init(struct ike_agent *a)
{
	a->fd4_500 = a->fd4_4500 = a->fd6_500 = a->fd6_4500 = -1;
	a->ufd4_500 = a->ufd4_4500 = a->ufd6_500 = a->ufd6_4500 = -1;
}

void ike_net_close(struct ike_agent *a)
{
	/* Twins first: a group's sockets move down as others leave, and
	 * the steering names the first one (see open_twin). */
	close_fd(&a->ufd4_500);
	close_fd(&a->ufd4_4500);
	close_fd(&a->ufd6_500);
	close_fd(&a->ufd6_4500);
	close_fd(&a->fd4_500);
	close_fd(&a->fd4_4500);
	close_fd(&a->fd6_500);
	close_fd(&a->fd6_4500);
	have_plan = false;
}

int ike_net_open(struct ike_agent *a, const struct ike_config *cfg, char *err,
		 size_t errlen)
{
	int fds[FAM_MAX][2] = { { -1, -1 }, { -1, -1 } };
	int twins[FAM_MAX][2] = { { -1, -1 }, { -1, -1 } };
	struct net_plan p;
	bool by_default = !cfg || !cfg->n_conns;
	int opened = 0, ret = 0;

	plan_make(cfg, &p);
	if (have_plan && plan_equal(&p, &cur_plan))
		return 0;
	for (int f = 0; f < FAM_MAX && !ret; f++) {
		if (!p.want[f])
			continue;
		for (int k = 0; k < 2; k++) {
			struct sockaddr_storage ss = p.addr[f];
			int fd;

			set_port(&ss, ports[k]);
			fd = ike_net_socket(&ss, err, errlen);
			if (fd >= 0) {
				fds[f][k] = fd;
				opened++;
				twins[f][k] = open_twin(fd, err, errlen);
				/* without a twin everything leaves through fd:
				 * the agent runs, but a flood of unverified
				 * initiators can hold up its IKE SAs again */
				if (twins[f][k] < 0)
					ike_shell_log(IKE_LOG_WARN, "no send-only twin: %s",
						      err);
				continue;
			}
			/* No connection asked for this family: a host without
			 * IPv6 still runs. */
			if (by_default && fd == -EAFNOSUPPORT) {
				ike_shell_log(IKE_LOG_WARN, "%s", err);
				break;
			}
			ret = fd;
			break;
		}
	}
	if (!ret && !opened) {
		snprintf(err, errlen, "no UDP socket could be opened");
		ret = -EAFNOSUPPORT;
	}
	if (ret) {
		for (int f = 0; f < FAM_MAX; f++) {
			for (int k = 0; k < 2; k++) {
				close_fd(&twins[f][k]);
				close_fd(&fds[f][k]);
			}
		}
		return ret;
	}
	/* the old sockets (twins first) leave the groups the new ones
	 * joined after them: the new first sockets become the first */
	ike_net_close(a);
	a->fd4_500 = fds[FAM_V4][0];
	a->fd4_4500 = fds[FAM_V4][1];
	a->fd6_500 = fds[FAM_V6][0];
	a->fd6_4500 = fds[FAM_V6][1];
	a->ufd4_500 = twins[FAM_V4][0];
	a->ufd4_4500 = twins[FAM_V4][1];
	a->ufd6_500 = twins[FAM_V6][0];
	a->ufd6_4500 = twins[FAM_V6][1];
	cur_plan = p;
	have_plan = true;
	for (int f = 0; f < FAM_MAX; f++) {
		struct sockaddr_storage ss = p.addr[f];
		char s[IKE_ADDR_STR_MAX];

		if (fds[f][0] < 0)
			continue;
		set_port(&ss, ports[0]);
		ike_shell_log(IKE_LOG_INFO, "listening on %s and port %u",
			      ike_sockaddr_str(&ss, s), ports[1]);
	}
	return 0;
}

/* ------------------------------------------------------------ receive */

/* The address a datagram was sent to, from its packet-info message. */
static bool pktinfo_dst(struct msghdr *mh, struct sockaddr_storage *local)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
		    local->ss_family == AF_INET) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			((struct sockaddr_in *)local)->sin_addr = pi.ipi_addr;
			return true;
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
		    local->ss_family == AF_INET6) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			((struct sockaddr_in6 *)local)->sin6_addr = pi.ipi6_addr;
			return true;
		}
	}
	return false;
}

static void recv_fd(struct ike_agent *a, int fd, bool natt, bool twin);

void ike_net_recv(struct ike_agent *a, int fd)
{
	bool natt = fd == a->fd4_4500 || fd == a->fd6_4500;
	int twin = twin_of(a, fd);

	recv_fd(a, fd, natt, false);
	/* The steering sends nothing to the twin; should it ever, what is
	 * there is read (and counted) rather than lost. */
	if (twin >= 0)
		recv_fd(a, twin, natt, true);
}

static void recv_fd(struct ike_agent *a, int fd, bool natt, bool twin)
{
	struct sockaddr_storage bound;
	socklen_t blen = sizeof(bound);

	memset(&bound, 0, sizeof(bound));
	if (getsockname(fd, (struct sockaddr *)&bound, &blen)) {
		stats.rx_errors++;
		return;
	}
	for (int i = 0; i < NET_RECV_BATCH; i++) {
		union {
			struct cmsghdr align;
			uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
				    CMSG_SPACE(sizeof(struct in_pktinfo))];
		} cbuf;
		struct ike_path path;
		struct iovec iov = { .iov_base = rxbuf, .iov_len = sizeof(rxbuf) };
		struct msghdr mh = {
			.msg_name = &path.remote,
			.msg_namelen = sizeof(path.remote),
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = cbuf.buf,
			.msg_controllen = sizeof(cbuf.buf),
		};
		enum ike_net_kind kind;
		size_t off, len;
		ssize_t n;

		memset(&path, 0, sizeof(path));
		n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				stats.rx_errors++;
			return;
		}
		stats.rx_datagrams++;
		if (twin)
			a->counters[IKE_AC_RX_UNSTEERED]++;
		if ((size_t)n > sizeof(rxbuf) || (mh.msg_flags & MSG_TRUNC)) {
			stats.rx_truncated++;
			continue;
		}
		len = (size_t)n;
		path.local = bound;
		pktinfo_dst(&mh, &path.local);
		path.natt = natt;
		kind = ike_net_classify(natt, rxbuf, len, &off);
		switch (kind) {
		case IKE_NET_IKE:
			stats.rx_ike++;
			ike_sa_input(a, &path, rxbuf + off, len - off);
			break;
		case IKE_NET_KEEPALIVE:
			stats.rx_keepalive++;
			break;
		case IKE_NET_ESP:
			stats.rx_esp++;
			break;
		default:
			stats.rx_runt++;
			break;
		}
	}
}

/* --------------------------------------------------------------- send */

static int path_fd(const struct ike_agent *a, const struct ike_path *path,
		   bool unverified)
{
	int fd = -1;

	if (path->remote.ss_family == AF_INET)
		fd = path->natt ? a->fd4_4500 : a->fd4_500;
	else if (path->remote.ss_family == AF_INET6)
		fd = path->natt ? a->fd6_4500 : a->fd6_500;
	if (unverified && twin_of(a, fd) >= 0)
		fd = twin_of(a, fd);
	return fd;
}

/* Sends iov along path, from path->local when it names an address; an
 * unverified destination through the send-only twin. */
static int send_iov(const struct ike_agent *a, const struct ike_path *path,
		    struct iovec *iov, size_t iovcnt, bool unverified)
{
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cbuf;
	struct msghdr mh = {
		.msg_name = (void *)(uintptr_t)&path->remote,
		.msg_iov = iov,
		.msg_iovlen = iovcnt,
	};
	int fd = path_fd(a, path, unverified), family = path->remote.ss_family;

	if (fd < 0)
		return -EAFNOSUPPORT;
	memset(&cbuf, 0, sizeof(cbuf));
	if (family == AF_INET) {
		const struct sockaddr_in *l = (const struct sockaddr_in *)&path->local;

		mh.msg_namelen = sizeof(struct sockaddr_in);
		if (path->local.ss_family == AF_INET && l->sin_addr.s_addr) {
			struct cmsghdr *c;
			struct in_pktinfo pi = { .ipi_spec_dst = l->sin_addr };

			mh.msg_control = cbuf.buf;
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		}
	} else {
		const struct sockaddr_in6 *l = (const struct sockaddr_in6 *)&path->local;

		mh.msg_namelen = sizeof(struct sockaddr_in6);
		if (path->local.ss_family == AF_INET6 &&
		    !IN6_IS_ADDR_UNSPECIFIED(&l->sin6_addr)) {
			struct cmsghdr *c;
			struct in6_pktinfo pi = { .ipi6_addr = l->sin6_addr };

			mh.msg_control = cbuf.buf;
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = IPPROTO_IPV6;
			c->cmsg_type = IPV6_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		}
	}
	for (;;) {
		if (sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

/* RFC 7296 §1.2, §2.6: a response to IKE_SA_INIT goes to an initiator
 * that has not yet shown it receives at its address. */
static bool to_unverified(const uint8_t *msg, size_t len)
{
	return len >= IKE_HDR_LEN && msg[IKE_HDR_OFF_EXCH] == IKE_EXCH_IKE_SA_INIT &&
	       (msg[IKE_HDR_OFF_FLAGS] & IKE_FLAG_RESPONSE);
}

int ike_net_send(struct ike_agent *a, const struct ike_path *path,
		 const uint8_t *msg, size_t len)
{
	static const uint8_t marker[IKE_NON_ESP_MARKER_LEN];
	bool unverified = to_unverified(msg, len);
	struct iovec iov[2];
	size_t n = 0;
	int ret;

	if (path->natt) {
		/* RFC 3948 §2.2 / RFC 7296 §2.23: the marker precedes IKE on 4500. */
		iov[n].iov_base = (void *)(uintptr_t)marker;
		iov[n++].iov_len = sizeof(marker);
	}
	iov[n].iov_base = (void *)(uintptr_t)msg;
	iov[n++].iov_len = len;
	ret = send_iov(a, path, iov, n, unverified);
	if (unverified)
		a->counters[ret ? IKE_AC_TX_UNVERIFIED_DROP : IKE_AC_TX_UNVERIFIED]++;
	if (ret) {
		char s[IKE_ADDR_STR_MAX];

		stats.tx_errors++;
		ike_shell_log(IKE_LOG_DEBUG, "sending %zu bytes to %s: %s", len,
			      ike_sockaddr_str(&path->remote, s), strerror(-ret));
		return ret;
	}
	stats.tx_ike++;
	return 0;
}

int ike_net_keepalive(struct ike_agent *a, const struct ike_path *path)
{
	static const uint8_t ka = NATT_KEEPALIVE_BYTE;
	struct ike_path p = *path;
	struct iovec iov = { .iov_base = (void *)(uintptr_t)&ka, .iov_len = 1 };
	int ret;

	/* RFC 3948 §2.3: keepalives go to the NAT-T port. */
	p.natt = true;
	ret = send_iov(a, &p, &iov, 1, false);
	if (ret)
		stats.tx_errors++;
	else
		stats.tx_keepalive++;
	return ret;
}

