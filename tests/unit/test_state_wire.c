/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The codec of channel state's messages (include/rumor/state_wire.h):
 * the documented bytes of each part, round trips of every type and
 * operation at the ends of every length, truncation at every length,
 * every field at its bounds and one past, every decoder error, the
 * header, origin and channel rules, encoder refusals, the reply's bound,
 * what the other decoders make of these messages, and random
 * corruption. Buffers are allocated at their exact length so that ASan
 * catches any read or write beyond them.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/chan_wire.h"
#include "rumor/repl_wire.h"
#include "rumor/state_wire.h"
#include "rumor/wire.h"
#include "test.h"

#define HDR 40u		/* The rumor header. */

static uint8_t bytes[RUMOR_DATAGRAM_MAX];	/* Keys, values, states. */
static char chan_long[RUMOR_CHANNEL_MAX];

static void
bytes_init(void)
{
	for (size_t i = 0; i < sizeof(bytes); i++)
		bytes[i] = (uint8_t)(i * 13 + 5);
	for (size_t i = 0; i < sizeof(chan_long); i++)
		chan_long[i] = (char)('a' + i % 26);
}

static const uint8_t all_types[] = {
	RUMOR_T_STATE_WRITE, RUMOR_T_STATE_READ, RUMOR_T_STATE_REPLY,
	RUMOR_T_STATE_DELTA, RUMOR_T_STATE_DIGEST,
};

static void
via_fill(uint8_t *via)
{
	for (size_t i = 0; i < STATE_VIA_LEN; i++)
		via[i] = (uint8_t)(0x90 + i);
}

/*
 * A valid message of type on channel chan (len bytes): a map set (a
 * STATE_WRITE), a map read of one field, an OK reply with a state, a
 * delta, a digest of n entries; key, field and value or state of the
 * lengths given where the type has them. Fields are patterned so that a
 * byte in the wrong place shows.
 */
static struct state_msg
msg_make(uint8_t type, const char *chan, size_t len, size_t key,
		size_t field, size_t value)
{
	struct state_msg m;

	state_msg_init(&m, type, chan, len);
	m.hop_limit = 7;
	m.origin = 0x01020304;
	m.epoch = 0x1112131415161718ull;
	m.seq = 0x2122232425262728ull;
	switch (type) {
	case RUMOR_T_STATE_WRITE:
		m.u.write = (struct state_write){
			.request = 0x3132333435363738ull,
			.client = 0x4142434445464748ull,
			.level = STATE_LEVEL_QUORUM, .kind = STATE_KIND_MAP,
			.op = STATE_OP_MAP_SET, .key = bytes, .key_len = key,
			.field = bytes + 1, .field_len = field,
			.value = bytes + 2, .value_len = value };
		via_fill(m.u.write.via);
		break;
	case RUMOR_T_STATE_READ:
		m.u.read = (struct state_read){
			.request = 0x3132333435363738ull,
			.client = 0x4142434445464748ull,
			.level = STATE_LEVEL_ALL, .kind = STATE_KIND_MAP,
			.key = bytes, .key_len = key,
			.field = bytes + 1, .field_len = field };
		via_fill(m.u.read.via);
		break;
	case RUMOR_T_STATE_REPLY:
		m.u.reply = (struct state_reply){
			.request = 0x3132333435363738ull,
			.status = STATE_ST_OK, .level = STATE_LEVEL_QUORUM,
			.replicas = 2, .kind = STATE_KIND_MAP,
			.body = bytes + 3, .body_len = value };
		via_fill(m.u.reply.via);
		break;
	case RUMOR_T_STATE_DELTA:
		m.u.delta = (struct state_delta){
			.digest = 0x5152535455565758ull,
			.kind = STATE_KIND_COUNTER, .form = STATE_FORM_DELTA,
			.key = bytes, .key_len = key,
			.body = bytes + 4, .body_len = value };
		break;
	default:
		m.u.digest.lo = 0x1000;
		m.u.digest.hi = 0xf000000000000000ull;
		m.u.digest.count = (uint32_t)value;
		for (uint32_t i = 0; i < m.u.digest.count; i++)
			m.u.digest.entry[i] = (struct state_digest_entry){
				.key_hash = 0x1000 + i / 2 * 0x10,
				.kind = (uint8_t)(1 + i % 2),
				.digest = 0x6162636465666768ull + i };
	}
	return m;
}

/* Encode m into an exact buffer; NULL if it is refused. */
static uint8_t *
encode_exact(const struct state_msg *m, size_t *len)
{
	uint8_t buf[RUMOR_DATAGRAM_MAX];

	*len = state_msg_encode(m, buf, sizeof(buf));
	return *len == 0 ? NULL : test_copy_exact(buf, *len);
}

static enum state_wire_error
decode_exact(const uint8_t *buf, size_t len)
{
	struct state_msg d;

	return TEST_DECODE_EXACT(state_msg_decode, buf, len, &d);
}

/* buf (len bytes) decodes, and encodes back to exactly the same bytes. */
static void
check_reencodes(const uint8_t *buf, size_t len)
{
	uint8_t *copy = test_copy_exact(buf, len), *again;
	struct state_msg d;

	if (!CHECK_EQ(state_msg_decode(copy, len, &d), STATE_WIRE_OK)) {
		free(copy);
		return;
	}
	again = test_alloc_exact(len);
	CHECK_EQ(state_msg_encode(&d, again, len), len);
	CHECK(memcmp(again, buf, len) == 0);
	/* A byte less room: refused, nothing written. */
	memset(again, 0xa5, len);
	CHECK_EQ(state_msg_encode(&d, again, len - 1), 0);
	CHECK_UNTOUCHED(again, len, 0xa5);
	free(again);
	free(copy);
}

/* m is refused by its encoder, which writes nothing. */
static void
check_refused(const struct state_msg *m, int line)
{
	CHECK_REFUSED_BY(state_msg_encode, m, RUMOR_DATAGRAM_MAX, line);
}

