/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Burst entry points: seal or open many packets in one call, with one
 * backend call for their cipher work (an AF_XDP worker hands over a whole
 * rx batch). They give exactly what xs_seal/xs_open would give packet by
 * packet, in order: the same bytes, the same verdicts, the same counters.
 * Only the content of a dropped packet's buffer may differ (the cipher of
 * a burst may have decrypted a forged packet the single path left alone).
 *
 * How: each packet is parsed, checked and replay-checked first (without
 * changing any window), then the cipher work of all runs together, then
 * per packet and in order the window is checked again and committed under
 * the SA's window lock, taken once per SA and burst (a forged packet never
 * moves it, RFC 4303 §3.4.3 and Appendix A), then padding and
 * decapsulation. Where an earlier packet of the burst could change what a
 * later one's checks see before the cipher runs (the high half of an ESN,
 * RFC 4303 App. A2.2; the hard lifetime), the burst is cut there.
 *
 * n is not limited (bursts of XS_BURST_MAX are processed in turn). AH
 * packets and SAs go through the single-packet path within the burst.
 */
#ifndef XS_BURST_H
#define XS_BURST_H

#include <stdint.h>

struct xs_pkt;
struct xs_sa;
struct xs_sadb;

/*
 * Seals pkts[i] with sas[i] (any mix of SAs) as xs_seal would, in order.
 * verdicts[i] gets XS_DROP_NONE or the drop reason (counted in sas[i]).
 * Returns the number of packets sealed.
 */
unsigned int xs_seal_burst(struct xs_sa *const *sas, struct xs_pkt *pkts,
			   unsigned int n, uint8_t *verdicts);

/*
 * Opens pkts[i] as xs_open(db, &pkts[i], &sas[i]) would, in order.
 * verdicts[i] gets XS_DROP_NONE or the drop reason; sas (optional)
 * receives the SA each packet was found to belong to, or NULL. Returns
 * the number of packets opened.
 */
unsigned int xs_open_burst(struct xs_sadb *db, struct xs_pkt *pkts, unsigned int n,
			   uint8_t *verdicts, struct xs_sa **sas);

#endif
