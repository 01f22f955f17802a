// SPDX-License-Identifier: GPL-2.0-only
/*
 * The harness shared by fuzz_esp_open.c and fuzz_ah_open.c: the SA table,
 * counters and their invariants, the received and seal/mutate/open modes,
 * the seed writer and the libFuzzer entry points. The input format and
 * the invariants are described at the top of both fuzzers.
 *
 * The including file defines FUZZ_PROTO (XS_PROTO_ESP or XS_PROTO_AH: the
 * SAs that seal, and the open function of mode 1), includes this header
 * once, and then defines the hooks declared below.
 */
#ifndef XS_FUZZ_OPEN_H
#define XS_FUZZ_OPEN_H

#ifndef FUZZ_PROTO
#error "define FUZZ_PROTO before including fuzz_open.h"
#endif

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "engine.h"
#include "fuzz_check.h"

#define PKT_MAX_IN 8192u


struct fuzz_sa_def {
	uint32_t spi;
	uint8_t proto;
	uint8_t mode;
	uint8_t family;
	uint8_t suite;
	bool esn;
	bool encap;
	uint32_t window;
};

static const struct fuzz_sa_def defs[] = {
	{ 0x1001, XS_PROTO_ESP, XS_MODE_TUNNEL, AF_INET, XS_SUITE_AES128GCM16, false, false, 1024 },
	{ 0x1002, XS_PROTO_ESP, XS_MODE_TRANSPORT, AF_INET6, XS_SUITE_AES128CBC_SHA256, false, false, 64 },
	{ 0x1003, XS_PROTO_ESP, XS_MODE_TUNNEL, AF_INET, XS_SUITE_CHACHA20POLY1305, true, true, 4096 },
	{ 0x1004, XS_PROTO_ESP, XS_MODE_TUNNEL, AF_INET6, XS_SUITE_NULL_SHA256, true, false, 128 },
	{ 0x1005, XS_PROTO_ESP, XS_MODE_TRANSPORT, AF_INET, XS_SUITE_AES256CBC_SHA256, true, true, 0 },
	{ 0x1006, XS_PROTO_ESP, XS_MODE_TRANSPORT, AF_INET, XS_SUITE_NULL_SHA256, false, false, 64 },
	{ 0x2001, XS_PROTO_AH, XS_MODE_TRANSPORT, AF_INET, XS_SUITE_SHA256, false, false, 64 },
	{ 0x2002, XS_PROTO_AH, XS_MODE_TUNNEL, AF_INET, XS_SUITE_SHA256, true, false, 1024 },
	{ 0x2003, XS_PROTO_AH, XS_MODE_TRANSPORT, AF_INET6, XS_SUITE_SHA256, true, false, 64 },
	{ 0x2004, XS_PROTO_AH, XS_MODE_TUNNEL, AF_INET6, XS_SUITE_SHA256, false, false, 0 },
	/* Same SPI as the first, other protocol: WRONG_PROTO paths. */
	{ 0x1001, XS_PROTO_AH, XS_MODE_TUNNEL, AF_INET, XS_SUITE_SHA256, false, false, 64 },
};

#define NSA (sizeof(defs) / sizeof(defs[0]))

static struct xs_sa *tx[NSA], *rx[NSA];
static struct xs_sadb *db;
static bool verbose; /* FUZZ_VERBOSE=1: say what each input did */

static void iv_fixed(void *arg, uint64_t seq, uint8_t *iv, unsigned int len)
{
	(void)arg;
	for (unsigned int i = 0; i < len; i++)
		iv[i] = (uint8_t)((seq >> (8 * (i % 8))) ^ (i * 0x3b));
}

/* The HMAC key of an SA (32 bytes, RFC 4868 §2.1.1). */
static void sa_auth_key(const struct fuzz_sa_def *d, uint8_t *key)
{
	for (unsigned int i = 0; i < 32; i++)
		key[i] = (uint8_t)(0xa0 + i + d->spi);
}

