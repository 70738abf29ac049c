/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SWIM membership (include/rumor/swim.h) over a small in-memory network run in
 * 10 ms steps from a fixed seed: join through a seed, detection of a
 * crashed node by everyone, refutation of a false suspicion, graceful
 * leave, a restarted node rejoining above its old incarnation, loss, a
 * healed partition merging by itself, Lifeguard's local health, claims
 * only a member may make of itself, and malformed input.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/swim.h"
#include "test.h"

#define NODES_MAX 16
#define STEP_MS 10
#define PORT 7946

struct net {
	struct swim *node[NODES_MAX];
	bool down[NODES_MAX];	/* Crashed: neither ticks nor receives. */
	unsigned n;
	uint64_t now;
	uint64_t rng;
	unsigned loss_pct;	/* Each datagram lost with this chance. */
	bool split;		/* Partition: side[] cannot reach each other. */
	bool deaf[NODES_MAX];	/* Receives nothing (but still sends). */
	uint8_t side[NODES_MAX];
	uint64_t delivered, lost;
};

static uint32_t
node_ip(unsigned i)
{
	return htonl(0x0a000001u + i);	/* 10.0.0.(i + 1) */
}

static struct swim *
node_new(struct net *w, unsigned i)
{
	struct swim_params p;
	struct swim_self self = { .id = i + 1, .ip = node_ip(i),
			.port = PORT, .weight = 1 };

	swim_params_default(&p);
	return swim_new(&self, &p, 1000 + i, w->now);
}

static void
net_init(struct net *w, unsigned n, unsigned loss_pct)
{
	memset(w, 0, sizeof(*w));
	w->n = n;
	w->rng = 42;
	w->loss_pct = loss_pct;
	for (unsigned i = 0; i < n; i++)
		w->node[i] = node_new(w, i);
}

static void
net_free(struct net *w)
{
	for (unsigned i = 0; i < w->n; i++)
		swim_free(w->node[i]);
}

/* Deliver every pending datagram (and what they cause) at once. */
static void
net_flush(struct net *w)
{
	bool again = true;

	while (again) {
		again = false;
		for (unsigned i = 0; i < w->n; i++) {
			struct swim_out o;

			if (w->down[i])
				continue;
			while (swim_output(w->node[i], &o)) {
				unsigned to = ntohl(o.ip) - 0x0a000001u;

				again = true;
				w->rng = w->rng * 6364136223846793005ull + 1;
				if (to >= w->n || w->down[to] ||
						w->deaf[to] || (w->split &&
						w->side[to] != w->side[i]) ||
						(w->rng >> 33) % 100 <
						w->loss_pct) {
					w->lost++;
					continue;
				}
				w->delivered++;
				swim_input(w->node[to], w->now, node_ip(i),
						PORT, o.buf, o.len);
			}
		}
	}
}

static void
net_run(struct net *w, uint64_t ms)
{
	uint64_t end = w->now + ms;

	while (w->now < end) {
		w->now += STEP_MS;
		for (unsigned i = 0; i < w->n; i++)
			if (!w->down[i] &&
					swim_next_timer(w->node[i]) <= w->now)
				swim_tick(w->node[i], w->now);
		net_flush(w);
	}
}

/* Everyone up joins through node 0. */
static void
net_join_all(struct net *w)
{
	uint32_t ip = node_ip(0);
	uint16_t port = PORT;

	for (unsigned i = 1; i < w->n; i++)
		swim_join(w->node[i], w->now, &ip, &port, 1);
	net_flush(w);
}

/* n nodes (loss_pct of datagrams lost), joined, after ms of running. */
static void
net_start(struct net *w, unsigned n, unsigned loss_pct, uint64_t ms)
{
	net_init(w, n, loss_pct);
	net_join_all(w);
	net_run(w, ms);
}

/* The nodes' counters added up (those the tests read). */
static struct swim_stats
net_stats(const struct net *w)
{
	struct swim_stats t = { 0 };

	for (unsigned i = 0; i < w->n; i++) {
		const struct swim_stats *st = swim_stats(w->node[i]);

		t.suspected += st->suspected;
		t.syncs += st->syncs;
		t.digests += st->digests;
	}
	return t;
}

