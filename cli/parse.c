// SPDX-License-Identifier: GPL-2.0-only
/*
 * Word parsers for control commands: numbers, addresses, prefixes, keys,
 * ports, protocols and ip-xfrm algorithm specs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>

#include <xdpsec/abi.h>

#include "parse.h"
#include "state.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void xs_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

bool xs_word_may_be_key(const char *word)
{
	size_t run = 0;

	/* Keys are typed as hex (0x...), and a base64 one would be a long
	 * run of letters and digits: any such run hides the word. Names,
	 * numbers, addresses and paths break into short runs. */
	for (; *word; word++) {
		unsigned char c = (unsigned char)*word;
		bool keyish = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			      (c >= 'A' && c <= 'Z') || c == '+' || c == '=';

		run = keyish ? run + 1 : 0;
		if (run >= XS_KEYISH_RUN)
			return true;
	}
	return false;
}

const char *xs_quote(const char *word, char buf[XS_QUOTE_MAX])
{
	size_t i, room = XS_QUOTE_MAX - 4;

	if (xs_word_may_be_key(word)) {
		snprintf(buf, XS_QUOTE_MAX, "<%zu characters not shown>", strlen(word));
		return buf;
	}
	for (i = 0; word[i] && i < room; i++) {
		unsigned char c = (unsigned char)word[i];

		buf[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (word[i]) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

/* ------------------------------------------------------------ numbers */

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 0, -EINVAL (not a number) or -ERANGE (above max). */
static int parse_num(const char *s, uint64_t max, uint64_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		int d = hex_digit(*s);

		if (d < 0 || (unsigned int)d >= base)
			return -EINVAL;
		if ((uint64_t)d > max || v > (max - (uint64_t)d) / base)
			return -ERANGE;
		v = v * base + (uint64_t)d;
	}
	*out = v;
	return 0;
}

int xs_parse_u64(const char *word, const char *what, uint64_t max, uint64_t *out,
		 char *err, size_t errlen)
{
	char q[XS_QUOTE_MAX];
	int ret = parse_num(word, max, out);

	if (ret == -EINVAL)
		xs_errf(err, errlen, "bad %s '%s': expected a number (decimal or 0x hex)",
			what, xs_quote(word, q));
	else if (ret)
		xs_errf(err, errlen, "bad %s '%s': larger than %" PRIu64, what,
			xs_quote(word, q), max);
	return ret ? -EINVAL : 0;
}

int xs_parse_u32(const char *word, const char *what, uint32_t *out,
		 char *err, size_t errlen)
{
	uint64_t v;
	int ret = xs_parse_u64(word, what, UINT32_MAX, &v, err, errlen);

	if (!ret)
		*out = (uint32_t)v;
	return ret;
}

int xs_parse_spi(const char *word, uint32_t *spi, char *err, size_t errlen)
{
	char q[XS_QUOTE_MAX];
	uint32_t v;
	int ret = xs_parse_u32(word, "spi", &v, err, errlen);

	if (ret)
		return ret;
	/* RFC 4303 §2.1: 1..255 are reserved by IANA, 0 is for local use. */
	if (v < 256) {
		xs_errf(err, errlen, "bad spi '%s': 0-255 are reserved (RFC 4303 2.1)",
			xs_quote(word, q));
		return -EINVAL;
	}
	*spi = v;
	return 0;
}

/* ---------------------------------------------------------- addresses */

int xs_parse_addr(const char *word, const char *what, uint8_t *family,
		  union xs_addr *addr, char *err, size_t errlen)
{
	char q[XS_QUOTE_MAX];
	union xs_addr a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, word, &a.v4) == 1) {
		*family = AF_INET;
	} else if (inet_pton(AF_INET6, word, &a.v6) == 1) {
		*family = AF_INET6;
	} else {
		xs_errf(err, errlen, "malformed %s address '%s'", what,
			xs_quote(word, q));
		return -EINVAL;
	}
	*addr = a;
	return 0;
}

int xs_parse_prefix(const char *word, const char *what, uint8_t *family,
		    union xs_addr *addr, uint8_t *plen, char *err, size_t errlen)
{
	char q[XS_QUOTE_MAX], host[INET6_ADDRSTRLEN];
	const char *slash = strchr(word, '/');
	size_t hlen = slash ? (size_t)(slash - word) : strlen(word);
	union xs_addr a;
	uint64_t len;
	uint8_t fam;
	unsigned int i, bits;

