/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lcores' channel order state (include/rumor/chan_track.h): a subscriber
 * node's reorder window and holes, gossip dedup, the spread tree; and the
 * checksum of a frame sent as a header segment and a shared message
 * (include/rumor/chan_cksum.h) against the same bytes laid end to end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/chan_cksum.h"
#include "rumor/chan_hash.h"
#include "rumor/chan_track.h"
#include "test.h"

static struct chan_held
held(uint64_t seq)
{
	struct chan_held h = { .msg = (void *)(uintptr_t)(seq + 1),
			.seq = seq, .origin = 1, .pubid = seq };

	return h;
}

static void
test_rx_order(void)
{
	static struct chan_rx rx;
	struct chan_held h, out[CHAN_WINDOW];
	uint64_t first = 0;

	chan_rx_init(&rx);
	/* Tracking starts at the first message. */
	CHECK_EQ(chan_rx_offer(&rx, 7, 5), CHAN_RX_DELIVER);
	chan_rx_advance(&rx);
	CHECK_EQ(chan_rx_offer(&rx, 7, 5), CHAN_RX_DUP);
	CHECK_EQ(chan_rx_hole(&rx, &first), 0);
	/* 7 and 9 arrive before 6: a hole of one, then of one more. */
	CHECK_EQ(chan_rx_offer(&rx, 7, 7), CHAN_RX_HOLD);
	h = held(7);
	chan_rx_hold(&rx, &h);
	CHECK_EQ(chan_rx_offer(&rx, 7, 7), CHAN_RX_DUP);
	CHECK_EQ(chan_rx_offer(&rx, 7, 9), CHAN_RX_HOLD);
	h = held(9);
	chan_rx_hold(&rx, &h);
	CHECK_EQ(chan_rx_hole(&rx, &first), 1);
	CHECK_EQ(first, 6);
	CHECK(!chan_rx_pop(&rx, &h));
	CHECK_EQ(chan_rx_offer(&rx, 7, 6), CHAN_RX_DELIVER);
	chan_rx_advance(&rx);
	CHECK(chan_rx_pop(&rx, &h));
	CHECK_EQ(h.seq, 7);
	chan_rx_advance(&rx);
	CHECK(!chan_rx_pop(&rx, &h));
	CHECK_EQ(chan_rx_hole(&rx, &first), 1);
	CHECK_EQ(first, 8);
	/* 8 is given up (a GONE): 9 follows. */
	CHECK_EQ(chan_rx_skip(&rx, 9), 1);
	CHECK(chan_rx_pop(&rx, &h));
	CHECK_EQ(h.seq, 9);
	chan_rx_advance(&rx);
	CHECK_EQ(rx.n_held, 0);
	CHECK_EQ(chan_rx_hole(&rx, &first), 0);

	/* The window's edge. */
	CHECK_EQ(chan_rx_offer(&rx, 7, 10 + CHAN_WINDOW - 1), CHAN_RX_HOLD);
	CHECK_EQ(chan_rx_offer(&rx, 7, 10 + CHAN_WINDOW), CHAN_RX_BEYOND);
	/* A hole longer than a NACK is asked for in NACK-sized parts. */
	h = held(10 + 100);
	chan_rx_hold(&rx, &h);
	CHECK_EQ(chan_rx_hole(&rx, &first), CHAN_NACK_MAX);
	CHECK_EQ(first, 10);

	/* A new stream; the old one's stragglers are stale. */
	CHECK_EQ(chan_rx_offer(&rx, 8, 1), CHAN_RX_RESET);
	CHECK_EQ(chan_rx_drain(&rx, out), 1);
	CHECK_EQ(out[0].seq, 110);
	CHECK_EQ(rx.n_held, 0);
	chan_rx_start(&rx, 8, 1);
	CHECK_EQ(chan_rx_offer(&rx, 7, 11), CHAN_RX_STALE);
	CHECK_EQ(chan_rx_offer(&rx, 8, 1), CHAN_RX_DELIVER);
}

