/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Building the replica table (include/rumor/ring_replicas.h).
 *
 * A slot's list is the members of the points from its start on, in ring
 * order (ring.c). Its owner accepted it at the owner's first point in that
 * list: a member that turned a slot away is full, and wants the slot even
 * less at a later point. The replicas are the distinct members of the
 * list after that point, so each slot asks "which members come first from
 * point q on", where q follows the owner's point.
 *
 * Walking the list from q for every slot would cost, with zones, up to
 * the distance to the rarest zone's next point, for every slot. Instead
 * the points are swept backwards, twice round the ring, keeping the
 * members ordered by their next point (move to front when a point of
 * theirs passes), and likewise each zone's members and the zones
 * themselves. At point q those orders are the list from q, deduplicated:
 * each slot then reads fewer than 2R entries of each. The cost is the
 * sweep, linear in the points, and a counting sort of the slots by q.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/ring_replicas.h"

#define NONE UINT32_MAX
#define ZONES 256u

/*
 * Orders kept by the sweep: circular doubly linked lists in arrays, each
 * with a head entry of its own; an entry not yet in its list has next
 * NONE.
 */
struct lists {
	uint32_t *prev, *next;
};

static void
list_init(struct lists *l, uint32_t head)
{
	l->prev[head] = head;
	l->next[head] = head;
}

/* Move (or put) entry i to the front of the list that starts at head. */
static void
list_front(struct lists *l, uint32_t head, uint32_t i)
{
	if (l->next[i] != NONE) {
		l->next[l->prev[i]] = l->next[i];
		l->prev[l->next[i]] = l->prev[i];
	}
	l->next[i] = l->next[head];
	l->prev[i] = head;
	l->prev[l->next[head]] = i;
	l->next[head] = i;
}

/* A member and its zone, sorted by id together. */
struct zoned {
	struct ring_member m;
	uint8_t zone;
};

static int
zoned_cmp(const void *a, const void *b)
{
	return ring_member_cmp(&((const struct zoned *)a)->m,
			&((const struct zoned *)b)->m);
}

struct build {
	const struct ring_member *m;	/* Sorted by id. */
	const uint8_t *zone;		/* Of m[i]; NULL without zones. */
	uint32_t n, width;
	uint64_t *pt;			/* The ring's points, sorted. */
	uint32_t np;
	/* The members by next point; each zone's members; the zones. */
	struct lists all, in_zone, zones;
};

/*
 * The replicas of a slot whose owner is m[o], at the point that follows
 * the owner's: first the nearest member of each zone other than those
 * already in the set (the owner's, then each one taken), in order of
 * those members' points; then the nearest members not taken.
 */
static void
slot_row(const struct build *b, uint32_t o, uint32_t *row)
{
	uint32_t pick[RING_REPLICAS_MAX], k = 0, taken;

	if (b->zone != NULL) {
		for (uint32_t z = b->zones.next[ZONES]; z != ZONES && k <
				b->width; z = b->zones.next[z])
			if (z != b->zone[o])
				pick[k++] = b->in_zone.next[b->n + z];
	}
	taken = k;
	for (uint32_t i = b->all.next[b->n]; i != b->n && k < b->width;
			i = b->all.next[i]) {
		bool seen = i == o;

		for (uint32_t j = 0; j < taken && !seen; j++)
			seen = pick[j] == i;
		if (!seen)
			pick[k++] = i;
	}
	for (uint32_t j = 0; j < b->width; j++)
		row[j] = j < k ? b->m[pick[j]].id : 0;
}

/*
 * The sweep: points from the last, twice round, so that at point p of
 * the second lap every member's next point from p is known; there, the
 * slots whose list starts after their owner's point at p - 1 (sorted by
 * that p in first[] and order[]) read their rows.
 */
static void
sweep(struct build *b, const uint32_t *first, const uint32_t *order,
		const uint32_t *owner, struct ring_replicas *out)
{
	for (uint64_t x = 2 * (uint64_t)b->np; x > 0; x--) {
		uint32_t p = (uint32_t)((x - 1) % b->np);
		uint32_t i = ring_point_member(b->pt[p]);

		list_front(&b->all, b->n, i);
		if (b->zone != NULL) {
			list_front(&b->in_zone, b->n + b->zone[i], i);
			list_front(&b->zones, ZONES, b->zone[i]);
		}
		if (x - 1 >= b->np)
			continue;
		for (uint32_t k = first[p]; k < first[p + 1]; k++) {
			uint32_t s = order[k];

			slot_row(b, owner[s], &out->id[(size_t)s * b->width]);
		}
	}
}

/*
 * For each slot, its owner's index in m and the point after the owner's
 * first point from the slot's start (in q[]): the walk the matching made
 * for that slot, so no longer in all than the matching's. EINVAL if an
 * owner is not a member.
 */