static struct xs_sa *sa_make(const struct fuzz_sa_def *d)
{
	const struct xs_suite_info *si = xs_suite_info(d->suite);
	struct xs_sa_config cfg;
	struct xs_sa *sa;

	xs_sa_config_init(&cfg);
	cfg.spi = d->spi;
	cfg.proto = d->proto;
	cfg.mode = d->mode;
	cfg.family = d->family;
	cfg.suite = d->suite;
	cfg.esn = d->esn;
	cfg.replay_window = d->window;
	if (d->encap) {
		cfg.encap_sport = XS_NATT_PORT;
		cfg.encap_dport = XS_NATT_PORT;
	}
	if (d->family == AF_INET) {
		inet_pton(AF_INET, "192.0.2.1", &cfg.src.v4);
		inet_pton(AF_INET, "192.0.2.2", &cfg.dst.v4);
	} else {
		inet_pton(AF_INET6, "2001:db8::1", &cfg.src.v6);
		inet_pton(AF_INET6, "2001:db8::2", &cfg.dst.v6);
	}
	for (unsigned int i = 0; i < si->enc_key_len; i++)
		cfg.enc_key[i] = (uint8_t)(0x10 + i + d->spi);
	cfg.enc_key_len = si->enc_key_len;
	sa_auth_key(d, cfg.auth_key);
	cfg.auth_key_len = si->auth_key_len;
	sa = xs_sa_new(&cfg);
	if (!sa) {
		perror("xs_sa_new");
		abort();
	}
	xs_sa_set_iv_fn(sa, iv_fixed, NULL);
	return sa;
}

static void setup(void)
{
	db = xs_sadb_new(64);
	if (!db)
		abort();
	for (size_t i = 0; i < NSA; i++) {
		tx[i] = sa_make(&defs[i]);
		rx[i] = sa_make(&defs[i]);
		if (xs_sadb_add(db, rx[i]))
			abort();
	}
}

static void sa_reset(struct xs_sa *sa)
{
	xs_sa_tx_restart(sa, sa->cfg.seq_start);
	xs_replay_init(&sa->replay, sa->cfg.replay_window, sa->cfg.esn);
	memset(&sa->stats, 0, sizeof(sa->stats));
	sa->soft_expired = false;
	sa->hard_expired = false;
}

static void reset_all(void)
{
	memset(db->drops, 0, sizeof(db->drops));
	for (size_t i = 0; i < NSA; i++) {
		sa_reset(tx[i]);
		sa_reset(rx[i]);
	}
}

/* ---- counters ------------------------------------------------------------ */

static uint64_t drops_sum(const uint64_t *d)
{
	uint64_t s = 0;

	for (unsigned int r = 0; r < XS_DROP_MAX; r++)
		s += d[r];
	return s;
}

static uint64_t all_drops(void)
{
	uint64_t s = drops_sum(db->drops);

	for (size_t i = 0; i < NSA; i++)
		s += drops_sum(tx[i]->stats.drops) + drops_sum(rx[i]->stats.drops);
	return s;
}

static uint64_t all_packets(void)
{
	uint64_t s = 0;

	for (size_t i = 0; i < NSA; i++)
		s += tx[i]->stats.packets + rx[i]->stats.packets;
	return s;
}

struct snap {
	uint64_t drops, packets, where;
};

static void snap_take(struct snap *s, const uint64_t *where)
{
	s->drops = all_drops();
	s->packets = all_packets();
	s->where = where ? drops_sum(where) : 0;
}

/* ret was returned and counted in where (when it is a drop): exactly one
 * counter moved, the right one, or one good packet was counted. */
static void snap_check(const struct snap *s, int ret, const uint64_t *where,
		       uint64_t where_before_r)
{
	CHECK(ret >= 0 && ret < XS_DROP_MAX);
	if (ret == XS_DROP_NONE) {
		CHECK(all_drops() == s->drops);
		CHECK(all_packets() == s->packets + 1);
		return;
	}
	CHECK(all_drops() == s->drops + 1);
	CHECK(all_packets() == s->packets);
	CHECK(where[ret] == where_before_r + 1);
}

