/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sequence tracker of one channel (include/rumor/client.h). It keeps
 * the next sequence expected and a bitmap of the sequences above it that
 * arrived early, so that reordering within the window costs nothing and a
 * duplicate is told from a new message exactly. Holes are given up only
 * when a message needs room beyond the window, when the node says so
 * (GAP), when a new stream replaces the old one, or at the end.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "rumor/client.h"

_Static_assert(CLIENT_TRACK_WINDOW >= 2 && CLIENT_TRACK_WINDOW <= 64,
		"the window's early sequences fit one 64-bit word");

RUMOR_ENUM_NAME_FN(client_verdict_name, enum client_verdict,
		CLIENT_VERDICTS, CLIENT_V_MAX, "?")

void
client_track_init(struct client_track *t)
{
	memset(t, 0, sizeof(*t));
}

static void
gap_clear(struct client_gap *g)
{
	memset(g, 0, sizeof(*g));
}

/*
 * Record first .. last, n of them lost, in g. A run that goes on from the
 * last one given up, in this call or an earlier one, is the same gap.
 */
static void
gap_add(struct client_track *t, struct client_gap *g, uint64_t first,
		uint64_t last, uint64_t n)
{
	if (g->missing == 0) {
		g->stream = t->stream;
		g->first = first;
	}
	g->last = last;
	g->missing += n;
	t->st.missing += n;
	if (first != t->lost_end) {
		g->runs++;
		t->st.gaps++;
	}
	t->lost_end = last + 1;
}

/*
 * next is settled (received or given up): move past it and past every
 * early sequence that follows it without a hole.
 */
static void
track_advance(struct client_track *t)
{
	bool received;

	do {
		t->next++;
		received = (t->ahead & 1) != 0;
		t->ahead >>= 1;
	} while (received);
}

/* Give up every sequence below target not received yet. */
static void
track_lose_until(struct client_track *t, uint64_t target,
		struct client_gap *g)
{
	while (t->next < target) {
		uint64_t at = t->next;

		if (t->ahead == 0) {
			/* Nothing early: next .. target - 1 all missing. */
			gap_add(t, g, at, target - 1, target - at);
			t->next = target;
			return;
		}
		/* next is a hole, by definition of next. */
		gap_add(t, g, at, at, 1);
		track_advance(t);
	}
}

/* The highest sequence received (t->next - 1 if none is early). */
static uint64_t
track_highest(const struct client_track *t)
{
	if (t->ahead == 0)
		return t->next - 1;
	return t->next + 1 + (63 - (uint64_t)__builtin_clzll(t->ahead));
}

uint64_t
client_track_pending(const struct client_track *t)
{
	if (t->ahead == 0)
		return 0;
	return track_highest(t) - t->next + 1 -
			(uint64_t)__builtin_popcountll(t->ahead);
}

void
client_track_settle(struct client_track *t, struct client_gap *gap)
{
	gap_clear(gap);
	if (t->ahead != 0)
		track_lose_until(t, track_highest(t), gap);
}

/* Start tracking stream at seq, which arrived. */
static void
track_start(struct client_track *t, uint64_t stream, uint64_t seq)
{
	t->stream = stream;
	t->next = seq + 1;
	t->ahead = 0;
	t->lost_end = 0;
}

/* A stream other than the one tracked replaces it: close the old one. */
static void
track_replace(struct client_track *t, struct client_gap *gap)
{
	if (t->ahead != 0)
		track_lose_until(t, track_highest(t), gap);
	t->prev_stream = t->stream;
	t->st.resets++;
}

enum client_verdict
client_track_deliver(struct client_track *t, uint64_t stream, uint64_t seq,
		struct client_gap *gap)
{
	uint64_t bit;
	bool late;

	gap_clear(gap);
	if (stream == 0 || seq == 0) {
		t->st.received++;
		return CLIENT_V_UNORDERED;
	}
	if (t->stream == 0) {
		track_start(t, stream, seq);
		t->st.received++;
		return CLIENT_V_FIRST;
	}
	if (stream != t->stream) {
		if (stream == t->prev_stream) {
			t->st.stale++;
			return CLIENT_V_STALE;
		}
		track_replace(t, gap);
		track_start(t, stream, seq);
		t->st.received++;
		return CLIENT_V_RESET;
	}
	if (seq < t->next) {
		t->st.duplicates++;
		return CLIENT_V_DUPLICATE;
	}
	/* Beyond the window: give the oldest holes up to make room. */
	if (seq - t->next >= CLIENT_TRACK_WINDOW)
		track_lose_until(t, seq - (CLIENT_TRACK_WINDOW - 1), gap);
	if (seq == t->next) {
		/* Filling the lowest hole, if a higher one is in. */
		late = t->ahead != 0;

		track_advance(t);
		t->st.received++;
		if (late) {
			t->st.reordered++;
			return CLIENT_V_LATE;
		}
		return CLIENT_V_IN_ORDER;
	}
	bit = seq - t->next - 1;
	if ((t->ahead >> bit & 1) != 0) {
		t->st.duplicates++;
		return CLIENT_V_DUPLICATE;
	}
	late = t->ahead != 0 && seq < track_highest(t);
	t->ahead |= UINT64_C(1) << bit;
	t->st.received++;
	if (late) {
		t->st.reordered++;
		return CLIENT_V_LATE;
	}
	return CLIENT_V_EARLY;
}

/*
 * The node's word that stream ends at first (a GAP to CHAN_SEQ_MAX: its
 * owner went on with another). How many it had after the highest one
 * received is not known, so only the holes below are lost; of a stream
 * not tracked, nothing is counted (and of the one before, it is stale).
 */
static void
track_end(struct client_track *t, uint64_t stream, uint64_t first,
		struct client_gap *gap)
{
	if (stream != t->stream && t->stream != 0 &&
			stream == t->prev_stream) {
		t->st.stale++;
		return;
	}
	if (stream == t->stream && t->ahead != 0)
		track_lose_until(t, track_highest(t), gap);
	if (gap->missing == 0) {
		gap->stream = stream;
		gap->first = first;
	}
	gap->last = CHAN_SEQ_MAX;
	gap->ended = true;
}

void
client_track_gap(struct client_track *t, uint64_t stream, uint64_t first,
		uint64_t last, struct client_gap *gap)
{
	gap_clear(gap);
	if (stream == 0 || first == 0 || first > last)
		return;
	if (last == CHAN_SEQ_MAX) {
		track_end(t, stream, first, gap);
		return;
	}
	if (t->stream != stream) {
		if (t->stream != 0 && stream == t->prev_stream) {
			t->st.stale++;
			return;
		}
		/*
		 * A stream that starts with a gap: tracking starts after it.
		 * The old stream's holes are counted, but the gap reported is
		 * the new stream's.
		 */
		if (t->stream != 0) {
			struct client_gap old;

			gap_clear(&old);
			track_replace(t, &old);
		}
		track_start(t, stream, last);
		gap_add(t, gap, first, last, last - first + 1);
		return;
	}
	if (last >= t->next)
		track_lose_until(t, last + 1, gap);
}
