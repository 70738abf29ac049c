/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Node credentials (include/rumor/node_keys.h): the node key file, the
 * roster, and the pair keys derived from them. libsodium does every
 * cryptographic step: Ed25519 keys, their conversion to X25519, the
 * X25519 exchange and BLAKE2b.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "rumor/bytes.h"
#include "rumor/key_file.h"
#include "rumor/node_keys.h"

#define NODE_KEY_FILE_MAX 4096u		/* Bytes; a key file is ~200. */
#define ROSTER_FILE_MAX (1u << 20)	/* Bytes; 4096 nodes x 2 keys fit. */

_Static_assert(NODE_PK_LEN == crypto_sign_PUBLICKEYBYTES, "Ed25519 pk");
_Static_assert(NODE_SK_LEN == crypto_sign_SECRETKEYBYTES, "Ed25519 sk");
_Static_assert(NODE_XK_LEN == crypto_scalarmult_BYTES, "X25519 key");

static void __attribute__((format(printf, 3, 4)))
nk_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* One line of a key file, comments and surrounding blanks removed. */
struct nk_line {
	const char *text;	/* The whole input. */
	size_t len;
	size_t pos;		/* Where the next line starts. */
	unsigned no;		/* Number of the line in hand, from 1. */
	const char *start;	/* Its content. */
	const char *end;
};

static bool
nk_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The next line with content; false at the end of the text. */
static bool
nk_next(struct nk_line *l)
{
	while (l->pos < l->len) {
		const char *bol = l->text + l->pos, *end, *hash;

		l->no++;
		end = memchr(bol, '\n', l->len - l->pos);
		if (end == NULL)
			end = l->text + l->len;
		l->pos = (size_t)(end - l->text) + (end < l->text + l->len);
		hash = memchr(bol, '#', (size_t)(end - bol));
		if (hash != NULL)
			end = hash;
		while (bol < end && nk_blank(*bol))
			bol++;
		while (end > bol && nk_blank(end[-1]))
			end--;
		if (end > bol) {
			l->start = bol;
			l->end = end;
			return true;
		}
	}
	return false;
}

/* Split off the next word of [*p, end): its start and length. */
static size_t
nk_word(const char **p, const char *end, const char **word)
{
	const char *s = *p, *e;

	while (s < end && nk_blank(*s))
		s++;
	e = s;
	while (e < end && !nk_blank(*e))
		e++;
	*word = s;
	*p = e;
	return (size_t)(e - s);
}

/* A node id in decimal, 1 .. UINT32_MAX. */
static bool
nk_id(const char *s, size_t n, uint32_t *id)
{
	uint64_t v = 0;

	if (n == 0 || n > 10)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v == 0 || v > UINT32_MAX)
		return false;
	*id = (uint32_t)v;
	return true;
}

/* Exactly 2 * len hex digits into out. */
static bool
nk_hex(const char *s, size_t n, uint8_t *out, size_t len)
{
	size_t got;

	return n == 2 * len && sodium_hex2bin(out, len, s, n, NULL, &got,
			NULL) == 0 && got == len;
}

/*
 * Fill k's public and X25519 keys from its secret key, which is the seed
 * and the public key: -1 if that public key is not the seed's (libsodium's
 * sk_to_pk only copies it, so the key pair is made again from the seed).
 */
static int
nk_from_sk(struct node_key *k)
{
	uint8_t seed[crypto_sign_SEEDBYTES], sk[NODE_SK_LEN];
	int rc = 0;

	crypto_sign_ed25519_sk_to_seed(seed, k->sk);
	if (crypto_sign_seed_keypair(k->pk, sk, seed) != 0 ||
			!node_keys_equal(sk, k->sk, NODE_SK_LEN) ||
			crypto_sign_ed25519_pk_to_curve25519(k->xpk, k->pk) !=
			0 || crypto_sign_ed25519_sk_to_curve25519(k->xsk,
			k->sk) != 0)
		rc = -1;
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(sk, sizeof(sk));
	return rc;
}

