/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Node-to-node authentication (auth.h): the auth table the control
 * thread builds from node_key and the roster, the input check and strip
 * of the lcores, the block a forwarded DATA frame gets, and the block of
 * what the control thread sends.
 */
#define _LGPL_SOURCE
#include <urcu/urcu-qsbr.h>

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <sodium.h>

#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "auth.h"

/* 2020-01-01T00:00:00Z in seconds since the Unix epoch. */
#define AUTH_EPOCH_2020 1577836800u

/* The control thread's lane counter. */
static uint64_t ctl_ctr;

uint64_t
auth_ctr_start(void)
{
	struct timeval tv;
	uint64_t us;

	gettimeofday(&tv, NULL);
	us = (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
	us = us > (uint64_t)AUTH_EPOCH_2020 * 1000000u ?
			us - (uint64_t)AUTH_EPOCH_2020 * 1000000u : 0;
	/*
	 * 64 counters per microsecond of downtime: a lane that sent fewer
	 * than that on average starts above where it stopped.
	 */
	return (us << 6) & NODE_AUTH_CTR_MASK;
}

static int
peer_addr_cmp(const void *a, const void *b)
{
	const struct auth_peer *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static const struct auth_table *sort_table;

static int
peer_id_cmp(const void *a, const void *b)
{
	uint32_t x = sort_table->peer[*(const uint32_t *)a].id;
	uint32_t y = sort_table->peer[*(const uint32_t *)b].id;

	return x < y ? -1 : x > y;
}

/* Whether a table was built before, for auth_log_mode(). */
static int mode_logged = -1;

void
auth_log_mode(void)
{
	int on = dp.auth != NULL;

	if (mode_logged == on)
		return;
	mode_logged = on;
	if (on)
		RTE_LOG(INFO, USER1, "node-to-node messages authenticated: "
				"keys for %u member(s)\n", dp.auth->n);
	else
		RTE_LOG(WARNING, USER1, "node-to-node messages NOT "
				"authenticated: no node_key and roster "
				"configured (development only)\n");
}

/*
 * This node's own keys across reloads (the control thread's): the key in
 * force, and the one before it while the roster still lists it (auth.h,
 * "Rotation"). Set only by auth_build.
 */
static struct node_key own_cur, own_prev;
static bool have_cur, have_prev;

/* Whether the roster lists pk as one of node id's keys. */
static bool
roster_lists(const struct roster *r, uint32_t id, const uint8_t *pk)
{
	const struct roster_node *rn = roster_find(r, id);

	for (uint32_t k = 0; rn != NULL && k < rn->n; k++)
		if (node_keys_equal(rn->pk[k], pk, NODE_PK_LEN))
			return true;
	return false;
}

/*
 * Add the members of c not yet in t (n so far) with their keys, under
 * this node's n_own keys (own[0] the one in force).
 */
static void
add_members(struct auth_table *t, uint32_t *n, const struct rumor_config *c,
		const struct node_key *const *own, uint32_t n_own,
		const struct roster *r)
{
	const uint32_t self_id = own[0]->id;

	for (uint32_t i = 0; c != NULL && i < c->n_members; i++) {
		const struct config_member *m = &c->members[i];
		const struct roster_node *rn;
		struct auth_peer *p;
		bool dup = false, have_tx = false;

		if (m->id == self_id)
			continue;
		for (uint32_t j = 0; j < *n && !dup; j++)
			dup = t->peer[j].id == m->id;
		rn = roster_find(r, m->id);
		if (dup || rn == NULL)
			continue;	/* Unknown to the roster: refused. */
		p = &t->peer[*n];
		memset(p, 0, sizeof(*p));
		p->id = m->id;
		/* As frames carry them: both in network order. */
		p->addr = (uint64_t)m->ip << 16 | htons(m->udp_port);
		/*
		 * What it is sent is tagged for its oldest key, which it
		 * holds until its rotation is over; any of its keys may sign
		 * for it, to any of this node's.
		 */
		for (uint32_t o = 0; o < n_own; o++) {
			for (uint32_t k = 0; k < rn->n; k++) {
				struct pair_keys to, from;

				if (pair_keys_derive(own[o], m->id, rn->xpk[k],
						&to, &from) < 0)
					continue;
				if (o == 0 && !have_tx) {
					memcpy(p->tx, to.dp, NODE_AUTH_KEY_LEN);
					have_tx = true;
				}
				memcpy(p->rx[p->n_rx++], from.dp,
						NODE_AUTH_KEY_LEN);
				sodium_memzero(&to, sizeof(to));
				sodium_memzero(&from, sizeof(from));
			}
		}
		if (have_tx)
			(*n)++;
	}
}

int
auth_build(const struct rumor_config *cfg, const struct rumor_config *also,
		struct auth_table **out)
{
	const uint32_t cap = cfg->n_members + (also != NULL ?
			also->n_members : 0) + 1;
	struct node_key self, prev;
	const struct node_key *own[AUTH_OWN_KEYS] = { &self, &prev };
	struct roster r;
	struct auth_table *t;
	uint32_t *by_id;
	uint32_t n = 0, n_own = 1;
	char err[256];

	*out = NULL;
	if (cfg->node_key[0] == '\0' && cfg->roster[0] == '\0') {
		node_key_wipe(&own_cur);
		node_key_wipe(&own_prev);
		have_cur = have_prev = false;
		return 0;
	}
	if (cfg->node_key[0] == '\0' || cfg->roster[0] == '\0') {
		RTE_LOG(ERR, USER1, "node_key and roster go together: set "
				"both or neither\n");
		return -1;
	}
	if (node_key_load(cfg->node_key, &self, err, sizeof(err)) < 0) {
		RTE_LOG(ERR, USER1, "%s\n", err);
		return -1;
	}
	if (self.id != cfg->node_id) {
		RTE_LOG(ERR, USER1, "%s is the key of node %u, not of this "
				"node (%u)\n", cfg->node_key, self.id,
				cfg->node_id);
		node_key_wipe(&self);
		return -1;
	}
	if (roster_load(cfg->roster, &r, err, sizeof(err)) < 0) {
		RTE_LOG(ERR, USER1, "%s\n", err);
		node_key_wipe(&self);
		return -1;
	}
	/* A new key of this node: the one before still verifies, for now. */
	memset(&prev, 0, sizeof(prev));
	if (have_cur && !node_keys_equal(own_cur.pk, self.pk, NODE_PK_LEN))
		prev = own_cur;
	else if (have_prev)
		prev = own_prev;
	if (prev.id == self.id &&
			!node_keys_equal(prev.pk, self.pk, NODE_PK_LEN) &&
			roster_lists(&r, self.id, prev.pk))
		n_own = 2;
	t = rte_zmalloc("rumor_auth", sizeof(*t) + cap * sizeof(t->peer[0]) +
			cap * sizeof(uint32_t), RTE_CACHE_LINE_SIZE);
	if (t == NULL) {
		RTE_LOG(ERR, USER1, "out of memory building the auth table\n");
		roster_free(&r);
		node_key_wipe(&self);
		node_key_wipe(&prev);
		return -1;
	}
	add_members(t, &n, cfg, own, n_own, &r);
	add_members(t, &n, also, own, n_own, &r);
	roster_free(&r);
	if (n_own == 2 && !have_prev)
		RTE_LOG(INFO, USER1, "node key changed: the previous one "
				"still verifies what members tag for it, until "
				"the roster no longer lists it\n");
	else if (n_own == 1 && have_prev)
		RTE_LOG(INFO, USER1, "previous node key dropped: the roster "
				"no longer lists it\n");
	node_key_wipe(&own_prev);
	if (n_own == 2)
		own_prev = prev;
	have_prev = n_own == 2;
	own_cur = self;
	have_cur = true;
	node_key_wipe(&self);
	node_key_wipe(&prev);
	t->n = n;
	qsort(t->peer, n, sizeof(t->peer[0]), peer_addr_cmp);
	by_id = (uint32_t *)&t->peer[cap];
	for (uint32_t i = 0; i < n; i++)
		by_id[i] = i;
	sort_table = t;
	qsort(by_id, n, sizeof(*by_id), peer_id_cmp);
	t->by_id = by_id;
	*out = t;
	return 0;
}

void
auth_table_free(struct auth_table *t)
{
	if (t == NULL)
		return;
	sodium_memzero(t->peer, t->n * sizeof(t->peer[0]));
	rte_free(t);
}

int
auth_lcore_init(struct dp_lcore *lc)
{
	lc->auth = rte_zmalloc_socket("rumor_auth_lcore", sizeof(*lc->auth),
			RTE_CACHE_LINE_SIZE,
			(int)rte_lcore_to_socket_id(lc->lcore_id));
	lc->auth_ctr = auth_ctr_start();
	return lc->auth != NULL ? 0 : -1;
}

void
auth_lcore_free(struct dp_lcore *lc)
{
	rte_free(lc->auth);
	lc->auth = NULL;
}

/*
 * The window of (id, lane) on this lcore, made if new; NULL if none is
 * free within AUTH_PROBE_MAX slots. Only senders whose tag verified get
 * one, so only roster members can fill the table.
 */
static struct node_auth_window *
window_of(struct auth_lcore *al, uint32_t id, uint8_t lane)
{
	uint32_t h = (id * 0x9e3779b1u) ^ ((uint32_t)lane * 0x85ebca6bu);

	h ^= h >> 15;
	for (uint32_t i = 0; i < AUTH_PROBE_MAX; i++) {
		struct auth_slot *s = &al->slot[(h + i) & (AUTH_WINDOWS - 1)];

		if (s->id == id && s->lane == lane)
			return &s->w;
		if (s->id == 0) {
			s->id = id;
			s->lane = lane;
			memset(&s->w, 0, sizeof(s->w));
			return &s->w;
		}
	}
	return NULL;
}

/*
 * Remove the block of m's frame: the Ethernet, IPv4, UDP and rumor
 * headers move 16 bytes forward and the lengths and checksums follow
 * (the UDP checksum incrementally, so that an error it would catch in
 * the rest stays caught).
 */
static void
strip(struct rte_mbuf *m)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct ipv4_hdr *ip = (void *)(p + FRAME_IP_OFF);
	struct udp_hdr *udp = (void *)(p + FRAME_UDP_OFF);
	const uint8_t *r = p + FRAME_RUMOR_OFF;
	uint16_t old_fl, new_fl, old_ul, new_ul, old_il, new_il, ic, uc;
	uint64_t b0, b1;

	/* Every read before the move, every write after it (see
	 * auth_data_output). */
	memcpy(&old_fl, r + 4, 2);
	new_fl = old_fl & (uint16_t)~htons(RUMOR_F_AUTH << 8);
	memcpy(&b0, r + NODE_AUTH_OFF, 8);
	memcpy(&b1, r + NODE_AUTH_TAG_OFF, 8);
	old_ul = udp->len;
	new_ul = htons((uint16_t)(ntohs(old_ul) - NODE_AUTH_LEN));
	old_il = ip->total_len;
	new_il = htons((uint16_t)(ntohs(old_il) - NODE_AUTH_LEN));
	ic = cksum_update16(ip->check, old_il, new_il);
	uc = udp->check;
	if (uc != 0) {
		/* The block's 8 words go (replaced by nothing). */
		uc = cksum_replace(uc, (uint32_t)old_fl + 2u * old_ul +
				cksum_words64(b0) + cksum_words64(b1), 11,
				(uint32_t)new_fl + 2u * new_ul);
		if (uc == 0)
			uc = 0xffff;
	}
	memmove(p + NODE_AUTH_LEN, p, FRAME_RUMOR_OFF + NODE_AUTH_OFF);
	p = (uint8_t *)rte_pktmbuf_adj(m, NODE_AUTH_LEN);
	ip = (void *)(p + FRAME_IP_OFF);
	udp = (void *)(p + FRAME_UDP_OFF);
	memcpy(p + FRAME_RUMOR_OFF + 4, &new_fl, 2);
	udp->check = uc;
	udp->len = new_ul;
	ip->check = ic;
	ip->total_len = new_il;
}

bool
auth_input(struct dp_lcore *lc, struct rte_mbuf *m, uint32_t *sender)
{
	const struct auth_table *t = rcu_dereference(dp.auth);
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct ipv4_hdr *ip = (const void *)(p + FRAME_IP_OFF);
	const struct udp_hdr *udp = (const void *)(p + FRAME_UDP_OFF);
	const uint8_t *r = p + FRAME_RUMOR_OFF;
	/* frame_parse checked the UDP length against the frame. */
	const size_t len = ntohs(udp->len) - 8u;
	const struct auth_peer *a;
	struct node_auth_window *w;
	struct node_auth_view v;
	bool ok = false;

	*sender = 0;
	if (t == NULL) {
		/* Auth is off: nobody's key to check a block with. */
		if (unlikely(r[4] & RUMOR_F_AUTH)) {
			lc->stats.c[STAT_AUTH_UNKNOWN_SENDER]++;
			return false;
		}
		return true;
	}
	a = auth_peer_by_addr(t, ip->src, udp->src_port);
	if (unlikely(a == NULL)) {
		lc->stats.c[STAT_AUTH_UNKNOWN_SENDER]++;
		return false;
	}
	if (unlikely(node_auth_decode(r, len, &v) < 0)) {
		lc->stats.c[STAT_AUTH_MISSING]++;
		return false;
	}
	for (uint32_t k = 0; k < a->n_rx && !ok; k++)
		ok = node_auth_verify(a->rx[k], r, len);
	if (unlikely(!ok)) {
		lc->stats.c[STAT_AUTH_BAD_TAG]++;
		return false;
	}
	w = window_of(lc->auth, a->id, v.lane);
	if (unlikely(w == NULL)) {
		lc->stats.c[STAT_AUTH_WINDOWS_FULL]++;
		return false;
	}
	if (unlikely(!node_auth_window_take(w, v.ctr))) {
		lc->stats.c[STAT_AUTH_REPLAY]++;
		return false;
	}
	strip(m);
	lc->stats.c[STAT_AUTH_OK]++;
	*sender = a->id;
	return true;
}

bool
auth_data_slow(struct dp_lcore *lc, struct rte_mbuf *m, uint32_t *sender)
{
	const struct auth_table *t = rcu_dereference(dp.auth);
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct ipv4_hdr *ip = (const void *)(p + FRAME_IP_OFF);
	const struct udp_hdr *udp = (const void *)(p + FRAME_UDP_OFF);

	*sender = 0;
	if ((p[FRAME_RUMOR_OFF + 4] & RUMOR_F_AUTH) != 0)
		return auth_input(lc, m, sender);
	/* A plain PUBLISH: a client's, unless a member sent it. */
	if (t != NULL && auth_peer_by_addr(t, ip->src, udp->src_port) !=
			NULL) {
		lc->stats.c[STAT_AUTH_MISSING]++;
		return false;
	}
	return true;
}

bool
auth_data_output(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct auth_peer *a)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	const uint8_t *r = p + FRAME_RUMOR_OFF;
	struct ipv4_hdr *ip = (void *)(p + FRAME_IP_OFF);
	struct udp_hdr *udp = (void *)(p + FRAME_UDP_OFF);
	const size_t len = ntohs(udp->len) - 8u;
	uint8_t hdr[NODE_AUTH_OFF];
	uint16_t old_fl, new_fl, old_ul, new_ul, old_il, new_il, old_ic, uc;
	uint64_t w0, stamp, tag;

	if (unlikely(len + NODE_AUTH_LEN > RUMOR_DATAGRAM_MAX ||
			len < NODE_AUTH_OFF ||
			rte_pktmbuf_headroom(m) < NODE_AUTH_LEN)) {
		lc->stats.c[STAT_AUTH_TOO_BIG]++;
		return false;
	}
	/*
	 * Everything is read and the tag computed where the frame is, and
	 * only written once the headers have moved: reading back what the
	 * move just stored would stall on store forwarding.
	 */
	/* The header as it will be: its first word with the flag set,
	 * stored whole so the tag's loads forward from whole stores. */
	memcpy(&w0, r, 8);
	memcpy(hdr + 8, r + 8, sizeof(hdr) - 8);
	w0 = htole64(le64toh(w0) | (uint64_t)RUMOR_F_AUTH << 32);
	memcpy(hdr, &w0, 8);
	memcpy(&old_fl, r + 4, 2);
	/* Flags are the first byte of the flags and hop limit word. */
	new_fl = old_fl | htons(RUMOR_F_AUTH << 8);
	old_ul = udp->len;
	new_ul = htons((uint16_t)(ntohs(old_ul) + NODE_AUTH_LEN));
	old_il = ip->total_len;
	new_il = htons((uint16_t)(ntohs(old_il) + NODE_AUTH_LEN));
	old_ic = ip->check;
	uc = udp->check;
	stamp = htobe64(node_auth_stamp((uint8_t)lc->queue, ++lc->auth_ctr));
	tag = node_auth_tag_parts(a->tx, hdr, stamp, r + NODE_AUTH_OFF,
			len - NODE_AUTH_OFF, NULL, 0);
	if (uc != 0) {
		uc = cksum_replace(uc, (uint32_t)old_fl + 2u * old_ul, 3,
				(uint32_t)new_fl + 2u * new_ul +
				cksum_words64(stamp) + cksum_words64(tag));
		if (uc == 0)
			uc = 0xffff;
	}

	p = (uint8_t *)rte_pktmbuf_prepend(m, NODE_AUTH_LEN);
	memmove(p, p + NODE_AUTH_LEN, FRAME_RUMOR_OFF + NODE_AUTH_OFF);
	ip = (void *)(p + FRAME_IP_OFF);
	udp = (void *)(p + FRAME_UDP_OFF);
	memcpy(p + FRAME_RUMOR_OFF + 4, &new_fl, 2);
	memcpy(p + FRAME_RUMOR_OFF + NODE_AUTH_OFF, &stamp, 8);
	memcpy(p + FRAME_RUMOR_OFF + NODE_AUTH_TAG_OFF, &tag, 8);
	udp->check = uc;
	udp->len = new_ul;
	ip->check = cksum_update16(old_ic, old_il, new_il);
	ip->total_len = new_il;
	lc->stats.c[STAT_AUTH_SIGNED]++;
	return true;
}

