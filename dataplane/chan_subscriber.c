/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A subscriber node of an ordered channel, on the channel's lcore
 * (docs/channels.md, "Order and recovery"): the owner's FANOUT and
 * RETRANSMIT copies go to the local clients as DELIVER, in the owner's
 * order. A message ahead of the expected one waits in the reorder window
 * (rumor/chan_track.h) while a NACK asks the owner for the hole, again
 * from the lcore's timer; a GONE, the last try, a full window or a new
 * stream gives the hole up as a GAP to the clients.
 *
 * A node that followed a stream and then became its owner catches up
 * through the same NACKs before it stamps (chan_owner.c holds its
 * PUBLISHes meanwhile): subscriber_input and subscriber_gone say when it
 * has, and the caller lets those PUBLISHes go.
 */
#define _LGPL_SOURCE
#include <urcu/urcu-qsbr.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>

#include "chan_resume.h"
#include "chan_subscriber.h"

/* A GAP (stream, first .. last) to each local subscriber. */
static void
send_gap(struct dp_lcore *lc, struct chan_state *s,
		const struct aud_entry *e, uint64_t epoch, uint64_t first,
		uint64_t last)
{
	struct chan_range r = { .stream = s->rx.stream, .first = first,
			.last = last };
	struct fan_msg f;

	lc->stats.c[STAT_CHAN_LOST] += last - first + 1;
	if (e == NULL)
		return;
	fan_init_state(&f, s, RUMOR_T_GAP, 0, dp.cfg.node_id, epoch, 0);
	f.fixed_len = (uint16_t)chan_range_encode(&r, f.fixed,
			sizeof(f.fixed));
	resume_send_local(lc, &f, e, s, r.stream, first, last,
			STAT_CHAN_GAP_SENT);
}

/* DELIVER a held (or just received) message to the local subscribers. */
static void
deliver_held(struct dp_lcore *lc, struct chan_state *s,
		const struct aud_entry *e, uint64_t epoch,
		const struct chan_held *h)
{
	struct rte_mbuf *m = h->msg;
	struct fan_msg f;

	fan_init_state(&f, s, RUMOR_T_DELIVER, 0, h->origin, epoch, h->pubid);
	fan_ord(&f, s->rx.stream, h->seq, false);
	if (m->data_len > 0) {
		f.seg = m;
		f.msg_len = m->data_len;
		f.msg_sum = h->sum;
	}
	if (e != NULL)
		resume_send_local(lc, &f, e, s, s->rx.stream, h->seq,
				h->seq, STAT_CHAN_DELIVERED);
	rte_pktmbuf_free(m);
}

/* Deliver every held message that is next in order. */
static void
deliver_run(struct dp_lcore *lc, struct chan_state *s,
		const struct aud_entry *e, uint64_t epoch)
{
	struct chan_held h;

	while (chan_rx_pop(&s->rx, &h)) {
		lc->chan->n_held--;
		deliver_held(lc, s, e, epoch, &h);
		chan_rx_advance(&s->rx);
	}
}

void
subscriber_give_up_to(struct dp_lcore *lc, struct chan_state *s,
		const struct aud_entry *e, uint64_t epoch, uint64_t upto)
{
	struct chan_held h;
	uint64_t first, last;
	enum chan_rx_step step;

	/* Bounded by the window, not by upto (chan_rx_give_up). */
	while ((step = chan_rx_give_up(&s->rx, upto, &h, &first, &last)) !=
			CHAN_RX_STEP_DONE) {
		if (step == CHAN_RX_STEP_HELD) {
			lc->chan->n_held--;
			deliver_held(lc, s, e, epoch, &h);
		} else {
			send_gap(lc, s, e, epoch, first, last);
		}
	}
}

/* A NACK for the first hole to the channel's owner. */
static void
send_nack(struct dp_lcore *lc, struct chan_state *s,
		const struct ring_table *ring, const struct peer_table *peers)
{
	struct chan_nack n = { .stream = s->rx.stream };
	uint64_t first;

	n.count = chan_rx_hole(&s->rx, &first);
	if (n.count == 0)
		return;
	n.first = first;
	chan_nack_to(lc, s, &n, ring_owner(ring, s->hash), ring, peers,
			STAT_CHAN_NACK_SENT);
}

