/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Raft on the log of ring epochs (include/rumor/raft.h). The log lives in
 * memory from the snapshot on (an array indexed from the first index);
 * what is new since the last raft_advance() is handed to the caller to
 * persist. Outgoing messages are encoded when they are made, so that
 * they own their bytes whatever happens to the log before the caller
 * sends them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/grow.h"
#include "rumor/prng.h"
#include "rumor/raft.h"

/* What must hold, or the node is wrong: stop rather than go on. */
#define raft_assert(cond) do { \
	if (!(cond)) \
		raft_fail(#cond, __FILE__, __LINE__); \
} while (0)

static void __attribute__((noreturn))
raft_fail(const char *what, const char *file, int line)
{
	fprintf(stderr, "%s:%d: raft: assertion failed: %s\n", file, line,
			what);
	abort();
}

/* How a leader replicates to one follower. */
enum raft_pr_state {
	RAFT_PR_PROBE = 0,	/* One append at a time, until one fits. */
	RAFT_PR_REPLICATE,	/* Pipelined appends. */
	RAFT_PR_SNAPSHOT,	/* Sending a snapshot, chunk by chunk. */
};

/* What the node knows of one member (itself included). */
struct raft_progress {
	uint32_t id;
	bool voter;
	bool recent_active;	/* Heard from since the last quorum check. */
	uint8_t state;		/* enum raft_pr_state. */
	bool paused;		/* PROBE: an append is out. */
	uint8_t vote;		/* 0 none, 1 granted, 2 refused. */
	uint64_t match, next;
	/* REPLICATE: last index of each append in flight, oldest first. */
	uint64_t inflight[RAFT_INFLIGHT_MAX];
	uint32_t in_start, in_count;
	/* SNAPSHOT: which one, how far the follower has it, since when. */
	uint64_t snap_index;
	uint32_t snap_offset;
	uint32_t snap_idle;
};

struct raft {
	struct raft_config cfg;
	uint64_t rng;
	enum raft_role role;
	uint64_t term;
	uint32_t vote;
	uint32_t lead;
	uint64_t commit, applied, stable;

	/* The log: entries first .. first + log_n - 1, first = snap + 1. */
	struct raft_entry *log;
	size_t log_n, log_cap;
	struct raft_snapshot snap;
	uint8_t *snap_data;
	bool snap_pending;	/* Received, not yet handed out. */

	/* Each allocated on its own, so that a pointer to one stays valid. */
	struct raft_progress **prs;
	uint32_t n_prs, prs_cap;
	uint32_t self;		/* Index of this node in prs. */

	uint32_t election_elapsed, heartbeat_elapsed, timeout;
	uint32_t hb_rounds;		/* Heartbeat rounds, for learners'. */
	uint32_t transferee;
	uint64_t term_start;	/* Leader: index of its first entry. */

	/* A snapshot being received. */
	uint8_t *rx;
	uint32_t rx_len, rx_total;
	uint64_t rx_index, rx_term;
	uint32_t rx_voters[RAFT_VOTERS_MAX], rx_n_voters;

	struct raft_out *out;
	size_t out_n, out_cap;
	struct raft_hard_state saved;	/* As of the last advance. */
	uint64_t lost_index, lost_term;	/* raft.h: lost state. */
	bool disk_failed;
	struct raft_stats stats;
};

#define RAFT_ROLE_NAME(id, name) [id] = name,
static const char *const raft_role_names[RAFT_ROLE_MAX] = {
	RAFT_ROLE_TABLE(RAFT_ROLE_NAME)
};
#undef RAFT_ROLE_NAME

void
raft_config_default(struct raft_config *c)
{
	memset(c, 0, sizeof(*c));
	c->election_ticks = 10;
	c->heartbeat_ticks = 1;
	c->max_inflight = 8;
}

/*
 * ---- the in-memory log ----
 *
 * The entries after the snapshot, in r->log. raft_mem_* change what the
 * node holds in memory; persisting it is the caller's (raft_log.c, the
 * log on disk, is one way).
 */

static inline uint64_t
raft_last(const struct raft *r)
{
	return r->snap.index + r->log_n;
}

const struct raft_entry *
raft_entry_at(const struct raft *r, uint64_t index)
{
	if (index <= r->snap.index || index > raft_last(r))
		return NULL;
	return &r->log[index - r->snap.index - 1];
}

bool
raft_term_at(const struct raft *r, uint64_t index, uint64_t *term)
{
	const struct raft_entry *e;

	if (index == r->snap.index) {
		*term = r->snap.term;
		return true;
	}
	e = raft_entry_at(r, index);
	if (e == NULL)
		return false;
	*term = e->term;
	return true;
}

static uint64_t
raft_last_term(const struct raft *r)
{
	uint64_t t = 0;

	raft_assert(raft_term_at(r, raft_last(r), &t));
	return t;
}

static bool
raft_match_term(const struct raft *r, uint64_t index, uint64_t term)
{
	uint64_t t;

	return raft_term_at(r, index, &t) && t == term;
}

/* Drop entries from index on (index > snap.index). */
static void
raft_mem_truncate(struct raft *r, uint64_t index)
{
	raft_assert(index > r->snap.index);
	while (raft_last(r) >= index) {
		free((void *)r->log[r->log_n - 1].data);
		r->log_n--;
	}
	if (r->stable >= index)
		r->stable = index - 1;
}

/* Append a copy of e, which must be the next index. */
static int
raft_mem_push(struct raft *r, const struct raft_entry *e)
{
	raft_assert(e->index == raft_last(r) + 1);
	if (r->log_n == r->log_cap) {
		size_t cap = grow_cap(r->log_cap, 64);

		if (grow_array(&r->log, cap, sizeof(*r->log)) != 0)
			return -ENOMEM;
		r->log_cap = cap;
	}
	if (raft_entry_copy(&r->log[r->log_n], e) != 0)
		return -ENOMEM;
	r->log_n++;
	return 0;
}

/* Drop entries up to index (compaction), keeping the rest. */
static void
raft_mem_drop_prefix(struct raft *r, uint64_t index)
{
	size_t k;

	if (index <= r->snap.index)
		return;
	k = index - r->snap.index;
	if (k > r->log_n)
		k = r->log_n;
	for (size_t i = 0; i < k; i++)
		free((void *)r->log[i].data);
	if (k > 0 && k < r->log_n)
		memmove(r->log, r->log + k,
				(r->log_n - k) * sizeof(*r->log));
	r->log_n -= k;
}

/*
 * The largest index at or below index whose term is at most term: where
 * the leader and a follower may agree (fast backtracking). Stops at the
 * snapshot, whose index is always a safe answer.
 */
