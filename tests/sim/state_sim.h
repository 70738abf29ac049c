/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the parts of rumor-state-sim share: the model of replication
 * (state_model.c: replicas, coordinator, anti-entropy, clients, faults),
 * its checks (state_check.c: reads against history, convergence, lost
 * adds) and the driver (state_sim.c: options and runs, and what is
 * modelled and why). The driver calls both others, the model the checks.
 */
#ifndef RUMOR_STATE_SIM_H
#define RUMOR_STATE_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rumor/state_store.h"
#include "rumor/state_wire.h"
#include "sim_core.h"

#define REPLICAS_MAX 5u
#define CLIENTS_MAX 16u
#define COUNTERS 4u		/* Objects 0 .. 3 are the counters. */
#define RESTART_MIN_MS 200u	/* A crashed replica is down at least. */

/* The channel's objects (state_model.c): counters, a register, a map. */
struct sim_obj {
	uint8_t kind;
	const char *key;
};

extern const struct sim_obj sim_objs[];

enum op_state { OP_OPEN, OP_DONE, OP_GAVE_UP };

/* A client's operation, and what its coordinator knows of it. */
struct op {
	bool read;
	uint8_t level;
	uint8_t obj;
	uint8_t field;
	uint8_t state;		/* enum op_state, the client's view. */
	bool met;		/* The coordinator answered. */
	int64_t by;		/* An add's; a register's value. */
	int64_t value;		/* A read's answer. */
	uint32_t client;
	uint64_t t_issued;
	uint32_t coord, coord_life;	/* Who took it, in which life. */
	uint32_t holders;	/* Replicas holding the write, or read. */
	uint32_t counted;	/* A read: those counting for its level. */
	struct state_store *scratch;	/* A read: what it merged. */
	uint64_t acked[STATE_LEVEL_MAX];	/* A read: adds acked per
						 * level before it. */
};

/* What a replica back empty took of one peer's anti-entropy answer. */
struct track {
	uint32_t round;
	uint64_t got;		/* STATEs by their place. */
	int32_t count;		/* The END's count; -1 before it. */
	bool healthy;		/* The END's sender had caught up. */
};

struct replica {
	struct state_store st;	/* While up. */
	bool healthy;		/* Counts towards a read's level. */
	uint32_t caught;	/* Peers caught up from, in this life. */
	uint32_t round;		/* Digest rounds sent, every life. */
	uint32_t life_round;	/* The last round of the life before. */
	struct track tr[REPLICAS_MAX];
};

struct opts {
	uint64_t seed_lo, seed_hi;
	uint32_t replicas, clients;
	uint32_t seconds, heal_seconds;
	uint32_t gap_ms;		/* Mean gap of a client's operations. */
	struct sim_net net;
	uint32_t partition_pct;		/* Chance each 500 ms. */
	uint32_t crash_pct;		/* Chance each 500 ms. */
	int write_level, read_level;	/* -1: a mix. */
	bool same_id;
	bool count_recovering;
	bool bug_read_one;
	bool verbose;
};

/* Counts, summed over the seeds: every field a uint64_t. */
struct stats {
	uint64_t writes, reads, answered, checked;
	uint64_t acked[STATE_LEVEL_MAX];
	uint64_t crashes, catchups, partitions, converged;
	uint64_t repairs, msgs, events;
};

struct sim {
	struct opts o;
	struct sim_core c;
	uint64_t seed;
	uint32_t r;			/* Replicas: nodes 0 .. r - 1. */
	struct crdt_limits limits;
	struct replica rep[REPLICAS_MAX];
	struct op *ops;
	size_t n_ops, ops_cap;
	uint64_t issued[COUNTERS];	/* Adds issued per counter. */
	uint64_t acked[STATE_LEVEL_MAX][COUNTERS];	/* Acknowledged. */
	bool faulty;			/* Faults and clients at work. */
	struct stats st;
	size_t max_state;		/* The largest state or delta sent. */
	uint8_t enc[1u << 16];		/* Encodings on their way. */
};

static inline uint32_t
majority(const struct sim *s)
{
	return s->r / 2 + 1;
}

/* Replicas a level counts. */
static inline uint32_t
level_count(const struct sim *s, unsigned level)
{
	if (level == STATE_LEVEL_QUORUM)
		return majority(s);
	return level == STATE_LEVEL_ALL ? s->r : 1;
}

/* A check that failed at replica node (0-based), now (state_check.c). */
void fail(struct sim *s, uint32_t node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- the model (state_model.c) ---- */

/* Replicas up and empty, clients and faults scheduled. */
void model_start(struct sim *s);
/* Every event until t. */
void model_run(struct sim *s, uint64_t t);
/* The faults stop, the clients too; the crashed come back empty. */
void model_heal(struct sim *s);
void model_free(struct sim *s);

/* ---- the checks (state_check.c) ---- */

/* A read answered to its client: against what was acknowledged. */
void check_read(struct sim *s, const struct op *op);
/* At the end: every replica caught up and equal (true), else failures. */
bool check_converged(struct sim *s);
/* At the end: each counter within what was acknowledged and issued. */
void check_counters(struct sim *s);

#endif /* RUMOR_STATE_SIM_H */
