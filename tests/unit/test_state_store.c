/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One replica's state objects (include/rumor/state_store.h): writes of
 * every operation and their deltas merged into another replica, equal
 * digests once both hold the same, idempotent and unordered merges, the
 * shape of operations refused, the object bound, merges refused for bad
 * encodings, another kind and timestamps too far ahead (each changing
 * nothing), deltas over the caller's buffer, and many keys found again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/state_store.h"
#include "test.h"

#define NOW 1700000000000ull	/* A wall clock, ms. */

static uint8_t buf[1 << 17];

static struct crdt_limits lim;

/* An op of kind and op on key (a C string), the rest 0. */
static struct state_write_op
op_of(uint8_t kind, uint8_t op, const char *key)
{
	struct state_write_op o;

	memset(&o, 0, sizeof(o));
	o.kind = kind;
	o.op = op;
	o.key = (const uint8_t *)key;
	o.key_len = strlen(key);
	return o;
}

/* Apply o at a, and merge its delta into b; the delta's length. */
static size_t
write_to(struct state_store *a, struct state_store *b,
		const struct state_write_op *o)
{
	size_t len = 0;
	bool changed = false;

	CHECK_EQ(state_store_write(a, o, NOW, buf, sizeof(buf), &len),
			CRDT_OK);
	if (b != NULL && len != 0) {
		CHECK_EQ(state_store_merge(b, o->kind, o->key, o->key_len, buf,
				len, NOW, &changed), CRDT_OK);
		CHECK(changed);
	}
	return len;
}

static void
check_same(const struct state_store *a, const struct state_store *b,
		uint8_t kind, const char *key)
{
	const uint8_t *k = (const uint8_t *)key;
	uint64_t da = state_store_digest_of(a, kind, k, strlen(key));

	CHECK(da != 0);
	CHECK_EQ(da, state_store_digest_of(b, kind, k, strlen(key)));
}

static void
test_init(void)
{
	struct state_store st;

	CHECK(state_store_init(&st, 0, &lim, 8) == -EINVAL);
	CHECK(state_store_init(&st, 1, &lim, 0) == -EINVAL);
	CHECK(state_store_init(&st, 1, &lim, STATE_STORE_OBJECTS_MAX + 1) ==
			-EINVAL);
	CHECK(state_store_init(&st, 1, &lim, STATE_STORE_OBJECTS_MAX) == 0);
	state_store_free(&st);
}

