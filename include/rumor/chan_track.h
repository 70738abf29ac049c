/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-channel order state of a forwarding lcore, as pure functions
 * over plain structs (no DPDK), so that the unit tests drive them with
 * made-up messages:
 *
 * - chan_rx: a subscriber node's stream, expected sequence and reorder
 *   window of held messages (docs/channels.md, "Order and recovery").
 * - gossip_dedup: which broadcast publish ids an lcore has seen, per
 *   (origin, lane), in a window of 1,024 counters ("Broadcast channels").
 *
 * Held messages are opaque pointers: the lcore keeps mbufs in them.
 */
#ifndef RUMOR_CHAN_TRACK_H
#define RUMOR_CHAN_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rumor/chan_wire.h"

#define CHAN_WINDOW 256u		/* Held messages per channel (pow2). */
#define CHAN_NACK_TRIES 5u		/* NACKs for one hole, quickly, */
#define CHAN_NACK_RETRY_MS 5u		/* this far apart; */
#define CHAN_NACK_TRIES_MAX 30u		/* then slowly up to this many, */
#define CHAN_NACK_SLOW_MS 100u		/* this far apart (an owner that
					 * crashed: its successor has the
					 * replicated history), then a GAP. */

/* A message held for order. */
struct chan_held {
	void *msg;		/* NULL: the slot is free. */
	uint64_t seq;
	uint32_t origin;	/* Publish id, for the DELIVER. */
	uint16_t sum;		/* cksum_sum() of the message. */
	uint64_t pubid;
};

/* How a FANOUT or RETRANSMIT fits the order. */
enum chan_rx_verdict {
	CHAN_RX_DELIVER,	/* The expected one: deliver, then the held. */
	CHAN_RX_HOLD,		/* Ahead, within the window: held. */
	CHAN_RX_DUP,		/* Below the expected one, or held already. */
	CHAN_RX_STALE,		/* Of the stream before: dropped. */
	CHAN_RX_RESET,		/* A new stream: caller flushes, then offers
				 * again. */
	CHAN_RX_BEYOND,		/* Beyond the window: caller gives up the
				 * oldest holes, then offers again. */
};

struct chan_rx {
	uint64_t stream;	/* 0: not tracking yet. */
	uint64_t prev_stream;	/* Its stragglers are stale. */
	uint64_t next;		/* The sequence expected. */
	uint64_t top;		/* One past the highest held (or next). */
	uint32_t n_held;
	uint32_t nack_tries;	/* NACKs sent for the current hole. */
	uint64_t nack_first;	/* The hole they asked for. */
	uint64_t nack_at;	/* When to ask again (caller's clock). */
	struct chan_held held[CHAN_WINDOW];
};

static inline void
chan_rx_init(struct chan_rx *rx)
{
	memset(rx, 0, sizeof(*rx));
}

/* Start tracking stream at sequence first (the old stream is now stale). */
static inline void
chan_rx_start(struct chan_rx *rx, uint64_t stream, uint64_t first)
{
	if (rx->stream != 0 && rx->stream != stream)
		rx->prev_stream = rx->stream;
	rx->stream = stream;
	rx->next = first;
	rx->top = first;
	rx->nack_tries = 0;
	rx->nack_first = 0;
}

/*
 * Where a message of stream, sequence seq goes. A tracker that follows no
 * stream yet starts at this message.
 */
static inline enum chan_rx_verdict
chan_rx_offer(struct chan_rx *rx, uint64_t stream, uint64_t seq)
{
	if (rx->stream == 0)
		chan_rx_start(rx, stream, seq);
	if (stream != rx->stream)
		return stream == rx->prev_stream ? CHAN_RX_STALE :
				CHAN_RX_RESET;
	if (seq < rx->next)
		return CHAN_RX_DUP;
	if (seq == rx->next)
		return CHAN_RX_DELIVER;
	if (seq - rx->next >= CHAN_WINDOW)
		return CHAN_RX_BEYOND;
	if (rx->held[seq & (CHAN_WINDOW - 1)].msg != NULL)
		return CHAN_RX_DUP;
	return CHAN_RX_HOLD;
}

