/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: client tokens (include/rumor/token.h). The first byte
 * of the input chooses what the rest is:
 *
 *   0  a token, verified under the target's fixed key: it must not crash;
 *      an accepted one holds 1 to TOKEN_CAPS_MAX valid capabilities and
 *      signs again to the same bytes (Ed25519 is deterministic).
 *   1  a token body without its signature: signed with the fixed key,
 *      then verified; it verifies exactly when it decodes, and with any
 *      one byte changed (chosen by the body) it must not.
 *   2  a token's text form: decoded; what decodes encodes back to text
 *      that decodes to the same bytes.
 *   3  an OPS:PATTERN argument: parsed; an accepted capability is valid.
 *   4  a client datagram (include/rumor/client_auth.h): parsed; an
 *      accepted one strips to a plain message of the header's lengths
 *      and flags 0, and a COOKIE answer to it is never longer; as a
 *      SUB_ACK, its session block is taken out or refused.
 *
 * Other first bytes count modulo 5.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "rumor/client_auth.h"
#include "rumor/token.h"
#include "fuzz.h"

static uint8_t pk[TOKEN_PK_LEN], sk[TOKEN_SK_LEN];

static void
keys(void)
{
	static int done;
	uint8_t seed[crypto_sign_SEEDBYTES];

	if (done)
		return;
	if (sodium_init() < 0)
		abort();
	for (unsigned i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)i;
	crypto_sign_seed_keypair(pk, sk, seed);
	done = 1;
}

static void
check_token(const struct token *t)
{
	FUZZ_CHECK(t->client_id != 0);
	FUZZ_CHECK(t->not_after > t->not_before);
	FUZZ_CHECK(t->n_caps >= 1 && t->n_caps <= TOKEN_CAPS_MAX);
	for (uint32_t i = 0; i < t->n_caps; i++) {
		FUZZ_CHECK(token_pattern_valid(t->cap[i].pattern,
				t->cap[i].len));
		FUZZ_CHECK(token_allows(t, t->cap[i].ops, t->cap[i].pattern,
				t->cap[i].pattern[t->cap[i].len - 1] == '*' ?
				t->cap[i].len - 1u : t->cap[i].len));
	}
}

static void
fuzz_verify(const uint8_t *p, size_t n)
{
	struct token t;
	uint8_t again[TOKEN_LEN_MAX];
	enum token_error e = token_verify(p, n, pk, 0, &t);

	FUZZ_VERDICT(e, TOKEN_ERROR_MAX, token_error_name,
			n < TOKEN_FIXED_LEN + TOKEN_SIG_LEN, TOKEN_E_LENGTH);
	if (e != TOKEN_OK)
		return;
	check_token(&t);
	FUZZ_CHECK(token_sign(&t, sk, again, sizeof(again)) == n);
	FUZZ_CHECK(memcmp(again, p, n) == 0);
}

static void
fuzz_sign(const uint8_t *p, size_t n)
{
	uint8_t *tok;
	struct token t, d;
	size_t len = n + TOKEN_SIG_LEN;
	enum token_error e;

	if (n > TOKEN_LEN_MAX)
		return;
	tok = malloc(len);
	if (tok == NULL)
		return;
	memcpy(tok, p, n);
	crypto_sign_detached(tok + n, NULL, tok, n, sk);
	e = token_decode(tok, len, &t);
	FUZZ_CHECK((token_verify(tok, len, pk, 0, &d) == TOKEN_OK) ==
			(e == TOKEN_OK));
	if (e == TOKEN_OK) {
		size_t at = n > 0 ? p[n - 1] % len : 0;

		check_token(&t);
		tok[at] ^= 0x01;
		FUZZ_CHECK(token_verify(tok, len, pk, 0, &d) != TOKEN_OK);
	}
	free(tok);
}

static void
fuzz_text(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1), text[TOKEN_TEXT_MAX];
	uint8_t bin[TOKEN_LEN_MAX], back[TOKEN_LEN_MAX];
	size_t got;

	if (s == NULL)
		return;
	memcpy(s, p, n);
	s[n] = '\0';
	got = token_from_text(s, bin, sizeof(bin));
	FUZZ_CHECK(got <= TOKEN_LEN_MAX);
	if (got > 0) {
		FUZZ_CHECK(token_to_text(bin, got, text, sizeof(text)) > 0);
		FUZZ_CHECK(token_from_text(text, back, sizeof(back)) == got);
		FUZZ_CHECK(memcmp(back, bin, got) == 0);
	}
	free(s);
}

static void
fuzz_cap(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1), err[128];
	struct token_cap c;

	if (s == NULL)
		return;
	memcpy(s, p, n);
	s[n] = '\0';
	if (token_cap_parse(s, &c, err, sizeof(err)) == 0) {
		FUZZ_CHECK(c.ops != 0 && (c.ops & ~TOKEN_OP_ALL) == 0);
		FUZZ_CHECK(token_pattern_valid(c.pattern, c.len));
	} else {
		FUZZ_CHECK(strlen(err) < sizeof(err));
	}
	free(s);
}

static void
fuzz_client(uint8_t *p, size_t n)
{
	static const uint8_t secret[CLIENT_SECRET_LEN];
	uint8_t cookie[CLIENT_COOKIE_LEN], out[RUMOR_DATAGRAM_MAX];
	uint8_t key[CLIENT_KEY_LEN];
	struct client_frame f;
	enum client_error e = client_frame_parse(p, n, &f);
	size_t plain, len = n;
	uint32_t life;
	int rc;

	FUZZ_VERDICT(e, CLIENT_ERROR_MAX, client_error_name,
			n < sizeof(struct rumor_hdr), CLIENT_E_HEADER);
	if (e == CLIENT_OK) {
		size_t cl;

		client_cookie_make(secret, 1, 2, 3, cookie);
		cl = client_cookie_msg(p, n, 1, cookie, out, sizeof(out));
		FUZZ_CHECK(cl <= n);
		if (f.flags & RUMOR_F_AUTH)
			(void)client_tag(secret, p, n, f.auth_off);
		plain = client_frame_strip(p, n, &f);
		FUZZ_CHECK(plain == n - f.blocks_len);
		/* The blocks' flags go; an acked PUBLISH stays one. */
		FUZZ_CHECK(p[4] == (f.flags & RUMOR_F_ACK));
		FUZZ_CHECK(rumor_hdr_check(p, plain) == RUMOR_HDR_OK);
		return;
	}
	rc = client_ack_take_session(p, &len, key, &life);
	FUZZ_CHECK(rc >= -1 && rc <= 1);
	FUZZ_CHECK(rc == 1 ? len + CLIENT_SESSION_LEN == n : len == n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *p;

	if (size == 0)
		return 0;
	keys();
	p = fuzz_copy(data + 1, size - 1);
	if (p == NULL)
		return 0;
	switch (data[0] % 5) {
	case 0:
		fuzz_verify(p, size - 1);
		break;
	case 1:
		fuzz_sign(p, size - 1);
		break;
	case 2:
		fuzz_text(p, size - 1);
		break;
	case 3:
		fuzz_cap(p, size - 1);
		break;
	default:
		fuzz_client(p, size - 1);
	}
	free(p);
	return 0;
}
