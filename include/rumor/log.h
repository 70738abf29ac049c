/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor-control's log: one line per event on stderr, each with a local
 * timestamp to the millisecond and its level, so that a journal or a log
 * file read later still says when membership changed.
 */
#ifndef RUMOR_CONTROL_LOG_H
#define RUMOR_CONTROL_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARNING,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
	LOG_LVL_MAX
};

/* Lines above this level are not written (default: info). */
void log_set_level(enum log_level level);

/* "error", "warning", "info" or "debug"; -1 if name is none of them. */
int log_level_parse(const char *name);

bool log_enabled(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_LVL_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif /* RUMOR_CONTROL_LOG_H */
