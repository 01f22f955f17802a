// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdp_ingress: XDP on the outside interface.
 *
 * ESP, AH and ESP-in-UDP (RFC 3948) frames whose SPI is in XS_MAP_SPI go to
 * the owning worker's AF_XDP socket; IKE addressed to this host goes to
 * the kernel untouched.
 * Cleartext meets the inbound SPD first (RFC 4301 §5.2 step 3): what a
 * `dir in` policy says must arrive protected, or discarded, is dropped here;
 * the rest goes to the kernel. Each frame bumps one verdict counter and one
 * reason counter in XS_MAP_XDP_STATS. See docs/bpf.md.
 */
#include "spd.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by the loader before load; the verifier prunes what is off. */
const volatile struct xs_xdp_cfg XS_CFG_XDP = {
	.unknown_spi_pass = 0,
	.ike_port = XS_PORT_IKE,
	.natt_port = XS_PORT_NATT,
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XS_SPI_MAX);
	__type(key, struct xs_spi_key);
	__type(value, struct xs_spi_val);
} XS_MAP_SPI SEC(".maps");

/* Inbound SAs per xs_spi_filter_slot(); written by the daemon through mmap
 * (8-byte values: an mmapped array lays its elements out 8-byte aligned). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XS_SPI_FILTER_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
} XS_MAP_SPI_FILTER SEC(".maps");

/* This host's addresses (the daemon keeps them from rtnetlink). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XS_LOCAL_ADDRS_MAX);
	__type(key, struct xs_addr_key);
	__type(value, __u32);
} XS_MAP_LOCAL_ADDRS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, XS_XSK_SLOTS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} XS_MAP_XSKS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XS_XDP_COUNTER_MAX);
	__type(key, __u32);
	__type(value, struct xs_counter);
} XS_MAP_XDP_STATS SEC(".maps");

/* Every exit goes through here: one verdict counter, one reason counter. */
static __always_inline int verdict_bytes(int action, enum xs_xdp_counter reason,
					 __u64 bytes)
{
	if (action == XDP_REDIRECT)
		xs_count(&XS_MAP_XDP_STATS, XS_XDP_REDIRECT, bytes);
	else if (action == XDP_PASS)
		xs_count(&XS_MAP_XDP_STATS, XS_XDP_PASS, bytes);
	else
		xs_count(&XS_MAP_XDP_STATS, XS_XDP_DROP, bytes);
	xs_count(&XS_MAP_XDP_STATS, reason, bytes);
	return action;
}

static __always_inline int verdict(struct xdp_md *ctx, int action,
				   enum xs_xdp_counter reason)
{
	return verdict_bytes(action, reason, ctx->data_end - ctx->data);
}

static __always_inline int drop_malformed(struct xdp_md *ctx, int err)
{
	if (err == XS_PARSE_BAD)
		return verdict(ctx, XDP_DROP, XS_XDP_DROP_BAD_IP_HEADER);
	if (err == XS_PARSE_EXT_LIMIT)
		return verdict(ctx, XDP_DROP, XS_XDP_DROP_EXT_HDR_LIMIT);
	if (err == XS_PARSE_VLAN_DEPTH)
		return verdict(ctx, XDP_DROP, XS_XDP_DROP_VLAN_DEPTH);
	return verdict(ctx, XDP_DROP, XS_XDP_DROP_TRUNCATED);
}

/*
 * Tells the worker where the IP header starts: a struct xs_xsk_hdr in
 * front of the frame (abi.h), so it never parses the link layer itself.
 * Moves ctx->data: every packet pointer is stale afterwards. Fails
 * closed: a frame the worker could not place is not handed over.
 */
