/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Raft on ring epochs, wired into rumor-control (node_int.h). When the
 * configuration names voters, the node runs a Raft node (raft.h) whose
 * durable state lives in raft_dir (raft_log.h); every other member is a
 * learner. The leader turns changes of its live view into ring epochs
 * (epoch_plan.h) and every node, voter or learner, hands each committed
 * epoch to its dataplane as the member table, with the epoch number as
 * the ring's epoch. So every dataplane routes on the same ring, and a
 * ring changes only once a quorum of voters has it on disk.
 *
 * Raft messages travel sealed (SEAL_P_RAFT) in an envelope that names
 * the sender's voter set (raft_env.h). A node that has not yet heard any
 * peer with its own voter set and learns that a peer's set differs
 * refuses to go on: it logs both sets and exits with status 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "rumor/ring.h"
#include "rumor/epoch_plan.h"
#include "rumor/log.h"
#include "node_int.h"
#include "swim_driver.h"
#include "rumor/raft.h"
#include "rumor/raft_env.h"
#include "rumor/raft_log.h"
#include "rumor/voter_change.h"

/* Raft's clock: a tick of a fifth of a probe interval, within bounds. */
#define NODE_RAFT_TICK_MIN_MS 20u
#define NODE_RAFT_TICK_MAX_MS 200u
#define NODE_RAFT_HEARTBEAT_TICKS 1u
#define NODE_RAFT_ELECTION_TICKS 10u
/* A peer whose voter set differs is told ours at most this often. */
#define NODE_RAFT_TELL_MS 1000u
/* Commit latencies kept for rumorctl raft (the leader's own epochs). */
#define NODE_RAFT_LAT_MAX 256u
/*
 * A snapshot of the last applied epoch is taken, and the log compacted
 * behind it, once this many entries have been applied since the last
 * one. Entries are rare (an epoch per membership change, a no-op per
 * election): the log stays small, and a node that was down for fewer
 * entries catches up from the log rather than from a snapshot.
 */
#define NODE_RAFT_SNAPSHOT_ENTRIES 1000u
/* An operator's voter change is answered within this, committed or not. */
#define NODE_RAFT_CHANGE_WAIT_MS 3000u

/* A peer told our voter set, and when. */
struct node_raft_told {
	uint32_t id;
	uint64_t at;
};

struct node_raft_stats {
	uint64_t rx_malformed;		/* Envelope or message refused. */
	uint64_t rx_voters_differ;	/* Another voter set's messages. */
	uint64_t rx_dropped;		/* raft_step refused it. */
	uint64_t rx_unknown_peer;	/* No address to answer. */
	uint64_t tx, tx_no_address;
	uint64_t epochs_proposed, epochs_applied, epochs_too_big;
	uint64_t epochs_not_member;	/* Committed without this node. */
	uint64_t epochs_bad;		/* A delta that did not apply. */
	uint64_t epochs_partial;	/* Proposed with changes left. */
	uint64_t persist_failed;
	uint64_t snapshots_taken;	/* By this node, then saved. */
	uint64_t voter_changes;		/* Proposed for rumorctl. */
	uint64_t voter_changes_refused;	/* Refused (voter_change.h). */
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

struct node_raft {
	struct raft *raft;
	struct raft_log *log;
	uint32_t tick_ms;
	uint64_t next_tick;
	/*
	 * The founding voters: the voter lines, recorded in raft_dir at the
	 * first start. Raft messages carry their hash; the current voters
	 * are Raft's (the snapshot's and the changes in the log).
	 */
	uint64_t voters_hash;
	char voters_str[RAFT_ENV_VOTERS_STR];
	struct node_raft_change chg;

	/* The voter-set check (file comment). */
	bool confirmed;			/* A peer with our set was heard. */
	uint64_t refuse_at;		/* Exit then unless confirmed. */
	char refuse_why[256];
	struct node_raft_told told[RAFT_NODES_MAX];
	uint32_t n_told;

	/* The leader's view and its batch. */
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

	/* The last committed epoch, as applied. */
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

