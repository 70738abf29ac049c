/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor-repl-sim, the simulator of replicated channels
 * (docs/replication.md): one ordered channel on a cluster of N nodes,
 * replicated on R of them, over a simulated network (sim_core.h) that
 * loses, duplicates and delays datagrams (so that they also reorder),
 * reproducible from a seed.
 *
 * What decides is the code the dataplane runs: the owner's view of its
 * replicas and a replica's of what it received (rumor/repl_track.h:
 * repl_owner_*, repl_recv_take), the owner's memory of acknowledged
 * publishes (rumor/pub_dedup.h) and a subscriber node's order and
 * reorder window (rumor/chan_track.h: chan_rx_*). Around it, a model of
 * what dataplane/chan_owner.c, chan_repl.c, chan_handoff.c and
 * chan_subscriber.c do with them:
 *
 * - the owner stamps acked PUBLISHes of one publisher (levels owner,
 *   quorum, all, and some without acknowledgement) in order, never past
 *   committed + REPL_WINDOW (those beyond wait, in order), sends each as
 *   a FANOUT to the subscribers and a REPLICATE to the other replicas,
 *   answers at the level asked once met, and sends again, from its
 *   history, what follows a replica's held that made no progress for
 *   20 ms;
 * - the publisher retries what is unanswered with the same number: the
 *   owner's pub_dedup answers DUPLICATE, or nothing until the level is
 *   met, and never orders a number twice while it owns the channel;
 * - replicas take REPLICATEs through repl_recv_take, keep the message,
 *   and answer cumulative REPL_ACKs; one of an older epoch says STALE;
 * - the owner crashes (and, optionally, a replica) at random times, one
 *   at a time: each crash comes once the failover (or the refill) of the
 *   one before is complete. After a detection delay every node applies
 *   the ring without it; the first surviving member of the set becomes
 *   owner, waits for the dead owner's answer that never comes (250 ms),
 *   asks the old set with REPL_SYNC (every 25 ms) until a majority of
 *   it answered (itself counting, the dead owner not), takes held_max
 *   and continues the stream at held_max + REPL_WINDOW + 1; without a
 *   majority within a second it starts a new stream (a reset, counted,
 *   and a failure unless a majority of the old set was down or held
 *   nothing). Its replica set is the next members among the live nodes;
 * - subscribers (the second one joins late) take FANOUTs and
 *   RETRANSMITs through chan_rx, deliver in order, NACK holes to the
 *   owner of the moment (and the end of a run when the owner's periodic
 *   announcement of its next sequence says so), and give up as a GAP
 *   what a GONE says is gone.
 *
 * Where the dataplane falls short of the design, the model completes it
 * by default, so that the runs check the design; each part can be left
 * out, and --dataplane leaves out the second, which is the dataplane as
 * built (and fails):
 *
 * - --no-fetch: the new owner fetches nothing it lacks up to held_max
 *   (completed: it asks the majority that answered, and says nothing is
 *   GONE before it has it all; without state of its own it takes the
 *   stream from the answers). The dataplane fetches from the replica
 *   that answered held_max (chan_fetch.c), and continues only a stream
 *   it holds;
 * - --no-fill: it stamps past the jump at once (completed: it first
 *   copies its history to each member of its new set, telling where the
 *   stream goes on, and stamps once a majority has both; a REPL_STATE
 *   then says that as its committed, and held_max counts it);
 * - --set-resend: the owner sends again only when the set as a whole
 *   made no progress for 20 ms, as the dataplane did before (the
 *   dataplane and the model: per replica, as the design says);
 * - --gone-from-next: a subscriber gives up from its expected sequence
 *   to a GONE's last, whatever its first, as the dataplane did before
 *   (the dataplane and the model: a GONE that starts further waits, the
 *   RETRANSMITs before it being on their way).
 *
 * --replica-dedup has a replica record the publisher's number of each
 * REPLICATE it takes without a hole before it in its own publish memory,
 * for when it owns the channel, as chan_repl.c does (off by default: the
 * runs of meson check the failover without it).

 * After every event: no sequence of a stream carries two messages
 * anywhere (stamped, stored by a replica, fetched, copied, delivered);
 * an owner orders a number once; a subscriber delivers in sequence and
 * gives up only what GAPs say, never a message acknowledged at quorum or
 * all (unless its stream was lost to a reset with a majority down); the
 * committed an owner computes is held by a majority of its set, by what
 * each replica really stored. At the end, the faults stopped and the
 * run quiet: every acknowledged publish was answered, the subscribers
 * caught up, and every message acknowledged at quorum or all is in the
 * final owner's stream below its next sequence, held by a majority of
 * the live set and delivered to every subscriber that followed the
 * stream from before it.
 *
 * A failing seed prints the command that reproduces it.
 *
 * What it simplifies: one channel and one publisher; the ring of the
 * model is the nodes in index order, the owner the first member and its
 * set the next R - 1 (the dataplane's slots differ, their rule does
 * not); every live node applies a ring at the same instant and crashed
 * nodes stay down; histories are unbounded (the dataplane keeps the last
 * `history` messages); no rate limits; the entry node is left out (the
 * publisher sends to the owner its ring names); subscribers NACK with
 * no limit of tries by default (the dataplane gives a hole up after
 * CHAN_NACK_TRIES_MAX, --nack-tries) and as often as the simulated network's
 * round trip allows (--nack-ms).
 */
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/chan_track.h"
#include "rumor/keyed_hash.h"
#include "rumor/pub_dedup.h"
#include "rumor/repl_track.h"
#include "rumor/repl_wire.h"
#include "sim_core.h"

#define NODES_MAX 16u
#define SUBS_MAX 2u
#define STREAMS_MAX 16u
#define NONE UINT32_MAX
#define W REPL_WINDOW

/* As the dataplane has them. */
#define RESEND_MS 20u		/* CHAN_REPL_RESEND_MS */
#define RESEND_BURST 16u	/* CHAN_REPL_RESEND_BURST */
#define HIST 256u		/* CHAN_HIST: what a resend reaches back. */
#define WAIT_MAX REPL_WINDOW	/* CHAN_WAIT_MAX */
#define HO_GONE_WAIT_MS 250u	/* The dead owner's answer, awaited. */
#define HO_GONE_RETRY_MS 25u	/* REPL_SYNC again. */
#define HO_WAIT_MS 1000u	/* Then a new stream. */

/* The model's own. */
#define TICK_MS 5u
#define CLIENT_RETRY_MS 60u	/* An unanswered publish, again. */
#define BEAT_MS 50u		/* The owner's next sequence, announced. */
#define FETCH_RETRY_MS 20u
#define FILL_BURST 64u		/* Copied a member, a pass (20 ms). */
#define QUIET_MS 4000u		/* The end: faults stopped, run quiet. */
#define CHAN_KEY 0x7275u	/* The channel, to the publish memory. */
#define CLIENT_ID 1u

enum ev_type {
	EV_MSG,
	EV_TICK,
	EV_PUBLISH,
	EV_CRASH,
	EV_DETECT,
	EV_JOIN,
};

enum msg_type {
	M_PUBLISH,
	M_PUB_ACK,
	M_REPLICATE,
	M_REPL_ACK,
	M_REPL_SYNC,
	M_REPL_STATE,
	M_FANOUT,
	M_RETRANSMIT,
	M_GONE,
	M_NACK,
	M_BEAT,
	M_FETCH,		/* The completed failover's: what it lacks, */
	M_FETCHED,		/* answered from a member's history; */
	M_FILL,			/* its history copied to its new set, */
	M_FILL_ACK,		/* taken. */
};

/* Every datagram of the model: the fields its type uses. */
struct msg {
	uint8_t type;
	uint8_t level;		/* PUBLISH: asked; PUB_ACK: met. */
	uint8_t status;		/* PUB_ACK, REPL_ACK. */
	uint32_t asker;		/* A relayed NACK: who asks. */
	uint64_t epoch;		/* The sender's ring. */
	uint64_t stream;
	uint64_t seq;		/* NACK, FETCH: the first asked. */
	uint64_t count;		/* NACK, FETCH: how many; GONE: last. */
	uint64_t msg;		/* The message (its identity). */
	uint64_t number;	/* PUBLISH, PUB_ACK. */
	uint64_t committed;	/* REPLICATE, REPL_STATE, FILL. */
	uint64_t held;		/* REPL_ACK, REPL_STATE. */
	uint64_t v[CHAN_NACK_MAX];	/* FETCHED: each message, or 0. */
};

#define MSG_LEN offsetof(struct msg, v)

/* A growing array, 0 where nothing was set. */
struct vec {
	uint64_t *v;
	size_t n;
};

static uint64_t
vec_get(const struct vec *a, uint64_t i)
{
	return i < a->n ? a->v[i] : 0;
}

static void
vec_set(struct vec *a, uint64_t i, uint64_t x)
{
	if (i >= a->n) {
		size_t n = a->n ? a->n : 256;

		while (n <= i)
			n *= 2;
		a->v = sim_realloc(a->v, n * sizeof(*a->v));
		memset(a->v + a->n, 0, (n - a->n) * sizeof(*a->v));
		a->n = n;
	}
	a->v[i] = x;
}

static void
vec_clear(struct vec *a)
{
	if (a->n > 0)
		memset(a->v, 0, a->n * sizeof(*a->v));
}

