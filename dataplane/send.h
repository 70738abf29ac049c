/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sending frames: DATA messages on their way to an owner, and the frames
 * the control thread builds.
 *
 * An lcore's part is inline, for the forwarding loop (fwd.c) and the
 * channel path: route a DATA message to its channel's owner
 * (send_route), rewrite its headers for that next hop and add it to the
 * TX buffer (send_to), or hold it until ARP knows the next hop
 * (send_arp_hold, in the lcore's struct send_hold).
 *
 * The control thread's part (send.c) builds the frames it sends: ARP
 * frames, and Ethernet/IPv4/UDP datagrams numbered by one IPv4
 * identification counter; it queues them on a port's ctl_tx ring, which
 * the queue-0 lcore sends (fwd.c).
 */
#ifndef RUMOR_SEND_H
#define RUMOR_SEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "rumor/cksum.h"
#include "rumor/parse.h"
#include "rumor/peers.h"
#include "rumor/ring.h"
#include "auth.h"
#include "dp.h"
#include "send_hold.h"

/*
 * Give a DATA frame on its way to member id its auth block; false if it
 * cannot go (counted, freed).
 */
static __rte_noinline bool
send_auth(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct auth_table *at, uint32_t id)
{
	const struct auth_peer *a = auth_peer_by_id(at, id);

	if (unlikely(a == NULL)) {
		lc->stats.c[STAT_AUTH_NO_KEY]++;
		rte_pktmbuf_free(m);
		return false;
	}
	if (unlikely(!auth_data_output(lc, m, a))) {
		rte_pktmbuf_free(m);
		return false;
	}
	return true;
}

/*
 * Rewrite a DATA frame's headers for its next hop and queue it for TX.
 * hop is 1 to spend one hop (forwarding), 0 for local delivery. The UDP
 * checksum, when present, is updated incrementally so that an error
 * already in the payload stays detectable. To a member, with auth on,
 * the frame gets its auth block last, over its final headers.
 */
static __rte_always_inline void
send_to(struct dp_lcore *lc, struct rte_mbuf *m, const struct peer *to,
		uint32_t frame_len, uint64_t epoch_be)
{
	const unsigned hop = to->hops;
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct eth_hdr *eth = (void *)p;
	struct ipv4_hdr *ip = (void *)(p + FRAME_IP_OFF);
	struct udp_hdr *udp = (void *)(p + FRAME_UDP_OFF);
	struct rumor_hdr *h = (void *)(p + FRAME_RUMOR_OFF);
	const struct dp_port *out = &dp.port[to->dpdk_port];
	/*
	 * Read every old value first and compute in registers: reading back
	 * header words just written stalls on store forwarding. The new
	 * words' sums come precomputed with the peer.
	 */
	const uint32_t old_src = ip->src, old_dst = ip->dst;
	const uint32_t old_addr = cksum_words32(old_src) +
			cksum_words32(old_dst);
	uint16_t old_ttl, new_ttl, old_hop, new_hop, uc, sent;
	uint64_t old_epoch;

	memcpy(&old_ttl, &ip->ttl, 2);	/* TTL and protocol word. */
	new_ttl = htons((uint16_t)(64u << 8 | IPPROTO_UDP));
	memcpy(&old_hop, &h->flags, 2);	/* Flags and hop limit word. */
	new_hop = htons((uint16_t)(ntohs(old_hop) - hop));
	memcpy(&old_epoch, &h->epoch, 8);
	uc = udp->check;
	if (uc != 0) {
		uc = cksum_replace(uc, old_addr + udp->src_port +
				udp->dst_port + old_hop +
				cksum_words64(old_epoch), 11,
				to->csum_udp + new_hop +
				cksum_words64(epoch_be));
		if (uc == 0)
			uc = 0xffff;	/* Zero means "no checksum". */
	}
	ip->check = cksum_replace(ip->check, old_addr + old_ttl, 5,
			to->csum_ip);

	memcpy(eth->dst, to->mac, 6);
	memcpy(eth->src, out->self.mac, 6);
	memcpy(&ip->ttl, &new_ttl, 2);
	ip->src = out->self.ip;
	ip->dst = to->ip;
	udp->src_port = out->self.udp_port;
	udp->dst_port = to->udp_port;
	udp->check = uc;
	memcpy(&h->flags, &new_hop, 2);
	memcpy(&h->epoch, &epoch_be, 8);	/* The ring it went by. */

	/* Drop Ethernet padding: the frame leaves as long as it is. */
	if (unlikely(m->pkt_len > frame_len)) {
		m->data_len = (uint16_t)frame_len;
		m->pkt_len = frame_len;
	}
	if (hop != 0) {
		const struct auth_table *at = __atomic_load_n(&dp.auth,
				__ATOMIC_CONSUME);

		if (at != NULL && !send_auth(lc, m, at, to->id))
			return;
	}
	lc->stats.c[STAT_DELIVERED - hop]++;	/* Or STAT_FORWARDED. */
	sent = rte_eth_tx_buffer(to->dpdk_port, lc->queue,
			lc->txb[to->dpdk_port], m);
	lc->stats.c[STAT_TX] += sent;
}

/*
 * Route a DATA message whose channel belongs to owner: to the sink if
 * that is this node, else to the owner. Returns false if its next hop's
 * MAC is not yet known (the caller holds the frame).
 */
static __rte_always_inline bool
send_route(struct dp_lcore *lc, struct rte_mbuf *m, uint32_t owner,
		const struct peer_table *peers, uint32_t self_id,
		uint64_t epoch_be)
{
	const struct rumor_hdr *h = rte_pktmbuf_mtod_offset(m,
			const struct rumor_hdr *, FRAME_RUMOR_OFF);
	const struct ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
			const struct ipv4_hdr *, FRAME_IP_OFF);
	uint32_t frame_len = ETH_HDR_LEN + ntohs(ip->total_len);
	/* The owner's entry; under this node's own id, the sink. */
	const struct peer *to = peer_find(peers, owner);

	if (unlikely(to == NULL)) {
		lc->stats.c[owner == self_id ? STAT_NO_SINK : STAT_NO_PEER]++;
		rte_pktmbuf_free(m);
		return true;
	}
	if (unlikely(h->hop_limit < to->hops)) {
		lc->stats.c[STAT_HOP_LIMIT]++;
		rte_pktmbuf_free(m);
		return true;
	}
	if (unlikely(!to->resolved))
		return false;
	send_to(lc, m, to, frame_len, epoch_be);
	return true;
}