static uint64_t
raft_find_conflict_by_term(const struct raft *r, uint64_t index,
		uint64_t term)
{
	uint64_t t;

	if (index > raft_last(r))
		index = raft_last(r);
	while (index > r->snap.index) {
		raft_assert(raft_term_at(r, index, &t));
		if (t <= term)
			break;
		index--;
	}
	return index;
}

/* ---- configuration ---- */

static struct raft_progress *
raft_pr(struct raft *r, uint32_t id)
{
	for (uint32_t i = 0; i < r->n_prs; i++)
		if (r->prs[i]->id == id)
			return r->prs[i];
	return NULL;
}

static struct raft_progress *
raft_pr_add(struct raft *r, uint32_t id)
{
	struct raft_progress *pr = raft_pr(r, id);

	if (pr != NULL)
		return pr;
	if (r->n_prs == RAFT_NODES_MAX)
		return NULL;
	if (r->n_prs == r->prs_cap) {
		uint32_t cap = (uint32_t)grow_cap(r->prs_cap, 8);

		if (grow_array(&r->prs, cap, sizeof(*r->prs)) != 0)
			return NULL;
		r->prs_cap = cap;
	}
	pr = calloc(1, sizeof(*pr));
	if (pr == NULL)
		return NULL;
	r->prs[r->n_prs++] = pr;
	pr->id = id;
	pr->next = raft_last(r) + 1;
	return pr;
}

static uint32_t
raft_voter_count(const struct raft *r)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < r->n_prs; i++)
		n += r->prs[i]->voter;
	return n;
}

static uint32_t
raft_quorum(const struct raft *r)
{
	return raft_voter_count(r) / 2 + 1;
}

/*
 * Recompute the voters from the snapshot's set and every voter change in
 * the log: a change takes effect as soon as it is in the log, and a
 * truncated one is undone.
 */
static void
raft_conf_recompute(struct raft *r)
{
	for (uint32_t i = 0; i < r->n_prs; i++)
		r->prs[i]->voter = false;
	for (uint32_t i = 0; i < r->snap.n_voters; i++) {
		struct raft_progress *pr = raft_pr_add(r, r->snap.voters[i]);

		raft_assert(pr != NULL);
		pr->voter = true;
	}
	for (size_t i = 0; i < r->log_n; i++) {
		const struct raft_entry *e = &r->log[i];
		struct raft_voter_change vc;
		struct raft_progress *pr;

		if (e->type != RAFT_ENTRY_VOTER)
			continue;
		raft_assert(raft_voter_change_decode(e->data, e->len, &vc) ==
				RAFT_WIRE_OK);
		pr = raft_pr_add(r, vc.id);
		raft_assert(pr != NULL);
		pr->voter = vc.op == RAFT_VOTER_ADD;
	}
	for (uint32_t i = 0; i < r->n_prs; i++)
		if (r->prs[i]->id == r->cfg.id)
			r->self = i;
}

/* The voters as of index (at or after the snapshot), for a snapshot. */
static uint32_t
raft_voters_at(const struct raft *r, uint64_t index, uint32_t *ids)
{
	uint32_t n = r->snap.n_voters;

	memcpy(ids, r->snap.voters, n * sizeof(*ids));
	for (uint64_t i = r->snap.index + 1; i <= index; i++) {
		const struct raft_entry *e = raft_entry_at(r, i);
		struct raft_voter_change vc;
		uint32_t k;

		if (e->type != RAFT_ENTRY_VOTER)
			continue;
		raft_assert(raft_voter_change_decode(e->data, e->len, &vc) ==
				RAFT_WIRE_OK);
		for (k = 0; k < n && ids[k] != vc.id; k++)
			;
		if (vc.op == RAFT_VOTER_ADD && k == n) {
			raft_assert(n < RAFT_VOTERS_MAX);
			ids[n++] = vc.id;
		} else if (vc.op == RAFT_VOTER_REMOVE && k < n) {
			ids[k] = ids[--n];
		}
	}
	return n;
}

/* The index of the latest voter change in the log (0 if none). */
static uint64_t
raft_conf_index(const struct raft *r)
{
	for (size_t i = r->log_n; i > 0; i--)
		if (r->log[i - 1].type == RAFT_ENTRY_VOTER)
			return r->log[i - 1].index;
	return 0;
}

static inline bool
raft_self_voter(const struct raft *r)
{
	return r->prs[r->self]->voter;
}

/* ---- sending ---- */

static void
raft_send(struct raft *r, struct raft_msg *m)
{
	struct raft_out *o;

	if (r->out_n == r->out_cap) {
		size_t cap = grow_cap(r->out_cap, 16);

		if (grow_array(&r->out, cap, sizeof(*r->out)) != 0) {
			/* Like a lost message: Raft recovers. */
			r->stats.dropped++;
			return;
		}
		r->out_cap = cap;
	}
	m->from = r->cfg.id;
	o = &r->out[r->out_n];
	o->to = m->to;
	o->len = (uint16_t)raft_encode(m, o->buf, sizeof(o->buf));
	raft_assert(o->len != 0);
	r->out_n++;
	r->stats.sent++;
}

/* A message of this type to `to` at the current term, zeroed. */
static void
raft_msg_init(const struct raft *r, struct raft_msg *m, uint8_t type,
		uint32_t to)
{
	memset(m, 0, offsetof(struct raft_msg, entries));
	m->snap_total = 0;
	m->snap_offset = 0;
	m->chunk_len = 0;
	m->chunk = NULL;
	m->n_voters = 0;
	m->type = type;
	m->to = to;
	m->term = r->term;
}

static void
raft_inflight_add(struct raft_progress *pr, uint64_t last)
{
	raft_assert(pr->in_count < RAFT_INFLIGHT_MAX);
	pr->inflight[(pr->in_start + pr->in_count) % RAFT_INFLIGHT_MAX] = last;
	pr->in_count++;
}

/* Forget the appends in flight up to index (acknowledged). */
static void
raft_inflight_free_to(struct raft_progress *pr, uint64_t index)
{
	while (pr->in_count > 0 && pr->inflight[pr->in_start] <= index) {
		pr->in_start = (pr->in_start + 1) % RAFT_INFLIGHT_MAX;
		pr->in_count--;
	}
}

static void
raft_pr_become(struct raft *r, struct raft_progress *pr, uint8_t state)
{
	pr->state = state;
	pr->paused = false;
	pr->in_start = pr->in_count = 0;
	pr->snap_idle = 0;
	if (state != RAFT_PR_SNAPSHOT)
		pr->next = pr->match + 1;
	(void)r;
}

