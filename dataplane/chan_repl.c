/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replicated channels on the channel's lcore (chan_repl.h).
 *
 * The owner sends each message it stamps to the other replicas of the
 * channel's slot as a REPLICATE, sharing the fan-out's copy, and follows
 * how far each holds from their cumulative REPL_ACKs (rumor/
 * repl_track.h): committed (a majority holds it) and all. It stamps no
 * further than committed + REPL_WINDOW, answers an acked PUBLISH that
 * asked for quorum or all once that is met, and sends again what
 * follows a replica's held when it has not moved for
 * CHAN_REPL_RESEND_MS, from its history.
 *
 * A replica takes a REPLICATE only from the owner its own ring names,
 * under its own ring's epoch when the ring is agreed, and only for a
 * channel whose replica set under that ring holds it; it keeps the
 * message in the channel's history, as an owner does, so that it can
 * take the stream over, and answers with how far it holds. Everything
 * a REPLICATE says is bounded before it is used: its sequence within
 * the replica's window, its stream taken up only where the owner's
 * committed allows.
 */
#define _LGPL_SOURCE
#include <urcu/urcu-qsbr.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_malloc.h>

#include "rumor/config.h"
#include "rumor/ring_replicas.h"
#include "chan_repl.h"
#include "pub_ack.h"

/* Committed and all of s from its replicas' helds. */
static void
repl_update(struct chan_state *s)
{
	const uint64_t stamped = s->next_seq - 1;
	const uint64_t floor = s->ro.floor;
	uint64_t c = repl_owner_committed(&s->ro.set, stamped);
	uint64_t a = repl_owner_all(&s->ro.set, stamped);

	/* What precedes this owner's first stamp is not its to count. */
	s->ro.committed = RTE_MAX(c, RTE_MIN(floor, stamped));
	s->ro.all = RTE_MAX(a, RTE_MIN(floor, stamped));
}

/* The replicas of hash under ring for R = r: up to r - 1 ids. */
static uint32_t
set_of(const struct ring_table *ring, uint64_t hash, unsigned r,
		uint32_t *id)
{
	const struct ring_replicas *rp = ring->replicas;
	const uint32_t slot = ring_slot(ring, hash);
	uint32_t n = 0;

	if (rp == NULL)
		return 0;
	for (unsigned k = 1; k < r && k <= rp->width; k++) {
		const uint32_t x = ring_replica(rp, slot, k);

		if (x != 0)
			id[n++] = x;
	}
	return n;
}

/* R of s's channel, looked up once (a pattern match on its name). */
static unsigned
r_of(struct chan_state *s)
{
	if (unlikely(s->ro.r == 0))
		s->ro.r = (uint8_t)config_replicas_for(&dp.cfg, s->name,
				s->len);
	return s->ro.r;
}

/* Every replica of s as if it had just made progress. */
static void
tsc_all(struct chan_state *s, uint64_t now)
{
	for (uint32_t i = 0; i < s->ro.set.n; i++)
		s->ro.tsc[i] = now;
}

void
repl_prepare(struct chan_state *s, const struct ring_table *ring)
{
	if (r_of(s) > 1 && s->ro.epoch != ring->epoch) {
		struct repl_owner old = s->ro.set;
		uint32_t id[REPL_OTHERS_MAX];
		uint32_t n = set_of(ring, s->hash, s->ro.r, id);

		repl_owner_init(&s->ro.set, id, n);
		/* A replica that stays keeps what it holds. */
		for (uint32_t i = 0; i < old.n; i++)
			(void)repl_owner_ack(&s->ro.set, old.id[i],
					old.held[i], s->next_seq - 1);
		s->ro.epoch = ring->epoch;
		tsc_all(s, rte_rdtsc());
		repl_update(s);
	}
}

void
repl_took_over(struct chan_state *s, uint64_t next)
{
	memset(&s->rr, 0, sizeof(s->rr));
	s->ro.floor = RTE_MAX(s->ro.floor, next - 1);
	s->ro.epoch = 0;		/* Its own set, under its ring. */
}

