/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the codecs of the channel state's types share (crdt_counter.c,
 * crdt_register.c, crdt_presence.c): a reader that refuses to read past
 * its input, a writer that the encoders size beforehand, and the common
 * header of rumor/crdt.h. Static inline, so that the files that use it
 * call nothing in one another.
 */
#ifndef RUMOR_CRDT_CODEC_H
#define RUMOR_CRDT_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rumor/bytes.h"
#include "rumor/crdt.h"

/*
 * Input left to read. Each get checks the length first; after a failed
 * one, ok is false and every later get returns 0, so that a decoder may
 * read a fixed run of fields and check once.
 */
struct crdt_rd {
	const uint8_t *p;
	size_t left;
	bool ok;
};

static inline const uint8_t *
crdt_rd_take(struct crdt_rd *r, size_t n)
{
	const uint8_t *p = r->p;

	if (!r->ok || r->left < n) {
		r->ok = false;
		return NULL;
	}
	r->p += n;
	r->left -= n;
	return p;
}

static inline uint16_t
crdt_rd16(struct crdt_rd *r)
{
	const uint8_t *p = crdt_rd_take(r, 2);

	return p != NULL ? rumor_get16(p) : 0;
}

static inline uint32_t
crdt_rd32(struct crdt_rd *r)
{
	const uint8_t *p = crdt_rd_take(r, 4);

	return p != NULL ? rumor_get32(p) : 0;
}

static inline uint64_t
crdt_rd64(struct crdt_rd *r)
{
	const uint8_t *p = crdt_rd_take(r, 8);

	return p != NULL ? rumor_get64(p) : 0;
}

/*
 * Start reading buf[0..len) as an encoding of type: the common header
 * checked, in the order SHORT, VERSION, TYPE, RESERVED.
 */
static inline enum crdt_error
crdt_rd_start(struct crdt_rd *r, const uint8_t *buf, size_t len,
		enum crdt_type type)
{
	*r = (struct crdt_rd){ .p = buf, .left = len, .ok = true };
	if (len < CRDT_HDR_LEN)
		return CRDT_SHORT;
	if (buf[0] != CRDT_ENCODING_VERSION)
		return CRDT_VERSION;
	if (buf[1] != type)
		return CRDT_TYPE;
	if (rumor_get16(buf + 2) != 0)
		return CRDT_RESERVED;
	crdt_rd_take(r, CRDT_HDR_LEN);
	return CRDT_OK;
}

/* A writer over room its encoder has checked: no bounds here. */
static inline uint8_t *
crdt_wr_hdr(uint8_t *p, enum crdt_type type)
{
	p[0] = CRDT_ENCODING_VERSION;
	p[1] = (uint8_t)type;
	rumor_put16(p + 2, 0);
	return p + CRDT_HDR_LEN;
}

static inline uint8_t *
crdt_wr32(uint8_t *p, uint32_t v)
{
	rumor_put32(p, v);
	return p + 4;
}

static inline uint8_t *
crdt_wr64(uint8_t *p, uint64_t v)
{
	rumor_put64(p, v);
	return p + 8;
}

static inline uint8_t *
crdt_wr_bytes(uint8_t *p, const uint8_t *src, size_t n)
{
	if (n > 0)
		memcpy(p, src, n);
	return p + n;
}

/*
 * A PN-counter's value from its summed increments p and decrements n
 * (each at most 2^32 sums of 64 bits, so 128 bits hold them): OVERFLOW
 * if it does not fit an int64_t.
 */
static inline enum crdt_error
crdt_pn_value(unsigned __int128 p, unsigned __int128 n, int64_t *v)
{
	if (p >= n ? p - n > (unsigned __int128)INT64_MAX :
			n - p > (unsigned __int128)INT64_MAX + 1)
		return CRDT_OVERFLOW;
	*v = p >= n ? (int64_t)(p - n) : (int64_t)-(__int128)(n - p);
	return CRDT_OK;
}

#endif /* RUMOR_CRDT_CODEC_H */
