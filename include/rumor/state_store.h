/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One replica's state objects of one channel (docs/state.md): counters,
 * registers, presence sets and maps, each named by its kind and its key
 * (0 to STATE_KEY_MAX bytes), each a delta-state CRDT (rumor/crdt.h).
 *
 * A write is applied as this replica and gives its delta, encoded, for
 * the other replicas; a delta or a whole state from another replica is
 * merged in, whatever order, however often. Each object has a digest,
 * the XXH3-64 of its canonical encoding (equal states encode alike), so
 * that two replicas find what differs by comparing digests
 * (anti-entropy) and repair it by sending whole states.
 *
 * Bounds: max_objects objects, each within the crdt_limits; a write or a
 * merge that would pass one is refused (CRDT_FULL, CRDT_TOO_BIG) and
 * changes nothing. Register timestamps, in registers and in maps, go
 * through the replica's hybrid logical clock: a merge carrying one more
 * than the clock's max_drift_ms ahead of the wall clock is refused
 * (CRDT_VALUE), so that no peer can push the clock past every future
 * write.
 *
 * Pure C, single-threaded: one owner per store.
 */
#ifndef RUMOR_STATE_STORE_H
#define RUMOR_STATE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rumor/crdt.h"
#include "rumor/crdt_counter.h"
#include "rumor/crdt_map.h"
#include "rumor/crdt_presence.h"
#include "rumor/crdt_register.h"
#include "rumor/hlc.h"
#include "rumor/state_wire.h"

#define STATE_STORE_OBJECTS_DEFAULT 1024u
#define STATE_STORE_OBJECTS_MAX (1u << 20)

struct state_obj {
	uint64_t key_hash;	/* XXH3-64 of the key. */
	uint8_t kind;		/* enum state_kind, not NONE. */
	uint16_t key_len;
	uint8_t *key;		/* key_len bytes; NULL when 0. */
	union {
		struct crdt_counter counter;
		struct crdt_register reg;
		struct crdt_presence presence;
		struct crdt_map map;
	} u;
};

struct state_store {
	uint32_t replica;		/* This replica's id (not 0). */
	struct crdt_limits limits;
	uint32_t max_objects;
	struct hlc clock;
	struct state_obj *obj;		/* Sorted by (key_hash, kind, key). */
	uint32_t n;
	uint32_t cap;
};

/* A write, as the wire's STATE_WRITE gives it (rumor/state_wire.h). */
struct state_write_op {
	uint8_t kind;		/* enum state_kind */
	uint8_t op;		/* enum state_op, one of kind's */
	const uint8_t *key;
	size_t key_len;
	const uint8_t *field;	/* A map's operations: the field. */
	size_t field_len;
	const uint8_t *value;	/* set, map set, enter, update. */
	size_t value_len;
	int64_t by;		/* add, map incr. */
	uint64_t client;	/* Presence: the client (not 0). */
	uint32_t node;		/* Presence: its node (not 0), */
	uint32_t incarnation;	/* and that node's incarnation. */
};

/*
 * An empty store of replica (not 0) under limits (copied), holding at
 * most max_objects objects (1 .. STATE_STORE_OBJECTS_MAX). -EINVAL for
 * arguments out of range.
 */
int state_store_init(struct state_store *st, uint32_t replica,
		const struct crdt_limits *limits, uint32_t max_objects);
void state_store_free(struct state_store *st);

/* The object (kind, key), or NULL. */
const struct state_obj *state_store_find(const struct state_store *st,
		uint8_t kind, const uint8_t *key, size_t key_len);

/*
 * Apply op as this replica, the wall clock at now_ms. *len is its
 * delta's length, 0 when the write changed nothing; the delta is
 * encoded into buf when *len <= cap, else nothing is written there (the
 * write is applied all the same: anti-entropy carries it as a whole
 * state). CRDT_TYPE for an op not of its kind, CRDT_VALUE for a field
 * where none goes (or none for a map's), CRDT_TOO_BIG for a key or a
 * field over STATE_KEY_MAX, CRDT_FULL for a new object over
 * max_objects, the type's own errors; on error nothing changed, the
 * clock included. A write that changes nothing makes no object.
 *
 * The replica id is the writer of every delta: two lives of one node
 * that do not share their state must not share an id (a node that
 * comes back empty writes under a new one), or the sums and dots of the
 * new life start below what the others hold of the old, and merges keep
 * the old (docs/state.md, "Simulator").
 */
enum crdt_error state_store_write(struct state_store *st,
		const struct state_write_op *op, uint64_t now_ms, uint8_t *buf,
		size_t cap, size_t *len);

/*
 * Merge enc[0..len), a delta or a whole state of object (kind, key),
 * the wall clock at now_ms: decoded under the store's limits (the
 * decoders' errors), CRDT_TYPE for an encoding of another kind,
 * CRDT_VALUE for a register timestamp the clock refuses, CRDT_FULL for
 * a new object over max_objects, the merges' errors; on error nothing
 * changed, the clock included. What merges to an empty object makes
 * none. *changed (if not NULL) says whether the object changed.
 */
enum crdt_error state_store_merge(struct state_store *st, uint8_t kind,
		const uint8_t *key, size_t key_len, const uint8_t *enc,
		size_t len, uint64_t now_ms, bool *changed);

/*
 * The whole state of (kind, key) encoded into buf (cap bytes), *len its
 * length; the empty object's when the store holds none. CRDT_SHORT when
 * it does not fit, CRDT_VALUE for a kind out of range.
 */
enum crdt_error state_store_encode(const struct state_store *st,
		uint8_t kind, const uint8_t *key, size_t key_len, uint8_t *buf,
		size_t cap, size_t *len);

/* The digest of o: XXH3-64 of its canonical encoding, never 0. */
uint64_t state_store_digest(const struct state_obj *o);

/* The digest of (kind, key) in st, 0 when st holds no such object. */
uint64_t state_store_digest_of(const struct state_store *st, uint8_t kind,
		const uint8_t *key, size_t key_len);

/* A counter's value (0 when absent); CRDT_OVERFLOW outside int64_t. */
enum crdt_error state_store_counter_value(const struct state_store *st,
		const uint8_t *key, size_t key_len, int64_t *v);

#endif /* RUMOR_STATE_STORE_H */
