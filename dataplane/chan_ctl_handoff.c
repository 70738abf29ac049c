/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread's part in channel handoff (docs/channels.md,
 * "Handoff"): HANDOFF_REQ answered with where this node stopped ordering
 * a channel and who was interested, a HANDOFF taken into the book for
 * the channel's lcore, and, when a ring comes into force, the channels
 * this node no longer owns handed to their new owners unasked.
 */
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ring.h>

#include "chan_ctl.h"
#include "chan_handoff.h"

/*
 * The HANDOFF of channel ch (may be NULL: no state) to node to, for the
 * ring epoch under which this node owned it: the cell if it is good for
 * that epoch, and the interest set, with this node in it if it has
 * subscribers of its own.
 */
static void
handoff_fill(struct chan_msg *a, const struct book_chan *ch, uint64_t epoch,
		uint32_t to, uint64_t now_ms)
{
	struct chan_handoff *ho = &a->u.handoff;

	a->epoch = epoch;
	a->hop_limit = RUMOR_DEFAULT_HOP_LIMIT;
	if (ch == NULL || ch->entry == NULL)
		return;
	const struct chan_cell *c = ((const struct aud_entry *)ch->entry)->cell;
	uint64_t stream = __atomic_load_n(&c->stream, __ATOMIC_RELAXED);
	uint64_t next = __atomic_load_n(&c->next, __ATOMIC_RELAXED);

	if (stream != 0 && next != 0 && next <= CHAN_HANDOFF_SEQ_MAX &&
			__atomic_load_n(&c->epoch, __ATOMIC_RELAXED) == epoch) {
		ho->stream = stream;
		ho->next_seq = next;
	}
	for (uint32_t i = 0; i < ch->n_nodes &&
			ho->n_nodes < CHAN_HANDOFF_NODES_MAX; i++) {
		const struct book_node *n = &ch->nodes[i];

		/* This node's own keeping (on_kept) does not move. */
		if (n->id == to || n->id == dp.cfg.node_id ||
				n->expiry_ms <= now_ms)
			continue;
		ho->node[ho->n_nodes].id = n->id;
		ho->node[ho->n_nodes++].lease_ms = (uint32_t)RTE_MIN(
				n->expiry_ms - now_ms,
				(uint64_t)CHAN_LEASE_MAX_MS);
	}
	if (ch->n_clients > 0 && ho->n_nodes < CHAN_HANDOFF_NODES_MAX) {
		ho->node[ho->n_nodes].id = dp.cfg.node_id;
		ho->node[ho->n_nodes++].lease_ms = CHAN_INTEREST_LEASE_MS;
	}
}

/*
 * The channel of a (a HANDOFF with a state sent in answer, or a
 * HANDOFF_REQ of request id 0, which a new owner settled by a push sends
 * once its ring names it owner) has a new owner, to: the channel's lcore
 * tells it the publishers' numbers of the acked messages it keeps
 * (repl_handover), asked with a HANDOFF_REQ naming to, a frame that
 * reaches a channel's lcore from here alone (never from the wire). Not
 * asked when the lcore's ring is full: a retry is then ordered again.
 */
static void
handover_ask(const struct chan_msg *a, uint32_t to)
{
	uint8_t buf[RUMOR_DATAGRAM_MAX];
	struct rte_mbuf *m = NULL;
	struct chan_msg q;
	size_t len;

	msg_init(&q, RUMOR_T_HANDOFF_REQ, 0, a->channel_hash, a->channel,
			a->channel_len);
	q.origin = to;
	len = chan_msg_encode(&q, buf, sizeof(buf));
	if (len != 0)
		m = send_udp_build(0, NULL, 0, 0, buf, len);
	if (m == NULL)
		return;
	chan_sender_set(m, 0);
	if (rte_ring_mp_enqueue(dp.lcore[chan_lcore_of(a->channel_hash,
			dp.n_lcores)]->chan_in, m) != 0)
		rte_pktmbuf_free(m);
}

/*
 * HANDOFF_REQ: the asking node owns the channel under its ring and asks
 * where this node, the owner under the ring before (epoch: the one it
 * names), stopped. Answered only once this node's own ring no longer
 * makes it the owner: its lcores then no longer stamp the channel, so
 * the cell is final. The cell is handed over only if it is good for that
 * epoch; the interest set always goes, with this node in it if it has
 * subscribers of its own.
 */
void
ctl_handoff_req(const struct chan_msg *req, uint64_t now_ms)
{
	struct chan_msg a;

	dp.ctl_stats[CTL_HO_REQ_RX]++;
	if (dp.ring == NULL || ring_owner(dp.ring, req->channel_hash) ==
			dp.cfg.node_id) {
		dp.ctl_stats[CTL_HO_REQ_EARLY]++;	/* It asks again. */
		return;
	}
	/*
	 * Only the owner under this node's ring is told the state and the
	 * interest set (the answer is larger than the request), and only
	 * within the answer rate; a node whose ring is ahead of this one's
	 * asks again.
	 */
	if (ring_owner(dp.ring, req->channel_hash) != req->origin) {
		dp.ctl_stats[CTL_HO_REQ_REFUSED]++;
		return;
	}
	if (!token_bucket_take(&cc.ho_answers, rte_rdtsc())) {
		dp.ctl_stats[CTL_HO_REQ_RATE]++;
		return;
	}
	if (req->seq == 0) {
		/* After a push: the publishers' numbers alone. */
		dp.ctl_stats[CTL_HO_REQ_NUMBERS]++;
		handover_ask(req, req->origin);
		return;
	}
	msg_init(&a, RUMOR_T_HANDOFF, req->seq, req->channel_hash,
			req->channel, req->channel_len);
	handoff_fill(&a, book_find(&cc.book, req->channel_hash, req->channel,
			req->channel_len), req->epoch, req->origin, now_ms);
	if (!send_to_member(req->origin, &a))
		return;
	dp.ctl_stats[a.u.handoff.stream != 0 ? CTL_HO_SENT :
			CTL_HO_SENT_EMPTY]++;
	if (a.u.handoff.stream != 0)
		handover_ask(&a, req->origin);
}

