/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Last-writer-wins register, a delta-state CRDT (rumor/crdt.h): one
 * value of up to limits->data_bytes bytes, stamped with the hybrid
 * logical clock timestamp of its write (rumor/hlc.h) and the replica id
 * of its writer. Merge keeps the greater of the two by (ts, writer) and,
 * for two writes that agree on both (only a forged or broken writer
 * makes them), by (length, bytes): a total order, so merge is a join
 * whatever the input. A write's delta is the register it leaves.
 *
 * Why last-writer-wins rather than multi-value: its size is one value
 * whatever the concurrency, a read gets one value with no conflict to
 * resolve, and the HLC orders a writer's own writes and every write made
 * after another was seen (causality as far as one value can keep it);
 * of two truly concurrent writes one is lost, deterministically, on
 * every replica alike.
 *
 * Canonical form: the empty register has ts 0, writer 0 and no value; a
 * written one has ts and writer not 0.
 *
 * Encoding (after rumor/crdt.h's 4-byte header, type CRDT_T_REGISTER):
 *   0 u64 ts
 *   8 u32 writer
 *  12 u32 len, 0 .. limits->data_bytes (0 when ts is 0)
 *  16     len bytes of value
 */
#ifndef RUMOR_CRDT_REGISTER_H
#define RUMOR_CRDT_REGISTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rumor/crdt.h"

#define CRDT_REGISTER_FIXED_LEN 16u

struct crdt_register {
	uint64_t ts;		/* HLC of the write; 0: never written. */
	uint32_t writer;	/* Replica id of the writer; 0 if never. */
	uint32_t len;
	uint8_t *data;		/* len bytes (NULL when len is 0). */
};

void crdt_register_init(struct crdt_register *r);
void crdt_register_free(struct crdt_register *r);

/*
 * Write value[0..len) at timestamp ts as writer (both not 0). The caller
 * draws ts from its clock, which has taken every timestamp merged into
 * r (hlc_update), so that it is above r's. The delta (if not NULL, an
 * initialised register) is the register as left. CRDT_VALUE for ts or
 * writer 0, CRDT_TOO_BIG over limits->data_bytes, CRDT_STALE when
 * (ts, writer) is not above r's, CRDT_NOMEM; on error nothing changed.
 */
enum crdt_error crdt_register_set(struct crdt_register *r, uint64_t ts,
		uint32_t writer, const uint8_t *value, uint32_t len,
		const struct crdt_limits *limits, struct crdt_register *delta);

/*
 * Join b into a: a takes b's write when b's is greater. CRDT_TOO_BIG if
 * b's value is over limits->data_bytes, CRDT_NOMEM; a is then unchanged.
 */
enum crdt_error crdt_register_merge(struct crdt_register *a,
		const struct crdt_register *b, const struct crdt_limits *limits);

bool crdt_register_equal(const struct crdt_register *a,
		const struct crdt_register *b);

/* A copy of src into dst (initialised; its content is replaced). */
enum crdt_error crdt_register_copy(struct crdt_register *dst,
		const struct crdt_register *src);

size_t crdt_register_encoded_len(const struct crdt_register *r);

/*
 * Encode r into buf (cap bytes): its length, or 0 and nothing written
 * when it does not fit or r is not in canonical form.
 */
size_t crdt_register_encode(const struct crdt_register *r, uint8_t *buf,
		size_t cap);

/*
 * Decode buf[0..len) into out (initialised; its content is replaced),
 * reading nothing beyond len: the header (SHORT, VERSION, TYPE,
 * RESERVED), the fixed part (SHORT), VALUE (ts 0 with a writer or a
 * value, or a ts without a writer), TOO_BIG over limits->data_bytes,
 * SHORT or TRAILING against len. On error out is empty.
 */
enum crdt_error crdt_register_decode(const uint8_t *buf, size_t len,
		const struct crdt_limits *limits, struct crdt_register *out);

#endif /* RUMOR_CRDT_REGISTER_H */
