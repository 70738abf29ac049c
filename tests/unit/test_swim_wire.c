/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The membership message codec (include/rumor/swim_wire.h): round trips
 * of every kind, each decoder verdict from a specific malformed message,
 * truncation at every length, encoder refusals, and random corruption.
 * Buffers are allocated at their exact length so that ASan catches any
 * read or write beyond them.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/ring.h"
#include "rumor/swim_wire.h"
#include "test.h"

/* The wire length of a message with n updates. */
static size_t
msg_len(unsigned int n)
{
	return SWIM_HDR_LEN + (size_t)n * SWIM_UPDATE_LEN;
}

/*
 * A valid message of this kind with n updates. Fields are patterned so
 * that a byte in the wrong place shows; the updates go through every
 * state and reach both ends of the weight range.
 */
static struct swim_msg
msg_make(uint8_t kind, unsigned int n)
{
	struct swim_msg m;

	memset(&m, 0, sizeof(m));
	m.kind = kind;
	m.n_updates = (uint8_t)n;
	m.from = 0x01020304;
	m.seq = 0x05060708;
	m.target = kind == SWIM_PING || kind == SWIM_PING_REQ ? 0x090a0b0c : 0;
	if (kind == SWIM_PING_REQ) {
		m.target_ip = htonl(0x0a000003);
		m.target_port = 7946;
	}
	for (unsigned int i = 0; i < n; i++) {
		struct swim_update *u = &m.updates[i];

		u->id = 0x10000000u + i;
		u->ip = htonl(0x0a000100u + i);
		u->port = (uint16_t)(7000 + i);
		u->state = (uint8_t)(i % SWIM_STATE_MAX);
		u->zone = (uint8_t)(i * 37);
		u->incarnation = 0xa0b0c0d0u + i;
		u->weight = i == 0 ? 1 : i == 1 ? RING_WEIGHT_MAX :
				1 + (i * 37) % RING_WEIGHT_MAX;
	}
	return m;
}

/* True if a and b hold the same message (padding aside). */
static bool
msg_equal(const struct swim_msg *a, const struct swim_msg *b)
{
	if (a->kind != b->kind || a->n_updates != b->n_updates ||
			a->from != b->from || a->seq != b->seq ||
			a->target != b->target ||
			a->target_ip != b->target_ip ||
			a->target_port != b->target_port)
		return false;
	for (unsigned int i = 0; i < a->n_updates; i++) {
		const struct swim_update *x = &a->updates[i];
		const struct swim_update *y = &b->updates[i];

		if (x->id != y->id || x->ip != y->ip || x->port != y->port ||
				x->state != y->state || x->zone != y->zone ||
				x->incarnation != y->incarnation ||
				x->weight != y->weight)
			return false;
	}
	return true;
}

/* Encode m exactly; decode an exact copy (test.h). */
#define msg_encode_exact(m, len) \
	TEST_ENCODE_EXACT(swim_encode, (m), msg_len((m)->n_updates), (len))
#define decode_exact(buf, len, out) \
	TEST_DECODE_EXACT(swim_decode, (buf), (len), (out))

