/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The UDP checksum of a frame in two segments: a header segment written
 * per destination (UDP header, rumor header, name, fixed part) and a
 * message segment shared by every destination, whose ones' complement
 * sum is computed once per message (RFC 1071). Pure C so that the unit
 * tests check it against the sum of the same bytes laid end to end.
 */
#ifndef RUMOR_CHAN_CKSUM_H
#define RUMOR_CHAN_CKSUM_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "rumor/cksum.h"

/*
 * The message's sum as it adds into a datagram where hdr_len bytes come
 * before it: when that is odd, every 16-bit word of the message straddles
 * the datagram's words, which is the byte-swapped sum (RFC 1071, 2.B).
 */
static inline uint16_t
chan_msg_sum_at(uint16_t msg_sum, size_t hdr_len)
{
	if ((hdr_len & 1) == 0)
		return msg_sum;
	return (uint16_t)(msg_sum << 8 | msg_sum >> 8);
}

/*
 * The cksum_sum() of the message that ends a received UDP datagram from
 * src to dst (network order), udp_len bytes long (network order), whose
 * checksum field is not 0: pre_sum is the cksum_sum() of the pre_len
 * bytes before the message, from the UDP header on, checksum field
 * included. The sender's checksum says what the message sums to, so its
 * bytes are not read. A wrong checksum gives a wrong sum, and a frame
 * built from it carries the error on to its receiver, who drops it,
 * instead of a fresh checksum that would hide the damage.
 */
static inline uint16_t
chan_msg_sum_from_udp(uint32_t src, uint32_t dst, uint16_t udp_len,
		uint16_t pre_sum, size_t pre_len)
{
	/* Pseudo-header + pre + message = 0xffff: the message is the rest. */
	uint64_t sum = cksum_words32(src) + cksum_words32(dst) +
			htons(IPPROTO_UDP) + udp_len + pre_sum;

	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return chan_msg_sum_at((uint16_t)~sum, pre_len);
}

/*
 * The checksum field of a UDP datagram from src:sport to dst:dport (all
 * network order) whose payload is part_len bytes summing to part_sum,
 * then msg_len bytes summing to msg_sum (each the cksum_sum() of its own
 * bytes): computed from sums alone, so that a header just written is
 * never read back. Never 0, which would mean "no checksum".
 */
static inline uint16_t
chan_udp_cksum_sums(uint32_t src, uint32_t dst, uint16_t sport,
		uint16_t dport, uint16_t part_sum, size_t part_len,
		uint16_t msg_sum, size_t msg_len)
{
	const uint16_t len = htons((uint16_t)(8 + part_len + msg_len));
	/* Pseudo-header, then the UDP header with its checksum field 0. */
	uint64_t sum = cksum_words32(src) + cksum_words32(dst) +
			htons(IPPROTO_UDP) + len + sport + dport + len +
			part_sum + chan_msg_sum_at(msg_sum, 8 + part_len);
	uint16_t c;

	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	c = (uint16_t)~sum;
	return c != 0 ? c : 0xffff;
}

/*
 * The same for a UDP header and what follows it in memory (hdr_len bytes
 * from udp on, its checksum field ignored), then the message.
 */
static inline uint16_t
chan_udp_cksum(uint32_t src, uint32_t dst, const void *udp, size_t hdr_len,
		uint16_t msg_sum, size_t msg_len)
{
	const uint8_t *u = udp;
	uint16_t sport, dport;

	memcpy(&sport, u, 2);
	memcpy(&dport, u + 2, 2);
	return chan_udp_cksum_sums(src, dst, sport, dport,
			cksum_sum(u + 8, hdr_len - 8), hdr_len - 8, msg_sum,
			msg_len);
}

#endif /* RUMOR_CHAN_CKSUM_H */