/* Keep a message chan_rx_offer said to hold. */
static inline void
chan_rx_hold(struct chan_rx *rx, const struct chan_held *h)
{
	rx->held[h->seq & (CHAN_WINDOW - 1)] = *h;
	rx->n_held++;
	if (h->seq + 1 > rx->top)
		rx->top = h->seq + 1;
}

/* The expected sequence was delivered: expect the one after. */
static inline void
chan_rx_advance(struct chan_rx *rx)
{
	rx->next++;
	if (rx->top < rx->next)
		rx->top = rx->next;
	rx->nack_tries = 0;
}

/*
 * The held message of the expected sequence, taken out of the window
 * (the caller delivers it and calls chan_rx_advance), or false.
 */
static inline bool
chan_rx_pop(struct chan_rx *rx, struct chan_held *out)
{
	struct chan_held *h = &rx->held[rx->next & (CHAN_WINDOW - 1)];

	if (h->msg == NULL || h->seq != rx->next)
		return false;
	*out = *h;
	h->msg = NULL;
	rx->n_held--;
	return true;
}

/*
 * The first hole: sequences from the expected one up to the first held
 * one, at most CHAN_NACK_MAX. Returns its length; 0 when nothing is held
 * beyond the expected sequence (no hole is known).
 */
static inline uint32_t
chan_rx_hole(const struct chan_rx *rx, uint64_t *first)
{
	uint32_t n = 0;

	if (rx->n_held == 0 || rx->top <= rx->next)
		return 0;
	*first = rx->next;
	while (n < CHAN_NACK_MAX && rx->next + n < rx->top &&
			rx->held[(rx->next + n) & (CHAN_WINDOW - 1)].msg ==
			NULL)
		n++;
	return n;
}

/*
 * Give up every sequence from the expected one up to (not including)
 * upto: the caller reports [next, upto - 1] as a GAP first. Held messages
 * below upto cannot exist (they would have filled the hole). Returns how
 * many sequences were given up.
 */
static inline uint64_t
chan_rx_skip(struct chan_rx *rx, uint64_t upto)
{
	uint64_t n;

	if (upto <= rx->next)
		return 0;
	n = upto - rx->next;
	rx->next = upto;
	if (rx->top < upto)
		rx->top = upto;
	rx->nack_tries = 0;
	return n;
}

/*
 * The first held sequence from the expected one on, below upto; upto if
 * none. Held messages all lie within a window of the expected one, so
 * this looks at CHAN_WINDOW slots at most, however far upto is.
 */
static inline uint64_t
chan_rx_next_held(const struct chan_rx *rx, uint64_t upto)
{
	uint64_t end = rx->next + CHAN_WINDOW;

	if (rx->n_held == 0)
		return upto;
	if (end < rx->next || end > upto)	/* Wrapped, or beyond upto. */
		end = upto;
	if (end > rx->top)
		end = rx->top;
	for (uint64_t s = rx->next; s < end; s++) {
		const struct chan_held *h = &rx->held[s & (CHAN_WINDOW - 1)];

		if (h->msg != NULL && h->seq == s)
			return s;
	}
	return upto;
}

/* What one step of chan_rx_give_up did. */
enum chan_rx_step {
	CHAN_RX_STEP_DONE,	/* Nothing below upto is missing any more. */
	CHAN_RX_STEP_HELD,	/* *h is next in order: deliver it. */
	CHAN_RX_STEP_GAP,	/* [*first, *last] is given up: one GAP. */
};

