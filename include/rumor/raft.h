/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Raft (Ongaro and Ousterhout, 2014) on the log of ring epochs, as a
 * sans-I/O state machine in the manner of etcd-io/raft: it is given ticks
 * (raft_tick), decoded messages (raft_step) and proposals (raft_propose),
 * and hands back, through raft_ready(), what the caller must do: hard state
 * and entries to persist, a received snapshot to save and install,
 * messages to send and committed entries to apply. It never reads a clock,
 * a socket, a file or a random source of its own, so the process and the
 * simulator (tests/sim/raft_sim.c) run the same code, and a run is
 * reproducible from its seed.
 *
 * What it does: randomized election timeouts; pre-vote (a node that has
 * been cut off asks before it raises its term, so that it does not
 * disrupt a healthy leader when it comes back); check-quorum (a leader
 * that has not heard from a quorum of voters within an election timeout
 * steps down, and a voter that heard from a leader within the election
 * timeout ignores votes for a newer term: the leader lease); log
 * replication with pipelining (a follower that accepted the last append
 * is sent the next ones optimistically, with at most max_inflight in
 * flight) and fast backtracking (a rejection names where the leader
 * should look next, one round trip per term of divergence); commitment by
 * a quorum of voters, of entries of the leader's own term only;
 * learners, which receive every entry but neither vote nor count;
 * leadership transfer (the leader brings the target up to date, then
 * tells it to campaign at once); changes of the voter set one voter at a
 * time, effective as soon as the entry is in a node's log, with a second
 * refused until the first is committed; snapshots supplied by the
 * application (raft_compact), log compaction behind them, and snapshots
 * sent in chunks to a follower whose next entry has been compacted away.
 *
 * The contract with the caller, at every turn:
 *
 *   1. Feed events: raft_tick() every tick, raft_step() for every decoded
 *      message addressed to this node, raft_propose() and the others.
 *   2. raft_ready(): if it returns true, in this order,
 *      a. if rd.snapshot is set, save it durably, drop every log entry
 *         held (the log now starts after rd.snapshot->index) and install
 *         it into the application;
 *      b. append rd.entries to the durable log, first removing every
 *         entry at or after rd.entries[0].index (a conflicting suffix);
 *      c. if rd.hard_state_changed, save rd.hard_state durably;
 *      d. fsync: only now send rd.msgs. A vote, an acknowledged entry or
 *         a received snapshot must be on disk before anyone hears of it;
 *         a crash before the fsync loses only what nobody was told;
 *      e. apply rd.committed in order;
 *      f. raft_advance(). Between raft_ready() and raft_advance() call
 *         nothing else: the pointers in rd point into the node.
 *      If any write or fsync fails, call raft_persist_failed() instead of
 *      sending: the node steps down, stops voting, acknowledging and
 *      accepting proposals (raft_disk_failed() says so), and stays so
 *      until the process restarts from what the disk holds.
 *   3. Now and then, once the application has applied up to some index,
 *      raft_compact() with its state at that index (the latest ring
 *      epoch); the caller then saves raft_snapshot() durably and drops
 *      the entries it covers from its log.
 *
 * After a restart, raft_restore() hands the node what the disk holds. The
 * first ready then redelivers the committed entries after the snapshot:
 * applying a ring epoch twice is harmless (the latest epoch wins).
 *
 * A node that lost acknowledged state (its snapshot failed its checksum
 * and was set aside with the log behind it, raft_log.h) restarts with
 * hard_state.lost_index and lost_term set: the last index it may have
 * acknowledged, and its term then. Its votes may have counted, and its
 * acknowledgements may have committed entries it no longer holds, so
 * until it holds them again it neither votes, pre-votes nor campaigns; it
 * still takes entries and snapshots from a leader and acknowledges them
 * (it holds what it acknowledges). It is whole again, and the hard state
 * says so, once a leader's commit index reaches it at or beyond
 * lost_index, or once a leader of a term after lost_term (elected without
 * it, so holding every committed entry) has it commit an entry of that
 * term. Until then raft_status().lost is true.
 */
#ifndef RUMOR_RAFT_H
#define RUMOR_RAFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rumor/counters.h"
#include "rumor/raft_wire.h"

/*
 * Voters and learners together: every member of the largest epoch hears
 * the committed epochs as a learner.
 */
#define RAFT_NODES_MAX RAFT_EPOCH_MEMBERS_MAX
#define RAFT_INFLIGHT_MAX 64u
#define RAFT_UNCOMMITTED_MAX 1024u	/* Proposals refused beyond this. */

/*
 * The roles, one row each: the enum identifier and the name rumorctl
 * shows. RAFT_ROLE_TABLE(X) expands X(id, name) once per row, in order:
 * the enum and raft_role_name() are made from it.
 */
