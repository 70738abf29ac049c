/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ring's replica table (docs/replication.md, "Placement"): for each
 * slot of a ring table, the R-1 members after its owner that hold its
 * channels' replicas. Every slot asks the members of the points after its
 * start in turn, and its owner is the first that accepted it; its
 * replicas are the next R-1 distinct members of that same list, the ones
 * it would ask next if its owner went away. With zones, members of zones
 * not yet in the set come first.
 *
 * Like the ring table it is a pure function of the member set (ids,
 * weights, zones) and R, built off the fast path beside the owners and
 * read with one load per lookup.
 */
#ifndef RUMOR_RING_REPLICAS_H
#define RUMOR_RING_REPLICAS_H

#include <stddef.h>
#include <stdint.h>

#include "rumor/ring.h"

#define RING_REPLICAS_MAX 5u	/* R, the owner included. */

struct ring_replicas {
	uint64_t epoch;		/* The ring table's. */
	uint32_t size;		/* Slots, as the ring table's. */
	uint32_t width;		/* R - 1: ids per slot, 0 to 4. */
	/*
	 * id[slot * width + k - 1]: replica k of the slot, or 0 where the
	 * ring has fewer than k members besides the owner.
	 */
	uint32_t id[];
};

/* Bytes to allocate for a table of `slots` slots and replication r. */
size_t ring_replicas_bytes(uint32_t slots, unsigned r);

/*
 * Fill out (ring_replicas_bytes(t->size, r) bytes) for the ring table t,
 * built from members m[0..n), whose failure zones are zone[0..n) (zone[i]
 * is m[i]'s; 0 is no zone, and counts as one zone of its own; zone may
 * be NULL: no zones). r is R, 1 to RING_REPLICAS_MAX. Returns 0, or -1
 * with errno EINVAL when r is out of range, the members are refused as
 * by ring_table_build, or t cannot have been built from them (its size,
 * its member count or an owner differs); ENOMEM.
 */
int ring_replicas_build(struct ring_replicas *out, const struct ring_table *t,
		const struct ring_member *m, const uint8_t *zone, uint32_t n,
		unsigned r);

/* Replica k (1 to R-1) of a slot: a node id, or 0 if there is none. */
static inline uint32_t
ring_replica(const struct ring_replicas *r, uint32_t slot, unsigned k)
{
	return r->id[(size_t)slot * r->width + k - 1];
}

#endif /* RUMOR_RING_REPLICAS_H */
