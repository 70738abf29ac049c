/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hybrid logical clock (include/rumor/hlc.h) and the channel state's
 * data types case by case (include/rumor/crdt*.h): mutators and their
 * deltas, merges that meet a limit and change nothing, the encodings
 * byte by byte as docs/state.md lays them out, and each decoder error.
 * The laws over random runs are in test_crdt_laws.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/crdt.h"
#include "rumor/crdt_context.h"
#include "rumor/crdt_counter.h"
#include "rumor/crdt_map.h"
#include "rumor/crdt_presence.h"
#include "rumor/crdt_register.h"
#include "rumor/hlc.h"
#include "test.h"

static struct crdt_limits limits;

static void
test_hlc(void)
{
	struct hlc h;
	uint64_t t1, t2, t3;

	hlc_init(&h, 1000);
	t1 = hlc_now(&h, 5000);
	CHECK_EQ(t1, hlc_make(5000, 0));
	/* The wall clock stands still or goes back: the counter moves. */
	t2 = hlc_now(&h, 5000);
	CHECK_EQ(t2, hlc_make(5000, 1));
	t3 = hlc_now(&h, 4000);
	CHECK_EQ(t3, hlc_make(5000, 2));
	CHECK_EQ(hlc_now(&h, 6000), hlc_make(6000, 0));

	/* A remote ahead within the drift: the clock goes above it. */
	CHECK_EQ(hlc_update(&h, hlc_make(6900, 7), 6000), 0);
	CHECK_EQ(h.last, hlc_make(6900, 8));
	CHECK_EQ(hlc_now(&h, 6001), hlc_make(6900, 9));
	/* One beyond it is refused and changes nothing. */
	CHECK_EQ(hlc_update(&h, hlc_make(7002, 0), 6001), -ERANGE);
	CHECK_EQ(h.last, hlc_make(6900, 9));
	CHECK_EQ(hlc_update(&h, UINT64_MAX, 6001), -ERANGE);
	CHECK_EQ(h.last, hlc_make(6900, 9));
	/* A remote behind: the wall clock, or one above the last. */
	CHECK_EQ(hlc_update(&h, hlc_make(10, 0), 8000), 0);
	CHECK_EQ(h.last, hlc_make(8000, 0));
	CHECK_EQ(hlc_update(&h, hlc_make(10, 0), 10), 0);
	CHECK_EQ(h.last, hlc_make(8000, 1));

	/* A full counter carries into the milliseconds. */
	h.last = hlc_make(9000, HLC_LOGICAL_MASK);
	CHECK_EQ(hlc_now(&h, 9000), hlc_make(9001, 0));
	/* An exhausted clock gives 0 and refuses, unchanged. */
	h.last = UINT64_MAX;
	CHECK_EQ(hlc_now(&h, 1), 0);
	CHECK_EQ(h.last, UINT64_MAX);
	CHECK_EQ(hlc_update(&h, 0, HLC_WALL_MAX), -ERANGE);
	/* A wall clock beyond 48 bits is held at the top. */
	hlc_init(&h, 1000);
	CHECK_EQ(hlc_now(&h, UINT64_MAX), hlc_make(HLC_WALL_MAX, 0));
}

static void
test_names(void)
{
	CHECK_NAMES(crdt_error_name, enum crdt_error, CRDT_ERROR_MAX);
	CHECK_PREFIX(crdt_error_name(CRDT_ERROR_MAX), "?");
}

/* Decode hex into a fresh state with decode: its verdict. */
#define DECODE_HEX(decode, hex, out) __extension__ ({			\
	uint8_t b_[512];						\
	size_t n_ = test_hex((hex), b_, sizeof(b_));			\
									\
	TEST_DECODE_EXACT(decode, b_, n_, &limits, (out));		\
})