/* Ask now for a new hole, and keep asking from the lcore's timer. */
static void
hole_check(struct dp_lcore *lc, struct chan_state *s,
		const struct ring_table *ring, const struct peer_table *peers,
		uint64_t now)
{
	struct chan_lcore *cl = lc->chan;
	uint64_t first;

	if (chan_rx_hole(&s->rx, &first) == 0)
		return;
	if (s->rx.nack_tries > 0 && s->rx.nack_first == first)
		return;			/* Asked already; the timer goes on. */
	s->rx.nack_first = first;
	s->rx.nack_tries = 1;
	s->rx.nack_at = now + CHAN_NACK_RETRY_MS * cl->hz_ms;
	send_nack(lc, s, ring, peers);
	if (!s->pending && cl->n_pending < CHAN_PENDING_MAX) {
		s->pending = true;
		cl->pending[cl->n_pending++] = s;
	}
}

/*
 * A new owner catching up with the stream it followed: done once it has
 * everything before the handoff, or was told it is gone. Returns s then
 * (its held PUBLISHes may go on), else NULL.
 */
static struct chan_state *
catchup_check(struct chan_state *s)
{
	if (unlikely(s->catching) && s->rx.next >= s->catchup) {
		s->catching = false;
		return s;
	}
	return NULL;
}

void
subscriber_catchup_ask(struct dp_lcore *lc, uint64_t hash, const char *name,
		uint16_t len, uint32_t from, const struct ring_table *ring,
		const struct peer_table *peers)
{
	struct chan_state *s = chan_state_get(lc, hash, name, len, false);
	struct chan_nack n;

	if (s == NULL || !s->catching || s->rx.next >= s->catchup)
		return;
	n = (struct chan_nack){ .stream = s->rx.stream, .first = s->rx.next,
			.count = (uint32_t)RTE_MIN(s->catchup - s->rx.next,
			(uint64_t)CHAN_NACK_MAX) };
	chan_nack_to(lc, s, &n, from, ring, peers, STAT_CHAN_NACK_SENT);
}

/* True if the frame m came from member id's address and UDP port. */
static bool
sent_by(const struct rte_mbuf *m, const struct peer_table *peers, uint32_t id)
{
	const struct ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
			const struct ipv4_hdr *, FRAME_IP_OFF);
	const struct udp_hdr *udp = rte_pktmbuf_mtod_offset(m,
			const struct udp_hdr *, FRAME_UDP_OFF);
	const struct peer *p = peer_find(peers, id);

	return p != NULL && p->ip == ip->src && p->udp_port == udp->src_port;
}

/*
 * True if m, a FANOUT, RETRANSMIT or GONE of the channel of hash, came
 * from the channel's owner: under the ring in force, or under the ring
 * before while it is kept (a handoff may be open: the old owner answers
 * the new owner's catch-up and relayed NACKs). The sender is the member
 * at the frame's source address and port, which the frame's
 * authentication binds to its key; the header's origin names who
 * published the message, not who ordered it. Counted when not.
 */
static bool
from_owner(struct dp_lcore *lc, const struct rte_mbuf *m, uint64_t hash,
		const struct ring_table *ring, const struct peer_table *peers)
{
	if (sent_by(m, peers, ring_owner(ring, hash)) ||
			(ring->prev != NULL && sent_by(m, peers,
			ring_owner(ring->prev, hash))))
		return true;
	lc->stats.c[STAT_CHAN_NOT_FROM_OWNER]++;
	return false;
}

/*
 * Where a subscriber node starts following the stream of o, its first
 * message of it: where this node's own ordering stopped if it ordered the
 * stream before, else where the owner's grant says its fan-out to this
 * node started, else (nothing says) at o, counted: anything before it
 * that was lost on the way is not known here.
 */
static void
rx_begin(struct dp_lcore *lc, struct chan_state *s, const struct aud_entry *e,
		const struct chan_ord *o)
{
	if (o->stream == __atomic_load_n(&e->cell->stream, __ATOMIC_RELAXED)) {
		chan_rx_start(&s->rx, o->stream, e->cell->next);
	} else if (e->ack_stream == o->stream && e->ack_first <= o->seq) {
		chan_rx_start(&s->rx, o->stream, e->ack_first);
	} else {
		if (o->seq > 1)
			lc->stats.c[STAT_CHAN_RX_JOINED]++;
		chan_rx_start(&s->rx, o->stream, o->seq);
	}
}

