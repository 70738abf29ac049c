/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The laws of the channel state's data types (include/rumor/crdt*.h),
 * checked over random runs: several replicas mutate their own state and
 * now and then merge another's whole state, every delta kept. Then, for
 * every type: merge is commutative, associative and idempotent on the
 * replicas' states and on the deltas; the deltas joined in any order,
 * some twice, give the join of the final states; every state and delta
 * encodes, decodes to an equal one and encodes again to the same bytes;
 * every truncation of an encoding is refused, and every single-byte
 * change is refused or decodes to a state that encodes back to exactly
 * the changed bytes.
 *
 * One harness serves the four types through a table of their
 * operations on void pointers.
 */
#include <stdlib.h>
#include <string.h>

#include "rumor/crdt.h"
#include "rumor/crdt_counter.h"
#include "rumor/crdt_map.h"
#include "rumor/crdt_presence.h"
#include "rumor/crdt_register.h"
#include "rumor/hlc.h"
#include "rumor/prng.h"
#include "test.h"

#define REPLICAS 4u
#define STEPS 60u
#define SEEDS 200u
#define DELTAS_MAX (STEPS + 1)

static struct crdt_limits limits;

/* A run's world: what the mutators of the register need beyond state. */
struct world {
	uint64_t rng;
	uint64_t wall_ms;
	struct hlc clock[REPLICAS];
};

struct type_ops {
	const char *name;
	size_t size;
	void (*init)(void *s);
	void (*free)(void *s);
	enum crdt_error (*merge)(void *a, const void *b,
			const struct crdt_limits *l);
	bool (*equal)(const void *a, const void *b);
	enum crdt_error (*copy)(void *dst, const void *src);
	size_t (*encoded_len)(const void *s);
	size_t (*encode)(const void *s, uint8_t *buf, size_t cap);
	enum crdt_error (*decode)(const uint8_t *buf, size_t len,
			const struct crdt_limits *l, void *out);
	/* A random mutation as replica r (0 ..) of s, its delta into d. */
	enum crdt_error (*mutate)(void *s, uint32_t r, struct world *w,
			void *d);
	/* What replica r does on merging s into its state: its clock. */
	void (*seen)(const void *s, uint32_t r, struct world *w);
};

static uint32_t
draw(struct world *w, uint32_t n)
{
	return prng_scale(prng_splitmix64(&w->rng), n);
}

/* Replica ids 1 .., far apart so that their order is not their index. */
static uint32_t
replica_id(uint32_t r)
{
	return 0x1000u * (REPLICAS - r) + 7;
}

static void
seen_nothing(const void *s, uint32_t r, struct world *w)
{
	(void)s, (void)r, (void)w;
}

/* Counter. */

static enum crdt_error
counter_mutate(void *s, uint32_t r, struct world *w, void *d)
{
	int64_t by = (int64_t)draw(w, 11) - 5;

	return crdt_counter_add(s, replica_id(r), by, &limits, d);
}

#define OPS(T, mut, seen_fn) {						\
	.name = #T, .size = sizeof(struct crdt_##T),			\
	.init = (void (*)(void *))crdt_##T##_init,			\
	.free = (void (*)(void *))crdt_##T##_free,			\
	.merge = (enum crdt_error (*)(void *, const void *,		\
			const struct crdt_limits *))crdt_##T##_merge,	\
	.equal = (bool (*)(const void *, const void *))crdt_##T##_equal, \
	.copy = (enum crdt_error (*)(void *, const void *))crdt_##T##_copy, \
	.encoded_len = (size_t (*)(const void *))crdt_##T##_encoded_len, \
	.encode = (size_t (*)(const void *, uint8_t *, size_t))		\
			crdt_##T##_encode,				\
	.decode = (enum crdt_error (*)(const uint8_t *, size_t,	\
			const struct crdt_limits *, void *))		\
			crdt_##T##_decode,				\
	.mutate = mut, .seen = seen_fn }

