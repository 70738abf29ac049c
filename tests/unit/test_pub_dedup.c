/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The owner's memory of acknowledged publishes (include/rumor/pub_dedup.h,
 * lib/core/pub_dedup.c): retries in and out of order, the window, the
 * commit rule for acknowledging a duplicate, streams that start again,
 * eviction from a full set, and a random run against a model that keeps
 * everything.
 */
#include <stdlib.h>
#include <string.h>

#include "rumor/pub_dedup.h"
#include "test.h"

#define SETS_LOG2 6u

static struct pub_dedup_entry *entries;

static void
fresh(struct pub_dedup *d, uint32_t sets_log2)
{
	struct keyed_hash_key k;

	free(entries);
	entries = calloc(1, pub_dedup_bytes(sets_log2));
	CHECK(entries != NULL);
	keyed_hash_key_seed(&k, 42);
	pub_dedup_init(d, entries, sets_log2, &k);
}

static enum pub_dedup_verdict
check(struct pub_dedup *d, uint64_t chan, uint64_t client, uint64_t number,
		uint64_t committed, uint64_t *seq)
{
	return pub_dedup_check(d, chan, 7, client, number, committed, seq);
}

static void
test_basic(void)
{
	struct pub_dedup d;
	uint64_t seq;

	fresh(&d, SETS_LOG2);
	CHECK_EQ(check(&d, 100, 5, 1, 0, &seq), PUB_DEDUP_NEW);
	pub_dedup_record(&d, 100, 7, 5, 1, 10);
	/* Not committed: no answer yet. */
	CHECK_EQ(check(&d, 100, 5, 1, 9, &seq), PUB_DEDUP_HOLD);
	/* Committed: acknowledged again with its sequence. */
	CHECK_EQ(check(&d, 100, 5, 1, 10, &seq), PUB_DEDUP_ACK);
	CHECK_EQ(seq, 10);
	/* Another client, another channel, another stream: new. */
	CHECK_EQ(check(&d, 100, 6, 1, 10, &seq), PUB_DEDUP_NEW);
	CHECK_EQ(check(&d, 101, 5, 1, 10, &seq), PUB_DEDUP_NEW);
	CHECK_EQ(pub_dedup_check(&d, 100, 8, 5, 1, 10, &seq), PUB_DEDUP_NEW);
	/* The next number: new. */
	CHECK_EQ(check(&d, 100, 5, 2, 10, &seq), PUB_DEDUP_NEW);
}

static void
test_window(void)
{
	struct pub_dedup d;
	uint64_t seq;

	fresh(&d, SETS_LOG2);
	/* 1, 3 and 5 ordered; 2 and 4 lost on their way. */
	pub_dedup_record(&d, 9, 7, 1, 1, 101);
	pub_dedup_record(&d, 9, 7, 1, 3, 102);
	pub_dedup_record(&d, 9, 7, 1, 5, 103);
	CHECK_EQ(check(&d, 9, 1, 2, 200, &seq), PUB_DEDUP_NEW);
	CHECK_EQ(check(&d, 9, 1, 4, 200, &seq), PUB_DEDUP_NEW);
	CHECK_EQ(check(&d, 9, 1, 3, 200, &seq), PUB_DEDUP_ACK);
	CHECK_EQ(seq, 0);		/* Not the highest: not kept. */
	CHECK_EQ(check(&d, 9, 1, 5, 200, &seq), PUB_DEDUP_ACK);
	CHECK_EQ(seq, 103);
	/* 4 arrives late and is ordered after 5. */
	pub_dedup_record(&d, 9, 7, 1, 4, 104);
	/* 3 is committed, but 4 (a later sequence) is not: hold. */
	CHECK_EQ(check(&d, 9, 1, 3, 103, &seq), PUB_DEDUP_HOLD);
	CHECK_EQ(check(&d, 9, 1, 4, 104, &seq), PUB_DEDUP_ACK);

	/* The window: 64 numbers back from the highest. */
	pub_dedup_record(&d, 9, 7, 1, 5 + PUB_DEDUP_WINDOW - 1, 105);
	CHECK_EQ(check(&d, 9, 1, 5, 105, &seq), PUB_DEDUP_ACK);
	CHECK_EQ(check(&d, 9, 1, 4, 105, &seq), PUB_DEDUP_TOO_OLD);
	CHECK_EQ(check(&d, 9, 1, 1, 105, &seq), PUB_DEDUP_TOO_OLD);
	/* A jump past the window forgets every number before it. */
	pub_dedup_record(&d, 9, 7, 1, 1000, 106);
	CHECK_EQ(check(&d, 9, 1, 999, 106, &seq), PUB_DEDUP_NEW);
	CHECK_EQ(check(&d, 9, 1, 1000 - PUB_DEDUP_WINDOW, 106, &seq),
			PUB_DEDUP_TOO_OLD);
	/* The largest numbers do not overflow. */
	pub_dedup_record(&d, 9, 7, 1, UINT64_MAX, 107);
	CHECK_EQ(check(&d, 9, 1, UINT64_MAX, 107, &seq), PUB_DEDUP_ACK);
	CHECK_EQ(seq, 107);
	CHECK_EQ(check(&d, 9, 1, 1, 107, &seq), PUB_DEDUP_TOO_OLD);
}

