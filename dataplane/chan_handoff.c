/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The new owner's side of a channel handoff, on the channel's lcore
 * (docs/channels.md, "Handoff"). When a ring epoch gives this node an
 * ordered channel that another member owned under the ring before, the
 * lcore must not stamp it before it knows where the old owner stopped:
 *
 * - it holds the channel's PUBLISHes (bounded per channel and per lcore,
 *   counted) and asks the old owner with HANDOFF_REQ, again every
 *   100 ms;
 * - the old owner answers once it no longer orders the channel; the
 *   control thread takes over the interest set the HANDOFF carries, then
 *   passes the HANDOFF to this lcore, which continues the old owner's
 *   stream at its next sequence and lets the held messages through in
 *   the order they came;
 * - when the old owner is no longer a member (it crashed) and this node
 *   is one of the channel's replicas, it asks the old replica set with
 *   REPL_SYNC too, and once a majority said how far it holds, continues
 *   the stream past that by the window (chan_repl.c, failover);
 * - with no state to continue (the old owner held none, or did not
 *   answer within a second: it crashed, and no majority of its replicas
 *   answered), the channel starts a new stream, which subscribers see
 *   as a reset.
 *
 * Whether this node may stamp a channel under the ring in force is the
 * cell's epoch (struct chan_cell); for a channel without an audience
 * here, which has no cell, a small table remembers the settled ones so
 * that their PUBLISHes go to the sink without asking again.
 *
 * The same waits hold a new owner's PUBLISHes while it catches up with
 * the stream it followed (chan_subscriber.c asks), and those routed under
 * a ring newer than this node's. A wait that ends gives its messages back
 * to its caller (struct ho_release), which processes them.
 */
#define _LGPL_SOURCE
#include <urcu/urcu-qsbr.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include <stdlib.h>

#include "chan_fetch.h"
#include "chan_handoff.h"
#include "chan_repl.h"
#include "chan_subscriber.h"
#include "dp.h"
#include "fanout.h"

#define HO_WAIT_MAX 2048u	/* Channels waiting at once, per lcore. */
#define HO_BUCKETS 1024u	/* Of the waits' hash (pow2). */
#define HO_NONE UINT32_MAX
#define HO_RETRY_MS 100u	/* HANDOFF_REQ again. */
#define HO_WAIT_MS 1000u	/* Then a new stream... */
#define HO_GONE_WAIT_MS 250u	/* ... sooner if the old owner is no
				 * longer a member: one that left answers
				 * within a round trip, a dead one never. */
#define HO_GONE_RETRY_MS 25u	/* Asked this often meanwhile, so that
				 * lost requests or answers still leave
				 * several tries. */
#define HO_DONE_SLOTS 4096u	/* Settled channels without audience. */
#define HO_WINDOW_MS 200u	/* PUBLISHes beyond the replicas' window
				 * wait at most so long for a REPL_ACK. */
#define HO_FETCH_MS 500u	/* A failover's fetch, at most. */
#define HO_CATCHUP_MS 100u	/* A new owner catching up waits so long, */
#define HO_CATCHUP_RETRY_MS 20u	/* asking again this often. */
#define HO_OPEN_BUCKETS 4096u	/* Of the open requests' set (pow2), */
#define HO_OPEN_WAYS 4u		/* each holding this many. */

struct ho_wait {
	uint64_t hash;
	uint64_t epoch;		/* The ring epoch it waits under. */
	uint64_t prev_epoch;	/* The one the old owner owned it under. */
	uint64_t req;		/* The request id the answer echoes. */
	uint64_t retry_at;	/* TSC. */
	uint32_t retry_ms;	/* How often the old owner is asked. */
	uint64_t give_up_at;
	uint32_t from;		/* The old owner; 0: none asked, the wait
				 * is for this node's own ring to reach
				 * epoch (a message came from a newer one). */
	bool catchup;		/* For this node to catch up (from: whom
				 * it asks), not for a HANDOFF. */
	bool failover;		/* The old owner gone: the old replica set
				 * asked instead (fo, chan_repl.c). */
	bool window;		/* For the replicas to catch up with the
				 * owner (chan_repl.c): nothing asked. */
	struct repl_failover fo;
	uint32_t chain;		/* Next wait of its bucket. */
	uint32_t head, tail;	/* Its held messages, oldest first. */
	uint16_t len;
	char name[RUMOR_CHANNEL_MAX];
};

