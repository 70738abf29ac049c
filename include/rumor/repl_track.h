/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replication progress (docs/replication.md, "Replication"): the owner's
 * view of how far each replica of a channel holds its stream, from
 * which it knows what is committed (held by a majority of the replica
 * set, the owner included) and what every replica holds; and a
 * replica's view of what it received, from which it says how far it
 * holds.
 *
 * Every number is a sequence of one stream. A replica's held is the
 * highest sequence s such that it holds every one from its first to s;
 * it takes up a stream only at a sequence at most one past the owner's
 * committed (what it then lacks below is committed already, held by a
 * majority without it), so that counting its held never makes a
 * sequence look committed that a majority does not hold.
 *
 * Pure C, no allocation: the dataplane keeps one of each per channel
 * state, the simulator and the tests drive them directly.
 */
#ifndef RUMOR_REPL_TRACK_H
#define RUMOR_REPL_TRACK_H

#include <stdbool.h>
#include <stdint.h>

#include "rumor/ring_replicas.h"

#define REPL_WINDOW 64u		/* W: stamped at most committed + W. */
#define REPL_OTHERS_MAX (RING_REPLICAS_MAX - 1)

/* The owner's replicas of one stream: the set but itself. */
struct repl_owner {
	uint32_t n;			/* Replicas besides the owner. */
	uint32_t id[REPL_OTHERS_MAX];
	uint64_t held[REPL_OTHERS_MAX];
};

/* A set of the n (0 .. REPL_OTHERS_MAX) replicas id[], none holding. */
void repl_owner_init(struct repl_owner *o, const uint32_t *id, uint32_t n);

/*
 * A REPL_ACK from replica id saying held, the owner having stamped up
 * to stamped: its held moves up (capped at stamped; never down, acks
 * are cumulative and may come out of order). Returns 1 if it moved, 0
 * if not, -1 if id is not a replica of the set.
 */
int repl_owner_ack(struct repl_owner *o, uint32_t id, uint64_t held,
		uint64_t stamped);

/*
 * The highest sequence a majority of the set (n + 1 members, the owner
 * holding all up to stamped) holds; stamped itself without replicas.
 */
uint64_t repl_owner_committed(const struct repl_owner *o, uint64_t stamped);

/* The highest sequence every member of the set holds. */
uint64_t repl_owner_all(const struct repl_owner *o, uint64_t stamped);

/* Members of the set (the owner included) that hold seq. */
uint32_t repl_owner_holding(const struct repl_owner *o, uint64_t seq,
		uint64_t stamped);

/* What a replica received of one stream. */
struct repl_recv {
	uint64_t stream;	/* 0: none. */
	uint64_t first;		/* The oldest sequence held. */
	uint64_t held;		/* Held from first to here. */
	uint64_t above;		/* Bit i: held + 1 + i received. */
};

enum repl_recv_verdict {
	REPL_RECV_NEW,		/* Keep it: seq is new (held may move). */
	REPL_RECV_DUP,		/* Held already, or below first. */
	REPL_RECV_FAR,		/* Beyond held + REPL_WINDOW, or a stream
				 * it may not take up there: dropped. */
};

/*
 * A REPLICATE of (stream, seq) whose committed is committed (as the
 * owner said). Another stream than the one held replaces it, from seq,
 * if seq <= committed + 1; the caller then drops what it kept of the
 * old one (*restarted true). In the same stream, a seq past a hole that
 * is all committed (seq <= committed + 1) moves first and held to seq:
 * what the replica lacks there a majority holds, or never existed (a
 * new owner's jump past a failover).
 */
enum repl_recv_verdict repl_recv_take(struct repl_recv *r, uint64_t stream,
		uint64_t seq, uint64_t committed, bool *restarted);

#endif /* RUMOR_REPL_TRACK_H */
