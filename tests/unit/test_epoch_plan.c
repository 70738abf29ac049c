/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * When the Raft leader proposes a ring epoch (include/rumor/epoch_plan.h):
 * batching of changes, one epoch in flight, followers and failed disks
 * never proposing, the one-datagram limit, the epoch numbers, deltas,
 * and zones as part of a member.
 */
#include <stdio.h>
#include <string.h>

#include <xxhash.h>

#include "rumor/bytes.h"
#include "rumor/ring.h"
#include "rumor/epoch_plan.h"
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

/* A leader's planner: its batch, what it sees, when to look again. */
struct planner {
	struct epoch_batch b;
	struct epoch_plan_in in;
	uint64_t wake;
};

/* A planner over a view of n members, no epoch yet, at now. */
static struct planner
planner(uint32_t n, uint64_t now)
{
	view_make(n);
	return (struct planner){ .in = in_make(NULL, n, now) };
}

static enum epoch_action
plan(struct planner *p)
{
	return epoch_plan(&p->b, &p->in, &p->wake);
}

/* The same, looking at now. */
static enum epoch_action
plan_at(struct planner *p, uint64_t now)
{
	p->in.now = now;
	return plan(p);
}

static void
test_batch(void)
{
	struct planner p = planner(5, 1000);
	struct raft_epoch last, next;

	/* No epoch yet: the first waits for the batch, then goes. */
	CHECK_EQ(plan(&p), EPOCH_WAIT);
	CHECK_EQ(p.wake, 1000 + EPOCH_BATCH_MS);
	CHECK_EQ(plan_at(&p, 1100), EPOCH_WAIT);
	CHECK_EQ(p.wake, 1000 + EPOCH_BATCH_MS);
	CHECK_EQ(plan_at(&p, 1000 + EPOCH_BATCH_MS), EPOCH_PROPOSE);
	CHECK(!p.b.pending);
	CHECK_EQ(epoch_next(&next, NULL, view, 5), 0);
	CHECK_EQ(next.epoch, 1);
	CHECK_EQ(next.n_members, 5);

	/* The same view as the last epoch: nothing to do. */
	last = next;
	p.in = in_make(&last, 5, 2000);
	CHECK_EQ(plan(&p), EPOCH_IDLE);

	/* A member dies, another within the batch: one epoch of both. */
	view[4].id = 6;
	p.in = in_make(&last, 5, 3000);
	CHECK_EQ(plan(&p), EPOCH_WAIT);
	view[3].weight = 2;
	CHECK_EQ(plan_at(&p, 3150), EPOCH_WAIT);
	CHECK_EQ(p.wake, 3000 + EPOCH_BATCH_MS);
	/* The previous epoch is still in flight: wait for its commit. */
	p.in.now = 3300;
	p.in.in_flight = true;
	CHECK_EQ(plan(&p), EPOCH_WAIT);
	CHECK_EQ(p.wake, UINT64_MAX);
	p.in.in_flight = false;
	CHECK_EQ(plan(&p), EPOCH_PROPOSE);
	CHECK_EQ(epoch_next(&next, &last, view, 5), 0);
	CHECK_EQ(next.epoch, 2);
	CHECK(epoch_same_members(&next, view, 5));
	CHECK(!epoch_same_members(&last, view, 5));

	/* A change that reverts within the batch ends it. */
	last = next;
	view[0].port = 7000;
	p.in = in_make(&last, 5, 4000);
	CHECK_EQ(plan(&p), EPOCH_WAIT);
	view[0].port = 7946;
	CHECK_EQ(plan_at(&p, 4300), EPOCH_IDLE);
	CHECK(!p.b.pending);
}

static void
test_who(void)
{
	struct planner p = planner(3, 0);

	/* Followers never propose, and a leadership lost ends the batch. */
	CHECK_EQ(plan(&p), EPOCH_WAIT);
	p.in.leader = false;
	CHECK_EQ(plan_at(&p, 1000), EPOCH_IDLE);
	CHECK(!p.b.pending);
	/* A new leader batches from when it looks, not from before. */
	p.in.leader = true;
	CHECK_EQ(plan(&p), EPOCH_WAIT);
	CHECK_EQ(p.wake, 1000 + EPOCH_BATCH_MS);
	/* A failed disk: no proposals. */
	p.in.can_propose = false;
	CHECK_EQ(plan_at(&p, 5000), EPOCH_IDLE);
	/* An empty view is never an epoch. */
	p.in = in_make(NULL, 0, 6000);
	CHECK_EQ(plan(&p), EPOCH_IDLE);
}

