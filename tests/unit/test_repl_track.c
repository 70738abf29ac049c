/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replication progress (include/rumor/repl_track.h, lib/core/
 * repl_track.c): the commit rule for every replica count, acks out of
 * order and from strangers, a replica's window, its taking up of a
 * stream, and a random run of lossy, reordered, duplicated REPLICATEs
 * and REPL_ACKs against a model that knows what each replica holds: a
 * sequence the owner calls committed is always held by a majority.
 */
#include <stdlib.h>
#include <string.h>

#include "rumor/repl_track.h"
#include "test.h"

static void
test_commit_rule(void)
{
	const uint32_t ids[4] = { 11, 12, 13, 14 };
	struct repl_owner o;

	/* R = 1: the owner alone. */
	repl_owner_init(&o, ids, 0);
	CHECK_EQ(repl_owner_committed(&o, 9), 9);
	CHECK_EQ(repl_owner_all(&o, 9), 9);
	CHECK_EQ(repl_owner_ack(&o, 11, 5, 9), -1);

	/* R = 2: both. */
	repl_owner_init(&o, ids, 1);
	CHECK_EQ(repl_owner_committed(&o, 9), 0);
	CHECK_EQ(repl_owner_ack(&o, 11, 4, 9), 1);
	CHECK_EQ(repl_owner_committed(&o, 9), 4);
	CHECK_EQ(repl_owner_all(&o, 9), 4);

	/* R = 3: the owner and one. */
	repl_owner_init(&o, ids, 2);
	CHECK_EQ(repl_owner_ack(&o, 12, 6, 9), 1);
	CHECK_EQ(repl_owner_committed(&o, 9), 6);
	CHECK_EQ(repl_owner_all(&o, 9), 0);
	CHECK_EQ(repl_owner_ack(&o, 11, 3, 9), 1);
	CHECK_EQ(repl_owner_committed(&o, 9), 6);
	CHECK_EQ(repl_owner_all(&o, 9), 3);
	CHECK_EQ(repl_owner_holding(&o, 3, 9), 3);
	CHECK_EQ(repl_owner_holding(&o, 5, 9), 2);
	CHECK_EQ(repl_owner_holding(&o, 7, 9), 1);
	CHECK_EQ(repl_owner_holding(&o, 10, 9), 0);

	/* R = 4: the owner and two; R = 5: the owner and two. */
	repl_owner_init(&o, ids, 3);
	CHECK_EQ(repl_owner_ack(&o, 11, 8, 9), 1);
	CHECK_EQ(repl_owner_committed(&o, 9), 0);
	CHECK_EQ(repl_owner_ack(&o, 13, 2, 9), 1);
	CHECK_EQ(repl_owner_committed(&o, 9), 2);
	repl_owner_init(&o, ids, 4);
	CHECK_EQ(repl_owner_ack(&o, 14, 8, 9), 1);
	CHECK_EQ(repl_owner_ack(&o, 12, 5, 9), 1);
	CHECK_EQ(repl_owner_committed(&o, 9), 5);
	CHECK_EQ(repl_owner_all(&o, 9), 0);

	/* Cumulative: never down, capped at stamped; strangers refused. */
	CHECK_EQ(repl_owner_ack(&o, 14, 3, 9), 0);
	CHECK_EQ(repl_owner_ack(&o, 14, 8, 9), 0);
	CHECK_EQ(repl_owner_ack(&o, 12, 100, 9), 1);
	CHECK_EQ(o.held[1], 9);
	CHECK_EQ(repl_owner_ack(&o, 99, 1, 9), -1);
	CHECK_EQ(repl_owner_ack(&o, 0, 1, 9), -1);
	/* More ids than a set holds: the first REPL_OTHERS_MAX. */
	repl_owner_init(&o, ids, 40);
	CHECK_EQ(o.n, REPL_OTHERS_MAX);
}

