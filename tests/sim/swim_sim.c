/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor-sim, the membership simulator: many SWIM nodes
 * (lib/protocols/swim.c, the same code as the process) in one process
 * over a simulated network (sim_core.h), reproducible from a seed.
 * Events (timers and datagram deliveries) run in time order; the network
 * loses, duplicates and delays datagrams (uniform delay, so datagrams
 * also reorder); slow nodes run their timers and handle their datagrams
 * five times late. Nodes join through three seeds in the first second;
 * after a warm-up, some crash at random times, and may restart (with
 * their state lost: incarnation 0) some seconds later; a partition,
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
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "rumor/swim.h"
#include "sim_core.h"

#define PORT 7946
#define CHECK_MS 100		/* Observation period for detection. */

/* What an event is (struct sim_event's type). */
enum swim_sim_event {
	EV_TIMER,		/* Node's swim_tick is due. */
	EV_DATAGRAM,		/* A datagram from src reaches node. */
};

struct opts {
	uint32_t nodes;
	uint64_t seed;
	uint32_t seconds;	/* After warm-up. */
	uint32_t warmup;	/* Seconds before crashes start. */
	uint32_t crashes;
	struct sim_net net;	/* Loss, duplication, delay. */
	uint32_t slow_pct;	/* Percent of nodes running SLOW_FACTOR slow. */
	uint32_t restart_s;	/* Seconds from a crash to its restart; 0:
				 * never. */
	uint32_t partition_s;	/* Partition length; 0: none. */
	bool asym;		/* The partition cuts side 0 -> side 1 only. */
};

#define SLOW_FACTOR 5

struct sim {
	struct opts o;
	struct sim_core c;	/* Time, events, faults, node liveness. */
	struct swim **node;
	bool *slow;		/* Timers and processing SLOW_FACTOR late. */
	bool *false_dead;	/* Held dead by someone while alive. */
	uint32_t *crashed;	/* Indexes of the nodes down so far. */
	uint32_t n_crashed;
	uint64_t *crash_t;	/* When it crashed (0: never). */
	uint64_t *first_suspect, *all_dead;	/* Times after the crash. */
	uint64_t *timer_at;	/* Timer event pending for each node. */
	/* Restarts: when, and when every live node held it alive again. */
	uint64_t *restart_t, *rejoin_t;
	uint32_t *death_inc;	/* Highest incarnation it was held dead at. */
	uint32_t n_restarted;
	bool quiet;		/* Views may legitimately differ: partition
				 * or restart not yet healed. */
};

static uint32_t
ip_of(uint32_t i)
{
	return htonl(0x0a000000u + i + 1);
}

static void
schedule_timer(struct sim *s, uint32_t i)
{
	uint64_t t = swim_next_timer(s->node[i]);

	if (t < s->c.now)
		t = s->c.now;
	if (s->slow[i] && t != UINT64_MAX)
		t = s->c.now + (t - s->c.now) * SLOW_FACTOR;
	if (t != UINT64_MAX && t < s->timer_at[i]) {
		s->timer_at[i] = t;
		sim_push(&s->c, (struct sim_event){ .t = t, .type = EV_TIMER,
				.node = i });
	}
}

/* Put node i's outgoing datagrams on the network. */
static void
transmit(struct sim *s, uint32_t i)
{
	struct swim_out o;

	while (swim_output(s->node[i], &o)) {
		uint32_t to = ntohl(o.ip) - 0x0a000001u;
		uint64_t at[2];
		unsigned n;

		if (to >= s->o.nodes)
			continue;
		n = sim_send(&s->c, i, to, at);
		for (unsigned k = 0; k < n; k++) {
			struct sim_event e = { .t = at[k], .type = EV_DATAGRAM,
					.node = to, .src = i, .len = o.len };

			/* A slow node takes that much longer to get to it. */
			if (s->slow[to])
				e.t += (e.t - s->c.now) * (SLOW_FACTOR - 1);
			e.buf = sim_memdup(o.buf, o.len);
			sim_push(&s->c, e);
		}
	}
	schedule_timer(s, i);
}

