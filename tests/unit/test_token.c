/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of client tokens (include/rumor/token.h): sign and verify, every
 * malformed form the decoder must refuse, patterns and capabilities, the
 * text form, capability arguments and key files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "rumor/bytes.h"
#include "rumor/chan_wire.h"
#include "rumor/client_auth.h"
#include "rumor/config.h"
#include "rumor/token.h"
#include "test.h"

static uint8_t pk[TOKEN_PK_LEN], sk[TOKEN_SK_LEN];
static uint8_t pk2[TOKEN_PK_LEN], sk2[TOKEN_SK_LEN];

static struct token
sample(void)
{
	struct token t;

	memset(&t, 0, sizeof(t));
	t.client_id = 42;
	t.not_before = 1000;
	t.not_after = 2000;
	t.n_caps = 2;
	t.cap[0].ops = TOKEN_OP_SUB | TOKEN_OP_PUB;
	t.cap[0].len = 6;
	memcpy(t.cap[0].pattern, "chat.*", 7);
	t.cap[1].ops = TOKEN_OP_SUB;
	t.cap[1].len = 6;
	memcpy(t.cap[1].pattern, "@alert", 7);
	return t;
}

static void
test_roundtrip(void)
{
	struct token t = sample(), d;
	uint8_t buf[TOKEN_LEN_MAX];
	size_t n = token_sign(&t, sk, buf, sizeof(buf));

	CHECK_EQ(n, TOKEN_FIXED_LEN + 2 + 6 + 2 + 6 + TOKEN_SIG_LEN);
	CHECK_EQ(token_verify(buf, n, pk, 1500, &d), TOKEN_OK);
	CHECK_EQ(d.client_id, 42);
	CHECK_EQ(d.not_before, 1000);
	CHECK_EQ(d.not_after, 2000);
	CHECK_EQ(d.n_caps, 2);
	CHECK(strcmp(d.cap[0].pattern, "chat.*") == 0);
	CHECK_EQ(d.cap[1].ops, TOKEN_OP_SUB);
	CHECK_EQ(token_verify(buf, n, pk, 0, &d), TOKEN_OK);
	CHECK_EQ(token_verify(buf, n, pk, 999, &d), TOKEN_E_NOT_YET);
	CHECK_EQ(token_verify(buf, n, pk, 2000, &d), TOKEN_E_EXPIRED);
	CHECK_EQ(token_verify(buf, n, pk2, 1500, &d), TOKEN_E_SIGNATURE);
	/* Every single bit flipped is refused. */
	for (size_t i = 0; i < n; i++) {
		for (int b = 0; b < 8; b++) {
			buf[i] ^= (uint8_t)(1u << b);
			CHECK(token_verify(buf, n, pk, 1500, &d) != TOKEN_OK);
			buf[i] ^= (uint8_t)(1u << b);
		}
	}
	/* Too small a buffer: refused. */
	CHECK_EQ(token_sign(&t, sk, buf, n - 1), 0);
	CHECK_EQ(token_sign(&t, sk, buf, n), n);
}

/* Exact-length copies of every prefix and of one byte more. */
static void
test_lengths(void)
{
	struct token t = sample(), d;
	uint8_t buf[TOKEN_LEN_MAX + 1];
	size_t n = token_sign(&t, sk, buf, sizeof(buf));

	for (size_t l = 0; l < n; l++) {
		uint8_t *c = test_copy_exact(buf, l);

		CHECK(token_decode(c, l, &d) != TOKEN_OK);
		CHECK(token_verify(c, l, pk, 0, &d) != TOKEN_OK);
		free(c);
	}
	{
		uint8_t *c = test_alloc_exact(n + 1);

		memcpy(c, buf, n);
		c[n] = 0;
		CHECK(token_verify(c, n + 1, pk, 0, &d) != TOKEN_OK);
		free(c);
	}
	CHECK_EQ(token_decode(buf, TOKEN_LEN_MAX + 1, &d), TOKEN_E_LENGTH);
}

/* A raw token body; the signature is zeros (the decoder ignores it). */
static size_t
raw(uint8_t *b, uint8_t version, uint8_t n, uint16_t rsv, uint64_t id,
		uint64_t nb, uint64_t na)
{
	b[0] = version;
	b[1] = n;
	rumor_put16(b + 2, rsv);
	rumor_put64(b + 4, id);
	rumor_put64(b + 12, nb);
	rumor_put64(b + 20, na);
	return TOKEN_FIXED_LEN;
}

