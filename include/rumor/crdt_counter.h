/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PN-counter, a delta-state CRDT (rumor/crdt.h): for each replica that
 * has changed it, the sum of that replica's increments (p) and of its
 * decrements (n). Its value is the sum of every p less the sum of every
 * n; merge takes each replica's larger p and larger n, since a replica's
 * own sums only grow. A delta is the one entry its mutator changed.
 *
 * Canonical form: entries sorted by replica, strictly; replica ids not
 * 0; no entry with p and n both 0 (it would say nothing).
 *
 * Encoding (after rumor/crdt.h's 4-byte header, type CRDT_T_COUNTER):
 *   0 u32 count, 0 .. limits->replicas
 *   4     count entries of 20 bytes: u32 replica, u64 p, u64 n
 */
#ifndef RUMOR_CRDT_COUNTER_H
#define RUMOR_CRDT_COUNTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rumor/crdt.h"

#define CRDT_COUNTER_ENTRY_LEN 20u

struct crdt_counter_entry {
	uint32_t replica;
	uint64_t p;
	uint64_t n;
};

struct crdt_counter {
	struct crdt_counter_entry *e;	/* Sorted by replica. */
	uint32_t len;
	uint32_t cap;
};

/* The empty counter (value 0); it holds no memory until changed. */
void crdt_counter_init(struct crdt_counter *c);
void crdt_counter_free(struct crdt_counter *c);

/*
 * The value, sum p - sum n, into *v: CRDT_OK, or CRDT_OVERFLOW when it
 * is outside int64_t.
 */
enum crdt_error crdt_counter_value(const struct crdt_counter *c,
		int64_t *v);

/*
 * Add by (any int64_t: below 0 decrements) as replica (not 0). The delta
 * is written into delta (an initialised counter whose content is
 * replaced) if not NULL. CRDT_VALUE for replica 0, CRDT_OVERFLOW when
 * the replica's p or n would pass 2^64 - 1, CRDT_FULL when a new replica
 * would exceed limits->replicas, CRDT_NOMEM; on error nothing changed.
 * An increment by 0 changes nothing and its delta is empty.
 */
enum crdt_error crdt_counter_add(struct crdt_counter *c, uint32_t replica,
		int64_t by, const struct crdt_limits *limits,
		struct crdt_counter *delta);

/*
 * Join b (a state or a delta) into a. CRDT_FULL if the result would hold
 * more than limits->replicas entries, CRDT_NOMEM; a is then unchanged.
 */
enum crdt_error crdt_counter_merge(struct crdt_counter *a,
		const struct crdt_counter *b, const struct crdt_limits *limits);

bool crdt_counter_equal(const struct crdt_counter *a,
		const struct crdt_counter *b);

/* A copy of src into dst (initialised; its content is replaced). */
enum crdt_error crdt_counter_copy(struct crdt_counter *dst,
		const struct crdt_counter *src);

/* Bytes of c's encoding. */
size_t crdt_counter_encoded_len(const struct crdt_counter *c);

/*
 * Encode c into buf (cap bytes): its length, or 0 and nothing written
 * when it does not fit or c is not in canonical form.
 */
size_t crdt_counter_encode(const struct crdt_counter *c, uint8_t *buf,
		size_t cap);

/*
 * Decode buf[0..len) into out (initialised; its content is replaced),
 * reading nothing beyond len. Checks the header (SHORT, VERSION, TYPE,
 * RESERVED), the count (TOO_MANY over limits->replicas, SHORT or
 * TRAILING against len), then each entry (VALUE for replica 0 or p and n
 * both 0, ORDER). On error out is empty.
 */
enum crdt_error crdt_counter_decode(const uint8_t *buf, size_t len,
		const struct crdt_limits *limits, struct crdt_counter *out);

#endif /* RUMOR_CRDT_COUNTER_H */
