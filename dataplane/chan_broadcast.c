/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Broadcast channels (names starting with '@'), on the channel's lcore
 * (docs/channels.md, "Broadcast channels"): no owner, no order. A
 * message entering at this node is counted under this lcore's lane and
 * spread by gossip; each node delivers it once to its local subscribers
 * (the lcore's dedup of publish ids tells) and sends GOSSIP copies on to
 * k members, the origin's spread tree first, while hops are left.
 */
#define _LGPL_SOURCE
#include <urcu/urcu-qsbr.h>

#include <time.h>

#include <rte_cycles.h>
#include <rte_random.h>

#include "chan_broadcast.h"

/*
 * GOSSIP copies of a broadcast message to k members: the origin's spread
 * tree first, then members at random.
 */
static void
gossip_spread(struct dp_lcore *lc, struct fan_msg *f, uint32_t origin)
{
	const struct member_list *ml = rcu_dereference(dp.members);
	const struct peer_table *peers = rcu_dereference(dp.peers);
	const uint32_t k = dp.opt.fanout_k, self = dp.cfg.node_id;
	uint32_t idx[CHAN_FANOUT_K_MAX], sent[CHAN_FANOUT_K_MAX];
	uint32_t o = UINT32_MAX, me = UINT32_MAX, n_sent = 0, n_d = 0, c;
	struct chan_dest d[CHAN_FANOUT_K_MAX];

	if (ml == NULL || ml->n < 2)
		return;
	for (uint32_t i = 0; i < ml->n; i++) {
		if (ml->id[i] == origin)
			o = i;
		if (ml->id[i] == self)
			me = i;
	}
	c = o != UINT32_MAX && me != UINT32_MAX ?
			gossip_children(ml->n, o, me, k, idx) : 0;
	for (uint32_t i = 0; i < c; i++)
		sent[n_sent++] = ml->id[idx[i]];
	/* Random members up to k: not self, not the origin, not twice. */
	for (uint32_t tries = 0; n_sent < k && tries < 4 * k; tries++) {
		uint32_t id = ml->id[rte_rand_max(ml->n)], j;

		if (id == self || id == origin)
			continue;
		for (j = 0; j < n_sent && sent[j] != id; j++)
			;
		if (j == n_sent)
			sent[n_sent++] = id;
	}
	for (uint32_t i = 0; i < n_sent; i++) {
		if (fan_member(peers, sent[i], &d[n_d]))
			n_d++;
		else
			lc->stats.c[STAT_CHAN_NO_ROUTE]++;
	}
	fan_send_n(lc, f, d, n_d, STAT_GOSSIP_FORWARDED);
}

/*
 * This node's wall clock in microseconds, as boot numbers count. A boot
 * up to this dataplane's own plus the allowance is taken without asking
 * the clock (it cannot be ahead of it by more); the clock is read (vDSO)
 * only for the rest.
 */
static inline uint64_t
gossip_clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

void
broadcast_input(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct rumor_hdr *h, const struct ring_table *ring)
{
	const uint16_t clen = ntohs(h->channel_len);
	const uint16_t plen = ntohs(h->payload_len);
	const uint64_t now = rte_rdtsc();
	const struct aud_entry *e;
	const struct member_list *ml;
	struct chan_gossip g;
	struct fan_msg f;
	enum gossip_verdict v;
	uint32_t origin, off;
	uint64_t pubid, msg_len;
	uint8_t hops;

	if (h->type == RUMOR_T_DATA) {
		if (plen > chan_payload_max(clen)) {
			chan_drop(lc, m, STAT_CHAN_TOO_BIG);
			return;
		}
		origin = dp.cfg.node_id;
		pubid = chan_publish_id(lc);
		g.boot = dp.boot;
		ml = rcu_dereference(dp.members);
		hops = gossip_hop_limit(ml != NULL ? ml->n : 1,
				dp.opt.fanout_k);
		off = 0;
		lc->stats.c[STAT_CHAN_STAMPED]++;
	} else {
		if (chan_gossip_decode(rumor_hdr_payload(h), plen, &g) !=
				CHAN_WIRE_OK) {
			chan_drop(lc, m, STAT_CHAN_BAD);
			return;
		}
		if (plen - CHAN_GOSSIP_LEN > chan_payload_max(clen)) {
			/* It could not be delivered, nor sent on whole. */
			chan_drop(lc, m, STAT_GOSSIP_TOO_BIG);
			return;
		}
		if (g.boot > dp.boot + GOSSIP_BOOT_AHEAD_US &&
				!gossip_boot_ok(g.boot, gossip_clock_us())) {
			chan_drop(lc, m, STAT_GOSSIP_BOOT_AHEAD);
			return;
		}
		origin = ntohl(h->origin);
		pubid = be64toh(h->seq);
		hops = h->hop_limit;
		off = CHAN_GOSSIP_LEN;
	}
	v = gossip_check(&lc->chan->dedup, origin, g.boot, pubid, now);
	if (v != GOSSIP_NEW) {
		chan_drop(lc, m, v == GOSSIP_DUP ? STAT_GOSSIP_DUP :
				STAT_GOSSIP_OLD);
		return;
	}
	lc->stats.c[STAT_GOSSIP_LANES_EVICTED] = lc->chan->dedup.evicted;
	lc->stats.c[STAT_GOSSIP_RX]++;
	msg_len = plen - off;
	/*
	 * The name stays where it is in the buffer: the adj below only moves
	 * the data offset, and this function holds its reference to the end.
	 */
	fan_init(&f, h, RUMOR_T_DELIVER, 0, origin, ring->epoch, pubid);
	fan_ord(&f, 0, 0, true);
	fan_msg_segment(&f, m, FRAME_RUMOR_OFF + sizeof(*h) + clen + off,
			(uint32_t)msg_len);
	e = aud_find(rcu_dereference(dp.aud), f.hash, f.name, f.name_len);
	if (e != NULL)
		fan_deliver_local(lc, &f, e);
	if (hops > 0) {
		struct chan_gossip out = { .boot = g.boot };

		f.type = RUMOR_T_GOSSIP;
		f.hop_limit = (uint8_t)(hops - 1);
		f.fixed_len = (uint16_t)chan_gossip_encode(&out, f.fixed,
				sizeof(f.fixed));
		gossip_spread(lc, &f, origin);
	}
	rte_pktmbuf_free(m);
}
