/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor-control's Raft state on disk (raft_store.c): raft_dir opened at
 * start through the log library (include/rumor/raft_log.h), the Raft core
 * restored from it and the founding voters checked against the voter
 * lines; then every Ready persisted, snapshots taken and the log
 * compacted behind them, and a failing disk made to stop this node's
 * voting. Among the node's files it calls only epoch_driver.h, which
 * knows what a snapshot holds.
 */
#ifndef RUMOR_CONTROL_RAFT_STORE_H
#define RUMOR_CONTROL_RAFT_STORE_H

#include <stddef.h>

#include "node_int.h"

/*
 * A snapshot of the last applied epoch is taken, and the log compacted
 * behind it, once this many entries have been applied since the last
 * one. Entries are rare (an epoch per membership change, a no-op per
 * election): the log stays small, and a node that was down for fewer
 * entries catches up from the log rather than from a snapshot.
 */
#define RAFT_STORE_SNAPSHOT_ENTRIES 1000u

/*
 * Open raft_dir and restore n->raft->raft (new, empty) from it: the
 * snapshot, the log after it and the hard state; record the founding
 * voters at the first start, refuse a state founded with others. -1 when
 * the node must not start (logged, naming the field).
 */
int raft_store_open(struct node *n);
void raft_store_close(struct node_raft *nr);

/*
 * Write and fsync what a Ready asks (raft.h's contract) before anything
 * of it is sent. -1 when the disk failed: the node has stopped voting.
 */
int raft_store_persist(struct node *n, const struct raft_ready *rd);

/*
 * Take a snapshot of the state at the applied index, save it, and
 * compact the log behind it. Returns 0, -EALREADY if nothing was applied
 * since the last snapshot, -EIO if the disk has failed (now or before),
 * or another negative errno.
 */
int raft_store_compact(struct node *n);

/*
 * After a Ready loop: compact when RAFT_STORE_SNAPSHOT_ENTRIES have been
 * applied, and say when a node whose snapshot was set aside holds again
 * what it may have acknowledged.
 */
void raft_store_after(struct node *n);

/* The current voters (the founding ones and the changes since), "{1,2}". */
const char *raft_store_voters_now(const struct node_raft *nr, char *buf,
		size_t cap);

#endif /* RUMOR_CONTROL_RAFT_STORE_H */
