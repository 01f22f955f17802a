// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's persisted SA state (sa_state.h): the file, its checks, its
 * records.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sa_state.h"
#include "state.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__))

#define STATE_MAGIC "XSSASTA1"
#define STATE_VERSION 1u
#define STATE_SECRET_LEN 32u
#define STATE_BOOT_ID_LEN 40u
#define STATE_HDR_SIZE 4096u
#define REC_CHECK_LEN 8u

/* The file's first page. The checksum covers what never changes after
 * creation; boot_id, clean and generation are rewritten at each open. */
struct state_hdr {
	char magic[8];
	uint32_t version;
	uint32_t rec_size;
	uint32_t nrecords;
	uint32_t clean;                 /* 1: closed cleanly (flushed) */
	uint64_t generation;
	char boot_id[STATE_BOOT_ID_LEN];  /* the boot that wrote it last */
	uint8_t secret[STATE_SECRET_LEN]; /* fingerprint key; file is 0600 */
	uint8_t check[32];              /* SHA-256 of magic..nrecords, secret */
};

/* One SA's state. used is written last when a record is created, so a
 * crash half-way leaves a free slot, never a half record. */
struct state_rec {
	uint8_t used;                   /* 0 free, 1 in use */
	uint8_t dir;
	uint8_t proto;
	uint8_t family;
	uint32_t spi;
	uint8_t dst[16];
	uint8_t fp[XS_SA_STATE_FP_LEN];
	uint8_t check[REC_CHECK_LEN];   /* keyed MAC of the fields above */
	uint64_t value;                 /* OUT: reservation mark; IN: top */
	uint64_t attached_gen;          /* == generation: tied to a live SA */
	uint64_t last_used;             /* CLOCK_REALTIME s: eviction order */
	/* Two cache lines of their own: workers of different SAs store
	 * into value concurrently, and must not share a line. */
	uint8_t pad[56];
};

_Static_assert(sizeof(struct state_hdr) <= STATE_HDR_SIZE, "header fits its page");
_Static_assert(sizeof(struct state_rec) == 128, "record layout is the file format");
_Static_assert(offsetof(struct state_rec, value) % 8 == 0, "atomic stores need alignment");

struct xs_sa_state {
	char path[PATH_MAX];
	int fd;
	void *map;
	size_t map_len;
	struct state_hdr *hdr;
	struct state_rec *recs;
	enum xs_sa_state_trust trust;
	uint64_t generation;
	uint32_t used_hi;               /* records at or above are free */
};

static size_t file_size(void)
{
	return STATE_HDR_SIZE + (size_t)XS_SA_STATE_RECORDS * sizeof(struct state_rec);
}

static uint64_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec;
}

static void hdr_check(const struct state_hdr *h, uint8_t out[32])
{
	unsigned int len = 32;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	memset(out, 0, 32);
	if (!ctx)
		return;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, h, offsetof(struct state_hdr, clean)) != 1 ||
	    EVP_DigestUpdate(ctx, h->secret, sizeof(h->secret)) != 1 ||
	    EVP_DigestFinal_ex(ctx, out, &len) != 1)
		memset(out, 0, 32);
	EVP_MD_CTX_free(ctx);
}

static void mac(const struct state_hdr *h, const void *data, size_t len, uint8_t *out,
		size_t outlen)
{
	uint8_t md[32];
	unsigned int mdlen = sizeof(md);

	if (!HMAC(EVP_sha256(), h->secret, sizeof(h->secret), data, len, md, &mdlen))
		memset(md, 0, sizeof(md));
	memcpy(out, md, outlen);
	OPENSSL_cleanse(md, sizeof(md));
}

static void rec_check(const struct state_hdr *h, const struct state_rec *r,
		      uint8_t out[REC_CHECK_LEN])
{
	/* Everything from dir to fp: who the record is. */
	mac(h, &r->dir, offsetof(struct state_rec, check) - offsetof(struct state_rec, dir),
	    out, REC_CHECK_LEN);
}

int xs_sa_state_boot_id(char *buf, size_t len)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	int ret = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		ret = -EIO;
	else
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
	return ret;
}

/* A fresh file, written whole and renamed into place: a crash while
 * creating it leaves no half file. */