/* What must hold of a node after it handled an event. */
static void
check_node(struct sim *s, uint32_t i)
{
	const struct swim_member *me = swim_member_find(s->node[i], i + 1);

	if (me == NULL || me->state != SWIM_ALIVE)
		sim_fail(&s->c, i, "does not hold itself alive");
	if (swim_members(s->node[i], NULL, 0) > s->o.nodes)
		sim_fail(&s->c, i, "knows more members than exist");
}

/* Run events up to time t. */
static void
run_until(struct sim *s, uint64_t t)
{
	struct sim_event e;

	while (sim_next(&s->c, t, &e)) {
		/* A crashed node's events, and superseded timers, go. */
		if (!s->c.up[e.node] || (e.type == EV_TIMER &&
				e.t != s->timer_at[e.node])) {
			free(e.buf);
			continue;
		}
		if (e.type == EV_TIMER) {
			s->timer_at[e.node] = UINT64_MAX;
			swim_tick(s->node[e.node], s->c.now);
		} else {
			swim_input(s->node[e.node], s->c.now, ip_of(e.src),
					PORT, e.buf, e.len);
			free(e.buf);
		}
		transmit(s, e.node);
		check_node(s, e.node);
	}
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
		live += s->c.up[i];
	for (uint32_t i = 0; i < s->o.nodes; i++) {
		if (!s->c.up[i])
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

		if (s->c.up[c] || s->all_dead[c] != 0)
			continue;
		for (uint32_t i = 0; i < s->o.nodes; i++) {
			const struct swim_member *m;

			if (!s->c.up[i])
				continue;
			live++;
			m = swim_member_find(s->node[i], c + 1);
			if (m != NULL && m->state != SWIM_ALIVE)
				suspected = true;
			if (m != NULL && m->state == SWIM_DEAD)
				dead++;
		}
		if (suspected && s->first_suspect[c] == 0)
			s->first_suspect[c] = s->c.now - s->crash_t[c];
		if (dead == live)
			s->all_dead[c] = s->c.now - s->crash_t[c];
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

		if (!s->c.up[i])
			continue;
		held = swim_state_count(s->node[i], SWIM_DEAD) +
				swim_state_count(s->node[i], SWIM_LEFT);
		for (uint32_t c = 0; c < s->n_crashed && crashed < held; c++) {
			const struct swim_member *m;

			if (s->c.up[s->crashed[c]])
				continue;	/* Restarted: live again. */
			m = swim_member_find(s->node[i], s->crashed[c] + 1);
			crashed += m != NULL && m->state >= SWIM_DEAD;
		}
		if (held == crashed)
			continue;
		for (uint32_t j = 0; j < s->o.nodes; j++) {
			const struct swim_member *m;

			if (!s->c.up[j] || i == j)
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
	struct swim *w = swim_new(&self, p, seed, s->c.now);

	if (w == NULL)
		abort();
	/* Seeds are given the seed list too, themselves aside. */
	if (i >= 3) {
		swim_join(w, s->c.now, seeds, ports, 3);
	} else if (i > 0) {
		seeds[i] = seeds[0];
		swim_join(w, s->c.now, seeds + 1, ports, 2);
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

		if (!s->c.up[i])
			continue;
		m = swim_member_find(s->node[i], v + 1);
		if (m != NULL && m->state >= SWIM_DEAD && m->incarnation > inc)
			inc = m->incarnation;
	}
	s->death_inc[v] = inc;
	swim_free(s->node[v]);
	s->node[v] = node_start(s, p, v, s->o.seed * 7919 + v + s->c.now);
	sim_up(&s->c, v);
	s->timer_at[v] = UINT64_MAX;
	s->restart_t[v] = s->c.now;
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

		if (s->restart_t[v] == 0 || s->rejoin_t[v] != 0 || !s->c.up[v])
			continue;
		for (uint32_t i = 0; i < s->o.nodes; i++) {
			const struct swim_member *m;

			if (!s->c.up[i] || i == v)
				continue;
			live++;
			m = swim_member_find(s->node[i], v + 1);
			if (m == NULL || m->state != SWIM_ALIVE)
				continue;
			if (s->all_dead[v] != 0 &&
					m->incarnation <= s->death_inc[v])
				sim_fail(&s->c, i, "holds a restarted node "
						"alive at the incarnation it "
						"died with");
			else
				back++;
		}
		if (back == live)
			s->rejoin_t[v] = s->c.now - s->restart_t[v];
		else
			all_back = false;
	}
	return all_back;
}

static double
pct(uint64_t *v, uint32_t n, double p)
{
	if (n == 0)
		return -1;
	sim_sort_u64(v, n);
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

/* The per-node arrays of a run, zeroed (timer_at: no timer pending). */
static void
sim_alloc(struct sim *s)
{
	uint32_t n = s->o.nodes;

	sim_init(&s->c, n, s->o.seed, SIM_XORSHIFT64S, &s->o.net);
	s->c.asym = s->o.asym;
	s->c.verbose = true;
	snprintf(s->c.who, sizeof(s->c.who), "sim: ");
	s->node = sim_calloc(n, sizeof(*s->node));
	s->slow = sim_calloc(n, sizeof(*s->slow));
	s->false_dead = sim_calloc(n, sizeof(*s->false_dead));
	s->crashed = sim_calloc(n, sizeof(*s->crashed));
	s->crash_t = sim_calloc(n, sizeof(*s->crash_t));
	s->first_suspect = sim_calloc(n, sizeof(*s->first_suspect));
	s->all_dead = sim_calloc(n, sizeof(*s->all_dead));
	s->timer_at = sim_calloc(n, sizeof(*s->timer_at));
	s->restart_t = sim_calloc(n, sizeof(*s->restart_t));
	s->rejoin_t = sim_calloc(n, sizeof(*s->rejoin_t));
	s->death_inc = sim_calloc(n, sizeof(*s->death_inc));
}

static void
sim_release(struct sim *s)
{
	for (uint32_t i = 0; i < s->o.nodes; i++)
		swim_free(s->node[i]);
	sim_free(&s->c);
	free(s->node);
	free(s->slow);
	free(s->false_dead);
	free(s->crashed);
	free(s->crash_t);
	free(s->first_suspect);
	free(s->all_dead);
	free(s->timer_at);
	free(s->restart_t);
	free(s->rejoin_t);
	free(s->death_inc);
}

/*
 * The warm-up: everyone starts within the first second and joins through
 * 3 seeds. Returns when every view was complete (0: never).
 */
static uint64_t
warm_up(struct sim *s, const struct swim_params *p)
{
	uint64_t join_ms = 0;

	/* Slow nodes: never the seeds, never crashed (see below). */
	for (uint32_t i = 3; i < s->o.nodes; i++)
		s->slow[i] = sim_below(&s->c, 100) < s->o.slow_pct;
	for (uint32_t i = 0; i < s->o.nodes; i++) {
		s->c.now = sim_below(&s->c, 1000);
		s->node[i] = node_start(s, p, i, s->o.seed * 1000003 + i);
		sim_up(&s->c, i);
		s->timer_at[i] = UINT64_MAX;
		transmit(s, i);
	}
	s->c.now = 0;
	for (uint64_t t = 0; t < s->o.warmup * 1000ull; t += 1000) {
		run_until(s, t + 1000);
		if (join_ms == 0 && converged(s))
			join_ms = s->c.now;
	}
	return join_ms;
}

/* When crashes strike: at random in the first half of the run. */
static void
plan_crashes(struct sim *s)
{
	for (uint32_t k = 0; k < s->o.crashes; k++) {
		uint32_t v;

		do
			v = 3 + (uint32_t)sim_below(&s->c, s->o.nodes - 3);
		while (s->crash_t[v] != 0 || s->slow[v]);
		s->crash_t[v] = s->c.now + 1 + sim_below(&s->c,
				s->o.seconds * 500ull);
	}
}

/* The crashes and restarts due by next, each at its time. */
static void
crash_and_restart(struct sim *s, const struct swim_params *p, uint64_t next)
{
	for (uint32_t v = 0; v < s->o.nodes; v++) {
		uint64_t back = s->crash_t[v] + s->o.restart_s * 1000ull;

		if (s->crash_t[v] != 0 && s->c.up[v] && s->restart_t[v] == 0 &&
				s->crash_t[v] <= next) {
			run_until(s, s->crash_t[v]);
			sim_crash(&s->c, v);
			s->crashed[s->n_crashed++] = v;
		}
		if (s->o.restart_s != 0 && !s->c.up[v] && back <= next) {
			run_until(s, back);
			restart(s, p, v);
		}
	}
}

/*
 * After the warm-up: crashes, restarts and the partition, with the
 * observations every CHECK_MS. Returns how long after healing the views
 * were one again (0: never, or no partition).
 */
static uint64_t
run_faults(struct sim *s, const struct swim_params *p)
{
	uint64_t part_at = 0, heal_at = 0, heal_ms = 0;

	plan_crashes(s);
	if (s->o.partition_s != 0) {
		part_at = s->c.now + s->o.seconds * 250ull;
		heal_at = part_at + s->o.partition_s * 1000ull;
		/* Random halves, with seeds on both sides. */
		for (uint32_t i = 0; i < s->o.nodes; i++)
			s->c.side[i] = i < 2 ? (uint8_t)i :
					(uint8_t)sim_below(&s->c, 2);
	}
	for (uint64_t end = s->c.now + s->o.seconds * 1000ull;
			s->c.now < end;) {
		uint64_t next = s->c.now + CHECK_MS;
		bool restarts_back;

		crash_and_restart(s, p, next);
		if (part_at != 0 && !s->c.split && s->c.now < heal_at &&
				next >= part_at) {
			run_until(s, part_at);
			s->c.split = true;
		}
		if (s->c.split && next >= heal_at) {
			run_until(s, heal_at);
			s->c.split = false;
		}
		run_until(s, next);
		observe_crashes(s);
		restarts_back = observe_restarts(s);
		if (heal_at != 0 && heal_ms == 0 && s->c.now > heal_at &&
				converged(s))
			heal_ms = s->c.now - heal_at;
		s->quiet = s->c.split || !restarts_back ||
				(heal_at != 0 && s->c.now >= heal_at &&
				 heal_ms == 0);
		if (s->c.now % 1000 < CHECK_MS)
			false_deaths(s);
	}
	return heal_ms;
}

static uint64_t
bytes_sent(const struct sim *s)
{
	uint64_t bytes = 0;

	for (uint32_t i = 0; i < s->o.nodes; i++)
		bytes += swim_stats(s->node[i])->bytes_sent;
	return bytes;
}

/* What the run measured, and whether it passed: the exit status. */
static int
report(struct sim *s, uint64_t join_ms, uint64_t heal_ms,
		uint64_t warm_bytes)
{
	const struct opts *o = &s->o;
	uint64_t *det1 = sim_calloc(o->nodes, sizeof(*det1));
	uint64_t *detall = sim_calloc(o->nodes, sizeof(*detall));
	uint64_t *rej = sim_calloc(o->nodes, sizeof(*rej));
	uint64_t bytes = bytes_sent(s);
	uint32_t nd = 0, nr = 0, fd = false_deaths(s);
	uint32_t secs = o->warmup + o->seconds;
	double steady;

	for (uint32_t v = 0; v < o->nodes; v++) {
		if (s->crash_t[v] == 0)
			continue;
		if (s->restart_t[v] != 0) {
			if (s->rejoin_t[v] == 0)
				sim_fail(&s->c, v, "restarted, never back in "
						"every view");
			else
				rej[nr++] = s->rejoin_t[v];
		}
		if (s->all_dead[v] == 0) {
			/* Back before everyone knew: nothing to measure. */
			if (s->restart_t[v] == 0)
				sim_fail(&s->c, v, "crash never detected by "
						"everyone");
			continue;
		}
		det1[nd] = s->first_suspect[v];
		detall[nd++] = s->all_dead[v];
	}
	if (o->partition_s != 0 && heal_ms == 0)
		sim_fail(&s->c, 0, "views still split at the end after the "
				"partition");

	printf("nodes %u, seed %" PRIu64 ", loss %u%%, dup %u%%, delay "
			"%u-%u ms, slow %u%%, %u s\n", o->nodes, o->seed,
			o->net.loss_pct, o->net.dup_pct, o->net.delay_min_ms,
			o->net.delay_max_ms, o->slow_pct, secs);
	printf("join: all views complete after %.1f s%s\n", join_ms / 1000.0,
			join_ms == 0 ? " (never, within warm-up)" : "");
	printf("crashes %u: first suspicion p50 %.2f s p99 %.2f s; "
			"everyone knows p50 %.2f s p99 %.2f s\n", nd,
			pct(det1, nd, 0.5), pct(det1, nd, 0.99),
			pct(detall, nd, 0.5), pct(detall, nd, 0.99));
	if (o->restart_s != 0)
		printf("restarts %u: back in every view p50 %.2f s "
				"p99 %.2f s\n", nr, pct(rej, nr, 0.5),
				pct(rej, nr, 0.99));
	if (o->partition_s != 0)
		printf("partition (%s) %u s: one view again %.1f s after "
				"healing\n", o->asym ? "one-way" : "both ways",
				o->partition_s, heal_ms / 1000.0);
	steady = (double)(bytes - warm_bytes) / o->nodes / o->seconds;
	printf("false deaths %u; bytes per node per second %.0f after the "
			"warm-up (%.0f with the join storm)\n", fd, steady,
			(double)bytes / o->nodes / secs);
	printf("membership: n=%u detect_p99_s=%.2f false_deaths=%u "
			"bytes_per_node_s=%.0f\n", o->nodes,
			pct(detall, nd, 0.99), fd, steady);
	free(det1);
	free(detall);
	free(rej);
	if (s->c.failures == 0 && join_ms != 0 && fd == 0)
		return 0;
	printf("sim: FAILED (%" PRIu64 " invariant failures%s%s); "
			"reproduce: rumor-sim --nodes %u --seed %" PRIu64
			" --seconds %u --warmup %u --crashes %u --loss %u "
			"--dup %u --delay %u-%u --slow %u --restart %u "
			"--partition %u%s\n", s->c.failures,
			join_ms == 0 ? ", no join" : "",
			fd > 0 ? ", false deaths" : "", o->nodes,
			o->seed, o->seconds, o->warmup, o->crashes,
			o->net.loss_pct, o->net.dup_pct, o->net.delay_min_ms,
			o->net.delay_max_ms, o->slow_pct, o->restart_s,
			o->partition_s, o->asym ? " --asym" : "");
	return 1;
}

int
main(int argc, char **argv)
{
	struct sim s = { .o = { .nodes = 100, .seed = 1, .seconds = 60,
			.warmup = 30, .crashes = 5,
			.net = { .delay_min_ms = 1, .delay_max_ms = 5 } } };
	struct opts *o = &s.o;
	const struct sim_opt opts[] = {
		{ "nodes", 0, SIM_OPT_U32, &o->nodes, NULL },
		{ "seed", 0, SIM_OPT_U64, &o->seed, NULL },
		{ "seconds", 0, SIM_OPT_U32, &o->seconds, NULL },
		{ "warmup", 0, SIM_OPT_U32, &o->warmup, NULL },
		{ "crashes", 0, SIM_OPT_U32, &o->crashes, NULL },
		{ "loss", 0, SIM_OPT_U32, &o->net.loss_pct, NULL },
		{ "dup", 0, SIM_OPT_U32, &o->net.dup_pct, NULL },
		{ "delay", 0, SIM_OPT_RANGE32, &o->net.delay_min_ms,
			&o->net.delay_max_ms },
		{ "slow", 0, SIM_OPT_U32, &o->slow_pct, NULL },
		{ "restart", 0, SIM_OPT_U32, &o->restart_s, NULL },
		{ "partition", 0, SIM_OPT_U32, &o->partition_s, NULL },
		{ "asym", 0, SIM_OPT_SET, &o->asym, NULL },
	};
	struct swim_params p;
	uint64_t join_ms, heal_ms, warm_bytes;
	int rc = sim_args(argc, argv, opts, sizeof(opts) / sizeof(opts[0]),
			usage);

	if (rc >= 0)
		return rc;
	if (o->nodes < 4 || o->nodes > 100000 || o->net.loss_pct > 100 ||
			o->slow_pct > 50 || o->net.dup_pct > 100 ||
			o->crashes > o->nodes - 3 ||
			o->net.delay_max_ms == 0 || o->seconds == 0 ||
			o->seconds / 4 + o->partition_s >= o->seconds ||
			(o->asym && o->partition_s == 0)) {
		usage(stderr);
		return 2;
	}
	sim_alloc(&s);
	swim_params_default(&p);
	join_ms = warm_up(&s, &p);
	warm_bytes = bytes_sent(&s);
	heal_ms = run_faults(&s, &p);
	rc = report(&s, join_ms, heal_ms, warm_bytes);
	sim_release(&s);
	return rc;
}
