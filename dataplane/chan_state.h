/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The channel states of one forwarding lcore (docs/channels.md, "In the
 * dataplane"), private to the lcores' channel path. Each channel has its
 * order state on its channel lcore only, in that lcore's table: the
 * owner's stream, next sequence and history (chan_owner.c), a subscriber
 * node's reorder window (chan_subscriber.c), and what the lcore shares
 * among its channels: the history budget, the NACK list, gossip dedup.
 * chan_state.c finds, frees and compacts the states; the helpers below
 * are the few lines every role uses per message, inline.
 */
#ifndef RUMOR_CHAN_STATE_H
#define RUMOR_CHAN_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "chan.h"
#include "rumor/chan_track.h"
#include "rumor/config.h"
#include "rumor/pub_dedup.h"
#include "rumor/repl_track.h"
#include "rumor/repl_wire.h"
#include "dp.h"
#include "fanout.h"

#define CHAN_SLOTS (1u << 17)		/* Channel states per lcore, x2. */
#define CHAN_STATES_MAX 65536u
#define CHAN_HIST 256u			/* History per channel (pow2), */
_Static_assert(CONFIG_HISTORY_MAX == CHAN_HIST,	/* the key history's most. */
		"the key history fits the history array");
#define CHAN_PENDING_MAX 1024u		/* Channels awaiting a NACK. */
#define CHAN_REPL_LIST_MAX 4096u	/* Channels replicating, an lcore. */
#define CHAN_WAIT_MAX REPL_WINDOW	/* Acked PUBLISHes waiting, a
					 * channel. */
#define CHAN_PUB_SETS_LOG2 12u		/* Acked publish memory: 16,384
					 * (channel, client) entries. */
#define CHAN_RESUME_LCORE 64u		/* Clients resuming, an lcore, */
#define CHAN_RESUME_CHAN 8u		/* and a channel. */
#define CHAN_STATE_TOMB ((struct chan_state *)(uintptr_t)1)

/* An owner's reference to a message it may have to send again. */
struct chan_hist {
	struct rte_mbuf *m;		/* The message segment; NULL: none. */
	uint64_t seq;
	uint32_t origin;
	uint16_t sum;			/* cksum_sum() of the message. */
	uint64_t pubid;
};

/*
 * The publisher's client and number of an acked message kept in history,
 * in the slot of its sequence (chan_repl.c): so that what is sent again
 * from history, or told a new owner, still names them.
 */
struct chan_acked {
	uint64_t seq;			/* 0: none. */
	uint64_t client;
	uint64_t number;
};

/* An acked PUBLISH waiting for the level it asked (chan_repl.c). */
struct chan_wait {
	uint64_t seq;
	uint32_t sender;		/* Its entry node; 0: the client. */
	uint8_t level;
	struct repl_pub_req req;
};

/*
 * The owner's replication of a channel's stream: R, the replica set of
 * the ring it was taken from and how far each holds, what that makes
 * committed and held by all, and the acked PUBLISHes waiting for either.
 */
struct chan_repl_owner {
	uint8_t r;			/* R; 0: not looked up yet. */
	bool listed;			/* In the lcore's replication list. */
	bool holding;			/* PUBLISHes wait for the window. */
	uint64_t epoch;			/* The ring its set is from. */
	struct repl_owner set;
	uint64_t floor;			/* Committed from the start: before
					 * this owner's first stamp. */
	uint64_t committed;
	uint64_t all;
	uint64_t tsc[REPL_OTHERS_MAX];	/* Each replica's last progress,
					 * or resend to it. */
	uint32_t n_wait;
	struct chan_wait *wait;		/* CHAN_WAIT_MAX; NULL until one. */
};

/*
 * A client catching up with a channel from its resume point
 * (chan_resume.c): sent, in order, each sequence from cursor on until it
 * reaches the live stream of its node.
 */
struct chan_resumer {
	struct chan_state *s;		/* Its channel; NULL: a free slot. */
	struct chan_dest to;		/* The client. */
	uint64_t stream;
	uint64_t cursor;		/* The next sequence it gets. */
	uint64_t asked_end;		/* A NACK asked cursor .. before it */
	uint32_t asked_to;		/* of this member, */
	uint32_t tries;			/* this many times without an answer. */
	uint64_t at;			/* Its next step (TSC). */
	uint64_t until;			/* Finished by then, whatever it lacks. */
};

/* One channel's order state, on its channel lcore. */
struct chan_state {
	uint64_t hash;
	uint32_t id;			/* Unique on the lcore, for the FIFO. */
	uint32_t slot;
	bool pending;			/* In the lcore's NACK list. */
	/* Owner. */
	uint64_t stream;		/* 0: not ordering. */
	uint64_t next_seq;
	uint64_t base;			/* The first sequence of the stream
					 * this node stamped (history). */
	struct chan_hist hist[CHAN_HIST];
	struct chan_acked *acked;	/* CHAN_HIST; NULL until an acked
					 * message is kept. */
	/* Subscriber node. */
	struct chan_rx rx;
	uint64_t catchup;		/* As the new owner of the stream it
					 * followed: the handoff's next
					 * sequence it caught up to, */
	bool catching;			/* its PUBLISHes waiting meanwhile. */
	/* Owner of a replicated channel (chan_repl.c). */
	struct chan_repl_owner ro;
	/* Replica (chan_repl.c): what it holds of the owner's stream, in
	 * hist, with stream, base and next_seq as an owner keeps them. */
	struct repl_recv rr;
	uint64_t rr_tsc;		/* Its last REPLICATE. */
	uint8_t n_resume;		/* Its clients catching up. */
	uint16_t len;
	char name[RUMOR_CHANNEL_MAX];
};

/* History references in stamp order, for the lcore's budget. */
struct chan_fifo {
	uint32_t slot;
	uint32_t id;
	uint64_t seq;
};

/* The channel states of one lcore and what they share (lc->chan). */
struct chan_lcore {
	struct chan_state *tab[CHAN_SLOTS];
	uint32_t n;
	uint32_t tombs;			/* Freed states' slots. */
	uint32_t next_id;
	uint64_t counter;		/* Publish ids of this lane. */
	uint64_t hz_ms;			/* TSC cycles per ms. */
	uint64_t next_sweep;
	uint32_t n_held;		/* Held messages, for the budget. */
	uint32_t held_budget;
	uint32_t hist_budget;		/* At most CHAN_HISTORY_LCORE. */
	uint32_t fifo_head, fifo_tail;
	struct chan_fifo fifo[CHAN_HISTORY_LCORE];
	uint32_t n_pending;
	struct chan_state *pending[CHAN_PENDING_MAX];
	struct gossip_dedup dedup;
	uint32_t n_repl;		/* Owned channels whose replicas */
	struct chan_state *repl[CHAN_REPL_LIST_MAX]; /* lag (resends). */
	uint64_t next_repl;		/* The next resend pass (TSC). */
	struct pub_dedup pubs;		/* Acked publishes it ordered. */
	struct pub_dedup_entry *pubs_mem;
	uint32_t n_resume;		/* Clients catching up, */
	struct chan_resumer resume[CHAN_RESUME_LCORE];	/* in any slot, */
	uint32_t resume_budget;		/* sent to from history this ms, */
	uint64_t resume_refill;		/* until then (TSC). */
};

/* lc->chan, empty, with the lcore's budgets; -1 if out of memory. */
int chan_table_init(struct dp_lcore *lc);
/* Free every state with what it holds, then lc->chan. */
void chan_table_free(struct dp_lcore *lc);
/* Move the live states to fresh slots once freed ones crowd the table. */
void chan_table_compact(struct dp_lcore *lc);
/* The state of a channel, or NULL (create: a new one, if room). */
struct chan_state *chan_state_get(struct dp_lcore *lc, uint64_t hash,
		const char *name, uint16_t len, bool create);
/* Forget a state: out of the NACK list and the table, what it holds freed. */
void chan_state_remove(struct chan_lcore *cl, struct chan_state *s);
/*
 * Note seq of s as history (an owner's, or a replica's), in stamp order,
 * and drop the oldest references beyond the lcore's budget, and the
 * channel's message history (dp.cfg.history) below seq.
 */
void chan_history_push(struct chan_lcore *cl, struct dp_lcore *lc,
		struct chan_state *s, uint64_t seq);
/* Release the history of a state (as an owner). */
void chan_state_release_hist(struct chan_state *s);
/* Release the held messages of a state and forget its tracking. */
void chan_state_release_rx(struct chan_lcore *cl, struct chan_state *s);

/* True for a slot of the table that holds a state. */
static inline bool
chan_state_live(const struct chan_state *s)
{
	return s != NULL && s != CHAN_STATE_TOMB;
}

/* The rumor header of m, a channel frame frame_parse checked. */
static inline const struct rumor_hdr *
chan_hdr(const struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, const struct rumor_hdr *,
			FRAME_RUMOR_OFF);
}