struct ho_done {
	uint64_t hash;
	uint64_t epoch;
	uint64_t stream;	/* Where it goes on; 0: a new stream. */
	uint64_t next;
};

/*
 * Held messages sit in one pool of links per lcore, each wait a list in
 * arrival order; waits are found by a chained hash of the channel.
 */
struct ho_lcore {
	uint64_t hz_ms;
	uint32_t *fetching;	/* The lcore's count of fetching waits. */
	uint64_t req;
	uint32_t n_wait;
	uint32_t free_link;	/* First free link. */
	uint32_t held_budget;
	uint32_t bucket[HO_BUCKETS];
	struct rte_mbuf *held[HO_HELD_MAX];
	uint32_t link[HO_HELD_MAX];	/* Next held, or next free. */
	struct ho_done done[HO_DONE_SLOTS];
	struct ho_wait wait[HO_WAIT_MAX];
	/*
	 * The request ids of the HANDOFF_REQs this lcore waits an answer
	 * for, by channel hash: the control thread reads them (ho_awaits)
	 * to take an interest set only from an answer awaited. 0: free.
	 */
	uint64_t open[HO_OPEN_BUCKETS][HO_OPEN_WAYS];
};

/* Note req, a HANDOFF_REQ's id, as awaited for hash (unless full). */
static void
open_add(struct ho_lcore *ho, uint64_t hash, uint64_t req)
{
	uint64_t *b = ho->open[hash & (HO_OPEN_BUCKETS - 1)];

	for (uint32_t i = 0; i < HO_OPEN_WAYS; i++)
		if (b[i] == 0) {
			__atomic_store_n(&b[i], req, __ATOMIC_RELEASE);
			return;
		}
	/* Full: the answer is refused and the wait times out. */
}

/* req, awaited for hash, no longer is. */
static void
open_del(struct ho_lcore *ho, uint64_t hash, uint64_t req)
{
	uint64_t *b = ho->open[hash & (HO_OPEN_BUCKETS - 1)];

	for (uint32_t i = 0; i < HO_OPEN_WAYS; i++)
		if (b[i] == req)
			__atomic_store_n(&b[i], 0, __ATOMIC_RELEASE);
}

bool
ho_awaits(uint64_t hash, uint64_t req)
{
	const struct dp_lcore *lc = dp.lcore[chan_lcore_of(hash, dp.n_lcores)];
	const uint64_t *b;

	if (req == 0 || lc == NULL || lc->ho == NULL)
		return false;
	b = lc->ho->open[hash & (HO_OPEN_BUCKETS - 1)];
	for (uint32_t i = 0; i < HO_OPEN_WAYS; i++)
		if (__atomic_load_n(&b[i], __ATOMIC_ACQUIRE) == req)
			return true;
	return false;
}

int
ho_lcore_init(struct dp_lcore *lc)
{
	struct ho_lcore *ho = rte_zmalloc_socket("rumor_handoff",
			sizeof(*ho), RTE_CACHE_LINE_SIZE,
			(int)rte_lcore_to_socket_id(lc->lcore_id));

	if (ho == NULL)
		return -1;
	ho->hz_ms = rte_get_tsc_hz() / 1000;
	ho->fetching = &lc->ho_fetching;
	/* Held messages pin receive buffers like the reorder windows. */
	ho->held_budget = RTE_MIN(HO_HELD_MAX,
			dp.opt.mbufs / 12 / dp.n_lcores);
	for (uint32_t i = 0; i < HO_BUCKETS; i++)
		ho->bucket[i] = HO_NONE;
	for (uint32_t i = 0; i < HO_HELD_MAX; i++)
		ho->link[i] = i + 1 < ho->held_budget ? i + 1 : HO_NONE;
	ho->free_link = ho->held_budget > 0 ? 0 : HO_NONE;
	lc->ho = ho;
	return 0;
}

