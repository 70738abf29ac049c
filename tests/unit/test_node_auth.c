/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for include/rumor/node_auth.h: SipHash-2-4 in pieces against
 * libsodium's crypto_shorthash and the reference vectors, the block's
 * encoding, insert, verify and strip, malformed blocks, and the replay
 * window.
 */
#include <sodium.h>

#include "rumor/node_auth.h"
#include "test.h"

static const uint8_t key_a[NODE_AUTH_KEY_LEN] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
};

static void
test_siphash_vectors(void)
{
	/*
	 * The reference implementation's vectors: key 00..0f, message
	 * 00..(n-1); the first few outputs as little-endian u64.
	 */
	static const uint64_t want[] = {
		UINT64_C(0x726fdb47dd0e0e31), UINT64_C(0x74f839c593dc67fd),
		UINT64_C(0x0d6c8009d9a94f5a), UINT64_C(0x85676696d7fb7e2d),
	};
	uint8_t msg[256];
	struct node_sip s;

	for (unsigned i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	for (unsigned n = 0; n < 4; n++) {
		node_sip_init(&s, key_a);
		node_sip_update(&s, msg, n);
		CHECK_EQ(node_sip_final(&s), want[n]);
	}
	/* Every length and every split agrees with libsodium. */
	for (unsigned n = 0; n <= sizeof(msg); n++) {
		uint8_t ref[8];
		uint64_t r;

		crypto_shorthash(ref, msg, n, key_a);
		memcpy(&r, ref, 8);
		for (unsigned cut = 0; cut <= n; cut += 1 + n / 7) {
			uint64_t got;

			node_sip_init(&s, key_a);
			node_sip_update(&s, msg, cut);
			node_sip_update(&s, msg + cut, n - cut);
			got = htole64(node_sip_final(&s));
			CHECK_EQ(got, r);
		}
	}
}

/* A plain message: type, channel "chan", payload of plen bytes. */
static size_t
plain(uint8_t *buf, size_t cap, uint8_t type, size_t plen)
{
	static uint8_t payload[RUMOR_DATAGRAM_MAX];
	struct rumor_msg m = {
		.type = type,
		.hop_limit = 8,
		.origin = 7,
		.epoch = 3,
		.seq = 99,
		.channel_hash = 0x1234,
		.channel = "chan",
		.channel_len = 4,
		.payload = payload,
		.payload_len = plen,
	};

	for (size_t i = 0; i < plen; i++)
		payload[i] = (uint8_t)(i * 7);
	return rumor_msg_encode(buf, cap, &m);
}

static void
test_block(void)
{
	uint8_t buf[RUMOR_DATAGRAM_MAX], orig[RUMOR_DATAGRAM_MAX];
	uint8_t key_b[NODE_AUTH_KEY_LEN];
	struct node_auth_view v = { 0, 0 };
	size_t len, alen;

	memset(key_b, 0x5a, sizeof(key_b));
	len = plain(buf, sizeof(buf), RUMOR_T_FANOUT, 100);
	CHECK(len > 0);
	memcpy(orig, buf, len);
	CHECK(node_auth_decode(buf, len, &v) < 0);	/* No block. */
	CHECK_EQ(node_auth_strip(buf, len), 0);

	alen = node_auth_insert(buf, len, sizeof(buf), key_a, 3, 1000);
	CHECK_EQ(alen, len + NODE_AUTH_LEN);
	CHECK(buf[4] & RUMOR_F_AUTH);
	CHECK_EQ(rumor_hdr_check(buf, alen), RUMOR_HDR_OK);
	CHECK(memcmp(rumor_hdr_channel((const void *)buf), "chan", 4) == 0);
	CHECK_EQ(node_auth_decode(buf, alen, &v), 0);
	CHECK_EQ(v.lane, 3);
	CHECK_EQ(v.ctr, 1000);
	/* The stamp is big-endian on the wire. */
	CHECK_EQ(buf[NODE_AUTH_OFF], 3);
	CHECK_EQ(buf[NODE_AUTH_OFF + 7], 1000 & 0xff);
	/* The tag is crypto_shorthash of the payload with the tag zero. */
	{
		uint8_t z[RUMOR_DATAGRAM_MAX], ref[8];

		memcpy(z, buf, alen);
		memset(z + NODE_AUTH_TAG_OFF, 0, 8);
		crypto_shorthash(ref, z, alen, key_a);
		CHECK(memcmp(ref, buf + NODE_AUTH_TAG_OFF, 8) == 0);
	}
	CHECK(node_auth_verify(key_a, buf, alen));
	CHECK(!node_auth_verify(key_b, buf, alen));
	/* Any bit flipped anywhere is caught. */
	for (size_t i = 0; i < alen; i++) {
		buf[i] ^= 0x10;
		if (node_auth_verify(key_a, buf, alen))
			CHECK(!"a flipped bit verified");
		buf[i] ^= 0x10;
	}
	CHECK(!node_auth_verify(key_a, buf, alen - 1));
	CHECK(!node_auth_verify(key_a, buf, NODE_AUTH_END - 1));

	CHECK_EQ(node_auth_strip(buf, alen), len);
	CHECK(memcmp(buf, orig, len) == 0);
	CHECK_EQ(rumor_hdr_check(buf, len), RUMOR_HDR_OK);
}

static void
test_insert_refused(void)
{
	uint8_t buf[RUMOR_DATAGRAM_MAX + 32];
	size_t len;

	/* No room. */
	len = plain(buf, sizeof(buf), RUMOR_T_NACK, 10);
	CHECK_EQ(node_auth_insert(buf, len, len + NODE_AUTH_LEN - 1, key_a, 0,
			1), 0);
	/* Over the datagram limit with the block. */
	len = plain(buf, sizeof(buf), RUMOR_T_FANOUT,
			RUMOR_DATAGRAM_MAX - 40 - 4);
	CHECK_EQ(len, RUMOR_DATAGRAM_MAX);
	CHECK_EQ(node_auth_insert(buf, len, sizeof(buf), key_a, 0, 1), 0);
	CHECK_EQ(buf[4], 0);
	/* Not a rumor message; already authenticated. */
	len = plain(buf, sizeof(buf), RUMOR_T_NACK, 10);
	buf[0] ^= 1;
	CHECK_EQ(node_auth_insert(buf, len, sizeof(buf), key_a, 0, 1), 0);
	buf[0] ^= 1;
	len = node_auth_insert(buf, len, sizeof(buf), key_a, 0, 1);
	CHECK(len > 0);
	CHECK_EQ(node_auth_insert(buf, len, sizeof(buf), key_a, 0, 2), 0);
	/* The encoder writes only the plain format. */
	{
		struct rumor_msg m = {
			.type = RUMOR_T_NACK, .flags = RUMOR_F_AUTH,
			.channel = "c", .channel_len = 1,
		};

		CHECK_EQ(rumor_msg_encode(buf, sizeof(buf), &m), 0);
	}
}

static void
test_hdr_lengths(void)
{
	uint8_t buf[RUMOR_DATAGRAM_MAX];
	size_t len = plain(buf, sizeof(buf), RUMOR_T_GONE, 20);

	/* The flag without the block's 16 bytes is a length error. */
	buf[4] |= RUMOR_F_AUTH;
	CHECK_EQ(rumor_hdr_check(buf, len), RUMOR_HDR_LENGTH);
	buf[4] = 0;
	len = node_auth_insert(buf, len, sizeof(buf), key_a, 1, 5);
	CHECK_EQ(rumor_hdr_check(buf, len), RUMOR_HDR_OK);
	CHECK_EQ(rumor_hdr_check(buf, len - 1), RUMOR_HDR_LENGTH);
	/* Unknown flags are still refused. */
	buf[4] |= 0x02;
	CHECK_EQ(rumor_hdr_check(buf, len), RUMOR_HDR_TYPE);
	/* A short block is never decoded. */
	{
		struct node_auth_view v;
		uint8_t s[NODE_AUTH_END - 1];

		memset(s, 0xff, sizeof(s));
		CHECK(node_auth_decode(s, sizeof(s), &v) < 0);
	}
}

static void
test_parts(void)
{
	uint8_t buf[RUMOR_DATAGRAM_MAX];
	size_t len = plain(buf, sizeof(buf), RUMOR_T_RETRANSMIT, 300);
	uint64_t stamp, tag, whole;

	len = node_auth_insert(buf, len, sizeof(buf), key_a, 9, 77);
	memcpy(&stamp, buf + NODE_AUTH_OFF, 8);
	memcpy(&whole, buf + NODE_AUTH_TAG_OFF, 8);
	/* A copy's header part and a shared segment give the same tag. */
	for (size_t cut = NODE_AUTH_END; cut <= len; cut += 37) {
		tag = node_auth_tag_parts(key_a, buf, stamp,
				buf + NODE_AUTH_END, cut - NODE_AUTH_END,
				buf + cut, len - cut);
		CHECK_EQ(tag, whole);
	}
}

static void
test_window(void)
{
	struct node_auth_window w;

	memset(&w, 0, sizeof(w));
	CHECK(node_auth_window_take(&w, 1000));
	CHECK(!node_auth_window_take(&w, 1000));	/* Replay. */
	CHECK(node_auth_window_take(&w, 999));		/* Late, new. */
	CHECK(!node_auth_window_take(&w, 999));
	CHECK(node_auth_window_take(&w, 1002));
	CHECK(node_auth_window_take(&w, 1001));
	CHECK(!node_auth_window_take(&w, 1001));
	/* The oldest the window holds, and one beyond it. */
	CHECK(node_auth_window_take(&w, 1002 - (NODE_AUTH_WINDOW - 1)));
	CHECK(!node_auth_window_take(&w, 1002 - (NODE_AUTH_WINDOW - 1)));
	CHECK(!node_auth_window_take(&w, 1002 - NODE_AUTH_WINDOW));
	/* Shifts across the word boundary keep what was seen. */
	CHECK(node_auth_window_take(&w, 1002 + 70));
	CHECK(!node_auth_window_take(&w, 1002));
	CHECK(!node_auth_window_take(&w, 1001));
	CHECK(node_auth_window_take(&w, 1003));
	CHECK(!node_auth_window_take(&w, 1003));
	/* A jump beyond the window forgets everything before it. */
	CHECK(node_auth_window_take(&w, 1 << 20));
	CHECK(!node_auth_window_take(&w, 1003));
	CHECK(!node_auth_window_take(&w, 1 << 20));
	CHECK(node_auth_window_take(&w, (1 << 20) - 1));
	/* Every counter of a long run is taken once, in any order nearby. */
	memset(&w, 0, sizeof(w));
	for (uint64_t c = 1; c < 5000; c += 2) {
		CHECK(node_auth_window_take(&w, c + 1));
		CHECK(node_auth_window_take(&w, c));
		CHECK(!node_auth_window_take(&w, c));
	}
	/* The counter's range. */
	CHECK_EQ(node_auth_ctr(node_auth_stamp(255, UINT64_MAX)),
			NODE_AUTH_CTR_MASK);
	CHECK_EQ(node_auth_lane(node_auth_stamp(255, UINT64_MAX)), 255);
}

/*
 * The node-to-node types need a block; DATA and PUB_ACK need one only
 * between nodes; what clients send or get never does.
 */
static void
test_required(void)
{
	for (unsigned t = 0; t <= 0xff; t++) {
		CHECK_EQ(node_auth_required((uint8_t)t),
				(t >= RUMOR_T_FANOUT && t <= RUMOR_T_HANDOFF) ||
				(t >= RUMOR_T_REPLICATE &&
				t <= RUMOR_T_REPL_STATE));
		CHECK_EQ(node_auth_if_member((uint8_t)t),
				t == RUMOR_T_DATA || t == RUMOR_T_PUB_ACK);
		CHECK(!(node_auth_required((uint8_t)t) &&
				node_auth_if_member((uint8_t)t)));
	}
	CHECK(!node_auth_required(RUMOR_T_DATA));
	CHECK(!node_auth_required(RUMOR_T_DELIVER));
	CHECK(!node_auth_required(RUMOR_T_SUBSCRIBE));
	CHECK(!node_auth_required(RUMOR_T_COOKIE));
	CHECK(!node_auth_required(RUMOR_T_PUB_ACK));
	CHECK(node_auth_required(RUMOR_T_REPLICATE));
	CHECK(node_auth_required(RUMOR_T_REPL_ACK));
	CHECK(node_auth_required(RUMOR_T_REPL_SYNC));
	CHECK(node_auth_required(RUMOR_T_REPL_STATE));
}

static const struct test_section sections[] = {
	{ "siphash", test_siphash_vectors },
	{ "block", test_block },
	{ "insert_refused", test_insert_refused },
	{ "hdr_lengths", test_hdr_lengths },
	{ "parts", test_parts },
	{ "window", test_window },
	{ "required", test_required },
};

int
main(int argc, char **argv)
{
	if (sodium_init() < 0)
		return 1;
	return test_run(argc, argv, "test_node_auth", sections,
			TEST_DIM(sections));
}