	bool disk_logged;
	bool lost_logged;		/* Lost state, not whole yet: said. */
	enum raft_role role_seen;
	uint32_t leader_seen;
	struct node_raft_stats st;
	uint8_t env[RAFT_ENV_MAX];
	struct raft_msg msg;
};

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* The current voters, as Raft has them, "{1,2,3}". */
static const char *
node_raft_voters_now(const struct node_raft *nr, char *buf, size_t cap)
{
	uint32_t ids[RAFT_VOTERS_MAX];
	uint32_t n = raft_voters(nr->raft, ids, RAFT_VOTERS_MAX);

	if (n > RAFT_VOTERS_MAX)
		n = RAFT_VOTERS_MAX;
	qsort(ids, n, sizeof(ids[0]), u32_cmp);
	return raft_env_voters_str(ids, n, buf, cap);
}

static uint32_t
node_raft_tick_ms(const struct node *n)
{
	uint32_t t = n->params.probe_interval_ms / 5;

	if (t < NODE_RAFT_TICK_MIN_MS)
		t = NODE_RAFT_TICK_MIN_MS;
	if (t > NODE_RAFT_TICK_MAX_MS)
		t = NODE_RAFT_TICK_MAX_MS;
	return t;
}

/* Where a peer is: the membership first, then the committed epoch. */
static bool
node_raft_addr(struct node *n, uint32_t id, uint32_t *ip, uint16_t *port)
{
	const struct swim_member *m = n->swim != NULL ?
			swim_member_find(n->swim, id) : NULL;
	const struct config_member *c;

	if (m != NULL) {
		*ip = m->ip;
		*port = m->port;
		return true;
	}
	for (uint32_t i = 0; n->raft->have_applied &&
			i < n->raft->applied.n_members; i++) {
		if (n->raft->applied.members[i].id == id) {
			*ip = n->raft->applied.members[i].ip;
			*port = n->raft->applied.members[i].port;
			return true;
		}
	}
	c = config_member_find(n->cfg, id);
	if (c != NULL) {
		*ip = c->ip;
		*port = c->udp_port;
		return true;
	}
	return false;
}

/* Tell a peer whose voter set differs what ours is, now and then. */
static void
node_raft_tell(struct node *n, uint32_t id, uint64_t now)
{
	struct node_raft *nr = n->raft;
	struct node_raft_told *t = NULL;
	uint32_t ip;
	uint16_t port;
	size_t len;

	for (uint32_t i = 0; i < nr->n_told; i++)
		if (nr->told[i].id == id)
			t = &nr->told[i];
	if (t == NULL) {
		if (nr->n_told == RAFT_NODES_MAX)
			return;
		t = &nr->told[nr->n_told++];
		t->id = id;
		t->at = 0;
	} else if (now < t->at + NODE_RAFT_TELL_MS) {
		return;
	}
	t->at = now;
	if (!node_raft_addr(n, id, &ip, &port)) {
		nr->st.rx_unknown_peer++;
		return;
	}
	len = raft_env_encode_voters(n->cfg->voters, n->cfg->n_voters,
			nr->env, sizeof(nr->env));	/* Sorted, as founded. */
	if (len > 0)
		node_send_sealed(n, SEAL_P_RAFT, nr->env, len, ip, port);
}

/* A peer's voter set differs from ours (it told us). */
static void
node_raft_differs(struct node *n, uint32_t id, const struct raft_env *e,
		uint64_t now)
{
	struct node_raft *nr = n->raft;
	char theirs[RAFT_ENV_VOTERS_STR];

	raft_env_voters_str(e->voters, e->n_voters, theirs, sizeof(theirs));
	snprintf(nr->refuse_why, sizeof(nr->refuse_why),
			"voter set differs from node %u's: %s here, %s there",
			id, nr->voters_str, theirs);
	if (nr->confirmed) {
		/* This node talks with peers of its own set: node id errs. */
		log_error("%s; node %u must be configured with this "
				"cluster's voters", nr->refuse_why, id);
		node_raft_tell(n, id, now);
		return;
	}
	/*
	 * Nobody with our set has spoken yet. Give them an election timeout
	 * (a cluster starting up): if one does, the error is node id's.
	 */
	if (nr->refuse_at == 0)
		nr->refuse_at = now + nr->tick_ms * NODE_RAFT_ELECTION_TICKS;
	node_raft_tell(n, id, now);
}

void
node_raft_input(struct node *n, uint32_t sender, const uint8_t *body,
		size_t len, uint64_t now)
{
	struct node_raft *nr = n->raft;
	struct raft_env e;

	if (raft_env_decode(body, len, &e) < 0) {
		nr->st.rx_malformed++;
		return;
	}
	if (e.kind == RAFT_ENV_VOTERS) {
		if (e.voters_hash != nr->voters_hash)
			node_raft_differs(n, sender, &e, now);
		return;
	}
	if (e.voters_hash != nr->voters_hash) {
		nr->st.rx_voters_differ++;
		node_raft_tell(n, sender, now);
		return;
	}
	if (raft_decode(e.body, e.body_len, &nr->msg) != RAFT_WIRE_OK ||
			nr->msg.from != sender) {
		nr->st.rx_malformed++;
		return;
	}
	nr->confirmed = true;
	if (nr->refuse_at != 0) {
		nr->refuse_at = 0;
		log_error("%s; peers with this node's voter set answer, so "
				"it stays", nr->refuse_why);
	}
	if (raft_step(nr->raft, &nr->msg) < 0)
		nr->st.rx_dropped++;
}

/* Send what Raft has to send, each in its envelope. */
static void
node_raft_send(struct node *n, const struct raft_ready *rd)
{
	struct node_raft *nr = n->raft;

	for (size_t i = 0; i < rd->n_msgs; i++) {
		const struct raft_out *o = &rd->msgs[i];
		uint32_t ip;
		uint16_t port;
		size_t len;

		if (!node_raft_addr(n, o->to, &ip, &port)) {
			nr->st.tx_no_address++;
			continue;
		}
		len = raft_env_encode_msg(nr->voters_hash, o->buf, o->len,
				nr->env, sizeof(nr->env));
		if (len == 0)
			continue;
		node_send_sealed(n, SEAL_P_RAFT, nr->env, len, ip, port);
		nr->st.tx++;
	}
}

static void
node_raft_ids(const struct raft_epoch *e, char *buf, size_t cap)
{
	size_t off = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < e->n_members && off + 12 < cap; i++)
		off += (size_t)snprintf(buf + off, cap - off, "%s%u",
				i > 0 ? "," : "", e->members[i].id);
	if (off + 12 >= cap && off < cap)
		snprintf(buf + off, cap - off, ",...");
}

/* Epoch e is now the last one applied (before: the one it replaces). */
static void
node_raft_applied(struct node *n, const struct raft_epoch *e, uint64_t now)
{
	struct node_raft *nr = n->raft;
	char ids[256];

	epoch_copy(&nr->before, &nr->applied);
	nr->have_before = nr->have_applied;
	epoch_copy(&nr->applied, e);
	nr->have_applied = true;
	nr->table_dirty = true;
	nr->not_member_logged = false;
	nr->st.epochs_applied++;
	node_raft_ids(e, ids, sizeof(ids));
	if (nr->proposed_epoch == e->epoch && nr->proposed_at != 0) {
		uint32_t ms = (uint32_t)(now - nr->proposed_at);

		nr->lat_ms[nr->lat_next] = ms;
		nr->lat_next = (nr->lat_next + 1) % NODE_RAFT_LAT_MAX;
		if (nr->n_lat < NODE_RAFT_LAT_MAX)
			nr->n_lat++;
		nr->proposed_at = 0;
		log_info("ring epoch %" PRIu64 " committed in %u ms: %u "
				"member(s) {%s}", e->epoch, ms, e->n_members,
				ids);
	} else {
		log_info("ring epoch %" PRIu64 " committed: %u member(s) {%s}",
				e->epoch, e->n_members, ids);
	}
}

/*
 * A committed entry (or a snapshot's state, as RING_EPOCH): a whole
 * epoch, or a delta from the last one applied. Epochs only move forward:
 * one applied again after a restart is skipped.
 */
