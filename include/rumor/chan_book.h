/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread's book of channel audiences: per channel, the local
 * clients subscribed (with their leases), the nodes interested in it when
 * this node owns it (with theirs), the stream this node orders it under,
 * and this node's own interest at the owner. It applies the limits of
 * docs/channels.md and runs the leases; the dataplane publishes what
 * changed (the dirty channels) to the lcores as audience entries.
 *
 * Pure C (no DPDK): malloc'd, single-threaded, unit-tested alone.
 */
#ifndef RUMOR_CHAN_BOOK_H
#define RUMOR_CHAN_BOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rumor/chan_limits.h"	/* struct book_limits, the defaults. */
#include "rumor/chan_wire.h"
#include "rumor/keyed_hash.h"

/* A local subscriber: where deliveries go (the way its SUBSCRIBE came). */
struct book_client {
	uint32_t ip;		/* Network order. */
	uint16_t udp_port;	/* Network order. */
	uint16_t dpdk_port;
	uint8_t mac[6];
	uint64_t expiry_ms;
};

struct book_node {
	uint32_t id;
	uint64_t expiry_ms;
};

struct book_chan {
	uint64_t hash;
	uint16_t len;
	char name[RUMOR_CHANNEL_MAX];
	bool broadcast;
	struct book_client *clients;
	uint32_t n_clients, cap_clients;
	struct book_node *nodes;	/* As the owner. */
	uint32_t n_nodes, cap_nodes;
	uint64_t stream;		/* Drawn when the channel is booked. */
	/* This node's interest at the owner (ordered channels). */
	uint32_t interest_owner;	/* Where it was sent; 0: none. */
	uint64_t interest_req;		/* Its request id. */
	uint64_t interest_sent_ms;
	uint64_t interest_acked_ms;	/* 0: not answered yet. */
	bool interest_waiting;		/* The last one is unanswered. */
	uint8_t owner_status;		/* The owner's last answer. */
	uint32_t owner_limit;
	/*
	 * From the owner's grants: its stream, the first sequence it named
	 * for that stream (where this node's fan-out starts), and the last
	 * it named (how far it has stamped, for the end of a run).
	 */
	uint64_t ack_stream;
	uint64_t ack_first;
	uint64_t ack_next;
	/* Book-keeping. */
	bool dirty;			/* The audience changed. */
	void *entry;			/* What the dataplane published. */
	struct book_chan *next;		/* Hash chain. */
	struct book_chan *dirty_next;
};

/* A client's count of subscriptions. */
struct book_cl {
	uint32_t ip;
	uint16_t udp_port;
	uint32_t n;
	struct book_cl *next;
};

struct book {
	struct book_limits lim;
	struct book_chan **bucket;
	uint32_t mask;
	struct book_cl **cl_bucket;
	uint32_t cl_mask;
	uint32_t n_chans;
	uint32_t n_subs;		/* Client subscriptions in all. */
	uint32_t n_clients;		/* Distinct clients. */
	uint32_t n_owned;		/* Channels with interested nodes. */
	struct book_chan *dirty;	/* Changed since book_take_dirty. */
	uint64_t rand;			/* xorshift state for streams. */
	/*
	 * The buckets' index of a channel hash and of a client address
	 * (rumor/keyed_hash.h): drawn from the kernel by book_init, apart
	 * from the seed, whose streams go on the wire.
	 */
	struct keyed_hash_key key;
};

/* 0, or -1 without memory. seed: any number, not all zero bits. */
int book_init(struct book *b, const struct book_limits *lim, uint64_t seed);
void book_free(struct book *b);

/*
 * New limits, for the subscriptions and interests asked from now on.
 * Nothing booked is taken away: under a lowered limit, what was granted
 * stays, its refreshes are granted, and new ones are refused until the
 * count falls below the limit (unsubscribed, withdrawn or expired).
 */
void book_set_limits(struct book *b, const struct book_limits *lim);

struct book_chan *book_find(const struct book *b, uint64_t hash,
		const char *name, size_t len);

/* The lease granted for lease_ms asked: 0 is the default, else clamped. */
uint32_t book_lease(uint32_t lease_ms);

/*
 * SUBSCRIBE from client c (its expiry_ms is ignored). Returns the status;
 * on OK *granted is the lease and *refreshed tells a refresh from a new
 * subscription; on a *_LIMIT status *limit is the limit.
 */
enum chan_status book_subscribe(struct book *b, uint64_t hash,
		const char *name, size_t len, const struct book_client *c,
		uint32_t lease_ms, uint64_t now_ms, uint32_t *granted,
		uint32_t *limit, bool *refreshed);

/* UNSUBSCRIBE: CHAN_ST_OK or CHAN_ST_NOT_SUBSCRIBED. */
enum chan_status book_unsubscribe(struct book *b, uint64_t hash,
		const char *name, size_t len, uint32_t ip, uint16_t udp_port);

/*
 * INTEREST from node (this node owns the channel): lease 0 withdraws it.
 * Returns the status, *granted and *limit as for book_subscribe. The
 * channel is booked (and its stream drawn) on the first interest.
 */
enum chan_status book_interest(struct book *b, uint64_t hash,
		const char *name, size_t len, uint32_t node, uint32_t lease_ms,
		uint64_t now_ms, uint32_t *granted, uint32_t *limit);

/* What book_expire took away. */
struct book_expired {
	uint64_t subs;
	uint64_t interests;
};

/* Run the leases: take away every one that ended before now_ms. */
void book_expire(struct book *b, uint64_t now_ms, struct book_expired *out);

/*
 * An owner's INTEREST_ACK granting this node's interest in ch with stream
 * and next_seq. A grant naming a new stream sets where this node's
 * fan-out starts; later grants of the same stream (refreshes, or the new
 * owner's after a handoff) only say how far the owner has stamped, and
 * never move that start. True if ch changed (the caller touches it).
 */
bool book_ack(struct book_chan *ch, uint64_t stream, uint64_t next_seq);

/* Mark a channel changed (for fields the dataplane sets itself). */
void book_touch(struct book *b, struct book_chan *ch);

/* Take the list of changed channels (linked by dirty_next). */
struct book_chan *book_take_dirty(struct book *b);

/* True when the channel has neither local clients nor nodes. */
static inline bool
book_chan_empty(const struct book_chan *ch)
{
	return ch->n_clients == 0 && ch->n_nodes == 0;
}

/* Forget an empty channel (after its entry was withdrawn). */
void book_drop(struct book *b, struct book_chan *ch);

/* Call fn on every channel (it must not add nor drop any). */
void book_each(struct book *b, void (*fn)(struct book_chan *, void *),
		void *arg);

#endif /* RUMOR_CHAN_BOOK_H */
