/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * When the Raft leader proposes a new ring epoch: a pure decision, so
 * that the unit tests can drive it with made-up views and clocks.
 *
 * The leader compares its live view (the SWIM members that own channels)
 * with the latest epoch in its log. A difference starts a batch; the
 * epoch is proposed EPOCH_BATCH_MS later with the view as it is then, so
 * that changes arriving together (a partition, several nodes starting)
 * make one epoch, not one each. At most one proposed epoch is
 * uncommitted at a time: the next waits for it, which batches as well.
 */
#ifndef RUMOR_CONTROL_EPOCH_PLAN_H
#define RUMOR_CONTROL_EPOCH_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "rumor/raft_wire.h"

#define EPOCH_BATCH_MS 200u

enum epoch_action {
	EPOCH_IDLE,	/* Nothing to propose. */
	EPOCH_WAIT,	/* A change is batching, or waits for the epoch in
			 * flight; decide again at *wake (or on a commit). */
	EPOCH_PROPOSE,	/* Propose the view as epoch last + 1 now. */
	EPOCH_TOO_BIG,	/* The view has more than RAFT_EPOCH_MEMBERS_MAX
			 * members. */
};

/* The batch in progress: since when the view differs. */
struct epoch_batch {
	bool pending;
	uint64_t since;
};

struct epoch_plan_in {
	bool leader;			/* This node leads. */
	bool can_propose;		/* Its disk works. */
	bool in_flight;			/* An epoch proposed, uncommitted. */
	const struct raft_epoch *last;	/* Latest epoch in the log; NULL:
					 * none yet. */
	const struct raft_epoch_member *view;	/* Sorted by id. */
	uint32_t n_view;
	uint64_t now;			/* Milliseconds, any origin. */
	bool continuing;		/* The last proposal left changes
					 * for a next epoch: no new batch. */
};

/*
 * The decision for now. *wake is set for EPOCH_WAIT (UINT64_MAX when
 * only a commit can change it). EPOCH_PROPOSE ends the batch: the caller
 * proposes epoch_next() of the view.
 */
enum epoch_action epoch_plan(struct epoch_batch *b,
		const struct epoch_plan_in *in, uint64_t *wake);

/*
 * Whether epoch e holds exactly these members (ids, addresses, zones,
 * weights).
 */
bool epoch_same_members(const struct raft_epoch *e,
		const struct raft_epoch_member *m, uint32_t n);

/*
 * The epoch after last (NULL: the first, number 1) with these members
 * (sorted by id, 1 .. RAFT_EPOCH_MEMBERS_MAX). Returns 0, or -1.
 */
int epoch_next(struct raft_epoch *out, const struct raft_epoch *last,
		const struct raft_epoch_member *m, uint32_t n);

/*
 * Ring epochs travel in the log as deltas (RING_DELTA, raft_wire.h): the
 * changes from the epoch before, each in one entry. A delta that would
 * not fit one entry (more than 81 joins, or 325 leaves, at once) is cut:
 * the epoch it makes holds the removals first (members gone should stop
 * owning channels soonest), then the joins and changes in id order, and
 * the rest follows in the next epoch, proposed as soon as this one
 * commits. Every intermediate epoch is a member set of its own, the
 * same on every node.
 *
 * epoch_delta: the delta from last (NULL: none yet) towards the members
 * m (sorted by id, 1 .. RAFT_EPOCH_MEMBERS_MAX), as much as fits one
 * entry; *next is the epoch it makes, *partial whether changes are left.
 * Returns 0, or -1 if there is no change or m is invalid.
 */
int epoch_delta(struct raft_epoch_delta *d, struct raft_epoch *next,
		bool *partial, const struct raft_epoch *last,
		const struct raft_epoch_member *m, uint32_t n);

/*
 * The epoch delta d makes of base (NULL: no epoch yet), into out (not
 * base). Returns 0; -1 if d does not apply to base (another base epoch,
 * a removed id absent), or the result has another member count or hash
 * than d names (nodes that disagree: never expected).
 */
int epoch_apply(struct raft_epoch *out, const struct raft_epoch *base,
		const struct raft_epoch_delta *d);

/* Copy an epoch: its number and its members only, not the whole array. */
void epoch_copy(struct raft_epoch *dst, const struct raft_epoch *src);

/* XXH3 of e's encoding (raft_epoch_encode), computed without a buffer. */
uint64_t epoch_hash(const struct raft_epoch *e);

#endif /* RUMOR_CONTROL_EPOCH_PLAN_H */
