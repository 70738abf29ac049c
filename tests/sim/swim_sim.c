/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor-sim: many SWIM nodes (lib/protocols/swim.c, the same code as the
 * process) in one process over a simulated network, reproducible from a
 * seed. Events (timers and datagram deliveries) run in time order; the
 * network loses, duplicates and delays datagrams (uniform delay, so
 * datagrams also reorder); slow nodes run their timers and handle their
 * datagrams five times late. Nodes join through three seeds in the first
 * second; after a warm-up, some crash at random times, and may restart
 * (with their state lost: incarnation 0) some seconds later; a partition,
 * symmetric or one-way, may split the nodes in two for a while.
 *
 * It checks invariants after every event and measures: time for every
 * node to see every other alive (join), time from a crash to its first
 * suspicion and to every live node holding it dead, time for a restarted
 * node to be alive again in every view (with an incarnation above the one
 * it died with: its old life cannot come back), time for one view after
 * a partition heals, false deaths (live nodes anyone held dead, sampled
 * every second, outside partitions and restarts), and bytes sent per
 * node per second after the warm-up. A failing run prints the command
 * that reproduces it.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/swim.h"

#define PORT 7946
#define CHECK_MS 100		/* Observation period for detection. */

struct event {
	uint64_t t;
	uint64_t order;		/* Ties break by creation: deterministic. */
	uint32_t node;		/* Destination (message) or owner (timer). */
	uint32_t src;		/* Message source; UINT32_MAX for a timer. */
	uint16_t len;
	uint8_t *buf;
};

struct opts {
	uint32_t nodes;
	uint64_t seed;
	uint32_t seconds;	/* After warm-up. */
	uint32_t warmup;	/* Seconds before crashes start. */
	uint32_t crashes;
	uint32_t loss_pct, dup_pct;
	uint32_t delay_min_ms, delay_max_ms;
	uint32_t slow_pct;	/* Percent of nodes running SLOW_FACTOR slow. */
	uint32_t restart_s;	/* Crashed nodes restart after this; 0: never. */
	uint32_t partition_s;	/* Partition length; 0: none. */
	bool asym;		/* Only side 0 -> side 1 is cut. */
};

#define SLOW_FACTOR 5

struct sim {
	struct opts o;
	struct swim **node;
	bool *down;
	bool *slow;		/* Timers and processing SLOW_FACTOR late. */
	bool *false_dead;	/* Held dead by someone while alive. */
	uint32_t *crashed;	/* Indexes of the nodes down so far. */
	uint32_t n_crashed;
	uint64_t *crash_t;	/* When it crashed (0: never). */
	uint64_t *first_suspect, *all_dead;	/* Times after the crash. */
	uint64_t now, rng, order;
	struct event *heap;
	size_t heap_n, heap_cap;
	uint64_t *timer_at;	/* Timer event pending for each node. */
	uint64_t failures;
	/* Restarts: when, and when every live node held it alive again. */
	uint64_t *restart_t, *rejoin_t;
	uint32_t *death_inc;	/* Highest incarnation it was held dead at. */
	uint32_t n_restarted;
	/* Partition: the side of each node, and whether it is in force. */
	uint8_t *side;
	bool split;
	bool quiet;		/* Views may legitimately differ: partition
				 * or restart not yet healed. */
};

static uint64_t
rnd(struct sim *s)
{
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 0x2545f4914f6cdd1dull;
}

static uint64_t
rnd_below(struct sim *s, uint64_t n)
{
	return n != 0 ? rnd(s) % n : 0;
}

static bool
before(const struct event *a, const struct event *b)
{
	return a->t != b->t ? a->t < b->t : a->order < b->order;
}

static void
push(struct sim *s, struct event e)
{
	size_t i;

	if (s->heap_n == s->heap_cap) {
		s->heap_cap = s->heap_cap ? s->heap_cap * 2 : 1024;
		s->heap = realloc(s->heap, s->heap_cap * sizeof(*s->heap));
		if (s->heap == NULL)
			abort();
	}
	e.order = s->order++;
	for (i = s->heap_n++; i > 0 && before(&e, &s->heap[(i - 1) / 2]);
			i = (i - 1) / 2)
		s->heap[i] = s->heap[(i - 1) / 2];
	s->heap[i] = e;
}