/* Take w's held messages, oldest first, into out; returns how many. */
static uint32_t
held_take(struct ho_lcore *ho, struct ho_wait *w, struct rte_mbuf **out)
{
	uint32_t n = 0;

	for (uint32_t i = w->head; i != HO_NONE;) {
		uint32_t next = ho->link[i];

		out[n++] = ho->held[i];
		ho->link[i] = ho->free_link;
		ho->free_link = i;
		i = next;
	}
	w->head = w->tail = HO_NONE;
	return n;
}

void
ho_lcore_free(struct dp_lcore *lc)
{
	struct ho_lcore *ho = lc->ho;
	struct rte_mbuf **m;

	if (ho == NULL)
		return;
	m = malloc(HO_HELD_MAX * sizeof(*m));
	for (uint32_t i = 0; m != NULL && i < ho->n_wait; i++) {
		uint32_t n = held_take(ho, &ho->wait[i], m);

		rte_pktmbuf_free_bulk(m, n);
	}
	free(m);
	rte_free(ho);
	lc->ho = NULL;
}

/* The wait of a channel, or NULL (at once when nothing waits). */
static struct ho_wait *
wait_find(struct ho_lcore *ho, uint64_t hash, const char *name, uint16_t len)
{
	if (ho->n_wait == 0)
		return NULL;
	for (uint32_t i = ho->bucket[hash & (HO_BUCKETS - 1)]; i != HO_NONE;
			i = ho->wait[i].chain) {
		struct ho_wait *w = &ho->wait[i];

		if (w->hash == hash && w->len == len &&
				memcmp(w->name, name, len) == 0)
			return w;
	}
	return NULL;
}

/* Unlink wait i from its bucket. */
static void
wait_unlink(struct ho_lcore *ho, uint32_t i)
{
	uint32_t *p = &ho->bucket[ho->wait[i].hash & (HO_BUCKETS - 1)];

	while (*p != i)
		p = &ho->wait[*p].chain;
	*p = ho->wait[i].chain;
}

/* Forget wait w (its messages taken): the last one moves into its place. */
static void
wait_remove(struct ho_lcore *ho, struct ho_wait *w)
{
	uint32_t i = (uint32_t)(w - ho->wait), last = ho->n_wait - 1;

	wait_unlink(ho, i);
	if (i != last) {
		wait_unlink(ho, last);
		ho->wait[i] = ho->wait[last];
		ho->wait[i].chain = ho->bucket[ho->wait[i].hash &
				(HO_BUCKETS - 1)];
		ho->bucket[ho->wait[i].hash & (HO_BUCKETS - 1)] = i;
	}
	ho->n_wait--;
}

static inline void
cell_put(uint64_t *field, uint64_t v)
{
	__atomic_store_n(field, v, __ATOMIC_RELAXED);
}

/* Order the channel as stream from next on, good for epoch. */
static void
cell_set(struct chan_cell *c, uint64_t stream, uint64_t next, uint64_t epoch)
{
	cell_put(&c->stream, stream);
	cell_put(&c->next, next);
	cell_put(&c->epoch, epoch);
}

/* A new stream from 1, good for epoch. */
static void
cell_fresh(struct chan_cell *c, uint64_t epoch)
{
	uint64_t stream;

	do
		stream = rte_rand();
	while (stream == 0);
	cell_set(c, stream, 1, epoch);
}

