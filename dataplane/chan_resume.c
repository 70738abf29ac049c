/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Resume (docs/replication.md, "Resume"), on the channel's lcore of the
 * node a client subscribes through. A resuming SUBSCRIBE names the last
 * (stream, seq) the client has. Its client becomes a resumer, with a
 * cursor, the next sequence it lacks; it gets each sequence only when it
 * is the cursor's, so never twice and never out of order:
 *
 *   - from this node's own history when it holds the sequence (as the
 *     channel's owner, or a replica);
 *   - else from the owner's, by NACK: the RETRANSMITs come back here,
 *     below what the live stream expects, and go to the resumers alone
 *     (resume_offer); a GONE becomes a GAP (resume_gone);
 *   - from the live stream itself (resume_send_local): a message or GAP
 *     of the live stream goes to a resumer's client only if it starts at
 *     the cursor;
 *   - a sequence more than CHAN_HIST below the live stream, which no
 *     history keeps, or one the owner's own history lacks, is a GAP at
 *     once; another stream than the live one is a GAP to its end.
 *
 * Once the cursor is where the live stream goes on, and the client is
 * among the channel's local subscribers, the resumer ends, and the
 * client is one of them like any other.
 *
 * Bounds: CHAN_RESUME_LCORE resumers an lcore, CHAN_RESUME_CHAN a
 * channel (beyond, the client gets the live stream alone, counted); at
 * most RESUME_BURST DELIVERs and GAPs from history a millisecond on an
 * lcore, whatever the number of resumers; NACKs paced as a
 * subscriber node's, under the owner's rate for this node; each resumer
 * ends within RESUME_LIFE_MS. The client's address was admitted by the
 * control thread as any subscriber's (docs/clients.md), and what it gets
 * is no more than the history a subscription would have brought it.
 */
#define _LGPL_SOURCE
#include <urcu/urcu-qsbr.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>

#include "chan_resume.h"

#define RESUME_BURST 32u		/* Sent from history, an lcore, */
#define RESUME_PACE_MS 1u		/* a millisecond. */
#define RESUME_RETRY_MS 20u		/* A NACK unanswered: again, */
#define RESUME_TRIES 25u		/* this many times, then a GAP. */
#define RESUME_LIFE_MS 10000u		/* Caught up by then, or sent live. */

/*
 * Where the live stream of s stands on this node, the next sequence its
 * local clients get: false if not known yet. A subscriber node that the
 * owner granted a stream it has nothing of yet (a channel it just took
 * up, or took up again after its stream moved on) follows it from the
 * grant on: the owner fans out to it every sequence it stamps from
 * there, and the first FANOUT would start it there too.
 */
static bool
live_point(struct chan_state *s, const struct aud_entry *e,
		uint64_t *stream, uint64_t *next)
{
	uint64_t cs;

	if (e != NULL && e->ack_stream != 0 && s->rx.stream != e->ack_stream &&
			s->rx.n_held == 0 && __atomic_load_n(&e->cell->stream,
			__ATOMIC_RELAXED) == 0)
		chan_rx_start(&s->rx, e->ack_stream, e->ack_next);
	if (s->rx.stream != 0) {		/* Following the owner. */
		*stream = s->rx.stream;
		*next = s->rx.next;
		return true;
	}
	if (e == NULL)
		return false;
	cs = __atomic_load_n(&e->cell->stream, __ATOMIC_RELAXED);
	if (cs != 0) {				/* Ordered here (or was). */
		*stream = cs;
		*next = __atomic_load_n(&e->cell->next, __ATOMIC_RELAXED);
		return true;
	}
	return false;
}

/* The history entry of (stream, seq) this node holds, or NULL. */
static const struct chan_hist *
hist_at(const struct chan_state *s, uint64_t stream, uint64_t seq)
{
	const struct chan_hist *hs = &s->hist[seq & (CHAN_HIST - 1)];

	if (s->stream != stream || hs->m == NULL || hs->seq != seq)
		return NULL;
	return hs;
}

