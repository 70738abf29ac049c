/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the channel state's data types share (docs/state.md, "Data
 * types"): their limits, their errors and the header of their encodings.
 * Each type has a header of its own: rumor/crdt_counter.h (PN-counter),
 * rumor/crdt_register.h (last-writer-wins register) and
 * rumor/crdt_presence.h (add-wins set of present clients).
 *
 * Every type is a delta-state CRDT (Almeida, Shoker and Baquero, "Delta
 * State Replicated Data Types", 2018): its states form a join
 * semilattice, a mutator returns a delta (a small state) as well as
 * applying it, and merge joins a state or a delta into another, so that
 * deltas may be lost, duplicated or reordered and whole states sent
 * instead, and replicas that have merged the same things are equal.
 *
 * Each type's state has one canonical form (arrays sorted strictly,
 * nothing that merges to nothing): two states are equal exactly when
 * their fields are, and a decoded state encodes back to the same bytes.
 *
 * Memory is bounded by struct crdt_limits: a decoder refuses counts over
 * them before it allocates, and a mutator or a merge that would exceed
 * one returns CRDT_FULL and leaves its target as it was.
 *
 * Pure C, no DPDK; single-threaded: one owner per object.
 */
#ifndef RUMOR_CRDT_H
#define RUMOR_CRDT_H

#include <stddef.h>
#include <stdint.h>

#include "rumor/enum_names.h"

/*
 * Bounds on one object. Each is also the largest its encoding may say,
 * so that a peer cannot make a node allocate beyond them.
 */
struct crdt_limits {
	uint32_t entries;	/* Presence entries, and dots of its cloud. */
	uint32_t data_bytes;	/* A register's value, a presence entry's
				 * data. */
	uint32_t key_bytes;	/* A map's key. */
	uint32_t replicas;	/* Replica ids: a counter's entries, a
				 * version vector's. */
};

/* Hard ceilings whatever the configuration says. */
#define CRDT_ENTRIES_MAX (1u << 20)
#define CRDT_DATA_MAX (1u << 16)
#define CRDT_KEY_MAX 1024u
#define CRDT_REPLICAS_MAX 4096u

/* The defaults (crdt.c): 4,096 entries, 1 KiB, 256 bytes, 64 replicas. */
void crdt_limits_default(struct crdt_limits *l);

#define CRDT_ERRORS(X)							\
	X(CRDT_OK, "ok")						\
	/* The input ends before what it says it holds. */		\
	X(CRDT_SHORT, "short")						\
	/* Bytes after the end of the encoding. */			\
	X(CRDT_TRAILING, "trailing")					\
	/* An encoding version this code does not know. */		\
	X(CRDT_VERSION, "version")					\
	/* The encoding of another type. */				\
	X(CRDT_TYPE, "type")						\
	/* A reserved field not 0. */					\
	X(CRDT_RESERVED, "reserved")					\
	/* A count over its limit (struct crdt_limits). */		\
	X(CRDT_TOO_MANY, "too many")					\
	/* A value or data over its limit. */				\
	X(CRDT_TOO_BIG, "too big")					\
	/* Entries not in strictly ascending order. */			\
	X(CRDT_ORDER, "order")						\
	/* A field out of its range (an id 0, a dot not in context). */	\
	X(CRDT_VALUE, "value")						\
	/* A mutator or merge would exceed a limit: nothing changed. */	\
	X(CRDT_FULL, "full")						\
	/* A counter would pass 2^64 - 1: nothing changed. */		\
	X(CRDT_OVERFLOW, "overflow")					\
	/* A write whose timestamp does not win: nothing changed. */	\
	X(CRDT_STALE, "stale")						\
	/* Out of memory: nothing changed. */				\
	X(CRDT_NOMEM, "no memory")

enum crdt_error {
	CRDT_ERRORS(RUMOR_ENUM_VALUE)
	CRDT_ERROR_MAX
};

const char *crdt_error_name(enum crdt_error e);

/*
 * Every encoding starts with 4 bytes:
 *   0 u8  version, CRDT_ENCODING_VERSION (1)
 *   1 u8  type (enum crdt_type)
 *   2 u16 reserved, zero
 * then the type's own part (its header). All numbers are big-endian.
 */
#define CRDT_ENCODING_VERSION 1u
#define CRDT_HDR_LEN 4u

enum crdt_type {
	CRDT_T_COUNTER = 1,
	CRDT_T_REGISTER = 2,
	CRDT_T_PRESENCE = 3,
	CRDT_T_MAP = 4,
};

#endif /* RUMOR_CRDT_H */
