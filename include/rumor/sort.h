/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * qsort comparators that the programs and the tests share.
 */
#ifndef RUMOR_SORT_H
#define RUMOR_SORT_H

#include <stdint.h>

/* Ascending uint32_t. */
static inline int
rumor_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static inline int
rumor_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

#endif /* RUMOR_SORT_H */
