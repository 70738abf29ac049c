/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The channel message codec (include/rumor/chan_wire.h): the documented
 * bytes of four messages, round trips of every type on both kinds of
 * channel at the ends of every length, truncation at every length and
 * extension by a byte, every field out of its range, the order of the
 * checks, the fixed-part codecs alone, encoder refusals, and random
 * corruption. Buffers are allocated at their exact length so that ASan
 * catches any read or write beyond them.
 */
#include <endian.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/chan_wire.h"
#include "rumor/ring.h"
#include "rumor/wire.h"
#include "test.h"

#define HDR 40u		/* The rumor header. */
#define NEWS_HASH 0xcea6a9c08ead0124ull	/* Of "news", docs/protocol.md. */

/* Channel names of every interesting length, of both kinds. */
static char chan_long[RUMOR_CHANNEL_MAX];
static char bcast_long[RUMOR_CHANNEL_MAX];
static uint8_t payload_buf[RUMOR_DATAGRAM_MAX];

static void
names_init(void)
{
	for (size_t i = 0; i < sizeof(chan_long); i++) {
		chan_long[i] = (char)('a' + i % 26);
		bcast_long[i] = (char)('A' + i % 26);
	}
	bcast_long[0] = CHAN_BROADCAST_PREFIX;
	for (size_t i = 0; i < sizeof(payload_buf); i++)
		payload_buf[i] = (uint8_t)(i * 7 + 3);
}

static const uint8_t all_types[] = {
	RUMOR_T_DATA, RUMOR_T_SUBSCRIBE, RUMOR_T_UNSUBSCRIBE, RUMOR_T_SUB_ACK,
	RUMOR_T_DELIVER, RUMOR_T_GAP, RUMOR_T_FANOUT, RUMOR_T_RETRANSMIT,
	RUMOR_T_INTEREST, RUMOR_T_INTEREST_ACK, RUMOR_T_NACK, RUMOR_T_GONE,
	RUMOR_T_GOSSIP, RUMOR_T_HANDOFF_REQ, RUMOR_T_HANDOFF,
};
#define N_TYPES (sizeof(all_types) / sizeof(all_types[0]))

/* The fixed part of each type, as documented (a HANDOFF's before its nodes). */
static size_t
fixed_len(uint8_t type)
{
	switch (type) {
	case RUMOR_T_SUBSCRIBE: case RUMOR_T_INTEREST:
		return 8;
	case RUMOR_T_SUB_ACK:
		return 12;
	case RUMOR_T_INTEREST_ACK:
		return 28;
	case RUMOR_T_GOSSIP:
		return 8;
	case RUMOR_T_DELIVER: case RUMOR_T_FANOUT: case RUMOR_T_RETRANSMIT:
		return 16;
	case RUMOR_T_GAP: case RUMOR_T_GONE: case RUMOR_T_NACK:
		return 24;
	case RUMOR_T_HANDOFF:
		return 24;
	default:
		return 0;
	}
}

/* The whole fixed part of m: a HANDOFF's nodes are 8 bytes each. */
static size_t
body_len(const struct chan_msg *m)
{
	return fixed_len(m->type) + (m->type == RUMOR_T_HANDOFF ?
			8 * (size_t)m->u.handoff.n_nodes : 0);
}

/*
 * A HANDOFF's interest set of n nodes, patterned: ids from UINT32_MAX
 * down, leases from 1 up to CHAN_LEASE_MAX_MS on the last.
 */
static void
ho_fill(struct chan_handoff *ho, uint32_t n)
{
	ho->n_nodes = n;
	for (uint32_t i = 0; i < n; i++) {
		ho->node[i].id = UINT32_MAX - 7 * i;
		ho->node[i].lease_ms = i + 1 == n && i > 0 ?
				CHAN_LEASE_MAX_MS : 1 + i * 2347;
	}
}

static bool
has_payload(uint8_t type)
{
	return type == RUMOR_T_DATA || type == RUMOR_T_DELIVER ||
			type == RUMOR_T_FANOUT || type == RUMOR_T_RETRANSMIT ||
			type == RUMOR_T_GOSSIP;
}

/* True if a channel of this kind has messages of this type. */
static bool
kind_has(uint8_t type, bool broadcast)
{
	switch (type) {
	case RUMOR_T_DATA: case RUMOR_T_SUBSCRIBE: case RUMOR_T_UNSUBSCRIBE:
	case RUMOR_T_SUB_ACK: case RUMOR_T_DELIVER:
		return true;
	case RUMOR_T_GOSSIP:
		return broadcast;
	default:
		return !broadcast;
	}
}

/*
 * A valid message of this type on the channel chan (len bytes) with plen
 * bytes of message where the type carries one. Fields are patterned so
 * that a byte in the wrong place shows.
 */
static struct chan_msg
msg_make(uint8_t type, const char *chan, size_t len, size_t plen)
{
	bool bc = chan_is_broadcast(chan, len);
	struct chan_msg m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.hop_limit = 7;
	m.origin = type == RUMOR_T_SUBSCRIBE || type == RUMOR_T_UNSUBSCRIBE ?
			0 : 0x01020304;
	m.epoch = 0x1112131415161718ull;
	m.seq = 0x2122232425262728ull;
	m.channel_hash = ring_channel_hash(chan, len);
	m.channel = chan;
	m.channel_len = len;
	switch (type) {
	case RUMOR_T_SUBSCRIBE: case RUMOR_T_INTEREST:
		m.u.lease.lease_ms = 30000;
		break;
	case RUMOR_T_SUB_ACK: case RUMOR_T_INTEREST_ACK:
		m.u.ack.status = CHAN_ST_OK;
		m.u.ack.lease_ms = 12345;
		if (type == RUMOR_T_INTEREST_ACK) {
			m.u.ack.stream = 0x9192939495969798ull;
			m.u.ack.next_seq = 0x01a2a3a4a5a6a7a8ull;
		}
		break;
	case RUMOR_T_GOSSIP:
		m.u.gossip.boot = 0xb1b2b3b4b5b6b7b8ull;
		break;
	case RUMOR_T_DELIVER: case RUMOR_T_FANOUT: case RUMOR_T_RETRANSMIT:
		m.u.ord.stream = bc ? 0 : 0x3132333435363738ull;
		m.u.ord.seq = bc ? 0 : 0x0142434445464748ull;
		break;
	case RUMOR_T_GAP: case RUMOR_T_GONE:
		m.u.range.stream = 0x5152535455565758ull;
		m.u.range.first = 100;
		m.u.range.last = 0x0162636465666768ull;
		break;
	case RUMOR_T_NACK:
		m.u.nack.stream = 0x7172737475767778ull;
		m.u.nack.first = 0x0182838485868788ull;
		m.u.nack.count = 17;
		break;
	case RUMOR_T_HANDOFF:
		m.u.handoff.stream = 0xc1c2c3c4c5c6c7c8ull;
		m.u.handoff.next_seq = 0x01d2d3d4d5d6d7d8ull;
		ho_fill(&m.u.handoff, 3);
		break;
	default:
		break;
	}
	if (has_payload(type)) {
		m.payload = payload_buf;
		m.payload_len = plen;
	}
	return m;
}

static size_t
msg_len(const struct chan_msg *m)
{
	return HDR + m->channel_len + body_len(m) +
			(has_payload(m->type) ? m->payload_len : 0);
}

/* True if a and b hold the same message. */
static bool
msg_equal(const struct chan_msg *a, const struct chan_msg *b)
{
	if (a->type != b->type || a->hop_limit != b->hop_limit ||
			a->origin != b->origin || a->epoch != b->epoch ||
			a->seq != b->seq || a->channel_hash != b->channel_hash ||
			a->channel_len != b->channel_len ||
			memcmp(a->channel, b->channel, a->channel_len) != 0)
		return false;
	switch (a->type) {
	case RUMOR_T_SUBSCRIBE: case RUMOR_T_INTEREST:
		if (a->u.lease.lease_ms != b->u.lease.lease_ms)
			return false;
		break;
	case RUMOR_T_SUB_ACK: case RUMOR_T_INTEREST_ACK:
		if (a->u.ack.status != b->u.ack.status ||
				a->u.ack.lease_ms != b->u.ack.lease_ms ||
				a->u.ack.limit != b->u.ack.limit ||
				a->u.ack.stream != b->u.ack.stream ||
				a->u.ack.next_seq != b->u.ack.next_seq)
			return false;
		break;
	case RUMOR_T_GOSSIP:
		if (a->u.gossip.boot != b->u.gossip.boot)
			return false;
		break;
	case RUMOR_T_DELIVER: case RUMOR_T_FANOUT: case RUMOR_T_RETRANSMIT:
		if (a->u.ord.stream != b->u.ord.stream ||
				a->u.ord.seq != b->u.ord.seq)
			return false;
		break;
	case RUMOR_T_GAP: case RUMOR_T_GONE:
		if (a->u.range.stream != b->u.range.stream ||
				a->u.range.first != b->u.range.first ||
				a->u.range.last != b->u.range.last)
			return false;
		break;
	case RUMOR_T_NACK:
		if (a->u.nack.stream != b->u.nack.stream ||
				a->u.nack.first != b->u.nack.first ||
				a->u.nack.count != b->u.nack.count)
			return false;
		break;
	case RUMOR_T_HANDOFF: {
		const struct chan_handoff *x = &a->u.handoff;
		const struct chan_handoff *y = &b->u.handoff;

		if (x->stream != y->stream || x->next_seq != y->next_seq ||
				x->n_nodes != y->n_nodes ||
				x->n_nodes > CHAN_HANDOFF_NODES_MAX)
			return false;
		for (uint32_t i = 0; i < x->n_nodes; i++)
			if (x->node[i].id != y->node[i].id ||
					x->node[i].lease_ms !=
					y->node[i].lease_ms)
				return false;
		break;
	}
	default:
		break;
	}
	if (!has_payload(a->type))
		return b->payload == NULL && b->payload_len == 0;
	return a->payload_len == b->payload_len &&
			(a->payload_len == 0 ||
			memcmp(a->payload, b->payload, a->payload_len) == 0);
}

/* Encode m into a fresh buffer of exactly its wire length. */
#define encode_exact(m, len) \
	TEST_ENCODE_EXACT(chan_msg_encode, (m), msg_len(m), (len))

/* Decode an exact-length heap copy of buf[0..len). */
static enum chan_wire_error
decode_exact(const uint8_t *buf, size_t len)
{
	struct chan_msg d;

	return TEST_DECODE_EXACT(chan_msg_decode, buf, len, &d);
}

/*
 * The header and name of m written field by field, as docs/protocol.md
 * lays them out, with payload_len blen; the body goes after them, at the
 * offset returned.
 */
static size_t
raw_head(uint8_t *p, const struct chan_msg *m, size_t blen)
{
	test_put(p, 2, 0x524d);
	p[2] = 1;
	p[3] = m->type;
	p[4] = 0;
	p[5] = m->hop_limit;
	test_put(p + 6, 2, (uint16_t)m->channel_len);
	test_put(p + 8, 4, m->origin);
	test_put(p + 12, 2, (uint16_t)blen);
	test_put(p + 14, 2, 0);
	test_put(p + 16, 8, m->epoch);
	test_put(p + 24, 8, m->seq);
	test_put(p + 32, 8, m->channel_hash);
	memcpy(p + HDR, m->channel, m->channel_len);
	return HDR + m->channel_len;
}

/*
 * A HANDOFF's fixed part field by field, as docs/channels.md lays it
 * out: stream and next_seq of ho, count and reserved as given, then the
 * first n nodes of ho. Returns its length, 24 + 8 * n.
 */
