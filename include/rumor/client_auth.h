/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client admission on the wire (docs/clients.md): the blocks a client
 * puts after the rumor header to present its token and to prove each
 * request, the COOKIE a node answers with, the session key a SUB_ACK
 * returns, and the replay window. Pure C (libsodium, no DPDK): the
 * dataplane, the client library, the tests and the fuzzer share it.
 *
 * A client datagram may carry, right after the 40-byte rumor header and
 * before the channel name, in this order:
 *
 * CRED block, flag RUMOR_F_CRED, SUBSCRIBE and UNSUBSCRIBE only:
 *   0 u16 token_len: TOKEN_FIXED_LEN + TOKEN_SIG_LEN + 2 .. TOKEN_LEN_MAX
 *   2 u16 reserved, zero
 *   4     cookie (16 bytes): the node's last COOKIE, or zeros
 *  20     token (token_len bytes, rumor/token.h)
 *
 * AUTH block, flag RUMOR_F_AUTH, SUBSCRIBE, UNSUBSCRIBE and PUBLISH:
 *   0 u64 stamp: the session's counter, from 1, increasing per request
 *   8 u64 tag: SipHash-2-4 under the session key of the whole datagram
 *         with these 8 bytes zero
 *
 * The header's channel_len and payload_len are those of the plain
 * message: the datagram is 40 + blocks + channel_len + payload_len
 * bytes, and once the node strips the blocks and clears their flags it
 * is the plain message every other decoder knows. (RUMOR_F_ACK, an acked
 * PUBLISH's, says what the message is, not what blocks it carries: it is
 * kept.)
 *
 * A node answers a request it cannot admit yet with a COOKIE (type
 * RUMOR_T_COOKIE): the rumor header (origin the node, seq the request's,
 * epoch 0, hop_limit 0, the request's channel) and a 16-byte payload,
 * the cookie:
 *   0 u32 slot: the node's time slot (unix seconds / COOKIE_SLOT_S)
 *   4 u32 reserved, zero
 *   8 u64 mac: SipHash-2-4 under the node's secret of the client's IPv4
 *         address, UDP port and slot
 * It is never longer than the request it answers.
 *
 * A SUB_ACK that opens a session carries flag RUMOR_F_CRED and, after
 * the header, the session block (CLIENT_SESSION_LEN bytes):
 *   0     key (16 bytes): the session key
 *  16 u32 lifetime_s: seconds the session lasts at most (token expiry)
 *  20 u32 reserved, zero
 */
#ifndef RUMOR_CLIENT_AUTH_H
#define RUMOR_CLIENT_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rumor/enum_names.h"
#include "rumor/token.h"
#include "rumor/wire.h"

/* RUMOR_F_AUTH and RUMOR_F_CRED are in rumor/wire.h. */

/* The COOKIE type, the first number after the channel types. */
_Static_assert(RUMOR_T_COOKIE == RUMOR_T_HANDOFF + 1,
		"COOKIE follows HANDOFF in rumor/wire.h");

#define CLIENT_KEY_LEN 16u	/* Session key (SipHash-2-4). */
#define CLIENT_SECRET_LEN 16u	/* A node's cookie secret. */
#define CLIENT_AUTH_LEN 16u	/* AUTH block. */
#define CLIENT_CRED_FIXED 20u	/* CRED block before the token. */
#define CLIENT_COOKIE_LEN 16u	/* A cookie. */
#define CLIENT_SESSION_LEN 24u	/* A SUB_ACK's session block. */
#define COOKIE_SLOT_S 10u	/* A cookie is good for 1 to 2 slots. */

/* Why a client datagram was refused; CLIENT_OK when it was not. */
#define CLIENT_ERRORS(X)						\
	X(CLIENT_OK, "ok")						\
	/* Not a rumor header, or lengths that do not add up. */	\
	X(CLIENT_E_HEADER, "header")					\
	/* No block flag, or a flag this type cannot carry. */		\
	X(CLIENT_E_FLAGS, "flags")					\
	/* Not from a client: origin not 0, or not a client type. */	\
	X(CLIENT_E_TYPE, "type")					\
	/* A reserved field not 0. */					\
	X(CLIENT_E_RESERVED, "reserved")				\
	/* token_len out of range or beyond the datagram. */		\
	X(CLIENT_E_TOKEN_LEN, "token length")				\
	/* Stamp 0. */							\
	X(CLIENT_E_STAMP, "stamp")

enum client_error {
	CLIENT_ERRORS(RUMOR_ENUM_VALUE)
	CLIENT_ERROR_MAX
};

const char *client_error_name(enum client_error e);

/* A client datagram's blocks, as client_frame_parse found them. */
struct client_frame {
	uint8_t type;
	uint8_t flags;			/* RUMOR_F_AUTH, _CRED, _ACK. */
	size_t blocks_len;		/* Bytes of both blocks. */
	const uint8_t *cookie;		/* CRED: 16 bytes; else NULL. */
	const uint8_t *token;		/* CRED: token_len bytes. */
	size_t token_len;
	size_t auth_off;		/* AUTH: offset of the block. */
	uint64_t stamp;			/* AUTH: host order. */
	uint64_t tag;			/* AUTH: as on the wire (memcpy). */
};

/*
 * Parse the datagram buf (len bytes, the UDP payload) as a client
 * datagram with at least one block. Reads nothing beyond len.
 */
enum client_error client_frame_parse(const uint8_t *buf, size_t len,
		struct client_frame *out);

/*
 * The tag of the datagram buf (len bytes) whose AUTH block is at
 * auth_off, under key: the tag field is taken as zero (it is zeroed and
 * restored in place, so buf must be writable).
 */
uint64_t client_tag(const uint8_t key[CLIENT_KEY_LEN], uint8_t *buf,
		size_t len, size_t auth_off);

/*
 * Strip the blocks of a parsed client datagram in place: the plain
 * message (flags 0, or RUMOR_F_ACK if it had it) moves to buf[0..);
 * returns its length.
 */
size_t client_frame_strip(uint8_t *buf, size_t len,
		const struct client_frame *f);

/*
 * Client side: wrap the plain message in buf (len bytes, cap bytes of
 * room) with a CRED block (token not NULL: cookie, or NULL for zeros,
 * and the token) and/or an AUTH block (key not NULL: stamp, tag). Returns
 * the new length, or 0 if it does not fit or the message is not a
 * client's (flags 0, or RUMOR_F_ACK on a PUBLISH).
 */
size_t client_frame_wrap(uint8_t *buf, size_t len, size_t cap,
		const uint8_t *cookie, const uint8_t *token, size_t token_len,
		const uint8_t *key, uint64_t stamp);

/* A cookie for a client at ip:port (network order), slot. */
void client_cookie_make(const uint8_t secret[CLIENT_SECRET_LEN], uint32_t ip,
		uint16_t port, uint32_t slot, uint8_t out[CLIENT_COOKIE_LEN]);

/* True if c is this node's cookie for ip:port of now_slot or the one
 * before. */
bool client_cookie_check(const uint8_t secret[CLIENT_SECRET_LEN], uint32_t ip,
		uint16_t port, uint32_t now_slot,
		const uint8_t c[CLIENT_COOKIE_LEN]);

/*
 * COOKIE: encode an answer to the request req (a client datagram of
 * req_len bytes, parsed) into buf; returns its length, or 0 if it would
 * be longer than the request or cap.
 */
size_t client_cookie_msg(const uint8_t *req, size_t req_len, uint32_t origin,
		const uint8_t cookie[CLIENT_COOKIE_LEN], uint8_t *buf,
		size_t cap);

/* Client side: decode a COOKIE; its request id and cookie. 0 or -1. */
int client_cookie_msg_decode(const uint8_t *buf, size_t len, uint64_t *seq,
		uint8_t cookie[CLIENT_COOKIE_LEN]);

/*
 * Node side: add a session block to the SUB_ACK in buf (len bytes, cap of
 * room); the new length, or 0. Client side: take it out again (the
 * SUB_ACK becomes plain); 1 if there was one, 0 if not, -1 if malformed.
 */
size_t client_ack_add_session(uint8_t *buf, size_t len, size_t cap,
		const uint8_t key[CLIENT_KEY_LEN], uint32_t lifetime_s);
int client_ack_take_session(uint8_t *buf, size_t *len,
		uint8_t key[CLIENT_KEY_LEN], uint32_t *lifetime_s);

/*
 * Replay window of a session: the highest stamp seen and a bitmap of the
 * 64 below it. true (and the stamp recorded) if stamp is new.
 */
struct client_replay {
	uint64_t top;
	uint64_t bits;
};

bool client_replay_check(struct client_replay *r, uint64_t stamp);

#endif /* RUMOR_CLIENT_AUTH_H */
