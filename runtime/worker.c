// SPDX-License-Identifier: GPL-2.0-only
/*
 * The AF_XDP worker loop. Per batch: take the worker lock, move inbound
 * frames (outside rx -> open -> steer tx, or merged TCP -> tap write) and
 * outbound frames (steer rx -> seal -> outside tx; tap read -> segment ->
 * seal -> outside tx), release; then reap completions, refill the fill
 * rings and kick transmission (copy mode needs a sendto() per batch). An
 * idle worker sleeps in poll().
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_ether.h>
#include <linux/if_xdp.h>

#include "csum.h"
#include "gso.h"
#include "ip.h"
#include "mtu.h"
#include "pmtu.h"
#include "worker.h"

#define ETH_HLEN_ 14u

static inline uint64_t frame_base(uint64_t addr)
{
	return addr & ~(uint64_t)(XSD_FRAME_SIZE - 1);
}

static inline void frame_free(struct xsd_worker *w, uint64_t addr)
{
	w->free_frames[w->nfree++] = frame_base(addr);
}

static void eth_write(uint8_t *eth, const uint8_t *dst, const uint8_t *src,
		      const uint8_t *ip)
{
	memcpy(eth, dst, 6);
	memcpy(eth + 6, src, 6);
	xs_put_be16(eth + 12, (ip[0] >> 4) == 4 ? ETH_P_IP : ETH_P_IPV6);
}

/* The source address of a frame for the stack: the inner tag tc_inner
 * reads (abi.h): what opened it, or the worker itself. */
static void inner_tag(uint8_t tag[6], uint8_t kind, uint32_t reqid)
{
	tag[0] = XS_INNER_MAGIC;
	tag[1] = kind;
	xs_put_be32(tag + 2, reqid);
}

static void tx_flush(struct xsd_worker *w, struct xsd_port *port, struct xsd_tx_batch *tb,
		     enum xsd_worker_counter counter)
{
	uint32_t idx, n, i;

	if (!tb->n)
		return;
	n = xsk_ring_prod__reserve(&port->tx, tb->n, &idx);
	for (i = 0; i < n; i++) {
		struct xdp_desc *d = xsk_ring_prod__tx_desc(&port->tx, idx + i);

		d->addr = tb->addr[i];
		d->len = tb->len[i];
		d->options = 0;
	}
	xsk_ring_prod__submit(&port->tx, n);
	port->tx_pending += n;
	w->counters[counter] += n;
	for (; i < tb->n; i++) {
		w->counters[XSD_WC_DROP_TX_FULL]++;
		frame_free(w, tb->addr[i]);
	}
	tb->n = 0;
}

/* Queues a frame whose Ethernet header starts at addr. */
static void to_stack(struct xsd_worker *w, uint64_t addr, uint32_t len)
{
	struct xsd_tx_batch *tb = &w->to_stack;

	if (tb->n == XSD_BATCH)
		tx_flush(w, &w->steer, tb, XSD_WC_TX_INBOUND);
	tb->addr[tb->n] = addr;
	tb->len[tb->n++] = len;
}

static void to_out(struct xsd_worker *w, uint64_t addr, uint32_t len)
{
	struct xsd_tx_batch *tb = &w->to_out;

	if (tb->n == XSD_BATCH)
		tx_flush(w, &w->out, tb, XSD_WC_TX_OUTBOUND);
	tb->addr[tb->n] = addr;
	tb->len[tb->n++] = len;
}

static uint64_t frame_alloc(struct xsd_worker *w)
{
	if (!w->nfree) {
		w->counters[XSD_WC_DROP_NO_FRAME]++;
		return UINT64_MAX;
	}
	return w->free_frames[--w->nfree];
}

static void complete_tx(struct xsd_worker *w, struct xsd_port *port);

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* writev() of a merge run, kept out of line: inlined into merge_flush,
 * gcc 12 with ASan cannot see the iovec array's bounds and warns
 * (-Wstringop-overread) about a read it does not make. */
static __attribute__((noinline)) ssize_t tap_writev(int fd, const struct iovec *iov,
						    uint32_t cnt)
{
	if (cnt > XSD_MERGE_MAX + 2)
		return -1;
	return writev(fd, iov, (int)cnt);
}