static void
test_counter(void)
{
	struct crdt_counter c, d, e;
	struct crdt_limits two = limits;
	uint8_t buf[64], want[64];
	int64_t v;
	size_t n;

	crdt_counter_init(&c);
	crdt_counter_init(&d);
	crdt_counter_init(&e);
	CHECK_EQ(crdt_counter_value(&c, &v), CRDT_OK);
	CHECK_EQ(v, 0);
	CHECK_EQ(crdt_counter_add(&c, 9, 5, &limits, &d), CRDT_OK);
	CHECK_EQ(d.len, 1);
	CHECK_EQ(crdt_counter_add(&c, 2, -7, &limits, &d), CRDT_OK);
	CHECK(d.len == 1 && d.e[0].replica == 2 && d.e[0].n == 7);
	CHECK_EQ(crdt_counter_value(&c, &v), CRDT_OK);
	CHECK_EQ(v, -2);
	CHECK_EQ(crdt_counter_add(&c, 0, 1, &limits, &d), CRDT_VALUE);
	CHECK_EQ(crdt_counter_add(&c, 9, 0, &limits, &d), CRDT_OK);
	CHECK_EQ(d.len, 0);

	/* Sorted by replica, p and n each a u64. */
	n = crdt_counter_encode(&c, buf, sizeof(buf));
	CHECK_EQ(n, test_hex("01 01 00 00  00 00 00 02"
			" 00 00 00 02 00 00 00 00 00 00 00 00"
			" 00 00 00 00 00 00 00 07"
			" 00 00 00 09 00 00 00 00 00 00 00 05"
			" 00 00 00 00 00 00 00 00", want, sizeof(want)));
	CHECK(memcmp(buf, want, n) == 0);
	CHECK_EQ(crdt_counter_encode(&c, buf, n - 1), 0);

	/* Merge takes each replica's larger p and n. */
	CHECK_EQ(crdt_counter_add(&e, 9, 3, &limits, NULL), CRDT_OK);
	CHECK_EQ(crdt_counter_add(&e, 9, -4, &limits, NULL), CRDT_OK);
	CHECK_EQ(crdt_counter_merge(&c, &e, &limits), CRDT_OK);
	CHECK_EQ(crdt_counter_value(&c, &v), CRDT_OK);
	CHECK_EQ(v, 5 - 4 - 7);
	/* A third replica over a limit of two: refused, unchanged. */
	two.replicas = 2;
	CHECK_EQ(crdt_counter_add(&c, 3, 1, &two, &d), CRDT_FULL);
	crdt_counter_free(&e);
	CHECK_EQ(crdt_counter_add(&e, 4, 1, &limits, NULL), CRDT_OK);
	CHECK_EQ(crdt_counter_copy(&d, &c), CRDT_OK);
	CHECK_EQ(crdt_counter_merge(&c, &e, &two), CRDT_FULL);
	CHECK(crdt_counter_equal(&c, &d));
	/* Overflow of one replica's sum, and of the value. */
	crdt_counter_free(&e);
	CHECK_EQ(crdt_counter_add(&e, 1, INT64_MAX, &limits, NULL), CRDT_OK);
	CHECK_EQ(crdt_counter_value(&e, &v), CRDT_OK);
	CHECK_EQ(v, INT64_MAX);
	CHECK_EQ(crdt_counter_add(&e, 2, 1, &limits, NULL), CRDT_OK);
	CHECK_EQ(crdt_counter_value(&e, &v), CRDT_OVERFLOW);
	CHECK_EQ(crdt_counter_add(&e, 1, INT64_MAX, &limits, NULL), CRDT_OK);
	CHECK_EQ(crdt_counter_add(&e, 1, 2, &limits, NULL), CRDT_OVERFLOW);
	crdt_counter_free(&e);
	CHECK_EQ(crdt_counter_add(&e, 1, INT64_MIN, &limits, NULL), CRDT_OK);
	CHECK_EQ(crdt_counter_value(&e, &v), CRDT_OK);
	CHECK_EQ(v, (uint64_t)INT64_MIN);

	/* Each decoder error. */
	CHECK_EQ(DECODE_HEX(crdt_counter_decode, "01 01 00", &e), CRDT_SHORT);
	CHECK_EQ(DECODE_HEX(crdt_counter_decode, "02 01 00 00 00 00 00 00",
			&e), CRDT_VERSION);
	CHECK_EQ(DECODE_HEX(crdt_counter_decode, "01 02 00 00 00 00 00 00",
			&e), CRDT_TYPE);
	CHECK_EQ(DECODE_HEX(crdt_counter_decode, "01 01 00 01 00 00 00 00",
			&e), CRDT_RESERVED);
	CHECK_EQ(DECODE_HEX(crdt_counter_decode, "01 01 00 00 00 00 00",
			&e), CRDT_SHORT);
	CHECK_EQ(DECODE_HEX(crdt_counter_decode, "01 01 00 00 00 00 00 41",
			&e), CRDT_TOO_MANY);
	CHECK_EQ(DECODE_HEX(crdt_counter_decode, "01 01 00 00 00 00 00 01",
			&e), CRDT_SHORT);
	CHECK_EQ(DECODE_HEX(crdt_counter_decode, "01 01 00 00 00 00 00 00 00",
			&e), CRDT_TRAILING);
	CHECK_EQ(DECODE_HEX(crdt_counter_decode, "01 01 00 00 00 00 00 01"
			" 00 00 00 00 00 00 00 00 00 00 00 01"
			" 00 00 00 00 00 00 00 00", &e), CRDT_VALUE);
	CHECK_EQ(DECODE_HEX(crdt_counter_decode, "01 01 00 00 00 00 00 01"
			" 00 00 00 05 00 00 00 00 00 00 00 00"
			" 00 00 00 00 00 00 00 00", &e), CRDT_VALUE);
	CHECK_EQ(DECODE_HEX(crdt_counter_decode, "01 01 00 00 00 00 00 02"
			" 00 00 00 05 00 00 00 00 00 00 00 01"
			" 00 00 00 00 00 00 00 00"
			" 00 00 00 05 00 00 00 00 00 00 00 02"
			" 00 00 00 00 00 00 00 00", &e), CRDT_ORDER);
	CHECK_EQ(e.len, 0);
	crdt_counter_free(&c);
	crdt_counter_free(&d);
	crdt_counter_free(&e);
}

