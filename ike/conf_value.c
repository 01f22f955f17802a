// SPDX-License-Identifier: GPL-2.0-only
/*
 * Parsers for the values of the config file, in swanctl spelling:
 * durations, numbers, addresses, traffic selectors, identities, IKE/ESP/AH
 * proposals and PSK encodings. Each fills its output only on success and
 * explains a refusal in one line (without any file/line prefix).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "conf_priv.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Even-length hex into out (cap bytes); *len set on success. */
static int hex_decode(const char *s, size_t slen, uint8_t *out, size_t cap,
		      size_t *len)
{
	size_t n = slen / 2;

	if (!slen || slen % 2 || n > cap)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n;
	return 0;
}

/* ----------------------------------------------------------- numbers */

int conf_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	int base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		int d = base == 16 ? hex_digit(*s) :
			(*s >= '0' && *s <= '9' ? *s - '0' : -1);

		if (d < 0 || (uint64_t)d > max)
			return -EINVAL;
		if (v > (max - (uint64_t)d) / (uint64_t)base)
			return -EINVAL;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	*out = v;
	return 0;
}

int conf_parse_duration(const char *s, uint32_t *out)
{
	char digits[24];
	uint64_t mult = 1, v;
	size_t n = strlen(s);

	if (!n || n >= sizeof(digits))
		return -EINVAL;
	memcpy(digits, s, n + 1);
	switch (digits[n - 1]) {
	case 's': mult = 1; break;
	case 'm': mult = 60; break;
	case 'h': mult = 3600; break;
	case 'd': mult = 86400; break;
	default: mult = 0; break;
	}
	if (mult)
		digits[--n] = '\0';
	else
		mult = 1;
	/* Decimal only: "0x10s" is not a time. */
	if (!n || digits[0] < '0' || digits[0] > '9' ||
	    (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')))
		return -EINVAL;
	if (conf_parse_uint(digits, UINT32_MAX / mult, &v))
		return -EINVAL;
	*out = (uint32_t)(v * mult);
	return 0;
}

int conf_parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "yes") || !strcmp(s, "true")) {
		*out = true;
		return 0;
	}
	if (!strcmp(s, "no") || !strcmp(s, "false")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

/* --------------------------------------------------------- addresses */

static int addr_from_text(const char *s, struct ike_conf_addr *out)
{
	struct ike_conf_addr a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, &a.u.v4) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s, &a.u.v6) == 1)
		a.family = AF_INET6;
	else
		return -EINVAL;
	*out = a;
	return 0;
}

int conf_parse_addr(const char *s, bool any_ok, struct ike_conf_addr *out)
{
	if (!strcmp(s, "%any")) {
		if (!any_ok)
			return -EINVAL;
		memset(out, 0, sizeof(*out));
		out->family = AF_UNSPEC;
		return 0;
	}
	return addr_from_text(s, out);
}

/* --------------------------------------------------- traffic selectors */

static const struct {
	const char *name;
	uint8_t num;
} ip_protos[] = {
	{ "icmp", 1 }, { "tcp", 6 }, { "udp", 17 }, { "dccp", 33 },
	{ "gre", 47 }, { "icmpv6", 58 }, { "ipv6-icmp", 58 },
	{ "sctp", 132 }, { "udplite", 136 },
};

static bool proto_has_ports(uint8_t p)
{
	return p == 1 || p == 6 || p == 17 || p == 33 || p == 58 ||
	       p == 132 || p == 136;
}