/* The documented bytes of each part, read back field by field. */
static void
test_layout(void)
{
	struct state_msg m = msg_make(RUMOR_T_STATE_WRITE, "news", 4, 3, 2, 5);
	const uint8_t *p;
	uint8_t *buf;
	size_t len;

	buf = encode_exact(&m, &len);
	CHECK_EQ(len, HDR + 4 + 48 + 3 + 2 + 5);
	CHECK_EQ(buf[3], 23);
	CHECK_EQ(buf[4], 0);
	CHECK_EQ(test_get(buf + 12, 2), 48 + 10);
	p = buf + HDR + 4;
	CHECK_EQ(test_get(p, 8), 0x3132333435363738ull);
	CHECK_EQ(test_get(p + 8, 8), 0x4142434445464748ull);
	/* quorum, map, map set, reserved; key_len, field_len. */
	CHECK_EQ(test_get(p + 16, 8), 0x0304030000030002ull);
	CHECK_EQ(p[24], 0x90);
	CHECK_EQ(p[36], 0x9c);
	CHECK_EQ(test_get(p + 37, 3), 0);
	CHECK_EQ(test_get(p + 40, 8), 0);
	CHECK(memcmp(p + 48, bytes, 3) == 0);
	CHECK(memcmp(p + 51, bytes + 1, 2) == 0);
	CHECK(memcmp(p + 53, bytes + 2, 5) == 0);
	free(buf);

	/* A counter add: by at 40, two's complement. */
	m = msg_make(RUMOR_T_STATE_WRITE, "news", 4, 0, 0, 0);
	m.u.write.kind = STATE_KIND_COUNTER;
	m.u.write.op = STATE_OP_COUNTER_ADD;
	m.u.write.by = -2;
	buf = encode_exact(&m, &len);
	CHECK_EQ(len, HDR + 4 + 48);
	CHECK_EQ(test_get(buf + HDR + 4 + 40, 8), 0xfffffffffffffffeull);
	free(buf);

	m = msg_make(RUMOR_T_STATE_READ, "news", 4, 3, 2, 0);
	buf = encode_exact(&m, &len);
	CHECK_EQ(len, HDR + 4 + 40 + 5);
	CHECK_EQ(buf[3], 24);
	p = buf + HDR + 4;
	CHECK_EQ(test_get(p + 16, 8), 0x0404000000030002ull);
	CHECK_EQ(p[24], 0x90);
	CHECK(memcmp(p + 40, bytes, 3) == 0);
	free(buf);

	m = msg_make(RUMOR_T_STATE_REPLY, "news", 4, 0, 0, 6);
	buf = encode_exact(&m, &len);
	CHECK_EQ(len, HDR + 4 + 40 + 6);
	CHECK_EQ(buf[3], 25);
	p = buf + HDR + 4;
	CHECK_EQ(test_get(p, 8), 0x3132333435363738ull);
	/* ok, quorum, 2 replicas, map; reserved. */
	CHECK_EQ(test_get(p + 8, 8), 0x0003020400000000ull);
	CHECK_EQ(test_get(p + 20, 4), 0);
	CHECK_EQ(p[24], 0x90);
	CHECK(memcmp(p + 40, bytes + 3, 6) == 0);
	free(buf);

	m = msg_make(RUMOR_T_STATE_DELTA, "news", 4, 3, 0, 4);
	m.u.delta.form = STATE_FORM_STATE;
	buf = encode_exact(&m, &len);
	CHECK_EQ(len, HDR + 4 + 16 + 3 + 4);
	CHECK_EQ(buf[3], 26);
	p = buf + HDR + 4;
	CHECK_EQ(test_get(p, 8), 0x5152535455565758ull);
	CHECK_EQ(test_get(p + 8, 8), 0x0102000300000000ull);
	CHECK(memcmp(p + 16, bytes, 3) == 0);
	CHECK(memcmp(p + 19, bytes + 4, 4) == 0);
	free(buf);

	m = msg_make(RUMOR_T_STATE_DIGEST, "news", 4, 0, 0, 2);
	buf = encode_exact(&m, &len);
	CHECK_EQ(len, HDR + 4 + 24 + 40);
	CHECK_EQ(buf[3], 27);
	p = buf + HDR + 4;
	CHECK_EQ(test_get(p, 8), 0x1000);
	CHECK_EQ(test_get(p + 8, 8), 0xf000000000000000ull);
	CHECK_EQ(test_get(p + 16, 8), 2ull << 32);
	CHECK_EQ(test_get(p + 24, 8), 0x1000);
	CHECK_EQ(test_get(p + 32, 4), 0x01000000);
	CHECK_EQ(test_get(p + 36, 8), 0x6162636465666768ull);
	CHECK_EQ(p[52], 2);
	free(buf);
}

/*
 * m encodes, and decodes (from an exact copy) to what it was; each
 * truncation of it is refused.
 */
static void
check_round_trip(const struct state_msg *m, int line)
{
	uint8_t *buf;
	size_t len;

	buf = encode_exact(m, &len);
	if (!CHECK(buf != NULL)) {
		fprintf(stderr, "  (line %d)\n", line);
		return;
	}
	check_reencodes(buf, len);
	for (size_t n = 0; n < len; n++)
		CHECK(decode_exact(buf, n) != STATE_WIRE_OK);
	free(buf);
}

