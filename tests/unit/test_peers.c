/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The peer table (include/rumor/peers.h): sizing, put and find for many
 * ids including ones that share a home slot and ones that wrap around
 * the end, replacement, misses, the half-full limit and id 0. Tables are
 * allocated at exactly peer_table_bytes() so ASan catches a probe beyond.
 */
#include <stdlib.h>
#include <string.h>

#include "rumor/peers.h"
#include "test.h"

static struct peer_table *
table_new(uint32_t slots, uint64_t gen)
{
	struct peer_table *t = malloc(peer_table_bytes(slots));

	if (t == NULL)
		abort();
	memset(t, 0xa5, peer_table_bytes(slots));
	peer_table_init(t, slots, gen);
	return t;
}

/* A peer whose fields all derive from its id. */
static struct peer
peer_make(uint32_t id, uint8_t tag)
{
	struct peer p = {
		.id = id,
		.ip = id * 2654435761u,
		.udp_port = (uint16_t)(id ^ 0x1ee7),
		.dpdk_port = (uint16_t)(id % 4),
		.mac = { 0x02, tag, (uint8_t)(id >> 24), (uint8_t)(id >> 16),
			(uint8_t)(id >> 8), (uint8_t)id },
		.resolved = (uint8_t)(id & 1),
		.hops = 1,
	};

	return p;
}

static bool
peer_same(const struct peer *a, const struct peer *b)
{
	return a->id == b->id && a->ip == b->ip &&
			a->udp_port == b->udp_port &&
			a->dpdk_port == b->dpdk_port &&
			memcmp(a->mac, b->mac, 6) == 0 &&
			a->resolved == b->resolved && a->hops == b->hops;
}

static void
test_sizing(void)
{
	CHECK_EQ(peer_table_slots(0), 8);
	CHECK_EQ(peer_table_slots(1), 8);
	CHECK_EQ(peer_table_slots(4), 8);
	CHECK_EQ(peer_table_slots(5), 16);
	CHECK_EQ(peer_table_slots(8), 16);
	CHECK_EQ(peer_table_slots(9), 32);
	CHECK_EQ(peer_table_slots(65535), 131072);
	for (uint32_t n = 0; n < 5000; n++) {
		uint32_t s = peer_table_slots(n);

		if (!CHECK(s >= 2 * n && (s & (s - 1)) == 0 &&
				(s == 8 || s / 2 < 2 * n)))
			break;
	}
	CHECK_EQ(peer_table_bytes(8), sizeof(struct peer_table) +
			8 * sizeof(struct peer));
}

static void
test_init(void)
{
	struct peer_table *t = table_new(16, 77);
	static const uint8_t zero[sizeof(struct peer)];

	CHECK_EQ(t->gen, 77);
	CHECK_EQ(t->mask, 15);
	CHECK_EQ(t->n, 0);
	for (uint32_t i = 0; i < 16; i++)
		CHECK(memcmp(&t->slot[i], zero, sizeof(zero)) == 0);
	CHECK(peer_find(t, 1) == NULL);
	CHECK(peer_find(t, UINT32_MAX) == NULL);
	free(t);
}

/* Ids whose home slot is `home` in a table of mask `mask`. */
static uint32_t
ids_with_home(uint32_t mask, uint32_t home, uint32_t *out, uint32_t want,
		uint32_t from)
{
	uint32_t got = 0;

	for (uint32_t id = from; got < want && id != 0; id++)
		if (peer_hash(id, mask) == home)
			out[got++] = id;
	return got;
}

