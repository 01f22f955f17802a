/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared helpers for the BPF_PROG_TEST_RUN tests: loading an object with its
 * read-only config set, reading per-CPU counters, an AF_XDP socket to fill
 * XSKMAP slots with, and a small frame builder.
 */
#ifndef XS_BPF_TEST_H
#define XS_BPF_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <linux/if_xdp.h>
#include <xdp/xsk.h>

#include <xdpsec/abi.h>

#ifndef XS_BPF_OBJ_DIR
#error "XS_BPF_OBJ_DIR must name the directory holding the .bpf.o files"
#endif

/* ------------------------------------------------------------ loading */

/* Overwrites the .rodata variable `name` of an opened object before load. */
static inline int xs_set_rodata(struct bpf_object *obj, const char *name,
				const void *val, size_t len)
{
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec;
	struct bpf_map *map;
	const void *init;
	struct btf *btf;
	size_t size;
	void *copy;
	int id, i, err;

	btf = bpf_object__btf(obj);
	if (!btf)
		return -ENOENT;
	id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (id < 0)
		return id;
	sec = btf__type_by_id(btf, id);

	bpf_object__for_each_map(map, obj) {
		if (bpf_map__is_internal(map) &&
		    strstr(bpf_map__name(map), ".rodata"))
			break;
	}
	if (!map)
		return -ENOENT;
	init = bpf_map__initial_value(map, &size);
	if (!init)
		return -ENOENT;

	vs = btf_var_secinfos(sec);
	for (i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *var = btf__type_by_id(btf, vs->type);

		if (strcmp(btf__name_by_offset(btf, var->name_off), name))
			continue;
		if (vs->size != len || vs->offset + len > size)
			return -EINVAL;
		copy = malloc(size);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, init, size);
		memcpy((char *)copy + vs->offset, val, len);
		err = bpf_map__set_initial_value(map, copy, size);
		free(copy);
		return err;
	}
	return -ENOENT;
}

/* Opens XS_BPF_OBJ_DIR/file, sets the config variable, loads (verifier). */
static inline struct bpf_object *xs_load(const char *file, const char *cfg_name,
					 const void *cfg, size_t cfg_len)
{
	char path[512];
	struct bpf_object *obj;

	snprintf(path, sizeof(path), "%s/%s", XS_BPF_OBJ_DIR, file);
	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		fprintf(stderr, "open %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (cfg_name && xs_set_rodata(obj, cfg_name, cfg, cfg_len)) {
		fprintf(stderr, "%s: cannot set %s\n", path, cfg_name);
		bpf_object__close(obj);
		return NULL;
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "load %s: %s\n", path, strerror(errno));
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

/*
 * Opens and loads XS_BPF_OBJ_DIR/file (default config) with every map pinned
 * by name under pin_dir, as the daemon does (loader/dp.c): a map an earlier
 * object pinned there is reused, not created.
 */
static inline struct bpf_object *xs_load_pinned(const char *file, const char *pin_dir)
{
	char path[512];
	struct bpf_object *obj;
	struct bpf_map *map;

	snprintf(path, sizeof(path), "%s/%s", XS_BPF_OBJ_DIR, file);
	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		fprintf(stderr, "open %s: %s\n", path, strerror(errno));
		return NULL;
	}
	bpf_object__for_each_map(map, obj) {
		if (bpf_map__is_internal(map))
			continue;
		snprintf(path, sizeof(path), "%s/%s", pin_dir, bpf_map__name(map));
		if (bpf_map__set_pin_path(map, path))
			goto fail;
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "load %s pinned under %s: %s\n", file, pin_dir,
			strerror(errno));
		goto fail;
	}
	return obj;
fail:
	bpf_object__close(obj);
	return NULL;
}

static inline int xs_map_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, name);

	return map ? bpf_map__fd(map) : -1;
}

static inline int xs_prog_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, name);

	return prog ? bpf_program__fd(prog) : -1;
}

/* Removes the pins xs_load_pinned() made (those still there). */
static inline void xs_unpin_maps(struct bpf_object *obj)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj)
		if (bpf_map__pin_path(map))
			unlink(bpf_map__pin_path(map));
}