static int
slot_starts(const struct build *b, const struct ring_table *t,
		uint32_t *owner, uint32_t *q)
{
	ring_slot_starts(b->pt, b->np, t->size, q);
	for (uint32_t s = 0; s < t->size; s++) {
		struct ring_member key = { .id = t->slot[s] };
		const struct ring_member *o = bsearch(&key, b->m, b->n,
				sizeof(key), ring_member_cmp);
		uint32_t j = q[s], steps = 0;

		if (o == NULL) {
			errno = EINVAL;
			return -1;
		}
		owner[s] = (uint32_t)(o - b->m);
		while (ring_point_member(b->pt[j]) != owner[s]) {
			j = j + 1 < b->np ? j + 1 : 0;
			if (++steps == b->np) {
				errno = EINVAL;
				return -1;
			}
		}
		q[s] = j + 1 < b->np ? j + 1 : 0;
	}
	return 0;
}

/* Fill out from the points in b; 0, or -1 with errno. */
static int
fill(struct build *b, const struct ring_table *t, struct ring_replicas *out)
{
	uint32_t size = t->size, *owner, *q, *first, *order, *lists;
	size_t nl = 2 * ((size_t)b->n + 1) + 2 * ((size_t)b->n + ZONES) +
			2 * ((size_t)ZONES + 1);
	int rc = -1;

	owner = malloc((size_t)size * sizeof(*owner));
	q = malloc((size_t)size * sizeof(*q));
	order = malloc((size_t)size * sizeof(*order));
	first = calloc((size_t)b->np + 1, sizeof(*first));
	lists = malloc(nl * sizeof(*lists));
	if (owner == NULL || q == NULL || order == NULL || first == NULL ||
			lists == NULL)
		goto out;
	memset(lists, 0xff, nl * sizeof(*lists));
	b->all.prev = lists;
	b->all.next = b->all.prev + b->n + 1;
	b->in_zone.prev = b->all.next + b->n + 1;
	b->in_zone.next = b->in_zone.prev + b->n + ZONES;
	b->zones.prev = b->in_zone.next + b->n + ZONES;
	b->zones.next = b->zones.prev + ZONES + 1;
	list_init(&b->all, b->n);
	for (uint32_t z = 0; z < ZONES; z++)
		list_init(&b->in_zone, b->n + z);
	list_init(&b->zones, ZONES);
	if (slot_starts(b, t, owner, q) < 0)
		goto out;
	if (b->width > 0) {
		/* Counting sort of the slots by q. */
		for (uint32_t s = 0; s < size; s++)
			first[q[s] + 1]++;
		for (uint32_t p = 0; p < b->np; p++)
			first[p + 1] += first[p];
		for (uint32_t s = 0; s < size; s++)
			order[first[q[s]]++] = s;
		for (uint32_t p = b->np; p > 0; p--)
			first[p] = first[p - 1];
		first[0] = 0;
		sweep(b, first, order, owner, out);
	}
	rc = 0;
out:
	free(owner);
	free(q);
	free(order);
	free(first);
	free(lists);
	return rc;
}

size_t
ring_replicas_bytes(uint32_t slots, unsigned r)
{
	size_t width = r > 0 ? r - 1 : 0;

	return sizeof(struct ring_replicas) +
			(size_t)slots * width * sizeof(uint32_t);
}

int
ring_replicas_build(struct ring_replicas *out, const struct ring_table *t,
		const struct ring_member *in, const uint8_t *zone, uint32_t n,
		unsigned r)
{
	struct build b = { .n = n, .width = r - 1 };
	struct ring_member *m = NULL;
	struct zoned *zm = NULL;
	uint8_t *zs = NULL;
	bool zoned = false;
	int rc = -1;

	if (r < 1 || r > RING_REPLICAS_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (ring_members_sorted(in, n, &m) < 0)
		return -1;
	if (t->size != ring_table_slots(m, n) || t->n_members != n) {
		errno = EINVAL;
		goto out;
	}
	for (uint32_t i = 0; zone != NULL && i < n; i++)
		zoned |= zone[i] != 0;
	/* Zones follow their members into id order. */
	if (zoned) {
		zm = malloc((size_t)n * sizeof(*zm));
		zs = malloc(n);
		if (zm == NULL || zs == NULL)
			goto out;
		for (uint32_t i = 0; i < n; i++) {
			zm[i].m = in[i];
			zm[i].zone = zone[i];
		}
		qsort(zm, n, sizeof(*zm), zoned_cmp);
		for (uint32_t i = 0; i < n; i++)
			zs[i] = zm[i].zone;
	}
	b.m = m;
	b.zone = zs;
	b.pt = ring_points(m, n, &b.np);
	if (b.pt == NULL || fill(&b, t, out) < 0)
		goto out;
	out->epoch = t->epoch;
	out->size = t->size;
	out->width = b.width;
	rc = 0;
out:
	free(b.pt);
	free(zs);
	free(zm);
	free(m);
	return rc;
}