static enum token_error
decode_raw(const uint8_t *b, size_t body)
{
	uint8_t *c = test_alloc_exact(body + TOKEN_SIG_LEN);
	struct token d;
	enum token_error e;

	memcpy(c, b, body);
	memset(c + body, 0, TOKEN_SIG_LEN);
	e = token_decode(c, body + TOKEN_SIG_LEN, &d);
	free(c);
	return e;
}

static size_t
add_cap(uint8_t *b, size_t off, uint8_t ops, const char *p, size_t len)
{
	b[off] = ops;
	b[off + 1] = (uint8_t)len;
	memcpy(b + off + 2, p, len);
	return off + 2 + len;
}

static void
test_malformed(void)
{
	uint8_t b[8192];
	size_t off;

	off = raw(b, 1, 1, 0, 7, 1, 2);
	off = add_cap(b, off, TOKEN_OP_SUB, "a", 1);
	CHECK_EQ(decode_raw(b, off), TOKEN_OK);

	b[0] = 2;
	CHECK_EQ(decode_raw(b, off), TOKEN_E_VERSION);
	b[0] = 0;
	CHECK_EQ(decode_raw(b, off), TOKEN_E_VERSION);
	b[0] = 1;
	b[2] = 1;
	CHECK_EQ(decode_raw(b, off), TOKEN_E_RESERVED);
	b[2] = 0;
	b[3] = 0x80;
	CHECK_EQ(decode_raw(b, off), TOKEN_E_RESERVED);
	b[3] = 0;

	raw(b, 1, 1, 0, 0, 1, 2);
	CHECK_EQ(decode_raw(b, off), TOKEN_E_CLIENT);
	raw(b, 1, 1, 0, 7, 2, 2);
	CHECK_EQ(decode_raw(b, off), TOKEN_E_TIMES);
	raw(b, 1, 1, 0, 7, UINT64_MAX, 0);
	CHECK_EQ(decode_raw(b, off), TOKEN_E_TIMES);

	/* Count 0, above the bound, and above what the bytes hold. */
	raw(b, 1, 0, 0, 7, 1, 2);
	CHECK_EQ(decode_raw(b, off), TOKEN_E_CAPS);
	raw(b, 1, TOKEN_CAPS_MAX + 1, 0, 7, 1, 2);
	CHECK_EQ(decode_raw(b, off), TOKEN_E_CAPS);
	raw(b, 1, 255, 0, 7, 1, 2);
	CHECK_EQ(decode_raw(b, off), TOKEN_E_CAPS);
	raw(b, 1, 2, 0, 7, 1, 2);
	CHECK_EQ(decode_raw(b, off), TOKEN_E_LENGTH);
	/* A capability with bytes left over after it. */
	raw(b, 1, 1, 0, 7, 1, 2);
	b[off] = 0;
	CHECK_EQ(decode_raw(b, off + 1), TOKEN_E_LENGTH);
	/* A pattern length beyond the bytes. */
	b[TOKEN_FIXED_LEN + 1] = 200;
	CHECK_EQ(decode_raw(b, off), TOKEN_E_LENGTH);
	b[TOKEN_FIXED_LEN + 1] = 1;
	/* Only the ops byte of a capability. */
	CHECK_EQ(decode_raw(b, TOKEN_FIXED_LEN + 1), TOKEN_E_LENGTH);

	/* Ops. */
	b[TOKEN_FIXED_LEN] = 0;
	CHECK_EQ(decode_raw(b, off), TOKEN_E_OPS);
	b[TOKEN_FIXED_LEN] = 0x04;
	CHECK_EQ(decode_raw(b, off), TOKEN_E_OPS);
	b[TOKEN_FIXED_LEN] = TOKEN_OP_ALL;
	CHECK_EQ(decode_raw(b, off), TOKEN_OK);

	/* Patterns. */
	off = raw(b, 1, 1, 0, 7, 1, 2);
	CHECK_EQ(decode_raw(b, add_cap(b, off, 1, "", 0)), TOKEN_E_PATTERN);
	CHECK_EQ(decode_raw(b, add_cap(b, off, 1, "a b", 3)),
			TOKEN_E_PATTERN);
	CHECK_EQ(decode_raw(b, add_cap(b, off, 1, "a*b", 3)),
			TOKEN_E_PATTERN);
	CHECK_EQ(decode_raw(b, add_cap(b, off, 1, "**", 2)), TOKEN_E_PATTERN);
	CHECK_EQ(decode_raw(b, add_cap(b, off, 1, "a\0", 2)),
			TOKEN_E_PATTERN);
	CHECK_EQ(decode_raw(b, add_cap(b, off, 1, "\x80", 1)),
			TOKEN_E_PATTERN);
	CHECK_EQ(decode_raw(b, add_cap(b, off, 1, "*", 1)), TOKEN_OK);

	/* The largest count of the longest patterns: too long in all. */
	{
		char p[255];

		memset(p, 'x', sizeof(p));
		off = raw(b, 1, TOKEN_CAPS_MAX, 0, 7, 1, 2);
		for (unsigned i = 0; i < TOKEN_CAPS_MAX; i++)
			off = add_cap(b, off, 1, p, sizeof(p));
		CHECK_EQ(decode_raw(b, off), TOKEN_E_LENGTH);
		off = raw(b, 1, 3, 0, 7, 1, 2);
		for (unsigned i = 0; i < 3; i++)
			off = add_cap(b, off, 1, p, sizeof(p));
		CHECK_EQ(decode_raw(b, off), TOKEN_OK);
	}
	CHECK_NAMES(token_error_name, enum token_error, TOKEN_ERROR_MAX);
}

