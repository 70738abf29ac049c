/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The simulation core that the membership simulator (swim_sim.c) and the
 * Raft simulator (raft_sim.c) share: simulated time, a seeded random
 * source, the queue of events in time order (ties broken by creation, so
 * that a run is reproducible from its seed), and the fault model of the
 * network and of the nodes: loss, duplication, uniform delay (so that
 * datagrams also reorder), partitions (both ways or one way) and crashes
 * (a node down, and which of its lives an event belongs to). What a crash
 * loses, and when faults strike, is each simulator's own.
 *
 * Also the chores of a simulator's main: options read by a table,
 * failures counted and the first one kept, allocations that cannot fail.
 */
#ifndef RUMOR_SIM_CORE_H
#define RUMOR_SIM_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rumor/prng.h"

/*
 * Which generator a simulator draws from: the one it always has, so that
 * a seed replays the runs it made before.
 */
enum sim_prng {
	SIM_XORSHIFT64S,	/* The membership simulator. */
	SIM_SPLITMIX64,		/* The Raft simulator. */
};

/* Something that happens at time t: a datagram, a timer, a fault. */
struct sim_event {
	uint64_t t;
	uint64_t order;		/* Ties break by creation: deterministic. */
	uint8_t type;		/* The simulator's own. */
	uint32_t node;		/* Destination (datagram) or owner. */
	uint32_t src;		/* A datagram's source. */
	uint32_t life;		/* The life of node it belongs to. */
	uint16_t len;
	uint8_t *buf;		/* A datagram's bytes, owned. */
};

/* The network's faults. */
struct sim_net {
	uint32_t loss_pct, dup_pct;	/* Of datagrams. */
	uint32_t delay_min_ms, delay_max_ms;	/* One way, uniform. */
};

struct sim_core {
	uint64_t now;			/* Milliseconds. */
	uint64_t rng;
	enum sim_prng prng;
	/* Pending events: a binary heap, the earliest first. */
	struct sim_event *heap;
	size_t heap_n, heap_cap;
	uint64_t order;
	struct sim_net net;
	bool faults;			/* Loss and duplication in force. */
	/* A partition: each node's side, whether in force, one way. */
	uint8_t *side;
	bool split;
	bool asym;			/* Only side 0 -> side 1 is cut. */
	/* Nodes: up or crashed, and their lives (crashes so far). */
	uint32_t n;
	bool *up;
	uint32_t *life;
	/* Failures: how many, the first, and whether to print them. */
	uint64_t failures;
	char first_failure[256];
	char who[48];			/* Their prefix, e.g. "sim: ". */
	bool verbose;			/* Print the first ten. */
};

/*
 * n nodes, all down; the generator seeded from seed (as both simulators
 * always have); faults in force. Aborts when out of memory.
 */
void sim_init(struct sim_core *c, uint32_t n, uint64_t seed,
		enum sim_prng prng, const struct sim_net *net);
/* Free what sim_init and the pending events hold. */
void sim_free(struct sim_core *c);

/* ---- randomness ---- */

static inline uint64_t
sim_rand(struct sim_core *c)
{
	return c->prng == SIM_SPLITMIX64 ? prng_splitmix64(&c->rng) :
			prng_xorshift64s(&c->rng);
}

/* Below n (0, and no draw, when n is 0). */
static inline uint64_t
sim_below(struct sim_core *c, uint64_t n)
{
	return n != 0 ? sim_rand(c) % n : 0;
}

/* In lo .. hi, both included. */
static inline uint64_t
sim_range(struct sim_core *c, uint64_t lo, uint64_t hi)
{
	return lo + sim_below(c, hi - lo + 1);
}

/* ---- the event queue ---- */

/* Queue e (its order is set here). */
void sim_push(struct sim_core *c, struct sim_event e);
/*
 * The next event due by time until: the clock moves to it and it is
 * handed over (true, and the caller frees e->buf); or, none left, the
 * clock moves to until (false).
 */
bool sim_next(struct sim_core *c, uint64_t until, struct sim_event *e);

/* ---- the fault model ---- */

/*
 * A datagram from node `from` to node `to` sent now: how many copies
 * arrive (0, 1 or 2) and when, in at[]. With faults in force it may be
 * duplicated and each copy lost; a partition in force between the two
 * sides drops it; every copy takes a delay of its own.
 */
unsigned sim_send(struct sim_core *c, uint32_t from, uint32_t to,
		uint64_t at[2]);

/* Node i comes up (at start, or back from a crash). */
static inline void
sim_up(struct sim_core *c, uint32_t i)
{
	c->up[i] = true;
}

/* Node i crashes: its next life starts when it is up again. */
static inline void
sim_crash(struct sim_core *c, uint32_t i)
{
	c->up[i] = false;
	c->life[i]++;
}

/* ---- failures ---- */

/* An invariant that did not hold at node (0-based), now. */
void sim_fail(struct sim_core *c, uint32_t node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void sim_vfail(struct sim_core *c, uint32_t node, const char *fmt,
		va_list ap) __attribute__((format(printf, 3, 0)));

/*
 * Say that seed failed: how many violations, the first, and the command
 * (repro, the program and its options) that runs it again verbosely.
 */
/*
 * The command line argv[0..argc) without its seed options (--seed,
 * --seeds) and -v, into buf (cap bytes), for a failed seed's report:
 * the length written (cap or more if it was cut short).
 */
size_t sim_repro(char *buf, size_t cap, int argc, char **argv);

void sim_report_failed(const struct sim_core *c, const char *name,
		uint64_t seed, const char *repro);

/* ---- memory ---- */

/* realloc, calloc and a copy of len bytes that abort rather than fail. */
void *sim_realloc(void *p, size_t n);
void *sim_calloc(size_t n, size_t size);
uint8_t *sim_memdup(const void *p, size_t len);

/* Sort n numbers, smallest first. */
void sim_sort_u64(uint64_t *v, size_t n);

/* ---- the command line ---- */

enum sim_opt_kind {
	SIM_OPT_U32,		/* A number into *(uint32_t *)a. */
	SIM_OPT_U64,		/* A number into *(uint64_t *)a. */
	SIM_OPT_RANGE32,	/* N or A-B into *(uint32_t *)a, b. */
	SIM_OPT_RANGE64,	/* N or A-B into *(uint64_t *)a, b. */
	SIM_OPT_SET,		/* No argument: *(bool *)a = true. */
	SIM_OPT_CLEAR,		/* No argument: *(bool *)a = false. */
};

/* One option: --name (NULL: none), -short_name (0: none). */
struct sim_opt {
	const char *name;
	char short_name;
	enum sim_opt_kind kind;
	void *a, *b;
};

/*
 * Read argv by opts (n of them) and --help/-h, which prints usage to
 * stdout. Returns -1 to go on, else the exit status: 0 after --help, 2
 * (usage printed to stderr) for an unknown option, a malformed range or
 * an argument left over.
 */
int sim_args(int argc, char **argv, const struct sim_opt *opts, size_t n,
		void (*usage)(FILE *f));

#endif /* RUMOR_SIM_CORE_H */
