// SPDX-License-Identifier: GPL-2.0-only
/*
 * ECN through the tunnel, RFC 6040: the decapsulation table of §4.2, row by
 * row, and end to end through seal and open (the outer header is not
 * covered by ESP, so a router on the way may mark it CE).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "engine.h"
#include "ip.h"
#include "tunnel.h"

enum { NOT_ECT = 0, ECT1 = 1, ECT0 = 2, CE = 3, DROP = -1 };

/* RFC 6040 Figure 4: inner (row) x outer (column) -> what leaves. */
static const struct { int inner, outer, result; } decap[] = {
	{ NOT_ECT, NOT_ECT, NOT_ECT }, { NOT_ECT, ECT0, NOT_ECT },
	{ NOT_ECT, ECT1, NOT_ECT },     { NOT_ECT, CE, DROP },
	{ ECT0, NOT_ECT, ECT0 },        { ECT0, ECT0, ECT0 },
	{ ECT0, ECT1, ECT1 },           { ECT0, CE, CE },
	{ ECT1, NOT_ECT, ECT1 },        { ECT1, ECT0, ECT1 },
	{ ECT1, ECT1, ECT1 },           { ECT1, CE, CE },
	{ CE, NOT_ECT, CE },            { CE, ECT0, CE },
	{ CE, ECT1, CE },               { CE, CE, CE },
};

static void ip4(uint8_t *h, uint8_t tos)
{
	memset(h, 0, 20);
	h[0] = 0x45;
	h[1] = tos;
	h[3] = 20;
	h[8] = 64;
	h[9] = 17;
	xs_ipv4_csum_set(h);
}

static void ip6(uint8_t *h, uint8_t tclass)
{
	memset(h, 0, 40);
	h[0] = (uint8_t)(0x60 | tclass >> 4);
	h[1] = (uint8_t)(tclass << 4);
	h[6] = 17;
	h[7] = 64;
}

static void test_decap_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(decap) / sizeof(decap[0]); i++) {
		for (int v6 = 0; v6 < 2; v6++) {
			uint8_t outer[40], inner[40];
			uint8_t dscp = 0xb8; /* EF stays as it is inside */
			int r;

			if (v6) {
				ip6(outer, (uint8_t)decap[i].outer);
				ip6(inner, (uint8_t)(dscp | decap[i].inner));
			} else {
				ip4(outer, (uint8_t)decap[i].outer);
				ip4(inner, (uint8_t)(dscp | decap[i].inner));
			}
			r = xs_tunnel_ecn_decap(outer, inner);
			if (decap[i].result == DROP) {
				assert_int_equal(r, XS_DROP_ECN);
				continue;
			}
			assert_int_equal(r, XS_DROP_NONE);
			assert_int_equal(xs_tunnel_tos(inner), dscp | decap[i].result);
			if (!v6)
				assert_int_equal(xs_csum(inner, 20, 0), 0);
		}
	}
}

/* Seal a packet with ECT(0), mark the outer header CE on the way, open. */
static void test_ce_end_to_end(void **state)
{
	struct xs_sa_config cfg;
	struct xs_sadb *db;
	struct xs_sa *sa;
	uint8_t buf[512];
	struct xs_pkt p = { buf, sizeof(buf), XS_HEADROOM, 60 };
	uint8_t *in = buf + XS_HEADROOM, *out;

	(void)state;
	xs_sa_config_init(&cfg);
	cfg.spi = 0x1234;
	cfg.suite = XS_SUITE_AES128GCM16;
	cfg.enc_key_len = 20;
	memset(cfg.enc_key, 7, 20);
	inet_pton(AF_INET, "192.0.2.1", &cfg.src.v4);
	inet_pton(AF_INET, "192.0.2.2", &cfg.dst.v4);
	sa = xs_sa_new(&cfg);
	assert_non_null(sa);
	db = xs_sadb_new(4);
	assert_int_equal(xs_sadb_add(db, sa), 0);

	memset(buf, 0, sizeof(buf));
	ip4(in, 0xb8 | ECT0);
	in[3] = 60;
	xs_ipv4_csum_set(in);
	assert_int_equal(xs_seal(sa, &p), XS_DROP_NONE);
	out = buf + p.off;
	assert_int_equal(out[1], 0xb8 | ECT0);   /* copied on encapsulation */
	out[1] = 0xb8 | CE;                       /* congestion on the way */
	xs_ipv4_csum_set(out);
	assert_int_equal(xs_open(db, &p, NULL), XS_DROP_NONE);
	assert_int_equal(buf[p.off + 1], 0xb8 | CE);
	assert_int_equal(xs_csum(buf + p.off, 20, 0), 0);

	/* A Not-ECT packet marked CE outside is dropped and counted. */
	p = (struct xs_pkt){ buf, sizeof(buf), XS_HEADROOM, 60 };
	ip4(in, 0xb8);
	in[3] = 60;
	xs_ipv4_csum_set(in);
	assert_int_equal(xs_seal(sa, &p), XS_DROP_NONE);
	out = buf + p.off;
	out[1] = 0xb8 | CE;
	xs_ipv4_csum_set(out);
	assert_int_equal(xs_open(db, &p, NULL), XS_DROP_ECN);
	assert_int_equal(sa->stats.drops[XS_DROP_ECN], 1);

	xs_sadb_free(db);
	xs_sa_free(sa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decap_table),
		cmocka_unit_test(test_ce_end_to_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
