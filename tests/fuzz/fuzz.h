/* SPDX-License-Identifier: BSD-3-Clause */
/* What every libFuzzer target of rumor shares. */
#ifndef RUMOR_FUZZ_H
#define RUMOR_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An invariant the code under test promises: abort (a finding) if not. */
#define FUZZ_CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: invariant failed: %s\n", \
				__FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

/*
 * A decoder's verdict v: one of its max values, each with a name of its
 * own (name(v) is not "?"); the short one whenever too_short holds.
 */
#define FUZZ_VERDICT(v, max, name, too_short, short_v) do {		\
	FUZZ_CHECK((unsigned int)(v) < (unsigned int)(max));		\
	FUZZ_CHECK(name(v) != NULL && strcmp(name(v), "?") != 0);	\
	if (too_short)							\
		FUZZ_CHECK((v) == (short_v));				\
} while (0)

/*
 * An exact-size heap copy of data[0..size), so that ASan sees any read
 * beyond it; NULL without memory (the input is then skipped).
 */
static inline uint8_t *
fuzz_copy(const void *data, size_t size)
{
	uint8_t *p = malloc(size > 0 ? size : 1);

	if (p != NULL && size > 0)
		memcpy(p, data, size);
	return p;
}

/*
 * call, an encoder of what was decoded from copy[0..size) writing into
 * again_ (cap_ bytes), gives back exactly those bytes; with a byte less
 * room it refuses and writes nothing.
 */
#define FUZZ_ENCODES_AGAIN(call, copy, size) do {			\
	size_t cap_ = (size);						\
	uint8_t *again_ = malloc(cap_ > 0 ? cap_ : 1);			\
									\
	if (again_ == NULL)						\
		break;							\
	FUZZ_CHECK((call) == (size));					\
	FUZZ_CHECK(memcmp(again_, (copy), (size)) == 0);		\
	if ((size) > 0) {						\
		memset(again_, 0xa5, (size));				\
		cap_ = (size) - 1;					\
		FUZZ_CHECK((call) == 0);				\
		FUZZ_CHECK(again_[0] == 0xa5);				\
	}								\
	free(again_);							\
} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The entry of a target whose checks, fn(copy, size), take the whole
 * input as one buffer: libFuzzer's bytes copied to their exact size.
 */
#define FUZZ_TARGET(fn)							\
int									\
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)		\
{									\
	uint8_t *copy = fuzz_copy(data, size);				\
									\
	if (copy != NULL) {						\
		fn(copy, size);						\
		free(copy);						\
	}								\
	return 0;							\
}

#endif /* RUMOR_FUZZ_H */
