/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PN-counter (rumor/crdt_counter.h). Entries sit in an array sorted
 * by replica, so that a lookup is a binary search and a merge one pass
 * over both arrays. A merge builds its result aside and swaps it in, so
 * that a refusal leaves the target as it was.
 */
#include <stdlib.h>
#include <string.h>

#include "rumor/crdt_counter.h"
#include "rumor/grow.h"
#include "crdt_codec.h"

void
crdt_counter_init(struct crdt_counter *c)
{
	memset(c, 0, sizeof(*c));
}

void
crdt_counter_free(struct crdt_counter *c)
{
	free(c->e);
	crdt_counter_init(c);
}

enum crdt_error
crdt_counter_value(const struct crdt_counter *c, int64_t *v)
{
	/* At most CRDT_REPLICAS_MAX sums of 64 bits: 128 bits hold them. */
	unsigned __int128 p = 0, n = 0;

	for (uint32_t i = 0; i < c->len; i++) {
		p += c->e[i].p;
		n += c->e[i].n;
	}
	return crdt_pn_value(p, n, v);
}

/* The index of replica's entry, or where it would go (*found false). */
static uint32_t
counter_find(const struct crdt_counter *c, uint32_t replica, bool *found)
{
	uint32_t lo = 0, hi = c->len;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (c->e[mid].replica < replica)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < c->len && c->e[lo].replica == replica;
	return lo;
}

/* Room for one more entry in c, at most max in all. */
static enum crdt_error
counter_reserve(struct crdt_counter *c, uint32_t max)
{
	size_t cap;

	if (c->len >= max)
		return CRDT_FULL;
	if (c->len < c->cap)
		return CRDT_OK;
	cap = grow_cap(c->cap, 4);
	if (cap > max)
		cap = max;
	if (grow_array(&c->e, cap, sizeof(*c->e)) != 0)
		return CRDT_NOMEM;
	c->cap = (uint32_t)cap;
	return CRDT_OK;
}

/* Replace dst's content by the single entry x (dst initialised). */
static enum crdt_error
counter_set_one(struct crdt_counter *dst, const struct crdt_counter_entry *x)
{
	dst->len = 0;
	if (dst->cap == 0 && grow_array(&dst->e, 1, sizeof(*dst->e)) != 0)
		return CRDT_NOMEM;
	if (dst->cap == 0)
		dst->cap = 1;
	dst->e[0] = *x;
	dst->len = 1;
	return CRDT_OK;
}

enum crdt_error
crdt_counter_add(struct crdt_counter *c, uint32_t replica, int64_t by,
		const struct crdt_limits *limits, struct crdt_counter *delta)
{
	struct crdt_counter_entry x = { .replica = replica };
	uint64_t mag = by < 0 ? (uint64_t)0 - (uint64_t)by : (uint64_t)by;
	enum crdt_error e;
	bool found;
	uint32_t i;

	if (replica == 0)
		return CRDT_VALUE;
	if (delta != NULL)
		delta->len = 0;
	if (by == 0)
		return CRDT_OK;
	i = counter_find(c, replica, &found);
	if (found)
		x = c->e[i];
	if (by > 0 ? x.p > UINT64_MAX - mag : x.n > UINT64_MAX - mag)
		return CRDT_OVERFLOW;
	if (by > 0)
		x.p += mag;
	else
		x.n += mag;
	if (!found) {
		e = counter_reserve(c, limits->replicas);
		if (e != CRDT_OK)
			return e;
	}
	/* The delta first: once c changed, nothing may fail. */
	if (delta != NULL) {
		e = counter_set_one(delta, &x);
		if (e != CRDT_OK)
			return e;
	}
	if (!found) {
		memmove(&c->e[i + 1], &c->e[i],
				(c->len - i) * sizeof(*c->e));
		c->len++;
	}
	c->e[i] = x;
	return CRDT_OK;
}

static uint64_t
max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