/* The state node `who` holds of node id `of`, or -1 if unknown. */
static int
state_of(struct net *w, unsigned who, uint32_t of)
{
	const struct swim_member *m = swim_member_find(w->node[who], of);

	return m != NULL ? m->state : -1;
}

/* How many live nodes hold `state` for id `of`. */
static unsigned
count_view(struct net *w, uint32_t of, int state)
{
	unsigned c = 0;

	for (unsigned i = 0; i < w->n; i++)
		c += !w->down[i] && i + 1 != of && state_of(w, i, of) == state;
	return c;
}

/*
 * Run in steps of step ms, at most max ms, until done(w): how long that
 * took, or 0 if it never held.
 */
static uint64_t
net_run_until(struct net *w, uint64_t step, uint64_t max,
		bool (*done)(struct net *w))
{
	uint64_t t0 = w->now;

	while (w->now - t0 < max) {
		net_run(w, step);
		if (done(w))
			return w->now - t0;
	}
	return 0;
}

/* test_crash: the 7 others hold node 5 dead. */
static bool
node5_dead(struct net *w)
{
	return count_view(w, 5, SWIM_DEAD) == 7;
}

/* test_partition_heal: each of the 8 nodes holds the 7 others alive. */
static bool
eight_alive(struct net *w)
{
	unsigned alive = 0;

	for (uint32_t id = 1; id <= 8; id++)
		alive += count_view(w, id, SWIM_ALIVE);
	return alive == 8 * 7;
}

/* Every node but id `except` (0: none) is alive in `views` views. */
static void
check_alive(struct net *w, uint32_t except, unsigned views)
{
	for (uint32_t id = 1; id <= w->n; id++)
		if (id != except)
			CHECK_EQ(count_view(w, id, SWIM_ALIVE), views);
}

static void
test_join(void)
{
	struct net w;

	net_start(&w, 8, 0, 20000);
	check_alive(&w, 0, 7);
	for (unsigned i = 0; i < 8; i++)
		CHECK_EQ(swim_stats(w.node[i])->suspected, 0);
	net_free(&w);
}

/*
 * Anti-entropy in a quiet cluster: once the views agree, the periodic
 * exchange is a DIGEST, and no push-pull follows (each node's digest
 * matches its peer's). Views that differ are repaired by push-pulls; the
 * simulator's join storms and partitions exercise that path.
 */
static void
test_digest(void)
{
	struct net w;
	struct swim_stats before, after;

	net_start(&w, 8, 0, 120000);
	before = net_stats(&w);
	net_run(&w, 300000);	/* Ten sync intervals, all quiet. */
	after = net_stats(&w);
	CHECK_EQ(after.syncs - before.syncs, 0);	/* No push-pull... */
	CHECK(after.digests - before.digests >= 8 * 8);	/* ...digests. */
	check_alive(&w, 0, 7);
	net_free(&w);
}

static void
test_crash(void)
{
	struct net w;
	uint64_t detected;

	net_start(&w, 8, 0, 20000);
	w.down[4] = true;	/* Node id 5. */
	detected = net_run_until(&w, 100, 60000, node5_dead);
	CHECK(detected > 0);
	/* Suspicion timeout 4 s at 8 nodes; a few probe rounds besides. */
	CHECK(detected <= 4000 + 10000);
	printf("crash: all 7 know node 5 is dead after %lu ms\n",
			(unsigned long)detected);
	check_alive(&w, 5, 6);
	net_free(&w);
}

