/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The channel path of a forwarding lcore (docs/channels.md, "In the
 * dataplane"). A frame of verdict FRAME_CHAN is punted to the control
 * thread (SUBSCRIBE, UNSUBSCRIBE, INTEREST, INTEREST_ACK), dropped (the
 * types that never go to a node), or handed to its channel's lcore, which
 * alone keeps that channel's order state:
 *
 * - as the owner: stream, next sequence and history; each PUBLISH is
 *   stamped and goes out as FANOUT and DELIVER copies; NACKs are answered
 *   from history with RETRANSMIT, or GONE;
 * - as a subscriber node: expected sequence and reorder window; DELIVER
 *   to the local clients in order, NACK for holes, GAP for what is lost;
 * - on a broadcast channel: dedup, DELIVER once, GOSSIP to k members.
 *
 * Copies share the received buffer (fanout.h). The audience table and
 * the member list are read as a QSBR reader, like the ring.
 */
#define _LGPL_SOURCE
#include <urcu/urcu-qsbr.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_ring.h>

#include "chan.h"
#include "rumor/chan_track.h"
#include "dp.h"
#include "fanout.h"

#define CHAN_SLOTS (1u << 17)		/* Channel states per lcore, x2. */
#define CHAN_STATES_MAX 65536u
#define CHAN_HIST 256u			/* History per channel (pow2). */
#define CHAN_PENDING_MAX 1024u		/* Channels awaiting a NACK. */
#define CHAN_SWEEP_MS 1000u
#define CHAN_STATE_TOMB ((struct chan_state *)(uintptr_t)1)

/* An owner's reference to a message it may have to send again. */
struct chan_hist {
	struct rte_mbuf *m;		/* The message segment; NULL: none. */
	uint64_t seq;
	uint32_t origin;
	uint16_t sum;			/* cksum_sum() of the message. */
	uint64_t pubid;
};

/* One channel's order state, on its channel lcore. */
struct chan_state {
	uint64_t hash;
	uint32_t id;			/* Unique on the lcore, for the FIFO. */
	uint32_t slot;
	bool pending;			/* In the lcore's NACK list. */
	/* Owner. */
	uint64_t stream;		/* 0: not ordering. */
	uint64_t next_seq;
	uint64_t base;			/* The first sequence of the stream
					 * this node stamped (history). */
	struct chan_hist hist[CHAN_HIST];
	/* Subscriber node. */
	struct chan_rx rx;
	uint64_t catchup;		/* As the new owner of the stream it
					 * followed: the handoff's next
					 * sequence it caught up to, */
	bool catching;			/* its PUBLISHes waiting meanwhile. */
	uint16_t len;
	char name[RUMOR_CHANNEL_MAX];
};

/* History references in stamp order, for the lcore's budget. */
struct chan_fifo {
	uint32_t slot;
	uint32_t id;
	uint64_t seq;
};

struct chan_lcore {
	struct chan_state *tab[CHAN_SLOTS];
	uint32_t n;
	uint32_t tombs;			/* Freed states' slots. */
	uint32_t next_id;
	uint64_t counter;		/* Publish ids of this lane. */
	uint64_t hz_ms;			/* TSC cycles per ms. */
	uint64_t next_sweep;
	uint32_t n_held;		/* Held messages, for the budget. */
	uint32_t held_budget;
	uint32_t hist_budget;		/* At most CHAN_HISTORY_LCORE. */
	uint32_t fifo_head, fifo_tail;
	struct chan_fifo fifo[CHAN_HISTORY_LCORE];
	uint32_t n_pending;
	struct chan_state *pending[CHAN_PENDING_MAX];
	struct gossip_dedup dedup;
};

int
chan_lcore_init(struct dp_lcore *lc)
{
	char name[RTE_RING_NAMESIZE];
	int socket = (int)rte_lcore_to_socket_id(lc->lcore_id);

	lc->chan = rte_zmalloc_socket("rumor_chan_lcore",
			sizeof(*lc->chan), RTE_CACHE_LINE_SIZE, socket);
	if (lc->chan == NULL)
		return -1;
	lc->chan->hz_ms = rte_get_tsc_hz() / 1000;
	lc->chan->counter = 0;
	token_bucket_init(&lc->sub_tb, rte_get_tsc_hz(), CHAN_SUB_RATE,
			CHAN_SUB_BURST, rte_rdtsc());
	/*
	 * History and held messages pin receive buffers: together they take
	 * at most a quarter of a pool, shared by the lcores.
	 */
	lc->chan->hist_budget = RTE_MIN((uint32_t)CHAN_HISTORY_LCORE,
			dp.opt.mbufs / 6 / dp.n_lcores);
	lc->chan->held_budget = RTE_MIN((uint32_t)CHAN_HELD_LCORE,
			dp.opt.mbufs / 12 / dp.n_lcores);
	if (ho_lcore_init(lc) < 0)
		return -1;
	snprintf(name, sizeof(name), "rumor_chan_in_%u", lc->queue);
	lc->chan_in = rte_ring_create(name, CHAN_IN_RING_SIZE, socket,
			RING_F_SC_DEQ);
	return lc->chan_in != NULL ? 0 : -1;
}

/* Release the held messages of a state and forget its tracking. */
static void
state_release_rx(struct chan_lcore *cl, struct chan_state *s)
{
	struct chan_held out[CHAN_WINDOW];
	uint32_t n = chan_rx_drain(&s->rx, out);

	for (uint32_t i = 0; i < n; i++)
		rte_pktmbuf_free(out[i].msg);
	cl->n_held -= n;
	chan_rx_init(&s->rx);
}

/* Release what a state holds: history and held messages. */
static void
state_release(struct chan_lcore *cl, struct chan_state *s)
{
	for (uint32_t i = 0; i < CHAN_HIST; i++)
		if (s->hist[i].m != NULL) {
			rte_pktmbuf_free(s->hist[i].m);
			s->hist[i].m = NULL;
		}
	state_release_rx(cl, s);
}

void
chan_lcore_free(struct dp_lcore *lc)
{
	struct rte_mbuf *m;

	if (lc->chan != NULL)
		for (uint32_t i = 0; i < CHAN_SLOTS; i++) {
			struct chan_state *s = lc->chan->tab[i];

			if (s == NULL || s == CHAN_STATE_TOMB)
				continue;
			state_release(lc->chan, s);
			rte_free(s);
		}
	while (lc->chan_in != NULL && rte_ring_dequeue(lc->chan_in,
			(void **)&m) == 0)
		rte_pktmbuf_free(m);
	rte_ring_free(lc->chan_in);
	ho_lcore_free(lc);
	rte_free(lc->chan);
	lc->chan = NULL;
	lc->chan_in = NULL;
}

/* The state of a channel, or NULL (create: a new one, if room). */
static struct chan_state *
state_get(struct dp_lcore *lc, uint64_t hash, const char *name, uint16_t len,
		bool create)
{
	struct chan_lcore *cl = lc->chan;
	uint32_t i = (uint32_t)(hash >> 32) & (CHAN_SLOTS - 1);
	uint32_t free = UINT32_MAX;
	struct chan_state *s;

	for (;; i = (i + 1) & (CHAN_SLOTS - 1)) {
		s = cl->tab[i];
		if (s == NULL)
			break;
		if (s == CHAN_STATE_TOMB) {
			if (free == UINT32_MAX)
				free = i;
			continue;
		}
		if (s->hash == hash && s->len == len &&
				memcmp(s->name, name, len) == 0)
			return s;
	}
	if (!create)
		return NULL;
	if (cl->n >= CHAN_STATES_MAX) {
		lc->stats.c[STAT_CHAN_TABLE_FULL]++;
		return NULL;
	}
	s = rte_zmalloc_socket("rumor_chan", sizeof(*s), RTE_CACHE_LINE_SIZE,
			(int)rte_lcore_to_socket_id(lc->lcore_id));
	if (s == NULL) {
		lc->stats.c[STAT_CHAN_TABLE_FULL]++;
		return NULL;
	}
	if (free == UINT32_MAX)
		free = i;
	else
		cl->tombs--;
	s->hash = hash;
	s->len = len;
	memcpy(s->name, name, len);
	s->id = ++cl->next_id;
	s->slot = free;
	chan_rx_init(&s->rx);
	cl->tab[free] = s;
	cl->n++;
	return s;
}

static void
state_free(struct chan_lcore *cl, struct chan_state *s)
{
	if (s->pending)
		for (uint32_t i = 0; i < cl->n_pending; i++)
			if (cl->pending[i] == s) {
				cl->pending[i] = cl->pending[--cl->n_pending];
				break;
			}
	state_release(cl, s);
	cl->tab[s->slot] = CHAN_STATE_TOMB;
	cl->n--;
	cl->tombs++;
	rte_free(s);
}

/*
 * Once live states (at most half the slots) and freed slots fill three
 * quarters of the table, move the live states to fresh slots so that
 * probes stay short and end; the history FIFO follows them.
 */
static void
states_compact(struct dp_lcore *lc)
{
	struct chan_lcore *cl = lc->chan;
	struct chan_state **live;
	uint32_t *remap, n = 0;

	if (cl->n + cl->tombs <= CHAN_SLOTS / 4 * 3)
		return;
	live = rte_malloc("rumor_chan_compact", cl->n * sizeof(*live) + 1, 0);
	remap = rte_malloc("rumor_chan_remap", CHAN_SLOTS * sizeof(*remap), 0);
	if (live == NULL || remap == NULL) {
		rte_free(live);
		rte_free(remap);
		return;
	}
	for (uint32_t i = 0; i < CHAN_SLOTS; i++) {
		struct chan_state *s = cl->tab[i];

		remap[i] = 0;
		if (s != NULL && s != CHAN_STATE_TOMB)
			live[n++] = s;
		cl->tab[i] = NULL;
	}
	for (uint32_t j = 0; j < n; j++) {
		struct chan_state *s = live[j];
		uint32_t k = (uint32_t)(s->hash >> 32) & (CHAN_SLOTS - 1);

		while (cl->tab[k] != NULL)
			k = (k + 1) & (CHAN_SLOTS - 1);
		cl->tab[k] = s;
		remap[s->slot] = k;
		s->slot = k;
	}
	/* A stale FIFO entry may land anywhere: its id tells it apart. */
	for (uint32_t f = cl->fifo_head; f != cl->fifo_tail; f++) {
		struct chan_fifo *e = &cl->fifo[f & (CHAN_HISTORY_LCORE - 1)];

		e->slot = remap[e->slot];
	}
	cl->tombs = 0;
	rte_free(live);
	rte_free(remap);
}

/* The header fields every copy of a message of h shares. */
static void
fan_init(struct fan_msg *f, const struct rumor_hdr *h, uint8_t type,
		uint8_t hop_limit, uint32_t origin, uint64_t epoch,
		uint64_t seq)
{
	f->seg = NULL;
	f->msg_len = 0;
	f->msg_sum = 0;
	f->type = type;
	f->hop_limit = hop_limit;
	f->origin = origin;
	f->epoch = epoch;
	f->seq = seq;
	f->hash = be64toh(h->channel_hash);
	f->name = rumor_hdr_channel(h);
	f->name_len = ntohs(h->channel_len);
	f->fixed_len = 0;
}

/* The same from a channel state, for messages with no frame at hand. */
static void
fan_init_state(struct fan_msg *f, const struct chan_state *s, uint8_t type,
		uint8_t hop_limit, uint32_t origin, uint64_t epoch,
		uint64_t seq)
{
	memset(f, 0, offsetof(struct fan_msg, fixed));
	f->type = type;
	f->hop_limit = hop_limit;
	f->origin = origin;
	f->epoch = epoch;
	f->seq = seq;
	f->hash = s->hash;
	f->name = s->name;
	f->name_len = s->len;
}

static void
fan_ord(struct fan_msg *f, uint64_t stream, uint64_t seq, bool broadcast)
{
	struct chan_ord o = { .stream = stream, .seq = seq };

	f->fixed_len = (uint16_t)chan_ord_encode(&o, broadcast, f->fixed,
			sizeof(f->fixed));
}

/* One copy to each local subscriber of e. */
static void
deliver_local(struct dp_lcore *lc, const struct fan_msg *f,
		const struct aud_entry *e)
{
	fan_send_n(lc, f, e->local, e->n_local, STAT_CHAN_DELIVERED);
}

/* A GAP (stream, first .. last) to each local subscriber. */
static void
send_gap(struct dp_lcore *lc, const struct chan_state *s,
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
	fan_send_n(lc, &f, e->local, e->n_local, STAT_CHAN_GAP_SENT);
}

/* DELIVER a held (or just received) message to the local subscribers. */
static void
deliver_held(struct dp_lcore *lc, const struct chan_state *s,
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
		deliver_local(lc, &f, e);
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

/*
 * Give up every missing sequence below upto (GAP to the clients), and
 * deliver what is held on the way and in order after it.
 */
static void
give_up_to(struct dp_lcore *lc, struct chan_state *s,
		const struct aud_entry *e, uint64_t epoch, uint64_t upto)
{
	while (s->rx.next < upto) {
		uint64_t end;

		deliver_run(lc, s, e, epoch);
		if (s->rx.next >= upto)
			break;
		end = s->rx.next;
		while (end < upto) {
			const struct chan_held *hd =
					&s->rx.held[end & (CHAN_WINDOW - 1)];

			if (hd->msg != NULL && hd->seq == end)
				break;
			end++;
		}
		send_gap(lc, s, e, epoch, s->rx.next, end - 1);
		chan_rx_skip(&s->rx, end);
	}
	deliver_run(lc, s, e, epoch);
}

/* This node's NACK n for channel s to member to (as a subscriber node). */
static void
nack_to(struct dp_lcore *lc, const struct chan_state *s,
		const struct chan_nack *n, uint32_t to,
		const struct ring_table *ring, const struct peer_table *peers)
{
	struct chan_dest d;
	struct fan_msg f;

	if (!fan_member(peers, to, &d)) {
		lc->stats.c[STAT_CHAN_NO_ROUTE]++;
		return;
	}
	fan_init_state(&f, s, RUMOR_T_NACK, RUMOR_DEFAULT_HOP_LIMIT,
			dp.cfg.node_id, ring->epoch, ++lc->chan->counter);
	f.fixed_len = (uint16_t)chan_nack_encode(n, f.fixed, sizeof(f.fixed));
	fan_send(lc, &f, &d, STAT_CHAN_NACK_SENT);
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
	nack_to(lc, s, &n, ring_owner(ring, s->hash), ring, peers);
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
 * A new owner catching up with the stream it followed: its held PUBLISHes
 * go on once it has everything before the handoff, or was told it is gone.
 */
static void
catchup_check(struct dp_lcore *lc, struct chan_state *s,
		const struct ring_table *ring, const struct peer_table *peers)
{
	if (unlikely(s->catching) && s->rx.next >= s->catchup) {
		s->catching = false;
		ho_caught_up(lc, s->hash, s->name, s->len, ring, peers);
	}
}

void
chan_catchup_ask(struct dp_lcore *lc, uint64_t hash, const char *name,
		uint16_t len, uint32_t from, const struct ring_table *ring,
		const struct peer_table *peers)
{
	struct chan_state *s = state_get(lc, hash, name, len, false);
	struct chan_nack n;

	if (s == NULL || !s->catching || s->rx.next >= s->catchup)
		return;
	n = (struct chan_nack){ .stream = s->rx.stream, .first = s->rx.next,
			.count = (uint32_t)RTE_MIN(s->catchup - s->rx.next,
			(uint64_t)CHAN_NACK_MAX) };
	nack_to(lc, s, &n, from, ring, peers);
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

/*
 * FANOUT or RETRANSMIT on a subscriber node: in order to the local
 * subscribers, holes asked for, the window kept.
 */
static void
sub_input(struct dp_lcore *lc, struct rte_mbuf *m, const struct rumor_hdr *h,
		const struct ring_table *ring, const struct peer_table *peers)
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

	if (chan_ord_decode(fixed, plen, false, &o) != CHAN_WIRE_OK) {
		lc->stats.c[STAT_CHAN_BAD]++;
		rte_pktmbuf_free(m);
		return;
	}
	if (e == NULL || e->n_local == 0) {
		lc->stats.c[STAT_CHAN_NO_AUDIENCE]++;
		rte_pktmbuf_free(m);
		return;
	}
	s = state_get(lc, e->hash, e->name, e->len, true);
	if (s == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	if (s->rx.stream == 0)
		rx_begin(lc, s, e, &o);
	held.origin = ntohl(h->origin);
	held.pubid = be64toh(h->seq);
	held.seq = o.seq;
	for (;;) {
		v = chan_rx_offer(&s->rx, o.stream, o.seq);
		if (v == CHAN_RX_RESET) {
			/* What the old stream left: delivered, holes as GAP. */
			uint64_t top = s->rx.top;

			give_up_to(lc, s, e, ring->epoch, top);
			rx_begin(lc, s, e, &o);
			continue;
		}
		if (v == CHAN_RX_BEYOND) {
			lc->stats.c[STAT_CHAN_WINDOW_OVERFLOW]++;
			give_up_to(lc, s, e, ring->epoch,
					o.seq - CHAN_WINDOW + 1);
			continue;
		}
		break;
	}
	switch (v) {
	case CHAN_RX_DUP:
		lc->stats.c[STAT_CHAN_DUP]++;
		rte_pktmbuf_free(m);
		return;
	case CHAN_RX_STALE:
		lc->stats.c[STAT_CHAN_STALE_STREAM]++;
		rte_pktmbuf_free(m);
		return;
	default:
		break;
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
		lc->stats.c[STAT_CHAN_WINDOW_OVERFLOW]++;
		rte_pktmbuf_free(m);
	} else {
		chan_rx_hold(&s->rx, &held);
		lc->chan->n_held++;
		lc->stats.c[STAT_CHAN_HELD]++;
	}
	hole_check(lc, s, ring, peers, rte_rdtsc());
	catchup_check(lc, s, ring, peers);
}

/* GONE: what the owner no longer holds is lost; deliver past it. */
static void
gone_input(struct dp_lcore *lc, struct rte_mbuf *m, const struct rumor_hdr *h,
		const struct ring_table *ring, const struct peer_table *peers)
{
	const struct aud_entry *e = aud_find(rcu_dereference(dp.aud),
			be64toh(h->channel_hash), rumor_hdr_channel(h),
			ntohs(h->channel_len));
	struct chan_state *s;
	struct chan_range r;

	if (chan_range_decode(rumor_hdr_payload(h), ntohs(h->payload_len),
			&r) != CHAN_WIRE_OK) {
		lc->stats.c[STAT_CHAN_BAD]++;
		rte_pktmbuf_free(m);
		return;
	}
	s = e != NULL ? state_get(lc, e->hash, e->name, e->len, false) : NULL;
	if (s != NULL && r.stream == s->rx.stream && r.last >= s->rx.next)
		give_up_to(lc, s, e, ring->epoch, r.last + 1);
	if (s != NULL)
		catchup_check(lc, s, ring, peers);
	rte_pktmbuf_free(m);
}

/* The history slot a FIFO entry still holds a message in, or NULL. */
static inline struct chan_hist *
fifo_hist(struct chan_lcore *cl, const struct chan_fifo *e)
{
	struct chan_state *o = cl->tab[e->slot];
	struct chan_hist *hs;

	if (o == NULL || o == CHAN_STATE_TOMB || o->id != e->id)
		return NULL;
	hs = &o->hist[e->seq & (CHAN_HIST - 1)];
	return hs->m != NULL && hs->seq == e->seq ? hs : NULL;
}

/* Drop the oldest history references beyond the lcore's budget. */
static void
history_push(struct chan_lcore *cl, struct dp_lcore *lc,
		const struct chan_state *s, uint64_t seq)
{
	struct chan_fifo *f;
	struct chan_hist *hs;

	if (cl->fifo_tail - cl->fifo_head >= cl->hist_budget) {
		hs = fifo_hist(cl, &cl->fifo[cl->fifo_head++ &
				(CHAN_HISTORY_LCORE - 1)]);
		if (hs != NULL) {
			rte_pktmbuf_free(hs->m);
			hs->m = NULL;
			lc->stats.c[STAT_HISTORY_EVICTED]++;
		}
		/*
		 * The next message's push frees the next oldest, long out of
		 * cache by then: its mbuf is fetched now, ahead of the free.
		 */
		hs = fifo_hist(cl, &cl->fifo[cl->fifo_head &
				(CHAN_HISTORY_LCORE - 1)]);
		if (hs != NULL)
			rte_prefetch0(hs->m);
	}
	f = &cl->fifo[cl->fifo_tail++ & (CHAN_HISTORY_LCORE - 1)];
	f->slot = s->slot;
	f->id = s->id;
	f->seq = seq;
}

/* The publish id of a message entering here, from this lcore's lane. */
static inline uint64_t
publish_id(struct dp_lcore *lc)
{
	return (uint64_t)(lc->queue & 0xff) << 56 | ++lc->chan->counter;
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
	const struct rumor_hdr *h = rte_pktmbuf_mtod_offset(m,
			const struct rumor_hdr *, FRAME_RUMOR_OFF);
	const uint16_t clen = ntohs(h->channel_len);
	const uint16_t plen = ntohs(h->payload_len);
	struct chan_lcore *cl = lc->chan;
	struct chan_cell *c = e->cell;
	struct chan_state *s;
	struct chan_hist *hs;
	struct chan_dest d[FAN_BULK];
	struct fan_msg f;
	uint32_t origin = ntohl(h->origin), n_d = 0;
	uint64_t pubid = be64toh(h->seq), seq;

	if (plen > chan_payload_max(clen)) {
		lc->stats.c[STAT_CHAN_TOO_BIG]++;
		rte_pktmbuf_free(m);
		return;
	}
	s = state_get(lc, e->hash, e->name, e->len, true);
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
		for (uint32_t i = 0; i < CHAN_HIST; i++)
			if (s->hist[i].m != NULL) {
				rte_pktmbuf_free(s->hist[i].m);
				s->hist[i].m = NULL;
			}
		s->stream = c->stream;
		s->base = c->next;
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
				chan_catchup_ask(lc, e->hash, e->name, e->len,
						from, ring, peers);
				return;
			}
		}
		s->catching = false;
		give_up_to(lc, s, e, ring->epoch, same && c->next > s->rx.top ?
				c->next : s->rx.top);
		state_release_rx(lc->chan, s);
	}
	if (origin == 0) {
		/* From a client: stamped by the node that orders it. */
		origin = dp.cfg.node_id;
		pubid = publish_id(lc);
	}
	seq = c->next;
	s->next_seq = seq + 1;
	__atomic_store_n(&c->next, seq + 1, __ATOMIC_RELAXED);
	lc->stats.c[STAT_CHAN_STAMPED]++;

	fan_init(&f, h, RUMOR_T_FANOUT, RUMOR_DEFAULT_HOP_LIMIT, origin,
			ring->epoch, pubid);
	fan_ord(&f, s->stream, seq, false);
	fan_msg_segment(&f, m, FRAME_RUMOR_OFF + sizeof(*h) + clen, plen);
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
	f.type = RUMOR_T_DELIVER;
	f.hop_limit = 0;
	deliver_local(lc, &f, e);

	/* The history keeps the caller's reference. */
	hs = &s->hist[seq & (CHAN_HIST - 1)];
	if (hs->m != NULL)
		rte_pktmbuf_free(hs->m);
	hs->m = m;
	hs->seq = seq;
	hs->origin = origin;
	hs->sum = f.msg_sum;
	hs->pubid = pubid;
	history_push(cl, lc, s, seq);
	/*
	 * The channel's next message takes the next slot and frees what it
	 * holds, long out of cache by then: fetched now, ahead of the free.
	 */
	hs = &s->hist[(seq + 1) & (CHAN_HIST - 1)];
	if (hs->m != NULL)
		rte_prefetch0(hs->m);
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

/* The owner answers a NACK: RETRANSMIT what history holds, GONE the rest. */
static void
nack_input(struct dp_lcore *lc, struct rte_mbuf *m, const struct rumor_hdr *h,
		const struct ring_table *ring, const struct peer_table *peers)
{
	const uint16_t clen = ntohs(h->channel_len);
	const uint64_t hash = be64toh(h->channel_hash);
	const uint32_t from = ntohl(h->origin);
	struct chan_state *s;
	struct chan_nack n;
	struct chan_range gone = { 0 };
	struct chan_dest d;
	struct fan_msg f;

	if (chan_nack_decode(rumor_hdr_payload(h), ntohs(h->payload_len),
			&n) != CHAN_WIRE_OK) {
		lc->stats.c[STAT_CHAN_BAD]++;
		rte_pktmbuf_free(m);
		return;
	}
	lc->stats.c[STAT_CHAN_NACK_RX]++;
	s = state_get(lc, hash, rumor_hdr_channel(h), clen, false);
	/*
	 * The owner answers; so does the owner before, for the stream it
	 * ordered (its new owner relays what precedes the handoff).
	 */
	if (ring_owner(ring, hash) != dp.cfg.node_id &&
			(s == NULL || s->stream != n.stream)) {
		lc->stats.c[STAT_CHAN_NOT_OWNER]++;
		rte_pktmbuf_free(m);
		return;
	}
	if (!fan_member(peers, from, &d)) {
		lc->stats.c[STAT_CHAN_NO_ROUTE]++;
		rte_pktmbuf_free(m);
		return;
	}
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

/*
 * GOSSIP copies of a broadcast message to k members: the origin's spread
 * tree first, then members at random.
 */
static void
gossip_spread(struct dp_lcore *lc, struct fan_msg *f, uint32_t origin)
{
	const struct member_list *ml = rcu_dereference(dp.members);
	const struct peer_table *peers = rcu_dereference(dp.peers);
	const uint32_t k = dp.opt.fanout_k, self = dp.cfg.node_id;
	uint32_t idx[CHAN_FANOUT_K_MAX], sent[CHAN_FANOUT_K_MAX];
	uint32_t o = UINT32_MAX, me = UINT32_MAX, n_sent = 0, n_d = 0, c;
	struct chan_dest d[CHAN_FANOUT_K_MAX];

	if (ml == NULL || ml->n < 2)
		return;
	for (uint32_t i = 0; i < ml->n; i++) {
		if (ml->id[i] == origin)
			o = i;
		if (ml->id[i] == self)
			me = i;
	}
	c = o != UINT32_MAX && me != UINT32_MAX ?
			gossip_children(ml->n, o, me, k, idx) : 0;
	for (uint32_t i = 0; i < c; i++)
		sent[n_sent++] = ml->id[idx[i]];
	/* Random members up to k: not self, not the origin, not twice. */
	for (uint32_t tries = 0; n_sent < k && tries < 4 * k; tries++) {
		uint32_t id = ml->id[rte_rand_max(ml->n)], j;

		if (id == self || id == origin)
			continue;
		for (j = 0; j < n_sent && sent[j] != id; j++)
			;
		if (j == n_sent)
			sent[n_sent++] = id;
	}
	for (uint32_t i = 0; i < n_sent; i++) {
		if (fan_member(peers, sent[i], &d[n_d]))
			n_d++;
		else
			lc->stats.c[STAT_CHAN_NO_ROUTE]++;
	}
	fan_send_n(lc, f, d, n_d, STAT_GOSSIP_FORWARDED);
}

/*
 * A broadcast message, entering here (PUBLISH) or from a member
 * (GOSSIP): once per node to the local subscribers, and on to k members
 * while hops are left.
 */
static void
broadcast_input(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct rumor_hdr *h, const struct ring_table *ring)
{
	const uint16_t clen = ntohs(h->channel_len);
	const uint16_t plen = ntohs(h->payload_len);
	const uint64_t now = rte_rdtsc();
	const struct aud_entry *e;
	const struct member_list *ml;
	struct chan_gossip g;
	struct fan_msg f;
	uint32_t origin, off;
	uint64_t pubid, msg_len;
	uint8_t hops;

	if (h->type == RUMOR_T_DATA) {
		if (plen > chan_payload_max(clen)) {
			lc->stats.c[STAT_CHAN_TOO_BIG]++;
			rte_pktmbuf_free(m);
			return;
		}
		origin = dp.cfg.node_id;
		pubid = publish_id(lc);
		g.boot = dp.boot;
		ml = rcu_dereference(dp.members);
		hops = gossip_hop_limit(ml != NULL ? ml->n : 1,
				dp.opt.fanout_k);
		off = 0;
		lc->stats.c[STAT_CHAN_STAMPED]++;
	} else {
		if (chan_gossip_decode(rumor_hdr_payload(h), plen, &g) !=
				CHAN_WIRE_OK) {
			lc->stats.c[STAT_CHAN_BAD]++;
			rte_pktmbuf_free(m);
			return;
		}
		origin = ntohl(h->origin);
		pubid = be64toh(h->seq);
		hops = h->hop_limit;
		off = CHAN_GOSSIP_LEN;
	}
	switch (gossip_check(&lc->chan->dedup, origin, g.boot, pubid, now)) {
	case GOSSIP_DUP:
		lc->stats.c[STAT_GOSSIP_DUP]++;
		rte_pktmbuf_free(m);
		return;
	case GOSSIP_OLD:
		lc->stats.c[STAT_GOSSIP_OLD]++;
		rte_pktmbuf_free(m);
		return;
	default:
		break;
	}
	lc->stats.c[STAT_GOSSIP_LANES_EVICTED] = lc->chan->dedup.evicted;
	lc->stats.c[STAT_GOSSIP_RX]++;
	msg_len = plen - off;
	/*
	 * The name stays where it is in the buffer: the adj below only moves
	 * the data offset, and this function holds its reference to the end.
	 */
	fan_init(&f, h, RUMOR_T_DELIVER, 0, origin, ring->epoch, pubid);
	fan_ord(&f, 0, 0, true);
	fan_msg_segment(&f, m, FRAME_RUMOR_OFF + sizeof(*h) + clen + off,
			(uint32_t)msg_len);
	e = aud_find(rcu_dereference(dp.aud), f.hash, f.name, f.name_len);
	if (e != NULL)
		deliver_local(lc, &f, e);
	if (hops > 0) {
		struct chan_gossip out = { .boot = g.boot };

		f.type = RUMOR_T_GOSSIP;
		f.hop_limit = (uint8_t)(hops - 1);
		f.fixed_len = (uint16_t)chan_gossip_encode(&out, f.fixed,
				sizeof(f.fixed));
		gossip_spread(lc, &f, origin);
	}
	rte_pktmbuf_free(m);
}

/*
 * A PUBLISH of an ordered channel on its lcore, under the ring in force
 * now: sent on if the owner changed since it was routed, held while a
 * handoff is under way, to the sink without an audience, else ordered.
 */
static void
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
		fwd_to_owner(lc, m, owner, ring, peers);
		return;
	}
	e = aud_find(rcu_dereference(dp.aud), hash, name, len);
	if (unlikely(!ho_ready(lc, ring, hash, name, len, e))) {
		ho_hold(lc, m, ring, peers, hash, name, len, 0);
		return;
	}
	if (e == NULL) {
		fwd_to_owner(lc, m, owner, ring, peers);	/* The sink. */
		return;
	}
	owner_publish(lc, m, e, ring, peers);
}

void
chan_process(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct ring_table *ring, const struct peer_table *peers)
{
	const struct rumor_hdr *h = rte_pktmbuf_mtod_offset(m,
			const struct rumor_hdr *, FRAME_RUMOR_OFF);

	switch (h->type) {
	case RUMOR_T_DATA:
		if (*rumor_hdr_channel(h) == CHAN_BROADCAST_PREFIX) {
			broadcast_input(lc, m, h, ring);
			return;
		}
		owner_input(lc, m, h, ring, peers);
		return;
	case RUMOR_T_HANDOFF:
		/* From the control thread, its interest set taken over. */
		ho_input(lc, m, ring, peers);
		return;
	case RUMOR_T_GOSSIP:
		broadcast_input(lc, m, h, ring);
		return;
	case RUMOR_T_FANOUT:
	case RUMOR_T_RETRANSMIT:
		sub_input(lc, m, h, ring, peers);
		return;
	case RUMOR_T_GONE:
		gone_input(lc, m, h, ring, peers);
		return;
	case RUMOR_T_NACK:
		nack_input(lc, m, h, ring, peers);
		return;
	default:
		lc->stats.c[STAT_CHAN_UNEXPECTED]++;
		rte_pktmbuf_free(m);
	}
}

/* On the receiving lcore: to the channel's lcore, or processed here. */
static void
chan_dispatch(struct dp_lcore *lc, struct rte_mbuf *m, uint64_t hash,
		const struct ring_table *ring, const struct peer_table *peers)
{
	const unsigned to = chan_lcore_of(hash, dp.n_lcores);

	if (likely(to == lc->queue)) {
		chan_process(lc, m, ring, peers);
		return;
	}
	if (unlikely(rte_ring_mp_enqueue(dp.lcore[to]->chan_in, m) != 0)) {
		lc->stats.c[STAT_CHAN_HANDOFF_FULL]++;
		rte_pktmbuf_free(m);
		return;
	}
	lc->stats.c[STAT_CHAN_HANDOFF]++;
}

static void
sub_punt(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_port *in)
{
	m->port = in->id;
	if (!token_bucket_take(&lc->sub_tb, rte_rdtsc())) {
		lc->stats.c[STAT_SUB_RATE]++;
		rte_pktmbuf_free(m);
	} else if (rte_ring_mp_enqueue(dp.sub_punt, m) != 0) {
		lc->stats.c[STAT_SUB_PUNT_FULL]++;
		rte_pktmbuf_free(m);
	} else {
		lc->stats.c[STAT_SUB_PUNTED]++;
	}
}

/*
 * A node-to-node type must come from a member's address and UDP port (a
 * GOSSIP's origin is where it entered, not who sent this copy). Under
 * fault injection (tests), a share of them is dropped as if lost.
 */
static bool
from_member(struct dp_lcore *lc, const struct rte_mbuf *m)
{
	const struct ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
			const struct ipv4_hdr *, FRAME_IP_OFF);
	const struct udp_hdr *udp = rte_pktmbuf_mtod_offset(m,
			const struct udp_hdr *, FRAME_UDP_OFF);
	const struct member_list *ml = rcu_dereference(dp.members);

	if (ml == NULL || !member_addr(ml, ip->src, udp->src_port)) {
		lc->stats.c[STAT_CHAN_NOT_MEMBER]++;
		return false;
	}
	if (unlikely(dp.chan_loss != 0) &&
			rte_rand_max(100) < dp.chan_loss) {
		lc->stats.c[STAT_CHAN_INJECTED_LOSS]++;
		return false;
	}
	return true;
}

