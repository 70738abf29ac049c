/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * When the Raft leader proposes a ring epoch (control/epoch_plan.h):
 * batching of changes, one epoch in flight, followers and failed disks
 * never proposing, the one-datagram limit, and the epoch numbers.
 */
#include <string.h>

#include "epoch_plan.h"
#include "test.h"

static struct raft_epoch_member view[RAFT_EPOCH_MEMBERS_MAX + 1];

static void
view_make(uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		view[i] = (struct raft_epoch_member){
			.id = i + 1, .ip = 0x0a000001 + i, .port = 7946,
			.weight = 1,
		};
}

static struct epoch_plan_in
in_make(const struct raft_epoch *last, uint32_t n, uint64_t now)
{
	return (struct epoch_plan_in){
		.leader = true, .can_propose = true, .last = last,
		.view = view, .n_view = n, .now = now,
	};
}

static void
test_batch(void)
{
	struct epoch_batch b = { 0 };
	struct raft_epoch last, next;
	struct epoch_plan_in in;
	uint64_t wake;

	view_make(5);
	/* No epoch yet: the first waits for the batch, then goes. */
	in = in_make(NULL, 5, 1000);
	CHECK_EQ(epoch_plan(&b, &in, &wake), EPOCH_WAIT);
	CHECK_EQ(wake, 1000 + EPOCH_BATCH_MS);
	in.now = 1100;
	CHECK_EQ(epoch_plan(&b, &in, &wake), EPOCH_WAIT);
	CHECK_EQ(wake, 1000 + EPOCH_BATCH_MS);
	in.now = 1000 + EPOCH_BATCH_MS;
	CHECK_EQ(epoch_plan(&b, &in, &wake), EPOCH_PROPOSE);
	CHECK(!b.pending);
	CHECK_EQ(epoch_next(&next, NULL, view, 5), 0);
	CHECK_EQ(next.epoch, 1);
	CHECK_EQ(next.n_members, 5);

	/* The same view as the last epoch: nothing to do. */
	last = next;
	in = in_make(&last, 5, 2000);
	CHECK_EQ(epoch_plan(&b, &in, &wake), EPOCH_IDLE);

	/* A member dies, another within the batch: one epoch of both. */
	view[4].id = 6;
	in = in_make(&last, 5, 3000);
	CHECK_EQ(epoch_plan(&b, &in, &wake), EPOCH_WAIT);
	view[3].weight = 2;
	in.now = 3150;
	CHECK_EQ(epoch_plan(&b, &in, &wake), EPOCH_WAIT);
	CHECK_EQ(wake, 3000 + EPOCH_BATCH_MS);
	/* The previous epoch is still in flight: wait for its commit. */
	in.now = 3300;
	in.in_flight = true;
	CHECK_EQ(epoch_plan(&b, &in, &wake), EPOCH_WAIT);
	CHECK_EQ(wake, UINT64_MAX);
	in.in_flight = false;
	CHECK_EQ(epoch_plan(&b, &in, &wake), EPOCH_PROPOSE);
	CHECK_EQ(epoch_next(&next, &last, view, 5), 0);
	CHECK_EQ(next.epoch, 2);
	CHECK(epoch_same_members(&next, view, 5));
	CHECK(!epoch_same_members(&last, view, 5));

	/* A change that reverts within the batch ends it. */
	last = next;
	view[0].port = 7000;
	in = in_make(&last, 5, 4000);
	CHECK_EQ(epoch_plan(&b, &in, &wake), EPOCH_WAIT);
	view[0].port = 7946;
	in.now = 4300;
	CHECK_EQ(epoch_plan(&b, &in, &wake), EPOCH_IDLE);
	CHECK(!b.pending);
}

static void
test_who(void)
{
	struct epoch_batch b = { 0 };
	struct epoch_plan_in in;
	uint64_t wake;

	view_make(3);
	/* Followers never propose, and a leadership lost ends the batch. */
	in = in_make(NULL, 3, 0);
	CHECK_EQ(epoch_plan(&b, &in, &wake), EPOCH_WAIT);
	in.leader = false;
	in.now = 1000;
	CHECK_EQ(epoch_plan(&b, &in, &wake), EPOCH_IDLE);
	CHECK(!b.pending);
	/* A new leader batches from when it looks, not from before. */
	in.leader = true;
	CHECK_EQ(epoch_plan(&b, &in, &wake), EPOCH_WAIT);
	CHECK_EQ(wake, 1000 + EPOCH_BATCH_MS);
	/* A failed disk: no proposals. */
	in.can_propose = false;
	in.now = 5000;
	CHECK_EQ(epoch_plan(&b, &in, &wake), EPOCH_IDLE);
	/* An empty view is never an epoch. */
	in = in_make(NULL, 0, 6000);
	CHECK_EQ(epoch_plan(&b, &in, &wake), EPOCH_IDLE);
}

static void
test_limit(void)
{
	struct epoch_batch b = { 0 };
	struct epoch_plan_in in;
	struct raft_epoch e;
	uint8_t buf[RAFT_ENTRY_DATA_MAX];
	uint64_t wake;

	view_make(RAFT_EPOCH_MEMBERS_MAX + 1);
	in = in_make(NULL, RAFT_EPOCH_MEMBERS_MAX + 1, 0);
	CHECK_EQ(epoch_plan(&b, &in, &wake), EPOCH_TOO_BIG);
	CHECK_EQ(epoch_next(&e, NULL, view, RAFT_EPOCH_MEMBERS_MAX + 1), -1);
	/* The largest that fits is one entry of one datagram. */
	in.n_view = RAFT_EPOCH_MEMBERS_MAX;
	CHECK_EQ(epoch_plan(&b, &in, &wake), EPOCH_WAIT);
	in.now = EPOCH_BATCH_MS;
	CHECK_EQ(epoch_plan(&b, &in, &wake), EPOCH_PROPOSE);
	CHECK_EQ(epoch_next(&e, NULL, view, RAFT_EPOCH_MEMBERS_MAX), 0);
	CHECK(raft_epoch_encode(&e, buf, sizeof(buf)) > 0);
	/* Unsorted members are refused. */
	view[1].id = 1;
	CHECK_EQ(epoch_next(&e, NULL, view, 3), -1);
}

int
main(int argc, char **argv)
{
	if (test_want(argc, argv, "batch"))
		test_batch();
	if (test_want(argc, argv, "who"))
		test_who();
	if (test_want(argc, argv, "limit"))
		test_limit();
	return test_done("test_epoch_plan");
}