/* The bytes of m match the layout of the header comment. */
static void
check_layout(const struct swim_msg *m, const uint8_t *buf)
{
	CHECK_EQ(buf[0], m->kind);
	CHECK_EQ(buf[1], m->n_updates);
	CHECK_EQ(buf[2], 0);
	CHECK_EQ(buf[3], 0);
	CHECK_EQ((uint32_t)test_get(buf + 4, 4), m->from);
	CHECK_EQ((uint32_t)test_get(buf + 8, 4), m->seq);
	CHECK_EQ((uint32_t)test_get(buf + 12, 4), m->target);
	CHECK(memcmp(buf + 16, &m->target_ip, 4) == 0);
	CHECK_EQ(buf[20], m->target_port >> 8);
	CHECK_EQ(buf[21], m->target_port & 0xff);
	CHECK_EQ(buf[22], 0);
	CHECK_EQ(buf[23], 0);
	for (unsigned int i = 0; i < m->n_updates; i++) {
		const uint8_t *p = buf + msg_len(i);
		const struct swim_update *u = &m->updates[i];

		CHECK_EQ((uint32_t)test_get(p, 4), u->id);
		CHECK(memcmp(p + 4, &u->ip, 4) == 0);
		CHECK_EQ(p[8], u->port >> 8);
		CHECK_EQ(p[9], u->port & 0xff);
		CHECK_EQ(p[10], u->state);
		CHECK_EQ(p[11], u->zone);
		CHECK_EQ((uint32_t)test_get(p + 12, 4), u->incarnation);
		CHECK_EQ((uint32_t)test_get(p + 16, 4), u->weight);
	}
}

static void
test_round_trip(void)
{
	static const unsigned int counts[] = { 0, 1, SWIM_UPDATES_MAX };
	uint8_t big[SWIM_MSG_MAX + 16];

	for (uint8_t kind = SWIM_PING; kind < SWIM_KIND_MAX; kind++) {
		for (size_t ci = 0; ci < sizeof(counts) / sizeof(counts[0]);
				ci++) {
			struct swim_msg m = msg_make(kind, counts[ci]);
			struct swim_msg d;
			size_t len, want = msg_len(counts[ci]);
			uint8_t *buf = msg_encode_exact(&m, &len);
			uint8_t *odd;

			CHECK_EQ(len, want);
			check_layout(&m, buf);
			memset(&d, 0xee, sizeof(d));
			CHECK_EQ(decode_exact(buf, len, &d), SWIM_WIRE_OK);
			CHECK(msg_equal(&m, &d));

			/* More room than needed: nothing written past len. */
			memset(big, 0xa5, sizeof(big));
			CHECK_EQ(swim_encode(&m, big, sizeof(big)), want);
			CHECK(memcmp(big, buf, want) == 0);
			for (size_t i = want; i < sizeof(big); i++)
				if (!CHECK_EQ(big[i], 0xa5))
					break;

			/* At an odd address, the same. */
			odd = test_alloc_exact(want + 1);
			memcpy(odd + 1, buf, want);
			CHECK_EQ(swim_decode(odd + 1, want, &d), SWIM_WIRE_OK);
			CHECK(msg_equal(&m, &d));
			CHECK_EQ(swim_encode(&d, odd + 1, want), want);
			CHECK(memcmp(odd + 1, buf, want) == 0);
			free(odd);
			free(buf);
		}
	}

	/* The ends of every range are accepted. */
	{
		struct swim_msg m = msg_make(SWIM_ACK, SWIM_STATE_MAX);
		struct swim_msg d;
		size_t len;
		uint8_t *buf;

		m.from = UINT32_MAX;
		m.updates[0].id = UINT32_MAX;
		m.updates[0].weight = RING_WEIGHT_MAX;
		m.updates[0].incarnation = UINT32_MAX;
		m.updates[1].weight = 1;
		m.updates[1].incarnation = 0;
		m.updates[SWIM_STATE_MAX - 1].state = SWIM_STATE_MAX - 1;
		buf = msg_encode_exact(&m, &len);
		CHECK_EQ(len, msg_len(SWIM_STATE_MAX));
		CHECK_EQ(decode_exact(buf, len, &d), SWIM_WIRE_OK);
		CHECK(msg_equal(&m, &d));
		free(buf);
	}
}

/* Decode a corrupt copy of good and check the verdict. */
static void
check_bad(const uint8_t *good, size_t len, size_t off, uint8_t byte,
		enum swim_wire_error want, int line)
{
	uint8_t *bad = test_copy_exact(good, len);
	struct swim_msg d;
	enum swim_wire_error e;