/* Every operation of every kind, and each type at the ends of its sizes. */
static void
test_round_trip(void)
{
	static const size_t chans[] = { 1, 4, RUMOR_CHANNEL_MAX };
	struct state_msg m;
	size_t room;

	for (unsigned op = 1; op < STATE_OP_MAX; op++) {
		m = msg_make(RUMOR_T_STATE_WRITE, "news", 4, 2, 0, 0);
		m.u.write.op = (uint8_t)op;
		m.u.write.kind = (uint8_t)state_op_kind(op);
		m.u.write.field_len = m.u.write.kind == STATE_KIND_MAP ? 3 : 0;
		m.u.write.value_len = state_op_has_value(op) ? 9 : 0;
		m.u.write.by = state_op_has_by(op) ? INT64_MIN : 0;
		check_round_trip(&m, __LINE__);
		m.u.write.by = state_op_has_by(op) ? INT64_MAX : 0;
		check_round_trip(&m, __LINE__);
	}
	for (size_t c = 0; c < TEST_DIM(chans); c++) {
		const char *ch = chan_long;
		size_t cl = chans[c], max = state_part_max(cl);

		/* A write filling the datagram, with the auth block. */
		m = msg_make(RUMOR_T_STATE_WRITE, ch, cl, 7, 0, 0);
		m.u.write.value_len = max - 48 - 7;
		check_round_trip(&m, __LINE__);
		CHECK_EQ(HDR + cl + max + RUMOR_AUTH_LEN, RUMOR_DATAGRAM_MAX);
		m.u.write.value_len++;
		check_refused(&m, __LINE__);
		/* Longest key and field a part of this channel holds. */
		m = msg_make(RUMOR_T_STATE_READ, ch, cl, STATE_KEY_MAX,
				max - 40 - STATE_KEY_MAX, 0);
		check_round_trip(&m, __LINE__);
		m = msg_make(RUMOR_T_STATE_READ, ch, cl, 0, 0, 0);
		m.u.read.kind = STATE_KIND_PRESENCE;
		check_round_trip(&m, __LINE__);
		/* Replies: the largest state, and none. */
		room = state_reply_room(cl, RUMOR_DATAGRAM_MAX);
		CHECK_EQ(room, max - 40);
		m = msg_make(RUMOR_T_STATE_REPLY, ch, cl, 0, 0, room);
		check_round_trip(&m, __LINE__);
		m.u.reply.body_len++;
		check_refused(&m, __LINE__);
		m = msg_make(RUMOR_T_STATE_REPLY, ch, cl, 0, 0, 0);
		m.u.reply.kind = STATE_KIND_NONE;
		check_round_trip(&m, __LINE__);
		m.u.reply.status = STATE_ST_TIMEOUT;
		m.u.reply.level = STATE_LEVEL_NONE;
		m.u.reply.replicas = 0;
		check_round_trip(&m, __LINE__);
		/* Deltas: the smallest and the largest state. */
		m = msg_make(RUMOR_T_STATE_DELTA, ch, cl, 0, 0, CRDT_HDR_LEN);
		check_round_trip(&m, __LINE__);
		m = msg_make(RUMOR_T_STATE_DELTA, ch, cl, 5, 0, max - 16 - 5);
		check_round_trip(&m, __LINE__);
		m.u.delta.body_len++;
		check_refused(&m, __LINE__);
		/* Digests: empty and full. */
		m = msg_make(RUMOR_T_STATE_DIGEST, ch, cl, 0, 0, 0);
		check_round_trip(&m, __LINE__);
		m = msg_make(RUMOR_T_STATE_DIGEST, ch, cl, 0, 0,
				STATE_DIGEST_ENTRIES_MAX);
		check_round_trip(&m, __LINE__);
	}
}

/*
 * The part of a valid message of type, encoded alone into part (cap
 * bytes); its length.
 */
static size_t
part_of(const struct state_msg *m, uint8_t *part, size_t cap)
{
	uint8_t buf[RUMOR_DATAGRAM_MAX];
	size_t len = state_msg_encode(m, buf, sizeof(buf));

	if (!CHECK(len > HDR + m->channel_len) ||
			!CHECK(len - HDR - m->channel_len <= cap))
		return 0;
	memcpy(part, buf + HDR + m->channel_len, len - HDR - m->channel_len);
	return len - HDR - m->channel_len;
}

/* Decode part (len bytes, an exact copy) as a part of type. */
static enum state_wire_error
part_decode(uint8_t type, const uint8_t *part, size_t len)
{
	uint8_t *copy = test_copy_exact(part, len);
	struct state_msg d;
	enum state_wire_error e;

	switch (type) {
	case RUMOR_T_STATE_WRITE:
		e = state_write_decode(copy, len, &d.u.write);
		break;
	case RUMOR_T_STATE_READ:
		e = state_read_decode(copy, len, &d.u.read);
		break;
	case RUMOR_T_STATE_REPLY:
		e = state_reply_decode(copy, len, &d.u.reply);
		break;
	case RUMOR_T_STATE_DELTA:
		e = state_delta_decode(copy, len, &d.u.delta);
		break;
	default:
		e = state_digest_decode(copy, len, &d.u.digest);
	}
	free(copy);
	return e;
}

/*
 * The part of m with the field at off (width bytes) set to v: decoded
 * alone, its verdict is want; and as a whole message too.
 */
static void
check_field(const struct state_msg *m, size_t off, unsigned width,
		uint64_t v, enum state_wire_error want, int line)
{
	uint8_t part[STATE_PART_MAX], buf[RUMOR_DATAGRAM_MAX];
	size_t len = part_of(m, part, sizeof(part)), total;

	if (len == 0)
		return;
	test_put(part + off, width, v);
	if (!CHECK_EQ(part_decode(m->type, part, len), want))
		fprintf(stderr, "  (line %d)\n", line);
	total = state_msg_encode(m, buf, sizeof(buf));
	memcpy(buf + HDR + m->channel_len, part, len);
	if (!CHECK_EQ(decode_exact(buf, total), want))
		fprintf(stderr, "  (line %d)\n", line);
	if (want == STATE_WIRE_OK)
		check_reencodes(buf, total);
}

#define FIELD(m, off, width, v, want) \
	check_field((m), (off), (width), (v), (want), __LINE__)

/* Every byte of the reserved ranges [from, to) of m's part, set alone. */
static void
check_reserved(const struct state_msg *m, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		FIELD(m, i, 1, 0x01, STATE_WIRE_RESERVED);
}