	if (hlen >= sizeof(host)) {
		xs_errf(err, errlen, "malformed %s prefix '%s'", what, xs_quote(word, q));
		return -EINVAL;
	}
	memcpy(host, word, hlen);
	host[hlen] = '\0';
	if (xs_parse_addr(host, what, &fam, &a, err, errlen))
		return -EINVAL;
	bits = fam == AF_INET ? 32 : 128;
	len = bits;
	if (slash && parse_num(slash + 1, bits, &len)) {
		xs_errf(err, errlen, "bad %s prefix length in '%s': expected 0-%u",
			what, xs_quote(word, q), bits);
		return -EINVAL;
	}
	/* Clear the host bits so equal prefixes compare equal. */
	for (i = 0; i < bits / 8; i++) {
		unsigned int keep = len >= (i + 1) * 8 ? 8 : len > i * 8 ? len - i * 8 : 0;

		a.b[i] &= (uint8_t)(0xff00u >> keep);
	}
	*family = fam;
	*addr = a;
	*plen = (uint8_t)len;
	return 0;
}

/* --------------------------------------------------------------- keys */

int xs_parse_hex_key(const char *word, uint8_t *key, size_t cap, size_t *len,
		     char *err, size_t errlen)
{
	size_t n, i;

	/* The empty word and a bare 0x are the empty key (cipher_null). */
	if (!*word) {
		*len = 0;
		return 0;
	}
	if (word[0] != '0' || (word[1] != 'x' && word[1] != 'X')) {
		/* @FILE and - are read by the xdpsec command, not here. */
		xs_errf(err, errlen, "bad key: expected 0x followed by hex digits%s",
			word[0] == '@' || !strcmp(word, "-") ?
			" (@FILE and - work on the xdpsec command line only)" : "");
		return -EINVAL;
	}
	word += 2;
	n = strlen(word);
	for (i = 0; i < n; i++) {
		if (hex_digit(word[i]) < 0) {
			xs_errf(err, errlen, "bad key: character %zu is not a hex digit",
				i + 3);
			return -EINVAL;
		}
	}
	if (n % 2) {
		xs_errf(err, errlen, "bad key: odd number of hex digits");
		return -EINVAL;
	}
	*len = n / 2;
	if (n / 2 > cap) {
		xs_errf(err, errlen, "bad key: %zu bytes, at most %zu", n / 2, cap);
		return -EINVAL;
	}
	for (i = 0; i < n / 2; i++)
		key[i] = (uint8_t)(hex_digit(word[2 * i]) << 4 | hex_digit(word[2 * i + 1]));
	return 0;
}

/* ------------------------------------------------- ports and protocols */

int xs_parse_port_range(const char *word, const char *what, uint16_t *lo,
			uint16_t *hi, char *err, size_t errlen)
{
	char q[XS_QUOTE_MAX], first[16];
	const char *dash = strchr(word, '-');
	uint64_t a, b;

	if (!strcmp(word, "any")) {
		*lo = 0;
		*hi = UINT16_MAX;
		return 0;
	}
	if (dash) {
		size_t n = (size_t)(dash - word);

		if (n >= sizeof(first) || parse_num(dash + 1, UINT16_MAX, &b))
			goto bad;
		memcpy(first, word, n);
		first[n] = '\0';
		if (parse_num(first, UINT16_MAX, &a))
			goto bad;
	} else {
		if (parse_num(word, UINT16_MAX, &a))
			goto bad;
		b = a;
	}
	if (a > b) {
		xs_errf(err, errlen, "bad %s '%s': range start above its end", what,
			xs_quote(word, q));
		return -EINVAL;
	}
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
bad:
	xs_errf(err, errlen, "bad %s '%s': expected N or N-M within 0-65535, or any",
		what, xs_quote(word, q));
	return -EINVAL;
}