static void
test_limit(void)
{
	struct planner p = planner(RAFT_EPOCH_MEMBERS_MAX + 1, 0);
	static struct raft_epoch e;
	static uint8_t buf[RAFT_EPOCH_HDR_LEN +
			RAFT_EPOCH_MEMBERS_MAX * RAFT_EPOCH_MEMBER_LEN];

	CHECK_EQ(plan(&p), EPOCH_TOO_BIG);
	CHECK_EQ(epoch_next(&e, NULL, view, RAFT_EPOCH_MEMBERS_MAX + 1), -1);
	/* The largest epoch: 4,096 members, a snapshot of 65,552 bytes. */
	p.in.n_view = RAFT_EPOCH_MEMBERS_MAX;
	CHECK_EQ(plan(&p), EPOCH_WAIT);
	CHECK_EQ(plan_at(&p, EPOCH_BATCH_MS), EPOCH_PROPOSE);
	CHECK_EQ(epoch_next(&e, NULL, view, RAFT_EPOCH_MEMBERS_MAX), 0);
	CHECK_EQ(raft_epoch_encode(&e, buf, sizeof(buf)), sizeof(buf));
	/* Unsorted members are refused. */
	view[1].id = 1;
	CHECK_EQ(epoch_next(&e, NULL, view, 3), -1);
}

/* The rest of a cut delta goes at once: no second batch. */
static void
test_continuing(void)
{
	struct planner p = planner(5, 1000);

	p.in.continuing = true;
	CHECK_EQ(plan(&p), EPOCH_PROPOSE);
	p.in.continuing = false;
	CHECK_EQ(plan_at(&p, 5000), EPOCH_WAIT);
	CHECK_EQ(p.wake, 5000 + EPOCH_BATCH_MS);
}

/* A member of the 1,000-node cluster below; weight w. */
static struct raft_epoch_member
member(uint32_t id, uint32_t w)
{
	return (struct raft_epoch_member){
		.id = id, .ip = 0x0a000000 + id, .port = 7946, .weight = w,
	};
}

/* The delta codec: a round trip, then every refusal. */
static void
test_delta_codec(void)
{
	static struct raft_epoch_delta d, x;
	uint8_t buf[RAFT_ENTRY_DATA_MAX], bad[RAFT_ENTRY_DATA_MAX];
	size_t len;

	memset(&d, 0, sizeof(d));
	d.epoch = 9;
	d.base = 8;
	d.hash = 0x1122334455667788ull;
	d.n_members = 3;
	d.n_removed = 2;
	d.removed[0] = 4;
	d.removed[1] = 7;
	d.n_upserts = 2;
	d.upserts[0] = member(2, 5);
	d.upserts[0].zone = 7;
	d.upserts[1] = member(9, 1);
	len = raft_delta_encode(&d, buf, sizeof(buf));
	CHECK_EQ(len, RAFT_DELTA_HDR_LEN + 2 * 4 + 2 * 16);
	CHECK_EQ(raft_delta_encode(&d, buf, len - 1), 0);
	CHECK_EQ(raft_delta_decode(buf, len, &x), RAFT_WIRE_OK);
	CHECK(x.epoch == 9 && x.base == 8 && x.hash == d.hash &&
			x.n_members == 3 && x.n_removed == 2 &&
			x.n_upserts == 2 && x.removed[1] == 7 &&
			x.upserts[1].id == 9 && x.upserts[0].weight == 5 &&
			x.upserts[0].zone == 7 && x.upserts[1].zone == 0);
	CHECK(buf[40 + 10] == 7 && buf[40 + 11] == 0);
	/* As an entry, and its epoch number. */
	{
		struct raft_entry e = { .term = 1, .index = 1,
				.type = RAFT_ENTRY_RING_DELTA,
				.len = (uint16_t)len, .data = buf };

		CHECK_EQ(raft_entry_check(&e), RAFT_WIRE_OK);
		CHECK_EQ(raft_entry_epoch(&e), 9);
		e.len--;
		CHECK_EQ(raft_entry_check(&e), RAFT_WIRE_PAYLOAD);
	}
	/* Every shorter length is refused. */
	for (size_t l = 0; l < len; l++)
		CHECK_EQ(raft_delta_decode(buf, l, &x), RAFT_WIRE_PAYLOAD);
	/* Field by field. */
#define BAD_AT(off, v, width) do { \
		memcpy(bad, buf, len); \
		if ((width) == 8) \
			rumor_put64(bad + (off), (v)); \
		else if ((width) == 4) \
			rumor_put32(bad + (off), (uint32_t)(v)); \
		else \
			rumor_put16(bad + (off), (uint16_t)(v)); \
		CHECK_EQ(raft_delta_decode(bad, len, &x), RAFT_WIRE_PAYLOAD); \
	} while (0)
	BAD_AT(0, 0, 8);		/* epoch 0 */
	BAD_AT(8, 9, 8);		/* base not below epoch */
	BAD_AT(24, 0, 2);		/* no members */
	BAD_AT(24, RAFT_EPOCH_MEMBERS_MAX + 1, 2);
	BAD_AT(26, 3, 2);		/* counts and length disagree */
	BAD_AT(28, 1, 2);
	BAD_AT(30, 1, 2);		/* reserved */
	BAD_AT(32, 0, 4);		/* removed id 0 */
	BAD_AT(32, 7, 4);		/* removed not increasing */
	BAD_AT(40, 9, 4);		/* upserts not increasing */
	BAD_AT(56, 2, 4);
	BAD_AT(40 + 8, 0, 2);		/* port 0 */
	BAD_AT(40 + 10, 1, 2);		/* reserved, after the zone */
	BAD_AT(40 + 10, 0x0780, 2);
	BAD_AT(40 + 12, 0, 4);		/* weight 0 */
	BAD_AT(40 + 12, RING_WEIGHT_MAX + 1, 4);
	BAD_AT(56, 4, 4);		/* removed and upserted: id 4 */
	BAD_AT(56, 7, 4);
