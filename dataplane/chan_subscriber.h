/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A subscriber node of an ordered channel, on the channel's lcore
 * (chan_subscriber.c): what the dispatch, the owner and the handoff ask
 * of it. Private to the lcores' channel path.
 */
#ifndef RUMOR_CHAN_SUBSCRIBER_H
#define RUMOR_CHAN_SUBSCRIBER_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "chan_state.h"

/*
 * FANOUT or RETRANSMIT: in order to the local subscribers, holes asked
 * for. Returns the channel's state if this node, a new owner catching
 * up with the stream it followed, now has everything before the handoff
 * (the caller lets its held PUBLISHes go: ho_caught_up), else NULL.
 */
struct chan_state *subscriber_input(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct rumor_hdr *h, const struct ring_table *ring,
		const struct peer_table *peers);
/* GONE: what the owner no longer holds is lost. Returns as above. */
struct chan_state *subscriber_gone(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct rumor_hdr *h, const struct ring_table *ring);
/*
 * Give up every missing sequence below upto (GAP to the clients of e, if
 * not NULL), and deliver what is held on the way and in order after it.
 */
void subscriber_give_up_to(struct dp_lcore *lc, struct chan_state *s,
		const struct aud_entry *e, uint64_t epoch, uint64_t upto);
/*
 * A new owner catching up (ho_hold_catchup): NACK to from, the old owner,
 * for what it still misses before the handoff.
 */
void subscriber_catchup_ask(struct dp_lcore *lc, uint64_t hash,
		const char *name, uint16_t len, uint32_t from,
		const struct ring_table *ring, const struct peer_table *peers);
/* NACK timers: ask again, or give the hole up after the last try. */
void subscriber_nack_timers(struct dp_lcore *lc, const struct ring_table *ring,
		const struct peer_table *peers, uint64_t now);
/* The once-a-second check of the end of a run (e has local clients). */
void subscriber_tail_check(struct dp_lcore *lc, struct chan_state *s,
		const struct aud_entry *e, const struct ring_table *ring,
		const struct peer_table *peers);

#endif /* RUMOR_CHAN_SUBSCRIBER_H */
