/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ARP service of the control thread. Lcores punt the ARP frames that
 * name this node's address (within a rate, fwd.c); it answers requests
 * for that address, and resolves the addresses it needs (members and
 * sink) with requests, retried with backoff until answered and refreshed
 * while in use. When a MAC is learnt or changes, arp_timer says so (at
 * most ARP_PUBLISH_RATE times a second), the control thread publishes
 * the peer table again (tables.c), and lcores release the frames they
 * held for it.
 *
 * Anyone on the segment can send ARP, so a MAC is learnt only from an
 * answer to a request of ours still outstanding, on the port it was asked
 * on (arp_learn in rumor/arp.h); gratuitous ARP and replies nobody asked
 * for are counted and ignored, and an address with a static MAC in the
 * configuration is never asked for nor learnt. A known MAC changes only
 * through ARP_CHANGE_WINDOWS refreshes in a row that the old MAC leaves
 * unanswered and one other MAC alone answers (asked one after another);
 * a request for us from a known address with another MAC makes the
 * refresh come sooner.
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
#include "token_bucket.h"

#define ARP_NEIGH_MAX (RING_MEMBERS_MAX + 1)
#define ARP_RETRY_FIRST_MS 50		/* First retry of an unanswered request. */
#define ARP_RETRY_MAX_MS 1000		/* Backoff ceiling. */
#define ARP_REFRESH_S 30		/* Re-request a resolved MAC this often. */
#define ARP_ANSWER_MS 1000		/* A request may be answered this long. */
#define ARP_HINT_MS 1000		/* Early refreshes: at most one per entry
					 * this often. */
#define ARP_PUBLISH_RATE 4		/* Peer tables published for ARP: a
					 * second, and in one burst. */

struct neigh {
	struct arp_entry e;		/* Address, MAC, request in flight. */
	uint64_t next_tsc;		/* When to send the next request. */
	uint64_t backoff_ms;
	uint64_t hint_tsc;		/* Last early refresh. */
	uint64_t drops_at_ask;		/* punt_drops() when asked. */
	bool fixed;			/* Static MAC: ARP keeps off. */
};

static struct rte_hash *neigh_hash;
static struct neigh *neigh;		/* Indexed by the hash's key position. */
static bool peers_dirty;		/* A MAC changed: publish. */
static bool publish_deferred;		/* ...waiting for credit. */
static struct token_bucket publish_tb;

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
	token_bucket_init(&publish_tb, rte_get_tsc_hz(), ARP_PUBLISH_RATE,
			ARP_PUBLISH_RATE, rte_rdtsc());
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
		n->e.port = port;	/* A reload may move it to another port. */
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
	n->e.ip = ip;
	n->e.port = port;
	n->next_tsc = rte_rdtsc();
	n->backoff_ms = ARP_RETRY_FIRST_MS;
	return n;
}

int
arp_neighbor(uint32_t ip, uint8_t mac[6])
{
	const struct neigh *n = neigh_find(ip);

	if (n == NULL || !n->e.resolved)
		return 0;
	memcpy(mac, n->e.mac, 6);
	return 1;
}

/*
 * ARP frames naming this node that lcores dropped so far (rate, full
 * ring). Read from the lcores' counters, as stats.c does.
 */
static uint64_t
punt_drops(void)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < dp.n_lcores; i++) {
		const struct dp_lcore *lc = dp.lcore[i];

		sum += lc->stats.c[STAT_ARP_PUNT_RATE] +
				lc->stats.c[STAT_ARP_PUNT_FULL];
	}
	return sum;
}

static void
send_request(struct neigh *n, uint64_t now)
{
	uint8_t f[ARP_FRAME_LEN];
	const struct dp_port *pt = &dp.port[n->e.port];

	arp_build(f, ARP_OP_REQUEST, pt->self.mac, pt->self.ip, NULL,
			n->e.ip);
	send_raw(n->e.port, f, sizeof(f));
	arp_asked(&n->e, now);
	n->drops_at_ask = punt_drops();
	dp.ctl_stats[CTL_ARP_REQ_SENT]++;
}

/*
 * True if the configuration gives peer p a static MAC: ARP never asks
 * for nor learns its address. A peer of the ring before (not in dp.cfg)
 * that the peer table holds resolved while ARP has nothing is one too.
 */
static bool
peer_static(const struct peer *p, const struct neigh *n)
{
	const struct config_member *m;

	if (p->id == dp.cfg.node_id)
		return dp.cfg.has_sink && dp.cfg.sink_has_mac &&
				dp.cfg.sink_ip == p->ip;
	m = config_member_find(&dp.cfg, p->id);
	if (m != NULL && m->has_mac && m->ip == p->ip)
		return true;
	return p->resolved && !n->e.resolved;
}

