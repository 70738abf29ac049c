/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread's book of channel audiences (include/rumor/chan_book.h):
 * leases granted and clamped, refreshes, each limit with its status and
 * number, limits changed on a live book, expiry, interest sets, and the dirty list the dataplane
 * publishes from.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/chan_book.h"
#include "test.h"

static struct book_client
client(uint32_t ip, uint16_t port)
{
	struct book_client c;

	memset(&c, 0, sizeof(c));
	c.ip = ip;
	c.udp_port = port;
	c.mac[0] = 2;
	return c;
}

static enum chan_status
sub(struct book *b, const char *name, uint32_t ip, uint16_t port,
		uint32_t lease, uint64_t now, uint32_t *granted,
		uint32_t *limit, bool *refreshed)
{
	struct book_client c = client(ip, port);

	return book_subscribe(b, strlen(name), name, strlen(name), &c, lease,
			now, granted, limit, refreshed);
}

/* A subscription, and what it must get: a status, a limit if refused. */
struct sub_step {
	const char *chan;
	uint32_t ip;
	enum chan_status want;
	uint32_t limit;
};

/*
 * Client ip (port 1) subscribes to each step's channel at time now, in
 * turn, asking for the default lease: a refusal grants none.
 */
static void
check_subs(struct book *b, const struct sub_step *s, size_t n, uint64_t now)
{
	uint32_t granted, limit;
	bool refreshed;

	for (size_t i = 0; i < n; i++) {
		if (!CHECK_EQ(sub(b, s[i].chan, s[i].ip, 1, 0, now, &granted,
				&limit, &refreshed), s[i].want))
			fprintf(stderr, "  (step %zu: %s)\n", i, s[i].chan);
		if (s[i].want == CHAN_ST_OK)
			continue;
		CHECK_EQ(limit, s[i].limit);
		CHECK_EQ(granted, 0);
	}
}

/*
 * Node asks for interest in the channel name (its hash, one byte long)
 * for lease at now: it gets want, and the lease granted (when OK) or
 * the limit that refused it.
 */
#define CHECK_INTEREST(b, hash, name, node, lease, now, want, value) \
	check_interest((b), (hash), (name), (node), (lease), (now), (want), \
			(value), __LINE__)

static void
check_interest(struct book *b, uint64_t hash, const char *name,
		uint32_t node, uint32_t lease, uint64_t now,
		enum chan_status want, uint32_t value, int line)
{
	uint32_t granted, limit;

	if (!CHECK_EQ(book_interest(b, hash, name, strlen(name), node, lease,
			now, &granted, &limit), want))
		fprintf(stderr, "  (line %d)\n", line);
	if (!CHECK_EQ(want == CHAN_ST_OK ? granted : limit, value))
		fprintf(stderr, "  (line %d)\n", line);
}

static uint32_t
dirty_count(struct book *b)
{
	uint32_t n = 0;

	for (struct book_chan *ch = book_take_dirty(b); ch != NULL;
			ch = ch->dirty_next)
		n++;
	return n;
}

static void
test_leases(void)
{
	CHECK_EQ(book_lease(0), CHAN_LEASE_DEFAULT_MS);
	CHECK_EQ(book_lease(1), CHAN_LEASE_MIN_MS);
	CHECK_EQ(book_lease(5000), 5000);
	CHECK_EQ(book_lease(CHAN_LEASE_MAX_MS + 1), CHAN_LEASE_MAX_MS);
}

static void
test_subscribe(void)
{
	struct book_limits lim;
	struct book b;
	struct book_expired ex;
	struct book_chan *ch;
	uint32_t granted, limit;
	bool refreshed;

	book_limits_default(&lim);
	CHECK_EQ(book_init(&b, &lim, 1), 0);
	CHECK_EQ(sub(&b, "news", 1, 10, 0, 1000, &granted, &limit,
			&refreshed), CHAN_ST_OK);
	CHECK_EQ(granted, CHAN_LEASE_DEFAULT_MS);
	CHECK(!refreshed);
	ch = book_find(&b, 4, "news", 4);
	CHECK(ch != NULL);
	CHECK(ch->stream != 0);
	CHECK_EQ(ch->n_clients, 1);
	CHECK_EQ(dirty_count(&b), 1);
	/* A refresh changes no audience. */
	CHECK_EQ(sub(&b, "news", 1, 10, 2000, 2000, &granted, &limit,
			&refreshed), CHAN_ST_OK);
	CHECK(refreshed);
	CHECK_EQ(granted, 2000);
	CHECK_EQ(dirty_count(&b), 0);
	CHECK_EQ(b.n_subs, 1);
	CHECK_EQ(b.n_clients, 1);
	/* Another client, then one gives up, the other expires. */
	CHECK_EQ(sub(&b, "news", 2, 10, 0, 2000, &granted, &limit,
			&refreshed), CHAN_ST_OK);
	CHECK_EQ(b.n_clients, 2);
	CHECK_EQ(book_unsubscribe(&b, 4, "news", 4, 2, 10), CHAN_ST_OK);
	CHECK_EQ(book_unsubscribe(&b, 4, "news", 4, 2, 10),
			CHAN_ST_NOT_SUBSCRIBED);
	CHECK_EQ(book_unsubscribe(&b, 5, "other", 5, 1, 10),
			CHAN_ST_NOT_SUBSCRIBED);
	(void)dirty_count(&b);
	book_expire(&b, 3999, &ex);
	CHECK_EQ(ex.subs, 0);
	book_expire(&b, 4000, &ex);
	CHECK_EQ(ex.subs, 1);
	CHECK(book_chan_empty(ch));
	CHECK_EQ(dirty_count(&b), 1);
	CHECK_EQ(b.n_subs, 0);
	CHECK_EQ(b.n_clients, 0);
	book_drop(&b, ch);
	CHECK(book_find(&b, 4, "news", 4) == NULL);
	CHECK_EQ(b.n_chans, 0);
	book_free(&b);
}

