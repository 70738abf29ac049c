/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ARP service of the control thread. Lcores punt every ARP frame to
 * it; it answers requests for this node's address, learns the MACs of the
 * addresses it needs (members and sink) and resolves them with requests,
 * retried with backoff until answered and refreshed while in use. When a
 * MAC is learnt or changes, arp_timer says so, the control thread
 * publishes the peer table again (tables.c), and lcores release the frames
 * they held for it.
 *
 * Only addresses the peer table names, and the destinations of datagrams
 * rumor-control sends through the control link (arp_want), get a
 * neighbour entry, so a flood of ARP from strangers costs a lookup each
 * and no memory. Entries are kept for the life of the process (an address
 * dropped by a reload keeps its entry), so the cache holds at most every
 * address ever configured or sent to, up to ARP_NEIGH_MAX; beyond that
 * new addresses are counted, not resolved.
 */
#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "rumor/arp.h"
#include "dp.h"
#include "send.h"

#define ARP_NEIGH_MAX (RING_MEMBERS_MAX + 1)
#define ARP_RETRY_FIRST_MS 50		/* First retry of an unanswered request. */
#define ARP_RETRY_MAX_MS 1000		/* Backoff ceiling. */
#define ARP_REFRESH_S 30		/* Re-request a resolved MAC this often. */

struct neigh {
	uint32_t ip;			/* Network order. */
	uint8_t mac[6];
	bool resolved;
	uint16_t port;			/* DPDK port to ask on. */
	uint64_t next_tsc;		/* When to send the next request. */
	uint64_t backoff_ms;
};

static struct rte_hash *neigh_hash;
static struct neigh *neigh;		/* Indexed by the hash's key position. */
static bool peers_dirty;

static int
neigh_init(void)
{
	struct rte_hash_parameters hp = {
		.name = "rumor_neigh",
		.entries = ARP_NEIGH_MAX,
		.key_len = sizeof(uint32_t),
		.hash_func = rte_jhash,
		.socket_id = (int)rte_socket_id(),
	};

	if (neigh_hash != NULL)
		return 0;
	neigh_hash = rte_hash_create(&hp);
	neigh = rte_zmalloc("rumor_neigh", ARP_NEIGH_MAX * sizeof(*neigh), 0);
	if (neigh_hash == NULL || neigh == NULL) {
		RTE_LOG(ERR, USER1, "cannot allocate the ARP cache\n");
		return -1;
	}
	return 0;
}

static struct neigh *
neigh_find(uint32_t ip)
{
	int pos;

	if (neigh_hash == NULL)
		return NULL;
	pos = rte_hash_lookup(neigh_hash, &ip);
	return pos >= 0 ? &neigh[pos] : NULL;
}

/* The entry for an address the peer table needs, created if new. */
static struct neigh *
neigh_want(uint32_t ip, uint16_t port)
{
	struct neigh *n = neigh_find(ip);
	int pos;

	if (n != NULL) {
		n->port = port;		/* A reload may move it to another port. */
		return n;
	}
	if (neigh_init() < 0)
		return NULL;
	pos = rte_hash_add_key(neigh_hash, &ip);
	if (pos < 0) {
		dp.ctl_stats[CTL_ARP_CACHE_FULL]++;
		return NULL;
	}
	n = &neigh[pos];
	memset(n, 0, sizeof(*n));
	n->ip = ip;
	n->port = port;
	n->next_tsc = rte_rdtsc();
	n->backoff_ms = ARP_RETRY_FIRST_MS;
	return n;
}

int
arp_neighbor(uint32_t ip, uint8_t mac[6])
{
	const struct neigh *n = neigh_find(ip);

	if (n == NULL || !n->resolved)
		return 0;
	memcpy(mac, n->mac, 6);
	return 1;
}

static void
send_request(struct neigh *n)
{
	uint8_t f[ARP_FRAME_LEN];
	const struct dp_port *pt = &dp.port[n->port];

	arp_build(f, ARP_OP_REQUEST, pt->self.mac, pt->self.ip, NULL, n->ip);
	send_raw(n->port, f, sizeof(f));
	dp.ctl_stats[CTL_ARP_REQ_SENT]++;
}