void
repl_restart(struct chan_state *s, uint64_t base)
{
	const struct repl_owner set = s->ro.set;

	repl_owner_init(&s->ro.set, set.id, set.n);
	s->ro.floor = base - 1;
	s->ro.committed = base - 1;
	s->ro.all = base - 1;
	s->ro.n_wait = 0;	/* Their publishers ask again. */
	memset(&s->rr, 0, sizeof(s->rr));
}

uint8_t
repl_level_met(const struct chan_state *s, uint64_t seq, uint8_t *held)
{
	*held = (uint8_t)repl_owner_holding(&s->ro.set, seq,
			s->next_seq - 1);
	if (seq <= repl_all(s))
		return REPL_LEVEL_ALL;
	return seq <= repl_committed(s) ? REPL_LEVEL_QUORUM : REPL_LEVEL_OWNER;
}

/* Keep s in the lcore's list of channels whose replicas are followed. */
static void
repl_list(struct chan_lcore *cl, struct chan_state *s)
{
	if (s->ro.listed || cl->n_repl == CHAN_REPL_LIST_MAX)
		return;
	cl->repl[cl->n_repl++] = s;
	s->ro.listed = true;
}

void
repl_acked_put(struct chan_state *s, uint64_t seq, uint64_t client,
		uint64_t number)
{
	if (s->acked == NULL)
		s->acked = rte_zmalloc("rumor_chan_acked", CHAN_HIST *
				sizeof(*s->acked), 0);
	if (s->acked != NULL)
		s->acked[seq & (CHAN_HIST - 1)] = (struct chan_acked){
			.seq = seq, .client = client, .number = number };
}

/* The client and number kept for seq of s, or NULL. */
static const struct chan_acked *
acked_of(const struct chan_state *s, uint64_t seq)
{
	const struct chan_acked *a = s->acked != NULL ?
			&s->acked[seq & (CHAN_HIST - 1)] : NULL;

	return a != NULL && a->seq == seq ? a : NULL;
}

/* The REPLICATE of f (a FANOUT or a RETRANSMIT-like copy) for seq. */
static void
replicate_of(struct fan_msg *r, const struct fan_msg *f,
		const struct chan_state *s, uint64_t seq, uint64_t client,
		uint64_t number)
{
	const struct repl_replicate rep = {
		.stream = s->stream,
		.seq = seq,
		.client = client,
		.number = number,
		.committed = RTE_MIN(s->ro.committed, seq - 1),
	};

	*r = *f;
	r->type = RUMOR_T_REPLICATE;
	r->hop_limit = RUMOR_DEFAULT_HOP_LIMIT;
	r->fixed_len = (uint16_t)repl_replicate_encode(&rep, r->fixed,
			sizeof(r->fixed));
}

void
repl_send(struct dp_lcore *lc, struct chan_state *s, const struct fan_msg *f,
		uint64_t seq, uint64_t client, uint64_t number,
		const struct peer_table *peers)
{
	struct chan_dest d[REPL_OTHERS_MAX];
	struct fan_msg r;
	uint32_t n = 0;

	if (s->ro.set.n == 0)
		return;
	replicate_of(&r, f, s, seq, client, number);
	for (uint32_t i = 0; i < s->ro.set.n; i++) {
		if (fan_member(peers, s->ro.set.id[i], &d[n]))
			n++;
		else
			lc->stats.c[STAT_CHAN_NO_ROUTE]++;
	}
	fan_send_n(lc, &r, d, n, STAT_REPL_SENT);
	if (!s->ro.listed)
		tsc_all(s, rte_rdtsc());
	repl_list(lc->chan, s);
}

/* Answer an acked message of s stamped as seq with the level it met. */
static void
answer(struct dp_lcore *lc, const struct chan_state *s,
		const struct rumor_hdr *h, uint32_t sender,
		const struct repl_pub_req *req, uint64_t seq,
		const struct ring_table *ring, const struct peer_table *peers)
{
	struct repl_pub_ack a = {
		.status = REPL_PUB_OK,
		.stream = s->stream,
		.seq = seq,
	};

	a.level = repl_level_met(s, seq, &a.held);
	pub_ack_answer(lc, h, sender, req, &a, ring, peers);
}