/* Register: each replica's clock has seen what it merged. */

static enum crdt_error
register_mutate(void *s, uint32_t r, struct world *w, void *d)
{
	struct crdt_register *reg = s;
	uint8_t v[16];
	uint32_t len = draw(w, sizeof(v) + 1);
	uint64_t ts;

	for (uint32_t i = 0; i < len; i++)
		v[i] = (uint8_t)draw(w, 256);
	/* Clocks that lag and jump: the HLC still orders what was seen. */
	w->wall_ms += draw(w, 3);
	CHECK_EQ(hlc_update(&w->clock[r], reg->ts,
			w->wall_ms - draw(w, 5)), 0);
	ts = hlc_now(&w->clock[r], w->wall_ms - draw(w, 5));
	return crdt_register_set(reg, ts, replica_id(r), v, len, &limits, d);
}

static void
register_seen(const void *s, uint32_t r, struct world *w)
{
	const struct crdt_register *reg = s;

	CHECK_EQ(hlc_update(&w->clock[r], reg->ts, w->wall_ms), 0);
}

/* Presence: a few clients on a few nodes, entering and leaving. */

static enum crdt_error
presence_mutate(void *s, uint32_t r, struct world *w, void *d)
{
	uint32_t op = draw(w, 10);
	uint64_t client = 1 + draw(w, 8);
	uint8_t v[12];
	uint32_t len = draw(w, sizeof(v) + 1);
	/* Drawn in their own statements: the same run under any compiler. */
	uint32_t node = 1 + draw(w, 3), inc = 1 + draw(w, 2);

	for (uint32_t i = 0; i < len; i++)
		v[i] = (uint8_t)draw(w, 256);
	if (op < 6)
		return crdt_presence_enter(s, replica_id(r), client, node,
				inc, v, len, &limits, d);
	if (op < 9)
		return crdt_presence_leave(s, client, &limits, d);
	return crdt_presence_remove_node(s, node, inc, &limits, d);
}

/*
 * Map: a few keys, one the prefix of another, each made a counter or a
 * register by its first write, written and removed. Replicas that write
 * a key first concurrently make it of both types for a while.
 */
static const char *const map_keys[] = { "a", "ab", "b", "count", "\xff" };

static enum crdt_error
map_mutate(void *s, uint32_t r, struct world *w, void *d)
{
	struct crdt_map *m = s;
	uint32_t op = draw(w, 10);
	const char *key = map_keys[draw(w, TEST_DIM(map_keys))];
	uint32_t key_len = (uint32_t)strlen(key);
	const struct crdt_map_key *k = crdt_map_find(m, (const uint8_t *)key,
			key_len);
	const struct crdt_map_rec *top;
	int64_t by = (int64_t)draw(w, 11) - 5;
	bool counter = draw(w, 2) == 0;
	uint8_t v[12];
	uint32_t len = draw(w, sizeof(v) + 1);
	uint64_t ts;

	for (uint32_t i = 0; i < len; i++)
		v[i] = (uint8_t)draw(w, 256);
	if (op < 3)
		return crdt_map_remove(m, (const uint8_t *)key, key_len,
				&limits, d);
	if (k != NULL)
		counter = crdt_map_key_type(k) == CRDT_T_COUNTER;
	if (counter)
		return crdt_map_add(m, replica_id(r), (const uint8_t *)key,
				key_len, by, &limits, d);
	w->wall_ms += draw(w, 3);
	top = crdt_map_register(m, (const uint8_t *)key, key_len);
	if (top != NULL)
		CHECK_EQ(hlc_update(&w->clock[r], top->ts,
				w->wall_ms - draw(w, 5)), 0);
	ts = hlc_now(&w->clock[r], w->wall_ms - draw(w, 5));
	return crdt_map_set(m, replica_id(r), (const uint8_t *)key, key_len,
			ts, v, len, &limits, d);
}

