/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What rumor-control makes of a punted control datagram
 * (include/rumor/punt.h): a membership message sealed by its own sender passes;
 * one that a key holder sealed in another node's name is forged; replays,
 * other keys, other labels and garbage get their own verdicts. Sealers
 * are real (libsodium), over one random key.
 */
#include <stdlib.h>
#include <string.h>

#include "rumor/seal.h"
#include "rumor/swim_wire.h"
#include "rumor/punt.h"
#include "rumor/raft_env.h"
#include "test.h"

/* A keyring of one key; the key itself comes from seal_key_generate. */
static int
keyring_make(struct seal_keyring *k)
{
	char hex[2 * SEAL_KEY_LEN + 2], err[128];

	if (seal_key_generate(hex) < 0)
		return -1;
	strcat(hex, "\n");
	return seal_keyring_parse(hex, strlen(hex), "test", k, err,
			sizeof(err));
}

/* A PING from node `from` to node 3, encoded; returns its length. */
static size_t
ping(uint32_t from, uint8_t *buf, size_t cap)
{
	struct swim_msg m;

	memset(&m, 0, sizeof(m));
	m.kind = SWIM_PING;
	m.from = from;
	m.seq = 7;
	m.target = 3;
	return swim_encode(&m, buf, cap);
}

/* What the last punt_open gave: the body, its length, the sender. */
static uint8_t out[SEAL_BODY_MAX];
static size_t olen;
static uint32_t snd;

/* What r makes of the datagram d of len bytes. */
static enum punt_verdict
punt(struct seal *r, const uint8_t *d, size_t len)
{
	return punt_open(r, d, len, out, sizeof(out), &olen, &snd);
}

/* Seal len bytes of a proto body with s; the datagram's length. */
static size_t
wrap(struct seal *s, uint8_t proto, const uint8_t *body, size_t len,
		uint8_t *dgram)
{
	return seal_wrap(s, proto, body, len, dgram, RUMOR_DATAGRAM_MAX);
}

int
main(void)
{
	struct seal_keyring k1, k2;
	struct seal *a, *b_other_key, *c_other_label, *r;
	uint8_t body[SWIM_MSG_MAX];
	uint8_t d[RUMOR_DATAGRAM_MAX], d2[RUMOR_DATAGRAM_MAX];
	size_t blen, dlen, d2len;

	if (!CHECK(keyring_make(&k1) == 0 && keyring_make(&k2) == 0))
		return test_done("test_punt");
	a = seal_new(&k1, "prod", 1, 1000);
	b_other_key = seal_new(&k2, "prod", 2, 1000);
	c_other_label = seal_new(&k1, "test", 2, 1000);
	r = seal_new(&k1, "prod", 3, 1000);
	if (!CHECK(a != NULL && b_other_key != NULL && c_other_label != NULL &&
			r != NULL))
		return test_done("test_punt");

	/* Node 1 speaking for itself: passed on, body intact. */
	blen = ping(1, body, sizeof(body));
	dlen = wrap(a, SEAL_P_SWIM, body, blen, d);
	CHECK(dlen == blen + SEAL_OVERHEAD);
	CHECK_EQ(punt(r, d, dlen), PUNT_SWIM);
	CHECK_EQ(olen, blen);
	CHECK(memcmp(out, body, blen) == 0);

	/* The same datagram again is a replay. */
	CHECK_EQ(punt(r, d, dlen), PUNT_REPLAYED);

	/* Node 1, holding the key, speaking as node 2: forged. */
	blen = ping(2, body, sizeof(body));
	d2len = wrap(a, SEAL_P_SWIM, body, blen, d2);
	CHECK_EQ(punt(r, d2, d2len), PUNT_FORGED_SENDER);

	/* Another key, another label. */
	d2len = wrap(b_other_key, SEAL_P_SWIM, body, blen, d2);
	CHECK_EQ(punt(r, d2, d2len), PUNT_FORGED);
	d2len = wrap(c_other_label, SEAL_P_SWIM, body, blen, d2);
	CHECK_EQ(punt(r, d2, d2len), PUNT_WRONG_LABEL);

	/* A flipped bit of the ciphertext: no key opens it. */
	blen = ping(1, body, sizeof(body));
	dlen = wrap(a, SEAL_P_SWIM, body, blen, d);
	d[SEAL_HDR_LEN + 3] ^= 0x10;
	CHECK_EQ(punt(r, d, dlen), PUNT_FORGED);

	/* Not a sealed datagram at all, or cut short. */
	memset(d2, 0xa5, sizeof(d2));
	CHECK_EQ(punt(r, d2, 100), PUNT_MALFORMED);
	dlen = wrap(a, SEAL_P_SWIM, body, blen, d);
	CHECK_EQ(punt(r, d, SEAL_HDR_LEN - 1), PUNT_MALFORMED);
	CHECK(punt(r, d, dlen - 1) != PUNT_SWIM);

	/*
	 * A body too short to name a sender is passed on: the membership
	 * refuses it itself (swim_bad).
	 */
	dlen = wrap(a, SEAL_P_SWIM, body, 5, d);
	CHECK_EQ(punt(r, d, dlen), PUNT_SWIM);
	CHECK_EQ(olen, 5);

	/*
	 * Raft: an envelope whose message names the sealer is passed on
	 * with the sender; one that names another node is forged.
	 */
	{
		uint8_t msg[RAFT_HDR_LEN + 16];
		uint8_t env[RAFT_ENV_MAX];
		size_t elen;

		memset(msg, 0, sizeof(msg));
		msg[0] = RAFT_PREVOTE;
		msg[7] = 1;		/* from */
		msg[11] = 3;		/* to */
		elen = raft_env_encode_msg(7, msg, sizeof(msg), env,
				sizeof(env));
		CHECK(elen > 0);
		dlen = wrap(a, SEAL_P_RAFT, env, elen, d);
		CHECK_EQ(punt(r, d, dlen), PUNT_RAFT);
		CHECK_EQ(snd, 1);
		CHECK_EQ(olen, elen);
		msg[7] = 2;
		elen = raft_env_encode_msg(7, msg, sizeof(msg), env,
				sizeof(env));
		dlen = wrap(a, SEAL_P_RAFT, env, elen, d);
		CHECK_EQ(punt(r, d, dlen), PUNT_FORGED_SENDER);
	}

	for (int v = 0; v < PUNT_VERDICT_MAX; v++)
		CHECK(strcmp(punt_verdict_name((enum punt_verdict)v),
				"?") != 0);
	CHECK(strcmp(punt_verdict_name(PUNT_VERDICT_MAX), "?") == 0);

	seal_free(a);
	seal_free(b_other_key);
	seal_free(c_other_label);
	seal_free(r);
	return test_done("test_punt");
}
