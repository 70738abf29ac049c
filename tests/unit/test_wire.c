/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rumor wire header (include/rumor/wire.h): rumor_hdr_check on valid
 * input and on every kind of error, and rumor_msg_encode round trips and
 * refusals. Buffers are allocated at their exact length so that ASan
 * catches any read or write beyond them.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rumor/wire.h"
#include "test.h"

static const char chan_name[] = "orders.eu-west";

/* A message with the given lengths; channel and payload are patterned. */
static struct rumor_msg
msg_make(const char *chan, size_t chan_len, const uint8_t *payload,
		size_t payload_len)
{
	struct rumor_msg m = {
		.type = RUMOR_T_DATA,
		.flags = RUMOR_F_NONE,
		.hop_limit = RUMOR_DEFAULT_HOP_LIMIT,
		.origin = 0x01020304,
		.epoch = 0x1122334455667788ull,
		.seq = 0x8877665544332211ull,
		.channel_hash = 0xdeadbeefcafef00dull,
		.channel = chan,
		.channel_len = chan_len,
		.payload = payload,
		.payload_len = payload_len,
	};

	return m;
}

/* Encode m into a fresh buffer of exactly the encoded length. */
static uint8_t *
msg_encode_exact(const struct rumor_msg *m, size_t *len)
{
	size_t total = sizeof(struct rumor_hdr) + m->channel_len +
			m->payload_len;
	uint8_t *buf = test_alloc_exact(total);

	*len = rumor_msg_encode(buf, total, m);
	return buf;
}

/* Check a header on an exact-length copy of buf[0..len). */
static enum rumor_hdr_error
check_exact(const uint8_t *buf, size_t len)
{
	uint8_t *copy = test_copy_exact(buf, len);
	enum rumor_hdr_error e = rumor_hdr_check(copy, len);

	free(copy);
	return e;
}

static void
test_round_trip(void)
{
	static uint8_t payload[1200];
	static const size_t chans[] = { 1, 14, RUMOR_CHANNEL_MAX };
	static const size_t payloads[] = { 0, 1, 100, 1177 };
	char chan[RUMOR_CHANNEL_MAX];

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + 3);
	for (size_t i = 0; i < sizeof(chan); i++)
		chan[i] = (char)('a' + i % 26);

	for (size_t ci = 0; ci < sizeof(chans) / sizeof(chans[0]); ci++) {
		for (size_t pi = 0; pi < sizeof(payloads) / sizeof(payloads[0]);
				pi++) {
			size_t cl = chans[ci], pl = payloads[pi], len;
			struct rumor_msg m = msg_make(chan, cl,
					pl > 0 ? payload : NULL, pl);
			const struct rumor_hdr *h;
			uint8_t *buf;

			if (sizeof(struct rumor_hdr) + cl + pl >
					RUMOR_DATAGRAM_MAX)
				continue;
			buf = msg_encode_exact(&m, &len);
			h = (const void *)buf;
			CHECK_EQ(len, sizeof(*h) + cl + pl);
			CHECK_EQ(rumor_hdr_check(buf, len), RUMOR_HDR_OK);
			CHECK_EQ(ntohs(h->magic), RUMOR_MAGIC);
			CHECK_EQ(h->version, RUMOR_VERSION);
			CHECK_EQ(h->type, RUMOR_T_DATA);
			CHECK_EQ(h->flags, 0);
			CHECK_EQ(h->hop_limit, RUMOR_DEFAULT_HOP_LIMIT);
			CHECK_EQ(ntohs(h->channel_len), cl);
			CHECK_EQ(ntohl(h->origin), m.origin);
			CHECK_EQ(ntohs(h->payload_len), pl);
			CHECK_EQ(h->reserved, 0);
			CHECK_EQ(be64toh(h->epoch), m.epoch);
			CHECK_EQ(be64toh(h->seq), m.seq);
			CHECK_EQ(be64toh(h->channel_hash), m.channel_hash);
			CHECK(memcmp(rumor_hdr_channel(h), chan, cl) == 0);
			CHECK(rumor_hdr_payload(h) == buf + sizeof(*h) + cl);
			CHECK(pl == 0 ||
					memcmp(rumor_hdr_payload(h), payload,
					pl) == 0);
			/* The fixed header's layout is the documented one. */
			CHECK_EQ(buf[0], 0x52);
			CHECK_EQ(buf[1], 0x4d);
			CHECK_EQ(buf[5], RUMOR_DEFAULT_HOP_LIMIT);
			CHECK_EQ(buf[7], cl & 0xff);
			CHECK_EQ(buf[8], 0x01);
			CHECK_EQ(buf[39], 0x0d);
			free(buf);
		}
	}
}