/* True if this node orders s's stream now: its history is the only one. */
static bool
orders_here(const struct chan_state *s, const struct aud_entry *e,
		const struct ring_table *ring, uint64_t stream)
{
	return e != NULL && ring_owner(ring, s->hash) == dp.cfg.node_id &&
			__atomic_load_n(&e->cell->stream, __ATOMIC_RELAXED) ==
			stream;
}

/* A GAP of the resumer's stream, first .. last, to its client alone. */
static void
gap_to(struct dp_lcore *lc, const struct chan_resumer *r, uint64_t epoch,
		uint64_t first, uint64_t last)
{
	struct chan_range g = { .stream = r->stream, .first = first,
			.last = last };
	struct fan_msg f;

	if (first > last || last > CHAN_SEQ_MAX)
		return;
	fan_init_state(&f, r->s, RUMOR_T_GAP, 0, dp.cfg.node_id, epoch, 0);
	f.fixed_len = (uint16_t)chan_range_encode(&g, f.fixed,
			sizeof(f.fixed));
	fan_send(lc, &f, &r->to, STAT_RESUME_GAP);
}

/* What the resumer's cursor reached: the sequences before it are given. */
static void
gap_upto(struct dp_lcore *lc, struct chan_resumer *r, uint64_t epoch,
		uint64_t end)
{
	if (end <= r->cursor)
		return;
	gap_to(lc, r, epoch, r->cursor, end - 1);
	r->cursor = end;
	r->tries = 0;
}

/* The message of hs, as a DELIVER of sequence seq, to the resumer. */
static void
deliver_hist(struct dp_lcore *lc, struct chan_resumer *r, uint64_t epoch,
		const struct chan_hist *hs)
{
	struct fan_msg f;

	fan_init_state(&f, r->s, RUMOR_T_DELIVER, 0, hs->origin, epoch,
			hs->pubid);
	fan_ord(&f, r->stream, hs->seq, false);
	if (hs->m->data_len > 0) {
		f.seg = hs->m;
		f.msg_len = hs->m->data_len;
		f.msg_sum = hs->sum;
	}
	fan_send(lc, &f, &r->to, STAT_RESUME_DELIVERED);
	r->cursor++;
	r->tries = 0;
}

/* True if a and b are one client (its address and UDP port). */
static bool
same_client(const struct chan_dest *a, const struct chan_dest *b)
{
	return a->ip == b->ip && a->udp_port == b->udp_port;
}

/* True if the client of r is among e's local subscribers. */
static bool
client_listed(const struct aud_entry *e, const struct chan_dest *to)
{
	for (uint32_t i = 0; e != NULL && i < e->n_local; i++)
		if (same_client(&e->local[i], to))
			return true;
	return false;
}

/* The resumer of s whose client is to, or NULL. */
static struct chan_resumer *
resumer_of(struct chan_lcore *cl, const struct chan_state *s,
		const struct chan_dest *to)
{
	for (uint32_t i = 0; i < CHAN_RESUME_LCORE; i++) {
		struct chan_resumer *r = &cl->resume[i];

		if (r->s == s && same_client(&r->to, to))
			return r;
	}
	return NULL;
}

static void
resumer_end(struct chan_lcore *cl, struct chan_resumer *r)
{
	r->s->n_resume--;
	r->s = NULL;
	cl->n_resume--;
}

