/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The frame decoder (include/rumor/parse.h): a valid DATA frame, one
 * malformed variant per verdict with the exact verdict checked, every
 * truncation, Ethernet padding, CONTROL datagrams of every length class,
 * and random corruption.
 *
 * Every frame is parsed from a heap copy that ends exactly where the
 * frame ends, so ASan catches a read past it. The copy starts 2 bytes into
 * its allocation so that the IPv4 header is 4-byte aligned. The section
 * "mbuf_align" parses a frame at the alignment an mbuf really gives (data
 * 64-byte aligned, so the IPv4 header at 2 mod 4): under UBSan it proves
 * the decoder reads no misaligned struct.
 */
#include <stdlib.h>
#include <string.h>

#include "rumor/parse.h"
#include "rumor/node_auth.h"
#include "test.h"

#define FRAME_BUF 2048

static const struct frame_self self = {
	.mac = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 },
	.ip = 0x0200000a,		/* 10.0.0.2 in network order. */
	.udp_port = 0x0a1e,		/* 7690 in network order. */
};

static const uint8_t peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

static bool seen[FRAME_VERDICT_MAX];

/* Offsets inside a frame. */
#define OFF_ETH_TYPE 12u
#define OFF_IP_VHL (FRAME_IP_OFF + 0u)
#define OFF_IP_LEN (FRAME_IP_OFF + 2u)
#define OFF_IP_FRAG (FRAME_IP_OFF + 6u)
#define OFF_IP_PROTO (FRAME_IP_OFF + 9u)
#define OFF_IP_CKSUM (FRAME_IP_OFF + 10u)
#define OFF_IP_DST (FRAME_IP_OFF + 16u)
#define OFF_UDP_DPORT (FRAME_UDP_OFF + 2u)
#define OFF_UDP_LEN (FRAME_UDP_OFF + 4u)
#define OFF_R_CHAN_LEN (FRAME_RUMOR_OFF + 6u)
#define OFF_R_PAYLOAD_LEN (FRAME_RUMOR_OFF + 12u)

/* Recompute the IPv4 header checksum after a change. */
static void
ip_fix(uint8_t *f)
{
	uint16_t c;

	f[OFF_IP_CKSUM] = 0;
	f[OFF_IP_CKSUM + 1] = 0;
	c = cksum_ipv4_hdr(f + FRAME_IP_OFF);
	memcpy(f + OFF_IP_CKSUM, &c, 2);
}

/* Set the IPv4 and UDP lengths for a rumor datagram of rlen bytes. */
static void
set_lengths(uint8_t *f, uint32_t rlen)
{
	test_put(f + OFF_IP_LEN, 2, (uint16_t)(20 + 8 + rlen));
	test_put(f + OFF_UDP_LEN, 2, (uint16_t)(8 + rlen));
	ip_fix(f);
}

/*
 * Build a valid DATA frame for self into f (FRAME_BUF bytes): Ethernet,
 * IPv4 without options, UDP, and a rumor message with a chan_len-byte
 * channel and a payload_len-byte payload. Returns the frame length.
 */
static uint32_t
frame_build(uint8_t *f, size_t chan_len, size_t payload_len)
{
	static uint8_t payload[FRAME_BUF];
	char chan[RUMOR_CHANNEL_MAX];
	struct rumor_msg m = {
		.type = RUMOR_T_DATA, .hop_limit = RUMOR_DEFAULT_HOP_LIMIT,
		.origin = 7, .epoch = 3, .seq = 99,
		.channel_hash = 0x0123456789abcdefull,
		.channel = chan, .channel_len = chan_len,
		.payload = payload, .payload_len = payload_len,
	};
	size_t rlen;

	for (size_t i = 0; i < sizeof(chan); i++)
		chan[i] = (char)('a' + i % 26);
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)i;
	memset(f, 0, FRAME_BUF);
	memcpy(f, self.mac, 6);
	memcpy(f + 6, peer_mac, 6);
	test_put(f + OFF_ETH_TYPE, 2, ETH_TYPE_IPV4);
	f[OFF_IP_VHL] = 0x45;
	test_put(f + FRAME_IP_OFF + 4, 2, 0x1234);		/* Id. */
	test_put(f + OFF_IP_FRAG, 2, 0x4000);
	f[FRAME_IP_OFF + 8] = 64;			/* TTL. */
	f[OFF_IP_PROTO] = IPPROTO_UDP;
	f[FRAME_IP_OFF + 12] = 10;			/* 10.0.0.1 */
	f[FRAME_IP_OFF + 15] = 1;
	memcpy(f + OFF_IP_DST, &self.ip, 4);
	test_put(f + FRAME_UDP_OFF, 2, 7946);
	memcpy(f + OFF_UDP_DPORT, &self.udp_port, 2);
	rlen = rumor_msg_encode(f + FRAME_RUMOR_OFF,
			FRAME_BUF - FRAME_RUMOR_OFF, &m);
	if (rlen == 0)
		abort();
	set_lengths(f, (uint32_t)rlen);
	return FRAME_RUMOR_OFF + (uint32_t)rlen;
}