static void
test_register(void)
{
	struct crdt_register r, d, s;
	struct crdt_limits small = limits;
	uint8_t buf[64], want[64];
	size_t n;

	crdt_register_init(&r);
	crdt_register_init(&d);
	crdt_register_init(&s);
	CHECK_EQ(crdt_register_set(&r, hlc_make(100, 0), 7,
			(const uint8_t *)"ab", 2, &limits, &d), CRDT_OK);
	CHECK(crdt_register_equal(&r, &d));
	n = crdt_register_encode(&r, buf, sizeof(buf));
	CHECK_EQ(n, test_hex("01 02 00 00  00 00 00 00 00 64 00 00"
			" 00 00 00 07  00 00 00 02  61 62", want,
			sizeof(want)));
	CHECK(memcmp(buf, want, n) == 0);

	/* Not above: stale, unchanged. */
	CHECK_EQ(crdt_register_set(&r, hlc_make(100, 0), 7,
			(const uint8_t *)"x", 1, &limits, NULL), CRDT_STALE);
	CHECK_EQ(crdt_register_set(&r, hlc_make(99, 5), 9,
			(const uint8_t *)"x", 1, &limits, NULL), CRDT_STALE);
	/* The same timestamp, a greater writer: it wins. */
	CHECK_EQ(crdt_register_set(&r, hlc_make(100, 0), 8,
			(const uint8_t *)"x", 1, &limits, NULL), CRDT_OK);
	CHECK_EQ(crdt_register_set(&r, 0, 8, NULL, 0, &limits, NULL),
			CRDT_VALUE);
	small.data_bytes = 1;
	CHECK_EQ(crdt_register_set(&r, hlc_make(200, 0), 8,
			(const uint8_t *)"xy", 2, &small, NULL), CRDT_TOO_BIG);

	/* Merge keeps the greater write, either way round. */
	CHECK_EQ(crdt_register_merge(&d, &r, &limits), CRDT_OK);
	CHECK(crdt_register_equal(&d, &r) && d.writer == 8);
	CHECK_EQ(crdt_register_copy(&s, &r), CRDT_OK);
	CHECK_EQ(crdt_register_merge(&r, &d, &limits), CRDT_OK);
	CHECK(crdt_register_equal(&r, &s));
	/* A forged tie (same ts and writer): the greater value. */
	d.data[0] = 'z';
	CHECK_EQ(crdt_register_merge(&r, &d, &limits), CRDT_OK);
	CHECK_EQ(r.data[0], 'z');
	CHECK_EQ(crdt_register_merge(&d, &s, &limits), CRDT_OK);
	CHECK_EQ(d.data[0], 'z');

	CHECK_EQ(DECODE_HEX(crdt_register_decode, "01 02 00 00  00 00 00 00"
			" 00 00 00 00  00 00 00 01  00 00 00 00", &s),
			CRDT_VALUE);
	CHECK_EQ(DECODE_HEX(crdt_register_decode, "01 02 00 00  00 00 00 00"
			" 00 00 00 01  00 00 00 00  00 00 00 00", &s),
			CRDT_VALUE);
	CHECK_EQ(DECODE_HEX(crdt_register_decode, "01 02 00 00  00 00 00 00"
			" 00 00 00 01  00 00 00 01  00 00 04 01", &s),
			CRDT_TOO_BIG);
	CHECK_EQ(DECODE_HEX(crdt_register_decode, "01 02 00 00  00 00 00 00"
			" 00 00 00 01  00 00 00 01  00 00 00 02 61", &s),
			CRDT_SHORT);
	CHECK_EQ(DECODE_HEX(crdt_register_decode, "01 02 00 00  00 00 00 00"
			" 00 00 00 01  00 00 00 01  00 00 00 00 61", &s),
			CRDT_TRAILING);
	CHECK_EQ(DECODE_HEX(crdt_register_decode, "01 02 00 00  00 00 00 00"
			" 00 00 00 00  00 00 00 00  00 00 00 00", &s),
			CRDT_OK);
	CHECK_EQ(s.ts, 0);
	crdt_register_free(&r);
	crdt_register_free(&d);
	crdt_register_free(&s);
}

static void
test_context(void)
{
	struct crdt_context c, d;
	struct crdt_dot x;
	uint8_t buf[128];

	crdt_context_init(&c);
	crdt_context_init(&d);
	/* 3 before 1 and 2: in the cloud until they come. */
	CHECK_EQ(crdt_context_add(&c, &(struct crdt_dot){ 5, 3 }, &limits),
			CRDT_OK);
	CHECK(c.vv_len == 0 && c.cloud_len == 1);
	CHECK_EQ(crdt_context_next(&c, 5, &x), CRDT_OK);
	CHECK_EQ(x.counter, 4);
	CHECK(!crdt_context_has(&c, &(struct crdt_dot){ 5, 2 }));
	CHECK_EQ(crdt_context_add(&c, &(struct crdt_dot){ 5, 1 }, &limits),
			CRDT_OK);
	CHECK(c.vv_len == 1 && c.cloud_len == 1);
	CHECK_EQ(crdt_context_add(&c, &(struct crdt_dot){ 5, 2 }, &limits),
			CRDT_OK);
	CHECK(c.vv_len == 1 && c.vv[0].counter == 3 && c.cloud_len == 0);
	CHECK(crdt_context_has(&c, &(struct crdt_dot){ 5, 2 }));
	CHECK_EQ(crdt_context_encode(&c, buf), 20);
	/* Not compacted, covered, out of order: refused. */
	CHECK_EQ(TEST_DECODE_EXACT(crdt_context_decode, buf, 19, &limits,
			&d, &(size_t){ 0 }), CRDT_SHORT);
	test_hex("00 00 00 01 00 00 00 01  00 00 00 05 00 00 00 00 00 00"
			" 00 03  00 00 00 05 00 00 00 00 00 00 00 04", buf,
			sizeof(buf));
	CHECK_EQ(TEST_DECODE_EXACT(crdt_context_decode, buf, 32, &limits,
			&d, &(size_t){ 0 }), CRDT_VALUE);
	buf[31] = 2;
	CHECK_EQ(TEST_DECODE_EXACT(crdt_context_decode, buf, 32, &limits,
			&d, &(size_t){ 0 }), CRDT_VALUE);
	buf[31] = 9;
	CHECK_EQ(TEST_DECODE_EXACT(crdt_context_decode, buf, 32, &limits,
			&d, &(size_t){ 0 }), CRDT_OK);
	buf[3] = 2;	/* Two vector entries, both of replica 5. */
	buf[7] = 0;
	CHECK_EQ(TEST_DECODE_EXACT(crdt_context_decode, buf, 32, &limits,
			&d, &(size_t){ 0 }), CRDT_ORDER);
	crdt_context_free(&c);
	crdt_context_free(&d);
}

