// SPDX-License-Identifier: GPL-2.0-only
/*
 * Process hygiene of the daemons (ctl/harden.c) and key memory
 * (engine/keymem.c), checked the way an outsider sees them: prctl and
 * /proc/self/coredump_filter, /proc/self/fd, and the VmFlags of
 * /proc/self/smaps ("dd": not dumped, "lo": locked).
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
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "harden.h"
#include "keymem.h"
#include "sa.h"

static void test_secrets(void **state)
{
	char buf[32] = "";
	FILE *f;
	(void)state;

	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1);
	assert_int_equal(xs_harden_secrets(), 0);
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
	f = fopen("/proc/self/coredump_filter", "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_int_equal(strtoul(buf, NULL, 16), 0);
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static void test_close_fds(void **state)
{
	int fds[40], keep[2];
	(void)state;

	for (int i = 0; i < 40; i++) {
		fds[i] = open("/dev/null", O_RDONLY);
		assert_true(fds[i] > 2);
	}
	keep[0] = fds[7];
	keep[1] = -1;
	assert_int_equal(xs_harden_close_fds(keep, 2), 0);
	for (int i = 0; i < 40; i++)
		assert_int_equal(fd_open(fds[i]), i == 7);
	assert_true(fd_open(0) && fd_open(1) && fd_open(2));
	close(fds[7]);
}

/* The VmFlags of the mapping holding addr; "" if none. */
static void vmflags_of(const void *addr, char *flags, size_t len)
{
	uintptr_t a = (uintptr_t)addr, lo = 0, hi = 0;
	bool in = false;
	char line[512];
	FILE *f = fopen("/proc/self/smaps", "r");

	flags[0] = '\0';
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') <
		    strchr(line, ' ')) {
			in = a >= lo && a < hi;
			continue;
		}
		if (in && !strncmp(line, "VmFlags:", 8)) {
			snprintf(flags, len, "%s", line + 8);
			break;
		}
	}
	fclose(f);
}

static void test_keymem(void **state)
{
	char flags[512];
	uint8_t *p;
	(void)state;

	p = xs_keymem_alloc(1000);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % 64, 0);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(p[i], 0);
	memset(p, 0xa5, 1000);
	if (!xs_keymem_protected()) {
		xs_keymem_free(p);
		skip();         /* a sanitizer build: plain heap */
	}
	vmflags_of(p, flags, sizeof(flags));
	assert_non_null(strstr(flags, " dd"));
	/* Locked, unless this process may not lock (then counted). */
	if (!xs_keymem_unlocked())
		assert_non_null(strstr(flags, " lo"));
	xs_keymem_free(p);
	xs_keymem_free(NULL);
}

/* An SA's memory is key memory, and so is its backend's state. */
static void test_sa_in_keymem(void **state)
{
	struct xs_sa_config cfg;
	char flags[512];
	struct xs_sa *sa;
	(void)state;

	xs_sa_config_init(&cfg);
	cfg.family = AF_INET;
	cfg.proto = XS_PROTO_ESP;
	cfg.mode = XS_MODE_TUNNEL;
	cfg.spi = 0x1000;
	cfg.suite = XS_SUITE_AES128GCM16;
	cfg.enc_key_len = 20;
	memset(cfg.enc_key, 0x42, 20);
	sa = xs_sa_new(&cfg);
	assert_non_null(sa);
	if (!xs_keymem_protected()) {
		xs_sa_free(sa);
		skip();
	}
	vmflags_of(sa, flags, sizeof(flags));
	assert_non_null(strstr(flags, " dd"));
	vmflags_of(sa->cipher.priv, flags, sizeof(flags));
	assert_non_null(strstr(flags, " dd"));
	xs_sa_free(sa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_close_fds),
		cmocka_unit_test(test_keymem),
		cmocka_unit_test(test_sa_in_keymem),
		/* Last: the process is not dumpable after it. */
		cmocka_unit_test(test_secrets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
