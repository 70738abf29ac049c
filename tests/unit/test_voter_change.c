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

/*
 * in gets verdict, with a message that holds want ("": no message at all;
 * NULL: the message is not looked at).
 */
static void
expect(struct voter_change_in in, enum voter_verdict verdict,
		const char *want)
{
	char msg[256];

	CHECK_EQ(voter_change_check(&in, msg, sizeof(msg)), verdict);
	if (want != NULL && want[0] == '\0')
		CHECK_EQ(msg[0], '\0');
	else if (want != NULL && !CHECK(strstr(msg, want) != NULL))
		fprintf(stderr, "  \"%s\" lacks \"%s\"\n", msg, want);
}

/* in with these voters, and node id to change. */
static struct voter_change_in
with(struct voter_change_in in, const uint32_t *voters, uint32_t n,
		uint32_t id)
{
	in.voters = voters;
	in.n_voters = n;
	in.id = id;
	return in;
}

int
main(void)
{
	struct voter_change_in in;
	const struct {
		bool *flag;
		enum voter_verdict verdict;
		const char *want;
	} flips[] = {
		{ &in.disk_failed, VOTER_DISK, NULL },
		{ &in.settled, VOTER_BUSY, NULL },
		{ &in.member, VOTER_NOT_MEMBER, "node 4 is not a live member" },
		{ &in.known, VOTER_NOT_MEMBER, NULL },
	};

	/* 3 -> 4: allowed, with the even-count warning; 4 -> 5 quietly. */
	expect(base(), VOTER_OK, "voters {1,2,3,4}: 4 voters tolerate no "
			"more failures than 3; add one more");
	expect(with(base(), four, 4, 5), VOTER_OK, "");

	/* Not the leader: name it; or none known. */
	in = base();
	in.leader = false;
	in.leader_id = 2;
	expect(in, VOTER_NOT_LEADER, "node 2 does; ask it");
	in.leader_id = 0;
	expect(in, VOTER_NO_LEADER, NULL);

	/* One at a time; a transfer. */
	in = base();
	in.pending = 17;
	expect(in, VOTER_BUSY, "index 17");
	in = base();
	in.transferee = 3;
	expect(in, VOTER_BUSY, "node 3");

	/*
	 * Each yes-or-no condition of base() turned over, alone: a failed
	 * disk; a fresh leader; an added node that is not a live member,
	 * or that Raft does not know.
	 */
	for (size_t i = 0; i < TEST_DIM(flips); i++) {
		in = base();
		*flips[i].flag = !*flips[i].flag;
		expect(in, flips[i].verdict, flips[i].want);
	}

	/* Add: a node caught up, not a voter yet. */
	in = base();
	in.match = 19;
	expect(in, VOTER_BEHIND, "index 19, the commit is 20");
	expect(with(base(), three, 3, 2), VOTER_ALREADY, "voters {1,2,3}");
	expect(with(base(), seven, 7, 8), VOTER_TOO_MANY, NULL);

	/* Remove: a voter, not below 3, not the leader itself. */
	in = base();
	in.op = RAFT_VOTER_REMOVE;
	expect(in, VOTER_NOT_VOTER, NULL);
	in.id = 3;
	expect(in, VOTER_TOO_FEW, "would leave 2 voters {1,2}");
	in = with(in, four, 4, 4);
	expect(in, VOTER_OK, "");
	in.id = 1;
	expect(in, VOTER_SELF, "node 1 leads and cannot remove itself");
	in = with(in, five, 5, 5);
	expect(in, VOTER_OK, "voters {1,2,3,4}: 4 voters tolerate no more "
			"failures than 3; remove one more");
	/* A remove needs no caught-up node nor a live one. */
	in.member = false;
	in.known = false;
	in.match = 0;
	expect(in, VOTER_OK, NULL);

	for (int v = 0; v < VOTER_VERDICT_MAX; v++)
		CHECK(strcmp(voter_verdict_name((enum voter_verdict)v), "?") !=
				0);
	CHECK(strcmp(voter_verdict_name(VOTER_VERDICT_MAX), "?") == 0);
	return test_done("test_voter_change");
}
