/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The state of rumor-control's node, shared by the files that make it up,
 * and the two helpers every one of them uses (the clock, the sealed
 * send). It declares no other function: each file's own header does, and
 * calls go one way, from the top down:
 *
 *   node.c          the poll() loop, the link's callbacks, the signals
 *   admin_cmds.c    the answers to rumorctl, voter changes included
 *   raft_driver.c   the Raft core fed and its Ready carried out
 *   raft_store.c    raft_dir: opened, restored, written, compacted
 *   epoch_driver.c  ring epochs: proposed, applied, given to the dataplane
 *   swim_driver.c   the membership, and its table while Raft is off
 *
 * A file calls only files below it in this list; the link (link_client.c)
 * and the admin socket (admin.c) reach node.c and admin_cmds.c only
 * through the callbacks node.c registers. Nothing outside the node
 * includes this header.
 */
#ifndef RUMOR_CONTROL_NODE_INT_H
#define RUMOR_CONTROL_NODE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "rumor/admin.h"
#include "rumor/config.h"
#include "rumor/control_stats.h"
#include "rumor/epoch_plan.h"
#include "rumor/punt.h"
#include "rumor/raft.h"
#include "rumor/raft_env.h"
#include "rumor/raft_log.h"
#include "rumor/seal.h"
#include "rumor/swim.h"
#include "rumor/wire.h"
#include "link_client.h"

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

/* What became of each datagram (control_stats.h, NODE_STATS_TABLE). */
struct node_stats {
	NODE_STATS_TABLE(COUNTERS_FIELD)
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

/* Raft's timeouts, in ticks of node_raft.tick_ms. */
#define NODE_RAFT_HEARTBEAT_TICKS 1u
#define NODE_RAFT_ELECTION_TICKS 10u
/* Commit latencies kept for rumorctl raft (the leader's own epochs). */
#define NODE_RAFT_LAT_MAX 256u

/* A peer told our voter set, and when. */
struct node_raft_told {
	uint32_t id;
	uint64_t at;
};

/*
 * Raft's counters around the core, each kept by the file that owns what
 * it counts (control_stats.h, NODE_RAFT_STATS_TABLE).
 */
struct node_raft_stats {
	NODE_RAFT_STATS_TABLE(COUNTERS_FIELD)
};

/* An operator's voter change, proposed, waiting for its commit. */
struct node_raft_change {
	bool active;
	uint64_t client;
	uint64_t index, term;
	uint64_t at;
	uint8_t op;
	uint32_t id;
	char note[256];			/* voter_change_check's note. */
};

/*
 * The node's Raft side, present when voters are configured. Each group
 * of fields is kept by the file named in its comment; the others read
 * it.
 */
struct node_raft {
	/* The Raft core, its clock and its messages (raft_driver.c). */
	struct raft *raft;
	uint32_t tick_ms;
	uint64_t next_tick;
	/*
	 * The founding voters: the voter lines, recorded in raft_dir at the
	 * first start. Raft messages carry their hash; the current voters
	 * are Raft's (the snapshot's and the changes in the log).
	 */
	uint64_t voters_hash;
	char voters_str[RAFT_ENV_VOTERS_STR];
	/* The voter-set check (raft_driver.c's file comment). */
	bool confirmed;			/* A peer with our set was heard. */
	uint64_t refuse_at;		/* Exit then unless confirmed. */
	char refuse_why[256];
	struct node_raft_told told[RAFT_NODES_MAX];
	uint32_t n_told;
	enum raft_role role_seen;
	uint32_t leader_seen;
	uint8_t env[RAFT_ENV_MAX];
	struct raft_msg msg;

	/* raft_dir (raft_store.c). */
	struct raft_log *log;
	bool lost_logged;		/* Lost state, not whole yet: said. */

	/* The leader's view and its batch (epoch_driver.c). */
	uint64_t view_version;
	struct raft_epoch_member *view;
	uint32_t n_view;
	struct epoch_batch batch;
	uint64_t plan_wake;
	uint64_t plan_commit;		/* Commit index the plan last saw. */
	bool plan_leader;
	bool too_big_logged;
	bool continuing;		/* The last proposal was cut. */
	/* Scratch epochs (64 KiB each): the latest in the log, the next. */
	struct raft_epoch *ep_a, *ep_b, *ep_next;
	struct raft_epoch_delta delta;

	/* The last committed epoch, as applied (epoch_driver.c). */
	struct raft_epoch applied;
	bool have_applied;
	bool table_dirty;		/* Not yet given to the dataplane. */
	bool not_member_logged;
	bool left_told;			/* The dataplane has an epoch
					 * without this node, as it left. */
	struct raft_epoch before;	/* The epoch applied before it. */
	bool have_before;
	uint64_t dp_epoch;		/* The last epoch the dataplane has. */

	/* The epoch this node proposed last, for its commit latency. */
	uint64_t proposed_epoch;
	uint64_t proposed_at;
	uint32_t lat_ms[NODE_RAFT_LAT_MAX];
	uint32_t n_lat, lat_next;

	/* The operator's voter change in flight (admin_cmds.c). */
	struct node_raft_change chg;

	struct node_raft_stats st;
};

/*
 * rumor-control's node, set up by node.c. Each group of fields below is
 * kept by the file named in its comment; the other files read it.
 */
struct node {
	const struct rumor_config *cfg;
	const char *name;		/* The configuration file. */
	struct swim_params params;
	struct seal *seal;
	struct creds *creds;		/* Its keys, read again on SIGHUP. */
	struct link *link;
	struct admin *admin;
	struct swim *swim;		/* NULL until the first handshake. */
	struct swim_self self;
	uint64_t start_ms;
	uint64_t rng;			/* Seed choice; never 0. */
	int exit_status;

	/*
	 * The membership (swim_driver.c). Its clock is the monotonic clock
	 * less the time spent without a dataplane: while nothing can be sent
	 * or received, its timers stand still instead of taking every member
	 * for dead.
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

	/* rumorctl stats waiting for the dataplane (admin_cmds.c). */
	uint64_t stats_waiting[ADMIN_CLIENTS_MAX];	/* Admin clients. */
	uint32_t n_stats_waiting;
	uint64_t stats_deadline;

	/*
	 * Stopping (node.c); a layer that finds the node must not go on
	 * sets NODE_EXIT and exit_status.
	 */
	enum node_stop stop;
	uint64_t linger_until;
	uint64_t leave_until;	/* Waiting for the epoch without it. */

	struct node_raft *raft;		/* NULL: Raft off (no voters);
					 * raft_driver.c opens it. */

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
 * Seal body as protocol proto for node to (0: its id is not known) and
 * queue it to ip:port through the dataplane; every outcome is counted in
 * node_stats. Both protocols send this way: the membership (SEAL_P_SWIM)
 * and Raft (SEAL_P_RAFT). With node credentials, what may not travel
 * unbound (punt_unbound_allowed) is not sent to an unknown receiver: it
 * would be refused there.
 */
static inline void
node_send_sealed(struct node *n, uint8_t proto, uint32_t to,
		const uint8_t *body, size_t len, uint32_t ip, uint16_t port)
{
	size_t dlen;

	if (to == 0 && seal_has_creds(n->seal) &&
			!punt_unbound_allowed(proto, body, len)) {
		n->st.tx_seal_failed++;
		return;
	}
	dlen = seal_wrap_to(n->seal, proto, to, body, len, n->dgram,
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

/* Ascending order of uint32_t, for qsort. */
static inline int
node_u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

#endif /* RUMOR_CONTROL_NODE_INT_H */