/* True if id is a member of the ring in force. */
static bool
member_now(uint32_t id)
{
	return member_list_has(dp.members, id);
}

/*
 * Whether a HANDOFF from its origin (its sender, proven) is one this
 * node takes: from the owner under the ring before, of the epoch it
 * owned the channel under, to this node, the owner now; and either the
 * answer to a request the channel's lcore still waits for, or sent
 * unasked (seq 0) for a channel this node has not settled under this
 * ring yet.
 */
static bool
handoff_open(const struct chan_msg *a)
{
	const struct ring_table *r = dp.ring;
	const struct book_chan *ch;
	const struct aud_entry *e;

	if (r == NULL || r->prev == NULL || !r->agreed ||
			ring_owner(r->prev, a->channel_hash) != a->origin ||
			a->epoch != r->prev->epoch)
		return false;
	if (a->seq != 0)
		return ho_awaits(a->channel_hash, a->seq);
	ch = book_find(&cc.book, a->channel_hash, a->channel,
			a->channel_len);
	e = ch != NULL ? ch->entry : NULL;
	return e == NULL || __atomic_load_n(&e->cell->epoch,
			__ATOMIC_RELAXED) != r->epoch;
}

/*
 * HANDOFF, the answer to this node's lcore: the interest set joins the
 * book now, and the message goes to the channel's lcore once the entry
 * that holds it is published. Returns true if it kept m.
 */
bool
ctl_handoff(struct rte_mbuf *m, const struct chan_msg *a, uint64_t now_ms)
{
	const struct chan_handoff *ho = &a->u.handoff;
	uint32_t granted, limit, taken = 0;

	dp.ctl_stats[CTL_HO_RX]++;
	if (dp.ring == NULL || ring_owner(dp.ring, a->channel_hash) !=
			dp.cfg.node_id || cc.n_back == CHAN_AUDIENCE_BATCH) {
		dp.ctl_stats[CTL_HO_NOT_OWNER]++;
		return false;
	}
	if (!handoff_open(a)) {
		dp.ctl_stats[CTL_HO_REFUSED]++;
		return false;
	}
	/*
	 * Of the interest set, only current members other than this node,
	 * at most the interest limit of a channel, each for no longer than
	 * a node's own INTEREST asks: a stale or hostile set cannot bind
	 * this node to send a channel far or for long.
	 */
	for (uint32_t i = 0; i < ho->n_nodes; i++) {
		const uint32_t id = ho->node[i].id;

		if (id == dp.cfg.node_id)
			continue;
		if (taken == dp.cfg.chan_limits.interest_set ||
				!member_now(id)) {
			dp.ctl_stats[CTL_HO_NODES_REFUSED]++;
			continue;
		}
		taken++;
		if (book_interest(&cc.book, a->channel_hash, a->channel,
				a->channel_len, id, RTE_MIN(
				ho->node[i].lease_ms, CHAN_INTEREST_LEASE_MS),
				now_ms, &granted, &limit) == CHAN_ST_OK &&
				granted != 0)
			dp.ctl_stats[CTL_HO_INTERESTS]++;
	}
	cc.back[cc.n_back++] = m;
	return true;
}

/*
 * A new ring is in force, and no lcore stamps under the one before. A
 * channel this node owns under both keeps its cell good for the new
 * epoch, even if no message came; one it owned and no longer does is
 * handed to its new owner now, unasked (the new owner asks anyway when
 * a message comes first).
 */
static void
ring_changed_each(struct book_chan *ch, void *arg)
{
	const struct ring_table *r = dp.ring, *p = r->prev;
	const struct aud_entry *e = ch->entry;
	const uint32_t self = dp.cfg.node_id;
	uint32_t owner;
	uint64_t was;
	struct chan_msg a;

	if (e == NULL || ch->broadcast || ring_owner(p, ch->hash) != self)
		return;
	owner = ring_owner(r, ch->hash);
	if (owner == self) {
		was = p->epoch;
		(void)__atomic_compare_exchange_n(&e->cell->epoch, &was,
				r->epoch, false, __ATOMIC_RELAXED,
				__ATOMIC_RELAXED);
		return;
	}
	if (!r->agreed)
		return;		/* Epochs of its own: nobody could match them. */
	msg_init(&a, RUMOR_T_HANDOFF, 0, ch->hash, ch->name, ch->len);
	handoff_fill(&a, ch, p->epoch, owner, *(const uint64_t *)arg);
	if (a.u.handoff.stream != 0 && send_to_member(owner, &a))
		dp.ctl_stats[CTL_HO_PUSHED]++;
}

void
chan_audience_ring_changed(void)
{
	uint64_t now_ms = rte_rdtsc() / cc.hz_ms;

	if (dp.ring != NULL && dp.ring->prev != NULL)
		book_each(&cc.book, ring_changed_each, &now_ms);
}