static size_t
raw_handoff(uint8_t *p, const struct chan_handoff *ho, uint32_t count,
		uint32_t rsv, uint32_t n)
{
	test_put(p, 8, ho->stream);
	test_put(p + 8, 8, ho->next_seq);
	test_put(p + 16, 4, count);
	test_put(p + 20, 4, rsv);
	for (uint32_t i = 0; i < n; i++) {
		test_put(p + 24 + 8 * (size_t)i, 4, ho->node[i].id);
		test_put(p + 28 + 8 * (size_t)i, 4, ho->node[i].lease_ms);
	}
	return 24 + 8 * (size_t)n;
}

static void check_refused(const struct chan_msg *m, int line);

/* m encodes to exactly the len bytes of the hex dump, which decode to m. */
static void
check_example(size_t len, const struct chan_msg *m, const char *hex)
{
	uint8_t want[RUMOR_DATAGRAM_MAX], buf[RUMOR_DATAGRAM_MAX];
	struct chan_msg d;

	CHECK_EQ(test_hex(hex, want, sizeof(want)), len);
	CHECK_EQ(chan_msg_encode(m, buf, sizeof(buf)), len);
	CHECK(memcmp(buf, want, len) == 0);
	memset(&d, 0xee, sizeof(d));
	CHECK_EQ(chan_msg_decode(want, len, &d), CHAN_WIRE_OK);
	CHECK(msg_equal(m, &d));
}

/*
 * The examples of docs/channels.md, byte for byte: a client's SUBSCRIBE
 * to "news", the DELIVER of "hello" on it, and the HANDOFF_REQ and
 * HANDOFF that move it to a new owner.
 */
static void
test_layout(void)
{
	struct chan_msg m;

	m = (struct chan_msg){ .type = RUMOR_T_SUBSCRIBE,
		.hop_limit = RUMOR_DEFAULT_HOP_LIMIT, .seq = 1,
		.channel = "news", .channel_len = 4, .channel_hash = NEWS_HASH,
		.u.lease.lease_ms = CHAN_LEASE_DEFAULT_MS };
	check_example(52, &m,
		"52 4d 01 03 00 08 00 04  00 00 00 00 00 08 00 00"
		"00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 01"
		"ce a6 a9 c0 8e ad 01 24  6e 65 77 73 00 00 75 30"
		"00 00 00 00");

	m = (struct chan_msg){ .type = RUMOR_T_DELIVER, .origin = 1,
		.epoch = 1, .seq = (UINT64_C(1) << 56) | 42, .channel = "news",
		.channel_len = 4, .channel_hash = NEWS_HASH,
		.u.ord = { .stream = 0x5eed000000000007ull, .seq = 5 },
		.payload = (const uint8_t *)"hello", .payload_len = 5 };
	check_example(65, &m,
		"52 4d 01 06 00 00 00 04  00 00 00 01 00 15 00 00"
		"00 00 00 00 00 00 00 01  01 00 00 00 00 00 00 2a"
		"ce a6 a9 c0 8e ad 01 24  6e 65 77 73 5e ed 00 00"
		"00 00 00 07 00 00 00 00  00 00 00 05 68 65 6c 6c"
		"6f");

	/*
	 * Node 9, owner of "news" under ring epoch 9, asks node 3 for it
	 * (request 5); node 3 hands over stream 0x5eed000000000007 at
	 * next_seq 43 and the interest of nodes 2 (25 s left) and 5 (1 s).
	 */
	m = (struct chan_msg){ .type = RUMOR_T_HANDOFF_REQ,
		.hop_limit = RUMOR_DEFAULT_HOP_LIMIT, .origin = 9, .epoch = 9,
		.seq = 5, .channel = "news", .channel_len = 4,
		.channel_hash = NEWS_HASH };
	check_example(44, &m,
		"52 4d 01 0f 00 08 00 04  00 00 00 09 00 00 00 00"
		"00 00 00 00 00 00 00 09  00 00 00 00 00 00 00 05"
		"ce a6 a9 c0 8e ad 01 24  6e 65 77 73");

	m.type = RUMOR_T_HANDOFF;
	m.origin = 3;
	m.u.handoff = (struct chan_handoff){ .stream = 0x5eed000000000007ull,
		.next_seq = 43, .n_nodes = 2,
		.node = { { .id = 2, .lease_ms = 25000 },
			{ .id = 5, .lease_ms = 1000 } } };
	check_example(84, &m,
		"52 4d 01 10 00 08 00 04  00 00 00 03 00 28 00 00"
		"00 00 00 00 00 00 00 09  00 00 00 00 00 00 00 05"
		"ce a6 a9 c0 8e ad 01 24  6e 65 77 73 5e ed 00 00"
		"00 00 00 07 00 00 00 00  00 00 00 2b 00 00 00 02"
		"00 00 00 00 00 00 00 02  00 00 61 a8 00 00 00 05"
		"00 00 03 e8");

	/* The example channel hash is the one of docs/protocol.md. */
	CHECK_EQ(ring_channel_hash("news", 4), NEWS_HASH);
	/* Room for an auth block and the largest fixed part, 40 bytes. */
	CHECK_EQ(chan_payload_max(4), 1472 - 40 - 16 - 4 - 40);
	CHECK_EQ(chan_payload_max(4), 1372);
	CHECK_EQ(chan_payload_max(1), 1375);
	CHECK_EQ(chan_payload_max(RUMOR_CHANNEL_MAX), 1121);
	CHECK_EQ(chan_payload_max(0), 0);
	CHECK_EQ(chan_payload_max(RUMOR_CHANNEL_MAX + 1), 0);
	CHECK(chan_is_broadcast("@a", 2));
	CHECK(chan_is_broadcast("@", 1));
	CHECK(!chan_is_broadcast("a@", 2));
	CHECK(!chan_is_broadcast("@", 0));
}

/* Round trip m: exact buffer, roomier buffer, odd address, short one. */
static void
check_round_trip(const struct chan_msg *m)
{
	size_t want = msg_len(m), len;
	uint8_t *buf = encode_exact(m, &len);
	uint8_t big[RUMOR_DATAGRAM_MAX + 16];
	struct chan_msg d;
	uint8_t *odd;

	if (!CHECK_EQ(len, want)) {
		fprintf(stderr, "  (type %s, channel %zu, payload %zu)\n",
				chan_type_name(m->type), m->channel_len,
				m->payload_len);
		free(buf);
		return;
	}
	/* The header says what the codec was given. */
	CHECK_EQ(buf[3], m->type);
	CHECK_EQ(test_get(buf + 24, 8), m->seq);
	CHECK_EQ(test_get(buf + 32, 8), m->channel_hash);
	CHECK_EQ((size_t)buf[12] << 8 | buf[13], want - HDR - m->channel_len);

	memset(&d, 0xee, sizeof(d));
	CHECK_EQ(decode_exact(buf, len), CHAN_WIRE_OK);
	CHECK_EQ(chan_msg_decode(buf, len, &d), CHAN_WIRE_OK);
	CHECK(msg_equal(m, &d));
	CHECK(d.channel == (const char *)buf + HDR);

	/* More room than needed: nothing written past the message. */
	memset(big, 0xa5, sizeof(big));
	CHECK_EQ(chan_msg_encode(m, big, sizeof(big)), want);
	CHECK(memcmp(big, buf, want) == 0);
	CHECK_UNTOUCHED(big + want, sizeof(big) - want, 0xa5);

	/* One byte short: refused, nothing written. */
	memset(big, 0xa5, sizeof(big));
	CHECK_EQ(chan_msg_encode(m, big, want - 1), 0);
	CHECK_EQ(big[0], 0xa5);

	/* At an odd address, the same, and it encodes back the same. */
	odd = test_alloc_exact(want + 1);
	memcpy(odd + 1, buf, want);
	CHECK_EQ(chan_msg_decode(odd + 1, want, &d), CHAN_WIRE_OK);
	CHECK(msg_equal(m, &d));
	memset(buf, 0, want);
	CHECK_EQ(chan_msg_encode(&d, buf, want), want);
	CHECK(memcmp(odd + 1, buf, want) == 0);
	free(odd);
	free(buf);
}

/*
 * m is a valid HANDOFF or HANDOFF_REQ: the encoder writes exactly the
 * bytes written here field by field, and they decode to m.
 */
static void
check_handoff_bytes(const struct chan_msg *m)
{
	size_t want = msg_len(m), off;
	uint8_t *raw = test_alloc_exact(want);
	uint8_t *enc = test_alloc_exact(want);
	struct chan_msg d;

	off = raw_head(raw, m, want - HDR - m->channel_len);
	if (m->type == RUMOR_T_HANDOFF)
		off += raw_handoff(raw + off, &m->u.handoff,
				m->u.handoff.n_nodes, 0, m->u.handoff.n_nodes);
	CHECK_EQ(off, want);
	CHECK_EQ(chan_msg_encode(m, enc, want), want);
	if (!CHECK(memcmp(enc, raw, want) == 0))
		fprintf(stderr, "  (%s, %u nodes)\n", chan_type_name(m->type),
				m->type == RUMOR_T_HANDOFF ?
				m->u.handoff.n_nodes : 0);
	CHECK_EQ(chan_msg_decode(raw, want, &d), CHAN_WIRE_OK);
	CHECK(msg_equal(m, &d));
	free(enc);
	free(raw);
}

/*
 * HANDOFF with no node, one, and the most; with no state (stream and
 * next_seq 0); every field at its ends; HANDOFF_REQ with any request id
 * and epoch. Each round trips, and is the bytes written by hand.
 */
static void
test_round_trip_handoff(void)
{
	const struct { const char *name; size_t len; } chans[] = {
		{ "n", 1 }, { "news", 4 }, { chan_long, RUMOR_CHANNEL_MAX },
	};
	const uint32_t counts[] = { 0, 1, 2, 3, CHAN_HANDOFF_NODES_MAX - 1,
			CHAN_HANDOFF_NODES_MAX };
	struct chan_msg m;

	for (size_t c = 0; c < sizeof(chans) / sizeof(chans[0]); c++) {
		for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]);
				k++) {
			m = msg_make(RUMOR_T_HANDOFF, chans[c].name,
					chans[c].len, 0);
			ho_fill(&m.u.handoff, counts[k]);
			check_round_trip(&m);
			check_handoff_bytes(&m);
			/* The old owner held no state. */
			m.u.handoff.stream = 0;
			m.u.handoff.next_seq = 0;
			check_round_trip(&m);
			check_handoff_bytes(&m);
		}
		m = msg_make(RUMOR_T_HANDOFF_REQ, chans[c].name, chans[c].len,
				0);
		check_round_trip(&m);
		check_handoff_bytes(&m);
	}
	/* The largest HANDOFF (above): 128 nodes beside a 255-byte name. */
	m = msg_make(RUMOR_T_HANDOFF, chan_long, RUMOR_CHANNEL_MAX, 0);
	ho_fill(&m.u.handoff, CHAN_HANDOFF_NODES_MAX);
	CHECK_EQ(msg_len(&m), 40 + 255 + 24 + 8 * 128);
	CHECK(msg_len(&m) <= RUMOR_DATAGRAM_MAX);

	m = msg_make(RUMOR_T_HANDOFF, "x", 1, 0);
	m.u.handoff.stream = 1;
	m.u.handoff.next_seq = 1;
	check_round_trip(&m);
	check_handoff_bytes(&m);
	m.u.handoff.stream = UINT64_MAX;
	m.u.handoff.next_seq = CHAN_HANDOFF_SEQ_MAX;
	check_round_trip(&m);
	check_handoff_bytes(&m);
	m.u.handoff.n_nodes = 2;
	m.u.handoff.node[0].id = 1;
	m.u.handoff.node[0].lease_ms = 1;
	m.u.handoff.node[1].id = UINT32_MAX;
	m.u.handoff.node[1].lease_ms = CHAN_LEASE_MAX_MS;
	check_round_trip(&m);
	check_handoff_bytes(&m);
	/* Pushed unasked (request id 0); the header's ends. */
	m.seq = 0;
	m.epoch = 0;
	m.hop_limit = 0;
	check_round_trip(&m);
	check_handoff_bytes(&m);
	m.seq = UINT64_MAX;
	m.epoch = UINT64_MAX;
	m.hop_limit = 0xff;
	m.origin = UINT32_MAX;
	check_round_trip(&m);
	check_handoff_bytes(&m);
	/* Duplicate ids are not the codec's to refuse: sent as given. */
	m.u.handoff.node[0].id = UINT32_MAX;
	check_round_trip(&m);

	m = msg_make(RUMOR_T_HANDOFF_REQ, "x", 1, 0);
	m.seq = 0;
	m.epoch = 0;
	check_round_trip(&m);
	m.seq = UINT64_MAX;
	m.epoch = UINT64_MAX;
	m.origin = UINT32_MAX;
	check_round_trip(&m);
	check_handoff_bytes(&m);
	/* A HANDOFF_REQ carries nothing, whatever the union holds. */
	m.u.handoff.n_nodes = UINT32_MAX;
	m.u.handoff.next_seq = UINT64_MAX;
	check_round_trip(&m);
}

