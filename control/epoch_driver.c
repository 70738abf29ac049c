/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ring epochs as rumor-control uses them (epoch_driver.h). The pure
 * planning (when to propose, what changed) is lib/protocols/epoch_plan.c;
 * this file feeds it the node's live view and the latest epoch in the
 * Raft log, proposes the delta it decides, applies the epochs Raft
 * commits, and hands each committed epoch to the dataplane as its member
 * table, with the epoch number as the ring's epoch. So every dataplane
 * routes on the same ring, and a ring changes only once a quorum of
 * voters has it on disk.
 *
 * An epoch that does not hold this node is not given to its dataplane,
 * which refuses a table without itself; unless the node left, when the
 * dataplane takes it with the LEFT flag and hands its channels over.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/log.h"
#include "epoch_driver.h"
#include "swim_driver.h"

int
epoch_driver_open(struct node_raft *nr)
{
	nr->ep_a = malloc(sizeof(*nr->ep_a));
	nr->ep_b = malloc(sizeof(*nr->ep_b));
	nr->ep_next = malloc(sizeof(*nr->ep_next));
	if (nr->ep_a == NULL || nr->ep_b == NULL || nr->ep_next == NULL)
		return -1;
	return 0;
}

void
epoch_driver_close(struct node_raft *nr)
{
	free(nr->view);
	free(nr->ep_a);
	free(nr->ep_b);
	free(nr->ep_next);
	nr->view = NULL;
	nr->ep_a = nr->ep_b = nr->ep_next = NULL;
}

uint64_t
epoch_driver_last(const struct node_raft *nr)
{
	return nr->have_applied ? nr->applied.epoch : 0;
}

void
epoch_driver_restore(struct node *n, const struct raft_snapshot *snap)
{
	struct node_raft *nr = n->raft;

	if (snap->index == 0 || snap->len == 0)
		return;
	if (raft_epoch_decode(snap->data, snap->len, nr->ep_next) !=
			RAFT_WIRE_OK) {
		log_warning("raft: the snapshot in %s at index %" PRIu64
				" holds no ring epoch", n->cfg->raft_dir,
				snap->index);
		return;
	}
	epoch_copy(&nr->applied, nr->ep_next);
	nr->have_applied = true;
	nr->table_dirty = true;
}

ssize_t
epoch_driver_encode(const struct node_raft *nr, uint8_t *buf, size_t cap)
{
	size_t len;

	if (!nr->have_applied)
		return 0;
	len = raft_epoch_encode(&nr->applied, buf, cap);
	return len > 0 ? (ssize_t)len : -1;
}

/* A snapshot from the leader must hold a ring epoch (or nothing yet). */
bool
epoch_driver_snapshot_ok(const uint8_t *data, uint32_t len, void *arg)
{
	struct raft_epoch e;

	(void)arg;
	if (len == 0)
		return true;
	return raft_epoch_decode(data, len, &e) == RAFT_WIRE_OK;
}

/* The ids of e's members, "1,2,3", cut with ",..." where cap is short. */
static void
epoch_driver_ids(const struct raft_epoch *e, char *buf, size_t cap)
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
epoch_driver_applied(struct node *n, const struct raft_epoch *e, uint64_t now)
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
	epoch_driver_ids(e, ids, sizeof(ids));
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
void
epoch_driver_apply(struct node *n, uint8_t type, const uint8_t *data,
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
	epoch_driver_applied(n, e, now);
}

/*
 * The latest epoch in the log: the last applied one, with the epochs and
 * deltas after it applied in order; and whether one is uncommitted.
 */
static const struct raft_epoch *
epoch_driver_last_in_log(struct node_raft *nr, bool *in_flight)
{
	const struct raft_status st = raft_status(nr->raft);
	struct raft_epoch *cur = nr->ep_a, *tmp = nr->ep_b;
	bool have = nr->have_applied;

	*in_flight = false;
	if (have)
		epoch_copy(cur, &nr->applied);
	for (uint64_t i = st.applied + 1; i <= st.last_index; i++) {
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
		*in_flight |= i > st.commit;
	}
	nr->ep_a = cur;
	nr->ep_b = tmp;
	return have ? cur : NULL;
}

/* The leader's live view as epoch members, when the membership moved. */
static void
epoch_driver_view(struct node *n)
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
		/* The zone is committed too: replicas are placed by it. */
		nr->view[i] = (struct raft_epoch_member){
			.id = t[i].id, .ip = t[i].ip, .port = t[i].udp_port,
			.zone = t[i].zone, .weight = t[i].weight,
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
epoch_driver_plan(struct node *n, uint64_t now)
{
	struct node_raft *nr = n->raft;
	struct epoch_plan_in in;
	uint8_t buf[RAFT_ENTRY_DATA_MAX];
	struct raft_entry ent;
	const struct raft_status st = raft_status(nr->raft);
	bool leader = st.role == RAFT_LEADER, partial;
	size_t len;
	int rc;

	if (leader != nr->plan_leader || st.commit != nr->plan_commit) {
		nr->plan_leader = leader;
		nr->plan_commit = st.commit;
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
	in.last = epoch_driver_last_in_log(nr, &in.in_flight);
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

void
epoch_driver_propose(struct node *n, uint64_t now)
{
	epoch_driver_view(n);
	epoch_driver_plan(n, now);
}

/*
 * The members of epoch e as the control link sends them. Zones are the
 * epoch's, not this node's SWIM view's: the dataplane places replicas by
 * them, and every node must place the same.
 */
static void
epoch_driver_members(const struct raft_epoch *e, struct link_member *m)
{
	for (uint32_t i = 0; i < e->n_members; i++) {
		const struct raft_epoch_member *x = &e->members[i];

		m[i] = (struct link_member){
			.id = x->id, .ip = x->ip, .udp_port = x->port,
			.zone = x->zone, .weight = x->weight,
		};
	}
}

/* The epoch before the last one, as the dataplane's ring before. */
static int
epoch_driver_push_before(struct node *n)
{
	struct node_raft *nr = n->raft;
	struct link_member m[RAFT_EPOCH_MEMBERS_MAX];

	epoch_driver_members(&nr->before, m);
	return link_send_epoch_prev(n->link, nr->before.epoch, m,
			nr->before.n_members);
}

/* Give the dataplane the last committed epoch, if it holds this node. */
void
epoch_driver_push(struct node *n)
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
			epoch_driver_push_before(n) < 0)
		return;
	epoch_driver_members(&nr->applied, m);
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
					"given to rumor-dataplane: its "
					"channels go to their new owners",
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

void
epoch_driver_attached(struct node *n)
{
	/* A restarted dataplane starts from its file: tell it again. */
	n->raft->table_dirty = n->raft->have_applied;
	n->raft->dp_epoch = 0;
}

bool
epoch_driver_left(const struct node *n)
{
	return n->raft == NULL || n->raft->left_told;
}

uint32_t
epoch_driver_commit_ms(const struct node_raft *nr, uint32_t pct)
{
	uint32_t v[NODE_RAFT_LAT_MAX];

	if (nr->n_lat == 0)
		return 0;
	memcpy(v, nr->lat_ms, nr->n_lat * sizeof(v[0]));
	qsort(v, nr->n_lat, sizeof(v[0]), node_u32_cmp);
	return v[(nr->n_lat - 1) * pct / 100];
}
