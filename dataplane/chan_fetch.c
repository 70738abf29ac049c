/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A failover's fetch (docs/replication.md, "Failover"): a new owner that
 * holds less of the stream than the highest held a majority of the old
 * set answered asks the replica that answered it for the rest, by NACK,
 * before it continues the stream. Committed messages above its own held
 * are held by that replica (any majority shares a member with the one
 * that committed them); without the fetch, the new owner would answer
 * their NACKs, and a resume, with a GONE, and lose them for subscribers
 * that had not received them.
 *
 * The replica answers as an owner before answers NACKs of its stream
 * (chan_owner.c): RETRANSMITs from its history. The new owner keeps each
 * one as a replica keeps a REPLICATE, in order (repl_recv_take: no jump),
 * so that its held moves up to the majority's. A new owner that holds
 * none of the stream (a replica new to the set, not filled yet) fetches
 * it whole, from the oldest the holder has. The wait (chan_handoff.c)
 * asks again every 25 ms and settles once it has everything, or when its
 * time is up, with what it has.
 */
#define _LGPL_SOURCE
#include <urcu/urcu-qsbr.h>

#include <rte_branch_prediction.h>

#include "chan_fetch.h"

bool
repl_fetch_ask(struct dp_lcore *lc, struct repl_failover *fo, uint64_t hash,
		const char *name, uint16_t len, const struct ring_table *ring,
		const struct peer_table *peers)
{
	const struct chan_state *s = chan_state_get(lc, hash, name, len,
			false);
	struct chan_nack n = { .stream = fo->stream };

	if (s == NULL || fo->holder == 0 || fo->stream == 0)
		return false;		/* No one to fetch from. */
	if (s->rr.stream == fo->stream) {
		if (s->rr.held >= fo->held)
			return false;	/* Nothing to fetch. */
		n.first = s->rr.held + 1;
	} else {
		/* None of it held here: all the holder has, from its first. */
		if (fo->from == 0 || fo->from > fo->held)
			return false;
		n.first = fo->from;
	}
	n.count = (uint32_t)RTE_MIN(fo->held - n.first + 1,
			(uint64_t)CHAN_NACK_MAX);
	fo->fetch_end = n.first + n.count;
	/* Unreachable, it is asked again from the timer. */
	chan_nack_to(lc, s, &n, fo->holder, ring, peers,
			STAT_REPL_FETCH_ASKED);
	return true;
}

enum repl_fetch_verdict
repl_fetch_take(struct dp_lcore *lc, struct repl_failover *fo,
		struct rte_mbuf *m, const struct rumor_hdr *h,
		const struct ring_table *ring, const struct peer_table *peers)
{
	const uint16_t clen = ntohs(h->channel_len);
	struct chan_state *s = chan_state_get(lc, be64toh(h->channel_hash),
			rumor_hdr_channel(h), clen, false);
	struct chan_ord o;
	bool restarted;

	uint64_t start;

	if (chan_sender(m) != fo->holder || s == NULL ||
			chan_ord_decode(rumor_hdr_payload(h),
			ntohs(h->payload_len), false, &o) != CHAN_WIRE_OK ||
			o.stream != fo->stream)
		return REPL_FETCH_NOT;
	/*
	 * In order, from its held on: no jump (committed 0); a stream it
	 * holds none of starts at the holder's first, and there alone.
	 */
	start = s->rr.stream == fo->stream ? 0 : fo->from;
	if (o.seq > fo->held || (start != 0 && o.seq != start) ||
			repl_recv_take(&s->rr, o.stream, o.seq,
			start != 0 ? start - 1 : 0, &restarted) !=
			REPL_RECV_NEW) {
		chan_drop(lc, m, STAT_REPL_DUP);
		return REPL_FETCH_MORE;
	}
	if (restarted)
		chan_state_release_hist(s);
	s->stream = s->rr.stream;
	s->base = s->rr.first;
	s->next_seq = s->rr.held + 1;
	repl_hist_keep(lc, s, m, CHAN_ORD_LEN, o.seq);
	lc->stats.c[STAT_REPL_FETCHED]++;
	if (s->rr.held >= fo->held)
		return REPL_FETCH_DONE;
	if (s->rr.held + 1 >= fo->fetch_end)
		(void)repl_fetch_ask(lc, fo, s->hash, s->name, s->len, ring,
				peers);
	return REPL_FETCH_MORE;
}