static const struct {
	const char *name;
	uint8_t proto;
	bool ports;
} l4protos[] = {
	{ "any", 0, false },
	{ "icmp", IPPROTO_ICMP, true },
	{ "tcp", IPPROTO_TCP, true },
	{ "udp", IPPROTO_UDP, true },
	{ "gre", IPPROTO_GRE, false },
	{ "esp", IPPROTO_ESP, false },
	{ "ah", IPPROTO_AH, false },
	{ "icmpv6", IPPROTO_ICMPV6, true },
	{ "ipv6-icmp", IPPROTO_ICMPV6, true },
	{ "sctp", IPPROTO_SCTP, true },
	{ "udplite", IPPROTO_UDPLITE, true },
};

int xs_parse_l4proto(const char *word, uint8_t *proto, char *err, size_t errlen)
{
	char q[XS_QUOTE_MAX];
	uint64_t v;

	for (size_t i = 0; i < ARRAY_SIZE(l4protos); i++) {
		if (!strcmp(word, l4protos[i].name)) {
			*proto = l4protos[i].proto;
			return 0;
		}
	}
	if (parse_num(word, UINT8_MAX, &v)) {
		xs_errf(err, errlen,
			"bad proto '%s': expected tcp, udp, icmp, icmpv6, sctp, any or 0-255",
			xs_quote(word, q));
		return -EINVAL;
	}
	*proto = (uint8_t)v;
	return 0;
}

bool xs_l4proto_has_ports(uint8_t proto)
{
	for (size_t i = 0; i < ARRAY_SIZE(l4protos); i++)
		if (l4protos[i].proto == proto)
			return l4protos[i].ports;
	return false;
}

const char *xs_l4proto_name(uint8_t proto)
{
	for (size_t i = 0; i < ARRAY_SIZE(l4protos); i++)
		if (l4protos[i].proto == proto)
			return l4protos[i].name;
	return NULL;
}

/* --------------------------------------------------------- keywords */

struct choice {
	const char *name;
	uint8_t value;
};

static int parse_choice(const char *word, const char *what,
			const struct choice *c, size_t n, uint8_t *out,
			char *err, size_t errlen)
{
	char q[XS_QUOTE_MAX], list[128] = "";
	size_t used = 0;

	for (size_t i = 0; i < n; i++) {
		if (!strcmp(word, c[i].name)) {
			*out = c[i].value;
			return 0;
		}
	}
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(list + used, sizeof(list) - used, "%s%s",
				 i == 0 ? "" : i + 1 == n ? " or " : ", ", c[i].name);

		if (w < 0 || (size_t)w >= sizeof(list) - used)
			break;
		used += (size_t)w;
	}
	xs_errf(err, errlen, "bad %s '%s': expected %s", what, xs_quote(word, q), list);
	return -EINVAL;
}

static const char *choice_name(const struct choice *c, size_t n, uint8_t value)
{
	for (size_t i = 0; i < n; i++)
		if (c[i].value == value)
			return c[i].name;
	return "?";
}

static const struct choice ipsec_protos[] = {
	{ "esp", XS_PROTO_ESP },
	{ "ah", XS_PROTO_AH },
};

static const struct choice dirs[] = {
	{ "in", XS_DIR_IN },
	{ "out", XS_DIR_OUT },
};

static const struct choice modes[] = {
	{ "tunnel", XS_MODE_TUNNEL },
	{ "transport", XS_MODE_TRANSPORT },
};

static const struct choice actions[] = {
	{ "protect", XS_SPD_PROTECT },
	{ "bypass", XS_SPD_BYPASS },
	{ "discard", XS_SPD_DISCARD },
};

static const struct choice backends[] = {
	{ "auto", XS_BACKEND_AUTO },
	{ "openssl", XS_BACKEND_OPENSSL },
	{ "ipsecmb", XS_BACKEND_IPSECMB },
};

static const struct choice attach_modes[] = {
	{ "native", XS_ATTACH_NATIVE },
	{ "generic", XS_ATTACH_GENERIC },
	{ "auto", XS_ATTACH_AUTO },
};

#define DEFINE_CHOICE(fn, what, table)						\
	int xs_parse_##fn(const char *word, uint8_t *out, char *err, size_t errlen) \
	{									\
		return parse_choice(word, what, table, ARRAY_SIZE(table), out,	\
				    err, errlen);				\
	}									\
	const char *xs_##fn##_name(uint8_t value)				\
	{									\
		return choice_name(table, ARRAY_SIZE(table), value);		\
	}

