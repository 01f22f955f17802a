// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's persisted SA state (loader/sa_state.h) on its own, in a
 * scratch directory: a record is created and resumed with the same key,
 * a new key starts fresh, a kill -9 (the file left open) resumes exactly,
 * an unclean reboot (another boot id) jumps outbound and refuses known
 * inbound keys, a corrupt file refuses every add, the jump never runs
 * past the sequence space; and the engine hooks (seq store, replay store
 * and resume) write and honour what the file holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine.h"
#include "sa_state.h"
#include "state.h"

#define BOOT_A "11111111-2222-3333-4444-555555555555"
#define BOOT_B "99999999-2222-3333-4444-555555555555"

static char dir[] = "/tmp/xs-sa-state-XXXXXX";
static char err[512];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/xs-sa-state-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/%s", dir, XS_SA_STATE_FILE);
	unlink(path);
	rmdir(dir);
	return 0;
}

static struct xs_sa_state *open_ok(const char *boot)
{
	struct xs_sa_state *st = xs_sa_state_open(dir, boot, err, sizeof(err));

	if (!st)
		fail_msg("open: %s", err);
	return st;
}

/* A GCM-128 config whose key bytes are all key_byte. */
static void gcm_cfg(struct xs_sa_config *cfg, uint32_t spi, uint8_t key_byte, bool esn)
{
	xs_sa_config_init(cfg);
	cfg->spi = spi;
	cfg->proto = XS_PROTO_ESP;
	cfg->mode = XS_MODE_TUNNEL;
	cfg->family = AF_INET;
	cfg->suite = XS_SUITE_AES128GCM16;
	cfg->src.v4.s_addr = htonl(0x0a000001);
	cfg->dst.v4.s_addr = htonl(0x0a000002);
	memset(cfg->enc_key, key_byte, 20);
	cfg->enc_key_len = 20;
	cfg->esn = esn;
}

static int attach(struct xs_sa_state *st, uint8_t dir_, uint32_t spi, uint8_t key_byte,
		  bool esn, uint64_t seq_start, struct xs_sa_state_claim *c)
{
	struct xs_sa_config cfg;
	struct xs_sa_state_key k;

	gcm_cfg(&cfg, spi, key_byte, esn);
	xs_sa_state_key(st, &cfg, dir_, &k);
	return xs_sa_state_attach(st, &k, esn, seq_start, c, err, sizeof(err));
}

static void test_add_resume_fresh(void **state)
{
	struct xs_sa_state_claim c;
	struct xs_sa_state *st;
	uint64_t gen;

	(void)state;
	st = open_ok(BOOT_A);
	assert_int_equal(xs_sa_state_trust(st), XS_SA_STATE_EXACT);
	gen = xs_sa_state_generation(st);
	/* New key: starts where the request says, nothing resumed. */
	assert_int_equal(attach(st, XS_DIR_OUT, 0x1001, 0xaa, false, 0, &c), 0);
	assert_false(c.resumed);
	assert_int_equal(c.start, 0);
	*c.value = 1000;   /* what the engine reserved meanwhile */
	/* The same key for a second live SA: refused. */
	assert_int_equal(attach(st, XS_DIR_OUT, 0x1002, 0xaa, false, 0, &c), -EBUSY);
	assert_non_null(strstr(err, "new keys"));
	assert_int_equal(attach(st, XS_DIR_IN, 0x2001, 0xbb, false, 0, &c), 0);
	*c.value = 77;
	xs_sa_state_close(st);

	st = open_ok(BOOT_A);
	assert_int_equal(xs_sa_state_trust(st), XS_SA_STATE_EXACT);
	assert_int_not_equal(xs_sa_state_generation(st), gen);
	/* Added again after the restart, under another SPI: resumes above. */
	assert_int_equal(attach(st, XS_DIR_OUT, 0x1003, 0xaa, false, 0, &c), 0);
	assert_true(c.resumed);
	assert_int_equal(c.start, 1000 + XS_SEQ_RESUME_JUMP);
	assert_int_equal(*c.value, 1000 + XS_SEQ_RESUME_JUMP);
	/* A request asking for more gets more, never less. */
	xs_sa_state_detach(st, c.index);
	assert_int_equal(attach(st, XS_DIR_OUT, 0x1003, 0xaa, false, 1u << 20, &c), 0);
	assert_int_equal(c.start, 1u << 20);
	/* Inbound: same SPI and key resume the top; another key is fresh,
	 * and so is the same key under another SPI. */
	assert_int_equal(attach(st, XS_DIR_IN, 0x2001, 0xbb, false, 0, &c), 0);
	assert_true(c.resumed);
	assert_int_equal(c.start, 77);
	assert_int_equal(attach(st, XS_DIR_IN, 0x2001, 0xcc, false, 0, &c), 0);
	assert_false(c.resumed);
	assert_int_equal(attach(st, XS_DIR_IN, 0x2009, 0xbb, false, 0, &c), 0);
	assert_false(c.resumed);
	/* A new outbound key: fresh. */
	assert_int_equal(attach(st, XS_DIR_OUT, 0x1004, 0xdd, false, 0, &c), 0);
	assert_false(c.resumed);
	assert_int_equal(c.start, 0);
	xs_sa_state_close(st);
}

