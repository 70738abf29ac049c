/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ring table: which member owns a channel. It is a pure function of
 * the member set (ids and weights), so every node that holds the same
 * members builds the same table, whatever order it learnt them in.
 *
 * A channel's 64-bit hash (XXH3 of its name) picks one of `size` slots by
 * a multiply-shift (no division), and the slot holds the owner's node id:
 * one load per lookup. The table is built off the fast path and published
 * whole; readers never see it change.
 */
#ifndef RUMOR_RING_H
#define RUMOR_RING_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

/* A member as the ring sees it. */
struct ring_member {
	uint32_t id;		/* Node id, non-zero and unique. */
	uint32_t weight;	/* Relative share of channels, 1..RING_WEIGHT_MAX. */
};

#define RING_WEIGHT_MAX 1000u
#define RING_MEMBERS_MAX 65535u
#define RING_SLOTS_PER_MEMBER 1024u	/* Slots per member, up to 2^23. */

struct ring_table {
	uint64_t epoch;		/* Ring epoch this table was built for. */
	uint32_t size;		/* Number of slots: a prime, see ring.c. */
	uint32_t n_members;
	/*
	 * The table this one replaced, or NULL: who owned a channel before,
	 * for the handoff of docs/channels.md. Set by the publisher; a
	 * reader looks one step back only, never at prev->prev.
	 */
	const struct ring_table *prev;
	/*
	 * epoch is one the cluster agreed on (a committed Raft epoch), so
	 * that it compares with the epoch other nodes' messages carry; a
	 * static or locally numbered ring's does not.
	 */
	bool agreed;
	uint32_t slot[];	/* Owner node id of each slot. */
};

/* XXH3-64 of a channel name: the hash every rumor header carries. */
uint64_t ring_channel_hash(const void *name, size_t len);

/* The slot a channel hash falls in: floor(hash * size / 2^64). */
static inline uint32_t
ring_slot(const struct ring_table *t, uint64_t hash)
{
	return (uint32_t)(((unsigned __int128)hash * t->size) >> 64);
}

/* The node id that owns a channel hash. */
static inline uint32_t
ring_owner(const struct ring_table *t, uint64_t hash)
{
	return t->slot[ring_slot(t, hash)];
}

/* Number of slots a table for these members has (0 if none). */
uint32_t ring_table_slots(const struct ring_member *m, uint32_t n);

/* Bytes to allocate for a table of `slots` slots. */
size_t ring_table_bytes(uint32_t slots);

/*
 * Fill t (ring_table_bytes(ring_table_slots(m, n)) bytes) for members m.
 * Returns 0, or -1 with errno EINVAL when a member set is empty, has a zero
 * or duplicate id, or a weight out of range.
 */
int ring_table_build(struct ring_table *t, const struct ring_member *m,
		uint32_t n, uint64_t epoch);

#endif /* RUMOR_RING_H */
