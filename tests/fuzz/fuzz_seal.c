/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the sealed envelope (include/rumor/seal.h). The first
 * byte of the input chooses what the rest is:
 *
 *   0  a datagram, opened by a fresh receiver with the keyring and label
 *      of make-corpus.py. It must not crash; an opened body fits
 *      SEAL_BODY_MAX and the datagram, from a known protocol and a
 *      non-zero sender, and the same datagram again is a replay.
 *   1  a body, sealed (with the receiver's second key) and opened again:
 *      the same bytes, protocol and sender; then with one byte changed
 *      (chosen by the body) it must not open.
 *   2  a keyring file, parsed: an accepted ring holds 1 to SEAL_KEYS_MAX
 *      distinct keys and parses again from its own hex; a refusal says
 *      "fuzz.keys:LINE: ..." within the error buffer.
 *   3  with node credentials (nodes 1, 2 and 3 from fixed seeds): the
 *      rest opened by a node 2 (as in 0; opened bound, it is from node 1
 *      or 3), then sealed as a body from 1 to 2: it opens bound at 2 as
 *      1's, node 3 cannot open it even addressed to itself, and no byte
 *      of it changed opens.
 *
 * Other first bytes count modulo 4. The receivers' wall clock is fixed. Every sealer is made for one input,
 * so that an input always gives the same result.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "rumor/bytes.h"
#include "rumor/node_keys.h"
#include "rumor/seal.h"
#include "fuzz.h"

#define FUZZ_LABEL "fuzz"
#define FUZZ_BOOT 1700000000000000ull
#define FUZZ_SENDER 1u
#define FUZZ_RECEIVER 2u
#define FUZZ_NOW_US 1800000000000000ull

static uint64_t
fuzz_now(void)
{
	return FUZZ_NOW_US;
}

/* Keys 00 01 .. 1f and 20 21 .. 3f, as make-corpus.py seals with. */
static struct seal_keyring
fuzz_ring(unsigned int first, unsigned int n)
{
	struct seal_keyring r;

	memset(&r, 0, sizeof(r));
	r.n = n;
	for (unsigned int k = 0; k < n; k++)
		for (unsigned int i = 0; i < SEAL_KEY_LEN; i++)
			r.key[k][i] = (uint8_t)((first + k) * SEAL_KEY_LEN + i);
	return r;
}

static struct seal *
fuzz_seal_new(unsigned int first, unsigned int n, uint32_t id)
{
	struct seal_keyring r = fuzz_ring(first, n);
	struct seal *s = seal_new(&r, FUZZ_LABEL, id, FUZZ_BOOT);

	FUZZ_CHECK(s != NULL);
	seal_set_clock(s, fuzz_now);
	return s;
}

/* The sum of the statistics of s over every verdict. */
static uint64_t
fuzz_verdicts(const struct seal *s)
{
	const struct seal_stats *st = seal_stats(s);
	uint64_t n = st->opened;

	for (int v = 0; v < SEAL_VERDICT_MAX; v++)
		n += st->refused[v];
	return n;
}

static void
fuzz_open(const uint8_t *in, size_t len)
{
	struct seal *rx = fuzz_seal_new(0, 2, FUZZ_RECEIVER);
	uint8_t *body = malloc(SEAL_BODY_MAX);
	enum seal_verdict v;
	uint32_t sender = 0;
	uint8_t proto = 0;
	size_t n = 0;

	FUZZ_CHECK(body != NULL);
	v = seal_open(rx, in, len, &proto, &sender, body, SEAL_BODY_MAX, &n);
	FUZZ_VERDICT(v, SEAL_VERDICT_MAX, seal_verdict_name, 0, SEAL_OK);
	FUZZ_CHECK(fuzz_verdicts(rx) == 1);
	if (len < SEAL_OVERHEAD || len > RUMOR_DATAGRAM_MAX)
		FUZZ_CHECK(v == SEAL_MALFORMED);
	if (v == SEAL_OK) {
		FUZZ_CHECK(n <= SEAL_BODY_MAX);
		FUZZ_CHECK(n + SEAL_OVERHEAD == len);
		FUZZ_CHECK(proto >= SEAL_P_SWIM && proto < SEAL_P_MAX);
		FUZZ_CHECK(sender != 0);
		FUZZ_CHECK(seal_stats(rx)->opened == 1);
		FUZZ_CHECK(seal_open(rx, in, len, &proto, &sender, body,
				SEAL_BODY_MAX, &n) == SEAL_REPLAYED);
	}
	free(body);
	seal_free(rx);
}

static void
fuzz_round_trip(const uint8_t *body, size_t len)
{
	struct seal *tx = fuzz_seal_new(1, 1, FUZZ_SENDER);
	struct seal *rx = fuzz_seal_new(0, 2, FUZZ_RECEIVER);
	size_t cap = SEAL_OVERHEAD + len, n, got = 0;
	uint8_t *dg = malloc(cap);
	uint8_t *out = malloc(SEAL_BODY_MAX);
	enum seal_verdict v;
	uint32_t sender = 0;
	uint8_t proto = 0;

	FUZZ_CHECK(dg != NULL && out != NULL);
	n = seal_wrap(tx, SEAL_P_SWIM, body, len, dg, cap);
	if (len > SEAL_BODY_MAX) {
		FUZZ_CHECK(n == 0);
		goto done;
	}
	FUZZ_CHECK(n == cap);
	FUZZ_CHECK(seal_wrap(tx, SEAL_P_SWIM, body, len, dg, cap - 1) == 0);
	v = seal_open(rx, dg, n, &proto, &sender, out, SEAL_BODY_MAX, &got);
	FUZZ_CHECK(v == SEAL_OK);
	FUZZ_CHECK(got == len);
	FUZZ_CHECK(len == 0 || memcmp(out, body, len) == 0);
	FUZZ_CHECK(proto == SEAL_P_SWIM);
	FUZZ_CHECK(sender == FUZZ_SENDER);
	FUZZ_CHECK(seal_stats(rx)->opened_old_key == 1);
	FUZZ_CHECK(seal_open(rx, dg, n, &proto, &sender, out, SEAL_BODY_MAX,
			&got) == SEAL_REPLAYED);
	if (len > 0) {
		size_t at = ((size_t)body[0] << 8 | body[len - 1]) % n;

		dg[at] ^= (uint8_t)(body[len / 2] | 1);
		v = seal_open(rx, dg, n, &proto, &sender, out, SEAL_BODY_MAX,
				&got);
		FUZZ_CHECK(v != SEAL_OK && v != SEAL_REPLAYED);
	}
done:
	free(out);
	free(dg);
	seal_free(tx);
	seal_free(rx);
}

static void
fuzz_keyring(const uint8_t *text, size_t len)
{
	struct seal_keyring r, again;
	char err[128], hex[SEAL_KEYS_MAX * (2 * SEAL_KEY_LEN + 1)];
	int rc;

	memset(err, 0, sizeof(err));
	rc = seal_keyring_parse((const char *)text, len, "fuzz.keys", &r,
			err, sizeof(err));
	FUZZ_CHECK(rc == 0 || rc == -1);
	if (rc < 0) {
		FUZZ_CHECK(strnlen(err, sizeof(err)) < sizeof(err));
		FUZZ_CHECK(strncmp(err, "fuzz.keys:", 10) == 0);
		return;
	}
	FUZZ_CHECK(r.n >= 1 && r.n <= SEAL_KEYS_MAX);
	for (unsigned int i = 0; i < r.n; i++)
		for (unsigned int j = 0; j < i; j++)
			FUZZ_CHECK(memcmp(r.key[i], r.key[j],
					SEAL_KEY_LEN) != 0);
	/* Its own hex, one key per line, parses to the same ring. */
	for (unsigned int i = 0; i < r.n; i++) {
		char *line = hex + i * (2 * SEAL_KEY_LEN + 1);

		for (unsigned int b = 0; b < SEAL_KEY_LEN; b++)
			snprintf(line + 2 * b, 3, "%02x", r.key[i][b]);
		line[2 * SEAL_KEY_LEN] = '\n';
	}
	FUZZ_CHECK(seal_keyring_parse(hex, r.n * (2 * SEAL_KEY_LEN + 1),
			"again", &again, err, sizeof(err)) == 0);
	FUZZ_CHECK(again.n == r.n);
	FUZZ_CHECK(memcmp(again.key, r.key, r.n * SEAL_KEY_LEN) == 0);
}

/* Node id's key from a seed made of its id: the same every run. */
static void
fuzz_node_key(uint32_t id, struct node_key *k)
{
	uint8_t seed[crypto_sign_SEEDBYTES], pk[NODE_PK_LEN], sk[NODE_SK_LEN];
	char text[256], err[128];
	int n;

	memset(seed, (int)id, sizeof(seed));
	FUZZ_CHECK(crypto_sign_seed_keypair(pk, sk, seed) == 0);
	n = snprintf(text, sizeof(text), "id %u\nsecret ", id);
	sodium_bin2hex(text + n, sizeof(text) - (size_t)n, sk, sizeof(sk));
	FUZZ_CHECK(node_key_parse(text, strlen(text), "fuzz", k, err,
			sizeof(err)) == 0);
}

/* A sealer for node id with credentials on the roster of 1, 2, 3. */
static struct seal *
fuzz_cred_seal(uint32_t id)
{
	struct node_key k[3];
	char text[512], err[128];
	struct roster r;
	struct seal *s;
	size_t off = 0;

	for (uint32_t i = 0; i < 3; i++) {
		fuzz_node_key(i + 1, &k[i]);
		off += (size_t)roster_format_line(i + 1, k[i].pk, text + off,
				sizeof(text) - off);
	}
	FUZZ_CHECK(roster_parse(text, off, "fuzz", &r, err, sizeof(err)) == 0);
	s = fuzz_seal_new(0, 2, id);
	FUZZ_CHECK(seal_set_creds(s, &k[id - 1], NULL, &r) == 0);
	FUZZ_CHECK(seal_has_creds(s));
	roster_free(&r);
	for (uint32_t i = 0; i < 3; i++)
		node_key_wipe(&k[i]);
	return s;
}

static void
fuzz_creds(const uint8_t *in, size_t len)
{
	struct seal *tx = fuzz_cred_seal(1), *rx = fuzz_cred_seal(2);
	struct seal *other = fuzz_cred_seal(3), *rx0 = fuzz_cred_seal(2);
	uint8_t *out = malloc(SEAL_BODY_MAX);
	uint8_t *dg = malloc(SEAL_OVERHEAD + len);
	enum seal_verdict v;
	uint32_t sender = 0;
	uint8_t proto = 0;
	size_t n = 0, got = 0;

	FUZZ_CHECK(out != NULL && dg != NULL);
	/* A receiver of its own, so that the round trip below is new. */
	v = seal_open(rx0, in, len, &proto, &sender, out, SEAL_BODY_MAX, &n);
	FUZZ_VERDICT(v, SEAL_VERDICT_MAX, seal_verdict_name, 0, SEAL_OK);
	if (v == SEAL_OK && seal_opened_bound(rx0))
		FUZZ_CHECK(sender == 1 || sender == 3);
	if (len > SEAL_BODY_MAX)
		goto done;
	n = seal_wrap_to(tx, SEAL_P_RAFT, FUZZ_RECEIVER, in, len, dg,
			SEAL_OVERHEAD + len);
	FUZZ_CHECK(n == SEAL_OVERHEAD + len);
	rumor_put32(dg + 20, 3);	/* Node 3 cannot read it as its own. */
	FUZZ_CHECK(seal_open(other, dg, n, &proto, &sender, out,
			SEAL_BODY_MAX, &got) == SEAL_FORGED);
	rumor_put32(dg + 20, FUZZ_RECEIVER);
	if (len > 0) {
		size_t at = ((size_t)in[0] << 8 | in[len - 1]) % n;
		uint8_t was = dg[at];

		dg[at] ^= (uint8_t)(in[len / 2] | 1);
		v = seal_open(rx, dg, n, &proto, &sender, out, SEAL_BODY_MAX,
				&got);
		FUZZ_CHECK(v != SEAL_OK);
		dg[at] = was;
	}
	v = seal_open(rx, dg, n, &proto, &sender, out, SEAL_BODY_MAX, &got);
	FUZZ_CHECK(v == SEAL_OK);
	FUZZ_CHECK(seal_opened_bound(rx));
	FUZZ_CHECK(sender == 1 && proto == SEAL_P_RAFT && got == len);
	FUZZ_CHECK(len == 0 || memcmp(out, in, len) == 0);
done:
	free(out);
	free(dg);
	seal_free(tx);
	seal_free(rx);
	seal_free(other);
	seal_free(rx0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;
	size_t len;

	if (size == 0)
		return 0;
	/* The rest, in a buffer of its exact length, for ASan. */
	len = size - 1;
	copy = fuzz_copy(data + 1, len);
	if (copy == NULL)
		return 0;
	switch (data[0] % 4) {
	case 0:
		fuzz_open(copy, len);
		break;
	case 1:
		fuzz_round_trip(copy, len);
		break;
	case 3:
		fuzz_creds(copy, len);
		break;
	default:
		fuzz_keyring(copy, len);
		break;
	}
	free(copy);
	return 0;
}