static void
test_round_trip(void)
{
	const struct { const char *name; size_t len; } chans[] = {
		{ "n", 1 }, { "news", 4 }, { chan_long, RUMOR_CHANNEL_MAX },
		{ "@", 1 }, { "@news", 5 }, { bcast_long, RUMOR_CHANNEL_MAX },
	};

	for (size_t c = 0; c < sizeof(chans) / sizeof(chans[0]); c++) {
		bool bc = chan_is_broadcast(chans[c].name, chans[c].len);

		for (size_t t = 0; t < N_TYPES; t++) {
			uint8_t type = all_types[t];
			size_t max = chan_payload_max(chans[c].len);
			size_t plens[] = { 0, 1, max - 1, max };
			size_t np = has_payload(type) ? 4 : 1;
			struct chan_msg m;

			if (!kind_has(type, bc))
				continue;
			for (size_t p = 0; p < np; p++) {
				m = msg_make(type, chans[c].name, chans[c].len,
						plens[p]);
				check_round_trip(&m);
			}
		}
	}

	/* The ends of every field's range. */
	{
		struct chan_msg m = msg_make(RUMOR_T_SUBSCRIBE, "x", 1, 0);

		m.u.lease.lease_ms = 0;
		check_round_trip(&m);
		m.u.lease.lease_ms = CHAN_LEASE_MAX_MS;
		m.hop_limit = 0xff;
		m.epoch = UINT64_MAX;
		m.seq = UINT64_MAX;
		m.channel_hash = 0;
		check_round_trip(&m);
		m = msg_make(RUMOR_T_INTEREST, "x", 1, 0);
		m.u.lease.lease_ms = 0;
		m.origin = UINT32_MAX;
		check_round_trip(&m);
	}
	for (uint8_t s = 0; s < CHAN_ST_MAX; s++) {
		struct chan_msg m = msg_make(RUMOR_T_SUB_ACK, "x", 1, 0);

		m.u.ack.status = s;
		m.u.ack.lease_ms = s == CHAN_ST_OK ? CHAN_LEASE_MAX_MS : 0;
		m.u.ack.limit = chan_status_is_limit(s) ? UINT32_MAX : 0;
		check_round_trip(&m);
		m.type = RUMOR_T_INTEREST_ACK;
		m.u.ack.limit = chan_status_is_limit(s) ? 1 : 0;
		if (s == CHAN_ST_OK) {
			m.u.ack.stream = UINT64_MAX;
			m.u.ack.next_seq = CHAN_SEQ_MAX;
			check_round_trip(&m);
			m.u.ack.stream = 1;
			m.u.ack.next_seq = 1;
		}
		check_round_trip(&m);
	}
	{
		struct chan_msg m = msg_make(RUMOR_T_SUB_ACK, "x", 1, 0);

		m.u.ack.lease_ms = 0;	/* An UNSUBSCRIBE's answer. */
		check_round_trip(&m);
		m = msg_make(RUMOR_T_INTEREST_ACK, "x", 1, 0);
		m.u.ack.lease_ms = 0;	/* A withdrawal's answer. */
		m.u.ack.stream = m.u.ack.next_seq = 0;
		check_round_trip(&m);
		m = msg_make(RUMOR_T_GOSSIP, "@x", 2, 1);
		m.u.gossip.boot = 1;
		check_round_trip(&m);
		m.u.gossip.boot = UINT64_MAX;
		check_round_trip(&m);
		m = msg_make(RUMOR_T_FANOUT, "x", 1, 3);
		m.u.ord.stream = UINT64_MAX;
		m.u.ord.seq = 1;
		check_round_trip(&m);
		m.u.ord.seq = CHAN_SEQ_MAX;
		check_round_trip(&m);
		m = msg_make(RUMOR_T_GAP, "x", 1, 0);
		m.u.range.first = m.u.range.last = 1;
		check_round_trip(&m);
		m.u.range.first = m.u.range.last = CHAN_SEQ_MAX;
		check_round_trip(&m);
		m.u.range.first = 1;
		check_round_trip(&m);
		m = msg_make(RUMOR_T_NACK, "x", 1, 0);
		m.u.nack.first = 1;
		m.u.nack.count = 1;
		check_round_trip(&m);
		m.u.nack.count = CHAN_NACK_MAX;
		check_round_trip(&m);
		m.u.nack.first = CHAN_SEQ_MAX - CHAN_NACK_MAX + 1;
		check_round_trip(&m);
		m.u.nack.first = CHAN_SEQ_MAX;
		m.u.nack.count = 1;
		check_round_trip(&m);
		/* DATA from a node (stamped) and from a client. */
		m = msg_make(RUMOR_T_DATA, "x", 1, 2);
		m.origin = 0;
		check_round_trip(&m);
	}
	test_round_trip_handoff();
}

/*
 * Every prefix of a valid message, copied to a buffer of exactly its
 * length: SHORT below the header, LENGTH after it, OK only in full; and
 * one byte more is LENGTH too.
 */
static void
test_truncation(void)
{
	for (size_t t = 0; t < N_TYPES; t++) {
		const char *name = all_types[t] == RUMOR_T_GOSSIP ?
				"@chan" : "chan";
		struct chan_msg m = msg_make(all_types[t], name, strlen(name),
				9);
		size_t len;
		uint8_t *buf = encode_exact(&m, &len);
		uint8_t *big = test_alloc_exact(len + 1);

		CHECK_EQ(len, msg_len(&m));
		for (size_t l = 0; l <= len; l++)
			CHECK_EQ(decode_exact(buf, l), l < HDR ?
					CHAN_WIRE_SHORT : l < len ?
					CHAN_WIRE_LENGTH : CHAN_WIRE_OK);
		memcpy(big, buf, len);
		big[len] = 0;
		CHECK_EQ(decode_exact(big, len + 1), CHAN_WIRE_LENGTH);
		free(big);
		free(buf);
	}
	CHECK_EQ(decode_exact(NULL, 0), CHAN_WIRE_SHORT);
}

/*
 * A fixed part one byte short or one byte long, with a header that
 * agrees: LENGTH, except that the types carrying a message take a longer
 * body as one more byte of message.
 */
static void
test_fixed_lengths(void)
{
	for (size_t t = 0; t < N_TYPES; t++) {
		uint8_t type = all_types[t];
		const char *name = type == RUMOR_T_GOSSIP ? "@c" : "c";
		struct chan_msg m = msg_make(type, name, strlen(name), 0);
		size_t len, fixed = body_len(&m);
		uint8_t *buf = encode_exact(&m, &len);
		uint8_t *shorter, *longer;
		size_t clen = m.channel_len;

		CHECK_EQ(len, HDR + clen + fixed);
		if (fixed > 0) {
			shorter = test_alloc_exact(len - 1);
			memcpy(shorter, buf, len - 1);
			test_put(shorter + 12, 2, (uint16_t)(fixed - 1));
			CHECK_EQ(decode_exact(shorter, len - 1),
					CHAN_WIRE_LENGTH);
			free(shorter);
		}
		longer = test_alloc_exact(len + 1);
		memcpy(longer, buf, len);
		longer[len] = 0;
		test_put(longer + 12, 2, (uint16_t)(fixed + 1));
		CHECK_EQ(decode_exact(longer, len + 1), has_payload(type) ?
				CHAN_WIRE_OK : CHAN_WIRE_LENGTH);
		free(longer);
		free(buf);
	}

	/* A message one byte over the maximum, in a datagram that fits. */
	{
		const uint8_t types[] = { RUMOR_T_DATA, RUMOR_T_DELIVER,
				RUMOR_T_FANOUT, RUMOR_T_RETRANSMIT };

		for (size_t i = 0; i < sizeof(types); i++) {
			struct chan_msg m = msg_make(types[i], "news", 4,
					chan_payload_max(4));
			size_t len;
			uint8_t *buf = encode_exact(&m, &len);
			uint8_t *over;
			size_t fixed = fixed_len(types[i]);

			CHECK_EQ(len, msg_len(&m));
			/*
			 * Grow the message by one byte: over the maximum, in
			 * a datagram that still fits (the maximum leaves room
			 * for a 40-byte fixed part).
			 */
			over = test_alloc_exact(len + 1);
			memcpy(over, buf, len);
			over[len] = 0x55;
			test_put(over + 12, 2, (uint16_t)(fixed +
					chan_payload_max(4) + 1));
			CHECK_EQ(decode_exact(over, len + 1),
					CHAN_WIRE_LENGTH);
			free(over);
			m.payload_len++;
			check_refused(&m, __LINE__);
			free(buf);
		}
		/* A DATA of exactly a datagram, still over the maximum. */
		{
			size_t plen = RUMOR_DATAGRAM_MAX - HDR - 4;
			uint8_t *dg = test_alloc_exact(RUMOR_DATAGRAM_MAX);
			struct chan_msg m = msg_make(RUMOR_T_DATA, "news", 4,
					chan_payload_max(4));

			CHECK_EQ(chan_msg_encode(&m, dg, RUMOR_DATAGRAM_MAX),
					msg_len(&m));
			memcpy(dg + HDR + 4, payload_buf, plen);
			test_put(dg + 12, 2, (uint16_t)plen);
			CHECK_EQ(decode_exact(dg, RUMOR_DATAGRAM_MAX),
					CHAN_WIRE_LENGTH);
			test_put(dg + 12, 2, (uint16_t)chan_payload_max(4));
			CHECK_EQ(decode_exact(dg, HDR + 4 +
					chan_payload_max(4)), CHAN_WIRE_OK);
			free(dg);
		}
		/* And a GOSSIP. */
		{
			struct chan_msg m = msg_make(RUMOR_T_GOSSIP, "@n", 2,
					chan_payload_max(2));
			size_t len;
			uint8_t *buf = encode_exact(&m, &len);
			uint8_t *over = test_alloc_exact(len + 1);

			CHECK_EQ(len, msg_len(&m));
			memcpy(over, buf, len);
			over[len] = 0;
			test_put(over + 12, 2, chan_payload_max(2) + 1);
			CHECK_EQ(decode_exact(over, len + 1),
					CHAN_WIRE_LENGTH);
			free(over);
			free(buf);
		}
	}
}