static void check_bounds(const struct xs_pkt *p, uint32_t cap)
{
	CHECK(p->cap == cap);
	CHECK(p->off <= cap);
	CHECK(p->len <= cap - p->off);
}

/* ---- opening received packets --------------------------------------------- */

/* A heap buffer exactly around the packet, so ASan sees any overrun. */
static uint8_t *pkt_alloc(struct xs_pkt *p, const uint8_t *data, size_t len,
			  uint32_t head, uint32_t tail)
{
	uint8_t *b = malloc(head + len + tail);

	if (!b)
		abort();
	memset(b, 0xee, head);
	memcpy(b + head, data, len);
	memset(b + head + len, 0xdd, tail);
	p->buf = b;
	p->cap = (uint32_t)(head + len + tail);
	p->off = head;
	p->len = (uint32_t)len;
	return b;
}

static int open_db(struct xs_pkt *p)
{
	uint64_t db_before[XS_DROP_MAX], sa_before[NSA][XS_DROP_MAX];
	struct xs_sa *sa = rx[0];
	struct snap s;
	int ret;

	snap_take(&s, NULL);
	memcpy(db_before, db->drops, sizeof(db_before));
	for (size_t i = 0; i < NSA; i++)
		memcpy(sa_before[i], rx[i]->stats.drops, sizeof(sa_before[i]));
	ret = xs_open(db, p, &sa);
	CHECK(ret >= 0 && ret < XS_DROP_MAX);
	check_bounds(p, p->cap);
	/* Before an SA is found the database counts; after, the SA. */
	if (!sa) {
		CHECK(ret != XS_DROP_NONE);
		snap_check(&s, ret, db->drops, db_before[ret]);
		return ret;
	}
	for (size_t i = 0; i < NSA; i++) {
		if (rx[i] != sa)
			continue;
		snap_check(&s, ret, sa->stats.drops, sa_before[i][ret]);
		return ret;
	}
	CHECK(!"xs_open returned an SA that is not in the database");
	return ret;
}

static int open_direct(struct xs_sa *sa, struct xs_pkt *p)
{
	uint64_t before[XS_DROP_MAX];
	struct snap s;
	int ret;

	snap_take(&s, NULL);
	memcpy(before, sa->stats.drops, sizeof(before));
	ret = FUZZ_PROTO == XS_PROTO_ESP ? xs_esp_open(sa, p) : xs_ah_open(sa, p);
	CHECK(ret >= 0 && ret < XS_DROP_MAX);
	check_bounds(p, p->cap);
	snap_check(&s, ret, sa->stats.drops, before[ret]);
	return ret;
}

static void fuzz_received(uint8_t mode, uint8_t pick, const uint8_t *data,
			  size_t len)
{
	struct xs_sa *sa = rx[pick % NSA];
	struct xs_pkt p;
	uint8_t *b;

	if (mode & 4) {
		uint64_t top = 0;

		if (len < 8)
			return;
		for (int i = 0; i < 8; i++)
			top = top << 8 | data[i];
		data += 8;
		len -= 8;
		/* As if top had been seen (a 32-bit SA never sees more). */
		if (!sa->cfg.esn)
			top &= UINT32_MAX;
		xs_replay_commit(&sa->replay, top ? top : 1);
	}
	if (len > PKT_MAX_IN)
		return;
	/* Bit 3: no byte behind the packet (AH with ESN needs 4). */
	b = pkt_alloc(&p, data, len, 16, (mode & 8) ? 0 : 4);
	if ((mode & 3) == 0) {
		int ret = open_db(&p);

		if (verbose)
			fprintf(stderr, "xs_open: %s\n", xs_drop_name((unsigned int)ret));
	} else {
		int ret = open_direct(sa, &p);

		if (verbose)
			fprintf(stderr, "open spi %#x: %s\n", sa->cfg.spi,
				xs_drop_name((unsigned int)ret));
	}
	free(b);
}

/* ---- seal, mutate, open ---------------------------------------------------- */

