/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replicated channels on the channel's lcore (chan_repl.c,
 * docs/replication.md, "Replication"): what the owner does for its
 * replicas as it stamps, the REPL_ACKs it takes, the acked PUBLISHes
 * waiting for quorum or all, its resends; and a replica's REPLICATEs.
 * Private to the lcores' channel path.
 */
#ifndef RUMOR_CHAN_REPL_H
#define RUMOR_CHAN_REPL_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "chan_state.h"

#define CHAN_REPL_RESEND_MS 20u		/* A replica's held unmoved that
					 * long: what follows it again. */
#define CHAN_REPL_RESEND_BURST 16u	/* Sent again a replica, a pass. */
#define CHAN_REPLICA_KEEP_S 300u	/* A replica's state without a
					 * REPLICATE that long: dropped. */

/*
 * Before the owner stamps s under ring: R looked up once, the replica
 * set of the ring (helds kept for members that stay), committed and all
 * brought up to date.
 */
void repl_prepare(struct chan_state *s, const struct ring_table *ring);

/* The stream of s starts (again) at base: nothing replicated yet. */
void repl_restart(struct chan_state *s, uint64_t base);

/* True if the owner may stamp seq: within REPL_WINDOW of committed. */
static inline bool
repl_may_stamp(const struct chan_state *s, uint64_t seq)
{
	return s->ro.r <= 1 || seq <= s->ro.committed + REPL_WINDOW;
}

/*
 * The level an acked message of s stamped as seq has met: ALL, QUORUM
 * or OWNER, and how many of the set hold it (*held).
 */
uint8_t repl_level_met(const struct chan_state *s, uint64_t seq,
		uint8_t *held);

/*
 * After the owner stamped seq of s and fanned it out as f (its message
 * segment set): REPLICATE to each replica, sharing the segment (client
 * and number: the ack request's, or 0). The channel joins the lcore's
 * replication list.
 */
void repl_send(struct dp_lcore *lc, struct chan_state *s,
		const struct fan_msg *f, uint64_t seq, uint64_t client,
		uint64_t number, const struct peer_table *peers);

/*
 * An acked PUBLISH stamped as seq (header h, from sender, request req):
 * answered now if its level is met (or the channel's waits are full),
 * else kept until a REPL_ACK meets it.
 */
void repl_answer_or_wait(struct dp_lcore *lc, struct chan_state *s,
		const struct rumor_hdr *h, uint32_t sender,
		const struct repl_pub_req *req, uint64_t seq,
		const struct ring_table *ring, const struct peer_table *peers);

/* A REPL_ACK at the owner (from a member, proven). Takes m. */
void repl_ack_input(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct rumor_hdr *h, const struct ring_table *ring,
		const struct peer_table *peers);

/* A REPLICATE at a replica (from a member, proven). Takes m. */
void replica_input(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct rumor_hdr *h, const struct ring_table *ring,
		const struct peer_table *peers);

/* True while s holds a replica's state worth keeping without audience. */
bool replica_keep(const struct chan_state *s, uint64_t now);

/* The resend pass, every CHAN_REPL_RESEND_MS. */
void repl_timers(struct dp_lcore *lc, const struct ring_table *ring,
		const struct peer_table *peers, uint64_t now);

#endif /* RUMOR_CHAN_REPL_H */
