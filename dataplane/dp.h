/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The state of one rumor-dataplane process, shared by its threads:
 * ports, forwarding lcores, the two RCU-published tables, and the rings
 * between the lcores and the control thread (the main lcore).
 */
#ifndef RUMOR_DP_H
#define RUMOR_DP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "rumor/config.h"
#include "rumor/peers.h"
#include "rumor/ring.h"
#include "rumor/parse.h"
#include "rumor/stats.h"
#include "send_hold.h"
#include "token_bucket.h"

#define DP_BURST 32
#define DP_DRAIN_US 100			/* TX buffers flushed at least this often. */
#define DP_ARP_WAIT_MAX SEND_HOLD_MAX	/* Frames an lcore holds for ARP. */
#define DP_ARP_RING_SIZE 1024		/* Punted ARP frames awaiting control. */
#define DP_CTL_TX_RING_SIZE 4096	/* Control frames awaiting an lcore:
					 * a ring change sends one per channel
					 * that moves. */
#define DP_CTL_TX_BURSTS 8		/* Bursts of them sent per drain. */
#define DP_PUNT_RING_SIZE 4096		/* CONTROL frames awaiting the link. */
#define DP_PUNT_BURST 256		/* Frames a full punt bucket allows. */
#define DP_PUNT_RATE 10000		/* Default --punt-rate, per lcore. */
#define DP_LINK_WAIT_MAX 64		/* SEND frames held for ARP (pow2,
					 * at most SEND_HOLD_MAX). */
#define DP_MAX_LCORES RTE_MAX_LCORE
#define DP_MEMBER_RING_SIZE 4096	/* Member channel control awaiting
					 * the control thread. */
#define DP_MEMBER_RATE 20000		/* Of it, a second per lcore... */
#define DP_MEMBER_BURST 2048		/* ... in bursts of up to this. */
#define DP_NACK_SLOTS 64		/* NACK answer buckets, per lcore
					 * (pow2): members share by id. */
#define DP_NACK_RATE 20000		/* RETRANSMIT and GONE frames a
					 * second to one member, per lcore... */
#define DP_NACK_BURST 2048		/* ... in bursts of up to this. */

/* The NACK answers one member (id, 0: unused) may still be sent. */
struct dp_nack_slot {
	uint32_t id;
	struct token_bucket tb;
};

/* A member's address and the node id at it. */
struct member_at {
	uint64_t key;		/* IPv4 << 16 | UDP port, network order. */
	uint32_t id;
};

/*
 * The members' ids, sorted (the gossip spread tree's order), and their
 * addresses with the node at each, sorted by address (who sent a
 * node-to-node channel message).
 */
struct member_list {
	uint32_t n;
	uint32_t n_addr;
	const struct member_at *addr;
	uint32_t id[];
};

/*
 * The node id of the member at ip:port (network order), other than this
 * node; 0 (never a node id) if none.
 */
