/* SPDX-License-Identifier: BSD-3-Clause */
/* The admin request parser (admin_req.h). */
#include <stdbool.h>
#include <string.h>

#include "admin_req.h"

static const char *const admin_cmd_names[ADMIN_CMD_MAX] = {
	[ADMIN_CMD_NONE] = "?",
	[ADMIN_CMD_MEMBERS] = "members",
	[ADMIN_CMD_STATS] = "stats",
	[ADMIN_CMD_RAFT] = "raft",
};

static const char *const admin_verdict_names[ADMIN_REQ_VERDICT_MAX] = {
	[ADMIN_REQ_OK] = "ok",
	[ADMIN_REQ_EMPTY] = "empty",
	[ADMIN_REQ_TOO_LONG] = "too_long",
	[ADMIN_REQ_BINARY] = "binary",
	[ADMIN_REQ_UNKNOWN] = "unknown",
	[ADMIN_REQ_ARGS] = "args",
};

static bool
admin_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

enum admin_verdict
admin_req_parse(const char *buf, size_t len, enum admin_cmd *cmd)
{
	size_t start = 0, end, word;

	*cmd = ADMIN_CMD_NONE;
	if (len > ADMIN_REQ_MAX)
		return ADMIN_REQ_TOO_LONG;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (!admin_blank((char)c) && (c < 0x21 || c > 0x7e))
			return ADMIN_REQ_BINARY;
	}
	while (start < len && admin_blank(buf[start]))
		start++;
	end = len;
	while (end > start && admin_blank(buf[end - 1]))
		end--;
	if (start == end)
		return ADMIN_REQ_EMPTY;
	/* The command word ends at the first blank. */
	for (word = start; word < end && !admin_blank(buf[word]); word++)
		;
	for (int c = ADMIN_CMD_NONE + 1; c < ADMIN_CMD_MAX; c++) {
		const char *name = admin_cmd_names[c];

		if (strlen(name) != word - start ||
				memcmp(name, buf + start, word - start) != 0)
			continue;
		if (word != end)
			return ADMIN_REQ_ARGS;
		*cmd = (enum admin_cmd)c;
		return ADMIN_REQ_OK;
	}
	return ADMIN_REQ_UNKNOWN;
}

const char *
admin_verdict_name(enum admin_verdict v)
{
	return (unsigned)v < ADMIN_REQ_VERDICT_MAX ?
			admin_verdict_names[v] : "?";
}

const char *
admin_cmd_name(enum admin_cmd c)
{
	return (unsigned)c < ADMIN_CMD_MAX ? admin_cmd_names[c] : "?";
}
