/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The owner of an ordered channel, on the channel's lcore
 * (docs/channels.md, "Order and recovery"): each PUBLISH is stamped with
 * the channel's next sequence under its stream and goes out once, as a
 * FANOUT to each interested node and a DELIVER to each local subscriber,
 * sharing the received buffer (fanout.h). The owner keeps that buffer as
 * history, within the lcore's budget, to answer NACKs with RETRANSMIT,
 * or GONE for what it no longer holds, to the member that asked and
 * within that member's rate; a NACK for what precedes a handoff goes on
 * to the owner before.
 *
 * A PUBLISH waits (chan_handoff.c) while this node may not stamp the
 * channel yet: a handoff under way, a ring this node has yet to learn,
 * or, as a subscriber node turned owner, what it missed of the stream it
 * continues (chan_subscriber.c asks for it).
 */
#define _LGPL_SOURCE
#include <urcu/urcu-qsbr.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "chan_handoff.h"
#include "chan_owner.h"
#include "chan_repl.h"
#include "chan_resume.h"
#include "chan_subscriber.h"
#include "pub_ack.h"
#include "send.h"

/*
 * An acked PUBLISH m (header h) at its owner, before it is stamped: its
 * request decoded into *req and checked against what this lcore ordered
 * of the channel's stream (committed: every sequence up to it). True if
 * it is to be ordered; else it was answered (a retry: DUPLICATE; below
 * the client's window: TOO_OLD), or left unanswered until committed, or
 * refused, and m freed.
 */
static bool
acked_admit(struct dp_lcore *lc, struct rte_mbuf *m, const struct rumor_hdr *h,
		const struct chan_state *s, struct repl_pub_req *req,
		const struct ring_table *ring, const struct peer_table *peers)
{
	const uint64_t stream = s->stream;
	struct repl_pub_ack a = { .status = REPL_PUB_OK };
	uint64_t seq = 0, met;

	if (repl_pub_req_decode(rumor_hdr_payload(h), ntohs(h->payload_len),
			req) != CHAN_WIRE_OK || req->client == 0) {
		chan_drop(lc, m, STAT_PUB_ACK_BAD);
		return false;
	}
	/*
	 * How far the stream meets the level this request asks: a retry is
	 * answered once the client's highest is there, so that its answer
	 * is never ahead of what the first copy's would say.
	 */
	met = req->level == REPL_LEVEL_OWNER ? s->next_seq - 1 :
			req->level == REPL_LEVEL_QUORUM ? repl_committed(s) :
			repl_all(s);
	if (ntohs(h->payload_len) - REPL_PUB_REQ_LEN >
			chan_payload_max(ntohs(h->channel_len))) {
		a.status = REPL_PUB_TOO_BIG;
		lc->stats.c[STAT_CHAN_TOO_BIG]++;
	} else {
		switch (pub_dedup_check(&lc->chan->pubs,
				be64toh(h->channel_hash),
				stream, req->client, req->number, met, &seq)) {
		case PUB_DEDUP_NEW:
			return true;
		case PUB_DEDUP_ACK:
			a.status = REPL_PUB_DUPLICATE;
			lc->stats.c[STAT_PUB_DUPLICATE]++;
			break;
		case PUB_DEDUP_HOLD:
			chan_drop(lc, m, STAT_PUB_HELD_BACK);
			return false;
		case PUB_DEDUP_TOO_OLD:
			a.status = REPL_PUB_TOO_OLD;
			lc->stats.c[STAT_PUB_TOO_OLD]++;
			break;
		}
	}
	if (a.status == REPL_PUB_DUPLICATE) {
		/*
		 * Its sequence if it is the client's highest, else 0: then
		 * every number of the client is committed at least.
		 */
		a.stream = stream;
		a.seq = seq;
		a.level = repl_level_met(s, seq != 0 ? seq : met, &a.held);
	}
	pub_ack_answer(lc, h, chan_sender(m), req, &a, ring, peers);
	rte_pktmbuf_free(m);
	return false;
}

/*
 * An acked PUBLISH owned here without an audience entry: to the control
 * thread, which books the channel (chan_audience.c), within the client
 * class's punt rate.
 */
