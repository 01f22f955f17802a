/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The IKE agent's configuration: a swanctl.conf-shaped file of
 * connections (each with its Child SAs) and pre-shared secrets, parsed
 * into plain structs the IKEv2 state machine reads.
 *
 * Loading is all or nothing. ike_config_load() fills a caller-provided
 * struct ike_config, or leaves it zeroed and returns -EINVAL with one line
 * "FILE:LINE: problem" in err. A reload parses into a fresh struct and
 * swaps it in only on success; the old one is then released with
 * ike_config_free(), which wipes the secrets.
 *
 * Wire numbers (transform types and IDs, identification types, protocol
 * IDs) are the IANA "IKEv2 Parameters" values of RFC 7296, so the state
 * machine can put them into payloads as they are.
 *
 * Secrets: PSKs are held only in struct ike_secret. Nothing here ever
 * prints one, no error message quotes a secret value, and every buffer a
 * secret passed through is wiped with OPENSSL_cleanse.
 */
#ifndef IKE_CONFIG_H
#define IKE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* ------------------------------------------------------------ limits */

#define IKE_CONF_FILE_MAX (1u << 20)    /* bytes of config file */
#define IKE_CONF_DEPTH_MAX 8u           /* nested sections */
#define IKE_CONF_NODES_MAX 20000u       /* keys + sections in a file */
#define IKE_CONF_STR_MAX 1024u          /* bytes of one value or word */
#define IKE_CONF_LIST_MAX 64u           /* comma-separated values of a key */
#define IKE_CONF_NAME_MAX 64u           /* section/key name, with NUL */
#define IKE_CONF_CONNS_MAX 64u
#define IKE_CONF_CHILDREN_MAX 16u       /* per connection */
#define IKE_CONF_SECRETS_MAX 256u
#define IKE_CONF_SECRET_IDS_MAX 8u      /* id<suffix> keys per secret */
#define IKE_CONF_PROPOSALS_MAX 16u      /* proposals per list */
#define IKE_CONF_XFORMS_MAX 24u         /* transforms per proposal */
#define IKE_CONF_TS_MAX 16u             /* traffic selectors per side */
#define IKE_CONF_PSK_MAX 256u           /* bytes of a PSK */
#define IKE_CONF_PSK_FILE_MAX 4096u     /* bytes of a file:... secret */
#define IKE_ID_DATA_MAX 255u            /* Identification Data bytes */
#define IKE_CONF_ERR_MAX 320u           /* a comfortable err buffer */

/* ------------------------------------------- IANA "IKEv2 Parameters" */

/* Security Protocol ID, RFC 7296 §3.3.1. */
enum ikev2_proto {
	IKEV2_PROTO_IKE = 1,
	IKEV2_PROTO_AH = 2,
	IKEV2_PROTO_ESP = 3,
};

/* Transform Type, RFC 7296 §3.3.2 (type 4 "D-H", "KE" since RFC 9370). */
enum ikev2_xform_type {
	IKEV2_XF_ENCR = 1,
	IKEV2_XF_PRF = 2,
	IKEV2_XF_INTEG = 3,
	IKEV2_XF_DH = 4,
	IKEV2_XF_ESN = 5,
};

/* Transform Type 1 IDs (RFC 7296 §3.3.2, RFC 4106, RFC 7634). */
enum ikev2_encr {
	IKEV2_ENCR_NULL = 11,               /* ESP only, RFC 2410 */
	IKEV2_ENCR_AES_CBC = 12,            /* Key Length 128/256 */
	IKEV2_ENCR_AES_GCM_16 = 20,         /* Key Length 128/256 */
	IKEV2_ENCR_CHACHA20_POLY1305 = 28,  /* fixed 256-bit key, no Key Length */
};

/* Transform Type 2 IDs (RFC 4868). */
enum ikev2_prf {
	IKEV2_PRF_HMAC_SHA2_256 = 5,
	IKEV2_PRF_HMAC_SHA2_384 = 6,
	IKEV2_PRF_HMAC_SHA2_512 = 7,
};

/* Transform Type 3 IDs (RFC 4868). */
enum ikev2_integ {
	IKEV2_INTEG_NONE = 0,
	IKEV2_INTEG_HMAC_SHA2_256_128 = 12,
	IKEV2_INTEG_HMAC_SHA2_384_192 = 13,
	IKEV2_INTEG_HMAC_SHA2_512_256 = 14,
};

