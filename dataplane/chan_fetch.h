/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A failover's fetch (chan_fetch.c): a new owner takes from the old set
 * what it lacks up to the majority's highest held before it continues
 * the stream. Private to the lcores' channel path.
 */
#ifndef RUMOR_CHAN_FETCH_H
#define RUMOR_CHAN_FETCH_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "chan_repl.h"

enum repl_fetch_verdict {
	REPL_FETCH_NOT,		/* Not the fetch's: m is the caller's. */
	REPL_FETCH_MORE,	/* Taken (or dropped); more to come. */
	REPL_FETCH_DONE,	/* Taken: it holds up to fo->held now. */
};

/*
 * Ask fo's holder for the next (up to CHAN_NACK_MAX) of what this node
 * lacks up to fo->held. False if it lacks nothing, or no one has it.
 */
bool repl_fetch_ask(struct dp_lcore *lc, struct repl_failover *fo,
		uint64_t hash, const char *name, uint16_t len,
		const struct ring_table *ring, const struct peer_table *peers);

/*
 * A RETRANSMIT m (header h) while fo fetches: kept as history if it is
 * the holder's answer, of the stream, next in order; the next ask sent
 * once the last one's answers are in.
 */
enum repl_fetch_verdict repl_fetch_take(struct dp_lcore *lc,
		struct repl_failover *fo, struct rte_mbuf *m,
		const struct rumor_hdr *h, const struct ring_table *ring,
		const struct peer_table *peers);

#endif /* RUMOR_CHAN_FETCH_H */
