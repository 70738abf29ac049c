/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The auth block of node-to-node dataplane messages (docs/protocol.md,
 * "Auth block"): with RUMOR_F_AUTH set in the header, 16 bytes follow the
 * 40-byte rumor header, before the channel name:
 *
 *   u64 stamp   the sender's lane (top 8 bits: its lcore index, or 255
 *               for its control thread) and a 56-bit counter that grows
 *               with every message of that lane, across restarts too
 *   u64 tag     SipHash-2-4 under K(sender -> receiver) (node_keys.h)
 *               over the whole UDP payload with this field zero, stored
 *               as libsodium's crypto_shorthash stores it
 *
 * The stamp is big-endian like every other field. The receiver takes the
 * sender from the frame's source address, checks the tag, then the
 * counter against a window of recent counters per (sender, lane), and
 * strips the block, so that nothing past it ever sees an unproven frame.
 *
 * Pure C (no DPDK, no libsodium): SipHash-2-4 is written out here in a
 * form that hashes a message in pieces (a fan-out copy is its own header
 * and a shared message segment); tests/unit/test_node_auth.c checks it
 * against crypto_shorthash. The unit tests and the fuzzers call it on
 * plain buffers.
 */
#ifndef RUMOR_NODE_AUTH_H
#define RUMOR_NODE_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <endian.h>

#include "rumor/wire.h"

#define NODE_AUTH_LEN 16u		/* The block. */
#define NODE_AUTH_KEY_LEN 16u		/* A SipHash-2-4 key. */
#define NODE_AUTH_OFF 40u		/* The block, in the UDP payload. */
#define NODE_AUTH_TAG_OFF (NODE_AUTH_OFF + 8u)
#define NODE_AUTH_END (NODE_AUTH_OFF + NODE_AUTH_LEN)
#define NODE_AUTH_CTR_BITS 56u
#define NODE_AUTH_CTR_MASK ((UINT64_C(1) << NODE_AUTH_CTR_BITS) - 1)
#define NODE_AUTH_LANE_CTL 255u		/* The control thread's lane. */
#define NODE_AUTH_WINDOW 128u		/* Counters kept behind the newest. */

_Static_assert(NODE_AUTH_OFF == sizeof(struct rumor_hdr),
		"the block follows the header");
_Static_assert(RUMOR_AUTH_LEN == NODE_AUTH_LEN, "one block length");

struct node_auth_block {
	uint64_t stamp;		/* Lane << 56 | counter, big-endian. */
	uint64_t tag;		/* SipHash-2-4 output, little-endian. */
} __attribute__((packed));

_Static_assert(sizeof(struct node_auth_block) == NODE_AUTH_LEN,
		"the block is 16 bytes");

static inline uint64_t
node_auth_stamp(uint8_t lane, uint64_t ctr)
{
	return (uint64_t)lane << NODE_AUTH_CTR_BITS | (ctr & NODE_AUTH_CTR_MASK);
}

static inline uint8_t
node_auth_lane(uint64_t stamp)
{
	return (uint8_t)(stamp >> NODE_AUTH_CTR_BITS);
}

static inline uint64_t
node_auth_ctr(uint64_t stamp)
{
	return stamp & NODE_AUTH_CTR_MASK;
}

/*
 * True for the types that only nodes send each other: they need a block
 * when credentials are configured. The channel types from FANOUT to
 * HANDOFF, and replication's from REPLICATE to REPL_STATE.
 */
static inline bool
node_auth_required(uint8_t type)
{
	return (type >= RUMOR_T_FANOUT && type <= RUMOR_T_HANDOFF) ||
			(type >= RUMOR_T_REPLICATE &&
			type <= RUMOR_T_REPL_STATE);
}

/*
 * True for the types that travel both between nodes, with a block, and
 * between a node and a client, plain: DATA (a client's PUBLISH, which
 * its entry node forwards to the owner) and PUB_ACK (the owner's answer
 * to the entry node, which sends it on to the client). The caller knows
 * from the peer's address which way one goes.
 */
static inline bool
node_auth_if_member(uint8_t type)
{
	return type == RUMOR_T_DATA || type == RUMOR_T_PUB_ACK;
}

/* SipHash-2-4 over a message given in pieces. */
struct node_sip {
	uint64_t v0, v1, v2, v3;
	uint64_t tail;		/* Bytes not yet in a whole word. */
	uint32_t ntail;
	uint64_t len;		/* Bytes hashed. */
};

