/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ring epochs as rumor-control uses them (epoch_driver.c): the state that
 * its Raft agrees on. The leader turns its live view into epochs through
 * the pure planner (include/rumor/epoch_plan.h) and proposes them; every
 * node applies the committed ones and gives the last one to its
 * dataplane as the member table. It calls only the membership's driver
 * (swim_driver.h) among the node's files.
 */
#ifndef RUMOR_CONTROL_EPOCH_DRIVER_H
#define RUMOR_CONTROL_EPOCH_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "node_int.h"

/* The scratch epochs of nr; -1 when memory ran out. */
int epoch_driver_open(struct node_raft *nr);
void epoch_driver_close(struct node_raft *nr);

/*
 * The leader proposes the live view as the next epoch when the planner
 * says so (at most one proposal in flight, changes batched over a short
 * wait); other nodes only follow the view, to make every member a
 * learner.
 */
void epoch_driver_propose(struct node *n, uint64_t now);

/*
 * A committed entry (or a snapshot's state, as RAFT_ENTRY_RING_EPOCH):
 * a whole epoch, or a delta from the last one applied. Other entries are
 * not epochs and are passed over.
 */
void epoch_driver_apply(struct node *n, uint8_t type, const uint8_t *data,
		size_t len, uint64_t now);

/* Give the dataplane the last committed epoch, if it has not got it. */
void epoch_driver_push(struct node *n);

/* The dataplane (re)attached: it gets the last epoch again. */
void epoch_driver_attached(struct node *n);

/*
 * Has the dataplane been given an epoch without this node, which left?
 * True with Raft off: there is no epoch to wait for.
 */
bool epoch_driver_left(const struct node *n);

/* The number of the last epoch applied, 0 before the first. */
uint64_t epoch_driver_last(const struct node_raft *nr);

/*
 * The state a snapshot holds: the last epoch applied, encoded in buf
 * (cap bytes). Returns its length, 0 when none was applied yet, -1 when
 * it does not encode.
 */
ssize_t epoch_driver_encode(const struct node_raft *nr, uint8_t *buf,
		size_t cap);

/* At start: the snapshot's epoch, if any, is where the state starts. */
void epoch_driver_restore(struct node *n, const struct raft_snapshot *snap);

/* raft_config's snapshot_ok: a leader's snapshot holds an epoch or nothing. */
bool epoch_driver_snapshot_ok(const uint8_t *data, uint32_t len, void *arg);

/* The pct-th percentile of the commit latencies kept, in ms (0: none). */
uint32_t epoch_driver_commit_ms(const struct node_raft *nr, uint32_t pct);

#endif /* RUMOR_CONTROL_EPOCH_DRIVER_H */