static void
test_presence(void)
{
	struct crdt_presence a, b, d, s;
	struct crdt_limits one = limits;
	const struct crdt_presence_entry *x;
	uint8_t buf[256], want[256];
	size_t n;

	crdt_presence_init(&a);
	crdt_presence_init(&b);
	crdt_presence_init(&d);
	crdt_presence_init(&s);
	CHECK_EQ(crdt_presence_enter(&a, 1, 42, 3, 7,
			(const uint8_t *)"hi", 2, &limits, &d), CRDT_OK);
	CHECK(d.len == 1 && d.ctx.vv_len == 1 && d.ctx.cloud_len == 0);
	x = crdt_presence_get(&a, 42);
	CHECK(x != NULL && x->node == 3 && x->incarnation == 7 &&
			x->len == 2 && x->dot.counter == 1);
	n = crdt_presence_encode(&a, buf, sizeof(buf));
	CHECK_EQ(n, test_hex("01 03 00 00  00 00 00 01 00 00 00 00"
			" 00 00 00 01 00 00 00 00 00 00 00 01"
			" 00 00 00 01"
			" 00 00 00 01 00 00 00 00 00 00 00 01"
			" 00 00 00 00 00 00 00 2a  00 00 00 03 00 00 00 07"
			" 00 00 00 02 68 69", want, sizeof(want)));
	CHECK(memcmp(buf, want, n) == 0);

	/* b saw it; a updates while b removes: the update wins. */
	CHECK_EQ(crdt_presence_merge(&b, &a, &limits), CRDT_OK);
	CHECK_EQ(crdt_presence_enter(&a, 1, 42, 3, 7,
			(const uint8_t *)"yo", 2, &limits, NULL), CRDT_OK);
	CHECK_EQ(a.len, 1);
	CHECK_EQ(crdt_presence_leave(&b, 42, &limits, &d), CRDT_OK);
	CHECK(b.len == 0 && d.len == 0 && d.ctx.vv_len == 1);
	CHECK(crdt_presence_get(&b, 42) == NULL);
	CHECK_EQ(crdt_presence_merge(&b, &a, &limits), CRDT_OK);
	CHECK_EQ(crdt_presence_merge(&a, &d, &limits), CRDT_OK);
	CHECK(crdt_presence_equal(&a, &b));
	x = crdt_presence_get(&a, 42);
	CHECK(x != NULL && memcmp(x->data, "yo", 2) == 0);
	/* A leave that has seen the update removes it everywhere. */
	CHECK_EQ(crdt_presence_leave(&b, 42, &limits, &d), CRDT_OK);
	CHECK_EQ(crdt_presence_merge(&a, &d, &limits), CRDT_OK);
	CHECK(a.len == 0 && crdt_presence_equal(&a, &b));

	/* Concurrent enters of one client: both kept, the greater read. */
	CHECK_EQ(crdt_presence_enter(&a, 1, 50, 3, 7, NULL, 0, &limits,
			NULL), CRDT_OK);
	CHECK_EQ(crdt_presence_enter(&b, 2, 50, 4, 1, NULL, 0, &limits,
			NULL), CRDT_OK);
	CHECK_EQ(crdt_presence_merge(&a, &b, &limits), CRDT_OK);
	CHECK_EQ(a.len, 2);
	CHECK_EQ(crdt_presence_get(&a, 50)->node, 4);
	/* The next update replaces both. */
	CHECK_EQ(crdt_presence_enter(&a, 1, 50, 3, 7, NULL, 0, &limits,
			NULL), CRDT_OK);
	CHECK_EQ(a.len, 1);

	/* A dead node takes its clients up to its incarnation. */
	CHECK_EQ(crdt_presence_enter(&a, 1, 60, 9, 2, NULL, 0, &limits,
			NULL), CRDT_OK);
	CHECK_EQ(crdt_presence_enter(&a, 1, 61, 9, 3, NULL, 0, &limits,
			NULL), CRDT_OK);
	CHECK_EQ(crdt_presence_remove_node(&a, 9, 2, &limits, &d), CRDT_OK);
	CHECK(crdt_presence_get(&a, 60) == NULL &&
			crdt_presence_get(&a, 61) != NULL);
	CHECK_EQ(crdt_presence_remove_node(&a, 9, 3, &limits, NULL),
			CRDT_OK);
	CHECK(crdt_presence_get(&a, 61) == NULL && a.len == 1);

	/* Limits: an enter past them changes nothing. */
	one.entries = 1;
	CHECK_EQ(crdt_presence_copy(&s, &a), CRDT_OK);
	CHECK_EQ(crdt_presence_enter(&a, 1, 70, 1, 1, NULL, 0, &one, &d),
			CRDT_FULL);
	CHECK(crdt_presence_equal(&a, &s) && d.len == 0);
	CHECK_EQ(crdt_presence_enter(&a, 0, 70, 1, 1, NULL, 0, &one, &d),
			CRDT_VALUE);
	CHECK_EQ(crdt_presence_enter(&a, 1, 70, 1, 1, buf, 1025, &limits,
			&d), CRDT_TOO_BIG);

	/* Decoder: an entry whose dot the context has not seen. */
	CHECK_EQ(DECODE_HEX(crdt_presence_decode, "01 03 00 00"
			" 00 00 00 00 00 00 00 00  00 00 00 01"
			" 00 00 00 01 00 00 00 00 00 00 00 01"
			" 00 00 00 00 00 00 00 2a  00 00 00 03 00 00 00 07"
			" 00 00 00 00", &s), CRDT_VALUE);
	CHECK_EQ(DECODE_HEX(crdt_presence_decode, "01 03 00 00"
			" 00 00 00 00 00 00 00 00  00 01 00 00", &s),
			CRDT_TOO_MANY);
	CHECK_EQ(DECODE_HEX(crdt_presence_decode, "01 03 00 00"
			" 00 00 00 00 00 00 00 00  00 00 00 01", &s),
			CRDT_SHORT);
	CHECK_EQ(DECODE_HEX(crdt_presence_decode, "01 03 00 00"
			" 00 00 00 00 00 00 00 00  00 00 00 00 00", &s),
			CRDT_TRAILING);
	CHECK_EQ(s.len, 0);
	crdt_presence_free(&a);
	crdt_presence_free(&b);
	crdt_presence_free(&d);
	crdt_presence_free(&s);
}