static void
test_limits(void)
{
	struct book_limits lim = {
		.subs_per_client = 3, .subs_per_node = 6, .clients = 3,
		.subs_per_channel = 2, .interest_set = 2, .owned = 2,
	};
	static const struct sub_step steps[] = {
		{ "a", 1, CHAN_ST_OK, 0 }, { "b", 1, CHAN_ST_OK, 0 },
		{ "c", 1, CHAN_ST_OK, 0 }, { "d", 1, CHAN_ST_CLIENT_LIMIT, 3 },
		/* Refreshes are granted whatever the limits. */
		{ "c", 1, CHAN_ST_OK, 0 },
		{ "a", 2, CHAN_ST_OK, 0 }, { "a", 3, CHAN_ST_CHANNEL_LIMIT, 2 },
		{ "b", 3, CHAN_ST_OK, 0 }, { "e", 4, CHAN_ST_CLIENTS_LIMIT, 3 },
		{ "e", 3, CHAN_ST_OK, 0 }, { "f", 2, CHAN_ST_NODE_LIMIT, 6 },
	};
	static const struct sub_step again = { "f", 2, CHAN_ST_OK, 0 };
	struct book b;

	CHECK_EQ(book_init(&b, &lim, 7), 0);
	check_subs(&b, steps, TEST_DIM(steps), 0);
	CHECK_EQ(book_unsubscribe(&b, 1, "b", 1, 3, 1), CHAN_ST_OK);
	check_subs(&b, &again, 1, 0);

	/* Interest sets and owned channels; nothing to withdraw grants 0. */
	CHECK_INTEREST(&b, 9, "x", 7, 5000, 0, CHAN_ST_OK, 5000);
	CHECK_INTEREST(&b, 9, "x", 8, 0, 0, CHAN_ST_OK, 0);
	CHECK_INTEREST(&b, 9, "x", 8, 1, 0, CHAN_ST_OK, CHAN_LEASE_MIN_MS);
	CHECK_INTEREST(&b, 9, "x", 9, 1, 0, CHAN_ST_INTEREST_LIMIT, 2);
	CHECK_INTEREST(&b, 10, "y", 9, 1, 0, CHAN_ST_OK, CHAN_LEASE_MIN_MS);
	CHECK_EQ(b.n_owned, 2);
	CHECK_INTEREST(&b, 11, "z", 9, 1, 0, CHAN_ST_OWNED_LIMIT, 2);
	/* A withdrawal frees a place. */
	CHECK_INTEREST(&b, 10, "y", 9, 0, 0, CHAN_ST_OK, 0);
	CHECK_EQ(b.n_owned, 1);
	CHECK_INTEREST(&b, 11, "z", 9, 1, 0, CHAN_ST_OK, CHAN_LEASE_MIN_MS);
	book_free(&b);
}

/*
 * Limits changed on a live book (a reload): a lowered one takes nothing
 * away and still grants refreshes; new subscriptions and interests wait
 * until the count falls below it; a raised one grants again.
 */
