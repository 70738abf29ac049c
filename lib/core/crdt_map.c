/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The map of counters and registers (rumor/crdt_map.h). Keys sit in an
 * array sorted by their bytes, their records in one array key after key,
 * so that a merge is one pass over both maps' keys and, within a key
 * both hold, over both keys' records. As in presence, every mutator
 * builds its delta and merges it into the state, so that the state
 * changes only through merge, the one place that checks the limits and
 * leaves its target as it was on a refusal.
 */
#include <stdlib.h>
#include <string.h>

#include "rumor/crdt_map.h"
#include "crdt_codec.h"

/* The fewest bytes a record, and a key with its one record, encode to. */
#define REC_MIN (CRDT_MAP_REC_LEN + CRDT_MAP_REGISTER_LEN)
#define KEY_MIN (4u + 1u + 4u + REC_MIN)

void
crdt_map_init(struct crdt_map *m)
{
	memset(m, 0, sizeof(*m));
	crdt_context_init(&m->ctx);
}

void
crdt_map_free(struct crdt_map *m)
{
	for (uint32_t i = 0; i < m->len; i++)
		free(m->k[i].key);
	for (uint32_t i = 0; i < m->rec_len; i++)
		free(m->rec[i].data);
	free(m->k);
	free(m->rec);
	crdt_context_free(&m->ctx);
	crdt_map_init(m);
}

/* The order of keys: by bytes, a key before every longer one it begins. */
static int
key_cmp(const uint8_t *a, uint32_t a_len, const uint8_t *b, uint32_t b_len)
{
	uint32_t n = a_len < b_len ? a_len : b_len;
	int c = n > 0 ? memcmp(a, b, n) : 0;

	if (c != 0)
		return c < 0 ? -1 : 1;
	return (a_len > b_len) - (a_len < b_len);
}