/* A key from a string literal: its bytes and length. */
#define KEY(s) (const uint8_t *)(s), (uint32_t)(sizeof(s) - 1)

/* m's counter at key, or INT64_MIN when it does not read. */
static int64_t
map_count(const struct crdt_map *m, const uint8_t *key, uint32_t key_len)
{
	int64_t v;

	return crdt_map_counter_value(m, key, key_len, &v) == CRDT_OK ? v :
			INT64_MIN;
}

static void
test_map(void)
{
	struct crdt_map a, b, d, s;
	const struct crdt_map_rec *x;
	uint8_t buf[256], want[256];
	size_t n;

	crdt_map_init(&a);
	crdt_map_init(&b);
	crdt_map_init(&d);
	crdt_map_init(&s);
	/* A register: one record under a new dot, its delta the same. */
	CHECK_EQ(crdt_map_set(&a, 1, KEY("k"), hlc_make(100, 0),
			(const uint8_t *)"hi", 2, &limits, &d), CRDT_OK);
	CHECK(d.len == 1 && d.rec_len == 1 && d.ctx.vv_len == 1 &&
			crdt_map_equal(&a, &d));
	x = crdt_map_register(&a, KEY("k"));
	CHECK(x != NULL && x->dot.replica == 1 && x->dot.counter == 1 &&
			x->len == 2 && memcmp(x->data, "hi", 2) == 0);
	CHECK_EQ(crdt_map_key_type(crdt_map_find(&a, KEY("k"))),
			CRDT_T_REGISTER);
	CHECK(crdt_map_find(&a, KEY("kk")) == NULL);
	n = crdt_map_encode(&a, buf, sizeof(buf));
	CHECK_EQ(n, test_hex("01 04 00 00  00 00 00 01 00 00 00 00"
			" 00 00 00 01 00 00 00 00 00 00 00 01"
			" 00 00 00 01  00 00 00 01 6b  00 00 00 01"
			" 00 00 00 01 00 00 00 00 00 00 00 01  00 00 00 02"
			" 00 00 00 00 00 64 00 00  00 00 00 02 68 69", want,
			sizeof(want)));
	CHECK(memcmp(buf, want, n) == 0);
	CHECK_EQ(crdt_map_encode(&a, buf, n - 1), 0);

	/* Not above the register's write: stale, unchanged. */
	CHECK_EQ(crdt_map_set(&a, 1, KEY("k"), hlc_make(100, 0),
			(const uint8_t *)"x", 1, &limits, &d), CRDT_STALE);
	CHECK(d.len == 0 && d.ctx.vv_len == 0);
	CHECK_EQ(crdt_map_set(&a, 9, KEY("k"), hlc_make(99, 5),
			(const uint8_t *)"x", 1, &limits, NULL), CRDT_STALE);
	CHECK_EQ(crdt_map_register(&a, KEY("k"))->len, 2);

	/* A counter: one record per replica, its sums carried on. */
	CHECK_EQ(crdt_map_add(&a, 2, KEY("c"), 5, &limits, NULL), CRDT_OK);
	CHECK_EQ(crdt_map_add(&a, 2, KEY("c"), -2, &limits, &d), CRDT_OK);
	CHECK(d.rec_len == 1 && d.rec[0].p == 5 && d.rec[0].n == 2 &&
			d.rec[0].dot.counter == 2);
	/* The delta's context: its dot and the record it replaced. */
	CHECK(d.ctx.vv_len == 1 && d.ctx.vv[0].counter == 2);
	CHECK_EQ(map_count(&a, KEY("c")), 3);
	CHECK_EQ(map_count(&a, KEY("none")), 0);
	CHECK_EQ(crdt_map_add(&a, 2, KEY("c"), 0, &limits, &d), CRDT_OK);
	CHECK(d.len == 0 && d.ctx.vv_len == 0);
	/* Keys ascend by bytes; a record ascends by dot. */
	n = crdt_map_encode(&a, buf, sizeof(buf));
	CHECK_EQ(n, test_hex("01 04 00 00  00 00 00 02 00 00 00 00"
			" 00 00 00 01 00 00 00 00 00 00 00 01"
			" 00 00 00 02 00 00 00 00 00 00 00 02"
			" 00 00 00 02"
			" 00 00 00 01 63  00 00 00 01"
			" 00 00 00 02 00 00 00 00 00 00 00 02  00 00 00 01"
			" 00 00 00 00 00 00 00 05  00 00 00 00 00 00 00 02"
			" 00 00 00 01 6b  00 00 00 01"
			" 00 00 00 01 00 00 00 00 00 00 00 01  00 00 00 02"
			" 00 00 00 00 00 64 00 00  00 00 00 02 68 69", want,
			sizeof(want)));
	CHECK(memcmp(buf, want, n) == 0);

	/* One type per key: the other's write refused, nothing changed. */
	CHECK_EQ(crdt_map_copy(&s, &a), CRDT_OK);
	CHECK_EQ(crdt_map_set(&a, 1, KEY("c"), hlc_make(200, 0), NULL, 0,
			&limits, &d), CRDT_TYPE);
	CHECK_EQ(crdt_map_add(&a, 1, KEY("k"), 1, &limits, &d), CRDT_TYPE);
	CHECK_EQ(crdt_map_counter_value(&a, KEY("k"), &(int64_t){ 0 }),
			CRDT_TYPE);
	CHECK(crdt_map_register(&a, KEY("c")) == NULL);
	CHECK(crdt_map_equal(&a, &s) && d.len == 0);

	/* b saw it all; a writes while b removes: the writes win. */
	CHECK_EQ(crdt_map_merge(&b, &a, &limits), CRDT_OK);
	CHECK_EQ(crdt_map_set(&a, 3, KEY("k"), hlc_make(300, 0),
			(const uint8_t *)"yo", 2, &limits, NULL), CRDT_OK);
	CHECK_EQ(crdt_map_add(&a, 4, KEY("c"), 10, &limits, NULL), CRDT_OK);
	CHECK_EQ(crdt_map_remove(&b, KEY("k"), &limits, &d), CRDT_OK);
	CHECK(d.len == 0 && d.ctx.vv_len == 1);
	CHECK_EQ(crdt_map_remove(&b, KEY("c"), &limits, NULL), CRDT_OK);
	CHECK(b.len == 0 && b.rec_len == 0 && crdt_map_find(&b, KEY("k")) ==
			NULL);
	CHECK_EQ(crdt_map_copy(&s, &b), CRDT_OK);
	CHECK_EQ(crdt_map_merge(&b, &a, &limits), CRDT_OK);
	CHECK_EQ(crdt_map_merge(&a, &s, &limits), CRDT_OK);
	CHECK(crdt_map_equal(&a, &b));
	x = crdt_map_register(&a, KEY("k"));
	CHECK(x != NULL && x->dot.replica == 3 && memcmp(x->data, "yo",
			2) == 0);
	/* The counter keeps only what the remove did not see: the reset. */
	CHECK_EQ(map_count(&a, KEY("c")), 10);
	CHECK_EQ(a.rec_len, 2);
	/* A remove that saw the writes removes them everywhere; a write
	 * after it starts from an empty counter. */
	CHECK_EQ(crdt_map_remove(&b, KEY("c"), &limits, &d), CRDT_OK);
	CHECK_EQ(crdt_map_add(&b, 4, KEY("c"), 1, &limits, NULL), CRDT_OK);
	CHECK_EQ(crdt_map_merge(&a, &d, &limits), CRDT_OK);
	CHECK_EQ(map_count(&a, KEY("c")), 0);
	CHECK(crdt_map_find(&a, KEY("c")) == NULL);
	CHECK_EQ(crdt_map_merge(&a, &b, &limits), CRDT_OK);
	CHECK_EQ(map_count(&a, KEY("c")), 1);
	/* The price of one record per replica: an increment concurrent
	 * with a remove keeps its replica's whole carried sum. */
	CHECK_EQ(crdt_map_copy(&s, &a), CRDT_OK);
	CHECK_EQ(crdt_map_add(&a, 4, KEY("c"), 1, &limits, NULL), CRDT_OK);
	CHECK_EQ(crdt_map_remove(&s, KEY("c"), &limits, NULL), CRDT_OK);
	CHECK_EQ(crdt_map_merge(&a, &s, &limits), CRDT_OK);
	CHECK_EQ(map_count(&a, KEY("c")), 2);
	crdt_map_free(&a);
	crdt_map_free(&b);
	crdt_map_free(&d);
	crdt_map_free(&s);
}