void
arp_input(struct rte_mbuf *m)
{
	const uint16_t port = m->port;
	const struct dp_port *pt = &dp.port[port];
	struct arp_view a;
	struct neigh *n;

	dp.ctl_stats[CTL_ARP_IN]++;
	if (arp_decode(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len,
			&a) != ARP_OK) {
		dp.ctl_stats[CTL_ARP_BAD]++;
		rte_pktmbuf_free(m);
		return;
	}
	rte_pktmbuf_free(m);

	/* Learn from any ARP whose sender is an address we need. */
	n = a.spa != 0 ? neigh_find(a.spa) : NULL;
	if (n != NULL && (!n->resolved || !mac_equal(n->mac, a.sha))) {
		memcpy(n->mac, a.sha, 6);
		n->resolved = true;
		n->backoff_ms = ARP_RETRY_FIRST_MS;
		n->next_tsc = rte_rdtsc() + ARP_REFRESH_S * rte_get_tsc_hz();
		peers_dirty = true;
		dp.ctl_stats[CTL_ARP_LEARNT]++;
	}

	if (a.op == ARP_OP_REQUEST && a.tpa == pt->self.ip &&
			a.spa != pt->self.ip) {
		uint8_t f[ARP_FRAME_LEN];

		arp_build(f, ARP_OP_REPLY, pt->self.mac, pt->self.ip, a.sha,
				a.spa);
		send_raw(port, f, sizeof(f));
		dp.ctl_stats[CTL_ARP_REPLY_SENT]++;
	}
}

/*
 * Ask for an entry's MAC when due: at once for a new entry, then with
 * the delay doubling up to ARP_RETRY_MAX_MS until answered, and every
 * ARP_REFRESH_S once resolved.
 */
static void
neigh_ask(struct neigh *n, uint64_t now, uint64_t hz)
{
	if ((int64_t)(now - n->next_tsc) < 0)
		return;
	send_request(n);
	if (n->resolved) {
		n->next_tsc = now + ARP_REFRESH_S * hz;
	} else {
		n->next_tsc = now + n->backoff_ms * hz / 1000;
		n->backoff_ms *= 2;
		if (n->backoff_ms > ARP_RETRY_MAX_MS)
			n->backoff_ms = ARP_RETRY_MAX_MS;
	}
}

/* Track an address the peer table needs; ask for it when due. */
static void
arp_need(const struct peer *p, uint64_t now, uint64_t hz)
{
	struct neigh *n;

	if (p->dpdk_port >= dp.n_ports)
		return;
	n = neigh_want(p->ip, p->dpdk_port);
	if (n == NULL)
		return;
	if (p->resolved && !n->resolved)	/* Static MAC: nothing to ask. */
		return;
	neigh_ask(n, now, hz);
}

int
arp_want(uint32_t ip, uint16_t port, uint8_t mac[6])
{
	struct neigh *n;

	if (port >= dp.n_ports)
		return -1;
	n = neigh_want(ip, port);
	if (n == NULL)
		return -1;
	neigh_ask(n, rte_rdtsc(), rte_get_tsc_hz());
	if (!n->resolved)
		return 0;
	memcpy(mac, n->mac, 6);
	return 1;
}

bool
arp_timer(uint64_t now)
{
	const struct peer_table *t = dp.peers;
	uint64_t hz = rte_get_tsc_hz();
	bool learnt = peers_dirty;

	if (t == NULL)
		return false;
	for (uint32_t i = 0; i <= t->mask; i++)
		if (t->slot[i].id != 0)
			arp_need(&t->slot[i], now, hz);
	peers_dirty = false;
	return learnt;
}

void
arp_reset(void)
{
	if (neigh_hash != NULL)
		rte_hash_free(neigh_hash);
	rte_free(neigh);
	neigh_hash = NULL;
	neigh = NULL;
}
