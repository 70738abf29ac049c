/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Requests on rumor-control's admin socket: one short line of text per
 * packet, a command word and nothing else ("members", "stats",
 * "raft"), with
 * optional blanks and a line end around it. The parser is a pure
 * function so that it can be tested and fuzzed on its own; it reads no
 * byte beyond the length it is given and needs no NUL.
 */
#ifndef RUMOR_CONTROL_ADMIN_REQ_H
#define RUMOR_CONTROL_ADMIN_REQ_H

#include <stddef.h>

/* The longest request accepted, in bytes. */
#define ADMIN_REQ_MAX 256u

enum admin_cmd {
	ADMIN_CMD_NONE = 0,
	ADMIN_CMD_MEMBERS,	/* The member table. */
	ADMIN_CMD_STATS,	/* Counters of both processes. */
	ADMIN_CMD_RAFT,		/* Raft: role, term, leader, epochs. */
	ADMIN_CMD_MAX
};

enum admin_verdict {
	ADMIN_REQ_OK = 0,
	ADMIN_REQ_EMPTY,	/* Nothing but blanks. */
	ADMIN_REQ_TOO_LONG,	/* More than ADMIN_REQ_MAX bytes. */
	ADMIN_REQ_BINARY,	/* A byte that is not printable ASCII or a
				 * blank (space, tab, CR, LF). */
	ADMIN_REQ_UNKNOWN,	/* Not a command. */
	ADMIN_REQ_ARGS,		/* A command followed by arguments. */
	ADMIN_REQ_VERDICT_MAX
};

/*
 * Parse the request at buf (len bytes). On ADMIN_REQ_OK *cmd is the
 * command; otherwise *cmd is ADMIN_CMD_NONE.
 */
enum admin_verdict admin_req_parse(const char *buf, size_t len,
		enum admin_cmd *cmd);

/* "ok", "empty", "too_long", "binary", "unknown", "args". */
const char *admin_verdict_name(enum admin_verdict v);

/* The command's word ("members"); "?" for anything else. */
const char *admin_cmd_name(enum admin_cmd c);

#endif /* RUMOR_CONTROL_ADMIN_REQ_H */
