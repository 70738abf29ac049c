/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rules of an operator's voter change (include/rumor/voter_change.h): a
 * follower names the leader; one change at a time; a node added must be
 * a live, caught-up member, and not a voter yet; at least 3 voters stay
 * and at most 7 are made; an even count is allowed with a warning; the
 * leader does not remove itself. Each refusal says why in words an
 * operator can act on.
 */
#include <string.h>

#include "rumor/voter_change.h"
#include "test.h"

static const uint32_t three[] = { 3, 1, 2 };
static const uint32_t four[] = { 1, 2, 3, 4 };
static const uint32_t five[] = { 1, 2, 3, 4, 5 };
static const uint32_t seven[] = { 1, 2, 3, 4, 5, 6, 7 };

/* The leader 1 of voters {1,2,3}, asked to add node 4, a live learner. */
static struct voter_change_in
base(void)
{
	return (struct voter_change_in){
		.op = RAFT_VOTER_ADD, .id = 4, .self = 1, .leader = true,
		.leader_id = 1, .voters = three, .n_voters = 3,
		.settled = true, .member = true, .known = true,
		.match = 20, .commit = 20,
	};
}

static enum voter_verdict
check(const struct voter_change_in *in, char *msg)
{
	return voter_change_check(in, msg, 256);
}

int
main(void)
{
	struct voter_change_in in;
	char msg[256];

	in = base();
	CHECK_EQ(check(&in, msg), VOTER_OK);
	/* 3 -> 4: allowed, with the even-count warning. */
	CHECK(strstr(msg, "voters {1,2,3,4}: 4 voters tolerate no more "
			"failures than 3; add one more") != NULL);
	in.voters = four;
	in.n_voters = 4;
	in.id = 5;
	CHECK_EQ(check(&in, msg), VOTER_OK);
	CHECK_EQ(msg[0], '\0');

	/* Not the leader: name it; or none known. */
	in = base();
	in.leader = false;
	in.leader_id = 2;
	CHECK_EQ(check(&in, msg), VOTER_NOT_LEADER);
	CHECK(strstr(msg, "node 2 does; ask it") != NULL);
	in.leader_id = 0;
	CHECK_EQ(check(&in, msg), VOTER_NO_LEADER);

	in = base();
	in.disk_failed = true;
	CHECK_EQ(check(&in, msg), VOTER_DISK);

	/* One at a time; a fresh leader; a transfer. */
	in = base();
	in.pending = 17;
	CHECK_EQ(check(&in, msg), VOTER_BUSY);
	CHECK(strstr(msg, "index 17") != NULL);
	in = base();
	in.settled = false;
	CHECK_EQ(check(&in, msg), VOTER_BUSY);
	in = base();
	in.transferee = 3;
	CHECK_EQ(check(&in, msg), VOTER_BUSY);
	CHECK(strstr(msg, "node 3") != NULL);

	/* Add: a live member Raft knows, caught up, not a voter yet. */
	in = base();
	in.member = false;
	CHECK_EQ(check(&in, msg), VOTER_NOT_MEMBER);
	CHECK(strstr(msg, "node 4 is not a live member") != NULL);
	in = base();
	in.known = false;
	CHECK_EQ(check(&in, msg), VOTER_NOT_MEMBER);
	in = base();
	in.match = 19;
	CHECK_EQ(check(&in, msg), VOTER_BEHIND);
	CHECK(strstr(msg, "index 19, the commit is 20") != NULL);
	in = base();
	in.id = 2;
	CHECK_EQ(check(&in, msg), VOTER_ALREADY);
	CHECK(strstr(msg, "voters {1,2,3}") != NULL);
	in = base();
	in.voters = seven;
	in.n_voters = 7;
	in.id = 8;
	CHECK_EQ(check(&in, msg), VOTER_TOO_MANY);

	/* Remove: a voter, not below 3, not the leader itself. */
	in = base();
	in.op = RAFT_VOTER_REMOVE;
	in.id = 4;
	CHECK_EQ(check(&in, msg), VOTER_NOT_VOTER);
	in.id = 3;
	CHECK_EQ(check(&in, msg), VOTER_TOO_FEW);
	CHECK(strstr(msg, "would leave 2 voters {1,2}") != NULL);
	in.voters = four;
	in.n_voters = 4;
	in.id = 4;
	CHECK_EQ(check(&in, msg), VOTER_OK);
	CHECK_EQ(msg[0], '\0');
	in.id = 1;
	CHECK_EQ(check(&in, msg), VOTER_SELF);
	CHECK(strstr(msg, "node 1 leads and cannot remove itself") != NULL);
	in.voters = five;
	in.n_voters = 5;
	in.id = 5;
	CHECK_EQ(check(&in, msg), VOTER_OK);
	CHECK(strstr(msg, "voters {1,2,3,4}: 4 voters tolerate no more "
			"failures than 3; remove one more") != NULL);
	/* A remove needs no caught-up node nor a live one. */
	in.member = false;
	in.known = false;
	in.match = 0;
	CHECK_EQ(check(&in, msg), VOTER_OK);

	for (int v = 0; v < VOTER_VERDICT_MAX; v++)
		CHECK(strcmp(voter_verdict_name((enum voter_verdict)v), "?") !=
				0);
	CHECK(strcmp(voter_verdict_name(VOTER_VERDICT_MAX), "?") == 0);
	return test_done("test_voter_change");
}
