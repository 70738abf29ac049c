/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * How rumor-control's counter structs are made: each struct's counters are
 * one table beside it (swim.h, seal.h, admin.h, raft.h, control_stats.h),
 * and the struct's fields, the lines `rumorctl stats` prints and the help
 * texts all come from that table. Adding a counter is adding its row.
 * (The dataplane's counters are enums instead: stats_table.h.)
 *
 * A table is an X-macro: TABLE(X) expands X(field, name, help) once per
 * row, in order. field is the struct's uint64_t member; name is the line
 * `rumorctl stats` prints after "control." (Raft's tables excepted: they
 * print as `rumorctl raft` shows them, and stats adds "raft_"); help says
 * what it counts in at most COUNTERS_HELP_MAX bytes. Names are part of the
 * interface (tests, scripts and docs grep them): change one only with all
 * of those.
 */
#ifndef RUMOR_COUNTERS_H
#define RUMOR_COUNTERS_H

#include <stdint.h>

/* A help text fits one line of a table, as the dataplane's do. */
#define COUNTERS_HELP_MAX 59

/* A row as a member of its struct: TABLE(COUNTERS_FIELD). */
#define COUNTERS_FIELD(field, name, help) uint64_t field;

#endif /* RUMOR_COUNTERS_H */