/*
 * Build a CONTROL frame for self into f (FRAME_BUF bytes) whose UDP
 * payload is rlen bytes: the rumor magic, version and type CONTROL (as
 * many of those 4 bytes as fit), then an opaque pattern standing for a
 * sealed envelope. Returns the frame length.
 */
static const uint8_t control_head[4] = { RUMOR_MAGIC >> 8,
		RUMOR_MAGIC & 0xff, RUMOR_VERSION, RUMOR_T_CONTROL };

static uint32_t
control_build(uint8_t *f, uint32_t rlen)
{
	frame_build(f, 1, 0);
	memset(f + FRAME_RUMOR_OFF, 0, FRAME_BUF - FRAME_RUMOR_OFF);
	for (uint32_t i = 0; i < rlen; i++)
		f[FRAME_RUMOR_OFF + i] = i < 4 ? control_head[i] :
				(uint8_t)(i * 7);
	set_lengths(f, rlen);
	return FRAME_RUMOR_OFF + rlen;
}

/*
 * Parse a heap copy of f[0..len) that ends at the end of its allocation,
 * with the frame starting at `align` bytes past a 16-byte boundary.
 */
static enum frame_verdict
parse_at(const uint8_t *f, uint32_t len, uint32_t align, uint32_t *frame_len)
{
	uint8_t *raw = malloc(len + align > 0 ? len + align : 1);
	enum frame_verdict v;

	if (raw == NULL)
		abort();
	memcpy(raw + align, f, len);
	v = frame_parse(raw + align, len, &self, frame_len);
	free(raw);
	return v;
}

static enum frame_verdict
parse(const uint8_t *f, uint32_t len, uint32_t *frame_len)
{
	return parse_at(f, len, 2, frame_len);
}

/* Parse and require verdict `want`; record the verdict as produced. */
#define EXPECT(f, len, want) expect((f), (len), (want), __LINE__)

static void
expect(const uint8_t *f, uint32_t len, enum frame_verdict want, int line)
{
	uint32_t frame_len = 0;
	enum frame_verdict v = parse(f, len, &frame_len);

	if ((unsigned)v < FRAME_VERDICT_MAX)
		seen[v] = true;
	if (!test_check_eq(v, want, __FILE__, line, "verdict", "want"))
		fprintf(stderr, "  got %s, want %s\n", frame_verdict_name(v),
				frame_verdict_name(want));
}

static void
test_valid(void)
{
	uint8_t f[FRAME_BUF];
	uint32_t len, frame_len = 0;

	len = frame_build(f, 14, 100);
	CHECK_EQ(len, 14 + 20 + 8 + 40 + 14 + 100);
	CHECK_EQ(parse(f, len, &frame_len), FRAME_DATA);
	CHECK_EQ(frame_len, len);
	seen[FRAME_DATA] = true;

	/* The smallest and the largest rumor datagrams. */
	len = frame_build(f, 1, 0);
	CHECK_EQ(parse(f, len, &frame_len), FRAME_DATA);
	CHECK_EQ(frame_len, len);
	len = frame_build(f, RUMOR_CHANNEL_MAX,
			RUMOR_DATAGRAM_MAX - 40 - RUMOR_CHANNEL_MAX);
	CHECK_EQ(len, 1514);
	CHECK_EQ(parse(f, len, &frame_len), FRAME_DATA);
	CHECK_EQ(frame_len, len);

	/* Neither the hop limit nor DF matter to the decoder. */
	len = frame_build(f, 14, 100);
	f[FRAME_RUMOR_OFF + 5] = 0;
	EXPECT(f, len, FRAME_DATA);
	test_put(f + OFF_IP_FRAG, 2, 0);
	ip_fix(f);
	EXPECT(f, len, FRAME_DATA);
}