bool
ho_ready(struct dp_lcore *lc, const struct ring_table *ring, uint64_t hash,
		const char *name, uint16_t len, const struct aud_entry *e)
{
	const struct ring_table *prev = ring->prev;
	struct ho_lcore *ho = lc->ho;
	bool mine_before;

	if (unlikely(ho->n_wait != 0) && wait_find(ho, hash, name, len))
		return false;
	/*
	 * Without agreed epochs (no Raft), states cannot be matched to the
	 * ring they were good for: nothing to ask, the channel goes on.
	 */
	mine_before = prev == NULL || !ring->agreed ||
			ring_owner(prev, hash) == dp.cfg.node_id;
	if (e != NULL) {
		struct chan_cell *c = e->cell;
		uint64_t ep = __atomic_load_n(&c->epoch, __ATOMIC_RELAXED);

		if (likely(ep == ring->epoch))
			return true;
		if (!mine_before) {
			const struct ho_done *d =
					&ho->done[hash & (HO_DONE_SLOTS - 1)];

			if (d->hash != hash || d->epoch != ring->epoch ||
					d->stream == 0)
				return false;
			/*
			 * Settled under this ring before it had an entry
			 * here (a failover of a channel only acked
			 * PUBLISHes keep, booked since): the stream goes on.
			 */
			cell_set(c, d->stream, d->next, ring->epoch);
			lc->stats.c[STAT_HO_CONTINUED]++;
			return true;
		}
		/*
		 * This node owned it under the ring before: its cell goes on
		 * if it was good then (or is new); otherwise another member
		 * ordered the channel since, so a new stream.
		 */
		if (prev == NULL || ep == prev->epoch || c->stream == 0) {
			cell_put(&c->epoch, ring->epoch);
		} else {
			cell_fresh(c, ring->epoch);
			lc->stats.c[STAT_HO_FRESH]++;
		}
		return true;
	}
	if (mine_before)
		return true;
	return ho->done[hash & (HO_DONE_SLOTS - 1)].hash == hash &&
			ho->done[hash & (HO_DONE_SLOTS - 1)].epoch ==
			ring->epoch;
}

/* True if id is a member of the ring in force. */
static bool
is_member(uint32_t id)
{
	return member_list_has(rcu_dereference(dp.members), id);
}

/*
 * HANDOFF_REQ (request id req) for channel (hash, name, len) to from,
 * its owner under the ring of prev_epoch.
 */
static void
send_req_to(struct dp_lcore *lc, uint32_t from, uint64_t prev_epoch,
		uint64_t req, uint64_t hash, const char *name, uint16_t len,
		const struct peer_table *peers)
{
	struct chan_dest d;
	struct fan_msg f;

	if (!fan_member(peers, from, &d)) {
		lc->stats.c[STAT_CHAN_NO_ROUTE]++;
		return;
	}
	memset(&f, 0, offsetof(struct fan_msg, fixed));
	f.type = RUMOR_T_HANDOFF_REQ;
	f.hop_limit = RUMOR_DEFAULT_HOP_LIMIT;
	f.origin = dp.cfg.node_id;
	f.epoch = prev_epoch;
	f.seq = req;
	f.hash = hash;
	f.name = name;
	f.name_len = len;
	fan_send(lc, &f, &d, STAT_HO_REQ_SENT);
}

/* HANDOFF_REQ for w to its old owner. */
static void
send_req(struct dp_lcore *lc, struct ho_wait *w,
		const struct peer_table *peers)
{
	send_req_to(lc, w->from, w->prev_epoch, w->req, w->hash, w->name,
			w->len, peers);
}

/* A new wait for channel (hash, name, len), or NULL (counted) if full. */
static struct ho_wait *
wait_new(struct dp_lcore *lc, uint64_t hash, const char *name, uint16_t len,
		uint64_t now)
{
	struct ho_lcore *ho = lc->ho;
	const uint32_t b = (uint32_t)hash & (HO_BUCKETS - 1);
	struct ho_wait *w;

	if (ho->n_wait == HO_WAIT_MAX) {
		lc->stats.c[STAT_HO_WAIT_FULL]++;
		return NULL;
	}
	w = &ho->wait[ho->n_wait];
	w->chain = ho->bucket[b];
	ho->bucket[b] = ho->n_wait++;
	w->hash = hash;
	w->len = len;
	memcpy(w->name, name, len);
	w->head = w->tail = HO_NONE;
	w->retry_ms = HO_RETRY_MS;
	w->retry_at = now + HO_RETRY_MS * ho->hz_ms;
	w->give_up_at = now + HO_WAIT_MS * ho->hz_ms;
	w->req = (uint64_t)(lc->queue & 0xff) << 56 | ++ho->req;
	w->catchup = false;
	w->failover = false;
	w->window = false;
	return w;
}

