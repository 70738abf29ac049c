/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The owner of an ordered channel, on the channel's lcore (chan_owner.c):
 * what the dispatch passes it. Private to the lcores' channel path.
 */
#ifndef RUMOR_CHAN_OWNER_H
#define RUMOR_CHAN_OWNER_H

#include <rte_mbuf.h>

#include "chan_state.h"

/*
 * A PUBLISH of an ordered channel, under the ring in force now: sent on
 * if the owner changed since it was routed, held while a handoff is under
 * way, to the sink without an audience, else stamped and fanned out.
 */
void owner_input(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct rumor_hdr *h, const struct ring_table *ring,
		const struct peer_table *peers);
/* A NACK: RETRANSMIT what history holds, GONE the rest, or relayed. */
void owner_nack(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct rumor_hdr *h, const struct ring_table *ring,
		const struct peer_table *peers);

#endif /* RUMOR_CHAN_OWNER_H */
