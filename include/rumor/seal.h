/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sealed envelope of control messages between nodes (membership and
 * Raft, later state transfer): authenticated encryption with a cluster
 * key (XChaCha20-Poly1305 from libsodium), a keyring for key rotation, a
 * cluster label, and a replay window per sender.
 *
 * On the wire, as the UDP payload (network byte order):
 *
 *   0  u16 magic (RUMOR_MAGIC)      2  u8 version (RUMOR_VERSION)
 *   3  u8  type (RUMOR_T_CONTROL)   4  u8 proto (enum seal_proto)
 *   5  u8  reserved (0)             6  u16 body_len (plaintext bytes)
 *   8  u64 label_tag: the first 8 bytes of BLAKE2b-256(label)
 *  16  u32 sender node id (non-zero)
 *  20  u32 receiver node id: 0 when sealed with the cluster key alone
 *      (no node credentials, or a receiver whose id is not known yet)
 *  24  u64 boot: the sender's boot number; grows with every start
 *  32  u64 counter: the sender's message counter in this boot (from 1)
 *  40  body_len bytes of ciphertext, then a 16-byte tag
 *
 * The nonce is bytes 16..39 (sender, receiver, boot, counter): unique per
 * key as long as a sender never reuses a (boot, counter) pair, which the
 * boot number guarantees (it grows with every start: control/boot.c).
 * The associated data is bytes 0..39 followed by the label itself, so
 * the header and the label are authenticated as well.
 *
 * Node credentials (seal_set_creds, include/rumor/node_keys.h): a
 * message from a to b (receiver b) is sealed with
 *
 *   K(a -> b) = BLAKE2b-256(key: ring key, "rumor seal pair v1" ||
 *                           pair_keys(a -> b).ctl)
 *
 * which only a and b can compute: b opens it only with the keys of the
 * sender the header names, so a key holder cannot seal as another node.
 * The sender seals to the receiver's oldest roster key; the receiver
 * tries each ring key x each roster key of the sender (x its own
 * previous key while it rotates its own). A message with receiver 0 is
 * sealed with the ring key alone ("unbound"): it proves membership only
 * and seal_opened_bound() says so; the caller decides what it may carry.
 *
 * Receiving: wrong label tag -> SEAL_WRONG_LABEL; no key of the ring
 * opens it -> SEAL_FORGED; with credentials, a sender not in the roster
 * -> SEAL_UNKNOWN_SENDER and a receiver other than this node or 0 ->
 * SEAL_WRONG_RECEIVER (without, any receiver but 0); authentic but with
 * a boot more than SEAL_BOOT_SKEW_US ahead of this node's wall clock ->
 * SEAL_FUTURE_BOOT; authentic but a (boot, counter) already seen, or
 * older than the window, or from an older boot, or this node's own
 * message sent back to it -> SEAL_REPLAYED. Only an authentic message
 * changes the replay state, so a forger cannot disturb it; bound and
 * unbound messages have replay windows of their own, so an unbound
 * message cannot make a sender's bound ones look old.
 */
#ifndef RUMOR_SEAL_H
#define RUMOR_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rumor/counters.h"
#include "rumor/enum_names.h"
#include "rumor/wire.h"

#define SEAL_KEY_LEN 32u
#define SEAL_KEYS_MAX 8u
#define SEAL_LABEL_MAX 64u
#define SEAL_HDR_LEN 40u
#define SEAL_TAG_LEN 16u
#define SEAL_OVERHEAD (SEAL_HDR_LEN + SEAL_TAG_LEN)
#define SEAL_BODY_MAX (RUMOR_DATAGRAM_MAX - SEAL_OVERHEAD)
#define SEAL_WINDOW 1024u	/* Counters accepted behind the newest. */
/* How far ahead of this node's wall clock a sender's boot may be. */
#define SEAL_BOOT_SKEW_US (600ull * 1000000u)

/* What a sealed body carries. */
enum seal_proto {
	SEAL_P_SWIM = 1,	/* A membership message (swim_wire.h). */
	SEAL_P_RAFT,		/* A Raft message in its envelope
				 * (include/rumor/raft_env.h, raft_wire.h). */
	SEAL_P_MAX
};

/* Keys: key[0] seals (the primary); every key opens. */
struct seal_keyring {
	unsigned n;
	uint8_t key[SEAL_KEYS_MAX][SEAL_KEY_LEN];
};

/*
 * Parse a keyring file: one key per line, 64 hex digits (32 bytes);
 * blank lines and '#' comments ignored; the first key is the primary.
 * 1 to SEAL_KEYS_MAX keys. On error returns -1 and writes
 * "NAME:LINE: what is wrong" to err.
 */
int seal_keyring_parse(const char *text, size_t len, const char *name,
		struct seal_keyring *out, char *err, size_t errlen);

/* Read and parse a keyring file; a file readable by others is refused. */
int seal_keyring_load(const char *path, struct seal_keyring *out,
		char *err, size_t errlen);

/* A new random key as 64 hex digits and a NUL (for rumorctl keygen). */
int seal_key_generate(char hex[2 * SEAL_KEY_LEN + 1]);