/* Hold m, last, in w (a link is free). */
static void
held_push(struct dp_lcore *lc, struct ho_wait *w, struct rte_mbuf *m)
{
	struct ho_lcore *ho = lc->ho;
	uint32_t k = ho->free_link;

	ho->free_link = ho->link[k];
	ho->held[k] = m;
	ho->link[k] = HO_NONE;
	if (w->tail == HO_NONE)
		w->head = k;
	else
		ho->link[w->tail] = k;
	w->tail = k;
	lc->stats.c[STAT_HO_HELD]++;
}

void
ho_hold(struct dp_lcore *lc, struct rte_mbuf *m, const struct ring_table *ring,
		const struct peer_table *peers, uint64_t hash, const char *name,
		uint16_t len, uint64_t ahead)
{
	struct ho_lcore *ho = lc->ho;
	struct ho_wait *w = wait_find(ho, hash, name, len);
	const uint64_t now = rte_rdtsc();

	if (ho->free_link == HO_NONE) {
		lc->stats.c[STAT_HO_HOLD_FULL]++;
		rte_pktmbuf_free(m);
		return;
	}
	if (w == NULL) {
		w = wait_new(lc, hash, name, len, now);
		if (w == NULL) {
			rte_pktmbuf_free(m);
			return;
		}
		if (ahead != 0) {
			/* Routed under a ring this node has yet to learn. */
			w->epoch = ahead;
			w->prev_epoch = 0;
			w->from = 0;
			lc->stats.c[STAT_EPOCH_BEHIND]++;
		} else {
			w->epoch = ring->epoch;
			w->prev_epoch = ring->prev->epoch;
			w->from = ring_owner(ring->prev, hash);
			open_add(ho, hash, w->req);
			if (!is_member(w->from)) {
				w->give_up_at = now + HO_GONE_WAIT_MS *
						ho->hz_ms;
				w->retry_ms = HO_GONE_RETRY_MS;
				w->retry_at = now + HO_GONE_RETRY_MS *
						ho->hz_ms;
			}
			send_req(lc, w, peers);
		}
	}
	held_push(lc, w, m);
}

bool
ho_hold_catchup(struct dp_lcore *lc, struct rte_mbuf *m, uint64_t hash,
		const char *name, uint16_t len, uint32_t from)
{
	struct ho_lcore *ho = lc->ho;
	const uint64_t now = rte_rdtsc();
	struct ho_wait *w;

	if (ho->free_link == HO_NONE || (ho->n_wait != 0 &&
			wait_find(ho, hash, name, len) != NULL))
		return false;
	w = wait_new(lc, hash, name, len, now);
	if (w == NULL)
		return false;
	w->catchup = true;
	w->from = from;
	w->epoch = 0;
	w->prev_epoch = 0;
	w->retry_ms = HO_CATCHUP_RETRY_MS;
	w->retry_at = now + HO_CATCHUP_RETRY_MS * ho->hz_ms;
	w->give_up_at = now + HO_CATCHUP_MS * ho->hz_ms;
	held_push(lc, w, m);
	return true;
}

bool
ho_hold_window(struct dp_lcore *lc, struct rte_mbuf *m, uint64_t hash,
		const char *name, uint16_t len)
{
	struct ho_lcore *ho = lc->ho;
	const uint64_t now = rte_rdtsc();
	struct ho_wait *w = wait_find(ho, hash, name, len);

	if (ho->free_link == HO_NONE || (w != NULL && !w->window))
		return false;
	if (w == NULL) {
		w = wait_new(lc, hash, name, len, now);
		if (w == NULL)
			return false;
		w->window = true;
		w->from = 0;
		w->epoch = 0;
		w->prev_epoch = 0;
		w->give_up_at = now + HO_WINDOW_MS * ho->hz_ms;
	}
	held_push(lc, w, m);
	return true;
}