static void
test_padding(void)
{
	uint8_t f[FRAME_BUF];
	uint32_t len = frame_build(f, 1, 0), frame_len = 0;

	/* Pad a short frame to 60 bytes and beyond; padding is not data. */
	for (uint32_t pad = 1; pad <= 64; pad++) {
		memset(f + len, 0xee, pad);
		frame_len = 0;
		CHECK_EQ(parse(f, len + pad, &frame_len), FRAME_DATA);
		CHECK_EQ(frame_len, len);
	}
	len = frame_build(f, 14, 3);
	memset(f + len, 0, 60);
	CHECK_EQ(parse(f, 60 + len, &frame_len), FRAME_DATA);
	CHECK_EQ(frame_len, len);
}

/*
 * A field of the good frame (test_verdicts) set to each of values v[0..n),
 * the IPv4 header checksum made valid again when fix, gets verdict want.
 */
#define FIELD_CASE(off, width, fix, want, ...) { (off), (width), (fix), \
	(want), { __VA_ARGS__ }, \
	sizeof((uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t), __LINE__ }

static const struct field_case {
	uint32_t off;
	unsigned int width;
	bool fix;
	enum frame_verdict want;
	uint32_t v[4];
	size_t n;
	int line;
} field_cases[] = {
	/* 802.1Q and 802.1ad; IPv6, LLDP, zero. */
	FIELD_CASE(OFF_ETH_TYPE, 2, false, FRAME_VLAN, ETH_TYPE_VLAN,
			ETH_TYPE_QINQ),
	FIELD_CASE(OFF_ETH_TYPE, 2, false, FRAME_ETHERTYPE, 0x86dd, 0x88cc,
			0),
	/* Version 6, version 0, header length 4 and 0; 6 and 15. */
	FIELD_CASE(OFF_IP_VHL, 1, true, FRAME_IP_VERSION, 0x65, 0x05, 0x44,
			0x40),
	FIELD_CASE(OFF_IP_VHL, 1, true, FRAME_IP_OPTIONS, 0x46, 0x4f),
	/* Total length under 20, 0, over the frame by far. */
	FIELD_CASE(OFF_IP_LEN, 2, true, FRAME_IP_LEN, 19, 0, 0xffff),
	/* More fragments, an offset, both. */
	FIELD_CASE(OFF_IP_FRAG, 2, true, FRAME_IP_FRAG, IPV4_MF, 1,
			0x4000 | 0x1000, IPV4_MF | 185),
	/* Broadcast; TCP, ICMP. */
	FIELD_CASE(OFF_IP_DST, 4, true, FRAME_IP_DST, 0xffffffffu),
	FIELD_CASE(OFF_IP_PROTO, 1, true, FRAME_IP_PROTO, IPPROTO_TCP,
			IPPROTO_ICMP),
	/* UDP lengths 0 and 7; another port. */
	FIELD_CASE(OFF_UDP_LEN, 2, false, FRAME_UDP_LEN, 0, 7),
	FIELD_CASE(OFF_UDP_DPORT, 2, false, FRAME_UDP_PORT, 7946),
	/* The rumor header: version, type, flags, reserved. */
	FIELD_CASE(FRAME_RUMOR_OFF + 2, 1, false, FRAME_RUMOR_VERSION,
			RUMOR_VERSION + 1),
	FIELD_CASE(FRAME_RUMOR_OFF + 3, 1, false, FRAME_RUMOR_TYPE,
			RUMOR_T_MAX),
	FIELD_CASE(FRAME_RUMOR_OFF + 4, 1, false, FRAME_RUMOR_TYPE, 0x80),
	FIELD_CASE(FRAME_RUMOR_OFF + 15, 1, false, FRAME_RUMOR_TYPE, 1),
	/* Payload length over and under the datagram. */
	FIELD_CASE(OFF_R_PAYLOAD_LEN, 2, false, FRAME_RUMOR_LENGTH, 101, 99),
};

