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
 * The helpers below are what the codec tests share: exact-length heap
 * buffers (ASan sees any access beyond them), big-endian fields written
 * byte by byte as the documents lay them out (apart from the library's
 * rumor/bytes.h), and a table of sections that main() runs.
 */
#ifndef RUMOR_TEST_H
#define RUMOR_TEST_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/*
 * Every byte of buf[0..len) is still b, as a refused encoder left it:
 * one check a byte, up to the first that differs.
 */
static inline bool
test_check_untouched(const uint8_t *buf, size_t len, uint8_t b,
		const char *file, int line)
{
	for (size_t i = 0; i < len; i++)
		if (!test_check_eq(buf[i], b, file, line, "byte", "fill"))
			return false;
	return true;
}

#define CHECK_UNTOUCHED(buf, len, b) test_check_untouched((buf), (len), \
		(b), __FILE__, __LINE__)

/*
 * Each of the n values of an enum (from 0) has a name of its own, not
 * "?": fn names a value of type.
 */
#define CHECK_NAMES(fn, type, n) do {					\
	for (int i_ = 0; i_ < (int)(n); i_++) {				\
		const char *a_ = fn((type)i_);				\
									\
		CHECK(a_ != NULL && strcmp(a_, "?") != 0);		\
		for (int j_ = 0; j_ < i_; j_++)				\
			CHECK(strcmp(a_, fn((type)j_)) != 0);		\
	}								\
} while (0)

/*
 * encode(m, buf, cap) refuses m: returns 0 and writes nothing in cap
 * bytes. line is the caller's, said when it does not.
 */
#define CHECK_REFUSED_BY(encode, m, cap, line) do {			\
	uint8_t buf_[cap];						\
									\
	memset(buf_, 0xa5, sizeof(buf_));				\
	if (!CHECK_EQ(encode((m), buf_, sizeof(buf_)), 0))		\
		fprintf(stderr, "  (line %d)\n", (line));		\
	CHECK_UNTOUCHED(buf_, sizeof(buf_), 0xa5);			\
} while (0)

/* d, decoded from buf[0..len), encodes back to exactly those bytes. */
#define CHECK_REENCODES(encode, d, buf, len) do {			\
	uint8_t *again_ = test_alloc_exact(len);			\
									\
	CHECK_EQ(encode((d), again_, (len)), (len));			\
	CHECK(memcmp(again_, (buf), (len)) == 0);			\
	free(again_);							\
} while (0)

/*
 * Whether decode(buf, len, d) accepts buf[0..len), which then encodes
 * back to exactly the same bytes.
 */
#define TEST_ACCEPTS(decode, ok, encode, buf, len, d) __extension__ ({	\
	bool accepted_ = decode((buf), (len), (d)) == (ok);		\
									\
	if (accepted_)							\
		CHECK_REENCODES(encode, d, buf, len);			\
	accepted_;							\
})

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

/* A section of a test program: its name on the command line. */
struct test_section {
	const char *name;
	void (*run)(void);
};

#define TEST_DIM(a) (sizeof(a) / sizeof((a)[0]))

/* Run the sections argv asks for (all without arguments); the status. */
static inline int
test_run(int argc, char **argv, const char *prog,
		const struct test_section *sections, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (test_want(argc, argv, sections[i].name))
			sections[i].run();
	return test_done(prog);
}

/* A heap buffer of exactly len bytes (non-NULL even when len is 0). */
static inline uint8_t *
test_alloc_exact(size_t len)
{
	uint8_t *p = malloc(len > 0 ? len : 1);

	if (p == NULL)
		abort();
	return p;
}

/* An exact-length heap copy of buf[0..len). */
static inline uint8_t *
test_copy_exact(const void *buf, size_t len)
{
	uint8_t *p = test_alloc_exact(len);

	if (len > 0)
		memcpy(p, buf, len);
	return p;
}

/*
 * Encode m with encode(m, buf, cap) into a fresh buffer of exactly want
 * bytes; *len is what encode returned. Decode an exact-length heap copy
 * of buf[0..len) with decode(copy, len, ...): its verdict.
 */
#define TEST_ENCODE_EXACT(encode, m, want, len) __extension__ ({	\
	size_t want_ = (want);						\
	uint8_t *buf_ = test_alloc_exact(want_);			\
									\
	*(len) = encode((m), buf_, want_);				\
	buf_;								\
})
#define TEST_DECODE_EXACT(decode, buf, len, ...) __extension__ ({	\
	uint8_t *copy_ = test_copy_exact((buf), (len));			\
	__typeof__(decode(copy_, (len), __VA_ARGS__)) e_ =		\
			decode(copy_, (len), __VA_ARGS__);		\
									\
	free(copy_);							\
	e_;								\
})

/*
 * The bytes of a hex dump as the documents show them ("52 4d 01 03 ..."):
 * pairs of hex digits, blanks between them skipped. Returns how many
 * were written to out; a dump that is not one, or is over cap bytes,
 * aborts the test program.
 */
static inline size_t
test_hex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned int v;

	for (; *hex != '\0'; hex++) {
		if (*hex == ' ')
			continue;
		if (n == cap || sscanf(hex, "%2x", &v) != 1 || hex[1] == ' ')
			abort();
		out[n++] = (uint8_t)v;
		hex++;
	}
	return n;
}

/* Big-endian fields of width 1, 2, 4 or 8 bytes, byte by byte. */
static inline void
test_put(uint8_t *p, unsigned int width, uint64_t v)
{
	for (unsigned int i = 0; i < width; i++)
		p[i] = (uint8_t)(v >> (8 * (width - 1 - i)));
}

static inline uint64_t
test_get(const uint8_t *p, unsigned int width)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < width; i++)
		v = v << 8 | p[i];
	return v;
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
