/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client tokens: the binary codec, the Ed25519 signature, capability
 * matching, the text form and the key files (include/rumor/token.h).
 * Every length and count of a token is checked before the bytes it
 * names are read: a token arrives from any client.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "rumor/bytes.h"
#include "rumor/token.h"

RUMOR_ENUM_NAME_FN(token_error_name, enum token_error, TOKEN_ERRORS,
		TOKEN_ERROR_MAX, "?")

bool
token_pattern_valid(const char *p, size_t len)
{
	if (len == 0 || len > RUMOR_CHANNEL_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c <= ' ' || c > '~')
			return false;
		if (c == '*' && i != len - 1)
			return false;
	}
	return true;
}

bool
token_pattern_match(const char *p, size_t plen, const char *name, size_t len)
{
	if (plen == 0)
		return false;
	if (p[plen - 1] == '*')
		return len >= plen - 1 && memcmp(p, name, plen - 1) == 0;
	return len == plen && memcmp(p, name, len) == 0;
}

bool
token_allows(const struct token *t, unsigned ops, const char *name,
		size_t len)
{
	unsigned have = 0;

	if (ops == 0 || (ops & ~TOKEN_OP_ALL) != 0)
		return false;
	/* Each op may come from a capability of its own. */
	for (uint32_t i = 0; i < t->n_caps && i < TOKEN_CAPS_MAX; i++)
		if ((t->cap[i].ops & ops & ~have) != 0 &&
				token_pattern_match(t->cap[i].pattern,
				t->cap[i].len, name, len))
			have |= t->cap[i].ops & ops;
	return have == ops;
}

/* The fields' checks, shared by the decoder and the signer. */
static enum token_error
token_check(const struct token *t)
{
	if (t->client_id == 0)
		return TOKEN_E_CLIENT;
	if (t->not_after <= t->not_before)
		return TOKEN_E_TIMES;
	if (t->n_caps == 0 || t->n_caps > TOKEN_CAPS_MAX)
		return TOKEN_E_CAPS;
	for (uint32_t i = 0; i < t->n_caps; i++) {
		if (t->cap[i].ops == 0 || (t->cap[i].ops & ~TOKEN_OP_ALL) != 0)
			return TOKEN_E_OPS;
		if (!token_pattern_valid(t->cap[i].pattern, t->cap[i].len))
			return TOKEN_E_PATTERN;
	}
	return TOKEN_OK;
}

enum token_error
token_decode(const uint8_t *buf, size_t len, struct token *out)
{
	size_t off = TOKEN_FIXED_LEN;
	unsigned n;

	if (len < TOKEN_FIXED_LEN + TOKEN_SIG_LEN || len > TOKEN_LEN_MAX)
		return TOKEN_E_LENGTH;
	if (buf[0] != TOKEN_VERSION)
		return TOKEN_E_VERSION;
	if (rumor_get16(buf + 2) != 0)
		return TOKEN_E_RESERVED;
	n = buf[1];
	if (n == 0 || n > TOKEN_CAPS_MAX)
		return TOKEN_E_CAPS;
	out->client_id = rumor_get64(buf + 4);
	out->not_before = rumor_get64(buf + 12);
	out->not_after = rumor_get64(buf + 20);
	out->n_caps = n;
	for (unsigned i = 0; i < n; i++) {
		struct token_cap *c = &out->cap[i];

		/* Two bytes of ops and length, then the pattern. */
		if (len - TOKEN_SIG_LEN - off < 2)
			return TOKEN_E_LENGTH;
		c->ops = buf[off];
		c->len = buf[off + 1];
		off += 2;
		if (len - TOKEN_SIG_LEN - off < c->len)
			return TOKEN_E_LENGTH;
		memcpy(c->pattern, buf + off, c->len);
		c->pattern[c->len] = '\0';
		off += c->len;
	}
	if (off != len - TOKEN_SIG_LEN)
		return TOKEN_E_LENGTH;
	return token_check(out);
}

enum token_error
token_verify(const uint8_t *buf, size_t len, const uint8_t pk[TOKEN_PK_LEN],
		uint64_t now, struct token *out)
{
	enum token_error e = token_decode(buf, len, out);

	if (e != TOKEN_OK)
		return e;
	if (crypto_sign_verify_detached(buf + len - TOKEN_SIG_LEN, buf,
			len - TOKEN_SIG_LEN, pk) != 0)
		return TOKEN_E_SIGNATURE;
	if (now != 0 && now < out->not_before)
		return TOKEN_E_NOT_YET;
	if (now != 0 && now >= out->not_after)
		return TOKEN_E_EXPIRED;
	return TOKEN_OK;
}