#define RAFT_ROLE_TABLE(X)						\
	X(RAFT_FOLLOWER, "follower")					\
	X(RAFT_PRECANDIDATE, "pre-candidate")				\
	X(RAFT_CANDIDATE, "candidate")					\
	X(RAFT_LEADER, "leader")

#define RAFT_ROLE_ENUM(id, name) id,
enum raft_role {
	RAFT_ROLE_TABLE(RAFT_ROLE_ENUM)
	RAFT_ROLE_MAX
};
#undef RAFT_ROLE_ENUM

/* What a node is told at start; the same voters on every node. */
struct raft_config {
	uint32_t id;				/* This node, non-zero. */
	uint32_t voters[RAFT_VOTERS_MAX];	/* Initial voters: 3 or 5
						 * (1 for tests). */
	uint32_t n_voters;
	uint32_t learners[RAFT_NODES_MAX];	/* Every other member. */
	uint32_t n_learners;
	uint32_t election_ticks;	/* Election timeout, randomized in
					 * [election, 2 x election) (10). */
	uint32_t heartbeat_ticks;	/* Leader heartbeat period (1). */
	uint32_t max_inflight;		/* Appends in flight per follower
					 * (8, at most RAFT_INFLIGHT_MAX). */
	uint64_t seed;			/* Drives the election jitter. */
	/*
	 * Optional: whether a snapshot received from the leader holds a
	 * valid state. One that does not is dropped, counted
	 * (snapshots_refused), and fetched again from its first chunk.
	 */
	bool (*snapshot_ok)(const uint8_t *data, uint32_t len, void *arg);
	void *snapshot_arg;
};

void raft_config_default(struct raft_config *c);

/* What must be durable before anyone hears of it. */
struct raft_hard_state {
	uint64_t term;
	uint32_t vote;		/* Voted for, in term; 0: nobody. */
	uint64_t commit;	/* Not needed for safety; saves reapplying. */
	uint64_t lost_index;	/* Lost state up to here: no votes until
				 * caught up (above); 0: whole. */
	uint64_t lost_term;	/* The term when it was lost. */
};

/* A snapshot: the application's state at index, and the voters then. */
struct raft_snapshot {
	uint64_t index;
	uint64_t term;
	uint32_t voters[RAFT_VOTERS_MAX];
	uint32_t n_voters;
	uint32_t len;
	const uint8_t *data;
};

/* One message to send: already encoded (raft_wire.h). */
struct raft_out {
	uint32_t to;
	uint16_t len;
	uint8_t buf[RAFT_MSG_MAX];
};

/* What the caller must do now; see the contract above. */
struct raft_ready {
	bool hard_state_changed;
	struct raft_hard_state hard_state;
	const struct raft_snapshot *snapshot;	/* Received; NULL: none. */
	const struct raft_entry *entries;	/* To persist. */
	size_t n_entries;
	const struct raft_out *msgs;		/* To send after persisting. */
	size_t n_msgs;
	const struct raft_entry *committed;	/* To apply. */
	size_t n_committed;
};

/*
 * The Raft core's counters, for rumorctl and the simulator: one row each
 * (counters.h), named as rumorctl raft prints them (rumorctl stats adds
 * "raft_"). The process's own Raft counters are in control_stats.h.
 */
#define RAFT_STATS_TABLE(X)						\
	X(sent, "msgs_sent",						\
	  "Messages the core handed out to send")			\
	X(received, "msgs_received",					\
	  "Messages given to the core")					\
	X(dropped, "msgs_dropped",					\
	  "Messages refused, or not sent for want of memory")		\
	X(prevotes, "prevotes",						\
	  "Pre-vote campaigns started")					\
	X(elections, "elections",					\
	  "Elections started (terms this node stood in)")		\
	X(became_leader, "became_leader",				\
	  "Elections won")						\
	X(quorum_lost, "quorum_lost",					\
	  "Step-downs: a leader that lost touch with a quorum")		\
	X(append_rejects, "append_rejects",				\
	  "Appends refused: the log did not match")			\
	X(snapshots_sent, "snapshots_sent",				\
	  "Snapshot chunks sent as leader")				\
	X(snapshots_installed, "snapshots_installed",			\
	  "Snapshots received from a leader and installed")		\
	X(snapshots_refused, "snapshots_refused",			\
	  "Snapshots received that held no valid state")		\
	X(votes_withheld, "votes_withheld",				\
	  "Vote requests refused: this node lost state")		\
	X(transfers, "transfers",					\
	  "Leadership transfers: TIMEOUT_NOW sent")			\
	X(proposals, "proposals",					\
	  "Entries proposed as leader")					\
	X(proposals_refused, "proposals_refused",			\
	  "Proposals refused (not leader, busy, disk failed...)")