#undef BAD_AT
	/* From nothing: no removals, every member an upsert. */
	d.base = 0;
	CHECK_EQ(raft_delta_encode(&d, buf, sizeof(buf)), 0);
	d.n_removed = 0;
	CHECK_EQ(raft_delta_encode(&d, buf, sizeof(buf)), 0);
	d.n_members = 2;
	CHECK(raft_delta_encode(&d, buf, sizeof(buf)) > 0);
	/* No change at all. */
	d.base = 8;
	d.n_upserts = 0;
	CHECK_EQ(raft_delta_encode(&d, buf, sizeof(buf)), 0);
	/* The most that fits one entry. */
	CHECK_EQ(RAFT_DELTA_UPSERTS_MAX, 81);
	CHECK_EQ(RAFT_DELTA_REMOVED_MAX, 325);
}

/* Apply one delta and check it makes `want`; its encoded size. */
static size_t
step(struct raft_epoch *follower, bool *have,
		const struct raft_epoch_delta *d, const struct raft_epoch *want)
{
	static struct raft_epoch_delta x;
	static struct raft_epoch tmp;
	uint8_t buf[RAFT_ENTRY_DATA_MAX];
	size_t len = raft_delta_encode(d, buf, sizeof(buf));

	CHECK(len > 0);
	CHECK_EQ(raft_delta_decode(buf, len, &x), RAFT_WIRE_OK);
	CHECK_EQ(epoch_apply(&tmp, *have ? follower : NULL, &x), 0);
	CHECK(tmp.epoch == want->epoch &&
			epoch_same_members(&tmp, want->members,
			want->n_members));
	*follower = tmp;
	*have = true;
	return len;
}

/* A leader's epochs, and a follower that applies its deltas. */
struct replicas {
	struct raft_epoch leader, next, follower;
	struct raft_epoch_delta d;
	bool have_leader, have, partial;
};

/*
 * The leader's delta towards the view v (n members), applied on the
 * follower (step): its encoded size. The leader is then at the next
 * epoch; r->d and r->partial say what the delta was.
 */
static size_t
replicate(struct replicas *r, const struct raft_epoch_member *v, uint32_t n)
{
	size_t len;

	CHECK_EQ(epoch_delta(&r->d, &r->next, &r->partial,
			r->have_leader ? &r->leader : NULL, v, n), 0);
	len = step(&r->follower, &r->have, &r->d, &r->next);
	r->leader = r->next;
	r->have_leader = true;
	return len;
}

