/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The forwarding loop. Each lcore polls its own RX queue on every port,
 * classifies each frame, and either forwards a DATA message to the owner
 * of its channel, delivers it to the local sink, hands an ARP frame or
 * (within its rate) a CONTROL datagram to the control thread, or drops it
 * with a counter. Messages leave in the mbuf they arrived in; only
 * headers are rewritten.
 *
 * The ring and peer tables are read under liburcu QSBR: pointers taken at
 * the top of an iteration are used only until the quiescent state at its
 * bottom.
 *
 * DATA routed under a ring newer than this node's waits here, in the
 * lcore's own bounded queue, until this node's ring reaches its epoch
 * (then it goes to its channel's lcore) or for at most a second (then it
 * is routed under this node's ring, once): a flood of it costs one slot
 * of that queue each, never the holds a handoff needs.
 */
#define _LGPL_SOURCE
#include <urcu/urcu-qsbr.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "auth.h"
#include "rumor/arp.h"
#include "chan.h"
#include "dp.h"
#include "rumor/chan_hash.h"
#include "rumor/cksum.h"
#include "send.h"
#include "session.h"
#include "pub_ack.h"
#include "send_hold.h"

/*
 * DATA routed under a newer ring: held when its epoch is at most this
 * many beyond the ring's (a node a ring change or two behind; a cluster
 * commits one epoch per membership change, each after a Raft round), and
 * at most FWD_AHEAD_HOLD such frames per lcore (a power of two, up to
 * SEND_HOLD_MAX), for at most FWD_AHEAD_MS.
 */
#define FWD_AHEAD_EPOCHS 2u
#define FWD_AHEAD_HOLD 256u
#define FWD_AHEAD_MS 1000u

/* An lcore's DATA from newer rings, and the ring it was last offered to. */
struct fwd_ahead {
	const struct ring_table *ring;
	struct send_hold q;
};

/* The ring epoch a DATA message was routed under. */
static inline uint64_t
data_epoch(const struct rte_mbuf *m)
{
	const struct rumor_hdr *h = rte_pktmbuf_mtod_offset(m,
			const struct rumor_hdr *, FRAME_RUMOR_OFF);
	uint64_t e;

	memcpy(&e, &h->epoch, 8);
	return be64toh(e);
}

/* The ring slot of a DATA message (already validated by frame_parse). */
static inline uint32_t
data_slot(const struct rte_mbuf *m, const struct ring_table *ring)
{
	const struct rumor_hdr *h = rte_pktmbuf_mtod_offset(m,
			const struct rumor_hdr *, FRAME_RUMOR_OFF);

	return ring_slot(ring, be64toh(h->channel_hash));
}

/* The rumor header of a frame frame_parse accepted as DATA or CHAN. */
static inline const struct rumor_hdr *
frame_hdr(const struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, const struct rumor_hdr *,
			FRAME_RUMOR_OFF);
}

/*
 * Hold m, DATA routed under epoch ep, newer than this node's ring: if
 * its hash is its name's, its epoch within FWD_AHEAD_EPOCHS of an agreed
 * ring's (a ring of this node's own does not compare: only the queue
 * bounds that case), and the queue has room. Counted either way.
 */
static void
ahead_hold(struct dp_lcore *lc, struct fwd_ahead *ah, struct rte_mbuf *m,
		const struct ring_table *ring, uint64_t ep)
{
	if (unlikely(!chan_hash_ok(frame_hdr(m)))) {
		lc->stats.c[STAT_CHAN_HASH_BAD]++;
		rte_pktmbuf_free(m);
	} else if (ring->agreed && ep - ring->epoch > FWD_AHEAD_EPOCHS) {
		lc->stats.c[STAT_EPOCH_TOO_FAR]++;
		rte_pktmbuf_free(m);
	} else if (!send_hold_push(&ah->q, m)) {
		lc->stats.c[STAT_EPOCH_HOLD_FULL]++;
		rte_pktmbuf_free(m);
	} else {
		lc->stats.c[STAT_EPOCH_BEHIND]++;
	}
}