static void
test_many(void)
{
	uint64_t seed = 12;
	uint32_t n = 1000, slots = peer_table_slots(n);
	struct peer_table *t = table_new(slots, 1);
	uint32_t *ids = malloc(n * sizeof(*ids)), got = 0;

	if (ids == NULL)
		abort();
	/* Eight ids on one home slot, eight on the last (they wrap). */
	got += ids_with_home(t->mask, 5, ids + got, 8, 1);
	got += ids_with_home(t->mask, t->mask, ids + got, 8, 1);
	/* Extremes. */
	ids[got++] = UINT32_MAX;
	ids[got++] = 1u << 31;
	/* The rest random. */
	test_unique_ids(ids, got, n, &seed);
	for (uint32_t i = 0; i < n; i++) {
		struct peer p = peer_make(ids[i], 1);

		CHECK_EQ(peer_table_put(t, &p), 0);
	}
	CHECK_EQ(t->n, n);
	for (uint32_t i = 0; i < n; i++) {
		struct peer p = peer_make(ids[i], 1);
		const struct peer *f = peer_find(t, ids[i]);

		if (!CHECK(f != NULL && peer_same(f, &p)))
			fprintf(stderr, "  id %u\n", ids[i]);
	}
	/* Misses: ids never put, some sharing the crowded home slots. */
	{
		uint32_t miss[16], k;

		k = ids_with_home(t->mask, 5, miss, 8, ids[7] + 1);
		k += ids_with_home(t->mask, t->mask, miss + k, 8,
				ids[15] + 1);
		for (uint32_t i = 0; i < k; i++) {
			uint32_t j;

			for (j = 0; j < n && ids[j] != miss[i]; j++)
				;
			if (j == n)
				CHECK(peer_find(t, miss[i]) == NULL);
		}
	}
	for (int i = 0; i < 10000; i++) {
		uint32_t id = (uint32_t)test_rand(&seed), j;

		for (j = 0; j < n && ids[j] != id; j++)
			;
		if (j == n && id != 0)
			CHECK(peer_find(t, id) == NULL);
	}
	/* Replace every other one: n unchanged, new contents found. */
	for (uint32_t i = 0; i < n; i += 2) {
		struct peer p = peer_make(ids[i], 2);

		p.resolved = 1;
		CHECK_EQ(peer_table_put(t, &p), 0);
	}
	CHECK_EQ(t->n, n);
	for (uint32_t i = 0; i < n; i++) {
		struct peer p = peer_make(ids[i], i % 2 == 0 ? 2 : 1);
		const struct peer *f = peer_find(t, ids[i]);

		if (i % 2 == 0)
			p.resolved = 1;
		CHECK(f != NULL && peer_same(f, &p));
	}
	free(ids);
	free(t);
}

static void
test_full(void)
{
	struct peer_table *t = table_new(16, 1);
	uint32_t ids[9];
	struct peer p;

	/* Nine ids on one home slot: the probe chain wraps around. */
	CHECK_EQ(ids_with_home(t->mask, 14, ids, 9, 1), 9);
	for (uint32_t i = 0; i < 8; i++) {
		p = peer_make(ids[i], 1);
		CHECK_EQ(peer_table_put(t, &p), 0);
	}
	CHECK_EQ(t->n, 8);
	/* Half full: no more. */
	p = peer_make(ids[8], 1);
	CHECK_EQ(peer_table_put(t, &p), -1);
	CHECK_EQ(t->n, 8);
	CHECK(peer_find(t, ids[8]) == NULL);
	/* Replacing is still fine. */
	p = peer_make(ids[3], 3);
	CHECK_EQ(peer_table_put(t, &p), 0);
	CHECK_EQ(t->n, 8);
	CHECK(peer_find(t, ids[3]) != NULL &&
			peer_find(t, ids[3])->mac[1] == 3);
	for (uint32_t i = 0; i < 8; i++)
		CHECK(peer_find(t, ids[i]) != NULL);
	free(t);

	/* The smallest table holds four. */
	t = table_new(peer_table_slots(0), 1);
	for (uint32_t id = 1; id <= 5; id++) {
		p = peer_make(id, 1);
		CHECK_EQ(peer_table_put(t, &p), id <= 4 ? 0 : -1);
	}
	CHECK_EQ(t->n, 4);
	free(t);
}

static void
test_id_zero(void)
{
	struct peer_table *t = table_new(8, 1);
	struct peer p = peer_make(0, 1), q = peer_make(9, 1);
	static const uint8_t zero[sizeof(struct peer)];

	CHECK_EQ(peer_table_put(t, &p), -1);
	CHECK_EQ(t->n, 0);
	for (uint32_t i = 0; i < 8; i++)
		CHECK(memcmp(&t->slot[i], zero, sizeof(zero)) == 0);
	CHECK_EQ(peer_table_put(t, &q), 0);
	CHECK_EQ(peer_table_put(t, &p), -1);
	CHECK_EQ(t->n, 1);
	free(t);
}

/*
 * peer_find(t, 0) must say "no such peer" like any other missing id. It
 * compares the id with each probed slot's id before testing for an empty
 * slot (id 0), so it returns the first empty slot instead of NULL.
 */
static void
test_find_zero(void)
{
	struct peer_table *t = table_new(8, 1);
	struct peer q = peer_make(9, 1);
	const struct peer *f;

	f = peer_find(t, 0);
	if (!CHECK(f == NULL))
		fprintf(stderr, "  peer_find(t, 0) on an empty table returned "
				"slot %td (id %u, valid %u)\n", f - t->slot,
				f->id, f->hops);
	CHECK_EQ(peer_table_put(t, &q), 0);
	CHECK(peer_find(t, 0) == NULL);
	free(t);
}

static const struct test_section sections[] = {
	{ "sizing", test_sizing },
	{ "init", test_init },
	{ "many", test_many },
	{ "full", test_full },
	{ "id_zero", test_id_zero },
	{ "find_zero", test_find_zero },
};

int
main(int argc, char **argv)
{
	return test_run(argc, argv, "test_peers", sections,
			TEST_DIM(sections));
}
