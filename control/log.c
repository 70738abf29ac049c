/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timestamped lines on stderr. Each line is formatted whole and written
 * with one call, so that lines never interleave in a shared log file.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "rumor/log.h"

static enum log_level log_level = LOG_LVL_INFO;

static const char *const log_names[LOG_LVL_MAX] = {
	[LOG_LVL_ERROR] = "error",
	[LOG_LVL_WARNING] = "warning",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

void
log_set_level(enum log_level level)
{
	log_level = level;
}

int
log_level_parse(const char *name)
{
	for (int i = 0; i < LOG_LVL_MAX; i++)
		if (strcmp(name, log_names[i]) == 0)
			return i;
	return -1;
}

bool
log_enabled(enum log_level level)
{
	return level <= log_level;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	char line[1024];
	struct timespec ts;
	struct tm tm;
	size_t n;
	va_list ap;

	if (!log_enabled(level))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%d %H:%M:%S", &tm);
	n += (size_t)snprintf(line + n, sizeof(line) - n, ".%03ld %-7s ",
			ts.tv_nsec / 1000000, log_names[level]);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	n = strlen(line);
	/* A line cut at the buffer's end still ends with a newline. */
	if (n == sizeof(line) - 1)
		n--;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0)
		return;		/* Nowhere left to report it. */
}
