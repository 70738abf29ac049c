/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor-control's Raft driver (raft_driver.c): the sans-I/O Raft core of
 * lib/protocols/raft.c run for the node when voters are configured. It
 * creates the core, feeds it ticks and the peers' messages, and carries
 * out its Ready: persisted by raft_store.c, sent sealed, the committed
 * ring epochs applied by epoch_driver.c. It calls those two and no other
 * file of the node.
 */
#ifndef RUMOR_CONTROL_RAFT_DRIVER_H
#define RUMOR_CONTROL_RAFT_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "node_int.h"

/*
 * Create n->raft from the configuration and restore it from raft_dir.
 * -1 (logged): the node must not start.
 */
int raft_driver_open(struct node *n);
void raft_driver_close(struct node *n);

/* A Raft envelope (SEAL_P_RAFT) the seal authenticated as sender's. */
void raft_driver_input(struct node *n, uint32_t sender, const uint8_t *body,
		size_t len, uint64_t now);

/*
 * Raft's ticks; and the exit of a node that heard only peers founded
 * with other voters.
 */
void raft_driver_timers(struct node *n, uint64_t now);

/*
 * After anything happened: the leader proposes its view as an epoch,
 * the Ready loop runs, and the dataplane gets the last committed epoch.
 */
void raft_driver_after(struct node *n, uint64_t now);

/* When raft_driver_timers or the leader's plan next has work. */
uint64_t raft_driver_next(const struct node *n);

#endif /* RUMOR_CONTROL_RAFT_DRIVER_H */
