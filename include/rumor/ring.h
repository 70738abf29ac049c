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

struct ring_replicas;

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
	/*
	 * The replicas of each slot (rumor/ring_replicas.h), as wide as the
	 * largest R the configuration names, or NULL (R = 1 everywhere).
	 * Set by the publisher, in the table's own allocation.
	 */
	const struct ring_replicas *replicas;
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

/*
 * The fraction of the hash space whose owner differs between the slots
 * a[0..sa) of one table and b[0..sb) of another: exact, since slot i of a
 * table of size s holds the hashes in [i/s, (i+1)/s) of the space.
 */
double ring_moved_fraction(const uint32_t *a, uint32_t sa, const uint32_t *b,
		uint32_t sb);

/*
 * Pieces of the construction (ring.c), shared with rumor-ringlab, which
 * measures it against other candidates, and with the replica table
 * (ring_replicas.h), which walks the same points.
 */

/* The smallest prime above x. */
uint32_t ring_prime_above(uint32_t x);

/* qsort order of members: by id. */
int ring_member_cmp(const void *a, const void *b);

/* The finalizer of splitmix64, which places a member's points. */
static inline uint64_t
ring_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

/* The weight of members m[0..n). */
uint64_t ring_weight_sum(const struct ring_member *m, uint32_t n);

/*
 * Check members in[0..n) as ring_table_build does and return in *out a
 * malloc'd copy sorted by id: 0, or -1 with errno EINVAL (the same
 * refusals) or ENOMEM.
 */
int ring_members_sorted(const struct ring_member *in, uint32_t n,
		struct ring_member **out);

/*
 * The points of members m[0..n) (sorted by id, checked) in ring order:
 * a malloc'd array of *np keys, each a place on the hash ring (high 48
 * bits) and the index in m of the member it belongs to (low 16 bits).
 * Every member has at least one point. NULL without memory.
 */
#define RING_POINT_IDX_BITS 16
uint64_t *ring_points(const struct ring_member *m, uint32_t n, uint32_t *np);

/* The index in m of the member a point belongs to. */
static inline uint32_t
ring_point_member(uint64_t key)
{
	return (uint32_t)(key & ((1u << RING_POINT_IDX_BITS) - 1));
}

/* The slot a point's place falls in, as the fast path maps hashes. */
static inline uint32_t
ring_point_slot(uint64_t key, uint32_t size)
{
	return (uint32_t)(((unsigned __int128)key * size) >> 64);
}

/*
 * at[s] for each of the size slots: the first point (index in pt[0..np),
 * sorted) at or after the slot's start, wrapping to 0. A slot asks the
 * members of pt[at[s]], pt[at[s] + 1], ... in turn.
 */
void ring_slot_starts(const uint64_t *pt, uint32_t np, uint32_t size,
		uint32_t *at);

/*
 * A slot a member holds, and how much the member wants it: the smaller
 * dist, the more (ties: the smaller slot). A member's held slots are a
 * heap with the least wanted on top.
 */
struct ring_held {
	uint64_t dist;
	uint32_t slot;
};

/*
 * The member whose held slots are h[0..*load) (room for cap + 1) takes
 * slot at dist. Over its cap it lets the least wanted go: that slot is
 * returned (slot itself, maybe), else UINT32_MAX.
 */
uint32_t ring_held_take(struct ring_held *h, uint32_t *load, uint32_t cap,
		uint64_t dist, uint32_t slot);

#endif /* RUMOR_RING_H */