/*
 * Hold a DATA frame in the lcore's queue until ARP resolves its next hop
 * (fwd.c retries it), or drop it if the queue is full.
 */
static inline void
send_arp_hold(struct dp_lcore *lc, struct rte_mbuf *m)
{
	if (!send_hold_push(&lc->hold, m)) {
		lc->stats.c[STAT_ARP_WAIT_FULL]++;
		rte_pktmbuf_free(m);
		return;
	}
	lc->stats.c[STAT_ARP_WAIT]++;
}

/*
 * A DATA message to owner's node (the sink if this node), for the channel
 * path: sent on, or held for ARP (send.c).
 */
void send_to_owner(struct dp_lcore *lc, struct rte_mbuf *m, uint32_t owner,
		const struct ring_table *ring, const struct peer_table *peers);

/*
 * The control thread's frames (send.c). Each is queued on the ctl_tx ring
 * of the port it leaves by; a frame that cannot be built is counted in
 * CTL_NOMEM, one the ring refuses in CTL_CTL_TX_FULL.
 */

/*
 * An Ethernet/IPv4/UDP frame from this node on port (the port's MAC, the
 * node's address and UDP port, DF, TTL 64, both checksums) carrying the
 * len bytes at body to ip:udp_port (both network order), padded to the
 * Ethernet minimum. Its Ethernet destination is mac, or zeros if mac is
 * NULL (see send_enqueue). NULL without an mbuf.
 */
struct rte_mbuf *send_udp_build(uint16_t port, const uint8_t *mac,
		uint32_t ip, uint16_t udp_port, const void *body, size_t len);

/*
 * Queue a frame on port's ctl_tx ring, with mac as its Ethernet
 * destination unless mac is NULL. False if the ring is full (the frame
 * is freed).
 */
bool send_enqueue(uint16_t port, struct rte_mbuf *m, const uint8_t *mac);

/*
 * send_udp_build() then send_enqueue(): a datagram to a known MAC. A
 * node-to-node channel message to a member gets its auth block on the
 * way (auth_ctl_sign), when auth is on.
 */
void send_udp(uint16_t port, const uint8_t mac[6], uint32_t ip,
		uint16_t udp_port, const void *body, size_t len);

/* A frame given whole (len bytes, padded to the minimum): ARP's. */
void send_raw(uint16_t port, const uint8_t *frame, uint16_t len);

#endif /* RUMOR_SEND_H */