static void
test_allows(void)
{
	struct token t = sample();

	CHECK(token_allows(&t, TOKEN_OP_SUB, "chat.x", 6));
	CHECK(token_allows(&t, TOKEN_OP_PUB, "chat.", 5));
	CHECK(token_allows(&t, TOKEN_OP_ALL, "chat.room", 9));
	CHECK(!token_allows(&t, TOKEN_OP_SUB, "chat", 4));
	CHECK(!token_allows(&t, TOKEN_OP_SUB, "chatx", 5));
	CHECK(token_allows(&t, TOKEN_OP_SUB, "@alert", 6));
	CHECK(!token_allows(&t, TOKEN_OP_PUB, "@alert", 6));
	CHECK(!token_allows(&t, TOKEN_OP_SUB, "@alerts", 7));
	CHECK(!token_allows(&t, TOKEN_OP_SUB, "@aler", 5));
	CHECK(!token_allows(&t, 0, "chat.x", 6));
	CHECK(!token_allows(&t, 0x04, "chat.x", 6));
	/* Two ops from two capabilities. */
	t.cap[1].ops = TOKEN_OP_PUB;
	t.cap[0].ops = TOKEN_OP_SUB;
	memcpy(t.cap[1].pattern, "chat.*", 7);
	CHECK(token_allows(&t, TOKEN_OP_ALL, "chat.x", 6));
	CHECK(token_pattern_match("*", 1, "anything", 8));
	CHECK(token_pattern_match("*", 1, "", 0));
	CHECK(!token_pattern_match("", 0, "", 0));
}