/*
 * Sends the merged run on: two or more segments as one packet written to
 * the tap, a single one to the steer veth like any opened packet. What is
 * queued for the steer veth goes first, so a flow's packets keep their
 * order between the two ways into the stack.
 */
static void merge_flush(struct xsd_worker *w)
{
	struct xsd_merge *m = &w->merge;
	struct virtio_net_hdr vh;
	uint8_t src[6];
	uint32_t n = m->n;

	if (!n)
		return;
	m->n = 0;
	if (n == 1) {
		to_stack(w, m->tag[0], (uint32_t)m->iov[1].iov_len + ETH_HLEN_);
		return;
	}
	xsd_merge_finish(m, &vh, ETH_HLEN_);
	memcpy(w->tap_wr, &vh, sizeof(vh));
	/* One run, one SA's reqid (do_inbound). */
	inner_tag(src, XS_INNER_OPENED, w->merge_reqid);
	eth_write(w->tap_wr + sizeof(vh), w->tap_mac, src, m->first);
	if (w->to_stack.n) {
		tx_flush(w, &w->steer, &w->to_stack, XSD_WC_TX_INBOUND);
		complete_tx(w, &w->steer);
	}
	m->iov[0] = (struct iovec){ w->tap_wr, sizeof(w->tap_wr) };
	if (tap_writev(w->tap_fd, m->iov, n + 1) < 0) {
		w->counters[XSD_WC_DROP_TAP_WRITE] += n;
	} else {
		w->counters[XSD_WC_TAP_WRITES]++;
		w->counters[XSD_WC_TAP_MERGED] += n;
		w->counters[XSD_WC_TX_INBOUND] += n;
	}
	for (uint32_t i = 0; i < n; i++)
		frame_free(w, m->tag[i]);
}

/*
 * Where the Ethernet header of an inbound frame starts (returned; the
 * frame starts with xdp_ingress's struct xs_xsk_hdr, abi.h) and how long
 * its link-layer header is (*l2): xdp_ingress parsed it, and the worker
 * parses no L2 of its own. 0 if the header is missing or points outside.
 */
static uint32_t inbound_l2(const uint8_t *frame, uint32_t len, uint32_t *l2)
{
	struct xs_xsk_hdr h;

	if (len < sizeof(h))
		return 0;
	memcpy(&h, frame, sizeof(h));
	if (h.magic != XS_XSK_HDR_MAGIC || h.l3_off < ETH_HLEN_ ||
	    h.l3_off >= len - sizeof(h))
		return 0;
	*l2 = h.l3_off;
	return sizeof(h);
}

/* Inbound: an ESP/AH frame from the outside. Returns 0 if it was queued. */
static int do_inbound(struct xsd_worker *w, uint64_t addr, uint32_t len)
{
	uint8_t *frame = xsk_umem__get_data(w->umem_area, frame_base(addr));
	uint32_t off = (uint32_t)(addr - frame_base(addr)), l2, hdr;
	struct xs_sa *sa;
	uint8_t src[6];
	struct xs_pkt p;
	uint64_t eth;

	w->counters[XSD_WC_RX_INBOUND]++;
	hdr = inbound_l2(frame + off, len, &l2);
	if (!hdr) {
		w->counters[XSD_WC_DROP_NO_HEAD]++;
		return -1;
	}
	off += hdr;
	len -= hdr;
	p = (struct xs_pkt){ frame, XSD_FRAME_SIZE, off + l2, len - l2 };
	if (xs_open(w->in_db, &p, &sa)) {
		w->counters[XSD_WC_DROP_OPEN]++;
		return -1;
	}
	/* tc_inner checks the inner header against the `dir in` rules of
	 * this SA's reqid (RFC 4301 §5.2 step 4). */
	inner_tag(src, XS_INNER_OPENED, sa->tag);
	eth_write(frame + p.off - ETH_HLEN_, w->stack_mac, src, frame + p.off);
	eth = frame_base(addr) + p.off - ETH_HLEN_;
	/* A merge run carries one reqid in its tag. */
	if (w->merge.n && w->merge_reqid != sa->tag)
		merge_flush(w);
	w->merge_reqid = sa->tag;
	if (w->tap_fd >= 0) {
		if (w->merge.n && xsd_merge_add(&w->merge, frame + p.off, p.len, eth)) {
			if (w->merge.closed)
				merge_flush(w);
			return 0;
		}
		merge_flush(w);
		if (xsd_merge_start(&w->merge, frame + p.off, p.len, eth)) {
			if (w->merge.closed)
				merge_flush(w);
			return 0;
		}
	}
	to_stack(w, eth, p.len + ETH_HLEN_);
	return 0;
}

