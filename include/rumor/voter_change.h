/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Whether the leader may make a voter change that an operator asked for
 * (rumorctl raft add-voter ID, raft remove-voter ID), and what to answer.
 * Raft (raft.h) changes the voter set one voter at a time; the rules
 * here add what an operator needs:
 *
 *   - only the leader changes the voters: a follower names the leader;
 *   - one change at a time: none while another is uncommitted, while a
 *     newly elected leader's first entry is uncommitted, or during a
 *     leadership transfer;
 *   - a node added must be a live member that Raft knows (a learner) and
 *     that holds every committed entry, so that it counts at once;
 *   - at least 3 voters remain (a cluster that survives the loss of one),
 *     at most RAFT_VOTERS_MAX (7) are made;
 *   - an even count is allowed, as the step between 3 and 5, but the
 *     answer says that it tolerates no more failures than one fewer;
 *   - the leader does not remove itself: it hands leadership to another
 *     voter, and the operator asks the new leader.
 *
 * A pure function, so that every rule has a unit test
 * (tests/unit/test_voter_change.c).
 */
#ifndef RUMOR_VOTER_CHANGE_H
#define RUMOR_VOTER_CHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rumor/raft_wire.h"

#define VOTERS_MIN 3u

/*
 * The verdicts, one row each: the enum identifier and the name tests and
 * counters use. VOTER_VERDICT_TABLE(X) expands X(id, name) once per row,
 * in order: the enum and the names are made from it.
 */
#define VOTER_VERDICT_TABLE(X)						\
	/* Propose it. */						\
	X(VOTER_OK, "ok")						\
	/* Another node leads: ask it. */				\
	X(VOTER_NOT_LEADER, "not_leader")				\
	/* No leader known: an election. */				\
	X(VOTER_NO_LEADER, "no_leader")					\
	/* This node's disk has failed. */				\
	X(VOTER_DISK, "disk")						\
	/* A change or a transfer in progress, or a leader not settled. */ \
	X(VOTER_BUSY, "busy")						\
	/* Not a live member Raft knows. */				\
	X(VOTER_NOT_MEMBER, "not_member")				\
	/* Does not hold every committed entry. */			\
	X(VOTER_BEHIND, "behind")					\
	/* Add: a voter already. */					\
	X(VOTER_ALREADY, "already")					\
	/* Remove: not a voter. */					\
	X(VOTER_NOT_VOTER, "not_voter")					\
	/* Remove: fewer than VOTERS_MIN would remain. */		\
	X(VOTER_TOO_FEW, "too_few")					\
	/* Add: more than RAFT_VOTERS_MAX. */				\
	X(VOTER_TOO_MANY, "too_many")					\
	/* Remove: the leader itself; transfer. */			\
	X(VOTER_SELF, "self")

#define VOTER_VERDICT_ENUM(id, name) id,
enum voter_verdict {
	VOTER_VERDICT_TABLE(VOTER_VERDICT_ENUM)
	VOTER_VERDICT_MAX
};
#undef VOTER_VERDICT_ENUM

/* What the leader (or the node asked) knows. */
struct voter_change_in {
	uint8_t op;			/* RAFT_VOTER_ADD or _REMOVE. */
	uint32_t id;			/* The node to add or remove. */
	uint32_t self;			/* This node. */
	bool leader;			/* This node leads. */
	uint32_t leader_id;		/* The leader it knows (0: none). */
	bool disk_failed;
	const uint32_t *voters;		/* The current voters, any order. */
	uint32_t n_voters;
	uint64_t pending;		/* An uncommitted voter change's
					 * index, or 0. */
	bool settled;			/* Its own first entry committed. */
	uint32_t transferee;		/* A transfer in progress, or 0. */
	bool member;			/* id is an alive member. */
	bool known;			/* Raft knows id (as a learner). */
	uint64_t match, commit;		/* What id holds; the commit. */
};

/*
 * The verdict, and in msg (cap bytes) the answer: an error for the
 * operator, or with VOTER_OK a note (empty, or the even-count warning).
 */
enum voter_verdict voter_change_check(const struct voter_change_in *in,
		char *msg, size_t cap);

/* "ok", "not_leader", ...: for tests and counters. */
const char *voter_verdict_name(enum voter_verdict v);

#endif /* RUMOR_VOTER_CHANGE_H */