DEFINE_CHOICE(ipsec_proto, "proto", ipsec_protos)
DEFINE_CHOICE(dir, "dir", dirs)
DEFINE_CHOICE(mode, "mode", modes)
DEFINE_CHOICE(action, "action", actions)
DEFINE_CHOICE(backend, "backend", backends)
DEFINE_CHOICE(attach_mode, "mode", attach_modes)

int xs_parse_ifname(const char *word, char ifname[IF_NAMESIZE], char *err,
		    size_t errlen)
{
	char q[XS_QUOTE_MAX];
	size_t n = strlen(word);

	/* The rules of the kernel's dev_valid_name(). */
	if (!n || n >= IF_NAMESIZE || !strcmp(word, ".") || !strcmp(word, "..") ||
	    strpbrk(word, "/: \t\n\r\v\f")) {
		xs_errf(err, errlen, "bad device name '%s'", xs_quote(word, q));
		return -EINVAL;
	}
	memcpy(ifname, word, n + 1);
	return 0;
}

int xs_parse_cpu_list(const char *word, int32_t *cpus, unsigned int max,
		      unsigned int *n, char *err, size_t errlen)
{
	char q[XS_QUOTE_MAX], one[16];
	int32_t tmp[XS_WORKERS_MAX];
	const char *p = word;
	unsigned int count = 0;

	if (max > ARRAY_SIZE(tmp))
		max = ARRAY_SIZE(tmp);
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		uint64_t v;

		if (count == max) {
			xs_errf(err, errlen, "bad cpus '%s': more than %u", xs_quote(word, q),
				max);
			return -EINVAL;
		}
		if (len >= sizeof(one))
			goto bad;
		memcpy(one, p, len);
		one[len] = '\0';
		if (parse_num(one, XS_CPU_MAX - 1, &v))
			goto bad;
		tmp[count++] = (int32_t)v;
		if (!comma)
			break;
		p = comma + 1;
	}
	memcpy(cpus, tmp, count * sizeof(tmp[0]));
	*n = count;
	return 0;
bad:
	xs_errf(err, errlen, "bad cpus '%s': expected CPU[,CPU...] with each below %u",
		xs_quote(word, q), XS_CPU_MAX);
	return -EINVAL;
}

/* --------------------------------------------------------- algorithms */

#define XS_ALG_AEAD	(1u << 0)
#define XS_ALG_ENC	(1u << 1)
#define XS_ALG_AUTH	(1u << 2)
#define XS_ALG_ALG	(1u << 3)
#define XS_ALG_KEY	(1u << 4)
#define XS_ALG_AUTHKEY	(1u << 5)

/* An ip-xfrm algorithm name and the suites its key lengths select. */
struct xfrm_alg {
	unsigned int word;      /* XS_ALG_AEAD, _ENC or _AUTH */
	const char *name;
	const char *lens;       /* the allowed lengths, for messages */
	struct {
		uint8_t len;
		uint8_t suite;
	} key[2];
	uint8_t nkeys;
};

static const struct xfrm_alg xfrm_algs[] = {
	/* RFC 4106 §8.1: AES key followed by the 4-byte salt. */
	{ XS_ALG_AEAD, "rfc4106(gcm(aes))", "20 or 36 bytes",
	  { { 20, XS_SUITE_AES128GCM16 }, { 36, XS_SUITE_AES256GCM16 } }, 2 },
	/* RFC 7634 §2: 256-bit key followed by the 4-byte salt. */
	{ XS_ALG_AEAD, "rfc7539esp(chacha20,poly1305)", "36 bytes",
	  { { 36, XS_SUITE_CHACHA20POLY1305 } }, 1 },
	{ XS_ALG_ENC, "cbc(aes)", "16 or 32 bytes",
	  { { 16, XS_SUITE_AES128CBC_SHA256 }, { 32, XS_SUITE_AES256CBC_SHA256 } }, 2 },
	/* RFC 2410: no key; ip xfrm takes "" for it. */
	{ XS_ALG_ENC, "cipher_null", "empty (\"\" or 0x)",
	  { { 0, XS_SUITE_NULL_SHA256 } }, 1 },
	{ XS_ALG_ENC, "ecb(cipher_null)", "empty (\"\" or 0x)",
	  { { 0, XS_SUITE_NULL_SHA256 } }, 1 },
	/* RFC 4868 §2.1.1: the key is as long as the hash output. */
	{ XS_ALG_AUTH, "hmac(sha256)", "32 bytes",
	  { { 32, XS_SUITE_SHA256 } }, 1 },
};

