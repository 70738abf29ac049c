/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The codec of replication's messages (include/rumor/repl_wire.h): the
 * documented bytes of an acked PUBLISH and its PUB_ACK, and of both
 * between nodes with a return path (via), round trips of every type at
 * the ends of every length, truncation at every length and extension by
 * a byte, every field out of its range, the header, origin and kind
 * rules, the order of the checks, the fixed-part codecs alone, encoder
 * refusals, what the other decoders make of these messages, and random
 * corruption. Buffers are allocated at their exact length so that ASan
 * catches any read or write beyond them.
 */
#include <endian.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/chan_wire.h"
#include "rumor/node_auth.h"
#include "rumor/repl_wire.h"
#include "rumor/ring.h"
#include "rumor/ring_replicas.h"
#include "rumor/wire.h"
#include "test.h"

#define HDR 40u		/* The rumor header. */
#define NEWS_HASH 0xcea6a9c08ead0124ull	/* Of "news", docs/protocol.md. */
#define STREAM 0x5eed000000000007ull
#define VIA 24u		/* Offset of via in both parts that carry it. */

static char chan_long[RUMOR_CHANNEL_MAX];
static uint8_t payload_buf[RUMOR_DATAGRAM_MAX];

static void
names_init(void)
{
	for (size_t i = 0; i < sizeof(chan_long); i++)
		chan_long[i] = (char)('a' + i % 26);
	for (size_t i = 0; i < sizeof(payload_buf); i++)
		payload_buf[i] = (uint8_t)(i * 7 + 3);
}

/* Every type of the codec: PUBLISH and SUBSCRIBE mean with RUMOR_F_ACK. */
static const uint8_t all_types[] = {
	RUMOR_T_DATA, RUMOR_T_SUBSCRIBE, RUMOR_T_PUB_ACK, RUMOR_T_REPLICATE,
	RUMOR_T_REPL_ACK, RUMOR_T_REPL_SYNC, RUMOR_T_REPL_STATE,
};
#define N_TYPES TEST_DIM(all_types)

/* The fixed part of each type, as documented. */
static size_t
fixed_len(uint8_t type)
{
	switch (type) {
	case RUMOR_T_DATA: case RUMOR_T_PUB_ACK: case RUMOR_T_REPLICATE:
		return 40;
	case RUMOR_T_SUBSCRIBE: case RUMOR_T_REPL_ACK:
		return 24;
	case RUMOR_T_REPL_STATE:
		return 32;
	default:
		return 0;
	}
}

static bool
has_payload(uint8_t type)
{
	return type == RUMOR_T_DATA || type == RUMOR_T_REPLICATE;
}

static uint8_t
wire_flags(uint8_t type)
{
	return type == RUMOR_T_DATA || type == RUMOR_T_SUBSCRIBE ?
			RUMOR_F_ACK : 0;
}

/* A return path of bytes that show where each one lands: 0x90 ... */
static void
via_fill(uint8_t *via)
{
	for (size_t i = 0; i < REPL_VIA_LEN; i++)
		via[i] = (uint8_t)(0x90 + i);
}

/*
 * A valid message of this type on the channel chan (len bytes) with plen
 * bytes of message where the type carries one; between nodes (a PUBLISH
 * the entry node forwards, client id and return path written; a PUB_ACK
 * to the entry node, the return path echoed) when node is true, else
 * from and towards a client (no client id, via zero). Fields are
 * patterned so that a byte in the wrong place shows.
 */