#define SEAL_VERDICTS(X)						\
	X(SEAL_OK, "ok")						\
	/* Too short, too long, bad magic/version/type, reserved	\
	 * bits, lengths. */						\
	X(SEAL_MALFORMED, "malformed")					\
	/* Another cluster's label. */					\
	X(SEAL_WRONG_LABEL, "wrong_label")				\
	/* No key of the ring authenticates it. */			\
	X(SEAL_FORGED, "forged")					\
	/* Seen before, or too old. */					\
	X(SEAL_REPLAYED, "replayed")					\
	/* A sender without a key in the roster (credentials on). */	\
	X(SEAL_UNKNOWN_SENDER, "unknown_sender")			\
	/* Sealed for another node. */					\
	X(SEAL_WRONG_RECEIVER, "wrong_receiver")			\
	/* A boot number too far in the future. */			\
	X(SEAL_FUTURE_BOOT, "future_boot")

enum seal_verdict {
	SEAL_VERDICTS(RUMOR_ENUM_VALUE)
	SEAL_VERDICT_MAX
};

/*
 * The seal's counters, one row each (counters.h), named as rumorctl stats
 * prints them; its refusals are counted by verdict besides, and printed
 * as "seal_" and the verdict's name.
 */
#define SEAL_STATS_TABLE(X)						\
	X(sealed, "seal_sealed",					\
	  "Messages this node sealed")					\
	X(opened, "seal_opened",					\
	  "Datagrams opened: authentic, new, of this cluster")		\
	X(opened_old_key, "seal_opened_old_key",			\
	  "Datagrams opened by a key other than the primary")		\
	X(opened_unbound, "seal_opened_unbound",			\
	  "Datagrams opened by the cluster key alone, credentials on")	\
	X(creds_loaded, "seal_creds_loaded",				\
	  "Node credentials taken in (start and reloads)")

struct seal_stats {
	SEAL_STATS_TABLE(COUNTERS_FIELD)
	uint64_t refused[SEAL_VERDICT_MAX];	/* By verdict (OK unused). */
};

struct seal;
struct node_key;
struct roster;

/*
 * A sealer for node self_id in the cluster of this label (may be "")
 * with these keys (copied); boot must exceed every boot this node used
 * before (control/boot.c). NULL without
 * memory, with 0 or more than SEAL_KEYS_MAX keys, a NULL label or one
 * longer than SEAL_LABEL_MAX bytes, a self_id of 0, or if libsodium
 * fails to initialise.
 */
struct seal *seal_new(const struct seal_keyring *keys, const char *label,
		uint32_t self_id, uint64_t boot);
void seal_free(struct seal *s);

/* Replace the keyring (rotation); the replay state is kept. */
void seal_set_keys(struct seal *s, const struct seal_keyring *keys);

/*
 * Node credentials: this node's key (self->id must be the sealer's id
 * and its public key in the roster), optionally its previous key while
 * it rotates (NULL or not in the roster: none), and the roster. The pair
 * keys of every node of the roster are derived now and replace the old
 * ones (a node removed from the roster is refused from now on); secrets
 * are not kept beyond them. -1 (and nothing changed) if self is not in
 * the roster, a key is degenerate, or without memory.
 */
int seal_set_creds(struct seal *s, const struct node_key *self,
		const struct node_key *prev, const struct roster *r);

/* Whether node credentials are set. */
bool seal_has_creds(const struct seal *s);

/* The wall clock in microseconds (for SEAL_FUTURE_BOOT); tests set it. */
void seal_set_clock(struct seal *s, uint64_t (*now_us)(void));

/*
 * Seal body (len bytes, at most SEAL_BODY_MAX) of protocol proto into
 * out (cap bytes), for node to: bound to the pair when credentials are
 * set and to != 0, unbound otherwise. Returns the datagram length, or 0
 * if it does not fit or to is not in the roster.
 */
size_t seal_wrap_to(struct seal *s, uint8_t proto, uint32_t to,
		const uint8_t *body, size_t len, uint8_t *out, size_t cap);

/* seal_wrap_to for a receiver not known (to = 0). */
size_t seal_wrap(struct seal *s, uint8_t proto, const uint8_t *body,
		size_t len, uint8_t *out, size_t cap);

/*
 * Open the datagram at in (len bytes). On SEAL_OK the plaintext is in
 * body (cap bytes, at least SEAL_BODY_MAX), its length in *body_len, its
 * protocol in *proto and the authenticated sender in *sender.
 */
enum seal_verdict seal_open(struct seal *s, const uint8_t *in, size_t len,
		uint8_t *proto, uint32_t *sender, uint8_t *body, size_t cap,
		size_t *body_len);

/*
 * Whether the message seal_open last opened was bound to its sender (by
 * the pair key), rather than sealed with the cluster key alone. Always
 * false without credentials.
 */
bool seal_opened_bound(const struct seal *s);

const struct seal_stats *seal_stats(const struct seal *s);
const char *seal_verdict_name(enum seal_verdict v);

#endif /* RUMOR_SEAL_H */