	bad[off] = byte;
	e = swim_decode(bad, len, &d);
	if (!CHECK_EQ(e, want))
		fprintf(stderr, "  (line %d: byte %zu set to 0x%02x gives %s, "
				"not %s)\n", line, off, byte,
				swim_wire_error_name(e),
				swim_wire_error_name(want));
	free(bad);
}

#define CHECK_BAD(off, byte, want) \
	check_bad(good, len, (off), (byte), (want), __LINE__)

static void
test_errors(void)
{
	struct swim_msg m = msg_make(SWIM_PING_REQ, 3);
	struct swim_msg d;
	size_t len, last = msg_len(2);
	uint8_t *good = msg_encode_exact(&m, &len);
	uint8_t *big;

	CHECK_EQ(len, 84);
	CHECK_EQ(decode_exact(good, len, &d), SWIM_WIRE_OK);

	/* SHORT: less than the fixed part, even with nothing else wrong. */
	CHECK_EQ(decode_exact(good, 0, &d), SWIM_WIRE_SHORT);
	CHECK_EQ(decode_exact(good, SWIM_HDR_LEN - 1, &d), SWIM_WIRE_SHORT);
	CHECK_EQ(swim_decode(NULL, 0, &d), SWIM_WIRE_SHORT);

	/* KIND: kind 0, one past the last, the largest; reserved bytes. */
	CHECK_BAD(0, 0, SWIM_WIRE_KIND);
	CHECK_BAD(0, SWIM_KIND_MAX, SWIM_WIRE_KIND);
	CHECK_BAD(0, 0xff, SWIM_WIRE_KIND);
	CHECK_BAD(2, 0x01, SWIM_WIRE_KIND);
	CHECK_BAD(3, 0x80, SWIM_WIRE_KIND);
	CHECK_BAD(22, 0x01, SWIM_WIRE_KIND);
	CHECK_BAD(23, 0x01, SWIM_WIRE_KIND);
	/* Every kind is accepted in the same message. */
	for (uint8_t k = SWIM_PING; k < SWIM_KIND_MAX; k++)
		CHECK_BAD(0, k, SWIM_WIRE_OK);

	/* LENGTH: n_updates that do not match the length, either way. */
	CHECK_BAD(1, 2, SWIM_WIRE_LENGTH);
	CHECK_BAD(1, 4, SWIM_WIRE_LENGTH);
	CHECK_BAD(1, 0, SWIM_WIRE_LENGTH);
	CHECK_BAD(1, 0xff, SWIM_WIRE_LENGTH);
	/* One byte more than n_updates says. */
	big = test_alloc_exact(len + 1);
	memcpy(big, good, len);
	big[len] = 0;
	CHECK_EQ(swim_decode(big, len + 1, &d), SWIM_WIRE_LENGTH);
	free(big);
	/* Over SWIM_UPDATES_MAX, with a length that matches the count. */
	{
		size_t over = msg_len(SWIM_UPDATES_MAX + 1);
		struct swim_msg full = msg_make(SWIM_ACK, SWIM_UPDATES_MAX);
		size_t full_len;
		uint8_t *fbuf = msg_encode_exact(&full, &full_len);

		big = test_alloc_exact(over);
		memcpy(big, fbuf, full_len);
		/* The extra update is a valid one. */
		memcpy(big + full_len, fbuf + SWIM_HDR_LEN, SWIM_UPDATE_LEN);
		big[1] = SWIM_UPDATES_MAX + 1;
		CHECK_EQ(swim_decode(big, over, &d), SWIM_WIRE_LENGTH);
		free(big);
		free(fbuf);
	}

	/* SENDER: from 0. */
	{
		uint8_t *bad = test_alloc_exact(len);

		memcpy(bad, good, len);
		test_put(bad + 4, 4, 0);
		CHECK_EQ(swim_decode(bad, len, &d), SWIM_WIRE_SENDER);
		free(bad);
	}

	/*
	 * UPDATE: in the first and in the last update, id 0, an unknown
	 * state, weight 0 and weight over the maximum; any zone is good.
	 */
	for (size_t u = SWIM_HDR_LEN; u <= last; u += last - SWIM_HDR_LEN) {
		uint8_t *bad = test_alloc_exact(len);

		memcpy(bad, good, len);
		test_put(bad + u, 4, 0);
		CHECK_EQ(swim_decode(bad, len, &d), SWIM_WIRE_UPDATE);
		CHECK_BAD(u + 10, SWIM_STATE_MAX, SWIM_WIRE_UPDATE);
		CHECK_BAD(u + 10, 0xff, SWIM_WIRE_UPDATE);
		CHECK_BAD(u + 11, 0x01, SWIM_WIRE_OK);
		CHECK_BAD(u + 11, 0xff, SWIM_WIRE_OK);
		for (uint8_t s = 0; s < SWIM_STATE_MAX; s++)
			CHECK_BAD(u + 10, s, SWIM_WIRE_OK);
		memcpy(bad, good, len);
		test_put(bad + u + 16, 4, 0);
		CHECK_EQ(swim_decode(bad, len, &d), SWIM_WIRE_UPDATE);
		test_put(bad + u + 16, 4, RING_WEIGHT_MAX + 1);
		CHECK_EQ(swim_decode(bad, len, &d), SWIM_WIRE_UPDATE);
		test_put(bad + u + 16, 4, UINT32_MAX);
		CHECK_EQ(swim_decode(bad, len, &d), SWIM_WIRE_UPDATE);
		test_put(bad + u + 16, 4, RING_WEIGHT_MAX);
		CHECK_EQ(swim_decode(bad, len, &d), SWIM_WIRE_OK);
		test_put(bad + u + 16, 4, 1);
		CHECK_EQ(swim_decode(bad, len, &d), SWIM_WIRE_OK);
		free(bad);
	}

	/* The first failing check decides, in the documented order. */
	{
		uint8_t *bad = test_alloc_exact(len);

		memcpy(bad, good, len);
		test_put(bad + 4, 4, 0);		/* Sender. */
		bad[last + 11] = 1;		/* Update. */
		CHECK_EQ(swim_decode(bad, len, &d), SWIM_WIRE_SENDER);
		bad[1] = 2;			/* Length. */
		CHECK_EQ(swim_decode(bad, len, &d), SWIM_WIRE_LENGTH);
		bad[0] = 0;			/* Kind. */
		CHECK_EQ(swim_decode(bad, len, &d), SWIM_WIRE_KIND);
		CHECK_EQ(swim_decode(bad, SWIM_HDR_LEN - 1, &d),
				SWIM_WIRE_SHORT);
		free(bad);
	}

	/* Every verdict has its own name. */
	CHECK_NAMES(swim_wire_error_name, enum swim_wire_error,
			SWIM_WIRE_ERROR_MAX);
	CHECK(strcmp(swim_wire_error_name(SWIM_WIRE_OK), "ok") == 0);
	CHECK(strcmp(swim_wire_error_name(SWIM_WIRE_ERROR_MAX), "?") == 0);
	CHECK(strcmp(swim_wire_error_name((enum swim_wire_error)99), "?") == 0);
	free(good);
}