static inline uint64_t
node_sip_rotl(uint64_t x, unsigned b)
{
	return x << b | x >> (64 - b);
}

static inline void
node_sip_round(struct node_sip *s)
{
	s->v0 += s->v1;
	s->v1 = node_sip_rotl(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = node_sip_rotl(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = node_sip_rotl(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = node_sip_rotl(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = node_sip_rotl(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = node_sip_rotl(s->v2, 32);
}

static inline void
node_sip_word(struct node_sip *s, uint64_t m)
{
	s->v3 ^= m;
	node_sip_round(s);
	node_sip_round(s);
	s->v0 ^= m;
}

static inline void
node_sip_init(struct node_sip *s, const uint8_t key[NODE_AUTH_KEY_LEN])
{
	uint64_t k0, k1;

	memcpy(&k0, key, 8);
	memcpy(&k1, key + 8, 8);
	k0 = le64toh(k0);
	k1 = le64toh(k1);
	s->v0 = k0 ^ UINT64_C(0x736f6d6570736575);
	s->v1 = k1 ^ UINT64_C(0x646f72616e646f6d);
	s->v2 = k0 ^ UINT64_C(0x6c7967656e657261);
	s->v3 = k1 ^ UINT64_C(0x7465646279746573);
	s->tail = 0;
	s->ntail = 0;
	s->len = 0;
}

static inline void
node_sip_update(struct node_sip *s, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	uint64_t w;

	s->len += n;
	/* Fill a partial word first. */
	while (s->ntail != 0 && n > 0) {
		s->tail |= (uint64_t)*p++ << (8 * s->ntail);
		n--;
		if (++s->ntail == 8) {
			node_sip_word(s, s->tail);
			s->tail = 0;
			s->ntail = 0;
		}
	}
	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		node_sip_word(s, le64toh(w));
	}
	for (size_t i = 0; i < n; i++)
		s->tail |= (uint64_t)p[i] << (8 * s->ntail++);
}

static inline uint64_t
node_sip_final(struct node_sip *s)
{
	uint64_t b = s->len << 56 | s->tail;

	node_sip_word(s, b);
	s->v2 ^= 0xff;
	node_sip_round(s);
	node_sip_round(s);
	node_sip_round(s);
	node_sip_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

/*
 * The tag of an authenticated message in pieces, as it is stored in the
 * block (little-endian): hdr (the 40-byte header, RUMOR_F_AUTH set), the
 * stamp (big-endian, as on the wire), a zero tag, then a (alen bytes)
 * and b (blen bytes), which make up the rest of the UDP payload.
 */
static inline uint64_t
node_auth_tag_parts(const uint8_t key[NODE_AUTH_KEY_LEN], const void *hdr,
		uint64_t stamp_be, const void *a, size_t alen, const void *b,
		size_t blen)
{
	static const uint64_t zero;
	struct node_sip s;

	node_sip_init(&s, key);
	node_sip_update(&s, hdr, NODE_AUTH_OFF);
	node_sip_update(&s, &stamp_be, 8);
	node_sip_update(&s, &zero, 8);
	node_sip_update(&s, a, alen);
	if (blen > 0)
		node_sip_update(&s, b, blen);
	return htole64(node_sip_final(&s));
}

/* The tag of the authenticated UDP payload p (len >= NODE_AUTH_END). */
static inline uint64_t
node_auth_tag(const uint8_t key[NODE_AUTH_KEY_LEN], const uint8_t *p,
		size_t len)
{
	uint64_t stamp;

	memcpy(&stamp, p + NODE_AUTH_OFF, 8);
	return node_auth_tag_parts(key, p, stamp, p + NODE_AUTH_END,
			len - NODE_AUTH_END, NULL, 0);
}

/* The stamp of an authenticated UDP payload, host order. */
struct node_auth_view {
	uint8_t lane;
	uint64_t ctr;
};

/*
 * Decode the block of the UDP payload p (len bytes, its header checked by
 * rumor_hdr_check): 0, or -1 if the header has no block.
 */
static inline int
node_auth_decode(const uint8_t *p, size_t len, struct node_auth_view *v)
{
	uint64_t stamp;

	if (len < NODE_AUTH_END || (p[4] & RUMOR_F_AUTH) == 0)
		return -1;
	memcpy(&stamp, p + NODE_AUTH_OFF, 8);
	stamp = be64toh(stamp);
	v->lane = node_auth_lane(stamp);
	v->ctr = node_auth_ctr(stamp);
	return 0;
}

/*
 * True if the tag of the authenticated UDP payload p (len bytes, decoded
 * by node_auth_decode) is right under key. The comparison takes the same
 * time whatever the bytes.
 */
static inline bool
node_auth_verify(const uint8_t key[NODE_AUTH_KEY_LEN], const uint8_t *p,
		size_t len)
{
	uint64_t got;

	if (len < NODE_AUTH_END)
		return false;
	memcpy(&got, p + NODE_AUTH_TAG_OFF, 8);
	return (node_auth_tag(key, p, len) ^ got) == 0;
}

/*
 * The counters a receiver has taken from one (sender, lane): the newest,
 * and which of the NODE_AUTH_WINDOW counters up to it have come (bit i:
 * top - i). An older counter is refused, so memory stays bounded and a
 * replay of anything the window forgot is refused too. All zero: none.
 */
struct node_auth_window {
	uint64_t top;
	uint64_t bits[NODE_AUTH_WINDOW / 64];
};

/*
 * Take counter ctr (of a message whose tag verified): true if it is new,
 * and it is remembered; false if it came before or is too old.
 */
static inline bool
node_auth_window_take(struct node_auth_window *w, uint64_t ctr)
{
	uint64_t d;

	if (ctr > w->top) {
		d = ctr - w->top;
		if (d >= NODE_AUTH_WINDOW) {
			w->bits[0] = 0;
			w->bits[1] = 0;
		} else if (d >= 64) {
			w->bits[1] = w->bits[0] << (d - 64);
			w->bits[0] = 0;
		} else {
			w->bits[1] = w->bits[1] << d | w->bits[0] >> (64 - d);
			w->bits[0] <<= d;
		}
		w->top = ctr;
		w->bits[0] |= 1;
		return true;
	}
	d = w->top - ctr;
	if (d >= NODE_AUTH_WINDOW)
		return false;
	if (w->bits[d / 64] & UINT64_C(1) << (d % 64))
		return false;
	w->bits[d / 64] |= UINT64_C(1) << (d % 64);
	return true;
}

/*
 * Make the plain rumor message at buf (len bytes, cap bytes of room) an
 * authenticated one: the block is inserted after the header, the flag
 * set, the tag written under key. The new length, or 0 (buf unchanged)
 * if it does not fit, is not a plain rumor message, or is over
 * RUMOR_DATAGRAM_MAX with the block.
 */
static inline size_t
node_auth_insert(uint8_t *buf, size_t len, size_t cap,
		const uint8_t key[NODE_AUTH_KEY_LEN], uint8_t lane, uint64_t ctr)
{
	uint64_t stamp = htobe64(node_auth_stamp(lane, ctr)), tag = 0;
	const size_t out = len + NODE_AUTH_LEN;

	if (rumor_hdr_check(buf, len) != RUMOR_HDR_OK ||
			(buf[4] & RUMOR_F_AUTH) != 0 || out > cap ||
			out > RUMOR_DATAGRAM_MAX)
		return 0;
	memmove(buf + NODE_AUTH_END, buf + NODE_AUTH_OFF, len - NODE_AUTH_OFF);
	buf[4] |= RUMOR_F_AUTH;
	memcpy(buf + NODE_AUTH_OFF, &stamp, 8);
	memcpy(buf + NODE_AUTH_TAG_OFF, &tag, 8);
	tag = node_auth_tag(key, buf, out);
	memcpy(buf + NODE_AUTH_TAG_OFF, &tag, 8);
	return out;
}

/*
 * Remove the block of the authenticated message at buf (len bytes): the
 * plain message's length, or 0 if there is no block.
 */
static inline size_t
node_auth_strip(uint8_t *buf, size_t len)
{
	if (len < NODE_AUTH_END || (buf[4] & RUMOR_F_AUTH) == 0)
		return 0;
	memmove(buf + NODE_AUTH_OFF, buf + NODE_AUTH_END, len - NODE_AUTH_END);
	buf[4] &= (uint8_t)~RUMOR_F_AUTH;
	return len - NODE_AUTH_LEN;
}

#endif /* RUMOR_NODE_AUTH_H */
