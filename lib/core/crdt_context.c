/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The causal context of a dot store (rumor/crdt_context.h). A join
 * builds its result aside and swaps it in: the union of both vectors
 * (each replica's larger counter), the union of both clouds, then one
 * pass that drops the cloud's covered dots and moves those that close
 * a gap into the vector.
 */
#include <stdlib.h>
#include <string.h>

#include "rumor/crdt_context.h"
#include "crdt_codec.h"

void
crdt_context_init(struct crdt_context *c)
{
	memset(c, 0, sizeof(*c));
}

void
crdt_context_free(struct crdt_context *c)
{
	free(c->vv);
	free(c->cloud);
	crdt_context_init(c);
}

/* replica's counter in the vector: every dot of it up to it is seen. */
static uint64_t
vv_get(const struct crdt_context *c, uint32_t replica)
{
	uint32_t lo = 0, hi = c->vv_len;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (c->vv[mid].replica == replica)
			return c->vv[mid].counter;
		if (c->vv[mid].replica < replica)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

bool
crdt_context_has(const struct crdt_context *c, const struct crdt_dot *d)
{
	uint32_t lo = 0, hi = c->cloud_len;

	if (d->counter <= vv_get(c, d->replica))
		return true;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int k = crdt_dot_cmp(&c->cloud[mid], d);

		if (k == 0)
			return true;
		if (k < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

enum crdt_error
crdt_context_next(const struct crdt_context *c, uint32_t replica,
		struct crdt_dot *d)
{
	uint64_t top = vv_get(c, replica);

	/* The cloud is sorted: replica's highest is its last. */
	for (uint32_t i = c->cloud_len; i-- > 0;) {
		if (c->cloud[i].replica == replica) {
			if (c->cloud[i].counter > top)
				top = c->cloud[i].counter;
			break;
		}
		if (c->cloud[i].replica < replica)
			break;
	}
	if (top == UINT64_MAX)
		return CRDT_OVERFLOW;
	d->replica = replica;
	d->counter = top + 1;
	return CRDT_OK;
}

/* The sorted union of two sorted vectors, each replica's larger counter. */
static uint32_t
vv_union(const struct crdt_context *a, const struct crdt_context *b,
		struct crdt_dot *out)
{
	uint32_t i = 0, j = 0, n = 0;

	while (i < a->vv_len || j < b->vv_len) {
		if (j == b->vv_len || (i < a->vv_len &&
				a->vv[i].replica < b->vv[j].replica)) {
			out[n++] = a->vv[i++];
		} else if (i == a->vv_len ||
				b->vv[j].replica < a->vv[i].replica) {
			out[n++] = b->vv[j++];
		} else {
			out[n] = a->vv[i++];
			if (b->vv[j].counter > out[n].counter)
				out[n].counter = b->vv[j].counter;
			j++, n++;
		}
	}
	return n;
}

/* The sorted union of two sorted clouds, without repeats. */
static uint32_t
cloud_union(const struct crdt_context *a, const struct crdt_context *b,
		struct crdt_dot *out)
{
	uint32_t i = 0, j = 0, n = 0;

	while (i < a->cloud_len || j < b->cloud_len) {
		const struct crdt_dot *d;

		if (j == b->cloud_len || (i < a->cloud_len &&
				crdt_dot_cmp(&a->cloud[i], &b->cloud[j]) <= 0))
			d = &a->cloud[i++];
		else
			d = &b->cloud[j++];
		if (n == 0 || crdt_dot_cmp(&out[n - 1], d) != 0)
			out[n++] = *d;
	}
	return n;
}

enum crdt_error
crdt_context_join(struct crdt_context *a, const struct crdt_context *b,
		const struct crdt_limits *limits)
{
	size_t nv = (size_t)a->vv_len + b->vv_len;
	size_t nc = (size_t)a->cloud_len + b->cloud_len;
	struct crdt_dot *mv, *mc, *ov, *oc;
	uint32_t mv_len, mc_len, i = 0, j = 0, ov_len = 0, oc_len = 0;

	mv = malloc((nv > 0 ? nv : 1) * sizeof(*mv));
	mc = malloc((nc > 0 ? nc : 1) * sizeof(*mc));
	ov = malloc((nv + nc > 0 ? nv + nc : 1) * sizeof(*ov));
	oc = malloc((nc > 0 ? nc : 1) * sizeof(*oc));
	if (mv == NULL || mc == NULL || ov == NULL || oc == NULL) {
		free(mv), free(mc), free(ov), free(oc);
		return CRDT_NOMEM;
	}
	mv_len = vv_union(a, b, mv);
	mc_len = cloud_union(a, b, mc);
	/* Replica by replica: its counter, then its cloud in order. */
	while (i < mv_len || j < mc_len) {
		uint32_t r = i < mv_len && (j == mc_len ||
				mv[i].replica <= mc[j].replica) ?
				mv[i].replica : mc[j].replica;
		uint64_t top = i < mv_len && mv[i].replica == r ?
				mv[i++].counter : 0;

		for (; j < mc_len && mc[j].replica == r; j++) {
			if (mc[j].counter <= top)
				continue;
			if (mc[j].counter == top + 1)
				top++;
			else
				oc[oc_len++] = mc[j];
		}
		if (top > 0)
			ov[ov_len++] = (struct crdt_dot){ r, top };
	}
	free(mv);
	free(mc);
	if (ov_len > limits->replicas || oc_len > limits->entries) {
		free(ov);
		free(oc);
		return CRDT_FULL;
	}
	free(a->vv);
	free(a->cloud);
	a->vv = ov;
	a->vv_len = ov_len;
	a->cloud = oc;
	a->cloud_len = oc_len;
	return CRDT_OK;
}

enum crdt_error
crdt_context_add(struct crdt_context *c, const struct crdt_dot *d,
		const struct crdt_limits *limits)
{
	struct crdt_dot one = *d;
	const struct crdt_context b = { .cloud = &one, .cloud_len = 1 };

	if (crdt_context_has(c, d))
		return CRDT_OK;
	return crdt_context_join(c, &b, limits);
}

bool
crdt_context_equal(const struct crdt_context *a, const struct crdt_context *b)
{
	if (a->vv_len != b->vv_len || a->cloud_len != b->cloud_len)
		return false;
	for (uint32_t i = 0; i < a->vv_len; i++)
		if (crdt_dot_cmp(&a->vv[i], &b->vv[i]) != 0)
			return false;
	for (uint32_t i = 0; i < a->cloud_len; i++)
		if (crdt_dot_cmp(&a->cloud[i], &b->cloud[i]) != 0)
			return false;
	return true;
}

/* A heap copy of n dots (NULL for none); *ok false without memory. */
static struct crdt_dot *
dots_dup(const struct crdt_dot *d, uint32_t n, bool *ok)
{
	struct crdt_dot *p;

	if (n == 0)
		return NULL;
	p = malloc(n * sizeof(*p));
	if (p == NULL)
		*ok = false;
	else
		memcpy(p, d, n * sizeof(*p));
	return p;
}

enum crdt_error
crdt_context_copy(struct crdt_context *dst, const struct crdt_context *src)
{
	bool ok = true;
	struct crdt_dot *vv = dots_dup(src->vv, src->vv_len, &ok);
	struct crdt_dot *cloud = dots_dup(src->cloud, src->cloud_len, &ok);

	if (!ok) {
		free(vv);
		free(cloud);
		return CRDT_NOMEM;
	}
	crdt_context_free(dst);
	dst->vv = vv;
	dst->vv_len = src->vv_len;
	dst->cloud = cloud;
	dst->cloud_len = src->cloud_len;
	return CRDT_OK;
}

size_t
crdt_context_encoded_len(const struct crdt_context *c)
{
	return CRDT_CONTEXT_FIXED_LEN +
			((size_t)c->vv_len + c->cloud_len) * CRDT_DOT_LEN;
}

/*
 * The decoder's check of vector entry i (vv[0..i) checked), or, with
 * vv_len the whole vector, of cloud dot i.
 */
static enum crdt_error
vv_check(const struct crdt_dot *vv, uint32_t i)
{
	if (vv[i].replica == 0 || vv[i].counter == 0)
		return CRDT_VALUE;
	if (i > 0 && vv[i].replica <= vv[i - 1].replica)
		return CRDT_ORDER;
	return CRDT_OK;
}

static enum crdt_error
cloud_check(const struct crdt_context *c, uint32_t i)
{
	const struct crdt_dot *d = &c->cloud[i];
	uint64_t top = vv_get(c, d->replica);

	if (d->replica == 0 || d->counter == 0)
		return CRDT_VALUE;
	if (i > 0 && crdt_dot_cmp(&c->cloud[i - 1], d) >= 0)
		return CRDT_ORDER;
	/* Covered, or just above the vector: not compacted. */
	if (d->counter <= top || d->counter - top == 1)
		return CRDT_VALUE;
	return CRDT_OK;
}

static enum crdt_error
context_check(const struct crdt_context *c)
{
	enum crdt_error e;

	for (uint32_t i = 0; i < c->vv_len; i++)
		if ((e = vv_check(c->vv, i)) != CRDT_OK)
			return e;
	for (uint32_t i = 0; i < c->cloud_len; i++)
		if ((e = cloud_check(c, i)) != CRDT_OK)
			return e;
	return CRDT_OK;
}

size_t
crdt_context_encode(const struct crdt_context *c, uint8_t *buf)
{
	uint8_t *p = buf;

	if (context_check(c) != CRDT_OK)
		return 0;
	p = crdt_wr32(p, c->vv_len);
	p = crdt_wr32(p, c->cloud_len);
	for (uint32_t i = 0; i < c->vv_len; i++) {
		p = crdt_wr32(p, c->vv[i].replica);
		p = crdt_wr64(p, c->vv[i].counter);
	}
	for (uint32_t i = 0; i < c->cloud_len; i++) {
		p = crdt_wr32(p, c->cloud[i].replica);
		p = crdt_wr64(p, c->cloud[i].counter);
	}
	return (size_t)(p - buf);
}

/* n dots from r into a fresh array (NULL for none). */
static enum crdt_error
dots_read(struct crdt_rd *r, uint32_t n, struct crdt_dot **out)
{
	*out = NULL;
	if (n == 0)
		return CRDT_OK;
	*out = malloc(n * sizeof(**out));
	if (*out == NULL)
		return CRDT_NOMEM;
	for (uint32_t i = 0; i < n; i++) {
		(*out)[i].replica = crdt_rd32(r);
		(*out)[i].counter = crdt_rd64(r);
	}
	return CRDT_OK;
}

enum crdt_error
crdt_context_decode(const uint8_t *buf, size_t len,
		const struct crdt_limits *limits, struct crdt_context *out,
		size_t *used)
{
	struct crdt_rd r = { .p = buf, .left = len, .ok = true };
	struct crdt_context c;
	enum crdt_error e;
	uint32_t nv, nc;

	crdt_context_free(out);
	crdt_context_init(&c);
	nv = crdt_rd32(&r);
	nc = crdt_rd32(&r);
	if (!r.ok)
		return CRDT_SHORT;
	if (nv > limits->replicas || nc > limits->entries)
		return CRDT_TOO_MANY;
	/* Every dot's bytes there before anything is allocated. */
	if (r.left / CRDT_DOT_LEN < (size_t)nv + nc)
		return CRDT_SHORT;
	e = dots_read(&r, nv, &c.vv);
	if (e == CRDT_OK)
		e = dots_read(&r, nc, &c.cloud);
	c.vv_len = nv;
	c.cloud_len = nc;
	if (e == CRDT_OK)
		e = context_check(&c);
	if (e != CRDT_OK) {
		crdt_context_free(&c);
		return e;
	}
	*out = c;
	*used = len - r.left;
	return CRDT_OK;
}