/* Every operation at replica 1, its delta merged at replica 2. */
static void
test_each_op(void)
{
	struct state_store a, b;
	struct state_write_op o;
	int64_t v;

	CHECK(state_store_init(&a, 1, &lim, 16) == 0);
	CHECK(state_store_init(&b, 2, &lim, 16) == 0);

	o = op_of(STATE_KIND_COUNTER, STATE_OP_COUNTER_ADD, "hits");
	o.by = 5;
	write_to(&a, &b, &o);
	o.by = -2;
	write_to(&a, &b, &o);
	CHECK_EQ(state_store_counter_value(&b, o.key, o.key_len, &v),
			CRDT_OK);
	CHECK_EQ(v, 3);
	check_same(&a, &b, STATE_KIND_COUNTER, "hits");
	/* Replica 2's own adds are its own entry: both count. */
	o.by = 10;
	write_to(&b, &a, &o);
	CHECK_EQ(state_store_counter_value(&a, o.key, o.key_len, &v),
			CRDT_OK);
	CHECK_EQ(v, 13);
	check_same(&a, &b, STATE_KIND_COUNTER, "hits");

	o = op_of(STATE_KIND_REGISTER, STATE_OP_REGISTER_SET, "");
	o.value = (const uint8_t *)"blue";
	o.value_len = 4;
	write_to(&a, &b, &o);
	o.value = (const uint8_t *)"green";
	o.value_len = 5;
	write_to(&b, &a, &o);	/* Later by b's clock, which saw a's. */
	CHECK_EQ(state_store_find(&a, STATE_KIND_REGISTER, NULL, 0)->u.reg.len,
			5);
	check_same(&a, &b, STATE_KIND_REGISTER, "");

	o = op_of(STATE_KIND_MAP, STATE_OP_MAP_SET, "cfg");
	o.field = (const uint8_t *)"title";
	o.field_len = 5;
	o.value = (const uint8_t *)"hi";
	o.value_len = 2;
	write_to(&a, &b, &o);
	o = op_of(STATE_KIND_MAP, STATE_OP_MAP_INCR, "cfg");
	o.field = (const uint8_t *)"n";
	o.field_len = 1;
	o.by = 7;
	write_to(&b, &a, &o);
	o = op_of(STATE_KIND_MAP, STATE_OP_MAP_DEL, "cfg");
	o.field = (const uint8_t *)"title";
	o.field_len = 5;
	write_to(&a, &b, &o);
	CHECK(crdt_map_find(&state_store_find(&b, STATE_KIND_MAP,
			(const uint8_t *)"cfg", 3)->u.map,
			(const uint8_t *)"title", 5) == NULL);
	CHECK(crdt_map_counter_value(&state_store_find(&b, STATE_KIND_MAP,
			(const uint8_t *)"cfg", 3)->u.map,
			(const uint8_t *)"n", 1, &v) == CRDT_OK && v == 7);
	check_same(&a, &b, STATE_KIND_MAP, "cfg");

	o = op_of(STATE_KIND_PRESENCE, STATE_OP_PRESENCE_ENTER, "room");
	o.client = 42;
	o.node = 3;
	o.incarnation = 1;
	o.value = (const uint8_t *)"away";
	o.value_len = 4;
	write_to(&a, &b, &o);
	o.op = STATE_OP_PRESENCE_UPDATE;
	o.value_len = 3;
	write_to(&b, &a, &o);
	CHECK_EQ(crdt_presence_get(&state_store_find(&a, STATE_KIND_PRESENCE,
			(const uint8_t *)"room", 4)->u.presence, 42)->len, 3);
	o.op = STATE_OP_PRESENCE_LEAVE;
	o.value = NULL;
	o.value_len = 0;
	write_to(&a, &b, &o);
	CHECK(crdt_presence_get(&state_store_find(&b, STATE_KIND_PRESENCE,
			(const uint8_t *)"room", 4)->u.presence, 42) == NULL);
	check_same(&a, &b, STATE_KIND_PRESENCE, "room");
	CHECK_EQ(a.n, 4);
	CHECK_EQ(b.n, 4);
	state_store_free(&a);
	state_store_free(&b);
}

/* Whole states merge in any order, any number of times. */
static void
test_merge_laws(void)
{
	struct state_store a, b, c;
	struct state_write_op o = op_of(STATE_KIND_COUNTER,
			STATE_OP_COUNTER_ADD, "k");
	uint8_t sa[256], sb[256];
	size_t la, lb;
	bool changed;

	CHECK(state_store_init(&a, 1, &lim, 4) == 0);
	CHECK(state_store_init(&b, 2, &lim, 4) == 0);
	CHECK(state_store_init(&c, 3, &lim, 4) == 0);
	o.by = 4;
	write_to(&a, NULL, &o);
	o.by = 6;
	write_to(&b, NULL, &o);
	CHECK_EQ(state_store_encode(&a, o.kind, o.key, 1, sa, sizeof(sa),
			&la), CRDT_OK);
	CHECK_EQ(state_store_encode(&b, o.kind, o.key, 1, sb, sizeof(sb),
			&lb), CRDT_OK);
	/* c takes b then a, twice; a takes b: equal. */
	CHECK_EQ(state_store_merge(&c, o.kind, o.key, 1, sb, lb, NOW,
			&changed), CRDT_OK);
	CHECK(changed);
	CHECK_EQ(state_store_merge(&c, o.kind, o.key, 1, sa, la, NOW,
			&changed), CRDT_OK);
	CHECK(changed);
	CHECK_EQ(state_store_merge(&c, o.kind, o.key, 1, sa, la, NOW,
			&changed), CRDT_OK);
	CHECK(!changed);
	CHECK_EQ(state_store_merge(&a, o.kind, o.key, 1, sb, lb, NOW, NULL),
			CRDT_OK);
	check_same(&a, &c, STATE_KIND_COUNTER, "k");
	state_store_free(&a);
	state_store_free(&b);
	state_store_free(&c);
}

