/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Building the ring table: consistent hashing with bounded loads, solved
 * as a stable matching between slots and members.
 *
 * Each member puts points on the hash ring, as many as its weight says;
 * a point's place is a hash of the member's id and the point's number.
 * Each slot asks, in turn, the members of the points that follow its
 * start clockwise. A member takes at most its cap, 104.5% of the slots its
 * weight entitles it to; when it has more it keeps the slots nearest
 * behind its points and turns the farthest one away, which then asks the
 * next point. This is deferred acceptance (Gale and Shapley): the result
 * is the same whatever order the slots ask in, so it depends only on the
 * member set, and the members are sorted by id besides.
 *
 * Why this one: without the caps a member owns whatever its points cover,
 * so a member that leaves gives up only its own slots, but the covered
 * shares vary by several percent even with thousands of points. The caps
 * bound the peak; because they are a little above the share, few members
 * sit at their cap, and a change seldom pushes a slot past a full member
 * onto a third one. docs/architecture.md has the measurements
 * (rumor-ringlab) behind the sizes and the cap.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "rumor/ring.h"

#define RING_SLOTS_MIN (1u << 16)	/* Smallest size class (power of 2). */
#define RING_SLOTS_MAX (1u << 23)	/* Largest size class. */
#define RING_POINTS_PER_WEIGHT 2048u	/* Points per unit of weight... */
#define RING_POINTS_MAX (1u << 23)	/* ...halved until the sum fits. */
#define RING_CAP_PERMILLE 1045u		/* A member's cap: 104.5% share. */
#define RING_BUCKET_BITS 20		/* Buckets of the point sort. */
#define RING_SEED_POINT 0x72756d6f72706e74ull	/* Point places. */
#define RING_IDX_MASK ((1ull << RING_POINT_IDX_BITS) - 1)

_Static_assert(RING_MEMBERS_MAX <= RING_IDX_MASK,
		"a point's key holds the index of any member");

uint64_t
ring_channel_hash(const void *name, size_t len)
{
	return XXH3_64bits(name, len);
}

static bool
is_prime(uint32_t x)
{
	if (x < 2)
		return false;
	for (uint32_t d = 2; (uint64_t)d * d <= x; d++)
		if (x % d == 0)
			return false;
	return true;
}

uint32_t
ring_prime_above(uint32_t x)
{
	for (x++; !is_prime(x); x++)
		;
	return x;
}

/*
 * The table size depends on the member count only through a size class:
 * the first prime above a power of two, at least 2^16 and at least
 * RING_SLOTS_PER_MEMBER per member, at most about 2^23 (32 MiB). A member
 * needs about a thousand slots for the caps to bind seldom (see above);
 * clusters of up to 64 members keep the smallest class. A change of class
 * (1024 -> 1025 members, and so on) moves about half of the slots, since
 * every slot's place on the ring shifts.
 */
uint32_t
ring_table_slots(const struct ring_member *m, uint32_t n)
{
	uint64_t want = (uint64_t)n * RING_SLOTS_PER_MEMBER;
	uint32_t s = RING_SLOTS_MIN;

	(void)m;
	if (n == 0)
		return 0;
	while (s < want && s < RING_SLOTS_MAX)
		s <<= 1;
	return ring_prime_above(s);
}

size_t
ring_table_bytes(uint32_t slots)
{
	return sizeof(struct ring_table) + (size_t)slots * sizeof(uint32_t);
}

