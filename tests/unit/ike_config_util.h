// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers shared by the IKE config tests (test_ike_config.c,
 * test_ike_config_bad.c): a temporary directory set up per group, file
 * writing, and field-by-field expectations for parsed config structs.
 */
#ifndef IKE_CONFIG_UTIL_H
#define IKE_CONFIG_UTIL_H

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
#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define XF(t, i, k) { .type = (t), .id = (i), .keylen = (k) }

/* ----------------------------------------------------------- helpers */

static char tmpdir[64];

static inline void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static inline int setup_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_ike_config.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static inline int teardown_tmpdir(void **state)
{
	static const char *const names[] = {
		"host.conf", "psk.txt", "big.conf", "exact.conf", "psk-big.txt",
	};
	char path[128];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		unlink(path);
	}
	return rmdir(tmpdir);
}

static inline bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static inline void expect_xforms(const struct ike_conf_proposal *p, uint8_t proto,
				 const struct ike_conf_xform *exp, size_t n)
{
	assert_int_equal(p->protocol, proto);
	if (p->n_xforms != n)
		fail_msg("proposal has %u transforms, want %zu", p->n_xforms, n);
	for (size_t i = 0; i < n; i++) {
		if (p->xforms[i].type != exp[i].type ||
		    p->xforms[i].id != exp[i].id ||
		    p->xforms[i].keylen != exp[i].keylen)
			fail_msg("transform %zu: got %u/%u/%u, want %u/%u/%u", i,
				 p->xforms[i].type, p->xforms[i].id,
				 p->xforms[i].keylen, exp[i].type, exp[i].id,
				 exp[i].keylen);
	}
}

static inline void expect_addr(const struct ike_conf_addr *a, int family,
			       const char *text)
{
	uint8_t want[16] = { 0 };

	assert_int_equal(a->family, family);
	assert_int_equal(inet_pton(family, text, want), 1);
	assert_memory_equal(a->u.bytes, want, family == AF_INET ? 4 : 16);
}

static inline void expect_prefix_ts(const struct ike_conf_ts *ts, int family,
				    const char *addr, uint8_t plen, uint8_t proto,
				    uint16_t lo, uint16_t hi)
{
	assert_false(ts->dynamic);
	expect_addr(&ts->addr, family, addr);
	assert_int_equal(ts->prefix_len, plen);
	assert_int_equal(ts->proto, proto);
	assert_int_equal(ts->port_lo, lo);
	assert_int_equal(ts->port_hi, hi);
}

static inline void expect_dynamic_ts(const struct ike_conf_ts *ts)
{
	assert_true(ts->dynamic);
	assert_int_equal(ts->addr.family, AF_UNSPEC);
	assert_int_equal(ts->proto, 0);
	assert_int_equal(ts->port_lo, 0);
	assert_int_equal(ts->port_hi, 65535);
}

static inline void expect_id(const struct ike_conf_id *id, uint8_t type,
			     const void *data, size_t len)
{
	assert_int_equal(id->type, type);
	assert_int_equal(id->len, len);
	if (len)
		assert_memory_equal(id->data, data, len);
}

/* A valid connection 'site' (lines 1-5) and secret to build on. */
#define HEAD "connections {\n site {\n  local_addrs = 192.0.2.1\n" \
	     "  local { auth = psk }\n  remote { auth = psk }\n"
#define TAIL " }\n}\nsecrets {\n ike { secret = x }\n}\n"
/* Lines 6-7 open a child 'net'; its keys start on line 8. */
#define CHILD "  children {\n   net {\n"
#define CHILD_END "   }\n  }\n"

#endif /* IKE_CONFIG_UTIL_H */