void
repl_answer_or_wait(struct dp_lcore *lc, struct chan_state *s,
		const struct rumor_hdr *h, uint32_t sender,
		const struct repl_pub_req *req, uint64_t seq,
		const struct ring_table *ring, const struct peer_table *peers)
{
	struct chan_wait *w;
	uint8_t held;

	if (repl_level_met(s, seq, &held) >= req->level) {
		answer(lc, s, h, sender, req, seq, ring, peers);
		return;
	}
	if (s->ro.wait == NULL)
		s->ro.wait = rte_malloc("rumor_chan_wait", CHAN_WAIT_MAX *
				sizeof(*s->ro.wait), 0);
	if (s->ro.wait == NULL || s->ro.n_wait == CHAN_WAIT_MAX) {
		/* No room to wait: what it met, now. */
		lc->stats.c[STAT_REPL_WAIT_FULL]++;
		answer(lc, s, h, sender, req, seq, ring, peers);
		return;
	}
	w = &s->ro.wait[s->ro.n_wait++];
	w->seq = seq;
	w->sender = sender;
	w->level = req->level;
	w->req = *req;
}

/* The waits of s that the replicas' progress met: answered. */
static void
answer_waits(struct dp_lcore *lc, struct chan_state *s,
		const struct rumor_hdr *h, const struct ring_table *ring,
		const struct peer_table *peers)
{
	uint8_t held;

	for (uint32_t i = 0; i < s->ro.n_wait; ) {
		const struct chan_wait *w = &s->ro.wait[i];

		if (repl_level_met(s, w->seq, &held) < w->level) {
			i++;
			continue;
		}
		answer(lc, s, h, w->sender, &w->req, w->seq, ring, peers);
		s->ro.wait[i] = s->ro.wait[--s->ro.n_wait];
	}
}

struct chan_state *
repl_ack_input(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct rumor_hdr *h, const struct ring_table *ring,
		const struct peer_table *peers)
{
	struct repl_ack a;
	struct chan_state *s;
	int moved;

	if (repl_ack_decode(rumor_hdr_payload(h), ntohs(h->payload_len), &a) !=
			CHAN_WIRE_OK) {
		chan_drop(lc, m, STAT_CHAN_BAD);
		return NULL;
	}
	lc->stats.c[STAT_REPL_ACK_RX]++;
	s = chan_state_get(lc, be64toh(h->channel_hash), rumor_hdr_channel(h),
			ntohs(h->channel_len), false);
	if (s == NULL || s->stream != a.stream || s->ro.set.n == 0) {
		chan_drop(lc, m, STAT_REPL_ACK_STALE);
		return NULL;
	}
	if (a.status != REPL_ACK_OK) {
		chan_drop(lc, m, STAT_REPL_REFUSED);
		return NULL;
	}
	moved = repl_owner_ack(&s->ro.set, chan_sender(m), a.held,
			s->next_seq - 1);
	if (moved < 0) {
		chan_drop(lc, m, STAT_REPL_ACK_STALE);
		return NULL;
	}
	if (moved > 0) {
		repl_update(s);
		for (uint32_t i = 0; i < s->ro.set.n; i++)
			if (s->ro.set.id[i] == chan_sender(m))
				s->ro.tsc[i] = rte_rdtsc();
		if (s->ro.n_wait > 0)
			answer_waits(lc, s, h, ring, peers);
	}
	rte_pktmbuf_free(m);
	if (moved > 0 && s->ro.holding && repl_may_stamp(s, s->next_seq)) {
		s->ro.holding = false;
		return s;	/* The caller lets the held through. */
	}
	return NULL;
}

/* Whether this node is a replica of s's channel under ring. */
static bool
in_set(struct chan_state *s, const struct ring_table *ring)
{
	uint32_t id[REPL_OTHERS_MAX];
	uint32_t n = r_of(s) > 1 ? set_of(ring, s->hash, s->ro.r, id) : 0;

	for (uint32_t i = 0; i < n; i++)
		if (id[i] == dp.cfg.node_id)
			return true;
	return false;
}