int
ring_member_cmp(const void *a, const void *b)
{
	const struct ring_member *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/*
 * Point j of a member: its place in the top 48 bits, the member's index
 * (in id order) in the low 16, so that sorting the keys sorts the ring and
 * breaks the rare tie of places by id. Place j does not depend on how many
 * points the member has, so halving the points keeps the first half.
 */
static uint64_t
point_key(uint64_t id_hash, uint32_t j, uint32_t idx)
{
	return (ring_mix64(id_hash + (uint64_t)j * 0x9e3779b97f4a7c15ull) &
			~RING_IDX_MASK) | idx;
}

struct build {
	const struct ring_member *m;	/* Sorted by id. */
	uint32_t n;
	uint32_t shift;		/* Points per weight: 2048 >> shift. */
	uint64_t *id_hash;
	uint64_t *pt;		/* Point keys, sorted. */
	uint32_t np;
};

static uint32_t
points_of(const struct build *b, uint32_t i)
{
	uint32_t k = (b->m[i].weight * RING_POINTS_PER_WEIGHT) >> b->shift;

	return k > 0 ? k : 1;
}

/*
 * Sort the points: count them into buckets by their top bits, place them
 * (generating them a second time instead of storing them twice), then
 * sort each small bucket by insertion.
 */
static int
points_sort(struct build *b)
{
	uint32_t nb = 1u << RING_BUCKET_BITS, *start;
	uint32_t sh = 64 - RING_BUCKET_BITS;

	start = calloc(nb + 1, sizeof(*start));
	b->pt = malloc((size_t)b->np * sizeof(*b->pt));
	if (start == NULL || b->pt == NULL) {
		free(start);
		return -1;
	}
	for (uint32_t i = 0; i < b->n; i++)
		for (uint32_t j = 0; j < points_of(b, i); j++)
			start[(point_key(b->id_hash[i], j, i) >> sh) + 1]++;
	for (uint32_t k = 0; k < nb; k++)
		start[k + 1] += start[k];
	for (uint32_t i = 0; i < b->n; i++)
		for (uint32_t j = 0; j < points_of(b, i); j++) {
			uint64_t key = point_key(b->id_hash[i], j, i);

			b->pt[start[key >> sh]++] = key;
		}
	/* Each bucket now ends where the next began; sort them in place. */
	for (uint32_t k = 0, lo = 0; k < nb; k++) {
		uint32_t hi = start[k];

		for (uint32_t x = lo + 1; x < hi; x++) {
			uint64_t v = b->pt[x];
			uint32_t y = x;

			while (y > lo && b->pt[y - 1] > v) {
				b->pt[y] = b->pt[y - 1];
				y--;
			}
			b->pt[y] = v;
		}
		lo = hi;
	}
	free(start);
	return 0;
}

uint64_t *
ring_points(const struct ring_member *m, uint32_t n, uint32_t *np)
{
	struct build b = { .m = m, .n = n };
	uint64_t wsum = ring_weight_sum(m, n), count = 0;

	while (b.shift < 11 && ((wsum * RING_POINTS_PER_WEIGHT) >> b.shift) >
			RING_POINTS_MAX)
		b.shift++;
	b.id_hash = malloc((size_t)n * sizeof(*b.id_hash));
	if (b.id_hash == NULL)
		return NULL;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t id[4] = { m[i].id >> 24, m[i].id >> 16, m[i].id >> 8,
				m[i].id };

		b.id_hash[i] = XXH3_64bits_withSeed(id, sizeof(id),
				RING_SEED_POINT);
		count += points_of(&b, i);
	}
	b.np = (uint32_t)count;
	if (points_sort(&b) < 0) {
		free(b.pt);
		b.pt = NULL;
	}
	free(b.id_hash);
	*np = b.np;
	return b.pt;
}

void
ring_slot_starts(const uint64_t *pt, uint32_t np, uint32_t size,
		uint32_t *at)
{
	for (uint32_t s = 0, j = 0; s < size; s++) {
		while (j < np && ring_point_slot(pt[j], size) < s)
			j++;
		at[s] = j < np ? j : 0;
	}
}

/*
 * How far point key lies past the start of slot s, in slots (high 32
 * bits) and 2^-32 slots: the smaller, the more the point's member wants
 * the slot.
 */
static uint64_t
point_distance(uint64_t key, uint32_t s, uint32_t size)
{
	unsigned __int128 x = (unsigned __int128)key * size;
	uint32_t slot = (uint32_t)(x >> 64);
	uint64_t whole = slot >= s ? slot - s : (uint64_t)slot + size - s;

	return (whole << 32) | (uint32_t)((uint64_t)x >> 32);
}

static bool
held_worse(const struct ring_held *a, const struct ring_held *b)
{
	return a->dist != b->dist ? a->dist > b->dist : a->slot > b->slot;
}

static void
held_up(struct ring_held *h, uint32_t i)
{
	while (i > 0 && held_worse(&h[i], &h[(i - 1) / 2])) {
		struct ring_held x = h[i];

		h[i] = h[(i - 1) / 2];
		h[(i - 1) / 2] = x;
		i = (i - 1) / 2;
	}
}

static void
held_down(struct ring_held *h, uint32_t n, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, w = i;
		struct ring_held x;

		if (l < n && held_worse(&h[l], &h[w]))
			w = l;
		if (r < n && held_worse(&h[r], &h[w]))
			w = r;
		if (w == i)
			return;
		x = h[i];
		h[i] = h[w];
		h[w] = x;
		i = w;
	}
}

uint32_t
ring_held_take(struct ring_held *h, uint32_t *load, uint32_t cap,
		uint64_t dist, uint32_t slot)
{
	uint32_t out;

	h[*load].dist = dist;
	h[*load].slot = slot;
	held_up(h, (*load)++);
	if (*load <= cap)
		return UINT32_MAX;
	out = h[0].slot;
	h[0] = h[--*load];
	held_down(h, *load, 0);
	return out;
}

uint64_t
ring_weight_sum(const struct ring_member *m, uint32_t n)
{
	uint64_t w = 0;

	for (uint32_t i = 0; i < n; i++)
		w += m[i].weight;
	return w;
}