static void
test_fields_requests(void)
{
	struct state_msg w = msg_make(RUMOR_T_STATE_WRITE, "news", 4, 3, 2, 5);
	struct state_msg r = msg_make(RUMOR_T_STATE_READ, "news", 4, 3, 2, 0);
	struct state_msg a = msg_make(RUMOR_T_STATE_WRITE, "news", 4, 1, 0, 0);

	a.u.write.kind = STATE_KIND_COUNTER;
	a.u.write.op = STATE_OP_COUNTER_ADD;
	a.u.write.by = 5;
	for (int i = 0; i < 2; i++) {
		const struct state_msg *m = i == 0 ? &w : &r;

		FIELD(m, 0, 8, 0, STATE_WIRE_REQUEST);
		FIELD(m, 0, 8, 1, STATE_WIRE_OK);
		FIELD(m, 0, 8, UINT64_MAX, STATE_WIRE_OK);
		FIELD(m, 8, 8, 0, STATE_WIRE_OK);	/* client: any */
		FIELD(m, 8, 8, UINT64_MAX, STATE_WIRE_OK);
		FIELD(m, 16, 1, 0, STATE_WIRE_LEVEL);
		FIELD(m, 16, 1, STATE_LEVEL_LOCAL, STATE_WIRE_OK);
		FIELD(m, 16, 1, STATE_LEVEL_ALL, STATE_WIRE_OK);
		FIELD(m, 16, 1, STATE_LEVEL_MAX, STATE_WIRE_LEVEL);
		FIELD(m, 17, 1, 0, STATE_WIRE_KIND);
		FIELD(m, 17, 1, STATE_KIND_MAX, STATE_WIRE_KIND);
		/* No field: a longer value, or lengths that do not match. */
		FIELD(m, 22, 2, 0, i == 0 ? STATE_WIRE_OK : STATE_WIRE_LENGTH);
		FIELD(m, 24, 8, 0, STATE_WIRE_OK);	/* via: any */
		FIELD(m, 29, 8, UINT64_MAX, STATE_WIRE_OK);
		check_reserved(m, 37, 40);
		/* key_len past the part, and past its bound. */
		FIELD(m, 20, 2, STATE_KEY_MAX + 1, STATE_WIRE_KEY);
		FIELD(m, 20, 2, 0xffff, STATE_WIRE_KEY);
		FIELD(m, 22, 2, STATE_KEY_MAX + 1, STATE_WIRE_KEY);
	}
	/* WRITE: op, by, value; the field only on a map's operations. */
	FIELD(&w, 18, 1, 0, STATE_WIRE_OP);
	FIELD(&w, 18, 1, STATE_OP_MAP_INCR, STATE_WIRE_VALUE);
	FIELD(&w, 18, 1, STATE_OP_MAP_DEL, STATE_WIRE_VALUE);
	FIELD(&w, 18, 1, STATE_OP_REGISTER_SET, STATE_WIRE_OP);
	FIELD(&w, 18, 1, STATE_OP_MAX, STATE_WIRE_OP);
	FIELD(&w, 17, 1, STATE_KIND_REGISTER, STATE_WIRE_OP);
	check_reserved(&w, 19, 20);
	FIELD(&w, 40, 8, 1, STATE_WIRE_BY);
	FIELD(&w, 40, 8, UINT64_MAX, STATE_WIRE_BY);
	/* key_len, field_len: the key, field and value cut otherwise. */
	FIELD(&w, 20, 2, 8, STATE_WIRE_OK);
	FIELD(&w, 20, 2, 9, STATE_WIRE_LENGTH);
	FIELD(&w, 22, 2, 7, STATE_WIRE_OK);
	FIELD(&w, 22, 2, 8, STATE_WIRE_LENGTH);
	FIELD(&w, 20, 2, STATE_KEY_MAX, STATE_WIRE_LENGTH);
	/* A counter's add: by any, no field, no value. */
	FIELD(&a, 40, 8, 0, STATE_WIRE_OK);
	FIELD(&a, 40, 8, 1ull << 63, STATE_WIRE_OK);
	FIELD(&a, 22, 2, 1, STATE_WIRE_KEY);
	FIELD(&a, 20, 2, 0, STATE_WIRE_VALUE);
	FIELD(&a, 20, 2, 2, STATE_WIRE_LENGTH);
	FIELD(&a, 18, 1, STATE_OP_MAP_INCR, STATE_WIRE_OP);
	/* READ: the op byte is reserved; key and field fill it exactly. */
	check_reserved(&r, 18, 20);
	FIELD(&r, 20, 2, 2, STATE_WIRE_LENGTH);
	FIELD(&r, 20, 2, 4, STATE_WIRE_LENGTH);
	FIELD(&r, 22, 2, 1, STATE_WIRE_LENGTH);
	FIELD(&r, 17, 1, STATE_KIND_COUNTER, STATE_WIRE_KEY);
	FIELD(&r, 17, 1, STATE_KIND_PRESENCE, STATE_WIRE_KEY);
}

/* Longest keys and fields: STATE_KEY_MAX, and one past. */
static void
test_fields_keys(void)
{
	struct state_msg m;

	m = msg_make(RUMOR_T_STATE_READ, "k", 1, STATE_KEY_MAX, 0, 0);
	check_round_trip(&m, __LINE__);
	m.u.read.key_len++;
	check_refused(&m, __LINE__);
	m = msg_make(RUMOR_T_STATE_READ, "k", 1, 0, STATE_KEY_MAX, 0);
	check_round_trip(&m, __LINE__);
	m.u.read.field_len++;
	check_refused(&m, __LINE__);
	m = msg_make(RUMOR_T_STATE_WRITE, "k", 1, 0, STATE_KEY_MAX, 0);
	check_round_trip(&m, __LINE__);
	m.u.write.field_len++;
	check_refused(&m, __LINE__);
	m = msg_make(RUMOR_T_STATE_DELTA, "k", 1, STATE_KEY_MAX, 0, 4);
	check_round_trip(&m, __LINE__);
	m.u.delta.key_len++;
	check_refused(&m, __LINE__);
}