/* The REPL_ACK of a REPLICATE (header h) to the owner d. */
static void
send_ack(struct dp_lcore *lc, const struct rumor_hdr *h,
		const struct repl_ack *a, const struct chan_dest *d,
		const struct ring_table *ring)
{
	struct fan_msg f;

	fan_init(&f, h, RUMOR_T_REPL_ACK, RUMOR_DEFAULT_HOP_LIMIT,
			dp.cfg.node_id, ring->epoch, be64toh(h->seq));
	f.fixed_len = (uint16_t)repl_ack_encode(a, f.fixed, sizeof(f.fixed));
	fan_send(lc, &f, d, STAT_REPL_ACK_SENT);
}

void
repl_hist_keep(struct dp_lcore *lc, struct chan_state *s, struct rte_mbuf *m,
		uint32_t fixed_len, uint64_t seq)
{
	const struct rumor_hdr *h = chan_hdr(m);
	const uint32_t off = FRAME_RUMOR_OFF + sizeof(*h) +
			ntohs(h->channel_len) + fixed_len;
	const uint32_t len = ntohs(h->payload_len) - fixed_len;
	struct chan_hist *hs = &s->hist[seq & (CHAN_HIST - 1)];
	const uint32_t origin = ntohl(h->origin);
	const uint64_t pubid = be64toh(h->seq);
	struct fan_msg f;

	/* Its sum, and the segment cut to the message (fanout.h). */
	fan_msg_segment(&f, m, off, len);
	if (hs->m != NULL)
		rte_pktmbuf_free(hs->m);
	hs->m = m;
	hs->seq = seq;
	hs->origin = origin;
	hs->sum = f.msg_sum;
	hs->pubid = pubid;
	chan_history_push(lc->chan, lc, s, seq);
}

/*
 * Keep the message of the REPLICATE m (its fixed part rep) as history of
 * s, with its publisher's client and number.
 */
static void
replica_keep_msg(struct dp_lcore *lc, struct chan_state *s,
		struct rte_mbuf *m, const struct repl_replicate *rep)
{
	if (rep->client != 0)
		repl_acked_put(s, rep->seq, rep->client, rep->number);
	repl_hist_keep(lc, s, m, REPL_REPLICATE_LEN, rep->seq);
}

/* Whether this node took hash over from sender at ring's change. */
static bool
handed_over(const struct ring_table *ring, uint64_t hash, uint32_t sender)
{
	return ring->prev != NULL && sender != dp.cfg.node_id &&
			ring_owner(ring, hash) == dp.cfg.node_id &&
			ring_owner(ring->prev, hash) == sender;
}

/*
 * A REPLICATE (fixed part rep) from the node that owned the channel
 * under the ring before this one, which this node now owns: an acked
 * message it stamped (repl_handover). Its number goes into the publish
 * memory, so that the publisher's retry here is answered DUPLICATE, not
 * ordered again; nothing else is kept, and nothing answered. It comes
 * as the old owner hands the channel over, often before this node has
 * taken the HANDOFF: the stream it names is kept with it, and the entry
 * matches only once this node continues that stream (an old owner can
 * say no more here than its HANDOFF already does). Takes m.
 */
static void
handover_input(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct repl_replicate *rep, uint64_t hash)
{
	if (rep->client != 0) {
		pub_dedup_record(&lc->chan->pubs, hash, rep->stream,
				rep->client, rep->number, rep->seq);
		lc->stats.c[STAT_REPL_HANDED_RX]++;
	}
	rte_pktmbuf_free(m);
}

