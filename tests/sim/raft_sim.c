/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor-raft-sim, the Raft simulator: a cluster of Raft nodes
 * (lib/protocols/raft.c, the same code as the process) in one process,
 * over a simulated network (sim_core.h) and simulated disks, reproducible
 * from a seed. Voters are ids 1..V, learners follow.
 *
 * The network loses, duplicates and delays messages (uniform delay, so
 * they also reorder) and is cut by partitions: one node isolated, the
 * nodes split in two, or one direction only between two groups. A disk
 * keeps what was written apart from what was fsynced: a node persists a
 * ready, the fsync completes a little later, and only then are its
 * messages sent and its committed entries applied. Nodes crash, either
 * as a process (the written data survive) or as a machine (only what
 * was fsynced survives), and restart from their disk, some finding their
 * snapshot corrupt (then, as raft_log_open does, they record how far
 * they may have acknowledged and start empty, withholding their votes
 * until they have caught up). Ring epochs are
 * proposed at random times to whichever node believes it leads; the
 * leader is asked to hand over now and then; voter changes (a learner
 * promoted, or a voter demoted) are made one after another, one by
 * default. Applied nodes compact their log
 * behind a snapshot of the latest epoch, so that a node back from a long
 * crash catches up from a snapshot.
 *
 * After every event it checks election safety (one leader per term), log
 * matching (an index and term name one entry, and one previous term),
 * leader completeness (a leader holds every entry committed before its
 * term), state machine safety (one entry applied per index, everywhere,
 * in order) and snapshot consistency. At the end, after the faults stop
 * and the crashed restart, the cluster must make progress, and the
 * committed history of epochs must be linearizable: each epoch applied
 * once, nothing applied that was not proposed, every proposal a client
 * was told committed present where it was told, and a proposal told
 * committed before another was proposed ordered before it.
 *
 * A failing seed prints the command that reproduces it.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/epoch_plan.h"
#include "rumor/raft.h"
#include "sim_core.h"

#define TICK_MS 10
#define NODES_MAX 16

enum ev_type {
	EV_TICK,
	EV_DELIVER,
	EV_FSYNC,
	EV_CRASH,
	EV_RESTART,
	EV_PARTITION,
	EV_HEAL,
	EV_PROPOSE,
	EV_TRANSFER,
	EV_VOTER,
};

struct opts {
	uint64_t seed_lo, seed_hi;
	uint32_t voters, learners;
	uint32_t seconds;		/* With faults. */
	uint32_t heal_seconds;		/* Without, at the end. */
	struct sim_net net;		/* Loss, duplication, delay. */
	uint32_t partition_pct;		/* Chance per second. */
	uint32_t crash_pct;		/* Chance per second. */
	uint32_t lose_pct;		/* Of crashes, those losing unsynced. */
	uint32_t propose_ms;		/* Mean gap between proposals. */
	uint32_t transfer_pct;		/* Chance per second. */
	bool voter_change;
	uint32_t voter_changes;		/* How many, one after another. */
	uint32_t corrupt_pct;		/* Of restarts, those that find their
					 * snapshot corrupt. */
	uint32_t members;		/* Epochs grow to about this many. */
	bool bug_early_send;		/* Send before fsync: must fail. */
	bool bug_lost_votes;		/* Lost state not recorded. */
	bool verbose;
};

/* A disk's contents: hard state, snapshot, entries after it. */
struct dstate {
	struct raft_hard_state hs;
	struct raft_snapshot snap;	/* data owned. */
	struct raft_entry *ents;	/* data owned. */
	size_t n, cap;
};

struct node {
	uint32_t id;
	struct raft *r;			/* NULL while down. */
	bool busy;			/* Between a write and its fsync. */
	bool crash_mid_write;		/* Crash at the next write. */
	bool crash_lose;		/* ... losing unsynced writes. */
	struct raft_ready rd;
	struct dstate written, synced;
	uint64_t app_index;		/* Applied, in this life. */
	uint64_t app_epoch;		/* Latest ring epoch applied. */
	struct raft_epoch *app;		/* That epoch, whole. */
	bool app_have;
	uint64_t recorded_commit;
};

/* What the whole cluster knows of index i. */
struct hist {
	bool committed;
	bool applied;
	uint64_t term;
	uint64_t hash;
	uint8_t type;
	uint64_t epoch;			/* RING_EPOCH entries. */
	uint64_t commit_term;		/* Term of whoever saw it first. */
};

struct proposal {
	uint64_t epoch;
	uint64_t hash;
	uint32_t node;
	uint64_t index, term;
	uint64_t t_proposed, t_acked;
	bool acked;
};

/* Log matching: (index, term) -> entry hash and previous term. */
struct lm_slot {
	uint64_t index, term, hash, prev_term;
};

struct sim {
	struct opts o;
	/*
	 * Time, events, the network's faults (in force only in the faulty
	 * phase), which nodes are up, failures.
	 */
	struct sim_core c;
	uint64_t seed;
	uint32_t n;			/* Nodes. */
	struct node nodes[NODES_MAX];
	uint32_t *leader_of_term;
	size_t terms_cap;
	struct hist *hist;
	size_t hist_cap;
	uint64_t max_committed;
	struct lm_slot *lm;
	size_t lm_cap, lm_n;
	struct proposal *props;
	size_t n_props, props_cap;
	uint64_t next_epoch;
	struct raft_epoch *ep_a, *ep_b;	/* Scratch: the leader's latest. */
	struct raft_epoch_member *view;	/* Scratch: what it proposes. */
	bool voter_done;
	uint32_t voter_made;
	/* Counters. */
	uint64_t crashes, lossy_crashes, restarts, partitions, transfers;
	uint64_t corrupted;
	uint64_t events, msgs;
	uint32_t max_members;		/* The largest epoch applied. */
	uint32_t max_snapshot;		/* The largest snapshot installed. */
};

struct totals {
	uint64_t seeds, failed;
	uint64_t elections, committed, acked, proposals, snapshots;
	uint64_t crashes, lossy_crashes, partitions, transfers, events;
	uint64_t corrupted;
	uint64_t snap_chunks;
	uint32_t max_members, max_snapshot;
	uint64_t *lat;			/* Commit latencies, ms. */
	size_t n_lat, lat_cap;
};

static struct sim *cur;			/* For the abort handler. */
static char repro[512];

/* ---- nodes and events ---- */

static bool
node_up(const struct sim *s, const struct node *nd)
{
	return s->c.up[nd->id - 1];
}

static void
at(struct sim *s, uint64_t t, uint8_t type, uint32_t node)
{
	sim_push(&s->c, (struct sim_event){ .t = t, .type = type,
			.node = node, .life = s->c.life[node] });
}

/* ---- failures ---- */

