/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The channel path of a forwarding lcore (docs/channels.md, "In the
 * dataplane"): where each channel message goes, and the lcore's channel
 * timers. A frame of verdict FRAME_CHAN is punted to the control thread
 * (SUBSCRIBE, UNSUBSCRIBE from clients; INTEREST, INTEREST_ACK,
 * HANDOFF_REQ, HANDOFF from members, each class on its own bucket and
 * ring: the audience punts), dropped (the types that never go to a node), or
 * passed to its channel's lcore, which alone keeps that channel's order
 * state (chan_state.h) and acts on it by role:
 *
 * - as the owner (chan_owner.c): PUBLISH stamped and fanned out, NACKs
 *   answered from history;
 * - as a subscriber node (chan_subscriber.c): DELIVER in order, NACK for
 *   holes, GAP for what is lost;
 * - on a broadcast channel (chan_broadcast.c): dedup, DELIVER once,
 *   GOSSIP to k members;
 * - as a new owner (chan_handoff.c): PUBLISHes held until it may stamp.
 *
 * This file is above them all: what a handoff wait held when it ends
 * comes back here to be processed as if it came now. The audience table
 * and the member list are read as a QSBR reader, like the ring.
 */
#define _LGPL_SOURCE
#include <urcu/urcu-qsbr.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_random.h>
#include <rte_ring.h>

#include "auth.h"
#include "chan.h"
#include "chan_broadcast.h"
#include "chan_handoff.h"
#include "chan_owner.h"
#include "chan_repl.h"
#include "chan_resume.h"
#include "chan_state.h"
#include "chan_subscriber.h"
#include "pub_ack.h"

#define CHAN_SWEEP_MS 1000u

int
chan_lcore_init(struct dp_lcore *lc)
{
	char name[RTE_RING_NAMESIZE];
	int socket = (int)rte_lcore_to_socket_id(lc->lcore_id);

	if (chan_table_init(lc) < 0)
		return -1;
	token_bucket_init(&lc->sub_tb, rte_get_tsc_hz(), CHAN_SUB_RATE,
			CHAN_SUB_BURST, rte_rdtsc());
	token_bucket_init(&lc->member_tb, rte_get_tsc_hz(), DP_MEMBER_RATE,
			DP_MEMBER_BURST, rte_rdtsc());
	if (ho_lcore_init(lc) < 0)
		return -1;
	snprintf(name, sizeof(name), "rumor_chan_in_%u", lc->queue);
	lc->chan_in = rte_ring_create(name, CHAN_IN_RING_SIZE, socket,
			RING_F_SC_DEQ);
	return lc->chan_in != NULL ? 0 : -1;
}

void
chan_lcore_free(struct dp_lcore *lc)
{
	struct rte_mbuf *m;

	chan_table_free(lc);
	while (lc->chan_in != NULL && rte_ring_dequeue(lc->chan_in,
			(void **)&m) == 0)
		rte_pktmbuf_free(m);
	rte_ring_free(lc->chan_in);
	lc->chan_in = NULL;
	ho_lcore_free(lc);
}

static void chan_process(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct ring_table *ring, const struct peer_table *peers);

/* What a handoff wait held, through in the order it came. */
static void
process_released(struct dp_lcore *lc, const struct ho_release *rel,
		const struct ring_table *ring, const struct peer_table *peers)
{
	for (uint32_t i = 0; i < rel->n; i++)
		chan_process(lc, rel->m[i], ring, peers);
}

/*
 * The helpers that take a struct ho_release (32 KiB) are kept out of
 * line, so that chan_process's frame stays small on every message.
 */

/* A HANDOFF from the control thread, its interest set taken over. */
static __rte_noinline void
handoff_input(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct ring_table *ring, const struct peer_table *peers)
{
	struct ho_release rel;

	ho_input(lc, m, ring, peers, &rel);
	process_released(lc, &rel, ring, peers);
}

/* A new owner caught up with the stream of s: its PUBLISHes go on. */
static __rte_noinline void
caught_up(struct dp_lcore *lc, const struct chan_state *s,
		const struct ring_table *ring, const struct peer_table *peers)
{
	struct ho_release rel;

	ho_caught_up(lc, s->hash, s->name, s->len, &rel);
	process_released(lc, &rel, ring, peers);
}

/* The window of s opened: the PUBLISHes held beyond it go through. */
static __rte_noinline void
window_opened(struct dp_lcore *lc, const struct chan_state *s,
		const struct ring_table *ring, const struct peer_table *peers)
{
	struct ho_release rel;

	ho_window_open(lc, s->hash, s->name, s->len, &rel);
	process_released(lc, &rel, ring, peers);
}

/* A failover's REPL_STATE: what the wait held goes through if it ends. */
static __rte_noinline void
sync_input(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct ring_table *ring, const struct peer_table *peers)
{
	struct ho_release rel;

	ho_sync_input(lc, m, ring, peers, &rel);
	process_released(lc, &rel, ring, peers);
}

/* A RETRANSMIT a failover's fetch may wait for: true if it took m. */
static __rte_noinline bool
fetched(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct ring_table *ring, const struct peer_table *peers)
{
	struct ho_release rel;

	if (!ho_fetch_input(lc, m, ring, peers, &rel))
		return false;
	process_released(lc, &rel, ring, peers);
	return true;
}

/* The handoff waits' timers; what a wait that ends held goes through. */
static __rte_noinline void
handoff_timers(struct dp_lcore *lc, const struct ring_table *ring,
		const struct peer_table *peers, uint64_t now)
{
	struct ho_release rel;
	uint32_t at = 0;

	while (ho_timers(lc, ring, peers, now, &at, &rel))
		process_released(lc, &rel, ring, peers);
}

/* On the channel's lcore: act on a channel message (or a held one). */
static void
chan_process(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct ring_table *ring, const struct peer_table *peers)
{
	const struct rumor_hdr *h = chan_hdr(m);
	struct chan_state *s;

	switch (h->type) {
	case RUMOR_T_DATA:
		if (*rumor_hdr_channel(h) == CHAN_BROADCAST_PREFIX) {
			broadcast_input(lc, m, h, ring);
			return;
		}
		owner_input(lc, m, h, ring, peers);
		return;
	case RUMOR_T_HANDOFF:
		handoff_input(lc, m, ring, peers);
		return;
	case RUMOR_T_HANDOFF_REQ:
		/* From the control thread alone (chan_input punts the wire's). */
		repl_handover(lc, m, h, ring, peers);
		return;
	case RUMOR_T_SUBSCRIBE:
		/* Resuming, granted by the control thread (it alone). */
		resume_start(lc, m, ring, peers);
		return;
	case RUMOR_T_GOSSIP:
		broadcast_input(lc, m, h, ring);
		return;
	case RUMOR_T_RETRANSMIT:
		if (unlikely(lc->ho_fetching != 0) &&
				fetched(lc, m, ring, peers))
			return;
		/* Fall through. */
	case RUMOR_T_FANOUT:
		s = subscriber_input(lc, m, h, ring, peers);
		if (unlikely(s != NULL))
			caught_up(lc, s, ring, peers);
		return;
	case RUMOR_T_GONE:
		s = subscriber_gone(lc, m, h, ring);
		if (s != NULL)
			caught_up(lc, s, ring, peers);
		return;
	case RUMOR_T_NACK:
		owner_nack(lc, m, h, ring, peers);
		return;
	case RUMOR_T_REPLICATE:
		replica_input(lc, m, h, ring, peers);
		return;
	case RUMOR_T_REPL_ACK:
		s = repl_ack_input(lc, m, h, ring, peers);
		if (unlikely(s != NULL))
			window_opened(lc, s, ring, peers);
		return;
	case RUMOR_T_REPL_SYNC:
		replica_sync_input(lc, m, h, ring, peers);
		return;
	case RUMOR_T_REPL_STATE:
		sync_input(lc, m, ring, peers);
		return;
	default:
		chan_drop(lc, m, STAT_CHAN_UNEXPECTED);
	}
}

/* Pass m to lcore to, its channel's, on that lcore's chan_in ring. */
static void
chan_lcore_pass(struct dp_lcore *lc, struct rte_mbuf *m, unsigned to)
{
	if (unlikely(rte_ring_mp_enqueue(dp.lcore[to]->chan_in, m) != 0)) {
		chan_drop(lc, m, STAT_CHAN_PASS_FULL);
		return;
	}
	lc->stats.c[STAT_CHAN_PASSED]++;
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
	chan_lcore_pass(lc, m, to);
}

/*
 * Audience work for the control thread, within its class's rate: a
 * client's (SUBSCRIBE, UNSUBSCRIBE) on one bucket and ring, a member's
 * (INTEREST, INTEREST_ACK, HANDOFF_REQ, HANDOFF) on its own, which the
 * control thread drains first, so that a client flood cannot starve the
 * members.
 */
static void
audience_punt(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct dp_port *in, bool member)
{
	struct token_bucket *tb = member ? &lc->member_tb : &lc->sub_tb;
	struct rte_ring *r = member ? dp.member_punt : dp.sub_punt;

	m->port = in->id;
	if (!token_bucket_take(tb, rte_rdtsc()))
		chan_drop(lc, m, member ? STAT_MEMBER_RATE : STAT_SUB_RATE);
	else if (rte_ring_mp_enqueue(r, m) != 0)
		chan_drop(lc, m, member ? STAT_MEMBER_PUNT_FULL :
				STAT_SUB_PUNT_FULL);
	else
		lc->stats.c[member ? STAT_MEMBER_PUNTED : STAT_SUB_PUNTED]++;
}

/*
 * Whether a message of this type names its sender in the header's
 * origin. FANOUT and RETRANSMIT carry the publish's origin and GOSSIP
 * the node it entered; a NACK the owner relays names the node that asked
 * (chan_owner.c checks that relay).
 */
static inline bool
origin_is_sender(uint8_t type)
{
	switch (type) {
	case RUMOR_T_INTEREST:
	case RUMOR_T_INTEREST_ACK:
	case RUMOR_T_GONE:
	case RUMOR_T_HANDOFF_REQ:
	case RUMOR_T_HANDOFF:
	case RUMOR_T_PUB_ACK:
	case RUMOR_T_REPL_ACK:
	case RUMOR_T_REPL_SYNC:
	case RUMOR_T_REPL_STATE:
		return true;
	default:
		return false;
	}
}

/*
 * The member that sent a node-to-node message, or 0 (counted) if it is
 * refused. The proof of the sender is the frame's source address and
 * UDP port, which must be a member's (of the ring in force or the one
 * before); the one place a sender is proven, so that a tag check can
 * take the address's place. A member speaks only for itself: a message
 * whose origin names its sender must name this one. Under fault
 * injection (tests), a share is dropped as if lost.
 */
static uint32_t
from_member(struct dp_lcore *lc, const struct rte_mbuf *m,
		const struct rumor_hdr *h)
{
	const struct ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
			const struct ipv4_hdr *, FRAME_IP_OFF);
	const struct udp_hdr *udp = rte_pktmbuf_mtod_offset(m,
			const struct udp_hdr *, FRAME_UDP_OFF);
	const struct member_list *ml = rcu_dereference(dp.members);
	const uint32_t sender = ml != NULL ? member_at(ml, ip->src,
			udp->src_port) : 0;

	if (sender == 0) {
		lc->stats.c[STAT_CHAN_NOT_MEMBER]++;
		return 0;
	}
	if (origin_is_sender(h->type) && ntohl(h->origin) != sender) {
		lc->stats.c[STAT_CHAN_NOT_SENDER]++;
		return 0;
	}
	if (unlikely(dp.chan_loss != 0) &&
			rte_rand_max(100) < dp.chan_loss) {
		lc->stats.c[STAT_CHAN_INJECTED_LOSS]++;
		return 0;
	}
	return sender;
}