/*
 * Every prefix of a valid message, copied to a buffer of exactly its
 * length: SHORT below the fixed part, LENGTH after it, OK only in full.
 */
static void
test_truncation(void)
{
	static const unsigned int counts[] = { 0, 2, SWIM_UPDATES_MAX };

	for (size_t ci = 0; ci < sizeof(counts) / sizeof(counts[0]); ci++) {
		struct swim_msg m = msg_make(SWIM_ACK, counts[ci]);
		struct swim_msg d;
		size_t len;
		uint8_t *buf = msg_encode_exact(&m, &len);

		CHECK_EQ(len, msg_len(counts[ci]));
		for (size_t l = 0; l <= len; l++)
			CHECK_EQ(decode_exact(buf, l, &d), l < SWIM_HDR_LEN ?
					SWIM_WIRE_SHORT : l < len ?
					SWIM_WIRE_LENGTH : SWIM_WIRE_OK);
		free(buf);
	}
}

/* Encoding m must fail and write nothing at all. */
static void
check_refused(const struct swim_msg *m, int line)
{
	CHECK_REFUSED_BY(swim_encode, m, SWIM_MSG_MAX + 16, line);
}

#define CHECK_REFUSED(m) check_refused((m), __LINE__)

static void
test_encode_refusals(void)
{
	struct swim_msg good = msg_make(SWIM_ACK, 3);
	struct swim_msg m;
	size_t len = msg_len(3);
	uint8_t *buf;

	m = good;
	m.kind = 0;
	CHECK_REFUSED(&m);
	m.kind = SWIM_KIND_MAX;
	CHECK_REFUSED(&m);
	m.kind = 0xff;
	CHECK_REFUSED(&m);

	m = good;
	m.n_updates = SWIM_UPDATES_MAX + 1;
	CHECK_REFUSED(&m);
	m.n_updates = 0xff;
	CHECK_REFUSED(&m);

	m = good;
	m.from = 0;
	CHECK_REFUSED(&m);

	for (unsigned int i = 0; i < 3; i += 2) {
		m = good;
		m.updates[i].id = 0;
		CHECK_REFUSED(&m);
		m = good;
		m.updates[i].state = SWIM_STATE_MAX;
		CHECK_REFUSED(&m);
		m.updates[i].state = 0xff;
		CHECK_REFUSED(&m);
		m = good;
		m.updates[i].weight = 0;
		CHECK_REFUSED(&m);
		m.updates[i].weight = RING_WEIGHT_MAX + 1;
		CHECK_REFUSED(&m);
		m.updates[i].weight = UINT32_MAX;
		CHECK_REFUSED(&m);
	}

	/* An invalid update past n_updates is not looked at. */
	m = good;
	m.updates[3].id = 0;
	m.updates[3].weight = 0;
	buf = test_alloc_exact(len);
	CHECK_EQ(swim_encode(&m, buf, len), len);

	/* Capacity: exactly enough works; one byte short writes nothing. */
	memset(buf, 0xa5, len);
	CHECK_EQ(swim_encode(&good, buf, len - 1), 0);
	CHECK_UNTOUCHED(buf, len, 0xa5);
	CHECK_EQ(swim_encode(&good, buf, 0), 0);
	free(buf);
	/* In a heap buffer of exactly cap bytes, so ASan sees any overrun. */
	for (unsigned int n = 0; n <= SWIM_UPDATES_MAX; n += 16) {
		struct swim_msg x = msg_make(SWIM_PING, n);
		size_t want = msg_len(n);

		buf = test_alloc_exact(want - 1);
		CHECK_EQ(swim_encode(&x, buf, want - 1), 0);
		free(buf);
		buf = test_alloc_exact(want);
		CHECK_EQ(swim_encode(&x, buf, want), want);
		free(buf);
	}
}