/* Two first writes of a key, of two types, made concurrently. */
static void
test_map_types(void)
{
	struct crdt_map a, b;

	crdt_map_init(&a);
	crdt_map_init(&b);
	CHECK_EQ(crdt_map_add(&a, 1, KEY("m"), 7, &limits, NULL), CRDT_OK);
	CHECK_EQ(crdt_map_set(&b, 2, KEY("m"), hlc_make(5, 0),
			(const uint8_t *)"r", 1, &limits, NULL), CRDT_OK);
	CHECK_EQ(crdt_map_merge(&a, &b, &limits), CRDT_OK);
	CHECK_EQ(crdt_map_merge(&b, &a, &limits), CRDT_OK);
	CHECK(crdt_map_equal(&a, &b) && a.rec_len == 2);
	/* The type of the greatest dot, (2, 1): the register. */
	CHECK_EQ(crdt_map_key_type(crdt_map_find(&a, KEY("m"))),
			CRDT_T_REGISTER);
	CHECK_EQ(crdt_map_register(&a, KEY("m"))->data[0], 'r');
	CHECK_EQ(crdt_map_add(&a, 1, KEY("m"), 1, &limits, NULL), CRDT_TYPE);
	/* The next write removes the other type's record. */
	CHECK_EQ(crdt_map_set(&a, 1, KEY("m"), hlc_make(6, 0), NULL, 0,
			&limits, NULL), CRDT_OK);
	CHECK_EQ(a.rec_len, 1);
	CHECK_EQ(crdt_map_merge(&b, &a, &limits), CRDT_OK);
	CHECK(crdt_map_equal(&a, &b));
	/* Key order: by bytes, a prefix first. */
	CHECK_EQ(crdt_map_add(&a, 1, KEY("b"), 1, &limits, NULL), CRDT_OK);
	CHECK_EQ(crdt_map_add(&a, 1, KEY("ab"), 1, &limits, NULL), CRDT_OK);
	CHECK_EQ(crdt_map_add(&a, 1, KEY("a"), 1, &limits, NULL), CRDT_OK);
	CHECK_EQ(crdt_map_add(&a, 1, KEY("\xff"), 1, &limits, NULL),
			CRDT_OK);
	CHECK(a.len == 5 && a.k[0].key[0] == 'a' && a.k[1].key_len == 2 &&
			a.k[2].key[0] == 'b' && a.k[3].key[0] == 'm' &&
			a.k[4].key[0] == 0xff);
	crdt_map_free(&a);
	crdt_map_free(&b);
}