/*
 * Epochs of 1,000 members as deltas: a cluster forming (13 epochs of at
 * most 81 joins), one join, one leave, a weight change, 200 joins and
 * 500 deaths at once, each delta in one entry and applied on a follower
 * to the same set; the whole epoch as a snapshot; refusals of a delta
 * applied to the wrong epoch or with a wrong hash.
 */
static void
test_delta_1000(void)
{
	static struct replicas r;
	static struct raft_epoch tmp;
	static struct raft_epoch_member v[1200];
	static uint8_t snap[RAFT_EPOCH_HDR_LEN +
			RAFT_EPOCH_MEMBERS_MAX * RAFT_EPOCH_MEMBER_LEN];
	uint32_t n = 1000, epochs = 0;
	size_t len, max_len = 0;

	for (uint32_t i = 0; i < n; i++)
		v[i] = member(i + 1, 1 + i % 7);
	/* Forming: as much as fits each time. */
	do {
		len = replicate(&r, v, n);
		max_len = len > max_len ? len : max_len;
		epochs++;
	} while (r.partial);
	CHECK_EQ(epochs, 13);
	CHECK(max_len <= RAFT_ENTRY_DATA_MAX);
	CHECK(epoch_same_members(&r.follower, v, n));
	CHECK_EQ(r.follower.epoch, 13);
	printf("test_epoch_plan: 1,000 members formed in %u epochs, deltas "
			"of at most %zu bytes\n", epochs, max_len);
	/* Nothing to do when nothing changed. */
	CHECK_EQ(epoch_delta(&r.d, &r.next, &r.partial, &r.leader, v, n), -1);

	/* The whole epoch: a snapshot. */
	len = raft_epoch_encode(&r.follower, snap, sizeof(snap));
	CHECK_EQ(len, 16 + 16 * 1000);
	CHECK_EQ(raft_epoch_decode(snap, len, &tmp), RAFT_WIRE_OK);
	CHECK(epoch_same_members(&tmp, v, n));
	printf("test_epoch_plan: a 1,000-member epoch is %zu bytes whole "
			"(%zu snapshot chunks of %u)\n", len,
			(len + RAFT_SNAP_CHUNK_MAX - 1) / RAFT_SNAP_CHUNK_MAX,
			RAFT_SNAP_CHUNK_MAX);

	/* One join. */
	v[n] = member(5000, 1);
	n++;
	CHECK_EQ(replicate(&r, v, n), 32 + 16);
	CHECK(!r.partial);
	/* One leave (member 500). */
	memmove(&v[499], &v[500], (n - 500) * sizeof(v[0]));
	n--;
	CHECK_EQ(replicate(&r, v, n), 32 + 4);
	/* A weight change. */
	v[10].weight = 999;
	CHECK_EQ(replicate(&r, v, n), 32 + 16);
	CHECK_EQ(r.d.n_upserts, 1);
	printf("test_epoch_plan: at 1,000 members a join is a %u-byte delta,"
			" a leave %u bytes\n", 32 + 16, 32 + 4);
	/* 200 joins at once: 3 epochs (81, 81, 38). */
	for (uint32_t i = 0; i < 200; i++)
		v[n + i] = member(6000 + i, 2);
	n += 200;
	epochs = 0;
	do {
		replicate(&r, v, n);
		epochs++;
	} while (r.partial);
	CHECK_EQ(epochs, 3);
	CHECK(epoch_same_members(&r.follower, v, n));
	/* 500 die at once: 2 epochs, the removals in the first. */
	memmove(&v[0], &v[500], (n - 500) * sizeof(v[0]));
	n -= 500;
	replicate(&r, v, n);
	CHECK(r.partial);
	CHECK_EQ(r.d.n_removed, RAFT_DELTA_REMOVED_MAX);
	CHECK_EQ(r.d.n_upserts, 0);
	replicate(&r, v, n);
	CHECK(!r.partial);
	CHECK_EQ(r.d.n_removed, 500 - RAFT_DELTA_REMOVED_MAX);
	CHECK(epoch_same_members(&r.follower, v, n));

	/* Refusals: another base, a wrong hash, a wrong count, a stranger. */
	v[n] = member(9000, 1);
	CHECK_EQ(epoch_delta(&r.d, &r.next, &r.partial, &r.leader, v, n + 1),
			0);
	r.d.base--;
	CHECK_EQ(epoch_apply(&tmp, &r.follower, &r.d), -1);
	r.d.base++;
	r.d.hash ^= 1;
	CHECK_EQ(epoch_apply(&tmp, &r.follower, &r.d), -1);
	r.d.hash ^= 1;
	r.d.n_members++;
	CHECK_EQ(epoch_apply(&tmp, &r.follower, &r.d), -1);
	r.d.n_members--;
	CHECK_EQ(epoch_apply(&tmp, NULL, &r.d), -1);
	r.d.n_removed = 1;
	r.d.removed[0] = 1;		/* Not a member any more. */
	CHECK_EQ(epoch_apply(&tmp, &r.follower, &r.d), -1);
}