void xs_alg_spec_init(struct xs_alg_spec *a)
{
	memset(a, 0, sizeof(*a));
	a->aead_suite = a->enc_suite = a->alg_suite = XS_SUITE_MAX;
}

void xs_alg_spec_wipe(struct xs_alg_spec *a)
{
	OPENSSL_cleanse(a, sizeof(*a));
}

static const char *alg_word_name(unsigned int word)
{
	switch (word) {
	case XS_ALG_AEAD:
		return "aead";
	case XS_ALG_ENC:
		return "enc";
	default:
		return "auth-trunc";
	}
}

static void xfrm_alg_list(unsigned int word, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(xfrm_algs); i++) {
		int w;

		if (xfrm_algs[i].word != word)
			continue;
		w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
			     xfrm_algs[i].name);
		if (w < 0 || (size_t)w >= len - used)
			return;
		used += (size_t)w;
	}
}

/* A key for alg: into key/len, checked against the lengths alg allows.
 * Returns the index of the matching length. */
static int parse_alg_key(const struct xfrm_alg *alg, const char *word,
			 uint8_t *key, size_t *len, char *err, size_t errlen)
{
	char why[XS_ERR_MAX];

	if (xs_parse_hex_key(word, key, XS_KEY_MAX, len, why, sizeof(why))) {
		if (*len > XS_KEY_MAX)
			goto bad_len;
		xs_errf(err, errlen, "%s for %s", why, alg->name);
		return -EINVAL;
	}
	for (int i = 0; i < alg->nkeys; i++)
		if (alg->key[i].len == *len)
			return i;
bad_len:
	xs_errf(err, errlen, "key for %s must be %s, got %zu", alg->name, alg->lens,
		*len);
	return -EINVAL;
}

/* ICV (truncation) length in bits: the engine sends 128-bit ICVs only. */
static int parse_icv_bits(const struct xfrm_alg *alg, const char *word,
			  char *err, size_t errlen)
{
	uint64_t bits;

	if (xs_parse_u64(word, "ICV length", UINT32_MAX, &bits, err, errlen))
		return -EINVAL;
	if (bits != 128) {
		xs_errf(err, errlen, "ICV length for %s must be 128 bits, got %" PRIu64,
			alg->name, bits);
		return -EINVAL;
	}
	return 0;
}

static int parse_xfrm_alg(struct xs_alg_spec *a, unsigned int word, int argc,
			  char **argv, char *err, size_t errlen)
{
	const char *wname = alg_word_name(word);
	int nvals = word == XS_ALG_ENC ? 2 : 3;
	const struct xfrm_alg *alg = NULL;
	char q[XS_QUOTE_MAX], list[128];
	int k;

	if (argc - 1 < nvals) {
		xs_errf(err, errlen, "%s needs %s", wname,
			word == XS_ALG_ENC ? "NAME KEY" : "NAME KEY ICV-BITS");
		return -EINVAL;
	}
	if (a->seen & word) {
		xs_errf(err, errlen, "%s given twice", wname);
		return -EINVAL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(xfrm_algs); i++)
		if (xfrm_algs[i].word == word && !strcmp(argv[1], xfrm_algs[i].name))
			alg = &xfrm_algs[i];
	if (!alg) {
		xfrm_alg_list(word, list, sizeof(list));
		xs_errf(err, errlen, "unknown %s algorithm '%s' (supported: %s)", wname,
			xs_quote(argv[1], q), list);
		return -EINVAL;
	}
	if (word == XS_ALG_AUTH) {
		k = parse_alg_key(alg, argv[2], a->akey, &a->akey_len, err, errlen);
	} else {
		k = parse_alg_key(alg, argv[2], a->ekey, &a->ekey_len, err, errlen);
		if (k >= 0 && word == XS_ALG_AEAD)
			a->aead_suite = alg->key[k].suite;
		else if (k >= 0)
			a->enc_suite = alg->key[k].suite;
	}
	if (k < 0)
		return -EINVAL;
	if (nvals == 3 && parse_icv_bits(alg, argv[3], err, errlen))
		return -EINVAL;
	a->seen |= word;
	return 1 + nvals;
}