static void
test_set_limits(void)
{
	const struct book_limits low = {
		.subs_per_client = 2, .subs_per_node = 3, .clients = 1,
		.subs_per_channel = 1, .interest_set = 1, .owned = 1,
	};
	struct book_limits def;
	struct book b;
	uint32_t granted, limit;
	bool refreshed;

	book_limits_default(&def);
	static const struct sub_step before[] = {
		{ "a", 1, CHAN_ST_OK, 0 }, { "bb", 1, CHAN_ST_OK, 0 },
		{ "ccc", 1, CHAN_ST_OK, 0 }, { "a", 2, CHAN_ST_OK, 0 },
	};
	static const struct sub_step refused[] = {
		{ "dddd", 1, CHAN_ST_CLIENT_LIMIT, 2 },
		{ "dddd", 2, CHAN_ST_NODE_LIMIT, 3 },
	};

	CHECK_EQ(book_init(&b, &def, 5), 0);
	check_subs(&b, before, TEST_DIM(before), 0);
	CHECK_EQ(book_interest(&b, 9, "x", 1, 7, 5000, 0, &granted, &limit),
			CHAN_ST_OK);
	CHECK_EQ(book_interest(&b, 9, "x", 1, 8, 5000, 0, &granted, &limit),
			CHAN_ST_OK);
	CHECK_EQ(book_interest(&b, 10, "y", 1, 7, 5000, 0, &granted, &limit),
			CHAN_ST_OK);
	(void)dirty_count(&b);

	/* Lowered below every count: nothing is taken away. */
	book_set_limits(&b, &low);
	CHECK_EQ(b.n_subs, 4);
	CHECK_EQ(b.n_clients, 2);
	CHECK_EQ(b.n_owned, 2);
	CHECK_EQ(book_find(&b, 9, "x", 1)->n_nodes, 2);
	CHECK_EQ(dirty_count(&b), 0);

	/* Refreshes are granted. */
	CHECK_EQ(sub(&b, "ccc", 1, 1, 7000, 10, &granted, &limit,
			&refreshed), CHAN_ST_OK);
	CHECK(refreshed);
	CHECK_EQ(granted, 7000);
	CHECK_EQ(sub(&b, "a", 2, 1, 0, 10, &granted, &limit, &refreshed),
			CHAN_ST_OK);
	CHECK(refreshed);
	CHECK_EQ(book_interest(&b, 9, "x", 1, 8, 6000, 10, &granted,
			&limit), CHAN_ST_OK);
	CHECK_EQ(granted, 6000);

	/* New ones are refused, each with the lowered limit. */
	check_subs(&b, refused, TEST_DIM(refused), 10);
	CHECK_EQ(book_interest(&b, 9, "x", 1, 9, 5000, 10, &granted, &limit),
			CHAN_ST_INTEREST_LIMIT);
	CHECK_EQ(limit, 1);
	CHECK_EQ(book_interest(&b, 11, "z", 1, 9, 5000, 10, &granted,
			&limit), CHAN_ST_OWNED_LIMIT);
	CHECK_EQ(limit, 1);

	/* Below the limits again, new ones are granted. */
	CHECK_EQ(book_unsubscribe(&b, 1, "a", 1, 1, 1), CHAN_ST_OK);
	CHECK_EQ(book_unsubscribe(&b, 2, "bb", 2, 1, 1), CHAN_ST_OK);
	CHECK_EQ(book_unsubscribe(&b, 1, "a", 1, 2, 1), CHAN_ST_OK);
	CHECK_EQ(b.n_subs, 1);
	CHECK_EQ(b.n_clients, 1);
	CHECK_EQ(sub(&b, "dddd", 1, 1, 0, 10, &granted, &limit, &refreshed),
			CHAN_ST_OK);
	CHECK(!refreshed);
	CHECK_EQ(sub(&b, "eeeee", 2, 1, 0, 10, &granted, &limit,
			&refreshed), CHAN_ST_CLIENTS_LIMIT);
	CHECK_EQ(limit, 1);

	/* Raised back: granted at once. */
	book_set_limits(&b, &def);
	CHECK_EQ(sub(&b, "eeeee", 2, 1, 0, 10, &granted, &limit,
			&refreshed), CHAN_ST_OK);
	CHECK_EQ(book_interest(&b, 11, "z", 1, 9, 5000, 10, &granted,
			&limit), CHAN_ST_OK);
	CHECK_EQ(b.n_owned, 3);
	book_free(&b);
}

/* Many clients and channels under random churn: counts stay exact. */
static void
test_churn(void)
{
	struct book_limits lim;
	struct book b;
	uint64_t seed = 42, now = 0;
	uint32_t granted, limit, subs = 0;
	bool refreshed;

	book_limits_default(&lim);
	CHECK_EQ(book_init(&b, &lim, 3), 0);
	for (int i = 0; i < 20000; i++) {
		char name[16];
		uint64_t r = test_rand(&seed);
		uint32_t ip = (uint32_t)(r % 50) + 1;
		struct book_expired ex;
		int n = snprintf(name, sizeof(name), "c%u",
				(unsigned)((r >> 8) % 200));

		now += 10;
		if ((r >> 20) % 4 == 0) {
			if (book_unsubscribe(&b, (uint64_t)n,
					name, (size_t)n, ip, 1) == CHAN_ST_OK)
				subs--;
		} else if (sub(&b, name, ip, 1, (uint32_t)(r >> 32) % 3000,
				now, &granted, &limit, &refreshed) ==
				CHAN_ST_OK && !refreshed) {
			subs++;
		}
		book_expire(&b, now, &ex);
		subs -= (uint32_t)ex.subs;
		CHECK_EQ(b.n_subs, subs);
		for (struct book_chan *ch = book_take_dirty(&b), *nx;
				ch != NULL; ch = nx) {
			nx = ch->dirty_next;
			if (book_chan_empty(ch))
				book_drop(&b, ch);
		}
	}
	book_free(&b);
}

