/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internet checksum helpers (RFC 1071, RFC 1624), pure C so that the
 * decoders that use them can be fuzzed without DPDK.
 */
#ifndef RUMOR_CKSUM_H
#define RUMOR_CKSUM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Ones' complement sum of len bytes, folded to 16 bits, not inverted. */
static inline uint16_t
cksum_sum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t sum = 0;
	uint16_t w;

	for (; len >= 2; p += 2, len -= 2) {
		memcpy(&w, p, 2);
		sum += w;
	}
	if (len == 1) {
		w = 0;
		memcpy(&w, p, 1);
		sum += w;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The checksum field value for a header whose checksum field is zero. */
static inline uint16_t
cksum_ipv4_hdr(const void *hdr20)
{
	return (uint16_t)~cksum_sum(hdr20, 20);
}

/*
 * True if an IPv4 header (checksum field included) sums correctly: five
 * 32-bit loads summed in 64 bits, then folded (RFC 1071 allows any word
 * size that is a multiple of 16 bits).
 */
static inline int
cksum_ipv4_ok(const void *hdr20)
{
	uint32_t w[5];
	uint64_t sum;

	memcpy(w, hdr20, sizeof(w));
	sum = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/*
 * Update a checksum field (as stored, network order) when a 16-bit word
 * (network order) changes from old to new: HC' = ~(~HC + ~m + m'),
 * RFC 1624 eqn. 3.
 */
static inline uint16_t
cksum_update16(uint16_t csum, uint16_t old, uint16_t new)
{
	uint32_t sum = (uint16_t)~csum;

	sum += (uint16_t)~old;
	sum += new;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The same for a 32-bit word (an IPv4 address), network order. */
static inline uint16_t
cksum_update32(uint16_t csum, uint32_t old, uint32_t new)
{
	csum = cksum_update16(csum, (uint16_t)old, (uint16_t)new);
	return cksum_update16(csum, (uint16_t)(old >> 16),
			(uint16_t)(new >> 16));
}

/* Sum of the two 16-bit words of a 32-bit value, as they lie in memory. */
static inline uint32_t
cksum_words32(uint32_t v)
{
	return (v & 0xffff) + (v >> 16);
}

/* The sum of the four 16-bit words of v, as they lie in memory. */
static inline uint32_t
cksum_words64(uint64_t v)
{
	return cksum_words32((uint32_t)v) + cksum_words32((uint32_t)(v >> 32));
}

/*
 * The checksum field of the IPv4 header rumor sends: version 4, no
 * options, TOS 0, DF, TTL 64, UDP, with total_len, id, src and dst as
 * given (network order). From the values, so that a header just written
 * is not read back (a read across several smaller stores stalls).
 */
static inline uint16_t
cksum_ipv4_udp_df(uint16_t total_len, uint16_t id, uint32_t src,
		uint32_t dst)
{
	static const uint8_t fixed[6] = { 0x45, 0, 0x40, 0, 64, 17 };
	uint16_t w[3];
	uint32_t sum;

	memcpy(w, fixed, sizeof(w));
	sum = (uint32_t)w[0] + w[1] + w[2] + total_len + id +
			cksum_words32(src) + cksum_words32(dst);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * Incremental update of a checksum field csum when words whose sum is
 * old_sum (n_old words) are replaced by words whose sum is new_sum: the
 * fused form of n_old applications of RFC 1624 eqn. 3, with one fold.
 * Sums are plain 32-bit sums of 16-bit words; n_old is at most 16.
 */
static inline uint16_t
cksum_replace(uint16_t csum, uint32_t old_sum, unsigned n_old,
		uint32_t new_sum)
{
	/* ~x = 0xffff - x for each word: ~HC + sum(~old) + sum(new). */
	uint64_t acc = (uint64_t)(n_old + 1) * 0xffff - csum - old_sum +
			new_sum;

	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

#endif /* RUMOR_CKSUM_H */