static void
node_raft_apply(struct node *n, uint8_t type, const uint8_t *data,
		size_t len, uint64_t now)
{
	struct node_raft *nr = n->raft;
	struct raft_epoch *e = nr->ep_next;

	if (type == RAFT_ENTRY_RING_EPOCH) {
		if (raft_epoch_decode(data, len, e) != RAFT_WIRE_OK)
			return;
	} else if (type == RAFT_ENTRY_RING_DELTA) {
		if (raft_delta_decode(data, len, &nr->delta) != RAFT_WIRE_OK)
			return;
		if (nr->have_applied && nr->delta.epoch <= nr->applied.epoch)
			return;
		if (epoch_apply(e, nr->have_applied ? &nr->applied : NULL,
				&nr->delta) < 0) {
			nr->st.epochs_bad++;
			log_error("ring epoch %" PRIu64 ": the change from "
					"epoch %" PRIu64 " does not apply to "
					"epoch %" PRIu64 " here (or makes "
					"another member set): not applied",
					nr->delta.epoch, nr->delta.base,
					nr->have_applied ?
					nr->applied.epoch : 0);
			return;
		}
	} else {
		return;
	}
	if (nr->have_applied && e->epoch <= nr->applied.epoch)
		return;
	node_raft_applied(n, e, now);
}

/* Has the dataplane been given an epoch without this node that left? */
bool
node_raft_left(const struct node *n)
{
	return n->raft == NULL || n->raft->left_told;
}

/* The members of epoch e as the control link sends them. */
static void
node_raft_members(const struct node *n, const struct raft_epoch *e,
		struct link_member *m)
{
	for (uint32_t i = 0; i < e->n_members; i++) {
		const struct raft_epoch_member *x = &e->members[i];
		const struct swim_member *s = swim_member_find(n->swim, x->id);

		m[i] = (struct link_member){
			.id = x->id, .ip = x->ip, .udp_port = x->port,
			.weight = x->weight,
			.zone = s != NULL ? s->zone : 0,
		};
	}
}

/* The epoch before the last one, as the dataplane's ring before. */
static int
node_raft_tell_before(struct node *n)
{
	struct node_raft *nr = n->raft;
	struct link_member m[RAFT_EPOCH_MEMBERS_MAX];

	node_raft_members(n, &nr->before, m);
	return link_send_epoch_prev(n->link, nr->before.epoch, m,
			nr->before.n_members);
}

/* Give the dataplane the last committed epoch, if it holds this node. */
static void
node_raft_push(struct node *n)
{
	struct node_raft *nr = n->raft;
	struct link_member m[RAFT_EPOCH_MEMBERS_MAX];
	bool self = false;

	if (!nr->table_dirty || !nr->have_applied || !link_ready(n->link))
		return;
	/*
	 * The dataplane's ring before this one must be the epoch before
	 * it, to know whom to ask for the channels it gets: tell that one
	 * first unless it is the one the dataplane has.
	 */
	if (nr->have_before && nr->dp_epoch != nr->before.epoch &&
			node_raft_tell_before(n) < 0)
		return;
	node_raft_members(n, &nr->applied, m);
	for (uint32_t i = 0; i < nr->applied.n_members; i++)
		self |= m[i].id == n->cfg->node_id;
	if (!self && n->stop == NODE_LEAVING) {
		/*
		 * It left: the dataplane takes the epoch without it, so
		 * that it hands its channels over to their new owners.
		 */
		if (link_send_epoch_left(n->link, nr->applied.epoch, m,
				nr->applied.n_members) == 0) {
			nr->table_dirty = false;
			nr->left_told = true;
			nr->dp_epoch = nr->applied.epoch;
			log_info("ring epoch %" PRIu64 " without this node "
					"given to rumor-dataplane: its channels "
					"go to their new owners",
					nr->applied.epoch);
		}
		return;
	}
	if (!self) {
		/*
		 * The dataplane refuses a table without itself; it keeps
		 * the last one until an epoch includes this node again.
		 */
		if (!nr->not_member_logged) {
			log_info("ring epoch %" PRIu64 " does not include this "
					"node: the dataplane keeps its table",
					nr->applied.epoch);
			nr->not_member_logged = true;
			nr->st.epochs_not_member++;
		}
		nr->table_dirty = false;
		return;
	}
	if (link_send_epoch(n->link, nr->applied.epoch, m,
			nr->applied.n_members) == 0) {
		nr->table_dirty = false;
		nr->dp_epoch = nr->applied.epoch;
		log_debug("sent rumor-dataplane ring epoch %" PRIu64,
				nr->applied.epoch);
	}
}

/*
 * The latest epoch in the log: the last applied one, with the epochs and
 * deltas after it applied in order; and whether one is uncommitted.
 */
static const struct raft_epoch *
node_raft_last_epoch(struct node_raft *nr, bool *in_flight)
{
	struct raft_epoch *cur = nr->ep_a, *tmp = nr->ep_b;
	bool have = nr->have_applied;

	*in_flight = false;
	if (have)
		epoch_copy(cur, &nr->applied);
	for (uint64_t i = raft_applied(nr->raft) + 1;
			i <= raft_last_index(nr->raft); i++) {
		const struct raft_entry *e = raft_entry_at(nr->raft, i);
		struct raft_epoch *t;

		if (e == NULL)
			continue;
		if (e->type == RAFT_ENTRY_RING_EPOCH) {
			if (raft_epoch_decode(e->data, e->len, tmp) !=
					RAFT_WIRE_OK)
				break;
		} else if (e->type == RAFT_ENTRY_RING_DELTA) {
			if (raft_delta_decode(e->data, e->len, &nr->delta) !=
					RAFT_WIRE_OK)
				break;
			if (have && nr->delta.epoch <= cur->epoch)
				continue;
			if (epoch_apply(tmp, have ? cur : NULL,
					&nr->delta) < 0)
				break;
		} else {
			continue;
		}
		t = cur;
		cur = tmp;
		tmp = t;
		have = true;
		*in_flight |= i > raft_commit(nr->raft);
	}
	nr->ep_a = cur;
	nr->ep_b = tmp;
	return have ? cur : NULL;
}

