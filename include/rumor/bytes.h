/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Network byte order (big-endian) fields at any alignment: every rumor
 * codec reads and writes its wire fields through these, since a field
 * may sit at an odd offset of a datagram.
 */
#ifndef RUMOR_BYTES_H
#define RUMOR_BYTES_H

#include <endian.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t
rumor_get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return be16toh(v);
}

static inline uint32_t
rumor_get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return be32toh(v);
}

static inline uint64_t
rumor_get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return be64toh(v);
}

static inline void
rumor_put16(uint8_t *p, uint16_t v)
{
	v = htobe16(v);
	memcpy(p, &v, sizeof(v));
}

static inline void
rumor_put32(uint8_t *p, uint32_t v)
{
	v = htobe32(v);
	memcpy(p, &v, sizeof(v));
}

static inline void
rumor_put64(uint8_t *p, uint64_t v)
{
	v = htobe64(v);
	memcpy(p, &v, sizeof(v));
}

#endif /* RUMOR_BYTES_H */