/* Seals the datagram at frame + off (len bytes) and queues it for the
 * outside link behind an Ethernet header to dst. */
static void seal_out(struct xsd_worker *w, struct xs_sa *sa, uint64_t base,
		     uint32_t off, uint32_t len, const uint8_t *dst)
{
	uint8_t *frame = xsk_umem__get_data(w->umem_area, base);
	struct xs_pkt p = { frame, XSD_FRAME_SIZE, off, len };

	if (xs_seal(sa, &p)) {
		w->counters[XSD_WC_DROP_SEAL]++;
		frame_free(w, base);
		return;
	}
	if (p.len > w->out_mtu) {
		w->counters[XSD_WC_DROP_TOO_BIG]++;
		frame_free(w, base);
		return;
	}
	eth_write(frame + p.off - ETH_HLEN_, dst, w->out_mac, frame + p.off);
	to_out(w, base + p.off - ETH_HLEN_, p.len + ETH_HLEN_);
}

/* RFC 4301 §8.2.1: tell the sender the MTU left inside the tunnel. */
static void send_too_big(struct xsd_worker *w, struct xs_sa *sa, const uint8_t *ip,
			 uint32_t len, uint32_t mtu)
{
	const uint8_t v4 = (ip[0] >> 4) == 4;
	const uint8_t *src;
	uint64_t base, now = (uint64_t)time(NULL);
	uint8_t *frame, tag[6];
	uint32_t n;

	if (now != w->icmp_window) {
		w->icmp_window = now;
		w->icmp_sent = 0;
	}
	if (w->icmp_sent >= XSD_ICMP_PER_S) {
		w->counters[XSD_WC_ICMP_RATE_LIMITED]++;
		return;
	}
	/* From our end of the tunnel when the families agree, else from the
	 * destination the packet could not reach. */
	if ((sa->cfg.family == AF_INET) == v4)
		src = sa->cfg.src.b;
	else
		src = v4 ? ip + 16 : ip + 24;
	base = frame_alloc(w);
	if (base == UINT64_MAX)
		return;
	frame = xsk_umem__get_data(w->umem_area, base);
	n = xsd_icmp_too_big(frame + XSD_FRAME_HEADROOM, ip, len, mtu, src);
	if (!n) {
		frame_free(w, base);
		return;
	}
	w->icmp_sent++;
	w->counters[XSD_WC_ICMP_TOO_BIG]++;
	inner_tag(tag, XS_INNER_LOCAL, 0);
	eth_write(frame + XSD_FRAME_HEADROOM - ETH_HLEN_, w->stack_mac, tag,
		  frame + XSD_FRAME_HEADROOM);
	to_stack(w, base + XSD_FRAME_HEADROOM - ETH_HLEN_, n + ETH_HLEN_);
}

/* RFC 4301 §8.1: an IPv4 datagram without DF is fragmented before sealing;
 * each fragment gets a frame and is sealed on its own. */
static void fragment_out(struct xsd_worker *w, struct xs_sa *sa, const uint8_t *ip,
			 uint32_t mtu, const uint8_t *dst)
{
	uint32_t data_off = 0, n;

	w->counters[XSD_WC_FRAGMENTED]++;
	for (;;) {
		uint64_t base = frame_alloc(w);
		uint8_t *frame;

		if (base == UINT64_MAX)
			return;
		frame = xsk_umem__get_data(w->umem_area, base);
		n = xsd_ip4_fragment(frame + XSD_FRAME_HEADROOM, ip, mtu, &data_off);
		if (!n) {
			frame_free(w, base);
			return;
		}
		w->counters[XSD_WC_FRAGMENTS]++;
		seal_out(w, sa, base, XSD_FRAME_HEADROOM, n, dst);
	}
}

