/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sealed envelope of control messages (include/rumor/seal.h).
 *
 * seal_open decides in a fixed order, and the first failure is the
 * verdict: the lengths and every clear header field (no key is touched
 * for a datagram that could never be authentic), then the label tag,
 * then each key of the ring, primary first, and only for an authentic
 * message the replay window of its sender. Plaintext goes to a scratch
 * buffer inside the sealer and reaches the caller's buffer only once it
 * is known authentic and fresh, so a failed key never writes over a body
 * that aliases the datagram.
 *
 * The replay state is an open-addressing hash table keyed by sender id
 * (linear probing, a power of two of slots, at most half of them used),
 * one for bound messages and one for unbound ones. Only authentic
 * messages add senders, so its size is bounded by the nodes that hold a
 * key, not by what arrives on the wire.
 *
 * With node credentials, the pair keys of every roster node are derived
 * when the credentials are set (seal_set_creds), never on a datagram's
 * demand: a forged sender id costs a binary search, and opening costs
 * at most SEAL_KEYS_MAX x NODE_ROSTER_KEYS x 2 AEAD tries (the last factor
 * only while this node rotates its own key), each behind a BLAKE2b.
 *
 * A sealer belongs to one thread; nothing here locks.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "rumor/bytes.h"
#include "rumor/key_file.h"
#include "rumor/node_keys.h"
#include "rumor/seal.h"

/* Offsets of the fields of the clear header. */
enum seal_off {
	SEAL_OFF_MAGIC = 0,
	SEAL_OFF_VERSION = 2,
	SEAL_OFF_TYPE = 3,
	SEAL_OFF_PROTO = 4,
	SEAL_OFF_RESERVED = 5,
	SEAL_OFF_BODY_LEN = 6,
	SEAL_OFF_LABEL_TAG = 8,
	SEAL_OFF_SENDER = 16,
	SEAL_OFF_RECEIVER = 20,
	SEAL_OFF_BOOT = 24,
	SEAL_OFF_COUNTER = 32,
	SEAL_OFF_BODY = 40,
};

#define SEAL_LABEL_TAG_LEN 8u
#define SEAL_NONCE_OFF SEAL_OFF_SENDER
#define SEAL_WINDOW_WORDS (SEAL_WINDOW / 64u)
#define SEAL_PEERS_MIN 16u		/* Slots of the first replay table. */
#define SEAL_KEYRING_FILE_MAX 65536	/* Bytes; far more than a keyring. */

_Static_assert(SEAL_OFF_BODY == SEAL_HDR_LEN,
		"the clear header is SEAL_HDR_LEN bytes");
_Static_assert(SEAL_HDR_LEN - SEAL_NONCE_OFF ==
		crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
		"sender, receiver, boot and counter are the whole nonce");
_Static_assert(SEAL_KEY_LEN == crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
		"a ring key is an XChaCha20-Poly1305 key");
_Static_assert(SEAL_TAG_LEN == crypto_aead_xchacha20poly1305_ietf_ABYTES,
		"the tag is the Poly1305 tag");
_Static_assert(SEAL_BODY_MAX <= UINT16_MAX, "body_len fits its field");
_Static_assert(SEAL_WINDOW % 64u == 0, "the window is whole words");

/* What this node has accepted from one sender. */
struct seal_peer {
	uint32_t id;		/* The sender; 0 marks a free slot. */
	uint64_t boot;		/* Its newest boot seen. */
	uint64_t top;		/* Its highest counter in that boot. */
	/* Bit d - 1 set: counter top - d seen, for d in 1..SEAL_WINDOW. */
	uint64_t seen[SEAL_WINDOW_WORDS];
};

/* One replay table: sender id -> its window. */
struct seal_replay {
	struct seal_peer *peers;	/* NULL until needed. */
	uint32_t cap;			/* Slots: 0 or a power of two. */
	uint32_t shift;			/* 32 - log2(cap). */
	uint32_t n;			/* Slots in use. */
};

#define SEAL_OWN_KEYS 2u	/* This node's key, and its previous one. */

