/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lcores' channel order state (include/rumor/chan_track.h) driven by
 * arbitrary sequences of events, as a subscriber node and a gossip
 * receiver meet them from the network: FANOUTs of any stream and
 * sequence, GONE ranges, give-ups, new streams, broadcast publish ids.
 * Whatever comes, a channel's deliveries are strictly increasing, each
 * sequence is delivered or given up once, the window's count is exact,
 * and a publish id is new at most once.
 *
 * Input: records of 9 bytes, an operation and a 64-bit number.
 */
#include <string.h>

#include "rumor/chan_track.h"
#include "fuzz.h"

static struct chan_rx rx;
static struct gossip_dedup dedup;

static uint32_t
count_held(void)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < CHAN_WINDOW; i++)
		n += rx.held[i].msg != NULL;
	return n;
}

/* A broadcast (origin, boot, publish id): new at most once. */
static void
gossip_op(uint64_t v, uint64_t now)
{
	uint32_t origin = 1 + (uint32_t)(v >> 60);
	uint64_t boot = 1 + (v >> 56 & 3);
	uint64_t pubid = v & 0xff000000000fffull;

	if (gossip_check(&dedup, origin, boot, pubid, now) == GOSSIP_NEW)
		FUZZ_CHECK(gossip_check(&dedup, origin, boot, pubid, now) ==
				GOSSIP_DUP);
}

/* Give up everything below upto: bounded, in order, nothing twice. */
static void
give_up(uint64_t upto, uint64_t *last)
{
	const uint32_t held_before = rx.n_held;
	uint64_t first, gap_last, below = rx.next;
	struct chan_held h;
	enum chan_rx_step step;
	uint32_t steps = 0;

	while ((step = chan_rx_give_up(&rx, upto, &h, &first, &gap_last)) !=
			CHAN_RX_STEP_DONE) {
		FUZZ_CHECK(++steps <= 2 * held_before + 2);
		if (step == CHAN_RX_STEP_HELD) {
			FUZZ_CHECK(h.seq >= below);
			below = h.seq + 1;
			*last = h.seq;
		} else {
			FUZZ_CHECK(first >= below && gap_last >= first &&
					gap_last < upto);
			below = gap_last + 1;
		}
	}
	FUZZ_CHECK(rx.next >= upto);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chan_held h, out[CHAN_WINDOW];
	uint64_t last = 0, now = 0, first;

	chan_rx_init(&rx);
	memset(&dedup, 0, sizeof(dedup));
	for (size_t off = 0; off + 9 <= size; off += 9) {
		uint8_t op = data[off];
		uint64_t v;
		uint64_t stream, seq;
		enum chan_rx_verdict verdict;
		uint32_t n;

		memcpy(&v, data + off + 1, 8);
		stream = 1 + (op >> 4 & 3);	/* A few streams. */
		seq = 1 + v % 1000;		/* Near each other. */
		now++;
		switch (op & 7) {
		case 0:
		case 1:
		case 2:
			verdict = chan_rx_offer(&rx, stream, seq);
			if (verdict == CHAN_RX_DELIVER) {
				FUZZ_CHECK(seq == rx.next);
				FUZZ_CHECK(seq > last || last == 0 ||
						stream != rx.prev_stream);
				last = seq;
				chan_rx_advance(&rx);
				while (chan_rx_pop(&rx, &h)) {
					FUZZ_CHECK(h.seq == rx.next);
					last = h.seq;
					chan_rx_advance(&rx);
				}
			} else if (verdict == CHAN_RX_HOLD) {
				FUZZ_CHECK(seq > rx.next &&
						seq - rx.next < CHAN_WINDOW);
				h.msg = (void *)(uintptr_t)seq;
				h.seq = seq;
				h.origin = 1;
				h.pubid = seq;
				chan_rx_hold(&rx, &h);
			} else if (verdict == CHAN_RX_RESET) {
				n = chan_rx_drain(&rx, out);
				for (uint32_t i = 1; i < n; i++)
					FUZZ_CHECK(out[i].seq > out[i - 1].seq);
				chan_rx_start(&rx, stream, seq);
				last = 0;
			}
			break;
		case 3:
			/*
			 * Give up to a point (a GONE, a lost hole, a jump):
			 * near, or anywhere at all (v itself, from the
			 * wire), in a bounded number of steps, each GAP
			 * between what was delivered, none overlapping.
			 */
			give_up(op & 8 ? v : seq, &last);
			break;
		case 4:
			n = chan_rx_hole(&rx, &first);
			FUZZ_CHECK(n <= CHAN_NACK_MAX);
			if (n > 0) {
				FUZZ_CHECK(first == rx.next);
				for (uint32_t i = 0; i < n; i++) {
					uint64_t q = first + i;

					FUZZ_CHECK(rx.held[q & (CHAN_WINDOW -
							1)].msg == NULL);
				}
			}
			break;
		default:
			gossip_op(v, now);
			break;
		}
		FUZZ_CHECK(count_held() == rx.n_held);
		FUZZ_CHECK(rx.top >= rx.next);
	}
	return 0;
}