static void
test_encode_refusals(void)
{
	static uint8_t payload[RUMOR_DATAGRAM_MAX + 100];
	char chan[RUMOR_CHANNEL_MAX + 1];
	uint8_t buf[RUMOR_DATAGRAM_MAX + 200];
	size_t max_payload = RUMOR_DATAGRAM_MAX - sizeof(struct rumor_hdr) -
			RUMOR_CHANNEL_MAX;
	struct rumor_msg m;
	uint8_t *exact;
	size_t len;

	memset(chan, 'c', sizeof(chan));

	/* Refusals write nothing. */
	memset(buf, 0xa5, sizeof(buf));
	m = msg_make(chan, 0, NULL, 0);
	CHECK_EQ(rumor_msg_encode(buf, sizeof(buf), &m), 0);
	m = msg_make(chan, RUMOR_CHANNEL_MAX + 1, NULL, 0);
	CHECK_EQ(rumor_msg_encode(buf, sizeof(buf), &m), 0);
	m = msg_make(chan, RUMOR_CHANNEL_MAX, payload, max_payload + 1);
	CHECK_EQ(rumor_msg_encode(buf, sizeof(buf), &m), 0);
	m = msg_make(chan, 1, payload, 70000);
	CHECK_EQ(rumor_msg_encode(buf, sizeof(buf), &m), 0);
	m = msg_make(chan, 1, payload, SIZE_MAX - 100);
	CHECK_EQ(rumor_msg_encode(buf, sizeof(buf), &m), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		if (buf[i] != 0xa5) {
			CHECK(buf[i] == 0xa5);
			break;
		}

	/* The largest datagram fits exactly; one byte less of room fails. */
	m = msg_make(chan, RUMOR_CHANNEL_MAX, payload, max_payload);
	exact = msg_encode_exact(&m, &len);
	CHECK_EQ(len, RUMOR_DATAGRAM_MAX);
	CHECK_EQ(rumor_hdr_check(exact, len), RUMOR_HDR_OK);
	CHECK_EQ(rumor_msg_encode(exact, RUMOR_DATAGRAM_MAX - 1, &m), 0);
	free(exact);

	/* Capacity: exactly enough works, one byte short does not. */
	m = msg_make(chan_name, strlen(chan_name), payload, 10);
	len = sizeof(struct rumor_hdr) + strlen(chan_name) + 10;
	CHECK_EQ(rumor_msg_encode(buf, len, &m), len);
	CHECK_EQ(rumor_msg_encode(buf, len - 1, &m), 0);
	CHECK_EQ(rumor_msg_encode(buf, 0, &m), 0);
}

/* A valid message of the given lengths, encoded into buf. */
static size_t
valid_msg(uint8_t *buf, size_t cap, size_t chan_len, size_t payload_len)
{
	static uint8_t payload[RUMOR_DATAGRAM_MAX];
	char chan[RUMOR_CHANNEL_MAX];
	struct rumor_msg m;

	memset(chan, 'x', sizeof(chan));
	m = msg_make(chan, chan_len, payload, payload_len);
	return rumor_msg_encode(buf, cap, &m);
}

static void
test_check_errors(void)
{
	/* Channel (6) and payload (12) lengths of good that miss its size. */
	static const struct {
		size_t off;
		uint16_t len;
	} sums[] = { { 12, 51 }, { 12, 49 }, { 12, 0xffff }, { 6, 15 },
		{ 6, 13 } };
	uint8_t good[256], bad[sizeof(good)];
	uint8_t *big;
	size_t len = valid_msg(good, sizeof(good), 14, 50), big_len;

	CHECK_EQ(len, 104);
	CHECK_EQ(check_exact(good, len), RUMOR_HDR_OK);

	/* Short: every length below the fixed header. */
	for (size_t l = 0; l < sizeof(struct rumor_hdr); l++)
		CHECK_EQ(check_exact(good, l), RUMOR_HDR_SHORT);
	/* Truncated after the header: the lengths no longer add up. */
	for (size_t l = sizeof(struct rumor_hdr); l < len; l++)
		CHECK_EQ(check_exact(good, l), RUMOR_HDR_LENGTH);
	/* Longer than the header says. */
	memcpy(bad, good, len);
	bad[len] = 0;
	CHECK_EQ(check_exact(bad, len + 1), RUMOR_HDR_LENGTH);

	/* Magic. */
	for (size_t i = 0; i < 16; i++) {
		memcpy(bad, good, len);
		bad[i / 8] ^= (uint8_t)(1u << (i % 8));
		CHECK_EQ(check_exact(bad, len), RUMOR_HDR_MAGIC);
	}

	/* Version. */
	memcpy(bad, good, len);
	bad[2] = 0;
	CHECK_EQ(check_exact(bad, len), RUMOR_HDR_VERSION);
	bad[2] = RUMOR_VERSION + 1;
	CHECK_EQ(check_exact(bad, len), RUMOR_HDR_VERSION);
	bad[2] = 0xff;
	CHECK_EQ(check_exact(bad, len), RUMOR_HDR_VERSION);

	/* Type 0, CONTROL, type RUMOR_T_MAX and above; not the channel types. */
	memcpy(bad, good, len);
	bad[3] = 0;
	CHECK_EQ(check_exact(bad, len), RUMOR_HDR_TYPE);
	bad[3] = RUMOR_T_CONTROL;
	CHECK_EQ(check_exact(bad, len), RUMOR_HDR_TYPE);
	for (unsigned t = RUMOR_T_SUBSCRIBE; t < RUMOR_T_MAX; t++) {
		bad[3] = (uint8_t)t;
		CHECK_EQ(check_exact(bad, len), RUMOR_HDR_OK);
	}
	for (unsigned t = RUMOR_T_MAX; t <= 0xff; t++) {
		bad[3] = (uint8_t)t;
		CHECK_EQ(check_exact(bad, len), RUMOR_HDR_TYPE);
	}

	/* Every flag bit not defined (ACK is, on DATA). */
	for (unsigned b = 0; b < 8; b++) {
		if (((RUMOR_F_KNOWN | RUMOR_F_AUTH) & (1u << b)) != 0)
			continue;
		memcpy(bad, good, len);
		bad[4] = (uint8_t)(1u << b);
		CHECK_EQ(check_exact(bad, len), RUMOR_HDR_TYPE);
	}
	/* The auth flag without its 16-byte block: the lengths are wrong. */
	memcpy(bad, good, len);
	bad[4] = RUMOR_F_AUTH;
	CHECK_EQ(check_exact(bad, len), RUMOR_HDR_LENGTH);

	/* Reserved, either byte. */
	memcpy(bad, good, len);
	bad[14] = 1;
	CHECK_EQ(check_exact(bad, len), RUMOR_HDR_TYPE);
	memcpy(bad, good, len);
	bad[15] = 0x80;
	CHECK_EQ(check_exact(bad, len), RUMOR_HDR_TYPE);

	/* Channel 0, the lengths still adding up. */
	memcpy(bad, good, len);
	test_put(bad + 6, 2, 0);
	test_put(bad + 12, 2, 64);
	CHECK_EQ(check_exact(bad, len), RUMOR_HDR_CHANNEL);

	/* Channel 256 (over RUMOR_CHANNEL_MAX), the lengths adding up. */
	big_len = sizeof(struct rumor_hdr) + 256 + 4;
	big = test_alloc_exact(big_len);
	memset(big, 'y', big_len);
	CHECK_EQ(valid_msg(big, big_len, RUMOR_CHANNEL_MAX, 5), big_len);
	CHECK_EQ(check_exact(big, big_len), RUMOR_HDR_OK);
	test_put(big + 6, 2, 256);
	test_put(big + 12, 2, 4);
	CHECK_EQ(check_exact(big, big_len), RUMOR_HDR_CHANNEL);
	test_put(big + 6, 2, 0xffff);
	CHECK_EQ(check_exact(big, big_len), RUMOR_HDR_CHANNEL);
	free(big);

	/* Lengths that do not add up: sum over and under the datagram. */
	for (size_t i = 0; i < TEST_DIM(sums); i++) {
		memcpy(bad, good, len);
		test_put(bad + sums[i].off, 2, sums[i].len);
		CHECK_EQ(check_exact(bad, len), RUMOR_HDR_LENGTH);
	}
	/* A channel longer and a payload shorter by the same: fine. */
	test_put(bad + 6, 2, 15);
	test_put(bad + 12, 2, 49);
	CHECK_EQ(check_exact(bad, len), RUMOR_HDR_OK);

	/* The largest datagram is accepted; one byte more is not. */
	big_len = RUMOR_DATAGRAM_MAX + 1;
	big = test_alloc_exact(big_len);
	CHECK_EQ(valid_msg(big, big_len, RUMOR_CHANNEL_MAX,
			RUMOR_DATAGRAM_MAX - 40 - RUMOR_CHANNEL_MAX),
			RUMOR_DATAGRAM_MAX);
	CHECK_EQ(check_exact(big, RUMOR_DATAGRAM_MAX), RUMOR_HDR_OK);
	/* Header consistent with 1473 bytes: still too long. */
	test_put(big + 12, 2, RUMOR_DATAGRAM_MAX + 1 - 40 - RUMOR_CHANNEL_MAX);
	big[RUMOR_DATAGRAM_MAX] = 0;
	CHECK_EQ(check_exact(big, big_len), RUMOR_HDR_LENGTH);
	free(big);
}

/*
 * A length so large that the sum of the lengths wraps around must be
 * refused like any other over-long one, and nothing written. It runs in a
 * child process: if the encoder trusts the wrapped total it copies about
 * 2^64 bytes and dies, and the parent reports it.
 */
static void
test_encode_overflow(void)
{
	static const size_t huge[] = {
		SIZE_MAX - 40,		/* 40 + 1 + this wraps to 0. */
		SIZE_MAX - 39,		/* ... to 1. */
		SIZE_MAX - 20,		/* ... to 20. */
	};

	for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		int status = 0;
		pid_t pid;

		fflush(NULL);
		pid = fork();
		if (pid == 0) {
			static const uint8_t payload[16];
			uint8_t buf[64];
			struct rumor_msg m = msg_make("c", 1, payload, huge[i]);
			size_t n;

			memset(buf, 0xa5, sizeof(buf));
			n = rumor_msg_encode(buf, sizeof(buf), &m);
			for (size_t j = 0; j < sizeof(buf); j++)
				if (buf[j] != 0xa5)
					_exit(2);
			_exit(n == 0 ? 0 : 3);
		}
		CHECK(pid > 0);
		if (pid <= 0)
			return;
		CHECK(waitpid(pid, &status, 0) == pid);
		if (!CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0))
			fprintf(stderr, "rumor_msg_encode(channel_len 1, "
					"payload_len SIZE_MAX - %zu): %s %d\n",
					SIZE_MAX - huge[i],
					WIFSIGNALED(status) ?
					"killed by signal" : "exit status",
					WIFSIGNALED(status) ?
					WTERMSIG(status) :
					WEXITSTATUS(status));
	}
}

