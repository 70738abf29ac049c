/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The node's state, shared by the files that make up the node: node.c
 * (the loop and the membership wiring) and node_admin.c (the replies to
 * rumorctl). Nothing outside the node includes it.
 */
#ifndef RUMOR_CONTROL_NODE_INT_H
#define RUMOR_CONTROL_NODE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "rumor/config.h"
#include "rumor/seal.h"
#include "rumor/wire.h"
#include "rumor/admin.h"
#include "link_client.h"
#include "rumor/swim.h"

/* How long a TABLE waits for more membership changes to join it. */
#define NODE_TABLE_DEBOUNCE_MS 50u
/* How long the first TABLE after a start waits for the join's answers. */
#define NODE_TABLE_FIRST_MS 1000u
/* How long a join waits for an answer before it counts as unanswered. */
#define NODE_JOIN_ANSWER_MS 1000u
#define NODE_JOIN_WAIT_MIN_S 1u
#define NODE_JOIN_WAIT_MAX_S 30u
/* Seeds asked in one join attempt, at most. */
#define NODE_JOIN_FANOUT 16u
/* How long a leaving node stays to let its departure spread. */
#define NODE_LINGER_MS 1000u
/* How long a leaving node waits for the epoch without it (Raft on). */
#define NODE_LEAVE_WAIT_MS 5000u
/* How long rumorctl stats waits for the dataplane's counters. */
#define NODE_STATS_WAIT_MS 1000u

/*
 * What became of each datagram the dataplane handed over (PUNT), and of
 * each one the membership sent. rx = rx_swim + rx_malformed +
 * rx_wrong_label + rx_forged + rx_replayed + rx_wrong_proto +
 * rx_raft + rx_not_ready; rx_forged_sender is the part of rx_forged that a valid
 * key sealed but that claims another sender inside.
 */
struct node_stats {
	uint64_t rx;			/* PUNTs. */
	uint64_t rx_swim;		/* Opened, given to the membership. */
	uint64_t rx_malformed;
	uint64_t rx_wrong_label;
	uint64_t rx_forged;
	uint64_t rx_forged_sender;
	uint64_t rx_replayed;
	uint64_t rx_wrong_proto;	/* Authentic, of no protocol run. */
	uint64_t rx_raft;		/* Opened, given to Raft. */
	uint64_t rx_not_ready;		/* Before the membership existed. */
	uint64_t tx;			/* Sealed, queued to the dataplane. */
	uint64_t tx_seal_failed;
	uint64_t tx_dropped;		/* The link was not ready or full. */
	uint64_t join_attempts;
	uint64_t incarnations_sent;
	uint64_t stats_requests;	/* STATS_REQ sent. */
	uint64_t stats_timeouts;
};

/* A member as last logged, to log only what changed. */
struct node_seen {
	uint32_t id, ip;
	uint16_t port;
	uint8_t state;
	uint32_t incarnation, weight;
};

enum node_join {
	NODE_JOIN_IDLE,		/* Joined, or nobody to ask. */
	NODE_JOIN_ASKED,	/* Asked the seeds; answers due by join_at. */
	NODE_JOIN_WAITING,	/* Unanswered; asking again at join_at. */
};

enum node_stop {
	NODE_RUNNING,
	NODE_LEAVING,		/* Left; lingering until linger_until. */
	NODE_EXIT,
};

struct node_raft;

struct node {
	const struct rumor_config *cfg;
	const char *name;		/* The configuration file. */
	struct swim_params params;
	struct seal *seal;
	struct link *link;
	struct admin *admin;
	struct swim *swim;		/* NULL until the first handshake. */
	struct swim_self self;
	uint64_t start_ms;
	uint64_t rng;			/* Seed choice; never 0. */
	int exit_status;

