/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the control-link codec (include/rumor/link_proto.h):
 * every message type round-trips; every truncation, extension and field
 * out of range is refused with the right error; TABLE chunks reassemble
 * only in order. Packets are decoded from heap buffers of exactly their
 * length, so that ASan reports any read beyond it.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/link_proto.h"
#include "rumor/ring.h"
#include "test.h"

static uint8_t *
dup_exact(const uint8_t *p, size_t len)
{
	uint8_t *d = malloc(len > 0 ? len : 1);

	if (d == NULL)
		abort();
	memcpy(d, p, len);
	return d;
}

static enum link_error
decode_exact(const uint8_t *p, size_t len, struct link_msg *m)
{
	uint8_t *d = dup_exact(p, len);
	enum link_error e = link_decode(d, len, m);

	/* Pointers into d are not used after this: copy what tests need. */
	free(d);
	return e;
}

/* Every prefix of a good packet is refused, and one byte more too. */
static void
check_lengths(const uint8_t *good, size_t len)
{
	uint8_t more[LINK_MSG_MAX + 1];
	struct link_msg m;

	for (size_t n = 0; n < len; n++) {
		enum link_error e = decode_exact(good, n, &m);

		if (!CHECK(e != LINK_OK))
			fprintf(stderr, "  (prefix of %zu of %zu bytes)\n", n,
					len);
	}
	memcpy(more, good, len);
	more[len] = 0;
	CHECK(decode_exact(more, len + 1, &m) != LINK_OK);
}

static void
test_header(void)
{
	uint8_t b[LINK_MSG_MAX];
	struct link_msg m;
	size_t n = link_encode_empty(b, sizeof(b), LINK_STATS_REQ);
	uint16_t v;

	CHECK_EQ(n, LINK_HDR_LEN);
	CHECK_EQ(decode_exact(b, n, &m), LINK_OK);
	CHECK_EQ(m.type, LINK_STATS_REQ);
	CHECK_EQ(decode_exact(b, 0, &m), LINK_E_SHORT);
	CHECK_EQ(decode_exact(b, LINK_HDR_LEN - 1, &m), LINK_E_SHORT);

	/* Another version, an unknown type. */
	v = LINK_PROTO_VERSION + 1;
	memcpy(b + 2, &v, 2);
	CHECK_EQ(decode_exact(b, n, &m), LINK_E_VERSION);
	v = LINK_PROTO_VERSION;
	memcpy(b + 2, &v, 2);
	for (uint32_t t = 0; t < 0x10000; t += (t < 64 ? 1 : 977)) {
		uint16_t t16 = (uint16_t)t;

		memcpy(b, &t16, 2);
		if (t == 0 || t >= LINK_TYPE_MAX)
			CHECK_EQ(decode_exact(b, n, &m), LINK_E_TYPE);
	}
	/* A length that disagrees with the packet. */
	n = link_encode_empty(b, sizeof(b), LINK_STATS_REQ);
	b[4] = 1;
	CHECK_EQ(decode_exact(b, n, &m), LINK_E_LENGTH);
	memset(b + 4, 0xff, 4);
	CHECK_EQ(decode_exact(b, n, &m), LINK_E_LENGTH);

	/* Encoders refuse the wrong types and too little room. */
	CHECK_EQ(link_encode_empty(b, sizeof(b), LINK_HELLO), 0);
	CHECK_EQ(link_encode_u32(b, sizeof(b), LINK_STATS, 1), 0);
	CHECK_EQ(link_encode_empty(b, LINK_HDR_LEN - 1, LINK_STATS_REQ), 0);
	CHECK_EQ(link_encode_hello(b, LINK_HDR_LEN + 7, 1), 0);

	CHECK(strcmp(link_type_name(LINK_TABLE), "table") == 0);
	CHECK(strcmp(link_type_name(0), "unknown") == 0);
	CHECK(strcmp(link_type_name(LINK_TYPE_MAX), "unknown") == 0);
	CHECK(strcmp(link_error_name(LINK_E_FIELD), "field") == 0);
	CHECK(strcmp(link_error_name(LINK_ERROR_MAX), "unknown") == 0);
}

