/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP (include/rumor/arp.h): arp_build then arp_decode round trips for
 * requests and replies, each arp_error, and every truncation on exact-size
 * heap copies so that ASan catches a read beyond the frame; the lcores'
 * target test (arp_for_self); and the rules of a neighbour entry
 * (arp_learn, arp_settle) against the frames an attacker on the segment
 * sends: gratuitous ARP, unsolicited replies, replies racing ours.
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

/* arp_for_self: the target protocol address alone decides. */
static void
test_for_self(void)
{
	uint8_t f[ARP_FRAME_LEN];

	arp_build(f, ARP_OP_REQUEST, mac_b, ip_b, NULL, ip_a);
	CHECK(arp_for_self(f, sizeof(f), ip_a));
	CHECK(!arp_for_self(f, sizeof(f), ip_b));
	for (uint32_t l = 0; l < ARP_FRAME_LEN; l++)
		CHECK(!arp_for_self(f, l, ip_a));
	/* Gratuitous: sender and target are the claimed address. */
	arp_build(f, ARP_OP_REQUEST, mac_b, ip_b, NULL, ip_b);
	CHECK(!arp_for_self(f, sizeof(f), ip_a));
	arp_build(f, ARP_OP_REPLY, mac_b, ip_b, mac_a, ip_a);
	CHECK(arp_for_self(f, sizeof(f), ip_a));
}

/* Node A (ip_a, mac_a) resolving B (ip_b) on port 0; window 100. */
#define WIN 100u
static const uint8_t mac_evil[6] = { 0x02, 0xee, 0xee, 0xee, 0xee, 0x01 };
static const uint8_t mac_evil2[6] = { 0x02, 0xee, 0xee, 0xee, 0xee, 0x02 };
static const uint8_t mac_new[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 };

/* What arp_learn makes of a frame from sha claiming ip_b. */
static enum arp_learn
feed(struct arp_entry *e, uint16_t op, const uint8_t sha[6],
		const uint8_t *tha, uint32_t tpa, uint16_t port, uint64_t now)
{
	struct arp_view v;

	memset(&v, 0, sizeof(v));
	v.op = op;
	memcpy(v.sha, sha, 6);
	v.spa = ip_b;
	if (tha != NULL)
		memcpy(v.tha, tha, 6);
	v.tpa = tpa;
	return arp_learn(e, &v, port, ip_a, mac_a, now, WIN);
}

static void
entry_init(struct arp_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->ip = ip_b;
}

static void
test_learn_first(void)
{
	struct arp_entry e;

	/* Nothing asked: replies, gratuitous ARP, requests teach nothing. */
	entry_init(&e);
	CHECK_EQ(feed(&e, ARP_OP_REPLY, mac_evil, mac_a, ip_a, 0, 5),
			ARP_LEARN_UNSOLICITED);
	CHECK_EQ(feed(&e, ARP_OP_REQUEST, mac_evil, NULL, ip_b, 0, 5),
			ARP_LEARN_UNSOLICITED);
	CHECK_EQ(feed(&e, ARP_OP_REPLY, mac_evil, NULL, ip_b, 0, 5),
			ARP_LEARN_UNSOLICITED);
	CHECK_EQ(feed(&e, ARP_OP_REQUEST, mac_evil, NULL, ip_a, 0, 5),
			ARP_LEARN_UNSOLICITED);
	CHECK(!e.resolved);
	CHECK_EQ(arp_settle(&e, 1000, WIN, false), ARP_SETTLE_NONE);

	/* Asked at 10: a reply on another port, to another MAC, or after
	 * the window is ignored; the right one resolves. */
	arp_asked(&e, 10);
	CHECK_EQ(feed(&e, ARP_OP_REPLY, mac_b, mac_a, ip_a, 1, 20),
			ARP_LEARN_UNSOLICITED);
	CHECK_EQ(feed(&e, ARP_OP_REPLY, mac_b, mac_evil, ip_a, 0, 20),
			ARP_LEARN_UNSOLICITED);
	CHECK_EQ(feed(&e, ARP_OP_REPLY, mac_b, mac_a, ip_b, 0, 20),
			ARP_LEARN_UNSOLICITED);
	CHECK_EQ(feed(&e, ARP_OP_REPLY, mac_b, mac_a, ip_a, 0, 10 + WIN),
			ARP_LEARN_UNSOLICITED);
	CHECK(!e.resolved);
	CHECK_EQ(feed(&e, ARP_OP_REPLY, mac_b, mac_a, ip_a, 0, 20),
			ARP_LEARN_FIRST);
	CHECK(e.resolved);
	CHECK(memcmp(e.mac, mac_b, 6) == 0);
	/* A second MAC in the same window is refused at its close. */
	CHECK_EQ(feed(&e, ARP_OP_REPLY, mac_evil, mac_a, ip_a, 0, 30),
			ARP_LEARN_CANDIDATE);
	CHECK_EQ(arp_settle(&e, 10 + WIN - 1, WIN, false), ARP_SETTLE_NONE);
	CHECK_EQ(arp_settle(&e, 10 + WIN, WIN, false), ARP_SETTLE_REFUSED);
	CHECK(memcmp(e.mac, mac_b, 6) == 0);
	CHECK(!e.asking);
	CHECK_EQ(arp_settle(&e, 10 + WIN, WIN, false), ARP_SETTLE_NONE);

	/* While resolving, B's own request for us resolves it too. */
	entry_init(&e);
	arp_asked(&e, 10);
	CHECK_EQ(feed(&e, ARP_OP_REQUEST, mac_b, NULL, ip_a, 0, 11),
			ARP_LEARN_FIRST);
	CHECK(memcmp(e.mac, mac_b, 6) == 0);
	/* Wrapping clocks: the window is a difference. */
	entry_init(&e);
	arp_asked(&e, UINT64_MAX - 5);
	CHECK_EQ(feed(&e, ARP_OP_REPLY, mac_b, mac_a, ip_a, 0, 3),
			ARP_LEARN_FIRST);
}