/* PROTO or PROTO/PORT, the inside of [...]. */
static int parse_ts_proto_port(char *spec, struct ike_conf_ts *ts, char *err,
			       size_t errlen)
{
	char q[CONF_QUOTE_MAX];
	char *port = strchr(spec, '/');
	uint64_t v, lo, hi;
	size_t i;

	if (port)
		*port++ = '\0';
	ts->proto = 0;
	if (*spec && strcmp(spec, "%any")) {
		for (i = 0; i < ARRAY_SIZE(ip_protos); i++) {
			if (!strcmp(spec, ip_protos[i].name)) {
				ts->proto = ip_protos[i].num;
				break;
			}
		}
		if (i == ARRAY_SIZE(ip_protos)) {
			if (conf_parse_uint(spec, 255, &v)) {
				errf(err, errlen, "unknown protocol '%s'",
				     conf_quote(spec, q));
				return -EINVAL;
			}
			ts->proto = (uint8_t)v;
		}
	}
	ts->port_lo = 0;
	ts->port_hi = 65535;
	if (!port || !strcmp(port, "%any"))
		return 0;
	/* RFC 7296 §3.13.1: ports are undefined for protocol 0 and for
	 * protocols without ports. */
	if (!proto_has_ports(ts->proto)) {
		errf(err, errlen, "a port needs tcp, udp, sctp, icmp or a protocol with ports");
		return -EINVAL;
	}
	if (!strcmp(port, "opaque")) {
		/* RFC 7296 §3.13.1: OPAQUE is start 65535, end 0. */
		ts->port_lo = 65535;
		ts->port_hi = 0;
		return 0;
	}
	{
		char *dash = strchr(port, '-');

		if (dash)
			*dash++ = '\0';
		if (conf_parse_uint(port, 65535, &lo) ||
		    (dash && conf_parse_uint(dash, 65535, &hi)))
			goto bad_port;
		if (!dash)
			hi = lo;
		if (lo > hi)
			goto bad_port;
		if (ts->proto == 1 || ts->proto == 58) {
			/* RFC 4301 §4.4.1.1: ICMP type in the high byte,
			 * code in the low; [icmp/T] is type T, any code. */
			if (dash || lo > 255)
				goto bad_port;
			ts->port_lo = (uint16_t)(lo << 8);
			ts->port_hi = (uint16_t)(lo << 8 | 0xff);
			return 0;
		}
		ts->port_lo = (uint16_t)lo;
		ts->port_hi = (uint16_t)hi;
		return 0;
	}
bad_port:
	if (ts->proto == 1 || ts->proto == 58)
		errf(err, errlen, "bad ICMP type (use [icmp/TYPE], TYPE 0..255)");
	else
		errf(err, errlen, "bad port (use N, N-M, %%any or opaque)");
	return -EINVAL;
}

static void prefix_clear_host(struct ike_conf_addr *a, unsigned int plen)
{
	unsigned int bits = a->family == AF_INET ? 32 : 128;

	for (unsigned int i = plen; i < bits; i++)
		a->u.bytes[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
}

int ike_conf_ts_parse(const char *s, struct ike_conf_ts *out, char *err, size_t errlen)
{
	char buf[128], q[CONF_QUOTE_MAX];
	char *br, *slash;
	struct ike_conf_ts ts;
	size_t n = strlen(s);
	uint64_t plen;
	int ret;

	if (n >= sizeof(buf)) {
		errf(err, errlen, "traffic selector too long");
		return -EINVAL;
	}
	memcpy(buf, s, n + 1);
	memset(&ts, 0, sizeof(ts));
	ts.port_hi = 65535;

	br = strchr(buf, '[');
	if (br) {
		if (n < 2 || buf[n - 1] != ']' || strchr(br + 1, '[')) {
			errf(err, errlen, "bad traffic selector '%s' (use PREFIX[PROTO/PORT])",
			     conf_quote(s, q));
			return -EINVAL;
		}
		buf[n - 1] = '\0';
		*br = '\0';
		ret = parse_ts_proto_port(br + 1, &ts, err, errlen);
		if (ret)
			return ret;
	} else if (strchr(buf, ']')) {
		errf(err, errlen, "bad traffic selector '%s'", conf_quote(s, q));
		return -EINVAL;
	}

	if (!strcmp(buf, "dynamic")) {
		ts.dynamic = true;
		ts.addr.family = AF_UNSPEC;
		*out = ts;
		return 0;
	}
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (addr_from_text(buf, &ts.addr)) {
		if (strchr(buf, '-'))
			errf(err, errlen, "address ranges are not supported in '%s' (use prefixes)",
			     conf_quote(s, q));
		else
			errf(err, errlen, "bad address in traffic selector '%s'",
			     conf_quote(s, q));
		return -EINVAL;
	}
	plen = ts.addr.family == AF_INET ? 32 : 128;
	if (slash && (slash[0] < '0' || slash[0] > '9' ||
		      (slash[0] == '0' && slash[1] != '\0') ||
		      conf_parse_uint(slash, plen, &plen))) {
		errf(err, errlen, "bad prefix length in '%s'", conf_quote(s, q));
		return -EINVAL;
	}
	ts.prefix_len = (uint8_t)plen;
	/* As swanctl, 10.1.2.3/16 means 10.1.0.0/16. */
	prefix_clear_host(&ts.addr, ts.prefix_len);
	*out = ts;
	return 0;
}

int ike_conf_ts_range(const struct ike_conf_ts *ts, uint8_t start[16], uint8_t end[16])
{
	unsigned int bits;

	if (ts->dynamic ||
	    (ts->addr.family != AF_INET && ts->addr.family != AF_INET6))
		return -EINVAL;
	bits = ts->addr.family == AF_INET ? 32 : 128;
	if (ts->prefix_len > bits)
		return -EINVAL;
	memset(start, 0, 16);
	memset(end, 0, 16);
	memcpy(start, ts->addr.u.bytes, bits / 8);
	memcpy(end, ts->addr.u.bytes, bits / 8);
	for (unsigned int i = ts->prefix_len; i < bits; i++) {
		start[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
		end[i / 8] |= (uint8_t)(0x80u >> (i % 8));
	}
	return 0;
}

/* -------------------------------------------------------- identities */

static bool text_ok(const char *s, size_t n, bool ascii_only)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch == 0x7f || (ascii_only && ch >= 0x80))
			return false;
	}
	return true;
}