/* Transform Type 4 IDs (RFC 3526, RFC 5903, RFC 8031). */
enum ikev2_dh {
	IKEV2_DH_NONE = 0,
	IKEV2_DH_MODP_2048 = 14,
	IKEV2_DH_ECP_256 = 19,
	IKEV2_DH_CURVE25519 = 31,
};

/* Transform Type 5 IDs. */
enum ikev2_esn {
	IKEV2_ESN_NONE = 0,
	IKEV2_ESN_YES = 1,
};

/* Transform attribute "Key Length" (TV), RFC 7296 §3.3.5. */
#define IKEV2_ATTR_KEY_LENGTH 14

/* Identification Type, RFC 7296 §3.5. IKE_ID_ANY is config-only. */
enum ikev2_id_type {
	IKE_ID_ANY = 0,                 /* %any: matches every identity */
	IKEV2_ID_IPV4_ADDR = 1,
	IKEV2_ID_FQDN = 2,
	IKEV2_ID_RFC822_ADDR = 3,
	IKEV2_ID_IPV6_ADDR = 5,
	IKEV2_ID_KEY_ID = 11,
};

/* Traffic Selector Type, RFC 7296 §3.13.1. */
enum ikev2_ts_type {
	IKEV2_TS_IPV4_ADDR_RANGE = 7,
	IKEV2_TS_IPV6_ADDR_RANGE = 8,
};

/* ------------------------------------------------------- value types */

/* One transform of a proposal, as it goes on the wire (RFC 7296 §3.3.2). */
struct ike_xform {
	uint8_t type;           /* enum ikev2_xform_type */
	uint16_t id;            /* Transform ID for that type */
	uint16_t keylen;        /* Key Length attribute in bits; 0 = absent */
};

/*
 * One proposal. Transforms are grouped by type in the order ENCR, PRF,
 * INTEG, DH, ESN; within a type, the order of the config (= preference).
 * Invariants after loading:
 * - IKE: >= 1 ENCR, >= 1 PRF, >= 1 DH; INTEG iff the ENCRs are not AEAD.
 * - ESP: >= 1 ENCR, >= 1 ESN; INTEG iff the ENCRs are not AEAD; DH only
 *   if PFS was configured (it applies to CREATE_CHILD_SA, not IKE_AUTH).
 * - AH: >= 1 INTEG, >= 1 ESN, no ENCR; optional DH.
 * - AEAD and non-AEAD ciphers are never mixed in one proposal.
 */
struct ike_proposal {
	uint8_t protocol;       /* enum ikev2_proto */
	uint8_t n_xforms;
	struct ike_xform xforms[IKE_CONF_XFORMS_MAX];
};

/* An IP address; AF_UNSPEC is %any. */
struct ike_addr {
	sa_family_t family;     /* AF_INET, AF_INET6 or AF_UNSPEC */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	} u;
};

/*
 * An identity exactly as carried in an ID payload (RFC 7296 §3.5):
 * IPv4/IPv6 as 4/16 network-order bytes, FQDN and RFC822 as text without
 * NUL, KEY_ID as raw bytes. type IKE_ID_ANY (len 0) matches anything.
 */
struct ike_id {
	uint8_t type;           /* enum ikev2_id_type */
	uint16_t len;
	uint8_t data[IKE_ID_DATA_MAX];
};

/*
 * A traffic selector as configured. A non-dynamic one is a prefix
 * (addr/prefix_len, host bits cleared); ike_ts_range() gives the
 * start/end addresses of the TS payload (RFC 7296 §3.13.1).
 * Ports are in host order; 0..65535 is "any". For ICMP/ICMPv6 the port
 * field holds type << 8 | code (RFC 4301 §4.4.1.1), so [icmp/8] is
 * 0x0800..0x08ff. OPAQUE ports (RFC 4301) are port_lo 65535, port_hi 0.
 */
struct ike_ts {
	bool dynamic;           /* the IKE address of this side, at run time */
	uint8_t proto;          /* IP protocol; 0 = any */
	uint8_t prefix_len;
	uint16_t port_lo;
	uint16_t port_hi;
	struct ike_addr addr;   /* family AF_UNSPEC when dynamic */
};

