/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fields of 16, 32 and 64 bits at any alignment, since a field may sit at
 * an odd offset of a datagram:
 *
 *   rumor_get16/32/64(p), rumor_put16/32/64(p, v): network byte order
 *   (big-endian), what every rumor wire codec reads and writes;
 *   rumor_load16/32/64(p), rumor_store16/32/64(p, v): host byte order,
 *   for the control link, whose two ends share one machine.
 *
 * One definition serves the three widths: RUMOR_BYTES_WIDTH(bits) below
 * defines the four functions of a width.
 */
#ifndef RUMOR_BYTES_H
#define RUMOR_BYTES_H

#include <endian.h>
#include <stdint.h>
#include <string.h>

#define RUMOR_BYTES_WIDTH(bits)						\
static inline uint##bits##_t						\
rumor_load##bits(const uint8_t *p)					\
{									\
	uint##bits##_t v;						\
									\
	memcpy(&v, p, sizeof(v));					\
	return v;							\
}									\
									\
static inline void							\
rumor_store##bits(uint8_t *p, uint##bits##_t v)				\
{									\
	memcpy(p, &v, sizeof(v));					\
}									\
									\
static inline uint##bits##_t						\
rumor_get##bits(const uint8_t *p)					\
{									\
	return be##bits##toh(rumor_load##bits(p));			\
}									\
									\
static inline void							\
rumor_put##bits(uint8_t *p, uint##bits##_t v)				\
{									\
	rumor_store##bits(p, htobe##bits(v));				\
}

RUMOR_BYTES_WIDTH(16)
RUMOR_BYTES_WIDTH(32)
RUMOR_BYTES_WIDTH(64)

#undef RUMOR_BYTES_WIDTH

#endif /* RUMOR_BYTES_H */