/* What ahead_release() and ahead_late() need. */
struct ahead_retry {
	struct dp_lcore *lc;
	const struct ring_table *ring;
	const struct peer_table *peers;
	uint64_t floor;
};

/* A held frame whose epoch this node's ring reached: to its channel. */
static __rte_always_inline bool
ahead_release(struct rte_mbuf *m, void *arg)
{
	const struct ahead_retry *r = arg;

	if (data_epoch(m) > r->floor)
		return false;
	chan_ahead(r->lc, m, r->ring, r->peers);
	return true;
}

/*
 * A held frame whose second is up: it goes on under this node's ring,
 * its epoch rewritten to the one it is compared with (the ring's, or 0
 * before a Raft cluster's first agreed ring; the UDP checksum updated),
 * so that no lcore holds it again.
 */
static __rte_always_inline void
ahead_late(struct rte_mbuf *m, void *arg)
{
	const struct ahead_retry *r = arg;
	struct udp_hdr *udp = rte_pktmbuf_mtod_offset(m, struct udp_hdr *,
			FRAME_UDP_OFF);
	struct rumor_hdr *h = rte_pktmbuf_mtod_offset(m, struct rumor_hdr *,
			FRAME_RUMOR_OFF);
	const uint64_t new_be = htobe64(r->floor);
	uint64_t old_be;

	memcpy(&old_be, &h->epoch, 8);
	if (udp->check != 0) {
		uint16_t uc = cksum_replace(udp->check,
				cksum_words64(old_be), 4,
				cksum_words64(new_be));

		udp->check = uc != 0 ? uc : 0xffff;
	}
	memcpy(&h->epoch, &new_be, 8);
	chan_ahead(r->lc, m, r->ring, r->peers);
}

/*
 * Offer the held DATA from newer rings again: at a new ring, and at each
 * TX drain for the deadlines. In arrival order, so that a publisher's
 * messages keep theirs.
 */
static void
ahead_retry(struct dp_lcore *lc, struct fwd_ahead *ah,
		const struct ring_table *ring, const struct peer_table *peers,
		uint64_t now)
{
	struct ahead_retry r = {
		.lc = lc,
		.ring = ring,
		.peers = peers,
		.floor = chan_epoch_floor(ring, dp.cfg.n_voters),
	};

	ah->ring = ring;
	lc->stats.c[STAT_EPOCH_EXPIRED] += send_hold_retry_late(&ah->q, now,
			ahead_release, ahead_late, &r);
}

/*
 * Hand a CONTROL frame to the control thread, which passes it on to
 * rumor-control. A flood costs the lcore a bucket check and a free per
 * frame beyond the rate, never a wait.
 */
static __rte_always_inline void
punt(struct dp_lcore *lc, struct rte_mbuf *m)
{
	if (unlikely(!token_bucket_take(&lc->punt_tb, rte_rdtsc()))) {
		lc->stats.c[STAT_PUNT_RATE]++;
		rte_pktmbuf_free(m);
	} else if (unlikely(rte_ring_mp_enqueue(dp.ctl_punt, m) != 0)) {
		lc->stats.c[STAT_PUNT_FULL]++;
		rte_pktmbuf_free(m);
	} else {
		lc->stats.c[STAT_PUNTED]++;
	}
}

/*
 * One received burst, in two passes: classify every frame and prefetch
 * the ring slot of each DATA message, then act on each verdict. The slot
 * loads of a whole burst are in flight together instead of each stalling
 * its message.
 */
