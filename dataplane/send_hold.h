/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A queue of frames held until ARP knows their next hop's MAC: each
 * forwarding lcore holds the DATA messages it cannot send yet in one
 * (struct dp_lcore), and the control thread the datagrams rumor-control
 * sends in another (link_send.c). Each forwarding lcore also holds DATA
 * routed under a ring newer than its own in one of its own (fwd.c),
 * apart from the handoffs' holds, so that no flood of it fills those. Frames leave in the order they came,
 * each when its holder can send it or at its deadline, dropped; a full
 * queue refuses more. One thread owns each queue: no atomics.
 */
#ifndef RUMOR_SEND_HOLD_H
#define RUMOR_SEND_HOLD_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_debug.h>
#include <rte_mbuf.h>

#define SEND_HOLD_MAX 256	/* The largest queue (a power of two). */

/* A held frame. */
struct send_held {
	struct rte_mbuf *m;
	uint64_t deadline;		/* TSC after which it is dropped. */
};

struct send_hold {
	uint32_t head, tail;		/* Free-running indexes into slot[]. */
	uint32_t mask;			/* Its capacity, less one. */
	uint64_t timeout;		/* TSC cycles a frame may wait. */
	struct send_held slot[SEND_HOLD_MAX];
};

/*
 * An empty queue of cap frames (a power of two, at most SEND_HOLD_MAX),
 * each held for at most timeout_ms.
 */
static inline void
send_hold_init(struct send_hold *q, uint32_t cap, unsigned timeout_ms)
{
	RTE_ASSERT(rte_is_power_of_2(cap) && cap <= SEND_HOLD_MAX);
	q->head = 0;
	q->tail = 0;
	q->mask = cap - 1;
	q->timeout = timeout_ms * (rte_get_tsc_hz() / 1000);
}

static inline bool
send_hold_empty(const struct send_hold *q)
{
	return q->tail == q->head;
}

/* Hold m; false if the queue is full (m is not taken). */
static inline bool
send_hold_push(struct send_hold *q, struct rte_mbuf *m)
{
	struct send_held *h;

	if (q->tail - q->head > q->mask)
		return false;
	h = &q->slot[q->tail++ & q->mask];
	h->m = m;
	h->deadline = rte_rdtsc() + q->timeout;
	return true;
}

/*
 * Offer every held frame, oldest first, to release(), which returns true
 * if it took the frame (sent it, or dropped it for a reason of its own).
 * Of the others, those past their deadline at now go to late() (which
 * takes them) or, late NULL, are freed; the rest stay in the same order.
 * Returns how many were past their deadline. Each frame is looked at
 * once: the work is bounded by the queue's capacity. Always inlined, so
 * that a caller's release() and late() are direct calls.
 */
static __rte_always_inline uint32_t
send_hold_retry_late(struct send_hold *q, uint64_t now,
		bool (*release)(struct rte_mbuf *m, void *arg),
		void (*late)(struct rte_mbuf *m, void *arg), void *arg)
{
	uint32_t n = q->tail - q->head, n_late = 0;

	for (uint32_t i = 0; i < n; i++) {
		struct send_held h = q->slot[q->head++ & q->mask];

		if (release(h.m, arg))
			continue;
		if ((int64_t)(now - h.deadline) > 0) {
			if (late != NULL)
				late(h.m, arg);
			else
				rte_pktmbuf_free(h.m);
			n_late++;
			continue;
		}
		q->slot[q->tail++ & q->mask] = h;
	}
	return n_late;
}

/* send_hold_retry_late, frames past their deadline freed. */
static __rte_always_inline uint32_t
send_hold_retry(struct send_hold *q, uint64_t now,
		bool (*release)(struct rte_mbuf *m, void *arg), void *arg)
{
	return send_hold_retry_late(q, now, release, NULL, arg);
}

/* Free every held frame (at a stop); returns how many there were. */
static inline uint32_t
send_hold_drop_all(struct send_hold *q)
{
	uint32_t n = 0;

	while (q->tail != q->head) {
		rte_pktmbuf_free(q->slot[q->head++ & q->mask].m);
		n++;
	}
	return n;
}

#endif /* RUMOR_SEND_HOLD_H */