static int id_set_text(struct ike_conf_id *id, uint8_t type, const char *s,
		       char *err, size_t errlen)
{
	size_t n = strlen(s);

	if (!n) {
		errf(err, errlen, "empty identity (note: '#' starts a comment, quote \"@#...\" key ids)");
		return -EINVAL;
	}
	if (n > IKE_CONF_ID_MAX) {
		errf(err, errlen, "identity longer than %u bytes", IKE_CONF_ID_MAX);
		return -EINVAL;
	}
	/* RFC 7296 §3.5: FQDN is ASCII (IDNA for others), RFC822 may be
	 * UTF-8; neither carries terminators. */
	if (!text_ok(s, n, type == IKE_ID_FQDN)) {
		errf(err, errlen, type == IKE_ID_FQDN ?
		     "FQDN identity must be printable ASCII (IDNA xn-- form)" :
		     "identity contains control characters");
		return -EINVAL;
	}
	id->type = type;
	id->len = (uint16_t)n;
	memcpy(id->data, s, n);
	return 0;
}

static int id_set_hex(struct ike_conf_id *id, uint8_t type, const char *hex,
		      char *err, size_t errlen)
{
	size_t len;

	if (hex_decode(hex, strlen(hex), id->data, IKE_CONF_ID_MAX, &len)) {
		errf(err, errlen, "bad hex identity data (even number of hex digits, at most %u bytes)",
		     IKE_CONF_ID_MAX);
		return -EINVAL;
	}
	if ((type == IKE_ID_IPV4_ADDR && len != 4) ||
	    (type == IKE_ID_IPV6_ADDR && len != 16)) {
		errf(err, errlen, "an %s identity needs %u bytes",
		     type == IKE_ID_IPV4_ADDR ? "ipv4" : "ipv6",
		     type == IKE_ID_IPV4_ADDR ? 4u : 16u);
		return -EINVAL;
	}
	id->type = type;
	id->len = (uint16_t)len;
	return 0;
}

static const struct {
	const char *prefix;
	uint8_t type;
} id_prefixes[] = {
	{ "ipv4:", IKE_ID_IPV4_ADDR },
	{ "ipv6:", IKE_ID_IPV6_ADDR },
	{ "fqdn:", IKE_ID_FQDN },
	{ "dns:", IKE_ID_FQDN },
	{ "rfc822:", IKE_ID_RFC822_ADDR },
	{ "email:", IKE_ID_RFC822_ADDR },
	{ "userfqdn:", IKE_ID_RFC822_ADDR },
	{ "keyid:", IKE_ID_KEY_ID },
	{ "asn1dn:", IKE_ID_DER_ASN1_DN },
};

