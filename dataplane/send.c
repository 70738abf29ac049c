/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The slow parts of sending frames (send.h): the channel path's way to a
 * channel's owner, and the frames the control thread builds (ARP, the
 * channel messages of chan_audience.c, the datagrams rumor-control sends),
 * queued on a port's ctl_tx ring for the queue-0 lcore. Only the control
 * thread builds frames here, so the IPv4 identification counter of its
 * datagrams is a plain static.
 */
#include <string.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "rumor/chan_cksum.h"
#include "dp.h"
#include "send.h"

#define SEND_ETH_MIN 60		/* Shortest Ethernet frame, without FCS. */

/* IPv4 identification of the datagrams the control thread builds. */
static uint16_t send_ip_id;

void
send_to_owner(struct dp_lcore *lc, struct rte_mbuf *m, uint32_t owner,
		const struct ring_table *ring, const struct peer_table *peers)
{
	if (!send_route(lc, m, owner, peers, dp.cfg.node_id,
			htobe64(ring->epoch)))
		send_arp_hold(lc, m);
}

/*
 * An mbuf from port's pool holding len bytes, the bytes past len up to
 * the Ethernet minimum zeroed; its data in *p. NULL (counted) without one.
 */
static struct rte_mbuf *
send_alloc(uint16_t port, uint16_t len, uint8_t **p)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.port[port].pool);

	if (m != NULL) {
		*p = (uint8_t *)rte_pktmbuf_append(m, len < SEND_ETH_MIN ?
				SEND_ETH_MIN : len);
		if (*p == NULL) {
			rte_pktmbuf_free(m);
			m = NULL;
		}
	}
	if (m == NULL) {
		dp.ctl_stats[CTL_NOMEM]++;
		return NULL;
	}
	if (len < SEND_ETH_MIN)
		memset(*p + len, 0, SEND_ETH_MIN - len);
	return m;
}

struct rte_mbuf *
send_udp_build(uint16_t port, const uint8_t *mac, uint32_t ip,
		uint16_t udp_port, const void *body, size_t len)
{
	const struct dp_port *pt = &dp.port[port];
	const uint16_t udp_len = (uint16_t)(8 + len);
	struct rte_mbuf *m;
	struct eth_hdr *eth;
	struct ipv4_hdr *ip4;
	struct udp_hdr *udp;
	uint8_t *p;

	m = send_alloc(port, (uint16_t)(FRAME_RUMOR_OFF + len), &p);
	if (m == NULL)
		return NULL;
	memset(p, 0, FRAME_RUMOR_OFF);
	eth = (void *)p;
	ip4 = (void *)(p + FRAME_IP_OFF);
	udp = (void *)(p + FRAME_UDP_OFF);
	if (mac != NULL)
		memcpy(eth->dst, mac, 6);
	memcpy(eth->src, pt->self.mac, 6);
	eth->type = htons(ETH_TYPE_IPV4);
	ip4->version_ihl = IPV4_VERSION_IHL;
	ip4->total_len = htons((uint16_t)(20 + udp_len));
	ip4->id = htons(send_ip_id++);
	ip4->frag_off = htons(0x4000);		/* DF: never fragmented. */
	ip4->ttl = 64;
	ip4->proto = IPPROTO_UDP;
	ip4->src = pt->self.ip;
	ip4->dst = ip;
	ip4->check = cksum_ipv4_hdr(ip4);
	udp->src_port = pt->self.udp_port;
	udp->dst_port = udp_port;
	udp->len = htons(udp_len);
	memcpy(p + FRAME_RUMOR_OFF, body, len);
	udp->check = chan_udp_cksum(ip4->src, ip4->dst, udp, udp_len, 0, 0);
	return m;
}

bool
send_enqueue(uint16_t port, struct rte_mbuf *m, const uint8_t *mac)
{
	if (mac != NULL)
		memcpy(rte_pktmbuf_mtod(m, uint8_t *), mac, 6);
	if (rte_ring_sp_enqueue(dp.port[port].ctl_tx, m) != 0) {
		dp.ctl_stats[CTL_CTL_TX_FULL]++;
		rte_pktmbuf_free(m);
		return false;
	}
	return true;
}

void
send_udp(uint16_t port, const uint8_t mac[6], uint32_t ip,
		uint16_t udp_port, const void *body, size_t len)
{
	uint8_t signed_body[RUMOR_DATAGRAM_MAX];
	const void *b;
	struct rte_mbuf *m;

	/* A node-to-node message leaves with its auth block, if auth is on. */
	len = auth_ctl_sign(ip, udp_port, body, len, signed_body,
			sizeof(signed_body), &b);
	if (len == 0)
		return;
	m = send_udp_build(port, mac, ip, udp_port, b, len);
	if (m != NULL)
		send_enqueue(port, m, NULL);
}

void
send_raw(uint16_t port, const uint8_t *frame, uint16_t len)
{
	uint8_t *p;
	struct rte_mbuf *m = send_alloc(port, len, &p);

	if (m == NULL)
		return;
	memcpy(p, frame, len);
	send_enqueue(port, m, NULL);
}