static void
vec_free(struct vec *a)
{
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

struct opts {
	uint64_t seed_lo, seed_hi;
	uint32_t nodes, replicas;
	uint32_t publishes;
	uint32_t gap_ms;		/* Mean gap between publishes. */
	struct sim_net net;
	uint32_t crashes;		/* Of the owner. */
	uint32_t replica_crashes;
	int level;			/* -1: the mix. */
	uint32_t subscribers;
	uint32_t seconds;		/* At most, with faults. */
	uint32_t detect_lo, detect_hi;	/* ms to a ring without it. */
	uint32_t nack_tries;		/* 0: no limit. */
	uint32_t nack_ms;		/* 0: from the network's delay. */
	bool no_fetch, no_fill, set_resend, gone_from_next, dataplane;
	bool replica_dedup;
	bool strict_all;
	bool verbose;
};

/* The truth of one stream, and what was acknowledged of it. */
struct stream_rec {
	uint64_t id;
	struct vec truth;		/* seq -> message. */
	struct vec who;			/* seq -> who stamped it, + 1. */
	struct vec ackq;		/* seq -> acked at quorum or all. */
	bool reset;			/* Ended by a new stream. */
	bool lost_ok;			/* ... with a majority of its set
					 * down: what was acknowledged may
					 * be lost. */
};

struct wait {
	uint64_t number, seq;
	uint8_t level;
};

/* A copy of an owner's history to a member of its set. */
struct fill {
	uint32_t id;			/* Node index. */
	uint64_t top;			/* Up to here. */
	uint64_t floor;			/* Where it went on, told. */
	uint64_t left;			/* Sequences not yet taken. */
	uint64_t cursor;		/* Where the next pass starts. */
	struct vec done;		/* seq -> taken (or absent here). */
};

enum fo_state {
	FO_NONE,
	FO_WAIT,			/* For the dead owner's answer. */
	FO_SYNC,			/* For a majority of the old set. */
	FO_FETCH,			/* For what it lacks. */
};

struct node {
	/* Its history: one stream, a replica's or the owner's. */
	uint64_t st_stream;
	struct vec store;		/* seq -> message. */
	bool up;
	/* As a replica. */
	struct repl_recv rr;
	uint64_t seen_stream, seen;	/* The committed it learnt. */
	/* As the owner (the dataplane's channel state). */
	bool owning;
	uint64_t stream, next_seq, base, floor, committed, all;
	struct repl_owner set;
	uint64_t set_epoch;
	bool listed;
	uint64_t tsc;			/* The set's last progress. */
	uint64_t tsc_r[REPL_OTHERS_MAX];	/* Each member's. */
	struct wait wait[WAIT_MAX];
	uint32_t n_wait;
	struct msg *queue;		/* PUBLISHes held, in order. */
	size_t nq, capq;
	struct pub_dedup dd;
	struct pub_dedup_entry *dde;
	struct vec life_seq;		/* number -> seq + 1, owning. */
	struct vec rep_seq;		/* ... taken as a replica. */
	uint64_t checked_c, checked_a;	/* Invariant 4 checked up to. */
	/* Failover. */
	enum fo_state fo;
	uint64_t fo_until, fo_retry;
	uint64_t fo_stream, fo_held;
	uint32_t fo_need, fo_got, fo_n_ask;
	uint32_t fo_ask[NODES_MAX];
	bool fo_answered[NODES_MAX];
	struct vec fetch_absent;	/* seq -> answers that lack it. */
	uint32_t fetch_mask;		/* Of every answer. */
	/* Copies of its history to its set (--no-fill: none). */
	struct fill fill[REPL_OTHERS_MAX];
	uint32_t n_fill;
	bool gate;			/* Stamps nothing until a majority of
					 * its set has its history. */
};

/* The ring of the model: members in index order. */
struct ring {
	uint64_t epoch;
	uint32_t owner;
	uint32_t n_set;			/* The owner first. */
	uint32_t set[RING_REPLICAS_MAX];
};

struct sub {
	bool joined;
	struct chan_rx rx;
	bool pending;			/* A hole asked for. */
	/* What it was given, per stream (index). */
	uint64_t first[STREAMS_MAX];	/* Followed from; 0: never. */
	uint64_t expect[STREAMS_MAX];	/* Next to deliver or give up. */
	struct vec deliv[STREAMS_MAX];	/* seq -> message. */
	struct vec gap[STREAMS_MAX];	/* seq -> given up. */
};

struct pubrec {
	uint8_t level;
	bool sent, answered;
	uint8_t got;			/* The level met, as answered. */
	uint64_t stream, seq;
	uint64_t sent_at;
};

struct stats {
	uint64_t stamped, acked[REPL_LEVEL_MAX], retries, duplicates;
	uint64_t held_back, waited, reordered, failovers, resets, gaps;
	uint64_t gap_seqs, fetched, filled, resent, stale, events;
	uint64_t delivered, not_owner, short_level, window_waits;
};

struct sim {
	struct opts o;
	struct sim_core c;
	uint64_t seed;
	uint32_t n;			/* Nodes; then the publisher, the
					 * subscribers, as endpoints. */
	uint32_t pub_ep;
	struct node nodes[NODES_MAX];
	bool member[NODES_MAX];
	struct ring ring, prev;
	struct stream_rec streams[STREAMS_MAX];
	uint32_t n_streams;
	struct sub *subs;
	uint32_t n_subs;
	/* The publisher. */
	struct pubrec *p;
	uint64_t next_number, low;
	struct vec nstamped;		/* number -> times ordered. */
	/* Crashes, one at a time. */
	uint32_t owner_crashes, replica_crashes;
	bool crash_open;		/* One scheduled or not complete. */
	uint32_t await;			/* Who completes it; NONE. */
	uint32_t await_member;		/* A replica crash: the new. */
	uint64_t detect_at;
	bool faults_over;
	struct stats st;
};

struct totals {
	uint64_t seeds, failed;
	struct stats st;
};

static struct sim *cur;
static char repro[512];

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
		fprintf(stderr, "repl-sim: seed %" PRIu64 " aborted at t=%"
				PRIu64 " ms\nreproduce: %s --seed %" PRIu64
				"\n", cur->seed, cur->c.now, repro, cur->seed);
	signal(SIGABRT, SIG_DFL);
	abort();
}

/* ---- streams and the truth ---- */

static struct stream_rec *
stream_of(struct sim *s, uint64_t id)
{
	for (uint32_t i = 0; i < s->n_streams; i++)
		if (s->streams[i].id == id)
			return &s->streams[i];
	return NULL;
}

static uint32_t
stream_index(struct sim *s, uint64_t id)
{
	struct stream_rec *r = stream_of(s, id);

	return r != NULL ? (uint32_t)(r - s->streams) : NONE;
}

static uint64_t
stream_new(struct sim *s)
{
	struct stream_rec *r;

	if (s->n_streams == STREAMS_MAX) {
		fail(s, 0, "more than %u streams", STREAMS_MAX);
		return s->streams[s->n_streams - 1].id;
	}
	r = &s->streams[s->n_streams++];
	memset(r, 0, sizeof(*r));
	/* Not 0, and unlike any before (a node may hold an old one). */
	r->id = (sim_rand(&s->c) & ~UINT64_C(0xff)) | s->n_streams;
	return r->id;
}

/*
 * Invariant 1: (stream, seq) seen somewhere (what) carrying msg must be
 * what was stamped there.
 */
static void
truth_check(struct sim *s, uint32_t node, uint64_t stream, uint64_t seq,
		uint64_t msg, const char *what)
{
	struct stream_rec *r = stream_of(s, stream);
	uint64_t t;

	if (r == NULL) {
		fail(s, node, "%s of an unknown stream", what);
		return;
	}
	t = vec_get(&r->truth, seq);
	if (t != msg)
		fail(s, node, "two messages at sequence %" PRIu64 ": %s "
				"holds %" PRIx64 ", stamped was %" PRIx64
				" (by node %" PRIu64 ")", seq, what, msg, t,
				vec_get(&r->who, seq));
}

/* ---- the network ---- */

static bool
is_node(const struct sim *s, uint32_t ep)
{
	return ep < s->n;
}

static void
net_send(struct sim *s, uint32_t from, uint32_t to, const struct msg *m)
{
	uint16_t len = m->type == M_FETCHED ? sizeof(*m) : MSG_LEN;
	uint64_t at[2];
	unsigned n;

	if (is_node(s, from) && !s->nodes[from].up)
		return;
	n = sim_send(&s->c, from, to, at);
	for (unsigned k = 0; k < n; k++)
		sim_push(&s->c, (struct sim_event){ .t = at[k],
				.type = EV_MSG, .node = to, .src = from,
				.len = len, .buf = sim_memdup(m, len) });
}

static void
at(struct sim *s, uint64_t t, uint8_t type, uint32_t node)
{
	sim_push(&s->c, (struct sim_event){ .t = t, .type = type,
			.node = node });
}

/* ---- the ring ---- */

static bool
in_ring_set(const struct ring *r, uint32_t i)
{
	for (uint32_t k = 0; k < r->n_set; k++)
		if (r->set[k] == i)
			return true;
	return false;
}

/* The owner is the first member, its set the next R - 1 members. */
static void
ring_compute(struct sim *s, struct ring *r)
{
	uint32_t k;

	r->n_set = 0;
	for (k = 0; k < s->n && !s->member[k]; k++)
		;
	r->owner = k;
	for (uint32_t j = 0; j < s->n && r->n_set < s->o.replicas; j++) {
		uint32_t i = (k + j) % s->n;

		if (s->member[i])
			r->set[r->n_set++] = i;
	}
}

/* ---- histories ---- */

static uint64_t
store_get(const struct node *nd, uint64_t stream, uint64_t seq)
{
	return nd->st_stream == stream ? vec_get(&nd->store, seq) : 0;
}

/* Keep (stream, seq, msg) in node i's history (another stream goes). */
static void
store_put(struct sim *s, uint32_t i, uint64_t stream, uint64_t seq,
		uint64_t msg, const char *what)
{
	struct node *nd = &s->nodes[i];

	truth_check(s, i, stream, seq, msg, what);
	if (nd->st_stream != stream) {
		vec_clear(&nd->store);
		nd->st_stream = stream;
	}
	vec_set(&nd->store, seq, msg);
}

/* ---- the owner's view of its replicas ---- */

static uint32_t
majority(uint32_t n)
{
	return n / 2 + 1;
}

/*
 * Invariant 4: what the owner calls committed (all, with --strict-all)
 * of its own stamps is held by a majority (every member) of its set, by
 * what each really stored (a crashed member's history as it was).
 */
static void
check_commit(struct sim *s, uint32_t i)
{
	struct node *nd = &s->nodes[i];
	const uint32_t need = majority(nd->set.n + 1);
	uint64_t q;

	q = nd->checked_c > nd->floor ? nd->checked_c : nd->floor;
	for (q++; q <= nd->committed; q++) {
		uint32_t k = store_get(nd, nd->stream, q) != 0;

		for (uint32_t j = 0; j < nd->set.n; j++)
			k += store_get(&s->nodes[nd->set.id[j] - 1],
					nd->stream, q) != 0;
		if (k < need) {
			fail(s, i, "committed %" PRIu64 " but sequence %"
					PRIu64 " is held by %u of %u",
					nd->committed, q, k, nd->set.n + 1);
			break;
		}
	}
	if (nd->committed > nd->checked_c)
		nd->checked_c = nd->committed;
	if (!s->o.strict_all)
		return;
	q = nd->checked_a > nd->floor ? nd->checked_a : nd->floor;
	for (q++; q <= nd->all; q++) {
		for (uint32_t j = 0; j < nd->set.n; j++) {
			if (store_get(&s->nodes[nd->set.id[j] - 1],
					nd->stream, q) != 0)
				continue;
			fail(s, i, "all %" PRIu64 " but node %u never "
					"stored sequence %" PRIu64, nd->all,
					nd->set.id[j], q);
			q = nd->all;
			break;
		}
	}
	if (nd->all > nd->checked_a)
		nd->checked_a = nd->all;
}

/* repl_update of chan_repl.c: committed and all from the helds. */
static void
repl_update(struct sim *s, uint32_t i)
{
	struct node *nd = &s->nodes[i];
	const uint64_t stamped = nd->next_seq - 1;
	const uint64_t fl = nd->floor < stamped ? nd->floor : stamped;
	uint64_t c = repl_owner_committed(&nd->set, stamped);
	uint64_t a = repl_owner_all(&nd->set, stamped);

	/* What precedes this owner's first stamp is not its to count. */
	nd->committed = c > fl ? c : fl;
	nd->all = a > fl ? a : fl;
	check_commit(s, i);
}

static void fill_start(struct sim *s, uint32_t i, uint32_t id, uint64_t top,
		uint64_t floor);

