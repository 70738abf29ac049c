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
#define CHAN_REPL_RESEND_PASS_MAX 128u	/* Sent again an lcore, a pass: a
					 * ring change that leaves many
					 * replicas to fill does not flood
					 * the lcore and its peers. */
#define CHAN_REPLICA_KEEP_S 300u	/* A replica's state without a
					 * REPLICATE that long: dropped. */

/*
 * Before the owner stamps s under ring: R looked up once, and under a
 * new ring its replica set (helds kept for members that stay), with
 * committed and all from them. Nothing else per message: REPL_ACKs move
 * committed and all.
 */
void repl_prepare(struct chan_state *s, const struct ring_table *ring);

/*
 * This node, a replica of the stream of s, orders it from next on: no
 * longer a replica's state, and nothing before next counted.
 */
void repl_took_over(struct chan_state *s, uint64_t next);

/* The stream of s starts (again) at base: nothing replicated yet. */
void repl_restart(struct chan_state *s, uint64_t base);

/*
 * What a majority of the set holds, and what every member does: all the
 * owner stamped when it has no replica (R = 1, or a ring of one).
 */
static inline uint64_t
repl_committed(const struct chan_state *s)
{
	return s->ro.set.n == 0 ? s->next_seq - 1 : s->ro.committed;
}

static inline uint64_t
repl_all(const struct chan_state *s)
{
	return s->ro.set.n == 0 ? s->next_seq - 1 : s->ro.all;
}

/* True if the owner may stamp seq: within REPL_WINDOW of committed. */
static inline bool
repl_may_stamp(const struct chan_state *s, uint64_t seq)
{
	return s->ro.set.n == 0 || seq <= s->ro.committed + REPL_WINDOW;
}

/*
 * The level an acked message of s stamped as seq has met: ALL, QUORUM
 * or OWNER, and how many of the set hold it (*held).
 */
uint8_t repl_level_met(const struct chan_state *s, uint64_t seq,
		uint8_t *held);

/*
 * The publisher's client and number of the acked message of s kept as
 * seq (history's slot of seq), for what is sent again from history; a
 * message kept without them leaves the slot's stale ones, which name
 * another sequence.
 */
void repl_acked_put(struct chan_state *s, uint64_t seq, uint64_t client,
		uint64_t number);

/*
 * A channel this node ordered has a new owner, to (a member): each
 * acked message still in history goes to it as a REPLICATE with its
 * publisher's client and number, so that it answers their retries
 * DUPLICATE instead of ordering them again (docs/replication.md,
 * "Handover of publish numbers"). The control thread asks for it when it
 * hands the channel over (m, a HANDOFF_REQ naming to as origin). Takes m.
 */
void repl_handover(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct rumor_hdr *h, const struct ring_table *ring,
		const struct peer_table *peers);

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

/*
 * A REPL_ACK at the owner (from a member, proven). Takes m. Returns the
 * channel's state when the replicas' progress opened the window for
 * the PUBLISHes held beyond it (the caller lets them through), else
 * NULL.
 */
struct chan_state *repl_ack_input(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct rumor_hdr *h, const struct ring_table *ring,
		const struct peer_table *peers);

/*
 * Keep the message of m, a REPLICATE or RETRANSMIT of s's stream whose
 * fixed part is fixed_len bytes, as history of s at seq: m becomes the
 * message segment alone, in the slot of its sequence. Takes m.
 */
void repl_hist_keep(struct dp_lcore *lc, struct chan_state *s,
		struct rte_mbuf *m, uint32_t fixed_len, uint64_t seq);

/* A REPLICATE at a replica (from a member, proven). Takes m. */
void replica_input(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct rumor_hdr *h, const struct ring_table *ring,
		const struct peer_table *peers);

/*
 * Failover (docs/replication.md, "Failover"): a new owner whose old
 * owner is gone asks the old replica set how far it holds the stream
 * this node holds as a replica, and continues it past the highest held
 * of a majority by REPL_WINDOW once that majority answered.
 */
struct repl_failover {
	uint64_t stream;	/* The stream this node holds (0: none yet,
				 * the first an answer names). */
	uint64_t held;		/* The highest held answered (its own too). */
	uint32_t holder;	/* Who answered it; 0: this node. */
	uint64_t from;		/* The oldest the holder holds. */
	uint64_t fetch_end;	/* Fetching from holder up to held: asked
				 * (chan_fetch.c) before this; 0: not. */
	uint32_t need;		/* Answers, its own included, that make a
				 * majority of the old set. */
	uint32_t got;
	uint32_t n_ask;
	uint32_t ask[REPL_OTHERS_MAX];	/* The old set but the old owner
					 * and this node. */
	bool answered[REPL_OTHERS_MAX];
};

/*
 * For channel (hash, name, len), owned here under ring and by a member
 * gone under ring->prev: the failover to run, asking the old replica
 * set (and its owner too if owner_too: one alive that handed over no
 * stream). False: no majority of that set can answer.
 */
bool repl_failover_plan(struct dp_lcore *lc, const struct ring_table *ring,
		uint64_t hash, const char *name, uint16_t len, bool owner_too,
		struct repl_failover *fo);

/* REPL_SYNC (request id req) to each of the set not answered yet. */
void repl_sync_send(struct dp_lcore *lc, const struct repl_failover *fo,
		uint64_t hash, const char *name, uint16_t len, uint64_t req,
		const struct ring_table *ring, const struct peer_table *peers);

/*
 * A REPL_STATE from member from, decoded: counted once per member of the
 * set. True once a majority answered (fo->held is then final).
 */
bool repl_failover_answer(struct repl_failover *fo, uint32_t from,
		const struct repl_state *st);

/* The highest held of fo's majority, this node's held now included. */
uint64_t repl_failover_held(struct dp_lcore *lc, const struct repl_failover *fo,
		uint64_t hash, const char *name, uint16_t len);

/*
 * The channel continues here at next, past the failover's jump: its
 * history kept, nothing before next counted against the window, and no
 * longer a replica's state.
 */
void repl_failover_settle(struct dp_lcore *lc, uint64_t hash,
		const char *name, uint16_t len, uint64_t next);

/* A REPL_SYNC at a replica (from a member, proven). Takes m. */
void replica_sync_input(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct rumor_hdr *h, const struct ring_table *ring,
		const struct peer_table *peers);

/* True while s holds a replica's state worth keeping without audience. */
bool replica_keep(const struct chan_state *s, uint64_t now);

/*
 * The sweep of s (once a second): a channel this node orders, quiet
 * since its ring changed, takes its replica set from the new ring and is
 * followed again, so that a replica new to the set is filled from
 * history before the next message comes (docs/replication.md, "Graceful
 * changes"), and can take the stream over if the owner crashes.
 */
void repl_sweep(struct dp_lcore *lc, struct chan_state *s,
		const struct ring_table *ring);

/* The resend pass, every CHAN_REPL_RESEND_MS. */
void repl_timers(struct dp_lcore *lc, const struct ring_table *ring,
		const struct peer_table *peers, uint64_t now);

#endif /* RUMOR_CHAN_REPL_H */