static void
test_fields_reply(void)
{
	struct state_msg ok = msg_make(RUMOR_T_STATE_REPLY, "news", 4, 0, 0,
			4);
	struct state_msg no = msg_make(RUMOR_T_STATE_REPLY, "news", 4, 0, 0,
			0);

	no.u.reply.kind = STATE_KIND_NONE;
	FIELD(&ok, 0, 8, 0, STATE_WIRE_REQUEST);
	FIELD(&ok, 8, 1, STATE_ST_MAX, STATE_WIRE_STATUS);
	FIELD(&ok, 9, 1, STATE_LEVEL_MAX, STATE_WIRE_LEVEL);
	FIELD(&ok, 9, 1, 0, STATE_WIRE_STATUS);
	FIELD(&ok, 9, 1, STATE_LEVEL_LOCAL, STATE_WIRE_OK);
	FIELD(&ok, 9, 1, STATE_LEVEL_ALL, STATE_WIRE_OK);
	FIELD(&ok, 10, 1, 0, STATE_WIRE_OK);
	FIELD(&ok, 10, 1, STATE_REPLICAS_MAX, STATE_WIRE_OK);
	FIELD(&ok, 10, 1, STATE_REPLICAS_MAX + 1, STATE_WIRE_REPLICAS);
	FIELD(&ok, 11, 1, STATE_KIND_COUNTER, STATE_WIRE_OK);
	FIELD(&ok, 11, 1, STATE_KIND_MAX, STATE_WIRE_KIND);
	/* A state with no kind, a kind with a state too short. */
	FIELD(&ok, 11, 1, STATE_KIND_NONE, STATE_WIRE_BODY);
	FIELD(&ok, 8, 1, STATE_ST_TIMEOUT, STATE_WIRE_STATUS);
	check_reserved(&ok, 12, 24);
	check_reserved(&ok, 37, 40);
	FIELD(&ok, 24, 8, 0, STATE_WIRE_OK);	/* via: any */
	/* Refusals: nothing met, nothing counted, no state. */
	for (unsigned s = 0; s < STATE_ST_MAX; s++) {
		bool met = s == STATE_ST_OK || s == STATE_ST_TIMEOUT;

		FIELD(&no, 8, 1, s, s == STATE_ST_OK ? STATE_WIRE_OK :
				met ? STATE_WIRE_OK : STATE_WIRE_STATUS);
	}
	no.u.reply.status = STATE_ST_LIMIT;
	no.u.reply.level = 0;
	no.u.reply.replicas = 0;
	check_round_trip(&no, __LINE__);
	FIELD(&no, 9, 1, 1, STATE_WIRE_STATUS);
	FIELD(&no, 10, 1, 1, STATE_WIRE_STATUS);
	FIELD(&no, 11, 1, 1, STATE_WIRE_STATUS);
	/* A timeout: up to quorum met, any count, no state. */
	no.u.reply.status = STATE_ST_TIMEOUT;
	FIELD(&no, 9, 1, STATE_LEVEL_QUORUM, STATE_WIRE_OK);
	FIELD(&no, 9, 1, STATE_LEVEL_ALL, STATE_WIRE_STATUS);
	FIELD(&no, 10, 1, STATE_REPLICAS_MAX, STATE_WIRE_OK);
	FIELD(&no, 11, 1, 1, STATE_WIRE_STATUS);
	/* State lengths: CRDT_HDR_LEN at least, and only with a kind. */
	ok.u.reply.body_len = CRDT_HDR_LEN - 1;
	check_refused(&ok, __LINE__);
	{
		uint8_t part[STATE_PART_MAX];
		size_t len;

		ok.u.reply.body_len = CRDT_HDR_LEN;
		len = part_of(&ok, part, sizeof(part));
		CHECK_EQ(part_decode(RUMOR_T_STATE_REPLY, part, len),
				STATE_WIRE_OK);
		CHECK_EQ(part_decode(RUMOR_T_STATE_REPLY, part, len - 1),
				STATE_WIRE_BODY);
		part[11] = 0;
		CHECK_EQ(part_decode(RUMOR_T_STATE_REPLY, part, 40),
				STATE_WIRE_OK);
		CHECK_EQ(part_decode(RUMOR_T_STATE_REPLY, part, 41),
				STATE_WIRE_BODY);
	}
}

static void
test_fields_delta(void)
{
	struct state_msg d = msg_make(RUMOR_T_STATE_DELTA, "news", 4, 3, 0, 6);

	FIELD(&d, 0, 8, 0, STATE_WIRE_OK);	/* digest: any */
	FIELD(&d, 0, 8, UINT64_MAX, STATE_WIRE_OK);
	FIELD(&d, 8, 1, 0, STATE_WIRE_KIND);
	FIELD(&d, 8, 1, STATE_KIND_MAP, STATE_WIRE_OK);
	FIELD(&d, 8, 1, STATE_KIND_MAX, STATE_WIRE_KIND);
	FIELD(&d, 9, 1, 0, STATE_WIRE_FORM);
	FIELD(&d, 9, 1, STATE_FORM_STATE, STATE_WIRE_OK);
	FIELD(&d, 9, 1, STATE_FORM_MAX, STATE_WIRE_FORM);
	FIELD(&d, 10, 2, STATE_KEY_MAX + 1, STATE_WIRE_KEY);
	FIELD(&d, 10, 2, 5, STATE_WIRE_OK);	/* state of 4 */
	FIELD(&d, 10, 2, 6, STATE_WIRE_BODY);
	FIELD(&d, 10, 2, 9, STATE_WIRE_BODY);
	FIELD(&d, 10, 2, 10, STATE_WIRE_LENGTH);
	check_reserved(&d, 12, 16);
	d.u.delta.body_len = CRDT_HDR_LEN - 1;
	check_refused(&d, __LINE__);
	d.u.delta.body_len = 4;
	d.u.delta.form = STATE_FORM_MAX;
	check_refused(&d, __LINE__);
}