/* The control keys between this node and one other node of the roster. */
struct seal_pair {
	uint32_t id;
	uint32_t n;			/* Its roster keys, 1 .. 2. */
	/* This node -> it, to its oldest roster key. */
	uint8_t to[NODE_CTL_KEY_LEN];
	/* It -> this node: [own key][its key]. */
	uint8_t from[SEAL_OWN_KEYS][NODE_ROSTER_KEYS][NODE_CTL_KEY_LEN];
};

struct seal {
	struct seal_keyring keys;
	uint8_t label[SEAL_LABEL_MAX];
	size_t label_len;
	uint8_t label_tag[SEAL_LABEL_TAG_LEN];
	uint32_t self_id;
	uint64_t boot;
	uint64_t counter;		/* The last counter sealed, or 0. */
	struct seal_replay bound;	/* Replay state of bound messages... */
	struct seal_replay unbound;	/* ...and of the others. */
	struct seal_pair *pairs;	/* Sorted by id; NULL: no credentials. */
	uint32_t n_pairs;
	uint32_t n_own;			/* This node's keys: 1 or 2. */
	bool last_bound;		/* What seal_opened_bound says. */
	uint64_t (*now_us)(void);	/* The wall clock. */
	struct seal_stats stats;
	uint8_t scratch[SEAL_BODY_MAX];	/* Plaintext not yet accepted. */
};

RUMOR_ENUM_NAME_FN(seal_verdict_name, enum seal_verdict, SEAL_VERDICTS,
		SEAL_VERDICT_MAX, "?")

/* Write "fmt ..." to err when the caller gave room for it. */
static void __attribute__((format(printf, 3, 4)))
seal_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static bool
seal_ring_valid(const struct seal_keyring *keys)
{
	return keys != NULL && keys->n >= 1 && keys->n <= SEAL_KEYS_MAX;
}

static int
seal_hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool
seal_is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

int
seal_keyring_parse(const char *text, size_t len, const char *name,
		struct seal_keyring *out, char *err, size_t errlen)
{
	struct seal_keyring ring;
	unsigned int key_line[SEAL_KEYS_MAX];
	unsigned int line = 0;
	size_t pos = 0;
	int rc = -1;

	if (name == NULL)
		name = "keyring";
	sodium_memzero(&ring, sizeof(ring));
	while (pos < len) {
		const char *bol = text + pos, *start, *end, *hash;
		uint8_t *key;
		size_t n;

		line++;
		end = memchr(bol, '\n', len - pos);
		if (end == NULL)
			end = text + len;
		pos = (size_t)(end - text) + (end < text + len ? 1 : 0);

		/* A comment runs to the end of its line. */
		hash = memchr(bol, '#', (size_t)(end - bol));
		if (hash != NULL)
			end = hash;
		start = bol;
		while (start < end && seal_is_blank((unsigned char)*start))
			start++;
		while (end > start && seal_is_blank((unsigned char)end[-1]))
			end--;
		n = (size_t)(end - start);
		if (n == 0)
			continue;

		for (const char *c = start; c < end; c++) {
			if (seal_hex_value((unsigned char)*c) < 0) {
				seal_err(err, errlen, "%s:%u: column %zu is "
						"not a hex digit (a key is "
						"%u hex digits)", name, line,
						(size_t)(c - bol) + 1,
						2 * SEAL_KEY_LEN);
				goto out;
			}
		}
		if (n != 2 * SEAL_KEY_LEN) {
			seal_err(err, errlen, "%s:%u: %zu hex digits; a key is "
					"%u", name, line, n, 2 * SEAL_KEY_LEN);
			goto out;
		}
		if (ring.n == SEAL_KEYS_MAX) {
			seal_err(err, errlen, "%s:%u: more than %u keys",
					name, line, SEAL_KEYS_MAX);
			goto out;
		}
		key = ring.key[ring.n];
		for (size_t i = 0; i < SEAL_KEY_LEN; i++) {
			const unsigned char *h =
					(const unsigned char *)start + 2 * i;

			key[i] = (uint8_t)(seal_hex_value(h[0]) << 4 |
					seal_hex_value(h[1]));
		}
		for (unsigned int j = 0; j < ring.n; j++) {
			if (memcmp(ring.key[j], key, SEAL_KEY_LEN) == 0) {
				seal_err(err, errlen, "%s:%u: the same key as "
						"line %u", name, line,
						key_line[j]);
				goto out;
			}
		}
		key_line[ring.n++] = line;
	}
	if (ring.n == 0) {
		seal_err(err, errlen, "%s:%u: no key (a keyring holds 1 to %u "
				"keys, one per line as %u hex digits)", name,
				line > 0 ? line : 1, SEAL_KEYS_MAX,
				2 * SEAL_KEY_LEN);
		goto out;
	}
	memcpy(out, &ring, sizeof(ring));
	rc = 0;
out:
	sodium_memzero(&ring, sizeof(ring));
	return rc;
}