/* kill -9: the file is never closed; the next daemon maps the same pages. */
static void test_kill9_then_reboot(void **state)
{
	struct xs_sa_state_claim c;
	struct xs_sa_state *dead, *st;

	(void)state;
	dead = open_ok(BOOT_A);
	assert_int_equal(attach(dead, XS_DIR_OUT, 0x1001, 0x11, false, 0, &c), 0);
	*c.value = 5000;
	assert_int_equal(attach(dead, XS_DIR_IN, 0x2001, 0x22, false, 0, &c), 0);
	*c.value = 6000;

	st = open_ok(BOOT_A);
	assert_int_equal(xs_sa_state_trust(st), XS_SA_STATE_EXACT);
	/* The dead daemon's generation is not this one's: not in use. */
	assert_int_equal(attach(st, XS_DIR_OUT, 0x1001, 0x11, false, 0, &c), 0);
	assert_true(c.resumed);
	assert_int_equal(c.start, 5000 + XS_SEQ_RESUME_JUMP);
	assert_int_equal(attach(st, XS_DIR_IN, 0x2001, 0x22, false, 0, &c), 0);
	assert_int_equal(c.start, 6000);

	/* The machine went down (another boot), nothing closed the file:
	 * the disk may lag, so outbound jumps far, inbound is refused. */
	assert_int_equal(xs_sa_state_sync(st), 0);
	xs_sa_state_close(dead);   /* only unmaps: its close is not "clean"... */
	xs_sa_state_close(st);     /* ...nor this one's, once we reopen dirty */
	st = open_ok(BOOT_A);      /* marks the file dirty again, then "crashes" */
	dead = st;
	st = open_ok(BOOT_B);
	assert_int_equal(xs_sa_state_trust(st), XS_SA_STATE_STALE);
	assert_int_equal(attach(st, XS_DIR_OUT, 0x1001, 0x11, false, 0, &c), 0);
	assert_true(c.resumed);
	assert_int_equal(c.start, 5000 + XS_SEQ_RESUME_JUMP + XS_SEQ_RESUME_JUMP_REBOOT);
	assert_int_equal(attach(st, XS_DIR_IN, 0x2001, 0x22, false, 0, &c), -ESTALE);
	assert_non_null(strstr(err, "rekey"));
	/* New inbound keys are fine. */
	assert_int_equal(attach(st, XS_DIR_IN, 0x2002, 0x33, false, 0, &c), 0);
	assert_false(c.resumed);
	xs_sa_state_close(st);
	xs_sa_state_close(dead);

	/* Closed cleanly before the reboot: exact again. */
	st = open_ok(BOOT_A);
	assert_int_equal(xs_sa_state_trust(st), XS_SA_STATE_EXACT);
	xs_sa_state_close(st);
}

static void test_space_exhausted(void **state)
{
	struct xs_sa_state_claim c;
	struct xs_sa_state *st;

	(void)state;
	st = open_ok(BOOT_A);
	assert_int_equal(attach(st, XS_DIR_OUT, 0x1001, 0x44, false, 0, &c), 0);
	*c.value = UINT32_MAX - XS_SEQ_RESUME_JUMP;
	assert_int_equal(attach(st, XS_DIR_OUT, 0x1002, 0x45, true, 0, &c), 0);
	*c.value = UINT32_MAX - XS_SEQ_RESUME_JUMP;
	xs_sa_state_close(st);
	st = open_ok(BOOT_A);
	/* 32-bit: the jump reaches 2^32 - 1, refused (RFC 4303 §3.3.3). */
	assert_int_equal(attach(st, XS_DIR_OUT, 0x1001, 0x44, false, 0, &c), -EOVERFLOW);
	assert_non_null(strstr(err, "rekey"));
	/* ESN: room left. */
	assert_int_equal(attach(st, XS_DIR_OUT, 0x1002, 0x45, true, 0, &c), 0);
	assert_int_equal(c.start, (uint64_t)UINT32_MAX);
	xs_sa_state_close(st);
}

static void corrupt_at(off_t off)
{
	char path[256];
	uint8_t b;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, XS_SA_STATE_FILE);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &b, 1, off), 1);
	b ^= 0x40;
	assert_int_equal(pwrite(fd, &b, 1, off), 1);
	close(fd);
}

