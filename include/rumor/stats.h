/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters. Each forwarding lcore owns one cache-aligned block and is its
 * only writer; readers (telemetry, the exit report) sum the blocks when
 * asked. The first FRAME_VERDICT_MAX counters are indexed by the frame
 * decoder's verdict, so the fast path counts every frame with one add.
 * What the counters are, their names and their help texts are the tables
 * of stats_table.h: a new counter is a new row there.
 */
#ifndef RUMOR_STATS_H
#define RUMOR_STATS_H

#include <stdint.h>

#include "rumor/parse.h"
#include "rumor/stats_table.h"

/* Row of a table in stats_table.h -> its enumerator. */
#define STATS_ENUM_ROW(id, name, help) id,

enum lcore_stat {
	/* 0 .. FRAME_VERDICT_MAX - 1: enum frame_verdict; ours follow. */
	STAT_VERDICT_LAST = FRAME_VERDICT_MAX - 1,
	LCORE_STAT_TABLE(STATS_ENUM_ROW)
	STAT_MAX
};

/* fwd.c counts DATA with one add at STAT_DELIVERED - hops (0 or 1). */
_Static_assert(STAT_FORWARDED == STAT_DELIVERED - 1,
		"STAT_FORWARDED must come just before STAT_DELIVERED");

/* Counters of one lcore. */
struct lcore_stats {
	uint64_t c[STAT_MAX];
} __attribute__((aligned(64)));

/* Counters of the control thread (it is their only writer). */
enum ctl_stat {
	CTL_STAT_TABLE(STATS_ENUM_ROW)
	CTL_STAT_MAX
};

#undef STATS_ENUM_ROW

/*
 * Names and help texts, from the tables; "?" for a value out of range.
 * stat_name() and stat_help() take frame verdicts too, as the counters
 * they index.
 */
const char *stat_name(enum lcore_stat s);
const char *ctl_stat_name(enum ctl_stat s);
const char *stat_help(enum lcore_stat s);
const char *ctl_stat_help(enum ctl_stat s);

#endif /* RUMOR_STATS_H */
