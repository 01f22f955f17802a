/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the daemon keeps of its SAs across its own restart (kill -9
 * included): the non-secret state that must never go back, so that a
 * restarted daemon given the same keys never reuses an AEAD (key, IV) pair
 * (RFC 4106 §3.1, RFC 8221 §3: the IV is the sequence number) and never
 * accepts a packet it accepted before (RFC 4303 §3.4.3).
 *
 * One file per instance, /var/lib/xdpsec/<instance>/sa-state (0600, in a
 * 0700 directory), mapped MAP_SHARED: the engine's stores into it (the
 * outbound reservation mark, engine/seq.h; the inbound replay top,
 * engine/replay.h) are in the page cache the moment they are made, so they
 * survive the process whatever kills it; xs_sa_state_sync() writes them
 * to disk (the daemon calls it every XS_SA_STATE_SYNC_S seconds).
 *
 * A record per (direction, key material), found again by a keyed
 * fingerprint: HMAC-SHA-256 under a random per-file secret over the suite,
 * protocol and keys (never the keys themselves). Outbound records are
 * per key (the nonce space belongs to the key, whatever the SPI); inbound
 * ones per (SPI, key). Records outlive their SA (a key deleted and added
 * again resumes too); when the file is full, the detached record unused
 * longest is reused.
 *
 * Trust (docs/architecture.md "Restart"):
 * - the file was written in this boot, or closed cleanly: exact. Outbound
 *   resumes at mark + XS_SEQ_RESUME_JUMP, inbound refuses every number up
 *   to the stored top;
 * - otherwise (the machine went down with the daemon running): the disk
 *   may lag by XS_SA_STATE_SYNC_S. Outbound jumps XS_SEQ_RESUME_JUMP_REBOOT;
 *   a known inbound key is refused (replays of the lost second cannot be
 *   excluded): rekey;
 * - a file that fails its checks is corrupt: every SA add is refused
 *   until the operator moves it away and installs new keys everywhere.
 */
#ifndef XSD_SA_STATE_H
#define XSD_SA_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sa.h"

#define XS_SA_STATE_DIR "/var/lib/xdpsec"
#define XS_SA_STATE_FILE "sa-state"
/* Records per file (a sparse file of 2 MiB). */
#define XS_SA_STATE_RECORDS 16384u
#define XS_SA_STATE_FP_LEN 16u

enum xs_sa_state_trust {
	XS_SA_STATE_EXACT = 0,   /* same boot, or closed cleanly */
	XS_SA_STATE_STALE,       /* unclean shutdown of the machine */
	XS_SA_STATE_CORRUPT,     /* checks failed: refuse every add */
};

/* Who an SA's record is (computed before the engine wipes the keys). */
struct xs_sa_state_key {
	uint8_t dir;                      /* XS_DIR_IN or XS_DIR_OUT */
	uint8_t proto;
	uint8_t family;
	uint32_t spi;
	union xs_addr dst;
	uint8_t fp[XS_SA_STATE_FP_LEN];   /* keyed fingerprint of the keys */
};

/* What xs_sa_state_attach() gives an SA. */
struct xs_sa_state_claim {
	uint32_t index;     /* for xs_sa_state_detach */
	uint64_t *value;    /* OUT: xs_sa_set_seq_store; IN: xs_sa_set_rx_store */
	bool resumed;       /* the key had a record */
	uint64_t start;     /* OUT: the seq_start to create the SA with;
			     * IN: the top to xs_sa_rx_resume (0: fresh) */
	bool evicted;       /* an old detached record was reused */
};

struct xs_sa_state;

/*
 * Opens dir/XS_SA_STATE_FILE (creating dir, 0700, and the file), maps it,
 * starts a new generation. boot_id is this boot's identity
 * (xs_sa_state_boot_id). A corrupt file opens in XS_SA_STATE_CORRUPT
 * (untouched; err says why). Returns NULL with errno set and err filled
 * when the file cannot be created, read or mapped.
 */
struct xs_sa_state *xs_sa_state_open(const char *dir, const char *boot_id, char *err,
				     size_t errlen);
/* Flushes, marks the file closed cleanly, unmaps. Only once no SA stores
 * into it any more (workers stopped). Accepts NULL. */
void xs_sa_state_close(struct xs_sa_state *st);
/* Writes the mapping to disk (msync). 0 or -errno. */
int xs_sa_state_sync(struct xs_sa_state *st);

/* This boot's id (/proc/sys/kernel/random/boot_id) into buf; 0 or -errno. */
int xs_sa_state_boot_id(char *buf, size_t len);

enum xs_sa_state_trust xs_sa_state_trust(const struct xs_sa_state *st);
/* Changes at every open: how clients see that the daemon restarted. */
uint64_t xs_sa_state_generation(const struct xs_sa_state *st);
const char *xs_sa_state_path(const struct xs_sa_state *st);

/* Fills k for an SA of direction dir from cfg (keys still in it). */
void xs_sa_state_key(const struct xs_sa_state *st, const struct xs_sa_config *cfg,
		     uint8_t dir, struct xs_sa_state_key *k);

/*
 * Finds or creates k's record and ties it to a live SA. seq_start is what
 * the request asked for (outbound start never goes below it). Returns 0
 * with *c filled, or -EUCLEAN (file corrupt), -ESTALE (known inbound key
 * after an unclean shutdown), -EOVERFLOW (the resume jump exhausts the
 * sequence space), -EBUSY (the record is tied to another live SA),
 * -ENOSPC (every record tied to a live SA), with err saying what to do.
 */
int xs_sa_state_attach(struct xs_sa_state *st, const struct xs_sa_state_key *k, bool esn,
		       uint64_t seq_start, struct xs_sa_state_claim *c, char *err,
		       size_t errlen);
/* Unties the record (the SA is gone); it stays for a later resume. */
void xs_sa_state_detach(struct xs_sa_state *st, uint32_t index);

#endif
