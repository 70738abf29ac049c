/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The new owner's side of a channel handoff, on the channel's lcore
 * (chan_handoff.c): whether it may stamp a channel, and the waits that
 * hold its PUBLISHes until it may. Private to the lcores' channel path.
 *
 * A wait that ends gives its held messages back to the caller in a
 * struct ho_release, oldest first, for chan_dispatch.c to process as if
 * they came now: the handoff never calls up into the dispatch.
 */
#ifndef RUMOR_CHAN_HANDOFF_H
#define RUMOR_CHAN_HANDOFF_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "chan.h"

#define HO_HELD_MAX 4096u	/* PUBLISHes held, per lcore at most. */

/* The messages a wait held, once it ends. */
struct ho_release {
	uint32_t n;
	struct rte_mbuf *m[HO_HELD_MAX];
};

int ho_lcore_init(struct dp_lcore *lc);
void ho_lcore_free(struct dp_lcore *lc);
/*
 * May this node stamp the channel under ring (e: its audience entry, or
 * NULL)? False while it waits for the old owner's state.
 */
bool ho_ready(struct dp_lcore *lc, const struct ring_table *ring,
		uint64_t hash, const char *name, uint16_t len,
		const struct aud_entry *e);
/*
 * Hold a PUBLISH of a channel that is not ready and ask the old owner;
 * or, ahead not 0, one routed under ring epoch ahead, newer than this
 * node's: held until this node's ring reaches it (or a second passed).
 */
void ho_hold(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct ring_table *ring, const struct peer_table *peers,
		uint64_t hash, const char *name, uint16_t len, uint64_t ahead);
/*
 * Hold m, a PUBLISH of a channel this node now owns, and those after it,
 * while it catches up with what it missed of the stream it continues (as
 * a subscriber node of it before) from the old owner, from: until
 * ho_caught_up, or HO_CATCHUP_MS. subscriber_catchup_ask asks again
 * meanwhile. False (nothing held) if the channel waits already or
 * nothing is free.
 */
bool ho_hold_catchup(struct dp_lcore *lc, struct rte_mbuf *m, uint64_t hash,
		const char *name, uint16_t len, uint32_t from);
/*
 * Hold m, a PUBLISH its owner may not stamp yet (beyond committed +
 * REPL_WINDOW), and those after it, until ho_window_open or
 * HO_WINDOW_MS. False (nothing held) if nothing is free or the channel
 * waits for something else.
 */
bool ho_hold_window(struct dp_lcore *lc, struct rte_mbuf *m, uint64_t hash,
		const char *name, uint16_t len);
/* The replicas moved: the window's held messages into out (or none). */
void ho_window_open(struct dp_lcore *lc, uint64_t hash, const char *name,
		uint16_t len, struct ho_release *out);
/* The catch-up is done: its held messages into out (none: out->n 0). */
void ho_caught_up(struct dp_lcore *lc, uint64_t hash, const char *name,
		uint16_t len, struct ho_release *out);
/*
 * A HANDOFF, passed on by the control thread: if it settles a wait, the
 * wait's held messages into out (else out->n 0). After one pushed
 * unasked, the old owner is asked for the publishers' numbers alone (a
 * HANDOFF_REQ of request id 0).
 */
void ho_input(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct ring_table *ring, const struct peer_table *peers,
		struct ho_release *out);
/*
 * A REPL_STATE (from a member, proven) answering a failover's REPL_SYNC:
 * once a majority answered, the stream goes on and the wait's held
 * messages go into out (else out->n 0). Takes m.
 */
void ho_sync_input(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct ring_table *ring, const struct peer_table *peers,
		struct ho_release *out);
/*
 * A RETRANSMIT (from a member, proven): true if a failover's fetch took
 * it (chan_fetch.c; once it has all, the stream goes on and the wait's
 * held messages go into out), false to let the channel path have it.
 */
bool ho_fetch_input(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct ring_table *ring, const struct peer_table *peers,
		struct ho_release *out);
/*
 * On any thread (the control thread): whether the channel's lcore waits
 * for the answer to HANDOFF_REQ req of channel hash.
 */
bool ho_awaits(uint64_t hash, uint64_t req);
/*
 * The waits' timers, from wait *at on: ask again, or end a wait whose
 * time is up (a HANDOFF wait gives up and starts a new stream). Returns
 * true at the first wait that ends, its held messages in out: the caller
 * processes them, then calls again with the same *at; false once every
 * wait was seen.
 */
bool ho_timers(struct dp_lcore *lc, const struct ring_table *ring,
		const struct peer_table *peers, uint64_t now, uint32_t *at,
		struct ho_release *out);

#endif /* RUMOR_CHAN_HANDOFF_H */