static void
test_hello_incarnation_stats(void)
{
	uint8_t b[LINK_MSG_MAX];
	char text[LINK_STATS_TEXT_MAX + 1];
	struct link_msg m;
	size_t n;

	n = link_encode_hello(b, sizeof(b), 4242);
	CHECK_EQ(n, LINK_HDR_LEN + 8);
	CHECK_EQ(decode_exact(b, n, &m), LINK_OK);
	CHECK_EQ(m.type, LINK_HELLO);
	CHECK_EQ(m.u.pid, 4242);
	check_lengths(b, n);
	b[LINK_HDR_LEN + 6] = 1;		/* Reserved. */
	CHECK_EQ(decode_exact(b, n, &m), LINK_E_FIELD);

	n = link_encode_u32(b, sizeof(b), LINK_INCARNATION, UINT32_MAX);
	CHECK_EQ(decode_exact(b, n, &m), LINK_OK);
	CHECK_EQ(m.u.incarnation, UINT32_MAX);
	check_lengths(b, n);

	memset(text, 'x', sizeof(text));
	n = link_encode_stats(b, sizeof(b), text, LINK_STATS_TEXT_MAX);
	CHECK_EQ(n, LINK_HDR_LEN + LINK_STATS_TEXT_MAX);
	CHECK_EQ(decode_exact(b, n, &m), LINK_OK);
	CHECK_EQ(m.u.stats.len, LINK_STATS_TEXT_MAX);
	CHECK_EQ(link_encode_stats(b, sizeof(b), text,
			LINK_STATS_TEXT_MAX + 1), 0);
	n = link_encode_stats(b, sizeof(b), "", 0);
	CHECK_EQ(decode_exact(b, n, &m), LINK_OK);
	CHECK_EQ(m.u.stats.len, 0);
	/* A STATS packet longer than allowed, by its header. */
	{
		uint32_t big = LINK_STATS_TEXT_MAX + 1;
		uint8_t *p = calloc(1, LINK_HDR_LEN + big);

		if (p == NULL)
			abort();
		n = link_encode_stats(p, LINK_HDR_LEN + big, "", 0);
		memcpy(p + 4, &big, 4);
		CHECK_EQ(decode_exact(p, LINK_HDR_LEN + big, &m),
				LINK_E_LENGTH);
		free(p);
	}
}