void
chan_input(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_port *in,
		const struct ring_table *ring, const struct peer_table *peers)
{
	const struct rumor_hdr *h = rte_pktmbuf_mtod_offset(m,
			const struct rumor_hdr *, FRAME_RUMOR_OFF);

	switch (h->type) {
	case RUMOR_T_SUBSCRIBE:
	case RUMOR_T_UNSUBSCRIBE:
		sub_punt(lc, m, in);
		return;
	case RUMOR_T_INTEREST:
	case RUMOR_T_INTEREST_ACK:
	case RUMOR_T_HANDOFF_REQ:
	case RUMOR_T_HANDOFF:
		if (!from_member(lc, m))
			break;
		sub_punt(lc, m, in);
		return;
	case RUMOR_T_DATA:
		chan_dispatch(lc, m, be64toh(h->channel_hash), ring, peers);
		return;
	case RUMOR_T_FANOUT:
	case RUMOR_T_RETRANSMIT:
	case RUMOR_T_NACK:
	case RUMOR_T_GONE:
	case RUMOR_T_GOSSIP:
		if (!from_member(lc, m))
			break;
		chan_dispatch(lc, m, be64toh(h->channel_hash), ring, peers);
		return;
	default:
		lc->stats.c[STAT_CHAN_UNEXPECTED]++;
		break;
	}
	rte_pktmbuf_free(m);
}