static void
test_stream(void)
{
	struct pub_dedup d;
	uint64_t seq;

	fresh(&d, SETS_LOG2);
	pub_dedup_record(&d, 3, 7, 1, 1, 50);
	/* The channel started a new stream: the number is new there. */
	CHECK_EQ(pub_dedup_check(&d, 3, 8, 1, 1, 50, &seq), PUB_DEDUP_NEW);
	pub_dedup_record(&d, 3, 8, 1, 1, 1);
	CHECK_EQ(pub_dedup_check(&d, 3, 8, 1, 1, 1, &seq), PUB_DEDUP_ACK);
	CHECK_EQ(seq, 1);
	CHECK_EQ(d.evicted, 0);		/* Replaced in place. */
}

static void
test_evict(void)
{
	struct pub_dedup d;
	uint64_t seq, kept = 0;
	const uint64_t n = 4 * PUB_DEDUP_WAYS;

	/* One set: a fifth client pushes out the least recently used. */
	fresh(&d, 0);
	for (uint64_t c = 1; c <= PUB_DEDUP_WAYS; c++)
		pub_dedup_record(&d, 1, 7, c, 1, c);
	CHECK_EQ(d.evicted, 0);
	CHECK_EQ(check(&d, 1, 1, 1, 100, &seq), PUB_DEDUP_ACK); /* 1 used. */
	pub_dedup_record(&d, 1, 7, 99, 1, 9);
	CHECK_EQ(d.evicted, 1);
	CHECK_EQ(check(&d, 1, 2, 1, 100, &seq), PUB_DEDUP_NEW);	/* Gone. */
	CHECK_EQ(check(&d, 1, 1, 1, 100, &seq), PUB_DEDUP_ACK);
	CHECK_EQ(check(&d, 1, 99, 1, 100, &seq), PUB_DEDUP_ACK);

	/* Many clients on a small table: memory stays fixed, counted. */
	fresh(&d, 1);
	for (uint64_t c = 1; c <= n; c++)
		pub_dedup_record(&d, 1, 7, c, 1, c);
	for (uint64_t c = 1; c <= n; c++)
		kept += check(&d, 1, c, 1, n, &seq) == PUB_DEDUP_ACK;
	CHECK_EQ(kept + d.evicted, n);
	CHECK(kept <= 2 * PUB_DEDUP_WAYS);
}

/*
 * Random publishes and retries of a few clients on a few channels, in a
 * table large enough to evict nothing, against a model that remembers
 * every number: never NEW for an ordered number, never ACK for one that
 * was not, HOLD only while uncommitted.
 */
static void
test_model(void)
{
	enum { CLIENTS = 5, CHANS = 3, NUMBERS = 400 };
	static uint64_t seq_of[CHANS][CLIENTS][NUMBERS + 1];
	uint64_t next_num[CHANS][CLIENTS], next_seq[CHANS], x = 1;
	struct pub_dedup d;

	memset(seq_of, 0, sizeof(seq_of));
	fresh(&d, 10);
	for (int c = 0; c < CHANS; c++) {
		next_seq[c] = 1;
		for (int k = 0; k < CLIENTS; k++)
			next_num[c][k] = 1;
	}
	for (int step = 0; step < 200000; step++) {
		int c = (int)(keyed_hash_splitmix(&x) % CHANS);
		int k = (int)(keyed_hash_splitmix(&x) % CLIENTS);
		uint64_t hi = next_num[c][k] - 1, num, seq;
		uint64_t committed = next_seq[c] - 1 -
				keyed_hash_splitmix(&x) % 4;
		enum pub_dedup_verdict v;

		if (next_seq[c] <= 4)
			committed = 0;
		/* A new number, or a retry within the window. */
		if (hi == 0 || keyed_hash_splitmix(&x) % 2 == 0) {
			if (next_num[c][k] > NUMBERS)
				continue;
			num = next_num[c][k]++;
		} else {
			uint64_t back = keyed_hash_splitmix(&x) %
					(hi < PUB_DEDUP_WINDOW ? hi :
					PUB_DEDUP_WINDOW);

			num = hi - back;
		}
		v = pub_dedup_check(&d, (uint64_t)c + 1, 7, (uint64_t)k + 1,
				num, committed, &seq);
		if (seq_of[c][k][num] == 0) {
			CHECK_EQ(v, PUB_DEDUP_NEW);
			/* Ordered, or lost on the way (a third). */
			if (keyed_hash_splitmix(&x) % 3 != 0) {
				seq_of[c][k][num] = next_seq[c]++;
				pub_dedup_record(&d, (uint64_t)c + 1, 7,
						(uint64_t)k + 1, num,
						seq_of[c][k][num]);
			}
		} else {
			uint64_t max = 0;

			CHECK(v == PUB_DEDUP_ACK || v == PUB_DEDUP_HOLD);
			for (uint64_t n = num > PUB_DEDUP_WINDOW ?
					num - PUB_DEDUP_WINDOW : 1;
					n < next_num[c][k]; n++)
				if (seq_of[c][k][n] > max)
					max = seq_of[c][k][n];
			if (v == PUB_DEDUP_ACK)
				CHECK(seq_of[c][k][num] <= committed);
			if (v == PUB_DEDUP_ACK && seq != 0)
				CHECK_EQ(seq, seq_of[c][k][num]);
			CHECK(v == PUB_DEDUP_ACK || max > committed);
		}
	}
	CHECK_EQ(d.evicted, 0);
}

static const struct test_section sections[] = {
	{ "basic", test_basic },
	{ "window", test_window },
	{ "stream", test_stream },
	{ "evict", test_evict },
	{ "model", test_model },
};

int
main(int argc, char **argv)
{
	int rc = test_run(argc, argv, "test_pub_dedup", sections,
			TEST_DIM(sections));

	free(entries);
	return rc;
}
