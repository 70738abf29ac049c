/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port set-up: one RX/TX queue pair per forwarding lcore on every port,
 * RSS across them when there is more than one (hash types masked to what
 * the device offers), and mbuf pools on each device's NUMA socket.
 */
#include <numa.h>
#include <stdio.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "chan.h"
#include "dp.h"

#define PORT_RXD 1024
#define PORT_TXD 1024
#define POOL_CACHE 256

static struct rte_mempool *pools[RTE_MAX_NUMA_NODES];

/*
 * The NUMA node a port's buffers belong on: the device's own, or for a
 * device with none (a vdev) the node of the first forwarding lcore's CPU.
 */
static int
port_socket(uint16_t id)
{
	int s = rte_eth_dev_socket_id(id);

	if (s >= 0 || dp.n_lcores == 0)
		return s;
	if (numa_available() >= 0) {
		s = numa_node_of_cpu((int)rte_lcore_to_cpu_id(
				(int)dp.lcore[0]->lcore_id));
		if (s >= 0)
			return s;
	}
	return (int)rte_lcore_to_socket_id(dp.lcore[0]->lcore_id);
}

/*
 * Mbufs a pool needs: every RX and TX descriptor of its ports' queues, a
 * burst and a cache per lcore, the frames held for ARP, and the rings to
 * and from the control thread. Channels keep buffers too (history, held
 * messages): their budgets are a share of what the pool has beyond this
 * (chan_owner.c), so a larger --mbufs buys longer histories.
 */
static unsigned
pool_size(void)
{
	uint64_t n = (uint64_t)dp.n_ports * dp.n_lcores *
			(PORT_RXD + PORT_TXD) + dp.n_lcores * (POOL_CACHE +
			DP_BURST * (dp.n_ports + 1) + DP_ARP_WAIT_MAX) +
			DP_CTL_TX_RING_SIZE * dp.n_ports + DP_ARP_RING_SIZE +
			DP_PUNT_RING_SIZE + DP_LINK_WAIT_MAX;
	unsigned s = 8191;

	while (s < n)
		s = s * 2 + 1;		/* 2^k - 1: the best size for a mempool. */
	return s;
}

/*
 * The fan-out header pool of a socket (fanout.h): small buffers for the
 * headers each copy of a message gets in front of the shared message.
 */