/*
 * One step of giving up every missing sequence below upto, then of
 * delivering what is held in order after it. The caller loops until
 * CHAN_RX_STEP_DONE. However far upto is (a GONE's last, a sequence far
 * beyond the window: values from the wire), it takes at most
 * 2 n_held + 2 steps (2 CHAN_WINDOW + 2): each step delivers a held
 * message or gives up a whole run, up to the next held one or to upto,
 * in one decision.
 */
static inline enum chan_rx_step
chan_rx_give_up(struct chan_rx *rx, uint64_t upto, struct chan_held *h,
		uint64_t *first, uint64_t *last)
{
	uint64_t end;

	if (chan_rx_pop(rx, h)) {
		chan_rx_advance(rx);
		return CHAN_RX_STEP_HELD;
	}
	if (rx->next >= upto)
		return CHAN_RX_STEP_DONE;
	end = chan_rx_next_held(rx, upto);
	*first = rx->next;
	*last = end - 1;
	chan_rx_skip(rx, end);
	return CHAN_RX_STEP_GAP;
}

/*
 * Take every held message out, lowest sequence first, into out (room for
 * CHAN_WINDOW): for a new stream or a channel that goes. Returns how many.
 */
static inline uint32_t
chan_rx_drain(struct chan_rx *rx, struct chan_held *out)
{
	uint32_t n = 0;

	for (uint64_t s = rx->next; s < rx->top && rx->n_held > 0; s++) {
		struct chan_held *h = &rx->held[s & (CHAN_WINDOW - 1)];

		if (h->msg != NULL && h->seq == s) {
			out[n++] = *h;
			h->msg = NULL;
			rx->n_held--;
		}
	}
	rx->top = rx->next;
	return n;
}

/*
 * Gossip dedup. A publish id is lane << 56 | counter; an origin restarts
 * with a higher boot number. Each (origin, lane) keeps the highest
 * counter seen and a bitmap of the GOSSIP_DEDUP_WINDOW counters below it.
 */
#define GOSSIP_DEDUP_WINDOW 1024u
#define GOSSIP_DEDUP_SLOTS 4096u	/* (origin, lane) entries per lcore. */
#define GOSSIP_DEDUP_PROBE 8u		/* Slots looked at per lookup. */

struct gossip_lane {
	uint32_t origin;	/* 0: free. */
	uint8_t lane;
	uint64_t boot;
	uint64_t high;		/* Highest counter seen. */
	uint64_t last_use;	/* Caller's clock, for eviction. */
	uint64_t seen[GOSSIP_DEDUP_WINDOW / 64]; /* Bit c % WINDOW: seen. */
};

struct gossip_dedup {
	uint64_t evicted;	/* Entries reused for another (origin, lane). */
	struct gossip_lane slot[GOSSIP_DEDUP_SLOTS];
};

enum gossip_verdict {
	GOSSIP_NEW,		/* First sight: deliver and spread. */
	GOSSIP_DUP,		/* Seen already. */
	GOSSIP_OLD,		/* Too far behind, or of an older boot. */
};

static inline uint32_t
gossip_home(uint32_t origin, uint8_t lane)
{
	uint64_t k = (uint64_t)origin << 8 | lane;

	return (uint32_t)((k * 0x9e3779b97f4a7c15ull) >> 40) &
			(GOSSIP_DEDUP_SLOTS - 1);
}

/*
 * The entry of (origin, lane): found, or a free slot, or the least
 * recently used of those probed (counted as evicted), emptied.
 */
static inline struct gossip_lane *
gossip_lane_get(struct gossip_dedup *d, uint32_t origin, uint8_t lane)
{
	uint32_t home = gossip_home(origin, lane);
	struct gossip_lane *victim = NULL;

	for (uint32_t i = 0; i < GOSSIP_DEDUP_PROBE; i++) {
		struct gossip_lane *l = &d->slot[(home + i) &
				(GOSSIP_DEDUP_SLOTS - 1)];

		if (l->origin == origin && l->lane == lane)
			return l;
		if (l->origin == 0) {
			victim = l;
			break;
		}
		if (victim == NULL || l->last_use < victim->last_use)
			victim = l;
	}
	if (victim->origin != 0)
		d->evicted++;
	memset(victim, 0, sizeof(*victim));
	victim->origin = origin;
	victim->lane = lane;
	return victim;
}