/* Random garbage is never accepted unless it really is a valid header. */
static void
test_random(void)
{
	uint64_t seed = 42;
	uint8_t buf[128];

	for (int i = 0; i < 100000; i++) {
		size_t len = test_rand(&seed) % sizeof(buf);
		enum rumor_hdr_error e;

		for (size_t j = 0; j < len; j++)
			buf[j] = (uint8_t)test_rand(&seed);
		if (len >= 4 && (i & 1) == 0) {
			/* Half the time, a plausible start. */
			buf[0] = 0x52;
			buf[1] = 0x4d;
			buf[2] = RUMOR_VERSION;
			buf[3] = RUMOR_T_DATA;
		}
		e = check_exact(buf, len);
		if (e == RUMOR_HDR_OK) {
			const struct rumor_hdr *h = (const void *)buf;

			CHECK_EQ(sizeof(*h) + ntohs(h->channel_len) +
					ntohs(h->payload_len), len);
		}
	}
}

/*
 * RUMOR_F_AUTH: the 16-byte block after the header counts in the length,
 * the channel and the payload are found past it, and the encoder never
 * writes the flag (node_auth.h adds the block).
 */
static void
test_auth_block(void)
{
	static const char chan[] = "a/b";
	static const uint8_t payload[5] = { 1, 2, 3, 4, 5 };
	struct rumor_msg m = {
		.type = RUMOR_T_FANOUT,
		.channel = chan,
		.channel_len = 3,
		.payload = payload,
		.payload_len = sizeof(payload),
	};
	uint8_t plain[64], authd[80];
	size_t len = rumor_msg_encode(plain, sizeof(plain), &m);
	const struct rumor_hdr *h = (const void *)authd;

	CHECK_EQ(len, 40 + 3 + 5);
	memcpy(authd, plain, 40);
	memset(authd + 40, 0xee, RUMOR_AUTH_LEN);
	memcpy(authd + 56, plain + 40, len - 40);
	authd[4] = RUMOR_F_AUTH;
	CHECK_EQ(rumor_hdr_check(authd, len + RUMOR_AUTH_LEN), RUMOR_HDR_OK);
	CHECK_EQ(rumor_hdr_check(authd, len + RUMOR_AUTH_LEN - 1),
			RUMOR_HDR_LENGTH);
	CHECK_EQ(rumor_hdr_check(authd, len), RUMOR_HDR_LENGTH);
	CHECK_EQ(rumor_hdr_auth_len(h), RUMOR_AUTH_LEN);
	CHECK(memcmp(rumor_hdr_channel(h), chan, 3) == 0);
	CHECK(memcmp(rumor_hdr_payload(h), payload, 5) == 0);
	m.flags = RUMOR_F_AUTH;
	CHECK_EQ(rumor_msg_encode(plain, sizeof(plain), &m), 0);
}