/* The outbound SA the steer tag in a frame's source MAC names (abi.h). */
static struct xs_sa *outbound_sa(struct xsd_worker *w, const uint8_t *eth)
{
	uint32_t policy;

	if (eth[6] != XS_STEER_MAGIC) {
		w->counters[XSD_WC_DROP_NOT_TAGGED]++;
		return NULL;
	}
	policy = xs_get_be32(eth + 8);
	if (policy < XS_SPD_RULES_MAX && w->out_sa[policy])
		return w->out_sa[policy];
	w->counters[XSD_WC_DROP_NO_SA]++;
	return NULL;
}

/* The IP datagram at base + off (len bytes, checksums complete) under the
 * SA, towards the next hop dst: sealed, or fragmented first, or answered
 * with ICMP too big. Returns 0 if the frame was taken. */
static int outbound_ip(struct xsd_worker *w, struct xs_sa *sa, uint64_t base, uint32_t off,
		       uint32_t len, const uint8_t *dst)
{
	uint8_t *ip = (uint8_t *)xsk_umem__get_data(w->umem_area, base) + off;
	uint32_t hl = (ip[0] >> 4) == 4 ? (ip[0] & 0x0fu) * 4u : XS_IPV6_HDR_LEN;
	uint32_t limit = xs_sa_inner_mtu(sa, w->out_mtu, hl);

	if (len > limit) {
		if ((ip[0] >> 4) == 4 && !(xs_get_be16(ip + 6) & 0x4000) &&
		    len >= XS_IPV4_HDR_LEN && xs_get_be16(ip + 2) <= len)
			fragment_out(w, sa, ip, limit, dst);
		else
			send_too_big(w, sa, ip, len, limit);
		return -1;
	}
	seal_out(w, sa, base, off, len, dst);
	return 0;
}

/* Outbound: a tagged cleartext frame from the steer veth. */
static int do_outbound(struct xsd_worker *w, uint64_t addr, uint32_t len)
{
	uint8_t *frame = xsk_umem__get_data(w->umem_area, frame_base(addr));
	uint32_t off = (uint32_t)(addr - frame_base(addr));
	uint8_t *eth = frame + off, dst[6];
	struct xs_sa *sa;

	w->counters[XSD_WC_RX_OUTBOUND]++;
	if (len < ETH_HLEN_ + XS_IPV4_HDR_LEN) {
		w->counters[XSD_WC_DROP_RUNT]++;
		return -1;
	}
	sa = outbound_sa(w, eth);
	if (!sa)
		return -1;
	memcpy(dst, eth, 6);
	len -= ETH_HLEN_;
	xsd_l4_csum_complete(eth + ETH_HLEN_, len);
	return outbound_ip(w, sa, frame_base(addr), off + ETH_HLEN_, len, dst);
}

/* Copies an IP datagram (or the next GSO segment of one) into a fresh
 * frame and sends it on as do_outbound would. */
static void tap_one(struct xsd_worker *w, struct xs_sa *sa, const uint8_t *eth,
		    uint32_t len, struct xsd_gso *g)
{
	const uint32_t off = XSD_FRAME_HEADROOM, room = XSD_FRAME_SIZE - XSD_FRAME_HEADROOM;
	uint64_t base = frame_alloc(w);
	uint8_t *ip;
	int n;

	if (base == UINT64_MAX)
		return;
	ip = (uint8_t *)xsk_umem__get_data(w->umem_area, base) + off;
	if (g) {
		n = xsd_gso_next(g, ip, room);
		w->counters[XSD_WC_GSO_SEGMENTS]++;
	} else if (len <= room) {
		memcpy(ip, eth + ETH_HLEN_, len);
		xsd_l4_csum_complete(ip, len);
		n = (int)len;
	} else {
		n = -ENOSPC;
	}
	if (n <= 0) {
		w->counters[XSD_WC_DROP_GSO_BAD]++;
		frame_free(w, base);
		return;
	}
	if (outbound_ip(w, sa, base, off, (uint32_t)n, eth))
		frame_free(w, base);
}