/* A NACK to the owner for what the resumer lacks, cursor .. end - 1. */
static void
ask_owner(struct dp_lcore *lc, struct chan_resumer *r, uint64_t end,
		const struct ring_table *ring, const struct peer_table *peers,
		uint64_t now)
{
	struct chan_nack n = { .stream = r->stream, .first = r->cursor };
	const uint32_t to = ring_owner(ring, r->s->hash);

	n.count = (uint32_t)RTE_MIN(end - r->cursor, (uint64_t)CHAN_NACK_MAX);
	r->asked_end = r->cursor + n.count;
	r->asked_to = to;
	r->tries++;
	r->at = now + RESUME_RETRY_MS * lc->chan->hz_ms;
	if (to == dp.cfg.node_id) {
		lc->stats.c[STAT_CHAN_NO_ROUTE]++;
		return;
	}
	chan_nack_to(lc, r->s, &n, to, ring, peers, STAT_RESUME_NACK);
}

/*
 * One of the lcore's RESUME_BURST sends from history this millisecond:
 * false once they are spent (the resumers go on in the next).
 */
static bool
budget_take(struct chan_lcore *cl, uint64_t now)
{
	if ((int64_t)(now - cl->resume_refill) >= 0) {
		cl->resume_refill = now + RESUME_PACE_MS * cl->hz_ms;
		cl->resume_budget = RESUME_BURST;
	}
	if (cl->resume_budget == 0)
		return false;
	cl->resume_budget--;
	return true;
}

/*
 * One step of resumer r: what this node holds goes now, within the
 * burst; what it does not is asked for, or given up as a GAP; and r ends
 * once it reached the live stream, or its time is up.
 */
static void
resume_step(struct dp_lcore *lc, struct chan_resumer *r,
		const struct ring_table *ring, const struct peer_table *peers,
		uint64_t now)
{
	struct chan_lcore *cl = lc->chan;
	struct chan_state *s = r->s;
	const struct aud_entry *e = aud_find(rcu_dereference(dp.aud),
			s->hash, s->name, s->len);
	const uint64_t epoch = ring->epoch;
	uint64_t stream, live, q;

	if (!live_point(s, e, &stream, &live)) {
		/* Subscribed an instant ago: the owner's grant comes. */
		r->at = now + RESUME_PACE_MS * cl->hz_ms;
		if ((int64_t)(now - r->until) >= 0) {
			lc->stats.c[STAT_RESUME_EXPIRED]++;
			resumer_end(cl, r);
		}
		return;
	}
	if (stream != r->stream) {
		/* Its stream ended here: the rest of it never comes. */
		gap_to(lc, r, epoch, r->cursor, CHAN_SEQ_MAX);
		lc->stats.c[STAT_RESUME_DONE]++;
		resumer_end(cl, r);
		return;
	}
	/* No history keeps more than history (key) below the live stream. */
	if (live > dp.cfg.history)
		gap_upto(lc, r, epoch, live - dp.cfg.history);
	while (r->cursor < live) {
		const struct chan_hist *hs = hist_at(s, stream, r->cursor);
		const bool here = hs == NULL && orders_here(s, e, ring, stream);

		if (hs == NULL && !here) {
			/* The owner's history may have it. */
			if (r->cursor < r->asked_end &&
					(int64_t)(now - r->at) < 0)
				return;		/* Asked; the answer comes. */
			if (r->tries < RESUME_TRIES) {
				ask_owner(lc, r, live, ring, peers, now);
				return;
			}
		}
		if (!budget_take(cl, now))
			break;
		if (hs != NULL) {
			deliver_hist(lc, r, epoch, hs);
		} else if (here) {
			/* Not in the owner's history: gone, up to the next. */
			for (q = r->cursor + 1; q < live &&
					hist_at(s, stream, q) == NULL; q++)
				;
			gap_upto(lc, r, epoch, q);
		} else {
			/* The owner does not answer: what it was asked, lost. */
			gap_upto(lc, r, epoch, RTE_MAX(r->asked_end,
					r->cursor + 1));
		}
	}
	/*
	 * Caught up: the live stream's next is its next. (Ahead of it, as a
	 * client that had more than this node does: the live stream moves
	 * up to it, skipping what the client has.)
	 */
	if (r->cursor == live && client_listed(e, &r->to)) {
		lc->stats.c[STAT_RESUME_DONE]++;
		resumer_end(cl, r);
		return;
	}
	if ((int64_t)(now - r->until) >= 0) {
		/* Whatever it still lacks: a GAP, then the live stream. */
		gap_upto(lc, r, epoch, live);
		lc->stats.c[STAT_RESUME_EXPIRED]++;
		resumer_end(cl, r);
		return;
	}
	r->at = now + RESUME_PACE_MS * cl->hz_ms;
}

