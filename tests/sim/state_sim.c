/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor-state-sim, the simulator of channel state replication
 * (docs/state.md, "Simulator"): one channel's objects replicated on R
 * replicas, each a state_store (lib/core/state_store.c, the code the
 * nodes are to run), over a simulated network (sim_core.h) that loses,
 * duplicates and delays datagrams (so that they also reorder) and is cut
 * by partitions, replicas crashing with amnesia; reproducible from a
 * seed.
 *
 * Around the store, a model (state_model.c) of the replication the design
 * asks for, checked by state_check.c; this file runs it.
 *
 * - replica 1 coordinates the clients' operations, or, while it is down,
 *   the lowest-id live replica (the ring's failover, at once);
 * - a write is applied by the coordinator, its delta sent to every other
 *   replica, which merges it and acknowledges (a message the wire does
 *   not have yet); the client is answered once level replicas hold it
 *   (local and one: the coordinator alone). Nothing resends a lost
 *   delta: anti-entropy repairs it;
 * - a read merges the coordinator's state and the whole states the
 *   others return (asked by a message the wire does not have either)
 *   into a scratch store until level replicas count, and answers the
 *   counter's value. No read repair: the replicas' stores change only by
 *   writes and anti-entropy;
 * - anti-entropy: every 100 ms each replica sends each other one a
 *   digest of every object it holds (at most STATE_DIGEST_ENTRIES_MAX),
 *   and the receiver answers with its whole state of each object that
 *   differs or that the sender lacks, then how many it sent (an end the
 *   wire does not have); what the receiver lacks, its own digest asks
 *   for the other way;
 * - a crash loses the whole store. The replica restarts empty after
 *   200-800 ms under a new replica id (id + R x life): its own counter
 *   entries and map dots would otherwise start again below what the
 *   others hold of its last life, and merges, which keep the larger,
 *   would swallow its new writes (--same-id shows it). Back empty, it
 *   counts towards no read's level, its own reads at one included, until
 *   it has caught up: merged a whole answer of R - majority + 1 others
 *   to a digest of its own, so that it meets every write acknowledged at
 *   quorum or all in someone holding it (--count-recovering shows why).
 *   Crashes strike one replica at a time: none while another is down or
 *   catching up.
 *
 * Clients give an operation up after 500 ms and never retry it, so that
 * no add is applied twice; a coordinator takes a request once a life.
 * After --seconds the faults stop, the clients too, the crashed restart,
 * and anti-entropy runs 2 s without loss.
 *
 * Checks: every replica caught up and equal (digests and encodings);
 * no acknowledged add lost (a counter at least the adds acknowledged,
 * at any level without crashes, at levels of two replicas or more with
 * them, and at most the adds issued); every read answered at least the
 * adds acknowledged before it was issued at each write level its own
 * overlaps (counts adding up to more than R; with crashes, not a write
 * level of one replica, nor a local read), and at most the adds issued
 * before its answer. --bug-read-one, a planted bug, must be caught.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state_sim.h"

static struct sim *cur;
static char repro[512];

static void
on_abort(int sig)
{
	(void)sig;
	if (cur != NULL)
		fprintf(stderr, "state-sim: seed %" PRIu64 " aborted at t=%"
				PRIu64 " ms\nreproduce: %s --seed %" PRIu64
				"\n", cur->seed, cur->c.now, repro, cur->seed);
	signal(SIGABRT, SIG_DFL);
	abort();
}

struct totals {
	uint64_t seeds, failed;
	struct stats st;
	size_t max_state;
};

static void
totals_add(struct stats *t, const struct stats *a)
{
	const uint64_t *x = (const uint64_t *)a;
	uint64_t *y = (uint64_t *)t;

	for (size_t k = 0; k < sizeof(*a) / sizeof(uint64_t); k++)
		y[k] += x[k];
}

/* One seed; returns whether it passed. */
static bool
run_seed(const struct opts *o, uint64_t seed, struct totals *tot)
{
	struct sim *s = sim_calloc(1, sizeof(*s));
	bool ok;

	cur = s;
	s->o = *o;
	s->seed = seed;
	s->r = o->replicas;
	model_start(s);
	s->c.verbose = o->verbose;
	snprintf(s->c.who, sizeof(s->c.who), "state-sim: seed %" PRIu64 " ",
			seed);
	model_run(s, (uint64_t)o->seconds * 1000);
	model_heal(s);
	model_run(s, s->c.now + (uint64_t)o->heal_seconds * 1000);
	s->st.converged = check_converged(s);
	check_counters(s);

	ok = s->c.failures == 0;
	tot->seeds++;
	totals_add(&tot->st, &s->st);
	if (s->max_state > tot->max_state)
		tot->max_state = s->max_state;
	if (!ok) {
		tot->failed++;
		sim_report_failed(&s->c, "state-sim", seed, repro);
	}
	model_free(s);
	free(s);
	cur = NULL;
	return ok;
}

static void
usage(FILE *f)
{
	fprintf(f,
"usage: rumor-state-sim [options]\n"
"  --seed S             one seed (default 1)\n"
"  --seeds A-B          every seed from A to B, in one process\n"
"  --replicas R         replicas of the channel, 1 to 5 (default 3)\n"
"  --clients C          clients, 1 to 16 (default 4)\n"
"  --seconds T          simulated seconds of faults and clients (5)\n"
"  --heal T             seconds of anti-entropy without loss (2)\n"
"  --gap MS             mean gap of a client's operations (default 40)\n"
"  --loss P             percent of datagrams lost (default 2)\n"
"  --dup P              percent duplicated (default 2)\n"
"  --delay A-B          one-way delay in ms, uniform (default 1-10)\n"
"  --partitions P       percent chance each 500 ms that one replica is\n"
"                       cut off for 100-1000 ms (default 10)\n"
"  --crashes P          percent chance each 500 ms that a replica\n"
"                       crashes, losing its store (default 0)\n"
"  --write-level L      local, one, quorum, all or mix (default mix)\n"
"  --read-level L       the same, for reads\n"
"  --same-id            a replica back empty keeps its replica id\n"
"                       (loses acknowledged adds: must fail)\n"
"  --count-recovering   a replica back empty counts towards reads at\n"
"                       once (reads miss acknowledged adds: must fail)\n"
"  --bug-read-one       reads at quorum and all merge the coordinator's\n"
"                       state alone (a planted bug: must fail)\n"
"  -v                   print every violation, crashes and catch-ups\n");
}

static int
level_arg(const char *a)
{
	for (int l = STATE_LEVEL_LOCAL; l <= STATE_LEVEL_ALL; l++)
		if (strcmp(a, state_level_name((enum state_level)l)) == 0)
			return l;
	return strcmp(a, "mix") == 0 ? -1 : -2;
}

/* Take `name WORD` out of argv (sim_args reads numbers only). */
static int
take_level(int *argc, char **argv, const char *name)
{
	for (int i = 1; i + 1 < *argc; i++)
		if (strcmp(argv[i], name) == 0) {
			int l = level_arg(argv[i + 1]);

			memmove(&argv[i], &argv[i + 2],
					(size_t)(*argc - i - 2) *
					sizeof(*argv));
			*argc -= 2;
			return l;
		}
	return -1;
}

int
main(int argc, char **argv)
{
	struct opts o = {
		.seed_lo = 1, .seed_hi = 1, .replicas = 3, .clients = 4,
		.seconds = 5, .heal_seconds = 2, .gap_ms = 40,
		.net = { .loss_pct = 2, .dup_pct = 2, .delay_min_ms = 1,
			.delay_max_ms = 10 },
		.partition_pct = 10,
	};
	const struct sim_opt opts[] = {
		{ "seed", 0, SIM_OPT_RANGE64, &o.seed_lo, &o.seed_hi },
		{ "seeds", 0, SIM_OPT_RANGE64, &o.seed_lo, &o.seed_hi },
		{ "replicas", 0, SIM_OPT_U32, &o.replicas, NULL },
		{ "clients", 0, SIM_OPT_U32, &o.clients, NULL },
		{ "seconds", 0, SIM_OPT_U32, &o.seconds, NULL },
		{ "heal", 0, SIM_OPT_U32, &o.heal_seconds, NULL },
		{ "gap", 0, SIM_OPT_U32, &o.gap_ms, NULL },
		{ "loss", 0, SIM_OPT_U32, &o.net.loss_pct, NULL },
		{ "dup", 0, SIM_OPT_U32, &o.net.dup_pct, NULL },
		{ "delay", 0, SIM_OPT_RANGE32, &o.net.delay_min_ms,
			&o.net.delay_max_ms },
		{ "partitions", 0, SIM_OPT_U32, &o.partition_pct, NULL },
		{ "crashes", 0, SIM_OPT_U32, &o.crash_pct, NULL },
		{ "same-id", 0, SIM_OPT_SET, &o.same_id, NULL },
		{ "count-recovering", 0, SIM_OPT_SET, &o.count_recovering,
			NULL },
		{ "bug-read-one", 0, SIM_OPT_SET, &o.bug_read_one, NULL },
		{ NULL, 'v', SIM_OPT_SET, &o.verbose, NULL },
	};
	struct totals tot = { 0 };
	const struct stats *t = &tot.st;
	size_t off;
	int rc;

	o.write_level = take_level(&argc, argv, "--write-level");
	o.read_level = take_level(&argc, argv, "--read-level");
	rc = sim_args(argc, argv, opts, sizeof(opts) / sizeof(opts[0]),
			usage);
	if (rc >= 0)
		return rc;
	/*
	 * A duplicate of a client's request must reach its coordinator in
	 * the life that took the first: delays below the shortest crash.
	 */
	if (o.write_level < -1 || o.read_level < -1 || o.replicas < 1 ||
			o.replicas > REPLICAS_MAX || o.clients < 1 ||
			o.clients > CLIENTS_MAX || o.seconds == 0 ||
			o.heal_seconds == 0 || o.gap_ms < 1 ||
			o.net.delay_max_ms >= RESTART_MIN_MS ||
			o.net.loss_pct > 100 || o.net.dup_pct > 100) {
		usage(stderr);
		return 2;
	}

	/* The command line, seed aside, for reproductions. */
	off = sim_repro(repro, sizeof(repro), argc, argv);
	if (o.write_level >= 0 && off < sizeof(repro))
		off += (size_t)snprintf(repro + off, sizeof(repro) - off,
				" --write-level %s",
				state_level_name(o.write_level));
	if (o.read_level >= 0 && off < sizeof(repro))
		off += (size_t)snprintf(repro + off, sizeof(repro) - off,
				" --read-level %s",
				state_level_name(o.read_level));
	signal(SIGABRT, on_abort);

	for (uint64_t seed = o.seed_lo; ; seed++) {
		run_seed(&o, seed, &tot);
		if (seed == o.seed_hi)
			break;
	}

	printf("state-sim: seeds=%" PRIu64 "-%" PRIu64 " replicas=%u "
			"failed=%" PRIu64 " writes=%" PRIu64 " acked_local=%"
			PRIu64 " acked_one=%" PRIu64 " acked_quorum=%" PRIu64
			" acked_all=%" PRIu64 " reads=%" PRIu64 " answered=%"
			PRIu64 " checked_reads=%" PRIu64 " converged=%" PRIu64
			" crashes=%" PRIu64 " catchups=%" PRIu64
			" partitions=%" PRIu64 " repairs=%" PRIu64
			" max_state=%zu events=%" PRIu64 "\n",
			o.seed_lo, o.seed_hi, o.replicas, tot.failed,
			t->writes, t->acked[STATE_LEVEL_LOCAL],
			t->acked[STATE_LEVEL_ONE],
			t->acked[STATE_LEVEL_QUORUM],
			t->acked[STATE_LEVEL_ALL], t->reads, t->answered,
			t->checked, t->converged, t->crashes, t->catchups,
			t->partitions, t->repairs, tot.max_state, t->events);
	return tot.failed == 0 ? 0 : 1;
}