int ike_conf_id_parse(const char *s, struct ike_conf_id *out, char *err, size_t errlen)
{
	struct ike_conf_id id;
	struct ike_conf_addr a;
	int ret;

	memset(&id, 0, sizeof(id));
	if (!strcmp(s, "%any")) {
		id.type = IKE_CONF_ID_ANY;
		*out = id;
		return 0;
	}
	if (!addr_from_text(s, &a)) {
		id.type = a.family == AF_INET ? IKE_ID_IPV4_ADDR :
						IKE_ID_IPV6_ADDR;
		id.len = a.family == AF_INET ? 4 : 16;
		memcpy(id.data, a.u.bytes, id.len);
		*out = id;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(id_prefixes); i++) {
		size_t pl = strlen(id_prefixes[i].prefix);
		uint8_t type = id_prefixes[i].type;
		const char *rest = s + pl;

		if (strncasecmp(s, id_prefixes[i].prefix, pl))
			continue;
		if (rest[0] == '#') {
			ret = id_set_hex(&id, type, rest + 1, err, errlen);
			/* RFC 4945 §3.1.5: the DER of a Name */
			if (!ret && type == IKE_ID_DER_ASN1_DN &&
			    !ike_conf_dn_valid(id.data, id.len)) {
				errf(err, errlen, "asn1dn:# data is not a DER distinguished name");
				ret = -EINVAL;
			}
		} else if (type == IKE_ID_DER_ASN1_DN) {
			size_t n = 0;

			ret = ike_conf_dn_parse(rest, id.data, IKE_CONF_ID_MAX, &n,
						err, errlen);
			id.type = IKE_ID_DER_ASN1_DN;
			id.len = (uint16_t)n;
		} else if (type == IKE_ID_IPV4_ADDR || type == IKE_ID_IPV6_ADDR) {
			if (addr_from_text(rest, &a) ||
			    (a.family == AF_INET) != (type == IKE_ID_IPV4_ADDR)) {
				errf(err, errlen, "bad address in identity");
				return -EINVAL;
			}
			id.type = type;
			id.len = a.family == AF_INET ? 4 : 16;
			memcpy(id.data, a.u.bytes, id.len);
			ret = 0;
		} else {
			ret = id_set_text(&id, type, rest, err, errlen);
		}
		if (ret)
			return ret;
		*out = id;
		return 0;
	}
	if (strchr(s, '=')) {
		size_t n = 0;

		/* as swanctl: text with '=' is a distinguished name */
		ret = ike_conf_dn_parse(s, id.data, IKE_CONF_ID_MAX, &n, err,
					errlen);
		if (ret)
			return ret;
		id.type = IKE_ID_DER_ASN1_DN;
		id.len = (uint16_t)n;
		*out = id;
		return 0;
	}
	if (s[0] == '@') {
		if (s[1] == '#')
			ret = id_set_hex(&id, IKE_ID_KEY_ID, s + 2, err, errlen);
		else if (s[1] == '@')
			ret = id_set_text(&id, IKE_ID_RFC822_ADDR, s + 2, err, errlen);
		else
			ret = id_set_text(&id, IKE_ID_FQDN, s + 1, err, errlen);
	} else if (strchr(s, '@')) {
		ret = id_set_text(&id, IKE_ID_RFC822_ADDR, s, err, errlen);
	} else {
		ret = id_set_text(&id, IKE_ID_FQDN, s, err, errlen);
	}
	if (ret)
		return ret;
	*out = id;
	return 0;
}

static bool text_eq_nocase(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t x = a[i], y = b[i];

		if (x >= 'A' && x <= 'Z')
			x = (uint8_t)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (uint8_t)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return true;
}

bool ike_conf_id_match(const struct ike_conf_id *conf, const struct ike_conf_id *id)
{
	if (conf->type == IKE_CONF_ID_ANY)
		return true;
	if (conf->type != id->type)
		return false;
	if (conf->type == IKE_ID_DER_ASN1_DN)
		return ike_conf_dn_match(conf->data, conf->len, id->data, id->len);
	if (conf->type == IKE_ID_FQDN || conf->type == IKE_ID_RFC822_ADDR) {
		/* swanctl wildcards: "*.example.org", "*@example.org" match
		 * any identity ending in what follows the '*' */
		if (conf->len && conf->data[0] == '*') {
			size_t n = conf->len - 1u;

			return id->len >= n &&
			       text_eq_nocase(conf->data + 1,
					      id->data + id->len - n, n);
		}
		return conf->len == id->len &&
		       text_eq_nocase(conf->data, id->data, conf->len);
	}
	return conf->len == id->len && !memcmp(conf->data, id->data, conf->len);
}

bool ike_conf_id_wildcard(const struct ike_conf_id *id)
{
	if (id->type == IKE_ID_FQDN || id->type == IKE_ID_RFC822_ADDR)
		return id->len && id->data[0] == '*';
	if (id->type == IKE_ID_DER_ASN1_DN)
		return ike_conf_dn_has_wildcard(id->data, id->len);
	return false;
}