static void
test_fields_digest(void)
{
	struct state_msg g = msg_make(RUMOR_T_STATE_DIGEST, "news", 4, 0, 0,
			3);
	struct state_msg full = msg_make(RUMOR_T_STATE_DIGEST, "news", 4, 0,
			0, STATE_DIGEST_ENTRIES_MAX);
	uint8_t part[STATE_PART_MAX];
	size_t len;

	/* lo, hi: the entries within them; lo above hi. */
	FIELD(&g, 0, 8, 0, STATE_WIRE_OK);
	FIELD(&g, 0, 8, 0x1000, STATE_WIRE_OK);
	FIELD(&g, 0, 8, 0x1001, STATE_WIRE_RANGE);
	FIELD(&g, 8, 8, UINT64_MAX, STATE_WIRE_OK);
	FIELD(&g, 8, 8, 0x1010, STATE_WIRE_OK);
	FIELD(&g, 8, 8, 0x100f, STATE_WIRE_RANGE);
	FIELD(&g, 8, 8, 0xfff, STATE_WIRE_RANGE);
	/* count: the part's length; over the bound. */
	FIELD(&g, 16, 4, 2, STATE_WIRE_LENGTH);
	FIELD(&g, 16, 4, 4, STATE_WIRE_LENGTH);
	FIELD(&g, 16, 4, STATE_DIGEST_ENTRIES_MAX + 1, STATE_WIRE_COUNT);
	FIELD(&g, 16, 4, UINT32_MAX, STATE_WIRE_COUNT);
	check_reserved(&g, 20, 24);
	/* Entries: kind, reserved, order. */
	FIELD(&g, 24 + 8, 1, 0, STATE_WIRE_KIND);
	FIELD(&g, 24 + 8, 1, STATE_KIND_MAX, STATE_WIRE_KIND);
	FIELD(&g, 24 + 20 + 8, 1, 1, STATE_WIRE_ORDER);	/* equal */
	FIELD(&g, 24 + 8, 1, 2, STATE_WIRE_ORDER);
	FIELD(&g, 24 + 40, 8, 0x1000, STATE_WIRE_ORDER);
	FIELD(&g, 24 + 40, 8, 0x1010, STATE_WIRE_OK);	/* (0x1010, 1) */
	FIELD(&g, 24 + 12, 8, 0, STATE_WIRE_OK);	/* digest: any */
	for (unsigned e = 0; e < 3; e++)
		check_reserved(&g, 24 + 20 * e + 9, 24 + 20 * e + 12);
	/* The full digest fits a 255-byte name, one more entry not. */
	full.channel = chan_long;
	full.channel_len = RUMOR_CHANNEL_MAX;
	check_round_trip(&full, __LINE__);
	full.u.digest.count++;
	check_refused(&full, __LINE__);
	/* As a part alone, a 57th entry is COUNT. */
	full.u.digest.count--;
	len = part_of(&full, part, sizeof(part));
	test_put(part + 16, 4, STATE_DIGEST_ENTRIES_MAX + 1);
	memset(part + len, 0, STATE_DIGEST_ENTRY_LEN);
	CHECK_EQ(part_decode(RUMOR_T_STATE_DIGEST, part,
			len + STATE_DIGEST_ENTRY_LEN), STATE_WIRE_COUNT);
	/* An entry out of order, as the encoder is given it. */
	g.u.digest.entry[2].key_hash = 0;
	check_refused(&g, __LINE__);
	g.u.digest.entry[2].key_hash = 0x1010;
	g.u.digest.lo = 0x1011;
	check_refused(&g, __LINE__);
}

/* Each part decoder: every length below its fixed part, and over the max. */
static void
test_part_lengths(void)
{
	uint8_t *big = test_alloc_exact(STATE_PART_MAX + 1);
	static const size_t fixed[] = { STATE_WRITE_LEN, STATE_READ_LEN,
		STATE_REPLY_LEN, STATE_DELTA_LEN, STATE_DIGEST_LEN };

	memset(big, 0, STATE_PART_MAX + 1);
	for (size_t t = 0; t < TEST_DIM(all_types); t++) {
		for (size_t n = 0; n < fixed[t]; n++)
			CHECK_EQ(part_decode(all_types[t], big, n),
					STATE_WIRE_LENGTH);
		CHECK_EQ(part_decode(all_types[t], big, STATE_PART_MAX + 1),
				STATE_WIRE_LENGTH);
	}
	free(big);
}

/* The header's rules: flags, types, origin, channel, lengths. */
static void
test_header(void)
{
	for (size_t t = 0; t < TEST_DIM(all_types); t++) {
		struct state_msg m = msg_make(all_types[t], "news", 4, 1, 1, 4);
		uint8_t *buf, *bad;
		size_t len;

		if (all_types[t] == RUMOR_T_STATE_DIGEST)
			m.u.digest.count = 1;
		buf = encode_exact(&m, &len);
		if (!CHECK(buf != NULL))
			continue;
		bad = test_copy_exact(buf, len);
		/* Every flag, the reserved word, magic, version. */
		for (unsigned b = 0; b < 8; b++) {
			bad[4] = (uint8_t)(1u << b);
			CHECK_EQ(decode_exact(bad, len), STATE_WIRE_HEADER);
		}
		bad[4] = 0;
		bad[15] = 1;
		CHECK_EQ(decode_exact(bad, len), STATE_WIRE_HEADER);
		bad[15] = 0;
		bad[2] = 2;	/* version */
		CHECK_EQ(decode_exact(bad, len), STATE_WIRE_HEADER);
		bad[2] = 1;
		/* Every type but the five. */
		for (unsigned ty = 0; ty <= 0xff; ty++) {
			bool ours = ty >= RUMOR_T_STATE_WRITE &&
					ty <= RUMOR_T_STATE_DIGEST;

			bad[3] = (uint8_t)ty;
			if (!ours)
				CHECK_EQ(decode_exact(bad, len),
						STATE_WIRE_TYPE);
		}
		bad[3] = all_types[t];
		/* Origin 0: a client's request, else refused. */
		memset(bad + 8, 0, 4);
		if (all_types[t] == RUMOR_T_STATE_WRITE ||
				all_types[t] == RUMOR_T_STATE_READ)
			check_reencodes(bad, len);
		else
			CHECK_EQ(decode_exact(bad, len), STATE_WIRE_ORIGIN);
		memcpy(bad, buf, len);
		/* A broadcast channel. */
		bad[HDR] = CHAN_BROADCAST_PREFIX;
		CHECK_EQ(decode_exact(bad, len), STATE_WIRE_CHANNEL_KIND);
		m.channel = "@ews";
		check_refused(&m, __LINE__);
		m.channel = "news";
		memcpy(bad, buf, len);
		/* Channel length 0; payload length one off either way. */
		test_put(bad + 6, 2, 0);
		test_put(bad + 12, 2, len - HDR);
		CHECK_EQ(decode_exact(bad, len), STATE_WIRE_CHANNEL);
		memcpy(bad, buf, len);
		test_put(bad + 12, 2, len - HDR - 4 + 1);
		CHECK_EQ(decode_exact(bad, len), STATE_WIRE_LENGTH);
		test_put(bad + 12, 2, len - HDR - 4 - 1);
		CHECK_EQ(decode_exact(bad, len), STATE_WIRE_LENGTH);
		CHECK_EQ(decode_exact(bad, 39), STATE_WIRE_SHORT);
		/* No channel, or one too long, to encode. */
		m.channel = NULL;
		check_refused(&m, __LINE__);
		m.channel = chan_long;
		m.channel_len = 0;
		check_refused(&m, __LINE__);
		m.channel_len = RUMOR_CHANNEL_MAX + 1;
		check_refused(&m, __LINE__);
		/* An origin 0 where only a node sends. */
		m = msg_make(all_types[t], "news", 4, 1, 1, 4);
		if (all_types[t] == RUMOR_T_STATE_DIGEST)
			m.u.digest.count = 1;
		m.origin = 0;
		if (all_types[t] >= RUMOR_T_STATE_REPLY)
			check_refused(&m, __LINE__);
		/* Another type than the five. */
		m.origin = 1;
		m.type = RUMOR_T_REPL_STATE;
		check_refused(&m, __LINE__);
		free(bad);
		free(buf);
	}
}