static struct event
pop(struct sim *s)
{
	struct event top = s->heap[0], last = s->heap[--s->heap_n];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= s->heap_n)
			break;
		if (c + 1 < s->heap_n && before(&s->heap[c + 1], &s->heap[c]))
			c++;
		if (!before(&s->heap[c], &last))
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	s->heap[i] = last;
	return top;
}

static uint32_t
ip_of(uint32_t i)
{
	return htonl(0x0a000000u + i + 1);
}

static void
schedule_timer(struct sim *s, uint32_t i)
{
	uint64_t t = swim_next_timer(s->node[i]);

	if (t < s->now)
		t = s->now;
	if (s->slow[i] && t != UINT64_MAX)
		t = s->now + (t - s->now) * SLOW_FACTOR;
	if (t != UINT64_MAX && t < s->timer_at[i]) {
		s->timer_at[i] = t;
		push(s, (struct event){ .t = t, .node = i,
				.src = UINT32_MAX });
	}
}

/* Put node i's outgoing datagrams on the network. */
static void
transmit(struct sim *s, uint32_t i)
{
	struct swim_out o;

	while (swim_output(s->node[i], &o)) {
		uint32_t to = ntohl(o.ip) - 0x0a000001u;
		int copies = 1 + (rnd_below(s, 100) < s->o.dup_pct);

		if (to >= s->o.nodes)
			continue;
		for (int c = 0; c < copies; c++) {
			struct event e = { .node = to, .src = i, .len = o.len };

			if (rnd_below(s, 100) < s->o.loss_pct)
				continue;
			if (s->split && s->side[i] != s->side[to] &&
					(!s->o.asym || s->side[i] == 0))
				continue;
			e.t = s->now + s->o.delay_min_ms + rnd_below(s,
					s->o.delay_max_ms - s->o.delay_min_ms
					+ 1);
			/* A slow node takes that much longer to get to it. */
			if (s->slow[to])
				e.t += (e.t - s->now) * (SLOW_FACTOR - 1);
			e.buf = malloc(o.len);
			if (e.buf == NULL)
				abort();
			memcpy(e.buf, o.buf, o.len);
			push(s, e);
		}
	}
	schedule_timer(s, i);
}

static void
fail(struct sim *s, const char *what, uint32_t node)
{
	if (s->failures++ < 10)
		fprintf(stderr, "sim: t=%" PRIu64 " ms node %u: %s\n", s->now,
				node + 1, what);
}

/* What must hold of a node after it handled an event. */
static void
check_node(struct sim *s, uint32_t i)
{
	const struct swim_member *me = swim_member_find(s->node[i], i + 1);

	if (me == NULL || me->state != SWIM_ALIVE)
		fail(s, "does not hold itself alive", i);
	if (swim_members(s->node[i], NULL, 0) > s->o.nodes)
		fail(s, "knows more members than exist", i);
}

/* Run events up to time t. */
static void
run_until(struct sim *s, uint64_t t)
{
	while (s->heap_n > 0 && s->heap[0].t <= t) {
		struct event e = pop(s);

		s->now = e.t;
		if (s->down[e.node]) {
			free(e.buf);
			continue;
		}
		if (e.src == UINT32_MAX) {
			if (e.t != s->timer_at[e.node])
				continue;	/* Superseded. */
			s->timer_at[e.node] = UINT64_MAX;
			swim_tick(s->node[e.node], s->now);
		} else {
			swim_input(s->node[e.node], s->now, ip_of(e.src),
					PORT, e.buf, e.len);
			free(e.buf);
		}
		transmit(s, e.node);
		check_node(s, e.node);
	}
	s->now = t;
}

/*
 * True when every live node holds every live node alive and no other:
 * with ids 1..n all real, a count of its alive members equal to the live
 * total (and nothing else alive or suspect) says it, in O(n).
 */
static bool
converged(struct sim *s)
{
	uint32_t live = 0;

	for (uint32_t i = 0; i < s->o.nodes; i++)
		live += !s->down[i];
	for (uint32_t i = 0; i < s->o.nodes; i++) {
		if (s->down[i])
			continue;
		if (swim_state_count(s->node[i], SWIM_ALIVE) != live ||
				swim_state_count(s->node[i], SWIM_SUSPECT) != 0)
			return false;
	}
	return true;
}