/* repl_prepare: the set of the ring in force (staying members keep held). */
static void
repl_prepare(struct sim *s, uint32_t i)
{
	struct node *nd = &s->nodes[i];

	if (s->o.replicas > 1 && nd->set_epoch != s->ring.epoch) {
		const struct repl_owner old = nd->set;
		uint32_t id[REPL_OTHERS_MAX], n = 0;

		for (uint32_t k = 1; k < s->ring.n_set; k++)
			id[n++] = s->ring.set[k] + 1;
		repl_owner_init(&nd->set, id, n);
		for (uint32_t k = 0; k < old.n; k++)
			(void)repl_owner_ack(&nd->set, old.id[k], old.held[k],
					nd->next_seq - 1);
		/*
		 * Completing the design: a member new to the set gets the
		 * history (one that stays has it).
		 */
		if (!s->o.no_fill && nd->set_epoch != 0)
			for (uint32_t k = 0; k < n; k++) {
				bool stays = false;

				for (uint32_t j = 0; j < old.n; j++)
					stays |= old.id[j] == id[k];
				if (!stays)
					fill_start(s, i, id[k] - 1,
							nd->next_seq - 1,
							nd->committed);
			}
		nd->set_epoch = s->ring.epoch;
		for (uint32_t k = 0; k < n; k++)
			nd->tsc_r[k] = s->c.now;
		nd->checked_c = nd->committed;
		nd->checked_a = nd->all;
	}
	repl_update(s, i);
}

static uint8_t
level_met(const struct node *nd, uint64_t seq)
{
	if (seq <= nd->all)
		return REPL_LEVEL_ALL;
	return seq <= nd->committed ? REPL_LEVEL_QUORUM : REPL_LEVEL_OWNER;
}

static bool
may_stamp(const struct sim *s, const struct node *nd, uint64_t seq)
{
	if (nd->gate)
		return false;
	return s->o.replicas <= 1 || seq <= nd->committed + W;
}

/* ---- the owner ---- */

static void
pub_ack(struct sim *s, uint32_t i, uint64_t number, uint8_t status,
		uint8_t level, uint64_t stream, uint64_t seq)
{
	struct msg a = { .type = M_PUB_ACK, .status = status, .level = level,
			.number = number, .stream = stream, .seq = seq };

	net_send(s, i, s->pub_ep, &a);
}

static void
answer_or_wait(struct sim *s, uint32_t i, uint64_t number, uint8_t level,
		uint64_t seq)
{
	struct node *nd = &s->nodes[i];
	uint8_t met = level_met(nd, seq);

	if (met >= level || nd->n_wait == WAIT_MAX) {
		/* Met, or no room to wait: what it met, now. */
		pub_ack(s, i, number, REPL_PUB_OK, met, nd->stream, seq);
		return;
	}
	nd->wait[nd->n_wait++] = (struct wait){ .number = number,
			.seq = seq, .level = level };
	s->st.waited++;
}

static void
answer_waits(struct sim *s, uint32_t i)
{
	struct node *nd = &s->nodes[i];

	for (uint32_t k = 0; k < nd->n_wait; ) {
		const struct wait *w = &nd->wait[k];
		uint8_t met = level_met(nd, w->seq);

		if (met < w->level) {
			k++;
			continue;
		}
		pub_ack(s, i, w->number, REPL_PUB_OK, met, nd->stream, w->seq);
		nd->wait[k] = nd->wait[--nd->n_wait];
	}
}

static void
queue_push(struct node *nd, const struct msg *m)
{
	if (nd->nq == nd->capq) {
		nd->capq = nd->capq ? nd->capq * 2 : 64;
		nd->queue = sim_realloc(nd->queue,
				nd->capq * sizeof(*nd->queue));
	}
	/* Its fixed part: a datagram's buffer holds no more. */
	memcpy(&nd->queue[nd->nq++], m, MSG_LEN);
}

/* A REPLICATE of seq to node to (number: the request's, or 0). */
static void
replicate(struct sim *s, uint32_t i, uint32_t to, uint64_t seq,
		uint64_t number)
{
	struct node *nd = &s->nodes[i];
	struct msg r = { .type = M_REPLICATE, .epoch = s->ring.epoch,
			.stream = nd->stream, .seq = seq, .number = number,
			.msg = store_get(nd, nd->stream, seq),
			.committed = nd->committed < seq - 1 ? nd->committed :
				seq - 1 };

	net_send(s, i, to, &r);
}

/*
 * owner_publish and acked_admit of chan_owner.c, for a PUBLISH p: false
 * if it must wait for the window (the caller holds it).
 */
static bool
owner_stamp(struct sim *s, uint32_t i, const struct msg *p)
{
	struct node *nd = &s->nodes[i];
	struct stream_rec *r;
	uint64_t seq, dseq = 0, met;
	struct msg f;

	repl_prepare(s, i);
	if (!may_stamp(s, nd, nd->next_seq))
		return false;
	if (p->level != REPL_LEVEL_NONE) {
		met = p->level == REPL_LEVEL_OWNER ? nd->next_seq - 1 :
				p->level == REPL_LEVEL_QUORUM ? nd->committed :
				nd->all;
		switch (pub_dedup_check(&nd->dd, CHAN_KEY, nd->stream,
				CLIENT_ID, p->number, met, &dseq)) {
		case PUB_DEDUP_NEW:
			break;
		case PUB_DEDUP_ACK: {
			uint64_t t = vec_get(&nd->life_seq, p->number);

			if (t == 0)
				t = vec_get(&nd->rep_seq, p->number);

			s->st.duplicates++;
			if (t == 0)
				fail(s, i, "DUPLICATE of number %" PRIu64
						" it never ordered", p->number);
			else if (dseq != 0 && dseq != t - 1)
				fail(s, i, "DUPLICATE of number %" PRIu64
						" names sequence %" PRIu64
						", it got %" PRIu64, p->number,
						dseq, t - 1);
			pub_ack(s, i, p->number, REPL_PUB_DUPLICATE,
					level_met(nd, dseq != 0 ? dseq : met),
					nd->stream, t != 0 ? t - 1 : 0);
			return true;
		}
		case PUB_DEDUP_HOLD:
			s->st.held_back++;
			return true;
		case PUB_DEDUP_TOO_OLD:
			/* A retry held long, answered since. */
			pub_ack(s, i, p->number, REPL_PUB_TOO_OLD,
					REPL_LEVEL_NONE, 0, 0);
			return true;
		}
		if (vec_get(&nd->life_seq, p->number) != 0) {
			fail(s, i, "number %" PRIu64 " ordered twice by one "
					"owner (at %" PRIu64 ")", p->number,
					vec_get(&nd->life_seq, p->number) - 1);
			return true;
		}
	}
	seq = nd->next_seq++;
	r = stream_of(s, nd->stream);
	if (r == NULL || vec_get(&r->truth, seq) != 0) {
		fail(s, i, "sequence %" PRIu64 " stamped twice (first by node "
				"%" PRIu64 ")", seq, r != NULL ?
				vec_get(&r->who, seq) : 0);
		return true;
	}
	vec_set(&r->truth, seq, p->msg);
	vec_set(&r->who, seq, i + 1);
	store_put(s, i, nd->stream, seq, p->msg, "the owner's history");
	s->st.stamped++;
	if (p->level != REPL_LEVEL_NONE) {
		/* Ordered again by a later owner, which had no memory of it. */
		uint64_t times = vec_get(&s->nstamped, p->number) + 1;

		vec_set(&s->nstamped, p->number, times);
		if (times > 1)
			s->st.reordered++;
		vec_set(&nd->life_seq, p->number, seq + 1);
		pub_dedup_record(&nd->dd, CHAN_KEY, nd->stream, CLIENT_ID,
				p->number, seq);
		if (s->o.replicas <= 1)
			repl_prepare(s, i);
		answer_or_wait(s, i, p->number, p->level, seq);
	}
	f = (struct msg){ .type = M_FANOUT, .epoch = s->ring.epoch,
			.stream = nd->stream, .seq = seq, .msg = p->msg };
	for (uint32_t k = 0; k < s->n_subs; k++)
		if (s->subs[k].joined)
			net_send(s, i, s->n + 1 + k, &f);
	if (nd->set.n > 0) {
		for (uint32_t k = 0; k < nd->set.n; k++)
			replicate(s, i, nd->set.id[k] - 1, seq,
					p->level != REPL_LEVEL_NONE ?
					p->number : 0);
		if (!nd->listed) {
			nd->tsc = s->c.now;
			for (uint32_t k = 0; k < nd->set.n; k++)
				nd->tsc_r[k] = s->c.now;
			nd->listed = true;
		}
	}
	return true;
}

/* A PUBLISH at the owner: stamped, or held behind those held. */
static void
owner_publish(struct sim *s, uint32_t i, const struct msg *p)
{
	struct node *nd = &s->nodes[i];

	if (nd->nq == 0 && owner_stamp(s, i, p))
		return;
	queue_push(nd, p);
	s->st.window_waits++;
}

/* The held PUBLISHes, in order, while the window lets them. */
static void
release(struct sim *s, uint32_t i)
{
	struct node *nd = &s->nodes[i];
	size_t k = 0;

	while (k < nd->nq && nd->owning) {
		struct msg p = nd->queue[k];

		if (!owner_stamp(s, i, &p))
			break;
		k++;
	}
	if (k > 0) {
		memmove(nd->queue, nd->queue + k,
				(nd->nq - k) * sizeof(*nd->queue));
		nd->nq -= k;
	}
}

static void
publish_input(struct sim *s, uint32_t i, const struct msg *p)
{
	struct node *nd = &s->nodes[i];

	if (s->ring.owner != i) {
		s->st.not_owner++;
		return;
	}
	if (!nd->owning) {
		/* A handoff under way: held, in order. */
		queue_push(nd, p);
		return;
	}
	owner_publish(s, i, p);
}

/* repl_ack_input */
static void
repl_ack_input(struct sim *s, uint32_t i, uint32_t from, const struct msg *m)
{
	struct node *nd = &s->nodes[i];
	int moved;

	if (!nd->owning || nd->stream != m->stream || s->o.replicas <= 1) {
		s->st.stale++;
		return;
	}
	if (m->status != REPL_ACK_OK)
		return;
	moved = repl_owner_ack(&nd->set, from + 1, m->held, nd->next_seq - 1);
	if (moved <= 0)
		return;
	repl_update(s, i);
	nd->tsc = s->c.now;
	for (uint32_t k = 0; k < nd->set.n; k++)
		if (nd->set.id[k] == from + 1)
			nd->tsc_r[k] = s->c.now;
	if (nd->n_wait > 0)
		answer_waits(s, i);
	if (nd->nq > 0)
		release(s, i);
}

/* What follows member k's held, from history, up to a burst. */
static void
resend(struct sim *s, uint32_t i, uint32_t k)
{
	struct node *nd = &s->nodes[i];
	const uint64_t stamped = nd->next_seq - 1;
	uint64_t q = nd->set.held[k] + 1;

	if (q < nd->base)
		q = nd->base;
	if (stamped >= HIST && q < stamped - HIST + 1)
		q = stamped - HIST + 1;
	for (uint32_t b = 0; b < RESEND_BURST && q <= stamped; q++) {
		if (store_get(nd, nd->stream, q) == 0)
			continue;
		replicate(s, i, nd->set.id[k] - 1, q, 0);
		s->st.resent++;
		b++;
	}
}