/* ------------------------------------------------------ config types */

enum ike_auth_method {
	IKE_AUTH_NONE = 0,
	IKE_AUTH_PSK,           /* RFC 7296 §2.15, Auth Method 2 */
};

enum ike_mode {
	IKE_MODE_TUNNEL = 0,
	IKE_MODE_TRANSPORT,
};

enum ike_start_action {
	IKE_START_NONE = 0,     /* responder only, or initiated by the CLI */
	IKE_START_START,        /* initiate when the config is loaded */
	IKE_START_TRAP,         /* swanctl "trap": initiate on traffic */
};

enum ike_dpd_action {
	IKE_DPD_CLEAR = 0,      /* swanctl default: close the Child SA */
	IKE_DPD_RESTART,        /* re-create it under a fresh IKE SA */
	IKE_DPD_NONE,
};

/* One side's authentication round (swanctl local { } / remote { }). */
struct ike_auth {
	uint8_t method;         /* enum ike_auth_method; always PSK today */
	struct ike_id id;       /* local: defaults to local_addrs (an IP ID);
				 * remote: defaults to IKE_ID_ANY */
};

/* Child SA config: connections.<conn>.children.<child>. */
struct ike_child {
	char name[IKE_CONF_NAME_MAX];
	unsigned int line;      /* where the section opens */
	uint8_t n_local_ts, n_remote_ts;
	struct ike_ts local_ts[IKE_CONF_TS_MAX];   /* default: one dynamic */
	struct ike_ts remote_ts[IKE_CONF_TS_MAX];  /* default: one dynamic */
	uint8_t protocol;       /* IKEV2_PROTO_ESP, or _AH if ah_proposals */
	uint8_t n_proposals;
	struct ike_proposal proposals[IKE_CONF_PROPOSALS_MAX];
	uint8_t mode;           /* enum ike_mode, default tunnel */
	uint8_t start_action;   /* enum ike_start_action, default none */
	uint8_t dpd_action;     /* enum ike_dpd_action, default clear */
	/* Seconds; 0 = never. Defaults as swanctl: rekey 1h, life rekey+10%,
	 * rand life-rekey. After loading life_time > rekey_time unless one
	 * is 0, and rand_time <= rekey_time. */
	uint32_t rekey_time, life_time, rand_time;
	/* Volume limits; 0 = none. life defaults to rekey+10%, rand to
	 * life-rekey, as for time. */
	uint64_t rekey_bytes, life_bytes, rand_bytes;
	uint64_t rekey_packets, life_packets, rand_packets;
};

/* IKE connection config: connections.<conn>. */
struct ike_conn {
	char name[IKE_CONF_NAME_MAX];
	unsigned int line;      /* where the section opens */
	struct ike_addr local_addr;     /* required, never %any */
	struct ike_addr remote_addr;    /* AF_UNSPEC = %any (responder only) */
	uint16_t local_port, remote_port;       /* default 500 */
	uint8_t n_proposals;
	struct ike_proposal proposals[IKE_CONF_PROPOSALS_MAX];
	/* Seconds; 0 = never. rekey_time default 4h, over_time default
	 * rekey/10, rand_time default over_time (all as swanctl). */
	uint32_t rekey_time, over_time, rand_time;
	uint32_t dpd_delay;     /* 0 = no active DPD (default) */
	uint32_t dpd_timeout;   /* 0 = retransmission timeout decides (default) */
	uint32_t keyingtries;   /* default 1; 0 = forever */
	bool encap;             /* force UDP encapsulation (fake NAT-D) */
	bool mobike;            /* parsed (default yes) but not implemented */
	struct ike_auth local, remote;
	size_t n_children;
	struct ike_child *children;     /* owned by the config */
};

/* One secrets.ike<suffix> { } section. */
struct ike_secret {
	char name[IKE_CONF_NAME_MAX];   /* e.g. "ike-site" */
	unsigned int line;
	size_t n_ids;                   /* 0: the secret matches any pair */
	struct ike_id ids[IKE_CONF_SECRET_IDS_MAX];
	size_t len;
	uint8_t key[IKE_CONF_PSK_MAX];  /* wiped by ike_config_free */
};

struct ike_config {
	size_t n_conns;
	struct ike_conn *conns;         /* in file order */
	size_t n_secrets;
	struct ike_secret *secrets;     /* in file order */
};

