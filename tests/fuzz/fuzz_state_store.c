/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: three replicas of a channel's state objects
 * (include/rumor/state_store.h) run the program the input spells (as
 * make-corpus.py writes it), at most STEPS steps. A step's first byte
 * picks it; its top bit moves the wall clock on first:
 *   write  at a store, kind and op (mostly valid), a key of 0 .. 8 'a's
 *          and 'b's (so that objects collide), field, value, by, client,
 *          node, incarnation; the delta merged into the writer and into
 *          one or both others, maybe twice;
 *   raw    input bytes, maybe behind a valid header, merged as a kind;
 *   mutate an object's encoding, one byte changed or cut, merged from
 *          one store into another;
 *   sync   anti-entropy: every object of two stores, whole, merged into
 *          the other.
 * Checked all along: refused writes and merges change no object,
 * digest or clock; what changes nothing makes no object; a write's
 * length and "changed" tell the truth; a delta over the buffer is not
 * written; a merge taken again changes nothing. At the end,
 * anti-entropy among all three: unless a merge of it is refused (a
 * bound, the clock), they then hold the same objects, digests and
 * encodings.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/crdt.h"
#include "rumor/state_store.h"
#include "rumor/state_wire.h"
#include "fuzz.h"

#define STORES 3
#define STEPS 64
#define MAX_OBJECTS 8u
#define KEY_MAX 8u		/* Keys (and fields) the program makes. */
#define SYNC_ROUNDS 8
#define NOW0 UINT64_C(1700000000000)

/* Small, so that writes and merges reach them. */
static const struct crdt_limits limits = { .entries = 16,
	.data_bytes = 32, .key_bytes = KEY_MAX, .replicas = 8 };

/* Far above any encoding under those limits. */
static uint8_t enc_buf[1u << 16], enc_buf2[1u << 16];

/* The program's bytes; past their end every read gives 0. */
struct prog {
	const uint8_t *p;
	size_t n;
};

static uint8_t
next8(struct prog *g)
{
	if (g->n == 0)
		return 0;
	g->n--;
	return *g->p++;
}

/* Up to want bytes of the program, in place; *got how many. */
static const uint8_t *
take(struct prog *g, size_t want, size_t *got)
{
	*got = want < g->n ? want : g->n;
	g->p += *got;
	g->n -= *got;
	return g->p - *got;
}

/* A key of 0 .. max bytes, each 'a' or 'b' by a bit of the input. */
static size_t
next_key(struct prog *g, uint8_t *k, unsigned int max)
{
	size_t len = next8(g) % (max + 1);
	uint8_t bits = next8(g);

	for (size_t i = 0; i < len; i++)
		k[i] = 'a' + ((bits >> (i & 7)) & 1);
	return len;
}

/*
 * Mostly a valid kind and one of its ops, so that writes get through;
 * now and then any bytes (NONE, MAX, beyond, another kind's op).
 */
static uint8_t
next_kind(struct prog *g, uint8_t *op)
{
	static const uint8_t first[] = { STATE_OP_COUNTER_ADD,
		STATE_OP_REGISTER_SET, STATE_OP_PRESENCE_ENTER,
		STATE_OP_MAP_SET };
	uint8_t k = next8(g), b = next8(g);

	*op = k >= 0xf0 || b >= 0xf0 ? b & 0x0f :
			first[k % 4] + (k % 4 >= 2 ? b % 3 : 0);
	return k >= 0xf0 ? k & 0x0f : 1 + k % 4;
}

/* What a refused call must leave: every object and its digest. */
struct snap {
	uint32_t n;
	struct {
		uint8_t kind;
		uint8_t key[KEY_MAX];
		uint16_t key_len;
		uint64_t digest;
	} o[MAX_OBJECTS];
};

/* The store's own invariants, and its snapshot into s. */
static void
check_store(const struct state_store *st, struct snap *s)
{
	FUZZ_CHECK(st->n <= MAX_OBJECTS);
	memset(s, 0, sizeof(*s));	/* So that memcmp compares. */
	s->n = st->n;
	for (uint32_t i = 0; i < st->n; i++) {
		const struct state_obj *o = &st->obj[i];
		uint64_t d = state_store_digest(o);

		/* Keys come only from next_key(), none longer. */
		FUZZ_CHECK(o->key_len <= KEY_MAX);
		FUZZ_CHECK(state_store_find(st, o->kind, o->key,
				o->key_len) == o);
		FUZZ_CHECK(d != 0 && state_store_digest_of(st, o->kind,
				o->key, o->key_len) == d);
		s->o[i].kind = o->kind;
		s->o[i].key_len = o->key_len;
		if (o->key_len != 0)
			memcpy(s->o[i].key, o->key, o->key_len);
		s->o[i].digest = d;
	}
}

/*
 * state_store_merge with its contract checked: a verdict of its own, a
 * refusal changes nothing (the clock included), and "changed" agrees
 * with the digest of (kind, key), which is 0 while the store has no
 * such object: what merges to an empty object makes none.
 */