/* Operations of the wrong shape: refused, nothing made. */
static void
test_refused_ops(void)
{
	static uint8_t longkey[STATE_KEY_MAX + 1];
	struct state_store st;
	struct state_write_op o;
	size_t len = 99;

	CHECK(state_store_init(&st, 1, &lim, 4) == 0);
	o = op_of(STATE_KIND_REGISTER, STATE_OP_COUNTER_ADD, "x");
	CHECK_EQ(state_store_write(&st, &o, NOW, buf, sizeof(buf), &len),
			CRDT_TYPE);
	CHECK_EQ(len, 0);
	o = op_of(STATE_KIND_NONE, STATE_OP_NONE, "x");
	CHECK_EQ(state_store_write(&st, &o, NOW, buf, sizeof(buf), &len),
			CRDT_TYPE);
	o = op_of(STATE_KIND_MAP, STATE_OP_MAX, "x");
	CHECK_EQ(state_store_write(&st, &o, NOW, buf, sizeof(buf), &len),
			CRDT_TYPE);
	/* A map's operation needs its field; no other takes one. */
	o = op_of(STATE_KIND_MAP, STATE_OP_MAP_INCR, "x");
	o.by = 1;
	CHECK_EQ(state_store_write(&st, &o, NOW, buf, sizeof(buf), &len),
			CRDT_VALUE);
	o = op_of(STATE_KIND_COUNTER, STATE_OP_COUNTER_ADD, "x");
	o.field = (const uint8_t *)"f";
	o.field_len = 1;
	CHECK_EQ(state_store_write(&st, &o, NOW, buf, sizeof(buf), &len),
			CRDT_VALUE);
	o = op_of(STATE_KIND_COUNTER, STATE_OP_COUNTER_ADD, "x");
	o.key = longkey;
	o.key_len = sizeof(longkey);
	CHECK_EQ(state_store_write(&st, &o, NOW, buf, sizeof(buf), &len),
			CRDT_TOO_BIG);
	/* A presence enter of client 0: the type's own refusal. */
	o = op_of(STATE_KIND_PRESENCE, STATE_OP_PRESENCE_ENTER, "p");
	o.node = 1;
	CHECK_EQ(state_store_write(&st, &o, NOW, buf, sizeof(buf), &len),
			CRDT_VALUE);
	CHECK_EQ(st.n, 0);
	state_store_free(&st);
}

/* max_objects: a new object beyond it is refused by write and merge. */
static void
test_bound(void)
{
	struct state_store a, b;
	struct state_write_op o = op_of(STATE_KIND_COUNTER,
			STATE_OP_COUNTER_ADD, "a");
	size_t len;

	CHECK(state_store_init(&a, 1, &lim, 2) == 0);
	CHECK(state_store_init(&b, 2, &lim, 1) == 0);
	o.by = 1;
	write_to(&a, &b, &o);
	o.key = (const uint8_t *)"b";
	len = write_to(&a, NULL, &o);
	CHECK_EQ(state_store_merge(&b, o.kind, o.key, 1, buf, len, NOW,
			NULL), CRDT_FULL);
	CHECK_EQ(b.n, 1);
	o.key = (const uint8_t *)"c";
	CHECK_EQ(state_store_write(&a, &o, NOW, buf, sizeof(buf), &len),
			CRDT_FULL);
	CHECK_EQ(a.n, 2);
	/* An existing object still takes writes. */
	o.key = (const uint8_t *)"a";
	CHECK_EQ(state_store_write(&a, &o, NOW, buf, sizeof(buf), &len),
			CRDT_OK);
	state_store_free(&a);
	state_store_free(&b);
}