void
chan_ahead(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct ring_table *ring, const struct peer_table *peers)
{
	const struct rumor_hdr *h = rte_pktmbuf_mtod_offset(m,
			const struct rumor_hdr *, FRAME_RUMOR_OFF);

	chan_dispatch(lc, m, be64toh(h->channel_hash), ring, peers);
}

bool
chan_owned(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct ring_table *ring, const struct peer_table *peers)
{
	const struct rumor_hdr *h = rte_pktmbuf_mtod_offset(m,
			const struct rumor_hdr *, FRAME_RUMOR_OFF);

	const uint64_t hash = be64toh(h->channel_hash);

	/*
	 * Without an audience here, a channel this node owned under the ring
	 * before too goes to the sink as it is; one that was another
	 * member's may need its handoff first.
	 */
	if (aud_find(rcu_dereference(dp.aud), hash, rumor_hdr_channel(h),
			ntohs(h->channel_len)) == NULL && (ring->prev == NULL ||
			!ring->agreed ||
			ring_owner(ring->prev, hash) == dp.cfg.node_id) &&
			be64toh(h->epoch) <= chan_epoch_floor(ring,
			dp.cfg.n_voters))
		return false;
	chan_dispatch(lc, m, hash, ring, peers);
	return true;
}

/* NACK timers: ask again, or give the hole up after the last try. */
static void
nack_timers(struct dp_lcore *lc, const struct ring_table *ring,
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
		if (s->rx.nack_tries >= CHAN_NACK_TRIES) {
			const struct aud_entry *e = aud_find(
					rcu_dereference(dp.aud), s->hash,
					s->name, s->len);
			uint64_t end = first;

			while (end < s->rx.top && s->rx.held[end &
					(CHAN_WINDOW - 1)].msg == NULL)
				end++;
			give_up_to(lc, s, e, ring->epoch, end);
			s->rx.nack_tries = 0;
			s->rx.nack_first = 0;
			continue;
		}
		s->rx.nack_tries++;
		s->rx.nack_at = now + CHAN_NACK_RETRY_MS * cl->hz_ms;
		send_nack(lc, s, ring, peers);
	}
}