/* Arguments out of range and limits: refused, nothing changed. */
static void
test_map_limits(void)
{
	struct crdt_map a, b, d, s;
	struct crdt_limits two = limits;
	uint8_t big[CRDT_KEY_MAX + 1] = { 0 };

	crdt_map_init(&a);
	crdt_map_init(&b);
	crdt_map_init(&d);
	crdt_map_init(&s);
	CHECK_EQ(crdt_map_add(&a, 1, KEY("a"), 1, &limits, NULL), CRDT_OK);
	CHECK_EQ(crdt_map_add(&a, 2, KEY("a"), 1, &limits, NULL), CRDT_OK);
	CHECK_EQ(crdt_map_copy(&s, &a), CRDT_OK);
	CHECK_EQ(crdt_map_add(&a, 0, KEY("a"), 1, &limits, &d), CRDT_VALUE);
	CHECK_EQ(crdt_map_add(&a, 1, big, 0, 1, &limits, &d), CRDT_VALUE);
	CHECK_EQ(crdt_map_add(&a, 1, big, 257, 1, &limits, &d),
			CRDT_TOO_BIG);
	CHECK_EQ(crdt_map_set(&a, 1, KEY("r"), 0, NULL, 0, &limits, &d),
			CRDT_VALUE);
	CHECK_EQ(crdt_map_set(&a, 0, KEY("r"), 1, NULL, 0, &limits, &d),
			CRDT_VALUE);
	CHECK_EQ(crdt_map_set(&a, 1, KEY("r"), 1, big, 1025, &limits, &d),
			CRDT_TOO_BIG);
	CHECK_EQ(crdt_map_remove(&a, big, 0, &limits, &d), CRDT_VALUE);
	CHECK_EQ(crdt_map_remove(&a, big, 257, &limits, &d), CRDT_TOO_BIG);
	/* Overflow of a replica's sum, and of the value. */
	CHECK_EQ(crdt_map_add(&a, 1, KEY("a"), INT64_MAX, &limits, NULL),
			CRDT_OK);
	CHECK_EQ(map_count(&a, KEY("a")), INT64_MIN);
	CHECK_EQ(crdt_map_add(&a, 1, KEY("a"), INT64_MAX, &limits, NULL),
			CRDT_OK);
	CHECK_EQ(crdt_map_copy(&s, &a), CRDT_OK);
	CHECK_EQ(crdt_map_add(&a, 1, KEY("a"), 1, &limits, &d),
			CRDT_OVERFLOW);
	CHECK(crdt_map_equal(&a, &s) && d.len == 0 && d.ctx.vv_len == 0);

	/* Two records at most: a third, by a write or a merge, is full. */
	two.entries = 2;
	CHECK_EQ(crdt_map_add(&a, 3, KEY("a"), 1, &two, &d), CRDT_FULL);
	CHECK_EQ(crdt_map_set(&a, 3, KEY("b"), 1, NULL, 0, &two, &d),
			CRDT_FULL);
	CHECK(crdt_map_equal(&a, &s) && d.len == 0 && d.ctx.vv_len == 0);
	CHECK_EQ(crdt_map_set(&b, 3, KEY("b"), 1, NULL, 0, &limits, NULL),
			CRDT_OK);
	CHECK_EQ(crdt_map_merge(&a, &b, &two), CRDT_FULL);
	CHECK(crdt_map_equal(&a, &s));
	/* A merge that meets a key or value over its limit. */
	two = limits;
	two.key_bytes = 0;
	CHECK_EQ(crdt_map_merge(&a, &b, &two), CRDT_TOO_BIG);
	CHECK(crdt_map_equal(&a, &s));
	CHECK_EQ(crdt_map_set(&b, 3, KEY("b"), 2, big, 2, &limits, NULL),
			CRDT_OK);
	two = limits;
	two.data_bytes = 1;
	CHECK_EQ(crdt_map_merge(&a, &b, &two), CRDT_TOO_BIG);
	CHECK(crdt_map_equal(&a, &s));
	/* The remove of a key not held changes nothing. */
	CHECK_EQ(crdt_map_remove(&a, KEY("zz"), &limits, &d), CRDT_OK);
	CHECK(crdt_map_equal(&a, &s) && d.len == 0 && d.ctx.vv_len == 0);
	crdt_map_free(&a);
	crdt_map_free(&b);
	crdt_map_free(&d);
	crdt_map_free(&s);
}

/* Decode buf[0..len) with byte at set to v: the verdict. */
static enum crdt_error
map_decode_with(const uint8_t *buf, size_t len, size_t at, uint8_t v)
{
	uint8_t copy[256];
	struct crdt_map m;
	enum crdt_error e;

	memcpy(copy, buf, len);
	if (at < len)
		copy[at] = v;
	crdt_map_init(&m);
	e = TEST_DECODE_EXACT(crdt_map_decode, copy, len, &limits, &m);
	CHECK(e != CRDT_OK || m.len > 0);
	if (e != CRDT_OK)
		CHECK(m.len == 0 && m.rec_len == 0 && m.ctx.vv_len == 0);
	crdt_map_free(&m);
	return e;
}