/* The leader's live view as epoch members, when the membership moved. */
static void
node_raft_view(struct node *n)
{
	struct node_raft *nr = n->raft;
	struct link_member *t;
	uint32_t cnt;

	if (swim_view_version(n->swim) == nr->view_version)
		return;
	nr->view_version = swim_view_version(n->swim);
	nr->too_big_logged = false;
	cnt = swim_driver_live_members(n, &t);
	free(nr->view);
	nr->view = calloc(cnt ? cnt : 1, sizeof(*nr->view));
	nr->n_view = nr->view != NULL ? cnt : 0;
	for (uint32_t i = 0; i < nr->n_view; i++) {
		nr->view[i] = (struct raft_epoch_member){
			.id = t[i].id, .ip = t[i].ip, .port = t[i].udp_port,
			.weight = t[i].weight,
		};
		/* Every member hears the committed epochs. */
		if (!raft_is_voter(nr->raft, t[i].id) &&
				raft_add_learner(nr->raft, t[i].id) < 0)
			log_warning("node %u cannot be a learner: %u nodes "
					"known at most", t[i].id,
					RAFT_NODES_MAX);
	}
	free(t);
	/* The plan looks again at once. */
	nr->plan_wake = 0;
}

/* The leader's decision: propose the view as a new epoch, or wait. */
static void
node_raft_plan(struct node *n, uint64_t now)
{
	struct node_raft *nr = n->raft;
	struct epoch_plan_in in;
	uint8_t buf[RAFT_ENTRY_DATA_MAX];
	struct raft_entry ent;
	bool leader = raft_role(nr->raft) == RAFT_LEADER, partial;
	size_t len;
	int rc;

	if (leader != nr->plan_leader || raft_commit(nr->raft) !=
			nr->plan_commit) {
		nr->plan_leader = leader;
		nr->plan_commit = raft_commit(nr->raft);
		nr->plan_wake = 0;
	}
	if (now < nr->plan_wake || n->stop != NODE_RUNNING)
		return;
	in = (struct epoch_plan_in){
		.leader = leader,
		.can_propose = !raft_disk_failed(nr->raft),
		.view = nr->view, .n_view = nr->n_view, .now = now,
		.continuing = nr->continuing,
	};
	in.last = node_raft_last_epoch(nr, &in.in_flight);
	switch (epoch_plan(&nr->batch, &in, &nr->plan_wake)) {
	case EPOCH_IDLE:
		nr->plan_wake = UINT64_MAX;
		nr->continuing = false;
		return;
	case EPOCH_WAIT:
		return;
	case EPOCH_TOO_BIG:
		nr->plan_wake = UINT64_MAX;
		nr->st.epochs_too_big++;
		if (!nr->too_big_logged)
			log_warning("not proposing a ring epoch of %u members: "
					"an epoch holds %u at most", nr->n_view,
					RAFT_EPOCH_MEMBERS_MAX);
		nr->too_big_logged = true;
		return;
	case EPOCH_PROPOSE:
		break;
	}
	nr->plan_wake = UINT64_MAX;
	if (epoch_delta(&nr->delta, nr->ep_next, &partial, in.last, nr->view,
			nr->n_view) < 0)
		return;
	len = raft_delta_encode(&nr->delta, buf, sizeof(buf));
	if (len == 0)
		return;
	ent = (struct raft_entry){
		.type = RAFT_ENTRY_RING_DELTA, .len = (uint16_t)len,
		.data = buf,
	};
	rc = raft_propose(nr->raft, &ent);
	if (rc < 0) {
		log_warning("ring epoch %" PRIu64 " not proposed: %s",
				nr->delta.epoch, strerror(-rc));
		return;
	}
	nr->st.epochs_proposed++;
	nr->st.epochs_partial += partial;
	nr->continuing = partial;
	nr->proposed_epoch = nr->delta.epoch;
	nr->proposed_at = now;
	log_info("proposed ring epoch %" PRIu64 " at index %" PRIu64 ": %u "
			"member(s), %u joined or changed, %u left (%zu "
			"bytes)%s", nr->delta.epoch, ent.index,
			nr->delta.n_members, nr->delta.n_upserts,
			nr->delta.n_removed, len, partial ? "; the other "
			"changes follow in the next epoch" : "");
}

/* Role and leader changes, logged once each. */
static void
node_raft_log_role(struct node_raft *nr)
{
	enum raft_role role = raft_role(nr->raft);
	uint32_t lead = raft_leader(nr->raft);

	if (role == nr->role_seen && lead == nr->leader_seen)
		return;
	if (role == RAFT_LEADER && nr->role_seen != RAFT_LEADER)
		log_info("raft: this node leads, term %" PRIu64,
				raft_term(nr->raft));
	else if (role != RAFT_LEADER && lead != 0 && lead != nr->leader_seen)
		log_info("raft: node %u leads, term %" PRIu64, lead,
				raft_term(nr->raft));
	nr->role_seen = role;
	nr->leader_seen = lead;
}

/* A write to raft_dir failed: Raft stops here (raft.h), and says so. */
static void
node_raft_disk_failed(struct node *n, int rc)
{
	struct node_raft *nr = n->raft;

	nr->st.persist_failed++;
	raft_persist_failed(nr->raft);
	log_error("raft: cannot write %s: %s: this node stops voting, "
			"acknowledging and proposing until it restarts with "
			"a working disk", n->cfg->raft_dir, strerror(-rc));
	nr->disk_logged = true;
}

/*
 * Take a snapshot of the state at the applied index (the last epoch
 * applied is the whole state), save it, and compact the log behind it.
 * Returns 0, -EALREADY if nothing was applied since the last snapshot,
 * -EIO if the disk has failed (now or before).
 */
static int
node_raft_compact(struct node *n)
{
	struct node_raft *nr = n->raft;
	uint64_t at = raft_applied(nr->raft);
	const struct raft_snapshot *sn;
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	if (raft_disk_failed(nr->raft))
		return -EIO;
	if (at <= raft_snapshot(nr->raft)->index)
		return -EALREADY;
	if (nr->have_applied) {
		buf = malloc(RAFT_SNAP_MAX);
		if (buf == NULL)
			return -ENOMEM;
		len = raft_epoch_encode(&nr->applied, buf, RAFT_SNAP_MAX);
		if (len == 0) {
			free(buf);
			return -EINVAL;
		}
	}
	rc = raft_compact(nr->raft, at, buf, (uint32_t)len);
	free(buf);
	if (rc < 0)
		return rc;
	sn = raft_snapshot(nr->raft);
	rc = raft_log_save_snapshot(nr->log, sn, false);
	if (rc < 0) {
		node_raft_disk_failed(n, rc);
		return -EIO;
	}
	nr->st.snapshots_taken++;
	log_info("raft: snapshot at index %" PRIu64 " (term %" PRIu64 ", "
			"ring epoch %" PRIu64 ", %u bytes); the log keeps "
			"%" PRIu64 " entr%s after it", sn->index, sn->term,
			nr->have_applied ? nr->applied.epoch : 0, sn->len,
			raft_last_index(nr->raft) - sn->index,
			raft_last_index(nr->raft) - sn->index == 1 ?
			"y" : "ies");
	return 0;
}