void
chan_input(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_port *in,
		const struct ring_table *ring, const struct peer_table *peers)
{
	const struct rumor_hdr *h = chan_hdr(m);
	uint32_t sender, proven;	/* By address; by tag (auth.h). */
	bool punt;

	switch (h->type) {
	case RUMOR_T_DATA:
		chan_dispatch(lc, m, be64toh(h->channel_hash), ring, peers);
		return;
	case RUMOR_T_SUBSCRIBE:
	case RUMOR_T_UNSUBSCRIBE:
		chan_sender_set(m, 0);
		audience_punt(lc, m, in, false);
		return;
	case RUMOR_T_INTEREST:
	case RUMOR_T_INTEREST_ACK:
	case RUMOR_T_HANDOFF_REQ:
	case RUMOR_T_HANDOFF:
		punt = true;
		break;
	case RUMOR_T_FANOUT:
	case RUMOR_T_RETRANSMIT:
	case RUMOR_T_NACK:
	case RUMOR_T_GONE:
	case RUMOR_T_GOSSIP:
	case RUMOR_T_PUB_ACK:
	case RUMOR_T_REPLICATE:
	case RUMOR_T_REPL_ACK:
	case RUMOR_T_REPL_SYNC:
	case RUMOR_T_REPL_STATE:
		punt = false;
		break;
	default:
		chan_drop(lc, m, STAT_CHAN_UNEXPECTED);
		return;
	}
	/* The node-to-node types: audience work, or to the channel's lcore. */
	sender = from_member(lc, m, h);
	/* With node credentials the tag proves the sender (auth.h). */
	if (sender == 0 || !auth_input(lc, m, &proven) ||
			(proven != 0 && proven != sender)) {
		rte_pktmbuf_free(m);
		return;
	}
	h = chan_hdr(m);	/* auth_input moved the headers. */
	chan_sender_set(m, sender);
	if (h->type == RUMOR_T_PUB_ACK)
		pub_ack_relay(lc, m, sender, ring);	/* No channel state. */
	else if (punt)
		audience_punt(lc, m, in, true);
	else
		chan_dispatch(lc, m, be64toh(h->channel_hash), ring, peers);
}