/* Decode a copy of good with a field of width bytes rewritten. */
static void
check_field(const uint8_t *good, size_t len, size_t off, unsigned width,
		uint64_t value, enum chan_wire_error want, int line)
{
	uint8_t *bad = test_copy_exact(good, len);
	struct chan_msg d;
	enum chan_wire_error e;

	test_put(bad + off, width, value);
	e = chan_msg_decode(bad, len, &d);
	if (!CHECK_EQ(e, want))
		fprintf(stderr, "  (line %d: %u bytes at %zu set to %#llx give "
				"%s, not %s)\n", line, width, off,
				(unsigned long long)value,
				chan_wire_error_name(e),
				chan_wire_error_name(want));
	free(bad);
}

/*
 * Decode the header and name of m (written by hand) with body[0..blen)
 * as its payload, in a buffer of exactly that length; check the verdict.
 */
static void
check_raw(const struct chan_msg *m, const uint8_t *body, size_t blen,
		enum chan_wire_error want, int line)
{
	size_t len = HDR + m->channel_len + blen;
	uint8_t *dg = test_alloc_exact(len);
	struct chan_msg d;
	enum chan_wire_error e;

	raw_head(dg, m, blen);
	if (blen > 0)
		memcpy(dg + HDR + m->channel_len, body, blen);
	e = chan_msg_decode(dg, len, &d);
	if (!CHECK_EQ(e, want))
		fprintf(stderr, "  (line %d: %s with a payload of %zu bytes "
				"gives %s, not %s)\n", line,
				chan_type_name(m->type), blen,
				chan_wire_error_name(e),
				chan_wire_error_name(want));
	free(dg);
}

#define CHECK_RAW(m, body, blen, want) \
	check_raw(&(m), (body), (blen), (want), __LINE__)

/*
 * A stream at off: 0 gets zero (STREAM, or SEQ where a sequence must go
 * with it), 1 and UINT64_MAX pass. A sequence at off: 1 and CHAN_SEQ_MAX
 * pass, 0 and what is above CHAN_SEQ_MAX get SEQ.
 */
static void
check_stream(const uint8_t *good, size_t len, size_t off,
		enum chan_wire_error zero, int line)
{
	check_field(good, len, off, 8, 0, zero, line);
	check_field(good, len, off, 8, 1, CHAN_WIRE_OK, line);
	check_field(good, len, off, 8, UINT64_MAX, CHAN_WIRE_OK, line);
}

static void
check_seq(const uint8_t *good, size_t len, size_t off, int line)
{
	static const uint64_t bad[] = { 0, CHAN_SEQ_MAX + 1, UINT64_MAX };

	check_field(good, len, off, 8, 1, CHAN_WIRE_OK, line);
	check_field(good, len, off, 8, CHAN_SEQ_MAX, CHAN_WIRE_OK, line);
	for (size_t i = 0; i < TEST_DIM(bad); i++)
		check_field(good, len, off, 8, bad[i], CHAN_WIRE_SEQ, line);
}

#define CHECK_STREAM(off, zero) \
	check_stream(good, len, (off), (zero), __LINE__)
#define CHECK_SEQ(off) check_seq(good, len, (off), __LINE__)
#define CHECK_BYTE(off, byte, want) \
	check_field(good, len, (off), 1, (byte), (want), __LINE__)
#define CHECK_FIELD(off, width, value, want) \
	check_field(good, len, (off), (width), (value), (want), __LINE__)

/* The header: what every type shares. */
static void
test_header_errors(void)
{
	struct chan_msg m = msg_make(RUMOR_T_FANOUT, "news", 4, 3);
	size_t len;
	uint8_t *good = encode_exact(&m, &len);
	const size_t body = HDR + 4;

	CHECK_EQ(decode_exact(good, len), CHAN_WIRE_OK);
	/* HEADER: magic, version, any flag, the reserved word. */
	CHECK_BYTE(0, 0x53, CHAN_WIRE_HEADER);
	CHECK_BYTE(1, 0x00, CHAN_WIRE_HEADER);
	CHECK_BYTE(2, 0, CHAN_WIRE_HEADER);
	CHECK_BYTE(2, 2, CHAN_WIRE_HEADER);
	for (unsigned bit = 0; bit < 8; bit++)
		CHECK_BYTE(4, (uint8_t)(1u << bit), CHAN_WIRE_HEADER);
	CHECK_BYTE(14, 0x80, CHAN_WIRE_HEADER);
	CHECK_BYTE(15, 0x01, CHAN_WIRE_HEADER);
	/* TYPE: 0, CONTROL, one past the last, the largest. */
	CHECK_BYTE(3, 0, CHAN_WIRE_TYPE);
	CHECK_BYTE(3, RUMOR_T_CONTROL, CHAN_WIRE_TYPE);
	CHECK_BYTE(3, RUMOR_T_CHAN_MAX, CHAN_WIRE_TYPE);
	CHECK_BYTE(3, 0xff, CHAN_WIRE_TYPE);
	/* COOKIE and replication's types have codecs of their own. */
	for (unsigned t = RUMOR_T_COOKIE; t < RUMOR_T_MAX; t++)
		CHECK_BYTE(3, (uint8_t)t, CHAN_WIRE_TYPE);
	/* CHANNEL: empty, or over 255 (with lengths that add up). */
	{
		uint8_t *bad = test_alloc_exact(len);

		memcpy(bad, good, len);
		test_put(bad + 6, 2, 0);
		test_put(bad + 12, 2, (uint16_t)(len - HDR));
		CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_CHANNEL);
		free(bad);
	}
	{
		struct chan_msg l = msg_make(RUMOR_T_FANOUT, chan_long,
				RUMOR_CHANNEL_MAX, 20);
		size_t ll;
		uint8_t *lb = encode_exact(&l, &ll);

		CHECK_EQ(decode_exact(lb, ll), CHAN_WIRE_OK);
		/* 256 bytes of name: the first byte of the body joins it. */
		test_put(lb + 6, 2, RUMOR_CHANNEL_MAX + 1);
		test_put(lb + 12, 2, ll - HDR - RUMOR_CHANNEL_MAX - 1);
		CHECK_EQ(decode_exact(lb, ll), CHAN_WIRE_CHANNEL);
		test_put(lb + 6, 2, 0xffff);
		CHECK_EQ(decode_exact(lb, ll), CHAN_WIRE_CHANNEL);
		free(lb);
	}
	/* LENGTH: channel and body lengths that do not add up. */
	CHECK_FIELD(6, 2, 5, CHAN_WIRE_LENGTH);
	CHECK_FIELD(6, 2, 3, CHAN_WIRE_LENGTH);
	CHECK_FIELD(12, 2, len - body + 1, CHAN_WIRE_LENGTH);
	CHECK_FIELD(12, 2, len - body - 1, CHAN_WIRE_LENGTH);
	CHECK_FIELD(12, 2, 0xffff, CHAN_WIRE_LENGTH);
	/* Over a datagram, even with lengths that add up. */
	{
		size_t over = RUMOR_DATAGRAM_MAX + 1;
		uint8_t *bad = test_alloc_exact(over);

		memset(bad, 0, over);
		memcpy(bad, good, body + CHAN_ORD_LEN);
		test_put(bad + 12, 2, (uint16_t)(over - body));
		CHECK_EQ(decode_exact(bad, over), CHAN_WIRE_LENGTH);
		free(bad);
	}
	/* Hop limit, epoch and the hash are anything. */
	CHECK_BYTE(5, 0, CHAN_WIRE_OK);
	CHECK_BYTE(5, 0xff, CHAN_WIRE_OK);
	CHECK_FIELD(16, 8, 0, CHAN_WIRE_OK);
	CHECK_FIELD(16, 8, UINT64_MAX, CHAN_WIRE_OK);
	CHECK_FIELD(24, 8, 0, CHAN_WIRE_OK);
	CHECK_FIELD(32, 8, 0, CHAN_WIRE_OK);
	free(good);
}

/* Origin: 0 from clients (SUBSCRIBE, UNSUBSCRIBE), else not 0. */
static void
test_origin_and_kind(void)
{
	for (size_t t = 0; t < N_TYPES; t++) {
		uint8_t type = all_types[t];

		for (int b = 0; b < 2; b++) {
			const char *name = b ? "@c" : "cc";
			struct chan_msg m;
			size_t len;
			uint8_t *good;

			if (!kind_has(type, b)) {
				/* Encode it on the other kind, then rename. */
				m = msg_make(type, b ? "cc" : "@c", 2, 1);
				good = encode_exact(&m, &len);
				CHECK_EQ(len, msg_len(&m));
				CHECK_BYTE(HDR, (uint8_t)name[0],
						CHAN_WIRE_KIND);
				free(good);
				m.channel = name;
				check_refused(&m, __LINE__);
				continue;
			}
			m = msg_make(type, name, 2, 1);
			good = encode_exact(&m, &len);
			CHECK_EQ(len, msg_len(&m));
			if (type == RUMOR_T_SUBSCRIBE ||
					type == RUMOR_T_UNSUBSCRIBE) {
				CHECK_FIELD(8, 4, 1, CHAN_WIRE_ORIGIN);
				CHECK_FIELD(8, 4, UINT32_MAX,
						CHAN_WIRE_ORIGIN);
			} else if (type == RUMOR_T_DATA) {
				CHECK_FIELD(8, 4, 0, CHAN_WIRE_OK);
				CHECK_FIELD(8, 4, 9, CHAN_WIRE_OK);
			} else {
				CHECK_FIELD(8, 4, 0, CHAN_WIRE_ORIGIN);
			}
			free(good);
		}
	}
	/* The encoder refuses the same. */
	{
		struct chan_msg m = msg_make(RUMOR_T_SUBSCRIBE, "c", 1, 0);
		uint8_t buf[128];

		m.origin = 1;
		CHECK_EQ(chan_msg_encode(&m, buf, sizeof(buf)), 0);
		m = msg_make(RUMOR_T_DELIVER, "c", 1, 0);
		m.origin = 0;
		CHECK_EQ(chan_msg_encode(&m, buf, sizeof(buf)), 0);
		m = msg_make(RUMOR_T_GOSSIP, "c", 1, 0);
		CHECK_EQ(chan_msg_encode(&m, buf, sizeof(buf)), 0);
		m = msg_make(RUMOR_T_NACK, "@c", 2, 0);
		CHECK_EQ(chan_msg_encode(&m, buf, sizeof(buf)), 0);
	}
}

/*
 * HANDOFF_REQ and HANDOFF: every length that is not 24 + 8 * count with
 * count at most 128, every field out of its range and at its ends, the
 * origin and the kind, and the encoder refusing each of them.
 */