static int
hdr_pool_for(int socket, unsigned idx)
{
	char name[RTE_MEMPOOL_NAMESIZE];

	if (dp.hdr_pool[idx] != NULL)
		return 0;
	snprintf(name, sizeof(name), "rumor_hdr_%u", idx);
	dp.hdr_pool[idx] = rte_pktmbuf_pool_create(name, CHAN_HDR_MBUFS,
			POOL_CACHE, 0, RTE_PKTMBUF_HEADROOM + CHAN_HDR_ROOM,
			socket < 0 ? SOCKET_ID_ANY : socket);
	if (dp.hdr_pool[idx] == NULL) {
		RTE_LOG(ERR, USER1, "cannot create %u header mbufs on socket "
				"%d: %s (raise EAL -m)\n", CHAN_HDR_MBUFS,
				socket, rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

/* The pool for a socket, created on first use. */
static struct rte_mempool *
pool_for(int socket)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned idx = socket < 0 ? 0 : (unsigned)socket;

	if (idx >= RTE_MAX_NUMA_NODES)
		idx = 0;
	if (hdr_pool_for(socket, idx) < 0)
		return NULL;
	if (pools[idx] != NULL)
		return pools[idx];
	if (dp.opt.mbufs == 0)
		dp.opt.mbufs = pool_size();
	snprintf(name, sizeof(name), "rumor_pool_%u", idx);
	pools[idx] = rte_pktmbuf_pool_create(name, dp.opt.mbufs, POOL_CACHE, 0,
			RTE_MBUF_DEFAULT_BUF_SIZE,
			socket < 0 ? SOCKET_ID_ANY : socket);
	if (pools[idx] == NULL)
		RTE_LOG(ERR, USER1, "cannot create %u mbufs on socket %d: %s "
				"(raise EAL -m or lower --mbufs)\n",
				dp.opt.mbufs, socket, rte_strerror(rte_errno));
	return pools[idx];
}

static int
port_init(uint16_t id)
{
	struct dp_port *pt = &dp.port[id];
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	struct rte_ether_addr mac;
	uint16_t nq = (uint16_t)dp.n_lcores, nrxd = PORT_RXD, ntxd = PORT_TXD;
	char ring_name[RTE_RING_NAMESIZE];
	int rc;

	pt->id = id;
	pt->socket = port_socket(id);
	rte_eth_dev_get_name_by_port(id, pt->name);
	rc = rte_eth_dev_info_get(id, &info);
	if (rc != 0) {
		RTE_LOG(ERR, USER1, "port %u (%s): no device info: %s\n", id,
				pt->name, rte_strerror(-rc));
		return -1;
	}
	if (info.max_rx_queues < nq || info.max_tx_queues < nq) {
		RTE_LOG(ERR, USER1, "port %u (%s) offers %u RX and %u TX "
				"queues; %u forwarding lcores need %u of each "
				"(use fewer lcores, or a device option such as "
				"net_af_packet's qpairs=N)\n", id, pt->name,
				info.max_rx_queues, info.max_tx_queues,
				nq, nq);
		return -1;
	}
	if (nq > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IP |
				RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
		if (conf.rx_adv_conf.rss_conf.rss_hf == 0) {
			RTE_LOG(WARNING, USER1, "port %u (%s) has no RSS: its "
					"driver alone spreads frames over "
					"queues\n", id, pt->name);
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
		}
	}
	pt->pool = pool_for(pt->socket);
	if (pt->pool == NULL)
		return -1;
	/*
	 * Fan-out chains a header mbuf to a shared message segment; without
	 * multi-segment TX it copies each frame into one segment instead.
	 */
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
		pt->multi_seg = true;
	} else {
		RTE_LOG(WARNING, USER1, "port %u (%s) has no multi-segment "
				"TX: channel fan-out copies each frame "
				"(chan_fanout_copied)\n", id, pt->name);
	}
	rc = rte_eth_dev_configure(id, nq, nq, &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(id, &nrxd, &ntxd);
	for (uint16_t q = 0; rc == 0 && q < nq; q++)
		rc = rte_eth_rx_queue_setup(id, q, nrxd, pt->socket, NULL,
				pt->pool);
	for (uint16_t q = 0; rc == 0 && q < nq; q++)
		rc = rte_eth_tx_queue_setup(id, q, ntxd, pt->socket, NULL);
	if (rc == 0)
		rc = rte_eth_macaddr_get(id, &mac);
	if (rc == 0)
		rc = rte_eth_dev_start(id);
	if (rc != 0) {
		RTE_LOG(ERR, USER1, "port %u (%s): set-up failed: %s\n", id,
				pt->name, rte_strerror(rc < 0 ? -rc : rc));
		return -1;
	}
	memcpy(pt->self.mac, mac.addr_bytes, 6);
	pt->self.ip = dp.cfg.address;
	pt->self.udp_port = htons(dp.cfg.udp_port);

	snprintf(ring_name, sizeof(ring_name), "rumor_ctl_tx_%u", id);
	pt->ctl_tx = rte_ring_create(ring_name, DP_CTL_TX_RING_SIZE,
			pt->socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (pt->ctl_tx == NULL) {
		RTE_LOG(ERR, USER1, "port %u: cannot create control TX ring\n",
				id);
		return -1;
	}
	RTE_LOG(INFO, USER1, "port %u (%s) " RTE_ETHER_ADDR_PRT_FMT
			" socket %d, %u queue pair(s)\n", id, pt->name,
			RTE_ETHER_ADDR_BYTES(&mac), pt->socket, nq);
	return 0;
}

int
port_init_all(void)
{
	uint16_t id;

	dp.n_ports = 0;
	RTE_ETH_FOREACH_DEV(id) {
		if (id != dp.n_ports) {
			RTE_LOG(ERR, USER1, "port ids are not contiguous\n");
			return -1;
		}
		dp.n_ports++;
	}
	if (dp.n_ports == 0) {
		RTE_LOG(ERR, USER1, "no ports: give a NIC or a --vdev\n");
		return -1;
	}
	for (id = 0; id < dp.n_ports; id++)
		if (port_init(id) < 0)
			return -1;
	for (id = 0; id < dp.n_ports; id++) {
		struct rte_eth_link link;

		if (rte_eth_link_get_nowait(id, &link) == 0 &&
				link.link_status == RTE_ETH_LINK_DOWN)
			RTE_LOG(WARNING, USER1, "port %u: link is down\n", id);
	}
	return 0;
}

void
port_close_all(void)
{
	for (uint16_t id = 0; id < dp.n_ports; id++) {
		struct rte_mbuf *m = NULL;

		rte_eth_dev_stop(id);
		rte_eth_dev_close(id);
		while (dp.port[id].ctl_tx != NULL &&
				rte_ring_dequeue(dp.port[id].ctl_tx,
				(void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(dp.port[id].ctl_tx);
		dp.port[id].ctl_tx = NULL;
	}
}

void
port_list(FILE *f)
{
	uint16_t id;

	RTE_ETH_FOREACH_DEV(id) {
		struct rte_eth_dev_info info;
		struct rte_ether_addr mac;
		char name[RTE_ETH_NAME_MAX_LEN];

		if (rte_eth_dev_info_get(id, &info) != 0 ||
				rte_eth_macaddr_get(id, &mac) != 0 ||
				rte_eth_dev_get_name_by_port(id, name) != 0)
			continue;
		fprintf(f, "port %u name %s driver %s mac "
				RTE_ETHER_ADDR_PRT_FMT " socket %d "
				"max_rxq %u max_txq %u\n", id, name,
				info.driver_name, RTE_ETHER_ADDR_BYTES(&mac),
				rte_eth_dev_socket_id(id), info.max_rx_queues,
				info.max_tx_queues);
	}
}
