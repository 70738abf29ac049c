/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Building and publishing the tables the lcores read. Only the control
 * thread (the main lcore) calls these: it builds a new snapshot, swaps the
 * pointer with rcu_assign_pointer, waits for a QSBR grace period, and
 * frees the old snapshot. Lcores never wait and never see a missing or
 * half-built table.
 */
#define _LGPL_SOURCE
#include <urcu/urcu-qsbr.h>

#include <stdlib.h>

#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "auth.h"
#include "chan.h"
#include "rumor/cksum.h"
#include "rumor/ring_replicas.h"
#include "rumor/sort.h"
#include "dp.h"

static uint64_t peers_gen;
/*
 * The members of the ring before the one in force: they stay routable
 * and accepted as channel peers, so that a member that left can still
 * hand over its channels (docs/channels.md, "Handoff").
 */
static struct rumor_config prev_cfg;
/*
 * The members SWIM holds alive, told by rumor-control when Raft gives the
 * ring (LINK_TABLE_F_ALIVE): accepted besides the rings' members.
 */
static struct rumor_config alive_cfg;
/* The committed epoch before the next one, told by rumor-control. */
static struct ring_table *staged_ring;
static struct rumor_config staged_cfg;

/* NUMA socket of the lcores that read the tables. */
static int
table_socket(void)
{
	return dp.n_lcores > 0 ?
			(int)rte_lcore_to_socket_id(dp.lcore[0]->lcore_id) :
			SOCKET_ID_ANY;
}

/* The largest R the configuration gives any channel. */
static unsigned
replicas_max(const struct rumor_config *cfg)
{
	unsigned r = cfg->replicas;

	for (uint32_t i = 0; i < cfg->n_replicas_for; i++)
		r = RTE_MAX(r, (unsigned)cfg->replicas_for[i].replicas);
	return RTE_MIN(r, RING_REPLICAS_MAX);
}

/*
 * The ring table of cfg's members, and in the same allocation (one free
 * for both) its replica table, as wide as the largest R (none for 1).
 */
static struct ring_table *
ring_build(const struct rumor_config *cfg, uint64_t epoch)
{
	struct ring_member *m = config_ring_members(cfg);
	const unsigned r = replicas_max(cfg);
	size_t ring_bytes, rep_bytes;
	struct ring_replicas *rep;
	uint32_t slots;
	struct ring_table *t = NULL;
	uint8_t *zone = NULL;
	int err = 0;

	if (m == NULL)
		return NULL;
	/*
	 * The zones are the epoch's (or the member lines'), so every node
	 * places the same replicas. Without memory for them no ring: one
	 * built without zones would place replicas unlike the others'.
	 */
	if (r > 1) {
		zone = config_ring_zones(cfg, &err);
		if (err != 0) {
			free(m);
			return NULL;
		}
	}
	slots = ring_table_slots(m, cfg->n_members);
	ring_bytes = RTE_ALIGN_CEIL(ring_table_bytes(slots),
			RTE_CACHE_LINE_SIZE);
	rep_bytes = r > 1 ? ring_replicas_bytes(slots, r) : 0;
	t = rte_zmalloc_socket("rumor_ring", ring_bytes + rep_bytes,
			RTE_CACHE_LINE_SIZE, table_socket());
	if (t != NULL && ring_table_build(t, m, cfg->n_members, epoch) < 0) {
		rte_free(t);
		t = NULL;
	}
	if (t != NULL && rep_bytes != 0) {
		rep = (struct ring_replicas *)((uint8_t *)t + ring_bytes);
		if (ring_replicas_build(rep, t, m, zone, cfg->n_members,
				r) == 0)
			t->replicas = rep;
		else
			RTE_LOG(ERR, USER1, "replica table not built: "
					"channels have no replicas\n");
	}
	free(zone);
	free(m);
	return t;
}

/* The checksum words a frame sent to p gets (see struct peer). */
static void
csum_fill(struct peer *p)
{
	const uint32_t self_ip = dp.cfg.address;
	const uint16_t self_port = htons(dp.cfg.udp_port);
	const uint16_t ttl = htons((uint16_t)(64u << 8 | IPPROTO_UDP));
	uint32_t addr = cksum_words32(self_ip) + cksum_words32(p->ip);

	p->csum_ip = addr + ttl;
	p->csum_udp = addr + self_port + p->udp_port;
}