static struct repl_msg
msg_make(uint8_t type, const char *chan, size_t len, size_t plen, bool node)
{
	struct repl_msg m;

	repl_msg_init(&m, type, chan, len);
	m.hop_limit = 7;
	m.origin = type == RUMOR_T_SUBSCRIBE ||
			(type == RUMOR_T_DATA && !node) ? 0 : 0x01020304;
	m.epoch = m.origin != 0 ? 0x1112131415161718ull : 0;
	m.seq = 0x2122232425262728ull;
	switch (type) {
	case RUMOR_T_DATA:
		m.u.req.client = node ? 0x8a0b0c0d1f900000ull : 0;
		m.u.req.number = 0x0132333435363738ull;
		m.u.req.level = REPL_LEVEL_QUORUM;
		if (node)
			via_fill(m.u.req.via);
		break;
	case RUMOR_T_SUBSCRIBE:
		m.u.resume = (struct repl_resume){ .lease_ms = 30000,
			.stream = 0x4142434445464748ull,
			.seq = 0x0152535455565758ull };
		break;
	case RUMOR_T_PUB_ACK:
		m.u.pub_ack = (struct repl_pub_ack){
			.number = m.seq, .stream = 0x6162636465666768ull,
			.seq = 0x0172737475767778ull, .status = REPL_PUB_OK,
			.level = REPL_LEVEL_ALL, .held = 3 };
		if (node)
			via_fill(m.u.pub_ack.via);
		break;
	case RUMOR_T_REPLICATE:
		m.u.rep = (struct repl_replicate){
			.stream = 0x8182838485868788ull,
			.seq = 0x0192939495969798ull,
			.client = 0xa1a2a3a4a5a6a7a8ull,
			.number = 0x01b2b3b4b5b6b7b8ull,
			.committed = 0x0192939495969790ull };
		break;
	case RUMOR_T_REPL_ACK:
		m.u.ack = (struct repl_ack){ .stream = 0xc1c2c3c4c5c6c7c8ull,
			.held = 0x01d2d3d4d5d6d7d8ull,
			.status = REPL_ACK_OK };
		break;
	case RUMOR_T_REPL_STATE:
		m.u.state = (struct repl_state){
			.stream = 0xe1e2e3e4e5e6e7e8ull,
			.held = 0x01f2f3f4f5f6f7f8ull,
			.first = 0x01f2f3f4f5f6f000ull,
			.committed = 0x01f2f3f4f5f6f7f0ull };
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
msg_len(const struct repl_msg *m)
{
	return HDR + m->channel_len + fixed_len(m->type) +
			(has_payload(m->type) ? m->payload_len : 0);
}

/* True if a and b hold the same message. */
static bool
msg_equal(const struct repl_msg *a, const struct repl_msg *b)
{
	if (a->type != b->type || a->hop_limit != b->hop_limit ||
			a->origin != b->origin || a->epoch != b->epoch ||
			a->seq != b->seq ||
			a->channel_hash != b->channel_hash ||
			a->channel_len != b->channel_len ||
			memcmp(a->channel, b->channel, a->channel_len) != 0)
		return false;
	switch (a->type) {
	case RUMOR_T_DATA:
		if (a->u.req.client != b->u.req.client ||
				a->u.req.number != b->u.req.number ||
				a->u.req.level != b->u.req.level ||
				memcmp(a->u.req.via, b->u.req.via,
				REPL_VIA_LEN) != 0)
			return false;
		break;
	case RUMOR_T_SUBSCRIBE:
		if (a->u.resume.lease_ms != b->u.resume.lease_ms ||
				a->u.resume.stream != b->u.resume.stream ||
				a->u.resume.seq != b->u.resume.seq)
			return false;
		break;
	case RUMOR_T_PUB_ACK: {
		const struct repl_pub_ack *x = &a->u.pub_ack;
		const struct repl_pub_ack *y = &b->u.pub_ack;

		if (x->number != y->number ||
				x->stream != y->stream || x->seq != y->seq ||
				memcmp(x->via, y->via, REPL_VIA_LEN) != 0 ||
				x->status != y->status ||
				x->level != y->level || x->held != y->held)
			return false;
		break;
	}
	case RUMOR_T_REPLICATE: {
		const struct repl_replicate *x = &a->u.rep, *y = &b->u.rep;

		if (x->stream != y->stream || x->seq != y->seq ||
				x->client != y->client ||
				x->number != y->number ||
				x->committed != y->committed)
			return false;
		break;
	}
	case RUMOR_T_REPL_ACK:
		if (a->u.ack.stream != b->u.ack.stream ||
				a->u.ack.held != b->u.ack.held ||
				a->u.ack.status != b->u.ack.status)
			return false;
		break;
	case RUMOR_T_REPL_STATE:
		if (a->u.state.stream != b->u.state.stream ||
				a->u.state.held != b->u.state.held ||
				a->u.state.first != b->u.state.first ||
				a->u.state.committed != b->u.state.committed)
			return false;
		break;
	default:
		break;
	}
	if (!has_payload(a->type))
		return b->payload == NULL && b->payload_len == 0;
	return a->payload_len == b->payload_len &&
			(a->payload_len == 0 ||
			memcmp(a->payload, b->payload, a->payload_len) == 0);
}

#define encode_exact(m, len) \
	TEST_ENCODE_EXACT(repl_msg_encode, (m), msg_len(m), (len))

/* Decode an exact-length heap copy of buf[0..len). */
static enum chan_wire_error
decode_exact(const uint8_t *buf, size_t len)
{
	struct repl_msg d;

	return TEST_DECODE_EXACT(repl_msg_decode, buf, len, &d);
}

/* Encoding m must fail and write nothing at all. */
static void
check_refused(const struct repl_msg *m, int line)
{
	CHECK_REFUSED_BY(repl_msg_encode, m, RUMOR_DATAGRAM_MAX + 16, line);
}

#define CHECK_REFUSED(m) check_refused(&(m), __LINE__)

/* m encodes to exactly the len bytes of the hex dump, which decode to m. */
static void
check_example(size_t len, const struct repl_msg *m, const char *hex)
{
	uint8_t want[RUMOR_DATAGRAM_MAX], buf[RUMOR_DATAGRAM_MAX];
	struct repl_msg d;

	CHECK_EQ(test_hex(hex, want, sizeof(want)), len);
	CHECK_EQ(repl_msg_encode(m, buf, sizeof(buf)), len);
	CHECK(memcmp(buf, want, len) == 0);
	memset(&d, 0xee, sizeof(d));
	CHECK_EQ(repl_msg_decode(want, len, &d), CHAN_WIRE_OK);
	CHECK(msg_equal(m, &d));
}

/*
 * The examples of docs/replication.md, byte for byte: a client's PUBLISH
 * of "hello" on "news" asking for quorum (its number 1), and the PUB_ACK
 * its entry node, node 1, sends it on: ordered as sequence 5 of stream
 * 0x5eed000000000007, held by 2 replicas. Then the same two between
 * nodes: the PUBLISH as its entry node forwards it, still origin 0, with
 * the client's id and a return path written, and the owner's (node 2's)
 * PUB_ACK echoing that return path. Then every field at its documented
 * offset, written byte by byte.
 */
static void
test_layout(void)
{
	struct repl_msg m;

	m = (struct repl_msg){ .type = RUMOR_T_DATA,
		.hop_limit = RUMOR_DEFAULT_HOP_LIMIT, .seq = 1,
		.channel = "news", .channel_len = 4, .channel_hash = NEWS_HASH,
		.u.req = { .client = 0, .number = 1,
			.level = REPL_LEVEL_QUORUM },
		.payload = (const uint8_t *)"hello", .payload_len = 5 };
	check_example(89, &m,
		"52 4d 01 01 04 08 00 04  00 00 00 00 00 2d 00 00"
		"00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 01"
		"ce a6 a9 c0 8e ad 01 24  6e 65 77 73 00 00 00 00"
		"00 00 00 00 00 00 00 00  00 00 00 01 02 00 00 00"
		"00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00"
		"00 00 00 00 68 65 6c 6c  6f");

	m = (struct repl_msg){ .type = RUMOR_T_PUB_ACK, .origin = 1,
		.epoch = 1, .seq = 1, .channel = "news", .channel_len = 4,
		.channel_hash = NEWS_HASH,
		.u.pub_ack = { .number = 1, .stream = STREAM, .seq = 5,
			.status = REPL_PUB_OK, .level = REPL_LEVEL_QUORUM,
			.held = 2 } };
	check_example(84, &m,
		"52 4d 01 12 00 00 00 04  00 00 00 01 00 28 00 00"
		"00 00 00 00 00 00 00 01  00 00 00 00 00 00 00 01"
		"ce a6 a9 c0 8e ad 01 24  6e 65 77 73 00 00 00 00"
		"00 00 00 01 5e ed 00 00  00 00 00 07 00 00 00 00"
		"00 00 00 05 00 00 00 00  00 00 00 00 00 00 00 00"
		"00 00 02 02");

	/* Forwarded by the entry node: client (the client's address, top
	 * bit set) at 0, the return path at 24 .. 36. */
	m = (struct repl_msg){ .type = RUMOR_T_DATA,
		.hop_limit = RUMOR_DEFAULT_HOP_LIMIT, .seq = 1,
		.channel = "news", .channel_len = 4, .channel_hash = NEWS_HASH,
		.u.req = { .client = 0x80000a0000091f90ull, .number = 1,
			.level = REPL_LEVEL_QUORUM },
		.payload = (const uint8_t *)"hello", .payload_len = 5 };
	via_fill(m.u.req.via);
	check_example(89, &m,
		"52 4d 01 01 04 08 00 04  00 00 00 00 00 2d 00 00"
		"00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 01"
		"ce a6 a9 c0 8e ad 01 24  6e 65 77 73 80 00 0a 00"
		"00 09 1f 90 00 00 00 00  00 00 00 01 02 00 00 00"
		"00 00 00 00 90 91 92 93  94 95 96 97 98 99 9a 9b"
		"9c 00 00 00 68 65 6c 6c  6f");

	/* The owner's answer to it: the return path where it was. */
	m = (struct repl_msg){ .type = RUMOR_T_PUB_ACK, .origin = 2,
		.epoch = 1, .seq = 1, .channel = "news", .channel_len = 4,
		.channel_hash = NEWS_HASH,
		.u.pub_ack = { .number = 1, .stream = STREAM, .seq = 5,
			.status = REPL_PUB_OK, .level = REPL_LEVEL_QUORUM,
			.held = 2 } };
	via_fill(m.u.pub_ack.via);
	check_example(84, &m,
		"52 4d 01 12 00 00 00 04  00 00 00 02 00 28 00 00"
		"00 00 00 00 00 00 00 01  00 00 00 00 00 00 00 01"
		"ce a6 a9 c0 8e ad 01 24  6e 65 77 73 00 00 00 00"
		"00 00 00 01 5e ed 00 00  00 00 00 07 00 00 00 00"
		"00 00 00 05 90 91 92 93  94 95 96 97 98 99 9a 9b"
		"9c 00 02 02");

	/* Each type's fields where docs/replication.md puts them. */
	for (size_t t = 0; t < N_TYPES; t++) {
		struct repl_msg r = msg_make(all_types[t], "news", 4, 3,
				true);
		size_t len;
		uint8_t *buf = encode_exact(&r, &len);
		const uint8_t *b = buf + HDR + 4;

		CHECK_EQ(len, msg_len(&r));
		CHECK_EQ(buf[3], r.type);
		CHECK_EQ(buf[4], wire_flags(r.type));
		CHECK_EQ(test_get(buf + 12, 2), fixed_len(r.type) +
				(has_payload(r.type) ? 3 : 0));
		switch (r.type) {
		case RUMOR_T_DATA:
			CHECK_EQ(test_get(b, 8), r.u.req.client);
			CHECK_EQ(test_get(b + 8, 8), r.u.req.number);
			CHECK_EQ(b[16], r.u.req.level);
			CHECK_UNTOUCHED(b + 17, 7, 0);
			CHECK(memcmp(b + VIA, r.u.req.via, REPL_VIA_LEN) == 0);
			CHECK_EQ(b[VIA], 0x90);
			CHECK_UNTOUCHED(b + 37, 3, 0);
			break;
		case RUMOR_T_SUBSCRIBE:
			CHECK_EQ(test_get(b, 4), r.u.resume.lease_ms);
			CHECK_EQ(test_get(b + 4, 4), 0);
			CHECK_EQ(test_get(b + 8, 8), r.u.resume.stream);
			CHECK_EQ(test_get(b + 16, 8), r.u.resume.seq);
			break;
		case RUMOR_T_PUB_ACK:
			CHECK_EQ(test_get(b, 8), r.u.pub_ack.number);
			CHECK_EQ(test_get(b + 8, 8), r.u.pub_ack.stream);
			CHECK_EQ(test_get(b + 16, 8), r.u.pub_ack.seq);
			CHECK(memcmp(b + VIA, r.u.pub_ack.via,
					REPL_VIA_LEN) == 0);
			CHECK_EQ(b[VIA + REPL_VIA_LEN - 1], 0x9c);
			CHECK_EQ(b[37], r.u.pub_ack.status);
			CHECK_EQ(b[38], r.u.pub_ack.level);
			CHECK_EQ(b[39], r.u.pub_ack.held);
			break;
		case RUMOR_T_REPLICATE:
			CHECK_EQ(test_get(b, 8), r.u.rep.stream);
			CHECK_EQ(test_get(b + 8, 8), r.u.rep.seq);
			CHECK_EQ(test_get(b + 16, 8), r.u.rep.client);
			CHECK_EQ(test_get(b + 24, 8), r.u.rep.number);
			CHECK_EQ(test_get(b + 32, 8), r.u.rep.committed);
			break;
		case RUMOR_T_REPL_ACK:
			CHECK_EQ(test_get(b, 8), r.u.ack.stream);
			CHECK_EQ(test_get(b + 8, 8), r.u.ack.held);
			CHECK_EQ(b[16], r.u.ack.status);
			break;
		case RUMOR_T_REPL_STATE:
			CHECK_EQ(test_get(b, 8), r.u.state.stream);
			CHECK_EQ(test_get(b + 8, 8), r.u.state.held);
			CHECK_EQ(test_get(b + 16, 8), r.u.state.first);
			CHECK_EQ(test_get(b + 24, 8), r.u.state.committed);
			break;
		default:
			break;
		}
		if (has_payload(r.type))
			CHECK(memcmp(b + 40, payload_buf, 3) == 0);
		free(buf);
	}
	CHECK_EQ(REPL_PUB_REQ_LEN, 40);
	CHECK_EQ(REPL_PUB_ACK_LEN, 40);
	CHECK_EQ(REPL_REPLICATE_LEN, 40);
	CHECK_EQ(REPL_ACK_LEN, 24);
	CHECK_EQ(REPL_SYNC_LEN, 0);
	CHECK_EQ(REPL_STATE_LEN, 32);
	CHECK_EQ(REPL_RESUME_LEN, 24);
	CHECK_EQ(CHAN_MSG_FIXED_MAX, 40);
	CHECK_EQ(REPL_VIA_LEN, 13);
	CHECK_EQ(REPL_HELD_MAX, RING_REPLICAS_MAX);
	CHECK(REPL_HELD_MAX <= UINT8_MAX);
}

/* Round trip m: exact buffer, roomier buffer, odd address, short one. */
static void
check_round_trip(const struct repl_msg *m)
{
	size_t want = msg_len(m), len;
	uint8_t *buf = encode_exact(m, &len);
	uint8_t big[RUMOR_DATAGRAM_MAX + 16];
	struct repl_msg d;
	uint8_t *odd;

	if (!CHECK_EQ(len, want)) {
		fprintf(stderr, "  (type %s, channel %zu, payload %zu)\n",
				chan_type_name(m->type), m->channel_len,
				m->payload_len);
		free(buf);
		return;
	}
	memset(&d, 0xee, sizeof(d));
	CHECK_EQ(TEST_DECODE_EXACT(repl_msg_decode, buf, len, &d),
			CHAN_WIRE_OK);
	/* d points into a freed copy: compare only its fields. */
	d.channel = m->channel;
	if (has_payload(m->type)) {
		CHECK_EQ(d.payload_len, m->payload_len);
		d.payload = m->payload;
	}
	CHECK(msg_equal(m, &d));
	/* Decoded in place, payload and channel point into buf. */
	CHECK_EQ(repl_msg_decode(buf, len, &d), CHAN_WIRE_OK);
	CHECK((const uint8_t *)d.channel == buf + HDR);
	if (has_payload(m->type))
		CHECK(d.payload == buf + HDR + m->channel_len + 40);
	CHECK_REENCODES(repl_msg_encode, &d, buf, len);
	/* The whole header passes the dataplane's check too. */
	CHECK_EQ(rumor_hdr_check(buf, len), RUMOR_HDR_OK);

	memset(big, 0xa5, sizeof(big));
	CHECK_EQ(repl_msg_encode(m, big, sizeof(big)), len);
	CHECK(memcmp(big, buf, len) == 0);
	CHECK_UNTOUCHED(big + len, sizeof(big) - len, 0xa5);
	odd = test_alloc_exact(len + 1);
	CHECK_EQ(repl_msg_encode(m, odd + 1, len), len);
	CHECK(memcmp(odd + 1, buf, len) == 0);
	CHECK_EQ(repl_msg_decode(odd + 1, len, &d), CHAN_WIRE_OK);
	free(odd);
	CHECK_REFUSED_BY(repl_msg_encode, m, want - 1, __LINE__);
	free(buf);
}

/* Every type, on names of 1, 4 and 255 bytes, at the ends of each size. */
static void
test_round_trip(void)
{
	static const struct {
		const char *name;
		size_t len;
	} chans[] = { { "x", 1 }, { "news", 4 }, { chan_long, 255 } };

	for (size_t c = 0; c < TEST_DIM(chans); c++) {
		size_t max = chan_payload_max(chans[c].len);
		const size_t plens[] = { 0, 1, max - 1, max };

		for (size_t t = 0; t < N_TYPES; t++) {
			for (size_t p = 0; p < TEST_DIM(plens); p++) {
				struct repl_msg m = msg_make(all_types[t],
						chans[c].name, chans[c].len,
						plens[p], p & 1);

				check_round_trip(&m);
				if (!has_payload(all_types[t]))
					break;
			}
		}
	}
	/* The largest acked PUBLISH and REPLICATE fill a datagram with an
	 * auth block. */
	for (size_t t = 0; t < 2; t++) {
		uint8_t type = t ? RUMOR_T_REPLICATE : RUMOR_T_DATA;
		struct repl_msg m = msg_make(type, "news", 4,
				chan_payload_max(4), true);

		CHECK_EQ(msg_len(&m) + RUMOR_AUTH_LEN, RUMOR_DATAGRAM_MAX);
	}
	/* Limits of every field that has them, each accepted. */
	{
		struct repl_msg m;

		m = msg_make(RUMOR_T_DATA, "n", 1, 0, false);
		m.u.req.number = CHAN_SEQ_MAX;
		m.u.req.level = REPL_LEVEL_OWNER;
		check_round_trip(&m);
		m.u.req.number = 1;
		m.u.req.level = REPL_LEVEL_ALL;
		check_round_trip(&m);
		/* Client and via are not the codec's to judge: any value,
		 * whoever sends it. */
		m.u.req.client = UINT64_MAX;
		memset(m.u.req.via, 0xff, REPL_VIA_LEN);
		check_round_trip(&m);
		m.origin = 7;
		m.u.req.client = 0;
		via_fill(m.u.req.via);
		check_round_trip(&m);
		m = msg_make(RUMOR_T_SUBSCRIBE, "n", 1, 0, false);
		m.u.resume = (struct repl_resume){ .lease_ms = 0,
			.stream = 1, .seq = 1 };
		check_round_trip(&m);
		m.u.resume = (struct repl_resume){
			.lease_ms = CHAN_LEASE_MAX_MS, .stream = UINT64_MAX,
			.seq = CHAN_SEQ_MAX };
		check_round_trip(&m);
		m = msg_make(RUMOR_T_PUB_ACK, "n", 1, 0, false);
		m.u.pub_ack.held = REPL_HELD_MAX;
		m.u.pub_ack.status = REPL_PUB_DUPLICATE;
		check_round_trip(&m);
		m.u.pub_ack.held = 0;
		m.u.pub_ack.level = REPL_LEVEL_OWNER;
		m.u.pub_ack.seq = CHAN_SEQ_MAX;
		m.seq = m.u.pub_ack.number = CHAN_SEQ_MAX;
		memset(m.u.pub_ack.via, 0xff, REPL_VIA_LEN);
		check_round_trip(&m);
		m.u.pub_ack.status = REPL_PUB_DUPLICATE;
		m.u.pub_ack.seq = 0;
		check_round_trip(&m);
		/* Every refusal, OWNED_LIMIT the last, with a return path
		 * (to the entry node) or without (to the client). */
		for (uint8_t s = REPL_PUB_NOT_OWNER; s < REPL_PUB_STATUS_MAX;
				s++) {
			m.u.pub_ack = (struct repl_pub_ack){ .number = 1,
				.status = s };
			m.seq = 1;
			check_round_trip(&m);
			via_fill(m.u.pub_ack.via);
			check_round_trip(&m);
		}
		CHECK_EQ(m.u.pub_ack.status, REPL_PUB_OWNED_LIMIT);
		m = msg_make(RUMOR_T_REPLICATE, "n", 1, 0, false);
		m.u.rep = (struct repl_replicate){ .stream = 1, .seq = 1 };
		check_round_trip(&m);
		m.u.rep = (struct repl_replicate){ .stream = UINT64_MAX,
			.seq = CHAN_SEQ_MAX, .client = UINT64_MAX,
			.number = CHAN_SEQ_MAX, .committed = CHAN_SEQ_MAX - 1 };
		check_round_trip(&m);
		m = msg_make(RUMOR_T_REPL_ACK, "n", 1, 0, false);
		for (uint8_t s = 0; s < REPL_ACK_STATUS_MAX; s++) {
			m.u.ack = (struct repl_ack){ .stream = 1,
				.held = s == 1 ? CHAN_SEQ_MAX : 0,
				.status = s };
			check_round_trip(&m);
		}
		m = msg_make(RUMOR_T_REPL_STATE, "n", 1, 0, false);
		m.u.state = (struct repl_state){ 0 };
		check_round_trip(&m);
		m.u.state = (struct repl_state){ .stream = 1, .committed = 5 };
		check_round_trip(&m);
		m.u.state = (struct repl_state){ .stream = 1, .held = 7,
			.first = 7 };
		check_round_trip(&m);
		m.u.state = (struct repl_state){ .stream = UINT64_MAX,
			.held = CHAN_SEQ_MAX, .first = 1,
			.committed = CHAN_SEQ_MAX - 1 };
		check_round_trip(&m);
	}
}

/*
 * Truncated at every length, each type is refused: SHORT under the
 * header, LENGTH after it (the header's lengths no longer add up); and
 * with the header's payload_len cut to match, the fixed part is too
 * short (LENGTH). One byte more is a message byte for the types with
 * one, and LENGTH for the others.
 */
static void
test_truncation(void)
{
	for (size_t t = 0; t < N_TYPES; t++) {
		uint8_t type = all_types[t];
		struct repl_msg m = msg_make(type, "news", 4, 9, true);
		size_t len, fixed = fixed_len(type);
		uint8_t *buf = encode_exact(&m, &len);
		uint8_t *longer;

		for (size_t cut = 0; cut < len; cut++) {
			uint8_t *shorter = test_copy_exact(buf, cut);

			CHECK_EQ(decode_exact(shorter, cut), cut < HDR ?
					CHAN_WIRE_SHORT : CHAN_WIRE_LENGTH);
			if (cut >= HDR + 4) {
				size_t body = cut - HDR - 4;
				enum chan_wire_error want = body < fixed ||
						(!has_payload(type) &&
						body != fixed) ?
						CHAN_WIRE_LENGTH :
						CHAN_WIRE_OK;

				test_put(shorter + 12, 2, body);
				if (!CHECK_EQ(decode_exact(shorter, cut),
						want))
					fprintf(stderr, "  (%s cut at %zu)\n",
						chan_type_name(type), cut);
			}
			free(shorter);
		}
		longer = test_alloc_exact(len + 1);
		memcpy(longer, buf, len);
		longer[len] = 0;
		test_put(longer + 12, 2, len + 1 - HDR - 4);
		CHECK_EQ(decode_exact(longer, len + 1), has_payload(type) ?
				CHAN_WIRE_OK : CHAN_WIRE_LENGTH);
		free(longer);
		free(buf);
	}
	/* The part decoders alone, at every length up to one over. */
	for (size_t n = 0; n <= 41; n++) {
		uint8_t *p = test_alloc_exact(n);
		struct repl_pub_req rq;
		struct repl_pub_ack pa;
		struct repl_replicate rp;
		struct repl_ack ak;
		struct repl_state st;
		struct repl_resume rs;

		memset(p, 0, n);
		CHECK(repl_pub_req_decode(p, n, &rq) == CHAN_WIRE_LENGTH ||
				n >= 40);
		CHECK(repl_pub_ack_decode(p, n, &pa) == CHAN_WIRE_LENGTH ||
				n == 40);
		CHECK(repl_replicate_decode(p, n, &rp) == CHAN_WIRE_LENGTH ||
				n >= 40);
		CHECK(repl_ack_decode(p, n, &ak) == CHAN_WIRE_LENGTH ||
				n == 24);
		CHECK(repl_state_decode(p, n, &st) == CHAN_WIRE_LENGTH ||
				n == 32);
		CHECK(repl_resume_decode(p, n, &rs) == CHAN_WIRE_LENGTH ||
				n == 24);
		free(p);
	}
}

/*
 * Set a width-byte field at off of a copy of good (len bytes) to value
 * and decode it: want is the verdict.
 */
static void
check_field(const uint8_t *good, size_t len, size_t off, unsigned width,
		uint64_t value, enum chan_wire_error want, int line)
{
	uint8_t *bad = test_copy_exact(good, len);
	enum chan_wire_error e;

	test_put(bad + off, width, value);
	e = decode_exact(bad, len);
	if (!CHECK_EQ(e, want))
		fprintf(stderr, "  (line %d: offset %zu = %#llx: %s)\n", line,
				off, (unsigned long long)value,
				chan_wire_error_name(e));
	free(bad);
}

#define CHECK_FIELD(off, width, value, want) \
	check_field(good, len, B + (off), (width), (value), (want), __LINE__)

/* A fresh valid message of type on "news" in good, its length in len. */
#define GOOD(type, node) do {						\
	struct repl_msg m_ = msg_make((type), "news", 4, 5, (node));	\
									\
	free(good);							\
	good = encode_exact(&m_, &len);					\
	CHECK_EQ(decode_exact(good, len), CHAN_WIRE_OK);		\
} while (0)

/* The body starts after the header and "news". */
#define B (HDR + 4)

/* A sequence field: 1 and the top accepted, 0 and beyond refused. */
static void
check_seq(const uint8_t *good, size_t len, size_t off, bool zero_ok,
		enum chan_wire_error want, int line)
{
	check_field(good, len, off, 8, 1, CHAN_WIRE_OK, line);
	check_field(good, len, off, 8, CHAN_SEQ_MAX, CHAN_WIRE_OK, line);
	check_field(good, len, off, 8, 0, zero_ok ? CHAN_WIRE_OK : want, line);
	check_field(good, len, off, 8, CHAN_SEQ_MAX + 1, want, line);
	check_field(good, len, off, 8, UINT64_MAX, want, line);
}

#define CHECK_SEQ(off, zero_ok, want) \
	check_seq(good, len, B + (off), (zero_ok), (want), __LINE__)

/* Each field of each fixed part out of its range. */
static void
test_fields(void)
{
	uint8_t *good = NULL;
	size_t len;

	/*
	 * Ack request: number, level, the reserved bytes around via. The
	 * client and via are any value from anyone: the receiving node
	 * knows whether a client or a member wrote them, the codec not.
	 */
	GOOD(RUMOR_T_DATA, false);
	CHECK_FIELD(0, 8, 1, CHAN_WIRE_OK);
	CHECK_FIELD(0, 8, UINT64_MAX, CHAN_WIRE_OK);
	CHECK_SEQ(8, false, CHAN_WIRE_NUMBER);
	CHECK_FIELD(16, 1, REPL_LEVEL_NONE, CHAN_WIRE_LEVEL);
	CHECK_FIELD(16, 1, REPL_LEVEL_OWNER, CHAN_WIRE_OK);
	CHECK_FIELD(16, 1, REPL_LEVEL_ALL, CHAN_WIRE_OK);
	CHECK_FIELD(16, 1, REPL_LEVEL_MAX, CHAN_WIRE_LEVEL);
	CHECK_FIELD(16, 1, 0xff, CHAN_WIRE_LEVEL);
	for (size_t i = 17; i < 40; i++) {
		bool via = i >= VIA && i < VIA + REPL_VIA_LEN;

		CHECK_FIELD(i, 1, 0x01, via ? CHAN_WIRE_OK :
				CHAN_WIRE_RESERVED);
		CHECK_FIELD(i, 1, 0x80, via ? CHAN_WIRE_OK :
				CHAN_WIRE_RESERVED);
	}
	for (unsigned v = 0; v <= 0xff; v++) {
		CHECK_FIELD(VIA, 1, v, CHAN_WIRE_OK);
		CHECK_FIELD(VIA + REPL_VIA_LEN - 1, 1, v, CHAN_WIRE_OK);
	}
	CHECK_FIELD(VIA, 8, UINT64_MAX, CHAN_WIRE_OK);
	CHECK_FIELD(VIA + 5, 8, UINT64_MAX, CHAN_WIRE_OK);
	GOOD(RUMOR_T_DATA, true);
	CHECK_FIELD(0, 8, 0, CHAN_WIRE_OK);
	CHECK_FIELD(0, 8, UINT64_MAX, CHAN_WIRE_OK);
	CHECK_FIELD(VIA, 8, 0, CHAN_WIRE_OK);
	CHECK_FIELD(VIA + 5, 8, 0, CHAN_WIRE_OK);
	CHECK_FIELD(23, 1, 0x01, CHAN_WIRE_RESERVED);
	CHECK_FIELD(37, 1, 0x01, CHAN_WIRE_RESERVED);

	/* Resume point: lease, reserved, stream, seq. */
	GOOD(RUMOR_T_SUBSCRIBE, false);
	CHECK_FIELD(0, 4, 0, CHAN_WIRE_OK);
	CHECK_FIELD(0, 4, CHAN_LEASE_MAX_MS, CHAN_WIRE_OK);
	CHECK_FIELD(0, 4, CHAN_LEASE_MAX_MS + 1, CHAN_WIRE_LEASE);
	CHECK_FIELD(0, 4, UINT32_MAX, CHAN_WIRE_LEASE);
	for (size_t i = 4; i < 8; i++)
		CHECK_FIELD(i, 1, 0x80, CHAN_WIRE_RESERVED);
	CHECK_FIELD(8, 8, 0, CHAN_WIRE_STREAM);
	CHECK_SEQ(16, false, CHAN_WIRE_SEQ);

	/*
	 * PUB_ACK, ordered: number, stream, seq, status, level, held; via
	 * any value (the request's, echoed; zero towards the client). No
	 * byte of it is reserved.
	 */
	GOOD(RUMOR_T_PUB_ACK, true);
	CHECK_FIELD(0, 8, 0, CHAN_WIRE_NUMBER);
	CHECK_FIELD(0, 8, CHAN_SEQ_MAX + 1, CHAN_WIRE_NUMBER);
	CHECK_FIELD(0, 8, 1, CHAN_WIRE_NUMBER);	/* Not the header's seq. */
	CHECK_FIELD(8, 8, 0, CHAN_WIRE_STREAM);
	CHECK_FIELD(8, 8, UINT64_MAX, CHAN_WIRE_OK);
	CHECK_SEQ(16, false, CHAN_WIRE_SEQ);
	for (size_t i = VIA; i < VIA + REPL_VIA_LEN; i++) {
		CHECK_FIELD(i, 1, 0x00, CHAN_WIRE_OK);
		CHECK_FIELD(i, 1, 0x01, CHAN_WIRE_OK);
		CHECK_FIELD(i, 1, 0xff, CHAN_WIRE_OK);
	}
	for (unsigned v = 0; v <= 0xff; v++) {
		CHECK_FIELD(VIA, 1, v, CHAN_WIRE_OK);
		CHECK_FIELD(VIA + REPL_VIA_LEN - 1, 1, v, CHAN_WIRE_OK);
	}
	CHECK_FIELD(VIA, 8, 0, CHAN_WIRE_OK);	/* Towards the client. */
	CHECK_FIELD(VIA + 5, 8, 0, CHAN_WIRE_OK);
	CHECK_FIELD(VIA, 8, UINT64_MAX, CHAN_WIRE_OK);
	CHECK_FIELD(VIA + 5, 8, UINT64_MAX, CHAN_WIRE_OK);
	CHECK_FIELD(37, 1, REPL_PUB_DUPLICATE, CHAN_WIRE_OK);
	for (unsigned s = REPL_PUB_NOT_OWNER; s < REPL_PUB_STATUS_MAX; s++)
		CHECK_FIELD(37, 1, s, CHAN_WIRE_STATUS);
	CHECK_FIELD(37, 1, REPL_PUB_STATUS_MAX, CHAN_WIRE_STATUS);
	CHECK_FIELD(37, 1, 0xff, CHAN_WIRE_STATUS);
	CHECK_FIELD(38, 1, REPL_LEVEL_NONE, CHAN_WIRE_LEVEL);
	CHECK_FIELD(38, 1, REPL_LEVEL_OWNER, CHAN_WIRE_OK);
	CHECK_FIELD(38, 1, REPL_LEVEL_MAX, CHAN_WIRE_LEVEL);
	CHECK_FIELD(38, 1, 0xff, CHAN_WIRE_LEVEL);
	CHECK_FIELD(39, 1, 0, CHAN_WIRE_OK);
	CHECK_FIELD(39, 1, REPL_HELD_MAX, CHAN_WIRE_OK);
	CHECK_FIELD(39, 1, REPL_HELD_MAX + 1, CHAN_WIRE_RANGE);
	CHECK_FIELD(39, 1, UINT8_MAX, CHAN_WIRE_RANGE);
	/*
	 * A DUPLICATE of a number below the client's highest says its
	 * stream alone (seq 0); an OK always says both.
	 */
	{
		uint8_t *dup = test_copy_exact(good, len);

		dup[B + 37] = REPL_PUB_DUPLICATE;
		check_field(dup, len, B + 16, 8, 0, CHAN_WIRE_OK, __LINE__);
		test_put(dup + B + 16, 8, 0);
		check_field(dup, len, B + 8, 8, 0, CHAN_WIRE_STREAM, __LINE__);
		check_field(dup, len, B + 37, 1, REPL_PUB_OK, CHAN_WIRE_SEQ,
				__LINE__);
		check_field(dup, len, B + 38, 1, REPL_LEVEL_NONE,
				CHAN_WIRE_LEVEL, __LINE__);
		check_field(dup, len, B + 39, 1, REPL_HELD_MAX + 1,
				CHAN_WIRE_RANGE, __LINE__);
		free(dup);
	}
	/* A refusal says nothing but its status (and where it goes). */
	for (unsigned s = REPL_PUB_NOT_OWNER; s < REPL_PUB_STATUS_MAX; s++) {
		struct repl_msg r = msg_make(RUMOR_T_PUB_ACK, "news", 4, 0,
				true);

		r.u.pub_ack = (struct repl_pub_ack){ .number = r.seq,
			.status = (uint8_t)s };
		via_fill(r.u.pub_ack.via);
		free(good);
		good = encode_exact(&r, &len);
		CHECK_EQ(decode_exact(good, len), CHAN_WIRE_OK);
		CHECK_FIELD(8, 8, 1, CHAN_WIRE_STATUS);
		CHECK_FIELD(16, 8, 1, CHAN_WIRE_STATUS);
		CHECK_FIELD(38, 1, REPL_LEVEL_OWNER, CHAN_WIRE_STATUS);
		CHECK_FIELD(39, 1, 1, CHAN_WIRE_STATUS);
		CHECK_FIELD(VIA, 8, 0, CHAN_WIRE_OK);
		CHECK_FIELD(VIA + 5, 8, UINT64_MAX, CHAN_WIRE_OK);
		CHECK_FIELD(37, 1, REPL_PUB_OK, CHAN_WIRE_STREAM);
		CHECK_FIELD(37, 1, REPL_PUB_DUPLICATE, CHAN_WIRE_STREAM);
		CHECK_FIELD(37, 1, REPL_PUB_TOO_BIG, CHAN_WIRE_OK);
		CHECK_FIELD(37, 1, REPL_PUB_TOKEN, CHAN_WIRE_OK);
		CHECK_FIELD(37, 1, REPL_PUB_TOO_OLD, CHAN_WIRE_OK);
		CHECK_FIELD(37, 1, REPL_PUB_OWNED_LIMIT, CHAN_WIRE_OK);
		CHECK_FIELD(37, 1, REPL_PUB_STATUS_MAX, CHAN_WIRE_STATUS);
	}

	/* REPLICATE: stream, seq, client and number, committed. */
	GOOD(RUMOR_T_REPLICATE, true);
	CHECK_FIELD(0, 8, 0, CHAN_WIRE_STREAM);
	CHECK_FIELD(0, 8, UINT64_MAX, CHAN_WIRE_OK);
	CHECK_FIELD(8, 8, 0, CHAN_WIRE_SEQ);
	CHECK_FIELD(8, 8, CHAN_SEQ_MAX + 1, CHAN_WIRE_SEQ);
	CHECK_FIELD(8, 8, CHAN_SEQ_MAX, CHAN_WIRE_OK);
	CHECK_FIELD(16, 8, 0, CHAN_WIRE_CLIENT);
	CHECK_FIELD(24, 8, 0, CHAN_WIRE_CLIENT);
	CHECK_FIELD(24, 8, CHAN_SEQ_MAX, CHAN_WIRE_OK);
	CHECK_FIELD(24, 8, CHAN_SEQ_MAX + 1, CHAN_WIRE_NUMBER);
	CHECK_FIELD(32, 8, 0, CHAN_WIRE_OK);
	/* committed 0 .. seq - 1 (seq is 0x0192939495969798). */
	CHECK_FIELD(32, 8, 0x0192939495969797ull, CHAN_WIRE_OK);
	CHECK_FIELD(32, 8, 0x0192939495969798ull, CHAN_WIRE_SEQ);
	CHECK_FIELD(32, 8, UINT64_MAX, CHAN_WIRE_SEQ);
	{
		/* Neither client nor number: a PUBLISH without a request. */
		uint8_t *both = test_copy_exact(good, len);

		test_put(both + B + 16, 8, 0);
		test_put(both + B + 24, 8, 0);
		CHECK_EQ(decode_exact(both, len), CHAN_WIRE_OK);
		free(both);
	}

	/* REPL_ACK: stream, held, status, reserved. */
	GOOD(RUMOR_T_REPL_ACK, true);
	CHECK_FIELD(0, 8, 0, CHAN_WIRE_STREAM);
	CHECK_SEQ(8, true, CHAN_WIRE_SEQ);
	CHECK_FIELD(16, 1, REPL_ACK_NOT_REPLICA, CHAN_WIRE_OK);
	CHECK_FIELD(16, 1, REPL_ACK_STALE, CHAN_WIRE_OK);
	CHECK_FIELD(16, 1, REPL_ACK_STATUS_MAX, CHAN_WIRE_STATUS);
	CHECK_FIELD(16, 1, 0xff, CHAN_WIRE_STATUS);
	for (size_t i = 17; i < 24; i++)
		CHECK_FIELD(i, 1, 0x40, CHAN_WIRE_RESERVED);

	/* REPL_STATE: stream, held, first, committed. */
	GOOD(RUMOR_T_REPL_STATE, true);
	CHECK_FIELD(0, 8, 0, CHAN_WIRE_STREAM);
	CHECK_FIELD(8, 8, CHAN_SEQ_MAX, CHAN_WIRE_OK);
	CHECK_FIELD(8, 8, CHAN_SEQ_MAX + 1, CHAN_WIRE_SEQ);
	CHECK_FIELD(8, 8, 0, CHAN_WIRE_RANGE);	/* Below first. */
	CHECK_FIELD(8, 8, 0x01f2f3f4f5f6f000ull, CHAN_WIRE_OK);	/* = first. */
	CHECK_FIELD(8, 8, 0x01f2f3f4f5f6efffull, CHAN_WIRE_RANGE);
	CHECK_FIELD(16, 8, 1, CHAN_WIRE_OK);
	CHECK_FIELD(16, 8, 0, CHAN_WIRE_RANGE);	/* None, but a held. */
	CHECK_FIELD(16, 8, 0x01f2f3f4f5f6f7f9ull, CHAN_WIRE_RANGE);
	CHECK_FIELD(16, 8, CHAN_SEQ_MAX + 1, CHAN_WIRE_SEQ);
	CHECK_FIELD(24, 8, 0, CHAN_WIRE_OK);
	CHECK_FIELD(24, 8, CHAN_SEQ_MAX - 1, CHAN_WIRE_OK);
	CHECK_FIELD(24, 8, CHAN_SEQ_MAX, CHAN_WIRE_SEQ);
	CHECK_FIELD(24, 8, UINT64_MAX, CHAN_WIRE_SEQ);
	{
		/* No stream: no state; each field alone then refused. */
		struct repl_msg r = msg_make(RUMOR_T_REPL_STATE, "news", 4,
				0, true);

		r.u.state = (struct repl_state){ 0 };
		free(good);
		good = encode_exact(&r, &len);
		CHECK_EQ(decode_exact(good, len), CHAN_WIRE_OK);
		CHECK_FIELD(8, 8, 1, CHAN_WIRE_STREAM);
		CHECK_FIELD(16, 8, 1, CHAN_WIRE_STREAM);
		CHECK_FIELD(24, 8, 1, CHAN_WIRE_STREAM);
		/* A stream and nothing held: fine. */
		CHECK_FIELD(0, 8, 1, CHAN_WIRE_OK);
	}

	/* REPL_SYNC: nothing after the name. */
	GOOD(RUMOR_T_REPL_SYNC, true);
	CHECK_EQ(len, HDR + 4);
	free(good);
}

#undef B

/* The header: flags, types, the reserved word, and what follows from it. */
static void
test_header(void)
{
	for (size_t t = 0; t < N_TYPES; t++) {
		uint8_t type = all_types[t];
		struct repl_msg m = msg_make(type, "news", 4, 2, true);
		size_t len;
		uint8_t *good = encode_exact(&m, &len);
		const uint8_t flags = wire_flags(type);

		/* HEADER: magic, version, a flag but ACK, reserved. */
		check_field(good, len, 0, 1, 0x53, CHAN_WIRE_HEADER, __LINE__);
		check_field(good, len, 2, 1, 2, CHAN_WIRE_HEADER, __LINE__);
		for (unsigned bit = 0; bit < 8; bit++) {
			uint8_t f = (uint8_t)(1u << bit);

			if (f == RUMOR_F_ACK)
				continue;
			check_field(good, len, 4, 1, flags | f,
					CHAN_WIRE_HEADER, __LINE__);
		}
		check_field(good, len, 14, 2, 1, CHAN_WIRE_HEADER, __LINE__);
		/* TYPE: the flag where the type has none, or none. */
		check_field(good, len, 4, 1, flags ^ RUMOR_F_ACK,
				CHAN_WIRE_TYPE, __LINE__);
		/* CHANNEL and LENGTH as chan_hdr_decode has them. */
		check_field(good, len, 6, 2, 0, CHAN_WIRE_CHANNEL, __LINE__);
		check_field(good, len, 12, 2, len - HDR - 4 + 1,
				CHAN_WIRE_LENGTH, __LINE__);
		free(good);
	}
	/* Every other type, with the flag or without. */
	{
		struct repl_msg m = msg_make(RUMOR_T_REPL_SYNC, "news", 4, 0,
				true);
		size_t len;
		uint8_t *good = encode_exact(&m, &len);

		for (unsigned t = 0; t <= 0xff; t++) {
			bool ours = t >= RUMOR_T_PUB_ACK &&
					t <= RUMOR_T_REPL_STATE;
			bool acked = t == RUMOR_T_DATA ||
					t == RUMOR_T_SUBSCRIBE;

			if (!ours)
				check_field(good, len, 3, 1, t,
						CHAN_WIRE_TYPE, __LINE__);
			if (!acked) {
				uint8_t *bad = test_copy_exact(good, len);

				bad[3] = (uint8_t)t;
				bad[4] = RUMOR_F_ACK;
				CHECK_EQ(decode_exact(bad, len),
						CHAN_WIRE_TYPE);
				free(bad);
			}
		}
		free(good);
	}
	/* Over a datagram, even with lengths that add up. */
	{
		size_t over = RUMOR_DATAGRAM_MAX + 1;
		struct repl_msg m = msg_make(RUMOR_T_REPLICATE, "news", 4,
				chan_payload_max(4), true);
		uint8_t *bad = test_alloc_exact(over);

		/* The largest leaves an auth block's room; then zeros. */
		CHECK_EQ(repl_msg_encode(&m, bad, over), RUMOR_DATAGRAM_MAX -
				RUMOR_AUTH_LEN);
		memset(bad + RUMOR_DATAGRAM_MAX - RUMOR_AUTH_LEN, 0,
				RUMOR_AUTH_LEN + 1);
		test_put(bad + 12, 2, over - HDR - 4);
		CHECK_EQ(decode_exact(bad, over), CHAN_WIRE_LENGTH);
		free(bad);
	}
}

/* Who sends what, on which kind of channel, and what a header implies. */
static void
test_origin_kind(void)
{
	for (size_t t = 0; t < N_TYPES; t++) {
		uint8_t type = all_types[t];
		struct repl_msg m = msg_make(type, "news", 4, 2, true);
		size_t len;
		uint8_t *good = encode_exact(&m, &len);

		/* A resume point from a client only; the rest from nodes. */
		if (type == RUMOR_T_SUBSCRIBE)
			check_field(good, len, 8, 4, 1, CHAN_WIRE_ORIGIN,
					__LINE__);
		else if (type != RUMOR_T_DATA)
			check_field(good, len, 8, 4, 0, CHAN_WIRE_ORIGIN,
					__LINE__);
		free(good);
		m.origin = type == RUMOR_T_SUBSCRIBE ? 1 : 0;
		if (type != RUMOR_T_DATA)
			CHECK_REFUSED(m);

		/* Never on a broadcast channel. */
		m = msg_make(type, "@news", 5, 2, true);
		CHECK_REFUSED(m);
		m.channel = "news";
		m.channel_len = 4;
		good = encode_exact(&m, &len);
		good[HDR] = CHAN_BROADCAST_PREFIX;
		CHECK_EQ(decode_exact(good, len), CHAN_WIRE_KIND);
		free(good);
	}
	/*
	 * The ack request's client and via do not go with the header's
	 * origin: an entry node forwards a client's PUBLISH with origin 0
	 * and the client's id written, and only the receiver knows whether
	 * a client or a member sent it. CLIENT never arises for a PUBLISH.
	 */
	{
		struct repl_msg m = msg_make(RUMOR_T_DATA, "news", 4, 2, false);
		size_t len;
		uint8_t *good = encode_exact(&m, &len);

		CHECK_EQ(decode_exact(good, len), CHAN_WIRE_OK);
		check_field(good, len, 8, 4, 5, CHAN_WIRE_OK, __LINE__);
		check_field(good, len, HDR + 4, 8, 1, CHAN_WIRE_OK, __LINE__);
		check_field(good, len, HDR + 4 + VIA, 8, UINT64_MAX,
				CHAN_WIRE_OK, __LINE__);
		free(good);
		for (unsigned i = 0; i < 4; i++) {
			m.origin = i & 1 ? 5 : 0;
			m.u.req.client = i & 2 ? 0x80000a0000091f90ull : 0;
			memset(m.u.req.via, 0, REPL_VIA_LEN);
			check_round_trip(&m);
			via_fill(m.u.req.via);
			check_round_trip(&m);
		}
	}
	/* A PUB_ACK's number is its header's seq. */
	{
		struct repl_msg m = msg_make(RUMOR_T_PUB_ACK, "news", 4, 0,
				true);
		size_t len;
		uint8_t *good = encode_exact(&m, &len);

		check_field(good, len, 24, 8, m.seq + 1, CHAN_WIRE_NUMBER,
				__LINE__);
		m.seq++;
		CHECK_REFUSED(m);
		free(good);
	}
}

/* With several faults, the first of the documented order decides. */
static void
test_order(void)
{
	struct repl_msg m = msg_make(RUMOR_T_PUB_ACK, "news", 4, 0, true);
	size_t len;
	uint8_t *good = encode_exact(&m, &len);
	uint8_t *bad = test_copy_exact(good, len);
	const size_t b = HDR + 4;

	/* Fixed part: number before status (it has no reserved byte). */
	bad[b + 37] = REPL_PUB_STATUS_MAX;
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_STATUS);
	test_put(bad + b, 8, 0);
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_NUMBER);
	/* Its length before its fields. */
	test_put(bad + 12, 2, REPL_PUB_ACK_LEN - 1);
	{
		uint8_t *cut = test_copy_exact(bad, len - 1);

		CHECK_EQ(decode_exact(cut, len - 1), CHAN_WIRE_LENGTH);
		free(cut);
	}
	test_put(bad + 12, 2, REPL_PUB_ACK_LEN);
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_NUMBER);
	/* The part before the kind, the kind before the origin. */
	bad[HDR] = CHAN_BROADCAST_PREFIX;
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_KIND);
	test_put(bad + 8, 4, 0);
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_ORIGIN);
	/* The header before all of them. */
	test_put(bad + 12, 2, 1);
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_LENGTH);
	test_put(bad + 6, 2, 0);
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_CHANNEL);
	bad[3] = RUMOR_T_FANOUT;
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_TYPE);
	bad[4] = RUMOR_F_AUTH;
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_HEADER);
	free(bad);

	/* The number against the header's seq comes after the part. */
	bad = test_copy_exact(good, len);
	test_put(bad + 24, 8, 1);
	bad[b + 38] = 0;
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_LEVEL);
	free(bad);
	free(good);

	/*
	 * An acked PUBLISH: reserved (either side of via) before number
	 * before level; its client is not checked at all. (A message over
	 * the maximum is over a datagram too, so the header refuses it
	 * first.)
	 */
	m = msg_make(RUMOR_T_DATA, "news", 4, 0, false);
	good = encode_exact(&m, &len);
	bad = test_copy_exact(good, len);
	test_put(bad + b, 8, 1);
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_OK);
	bad[b + 16] = 0;
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_LEVEL);
	test_put(bad + b + 8, 8, 0);
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_NUMBER);
	bad[b + 39] = 1;
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_RESERVED);
	bad[b + 39] = 0;
	bad[b + 17] = 1;
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_RESERVED);
	free(bad);
	free(good);

	/* A resume point: its reserved word, lease, stream, seq. */
	m = msg_make(RUMOR_T_SUBSCRIBE, "news", 4, 0, false);
	good = encode_exact(&m, &len);
	bad = test_copy_exact(good, len);
	test_put(bad + b + 16, 8, 0);
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_SEQ);
	test_put(bad + b + 8, 8, 0);
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_STREAM);
	test_put(bad + b, 4, UINT32_MAX);
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_LEASE);
	bad[b + 7] = 1;
	CHECK_EQ(decode_exact(bad, len), CHAN_WIRE_RESERVED);
	free(bad);
	free(good);
}