static void
test_state(void)
{
	struct link_state s = {
		.node_id = 7, .address = htonl(0x0a000001), .udp_port = 7946,
		.zone = 3, .weight = RING_WEIGHT_MAX, .incarnation = 99,
		.ring_epoch = 0x0102030405060708ull, .n_members = 5,
	};
	uint8_t b[LINK_MSG_MAX];
	struct link_msg m;
	size_t n = link_encode_state(b, sizeof(b), &s);

	CHECK_EQ(n, LINK_HDR_LEN + 32);
	CHECK_EQ(decode_exact(b, n, &m), LINK_OK);
	CHECK_EQ(m.type, LINK_STATE);
	CHECK_EQ(m.u.state.node_id, 7);
	CHECK_EQ(m.u.state.address, htonl(0x0a000001));
	CHECK_EQ(m.u.state.udp_port, 7946);
	CHECK_EQ(m.u.state.zone, 3);
	CHECK_EQ(m.u.state.weight, RING_WEIGHT_MAX);
	CHECK_EQ(m.u.state.incarnation, 99);
	CHECK_EQ(m.u.state.ring_epoch, 0x0102030405060708ull);
	CHECK_EQ(m.u.state.n_members, 5);
	check_lengths(b, n);

	/* Each field out of range, by the encoder and by the decoder. */
	{
		struct link_state bad;
		uint8_t *body = b + LINK_HDR_LEN;
		uint32_t zero = 0, w = RING_WEIGHT_MAX + 1;

		bad = s;
		bad.node_id = 0;
		CHECK_EQ(link_encode_state(b, sizeof(b), &bad), 0);
		bad = s;
		bad.weight = 0;
		CHECK_EQ(link_encode_state(b, sizeof(b), &bad), 0);
		bad = s;
		bad.udp_port = 0;
		CHECK_EQ(link_encode_state(b, sizeof(b), &bad), 0);
		bad = s;
		bad.n_members = RING_MEMBERS_MAX + 1;
		CHECK_EQ(link_encode_state(b, sizeof(b), &bad), 0);

		n = link_encode_state(b, sizeof(b), &s);
		memcpy(body, &zero, 4);
		CHECK_EQ(decode_exact(b, n, &m), LINK_E_FIELD);
		n = link_encode_state(b, sizeof(b), &s);
		body[11] = 1;
		CHECK_EQ(decode_exact(b, n, &m), LINK_E_FIELD);
		n = link_encode_state(b, sizeof(b), &s);
		memcpy(body + 12, &w, 4);
		CHECK_EQ(decode_exact(b, n, &m), LINK_E_FIELD);
		n = link_encode_state(b, sizeof(b), &s);
		memset(body + 8, 0, 2);
		CHECK_EQ(decode_exact(b, n, &m), LINK_E_FIELD);
	}
}

static void
test_dgram(void)
{
	static uint8_t payload[RUMOR_DATAGRAM_MAX + 1];
	uint8_t b[LINK_MSG_MAX];
	struct link_msg m;
	size_t n;

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7);
	for (uint16_t type = LINK_PUNT; type <= LINK_SEND; type++) {
		const uint16_t lens[] = { 1, 2, 100, RUMOR_DATAGRAM_MAX };

		for (unsigned i = 0; i < 4; i++) {
			uint8_t *d;

			n = link_encode_dgram(b, sizeof(b), type,
					htonl(0x0a010203), 9999, payload,
					lens[i]);
			CHECK_EQ(n, LINK_HDR_LEN + 8u + lens[i]);
			d = dup_exact(b, n);
			CHECK_EQ(link_decode(d, n, &m), LINK_OK);
			CHECK_EQ(m.type, type);
			CHECK_EQ(m.u.dgram.ip, htonl(0x0a010203));
			CHECK_EQ(m.u.dgram.udp_port, 9999);
			CHECK_EQ(m.u.dgram.len, lens[i]);
			CHECK(memcmp(m.u.dgram.data, payload, lens[i]) == 0);
			free(d);
			if (lens[i] < 200)
				check_lengths(b, n);
		}
		CHECK_EQ(link_encode_dgram(b, sizeof(b), type, 1, 9999,
				payload, 0), 0);
		CHECK_EQ(link_encode_dgram(b, sizeof(b), type, 1, 9999,
				payload, RUMOR_DATAGRAM_MAX + 1), 0);
		CHECK_EQ(link_encode_dgram(b, sizeof(b), type, 1, 0,
				payload, 10), 0);
		CHECK_EQ(link_encode_dgram(b, LINK_HDR_LEN + 8 + 9, type, 1, 1,
				payload, 10), 0);
	}
	CHECK_EQ(link_encode_dgram(b, sizeof(b), LINK_TABLE, 1, 1, payload, 1),
			0);

	/* Inner length disagreeing, zero, too large; port zero. */
	n = link_encode_dgram(b, sizeof(b), LINK_SEND, 1, 5, payload, 10);
	b[LINK_HDR_LEN + 6] = 11;
	b[LINK_HDR_LEN + 7] = 0;
	CHECK_EQ(decode_exact(b, n, &m), LINK_E_LENGTH);
	memset(b + LINK_HDR_LEN + 6, 0, 2);
	CHECK_EQ(decode_exact(b, n, &m), LINK_E_FIELD);
	memset(b + LINK_HDR_LEN + 6, 0xff, 2);
	CHECK_EQ(decode_exact(b, n, &m), LINK_E_FIELD);
	n = link_encode_dgram(b, sizeof(b), LINK_SEND, 1, 5, payload, 10);
	memset(b + LINK_HDR_LEN + 4, 0, 2);
	CHECK_EQ(decode_exact(b, n, &m), LINK_E_FIELD);
}