/* One malformed variant (at least) per drop verdict. */
static void
test_verdicts(void)
{
	uint8_t good[FRAME_BUF], f[FRAME_BUF];
	uint32_t len = frame_build(good, 14, 100), rlen;

	/* FRAME_ARP: whatever the destination and length. */
	memcpy(f, good, len);
	test_put(f + OFF_ETH_TYPE, 2, ETH_TYPE_ARP);
	EXPECT(f, len, FRAME_ARP);
	memset(f, 0xff, 6);
	EXPECT(f, ETH_HDR_LEN, FRAME_ARP);

	/* FRAME_CONTROL: a sealed envelope's length. */
	rlen = control_build(f, 96);
	EXPECT(f, rlen, FRAME_CONTROL);

	/* One field of the good frame changed: each value of a case. */
	for (size_t i = 0; i < TEST_DIM(field_cases); i++) {
		const struct field_case *c = &field_cases[i];

		for (size_t k = 0; k < c->n; k++) {
			memcpy(f, good, len);
			test_put(f + c->off, c->width, c->v[k]);
			if (c->fix)
				ip_fix(f);
			expect(f, len, c->want, c->line);
		}
	}

	/* FRAME_ETH_SHORT. */
	EXPECT(good, 0, FRAME_ETH_SHORT);
	EXPECT(good, ETH_HDR_LEN - 1, FRAME_ETH_SHORT);

	/* FRAME_ETH_DST: another host, broadcast, multicast. */
	memcpy(f, good, len);
	f[5] ^= 1;
	EXPECT(f, len, FRAME_ETH_DST);
	memset(f, 0xff, 6);
	EXPECT(f, len, FRAME_ETH_DST);
	f[0] = 0x01;
	f[1] = 0x00;
	f[2] = 0x5e;
	EXPECT(f, len, FRAME_ETH_DST);

	/* FRAME_IP_SHORT: an Ethernet header and under 20 bytes. */
	EXPECT(good, ETH_HDR_LEN, FRAME_IP_SHORT);
	EXPECT(good, FRAME_UDP_OFF - 1, FRAME_IP_SHORT);

	/* FRAME_IP_LEN: one byte beyond the frame. */
	memcpy(f, good, len);
	test_put(f + OFF_IP_LEN, 2, (uint16_t)(len - ETH_HDR_LEN + 1));
	ip_fix(f);
	EXPECT(f, len, FRAME_IP_LEN);

	/* FRAME_IP_CKSUM: each bit of the checksum, and a changed field. */
	for (uint32_t b = 0; b < 16; b++) {
		memcpy(f, good, len);
		f[OFF_IP_CKSUM + b / 8] ^= (uint8_t)(1u << (b % 8));
		EXPECT(f, len, FRAME_IP_CKSUM);
	}
	memcpy(f, good, len);
	f[FRAME_IP_OFF + 8] = 63;
	EXPECT(f, len, FRAME_IP_CKSUM);

	/* FRAME_IP_DST: another host. */
	memcpy(f, good, len);
	f[OFF_IP_DST + 3] ^= 1;
	ip_fix(f);
	EXPECT(f, len, FRAME_IP_DST);

	/* FRAME_UDP_LEN: too short for UDP, and disagreeing lengths. */
	memcpy(f, good, len);
	for (uint16_t l = 20; l < 28; l++) {
		test_put(f + OFF_IP_LEN, 2, l);
		ip_fix(f);
		EXPECT(f, len, FRAME_UDP_LEN);
	}
	memcpy(f, good, len);
	test_put(f + OFF_UDP_LEN, 2, test_get(good + OFF_UDP_LEN, 2) + 1);
	EXPECT(f, len, FRAME_UDP_LEN);
	test_put(f + OFF_UDP_LEN, 2, test_get(good + OFF_UDP_LEN, 2) - 1);
	EXPECT(f, len, FRAME_UDP_LEN);

	/* FRAME_RUMOR_SHORT: a UDP payload of 0 and 39 bytes. */
	memcpy(f, good, len);
	set_lengths(f, 0);
	EXPECT(f, FRAME_RUMOR_OFF, FRAME_RUMOR_SHORT);
	set_lengths(f, 39);
	EXPECT(f, FRAME_RUMOR_OFF + 39, FRAME_RUMOR_SHORT);
	/* The same with the rest left in the frame as padding. */
	EXPECT(f, len, FRAME_RUMOR_SHORT);

	/* FRAME_RUMOR_MAGIC. */
	memcpy(f, good, len);
	f[FRAME_RUMOR_OFF] ^= 0x80;
	EXPECT(f, len, FRAME_RUMOR_MAGIC);

	/*
	 * FRAME_RUMOR_LENGTH: a consistent datagram one byte over
	 * RUMOR_DATAGRAM_MAX (a jumbo frame).
	 */
	rlen = RUMOR_DATAGRAM_MAX + 1;
	len = frame_build(f, RUMOR_CHANNEL_MAX,
			RUMOR_DATAGRAM_MAX - 40 - RUMOR_CHANNEL_MAX);
	f[len] = 0;
	test_put(f + OFF_R_PAYLOAD_LEN, 2,
			test_get(f + OFF_R_PAYLOAD_LEN, 2) + 1);
	set_lengths(f, rlen);
	EXPECT(f, len + 1, FRAME_RUMOR_LENGTH);

	/* FRAME_RUMOR_CHANNEL: channel 0, the lengths still adding up. */
	len = frame_build(good, 14, 100);
	memcpy(f, good, len);
	test_put(f + OFF_R_CHAN_LEN, 2, 0);
	test_put(f + OFF_R_PAYLOAD_LEN, 2, 114);
	EXPECT(f, len, FRAME_RUMOR_CHANNEL);
	/* Channel 256, the lengths still adding up. */
	len = frame_build(good, RUMOR_CHANNEL_MAX, 10);
	memcpy(f, good, len);
	test_put(f + OFF_R_CHAN_LEN, 2, RUMOR_CHANNEL_MAX + 1);
	test_put(f + OFF_R_PAYLOAD_LEN, 2, 9);
	EXPECT(f, len, FRAME_RUMOR_CHANNEL);

	/* Channel messages, and DATA on a broadcast channel. */
	len = frame_build(good, 14, 24);
	memcpy(f, good, len);
	for (unsigned t = RUMOR_T_SUBSCRIBE; t <= RUMOR_T_COOKIE; t++) {
		f[FRAME_RUMOR_OFF + 3] = (uint8_t)t;
		EXPECT(f, len, FRAME_CHAN);
	}
	/*
	 * Replication's types are channel messages and an acked PUBLISH on
	 * an ordered channel DATA (pub_ack.c, chan_repl.c); a resuming
	 * SUBSCRIBE is a channel message, for the control thread as any
	 * SUBSCRIBE; the flag elsewhere is an unknown one.
	 */
	for (unsigned t = RUMOR_T_PUB_ACK; t < RUMOR_T_MAX; t++) {
		f[FRAME_RUMOR_OFF + 3] = (uint8_t)t;
		EXPECT(f, len, FRAME_CHAN);
	}
	for (unsigned t = RUMOR_T_DATA; t < RUMOR_T_MAX; t++) {
		if (t == RUMOR_T_CONTROL)
			continue;
		f[FRAME_RUMOR_OFF + 3] = (uint8_t)t;
		f[FRAME_RUMOR_OFF + 4] = RUMOR_F_ACK;
		EXPECT(f, len, t == RUMOR_T_DATA ? FRAME_DATA :
				t == RUMOR_T_SUBSCRIBE ? FRAME_CHAN :
				FRAME_RUMOR_TYPE);
	}
	/* Acked on a broadcast channel: no path (only ordered ones). */
	f[FRAME_RUMOR_OFF + 3] = RUMOR_T_DATA;
	f[FRAME_RUMOR_OFF + 40] = CHAN_BROADCAST_PREFIX;
	EXPECT(f, len, FRAME_REPL);
	f[FRAME_RUMOR_OFF + 40] = good[FRAME_RUMOR_OFF + 40];
	f[FRAME_RUMOR_OFF + 4] = 0;
	f[FRAME_RUMOR_OFF + 3] = RUMOR_T_DATA;
	EXPECT(f, len, FRAME_DATA);
	f[FRAME_RUMOR_OFF + 40] = CHAN_BROADCAST_PREFIX;
	EXPECT(f, len, FRAME_CHAN);
	/* The name's first byte is all it takes: '@' anywhere else is not. */
	memcpy(f, good, len);
	f[FRAME_RUMOR_OFF + 41] = CHAN_BROADCAST_PREFIX;
	EXPECT(f, len, FRAME_DATA);

	/* Every verdict was produced by some input above. */
	for (unsigned v = 0; v < FRAME_VERDICT_MAX; v++)
		if (!CHECK(seen[v]))
			fprintf(stderr, "  verdict %s never produced\n",
					frame_verdict_name(v));
}

