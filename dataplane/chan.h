/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Channels in the dataplane (docs/channels.md, "In the dataplane"): the
 * audience table the control thread publishes and the lcores read, and
 * the entry points of the control thread's audience work (chan_audience.c)
 * and of the lcores' channel path (chan_dispatch.c, which passes each
 * message to its role: chan_owner.c, chan_subscriber.c, chan_broadcast.c,
 * chan_handoff.c, over the states of chan_state.c; their private headers
 * sit beside them).
 */
#ifndef RUMOR_CHAN_H
#define RUMOR_CHAN_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_mbuf.h>

#include "rumor/chan_limits.h"
#include "rumor/chan_wire.h"
#include "rumor/keyed_hash.h"
#include "rumor/peers.h"
#include "rumor/ring.h"

#define CHAN_AUD_SLOTS (1u << 18)	/* Audience table slots (pow2): twice
					 * the channels the limits allow. */
_Static_assert(CHAN_AUD_SLOTS >= 2 * (CHAN_LIMIT_SUBS_MAX +
		CHAN_LIMIT_OWNED_MAX), "the limits keep the audiences at "
		"most half the slots");
#define CHAN_SUB_RING_SIZE 1024		/* Punted SUBSCRIBE etc. */
#define CHAN_SUB_BURST 512		/* A full bucket's worth. */
#define CHAN_AUDIENCE_BATCH 128		/* Taken per control pass. */
#define CHAN_SUB_RATE 20000		/* A second, per lcore. */
#define CHAN_IN_RING_SIZE 4096		/* Ring per lcore: messages other
					 * lcores pass it (chan_in). */
#define CHAN_HDR_MBUFS 16383		/* Header pool per NUMA socket. */
#define CHAN_HDR_ROOM 400		/* 42 + 40 + 16 + 255 + 40 fit. */
#define CHAN_HISTORY_LCORE 8192		/* History references per lcore, */
#define CHAN_HELD_LCORE 4096		/* held messages: at most. */
#define CHAN_FANOUT_K 3			/* Default --fanout-k. */
#define CHAN_FANOUT_K_MAX 16

/* Where one copy goes: a local client or a member. */
struct chan_dest {
	uint32_t ip;		/* Network order. */
	uint16_t udp_port;	/* Network order. */
	uint16_t dpdk_port;
	uint8_t mac[6];
};

/*
 * What an owner orders a channel by, shared by every version of its
 * audience entry (one per channel in the book). The channel's lcore is
 * its only writer while this node owns the channel; the control thread
 * reads it to hand the channel over once the lcore no longer orders it,
 * and carries epoch forward across rings that keep the owner.
 */
struct chan_cell {
	uint64_t stream;	/* 0: not ordered here yet. */
	uint64_t next;		/* The next sequence to stamp. */
	uint64_t epoch;		/* The ring epoch stream and next are good
				 * for: they are this node's own ordering
				 * under it, or what the owner before
				 * handed over. */
	uint32_t waiting;	/* The lcore waits for a HANDOFF. */
};

/*
 * One channel's audience, immutable once published but for its cell:
 * the local subscribers, the nodes interested in it (this node being its
 * owner), the stream this node orders it under, and what the owner
 * granted this node's interest.
 */
struct aud_entry {
	uint64_t hash;
	uint64_t stream;	/* This node's stream as the owner. */
	uint64_t ack_stream;	/* The owner's grants to this node: stream, */
	uint64_t ack_first;	/* where its fan-out started, */
	uint64_t ack_next;	/* and how far the owner had stamped. */
	struct chan_cell *cell;	/* The owner's ordering (never NULL). */
	uint32_t n_local;
	uint32_t n_nodes;
	const struct chan_dest *local;
	const uint32_t *nodes;
	uint16_t len;
	char name[RUMOR_CHANNEL_MAX];
};

/*
 * This node's secret key for the index of a channel in its tables
 * (rumor/keyed_hash.h), drawn when the process starts (chan_state.c).
 */
extern struct keyed_hash_key chan_index_key;