/* Merges of what does not decode, of another kind, from the future. */
static void
test_refused_merges(void)
{
	struct state_store a, b;
	struct state_write_op o = op_of(STATE_KIND_REGISTER,
			STATE_OP_REGISTER_SET, "r");
	uint8_t junk[8] = { 9, 9, 9, 9, 9, 9, 9, 9 };
	size_t len;

	CHECK(state_store_init(&a, 1, &lim, 4) == 0);
	CHECK(state_store_init(&b, 2, &lim, 4) == 0);
	CHECK_EQ(state_store_merge(&b, STATE_KIND_COUNTER, NULL, 0, junk,
			sizeof(junk), NOW, NULL), CRDT_VERSION);
	CHECK_EQ(state_store_merge(&b, STATE_KIND_COUNTER, NULL, 0, junk, 0,
			NOW, NULL), CRDT_SHORT);
	CHECK_EQ(state_store_merge(&b, STATE_KIND_NONE, NULL, 0, junk,
			sizeof(junk), NOW, NULL), CRDT_TYPE);
	o.value = (const uint8_t *)"v";
	o.value_len = 1;
	len = write_to(&a, NULL, &o);
	/* A register's encoding named as a counter. */
	CHECK_EQ(state_store_merge(&b, STATE_KIND_COUNTER, o.key, 1, buf, len,
			NOW, NULL), CRDT_TYPE);
	/* Written at a clock two minutes ahead of b's. */
	CHECK_EQ(state_store_merge(&b, STATE_KIND_REGISTER, o.key, 1, buf,
			len, NOW - 120000, NULL), CRDT_VALUE);
	CHECK_EQ(b.n, 0);
	CHECK_EQ(state_store_merge(&b, STATE_KIND_REGISTER, o.key, 1, buf,
			len, NOW, NULL), CRDT_OK);
	CHECK_EQ(b.n, 1);
	state_store_free(&a);
	state_store_free(&b);
}

/* A delta over the caller's buffer: applied, no delta given. */
static void
test_small_buffer(void)
{
	struct state_store st;
	struct state_write_op o = op_of(STATE_KIND_REGISTER,
			STATE_OP_REGISTER_SET, "r");
	uint8_t small[16];
	size_t len = 1;

	CHECK(state_store_init(&st, 1, &lim, 4) == 0);
	o.value = (const uint8_t *)"a value longer than the buffer";
	o.value_len = strlen((const char *)o.value);
	memset(small, 0xa5, sizeof(small));
	CHECK_EQ(state_store_write(&st, &o, NOW, small, sizeof(small), &len),
			CRDT_OK);
	CHECK_EQ(len, CRDT_HDR_LEN + 16 + o.value_len);
	for (size_t i = 0; i < sizeof(small); i++)
		CHECK_EQ(small[i], 0xa5);
	CHECK_EQ(state_store_find(&st, o.kind, o.key, 1)->u.reg.len,
			o.value_len);
	CHECK_EQ(state_store_encode(&st, o.kind, o.key, 1, small,
			sizeof(small), &len), CRDT_SHORT);
	CHECK_EQ(len, 0);
	/* An object it does not hold encodes empty; its digest is 0. */
	CHECK_EQ(state_store_encode(&st, STATE_KIND_COUNTER, o.key, 1, small,
			sizeof(small), &len), CRDT_OK);
	CHECK_EQ(len, CRDT_HDR_LEN + 4);
	CHECK_EQ(state_store_digest_of(&st, STATE_KIND_COUNTER, o.key, 1), 0);
	state_store_free(&st);
}

/*
 * Writes and merges that change nothing make no object; refusals move
 * no clock.
 */