/* Record first suspicion and full detection of each crashed node. */
static void
observe_crashes(struct sim *s)
{
	for (uint32_t c = 0; c < s->o.nodes; c++) {
		uint32_t dead = 0, live = 0;
		bool suspected = false;

		if (!s->down[c] || s->all_dead[c] != 0)
			continue;
		for (uint32_t i = 0; i < s->o.nodes; i++) {
			const struct swim_member *m;

			if (s->down[i])
				continue;
			live++;
			m = swim_member_find(s->node[i], c + 1);
			if (m != NULL && m->state != SWIM_ALIVE)
				suspected = true;
			if (m != NULL && m->state == SWIM_DEAD)
				dead++;
		}
		if (suspected && s->first_suspect[c] == 0)
			s->first_suspect[c] = s->now - s->crash_t[c];
		if (dead == live)
			s->all_dead[c] = s->now - s->crash_t[c];
	}
}

/*
 * Mark the live nodes some live node holds dead or gone (sampled every
 * second); returns how many were ever so held. A node holding more
 * members dead than it holds crashed nodes dead holds a live one dead:
 * only then are its members looked at one by one.
 */
static uint32_t
false_deaths(struct sim *s)
{
	uint32_t n = 0;

	if (s->quiet)
		return 0;
	for (uint32_t i = 0; i < s->o.nodes; i++) {
		uint32_t held, crashed = 0;

		if (s->down[i])
			continue;
		held = swim_state_count(s->node[i], SWIM_DEAD) +
				swim_state_count(s->node[i], SWIM_LEFT);
		for (uint32_t c = 0; c < s->n_crashed && crashed < held; c++) {
			const struct swim_member *m;

			if (!s->down[s->crashed[c]])
				continue;	/* Restarted: live again. */
			m = swim_member_find(s->node[i], s->crashed[c] + 1);
			crashed += m != NULL && m->state >= SWIM_DEAD;
		}
		if (held == crashed)
			continue;
		for (uint32_t j = 0; j < s->o.nodes; j++) {
			const struct swim_member *m;

			if (s->down[j] || i == j)
				continue;
			m = swim_member_find(s->node[i], j + 1);
			if (m != NULL && m->state >= SWIM_DEAD)
				s->false_dead[j] = true;
		}
	}
	for (uint32_t j = 0; j < s->o.nodes; j++)
		n += s->false_dead[j];
	return n;
}

/* A fresh node i (state lost, incarnation 0) joining through the seeds. */
static struct swim *
node_start(struct sim *s, const struct swim_params *p, uint32_t i,
		uint64_t seed)
{
	struct swim_self self = { .id = i + 1, .ip = ip_of(i), .port = PORT,
			.weight = 1 };
	uint32_t seeds[3] = { ip_of(0), ip_of(1), ip_of(2) };
	uint16_t ports[3] = { PORT, PORT, PORT };
	struct swim *w = swim_new(&self, p, seed, s->now);

	if (w == NULL)
		abort();
	/* Seeds are given the seed list too, themselves aside. */
	if (i >= 3) {
		swim_join(w, s->now, seeds, ports, 3);
	} else if (i > 0) {
		seeds[i] = seeds[0];
		swim_join(w, s->now, seeds + 1, ports, 2);
	}
	return w;
}

/* Crashed node v comes back, knowing nothing, at incarnation 0. */
static void
restart(struct sim *s, const struct swim_params *p, uint32_t v)
{
	uint32_t inc = 0;

	/* The incarnation its old life was declared dead at. */
	for (uint32_t i = 0; i < s->o.nodes; i++) {
		const struct swim_member *m;

		if (s->down[i])
			continue;
		m = swim_member_find(s->node[i], v + 1);
		if (m != NULL && m->state >= SWIM_DEAD && m->incarnation > inc)
			inc = m->incarnation;
	}
	s->death_inc[v] = inc;
	swim_free(s->node[v]);
	s->node[v] = node_start(s, p, v, s->o.seed * 7919 + v + s->now);
	s->down[v] = false;
	s->timer_at[v] = UINT64_MAX;
	s->restart_t[v] = s->now;
	s->n_restarted++;
	transmit(s, v);
}

/*
 * Restarted nodes: once every live node holds one alive again, record
 * when. A node that held its old life dead must never hold it alive at
 * that old incarnation or below: that would be stale state resurrected.
 */