/*
 * CONTROL datagrams: accepted from 4 bytes (magic, version, type) up to
 * RUMOR_DATAGRAM_MAX whatever follows; shorter ones, and ones with a bad
 * magic or version, get the verdict a DATA header would; the Ethernet,
 * IPv4 and UDP checks still come first.
 */
static void
test_control(void)
{
	static const uint32_t lens[] = { 4, 5, 8, 39, 40, 41, 56, 96, 1000,
			RUMOR_DATAGRAM_MAX };
	uint8_t f[FRAME_BUF];
	uint32_t len, frame_len;

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		len = control_build(f, lens[i]);
		frame_len = 0;
		if (!CHECK_EQ(parse(f, len, &frame_len), FRAME_CONTROL))
			fprintf(stderr, "  UDP payload of %u bytes\n",
					lens[i]);
		CHECK_EQ(frame_len, len);
		/* Padded to the Ethernet minimum and beyond. */
		memset(f + len, 0xee, 64);
		frame_len = 0;
		CHECK_EQ(parse(f, len + 64, &frame_len), FRAME_CONTROL);
		CHECK_EQ(frame_len, len);
		/* At the alignment of an mbuf. */
		CHECK_EQ(parse_at(f, len, 0, &frame_len), FRAME_CONTROL);
	}

	/* Flags and the bytes after the type are the envelope's business. */
	len = control_build(f, 64);
	f[FRAME_RUMOR_OFF + 4] = 0xff;
	f[FRAME_RUMOR_OFF + 14] = 0xff;
	f[FRAME_RUMOR_OFF + 15] = 0xff;
	EXPECT(f, len, FRAME_CONTROL);

	/* Short of a type byte: 0 to 3 bytes of the head. */
	for (uint32_t l = 0; l < 4; l++) {
		len = control_build(f, l);
		EXPECT(f, len, FRAME_RUMOR_SHORT);
		/* The head's missing bytes present as padding only. */
		f[FRAME_RUMOR_OFF + l] = control_head[l];
		EXPECT(f, len + 1, FRAME_RUMOR_SHORT);
	}

	/* One byte over the largest datagram (a jumbo frame). */
	len = control_build(f, RUMOR_DATAGRAM_MAX + 1);
	EXPECT(f, len, FRAME_RUMOR_LENGTH);

	/* Bad magic or version with type CONTROL: short, then refused. */
	for (uint32_t b = 0; b < 3; b++) {
		static const enum frame_verdict want[3] = { FRAME_RUMOR_MAGIC,
				FRAME_RUMOR_MAGIC, FRAME_RUMOR_VERSION };

		len = control_build(f, 8);
		f[FRAME_RUMOR_OFF + b] ^= 0x01;
		EXPECT(f, len, FRAME_RUMOR_SHORT);
		len = control_build(f, 64);
		f[FRAME_RUMOR_OFF + b] ^= 0x01;
		EXPECT(f, len, want[b]);
	}
	/* Other types in a short datagram are short rumor headers. */
	len = control_build(f, 8);
	f[FRAME_RUMOR_OFF + 3] = RUMOR_T_DATA;
	EXPECT(f, len, FRAME_RUMOR_SHORT);
	f[FRAME_RUMOR_OFF + 3] = RUMOR_T_MAX;
	EXPECT(f, len, FRAME_RUMOR_SHORT);
	len = control_build(f, 64);
	f[FRAME_RUMOR_OFF + 3] = RUMOR_T_MAX;
	EXPECT(f, len, FRAME_RUMOR_TYPE);
	f[FRAME_RUMOR_OFF + 3] = 0;
	EXPECT(f, len, FRAME_RUMOR_TYPE);

	/* The layers below are checked first. */
	len = control_build(f, 64);
	test_put(f + OFF_UDP_DPORT, 2, 7946);
	EXPECT(f, len, FRAME_UDP_PORT);
	len = control_build(f, 64);
	f[OFF_IP_DST + 3] ^= 1;
	ip_fix(f);
	EXPECT(f, len, FRAME_IP_DST);
	len = control_build(f, 64);
	f[5] ^= 1;
	EXPECT(f, len, FRAME_ETH_DST);
	len = control_build(f, 64);
	f[OFF_IP_CKSUM] ^= 1;
	EXPECT(f, len, FRAME_IP_CKSUM);
	len = control_build(f, 64);
	test_put(f + OFF_UDP_LEN, 2, test_get(f + OFF_UDP_LEN, 2) - 1);
	EXPECT(f, len, FRAME_UDP_LEN);

	/* Every truncation of a CONTROL frame: never accepted. */
	len = control_build(f, 64);
	for (uint32_t l = 0; l < len; l++) {
		frame_len = 0;
		CHECK(parse(f, l, &frame_len) != FRAME_CONTROL);
	}
}