static void
handle_burst(struct dp_lcore *lc, struct fwd_ahead *ah,
		const struct dp_port *in, struct rte_mbuf **pkts, uint16_t n,
		const struct ring_table *ring, const struct peer_table *peers,
		uint32_t self_id)
{
	const uint64_t epoch_be = htobe64(ring->epoch);
	const uint64_t floor = chan_epoch_floor(ring, dp.cfg.n_voters);
	/*
	 * DATA owned here goes by the channel path even without an audience
	 * while a handoff may be due: after an agreed ring change, or before
	 * the first agreed ring of a Raft cluster.
	 */
	const bool owned_check = ring->agreed ? ring->prev != NULL :
			dp.cfg.n_voters > 0;
	uint8_t verdict[DP_BURST];
	uint32_t slot[DP_BURST];
	uint32_t frame_len;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		enum frame_verdict v;

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		if (unlikely(m->nb_segs != 1)) {
			lc->stats.c[STAT_SEGMENTED]++;
			rte_pktmbuf_free(m);
			verdict[i] = FRAME_VERDICT_MAX;	/* Done with. */
			continue;
		}
		v = frame_parse(rte_pktmbuf_mtod(m, const uint8_t *),
				m->data_len, &in->self, &frame_len);
		/* Client admission (session.c): proofs checked, stripped. */
		if (unlikely(session_required) &&
				!session_admit(lc, m, in, &v, &frame_len)) {
			verdict[i] = FRAME_VERDICT_MAX;	/* Taken there. */
			continue;
		}
		lc->stats.c[v]++;
		verdict[i] = (uint8_t)v;
		if (likely(v == FRAME_DATA)) {
			slot[i] = data_slot(m, ring);
			rte_prefetch0(&ring->slot[slot[i]]);
		}
	}

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (likely(verdict[i] == FRAME_DATA)) {
			const uint32_t owner = ring->slot[slot[i]];
			const uint64_t ep = data_epoch(m);
			const bool acked = frame_hdr(m)->flags & RUMOR_F_ACK;

			/*
			 * From a member: proven, its auth block stripped. An
			 * acked PUBLISH from a client: its id and return
			 * path written (pub_ack.c).
			 */
			if (unlikely(acked) ? !pub_ack_entry(lc, m, in) :
					unlikely(!auth_data_input(lc, m))) {
				rte_pktmbuf_free(m);
				continue;
			}

			/* Routed under a newer ring: not sent back. */
			if (unlikely(ep > floor)) {
				ahead_hold(lc, ah, m, ring, ep);
				continue;
			}

			/*
			 * Ending here: its hash must be its name's (one
			 * passing through is checked where it ends).
			 */
			if (unlikely(owner == self_id) &&
					unlikely(!chan_hash_ok(frame_hdr(m)))) {
				lc->stats.c[STAT_CHAN_HASH_BAD]++;
				rte_pktmbuf_free(m);
				continue;
			}
			/*
			 * Owned here with an audience: ordered, not sunk. An
			 * acked PUBLISH is ordered even without one.
			 */
			if (unlikely(owner == self_id) && unlikely(acked)) {
				chan_ahead(lc, m, ring, peers);
				continue;
			}
			if (unlikely(owner == self_id) && (owned_check ||
					rcu_dereference(dp.aud)->n != 0) &&
					chan_owned(lc, m, ring, peers))
				continue;
			if (unlikely(!send_route(lc, m, owner, peers,
					self_id, epoch_be)))
				send_arp_hold(lc, m);
		} else if (verdict[i] == FRAME_CHAN) {
			/* A client's credentials (session.c) come before the
			 * name: checked once they are stripped. */
			if (unlikely(!(frame_hdr(m)->flags & RUMOR_F_CRED) &&
					!chan_hash_ok(frame_hdr(m)))) {
				lc->stats.c[STAT_CHAN_HASH_BAD]++;
				rte_pktmbuf_free(m);
				continue;
			}
			chan_input(lc, m, in, ring, peers);
		} else if (verdict[i] == FRAME_ARP) {
			/*
			 * Only ARP naming this port's address concerns the
			 * node; it goes to the control thread within the
			 * lcore's ARP rate, so a flood costs a check and a
			 * free per frame.
			 */
			if (!arp_for_self(rte_pktmbuf_mtod(m, const uint8_t *),
					m->data_len, in->self.ip)) {
				lc->stats.c[STAT_ARP_NOT_SELF]++;
				rte_pktmbuf_free(m);
			} else if (unlikely(!token_bucket_take(&lc->arp_tb,
					rte_rdtsc()))) {
				lc->stats.c[STAT_ARP_PUNT_RATE]++;
				rte_pktmbuf_free(m);
			} else {
				m->port = in->id;
				if (rte_ring_mp_enqueue(dp.arp_punt, m) != 0) {
					lc->stats.c[STAT_ARP_PUNT_FULL]++;
					rte_pktmbuf_free(m);
				}
			}
		} else if (verdict[i] == FRAME_CONTROL) {
			punt(lc, m);
		} else if (verdict[i] != FRAME_VERDICT_MAX) {
			rte_pktmbuf_free(m);
		}
	}
}