static void
test_recv(void)
{
	struct repl_recv r;
	bool re;

	memset(&r, 0, sizeof(r));
	/* Taken up only at most one past committed. */
	CHECK_EQ(repl_recv_take(&r, 7, 5, 3, &re), REPL_RECV_FAR);
	CHECK_EQ(repl_recv_take(&r, 7, 0, 3, &re), REPL_RECV_FAR);
	CHECK_EQ(repl_recv_take(&r, 7, 4, 3, &re), REPL_RECV_NEW);
	CHECK(!re);
	CHECK_EQ(r.first, 4);
	CHECK_EQ(r.held, 4);
	/* Out of order within the window; held moves when contiguous. */
	CHECK_EQ(repl_recv_take(&r, 7, 6, 3, &re), REPL_RECV_NEW);
	CHECK_EQ(r.held, 4);
	CHECK_EQ(repl_recv_take(&r, 7, 6, 3, &re), REPL_RECV_DUP);
	CHECK_EQ(repl_recv_take(&r, 7, 5, 3, &re), REPL_RECV_NEW);
	CHECK_EQ(r.held, 6);
	CHECK_EQ(repl_recv_take(&r, 7, 2, 3, &re), REPL_RECV_DUP);
	/* The window's edge. */
	CHECK_EQ(repl_recv_take(&r, 7, 6 + REPL_WINDOW + 1, 3, &re),
			REPL_RECV_FAR);
	CHECK_EQ(repl_recv_take(&r, 7, 6 + REPL_WINDOW, 3, &re),
			REPL_RECV_NEW);
	CHECK_EQ(r.held, 6);
	for (uint64_t s = 7; s < 6 + REPL_WINDOW; s++)
		CHECK_EQ(repl_recv_take(&r, 7, s, 3, &re), REPL_RECV_NEW);
	CHECK_EQ(r.held, 6 + REPL_WINDOW);
	CHECK_EQ(r.above, 0);
	/* A committed hole: jumped (a failover's), bits above kept. */
	CHECK_EQ(r.held, 6 + REPL_WINDOW);
	CHECK_EQ(repl_recv_take(&r, 7, r.held + 3, r.held, &re),
			REPL_RECV_NEW);
	CHECK_EQ(r.held, 6 + REPL_WINDOW);	/* Not committed: a hole. */
	CHECK_EQ(repl_recv_take(&r, 7, 6 + REPL_WINDOW + 1000, 6 +
			REPL_WINDOW + 999, &re), REPL_RECV_NEW);
	CHECK(!re);
	CHECK_EQ(r.first, 6 + REPL_WINDOW + 1000);
	CHECK_EQ(r.held, 6 + REPL_WINDOW + 1000);
	CHECK_EQ(r.above, 0);
	{
		struct repl_recv j = { .stream = 3, .first = 1, .held = 10,
			.above = 0xa };		/* 12 and 14 received. */

		CHECK_EQ(repl_recv_take(&j, 3, 13, 12, &re), REPL_RECV_NEW);
		CHECK_EQ(j.first, 13);
		CHECK_EQ(j.held, 14);		/* 13, then 14 held. */
		CHECK_EQ(j.above, 0);
	}
	/* Another stream: only where the owner's committed allows. */
	CHECK_EQ(repl_recv_take(&r, 8, 10, 2, &re), REPL_RECV_FAR);
	CHECK_EQ(r.stream, 7);
	CHECK_EQ(repl_recv_take(&r, 8, 1, 0, &re), REPL_RECV_NEW);
	CHECK(re);
	CHECK_EQ(r.stream, 8);
	CHECK_EQ(r.held, 1);
}

/*
 * The random run: one owner stamping, n replicas, a network that loses,
 * duplicates and reorders both ways, the owner resending what follows a
 * replica's held. The model is what each replica really stored.
 */
#define RUN_SEQS 400u
#define RUN_NET 64u

