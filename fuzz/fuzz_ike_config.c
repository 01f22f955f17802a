// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: any bytes as a config file; must load or be refused
 * with a message, never crash or leak; loaded configs keep the
 * invariants config.h documents. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) abort(); } while (0)

static void check_limit(uint64_t rekey, uint64_t life, uint64_t rand)
{
	CHECK(!rekey || !life || life > rekey);
	CHECK(!rekey || rand < rekey);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[IKE_CONF_ERR_MAX];
	struct ike_config cfg;
	int ret;

	ret = ike_config_load_buf("fuzz.conf", (const char *)data, size, NULL,
				  &cfg, err, sizeof(err));
	if (ret) {
		CHECK(ret == -EINVAL && !strncmp(err, "fuzz.conf", 9));
		CHECK(!cfg.n_conns && !cfg.conns && !cfg.n_secrets && !cfg.secrets &&
		      !cfg.pki);
		return 0;
	}
	for (size_t i = 0; i < cfg.n_conns; i++) {
		const struct ike_conf_conn *c = &cfg.conns[i];

		/* a PSK round has its secret; a pubkey round its
		 * certificate with a key, or something to trust */
		if (c->local.method == IKE_CONF_AUTH_PSK ||
		    c->remote.method == IKE_CONF_AUTH_PSK)
			CHECK(ike_config_find_psk(&cfg, &c->local.id, &c->remote.id));
		if (c->local.method == IKE_CONF_AUTH_PUBKEY)
			CHECK(cfg.pki && c->local.n_certs >= 1);
		if (c->remote.method == IKE_CONF_AUTH_PUBKEY)
			CHECK(cfg.pki);
		CHECK(ike_config_find_conn(&cfg, c->name) == c);
		CHECK(c->n_proposals >= 1);
		for (size_t p = 0; p < c->n_proposals; p++)
			CHECK(c->proposals[p].protocol == IKE_PROTO_IKE &&
			      c->proposals[p].n_xforms >= 3);
		for (size_t j = 0; j < c->n_children; j++) {
			const struct ike_conf_child *ch = &c->children[j];

			CHECK(ike_config_find_child(c, ch->name) == ch);
			check_limit(ch->rekey_time, ch->life_time, ch->rand_time);
			check_limit(ch->rekey_bytes, ch->life_bytes, ch->rand_bytes);
			check_limit(ch->rekey_packets, ch->life_packets, ch->rand_packets);
			CHECK(ch->start_action == IKE_CONF_START_NONE ||
			      c->remote_addr.family != AF_UNSPEC);
		}
	}
	ike_config_free(&cfg);
	return 0;
}
