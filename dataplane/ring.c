/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Building the ring table: a weighted Maglev table (Eisenbud et al.,
 * NSDI 2016). Each member walks its own permutation of the slots, fixed by
 * hashes of its id, and members take turns claiming the next free slot of
 * their permutation, each as often as its weight says. The result
 * balances almost perfectly and depends only on the member set: members
 * are sorted by id before the turns start.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "rumor/ring.h"

#define RING_SLOTS_MIN (1u << 16)	/* Smallest size class (power of 2). */
#define RING_SLOTS_MAX (1u << 23)	/* Largest size class. */
#define RING_SEED_OFFSET 0x72756d6f726f6666ull	/* Permutation start. */
#define RING_SEED_SKIP 0x72756d6f72736b70ull	/* Permutation stride. */

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

/*
 * The table size depends on the member count only through a size class:
 * the first prime above a power of two, at least 2^16 and at least
 * RING_SLOTS_PER_MEMBER per member. Within a class a membership change
 * moves about 1/N of the slots; a change of class (1024 -> 1025 members,
 * and so on) rebuilds the table from scratch, since every permutation
 * depends on the size.
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
	for (s = s + 1; !is_prime(s); s++)
		;
	return s;
}

size_t
ring_table_bytes(uint32_t slots)
{
	return sizeof(struct ring_table) + (size_t)slots * sizeof(uint32_t);
}

static int
member_cmp(const void *a, const void *b)
{
	const struct ring_member *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static uint64_t
id_hash(uint32_t id, uint64_t seed)
{
	uint8_t b[4] = { id >> 24, id >> 16, id >> 8, id };

	return XXH3_64bits_withSeed(b, sizeof(b), seed);
}

/* Per-member state while the table fills. */
struct turn {
	uint32_t id;
	uint32_t weight;
	uint64_t offset;
	uint64_t skip;
	uint64_t next;		/* Next index into the permutation. */
	uint64_t credit;	/* Turns owed, in units of 1/RING_WEIGHT_MAX. */
};

int
ring_table_build(struct ring_table *t, const struct ring_member *m,
		uint32_t n, uint64_t epoch)
{
	uint32_t size = ring_table_slots(m, n), filled = 0, wmax = 0;
	struct turn *turns;

	if (n == 0 || n > RING_MEMBERS_MAX) {
		errno = EINVAL;
		return -1;
	}
	turns = calloc(n, sizeof(*turns));
	if (turns == NULL)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		turns[i].id = m[i].id;
		turns[i].weight = m[i].weight;
	}
	qsort(turns, n, sizeof(*turns), member_cmp);
	for (uint32_t i = 0; i < n; i++) {
		if (turns[i].id == 0 || turns[i].weight == 0 ||
				turns[i].weight > RING_WEIGHT_MAX ||
				(i > 0 && turns[i].id == turns[i - 1].id)) {
			free(turns);
			errno = EINVAL;
			return -1;
		}
		if (turns[i].weight > wmax)
			wmax = turns[i].weight;
		turns[i].offset = id_hash(turns[i].id, RING_SEED_OFFSET) % size;
		turns[i].skip = id_hash(turns[i].id, RING_SEED_SKIP) %
				(size - 1) + 1;
	}

	t->epoch = epoch;
	t->size = size;
	t->n_members = n;
	memset(t->slot, 0, (size_t)size * sizeof(t->slot[0]));

	/*
	 * Rounds: each member earns weight/wmax of a turn per round and
	 * spends whole turns claiming the next free slot of its permutation.
	 * The heaviest member claims one slot per round.
	 */
	while (filled < size) {
		for (uint32_t i = 0; i < n && filled < size; i++) {
			struct turn *u = &turns[i];

			u->credit += (uint64_t)u->weight * RING_WEIGHT_MAX / wmax;
			while (u->credit >= RING_WEIGHT_MAX && filled < size) {
				uint64_t c;

				do {
					c = (u->offset + u->next * u->skip) %
							size;
					u->next++;
				} while (t->slot[c] != 0);
				t->slot[c] = u->id;
				filled++;
				u->credit -= RING_WEIGHT_MAX;
			}
		}
	}
	free(turns);
	return 0;
}