/* A snapshot from the leader must hold a ring epoch (or nothing yet). */
static bool
node_raft_snapshot_ok(const uint8_t *data, uint32_t len, void *arg)
{
	struct raft_epoch e;

	(void)arg;
	if (len == 0)
		return true;
	return raft_epoch_decode(data, len, &e) == RAFT_WIRE_OK;
}

/* The ready loop of raft.h's contract. */
static void
node_raft_ready(struct node *n, uint64_t now)
{
	struct node_raft *nr = n->raft;
	struct raft_ready rd;

	while (raft_ready(nr->raft, &rd)) {
		int rc = raft_log_persist(nr->log, &rd);

		if (rc < 0) {
			node_raft_disk_failed(n, rc);
			return;
		}
		node_raft_send(n, &rd);
		if (rd.snapshot != NULL && rd.snapshot->len > 0)
			node_raft_apply(n, RAFT_ENTRY_RING_EPOCH,
					rd.snapshot->data, rd.snapshot->len,
					now);
		for (size_t i = 0; i < rd.n_committed; i++)
			node_raft_apply(n, rd.committed[i].type,
					rd.committed[i].data,
					rd.committed[i].len, now);
		if (rd.snapshot != NULL)
			log_info("raft: installed the leader's snapshot at "
					"index %" PRIu64 " (ring epoch %" PRIu64
					")", rd.snapshot->index,
					nr->have_applied ? nr->applied.epoch :
					0);
		raft_advance(nr->raft, &rd);
	}
	if (raft_applied(nr->raft) >= raft_snapshot(nr->raft)->index +
			NODE_RAFT_SNAPSHOT_ENTRIES)
		node_raft_compact(n);
	if (nr->lost_logged && !raft_lost(nr->raft)) {
		nr->lost_logged = false;
		log_info("raft: this node holds again what it may have "
				"acknowledged before its snapshot was set "
				"aside: it votes again");
	}
}

/* Answer the operator whose voter change has committed, or will not. */
static void
node_raft_change_done(struct node *n, uint64_t now)
{
	struct node_raft *nr = n->raft;
	struct node_raft_change *c = &nr->chg;
	char now_str[RAFT_ENV_VOTERS_STR];
	uint64_t t;

	if (!c->active)
		return;
	if (raft_commit(nr->raft) >= c->index) {
		if (!raft_term_at(nr->raft, c->index, &t) || t == c->term) {
			/* Committed (or compacted, which commits first). */
			node_raft_voters_now(nr, now_str, sizeof(now_str));
			admin_reply(n->admin, c->client, "node %u is %s: "
					"voters %s (committed at index %"
					PRIu64 " in %" PRIu64 " ms)\n", c->id,
					c->op == RAFT_VOTER_ADD ? "a voter" :
					"a learner", now_str, c->index,
					now - c->at);
			if (c->note[0] != '\0')
				admin_reply(n->admin, c->client, "note: %s\n",
						c->note);
			log_info("raft: node %u is %s: voters %s", c->id,
					c->op == RAFT_VOTER_ADD ? "a voter" :
					"a learner", now_str);
		} else {
			admin_reply(n->admin, c->client, "error: a new leader "
					"replaced the change at index %" PRIu64
					": it was not made\n", c->index);
		}
	} else if (raft_role(nr->raft) != RAFT_LEADER) {
		admin_reply(n->admin, c->client, "error: this node lost "
				"leadership before the change at index %"
				PRIu64 " committed; it may still commit: see "
				"rumorctl raft on the new leader\n", c->index);
	} else if (now >= c->at + NODE_RAFT_CHANGE_WAIT_MS) {
		admin_reply(n->admin, c->client, "error: the change at index "
				"%" PRIu64 " has not committed within %u ms (a "
				"quorum of voters is not answering); it may "
				"still commit: see rumorctl raft\n", c->index,
				NODE_RAFT_CHANGE_WAIT_MS);
	} else {
		return;
	}
	admin_reply_end(n->admin, c->client);
	c->active = false;
}

void
node_raft_after(struct node *n, uint64_t now)
{
	struct node_raft *nr = n->raft;

	if (n->swim == NULL)
		return;
	node_raft_view(n);
	node_raft_plan(n, now);
	node_raft_ready(n, now);
	node_raft_change_done(n, now);
	node_raft_log_role(nr);
	node_raft_push(n);
}

void
node_raft_timers(struct node *n, uint64_t now)
{
	struct node_raft *nr = n->raft;

	if (nr->refuse_at != 0 && now >= nr->refuse_at && !nr->confirmed) {
		log_error("%s: refusing to start; every node must list the "
				"same voters", nr->refuse_why);
		n->exit_status = 1;
		n->stop = NODE_EXIT;
		return;
	}
	if (n->swim == NULL) {
		nr->next_tick = now + nr->tick_ms;
		return;
	}
	/* Ticks lost to a busy loop are caught up, a few at a time. */
	for (int k = 0; k < 5 && now >= nr->next_tick; k++) {
		raft_tick(nr->raft);
		nr->next_tick += nr->tick_ms;
	}
	if (now >= nr->next_tick)
		nr->next_tick = now + nr->tick_ms;
}

uint64_t
node_raft_next(const struct node *n)
{
	const struct node_raft *nr = n->raft;
	uint64_t t = nr->next_tick;

	if (nr->plan_wake < t)
		t = nr->plan_wake;
	if (nr->refuse_at != 0 && nr->refuse_at < t)
		t = nr->refuse_at;
	return t;
}

void
node_raft_attached(struct node *n)
{
	/* A restarted dataplane starts from its file: tell it again. */
	n->raft->table_dirty = n->raft->have_applied;
	n->raft->dp_epoch = 0;
}