/* The part codecs alone: round trips, refusals that write nothing. */
static void
test_parts(void)
{
	uint8_t buf[48], fill[48];
	struct repl_pub_req rq = { .client = 3, .number = 4,
		.level = REPL_LEVEL_ALL }, drq;
	struct repl_pub_ack pa = { .number = 4, .stream = 5, .seq = 6,
		.status = REPL_PUB_OK, .level = REPL_LEVEL_OWNER,
		.held = 1 }, dpa;
	struct repl_replicate rp = { .stream = 5, .seq = 6, .committed = 5 };
	struct repl_replicate drp;
	struct repl_ack ak = { .stream = 5, .held = 6 }, dak;
	struct repl_state st = { .stream = 5, .held = 6, .first = 2,
		.committed = 4 }, dst;
	struct repl_resume rs = { .lease_ms = 9, .stream = 5, .seq = 6 };
	struct repl_resume drs;

	memset(fill, 0xa5, sizeof(fill));
	via_fill(rq.via);
	memset(pa.via, 0x5a, REPL_VIA_LEN);
#define PART(P, in, out, n) do {					\
	memset(buf, 0xa5, sizeof(buf));					\
	CHECK_EQ(repl_##P##_encode((in), buf, (n) - 1), 0);		\
	CHECK(memcmp(buf, fill, sizeof(buf)) == 0);			\
	CHECK_EQ(repl_##P##_encode((in), buf, sizeof(buf)), (n));	\
	CHECK(memcmp(buf + (n), fill, sizeof(buf) - (n)) == 0);		\
	CHECK_EQ(repl_##P##_decode(buf, (n), (out)), CHAN_WIRE_OK);	\
} while (0)
	PART(pub_req, &rq, &drq, REPL_PUB_REQ_LEN);
	CHECK(drq.client == 3 && drq.number == 4 &&
			drq.level == REPL_LEVEL_ALL);
	CHECK(memcmp(drq.via, rq.via, REPL_VIA_LEN) == 0);
	CHECK(memcmp(buf + VIA, rq.via, REPL_VIA_LEN) == 0);
	CHECK_UNTOUCHED(buf + 17, VIA - 17, 0);
	CHECK_UNTOUCHED(buf + VIA + REPL_VIA_LEN, 3, 0);
	CHECK_EQ(repl_pub_req_decode(buf, sizeof(buf), &drq), CHAN_WIRE_OK);
	/* Each reserved byte refused by the part decoder too; via not. */
	for (size_t i = 17; i < REPL_PUB_REQ_LEN; i++) {
		bool via = i >= VIA && i < VIA + REPL_VIA_LEN;

		buf[i] ^= 0x10;
		CHECK_EQ(repl_pub_req_decode(buf, REPL_PUB_REQ_LEN, &drq),
				via ? CHAN_WIRE_OK : CHAN_WIRE_RESERVED);
		buf[i] ^= 0x10;
	}
	PART(pub_ack, &pa, &dpa, REPL_PUB_ACK_LEN);
	CHECK(dpa.number == 4 && dpa.stream == 5 && dpa.seq == 6 &&
			dpa.held == 1 && dpa.level == REPL_LEVEL_OWNER &&
			dpa.status == REPL_PUB_OK);
	CHECK(memcmp(dpa.via, pa.via, REPL_VIA_LEN) == 0);
	CHECK(memcmp(buf + VIA, pa.via, REPL_VIA_LEN) == 0);
	CHECK_EQ(buf[39], 1);
	/* The owner's refusal for want of room, echoing the return path. */
	pa = (struct repl_pub_ack){ .number = 4,
		.status = REPL_PUB_OWNED_LIMIT };
	via_fill(pa.via);
	PART(pub_ack, &pa, &dpa, REPL_PUB_ACK_LEN);
	CHECK(dpa.status == REPL_PUB_OWNED_LIMIT && dpa.stream == 0 &&
			dpa.seq == 0 && dpa.level == 0 && dpa.held == 0);
	CHECK(memcmp(dpa.via, pa.via, REPL_VIA_LEN) == 0);
	pa.held = 1;
	CHECK_EQ(repl_pub_ack_encode(&pa, buf, sizeof(buf)), 0);
	pa = (struct repl_pub_ack){ .number = 4, .stream = 5, .seq = 6,
		.status = REPL_PUB_OK, .level = REPL_LEVEL_OWNER,
		.held = REPL_HELD_MAX };
	PART(pub_ack, &pa, &dpa, REPL_PUB_ACK_LEN);
	CHECK_EQ(dpa.held, REPL_HELD_MAX);
	PART(replicate, &rp, &drp, REPL_REPLICATE_LEN);
	CHECK(drp.stream == 5 && drp.seq == 6 && drp.committed == 5 &&
			drp.client == 0 && drp.number == 0);
	CHECK_EQ(repl_replicate_decode(buf, sizeof(buf), &drp),
			CHAN_WIRE_OK);
	PART(ack, &ak, &dak, REPL_ACK_LEN);
	CHECK(dak.stream == 5 && dak.held == 6 && dak.status == 0);
	PART(state, &st, &dst, REPL_STATE_LEN);
	CHECK(dst.stream == 5 && dst.held == 6 && dst.first == 2 &&
			dst.committed == 4);
	PART(resume, &rs, &drs, REPL_RESUME_LEN);
	CHECK(drs.lease_ms == 9 && drs.stream == 5 && drs.seq == 6);
#undef PART

	/* Each encoder refuses a field its decoder would. */
#define REFUSED(P, in) do {						\
	memset(buf, 0xa5, sizeof(buf));					\
	CHECK_EQ(repl_##P##_encode((in), buf, sizeof(buf)), 0);		\
	CHECK(memcmp(buf, fill, sizeof(buf)) == 0);			\
} while (0)
	rq.level = 0;
	REFUSED(pub_req, &rq);
	rq.level = REPL_LEVEL_MAX;
	REFUSED(pub_req, &rq);
	rq.level = REPL_LEVEL_OWNER;
	rq.number = 0;
	REFUSED(pub_req, &rq);
	pa.status = REPL_PUB_TOKEN;
	REFUSED(pub_ack, &pa);
	pa.status = REPL_PUB_OWNED_LIMIT;
	REFUSED(pub_ack, &pa);
	pa.status = REPL_PUB_STATUS_MAX;
	REFUSED(pub_ack, &pa);
	pa.status = REPL_PUB_OK;
	pa.held = REPL_HELD_MAX + 1;
	REFUSED(pub_ack, &pa);
	pa.held = UINT8_MAX;
	REFUSED(pub_ack, &pa);
	rp.committed = 6;
	REFUSED(replicate, &rp);
	rp.committed = 0;
	rp.client = 1;
	REFUSED(replicate, &rp);
	rp.client = 0;
	rp.number = 1;
	REFUSED(replicate, &rp);
	ak.status = REPL_ACK_STATUS_MAX;
	REFUSED(ack, &ak);
	ak.status = 0;
	ak.stream = 0;
	REFUSED(ack, &ak);
	st.first = 7;
	REFUSED(state, &st);
	st.first = 0;
	REFUSED(state, &st);
	st.held = 0;
	st.stream = 0;
	REFUSED(state, &st);
	rs.lease_ms = CHAN_LEASE_MAX_MS + 1;
	REFUSED(resume, &rs);
	rs.lease_ms = 0;
	rs.seq = 0;
	REFUSED(resume, &rs);
	rs.seq = 1;
	rs.stream = 0;
	REFUSED(resume, &rs);
#undef REFUSED
}

static void
test_encode_refusals(void)
{
	struct repl_msg m;

	/* Types the codec does not have. */
	static const uint8_t others[] = { 0, RUMOR_T_CONTROL,
		RUMOR_T_UNSUBSCRIBE, RUMOR_T_FANOUT, RUMOR_T_HANDOFF,
		RUMOR_T_COOKIE, RUMOR_T_MAX, 0xff };

	for (size_t i = 0; i < TEST_DIM(others); i++) {
		m = msg_make(RUMOR_T_REPL_SYNC, "news", 4, 0, true);
		m.type = others[i];
		CHECK_REFUSED(m);
	}
	m = msg_make(RUMOR_T_REPL_SYNC, "news", 4, 0, true);
	m.channel = NULL;
	CHECK_REFUSED(m);
	m = msg_make(RUMOR_T_REPL_SYNC, "news", 4, 0, true);
	m.channel_len = 0;
	CHECK_REFUSED(m);
	m.channel_len = RUMOR_CHANNEL_MAX + 1;
	CHECK_REFUSED(m);
	/* Messages over the maximum, or without their bytes. */
	m = msg_make(RUMOR_T_DATA, "news", 4, chan_payload_max(4) + 1, true);
	CHECK_REFUSED(m);
	m = msg_make(RUMOR_T_REPLICATE, chan_long, RUMOR_CHANNEL_MAX,
			chan_payload_max(RUMOR_CHANNEL_MAX) + 1, true);
	CHECK_REFUSED(m);
	m = msg_make(RUMOR_T_REPLICATE, "news", 4, SIZE_MAX, true);
	CHECK_REFUSED(m);
	m = msg_make(RUMOR_T_REPLICATE, "news", 4, 1, true);
	m.payload = NULL;
	CHECK_REFUSED(m);
	m.payload_len = 0;
	{
		uint8_t buf[HDR + 4 + 40];

		CHECK_EQ(repl_msg_encode(&m, buf, sizeof(buf)), sizeof(buf));
	}
	/* Fields out of range, through the whole-message encoder. */
	m = msg_make(RUMOR_T_REPL_ACK, "news", 4, 0, true);
	m.u.ack.held = CHAN_SEQ_MAX + 1;
	CHECK_REFUSED(m);
	m = msg_make(RUMOR_T_REPL_STATE, "news", 4, 0, true);
	m.u.state.committed = CHAN_SEQ_MAX;
	CHECK_REFUSED(m);
	m = msg_make(RUMOR_T_SUBSCRIBE, "news", 4, 0, false);
	m.u.resume.stream = 0;
	CHECK_REFUSED(m);
	/* A type without a message ignores the payload fields. */
	m = msg_make(RUMOR_T_REPL_SYNC, "news", 4, 0, true);
	m.payload = NULL;
	m.payload_len = 99;
	{
		uint8_t buf[HDR + 4];

		CHECK_EQ(repl_msg_encode(&m, buf, sizeof(buf)), sizeof(buf));
	}
}

/*
 * What the other decoders make of these messages: the channel codec
 * refuses them (its messages carry no flag and end at HANDOFF), the
 * header check takes them, and an auth block goes in and out of the
 * node-to-node ones as of any other.
 */
static void
test_others(void)
{
	static const uint8_t key[NODE_AUTH_KEY_LEN] = { 1, 2, 3 };

	for (size_t t = 0; t < N_TYPES; t++) {
		struct repl_msg m = msg_make(all_types[t], "news", 4, 8, true);
		uint8_t buf[RUMOR_DATAGRAM_MAX];
		struct chan_msg c;
		struct repl_msg d;
		size_t len = repl_msg_encode(&m, buf, sizeof(buf));
		size_t alen, plain;

		CHECK_EQ(len, msg_len(&m));
		CHECK_EQ(chan_msg_decode(buf, len, &c),
				wire_flags(m.type) ? CHAN_WIRE_HEADER :
				CHAN_WIRE_TYPE);
		CHECK_EQ(rumor_hdr_check(buf, len), RUMOR_HDR_OK);
		alen = node_auth_insert(buf, len, sizeof(buf), key, 3, 77);
		CHECK_EQ(alen, len + NODE_AUTH_LEN);
		CHECK_EQ(buf[4], wire_flags(m.type) | RUMOR_F_AUTH);
		CHECK_EQ(rumor_hdr_check(buf, alen), RUMOR_HDR_OK);
		CHECK(node_auth_verify(key, buf, alen));
		/* The block is not the plain format's. */
		CHECK_EQ(repl_msg_decode(buf, alen, &d), CHAN_WIRE_HEADER);
		plain = node_auth_strip(buf, alen);
		CHECK_EQ(plain, len);
		CHECK_EQ(repl_msg_decode(buf, plain, &d), CHAN_WIRE_OK);
		CHECK(msg_equal(&m, &d));
	}
	/* And the channel messages are not this codec's. */
	{
		struct chan_msg c;
		uint8_t buf[RUMOR_DATAGRAM_MAX];
		struct repl_msg d;
		size_t len;

		chan_msg_init(&c, RUMOR_T_SUBSCRIBE, "news", 4);
		len = chan_msg_encode(&c, buf, sizeof(buf));
		CHECK_EQ(repl_msg_decode(buf, len, &d), CHAN_WIRE_TYPE);
		chan_msg_init(&c, RUMOR_T_DATA, "news", 4);
		len = chan_msg_encode(&c, buf, sizeof(buf));
		CHECK_EQ(repl_msg_decode(buf, len, &d), CHAN_WIRE_TYPE);
	}
}

static void
test_names(void)
{
	CHECK_NAMES(repl_level_name, enum repl_level, REPL_LEVEL_MAX);
	CHECK_NAMES(repl_pub_status_name, enum repl_pub_status,
			REPL_PUB_STATUS_MAX);
	CHECK_NAMES(repl_ack_status_name, enum repl_ack_status,
			REPL_ACK_STATUS_MAX);
	CHECK(strcmp(repl_level_name(REPL_LEVEL_MAX), "?") == 0);
	CHECK(strcmp(repl_pub_status_name(REPL_PUB_STATUS_MAX), "?") == 0);
	CHECK(strcmp(repl_ack_status_name(REPL_ACK_STATUS_MAX), "?") == 0);
	CHECK(strcmp(repl_level_name(REPL_LEVEL_QUORUM), "quorum") == 0);
	CHECK_NAMES(chan_wire_error_name, enum chan_wire_error,
			CHAN_WIRE_ERROR_MAX);
	CHECK(strcmp(chan_wire_error_name(CHAN_WIRE_LEVEL), "level") == 0);
	CHECK(strcmp(chan_wire_error_name(CHAN_WIRE_NUMBER), "number") == 0);
	CHECK(strcmp(chan_wire_error_name(CHAN_WIRE_CLIENT), "client") == 0);
	/* The documented numbers. */
	CHECK_EQ(REPL_LEVEL_OWNER, 1);
	CHECK_EQ(REPL_LEVEL_QUORUM, 2);
	CHECK_EQ(REPL_LEVEL_ALL, 3);
	CHECK_EQ(REPL_PUB_DUPLICATE, 1);
	CHECK_EQ(REPL_PUB_NOT_OWNER, 2);
	CHECK_EQ(REPL_PUB_TOO_BIG, 3);
	CHECK_EQ(REPL_PUB_TOKEN, 4);
	CHECK_EQ(REPL_PUB_TOO_OLD, 5);
	CHECK_EQ(REPL_PUB_OWNED_LIMIT, 6);
	CHECK_EQ(REPL_PUB_STATUS_MAX, 7);
	CHECK(strcmp(repl_pub_status_name(REPL_PUB_OWNED_LIMIT),
			"owned limit") == 0);
	CHECK(!repl_pub_ordered(REPL_PUB_OWNED_LIMIT));
	CHECK_EQ(REPL_ACK_NOT_REPLICA, 1);
	CHECK_EQ(REPL_ACK_STALE, 2);
	for (size_t t = 0; t < N_TYPES; t++)
		CHECK(strcmp(chan_type_name(all_types[t]), "?") != 0);
	CHECK(strcmp(chan_type_name(RUMOR_T_REPLICATE), "REPLICATE") == 0);
	CHECK(strcmp(chan_type_name(RUMOR_T_REPL_ACK), "REPL_ACK") == 0);
	CHECK(strcmp(chan_type_name(RUMOR_T_REPL_SYNC), "REPL_SYNC") == 0);
}

/*
 * Random corruption of valid messages: never a crash, and whatever is
 * accepted encodes back to the same bytes.
 */
static void
test_random(void)
{
	uint64_t seed = 0x7265706c;
	unsigned accepted = 0;

	for (unsigned iter = 0; iter < 20000; iter++) {
		uint8_t type = all_types[test_rand(&seed) % N_TYPES];
		struct repl_msg m = msg_make(type, "chan", 4,
				test_rand(&seed) % 40, test_rand(&seed) & 1);
		unsigned flips = 1 + test_rand(&seed) % 3;
		struct repl_msg d;
		size_t len;
		uint8_t *buf = encode_exact(&m, &len);

		CHECK_EQ(len, msg_len(&m));
		for (unsigned f = 0; f < flips; f++) {
			uint64_t r = test_rand(&seed);

			buf[r % len] ^= (uint8_t)(1u << (r >> 32) % 8);
		}
		accepted += TEST_ACCEPTS(repl_msg_decode, CHAN_WIRE_OK,
				repl_msg_encode, buf, len, &d);
		free(buf);
	}
	/* Flips in the hash, the epoch or the message are harmless. */
	CHECK(accepted > 1000);
}

static const struct test_section sections[] = {
	{ "layout", test_layout },
	{ "round_trip", test_round_trip },
	{ "truncation", test_truncation },
	{ "fields", test_fields },
	{ "header", test_header },
	{ "origin_kind", test_origin_kind },
	{ "order", test_order },
	{ "parts", test_parts },
	{ "refusals", test_encode_refusals },
	{ "others", test_others },
	{ "names", test_names },
	{ "random", test_random },
};

int
main(int argc, char **argv)
{
	names_init();
	return test_run(argc, argv, "test_repl_wire", sections,
			TEST_DIM(sections));
}