const struct crdt_map_key *
crdt_map_find(const struct crdt_map *m, const uint8_t *key, uint32_t key_len)
{
	uint32_t lo = 0, hi = m->len;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = key_cmp(m->k[mid].key, m->k[mid].key_len, key,
				key_len);

		if (c == 0)
			return &m->k[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

enum crdt_type
crdt_map_key_type(const struct crdt_map_key *k)
{
	/* Sorted by dot: the last is the greatest. */
	return (enum crdt_type)k->rec[k->len - 1].type;
}

enum crdt_error
crdt_map_counter_value(const struct crdt_map *m, const uint8_t *key,
		uint32_t key_len, int64_t *v)
{
	const struct crdt_map_key *k = crdt_map_find(m, key, key_len);
	/* At most CRDT_ENTRIES_MAX sums of 64 bits: 128 bits hold them. */
	unsigned __int128 p = 0, n = 0;

	if (k != NULL && crdt_map_key_type(k) != CRDT_T_COUNTER)
		return CRDT_TYPE;
	for (uint32_t i = 0; k != NULL && i < k->len; i++) {
		if (k->rec[i].type != CRDT_T_COUNTER)
			continue;
		p += k->rec[i].p;
		n += k->rec[i].n;
	}
	return crdt_pn_value(p, n, v);
}

/* k's greatest register write by (ts, dot); NULL if it has none. */
static const struct crdt_map_rec *
register_top(const struct crdt_map_key *k)
{
	const struct crdt_map_rec *top = NULL;

	for (uint32_t i = 0; i < k->len; i++) {
		const struct crdt_map_rec *x = &k->rec[i];

		if (x->type != CRDT_T_REGISTER)
			continue;
		/* Records ascend by dot: a later one of equal ts wins. */
		if (top == NULL || x->ts >= top->ts)
			top = x;
	}
	return top;
}

const struct crdt_map_rec *
crdt_map_register(const struct crdt_map *m, const uint8_t *key,
		uint32_t key_len)
{
	const struct crdt_map_key *k = crdt_map_find(m, key, key_len);

	if (k == NULL || crdt_map_key_type(k) != CRDT_T_REGISTER)
		return NULL;
	return register_top(k);
}

/*
 * The order of two records of one dot: only forged states have two, and
 * merge keeps the greater, so that it is a join whatever its input.
 */
static int
rec_cmp(const struct crdt_map_rec *a, const struct crdt_map_rec *b)
{
	int c;

	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	if (a->p != b->p)
		return a->p < b->p ? -1 : 1;
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	c = a->len > 0 ? memcmp(a->data, b->data, a->len) : 0;
	return c < 0 ? -1 : c > 0;
}

/* A copy of the n bytes *p points to, into *p; false without memory. */
static bool
bytes_own(uint8_t **p, uint32_t n)
{
	uint8_t *d;

	if (n == 0) {
		*p = NULL;
		return true;
	}
	d = malloc(n);
	if (d == NULL)
		return false;
	memcpy(d, *p, n);
	*p = d;
	return true;
}

/*
 * The records of one key in a join, ak's (NULL if a lacks the key) and
 * bk's (NULL if b does), into out: from_b[k] true when out[k] is b's
 * (its data still b's), a_drop[i] when ak's record i is left out.
 * Returns the count.
 */
static uint32_t
recs_join(const struct crdt_map *a, const struct crdt_map_key *ak,
		const struct crdt_map *b, const struct crdt_map_key *bk,
		struct crdt_map_rec *out, bool *from_b, bool *a_drop)
{
	uint32_t na = ak != NULL ? ak->len : 0, nb = bk != NULL ? bk->len : 0;
	uint32_t i = 0, j = 0, n = 0;

	while (i < na || j < nb) {
		int k = i == na ? 1 : j == nb ? -1 :
				crdt_dot_cmp(&ak->rec[i].dot, &bk->rec[j].dot);

		if (k < 0) {
			/* a's alone: kept unless b saw it removed. */
			a_drop[i] = crdt_context_has(&b->ctx, &ak->rec[i].dot);
			if (!a_drop[i]) {
				from_b[n] = false;
				out[n++] = ak->rec[i];
			}
			i++;
		} else if (k > 0) {
			if (!crdt_context_has(&a->ctx, &bk->rec[j].dot)) {
				from_b[n] = true;
				out[n++] = bk->rec[j];
			}
			j++;
		} else {
			a_drop[i] = rec_cmp(&bk->rec[j], &ak->rec[i]) > 0;
			from_b[n] = a_drop[i];
			out[n++] = a_drop[i] ? bk->rec[j] : ak->rec[i];
			i++, j++;
		}
	}
	return n;
}

/* What merge takes from b: keys and values within the limits. */
static enum crdt_error
merge_check(const struct crdt_map *b, const struct crdt_limits *limits)
{
	for (uint32_t i = 0; i < b->len; i++)
		if (b->k[i].key_len > limits->key_bytes)
			return CRDT_TOO_BIG;
	for (uint32_t i = 0; i < b->rec_len; i++)
		if (b->rec[i].len > limits->data_bytes)
			return CRDT_TOO_BIG;
	return CRDT_OK;
}

/* The scratch of a merge: the result, and whose each part is. */
struct join {
	struct crdt_map_key *k;
	struct crdt_map_rec *rec;
	uint32_t len, rec_len;
	bool *k_from_b, *rec_from_b;	/* Copied from b on commit. */
	bool *a_kept;			/* a's keys in the result. */
	bool *a_drop;			/* a's records not in it. */
};

/* The keys and records of a join of a and b into j, nothing copied. */
static void
keys_join(const struct crdt_map *a, const struct crdt_map *b,
		struct join *j)
{
	uint32_t i = 0, jb = 0, a_at = 0;

	while (i < a->len || jb < b->len) {
		int c = i == a->len ? 1 : jb == b->len ? -1 :
				key_cmp(a->k[i].key, a->k[i].key_len,
				b->k[jb].key, b->k[jb].key_len);
		const struct crdt_map_key *ak = c <= 0 ? &a->k[i] : NULL;
		const struct crdt_map_key *bk = c >= 0 ? &b->k[jb] : NULL;
		uint32_t got = recs_join(a, ak, b, bk, j->rec + j->rec_len,
				j->rec_from_b + j->rec_len, j->a_drop + a_at);

		/* A key with no record left is gone. */
		if (got > 0) {
			j->k[j->len] = ak != NULL ? *ak : *bk;
			j->k[j->len].rec = j->rec + j->rec_len;
			j->k[j->len].len = got;
			j->k_from_b[j->len++] = ak == NULL;
			j->rec_len += got;
			if (ak != NULL)
				j->a_kept[i] = true;
		}
		if (ak != NULL)
			a_at += a->k[i++].len;
		if (bk != NULL)
			jb++;
	}
}

/* Copy into j what it takes from b; all or nothing. */
static enum crdt_error
join_own(struct join *j)
{
	uint32_t nk = 0, nr = 0;

	for (; nk < j->len; nk++)
		if (j->k_from_b[nk] && !bytes_own(&j->k[nk].key,
				j->k[nk].key_len))
			goto fail;
	for (; nr < j->rec_len; nr++)
		if (j->rec_from_b[nr] && !bytes_own(&j->rec[nr].data,
				j->rec[nr].len))
			goto fail;
	return CRDT_OK;
fail:
	while (nk-- > 0)
		if (j->k_from_b[nk])
			free(j->k[nk].key);
	while (nr-- > 0)
		if (j->rec_from_b[nr])
			free(j->rec[nr].data);
	return CRDT_NOMEM;
}

enum crdt_error
crdt_map_merge(struct crdt_map *a, const struct crdt_map *b,
		const struct crdt_limits *limits)
{
	size_t nk = (size_t)a->len + b->len, nr = (size_t)a->rec_len +
			b->rec_len;
	struct join j = { 0 };
	struct crdt_context ctx;
	enum crdt_error e;

	e = merge_check(b, limits);
	if (e != CRDT_OK)
		return e;
	crdt_context_init(&ctx);
	j.k = malloc((nk > 0 ? nk : 1) * sizeof(*j.k));
	j.rec = malloc((nr > 0 ? nr : 1) * sizeof(*j.rec));
	j.k_from_b = malloc(nk > 0 ? nk : 1);
	j.rec_from_b = malloc(nr > 0 ? nr : 1);
	j.a_kept = calloc(a->len > 0 ? a->len : 1, 1);
	j.a_drop = calloc(a->rec_len > 0 ? a->rec_len : 1, 1);
	if (j.k == NULL || j.rec == NULL || j.k_from_b == NULL ||
			j.rec_from_b == NULL || j.a_kept == NULL ||
			j.a_drop == NULL) {
		e = CRDT_NOMEM;
		goto done;
	}
	keys_join(a, b, &j);
	if (j.rec_len > limits->entries) {
		e = CRDT_FULL;
		goto done;
	}
	e = crdt_context_copy(&ctx, &a->ctx);
	if (e == CRDT_OK)
		e = crdt_context_join(&ctx, &b->ctx, limits);
	if (e == CRDT_OK)
		e = join_own(&j);
	if (e != CRDT_OK)
		goto done;
	/* Nothing can fail now: commit. */
	for (uint32_t i = 0; i < a->rec_len; i++)
		if (j.a_drop[i])
			free(a->rec[i].data);
	for (uint32_t i = 0; i < a->len; i++)
		if (!j.a_kept[i])
			free(a->k[i].key);
	free(a->k);
	free(a->rec);
	a->k = j.k;
	a->len = j.len;
	a->rec = j.rec;
	a->rec_len = j.rec_len;
	j.k = NULL;
	j.rec = NULL;
	crdt_context_free(&a->ctx);
	a->ctx = ctx;
	crdt_context_init(&ctx);
done:
	free(j.k);
	free(j.rec);
	free(j.k_from_b);
	free(j.rec_from_b);
	free(j.a_kept);
	free(j.a_drop);
	crdt_context_free(&ctx);
	return e;
}

/*
 * Into d's context: the dots of k's records a write replaces (all of
 * them, or with own not 0 all but other replicas' counter records) and
 * the write's own dot, if dot is not NULL. One join of them as a cloud,
 * sorted as the records are, the new dot put in its place.
 */
static enum crdt_error
delta_context(const struct crdt_map_key *k, uint32_t own,
		const struct crdt_dot *dot, const struct crdt_limits *limits,
		struct crdt_map *d)
{
	uint32_t have = k != NULL ? k->len : 0, n = 0;
	struct crdt_dot *dots = malloc((have + 1) * sizeof(*dots));
	struct crdt_context c;
	enum crdt_error e;

	if (dots == NULL)
		return CRDT_NOMEM;
	for (uint32_t i = 0; i < have; i++) {
		const struct crdt_map_rec *x = &k->rec[i];

		if (own == 0 || x->type != CRDT_T_COUNTER ||
				x->dot.replica == own)
			dots[n++] = x->dot;
	}
	if (dot != NULL) {
		uint32_t at = n++;

		for (; at > 0 && crdt_dot_cmp(&dots[at - 1], dot) > 0; at--)
			dots[at] = dots[at - 1];
		dots[at] = *dot;
	}
	crdt_context_init(&c);
	c.cloud = dots;
	c.cloud_len = n;
	e = crdt_context_join(&d->ctx, &c, limits);
	free(dots);
	return e;
}

/* d's one key, key[0..key_len) with the record x, its bytes copied. */
static enum crdt_error
delta_put(struct crdt_map *d, const uint8_t *key, uint32_t key_len,
		const struct crdt_map_rec *x)
{
	uint8_t *kb = (uint8_t *)key;

	d->k = malloc(sizeof(*d->k));
	d->rec = malloc(sizeof(*d->rec));
	if (d->k == NULL || d->rec == NULL || !bytes_own(&kb, key_len))
		return CRDT_NOMEM;
	d->rec[0] = *x;
	if (!bytes_own(&d->rec[0].data, x->len)) {
		free(kb);
		return CRDT_NOMEM;
	}
	d->rec_len = 1;
	d->k[0] = (struct crdt_map_key){ .key = kb, .key_len = key_len,
		.rec = d->rec, .len = 1 };
	d->len = 1;
	return CRDT_OK;
}

/* Merge d into m; d, the caller's delta or a scratch one, emptied on error. */
static enum crdt_error
delta_apply(struct crdt_map *m, struct crdt_map *d, enum crdt_error e,
		const struct crdt_limits *limits, bool scratch)
{
	if (e == CRDT_OK)
		e = crdt_map_merge(m, d, limits);
	if (e != CRDT_OK || scratch)
		crdt_map_free(d);
	return e;
}

static enum crdt_error
key_arg_check(uint32_t key_len, const struct crdt_limits *limits)
{
	if (key_len == 0)
		return CRDT_VALUE;
	if (key_len > limits->key_bytes)
		return CRDT_TOO_BIG;
	return CRDT_OK;
}

enum crdt_error
crdt_map_set(struct crdt_map *m, uint32_t replica, const uint8_t *key,
		uint32_t key_len, uint64_t ts, const uint8_t *value,
		uint32_t len, const struct crdt_limits *limits,
		struct crdt_map *delta)
{
	struct crdt_map scratch, *d = delta != NULL ? delta : &scratch;
	struct crdt_map_rec x = { .type = CRDT_T_REGISTER, .ts = ts,
		.len = len, .data = (uint8_t *)value };
	const struct crdt_map_key *k;
	const struct crdt_map_rec *top;
	enum crdt_error e;

	if (delta != NULL)
		crdt_map_free(delta);
	crdt_map_init(&scratch);
	if (replica == 0 || ts == 0)
		return CRDT_VALUE;
	e = key_arg_check(key_len, limits);
	if (e != CRDT_OK)
		return e;
	if (len > limits->data_bytes)
		return CRDT_TOO_BIG;
	k = crdt_map_find(m, key, key_len);
	if (k != NULL && crdt_map_key_type(k) != CRDT_T_REGISTER)
		return CRDT_TYPE;
	/* As crdt_register_set: only a write above the register's. */
	top = k != NULL ? register_top(k) : NULL;
	if (top != NULL && (ts < top->ts ||
			(ts == top->ts && replica <= top->dot.replica)))
		return CRDT_STALE;
	e = crdt_context_next(&m->ctx, replica, &x.dot);
	if (e == CRDT_OK)
		e = delta_context(k, 0, &x.dot, limits, d);
	if (e == CRDT_OK)
		e = delta_put(d, key, key_len, &x);
	return delta_apply(m, d, e, limits, delta == NULL);
}

enum crdt_error
crdt_map_add(struct crdt_map *m, uint32_t replica, const uint8_t *key,
		uint32_t key_len, int64_t by, const struct crdt_limits *limits,
		struct crdt_map *delta)
{
	struct crdt_map scratch, *d = delta != NULL ? delta : &scratch;
	struct crdt_map_rec x = { .type = CRDT_T_COUNTER };
	uint64_t mag = by < 0 ? (uint64_t)0 - (uint64_t)by : (uint64_t)by;
	const struct crdt_map_key *k;
	enum crdt_error e;

	if (delta != NULL)
		crdt_map_free(delta);
	crdt_map_init(&scratch);
	if (replica == 0)
		return CRDT_VALUE;
	e = key_arg_check(key_len, limits);
	if (e != CRDT_OK)
		return e;
	k = crdt_map_find(m, key, key_len);
	if (k != NULL && crdt_map_key_type(k) != CRDT_T_COUNTER)
		return CRDT_TYPE;
	if (by == 0)
		return CRDT_OK;
	/* The replica's sums carried on (one record, but for a forgery). */
	for (uint32_t i = 0; k != NULL && i < k->len; i++) {
		const struct crdt_map_rec *y = &k->rec[i];

		if (y->type != CRDT_T_COUNTER || y->dot.replica != replica)
			continue;
		if (x.p > UINT64_MAX - y->p || x.n > UINT64_MAX - y->n)
			return CRDT_OVERFLOW;
		x.p += y->p;
		x.n += y->n;
	}
	if (by > 0 ? x.p > UINT64_MAX - mag : x.n > UINT64_MAX - mag)
		return CRDT_OVERFLOW;
	if (by > 0)
		x.p += mag;
	else
		x.n += mag;
	e = crdt_context_next(&m->ctx, replica, &x.dot);
	if (e == CRDT_OK)
		e = delta_context(k, replica, &x.dot, limits, d);
	if (e == CRDT_OK)
		e = delta_put(d, key, key_len, &x);
	return delta_apply(m, d, e, limits, delta == NULL);
}

enum crdt_error
crdt_map_remove(struct crdt_map *m, const uint8_t *key, uint32_t key_len,
		const struct crdt_limits *limits, struct crdt_map *delta)
{
	struct crdt_map scratch, *d = delta != NULL ? delta : &scratch;
	const struct crdt_map_key *k;
	enum crdt_error e;

	if (delta != NULL)
		crdt_map_free(delta);
	crdt_map_init(&scratch);
	e = key_arg_check(key_len, limits);
	if (e != CRDT_OK)
		return e;
	k = crdt_map_find(m, key, key_len);
	if (k == NULL)
		return CRDT_OK;
	return delta_apply(m, d, delta_context(k, 0, NULL, limits, d),
			limits, delta == NULL);
}

bool
crdt_map_equal(const struct crdt_map *a, const struct crdt_map *b)
{
	if (a->len != b->len || a->rec_len != b->rec_len ||
			!crdt_context_equal(&a->ctx, &b->ctx))
		return false;
	for (uint32_t i = 0; i < a->len; i++)
		if (a->k[i].len != b->k[i].len ||
				key_cmp(a->k[i].key, a->k[i].key_len,
				b->k[i].key, b->k[i].key_len) != 0)
			return false;
	for (uint32_t i = 0; i < a->rec_len; i++)
		if (crdt_dot_cmp(&a->rec[i].dot, &b->rec[i].dot) != 0 ||
				rec_cmp(&a->rec[i], &b->rec[i]) != 0)
			return false;
	return true;
}

enum crdt_error
crdt_map_copy(struct crdt_map *dst, const struct crdt_map *src)
{
	struct crdt_map c;
	uint32_t at = 0;

	crdt_map_init(&c);
	if (crdt_context_copy(&c.ctx, &src->ctx) != CRDT_OK)
		return CRDT_NOMEM;
	c.k = malloc((src->len > 0 ? src->len : 1) * sizeof(*c.k));
	c.rec = malloc((src->rec_len > 0 ? src->rec_len : 1) *
			sizeof(*c.rec));
	if (c.k == NULL || c.rec == NULL)
		goto fail;
	for (; c.rec_len < src->rec_len; c.rec_len++) {
		c.rec[c.rec_len] = src->rec[c.rec_len];
		if (!bytes_own(&c.rec[c.rec_len].data, c.rec[c.rec_len].len))
			goto fail;
	}
	for (; c.len < src->len; c.len++) {
		c.k[c.len] = src->k[c.len];
		c.k[c.len].rec = c.rec + at;
		at += c.k[c.len].len;
		if (!bytes_own(&c.k[c.len].key, c.k[c.len].key_len))
			goto fail;
	}
	crdt_map_free(dst);
	*dst = c;
	return CRDT_OK;
fail:
	crdt_map_free(&c);
	return CRDT_NOMEM;
}

static size_t
rec_encoded_len(const struct crdt_map_rec *x)
{
	return CRDT_MAP_REC_LEN + (x->type == CRDT_T_COUNTER ?
			CRDT_MAP_COUNTER_LEN : CRDT_MAP_REGISTER_LEN + x->len);
}

size_t
crdt_map_encoded_len(const struct crdt_map *m)
{
	size_t n = CRDT_HDR_LEN + crdt_context_encoded_len(&m->ctx) + 4;

	for (uint32_t i = 0; i < m->len; i++)
		n += 8 + (size_t)m->k[i].key_len;
	for (uint32_t i = 0; i < m->rec_len; i++)
		n += rec_encoded_len(&m->rec[i]);
	return n;
}

/* The checks of key i of m (those before it checked) but its records'. */
static enum crdt_error
key_check(const struct crdt_map *m, uint32_t i)
{
	const struct crdt_map_key *k = &m->k[i];

	if (k->key_len == 0)
		return CRDT_VALUE;
	if (i > 0 && key_cmp(m->k[i - 1].key, m->k[i - 1].key_len, k->key,
			k->key_len) >= 0)
		return CRDT_ORDER;
	return CRDT_OK;
}

/* The checks of a record's dot and type, prev the one before in its key. */
static enum crdt_error
rec_head_check(const struct crdt_map *m, const struct crdt_map_rec *prev,
		const struct crdt_map_rec *x)
{
	if (x->dot.replica == 0 || x->dot.counter == 0)
		return CRDT_VALUE;
	if (prev != NULL && crdt_dot_cmp(&prev->dot, &x->dot) >= 0)
		return CRDT_ORDER;
	if (!crdt_context_has(&m->ctx, &x->dot))
		return CRDT_VALUE;
	if (x->type != CRDT_T_COUNTER && x->type != CRDT_T_REGISTER)
		return CRDT_VALUE;
	return CRDT_OK;
}

/* The checks of a record's payload: nothing that says nothing. */
static enum crdt_error
rec_body_check(const struct crdt_map_rec *x)
{
	if (x->type == CRDT_T_COUNTER)
		return (x->p == 0 && x->n == 0) || x->ts != 0 || x->len != 0 ?
				CRDT_VALUE : CRDT_OK;
	return x->ts == 0 || x->p != 0 || x->n != 0 ? CRDT_VALUE : CRDT_OK;
}

static int
dot_qcmp(const void *a, const void *b)
{
	return crdt_dot_cmp(a, b);
}

/*
 * A dot names one write: VALUE if two records, of two keys, share one.
 * Within a key the order check has seen to it.
 */
static enum crdt_error
dots_unique(const struct crdt_map *m)
{
	struct crdt_dot *dots;
	enum crdt_error e = CRDT_OK;

	if (m->rec_len < 2 || m->len < 2)
		return CRDT_OK;
	dots = malloc(m->rec_len * sizeof(*dots));
	if (dots == NULL)
		return CRDT_NOMEM;
	for (uint32_t i = 0; i < m->rec_len; i++)
		dots[i] = m->rec[i].dot;
	qsort(dots, m->rec_len, sizeof(*dots), dot_qcmp);
	for (uint32_t i = 1; i < m->rec_len && e == CRDT_OK; i++)
		if (crdt_dot_cmp(&dots[i - 1], &dots[i]) == 0)
			e = CRDT_VALUE;
	free(dots);
	return e;
}

/* Whether m is canonical: the encoder writes nothing else. */
static bool
map_canonical(const struct crdt_map *m)
{
	uint32_t at = 0;

	for (uint32_t i = 0; i < m->len; i++) {
		const struct crdt_map_key *k = &m->k[i];

		if (key_check(m, i) != CRDT_OK || k->len == 0 ||
				k->rec != m->rec + at ||
				k->len > m->rec_len - at)
			return false;
		for (uint32_t r = 0; r < k->len; r++)
			if (rec_head_check(m, r > 0 ? &k->rec[r - 1] : NULL,
					&k->rec[r]) != CRDT_OK ||
					rec_body_check(&k->rec[r]) != CRDT_OK)
				return false;
		at += k->len;
	}
	return at == m->rec_len && dots_unique(m) == CRDT_OK;
}

size_t
crdt_map_encode(const struct crdt_map *m, uint8_t *buf, size_t cap)
{
	size_t len = crdt_map_encoded_len(m);
	uint8_t *q;
	size_t n;

	if (len > cap || !map_canonical(m))
		return 0;
	/* The context checks itself before it writes. */
	n = crdt_context_encode(&m->ctx, buf + CRDT_HDR_LEN);
	if (n == 0)
		return 0;
	crdt_wr_hdr(buf, CRDT_T_MAP);
	q = crdt_wr32(buf + CRDT_HDR_LEN + n, m->len);
	for (uint32_t i = 0; i < m->len; i++) {
		const struct crdt_map_key *k = &m->k[i];

		q = crdt_wr32(q, k->key_len);
		q = crdt_wr_bytes(q, k->key, k->key_len);
		q = crdt_wr32(q, k->len);
		for (uint32_t r = 0; r < k->len; r++) {
			const struct crdt_map_rec *x = &k->rec[r];

			q = crdt_wr32(q, x->dot.replica);
			q = crdt_wr64(q, x->dot.counter);
			q = crdt_wr32(q, x->type);
			if (x->type == CRDT_T_COUNTER) {
				q = crdt_wr64(q, x->p);
				q = crdt_wr64(q, x->n);
			} else {
				q = crdt_wr64(q, x->ts);
				q = crdt_wr32(q, x->len);
				q = crdt_wr_bytes(q, x->data, x->len);
			}
		}
	}
	return len;
}

/* Room in m->rec for count more records. */
static enum crdt_error
grow_recs(struct crdt_map *m, uint32_t count)
{
	struct crdt_map_rec *p = realloc(m->rec,
			((size_t)m->rec_len + count) * sizeof(*p));

	if (p == NULL)
		return CRDT_NOMEM;
	m->rec = p;
	return CRDT_OK;
}

/*
 * The next record of m's last key from r, into m->rec[m->rec_len] (room
 * made), its data copied; m->rec_len and the key's len count it.
 */
static enum crdt_error
rec_read(struct crdt_rd *r, const struct crdt_limits *limits,
		struct crdt_map *m)
{
	struct crdt_map_key *k = &m->k[m->len - 1];
	struct crdt_map_rec *x = &m->rec[m->rec_len];
	const uint8_t *data;
	enum crdt_error e;

	memset(x, 0, sizeof(*x));
	x->dot.replica = crdt_rd32(r);
	x->dot.counter = crdt_rd64(r);
	x->type = crdt_rd32(r);
	if (!r->ok)
		return CRDT_SHORT;
	e = rec_head_check(m, k->len > 0 ? x - 1 : NULL, x);
	if (e != CRDT_OK)
		return e;
	if (x->type == CRDT_T_COUNTER) {
		x->p = crdt_rd64(r);
		x->n = crdt_rd64(r);
	} else {
		x->ts = crdt_rd64(r);
		x->len = crdt_rd32(r);
	}
	if (!r->ok)
		return CRDT_SHORT;
	e = rec_body_check(x);
	if (e != CRDT_OK)
		return e;
	if (x->len > limits->data_bytes)
		return CRDT_TOO_BIG;
	data = crdt_rd_take(r, x->len);
	if (data == NULL)
		return CRDT_SHORT;
	x->data = (uint8_t *)data;
	if (!bytes_own(&x->data, x->len))
		return CRDT_NOMEM;
	m->rec_len++;
	k->len++;
	return CRDT_OK;
}

/* Key i of m from r with its records; m->len counts it once it is m's. */
static enum crdt_error
key_read(struct crdt_rd *r, const struct crdt_limits *limits,
		struct crdt_map *m, uint32_t i)
{
	struct crdt_map_key *k = &m->k[i];
	enum crdt_error e;
	uint32_t count;

	*k = (struct crdt_map_key){ .key_len = crdt_rd32(r) };
	if (!r->ok)
		return CRDT_SHORT;
	e = key_arg_check(k->key_len, limits);
	if (e != CRDT_OK)
		return e;
	k->key = (uint8_t *)crdt_rd_take(r, k->key_len);
	if (k->key == NULL)
		return CRDT_SHORT;
	e = key_check(m, i);
	if (e != CRDT_OK || !bytes_own(&k->key, k->key_len))
		return e != CRDT_OK ? e : CRDT_NOMEM;
	m->len++;
	count = crdt_rd32(r);
	if (!r->ok)
		return CRDT_SHORT;
	if (count == 0)
		return CRDT_VALUE;
	if (count > limits->entries - m->rec_len)
		return CRDT_TOO_MANY;
	/* Every record's fixed bytes there before anything is allocated. */
	if (r->left / REC_MIN < count)
		return CRDT_SHORT;
	if (grow_recs(m, count) != CRDT_OK)
		return CRDT_NOMEM;
	while (k->len < count)
		if ((e = rec_read(r, limits, m)) != CRDT_OK)
			return e;
	return CRDT_OK;
}

enum crdt_error
crdt_map_decode(const uint8_t *buf, size_t len,
		const struct crdt_limits *limits, struct crdt_map *out)
{
	struct crdt_map m;
	struct crdt_rd r;
	enum crdt_error e;
	uint32_t count, at = 0;
	size_t used;

	crdt_map_free(out);
	crdt_map_init(&m);
	e = crdt_rd_start(&r, buf, len, CRDT_T_MAP);
	if (e != CRDT_OK)
		return e;
	e = crdt_context_decode(r.p, r.left, limits, &m.ctx, &used);
	if (e != CRDT_OK)
		return e;
	crdt_rd_take(&r, used);
	count = crdt_rd32(&r);
	if (!r.ok)
		e = CRDT_SHORT;
	else if (count > limits->entries)
		e = CRDT_TOO_MANY;
	else if (r.left / KEY_MIN < count)
		e = CRDT_SHORT;
	else if ((m.k = malloc((count > 0 ? count : 1) *
			sizeof(*m.k))) == NULL)
		e = CRDT_NOMEM;
	for (uint32_t i = 0; e == CRDT_OK && i < count; i++)
		e = key_read(&r, limits, &m, i);
	/* The records may have moved as they grew: point the keys at them. */
	for (uint32_t i = 0; i < m.len; i++) {
		m.k[i].rec = m.k[i].len > 0 ? m.rec + at : NULL;
		at += m.k[i].len;
	}
	if (e == CRDT_OK)
		e = dots_unique(&m);
	if (e == CRDT_OK && r.left > 0)
		e = CRDT_TRAILING;
	if (e != CRDT_OK) {
		crdt_map_free(&m);
		return e;
	}
	*out = m;
	return CRDT_OK;
}