/*
 * Outbound: one read from the GSO tap, a tagged frame with a virtio_net_hdr
 * in front. A TCP GSO packet (gso_type TCPV4/TCPV6, csum_start at its TCP
 * header) is cut into gso_size segments; anything else is one datagram.
 * Returns the datagrams sent on (0: nothing was there).
 */
static uint32_t tap_read(struct xsd_worker *w)
{
	const struct virtio_net_hdr *vh = (const void *)w->tap_buf;
	const uint8_t *eth = w->tap_buf + sizeof(*vh);
	ssize_t got = read(w->tap_fd, w->tap_buf, sizeof(w->tap_buf));
	uint32_t len, l4, type, done = 0;
	struct xsd_gso g;
	struct xs_sa *sa;

	if (got < 0) {
		if (errno != EAGAIN && errno != EINTR)
			w->counters[XSD_WC_TAP_READ_ERROR]++;
		w->tap_ready = false;
		return 0;
	}
	w->tap_ready = true;
	w->counters[XSD_WC_RX_TAP]++;
	if ((size_t)got < sizeof(*vh) + ETH_HLEN_ + XS_IPV4_HDR_LEN) {
		w->counters[XSD_WC_DROP_RUNT]++;
		return 1;
	}
	len = (uint32_t)got - (uint32_t)sizeof(*vh) - ETH_HLEN_;
	/* TC sends the tap only tagged frames; anything else is the kernel's
	 * own on the tap (MLD reports once IPv6 forwarding is on), which
	 * protects nothing and goes nowhere. */
	if (eth[6] != XS_STEER_MAGIC) {
		w->counters[XSD_WC_TAP_OWN]++;
		return 1;
	}
	sa = outbound_sa(w, eth);
	if (!sa)
		return 1;
	type = vh->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	if (type == VIRTIO_NET_HDR_GSO_NONE) {
		tap_one(w, sa, eth, len, NULL);
		return 1;
	}
	l4 = (uint32_t)vh->csum_start - ETH_HLEN_;
	w->counters[XSD_WC_RX_GSO]++;
	if ((type != VIRTIO_NET_HDR_GSO_TCPV4 && type != VIRTIO_NET_HDR_GSO_TCPV6) ||
	    !(vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) || vh->csum_start < ETH_HLEN_ ||
	    xsd_gso_init(&g, eth + ETH_HLEN_, len, l4, vh->gso_size)) {
		w->counters[XSD_WC_DROP_GSO_BAD]++;
		return 1;
	}
	while (g.next < g.len || !g.seg) {
		tap_one(w, sa, eth, len, &g);
		done++;
		if (g.seg != done)
			break;		/* no frame, or a bad segment: counted */
	}
	return done;
}

static uint32_t tap_batch(struct xsd_worker *w)
{
	uint32_t work = 0;

	for (uint32_t i = 0; i < XSD_TAP_READS; i++) {
		work += tap_read(w);
		if (!w->tap_ready)
			break;
	}
	return work;
}

/* Moves up to one batch from port's rx ring through fn. */
static uint32_t rx_batch(struct xsd_worker *w, struct xsd_port *port,
			 int (*fn)(struct xsd_worker *, uint64_t, uint32_t))
{
	uint32_t idx, n, i;

	n = xsk_ring_cons__peek(&port->rx, XSD_BATCH, &idx);
	for (i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&port->rx, idx + i);

		if (fn(w, d->addr, d->len))
			frame_free(w, d->addr);
	}
	xsk_ring_cons__release(&port->rx, n);
	return n;
}