/* repl_timers, every RESEND_MS. */
static void
repl_timers(struct sim *s, uint32_t i)
{
	struct node *nd = &s->nodes[i];
	const uint64_t stamped = nd->next_seq - 1;

	if (!nd->listed)
		return;
	if ((nd->all >= stamped && nd->n_wait == 0) || s->ring.owner != i) {
		nd->listed = false;
		nd->n_wait = 0;
		return;
	}
	if (s->o.set_resend) {
		/* When the set as a whole made no progress (--set-resend). */
		if (s->c.now - nd->tsc < RESEND_MS)
			return;
		nd->tsc = s->c.now;
		for (uint32_t k = 0; k < nd->set.n; k++)
			if (nd->set.held[k] < stamped)
				resend(s, i, k);
		return;
	}
	/* The design: when that replica's held has not moved. */
	for (uint32_t k = 0; k < nd->set.n; k++) {
		if (nd->set.held[k] >= stamped ||
				s->c.now - nd->tsc_r[k] < RESEND_MS)
			continue;
		nd->tsc_r[k] = s->c.now;
		resend(s, i, k);
	}
}

/* owner_nack: RETRANSMIT what history holds, GONE the rest. */
static void
nack_input(struct sim *s, uint32_t i, uint32_t from, const struct msg *n)
{
	struct node *nd = &s->nodes[i];
	const uint32_t asker = n->asker != NONE ? n->asker : from;
	const bool mine = s->ring.owner == i;
	const uint64_t stream = mine && nd->owning ? nd->stream :
			nd->st_stream;
	uint64_t first = n->seq, count = n->count, base;
	uint64_t gone_first = 0, gone_last = 0, next;
	bool may_gone = true;

	/* An owner in a failover answers from its replica's history. */
	if (mine && !nd->owning) {
		if (nd->rr.stream == 0 && nd->st_stream == 0)
			return;
		next = nd->rr.held + 1;
		base = nd->rr.first;
		/* Completing the design: nothing is gone before the fetch. */
		may_gone = s->o.no_fetch;
	} else if (mine) {
		next = nd->next_seq;
		base = nd->base;
	} else {
		/* The owner before answers for its stream (relayed). */
		if (nd->st_stream != n->stream)
			return;
		next = UINT64_MAX;
		base = 0;
	}
	if (mine && stream == n->stream && first < base &&
			s->prev.owner != i && s->prev.epoch != 0) {
		/* What precedes it goes to the owner before. */
		struct msg r;

		memcpy(&r, n, MSG_LEN);
		r.asker = asker;
		r.count = (base - first < count ? base - first : count);
		net_send(s, i, s->prev.owner, &r);
		if (first + count <= base)
			return;
		count -= base - first;
		first = base;
	}
	if (mine && stream != n->stream) {
		if (s->prev.epoch != 0 && s->prev.owner != i) {
			struct msg r;

			memcpy(&r, n, MSG_LEN);
			r.asker = asker;
			net_send(s, i, s->prev.owner, &r);
			return;
		}
		gone_first = first;
		gone_last = first + count - 1;
	} else {
		for (uint64_t q = first; q < first + count; q++) {
			uint64_t m = store_get(nd, n->stream, q);

			if (q >= next)
				break;
			if (m != 0) {
				struct msg r = { .type = M_RETRANSMIT,
						.epoch = s->ring.epoch,
						.stream = n->stream, .seq = q,
						.msg = m };

				net_send(s, i, asker, &r);
				continue;
			}
			if (gone_first == 0)
				gone_first = q;
			gone_last = q;
		}
	}
	if (gone_first != 0 && may_gone) {
		struct msg g = { .type = M_GONE, .epoch = s->ring.epoch,
				.stream = n->stream, .seq = gone_first,
				.count = gone_last };

		net_send(s, i, asker, &g);
	}
}

/* ---- a replica ---- */

static void
repl_ack_send(struct sim *s, uint32_t i, uint32_t to, uint64_t stream,
		uint64_t held, uint8_t status)
{
	struct msg a = { .type = M_REPL_ACK, .epoch = s->ring.epoch,
			.stream = stream, .held = held, .status = status };

	net_send(s, i, to, &a);
}

/* replica_input */
static void
replicate_input(struct sim *s, uint32_t i, uint32_t from, const struct msg *m)
{
	struct node *nd = &s->nodes[i];
	enum repl_recv_verdict v;
	uint64_t held = 0;
	bool restarted;

	if (m->epoch > s->ring.epoch)
		return;
	if (m->epoch < s->ring.epoch) {
		s->st.stale++;
		repl_ack_send(s, i, from, m->stream, 0, REPL_ACK_STALE);
		return;
	}
	if (s->ring.owner != from)
		return;
	if (!in_ring_set(&s->ring, i) || s->ring.owner == i) {
		repl_ack_send(s, i, from, m->stream, 0, REPL_ACK_NOT_REPLICA);
		return;
	}
	v = repl_recv_take(&nd->rr, m->stream, m->seq, m->committed,
			&restarted);
	if (restarted && nd->st_stream != m->stream) {
		vec_clear(&nd->store);
		nd->st_stream = 0;
	}
	if (nd->rr.stream == m->stream) {
		held = nd->rr.held;
		if (nd->seen_stream != m->stream) {
			nd->seen_stream = m->stream;
			nd->seen = 0;
		}
		if (m->committed > nd->seen)
			nd->seen = m->committed;
	}
	repl_ack_send(s, i, from, m->stream, held, REPL_ACK_OK);
	if (v != REPL_RECV_NEW)
		return;
	store_put(s, i, m->stream, m->seq, m->msg, "a replica's history");
	if (s->o.replica_dedup && m->number != 0 && m->seq <= held) {
		/* Its publish memory too, for when it owns the channel. */
		pub_dedup_record(&nd->dd, CHAN_KEY, m->stream, CLIENT_ID,
				m->number, m->seq);
		vec_set(&nd->rep_seq, m->number, m->seq + 1);
	}
}

/* replica_sync_input: this node's state of the stream, to its owner. */
static void
sync_input(struct sim *s, uint32_t i, uint32_t from, const struct msg *m)
{
	struct node *nd = &s->nodes[i];
	struct msg st = { .type = M_REPL_STATE, .epoch = s->ring.epoch };

	if (s->ring.owner != from || m->epoch != s->ring.epoch)
		return;
	if (nd->rr.stream != 0) {
		st.stream = nd->rr.stream;
		st.held = nd->rr.held;
		st.seq = nd->rr.first;
	} else if (!s->o.no_fill && nd->seen_stream != 0) {
		/* A member that has the history copied, no REPLICATE yet. */
		st.stream = nd->seen_stream;
	}
	/* The dataplane sends 0; the completed design, what it learnt. */
	if (!s->o.no_fill && st.stream == nd->seen_stream)
		st.committed = nd->seen;
	net_send(s, i, from, &st);
}

/* FETCH: what this node's history holds of a range. */
static void
fetch_input(struct sim *s, uint32_t i, uint32_t from, const struct msg *m)
{
	struct node *nd = &s->nodes[i];
	struct msg a = { .type = M_FETCHED, .stream = m->stream, .seq = m->seq,
			.count = m->count };

	/* One that holds another stream, or none, lacks all of it. */
	for (uint64_t k = 0; k < m->count && k < CHAN_NACK_MAX; k++)
		a.v[k] = store_get(nd, m->stream, m->seq + k);
	net_send(s, i, from, &a);
}

/* FILL: the owner's history copied here, and where its stream went on. */
static void
fill_input(struct sim *s, uint32_t i, uint32_t from, const struct msg *m)
{
	struct node *nd = &s->nodes[i];
	struct msg a = { .type = M_FILL_ACK, .stream = m->stream,
			.seq = m->seq };

	if (s->ring.owner != from || !in_ring_set(&s->ring, i))
		return;
	if (nd->st_stream != m->stream) {
		vec_clear(&nd->store);
		nd->st_stream = m->stream;
	}
	if (m->seq != 0 && store_get(nd, m->stream, m->seq) == 0) {
		store_put(s, i, m->stream, m->seq, m->msg, "a copied history");
		s->st.filled++;
	} else if (m->seq != 0) {
		truth_check(s, i, m->stream, m->seq, m->msg,
				"a copied history");
	}
	if (nd->seen_stream != m->stream) {
		nd->seen_stream = m->stream;
		nd->seen = 0;
	}
	if (m->committed > nd->seen)
		nd->seen = m->committed;
	net_send(s, i, from, &a);
}

/* ---- the completed failover: fetch and fill ---- */

static void
fill_start(struct sim *s, uint32_t i, uint32_t id, uint64_t top,
		uint64_t floor)
{
	struct node *nd = &s->nodes[i];
	struct fill *f = NULL;

	for (uint32_t k = 0; k < nd->n_fill; k++)
		if (nd->fill[k].id == id)
			f = &nd->fill[k];
	if (f == NULL) {
		if (nd->n_fill == REPL_OTHERS_MAX) {
			/* A member that left: its slot is taken over. */
			for (uint32_t k = 0; k < nd->n_fill && f == NULL; k++)
				if (!in_ring_set(&s->ring, nd->fill[k].id))
					f = &nd->fill[k];
			if (f == NULL)
				return;
		} else {
			f = &nd->fill[nd->n_fill++];
		}
	}
	f->id = id;
	f->top = top;
	f->floor = floor;
	f->cursor = 0;
	vec_clear(&f->done);
	f->left = 1;		/* Seq 0 says where the stream went on. */
	for (uint64_t q = 1; q <= top; q++)
		if (store_get(nd, nd->st_stream, q) != 0)
			f->left++;
}

static bool
fill_done(const struct node *nd, uint32_t id)
{
	for (uint32_t k = 0; k < nd->n_fill; k++)
		if (nd->fill[k].id == id)
			return nd->fill[k].left == 0;
	return true;
}

/* Whether a majority of its set (itself counting) has its history. */
static bool
fill_majority(const struct sim *s, const struct node *nd)
{
	uint32_t k = 1;

	for (uint32_t j = 1; j < s->ring.n_set; j++)
		k += fill_done(nd, s->ring.set[j]);
	return k >= majority(s->ring.n_set);
}

static void
fill_timers(struct sim *s, uint32_t i)
{
	struct node *nd = &s->nodes[i];

	for (uint32_t k = 0; k < nd->n_fill; k++) {
		struct fill *f = &nd->fill[k];
		uint32_t sent = 0;

		if (f->left == 0 || !in_ring_set(&s->ring, f->id))
			continue;
		for (uint64_t n = 0; n <= f->top && sent < FILL_BURST; n++) {
			uint64_t q = (f->cursor + n) % (f->top + 1);
			struct msg m = { .type = M_FILL,
					.stream = nd->st_stream, .seq = q,
					.committed = f->floor };

			if (vec_get(&f->done, q) != 0)
				continue;
			if (q != 0) {
				m.msg = store_get(nd, nd->st_stream, q);
				if (m.msg == 0)
					continue;
			}
			net_send(s, i, f->id, &m);
			sent++;
			f->cursor = q + 1;
		}
	}
}

static void complete_crash(struct sim *s);