int
node_key_parse(const char *text, size_t len, const char *name,
		struct node_key *out, char *err, size_t errlen)
{
	struct nk_line l = { .text = text, .len = len };
	struct node_key k;
	bool have_id = false, have_secret = false;
	int rc = -1;

	if (name == NULL)
		name = "node key";
	if (sodium_init() < 0) {
		nk_err(err, errlen, "%s: libsodium cannot start", name);
		return -1;
	}
	memset(&k, 0, sizeof(k));
	while (nk_next(&l)) {
		const char *p = l.start, *w, *v;
		size_t wn = nk_word(&p, l.end, &w);
		size_t vn = nk_word(&p, l.end, &v);

		if (p != l.end || vn == 0) {
			nk_err(err, errlen, "%s:%u: expected 'id N' or "
					"'secret HEX'", name, l.no);
			goto out;
		}
		if (wn == 2 && memcmp(w, "id", 2) == 0 && !have_id) {
			if (!nk_id(v, vn, &k.id)) {
				nk_err(err, errlen, "%s:%u: a node id is 1 to "
						"4294967295", name, l.no);
				goto out;
			}
			have_id = true;
		} else if (wn == 6 && memcmp(w, "secret", 6) == 0 &&
				!have_secret) {
			if (!nk_hex(v, vn, k.sk, sizeof(k.sk))) {
				nk_err(err, errlen, "%s:%u: a secret is %u hex "
						"digits", name, l.no,
						2 * NODE_SK_LEN);
				goto out;
			}
			have_secret = true;
		} else {
			nk_err(err, errlen, "%s:%u: unknown or repeated field "
					"'%.*s'", name, l.no, (int)wn, w);
			goto out;
		}
	}
	if (!have_id || !have_secret) {
		nk_err(err, errlen, "%s: needs both 'id N' and 'secret HEX' "
				"(rumorctl cred issue writes this file)", name);
		goto out;
	}
	/* An Ed25519 secret key ends with its public key: they must agree. */
	if (nk_from_sk(&k) < 0 || !node_keys_equal(k.pk,
			k.sk + NODE_SK_LEN - NODE_PK_LEN, NODE_PK_LEN)) {
		nk_err(err, errlen, "%s: the secret is not a valid Ed25519 "
				"secret key", name);
		goto out;
	}
	memcpy(out, &k, sizeof(k));
	rc = 0;
out:
	node_key_wipe(&k);
	return rc;
}

int
node_key_load(const char *path, struct node_key *out, char *err,
		size_t errlen)
{
	char *buf;
	size_t len;
	int rc;

	if (key_file_read(path, NODE_KEY_FILE_MAX, true, "the node's secret "
			"key", &buf, &len, err, errlen) < 0)
		return -1;
	rc = node_key_parse(buf, len, path, out, err, errlen);
	key_file_free(buf, len);
	return rc;
}

int
node_key_generate(uint32_t id, struct node_key *out)
{
	if (id == 0 || sodium_init() < 0)
		return -1;
	memset(out, 0, sizeof(*out));
	out->id = id;
	if (crypto_sign_keypair(out->pk, out->sk) != 0 ||
			nk_from_sk(out) < 0) {
		node_key_wipe(out);
		return -1;
	}
	return 0;
}

int
node_key_format(const struct node_key *k, char *buf, size_t len)
{
	char hex[2 * NODE_SK_LEN + 1];
	int n;

	sodium_bin2hex(hex, sizeof(hex), k->sk, sizeof(k->sk));
	n = snprintf(buf, len, "# rumor node key of node %u: keep it mode "
			"0600, on that node only\nid %u\nsecret %s\n", k->id,
			k->id, hex);
	sodium_memzero(hex, sizeof(hex));
	return n < 0 || (size_t)n >= len ? -1 : n;
}

void
node_key_wipe(struct node_key *k)
{
	sodium_memzero(k->sk, sizeof(k->sk));
	sodium_memzero(k->xsk, sizeof(k->xsk));
}