const char *ike_conf_id_str(const struct ike_conf_id *id, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, n = id->len < IKE_CONF_ID_MAX ? id->len : IKE_CONF_ID_MAX;

	if (!len)
		return buf;
	buf[0] = '\0';
	switch (id->type) {
	case IKE_CONF_ID_ANY:
		snprintf(buf, len, "%%any");
		break;
	case IKE_ID_IPV4_ADDR:
	case IKE_ID_IPV6_ADDR: {
		char a[INET6_ADDRSTRLEN];
		int af = id->type == IKE_ID_IPV4_ADDR ? AF_INET : AF_INET6;

		if (n != (af == AF_INET ? 4u : 16u) ||
		    !inet_ntop(af, id->data, a, sizeof(a)))
			snprintf(buf, len, "(bad address)");
		else
			snprintf(buf, len, "%s", a);
		break;
	}
	case IKE_ID_DER_ASN1_DN:
		ike_conf_dn_str(id->data, n, buf, len);
		break;
	case IKE_ID_KEY_ID:
		if (len < 4)
			break;
		buf[o++] = '@';
		buf[o++] = '#';
		for (size_t i = 0; i < n && o + 3 <= len; i++) {
			buf[o++] = hex[id->data[i] >> 4];
			buf[o++] = hex[id->data[i] & 15];
		}
		buf[o] = '\0';
		break;
	default:
		for (size_t i = 0; i < n && o + 1 < len; i++) {
			uint8_t ch = id->data[i];

			buf[o++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
		}
		buf[o] = '\0';
		break;
	}
	return buf;
}

/* --------------------------------------------------------- proposals */

#define P_IKE (1u << IKE_PROTO_IKE)
#define P_AH (1u << IKE_PROTO_AH)
#define P_ESP (1u << IKE_PROTO_ESP)

static const struct alg {
	const char *name;
	uint8_t type;
	uint16_t id;
	uint16_t keylen;
	uint8_t protos;         /* where the datapath/agent can use it */
} algs[] = {
	{ "aes128", IKE_XFORM_ENCR, IKE_ENCR_AES_CBC, 128, P_IKE | P_ESP },
	{ "aes256", IKE_XFORM_ENCR, IKE_ENCR_AES_CBC, 256, P_IKE | P_ESP },
	{ "aes128gcm16", IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 128, P_IKE | P_ESP },
	{ "aes128gcm128", IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 128, P_IKE | P_ESP },
	{ "aes256gcm16", IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 256, P_IKE | P_ESP },
	{ "aes256gcm128", IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 256, P_IKE | P_ESP },
	{ "chacha20poly1305", IKE_XFORM_ENCR, IKE_ENCR_CHACHA20_POLY1305, 0, P_IKE | P_ESP },
	{ "null", IKE_XFORM_ENCR, IKE_ENCR_NULL, 0, P_ESP },
	{ "sha256", IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0, P_IKE | P_ESP | P_AH },
	{ "sha2_256", IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0, P_IKE | P_ESP | P_AH },
	{ "sha384", IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_384_192, 0, P_IKE },
	{ "sha2_384", IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_384_192, 0, P_IKE },
	{ "sha512", IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_512_256, 0, P_IKE },
	{ "sha2_512", IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_512_256, 0, P_IKE },
	{ "prfsha256", IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_256, 0, P_IKE },
	{ "prfsha384", IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_384, 0, P_IKE },
	{ "prfsha512", IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_512, 0, P_IKE },
	{ "modp2048", IKE_XFORM_DH, IKE_DH_MODP2048, 0, P_IKE | P_ESP | P_AH },
	{ "ecp256", IKE_XFORM_DH, IKE_DH_ECP256, 0, P_IKE | P_ESP | P_AH },
	{ "x25519", IKE_XFORM_DH, IKE_DH_CURVE25519, 0, P_IKE | P_ESP | P_AH },
	{ "curve25519", IKE_XFORM_DH, IKE_DH_CURVE25519, 0, P_IKE | P_ESP | P_AH },
	{ "modp3072", IKE_XFORM_DH, IKE_DH_MODP3072, 0, P_IKE | P_ESP | P_AH },
	{ "modp4096", IKE_XFORM_DH, IKE_DH_MODP4096, 0, P_IKE | P_ESP | P_AH },
	{ "ecp384", IKE_XFORM_DH, IKE_DH_ECP384, 0, P_IKE | P_ESP | P_AH },
	{ "ecp521", IKE_XFORM_DH, IKE_DH_ECP521, 0, P_IKE | P_ESP | P_AH },
	{ "curve448", IKE_XFORM_DH, IKE_DH_CURVE448, 0, P_IKE | P_ESP | P_AH },
	{ "x448", IKE_XFORM_DH, IKE_DH_CURVE448, 0, P_IKE | P_ESP | P_AH },
	{ "esn", IKE_XFORM_ESN, IKE_ESN_ON, 0, P_ESP | P_AH },
	{ "noesn", IKE_XFORM_ESN, IKE_ESN_NONE, 0, P_ESP | P_AH },
};

/* "default" per protocol, as proposal strings (order = preference). The
 * IKE groups cover what strongSwan's own default proposes, so a peer on
 * its defaults always finds one. */
static const char *const default_ike[] = {
	"aes128gcm16-aes256gcm16-chacha20poly1305-prfsha256-prfsha384-prfsha512-x25519-ecp256-modp2048-ecp384-ecp521-curve448-modp3072-modp4096",
	"aes128-aes256-sha256-sha384-sha512-x25519-ecp256-modp2048-ecp384-ecp521-curve448-modp3072-modp4096",
};
static const char *const default_esp[] = {
	"aes128gcm16-aes256gcm16-chacha20poly1305",
	"aes128-aes256-sha256",
};
static const char *const default_ah[] = {
	"sha256",
};

static const char *proto_name(uint8_t protocol)
{
	switch (protocol) {
	case IKE_PROTO_IKE: return "IKE";
	case IKE_PROTO_ESP: return "ESP";
	case IKE_PROTO_AH: return "AH";
	default: return "?";
	}
}

bool ike_conf_encr_is_aead(uint16_t id)
{
	return id == IKE_ENCR_AES_GCM_16 || id == IKE_ENCR_CHACHA20_POLY1305;
}

/* Transforms collected per type before they are laid out in order. */
struct xf_set {
	struct ike_conf_xform xf[5][IKE_CONF_XFORMS_MAX];
	size_t n[5];
};

static int set_add(struct xf_set *set, const struct alg *a, char *err,
		   size_t errlen)
{
	size_t t = a->type - 1u;

	for (size_t i = 0; i < set->n[t]; i++) {
		if (set->xf[t][i].id == a->id && set->xf[t][i].keylen == a->keylen) {
			errf(err, errlen, "algorithm '%s' given twice", a->name);
			return -EINVAL;
		}
	}
	if (set->n[t] >= IKE_CONF_XFORMS_MAX) {
		errf(err, errlen, "too many algorithms");
		return -EINVAL;
	}
	set->xf[t][set->n[t]].type = a->type;
	set->xf[t][set->n[t]].id = a->id;
	set->xf[t][set->n[t]].keylen = a->keylen;
	set->n[t]++;
	return 0;
}

/* RFC 7296 §3.3: which transform types each protocol needs or refuses. */
static int set_check(struct xf_set *set, uint8_t protocol, char *err,
		     size_t errlen)
{
	size_t ne = set->n[IKE_XFORM_ENCR - 1], ni = set->n[IKE_XFORM_INTEG - 1];
	size_t aead = 0;

	for (size_t i = 0; i < ne; i++)
		aead += ike_conf_encr_is_aead(set->xf[IKE_XFORM_ENCR - 1][i].id);
	if (aead && aead != ne) {
		errf(err, errlen, "AEAD and non-AEAD ciphers cannot share a proposal (separate them with ',')");
		return -EINVAL;
	}
	switch (protocol) {
	case IKE_PROTO_IKE:
		if (!ne) {
			errf(err, errlen, "an IKE proposal needs an encryption algorithm");
			return -EINVAL;
		}
		if (aead && ni) {
			errf(err, errlen, "an AEAD cipher takes no integrity algorithm");
			return -EINVAL;
		}
		if (!aead && !ni) {
			errf(err, errlen, "a non-AEAD cipher needs an integrity algorithm");
			return -EINVAL;
		}
		if (!set->n[IKE_XFORM_PRF - 1]) {
			if (aead) {
				errf(err, errlen, "an AEAD IKE proposal needs a PRF (e.g. prfsha256)");
				return -EINVAL;
			}
			/* As swanctl: a PRF for each integrity algorithm. */
			for (size_t i = 0; i < ni; i++) {
				struct ike_conf_xform *x = &set->xf[IKE_XFORM_PRF - 1][i];

				x->type = IKE_XFORM_PRF;
				x->keylen = 0;
				switch (set->xf[IKE_XFORM_INTEG - 1][i].id) {
				case IKE_INTEG_HMAC_SHA2_384_192:
					x->id = IKE_PRF_HMAC_SHA2_384;
					break;
				case IKE_INTEG_HMAC_SHA2_512_256:
					x->id = IKE_PRF_HMAC_SHA2_512;
					break;
				default:
					x->id = IKE_PRF_HMAC_SHA2_256;
					break;
				}
			}
			set->n[IKE_XFORM_PRF - 1] = ni;
		}
		if (!set->n[IKE_XFORM_DH - 1]) {
			errf(err, errlen, "an IKE proposal needs a key exchange group (e.g. x25519)");
			return -EINVAL;
		}
		break;
	case IKE_PROTO_ESP:
		if (!ne) {
			errf(err, errlen, "an ESP proposal needs an encryption algorithm");
			return -EINVAL;
		}
		if (aead && ni) {
			errf(err, errlen, "an AEAD cipher takes no integrity algorithm");
			return -EINVAL;
		}
		if (!aead && !ni) {
			errf(err, errlen, "a non-AEAD cipher needs an integrity algorithm");
			return -EINVAL;
		}
		break;
	case IKE_PROTO_AH:
		if (ne) {
			errf(err, errlen, "an AH proposal takes no encryption algorithm");
			return -EINVAL;
		}
		if (!ni) {
			errf(err, errlen, "an AH proposal needs an integrity algorithm");
			return -EINVAL;
		}
		break;
	}
	/* RFC 7296 §3.3.3: ESN is mandatory for ESP and AH; no token is
	 * "noesn" as in swanctl. */
	if (protocol != IKE_PROTO_IKE && !set->n[IKE_XFORM_ESN - 1]) {
		set->xf[IKE_XFORM_ESN - 1][0].type = IKE_XFORM_ESN;
		set->xf[IKE_XFORM_ESN - 1][0].id = IKE_ESN_NONE;
		set->xf[IKE_XFORM_ESN - 1][0].keylen = 0;
		set->n[IKE_XFORM_ESN - 1] = 1;
	}
	return 0;
}

static int parse_one(const char *s, uint8_t protocol, struct ike_conf_proposal *p,
		     char *err, size_t errlen)
{
	char q[CONF_QUOTE_MAX];
	struct xf_set xs, *set = &xs;
	const char *tok = s;
	size_t total = 0;
	int ret = -EINVAL;

	memset(set, 0, sizeof(*set));
	for (;;) {
		const char *dash = strchr(tok, '-');
		size_t n = dash ? (size_t)(dash - tok) : strlen(tok);
		const struct alg *a = NULL;
		char name[32];

		if (!n) {
			errf(err, errlen, "empty algorithm in proposal '%s'",
			     conf_quote(s, q));
			goto out;
		}
		if (n < sizeof(name)) {
			memcpy(name, tok, n);
			name[n] = '\0';
			for (size_t i = 0; i < ARRAY_SIZE(algs); i++) {
				if (!strcmp(name, algs[i].name)) {
					a = &algs[i];
					break;
				}
			}
		} else {
			snprintf(name, sizeof(name), "%.*s...", 20, tok);
		}
		if (!a) {
			if (!strcmp(name, "default"))
				errf(err, errlen, "'default' must stand alone");
			else
				errf(err, errlen, "unknown or unsupported algorithm '%s'",
				     conf_quote(name, q));
			goto out;
		}
		if (!(a->protos & (1u << protocol))) {
			errf(err, errlen, "algorithm '%s' cannot be used in an %s proposal",
			     a->name, proto_name(protocol));
			goto out;
		}
		ret = set_add(set, a, err, errlen);
		if (ret)
			goto out;
		ret = -EINVAL;
		if (!dash)
			break;
		tok = dash + 1;
	}
	ret = set_check(set, protocol, err, errlen);
	if (ret)
		goto out;
	for (size_t t = 0; t < 5; t++)
		total += set->n[t];
	if (total > IKE_CONF_XFORMS_MAX) {
		errf(err, errlen, "more than %u algorithms in proposal",
		     IKE_CONF_XFORMS_MAX);
		ret = -EINVAL;
		goto out;
	}
	memset(p, 0, sizeof(*p));
	p->protocol = protocol;
	/* Lay out in type order ENCR, PRF, INTEG, DH, ESN. */
	for (size_t t = 0; t < 5; t++)
		for (size_t i = 0; i < set->n[t]; i++)
			p->xforms[p->n_xforms++] = set->xf[t][i];
	ret = 0;
out:
	return ret;
}

int conf_parse_proposal(const char *s, uint8_t protocol,
			struct ike_conf_proposal *out, size_t max, size_t *n,
			char *err, size_t errlen)
{
	const char *const *list = &s;
	size_t count = 1;
	int ret;

	if (protocol != IKE_PROTO_IKE && protocol != IKE_PROTO_ESP &&
	    protocol != IKE_PROTO_AH) {
		errf(err, errlen, "bad protocol");
		return -EINVAL;
	}
	if (!strcmp(s, "default")) {
		if (protocol == IKE_PROTO_IKE) {
			list = default_ike;
			count = ARRAY_SIZE(default_ike);
		} else if (protocol == IKE_PROTO_ESP) {
			list = default_esp;
			count = ARRAY_SIZE(default_esp);
		} else {
			list = default_ah;
			count = ARRAY_SIZE(default_ah);
		}
	}
	for (size_t i = 0; i < count; i++) {
		if (*n >= max) {
			errf(err, errlen, "more than %zu proposals", max);
			return -EINVAL;
		}
		ret = parse_one(list[i], protocol, &out[*n], err, errlen);
		if (ret)
			return ret;
		(*n)++;
	}
	return 0;
}

int ike_conf_proposals_parse(const char *s, uint8_t protocol,
			struct ike_conf_proposal *out, size_t max, size_t *n,
			char *err, size_t errlen)
{
	char item[IKE_CONF_STR_MAX + 1];
	size_t got = 0;
	const char *p = s;
	int ret;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		/* Trim blanks around each item. */
		while (len && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (!len || len > IKE_CONF_STR_MAX) {
			errf(err, errlen, len ? "proposal too long" : "empty proposal");
			return -EINVAL;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		ret = conf_parse_proposal(item, protocol, out, max, &got, err,
					  errlen);
		if (ret)
			return ret;
		if (!comma)
			break;
		p = comma + 1;
	}
	*n = got;
	return 0;
}

/* ----------------------------------------------------------- secrets */

static int b64_value(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

/* Strict RFC 4648 base64 with padding to a multiple of 4 characters. */
static int b64_decode(const char *s, size_t slen, uint8_t *out, size_t cap,
		      size_t *len)
{
	size_t o = 0, pad = 0;

	if (!slen || slen % 4)
		return -EINVAL;
	if (s[slen - 1] == '=')
		pad++;
	if (s[slen - 2] == '=')
		pad++;
	for (size_t i = 0; i < slen; i += 4) {
		uint32_t v = 0;
		size_t last = i + 4 == slen, chunk = last ? 3 - pad : 3;

		for (size_t j = 0; j < 4; j++) {
			int d;

			if (last && j >= 4 - pad) {
				if (s[i + j] != '=')
					return -EINVAL;
				d = 0;
			} else {
				d = b64_value((unsigned char)s[i + j]);
				if (d < 0)
					return -EINVAL;
			}
			v = v << 6 | (uint32_t)d;
		}
		if (o + chunk > cap)
			return -EINVAL;
		for (size_t j = 0; j < chunk; j++)
			out[o++] = (uint8_t)(v >> (16 - 8 * j));
		OPENSSL_cleanse(&v, sizeof(v));
	}
	*len = o;
	return 0;
}

int conf_decode_secret(const char *s, size_t slen, uint8_t *key, size_t cap,
		       size_t *len, char *err, size_t errlen)
{
	size_t n = 0;

	if (slen >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (hex_decode(s + 2, slen - 2, key, cap, &n)) {
			errf(err, errlen, "bad hex secret (0x and an even number of hex digits, at most %zu bytes)",
			     cap);
			return -EINVAL;
		}
	} else if (slen >= 2 && s[0] == '0' && (s[1] == 's' || s[1] == 'S')) {
		if (b64_decode(s + 2, slen - 2, key, cap, &n)) {
			errf(err, errlen, "bad base64 secret (0s and padded base64, at most %zu bytes)",
			     cap);
			return -EINVAL;
		}
	} else {
		if (slen > cap) {
			errf(err, errlen, "secret longer than %zu bytes", cap);
			return -EINVAL;
		}
		memcpy(key, s, slen);
		n = slen;
	}
	if (!n) {
		errf(err, errlen, "empty secret");
		return -EINVAL;
	}
	*len = n;
	return 0;
}