/*
 * A boot number is the origin's start time in wall-clock microseconds: one
 * further ahead of this node's clock than this is refused (counted), so
 * that a single GOSSIP cannot make every later genuine broadcast of an
 * origin "old". Clocks of the members must agree within it.
 */
#define GOSSIP_BOOT_AHEAD_US (60ull * 1000000u)

/* Whether a GOSSIP's boot may be taken at now_us (wall clock). */
static inline bool
gossip_boot_ok(uint64_t boot, uint64_t now_us)
{
	return boot <= now_us || boot - now_us <= GOSSIP_BOOT_AHEAD_US;
}

/* Whether (origin, boot, pubid) is new; records it if so. */
static inline enum gossip_verdict
gossip_check(struct gossip_dedup *d, uint32_t origin, uint64_t boot,
		uint64_t pubid, uint64_t now)
{
	struct gossip_lane *l = gossip_lane_get(d, origin,
			(uint8_t)(pubid >> 56));
	uint64_t c = pubid & ((UINT64_C(1) << 56) - 1);
	uint64_t *word;
	uint64_t bit;

	l->last_use = now;
	if (boot < l->boot)
		return GOSSIP_OLD;
	if (boot > l->boot) {
		/* A new entry, or the origin restarted: start again. */
		l->boot = boot;
		l->high = 0;
		memset(l->seen, 0, sizeof(l->seen));
	}
	if (c > l->high) {
		/* Slide: clear the counters that fall out of the window. */
		uint64_t shift = c - l->high;

		if (shift >= GOSSIP_DEDUP_WINDOW)
			memset(l->seen, 0, sizeof(l->seen));
		else
			for (uint64_t k = l->high + 1; k <= c; k++)
				l->seen[(k % GOSSIP_DEDUP_WINDOW) / 64] &=
						~(UINT64_C(1) << (k % 64));
		l->high = c;
	} else if (l->high - c >= GOSSIP_DEDUP_WINDOW) {
		return GOSSIP_OLD;
	}
	word = &l->seen[(c % GOSSIP_DEDUP_WINDOW) / 64];
	bit = UINT64_C(1) << (c % 64);
	if (*word & bit)
		return GOSSIP_DUP;
	*word |= bit;
	return GOSSIP_NEW;
}

/*
 * The k-ary spread tree of a broadcast: over n members sorted by id, the
 * node at index self, for a message from the member at index origin,
 * sends to children r k + 1 .. r k + k (below n) where r is its distance
 * after the origin, counting round the list. Writes their indexes to out
 * (room for k) and returns how many.
 */
static inline uint32_t
gossip_children(uint32_t n, uint32_t origin, uint32_t self, uint32_t k,
		uint32_t *out)
{
	uint64_t r = (self + n - origin) % n;
	uint32_t c = 0;

	for (uint64_t i = r * k + 1; i <= r * k + k && i < n; i++)
		out[c++] = (uint32_t)((origin + i) % n);
	return c;
}

/*
 * Hops a broadcast needs to reach every one of n members down the tree,
 * ceil(log_k(n (k - 1) + 1)) - 1, plus 2 for the random copies.
 */
static inline uint8_t
gossip_hop_limit(uint32_t n, uint32_t k)
{
	uint64_t reach = 1, level = 1;
	uint32_t depth = 0;

	if (k < 2)
		return (uint8_t)(n < 253 ? n + 2 : 255);
	while (reach < n) {
		level *= k;
		reach += level;
		depth++;
	}
	return (uint8_t)(depth + 2);
}

#endif /* RUMOR_CHAN_TRACK_H */