/*
 * Deferred acceptance. Every slot starts at the first point at or after
 * its start and asks points in ring order; a member over its cap drops
 * its least wanted slot, which asks on. A slot may meet a member it asked
 * before (the member has several points): that member is full and wants
 * the slot less than before, so it refuses, exactly as if the point were
 * skipped. Caps add up to more than the slots, so every slot ends held.
 */
static int
match(const struct ring_member *m, uint32_t n, const uint64_t *pt,
		uint32_t np, uint32_t size, uint32_t *slot)
{
	uint32_t *at, *stack, *load, *cap;
	struct ring_held **heap, *pool;
	uint64_t wsum = ring_weight_sum(m, n), hsum = 0;
	uint32_t sp = 0;
	int rc = -1;

	at = malloc((size_t)size * sizeof(*at));
	stack = malloc((size_t)size * sizeof(*stack));
	load = calloc(n, sizeof(*load));
	cap = malloc((size_t)n * sizeof(*cap));
	heap = malloc((size_t)n * sizeof(*heap));
	pool = NULL;
	if (at == NULL || stack == NULL || load == NULL || cap == NULL ||
			heap == NULL)
		goto out;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t num = (uint64_t)size * m[i].weight *
				RING_CAP_PERMILLE, den = wsum * 1000;

		cap[i] = (uint32_t)((num + den - 1) / den);
		if (cap[i] > size)
			cap[i] = size;
		hsum += cap[i] + 1;
	}
	pool = malloc(hsum * sizeof(*pool));
	if (pool == NULL)
		goto out;
	hsum = 0;
	for (uint32_t i = 0; i < n; i++) {
		heap[i] = pool + hsum;
		hsum += cap[i] + 1;
	}
	ring_slot_starts(pt, np, size, at);
	for (uint32_t s = size; s > 0; s--)
		stack[sp++] = s - 1;
	while (sp > 0) {
		uint32_t s = stack[--sp];
		uint64_t key = pt[at[s]];
		uint32_t y = ring_point_member(key), out;

		at[s] = at[s] + 1 < np ? at[s] + 1 : 0;
		out = ring_held_take(heap[y], &load[y], cap[y],
				point_distance(key, s, size), s);
		if (out != UINT32_MAX)
			stack[sp++] = out;
	}
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t k = 0; k < load[i]; k++)
			slot[heap[i][k].slot] = m[i].id;
	rc = 0;
out:
	free(at);
	free(stack);
	free(load);
	free(cap);
	free(heap);
	free(pool);
	return rc;
}

int
ring_members_sorted(const struct ring_member *in, uint32_t n,
		struct ring_member **out)
{
	struct ring_member *m;

	*out = NULL;
	if (n == 0 || n > RING_MEMBERS_MAX) {
		errno = EINVAL;
		return -1;
	}
	m = malloc((size_t)n * sizeof(*m));
	if (m == NULL)
		return -1;
	memcpy(m, in, (size_t)n * sizeof(*m));
	qsort(m, n, sizeof(*m), ring_member_cmp);
	for (uint32_t i = 0; i < n; i++) {
		if (m[i].id == 0 || m[i].weight == 0 ||
				m[i].weight > RING_WEIGHT_MAX ||
				(i > 0 && m[i].id == m[i - 1].id)) {
			free(m);
			errno = EINVAL;
			return -1;
		}
	}
	*out = m;
	return 0;
}

int
ring_table_build(struct ring_table *t, const struct ring_member *in,
		uint32_t n, uint64_t epoch)
{
	struct ring_member *m;
	uint64_t *pt = NULL;
	uint32_t *slot = NULL, size, np;
	int rc = -1;

	if (ring_members_sorted(in, n, &m) < 0)
		return -1;
	size = ring_table_slots(m, n);
	slot = malloc((size_t)size * sizeof(*slot));
	if (slot == NULL)
		goto out;
	pt = ring_points(m, n, &np);
	if (pt == NULL || match(m, n, pt, np, size, slot) < 0)
		goto out;
	t->epoch = epoch;
	t->size = size;
	t->n_members = n;
	t->prev = NULL;
	t->agreed = false;
	memcpy(t->slot, slot, (size_t)size * sizeof(*slot));
	rc = 0;
out:
	free(slot);
	free(pt);
	free(m);
	return rc;
}

double
ring_moved_fraction(const uint32_t *a, uint32_t sa, const uint32_t *b,
		uint32_t sb)
{
	uint64_t pos = 0, moved = 0, i = 0, j = 0;

	/* Merge the two partitions in units of 1 / (sa * sb). */
	while (i < sa && j < sb) {
		uint64_t ea = (i + 1) * sb, eb = (j + 1) * (uint64_t)sa;
		uint64_t end = ea < eb ? ea : eb;

		if (a[i] != b[j])
			moved += end - pos;
		pos = end;
		if (ea == end)
			i++;
		if (eb == end)
			j++;
	}
	return (double)moved / ((double)sa * (double)sb);
}
