/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor-control's answers to rumorctl (admin_cmds.c): what each request
 * of the admin socket (include/rumor/admin.h) does on this node. The
 * socket server (admin.c) calls admin_cmds_request() back; node.c tells
 * it when the dataplane's counters arrive and, after each turn of the
 * loop, lets it answer a voter change that has committed. Among the
 * node's files it calls raft_store.c, epoch_driver.c and swim_driver.c.
 */
#ifndef RUMOR_CONTROL_ADMIN_CMDS_H
#define RUMOR_CONTROL_ADMIN_CMDS_H

#include <stdint.h>

#include "node_int.h"

/* admin_open()'s callback: one request of a client (arg: the node). */
void admin_cmds_request(void *arg, uint64_t client,
		const struct admin_req *req);

/*
 * The dataplane's counters arrived (text, len bytes), or will not (text
 * NULL, why says why): the stats replies that wait for them go out.
 */
void admin_cmds_stats_done(struct node *n, const char *text, uint32_t len,
		const char *why);

/*
 * Answer the operator whose voter change has committed, or will not
 * (replaced, leadership lost, or no commit within 3 s). Raft on only.
 */
void admin_cmds_voter_done(struct node *n, uint64_t now);

#endif /* RUMOR_CONTROL_ADMIN_CMDS_H */