static void
test_nothing(void)
{
	struct state_store a, b;
	struct state_write_op o = op_of(STATE_KIND_COUNTER,
			STATE_OP_COUNTER_ADD, "zero");
	uint8_t empty[64];
	struct hlc clock;
	size_t len = 1, elen;

	CHECK(state_store_init(&a, 1, &lim, 1) == 0);
	CHECK(state_store_init(&b, 2, &lim, 1) == 0);
	CHECK_EQ(state_store_write(&a, &o, NOW, buf, sizeof(buf), &len),
			CRDT_OK);
	CHECK_EQ(len, 0);
	CHECK_EQ(a.n, 0);
	o = op_of(STATE_KIND_MAP, STATE_OP_MAP_DEL, "m");
	o.field = (const uint8_t *)"f";
	o.field_len = 1;
	CHECK_EQ(state_store_write(&a, &o, NOW, buf, sizeof(buf), &len),
			CRDT_OK);
	CHECK_EQ(len, 0);
	CHECK_EQ(a.n, 0);
	CHECK_EQ(state_store_encode(&a, STATE_KIND_PRESENCE, NULL, 0, empty,
			sizeof(empty), &elen), CRDT_OK);
	CHECK_EQ(state_store_merge(&a, STATE_KIND_PRESENCE, NULL, 0, empty,
			elen, NOW, NULL), CRDT_OK);
	CHECK_EQ(a.n, 0);

	/* A register write refused (too big): the clock drew nothing. */
	o = op_of(STATE_KIND_REGISTER, STATE_OP_REGISTER_SET, "r");
	o.value = buf;
	o.value_len = lim.data_bytes + 1;
	clock = a.clock;
	CHECK_EQ(state_store_write(&a, &o, NOW + 5000, buf, sizeof(buf),
			&len), CRDT_TOO_BIG);
	CHECK_EQ(a.clock.last, clock.last);
	CHECK_EQ(a.n, 0);
	/* A merge refused (full): the clock saw nothing. */
	o.value_len = 1;
	CHECK_EQ(state_store_write(&b, &o, NOW + 30000, buf, sizeof(buf),
			&len), CRDT_OK);
	o = op_of(STATE_KIND_COUNTER, STATE_OP_COUNTER_ADD, "c");
	o.by = 1;
	CHECK_EQ(state_store_write(&a, &o, NOW, empty, sizeof(empty), &elen),
			CRDT_OK);
	clock = a.clock;
	CHECK_EQ(state_store_merge(&a, STATE_KIND_REGISTER, (const uint8_t *)"r",
			1, buf, len, NOW, NULL), CRDT_FULL);
	CHECK_EQ(a.clock.last, clock.last);
	state_store_free(&a);
	state_store_free(&b);
}

/* Many keys of every kind, found again after inserts in any order. */
static void
test_many(void)
{
	struct state_store st;
	char key[16];
	size_t len;

	CHECK(state_store_init(&st, 1, &lim, 4000) == 0);
	for (unsigned i = 0; i < 1000; i++) {
		struct state_write_op o = op_of(STATE_KIND_COUNTER,
				STATE_OP_COUNTER_ADD, key);

		snprintf(key, sizeof(key), "k%u", (i * 7919u) % 1000u);
		o.key_len = strlen(key);
		o.by = 1;
		CHECK_EQ(state_store_write(&st, &o, NOW, buf, sizeof(buf),
				&len), CRDT_OK);
	}
	CHECK_EQ(st.n, 1000);
	for (uint32_t i = 1; i < st.n; i++)
		CHECK(st.obj[i - 1].key_hash <= st.obj[i].key_hash);
	for (unsigned i = 0; i < 1000; i++) {
		int64_t v = 0;

		snprintf(key, sizeof(key), "k%u", i);
		CHECK_EQ(state_store_counter_value(&st, (const uint8_t *)key,
				strlen(key), &v), CRDT_OK);
		CHECK_EQ(v, 1);
	}
	state_store_free(&st);
}

static const struct test_section sections[] = {
	{ "init", test_init },
	{ "each_op", test_each_op },
	{ "merge_laws", test_merge_laws },
	{ "refused_ops", test_refused_ops },
	{ "bound", test_bound },
	{ "refused_merges", test_refused_merges },
	{ "small_buffer", test_small_buffer },
	{ "nothing", test_nothing },
	{ "many", test_many },
};

int
main(int argc, char **argv)
{
	crdt_limits_default(&lim);
	return test_run(argc, argv, "test_state_store", sections,
			TEST_DIM(sections));
}