/* What fwd_release() needs to route a held DATA frame again. */
struct fwd_retry {
	struct dp_lcore *lc;
	const struct ring_table *ring;
	const struct peer_table *peers;
	uint32_t self_id;
	uint64_t epoch_be;
	bool changed;			/* Not the peer table last tried. */
};

/* Route a held frame again if the peer table changed: true if taken. */
static __rte_always_inline bool
fwd_release(struct rte_mbuf *m, void *arg)
{
	const struct fwd_retry *r = arg;

	return r->changed && send_route(r->lc, m,
			r->ring->slot[data_slot(m, r->ring)], r->peers,
			r->self_id, r->epoch_be);
}

/*
 * Retry held frames when the peer table has changed since the last try,
 * and drop those whose deadline passed. Frames are retried in arrival
 * order, so a channel's messages keep their order.
 */
static void
fwd_hold_retry(struct dp_lcore *lc, const struct ring_table *ring,
		const struct peer_table *peers, uint32_t self_id, uint64_t now)
{
	struct fwd_retry r = {
		.lc = lc,
		.ring = ring,
		.peers = peers,
		.self_id = self_id,
		.epoch_be = htobe64(ring->epoch),
		.changed = peers != lc->hold_peers,
	};

	lc->hold_peers = peers;
	lc->stats.c[STAT_ARP_TIMEOUT] += send_hold_retry(&lc->hold, now,
			fwd_release, &r);
}

/*
 * Send frames the control thread built (ARP, and datagrams rumor-control
 * sends), from the queue-0 lcore.
 */
static void
ctl_tx_drain(struct dp_lcore *lc)
{
	struct rte_mbuf *pkts[DP_BURST];

	for (uint16_t p = 0; p < dp.n_ports; p++) {
		unsigned n = DP_BURST;

		for (unsigned b = 0; b < DP_CTL_TX_BURSTS && n == DP_BURST;
				b++) {
			n = rte_ring_sc_dequeue_burst(dp.port[p].ctl_tx,
					(void **)pkts, DP_BURST, NULL);
			for (unsigned i = 0; i < n; i++)
				lc->stats.c[STAT_TX] += rte_eth_tx_buffer(p,
						lc->queue, lc->txb[p], pkts[i]);
			lc->stats.c[STAT_CTL_TX] += n;
		}
	}
}

static void
flush_all(struct dp_lcore *lc)
{
	for (uint16_t p = 0; p < dp.n_ports; p++)
		lc->stats.c[STAT_TX] += rte_eth_tx_buffer_flush(p, lc->queue,
				lc->txb[p]);
}