/*
 * RUMOR_F_ACK: known on PUBLISH and SUBSCRIBE alone, with or without the
 * auth block; refused on every other type, by rumor_hdr_check and by the
 * encoder. The type numbers are the wire's, COOKIE's and replication's
 * among them.
 */
static void
test_ack_flag(void)
{
	static const uint8_t payload[48];
	struct rumor_msg m = msg_make("news", 4, payload, sizeof(payload));
	uint8_t buf[40 + 4 + sizeof(payload)], authd[sizeof(buf) + 16];
	size_t len;

	CHECK_EQ(RUMOR_F_ACK, 0x04);
	CHECK_EQ(RUMOR_T_COOKIE, 17);
	CHECK_EQ(RUMOR_T_PUB_ACK, 18);
	CHECK_EQ(RUMOR_T_REPLICATE, 19);
	CHECK_EQ(RUMOR_T_REPL_ACK, 20);
	CHECK_EQ(RUMOR_T_REPL_SYNC, 21);
	CHECK_EQ(RUMOR_T_REPL_STATE, 22);
	CHECK_EQ(RUMOR_T_STATE_WRITE, 23);
	CHECK_EQ(RUMOR_T_STATE_DIGEST, 27);
	CHECK_EQ(RUMOR_T_MAX, 28);
	for (unsigned t = 0; t <= 0xff; t++) {
		bool has = t == RUMOR_T_DATA || t == RUMOR_T_SUBSCRIBE;

		CHECK_EQ(rumor_flags_ok((uint8_t)t, 0), true);
		CHECK_EQ(rumor_flags_ok((uint8_t)t, RUMOR_F_ACK), has);
		CHECK(!rumor_flags_ok((uint8_t)t, RUMOR_F_AUTH));
		CHECK(!rumor_flags_ok((uint8_t)t, RUMOR_F_CRED));
		CHECK(!rumor_flags_ok((uint8_t)t, RUMOR_F_ACK | 0x80));
		if (t == 0 || t == RUMOR_T_CONTROL || t >= RUMOR_T_MAX)
			continue;
		m.type = (uint8_t)t;
		m.flags = RUMOR_F_ACK;
		memset(buf, 0xa5, sizeof(buf));
		len = rumor_msg_encode(buf, sizeof(buf), &m);
		if (!has) {
			CHECK_EQ(len, 0);
			CHECK_UNTOUCHED(buf, sizeof(buf), 0xa5);
			m.flags = 0;
			len = rumor_msg_encode(buf, sizeof(buf), &m);
			buf[4] = RUMOR_F_ACK;
		}
		CHECK_EQ(len, sizeof(buf));
		CHECK_EQ(check_exact(buf, len), has ? RUMOR_HDR_OK :
				RUMOR_HDR_TYPE);
		/* With the auth block, the same. */
		memcpy(authd, buf, 40);
		memset(authd + 40, 0xee, RUMOR_AUTH_LEN);
		memcpy(authd + 56, buf + 40, len - 40);
		authd[4] |= RUMOR_F_AUTH;
		CHECK_EQ(check_exact(authd, sizeof(authd)), has ?
				RUMOR_HDR_OK : RUMOR_HDR_TYPE);
		/* And the types themselves, plain. */
		buf[4] = 0;
		CHECK_EQ(check_exact(buf, len), RUMOR_HDR_OK);
	}
}

static const struct test_section sections[] = {
	{ "ack_flag", test_ack_flag },
	{ "auth_block", test_auth_block },
	{ "round_trip", test_round_trip },
	{ "encode", test_encode_refusals },
	{ "errors", test_check_errors },
	{ "encode_overflow", test_encode_overflow },
	{ "random", test_random },
};

int
main(int argc, char **argv)
{
	return test_run(argc, argv, "test_wire", sections,
			TEST_DIM(sections));
}