static void
test_refute(void)
{
	struct net w;
	struct swim_msg m;
	uint8_t buf[SWIM_MSG_MAX];
	size_t len;
	const struct swim_member *me;

	net_start(&w, 6, 0, 20000);
	/* Node 3 tells node 4 that node 2 is suspect. */
	memset(&m, 0, sizeof(m));
	m.kind = SWIM_ACK;
	m.from = 3;
	m.n_updates = 1;
	m.updates[0] = (struct swim_update){ .id = 2, .ip = node_ip(1),
			.port = PORT, .state = SWIM_SUSPECT,
			.incarnation = 0, .weight = 1 };
	len = swim_encode(&m, buf, sizeof(buf));
	CHECK(len > 0);
	swim_input(w.node[3], w.now, node_ip(2), PORT, buf, len);
	CHECK_EQ(state_of(&w, 3, 2), SWIM_SUSPECT);
	net_run(&w, 3000);	/* Less than the suspicion timeout. */
	CHECK_EQ(count_view(&w, 2, SWIM_ALIVE), 5);
	me = swim_member_find(w.node[1], 2);
	CHECK(me != NULL && me->incarnation >= 1);
	CHECK(swim_stats(w.node[1])->refuted >= 1);
	net_free(&w);
}

static void
test_leave(void)
{
	struct net w;

	net_start(&w, 6, 0, 20000);
	swim_leave(w.node[5], w.now);
	net_flush(&w);
	net_run(&w, 5000);
	CHECK_EQ(count_view(&w, 6, SWIM_LEFT), 5);
	net_free(&w);
}

static void
test_restart(void)
{
	struct net w;
	uint32_t ip = node_ip(0);
	uint16_t port = PORT;
	const struct swim_member *m;

	net_start(&w, 6, 0, 20000);
	w.down[2] = true;
	net_run(&w, 30000);
	CHECK_EQ(count_view(&w, 3, SWIM_DEAD), 5);
	/* Restart with incarnation 0, as a fresh process would. */
	swim_free(w.node[2]);
	w.node[2] = node_new(&w, 2);
	w.down[2] = false;
	swim_join(w.node[2], w.now, &ip, &port, 1);
	net_flush(&w);
	net_run(&w, 20000);
	CHECK_EQ(count_view(&w, 3, SWIM_ALIVE), 5);
	m = swim_member_find(w.node[0], 3);
	CHECK(m != NULL && m->incarnation >= 1);
	net_free(&w);
}

static void
test_loss(void)
{
	struct net w;
	uint64_t false_suspicions;

	net_start(&w, 10, 5, 120000);
	check_alive(&w, 0, 9);
	false_suspicions = net_stats(&w).suspected;
	printf("loss 5%%: %lu delivered, %lu lost, %lu suspicions, "
			"none fatal\n", (unsigned long)w.delivered,
			(unsigned long)w.lost,
			(unsigned long)false_suspicions);
	net_free(&w);
}

/*
 * A partition long enough for each side to declare the other dead, then
 * healed: the pings to members held dead, and the push-pulls they start,
 * bring the sides back together within a few probe periods, with nobody
 * re-joining.
 */
static void
test_partition_heal(void)
{
	struct net w;
	uint64_t healed;

	net_start(&w, 8, 0, 20000);
	for (unsigned i = 0; i < 8; i++)
		w.side[i] = i >= 4;
	w.split = true;
	net_run(&w, 60000);
	CHECK_EQ(count_view(&w, 1, SWIM_DEAD), 4);	/* The far side. */
	CHECK_EQ(count_view(&w, 8, SWIM_DEAD), 4);
	w.split = false;
	healed = net_run_until(&w, 1000, 180000, eight_alive);
	CHECK(healed > 0);
	CHECK(healed <= 10000);
	printf("partition: one view again %lu ms after healing\n",
			(unsigned long)healed);
	net_free(&w);
}

/*
 * Lifeguard local health: a node that hears nothing (all its probes fail,
 * and no relay even NACKs) slows itself down; the healthy nodes, whose
 * relays NACK, stay near full speed; once it hears again, it recovers.
 */
