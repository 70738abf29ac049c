/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A token bucket counted in TSC cycles, for the rate limits of an lcore's
 * slow paths (CONTROL frames punted to rumor-control, audience messages
 * punted to the control thread). Credit grows by one per cycle up to a
 * cap, and each frame spends its cost; the bucket is brought up to date
 * at each check, so an lcore that never takes from it never touches it.
 * One lcore owns each bucket: no atomics.
 */
#ifndef RUMOR_TOKEN_BUCKET_H
#define RUMOR_TOKEN_BUCKET_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>

struct token_bucket {
	uint64_t credit;	/* Cycles' worth of frames not yet spent. */
	uint64_t tsc;		/* When credit was last brought up. */
	uint64_t cost;		/* Cycles per frame: hz / rate. */
	uint64_t cap;		/* burst frames' worth. */
};

/*
 * A full bucket for rate frames a second in bursts of up to burst, at
 * TSC time now; rate 0 never has credit.
 */
static inline void
token_bucket_init(struct token_bucket *tb, uint64_t hz, unsigned rate,
		unsigned burst, uint64_t now)
{
	tb->cost = rate != 0 ? hz / rate : 1;
	if (tb->cost == 0)
		tb->cost = 1;
	tb->cap = rate != 0 ? tb->cost * burst : 0;
	tb->credit = tb->cap;
	tb->tsc = now;
}

/* Whether the bucket has credit for one more frame at now; spends it. */
static __rte_always_inline bool
token_bucket_take(struct token_bucket *tb, uint64_t now)
{
	uint64_t credit = tb->credit + (now - tb->tsc);

	tb->tsc = now;
	if (credit > tb->cap)
		credit = tb->cap;
	if (unlikely(credit < tb->cost)) {
		tb->credit = credit;
		return false;
	}
	tb->credit = credit - tb->cost;
	return true;
}

#endif /* RUMOR_TOKEN_BUCKET_H */
