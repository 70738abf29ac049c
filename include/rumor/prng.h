/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The seeded pseudo-random generators that the protocols and their
 * simulators draw from: small, fast, and reproducible from the seed, so
 * that a run started again from the same seed makes the same choices.
 * None of them is fit for keys or for anything an attacker must not
 * guess (seal.h takes those from libsodium).
 *
 * Two generators, each written once: xorshift64* (SWIM and the membership
 * simulator) and splitmix64 (Raft and the Raft simulator). A run under a
 * given seed depends on which one a piece of code draws from, so each
 * keeps its own. prng_mix64, splitmix64's finalizer, also serves as a
 * hash of 64 bits.
 */
#ifndef RUMOR_PRNG_H
#define RUMOR_PRNG_H

#include <stdint.h>

/* 2^64 divided by the golden ratio: splitmix64's step, a seed spreader. */
#define PRNG_GOLDEN 0x9e3779b97f4a7c15ull

/* splitmix64's finalizer: 64 well-mixed bits of x. */
static inline uint64_t
prng_mix64(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* splitmix64: any state will do, zero included. */
static inline uint64_t
prng_splitmix64(uint64_t *state)
{
	return prng_mix64(*state += PRNG_GOLDEN);
}

/* xorshift64*: the state must not be zero (it would stay zero). */
static inline uint64_t
prng_xorshift64s(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

/*
 * A draw x brought below n (0 for n = 0) from its top 32 bits, by a
 * multiply and a shift rather than a division.
 */
static inline uint32_t
prng_scale(uint64_t x, uint32_t n)
{
	return (uint32_t)(((x >> 32) * (uint64_t)n) >> 32);
}

#endif /* RUMOR_PRNG_H */
