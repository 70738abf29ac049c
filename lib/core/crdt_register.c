/* SPDX-License-Identifier: BSD-3-Clause */
/* The last-writer-wins register (rumor/crdt_register.h). */
#include <stdlib.h>
#include <string.h>

#include "rumor/crdt_register.h"
#include "crdt_codec.h"

void
crdt_register_init(struct crdt_register *r)
{
	memset(r, 0, sizeof(*r));
}

void
crdt_register_free(struct crdt_register *r)
{
	free(r->data);
	crdt_register_init(r);
}

/*
 * The order merge keeps the greater of: (ts, writer), then the value, so
 * that two different registers are never equal under it.
 */
static int
register_cmp(const struct crdt_register *a, const struct crdt_register *b)
{
	int c;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	if (a->writer != b->writer)
		return a->writer < b->writer ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	c = a->len > 0 ? memcmp(a->data, b->data, a->len) : 0;
	return c < 0 ? -1 : c > 0;
}

/* Replace r's write by (ts, writer, value[0..len)). */
static enum crdt_error
register_put(struct crdt_register *r, uint64_t ts, uint32_t writer,
		const uint8_t *value, uint32_t len)
{
	uint8_t *d = NULL;

	if (len > 0) {
		d = malloc(len);
		if (d == NULL)
			return CRDT_NOMEM;
		memcpy(d, value, len);
	}
	free(r->data);
	r->ts = ts;
	r->writer = writer;
	r->len = len;
	r->data = d;
	return CRDT_OK;
}

enum crdt_error
crdt_register_set(struct crdt_register *r, uint64_t ts, uint32_t writer,
		const uint8_t *value, uint32_t len,
		const struct crdt_limits *limits, struct crdt_register *delta)
{
	enum crdt_error e;

	if (ts == 0 || writer == 0)
		return CRDT_VALUE;
	if (len > limits->data_bytes)
		return CRDT_TOO_BIG;
	if (ts < r->ts || (ts == r->ts && writer <= r->writer))
		return CRDT_STALE;
	/* The delta first: once r changed, nothing may fail. */
	if (delta != NULL) {
		e = register_put(delta, ts, writer, value, len);
		if (e != CRDT_OK)
			return e;
	}
	return register_put(r, ts, writer, value, len);
}

enum crdt_error
crdt_register_merge(struct crdt_register *a, const struct crdt_register *b,
		const struct crdt_limits *limits)
{
	if (b->len > limits->data_bytes)
		return CRDT_TOO_BIG;
	if (register_cmp(b, a) <= 0)
		return CRDT_OK;
	return register_put(a, b->ts, b->writer, b->data, b->len);
}

bool
crdt_register_equal(const struct crdt_register *a,
		const struct crdt_register *b)
{
	return register_cmp(a, b) == 0;
}

enum crdt_error
crdt_register_copy(struct crdt_register *dst, const struct crdt_register *src)
{
	return register_put(dst, src->ts, src->writer, src->data, src->len);
}

size_t
crdt_register_encoded_len(const struct crdt_register *r)
{
	return CRDT_HDR_LEN + CRDT_REGISTER_FIXED_LEN + r->len;
}

/* The fields' check, the same for what is decoded and what is encoded. */
static enum crdt_error
register_check(uint64_t ts, uint32_t writer, uint32_t len)
{
	if (ts == 0 ? writer != 0 || len != 0 : writer == 0)
		return CRDT_VALUE;
	return CRDT_OK;
}

size_t
crdt_register_encode(const struct crdt_register *r, uint8_t *buf, size_t cap)
{
	size_t len = crdt_register_encoded_len(r);
	uint8_t *p;

	if (len > cap || register_check(r->ts, r->writer, r->len) != CRDT_OK)
		return 0;
	p = crdt_wr_hdr(buf, CRDT_T_REGISTER);
	p = crdt_wr64(p, r->ts);
	p = crdt_wr32(p, r->writer);
	p = crdt_wr32(p, r->len);
	crdt_wr_bytes(p, r->data, r->len);
	return len;
}

enum crdt_error
crdt_register_decode(const uint8_t *buf, size_t len,
		const struct crdt_limits *limits, struct crdt_register *out)
{
	struct crdt_rd r;
	enum crdt_error e;
	uint64_t ts;
	uint32_t writer, n;

	crdt_register_free(out);
	e = crdt_rd_start(&r, buf, len, CRDT_T_REGISTER);
	if (e != CRDT_OK)
		return e;
	ts = crdt_rd64(&r);
	writer = crdt_rd32(&r);
	n = crdt_rd32(&r);
	if (!r.ok)
		return CRDT_SHORT;
	e = register_check(ts, writer, n);
	if (e != CRDT_OK)
		return e;
	if (n > limits->data_bytes)
		return CRDT_TOO_BIG;
	if (r.left < n)
		return CRDT_SHORT;
	if (r.left > n)
		return CRDT_TRAILING;
	return register_put(out, ts, writer, r.p, n);
}