static uint32_t
node_raft_percentile(const struct node_raft *nr, uint32_t pct)
{
	uint32_t v[NODE_RAFT_LAT_MAX];

	if (nr->n_lat == 0)
		return 0;
	memcpy(v, nr->lat_ms, nr->n_lat * sizeof(v[0]));
	qsort(v, nr->n_lat, sizeof(v[0]), u32_cmp);
	return v[(nr->n_lat - 1) * pct / 100];
}

#define RAFT_LINE(fmt, ...) \
	admin_reply(n->admin, client, "%s" fmt "\n", pre, __VA_ARGS__)

void
node_raft_admin(struct node *n, uint64_t client, bool stats)
{
	const struct node_raft *nr = n->raft;
	const struct raft_stats *rs = raft_stats(nr->raft);
	const char *pre = stats ? "control.raft_" : "";
	const char *disk = raft_disk_failed(nr->raft) ?
			strerror(raft_log_error(nr->log)) : "ok";

	if (!stats) {
		char now_str[RAFT_ENV_VOTERS_STR];

		RAFT_LINE("role %s", raft_role_name(raft_role(nr->raft)));
		RAFT_LINE("voters %s", node_raft_voters_now(nr, now_str,
				sizeof(now_str)));
		RAFT_LINE("founding_voters %s", nr->voters_str);
		if (raft_conf_pending(nr->raft) != 0)
			RAFT_LINE("voter_change index %" PRIu64 ", not "
					"committed yet",
					raft_conf_pending(nr->raft));
		else
			RAFT_LINE("voter_change %s", "none");
		RAFT_LINE("voter %s", raft_is_voter(nr->raft,
				n->cfg->node_id) ? "yes" : "no (learner)");
		RAFT_LINE("disk %s%s", disk, raft_disk_failed(nr->raft) ?
				": not voting or proposing" : "");
		RAFT_LINE("raft_dir %s", n->cfg->raft_dir);
	} else {
		RAFT_LINE("role %d", (int)raft_role(nr->raft));
		RAFT_LINE("disk_failed %d", raft_disk_failed(nr->raft));
		RAFT_LINE("voters %u", raft_voters(nr->raft, NULL, 0));
		RAFT_LINE("voter_change_pending %" PRIu64,
				raft_conf_pending(nr->raft));
	}
	if (!stats)
		RAFT_LINE("lost %s", raft_lost(nr->raft) ? "yes: its snapshot "
				"was set aside; not voting until it has caught "
				"up" : "no");
	else
		RAFT_LINE("lost %d", raft_lost(nr->raft));
	RAFT_LINE("term %" PRIu64, raft_term(nr->raft));
	RAFT_LINE("leader %u", raft_leader(nr->raft));
	RAFT_LINE("commit %" PRIu64, raft_commit(nr->raft));
	RAFT_LINE("last_index %" PRIu64, raft_last_index(nr->raft));
	RAFT_LINE("snapshot_index %" PRIu64, raft_snapshot(nr->raft)->index);
	RAFT_LINE("log_entries %" PRIu64, raft_last_index(nr->raft) -
			raft_snapshot(nr->raft)->index);
	RAFT_LINE("epoch %" PRIu64, nr->have_applied ? nr->applied.epoch : 0);
	RAFT_LINE("epoch_members %u", nr->have_applied ?
			nr->applied.n_members : 0);
	RAFT_LINE("commit_ms_p50 %u", node_raft_percentile(nr, 50));
	RAFT_LINE("commit_ms_p99 %u", node_raft_percentile(nr, 99));
	RAFT_LINE("commit_samples %u", nr->n_lat);
	RAFT_LINE("epochs_proposed %" PRIu64, nr->st.epochs_proposed);
	RAFT_LINE("epochs_applied %" PRIu64, nr->st.epochs_applied);
	RAFT_LINE("epochs_too_big %" PRIu64, nr->st.epochs_too_big);
	RAFT_LINE("epochs_not_member %" PRIu64, nr->st.epochs_not_member);
	RAFT_LINE("epochs_partial %" PRIu64, nr->st.epochs_partial);
	RAFT_LINE("epochs_bad %" PRIu64, nr->st.epochs_bad);
	RAFT_LINE("rx_malformed %" PRIu64, nr->st.rx_malformed);
	RAFT_LINE("rx_voters_differ %" PRIu64, nr->st.rx_voters_differ);
	RAFT_LINE("rx_dropped %" PRIu64, nr->st.rx_dropped);
	RAFT_LINE("rx_unknown_peer %" PRIu64, nr->st.rx_unknown_peer);
	RAFT_LINE("tx %" PRIu64, nr->st.tx);
	RAFT_LINE("tx_no_address %" PRIu64, nr->st.tx_no_address);
	RAFT_LINE("persist_failed %" PRIu64, nr->st.persist_failed);
	RAFT_LINE("snapshots_taken %" PRIu64, nr->st.snapshots_taken);
	RAFT_LINE("snapshots_sent %" PRIu64, rs->snapshots_sent);
	RAFT_LINE("snapshots_installed %" PRIu64, rs->snapshots_installed);
	RAFT_LINE("snapshots_refused %" PRIu64, rs->snapshots_refused);
	RAFT_LINE("votes_withheld %" PRIu64, rs->votes_withheld);
	RAFT_LINE("voter_changes %" PRIu64, nr->st.voter_changes);
	RAFT_LINE("voter_changes_refused %" PRIu64,
			nr->st.voter_changes_refused);
	RAFT_LINE("elections %" PRIu64, rs->elections);
	RAFT_LINE("became_leader %" PRIu64, rs->became_leader);
	RAFT_LINE("quorum_lost %" PRIu64, rs->quorum_lost);
	RAFT_LINE("proposals_refused %" PRIu64, rs->proposals_refused);
}