enum crdt_error
crdt_counter_merge(struct crdt_counter *a, const struct crdt_counter *b,
		const struct crdt_limits *limits)
{
	struct crdt_counter_entry *out;
	uint32_t i = 0, j = 0, n = 0, total = 0;

	/* Count the union first: refuse before anything is allocated. */
	while (i < a->len || j < b->len) {
		if (j == b->len || (i < a->len &&
				a->e[i].replica < b->e[j].replica))
			i++;
		else if (i == a->len || b->e[j].replica < a->e[i].replica)
			j++;
		else
			i++, j++;
		total++;
	}
	if (total > limits->replicas)
		return CRDT_FULL;
	if (total == a->len && b->len == 0)
		return CRDT_OK;
	out = malloc((total > 0 ? total : 1) * sizeof(*out));
	if (out == NULL)
		return CRDT_NOMEM;
	i = j = 0;
	while (i < a->len || j < b->len) {
		if (j == b->len || (i < a->len &&
				a->e[i].replica < b->e[j].replica)) {
			out[n++] = a->e[i++];
		} else if (i == a->len ||
				b->e[j].replica < a->e[i].replica) {
			out[n++] = b->e[j++];
		} else {
			out[n] = a->e[i++];
			out[n].p = max64(out[n].p, b->e[j].p);
			out[n].n = max64(out[n].n, b->e[j++].n);
			n++;
		}
	}
	free(a->e);
	a->e = out;
	a->len = a->cap = total;
	return CRDT_OK;
}

bool
crdt_counter_equal(const struct crdt_counter *a, const struct crdt_counter *b)
{
	if (a->len != b->len)
		return false;
	for (uint32_t i = 0; i < a->len; i++)
		if (a->e[i].replica != b->e[i].replica ||
				a->e[i].p != b->e[i].p ||
				a->e[i].n != b->e[i].n)
			return false;
	return true;
}

enum crdt_error
crdt_counter_copy(struct crdt_counter *dst, const struct crdt_counter *src)
{
	struct crdt_counter_entry *e = NULL;

	if (src->len > 0) {
		e = malloc(src->len * sizeof(*e));
		if (e == NULL)
			return CRDT_NOMEM;
		memcpy(e, src->e, src->len * sizeof(*e));
	}
	free(dst->e);
	dst->e = e;
	dst->len = dst->cap = src->len;
	return CRDT_OK;
}

size_t
crdt_counter_encoded_len(const struct crdt_counter *c)
{
	return CRDT_HDR_LEN + 4 + (size_t)c->len * CRDT_COUNTER_ENTRY_LEN;
}

/* The check the decoder makes of entry i, after entry i - 1. */
static enum crdt_error
counter_entry_check(const struct crdt_counter_entry *x,
		const struct crdt_counter_entry *prev)
{
	if (x->replica == 0 || (x->p == 0 && x->n == 0))
		return CRDT_VALUE;
	if (prev != NULL && x->replica <= prev->replica)
		return CRDT_ORDER;
	return CRDT_OK;
}

size_t
crdt_counter_encode(const struct crdt_counter *c, uint8_t *buf, size_t cap)
{
	size_t len = crdt_counter_encoded_len(c);
	uint8_t *p;

	if (len > cap)
		return 0;
	for (uint32_t i = 0; i < c->len; i++)
		if (counter_entry_check(&c->e[i],
				i > 0 ? &c->e[i - 1] : NULL) != CRDT_OK)
			return 0;
	p = crdt_wr_hdr(buf, CRDT_T_COUNTER);
	p = crdt_wr32(p, c->len);
	for (uint32_t i = 0; i < c->len; i++) {
		p = crdt_wr32(p, c->e[i].replica);
		p = crdt_wr64(p, c->e[i].p);
		p = crdt_wr64(p, c->e[i].n);
	}
	return len;
}

enum crdt_error
crdt_counter_decode(const uint8_t *buf, size_t len,
		const struct crdt_limits *limits, struct crdt_counter *out)
{
	struct crdt_counter_entry *e = NULL;
	struct crdt_rd r;
	enum crdt_error err;
	uint32_t count;

	out->len = 0;
	err = crdt_rd_start(&r, buf, len, CRDT_T_COUNTER);
	if (err != CRDT_OK)
		return err;
	count = crdt_rd32(&r);
	if (!r.ok)
		return CRDT_SHORT;
	if (count > limits->replicas)
		return CRDT_TOO_MANY;
	if (r.left < (size_t)count * CRDT_COUNTER_ENTRY_LEN)
		return CRDT_SHORT;
	if (r.left > (size_t)count * CRDT_COUNTER_ENTRY_LEN)
		return CRDT_TRAILING;
	if (count > 0) {
		e = malloc(count * sizeof(*e));
		if (e == NULL)
			return CRDT_NOMEM;
	}
	for (uint32_t i = 0; i < count; i++) {
		e[i].replica = crdt_rd32(&r);
		e[i].p = crdt_rd64(&r);
		e[i].n = crdt_rd64(&r);
		err = counter_entry_check(&e[i], i > 0 ? &e[i - 1] : NULL);
		if (err != CRDT_OK) {
			free(e);
			return err;
		}
	}
	free(out->e);
	out->e = e;
	out->len = out->cap = count;
	return CRDT_OK;
}
