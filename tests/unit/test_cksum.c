/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internet checksums (include/rumor/cksum.h): the IPv4 header checksum of a
 * known header, the sum against an independent byte-wise reference, and
 * the incremental updates (RFC 1624) against full recomputation over
 * random changes, for an IPv4 header and for a UDP checksum over its
 * pseudo-header, as the forwarding path rewrites them.
 */
#include <stdlib.h>
#include <string.h>

#include "rumor/cksum.h"
#include "test.h"

/*
 * Reference: the ones' complement sum of big-endian 16-bit words, written
 * without the tricks of cksum_sum. Returns the sum as bytes (hi, lo).
 */
static void
ref_sum(const uint8_t *p, size_t len, uint8_t out[2])
{
	uint64_t sum = 0;

	for (size_t i = 0; i < len; i += 2)
		sum += (uint64_t)p[i] << 8 | (i + 1 < len ? p[i + 1] : 0);
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	out[0] = (uint8_t)(sum >> 8);
	out[1] = (uint8_t)sum;
}

/* A 16-bit value as cksum_sum returns it, as the bytes it stores. */
static void
as_bytes(uint16_t v, uint8_t out[2])
{
	memcpy(out, &v, 2);
}

static void
test_known_header(void)
{
	/* The example header of many textbooks: checksum 0xb861. */
	uint8_t h[20] = {
		0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00,
		0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01,
		0xc0, 0xa8, 0x00, 0xc7,
	};
	uint8_t b[2];
	uint16_t c;

	CHECK(!cksum_ipv4_ok(h));
	c = cksum_ipv4_hdr(h);
	as_bytes(c, b);
	CHECK_EQ(b[0], 0xb8);
	CHECK_EQ(b[1], 0x61);
	memcpy(h + 10, &c, 2);
	CHECK(cksum_ipv4_ok(h));
	/* Any single-bit change is detected. */
	for (unsigned bit = 0; bit < 160; bit++) {
		h[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		CHECK(!cksum_ipv4_ok(h));
		h[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	CHECK(cksum_ipv4_ok(h));
}

static void
test_sum_reference(void)
{
	uint64_t seed = 3;
	uint8_t buf[1500], r[2], s[2];

	/* All ones, all zeros, odd lengths, lots of carries. */
	memset(buf, 0xff, sizeof(buf));
	ref_sum(buf, sizeof(buf), r);
	as_bytes(cksum_sum(buf, sizeof(buf)), s);
	CHECK(memcmp(r, s, 2) == 0);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(cksum_sum(buf, sizeof(buf)), 0);
	CHECK_EQ(cksum_sum(buf, 0), 0);
	buf[0] = 0xab;
	as_bytes(cksum_sum(buf, 1), s);
	CHECK_EQ(s[0], 0xab);		/* An odd byte is padded after. */
	CHECK_EQ(s[1], 0x00);

	for (int i = 0; i < 20000; i++) {
		size_t len = test_rand(&seed) % sizeof(buf);

		for (size_t j = 0; j < len; j++)
			buf[j] = (uint8_t)test_rand(&seed);
		ref_sum(buf, len, r);
		as_bytes(cksum_sum(buf, len), s);
		if (!CHECK(memcmp(r, s, 2) == 0))
			break;
	}
}

/* IPv4 headers: random changes of 16- and 32-bit words. */
static void
test_update_ipv4(void)
{
	uint64_t seed = 5;
	unsigned mismatches = 0;

	for (int i = 0; i < 200000; i++) {
		uint8_t h[20];
		uint16_t c, full, inc;
		unsigned off;

		for (size_t j = 0; j < sizeof(h); j++)
			h[j] = (uint8_t)test_rand(&seed);
		h[0] = 0x45;
		h[10] = 0;
		h[11] = 0;
		/* Some headers mostly zero or mostly ones: edge sums. */
		if (i % 16 == 1)
			memset(h + 2, 0, 8);
		if (i % 16 == 2)
			memset(h + 12, 0xff, 8);
		c = cksum_ipv4_hdr(h);
		memcpy(h + 10, &c, 2);

		if (test_rand(&seed) % 2 == 0) {
			uint16_t old, new = (uint16_t)test_rand(&seed);

			/* Any word but the checksum itself. */
			do {
				off = (unsigned)(test_rand(&seed) % 10) * 2;
			} while (off == 10);
			if (i % 32 == 3)
				new = 0;
			else if (i % 32 == 4)
				new = 0xffff;
			memcpy(&old, h + off, 2);
			memcpy(h + off, &new, 2);
			inc = cksum_update16(c, old, new);
		} else {
			uint32_t old, new = (uint32_t)test_rand(&seed);

			off = test_rand(&seed) % 2 == 0 ? 12 : 16;
			if (i % 32 == 5)
				new = 0;
			memcpy(&old, h + off, 4);
			memcpy(h + off, &new, 4);
			inc = cksum_update32(c, old, new);
		}
		h[10] = 0;
		h[11] = 0;
		full = cksum_ipv4_hdr(h);
		if (inc != full && mismatches++ < 5)
			fprintf(stderr, "ipv4 update at %u: incremental "
					"%04x, full %04x\n", off, inc, full);
		memcpy(h + 10, &inc, 2);
		CHECK(cksum_ipv4_ok(h));
	}
	CHECK_EQ(mismatches, 0);
}

/* The UDP checksum field for a datagram: 0 is sent as 0xffff. */
static uint16_t
udp_cksum(const uint8_t *pseudo12, uint8_t *udp, size_t len)
{
	uint8_t *buf = malloc(12 + len);
	uint16_t c;

	if (buf == NULL)
		abort();
	udp[6] = 0;
	udp[7] = 0;
	memcpy(buf, pseudo12, 12);
	memcpy(buf + 12, udp, len);
	c = (uint16_t)~cksum_sum(buf, 12 + len);
	free(buf);
	return c != 0 ? c : 0xffff;
}

/* A receiver's view: the pseudo-header and datagram sum to all ones. */
static bool
udp_ok(const uint8_t *pseudo12, const uint8_t *udp, size_t len)
{
	uint8_t *buf = malloc(12 + len);
	bool ok;

	if (buf == NULL)
		abort();
	memcpy(buf, pseudo12, 12);
	memcpy(buf + 12, udp, len);
	ok = cksum_sum(buf, 12 + len) == 0xffff;
	free(buf);
	return ok;
}

/*
 * UDP over IPv4: rewrite the addresses (pseudo-header), the ports and a
 * 16-bit word of the payload (the rumor flags and hop limit), updating
 * the checksum incrementally the way the forwarding path does, and
 * compare with the checksum computed from scratch.
 */
/*
 * Make udp (len bytes) and the pseudo header, whose addresses are set,
 * agree: protocol and length in both, then a valid checksum, returned.
 */
static uint16_t
udp_seal(uint8_t pseudo[12], uint8_t *udp, size_t len)
{
	uint16_t c;

	pseudo[8] = 0;
	pseudo[9] = 17;
	pseudo[10] = (uint8_t)(len >> 8);
	pseudo[11] = (uint8_t)len;
	udp[4] = pseudo[10];
	udp[5] = pseudo[11];
	c = udp_cksum(pseudo, udp, len);
	memcpy(udp + 6, &c, 2);
	return c;
}

/* Write v (width 2 or 4 bytes, as is) at p and update checksum c for it. */
static uint16_t
rewrite(uint16_t c, uint8_t *p, uint32_t v, size_t width)
{
	uint16_t old16, v16 = (uint16_t)v;
	uint32_t old32;

	if (width == 4) {
		memcpy(&old32, p, 4);
		memcpy(p, &v, 4);
		return cksum_update32(c, old32, v);
	}
	memcpy(&old16, p, 2);
	memcpy(p, &v16, 2);
	return cksum_update16(c, old16, v16);
}

static void
test_update_udp(void)
{
	uint64_t seed = 9;
	unsigned mismatches = 0;

	for (int i = 0; i < 50000; i++) {
		uint8_t pseudo[12], udp[200];
		size_t len = 8 + 40 + test_rand(&seed) % 150;
		uint32_t saddr, daddr;
		uint16_t sport, dport, oldw, neww, c, full;

		for (size_t j = 0; j < len; j++)
			udp[j] = (uint8_t)test_rand(&seed);
		for (size_t j = 0; j < 8; j++)
			pseudo[j] = (uint8_t)test_rand(&seed);
		c = udp_seal(pseudo, udp, len);
		CHECK(udp_ok(pseudo, udp, len));

		/* New addresses, ports, and the rumor flags/hop word. */
		saddr = (uint32_t)test_rand(&seed);
		daddr = (uint32_t)test_rand(&seed);
		sport = (uint16_t)test_rand(&seed);
		dport = (uint16_t)test_rand(&seed);
		if (i % 64 == 7) {
			saddr = 0;
			daddr = 0xffffffffu;
		}
		c = rewrite(c, pseudo, saddr, 4);
		c = rewrite(c, pseudo + 4, daddr, 4);
		c = rewrite(c, udp, sport, 2);
		c = rewrite(c, udp + 2, dport, 2);
		/* Flags and hop limit: bytes 4 and 5 of the rumor header. */
		memcpy(&oldw, udp + 8 + 4, 2);
		udp[8 + 5] -= 1;
		memcpy(&neww, udp + 8 + 4, 2);
		c = cksum_update16(c, oldw, neww);
		c = c != 0 ? c : 0xffff;

		full = udp_cksum(pseudo, udp, len);
		if (c != full && mismatches++ < 5)
			fprintf(stderr, "udp update: incremental %04x, "
					"full %04x\n", c, full);
		memcpy(udp + 6, &c, 2);
		CHECK(udp_ok(pseudo, udp, len));
	}
	CHECK_EQ(mismatches, 0);
}

/*
 * cksum_replace, the fused update the forwarding path uses: the same
 * random rewrites of addresses, ports, TTL and hop words, with the new
 * words summed in advance, must leave valid IPv4 and UDP checksums.
 */
static void
test_replace(void)
{
	uint64_t seed = 11;

	for (int i = 0; i < 50000; i++) {
		uint8_t ip[20], pseudo[12], udp[200];
		size_t len = 8 + 40 + test_rand(&seed) % 150;
		uint32_t old_src, old_dst, src, dst, addr_old, addr_new;
		uint16_t c, sport, dport, old_sp, old_dp, ttl, old_ttl;
		uint16_t old_hop, new_hop;

		for (size_t j = 0; j < 20; j++)
			ip[j] = (uint8_t)test_rand(&seed);
		memset(ip + 10, 0, 2);
		c = cksum_ipv4_hdr(ip);
		memcpy(ip + 10, &c, 2);
		CHECK(cksum_ipv4_ok(ip));
		for (size_t j = 0; j < len; j++)
			udp[j] = (uint8_t)test_rand(&seed);
		memcpy(pseudo, ip + 12, 8);
		c = udp_seal(pseudo, udp, len);

		memcpy(&old_src, ip + 12, 4);
		memcpy(&old_dst, ip + 16, 4);
		memcpy(&old_ttl, ip + 8, 2);
		memcpy(&old_sp, udp, 2);
		memcpy(&old_dp, udp + 2, 2);
		memcpy(&old_hop, udp + 12, 2);
		src = (uint32_t)test_rand(&seed);
		dst = (uint32_t)test_rand(&seed);
		sport = (uint16_t)test_rand(&seed);
		dport = (uint16_t)test_rand(&seed);
		ttl = (uint16_t)test_rand(&seed);
		udp[13] -= 1;
		memcpy(&new_hop, udp + 12, 2);
		addr_old = cksum_words32(old_src) + cksum_words32(old_dst);
		addr_new = cksum_words32(src) + cksum_words32(dst);

		memcpy(&c, ip + 10, 2);
		c = cksum_replace(c, addr_old + old_ttl, 5, addr_new + ttl);
		memcpy(ip + 10, &c, 2);
		memcpy(ip + 12, &src, 4);
		memcpy(ip + 16, &dst, 4);
		memcpy(ip + 8, &ttl, 2);
		CHECK(cksum_ipv4_ok(ip));

		memcpy(&c, udp + 6, 2);
		c = cksum_replace(c, addr_old + old_sp + old_dp + old_hop, 7,
				addr_new + sport + dport + new_hop);
		c = c != 0 ? c : 0xffff;
		memcpy(udp + 6, &c, 2);
		memcpy(udp, &sport, 2);
		memcpy(udp + 2, &dport, 2);
		memcpy(pseudo, &src, 4);
		memcpy(pseudo + 4, &dst, 4);
		CHECK(udp_ok(pseudo, udp, len));

		/* One flipped bit: the check must fail. */
		ip[test_rand(&seed) % 20] ^= (uint8_t)(1u << (i % 8));
		CHECK(!cksum_ipv4_ok(ip));
	}
}

/*
 * The header rumor sends, summed from its values, against the sum of the
 * same header written out: any length, id and addresses.
 */
static void
test_ipv4_from_values(void)
{
	uint64_t seed = 77;

	for (int i = 0; i < 100000; i++) {
		uint8_t ip[20] = { 0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17 };
		/* The first header all zeros but the fixed fields. */
		uint16_t len = i == 0 ? 0 : (uint16_t)test_rand(&seed);
		uint16_t id = i == 0 ? 0 : (uint16_t)test_rand(&seed);
		uint32_t src = i == 0 ? 0 : (uint32_t)test_rand(&seed);
		uint32_t dst = i == 0 ? 0 : (uint32_t)test_rand(&seed);
		uint16_t c = cksum_ipv4_udp_df(len, id, src, dst);

		memcpy(ip + 2, &len, 2);
		memcpy(ip + 4, &id, 2);
		memcpy(ip + 12, &src, 4);
		memcpy(ip + 16, &dst, 4);
		if (!CHECK_EQ(c, cksum_ipv4_hdr(ip)))
			break;
		memcpy(ip + 10, &c, 2);
		CHECK(cksum_ipv4_ok(ip));
	}
}

static const struct test_section sections[] = {
	{ "known", test_known_header },
	{ "sum", test_sum_reference },
	{ "ipv4", test_update_ipv4 },
	{ "udp", test_update_udp },
	{ "replace", test_replace },
	{ "ipv4_values", test_ipv4_from_values },
};

int
main(int argc, char **argv)
{
	return test_run(argc, argv, "test_cksum", sections,
			TEST_DIM(sections));
}
