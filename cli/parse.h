/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Word parsers for control commands. Each returns 0, or -EINVAL with a
 * one-line reason in err (errlen bytes) and leaves its outputs untouched
 * except where noted. Numbers are decimal or 0x hex, without sign or
 * spaces, and are checked against their range.
 *
 * Keys: parsed key bytes are the caller's to wipe (OPENSSL_cleanse); no
 * message ever quotes a key word.
 */
#ifndef XSD_PARSE_H
#define XSD_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>

#include "sa.h"

/* Room for a one-line error. */
#define XS_ERR_MAX 256

/* The longest key the parsers accept (an HMAC key, XS_AUTH_KEY_MAX). */
#define XS_KEY_MAX XS_AUTH_KEY_MAX

/* Formats a one-line error into err (nothing when errlen is 0). */
void xs_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * A user word made safe to quote in a one-line message: at most
 * XS_QUOTE_MAX - 4 bytes, non-printable bytes as '?', "..." when cut.
 * A word that may be key material (xs_word_may_be_key: a key typed in the
 * wrong place) is never quoted: "<N characters not shown>" stands for it.
 * Every message that names a user word goes through here.
 */
#define XS_QUOTE_MAX 48
const char *xs_quote(const char *word, char buf[XS_QUOTE_MAX]);

/* A run of this many letters, digits, '+' or '=' makes a word key-like:
 * 8 bytes in hex; the shortest key taken is 16 bytes. Names, numbers up
 * to 2^53, IPv4/IPv6 addresses and paths have shorter runs. */
#define XS_KEYISH_RUN 16
bool xs_word_may_be_key(const char *word);

/* what names the value in messages, e.g. "reqid". */
int xs_parse_u64(const char *word, const char *what, uint64_t max, uint64_t *out,
		 char *err, size_t errlen);
int xs_parse_u32(const char *word, const char *what, uint32_t *out,
		 char *err, size_t errlen);

/* SPI: 256..2^32-1; 0..255 are reserved (RFC 4303 §2.1). */
int xs_parse_spi(const char *word, uint32_t *spi, char *err, size_t errlen);

/* An IPv4 or IPv6 address; *family is AF_INET or AF_INET6. */
int xs_parse_addr(const char *word, const char *what, uint8_t *family,
		  union xs_addr *addr, char *err, size_t errlen);
/* ADDR[/LEN]; without /LEN a host prefix. Bits past LEN are cleared. */
int xs_parse_prefix(const char *word, const char *what, uint8_t *family,
		    union xs_addr *addr, uint8_t *plen, char *err, size_t errlen);

/*
 * A key as 0x followed by an even number of hex digits; "" and "0x" are
 * the empty key. *len is set to the decoded length even when it exceeds
 * cap (then nothing past cap is written and -EINVAL is returned), so a
 * caller can name the length it got.
 */
int xs_parse_hex_key(const char *word, uint8_t *key, size_t cap, size_t *len,
		     char *err, size_t errlen);

/* N or N-M, 0..65535, N <= M; "any" is 0-65535. */
int xs_parse_port_range(const char *word, const char *what, uint16_t *lo,
			uint16_t *hi, char *err, size_t errlen);
/* tcp, udp, icmp, icmpv6, sctp, ..., any (0) or 0..255. */
int xs_parse_l4proto(const char *word, uint8_t *proto, char *err, size_t errlen);
/* Whether port selectors apply (ICMP: type and code, as in Linux xfrm). */
bool xs_l4proto_has_ports(uint8_t proto);
/* esp | ah -> XS_PROTO_ESP / XS_PROTO_AH */
int xs_parse_ipsec_proto(const char *word, uint8_t *proto, char *err, size_t errlen);
/* in | out -> XS_DIR_IN / XS_DIR_OUT */
int xs_parse_dir(const char *word, uint8_t *dir, char *err, size_t errlen);
/* tunnel | transport */
int xs_parse_mode(const char *word, uint8_t *mode, char *err, size_t errlen);
/* protect | bypass | discard -> XS_SPD_* */
int xs_parse_action(const char *word, uint8_t *action, char *err, size_t errlen);
/* auto | openssl | ipsecmb -> enum xs_backend_id */
int xs_parse_backend(const char *word, uint8_t *backend, char *err, size_t errlen);
/* auto | native | generic -> enum xs_attach_mode */
int xs_parse_attach_mode(const char *word, uint8_t *mode, char *err, size_t errlen);
/* A network device name: 1..IF_NAMESIZE-1 bytes, no '/', ':' or space. */
int xs_parse_ifname(const char *word, char ifname[IF_NAMESIZE], char *err,
		    size_t errlen);
/* CPU,CPU,...: at most max entries, each below XS_CPU_MAX. */
#define XS_CPU_MAX 4096
int xs_parse_cpu_list(const char *word, int32_t *cpus, unsigned int max,
		      unsigned int *n, char *err, size_t errlen);

/* Names for output, the inverse of the parsers; "?" when unknown. */
const char *xs_ipsec_proto_name(uint8_t proto);
const char *xs_dir_name(uint8_t dir);
const char *xs_mode_name(uint8_t mode);
const char *xs_action_name(uint8_t action);
const char *xs_backend_name(uint8_t backend);
const char *xs_attach_mode_name(uint8_t mode);
/* NULL for a protocol without a name (print the number). */
const char *xs_l4proto_name(uint8_t proto);

/* ------------------------------------------------------- algorithms */

/*
 * The algorithm words of `sa add`, in ip-xfrm spelling
 *   aead rfc4106(gcm(aes)) KEY 128 | aead rfc7539esp(chacha20,poly1305) KEY 128
 *   enc cbc(aes) KEY | enc cipher_null ""      (with auth-trunc)
 *   auth-trunc hmac(sha256) KEY 128
 * or the short form `alg SUITE key KEY [authkey KEY]`, collected in any
 * order, then resolved to a suite and keys once proto is known.
 */
struct xs_alg_spec {
	unsigned int seen;          /* XS_ALG_* words given */
	unsigned int aead_suite;    /* from aead NAME and KEY length */
	unsigned int enc_suite;     /* from enc NAME and KEY length */
	unsigned int alg_suite;     /* from alg SUITE */
	uint8_t ekey[XS_KEY_MAX];   /* aead/enc KEY, or short-form key */
	size_t ekey_len;
	uint8_t akey[XS_KEY_MAX];   /* auth-trunc KEY, or short-form authkey */
	size_t akey_len;
};

void xs_alg_spec_init(struct xs_alg_spec *a);
/* Wipes the keys. */
void xs_alg_spec_wipe(struct xs_alg_spec *a);

/*
 * If argv[0] is an algorithm word, consumes it and its values: returns the
 * number of words used (> 0), 0 if argv[0] is no algorithm word, or
 * -EINVAL (unknown algorithm, wrong key length, ICV bits not 128, word
 * given twice, missing values).
 */
int xs_alg_spec_parse(struct xs_alg_spec *a, int argc, char **argv, char *err,
		      size_t errlen);

/* Sets cfg->suite and the keys (and their lengths) from a, for proto. */
int xs_alg_spec_resolve(const struct xs_alg_spec *a, uint8_t proto,
			struct xs_sa_config *cfg, char *err, size_t errlen);

#endif
