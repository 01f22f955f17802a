/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The IKE agent's configuration: strongSwan's swanctl.conf -- connections
 * (each with its Child SAs), pre-shared secrets, key passphrases,
 * authorities -- and the credential folders beside it (x509/, x509ca/,
 * x509crl/, private/, rsa/, ecdsa/, pkcs8/), parsed into plain structs
 * the IKEv2 state machine reads and a struct ike_pki of OpenSSL objects
 * (pki.h).
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
 * Secrets: PSKs are held only in struct ike_conf_secret, private keys
 * only as OpenSSL objects of the pki. Nothing here ever prints one, no
 * error message quotes a secret value or a passphrase, and every buffer a
 * secret, a passphrase or a key file passed through is wiped with
 * OPENSSL_cleanse.
 */
#ifndef IKE_CONFIG_H
#define IKE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "wire.h"

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
#define IKE_CONF_ID_MAX 512u            /* Identification Data bytes (a DER
					 * distinguished name fits) */
#define IKE_CONF_ERR_MAX 320u           /* a comfortable err buffer */
#define IKE_CONF_CERTS_MAX 8u           /* certs / cacerts per round */

/* ------------------------------------------- IANA "IKEv2 Parameters" */

/*
 * Protocol IDs (IKE_PROTO_*), transform types (IKE_XFORM_*) and IDs
 * (IKE_ENCR_*, IKE_PRF_*, IKE_INTEG_*, IKE_DH_*, IKE_ESN_*), ID types
 * (IKE_ID_*) come from wire.h. Values the config produces:
 *   ENCR  IKE_ENCR_AES_CBC (12, keylen 128/256), IKE_ENCR_AES_GCM_16 (20,
 *         keylen 128/256), IKE_ENCR_CHACHA20_POLY1305 (28, keylen 0: a
 *         fixed-length key takes no Key Length, RFC 7296 §3.3.5),
 *         IKE_ENCR_NULL (11, ESP only)
 *   PRF   IKE_PRF_HMAC_SHA2_256/384/512 (5/6/7)
 *   INTEG IKE_INTEG_HMAC_SHA2_256_128/384_192/512_256 (12/13/14)
 *   DH    IKE_DH_MODP2048/3072/4096 (14/15/16), IKE_DH_ECP256/384/521
 *         (19/20/21), IKE_DH_CURVE25519 (31), IKE_DH_CURVE448 (32)
 *   ESN   IKE_ESN_NONE (0), IKE_ESN_ON (1)
 *   ID    IKE_ID_IPV4_ADDR, _FQDN, _RFC822_ADDR, _IPV6_ADDR, _KEY_ID
 */

/* A configured identity of this type matches every identity (%any).
 * Not a wire value (0 is reserved in RFC 7296 §3.5). */
#define IKE_CONF_ID_ANY 0u

/* ------------------------------------------------------- value types */