static void
kept_punt(struct dp_lcore *lc, struct rte_mbuf *m)
{
	if (!token_bucket_take(&lc->sub_tb, rte_rdtsc()))
		chan_drop(lc, m, STAT_SUB_RATE);
	else if (rte_ring_mp_enqueue(dp.sub_punt, m) != 0)
		chan_drop(lc, m, STAT_SUB_PUNT_FULL);
	else
		lc->stats.c[STAT_PUB_KEPT]++;
}

/*
 * An acked PUBLISH of a channel this node holds no audience entry for:
 * the control thread books it (as kept by this node, within the owned
 * limit) and sends it back here; one it already sent back finds no
 * entry only if the limit refused it, and gets OWNED_LIMIT.
 */
static void
acked_unbooked(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct rumor_hdr *h, const struct ring_table *ring,
		const struct peer_table *peers)
{
	struct repl_pub_req req;
	struct repl_pub_ack a = { .status = REPL_PUB_OWNED_LIMIT };

	if (!chan_kept_tried(m)) {
		kept_punt(lc, m);
		return;
	}
	if (repl_pub_req_decode(rumor_hdr_payload(h), ntohs(h->payload_len),
			&req) != CHAN_WIRE_OK || req.client == 0) {
		chan_drop(lc, m, STAT_PUB_ACK_BAD);
		return;
	}
	lc->stats.c[STAT_PUB_OWNED_LIMIT]++;
	pub_ack_answer(lc, h, chan_sender(m), &req, &a, ring, peers);
	rte_pktmbuf_free(m);
}

/*
 * The owner orders a PUBLISH of a channel with an audience: the next
 * sequence, history, FANOUT to each interested node, DELIVER to each
 * local subscriber.
 */