/*
 * The owner's grants to this node: the first grant of a stream says where
 * this node's fan-out starts, refreshes and a new owner's grant of the same
 * stream only move how far the owner has stamped, a new stream starts over.
 */
static void
test_acks(void)
{
	struct book_chan ch;

	memset(&ch, 0, sizeof(ch));
	CHECK(book_ack(&ch, 7, 1));
	CHECK_EQ(ch.ack_stream, 7);
	CHECK_EQ(ch.ack_first, 1);
	CHECK_EQ(ch.ack_next, 1);
	CHECK(!book_ack(&ch, 7, 1));		/* The same grant again. */
	/* A refresh after messages 1 and 2 were stamped (and lost here). */
	CHECK(book_ack(&ch, 7, 3));
	CHECK_EQ(ch.ack_first, 1);
	CHECK_EQ(ch.ack_next, 3);
	/* The new owner continues the stream after a handoff. */
	CHECK(book_ack(&ch, 7, 40));
	CHECK_EQ(ch.ack_first, 1);
	CHECK_EQ(ch.ack_next, 40);
	/* A new stream (the owner restarted, or a fresh one). */
	CHECK(book_ack(&ch, 9, 5));
	CHECK_EQ(ch.ack_stream, 9);
	CHECK_EQ(ch.ack_first, 5);
	CHECK_EQ(ch.ack_next, 5);
}

/* The longest hash chain of the book's channel buckets. */
static uint32_t
longest_chain(const struct book *b)
{
	uint32_t longest = 0;

	for (uint32_t i = 0; i <= b->mask; i++) {
		uint32_t n = 0;

		for (const struct book_chan *ch = b->bucket[i]; ch != NULL;
				ch = ch->next)
			n++;
		if (n > longest)
			longest = n;
	}
	return longest;
}

/*
 * Channels whose hashes share every bit a raw bucket index would use
 * (the low 16; anyone can find such names, XXH3 with seed 0 being
 * public) still spread over the buckets: the index is keyed
 * (rumor/keyed_hash.h). Found and dropped as usual.
 */
static void
test_flood(void)
{
	struct book_limits lim;
	struct book b;
	uint32_t granted, limit;
	char name[32];

	book_limits_default(&lim);
	CHECK_EQ(book_init(&b, &lim, 11), 0);
	for (uint32_t i = 0; i < 4096; i++) {
		uint64_t hash = (uint64_t)(i + 1) << 16 | 0xbeef;
		int len = snprintf(name, sizeof(name), "flood%u", i);

		CHECK_EQ(book_interest(&b, hash, name, (size_t)len, 7, 5000, 0,
				&granted, &limit), CHAN_ST_OK);
	}
	CHECK(longest_chain(&b) < 16);
	for (uint32_t i = 0; i < 4096; i++) {
		uint64_t hash = (uint64_t)(i + 1) << 16 | 0xbeef;
		int len = snprintf(name, sizeof(name), "flood%u", i);
		struct book_chan *ch = book_find(&b, hash, name, (size_t)len);

		if (!CHECK(ch != NULL))
			break;
		CHECK_EQ(ch->hash, hash);
	}
	/* What the dataplane does: take the changes, then drop. */
	CHECK(book_take_dirty(&b) != NULL);
	for (uint32_t i = 0; i < 4096; i++) {
		uint64_t hash = (uint64_t)(i + 1) << 16 | 0xbeef;
		int len = snprintf(name, sizeof(name), "flood%u", i);

		book_drop(&b, book_find(&b, hash, name, (size_t)len));
	}
	CHECK_EQ(longest_chain(&b), 0);
	CHECK_EQ(b.n_chans, 0);
	book_free(&b);
}

static const struct test_section sections[] = {
	{ "flood", test_flood },
	{ "leases", test_leases },
	{ "subscribe", test_subscribe },
	{ "limits", test_limits },
	{ "set_limits", test_set_limits },
	{ "churn", test_churn },
	{ "acks", test_acks },
};

int
main(int argc, char **argv)
{
	return test_run(argc, argv, "test_chan_book", sections,
			TEST_DIM(sections));
}