static void
test_handoff_errors(void)
{
	const size_t b = HDR + 4;	/* The fixed part, after "news". */
	static uint8_t body[CHAN_HANDOFF_LEN +
			8 * (CHAN_HANDOFF_NODES_MAX + 2)];
	struct chan_msg m, big;
	size_t len, n;
	uint8_t *good;

	/* HANDOFF_REQ: nothing after the name. */
	m = msg_make(RUMOR_T_HANDOFF_REQ, "news", 4, 0);
	good = encode_exact(&m, &len);
	CHECK_EQ(len, HDR + 4);
	CHECK_EQ(decode_exact(good, len), CHAN_WIRE_OK);
	CHECK_FIELD(24, 8, 0, CHAN_WIRE_OK);	/* Any request id. */
	CHECK_FIELD(16, 8, 0, CHAN_WIRE_OK);	/* Any epoch. */
	CHECK_FIELD(8, 4, 0, CHAN_WIRE_ORIGIN);
	CHECK_FIELD(8, 4, UINT32_MAX, CHAN_WIRE_OK);
	CHECK_BYTE(HDR, '@', CHAN_WIRE_KIND);
	free(good);
	memset(body, 0, sizeof(body));
	CHECK_RAW(m, body, 0, CHAN_WIRE_OK);
	for (size_t l = 1; l <= 9; l++)
		CHECK_RAW(m, body, l, CHAN_WIRE_LENGTH);
	/* A HANDOFF's fixed part under the request's type. */
	m = msg_make(RUMOR_T_HANDOFF, "news", 4, 0);
	n = raw_handoff(body, &m.u.handoff, 3, 0, 3);
	CHECK_RAW(m, body, n, CHAN_WIRE_OK);
	m.type = RUMOR_T_HANDOFF_REQ;
	CHECK_RAW(m, body, n, CHAN_WIRE_LENGTH);
	CHECK_RAW(m, body, 24, CHAN_WIRE_LENGTH);

	/* HANDOFF: the fixed part short of 24 bytes, whatever it holds. */
	m = msg_make(RUMOR_T_HANDOFF, "news", 4, 0);
	ho_fill(&m.u.handoff, 0);
	n = raw_handoff(body, &m.u.handoff, 0, 0, 0);
	CHECK_EQ(n, 24);
	CHECK_RAW(m, body, n, CHAN_WIRE_OK);
	for (size_t l = 0; l < n; l++)
		CHECK_RAW(m, body, l, CHAN_WIRE_LENGTH);
	/* Count 0 and anything after the 24 bytes. */
	for (size_t l = n + 1; l <= n + 9; l++)
		CHECK_RAW(m, body, l, CHAN_WIRE_LENGTH);

	/* Count 3: 48 bytes exactly, never a byte or a node more or less. */
	m = msg_make(RUMOR_T_HANDOFF, "news", 4, 0);
	m.u.handoff.node[3].id = 77;		/* A valid 4th to spare. */
	m.u.handoff.node[3].lease_ms = 5000;
	n = raw_handoff(body, &m.u.handoff, 3, 0, 4);
	CHECK_EQ(n, 56);
	CHECK_RAW(m, body, 48, CHAN_WIRE_OK);
	for (size_t l = 0; l <= n; l++)
		if (l != 48)
			CHECK_RAW(m, body, l, CHAN_WIRE_LENGTH);
	/* The count that goes with the length, and none other. */
	for (uint32_t c = 0; c <= 4; c++) {
		test_put(body + 16, 4, c);
		CHECK_RAW(m, body, 24 + 8 * (size_t)c, CHAN_WIRE_OK);
		CHECK_RAW(m, body, 48, c == 3 ? CHAN_WIRE_OK :
				CHAN_WIRE_LENGTH);
	}

	/* Count above 128, even with the bytes it asks for. */
	big = msg_make(RUMOR_T_HANDOFF, "news", 4, 0);
	ho_fill(&big.u.handoff, CHAN_HANDOFF_NODES_MAX);
	n = raw_handoff(body, &big.u.handoff, CHAN_HANDOFF_NODES_MAX, 0,
			CHAN_HANDOFF_NODES_MAX);
	CHECK_EQ(n, 24 + 8 * 128);
	CHECK_RAW(big, body, n, CHAN_WIRE_OK);
	test_put(body + n, 4, 1000);		/* A valid 129th node. */
	test_put(body + n + 4, 4, 1000);
	CHECK(HDR + 4 + n + 8 <= RUMOR_DATAGRAM_MAX);
	CHECK_RAW(big, body, n + 8, CHAN_WIRE_LENGTH);
	{
		const uint32_t over[] = { CHAN_HANDOFF_NODES_MAX + 1,
				CHAN_HANDOFF_NODES_MAX + 2, 0x10000000,
				0x20000003, 0x80000000, UINT32_MAX };
		const size_t lens[] = { 24, 32, n, n + 8 };

		for (size_t o = 0; o < sizeof(over) / sizeof(over[0]); o++) {
			test_put(body + 16, 4, over[o]);
			for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]);
					l++)
				CHECK_RAW(big, body, lens[l],
						CHAN_WIRE_LENGTH);
		}
	}

	/* The fields of a valid HANDOFF of three nodes. */
	m = msg_make(RUMOR_T_HANDOFF, "news", 4, 0);
	good = encode_exact(&m, &len);
	CHECK_EQ(len, HDR + 4 + 48);
	CHECK_EQ(decode_exact(good, len), CHAN_WIRE_OK);
	/* Reserved: every byte. */
	for (size_t o = 20; o < 24; o++) {
		CHECK_BYTE(b + o, 0x01, CHAN_WIRE_RESERVED);
		CHECK_BYTE(b + o, 0x80, CHAN_WIRE_RESERVED);
	}
	/*
	 * Stream and next_seq: both 0 or neither; next_seq from 1 to half
	 * the sequence range, so that no HANDOFF leaves its stream without
	 * room or sets a subscriber's next sequence near the end.
	 */
	CHECK_STREAM(b, CHAN_WIRE_SEQ);
	CHECK_FIELD(b + 8, 8, 0, CHAN_WIRE_SEQ);
	CHECK_FIELD(b + 8, 8, 1, CHAN_WIRE_OK);
	CHECK_FIELD(b + 8, 8, CHAN_HANDOFF_SEQ_MAX, CHAN_WIRE_OK);
	CHECK_FIELD(b + 8, 8, CHAN_HANDOFF_SEQ_MAX + 1, CHAN_WIRE_SEQ);
	CHECK_FIELD(b + 8, 8, CHAN_SEQ_MAX, CHAN_WIRE_SEQ);
	CHECK_FIELD(b + 8, 8, CHAN_SEQ_MAX + 1, CHAN_WIRE_SEQ);
	CHECK_FIELD(b + 8, 8, UINT64_MAX, CHAN_WIRE_SEQ);
	/* Each node: its id, then its lease. */
	for (size_t i = 0; i < 3; i++) {
		const size_t nd = b + 24 + 8 * i;

		CHECK_FIELD(nd, 4, 0, CHAN_WIRE_RANGE);
		CHECK_FIELD(nd, 4, 1, CHAN_WIRE_OK);
		CHECK_FIELD(nd, 4, UINT32_MAX, CHAN_WIRE_OK);
		CHECK_FIELD(nd + 4, 4, 0, CHAN_WIRE_LEASE);
		CHECK_FIELD(nd + 4, 4, 1, CHAN_WIRE_OK);
		CHECK_FIELD(nd + 4, 4, CHAN_LEASE_MAX_MS, CHAN_WIRE_OK);
		CHECK_FIELD(nd + 4, 4, CHAN_LEASE_MAX_MS + 1, CHAN_WIRE_LEASE);
		CHECK_FIELD(nd + 4, 4, UINT32_MAX, CHAN_WIRE_LEASE);
	}
	/* The header: origin, kind; any request id (0: pushed unasked). */
	CHECK_FIELD(8, 4, 0, CHAN_WIRE_ORIGIN);
	CHECK_BYTE(HDR, '@', CHAN_WIRE_KIND);
	CHECK_FIELD(24, 8, 0, CHAN_WIRE_OK);
	free(good);

	/* With no state: next_seq must stay 0. */
	m.u.handoff.stream = 0;
	m.u.handoff.next_seq = 0;
	good = encode_exact(&m, &len);
	CHECK_EQ(decode_exact(good, len), CHAN_WIRE_OK);
	CHECK_FIELD(b + 8, 8, 1, CHAN_WIRE_SEQ);
	CHECK_FIELD(b + 8, 8, CHAN_SEQ_MAX, CHAN_WIRE_SEQ);
	CHECK_FIELD(b + 8, 8, CHAN_SEQ_MAX + 1, CHAN_WIRE_SEQ);
	CHECK_FIELD(b, 8, 7, CHAN_WIRE_SEQ);
	free(good);

	/* The last of 128 nodes is checked like the first. */
	good = encode_exact(&big, &len);
	CHECK_EQ(len, HDR + 4 + 24 + 8 * 128);
	CHECK_EQ(decode_exact(good, len), CHAN_WIRE_OK);
	CHECK_FIELD(b + 24 + 8 * 127, 4, 0, CHAN_WIRE_RANGE);
	CHECK_FIELD(b + 28 + 8 * 127, 4, 0, CHAN_WIRE_LEASE);
	CHECK_FIELD(b + 28 + 8 * 127, 4, CHAN_LEASE_MAX_MS + 1,
			CHAN_WIRE_LEASE);
	CHECK_FIELD(b + 16, 4, 127, CHAN_WIRE_LENGTH);
	CHECK_FIELD(b + 16, 4, 129, CHAN_WIRE_LENGTH);
	free(good);

	/* The encoder refuses whatever the decoder would. */
	m = msg_make(RUMOR_T_HANDOFF, "news", 4, 0);
	m.u.handoff.n_nodes = CHAN_HANDOFF_NODES_MAX + 1;
	check_refused(&m, __LINE__);
	m.u.handoff.n_nodes = UINT32_MAX;
	check_refused(&m, __LINE__);
	m = msg_make(RUMOR_T_HANDOFF, "news", 4, 0);
	m.u.handoff.stream = 0;
	check_refused(&m, __LINE__);
	m.u.handoff.next_seq = 0;
	m.u.handoff.stream = 1;
	check_refused(&m, __LINE__);
	m.u.handoff.next_seq = CHAN_HANDOFF_SEQ_MAX + 1;
	check_refused(&m, __LINE__);
	m.u.handoff.next_seq = CHAN_SEQ_MAX;
	check_refused(&m, __LINE__);
	m.u.handoff.next_seq = CHAN_SEQ_MAX + 1;
	check_refused(&m, __LINE__);
	m.u.handoff.next_seq = UINT64_MAX;
	check_refused(&m, __LINE__);
	m.u.handoff.stream = 0;
	check_refused(&m, __LINE__);
	for (size_t i = 0; i < 3; i++) {
		m = msg_make(RUMOR_T_HANDOFF, "news", 4, 0);
		m.u.handoff.node[i].id = 0;
		check_refused(&m, __LINE__);
		m = msg_make(RUMOR_T_HANDOFF, "news", 4, 0);
		m.u.handoff.node[i].lease_ms = 0;
		check_refused(&m, __LINE__);
		m.u.handoff.node[i].lease_ms = CHAN_LEASE_MAX_MS + 1;
		check_refused(&m, __LINE__);
		m.u.handoff.node[i].lease_ms = UINT32_MAX;
		check_refused(&m, __LINE__);
	}
	m = big;
	m.u.handoff.node[127].id = 0;
	check_refused(&m, __LINE__);
	m = big;
	m.u.handoff.node[127].lease_ms = CHAN_LEASE_MAX_MS + 1;
	check_refused(&m, __LINE__);
	/* Nodes past the count are not read: not even an invalid one. */
	m = msg_make(RUMOR_T_HANDOFF, "news", 4, 0);
	m.u.handoff.node[3].id = 0;
	m.u.handoff.node[3].lease_ms = 0;
	CHECK_EQ(chan_msg_encode(&m, body, sizeof(body)), HDR + 4 + 48);
	for (int t = 0; t < 2; t++) {
		m = msg_make(t ? RUMOR_T_HANDOFF : RUMOR_T_HANDOFF_REQ, "news",
				4, 0);
		m.origin = 0;
		check_refused(&m, __LINE__);
		m = msg_make(t ? RUMOR_T_HANDOFF : RUMOR_T_HANDOFF_REQ, "@x",
				2, 0);
		check_refused(&m, __LINE__);
		m.channel = "@";
		m.channel_len = 1;
		check_refused(&m, __LINE__);
	}
	/* A HANDOFF_REQ ignores the payload fields and the union. */
	m = msg_make(RUMOR_T_HANDOFF_REQ, "news", 4, 0);
	m.payload = payload_buf;
	m.payload_len = 10;
	m.u.handoff.n_nodes = UINT32_MAX;
	CHECK_EQ(chan_msg_encode(&m, body, sizeof(body)), HDR + 4);
	/* Nor does a HANDOFF carry a message. */
	m = msg_make(RUMOR_T_HANDOFF, "news", 4, 0);
	m.payload = payload_buf;
	m.payload_len = 10;
	CHECK_EQ(chan_msg_encode(&m, body, sizeof(body)), HDR + 4 + 48);
}