/*
 * A part that fits a datagram but leaves no room for the auth block is
 * refused: LENGTH, even when the part alone is valid.
 */
static void
test_auth_room(void)
{
	struct state_msg m = msg_make(RUMOR_T_STATE_DELTA, chan_long,
			RUMOR_CHANNEL_MAX, 0, 0, 0);
	size_t max = state_part_max(RUMOR_CHANNEL_MAX), len;
	uint8_t *buf;

	m.u.delta.body_len = max - STATE_DELTA_LEN;
	buf = encode_exact(&m, &len);
	CHECK_EQ(len, RUMOR_DATAGRAM_MAX - RUMOR_AUTH_LEN);
	free(buf);
	/* Build the one-byte-longer datagram by hand. */
	{
		uint8_t *big = test_alloc_exact(len + 1);
		struct state_delta d;

		m.u.delta.body_len--;
		CHECK_EQ(state_msg_encode(&m, big, len + 1), len - 1);
		test_put(big + 12, 2, len + 1 - HDR - RUMOR_CHANNEL_MAX);
		memcpy(big + len - 1, bytes, 2);
		CHECK_EQ(decode_exact(big, len + 1), STATE_WIRE_LENGTH);
		/* The part alone is a valid delta. */
		CHECK_EQ(state_delta_decode(big + HDR + RUMOR_CHANNEL_MAX,
				max + 1, &d), STATE_WIRE_OK);
		free(big);
	}
	CHECK_EQ(state_part_max(0) + state_part_max(RUMOR_CHANNEL_MAX + 1), 0);
	CHECK_EQ(state_part_max(1), STATE_PART_MAX);
}

/* A reply's room under a bound; a refusal never larger than a request. */
static void
test_reply_room(void)
{
	struct state_msg rq = msg_make(RUMOR_T_STATE_READ, "news", 4, 0, 0, 0);
	struct state_msg re = msg_make(RUMOR_T_STATE_REPLY, "news", 4, 0, 0, 0);
	uint8_t buf[RUMOR_DATAGRAM_MAX];
	size_t req_len, room;

	rq.u.read.kind = STATE_KIND_COUNTER;
	req_len = state_msg_encode(&rq, buf, sizeof(buf));
	CHECK_EQ(req_len, HDR + 4 + 40);
	/* The smallest request: a refusal fits it exactly; no state does. */
	CHECK_EQ(state_reply_room(4, req_len), 0);
	re.u.reply.kind = STATE_KIND_NONE;
	re.u.reply.status = STATE_ST_TOO_BIG;
	re.u.reply.level = 0;
	re.u.reply.replicas = 0;
	CHECK_EQ(state_msg_encode(&re, buf, req_len), req_len);
	/* A bound of 10 more: a state of 10 bytes, and not 11. */
	room = state_reply_room(4, req_len + 10);
	CHECK_EQ(room, 10);
	re = msg_make(RUMOR_T_STATE_REPLY, "news", 4, 0, 0, room);
	CHECK_EQ(state_msg_encode(&re, buf, req_len + 10), req_len + 10);
	re.u.reply.body_len++;
	CHECK_EQ(state_msg_encode(&re, buf, req_len + 10), 0);
	CHECK_EQ(state_reply_room(4, 0), 0);
	CHECK_EQ(state_reply_room(0, 9999) + state_reply_room(256, 9999), 0);
	CHECK_EQ(state_reply_room(4, SIZE_MAX), state_part_max(4) - 40);
}

/* Encoders refuse what would not decode, and write nothing. */
static void
test_encode_refusals(void)
{
	struct state_msg m;
	uint8_t small[STATE_WRITE_LEN];

	m = msg_make(RUMOR_T_STATE_WRITE, "news", 4, 1, 1, 1);
	m.u.write.request = 0;
	check_refused(&m, __LINE__);
	m = msg_make(RUMOR_T_STATE_WRITE, "news", 4, 1, 1, 1);
	m.u.write.level = STATE_LEVEL_NONE;
	check_refused(&m, __LINE__);
	m.u.write.level = STATE_LEVEL_MAX;
	check_refused(&m, __LINE__);
	m = msg_make(RUMOR_T_STATE_WRITE, "news", 4, 1, 1, 1);
	m.u.write.kind = STATE_KIND_COUNTER;
	check_refused(&m, __LINE__);
	m.u.write.op = STATE_OP_COUNTER_ADD;
	check_refused(&m, __LINE__);	/* a field and a value */
	m.u.write.field_len = 0;
	m.u.write.value_len = 0;
	m.u.write.by = 1;
	check_round_trip(&m, __LINE__);
	m.u.write.op = STATE_OP_MAX;
	check_refused(&m, __LINE__);
	m = msg_make(RUMOR_T_STATE_WRITE, "news", 4, 1, 1, 1);
	m.u.write.by = 1;
	check_refused(&m, __LINE__);
	m.u.write.by = 0;
	m.u.write.value_len = STATE_VALUE_MAX + 1;
	check_refused(&m, __LINE__);
	m.u.write.value_len = SIZE_MAX;
	check_refused(&m, __LINE__);
	m = msg_make(RUMOR_T_STATE_READ, "news", 4, 1, 1, 0);
	m.u.read.kind = STATE_KIND_NONE;
	check_refused(&m, __LINE__);
	m = msg_make(RUMOR_T_STATE_REPLY, "news", 4, 0, 0, 8);
	m.u.reply.request = 0;
	check_refused(&m, __LINE__);
	m = msg_make(RUMOR_T_STATE_REPLY, "news", 4, 0, 0, 8);
	m.u.reply.status = STATE_ST_MAX;
	check_refused(&m, __LINE__);
	m.u.reply.status = STATE_ST_OK;
	m.u.reply.replicas = STATE_REPLICAS_MAX + 1;
	check_refused(&m, __LINE__);
	m.u.reply.replicas = 1;
	m.u.reply.body_len = SIZE_MAX;
	check_refused(&m, __LINE__);
	m = msg_make(RUMOR_T_STATE_DELTA, "news", 4, 1, 0, 8);
	m.u.delta.kind = STATE_KIND_MAX;
	check_refused(&m, __LINE__);
	m.u.delta.kind = STATE_KIND_PRESENCE;
	m.u.delta.body_len = SIZE_MAX;
	check_refused(&m, __LINE__);
	/* Parts: into too small a buffer, nothing written. */
	m = msg_make(RUMOR_T_STATE_WRITE, "news", 4, 0, 0, 0);
	memset(small, 0xa5, sizeof(small));
	CHECK_EQ(state_write_encode(&m.u.write, small, sizeof(small) - 1), 0);
	CHECK_UNTOUCHED(small, sizeof(small), 0xa5);
	CHECK_EQ(state_write_encode(&m.u.write, small, sizeof(small)),
			sizeof(small));
	CHECK_EQ(state_write_len(&m.u.write), sizeof(small));
}

