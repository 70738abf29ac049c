/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Presence, the add-wins set of clients (rumor/crdt_presence.h). Entries
 * sit in an array sorted by dot, so that a merge is one pass over both
 * arrays. Every mutator builds its delta and merges it into the state,
 * so that the state changes only through merge, the one place that
 * checks the limits and leaves its target as it was on a refusal.
 */
#include <stdlib.h>
#include <string.h>

#include "rumor/crdt_presence.h"
#include "crdt_codec.h"

void
crdt_presence_init(struct crdt_presence *p)
{
	memset(p, 0, sizeof(*p));
	crdt_context_init(&p->ctx);
}

static void
entries_free(struct crdt_presence_entry *e, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		free(e[i].data);
	free(e);
}

void
crdt_presence_free(struct crdt_presence *p)
{
	entries_free(p->e, p->len);
	crdt_context_free(&p->ctx);
	crdt_presence_init(p);
}

const struct crdt_presence_entry *
crdt_presence_get(const struct crdt_presence *p, uint64_t client)
{
	/* Sorted by dot: the last of the client's is its greatest. */
	for (uint32_t i = p->len; i-- > 0;)
		if (p->e[i].client == client)
			return &p->e[i];
	return NULL;
}

/* The order of two entries of one dot: only forged states have two. */
static int
payload_cmp(const struct crdt_presence_entry *a,
		const struct crdt_presence_entry *b)
{
	int c;

	if (a->client != b->client)
		return a->client < b->client ? -1 : 1;
	if (a->node != b->node)
		return a->node < b->node ? -1 : 1;
	if (a->incarnation != b->incarnation)
		return a->incarnation < b->incarnation ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	c = a->len > 0 ? memcmp(a->data, b->data, a->len) : 0;
	return c < 0 ? -1 : c > 0;
}

/* A copy of x's data into x itself; false without memory. */
static bool
data_own(struct crdt_presence_entry *x)
{
	uint8_t *d;

	if (x->len == 0) {
		x->data = NULL;
		return true;
	}
	d = malloc(x->len);
	if (d == NULL)
		return false;
	memcpy(d, x->data, x->len);
	x->data = d;
	return true;
}

/*
 * The entries of a join: one pass over both sorted arrays into out,
 * taken[k] true when out[k] comes from b (its data still b's), dropped
 * marking a's entries left out. Returns the count.
 */
static uint32_t
entries_join(const struct crdt_presence *a, const struct crdt_presence *b,
		struct crdt_presence_entry *out, bool *taken, bool *dropped)
{
	uint32_t i = 0, j = 0, n = 0;

	while (i < a->len || j < b->len) {
		int k = i == a->len ? 1 : j == b->len ? -1 :
				crdt_dot_cmp(&a->e[i].dot, &b->e[j].dot);

		if (k < 0) {
			/* a's alone: kept unless b saw it removed. */
			dropped[i] = crdt_context_has(&b->ctx, &a->e[i].dot);
			if (!dropped[i]) {
				taken[n] = false;
				out[n++] = a->e[i];
			}
			i++;
		} else if (k > 0) {
			if (!crdt_context_has(&a->ctx, &b->e[j].dot)) {
				taken[n] = true;
				out[n++] = b->e[j];
			}
			j++;
		} else {
			dropped[i] = payload_cmp(&b->e[j], &a->e[i]) > 0;
			taken[n] = dropped[i];
			out[n++] = dropped[i] ? b->e[j] : a->e[i];
			i++, j++;
		}
	}
	return n;
}