/* Free m, a message the channel path will not send, counted under stat. */
static inline void
chan_drop(struct dp_lcore *lc, struct rte_mbuf *m, unsigned stat)
{
	lc->stats.c[stat]++;
	rte_pktmbuf_free(m);
}

/* The publish id of a message entering here, from this lcore's lane. */
static inline uint64_t
chan_publish_id(struct dp_lcore *lc)
{
	return (uint64_t)(lc->queue & 0xff) << 56 | ++lc->chan->counter;
}

/* What fan_init sets, from a channel state: no frame at hand. */
static inline void
fan_init_state(struct fan_msg *f, const struct chan_state *s, uint8_t type,
		uint8_t hop_limit, uint32_t origin, uint64_t epoch,
		uint64_t seq)
{
	memset(f, 0, offsetof(struct fan_msg, fixed));
	f->type = type;
	f->hop_limit = hop_limit;
	f->origin = origin;
	f->epoch = epoch;
	f->seq = seq;
	f->hash = s->hash;
	f->name = s->name;
	f->name_len = s->len;
}

/*
 * This node's NACK n for channel s to member to, counted under stat
 * (the subscriber's holes, a resume, a failover's fetch): counted
 * STAT_CHAN_NO_ROUTE instead if to is not reachable.
 */
static inline void
chan_nack_to(struct dp_lcore *lc, const struct chan_state *s,
		const struct chan_nack *n, uint32_t to,
		const struct ring_table *ring, const struct peer_table *peers,
		unsigned stat)
{
	struct chan_dest d;
	struct fan_msg f;

	if (!fan_member(peers, to, &d)) {
		lc->stats.c[STAT_CHAN_NO_ROUTE]++;
		return;
	}
	fan_init_state(&f, s, RUMOR_T_NACK, RUMOR_DEFAULT_HOP_LIMIT,
			dp.cfg.node_id, ring->epoch, ++lc->chan->counter);
	f.fixed_len = (uint16_t)chan_nack_encode(n, f.fixed, sizeof(f.fixed));
	fan_send(lc, &f, &d, stat);
}

#endif /* RUMOR_CHAN_STATE_H */