/* The kernel's id of a loaded map. */
static inline __u32 xs_map_id(struct bpf_object *obj, const char *name)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	int fd = xs_map_fd(obj, name);

	memset(&info, 0, sizeof(info));
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

/* ---------------------------------------------------- SPD, by hand */

/*
 * Writes the rule list ids[n] into the object's entries array (at the
 * next free position of this process) and points trie `trie` at key to
 * it. For tests of what the programs do with any map contents; the real
 * compiler (loader/spd.c) is driven by test_spd_property.
 */
static inline int xs_put_list(struct bpf_object *obj, const char *trie, const void *key,
			      const uint32_t *ids, uint32_t n)
{
	static uint32_t next = 1000;
	int efd = xs_map_fd(obj, XS_STR(XS_MAP_SPD_ENTRIES));
	struct xs_spd_list l = { next, n };

	for (uint32_t i = 0; i < n; i++) {
		__u32 k = next + i;
		__u64 v = ids[i];

		if (bpf_map_update_elem(efd, &k, &v, BPF_ANY))
			return -1;
	}
	next += n;
	return bpf_map_update_elem(xs_map_fd(obj, trie), key, &l, BPF_ANY);
}

/* ----------------------------------------------------------- counters */

#define XS_MAX_COUNTERS 64

struct xs_snap {
	uint64_t packets[XS_MAX_COUNTERS];
	uint64_t bytes[XS_MAX_COUNTERS];
};

/* Sums the per-CPU packet and byte counts of every slot of a counter map. */
static inline void xs_snap_read(int fd, unsigned int n, struct xs_snap *s)
{
	int ncpu = libbpf_num_possible_cpus();
	struct xs_counter *per_cpu;
	unsigned int i;
	int cpu;

	assert_true(ncpu > 0);
	assert_true(n <= XS_MAX_COUNTERS);
	memset(s, 0, sizeof(*s));
	per_cpu = calloc(ncpu, sizeof(*per_cpu));
	assert_non_null(per_cpu);
	for (i = 0; i < n; i++) {
		__u32 key = i;

		assert_int_equal(bpf_map_lookup_elem(fd, &key, per_cpu), 0);
		for (cpu = 0; cpu < ncpu; cpu++) {
			s->packets[i] += per_cpu[cpu].packets;
			s->bytes[i] += per_cpu[cpu].bytes;
		}
	}
	free(per_cpu);
}

/*
 * Asserts that between two snapshots exactly the counters `a` and `b` moved,
 * by one packet of `len` bytes each (a == b: that one counter only).
 */
static inline void xs_snap_assert_delta(const struct xs_snap *before,
					const struct xs_snap *after,
					unsigned int n, unsigned int a,
					unsigned int b, size_t len,
					const char *const *names)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		int moved = i == a || i == b;
		uint64_t dp = after->packets[i] - before->packets[i];
		uint64_t db = after->bytes[i] - before->bytes[i];

		if (dp != (moved ? 1u : 0u))
			fail_msg("counter %s: %llu packets, expected %d",
				 names[i], (unsigned long long)dp, moved);
		if (db != (moved ? len : 0u))
			fail_msg("counter %s: %llu bytes, expected %zu",
				 names[i], (unsigned long long)db,
				 moved ? len : 0);
	}
}

/* ------------------------------------------------------ frame builder */

/*
 * Frames are built front to back; pkt_finish() fills in IP and UDP lengths
 * and the IPv4 checksum, after which tests may break fields on purpose.
 */
struct pkt {
	uint8_t b[1600];
	size_t len;
	size_t l3;		/* IP header offset */
	size_t udp;		/* UDP header offset, 0 = none */
	int family;		/* 4, 6, or 0 before an IP header */
};

#define PKT_DST_MAC	{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 }
#define PKT_SRC_MAC	{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 }

static inline void pkt_init(struct pkt *p)
{
	memset(p, 0, sizeof(*p));
}