static uint16_t be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static void ip4_csum(uint8_t *h)
{
	uint32_t ihl = (h[0] & 0x0fu) * 4u, s = 0;

	h[10] = h[11] = 0;
	for (uint32_t i = 0; i < ihl; i += 2)
		s += be16(h + i);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	h[10] = (uint8_t)(~s >> 8);
	h[11] = (uint8_t)~s;
}

/*
 * Makes the header of pkt agree with its length and version so that seal
 * gets past parsing: the rest (options, extension header chain, payload)
 * stays as the fuzzer wrote it. Returns false if it cannot.
 */
static bool fixup(uint8_t *pkt, uint32_t len, int ver, bool transport)
{
	if (ver == 4) {
		uint32_t ihl;

		if (len < 20 || len > 65535)
			return false;
		pkt[0] = (uint8_t)(0x40 | (pkt[0] & 0x0f));
		ihl = (pkt[0] & 0x0fu) * 4u;
		if (ihl < 20 || ihl > len)
			pkt[0] = 0x45;
		pkt[2] = (uint8_t)(len >> 8);
		pkt[3] = (uint8_t)len;
		if (transport) {
			pkt[6] &= 0x40; /* keep DF: fragments are refused */
			pkt[7] = 0;
		}
		ip4_csum(pkt);
		return true;
	}
	if (len <= 40 || len - 40 > 65535)
		return false;
	pkt[0] = (uint8_t)(0x60 | (pkt[0] & 0x0f));
	pkt[4] = (uint8_t)((len - 40) >> 8);
	pkt[5] = (uint8_t)(len - 40);
	return true;
}

/* Datagram length according to its own header (0 if unparsable). */
static uint32_t l3_len(const uint8_t *pkt, uint32_t len)
{
	if (len >= 20 && pkt[0] >> 4 == 4)
		return be16(pkt + 2) <= len ? be16(pkt + 2) : 0;
	if (len >= 40 && pkt[0] >> 4 == 6)
		return 40u + be16(pkt + 4) <= len ? 40u + be16(pkt + 4) : 0;
	return 0;
}

/* Where the IPsec header of a packet we sealed starts: after the IPv4
 * header or the IPv6 extension headers, and after a UDP header. */
static uint32_t ipsec_off(const uint8_t *pkt, uint32_t len)
{
	uint32_t off;
	uint8_t nh;

	if (pkt[0] >> 4 == 4) {
		off = (pkt[0] & 0x0fu) * 4u;
		nh = pkt[9];
	} else {
		off = 40;
		nh = pkt[6];
		while ((nh == 0 || nh == 43 || nh == 60) && off + 8 <= len) {
			nh = pkt[off];
			off += (pkt[off + 1] + 1u) * 8u;
		}
	}
	if (nh == IPPROTO_UDP)
		off += 8;
	CHECK(nh == XS_PROTO_ESP || nh == XS_PROTO_AH || nh == IPPROTO_UDP);
	CHECK(off <= len);
	return off;
}

/* The protocol transport mode puts behind ESP/AH: the IPv4 protocol, or
 * the IPv6 next header after hop-by-hop, routing and a destination options
 * header that precedes a routing header (RFC 4303 §3.1.1). */
static uint8_t transport_nh(const uint8_t *pkt, uint32_t len)
{
	uint32_t off = 40;
	uint8_t nh;

	if (pkt[0] >> 4 == 4)
		return pkt[9];
	nh = pkt[6];
	while ((nh == 0 || nh == 43 || nh == 60) && off + 8 <= len) {
		if (nh == 60 && pkt[off] != 43)
			break;
		nh = pkt[off];
		off += (pkt[off + 1] + 1u) * 8u;
	}
	return nh;
}

/* ---- per-protocol hooks (defined by the including fuzzer) ----------------- */

/*
 * Flag 4 of a seal input: authenticates pkt (len bytes, the IPsec header at
 * authed) again after the byte at pos was changed, where the harness can.
 * Returns whether it did; may set *verdict to the reason the receiver must
 * give (it starts at -1, "not known").
 */