void
chan_ahead(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct ring_table *ring, const struct peer_table *peers)
{
	chan_dispatch(lc, m, be64toh(chan_hdr(m)->channel_hash), ring, peers);
}

bool
chan_owned(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct ring_table *ring, const struct peer_table *peers)
{
	const struct rumor_hdr *h = chan_hdr(m);
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

void
chan_lcore_drain(struct dp_lcore *lc, const struct ring_table *ring,
		const struct peer_table *peers)
{
	struct rte_mbuf *pkts[DP_BURST];
	unsigned n = rte_ring_sc_dequeue_burst(lc->chan_in, (void **)pkts,
			DP_BURST, NULL);

	for (unsigned i = 0; i < n; i++)
		chan_process(lc, pkts[i], ring, peers);
}

/*
 * Once a second: channels whose audience went lose their state, and
 * subscriber nodes check the end of each run.
 */
static void
sweep(struct dp_lcore *lc, const struct ring_table *ring,
		const struct peer_table *peers, uint64_t now)
{
	struct chan_lcore *cl = lc->chan;

	for (uint32_t i = 0; i < CHAN_SLOTS && cl->n > 0; i++) {
		struct chan_state *s = cl->tab[i];
		const struct aud_entry *e;

		if (!chan_state_live(s))
			continue;
		repl_sweep(lc, s, ring);
		e = aud_find(rcu_dereference(dp.aud), s->hash, s->name, s->len);
		/* A replica's state lives on without an audience. */
		if (e == NULL) {
			if (!replica_keep(s, now) && s->n_resume == 0)
				chan_state_remove(cl, s);
		} else if (e->n_local > 0) {
			subscriber_tail_check(lc, s, e, ring, peers);
		}
	}
}

void
chan_timers(struct dp_lcore *lc, const struct ring_table *ring,
		const struct peer_table *peers, uint64_t now)
{
	struct chan_lcore *cl = lc->chan;

	if (cl->n_pending > 0)
		subscriber_nack_timers(lc, ring, peers, now);
	handoff_timers(lc, ring, peers, now);
	if (cl->n_repl > 0)
		repl_timers(lc, ring, peers, now);
	if (unlikely(cl->n_resume > 0))
		resume_timers(lc, ring, peers, now);
	if (unlikely((int64_t)(now - cl->next_sweep) >= 0)) {
		cl->next_sweep = now + CHAN_SWEEP_MS * cl->hz_ms;
		if (cl->n > 0)
			sweep(lc, ring, peers, now);
		chan_table_compact(lc);
	}
}
