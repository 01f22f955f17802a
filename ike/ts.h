/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IKE addresses and traffic selectors (ts.c): conversions between the
 * configuration, the TS payload codec and struct ike_ts, narrowing
 * (RFC 7296 §2.9) and subsets. Pure functions: a leaf of the state
 * machine, no SA state.
 */
#ifndef IKE_TS_H
#define IKE_TS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "agent.h"
#include "config.h"
#include "payload.h"

/* Addresses */
int ike_addr_from_conf(const struct ike_conf_addr *c, uint16_t port,
		       struct sockaddr_storage *out);
bool ike_addr_eq(const struct sockaddr_storage *a,
		 const struct sockaddr_storage *b, bool ports);
/* c matches (AF_UNSPEC matches all) the address of ss. */
bool ike_addr_match_conf(const struct ike_conf_addr *c,
			 const struct sockaddr_storage *ss);
uint16_t ike_addr_port(const struct sockaddr_storage *ss);
void ike_addr_set_port(struct sockaddr_storage *ss, uint16_t port);
const char *ike_addr_str(const struct sockaddr_storage *ss, char *buf, size_t len);
/* The address as an identity of type IPV4_ADDR / IPV6_ADDR. */
void ike_addr_to_id(const struct sockaddr_storage *ss, struct ike_conf_id *id);

/* Traffic selectors */
int ike_ts_from_conf(const struct ike_conf_ts *c,
		     const struct sockaddr_storage *ike_addr, struct ike_ts *out);
/* Every configured selector of a side; dynamic ones resolved. */
int ike_ts_conf_list(const struct ike_conf_ts *c, size_t n,
		     const struct sockaddr_storage *ike_addr,
		     struct ike_ts *out, uint8_t *nout);
void ike_ts_to_wire(const struct ike_ts *in, uint8_t n,
		    struct ike_ts_list *out);
/* Selectors of known types; -EINVAL when none. */
int ike_ts_from_wire(const struct ike_ts_list *in, struct ike_ts *out,
		     uint8_t *nout);
/* §2.9: every non-empty intersection of a proposed selector with a
 * configured one, at most IKE_TS_MAX. 0, or -ENOENT when empty. */
int ike_ts_narrow(const struct ike_ts *prop, uint8_t np,
		  const struct ike_ts *conf, uint8_t nc,
		  struct ike_ts *out, uint8_t *nout);
/* Whether every selector of sub lies within one of set. */
bool ike_ts_subset(const struct ike_ts *sub, uint8_t ns,
		   const struct ike_ts *set, uint8_t nset);

#endif