static bool fuzz_remac(const struct fuzz_sa_def *d, uint8_t *pkt, uint32_t len,
		       uint32_t authed, uint32_t pos, bool transport,
		       int *verdict);

/* What must hold of ret, the open of a packet fuzz_remac() authenticated
 * again (pos, authed and verdict as there). */
static void fuzz_remac_check(int ret, uint32_t pos, uint32_t authed,
			     int verdict);

/*
 * Writes the seeds that reach fuzz_remac(): hdr is the seal header of
 * inner (len bytes), the first inner packet of SA d; the hook may leave a
 * new position and mask in it, the rest of hdr as it came.
 */
static void fuzz_remac_seeds(const char *dir, unsigned int *n, uint8_t *hdr,
			     const struct fuzz_sa_def *d, const uint8_t *inner,
			     uint32_t len);

/* Header: mode, SA, position (2 bytes: from the end if the top bit is
 * set), XOR mask, flags: 1 fix the IP header up, 2 shrink the room
 * (headroom from bits 3-6, tailroom from the mask), 4 authenticate the
 * changed packet again (where fuzz_remac() can), 0x80 tunnel an IPv6
 * packet. */
#define SEAL_HDR 6u

static void fuzz_seal(uint8_t mode, uint8_t pick, const uint8_t *data, size_t len)
{
	uint8_t *b, *orig = NULL, *sealed = NULL;
	uint32_t pos, l3, head, tail, idx, authed;
	uint64_t before[XS_DROP_MAX];
	struct xs_sa *s_tx, *s_rx;
	uint8_t mask, flags;
	bool transport, remac;
	int verdict = -1;
	struct xs_pkt p;
	struct snap s;
	int ret;

	(void)mode;
	if (len < SEAL_HDR - 2)
		return;
	pos = be16(data);
	mask = data[2];
	flags = data[3];
	data += SEAL_HDR - 2;
	len -= SEAL_HDR - 2;
	if (len > PKT_MAX_IN)
		return;

	/* Only this protocol's SAs seal here. */
	idx = pick % NSA;
	while (defs[idx].proto != FUZZ_PROTO)
		idx = (idx + 1) % NSA;
	s_tx = tx[idx];
	s_rx = rx[idx];
	transport = defs[idx].mode == XS_MODE_TRANSPORT;

	/* Room: normally what the API asks; bit 1 of flags shrinks it to
	 * probe the NO_ROOM checks (ASan watches the buffer's ends). */
	head = XS_HEADROOM;
	tail = XS_TAILROOM;
	if (flags & 2) {
		head = ((flags >> 3) & 0x0fu) * 8u;
		tail = (uint32_t)(mask & 0x3f);
	}
	b = pkt_alloc(&p, data, len, head, tail);
	if (flags & 1) {
		int ver = defs[idx].mode == XS_MODE_TUNNEL ?
				  ((flags & 0x80) ? 6 : 4) :
				  (defs[idx].family == AF_INET ? 4 : 6);

		if (!fixup(b + head, p.len, ver, transport))
			goto out;
	}
	l3 = l3_len(b + head, p.len);
	orig = malloc(len ? len : 1);
	if (!orig)
		abort();
	memcpy(orig, b + head, len);

	snap_take(&s, NULL);
	memcpy(before, s_tx->stats.drops, sizeof(before));
	ret = xs_seal(s_tx, &p);
	if (verbose)
		fprintf(stderr, "seal spi %#x: %s\n", s_tx->cfg.spi,
			xs_drop_name((unsigned int)ret));
	CHECK(ret >= 0 && ret < XS_DROP_MAX);
	check_bounds(&p, head + (uint32_t)len + tail);
	snap_check(&s, ret, s_tx->stats.drops, before[ret]);
	if (ret)
		goto out;
	/* Seal parsed the packet, so its header told the truth. */
	CHECK(l3 > 0 && l3 <= len);
	CHECK(p.len > l3);
	sealed = malloc(p.len);
	if (!sealed)
		abort();
	memcpy(sealed, p.buf + p.off, p.len);

	authed = ipsec_off(sealed, p.len);
	remac = false;
	if (mask && !(flags & 2)) {
		pos = (pos & 0x8000) ? p.len - 1 - (pos & 0x7fff) % p.len :
				       pos % p.len;
		p.buf[p.off + pos] ^= mask;
		if (flags & 4)
			remac = fuzz_remac(&defs[idx], p.buf + p.off, p.len,
					   authed, pos, transport, &verdict);
	}
	ret = open_db(&p);
	if (verbose)
		fprintf(stderr, "  open (byte %u ^ %#x): %s\n", mask ? pos : 0, mask,
			xs_drop_name((unsigned int)ret));
	if (!mask || (flags & 2)) {
		/* A transport packet of protocol 59 (No Next Header) looks
		 * like a dummy packet to the receiver, RFC 4303 §2.6. */
		if (FUZZ_PROTO == XS_PROTO_ESP && transport &&
		    transport_nh(orig, l3) == 59) {
			CHECK(ret == XS_DROP_DUMMY);
			goto out;
		}
		/* Untouched: it opens, with the receiving SA, to the original. */
		CHECK(ret == XS_DROP_NONE);
		CHECK(s_rx->stats.packets == 1);
		CHECK(p.len == l3);
		/* Transport mode rewrote the IPv4 length, so the checksum is
		 * now right whatever it was. */
		if (transport && orig[0] >> 4 == 4) {
			CHECK(!memcmp(p.buf + p.off, orig, 10));
			CHECK(!memcmp(p.buf + p.off + 12, orig + 12, l3 - 12));
		} else {
			CHECK(!memcmp(p.buf + p.off, orig, l3));
		}
		goto out;
	}
	/* Authenticated again by us: the protocol says what must hold. */
	if (remac) {
		fuzz_remac_check(ret, pos, authed, verdict);
		goto out;
	}
	/* Changed from the ESP/AH header on (IPv6 AH ICV padding included,
	 * RFC 4302 §3.3.3.2.1): never authentic. */
	CHECK(!(ret == XS_DROP_NONE && pos >= authed));
	/* AH also covers the immutable IP header fields, RFC 4302 §3.3.3.1. */
	if (FUZZ_PROTO == XS_PROTO_AH && ret == XS_DROP_NONE && pos < 40) {
		bool immutable = sealed[0] >> 4 == 4 ?
			(pos == 0 || (pos >= 2 && pos <= 5) || pos == 9 ||
			 (pos >= 12 && pos < 20)) :
			((pos >= 4 && pos <= 6) || pos >= 8);

		CHECK(!immutable);
	}
out:
	free(sealed);
	free(orig);
	free(b);
}

