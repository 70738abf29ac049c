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

static const struct stat_text verdict_text[] = {
	FRAME_VERDICT_TABLE(STATS_TEXT_ROW)
};

static const struct stat_text lcore_text[] = {
	LCORE_STAT_TABLE(STATS_TEXT_ROW)
};

static const struct stat_text ctl_text[] = {
	CTL_STAT_TABLE(STATS_TEXT_ROW)
};

#undef STATS_TEXT_ROW

/*
 * enum frame_verdict is written out in parse.h rather than made from the
 * table, so check here that the table has every verdict once, in the
 * enum's order: row i must be verdict i.
 */
#define STATS_ROW_INDEX(id, name, help) VERDICT_ROW_##id,
enum verdict_row {
	FRAME_VERDICT_TABLE(STATS_ROW_INDEX)
	VERDICT_ROWS
};
#undef STATS_ROW_INDEX

#define STATS_ROW_CHECK(id, name, help) \
	_Static_assert((int)VERDICT_ROW_##id == (int)id, \
			#id " is out of the order of enum frame_verdict");
FRAME_VERDICT_TABLE(STATS_ROW_CHECK)
#undef STATS_ROW_CHECK

_Static_assert((int)VERDICT_ROWS == (int)FRAME_VERDICT_MAX,
		"FRAME_VERDICT_TABLE lacks a verdict");

/* What a value out of range gets. */
static const struct stat_text unknown_text = { "?", "?" };

/* The row of lcore counter s, frame verdicts first. */
static const struct stat_text *
lcore_row(unsigned s)
{
	if (s < FRAME_VERDICT_MAX)
		return &verdict_text[s];
	if (s < STAT_MAX)
		return &lcore_text[s - FRAME_VERDICT_MAX];
	return &unknown_text;
}

/* The row of control-thread counter s. */
static const struct stat_text *
ctl_row(unsigned s)
{
	return s < CTL_STAT_MAX ? &ctl_text[s] : &unknown_text;
}

const char *
frame_verdict_name(enum frame_verdict v)
{
	return (unsigned)v < FRAME_VERDICT_MAX ? verdict_text[v].name : "?";
}

const char *
stat_name(enum lcore_stat s)
{
	return lcore_row(s)->name;
}

const char *
stat_help(enum lcore_stat s)
{
	return lcore_row(s)->help;
}

const char *
ctl_stat_name(enum ctl_stat s)
{
	return ctl_row(s)->name;
}

const char *
ctl_stat_help(enum ctl_stat s)
{
	return ctl_row(s)->help;
}
