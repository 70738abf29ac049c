/* SPDX-License-Identifier: BSD-3-Clause */
/* What every libFuzzer target of rumor shares. */
#ifndef RUMOR_FUZZ_H
#define RUMOR_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* An invariant the code under test promises: abort (a finding) if not. */
#define FUZZ_CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: invariant failed: %s\n", \
				__FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* RUMOR_FUZZ_H */