/* The resumer of to on s, or a free slot for one, or NULL. */
static struct chan_resumer *
resumer_slot(struct chan_lcore *cl, const struct chan_state *s,
		const struct chan_dest *to)
{
	struct chan_resumer *r = resumer_of(cl, s, to);

	if (r != NULL)
		return r;
	if (s->n_resume >= CHAN_RESUME_CHAN)
		return NULL;
	for (uint32_t i = 0; i < CHAN_RESUME_LCORE; i++)
		if (cl->resume[i].s == NULL)
			return &cl->resume[i];
	return NULL;
}

void
resume_start(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct ring_table *ring, const struct peer_table *peers)
{
	const struct rumor_hdr *h = chan_hdr(m);
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct ipv4_hdr *ip = (const void *)(p + FRAME_IP_OFF);
	const struct udp_hdr *udp = (const void *)(p + FRAME_UDP_OFF);
	const uint16_t clen = ntohs(h->channel_len);
	struct chan_lcore *cl = lc->chan;
	struct chan_dest to = { .ip = ip->src, .udp_port = udp->src_port,
			.dpdk_port = m->port };
	struct chan_resumer *r;
	struct chan_state *s;
	struct repl_resume rp;
	uint64_t now;

	memcpy(to.mac, p + 6, 6);
	if (repl_resume_decode(rumor_hdr_payload(h), ntohs(h->payload_len),
			&rp) != CHAN_WIRE_OK) {
		chan_drop(lc, m, STAT_CHAN_BAD);
		return;
	}
	/* A new state lives on while the resumer does (chan_dispatch.c). */
	s = chan_state_get(lc, be64toh(h->channel_hash), rumor_hdr_channel(h),
			clen, true);
	r = s != NULL ? resumer_slot(cl, s, &to) : NULL;
	if (r == NULL) {
		chan_drop(lc, m, STAT_RESUME_REFUSED);
		return;
	}
	rte_pktmbuf_free(m);
	if (r->s == NULL) {
		r->s = s;
		s->n_resume++;
		cl->n_resume++;
	}
	now = rte_rdtsc();
	r->to = to;
	r->stream = rp.stream;
	r->cursor = rp.seq + 1;
	r->asked_end = 0;
	r->asked_to = 0;
	r->tries = 0;
	r->until = now + RESUME_LIFE_MS * cl->hz_ms;
	r->at = now;
	lc->stats.c[STAT_RESUME_STARTED]++;
	resume_step(lc, r, ring, peers, now);
}

/*
 * True if sender may answer r's NACK: the member it asked, or the owner
 * under the ring before, to which the owner relays what precedes a
 * handoff (chan_owner.c).
 */
static bool
answers(const struct chan_resumer *r, uint32_t sender,
		const struct ring_table *ring)
{
	return sender != 0 && (sender == r->asked_to || (ring->prev != NULL &&
			sender == ring_owner(ring->prev, r->s->hash)));
}