	/*
	 * The membership's clock is the monotonic clock less the time spent
	 * without a dataplane: while nothing can be sent or received, its
	 * timers stand still instead of taking every member for dead.
	 */
	uint64_t paused_ms;		/* Total time without a dataplane. */
	uint64_t pause_start;
	bool paused;

	uint32_t inc_seen;		/* Incarnation last logged. */
	uint32_t inc_told;		/* Last told the dataplane, */
	bool inc_told_valid;		/* on this connection. */

	uint64_t logged_version;	/* Membership view last logged. */
	struct node_seen *seen;		/* Sorted by id. */
	uint32_t n_seen;
	struct swim_member *mem;	/* Scratch: swim_members() copy. */
	uint32_t mem_cap;

	uint64_t pushed_version;	/* View last sent as a TABLE. */
	bool table_pending;
	uint64_t table_due;
	uint64_t table_hold;		/* No first TABLE before this. */
	uint64_t next_table_id;

	uint32_t *seed_ip;		/* Join candidates: seeds, and the */
	uint16_t *seed_port;		/* dataplane's members, but not us. */
	uint32_t n_seeds, seeds_cap;
	enum node_join join;
	uint64_t join_at;
	uint32_t join_wait_s;		/* Next wait between attempts. */

	uint64_t stats_waiting[ADMIN_CLIENTS_MAX];	/* Admin clients. */
	uint32_t n_stats_waiting;
	uint64_t stats_deadline;

	enum node_stop stop;
	uint64_t linger_until;
	uint64_t leave_until;	/* Waiting for the epoch without it. */

	struct node_raft *raft;		/* NULL: Raft off (no voters). */

	struct node_stats st;
	uint8_t body[SEAL_BODY_MAX];
	uint8_t dgram[RUMOR_DATAGRAM_MAX];
};

/* Monotonic milliseconds: the clock of every timer of the node. */
static inline uint64_t
node_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/*
 * Seal body as protocol proto and queue it to ip:port through the
 * dataplane; every outcome is counted in node_stats. Both protocols send
 * this way: the membership (SEAL_P_SWIM) and Raft (SEAL_P_RAFT).
 */
static inline void
node_send_sealed(struct node *n, uint8_t proto, const uint8_t *body,
		size_t len, uint32_t ip, uint16_t port)
{
	size_t dlen = seal_wrap(n->seal, proto, body, len, n->dgram,
			sizeof(n->dgram));

	if (dlen == 0) {
		n->st.tx_seal_failed++;
		return;
	}
	if (link_send_dgram(n->link, ip, port, n->dgram, (uint16_t)dlen) < 0)
		n->st.tx_dropped++;
	else
		n->st.tx++;
}

/* Admin requests (node_admin.c). */
void node_admin_request(void *arg, uint64_t client,
		const struct admin_req *req);
/* The dataplane's counters arrived, or will not (text NULL). */
void node_admin_stats_done(struct node *n, const char *text, uint32_t len,
		const char *why);

/*
 * Raft on ring epochs (node_raft.c), when voters are configured: the
 * node's Raft state opened from raft_dir (-1: logged, refuse to start),
 * an envelope from a peer, the timers, the ready loop, the next
 * deadline, the dataplane (re)attached, the admin lines, and closing.
 */
int node_raft_open(struct node *n);
void node_raft_input(struct node *n, uint32_t sender, const uint8_t *body,
		size_t len, uint64_t now);
void node_raft_timers(struct node *n, uint64_t now);
void node_raft_after(struct node *n, uint64_t now);
uint64_t node_raft_next(const struct node *n);
void node_raft_attached(struct node *n);
void node_raft_admin(struct node *n, uint64_t client, bool stats);
/* A Raft command of rumorctl (raft snapshot): answers and ends. */
void node_raft_command(struct node *n, uint64_t client,
		const struct admin_req *req);
void node_raft_close(struct node *n);
bool node_raft_left(const struct node *n);

#endif /* RUMOR_CONTROL_NODE_INT_H */
