/* SPDX-License-Identifier: BSD-3-Clause */
/* Replication progress (rumor/repl_track.h). */
#include <string.h>

#include "rumor/repl_track.h"

void
repl_owner_init(struct repl_owner *o, const uint32_t *id, uint32_t n)
{
	memset(o, 0, sizeof(*o));
	o->n = n < REPL_OTHERS_MAX ? n : REPL_OTHERS_MAX;
	memcpy(o->id, id, o->n * sizeof(*id));
}

int
repl_owner_ack(struct repl_owner *o, uint32_t id, uint64_t held,
		uint64_t stamped)
{
	if (held > stamped)
		held = stamped;	/* Nobody holds what was not stamped. */
	for (uint32_t i = 0; i < o->n; i++) {
		if (o->id[i] != id)
			continue;
		if (held <= o->held[i])
			return 0;
		o->held[i] = held;
		return 1;
	}
	return -1;
}

/*
 * The k-th largest (1-based) of the replicas' helds: the highest
 * sequence that k of them hold at least.
 */
static uint64_t
kth_held(const struct repl_owner *o, uint32_t k)
{
	uint64_t h[REPL_OTHERS_MAX];

	memcpy(h, o->held, o->n * sizeof(*h));
	/* Four at most: a selection sort, descending, k steps. */
	for (uint32_t i = 0; i < k; i++)
		for (uint32_t j = i + 1; j < o->n; j++)
			if (h[j] > h[i]) {
				uint64_t t = h[i];

				h[i] = h[j];
				h[j] = t;
			}
	return h[k - 1];
}

uint64_t
repl_owner_committed(const struct repl_owner *o, uint64_t stamped)
{
	/* A majority of n + 1: the owner and n / 2 + 1 - 1 others. */
	const uint32_t others = (o->n + 1) / 2 + 1 - 1;
	uint64_t h;

	if (others == 0)
		return stamped;
	h = kth_held(o, others);
	return h < stamped ? h : stamped;
}

uint64_t
repl_owner_all(const struct repl_owner *o, uint64_t stamped)
{
	uint64_t h = stamped;

	for (uint32_t i = 0; i < o->n; i++)
		if (o->held[i] < h)
			h = o->held[i];
	return h;
}

uint32_t
repl_owner_holding(const struct repl_owner *o, uint64_t seq,
		uint64_t stamped)
{
	uint32_t k = seq <= stamped ? 1 : 0;

	for (uint32_t i = 0; i < o->n; i++)
		k += seq <= o->held[i];
	return k;
}

enum repl_recv_verdict
repl_recv_take(struct repl_recv *r, uint64_t stream, uint64_t seq,
		uint64_t committed, bool *restarted)
{
	uint64_t d;

	*restarted = false;
	if (stream != r->stream) {
		/* Below committed + 1, what it lacks a majority holds. */
		if (seq == 0 || seq > committed + 1)
			return REPL_RECV_FAR;
		*restarted = r->stream != 0;
		r->stream = stream;
		r->first = seq;
		r->held = seq;
		r->above = 0;
		return REPL_RECV_NEW;
	}
	if (seq <= r->held)
		return REPL_RECV_DUP;
	if (seq > r->held + 1 && seq <= committed + 1) {
		/*
		 * All before seq is committed (a new owner's jump past a
		 * failover, or what this replica missed): held from seq on.
		 */
		const uint64_t shift = seq - r->held;

		r->above = shift < 64 ? r->above >> shift : 0;
		r->first = seq;
		r->held = seq;
		while (r->above & 1) {
			r->held++;
			r->above >>= 1;
		}
		return REPL_RECV_NEW;
	}
	d = seq - r->held - 1;		/* Its bit above held. */
	if (d >= REPL_WINDOW)
		return REPL_RECV_FAR;
	if (r->above & (UINT64_C(1) << d))
		return REPL_RECV_DUP;
	r->above |= UINT64_C(1) << d;
	/* Held moves over every bit now contiguous. */
	while (r->above & 1) {
		r->held++;
		r->above >>= 1;
	}
	return REPL_RECV_NEW;
}
