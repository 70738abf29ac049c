/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The causal context of a dot store (rumor/crdt_presence.h, and the map
 * to come): the set of dots, (replica, counter) pairs naming each write,
 * that a state has seen, whether the write is still there or was
 * removed. It is what lets an add-wins set tell "removed here" from "not
 * yet seen here" without keeping tombstones.
 *
 * Kept compact as in Almeida, Shoker and Baquero's delta-state CRDTs: a
 * version vector (for each replica, the highest counter c such that
 * every dot 1 .. c of it is seen) and a dot cloud, the dots seen beyond
 * it (a delta may arrive before the ones before it). Canonical form:
 * the vector sorted by replica, strictly, with replica ids and counters
 * not 0; the cloud sorted by (replica, counter), strictly, each dot above
 * its replica's counter + 1 (one just above is moved into the vector).
 *
 * Encoding, a part of its dot store's (no header of its own):
 *   0 u32 vv_len, 0 .. limits->replicas
 *   4 u32 cloud_len, 0 .. limits->entries
 *   8     vv_len dots, then cloud_len dots, 12 bytes each:
 *         u32 replica, u64 counter
 */
#ifndef RUMOR_CRDT_CONTEXT_H
#define RUMOR_CRDT_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rumor/crdt.h"

#define CRDT_DOT_LEN 12u
#define CRDT_CONTEXT_FIXED_LEN 8u

struct crdt_dot {
	uint32_t replica;
	uint64_t counter;
};

struct crdt_context {
	struct crdt_dot *vv;	/* Sorted by replica. */
	uint32_t vv_len;
	struct crdt_dot *cloud;	/* Sorted by (replica, counter). */
	uint32_t cloud_len;
};

/* -1, 0 or 1 as a is before, equal to or after b in (replica, counter). */
static inline int
crdt_dot_cmp(const struct crdt_dot *a, const struct crdt_dot *b)
{
	if (a->replica != b->replica)
		return a->replica < b->replica ? -1 : 1;
	if (a->counter != b->counter)
		return a->counter < b->counter ? -1 : 1;
	return 0;
}

void crdt_context_init(struct crdt_context *c);
void crdt_context_free(struct crdt_context *c);

/* Whether c has seen dot d. */
bool crdt_context_has(const struct crdt_context *c, const struct crdt_dot *d);

/*
 * The next dot of replica: one above the highest of its that c has
 * seen. CRDT_OVERFLOW if that is UINT64_MAX already.
 */
enum crdt_error crdt_context_next(const struct crdt_context *c,
		uint32_t replica, struct crdt_dot *d);

/*
 * Join b into a, then compact. b need not be canonical (its cloud,
 * sorted all the same, may hold dots its vector covers or ones just
 * above it), so that a caller may build a context from a list of dots. CRDT_FULL when the result
 * would hold more than limits->replicas vector entries or
 * limits->entries cloud dots, CRDT_NOMEM; a is then unchanged.
 */
enum crdt_error crdt_context_join(struct crdt_context *a,
		const struct crdt_context *b, const struct crdt_limits *limits);

/* Add the dot d to c: crdt_context_join of c and {d}. */
enum crdt_error crdt_context_add(struct crdt_context *c,
		const struct crdt_dot *d, const struct crdt_limits *limits);

bool crdt_context_equal(const struct crdt_context *a,
		const struct crdt_context *b);

enum crdt_error crdt_context_copy(struct crdt_context *dst,
		const struct crdt_context *src);

size_t crdt_context_encoded_len(const struct crdt_context *c);

/*
 * Write c at buf, which has crdt_context_encoded_len(c) bytes (its
 * caller checked): the length written, or 0 and nothing written if c is
 * not canonical.
 */
size_t crdt_context_encode(const struct crdt_context *c, uint8_t *buf);

/*
 * Decode a context from the start of buf[0..len) into out (initialised;
 * its content replaced), reading nothing beyond len; *used is how many
 * bytes it took. SHORT, then TOO_MANY over the limits, SHORT again for
 * the dots, then for each dot VALUE (a replica or counter 0; a cloud dot
 * its vector covers or that is just above it) or ORDER. On error out is
 * empty.
 */
enum crdt_error crdt_context_decode(const uint8_t *buf, size_t len,
		const struct crdt_limits *limits, struct crdt_context *out,
		size_t *used);

#endif /* RUMOR_CRDT_CONTEXT_H */