static void complete_tx(struct xsd_worker *w, struct xsd_port *port)
{
	uint32_t idx, n, i;

	/* Copy mode transmits inside sendto() and moves a bounded number of
	 * frames per call: kick until the ring is drained or stops moving. */
	for (int kicks = 0; port->tx_pending && kicks < XSD_KICKS_MAX; kicks++) {
		/* Zero-copy drivers may not need the syscall (need_wakeup);
		 * copy mode always does. */
		if (xsk_ring_prod__needs_wakeup(&port->tx) &&
		    sendto(port->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 &&
		    errno != EAGAIN && errno != EBUSY && errno != ENOBUFS &&
		    errno != ENETDOWN)
			w->counters[XSD_WC_TX_KICK_ERROR]++;
		n = xsk_ring_cons__peek(&port->comp, XSD_RING, &idx);
		for (i = 0; i < n; i++)
			frame_free(w, *xsk_ring_cons__comp_addr(&port->comp, idx + i));
		xsk_ring_cons__release(&port->comp, n);
		port->tx_pending -= n;
		if (!n)
			break;
	}
}

static void refill(struct xsd_worker *w, struct xsd_port *port)
{
	uint32_t idx, n, want;

	/* Keep half the free frames for the other port's fill ring. */
	want = xsk_prod_nb_free(&port->fill, w->nfree / 2 + 1);
	if (want > w->nfree / 2)
		want = w->nfree / 2;
	if (!want)
		return;
	n = xsk_ring_prod__reserve(&port->fill, want, &idx);
	for (uint32_t i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&port->fill, idx + i) = w->free_frames[--w->nfree];
	xsk_ring_prod__submit(&port->fill, n);
	/* A driver that ran out of fill buffers waits to be told there are
	 * new ones. */
	if (n && xsk_ring_prod__needs_wakeup(&port->fill))
		recvfrom(port->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
}

static void *worker_main(void *arg)
{
	struct xsd_worker *w = arg;
	struct pollfd pfd[3] = {
		{ .fd = w->out.fd, .events = POLLIN },
		{ .fd = w->steer.fd, .events = POLLIN },
		{ .fd = w->tap_fd, .events = POLLIN },	/* -1: ignored */
	};

	if (w->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(w->cpu, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	uint32_t idle = 0;

	while (!w->stop) {
		bool in = xsk_cons_nb_avail(&w->out.rx, 1), out = xsk_cons_nb_avail(&w->steer.rx, 1);
		/* The tap is read while it has frames, every XSD_TAP_EVERY
		 * passes otherwise (a read finding nothing is a wasted
		 * syscall), and after a sleep in poll(), which watches it too. */
		bool tap = w->tap_fd >= 0 && (w->tap_ready || !(++w->tap_skip % XSD_TAP_EVERY));
		uint32_t work = 0, n_in = 0;

		/* The lock guards the SA tables: only a pass with frames to
		 * open or seal takes it. */
		if (in || out || tap) {
			pthread_mutex_lock(&w->lock);
			if (in)
				n_in = rx_batch(w, &w->out, do_inbound);
			if (out)
				work += rx_batch(w, &w->steer, do_outbound);
			if (tap)
				work += tap_batch(w);
			pthread_mutex_unlock(&w->lock);
			work += n_in;
		}
		/* A run being merged waits a little for its flow's next
		 * segments (they come in bursts, the peer's batches); the
		 * clock is read once per pass with frames, every eighth
		 * pass without. */
		if (n_in)
			w->merge_last_ns = w->merge.n ? mono_ns() : 0;
		else if (w->merge.n && !(++w->merge_skip & 7u) &&
			 mono_ns() - w->merge_last_ns >= XSD_MERGE_WAIT_NS)
			merge_flush(w);
		tx_flush(w, &w->steer, &w->to_stack, XSD_WC_TX_INBOUND);
		tx_flush(w, &w->out, &w->to_out, XSD_WC_TX_OUTBOUND);
		complete_tx(w, &w->steer);
		complete_tx(w, &w->out);
		refill(w, &w->out);
		refill(w, &w->steer);
		/* Spin while there is work and a little after; sleep when idle
		 * (2 cores are shared with the stack and the applications),
		 * a merge run sent first. (Yielding while spinning gave the
		 * stack's threads more time but cost TCP 10 %.) */
		if (work || w->out.tx_pending || w->steer.tx_pending)
			idle = 0;
		else if (++idle > XSD_SPIN_IDLE && !w->merge.n &&
			 poll(pfd, 3, XSD_POLL_MS) > 0)
			w->tap_ready = w->tap_fd >= 0 && (pfd[2].revents & POLLIN);
	}
	return NULL;
}

static int port_open(struct xsd_worker *w, struct xsd_port *port, const char *ifname,
		     uint32_t queue, uint16_t bind_flags, bool first)
{
	struct xsk_socket_config cfg = {
		.rx_size = XSD_RING,
		.tx_size = XSD_RING,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		/* No copy/zero-copy flag: the kernel takes zero-copy where the
		 * driver has it and copy mode otherwise (veth). */
		.bind_flags = (uint16_t)(bind_flags | XDP_USE_NEED_WAKEUP),
	};
	int ret;

	/* The first socket uses the rings made with the UMEM. */
	if (first)
		ret = xsk_socket__create(&port->xsk, ifname, queue, w->umem, &port->rx,
					 &port->tx, &cfg);
	else
		ret = xsk_socket__create_shared(&port->xsk, ifname, queue, w->umem,
						&port->rx, &port->tx, &port->fill,
						&port->comp, &cfg);
	if (ret)
		return ret;
	port->fd = xsk_socket__fd(port->xsk);
	return 0;
}

int xsd_worker_open(struct xsd_worker *w, const char *out_if, const char *steer_if,
		    uint32_t queue, uint16_t bind_flags, char *err, size_t errlen)
{
	struct xsk_umem_config ucfg = {
		.fill_size = XSD_RING,
		.comp_size = XSD_RING,
		.frame_size = XSD_FRAME_SIZE,
		.frame_headroom = 0,
	};
	const size_t size = (size_t)XSD_FRAMES * XSD_FRAME_SIZE;
	int ret;

	pthread_mutex_init(&w->lock, NULL);
	w->out.fd = w->steer.fd = -1;
	w->umem_area = mmap(NULL, size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (w->umem_area == MAP_FAILED) {
		w->umem_area = NULL;
		snprintf(err, errlen, "cannot map %zu bytes of UMEM", size);
		return -ENOMEM;
	}
	ret = xsk_umem__create(&w->umem, w->umem_area, size, &w->out.fill,
			       &w->out.comp, &ucfg);
	if (ret) {
		snprintf(err, errlen, "cannot create UMEM: %s", strerror(-ret));
		return ret;
	}
	ret = port_open(w, &w->out, out_if, queue, bind_flags, true);
	if (ret) {
		snprintf(err, errlen, "cannot open AF_XDP socket on %s queue %u: %s",
			 out_if, queue, strerror(-ret));
		return ret;
	}
	/* The worker's own steer pair is single-queue (docs/bpf.md). */
	ret = port_open(w, &w->steer, steer_if, 0, bind_flags, false);
	if (ret) {
		snprintf(err, errlen, "cannot open AF_XDP socket on %s queue 0: %s",
			 steer_if, strerror(-ret));
		return ret;
	}
	for (uint32_t i = 0; i < XSD_FRAMES; i++)
		w->free_frames[i] = (uint64_t)i * XSD_FRAME_SIZE;
	w->nfree = XSD_FRAMES;
	refill(w, &w->out);
	refill(w, &w->steer);
	return 0;
}

int xsd_worker_start(struct xsd_worker *w)
{
	int ret = pthread_create(&w->thread, NULL, worker_main, w);

	if (ret)
		return -ret;
	w->running = true;
	return 0;
}

void xsd_worker_close(struct xsd_worker *w)
{
	if (w->running) {
		w->stop = 1;
		pthread_join(w->thread, NULL);
		w->running = false;
	}
	if (w->steer.xsk)
		xsk_socket__delete(w->steer.xsk);
	if (w->out.xsk)
		xsk_socket__delete(w->out.xsk);
	w->steer.xsk = w->out.xsk = NULL;
	if (w->umem)
		xsk_umem__delete(w->umem);
	w->umem = NULL;
	if (w->umem_area)
		munmap(w->umem_area, (size_t)XSD_FRAMES * XSD_FRAME_SIZE);
	w->umem_area = NULL;
}