/* Send the chunk of the snapshot the follower wants next. */
static void
raft_send_snapshot_chunk(struct raft *r, struct raft_progress *pr)
{
	struct raft_msg m;
	uint32_t left;

	raft_msg_init(r, &m, RAFT_SNAPSHOT, pr->id);
	m.index = r->snap.index;
	m.log_term = r->snap.term;
	m.snap_total = r->snap.len;
	m.snap_offset = pr->snap_offset;
	left = r->snap.len - pr->snap_offset;
	m.chunk_len = (uint16_t)(left < RAFT_SNAP_CHUNK_MAX ?
			left : RAFT_SNAP_CHUNK_MAX);
	m.chunk = r->snap.data + pr->snap_offset;
	m.n_voters = (uint8_t)r->snap.n_voters;
	memcpy(m.voters, r->snap.voters, r->snap.n_voters * sizeof(uint32_t));
	pr->snap_idle = 0;
	raft_send(r, &m);
	r->stats.snapshots_sent++;
}

static void
raft_start_snapshot(struct raft *r, struct raft_progress *pr)
{
	raft_pr_become(r, pr, RAFT_PR_SNAPSHOT);
	pr->snap_index = r->snap.index;
	pr->snap_offset = 0;
	raft_send_snapshot_chunk(r, pr);
}

/*
 * Send the follower the entries from its next index, as many as fit one
 * message; an empty append (carrying the commit) only if if_empty.
 * Returns whether something was sent.
 */
static bool
raft_send_append(struct raft *r, struct raft_progress *pr, bool if_empty)
{
	struct raft_msg m;
	uint64_t prev = pr->next - 1, prev_term;
	size_t len = RAFT_APPEND_FIXED;
	uint16_t n = 0;

	if (pr == r->prs[r->self] || pr->state == RAFT_PR_SNAPSHOT)
		return false;
	if (pr->state == RAFT_PR_PROBE && pr->paused)
		return false;
	if (pr->state == RAFT_PR_REPLICATE &&
			pr->in_count >= r->cfg.max_inflight)
		return false;
	if (!raft_term_at(r, prev, &prev_term)) {
		/* Compacted away: only a snapshot can catch it up. */
		raft_start_snapshot(r, pr);
		return true;
	}
	raft_msg_init(r, &m, RAFT_APPEND, pr->id);
	m.index = prev;
	m.log_term = prev_term;
	m.commit = r->commit;
	for (uint64_t i = pr->next; i <= raft_last(r) &&
			n < RAFT_APPEND_ENTRIES_MAX; i++) {
		const struct raft_entry *e = raft_entry_at(r, i);

		if (len + RAFT_ENTRY_HDR_LEN + e->len > RAFT_MSG_MAX)
			break;
		len += RAFT_ENTRY_HDR_LEN + e->len;
		m.entries[n++] = *e;
	}
	if (n == 0 && !if_empty)
		return false;
	m.n_entries = n;
	raft_send(r, &m);
	if (pr->state == RAFT_PR_PROBE) {
		pr->paused = true;
	} else if (n > 0) {
		/* Optimistic: assume it arrives, send what follows next. */
		pr->next = m.entries[n - 1].index + 1;
		raft_inflight_add(pr, m.entries[n - 1].index);
	}
	return true;
}

/* Send each follower what it can take now. */
static void
raft_bcast_append(struct raft *r, bool if_empty)
{
	for (uint32_t i = 0; i < r->n_prs; i++) {
		struct raft_progress *pr = r->prs[i];

		if (i == r->self)
			continue;
		if (!raft_send_append(r, pr, if_empty))
			continue;
		while (pr->state == RAFT_PR_REPLICATE &&
				raft_send_append(r, pr, false))
			;
	}
}

static void
raft_bcast_heartbeat(struct raft *r)
{
	/*
	 * Learners do not time out elections: they hear a heartbeat every
	 * half election timeout rather than every one, so that a leader of
	 * thousands of them sends a fifth of the messages. New entries and
	 * commits still reach them at once (raft_bcast_append).
	 */
	uint32_t every = r->cfg.election_ticks / (2 * r->cfg.heartbeat_ticks);
	bool learners = every <= 1 || r->hb_rounds++ % every == 0;

	for (uint32_t i = 0; i < r->n_prs; i++) {
		struct raft_progress *pr = r->prs[i];
		struct raft_msg m;

		if (i == r->self)
			continue;
		if (pr->voter || learners) {
			raft_msg_init(r, &m, RAFT_HEARTBEAT, pr->id);
			/* Only what it is known to hold may commit. */
			m.commit = pr->match < r->commit ? pr->match :
					r->commit;
			raft_send(r, &m);
		}
		if (pr->state == RAFT_PR_SNAPSHOT &&
				++pr->snap_idle >= 2 * r->cfg.heartbeat_ticks)
			raft_send_snapshot_chunk(r, pr);
	}
}

/* ---- roles ---- */

static void
raft_reset_timeout(struct raft *r)
{
	uint64_t draw = prng_splitmix64(&r->rng);

	r->election_elapsed = 0;
	r->timeout = r->cfg.election_ticks +
			(uint32_t)(draw % r->cfg.election_ticks);
}

static void
raft_become_follower(struct raft *r, uint64_t term, uint32_t lead)
{
	if (term != r->term) {
		raft_assert(term > r->term);
		r->term = term;
		r->vote = 0;
	}
	r->role = RAFT_FOLLOWER;
	r->lead = lead;
	r->transferee = 0;
	r->heartbeat_elapsed = 0;
	raft_reset_timeout(r);
}

static void
raft_reset_votes(struct raft *r)
{
	for (uint32_t i = 0; i < r->n_prs; i++)
		r->prs[i]->vote = 0;
}

/* Count a vote; returns 1 if won, -1 if lost, 0 if undecided. */
static int
raft_tally(struct raft *r, struct raft_progress *pr, bool granted)
{
	uint32_t yes = 0, no = 0, q = raft_quorum(r);

	if (pr->voter && pr->vote == 0)
		pr->vote = granted ? 1 : 2;
	for (uint32_t i = 0; i < r->n_prs; i++) {
		if (!r->prs[i]->voter)
			continue;
		yes += r->prs[i]->vote == 1;
		no += r->prs[i]->vote == 2;
	}
	if (yes >= q)
		return 1;
	if (no >= q)
		return -1;
	return 0;
}

static void raft_become_leader(struct raft *r);

