/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One replica's state objects of a channel (rumor/state_store.h). The
 * objects sit in one array sorted by (key hash, kind, key): a lookup is
 * a binary search, and a walk in that order is the order a digest
 * exchange covers hash ranges in. Each kind's calls go through one
 * switch apiece, so that the store's logic is written once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "rumor/state_store.h"

/* The object of kind, initialised and empty. */
static void
obj_init(struct state_obj *o, uint8_t kind)
{
	o->kind = kind;
	switch (kind) {
	case STATE_KIND_COUNTER:
		crdt_counter_init(&o->u.counter);
		break;
	case STATE_KIND_REGISTER:
		crdt_register_init(&o->u.reg);
		break;
	case STATE_KIND_PRESENCE:
		crdt_presence_init(&o->u.presence);
		break;
	default:
		crdt_map_init(&o->u.map);
		break;
	}
}

static void
obj_free(struct state_obj *o)
{
	switch (o->kind) {
	case STATE_KIND_COUNTER:
		crdt_counter_free(&o->u.counter);
		break;
	case STATE_KIND_REGISTER:
		crdt_register_free(&o->u.reg);
		break;
	case STATE_KIND_PRESENCE:
		crdt_presence_free(&o->u.presence);
		break;
	default:
		crdt_map_free(&o->u.map);
		break;
	}
}

static size_t
obj_encoded_len(const struct state_obj *o)
{
	switch (o->kind) {
	case STATE_KIND_COUNTER:
		return crdt_counter_encoded_len(&o->u.counter);
	case STATE_KIND_REGISTER:
		return crdt_register_encoded_len(&o->u.reg);
	case STATE_KIND_PRESENCE:
		return crdt_presence_encoded_len(&o->u.presence);
	default:
		return crdt_map_encoded_len(&o->u.map);
	}
}

static size_t
obj_encode(const struct state_obj *o, uint8_t *buf, size_t cap)
{
	switch (o->kind) {
	case STATE_KIND_COUNTER:
		return crdt_counter_encode(&o->u.counter, buf, cap);
	case STATE_KIND_REGISTER:
		return crdt_register_encode(&o->u.reg, buf, cap);
	case STATE_KIND_PRESENCE:
		return crdt_presence_encode(&o->u.presence, buf, cap);
	default:
		return crdt_map_encode(&o->u.map, buf, cap);
	}
}

static enum crdt_error
obj_decode(struct state_obj *o, const uint8_t *buf, size_t len,
		const struct crdt_limits *l)
{
	switch (o->kind) {
	case STATE_KIND_COUNTER:
		return crdt_counter_decode(buf, len, l, &o->u.counter);
	case STATE_KIND_REGISTER:
		return crdt_register_decode(buf, len, l, &o->u.reg);
	case STATE_KIND_PRESENCE:
		return crdt_presence_decode(buf, len, l, &o->u.presence);
	default:
		return crdt_map_decode(buf, len, l, &o->u.map);
	}
}

/* Join b into a, both of one kind. */
static enum crdt_error
obj_merge(struct state_obj *a, const struct state_obj *b,
		const struct crdt_limits *l)
{
	switch (a->kind) {
	case STATE_KIND_COUNTER:
		return crdt_counter_merge(&a->u.counter, &b->u.counter, l);
	case STATE_KIND_REGISTER:
		return crdt_register_merge(&a->u.reg, &b->u.reg, l);
	case STATE_KIND_PRESENCE:
		return crdt_presence_merge(&a->u.presence, &b->u.presence, l);
	default:
		return crdt_map_merge(&a->u.map, &b->u.map, l);
	}
}

static bool
obj_equal(const struct state_obj *a, const struct state_obj *b)
{
	switch (a->kind) {
	case STATE_KIND_COUNTER:
		return crdt_counter_equal(&a->u.counter, &b->u.counter);
	case STATE_KIND_REGISTER:
		return crdt_register_equal(&a->u.reg, &b->u.reg);
	case STATE_KIND_PRESENCE:
		return crdt_presence_equal(&a->u.presence, &b->u.presence);
	default:
		return crdt_map_equal(&a->u.map, &b->u.map);
	}
}