static void suite_list(char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned int s = 0; s < XS_SUITE_MAX; s++) {
		int w = snprintf(buf + used, len - used, "%s%s", s ? ", " : "",
				 xs_suite_info(s)->name);

		if (w < 0 || (size_t)w >= len - used)
			return;
		used += (size_t)w;
	}
}

int xs_alg_spec_parse(struct xs_alg_spec *a, int argc, char **argv, char *err,
		      size_t errlen)
{
	char q[XS_QUOTE_MAX], list[160];
	const char *w = argv[0];
	unsigned int flag;

	if (!strcmp(w, "aead"))
		return parse_xfrm_alg(a, XS_ALG_AEAD, argc, argv, err, errlen);
	if (!strcmp(w, "enc"))
		return parse_xfrm_alg(a, XS_ALG_ENC, argc, argv, err, errlen);
	if (!strcmp(w, "auth-trunc"))
		return parse_xfrm_alg(a, XS_ALG_AUTH, argc, argv, err, errlen);
	if (!strcmp(w, "auth")) {
		/* Linux gives hmac(sha256) a 96-bit ICV under `auth`. */
		xs_errf(err, errlen, "auth is not supported (its ICV is not 128 bits): "
			"use auth-trunc hmac(sha256) KEY 128");
		return -EINVAL;
	}
	if (!strcmp(w, "alg"))
		flag = XS_ALG_ALG;
	else if (!strcmp(w, "key"))
		flag = XS_ALG_KEY;
	else if (!strcmp(w, "authkey"))
		flag = XS_ALG_AUTHKEY;
	else
		return 0;

	if (argc < 2) {
		xs_errf(err, errlen, "%s needs a value", w);
		return -EINVAL;
	}
	if (a->seen & flag) {
		xs_errf(err, errlen, "%s given twice", w);
		return -EINVAL;
	}
	if (flag == XS_ALG_ALG) {
		a->alg_suite = xs_suite_by_name(argv[1]);
		if (a->alg_suite >= XS_SUITE_MAX) {
			suite_list(list, sizeof(list));
			xs_errf(err, errlen, "unknown algorithm '%s' (supported: %s)",
				xs_quote(argv[1], q), list);
			return -EINVAL;
		}
	} else {
		uint8_t *key = flag == XS_ALG_KEY ? a->ekey : a->akey;
		size_t *len = flag == XS_ALG_KEY ? &a->ekey_len : &a->akey_len;

		if (xs_parse_hex_key(argv[1], key, XS_KEY_MAX, len, err, errlen))
			return -EINVAL;
	}
	a->seen |= flag;
	return 2;
}

static int resolve_short(const struct xs_alg_spec *a, uint8_t proto,
			 struct xs_sa_config *cfg, char *err, size_t errlen)
{
	const struct xs_suite_info *si = xs_suite_info(a->alg_suite);
	const uint8_t *hkey;
	size_t hlen;