static enum crdt_error
merge(struct state_store *st, uint8_t kind, const uint8_t *key,
		size_t key_len, const uint8_t *enc, size_t len, uint64_t now,
		bool *changed)
{
	/* An exact-size copy, so that ASan sees a read beyond it. */
	uint8_t *copy = fuzz_copy(enc, len);
	struct snap before, after;
	uint64_t d0, d1, clock;
	enum crdt_error e;

	FUZZ_CHECK(copy != NULL);
	clock = st->clock.last;
	check_store(st, &before);
	d0 = state_store_digest_of(st, kind, key, key_len);
	e = state_store_merge(st, kind, key, key_len, copy, len, now, changed);
	free(copy);
	FUZZ_CHECK((unsigned int)e < CRDT_ERROR_MAX);
	check_store(st, &after);
	d1 = state_store_digest_of(st, kind, key, key_len);
	/* A change is one of (kind, key)'s digest, and of nothing else. */
	if (!*changed)
		FUZZ_CHECK(memcmp(&before, &after, sizeof(after)) == 0);
	FUZZ_CHECK(*changed == (d0 != d1));
	FUZZ_CHECK(e == CRDT_OK || (!*changed && st->clock.last == clock));
	return e;
}

static void
step_write(struct state_store *s, struct prog *g, uint64_t now)
{
	uint8_t key[KEY_MAX], field[KEY_MAX + 1], b, dest;
	struct state_write_op op = { 0 };
	struct state_store *st = &s[next8(g) % STORES], *to;
	struct snap before, after;
	size_t len, cap = sizeof(enc_buf);
	uint64_t clock, d0;
	enum crdt_error e;
	bool changed;

	op.kind = next_kind(g, &op.op);
	op.key_len = next_key(g, key, KEY_MAX);
	op.key = key;
	/* A field of 0 .. 9 bytes for a map (9 is over key_bytes); the
	 * other kinds get one only now and then, which they refuse. */
	b = next8(g);
	if (op.kind == STATE_KIND_MAP || (b & 0x80))
		op.field_len = next_key(g, field, KEY_MAX + 1);
	op.field = field;
	/* A value of 0 .. 39 bytes: above 32 is over data_bytes. */
	op.value = take(g, next8(g) % 40, &op.value_len);
	b = next8(g);
	op.by = (int8_t)b;
	for (int i = 0; b == 0x80 && i < 8; i++)	/* Any i64. */
		op.by = (int64_t)((uint64_t)op.by << 8 | next8(g));
	op.client = next8(g) % 4;
	op.node = next8(g) % 3;
	op.incarnation = next8(g) % 3;
	dest = next8(g);
	/* Now and then a small buffer: the delta may not fit it. */
	if (dest & 8)
		cap = next8(g) % 64;

	clock = st->clock.last;
	check_store(st, &before);
	d0 = state_store_digest_of(st, op.kind, key, op.key_len);
	memset(enc_buf, 0xa5, cap);
	e = state_store_write(st, &op, now, enc_buf, cap, &len);
	FUZZ_CHECK((unsigned int)e < CRDT_ERROR_MAX);
	check_store(st, &after);
	/*
	 * Refused (clock and all), or its delta empty (len 0): nothing
	 * changed, no object was made. Else (kind, key)'s digest did.
	 */
	FUZZ_CHECK(e == CRDT_OK || (len == 0 && st->clock.last == clock));
	if (len == 0)
		FUZZ_CHECK(memcmp(&before, &after, sizeof(after)) == 0);
	else
		FUZZ_CHECK(state_store_digest_of(st, op.kind, key,
				op.key_len) != d0);
	/* A delta over cap is applied, but not written at all. */
	for (size_t i = 0; len > cap && i < cap; i++)
		FUZZ_CHECK(enc_buf[i] == 0xa5);
	if (len == 0 || len > cap)
		return;
	/*
	 * Into the writer (i 0), which holds it already (unless its clock
	 * took a remote timestamp at the drift bound, counter full, and
	 * carried past it), and others, which may refuse it (sync repairs).
	 */
	for (int i = 0; i < STORES; i++) {
		to = &s[(st - s + i) % STORES];
		if (i > 0 && !(dest & (1 << (i - 1))))
			continue;
		e = merge(to, op.kind, key, op.key_len, enc_buf, len, now,
				&changed);
		FUZZ_CHECK(i > 0 || e == CRDT_VALUE || (e == CRDT_OK &&
				!changed));
		if (e != CRDT_OK || !(dest & 4))
			continue;
		/* Idempotence: what a merge brought is there. */
		FUZZ_CHECK(merge(to, op.kind, key, op.key_len, enc_buf, len,
				now, &changed) == CRDT_OK && !changed);
	}
}

/* Raw bytes, behind a valid header when asked, merged as an encoding. */
static void
step_raw(struct state_store *s, struct prog *g, uint64_t now)
{
	struct state_store *st = &s[next8(g) % STORES];
	uint8_t key[KEY_MAX], b, kind = next_kind(g, &b);
	size_t key_len = next_key(g, key, KEY_MAX), n, hdr;
	const uint8_t *p;
	bool changed;

	/* The op byte next_kind() read goes unused: one layout for both. */
	b = next8(g);
	hdr = b & 0x80 ? CRDT_HDR_LEN : 0;
	memcpy(enc_buf, (uint8_t[]){ CRDT_ENCODING_VERSION, kind, 0, 0 }, hdr);
	p = take(g, b & 0x7f, &n);
	memcpy(enc_buf + hdr, p, n);
	merge(st, kind, key, key_len, enc_buf, hdr + n, now, &changed);
}

