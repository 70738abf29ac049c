/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The envelope of Raft datagrams (include/rumor/raft_env.h): round trips, the
 * voter-set hash, and every malformed envelope refused.
 */
#include <stdlib.h>
#include <string.h>

#include "rumor/raft_env.h"
#include "test.h"

static void
test_msg(void)
{
	uint8_t msg[RAFT_MSG_MAX], buf[RAFT_ENV_MAX + 8];
	const uint32_t v[3] = { 1, 2, 3 };
	uint64_t h = raft_env_voters_hash(v, 3);
	struct raft_env e;
	size_t n;

	memset(msg, 0x5a, sizeof(msg));
	msg[4] = 0;
	msg[5] = 0;
	msg[6] = 1;
	msg[7] = 9;
	n = raft_env_encode_msg(h, msg, sizeof(msg), buf, sizeof(buf));
	CHECK_EQ(n, RAFT_ENV_MAX);
	CHECK_EQ(raft_env_decode(buf, n, &e), 0);
	CHECK_EQ(e.kind, RAFT_ENV_MSG);
	CHECK_EQ(e.voters_hash, h);
	CHECK_EQ(e.body_len, RAFT_MSG_MAX);
	CHECK(memcmp(e.body, msg, RAFT_MSG_MAX) == 0);
	CHECK_EQ(raft_env_msg_from(&e), 0x109);
	/* Too long, empty, or no room. */
	CHECK_EQ(raft_env_encode_msg(h, msg, RAFT_MSG_MAX + 1, buf,
			sizeof(buf)), 0);
	CHECK_EQ(raft_env_encode_msg(h, msg, 0, buf, sizeof(buf)), 0);
	CHECK_EQ(raft_env_encode_msg(h, msg, 10, buf, 21), 0);
	CHECK_EQ(raft_env_decode(buf, RAFT_ENV_HDR_LEN, &e), -1);
	CHECK_EQ(raft_env_decode(buf, RAFT_ENV_MAX + 1, &e), -1);
	/* Reserved bytes and kinds. */
	n = raft_env_encode_msg(h, msg, 30, buf, sizeof(buf));
	for (int i = 1; i < 4; i++) {
		buf[i] = 1;
		CHECK_EQ(raft_env_decode(buf, n, &e), -1);
		buf[i] = 0;
	}
	buf[0] = 0;
	CHECK_EQ(raft_env_decode(buf, n, &e), -1);
	buf[0] = RAFT_ENV_KIND_MAX;
	CHECK_EQ(raft_env_decode(buf, n, &e), -1);
	CHECK_EQ(raft_env_decode(buf, 3, &e), -1);
}

static void
test_voters(void)
{
	const uint32_t a[3] = { 1, 2, 3 }, b[3] = { 1, 2, 4 };
	const uint32_t c[5] = { 1, 2, 3, 4, 5 }, unsorted[3] = { 2, 1, 3 };
	const uint32_t zero[3] = { 0, 1, 2 };
	uint8_t buf[64];
	char s[RAFT_ENV_VOTERS_STR];
	struct raft_env e;
	size_t n;

	CHECK(raft_env_voters_hash(a, 3) != raft_env_voters_hash(b, 3));
	CHECK(raft_env_voters_hash(a, 3) != raft_env_voters_hash(c, 5));
	CHECK_EQ(raft_env_voters_hash(a, 3), raft_env_voters_hash(a, 3));

	n = raft_env_encode_voters(c, 5, buf, sizeof(buf));
	CHECK_EQ(n, RAFT_ENV_HDR_LEN + 4 + 20);
	CHECK_EQ(raft_env_decode(buf, n, &e), 0);
	CHECK_EQ(e.kind, RAFT_ENV_VOTERS);
	CHECK_EQ(e.n_voters, 5);
	CHECK_EQ(e.voters[4], 5);
	CHECK_EQ(e.voters_hash, raft_env_voters_hash(c, 5));
	CHECK_EQ(raft_env_msg_from(&e), 0);

	CHECK_EQ(raft_env_encode_voters(unsorted, 3, buf, sizeof(buf)), 0);
	CHECK_EQ(raft_env_encode_voters(zero, 3, buf, sizeof(buf)), 0);
	CHECK_EQ(raft_env_encode_voters(a, 0, buf, sizeof(buf)), 0);
	CHECK_EQ(raft_env_encode_voters(a, 3, buf, 20), 0);

	/* A hash that does not match the ids, a wrong count, bad ids. */
	n = raft_env_encode_voters(a, 3, buf, sizeof(buf));
	buf[11] ^= 1;
	CHECK_EQ(raft_env_decode(buf, n, &e), -1);
	buf[11] ^= 1;
	CHECK_EQ(raft_env_decode(buf, n - 1, &e), -1);
	buf[RAFT_ENV_HDR_LEN] = 4;
	CHECK_EQ(raft_env_decode(buf, n, &e), -1);
	buf[RAFT_ENV_HDR_LEN] = 0;
	CHECK_EQ(raft_env_decode(buf, n, &e), -1);
	buf[RAFT_ENV_HDR_LEN] = 3;
	buf[RAFT_ENV_HDR_LEN + 2] = 1;
	CHECK_EQ(raft_env_decode(buf, n, &e), -1);
	buf[RAFT_ENV_HDR_LEN + 2] = 0;
	CHECK_EQ(raft_env_decode(buf, n, &e), 0);
	/* Ids 2 and 1 swapped: unsorted, and the hash no longer fits. */
	buf[RAFT_ENV_HDR_LEN + 7] = 2;
	buf[RAFT_ENV_HDR_LEN + 11] = 1;
	CHECK_EQ(raft_env_decode(buf, n, &e), -1);

	CHECK(strcmp(raft_env_voters_str(a, 3, s, sizeof(s)),
			"{1,2,3}") == 0);
	CHECK(strcmp(raft_env_voters_str(c, 0, s, sizeof(s)), "{}") == 0);
	raft_env_voters_str(c, 5, s, 4);
	CHECK(strlen(s) < 4);
}

/* Random bytes: never a crash, never a read beyond the length. */
static void
test_random(void)
{
	uint64_t x = 99;

	for (int i = 0; i < 20000; i++) {
		size_t len = (size_t)(x % 64);
		uint8_t *b = malloc(len ? len : 1);
		struct raft_env e;

		for (size_t j = 0; j < len; j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			b[j] = (uint8_t)(j < 4 && (x & 3) ? (j == 0 ?
					1 + (x >> 8) % 2 : 0) : x >> 24);
		}
		if (raft_env_decode(b, len, &e) == 0)
			CHECK(e.kind == RAFT_ENV_MSG ||
					e.kind == RAFT_ENV_VOTERS);
		free(b);
		x += 0x9e3779b97f4a7c15ull;
	}
}

static const struct test_section sections[] = {
	{ "msg", test_msg },
	{ "voters", test_voters },
	{ "random", test_random },
};

int
main(int argc, char **argv)
{
	return test_run(argc, argv, "test_raft_env", sections,
			TEST_DIM(sections));
}