static void
map_seen(const void *s, uint32_t r, struct world *w)
{
	const struct crdt_map *m = s;

	for (uint32_t i = 0; i < m->rec_len; i++)
		CHECK_EQ(hlc_update(&w->clock[r], m->rec[i].ts, w->wall_ms),
				0);
}

static const struct type_ops types[] = {
	OPS(counter, counter_mutate, seen_nothing),
	OPS(register, register_mutate, register_seen),
	OPS(presence, presence_mutate, seen_nothing),
	OPS(map, map_mutate, map_seen),
};

/* A fresh state of t. */
static void *
fresh(const struct type_ops *t)
{
	void *s = malloc(t->size);

	if (s == NULL)
		abort();
	t->init(s);
	return s;
}

static void
drop(const struct type_ops *t, void *s)
{
	t->free(s);
	free(s);
}

/* A copy of a joined with b. */
static void *
joined(const struct type_ops *t, const void *a, const void *b)
{
	void *j = fresh(t);

	CHECK_EQ(t->copy(j, a), CRDT_OK);
	CHECK_EQ(t->merge(j, b, &limits), CRDT_OK);
	return j;
}

static void
check_laws(const struct type_ops *t, const void *a, const void *b,
		const void *c)
{
	void *ab = joined(t, a, b), *ba = joined(t, b, a);
	void *ab_c = joined(t, ab, c), *bc = joined(t, b, c);
	void *a_bc = joined(t, a, bc), *aa = joined(t, a, a);

	CHECK(t->equal(ab, ba));
	CHECK(t->equal(ab_c, a_bc));
	CHECK(t->equal(aa, a));
	drop(t, ab), drop(t, ba), drop(t, ab_c), drop(t, bc), drop(t, a_bc);
	drop(t, aa);
}

/* s encodes, decodes to an equal state, and encodes again the same. */
static void
check_round_trip(const struct type_ops *t, const void *s)
{
	size_t len = t->encoded_len(s), n;
	uint8_t *buf = test_alloc_exact(len);
	void *d = fresh(t);

	n = t->encode(s, buf, len);
	CHECK_EQ(n, len);
	CHECK_EQ(t->encode(s, buf, len - 1), 0);
	CHECK_EQ(TEST_DECODE_EXACT(t->decode, buf, len, &limits, d), CRDT_OK);
	CHECK(t->equal(d, s));
	CHECK_REENCODES(t->encode, d, buf, len);
	drop(t, d);
	free(buf);
}

/*
 * Every truncation of s's encoding refused; every byte changed (by each
 * of a few masks) refused, or decoded to a state that re-encodes
 * exactly the changed bytes.
 */
static void
check_mutations(const struct type_ops *t, const void *s)
{
	static const uint8_t masks[] = { 0x01, 0x80, 0xff, 0x10 };
	size_t len = t->encoded_len(s);
	uint8_t *buf = test_alloc_exact(len);
	void *d = fresh(t);

	CHECK_EQ(t->encode(s, buf, len), len);
	for (size_t cut = 0; cut < len; cut++)
		CHECK(TEST_DECODE_EXACT(t->decode, buf, cut, &limits, d) !=
				CRDT_OK);
	for (size_t i = 0; i < len; i++) {
		for (size_t m = 0; m < TEST_DIM(masks); m++) {
			buf[i] ^= masks[m];
			if (TEST_DECODE_EXACT(t->decode, buf, len, &limits,
					d) == CRDT_OK)
				CHECK_REENCODES(t->encode, d, buf, len);
			buf[i] ^= masks[m];
		}
	}
	drop(t, d);
	free(buf);
}