struct chan_state *
subscriber_input(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct rumor_hdr *h, const struct ring_table *ring,
		const struct peer_table *peers)
{
	const uint16_t clen = ntohs(h->channel_len);
	const uint16_t plen = ntohs(h->payload_len);
	const uint8_t *fixed = rumor_hdr_payload(h);
	const struct aud_entry *e = aud_find(rcu_dereference(dp.aud),
			be64toh(h->channel_hash), rumor_hdr_channel(h), clen);
	struct chan_state *s;
	struct chan_held held;
	struct chan_ord o;
	enum chan_rx_verdict v;
	bool owner_seen = false;

	if (chan_ord_decode(fixed, plen, false, &o) != CHAN_WIRE_OK) {
		chan_drop(lc, m, STAT_CHAN_BAD);
		return NULL;
	}
	if (e == NULL || e->n_local == 0) {
		chan_drop(lc, m, STAT_CHAN_NO_AUDIENCE);
		return NULL;
	}
	s = chan_state_get(lc, e->hash, e->name, e->len, true);
	if (s == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	/* Below the live stream, for a client resuming (chan_resume.c). */
	if (unlikely(s->n_resume != 0) && h->type == RUMOR_T_RETRANSMIT &&
			resume_offer(lc, s, m, h, &o, ring, peers))
		return NULL;
	/*
	 * What moves the tracking (a first stream, a new one, a jump beyond
	 * the window) is taken from the channel's owner only.
	 */
	if (s->rx.stream == 0) {
		if (!from_owner(lc, m, e->hash, ring, peers)) {
			rte_pktmbuf_free(m);
			return NULL;
		}
		owner_seen = true;
		rx_begin(lc, s, e, &o);
	}
	held.origin = ntohl(h->origin);
	held.pubid = be64toh(h->seq);
	held.seq = o.seq;
	for (;;) {
		v = chan_rx_offer(&s->rx, o.stream, o.seq);
		if ((v == CHAN_RX_RESET || v == CHAN_RX_BEYOND) &&
				!owner_seen) {
			if (!from_owner(lc, m, e->hash, ring, peers)) {
				rte_pktmbuf_free(m);
				return NULL;
			}
			owner_seen = true;
		}
		if (v == CHAN_RX_RESET) {
			/* What the old stream left: delivered, holes as GAP. */
			uint64_t top = s->rx.top;

			subscriber_give_up_to(lc, s, e, ring->epoch, top);
			rx_begin(lc, s, e, &o);
			continue;
		}
		if (v == CHAN_RX_BEYOND) {
			lc->stats.c[STAT_CHAN_WINDOW_OVERFLOW]++;
			subscriber_give_up_to(lc, s, e, ring->epoch,
					o.seq - CHAN_WINDOW + 1);
			continue;
		}
		break;
	}
	if (v == CHAN_RX_DUP || v == CHAN_RX_STALE) {
		chan_drop(lc, m, v == CHAN_RX_DUP ? STAT_CHAN_DUP :
				STAT_CHAN_STALE_STREAM);
		return NULL;
	}
	/* The message alone, for DELIVER or to hold. */
	held.sum = fan_msg_sum(m, FRAME_RUMOR_OFF + sizeof(*h) + clen +
			CHAN_ORD_LEN, plen - CHAN_ORD_LEN);
	rte_pktmbuf_adj(m, (uint16_t)(FRAME_RUMOR_OFF + sizeof(*h) + clen +
			CHAN_ORD_LEN));
	m->data_len = (uint16_t)(plen - CHAN_ORD_LEN);
	m->pkt_len = m->data_len;
	held.msg = m;
	if (v == CHAN_RX_DELIVER) {
		deliver_held(lc, s, e, ring->epoch, &held);
		chan_rx_advance(&s->rx);
		deliver_run(lc, s, e, ring->epoch);
	} else if (lc->chan->n_held >= lc->chan->held_budget) {
		/* Over the lcore's budget: the hole's NACK brings it again. */
		chan_drop(lc, m, STAT_CHAN_WINDOW_OVERFLOW);
	} else {
		chan_rx_hold(&s->rx, &held);
		lc->chan->n_held++;
		lc->stats.c[STAT_CHAN_HELD]++;
	}
	hole_check(lc, s, ring, peers, rte_rdtsc());
	return catchup_check(s);
}

struct chan_state *
subscriber_gone(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct rumor_hdr *h, const struct ring_table *ring)
{
	const struct peer_table *peers = rcu_dereference(dp.peers);
	const struct aud_entry *e = aud_find(rcu_dereference(dp.aud),
			be64toh(h->channel_hash), rumor_hdr_channel(h),
			ntohs(h->channel_len));
	struct chan_state *s;
	struct chan_range r;

	if (chan_range_decode(rumor_hdr_payload(h), ntohs(h->payload_len),
			&r) != CHAN_WIRE_OK) {
		chan_drop(lc, m, STAT_CHAN_BAD);
		return NULL;
	}
	s = e != NULL ? chan_state_get(lc, e->hash, e->name, e->len, false) :
			NULL;
	if (s != NULL && unlikely(s->n_resume != 0))
		resume_gone(lc, s, &r, chan_sender(m), ring, peers);
	/*
	 * Only a GONE that starts at the expected sequence is taken: what
	 * precedes a later first, the owner still holds, and its
	 * RETRANSMITs may come after the GONE; until they do, or a NACK's
	 * answer says gone from there, nothing is given up.
	 */
	if (s == NULL || r.stream != s->rx.stream || r.last < s->rx.next ||
			r.first > s->rx.next) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	if (!from_owner(lc, m, e->hash, ring, peers)) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	rte_pktmbuf_free(m);
	/* The last sequence there is cannot be followed: given up too. */
	subscriber_give_up_to(lc, s, e, ring->epoch, r.last == UINT64_MAX ?
			UINT64_MAX : r.last + 1);
	return catchup_check(s);
}

void
subscriber_nack_timers(struct dp_lcore *lc, const struct ring_table *ring,
		const struct peer_table *peers, uint64_t now)
{
	struct chan_lcore *cl = lc->chan;

	for (uint32_t i = 0; i < cl->n_pending;) {
		struct chan_state *s = cl->pending[i];
		uint64_t first;

		if (chan_rx_hole(&s->rx, &first) == 0) {
			s->pending = false;
			cl->pending[i] = cl->pending[--cl->n_pending];
			continue;
		}
		i++;
		if ((int64_t)(now - s->rx.nack_at) < 0)
			continue;
		if (first != s->rx.nack_first) {
			s->rx.nack_first = first;
			s->rx.nack_tries = 0;
		}
		if (s->rx.nack_tries >= CHAN_NACK_TRIES_MAX) {
			const struct aud_entry *e = aud_find(
					rcu_dereference(dp.aud), s->hash,
					s->name, s->len);
			subscriber_give_up_to(lc, s, e, ring->epoch,
					chan_rx_next_held(&s->rx, s->rx.top));
			s->rx.nack_tries = 0;
			s->rx.nack_first = 0;
			continue;
		}
		/*
		 * A live owner answers within a round trip (RETRANSMIT or
		 * GONE): quick tries cover a loss. One that stays silent
		 * may have crashed: slower tries, to whichever member owns
		 * the channel by then, until its successor can answer.
		 */
		s->rx.nack_tries++;
		s->rx.nack_at = now + (s->rx.nack_tries < CHAN_NACK_TRIES ?
				CHAN_NACK_RETRY_MS : CHAN_NACK_SLOW_MS) *
				cl->hz_ms;
		send_nack(lc, s, ring, peers);
	}
}

/*
 * A NACK for the end of a run: the owner's last INTEREST_ACK says it
 * stamped beyond what this node received, and nothing later came to
 * show the hole.
 */
void
subscriber_tail_check(struct dp_lcore *lc, struct chan_state *s,
		const struct aud_entry *e, const struct ring_table *ring,
		const struct peer_table *peers)
{
	struct chan_nack n = { .stream = s->rx.stream, .first = s->rx.next };

	if (s->rx.stream == 0 || e->ack_stream != s->rx.stream ||
			e->ack_next <= s->rx.top || s->rx.n_held != 0)
		return;
	n.count = (uint32_t)RTE_MIN(e->ack_next - s->rx.next,
			(uint64_t)CHAN_NACK_MAX);
	chan_nack_to(lc, s, &n, ring_owner(ring, s->hash), ring, peers,
			STAT_CHAN_NACK_SENT);
}