/*
 * Every truncation of a valid frame: exact copies (ASan catches any read
 * beyond), never FRAME_DATA, and the verdict the first missing byte gives.
 */
static void
test_truncation(void)
{
	static const size_t shapes[][2] = {
		{ 1, 0 }, { 14, 100 }, { RUMOR_CHANNEL_MAX, 1177 },
	};
	uint8_t f[FRAME_BUF];

	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		uint32_t len = frame_build(f, shapes[s][0], shapes[s][1]);

		for (uint32_t l = 0; l < len; l++) {
			uint32_t frame_len = 0;
			enum frame_verdict v = parse(f, l, &frame_len), want;

			if (l < ETH_HDR_LEN)
				want = FRAME_ETH_SHORT;
			else if (l < FRAME_UDP_OFF)
				want = FRAME_IP_SHORT;
			else
				want = FRAME_IP_LEN;
			CHECK(v != FRAME_DATA);
			if (!CHECK_EQ(v, want))
				fprintf(stderr, "  truncated at %u\n", l);
		}
		/* Short of an Ethernet header, at the alignment of an mbuf. */
		for (uint32_t l = 0; l < ETH_HDR_LEN; l++) {
			uint32_t frame_len = 0;

			CHECK_EQ(parse_at(f, l, 0, &frame_len),
					FRAME_ETH_SHORT);
		}
	}
}