/* An object of one store, encoded, changed at one byte, into another. */
static void
step_mutate(struct state_store *s, struct prog *g, uint64_t now)
{
	struct state_store *from = &s[next8(g) % STORES];
	struct state_store *to = &s[next8(g) % STORES];
	uint8_t i = next8(g), hi = next8(g), lo = next8(g), x = next8(g);
	size_t pos = (size_t)hi << 8 | lo, len;
	const struct state_obj *o;
	bool changed;

	if (from->n == 0)
		return;
	o = &from->obj[i % from->n];
	FUZZ_CHECK(state_store_encode(from, o->kind, o->key, o->key_len,
			enc_buf, sizeof(enc_buf), &len) == CRDT_OK);
	pos %= len;
	if (x == 0)
		len = pos;	/* Cut short there. */
	else
		enc_buf[pos] ^= x;
	merge(to, o->kind, o->key, o->key_len, enc_buf, len, now, &changed);
}

/*
 * Anti-entropy between a and b: every object of each, whole, merged
 * into the other. True if either changed; *refused set on a refusal.
 */
static bool
sync_pair(struct state_store *a, struct state_store *b, uint64_t now,
		bool *refused)
{
	bool any = false, changed;

	for (int d = 0; d < 2; d++) {
		struct state_store *from = d ? b : a, *to = d ? a : b;

		for (uint32_t i = 0; i < from->n; i++) {
			const struct state_obj *o = &from->obj[i];
			size_t len;

			FUZZ_CHECK(state_store_encode(from, o->kind, o->key,
					o->key_len, enc_buf, sizeof(enc_buf),
					&len) == CRDT_OK);
			if (merge(to, o->kind, o->key, o->key_len, enc_buf,
					len, now, &changed) != CRDT_OK)
				*refused = true;
			any |= changed;
		}
	}
	return any;
}

/* The same objects, digests and encodings in a and b. */
static void
check_equal(const struct state_store *a, const struct state_store *b)
{
	struct snap sa, sb;

	/* One order, (key hash, kind, key): index by index. */
	check_store(a, &sa);
	check_store(b, &sb);
	FUZZ_CHECK(memcmp(&sa, &sb, sizeof(sa)) == 0);
	for (uint32_t i = 0; i < a->n; i++) {
		const struct state_obj *o = &a->obj[i];
		size_t lx, ly;

		FUZZ_CHECK(state_store_encode(a, o->kind, o->key, o->key_len,
				enc_buf, sizeof(enc_buf), &lx) == CRDT_OK &&
				state_store_encode(b, o->kind, o->key,
				o->key_len, enc_buf2, sizeof(enc_buf2),
				&ly) == CRDT_OK);
		FUZZ_CHECK(lx == ly && memcmp(enc_buf, enc_buf2, lx) == 0);
	}
}

/* Anti-entropy between two stores mid-way: its refusals may pass. */
static void
step_sync(struct state_store *s, struct prog *g, uint64_t now)
{
	uint8_t a = next8(g) % STORES, b = (a + 1 + next8(g) % 2) % STORES;
	bool ignored = false;

	sync_pair(&s[a], &s[b], now, &ignored);
}

static void
fuzz_one(const uint8_t *copy, size_t size)
{
	static void (*const step[])(struct state_store *, struct prog *,
			uint64_t) = { step_write, step_write, step_raw,
			step_mutate, step_sync };
	struct prog g = { .p = copy, .n = size };
	struct state_store s[STORES];
	uint64_t now = NOW0;
	bool refused = false, changed = true;
	int round;

	for (int i = 0; i < STORES; i++)
		FUZZ_CHECK(state_store_init(&s[i], (uint32_t)i + 1, &limits,
				MAX_OBJECTS) == 0);
	for (int i = 0; i < STEPS && g.n > 0; i++) {
		uint8_t c = next8(&g);

		if (c & 0x80)
			now += (uint64_t)next8(&g) << 8 | next8(&g);
		step[(c & 0x7f) % 5](s, &g, now);
	}
	/* Pairwise joins: one round carries everything everywhere. */
	for (round = 0; round < SYNC_ROUNDS && changed && !refused; round++) {
		changed = sync_pair(&s[0], &s[1], now, &refused);
		changed |= sync_pair(&s[1], &s[2], now, &refused);
		changed |= sync_pair(&s[0], &s[2], now, &refused);
	}
	/* A refusal (a bound, the clock) leaves convergence unpromised. */
	if (!refused) {
		FUZZ_CHECK(!changed && round <= 2);
		check_equal(&s[0], &s[1]);
		check_equal(&s[0], &s[2]);
	}
	for (int i = 0; i < STORES; i++)
		state_store_free(&s[i]);
}

FUZZ_TARGET(fuzz_one)
