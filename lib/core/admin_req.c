/* SPDX-License-Identifier: BSD-3-Clause */
/* The admin request parser (admin_req.h). */
#include <stdbool.h>
#include <string.h>

#include "rumor/admin_req.h"

/*
 * Each command: its words, whether a node id follows them, its name
 * and how it is written. Commands that share a first word follow the
 * one-word command of that word.
 */
static const struct admin_cmd_def {
	const char *word1, *word2;	/* word2 NULL: one word. */
	bool id;
	const char *name, *usage;
} admin_cmds[ADMIN_CMD_MAX] = {
	[ADMIN_CMD_NONE] = { "?", NULL, false, "?", "?" },
	[ADMIN_CMD_MEMBERS] = { "members", NULL, false, "members",
			"members" },
	[ADMIN_CMD_STATS] = { "stats", NULL, false, "stats", "stats" },
	[ADMIN_CMD_RAFT] = { "raft", NULL, false, "raft", "raft" },
	[ADMIN_CMD_RAFT_SNAPSHOT] = { "raft", "snapshot", false,
			"raft snapshot", "raft snapshot" },
	[ADMIN_CMD_RAFT_ADD_VOTER] = { "raft", "add-voter", true,
			"raft add-voter", "raft add-voter ID" },
	[ADMIN_CMD_RAFT_REMOVE_VOTER] = { "raft", "remove-voter", true,
			"raft remove-voter", "raft remove-voter ID" },
};

RUMOR_ENUM_NAME_FN(admin_verdict_name, enum admin_verdict,
		ADMIN_REQ_VERDICTS, ADMIN_REQ_VERDICT_MAX, "?")

static bool
admin_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Whether the word at w (n bytes) is s. */
static bool
admin_word_is(const char *w, size_t n, const char *s)
{
	return s != NULL && strlen(s) == n && memcmp(w, s, n) == 0;
}

/* A node id: 1 to 10 digits, no leading zero, 1 .. 2^32-1. */
static bool
admin_id(const char *w, size_t n, uint32_t *id)
{
	uint64_t v = 0;

	if (n == 0 || n > 10 || w[0] == '0')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (w[i] < '0' || w[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(w[i] - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*id = (uint32_t)v;
	return true;
}

enum admin_verdict
admin_req_parse(const char *buf, size_t len, struct admin_req *req)
{
	const char *w[3] = { NULL, NULL, NULL };
	size_t wl[3] = { 0, 0, 0 }, n = 0, i = 0;
	int family = ADMIN_CMD_NONE;

	req->cmd = ADMIN_CMD_NONE;
	req->meant = ADMIN_CMD_NONE;
	req->id = 0;
	if (len > ADMIN_REQ_MAX)
		return ADMIN_REQ_TOO_LONG;
	for (size_t k = 0; k < len; k++) {
		unsigned char c = (unsigned char)buf[k];

		if (!admin_blank((char)c) && (c < 0x21 || c > 0x7e))
			return ADMIN_REQ_BINARY;
	}
	/* The words; no command has more than three. */
	while (i < len) {
		size_t s;

		while (i < len && admin_blank(buf[i]))
			i++;
		if (i == len)
			break;
		for (s = i; i < len && !admin_blank(buf[i]); i++)
			;
		if (n < 3) {
			w[n] = buf + s;
			wl[n] = i - s;
		}
		n++;
	}
	if (n == 0)
		return ADMIN_REQ_EMPTY;
	for (int c = ADMIN_CMD_NONE + 1; c < ADMIN_CMD_MAX; c++)
		if (admin_word_is(w[0], wl[0], admin_cmds[c].word1)) {
			family = c;
			break;
		}
	if (family == ADMIN_CMD_NONE)
		return ADMIN_REQ_UNKNOWN;
	req->meant = (enum admin_cmd)family;
	for (int c = family; c < ADMIN_CMD_MAX; c++) {
		const struct admin_cmd_def *d = &admin_cmds[c];
		size_t want = 1 + (d->word2 != NULL) + d->id;
		uint32_t id = 0;

		if (!admin_word_is(w[0], wl[0], d->word1))
			continue;
		if (d->word2 != NULL) {
			if (n < 2 || !admin_word_is(w[1], wl[1], d->word2))
				continue;
			req->meant = (enum admin_cmd)c;
		}
		if (n != want)
			continue;
		if (d->id && !admin_id(w[want - 1], wl[want - 1], &id))
			continue;
		req->cmd = (enum admin_cmd)c;
		req->id = id;
		req->meant = ADMIN_CMD_NONE;
		return ADMIN_REQ_OK;
	}
	return ADMIN_REQ_ARGS;
}

const char *
admin_cmd_name(enum admin_cmd c)
{
	return (unsigned)c < ADMIN_CMD_MAX ? admin_cmds[c].name : "?";
}

const char *
admin_cmd_usage(enum admin_cmd c)
{
	return (unsigned)c < ADMIN_CMD_MAX ? admin_cmds[c].usage : "?";
}

bool
admin_cmd_bare(enum admin_cmd c)
{
	if ((unsigned)c >= ADMIN_CMD_MAX || c == ADMIN_CMD_NONE ||
			admin_cmds[c].word2 != NULL || admin_cmds[c].id)
		return false;
	for (int k = ADMIN_CMD_NONE + 1; k < ADMIN_CMD_MAX; k++)
		if (k != (int)c && strcmp(admin_cmds[k].word1,
				admin_cmds[c].word1) == 0)
			return false;
	return true;
}
