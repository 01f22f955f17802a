/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The dispatcher (dispatch.c): what the state machine does between
 * entries. Every entry (input.c's ike_sa_input, sa_entry.c's public
 * entries, the timers armed here) starts with ike_sa_gc() and ends with
 * ike_dispatch_settle(), which runs the queued operations of idle IKE SAs,
 * arms the timers the store marked due (retransmission, rekey, DPD,
 * keepalive, Child SA lifetimes, delayed tasks), acts on dead SAs
 * (keyingtries and dpd_action retries) and reports outcomes (outcome.c).
 *
 * It sits above the exchanges (exch.h), which sit above the store
 * (ike_sa.h): nothing below calls up here.
 */
#ifndef IKE_DISPATCH_H
#define IKE_DISPATCH_H

#include "exch.h"

/* Runs everything due; returns when nothing is left to do now. */
void ike_dispatch_settle(struct ike_agent *a);

/* A new initiator IKE SA of conn for its children idx[0..n): the first
 * in IKE_AUTH, the others queued; IKE_SA_INIT goes out after delay_ms
 * (0: when the entry returns). NULL + errno. */
struct ike_sa *ike_sa_start_conn(struct ike_agent *a,
				 const struct ike_conf_conn *conn,
				 const uint16_t *idx, unsigned int n,
				 unsigned int keyingtry, uint64_t delay_ms);

#endif