static void
owner_publish(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct aud_entry *e, const struct ring_table *ring,
		const struct peer_table *peers)
{
	const struct rumor_hdr *h = chan_hdr(m);
	const uint16_t clen = ntohs(h->channel_len);
	const uint16_t plen = ntohs(h->payload_len);
	struct chan_lcore *cl = lc->chan;
	struct chan_cell *c = e->cell;
	struct chan_state *s;
	struct chan_hist *hs;
	struct chan_dest d[FAN_BULK];
	struct fan_msg f;
	struct repl_pub_req req;
	/* An acked PUBLISH's request goes no further than here. */
	const uint16_t skip = h->flags & RUMOR_F_ACK ? REPL_PUB_REQ_LEN : 0;
	const uint32_t sender = chan_sender(m);
	uint32_t origin = ntohl(h->origin), n_d = 0;
	uint64_t pubid = be64toh(h->seq), seq;

	if (unlikely(plen < skip) || (skip == 0 && plen > chan_payload_max(clen))) {
		chan_drop(lc, m, skip != 0 ? STAT_PUB_ACK_BAD :
				STAT_CHAN_TOO_BIG);
		return;
	}
	s = chan_state_get(lc, e->hash, e->name, e->len, true);
	if (s == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	if (unlikely(c->stream == 0)) {
		/* The channel's first message here: the book's stream. */
		__atomic_store_n(&c->stream, e->stream, __ATOMIC_RELAXED);
		__atomic_store_n(&c->next, 1, __ATOMIC_RELAXED);
	}
	if (s->stream != c->stream || c->next < s->base ||
			c->next > s->next_seq) {
		/*
		 * Another stream, or the same one continued from another
		 * owner: what this node kept of it goes.
		 */
		chan_state_release_hist(s);
		s->stream = c->stream;
		s->base = c->next;
		s->next_seq = c->next;
		repl_restart(s, c->next);
	}
	if (unlikely(s->rx.stream != 0)) {
		/*
		 * It was a subscriber node of the channel before it owned
		 * it: what it held goes to its clients, and the tracking
		 * starts again when it no longer owns the channel. Of the
		 * stream it continues, its clients are owed everything
		 * before the handoff: what never arrived is asked of the
		 * old owner first (the PUBLISHes wait meanwhile, to keep
		 * the order), then given up as a GAP.
		 */
		const bool same = s->rx.stream == c->stream;

		if (same && s->rx.next < c->next && s->catchup != c->next &&
				ring->prev != NULL) {
			const uint32_t from = ring_owner(ring->prev, e->hash);

			if (from != dp.cfg.node_id && ho_hold_catchup(lc, m,
					e->hash, e->name, e->len, from)) {
				s->catchup = c->next;
				s->catching = true;
				lc->stats.c[STAT_CHAN_CATCHUP]++;
				subscriber_catchup_ask(lc, e->hash, e->name,
						e->len, from, ring, peers);
				return;
			}
		}
		s->catching = false;
		subscriber_give_up_to(lc, s, e, ring->epoch,
				same && c->next > s->rx.top ? c->next :
				s->rx.top);
		chan_state_release_rx(lc->chan, s);
	}
	/*
	 * A replica of the stream turned its owner (by a handoff or a
	 * failover): what came before is the old owner's to have counted.
	 */
	if (unlikely(s->rr.stream != 0))
		repl_took_over(s, c->next);
	/*
	 * Replicated: never more than REPL_WINDOW past what a majority
	 * holds. Acked: a retry is not ordered again.
	 */
	repl_prepare(s, ring);
	if (unlikely(!repl_may_stamp(s, c->next))) {
		/* Until a REPL_ACK moves committed (chan_repl.c). */
		if (ho_hold_window(lc, m, e->hash, e->name, e->len))
			s->ro.holding = true;
		else
			chan_drop(lc, m, STAT_REPL_WINDOW_FULL);
		return;
	}
	if (unlikely(skip != 0) && !acked_admit(lc, m, h, s, &req, ring,
			peers))
		return;
	if (origin == 0) {
		/* From a client: stamped by the node that orders it. */
		origin = dp.cfg.node_id;
		pubid = chan_publish_id(lc);
	}
	seq = c->next;
	s->next_seq = seq + 1;
	__atomic_store_n(&c->next, seq + 1, __ATOMIC_RELAXED);
	lc->stats.c[STAT_CHAN_STAMPED]++;
	if (unlikely(skip != 0)) {
		pub_dedup_record(&lc->chan->pubs, s->hash, s->stream,
				req.client, req.number, seq);
		repl_acked_put(s, seq, req.client, req.number);
		repl_answer_or_wait(lc, s, h, sender, &req, seq, ring, peers);
	}

	fan_init(&f, h, RUMOR_T_FANOUT, RUMOR_DEFAULT_HOP_LIMIT, origin,
			ring->epoch, pubid);
	fan_ord(&f, s->stream, seq, false);
	fan_msg_segment(&f, m, FRAME_RUMOR_OFF + sizeof(*h) + clen + skip,
			plen - skip);
	for (uint32_t i = 0; i < e->n_nodes; i++) {
		if (fan_member(peers, e->nodes[i], &d[n_d]))
			n_d++;
		else
			lc->stats.c[STAT_CHAN_NO_ROUTE]++;
		if (n_d == FAN_BULK) {
			fan_send_n(lc, &f, d, n_d, STAT_CHAN_FANOUT);
			n_d = 0;
		}
	}
	fan_send_n(lc, &f, d, n_d, STAT_CHAN_FANOUT);
	if (unlikely(s->ro.set.n != 0))
		repl_send(lc, s, &f, seq, skip != 0 ? req.client : 0,
				skip != 0 ? req.number : 0, peers);
	f.type = RUMOR_T_DELIVER;
	f.hop_limit = 0;
	resume_send_local(lc, &f, e, s, s->stream, seq, seq,
			STAT_CHAN_DELIVERED);

	/* The history keeps the caller's reference. */
	hs = &s->hist[seq & (CHAN_HIST - 1)];
	if (hs->m != NULL)
		rte_pktmbuf_free(hs->m);
	hs->m = m;
	hs->seq = seq;
	hs->origin = origin;
	hs->sum = f.msg_sum;
	hs->pubid = pubid;
	chan_history_push(cl, lc, s, seq);
	/*
	 * The channel's next message takes the next slot and frees what it
	 * holds, long out of cache by then: fetched now, ahead of the free.
	 */
	hs = &s->hist[(seq + 1) & (CHAN_HIST - 1)];
	if (hs->m != NULL)
		rte_prefetch0(hs->m);
}

void
owner_input(struct dp_lcore *lc, struct rte_mbuf *m, const struct rumor_hdr *h,
		const struct ring_table *ring, const struct peer_table *peers)
{
	const uint64_t hash = be64toh(h->channel_hash);
	const char *name = rumor_hdr_channel(h);
	const uint16_t len = ntohs(h->channel_len);
	const uint32_t owner = ring_owner(ring, hash);
	const struct aud_entry *e;

	if (unlikely(be64toh(h->epoch) > chan_epoch_floor(ring,
			dp.cfg.n_voters))) {
		/*
		 * Routed under a ring newer than this node's: learn it
		 * before acting, rather than order the message or send it
		 * back the way it came.
		 */
		ho_hold(lc, m, ring, peers, hash, name, len,
				be64toh(h->epoch));
		return;
	}
	if (unlikely(owner != dp.cfg.node_id)) {
		lc->stats.c[STAT_CHAN_REROUTED]++;
		send_to_owner(lc, m, owner, ring, peers);
		return;
	}
	e = aud_find(rcu_dereference(dp.aud), hash, name, len);
	if (unlikely(!ho_ready(lc, ring, hash, name, len, e))) {
		ho_hold(lc, m, ring, peers, hash, name, len, 0);
		return;
	}
	if (e == NULL) {
		if (unlikely(h->flags & RUMOR_F_ACK))
			acked_unbooked(lc, m, h, ring, peers);
		else
			send_to_owner(lc, m, owner, ring, peers); /* The sink. */
		return;
	}
	owner_publish(lc, m, e, ring, peers);
}

/*
 * Relay the part of a NACK before base (the first sequence this node
 * stamped of the stream: it took the stream over there) to the owner
 * under the ring before, which keeps its history while its book of the
 * channel lasts; the answer goes to the asking node directly. False if
 * there is no such owner to ask.
 */
static bool
nack_relay(struct dp_lcore *lc, const struct rumor_hdr *h,
		const struct chan_nack *n, uint64_t base,
		const struct ring_table *ring, const struct peer_table *peers)
{
	struct chan_nack r = { .stream = n->stream, .first = n->first };
	struct chan_dest d;
	struct fan_msg f;
	uint32_t before;

	if (ring->prev == NULL)
		return false;
	before = ring_owner(ring->prev, be64toh(h->channel_hash));
	if (before == dp.cfg.node_id || !fan_member(peers, before, &d))
		return false;
	r.count = (uint32_t)RTE_MIN((uint64_t)n->count, base - n->first);
	fan_init(&f, h, RUMOR_T_NACK, RUMOR_DEFAULT_HOP_LIMIT,
			ntohl(h->origin), ring->epoch, be64toh(h->seq));
	f.fixed_len = (uint16_t)chan_nack_encode(&r, f.fixed, sizeof(f.fixed));
	fan_send(lc, &f, &d, STAT_CHAN_NACK_RELAYED);
	return true;
}

/*
 * The bucket of NACK answers to member id on this lcore: one slot per
 * id modulo DP_NACK_SLOTS, taken over (full) by another id that maps
 * to it. Members are few and known; what they may be sent is bounded
 * whoever asks.
 */
static struct token_bucket *
nack_bucket(struct dp_lcore *lc, uint32_t id, uint64_t now)
{
	struct dp_nack_slot *sl = &lc->nack_tb[id & (DP_NACK_SLOTS - 1)];

	if (sl->id != id) {
		sl->id = id;
		token_bucket_init(&sl->tb, rte_get_tsc_hz(), DP_NACK_RATE,
				DP_NACK_BURST, now);
	}
	return &sl->tb;
}

/*
 * To whom a NACK's answers go: the member that sent it (proven by the
 * receiving lcore), never the origin the header names; but a NACK the
 * channel's owner relays (nack_relay) names the node that asked, and its
 * answers go there. 0 (counted) if the NACK names another node and its
 * sender is not the owner.
 */
static uint32_t
nack_asker(struct dp_lcore *lc, const struct rte_mbuf *m,
		const struct rumor_hdr *h, const struct ring_table *ring)
{
	const uint32_t sender = chan_sender(m), origin = ntohl(h->origin);

	if (origin == sender)
		return sender;
	if (sender != 0 && ring_owner(ring, be64toh(h->channel_hash)) ==
			sender && sender != dp.cfg.node_id)
		return origin;
	lc->stats.c[STAT_CHAN_NACK_NOT_RELAY]++;
	return 0;
}

/* The owner answers a NACK: RETRANSMIT what history holds, GONE the rest. */
void
owner_nack(struct dp_lcore *lc, struct rte_mbuf *m, const struct rumor_hdr *h,
		const struct ring_table *ring, const struct peer_table *peers)
{
	const uint16_t clen = ntohs(h->channel_len);
	const uint64_t hash = be64toh(h->channel_hash);
	const uint32_t from = nack_asker(lc, m, h, ring);
	struct token_bucket *tb;
	uint64_t now;
	struct chan_state *s;
	struct chan_nack n;
	struct chan_range gone = { 0 };
	struct chan_dest d;
	struct fan_msg f;

	if (chan_nack_decode(rumor_hdr_payload(h), ntohs(h->payload_len),
			&n) != CHAN_WIRE_OK) {
		chan_drop(lc, m, STAT_CHAN_BAD);
		return;
	}
	lc->stats.c[STAT_CHAN_NACK_RX]++;
	s = chan_state_get(lc, hash, rumor_hdr_channel(h), clen, false);
	/*
	 * The owner answers; so does the owner before, for the stream it
	 * ordered (its new owner relays what precedes the handoff).
	 */
	if (ring_owner(ring, hash) != dp.cfg.node_id &&
			(s == NULL || s->stream != n.stream)) {
		chan_drop(lc, m, STAT_CHAN_NOT_OWNER);
		return;
	}
	if (from == 0) {
		rte_pktmbuf_free(m);
		return;
	}
	if (!fan_member(peers, from, &d)) {
		chan_drop(lc, m, STAT_CHAN_NO_ROUTE);
		return;
	}
	/* At most count + 1 answers, within the asking member's rate. */
	now = rte_rdtsc();
	tb = nack_bucket(lc, from, now);
	if (s != NULL && s->stream == n.stream && n.first < s->base &&
			ring_owner(ring, hash) == dp.cfg.node_id &&
			nack_relay(lc, h, &n, s->base, ring, peers)) {
		/* What precedes the handoff went to the owner before. */
		if (n.first + n.count <= s->base) {
			rte_pktmbuf_free(m);
			return;
		}
		n.count -= (uint32_t)(s->base - n.first);
		n.first = s->base;
	}
	if ((s == NULL || s->stream != n.stream) &&
			ring_owner(ring, hash) == dp.cfg.node_id &&
			nack_relay(lc, h, &n, n.first + n.count, ring, peers)) {
		/*
		 * A stream this owner does not order (yet): the owner before
		 * stamped it, under a ring the asking node left first.
		 */
		rte_pktmbuf_free(m);
		return;
	}
	if (s == NULL || s->stream != n.stream) {
		/* Another stream: all of it is gone. */
		gone.first = n.first;
		gone.last = n.first + n.count - 1;
	} else {
		for (uint64_t q = n.first; q < n.first + n.count; q++) {
			struct chan_hist *hs = &s->hist[q & (CHAN_HIST - 1)];

			if (q >= s->next_seq)
				break;
			if (hs->m != NULL && hs->seq == q) {
				if (!token_bucket_take(tb, now)) {
					lc->stats.c[STAT_CHAN_NACK_RATE]++;
					break;
				}
				fan_init_state(&f, s, RUMOR_T_RETRANSMIT,
						RUMOR_DEFAULT_HOP_LIMIT,
						hs->origin, ring->epoch,
						hs->pubid);
				fan_ord(&f, s->stream, q, false);
				if (hs->m->data_len > 0) {
					f.seg = hs->m;
					f.msg_len = hs->m->data_len;
					f.msg_sum = hs->sum;
				}
				fan_send(lc, &f, &d, STAT_CHAN_RETRANSMIT_SENT);
				continue;
			}
			if (gone.first == 0)
				gone.first = q;
			gone.last = q;
		}
	}
	if (gone.first != 0 && !token_bucket_take(tb, now)) {
		lc->stats.c[STAT_CHAN_NACK_RATE]++;
		gone.first = 0;
	}
	if (gone.first != 0) {
		gone.stream = n.stream;
		if (s != NULL)
			fan_init_state(&f, s, RUMOR_T_GONE,
					RUMOR_DEFAULT_HOP_LIMIT,
					dp.cfg.node_id, ring->epoch,
					be64toh(h->seq));
		else
			fan_init(&f, h, RUMOR_T_GONE, RUMOR_DEFAULT_HOP_LIMIT,
					dp.cfg.node_id, ring->epoch,
					be64toh(h->seq));
		f.fixed_len = (uint16_t)chan_range_encode(&gone, f.fixed,
				sizeof(f.fixed));
		fan_send(lc, &f, &d, STAT_CHAN_GONE_SENT);
	}
	rte_pktmbuf_free(m);
}