static void
fill_ack_input(struct sim *s, uint32_t i, uint32_t from, const struct msg *m)
{
	struct node *nd = &s->nodes[i];

	for (uint32_t k = 0; k < nd->n_fill; k++) {
		struct fill *f = &nd->fill[k];

		if (f->id != from || m->stream != nd->st_stream ||
				m->seq > f->top || vec_get(&f->done, m->seq))
			continue;
		vec_set(&f->done, m->seq, 1);
		if (f->left > 0)
			f->left--;
	}
	if (nd->gate && fill_majority(s, nd)) {
		nd->gate = false;
		if (s->await == i && s->await_member == NONE)
			complete_crash(s);
		release(s, i);
	}
	if (s->await == i && s->await_member != NONE &&
			fill_done(nd, s->await_member))
		complete_crash(s);
}

/* ---- the failover ---- */

static void
took_over(struct sim *s, uint32_t i)
{
	struct node *nd = &s->nodes[i];

	nd->owning = true;
	nd->fo = FO_NONE;
	nd->set_epoch = 0;
	nd->n_wait = 0;
	nd->listed = false;
	nd->n_fill = 0;
	vec_clear(&nd->life_seq);
	memset(&nd->set, 0, sizeof(nd->set));
	memset(&nd->rr, 0, sizeof(nd->rr));
	nd->checked_c = 0;
	nd->checked_a = 0;
}

/* A new stream from 1: what the old one held is gone. */
static void
new_stream(struct sim *s, uint32_t i, bool nothing_held)
{
	struct node *nd = &s->nodes[i];
	struct stream_rec *r = stream_of(s, s->nodes[s->prev.owner].stream);
	uint32_t live = 0;

	for (uint32_t k = 0; k < s->prev.n_set; k++)
		live += s->nodes[s->prev.set[k]].up;
	if (r != NULL && !r->reset) {
		r->reset = true;
		/* Lost with a majority of its set: allowed. */
		r->lost_ok = live < majority(s->prev.n_set) || nothing_held;
		if (!r->lost_ok)
			fail(s, i, "a new stream while %u of the %u of the "
					"old set live", live, s->prev.n_set);
	}
	s->st.resets++;
	took_over(s, i);
	nd->stream = stream_new(s);
	nd->next_seq = 1;
	nd->base = 1;
	nd->floor = 0;
	nd->committed = 0;
	nd->all = 0;
	vec_clear(&nd->store);
	nd->st_stream = nd->stream;
	if (s->o.verbose)
		fprintf(stderr, "repl-sim: t=%" PRIu64 " node %u starts a new "
				"stream\n", s->c.now, i + 1);
	repl_prepare(s, i);
	if (s->await == i)
		complete_crash(s);
	release(s, i);
}

/* Continue the stream at held_max + W + 1. */
static void
settle(struct sim *s, uint32_t i)
{
	struct node *nd = &s->nodes[i];
	const uint64_t next = nd->fo_held + W + 1;
	const uint64_t first = nd->rr.first;

	took_over(s, i);
	nd->stream = nd->fo_stream;
	nd->next_seq = next;
	/* The dataplane's history starts at the replica's first. */
	nd->base = s->o.no_fetch && first != 0 ? first : 1;
	nd->floor = next - 1;
	s->st.failovers++;
	if (s->o.verbose)
		fprintf(stderr, "repl-sim: t=%" PRIu64 " node %u continues "
				"the stream at %" PRIu64 " (held_max %" PRIu64
				")\n", s->c.now, i + 1, next, nd->fo_held);
	repl_prepare(s, i);
	if (!s->o.no_fill) {
		for (uint32_t k = 0; k < nd->set.n; k++)
			fill_start(s, i, nd->set.id[k] - 1, nd->fo_held,
					next - 1);
		nd->gate = !fill_majority(s, nd);
	}
	if (!nd->gate && s->await == i)
		complete_crash(s);
	release(s, i);
}

/* Fetch what it lacks up to held_max (the first unresolved range). */
static void
fetch_ask(struct sim *s, uint32_t i)
{
	struct node *nd = &s->nodes[i];
	struct msg f = { .type = M_FETCH, .stream = nd->fo_stream };
	uint64_t q;

	for (q = 1; q <= nd->fo_held; q++)
		if (store_get(nd, nd->fo_stream, q) == 0 &&
				vec_get(&nd->fetch_absent, q) != nd->fetch_mask)
			break;
	if (q > nd->fo_held) {
		settle(s, i);
		return;
	}
	f.seq = q;
	f.count = nd->fo_held - q + 1 < CHAN_NACK_MAX ?
			nd->fo_held - q + 1 : CHAN_NACK_MAX;
	for (uint32_t k = 0; k < nd->fo_n_ask; k++)
		if (nd->fo_answered[k])
			net_send(s, i, nd->fo_ask[k], &f);
	nd->fo_retry = s->c.now + FETCH_RETRY_MS;
}

static void
fetched_input(struct sim *s, uint32_t i, uint32_t from, const struct msg *m)
{
	struct node *nd = &s->nodes[i];
	uint32_t bit = 0;
	bool moved = false;

	if (nd->fo != FO_FETCH || m->stream != nd->fo_stream)
		return;
	for (uint32_t k = 0; k < nd->fo_n_ask; k++)
		if (nd->fo_ask[k] == from)
			bit = 1u << k;
	if (bit == 0)
		return;
	for (uint64_t k = 0; k < m->count && k < CHAN_NACK_MAX; k++) {
		uint64_t q = m->seq + k;

		if (q > nd->fo_held || store_get(nd, m->stream, q) != 0)
			continue;
		if (m->v[k] != 0) {
			store_put(s, i, m->stream, q, m->v[k], "a fetch");
			s->st.fetched++;
			moved = true;
		} else {
			vec_set(&nd->fetch_absent, q,
					vec_get(&nd->fetch_absent, q) | bit);
			moved = true;
		}
	}
	if (moved)
		fetch_ask(s, i);
}

/* The failover plan: ask the old set, or a new stream. */
static void
failover_plan(struct sim *s, uint32_t i)
{
	struct node *nd = &s->nodes[i];
	uint64_t stream = nd->rr.stream;

	if (stream == 0 && !s->o.no_fill && nd->seen_stream != 0)
		stream = nd->seen_stream;
	/*
	 * The dataplane continues only a stream it holds; completing the
	 * design, one that holds none asks too, and takes the stream from
	 * the answers.
	 */
	if ((stream == 0 && s->o.no_fetch) || !in_ring_set(&s->prev, i)) {
		new_stream(s, i, false);
		return;
	}
	nd->fo = FO_SYNC;
	nd->fo_stream = stream;
	nd->fo_held = nd->rr.stream == stream ? nd->rr.held : 0;
	if (!s->o.no_fill && nd->seen_stream == stream &&
			nd->seen > nd->fo_held)
		nd->fo_held = nd->seen;
	nd->fo_n_ask = 0;
	for (uint32_t k = 0; k < s->prev.n_set; k++) {
		uint32_t j = s->prev.set[k];

		if (j == i || j == s->prev.owner)
			continue;
		nd->fo_answered[nd->fo_n_ask] = false;
		nd->fo_ask[nd->fo_n_ask++] = j;
	}
	nd->fo_need = majority(s->prev.n_set);
	nd->fo_got = 1;
	nd->fo_until = s->c.now + HO_WAIT_MS;
	nd->fo_retry = s->c.now;
}

static void
state_input(struct sim *s, uint32_t i, uint32_t from, const struct msg *m)
{
	struct node *nd = &s->nodes[i];

	if (nd->fo != FO_SYNC)
		return;
	for (uint32_t k = 0; k < nd->fo_n_ask; k++) {
		if (nd->fo_ask[k] != from || nd->fo_answered[k])
			continue;
		nd->fo_answered[k] = true;
		nd->fo_got++;
		/* Another stream, or none, still counts. */
		if (nd->fo_stream == 0 && m->stream != 0)
			nd->fo_stream = m->stream;
		if (m->stream == nd->fo_stream) {
			if (m->held > nd->fo_held)
				nd->fo_held = m->held;
			if (m->committed > nd->fo_held)
				nd->fo_held = m->committed;
		}
		break;
	}
	if (nd->fo_got < nd->fo_need)
		return;
	if (nd->fo_stream == 0) {
		/* A majority held nothing: nothing was committed. */
		new_stream(s, i, true);
		return;
	}
	if (s->o.no_fetch) {
		settle(s, i);
		return;
	}
	nd->fo = FO_FETCH;
	vec_clear(&nd->fetch_absent);
	nd->fetch_mask = 0;
	for (uint32_t k = 0; k < nd->fo_n_ask; k++)
		if (nd->fo_answered[k])
			nd->fetch_mask |= 1u << k;
	fetch_ask(s, i);
}

static void
failover_timers(struct sim *s, uint32_t i)
{
	struct node *nd = &s->nodes[i];

	switch (nd->fo) {
	case FO_NONE:
		return;
	case FO_WAIT:
		if (s->c.now >= nd->fo_until)
			failover_plan(s, i);
		return;
	case FO_SYNC:
		if (s->c.now >= nd->fo_until) {
			new_stream(s, i, false);
			return;
		}
		if (s->c.now >= nd->fo_retry) {
			struct msg q = { .type = M_REPL_SYNC,
					.epoch = s->ring.epoch };

			for (uint32_t k = 0; k < nd->fo_n_ask; k++)
				if (!nd->fo_answered[k])
					net_send(s, i, nd->fo_ask[k], &q);
			nd->fo_retry = s->c.now + HO_GONE_RETRY_MS;
		}
		return;
	case FO_FETCH:
		if (s->c.now >= nd->fo_retry)
			fetch_ask(s, i);
		return;
	}
}

/* ---- crashes ---- */

static void
schedule_crash(struct sim *s, uint64_t t)
{
	if (s->owner_crashes + s->replica_crashes == 0)
		return;
	s->crash_open = true;
	at(s, t, EV_CRASH, 0);
}

/* The crash before is complete: the next may come. */
static void
complete_crash(struct sim *s)
{
	if (s->await == NONE)
		return;
	s->await = NONE;
	s->await_member = NONE;
	s->crash_open = false;
	if (!s->faults_over)
		schedule_crash(s, s->c.now + sim_range(&s->c, 0, 300));
}

static void
crash(struct sim *s)
{
	uint32_t victim;
	bool owner;

	if (s->faults_over)
		return;
	if (s->owner_crashes > 0 && s->replica_crashes > 0)
		owner = sim_below(&s->c, 2) == 0;
	else
		owner = s->owner_crashes > 0;
	if (owner) {
		victim = s->ring.owner;
		s->owner_crashes--;
	} else {
		if (s->ring.n_set < 2) {
			s->replica_crashes = 0;
			s->crash_open = false;
			return;
		}
		victim = s->ring.set[1 + sim_below(&s->c, s->ring.n_set - 1)];
		s->replica_crashes--;
	}
	s->nodes[victim].up = false;
	sim_crash(&s->c, victim);
	if (s->o.verbose)
		fprintf(stderr, "repl-sim: t=%" PRIu64 " node %u (%s) "
				"crashes\n", s->c.now, victim + 1,
				owner ? "owner" : "replica");
	at(s, s->c.now + sim_range(&s->c, s->o.detect_lo, s->o.detect_hi),
			EV_DETECT, victim);
}

