/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A SWIM node's member table (swim_members.h): the members behind an
 * open-addressing index by id, their counts by state, the probe order
 * the whole cluster shares, the news waiting to be gossiped, bucketed by
 * transmissions left, and the digest of the view. What the protocol
 * decides about members is in swim.c.
 */
#include <stdlib.h>
#include <string.h>

#include "rumor/prng.h"
#include "swim_members.h"

#define SWIM_TABLE_MIN 16u	/* Members the table first has room for. */

int
swim_table_init(struct swim *s)
{
	s->cap = SWIM_TABLE_MIN;
	s->idx_mask = 2 * SWIM_TABLE_MIN - 1;
	s->rec = calloc(s->cap, sizeof(*s->rec));
	s->order = calloc(s->cap, sizeof(*s->order));
	s->idx = calloc(s->idx_mask + 1, sizeof(*s->idx));
	return s->rec != NULL && s->order != NULL && s->idx != NULL ? 0 : -1;
}

void
swim_table_free(struct swim *s)
{
	free(s->rec);
	free(s->order);
	free(s->idx);
}

uint32_t
swim_retransmit_limit(const struct swim *s)
{
	return s->p.retransmit_mult * swim_log10_ceil(swim_live_count(s) + 1);
}

/*
 * The probe order. Every node sorts the live members, itself included,
 * by the same key, a hash of their ids: one random permutation that the
 * whole cluster shares. In probe period k of a clock the cluster shares
 * (the wall clock), the node at rank p probes rank p + 1 + k. With equal
 * views every member is thus probed exactly once a period, by a
 * different node each period: a crash meets its first probe within one
 * period, where with independent random orders the wait is exponential
 * (one period on average, 4.6 periods at the 99th percentile, since some
 * periods no one picks it). Each node still probes every member once per
 * round of n periods, and views that differ a little only add a few
 * probes. A dead member stays in the order until the next rebuild; the
 * node whose turn lands on it probes the next live member instead, so
 * the member after a dead one keeps its prober.
 */
static uint64_t
probe_key(uint32_t id)
{
	return prng_mix64((uint64_t)id * PRNG_GOLDEN + 0x70726f6265ull);
}