/* End the wait w: what it held goes to out, in order, for the caller. */
static void
release(struct ho_lcore *ho, struct ho_wait *w, struct ho_release *out)
{
	if (!w->catchup && w->from != 0)
		open_del(ho, w->hash, w->req);
	out->n = held_take(ho, w, out->m);
	if (w->failover && w->fo.fetch_end != 0)
		--*ho->fetching;
	wait_remove(ho, w);
}

/* End the wait of a channel if it is a window's (window) or a catch-up. */
static void
release_kind(struct dp_lcore *lc, uint64_t hash, const char *name,
		uint16_t len, bool window, struct ho_release *out)
{
	struct ho_wait *w = wait_find(lc->ho, hash, name, len);

	out->n = 0;
	if (w != NULL && (window ? w->window : w->catchup))
		release(lc->ho, w, out);
}

void
ho_window_open(struct dp_lcore *lc, uint64_t hash, const char *name,
		uint16_t len, struct ho_release *out)
{
	release_kind(lc, hash, name, len, true, out);
}

void
ho_caught_up(struct dp_lcore *lc, uint64_t hash, const char *name,
		uint16_t len, struct ho_release *out)
{
	release_kind(lc, hash, name, len, false, out);
}

/*
 * Settle w: continue stream at next (stream 0: a new stream), then hand
 * the held messages to out, to go through as if they came now.
 */
static void
settle(struct dp_lcore *lc, struct ho_wait *w, uint64_t stream,
		uint64_t next, struct ho_release *out)
{
	struct ho_lcore *ho = lc->ho;
	const struct aud_entry *e = aud_find(rcu_dereference(dp.aud),
			w->hash, w->name, w->len);

	if (e != NULL && stream != 0) {
		cell_set(e->cell, stream, next, w->epoch);
		lc->stats.c[STAT_HO_CONTINUED]++;
	} else if (e != NULL && e->cell->stream == 0) {
		/*
		 * This node never ordered it: the stream it drew when it
		 * booked the channel, from 1, which its INTEREST_ACKs have
		 * named to the subscriber nodes already.
		 */
		cell_set(e->cell, e->stream, 1, w->epoch);
		lc->stats.c[STAT_HO_FRESH]++;
	} else if (e != NULL) {
		cell_fresh(e->cell, w->epoch);
		lc->stats.c[STAT_HO_FRESH]++;
	} else {
		ho->done[w->hash & (HO_DONE_SLOTS - 1)] = (struct ho_done){
			.hash = w->hash, .epoch = w->epoch, .stream = stream,
			.next = next };
	}
	release(ho, w, out);
}

