/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The table of channel states of a forwarding lcore (chan_state.h): a
 * channel's state is made on its first message that needs one, found by
 * hash then name, and freed with what it holds (history, held messages)
 * once its audience goes; the table is compacted when freed slots would
 * make probes long. Only the channel's lcore calls these: no locks.
 */
#include <stdio.h>
#include <stdlib.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "chan_state.h"

struct keyed_hash_key chan_index_key;

/*
 * The key of the tables' index, drawn before main() so that the control
 * thread's audience table and the lcores see one key from their start.
 * Without a key from the kernel the node does not start: a guessable
 * key gives the index away.
 */
RTE_INIT(chan_index_key_init)
{
	if (!keyed_hash_key_random(&chan_index_key)) {
		fprintf(stderr, "rumor-dataplane: no random key for the "
				"channel tables (getrandom failed)\n");
		abort();
	}
}

int
chan_table_init(struct dp_lcore *lc)
{
	int socket = (int)rte_lcore_to_socket_id(lc->lcore_id);

	lc->chan = rte_zmalloc_socket("rumor_chan_lcore",
			sizeof(*lc->chan), RTE_CACHE_LINE_SIZE, socket);
	if (lc->chan == NULL)
		return -1;
	lc->chan->hz_ms = rte_get_tsc_hz() / 1000;
	lc->chan->counter = 0;
	/*
	 * History and held messages pin receive buffers: together they take
	 * at most a quarter of a pool, shared by the lcores.
	 */
	lc->chan->hist_budget = RTE_MIN((uint32_t)CHAN_HISTORY_LCORE,
			dp.opt.mbufs / 6 / dp.n_lcores);
	lc->chan->held_budget = RTE_MIN((uint32_t)CHAN_HELD_LCORE,
			dp.opt.mbufs / 12 / dp.n_lcores);
	/* The memory of acked publishes (rumor/pub_dedup.h), 1 MiB. */
	lc->chan->pubs_mem = calloc(1, pub_dedup_bytes(CHAN_PUB_SETS_LOG2));
	if (lc->chan->pubs_mem == NULL)
		return -1;
	pub_dedup_init(&lc->chan->pubs, lc->chan->pubs_mem,
			CHAN_PUB_SETS_LOG2, &chan_index_key);
	return 0;
}

void
chan_state_release_rx(struct chan_lcore *cl, struct chan_state *s)
{
	struct chan_held out[CHAN_WINDOW];
	uint32_t n = chan_rx_drain(&s->rx, out);

	for (uint32_t i = 0; i < n; i++)
		rte_pktmbuf_free(out[i].msg);
	cl->n_held -= n;
	chan_rx_init(&s->rx);
}

void
chan_state_release_hist(struct chan_state *s)
{
	for (uint32_t i = 0; i < CHAN_HIST; i++)
		if (s->hist[i].m != NULL) {
			rte_pktmbuf_free(s->hist[i].m);
			s->hist[i].m = NULL;
		}
}

/* Release what a state holds: history, held messages, waits. */
static void
state_release(struct chan_lcore *cl, struct chan_state *s)
{
	chan_state_release_hist(s);
	chan_state_release_rx(cl, s);
	rte_free(s->ro.wait);
	s->ro.wait = NULL;
	s->ro.n_wait = 0;
	rte_free(s->acked);
	s->acked = NULL;
}

void
chan_table_free(struct dp_lcore *lc)
{
	if (lc->chan == NULL)
		return;
	for (uint32_t i = 0; i < CHAN_SLOTS; i++) {
		struct chan_state *s = lc->chan->tab[i];

		if (!chan_state_live(s))
			continue;
		state_release(lc->chan, s);
		rte_free(s);
	}
	free(lc->chan->pubs_mem);
	rte_free(lc->chan);
	lc->chan = NULL;
}

struct chan_state *
chan_state_get(struct dp_lcore *lc, uint64_t hash, const char *name,
		uint16_t len, bool create)
{
	struct chan_lcore *cl = lc->chan;
	uint32_t i = chan_index(hash, CHAN_SLOTS - 1);
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

void
chan_state_remove(struct chan_lcore *cl, struct chan_state *s)
{
	if (s->pending)
		for (uint32_t i = 0; i < cl->n_pending; i++)
			if (cl->pending[i] == s) {
				cl->pending[i] = cl->pending[--cl->n_pending];
				break;
			}
	for (uint32_t i = 0; s->n_resume > 0 && i < CHAN_RESUME_LCORE; i++)
		if (cl->resume[i].s == s) {
			cl->resume[i].s = NULL;	/* Its client just goes live. */
			cl->n_resume--;
			s->n_resume--;
		}
	if (s->ro.listed)
		for (uint32_t i = 0; i < cl->n_repl; i++)
			if (cl->repl[i] == s) {
				cl->repl[i] = cl->repl[--cl->n_repl];
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
void
chan_table_compact(struct dp_lcore *lc)
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
		if (chan_state_live(s))
			live[n++] = s;
		cl->tab[i] = NULL;
	}
	for (uint32_t j = 0; j < n; j++) {
		struct chan_state *s = live[j];
		uint32_t k = chan_index(s->hash, CHAN_SLOTS - 1);

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

/* The history slot a FIFO entry still holds a message in, or NULL. */
static inline struct chan_hist *
fifo_hist(struct chan_lcore *cl, const struct chan_fifo *e)
{
	struct chan_state *o = cl->tab[e->slot];
	struct chan_hist *hs;

	if (!chan_state_live(o) || o->id != e->id)
		return NULL;
	hs = &o->hist[e->seq & (CHAN_HIST - 1)];
	return hs->m != NULL && hs->seq == e->seq ? hs : NULL;
}

/*
 * Note seq of s as history (an owner's, or a replica's), in stamp order,
 * and drop the oldest references beyond the lcore's budget.
 */
void
chan_history_push(struct chan_lcore *cl, struct dp_lcore *lc,
		struct chan_state *s, uint64_t seq)
{
	const uint64_t keep = dp.cfg.history;
	struct chan_fifo *f;
	struct chan_hist *hs;

	/* The channel's own bound (key history): its oldest goes. */
	if (unlikely(keep < CHAN_HIST) && seq > keep) {
		hs = &s->hist[(seq - keep) & (CHAN_HIST - 1)];
		if (hs->m != NULL && hs->seq == seq - keep) {
			rte_pktmbuf_free(hs->m);
			hs->m = NULL;
		}
	}

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