/* Whether o holds nothing: as it was made. */
static bool
obj_empty(const struct state_obj *o)
{
	struct state_obj e;

	obj_init(&e, o->kind);
	return obj_equal(o, &e);
}

/* The greatest register timestamp o holds (a map's too); 0 if none. */
static uint64_t
obj_max_ts(const struct state_obj *o)
{
	uint64_t ts = 0;

	if (o->kind == STATE_KIND_REGISTER)
		return o->u.reg.ts;
	if (o->kind != STATE_KIND_MAP)
		return 0;
	for (uint32_t i = 0; i < o->u.map.rec_len; i++)
		if (o->u.map.rec[i].ts > ts)
			ts = o->u.map.rec[i].ts;
	return ts;
}

static int
obj_cmp(const struct state_obj *o, uint64_t hash, uint8_t kind,
		const uint8_t *key, size_t key_len)
{
	size_t n = o->key_len < key_len ? o->key_len : key_len;
	int c;

	if (o->key_hash != hash)
		return o->key_hash < hash ? -1 : 1;
	if (o->kind != kind)
		return o->kind < kind ? -1 : 1;
	c = n != 0 ? memcmp(o->key, key, n) : 0;
	if (c != 0)
		return c;
	return o->key_len < key_len ? -1 : o->key_len > key_len;
}

