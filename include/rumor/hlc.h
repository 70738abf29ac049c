/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A hybrid logical clock (Kulkarni, Demirbas et al., "Logical Physical
 * Clocks", 2014): timestamps that follow the wall clock when it moves
 * and a logical counter when it does not, and that are never below any
 * timestamp the node has seen. Channel state stamps its last-writer-wins
 * registers with it (docs/state.md), so that a write made after another
 * was seen wins over it whatever the two nodes' wall clocks say.
 *
 * A timestamp is one u64: the top 48 bits are milliseconds since the
 * Unix epoch (enough until the year 10889), the low 16 bits a logical
 * counter. Compared as integers they order as the pairs do. When the
 * counter is full, the next tick carries into the milliseconds: the
 * clock runs at most a millisecond ahead, and stays monotonic.
 *
 * A remote timestamp more than max_drift_ms ahead of the local wall
 * clock is refused and leaves the clock as it was: otherwise one forged
 * or broken peer could push every clock it reaches to the end of time,
 * after which no write could ever win. The caller counts the refusals.
 *
 * Pure C, single-threaded: one clock per owner of state.
 */
#ifndef RUMOR_HLC_H
#define RUMOR_HLC_H

#include <stdint.h>

#define HLC_LOGICAL_BITS 16u
#define HLC_LOGICAL_MASK ((UINT64_C(1) << HLC_LOGICAL_BITS) - 1)
#define HLC_WALL_MAX ((UINT64_C(1) << (64 - HLC_LOGICAL_BITS)) - 1)

/* A default for max_drift_ms: far beyond NTP's error, far below harm. */
#define HLC_DRIFT_DEFAULT_MS 60000u

struct hlc {
	uint64_t last;		/* The last timestamp given or seen. */
	uint64_t max_drift_ms;	/* How far ahead a remote may be. */
};

/* The milliseconds and the counter of a timestamp. */
static inline uint64_t
hlc_wall(uint64_t ts)
{
	return ts >> HLC_LOGICAL_BITS;
}

static inline uint64_t
hlc_logical(uint64_t ts)
{
	return ts & HLC_LOGICAL_MASK;
}

/* The timestamp of wall_ms (at most HLC_WALL_MAX), counter 0. */
static inline uint64_t
hlc_make(uint64_t wall_ms, uint64_t logical)
{
	return wall_ms << HLC_LOGICAL_BITS | (logical & HLC_LOGICAL_MASK);
}

/* A clock at 0 that refuses remotes more than max_drift_ms ahead. */
void hlc_init(struct hlc *h, uint64_t max_drift_ms);

/*
 * A timestamp for a local event at wall clock wall_ms: above every one
 * given or seen before. 0 when the clock is exhausted (it has reached
 * UINT64_MAX, which only a wall clock beyond HLC_WALL_MAX brings).
 */
uint64_t hlc_now(struct hlc *h, uint64_t wall_ms);

/*
 * Take remote, a timestamp received, at wall clock wall_ms: the clock
 * moves above both it and what it gave before (a receive event). 0, or
 * -ERANGE with the clock unchanged when remote's milliseconds are over
 * max_drift_ms ahead of wall_ms, or the clock would be exhausted.
 */
int hlc_update(struct hlc *h, uint64_t remote, uint64_t wall_ms);

#endif /* RUMOR_HLC_H */