struct pkt {
	uint32_t to;		/* Replica index; REPL_OTHERS_MAX: owner. */
	uint32_t from;
	uint64_t seq;		/* REPLICATE: its seq; REPL_ACK: held. */
	uint64_t committed;
};

static void
run_one(uint32_t n, unsigned seed)
{
	const uint32_t ids[4] = { 2, 3, 4, 5 };
	struct repl_owner o;
	struct repl_recv r[REPL_OTHERS_MAX];
	static bool stored[REPL_OTHERS_MAX][RUN_SEQS + 1];
	struct pkt net[RUN_NET];
	uint32_t in_net = 0;
	uint64_t stamped = 0, last_committed = 0;

	srand(seed);
	repl_owner_init(&o, ids, n);
	memset(r, 0, sizeof(r));
	memset(stored, 0, sizeof(stored));
	for (int step = 0; step < 20000; step++) {
		uint64_t committed = repl_owner_committed(&o, stamped);
		int what = rand() % 4;

		CHECK(committed >= last_committed);
		last_committed = committed;
		/* Committed: held by a majority, the owner one of them. */
		if (committed > 0) {
			uint32_t k = 1;

			for (uint32_t i = 0; i < n; i++)
				k += stored[i][committed];
			CHECK(k >= (n + 1) / 2 + 1);
		}
		CHECK(repl_owner_all(&o, stamped) <= committed);
		if (what == 0 && stamped < RUN_SEQS &&
				stamped < committed + REPL_WINDOW) {
			stamped++;
			for (uint32_t i = 0; i < n && in_net < RUN_NET; i++)
				net[in_net++] = (struct pkt){ .to = i,
					.seq = stamped,
					.committed = committed };
		} else if (what == 1 && n > 0 && in_net < RUN_NET) {
			/* A resend of what follows a replica's held. */
			uint32_t i = (uint32_t)rand() % n;
			uint64_t s = o.held[i] + 1;

			if (s <= stamped)
				net[in_net++] = (struct pkt){ .to = i, .seq = s,
					.committed = s - 1 < committed ?
					s - 1 : committed };
		} else if (in_net > 0) {
			/* Deliver a random one: reordered; maybe lost or
			 * kept to come again. */
			uint32_t k = (uint32_t)rand() % in_net;
			struct pkt p = net[k];
			int fate = rand() % 10;

			if (fate != 0)
				net[k] = net[--in_net];
			if (fate == 1)
				continue;		/* Lost. */
			if (p.to == REPL_OTHERS_MAX) {
				(void)repl_owner_ack(&o, ids[p.from], p.seq,
						stamped);
				continue;
			}
			bool re;
			enum repl_recv_verdict v = repl_recv_take(&r[p.to], 1,
					p.seq, p.committed, &re);

			CHECK(!re);
			if (v == REPL_RECV_NEW)
				stored[p.to][p.seq] = true;
			/* What it says it holds, it holds. */
			for (uint64_t s = r[p.to].first; s != 0 &&
					s <= r[p.to].held; s++)
				if (!stored[p.to][s]) {
					CHECK(stored[p.to][s]);
					break;
				}
			if (in_net < RUN_NET)
				net[in_net++] = (struct pkt){
					.to = REPL_OTHERS_MAX, .from = p.to,
					.seq = r[p.to].held };
		}
	}
	/* Everything stamped early enough ends up committed. */
	CHECK(stamped > RUN_SEQS / 2 || n == 0);
}

static void
test_random(void)
{
	for (unsigned seed = 1; seed <= 40; seed++)
		for (uint32_t n = 0; n <= REPL_OTHERS_MAX; n++)
			run_one(n, seed * 7 + n);
}

static const struct test_section sections[] = {
	{ "commit_rule", test_commit_rule },
	{ "recv", test_recv },
	{ "random", test_random },
};

int
main(int argc, char **argv)
{
	return test_run(argc, argv, "test_repl_track", sections,
			TEST_DIM(sections));
}