/* A random valid message. */
static struct swim_msg
msg_random(uint64_t *seed)
{
	struct swim_msg m;

	memset(&m, 0, sizeof(m));
	m.kind = (uint8_t)(SWIM_PING + test_rand(seed) % (SWIM_KIND_MAX - 1));
	m.n_updates = (uint8_t)(test_rand(seed) % (SWIM_UPDATES_MAX + 1));
	if (test_rand(seed) % 2 == 0)
		m.n_updates %= 4;
	m.from = (uint32_t)(1 + test_rand(seed) % UINT32_MAX);
	m.seq = (uint32_t)test_rand(seed);
	m.target = (uint32_t)test_rand(seed);
	m.target_ip = (uint32_t)test_rand(seed);
	m.target_port = (uint16_t)test_rand(seed);
	for (unsigned int i = 0; i < m.n_updates; i++) {
		struct swim_update *u = &m.updates[i];

		u->id = (uint32_t)(1 + test_rand(seed) % UINT32_MAX);
		u->ip = (uint32_t)test_rand(seed);
		u->port = (uint16_t)test_rand(seed);
		u->state = (uint8_t)(test_rand(seed) % SWIM_STATE_MAX);
		u->incarnation = (uint32_t)test_rand(seed);
		u->weight = (uint32_t)(1 + test_rand(seed) % RING_WEIGHT_MAX);
	}
	return m;
}

