/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The keyed index of a channel hash (include/rumor/keyed_hash.h): hashes
 * an attacker chose to share every bit the raw index used (the flood of
 * issue 12: 65,536 channels in one probe cluster of the audience table)
 * spread over the table once keyed, whatever bits they share; another
 * key gives another layout; a random key comes from the kernel.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/keyed_hash.h"
#include "test.h"

#define BITS 18u			/* The audience table's 2^18 slots. */
#define SLOTS (1u << BITS)
#define N 65536u

/* The raw index the tables used: bits 32 .. 49 of the hash. */
static uint32_t
raw_index(uint64_t h)
{
	return (uint32_t)(h >> 32) & (SLOTS - 1);
}

static uint32_t
keyed_index(const struct keyed_hash_key *k, uint64_t h)
{
	return (uint32_t)keyed_hash(k, h) & (SLOTS - 1);
}

/*
 * The longest run of taken slots when the n hashes of hs are placed by
 * linear probing: what a lookup that misses walks at worst.
 */
static uint32_t
longest_cluster(const uint64_t *hs, uint32_t n,
		uint32_t (*idx)(const struct keyed_hash_key *, uint64_t),
		const struct keyed_hash_key *k)
{
	uint8_t *taken = calloc(SLOTS, 1);
	uint32_t run = 0, longest = 0;

	if (taken == NULL)
		abort();
	for (uint32_t i = 0; i < n; i++) {
		uint32_t s = idx(k, hs[i]);

		while (taken[s])
			s = (s + 1) & (SLOTS - 1);
		taken[s] = 1;
	}
	for (uint32_t i = 0; i < 2 * SLOTS; i++) {
		run = taken[i & (SLOTS - 1)] ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	free(taken);
	return longest;
}

static uint32_t
raw_index_k(const struct keyed_hash_key *k, uint64_t h)
{
	(void)k;
	return raw_index(h);
}

/*
 * Hashes sharing the raw index bits (varying only the others), and
 * hashes varying only in their top bits or only in their low bits: one
 * cluster of all of them under the raw index, short clusters once keyed.
 */
static void
test_flood(void)
{
	static uint64_t hs[N];
	struct keyed_hash_key k;
	uint64_t seed = 12345;

	keyed_hash_key_seed(&k, 42);
	/* Shared bits 32 .. 49, the rest random. */
	for (uint32_t i = 0; i < N; i++)
		hs[i] = (keyed_hash_splitmix(&seed) &
				~((uint64_t)(SLOTS - 1) << 32)) |
				(uint64_t)0x2a5a5 << 32;
	CHECK_EQ(longest_cluster(hs, N, raw_index_k, &k), N);
	CHECK(longest_cluster(hs, N, keyed_index, &k) < 200);
	/* Only the top 16 bits differ. */
	for (uint32_t i = 0; i < N; i++)
		hs[i] = (uint64_t)i << 48 | 0x123456789abcull;
	CHECK(longest_cluster(hs, N, keyed_index, &k) < 200);
	/* Only the low 16 bits differ. */
	for (uint32_t i = 0; i < N; i++)
		hs[i] = 0xfedcba9876540000ull | i;
	CHECK(longest_cluster(hs, N, keyed_index, &k) < 200);
}

/* Same key, same index; another key, another layout. */
static void
test_keys(void)
{
	struct keyed_hash_key a, b, r1, r2;
	uint32_t same = 0;

	keyed_hash_key_seed(&a, 1);
	keyed_hash_key_seed(&b, 2);
	for (uint64_t h = 0; h < 1000; h++) {
		CHECK_EQ(keyed_hash(&a, h * 0x9e3779b97f4a7c15ull),
				keyed_hash(&a, h * 0x9e3779b97f4a7c15ull));
		same += keyed_index(&a, h) == keyed_index(&b, h);
	}
	CHECK(same < 10);
	CHECK(keyed_hash_key_random(&r1));
	CHECK(keyed_hash_key_random(&r2));
	CHECK(memcmp(&r1, &r2, sizeof(r1)) != 0);
}

static const struct test_section sections[] = {
	{ "flood", test_flood },
	{ "keys", test_keys },
};

int
main(int argc, char **argv)
{
	return test_run(argc, argv, "test_keyed_hash", sections,
			TEST_DIM(sections));
}