	if (a->seen & (XS_ALG_AEAD | XS_ALG_ENC | XS_ALG_AUTH)) {
		xs_errf(err, errlen, "alg cannot be combined with aead, enc or auth-trunc");
		return -EINVAL;
	}
	if (proto == XS_PROTO_ESP ? !si->esp : !si->ah) {
		xs_errf(err, errlen, "algorithm %s is not for proto %s", si->name,
			xs_ipsec_proto_name(proto));
		return -EINVAL;
	}
	if (!si->enc_key_len) {
		/* No cipher key: the one key given is the HMAC key. */
		if ((a->seen & XS_ALG_KEY) && (a->seen & XS_ALG_AUTHKEY)) {
			xs_errf(err, errlen, "%s takes one key (the HMAC key)", si->name);
			return -EINVAL;
		}
		if (!(a->seen & (XS_ALG_KEY | XS_ALG_AUTHKEY))) {
			xs_errf(err, errlen, "alg %s needs key KEY", si->name);
			return -EINVAL;
		}
		hkey = a->seen & XS_ALG_KEY ? a->ekey : a->akey;
		hlen = a->seen & XS_ALG_KEY ? a->ekey_len : a->akey_len;
		if (hlen != si->auth_key_len) {
			xs_errf(err, errlen, "key for %s must be %u bytes, got %zu",
				si->name, si->auth_key_len, hlen);
			return -EINVAL;
		}
		cfg->enc_key_len = 0;
		memcpy(cfg->auth_key, hkey, hlen);
		cfg->auth_key_len = (uint32_t)hlen;
		cfg->suite = (uint8_t)a->alg_suite;
		return 0;
	}
	if (!(a->seen & XS_ALG_KEY)) {
		xs_errf(err, errlen, "alg %s needs key KEY", si->name);
		return -EINVAL;
	}
	if (a->ekey_len != si->enc_key_len) {
		xs_errf(err, errlen, "key for %s must be %u bytes, got %zu", si->name,
			si->enc_key_len, a->ekey_len);
		return -EINVAL;
	}
	if (!si->auth_key_len && (a->seen & XS_ALG_AUTHKEY)) {
		xs_errf(err, errlen, "%s takes no authkey", si->name);
		return -EINVAL;
	}
	if (si->auth_key_len && !(a->seen & XS_ALG_AUTHKEY)) {
		xs_errf(err, errlen, "alg %s needs authkey KEY", si->name);
		return -EINVAL;
	}
	if (si->auth_key_len && a->akey_len != si->auth_key_len) {
		xs_errf(err, errlen, "authkey for %s must be %u bytes, got %zu", si->name,
			si->auth_key_len, a->akey_len);
		return -EINVAL;
	}
	memcpy(cfg->enc_key, a->ekey, a->ekey_len);
	cfg->enc_key_len = (uint32_t)a->ekey_len;
	memcpy(cfg->auth_key, a->akey, si->auth_key_len);
	cfg->auth_key_len = si->auth_key_len;
	cfg->suite = (uint8_t)a->alg_suite;
	return 0;
}

int xs_alg_spec_resolve(const struct xs_alg_spec *a, uint8_t proto,
			struct xs_sa_config *cfg, char *err, size_t errlen)
{
	unsigned int suite;

	if (proto != XS_PROTO_ESP && proto != XS_PROTO_AH) {
		xs_errf(err, errlen, "proto must be esp or ah");
		return -EINVAL;
	}
	if (a->seen & XS_ALG_ALG)
		return resolve_short(a, proto, cfg, err, errlen);
	if (a->seen & (XS_ALG_KEY | XS_ALG_AUTHKEY)) {
		xs_errf(err, errlen, "key and authkey go with alg SUITE");
		return -EINVAL;
	}
	if (a->seen & XS_ALG_AEAD) {
		if (a->seen & (XS_ALG_ENC | XS_ALG_AUTH)) {
			xs_errf(err, errlen, "aead cannot be combined with enc or auth-trunc");
			return -EINVAL;
		}
		suite = a->aead_suite;
	} else if (a->seen & XS_ALG_ENC) {
		if (!(a->seen & XS_ALG_AUTH)) {
			xs_errf(err, errlen, "enc needs auth-trunc hmac(sha256) KEY 128 "
				"(ESP without integrity is not supported)");
			return -EINVAL;
		}
		suite = a->enc_suite;
	} else if (a->seen & XS_ALG_AUTH) {
		if (proto == XS_PROTO_ESP) {
			xs_errf(err, errlen, "proto esp needs enc or aead "
				"(integrity only: enc cipher_null \"\" auth-trunc ...)");
			return -EINVAL;
		}
		suite = XS_SUITE_SHA256;
	} else {
		xs_errf(err, errlen, "missing algorithm: aead, enc with auth-trunc, "
			"auth-trunc (ah), or alg SUITE key KEY");
		return -EINVAL;
	}
	if (proto == XS_PROTO_AH && suite != XS_SUITE_SHA256) {
		xs_errf(err, errlen, "proto ah takes only auth-trunc hmac(sha256) KEY 128");
		return -EINVAL;
	}
	memcpy(cfg->enc_key, a->ekey, a->ekey_len);
	cfg->enc_key_len = (uint32_t)a->ekey_len;
	if (a->seen & XS_ALG_AUTH) {
		memcpy(cfg->auth_key, a->akey, a->akey_len);
		cfg->auth_key_len = (uint32_t)a->akey_len;
	} else {
		cfg->auth_key_len = 0;
	}
	if (suite == XS_SUITE_SHA256)
		cfg->enc_key_len = 0;
	cfg->suite = (uint8_t)suite;
	return 0;
}
