/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A tiny assertion helper for the unit tests: CHECK(cond) prints the file,
 * the line and the expression when cond is false and marks the test
 * failed; test_done() prints a summary and gives the exit status. A test
 * program may hold several sections; test_want() says whether the command
 * line asked for one (no arguments runs them all), so that meson can
 * register a section that exposes a known bug as a test of its own.
 *
 * Each test program is one translation unit, so the state is static.
 */
#ifndef RUMOR_TEST_H
#define RUMOR_TEST_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static unsigned test_checks;
static unsigned test_failures;

/* Record one check; print it when it failed. Returns ok. */
static inline bool
test_check(bool ok, const char *file, int line, const char *expr)
{
	test_checks++;
	if (!ok) {
		test_failures++;
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", file, line, expr);
	}
	return ok;
}

/* The same for two integers, printing both values when they differ. */
static inline bool
test_check_eq(uint64_t a, uint64_t b, const char *file, int line,
		const char *ea, const char *eb)
{
	test_checks++;
	if (a != b) {
		test_failures++;
		fprintf(stderr, "%s:%d: CHECK failed: %s == %s "
				"(%" PRIu64 " != %" PRIu64 ")\n",
				file, line, ea, eb, a, b);
		return false;
	}
	return true;
}

/* The same for a string that must start with a prefix. */
static inline bool
test_check_prefix(const char *s, const char *prefix, const char *file,
		int line)
{
	test_checks++;
	if (s == NULL || strncmp(s, prefix, strlen(prefix)) != 0) {
		test_failures++;
		fprintf(stderr, "%s:%d: CHECK failed: \"%s\" starts with "
				"\"%s\"\n", file, line,
				s != NULL ? s : "(null)", prefix);
		return false;
	}
	return true;
}

#define CHECK(cond) test_check((cond), __FILE__, __LINE__, #cond)
#define CHECK_EQ(a, b) test_check_eq((uint64_t)(a), (uint64_t)(b), \
		__FILE__, __LINE__, #a, #b)
#define CHECK_PREFIX(s, prefix) test_check_prefix((s), (prefix), \
		__FILE__, __LINE__)

/* True if section `name` should run: no arguments, or named on argv. */
static inline bool
test_want(int argc, char **argv, const char *name)
{
	if (argc < 2)
		return true;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return true;
	return false;
}

/* Print the summary; the exit status of the test program. */
static inline int
test_done(const char *prog)
{
	printf("%s: %u checks, %u failed\n", prog, test_checks, test_failures);
	return test_failures == 0 ? 0 : 1;
}

/* A deterministic pseudo-random generator (splitmix64). */
static inline uint64_t
test_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Fill ids[from..n) with random non-zero ids distinct from ids[0..n). */
static inline void
test_unique_ids(uint32_t *ids, uint32_t from, uint32_t n, uint64_t *seed)
{
	while (from < n) {
		uint32_t id = (uint32_t)test_rand(seed), i;

		if (id == 0)
			continue;
		for (i = 0; i < from && ids[i] != id; i++)
			;
		if (i == from)
			ids[from++] = id;
	}
}

#endif /* RUMOR_TEST_H */