enum crdt_error
crdt_presence_merge(struct crdt_presence *a, const struct crdt_presence *b,
		const struct crdt_limits *limits)
{
	size_t room = (size_t)a->len + b->len;
	struct crdt_presence_entry *out;
	struct crdt_context ctx;
	enum crdt_error e = CRDT_OK;
	bool *taken, *dropped;
	uint32_t n, k;

	for (uint32_t j = 0; j < b->len; j++)
		if (b->e[j].len > limits->data_bytes)
			return CRDT_TOO_BIG;
	out = malloc((room > 0 ? room : 1) * sizeof(*out));
	taken = malloc(room > 0 ? room : 1);
	dropped = calloc(a->len > 0 ? a->len : 1, 1);
	crdt_context_init(&ctx);
	if (out == NULL || taken == NULL || dropped == NULL) {
		e = CRDT_NOMEM;
		goto done;
	}
	n = entries_join(a, b, out, taken, dropped);
	if (n > limits->entries) {
		e = CRDT_FULL;
		goto done;
	}
	e = crdt_context_copy(&ctx, &a->ctx);
	if (e == CRDT_OK)
		e = crdt_context_join(&ctx, &b->ctx, limits);
	/* b's data copied last: k entries of out are done when it fails. */
	for (k = 0; e == CRDT_OK && k < n; k++) {
		if (taken[k] && !data_own(&out[k])) {
			e = CRDT_NOMEM;
			break;
		}
	}
	if (e != CRDT_OK) {
		for (uint32_t i = 0; i < k; i++)
			if (taken[i])
				free(out[i].data);
		goto done;
	}
	/* Nothing can fail now: commit. */
	for (uint32_t i = 0; i < a->len; i++)
		if (dropped[i])
			free(a->e[i].data);
	free(a->e);
	a->e = out;
	a->len = n;
	out = NULL;
	crdt_context_free(&a->ctx);
	a->ctx = ctx;
	crdt_context_init(&ctx);
done:
	free(out);
	free(taken);
	free(dropped);
	crdt_context_free(&ctx);
	return e;
}

/*
 * A delta that removes the entries of p that match: no entry, a context
 * of their dots. match(x, arg) says which.
 */
static enum crdt_error
delta_remove(const struct crdt_presence *p,
		bool (*match)(const struct crdt_presence_entry *, const void *),
		const void *arg, const struct crdt_limits *limits,
		struct crdt_presence *d)
{
	enum crdt_error e;

	for (uint32_t i = 0; i < p->len; i++) {
		if (!match(&p->e[i], arg))
			continue;
		e = crdt_context_add(&d->ctx, &p->e[i].dot, limits);
		if (e != CRDT_OK)
			return e;
	}
	return CRDT_OK;
}

/* Merge d into p; d, the caller's delta or a scratch one, emptied on error. */
static enum crdt_error
delta_apply(struct crdt_presence *p, struct crdt_presence *d,
		enum crdt_error e, const struct crdt_limits *limits,
		bool scratch)
{
	if (e == CRDT_OK)
		e = crdt_presence_merge(p, d, limits);
	if (e != CRDT_OK || scratch)
		crdt_presence_free(d);
	return e;
}

static bool
match_client(const struct crdt_presence_entry *x, const void *arg)
{
	return x->client == *(const uint64_t *)arg;
}

struct node_inc {
	uint32_t node;
	uint32_t incarnation;
};

static bool
match_node(const struct crdt_presence_entry *x, const void *arg)
{
	const struct node_inc *ni = arg;

	return x->node == ni->node && x->incarnation <= ni->incarnation;
}

enum crdt_error
crdt_presence_enter(struct crdt_presence *p, uint32_t replica,
		uint64_t client, uint32_t node, uint32_t incarnation,
		const uint8_t *data, uint32_t len,
		const struct crdt_limits *limits, struct crdt_presence *delta)
{
	struct crdt_presence scratch, *d = delta != NULL ? delta : &scratch;
	struct crdt_presence_entry x = { .client = client, .node = node,
		.incarnation = incarnation, .len = len,
		.data = (uint8_t *)data };
	enum crdt_error e;

	if (delta != NULL)
		crdt_presence_free(delta);
	crdt_presence_init(&scratch);
	if (replica == 0 || client == 0 || node == 0)
		return CRDT_VALUE;
	if (len > limits->data_bytes)
		return CRDT_TOO_BIG;
	e = crdt_context_next(&p->ctx, replica, &x.dot);
	if (e == CRDT_OK)
		e = delta_remove(p, match_client, &client, limits, d);
	if (e == CRDT_OK)
		e = crdt_context_add(&d->ctx, &x.dot, limits);
	if (e == CRDT_OK) {
		d->e = malloc(sizeof(*d->e));
		if (d->e == NULL || !data_own(&x))
			e = CRDT_NOMEM;
		else
			d->e[d->len++] = x;
	}
	return delta_apply(p, d, e, limits, delta == NULL);
}

