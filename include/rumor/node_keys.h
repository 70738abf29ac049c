/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Node credentials: each node's own Ed25519 key pair, the cluster's
 * roster of public keys, and the keys each ordered pair of nodes derives
 * from them (docs/security.md, "Node credentials").
 *
 * The node key file (config key node_key, mode 0600 or stricter):
 *
 *   # comments and blank lines are ignored
 *   id 3
 *   secret <128 hex digits: the Ed25519 secret key (seed and public key)>
 *
 * The roster file (config key roster): one line per key,
 *
 *   <node id> <64 hex digits: an Ed25519 public key>
 *
 * with at most NODE_ROSTER_KEYS lines per node id (the old and the new
 * key while a node's key is rotated). A node is revoked by removing its
 * lines; both programs read the roster again on SIGHUP.
 *
 * Pair keys. For nodes a and b with X25519 keys converted from their
 * Ed25519 keys, s = X25519(a, b) is known to a and b only. The key of the
 * direction a -> b for purpose P is BLAKE2b keyed by s over
 * "rumor P v1" || a || b || xpk(a) || xpk(b) (ids as big-endian u32), so
 * every direction and every purpose has its own key, and a message that
 * verifies under the a -> b key was written by a (or by b itself).
 */
#ifndef RUMOR_NODE_KEYS_H
#define RUMOR_NODE_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NODE_PK_LEN 32u			/* Ed25519 public key. */
#define NODE_SK_LEN 64u			/* Ed25519 secret key. */
#define NODE_XK_LEN 32u			/* X25519 key. */
#define NODE_ROSTER_KEYS 2u		/* Keys one node id may have. */
#define NODE_ROSTER_MAX 4096u		/* Node ids in a roster. */
#define NODE_DP_KEY_LEN 16u		/* SipHash-2-4 key (dataplane). */
#define NODE_CTL_KEY_LEN 32u		/* XChaCha20-Poly1305 key (control). */

/* This node's identity. */
struct node_key {
	uint32_t id;
	uint8_t pk[NODE_PK_LEN];
	uint8_t sk[NODE_SK_LEN];
	uint8_t xpk[NODE_XK_LEN];
	uint8_t xsk[NODE_XK_LEN];
};

/* One node of the roster and its keys, newest last. */
struct roster_node {
	uint32_t id;
	uint32_t n;			/* 1 .. NODE_ROSTER_KEYS. */
	uint8_t pk[NODE_ROSTER_KEYS][NODE_PK_LEN];
	uint8_t xpk[NODE_ROSTER_KEYS][NODE_XK_LEN];
};

struct roster {
	uint32_t n;
	struct roster_node *node;	/* Sorted by id. */
};

/* The keys of one direction between two nodes. */
struct pair_keys {
	uint8_t dp[NODE_DP_KEY_LEN];	/* Dataplane tags. */
	uint8_t ctl[NODE_CTL_KEY_LEN];	/* Sealed control messages. */
};

/*
 * Parse a node key file (len bytes of text). On error returns -1 and
 * writes "NAME:LINE: what is wrong" to err. The public key is checked
 * against the secret key.
 */
int node_key_parse(const char *text, size_t len, const char *name,
		struct node_key *out, char *err, size_t errlen);

/* Read and parse a node key file; one readable by others is refused. */
int node_key_load(const char *path, struct node_key *out, char *err,
		size_t errlen);

/* A new random key pair for node id (not 0). */
int node_key_generate(uint32_t id, struct node_key *out);

/*
 * The file text of k (with a comment naming the node), NUL-terminated:
 * the length written, or -1 if len is too small.
 */
int node_key_format(const struct node_key *k, char *buf, size_t len);

/* Wipe the secret parts of k. */
void node_key_wipe(struct node_key *k);

/* Parse a roster (len bytes of text); -1 with "NAME:LINE: ..." in err. */
int roster_parse(const char *text, size_t len, const char *name,
		struct roster *out, char *err, size_t errlen);

/* Read and parse a roster file. */
int roster_load(const char *path, struct roster *out, char *err,
		size_t errlen);

void roster_free(struct roster *r);

/* The roster's entry for node id, or NULL. */
const struct roster_node *roster_find(const struct roster *r, uint32_t id);

/* The roster line of (id, pk) with its newline, NUL-terminated. */
int roster_format_line(uint32_t id, const uint8_t pk[NODE_PK_LEN],
		char *buf, size_t len);

/*
 * Roster text without node id's lines: all of them (revocation), or only
 * the first, its oldest key (retiring it after a rotation). Comments,
 * blank lines and other nodes' lines stay as they are. The new text is
 * *out (*out_len bytes, NUL-terminated; free() it). Returns the number
 * of lines removed, or -1 when out of memory.
 */
int roster_text_remove(const char *text, size_t len, uint32_t id,
		bool oldest_only, char **out, size_t *out_len);

/*
 * The keys of both directions between self and peer (peer's X25519 key
 * xpk): to_peer for what self sends, from_peer for what it receives.
 * -1 if the peer's key is degenerate (a small-order point).
 */
int pair_keys_derive(const struct node_key *self, uint32_t peer_id,
		const uint8_t xpk[NODE_XK_LEN], struct pair_keys *to_peer,
		struct pair_keys *from_peer);

/* Compare two byte strings in time independent of their contents. */
bool node_keys_equal(const void *a, const void *b, size_t len);

#endif /* RUMOR_NODE_KEYS_H */