/*
 * Valid messages with a few random bytes or bits changed, some cut or
 * lengthened: whatever the decoder accepts holds valid fields and encodes
 * again to exactly the bytes it came from.
 */
static void
test_random(void)
{
	uint64_t seed = 0x5357494d;	/* "SWIM" */
	uint8_t buf[SWIM_MSG_MAX + 8];
	unsigned int ok = 0, refused = 0;

	for (int iter = 0; iter < 200000; iter++) {
		struct swim_msg m = msg_random(&seed);
		struct swim_msg d;
		size_t len = swim_encode(&m, buf, sizeof(buf));
		unsigned int flips = (unsigned int)(test_rand(&seed) % 4);
		enum swim_wire_error e;

		if (!CHECK_EQ(len, msg_len(m.n_updates)))
			break;
		for (unsigned int f = 0; f < flips; f++) {
			size_t at = test_rand(&seed) % len;
			uint64_t r = test_rand(&seed);

			/* A bit, a byte, or a byte of the fixed part. */
			if (r % 3 == 0)
				buf[at] ^= (uint8_t)(1u << ((r >> 8) % 8));
			else if (r % 3 == 1)
				buf[at] = (uint8_t)(r >> 8);
			else
				buf[at % SWIM_HDR_LEN] = (uint8_t)(r >> 8);
		}
		switch (test_rand(&seed) % 16) {
		case 0:
			len = test_rand(&seed) % (len + 1);
			break;
		case 1:
			buf[len] = (uint8_t)test_rand(&seed);
			len++;
			break;
		case 2:
			/* Nothing but noise. */
			len = test_rand(&seed) % (sizeof(buf) + 1);
			for (size_t i = 0; i < len; i++)
				buf[i] = (uint8_t)test_rand(&seed);
			break;
		default:
			break;
		}

		e = decode_exact(buf, len, &d);
		CHECK(e < SWIM_WIRE_ERROR_MAX);
		if (e != SWIM_WIRE_OK) {
			refused++;
			continue;
		}
		ok++;
		CHECK(d.kind >= SWIM_PING && d.kind < SWIM_KIND_MAX);
		CHECK(d.n_updates <= SWIM_UPDATES_MAX);
		CHECK_EQ(len, msg_len(d.n_updates));
		CHECK(d.from != 0);
		for (unsigned int i = 0; i < d.n_updates; i++) {
			const struct swim_update *u = &d.updates[i];

			CHECK(u->id != 0);
			CHECK(u->state < SWIM_STATE_MAX);
			CHECK(u->weight >= 1 && u->weight <= RING_WEIGHT_MAX);
		}
		CHECK_REENCODES(swim_encode, &d, buf, len);
	}
	/* Both outcomes were exercised, and not just barely. */
	CHECK(ok > 10000);
	CHECK(refused > 10000);
}

static const struct test_section sections[] = {
	{ "round_trip", test_round_trip },
	{ "errors", test_errors },
	{ "truncation", test_truncation },
	{ "encode", test_encode_refusals },
	{ "random", test_random },
};

int
main(int argc, char **argv)
{
	return test_run(argc, argv, "test_swim_wire", sections,
			TEST_DIM(sections));
}