size_t
auth_ctl_sign(uint32_t ip, uint16_t port, const void *body, size_t len,
		uint8_t *out, size_t cap, const void **send)
{
	const struct auth_table *t = dp.auth;	/* Its writer: no QSBR. */
	const struct rumor_hdr *h = body;
	const struct auth_peer *a;
	size_t n;

	*send = body;
	if (t == NULL || rumor_hdr_check(body, len) != RUMOR_HDR_OK ||
			!(node_auth_required(h->type) ||
			node_auth_if_member(h->type)))
		return len;
	a = auth_peer_by_addr(t, ip, port);
	if (a == NULL) {
		/* DATA or PUB_ACK to a client needs none; to a member
		 * without a key it cannot go. */
		if (node_auth_if_member(h->type))
			return len;
		dp.ctl_stats[CTL_AUTH_NO_KEY]++;
		return 0;
	}
	if (len > cap)
		return 0;
	memcpy(out, body, len);
	n = node_auth_insert(out, len, cap, a->tx, NODE_AUTH_LANE_CTL,
			ctl_ctr == 0 ? (ctl_ctr = auth_ctr_start()) :
			++ctl_ctr);
	if (n == 0) {
		dp.ctl_stats[CTL_AUTH_TOO_BIG]++;
		return 0;
	}
	dp.ctl_stats[CTL_AUTH_SIGNED]++;
	*send = out;
	return n;
}
