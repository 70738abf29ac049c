/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Requests on rumor-control's admin socket: one short line of text per
 * packet, a command of one or two words and, for some, a node id
 * ("members", "stats", "raft", "raft snapshot", "raft add-voter 4",
 * "raft remove-voter 4"), with words separated by blanks and optional
 * blanks and a line end around them. The parser is a pure function so
 * that it can be tested and fuzzed on its own; it reads no byte beyond
 * the length it is given and needs no NUL.
 */
#ifndef RUMOR_CONTROL_ADMIN_REQ_H
#define RUMOR_CONTROL_ADMIN_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rumor/enum_names.h"

/* The longest request accepted, in bytes. */
#define ADMIN_REQ_MAX 256u

enum admin_cmd {
	ADMIN_CMD_NONE = 0,
	ADMIN_CMD_MEMBERS,	/* The member table. */
	ADMIN_CMD_STATS,	/* Counters of both processes. */
	ADMIN_CMD_RAFT,		/* Raft: role, term, leader, epochs. */
	ADMIN_CMD_RAFT_SNAPSHOT,	/* Take a snapshot, compact the log. */
	ADMIN_CMD_RAFT_ADD_VOTER,	/* A learner becomes a voter. */
	ADMIN_CMD_RAFT_REMOVE_VOTER,	/* A voter becomes a learner. */
	ADMIN_CMD_MAX
};

#define ADMIN_REQ_VERDICTS(X)						\
	X(ADMIN_REQ_OK, "ok")						\
	/* Nothing but blanks. */					\
	X(ADMIN_REQ_EMPTY, "empty")					\
	/* More than ADMIN_REQ_MAX bytes. */				\
	X(ADMIN_REQ_TOO_LONG, "too_long")				\
	/* A byte that is not printable ASCII or a blank (space,	\
	 * tab, CR, LF). */						\
	X(ADMIN_REQ_BINARY, "binary")					\
	/* Not a command. */						\
	X(ADMIN_REQ_UNKNOWN, "unknown")					\
	/* A command with arguments it does not take, or without	\
	 * those it needs. */						\
	X(ADMIN_REQ_ARGS, "args")

enum admin_verdict {
	ADMIN_REQ_VERDICTS(RUMOR_ENUM_VALUE)
	ADMIN_REQ_VERDICT_MAX
};

/* A parsed request. */
struct admin_req {
	enum admin_cmd cmd;
	uint32_t id;		/* Commands that name a node: 1 .. 2^32-1. */
	enum admin_cmd meant;	/* ADMIN_REQ_ARGS: the command whose
				 * arguments are wrong. */
};

/*
 * Parse the request at buf (len bytes). On ADMIN_REQ_OK req->cmd is the
 * command (and req->id its node id); otherwise req->cmd is
 * ADMIN_CMD_NONE, and for ADMIN_REQ_ARGS req->meant is the command meant:
 * the one with those words, or else the first of its first word.
 */
enum admin_verdict admin_req_parse(const char *buf, size_t len,
		struct admin_req *req);

/* "ok", "empty", "too_long", "binary", "unknown", "args". */
const char *admin_verdict_name(enum admin_verdict v);

/* The command's words ("raft add-voter"); "?" for anything else. */
const char *admin_cmd_name(enum admin_cmd c);

/* How the command is written ("raft add-voter ID"); "?" otherwise. */
const char *admin_cmd_usage(enum admin_cmd c);

/* Whether the command takes no words after its own (nor has siblings). */
bool admin_cmd_bare(enum admin_cmd c);

/* Every command's usage, separated by ", ", for error messages. */
#define ADMIN_COMMANDS "members, stats, raft, raft snapshot, " \
		"raft add-voter ID, raft remove-voter ID"

#endif /* RUMOR_CONTROL_ADMIN_REQ_H */