static void
members_make(struct link_member *m, uint32_t n, uint32_t base)
{
	for (uint32_t i = 0; i < n; i++) {
		m[i].id = base + i + 1;
		m[i].ip = htonl(0x0a000000u + base + i + 1);
		m[i].udp_port = (uint16_t)(7000 + i);
		m[i].zone = (uint8_t)i;
		m[i].weight = 1 + i % RING_WEIGHT_MAX;
	}
}

static void
test_table(void)
{
	static struct link_member mem[3000];
	static uint8_t b[LINK_MSG_MAX + 64];
	struct link_table_asm a;
	struct link_msg m;
	size_t n;
	int rc = 0;

	members_make(mem, 3000, 100);
	memset(&a, 0, sizeof(a));

	/* One whole table in chunks of the largest size. */
	for (uint32_t first = 0; first < 3000; first += LINK_TABLE_CHUNK_MAX) {
		uint32_t k = 3000 - first < LINK_TABLE_CHUNK_MAX ?
				3000 - first : LINK_TABLE_CHUNK_MAX;
		uint8_t *d;

		n = link_encode_table(b, sizeof(b), 77, 3000, first,
				mem + first, k);
		CHECK_EQ(n, LINK_HDR_LEN + 24 + k * LINK_MEMBER_LEN);
		CHECK(n <= LINK_MSG_MAX);
		d = dup_exact(b, n);
		CHECK_EQ(link_decode(d, n, &m), LINK_OK);
		CHECK_EQ(m.u.table.n, k);
		rc = link_table_feed(&a, &m.u.table);
		CHECK_EQ(rc, first + k == 3000 ? 1 : 0);
		free(d);
	}
	CHECK_EQ(a.total, 3000);
	for (uint32_t i = 0; i < 3000; i++) {
		if (!CHECK_EQ(a.m[i].id, mem[i].id) ||
				!CHECK_EQ(a.m[i].ip, mem[i].ip) ||
				!CHECK_EQ(a.m[i].udp_port, mem[i].udp_port) ||
				!CHECK_EQ(a.m[i].zone, mem[i].zone) ||
				!CHECK_EQ(a.m[i].weight, mem[i].weight))
			break;
	}

	/* Out of order, another id mid-table, a repeated chunk: dropped. */
	{
		uint8_t c0[LINK_MSG_MAX], c1[LINK_MSG_MAX];
		size_t n0 = link_encode_table(c0, sizeof(c0), 8, 20, 0, mem, 10);
		size_t n1 = link_encode_table(c1, sizeof(c1), 8, 20, 10,
				mem + 10, 10);
		struct link_msg m0, m1;

		CHECK_EQ(link_decode(c0, n0, &m0), LINK_OK);
		CHECK_EQ(link_decode(c1, n1, &m1), LINK_OK);
		CHECK_EQ(link_table_feed(&a, &m1.u.table), -1);
		CHECK_EQ(link_table_feed(&a, &m0.u.table), 0);
		CHECK_EQ(link_table_feed(&a, &m0.u.table), 0); /* Restart. */
		CHECK_EQ(link_table_feed(&a, &m1.u.table), 1);
		CHECK_EQ(link_table_feed(&a, &m0.u.table), 0);
		m1.u.table.table_id = 9;
		CHECK_EQ(link_table_feed(&a, &m1.u.table), -1);
		CHECK(a.m == NULL);
		m1.u.table.table_id = 8;
		CHECK_EQ(link_table_feed(&a, &m0.u.table), 0);
		CHECK_EQ(link_table_feed(&a, &m0.u.table), 0);
		CHECK_EQ(link_table_feed(&a, &m1.u.table), 1);
		check_lengths(c0, n0);
	}

	/* Encoder ranges. */
	CHECK_EQ(link_encode_table(b, sizeof(b), 1, 0, 0, mem, 1), 0);
	CHECK_EQ(link_encode_table(b, sizeof(b), 1, 5, 0, mem, 0), 0);
	CHECK_EQ(link_encode_table(b, sizeof(b), 1, 5, 5, mem, 1), 0);
	CHECK_EQ(link_encode_table(b, sizeof(b), 1, 5, 4, mem, 2), 0);
	CHECK_EQ(link_encode_table(b, sizeof(b), 1, RING_MEMBERS_MAX + 1, 0,
			mem, 1), 0);
	CHECK_EQ(link_encode_table(b, sizeof(b), 1, 3000, 0, mem,
			LINK_TABLE_CHUNK_MAX + 1), 0);
	CHECK_EQ(link_encode_table(b, LINK_HDR_LEN + 24 + 15, 1, 1, 0, mem, 1),
			0);
	{
		struct link_member bad = mem[0];

		bad.id = 0;
		CHECK_EQ(link_encode_table(b, sizeof(b), 1, 1, 0, &bad, 1), 0);
		bad = mem[0];
		bad.weight = 0;
		CHECK_EQ(link_encode_table(b, sizeof(b), 1, 1, 0, &bad, 1), 0);
		bad.weight = RING_WEIGHT_MAX + 1;
		CHECK_EQ(link_encode_table(b, sizeof(b), 1, 1, 0, &bad, 1), 0);
		bad = mem[0];
		bad.udp_port = 0;
		CHECK_EQ(link_encode_table(b, sizeof(b), 1, 1, 0, &bad, 1), 0);
	}

	/* Decoder: each field of the chunk header and of a member. */
	{
		uint8_t *body = b + LINK_HDR_LEN;
		uint32_t v;
		const struct {
			size_t off;
			uint32_t v;
		} bad32[] = {
			{ 8, 0 },			/* total */
			{ 8, RING_MEMBERS_MAX + 1 },
			{ 12, 3 },			/* first >= total */
			{ 16, 0 },			/* n */
			{ 16, 3 },			/* n > total - first */
			{ 20, 2 },			/* flags: reserved */
			{ 20, 0x80000000u },
			{ 24 + 16, 0 },			/* member 1 id */
			{ 24 + 16 + 12, 0 },		/* member 1 weight */
			{ 24 + 16 + 12, RING_WEIGHT_MAX + 1 },
		};

		for (unsigned i = 0; i < sizeof(bad32) / sizeof(bad32[0]);
				i++) {
			n = link_encode_table(b, sizeof(b), 1, 3, 1, mem, 2);
			CHECK_EQ(decode_exact(b, n, &m), LINK_OK);
			v = bad32[i].v;
			memcpy(body + bad32[i].off, &v, 4);
			if (!CHECK_EQ(decode_exact(b, n, &m), LINK_E_FIELD))
				fprintf(stderr, "  (offset %zu)\n",
						bad32[i].off);
		}
		n = link_encode_table(b, sizeof(b), 1, 3, 1, mem, 2);
		body[24 + 11] = 1;		/* Member reserved byte. */
		CHECK_EQ(decode_exact(b, n, &m), LINK_E_FIELD);
		n = link_encode_table(b, sizeof(b), 1, 3, 1, mem, 2);
		memset(body + 24 + 8, 0, 2);	/* Member port. */
		CHECK_EQ(decode_exact(b, n, &m), LINK_E_FIELD);
		/* Count of members disagreeing with the length. */
		n = link_encode_table(b, sizeof(b), 1, 3, 0, mem, 2);
		v = 1;
		memcpy(body + 16, &v, 4);
		CHECK_EQ(decode_exact(b, n, &m), LINK_E_LENGTH);
	}
	link_table_asm_free(&a);
	link_table_asm_free(&a);		/* Safe twice. */
}