static int
roster_cmp(const void *a, const void *b)
{
	const struct roster_node *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

int
roster_parse(const char *text, size_t len, const char *name,
		struct roster *out, char *err, size_t errlen)
{
	struct nk_line l = { .text = text, .len = len };
	struct roster r = { 0 };
	uint32_t cap = 0;

	if (name == NULL)
		name = "roster";
	if (sodium_init() < 0) {
		nk_err(err, errlen, "%s: libsodium cannot start", name);
		return -1;
	}
	while (nk_next(&l)) {
		const char *p = l.start, *w, *v;
		size_t wn = nk_word(&p, l.end, &w);
		size_t vn = nk_word(&p, l.end, &v);
		uint8_t pk[NODE_PK_LEN], xpk[NODE_XK_LEN];
		struct roster_node *e = NULL;
		uint32_t id;

		if (p != l.end || !nk_id(w, wn, &id) ||
				!nk_hex(v, vn, pk, sizeof(pk))) {
			nk_err(err, errlen, "%s:%u: expected 'ID HEX' (a node "
					"id and %u hex digits of its public "
					"key)", name, l.no, 2 * NODE_PK_LEN);
			goto fail;
		}
		if (crypto_sign_ed25519_pk_to_curve25519(xpk, pk) != 0) {
			nk_err(err, errlen, "%s:%u: not a valid Ed25519 "
					"public key", name, l.no);
			goto fail;
		}
		for (uint32_t i = 0; i < r.n; i++)
			if (r.node[i].id == id)
				e = &r.node[i];
		if (e == NULL) {
			if (r.n == NODE_ROSTER_MAX) {
				nk_err(err, errlen, "%s:%u: more than %u "
						"nodes", name, l.no,
						NODE_ROSTER_MAX);
				goto fail;
			}
			if (r.n == cap) {
				uint32_t nc = cap == 0 ? 16 : cap * 2;
				void *p2 = realloc(r.node, nc *
						sizeof(*r.node));

				if (p2 == NULL) {
					nk_err(err, errlen, "%s: out of "
							"memory", name);
					goto fail;
				}
				r.node = p2;
				cap = nc;
			}
			e = &r.node[r.n++];
			memset(e, 0, sizeof(*e));
			e->id = id;
		}
		for (uint32_t i = 0; i < e->n; i++) {
			if (memcmp(e->pk[i], pk, sizeof(pk)) == 0) {
				nk_err(err, errlen, "%s:%u: node %u has this "
						"key twice", name, l.no, id);
				goto fail;
			}
		}
		if (e->n == NODE_ROSTER_KEYS) {
			nk_err(err, errlen, "%s:%u: node %u has more than %u "
					"keys", name, l.no, id,
					NODE_ROSTER_KEYS);
			goto fail;
		}
		memcpy(e->pk[e->n], pk, sizeof(pk));
		memcpy(e->xpk[e->n], xpk, sizeof(xpk));
		e->n++;
	}
	if (r.n > 1)
		qsort(r.node, r.n, sizeof(*r.node), roster_cmp);
	*out = r;
	return 0;
fail:
	roster_free(&r);
	return -1;
}

int
roster_load(const char *path, struct roster *out, char *err, size_t errlen)
{
	char *buf;
	size_t len;
	int rc;

	if (key_file_read(path, ROSTER_FILE_MAX, false, "a roster", &buf,
			&len, err, errlen) < 0)
		return -1;
	rc = roster_parse(buf, len, path, out, err, errlen);
	key_file_free(buf, len);
	return rc;
}

void
roster_free(struct roster *r)
{
	free(r->node);
	r->node = NULL;
	r->n = 0;
}

const struct roster_node *
roster_find(const struct roster *r, uint32_t id)
{
	uint32_t lo = 0, hi = r->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (r->node[mid].id == id)
			return &r->node[mid];
		if (r->node[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int
roster_format_line(uint32_t id, const uint8_t pk[NODE_PK_LEN], char *buf,
		size_t len)
{
	char hex[2 * NODE_PK_LEN + 1];
	int n;

	sodium_bin2hex(hex, sizeof(hex), pk, NODE_PK_LEN);
	n = snprintf(buf, len, "%u %s\n", id, hex);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

/* The node id a roster line names, or 0 (comment, blank, malformed). */
static uint32_t
roster_line_id(const char *bol, const char *end)
{
	struct nk_line l = { .text = bol, .len = (size_t)(end - bol) };
	const char *p, *w;
	uint32_t id;
	size_t wn;

	if (!nk_next(&l))
		return 0;
	p = l.start;
	wn = nk_word(&p, l.end, &w);
	return nk_id(w, wn, &id) ? id : 0;
}

int
roster_text_remove(const char *text, size_t len, uint32_t id,
		bool oldest_only, char **out, size_t *out_len)
{
	char *o = malloc(len + 1);
	size_t pos = 0, n = 0;
	int removed = 0;

	if (o == NULL)
		return -1;
	while (pos < len) {
		const char *bol = text + pos;
		const char *nl = memchr(bol, '\n', len - pos);
		size_t ll = nl != NULL ? (size_t)(nl - bol) + 1 : len - pos;

		pos += ll;
		if (id != 0 && roster_line_id(bol, bol + ll) == id &&
				!(oldest_only && removed > 0)) {
			removed++;
			continue;
		}
		memcpy(o + n, bol, ll);
		n += ll;
	}
	o[n] = '\0';
	*out = o;
	*out_len = n;
	return removed;
}

/* The key of direction a -> b for purpose (a domain string). */
static void
pair_key(const uint8_t s[crypto_scalarmult_BYTES], const char *purpose,
		uint32_t a, const uint8_t xa[NODE_XK_LEN], uint32_t b,
		const uint8_t xb[NODE_XK_LEN], uint8_t *out, size_t out_len)
{
	crypto_generichash_state st;
	uint8_t ids[8];

	rumor_put32(ids, a);
	rumor_put32(ids + 4, b);
	crypto_generichash_init(&st, s, crypto_scalarmult_BYTES, out_len);
	crypto_generichash_update(&st, (const uint8_t *)purpose,
			strlen(purpose));
	crypto_generichash_update(&st, ids, sizeof(ids));
	crypto_generichash_update(&st, xa, NODE_XK_LEN);
	crypto_generichash_update(&st, xb, NODE_XK_LEN);
	crypto_generichash_final(&st, out, out_len);
	sodium_memzero(&st, sizeof(st));
}

int
pair_keys_derive(const struct node_key *self, uint32_t peer_id,
		const uint8_t xpk[NODE_XK_LEN], struct pair_keys *to_peer,
		struct pair_keys *from_peer)
{
	uint8_t s[crypto_scalarmult_BYTES];

	_Static_assert(NODE_DP_KEY_LEN >= crypto_generichash_BYTES_MIN &&
			NODE_CTL_KEY_LEN <= crypto_generichash_BYTES_MAX,
			"BLAKE2b gives keys of these lengths");
	if (crypto_scalarmult(s, self->xsk, xpk) != 0)
		return -1;
	pair_key(s, "rumor dp v1", self->id, self->xpk, peer_id, xpk,
			to_peer->dp, sizeof(to_peer->dp));
	pair_key(s, "rumor ctl v1", self->id, self->xpk, peer_id, xpk,
			to_peer->ctl, sizeof(to_peer->ctl));
	pair_key(s, "rumor dp v1", peer_id, xpk, self->id, self->xpk,
			from_peer->dp, sizeof(from_peer->dp));
	pair_key(s, "rumor ctl v1", peer_id, xpk, self->id, self->xpk,
			from_peer->ctl, sizeof(from_peer->ctl));
	sodium_memzero(s, sizeof(s));
	return 0;
}

bool
node_keys_equal(const void *a, const void *b, size_t len)
{
	return sodium_memcmp(a, b, len) == 0;
}