/* One run of type t from seed: the laws on what it made. */
static void
run(const struct type_ops *t, uint64_t seed, bool mutations)
{
	struct world w = { .rng = seed, .wall_ms = 1000000 };
	void *st[REPLICAS], *deltas[DELTAS_MAX], *all, *from_deltas;
	uint32_t nd = 0, order[2 * DELTAS_MAX], no = 0;

	for (uint32_t r = 0; r < REPLICAS; r++) {
		st[r] = fresh(t);
		hlc_init(&w.clock[r], HLC_DRIFT_DEFAULT_MS);
	}
	for (uint32_t step = 0; step < STEPS; step++) {
		uint32_t r = draw(&w, REPLICAS), o = draw(&w, REPLICAS);

		if (draw(&w, 4) == 0 && o != r) {
			CHECK_EQ(t->merge(st[r], st[o], &limits), CRDT_OK);
			t->seen(st[o], r, &w);
			continue;
		}
		deltas[nd] = fresh(t);
		CHECK_EQ(t->mutate(st[r], r, &w, deltas[nd]), CRDT_OK);
		/* A delta is already in its replica's state. */
		void *back = joined(t, st[r], deltas[nd]);
		CHECK(t->equal(back, st[r]));
		drop(t, back);
		nd++;
	}

	all = fresh(t);
	for (uint32_t r = 0; r < REPLICAS; r++)
		CHECK_EQ(t->merge(all, st[r], &limits), CRDT_OK);
	/* Every delta once, a third of them twice, shuffled. */
	for (uint32_t i = 0; i < nd; i++) {
		order[no++] = i;
		if (draw(&w, 3) == 0)
			order[no++] = i;
	}
	for (uint32_t i = no; i > 1; i--) {
		uint32_t j = draw(&w, i), x = order[i - 1];

		order[i - 1] = order[j];
		order[j] = x;
	}
	from_deltas = fresh(t);
	for (uint32_t i = 0; i < no; i++)
		CHECK_EQ(t->merge(from_deltas, deltas[order[i]], &limits),
				CRDT_OK);
	if (!CHECK(t->equal(from_deltas, all)))
		fprintf(stderr, "  %s seed %llu\n", t->name,
				(unsigned long long)seed);

	for (uint32_t r = 0; r < REPLICAS; r++) {
		check_laws(t, st[r], st[(r + 1) % REPLICAS],
				st[(r + 2) % REPLICAS]);
		check_round_trip(t, st[r]);
	}
	for (uint32_t i = 0; i + 2 < nd; i += 3) {
		check_laws(t, deltas[i], deltas[i + 1], deltas[i + 2]);
		check_laws(t, deltas[i], st[0], deltas[i + 2]);
		check_round_trip(t, deltas[i]);
	}
	check_round_trip(t, all);
	if (mutations) {
		check_mutations(t, all);
		if (nd > 0)
			check_mutations(t, deltas[nd - 1]);
	}

	for (uint32_t r = 0; r < REPLICAS; r++)
		drop(t, st[r]);
	for (uint32_t i = 0; i < nd; i++)
		drop(t, deltas[i]);
	drop(t, all);
	drop(t, from_deltas);
}

static void
test_laws(void)
{
	for (size_t k = 0; k < TEST_DIM(types); k++)
		for (uint64_t seed = 1; seed <= SEEDS; seed++)
			run(&types[k], seed * PRNG_GOLDEN, seed <= 3);
}

/* The empty state of each type: the identity of merge, and its bytes. */
static void
test_empty(void)
{
	for (size_t k = 0; k < TEST_DIM(types); k++) {
		const struct type_ops *t = &types[k];
		void *e = fresh(t), *f = fresh(t);

		check_round_trip(t, e);
		check_mutations(t, e);
		CHECK_EQ(t->merge(f, e, &limits), CRDT_OK);
		CHECK(t->equal(e, f));
		drop(t, e);
		drop(t, f);
	}
}

static const struct test_section sections[] = {
	{ "empty", test_empty },
	{ "laws", test_laws },
};

int
main(int argc, char **argv)
{
	crdt_limits_default(&limits);
	return test_run(argc, argv, "test_crdt_laws", sections,
			TEST_DIM(sections));
}
