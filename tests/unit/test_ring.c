/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ring table (include/rumor/ring.h, lib/core/ring.c): determinism,
 * balance, weights, movement when the member set changes, refusals, slot
 * bounds and the channel hash. Measured numbers are printed so that a
 * change in the construction shows in the test log.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "rumor/ring.h"
#include "rumor/sort.h"
#include "test.h"

#define N_HASHES 1000000u

/* Channel hashes of N_HASHES channel names, computed once. */
static uint64_t *hashes;

/* Build a table for m[0..n) in an exact-size allocation, or NULL. */
static struct ring_table *
ring_new(const struct ring_member *m, uint32_t n, uint64_t epoch)
{
	uint32_t slots = ring_table_slots(m, n);
	struct ring_table *t = malloc(ring_table_bytes(slots));

	if (t == NULL)
		abort();
	/* Its padding too, so that whole tables compare with memcmp. */
	memset(t, 0, ring_table_bytes(slots));
	if (ring_table_build(t, m, n, epoch) < 0) {
		free(t);
		return NULL;
	}
	return t;
}

/* n distinct random non-zero ids, weight 1, in random order. */
static void
members_random(struct ring_member *m, uint32_t n, uint64_t *seed)
{
	uint32_t *ids = malloc(n * sizeof(*ids));

	if (ids == NULL)
		abort();
	test_unique_ids(ids, 0, n, seed);
	for (uint32_t i = 0; i < n; i++) {
		m[i].id = ids[i];
		m[i].weight = 1;
	}
	free(ids);
}

/* Index of id in the sorted array ids[0..n), or n. */
static uint32_t
id_index(const uint32_t *ids, uint32_t n, uint32_t id)
{
	const uint32_t *p = bsearch(&id, ids, n, sizeof(*ids), rumor_cmp_u32);

	return p != NULL ? (uint32_t)(p - ids) : n;
}

static void
test_identical(void)
{
	uint64_t seed = 1;
	struct ring_member m[50], r[50], s[50];
	struct ring_table *a, *b, *c;
	uint32_t ids[50];

	members_random(m, 50, &seed);
	for (uint32_t i = 0; i < 50; i++) {
		m[i].weight = 1 + i % 3;
		r[49 - i] = m[i];
		s[i] = m[i];
		ids[i] = m[i].id;
	}
	for (uint32_t i = 49; i > 0; i--) {
		uint32_t j = (uint32_t)(test_rand(&seed) % (i + 1));
		struct ring_member t = s[i];

		s[i] = s[j];
		s[j] = t;
	}
	qsort(ids, 50, sizeof(ids[0]), rumor_cmp_u32);
	a = ring_new(m, 50, 7);
	b = ring_new(r, 50, 7);
	c = ring_new(s, 50, 7);
	if (!CHECK(a != NULL && b != NULL && c != NULL))
		return;
	CHECK_EQ(a->epoch, 7);
	CHECK_EQ(a->n_members, 50);
	CHECK_EQ(a->size, ring_table_slots(m, 50));
	CHECK_EQ(a->size, 65537);	/* The first prime above 2^16. */
	CHECK(a->size >= 50 * RING_SLOTS_PER_MEMBER);
	CHECK(memcmp(a, b, ring_table_bytes(a->size)) == 0);
	CHECK(memcmp(a, c, ring_table_bytes(a->size)) == 0);
	for (uint32_t i = 0; i < a->size; i++)
		if (!CHECK(id_index(ids, 50, a->slot[i]) < 50))
			break;
	free(a);
	free(b);
	free(c);

	/* One member owns everything. */
	m[0].id = 42;
	m[0].weight = 1;
	a = ring_new(m, 1, 0);
	if (CHECK(a != NULL)) {
		for (uint32_t i = 0; i < a->size; i++)
			if (!CHECK_EQ(a->slot[i], 42))
				break;
		free(a);
	}
}

/* Give m[0..n) weights 1 to 4 at random. */
static void
weights_mixed(struct ring_member *m, uint32_t n, uint64_t *seed)
{
	for (uint32_t i = 0; i < n; i++)
		m[i].weight = 1 + (uint32_t)(test_rand(seed) % 4);
}

/*
 * The target: no member owns more than 1.05 times the share of the hash
 * space its weight entitles it to, for 10 to 1,000 members, with equal
 * and with mixed weights. Shares are counted exactly, over slots; a
 * million channel names are also looked up for the small sizes, where
 * each member gets enough of them for sampling noise to stay small.
 */
