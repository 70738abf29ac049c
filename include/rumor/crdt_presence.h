/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Presence: who is on a channel, as an add-wins observed-remove set of
 * clients, a delta-state CRDT (rumor/crdt.h) over a dot store. Each
 * entry is one enter or update of a client: its client id, its data (up
 * to limits->data_bytes), the node that hosts its connection with that
 * node's incarnation (so that a node confirmed dead takes its clients
 * with it), and the dot (replica, counter) of the write. The causal
 * context (rumor/crdt_context.h) holds every dot the state has seen.
 *
 * enter (and update, the same) adds an entry under a new dot and removes
 * the client's entries it has seen; leave removes the client's entries
 * it has seen. Merge keeps an entry that both states hold, and one that
 * one state holds if the other has not seen its dot: so a remove removes
 * only what it observed, and an enter concurrent with a leave wins.
 * Add-wins because presence is a client's own and its latest word: a
 * leave that raced an enter of the same client on another replica is
 * the older intent, and a wrongly kept member goes at its lease or its
 * node's death, while a wrongly dropped one would be invisible.
 *
 * Concurrent updates of one client (two replicas writing it before
 * either saw the other) leave two entries of it; crdt_presence_get
 * answers the one of greater dot, the same on every replica, and the
 * next update replaces both.
 *
 * Canonical form: entries sorted by dot, strictly (a dot names one
 * write); dots, client ids and node ids not 0; every entry's dot in the
 * context; the context canonical.
 *
 * Encoding (after rumor/crdt.h's 4-byte header, type CRDT_T_PRESENCE):
 *   0     the causal context (rumor/crdt_context.h), 8 + 12 x dots
 *   then  u32 count, 0 .. limits->entries
 *   then  count entries, each 32 bytes and its data:
 *         0 u32 dot replica, 4 u64 dot counter, 12 u64 client,
 *        20 u32 node, 24 u32 incarnation, 28 u32 len (0 ..
 *         limits->data_bytes), 32 len bytes of data
 */
#ifndef RUMOR_CRDT_PRESENCE_H
#define RUMOR_CRDT_PRESENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rumor/crdt.h"
#include "rumor/crdt_context.h"

#define CRDT_PRESENCE_ENTRY_LEN 32u

struct crdt_presence_entry {
	struct crdt_dot dot;
	uint64_t client;
	uint32_t node;		/* The node hosting the client. */
	uint32_t incarnation;	/* That node's incarnation then. */
	uint32_t len;
	uint8_t *data;		/* len bytes (NULL when len is 0). */
};

struct crdt_presence {
	struct crdt_presence_entry *e;	/* Sorted by dot. */
	uint32_t len;
	struct crdt_context ctx;
};

void crdt_presence_init(struct crdt_presence *p);
void crdt_presence_free(struct crdt_presence *p);

/*
 * The entry of client, the one of greatest dot if there are several;
 * NULL if the client is not present. A walk of every member reads p->e,
 * where a client may appear more than once.
 */
const struct crdt_presence_entry *crdt_presence_get(
		const struct crdt_presence *p, uint64_t client);

/*
 * Enter or update client (not 0), hosted by node (not 0) in its
 * incarnation, with data[0..len), as replica (not 0). The delta, if
 * delta is not NULL (initialised; its content replaced), is the new
 * entry with a context of its dot and of the client's entries it
 * replaced. VALUE for an id 0, TOO_BIG over limits->data_bytes, FULL,
 * OVERFLOW (the replica's counter), NOMEM; on error p is unchanged and
 * the delta empty.
 */
enum crdt_error crdt_presence_enter(struct crdt_presence *p,
		uint32_t replica, uint64_t client, uint32_t node,
		uint32_t incarnation, const uint8_t *data, uint32_t len,
		const struct crdt_limits *limits, struct crdt_presence *delta);

/*
 * Remove client: every entry of it that p holds. The delta is no entry
 * and a context of their dots (empty when the client was not present).
 * Errors as crdt_presence_enter's.
 */
enum crdt_error crdt_presence_leave(struct crdt_presence *p, uint64_t client,
		const struct crdt_limits *limits, struct crdt_presence *delta);

/*
 * Remove every entry hosted by node in an incarnation up to incarnation:
 * when the node is confirmed dead (rumor/swim.h) or came back as a later
 * incarnation. Like a leave, it removes what p holds; an entry of the
 * node that arrives later by a merge must be removed by calling it
 * again, which the caller does while it knows the node dead. Errors as
 * crdt_presence_enter's.
 */
enum crdt_error crdt_presence_remove_node(struct crdt_presence *p,
		uint32_t node, uint32_t incarnation,
		const struct crdt_limits *limits, struct crdt_presence *delta);

/*
 * Join b (a state or a delta) into a. FULL when the result would exceed
 * limits->entries entries or the context's limits, TOO_BIG for data of b
 * over limits->data_bytes, NOMEM; a is then unchanged.
 */
enum crdt_error crdt_presence_merge(struct crdt_presence *a,
		const struct crdt_presence *b, const struct crdt_limits *limits);

bool crdt_presence_equal(const struct crdt_presence *a,
		const struct crdt_presence *b);

enum crdt_error crdt_presence_copy(struct crdt_presence *dst,
		const struct crdt_presence *src);

size_t crdt_presence_encoded_len(const struct crdt_presence *p);

/*
 * Encode p into buf (cap bytes): its length, or 0 and nothing written
 * when it does not fit or p is not canonical.
 */
size_t crdt_presence_encode(const struct crdt_presence *p, uint8_t *buf,
		size_t cap);

/*
 * Decode buf[0..len) into out (initialised; its content replaced),
 * reading nothing beyond len: the header (SHORT, VERSION, TYPE,
 * RESERVED), the context (as crdt_context_decode), the count (SHORT,
 * TOO_MANY, SHORT for less than count fixed parts), then each entry
 * (SHORT, VALUE for an id 0, ORDER, VALUE for a dot not in the context,
 * TOO_BIG, SHORT for its data), then TRAILING. On error out is empty.
 */
enum crdt_error crdt_presence_decode(const uint8_t *buf, size_t len,
		const struct crdt_limits *limits, struct crdt_presence *out);

#endif /* RUMOR_CRDT_PRESENCE_H */
