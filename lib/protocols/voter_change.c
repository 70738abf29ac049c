/* SPDX-License-Identifier: BSD-3-Clause */
/* The rules of an operator's voter change (voter_change.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/voter_change.h"

#define VOTER_VERDICT_NAME(id, name) [id] = name,
static const char *const voter_verdict_names[VOTER_VERDICT_MAX] = {
	VOTER_VERDICT_TABLE(VOTER_VERDICT_NAME)
};
#undef VOTER_VERDICT_NAME

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* "{1,2,3}" of ids sorted, into buf. */
static void
ids_str(const uint32_t *ids, uint32_t n, char *buf, size_t cap)
{
	uint32_t s[RAFT_VOTERS_MAX + 1];
	size_t off = 0;

	if (n > RAFT_VOTERS_MAX + 1)
		n = RAFT_VOTERS_MAX + 1;
	memcpy(s, ids, n * sizeof(*s));
	qsort(s, n, sizeof(*s), u32_cmp);
	off += (size_t)snprintf(buf + off, cap - off, "{");
	for (uint32_t i = 0; i < n && off < cap; i++)
		off += (size_t)snprintf(buf + off, cap - off, "%s%" PRIu32,
				i > 0 ? "," : "", s[i]);
	if (off < cap)
		snprintf(buf + off, cap - off, "}");
}

/* The voters after the change. */
static uint32_t
voters_after(const struct voter_change_in *in, uint32_t *out)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < in->n_voters && n < RAFT_VOTERS_MAX; i++)
		if (in->voters[i] != in->id)
			out[n++] = in->voters[i];
	if (in->op == RAFT_VOTER_ADD)
		out[n++] = in->id;
	return n;
}

static bool
is_voter(const struct voter_change_in *in, uint32_t id)
{
	for (uint32_t i = 0; i < in->n_voters; i++)
		if (in->voters[i] == id)
			return true;
	return false;
}

enum voter_verdict
voter_change_check(const struct voter_change_in *in, char *msg, size_t cap)
{
	uint32_t after[RAFT_VOTERS_MAX + 1], n_after;
	char now[64], then[64];
	bool add = in->op == RAFT_VOTER_ADD;

	msg[0] = '\0';
	ids_str(in->voters, in->n_voters, now, sizeof(now));
	if (!in->leader) {
		if (in->leader_id == 0) {
			snprintf(msg, cap, "no leader is known (an election "
					"is under way): try again shortly");
			return VOTER_NO_LEADER;
		}
		snprintf(msg, cap, "this node (%" PRIu32 ") does not lead: "
				"node %" PRIu32 " does; ask it", in->self,
				in->leader_id);
		return VOTER_NOT_LEADER;
	}
	if (in->disk_failed) {
		snprintf(msg, cap, "this node's raft_dir has failed: it "
				"cannot write the change");
		return VOTER_DISK;
	}
	if (add && is_voter(in, in->id)) {
		snprintf(msg, cap, "node %" PRIu32 " is a voter already: "
				"voters %s", in->id, now);
		return VOTER_ALREADY;
	}
	if (!add && !is_voter(in, in->id)) {
		snprintf(msg, cap, "node %" PRIu32 " is not a voter: voters "
				"%s", in->id, now);
		return VOTER_NOT_VOTER;
	}
	if (in->pending != 0) {
		snprintf(msg, cap, "a voter change is in progress (index %"
				PRIu64 ", not committed yet): one at a time; "
				"try again once it commits", in->pending);
		return VOTER_BUSY;
	}
	if (!in->settled) {
		snprintf(msg, cap, "this node was just elected and its first "
				"entry has not committed yet: try again "
				"shortly");
		return VOTER_BUSY;
	}
	if (in->transferee != 0) {
		snprintf(msg, cap, "leadership is being handed to node %"
				PRIu32 ": ask it shortly", in->transferee);
		return VOTER_BUSY;
	}
	n_after = voters_after(in, after);
	ids_str(after, n_after, then, sizeof(then));
	if (add) {
		if (!in->member || !in->known) {
			snprintf(msg, cap, "node %" PRIu32 " is not a live "
					"member (rumorctl members lists them): "
					"start it first; it joins as a "
					"learner", in->id);
			return VOTER_NOT_MEMBER;
		}
		if (in->n_voters + 1 > RAFT_VOTERS_MAX) {
			snprintf(msg, cap, "%u voters at most: voters %s",
					RAFT_VOTERS_MAX, now);
			return VOTER_TOO_MANY;
		}
		if (in->match < in->commit) {
			snprintf(msg, cap, "node %" PRIu32 " has not caught up "
					"(it holds index %" PRIu64 ", the "
					"commit is %" PRIu64 "): try again "
					"shortly", in->id, in->match,
					in->commit);
			return VOTER_BEHIND;
		}
	} else {
		if (n_after < VOTERS_MIN) {
			snprintf(msg, cap, "removing node %" PRIu32 " would "
					"leave %" PRIu32 " voter%s %s: at least "
					"%u keep a cluster that survives the "
					"loss of one; add another first",
					in->id, n_after, n_after == 1 ? "" :
					"s", then, VOTERS_MIN);
			return VOTER_TOO_FEW;
		}
		if (in->id == in->self) {
			snprintf(msg, cap, "node %" PRIu32 " leads and cannot "
					"remove itself: it hands leadership to "
					"another voter; ask the new leader",
					in->id);
			return VOTER_SELF;
		}
	}
	if (n_after % 2 == 0)
		snprintf(msg, cap, "voters %s: %" PRIu32 " voters tolerate no "
				"more failures than %" PRIu32 "; %s one more",
				then, n_after, n_after - 1,
				add ? "add" : "remove");
	return VOTER_OK;
}

const char *
voter_verdict_name(enum voter_verdict v)
{
	return (unsigned)v < VOTER_VERDICT_MAX ? voter_verdict_names[v] :
			"?";
}