/* Every live node applies the ring without the dead one. */
static void
detect(struct sim *s, uint32_t dead)
{
	uint32_t owner;

	s->member[dead] = false;
	s->prev = s->ring;
	ring_compute(s, &s->ring);
	s->ring.epoch = s->prev.epoch + 1;
	owner = s->ring.owner;
	if (owner != s->prev.owner) {
		struct node *nd = &s->nodes[owner];

		/* Its HANDOFF_REQ goes unanswered: the old owner died. */
		nd->fo = FO_WAIT;
		nd->fo_until = s->c.now + HO_GONE_WAIT_MS;
		nd->fo_stream = 0;
		s->await = owner;
		s->await_member = NONE;
		return;
	}
	/* A replica died: the owner's set changes. */
	s->await = owner;
	s->await_member = NONE;
	for (uint32_t k = 1; k < s->ring.n_set; k++)
		if (!in_ring_set(&s->prev, s->ring.set[k]))
			s->await_member = s->ring.set[k];
	if (s->nodes[owner].owning)
		repl_prepare(s, owner);
	if (s->o.no_fill || s->await_member == NONE)
		complete_crash(s);
}

/* ---- subscribers ---- */

static void
sub_deliver(struct sim *s, uint32_t k, uint64_t stream, uint64_t seq,
		uint64_t msg)
{
	struct sub *sb = &s->subs[k];
	uint32_t x = stream_index(s, stream);

	if (x == NONE) {
		fail(s, 0, "subscriber %u: unknown stream", k + 1);
		return;
	}
	truth_check(s, 0, stream, seq, msg, "a delivery");
	if (seq != sb->expect[x])
		fail(s, 0, "subscriber %u delivered %" PRIu64 " when %" PRIu64
				" was next", k + 1, seq, sb->expect[x]);
	vec_set(&sb->deliv[x], seq, msg);
	sb->expect[x] = seq + 1;
	s->st.delivered++;
}

static void
sub_gap(struct sim *s, uint32_t k, uint64_t stream, uint64_t first,
		uint64_t last)
{
	struct sub *sb = &s->subs[k];
	uint32_t x = stream_index(s, stream);
	struct stream_rec *r;

	if (x == NONE)
		return;
	r = &s->streams[x];
	if (first != sb->expect[x])
		fail(s, 0, "subscriber %u: GAP from %" PRIu64 " when %" PRIu64
				" was next", k + 1, first, sb->expect[x]);
	for (uint64_t q = first; q <= last; q++) {
		vec_set(&sb->gap[x], q, 1);
		if (vec_get(&r->ackq, q) != 0 && !r->lost_ok) {
			fail(s, 0, "subscriber %u: GAP %" PRIu64 "-%" PRIu64
					" covers %" PRIu64 ", acknowledged "
					"at %s", k + 1, first, last, q,
					vec_get(&r->ackq, q) == REPL_LEVEL_ALL ?
					"all" : "quorum");
			break;
		}
	}
	sb->expect[x] = last + 1;
	s->st.gaps++;
	s->st.gap_seqs += last - first + 1;
}

static void
sub_start(struct sim *s, uint32_t k, uint64_t stream, uint64_t first)
{
	struct sub *sb = &s->subs[k];
	uint32_t x = stream_index(s, stream);

	chan_rx_start(&sb->rx, stream, first);
	if (x != NONE && sb->first[x] == 0) {
		sb->first[x] = first;
		sb->expect[x] = first;
	}
}

static void
sub_give_up_to(struct sim *s, uint32_t k, uint64_t upto)
{
	struct sub *sb = &s->subs[k];
	struct chan_held h;
	uint64_t first, last;
	enum chan_rx_step step;

	while ((step = chan_rx_give_up(&sb->rx, upto, &h, &first, &last)) !=
			CHAN_RX_STEP_DONE) {
		if (step == CHAN_RX_STEP_HELD)
			sub_deliver(s, k, sb->rx.stream, h.seq,
					(uint64_t)(uintptr_t)h.msg);
		else
			sub_gap(s, k, sb->rx.stream, first, last);
	}
}

static void
sub_nack(struct sim *s, uint32_t k, uint64_t first, uint64_t count)
{
	struct msg n = { .type = M_NACK, .stream = s->subs[k].rx.stream,
			.seq = first, .count = count, .asker = NONE };

	net_send(s, s->n + 1 + k, s->ring.owner, &n);
}

static uint32_t
nack_ms(const struct sim *s)
{
	return s->o.nack_ms != 0 ? s->o.nack_ms :
			2 * s->o.net.delay_max_ms + TICK_MS;
}

static void
sub_hole_check(struct sim *s, uint32_t k)
{
	struct sub *sb = &s->subs[k];
	uint64_t first;
	uint32_t n = chan_rx_hole(&sb->rx, &first);

	if (n == 0)
		return;
	if (sb->rx.nack_tries > 0 && sb->rx.nack_first == first)
		return;
	sb->rx.nack_first = first;
	sb->rx.nack_tries = 1;
	sb->rx.nack_at = s->c.now + nack_ms(s);
	sub_nack(s, k, first, n);
	sb->pending = true;
}

/* subscriber_input: a FANOUT or RETRANSMIT. */
static void
sub_input(struct sim *s, uint32_t k, const struct msg *m)
{
	struct sub *sb = &s->subs[k];
	struct chan_held h = { .msg = (void *)(uintptr_t)m->msg,
			.seq = m->seq };
	enum chan_rx_verdict v;

	if (!sb->joined)
		return;
	for (;;) {
		v = chan_rx_offer(&sb->rx, m->stream, m->seq);
		if (v == CHAN_RX_RESET) {
			/* What the old stream left: holes as GAP. */
			sub_give_up_to(s, k, sb->rx.top);
			sub_start(s, k, m->stream, 1);
			continue;
		}
		if (v == CHAN_RX_BEYOND) {
			sub_give_up_to(s, k, m->seq - CHAN_WINDOW + 1);
			continue;
		}
		break;
	}
	if (v == CHAN_RX_DUP || v == CHAN_RX_STALE)
		return;
	truth_check(s, 0, m->stream, m->seq, m->msg, "a subscriber's copy");
	if (v == CHAN_RX_DELIVER) {
		sub_deliver(s, k, m->stream, m->seq, m->msg);
		chan_rx_advance(&sb->rx);
		while (chan_rx_pop(&sb->rx, &h)) {
			sub_deliver(s, k, sb->rx.stream, h.seq,
					(uint64_t)(uintptr_t)h.msg);
			chan_rx_advance(&sb->rx);
		}
	} else {
		chan_rx_hold(&sb->rx, &h);
	}
	sub_hole_check(s, k);
}

static void
sub_gone(struct sim *s, uint32_t k, const struct msg *m)
{
	struct sub *sb = &s->subs[k];

	if (!sb->joined || m->stream != sb->rx.stream ||
			m->count < sb->rx.next)
		return;
	/*
	 * subscriber_gone: a GONE that starts past the expected sequence
	 * waits; what precedes it the owner holds, and its RETRANSMITs may
	 * come after the GONE: until they do (or the next NACK's answer
	 * says gone), nothing is given up. --gone-from-next: as before.
	 */
	if (!s->o.gone_from_next && m->seq > sb->rx.next)
		return;
	sub_give_up_to(s, k, m->count + 1);
}

/* subscriber_tail_check: the owner stamped beyond what arrived. */
static void
sub_beat(struct sim *s, uint32_t k, const struct msg *m)
{
	struct sub *sb = &s->subs[k];
	uint64_t n;

	if (!sb->joined || m->stream != sb->rx.stream ||
			m->seq <= sb->rx.top || sb->rx.n_held != 0)
		return;
	n = m->seq - sb->rx.next;
	sub_nack(s, k, sb->rx.next, n < CHAN_NACK_MAX ? n : CHAN_NACK_MAX);
}

/* subscriber_nack_timers */
static void
sub_timers(struct sim *s, uint32_t k)
{
	struct sub *sb = &s->subs[k];
	uint64_t first;
	uint32_t n;

	if (!sb->pending)
		return;
	n = chan_rx_hole(&sb->rx, &first);
	if (n == 0) {
		sb->pending = false;
		return;
	}
	if (s->c.now < sb->rx.nack_at)
		return;
	if (first != sb->rx.nack_first) {
		sb->rx.nack_first = first;
		sb->rx.nack_tries = 0;
	}
	if (s->o.nack_tries != 0 && sb->rx.nack_tries >= s->o.nack_tries) {
		sub_give_up_to(s, k, chan_rx_next_held(&sb->rx, sb->rx.top));
		sb->rx.nack_tries = 0;
		sb->rx.nack_first = 0;
		return;
	}
	sb->rx.nack_tries++;
	sb->rx.nack_at = s->c.now + nack_ms(s);
	sub_nack(s, k, first, n);
}

static void
sub_join(struct sim *s, uint32_t k)
{
	struct node *nd = &s->nodes[s->ring.owner];

	if (!nd->up || !nd->owning) {
		at(s, s->c.now + 10, EV_JOIN, k);
		return;
	}
	/* The owner's grant: its stream, from its next sequence. */
	s->subs[k].joined = true;
	sub_start(s, k, nd->stream, nd->next_seq);
}

/* ---- the publisher ---- */

static void
pub_send(struct sim *s, uint64_t number)
{
	struct pubrec *p = &s->p[number];
	struct msg m = { .type = M_PUBLISH, .level = p->level,
			.number = number,
			.msg = (uint64_t)CLIENT_ID << 32 | number };

	p->sent_at = s->c.now;
	net_send(s, s->pub_ep, s->ring.owner, &m);
}

static void
pub_next(struct sim *s)
{
	uint64_t n = s->next_number;
	struct pubrec *p;

	if (n > s->o.publishes)
		return;
	if (n - s->low >= PUB_DEDUP_WINDOW) {
		/* The client's window is full: later. */
		at(s, s->c.now + 1, EV_PUBLISH, 0);
		return;
	}
	p = &s->p[n];
	if (s->o.level >= 0) {
		p->level = (uint8_t)s->o.level;
	} else {
		uint64_t r = sim_below(&s->c, 10);

		p->level = r == 0 ? REPL_LEVEL_NONE : r < 4 ?
				REPL_LEVEL_OWNER : r < 7 ? REPL_LEVEL_QUORUM :
				REPL_LEVEL_ALL;
	}
	p->sent = true;
	pub_send(s, n);
	s->next_number++;
	if (p->level == REPL_LEVEL_NONE)
		p->answered = true;
	while (s->low < s->next_number && s->p[s->low].answered)
		s->low++;
	at(s, s->c.now + sim_range(&s->c, 1, 2 * s->o.gap_ms - 1),
			EV_PUBLISH, 0);
}