static inline uint8_t *pkt_put(struct pkt *p, size_t n)
{
	uint8_t *r;

	assert_true(p->len + n <= sizeof(p->b));
	r = p->b + p->len;
	memset(r, 0, n);
	p->len += n;
	return r;
}

static inline void pkt_be16(uint8_t *at, uint16_t v)
{
	at[0] = v >> 8;
	at[1] = v & 0xff;
}

static inline void pkt_be32(uint8_t *at, uint32_t v)
{
	pkt_be16(at, v >> 16);
	pkt_be16(at + 2, v & 0xffff);
}

static inline void pkt_bytes(struct pkt *p, const void *data, size_t n)
{
	uint8_t *at = pkt_put(p, n);

	if (n)
		memcpy(at, data, n);
}

static inline void pkt_fill(struct pkt *p, uint8_t byte, size_t n)
{
	memset(pkt_put(p, n), byte, n);
}

static inline void pkt_eth(struct pkt *p, uint16_t type)
{
	static const uint8_t dst[6] = PKT_DST_MAC, src[6] = PKT_SRC_MAC;
	uint8_t *h = pkt_put(p, 14);

	memcpy(h, dst, 6);
	memcpy(h + 6, src, 6);
	pkt_be16(h + 12, type);
}

/* One 802.1Q tag after an Ethernet header typed 0x8100. */
static inline void pkt_vlan(struct pkt *p, uint16_t vid, uint16_t type)
{
	uint8_t *h = pkt_put(p, 4);

	pkt_be16(h, vid);
	pkt_be16(h + 2, type);
}

/* 192.0.2.1 -> 198.51.100.1 (RFC 5737), opt_len bytes of NOP options. */
static inline void pkt_ipv4_addrs(struct pkt *p, uint8_t proto, size_t opt_len,
				  uint32_t src, uint32_t dst)
{
	uint8_t *h;

	assert_true(opt_len % 4 == 0 && opt_len <= 40);
	p->l3 = p->len;
	p->family = 4;
	h = pkt_put(p, 20 + opt_len);
	h[0] = 0x40 | ((20 + opt_len) / 4);
	h[8] = 64;
	h[9] = proto;
	pkt_be32(h + 12, src);
	pkt_be32(h + 16, dst);
	memset(h + 20, 0x01, opt_len);		/* NOP, RFC 791 §3.1 */
}

static inline void pkt_ipv4(struct pkt *p, uint8_t proto, size_t opt_len)
{
	pkt_ipv4_addrs(p, proto, opt_len, 0xc0000201, 0xc6336401);
}

/* Fragment offset in 8-octet units and the MF flag. */
static inline void pkt_ipv4_frag(struct pkt *p, uint16_t off8, int mf)
{
	pkt_be16(p->b + p->l3 + 6, (off8 & 0x1fff) | (mf ? 0x2000 : 0));
}

static inline void pkt_ipv6_addrs(struct pkt *p, uint8_t nexthdr,
				  const uint8_t src[16], const uint8_t dst[16])
{
	uint8_t *h;

	p->l3 = p->len;
	p->family = 6;
	h = pkt_put(p, 40);
	h[0] = 0x60;
	h[6] = nexthdr;
	h[7] = 64;
	memcpy(h + 8, src, 16);
	memcpy(h + 24, dst, 16);
}

/* 2001:db8::1 -> 2001:db8::2 (RFC 3849). */
static inline void pkt_ipv6(struct pkt *p, uint8_t nexthdr)
{
	static const uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

	pkt_ipv6_addrs(p, nexthdr, src, dst);
}

/*
 * A Hop-by-Hop, Routing or Destination Options header (the previous header
 * names its type) of (units + 1) * 8 octets, padded with PadN.
 */
static inline void pkt_ipv6_opt(struct pkt *p, uint8_t next, uint8_t units)
{
	size_t len = (units + 1) * 8;
	uint8_t *h = pkt_put(p, len);

	h[0] = next;
	h[1] = units;
	h[2] = 1;			/* PadN, RFC 8200 §4.2 */
	h[3] = len - 4;
}