/* Every field of every fixed part, out of its range and at its ends. */
static void
test_body_errors(void)
{
	const size_t b = HDR + 4;	/* The fixed part, after "news". */
	struct chan_msg m;
	size_t len;
	uint8_t *good;

	/* SUBSCRIBE and INTEREST: lease, reserved word. */
	for (int i = 0; i < 2; i++) {
		m = msg_make(i ? RUMOR_T_INTEREST : RUMOR_T_SUBSCRIBE, "news",
				4, 0);
		good = encode_exact(&m, &len);
		CHECK_FIELD(b, 4, 0, CHAN_WIRE_OK);
		CHECK_FIELD(b, 4, CHAN_LEASE_MAX_MS, CHAN_WIRE_OK);
		CHECK_FIELD(b, 4, CHAN_LEASE_MAX_MS + 1, CHAN_WIRE_LEASE);
		CHECK_FIELD(b, 4, UINT32_MAX, CHAN_WIRE_LEASE);
		for (size_t o = 4; o < 8; o++)
			CHECK_BYTE(b + o, 0x01, CHAN_WIRE_RESERVED);
		free(good);
	}

	/* SUB_ACK and INTEREST_ACK. */
	for (int i = 0; i < 2; i++) {
		m = msg_make(i ? RUMOR_T_INTEREST_ACK : RUMOR_T_SUB_ACK,
				"news", 4, 0);
		good = encode_exact(&m, &len);
		CHECK_BYTE(b, CHAN_ST_MAX, CHAN_WIRE_STATUS);
		CHECK_BYTE(b, 0xff, CHAN_WIRE_STATUS);
		CHECK_BYTE(b + 1, 0x01, CHAN_WIRE_RESERVED);
		CHECK_BYTE(b + 2, 0x80, CHAN_WIRE_RESERVED);
		CHECK_BYTE(b + 3, 0x01, CHAN_WIRE_RESERVED);
		CHECK_FIELD(b + 4, 4, CHAN_LEASE_MAX_MS + 1, CHAN_WIRE_LEASE);
		CHECK_FIELD(b + 4, 4, UINT32_MAX, CHAN_WIRE_LEASE);
		/* No lease: an answer to an UNSUBSCRIBE or a withdrawal. */
		CHECK_FIELD(b + 4, 4, 0, i ? CHAN_WIRE_STATUS : CHAN_WIRE_OK);
		/* An OK names no limit. */
		CHECK_FIELD(b + 8, 4, 1, CHAN_WIRE_STATUS);
		/* A refusal grants no lease. */
		CHECK_BYTE(b, CHAN_ST_NOT_SUBSCRIBED, CHAN_WIRE_STATUS);
		CHECK_BYTE(b, CHAN_ST_NODE_LIMIT, CHAN_WIRE_STATUS);
		free(good);
		m.u.ack.lease_ms = 0;
		m.u.ack.status = CHAN_ST_NODE_LIMIT;
		m.u.ack.limit = 100;
		m.u.ack.stream = m.u.ack.next_seq = 0;
		good = encode_exact(&m, &len);
		CHECK_EQ(decode_exact(good, len), CHAN_WIRE_OK);
		/* A *_LIMIT names its limit. */
		CHECK_FIELD(b + 8, 4, 0, CHAN_WIRE_STATUS);
		/* A refusal says nothing of the stream. */
		if (i == 1) {
			CHECK_FIELD(b + 12, 8, 1, CHAN_WIRE_STATUS);
			CHECK_FIELD(b + 20, 8, 1, CHAN_WIRE_STATUS);
		}
		/* Every limit status takes a limit, the others none. */
		for (uint8_t s = 0; s < CHAN_ST_MAX; s++)
			CHECK_BYTE(b, s, chan_status_is_limit(s) ?
					CHAN_WIRE_OK : CHAN_WIRE_STATUS);
		CHECK_FIELD(b + 4, 4, 1, CHAN_WIRE_STATUS);
		free(good);
	}

	/* An interest grant: where the stream stands. */
	m = msg_make(RUMOR_T_INTEREST_ACK, "news", 4, 0);
	good = encode_exact(&m, &len);
	CHECK_EQ(len, HDR + 4 + 28);
	CHECK_STREAM(b + 12, CHAN_WIRE_STREAM);
	CHECK_SEQ(b + 20);
	/* A withdrawal's answer (lease 0) says nothing of it either. */
	CHECK_FIELD(b + 4, 4, 0, CHAN_WIRE_STATUS);
	free(good);
	/* A SUB_ACK never carries it: neither stream nor next_seq. */
	for (int f = 0; f < 2; f++) {
		m = msg_make(RUMOR_T_SUB_ACK, "news", 4, 0);
		*(f ? &m.u.ack.next_seq : &m.u.ack.stream) = 1;
		check_refused(&m, __LINE__);
	}

	/* GOSSIP: the boot number. */
	m = msg_make(RUMOR_T_GOSSIP, "@new", 4, 3);
	good = encode_exact(&m, &len);
	CHECK_FIELD(b, 8, 0, CHAN_WIRE_BOOT);
	CHECK_FIELD(b, 8, 1, CHAN_WIRE_OK);
	free(good);
	m.u.gossip.boot = 0;
	check_refused(&m, __LINE__);

	/* DELIVER, FANOUT, RETRANSMIT: stream and sequence. */
	for (int i = 0; i < 3; i++) {
		const uint8_t types[] = { RUMOR_T_DELIVER, RUMOR_T_FANOUT,
				RUMOR_T_RETRANSMIT };

		m = msg_make(types[i], "news", 4, 5);
		good = encode_exact(&m, &len);
		CHECK_STREAM(b, CHAN_WIRE_STREAM);
		CHECK_SEQ(b + 8);
		free(good);
	}
	/* A broadcast DELIVER has neither. */
	m = msg_make(RUMOR_T_DELIVER, "@new", 4, 5);
	good = encode_exact(&m, &len);
	CHECK_EQ(decode_exact(good, len), CHAN_WIRE_OK);
	CHECK_FIELD(b, 8, 1, CHAN_WIRE_STREAM);
	CHECK_FIELD(b + 8, 8, 1, CHAN_WIRE_SEQ);
	free(good);

	/* GAP and GONE: stream, first, last. */
	for (int i = 0; i < 2; i++) {
		m = msg_make(i ? RUMOR_T_GONE : RUMOR_T_GAP, "news", 4, 0);
		good = encode_exact(&m, &len);
		CHECK_FIELD(b, 8, 0, CHAN_WIRE_STREAM);
		CHECK_FIELD(b + 8, 8, 0, CHAN_WIRE_SEQ);
		CHECK_FIELD(b + 8, 8, CHAN_SEQ_MAX + 1, CHAN_WIRE_SEQ);
		CHECK_FIELD(b + 16, 8, 0, CHAN_WIRE_SEQ);
		CHECK_FIELD(b + 16, 8, CHAN_SEQ_MAX + 1, CHAN_WIRE_SEQ);
		CHECK_FIELD(b + 16, 8, UINT64_MAX, CHAN_WIRE_SEQ);
		CHECK_FIELD(b + 16, 8, 99, CHAN_WIRE_RANGE);
		CHECK_FIELD(b + 16, 8, 100, CHAN_WIRE_OK);
		CHECK_FIELD(b + 8, 8, 0x0162636465666768ull, CHAN_WIRE_OK);
		CHECK_FIELD(b + 8, 8, 0x0162636465666769ull, CHAN_WIRE_RANGE);
		free(good);
	}

	/* NACK: stream, first, count, reserved. */
	m = msg_make(RUMOR_T_NACK, "news", 4, 0);
	good = encode_exact(&m, &len);
	CHECK_FIELD(b, 8, 0, CHAN_WIRE_STREAM);
	CHECK_FIELD(b + 8, 8, 0, CHAN_WIRE_SEQ);
	CHECK_FIELD(b + 8, 8, CHAN_SEQ_MAX + 1, CHAN_WIRE_SEQ);
	CHECK_FIELD(b + 8, 8, CHAN_SEQ_MAX - 16, CHAN_WIRE_OK);
	CHECK_FIELD(b + 8, 8, CHAN_SEQ_MAX - 15, CHAN_WIRE_RANGE);
	CHECK_FIELD(b + 16, 4, 0, CHAN_WIRE_RANGE);
	CHECK_FIELD(b + 16, 4, CHAN_NACK_MAX, CHAN_WIRE_OK);
	CHECK_FIELD(b + 16, 4, CHAN_NACK_MAX + 1, CHAN_WIRE_RANGE);
	CHECK_FIELD(b + 16, 4, UINT32_MAX, CHAN_WIRE_RANGE);
	for (size_t o = 20; o < 24; o++)
		CHECK_BYTE(b + o, 0x10, CHAN_WIRE_RESERVED);
	free(good);

	/* UNSUBSCRIBE has no fixed part at all. */
	m = msg_make(RUMOR_T_UNSUBSCRIBE, "news", 4, 0);
	good = encode_exact(&m, &len);
	CHECK_EQ(len, HDR + 4);
	CHECK_EQ(decode_exact(good, len), CHAN_WIRE_OK);
	free(good);

	test_handoff_errors();
}

/* The first failing check decides, in the documented order. */
static void
test_order(void)
{
	struct chan_msg m = msg_make(RUMOR_T_NACK, "news", 4, 0);
	size_t len;
	uint8_t *good = encode_exact(&m, &len);
	uint8_t *bad = test_alloc_exact(len);
	const size_t b = HDR + 4;

	memcpy(bad, good, len);
	test_put(bad + b + 16, 4, 0);			/* Range. */
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_RANGE);
	test_put(bad + b + 8, 8, 0);			/* Seq. */
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_SEQ);
	test_put(bad + b, 8, 0);			/* Stream. */
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_STREAM);
	bad[b + 23] = 1;			/* Reserved. */
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_RESERVED);
	bad[HDR] = '@';				/* Kind. */
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_KIND);
	test_put(bad + 8, 4, 0);			/* Origin. */
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_ORIGIN);
	test_put(bad + 12, 2, 1);			/* Length. */
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_LENGTH);
	test_put(bad + 6, 2, 0);			/* Channel. */
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_CHANNEL);
	bad[3] = 2;				/* Type. */
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_TYPE);
	bad[4] = 1;				/* Header. */
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_HEADER);
	CHECK_EQ(decode_exact(bad, HDR - 1), CHAN_WIRE_SHORT);
	free(bad);

	/* A fixed part of the wrong size is LENGTH before its fields. */
	m = msg_make(RUMOR_T_SUB_ACK, "news", 4, 0);
	free(good);
	good = encode_exact(&m, &len);
	bad = test_alloc_exact(len - 1);
	memcpy(bad, good, len - 1);
	bad[b] = 0xff;
	test_put(bad + 12, 2, CHAN_ACK_LEN - 1);
	CHECK_EQ(decode_exact(bad, len - 1), CHAN_WIRE_LENGTH);
	free(bad);
	free(good);

	/*
	 * HANDOFF: count and length, reserved, stream and next_seq, then
	 * node by node its id and its lease; the first bad node decides.
	 */
	m = msg_make(RUMOR_T_HANDOFF, "news", 4, 0);
	good = encode_exact(&m, &len);
	bad = test_alloc_exact(len);
	memcpy(bad, good, len);
	test_put(bad + b + 28 + 16, 4, 0);		/* Lease of the last. */
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_LEASE);
	test_put(bad + b + 24 + 8, 4, 0);		/* Id of the second. */
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_RANGE);
	/* Lease of the first. */
	test_put(bad + b + 28, 4, CHAN_LEASE_MAX_MS + 1);
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_LEASE);
	test_put(bad + b + 24, 4, 0);			/* Id of the first. */
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_RANGE);
	test_put(bad + b + 8, 8, CHAN_SEQ_MAX + 1);	/* Seq. */
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_SEQ);
	test_put(bad + b, 8, 0);		/* Stream 0: seq still. */
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_SEQ);
	bad[b + 20] = 1;			/* Reserved. */
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_RESERVED);
	test_put(bad + b + 16, 4, CHAN_HANDOFF_NODES_MAX + 1);	/* Count. */
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_LENGTH);
	test_put(bad + b + 16, 4, 2);			/* Count and length. */
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_LENGTH);
	bad[HDR] = '@';				/* Kind. */
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_KIND);
	test_put(bad + 8, 4, 0);			/* Origin. */
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_ORIGIN);
	free(bad);
	free(good);
	/* HANDOFF_REQ: origin, then kind, then its length. */
	m = msg_make(RUMOR_T_HANDOFF_REQ, "news", 4, 0);
	good = encode_exact(&m, &len);
	bad = test_alloc_exact(len + 1);
	memcpy(bad, good, len);
	bad[len] = 0;
	test_put(bad + 12, 2, 1);			/* Length. */
	CHECK_EQ(decode_exact(bad, len + 1), CHAN_WIRE_LENGTH);
	bad[HDR] = '@';				/* Kind. */
	CHECK_EQ(decode_exact(bad, len + 1), CHAN_WIRE_KIND);
	test_put(bad + 8, 4, 0);			/* Origin. */
	CHECK_EQ(decode_exact(bad, len + 1), CHAN_WIRE_ORIGIN);
	free(bad);
	free(good);
}