bool
resume_offer(struct dp_lcore *lc, struct chan_state *s, struct rte_mbuf *m,
		const struct rumor_hdr *h, const struct chan_ord *o,
		const struct ring_table *ring, const struct peer_table *peers)
{
	struct chan_lcore *cl = lc->chan;
	const uint32_t sender = chan_sender(m);
	const uint16_t clen = ntohs(h->channel_len);
	const uint16_t plen = ntohs(h->payload_len);
	const uint64_t now = rte_rdtsc();
	bool taken = false;
	struct fan_msg f;

	/* Only below what the live stream expects: the rest is its own. */
	if (s->rx.stream != 0 && (o->stream != s->rx.stream ||
			o->seq >= s->rx.next))
		return false;
	for (uint32_t i = 0; i < CHAN_RESUME_LCORE; i++) {
		struct chan_resumer *r = &cl->resume[i];

		if (r->s != s || r->stream != o->stream ||
				r->cursor != o->seq ||
				!answers(r, sender, ring))
			continue;
		if (!taken) {
			fan_init(&f, h, RUMOR_T_DELIVER, 0, ntohl(h->origin),
					ring->epoch, be64toh(h->seq));
			fan_ord(&f, o->stream, o->seq, false);
			fan_msg_segment(&f, m, FRAME_RUMOR_OFF + sizeof(*h) +
					clen + CHAN_ORD_LEN,
					plen - CHAN_ORD_LEN);
			if (f.msg_len == 0)
				f.seg = NULL;
			taken = true;
		}
		fan_send(lc, &f, &r->to, STAT_RESUME_DELIVERED);
		r->cursor++;
		r->tries = 0;
		if (r->cursor >= r->asked_end)
			resume_step(lc, r, ring, peers, now);
	}
	if (taken)
		rte_pktmbuf_free(m);
	return taken;
}

void
resume_gone(struct dp_lcore *lc, struct chan_state *s,
		const struct chan_range *g, uint32_t sender,
		const struct ring_table *ring, const struct peer_table *peers)
{
	struct chan_lcore *cl = lc->chan;
	const uint64_t now = rte_rdtsc();

	for (uint32_t i = 0; i < CHAN_RESUME_LCORE; i++) {
		struct chan_resumer *r = &cl->resume[i];

		if (r->s != s || r->stream != g->stream ||
				!answers(r, sender, ring) || r->cursor < g->first ||
				r->cursor > g->last || r->cursor >= r->asked_end)
			continue;
		/* Only what it asked: a GONE cannot move it further. */
		gap_upto(lc, r, ring->epoch, RTE_MIN(g->last + 1,
				r->asked_end));
		resume_step(lc, r, ring, peers, now);
	}
}

void
resume_timers(struct dp_lcore *lc, const struct ring_table *ring,
		const struct peer_table *peers, uint64_t now)
{
	struct chan_lcore *cl = lc->chan;

	for (uint32_t i = 0; i < CHAN_RESUME_LCORE && cl->n_resume > 0; i++) {
		struct chan_resumer *r = &cl->resume[i];

		if (r->s != NULL && (int64_t)(now - r->at) >= 0)
			resume_step(lc, r, ring, peers, now);
	}
}

void
resume_send_local_skip(struct dp_lcore *lc, const struct fan_msg *f,
		const struct aud_entry *e, struct chan_state *s, uint64_t stream,
		uint64_t first, uint64_t last, unsigned stat)
{
	for (uint32_t i = 0; i < e->n_local; i++) {
		struct chan_resumer *r = resumer_of(lc->chan, s, &e->local[i]);

		if (r == NULL) {
			fan_send(lc, f, &e->local[i], stat);
		} else if (stream != r->stream) {
			/* A new stream: the old one ends for it too. */
			gap_to(lc, r, f->epoch, r->cursor, CHAN_SEQ_MAX);
			resumer_end(lc->chan, r);
			fan_send(lc, f, &e->local[i], stat);
		} else if (r->cursor >= first && r->cursor <= last) {
			/* The next it lacks: from the live stream, then. */
			if (f->type == RUMOR_T_GAP)
				gap_upto(lc, r, f->epoch, last + 1);
			else
				fan_send(lc, f, &e->local[i], stat);
			r->cursor = last + 1;
			r->tries = 0;
		}
		/* Else it has it, or gets it in its turn. */
	}
}