static void
peer_fill(struct peer *p, uint32_t id, uint32_t ip, uint16_t udp_port,
		uint16_t dpdk_port, bool has_mac, const uint8_t *mac)
{
	memset(p, 0, sizeof(*p));
	p->id = id;
	p->ip = ip;
	p->udp_port = htons(udp_port);
	p->dpdk_port = dpdk_port;
	p->hops = 1;
	csum_fill(p);
	if (has_mac) {
		memcpy(p->mac, mac, 6);
		p->resolved = 1;
	} else {
		p->resolved = arp_neighbor(ip, p->mac) == 1;
	}
}

/*
 * A peer table for the members of cfg, and also of also (may be NULL):
 * the union keeps both the old and the new ring routable while they
 * swap. MACs come from the configuration or the ARP cache.
 */
static struct peer_table *
peers_build(const struct rumor_config *cfg, const struct rumor_config *also)
{
	uint32_t n = cfg->n_members + (also != NULL ? also->n_members : 0) + 1;
	uint32_t slots = peer_table_slots(n);
	struct peer_table *t;
	struct peer p;

	t = rte_malloc_socket("rumor_peers", peer_table_bytes(slots),
			RTE_CACHE_LINE_SIZE, table_socket());
	if (t == NULL)
		return NULL;
	peer_table_init(t, slots, ++peers_gen);
	for (int pass = 0; pass < 2; pass++) {
		const struct rumor_config *c = pass == 0 ? also : cfg;

		if (c == NULL)
			continue;
		for (uint32_t i = 0; i < c->n_members; i++) {
			const struct config_member *m = &c->members[i];

			if (m->id == cfg->node_id)
				continue;
			peer_fill(&p, m->id, m->ip, m->udp_port, c->dpdk_port,
					m->has_mac, m->mac);
			peer_table_put(t, &p);
		}
	}
	if (cfg->has_sink) {
		peer_fill(&p, cfg->node_id, cfg->sink_ip, cfg->sink_port,
				cfg->dpdk_port, cfg->sink_has_mac,
				cfg->sink_mac);
		p.hops = 0;
		peer_table_put(t, &p);
	}
	return t;
}

static int
id_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int
addr_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct member_at *)a)->key;
	uint64_t y = ((const struct member_at *)b)->key;

	return x < y ? -1 : x > y;
}

/*
 * The members' ids and addresses, each sorted (struct member_list). The
 * addresses also hold those of the members of also (may be NULL), the
 * ring before: they may still send this node what they hand over.
 */
static struct member_list *
members_build(const struct rumor_config *cfg, const struct rumor_config *also)
{
	const uint32_t n = cfg->n_members;
	const uint32_t n_also = also != NULL ? also->n_members : 0;
	size_t ids = RTE_ALIGN_CEIL(n * sizeof(uint32_t), sizeof(uint64_t));
	struct member_list *l = rte_malloc_socket("rumor_members",
			sizeof(*l) + ids + (n + n_also) *
			sizeof(struct member_at), RTE_CACHE_LINE_SIZE,
			table_socket());
	struct member_at *addr;
	uint32_t k = 0, j = 0;

	if (l == NULL)
		return NULL;
	addr = (struct member_at *)((uint8_t *)l->id + ids);
	l->n = n;
	for (uint32_t i = 0; i < n; i++) {
		const struct config_member *m = &cfg->members[i];

		l->id[i] = m->id;
		if (m->id != cfg->node_id)
			addr[k++] = (struct member_at){ .id = m->id,
				.key = (uint64_t)m->ip << 16 |
					htons(m->udp_port) };
	}
	/*
	 * The ring before's members only at addresses the ring in force
	 * does not give another node: the node at an address is the one
	 * in force.
	 */
	qsort(addr, k, sizeof(addr[0]), addr_cmp);
	l->addr = addr;
	l->n_addr = k;
	j = k;
	for (uint32_t i = 0; i < n_also; i++) {
		const struct config_member *m = &also->members[i];
		const uint64_t key = (uint64_t)m->ip << 16 | htons(m->udp_port);

		if (m->id != cfg->node_id && member_at(l, m->ip,
				htons(m->udp_port)) == 0)
			addr[j++] = (struct member_at){ .id = m->id,
				.key = key };
	}
	k = j;
	j = 0;
	qsort(l->id, n, sizeof(l->id[0]), id_cmp);
	qsort(addr, k, sizeof(addr[0]), addr_cmp);
	/* One copy of each address. */
	for (uint32_t i = 0; i < k; i++)
		if (j == 0 || addr[i].key != addr[j - 1].key)
			addr[j++] = addr[i];
	k = j;
	/* The address list leaves this node out: its own are not members'. */
	l->addr = addr;
	l->n_addr = k;
	return l;
}