struct raft_stats {
	RAFT_STATS_TABLE(COUNTERS_FIELD)
};

struct raft;

/*
 * A node that knows nothing yet (term 0, empty log). NULL without memory
 * or with an invalid config (no id, voters not 1 to RAFT_VOTERS_MAX,
 * duplicate or zero ids, timing out of range).
 */
struct raft *raft_new(const struct raft_config *c);
void raft_free(struct raft *r);

/*
 * Before anything else, after a restart: what the disk holds. snap may be
 * NULL, entries must follow the snapshot (or index 1) without gaps
 * (entries the snapshot covers are skipped). The snapshot's voters and
 * the voter changes in the log override the config's voters. Returns 0,
 * or -1 (EINVAL) if the pieces do not fit together.
 */
int raft_restore(struct raft *r, const struct raft_hard_state *hs,
		const struct raft_snapshot *snap, const struct raft_entry *ents,
		size_t n);

/* One tick of the logical clock. */
void raft_tick(struct raft *r);

/* A decoded message; returns 0, or -1 if it was dropped. */
int raft_step(struct raft *r, const struct raft_msg *m);

/*
 * Propose an entry (type and payload; index and term are filled in).
 * Returns 0, or a negative errno: -EPERM (not the leader), -EBUSY (a
 * transfer or voter change in progress, or too many uncommitted
 * entries), -EINVAL (invalid payload or voter change), -EIO (the disk
 * has failed). A voter change may not remove the leader itself: transfer
 * leadership first.
 */
int raft_propose(struct raft *r, struct raft_entry *e);

/*
 * A learner joins: a member that is not a voter and was not known at
 * start (a node the membership discovered later). It receives entries
 * and counts for nothing. 0 (also if it is known already), -EINVAL (id
 * 0) or -ENOSPC (RAFT_NODES_MAX known).
 */
int raft_add_learner(struct raft *r, uint32_t id);

/* Hand leadership to voter `to`: 0, or -EPERM / -EINVAL. */
int raft_transfer_leadership(struct raft *r, uint32_t to);

/* The ready interface; see the contract above. */
bool raft_ready(struct raft *r, struct raft_ready *rd);
void raft_advance(struct raft *r, const struct raft_ready *rd);
void raft_persist_failed(struct raft *r);
bool raft_disk_failed(const struct raft *r);

/*
 * Take a snapshot at index (at most the applied index) whose state is
 * data: the node keeps a copy and drops the entries up to index. Returns
 * 0, or -EINVAL.
 */
int raft_compact(struct raft *r, uint64_t index, const uint8_t *data,
		uint32_t len);

/* The latest snapshot (index 0 if none). */
const struct raft_snapshot *raft_snapshot(const struct raft *r);

/*
 * Where a node stands, at a glance (etcd-io/raft's Status), for the
 * caller's views and decisions and the simulator's checks.
 */
struct raft_status {
	enum raft_role role;
	uint32_t leader;		/* 0: unknown. */
	uint64_t term;
	uint64_t commit, applied;
	uint64_t first_index;		/* Snapshot + 1. */
	uint64_t last_index;
	bool lost;			/* Lost state: no vote yet (above). */
};

struct raft_status raft_status(const struct raft *r);

/* The entry at index, or NULL if compacted or beyond the log. */
const struct raft_entry *raft_entry_at(const struct raft *r,
		uint64_t index);
/* The term of index: 0 and true for index 0, false if unknown. */
bool raft_term_at(const struct raft *r, uint64_t index, uint64_t *term);
bool raft_is_voter(const struct raft *r, uint32_t id);
/* The index of a voter change in the log not committed yet, or 0. */
uint64_t raft_conf_pending(const struct raft *r);
/* Leader: whether its own first entry (of this term) has committed. */
bool raft_leader_settled(const struct raft *r);
/* Leader: the voter it hands leadership to, or 0. */
uint32_t raft_transferee(const struct raft *r);
/*
 * Leader: what it knows node id to hold (its match index); false if the
 * node is unknown or this node does not lead.
 */
bool raft_match_of(const struct raft *r, uint32_t id, uint64_t *match);
uint32_t raft_voters(const struct raft *r, uint32_t *ids, uint32_t cap);
const struct raft_stats *raft_stats(const struct raft *r);
const char *raft_role_name(enum raft_role role);

/*
 * Copy e into *copy with a data buffer of its own (NULL when e has no
 * data), for whoever keeps entries beyond the call that lent them: 0, or
 * -ENOMEM. free((void *)copy->data) releases it.
 */
int raft_entry_copy(struct raft_entry *copy, const struct raft_entry *e);

#endif /* RUMOR_RAFT_H */