/* One transform of a proposal, as it goes on the wire (RFC 7296 §3.3.2). */
struct ike_conf_xform {
	uint8_t type;           /* IKE_XFORM_* */
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
struct ike_conf_proposal {
	uint8_t protocol;       /* IKE_PROTO_IKE / _AH / _ESP */
	uint8_t n_xforms;
	struct ike_conf_xform xforms[IKE_CONF_XFORMS_MAX];
};

/* An IP address; AF_UNSPEC is %any. */
struct ike_conf_addr {
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
 * NUL, KEY_ID as raw bytes, DER_ASN1_DN as the DER of a Name. type
 * IKE_CONF_ID_ANY (len 0) matches anything.
 */
struct ike_conf_id {
	uint8_t type;           /* IKE_ID_*, or IKE_CONF_ID_ANY */
	uint16_t len;
	uint8_t data[IKE_CONF_ID_MAX];
};

/*
 * A traffic selector as configured. A non-dynamic one is a prefix
 * (addr/prefix_len, host bits cleared); ike_conf_ts_range() gives the
 * start/end addresses of the TS payload (RFC 7296 §3.13.1).
 * Ports are in host order; 0..65535 is "any". For ICMP/ICMPv6 the port
 * field holds type << 8 | code (RFC 4301 §4.4.1.1), so [icmp/8] is
 * 0x0800..0x08ff. OPAQUE ports (RFC 4301) are port_lo 65535, port_hi 0.
 */
struct ike_conf_ts {
	bool dynamic;           /* the IKE address of this side, at run time */
	uint8_t proto;          /* IP protocol; 0 = any */
	uint8_t prefix_len;
	uint16_t port_lo;
	uint16_t port_hi;
	struct ike_conf_addr addr;  /* family AF_UNSPEC when dynamic */
};

/* ------------------------------------------------------ config types */

enum ike_conf_auth_method {
	IKE_CONF_AUTH_NONE = 0,
	IKE_CONF_AUTH_PSK,      /* RFC 7296 §2.15, Auth Method 2 */
	IKE_CONF_AUTH_PUBKEY,   /* signatures: §2.15 methods 1, 9-11, RFC 7427 */
};

/* Key types of a pubkey round (the same bits as auth_sig.h's
 * IKE_SIG_KEY_*): what a local round may sign with, what a remote round
 * accepts. */
#define IKE_CONF_KEY_RSA 0x01u
#define IKE_CONF_KEY_ECDSA 0x02u
#define IKE_CONF_KEY_ED25519 0x04u
#define IKE_CONF_KEY_ED448 0x08u
#define IKE_CONF_KEY_ANY 0x0fu

/* swanctl revocation: what a missing CRL means. */
enum ike_conf_revocation {
	IKE_CONF_REVOCATION_RELAXED = 0,  /* fail only if known revoked */
	IKE_CONF_REVOCATION_IFURI,        /* also if the certificate names a
					   * CRL distribution point */
	IKE_CONF_REVOCATION_STRICT,       /* also if no CRL covers it */
};

/* swanctl send_cert */
enum ike_conf_send_cert {
	IKE_CONF_SEND_CERT_IFASKED = 0,   /* only after a CERTREQ */
	IKE_CONF_SEND_CERT_ALWAYS,
	IKE_CONF_SEND_CERT_NEVER,
};

/* swanctl fragmentation (RFC 7383) */
enum ike_conf_frag {
	IKE_CONF_FRAG_YES = 0,  /* announce; fragment when the peer can */
	IKE_CONF_FRAG_ACCEPT,   /* announce, never fragment our messages */
	IKE_CONF_FRAG_FORCE,    /* as yes (IKEv2 never fragments IKE_SA_INIT) */
	IKE_CONF_FRAG_NO,       /* do not announce */
};

enum ike_conf_mode {
	IKE_CONF_MODE_TUNNEL = 0,
	IKE_CONF_MODE_TRANSPORT,
};

enum ike_conf_start_action {
	IKE_CONF_START_NONE = 0,  /* responder, or initiated from the CLI */
	IKE_CONF_START_START,     /* initiate when the config is loaded */
	IKE_CONF_START_TRAP,      /* swanctl "trap": initiate on traffic */
};

enum ike_conf_dpd_action {
	IKE_CONF_DPD_CLEAR = 0,   /* swanctl default: close the Child SA */
	IKE_CONF_DPD_RESTART,     /* re-create it under a fresh IKE SA */
	IKE_CONF_DPD_NONE,
};

/*
 * One side's authentication round (swanctl local { } / remote { }).
 * certs / cacerts are indexes into the loading config's pki (a copy of
 * the round in a running IKE SA must look them up again in the current
 * config: the indexes belong to the config that made them).
 */
struct ike_conf_auth {
	uint8_t method;         /* enum ike_conf_auth_method (default pubkey,
				 * as swanctl) */
	struct ike_conf_id id;  /* local: psk: local_addrs (an IP ID); pubkey:
				 * the certificate's subject. remote:
				 * IKE_CONF_ID_ANY */
	/* pubkey (auth = pubkey | rsa | rsa/pss | ecdsa | ed25519 | ed448,
	 * each optionally followed by -BITS and -sha256/-sha384/-sha512, with
	 * swanctl's "ike:" prefix accepted) */
	uint8_t key_types;      /* IKE_CONF_KEY_* */
	bool pss;               /* RSASSA-PSS (local: sign so; remote: demand it) */
	uint16_t rsa_bits, ecdsa_bits;  /* remote: least key size, 0: any */
	uint32_t hashes;        /* 1u << IKE_HASH_*: signature hashes allowed;
				 * 0: any of RFC 7427's we speak */
	uint8_t revocation;     /* remote: enum ike_conf_revocation */
	uint8_t n_certs;        /* local: candidates; remote: pinned peers */
	uint8_t n_cacerts;      /* remote: trust anchors (0: every CA) */
	uint16_t certs[IKE_CONF_CERTS_MAX];
	uint16_t cacerts[IKE_CONF_CERTS_MAX];
};

/* Child SA config: connections.<conn>.children.<child>. */
struct ike_conf_child {
	char name[IKE_CONF_NAME_MAX];
	unsigned int line;      /* where the section opens */
	uint8_t n_local_ts, n_remote_ts;
	struct ike_conf_ts local_ts[IKE_CONF_TS_MAX];  /* default: dynamic */
	struct ike_conf_ts remote_ts[IKE_CONF_TS_MAX]; /* default: dynamic */
	uint8_t protocol;       /* IKE_PROTO_ESP, or _AH if ah_proposals */
	uint8_t n_proposals;
	struct ike_conf_proposal proposals[IKE_CONF_PROPOSALS_MAX];
	uint8_t mode;           /* enum ike_conf_mode, default tunnel */
	uint8_t start_action;   /* enum ike_conf_start_action, default none */
	uint8_t dpd_action;     /* enum ike_conf_dpd_action, default clear */
	/* Seconds; 0 = never. Defaults as swanctl: rekey 1h, life rekey+10%
	 * (at least +1), rand life-rekey (kept below rekey). After loading,
	 * when rekey_time is not 0: life_time is 0 or > rekey_time, and
	 * rand_time < rekey_time. */
	uint32_t rekey_time, life_time, rand_time;
	/* Volume limits; 0 = none. Defaults and guarantees as for time. */
	uint64_t rekey_bytes, life_bytes, rand_bytes;
	uint64_t rekey_packets, life_packets, rand_packets;
};

/* IKE connection config: connections.<conn>. */
struct ike_conf_conn {
	char name[IKE_CONF_NAME_MAX];
	unsigned int line;      /* where the section opens */
	struct ike_conf_addr local_addr;   /* required, never %any */
	struct ike_conf_addr remote_addr;  /* AF_UNSPEC: %any (responder only) */
	uint16_t local_port, remote_port;  /* default 500 */
	uint8_t n_proposals;
	struct ike_conf_proposal proposals[IKE_CONF_PROPOSALS_MAX];
	/* Seconds; 0 = never. rekey_time default 4h, over_time default
	 * rekey/10, rand_time default over_time (all as swanctl). */
	uint32_t rekey_time, over_time, rand_time;
	uint32_t dpd_delay;     /* 0 = no active DPD (default) */
	uint32_t dpd_timeout;   /* 0 = retransmission timeout decides (default) */
	uint32_t keyingtries;   /* default 1; 0 = forever */
	bool encap;             /* force UDP encapsulation (fake NAT-D) */
	bool mobike;            /* parsed (default yes) but not implemented */
	uint8_t send_cert;      /* enum ike_conf_send_cert (ifasked) */
	bool send_certreq;      /* default yes */
	uint8_t fragmentation;  /* enum ike_conf_frag (yes) */
	struct ike_conf_auth local, remote;
	size_t n_children;
	struct ike_conf_child *children;   /* owned by the config */
};

/* One secrets.ike<suffix> { } section. */
struct ike_conf_secret {
	char name[IKE_CONF_NAME_MAX];   /* e.g. "ike-site" */
	unsigned int line;
	size_t n_ids;                   /* 0: the secret matches any pair */
	struct ike_conf_id ids[IKE_CONF_SECRET_IDS_MAX];
	size_t len;
	uint8_t key[IKE_CONF_PSK_MAX];  /* wiped by ike_config_free */
};

struct ike_pki;

struct ike_config {
	size_t n_conns;
	struct ike_conf_conn *conns;       /* in file order */
	size_t n_secrets;
	struct ike_conf_secret *secrets;   /* in file order */
	/* certificates, CRLs and private keys (pki.h); NULL when none
	 * were loaded */
	struct ike_pki *pki;
};

/* ------------------------------------------------------------ loading */

/*
 * Parses the file at path into *cfg (its previous contents are ignored,
 * not freed). 0 on success. On failure *cfg is zeroed and a negative
 * errno comes back: -EINVAL for any problem with the file, a secret file
 * or a credential file it names or that its folders hold (message
 * "PATH:LINE: ..." or "PATH: ..."), -ENOMEM when memory ran out. err may
 * be NULL/0. The folders are those beside path.
 */
int ike_config_load(const char *path, struct ike_config *cfg, char *err,
		    size_t errlen);

/*
 * The same from memory: name is used in messages, basedir is the
 * directory of swanctl's credential folders and resolves relative
 * "file:" secret, certificate and key paths (NULL: no folders are read
 * and relative paths are refused). buf needs no NUL terminator; len >
 * IKE_CONF_FILE_MAX is refused.
 */
int ike_config_load_buf(const char *name, const char *buf, size_t len,
			const char *basedir, struct ike_config *cfg, char *err,
			size_t errlen);

/* Releases everything cfg owns, wiping secrets; leaves *cfg zeroed.
 * NULL and zeroed configs are fine. */
void ike_config_free(struct ike_config *cfg);

/* ------------------------------------------------------------ lookups */

/* The connection called name, or NULL. Borrowed from cfg. */
const struct ike_conf_conn *ike_config_find_conn(const struct ike_config *cfg,
						 const char *name);
/* The child called name in conn, or NULL. Borrowed from conn. */
const struct ike_conf_child *
ike_config_find_child(const struct ike_conf_conn *conn, const char *name);

/*
 * The PSK for an IKE SA between the identities local and remote, chosen
 * as swanctl does. Each side scores a secret 3 when one of its ids equals
 * that side's identity, 1 when it has an id %any or no ids at all, else
 * 0; a side that is NULL or IKE_CONF_ID_ANY (not known yet) scores 1.
 * Secrets scoring 0 on both sides are skipped; the highest sum wins, the
 * first in the file on a tie. Returns a secret borrowed from cfg, or NULL.
 */
const struct ike_conf_secret *
ike_config_find_psk(const struct ike_config *cfg,
		    const struct ike_conf_id *local,
		    const struct ike_conf_id *remote);

/* ------------------------------------------------- value helpers */

/*
 * Parses a swanctl identity string: an IPv4/IPv6 address, "%any",
 * "@fqdn", "@@user" (RFC822), "@#hex" (KEY_ID), "user@host" (RFC822),
 * text with '=' (a distinguished name, ID_DER_ASN1_DN), any other text
 * (FQDN), or a typed "fqdn:", "email:"/"rfc822:"/"userfqdn:", "keyid:",
 * "ipv4:", "ipv6:", "asn1dn:" prefix (after the colon "#hex" gives raw
 * bytes). 0 or -EINVAL with a reason in err.
 */
int ike_conf_id_parse(const char *s, struct ike_conf_id *id, char *err,
		      size_t errlen);

/* Whether an identity received in an ID payload satisfies the
 * configured one: equal type and data (FQDN and RFC822 compared without
 * case; a configured "*.example.org" / "*@example.org" matches any
 * identity ending so; distinguished names RDN by RDN, a "*" value
 * matching anything), or conf is IKE_CONF_ID_ANY. */
bool ike_conf_id_match(const struct ike_conf_id *conf,
		       const struct ike_conf_id *id);

/* Whether a configured identity holds a wildcard ("*.example.org",
 * "*@example.org", a DN with a "*" value): it matches, it is never sent. */
bool ike_conf_id_wildcard(const struct ike_conf_id *id);

/*
 * Distinguished names (conf_dn.c). ike_conf_dn_parse turns swanctl text
 * ("C=CH, O=Example, CN=moon" or "/C=CH/O=Example/CN=moon", strongSwan's
 * RDN names) into DER (at most cap octets): 0 or -EINVAL with a reason.
 * ike_conf_dn_match compares two DER names RDN by RDN in order (types
 * equal, values without regard to ASCII case or string type, a value "*"
 * in conf matches any). ike_conf_dn_str prints "C=CH, O=Example, CN=moon".
 */
int ike_conf_dn_parse(const char *s, uint8_t *der, size_t cap, size_t *len,
		      char *err, size_t errlen);
bool ike_conf_dn_valid(const uint8_t *der, size_t len);
bool ike_conf_dn_has_wildcard(const uint8_t *der, size_t len);
bool ike_conf_dn_match(const uint8_t *conf, size_t clen, const uint8_t *id,
		       size_t ilen);
const char *ike_conf_dn_str(const uint8_t *der, size_t len, char *buf,
			    size_t buflen);

/* A printable form ("moon.example.org", "10.0.0.1", "@#0a1b", "%any"),
 * non-printable bytes shown as '?'; returns buf. len >= 8. */
const char *ike_conf_id_str(const struct ike_conf_id *id, char *buf,
			    size_t len);

/*
 * Parses a comma-separated proposal list as in swanctl
 * ("aes128gcm16-prfsha256-x25519, aes128-sha256-modp2048", "default")
 * for protocol IKE_PROTO_IKE, _ESP or _AH into out[0..*n). 0 or
 * -EINVAL with a reason in err.
 */
int ike_conf_proposals_parse(const char *s, uint8_t protocol,
			     struct ike_conf_proposal *out, size_t max,
			     size_t *n, char *err, size_t errlen);

/* Whether an ENCR transform ID is an AEAD (combined-mode) cipher. */
bool ike_conf_encr_is_aead(uint16_t id);

/*
 * Parses one swanctl traffic selector: "dynamic" or ADDR[/LEN], then an
 * optional [PROTO] or [PROTO/PORT] with PROTO a name (tcp, udp, icmp,
 * icmpv6/ipv6-icmp, sctp, gre, dccp, udplite), a number or %any, and
 * PORT N, N-M, %any or opaque (ICMP: the type). 0 or -EINVAL + reason.
 */
int ike_conf_ts_parse(const char *s, struct ike_conf_ts *ts, char *err,
		      size_t errlen);

/* The first and last address a TS covers (16 bytes each, IPv4 in the
 * first 4). -EINVAL for a dynamic TS (resolve it first). */
int ike_conf_ts_range(const struct ike_conf_ts *ts, uint8_t start[16],
		      uint8_t end[16]);

#endif
