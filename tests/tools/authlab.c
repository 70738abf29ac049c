/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor-authlab: the cost per message of the candidate tags for the
 * node-to-node auth block (docs/benchmarks.md, "Auth block"), on one
 * core, for 64- and 1,400-byte messages:
 *
 *   siphash        SipHash-2-4 in pieces (rumor/node_auth.h), what the
 *                  dataplane uses: one pass over the UDP payload
 *   shorthash      libsodium crypto_shorthash (the same function, one
 *                  buffer): a check of the piecewise one's speed
 *   blake2b128     libsodium crypto_generichash, keyed, 16-byte output
 *   poly1305       libsodium crypto_onetimeauth (a one-time key per
 *                  message would be needed: its raw speed only)
 *   verify+window  node_auth_verify and the replay window, as an
 *                  lcore's input does
 *   fanout-k       per copy for k destinations: a SipHash tag of the
 *                  whole message per copy, against the digest-once
 *                  scheme (BLAKE2b-256 of the message once, then a
 *                  SipHash tag of the header part and the digest per copy)
 *
 * Usage: rumor-authlab [ITERATIONS]. Prints one line per case:
 * "case=NAME len=N ns=X": nanoseconds of the thread's CPU time per
 * message, the least of AUTHLAB_REPS runs (a shared machine's noise only
 * ever adds).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <sodium.h>

#include "rumor/node_auth.h"

static uint64_t
now_ns(void)
{
	struct timespec ts;

	/* The thread's own CPU time: other work on the core is not counted. */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Keep a result alive so the compiler cannot drop the work. */
static volatile uint64_t sink;

static uint8_t key[NODE_AUTH_KEY_LEN];
static uint8_t key32[32];
static uint8_t msg[RUMOR_DATAGRAM_MAX];

#define AUTHLAB_REPS 7
#define AUTHLAB_CASES 32

static double best[2][AUTHLAB_CASES];
static const char *best_name[2][AUTHLAB_CASES];
static size_t best_len[2];
static unsigned ncase, size_i;

static void
report(const char *name, size_t len, uint64_t t0, uint64_t t1, uint64_t n)
{
	double ns = (double)(t1 - t0) / (double)n;
	unsigned c = ncase++;

	if (best_name[size_i][c] == NULL || ns < best[size_i][c])
		best[size_i][c] = ns;
	best_name[size_i][c] = name;
	best_len[size_i] = len;
}

/* A plain message of len bytes of UDP payload, made authenticated. */
static size_t
make_msg(size_t len)
{
	struct rumor_msg m = {
		.type = RUMOR_T_FANOUT, .hop_limit = 8, .origin = 1,
		.channel = "bench", .channel_len = 5,
		.payload_len = len - 40 - 5 - NODE_AUTH_LEN,
	};
	static uint8_t payload[RUMOR_DATAGRAM_MAX];
	size_t n;

	m.payload = payload;
	n = rumor_msg_encode(msg, sizeof(msg), &m);
	return node_auth_insert(msg, n, sizeof(msg), key, 0, 1);
}

static void
run(size_t len, uint64_t iters)
{
	uint8_t out[32];
	uint64_t t0, acc = 0;
	struct node_auth_window w = { 0 };
	size_t n = make_msg(len);

	t0 = now_ns();
	for (uint64_t i = 0; i < iters; i++) {
		msg[60] = (uint8_t)i;
		acc += node_auth_tag(key, msg, n);
	}
	report("siphash", n, t0, now_ns(), iters);

	t0 = now_ns();
	for (uint64_t i = 0; i < iters; i++) {
		msg[60] = (uint8_t)i;
		crypto_shorthash(out, msg, n, key);
		acc += out[0];
	}
	report("shorthash", n, t0, now_ns(), iters);

	t0 = now_ns();
	for (uint64_t i = 0; i < iters; i++) {
		msg[60] = (uint8_t)i;
		crypto_generichash(out, 16, msg, n, key, sizeof(key));
		acc += out[0];
	}
	report("blake2b128", n, t0, now_ns(), iters);

	t0 = now_ns();
	for (uint64_t i = 0; i < iters; i++) {
		msg[60] = (uint8_t)i;
		crypto_onetimeauth(out, msg, n, key32);
		acc += out[0];
	}
	report("poly1305", n, t0, now_ns(), iters);

	/* Input: a valid tag, then the window, as auth_input does. */
	{
		uint64_t tag;

		msg[60] = 0;
		tag = node_auth_tag(key, msg, n);
		memcpy(msg + NODE_AUTH_TAG_OFF, &tag, 8);
		t0 = now_ns();
		for (uint64_t i = 0; i < iters; i++) {
			/* A changed byte costs the same as a right tag. */
			msg[60] = (uint8_t)i;
			acc += node_auth_verify(key, msg, n);
			acc += node_auth_window_take(&w, i + 1);
		}
		report("verify+window", n, t0, now_ns(), iters);
	}

	/* Fan-out to k nodes: per copy tags, or one digest and small tags. */
	for (unsigned k = 1; k <= 16; k *= 4) {
		uint64_t stamp = 0;

		t0 = now_ns();
		for (uint64_t i = 0; i < iters / k; i++) {
			msg[60] = (uint8_t)i;
			for (unsigned c = 0; c < k; c++)
				acc += node_auth_tag_parts(key, msg, stamp + c,
						msg + NODE_AUTH_END,
						n - NODE_AUTH_END, NULL, 0);
		}
		report(k == 1 ? "fanout1-siphash" : k == 4 ? "fanout4-siphash" :
				"fanout16-siphash", n, t0, now_ns(),
				(iters / k) * k);

		t0 = now_ns();
		for (uint64_t i = 0; i < iters / k; i++) {
			uint8_t d[32];

			msg[60] = (uint8_t)i;
			crypto_generichash(d, sizeof(d), msg + NODE_AUTH_END,
					n - NODE_AUTH_END, NULL, 0);
			for (unsigned c = 0; c < k; c++)
				acc += node_auth_tag_parts(key, msg, stamp + c,
						d, sizeof(d), NULL, 0);
		}
		report(k == 1 ? "fanout1-digest" : k == 4 ? "fanout4-digest" :
				"fanout16-digest", n, t0, now_ns(),
				(iters / k) * k);
	}
	sink = acc;
}

int
main(int argc, char **argv)
{
	uint64_t iters = argc > 1 ? strtoull(argv[1], NULL, 10) : 2000000;

	if (sodium_init() < 0 || iters == 0)
		return 1;
	randombytes_buf(key, sizeof(key));
	randombytes_buf(key32, sizeof(key32));
	for (unsigned r = 0; r < AUTHLAB_REPS; r++) {
		size_i = 0;
		ncase = 0;
		run(64, iters);
		size_i = 1;
		ncase = 0;
		run(1400, iters / 4 > 0 ? iters / 4 : 1);
	}
	for (unsigned i = 0; i < 2; i++)
		for (unsigned c = 0; c < AUTHLAB_CASES && best_name[i][c]; c++)
			printf("case=%s len=%zu ns=%.1f\n", best_name[i][c],
					best_len[i], best[i][c]);
	return 0;
}