static void
test_map_decode(void)
{
	struct crdt_map m;
	uint8_t b[256];
	/* One key "k", a register: as in test_map. */
	size_t n = test_hex("01 04 00 00  00 00 00 01 00 00 00 00"
			" 00 00 00 01 00 00 00 00 00 00 00 01"
			" 00 00 00 01  00 00 00 01 6b  00 00 00 01"
			" 00 00 00 01 00 00 00 00 00 00 00 01  00 00 00 02"
			" 00 00 00 00 00 64 00 00  00 00 00 02 68 69", b,
			sizeof(b));

	CHECK_EQ(map_decode_with(b, n, n, 0), CRDT_OK);
	CHECK_EQ(map_decode_with(b, 3, n, 0), CRDT_SHORT);
	CHECK_EQ(map_decode_with(b, n, 0, 2), CRDT_VERSION);
	CHECK_EQ(map_decode_with(b, n, 1, 3), CRDT_TYPE);
	CHECK_EQ(map_decode_with(b, n, 3, 1), CRDT_RESERVED);
	CHECK_EQ(map_decode_with(b, 10, n, 0), CRDT_SHORT);
	CHECK_EQ(map_decode_with(b, 26, n, 0), CRDT_SHORT);
	CHECK_EQ(map_decode_with(b, n, 26, 0x10), CRDT_TOO_MANY);
	CHECK_EQ(map_decode_with(b, n, 27, 2), CRDT_SHORT);
	CHECK_EQ(map_decode_with(b, 30, n, 0), CRDT_SHORT);
	CHECK_EQ(map_decode_with(b, n, 31, 0), CRDT_VALUE);
	CHECK_EQ(map_decode_with(b, n, 30, 1), CRDT_TOO_BIG);
	CHECK_EQ(map_decode_with(b, n, 31, 0x30), CRDT_SHORT);
	CHECK_EQ(map_decode_with(b, 35, n, 0), CRDT_SHORT);
	CHECK_EQ(map_decode_with(b, n, 36, 0), CRDT_VALUE);
	CHECK_EQ(map_decode_with(b, n, 35, 0x10), CRDT_TOO_MANY);
	CHECK_EQ(map_decode_with(b, n, 36, 2), CRDT_SHORT);
	CHECK_EQ(map_decode_with(b, 51, n, 0), CRDT_SHORT);
	CHECK_EQ(map_decode_with(b, n, 40, 0), CRDT_VALUE);
	CHECK_EQ(map_decode_with(b, n, 48, 2), CRDT_VALUE);
	CHECK_EQ(map_decode_with(b, n, 52, 3), CRDT_VALUE);
	CHECK_EQ(map_decode_with(b, n, 52, 0), CRDT_VALUE);
	CHECK_EQ(map_decode_with(b, 60, n, 0), CRDT_SHORT);
	CHECK_EQ(map_decode_with(b, n, 58, 0), CRDT_VALUE);
	CHECK_EQ(map_decode_with(b, n, 63, 4), CRDT_TOO_BIG);
	CHECK_EQ(map_decode_with(b, n, 64, 3), CRDT_SHORT);
	CHECK_EQ(map_decode_with(b, n, 64, 1), CRDT_TRAILING);
	CHECK_EQ(map_decode_with(b, n + 1, n, 0), CRDT_TRAILING);
	/* A register read as a counter: its p and n run past the end. */
	CHECK_EQ(map_decode_with(b, n, 52, 1), CRDT_SHORT);

	/* A counter record of p and n 0; keys out of order; two records
	 * of one dot, in two keys; a key's records out of order. */
	crdt_map_init(&m);
	CHECK_EQ(crdt_map_add(&m, 1, KEY("a"), 1, &limits, NULL), CRDT_OK);
	CHECK_EQ(crdt_map_add(&m, 1, KEY("b"), -1, &limits, NULL), CRDT_OK);
	n = crdt_map_encode(&m, b, sizeof(b));
	/* Header 4, context 8 + 12, count 4: key "a" at 28. */
	CHECK_EQ(n, 28 + 2 * (4 + 1 + 4 + 16 + 16));
	CHECK_EQ(map_decode_with(b, n, n, 0), CRDT_OK);
	CHECK_EQ(map_decode_with(b, n, 28 + 9 + 23, 0), CRDT_VALUE);
	CHECK_EQ(map_decode_with(b, n, 32, 'b'), CRDT_ORDER);
	CHECK_EQ(map_decode_with(b, n, 32, 'c'), CRDT_ORDER);
	/* Key "b" at 69: its record's dot (1, 2) made (1, 1), a's. */
	CHECK_EQ(b[69 + 9 + 11], 2);
	CHECK_EQ(map_decode_with(b, n, 69 + 9 + 11, 1), CRDT_VALUE);
	CHECK_EQ(crdt_map_add(&m, 2, KEY("a"), 1, &limits, NULL), CRDT_OK);
	n = crdt_map_encode(&m, b, sizeof(b));
	CHECK_EQ(map_decode_with(b, n, n, 0), CRDT_OK);
	/* Now a context of two replicas: key "a" at 40, its records'
	 * dots (1, 1) at 49 then (2, 1) at 81; the second made (1, 1). */
	CHECK_EQ(b[81 + 3], 2);
	CHECK_EQ(map_decode_with(b, n, 81 + 3, 1), CRDT_ORDER);
	/* The encoder writes nothing that is not canonical. */
	m.rec[0].p = 0;
	CHECK_REFUSED_BY(crdt_map_encode, &m, 256, __LINE__);
	m.rec[0].p = 1;
	m.k[1].key[0] = 'a';
	CHECK_REFUSED_BY(crdt_map_encode, &m, 256, __LINE__);
	crdt_map_free(&m);
}

static const struct test_section sections[] = {
	{ "hlc", test_hlc },
	{ "names", test_names },
	{ "counter", test_counter },
	{ "register", test_register },
	{ "context", test_context },
	{ "presence", test_presence },
	{ "map", test_map },
	{ "map types", test_map_types },
	{ "map limits", test_map_limits },
	{ "map decode", test_map_decode },
};

int
main(int argc, char **argv)
{
	crdt_limits_default(&limits);
	return test_run(argc, argv, "test_crdt", sections,
			TEST_DIM(sections));
}