/* Ask every other voter; pre is the pre-vote round. */
static void
raft_campaign(struct raft *r, bool pre, bool transfer)
{
	uint8_t type;
	uint64_t term;

	if (pre) {
		r->role = RAFT_PRECANDIDATE;
		r->lead = 0;
		term = r->term + 1;
		type = RAFT_PREVOTE;
		r->stats.prevotes++;
	} else {
		r->role = RAFT_CANDIDATE;
		r->term++;
		r->vote = r->cfg.id;
		r->lead = 0;
		term = r->term;
		type = RAFT_VOTE;
		r->stats.elections++;
	}
	raft_reset_timeout(r);
	raft_reset_votes(r);
	if (raft_tally(r, r->prs[r->self], true) == 1) {
		/* A single voter wins at once. */
		if (pre)
			raft_campaign(r, false, transfer);
		else
			raft_become_leader(r);
		return;
	}
	for (uint32_t i = 0; i < r->n_prs; i++) {
		struct raft_msg m;

		if (i == r->self || !r->prs[i]->voter)
			continue;
		raft_msg_init(r, &m, type, r->prs[i]->id);
		m.term = term;
		m.index = raft_last(r);
		m.log_term = raft_last_term(r);
		m.flags = transfer ? RAFT_F_TRANSFER : 0;
		raft_send(r, &m);
	}
}

static void raft_maybe_commit(struct raft *r);

static void
raft_become_leader(struct raft *r)
{
	struct raft_entry noop = {
		.term = r->term, .index = raft_last(r) + 1,
		.type = RAFT_ENTRY_NOOP,
	};

	raft_assert(r->role == RAFT_CANDIDATE);
	r->role = RAFT_LEADER;
	r->lead = r->cfg.id;
	r->transferee = 0;
	r->heartbeat_elapsed = 0;
	r->election_elapsed = 0;
	r->stats.became_leader++;
	for (uint32_t i = 0; i < r->n_prs; i++) {
		struct raft_progress *pr = r->prs[i];

		pr->match = 0;
		raft_pr_become(r, pr, RAFT_PR_PROBE);
		pr->next = raft_last(r) + 1;
		pr->recent_active = true;
	}
	/*
	 * An entry of its own term: the leader can commit nothing of older
	 * terms until one of its own commits (Raft, 5.4.2).
	 */
	if (raft_mem_push(r, &noop) != 0)
		abort();
	r->term_start = noop.index;
	r->prs[r->self]->match = raft_last(r);
	r->prs[r->self]->next = raft_last(r) + 1;
	raft_maybe_commit(r);
	raft_bcast_append(r, true);
}

/* ---- the leader ---- */