enum crdt_error
crdt_presence_leave(struct crdt_presence *p, uint64_t client,
		const struct crdt_limits *limits, struct crdt_presence *delta)
{
	struct crdt_presence scratch, *d = delta != NULL ? delta : &scratch;

	if (delta != NULL)
		crdt_presence_free(delta);
	crdt_presence_init(&scratch);
	return delta_apply(p, d, delta_remove(p, match_client, &client,
			limits, d), limits, delta == NULL);
}

enum crdt_error
crdt_presence_remove_node(struct crdt_presence *p, uint32_t node,
		uint32_t incarnation, const struct crdt_limits *limits,
		struct crdt_presence *delta)
{
	struct crdt_presence scratch, *d = delta != NULL ? delta : &scratch;
	const struct node_inc ni = { node, incarnation };

	if (delta != NULL)
		crdt_presence_free(delta);
	crdt_presence_init(&scratch);
	return delta_apply(p, d, delta_remove(p, match_node, &ni, limits, d),
			limits, delta == NULL);
}

bool
crdt_presence_equal(const struct crdt_presence *a,
		const struct crdt_presence *b)
{
	if (a->len != b->len || !crdt_context_equal(&a->ctx, &b->ctx))
		return false;
	for (uint32_t i = 0; i < a->len; i++)
		if (crdt_dot_cmp(&a->e[i].dot, &b->e[i].dot) != 0 ||
				payload_cmp(&a->e[i], &b->e[i]) != 0)
			return false;
	return true;
}

enum crdt_error
crdt_presence_copy(struct crdt_presence *dst, const struct crdt_presence *src)
{
	struct crdt_presence c;
	uint32_t i;

	crdt_presence_init(&c);
	if (crdt_context_copy(&c.ctx, &src->ctx) != CRDT_OK)
		return CRDT_NOMEM;
	c.e = malloc((src->len > 0 ? src->len : 1) * sizeof(*c.e));
	if (c.e == NULL) {
		crdt_presence_free(&c);
		return CRDT_NOMEM;
	}
	for (i = 0; i < src->len; i++) {
		c.e[i] = src->e[i];
		if (!data_own(&c.e[i]))
			break;
		c.len++;
	}
	if (i < src->len) {
		crdt_presence_free(&c);
		return CRDT_NOMEM;
	}
	crdt_presence_free(dst);
	*dst = c;
	return CRDT_OK;
}

size_t
crdt_presence_encoded_len(const struct crdt_presence *p)
{
	size_t n = CRDT_HDR_LEN + crdt_context_encoded_len(&p->ctx) + 4;

	for (uint32_t i = 0; i < p->len; i++)
		n += CRDT_PRESENCE_ENTRY_LEN + p->e[i].len;
	return n;
}

/* The decoder's check of entry i of p (those before it checked). */
static enum crdt_error
entry_check(const struct crdt_presence *p, uint32_t i)
{
	const struct crdt_presence_entry *x = &p->e[i];

	if (x->dot.replica == 0 || x->dot.counter == 0 || x->client == 0 ||
			x->node == 0)
		return CRDT_VALUE;
	if (i > 0 && crdt_dot_cmp(&p->e[i - 1].dot, &x->dot) >= 0)
		return CRDT_ORDER;
	if (!crdt_context_has(&p->ctx, &x->dot))
		return CRDT_VALUE;
	return CRDT_OK;
}