/* rumorctl raft add-voter / remove-voter: check, propose, answer later. */
static void
node_raft_voter_cmd(struct node *n, uint64_t client,
		const struct admin_req *req)
{
	struct node_raft *nr = n->raft;
	uint32_t voters[RAFT_VOTERS_MAX];
	const struct swim_member *m;
	struct voter_change_in in;
	struct raft_voter_change vc;
	uint8_t buf[RAFT_VOTER_CHANGE_LEN];
	struct raft_entry ent;
	enum voter_verdict v;
	char msg[256];
	int rc;

	if (nr->chg.active) {
		admin_reply(n->admin, client, "error: a voter change is in "
				"progress (index %" PRIu64 "): one at a time\n",
				nr->chg.index);
		nr->st.voter_changes_refused++;
		admin_reply_end(n->admin, client);
		return;
	}
	memset(&in, 0, sizeof(in));
	in.op = req->cmd == ADMIN_CMD_RAFT_ADD_VOTER ? RAFT_VOTER_ADD :
			RAFT_VOTER_REMOVE;
	in.id = req->id;
	in.self = n->cfg->node_id;
	in.leader = raft_role(nr->raft) == RAFT_LEADER;
	in.leader_id = raft_leader(nr->raft);
	in.disk_failed = raft_disk_failed(nr->raft);
	in.n_voters = raft_voters(nr->raft, voters, RAFT_VOTERS_MAX);
	if (in.n_voters > RAFT_VOTERS_MAX)
		in.n_voters = RAFT_VOTERS_MAX;
	in.voters = voters;
	in.pending = raft_conf_pending(nr->raft);
	in.settled = raft_leader_settled(nr->raft);
	in.transferee = raft_transferee(nr->raft);
	m = n->swim != NULL ? swim_member_find(n->swim, req->id) : NULL;
	in.member = m != NULL && m->state == SWIM_ALIVE;
	in.known = raft_match_of(nr->raft, req->id, &in.match);
	in.commit = raft_commit(nr->raft);
	v = voter_change_check(&in, msg, sizeof(msg));
	if (v == VOTER_SELF) {
		uint32_t to = 0;
		uint64_t best = 0, mt;

		/* The most up-to-date other voter takes over. */
		for (uint32_t i = 0; i < in.n_voters; i++)
			if (voters[i] != in.self &&
					raft_match_of(nr->raft, voters[i],
					&mt) && (to == 0 || mt > best)) {
				to = voters[i];
				best = mt;
			}
		if (to != 0 && raft_transfer_leadership(nr->raft, to) == 0) {
			log_info("raft: asked to remove itself, this node "
					"hands leadership to node %u", to);
			admin_reply(n->admin, client, "error: %s (node %u, "
					"now)\n", msg, to);
		} else {
			admin_reply(n->admin, client, "error: %s\n", msg);
		}
		nr->st.voter_changes_refused++;
		admin_reply_end(n->admin, client);
		return;
	}
	if (v != VOTER_OK) {
		admin_reply(n->admin, client, "error: %s\n", msg);
		nr->st.voter_changes_refused++;
		admin_reply_end(n->admin, client);
		return;
	}
	vc = (struct raft_voter_change){ .op = in.op, .id = in.id };
	ent = (struct raft_entry){
		.type = RAFT_ENTRY_VOTER,
		.len = (uint16_t)raft_voter_change_encode(&vc, buf,
				sizeof(buf)),
		.data = buf,
	};
	rc = raft_propose(nr->raft, &ent);
	if (rc < 0) {
		admin_reply(n->admin, client, "error: not proposed: %s\n",
				rc == -EBUSY ? "a change or a transfer is in "
				"progress" : strerror(-rc));
		nr->st.voter_changes_refused++;
		admin_reply_end(n->admin, client);
		return;
	}
	nr->st.voter_changes++;
	nr->chg = (struct node_raft_change){
		.active = true, .client = client, .index = ent.index,
		.term = ent.term, .at = node_mono_ms(), .op = in.op,
		.id = in.id,
	};
	snprintf(nr->chg.note, sizeof(nr->chg.note), "%s", msg);
	log_info("raft: proposed %s node %u as a voter at index %" PRIu64
			" (rumorctl)", in.op == RAFT_VOTER_ADD ? "adding" :
			"removing", in.id, ent.index);
}

void
node_raft_command(struct node *n, uint64_t client,
		const struct admin_req *req)
{
	struct node_raft *nr = n->raft;
	int rc;

	switch (req->cmd) {
	case ADMIN_CMD_RAFT_ADD_VOTER:
	case ADMIN_CMD_RAFT_REMOVE_VOTER:
		node_raft_voter_cmd(n, client, req);
		return;
	case ADMIN_CMD_RAFT_SNAPSHOT:
		rc = node_raft_compact(n);
		if (rc == 0)
			admin_reply(n->admin, client, "snapshot at index %"
					PRIu64 " (ring epoch %" PRIu64 "); the "
					"log holds %" PRIu64 " entries after it\n",
					raft_snapshot(nr->raft)->index,
					nr->have_applied ? nr->applied.epoch :
					0, raft_last_index(nr->raft) -
					raft_snapshot(nr->raft)->index);
		else if (rc == -EALREADY)
			admin_reply(n->admin, client, "snapshot at index %"
					PRIu64 " already: nothing applied since"
					"\n", raft_snapshot(nr->raft)->index);
		else if (rc == -EIO)
			admin_reply(n->admin, client, "error: cannot write %s:"
					" %s\n", n->cfg->raft_dir,
					strerror(raft_log_error(nr->log) != 0 ?
					raft_log_error(nr->log) : EIO));
		else
			admin_reply(n->admin, client, "error: no snapshot: "
					"%s\n", strerror(-rc));
		break;
	default:
		admin_reply(n->admin, client, "error: unknown command\n");
		break;
	}
	admin_reply_end(n->admin, client);
}