static void
test_learn_change(void)
{
	struct arp_entry e;

	entry_init(&e);
	arp_asked(&e, 0);
	CHECK_EQ(feed(&e, ARP_OP_REPLY, mac_b, mac_a, ip_a, 0, 1),
			ARP_LEARN_FIRST);
	CHECK_EQ(arp_settle(&e, WIN, WIN, false), ARP_SETTLE_NONE);

	/* Resolved, nothing outstanding: spoofs never touch the MAC. */
	CHECK_EQ(feed(&e, ARP_OP_REPLY, mac_evil, mac_a, ip_a, 0, 500),
			ARP_LEARN_UNSOLICITED);
	CHECK_EQ(feed(&e, ARP_OP_REQUEST, mac_evil, NULL, ip_a, 0, 500),
			ARP_LEARN_HINT);
	CHECK_EQ(feed(&e, ARP_OP_REQUEST, mac_b, NULL, ip_a, 0, 500),
			ARP_LEARN_NONE);
	CHECK(memcmp(e.mac, mac_b, 6) == 0);

	/* A refresh the old MAC answers: the spoofed answer is refused,
	 * whichever comes first. */
	arp_asked(&e, 1000);
	CHECK_EQ(feed(&e, ARP_OP_REPLY, mac_evil, mac_a, ip_a, 0, 1001),
			ARP_LEARN_CANDIDATE);
	CHECK_EQ(feed(&e, ARP_OP_REPLY, mac_b, mac_a, ip_a, 0, 1002),
			ARP_LEARN_CONFIRMED);
	CHECK_EQ(arp_settle(&e, 1000 + WIN, WIN, false), ARP_SETTLE_REFUSED);
	CHECK(memcmp(e.mac, mac_b, 6) == 0);

	/* Two other MACs answer one refresh: contested, nothing changes. */
	arp_asked(&e, 2000);
	CHECK_EQ(feed(&e, ARP_OP_REPLY, mac_evil, mac_a, ip_a, 0, 2001),
			ARP_LEARN_CANDIDATE);
	CHECK_EQ(feed(&e, ARP_OP_REPLY, mac_evil, mac_a, ip_a, 0, 2002),
			ARP_LEARN_CANDIDATE);
	CHECK_EQ(feed(&e, ARP_OP_REPLY, mac_evil2, mac_a, ip_a, 0, 2003),
			ARP_LEARN_CONFLICT);
	CHECK_EQ(arp_settle(&e, 2000 + WIN, WIN, false), ARP_SETTLE_REFUSED);
	CHECK(memcmp(e.mac, mac_b, 6) == 0);

	/* The host really moved: only the new MAC answers, window after
	 * window; it lands when the ARP_CHANGE_WINDOWS-th closes. */
	for (uint64_t w = 0; w < ARP_CHANGE_WINDOWS; w++) {
		const uint64_t t = 2500 + w * WIN;

		arp_asked(&e, t);
		CHECK_EQ(feed(&e, ARP_OP_REPLY, mac_new, mac_a, ip_a, 0,
				t + 1), ARP_LEARN_CANDIDATE);
		CHECK(memcmp(e.mac, mac_b, 6) == 0);
		CHECK_EQ(arp_settle(&e, t + 50, WIN, false), ARP_SETTLE_NONE);
		CHECK_EQ(arp_settle(&e, t + WIN, WIN, false),
				w + 1 < ARP_CHANGE_WINDOWS ?
				ARP_SETTLE_PENDING : ARP_SETTLE_CHANGED);
	}
	CHECK(memcmp(e.mac, mac_new, 6) == 0);
	/* A late answer from the old MAC is unsolicited. */
	CHECK_EQ(feed(&e, ARP_OP_REPLY, mac_b, mac_a, ip_a, 0,
			2500 + ARP_CHANGE_WINDOWS * WIN), ARP_LEARN_UNSOLICITED);

	/*
	 * An attacker answers refreshes, but the host known answers one of
	 * them, or another MAC takes a turn: the count starts again.
	 */
	for (int w = 0; w < 2; w++) {
		arp_asked(&e, 3100 + w);
		feed(&e, ARP_OP_REPLY, mac_evil, mac_a, ip_a, 0, 3101 + w);
		CHECK_EQ(arp_settle(&e, 3100 + w + WIN, WIN, false),
				ARP_SETTLE_PENDING);
	}
	arp_asked(&e, 3200);
	feed(&e, ARP_OP_REPLY, mac_new, mac_a, ip_a, 0, 3201);
	CHECK_EQ(arp_settle(&e, 3200 + WIN, WIN, false), ARP_SETTLE_NONE);
	CHECK_EQ(e.silent, 0);
	for (int w = 0; w < 2; w++) {
		arp_asked(&e, 3300 + w);
		feed(&e, ARP_OP_REPLY, mac_evil, mac_a, ip_a, 0, 3301 + w);
		CHECK_EQ(arp_settle(&e, 3300 + w + WIN, WIN, false),
				ARP_SETTLE_PENDING);
	}
	arp_asked(&e, 3400);
	feed(&e, ARP_OP_REPLY, mac_evil2, mac_a, ip_a, 0, 3401);
	CHECK_EQ(arp_settle(&e, 3400 + WIN, WIN, false), ARP_SETTLE_PENDING);
	CHECK_EQ(e.silent, 1);
	CHECK(memcmp(e.mac, mac_new, 6) == 0);

	/* Only the new MAC answered, but ARP frames were dropped meanwhile
	 * (a flood): the old MAC's answer may have been one; refused. */
	arp_asked(&e, 3500);
	CHECK_EQ(feed(&e, ARP_OP_REPLY, mac_evil, mac_a, ip_a, 0, 3501),
			ARP_LEARN_CANDIDATE);
	CHECK_EQ(arp_settle(&e, 3500 + WIN, WIN, true), ARP_SETTLE_REFUSED);
	CHECK(memcmp(e.mac, mac_new, 6) == 0);

	/* A refresh nobody answers changes nothing. */
	arp_asked(&e, 4000);
	CHECK_EQ(arp_settle(&e, 4000 + WIN, WIN, false), ARP_SETTLE_NONE);
	CHECK(e.resolved);
	CHECK(memcmp(e.mac, mac_new, 6) == 0);
}