int
seal_keyring_load(const char *path, struct seal_keyring *out,
		char *err, size_t errlen)
{
	char *buf;
	size_t len;
	int rc;

	if (key_file_read(path, SEAL_KEYRING_FILE_MAX, true,
			"the cluster keys", &buf, &len, err, errlen) < 0)
		return -1;
	rc = seal_keyring_parse(buf, len, path, out, err, errlen);
	key_file_free(buf, len);
	return rc;
}

int
seal_key_generate(char hex[2 * SEAL_KEY_LEN + 1])
{
	uint8_t key[SEAL_KEY_LEN];

	if (sodium_init() < 0)
		return -1;
	randombytes_buf(key, sizeof(key));
	sodium_bin2hex(hex, 2 * SEAL_KEY_LEN + 1, key, sizeof(key));
	sodium_memzero(key, sizeof(key));
	return 0;
}

static uint64_t
seal_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

struct seal *
seal_new(const struct seal_keyring *keys, const char *label,
		uint32_t self_id, uint64_t boot)
{
	uint8_t digest[crypto_generichash_BYTES];
	struct seal *s;
	size_t label_len;

	_Static_assert(crypto_generichash_BYTES == 32,
			"the label tag comes from BLAKE2b-256");
	if (!seal_ring_valid(keys) || label == NULL || self_id == 0)
		return NULL;
	label_len = strnlen(label, SEAL_LABEL_MAX + 1);
	if (label_len > SEAL_LABEL_MAX)
		return NULL;
	/* Idempotent and thread-safe: 1 means already initialised. */
	if (sodium_init() < 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	memcpy(&s->keys, keys, sizeof(*keys));
	memcpy(s->label, label, label_len);
	s->label_len = label_len;
	crypto_generichash(digest, sizeof(digest), s->label, label_len,
			NULL, 0);
	memcpy(s->label_tag, digest, SEAL_LABEL_TAG_LEN);
	s->self_id = self_id;
	s->boot = boot;
	s->now_us = seal_wall_us;
	return s;
}

static void
seal_pairs_free(struct seal_pair *p, uint32_t n)
{
	if (p == NULL)
		return;
	sodium_memzero(p, (size_t)n * sizeof(*p));
	free(p);
}

void
seal_free(struct seal *s)
{
	if (s == NULL)
		return;
	sodium_memzero(&s->keys, sizeof(s->keys));
	seal_pairs_free(s->pairs, s->n_pairs);
	free(s->bound.peers);
	free(s->unbound.peers);
	sodium_memzero(s->scratch, sizeof(s->scratch));
	free(s);
}

void
seal_set_keys(struct seal *s, const struct seal_keyring *keys)
{
	/*
	 * A ring from seal_keyring_parse always holds 1 to SEAL_KEYS_MAX
	 * keys; should another one slip through, the sealer keeps the keys
	 * it has rather than be left without a primary.
	 */
	assert(seal_ring_valid(keys));
	if (!seal_ring_valid(keys))
		return;
	sodium_memzero(&s->keys, sizeof(s->keys));
	memcpy(&s->keys, keys, sizeof(*keys));
}

/* The associated data: the clear header, then the label. */
static size_t
seal_ad(const struct seal *s, const uint8_t *hdr,
		uint8_t ad[SEAL_HDR_LEN + SEAL_LABEL_MAX])
{
	memcpy(ad, hdr, SEAL_HDR_LEN);
	memcpy(ad + SEAL_HDR_LEN, s->label, s->label_len);
	return SEAL_HDR_LEN + s->label_len;
}

static int
seal_pair_cmp(const void *a, const void *b)
{
	const struct seal_pair *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* The pair keys of node id, or NULL (not in the roster, no credentials). */
static const struct seal_pair *
seal_pair_find(const struct seal *s, uint32_t id)
{
	uint32_t lo = 0, hi = s->n_pairs;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (s->pairs[mid].id == id)
			return &s->pairs[mid];
		if (s->pairs[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Whether the roster lists pk for node id. */
static bool
seal_roster_has(const struct roster *r, uint32_t id,
		const uint8_t pk[NODE_PK_LEN])
{
	const struct roster_node *e = roster_find(r, id);

	for (uint32_t i = 0; e != NULL && i < e->n; i++)
		if (node_keys_equal(e->pk[i], pk, NODE_PK_LEN))
			return true;
	return false;
}

int
seal_set_creds(struct seal *s, const struct node_key *self,
		const struct node_key *prev, const struct roster *r)
{
	const struct node_key *own[SEAL_OWN_KEYS] = { self, prev };
	struct seal_pair *pairs;
	struct pair_keys to, from;
	uint32_t n = 0, n_own = 1;

	if (self == NULL || r == NULL || self->id != s->self_id ||
			!seal_roster_has(r, self->id, self->pk))
		return -1;
	if (prev != NULL && prev->id == self->id &&
			!node_keys_equal(prev->pk, self->pk, NODE_PK_LEN) &&
			seal_roster_has(r, prev->id, prev->pk))
		n_own = 2;
	pairs = calloc(r->n > 0 ? r->n : 1, sizeof(*pairs));
	if (pairs == NULL)
		return -1;
	for (uint32_t i = 0; i < r->n; i++) {
		const struct roster_node *e = &r->node[i];
		struct seal_pair *p = &pairs[n];

		if (e->id == s->self_id)
			continue;
		p->id = e->id;
		p->n = e->n;
		for (uint32_t o = 0; o < n_own; o++) {
			for (uint32_t k = 0; k < e->n; k++) {
				if (pair_keys_derive(own[o], e->id, e->xpk[k],
						&to, &from) < 0)
					goto fail;
				if (o == 0 && k == 0)
					memcpy(p->to, to.ctl, sizeof(p->to));
				memcpy(p->from[o][k], from.ctl,
						sizeof(p->from[o][k]));
			}
		}
		n++;
	}
	sodium_memzero(&to, sizeof(to));
	sodium_memzero(&from, sizeof(from));
	/* The roster is sorted already; sorting again costs nothing. */
	qsort(pairs, n, sizeof(*pairs), seal_pair_cmp);
	seal_pairs_free(s->pairs, s->n_pairs);
	s->pairs = pairs;
	s->n_pairs = n;
	s->n_own = n_own;
	s->stats.creds_loaded++;
	return 0;
fail:
	sodium_memzero(&to, sizeof(to));
	sodium_memzero(&from, sizeof(from));
	seal_pairs_free(pairs, r->n > 0 ? r->n : 1);
	return -1;
}

bool
seal_has_creds(const struct seal *s)
{
	return s->pairs != NULL;
}

void
seal_set_clock(struct seal *s, uint64_t (*now_us)(void))
{
	s->now_us = now_us != NULL ? now_us : seal_wall_us;
}

/* The AEAD key of a pair under one ring key. */
static void
seal_pair_key(const uint8_t ring_key[SEAL_KEY_LEN],
		const uint8_t ctl[NODE_CTL_KEY_LEN], uint8_t out[SEAL_KEY_LEN])
{
	static const char domain[] = "rumor seal pair v1";
	crypto_generichash_state st;

	crypto_generichash_init(&st, ring_key, SEAL_KEY_LEN, SEAL_KEY_LEN);
	crypto_generichash_update(&st, (const uint8_t *)domain,
			sizeof(domain) - 1);
	crypto_generichash_update(&st, ctl, NODE_CTL_KEY_LEN);
	crypto_generichash_final(&st, out, SEAL_KEY_LEN);
	sodium_memzero(&st, sizeof(st));
}

/*
 * body may be out + SEAL_HDR_LEN (sealing in place): the header is built
 * aside and copied last. Otherwise body and out must not overlap.
 */
size_t
seal_wrap_to(struct seal *s, uint8_t proto, uint32_t to, const uint8_t *body,
		size_t len, uint8_t *out, size_t cap)
{
	uint8_t hdr[SEAL_HDR_LEN];
	uint8_t ad[SEAL_HDR_LEN + SEAL_LABEL_MAX];
	uint8_t pkey[SEAL_KEY_LEN];
	const uint8_t *key = s->keys.key[0];
	unsigned long long clen;
	uint64_t counter = s->counter + 1;
	size_t adlen;
	int rc;

	if (proto == 0 || proto >= SEAL_P_MAX || len > SEAL_BODY_MAX ||
			cap < SEAL_OVERHEAD + len || (body == NULL && len > 0))
		return 0;
	if (s->pairs == NULL)
		to = 0;		/* No credentials: the cluster key. */
	if (to != 0) {
		const struct seal_pair *p = seal_pair_find(s, to);

		if (p == NULL)
			return 0;
		seal_pair_key(s->keys.key[0], p->to, pkey);
		key = pkey;
	}
	memset(hdr, 0, sizeof(hdr));
	rumor_put16(hdr + SEAL_OFF_MAGIC, RUMOR_MAGIC);
	hdr[SEAL_OFF_VERSION] = RUMOR_VERSION;
	hdr[SEAL_OFF_TYPE] = RUMOR_T_CONTROL;
	hdr[SEAL_OFF_PROTO] = proto;
	rumor_put16(hdr + SEAL_OFF_BODY_LEN, (uint16_t)len);
	memcpy(hdr + SEAL_OFF_LABEL_TAG, s->label_tag, SEAL_LABEL_TAG_LEN);
	rumor_put32(hdr + SEAL_OFF_SENDER, s->self_id);
	rumor_put32(hdr + SEAL_OFF_RECEIVER, to);
	rumor_put64(hdr + SEAL_OFF_BOOT, s->boot);
	rumor_put64(hdr + SEAL_OFF_COUNTER, counter);
	adlen = seal_ad(s, hdr, ad);

	rc = crypto_aead_xchacha20poly1305_ietf_encrypt(out + SEAL_OFF_BODY,
			&clen, body, len, ad, adlen, NULL,
			hdr + SEAL_NONCE_OFF, key);
	sodium_memzero(pkey, sizeof(pkey));
	if (rc != 0 || clen != len + SEAL_TAG_LEN)
		return 0;
	memcpy(out, hdr, SEAL_HDR_LEN);
	s->counter = counter;
	s->stats.sealed++;
	return SEAL_OVERHEAD + len;
}

size_t
seal_wrap(struct seal *s, uint8_t proto, const uint8_t *body,
		size_t len, uint8_t *out, size_t cap)
{
	return seal_wrap_to(s, proto, 0, body, len, out, cap);
}

/*
 * Everything that can be checked without a key. A body buffer too small
 * for this datagram's body (cap is meant to be SEAL_BODY_MAX) makes it
 * malformed too, rather than overrun.
 */
static bool
seal_header_valid(const uint8_t *in, size_t len, size_t cap)
{
	size_t body_len;

	if (len < SEAL_OVERHEAD || len > RUMOR_DATAGRAM_MAX)
		return false;
	body_len = rumor_get16(in + SEAL_OFF_BODY_LEN);
	return rumor_get16(in + SEAL_OFF_MAGIC) == RUMOR_MAGIC &&
			in[SEAL_OFF_VERSION] == RUMOR_VERSION &&
			in[SEAL_OFF_TYPE] == RUMOR_T_CONTROL &&
			in[SEAL_OFF_PROTO] != 0 &&
			in[SEAL_OFF_PROTO] < SEAL_P_MAX &&
			in[SEAL_OFF_RESERVED] == 0 &&
			rumor_get32(in + SEAL_OFF_SENDER) != 0 &&
			SEAL_OVERHEAD + body_len == len &&
			body_len <= cap;
}

/* Whether key opens in into s->scratch. */
static bool
seal_try_key(struct seal *s, const uint8_t *in, size_t len,
		const uint8_t *ad, size_t adlen, const uint8_t *key)
{
	unsigned long long mlen;

	return crypto_aead_xchacha20poly1305_ietf_decrypt(s->scratch, &mlen,
			NULL, in + SEAL_OFF_BODY, len - SEAL_HDR_LEN, ad, adlen,
			in + SEAL_NONCE_OFF, key) == 0 &&
			mlen == len - SEAL_OVERHEAD;
}

/*
 * The ring key that opens in into s->scratch: its index, or -1. With a
 * pair p, each ring key is tried with each of p's keys (and this node's
 * previous key): at most SEAL_KEYS_MAX x NODE_ROSTER_KEYS x SEAL_OWN_KEYS.
 */
static int
seal_try_keys(struct seal *s, const uint8_t *in, size_t len,
		const struct seal_pair *p)
{
	uint8_t ad[SEAL_HDR_LEN + SEAL_LABEL_MAX];
	size_t adlen = seal_ad(s, in, ad);
	uint8_t pkey[SEAL_KEY_LEN];
	int found = -1;

	for (unsigned int i = 0; i < s->keys.n && found < 0; i++) {
		if (p == NULL) {
			if (seal_try_key(s, in, len, ad, adlen,
					s->keys.key[i]))
				found = (int)i;
			continue;
		}
		for (uint32_t o = 0; o < s->n_own && found < 0; o++) {
			for (uint32_t k = 0; k < p->n && found < 0; k++) {
				seal_pair_key(s->keys.key[i], p->from[o][k],
						pkey);
				if (seal_try_key(s, in, len, ad, adlen, pkey))
					found = (int)i;
			}
		}
	}
	sodium_memzero(pkey, sizeof(pkey));
	return found;
}

static inline uint32_t
seal_peer_slot(const struct seal_replay *t, uint32_t id)
{
	/* Fibonacci hashing: ids are often consecutive. */
	return (uint32_t)(id * 0x9e3779b9u) >> t->shift;
}

/* The slot of sender id, or the free slot where it would go. */
static struct seal_peer *
seal_peer_probe(const struct seal_replay *t, uint32_t id)
{
	uint32_t mask = t->cap - 1;
	uint32_t i = seal_peer_slot(t, id);

	while (t->peers[i].id != id && t->peers[i].id != 0)
		i = (i + 1) & mask;
	return &t->peers[i];
}

/* Double the replay table (or make the first one). -1 without memory. */
static int
seal_peers_grow(struct seal_replay *t)
{
	uint32_t cap = t->cap != 0 ? t->cap * 2 : SEAL_PEERS_MIN;
	struct seal_peer *old = t->peers;
	uint32_t old_cap = t->cap;
	uint32_t shift = 32;

	if (cap < t->cap)
		return -1;
	for (uint32_t c = cap; c > 1; c >>= 1)
		shift--;
	t->peers = calloc(cap, sizeof(*t->peers));
	if (t->peers == NULL) {
		t->peers = old;
		return -1;
	}
	t->cap = cap;
	t->shift = shift;
	for (uint32_t i = 0; i < old_cap; i++)
		if (old[i].id != 0)
			*seal_peer_probe(t, old[i].id) = old[i];
	free(old);
	return 0;
}
/* Move the window of p forward by n counters (n >= 1). */
static void
seal_window_advance(struct seal_peer *p, uint64_t n)
{
	unsigned int words, bits;
	uint64_t d;

	if (n > SEAL_WINDOW) {
		memset(p->seen, 0, sizeof(p->seen));
		return;
	}
	words = (unsigned int)(n / 64);
	bits = (unsigned int)(n % 64);
	for (unsigned int i = SEAL_WINDOW_WORDS; i-- > 0;) {
		uint64_t v = 0;

		if (i >= words) {
			v = p->seen[i - words] << bits;
			if (bits != 0 && i > words)
				v |= p->seen[i - words - 1] >> (64 - bits);
		}
		p->seen[i] = v;
	}
	/* The old top is now n behind the new one. */
	d = n - 1;
	p->seen[d / 64] |= 1ull << (d % 64);
}

/*
 * Whether (boot, counter) is news from p; if so, remember it. A newer
 * boot starts a fresh window; an older one is a replay whatever its
 * counter.
 */
static bool
seal_window_accept(struct seal_peer *p, uint64_t boot, uint64_t counter)
{
	uint64_t d, bit;

	if (boot < p->boot)
		return false;
	if (boot > p->boot) {
		p->boot = boot;
		p->top = counter;
		memset(p->seen, 0, sizeof(p->seen));
		return true;
	}
	if (counter > p->top) {
		seal_window_advance(p, counter - p->top);
		p->top = counter;
		return true;
	}
	d = p->top - counter;
	if (d == 0 || d > SEAL_WINDOW)
		return false;
	bit = d - 1;
	if ((p->seen[bit / 64] & (1ull << (bit % 64))) != 0)
		return false;
	p->seen[bit / 64] |= 1ull << (bit % 64);
	return true;
}

/*
 * The replay decision for an authentic message. A sender seen for the
 * first time gets a slot; without memory for one, its message is refused
 * as a replay, since accepting it unrecorded would let it be replayed.
 */
static bool
seal_fresh(struct seal_replay *t, uint32_t sender, uint64_t boot,
		uint64_t counter)
{
	struct seal_peer *p = NULL;

	if (t->cap != 0) {
		p = seal_peer_probe(t, sender);
		if (p->id == sender)
			return seal_window_accept(p, boot, counter);
	}
	/* A new sender: keep at least half the slots free if we can. */
	if ((t->n + 1) * 2 > t->cap && seal_peers_grow(t) == 0)
		p = seal_peer_probe(t, sender);
	/* Without memory, while a slot besides this one is left, go on. */
	if (p == NULL || t->n + 1 >= t->cap)
		return false;
	assert(p->id == 0);
	memset(p, 0, sizeof(*p));
	p->id = sender;
	p->boot = boot;
	p->top = counter;
	t->n++;
	return true;
}

static enum seal_verdict
seal_refuse(struct seal *s, enum seal_verdict v)
{
	s->stats.refused[v]++;
	return v;
}

enum seal_verdict
seal_open(struct seal *s, const uint8_t *in, size_t len, uint8_t *proto,
		uint32_t *sender, uint8_t *body, size_t cap,
		size_t *body_len)
{
	const struct seal_pair *pair = NULL;
	uint32_t from, to;
	uint64_t boot, counter;
	size_t n;
	int key;

	s->last_bound = false;
	if (!seal_header_valid(in, len, cap))
		return seal_refuse(s, SEAL_MALFORMED);
	if (memcmp(in + SEAL_OFF_LABEL_TAG, s->label_tag,
			SEAL_LABEL_TAG_LEN) != 0)
		return seal_refuse(s, SEAL_WRONG_LABEL);
	from = rumor_get32(in + SEAL_OFF_SENDER);
	to = rumor_get32(in + SEAL_OFF_RECEIVER);
	if (to != 0 && (s->pairs == NULL || to != s->self_id))
		return seal_refuse(s, SEAL_WRONG_RECEIVER);
	/* A revoked node may not even join. */
	if (s->pairs != NULL) {
		pair = seal_pair_find(s, from);
		if (pair == NULL && from != s->self_id)
			return seal_refuse(s, SEAL_UNKNOWN_SENDER);
	}
	key = seal_try_keys(s, in, len, to != 0 ? pair : NULL);
	if (key < 0)
		return seal_refuse(s, SEAL_FORGED);
	boot = rumor_get64(in + SEAL_OFF_BOOT);
	counter = rumor_get64(in + SEAL_OFF_COUNTER);
	/*
	 * A boot far ahead of our clock would make every later message of
	 * its sender look old: refused, so that one message cannot lock a
	 * sender out (docs/control.md, "Boot numbers").
	 */
	if (boot > s->now_us() + SEAL_BOOT_SKEW_US)
		return seal_refuse(s, SEAL_FUTURE_BOOT);
	/*
	 * This node's own message, sent back to it (a reflection, or a
	 * loop): seen before by definition, and no other node may use
	 * this node's id.
	 */
	if (from == s->self_id || !seal_fresh(to != 0 ? &s->bound :
			&s->unbound, from, boot, counter))
		return seal_refuse(s, SEAL_REPLAYED);

	n = len - SEAL_OVERHEAD;
	*proto = in[SEAL_OFF_PROTO];
	*sender = from;
	*body_len = n;
	if (n > 0)
		memcpy(body, s->scratch, n);
	sodium_memzero(s->scratch, n);
	s->last_bound = to != 0;
	s->stats.opened++;
	if (key > 0)
		s->stats.opened_old_key++;
	if (s->pairs != NULL && to == 0)
		s->stats.opened_unbound++;
	return SEAL_OK;
}

bool
seal_opened_bound(const struct seal *s)
{
	return s->last_bound;
}

const struct seal_stats *
seal_stats(const struct seal *s)
{
	return &s->stats;
}