/*
 * The home slot of a channel hash in a table of mask + 1 slots (a power
 * of two, at most 2^32): the audience table, the lcores' channel states,
 * the handoff waits. Never the raw hash, which anyone can choose.
 */
static inline uint32_t
chan_index(uint64_t hash, uint32_t mask)
{
	return (uint32_t)keyed_hash(&chan_index_key, hash) & mask;
}

/* A removed entry's slot: probing goes on past it. */
#define AUD_TOMB ((struct aud_entry *)(uintptr_t)1)

struct aud_table {
	uint32_t mask;
	uint32_t n;		/* Live entries (control-written). */
	struct aud_entry *slot[];
};

/*
 * The entry of a channel, or NULL; a QSBR reader's pointer. The control
 * thread keeps at least a quarter of the slots empty, so a probe ends.
 */
static inline const struct aud_entry *
aud_find(const struct aud_table *t, uint64_t hash, const char *name,
		uint16_t len)
{
	for (uint32_t i = chan_index(hash, t->mask);;
			i = (i + 1) & t->mask) {
		const struct aud_entry *e = __atomic_load_n(&t->slot[i],
				__ATOMIC_ACQUIRE);

		if (e == NULL)
			return NULL;
		if (e != AUD_TOMB && e->hash == hash && e->len == len &&
				memcmp(e->name, name, len) == 0)
			return e;
	}
}

/*
 * The epoch a message's epoch compares with: the ring's if the cluster
 * agreed on it; 0 for a ring of this node's own while rumor-control runs
 * Raft (voters configured), so that a message routed under any agreed
 * epoch shows this node is behind; else none (UINT64_MAX): without Raft,
 * epochs are each node's own count and do not compare.
 */
static inline uint64_t
chan_epoch_floor(const struct ring_table *ring, uint32_t n_voters)
{
	if (ring->agreed)
		return ring->epoch;
	return n_voters > 0 ? 0 : UINT64_MAX;
}

/* The forwarding lcore that owns a channel's order state (its index). */
static inline unsigned
chan_lcore_of(uint64_t hash, unsigned n_lcores)
{
	return (unsigned)(((uint64_t)(uint32_t)hash * n_lcores) >> 32);
}

struct dp_lcore;
struct dp_port;

/* chan_audience.c, on the control thread. */
int chan_audience_init(void);
void chan_audience_free(void);
/* Serve punted messages and run the timers; returns messages taken. */
unsigned chan_audience_poll(uint64_t now_tsc);
/* Channels with local subscribers waiting for their owner's answer. */
uint32_t chan_audience_unacked(void);
uint32_t chan_audience_audiences(void);
/* After a new ring is in force on every lcore (tables.c). */
void chan_audience_ring_changed(void);
/* Limits from a reload: they take nothing away (book_set_limits). */
void chan_audience_set_limits(const struct book_limits *lim);

/* chan_dispatch.c, on the forwarding lcores. */
int chan_lcore_init(struct dp_lcore *lc);
void chan_lcore_free(struct dp_lcore *lc);
/* A frame of verdict FRAME_CHAN, received on port in. */
void chan_input(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct dp_port *in, const struct ring_table *ring,
		const struct peer_table *peers);
/*
 * DATA on an ordered channel that this node owns: true if the channel has
 * an audience and the message was taken, false to hand it to the sink.
 */
bool chan_owned(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct ring_table *ring, const struct peer_table *peers);
/*
 * DATA on an ordered channel routed under a ring newer than this node's
 * (chan_epoch_floor): held on its channel's lcore until this node's ring
 * catches up, then routed.
 */
void chan_ahead(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct ring_table *ring, const struct peer_table *peers);
/* Messages other lcores passed it (when its chan_in ring is not empty). */
void chan_lcore_drain(struct dp_lcore *lc, const struct ring_table *ring,
		const struct peer_table *peers);
/* NACK and handoff timers and the once-a-second sweep, at each TX drain. */
void chan_timers(struct dp_lcore *lc, const struct ring_table *ring,
		const struct peer_table *peers, uint64_t now);

#endif /* RUMOR_CHAN_H */