void
replica_input(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct rumor_hdr *h, const struct ring_table *ring,
		const struct peer_table *peers)
{
	const uint64_t hash = be64toh(h->channel_hash);
	const uint64_t epoch = be64toh(h->epoch);
	const uint32_t sender = chan_sender(m);
	struct repl_replicate rep;
	struct repl_ack a = { .status = REPL_ACK_OK };
	struct chan_state *s = NULL;
	struct chan_dest d;
	enum repl_recv_verdict v;
	bool restarted;

	if (repl_replicate_decode(rumor_hdr_payload(h), ntohs(h->payload_len),
			&rep) != CHAN_WIRE_OK || ntohs(h->payload_len) -
			REPL_REPLICATE_LEN > chan_payload_max(
			ntohs(h->channel_len))) {
		chan_drop(lc, m, STAT_CHAN_BAD);
		return;
	}
	a.stream = rep.stream;
	/*
	 * From the owner under this node's own ring, which names the set;
	 * epochs compare only between agreed rings.
	 */
	if (ring->agreed && epoch > ring->epoch) {
		chan_drop(lc, m, STAT_REPL_AHEAD);
		return;
	}
	if (handed_over(ring, hash, sender)) {
		handover_input(lc, m, &rep, hash);
		return;
	}
	if (ring->agreed && epoch < ring->epoch) {
		a.status = REPL_ACK_STALE;
		lc->stats.c[STAT_REPL_STALE]++;
	} else if (ring_owner(ring, hash) != sender) {
		chan_drop(lc, m, STAT_REPL_NOT_OWNER);
		return;
	} else {
		s = chan_state_get(lc, hash, rumor_hdr_channel(h),
				ntohs(h->channel_len), true);
		if (s == NULL) {
			rte_pktmbuf_free(m);
			return;
		}
		if (!in_set(s, ring)) {
			a.status = REPL_ACK_NOT_REPLICA;
			lc->stats.c[STAT_REPL_NOT_REPLICA]++;
			s = NULL;
		}
	}
	if (!fan_member(peers, sender, &d)) {
		chan_drop(lc, m, STAT_CHAN_NO_ROUTE);
		return;
	}
	if (s == NULL) {
		send_ack(lc, h, &a, &d, ring);
		rte_pktmbuf_free(m);
		return;
	}
	v = repl_recv_take(&s->rr, rep.stream, rep.seq, rep.committed,
			&restarted);
	if (restarted)
		chan_state_release_hist(s);
	s->rr_tsc = rte_rdtsc();
	if (s->rr.stream == rep.stream) {
		/* Held as an owner keeps its history: it may take over. */
		s->stream = s->rr.stream;
		s->base = s->rr.first;
		s->next_seq = s->rr.held + 1;
		a.held = s->rr.held;
	}
	/* The acknowledgement's header before m may become the message. */
	send_ack(lc, h, &a, &d, ring);
	if (v == REPL_RECV_NEW) {
		lc->stats.c[STAT_REPL_TAKEN]++;
		/*
		 * The publisher's number goes into this lcore's publish
		 * memory too, once held without a hole before it: as the
		 * owner after a handoff or a failover (which continues past
		 * the majority's held, at least this node's), this node
		 * answers a retry of it DUPLICATE instead of ordering it
		 * again. One above a hole might fall in a failover's jump,
		 * where it would be acknowledged and never delivered.
		 */
		if (rep.client != 0 && rep.seq <= s->rr.held)
			pub_dedup_record(&lc->chan->pubs, hash, rep.stream,
					rep.client, rep.number, rep.seq);
		replica_keep_msg(lc, s, m, &rep);
		return;
	}
	chan_drop(lc, m, v == REPL_RECV_DUP ? STAT_REPL_DUP : STAT_REPL_FAR);
}

bool
repl_failover_plan(struct dp_lcore *lc, const struct ring_table *ring,
		uint64_t hash, const char *name, uint16_t len, bool owner_too,
		struct repl_failover *fo)
{
	const struct ring_table *prev = ring->prev;
	struct chan_state *s = chan_state_get(lc, hash, name, len, true);
	uint32_t id[REPL_OTHERS_MAX], n;
	bool self_in = false;