static void
test_balance(void)
{
	static const uint32_t sizes[] = { 3, 10, 50, 100, 300, 1000 };
	uint64_t seed = 2;

	for (size_t k = 0; k < 2 * sizeof(sizes) / sizeof(sizes[0]); k++) {
		uint32_t n = sizes[k / 2];
		bool mixed = k % 2;
		struct ring_member *m = malloc(n * sizeof(*m));
		struct ring_member *sorted = malloc(n * sizeof(*sorted));
		uint32_t *ids = malloc(n * sizeof(*ids));
		uint64_t *slots = calloc(n, sizeof(*slots));
		uint64_t *keys = calloc(n, sizeof(*keys));
		struct ring_table *t;
		double slot_pm = 0, key_pm = 0, w;

		if (m == NULL || sorted == NULL || ids == NULL ||
				slots == NULL || keys == NULL)
			abort();
		members_random(m, n, &seed);
		if (mixed)
			weights_mixed(m, n, &seed);
		w = (double)ring_weight_sum(m, n);
		memcpy(sorted, m, n * sizeof(*m));
		qsort(sorted, n, sizeof(*sorted), ring_member_cmp);
		for (uint32_t i = 0; i < n; i++)
			ids[i] = sorted[i].id;
		t = ring_new(m, n, 1);
		if (!CHECK(t != NULL))
			continue;
		for (uint32_t i = 0; i < t->size; i++) {
			uint32_t x = id_index(ids, n, t->slot[i]);

			if (!CHECK(x < n))
				break;
			slots[x]++;
		}
		for (uint32_t i = 0; n <= 50 && i < N_HASHES; i++) {
			uint32_t x = id_index(ids, n, ring_owner(t, hashes[i]));

			if (!CHECK(x < n))
				break;
			keys[x]++;
		}
		for (uint32_t i = 0; i < n; i++) {
			double share = sorted[i].weight / w;
			double rs = slots[i] / (t->size * share);
			double rk = keys[i] / (N_HASHES * share);

			slot_pm = rs > slot_pm ? rs : slot_pm;
			key_pm = rk > key_pm ? rk : key_pm;
		}
		printf("balance N=%-4u %s weights, size %-7u: slots peak/mean "
				"%.4f", n, mixed ? "mixed" : "equal", t->size,
				slot_pm);
		if (n <= 50)
			printf(", %u channel hashes peak/mean %.4f", N_HASHES,
					key_pm);
		printf("\n");
		CHECK(slot_pm <= 1.05);
		if (n <= 50)
			CHECK(key_pm <= 1.06);
		free(t);
		free(m);
		free(sorted);
		free(ids);
		free(slots);
		free(keys);
	}
}

static void
test_weights(void)
{
	struct ring_member m[20];
	struct ring_table *t;
	uint64_t slots[20] = { 0 }, wsum = 0;
	double ratio, worst = 0;

	/* Ten members, the first of weight 2. */
	for (uint32_t i = 0; i < 10; i++) {
		m[i].id = 100 + i;
		m[i].weight = i == 0 ? 2 : 1;
	}
	t = ring_new(m, 10, 1);
	if (!CHECK(t != NULL))
		return;
	for (uint32_t i = 0; i < t->size; i++)
		slots[t->slot[i] - 100]++;
	ratio = (double)slots[0] * 9 / (double)(t->size - slots[0]);
	printf("weights: weight-2 member owns %.4f times the slots of a "
			"weight-1 member (N=10)\n", ratio);
	CHECK(ratio >= 1.9 && ratio <= 2.1);
	/* Weight-1 members: within the cap, and not far below their share. */
	for (uint32_t i = 1; i < 10; i++)
		CHECK(slots[i] * 11.0 <= t->size * 1.05 &&
				slots[i] * 11.0 >= t->size * 0.9);
	free(t);

	/* Twenty members of weights 1 to 4: shares follow the weights. */
	memset(slots, 0, sizeof(slots));
	for (uint32_t i = 0; i < 20; i++) {
		m[i].id = 1000 + i;
		m[i].weight = 1 + i % 4;
		wsum += m[i].weight;
	}
	t = ring_new(m, 20, 1);
	if (!CHECK(t != NULL))
		return;
	for (uint32_t i = 0; i < t->size; i++)
		slots[t->slot[i] - 1000]++;
	for (uint32_t i = 0; i < 20; i++) {
		double fair = (double)t->size * m[i].weight / (double)wsum;
		double r = slots[i] / fair;

		if (r > 1 + worst)
			worst = r - 1;
		if (1 - r > worst)
			worst = 1 - r;
		CHECK(r >= 0.95 && r <= 1.05);
	}
	printf("weights: 20 members of weights 1..4: worst share off by "
			"%.2f%%\n", worst * 100);
	free(t);

	/* A heavy member and a light one: the light one still gets slots. */
	m[0].id = 1;
	m[0].weight = RING_WEIGHT_MAX;
	m[1].id = 2;
	m[1].weight = 1;
	t = ring_new(m, 2, 1);
	if (!CHECK(t != NULL))
		return;
	slots[0] = 0;
	for (uint32_t i = 0; i < t->size; i++)
		slots[0] += t->slot[i] == 2;
	/* Its share is 1/1001 of the slots, within 10%. */
	CHECK(slots[0] * 1001.0 >= t->size * 0.9);
	CHECK(slots[0] * 1001.0 <= t->size * 1.1);
	free(t);
}