/* What the channel and replication decoders make of these: not theirs. */
static void
test_others(void)
{
	for (size_t t = 0; t < TEST_DIM(all_types); t++) {
		struct state_msg m = msg_make(all_types[t], "news", 4, 0, 0, 4);
		struct chan_msg c;
		struct repl_msg r;
		uint8_t *buf;
		size_t len;

		buf = encode_exact(&m, &len);
		if (!CHECK(buf != NULL))
			continue;
		CHECK_EQ(chan_msg_decode(buf, len, &c), CHAN_WIRE_TYPE);
		CHECK_EQ(repl_msg_decode(buf, len, &r), CHAN_WIRE_TYPE);
		CHECK_EQ(rumor_hdr_check(buf, len), RUMOR_HDR_OK);
		free(buf);
	}
}

static void
test_names(void)
{
	CHECK_NAMES(state_wire_error_name, enum state_wire_error,
			STATE_WIRE_ERROR_MAX);
	CHECK_NAMES(state_level_name, enum state_level, STATE_LEVEL_MAX);
	CHECK_NAMES(state_kind_name, enum state_kind, STATE_KIND_MAX);
	CHECK_NAMES(state_op_name, enum state_op, STATE_OP_MAX);
	CHECK_NAMES(state_status_name, enum state_status, STATE_ST_MAX);
	CHECK_NAMES(state_form_name, enum state_form, STATE_FORM_MAX);
	CHECK(strcmp(state_wire_error_name(STATE_WIRE_ERROR_MAX), "?") == 0);
	CHECK(strcmp(state_status_name(STATE_ST_MAX), "?") == 0);
	CHECK(strcmp(state_level_name(STATE_LEVEL_QUORUM), "quorum") == 0);
	CHECK(strcmp(chan_type_name(RUMOR_T_STATE_WRITE), "STATE_WRITE") == 0);
	CHECK(strcmp(chan_type_name(RUMOR_T_STATE_DIGEST), "STATE_DIGEST") ==
			0);
	for (size_t t = 0; t < TEST_DIM(all_types); t++)
		CHECK_EQ(all_types[t], 23 + t);
	CHECK_EQ(RUMOR_T_MAX, 28);
	CHECK_EQ(STATE_KIND_COUNTER, CRDT_T_COUNTER);
	CHECK_EQ(STATE_KIND_REGISTER, CRDT_T_REGISTER);
	CHECK_EQ(STATE_KIND_PRESENCE, CRDT_T_PRESENCE);
	for (unsigned op = 0; op < STATE_OP_MAX; op++)
		CHECK((op == STATE_OP_NONE) ==
				(state_op_kind(op) == STATE_KIND_NONE));
	CHECK_EQ(state_op_kind(STATE_OP_MAX), STATE_KIND_NONE);
}

/*
 * Random corruption of valid messages: every verdict is named, and what
 * is accepted encodes back to the same bytes.
 */
static void
test_random(void)
{
	uint64_t seed = 14;

	for (int i = 0; i < 20000; i++) {
		uint8_t type = all_types[test_rand(&seed) % TEST_DIM(all_types)];
		struct state_msg m = msg_make(type, "news", 4,
				test_rand(&seed) % 4, 1, 4 + test_rand(&seed) % 4);
		uint8_t *buf;
		size_t len;
		enum state_wire_error e;

		buf = encode_exact(&m, &len);
		if (!CHECK(buf != NULL))
			continue;
		for (int k = 0; k < 1 + (int)(test_rand(&seed) % 3); k++)
			buf[HDR + 4 + test_rand(&seed) % (len - HDR - 4)] ^=
					(uint8_t)(1u << (test_rand(&seed) % 8));
		e = decode_exact(buf, len);
		CHECK(e < STATE_WIRE_ERROR_MAX);
		if (e == STATE_WIRE_OK)
			check_reencodes(buf, len);
		free(buf);
	}
}

static const struct test_section sections[] = {
	{ "layout", test_layout },
	{ "round_trip", test_round_trip },
	{ "requests", test_fields_requests },
	{ "keys", test_fields_keys },
	{ "reply", test_fields_reply },
	{ "delta", test_fields_delta },
	{ "digest", test_fields_digest },
	{ "part_lengths", test_part_lengths },
	{ "header", test_header },
	{ "auth_room", test_auth_room },
	{ "reply_room", test_reply_room },
	{ "refusals", test_encode_refusals },
	{ "others", test_others },
	{ "names", test_names },
	{ "random", test_random },
};

int
main(int argc, char **argv)
{
	bytes_init();
	return test_run(argc, argv, "test_state_wire", sections,
			TEST_DIM(sections));
}