/* chan_handoff_encode must return 0 and leave hb (cap bytes) untouched. */
static void
check_ho_refused(const struct chan_handoff *ho, int line)
{
	CHECK_REFUSED_BY(chan_handoff_encode, ho, CHAN_HANDOFF_LEN +
			8 * (CHAN_HANDOFF_NODES_MAX + 1), line);
}

/*
 * A field of a raw HANDOFF rewritten, then the verdict on it; RAW_NEXT:
 * the next step rewrites another before it is decoded.
 */
#define RAW_NEXT CHAN_WIRE_ERROR_MAX

static const struct raw_step {
	size_t off;
	unsigned int width;
	uint64_t value;
	enum chan_wire_error want;
} ho_raw_steps[] = {
	/* Count and length; reserved. */
	{ 16, 4, 3, CHAN_WIRE_LENGTH },
	{ 16, 4, CHAN_HANDOFF_NODES_MAX + 1, CHAN_WIRE_LENGTH },
	{ 16, 4, 2, RAW_NEXT }, { 20, 4, 1, CHAN_WIRE_RESERVED },
	/* Stream and next_seq: both 0 or neither, next_seq in range. */
	{ 20, 4, 0, RAW_NEXT }, { 8, 8, 0, CHAN_WIRE_SEQ },
	{ 0, 8, 0, CHAN_WIRE_OK },
	{ 8, 8, 1, CHAN_WIRE_SEQ },
	{ 0, 8, 9, RAW_NEXT }, { 8, 8, CHAN_SEQ_MAX + 1, CHAN_WIRE_SEQ },
	{ 8, 8, CHAN_SEQ_MAX, CHAN_WIRE_SEQ },
	{ 8, 8, CHAN_HANDOFF_SEQ_MAX + 1, CHAN_WIRE_SEQ },
	{ 8, 8, CHAN_HANDOFF_SEQ_MAX, CHAN_WIRE_OK },
	/* The second node's id, then its lease. */
	{ 8, 8, 10, RAW_NEXT }, { 32, 4, 0, CHAN_WIRE_RANGE },
	{ 32, 4, 1, RAW_NEXT }, { 36, 4, 0, CHAN_WIRE_LEASE },
	{ 36, 4, CHAN_LEASE_MAX_MS + 1, CHAN_WIRE_LEASE },
	{ 36, 4, CHAN_LEASE_MAX_MS, CHAN_WIRE_OK },
};

/* chan_handoff_encode and chan_handoff_decode alone. */
static void
test_parts_handoff(void)
{
	const uint32_t counts[] = { 0, 1, 3, CHAN_HANDOFF_NODES_MAX };
	uint8_t hb[CHAN_HANDOFF_LEN + 8 * (CHAN_HANDOFF_NODES_MAX + 1)];
	uint8_t raw[sizeof(hb)];
	struct chan_handoff ho, d;
	uint8_t *x;

	CHECK_EQ(CHAN_HANDOFF_REQ_LEN, 0);
	CHECK_EQ(CHAN_HANDOFF_LEN, 24);
	CHECK_EQ(CHAN_HANDOFF_NODE_LEN, 8);
	CHECK_EQ(CHAN_HANDOFF_NODES_MAX, 128);
	for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
		const size_t want = 24 + 8 * (size_t)counts[k];

		for (int state = 0; state < 2; state++) {
			memset(&ho, 0, sizeof(ho));
			ho.stream = state ? 0xabcdef0123456789ull : 0;
			ho.next_seq = state ? CHAN_HANDOFF_SEQ_MAX - 5 : 0;
			ho_fill(&ho, counts[k]);
			/* One byte short: nothing written. */
			memset(hb, 0xa5, sizeof(hb));
			CHECK_EQ(chan_handoff_encode(&ho, hb, want - 1), 0);
			CHECK_EQ(hb[0], 0xa5);
			CHECK_EQ(chan_handoff_encode(&ho, hb, sizeof(hb)),
					want);
			CHECK_UNTOUCHED(hb + want, sizeof(hb) - want, 0xa5);
			CHECK_EQ(raw_handoff(raw, &ho, counts[k], 0,
					counts[k]), want);
			CHECK(memcmp(hb, raw, want) == 0);
			x = test_alloc_exact(want);
			memcpy(x, raw, want);
			memset(&d, 0xee, sizeof(d));
			CHECK_EQ(chan_handoff_decode(x, want, &d),
					CHAN_WIRE_OK);
			CHECK_EQ(d.stream, ho.stream);
			CHECK_EQ(d.next_seq, ho.next_seq);
			CHECK_EQ(d.n_nodes, counts[k]);
			CHECK(memcmp(d.node, ho.node, counts[k] *
					sizeof(ho.node[0])) == 0);
			for (size_t l = 0; l < want; l++)
				if (!CHECK_EQ(chan_handoff_decode(x, l, &d),
						CHAN_WIRE_LENGTH))
					break;
			free(x);
			/* A byte more, in a buffer that has it. */
			CHECK_EQ(chan_handoff_decode(hb, want + 1, &d),
					CHAN_WIRE_LENGTH);
			CHECK_EQ(chan_handoff_decode(hb, want + 8, &d),
					CHAN_WIRE_LENGTH);
		}
	}

	/* The decoder's refusals, on raw bytes. */
	memset(&ho, 0, sizeof(ho));
	ho.stream = 9;
	ho.next_seq = 10;
	ho_fill(&ho, 2);
	CHECK_EQ(raw_handoff(raw, &ho, 2, 0, 2), 40);
	CHECK_EQ(chan_handoff_decode(raw, 40, &d), CHAN_WIRE_OK);
	for (size_t i = 0; i < TEST_DIM(ho_raw_steps); i++) {
		const struct raw_step *st = &ho_raw_steps[i];

		test_put(raw + st->off, st->width, st->value);
		if (st->want != RAW_NEXT &&
				!CHECK_EQ(chan_handoff_decode(raw, 40, &d),
				st->want))
			fprintf(stderr, "  (step %zu)\n", i);
	}

	/*
	 * The encoder refuses the same, writing nothing. A count above 128
	 * first, with valid nodes in the bytes after the 128th, so that an
	 * encoder that read past the array would find nothing to refuse.
	 */
	{
		static union {
			struct chan_handoff ho;
			uint8_t bytes[sizeof(struct chan_handoff) + 64];
		} w;
		const struct chan_handoff_node extra = { 5, 1000 };

		memset(&w, 0, sizeof(w));
		w.ho.stream = 9;
		w.ho.next_seq = 10;
		ho_fill(&w.ho, CHAN_HANDOFF_NODES_MAX);
		for (size_t i = CHAN_HANDOFF_NODES_MAX;
				i < CHAN_HANDOFF_NODES_MAX + 4; i++)
			memcpy(w.bytes + offsetof(struct chan_handoff, node) +
					i * sizeof(extra), &extra,
					sizeof(extra));
		CHECK_EQ(chan_handoff_encode(&w.ho, hb, sizeof(hb)),
				24 + 8 * 128);
		w.ho.n_nodes = CHAN_HANDOFF_NODES_MAX + 1;
		check_ho_refused(&w.ho, __LINE__);
		w.ho.n_nodes = CHAN_HANDOFF_NODES_MAX + 2;
		check_ho_refused(&w.ho, __LINE__);
		w.ho.n_nodes = UINT32_MAX;
		check_ho_refused(&w.ho, __LINE__);
	}
	memset(&ho, 0, sizeof(ho));
	ho.stream = 9;
	ho.next_seq = 10;
	ho_fill(&ho, 2);
	ho.next_seq = 0;
	check_ho_refused(&ho, __LINE__);
	ho.stream = 0;
	ho.next_seq = 1;
	check_ho_refused(&ho, __LINE__);
	ho.stream = 9;
	ho.next_seq = CHAN_SEQ_MAX + 1;
	check_ho_refused(&ho, __LINE__);
	ho.next_seq = CHAN_SEQ_MAX;
	check_ho_refused(&ho, __LINE__);
	ho.next_seq = CHAN_HANDOFF_SEQ_MAX + 1;
	check_ho_refused(&ho, __LINE__);
	ho.next_seq = 10;
	ho.node[1].id = 0;
	check_ho_refused(&ho, __LINE__);
	ho.node[1].id = 1;
	ho.node[1].lease_ms = 0;
	check_ho_refused(&ho, __LINE__);
	ho.node[1].lease_ms = CHAN_LEASE_MAX_MS + 1;
	check_ho_refused(&ho, __LINE__);
	ho.node[1].lease_ms = 1;
	CHECK_EQ(chan_handoff_encode(&ho, hb, sizeof(hb)), 40);
}

/*
 * The codec of fixed part P (LEN bytes) alone, on in, which is valid:
 * refused in LEN - 1 bytes, written in LEN of buf, decoded into *d from
 * an exact copy, and that copy one byte short refused. The rest of the
 * arguments go between the struct and the buffer (ack: interest, ord:
 * broadcast).
 */
#define CHECK_PART(buf, P, LEN, in, d, ...) do {			\
	uint8_t *x_;							\
									\
	CHECK_EQ(chan_##P##_encode((in), ##__VA_ARGS__, (buf),		\
			(LEN) - 1), 0);					\
	CHECK_EQ(chan_##P##_encode((in), ##__VA_ARGS__, (buf),		\
			sizeof(buf)), (LEN));				\
	x_ = test_copy_exact((buf), (LEN));				\
	CHECK_EQ(chan_##P##_decode(x_, (LEN), ##__VA_ARGS__, (d)),	\
			CHAN_WIRE_OK);					\
	CHECK_EQ(chan_##P##_decode(x_, (LEN) - 1, ##__VA_ARGS__, (d)),	\
			CHAN_WIRE_LENGTH);				\
	free(x_);							\
} while (0)