static __always_inline int push_xsk_hdr(struct xdp_md *ctx, __u32 l3)
{
	struct xs_xsk_hdr *h;

	if (bpf_xdp_adjust_head(ctx, -(int)sizeof(*h)))
		return -1;
	h = (void *)(long)ctx->data;
	if ((void *)(h + 1) > (void *)(long)ctx->data_end)
		return -1;
	h->magic = XS_XSK_HDR_MAGIC;
	h->l3_off = (__u16)l3;
	return 0;
}

/* Hands a frame of a known SA to its worker's socket for this rx queue,
 * the offset of its IP header (l3) in front. */
static __always_inline int to_worker(struct xdp_md *ctx, __be32 spi, __u8 proto,
				     int encap, enum xs_xdp_counter reason, __u32 l3)
{
	struct xs_spi_key key = { .spi = spi, .proto = proto };
	__u32 queue, worker, slot = xs_spi_filter_slot(spi);
	struct xs_spi_val *sa = NULL;
	__u64 *n, bytes;

	/* An empty filter slot answers "unknown" for most SPIs nobody holds
	 * at the cost of an array load, not a hash lookup (a flood of them
	 * is the case to be cheap for). */
	n = bpf_map_lookup_elem(&XS_MAP_SPI_FILTER, &slot);
	if (n && *n)
		sa = bpf_map_lookup_elem(&XS_MAP_SPI, &key);
	if (!sa) {
		if (XS_CFG_XDP.unknown_spi_pass)
			return verdict(ctx, XDP_PASS, XS_XDP_PASS_UNKNOWN_SPI);
		return verdict(ctx, XDP_DROP, XS_XDP_DROP_UNKNOWN_SPI);
	}
	/* An SA is either UDP-encapsulated (RFC 3948) or not, never both. */
	if (!!(sa->flags & XS_SPI_F_UDP_ENCAP) != encap)
		return verdict(ctx, XDP_DROP, XS_XDP_DROP_ENCAP_MISMATCH);

	queue = ctx->rx_queue_index;
	worker = sa->worker;
	if (queue >= XS_QUEUES_MAX || worker >= XS_WORKERS_MAX)
		return verdict(ctx, XDP_DROP, XS_XDP_DROP_BAD_SLOT);
	/* Counted before the header goes on: frame bytes as they came. */
	bytes = ctx->data_end - ctx->data;
	if (push_xsk_hdr(ctx, l3))
		return verdict_bytes(XDP_DROP, XS_XDP_DROP_NO_HEAD, bytes);
	if (bpf_redirect_map(&XS_MAP_XSKS, XS_XSK_SLOT(queue, worker),
			     XDP_DROP) != XDP_REDIRECT) {
		/* Dropped as it came, header off again. */
		bpf_xdp_adjust_head(ctx, (int)sizeof(struct xs_xsk_hdr));
		return verdict_bytes(XDP_DROP, XS_XDP_DROP_NO_SOCKET, bytes);
	}
	return verdict_bytes(XDP_REDIRECT, reason, bytes);
}

/*
 * Cleartext (RFC 4301 §5.2 step 3): a packet that is not IPsec or IKE is
 * looked up by its source address in the inbound tries. A matching PROTECT
 * rule means it should have arrived in an SA, DISCARD that it must not
 * arrive at all: both are dropped. BYPASS, and no rule, go to the kernel.
 * Opened packets re-enter through the steer veth and never come by here.
 */
static __always_inline int cleartext(struct xdp_md *ctx, struct xs_cursor *c,
				     struct xs_ip *ip, struct xs_flow *f)
{
	struct xs_spd_walk w = {};
	struct xs_spd_rule *r;
	int res;