static int state_create(const char *path, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	struct state_hdr h;
	uint64_t gen;
	int fd, ret = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, STATE_MAGIC, sizeof(h.magic));
	h.version = STATE_VERSION;
	h.rec_size = sizeof(struct state_rec);
	h.nrecords = XS_SA_STATE_RECORDS;
	h.clean = 1;
	if (getrandom(h.secret, sizeof(h.secret), 0) != sizeof(h.secret) ||
	    getrandom(&gen, sizeof(gen), 0) != sizeof(gen)) {
		ret = -EIO;
		ERR("cannot draw the state file's secret");
		goto out;
	}
	/* Starts anywhere: a new file must not repeat an old generation. */
	h.generation = gen >> 16;
	hdr_check(&h, h.check);
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		ret = -errno;
		ERR("cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (ftruncate(fd, (off_t)file_size()) || pwrite(fd, &h, sizeof(h), 0) != sizeof(h) ||
	    fsync(fd)) {
		ret = errno ? -errno : -EIO;
		ERR("cannot write %s: %s", tmp, strerror(-ret));
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, path)) {
		ret = -errno;
		ERR("cannot create %s: %s", path, strerror(errno));
		unlink(tmp);
	}
out:
	OPENSSL_cleanse(&h, sizeof(h));
	return ret;
}