/*
 * f: good (len bytes) with one to three bytes changed at random, its IPv4
 * checksum made valid again one time in four. Returns the length to
 * parse: len, or one time in eight a random cut.
 */
static uint32_t
corrupt(uint8_t *f, const uint8_t *good, uint32_t len, uint64_t *seed)
{
	unsigned flips = 1 + test_rand(seed) % 3;

	memcpy(f, good, len);
	for (unsigned k = 0; k < flips; k++) {
		uint32_t off = (uint32_t)(test_rand(seed) % len);

		f[off] = (uint8_t)test_rand(seed);
	}
	if (test_rand(seed) % 4 == 0)
		ip_fix(f);
	if (test_rand(seed) % 8 == 0)
		return (uint32_t)(test_rand(seed) % (len + 1));
	return len;
}

/*
 * Random corruption of valid frames. Whenever the result is FRAME_DATA,
 * the headers it vouches for must hold.
 */
static void
test_random(void)
{
	uint64_t seed = 7;
	uint8_t good[FRAME_BUF], f[FRAME_BUF];
	uint32_t len = frame_build(good, 14, 40);
	unsigned data = 0, control = 0;
	enum frame_verdict v;

	for (int i = 0; i < 200000; i++) {
		uint32_t l = corrupt(f, good, len, &seed), frame_len = 0;
		v = parse(f, l, &frame_len);
		if (v == FRAME_CONTROL)
			control++;
		if (v == FRAME_DATA) {
			uint32_t ip_len = test_get(f + OFF_IP_LEN, 2);
			uint32_t rlen = ip_len - 28;

			data++;
			CHECK(frame_len <= l);
			CHECK_EQ(frame_len, ETH_HDR_LEN + ip_len);
			CHECK(rlen >= sizeof(struct rumor_hdr));
			CHECK_EQ(sizeof(struct rumor_hdr) +
					test_get(f + OFF_R_CHAN_LEN, 2) +
					test_get(f + OFF_R_PAYLOAD_LEN, 2),
					rlen);
			CHECK(cksum_ipv4_ok(f + FRAME_IP_OFF));
			CHECK(memcmp(f, self.mac, 6) == 0);
		}
	}
	/* Flips in the payload or the ids keep it valid: some must pass. */
	CHECK(data > 1000);

	/*
	 * The same for CONTROL frames: whenever one is accepted, the head
	 * it vouches for must be there.
	 */
	len = control_build(good, 96);
	for (int i = 0; i < 200000; i++) {
		uint32_t l = corrupt(f, good, len, &seed), frame_len = 0;
		v = parse(f, l, &frame_len);
		CHECK(v != FRAME_DATA);
		if (v == FRAME_CONTROL) {
			uint32_t ip_len = test_get(f + OFF_IP_LEN, 2);

			control++;
			CHECK(frame_len <= l);
			CHECK_EQ(frame_len, ETH_HDR_LEN + ip_len);
			CHECK(ip_len - 28 >= 4);
			CHECK_EQ(test_get(f + FRAME_RUMOR_OFF, 2), RUMOR_MAGIC);
			CHECK_EQ(f[FRAME_RUMOR_OFF + 2], RUMOR_VERSION);
			CHECK_EQ(f[FRAME_RUMOR_OFF + 3], RUMOR_T_CONTROL);
			CHECK(cksum_ipv4_ok(f + FRAME_IP_OFF));
			CHECK(memcmp(f, self.mac, 6) == 0);
		}
	}
	CHECK(control > 1000);
}