	/*
	 * A node that holds nothing of the stream asks too: a replica of
	 * the old set new to it (not filled yet), or a node outside that
	 * set (the old owner had taken the channel over from one that left
	 * when it crashed). It takes the stream from the answers and
	 * fetches it whole (chan_fetch.c).
	 */
	if (prev == NULL || s == NULL || r_of(s) <= 1)
		return false;
	n = set_of(prev, hash, s->ro.r, id);
	memset(fo, 0, sizeof(*fo));
	for (uint32_t i = 0; i < n; i++) {
		if (id[i] == dp.cfg.node_id)
			self_in = true;
		else
			fo->ask[fo->n_ask++] = id[i];
	}
	/* An old owner alive that never ordered it may hold it as replica. */
	if (owner_too && ring_owner(prev, hash) != dp.cfg.node_id &&
			fo->n_ask < REPL_OTHERS_MAX)
		fo->ask[fo->n_ask++] = ring_owner(prev, hash);
	/* Its own state counts only as a replica of that set. */
	fo->stream = self_in ? s->rr.stream : 0;
	fo->held = self_in ? s->rr.held : 0;
	/* A majority of the old set, its owner (gone) counting as none. */
	fo->need = (n + 1) / 2 + 1;
	fo->got = self_in ? 1 : 0;
	if (fo->n_ask + fo->got < fo->need)
		return false;		/* No majority can answer. */
	lc->stats.c[STAT_REPL_FAILOVER_ASKED]++;
	return true;
}

void
repl_sync_send(struct dp_lcore *lc, const struct repl_failover *fo,
		uint64_t hash, const char *name, uint16_t len, uint64_t req,
		const struct ring_table *ring, const struct peer_table *peers)
{
	struct chan_dest d;
	struct fan_msg f;

	memset(&f, 0, offsetof(struct fan_msg, fixed));
	f.type = RUMOR_T_REPL_SYNC;
	f.hop_limit = RUMOR_DEFAULT_HOP_LIMIT;
	f.origin = dp.cfg.node_id;
	f.epoch = ring->epoch;
	f.seq = req;
	f.hash = hash;
	f.name = name;
	f.name_len = len;
	for (uint32_t i = 0; i < fo->n_ask; i++) {
		if (fo->answered[i])
			continue;
		if (fan_member(peers, fo->ask[i], &d))
			fan_send(lc, &f, &d, STAT_REPL_SYNC_SENT);
		else
			lc->stats.c[STAT_CHAN_NO_ROUTE]++;
	}
}

bool
repl_failover_answer(struct repl_failover *fo, uint32_t from,
		const struct repl_state *st)
{
	for (uint32_t i = 0; i < fo->n_ask; i++) {
		if (fo->ask[i] != from || fo->answered[i])
			continue;
		fo->answered[i] = true;
		fo->got++;
		/*
		 * A member that holds another stream, or none, still counts:
		 * whatever a majority committed, another member of any
		 * majority holds.
		 */
		if (fo->stream == 0 && st->stream != 0)
			fo->stream = st->stream;
		if (st->stream == fo->stream && st->held > fo->held) {
			fo->held = st->held;
			fo->holder = from;
			fo->from = st->first;
		}
		break;
	}
	return fo->got >= fo->need;
}

uint64_t
repl_failover_held(struct dp_lcore *lc, const struct repl_failover *fo,
		uint64_t hash, const char *name, uint16_t len)
{
	const struct chan_state *s = chan_state_get(lc, hash, name, len,
			false);

	/* What this node took since it asked (or fetched) counts too. */
	if (s != NULL && s->rr.stream == fo->stream && s->rr.held > fo->held)
		return s->rr.held;
	return fo->held;
}

void
repl_failover_settle(struct dp_lcore *lc, uint64_t hash, const char *name,
		uint16_t len, uint64_t next)
{
	struct chan_state *s = chan_state_get(lc, hash, name, len, false);

	if (s == NULL)
		return;
	if (s->next_seq < next)
		s->next_seq = next;
	repl_took_over(s, next);
	lc->stats.c[STAT_REPL_FAILOVER]++;
}

