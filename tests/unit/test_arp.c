/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP (include/rumor/arp.h): arp_build then arp_decode round trips for
 * requests and replies, each arp_error, and every truncation on exact-size
 * heap copies so that ASan catches a read beyond the frame.
 */
#include <stdlib.h>
#include <string.h>

#include "rumor/arp.h"
#include "test.h"

static const uint8_t mac_a[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const uint8_t mac_b[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };
static const uint32_t ip_a = 0x0100000a;	/* 10.0.0.1, network order. */
static const uint32_t ip_b = 0x0200000a;	/* 10.0.0.2, network order. */

/* Offsets in a 42-byte ARP frame. */
#define OFF_HTYPE (ETH_HDR_LEN + 0u)
#define OFF_PTYPE (ETH_HDR_LEN + 2u)
#define OFF_HLEN (ETH_HDR_LEN + 4u)
#define OFF_PLEN (ETH_HDR_LEN + 5u)
#define OFF_OP (ETH_HDR_LEN + 6u)
#define OFF_SHA (ETH_HDR_LEN + 8u)
#define OFF_SPA (ETH_HDR_LEN + 14u)
#define OFF_THA (ETH_HDR_LEN + 18u)
#define OFF_TPA (ETH_HDR_LEN + 24u)

/* Decode an exact-size heap copy of f[0..len) (test.h). */
#define decode(f, len, out) TEST_DECODE_EXACT(arp_decode, (f), (len), (out))

/* The frame f decodes to these. */
static void
check_view(const uint8_t *f, uint16_t op, const uint8_t sha[6],
		uint32_t spa, uint32_t tpa)
{
	struct arp_view v;

	memset(&v, 0, sizeof(v));
	CHECK_EQ(decode(f, ARP_FRAME_LEN, &v), ARP_OK);
	CHECK_EQ(v.op, op);
	CHECK(memcmp(v.sha, sha, 6) == 0);
	CHECK_EQ(v.spa, spa);
	CHECK_EQ(v.tpa, tpa);
}

static void
test_round_trip(void)
{
	uint8_t f[64];
	struct arp_view v;
	static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[6];

	/* A request: broadcast, target hardware address zero. */
	memset(f, 0x5a, sizeof(f));
	arp_build(f, ARP_OP_REQUEST, mac_a, ip_a, NULL, ip_b);
	CHECK(memcmp(f, bc, 6) == 0);
	CHECK(memcmp(f + 6, mac_a, 6) == 0);
	CHECK_EQ(f[12], 0x08);
	CHECK_EQ(f[13], 0x06);
	CHECK(memcmp(f + OFF_THA, zero, 6) == 0);
	CHECK_EQ(f[ARP_FRAME_LEN], 0x5a);	/* Nothing written beyond. */
	check_view(f, ARP_OP_REQUEST, mac_a, ip_a, ip_b);
	/* The sender protocol address in network order on the wire. */
	CHECK_EQ(f[OFF_SPA], 10);
	CHECK_EQ(f[OFF_SPA + 3], 1);

	/* A reply: to the target. */
	memset(f, 0x5a, sizeof(f));
	arp_build(f, ARP_OP_REPLY, mac_b, ip_b, mac_a, ip_a);
	CHECK(memcmp(f, mac_a, 6) == 0);
	CHECK(memcmp(f + 6, mac_b, 6) == 0);
	CHECK(memcmp(f + OFF_THA, mac_a, 6) == 0);
	CHECK_EQ(f[ARP_FRAME_LEN], 0x5a);
	check_view(f, ARP_OP_REPLY, mac_b, ip_b, ip_a);

	/* A probe (RFC 5227): sender protocol address 0. */
	arp_build(f, ARP_OP_REQUEST, mac_a, 0, NULL, ip_b);
	memset(&v, 0xee, sizeof(v));
	CHECK_EQ(decode(f, ARP_FRAME_LEN, &v), ARP_OK);
	CHECK_EQ(v.spa, 0);

	/* Padded to the Ethernet minimum and beyond: still fine. */
	arp_build(f, ARP_OP_REPLY, mac_b, ip_b, mac_a, ip_a);
	memset(f + ARP_FRAME_LEN, 0, sizeof(f) - ARP_FRAME_LEN);
	CHECK_EQ(decode(f, 60, &v), ARP_OK);
	CHECK_EQ(decode(f, sizeof(f), &v), ARP_OK);
}

static void
test_errors(void)
{
	uint8_t good[ARP_FRAME_LEN], f[ARP_FRAME_LEN];
	struct arp_view v;

	arp_build(good, ARP_OP_REQUEST, mac_a, ip_a, NULL, ip_b);
	CHECK_EQ(decode(good, sizeof(good), &v), ARP_OK);

	/* ARP_SHORT: every truncation. */
	for (uint32_t l = 0; l < ARP_FRAME_LEN; l++)
		CHECK_EQ(decode(good, l, &v), ARP_SHORT);
	/* Not an ARP frame at all (the decoder calls that short). */
	memcpy(f, good, sizeof(f));
	test_put(f + 12, 2, ETH_TYPE_IPV4);
	CHECK(decode(f, sizeof(f), &v) != ARP_OK);

	/* ARP_FORMAT: hardware type, protocol type, lengths. */
	memcpy(f, good, sizeof(f));
	test_put(f + OFF_HTYPE, 2, 6);
	CHECK_EQ(decode(f, sizeof(f), &v), ARP_FORMAT);
	memcpy(f, good, sizeof(f));
	test_put(f + OFF_HTYPE, 2, 0x0100);
	CHECK_EQ(decode(f, sizeof(f), &v), ARP_FORMAT);
	memcpy(f, good, sizeof(f));
	test_put(f + OFF_PTYPE, 2, 0x86dd);
	CHECK_EQ(decode(f, sizeof(f), &v), ARP_FORMAT);
	memcpy(f, good, sizeof(f));
	f[OFF_HLEN] = 8;
	CHECK_EQ(decode(f, sizeof(f), &v), ARP_FORMAT);
	memcpy(f, good, sizeof(f));
	f[OFF_PLEN] = 16;
	CHECK_EQ(decode(f, sizeof(f), &v), ARP_FORMAT);

	/* ARP_OP: 0, 3 (RARP request), byte-swapped request. */
	memcpy(f, good, sizeof(f));
	test_put(f + OFF_OP, 2, 0);
	CHECK_EQ(decode(f, sizeof(f), &v), ARP_OP);
	test_put(f + OFF_OP, 2, 3);
	CHECK_EQ(decode(f, sizeof(f), &v), ARP_OP);
	test_put(f + OFF_OP, 2, 0x0100);
	CHECK_EQ(decode(f, sizeof(f), &v), ARP_OP);

	/* ARP_SENDER: multicast, broadcast, zero, not the frame's source. */
	memcpy(f, good, sizeof(f));
	f[OFF_SHA] |= 1;
	f[6] |= 1;
	CHECK_EQ(decode(f, sizeof(f), &v), ARP_SENDER);
	memcpy(f, good, sizeof(f));
	memset(f + OFF_SHA, 0xff, 6);
	memset(f + 6, 0xff, 6);
	CHECK_EQ(decode(f, sizeof(f), &v), ARP_SENDER);
	memcpy(f, good, sizeof(f));
	memset(f + OFF_SHA, 0, 6);
	memset(f + 6, 0, 6);
	CHECK_EQ(decode(f, sizeof(f), &v), ARP_SENDER);
	memcpy(f, good, sizeof(f));
	f[6 + 5] ^= 1;
	CHECK_EQ(decode(f, sizeof(f), &v), ARP_SENDER);
	memcpy(f, good, sizeof(f));
	memcpy(f + OFF_SHA, mac_b, 6);
	CHECK_EQ(decode(f, sizeof(f), &v), ARP_SENDER);
}

/* Random corruption: anything accepted is a well-formed ARP frame. */
static void
test_random(void)
{
	uint64_t seed = 11;
	uint8_t good[ARP_FRAME_LEN], f[ARP_FRAME_LEN];
	unsigned ok = 0;

	arp_build(good, ARP_OP_REPLY, mac_b, ip_b, mac_a, ip_a);
	for (int i = 0; i < 100000; i++) {
		uint32_t len = ARP_FRAME_LEN;
		struct arp_view v;

		memcpy(f, good, sizeof(f));
		f[test_rand(&seed) % sizeof(f)] = (uint8_t)test_rand(&seed);
		if (test_rand(&seed) % 8 == 0)
			len = (uint32_t)(test_rand(&seed) % ARP_FRAME_LEN);
		if (decode(f, len, &v) != ARP_OK)
			continue;
		ok++;
		CHECK_EQ(len, ARP_FRAME_LEN);
		CHECK(v.op == ARP_OP_REQUEST || v.op == ARP_OP_REPLY);
		CHECK((v.sha[0] & 1) == 0);
		CHECK(memcmp(v.sha, f + 6, 6) == 0);
		CHECK(memcmp(&v.spa, f + OFF_SPA, 4) == 0);
		CHECK(memcmp(&v.tpa, f + OFF_TPA, 4) == 0);
	}
	CHECK(ok > 1000);
}

static const struct test_section sections[] = {
	{ "round_trip", test_round_trip },
	{ "errors", test_errors },
	{ "random", test_random },
};

int
main(int argc, char **argv)
{
	return test_run(argc, argv, "test_arp", sections,
			TEST_DIM(sections));
}