size_t
token_sign(const struct token *t, const uint8_t sk[TOKEN_SK_LEN],
		uint8_t *buf, size_t cap)
{
	size_t off = TOKEN_FIXED_LEN;

	if (token_check(t) != TOKEN_OK)
		return 0;
	if (cap > TOKEN_LEN_MAX)
		cap = TOKEN_LEN_MAX;
	if (cap < TOKEN_FIXED_LEN + TOKEN_SIG_LEN)
		return 0;
	buf[0] = TOKEN_VERSION;
	buf[1] = (uint8_t)t->n_caps;
	rumor_put16(buf + 2, 0);
	rumor_put64(buf + 4, t->client_id);
	rumor_put64(buf + 12, t->not_before);
	rumor_put64(buf + 20, t->not_after);
	for (uint32_t i = 0; i < t->n_caps; i++) {
		const struct token_cap *c = &t->cap[i];

		if (cap - TOKEN_SIG_LEN - off < 2u + c->len)
			return 0;
		buf[off] = c->ops;
		buf[off + 1] = c->len;
		memcpy(buf + off + 2, c->pattern, c->len);
		off += 2u + c->len;
	}
	if (crypto_sign_detached(buf + off, NULL, buf, off, sk) != 0)
		return 0;
	return off + TOKEN_SIG_LEN;
}

size_t
token_to_text(const uint8_t *buf, size_t len, char *text, size_t cap)
{
	const int v = sodium_base64_VARIANT_URLSAFE_NO_PADDING;

	if (len == 0 || len > TOKEN_LEN_MAX ||
			cap < sodium_base64_ENCODED_LEN(len, v))
		return 0;
	sodium_bin2base64(text, cap, buf, len, v);
	return strlen(text);
}

size_t
token_from_text(const char *text, uint8_t *buf, size_t cap)
{
	const int v = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
	const char *end;
	size_t n, got = 0;

	while (*text != '\0' && isspace((unsigned char)*text))
		text++;
	n = strlen(text);
	while (n > 0 && isspace((unsigned char)text[n - 1]))
		n--;
	if (n == 0 || n >= TOKEN_TEXT_MAX)
		return 0;
	if (sodium_base642bin(buf, cap, text, n, NULL, &got, &end, v) != 0 ||
			end != text + n)
		return 0;
	return got;
}

static void
token_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
token_cap_parse(const char *s, struct token_cap *c, char *err, size_t errlen)
{
	const char *colon = strchr(s, ':');
	const char *p, *pat;
	size_t len;

	if (colon == NULL) {
		token_err(err, errlen, "'%s': expected OPS:PATTERN, for "
				"example sub,pub:chat.*", s);
		return -1;
	}
	c->ops = 0;
	for (p = s; p < colon;) {
		const char *comma = memchr(p, ',', (size_t)(colon - p));
		size_t n = (size_t)((comma != NULL ? comma : colon) - p);

		if (n == 3 && memcmp(p, "sub", 3) == 0) {
			c->ops |= TOKEN_OP_SUB;
		} else if (n == 3 && memcmp(p, "pub", 3) == 0) {
			c->ops |= TOKEN_OP_PUB;
		} else {
			token_err(err, errlen, "'%s': unknown operation "
					"'%.*s' (sub, pub)", s, (int)n, p);
			return -1;
		}
		p += n + (comma != NULL ? 1 : 0);
		if (comma != NULL && p == colon) {
			token_err(err, errlen, "'%s': empty operation", s);
			return -1;
		}
	}
	if (c->ops == 0) {
		token_err(err, errlen, "'%s': no operation (sub, pub)", s);
		return -1;
	}
	pat = colon + 1;
	len = strlen(pat);
	if (!token_pattern_valid(pat, len)) {
		token_err(err, errlen, "'%s': a pattern is a channel name "
				"of 1 to %u printable bytes, or a prefix "
				"ending in one '*'", s, RUMOR_CHANNEL_MAX);
		return -1;
	}
	c->len = (uint8_t)len;
	memcpy(c->pattern, pat, len);
	c->pattern[len] = '\0';
	return 0;
}

int
token_key_read(const char *path, uint8_t *key, size_t n, char *err,
		size_t errlen)
{
	char hex[2 * TOKEN_SK_LEN + 3];
	size_t got, used = 0;
	const char *end;
	FILE *f = fopen(path, "r");
	int rc = -1;

	if (n > TOKEN_SK_LEN) {
		token_err(err, errlen, "%s: key too long", path);
		return -1;
	}
	if (f == NULL) {
		token_err(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	got = fread(hex, 1, sizeof(hex) - 1, f);
	fclose(f);
	hex[got] = '\0';
	while (got > 0 && isspace((unsigned char)hex[got - 1]))
		hex[--got] = '\0';
	if (got != 2 * n || sodium_hex2bin(key, n, hex, got, NULL, &used,
			&end) != 0 || used != n || *end != '\0')
		token_err(err, errlen, "%s: expected %zu hex digits (a token "
				"%s key from rumorctl token keygen)", path,
				2 * n, n == TOKEN_PK_LEN ? "public" : "secret");
	else
		rc = 0;
	sodium_memzero(hex, sizeof(hex));
	return rc;
}