/* True if id is a replica (not the owner) of the channel under ring. */
static bool
was_replica(const struct ring_table *ring, uint64_t hash, const char *name,
		uint16_t len, uint32_t id)
{
	uint32_t set[REPL_OTHERS_MAX];
	const uint32_t n = set_of(ring, hash, config_replicas_for(&dp.cfg,
			name, len), set);

	for (uint32_t i = 0; i < n; i++)
		if (set[i] == id)
			return true;
	return false;
}

void
replica_sync_input(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct rumor_hdr *h, const struct ring_table *ring,
		const struct peer_table *peers)
{
	const uint64_t hash = be64toh(h->channel_hash);
	const uint32_t sender = chan_sender(m);
	struct chan_state *s = chan_state_get(lc, hash, rumor_hdr_channel(h),
			ntohs(h->channel_len), false);
	struct repl_state st = { 0 };
	struct chan_dest d;
	struct fan_msg f;

	/*
	 * Only to the owner this node's own ring names (a REPL_STATE is
	 * larger than the request), and only from the ring it asks under;
	 * or, asked under a later epoch than this node's, to a member of
	 * the channel's replica set under its ring: the one a failover
	 * makes owner. So a node that left gracefully (its dataplane gets
	 * no ring without itself) still answers while it lingers, and a
	 * crash at the same moment does not leave the new owner without a
	 * majority. An answer changes nothing here.
	 */
	if (ntohs(h->payload_len) != REPL_SYNC_LEN || !(ring_owner(ring,
			hash) == sender ? !ring->agreed || be64toh(h->epoch) ==
			ring->epoch : ring->agreed && be64toh(h->epoch) >
			ring->epoch && was_replica(ring, hash, rumor_hdr_channel(h),
			ntohs(h->channel_len), sender))) {
		chan_drop(lc, m, STAT_REPL_NOT_OWNER);
		return;
	}
	if (!fan_member(peers, sender, &d)) {
		chan_drop(lc, m, STAT_CHAN_NO_ROUTE);
		return;
	}
	if (s != NULL && s->rr.stream != 0) {
		st.stream = s->rr.stream;
		st.held = s->rr.held;
		st.first = s->rr.first;
	}
	fan_init(&f, h, RUMOR_T_REPL_STATE, RUMOR_DEFAULT_HOP_LIMIT,
			dp.cfg.node_id, ring->epoch, be64toh(h->seq));
	f.fixed_len = (uint16_t)repl_state_encode(&st, f.fixed,
			sizeof(f.fixed));
	fan_send(lc, &f, &d, STAT_REPL_STATE_SENT);
	rte_pktmbuf_free(m);
}

bool
replica_keep(const struct chan_state *s, uint64_t now)
{
	return s->rr.stream != 0 && now - s->rr_tsc <
			(uint64_t)CHAN_REPLICA_KEEP_S * rte_get_tsc_hz();
}

/*
 * The message of s stamped as q, from history, as fan-out f under ring;
 * false if history no longer holds it.
 */
static bool
hist_msg(struct fan_msg *f, const struct chan_state *s, uint64_t q,
		const struct ring_table *ring)
{
	const struct chan_hist *hs = &s->hist[q & (CHAN_HIST - 1)];

	if (hs->m == NULL || hs->seq != q)
		return false;
	fan_init_state(f, s, RUMOR_T_FANOUT, RUMOR_DEFAULT_HOP_LIMIT,
			hs->origin, ring->epoch, hs->pubid);
	f->seg = hs->m;
	f->msg_len = hs->m->data_len;
	f->msg_sum = hs->sum;
	return true;
}

