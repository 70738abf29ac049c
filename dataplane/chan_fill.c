/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A new owner's fill (docs/replication.md, "Failover"). A failover's new
 * owner continues the stream past a jump (held_max + REPL_WINDOW), and
 * what a majority of the old set held below it must now be held by a
 * majority of its own set, or the next crash loses it. A replica's own
 * state cannot say so: it is one run, first to held, and a replica that
 * jumped a hole its old owner had committed lacks what lay below its
 * first, while its held would count it. So the new owner copies what its
 * history holds below the jump to each member of its set as fills
 * (REPLICATEs whose committed is the jump), each acknowledged by its
 * sequence (REPL_ACK FILLED), and stamps nothing past the jump until a
 * majority of the set (itself counting) holds every one; its committed
 * and all count nothing of the old stream meanwhile. A member keeps a
 * fill in its history beside what it holds, and reports the jump as its
 * committed in REPL_STATE, so that a failover after this one continues
 * past it.
 *
 * Bounded: the copy is at most `history` sequences, CHAN_FILL_BURST a
 * member and the resend budget an lcore every CHAN_REPL_RESEND_MS, for
 * CHAN_FILL_MS; if no majority holds it by then (a member silent, or
 * history gone), stamping goes on as it did before fills
 * (`repl_fill_timeout`).
 */
#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_malloc.h>

#include "rumor/config.h"
#include "chan_fill.h"

/*
 * The fill of q (a REPLICATE from history whose committed is floor, the
 * jump) as r under ring; false if history lacks q.
 */
static bool
fill_msg(struct fan_msg *r, const struct chan_state *s, uint64_t q,
		uint64_t floor, const struct ring_table *ring)
{
	const struct chan_acked *a = chan_acked_of(s, q);
	const struct repl_replicate rep = {
		.stream = s->stream,
		.seq = q,
		.client = a != NULL ? a->client : 0,
		.number = a != NULL ? a->number : 0,
		.committed = floor,
	};

	if (!chan_hist_msg(r, s, q, ring))
		return false;
	r->type = RUMOR_T_REPLICATE;
	r->fixed_len = (uint16_t)repl_replicate_encode(&rep, r->fixed,
			sizeof(r->fixed));
	return r->fixed_len != 0;
}

/* Whether history holds q of s's stream. */
static bool
holds(const struct chan_state *s, uint64_t q)
{
	const struct chan_hist *hs = &s->hist[q & (CHAN_HIST - 1)];

	return hs->m != NULL && hs->seq == q;
}

static bool
done(const struct chan_fill *f, uint32_t i, uint64_t q)
{
	const uint64_t b = q - f->lo;

	return (f->done[i][b / 64] >> (b % 64) & 1) != 0;
}

void
repl_fill_start(struct dp_lcore *lc, struct chan_state *s, uint64_t top)
{
	const uint64_t keep = RTE_MIN((uint64_t)dp.cfg.history,
			(uint64_t)CHAN_HIST);
	const uint64_t floor = s->ro.floor;
	/*
	 * What history keeps; and nothing a member may hold a later
	 * sequence in the place of (the old owner stamped up to the jump):
	 * it could not keep that fill.
	 */
	const uint64_t lo = RTE_MAX(top >= keep ? top - keep + 1 : 1,
			floor >= CHAN_HIST ? floor - CHAN_HIST + 1 : 1);
	struct chan_fill *f;
	uint32_t n = 0;

	rte_free(s->ro.fill);
	s->ro.fill = NULL;
	if (s->ro.set.n == 0 || top < lo)
		return;
	for (uint64_t q = lo; q <= top; q++)
		n += holds(s, q);
	if (n == 0)
		return;			/* Nothing to copy: the jump alone. */
	f = rte_zmalloc("rumor_chan_fill", sizeof(*f), 0);
	if (f == NULL) {
		lc->stats.c[STAT_REPL_FILL_TIMEOUT]++;
		return;
	}
	f->lo = lo;
	f->top = top;
	f->floor = floor;
	f->until = rte_rdtsc() + (uint64_t)CHAN_FILL_MS * rte_get_tsc_hz() /
			1000;
	f->n = s->ro.set.n;
	for (uint32_t i = 0; i < f->n; i++) {
		f->id[i] = s->ro.set.id[i];
		f->left[i] = n;
		f->cursor[i] = lo;
	}
	s->ro.fill = f;
	lc->stats.c[STAT_REPL_FILL_STARTED]++;
}