int
node_raft_open(struct node *n)
{
	const struct rumor_config *cfg = n->cfg;
	struct node_raft *nr = calloc(1, sizeof(*nr));
	struct raft_config rc;
	struct raft_hard_state hs;
	struct raft_snapshot snap;
	const struct raft_entry *ents;
	char why[256], nowv[RAFT_ENV_VOTERS_STR];
	size_t cnt;
	int err;

	if (nr == NULL) {
		log_error("out of memory");
		return -1;
	}
	n->raft = nr;
	nr->ep_a = malloc(sizeof(*nr->ep_a));
	nr->ep_b = malloc(sizeof(*nr->ep_b));
	nr->ep_next = malloc(sizeof(*nr->ep_next));
	if (nr->ep_a == NULL || nr->ep_b == NULL || nr->ep_next == NULL) {
		log_error("out of memory");
		goto fail;
	}
	nr->tick_ms = node_raft_tick_ms(n);
	nr->role_seen = RAFT_FOLLOWER;
	nr->voters_hash = raft_env_voters_hash(cfg->voters, cfg->n_voters);
	raft_env_voters_str(cfg->voters, cfg->n_voters, nr->voters_str,
			sizeof(nr->voters_str));
	raft_config_default(&rc);
	rc.id = cfg->node_id;
	rc.n_voters = cfg->n_voters;
	memcpy(rc.voters, cfg->voters, cfg->n_voters * sizeof(rc.voters[0]));
	/* The file's other members are learners from the start. */
	for (uint32_t i = 0; i < cfg->n_members &&
			rc.n_learners + rc.n_voters < RAFT_NODES_MAX; i++) {
		bool voter = false;

		for (uint32_t j = 0; j < cfg->n_voters; j++)
			voter |= cfg->voters[j] == cfg->members[i].id;
		if (!voter)
			rc.learners[rc.n_learners++] = cfg->members[i].id;
	}
	rc.election_ticks = NODE_RAFT_ELECTION_TICKS;
	rc.heartbeat_ticks = NODE_RAFT_HEARTBEAT_TICKS;
	rc.snapshot_ok = node_raft_snapshot_ok;
	if (getrandom(&rc.seed, sizeof(rc.seed), 0) != sizeof(rc.seed))
		rc.seed = node_mono_ms() ^ ((uint64_t)getpid() << 32);
	err = raft_log_open(cfg->raft_dir, &nr->log, why, sizeof(why));
	if (err < 0) {
		log_error("%s: field 'raft_dir': %s: %s", n->name,
				cfg->raft_dir, err == -EBADMSG ? why :
				strerror(-err));
		goto fail;
	}
	nr->raft = raft_new(&rc);
	if (nr->raft == NULL) {
		log_error("cannot start Raft: %s", strerror(errno));
		goto fail;
	}
	raft_log_state(nr->log, &hs, &snap, &ents, &cnt);
	if (raft_restore(nr->raft, &hs, snap.index > 0 ? &snap : NULL, ents,
			cnt) < 0) {
		log_error("%s: the Raft state there does not fit together: "
				"%s", cfg->raft_dir, strerror(errno));
		goto fail;
	}
	/*
	 * The voter lines name the founding voters, on every node, for
	 * good: a state founded with others is refused. The current voters
	 * are the state's own.
	 */
	{
		uint32_t found[RAFT_VOTERS_MAX], nf;
		char fs[RAFT_ENV_VOTERS_STR], now_str[RAFT_ENV_VOTERS_STR];

		if (raft_log_founding(nr->log, found, &nf) == 0) {
			raft_env_voters_str(found, nf, fs, sizeof(fs));
			if (nf != cfg->n_voters || memcmp(found, cfg->voters,
					nf * sizeof(found[0])) != 0) {
				log_error("%s: field 'voter': the voter lines "
						"name %s, but %s was founded "
						"with voters %s (now %s): "
						"voter lines name the founding "
						"voters and never change; "
						"rumorctl raft add-voter and "
						"remove-voter change the "
						"current ones", n->name,
						nr->voters_str, cfg->raft_dir,
						fs, node_raft_voters_now(nr,
						now_str, sizeof(now_str)));
				goto fail;
			}
		} else {
			err = raft_log_save_founding(nr->log, cfg->voters,
					cfg->n_voters);
			if (err < 0) {
				log_error("%s: field 'raft_dir': %s: cannot "
						"record the founding voters: "
						"%s", n->name, cfg->raft_dir,
						strerror(-err));
				goto fail;
			}
		}
	}
	nr->next_tick = node_mono_ms() + nr->tick_ms;
	nr->plan_wake = 0;
	/* The snapshot's epoch is where this node's state starts. */
	if (snap.index > 0 && snap.len > 0) {
		if (raft_epoch_decode(snap.data, snap.len, nr->ep_next) ==
				RAFT_WIRE_OK) {
			epoch_copy(&nr->applied, nr->ep_next);
			nr->have_applied = true;
			nr->table_dirty = true;
		} else {
			log_warning("raft: the snapshot in %s at index %"
					PRIu64 " holds no ring epoch",
					cfg->raft_dir, snap.index);
		}
	}
	log_info("raft: voters %s (founded with %s), this node a %s; term %"
			PRIu64 ", snapshot at index %" PRIu64 " (ring epoch %"
			PRIu64 "), %zu entr%s after it on disk in %s; tick %u "
			"ms, heartbeat %u ms, election %u ms",
			node_raft_voters_now(nr, nowv, sizeof(nowv)),
			nr->voters_str,
			raft_is_voter(nr->raft, cfg->node_id) ? "voter" :
			"learner", hs.term, snap.index,
			nr->have_applied ? nr->applied.epoch : 0, cnt,
			cnt == 1 ? "y" : "ies", cfg->raft_dir, nr->tick_ms,
			nr->tick_ms * NODE_RAFT_HEARTBEAT_TICKS,
			nr->tick_ms * NODE_RAFT_ELECTION_TICKS);
	if (raft_log_stats(nr->log)->set_aside > 0)
		log_warning("raft: %s/snapshot failed its checksum: set aside "
				"as snapshot.corrupt, with the log behind it "
				"as log.corrupt; this node fetches the state "
				"from the leader", cfg->raft_dir);
	if (raft_lost(nr->raft)) {
		nr->lost_logged = true;
		log_warning("raft: this node may have acknowledged entries up "
				"to index %" PRIu64 " that it no longer holds: "
				"it does not vote until a leader has it hold "
				"them again", hs.lost_index);
	}
	return 0;
fail:
	node_raft_close(n);
	return -1;
}

void
node_raft_close(struct node *n)
{
	struct node_raft *nr = n->raft;

	if (nr == NULL)
		return;
	raft_free(nr->raft);
	raft_log_close(nr->log);
	free(nr->view);
	free(nr->ep_a);
	free(nr->ep_b);
	free(nr->ep_next);
	free(nr);
	n->raft = NULL;
}