/* Swap in a new peer table and free the old one after a grace period. */
static void
peers_swap(struct peer_table *t)
{
	struct peer_table *old = dp.peers;

	rcu_assign_pointer(dp.peers, t);
	urcu_qsbr_synchronize_rcu();
	rte_free(old);
	dp.ctl_stats[CTL_PUBLISH]++;
}

/* Copy the members of cfg into to (its old members freed). */
static int
members_keep(struct rumor_config *to, const struct rumor_config *cfg)
{
	struct config_member *m = malloc((cfg->n_members + 1) *
			sizeof(*m));

	if (m == NULL)
		return -1;
	memcpy(m, cfg->members, cfg->n_members * sizeof(*m));
	free(to->members);
	to->members = m;
	to->n_members = cfg->n_members;
	to->node_id = cfg->node_id;
	to->dpdk_port = cfg->dpdk_port;
	return 0;
}

static void
staged_drop(void)
{
	rte_free(staged_ring);
	staged_ring = NULL;
	free(staged_cfg.members);
	staged_cfg.members = NULL;
}

int
tables_stage_prev(const struct rumor_config *cfg)
{
	struct ring_table *r = ring_build(cfg, cfg->ring_epoch);

	staged_drop();
	if (r == NULL || members_keep(&staged_cfg, cfg) < 0) {
		rte_free(r);
		return -1;
	}
	r->agreed = true;
	staged_ring = r;
	return 0;
}

static const struct rumor_config *
prev_members(void)
{
	return prev_cfg.members != NULL ? &prev_cfg : NULL;
}

static bool
u64_has(const uint64_t *v, uint32_t n, uint64_t key)
{
	return bsearch(&key, v, n, sizeof(*v), rumor_cmp_u64) != NULL;
}

/*
 * The members whose messages this node accepts besides its ring's: the
 * ring before's, then those alive whose id and address the ring before
 * does not hold already, in out; out->members (to free) is NULL if none.
 * Sorted keys, so that a table of many members costs n log n.
 */
static int
accepted_also(struct rumor_config *out)
{
	const uint32_t n_prev = prev_cfg.members != NULL ?
			prev_cfg.n_members : 0;
	const uint32_t n_alive = alive_cfg.members != NULL ?
			alive_cfg.n_members : 0;
	struct config_member *m;
	uint64_t *ids, *addrs;
	uint32_t k = n_prev;

	memset(out, 0, sizeof(*out));
	if (n_prev + n_alive == 0)
		return 0;
	m = malloc((n_prev + n_alive) * sizeof(*m));
	ids = malloc((2 * n_prev + 1) * sizeof(*ids));
	if (m == NULL || ids == NULL) {
		free(m);
		free(ids);
		return -1;
	}
	addrs = ids + n_prev;
	for (uint32_t i = 0; i < n_prev; i++) {
		const struct config_member *c = &prev_cfg.members[i];

		m[i] = *c;
		ids[i] = c->id;
		addrs[i] = (uint64_t)c->ip << 16 | c->udp_port;
	}
	qsort(ids, n_prev, sizeof(*ids), rumor_cmp_u64);
	qsort(addrs, n_prev, sizeof(*addrs), rumor_cmp_u64);
	for (uint32_t i = 0; i < n_alive; i++) {
		const struct config_member *c = &alive_cfg.members[i];

		if (!u64_has(ids, n_prev, c->id) && !u64_has(addrs, n_prev,
				(uint64_t)c->ip << 16 | c->udp_port))
			m[k++] = *c;
	}
	free(ids);
	out->members = m;
	out->n_members = k;
	out->node_id = dp.cfg.node_id;
	out->dpdk_port = dp.cfg.dpdk_port;
	return 0;
}

int
tables_accept_alive(const struct rumor_config *cfg)
{
	struct rumor_config also;
	struct member_list *members, *old_members = dp.members;
	struct auth_table *auth, *old_auth = dp.auth;

	if (dp.ring == NULL || members_keep(&alive_cfg, cfg) < 0 ||
			accepted_also(&also) < 0)
		return -1;
	if (auth_build(&dp.cfg, also.members != NULL ? &also : NULL,
			&auth) < 0) {
		free(also.members);
		return -1;
	}
	members = members_build(&dp.cfg, also.members != NULL ? &also : NULL);
	free(also.members);
	if (members == NULL) {
		auth_table_free(auth);
		return -1;
	}
	rcu_assign_pointer(dp.members, members);
	rcu_assign_pointer(dp.auth, auth);
	urcu_qsbr_synchronize_rcu();
	rte_free(old_members);
	auth_table_free(old_auth);
	return 0;
}