static int mkdir_0700(const char *dir)
{
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

/* Why the mapped file cannot be trusted, or NULL. */
static const char *state_verify(struct xs_sa_state *st)
{
	const struct state_hdr *h = st->hdr;
	uint8_t check[32];

	if (memcmp(h->magic, STATE_MAGIC, sizeof(h->magic)))
		return "not an xdpsec SA state file";
	if (h->version != STATE_VERSION || h->rec_size != sizeof(struct state_rec) ||
	    h->nrecords != XS_SA_STATE_RECORDS)
		return "unknown layout";
	hdr_check(h, check);
	if (CRYPTO_memcmp(check, h->check, sizeof(check)))
		return "header checksum mismatch";
	st->used_hi = 0;
	for (uint32_t i = 0; i < XS_SA_STATE_RECORDS; i++) {
		const struct state_rec *r = &st->recs[i];
		uint8_t rc[REC_CHECK_LEN];

		if (!r->used)
			continue;
		if (r->used != 1)
			return "record flag corrupt";
		rec_check(h, r, rc);
		if (CRYPTO_memcmp(rc, r->check, sizeof(rc)))
			return "record checksum mismatch";
		st->used_hi = i + 1;
	}
	return NULL;
}

struct xs_sa_state *xs_sa_state_open(const char *dir, const char *boot_id, char *err,
				     size_t errlen)
{
	struct xs_sa_state *st = calloc(1, sizeof(*st));
	const char *why;
	struct stat sb;
	int ret;

	if (!st) {
		ERR("out of memory");
		errno = ENOMEM;
		return NULL;
	}
	st->fd = -1;
	if (snprintf(st->path, sizeof(st->path), "%s/%s", dir, XS_SA_STATE_FILE) >=
	    (int)sizeof(st->path)) {
		ERR("state directory name too long");
		ret = -ENAMETOOLONG;
		goto fail;
	}
	ret = mkdir_0700(dir);
	if (ret) {
		ERR("cannot create %s: %s", dir, strerror(-ret));
		goto fail;
	}
	st->fd = open(st->path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (st->fd < 0 && errno == ENOENT) {
		ret = state_create(st->path, err, errlen);
		if (ret)
			goto fail;
		st->fd = open(st->path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	}
	if (st->fd < 0 || fstat(st->fd, &sb)) {
		ret = -errno;
		ERR("cannot open %s: %s", st->path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(sb.st_mode) || (size_t)sb.st_size != file_size()) {
		/* Nothing of it can be read: corrupt, left as it is. */
		st->trust = XS_SA_STATE_CORRUPT;
		ERR("%s is corrupt (wrong size or type)", st->path);
		getrandom(&st->generation, sizeof(st->generation), 0);
		st->generation >>= 16;
		return st;
	}
	st->map_len = file_size();
	st->map = mmap(NULL, st->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, st->fd, 0);
	if (st->map == MAP_FAILED) {
		st->map = NULL;
		ret = -errno;
		ERR("cannot map %s: %s", st->path, strerror(errno));
		goto fail;
	}
	st->hdr = st->map;
	st->recs = (struct state_rec *)((uint8_t *)st->map + STATE_HDR_SIZE);
	why = state_verify(st);
	if (why) {
		st->trust = XS_SA_STATE_CORRUPT;
		ERR("%s is corrupt (%s)", st->path, why);
		getrandom(&st->generation, sizeof(st->generation), 0);
		st->generation >>= 16;
		return st;
	}
	/* The page cache outlives the process, not the machine: values are
	 * exact if this boot wrote them or they were flushed on close. */
	st->hdr->boot_id[STATE_BOOT_ID_LEN - 1] = '\0';
	st->trust = !strcmp(st->hdr->boot_id, boot_id) || st->hdr->clean ?
		    XS_SA_STATE_EXACT : XS_SA_STATE_STALE;
	st->generation = st->hdr->generation + 1;
	st->hdr->generation = st->generation;
	snprintf(st->hdr->boot_id, sizeof(st->hdr->boot_id), "%s", boot_id);
	st->hdr->clean = 0;
	/* "Not clean" must be on disk before any value moves. */
	xs_sa_state_sync(st);
	return st;
fail:
	xs_sa_state_close(st);
	errno = -ret;
	return NULL;
}

int xs_sa_state_sync(struct xs_sa_state *st)
{
	if (!st || !st->map)
		return 0;
	return msync(st->map, st->map_len, MS_SYNC) ? -errno : 0;
}

void xs_sa_state_close(struct xs_sa_state *st)
{
	if (!st)
		return;
	if (st->map) {
		if (st->trust != XS_SA_STATE_CORRUPT && !xs_sa_state_sync(st)) {
			st->hdr->clean = 1;
			xs_sa_state_sync(st);
		}
		munmap(st->map, st->map_len);
	}
	if (st->fd >= 0)
		close(st->fd);
	free(st);
}

enum xs_sa_state_trust xs_sa_state_trust(const struct xs_sa_state *st)
{
	return st->trust;
}

uint64_t xs_sa_state_generation(const struct xs_sa_state *st)
{
	return st->generation;
}

const char *xs_sa_state_path(const struct xs_sa_state *st)
{
	return st->path;
}

void xs_sa_state_key(const struct xs_sa_state *st, const struct xs_sa_config *cfg,
		     uint8_t dir, struct xs_sa_state_key *k)
{
	static const char label[] = "xdpsec sa key v1";
	uint8_t buf[sizeof(label) + 2 + 8 + XS_ENC_KEY_MAX + XS_AUTH_KEY_MAX];
	size_t n = 0;

	memset(k, 0, sizeof(*k));
	k->dir = dir;
	k->proto = cfg->proto;
	k->family = cfg->family;
	k->spi = cfg->spi;
	k->dst = cfg->dst;
	if (!st->hdr)
		return;
	/* Everything that makes the nonce space: suite, protocol, keys
	 * (the salt included), each with its length. */
	memcpy(buf, label, sizeof(label));
	n += sizeof(label);
	buf[n++] = cfg->suite;
	buf[n++] = cfg->proto;
	memcpy(buf + n, &cfg->enc_key_len, 4);
	n += 4;
	memcpy(buf + n, cfg->enc_key, cfg->enc_key_len);
	n += cfg->enc_key_len;
	memcpy(buf + n, &cfg->auth_key_len, 4);
	n += 4;
	memcpy(buf + n, cfg->auth_key, cfg->auth_key_len);
	n += cfg->auth_key_len;
	mac(st->hdr, buf, n, k->fp, sizeof(k->fp));
	OPENSSL_cleanse(buf, sizeof(buf));
}

/* Outbound: one record per key, whatever the SPI (the nonce space is the
 * key's). Inbound: per SPI and key (another SA's window is another's). */
static bool rec_matches(const struct state_rec *r, const struct xs_sa_state_key *k)
{
	if (!r->used || r->dir != k->dir || CRYPTO_memcmp(r->fp, k->fp, sizeof(k->fp)))
		return false;
	return k->dir == XS_DIR_OUT || (r->spi == k->spi && r->proto == k->proto);
}

static const char *dir_name(uint8_t dir)
{
	return dir == XS_DIR_IN ? "in" : "out";
}

/* A free slot, or the detached record unused longest (evicted). */
static int rec_alloc(struct xs_sa_state *st, uint32_t *idx, bool *evicted)
{
	uint64_t oldest = UINT64_MAX;
	uint32_t best = UINT32_MAX;

	*evicted = false;
	for (uint32_t i = 0; i < st->used_hi; i++) {
		if (!st->recs[i].used) {
			*idx = i;
			return 0;
		}
	}
	if (st->used_hi < XS_SA_STATE_RECORDS) {
		*idx = st->used_hi;
		return 0;
	}
	for (uint32_t i = 0; i < XS_SA_STATE_RECORDS; i++) {
		const struct state_rec *r = &st->recs[i];

		if (r->attached_gen != st->generation && r->last_used < oldest) {
			oldest = r->last_used;
			best = i;
		}
	}
	if (best == UINT32_MAX)
		return -ENOSPC;
	__atomic_store_n(&st->recs[best].used, 0, __ATOMIC_RELEASE);
	*idx = best;
	*evicted = true;
	return 0;
}

int xs_sa_state_attach(struct xs_sa_state *st, const struct xs_sa_state_key *k, bool esn,
		       uint64_t seq_start, struct xs_sa_state_claim *c, char *err,
		       size_t errlen)
{
	const uint64_t space = esn ? UINT64_MAX : UINT32_MAX;
	struct state_rec *r = NULL;
	uint32_t idx = 0;
	int ret;

	memset(c, 0, sizeof(*c));
	if (st->trust == XS_SA_STATE_CORRUPT) {
		ERR("SA state file %s is corrupt: the daemon cannot tell whether this key "
		    "was used before; move the file away and install new keys (rekey) "
		    "for every SA of this instance", st->path);
		return -EUCLEAN;
	}
	for (uint32_t i = 0; i < st->used_hi; i++) {
		if (rec_matches(&st->recs[i], k)) {
			r = &st->recs[i];
			idx = i;
			break;
		}
	}
	if (r) {
		if (r->attached_gen == st->generation) {
			ERR("the keys of SA spi 0x%08x dir %s are in use by another SA "
			    "(first added as spi 0x%08x): one key must not serve two SAs; "
			    "use new keys", k->spi, dir_name(k->dir), r->spi);
			return -EBUSY;
		}
		c->resumed = true;
		if (k->dir == XS_DIR_OUT) {
			const uint64_t jump = st->trust == XS_SA_STATE_EXACT ?
					      XS_SEQ_RESUME_JUMP : XS_SEQ_RESUME_JUMP_REBOOT;
			const uint64_t mark = __atomic_load_n(&r->value, __ATOMIC_RELAXED);

			if (mark >= space || space - mark <= jump) {
				ERR("SA spi 0x%08x dir out: its key sent up to sequence number "
				    "%llu before; the restart jump would exhaust the %s sequence "
				    "space: install new keys (rekey)", k->spi,
				    (unsigned long long)mark, esn ? "64-bit" : "32-bit");
				return -EOVERFLOW;
			}
			c->start = mark + jump > seq_start ? mark + jump : seq_start;
		} else {
			if (st->trust != XS_SA_STATE_EXACT) {
				ERR("SA spi 0x%08x dir in: the machine went down with the daemon "
				    "running, and its replay state on disk may be up to %u s old: "
				    "replays cannot be excluded; install new keys (rekey)",
				    k->spi, XS_SA_STATE_SYNC_S);
				return -ESTALE;
			}
			c->start = __atomic_load_n(&r->value, __ATOMIC_RELAXED);
		}
	} else {
		ret = rec_alloc(st, &idx, &c->evicted);
		if (ret) {
			ERR("SA state file %s is full of live SAs (%u)", st->path,
			    XS_SA_STATE_RECORDS);
			return ret;
		}
		r = &st->recs[idx];
		memset(r, 0, sizeof(*r));
		r->dir = k->dir;
		r->proto = k->proto;
		r->family = k->family;
		r->spi = k->spi;
		memcpy(r->dst, &k->dst, sizeof(r->dst));
		memcpy(r->fp, k->fp, sizeof(r->fp));
		rec_check(st->hdr, r, r->check);
		c->start = k->dir == XS_DIR_OUT ? seq_start : 0;
		__atomic_store_n(&r->used, 1, __ATOMIC_RELEASE);
		if (idx >= st->used_hi)
			st->used_hi = idx + 1;
	}
	/* The mark never goes back (seq.c raises it only). */
	if (k->dir == XS_DIR_OUT && __atomic_load_n(&r->value, __ATOMIC_RELAXED) < c->start)
		__atomic_store_n(&r->value, c->start, __ATOMIC_RELAXED);
	r->attached_gen = st->generation;
	r->last_used = now_s();
	c->index = idx;
	c->value = &r->value;
	return 0;
}

void xs_sa_state_detach(struct xs_sa_state *st, uint32_t index)
{
	struct state_rec *r;

	if (!st || !st->recs || index >= XS_SA_STATE_RECORDS)
		return;
	r = &st->recs[index];
	r->attached_gen = 0;
	r->last_used = now_s();
}