/*
 * The exact fraction of the hash space whose owner differs between a and
 * b. Slot i of a table of size s holds the hashes in [i/s, (i+1)/s) of
 * the space; the two partitions are merged in units of 1/(sa * sb).
 */
static double
moved_fraction(const struct ring_table *a, const struct ring_table *b)
{
	return ring_moved_fraction(a->slot, a->size, b->slot, b->size);
}

/* The same, estimated from the channel hashes. */
static double
moved_sampled(const struct ring_table *a, const struct ring_table *b)
{
	uint32_t moved = 0;

	for (uint32_t i = 0; i < N_HASHES; i++)
		moved += ring_owner(a, hashes[i]) != ring_owner(b, hashes[i]);
	return (double)moved / N_HASHES;
}

/*
 * Remove each of a few members from n, and add one: the fraction of the
 * hash space that changes owner over the ideal fraction (the member's
 * share of the weight before it leaves, after it joins) must stay below
 * bound.
 */
static void
movement(uint32_t n, bool mixed, uint64_t seed, double bound)
{
	struct ring_member *m = malloc((n + 1) * sizeof(*m));
	struct ring_member *r = malloc(n * sizeof(*r));
	struct ring_table *t, *u;
	double worst_rm = 0, sum_rm = 0, add, f, w;
	unsigned tries = n < 3 ? n : 3;

	if (m == NULL || r == NULL)
		abort();
	members_random(m, n + 1, &seed);
	if (mixed)
		weights_mixed(m, n + 1, &seed);
	w = (double)ring_weight_sum(m, n);
	t = ring_new(m, n, 1);
	if (!CHECK(t != NULL))
		return;
	for (unsigned k = 0; k < tries; k++) {
		uint32_t gone = k * n / tries, removed_owned = 0;

		memcpy(r, m, gone * sizeof(*r));
		memcpy(r + gone, m + gone + 1, (n - 1 - gone) * sizeof(*r));
		u = ring_new(r, n - 1, 2);
		if (!CHECK(u != NULL))
			continue;
		for (uint32_t i = 0; i < u->size; i++)
			removed_owned += u->slot[i] == m[gone].id;
		CHECK_EQ(removed_owned, 0);
		f = moved_fraction(t, u);
		CHECK(f - moved_sampled(t, u) < 0.01 &&
				moved_sampled(t, u) - f < 0.01);
		f /= m[gone].weight / w;
		sum_rm += f;
		if (f > worst_rm)
			worst_rm = f;
		free(u);
	}
	u = ring_new(m, n + 1, 2);
	if (!CHECK(u != NULL))
		return;
	add = moved_fraction(t, u) / (m[n].weight / (w + m[n].weight));
	printf("movement N=%-4u %s weights (size %u): remove one: "
			"moved/ideal mean %.3f worst %.3f; add one (size %u): "
			"%.3f\n", n, mixed ? "mixed" : "equal", t->size,
			sum_rm / tries, worst_rm, u->size, add);
	if (!CHECK(worst_rm <= bound))
		fprintf(stderr, "  N=%u: removing a member moved %.2f times "
				"the ideal (bound %.2f)\n", n, worst_rm, bound);
	if (!CHECK(add <= bound))
		fprintf(stderr, "  N=%u: adding a member moved %.2f times "
				"the ideal (bound %.2f)\n", n, add, bound);
	free(u);
	free(t);
	free(m);
	free(r);
}

/*
 * The target: one member joining or leaving moves at most 1.15 times the
 * ideal share, for 10 to 1,000 members, with equal and mixed weights.
 * None of these sizes crosses a table size class when one joins.
 */
static void
test_movement(void)
{
	static const uint32_t sizes[] = { 5, 10, 50, 100, 300, 1000 };

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		movement(sizes[k], false, 3 + k, 1.15);
		movement(sizes[k], true, 30 + k, 1.15);
	}
}

