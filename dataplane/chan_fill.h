/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A new owner's fill (chan_fill.c): after a failover, its history below
 * its jump copied to each member of its replica set, acknowledged per
 * sequence, before it stamps past the jump. Private to the lcores'
 * channel path.
 */
#ifndef RUMOR_CHAN_FILL_H
#define RUMOR_CHAN_FILL_H

#include <stdbool.h>
#include <stdint.h>

#include "chan_state.h"

#define CHAN_FILL_MS 2000u		/* Stamping waits that long at most. */
#define CHAN_FILL_BURST 32u		/* Sent a member, a pass. */

/* What the fill of one channel has copied to whom. */
struct chan_fill {
	uint64_t lo, top;		/* What history holds of lo .. top. */
	uint64_t floor;			/* The jump: it stamps past floor. */
	uint64_t until;			/* TSC: over by then, filled or not. */
	bool open;			/* A majority holds it (or time ran
					 * out): stamping goes on. */
	uint32_t n;			/* Members, as the set's. */
	uint32_t id[REPL_OTHERS_MAX];
	uint32_t left[REPL_OTHERS_MAX];	/* Not acknowledged yet. */
	uint64_t cursor[REPL_OTHERS_MAX];	/* The next pass starts there. */
	uint64_t done[REPL_OTHERS_MAX][CHAN_HIST / 64];	/* Bit q - lo. */
};

/*
 * s continues its stream past its floor (repl_took_over) and holds its
 * history up to top: the fill of its set (s->ro.set, prepared) starts,
 * unless it holds nothing to copy or has no replica.
 */
void repl_fill_start(struct dp_lcore *lc, struct chan_state *s,
		uint64_t top);

/*
 * The floor committed (all: the floor of all) counts from while s
 * fills: its own until a majority (all: every member) holds the fill.
 */
uint64_t repl_fill_floor(const struct chan_state *s, bool all);

/*
 * A REPL_ACK FILLED from member from, for seq. True if that moved what
 * repl_fill_floor says (then the fill may be over and freed).
 */
bool repl_fill_ack(struct dp_lcore *lc, struct chan_state *s, uint32_t from,
		uint64_t seq);

/*
 * The pass of s's fill, every CHAN_REPL_RESEND_MS: up to budget fills
 * sent, to members not holding them yet. Returns how many; ends the fill
 * once its time is up.
 */
uint32_t repl_fill_pass(struct dp_lcore *lc, struct chan_state *s,
		const struct ring_table *ring, const struct peer_table *peers,
		uint64_t now, uint32_t budget);

#endif /* RUMOR_CHAN_FILL_H */