/* ---- seeds ------------------------------------------------------------------ */

static void seed_write(const char *dir, unsigned int *n, const uint8_t *hdr,
		       size_t hlen, const uint8_t *pkt, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/seed-%03u", dir, (*n)++);
	f = fopen(path, "wb");
	if (!f) {
		perror(path);
		return;
	}
	fwrite(hdr, 1, hlen, f);
	fwrite(pkt, 1, len, f);
	fclose(f);
}

/* An inner IPv4 or IPv6 UDP datagram; IPv6 with a hop-by-hop header and a
 * destination options header when opts is set, IPv4 with options. */
static uint32_t seed_inner(uint8_t *pkt, int ver, bool opts, uint32_t plen)
{
	uint32_t hl, l;
	uint8_t *u;

	memset(pkt, 0, 40 + 16 + 8 + plen);
	if (ver == 4) {
		hl = opts ? 28 : 20;
		pkt[0] = (uint8_t)(0x40 | hl / 4);
		pkt[8] = 64;
		pkt[9] = IPPROTO_UDP;
		inet_pton(AF_INET, "192.0.2.1", pkt + 12);
		inet_pton(AF_INET, "192.0.2.2", pkt + 16);
		if (opts) {
			pkt[20] = 148; /* router alert */
			pkt[21] = 4;
			pkt[24] = 1;   /* NOP, end */
		}
	} else {
		hl = opts ? 56 : 40;
		pkt[0] = 0x60;
		pkt[6] = opts ? 0 : IPPROTO_UDP;
		pkt[7] = 64;
		inet_pton(AF_INET6, "2001:db8::1", pkt + 8);
		inet_pton(AF_INET6, "2001:db8::2", pkt + 24);
		if (opts) {
			pkt[40] = 60;  /* hop-by-hop, then destination options */
			pkt[42] = 1;   /* PadN */
			pkt[43] = 4;
			pkt[48] = IPPROTO_UDP;
			pkt[50] = 1;
			pkt[51] = 4;
		}
	}
	u = pkt + hl;
	u[0] = 0x30;
	u[1] = 0x39;
	u[3] = 53;
	l = 8 + plen;
	u[4] = (uint8_t)(l >> 8);
	u[5] = (uint8_t)l;
	for (uint32_t i = 0; i < plen; i++)
		u[8 + i] = (uint8_t)(i * 13);
	l += hl;
	if (ver == 4) {
		pkt[2] = (uint8_t)(l >> 8);
		pkt[3] = (uint8_t)l;
		ip4_csum(pkt);
	} else {
		pkt[4] = (uint8_t)((l - 40) >> 8);
		pkt[5] = (uint8_t)(l - 40);
	}
	return l;
}