/* Members holding the whole fill, and whether that is a majority. */
static uint32_t
filled(const struct chan_fill *f)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < f->n; i++)
		k += f->left[i] == 0;
	return k;
}

uint64_t
repl_fill_floor(const struct chan_state *s, bool all)
{
	const struct chan_fill *f = s->ro.fill;

	if (f == NULL)
		return s->ro.floor;
	if (all ? filled(f) == f->n : f->open)
		return f->floor;
	return f->lo - 1;
}

/* The fill of s is over: what is still unfilled, the resend's. */
static void
fill_end(struct chan_state *s)
{
	rte_free(s->ro.fill);
	s->ro.fill = NULL;
}

/*
 * q of f is settled for member i (it holds it, or history lost it and
 * no one can): true if that moved what repl_fill_floor says.
 */
static bool
fill_mark(struct chan_state *s, struct chan_fill *f, uint32_t i,
		uint64_t q)
{
	f->done[i][(q - f->lo) / 64] |= UINT64_C(1) << ((q - f->lo) % 64);
	if (--f->left[i] != 0)
		return false;
	if (filled(f) == f->n) {
		fill_end(s);
		return true;
	}
	/* A majority of the set, the owner counting. */
	if (!f->open && filled(f) + 1 >= (f->n + 1) / 2 + 1) {
		f->open = true;
		return true;
	}
	return false;
}

bool
repl_fill_ack(struct dp_lcore *lc, struct chan_state *s, uint32_t from,
		uint64_t seq)
{
	struct chan_fill *f = s->ro.fill;
	uint32_t i;

	if (f == NULL || seq < f->lo || seq > f->top || !holds(s, seq))
		return false;
	for (i = 0; i < f->n && f->id[i] != from; i++)
		;
	if (i == f->n || done(f, i, seq))
		return false;
	lc->stats.c[STAT_REPL_FILLED]++;
	return fill_mark(s, f, i, seq);
}

uint32_t
repl_fill_pass(struct dp_lcore *lc, struct chan_state *s,
		const struct ring_table *ring, const struct peer_table *peers,
		uint64_t now, uint32_t budget)
{
	struct chan_fill *f = s->ro.fill;
	uint32_t sent = 0;

	if ((int64_t)(now - f->until) >= 0) {
		if (!f->open)
			lc->stats.c[STAT_REPL_FILL_TIMEOUT]++;
		fill_end(s);
		return 0;
	}
	for (uint32_t i = 0; i < f->n && sent < budget; i++) {
		const uint64_t span = f->top - f->lo + 1;
		struct chan_dest d;
		struct fan_msg m;
		uint32_t k = 0;

		if (f->left[i] == 0 || !fan_member(peers, f->id[i], &d))
			continue;
		/* From the cursor round: what was lost comes again later. */
		for (uint64_t n = 0; n < span && k < CHAN_FILL_BURST &&
				sent < budget; n++) {
			const uint64_t q = f->lo + (f->cursor[i] - f->lo + n) %
					span;

			if (done(f, i, q))
				continue;
			if (!fill_msg(&m, s, q, f->floor, ring)) {
				/*
				 * Gone from history since (the lcore's bound
				 * on history): no member can have it now.
				 */
				if (fill_mark(s, f, i, q) && s->ro.fill == NULL)
					return sent;
				continue;
			}
			fan_send(lc, &m, &d, STAT_REPL_RESENT);
			k++;
			sent++;
			f->cursor[i] = q + 1 > f->top ? f->lo : q + 1;
		}
	}
	return sent;
}