static void
test_text(void)
{
	struct token t = sample(), d;
	uint8_t buf[TOKEN_LEN_MAX], back[TOKEN_LEN_MAX];
	char text[TOKEN_TEXT_MAX + 8];
	size_t n = token_sign(&t, sk, buf, sizeof(buf)), tl;

	tl = token_to_text(buf, n, text, sizeof(text));
	CHECK(tl > 0);
	CHECK(strchr(text, '=') == NULL && strchr(text, '+') == NULL &&
			strchr(text, '/') == NULL);
	CHECK_EQ(token_from_text(text, back, sizeof(back)), n);
	CHECK(memcmp(back, buf, n) == 0);
	CHECK_EQ(token_verify(back, n, pk, 1500, &d), TOKEN_OK);
	CHECK_EQ(token_from_text("  abc!", back, sizeof(back)), 0);
	CHECK_EQ(token_from_text("", back, sizeof(back)), 0);
	CHECK_EQ(token_from_text(text, back, 4), 0);
	CHECK_EQ(token_to_text(buf, n, text, 8), 0);
	{
		char big[TOKEN_TEXT_MAX + 2];

		memset(big, 'A', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		CHECK_EQ(token_from_text(big, back, sizeof(back)), 0);
	}
}

static void
test_cap_parse(void)
{
	struct token_cap c;
	char err[256];

	CHECK_EQ(token_cap_parse("sub,pub:chat.*", &c, err, sizeof(err)), 0);
	CHECK_EQ(c.ops, TOKEN_OP_ALL);
	CHECK(strcmp(c.pattern, "chat.*") == 0);
	CHECK_EQ(token_cap_parse("pub:x", &c, err, sizeof(err)), 0);
	CHECK_EQ(c.ops, TOKEN_OP_PUB);
	CHECK_EQ(token_cap_parse("sub:*", &c, err, sizeof(err)), 0);
	CHECK_EQ(token_cap_parse("chat.*", &c, err, sizeof(err)), -1);
	CHECK(strstr(err, "OPS:PATTERN") != NULL);
	CHECK_EQ(token_cap_parse("get:x", &c, err, sizeof(err)), -1);
	CHECK(strstr(err, "unknown operation") != NULL);
	CHECK_EQ(token_cap_parse(":x", &c, err, sizeof(err)), -1);
	CHECK_EQ(token_cap_parse("sub,:x", &c, err, sizeof(err)), -1);
	CHECK_EQ(token_cap_parse("sub:", &c, err, sizeof(err)), -1);
	CHECK_EQ(token_cap_parse("sub:a*b", &c, err, sizeof(err)), -1);
}

static void
test_key_files(void)
{
	char dir[] = "/tmp/test_token.XXXXXX", path[64], hex[200], err[256];
	uint8_t key[TOKEN_SK_LEN];
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/k", dir);
	sodium_bin2hex(hex, sizeof(hex), pk, sizeof(pk));
	f = fopen(path, "w");
	fprintf(f, "%s\n", hex);
	fclose(f);
	CHECK_EQ(token_key_read(path, key, TOKEN_PK_LEN, err, sizeof(err)),
			0);
	CHECK(memcmp(key, pk, TOKEN_PK_LEN) == 0);
	CHECK_EQ(token_key_read(path, key, TOKEN_SK_LEN, err, sizeof(err)),
			-1);
	CHECK(strstr(err, "128 hex digits") != NULL);
	f = fopen(path, "w");
	fprintf(f, "zz%s\n", hex + 2);
	fclose(f);
	CHECK_EQ(token_key_read(path, key, TOKEN_PK_LEN, err, sizeof(err)),
			-1);
	unlink(path);
	CHECK_EQ(token_key_read(path, key, TOKEN_PK_LEN, err, sizeof(err)),
			-1);
	CHECK(strstr(err, "No such file") != NULL);
	rmdir(dir);
}

/* The configuration keys client_auth and token_pub. */
static void
test_config(void)
{
	static const char base[] = "node_id = 1\naddress = 10.0.0.1\n"
			"member = 1 10.0.0.1\n";
	struct {
		const char *extra;
		int rc;
		enum config_client_auth mode;
		const char *err;
	} cases[] = {
		{ "", 0, CONFIG_CLIENT_AUTH_UNSET, NULL },
		{ "client_auth = none\n", 0, CONFIG_CLIENT_AUTH_NONE, NULL },
		{ "token_pub = /etc/rumor/token.pub\n", 0,
			CONFIG_CLIENT_AUTH_TOKEN, NULL },
		{ "client_auth = token\ntoken_pub = /x\n", 0,
			CONFIG_CLIENT_AUTH_TOKEN, NULL },
		{ "client_auth = token\n", -1, 0, "t: field 'token_pub'" },
		{ "client_auth = none\ntoken_pub = /x\n", -1, 0,
			"t: field 'token_pub'" },
		{ "client_auth = open\n", -1, 0, "t:1: field 'client_auth'" },
		{ "client_auth = none\nclient_auth = none\n", -1, 0,
			"t:2: field 'client_auth'" },
	};

	for (size_t i = 0; i < TEST_DIM(cases); i++) {
		char text[512], err[CONFIG_ERR_MAX] = "";
		struct rumor_config c;
		int rc;

		snprintf(text, sizeof(text), "%s%s", cases[i].extra, base);
		rc = config_parse(text, strlen(text), "t", &c, err,
				sizeof(err));
		if (!CHECK_EQ(rc, cases[i].rc))
			fprintf(stderr, "  case %zu: %s\n", i, err);
		if (rc == 0)
			CHECK_EQ(c.client_auth, cases[i].mode);
		else
			CHECK_PREFIX(err, cases[i].err);
		config_free(&c);
	}
}

/* A plain SUBSCRIBE (or PUBLISH with a message) from a client. */
static size_t
plain(uint8_t type, uint8_t *buf, size_t cap)
{
	struct chan_msg m;

	chan_msg_init(&m, type, "chat.x", 6);
	m.seq = 77;
	if (type == RUMOR_T_SUBSCRIBE)
		m.u.lease.lease_ms = 30000;
	if (type == RUMOR_T_DATA) {
		m.payload = (const uint8_t *)"hello";
		m.payload_len = 5;
	}
	return chan_msg_encode(&m, buf, cap);
}

static void
test_client_frames(void)
{
	struct token t = sample();
	uint8_t tok[TOKEN_LEN_MAX], buf[RUMOR_DATAGRAM_MAX], ref[64];
	uint8_t key[CLIENT_KEY_LEN], cookie[CLIENT_COOKIE_LEN];
	size_t tl = token_sign(&t, sk, tok, sizeof(tok));
	size_t pl = plain(RUMOR_T_SUBSCRIBE, ref, sizeof(ref)), n;
	struct client_frame f;
	struct chan_msg m;

	memset(key, 7, sizeof(key));
	memset(cookie, 9, sizeof(cookie));
	/* CRED alone: parses, strips back to the plain message. */
	memcpy(buf, ref, pl);
	n = client_frame_wrap(buf, pl, sizeof(buf), cookie, tok, tl, NULL, 0);
	CHECK_EQ(n, pl + CLIENT_CRED_FIXED + tl);
	CHECK_EQ(client_frame_parse(buf, n, &f), CLIENT_OK);
	CHECK_EQ(f.flags, RUMOR_F_CRED);
	CHECK_EQ(f.token_len, tl);
	CHECK(memcmp(f.token, tok, tl) == 0);
	CHECK(memcmp(f.cookie, cookie, sizeof(cookie)) == 0);
	CHECK_EQ(client_frame_strip(buf, n, &f), pl);
	CHECK(memcmp(buf, ref, pl) == 0);
	CHECK_EQ(chan_msg_decode(buf, pl, &m), CHAN_WIRE_OK);

	/* CRED and AUTH, then AUTH alone: tags verify, bits break them. */
	memcpy(buf, ref, pl);
	n = client_frame_wrap(buf, pl, sizeof(buf), NULL, tok, tl, key, 5);
	CHECK_EQ(client_frame_parse(buf, n, &f), CLIENT_OK);
	CHECK_EQ(f.flags, RUMOR_F_CRED | RUMOR_F_AUTH);
	CHECK_EQ(f.stamp, 5);
	CHECK(client_tag(key, buf, n, f.auth_off) == f.tag);
	CHECK_EQ(client_frame_strip(buf, n, &f), pl);
	CHECK(memcmp(buf, ref, pl) == 0);
	memcpy(buf, ref, pl);
	n = client_frame_wrap(buf, pl, sizeof(buf), NULL, NULL, 0, key, 6);
	CHECK_EQ(n, pl + CLIENT_AUTH_LEN);
	CHECK_EQ(client_frame_parse(buf, n, &f), CLIENT_OK);
	CHECK(client_tag(key, buf, n, f.auth_off) == f.tag);
	for (size_t i = 0; i < n; i++) {
		if (i >= f.auth_off + 8 && i < f.auth_off + 16)
			continue;
		buf[i] ^= 0x10;
		CHECK(client_frame_parse(buf, n, &f) != CLIENT_OK ||
				client_tag(key, buf, n, f.auth_off) != f.tag);
		buf[i] ^= 0x10;
	}
	key[0] ^= 1;
	CHECK_EQ(client_frame_parse(buf, n, &f), CLIENT_OK);
	CHECK(client_tag(key, buf, n, f.auth_off) != f.tag);
	key[0] ^= 1;

	/* Every shorter length is refused. */
	memcpy(buf, ref, pl);
	n = client_frame_wrap(buf, pl, sizeof(buf), cookie, tok, tl, key, 1);
	for (size_t l = 0; l < n; l++) {
		uint8_t *c = test_copy_exact(buf, l);

		CHECK(client_frame_parse(c, l, &f) != CLIENT_OK);
		free(c);
	}

	/* Refusals: no flag, CRED on PUBLISH, origin, stamp 0, lengths. */
	CHECK_EQ(client_frame_parse(ref, pl, &f), CLIENT_E_FLAGS);
	buf[4] = 0x08 | RUMOR_F_CRED;		/* Unknown. */
	CHECK_EQ(client_frame_parse(buf, n, &f), CLIENT_E_FLAGS);
	buf[4] = RUMOR_F_CRED | RUMOR_F_AUTH;
	rumor_put32(buf + 8, 3);
	CHECK_EQ(client_frame_parse(buf, n, &f), CLIENT_E_TYPE);
	rumor_put32(buf + 8, 0);
	buf[3] = RUMOR_T_INTEREST;
	CHECK_EQ(client_frame_parse(buf, n, &f), CLIENT_E_TYPE);
	buf[3] = RUMOR_T_SUBSCRIBE;
	rumor_put16(buf + 40, (uint16_t)(tl + 40));
	CHECK_EQ(client_frame_parse(buf, n, &f), CLIENT_E_TOKEN_LEN);
	rumor_put16(buf + 40, 10);
	CHECK_EQ(client_frame_parse(buf, n, &f), CLIENT_E_TOKEN_LEN);
	rumor_put16(buf + 40, 0xffff);
	CHECK_EQ(client_frame_parse(buf, n, &f), CLIENT_E_TOKEN_LEN);
	rumor_put16(buf + 40, (uint16_t)tl);
	rumor_put16(buf + 42, 1);
	CHECK_EQ(client_frame_parse(buf, n, &f), CLIENT_E_RESERVED);
	rumor_put16(buf + 42, 0);
	rumor_put64(buf + 40 + CLIENT_CRED_FIXED + tl, 0);
	CHECK_EQ(client_frame_parse(buf, n, &f), CLIENT_E_STAMP);
	{
		uint8_t d[128];
		size_t dl = plain(RUMOR_T_DATA, d, 64);

		CHECK_EQ(client_frame_wrap(d, dl, sizeof(d), NULL, tok, tl,
				NULL, 0), 0);
		CHECK_EQ(client_frame_wrap(d, dl, sizeof(d), NULL, NULL, 0,
				key, 0), 0);
		CHECK_EQ(client_frame_wrap(d, dl, dl + 15, NULL, NULL, 0, key,
				1), 0);
		CHECK_EQ(client_frame_wrap(d, dl, sizeof(d), NULL, NULL, 0,
				key, 1), dl + 16);
		CHECK_EQ(client_frame_parse(d, dl + 16, &f), CLIENT_OK);
	}
	CHECK_NAMES(client_error_name, enum client_error, CLIENT_ERROR_MAX);
}

/*
 * An acked PUBLISH (flag ACK, docs/replication.md) under a session: the
 * flag travels with AUTH, on a PUBLISH alone, and stays once the block
 * is stripped; never without a proof, with CRED or on another type.
 */
static void
test_client_acked(void)
{
	uint8_t key[CLIENT_KEY_LEN], d[256], s[256];
	size_t dl = plain(RUMOR_T_DATA, d, sizeof(d)), n;
	struct client_frame f;

	memset(key, 7, sizeof(key));
	d[4] = RUMOR_F_ACK;
	memcpy(s, d, dl);
	n = client_frame_wrap(d, dl, sizeof(d), NULL, NULL, 0, key, 9);
	CHECK_EQ(n, dl + CLIENT_AUTH_LEN);
	CHECK_EQ(d[4], RUMOR_F_ACK | RUMOR_F_AUTH);
	CHECK_EQ(client_frame_parse(d, n, &f), CLIENT_OK);
	CHECK(client_tag(key, d, n, f.auth_off) == f.tag);
	CHECK_EQ(client_frame_strip(d, n, &f), dl);
	CHECK(memcmp(d, s, dl) == 0);		/* ACK kept, AUTH gone. */

	/* No proof, CRED with it, another type: refused. */
	memcpy(d, s, dl);
	CHECK_EQ(client_frame_parse(d, dl, &f), CLIENT_E_FLAGS);
	n = client_frame_wrap(d, dl, sizeof(d), NULL, NULL, 0, key, 9);
	d[4] |= RUMOR_F_CRED;
	CHECK_EQ(client_frame_parse(d, n, &f), CLIENT_E_FLAGS);
	d[4] = RUMOR_F_ACK | RUMOR_F_AUTH;
	d[3] = RUMOR_T_SUBSCRIBE;		/* Resuming: its own. */
	CHECK_EQ(client_frame_parse(d, n, &f), CLIENT_OK);
	d[3] = RUMOR_T_UNSUBSCRIBE;
	CHECK_EQ(client_frame_parse(d, n, &f), CLIENT_E_FLAGS);
	d[4] = 0x08 | RUMOR_F_AUTH;		/* Unknown. */
	d[3] = RUMOR_T_DATA;
	CHECK_EQ(client_frame_parse(d, n, &f), CLIENT_E_FLAGS);

	/*
	 * The client side wraps ACK on a PUBLISH (acked) and a SUBSCRIBE
	 * (resuming) alone.
	 */
	dl = plain(RUMOR_T_SUBSCRIBE, d, sizeof(d));
	d[4] = RUMOR_F_ACK;
	n = client_frame_wrap(d, dl, sizeof(d), NULL, NULL, 0, key, 9);
	CHECK_EQ(n, dl + CLIENT_AUTH_LEN);
	CHECK_EQ(client_frame_parse(d, n, &f), CLIENT_OK);
	CHECK_EQ(client_frame_strip(d, n, &f), dl);
	CHECK_EQ(d[4], RUMOR_F_ACK);
	dl = plain(RUMOR_T_UNSUBSCRIBE, d, sizeof(d));
	d[4] = RUMOR_F_ACK;
	CHECK_EQ(client_frame_wrap(d, dl, sizeof(d), NULL, NULL, 0, key, 9),
			0);
	dl = plain(RUMOR_T_DATA, d, sizeof(d));
	d[4] = RUMOR_F_ACK | RUMOR_F_CRED;
	CHECK_EQ(client_frame_wrap(d, dl, sizeof(d), NULL, NULL, 0, key, 9),
			0);
}

static void
test_cookies(void)
{
	uint8_t secret[CLIENT_SECRET_LEN], c[CLIENT_COOKIE_LEN];
	uint8_t req[RUMOR_DATAGRAM_MAX], out[RUMOR_DATAGRAM_MAX];
	uint8_t tok[TOKEN_LEN_MAX], got[CLIENT_COOKIE_LEN];
	struct token t = sample();
	size_t tl = token_sign(&t, sk, tok, sizeof(tok)), n, ol;
	uint32_t ip = htonl(0x0a000005);
	uint16_t port = htons(4000);
	uint64_t seq;

	memset(secret, 3, sizeof(secret));
	client_cookie_make(secret, ip, port, 100, c);
	CHECK(client_cookie_check(secret, ip, port, 100, c));
	CHECK(client_cookie_check(secret, ip, port, 101, c));
	CHECK(!client_cookie_check(secret, ip, port, 102, c));
	CHECK(!client_cookie_check(secret, ip, port, 99, c));
	CHECK(!client_cookie_check(secret, ip ^ 1, port, 100, c));
	CHECK(!client_cookie_check(secret, ip, port ^ 1, 100, c));
	c[12] ^= 1;
	CHECK(!client_cookie_check(secret, ip, port, 100, c));
	c[12] ^= 1;
	secret[0] ^= 1;
	CHECK(!client_cookie_check(secret, ip, port, 100, c));

	/* The COOKIE answer: the request's channel and seq, smaller. */
	n = plain(RUMOR_T_SUBSCRIBE, req, sizeof(req));
	n = client_frame_wrap(req, n, sizeof(req), NULL, tok, tl, NULL, 0);
	ol = client_cookie_msg(req, n, 9, c, out, sizeof(out));
	CHECK_EQ(ol, 40 + 6 + CLIENT_COOKIE_LEN);
	CHECK(ol <= n);
	CHECK_EQ(client_cookie_msg_decode(out, ol, &seq, got), 0);
	CHECK_EQ(seq, 77);
	CHECK(memcmp(got, c, sizeof(c)) == 0);
	CHECK(memcmp(out + 40, "chat.x", 6) == 0);
	CHECK_EQ(client_cookie_msg_decode(out, ol - 1, &seq, got), -1);
	/* Never longer than the request. */
	n = plain(RUMOR_T_UNSUBSCRIBE, req, sizeof(req));
	CHECK_EQ(client_cookie_msg(req, n, 9, c, out, sizeof(out)), 0);
}

static void
test_ack_session(void)
{
	uint8_t buf[RUMOR_DATAGRAM_MAX], key[CLIENT_KEY_LEN], k2[16];
	struct chan_msg a, d;
	uint32_t life = 0;
	size_t n, n2;

	memset(key, 0x5a, sizeof(key));
	chan_msg_init(&a, RUMOR_T_SUB_ACK, "chat.x", 6);
	a.origin = 1;
	a.seq = 5;
	a.u.ack.status = CHAN_ST_OK;
	a.u.ack.lease_ms = 30000;
	n = chan_msg_encode(&a, buf, sizeof(buf));
	CHECK(n > 0);
	n2 = client_ack_add_session(buf, n, sizeof(buf), key, 3600);
	CHECK_EQ(n2, n + CLIENT_SESSION_LEN);
	CHECK_EQ(client_ack_take_session(buf, &n2, k2, &life), 1);
	CHECK_EQ(n2, n);
	CHECK_EQ(life, 3600);
	CHECK(memcmp(k2, key, 16) == 0);
	CHECK_EQ(chan_msg_decode(buf, n2, &d), CHAN_WIRE_OK);
	CHECK_EQ(client_ack_take_session(buf, &n2, k2, &life), 0);
	CHECK_EQ(client_ack_add_session(buf, n, n + 23, key, 1), 0);
	n2 = 40 + CLIENT_SESSION_LEN - 1;
	buf[4] = RUMOR_F_CRED;
	CHECK_EQ(client_ack_take_session(buf, &n2, k2, &life), -1);
	CHECK_NAMES(chan_status_name, enum chan_status, CHAN_ST_MAX);
}

static void
test_replay(void)
{
	struct client_replay r = { 0, 0 };

	CHECK(!client_replay_check(&r, 0));
	CHECK(client_replay_check(&r, 1));
	CHECK(!client_replay_check(&r, 1));
	CHECK(client_replay_check(&r, 3));
	CHECK(client_replay_check(&r, 2));
	CHECK(!client_replay_check(&r, 2));
	CHECK(!client_replay_check(&r, 1));
	CHECK(client_replay_check(&r, 67));
	CHECK(!client_replay_check(&r, 3));
	CHECK(client_replay_check(&r, 4));
	CHECK(!client_replay_check(&r, 2));
	CHECK(client_replay_check(&r, 131));
	CHECK(!client_replay_check(&r, 67));
	CHECK(!client_replay_check(&r, 66));
	CHECK(client_replay_check(&r, UINT64_MAX));
	CHECK(!client_replay_check(&r, UINT64_MAX));
	CHECK(client_replay_check(&r, UINT64_MAX - 1));
	CHECK(!client_replay_check(&r, 131));
}

int
main(int argc, char **argv)
{
	static const struct test_section sections[] = {
		{ "roundtrip", test_roundtrip },
		{ "lengths", test_lengths },
		{ "malformed", test_malformed },
		{ "allows", test_allows },
		{ "text", test_text },
		{ "cap_parse", test_cap_parse },
		{ "key_files", test_key_files },
		{ "config", test_config },
		{ "client_frames", test_client_frames },
		{ "client_acked", test_client_acked },
		{ "cookies", test_cookies },
		{ "ack_session", test_ack_session },
		{ "replay", test_replay },
	};

	if (sodium_init() < 0)
		return 1;
	crypto_sign_keypair(pk, sk);
	crypto_sign_keypair(pk2, sk2);
	return test_run(argc, argv, "test_token", sections,
			TEST_DIM(sections));
}