static void seeds_write(const char *dir)
{
	static const uint32_t plens[] = { 13, 100 };
	uint8_t inner[512], buf[XS_HEADROOM + 512 + XS_TAILROOM];
	unsigned int n = 0;

	for (size_t i = 0; i < NSA; i++) {
		if (defs[i].proto != FUZZ_PROTO)
			continue;
		for (size_t k = 0; k < sizeof(plens) / sizeof(plens[0]); k++) {
			bool tunnel = defs[i].mode == XS_MODE_TUNNEL;
			int ver = tunnel ? (k ? 6 : 4) : (defs[i].family == AF_INET ? 4 : 6);
			uint32_t len = seed_inner(inner, ver, k == 1, plens[k]);
			uint8_t hdr[SEAL_HDR] = {
				2, (uint8_t)i, 0, 0, 0,
				(uint8_t)(1 | (tunnel && ver == 6 ? 0x80 : 0)),
			};
			struct xs_pkt p = { buf, sizeof(buf), XS_HEADROOM, len };

			/* To be sealed: as is, and with a byte to flip. */
			seed_write(dir, &n, hdr, sizeof(hdr), inner, len);
			if (!k) {
				hdr[3] = (uint8_t)(len / 2);
				hdr[4] = 0x01;
				seed_write(dir, &n, hdr, sizeof(hdr), inner, len);
				/* Changed and authenticated again. */
				fuzz_remac_seeds(dir, &n, hdr, &defs[i], inner, len);
			}

			/* Received: sealed by this SA's twin. */
			memcpy(buf + XS_HEADROOM, inner, len);
			sa_reset(tx[i]);
			if (xs_seal(tx[i], &p))
				abort();
			hdr[0] = 0;
			seed_write(dir, &n, hdr, 2, p.buf + p.off, p.len);
			if (!k) {
				hdr[0] = 1;
				seed_write(dir, &n, hdr, 2, p.buf + p.off, p.len);
			}
		}
	}
	fprintf(stderr, "wrote %u seeds to %s\n", n, dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("FUZZ_WRITE_SEEDS");

	(void)argc;
	(void)argv;
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	setup();
	if (dir)
		seeds_write(dir);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t mode;

	if (size < 2)
		return 0;
	reset_all();
	mode = data[0];
	switch ((mode & 3) == 3 ? 2 : mode & 3) {
	case 0:
	case 1:
		fuzz_received(mode, data[1], data + 2, size - 2);
		break;
	default:
		fuzz_seal(mode, data[1], data + 2, size - 2);
		break;
	}
	return 0;
}

#endif /* XS_FUZZ_OPEN_H */