int
tables_publish_config(const struct rumor_config *cfg)
{
	struct ring_table *ring, *old_ring = dp.ring;
	struct member_list *members, *old_members = dp.members;
	struct auth_table *auth, *old_auth = dp.auth;
	struct peer_table *both = NULL, *peers;
	const struct ring_table *gone, *gone_too = NULL;
	struct rumor_config also;
	bool use_staged;

	if (cfg->dpdk_port >= dp.n_ports) {
		RTE_LOG(ERR, USER1, "dpdk_port %u: only %u port(s) exist\n",
				cfg->dpdk_port, dp.n_ports);
		return -1;
	}
	/* A committed Raft epoch names itself; otherwise the next one. */
	ring = ring_build(cfg, cfg->ring_epoch != 0 ? cfg->ring_epoch :
			old_ring != NULL ? old_ring->epoch + 1 : 1);
	/*
	 * The ring before is the one in force, unless rumor-control told
	 * the committed epoch before this one and the ring in force is not
	 * it (this node joined, or missed epochs).
	 */
	use_staged = staged_ring != NULL && cfg->ring_epoch >
			staged_ring->epoch && (old_ring == NULL ||
			old_ring->epoch != staged_ring->epoch);
	if (use_staged) {
		free(prev_cfg.members);
		prev_cfg = staged_cfg;
		staged_cfg.members = NULL;
	} else if (old_ring != NULL && members_keep(&prev_cfg, &dp.cfg) < 0) {
		RTE_LOG(ERR, USER1, "out of memory building tables\n");
		rte_free(ring);
		return -1;
	}
	/* Credentials that cannot be read refuse the configuration. */
	if (accepted_also(&also) < 0 || auth_build(cfg, also.members != NULL ?
			&also : NULL, &auth) < 0) {
		free(also.members);
		rte_free(ring);
		return -1;
	}
	peers = peers_build(cfg, prev_members());
	members = members_build(cfg, also.members != NULL ? &also : NULL);
	free(also.members);
	if (old_ring != NULL)
		both = peers_build(cfg, &dp.cfg);
	if (ring == NULL || peers == NULL || members == NULL ||
			(old_ring != NULL && both == NULL)) {
		RTE_LOG(ERR, USER1, "out of memory building tables\n");
		rte_free(ring);
		rte_free(peers);
		rte_free(both);
		rte_free(members);
		auth_table_free(auth);
		return -1;
	}
	/*
	 * Old and new members together first, so that lcores still on the
	 * old ring find every owner it names; then the new ring; then the
	 * exact peer table once no lcore can hold the old ring.
	 */
	if (both != NULL)
		peers_swap(both);
	/*
	 * The new ring remembers the old one; the one before that is
	 * unreachable once no lcore holds the old ring as its own.
	 */
	gone = old_ring != NULL ? old_ring->prev : NULL;
	if (use_staged) {
		gone_too = old_ring;
		ring->prev = staged_ring;
		staged_ring = NULL;
	} else {
		ring->prev = old_ring;
		staged_drop();
	}
	ring->agreed = cfg->ring_epoch != 0;
	rcu_assign_pointer(dp.ring, ring);
	rcu_assign_pointer(dp.members, members);
	rcu_assign_pointer(dp.auth, auth);
	urcu_qsbr_synchronize_rcu();
	dp.ctl_stats[CTL_PUBLISH]++;
	peers_swap(peers);
	if (old_ring != NULL && !use_staged)
		old_ring->prev = NULL;
	rte_free((void *)(uintptr_t)gone);
	rte_free((void *)(uintptr_t)gone_too);
	rte_free(old_members);
	auth_table_free(old_auth);
	auth_log_mode();
	chan_audience_ring_changed();
	return 0;
}

int
tables_publish_peers(void)
{
	struct peer_table *t = peers_build(&dp.cfg, prev_members());

	if (t == NULL) {
		RTE_LOG(ERR, USER1, "out of memory building peer table\n");
		return -1;
	}
	peers_swap(t);
	return 0;
}

void
tables_free(void)
{
	if (dp.ring != NULL)
		rte_free((void *)(uintptr_t)dp.ring->prev);
	free(prev_cfg.members);
	prev_cfg.members = NULL;
	free(alive_cfg.members);
	alive_cfg.members = NULL;
	alive_cfg.n_members = 0;
	staged_drop();
	rte_free(dp.ring);
	rte_free(dp.peers);
	rte_free(dp.members);
	auth_table_free(dp.auth);
	dp.auth = NULL;
	dp.ring = NULL;
	dp.peers = NULL;
	dp.members = NULL;
}