/*
 * A NACK for the end of a run: the owner's last INTEREST_ACK says it
 * stamped beyond what this node received, and nothing later came to
 * show the hole.
 */
static void
tail_check(struct dp_lcore *lc, struct chan_state *s,
		const struct aud_entry *e, const struct ring_table *ring,
		const struct peer_table *peers)
{
	struct chan_nack n = { .stream = s->rx.stream, .first = s->rx.next };

	if (s->rx.stream == 0 || e->ack_stream != s->rx.stream ||
			e->ack_next <= s->rx.top || s->rx.n_held != 0)
		return;
	n.count = (uint32_t)RTE_MIN(e->ack_next - s->rx.next,
			(uint64_t)CHAN_NACK_MAX);
	nack_to(lc, s, &n, ring_owner(ring, s->hash), ring, peers);
}

/*
 * Once a second: channels whose audience went lose their state, and
 * subscriber nodes check the end of each run.
 */
static void
sweep(struct dp_lcore *lc, const struct ring_table *ring,
		const struct peer_table *peers)
{
	struct chan_lcore *cl = lc->chan;

	for (uint32_t i = 0; i < CHAN_SLOTS && cl->n > 0; i++) {
		struct chan_state *s = cl->tab[i];
		const struct aud_entry *e;

		if (s == NULL || s == CHAN_STATE_TOMB)
			continue;
		e = aud_find(rcu_dereference(dp.aud), s->hash, s->name, s->len);
		if (e == NULL)
			state_free(cl, s);
		else if (e->n_local > 0)
			tail_check(lc, s, e, ring, peers);
	}
}

void
chan_handoff_drain(struct dp_lcore *lc, const struct ring_table *ring,
		const struct peer_table *peers)
{
	struct rte_mbuf *pkts[DP_BURST];
	unsigned n = rte_ring_sc_dequeue_burst(lc->chan_in, (void **)pkts,
			DP_BURST, NULL);

	for (unsigned i = 0; i < n; i++)
		chan_process(lc, pkts[i], ring, peers);
}

void
chan_timers(struct dp_lcore *lc, const struct ring_table *ring,
		const struct peer_table *peers, uint64_t now)
{
	struct chan_lcore *cl = lc->chan;

	if (cl->n_pending > 0)
		nack_timers(lc, ring, peers, now);
	ho_timers(lc, ring, peers, now);
	if (unlikely((int64_t)(now - cl->next_sweep) >= 0)) {
		cl->next_sweep = now + CHAN_SWEEP_MS * cl->hz_ms;
		if (cl->n > 0)
			sweep(lc, ring, peers);
		states_compact(lc);
	}
}