	if (xs_flow_ports(c, ip, f))
		return verdict(ctx, XDP_DROP, XS_XDP_DROP_TRUNCATED);
	if (xs_flow_is_nd(f, ip))
		return verdict(ctx, XDP_PASS, XS_XDP_PASS_ND);
	xs_spd_walk_init(&w, f, f->daddr, 1);
	res = xs_spd_lookup(&XS_MAP_SPD_IN_V4, &XS_MAP_SPD_IN_V6, &w, f->saddr,
			    XS_SPD_BYPASS);
	if (res == XS_SPD_R_ERROR)
		return verdict(ctx, XDP_DROP, XS_XDP_DROP_SPD_ERROR);
	if (res == XS_SPD_R_AMBIGUOUS)
		return verdict(ctx, XDP_DROP, XS_XDP_DROP_FRAGMENT_AMBIGUOUS);
	if (res == XS_SPD_R_DEFAULT)
		return verdict(ctx, XDP_PASS, XS_XDP_PASS_NOT_IPSEC);
	r = xs_spd_rule(&w);
	if (!r)
		return verdict(ctx, XDP_DROP, XS_XDP_DROP_SPD_ERROR);
	xs_policy_count(r->policy_id, ctx->data_end - ctx->data);
	if (r->action == XS_SPD_PROTECT)
		return verdict(ctx, XDP_DROP, XS_XDP_DROP_POLICY_CLEARTEXT);
	if (r->action == XS_SPD_DISCARD)
		return verdict(ctx, XDP_DROP, XS_XDP_DROP_POLICY_DISCARD);
	return verdict(ctx, XDP_PASS, XS_XDP_PASS_POLICY);
}

/* ESP header: SPI, then sequence number (RFC 4303 §2). */
static __always_inline int handle_esp(struct xdp_md *ctx, struct xs_cursor *c,
				      struct xs_ip *ip)
{
	__be32 *esp;

	if (ip->frag != XS_FRAG_NONE)
		return verdict(ctx, XDP_PASS, XS_XDP_PASS_FRAGMENT);
	esp = xs_peek(c, ip, 8);
	if (!esp)
		return verdict(ctx, XDP_DROP, XS_XDP_DROP_TRUNCATED);
	return to_worker(ctx, esp[0], XS_IPPROTO_ESP, 0, XS_XDP_REDIRECT_ESP, c->l3);
}

/* AH header: next header, length, reserved, SPI, sequence (RFC 4302 §2). */
static __always_inline int handle_ah(struct xdp_md *ctx, struct xs_cursor *c,
				     struct xs_ip *ip)
{
	__be32 *ah;

	if (ip->frag != XS_FRAG_NONE)
		return verdict(ctx, XDP_PASS, XS_XDP_PASS_FRAGMENT);
	ah = xs_peek(c, ip, 12);
	if (!ah)
		return verdict(ctx, XDP_DROP, XS_XDP_DROP_TRUNCATED);
	return to_worker(ctx, ah[1], XS_IPPROTO_AH, 0, XS_XDP_REDIRECT_AH, c->l3);
}

/*
 * IKE ends at this host (RFC 7296 §2: its own addresses); UDP to the IKE
 * ports of any other address is someone's traffic to forward, and meets
 * the inbound SPD like any cleartext.
 */
static __always_inline int to_this_host(const struct xs_flow *f)
{
	struct xs_addr_key k = { .family = f->family };

	/* f is zeroed before parsing: an IPv4 address has 12 zero octets
	 * after it, as the key wants. */
	__builtin_memcpy(k.addr, f->daddr, 16);
	return bpf_map_lookup_elem(&XS_MAP_LOCAL_ADDRS, &k) != NULL;
}

/*
 * UDP to the NAT-T port carries three things (RFC 3948 §2): a one-octet
 * 0xFF NAT-keepalive (§2.3), IKE behind a four-octet zero Non-ESP Marker
 * (§2.2), or ESP whose SPI, never zero, starts the payload (§2.1).
 */
static __always_inline int handle_udp(struct xdp_md *ctx, struct xs_cursor *c,
				      struct xs_ip *ip, struct xs_flow *f)
{
	struct udphdr *udp;
	__u8 *payload;
	__u32 ulen, plen;
	__u16 dport;