/*
 * A valid frame at the alignment of an mbuf: the data starts 64-byte
 * aligned, so the IPv4 header is at 2 mod 4. Under UBSan a misaligned
 * struct access would fail this test.
 */
static void
test_mbuf_align(void)
{
	uint8_t f[FRAME_BUF];
	uint32_t len = frame_build(f, 14, 100), frame_len = 0;

	CHECK_EQ(parse_at(f, len, 0, &frame_len), FRAME_DATA);
	CHECK_EQ(frame_len, len);
}

/*
 * A frame whose rumor header carries the auth block (RUMOR_F_AUTH): DATA
 * with its block is FRAME_DATA, the channel's first byte is read past
 * the block (a broadcast channel is FRAME_CHAN), and the flag without
 * the block is a length error.
 */
static void
test_auth_block(void)
{
	static uint8_t f[FRAME_BUF];
	uint8_t key[NODE_AUTH_KEY_LEN] = { 1 };
	uint32_t len = frame_build(f, 8, 30);
	uint32_t rlen = len - FRAME_RUMOR_OFF, frame_len = 0;
	size_t alen;

	alen = node_auth_insert(f + FRAME_RUMOR_OFF, rlen,
			FRAME_BUF - FRAME_RUMOR_OFF, key, 2, 1);
	CHECK_EQ(alen, rlen + NODE_AUTH_LEN);
	set_lengths(f, (uint32_t)alen);
	expect(f, FRAME_RUMOR_OFF + (uint32_t)alen, FRAME_DATA, __LINE__);
	CHECK_EQ(parse(f, FRAME_RUMOR_OFF + (uint32_t)alen, &frame_len),
			FRAME_DATA);
	CHECK_EQ(frame_len, FRAME_RUMOR_OFF + alen);
	/* The block's bytes are not the channel's. */
	f[FRAME_RUMOR_OFF + NODE_AUTH_OFF] = CHAN_BROADCAST_PREFIX;
	expect(f, FRAME_RUMOR_OFF + (uint32_t)alen, FRAME_DATA, __LINE__);
	f[FRAME_RUMOR_OFF + NODE_AUTH_END] = CHAN_BROADCAST_PREFIX;
	expect(f, FRAME_RUMOR_OFF + (uint32_t)alen, FRAME_CHAN, __LINE__);
	/* The flag without the block. */
	len = frame_build(f, 8, 30);
	f[FRAME_RUMOR_OFF + 4] = RUMOR_F_AUTH;
	expect(f, len, FRAME_RUMOR_LENGTH, __LINE__);
	/* A block whose lengths leave 15 bytes for it. */
	len = frame_build(f, 8, 30);
	alen = node_auth_insert(f + FRAME_RUMOR_OFF, len - FRAME_RUMOR_OFF,
			FRAME_BUF - FRAME_RUMOR_OFF, key, 2, 1);
	set_lengths(f, (uint32_t)alen - 1);
	expect(f, FRAME_RUMOR_OFF + (uint32_t)alen - 1, FRAME_RUMOR_LENGTH,
			__LINE__);
}

static const struct test_section sections[] = {
	{ "auth_block", test_auth_block },
	{ "valid", test_valid },
	{ "padding", test_padding },
	{ "verdicts", test_verdicts },
	{ "control", test_control },
	{ "truncation", test_truncation },
	{ "random", test_random },
	{ "mbuf_align", test_mbuf_align },
};

int
main(int argc, char **argv)
{
	return test_run(argc, argv, "test_parse", sections,
			TEST_DIM(sections));
}