/* What follows replica i's held, from history, up to a burst: sent. */
static uint32_t
resend(struct dp_lcore *lc, struct chan_state *s, uint32_t i,
		const struct ring_table *ring, const struct peer_table *peers)
{
	const uint64_t stamped = s->next_seq - 1;
	/* History holds the last CHAN_HIST sequences at most. */
	uint64_t q = RTE_MAX(RTE_MAX(s->ro.set.held[i] + 1, s->base),
			stamped >= CHAN_HIST ? stamped - CHAN_HIST + 1 : 1);
	struct chan_dest d;
	struct fan_msg f, r;

	uint32_t k = 0;

	if (!fan_member(peers, s->ro.set.id[i], &d))
		return 0;
	for (; k < CHAN_REPL_RESEND_BURST && q <= stamped; q++) {
		const struct chan_acked *a = acked_of(s, q);

		if (!hist_msg(&f, s, q, ring))
			continue;	/* Gone: the replica starts later. */
		replicate_of(&r, &f, s, q, a != NULL ? a->client : 0,
				a != NULL ? a->number : 0);
		fan_send(lc, &r, &d, STAT_REPL_RESENT);
		k++;
	}
	return k;
}


void
repl_sweep(struct dp_lcore *lc, struct chan_state *s,
		const struct ring_table *ring)
{
	if (s->stream == 0 || s->rr.stream != 0 || s->next_seq <= 1 ||
			s->ro.epoch == ring->epoch || r_of(s) <= 1 ||
			ring_owner(ring, s->hash) != dp.cfg.node_id)
		return;
	repl_prepare(s, ring);
	if (s->ro.set.n == 0 || s->ro.all >= s->next_seq - 1)
		return;
	/* Resent to at the next pass, from history (repl_timers). */
	tsc_all(s, 0);
	repl_list(lc->chan, s);
	lc->stats.c[STAT_REPL_REFILLED]++;
}

void
repl_handover(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct rumor_hdr *h, const struct ring_table *ring,
		const struct peer_table *peers)
{
	const uint32_t to = ntohl(h->origin);
	const struct chan_state *s = chan_state_get(lc,
			be64toh(h->channel_hash), rumor_hdr_channel(h),
			ntohs(h->channel_len), false);
	struct chan_dest d;
	struct fan_msg f, r;

	rte_pktmbuf_free(m);
	if (s == NULL || s->acked == NULL || s->stream == 0 ||
			to == dp.cfg.node_id || !fan_member(peers, to, &d))
		return;
	/* History holds the last CHAN_HIST sequences at most. */
	for (uint64_t q = RTE_MAX(s->base, s->next_seq > CHAN_HIST ?
			s->next_seq - CHAN_HIST : 1); q < s->next_seq; q++) {
		const struct chan_acked *a = acked_of(s, q);

		if (a == NULL || !hist_msg(&f, s, q, ring))
			continue;
		replicate_of(&r, &f, s, q, a->client, a->number);
		fan_send(lc, &r, &d, STAT_REPL_HANDED);
	}
}

void
repl_timers(struct dp_lcore *lc, const struct ring_table *ring,
		const struct peer_table *peers, uint64_t now)
{
	struct chan_lcore *cl = lc->chan;
	const uint64_t after = CHAN_REPL_RESEND_MS * cl->hz_ms;
	uint32_t budget = CHAN_REPL_RESEND_PASS_MAX;

	if ((int64_t)(now - cl->next_repl) < 0)
		return;
	cl->next_repl = now + after;
	for (uint32_t j = 0; j < cl->n_repl; ) {
		struct chan_state *s = cl->repl[j];
		const uint64_t stamped = s->next_seq - 1;

		/*
		 * Held by all, nobody waiting, or no longer this node's to
		 * order (its new owner replicates it; what waited here is
		 * asked again, and was told the new owner: repl_handover):
		 * followed no further.
		 */
		if ((s->ro.all >= stamped && s->ro.n_wait == 0) ||
				ring_owner(ring, s->hash) != dp.cfg.node_id) {
			s->ro.listed = false;
			s->ro.n_wait = 0;
			cl->repl[j] = cl->repl[--cl->n_repl];
			continue;
		}
		j++;
		/* Each replica whose held has not moved for a while. */
		for (uint32_t i = 0; i < s->ro.set.n && budget > 0; i++) {
			if (s->ro.set.held[i] >= stamped ||
					now - s->ro.tsc[i] < after)
				continue;
			s->ro.tsc[i] = now;
			budget -= RTE_MIN(budget, resend(lc, s, i, ring,
					peers));
		}
	}
}
