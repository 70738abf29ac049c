/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client tokens (docs/clients.md): what a client presents to a node to
 * be admitted. A token is issued by the cluster's token key (Ed25519)
 * and says who the client is (a 64-bit client id), when the token is
 * valid, and which channels the client may subscribe to or publish on.
 *
 * Binary form, network byte order, TOKEN_LEN_MAX bytes at most:
 *   0 u8  version: TOKEN_VERSION
 *   1 u8  n_caps: capabilities that follow, 1 .. TOKEN_CAPS_MAX
 *   2 u16 reserved, zero
 *   4 u64 client id, not 0
 *  12 u64 not_before: unix seconds
 *  20 u64 not_after: unix seconds, above not_before
 *  28     n_caps times: u8 ops (TOKEN_OP_* bits, not 0, no other bit),
 *         u8 pattern_len (1 .. RUMOR_CHANNEL_MAX), pattern bytes
 *   .     64 bytes: Ed25519 signature of every byte before it
 *
 * A pattern is an exact channel name, or a prefix followed by one '*'
 * (its last byte; "*" alone matches every channel). Its bytes are
 * printable ASCII without space, and '*' appears only at its end.
 *
 * Text form: the binary form in base64url without padding.
 *
 * Pure C (libsodium, no DPDK): the dataplane, rumorctl, the client
 * library, the tests and the fuzzer share it.
 */
#ifndef RUMOR_TOKEN_H
#define RUMOR_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rumor/enum_names.h"
#include "rumor/wire.h"

#define TOKEN_VERSION 1u
#define TOKEN_CAPS_MAX 16u	/* Capabilities in one token. */
#define TOKEN_FIXED_LEN 28u	/* Bytes before the capabilities. */
#define TOKEN_SIG_LEN 64u	/* Ed25519 signature. */
#define TOKEN_PK_LEN 32u	/* Ed25519 public key. */
#define TOKEN_SK_LEN 64u	/* Ed25519 secret key (libsodium's form). */
/*
 * The longest binary token: it travels inside a SUBSCRIBE beside a
 * 255-byte channel name, and 40 + 255 + 8 + 20 + 1024 bytes fit one
 * datagram.
 */
#define TOKEN_LEN_MAX 1024u
/* Its text form, with the NUL. */
#define TOKEN_TEXT_MAX (((TOKEN_LEN_MAX + 2) / 3) * 4 + 1)

/* Operations a capability allows. */
#define TOKEN_OP_SUB 0x01u	/* SUBSCRIBE (and UNSUBSCRIBE). */
#define TOKEN_OP_PUB 0x02u	/* PUBLISH. */
#define TOKEN_OP_ALL (TOKEN_OP_SUB | TOKEN_OP_PUB)

/* One capability: ops on the channels pattern matches. */
struct token_cap {
	uint8_t ops;
	uint8_t len;				/* Bytes of pattern. */
	char pattern[RUMOR_CHANNEL_MAX + 1];	/* NUL-terminated too. */
};

/* A token, decoded. */
struct token {
	uint64_t client_id;
	uint64_t not_before;
	uint64_t not_after;
	uint32_t n_caps;
	struct token_cap cap[TOKEN_CAPS_MAX];
};

/* Why a token was refused; TOKEN_OK when it was not. */
#define TOKEN_ERRORS(X)							\
	X(TOKEN_OK, "ok")						\
	/* Shorter than its fixed part, its capabilities and the	\
	 * signature, or longer than them or TOKEN_LEN_MAX. */		\
	X(TOKEN_E_LENGTH, "length")					\
	/* A version this node does not know. */			\
	X(TOKEN_E_VERSION, "version")					\
	/* Reserved bytes not 0. */					\
	X(TOKEN_E_RESERVED, "reserved")					\
	/* Client id 0. */						\
	X(TOKEN_E_CLIENT, "client id")					\
	/* not_after not above not_before. */				\
	X(TOKEN_E_TIMES, "validity")					\
	/* No capability, or more than TOKEN_CAPS_MAX. */		\
	X(TOKEN_E_CAPS, "capabilities")					\
	/* ops 0 or with an unknown bit. */				\
	X(TOKEN_E_OPS, "operations")					\
	/* A pattern empty, too long, with a byte out of range or a	\
	 * '*' before its end. */					\
	X(TOKEN_E_PATTERN, "pattern")					\
	/* The signature does not verify under the token key. */	\
	X(TOKEN_E_SIGNATURE, "signature")				\
	/* Not valid yet at the time checked. */			\
	X(TOKEN_E_NOT_YET, "not yet valid")				\
	/* Expired at the time checked. */				\
	X(TOKEN_E_EXPIRED, "expired")					\
	/* Text form: not base64url, or too long. */			\
	X(TOKEN_E_TEXT, "text")

enum token_error {
	TOKEN_ERRORS(RUMOR_ENUM_VALUE)
	TOKEN_ERROR_MAX
};

const char *token_error_name(enum token_error e);

/*
 * Decode the binary token at buf (len bytes) into out, checking every
 * length and count before it reads and every field's range; the
 * signature is not checked (token_verify does). On error out must not be
 * used.
 */
enum token_error token_decode(const uint8_t *buf, size_t len,
		struct token *out);

/*
 * Decode and verify: token_decode, then the signature under pk, then the
 * validity at unix time now (now == 0 skips the time check).
 */
enum token_error token_verify(const uint8_t *buf, size_t len,
		const uint8_t pk[TOKEN_PK_LEN], uint64_t now, struct token *out);

/*
 * Encode and sign t with sk into buf (cap bytes). Returns the length, or
 * 0 (buf unspecified) if t would not decode or does not fit.
 */
size_t token_sign(const struct token *t, const uint8_t sk[TOKEN_SK_LEN],
		uint8_t *buf, size_t cap);

/*
 * True if pattern (len bytes) is a valid pattern, as the decoder checks
 * it.
 */
bool token_pattern_valid(const char *pattern, size_t len);

/* True if pattern p (plen bytes) matches channel name (len bytes). */
bool token_pattern_match(const char *p, size_t plen, const char *name,
		size_t len);

/* True if t allows every op in ops on channel name (len bytes). */
bool token_allows(const struct token *t, unsigned ops, const char *name,
		size_t len);

/*
 * Text form. token_to_text writes base64url of buf[0..len) and a NUL into
 * text (cap bytes); returns the text length or 0. token_from_text decodes
 * text (surrounding blanks ignored) into buf (cap bytes); returns the
 * binary length, or 0 if it is not base64url or does not fit.
 */
size_t token_to_text(const uint8_t *buf, size_t len, char *text, size_t cap);
size_t token_from_text(const char *text, uint8_t *buf, size_t cap);

/*
 * Parse "OPS:PATTERN" as rumorctl takes it (OPS: sub, pub or sub,pub)
 * into c. Returns 0, or -1 with a reason in err (errlen bytes).
 */
int token_cap_parse(const char *s, struct token_cap *c, char *err,
		size_t errlen);

/*
 * Key files. A token key pair is two files: the secret key (64 bytes as
 * 128 hex digits and a newline, mode 0600) and the public key (32 bytes
 * as 64 hex digits and a newline). token_key_read reads n bytes of hex
 * from path into key; 0, or -1 with a reason in err.
 */
int token_key_read(const char *path, uint8_t *key, size_t n, char *err,
		size_t errlen);

#endif /* RUMOR_TOKEN_H */