static void
pub_ack_input(struct sim *s, const struct msg *m)
{
	struct pubrec *p;
	struct stream_rec *r;

	if (m->number == 0 || m->number > s->o.publishes)
		return;
	p = &s->p[m->number];
	if (!repl_pub_ordered(m->status)) {
		if (!p->answered)
			fail(s, 0, "number %" PRIu64 " refused (status %u)",
					m->number, m->status);
		return;
	}
	r = stream_of(s, m->stream);
	if (r == NULL || vec_get(&r->truth, m->seq) != ((uint64_t)CLIENT_ID <<
			32 | m->number)) {
		fail(s, 0, "number %" PRIu64 " acknowledged at %" PRIu64
				", which holds another message", m->number,
				m->seq);
		return;
	}
	if (p->answered && p->got >= m->level)
		return;
	if (!p->answered) {
		s->st.acked[m->level]++;
		if (m->level < p->level)
			s->st.short_level++;
	}
	p->answered = true;
	p->got = m->level;
	p->stream = m->stream;
	p->seq = m->seq;
	if (m->level >= REPL_LEVEL_QUORUM) {
		uint32_t x = (uint32_t)(r - s->streams);

		vec_set(&r->ackq, m->seq, m->level);
		for (uint32_t k = 0; k < s->n_subs; k++)
			if (vec_get(&s->subs[k].gap[x], m->seq))
				fail(s, 0, "subscriber %u gave up %" PRIu64
						", then acknowledged at %s",
						k + 1, m->seq, m->level ==
						REPL_LEVEL_ALL ? "all" :
						"quorum");
	}
	while (s->low < s->next_number && s->p[s->low].answered)
		s->low++;
}

static void
pub_timers(struct sim *s)
{
	for (uint64_t n = s->low; n < s->next_number; n++) {
		struct pubrec *p = &s->p[n];

		if (p->answered || s->c.now - p->sent_at < CLIENT_RETRY_MS)
			continue;
		s->st.retries++;
		pub_send(s, n);
	}
}

/* ---- events ---- */

static void
tick(struct sim *s)
{
	const bool resend_pass = s->c.now % RESEND_MS == 0;
	const bool beat = s->c.now % BEAT_MS == 0;

	for (uint32_t i = 0; i < s->n; i++) {
		struct node *nd = &s->nodes[i];

		if (!nd->up)
			continue;
		failover_timers(s, i);
		if (!nd->owning)
			continue;
		if (s->ring.owner != i) {
			nd->owning = false;
			continue;
		}
		if (nd->set_epoch != s->ring.epoch && s->o.replicas > 1)
			repl_prepare(s, i);
		if (resend_pass) {
			repl_timers(s, i);
			fill_timers(s, i);
		}
		if (beat && !nd->gate) {
			struct msg b = { .type = M_BEAT,
					.stream = nd->stream,
					.seq = nd->next_seq };

			for (uint32_t k = 0; k < s->n_subs; k++)
				if (s->subs[k].joined)
					net_send(s, i, s->n + 1 + k, &b);
		}
	}
	for (uint32_t k = 0; k < s->n_subs; k++)
		sub_timers(s, k);
	pub_timers(s);
}

static void
node_msg(struct sim *s, uint32_t i, uint32_t from, const struct msg *m)
{
	switch (m->type) {
	case M_PUBLISH:
		publish_input(s, i, m);
		break;
	case M_REPLICATE:
		replicate_input(s, i, from, m);
		break;
	case M_REPL_ACK:
		repl_ack_input(s, i, from, m);
		break;
	case M_REPL_SYNC:
		sync_input(s, i, from, m);
		break;
	case M_REPL_STATE:
		state_input(s, i, from, m);
		break;
	case M_NACK:
		nack_input(s, i, from, m);
		break;
	case M_FETCH:
		fetch_input(s, i, from, m);
		break;
	case M_FETCHED:
		fetched_input(s, i, from, m);
		break;
	case M_FILL:
		fill_input(s, i, from, m);
		break;
	case M_FILL_ACK:
		fill_ack_input(s, i, from, m);
		break;
	default:
		break;
	}
}

static void
handle(struct sim *s, struct sim_event *e)
{
	const struct msg *m = (const struct msg *)e->buf;

	switch (e->type) {
	case EV_MSG:
		if (is_node(s, e->node)) {
			if (s->nodes[e->node].up)
				node_msg(s, e->node, e->src, m);
		} else if (e->node == s->pub_ep) {
			if (m->type == M_PUB_ACK)
				pub_ack_input(s, m);
		} else {
			uint32_t k = e->node - s->n - 1;

			if (m->type == M_FANOUT || m->type == M_RETRANSMIT)
				sub_input(s, k, m);
			else if (m->type == M_GONE)
				sub_gone(s, k, m);
			else if (m->type == M_BEAT)
				sub_beat(s, k, m);
		}
		break;
	case EV_TICK:
		tick(s);
		at(s, s->c.now + TICK_MS, EV_TICK, 0);
		break;
	case EV_PUBLISH:
		pub_next(s);
		break;
	case EV_CRASH:
		crash(s);
		break;
	case EV_DETECT:
		detect(s, e->node);
		break;
	case EV_JOIN:
		sub_join(s, e->node);
		break;
	}
}

/* After every event: the owner's view agrees with itself. */
static void
check_event(struct sim *s)
{
	const struct node *nd = &s->nodes[s->ring.owner];

	if (!nd->owning || !nd->up)
		return;
	if (nd->committed >= nd->next_seq || nd->all > nd->committed)
		fail(s, s->ring.owner, "stamped %" PRIu64 ", committed %"
				PRIu64 ", all %" PRIu64, nd->next_seq - 1,
				nd->committed, nd->all);
}

static void
run_until(struct sim *s, uint64_t t)
{
	struct sim_event e;

	while (sim_next(&s->c, t, &e)) {
		s->st.events++;
		handle(s, &e);
		free(e.buf);
		check_event(s);
	}
}

/* ---- the end ---- */

/* Invariant 2, and that the run came to rest. */
static void
check_end(struct sim *s)
{
	const uint32_t o = s->ring.owner;
	const struct node *nd = &s->nodes[o];
	const uint32_t need = majority(s->ring.n_set);

	if (!nd->owning) {
		fail(s, o, "the owner never took the channel over");
		return;
	}
	for (uint64_t n = 1; n <= s->o.publishes; n++)
		if (!s->p[n].answered) {
			fail(s, 0, "number %" PRIu64 " (%s) never answered",
					n, s->p[n].sent ? "sent" : "unsent");
			break;
		}
	for (uint32_t k = 0; k < s->n_subs; k++) {
		const struct sub *sb = &s->subs[k];

		if (sb->joined && (sb->rx.stream != nd->stream ||
				sb->rx.next < nd->next_seq))
			fail(s, 0, "subscriber %u stopped at %" PRIu64
					" of %" PRIu64 "%s", k + 1,
					sb->rx.next, nd->next_seq,
					sb->rx.stream != nd->stream ?
					" (another stream)" : "");
	}
	for (uint64_t n = 1; n <= s->o.publishes; n++) {
		const struct pubrec *p = &s->p[n];
		const uint64_t msg = (uint64_t)CLIENT_ID << 32 | n;
		struct stream_rec *r;
		uint32_t held = 0, x;

		if (!p->answered || p->got < REPL_LEVEL_QUORUM)
			continue;
		r = stream_of(s, p->stream);
		if (r == NULL)
			continue;
		if (r->lost_ok)
			continue;
		x = (uint32_t)(r - s->streams);
		if (p->stream != nd->stream || p->seq >= nd->next_seq ||
				store_get(nd, p->stream, p->seq) != msg) {
			fail(s, o, "number %" PRIu64 ", acknowledged at %s as "
					"%" PRIu64 ", is not in the owner's "
					"stream", n, p->got == REPL_LEVEL_ALL ?
					"all" : "quorum", p->seq);
			continue;
		}
		for (uint32_t k = 0; k < s->ring.n_set; k++)
			held += store_get(&s->nodes[s->ring.set[k]],
					p->stream, p->seq) == msg;
		if (held < need)
			fail(s, o, "number %" PRIu64 " (sequence %" PRIu64
					") acknowledged at %s, held by %u of "
					"%u", n, p->seq, p->got ==
					REPL_LEVEL_ALL ? "all" : "quorum",
					held, s->ring.n_set);
		for (uint32_t k = 0; k < s->n_subs; k++) {
			const struct sub *sb = &s->subs[k];

			if (!sb->joined || sb->first[x] == 0 ||
					p->seq < sb->first[x])
				continue;
			if (vec_get(&sb->deliv[x], p->seq) != msg)
				fail(s, 0, "subscriber %u never delivered "
						"number %" PRIu64 " (sequence %"
						PRIu64 ", acknowledged at %s)",
						k + 1, n, p->seq, p->got ==
						REPL_LEVEL_ALL ? "all" :
						"quorum");
		}
	}
}

static bool
crashes_done(const struct sim *s)
{
	return s->owner_crashes + s->replica_crashes == 0 && !s->crash_open;
}

static void
run_free(struct sim *s)
{
	for (uint32_t i = 0; i < s->n; i++) {
		struct node *nd = &s->nodes[i];

		vec_free(&nd->store);
		vec_free(&nd->life_seq);
		vec_free(&nd->rep_seq);
		vec_free(&nd->fetch_absent);
		for (uint32_t k = 0; k < REPL_OTHERS_MAX; k++)
			vec_free(&nd->fill[k].done);
		free(nd->queue);
		free(nd->dde);
	}
	for (uint32_t x = 0; x < STREAMS_MAX; x++) {
		vec_free(&s->streams[x].truth);
		vec_free(&s->streams[x].who);
		vec_free(&s->streams[x].ackq);
		for (uint32_t k = 0; k < s->n_subs; k++) {
			vec_free(&s->subs[k].deliv[x]);
			vec_free(&s->subs[k].gap[x]);
		}
	}
	vec_free(&s->nstamped);
	free(s->subs);
	free(s->p);
	sim_free(&s->c);
}

static void
totals_add(struct stats *t, const struct stats *a)
{
	const uint64_t *x = (const uint64_t *)a;
	uint64_t *y = (uint64_t *)t;

	for (size_t k = 0; k < sizeof(*a) / sizeof(uint64_t); k++)
		y[k] += x[k];
}