int
fwd_main(void *arg)
{
	struct dp_lcore *lc = arg;
	const uint64_t drain_tsc = (rte_get_tsc_hz() + US_PER_S - 1) /
			US_PER_S * DP_DRAIN_US;
	const uint32_t self_id = dp.cfg.node_id;
	uint64_t last_drain = rte_rdtsc();
	struct rte_mbuf *pkts[DP_BURST];
	struct fwd_ahead ahead = { .ring = NULL };

	/* A full bucket at start; --punt-rate 0 never has credit. */
	token_bucket_init(&lc->punt_tb, rte_get_tsc_hz(), dp.opt.punt_rate,
			DP_PUNT_BURST, last_drain);
	token_bucket_init(&lc->arp_tb, rte_get_tsc_hz(), ARP_PUNT_RATE,
			ARP_PUNT_BURST, last_drain);
	send_hold_init(&lc->hold, DP_ARP_WAIT_MAX, dp.opt.arp_timeout_ms);
	send_hold_init(&ahead.q, FWD_AHEAD_HOLD, FWD_AHEAD_MS);

	urcu_qsbr_register_thread();
	RTE_LOG(INFO, USER1, "lcore %u forwards on queue %u of %u port(s)\n",
			lc->lcore_id, lc->queue, dp.n_ports);

	while (!dp.quit) {
		const struct ring_table *ring = rcu_dereference(dp.ring);
		const struct peer_table *peers = rcu_dereference(dp.peers);
		uint64_t now;
		unsigned total = 0;

		/* Channel messages other lcores handed over come first. */
		if (unlikely(!rte_ring_empty(lc->chan_in)))
			chan_lcore_drain(lc, ring, peers);

		/* DATA from a newer ring goes on once this node has it. */
		if (unlikely(!send_hold_empty(&ahead.q) && ring != ahead.ring))
			ahead_retry(lc, &ahead, ring, peers, rte_rdtsc());

		/* Held frames go first once their next hop may be known. */
		if (unlikely(!send_hold_empty(&lc->hold) &&
				peers != lc->hold_peers))
			fwd_hold_retry(lc, ring, peers, self_id, rte_rdtsc());

		for (uint16_t p = 0; p < dp.n_ports; p++) {
			const struct dp_port *in = &dp.port[p];
			uint16_t n = rte_eth_rx_burst(p, lc->queue, pkts,
					DP_BURST);

			total += n;
			lc->stats.c[STAT_RX] += n;
			if (n > 0)
				handle_burst(lc, &ahead, in, pkts, n, ring,
						peers, self_id);
		}

		now = rte_rdtsc();
		if (unlikely(now - last_drain > drain_tsc)) {
			if (lc->queue == 0)
				ctl_tx_drain(lc);
			if (!send_hold_empty(&lc->hold))
				fwd_hold_retry(lc, ring, peers, self_id, now);
			if (!send_hold_empty(&ahead.q))
				ahead_retry(lc, &ahead, ring, peers, now);
			chan_timers(lc, ring, peers, now);
			flush_all(lc);
			last_drain = now;
		} else if (total == 0) {
			/*
			 * Nothing came in: what waits in the TX buffers
			 * goes now rather than at the next drain, up to
			 * 100 us later. Under load polls are never empty,
			 * so bursts stay full; at low rates this is a
			 * message's latency through each hop.
			 */
			flush_all(lc);
		}

		urcu_qsbr_quiescent_state();

		if (total == 0 && dp.opt.idle_sleep_us != 0) {
			urcu_qsbr_thread_offline();
			rte_delay_us_sleep(dp.opt.idle_sleep_us);
			urcu_qsbr_thread_online();
		}
	}

	/* Stop: send what is buffered, drop what still waits for ARP. */
	if (lc->queue == 0)
		ctl_tx_drain(lc);
	flush_all(lc);
	lc->stats.c[STAT_ARP_TIMEOUT] += send_hold_drop_all(&lc->hold);
	lc->stats.c[STAT_EPOCH_EXPIRED] += send_hold_drop_all(&ahead.q);
	urcu_qsbr_unregister_thread();
	return 0;
}