/* Everyone leaves for one newcomer: the epoch between keeps one. */
static void
test_delta_all_leave(void)
{
	static struct replicas r;
	static struct raft_epoch_member v[RAFT_DELTA_REMOVED_MAX];

	for (uint32_t i = 0; i < RAFT_DELTA_REMOVED_MAX; i++)
		v[i] = member(i + 1, 1);
	CHECK_EQ(epoch_next(&r.leader, NULL, v, RAFT_DELTA_REMOVED_MAX), 0);
	r.follower = r.leader;
	r.have = r.have_leader = true;
	v[0] = member(10000, 1);
	replicate(&r, v, 1);
	CHECK(r.partial);
	CHECK_EQ(r.next.n_members, 1);
	replicate(&r, v, 1);
	CHECK(!r.partial);
	CHECK(epoch_same_members(&r.follower, v, 1));
}

/*
 * A member's zone is part of the epoch: a change of zone alone is a
 * change to propose, travels as an upsert, and changes the hash, which
 * stays that of the encoding.
 */
static void
test_zone_change(void)
{
	struct planner p = planner(5, 1000);
	static struct raft_epoch last, next, applied;
	static struct raft_epoch_delta d;
	static uint8_t buf[RAFT_EPOCH_HDR_LEN + 5 * RAFT_EPOCH_MEMBER_LEN];
	bool partial;
	size_t len;

	for (uint32_t i = 0; i < 5; i++)
		view[i].zone = (uint8_t)(1 + i % 2);
	CHECK_EQ(epoch_next(&last, NULL, view, 5), 0);
	len = raft_epoch_encode(&last, buf, sizeof(buf));
	CHECK_EQ(len, sizeof(buf));
	CHECK_EQ(epoch_hash(&last), XXH3_64bits(buf, len));
	p.in = in_make(&last, 5, 2000);
	CHECK_EQ(plan(&p), EPOCH_IDLE);

	view[2].zone = 9;
	CHECK(!epoch_same_members(&last, view, 5));
	CHECK_EQ(plan(&p), EPOCH_WAIT);
	CHECK_EQ(plan_at(&p, 2000 + EPOCH_BATCH_MS), EPOCH_PROPOSE);
	CHECK_EQ(epoch_delta(&d, &next, &partial, &last, view, 5), 0);
	CHECK(!partial);
	CHECK(d.n_removed == 0 && d.n_upserts == 1 && d.upserts[0].id == 3 &&
			d.upserts[0].zone == 9);
	CHECK(d.hash != epoch_hash(&last));
	CHECK_EQ(raft_epoch_encode(&next, buf, sizeof(buf)), len);
	CHECK_EQ(d.hash, XXH3_64bits(buf, len));
	/* A follower gets the same zones, or refuses a hash without them. */
	CHECK_EQ(epoch_apply(&applied, &last, &d), 0);
	CHECK_EQ(applied.members[2].zone, 9);
	CHECK(epoch_same_members(&applied, view, 5));
	d.upserts[0].zone = 8;
	CHECK_EQ(epoch_apply(&applied, &last, &d), -1);
	for (uint32_t i = 0; i < 5; i++)
		view[i].zone = 0;
}

static const struct test_section sections[] = {
	{ "batch", test_batch },
	{ "who", test_who },
	{ "limit", test_limit },
	{ "continuing", test_continuing },
	{ "delta_codec", test_delta_codec },
	{ "delta_1000", test_delta_1000 },
	{ "delta_all_leave", test_delta_all_leave },
	{ "zone_change", test_zone_change },
};

int
main(int argc, char **argv)
{
	return test_run(argc, argv, "test_epoch_plan", sections,
			TEST_DIM(sections));
}