static void
test_invalid(void)
{
	struct ring_member m[4] = {
		{ .id = 1, .weight = 1 }, { .id = 2, .weight = 1 },
		{ .id = 3, .weight = 1 }, { .id = 4, .weight = 1 },
	};
	struct ring_member bad[4];
	uint32_t slots = ring_table_slots(m, 4);
	size_t bytes = ring_table_bytes(slots);
	struct ring_table *t = malloc(bytes);
	uint8_t *mark = malloc(bytes);
	struct ring_member *many;

	if (t == NULL || mark == NULL)
		abort();
	memset(mark, 0xa5, bytes);

	CHECK_EQ(ring_table_slots(m, 0), 0);
	errno = 0;
	CHECK_EQ(ring_table_build(t, m, 0, 1), -1);
	CHECK_EQ(errno, EINVAL);

	/* Id 0, duplicate ids (apart in the input), weight 0, too heavy. */
	for (int c = 0; c < 5; c++) {
		memcpy(bad, m, sizeof(bad));
		switch (c) {
		case 0:
			bad[2].id = 0;
			break;
		case 1:
			bad[3].id = 1;
			break;
		case 2:
			bad[1].weight = 0;
			break;
		case 3:
			bad[0].weight = RING_WEIGHT_MAX + 1;
			break;
		default:
			bad[3].weight = UINT32_MAX;
			break;
		}
		memset(t, 0xa5, bytes);
		errno = 0;
		CHECK_EQ(ring_table_build(t, bad, 4, 1), -1);
		CHECK_EQ(errno, EINVAL);
		CHECK(memcmp(t, mark, bytes) == 0);	/* Untouched. */
	}
	/* The largest weight is fine. */
	memcpy(bad, m, sizeof(bad));
	bad[0].weight = RING_WEIGHT_MAX;
	CHECK_EQ(ring_table_build(t, bad, 4, 1), 0);

	/* More than RING_MEMBERS_MAX members. */
	many = calloc(RING_MEMBERS_MAX + 1, sizeof(*many));
	if (many == NULL)
		abort();
	for (uint32_t i = 0; i <= RING_MEMBERS_MAX; i++) {
		many[i].id = i + 1;
		many[i].weight = 1;
	}
	errno = 0;
	CHECK_EQ(ring_table_build(t, many, RING_MEMBERS_MAX + 1, 1), -1);
	CHECK_EQ(errno, EINVAL);
	free(many);
	free(t);
	free(mark);
}

static void
test_slot_bounds(void)
{
	static const uint32_t ns[] = { 1, 3, 10, 50, 200, 1000 };
	uint64_t seed = 6;
	struct ring_table t;

	for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		uint32_t prev = 0;

		t.size = ring_table_slots(NULL, ns[k]);
		CHECK_EQ(ring_slot(&t, 0), 0);
		CHECK_EQ(ring_slot(&t, UINT64_MAX), t.size - 1);
		CHECK(ring_slot(&t, UINT64_MAX - 1) < t.size);
		CHECK_EQ(ring_slot(&t, UINT64_C(1) << 63), t.size / 2);
		for (int i = 0; i < 100000; i++) {
			uint64_t h = test_rand(&seed);

			if (!CHECK(ring_slot(&t, h) < t.size))
				break;
		}
		/* Monotonic in the hash: slots are ranges of hashes. */
		for (uint64_t h = 0; h < UINT64_MAX - (UINT64_MAX >> 12);
				h += UINT64_MAX >> 12) {
			uint32_t s = ring_slot(&t, h);

			if (!CHECK(s >= prev))
				break;
			prev = s;
		}
	}
	/* The largest table: the class of 2^23 slots, 32 MiB. */
	t.size = ring_table_slots(NULL, RING_MEMBERS_MAX);
	CHECK(t.size > 1u << 23 && t.size < (1u << 23) + 1000);
	CHECK_EQ(ring_slot(&t, UINT64_MAX), t.size - 1);
}

static void
test_channel_hash(void)
{
	uint64_t seed = 8;
	char name[300];

	/* XXH3-64 of the empty input, from the xxHash reference. */
	CHECK_EQ(ring_channel_hash("", 0), UINT64_C(0x2d06800538d394c2));
	CHECK_EQ(ring_channel_hash("orders", 6), XXH3_64bits("orders", 6));
	for (int i = 0; i < 10000; i++) {
		size_t len = test_rand(&seed) % sizeof(name);

		for (size_t j = 0; j < len; j++)
			name[j] = (char)test_rand(&seed);
		if (!CHECK_EQ(ring_channel_hash(name, len),
				XXH3_64bits(name, len)))
			break;
	}
}

static const struct test_section sections[] = {
	{ "identical", test_identical },
	{ "balance", test_balance },
	{ "weights", test_weights },
	{ "invalid", test_invalid },
	{ "slot_bounds", test_slot_bounds },
	{ "channel_hash", test_channel_hash },
	{ "movement", test_movement },
};

int
main(int argc, char **argv)
{
	char name[32];
	int status;

	hashes = malloc(N_HASHES * sizeof(*hashes));
	if (hashes == NULL)
		abort();
	for (uint32_t i = 0; i < N_HASHES; i++) {
		int len = snprintf(name, sizeof(name), "channel-%u", i);

		hashes[i] = ring_channel_hash(name, (size_t)len);
	}
	status = test_run(argc, argv, "test_ring", sections,
			TEST_DIM(sections));
	free(hashes);
	return status;
}