static int
raft_cmp_u64_desc(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/* Commit what a quorum of voters holds, if it is of this term. */
static void
raft_maybe_commit(struct raft *r)
{
	uint64_t m[RAFT_VOTERS_MAX + 1], idx, t;
	uint32_t n = 0;

	for (uint32_t i = 0; i < r->n_prs && n <= RAFT_VOTERS_MAX; i++)
		if (r->prs[i]->voter)
			m[n++] = r->prs[i]->match;
	if (n == 0)
		return;
	qsort(m, n, sizeof(m[0]), raft_cmp_u64_desc);
	idx = m[raft_quorum(r) - 1];
	if (idx <= r->commit || !raft_term_at(r, idx, &t) || t != r->term)
		return;
	r->commit = idx;
	raft_bcast_append(r, true);
}

static void
raft_send_timeout_now(struct raft *r, uint32_t to)
{
	struct raft_msg m;

	raft_msg_init(r, &m, RAFT_TIMEOUT_NOW, to);
	raft_send(r, &m);
	r->stats.transfers++;
}

static void
raft_leader_append_resp(struct raft *r, struct raft_progress *pr,
		const struct raft_msg *m)
{
	if ((m->flags & RAFT_F_LOST) && m->hint_index < pr->match) {
		/*
		 * It lost its state (raft.h): what it acknowledged is gone
		 * from it. Forget its match and find where it stands.
		 */
		pr->match = 0;
		if (pr->state == RAFT_PR_SNAPSHOT)
			return;
		raft_pr_become(r, pr, RAFT_PR_PROBE);
		pr->next = m->hint_index + 1;
		raft_send_append(r, pr, true);
		return;
	}
	if (m->flags & RAFT_F_REJECT) {
		uint64_t probe;

		/* Stale rejections (reordered, duplicated) change nothing. */
		if (pr->state == RAFT_PR_SNAPSHOT)
			return;
		if (pr->state == RAFT_PR_REPLICATE && m->index <= pr->match)
			return;
		if (pr->state == RAFT_PR_PROBE && m->index != pr->next - 1)
			return;
		probe = m->hint_index;
		if (m->hint_term > 0)
			probe = raft_find_conflict_by_term(r, m->hint_index,
					m->hint_term);
		raft_pr_become(r, pr, RAFT_PR_PROBE);
		pr->next = probe + 1 < m->index ? probe + 1 : m->index;
		if (pr->next <= pr->match)
			pr->next = pr->match + 1;
		raft_send_append(r, pr, true);
		return;
	}
	if (m->index > pr->match) {
		pr->match = m->index;
		if (pr->next <= m->index)
			pr->next = m->index + 1;
		if (pr->state == RAFT_PR_PROBE)
			raft_pr_become(r, pr, RAFT_PR_REPLICATE);
		else if (pr->state == RAFT_PR_SNAPSHOT &&
				pr->match >= pr->snap_index)
			raft_pr_become(r, pr, RAFT_PR_PROBE);
		else
			raft_inflight_free_to(pr, m->index);
		raft_maybe_commit(r);
		if (r->transferee == pr->id && pr->match == raft_last(r))
			raft_send_timeout_now(r, pr->id);
	} else if (pr->state == RAFT_PR_PROBE) {
		/* An old index, but the follower answered: probe again. */
		pr->paused = false;
	}
	while (raft_send_append(r, pr, false) &&
			pr->state == RAFT_PR_REPLICATE)
		;
}

static void
raft_leader_step(struct raft *r, struct raft_progress *pr,
		const struct raft_msg *m)
{
	pr->recent_active = true;
	switch (m->type) {
	case RAFT_APPEND_RESP:
		raft_leader_append_resp(r, pr, m);
		break;
	case RAFT_HEARTBEAT_RESP:
		if (pr->state == RAFT_PR_PROBE)
			pr->paused = false;
		else if (pr->state == RAFT_PR_REPLICATE &&
				pr->in_count >= r->cfg.max_inflight)
			/* Maybe lost: make room for one more. */
			raft_inflight_free_to(pr, pr->inflight[pr->in_start]);
		if (pr->match < raft_last(r))
			raft_send_append(r, pr, true);
		break;
	case RAFT_SNAPSHOT_RESP:
		if (pr->state != RAFT_PR_SNAPSHOT)
			break;
		if (m->index != r->snap.index) {
			/* The follower has an older one: start ours over. */
			raft_start_snapshot(r, pr);
			break;
		}
		pr->snap_index = r->snap.index;
		pr->snap_offset = m->snap_offset < r->snap.len ?
				m->snap_offset : r->snap.len;
		if (pr->snap_offset < r->snap.len || r->snap.len == 0)
			raft_send_snapshot_chunk(r, pr);
		break;
	default:
		break;
	}
}

/* ---- followers ---- */

static void
raft_reply_append(struct raft *r, const struct raft_msg *m, uint64_t index,
		bool reject, uint64_t hint_index, uint64_t hint_term)
{
	struct raft_msg o;

	raft_msg_init(r, &o, RAFT_APPEND_RESP, m->from);
	o.index = index;
	if (reject) {
		o.flags = RAFT_F_REJECT |
				(r->lost_index != 0 ? RAFT_F_LOST : 0);
		o.hint_index = hint_index;
		o.hint_term = hint_term;
	}
	raft_send(r, &o);
}

static void
raft_handle_append(struct raft *r, const struct raft_msg *m)
{
	uint64_t last_new = m->index + m->n_entries, c;
	bool conf = false;

	if (m->index < r->commit) {
		/* Old news: say where we are. */
		raft_reply_append(r, m, r->commit, false, 0, 0);
		return;
	}
	if (!raft_match_term(r, m->index, m->log_term)) {
		uint64_t hint = m->index < raft_last(r) ? m->index :
				raft_last(r), t = 0;

		hint = raft_find_conflict_by_term(r, hint, m->log_term);
		raft_assert(raft_term_at(r, hint, &t));
		r->stats.append_rejects++;
		raft_reply_append(r, m, m->index, true, hint, t);
		return;
	}
	/* Skip what we already hold; cut at the first conflict. */
	for (c = 0; c < m->n_entries; c++) {
		const struct raft_entry *e = &m->entries[c];

		if (!raft_match_term(r, e->index, e->term))
			break;
	}
	if (c < m->n_entries) {
		uint64_t from = m->entries[c].index;

		raft_assert(from > r->commit);
		if (from <= raft_last(r)) {
			conf = raft_conf_index(r) >= from;
			raft_mem_truncate(r, from);
		}
		for (; c < m->n_entries; c++) {
			if (raft_mem_push(r, &m->entries[c]) != 0) {
				/* Acknowledge only what we hold. */
				last_new = raft_last(r);
				break;
			}
			conf |= m->entries[c].type == RAFT_ENTRY_VOTER;
		}
		if (conf)
			raft_conf_recompute(r);
	}
	c = m->commit < last_new ? m->commit : last_new;
	if (c > r->commit)
		r->commit = c;
	raft_reply_append(r, m, last_new, false, 0, 0);
}

static void
raft_reply_snapshot(struct raft *r, const struct raft_msg *m)
{
	struct raft_msg o;

	raft_msg_init(r, &o, RAFT_SNAPSHOT_RESP, m->from);
	o.index = m->index;
	o.snap_offset = r->rx_index == m->index && r->rx_term == m->log_term ?
			r->rx_len : 0;
	raft_send(r, &o);
}

/* Replace the log with a complete received snapshot. */
static void
raft_install(struct raft *r)
{
	raft_mem_truncate(r, r->snap.index + 1);
	free(r->snap_data);
	r->snap_data = r->rx;
	r->rx = NULL;
	r->snap.index = r->rx_index;
	r->snap.term = r->rx_term;
	r->snap.n_voters = r->rx_n_voters;
	memcpy(r->snap.voters, r->rx_voters,
			r->rx_n_voters * sizeof(uint32_t));
	r->snap.len = r->rx_total;
	r->snap.data = r->snap_data;
	r->snap_pending = true;
	r->commit = r->applied = r->stable = r->snap.index;
	r->rx_index = r->rx_term = 0;
	r->rx_len = r->rx_total = 0;
	raft_conf_recompute(r);
	r->stats.snapshots_installed++;
}

static void
raft_handle_snapshot(struct raft *r, const struct raft_msg *m)
{
	if (m->index <= r->commit) {
		raft_reply_append(r, m, r->commit, false, 0, 0);
		return;
	}
	if (raft_match_term(r, m->index, m->log_term)) {
		/* We hold it already: it is committed, nothing to install. */
		r->commit = m->index;
		raft_reply_append(r, m, m->index, false, 0, 0);
		return;
	}
	if (m->snap_offset == 0 && (r->rx == NULL ||
			r->rx_index != m->index || r->rx_term != m->log_term ||
			r->rx_total != m->snap_total)) {
		uint8_t *rx = malloc(m->snap_total > 0 ? m->snap_total : 1);

		if (rx == NULL)
			return;
		free(r->rx);
		r->rx = rx;
		r->rx_index = m->index;
		r->rx_term = m->log_term;
		r->rx_total = m->snap_total;
		r->rx_len = 0;
		r->rx_n_voters = m->n_voters;
		memcpy(r->rx_voters, m->voters, m->n_voters * sizeof(uint32_t));
	}
	if (r->rx_index != m->index || r->rx_term != m->log_term ||
			r->rx_total != m->snap_total ||
			m->snap_offset != r->rx_len) {
		raft_reply_snapshot(r, m);
		return;
	}
	if (m->chunk_len > 0)
		memcpy(r->rx + r->rx_len, m->chunk, m->chunk_len);
	r->rx_len += m->chunk_len;
	if (r->rx_len < r->rx_total) {
		raft_reply_snapshot(r, m);
		return;
	}
	if (r->cfg.snapshot_ok != NULL && !r->cfg.snapshot_ok(r->rx,
			r->rx_total, r->cfg.snapshot_arg)) {
		/*
		 * Not a valid state: drop it and say nothing. The leader
		 * sends the last chunk again after two heartbeats, hears
		 * that nothing is held, and starts over.
		 */
		free(r->rx);
		r->rx = NULL;
		r->rx_index = r->rx_term = 0;
		r->rx_len = r->rx_total = 0;
		r->stats.snapshots_refused++;
		return;
	}
	raft_install(r);
	raft_reply_append(r, m, r->snap.index, false, 0, 0);
}

/*
 * A node that lost state is whole again once a leader has it commit
 * what it may have acknowledged (raft.h).
 */
static void
raft_maybe_whole(struct raft *r)
{
	uint64_t t;

	if (r->lost_index == 0 || r->role != RAFT_FOLLOWER || r->lead == 0)
		return;
	if (r->commit >= r->lost_index || (r->term > r->lost_term &&
			raft_term_at(r, r->commit, &t) && t == r->term)) {
		r->lost_index = 0;
		r->lost_term = 0;
	}
}

/* ---- votes ---- */

/* A candidate whose log ends at index, term is at least as up to date. */
static bool
raft_candidate_up_to_date(const struct raft *r, uint64_t index, uint64_t term)
{
	uint64_t lt = raft_last_term(r);

	return term > lt || (term == lt && index >= raft_last(r));
}

static void
raft_handle_vote_req(struct raft *r, const struct raft_msg *m)
{
	struct raft_msg o;
	bool pre = m->type == RAFT_PREVOTE, grant;

	if (pre)
		grant = m->term > r->term;
	else
		grant = m->term == r->term && (r->vote == m->from ||
				(r->vote == 0 && r->lead == 0));
	/*
	 * Whether this node is a voter in its own log does not matter: the
	 * candidate counts the votes of its own configuration, and a node
	 * added or removed there may not have the change yet (Ongaro's
	 * thesis, 4.2.1). Refusing would leave a change in flight without a
	 * quorum when an old voter is down.
	 */
	grant = grant && raft_candidate_up_to_date(r, m->index, m->log_term);
	if (grant && r->lost_index != 0) {
		/* It may have lost entries its votes vouched for. */
		grant = false;
		r->stats.votes_withheld++;
	}
	raft_msg_init(r, &o, pre ? RAFT_PREVOTE_RESP : RAFT_VOTE_RESP,
			m->from);
	if (grant) {
		/* A granted pre-vote speaks at the term it was asked for. */
		o.term = m->term;
		if (!pre) {
			r->vote = m->from;
			r->election_elapsed = 0;
		}
	} else {
		o.flags = RAFT_F_REJECT;
	}
	raft_send(r, &o);
}

static void
raft_handle_vote_resp(struct raft *r, struct raft_progress *pr,
		const struct raft_msg *m)
{
	bool pre = m->type == RAFT_PREVOTE_RESP;
	int res;

	if (pre ? r->role != RAFT_PRECANDIDATE : r->role != RAFT_CANDIDATE)
		return;
	if (!raft_self_voter(r)) {
		/* A voter change made this node a learner meanwhile. */
		raft_become_follower(r, r->term, 0);
		return;
	}
	/* A granted pre-vote carries the term we asked for. */
	if (pre && !(m->flags & RAFT_F_REJECT) && m->term != r->term + 1)
		return;
	if (m->term != r->term && ((m->flags & RAFT_F_REJECT) || !pre))
		return;
	res = raft_tally(r, pr, !(m->flags & RAFT_F_REJECT));
	if (res == 1) {
		if (pre)
			raft_campaign(r, false, false);
		else
			raft_become_leader(r);
	} else if (res == -1) {
		raft_become_follower(r, r->term, 0);
	}
}

/* ---- the entry points ---- */

struct raft *
raft_new(const struct raft_config *c)
{
	struct raft *r;
	bool self_known = false;

	if (c->id == 0 || c->n_voters == 0 || c->n_voters > RAFT_VOTERS_MAX ||
			c->n_voters + c->n_learners > RAFT_NODES_MAX ||
			c->election_ticks < 2 || c->heartbeat_ticks == 0 ||
			c->heartbeat_ticks >= c->election_ticks ||
			c->max_inflight == 0 ||
			c->max_inflight > RAFT_INFLIGHT_MAX) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->cfg = *c;
	r->rng = c->seed ^ ((uint64_t)c->id << 32);
	for (uint32_t i = 0; i < c->n_voters + c->n_learners; i++) {
		uint32_t id = i < c->n_voters ? c->voters[i] :
				c->learners[i - c->n_voters];

		if (id == 0 || raft_pr(r, id) != NULL) {
			raft_free(r);
			errno = EINVAL;
			return NULL;
		}
		if (raft_pr_add(r, id) == NULL) {
			raft_free(r);
			errno = ENOMEM;
			return NULL;
		}
		self_known |= id == c->id;
	}
	if (!self_known) {
		raft_free(r);
		errno = EINVAL;
		return NULL;
	}
	r->snap.n_voters = c->n_voters;
	memcpy(r->snap.voters, c->voters, c->n_voters * sizeof(uint32_t));
	raft_conf_recompute(r);
	raft_become_follower(r, 0, 0);
	return r;
}

void
raft_free(struct raft *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->log_n; i++)
		free((void *)r->log[i].data);
	free(r->log);
	free(r->snap_data);
	free(r->rx);
	free(r->out);
	for (uint32_t i = 0; i < r->n_prs; i++)
		free(r->prs[i]);
	free(r->prs);
	free(r);
}

