/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Map: keys of 1 .. limits->key_bytes bytes to PN-counters or
 * last-writer-wins registers, a delta-state CRDT (rumor/crdt.h) over a
 * dot store, as presence is (rumor/crdt_presence.h). Each key holds
 * records, one per write that is still there: the write's dot (replica,
 * counter), its type, and its payload. The causal context
 * (rumor/crdt_context.h) holds every dot the state has seen, so that a
 * remove removes exactly the records it observed and a write concurrent
 * with it wins: a key is kept alive by its records (add-wins), and one
 * with no record left is gone, its value with it, so that a write after
 * a remove starts from an empty counter or register.
 *
 * The values are made of dots too, which is what resets them: a value
 * merged as a whole (a counter's max per replica) would bring a removed
 * key's old value back with the first concurrent write.
 *
 * - A register write as replica r at HLC timestamp ts: one record of its
 *   own, (ts, value), its writer being its dot's replica; it replaces
 *   every record of the key it has seen. Concurrent writes leave a
 *   record each, and the key reads as the greatest by (ts, dot), as a
 *   crdt_register would keep; the next write replaces them all.
 * - A counter increment or decrement as replica r: one record (p, n)
 *   per replica, the sums of that replica's increments and decrements
 *   since the key was last reset as it saw it. An increment replaces
 *   r's record by one under a new dot with the sums carried on. The key
 *   reads as the sum of every record's p - n. The price of one record
 *   per replica rather than one per increment: a remove concurrent with
 *   r's increment leaves r's whole carried sum, not only the increment.
 * - remove: no record, a context of the key's records' dots.
 *
 * A key's type is fixed by its first write; a write of the other type is
 * refused (CRDT_TYPE) while the key holds a record. Two first writes of
 * different types made concurrently leave records of both: the key is
 * of the type of its greatest dot (the same on every replica), the
 * other type's records are not read, and the key's next write removes
 * them.
 *
 * Canonical form: keys strictly ascending by their bytes (a key before
 * every longer key it begins), each 1 .. key_bytes long and holding at
 * least one record; a key's records strictly ascending by dot; every dot
 * not 0, in the context, and in one record of the whole map; a counter
 * record's p and n not both 0, a register record's ts not 0; the
 * context canonical.
 *
 * Bounds: limits->entries records in all (so keys too), key_bytes a key,
 * data_bytes a register's value; the context's as crdt_context's.
 *
 * Encoding (after rumor/crdt.h's 4-byte header, type CRDT_T_MAP):
 *   0     the causal context (rumor/crdt_context.h), 8 + 12 x dots
 *   then  u32 keys, 0 .. limits->entries
 *   then  each key: u32 key_len (1 .. key_bytes), key_len bytes,
 *         u32 count (1 .. entries, all keys' counts at most entries),
 *         count records:
 *           0 u32 dot replica, 4 u64 dot counter, 12 u32 type
 *           (CRDT_T_COUNTER or CRDT_T_REGISTER), 16 then
 *           counter:  u64 p, u64 n
 *           register: u64 ts, u32 len (0 .. data_bytes), len bytes
 */
#ifndef RUMOR_CRDT_MAP_H
#define RUMOR_CRDT_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rumor/crdt.h"
#include "rumor/crdt_context.h"

#define CRDT_MAP_REC_LEN 16u		/* A record's dot and type. */
#define CRDT_MAP_COUNTER_LEN 16u	/* A counter record's p, n. */
#define CRDT_MAP_REGISTER_LEN 12u	/* A register record's ts, len. */

struct crdt_map_rec {
	struct crdt_dot dot;
	uint32_t type;		/* CRDT_T_COUNTER or CRDT_T_REGISTER. */
	uint64_t p, n;		/* A counter's; 0 in a register. */
	uint64_t ts;		/* A register's HLC; 0 in a counter. */
	uint32_t len;		/* A register's value, */
	uint8_t *data;		/* len bytes (NULL when len is 0). */
};

struct crdt_map_key {
	uint8_t *key;
	uint32_t key_len;
	struct crdt_map_rec *rec;	/* len records in the map's rec,
					 * sorted by dot. */
	uint32_t len;
};

/*
 * Every record in one array, key after key, so that a merge builds two
 * arrays whatever the number of keys, and rec_len is the count that
 * limits->entries bounds.
 */
struct crdt_map {
	struct crdt_map_key *k;		/* Sorted by key. */
	uint32_t len;
	struct crdt_map_rec *rec;
	uint32_t rec_len;
	struct crdt_context ctx;
};

void crdt_map_init(struct crdt_map *m);
void crdt_map_free(struct crdt_map *m);

/* The key key[0..key_len), NULL if m does not hold it. */
const struct crdt_map_key *crdt_map_find(const struct crdt_map *m,
		const uint8_t *key, uint32_t key_len);

/* A held key's type: CRDT_T_COUNTER or CRDT_T_REGISTER. */
enum crdt_type crdt_map_key_type(const struct crdt_map_key *k);

/*
 * The counter at key into *v, 0 for a key m does not hold. CRDT_TYPE
 * when the key is a register, CRDT_OVERFLOW when the value is outside
 * int64_t.
 */
enum crdt_error crdt_map_counter_value(const struct crdt_map *m,
		const uint8_t *key, uint32_t key_len, int64_t *v);

/*
 * The register at key: the record of its greatest write, whose writer
 * is dot.replica, value data[0..len). NULL when m does not hold the key
 * or it is a counter.
 */
const struct crdt_map_rec *crdt_map_register(const struct crdt_map *m,
		const uint8_t *key, uint32_t key_len);

/*
 * Write value[0..len) into the register at key, at timestamp ts as
 * replica (both not 0); the caller draws ts from its clock, which has
 * taken every timestamp merged into m (as for crdt_register_set). The
 * delta, if delta is not NULL (initialised; its content replaced), is
 * the key with the new record and a context of its dot and of the
 * records it replaced. VALUE for an id, ts or key length 0, TOO_BIG for
 * a key over key_bytes or a value over data_bytes, TYPE for a counter
 * key, STALE when (ts, replica) is not above the register's, FULL,
 * OVERFLOW (the replica's counter), NOMEM; on error m is unchanged and
 * the delta empty.
 */
enum crdt_error crdt_map_set(struct crdt_map *m, uint32_t replica,
		const uint8_t *key, uint32_t key_len, uint64_t ts,
		const uint8_t *value, uint32_t len,
		const struct crdt_limits *limits, struct crdt_map *delta);

/*
 * Add by (below 0 decrements) to the counter at key as replica (not 0).
 * The delta is the key with replica's new record and a context of its
 * dot and of the records it replaced. By 0 changes nothing and its
 * delta is empty. Errors as crdt_map_set's, TYPE for a register key and
 * OVERFLOW also for the replica's p or n passing 2^64 - 1.
 */
enum crdt_error crdt_map_add(struct crdt_map *m, uint32_t replica,
		const uint8_t *key, uint32_t key_len, int64_t by,
		const struct crdt_limits *limits, struct crdt_map *delta);

/*
 * Remove key: every record of it that m holds. The delta is no key and
 * a context of their dots (empty when m does not hold the key). VALUE,
 * TOO_BIG for the key's length, FULL, NOMEM.
 */
enum crdt_error crdt_map_remove(struct crdt_map *m, const uint8_t *key,
		uint32_t key_len, const struct crdt_limits *limits,
		struct crdt_map *delta);

/*
 * Join b (a state or a delta) into a. FULL when the result would hold
 * more than limits->entries records or exceed the context's limits,
 * TOO_BIG for a key or a value of b over its limit, NOMEM; a is then
 * unchanged.
 */
enum crdt_error crdt_map_merge(struct crdt_map *a, const struct crdt_map *b,
		const struct crdt_limits *limits);

bool crdt_map_equal(const struct crdt_map *a, const struct crdt_map *b);

enum crdt_error crdt_map_copy(struct crdt_map *dst, const struct crdt_map *src);

size_t crdt_map_encoded_len(const struct crdt_map *m);

/*
 * Encode m into buf (cap bytes): its length, or 0 and nothing written
 * when it does not fit or m is not canonical.
 */
size_t crdt_map_encode(const struct crdt_map *m, uint8_t *buf, size_t cap);

/*
 * Decode buf[0..len) into out (initialised; its content replaced),
 * reading nothing beyond len: the header (SHORT, VERSION, TYPE,
 * RESERVED), the context (as crdt_context_decode), the key count
 * (SHORT, TOO_MANY, SHORT for less than that many smallest keys), then
 * each key: its length (SHORT, VALUE for 0, TOO_BIG), its bytes (SHORT,
 * ORDER), its record count (SHORT, VALUE for 0, TOO_MANY for a total
 * over entries, SHORT for less than that many fixed parts), each record
 * (SHORT, VALUE for a dot 0, ORDER, VALUE for a dot not in the context,
 * for a type not a counter's or a register's, for p and n 0 or ts 0,
 * TOO_BIG for a value over data_bytes, SHORT for its bytes), then VALUE
 * for a dot in two records, then TRAILING. On error out is empty.
 */
enum crdt_error crdt_map_decode(const uint8_t *buf, size_t len,
		const struct crdt_limits *limits, struct crdt_map *out);

#endif /* RUMOR_CRDT_MAP_H */
