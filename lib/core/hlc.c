/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hybrid logical clock (rumor/hlc.h). Timestamps are packed so that
 * Kulkarni's (l, c) rules become integer maxima: the new timestamp is
 * the wall clock's when that is ahead of everything seen, else one
 * above the largest seen, which increments c when l stays and carries
 * into l when c is full.
 */
#include <errno.h>
#include <stdint.h>

#include "rumor/hlc.h"

void
hlc_init(struct hlc *h, uint64_t max_drift_ms)
{
	h->last = 0;
	h->max_drift_ms = max_drift_ms;
}

/* The timestamp of the wall clock, which cannot go beyond 48 bits. */
static uint64_t
hlc_physical(uint64_t wall_ms)
{
	return hlc_make(wall_ms > HLC_WALL_MAX ? HLC_WALL_MAX : wall_ms, 0);
}

/* Above both seen and the wall clock pt; 0 if there is nothing above. */
static uint64_t
hlc_next(uint64_t seen, uint64_t pt)
{
	if (pt > seen)
		return pt;
	return seen == UINT64_MAX ? 0 : seen + 1;
}

uint64_t
hlc_now(struct hlc *h, uint64_t wall_ms)
{
	uint64_t t = hlc_next(h->last, hlc_physical(wall_ms));

	if (t != 0)
		h->last = t;
	return t;
}

int
hlc_update(struct hlc *h, uint64_t remote, uint64_t wall_ms)
{
	uint64_t seen = remote > h->last ? remote : h->last, t;

	/* Compared without overflow: wall_ms + drift may pass 2^64. */
	if (hlc_wall(remote) > wall_ms &&
			hlc_wall(remote) - wall_ms > h->max_drift_ms)
		return -ERANGE;
	t = hlc_next(seen, hlc_physical(wall_ms));
	if (t == 0)
		return -ERANGE;
	h->last = t;
	return 0;
}