/* Where (kind, key) is or would go; *found says which. */
static uint32_t
obj_index(const struct state_store *st, uint64_t hash, uint8_t kind,
		const uint8_t *key, size_t key_len, bool *found)
{
	uint32_t lo = 0, hi = st->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = obj_cmp(&st->obj[mid], hash, kind, key, key_len);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static bool
kind_ok(uint8_t kind)
{
	return kind > STATE_KIND_NONE && kind < STATE_KIND_MAX;
}

int
state_store_init(struct state_store *st, uint32_t replica,
		const struct crdt_limits *limits, uint32_t max_objects)
{
	memset(st, 0, sizeof(*st));
	if (replica == 0 || max_objects == 0 ||
			max_objects > STATE_STORE_OBJECTS_MAX)
		return -EINVAL;
	st->replica = replica;
	st->limits = *limits;
	st->max_objects = max_objects;
	hlc_init(&st->clock, HLC_DRIFT_DEFAULT_MS);
	return 0;
}

void
state_store_free(struct state_store *st)
{
	for (uint32_t i = 0; i < st->n; i++) {
		obj_free(&st->obj[i]);
		free(st->obj[i].key);
	}
	free(st->obj);
	st->obj = NULL;
	st->n = st->cap = 0;
}

const struct state_obj *
state_store_find(const struct state_store *st, uint8_t kind,
		const uint8_t *key, size_t key_len)
{
	bool found;
	uint32_t i;

	if (!kind_ok(kind) || key_len > STATE_KEY_MAX)
		return NULL;
	i = obj_index(st, XXH3_64bits(key, key_len), kind, key, key_len,
			&found);
	return found ? &st->obj[i] : NULL;
}

/*
 * The object (kind, key), made empty at its place if st holds none and
 * has room: *created says so. NULL for CRDT_FULL or CRDT_NOMEM (*err).
 */
static struct state_obj *
obj_get(struct state_store *st, uint8_t kind, const uint8_t *key,
		size_t key_len, bool *created, enum crdt_error *err)
{
	const uint64_t hash = XXH3_64bits(key, key_len);
	struct state_obj *o;
	bool found;
	uint32_t i = obj_index(st, hash, kind, key, key_len, &found);

	*created = false;
	if (found)
		return &st->obj[i];
	if (st->n == st->max_objects) {
		*err = CRDT_FULL;
		return NULL;
	}
	*err = CRDT_NOMEM;
	if (st->n == st->cap) {
		uint32_t cap = st->cap != 0 ? st->cap * 2 : 8;
		struct state_obj *a;

		if (cap > st->max_objects)
			cap = st->max_objects;
		a = realloc(st->obj, (size_t)cap * sizeof(*a));
		if (a == NULL)
			return NULL;
		st->obj = a;
		st->cap = cap;
	}
	o = &st->obj[i];
	memmove(o + 1, o, (size_t)(st->n - i) * sizeof(*o));
	memset(o, 0, sizeof(*o));
	if (key_len != 0) {
		o->key = malloc(key_len);
		if (o->key == NULL) {
			memmove(o, o + 1, (size_t)(st->n - i) * sizeof(*o));
			return NULL;
		}
		memcpy(o->key, key, key_len);
	}
	o->key_hash = hash;
	o->key_len = (uint16_t)key_len;
	obj_init(o, kind);
	st->n++;
	*created = true;
	return o;
}

/* Take o (empty, just made) out of st again. */
static void
obj_drop(struct state_store *st, struct state_obj *o)
{
	uint32_t i = (uint32_t)(o - st->obj);

	obj_free(o);
	free(o->key);
	memmove(o, o + 1, (size_t)(st->n - i - 1) * sizeof(*o));
	st->n--;
}

/* Apply op to o, its delta into d (of o's kind, empty). */
static enum crdt_error
obj_write(struct state_store *st, struct state_obj *o,
		const struct state_write_op *op, uint64_t now_ms,
		struct state_obj *d)
{
	const struct crdt_limits *l = &st->limits;
	const uint32_t vlen = (uint32_t)op->value_len;

	switch (op->op) {
	case STATE_OP_COUNTER_ADD:
		return crdt_counter_add(&o->u.counter, st->replica, op->by, l,
				&d->u.counter);
	case STATE_OP_REGISTER_SET:
		return crdt_register_set(&o->u.reg,
				hlc_now(&st->clock, now_ms), st->replica,
				op->value, vlen, l, &d->u.reg);
	case STATE_OP_MAP_SET:
		return crdt_map_set(&o->u.map, st->replica, op->field,
				(uint32_t)op->field_len,
				hlc_now(&st->clock, now_ms), op->value, vlen, l,
				&d->u.map);
	case STATE_OP_MAP_INCR:
		return crdt_map_add(&o->u.map, st->replica, op->field,
				(uint32_t)op->field_len, op->by, l, &d->u.map);
	case STATE_OP_MAP_DEL:
		return crdt_map_remove(&o->u.map, op->field,
				(uint32_t)op->field_len, l, &d->u.map);
	case STATE_OP_PRESENCE_ENTER:
	case STATE_OP_PRESENCE_UPDATE:
		return crdt_presence_enter(&o->u.presence, st->replica,
				op->client, op->node, op->incarnation,
				op->value, vlen, l, &d->u.presence);
	default:
		return crdt_presence_leave(&o->u.presence, op->client, l,
				&d->u.presence);
	}
}

/* The shape of op: its kind's, a field exactly for a map's. */
static enum crdt_error
op_check(const struct state_write_op *op)
{
	if (!kind_ok(op->kind) || op->op == STATE_OP_NONE ||
			op->op >= STATE_OP_MAX ||
			state_op_kind(op->op) != op->kind)
		return CRDT_TYPE;
	if (op->key_len > STATE_KEY_MAX || op->field_len > STATE_KEY_MAX ||
			op->value_len > STATE_VALUE_MAX)
		return CRDT_TOO_BIG;
	if ((op->kind == STATE_KIND_MAP) != (op->field_len != 0))
		return CRDT_VALUE;
	return CRDT_OK;
}

enum crdt_error
state_store_write(struct state_store *st, const struct state_write_op *op,
		uint64_t now_ms, uint8_t *buf, size_t cap, size_t *len)
{
	const struct hlc clock = st->clock;
	struct state_obj *o, d;
	enum crdt_error e = op_check(op);
	bool created;

	*len = 0;
	if (e != CRDT_OK)
		return e;
	o = obj_get(st, op->kind, op->key, op->key_len, &created, &e);
	if (o == NULL)
		return e;
	obj_init(&d, op->kind);
	e = obj_write(st, o, op, now_ms, &d);
	if (e != CRDT_OK)
		st->clock = clock;	/* A refused write drew no time. */
	else if (!obj_empty(&d))
		*len = obj_encoded_len(&d);
	if (*len != 0 && *len <= cap)
		*len = obj_encode(&d, buf, cap);
	if (created && obj_empty(o))
		obj_drop(st, o);
	obj_free(&d);
	return e;
}

enum crdt_error
state_store_merge(struct state_store *st, uint8_t kind, const uint8_t *key,
		size_t key_len, const uint8_t *enc, size_t len, uint64_t now_ms,
		bool *changed)
{
	const struct hlc clock = st->clock;
	struct state_obj in, before, *o;
	enum crdt_error e;
	bool created;
	uint64_t ts;

	if (changed != NULL)
		*changed = false;
	if (!kind_ok(kind))
		return CRDT_TYPE;
	if (key_len > STATE_KEY_MAX)
		return CRDT_TOO_BIG;
	/* The decoder refuses another kind's encoding (CRDT_TYPE). */
	obj_init(&in, kind);
	e = obj_decode(&in, enc, len, &st->limits);
	if (e != CRDT_OK)
		goto out;
	/* Its timestamps pass the clock before they can win anything. */
	ts = obj_max_ts(&in);
	if (ts != 0 && hlc_update(&st->clock, ts, now_ms) != 0) {
		e = CRDT_VALUE;
		goto out;
	}
	o = obj_get(st, kind, key, key_len, &created, &e);
	if (o == NULL)
		goto out;
	e = CRDT_OK;
	/* What it was, to tell a change: a merge into empty is a copy. */
	obj_init(&before, kind);
	if (changed != NULL)
		e = obj_merge(&before, o, &st->limits);
	if (e == CRDT_OK)
		e = obj_merge(o, &in, &st->limits);
	if (e == CRDT_OK && changed != NULL)
		*changed = !obj_equal(o, &before);
	obj_free(&before);
	if (created && (e != CRDT_OK || obj_empty(o)))
		obj_drop(st, o);
out:
	if (e != CRDT_OK)
		st->clock = clock;	/* A refused merge saw no time. */
	obj_free(&in);
	return e;
}

enum crdt_error
state_store_encode(const struct state_store *st, uint8_t kind,
		const uint8_t *key, size_t key_len, uint8_t *buf, size_t cap,
		size_t *len)
{
	const struct state_obj *o;
	struct state_obj empty;

	*len = 0;
	if (!kind_ok(kind))
		return CRDT_VALUE;
	o = state_store_find(st, kind, key, key_len);
	if (o == NULL) {
		obj_init(&empty, kind);
		o = &empty;
	}
	if (obj_encoded_len(o) > cap)
		return CRDT_SHORT;
	*len = obj_encode(o, buf, cap);
	return *len != 0 ? CRDT_OK : CRDT_SHORT;
}

uint64_t
state_store_digest(const struct state_obj *o)
{
	size_t n = obj_encoded_len(o);
	uint8_t small[256];
	uint8_t *buf = n <= sizeof(small) ? small : malloc(n);
	uint64_t d;

	if (buf == NULL)
		return 1;	/* Unknown: differs, so a peer sends its own. */
	n = obj_encode(o, buf, n);
	d = XXH3_64bits(buf, n);
	if (buf != small)
		free(buf);
	return d != 0 ? d : 1;
}

uint64_t
state_store_digest_of(const struct state_store *st, uint8_t kind,
		const uint8_t *key, size_t key_len)
{
	const struct state_obj *o = state_store_find(st, kind, key, key_len);

	return o != NULL ? state_store_digest(o) : 0;
}

enum crdt_error
state_store_counter_value(const struct state_store *st, const uint8_t *key,
		size_t key_len, int64_t *v)
{
	const struct state_obj *o = state_store_find(st, STATE_KIND_COUNTER,
			key, key_len);

	*v = 0;
	return o != NULL ? crdt_counter_value(&o->u.counter, v) : CRDT_OK;
}
