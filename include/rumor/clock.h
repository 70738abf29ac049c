/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The monotonic clock (CLOCK_MONOTONIC) as the programs and tools that
 * run outside DPDK read it: in nanoseconds and in milliseconds.
 */
#ifndef RUMOR_CLOCK_H
#define RUMOR_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t
rumor_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t
rumor_now_ms(void)
{
	return rumor_now_ns() / 1000000u;
}

#endif /* RUMOR_CLOCK_H */