/* Index in s->order of the first entry whose key is not below key's. */
static uint32_t
order_lower_bound(const struct swim *s, uint64_t key)
{
	uint32_t lo = 0, hi = s->order_n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (probe_key(s->order[mid]) < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Put id in the probe order at its place, unless it is there already. */
static void
order_insert(struct swim *s, uint32_t id)
{
	uint64_t key = probe_key(id);
	uint32_t i = order_lower_bound(s, key);

	for (uint32_t j = i; j < s->order_n &&
			probe_key(s->order[j]) == key; j++)
		if (s->order[j] == id)
			return;
	memmove(&s->order[i + 1], &s->order[i],
			(size_t)(s->order_n - i) * sizeof(*s->order));
	s->order[i] = id;
	s->order_n++;
}

/* Rebuild the probe order from the live members, this node included. */
static void
order_rebuild(struct swim *s, uint64_t now)
{
	s->order_n = 0;
	for (uint32_t i = 0; i < s->n; i++)
		if (i == 0 || s->rec[i].m.state <= SWIM_SUSPECT)
			order_insert(s, s->rec[i].m.id);
	s->order_rebuild_at = now + (uint64_t)s->order_n *
			s->p.probe_interval_ms;
}

/*
 * The member to probe in this period (see probe_key), or NULL when there
 * is none alive: rank(self) + 1 + k, or the next live member after it.
 */
struct swim_rec *
swim_order_next(struct swim *s, uint64_t now)
{
	uint64_t k = (now + s->clock_offset_ms) / s->p.probe_interval_ms;
	uint32_t self, start;

	if (now >= s->order_rebuild_at)
		order_rebuild(s, now);
	self = order_lower_bound(s, probe_key(s->rec[0].m.id));
	while (self < s->order_n && s->order[self] != s->rec[0].m.id)
		self++;
	start = (uint32_t)((self + 1 + k % s->order_n) % s->order_n);
	for (uint32_t i = 0; i < s->order_n; i++) {
		uint32_t id = s->order[(start + i) % s->order_n];
		struct swim_rec *r;

		if (id == s->rec[0].m.id)
			continue;
		r = swim_rec_find(s, id);
		if (r != NULL && r->m.state <= SWIM_SUSPECT)
			return r;
	}
	return NULL;
}

/* The home slot of id in the index (Fibonacci hashing). */
static uint32_t
id_slot(uint32_t id, uint32_t mask)
{
	return (uint32_t)(((uint64_t)id * PRNG_GOLDEN) >> 32) & mask;
}

struct swim_rec *
swim_rec_find(const struct swim *s, uint32_t id)
{
	for (uint32_t i = id_slot(id, s->idx_mask);;
			i = (i + 1) & s->idx_mask) {
		uint32_t v = s->idx[i];

		if (v == 0)
			return NULL;
		if (s->rec[v - 1].m.id == id)
			return &s->rec[v - 1];
	}
}

static void
index_put(struct swim *s, uint32_t id, uint32_t pos)
{
	uint32_t i = id_slot(id, s->idx_mask);

	while (s->idx[i] != 0)
		i = (i + 1) & s->idx_mask;
	s->idx[i] = pos + 1;
}

/* Grow the member array and its index when full. */
static int
grow(struct swim *s)
{
	uint32_t ncap = s->cap * 2, nmask = ncap * 2 - 1;
	struct swim_rec *nr = realloc(s->rec, ncap * sizeof(*nr));
	uint32_t *ni, *no;

	if (nr == NULL)
		return -1;
	s->rec = nr;
	no = realloc(s->order, ncap * sizeof(*no));
	if (no == NULL)
		return -1;
	s->order = no;
	ni = calloc((size_t)nmask + 1, sizeof(*ni));
	if (ni == NULL)
		return -1;
	free(s->idx);
	s->idx = ni;
	s->idx_mask = nmask;
	for (uint32_t i = 0; i < s->n; i++)
		index_put(s, s->rec[i].m.id, i);
	s->cap = ncap;
	return 0;
}

/* Change r's state, keeping the counts per state. */
void
swim_rec_set_state(struct swim *s, struct swim_rec *r, uint8_t state)
{
	s->n_state[r->m.state]--;
	s->n_state[state]++;
	/* Back from the dead: in the probe order again at once. */
	if (state <= SWIM_SUSPECT && r->m.state > SWIM_SUSPECT)
		order_insert(s, r->m.id);
	r->m.state = state;
	s->view_version++;
}

struct swim_rec *
swim_rec_add(struct swim *s, const struct swim_update *u, uint64_t now)
{
	struct swim_rec *r;

	if (s->n == s->cap && grow(s) < 0)
		return NULL;
	r = &s->rec[s->n];
	memset(r, 0, sizeof(*r));
	r->m.id = u->id;
	r->m.ip = u->ip;
	r->m.port = u->port;
	r->m.weight = u->weight;
	r->m.zone = u->zone;
	r->m.state = u->state;
	s->n_state[u->state]++;
	r->m.incarnation = u->incarnation;
	r->m.since_ms = now;
	index_put(s, u->id, s->n);
	s->view_version++;
	/*
	 * A newcomer (or this node, first of all) takes its place in the
	 * probe order at once: a member no one probes is a crash no one
	 * detects.
	 */
	if (u->state <= SWIM_SUSPECT)
		order_insert(s, u->id);
	s->n++;
	return r;
}

void
swim_rec_update(const struct swim_rec *r, struct swim_update *u)
{
	u->id = r->m.id;
	u->ip = r->m.ip;
	u->port = r->m.port;
	u->state = r->m.state;
	u->zone = r->m.zone;
	u->incarnation = r->m.incarnation;
	u->weight = r->m.weight;
}

static void
bucket_unlink(struct swim *s, struct swim_rec *r)
{
	uint32_t self = (uint32_t)(r - s->rec) + 1;

	if (r->g_prev != 0)
		s->rec[r->g_prev - 1].g_next = r->g_next;
	else if (s->bucket[r->gossip_left] == self)
		s->bucket[r->gossip_left] = r->g_next;
	if (r->g_next != 0)
		s->rec[r->g_next - 1].g_prev = r->g_prev;
	else if (s->bucket_tail[r->gossip_left] == self)
		s->bucket_tail[r->gossip_left] = r->g_prev;
	r->g_next = r->g_prev = 0;
}

/*
 * Put r at the tail of the bucket of its transmissions left, if any:
 * within a bucket, news goes out oldest first.
 */
static void
bucket_link(struct swim *s, struct swim_rec *r)
{
	uint32_t self = (uint32_t)(r - s->rec) + 1, tail;

	if (r->gossip_left == 0)
		return;
	tail = s->bucket_tail[r->gossip_left];
	r->g_next = 0;
	r->g_prev = tail;
	if (tail != 0)
		s->rec[tail - 1].g_next = self;
	else
		s->bucket[r->gossip_left] = self;
	s->bucket_tail[r->gossip_left] = self;
	if (r->gossip_left > s->bucket_top)
		s->bucket_top = r->gossip_left;
}

/* Something changed about r: gossip its new state. */
void
swim_news_queue(struct swim *s, struct swim_rec *r)
{
	uint32_t limit = swim_retransmit_limit(s);

	if (r->gossip_left != 0)
		bucket_unlink(s, r);
	r->gossip_left = limit < SWIM_GOSSIP_LEFT_MAX ? limit :
			SWIM_GOSSIP_LEFT_MAX;
	bucket_link(s, r);
}

/*
 * Fill m's updates with the members whose news has the most
 * transmissions left, spending one transmission of each.
 */
void
swim_news_take(struct swim *s, struct swim_msg *m)
{
	uint32_t taken[SWIM_UPDATES_MAX], n = 0;

	/*
	 * Most transmissions left first; what is taken moves down one
	 * bucket only after the choice, so no update goes twice in one
	 * message.
	 */
	for (uint32_t b = s->bucket_top; b > 0 &&
			m->n_updates < SWIM_UPDATES_MAX; b--) {
		for (uint32_t i = s->bucket[b]; i != 0 &&
				m->n_updates < SWIM_UPDATES_MAX;) {
			struct swim_rec *r = &s->rec[i - 1];

			i = r->g_next;
			swim_rec_update(r, &m->updates[m->n_updates++]);
			bucket_unlink(s, r);
			taken[n++] = (uint32_t)(r - s->rec);
		}
	}
	for (uint32_t k = 0; k < n; k++) {
		struct swim_rec *r = &s->rec[taken[k]];

		r->gossip_left--;
		bucket_link(s, r);
	}
	while (s->bucket_top > 0 && s->bucket[s->bucket_top] == 0)
		s->bucket_top--;
}

/*
 * A fingerprint of the membership as this node holds it: the sum of one
 * hash per member of its id, incarnation and fate (alive and suspect
 * alike, since a suspicion resolves itself; dead; left). Two nodes that
 * hold the same view compute the same digest in any order, so a DIGEST
 * of 8 bytes replaces a push-pull of the whole state whenever the views
 * already agree: anti-entropy that costs the same at 10,000 members as
 * at 10. O(n), once per sync interval.
 */
uint64_t
swim_view_digest(const struct swim *s)
{
	uint64_t d = 0;

	for (uint32_t i = 0; i < s->n; i++) {
		const struct swim_rec *r = &s->rec[i];
		uint64_t fate = r->m.state <= SWIM_SUSPECT ? 0 : r->m.state;

		d += prng_mix64(((uint64_t)r->m.id << 32 | r->m.incarnation) ^
				fate << 62);
	}
	return d;
}

uint32_t
swim_members(const struct swim *s, struct swim_member *out, uint32_t cap)
{
	for (uint32_t i = 0; i < s->n && i < cap; i++)
		out[i] = s->rec[i].m;
	return s->n;
}

const struct swim_member *
swim_member_find(const struct swim *s, uint32_t id)
{
	const struct swim_rec *r = swim_rec_find(s, id);

	return r != NULL ? &r->m : NULL;
}

uint32_t
swim_incarnation(const struct swim *s)
{
	return s->rec[0].m.incarnation;
}

uint64_t
swim_view_version(const struct swim *s)
{
	return s->view_version;
}

uint32_t
swim_live_count(const struct swim *s)
{
	return s->n_state[SWIM_ALIVE] + s->n_state[SWIM_SUSPECT];
}

uint32_t
swim_state_count(const struct swim *s, enum swim_state state)
{
	return (unsigned)state < SWIM_STATE_MAX ? s->n_state[state] : 0;
}