/* Random order with duplicates: every sequence comes out once, in order. */
static void
test_rx_random(void)
{
	static struct chan_rx rx;
	static uint64_t order[2000];
	uint64_t seed = 5, delivered = 1, n = 0;
	struct chan_held h;

	chan_rx_init(&rx);
	chan_rx_start(&rx, 3, 1);
	for (uint64_t base = 1; base <= 1000; base += 100) {
		/* A block of 100, shuffled, with a tenth sent twice. */
		n = 0;
		for (uint64_t s = base; s < base + 100; s++) {
			order[n++] = s;
			if (test_rand(&seed) % 10 == 0)
				order[n++] = s;
		}
		for (uint64_t i = n - 1; i > 0; i--) {
			uint64_t j = test_rand(&seed) % (i + 1), t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
		for (uint64_t i = 0; i < n; i++) {
			enum chan_rx_verdict v = chan_rx_offer(&rx, 3,
					order[i]);

			if (v == CHAN_RX_HOLD) {
				h = held(order[i]);
				chan_rx_hold(&rx, &h);
				continue;
			}
			if (v != CHAN_RX_DELIVER)
				continue;
			CHECK_EQ(order[i], delivered);
			delivered++;
			chan_rx_advance(&rx);
			while (chan_rx_pop(&rx, &h)) {
				CHECK_EQ(h.seq, delivered);
				delivered++;
				chan_rx_advance(&rx);
			}
		}
	}
	CHECK_EQ(delivered, 1001);
	CHECK_EQ(rx.n_held, 0);
}

static void
test_gossip(void)
{
	static struct gossip_dedup d;
	uint64_t lane1 = UINT64_C(1) << 56;
	uint32_t kids[8], n;

	memset(&d, 0, sizeof(d));
	CHECK_EQ(gossip_check(&d, 5, 100, lane1 | 1, 1), GOSSIP_NEW);
	CHECK_EQ(gossip_check(&d, 5, 100, lane1 | 1, 2), GOSSIP_DUP);
	/* Another lane, another origin, another boot are other ids. */
	CHECK_EQ(gossip_check(&d, 5, 100, 1, 3), GOSSIP_NEW);
	CHECK_EQ(gossip_check(&d, 6, 100, lane1 | 1, 3), GOSSIP_NEW);
	CHECK_EQ(gossip_check(&d, 5, 101, lane1 | 1, 4), GOSSIP_NEW);
	CHECK_EQ(gossip_check(&d, 5, 100, lane1 | 2, 4), GOSSIP_OLD);
	/* Out of order within the window, then too far behind. */
	CHECK_EQ(gossip_check(&d, 5, 101, lane1 | 1000, 5), GOSSIP_NEW);
	CHECK_EQ(gossip_check(&d, 5, 101, lane1 | 500, 5), GOSSIP_NEW);
	CHECK_EQ(gossip_check(&d, 5, 101, lane1 | 500, 5), GOSSIP_DUP);
	CHECK_EQ(gossip_check(&d, 5, 101, lane1 | 2500, 6), GOSSIP_NEW);
	CHECK_EQ(gossip_check(&d, 5, 101, lane1 | 1000, 6), GOSSIP_OLD);
	CHECK_EQ(gossip_check(&d, 5, 101, lane1 | 1477, 6), GOSSIP_NEW);
	CHECK_EQ(gossip_check(&d, 5, 101, lane1 | 1476, 6), GOSSIP_OLD);
	/* Many (origin, lane) pairs: bounded, evicting the least used. */
	for (uint32_t o = 1; o <= 3 * GOSSIP_DEDUP_SLOTS; o++)
		CHECK_EQ(gossip_check(&d, 1000 + o, 1, 1, 10 + o), GOSSIP_NEW);
	CHECK(d.evicted > 0);

	/* The spread tree: 5 nodes, k 4: the origin reaches all in 1 hop. */
	n = gossip_children(5, 2, 2, 4, kids);
	CHECK_EQ(n, 4);
	CHECK_EQ(kids[0], 3);
	CHECK_EQ(kids[3], 1);
	CHECK_EQ(gossip_children(5, 2, 3, 4, kids), 0);
	/* 13 nodes, k 3: node at distance 1 has children 4 to 6. */
	n = gossip_children(13, 0, 1, 3, kids);
	CHECK_EQ(n, 3);
	CHECK_EQ(kids[0], 4);
	CHECK_EQ(kids[2], 6);
	CHECK_EQ(gossip_hop_limit(5, 4), 3);
	CHECK_EQ(gossip_hop_limit(1000, 4), 7);
	CHECK_EQ(gossip_hop_limit(1, 3), 2);
}

/* Header and message apart give the checksum of both together. */
/* The receiver's check of a UDP datagram of len bytes from src to dst. */
static bool
udp_sums_ok(uint32_t src, uint32_t dst, const uint8_t *udp, size_t len)
{
	uint64_t sum = cksum_words32(src) + cksum_words32(dst) +
			htons(IPPROTO_UDP) + htons((uint16_t)len) +
			cksum_sum(udp, len);

	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

static void
test_cksum(void)
{
	static uint8_t whole[2000];
	uint64_t seed = 9;

	for (int round = 0; round < 2000; round++) {
		size_t hdr = 8 + (size_t)(test_rand(&seed) % 330);
		size_t msg = (size_t)(test_rand(&seed) % 1400);
		uint32_t src = (uint32_t)test_rand(&seed);
		uint32_t dst = (uint32_t)test_rand(&seed);
		uint16_t want, got, udp_len = (uint16_t)(hdr + msg);
		uint64_t sum;

		for (size_t i = 0; i < hdr + msg; i++)
			whole[i] = (uint8_t)test_rand(&seed);
		memcpy(whole + 4, &(uint16_t){ htons(udp_len) }, 2);
		memset(whole + 6, 0, 2);
		sum = cksum_words32(src) + cksum_words32(dst) +
				htons(IPPROTO_UDP) + htons(udp_len) +
				cksum_sum(whole, hdr + msg);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		want = (uint16_t)~sum;
		if (want == 0)
			want = 0xffff;
		got = chan_udp_cksum(src, dst, whole, hdr,
				cksum_sum(whole + hdr, msg), msg);
		/* 0 and 0xffff are one value in ones' complement. */
		if (!CHECK(got == want || (got == 0xffff && want == 0xffff)))
			fprintf(stderr, "  hdr %zu msg %zu: %04x, want %04x\n",
					hdr, msg, got, want);
		/* And the receiver's check over the whole passes. */
		memcpy(whole + 6, &got, 2);
		CHECK(udp_sums_ok(src, dst, whole, hdr + msg));
		/*
		 * The message's sum read from that checksum equals its sum
		 * over the bytes (0 and 0xffff are one value).
		 */
		got = chan_msg_sum_from_udp(src, dst, htons(udp_len),
				cksum_sum(whole, hdr), hdr);
		want = cksum_sum(whole + hdr, msg);
		if (!CHECK(got == want || ((got == 0 || got == 0xffff) &&
				(want == 0 || want == 0xffff))))
			fprintf(stderr, "  hdr %zu msg %zu: message sum %04x, "
					"want %04x\n", hdr, msg, got, want);
		/* A damaged message gives a checksum that fails. */
		if (msg > 0) {
			whole[hdr + test_rand(&seed) % msg] ^= 0x10;
			got = chan_udp_cksum(src, dst, whole, hdr,
					chan_msg_sum_from_udp(src, dst,
					htons(udp_len), cksum_sum(whole, hdr),
					hdr), msg);
			memcpy(whole + 6, &got, 2);
			CHECK(!udp_sums_ok(src, dst, whole, hdr + msg));
		}
	}
}

/*
 * Give up everything below upto, as subscriber_give_up_to does: the
 * steps taken, the held messages delivered (their sequences in dl) and
 * the GAPs (in gaps, as first, last pairs). The steps are capped well
 * above the bound, so that a per-sequence walk shows as a failure
 * rather than as a hang.
 */
static uint32_t
give_up(struct chan_rx *rx, uint64_t upto, uint64_t *dl, uint32_t *n_dl,
		uint64_t *gaps, uint32_t *n_gaps)
{
	const uint32_t cap = 4 * CHAN_WINDOW + 8;
	struct chan_held h;
	uint64_t first, last;
	enum chan_rx_step step;
	uint32_t steps = 0;

	*n_dl = 0;
	*n_gaps = 0;
	while (steps < cap && (step = chan_rx_give_up(rx, upto, &h, &first,
			&last)) != CHAN_RX_STEP_DONE) {
		steps++;
		if (step == CHAN_RX_STEP_HELD) {
			dl[(*n_dl)++] = h.seq;
		} else {
			gaps[2 * *n_gaps] = first;
			gaps[2 * *n_gaps + 1] = last;
			(*n_gaps)++;
		}
	}
	return steps;
}

/*
 * A GONE or a jump with a sequence from the wire far beyond the window
 * (seq 1 then 2^62; last 2^63 - 1; the very last sequence) is a bounded
 * number of GAP decisions, each reported once, never a step per
 * sequence.
 */
static void
test_rx_give_up_far(void)
{
	static struct chan_rx rx;
	static uint64_t dl[CHAN_WINDOW + 8], gaps[2 * (CHAN_WINDOW + 8)];
	struct chan_held h;
	uint32_t n_dl, n_gaps;
	uint64_t far = UINT64_C(1) << 62;

	/* Seq 1 then 2^62: the jump gives up [1, 2^62 - WINDOW] at once. */
	chan_rx_init(&rx);
	CHECK_EQ(chan_rx_offer(&rx, 9, 1), CHAN_RX_DELIVER);
	chan_rx_advance(&rx);
	CHECK_EQ(chan_rx_offer(&rx, 9, far), CHAN_RX_BEYOND);
	CHECK(give_up(&rx, far - CHAN_WINDOW + 1, dl, &n_dl, gaps,
			&n_gaps) <= 2);
	CHECK_EQ(n_dl, 0);
	CHECK_EQ(n_gaps, 1);
	CHECK_EQ(gaps[0], 2);
	CHECK_EQ(gaps[1], far - CHAN_WINDOW);
	CHECK_EQ(rx.next, far - CHAN_WINDOW + 1);
	CHECK_EQ(chan_rx_offer(&rx, 9, far), CHAN_RX_HOLD);

	/*
	 * Held messages on the way: each is delivered in order between the
	 * GAPs, then one GAP runs to 2^63 - 1 (a GONE's last).
	 */
	chan_rx_init(&rx);
	chan_rx_start(&rx, 9, 10);
	for (uint64_t s = 12; s < 10 + CHAN_WINDOW; s += 3) {
		h = (struct chan_held){ .msg = (void *)(uintptr_t)s, .seq = s };
		CHECK_EQ(chan_rx_offer(&rx, 9, s), CHAN_RX_HOLD);
		chan_rx_hold(&rx, &h);
	}
	CHECK(give_up(&rx, INT64_MAX, dl, &n_dl, gaps, &n_gaps) <=
			2 * CHAN_WINDOW + 2);
	CHECK_EQ(rx.n_held, 0);
	CHECK_EQ(n_dl, (CHAN_WINDOW - 2 + 2) / 3);
	CHECK_EQ(n_gaps, n_dl + 1);
	CHECK_EQ(gaps[0], 10);
	CHECK_EQ(gaps[1], 11);
	CHECK_EQ(dl[0], 12);
	CHECK_EQ(gaps[2 * (n_gaps - 1)], dl[n_dl - 1] + 1);
	CHECK_EQ(gaps[2 * (n_gaps - 1) + 1], INT64_MAX - 1);
	CHECK_EQ(rx.next, INT64_MAX);

	/* Up to the last sequence there is: no wrap, one GAP. */
	chan_rx_init(&rx);
	chan_rx_start(&rx, 9, 1);
	CHECK(give_up(&rx, UINT64_MAX, dl, &n_dl, gaps, &n_gaps) <= 2);
	CHECK_EQ(n_gaps, 1);
	CHECK_EQ(gaps[1], UINT64_MAX - 1);
	CHECK_EQ(rx.next, UINT64_MAX);
	/* Nothing below the expected one is given up again. */
	CHECK_EQ(give_up(&rx, 5, dl, &n_dl, gaps, &n_gaps), 0);

	/* The next held one is found within the window, however far upto. */
	chan_rx_init(&rx);
	chan_rx_start(&rx, 9, 100);
	CHECK_EQ(chan_rx_next_held(&rx, UINT64_MAX), UINT64_MAX);
	h = (struct chan_held){ .msg = (void *)1, .seq = 100 + CHAN_WINDOW - 1 };
	chan_rx_hold(&rx, &h);
	CHECK_EQ(chan_rx_next_held(&rx, UINT64_MAX), 100 + CHAN_WINDOW - 1);
	CHECK_EQ(chan_rx_next_held(&rx, 150), 150);
}

/*
 * A GOSSIP's boot number (the origin's start, wall-clock us) may be at
 * most a minute ahead of this node's clock: boot 2^64 - 1 is refused.
 */
static void
test_gossip_boot(void)
{
	const uint64_t now = UINT64_C(1796000000) * 1000000u;

	CHECK(gossip_boot_ok(now, now));
	CHECK(gossip_boot_ok(1, now));
	CHECK(gossip_boot_ok(now + GOSSIP_BOOT_AHEAD_US, now));
	CHECK(!gossip_boot_ok(now + GOSSIP_BOOT_AHEAD_US + 1, now));
	CHECK(!gossip_boot_ok(UINT64_MAX, now));
	CHECK(gossip_boot_ok(UINT64_MAX, UINT64_MAX));
}

/*
 * A header's channel_hash must be XXH3-64 of its name: one from another
 * name, or changed in any bit, is refused.
 */
static void
test_chan_hash(void)
{
	static const char name[] = "orders";
	uint8_t buf[sizeof(struct rumor_hdr) + sizeof(name)];
	struct rumor_hdr *h = (struct rumor_hdr *)buf;
	uint64_t be;

	memset(buf, 0, sizeof(buf));
	h->channel_len = htons(sizeof(name) - 1);
	memcpy(buf + sizeof(*h), name, sizeof(name) - 1);
	be = htobe64(XXH3_64bits(name, sizeof(name) - 1));
	memcpy(&h->channel_hash, &be, 8);
	CHECK(chan_hash_ok(h));
	for (int bit = 0; bit < 64; bit++) {
		uint64_t bad = htobe64(XXH3_64bits(name, sizeof(name) - 1) ^
				(UINT64_C(1) << bit));

		memcpy(&h->channel_hash, &bad, 8);
		CHECK(!chan_hash_ok(h));
	}
	be = htobe64(XXH3_64bits("orderz", 6));
	memcpy(&h->channel_hash, &be, 8);
	CHECK(!chan_hash_ok(h));
}

static const struct test_section sections[] = {
	{ "rx_order", test_rx_order },
	{ "chan_hash", test_chan_hash },
	{ "rx_give_up_far", test_rx_give_up_far },
	{ "gossip_boot", test_gossip_boot },
	{ "rx_random", test_rx_random },
	{ "gossip", test_gossip },
	{ "cksum", test_cksum },
};

int
main(int argc, char **argv)
{
	return test_run(argc, argv, "test_chan_track", sections,
			TEST_DIM(sections));
}
