/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The owner's memory of acknowledged publishes: which numbers of which
 * publishing client it has ordered on which channel, so that a retry is
 * acknowledged again and never ordered twice (docs/replication.md,
 * "Publish acknowledgements").
 *
 * One entry per (channel, client): the highest number ordered, a mask of
 * the PUB_DEDUP_WINDOW numbers below it (which of them were ordered), the
 * sequence of the highest and the highest sequence any of them got. A
 * publisher keeps at most PUB_DEDUP_WINDOW publishes in flight per
 * channel, so every retry falls in its window; one older than that is
 * refused (TOO_OLD) rather than guessed at.
 *
 * The table is set-associative, PUB_DEDUP_WAYS entries a set, indexed by
 * a keyed hash of the channel and the client (both chosen by clients, so
 * the index is keyed as every table of the node is, rumor/keyed_hash.h),
 * and a full set evicts its least recently used entry: memory is fixed
 * whatever the wire says, and an eviction is counted, since a retry for
 * an evicted entry would be ordered again.
 *
 * Pure C, single-threaded: each forwarding lcore owns one for the
 * channels it orders.
 */
#ifndef RUMOR_PUB_DEDUP_H
#define RUMOR_PUB_DEDUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rumor/keyed_hash.h"

#define PUB_DEDUP_WINDOW 64u	/* Numbers a client may have in flight. */
#define PUB_DEDUP_WAYS 4u
#define PUB_DEDUP_SETS_LOG2_MAX 20u

struct pub_dedup_entry {
	uint64_t chan;		/* The channel's key (its hash); 0: free. */
	uint64_t client;	/* Not 0. */
	uint64_t stream;	/* The stream they were ordered in. */
	uint64_t hi;		/* Highest number ordered. */
	uint64_t mask;		/* Bit i: number hi - i ordered (bit 0 set). */
	uint64_t hi_seq;	/* The sequence number hi got (the later,
				 * if it was ordered twice). */
	uint64_t max_seq;	/* The highest sequence of any of them. */
	uint64_t used;		/* The table's clock when last touched. */
};

struct pub_dedup {
	struct keyed_hash_key key;
	uint32_t sets_log2;
	uint64_t clock;
	uint64_t evicted;	/* Entries pushed out of a full set. */
	struct pub_dedup_entry *e;	/* 2^sets_log2 * PUB_DEDUP_WAYS. */
};

enum pub_dedup_verdict {
	PUB_DEDUP_NEW,		/* Not ordered yet: order it, then record. */
	PUB_DEDUP_ACK,		/* Ordered and committed: acknowledge again
				 * (seq is its sequence if known, else 0). */
	PUB_DEDUP_HOLD,		/* Ordered, not yet committed: no answer;
				 * the publisher's next retry gets one. */
	PUB_DEDUP_TOO_OLD,	/* Below the client's window: refused. */
};

/*
 * Bytes of the entries of a table of 2^sets_log2 sets (sets_log2 at most
 * PUB_DEDUP_SETS_LOG2_MAX), for the caller to allocate zeroed.
 */
size_t pub_dedup_bytes(uint32_t sets_log2);

/* A table over entries e (pub_dedup_bytes(sets_log2), zeroed). */
void pub_dedup_init(struct pub_dedup *d, struct pub_dedup_entry *e,
		uint32_t sets_log2, const struct keyed_hash_key *key);

/*
 * What to do with a publish of number (1 ..) from client (not 0) on
 * channel chan (not 0), ordered in stream (not 0) which has committed
 * every sequence up to committed. What was recorded under another stream
 * of the channel counts for nothing (the channel started again). On
 * PUB_DEDUP_ACK, *seq is the sequence it got when number is the client's
 * highest, else 0.
 */
enum pub_dedup_verdict pub_dedup_check(struct pub_dedup *d, uint64_t chan,
		uint64_t stream, uint64_t client, uint64_t number,
		uint64_t committed, uint64_t *seq);

/* Record that number of client on chan was ordered in stream as seq. */
void pub_dedup_record(struct pub_dedup *d, uint64_t chan, uint64_t stream,
		uint64_t client, uint64_t number, uint64_t seq);

#endif /* RUMOR_PUB_DEDUP_H */