/* TABLE flags: a committed ring epoch rides as the table id. */
static void
test_table_epoch(void)
{
	static struct link_member mem[20];
	static uint8_t b[LINK_MSG_MAX], c[LINK_MSG_MAX];
	struct link_table_asm a;
	struct link_msg m, m1;
	size_t n, n1;

	members_make(mem, 20, 7);
	memset(&a, 0, sizeof(a));
	n = link_encode_table_flags(b, sizeof(b), 42, LINK_TABLE_F_EPOCH, 5,
			0, mem, 5);
	CHECK(n > 0);
	/* Decoded in place: the chunk fed below points into b. */
	CHECK_EQ(link_decode(b, n, &m), LINK_OK);
	CHECK_EQ(m.u.table.table_id, 42);
	CHECK_EQ(m.u.table.flags, LINK_TABLE_F_EPOCH);
	CHECK_EQ(link_table_feed(&a, &m.u.table), 1);
	CHECK_EQ(a.flags, LINK_TABLE_F_EPOCH);
	CHECK_EQ(a.table_id, 42);

	/* Without flags: as link_encode_table. */
	n = link_encode_table_flags(b, sizeof(b), 42, 0, 5, 0, mem, 5);
	n1 = link_encode_table(c, sizeof(c), 42, 5, 0, mem, 5);
	CHECK_EQ(n, n1);
	CHECK(memcmp(b, c, n) == 0);
	CHECK_EQ(decode_exact(b, n, &m), LINK_OK);
	CHECK_EQ(m.u.table.flags, 0);

	/* Epoch 0 does not exist; unknown flags are refused. */
	CHECK_EQ(link_encode_table_flags(b, sizeof(b), 0, LINK_TABLE_F_EPOCH, 5,
			0, mem, 5), 0);
	CHECK_EQ(link_encode_table_flags(b, sizeof(b), 1, 2, 5, 0, mem, 5), 0);
	CHECK_EQ(link_encode_table_flags(b, sizeof(b), 1, 16, 5, 0, mem, 5), 0);
	/* ALIVE goes alone. */
	n = link_encode_table_flags(b, sizeof(b), 7, LINK_TABLE_F_ALIVE, 5, 0,
			mem, 5);
	CHECK(n > 0);
	CHECK_EQ(decode_exact(b, n, &m), LINK_OK);
	CHECK_EQ(m.u.table.flags, LINK_TABLE_F_ALIVE);
	CHECK_EQ(link_encode_table_flags(b, sizeof(b), 7, LINK_TABLE_F_ALIVE |
			LINK_TABLE_F_EPOCH, 5, 0, mem, 5), 0);
	/* LEFT and PREV go with EPOCH only. */
	CHECK_EQ(link_encode_table_flags(b, sizeof(b), 1, LINK_TABLE_F_PREV, 5,
			0, mem, 5), 0);
	n = link_encode_table_flags(b, sizeof(b), 3, LINK_TABLE_F_EPOCH |
			LINK_TABLE_F_LEFT, 5, 0, mem, 5);
	CHECK(n > 0);
	CHECK_EQ(decode_exact(b, n, &m), LINK_OK);
	CHECK_EQ(m.u.table.flags, LINK_TABLE_F_EPOCH | LINK_TABLE_F_LEFT);
	n = link_encode_table_flags(b, sizeof(b), 3, LINK_TABLE_F_EPOCH |
			LINK_TABLE_F_PREV, 5, 0, mem, 5);
	CHECK(n > 0);
	CHECK_EQ(decode_exact(b, n, &m), LINK_OK);
	CHECK_EQ(m.u.table.flags, LINK_TABLE_F_EPOCH | LINK_TABLE_F_PREV);
	{
		/* The link is local: flags are in host order. */
		uint32_t f = LINK_TABLE_F_LEFT | LINK_TABLE_F_PREV;

		memcpy(b + LINK_HDR_LEN + 20, &f, 4);
		CHECK_EQ(decode_exact(b, n, &m), LINK_E_FIELD);
		f = LINK_TABLE_F_EPOCH | LINK_TABLE_F_LEFT | LINK_TABLE_F_PREV;
		memcpy(b + LINK_HDR_LEN + 20, &f, 4);
		CHECK_EQ(decode_exact(b, n, &m), LINK_OK);
		f = LINK_TABLE_F_EPOCH | LINK_TABLE_F_ALIVE;
		memcpy(b + LINK_HDR_LEN + 20, &f, 4);
		CHECK_EQ(decode_exact(b, n, &m), LINK_E_FIELD);
		f = LINK_TABLE_F_EPOCH | 16;
		memcpy(b + LINK_HDR_LEN + 20, &f, 4);
		CHECK_EQ(decode_exact(b, n, &m), LINK_E_FIELD);
	}
	n = link_encode_table_flags(b, sizeof(b), 1, LINK_TABLE_F_EPOCH, 5, 0,
			mem, 5);
	memset(b + LINK_HDR_LEN, 0, 8);		/* table id 0 */
	CHECK_EQ(decode_exact(b, n, &m), LINK_E_FIELD);

	/* Chunks of one table must agree on the flags. */
	n = link_encode_table_flags(b, sizeof(b), 9, LINK_TABLE_F_EPOCH, 20, 0,
			mem, 10);
	n1 = link_encode_table_flags(c, sizeof(c), 9, 0, 20, 10, mem + 10,
			10);
	CHECK_EQ(link_decode(b, n, &m), LINK_OK);
	CHECK_EQ(link_decode(c, n1, &m1), LINK_OK);
	CHECK_EQ(link_table_feed(&a, &m.u.table), 0);
	CHECK_EQ(link_table_feed(&a, &m1.u.table), -1);
	link_table_asm_free(&a);
}