static void test_corrupt(void **state)
{
	struct xs_sa_state_claim c;
	struct xs_sa_state *st;
	char path[256];

	(void)state;
	st = open_ok(BOOT_A);
	assert_int_equal(attach(st, XS_DIR_OUT, 0x1001, 0x55, false, 0, &c), 0);
	xs_sa_state_close(st);
	/* A record's identity (its fingerprint, 24 bytes in): corrupt. */
	corrupt_at(4096 + 24);
	st = open_ok(BOOT_A);
	assert_int_equal(xs_sa_state_trust(st), XS_SA_STATE_CORRUPT);
	assert_int_equal(attach(st, XS_DIR_OUT, 0x1009, 0x66, false, 0, &c), -EUCLEAN);
	assert_non_null(strstr(err, "corrupt"));
	assert_non_null(strstr(err, "new keys"));
	xs_sa_state_close(st);
	corrupt_at(4096 + 24);
	/* The header's secret. */
	corrupt_at(100);
	st = open_ok(BOOT_A);
	assert_int_equal(xs_sa_state_trust(st), XS_SA_STATE_CORRUPT);
	xs_sa_state_close(st);
	corrupt_at(100);
	st = open_ok(BOOT_A);
	assert_int_equal(xs_sa_state_trust(st), XS_SA_STATE_EXACT);
	xs_sa_state_close(st);
	/* Cut short. */
	snprintf(path, sizeof(path), "%s/%s", dir, XS_SA_STATE_FILE);
	assert_int_equal(truncate(path, 8192), 0);
	st = open_ok(BOOT_A);
	assert_int_equal(xs_sa_state_trust(st), XS_SA_STATE_CORRUPT);
	assert_int_equal(attach(st, XS_DIR_IN, 0x2001, 0x66, false, 0, &c), -EUCLEAN);
	xs_sa_state_close(st);
}

/* The engine side: what it stores is what the file holds, and a resumed
 * window refuses everything up to the stored top. */
static void test_engine_hooks(void **state)
{
	struct xs_sa_state_claim c;
	struct xs_sa_config cfg;
	struct xs_sa_state *st;
	struct xs_sa *sa;
	uint64_t seq;

	(void)state;
	st = open_ok(BOOT_A);
	assert_int_equal(attach(st, XS_DIR_OUT, 0x1001, 0x77, false, 0, &c), 0);
	gcm_cfg(&cfg, 0x1001, 0x77, false);
	cfg.seq_start = c.start;
	sa = xs_sa_new(&cfg);
	assert_non_null(sa);
	xs_sa_set_seq_store(sa, c.value);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(xs_seq_take(sa, &seq), XS_DROP_NONE);
		/* Stored before the number is used. */
		assert_true(*c.value >= seq);
	}
	assert_int_equal(seq, 100);
	xs_sa_free(sa);

	assert_int_equal(attach(st, XS_DIR_IN, 0x2001, 0x78, false, 0, &c), 0);
	*c.value = 3000;
	xs_sa_state_close(st);
	st = open_ok(BOOT_A);
	assert_int_equal(attach(st, XS_DIR_IN, 0x2001, 0x78, false, 0, &c), 0);
	assert_int_equal(c.start, 3000);
	gcm_cfg(&cfg, 0x2001, 0x78, false);
	sa = xs_sa_new(&cfg);
	assert_non_null(sa);
	xs_sa_rx_resume(sa, c.start);
	xs_sa_set_rx_store(sa, c.value);
	{
		static const struct { uint64_t seq; int expect; } rows[] = {
			{ 3000, XS_DROP_REPLAYED },
			{ 2999, XS_DROP_REPLAYED },
			{ 3000 - 1023, XS_DROP_REPLAYED },
			{ 3000 - 1024, XS_DROP_OUTSIDE_WINDOW },
			{ 1, XS_DROP_OUTSIDE_WINDOW },
			{ 3001, XS_DROP_NONE },
			{ 3001, XS_DROP_REPLAYED },
			{ 3003, XS_DROP_NONE },
			{ 3002, XS_DROP_NONE },
			{ 3002, XS_DROP_REPLAYED },
			{ 3100, XS_DROP_NONE },
			{ 3050, XS_DROP_NONE },
			{ 2990, XS_DROP_REPLAYED },
		};

		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			int r = xs_replay_accept(&sa->replay, rows[i].seq);

			if (r != rows[i].expect)
				fail_msg("row %zu: seq %llu: %d, want %d", i,
					 (unsigned long long)rows[i].seq, r, rows[i].expect);
		}
	}
	/* Every new top went to the file. */
	assert_int_equal(*c.value, 3100);
	xs_sa_free(sa);
	xs_sa_state_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_resume_fresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill9_then_reboot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_space_exhausted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_hooks, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
