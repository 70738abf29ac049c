/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Resume on a subscriber's node (docs/replication.md, "Resume"), on the
 * channel's lcore: a client that subscribed with a resume point (stream,
 * seq) gets every later message the channel's history still holds, then
 * the live stream; what no history holds comes as a GAP. Private to the
 * lcores' channel path.
 */
#ifndef RUMOR_CHAN_RESUME_H
#define RUMOR_CHAN_RESUME_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "chan_state.h"

/*
 * A resuming SUBSCRIBE the control thread granted and passed on (it alone
 * does: the receiving lcores punt the wire's): start sending its client
 * what it missed. Frees m.
 */
void resume_start(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct ring_table *ring, const struct peer_table *peers);

/*
 * A RETRANSMIT (stream and seq in o) a resumer of s asked for: true if
 * one took it (m is then freed), false to let the subscriber path have it.
 */
bool resume_offer(struct dp_lcore *lc, struct chan_state *s,
		struct rte_mbuf *m, const struct rumor_hdr *h,
		const struct chan_ord *o, const struct ring_table *ring,
		const struct peer_table *peers);

/* A GONE (r) its sender sent: what a resumer asked for is lost there. */
void resume_gone(struct dp_lcore *lc, struct chan_state *s,
		const struct chan_range *r, uint32_t sender,
		const struct ring_table *ring, const struct peer_table *peers);

/* The resumers' timers: ask again, send on, finish (chan_timers). */
void resume_timers(struct dp_lcore *lc, const struct ring_table *ring,
		const struct peer_table *peers, uint64_t now);

/*
 * f, of stream and sequences first .. last, to the local subscribers of
 * e but those of s catching up: each of those gets it only if it is the
 * next it lacks (chan_resume.c).
 */
void resume_send_local_skip(struct dp_lcore *lc, const struct fan_msg *f,
		const struct aud_entry *e, struct chan_state *s, uint64_t stream,
		uint64_t first, uint64_t last, unsigned stat);

/*
 * f, a DELIVER or a GAP of the live stream (stream, sequences first ..
 * last), to the local subscribers of e, s's channel.
 */
static inline void
resume_send_local(struct dp_lcore *lc, const struct fan_msg *f,
		const struct aud_entry *e, struct chan_state *s,
		uint64_t stream, uint64_t first, uint64_t last, unsigned stat)
{
	if (likely(s->n_resume == 0))
		fan_send_n(lc, f, e->local, e->n_local, stat);
	else
		resume_send_local_skip(lc, f, e, s, stream, first, last,
				stat);
}

#endif /* RUMOR_CHAN_RESUME_H */