/* The fixed-part codecs alone, on exact buffers. */
static void
test_parts(void)
{
	uint8_t buf[CHAN_NACK_LEN + 8];
	struct chan_lease l = { .lease_ms = 777 }, dl;
	struct chan_ack a = { .status = CHAN_ST_CHANNEL_LIMIT, .limit = 4096 };
	struct chan_ack da;
	struct chan_ord o = { .stream = 9, .seq = 10 }, dor;
	struct chan_gossip g = { .boot = 3 }, dg;
	struct chan_range r = { .stream = 1, .first = 5, .last = 5 }, dr;
	struct chan_nack n = { .stream = 1, .first = 5, .count = 3 }, dn;

	CHECK_PART(buf, lease, CHAN_LEASE_LEN, &l, &dl);
	CHECK_EQ(dl.lease_ms, 777);
	CHECK_EQ(chan_lease_decode(buf, CHAN_LEASE_LEN + 1, &dl),
			CHAN_WIRE_LENGTH);
	l.lease_ms = CHAN_LEASE_MAX_MS + 1;
	CHECK_EQ(chan_lease_encode(&l, buf, sizeof(buf)), 0);

	CHECK_PART(buf, ack, CHAN_ACK_LEN, &a, &da, false);
	CHECK_EQ(da.status, CHAN_ST_CHANNEL_LIMIT);
	CHECK_EQ(da.limit, 4096);
	CHECK_EQ(da.lease_ms, 0);
	CHECK_EQ(chan_ack_decode(buf, CHAN_ACK_LEN, true, &da),
			CHAN_WIRE_LENGTH);
	a.lease_ms = 1;
	CHECK_EQ(chan_ack_encode(&a, false, buf, sizeof(buf)), 0);
	/* The interest layout: 16 more bytes. */
	a.status = CHAN_ST_OK;
	a.limit = 0;
	a.lease_ms = 5000;
	a.stream = 77;
	a.next_seq = 78;
	CHECK_EQ(chan_ack_encode(&a, false, buf, sizeof(buf)), 0);
	CHECK_PART(buf, ack, CHAN_IACK_LEN, &a, &da, true);
	CHECK_EQ(da.stream, 77);
	CHECK_EQ(da.next_seq, 78);
	CHECK_EQ(da.lease_ms, 5000);

	CHECK_EQ(chan_ord_encode(&o, true, buf, sizeof(buf)), 0);
	CHECK_PART(buf, ord, CHAN_ORD_LEN, &o, &dor, false);
	CHECK_EQ(dor.stream, 9);
	CHECK_EQ(dor.seq, 10);
	CHECK_EQ(chan_ord_decode(buf, CHAN_ORD_LEN, true, &dor),
			CHAN_WIRE_STREAM);
	o.stream = o.seq = 0;
	CHECK_EQ(chan_ord_encode(&o, true, buf, sizeof(buf)), CHAN_ORD_LEN);
	CHECK_EQ(chan_ord_encode(&o, false, buf, sizeof(buf)), 0);

	CHECK_PART(buf, gossip, CHAN_GOSSIP_LEN, &g, &dg);
	CHECK_EQ(dg.boot, 3);
	g.boot = 0;
	CHECK_EQ(chan_gossip_encode(&g, buf, sizeof(buf)), 0);

	CHECK_PART(buf, range, CHAN_RANGE_LEN, &r, &dr);
	CHECK_EQ(dr.first, 5);
	CHECK_EQ(dr.last, 5);
	r.last = 4;
	CHECK_EQ(chan_range_encode(&r, buf, sizeof(buf)), 0);

	CHECK_PART(buf, nack, CHAN_NACK_LEN, &n, &dn);
	CHECK_EQ(dn.count, 3);
	n.count = CHAN_NACK_MAX + 1;
	CHECK_EQ(chan_nack_encode(&n, buf, sizeof(buf)), 0);
	test_parts_handoff();
}

/* Encoding m must fail and write nothing at all. */
static void
check_refused(const struct chan_msg *m, int line)
{
	CHECK_REFUSED_BY(chan_msg_encode, m, RUMOR_DATAGRAM_MAX + 16, line);
}

#define CHECK_REFUSED(m) check_refused(&(m), __LINE__)

static void
test_encode_refusals(void)
{
	struct chan_msg m;

	m = msg_make(RUMOR_T_DATA, "news", 4, 1);
	m.type = 0;
	CHECK_REFUSED(m);
	m.type = RUMOR_T_CONTROL;
	CHECK_REFUSED(m);
	m.type = RUMOR_T_CHAN_MAX;
	CHECK_REFUSED(m);
	m = msg_make(RUMOR_T_DATA, "news", 4, 1);
	m.channel_len = 0;
	CHECK_REFUSED(m);
	m.channel_len = RUMOR_CHANNEL_MAX + 1;
	CHECK_REFUSED(m);
	m = msg_make(RUMOR_T_DATA, "news", 4, 1);
	m.channel = NULL;
	CHECK_REFUSED(m);
	m = msg_make(RUMOR_T_DATA, "news", 4, 1);
	m.payload = NULL;
	CHECK_REFUSED(m);
	m.payload_len = 0;	/* Nothing to read: fine. */
	{
		uint8_t buf[HDR + 4];

		CHECK_EQ(chan_msg_encode(&m, buf, sizeof(buf)), HDR + 4);
	}
	m = msg_make(RUMOR_T_DATA, "news", 4, chan_payload_max(4) + 1);
	CHECK_REFUSED(m);
	m = msg_make(RUMOR_T_GOSSIP, "@news", 5, chan_payload_max(5) + 1);
	CHECK_REFUSED(m);
	m = msg_make(RUMOR_T_DELIVER, "news", 4, SIZE_MAX);
	CHECK_REFUSED(m);
	m = msg_make(RUMOR_T_SUBSCRIBE, "news", 4, 0);
	m.u.lease.lease_ms = CHAN_LEASE_MAX_MS + 1;
	CHECK_REFUSED(m);
	m = msg_make(RUMOR_T_SUB_ACK, "news", 4, 0);
	m.u.ack.status = CHAN_ST_MAX;
	CHECK_REFUSED(m);
	m = msg_make(RUMOR_T_SUB_ACK, "news", 4, 0);
	m.u.ack.limit = 5;
	CHECK_REFUSED(m);
	m = msg_make(RUMOR_T_FANOUT, "news", 4, 0);
	m.u.ord.seq = CHAN_SEQ_MAX + 1;
	CHECK_REFUSED(m);
	m = msg_make(RUMOR_T_DELIVER, "@news", 5, 0);
	m.u.ord.seq = 1;
	CHECK_REFUSED(m);
	m = msg_make(RUMOR_T_GONE, "news", 4, 0);
	m.u.range.stream = 0;
	CHECK_REFUSED(m);
	m = msg_make(RUMOR_T_NACK, "news", 4, 0);
	m.u.nack.first = CHAN_SEQ_MAX;
	m.u.nack.count = 2;
	CHECK_REFUSED(m);

	/* A message that carries none ignores its payload fields. */
	m = msg_make(RUMOR_T_SUBSCRIBE, "news", 4, 0);
	m.payload = NULL;
	m.payload_len = 99;
	{
		uint8_t buf[HDR + 4 + CHAN_LEASE_LEN];

		CHECK_EQ(chan_msg_encode(&m, buf, sizeof(buf)), sizeof(buf));
	}
}

static void
test_names(void)
{
	CHECK_NAMES(chan_wire_error_name, enum chan_wire_error,
			CHAN_WIRE_ERROR_MAX);
	CHECK(strcmp(chan_wire_error_name(CHAN_WIRE_OK), "ok") == 0);
	CHECK(strcmp(chan_wire_error_name(CHAN_WIRE_ERROR_MAX), "?") == 0);
	CHECK(strcmp(chan_wire_error_name((enum chan_wire_error)-1), "?") ==
			0);
	CHECK_NAMES(chan_status_name, enum chan_status, CHAN_ST_MAX);
	CHECK(strcmp(chan_status_name(CHAN_ST_MAX), "?") == 0);
	for (size_t t = 0; t < N_TYPES; t++)
		CHECK(strcmp(chan_type_name(all_types[t]), "?") != 0);
	CHECK(strcmp(chan_type_name(RUMOR_T_DATA), "PUBLISH") == 0);
	CHECK(strcmp(chan_type_name(0), "?") == 0);
	CHECK(strcmp(chan_type_name(RUMOR_T_MAX), "?") == 0);
	CHECK(strcmp(chan_type_name(0xff), "?") == 0);
	/* The types after the channel types have names too. */
	CHECK(strcmp(chan_type_name(RUMOR_T_CHAN_MAX), "COOKIE") == 0);
	CHECK(strcmp(chan_type_name(RUMOR_T_PUB_ACK), "PUB_ACK") == 0);
	CHECK(strcmp(chan_type_name(RUMOR_T_REPL_STATE), "REPL_STATE") == 0);

	/*
	 * The numbers are the documented ones; COOKIE (17) and
	 * replication's (18 to 22) follow the channel types.
	 */
	CHECK_EQ(RUMOR_T_SUBSCRIBE, 3);
	CHECK_EQ(RUMOR_T_GOSSIP, 14);
	CHECK_EQ(RUMOR_T_HANDOFF_REQ, 15);
	CHECK_EQ(RUMOR_T_HANDOFF, 16);
	CHECK_EQ(RUMOR_T_CHAN_MAX, 17);
	CHECK_EQ(RUMOR_T_COOKIE, RUMOR_T_CHAN_MAX);
	CHECK_EQ(RUMOR_T_MAX, 28);	/* State's 23 to 27 after them. */
	CHECK_EQ(N_TYPES, RUMOR_T_CHAN_MAX - RUMOR_T_CHAN_FIRST + 1);
	CHECK(strcmp(chan_type_name(RUMOR_T_HANDOFF_REQ), "HANDOFF_REQ") ==
			0);
	CHECK(strcmp(chan_type_name(RUMOR_T_HANDOFF), "HANDOFF") == 0);
}

/*
 * Random corruption of valid messages: never a crash, and whatever is
 * accepted encodes back to the same bytes.
 */
static void
test_random(void)
{
	uint64_t seed = 0x6368616e;
	unsigned accepted = 0;

	for (unsigned iter = 0; iter < 20000; iter++) {
		uint8_t type = all_types[test_rand(&seed) % N_TYPES];
		bool bc = type == RUMOR_T_GOSSIP ||
				(kind_has(type, true) && test_rand(&seed) & 1);
		const char *name = bc ? "@chan" : "chan";
		struct chan_msg m = msg_make(type, name, strlen(name),
				test_rand(&seed) % 40);
		size_t len;
		uint8_t *buf;
		unsigned flips = 1 + test_rand(&seed) % 3;
		struct chan_msg d;

		if (type == RUMOR_T_HANDOFF)
			ho_fill(&m.u.handoff, (uint32_t)(test_rand(&seed) % 6));
		buf = encode_exact(&m, &len);
		CHECK_EQ(len, msg_len(&m));
		for (unsigned f = 0; f < flips; f++) {
			uint64_t r = test_rand(&seed);

			buf[r % len] ^= (uint8_t)(1u << (r >> 32) % 8);
		}
		accepted += TEST_ACCEPTS(chan_msg_decode, CHAN_WIRE_OK,
				chan_msg_encode, buf, len, &d);
		free(buf);
	}
	/* Flips in the hash, the epoch or the message are harmless. */
	CHECK(accepted > 1000);
}

static const struct test_section sections[] = {
	{ "layout", test_layout },
	{ "round_trip", test_round_trip },
	{ "truncation", test_truncation },
	{ "fixed_lengths", test_fixed_lengths },
	{ "header", test_header_errors },
	{ "origin_kind", test_origin_and_kind },
	{ "body", test_body_errors },
	{ "order", test_order },
	{ "parts", test_parts },
	{ "refusals", test_encode_refusals },
	{ "names", test_names },
	{ "random", test_random },
};

int
main(int argc, char **argv)
{
	names_init();
	return test_run(argc, argv, "test_chan_wire", sections,
			TEST_DIM(sections));
}