static inline void pkt_ipv6_frag(struct pkt *p, uint8_t next, uint16_t off8,
				 int mf)
{
	uint8_t *h = pkt_put(p, 8);

	h[0] = next;
	pkt_be16(h + 2, (uint16_t)(off8 << 3) | (mf ? 1 : 0));
	pkt_be32(h + 4, 0x12345678);
}

static inline void pkt_udp(struct pkt *p, uint16_t sport, uint16_t dport)
{
	uint8_t *h;

	p->udp = p->len;
	h = pkt_put(p, 8);
	pkt_be16(h, sport);
	pkt_be16(h + 2, dport);
}

static inline void pkt_tcp(struct pkt *p, uint16_t sport, uint16_t dport)
{
	uint8_t *h = pkt_put(p, 20);

	pkt_be16(h, sport);
	pkt_be16(h + 2, dport);
	h[12] = 5 << 4;
	h[13] = 0x02;			/* SYN */
}

static inline void pkt_icmp(struct pkt *p, uint8_t type, uint8_t code)
{
	uint8_t *h = pkt_put(p, 8);

	h[0] = type;
	h[1] = code;
}

/* ESP header (RFC 4303 §2) and n bytes standing in for IV, data and ICV. */
static inline void pkt_esp(struct pkt *p, uint32_t spi, uint32_t seq, size_t n)
{
	uint8_t *h = pkt_put(p, 8);

	pkt_be32(h, spi);
	pkt_be32(h + 4, seq);
	pkt_fill(p, 0xab, n);
}

/* AH header (RFC 4302 §2) with a 16-byte ICV, then n bytes of payload. */
static inline void pkt_ah(struct pkt *p, uint8_t next, uint32_t spi, size_t n)
{
	uint8_t *h = pkt_put(p, 12 + 16);

	h[0] = next;
	h[1] = (12 + 16) / 4 - 2;
	pkt_be32(h + 4, spi);
	pkt_be32(h + 8, 1);
	pkt_fill(p, 0xcd, n);
}