/*
 * Close n's request when its window has passed: a MAC change lands, if
 * no ARP naming us was dropped meanwhile (under a flood, the old MAC's
 * answer may have been one of them).
 */
static void
neigh_settle(struct neigh *n, uint64_t now)
{
	bool lossy = n->e.has_candidate && punt_drops() != n->drops_at_ask;

	switch (arp_settle(&n->e, now, ARP_ANSWER_MS * rte_get_tsc_hz() / 1000,
			lossy)) {
	case ARP_SETTLE_CHANGED:
		dp.ctl_stats[CTL_ARP_MAC_CHANGED]++;
		peers_dirty = true;
		break;
	case ARP_SETTLE_REFUSED:
		dp.ctl_stats[CTL_ARP_CHANGE_REFUSED]++;
		break;
	case ARP_SETTLE_PENDING:
		n->next_tsc = now;	/* The next window, at once. */
		break;
	case ARP_SETTLE_NONE:
		break;
	}
}

/* Apply a decoded ARP frame, received on port, to the entry of its sender. */
static void
neigh_learn(struct neigh *n, const struct arp_view *a, uint16_t port,
		uint64_t now)
{
	const struct dp_port *pt = &dp.port[port];
	const uint64_t hz = rte_get_tsc_hz();

	if (n->fixed) {
		dp.ctl_stats[CTL_ARP_STATIC_IGNORED]++;
		return;
	}
	neigh_settle(n, now);	/* A window that has passed is closed. */
	switch (arp_learn(&n->e, a, port, pt->self.ip, pt->self.mac, now,
			ARP_ANSWER_MS * hz / 1000)) {
	case ARP_LEARN_FIRST:
		n->backoff_ms = ARP_RETRY_FIRST_MS;
		n->next_tsc = now + ARP_REFRESH_S * hz;
		peers_dirty = true;
		dp.ctl_stats[CTL_ARP_LEARNT]++;
		break;
	case ARP_LEARN_UNSOLICITED:
		dp.ctl_stats[CTL_ARP_UNSOLICITED]++;
		break;
	case ARP_LEARN_CONFLICT:
		dp.ctl_stats[CTL_ARP_CONFLICT]++;
		break;
	case ARP_LEARN_HINT:
		/* Ask now, at most once per ARP_HINT_MS: never learnt. */
		dp.ctl_stats[CTL_ARP_HINT]++;
		if (!n->e.asking && now - n->hint_tsc >= ARP_HINT_MS * hz /
				1000) {
			n->hint_tsc = now;
			n->next_tsc = now;
		}
		break;
	case ARP_LEARN_NONE:
	case ARP_LEARN_CONFIRMED:
	case ARP_LEARN_CANDIDATE:
		break;
	}
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

	n = a.spa != 0 ? neigh_find(a.spa) : NULL;
	if (n != NULL)
		neigh_learn(n, &a, port, rte_rdtsc());
	else if (a.op == ARP_OP_REPLY)
		dp.ctl_stats[CTL_ARP_UNSOLICITED]++;

	/* Same size back to the asker's own MAC: nothing to amplify. */
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
	neigh_settle(n, now);
	if ((int64_t)(now - n->next_tsc) < 0)
		return;
	send_request(n, now);
	if (n->e.resolved) {
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
	n->fixed = peer_static(p, n);
	if (n->fixed)			/* Nothing to ask. */
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
	if (!n->e.resolved)
		return 0;
	memcpy(mac, n->e.mac, 6);
	return 1;
}

bool
arp_timer(uint64_t now)
{
	const struct peer_table *t = dp.peers;
	uint64_t hz = rte_get_tsc_hz();

	if (t == NULL)
		return false;
	for (uint32_t i = 0; i <= t->mask; i++)
		if (t->slot[i].id != 0)
			arp_need(&t->slot[i], now, hz);
	if (!peers_dirty)
		return false;
	/*
	 * Publishing costs the lcores a new table and the control thread a
	 * grace period: a few a second, and what changed meanwhile lands
	 * with the next.
	 */
	if (!token_bucket_take(&publish_tb, now)) {
		if (!publish_deferred)
			dp.ctl_stats[CTL_ARP_PUBLISH_DEFERRED]++;
		publish_deferred = true;
		return false;
	}
	peers_dirty = false;
	publish_deferred = false;
	return true;
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