int
raft_restore(struct raft *r, const struct raft_hard_state *hs,
		const struct raft_snapshot *snap, const struct raft_entry *ents,
		size_t n)
{
	if (snap != NULL && snap->index > 0) {
		if (snap->n_voters == 0 || snap->n_voters > RAFT_VOTERS_MAX ||
				snap->term == 0 || snap->len > RAFT_SNAP_MAX)
			goto bad;
		free(r->snap_data);
		r->snap_data = malloc(snap->len > 0 ? snap->len : 1);
		if (r->snap_data == NULL)
			return -1;
		if (snap->len > 0)
			memcpy(r->snap_data, snap->data, snap->len);
		r->snap = *snap;
		r->snap.data = r->snap_data;
	}
	for (size_t i = 0; i < n; i++) {
		if (ents[i].index <= r->snap.index)
			continue;
		if (ents[i].index != raft_last(r) + 1 ||
				raft_entry_check(&ents[i]) != RAFT_WIRE_OK ||
				ents[i].term < raft_last_term(r))
			goto bad;
		if (raft_mem_push(r, &ents[i]) != 0)
			return -1;
	}
	if (hs != NULL) {
		r->term = hs->term;
		r->vote = hs->vote;
		r->commit = hs->commit;
		r->lost_index = hs->lost_index;
		r->lost_term = hs->lost_index != 0 ? hs->lost_term : 0;
	}
	if (r->term < raft_last_term(r))
		goto bad;
	if (r->commit < r->snap.index)
		r->commit = r->snap.index;
	if (r->commit > raft_last(r))
		r->commit = raft_last(r);
	r->applied = r->snap.index;
	r->stable = raft_last(r);
	r->saved.term = r->term;
	r->saved.vote = r->vote;
	r->saved.commit = r->commit;
	r->saved.lost_index = r->lost_index;
	r->saved.lost_term = r->lost_term;
	raft_conf_recompute(r);
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

void
raft_tick(struct raft *r)
{
	if (r->disk_failed)
		return;
	r->election_elapsed++;
	if (r->role == RAFT_LEADER) {
		if (++r->heartbeat_elapsed >= r->cfg.heartbeat_ticks) {
			r->heartbeat_elapsed = 0;
			raft_bcast_heartbeat(r);
		}
		if (r->election_elapsed >= r->cfg.election_ticks) {
			uint32_t active = 0;

			r->election_elapsed = 0;
			/* A transfer that has not happened by now won't. */
			r->transferee = 0;
			for (uint32_t i = 0; i < r->n_prs; i++) {
				struct raft_progress *pr = r->prs[i];
				bool heard = i == r->self || pr->recent_active;

				active += pr->voter && heard;
				pr->recent_active = false;
			}
			if (active < raft_quorum(r)) {
				r->stats.quorum_lost++;
				raft_become_follower(r, r->term, 0);
			}
		}
		return;
	}
	if (raft_self_voter(r) && r->lost_index == 0 &&
			r->election_elapsed >= r->timeout)
		raft_campaign(r, true, false);
}

int
raft_step(struct raft *r, const struct raft_msg *m)
{
	struct raft_progress *pr;

	r->stats.received++;
	if (r->disk_failed || m->to != r->cfg.id ||
			(pr = raft_pr(r, m->from)) == NULL) {
		r->stats.dropped++;
		return -1;
	}

	if (m->term > r->term) {
		bool vote_req = m->type == RAFT_PREVOTE || m->type == RAFT_VOTE;

		/*
		 * The leader lease: a voter that hears from its leader does
		 * not help anyone depose it, unless the leader itself asked
		 * (a transfer).
		 */
		if (vote_req && !(m->flags & RAFT_F_TRANSFER) && r->lead != 0 &&
				r->election_elapsed < r->cfg.election_ticks) {
			r->stats.dropped++;
			return -1;
		}
		if (m->type == RAFT_PREVOTE || (m->type == RAFT_PREVOTE_RESP &&
				!(m->flags & RAFT_F_REJECT))) {
			/* Pre-votes change no term. */
		} else if (m->type == RAFT_APPEND ||
				m->type == RAFT_HEARTBEAT ||
				m->type == RAFT_SNAPSHOT) {
			raft_become_follower(r, m->term, m->from);
		} else {
			raft_become_follower(r, m->term, 0);
		}
	} else if (m->term < r->term) {
		struct raft_msg o;

		if (m->type == RAFT_APPEND || m->type == RAFT_HEARTBEAT) {
			/*
			 * A deposed leader (cut off, now back): tell it the
			 * term, so that it steps down instead of waiting for
			 * a pre-vote it would never win.
			 */
			raft_msg_init(r, &o, RAFT_APPEND_RESP, m->from);
			raft_send(r, &o);
		} else if (m->type == RAFT_PREVOTE) {
			raft_msg_init(r, &o, RAFT_PREVOTE_RESP, m->from);
			o.flags = RAFT_F_REJECT;
			raft_send(r, &o);
		}
		return 0;
	}

	switch (m->type) {
	case RAFT_PREVOTE:
	case RAFT_VOTE:
		raft_handle_vote_req(r, m);
		break;
	case RAFT_PREVOTE_RESP:
	case RAFT_VOTE_RESP:
		raft_handle_vote_resp(r, pr, m);
		break;
	case RAFT_APPEND:
	case RAFT_HEARTBEAT:
	case RAFT_SNAPSHOT:
		if (r->role == RAFT_LEADER) {
			/* Two leaders in one term: impossible. */
			raft_assert(r->role != RAFT_LEADER);
		}
		if (r->role != RAFT_FOLLOWER || r->lead != m->from)
			raft_become_follower(r, r->term, m->from);
		r->election_elapsed = 0;
		if (m->type == RAFT_APPEND) {
			raft_handle_append(r, m);
		} else if (m->type == RAFT_SNAPSHOT) {
			raft_handle_snapshot(r, m);
		} else {
			struct raft_msg o;
			uint64_t c = m->commit < raft_last(r) ?
					m->commit : raft_last(r);

			if (c > r->commit)
				r->commit = c;
			raft_msg_init(r, &o, RAFT_HEARTBEAT_RESP, m->from);
			raft_send(r, &o);
		}
		raft_maybe_whole(r);
		break;
	case RAFT_TIMEOUT_NOW:
		if (r->role != RAFT_LEADER && raft_self_voter(r) &&
				r->lost_index == 0)
			raft_campaign(r, false, true);
		break;
	default:
		if (r->role == RAFT_LEADER)
			raft_leader_step(r, pr, m);
		break;
	}
	return 0;
}

/*
 * Whether the leader takes e: 0, or why not (-EIO, -EPERM, -EBUSY,
 * -EINVAL). It stamps e with the term and index it would take.
 */
static int
raft_propose_check(struct raft *r, struct raft_entry *e)
{
	struct raft_voter_change vc;

	if (r->disk_failed)
		return -EIO;
	if (r->role != RAFT_LEADER)
		return -EPERM;
	if (r->transferee != 0 ||
			raft_last(r) - r->commit >= RAFT_UNCOMMITTED_MAX)
		return -EBUSY;
	e->term = r->term;
	e->index = raft_last(r) + 1;
	if (raft_entry_check(e) != RAFT_WIRE_OK)
		return -EINVAL;
	if (e->type == RAFT_ENTRY_VOTER) {
		struct raft_progress *pr;

		/*
		 * One change at a time, and not before an entry of this
		 * term has committed (else a change from a previous term
		 * and this one could overlap).
		 */
		if (raft_conf_index(r) > r->commit || r->commit < r->term_start)
			return -EBUSY;
		raft_assert(raft_voter_change_decode(e->data, e->len, &vc) ==
				RAFT_WIRE_OK);
		pr = raft_pr(r, vc.id);
		if (vc.op == RAFT_VOTER_ADD) {
			bool full = raft_voter_count(r) >= RAFT_VOTERS_MAX ||
					(pr == NULL &&
					r->n_prs >= RAFT_NODES_MAX);

			if ((pr != NULL && pr->voter) || full)
				return -EINVAL;
		} else if (pr == NULL || !pr->voter || vc.id == r->cfg.id ||
				raft_voter_count(r) <= 1) {
			return -EINVAL;
		}
	}
	return 0;
}

int
raft_propose(struct raft *r, struct raft_entry *e)
{
	int rc = raft_propose_check(r, e);

	if (rc == 0 && raft_mem_push(r, e) != 0)
		rc = -EBUSY;
	if (rc != 0) {
		r->stats.proposals_refused++;
		return rc;
	}
	if (e->type == RAFT_ENTRY_VOTER)
		raft_conf_recompute(r);
	r->prs[r->self]->match = raft_last(r);
	r->prs[r->self]->next = raft_last(r) + 1;
	r->stats.proposals++;
	raft_maybe_commit(r);
	raft_bcast_append(r, false);
	return 0;
}

int
raft_add_learner(struct raft *r, uint32_t id)
{
	if (id == 0)
		return -EINVAL;
	/* A new progress starts as a probe at the end of the log. */
	return raft_pr_add(r, id) != NULL ? 0 : -ENOSPC;
}

int
raft_transfer_leadership(struct raft *r, uint32_t to)
{
	struct raft_progress *pr = raft_pr(r, to);

	if (r->role != RAFT_LEADER || r->disk_failed)
		return -EPERM;
	if (pr == NULL || !pr->voter || to == r->cfg.id)
		return -EINVAL;
	if (r->transferee == to)
		return 0;
	r->transferee = to;
	/* It has one election timeout to happen. */
	r->election_elapsed = 0;
	if (pr->match == raft_last(r))
		raft_send_timeout_now(r, to);
	else
		raft_send_append(r, pr, true);
	return 0;
}

bool
raft_ready(struct raft *r, struct raft_ready *rd)
{
	uint64_t last = raft_last(r), to;

	memset(rd, 0, sizeof(*rd));
	if (r->disk_failed)
		return false;
	rd->hard_state.term = r->term;
	rd->hard_state.vote = r->vote;
	rd->hard_state.commit = r->commit;
	rd->hard_state.lost_index = r->lost_index;
	rd->hard_state.lost_term = r->lost_term;
	rd->hard_state_changed = r->term != r->saved.term ||
			r->vote != r->saved.vote ||
			r->commit != r->saved.commit ||
			r->lost_index != r->saved.lost_index ||
			r->lost_term != r->saved.lost_term;
	if (r->snap_pending)
		rd->snapshot = &r->snap;
	raft_assert(r->stable <= last && r->stable >= r->snap.index);
	if (r->stable < last) {
		rd->entries = raft_entry_at(r, r->stable + 1);
		rd->n_entries = last - r->stable;
	}
	rd->msgs = r->out;
	rd->n_msgs = r->out_n;
	to = r->commit < last ? r->commit : last;
	raft_assert(r->applied >= r->snap.index);
	if (to > r->applied) {
		rd->committed = raft_entry_at(r, r->applied + 1);
		rd->n_committed = to - r->applied;
	}
	return rd->hard_state_changed || rd->snapshot != NULL ||
			rd->n_entries > 0 || rd->n_msgs > 0 ||
			rd->n_committed > 0;
}

void
raft_advance(struct raft *r, const struct raft_ready *rd)
{
	r->saved = rd->hard_state;
	r->snap_pending = false;
	if (rd->n_entries > 0)
		r->stable = rd->entries[rd->n_entries - 1].index;
	if (rd->n_committed > 0)
		r->applied = rd->committed[rd->n_committed - 1].index;
	r->out_n = 0;
}

void
raft_persist_failed(struct raft *r)
{
	r->disk_failed = true;
	r->out_n = 0;
	if (r->role != RAFT_FOLLOWER) {
		r->role = RAFT_FOLLOWER;
		r->lead = 0;
		r->transferee = 0;
	}
}

bool
raft_disk_failed(const struct raft *r)
{
	return r->disk_failed;
}

int
raft_compact(struct raft *r, uint64_t index, const uint8_t *data,
		uint32_t len)
{
	uint32_t voters[RAFT_VOTERS_MAX], n;
	uint8_t *copy;
	uint64_t term;

	if (index <= r->snap.index || index > r->applied ||
			len > RAFT_SNAP_MAX || (len > 0 && data == NULL))
		return -EINVAL;
	copy = malloc(len > 0 ? len : 1);
	if (copy == NULL)
		return -ENOMEM;
	if (len > 0)
		memcpy(copy, data, len);
	raft_assert(raft_term_at(r, index, &term));
	n = raft_voters_at(r, index, voters);
	raft_mem_drop_prefix(r, index);
	free(r->snap_data);
	r->snap_data = copy;
	r->snap.index = index;
	r->snap.term = term;
	r->snap.n_voters = n;
	memcpy(r->snap.voters, voters, n * sizeof(uint32_t));
	r->snap.len = len;
	r->snap.data = copy;
	return 0;
}

const struct raft_snapshot *
raft_snapshot(const struct raft *r)
{
	return &r->snap;
}

struct raft_status
raft_status(const struct raft *r)
{
	return (struct raft_status){
		.role = r->role, .leader = r->lead, .term = r->term,
		.commit = r->commit, .applied = r->applied,
		.first_index = r->snap.index + 1, .last_index = raft_last(r),
		.lost = r->lost_index != 0,
	};
}

uint64_t
raft_conf_pending(const struct raft *r)
{
	uint64_t i = raft_conf_index(r);

	return i > r->commit ? i : 0;
}

bool
raft_leader_settled(const struct raft *r)
{
	return r->role == RAFT_LEADER && r->commit >= r->term_start;
}

uint32_t
raft_transferee(const struct raft *r)
{
	return r->role == RAFT_LEADER ? r->transferee : 0;
}

bool
raft_match_of(const struct raft *r, uint32_t id, uint64_t *match)
{
	const struct raft_progress *pr = raft_pr((struct raft *)r, id);

	if (pr == NULL || r->role != RAFT_LEADER)
		return false;
	*match = pr->match;
	return true;
}

bool
raft_is_voter(const struct raft *r, uint32_t id)
{
	const struct raft_progress *pr = raft_pr((struct raft *)r, id);

	return pr != NULL && pr->voter;
}

uint32_t
raft_voters(const struct raft *r, uint32_t *ids, uint32_t cap)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < r->n_prs; i++)
		if (r->prs[i]->voter) {
			if (n < cap)
				ids[n] = r->prs[i]->id;
			n++;
		}
	return n;
}

const struct raft_stats *
raft_stats(const struct raft *r)
{
	return &r->stats;
}

int
raft_entry_copy(struct raft_entry *copy, const struct raft_entry *e)
{
	uint8_t *data = NULL;

	if (e->len > 0) {
		data = malloc(e->len);
		if (data == NULL)
			return -ENOMEM;
		memcpy(data, e->data, e->len);
	}
	*copy = *e;
	copy->data = data;
	return 0;
}

const char *
raft_role_name(enum raft_role role)
{
	return (unsigned int)role < RAFT_ROLE_MAX ?
			raft_role_names[role] : "?";
}