void
ho_input(struct dp_lcore *lc, struct rte_mbuf *m, const struct ring_table *ring,
		const struct peer_table *peers, struct ho_release *out)
{
	const struct rumor_hdr *h = rte_pktmbuf_mtod_offset(m,
			const struct rumor_hdr *, FRAME_RUMOR_OFF);
	struct ho_lcore *ho = lc->ho;
	struct ho_wait *w = wait_find(ho, be64toh(h->channel_hash),
			rumor_hdr_channel(h), ntohs(h->channel_len));
	struct chan_handoff st;

	const uint32_t from = ntohl(h->origin);
	const uint64_t seq = be64toh(h->seq);

	out->n = 0;
	/* The control thread decoded it whole; the fixed part is sound. */
	if (chan_handoff_decode(rumor_hdr_payload(h), ntohs(h->payload_len),
			&st) != CHAN_WIRE_OK) {
		lc->stats.c[STAT_HO_STALE]++;
		rte_pktmbuf_free(m);
		return;
	}
	/*
	 * The answer to this wait's request, from the owner under the ring
	 * before, whom it asked (the control thread took the sender from
	 * the frame and refused any other origin). A push (seq 0) while a
	 * wait is open is not taken: the answer to the request follows.
	 */
	if (w != NULL && !w->catchup && w->from != 0 && from == w->from &&
			seq == w->req && ring->prev != NULL &&
			ring_owner(ring->prev, be64toh(h->channel_hash)) ==
			from) {
		rte_pktmbuf_free(m);
		if (w->failover)
			return;		/* Asking the replicas already. */
		/*
		 * An old owner that never ordered it (it took the channel
		 * over and no message came, or it restarted) hands over no
		 * stream; the replicas of its ring may hold the one before:
		 * asked as a failover would (itself included), before a
		 * new stream.
		 */
		if (st.stream == 0 && repl_failover_plan(lc, ring, w->hash,
				w->name, w->len, true, &w->fo)) {
			w->failover = true;
			w->give_up_at = rte_rdtsc() + HO_WAIT_MS * lc->ho->hz_ms;
			w->retry_at = rte_rdtsc();
			lc->stats.c[STAT_HO_EMPTY_SYNC]++;
			return;
		}
		settle(lc, w, st.stream, st.next_seq, out);
		return;
	}
	/* A push before any message: the channel is ready at once. */
	if (w == NULL && seq == 0 && st.stream != 0 && ring->prev != NULL &&
			ring_owner(ring, be64toh(h->channel_hash)) ==
			dp.cfg.node_id &&
			ring_owner(ring->prev, be64toh(h->channel_hash)) ==
			from && be64toh(h->epoch) == ring->prev->epoch) {
		const struct aud_entry *e = aud_find(rcu_dereference(dp.aud),
				be64toh(h->channel_hash),
				rumor_hdr_channel(h), ntohs(h->channel_len));

		if (e != NULL && __atomic_load_n(&e->cell->epoch,
				__ATOMIC_RELAXED) != ring->epoch) {
			cell_set(e->cell, st.stream, st.next_seq,
					ring->epoch);
			lc->stats.c[STAT_HO_CONTINUED]++;
			/*
			 * The publishers' numbers the old owner ordered
			 * (repl_handover) asked for now that this node's
			 * ring names it owner and takes them: a HANDOFF_REQ
			 * of request id 0, answered with those alone.
			 */
			send_req_to(lc, from, ring->prev->epoch, 0,
					be64toh(h->channel_hash),
					rumor_hdr_channel(h),
					ntohs(h->channel_len), peers);
			rte_pktmbuf_free(m);
			return;
		}
	}
	lc->stats.c[STAT_HO_STALE]++;
	rte_pktmbuf_free(m);
}

/*
 * A failover's majority answered (and what this node lacked of its
 * held was fetched, or its time is up): the stream goes on past the
 * majority's highest held by the window. The old owner stamped no
 * further than committed + W, and no committed sequence is above that
 * held.
 */
static void
failover_go_on(struct dp_lcore *lc, struct ho_wait *w,
		struct ho_release *out)
{
	const uint64_t held = repl_failover_held(lc, &w->fo, w->hash,
			w->name, w->len);
	const uint64_t next = held + REPL_WINDOW + 1;

	/*
	 * No one of the majority held the stream (nothing of it was
	 * committed), or one that far along cannot go on: a new stream.
	 */
	if (w->fo.stream == 0 || held > CHAN_HANDOFF_SEQ_MAX - REPL_WINDOW -
			1) {
		settle(lc, w, 0, 0, out);
		return;
	}
	repl_failover_settle(lc, w->hash, w->name, w->len, next);
	settle(lc, w, w->fo.stream, next, out);
}

void
ho_sync_input(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct ring_table *ring, const struct peer_table *peers,
		struct ho_release *out)
{
	const struct rumor_hdr *h = rte_pktmbuf_mtod_offset(m,
			const struct rumor_hdr *, FRAME_RUMOR_OFF);
	struct ho_lcore *ho = lc->ho;
	struct ho_wait *w = wait_find(ho,
			be64toh(h->channel_hash), rumor_hdr_channel(h),
			ntohs(h->channel_len));
	struct repl_state st;

