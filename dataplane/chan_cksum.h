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

#include "cksum.h"

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
 * The checksum field of a UDP datagram from src to dst (network order)
 * made of udp (hdr_len bytes from the UDP header on, its checksum field
 * 0) followed by msg_len bytes whose cksum_sum() is msg_sum. Never 0,
 * which would mean "no checksum".
 */
static inline uint16_t
chan_udp_cksum(uint32_t src, uint32_t dst, const void *udp, size_t hdr_len,
		uint16_t msg_sum, size_t msg_len)
{
	uint64_t sum = cksum_words32(src) + cksum_words32(dst) +
			htons(IPPROTO_UDP) +
			htons((uint16_t)(hdr_len + msg_len)) +
			cksum_sum(udp, hdr_len) +
			chan_msg_sum_at(msg_sum, hdr_len);
	uint16_t c;

	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	c = (uint16_t)~sum;
	return c != 0 ? c : 0xffff;
}

#endif /* RUMOR_CHAN_CKSUM_H */
