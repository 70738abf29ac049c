/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Broadcast channels on the channel's lcore (chan_broadcast.c): what the
 * dispatch passes them. Private to the lcores' channel path.
 */
#ifndef RUMOR_CHAN_BROADCAST_H
#define RUMOR_CHAN_BROADCAST_H

#include <rte_mbuf.h>

#include "chan_state.h"

/*
 * A broadcast message, entering here (PUBLISH) or from a member
 * (GOSSIP): once per node to the local subscribers, and on to k members
 * while hops are left.
 */
void broadcast_input(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct rumor_hdr *h, const struct ring_table *ring);

#endif /* RUMOR_CHAN_BROADCAST_H */