/* ------------------------------------------------------------ loading */

/*
 * Parses the file at path into *cfg (its previous contents are ignored,
 * not freed). 0 on success. On failure *cfg is zeroed and a negative
 * errno comes back: -EINVAL for any problem with the file or a secret
 * file it names (message "PATH:LINE: ..." or "PATH: ..."), -ENOMEM when
 * memory ran out. err may be NULL/0.
 */
int ike_config_load(const char *path, struct ike_config *cfg, char *err,
		    size_t errlen);

/*
 * The same from memory: name is used in messages, basedir resolves
 * relative "file:" secret paths (NULL: relative paths are refused).
 * buf needs no NUL terminator; len > IKE_CONF_FILE_MAX is refused.
 */
int ike_config_load_buf(const char *name, const char *buf, size_t len,
			const char *basedir, struct ike_config *cfg, char *err,
			size_t errlen);

/* Releases everything cfg owns, wiping secrets; leaves *cfg zeroed.
 * NULL and zeroed configs are fine. */
void ike_config_free(struct ike_config *cfg);

/* ------------------------------------------------------------ lookups */

/* The connection called name, or NULL. Borrowed from cfg. */
const struct ike_conn *ike_config_find_conn(const struct ike_config *cfg,
					    const char *name);
/* The child called name in conn, or NULL. Borrowed from conn. */
const struct ike_child *ike_conn_find_child(const struct ike_conn *conn,
					    const char *name);

/*
 * The PSK for an IKE SA between the identities local and remote, chosen
 * as swanctl does. Each side scores a secret 3 when one of its ids equals
 * that side's identity, 1 when it has an id %any or no ids at all, else
 * 0; a side that is NULL or IKE_ID_ANY (not known yet) scores 1. Secrets
 * scoring 0 on both sides are skipped; the highest sum wins, the first in
 * the file on a tie. Returns a secret borrowed from cfg, or NULL.
 */
const struct ike_secret *ike_config_find_psk(const struct ike_config *cfg,
					     const struct ike_id *local,
					     const struct ike_id *remote);

/* ------------------------------------------------- value helpers */

/*
 * Parses a swanctl identity string: an IPv4/IPv6 address, "%any",
 * "@fqdn", "@@user" (RFC822), "@#hex" (KEY_ID), "user@host" (RFC822),
 * any other text (FQDN), or a typed "fqdn:", "email:"/"rfc822:"/
 * "userfqdn:", "keyid:", "ipv4:", "ipv6:" prefix (after the colon "#hex"
 * gives raw bytes). 0 or -EINVAL with a reason in err.
 */
int ike_id_parse(const char *s, struct ike_id *id, char *err, size_t errlen);

/* Whether an identity received in an ID payload satisfies the
 * configured one: equal type and data (FQDN and RFC822 compared without
 * case), or conf is IKE_ID_ANY. */
bool ike_id_match(const struct ike_id *conf, const struct ike_id *id);

/* A printable form ("moon.example.org", "10.0.0.1", "@#0a1b", "%any"),
 * non-printable bytes shown as '?'; returns buf. len >= 8. */
const char *ike_id_str(const struct ike_id *id, char *buf, size_t len);

/*
 * Parses a comma-separated proposal list as in swanctl
 * ("aes128gcm16-prfsha256-x25519, aes128-sha256-modp2048", "default")
 * for protocol IKEV2_PROTO_IKE, _ESP or _AH into out[0..*n). 0 or
 * -EINVAL with a reason in err.
 */
int ike_proposals_parse(const char *s, uint8_t protocol,
			struct ike_proposal *out, size_t max, size_t *n,
			char *err, size_t errlen);

/* "ENCR_AES_GCM_16", "PRF_HMAC_SHA2_256", ... or "UNKNOWN". */
const char *ike_xform_name(uint8_t type, uint16_t id);

/* Whether an ENCR transform ID is an AEAD (combined-mode) cipher. */
bool ike_encr_is_aead(uint16_t id);

/* The first and last address a TS covers (16 bytes each, IPv4 in the
 * first 4). -EINVAL for a dynamic TS (resolve it first). */
int ike_ts_range(const struct ike_ts *ts, uint8_t start[16], uint8_t end[16]);

#endif