	if (ip->frag == XS_FRAG_LATER)	/* no ports to look at */
		return cleartext(ctx, c, ip, f);
	udp = xs_peek(c, ip, sizeof(*udp));
	if (!udp)
		return verdict(ctx, XDP_DROP, XS_XDP_DROP_TRUNCATED);
	dport = bpf_ntohs(udp->dest);
	if (dport == XS_CFG_XDP.ike_port)
		return to_this_host(f) ? verdict(ctx, XDP_PASS, XS_XDP_PASS_IKE) :
					 cleartext(ctx, c, ip, f);
	if (dport != XS_CFG_XDP.natt_port)
		return cleartext(ctx, c, ip, f);

	payload = (void *)(udp + 1);
	if (ip->frag == XS_FRAG_FIRST) {
		/*
		 * IKE messages are often fragmented and go to the kernel like
		 * any fragment; ESP is handed over only whole (docs/bpf.md).
		 * The UDP length here describes the reassembled datagram.
		 */
		if ((void *)(payload + 4) <= c->end && *(__u32 *)payload == 0)
			return to_this_host(f) ? verdict(ctx, XDP_PASS, XS_XDP_PASS_IKE) :
						 cleartext(ctx, c, ip, f);
		return verdict(ctx, XDP_PASS, XS_XDP_PASS_FRAGMENT);
	}

	/* RFC 768: Length covers header and data and fits the datagram. */
	ulen = bpf_ntohs(udp->len);
	if (ulen < sizeof(*udp) || ulen > ip->left)
		return verdict(ctx, XDP_DROP, XS_XDP_DROP_BAD_NATT);
	plen = ulen - sizeof(*udp);

	if (plen == 1) {
		if ((void *)(payload + 1) > c->end)
			return verdict(ctx, XDP_DROP, XS_XDP_DROP_TRUNCATED);
		if (payload[0] == 0xff)
			return verdict(ctx, XDP_DROP, XS_XDP_DROP_NATT_KEEPALIVE);
		return verdict(ctx, XDP_DROP, XS_XDP_DROP_BAD_NATT);
	}
	if (plen < 4)
		return verdict(ctx, XDP_DROP, XS_XDP_DROP_BAD_NATT);
	if ((void *)(payload + 4) > c->end)
		return verdict(ctx, XDP_DROP, XS_XDP_DROP_TRUNCATED);
	if (*(__u32 *)payload == 0)
		return to_this_host(f) ? verdict(ctx, XDP_PASS, XS_XDP_PASS_IKE) :
					 cleartext(ctx, c, ip, f);
	/* ESP needs at least SPI and sequence number (RFC 4303 §2). */
	if (plen < 8)
		return verdict(ctx, XDP_DROP, XS_XDP_DROP_BAD_NATT);
	return to_worker(ctx, *(__be32 *)payload, XS_IPPROTO_ESP, 1,
			 XS_XDP_REDIRECT_ESP_UDP, c->l3);
}

SEC("xdp")
int xs_xdp_ingress(struct xdp_md *ctx)
{
	struct xs_cursor c = {
		.pos = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
		.start = (void *)(long)ctx->data,
		.wire = ctx->data_end - ctx->data,
	};
	struct xs_flow f = {};
	struct xs_ip ip = {};
	int proto;

	proto = xs_flow_parse(&c, &ip, &f);
	if (proto == XS_PARSE_NOT_IP)
		return verdict(ctx, XDP_PASS, XS_XDP_PASS_NOT_IP);
	if (proto < 0)
		return drop_malformed(ctx, proto);

	switch (proto) {
	case IPPROTO_ESP:
		return handle_esp(ctx, &c, &ip);
	case IPPROTO_AH:
		return handle_ah(ctx, &c, &ip);
	case IPPROTO_UDP:
		return handle_udp(ctx, &c, &ip, &f);
	default:
		return cleartext(ctx, &c, &ip, &f);
	}
}