size_t
crdt_presence_encode(const struct crdt_presence *p, uint8_t *buf, size_t cap)
{
	size_t len = crdt_presence_encoded_len(p);
	uint8_t *q;
	size_t n;

	if (len > cap)
		return 0;
	for (uint32_t i = 0; i < p->len; i++)
		if (entry_check(p, i) != CRDT_OK)
			return 0;
	/* The context checks itself before it writes. */
	n = crdt_context_encode(&p->ctx, buf + CRDT_HDR_LEN);
	if (n == 0)
		return 0;
	crdt_wr_hdr(buf, CRDT_T_PRESENCE);
	q = crdt_wr32(buf + CRDT_HDR_LEN + n, p->len);
	for (uint32_t i = 0; i < p->len; i++) {
		const struct crdt_presence_entry *x = &p->e[i];

		q = crdt_wr32(q, x->dot.replica);
		q = crdt_wr64(q, x->dot.counter);
		q = crdt_wr64(q, x->client);
		q = crdt_wr32(q, x->node);
		q = crdt_wr32(q, x->incarnation);
		q = crdt_wr32(q, x->len);
		q = crdt_wr_bytes(q, x->data, x->len);
	}
	return len;
}

/* Entry i of p from r, its data copied; p->len counts those read. */
static enum crdt_error
entry_read(struct crdt_rd *r, const struct crdt_limits *limits,
		struct crdt_presence *p, uint32_t i)
{
	struct crdt_presence_entry *x = &p->e[i];
	const uint8_t *data;
	enum crdt_error e;

	x->dot.replica = crdt_rd32(r);
	x->dot.counter = crdt_rd64(r);
	x->client = crdt_rd64(r);
	x->node = crdt_rd32(r);
	x->incarnation = crdt_rd32(r);
	x->len = crdt_rd32(r);
	x->data = NULL;
	if (!r->ok)
		return CRDT_SHORT;
	e = entry_check(p, i);
	if (e != CRDT_OK)
		return e;
	if (x->len > limits->data_bytes)
		return CRDT_TOO_BIG;
	data = crdt_rd_take(r, x->len);
	if (data == NULL)
		return CRDT_SHORT;
	x->data = (uint8_t *)data;
	if (!data_own(x))
		return CRDT_NOMEM;
	p->len++;
	return CRDT_OK;
}

enum crdt_error
crdt_presence_decode(const uint8_t *buf, size_t len,
		const struct crdt_limits *limits, struct crdt_presence *out)
{
	struct crdt_presence p;
	struct crdt_rd r;
	enum crdt_error e;
	uint32_t count;
	size_t used;

	crdt_presence_free(out);
	crdt_presence_init(&p);
	e = crdt_rd_start(&r, buf, len, CRDT_T_PRESENCE);
	if (e != CRDT_OK)
		return e;
	e = crdt_context_decode(r.p, r.left, limits, &p.ctx, &used);
	if (e != CRDT_OK)
		return e;
	crdt_rd_take(&r, used);
	count = crdt_rd32(&r);
	if (!r.ok)
		e = CRDT_SHORT;
	else if (count > limits->entries)
		e = CRDT_TOO_MANY;
	else if (r.left / CRDT_PRESENCE_ENTRY_LEN < count)
		e = CRDT_SHORT;
	else if ((p.e = malloc((count > 0 ? count : 1) *
			sizeof(*p.e))) == NULL)
		e = CRDT_NOMEM;
	for (uint32_t i = 0; e == CRDT_OK && i < count; i++)
		e = entry_read(&r, limits, &p, i);
	if (e == CRDT_OK && r.left > 0)
		e = CRDT_TRAILING;
	if (e != CRDT_OK) {
		crdt_presence_free(&p);
		return e;
	}
	*out = p;
	return CRDT_OK;
}