static void
fail(struct sim *s, uint32_t node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
fail(struct sim *s, uint32_t node, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sim_vfail(&s->c, node, fmt, ap);
	va_end(ap);
}

static void
on_abort(int sig)
{
	(void)sig;
	if (cur != NULL)
		fprintf(stderr, "raft-sim: seed %" PRIu64 " aborted at t=%"
				PRIu64 " ms\nreproduce: %s --seed %" PRIu64
				"\n", cur->seed, cur->c.now, repro, cur->seed);
	signal(SIGABRT, SIG_DFL);
	abort();
}

/* ---- entries and disks ---- */

static uint64_t
entry_hash(const struct raft_entry *e)
{
	uint64_t h = 0xcbf29ce484222325ull;
	uint8_t hdr[17];

	memcpy(hdr, &e->term, 8);
	memcpy(hdr + 8, &e->index, 8);
	hdr[16] = e->type;
	for (size_t i = 0; i < sizeof(hdr); i++)
		h = (h ^ hdr[i]) * 0x100000001b3ull;
	for (size_t i = 0; i < e->len; i++)
		h = (h ^ e->data[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t
entry_epoch(const struct raft_entry *e)
{
	return raft_entry_epoch(e);
}

static bool
epoch_type(uint8_t type)
{
	return type == RAFT_ENTRY_RING_EPOCH || type == RAFT_ENTRY_RING_DELTA;
}

/*
 * The epoch entry e makes of *cur (have: whether there is one), into
 * *tmp; then the two swap. Returns false if it does not apply.
 */
static bool
epoch_step(struct raft_epoch **cur, struct raft_epoch **tmp, bool *have,
		const struct raft_entry *e)
{
	static struct raft_epoch_delta d;
	struct raft_epoch *t;

	if (e->type == RAFT_ENTRY_RING_EPOCH) {
		if (raft_epoch_decode(e->data, e->len, *tmp) != RAFT_WIRE_OK)
			return false;
	} else {
		if (raft_delta_decode(e->data, e->len, &d) != RAFT_WIRE_OK ||
				epoch_apply(*tmp, *have ? *cur : NULL, &d) < 0)
			return false;
	}
	t = *cur;
	*cur = *tmp;
	*tmp = t;
	*have = true;
	return true;
}

static void
ds_truncate(struct dstate *d, size_t keep)
{
	while (d->n > keep)
		free((void *)d->ents[--d->n].data);
}

static void
ds_clear(struct dstate *d)
{
	ds_truncate(d, 0);
	free(d->ents);
	free((void *)d->snap.data);
	memset(d, 0, sizeof(*d));
}

static void
ds_push(struct dstate *d, const struct raft_entry *e)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 64;
		d->ents = sim_realloc(d->ents, d->cap * sizeof(*d->ents));
	}
	if (raft_entry_copy(&d->ents[d->n], e) != 0)
		abort();
	d->n++;
}

static void
ds_set_snapshot(struct dstate *d, const struct raft_snapshot *snap)
{
	free((void *)d->snap.data);
	d->snap = *snap;
	d->snap.data = sim_memdup(snap->data, snap->len);
}

/* Drop the entries a snapshot at index covers. */
static void
ds_drop_prefix(struct dstate *d, uint64_t index)
{
	size_t k = 0;

	while (k < d->n && d->ents[k].index <= index)
		free((void *)d->ents[k++].data);
	if (k > 0 && k < d->n)
		memmove(d->ents, d->ents + k, (d->n - k) * sizeof(*d->ents));
	d->n -= k;
}

static void
ds_copy(struct dstate *to, const struct dstate *from)
{
	ds_clear(to);
	to->hs = from->hs;
	ds_set_snapshot(to, &from->snap);
	for (size_t i = 0; i < from->n; i++)
		ds_push(to, &from->ents[i]);
}

/* Write a ready to the disk (not yet synced). */
static void
ds_write(struct dstate *d, const struct raft_ready *rd)
{
	if (rd->snapshot != NULL) {
		ds_set_snapshot(d, rd->snapshot);
		ds_truncate(d, 0);
	}
	if (rd->n_entries > 0) {
		uint64_t first = rd->entries[0].index;
		size_t keep = 0;

		while (keep < d->n && d->ents[keep].index < first)
			keep++;
		ds_truncate(d, keep);
		for (size_t i = 0; i < rd->n_entries; i++)
			ds_push(d, &rd->entries[i]);
	}
	if (rd->hard_state_changed)
		d->hs = rd->hard_state;
}

/* ---- global history and the invariants ---- */

static struct hist *
hist_at(struct sim *s, uint64_t index)
{
	if (index >= s->hist_cap) {
		size_t cap = s->hist_cap ? s->hist_cap : 256;

		while (cap <= index)
			cap *= 2;
		s->hist = sim_realloc(s->hist, cap * sizeof(*s->hist));
		memset(s->hist + s->hist_cap, 0,
				(cap - s->hist_cap) * sizeof(*s->hist));
		s->hist_cap = cap;
	}
	return &s->hist[index];
}

static void
check_leader(struct sim *s, struct node *nd)
{
	struct raft_status st = raft_status(nd->r);
	uint64_t term = st.term;
	uint32_t i = nd->id - 1;

	if (term >= s->terms_cap) {
		size_t cap = s->terms_cap ? s->terms_cap : 64;

		while (cap <= term)
			cap *= 2;
		s->leader_of_term = sim_realloc(s->leader_of_term,
				cap * sizeof(uint32_t));
		memset(s->leader_of_term + s->terms_cap, 0,
				(cap - s->terms_cap) * sizeof(uint32_t));
		s->terms_cap = cap;
	}
	if (s->leader_of_term[term] == 0)
		s->leader_of_term[term] = nd->id;
	else if (s->leader_of_term[term] != nd->id)
		fail(s, i, "election safety: two leaders in term %" PRIu64
				" (%u and %u)", term,
				s->leader_of_term[term], nd->id);

	/* Leader completeness. */
	for (uint64_t x = st.first_index; x <= s->max_committed; x++) {
		const struct hist *h = hist_at(s, x);
		const struct raft_entry *e;

		if (!h->committed || h->commit_term >= term)
			continue;
		e = raft_entry_at(nd->r, x);
		if (e == NULL || e->term != h->term ||
				entry_hash(e) != h->hash) {
			fail(s, i, "leader completeness: leader of term %"
					PRIu64 " lacks committed index %"
					PRIu64, term, x);
			break;
		}
	}
}

/* Log matching, for an entry this node just persisted. */
static void
check_matching(struct sim *s, struct node *nd, const struct raft_entry *e,
		uint64_t prev_term)
{
	uint64_t h = entry_hash(e);
	size_t k;

	if (s->lm_n * 2 >= s->lm_cap) {
		struct lm_slot *old = s->lm;
		size_t old_cap = s->lm_cap;

		s->lm_cap = old_cap ? old_cap * 2 : 4096;
		s->lm = calloc(s->lm_cap, sizeof(*s->lm));
		if (s->lm == NULL)
			abort();
		s->lm_n = 0;
		for (size_t j = 0; j < old_cap; j++) {
			if (old[j].index == 0)
				continue;
			k = (old[j].index * 31 + old[j].term) & (s->lm_cap - 1);
			while (s->lm[k].index != 0)
				k = (k + 1) & (s->lm_cap - 1);
			s->lm[k] = old[j];
			s->lm_n++;
		}
		free(old);
	}
	k = (e->index * 31 + e->term) & (s->lm_cap - 1);
	while (s->lm[k].index != 0) {
		if (s->lm[k].index == e->index && s->lm[k].term == e->term) {
			if (s->lm[k].hash != h)
				fail(s, nd->id - 1, "log matching: two entries"
						" at index %" PRIu64 " term %"
						PRIu64, e->index, e->term);
			else if (s->lm[k].prev_term != prev_term)
				fail(s, nd->id - 1, "log matching: index %"
						PRIu64 " term %" PRIu64
						" follows two terms", e->index,
						e->term);
			return;
		}
		k = (k + 1) & (s->lm_cap - 1);
	}
	s->lm[k] = (struct lm_slot){ e->index, e->term, h, prev_term };
	s->lm_n++;
}

/* Record what this node now holds committed. */
static void
record_commit(struct sim *s, struct node *nd)
{
	struct raft_status st = raft_status(nd->r);
	uint64_t c = st.commit, from = nd->recorded_commit + 1;

	if (from < st.first_index)
		from = st.first_index;
	for (uint64_t x = from; x <= c; x++) {
		const struct raft_entry *e = raft_entry_at(nd->r, x);
		struct hist *h = hist_at(s, x);

		if (e == NULL) {
			fail(s, nd->id - 1, "commit %" PRIu64 " beyond log", c);
			break;
		}
		if (h->committed) {
			if (h->term != e->term || h->hash != entry_hash(e))
				fail(s, nd->id - 1, "committed index %" PRIu64
						" differs between nodes", x);
			continue;
		}
		if (h->applied && (h->term != e->term ||
				h->hash != entry_hash(e)))
			fail(s, nd->id - 1, "index %" PRIu64 " committed "
					"unlike it was applied", x);
		h->committed = true;
		h->term = e->term;
		h->hash = entry_hash(e);
		h->type = e->type;
		h->epoch = entry_epoch(e);
		h->commit_term = st.term;
		if (x > s->max_committed)
			s->max_committed = x;
	}
	if (c > nd->recorded_commit)
		nd->recorded_commit = c;
}

/* The latest ring epoch at or before index, in the global history. */
static uint64_t
epoch_at(struct sim *s, uint64_t index)
{
	for (uint64_t x = index; x > 0; x--) {
		const struct hist *h = hist_at(s, x);

		if (h->applied && epoch_type(h->type))
			return h->epoch;
	}
	return 0;
}

static void
apply(struct sim *s, struct node *nd, const struct raft_entry *e)
{
	struct hist *h = hist_at(s, e->index);
	uint64_t hash = entry_hash(e);

	if (e->index != nd->app_index + 1)
		fail(s, nd->id - 1, "applied index %" PRIu64 " after %" PRIu64,
				e->index, nd->app_index);
	nd->app_index = e->index;
	if (!h->committed || h->term != e->term || h->hash != hash)
		fail(s, nd->id - 1, "state machine safety: index %" PRIu64
				" applied but not committed so", e->index);
	if (h->applied) {
		if (h->term != e->term || h->hash != hash)
			fail(s, nd->id - 1, "state machine safety: index %"
					PRIu64 " applied differently",
					e->index);
	} else {
		h->applied = true;
	}
	if (epoch_type(e->type)) {
		struct raft_epoch *cur = nd->app, *tmp = s->ep_b;

		/* Every node makes the same member set of it (the hash). */
		if (!epoch_step(&cur, &tmp, &nd->app_have, e)) {
			fail(s, nd->id - 1, "epoch at index %" PRIu64 " does "
					"not apply to epoch %" PRIu64, e->index,
					nd->app_epoch);
		} else {
			epoch_copy(nd->app, cur);
			nd->app_epoch = nd->app->epoch;
			if (cur->n_members > s->max_members)
				s->max_members = cur->n_members;
		}
	}
	/* The proposer acknowledges its client. */
	for (size_t p = s->n_props; p > 0; p--) {
		struct proposal *pp = &s->props[p - 1];

		if (pp->index != e->index || pp->node != nd->id ||
				pp->acked || pp->term != e->term)
			continue;
		if (pp->hash != hash)
			fail(s, nd->id - 1, "index %" PRIu64 " term %" PRIu64
					" is not what was proposed there",
					e->index, e->term);
		pp->acked = true;
		pp->t_acked = s->c.now;
	}
}

/* Install a snapshot into the application. */
static void
install(struct sim *s, struct node *nd, const struct raft_snapshot *snap)
{
	uint64_t want = epoch_at(s, snap->index), got = 0;

	nd->app_have = false;
	if (snap->len > s->max_snapshot)
		s->max_snapshot = snap->len;
	if (snap->len > 0) {
		if (raft_epoch_decode(snap->data, snap->len, nd->app) !=
				RAFT_WIRE_OK) {
			fail(s, nd->id - 1, "snapshot %" PRIu64 " unreadable",
					snap->index);
		} else {
			got = nd->app->epoch;
			nd->app_have = true;
		}
	}
	if (got != want)
		fail(s, nd->id - 1, "snapshot at %" PRIu64 " holds epoch %"
				PRIu64 ", the history %" PRIu64, snap->index,
				got, want);
	nd->app_epoch = got;
	nd->app_index = snap->index;
}

/* ---- nodes ---- */

static void
node_config(struct sim *s, struct node *nd, struct raft_config *c)
{
	raft_config_default(c);
	c->id = nd->id;
	c->n_voters = s->o.voters;
	for (uint32_t v = 0; v < s->o.voters; v++)
		c->voters[v] = v + 1;
	c->n_learners = s->o.learners;
	for (uint32_t l = 0; l < s->o.learners; l++)
		c->learners[l] = s->o.voters + l + 1;
	c->election_ticks = 10;
	c->heartbeat_ticks = 1;
	c->max_inflight = 4;
	c->seed = s->seed * 1000003 + s->c.life[nd->id - 1];
}

static void node_flush(struct sim *s, struct node *nd);
static void node_crash(struct sim *s, struct node *nd, bool lose);

/* Put a node's messages on the network. */
static void
transmit(struct sim *s, struct node *nd, const struct raft_ready *rd)
{
	for (size_t m = 0; m < rd->n_msgs; m++) {
		const struct raft_out *o = &rd->msgs[m];
		uint32_t to = o->to - 1;
		uint64_t at[2];
		unsigned n;

		if (to >= s->n)
			continue;
		n = sim_send(&s->c, nd->id - 1, to, at);
		for (unsigned k = 0; k < n; k++) {
			sim_push(&s->c, (struct sim_event){ .t = at[k],
					.type = EV_DELIVER, .node = to,
					.src = nd->id - 1,
					.life = s->c.life[to], .len = o->len,
					.buf = sim_memdup(o->buf, o->len) });
			s->msgs++;
		}
	}
}

/* The second half of a ready, once its writes are on disk. */
static void
node_complete(struct sim *s, struct node *nd, bool sent)
{
	struct raft_ready *rd = &nd->rd;
	struct raft_status st;

	if (!sent)
		transmit(s, nd, rd);
	/*
	 * What it applies it holds committed: record that first (a leader
	 * that commits with nothing to write applies at once).
	 */
	record_commit(s, nd);
	if (rd->snapshot != NULL)
		install(s, nd, rd->snapshot);
	for (size_t c = 0; c < rd->n_committed; c++)
		apply(s, nd, &rd->committed[c]);
	raft_advance(nd->r, rd);
	nd->busy = false;

	/* Compact now and then, behind the latest epoch. */
	st = raft_status(nd->r);
	if (st.applied >= st.first_index + 24 + nd->id * 3) {
		static uint8_t buf[RAFT_EPOCH_HDR_LEN + RAFT_EPOCH_MEMBERS_MAX *
				RAFT_EPOCH_MEMBER_LEN];
		const struct raft_snapshot *sn;
		size_t len = 0;

		/* The state at `applied` is the latest epoch applied. */
		if (nd->app_have)
			len = raft_epoch_encode(nd->app, buf, sizeof(buf));
		if (raft_compact(nd->r, st.applied, buf, (uint32_t)len) != 0)
			fail(s, nd->id - 1, "compaction at %" PRIu64
					" refused", st.applied);
		sn = raft_snapshot(nd->r);
		/* A snapshot is written and synced at once (rename). */
		ds_set_snapshot(&nd->written, sn);
		ds_drop_prefix(&nd->written, sn->index);
		ds_set_snapshot(&nd->synced, sn);
		ds_drop_prefix(&nd->synced, sn->index);
	}
	node_flush(s, nd);
}

/* Drain a node's ready: write, then fsync a little later. */
static void
node_flush(struct sim *s, struct node *nd)
{
	struct raft_ready *rd = &nd->rd;
	uint64_t prev_term;

	if (!node_up(s, nd) || nd->busy || !raft_ready(nd->r, rd))
		return;
	for (size_t i = 0; i < rd->n_entries; i++) {
		const struct raft_entry *e = &rd->entries[i];

		if (!raft_term_at(nd->r, e->index - 1, &prev_term))
			fail(s, nd->id - 1, "no term before entry %" PRIu64,
					e->index);
		else
			check_matching(s, nd, e, prev_term);
	}
	if (rd->snapshot == NULL && rd->n_entries == 0 &&
			!rd->hard_state_changed) {
		/* Nothing to write: send and apply now. */
		nd->busy = true;
		node_complete(s, nd, false);
		return;
	}
	ds_write(&nd->written, rd);
	nd->busy = true;
	if (s->o.bug_early_send)
		transmit(s, nd, rd);
	if (nd->crash_mid_write) {
		/* The crash comes between the write and its fsync. */
		nd->crash_mid_write = false;
		node_crash(s, nd, nd->crash_lose);
		at(s, s->c.now + sim_range(&s->c, 100, 4000), EV_RESTART,
				nd->id - 1);
		return;
	}
	at(s, s->c.now + sim_range(&s->c, 0, 2), EV_FSYNC, nd->id - 1);
}

static void
node_check(struct sim *s, struct node *nd)
{
	if (!node_up(s, nd))
		return;
	record_commit(s, nd);
	if (raft_status(nd->r).role == RAFT_LEADER)
		check_leader(s, nd);
}

static void
node_start(struct sim *s, struct node *nd)
{
	struct raft_config c;
	const struct dstate *d = &nd->synced;

	node_config(s, nd, &c);
	nd->r = raft_new(&c);
	if (nd->r == NULL)
		abort();
	if (raft_restore(nd->r, &d->hs, d->snap.index > 0 ? &d->snap : NULL,
			d->ents, d->n) != 0)
		fail(s, nd->id - 1, "restore refused what the disk holds");
	sim_up(&s->c, nd->id - 1);
	nd->busy = false;
	nd->app_index = 0;
	nd->app_epoch = 0;
	nd->app_have = false;
	nd->recorded_commit = 0;
	if (d->snap.index > 0)
		install(s, nd, &d->snap);
	record_commit(s, nd);
	ds_copy(&nd->written, &nd->synced);
	at(s, s->c.now + sim_range(&s->c, 1, TICK_MS), EV_TICK, nd->id - 1);
}

/* Whether some node has lost state and is not whole yet. */
static bool
someone_lost(struct sim *s)
{
	for (uint32_t i = 0; i < s->n; i++) {
		struct node *nd = &s->nodes[i];

		if (node_up(s, nd) ? raft_status(nd->r).lost :
				nd->synced.hs.lost_index != 0)
			return true;
	}
	return false;
}

/*
 * The node's snapshot is found corrupt at restart: as raft_log_open
 * does, record how far it may have acknowledged, and start empty.
 */
static void
corrupt_snapshot(struct sim *s, struct node *nd)
{
	struct dstate *d = &nd->synced;
	uint64_t lost = d->hs.commit;

	if (d->n > 0 && d->ents[d->n - 1].index > lost)
		lost = d->ents[d->n - 1].index;
	if (d->hs.lost_index > lost)
		lost = d->hs.lost_index;
	if (!s->o.bug_lost_votes) {
		d->hs.lost_index = lost > 0 ? lost : 1;
		d->hs.lost_term = d->hs.term;
	}
	ds_truncate(d, 0);
	free((void *)d->snap.data);
	memset(&d->snap, 0, sizeof(d->snap));
	d->snap.data = sim_memdup(NULL, 0);
	s->corrupted++;
	if (s->o.verbose)
		fprintf(stderr, "raft-sim: t=%" PRIu64 " node %u: snapshot "
				"corrupt, lost up to %" PRIu64 " term %"
				PRIu64 "\n", s->c.now, nd->id, lost,
				d->hs.term);
}

/* Voters as a live node sees them (0: none up). */
static uint32_t
voter_count(struct sim *s)
{
	uint32_t ids[RAFT_VOTERS_MAX];

	for (uint32_t i = 0; i < s->n; i++)
		if (s->c.up[i])
			return raft_voters(s->nodes[i].r, ids,
					RAFT_VOTERS_MAX);
	return 0;
}

static void
node_crash(struct sim *s, struct node *nd, bool lose)
{
	/* What it knew committed was true, even if it dies knowing it. */
	record_commit(s, nd);
	if (lose)
		ds_copy(&nd->written, &nd->synced);
	else
		ds_copy(&nd->synced, &nd->written);
	raft_free(nd->r);
	nd->r = NULL;
	nd->busy = false;
	nd->crash_mid_write = false;
	sim_crash(&s->c, nd->id - 1);
	s->crashes++;
	s->lossy_crashes += lose;
}

/* A node that believes it leads (a live one, at the highest term). */
static struct node *
find_leader(struct sim *s)
{
	struct node *best = NULL;
	uint64_t best_term = 0;

	for (uint32_t i = 0; i < s->n; i++) {
		struct node *nd = &s->nodes[i];
		struct raft_status st;

		if (!node_up(s, nd) || nd->busy)
			continue;
		st = raft_status(nd->r);
		if (st.role == RAFT_LEADER &&
				(best == NULL || st.term > best_term)) {
			best = nd;
			best_term = st.term;
		}
	}
	return best;
}

/* A random id of the universe 1 .. 2 x members not in the set. */
static uint32_t
new_id(struct sim *s, const uint8_t *in)
{
	uint32_t top = 2 * s->o.members;

	for (int tries = 0; tries < 64; tries++) {
		uint32_t id = (uint32_t)sim_range(&s->c, 1, top);

		if (!in[id])
			return id;
	}
	return 0;
}

/*
 * The leader proposes the next epoch as a delta from the latest in its
 * log: joins while it is small, then a few joins, leaves and weight
 * changes. Its number is the simulation's next, so that each proposal
 * is told apart.
 */
static void
propose(struct sim *s)
{
	static struct raft_epoch_delta d;
	static uint8_t in[2 * RAFT_EPOCH_MEMBERS_MAX + 1];
	static uint32_t weight[2 * RAFT_EPOCH_MEMBERS_MAX + 1];
	struct node *nd = find_leader(s);
	struct raft_epoch *cur = s->ep_a, *tmp = s->ep_b, *next;
	uint8_t buf[RAFT_ENTRY_DATA_MAX];
	struct raft_entry e = { .type = RAFT_ENTRY_RING_DELTA, .data = buf };
	uint32_t top = 2 * s->o.members, n = 0, count = 0, adds, drops,
			changes;
	bool have, partial;

	if (nd == NULL)
		return;
	/* The latest epoch in its log. */
	have = nd->app_have;
	if (have)
		epoch_copy(cur, nd->app);
	for (uint64_t i = raft_status(nd->r).applied + 1,
			last = raft_status(nd->r).last_index; i <= last; i++) {
		const struct raft_entry *x = raft_entry_at(nd->r, i);

		if (x != NULL && epoch_type(x->type) &&
				!epoch_step(&cur, &tmp, &have, x)) {
			fail(s, nd->id - 1, "its log's epochs do not apply");
			return;
		}
	}
	memset(in, 0, top + 1);
	for (uint32_t i = 0; have && i < cur->n_members; i++) {
		uint32_t id = cur->members[i].id;

		if (id <= top) {
			in[id] = 1;
			weight[id] = cur->members[i].weight;
			count++;
		}
	}
	if (count < s->o.members / 2 || (count < s->o.members &&
			sim_below(&s->c, 3) == 0)) {
		adds = (uint32_t)sim_range(&s->c, 1,
				s->o.members - count < 120 ?
				s->o.members - count : 120);
		drops = changes = 0;
	} else {
		adds = (uint32_t)sim_below(&s->c, 4);
		drops = (uint32_t)sim_below(&s->c, 4);
		changes = (uint32_t)sim_below(&s->c, 3);
	}
	for (uint32_t k = 0; k < adds; k++) {
		uint32_t id = new_id(s, in);

		if (id != 0) {
			in[id] = 1;
			weight[id] = (uint32_t)sim_range(&s->c, 1, 100);
			count++;
		}
	}
	for (uint32_t k = 0; k < drops + changes && count > 1; k++) {
		uint32_t id = (uint32_t)sim_range(&s->c, 1, top);

		if (!in[id])
			continue;
		if (k < drops) {
			in[id] = 0;
			count--;
		} else {
			weight[id] = (uint32_t)sim_range(&s->c, 1, 100);
		}
	}
	for (uint32_t id = 1; id <= top; id++)
		if (in[id])
			s->view[n++] = (struct raft_epoch_member){
				.id = id, .ip = 0x0a000000 + id, .port = 7946,
				.weight = weight[id],
			};
	next = tmp;
	if (epoch_delta(&d, next, &partial, have ? cur : NULL, s->view,
			n) < 0)
		return;
	next->epoch = d.epoch = s->next_epoch;
	d.hash = epoch_hash(next);
	e.len = (uint16_t)raft_delta_encode(&d, buf, sizeof(buf));
	if (e.len == 0) {
		fail(s, nd->id - 1, "a delta does not encode");
		return;
	}
	if (raft_propose(nd->r, &e) != 0)
		return;
	if (s->n_props == s->props_cap) {
		s->props_cap = s->props_cap ? s->props_cap * 2 : 256;
		s->props = sim_realloc(s->props,
				s->props_cap * sizeof(*s->props));
	}
	s->props[s->n_props++] = (struct proposal){
		.epoch = d.epoch, .hash = entry_hash(&e), .node = nd->id,
		.index = e.index, .term = e.term, .t_proposed = s->c.now,
	};
	s->next_epoch++;
	node_flush(s, nd);
}

static void
voter_change(struct sim *s)
{
	struct node *nd = find_leader(s);
	struct raft_voter_change vc;
	uint8_t buf[RAFT_VOTER_CHANGE_LEN];
	struct raft_entry e = { .type = RAFT_ENTRY_VOTER, .data = buf,
			.len = RAFT_VOTER_CHANGE_LEN };
	uint32_t ids[RAFT_VOTERS_MAX], n;

	if (nd == NULL)
		return;
	n = raft_voters(nd->r, ids, RAFT_VOTERS_MAX);
	if (s->o.learners > 0 && (n < 5 || sim_below(&s->c, 2) == 0)) {
		vc.op = RAFT_VOTER_ADD;
		vc.id = s->o.voters + 1 +
				(uint32_t)sim_below(&s->c, s->o.learners);
	} else {
		vc.op = RAFT_VOTER_REMOVE;
		vc.id = ids[sim_below(&s->c, n)];
		if (vc.id == nd->id)
			return;
	}
	raft_voter_change_encode(&vc, buf, sizeof(buf));
	if (raft_propose(nd->r, &e) == 0) {
		s->voter_done = ++s->voter_made >= s->o.voter_changes;
		if (s->o.verbose)
			fprintf(stderr, "raft-sim: t=%" PRIu64 " %s voter %u\n",
					s->c.now, vc.op == RAFT_VOTER_ADD ?
					"add" : "remove", vc.id);
		node_flush(s, nd);
	}
}

static void
transfer(struct sim *s)
{
	struct node *nd = find_leader(s);
	uint32_t ids[RAFT_VOTERS_MAX], n, to;

	if (nd == NULL)
		return;
	n = raft_voters(nd->r, ids, RAFT_VOTERS_MAX);
	to = ids[sim_below(&s->c, n)];
	if (to != nd->id && raft_transfer_leadership(nd->r, to) == 0) {
		s->transfers++;
		node_flush(s, nd);
	}
}

static void
partition(struct sim *s)
{
	uint32_t kind = (uint32_t)sim_below(&s->c, 3);

	memset(s->c.side, 0, s->n);
	if (kind == 0) {
		/* One node alone, often the leader. */
		struct node *l = find_leader(s);
		uint32_t i = l != NULL && sim_below(&s->c, 2) ? l->id - 1 :
				(uint32_t)sim_below(&s->c, s->n);

		s->c.side[i] = 1;
	} else {
		for (uint32_t i = 0; i < s->n; i++)
			s->c.side[i] = (uint8_t)sim_below(&s->c, 2);
	}
	s->c.asym = kind == 2;
	s->c.split = true;
	s->partitions++;
	at(s, s->c.now + sim_range(&s->c, 300, 3000), EV_HEAL, 0);
}

/* ---- the run ---- */

static void
handle(struct sim *s, struct sim_event *e)
{
	struct node *nd = &s->nodes[e->node];
	struct raft_msg m;

	switch (e->type) {
	case EV_TICK:
		if (!node_up(s, nd) || e->life != s->c.life[e->node])
			return;
		if (nd->busy) {
			/* Busy writing: the tick waits. */
			at(s, s->c.now + 1, EV_TICK, e->node);
			return;
		}
		raft_tick(nd->r);
		at(s, s->c.now + TICK_MS, EV_TICK, e->node);
		break;
	case EV_DELIVER:
		if (!node_up(s, nd))
			return;
		if (nd->busy) {
			struct sim_event again = *e;

			again.t = s->c.now + 1;
			sim_push(&s->c, again);
			e->buf = NULL;
			return;
		}
		if (raft_decode(e->buf, e->len, &m) != RAFT_WIRE_OK) {
			fail(s, e->node, "undecodable message");
			return;
		}
		raft_step(nd->r, &m);
		break;
	case EV_FSYNC:
		if (!node_up(s, nd) || e->life != s->c.life[e->node] ||
				!nd->busy)
			return;
		ds_copy(&nd->synced, &nd->written);
		node_complete(s, nd, s->o.bug_early_send);
		break;
	case EV_CRASH:
		if (!node_up(s, nd))
			return;
		if (sim_below(&s->c, 2) == 0) {
			/* Half the crashes strike in the middle of a write. */
			nd->crash_mid_write = true;
			nd->crash_lose = sim_below(&s->c, 100) < s->o.lose_pct;
			return;
		}
		node_crash(s, nd, sim_below(&s->c, 100) < s->o.lose_pct);
		at(s, s->c.now + sim_range(&s->c, 100, 4000), EV_RESTART,
				e->node);
		return;
	case EV_RESTART:
		if (node_up(s, nd))
			return;
		s->restarts++;
		/*
		 * A corrupt snapshot, one node at a time and not where the
		 * voters left would be too few to elect without it.
		 */
		if (nd->synced.snap.index > 0 &&
				sim_below(&s->c, 100) < s->o.corrupt_pct &&
				!someone_lost(s) && voter_count(s) >= 3)
			corrupt_snapshot(s, nd);
		node_start(s, nd);
		break;
	case EV_PARTITION:
		if (!s->c.split)
			partition(s);
		return;
	case EV_HEAL:
		s->c.split = false;
		return;
	case EV_PROPOSE:
		propose(s);
		return;
	case EV_TRANSFER:
		transfer(s);
		return;
	case EV_VOTER:
		if (!s->voter_done) {
			uint32_t made = s->voter_made;

			voter_change(s);
			/* The next one once this one may have committed. */
			if (!s->voter_done)
				at(s, s->c.now + (s->voter_made > made ?
						sim_range(&s->c, 200, 1500) :
						100), EV_VOTER, 0);
		}
		return;
	}
	node_flush(s, nd);
	node_check(s, nd);
}

static void
run_until(struct sim *s, uint64_t t)
{
	struct sim_event e;

	while (sim_next(&s->c, t, &e)) {
		s->events++;
		handle(s, &e);
		free(e.buf);
	}
}

/* Schedule the faults and the client for the faulty phase. */
static void
schedule(struct sim *s)
{
	uint64_t end = (uint64_t)s->o.seconds * 1000;

	for (uint64_t t = 0; t < end; ) {
		t += sim_range(&s->c, s->o.propose_ms / 2,
				s->o.propose_ms * 3 / 2);
		at(s, t, EV_PROPOSE, 0);
	}
	for (uint64_t sec = 1; sec < s->o.seconds; sec++) {
		uint64_t t = sec * 1000 + sim_below(&s->c, 1000);

		if (sim_below(&s->c, 100) < s->o.partition_pct)
			at(s, t, EV_PARTITION, 0);
		if (sim_below(&s->c, 100) < s->o.crash_pct)
			at(s, t + 7, EV_CRASH,
					(uint32_t)sim_below(&s->c, s->n));
		if (sim_below(&s->c, 100) < s->o.transfer_pct)
			at(s, t + 13, EV_TRANSFER, 0);
	}
	if (s->o.voter_change)
		at(s, 1000 + sim_below(&s->c, end / 2 + 1), EV_VOTER, 0);
}

/* The end: progress, then the linearizability of the epoch history. */
static void
check_history(struct sim *s)
{
	uint64_t top = 0, *pos_of = NULL;
	struct node *l;
	size_t np = s->n_props;

	/* Every node back, the network whole: one more epoch commits. */
	for (int tries = 0; tries < 50; tries++) {
		size_t before = s->n_props;

		l = find_leader(s);
		if (l != NULL)
			propose(s);
		if (s->n_props > before) {
			run_until(s, s->c.now + 2000);
			if (!s->props[before].acked)
				fail(s, l->id - 1, "a proposal after the "
						"faults stopped did not "
						"commit");
			break;
		}
		run_until(s, s->c.now + 100);
	}
	if (l == NULL) {
		fail(s, 0, "no leader after the faults stopped");
	}
	np = s->n_props;
	for (uint32_t i = 0; i < s->n; i++) {
		struct node *nd = &s->nodes[i];

		if (!node_up(s, nd))
			fail(s, i, "down at the end");
		else if (raft_status(nd->r).applied != s->max_committed ||
				nd->app_index != s->max_committed) {
			fail(s, i, "applied %" PRIu64 " of %" PRIu64
					" at the end", nd->app_index,
					s->max_committed);
		}
	}

	for (uint64_t x = 1; x <= s->max_committed; x++) {
		const struct hist *h = hist_at(s, x);

		if (!h->committed || !h->applied) {
			fail(s, 0, "history: index %" PRIu64 " %s", x,
					h->committed ? "never applied" :
					"never committed");
			return;
		}
	}
	/* Where each epoch sits in the history (0: absent). */
	pos_of = calloc(s->next_epoch + 1, sizeof(*pos_of));
	if (pos_of == NULL)
		abort();
	for (uint64_t x = 1; x <= s->max_committed; x++) {
		const struct hist *h = hist_at(s, x);
		uint64_t ep = h->epoch;

		if (!epoch_type(h->type))
			continue;
		if (ep == 0 || ep >= s->next_epoch) {
			fail(s, 0, "history: epoch %" PRIu64 " at %" PRIu64
					" was never proposed", ep, x);
			continue;
		}
		if (pos_of[ep] != 0)
			fail(s, 0, "history: epoch %" PRIu64 " applied twice",
					ep);
		pos_of[ep] = x;
		top = x;
	}
	(void)top;
	for (size_t p = 0; p < np; p++) {
		const struct proposal *pp = &s->props[p];
		const struct hist *h;

		if (pos_of[pp->epoch] == 0) {
			if (pp->acked)
				fail(s, pp->node - 1, "history: epoch %" PRIu64
						" was acknowledged, then lost",
						pp->epoch);
			continue;
		}
		h = hist_at(s, pos_of[pp->epoch]);
		if (h->hash != pp->hash)
			fail(s, 0, "history: epoch %" PRIu64 " applied with "
					"other contents", pp->epoch);
		if (pp->acked && pos_of[pp->epoch] != pp->index)
			fail(s, 0, "history: epoch %" PRIu64 " acknowledged "
					"at %" PRIu64 ", applied at %" PRIu64,
					pp->epoch, pp->index,
					pos_of[pp->epoch]);
	}
	/*
	 * Real time: a proposal acknowledged before another was made comes
	 * first. Proposals are in proposal-time order, so it is enough to
	 * compare each with the latest-placed of those acknowledged before
	 * it was made.
	 */
	{
		uint64_t *acks = calloc(np + 1, sizeof(*acks));
		size_t na = 0;

		if (acks == NULL)
			abort();
		for (size_t p = 0; p < np; p++)
			if (s->props[p].acked)
				acks[na++] = p;
		for (size_t p = 0, a = 0; p < np; p++) {
			const struct proposal *pp = &s->props[p];
			if (pos_of[pp->epoch] == 0)
				continue;
			for (a = 0; a < na; a++) {
				const struct proposal *q = &s->props[acks[a]];

				if (q->t_acked < pp->t_proposed &&
						pos_of[q->epoch] >=
						pos_of[pp->epoch]) {
					fail(s, 0, "history: epoch %" PRIu64
							" acknowledged before"
							" epoch %" PRIu64
							" was proposed, but "
							"after it", q->epoch,
							pp->epoch);
					break;
				}
			}
		}
		free(acks);
	}
	free(pos_of);
}

static void
run_free(struct sim *s)
{
	for (uint32_t i = 0; i < s->n; i++) {
		raft_free(s->nodes[i].r);
		ds_clear(&s->nodes[i].written);
		ds_clear(&s->nodes[i].synced);
		free(s->nodes[i].app);
	}
	free(s->ep_a);
	free(s->ep_b);
	free(s->view);
	sim_free(&s->c);
	free(s->leader_of_term);
	free(s->hist);
	free(s->lm);
	free(s->props);
}

/* One seed; returns whether it passed. */
static bool
run_seed(const struct opts *o, uint64_t seed, struct totals *tot)
{
	struct sim *s = calloc(1, sizeof(*s));
	uint64_t elections = 0, snaps = 0;
	bool ok;

	if (s == NULL)
		abort();
	cur = s;
	s->o = *o;
	s->seed = seed;
	s->n = o->voters + o->learners;
	sim_init(&s->c, s->n, seed, SIM_SPLITMIX64, &o->net);
	s->c.verbose = o->verbose;
	snprintf(s->c.who, sizeof(s->c.who), "raft-sim: seed %" PRIu64 " ",
			seed);
	s->next_epoch = 1;
	s->ep_a = sim_realloc(NULL, sizeof(*s->ep_a));
	s->ep_b = sim_realloc(NULL, sizeof(*s->ep_b));
	s->view = sim_calloc(2 * RAFT_EPOCH_MEMBERS_MAX, sizeof(*s->view));
	for (uint32_t i = 0; i < s->n; i++) {
		s->nodes[i].app = sim_realloc(NULL, sizeof(*s->nodes[i].app));
		s->nodes[i].id = i + 1;
		s->nodes[i].synced.snap.data = sim_memdup(NULL, 0);
		s->nodes[i].written.snap.data = sim_memdup(NULL, 0);
		node_start(s, &s->nodes[i]);
	}
	schedule(s);
	run_until(s, (uint64_t)o->seconds * 1000);

	/* The faults stop; the crashed come back. */
	s->c.faults = false;
	s->c.split = false;
	for (uint32_t i = 0; i < s->n; i++)
		s->nodes[i].crash_mid_write = false;
	for (size_t i = 0; i < s->c.heap_n; i++)
		if (s->c.heap[i].type == EV_CRASH ||
				s->c.heap[i].type == EV_PARTITION)
			s->c.heap[i].type = EV_HEAL;
	for (uint32_t i = 0; i < s->n; i++)
		if (!s->c.up[i]) {
			s->restarts++;
			node_start(s, &s->nodes[i]);
		}
	run_until(s, s->c.now + (uint64_t)o->heal_seconds * 1000);
	check_history(s);

	for (uint32_t i = 0; i < s->n; i++) {
		const struct raft_stats *st;

		if (s->nodes[i].r == NULL)
			continue;
		st = raft_stats(s->nodes[i].r);
		elections += st->became_leader;
		snaps += st->snapshots_installed;
		tot->snap_chunks += st->snapshots_sent;
	}
	ok = s->c.failures == 0;
	tot->seeds++;
	tot->elections += elections;
	tot->committed += s->max_committed;
	tot->proposals += s->n_props;
	tot->snapshots += snaps;
	tot->crashes += s->crashes;
	tot->lossy_crashes += s->lossy_crashes;
	tot->partitions += s->partitions;
	tot->transfers += s->transfers;
	tot->corrupted += s->corrupted;
	if (s->max_members > tot->max_members)
		tot->max_members = s->max_members;
	if (s->max_snapshot > tot->max_snapshot)
		tot->max_snapshot = s->max_snapshot;
	tot->events += s->events;
	for (size_t p = 0; p < s->n_props; p++) {
		if (!s->props[p].acked)
			continue;
		tot->acked++;
		if (tot->n_lat == tot->lat_cap) {
			tot->lat_cap = tot->lat_cap ? tot->lat_cap * 2 : 4096;
			tot->lat = sim_realloc(tot->lat,
					tot->lat_cap * sizeof(*tot->lat));
		}
		tot->lat[tot->n_lat++] = s->props[p].t_acked -
				s->props[p].t_proposed;
	}
	if (!ok) {
		tot->failed++;
		sim_report_failed(&s->c, "raft-sim", seed, repro);
	}
	run_free(s);
	free(s);
	cur = NULL;
	return ok;
}

static void
usage(FILE *f)
{
	fprintf(f,
"usage: rumor-raft-sim [options]\n"
"  --seed S          one seed (default 1)\n"
"  --seeds A-B       every seed from A to B, in one process\n"
"  --voters V        3 or 5 (default 3)\n"
"  --learners L      learners (default 2)\n"
"  --seconds T       simulated seconds with faults (default 10)\n"
"  --heal T          seconds without faults at the end (default 3)\n"
"  --loss P          percent of messages lost (default 2)\n"
"  --dup P           percent duplicated (default 2)\n"
"  --delay A-B       one-way delay in ms, uniform (default 1-10)\n"
"  --partitions P    percent chance of a partition each second (25)\n"
"  --crashes P       percent chance of a crash each second (25)\n"
"  --lose P          percent of crashes losing unsynced writes (50)\n"
"  --propose MS      mean gap between proposals (100)\n"
"  --transfers P     percent chance of a transfer each second (15)\n"
"  --no-voter-change no voter change\n"
"  --voter-changes N voter changes one after another (default 1)\n"
"  --members M       epochs grow to about M members (default 12), as\n"
"                    deltas of at most 81 joins each\n"
"  --corrupt P       percent of restarts finding their snapshot corrupt\n"
"                    (default 20): set aside, the node starts empty and\n"
"                    withholds its vote until it has caught up\n"
"  --bug-early-send  send before fsync (a planted bug: must fail)\n"
"  --bug-lost-votes  a corrupt snapshot's node votes at once (a planted\n"
"                    bug: must fail)\n"
"  -v                print every violation\n");
}

int
main(int argc, char **argv)
{
	struct opts o = {
		.seed_lo = 1, .seed_hi = 1, .voters = 3, .learners = 2,
		.seconds = 10, .heal_seconds = 3,
		.net = { .loss_pct = 2, .dup_pct = 2, .delay_min_ms = 1,
			.delay_max_ms = 10 },
		.partition_pct = 25, .crash_pct = 25, .lose_pct = 50,
		.propose_ms = 100, .transfer_pct = 15, .voter_change = true,
		.corrupt_pct = 20, .voter_changes = 1, .members = 12,
	};
	const struct sim_opt opts[] = {
		{ "seed", 0, SIM_OPT_RANGE64, &o.seed_lo, &o.seed_hi },
		{ "seeds", 0, SIM_OPT_RANGE64, &o.seed_lo, &o.seed_hi },
		{ "voters", 0, SIM_OPT_U32, &o.voters, NULL },
		{ "learners", 0, SIM_OPT_U32, &o.learners, NULL },
		{ "seconds", 0, SIM_OPT_U32, &o.seconds, NULL },
		{ "heal", 0, SIM_OPT_U32, &o.heal_seconds, NULL },
		{ "loss", 0, SIM_OPT_U32, &o.net.loss_pct, NULL },
		{ "dup", 0, SIM_OPT_U32, &o.net.dup_pct, NULL },
		{ "delay", 0, SIM_OPT_RANGE32, &o.net.delay_min_ms,
			&o.net.delay_max_ms },
		{ "partitions", 0, SIM_OPT_U32, &o.partition_pct, NULL },
		{ "crashes", 0, SIM_OPT_U32, &o.crash_pct, NULL },
		{ "lose", 0, SIM_OPT_U32, &o.lose_pct, NULL },
		{ "propose", 0, SIM_OPT_U32, &o.propose_ms, NULL },
		{ "transfers", 0, SIM_OPT_U32, &o.transfer_pct, NULL },
		{ "no-voter-change", 0, SIM_OPT_CLEAR, &o.voter_change, NULL },
		{ "bug-early-send", 0, SIM_OPT_SET, &o.bug_early_send, NULL },
		{ "corrupt", 0, SIM_OPT_U32, &o.corrupt_pct, NULL },
		{ "voter-changes", 0, SIM_OPT_U32, &o.voter_changes, NULL },
		{ "members", 0, SIM_OPT_U32, &o.members, NULL },
		{ "bug-lost-votes", 0, SIM_OPT_SET, &o.bug_lost_votes, NULL },
		{ NULL, 'v', SIM_OPT_SET, &o.verbose, NULL },
	};
	struct totals tot = { 0 };
	int rc = sim_args(argc, argv, opts, sizeof(opts) / sizeof(opts[0]),
			usage);

	if (rc >= 0)
		return rc;
	if ((o.voters != 3 && o.voters != 5 && o.voters != 1) ||
			o.voters + o.learners > NODES_MAX ||
			o.propose_ms < 2 || o.seconds == 0 || o.members < 2 ||
			o.members > RAFT_EPOCH_MEMBERS_MAX ||
			o.heal_seconds == 0) {
		usage(stderr);
		return 2;
	}

	/* The command line, seed aside, for reproductions. */
	(void)sim_repro(repro, sizeof(repro), argc, argv);
	signal(SIGABRT, on_abort);

	for (uint64_t seed = o.seed_lo; ; seed++) {
		run_seed(&o, seed, &tot);
		if (seed == o.seed_hi)
			break;
	}

	sim_sort_u64(tot.lat, tot.n_lat);
	printf("raft-sim: seeds %" PRIu64 "-%" PRIu64 ", %u voters + %u "
			"learners: %" PRIu64 " passed, %" PRIu64 " failed\n"
			"raft-sim: elections %" PRIu64 ", proposals %" PRIu64
			", acknowledged %" PRIu64 ", entries committed %"
			PRIu64 ", snapshots installed %" PRIu64 "\n"
			"raft-sim: crashes %" PRIu64 " (%" PRIu64 " losing "
			"unsynced writes), corrupt snapshots %" PRIu64
			", partitions %" PRIu64
			", transfers %" PRIu64 ", events %" PRIu64 "\n"
			"raft-sim: epochs of up to %u members; snapshots of up "
			"to %u bytes installed, %" PRIu64 " chunks sent\n"
			"raft-sim: commit latency p50 %" PRIu64 " ms, p99 %"
			PRIu64 " ms (simulated)\n",
			o.seed_lo, o.seed_hi, o.voters, o.learners,
			tot.seeds - tot.failed, tot.failed, tot.elections,
			tot.proposals, tot.acked, tot.committed, tot.snapshots,
			tot.crashes, tot.lossy_crashes, tot.corrupted,
			tot.partitions,
			tot.transfers, tot.events,
			tot.max_members, tot.max_snapshot, tot.snap_chunks,
			tot.n_lat ? tot.lat[tot.n_lat / 2] : 0,
			tot.n_lat ? tot.lat[tot.n_lat * 99 / 100] : 0);
	free(tot.lat);
	return tot.failed == 0 ? 0 : 1;
}
