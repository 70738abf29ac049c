/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the channel state's data types (include/rumor/
 * crdt*.h) on arbitrary bytes. The first byte picks the type, the next
 * four cut the rest into three encodings, each decoded under small
 * limits. Whatever decodes encodes back to the same bytes and is its own
 * merge (idempotent). Of two that decode, merge in either order gives
 * the same verdict and, if it succeeds, the same state, which absorbs
 * either again; with a third, merge is associative. A refused merge
 * leaves its target as it was. ASan and UBSan watch all of it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/crdt.h"
#include "rumor/crdt_counter.h"
#include "rumor/crdt_map.h"
#include "rumor/crdt_presence.h"
#include "rumor/crdt_register.h"
#include "fuzz.h"

/* Small, so that merges reach them. */
static const struct crdt_limits limits = { .entries = 16,
	.data_bytes = 32, .key_bytes = 16, .replicas = 8 };

struct type_ops {
	size_t size;
	void (*init)(void *s);
	void (*free)(void *s);
	enum crdt_error (*merge)(void *a, const void *b,
			const struct crdt_limits *l);
	bool (*equal)(const void *a, const void *b);
	enum crdt_error (*copy)(void *dst, const void *src);
	size_t (*encode)(const void *s, uint8_t *buf, size_t cap);
	enum crdt_error (*decode)(const uint8_t *buf, size_t len,
			const struct crdt_limits *l, void *out);
};

#define OPS(T) {							\
	.size = sizeof(struct crdt_##T),				\
	.init = (void (*)(void *))crdt_##T##_init,			\
	.free = (void (*)(void *))crdt_##T##_free,			\
	.merge = (enum crdt_error (*)(void *, const void *,		\
			const struct crdt_limits *))crdt_##T##_merge,	\
	.equal = (bool (*)(const void *, const void *))crdt_##T##_equal, \
	.copy = (enum crdt_error (*)(void *, const void *))crdt_##T##_copy, \
	.encode = (size_t (*)(const void *, uint8_t *, size_t))		\
			crdt_##T##_encode,				\
	.decode = (enum crdt_error (*)(const uint8_t *, size_t,	\
			const struct crdt_limits *, void *))		\
			crdt_##T##_decode }

static const struct type_ops types[] = {
	OPS(counter), OPS(register), OPS(presence), OPS(map),
};

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

/*
 * a joined with b, in a fresh state; its verdict in *e. A refused join
 * leaves the copy of a as it was.
 */
static void *
joined(const struct type_ops *t, const void *a, const void *b,
		enum crdt_error *e)
{
	void *j = fresh(t);

	FUZZ_CHECK(t->copy(j, a) == CRDT_OK);
	*e = t->merge(j, b, &limits);
	FUZZ_CHECK((unsigned)*e < CRDT_ERROR_MAX);
	if (*e != CRDT_OK)
		FUZZ_CHECK(t->equal(j, a));
	return j;
}

static void
check_pair(const struct type_ops *t, const void *a, const void *b)
{
	enum crdt_error e1, e2, e3;
	void *ab = joined(t, a, b, &e1), *ba = joined(t, b, a, &e2);

	FUZZ_CHECK(e1 == e2);
	if (e1 == CRDT_OK) {
		void *again;

		FUZZ_CHECK(t->equal(ab, ba));
		again = joined(t, ab, b, &e3);
		FUZZ_CHECK(e3 == CRDT_OK && t->equal(again, ab));
		drop(t, again);
		again = joined(t, ab, a, &e3);
		FUZZ_CHECK(e3 == CRDT_OK && t->equal(again, ab));
		drop(t, again);
	}
	drop(t, ab);
	drop(t, ba);
}

static void
check_triple(const struct type_ops *t, const void *a, const void *b,
		const void *c)
{
	enum crdt_error e1, e2, e3, e4;
	void *ab = joined(t, a, b, &e1), *bc = joined(t, b, c, &e2);
	void *ab_c, *a_bc;

	if (e1 == CRDT_OK && e2 == CRDT_OK) {
		ab_c = joined(t, ab, c, &e3);
		a_bc = joined(t, a, bc, &e4);
		/* Limits may refuse one grouping and not the other only
		 * when an intermediate is larger: not for a join. */
		FUZZ_CHECK(e3 == e4);
		if (e3 == CRDT_OK)
			FUZZ_CHECK(t->equal(ab_c, a_bc));
		drop(t, ab_c);
		drop(t, a_bc);
	}
	drop(t, ab);
	drop(t, bc);
}

static void
fuzz_one(const uint8_t *copy, size_t size)
{
	const struct type_ops *t;
	const uint8_t *part[3];
	size_t len[3], cut1, cut2, rest;
	void *s[3];
	bool ok[3];

	if (size < 5)
		return;
	t = &types[copy[0] % (sizeof(types) / sizeof(types[0]))];
	rest = size - 5;
	cut1 = ((size_t)copy[1] << 8 | copy[2]) % (rest + 1);
	cut2 = ((size_t)copy[3] << 8 | copy[4]) % (rest - cut1 + 1);
	part[0] = copy + 5;
	len[0] = cut1;
	part[1] = part[0] + cut1;
	len[1] = cut2;
	part[2] = part[1] + cut2;
	len[2] = rest - cut1 - cut2;

	for (int i = 0; i < 3; i++) {
		/* Each part on its own exact-size heap copy, for ASan. */
		uint8_t *p = fuzz_copy(part[i], len[i]);
		enum crdt_error e;

		s[i] = fresh(t);
		if (p == NULL)
			abort();
		e = t->decode(p, len[i], &limits, s[i]);
		FUZZ_VERDICT(e, CRDT_ERROR_MAX, crdt_error_name,
				len[i] < CRDT_HDR_LEN, CRDT_SHORT);
		ok[i] = e == CRDT_OK;
		if (ok[i]) {
			FUZZ_ENCODES_AGAIN(t->encode(s[i], again_, cap_), p,
					len[i]);
			check_pair(t, s[i], s[i]);
		}
		free(p);
	}
	if (ok[0] && ok[1])
		check_pair(t, s[0], s[1]);
	if (ok[0] && ok[1] && ok[2])
		check_triple(t, s[0], s[1], s[2]);
	for (int i = 0; i < 3; i++)
		drop(t, s[i]);
}

FUZZ_TARGET(fuzz_one)
