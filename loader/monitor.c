// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's event stream (monitor.h). Every event is formatted twice,
 * as a text line (subscribers of TAG_TEXT) and as one JSON object on a
 * line (TAG_JSON), and only when someone subscribed to that format.
 * Publishing never blocks: ctl/server.c queues per subscriber and drops
 * one that does not read.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>

#include "daemon.h"
#include "monitor.h"
#include "server.h"

enum { TAG_TEXT = 0, TAG_JSON = 1 };

#define EV_MAX 512

static const char *dir_word(uint8_t dir)
{
	return dir == XS_DIR_IN ? "in" : "out";
}

static const char *proto_word(uint8_t proto)
{
	return proto == XS_PROTO_AH ? "ah" : "esp";
}

static const char *action_word(uint8_t action)
{
	return action == XS_SPD_PROTECT ? "protect" :
	       action == XS_SPD_BYPASS ? "bypass" : "discard";
}

static void addr_str(int family, const void *a, char *buf, size_t len)
{
	if (!inet_ntop(family, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

/* Publishes one event in either format, each built only if wanted. */
static void publish(struct xsd *d, int tag, const char *fmt, ...)
{
	char line[EV_MAX];
	va_list ap;
	int n;

	if (!d->srv || !xs_ctl_srv_subscribed(d->srv, (uint32_t)tag))
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	xs_ctl_srv_publish(d->srv, (uint32_t)tag, line, (size_t)n);
}

int xsd_mon_subscribe(struct xsd *d, struct xs_ctl_srv_client *c, bool json)
{
	char line[96];
	uint64_t gen = xsd_generation(d);
	int ret = xs_ctl_srv_subscribe(c, json ? TAG_JSON : TAG_TEXT);

	if (ret)
		return ret;
	if (json)
		snprintf(line, sizeof(line), "{\"event\":\"generation\",\"generation\":%" PRIu64
			 "}\n", gen);
	else
		snprintf(line, sizeof(line), "generation %" PRIu64 "\n", gen);
	return xs_ctl_srv_event(c, line, strlen(line));
}

void xsd_mon_sa(struct xsd *d, const char *what, const struct xsd_sa *s)
{
	const struct xs_sa_config *cfg = &s->sa->cfg;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];

	addr_str(cfg->family, cfg->src.b, src, sizeof(src));
	addr_str(cfg->family, cfg->dst.b, dst, sizeof(dst));
	publish(d, TAG_TEXT, "sa %s spi 0x%08x proto %s dir %s reqid %u src %s dst %s", what,
		cfg->spi, proto_word(cfg->proto), dir_word(s->dir), s->reqid, src, dst);
	publish(d, TAG_JSON, "{\"event\":\"sa\",\"action\":\"%s\",\"spi\":\"0x%08x\","
		"\"proto\":\"%s\",\"dir\":\"%s\",\"reqid\":%u,\"src\":\"%s\",\"dst\":\"%s\"}",
		what, cfg->spi, proto_word(cfg->proto), dir_word(s->dir), s->reqid, src, dst);
}

void xsd_mon_expire(struct xsd *d, const struct xsd_sa *s, bool hard, const char *kind)
{
	const struct xs_sa_config *cfg = &s->sa->cfg;
	const char *level = hard ? "hard" : "soft";

	syslog(LOG_INFO, "sa spi 0x%08x dir %s: %s %s lifetime reached", cfg->spi,
	       dir_word(s->dir), level, kind);
	publish(d, TAG_TEXT, "sa expire %s %s spi 0x%08x proto %s dir %s reqid %u", level,
		kind, cfg->spi, proto_word(cfg->proto), dir_word(s->dir), s->reqid);
	publish(d, TAG_JSON, "{\"event\":\"expire\",\"level\":\"%s\",\"limit\":\"%s\","
		"\"spi\":\"0x%08x\",\"proto\":\"%s\",\"dir\":\"%s\",\"reqid\":%u}", level, kind,
		cfg->spi, proto_word(cfg->proto), dir_word(s->dir), s->reqid);
}

void xsd_mon_policy(struct xsd *d, const char *what, uint32_t id,
		    const struct xs_policy_req *r)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];

	addr_str(r->family, r->src.b, src, sizeof(src));
	addr_str(r->family, r->dst.b, dst, sizeof(dst));
	publish(d, TAG_TEXT, "policy %s id %u dir %s action %s src %s/%u dst %s/%u", what, id,
		dir_word(r->dir), action_word(r->action), src, r->src_plen, dst, r->dst_plen);
	publish(d, TAG_JSON, "{\"event\":\"policy\",\"action\":\"%s\",\"id\":%u,\"dir\":\"%s\","
		"\"policy_action\":\"%s\",\"src\":\"%s/%u\",\"dst\":\"%s/%u\"}", what, id,
		dir_word(r->dir), action_word(r->action), src, r->src_plen, dst, r->dst_plen);
}

void xsd_mon_iface(struct xsd *d, const char *what, const char *ifname)
{
	char name[32];
	size_t i;

	/* Interface names may hold quotes: not in our JSON. */
	for (i = 0; ifname[i] && i < sizeof(name) - 1; i++)
		name[i] = (ifname[i] == '"' || ifname[i] == '\\' ||
			   (unsigned char)ifname[i] < 0x21) ? '?' : ifname[i];
	name[i] = '\0';
	publish(d, TAG_TEXT, "%s %s", what, name);
	publish(d, TAG_JSON, "{\"event\":\"%s\",\"ifname\":\"%s\"}", what, name);
}

int xsd_mon_acquire(const struct xs_event *ev, void *arg)
{
	struct xsd *d = arg;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	int af = ev->family == XS_FAMILY_V4 ? AF_INET : AF_INET6;

	addr_str(af, ev->src, src, sizeof(src));
	addr_str(af, ev->dst, dst, sizeof(dst));
	syslog(LOG_INFO, "acquire: policy %u %s -> %s proto %u ports %u/%u", ev->policy_id,
	       src, dst, ev->proto, ev->sport, ev->dport);
	fprintf(stderr, "xdpsec: acquire: policy %u %s -> %s proto %u ports %u/%u\n",
		ev->policy_id, src, dst, ev->proto, ev->sport, ev->dport);
	publish(d, TAG_TEXT, "acquire policy %u src %s dst %s proto %u sport %u dport %u",
		ev->policy_id, src, dst, ev->proto, ev->sport, ev->dport);
	publish(d, TAG_JSON, "{\"event\":\"acquire\",\"policy\":%u,\"src\":\"%s\",\"dst\":\"%s\","
		"\"proto\":%u,\"sport\":%u,\"dport\":%u}", ev->policy_id, src, dst, ev->proto,
		ev->sport, ev->dport);
	return 0;
}
