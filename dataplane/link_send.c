/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SEND, the datagrams rumor-control sends through the control link. Each
 * becomes an Ethernet/IPv4/UDP frame from this node (send.c) to a
 * destination on this node's Ethernet segment (there is no gateway),
 * queued on the ctl_tx ring of dpdk_port once the destination's MAC is
 * known: a static MAC of the configuration (member_table.c), or ARP's,
 * asked for on demand with the backoff of the peers (arp.c). Until then
 * the frame waits in the control thread's hold queue, at most
 * --arp-timeout; frames to one destination leave in the order they came.
 */
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "dp.h"
#include "link_send.h"
#include "link_server.h"
#include "member_table.h"
#include "send.h"

/* SEND frames waiting for their destination's MAC. */
static struct send_hold hold;

void
link_send_init(void)
{
	send_hold_init(&hold, DP_LINK_WAIT_MAX, dp.opt.arp_timeout_ms);
}

/*
 * The MAC of a destination on the segment: static, or from ARP, which
 * asks for it when due (and refreshes it while it is in use). 1 and the
 * MAC, 0 if not known yet, -1 if ARP cannot track it.
 */
static int
dest_mac(uint32_t ip, uint8_t mac[6])
{
	if (member_table_static_mac(ip, mac) == 1)
		return 1;
	return arp_want(ip, dp.cfg.dpdk_port, mac);
}

/* Queue a finished frame for the queue-0 lcore. */
static void
dest_queue(struct rte_mbuf *m, const uint8_t mac[6])
{
	if (send_enqueue(dp.cfg.dpdk_port, m, mac))
		dp.ctl_stats[CTL_SEND_QUEUED]++;
}

/* A held frame goes if its destination is now known. */
static bool
dest_release(struct rte_mbuf *m, void *arg __rte_unused)
{
	const struct ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
			const struct ipv4_hdr *, FRAME_IP_OFF);
	uint8_t mac[6];

	if (dest_mac(ip->dst, mac) != 1)
		return false;
	dest_queue(m, mac);
	return true;
}

/*
 * Release held frames whose destination is now known, in the order they
 * came, and drop those past their deadline. Asking again for the others
 * follows ARP's backoff.
 */
static void
hold_retry(uint64_t now)
{
	dp.ctl_stats[CTL_SEND_TIMEOUT] += send_hold_retry(&hold, now,
			dest_release, NULL);
}

bool
link_send_dgram(const struct link_datagram *d, char *warn, size_t len)
{
	struct rte_mbuf *m;
	uint8_t mac[6];
	char ip[16];
	int known;

	if (!link_ip_usable(d->ip) || d->ip == dp.cfg.address) {
		dp.ctl_stats[CTL_SEND_BAD]++;
		snprintf(warn, len, "SEND to %s:%u refused: not a unicast "
				"address of another host",
				link_ip_str(d->ip, ip, sizeof(ip)),
				d->udp_port);
		return true;
	}
	m = send_udp_build(dp.cfg.dpdk_port, NULL, d->ip, htons(d->udp_port),
			d->data, d->len);
	if (m == NULL)
		return false;
	/* Earlier frames to a destination just resolved go first. */
	if (!send_hold_empty(&hold))
		hold_retry(rte_rdtsc());
	known = dest_mac(d->ip, mac);
	if (known == 1) {
		dest_queue(m, mac);
		return false;
	}
	if (known < 0 || !send_hold_push(&hold, m)) {
		dp.ctl_stats[CTL_SEND_WAIT_FULL]++;
		rte_pktmbuf_free(m);
		return false;
	}
	dp.ctl_stats[CTL_SEND_ARP_WAIT]++;
	return false;
}

void
link_send_timer(uint64_t now)
{
	if (!send_hold_empty(&hold))
		hold_retry(now);
}

void
link_send_free(void)
{
	dp.ctl_stats[CTL_SEND_TIMEOUT] += send_hold_drop_all(&hold);
}