/* Random frames against random entry states: the invariants hold. */
static void
test_learn_random(void)
{
	uint64_t seed = 7;
	const uint8_t *macs[] = { mac_a, mac_b, mac_evil, mac_evil2 };
	struct arp_entry e;
	uint64_t now = 0;

	entry_init(&e);
	for (int i = 0; i < 200000; i++) {
		uint8_t before[6];
		bool was = e.resolved;
		enum arp_learn l;
		uint64_t r = test_rand(&seed);

		memcpy(before, e.mac, 6);
		now += r % 40;
		if (r % 17 == 0)
			arp_asked(&e, now);
		if (r % 5 == 0) {
			enum arp_settle st = arp_settle(&e, now, WIN,
					r >> 20 & 1);

			CHECK(st == ARP_SETTLE_NONE || !e.asking);
			if (st != ARP_SETTLE_CHANGED)
				CHECK(memcmp(before, e.mac, 6) == 0);
			continue;
		}
		l = feed(&e, r >> 8 & 1 ? ARP_OP_REPLY : ARP_OP_REQUEST,
				macs[r >> 9 & 3], macs[r >> 11 & 3],
				r >> 13 & 1 ? ip_a : ip_b,
				(uint16_t)(r >> 14 & 1), now);
		/* Only a first resolution writes the MAC in arp_learn. */
		if (l == ARP_LEARN_FIRST)
			CHECK(!was && e.resolved);
		else
			CHECK(was == e.resolved &&
					memcmp(before, e.mac, 6) == 0);
	}
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
		CHECK(memcmp(v.tha, f + OFF_THA, 6) == 0);
		CHECK(memcmp(&v.tpa, f + OFF_TPA, 4) == 0);
	}
	CHECK(ok > 1000);
}

static const struct test_section sections[] = {
	{ "round_trip", test_round_trip },
	{ "errors", test_errors },
	{ "random", test_random },
	{ "for_self", test_for_self },
	{ "learn_first", test_learn_first },
	{ "learn_change", test_learn_change },
	{ "learn_random", test_learn_random },
};

int
main(int argc, char **argv)
{
	return test_run(argc, argv, "test_arp", sections,
			TEST_DIM(sections));
}