	out->n = 0;
	if (w == NULL || !w->failover || be64toh(h->seq) != w->req ||
			repl_state_decode(rumor_hdr_payload(h),
			ntohs(h->payload_len), &st) != CHAN_WIRE_OK) {
		lc->stats.c[STAT_HO_STALE]++;
		rte_pktmbuf_free(m);
		return;
	}
	if (w->fo.fetch_end == 0 &&
			repl_failover_answer(&w->fo, chan_sender(m), &st)) {
		w->fo.held = repl_failover_held(lc, &w->fo, w->hash, w->name,
				w->len);
		/* What it lacks of that, fetched first (chan_fetch.c). */
		if (repl_fetch_ask(lc, &w->fo, w->hash, w->name, w->len, ring,
				peers)) {
			lc->ho_fetching++;
			w->retry_at = rte_rdtsc() + HO_GONE_RETRY_MS *
					ho->hz_ms;
			w->give_up_at = rte_rdtsc() + HO_FETCH_MS * ho->hz_ms;
		} else {
			failover_go_on(lc, w, out);
		}
	}
	rte_pktmbuf_free(m);
}

bool
ho_fetch_input(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct ring_table *ring, const struct peer_table *peers,
		struct ho_release *out)
{
	const struct rumor_hdr *h = chan_hdr(m);
	struct ho_wait *w = wait_find(lc->ho, be64toh(h->channel_hash),
			rumor_hdr_channel(h), ntohs(h->channel_len));
	enum repl_fetch_verdict v;

	out->n = 0;
	if (w == NULL || !w->failover || w->fo.fetch_end == 0)
		return false;
	v = repl_fetch_take(lc, &w->fo, m, h, ring, peers);
	if (v == REPL_FETCH_DONE)
		failover_go_on(lc, w, out);
	return v != REPL_FETCH_NOT;
}

bool
ho_timers(struct dp_lcore *lc, const struct ring_table *ring,
		const struct peer_table *peers, uint64_t now, uint32_t *at,
		struct ho_release *out)
{
	struct ho_lcore *ho = lc->ho;

	/* A wait that ends leaves its slot to another: *at stays on it. */
	for (; *at < ho->n_wait; ++*at) {
		struct ho_wait *w = &ho->wait[*at];
		const bool late = (int64_t)(now - w->give_up_at) >= 0;

		if (w->window) {
			/* Replicas silent that long: tried again. */
			if (!late)
				continue;
			release(ho, w, out);
			return true;
		}
		if (w->from == 0) {
			/* Caught up (or not in time): on under this ring. */
			if (!late && chan_epoch_floor(ring, dp.cfg.n_voters) <
					w->epoch)
				continue;
			release(ho, w, out);
			return true;
		}
		if (w->failover && w->fo.fetch_end != 0) {
			/* Fetching: asked again, or on with what it has. */
			if (late) {
				lc->stats.c[STAT_REPL_FETCH_TIMEOUT]++;
				failover_go_on(lc, w, out);
				return true;
			}
			if ((int64_t)(now - w->retry_at) >= 0) {
				w->retry_at = now + HO_GONE_RETRY_MS *
						ho->hz_ms;
				(void)repl_fetch_ask(lc, &w->fo, w->hash,
						w->name, w->len, ring, peers);
			}
			continue;
		}
		if (late) {
			if (w->catchup) {
				/* What is still missing goes as a GAP. */
				release(ho, w, out);
			} else if (!w->failover && !is_member(w->from) &&
					repl_failover_plan(lc, ring, w->hash,
					w->name, w->len, false, &w->fo)) {
				/*
				 * The old owner never answered: it crashed
				 * (one that left answers within a round
				 * trip). The replicas it had say where its
				 * stream can go on, if this node is one.
				 */
				w->failover = true;
				w->give_up_at = now + HO_WAIT_MS * ho->hz_ms;
				repl_sync_send(lc, &w->fo, w->hash, w->name,
						w->len, w->req, ring, peers);
				continue;
			} else {
				lc->stats.c[STAT_HO_TIMEOUT]++;
				settle(lc, w, 0, 0, out);
			}
			return true;
		}
		if ((int64_t)(now - w->retry_at) >= 0) {
			w->retry_at = now + w->retry_ms * ho->hz_ms;
			if (w->catchup)
				subscriber_catchup_ask(lc, w->hash, w->name,
						w->len, w->from, ring, peers);
			else
				send_req(lc, w, peers);
			if (w->failover)
				repl_sync_send(lc, &w->fo, w->hash, w->name,
						w->len, w->req, ring, peers);
		}
	}
	return false;
}