static bool
observe_restarts(struct sim *s)
{
	bool all_back = true;

	for (uint32_t v = 0; v < s->o.nodes; v++) {
		uint32_t back = 0, live = 0;

		if (s->restart_t[v] == 0 || s->rejoin_t[v] != 0 || s->down[v])
			continue;
		for (uint32_t i = 0; i < s->o.nodes; i++) {
			const struct swim_member *m;

			if (s->down[i] || i == v)
				continue;
			live++;
			m = swim_member_find(s->node[i], v + 1);
			if (m == NULL || m->state != SWIM_ALIVE)
				continue;
			if (s->all_dead[v] != 0 &&
					m->incarnation <= s->death_inc[v])
				fail(s, "holds a restarted node alive at the "
						"incarnation it died with", i);
			else
				back++;
		}
		if (back == live)
			s->rejoin_t[v] = s->now - s->restart_t[v];
		else
			all_back = false;
	}
	return all_back;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static double
pct(uint64_t *v, uint32_t n, double p)
{
	if (n == 0)
		return -1;
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[(uint32_t)((n - 1) * p + 0.5)] / 1000.0;
}

static void
usage(FILE *f)
{
	fprintf(f,
"usage: rumor-sim [options]\n"
"  --nodes N        nodes (default 100)\n"
"  --seed S         random seed (default 1)\n"
"  --seconds S      simulated seconds after warm-up (default 60)\n"
"  --warmup S       seconds to join before crashes (default 30)\n"
"  --crashes K      nodes that crash after warm-up (default 5)\n"
"  --loss P         percent of datagrams lost (default 0)\n"
"  --dup P          percent of datagrams duplicated (default 0)\n"
"  --delay MIN-MAX  one-way delay in ms, uniform (default 1-5)\n"
"  --slow P         percent of nodes whose timers and processing run\n"
"                   5 times late (default 0)\n"
"  --restart S      crashed nodes restart S seconds after their crash,\n"
"                   their state lost (default 0: never)\n"
"  --partition S    a quarter into the run, split the nodes in two\n"
"                   random halves for S seconds (default 0: never)\n"
"  --asym           the partition cuts one direction only\n");
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "nodes", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "seconds", required_argument, NULL, 'S' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "crashes", required_argument, NULL, 'c' },
		{ "loss", required_argument, NULL, 'l' },
		{ "dup", required_argument, NULL, 'd' },
		{ "delay", required_argument, NULL, 'D' },
		{ "slow", required_argument, NULL, 'L' },
		{ "restart", required_argument, NULL, 'R' },
		{ "partition", required_argument, NULL, 'P' },
		{ "asym", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sim s = { .o = { .nodes = 100, .seed = 1, .seconds = 60,
			.warmup = 30, .crashes = 5, .delay_min_ms = 1,
			.delay_max_ms = 5 } };
	struct swim_params p;
	uint64_t join_ms = 0, bytes = 0, warm_bytes = 0, *det1, *detall;
	uint64_t part_at = 0, heal_at = 0, heal_ms = 0, *rej;
	uint32_t nd = 0, nr = 0, fd, opt;
	double steady;
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'n': s.o.nodes = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 's': s.o.seed = strtoull(optarg, NULL, 10); break;
		case 'S': s.o.seconds = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'w': s.o.warmup = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'c': s.o.crashes = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'l': s.o.loss_pct = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'd': s.o.dup_pct = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'L': s.o.slow_pct = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'R': s.o.restart_s = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'P': s.o.partition_s = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'A': s.o.asym = true; break;
		case 'D':
			if (sscanf(optarg, "%u-%u", &s.o.delay_min_ms,
					&s.o.delay_max_ms) != 2)
				s.o.delay_max_ms = 0;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (s.o.nodes < 4 || s.o.nodes > 100000 || s.o.loss_pct > 100 ||
			s.o.slow_pct > 50 ||
			s.o.dup_pct > 100 || s.o.crashes > s.o.nodes - 3 ||
			s.o.delay_max_ms < s.o.delay_min_ms ||
			s.o.delay_max_ms == 0 || s.o.seconds == 0 ||
			s.o.seconds / 4 + s.o.partition_s >= s.o.seconds ||
			(s.o.asym && s.o.partition_s == 0)) {
		usage(stderr);
		return 2;
	}
	s.rng = s.o.seed * 0x9e3779b97f4a7c15ull + 1;
	s.node = calloc(s.o.nodes, sizeof(*s.node));
	s.down = calloc(s.o.nodes, sizeof(*s.down));
	s.slow = calloc(s.o.nodes, sizeof(*s.slow));
	s.false_dead = calloc(s.o.nodes, sizeof(*s.false_dead));
	s.crashed = calloc(s.o.nodes, sizeof(*s.crashed));
	s.crash_t = calloc(s.o.nodes, sizeof(*s.crash_t));
	s.first_suspect = calloc(s.o.nodes, sizeof(uint64_t));
	s.all_dead = calloc(s.o.nodes, sizeof(uint64_t));
	s.timer_at = malloc(s.o.nodes * sizeof(uint64_t));
	s.restart_t = calloc(s.o.nodes, sizeof(uint64_t));
	s.rejoin_t = calloc(s.o.nodes, sizeof(uint64_t));
	s.death_inc = calloc(s.o.nodes, sizeof(uint32_t));
	s.side = calloc(s.o.nodes, 1);
	det1 = calloc(s.o.nodes, sizeof(uint64_t));
	rej = calloc(s.o.nodes, sizeof(uint64_t));
	detall = calloc(s.o.nodes, sizeof(uint64_t));
	if (s.node == NULL || s.down == NULL || s.slow == NULL ||
			s.false_dead == NULL || s.crashed == NULL ||
			s.crash_t == NULL ||
			s.first_suspect == NULL || s.all_dead == NULL ||
			s.timer_at == NULL || det1 == NULL || detall == NULL ||
			s.restart_t == NULL || s.rejoin_t == NULL ||
			s.death_inc == NULL || s.side == NULL || rej == NULL)
		return 1;
	swim_params_default(&p);
	/* Slow nodes: never the seeds, never crashed (see below). */
	for (uint32_t i = 3; i < s.o.nodes; i++)
		s.slow[i] = rnd_below(&s, 100) < s.o.slow_pct;

	/* Everyone starts within the first second and joins via 3 seeds. */
	for (uint32_t i = 0; i < s.o.nodes; i++) {
		s.now = rnd_below(&s, 1000);
		s.node[i] = node_start(&s, &p, i, s.o.seed * 1000003 + i);
		s.timer_at[i] = UINT64_MAX;
		transmit(&s, i);
	}
	s.now = 0;
	for (uint64_t t = 0; t < s.o.warmup * 1000ull; t += 1000) {
		run_until(&s, t + 1000);
		if (join_ms == 0 && converged(&s))
			join_ms = s.now;
	}

	/* Crashes at random times in the first half of the run. */
	for (uint32_t k = 0; k < s.o.crashes; k++) {
		uint32_t v;

		do
			v = 3 + (uint32_t)rnd_below(&s, s.o.nodes - 3);
		while (s.crash_t[v] != 0 || s.slow[v]);
		s.crash_t[v] = s.now + 1 + rnd_below(&s,
				s.o.seconds * 500ull);
	}
	for (uint32_t i = 0; i < s.o.nodes; i++)
		warm_bytes += swim_stats(s.node[i])->bytes_sent;
	if (s.o.partition_s != 0) {
		part_at = s.now + s.o.seconds * 250ull;
		heal_at = part_at + s.o.partition_s * 1000ull;
		/* Random halves, with seeds on both sides. */
		for (uint32_t i = 0; i < s.o.nodes; i++)
			s.side[i] = i < 2 ? (uint8_t)i :
					(uint8_t)rnd_below(&s, 2);
	}
	for (uint64_t end = s.now + s.o.seconds * 1000ull; s.now < end;) {
		uint64_t next = s.now + CHECK_MS;
		bool restarts_back;

		for (uint32_t v = 0; v < s.o.nodes; v++) {
			if (s.crash_t[v] != 0 && !s.down[v] &&
					s.restart_t[v] == 0 &&
					s.crash_t[v] <= next) {
				run_until(&s, s.crash_t[v]);
				s.down[v] = true;
				s.crashed[s.n_crashed++] = v;
			}
			if (s.o.restart_s != 0 && s.down[v] &&
					s.crash_t[v] + s.o.restart_s * 1000ull
					<= next) {
				run_until(&s, s.crash_t[v] +
						s.o.restart_s * 1000ull);
				restart(&s, &p, v);
			}
		}
		if (part_at != 0 && !s.split && s.now < heal_at &&
				next >= part_at) {
			run_until(&s, part_at);
			s.split = true;
		}
		if (s.split && next >= heal_at) {
			run_until(&s, heal_at);
			s.split = false;
		}
		run_until(&s, next);
		observe_crashes(&s);
		restarts_back = observe_restarts(&s);
		if (heal_at != 0 && heal_ms == 0 && s.now > heal_at &&
				converged(&s))
			heal_ms = s.now - heal_at;
		s.quiet = s.split || !restarts_back ||
				(heal_at != 0 && s.now >= heal_at &&
				 heal_ms == 0);
		if (s.now % 1000 < CHECK_MS)
			false_deaths(&s);
	}
	fd = false_deaths(&s);
	for (uint32_t v = 0; v < s.o.nodes; v++) {
		if (s.crash_t[v] == 0)
			continue;
		if (s.restart_t[v] != 0) {
			if (s.rejoin_t[v] == 0)
				fail(&s, "restarted, never back in every view",
						v);
			else
				rej[nr++] = s.rejoin_t[v];
		}
		if (s.all_dead[v] == 0) {
			/* Back before everyone knew: nothing to measure. */
			if (s.restart_t[v] == 0)
				fail(&s, "crash never detected by everyone", v);
			continue;
		}
		det1[nd] = s.first_suspect[v];
		detall[nd++] = s.all_dead[v];
	}
	if (heal_at != 0 && heal_ms == 0)
		fail(&s, "views still split at the end after the partition",
				0);
	for (uint32_t i = 0; i < s.o.nodes; i++)
		bytes += swim_stats(s.node[i])->bytes_sent;
	opt = s.o.warmup + s.o.seconds;

	printf("nodes %u, seed %" PRIu64 ", loss %u%%, dup %u%%, delay "
			"%u-%u ms, slow %u%%, %u s\n", s.o.nodes, s.o.seed,
			s.o.loss_pct, s.o.dup_pct, s.o.delay_min_ms,
			s.o.delay_max_ms, s.o.slow_pct, opt);
	printf("join: all views complete after %.1f s%s\n", join_ms / 1000.0,
			join_ms == 0 ? " (never, within warm-up)" : "");
	printf("crashes %u: first suspicion p50 %.2f s p99 %.2f s; "
			"everyone knows p50 %.2f s p99 %.2f s\n", nd,
			pct(det1, nd, 0.5), pct(det1, nd, 0.99),
			pct(detall, nd, 0.5), pct(detall, nd, 0.99));
	if (s.o.restart_s != 0)
		printf("restarts %u: back in every view p50 %.2f s p99 %.2f s\n",
				nr, pct(rej, nr, 0.5), pct(rej, nr, 0.99));
	if (s.o.partition_s != 0)
		printf("partition (%s) %u s: one view again %.1f s after "
				"healing\n", s.o.asym ? "one-way" : "both ways",
				s.o.partition_s, heal_ms / 1000.0);
	steady = (double)(bytes - warm_bytes) / s.o.nodes / s.o.seconds;
	printf("false deaths %u; bytes per node per second %.0f after the "
			"warm-up (%.0f with the join storm)\n", fd, steady,
			(double)bytes / s.o.nodes / opt);
	printf("membership: n=%u detect_p99_s=%.2f false_deaths=%u "
			"bytes_per_node_s=%.0f\n", s.o.nodes, pct(detall, nd, 0.99),
			fd, steady);
	if (s.failures > 0 || join_ms == 0 || fd > 0) {
		printf("sim: FAILED (%" PRIu64 " invariant failures%s%s); "
				"reproduce: rumor-sim --nodes %u --seed %" PRIu64
				" --seconds %u --warmup %u --crashes %u --loss %u "
				"--dup %u --delay %u-%u --slow %u --restart %u "
				"--partition %u%s\n", s.failures,
				join_ms == 0 ? ", no join" : "",
				fd > 0 ? ", false deaths" : "", s.o.nodes,
				s.o.seed, s.o.seconds, s.o.warmup, s.o.crashes,
				s.o.loss_pct, s.o.dup_pct, s.o.delay_min_ms,
				s.o.delay_max_ms, s.o.slow_pct, s.o.restart_s,
				s.o.partition_s, s.o.asym ? " --asym" : "");
		return 1;
	}
	for (uint32_t i = 0; i < s.o.nodes; i++)
		swim_free(s.node[i]);
	while (s.heap_n > 0)
		free(pop(&s).buf);
	free(s.heap);
	free(s.node);
	free(s.down);
	free(s.slow);
	free(s.false_dead);
	free(s.crashed);
	free(s.crash_t);
	free(s.first_suspect);
	free(s.all_dead);
	free(s.timer_at);
	free(det1);
	free(detall);
	free(rej);
	free(s.restart_t);
	free(s.rejoin_t);
	free(s.death_inc);
	free(s.side);
	return 0;
}