/* Random bytes: never accepted with the wrong length, never a crash. */
static void
test_random(void)
{
	uint64_t seed = 12345;
	uint8_t b[256];
	struct link_msg m;

	for (unsigned iter = 0; iter < 200000; iter++) {
		size_t len = test_rand(&seed) % sizeof(b);
		uint16_t t = (uint16_t)(test_rand(&seed) % (LINK_TYPE_MAX + 1));
		uint16_t v = LINK_PROTO_VERSION;
		uint32_t blen = len >= LINK_HDR_LEN ? (uint32_t)len - LINK_HDR_LEN :
				0;

		for (size_t i = 0; i < len; i++)
			b[i] = (uint8_t)test_rand(&seed);
		/* Mostly well-formed headers, to reach the bodies. */
		if (len >= LINK_HDR_LEN && (iter & 3) != 0) {
			memcpy(b, &t, 2);
			memcpy(b + 2, &v, 2);
			memcpy(b + 4, &blen, 4);
		}
		if (decode_exact(b, len, &m) == LINK_OK)
			CHECK(len >= LINK_HDR_LEN);
	}
}

static const struct test_section sections[] = {
	{ "header", test_header },
	{ "hello", test_hello_incarnation_stats },
	{ "state", test_state },
	{ "dgram", test_dgram },
	{ "table", test_table },
	{ "table_epoch", test_table_epoch },
	{ "random", test_random },
};

int
main(int argc, char **argv)
{
	return test_run(argc, argv, "test_link_proto", sections,
			TEST_DIM(sections));
}