static void
test_health(void)
{
	struct net w;
	uint32_t worst_other = 0;

	net_start(&w, 6, 0, 20000);
	w.deaf[0] = true;
	net_run(&w, 15000);
	CHECK(swim_stats(w.node[0])->health >= 4);
	for (unsigned i = 1; i < 6; i++)
		if (swim_stats(w.node[i])->health > worst_other)
			worst_other = swim_stats(w.node[i])->health;
	CHECK(worst_other <= 2);
	printf("health: deaf node %u, worst other %u\n",
			swim_stats(w.node[0])->health, worst_other);
	w.deaf[0] = false;
	net_run(&w, 120000);
	CHECK_EQ(swim_stats(w.node[0])->health, 0);
	CHECK_EQ(count_view(&w, 1, SWIM_ALIVE), 5);
	net_free(&w);
}

/* Node `from` tells node `to` (index) that member `about` is alive. */
static void
tell_alive(struct net *w, unsigned to, uint32_t from, uint32_t about,
		uint32_t inc, uint32_t ip)
{
	struct swim_msg m;
	uint8_t buf[SWIM_MSG_MAX];
	size_t len;

	memset(&m, 0, sizeof(m));
	m.kind = SWIM_GOSSIP;
	m.from = from;
	m.n_updates = 1;
	m.updates[0] = (struct swim_update){ .id = about, .ip = ip,
			.port = PORT, .state = SWIM_ALIVE,
			.incarnation = inc, .weight = 1 };
	len = swim_encode(&m, buf, sizeof(buf));
	CHECK(len > 0);
	swim_input(w->node[to], w->now, node_ip(from - 1), PORT, buf, len);
}

/*
 * Claims only a member makes of itself: relayed, an incarnation of node 2
 * rises by one at most and its address does not move; from node 2
 * itself, both are believed.
 */
static void
test_claims(void)
{
	const struct swim_member *m;
	struct net w;
	uint32_t inc;

	net_start(&w, 4, 0, 20000);
	m = swim_member_find(w.node[3], 2);
	CHECK(m != NULL);
	inc = m->incarnation;
	/* Node 3 says node 2 is alive far above: refused. */
	tell_alive(&w, 3, 3, 2, UINT32_MAX, node_ip(1));
	m = swim_member_find(w.node[3], 2);
	CHECK_EQ(m->incarnation, inc);
	CHECK_EQ(swim_stats(w.node[3])->claims_refused, 1);
	/* One above: believed (a refutation relayed), but not a new address. */
	tell_alive(&w, 3, 3, 2, inc + 1, node_ip(9));
	m = swim_member_find(w.node[3], 2);
	CHECK_EQ(m->incarnation, inc + 1);
	CHECK_EQ(m->ip, node_ip(1));
	CHECK_EQ(swim_stats(w.node[3])->claims_refused, 2);
	/* Node 2 itself may jump and move. */
	tell_alive(&w, 3, 2, 2, inc + 10, node_ip(9));
	m = swim_member_find(w.node[3], 2);
	CHECK_EQ(m->incarnation, inc + 10);
	CHECK_EQ(m->ip, node_ip(9));
	net_free(&w);
}

static void
test_bad_input(void)
{
	struct net w;
	uint8_t junk[64];

	net_init(&w, 2, 0);
	memset(junk, 0xa5, sizeof(junk));
	swim_input(w.node[0], 0, node_ip(1), PORT, junk, sizeof(junk));
	swim_input(w.node[0], 0, node_ip(1), PORT, junk, 3);
	swim_input(w.node[0], 0, node_ip(1), PORT, NULL, 0);
	CHECK_EQ(swim_stats(w.node[0])->bad, 3);
	CHECK_EQ(swim_stats(w.node[0])->received, 0);
	net_free(&w);
}

static const struct test_section sections[] = {
	{ "join", test_join },
	{ "digest", test_digest },
	{ "crash", test_crash },
	{ "refute", test_refute },
	{ "leave", test_leave },
	{ "restart", test_restart },
	{ "loss", test_loss },
	{ "partition_heal", test_partition_heal },
	{ "health", test_health },
	{ "claims", test_claims },
	{ "bad_input", test_bad_input },
};

int
main(int argc, char **argv)
{
	return test_run(argc, argv, "test_swim", sections,
			TEST_DIM(sections));
}