static inline uint16_t pkt_csum(const uint8_t *d, size_t n)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)d[i] << 8 | d[i + 1];
	if (n & 1)
		sum += (uint32_t)d[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Fills in lengths (and the IPv4 checksum) for everything after them. */
static inline void pkt_finish(struct pkt *p)
{
	uint8_t *ip = p->b + p->l3;

	if (p->udp)
		pkt_be16(p->b + p->udp + 4, p->len - p->udp);
	if (p->family == 4) {
		size_t hlen = (ip[0] & 0x0f) * 4;

		pkt_be16(ip + 2, p->len - p->l3);
		pkt_be16(ip + 10, 0);
		pkt_be16(ip + 10, pkt_csum(ip, hlen));
	} else if (p->family == 6) {
		pkt_be16(ip + 4, p->len - p->l3 - 40);
	}
}

/* Link-layer padding after the datagram, up to a minimum frame of n bytes. */
static inline void pkt_pad_to(struct pkt *p, size_t n)
{
	if (p->len < n)
		pkt_put(p, n - p->len);
}

/* -------------------------------------------------- an AF_XDP socket */

/*
 * An AF_XDP socket bound in copy mode to queue 0 of `ifname`: it fills XSKMAP
 * slots for test runs, and receives frames in the live veth tests.
 */
struct xs_test_xsk {
	void *area;
	size_t area_len;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp;
	struct xsk_ring_cons rx;
};

#define XS_TEST_XSK_FRAMES 64

/* Puts every umem frame on the fill ring, for the kernel to receive into. */
static inline int xs_test_xsk_give_frames(struct xs_test_xsk *x)
{
	__u32 idx, i;

	if (xsk_ring_prod__reserve(&x->fill, XS_TEST_XSK_FRAMES, &idx) !=
	    XS_TEST_XSK_FRAMES)
		return -ENOSPC;
	for (i = 0; i < XS_TEST_XSK_FRAMES; i++)
		*xsk_ring_prod__fill_addr(&x->fill, idx + i) =
			(__u64)i * XSK_UMEM__DEFAULT_FRAME_SIZE;
	xsk_ring_prod__submit(&x->fill, XS_TEST_XSK_FRAMES);
	return 0;
}

static inline int xs_test_xsk_open(struct xs_test_xsk *x, const char *ifname)
{
	struct xsk_socket_config cfg = {
		.rx_size = XSK_RING_CONS__DEFAULT_NUM_DESCS,
		.tx_size = 0,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_COPY,
	};
	int err;

	memset(x, 0, sizeof(*x));
	x->area_len = (size_t)XSK_UMEM__DEFAULT_FRAME_SIZE * XS_TEST_XSK_FRAMES;
	x->area = mmap(NULL, x->area_len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (x->area == MAP_FAILED)
		return -errno;
	err = xsk_umem__create(&x->umem, x->area, x->area_len, &x->fill,
			       &x->comp, NULL);
	if (err)
		return err;
	err = xsk_socket__create(&x->xsk, ifname, 0, x->umem, &x->rx, NULL,
				 &cfg);
	if (err)
		return err;
	return xs_test_xsk_give_frames(x);
}

/* Waits up to timeout_ms for one frame; copies it out. 1: got one, 0: none. */
static inline int xs_test_xsk_recv(struct xs_test_xsk *x, struct pkt *out,
				   int timeout_ms)
{
	struct pollfd pfd = { .fd = xsk_socket__fd(x->xsk), .events = POLLIN };
	const struct xdp_desc *d;
	__u32 idx;

	if (!xsk_ring_cons__peek(&x->rx, 1, &idx)) {
		if (poll(&pfd, 1, timeout_ms) <= 0)
			return 0;
		if (!xsk_ring_cons__peek(&x->rx, 1, &idx))
			return 0;
	}
	d = xsk_ring_cons__rx_desc(&x->rx, idx);
	assert_true(d->len <= sizeof(out->b));
	memcpy(out->b, xsk_umem__get_data(x->area, d->addr), d->len);
	out->len = d->len;
	xsk_ring_cons__release(&x->rx, 1);
	return 1;
}

static inline void xs_test_xsk_close(struct xs_test_xsk *x)
{
	if (x->xsk)
		xsk_socket__delete(x->xsk);
	if (x->umem)
		xsk_umem__delete(x->umem);
	if (x->area && x->area != MAP_FAILED)
		munmap(x->area, x->area_len);
	memset(x, 0, sizeof(*x));
}

/* ----------------------------------------------------------- live veths */

/* Runs a shell command (ip, sysctl) in the test's netns; returns its status. */
static inline int xs_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int xs_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st)) {
		fprintf(stderr, "%s: did not run\n", cmd);
		return -1;
	}
	if (WEXITSTATUS(st))
		fprintf(stderr, "%s: exit %d\n", cmd, WEXITSTATUS(st));
	return WEXITSTATUS(st);
}

/* A veth pair, both ends up, no IPv6 chatter (router solicitations, MLD). */
static inline int xs_veth_add(const char *a, const char *b)
{
	return xs_sh("ip link add %s type veth peer name %s && "
		     "sysctl -qw net.ipv6.conf.%s.disable_ipv6=1 "
		     "net.ipv6.conf.%s.disable_ipv6=1 && "
		     "ip link set %s up && ip link set %s up",
		     a, b, a, b, a, b);
}

/* ----------------------------------------------------------- test run */

/* Runs a program once on the frame; returns the program's return value. */
static inline int xs_run(int prog_fd, struct pkt *in, struct pkt *out)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = in->b,
		.data_size_in = in->len,
		.data_out = out ? out->b : NULL,
		.data_size_out = out ? sizeof(out->b) : 0,
		.repeat = 1,
	);
	int err;

	err = bpf_prog_test_run_opts(prog_fd, &opts);
	if (err)
		fail_msg("bpf_prog_test_run_opts: %d (%s)", err, strerror(-err));
	if (out)
		out->len = opts.data_size_out;
	return opts.retval;
}

#endif /* XS_BPF_TEST_H */