static inline uint32_t
member_at(const struct member_list *l, uint32_t ip, uint16_t port)
{
	uint64_t key = (uint64_t)ip << 16 | port;
	uint32_t lo = 0, hi = l->n_addr;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (l->addr[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < l->n_addr && l->addr[lo].key == key ? l->addr[lo].id : 0;
}

/* True if node id is in l (may be NULL). */
static inline bool
member_list_has(const struct member_list *l, uint32_t id)
{
	uint32_t lo = 0, hi = l != NULL ? l->n : 0;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (l->id[mid] == id)
			return true;
		if (l->id[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/*
 * The member that sent a node-to-node channel message, as the receiving
 * lcore proved it (chan_dispatch.c, from_member), carried with the mbuf
 * to the channel's lcore or the control thread; 0 for a client's.
 */
static inline void
chan_sender_set(struct rte_mbuf *m, uint32_t id)
{
	m->hash.usr = id;
}

static inline uint32_t
chan_sender(const struct rte_mbuf *m)
{
	return m->hash.usr;
}

/*
 * An acked PUBLISH the control thread booked its channel for (or was
 * refused by the owned limit), sent back to its lcore (chan_owner.c):
 * carried with the mbuf, cleared where the frame enters (pub_ack.c).
 */
static inline void
chan_kept_set(struct rte_mbuf *m, bool tried)
{
	m->hash.fdir.hi = tried;
}

static inline bool
chan_kept_tried(const struct rte_mbuf *m)
{
	return m->hash.fdir.hi != 0;
}

struct aud_table;
struct auth_lcore;
struct auth_table;
struct chan_lcore;
struct ho_lcore;

/* One DPDK port. */
struct dp_port {
	uint16_t id;
	int socket;			/* NUMA socket of the device. */
	struct rte_mempool *pool;	/* RX pool, on the device's socket. */
	struct frame_self self;		/* MAC, IPv4 and UDP port to accept. */
	/* Frames built by the control thread, sent by the queue-0 lcore. */
	struct rte_ring *ctl_tx;
	bool multi_seg;			/* TX takes chained mbufs. */
	char name[RTE_ETH_NAME_MAX_LEN];
};

/* One forwarding lcore: a queue pair on every port. */
struct dp_lcore {
	struct lcore_stats stats;	/* First: cache-aligned, lcore-written. */
	unsigned lcore_id;
	uint16_t queue;			/* Its RX/TX queue index on every port. */
	struct rte_eth_dev_tx_buffer *txb[RTE_MAX_ETHPORTS];
	const struct peer_table *hold_peers; /* Last tried for hold. */
	/*
	 * The rate limits of the punt paths: CONTROL frames (--punt-rate);
	 * clients' SUBSCRIBE and UNSUBSCRIBE (CHAN_SUB_RATE); members'
	 * INTEREST, INTEREST_ACK, HANDOFF_REQ and HANDOFF (DP_MEMBER_RATE),
	 * apart so that a client flood cannot starve the members.
	 */
	struct token_bucket punt_tb;
	struct token_bucket sub_tb;
	struct token_bucket arp_tb;	/* ARP to the control thread (arp.h). */
	struct token_bucket member_tb;
	/* RETRANSMIT and GONE frames each member may be sent, per slot. */
	struct dp_nack_slot nack_tb[DP_NACK_SLOTS];
	/* Channel messages handed over by other lcores (MP/SC). */
	struct rte_ring *chan_in;
	struct chan_lcore *chan;	/* Its channels' order state. */
	struct ho_lcore *ho;		/* Channels waiting for a handoff, */
	uint32_t ho_fetching;		/* of which failovers fetching. */
	uint16_t ip_id;			/* Of the frames it builds. */
	/* Node-to-node auth (auth.h): its replay windows, its lane's counter. */
	struct auth_lcore *auth;
	uint64_t auth_ctr;
	struct send_hold hold;		/* DATA frames waiting for ARP. */
} __attribute__((aligned(64)));

/* Options after "--" (see usage in main.c). */
struct dp_options {
	const char *config_path;
	unsigned idle_sleep_us;		/* 0: poll without sleeping. */
	unsigned stats_interval_s;	/* 0: report only at exit. */
	unsigned duration_s;		/* 0: run until signalled. */
	unsigned mbufs;			/* Per pool. */
	unsigned arp_timeout_ms;	/* How long a frame may wait for ARP. */
	unsigned punt_rate;		/* CONTROL frames/s per lcore; 0: none. */
	unsigned fanout_k;		/* Gossip copies per node. */
	bool fanout_copy;		/* Copied fan-out (benchmark). */
	bool list_ports;		/* Print the ports and exit. */
};

struct dp {
	struct dp_options opt;
	struct rumor_config cfg;	/* Current configuration (control-owned). */
	uint16_t n_ports;
	struct dp_port port[RTE_MAX_ETHPORTS];
	unsigned n_lcores;
	struct dp_lcore *lcore[DP_MAX_LCORES];
	/* Published to the lcores under liburcu QSBR. */
	struct ring_table *ring;
	struct peer_table *peers;
	struct rte_ring *arp_punt;	/* lcores -> control: ARP frames. */
	struct rte_ring *ctl_punt;	/* lcores -> control: CONTROL frames. */
	/* Channels (docs/channels.md, "In the dataplane"). */
	struct aud_table *aud;		/* Audiences, published per entry. */
	struct member_list *members;	/* Sorted member ids, published. */
	struct rte_ring *sub_punt;	/* lcores -> control: clients' work. */
	struct rte_ring *member_punt;	/* lcores -> control: members'. */
	/* Members' dataplane keys (auth.h), published; NULL: auth off. */
	struct auth_table *auth;
	struct rte_mempool *hdr_pool[RTE_MAX_NUMA_NODES]; /* Fan-out headers. */
	uint64_t boot;			/* Boot number: start time in us. */
	uint32_t chan_loss;		/* Fault injection, percent (tests). */
	uint32_t link_attached;		/* A rumor-control said HELLO (atomic). */
	uint64_t ctl_stats[CTL_STAT_MAX];
	uint64_t start_tsc, stop_tsc;
	volatile sig_atomic_t quit;	/* Set by SIGINT, SIGTERM, --duration. */
};

extern struct dp dp;

/* fwd.c: the forwarding loop of one lcore (an lcore_function_t). */
int fwd_main(void *arg);

/* tables.c: build and publish tables from the configuration. */
int tables_publish_config(const struct rumor_config *cfg);
int tables_publish_peers(void);
/*
 * The committed epoch before the next table (cfg->ring_epoch), kept to
 * be that table's ring before if the ring in force is not that epoch.
 */
int tables_stage_prev(const struct rumor_config *cfg);
/*
 * The members SWIM holds alive (cfg's), whose messages this node accepts
 * besides its rings' members': the member addresses and the auth table
 * rebuilt, the ring and peer table unchanged.
 */
int tables_accept_alive(const struct rumor_config *cfg);
void tables_free(void);

/* arp.c: the control thread's ARP service. */
void arp_input(struct rte_mbuf *m);
/*
 * Ask for the MACs of the peer table's addresses when due; true if a MAC
 * was learnt or changed since the last call (the peer table is then out
 * of date: tables_publish_peers).
 */
bool arp_timer(uint64_t now);
void arp_reset(void);
int arp_neighbor(uint32_t ip, uint8_t mac[6]);
/*
 * Track any address reached on port and ask for its MAC when due, with
 * the backoff of the peers': 1 and the MAC if known, 0 if not yet, -1 if
 * it cannot be tracked (the cache is full).
 */
int arp_want(uint32_t ip, uint16_t port, uint8_t mac[6]);

/* ctl_thread.c: the control thread (runs on the main lcore). */
void ctl_loop(void);

/*
 * reload.c: configuration reloads (SIGHUP). reload_request() only sets a
 * flag, so a signal handler may call it; reload_poll(), on the control
 * thread, reloads if asked to.
 */
void reload_request(void);
void reload_poll(void);

/* stats.c: summing, telemetry and reports. */
void stats_sum(uint64_t out[STAT_MAX]);
int stats_telemetry_init(void);
void stats_print(FILE *f);

/* port.c */
int port_init_all(void);
void port_close_all(void);
void port_list(FILE *f);

#endif /* RUMOR_DP_H */