/* One seed; returns whether it passed. */
static bool
run_seed(const struct opts *o, uint64_t seed, struct totals *tot)
{
	struct sim *s = sim_calloc(1, sizeof(*s));
	struct keyed_hash_key key;
	const size_t ddb = pub_dedup_bytes(2);
	uint64_t crash_span, end;
	bool ok;

	cur = s;
	s->o = *o;
	s->seed = seed;
	s->n = o->nodes;
	s->n_subs = o->subscribers;
	s->pub_ep = s->n;
	sim_init(&s->c, s->n + 1 + s->n_subs, seed, SIM_SPLITMIX64, &o->net);
	s->c.verbose = o->verbose;
	snprintf(s->c.who, sizeof(s->c.who), "repl-sim: seed %" PRIu64 " ",
			seed);
	s->subs = sim_calloc(s->n_subs ? s->n_subs : 1, sizeof(*s->subs));
	s->p = sim_calloc(o->publishes + 1, sizeof(*s->p));
	s->next_number = 1;
	s->low = 1;
	s->await = NONE;
	s->await_member = NONE;
	keyed_hash_key_seed(&key, seed);
	for (uint32_t i = 0; i < s->n; i++) {
		struct node *nd = &s->nodes[i];

		s->member[i] = true;
		nd->up = true;
		sim_up(&s->c, i);
		nd->dde = sim_calloc(1, ddb);
		pub_dedup_init(&nd->dd, nd->dde, 2, &key);
	}
	for (uint32_t k = 0; k < s->n_subs; k++)
		sim_up(&s->c, s->n + 1 + k);
	sim_up(&s->c, s->pub_ep);
	ring_compute(s, &s->ring);
	s->ring.epoch = 1;
	{
		/* The first owner orders a stream from 1. */
		struct node *nd = &s->nodes[s->ring.owner];

		nd->owning = true;
		nd->stream = stream_new(s);
		nd->st_stream = nd->stream;
		nd->next_seq = 1;
		nd->base = 1;
		repl_prepare(s, s->ring.owner);
	}
	if (s->n_subs > 0) {
		s->subs[0].joined = true;
		sub_start(s, 0, s->nodes[s->ring.owner].stream, 1);
	}
	s->owner_crashes = o->crashes;
	s->replica_crashes = o->replica_crashes;
	crash_span = (uint64_t)o->publishes * o->gap_ms;
	for (uint32_t k = 1; k < s->n_subs; k++)
		at(s, sim_range(&s->c, 1, crash_span + 1), EV_JOIN, k);
	schedule_crash(s, sim_range(&s->c, 20, crash_span * 2 / 3 + 21));
	at(s, 0, EV_TICK, 0);
	at(s, 0, EV_PUBLISH, 0);

	/* With faults, until every publish went and every crash completed. */
	end = (uint64_t)o->seconds * 1000;
	while (s->c.now < end && !(s->next_number > o->publishes &&
			crashes_done(s)))
		run_until(s, s->c.now + 50);
	s->faults_over = true;
	s->c.faults = false;
	run_until(s, s->c.now + QUIET_MS);
	if (!crashes_done(s))
		fail(s, 0, "a failover never completed");
	check_end(s);

	ok = s->c.failures == 0;
	tot->seeds++;
	totals_add(&tot->st, &s->st);
	if (!ok) {
		tot->failed++;
		sim_report_failed(&s->c, "repl-sim", seed, repro);
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
"usage: rumor-repl-sim [options]\n"
"  --seed S            one seed (default 1)\n"
"  --seeds A-B         every seed from A to B, in one process\n"
"  --nodes N           nodes (default 5, at most 16)\n"
"  --replicas R        the replica set (default 3, at most 5)\n"
"  --publishes P       acked and plain publishes (default 300)\n"
"  --gap MS            mean gap between publishes (default 3)\n"
"  --loss P            percent of datagrams lost (default 2)\n"
"  --dup P             percent duplicated (default 2)\n"
"  --delay-min MS      one-way delay, uniform (default 1)\n"
"  --delay-max MS      (default 10)\n"
"  --delay A-B         both at once\n"
"  --crashes C         owner crashes, one at a time (default 1)\n"
"  --replica-crashes C replica crashes, one at a time (default 0)\n"
"  --level L           owner, quorum or all (default a mix, with some\n"
"                      publishes unacknowledged)\n"
"  --subscribers S     0 to 2; the second joins late (default 2)\n"
"  --time T            simulated seconds with faults, at most (60)\n"
"  --detect A-B        ms to a ring without a crashed node (150-400)\n"
"  --nack-tries N      a subscriber gives a hole up after N NACKs, as\n"
"                      the dataplane does with 30 (default 0: never)\n"
"  --nack-ms MS        between them (default twice the largest delay)\n"
"  --no-fetch          a new owner does not fetch what it lacks\n"
"  --no-fill           a new owner neither copies its history to its\n"
"                      set nor tells it the jump before stamping\n"
"  --set-resend        resend when the set, not a replica, stalls\n"
"  --gone-from-next    a GONE gives up from the expected sequence\n"
"  --dataplane         --no-fill: the failover as the dataplane runs\n"
"                      it\n"
"  --replica-dedup     a replica records the numbers it takes in its\n"
"                      publish memory (for when it owns the channel)\n"
"  --strict-all        check that `all` is held by every member\n"
"  -v                  print every violation, and the failovers\n");
}

/* What of the dataplane's failover and subscriber a run keeps. */
static const char *
mode(const struct opts *o)
{
	static char m[96];

	if (o->no_fetch && o->no_fill && !o->set_resend && !o->gone_from_next)
		return " (the dataplane's failover)";
	snprintf(m, sizeof(m), "%s%s%s%s", o->no_fetch ? " (no fetch)" : "",
			o->no_fill ? " (no fill)" : "",
			o->set_resend ? " (set resend)" : "",
			o->gone_from_next ? " (gone from next)" : "");
	return m;
}

static int
level_arg(const char *a)
{
	if (strcmp(a, "owner") == 0)
		return REPL_LEVEL_OWNER;
	if (strcmp(a, "quorum") == 0)
		return REPL_LEVEL_QUORUM;
	if (strcmp(a, "all") == 0)
		return REPL_LEVEL_ALL;
	if (strcmp(a, "mix") == 0)
		return -1;
	return -2;
}

int
main(int argc, char **argv)
{
	struct opts o = {
		.seed_lo = 1, .seed_hi = 1, .nodes = 5, .replicas = 3,
		.publishes = 300, .gap_ms = 3,
		.net = { .loss_pct = 2, .dup_pct = 2, .delay_min_ms = 1,
			.delay_max_ms = 10 },
		.crashes = 1, .level = -1, .subscribers = 2, .seconds = 60,
		.detect_lo = 150, .detect_hi = 400,
	};
	const struct sim_opt opts[] = {
		{ "seed", 0, SIM_OPT_RANGE64, &o.seed_lo, &o.seed_hi },
		{ "seeds", 0, SIM_OPT_RANGE64, &o.seed_lo, &o.seed_hi },
		{ "nodes", 0, SIM_OPT_U32, &o.nodes, NULL },
		{ "replicas", 0, SIM_OPT_U32, &o.replicas, NULL },
		{ "publishes", 0, SIM_OPT_U32, &o.publishes, NULL },
		{ "gap", 0, SIM_OPT_U32, &o.gap_ms, NULL },
		{ "loss", 0, SIM_OPT_U32, &o.net.loss_pct, NULL },
		{ "dup", 0, SIM_OPT_U32, &o.net.dup_pct, NULL },
		{ "delay-min", 0, SIM_OPT_U32, &o.net.delay_min_ms, NULL },
		{ "delay-max", 0, SIM_OPT_U32, &o.net.delay_max_ms, NULL },
		{ "delay", 0, SIM_OPT_RANGE32, &o.net.delay_min_ms,
			&o.net.delay_max_ms },
		{ "crashes", 0, SIM_OPT_U32, &o.crashes, NULL },
		{ "replica-crashes", 0, SIM_OPT_U32, &o.replica_crashes,
			NULL },
		{ "subscribers", 0, SIM_OPT_U32, &o.subscribers, NULL },
		{ "time", 0, SIM_OPT_U32, &o.seconds, NULL },
		{ "detect", 0, SIM_OPT_RANGE32, &o.detect_lo, &o.detect_hi },
		{ "nack-tries", 0, SIM_OPT_U32, &o.nack_tries, NULL },
		{ "nack-ms", 0, SIM_OPT_U32, &o.nack_ms, NULL },
		{ "no-fetch", 0, SIM_OPT_SET, &o.no_fetch, NULL },
		{ "no-fill", 0, SIM_OPT_SET, &o.no_fill, NULL },
		{ "set-resend", 0, SIM_OPT_SET, &o.set_resend, NULL },
		{ "gone-from-next", 0, SIM_OPT_SET, &o.gone_from_next, NULL },
		{ "replica-dedup", 0, SIM_OPT_SET, &o.replica_dedup, NULL },
		{ "dataplane", 0, SIM_OPT_SET, &o.dataplane, NULL },
		{ "strict-all", 0, SIM_OPT_SET, &o.strict_all, NULL },
		{ NULL, 'v', SIM_OPT_SET, &o.verbose, NULL },
	};
	struct totals tot = { 0 };
	const char *level = "mix";
	size_t off;
	int rc;

	/* --level takes a word: read it here, the rest by the table. */
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "--level") == 0) {
			level = argv[i + 1];
			memmove(&argv[i], &argv[i + 2],
					(size_t)(argc - i - 2) * sizeof(*argv));
			argc -= 2;
			break;
		}
	o.level = level_arg(level);
	rc = sim_args(argc, argv, opts, sizeof(opts) / sizeof(opts[0]),
			usage);
	if (rc >= 0)
		return rc;
	if (o.dataplane)
		o.no_fill = true;
	if (o.level < -1 || o.nodes < 1 || o.nodes > NODES_MAX ||
			o.replicas < 1 || o.replicas > RING_REPLICAS_MAX ||
			o.replicas > o.nodes || o.subscribers > SUBS_MAX ||
			o.gap_ms < 1 || o.publishes < 1 ||
			o.net.delay_max_ms < o.net.delay_min_ms ||
			o.detect_hi < o.detect_lo ||
			o.crashes + o.replica_crashes + 1 > o.nodes) {
		usage(stderr);
		return 2;
	}

	/* The command line, seed aside, for reproductions. */
	off = sim_repro(repro, sizeof(repro), argc, argv);
	if (o.level != -1 && off < sizeof(repro))
		off += (size_t)snprintf(repro + off, sizeof(repro) - off,
				" --level %s", level);
	signal(SIGABRT, on_abort);

	for (uint64_t seed = o.seed_lo; ; seed++) {
		run_seed(&o, seed, &tot);
		if (seed == o.seed_hi)
			break;
	}

	printf("repl-sim: seeds %" PRIu64 "-%" PRIu64 ", %u nodes, %u "
			"replicas%s: %" PRIu64 " passed, %" PRIu64 " failed\n"
			"repl-sim: stamped %" PRIu64 ", acked owner %" PRIu64
			", quorum %" PRIu64 ", all %" PRIu64 " (%" PRIu64
			" below the level asked), retries %" PRIu64
			", duplicates answered %" PRIu64 ", held back %"
			PRIu64 ", ordered again by a new owner %" PRIu64 "\n"
			"repl-sim: failovers %" PRIu64 ", new streams "
			"(resets) %" PRIu64 ", gaps %" PRIu64 " (%" PRIu64
			" sequences), fetched %" PRIu64 ", copied %" PRIu64
			", resent %" PRIu64 ", delivered %" PRIu64
			", events %" PRIu64 "\n",
			o.seed_lo, o.seed_hi, o.nodes, o.replicas, mode(&o),
			tot.seeds - tot.failed, tot.failed, tot.st.stamped,
			tot.st.acked[REPL_LEVEL_OWNER],
			tot.st.acked[REPL_LEVEL_QUORUM],
			tot.st.acked[REPL_LEVEL_ALL], tot.st.short_level,
			tot.st.retries, tot.st.duplicates, tot.st.held_back,
			tot.st.reordered,
			tot.st.failovers, tot.st.resets, tot.st.gaps,
			tot.st.gap_seqs, tot.st.fetched, tot.st.filled,
			tot.st.resent, tot.st.delivered, tot.st.events);
	return tot.failed == 0 ? 0 : 1;
}
