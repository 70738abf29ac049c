/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The membership's driver (swim_driver.c): it runs the sans-I/O SWIM core
 * (include/rumor/swim.h) for rumor-control's node, giving it time, seeds
 * and the dataplane's STATE, sealing what it sends, logging what changes,
 * and, while Raft is off, giving the dataplane this node's live view as
 * its member table. It is the lowest layer of the node: it calls no other
 * file of the node (node_int.h lists the layers).
 */
#ifndef RUMOR_CONTROL_SWIM_DRIVER_H
#define RUMOR_CONTROL_SWIM_DRIVER_H

#include <stdint.h>

#include "node_int.h"

/* The membership's clock at monotonic time now_ms: paused time left out. */
uint64_t swim_driver_now(const struct node *n, uint64_t now_ms);

/* "alive", "suspect", "dead", "left". */
const char *swim_driver_state_name(uint8_t state);

/*
 * The dataplane completed the handshake (its STATE st and its member
 * table m[cnt]): start the membership at the first one, resume it at a
 * later one, and ask the seeds to let this node in. -1 (logged) when the
 * membership cannot start.
 */
int swim_driver_attached(struct node *n, const struct link_state *st,
		const struct link_member *m, uint32_t cnt, uint64_t now);

/* The dataplane went away: the membership's clock stands still. */
void swim_driver_detached(struct node *n, uint64_t now);

/* Leave the cluster: the membership announces it; no more joining. */
void swim_driver_leave(struct node *n, uint64_t now);

/* The membership's timers, and the table due to the dataplane. */
void swim_driver_timers(struct node *n, uint64_t now);

/*
 * After anything happened: send what the membership has to send, tell
 * the dataplane the incarnation, log the view, join, and (Raft off)
 * schedule a table when the view moved.
 */
void swim_driver_after(struct node *n, uint64_t now);

/* Seal and send what the membership has to send. */
void swim_driver_drain(struct node *n);

/* When swim_driver_timers next has something to do (UINT64_MAX: never). */
uint64_t swim_driver_next(const struct node *n);

/*
 * The members that own channels in this node's view (alive or suspect,
 * one per address and port), sorted by id, malloc'd in *out; returns how
 * many, 0 with *out NULL when there are none or memory ran out.
 */
uint32_t swim_driver_live_members(struct node *n, struct link_member **out);

/* Free the membership and what the driver holds for it. */
void swim_driver_close(struct node *n);

#endif /* RUMOR_CONTROL_SWIM_DRIVER_H */
