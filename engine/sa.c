// SPDX-License-Identifier: GPL-2.0-only
/*
 * SA lifecycle: validation, cipher setup, lifetimes, key wiping.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>

#include "keymem.h"
#include "sa.h"
#include "tunnel.h"

/* SA identities for per-thread state (seq.c, esp.c): never 0, never
 * reused, unlike addresses. */
static uint64_t sa_uid_last;

static uint64_t sa_uid_new(void)
{
	return __atomic_add_fetch(&sa_uid_last, 1, __ATOMIC_RELAXED);
}

void xs_sa_config_init(struct xs_sa_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->proto = XS_PROTO_ESP;
	cfg->mode = XS_MODE_TUNNEL;
	cfg->family = AF_INET;
	cfg->replay_window = XS_REPLAY_WINDOW_DEFAULT;
	cfg->backend = XS_BACKEND_AUTO;
}

static int sa_config_check(const struct xs_sa_config *cfg,
			   const struct xs_suite_info *si)
{
	/* RFC 4303 §2.1: SPIs 1..255 are reserved by IANA, 0 is local-only. */
	if (cfg->spi < 256)
		return -EINVAL;
	if (!si)
		return -EINVAL;
	if (cfg->proto == XS_PROTO_ESP ? !si->esp : cfg->proto == XS_PROTO_AH ? !si->ah : 1)
		return -EINVAL;
	if (cfg->mode != XS_MODE_TUNNEL && cfg->mode != XS_MODE_TRANSPORT)
		return -EINVAL;
	if (cfg->family != AF_INET && cfg->family != AF_INET6)
		return -EINVAL;
	if (cfg->enc_key_len != si->enc_key_len || cfg->auth_key_len != si->auth_key_len)
		return -EINVAL;
	if (cfg->replay_window % XS_REPLAY_WORD_BITS ||
	    cfg->replay_window > XS_REPLAY_WINDOW_MAX)
		return -EINVAL;
	/* RFC 3948 encapsulates ESP only. */
	if ((cfg->encap_sport || cfg->encap_dport) &&
	    (cfg->proto != XS_PROTO_ESP || !cfg->encap_sport || !cfg->encap_dport))
		return -EINVAL;
	if (!cfg->esn && cfg->seq_start > UINT32_MAX)
		return -EINVAL;
	if (cfg->backend >= XS_BACKEND_MAX)
		return -EINVAL;
	return 0;
}

struct xs_sa *xs_sa_new(const struct xs_sa_config *cfg)
{
	const struct xs_suite_info *si = xs_suite_info(cfg->suite);
	const struct xs_backend *be;
	struct xs_sa *sa;
	int ret;

	ret = sa_config_check(cfg, si);
	if (ret) {
		errno = -ret;
		return NULL;
	}
	be = xs_backend_for_suite(cfg->backend, cfg->suite);
	if (!be) {
		errno = ENOTSUP;
		return NULL;
	}
	/* Keys pass through here; the cipher state holds them after. */
	sa = xs_keymem_alloc(sizeof(*sa));
	if (!sa) {
		errno = ENOMEM;
		return NULL;
	}
	memset(sa, 0, sizeof(*sa));
	sa->cfg = *cfg;
	sa->uid = sa_uid_new();
	sa->cipher.be = be;
	sa->cipher.suite = cfg->suite;
	if (si->aead)
		memcpy(sa->cipher.salt, cfg->enc_key + cfg->enc_key_len - XS_SALT_LEN,
		       XS_SALT_LEN);
	ret = be->setup(&sa->cipher, cfg->enc_key, cfg->enc_key_len,
			cfg->auth_key, cfg->auth_key_len);
	/* The backend holds what it needs; no copy of the keys stays here. */
	OPENSSL_cleanse(sa->cfg.enc_key, sizeof(sa->cfg.enc_key));
	OPENSSL_cleanse(sa->cfg.auth_key, sizeof(sa->cfg.auth_key));
	if (ret) {
		xs_keymem_free(sa);
		errno = -ret;
		return NULL;
	}
	if (!sa->cfg.outer_ttl)
		sa->cfg.outer_ttl = 64;
	sa->iv_len = si->iv_len;
	sa->block = si->block;
	sa->tx_seq = sa->tx_reserved = cfg->seq_start;
	sa->aead = si->aead;
	sa->esp_fast = cfg->proto == XS_PROTO_ESP && cfg->mode == XS_MODE_TUNNEL &&
		       cfg->family == AF_INET && si->aead && !cfg->esn &&
		       !cfg->encap_sport;
	sa->lifetimes = cfg->soft.bytes || cfg->soft.packets || cfg->hard.bytes ||
			cfg->hard.packets;
	xs_tunnel_tmpl_init(sa);
	xs_replay_init(&sa->replay, cfg->replay_window, cfg->esn);
	return sa;
}

void xs_sa_free(struct xs_sa *sa)
{
	if (!sa)
		return;
	sa->cipher.be->teardown(&sa->cipher);
	xs_keymem_free(sa);
}

void xs_sa_set_iv_fn(struct xs_sa *sa, xs_iv_fn fn, void *arg)
{
	sa->iv_fn = fn;
	sa->iv_arg = arg;
}

void xs_sa_set_seq_store(struct xs_sa *sa, uint64_t *store)
{
	sa->seq_store = store;
}

void xs_sa_tx_restart(struct xs_sa *sa, uint64_t last)
{
	__atomic_store_n(&sa->tx_reserved, last, __ATOMIC_RELAXED);
	__atomic_store_n(&sa->tx_seq, last, __ATOMIC_RELAXED);
	/* Every cursor is keyed by the old identity: all are dropped. */
	sa->uid = sa_uid_new();
}

static bool limit_reached(const struct xs_lifetime *l, uint64_t packets,
			  uint64_t bytes)
{
	return (l->packets && packets >= l->packets) || (l->bytes && bytes >= l->bytes);
}

void xs_sa_lifetime_check(struct xs_sa *sa)
{
	const uint64_t packets = __atomic_load_n(&sa->stats.packets, __ATOMIC_RELAXED);
	const uint64_t bytes = __atomic_load_n(&sa->stats.bytes, __ATOMIC_RELAXED);

	/* Flags only ever go from false to true: plain stores suffice. */
	if (!sa->soft_expired && limit_reached(&sa->cfg.soft, packets, bytes))
		__atomic_store_n(&sa->soft_expired, true, __ATOMIC_RELAXED);
	if (!sa->hard_expired && limit_reached(&sa->cfg.hard, packets, bytes))
		__atomic_store_n(&sa->hard_expired, true, __ATOMIC_RELAXED);
}
