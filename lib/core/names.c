/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Names and help texts of verdicts and counters, as telemetry and reports
 * show them: built from the tables of stats_table.h.
 */
#include "rumor/stats.h"

/* What a table row says of its counter. */
struct stat_text {
	const char *name;
	const char *help;
};

#define STATS_TEXT_ROW(id, name, help) { name, help },

/* An lcore's counters: the frame verdicts first (enum lcore_stat). */
static const struct stat_text lcore_text[] = {
	FRAME_VERDICT_TABLE(STATS_TEXT_ROW)
	LCORE_STAT_TABLE(STATS_TEXT_ROW)
};

static const struct stat_text ctl_text[] = {
	CTL_STAT_TABLE(STATS_TEXT_ROW)
};

#undef STATS_TEXT_ROW

/* Row s of a table of n, or "?" for both texts out of range. */
static const struct stat_text *
stats_row(const struct stat_text *rows, unsigned n, unsigned s)
{
	static const struct stat_text unknown = { "?", "?" };

	return s < n ? &rows[s] : &unknown;
}

const char *
frame_verdict_name(enum frame_verdict v)
{
	return stats_row(lcore_text, FRAME_VERDICT_MAX, v)->name;
}

/*
 * The name and help lookups of a table: stat_name() and stat_help() of
 * an lcore counter, ctl_stat_name() and ctl_stat_help() of a control
 * thread's (stats.h).
 */
#define STATS_TEXT_LOOKUPS(prefix, type, rows, n)			\
	const char *prefix##_name(type s)				\
	{								\
		return stats_row(rows, n, s)->name;			\
	}								\
	const char *prefix##_help(type s)				\
	{								\
		return stats_row(rows, n, s)->help;			\
	}

STATS_TEXT_LOOKUPS(stat, enum lcore_stat, lcore_text, STAT_MAX)
STATS_TEXT_LOOKUPS(ctl_stat, enum ctl_stat, ctl_text, CTL_STAT_MAX)

#undef STATS_TEXT_LOOKUPS
