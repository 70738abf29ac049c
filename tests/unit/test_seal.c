/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sealed envelope of control messages (include/rumor/seal.h): the
 * layout seal_wrap writes, checked against libsodium directly; round
 * trips and refusals; the verdict of every truncation and of every value
 * of every header byte; labels, keys and rotation; the replay window
 * against a plain model of it; keyring files. Datagrams and bodies are
 * allocated at their exact length so that ASan catches any access beyond
 * them.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "rumor/seal.h"
#include "rumor/wire.h"
#include "test.h"

#define LABEL "blue"
#define ID_A 0x0a0b0c0du		/* The sender of most tests. */
#define ID_B 0x01020304u		/* The receiver of most tests. */
#define BOOT_A 1700000000000000ull

/* The result of one seal_open. */
struct opened {
	uint8_t proto;
	uint32_t sender;
	size_t len;
	uint8_t body[SEAL_BODY_MAX];
};

/* Key number k: 32 bytes patterned from k, distinct for each k. */
static void
key_fill(uint8_t key[SEAL_KEY_LEN], uint8_t k)
{
	for (unsigned int i = 0; i < SEAL_KEY_LEN; i++)
		key[i] = (uint8_t)(k * 17u + i * 29u + 3u);
}

/* A ring of keys number k[0] (the primary) to k[n - 1]. */
static struct seal_keyring
ring_of(unsigned int n, const uint8_t *k)
{
	struct seal_keyring r;

	memset(&r, 0, sizeof(r));
	r.n = n;
	for (unsigned int i = 0; i < n && i < SEAL_KEYS_MAX; i++)
		key_fill(r.key[i], k[i]);
	return r;
}

static struct seal_keyring
ring1(uint8_t k0)
{
	return ring_of(1, &k0);
}

static struct seal_keyring
ring2(uint8_t k0, uint8_t k1)
{
	uint8_t k[2] = { k0, k1 };

	return ring_of(2, k);
}

static struct seal *
seal_make(struct seal_keyring r, const char *label, uint32_t id,
		uint64_t boot)
{
	struct seal *s = seal_new(&r, label, id, boot);

	if (s == NULL)
		abort();
	return s;
}

/* seal_wrap of body into a fresh buffer of exactly the datagram length. */
static uint8_t *
wrap_exact(struct seal *s, const uint8_t *body, size_t len, size_t *n)
{
	uint8_t *dg = test_alloc_exact(SEAL_OVERHEAD + len);

	*n = seal_wrap(s, SEAL_P_SWIM, body, len, dg, SEAL_OVERHEAD + len);
	return dg;
}

/* seal_open of an exact-length copy of in, into an exact-size body. */
static enum seal_verdict
open_exact(struct seal *s, const uint8_t *in, size_t len, struct opened *o)
{
	uint8_t *copy = test_alloc_exact(len);
	uint8_t *body = test_alloc_exact(SEAL_BODY_MAX);
	enum seal_verdict v;

	if (len > 0)
		memcpy(copy, in, len);
	memset(o, 0, sizeof(*o));
	v = seal_open(s, copy, len, &o->proto, &o->sender, body,
			SEAL_BODY_MAX, &o->len);
	if (v == SEAL_OK && o->len <= SEAL_BODY_MAX)
		memcpy(o->body, body, o->len);
	free(body);
	free(copy);
	return v;
}

/* Open and check the verdict; tally it in counts[verdict]. */
static bool
expect_open(struct seal *s, const uint8_t *in, size_t len,
		enum seal_verdict want, uint64_t counts[SEAL_VERDICT_MAX],
		int line)
{
	struct opened o;
	enum seal_verdict v = open_exact(s, in, len, &o);

	counts[want]++;
	if (!CHECK_EQ(v, want)) {
		fprintf(stderr, "  (line %d: %s, not %s)\n", line,
				seal_verdict_name(v), seal_verdict_name(want));
		return false;
	}
	return true;
}

#define EXPECT(s, in, len, want) \
	expect_open((s), (in), (len), (want), counts, __LINE__)

/* The statistics of s are exactly those tallied in counts. */
static void
check_counts(struct seal *s, const uint64_t counts[SEAL_VERDICT_MAX])
{
	const struct seal_stats *st = seal_stats(s);

	CHECK_EQ(st->opened, counts[SEAL_OK]);
	CHECK_EQ(st->refused[SEAL_OK], 0);
	for (int v = SEAL_MALFORMED; v < SEAL_VERDICT_MAX; v++)
		CHECK_EQ(st->refused[v], counts[v]);
}

/*
 * The datagram dg (n bytes) holds body as the header comment of seal.h
 * says; it opens with libsodium alone, given the key and the label.
 */
static void
check_layout(const uint8_t *dg, size_t n, const uint8_t *body, size_t len,
		uint32_t sender, uint64_t boot, uint64_t counter,
		uint8_t key_num, const char *label)
{
	uint8_t digest[32], key[SEAL_KEY_LEN];
	uint8_t ad[SEAL_HDR_LEN + SEAL_LABEL_MAX];
	uint8_t *plain = test_alloc_exact(len);
	unsigned long long plen = 0;
	size_t label_len = strlen(label);

	if (!CHECK_EQ(n, SEAL_OVERHEAD + len))
		return;
	CHECK_EQ(test_get(dg, 2), RUMOR_MAGIC);
	CHECK_EQ(dg[2], RUMOR_VERSION);
	CHECK_EQ(dg[3], RUMOR_T_CONTROL);
	CHECK_EQ(dg[4], SEAL_P_SWIM);
	CHECK_EQ(dg[5], 0);
	CHECK_EQ(test_get(dg + 6, 2), len);
	crypto_generichash(digest, sizeof(digest), (const uint8_t *)label,
			label_len, NULL, 0);
	CHECK(memcmp(dg + 8, digest, 8) == 0);
	CHECK_EQ(test_get(dg + 16, 4), sender);
	CHECK_EQ(test_get(dg + 20, 4), 0);
	CHECK_EQ(test_get(dg + 24, 8), boot);
	CHECK_EQ(test_get(dg + 32, 8), counter);

	/* The nonce is bytes 16..39; the associated data header + label. */
	key_fill(key, key_num);
	memcpy(ad, dg, SEAL_HDR_LEN);
	memcpy(ad + SEAL_HDR_LEN, label, label_len);
	CHECK(crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &plen, NULL,
			dg + SEAL_HDR_LEN, n - SEAL_HDR_LEN, ad,
			SEAL_HDR_LEN + label_len, dg + 16, key) == 0);
	CHECK_EQ(plen, len);
	CHECK(len == 0 || memcmp(plain, body, len) == 0);
	if (len >= 16)
		CHECK(memcmp(dg + SEAL_HDR_LEN, body, len) != 0);
	/* Without the label in the associated data, it does not open. */
	CHECK(crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &plen, NULL,
			dg + SEAL_HDR_LEN, n - SEAL_HDR_LEN, ad, SEAL_HDR_LEN,
			dg + 16, key) != 0 || label_len == 0);
	free(plain);
}

/* A body patterned so that a byte in the wrong place shows. */
static uint8_t *
body_make(size_t len)
{
	uint8_t *b = test_alloc_exact(len);

	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)(i * 31 + 7);
	return b;
}

static void
check_untouched(const uint8_t *buf, size_t len, int line)
{
	for (size_t i = 0; i < len; i++) {
		if (!CHECK_EQ(buf[i], 0xa5)) {
			fprintf(stderr, "  (line %d: byte %zu written)\n",
					line, i);
			break;
		}
	}
}

static void
test_round_trip(void)
{
	static const size_t lens[] = { 0, 1, 24, SEAL_BODY_MAX };
	struct seal *a = seal_make(ring2(1, 2), LABEL, ID_A, BOOT_A);
	struct seal *b = seal_make(ring2(1, 2), LABEL, ID_B, 7);
	uint8_t *body = body_make(SEAL_BODY_MAX + 1);
	uint64_t counter = 0;
	struct opened o;
	uint8_t *dg;
	size_t n;

	CHECK_EQ(SEAL_BODY_MAX, 1416);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t len = lens[i];

		dg = wrap_exact(a, body, len, &n);
		check_layout(dg, n, body, len, ID_A, BOOT_A, ++counter, 1,
				LABEL);
		CHECK_EQ(open_exact(b, dg, n, &o), SEAL_OK);
		CHECK_EQ(o.proto, SEAL_P_SWIM);
		CHECK_EQ(o.sender, ID_A);
		CHECK_EQ(o.len, len);
		CHECK(memcmp(o.body, body, len) == 0);
		free(dg);
	}
	CHECK_EQ(n, RUMOR_DATAGRAM_MAX);

	/* Refusals return 0 and write nothing; they spend no counter. */
	{
		size_t big = RUMOR_DATAGRAM_MAX + 1;
		uint8_t *out = test_alloc_exact(big);

		memset(out, 0xa5, big);
		CHECK_EQ(seal_wrap(a, SEAL_P_SWIM, body, SEAL_BODY_MAX + 1,
				out, big), 0);
		CHECK_EQ(seal_wrap(a, 0, body, 10, out, big), 0);
		CHECK_EQ(seal_wrap(a, SEAL_P_MAX, body, 10, out, big), 0);
		CHECK_EQ(seal_wrap(a, 0xff, body, 10, out, big), 0);
		CHECK_EQ(seal_wrap(a, SEAL_P_SWIM, NULL, 10, out, big), 0);
		check_untouched(out, big, __LINE__);
		free(out);
		CHECK_EQ(seal_wrap(a, SEAL_P_SWIM, body, 0, NULL, 0), 0);
	}
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t cap = SEAL_OVERHEAD + lens[i] - 1;
		uint8_t *out = test_alloc_exact(cap);

		memset(out, 0xa5, cap);
		CHECK_EQ(seal_wrap(a, SEAL_P_SWIM, body, lens[i], out, cap),
				0);
		check_untouched(out, cap, __LINE__);
		free(out);
	}

	/* More room than needed: nothing written past the datagram. */
	{
		uint8_t out[RUMOR_DATAGRAM_MAX + 16];

		memset(out, 0xa5, sizeof(out));
		n = seal_wrap(a, SEAL_P_SWIM, body, 100, out, sizeof(out));
		check_layout(out, n, body, 100, ID_A, BOOT_A, ++counter, 1,
				LABEL);
		check_untouched(out + n, sizeof(out) - n, __LINE__);
		CHECK_EQ(open_exact(b, out, n, &o), SEAL_OK);
	}

	/* Sealed in place, and opened in place. */
	{
		uint8_t *buf = test_alloc_exact(RUMOR_DATAGRAM_MAX);
		uint32_t sender = 0;
		uint8_t proto = 0;
		size_t len = 0;

		memcpy(buf + SEAL_HDR_LEN, body, 300);
		n = seal_wrap(a, SEAL_P_SWIM, buf + SEAL_HDR_LEN, 300, buf,
				RUMOR_DATAGRAM_MAX);
		check_layout(buf, n, body, 300, ID_A, BOOT_A, ++counter, 1,
				LABEL);
		CHECK_EQ(seal_open(b, buf, n, &proto, &sender,
				buf + SEAL_HDR_LEN, SEAL_BODY_MAX, &len),
				SEAL_OK);
		CHECK_EQ(len, 300);
		CHECK_EQ(sender, ID_A);
		CHECK(memcmp(buf + SEAL_HDR_LEN, body, 300) == 0);
		free(buf);
	}

	/* A body buffer too small for the datagram: refused, not overrun. */
	dg = wrap_exact(a, body, 50, &n);
	counter++;
	{
		uint8_t *small = test_alloc_exact(49);
		uint32_t sender;
		uint8_t proto;
		size_t len;

		CHECK_EQ(seal_open(b, dg, n, &proto, &sender, small, 49, &len),
				SEAL_MALFORMED);
		free(small);
		small = test_alloc_exact(50);
		CHECK_EQ(seal_open(b, dg, n, &proto, &sender, small, 50, &len),
				SEAL_OK);
		CHECK_EQ(len, 50);
		CHECK(memcmp(small, body, 50) == 0);
		free(small);
	}
	free(dg);

	CHECK_EQ(seal_stats(a)->sealed, counter);
	CHECK_EQ(seal_stats(a)->opened, 0);
	CHECK_EQ(seal_stats(b)->sealed, 0);
	CHECK_EQ(seal_stats(b)->opened, counter);
	CHECK_EQ(seal_stats(b)->refused[SEAL_MALFORMED], 1);
	CHECK_EQ(seal_stats(b)->opened_old_key, 0);
	free(body);
	seal_free(a);
	seal_free(b);
	seal_free(NULL);
}

/* The verdict a valid datagram gets with header byte off set to x. */
static enum seal_verdict
header_verdict(const uint8_t *bad, size_t off)
{
	/* Another known protocol is well formed: the tag refuses it. */
	if (off == 4 && bad[4] > 0 && bad[4] < SEAL_P_MAX)
		return SEAL_FORGED;
	if (off < 8)			/* magic, version, type, proto, */
		return SEAL_MALFORMED;	/* reserved, body_len */
	if (off < 16)
		return SEAL_WRONG_LABEL;
	if (off < 20)
		return test_get(bad + 16, 4) == 0 ? SEAL_MALFORMED :
				SEAL_FORGED;
	if (off < 24)			/* receiver: none without */
		return SEAL_WRONG_RECEIVER;	/* credentials */
	return SEAL_FORGED;		/* boot, counter */
}

static void
test_malformed(void)
{
	struct seal *a = seal_make(ring1(1), LABEL, ID_A, BOOT_A);
	struct seal *b = seal_make(ring2(2, 1), LABEL, ID_B, 7);
	uint64_t counts[SEAL_VERDICT_MAX] = { 0 };
	uint8_t *body = body_make(SEAL_BODY_MAX);
	uint8_t *good, *bad, *full;
	size_t n, full_n;

	good = wrap_exact(a, body, 16, &n);
	CHECK_EQ(n, 72);

	/* Every prefix, and one byte more. */
	for (size_t l = 0; l < n; l++)
		EXPECT(b, good, l, SEAL_MALFORMED);
	CHECK_EQ(seal_open(b, NULL, 0, NULL, NULL, NULL, 0, NULL),
			SEAL_MALFORMED);
	counts[SEAL_MALFORMED]++;
	bad = test_alloc_exact(n + 1);
	memcpy(bad, good, n);
	bad[n] = 0;
	EXPECT(b, bad, n + 1, SEAL_MALFORMED);
	/* With body_len saying so, the lengths agree but the tag does not. */
	bad[7] = 17;
	EXPECT(b, bad, n + 1, SEAL_FORGED);
	free(bad);

	/* The largest datagram; one byte more is too long for any. */
	full = wrap_exact(a, body, SEAL_BODY_MAX, &full_n);
	CHECK_EQ(full_n, RUMOR_DATAGRAM_MAX);
	bad = test_alloc_exact(full_n + 1);
	memcpy(bad, full, full_n);
	bad[full_n] = 0;
	bad[6] = (uint8_t)((SEAL_BODY_MAX + 1) >> 8);
	bad[7] = (uint8_t)(SEAL_BODY_MAX + 1);
	EXPECT(b, bad, full_n + 1, SEAL_MALFORMED);
	free(bad);
	for (size_t l = 0; l < full_n; l += 97)
		EXPECT(b, full, l, SEAL_MALFORMED);

	/* Every value of every header byte. */
	bad = test_alloc_exact(n);
	for (size_t off = 0; off < SEAL_HDR_LEN; off++) {
		for (unsigned int x = 0; x < 256; x++) {
			if (x == good[off])
				continue;
			memcpy(bad, good, n);
			bad[off] = (uint8_t)x;
			if (!EXPECT(b, bad, n, header_verdict(bad, off)))
				fprintf(stderr, "  (byte %zu set to 0x%02x)\n",
						off, x);
		}
	}
	/* The fields by name, for the reader. */
	memcpy(bad, good, n);
	bad[3] = RUMOR_T_DATA;
	EXPECT(b, bad, n, SEAL_MALFORMED);
	memcpy(bad, good, n);
	bad[4] = SEAL_P_MAX;
	EXPECT(b, bad, n, SEAL_MALFORMED);
	memcpy(bad, good, n);
	memset(bad + 16, 0, 4);			/* sender 0 */
	EXPECT(b, bad, n, SEAL_MALFORMED);
	memcpy(bad, good, n);
	bad[7] = 15;				/* body_len one short */
	EXPECT(b, bad, n, SEAL_MALFORMED);

	/* Every bit of the ciphertext and of the tag. */
	for (size_t off = SEAL_HDR_LEN; off < n; off++) {
		for (unsigned int bit = 0; bit < 8; bit++) {
			memcpy(bad, good, n);
			bad[off] ^= (uint8_t)(1u << bit);
			EXPECT(b, bad, n, SEAL_FORGED);
		}
	}

	/* With several faults, the first check in the order decides. */
	memcpy(bad, good, n);
	bad[8] ^= 1;				/* label */
	bad[n - 1] ^= 1;			/* tag */
	EXPECT(b, bad, n, SEAL_WRONG_LABEL);
	bad[20] = 1;				/* receiver */
	EXPECT(b, bad, n, SEAL_WRONG_LABEL);
	bad[8] ^= 1;
	EXPECT(b, bad, n, SEAL_WRONG_RECEIVER);
	free(bad);

	/* None of that changed the replay state: the original opens once. */
	EXPECT(b, good, n, SEAL_OK);
	EXPECT(b, good, n, SEAL_REPLAYED);
	EXPECT(b, full, full_n, SEAL_OK);
	check_counts(b, counts);
	CHECK(counts[SEAL_MALFORMED] > 2000);
	CHECK(counts[SEAL_WRONG_RECEIVER] > 1000);
	CHECK(counts[SEAL_FORGED] > 1000);
	CHECK(counts[SEAL_WRONG_LABEL] > 2000);
	/* Opened by b's second key, which is a's primary. */
	CHECK_EQ(seal_stats(b)->opened_old_key, 2);
	free(full);
	free(good);
	free(body);
	seal_free(a);
	seal_free(b);
}

static void
test_label(void)
{
	struct seal_keyring r = ring1(1);
	uint64_t counts[SEAL_VERDICT_MAX] = { 0 };
	uint8_t body[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	char label64[SEAL_LABEL_MAX + 2];
	struct seal *green = seal_make(r, "green", ID_A, BOOT_A);
	struct seal *blue = seal_make(r, "blue", ID_A + 1, BOOT_A);
	struct seal *empty = seal_make(r, "", ID_A + 2, BOOT_A);
	struct seal *rx = seal_make(r, "blue", ID_B, 1);
	struct seal *rx_empty = seal_make(r, "", ID_B, 1);
	uint8_t *g, *bl, *e;
	size_t gn, bn, en;

	g = wrap_exact(green, body, sizeof(body), &gn);
	bl = wrap_exact(blue, body, sizeof(body), &bn);
	e = wrap_exact(empty, body, sizeof(body), &en);
	check_layout(e, en, body, sizeof(body), ID_A + 2, BOOT_A, 1, 1, "");
	EXPECT(rx, g, gn, SEAL_WRONG_LABEL);
	EXPECT(rx, e, en, SEAL_WRONG_LABEL);
	/* Another cluster's label with this cluster's tag: the label is
	 * in the associated data, so it still does not open. */
	memcpy(g + 8, bl + 8, 8);
	EXPECT(rx, g, gn, SEAL_FORGED);
	EXPECT(rx, bl, bn, SEAL_OK);
	check_counts(rx, counts);

	memset(counts, 0, sizeof(counts));
	EXPECT(rx_empty, bl, bn, SEAL_WRONG_LABEL);
	EXPECT(rx_empty, e, en, SEAL_OK);
	check_counts(rx_empty, counts);

	/* The longest label works; one byte more is refused. */
	memset(label64, 'x', sizeof(label64));
	label64[SEAL_LABEL_MAX] = '\0';
	{
		struct seal *s = seal_new(&r, label64, ID_A, BOOT_A);
		struct seal *t = seal_new(&r, label64, ID_B, BOOT_A);
		struct opened o;
		uint8_t *dg;
		size_t n;

		CHECK(s != NULL && t != NULL);
		if (s != NULL && t != NULL) {
			dg = wrap_exact(s, body, sizeof(body), &n);
			check_layout(dg, n, body, sizeof(body), ID_A, BOOT_A,
					1, 1, label64);
			CHECK_EQ(open_exact(t, dg, n, &o), SEAL_OK);
			free(dg);
		}
		seal_free(s);
		seal_free(t);
	}
	label64[SEAL_LABEL_MAX] = 'x';
	label64[SEAL_LABEL_MAX + 1] = '\0';
	CHECK(seal_new(&r, label64, ID_A, BOOT_A) == NULL);

	/* Nor without keys, a label or an id. */
	CHECK(seal_new(NULL, LABEL, ID_A, BOOT_A) == NULL);
	CHECK(seal_new(&r, NULL, ID_A, BOOT_A) == NULL);
	CHECK(seal_new(&r, LABEL, 0, BOOT_A) == NULL);
	r.n = 0;
	CHECK(seal_new(&r, LABEL, ID_A, BOOT_A) == NULL);
	r.n = SEAL_KEYS_MAX + 1;
	CHECK(seal_new(&r, LABEL, ID_A, BOOT_A) == NULL);
	r.n = SEAL_KEYS_MAX;
	{
		struct seal *s = seal_new(&r, LABEL, ID_A, BOOT_A);

		CHECK(s != NULL);
		seal_free(s);
	}
	free(g);
	free(bl);
	free(e);
	seal_free(green);
	seal_free(blue);
	seal_free(empty);
	seal_free(rx);
	seal_free(rx_empty);
}

/*
 * Wrong keys, and a rotation as docs/protocol.md describes it: the new
 * key is added as secondary everywhere, then made primary everywhere,
 * then the old one is removed.
 */
static void
test_keys(void)
{
	uint64_t counts[SEAL_VERDICT_MAX] = { 0 };
	uint8_t *body = body_make(64);
	struct seal *a = seal_make(ring1(1), LABEL, ID_A, BOOT_A);
	struct seal *b = seal_make(ring1(1), LABEL, ID_B, 1);
	struct seal *c = seal_make(ring1(1), LABEL, ID_B + 1, 1);
	struct seal *other = seal_make(ring1(9), LABEL, ID_B + 2, 1);
	struct seal_keyring r;
	uint8_t *m1, *m2, *m3, *m4, *m5;
	size_t n1, n2, n3, n4, n5;
	struct opened o;

	m1 = wrap_exact(a, body, 64, &n1);
	CHECK_EQ(open_exact(other, m1, n1, &o), SEAL_FORGED);
	CHECK_EQ(seal_stats(other)->refused[SEAL_FORGED], 1);

	/* Step 1: b and c learn key 2 as secondary; a has not yet. */
	r = ring2(1, 2);
	seal_set_keys(b, &r);
	seal_set_keys(c, &r);
	EXPECT(b, m1, n1, SEAL_OK);
	CHECK_EQ(seal_stats(b)->opened_old_key, 0);
	/* The replay state survives the new keys. */
	r = ring2(2, 1);
	seal_set_keys(b, &r);
	EXPECT(b, m1, n1, SEAL_REPLAYED);

	/* Step 2: a seals with key 2; its counter goes on. */
	seal_set_keys(a, &r);
	m2 = wrap_exact(a, body, 64, &n2);
	check_layout(m2, n2, body, 64, ID_A, BOOT_A, 2, 2, LABEL);
	EXPECT(b, m2, n2, SEAL_OK);		/* b's primary */
	CHECK_EQ(seal_stats(b)->opened_old_key, 0);
	CHECK_EQ(open_exact(other, m2, n2, &o), SEAL_FORGED);

	/* c still seals with key 1: b opens it with its old key. */
	m3 = wrap_exact(c, body, 64, &n3);
	EXPECT(b, m3, n3, SEAL_OK);
	CHECK_EQ(seal_stats(b)->opened_old_key, 1);

	/* c opens a's key-2 message with its secondary, in place. */
	{
		uint8_t *buf = test_alloc_exact(RUMOR_DATAGRAM_MAX);
		uint32_t sender = 0;
		uint8_t proto = 0;
		size_t len = 0;

		memcpy(buf, m2, n2);
		CHECK_EQ(seal_open(c, buf, n2, &proto, &sender,
				buf + SEAL_HDR_LEN, SEAL_BODY_MAX, &len),
				SEAL_OK);
		CHECK_EQ(len, 64);
		CHECK(memcmp(buf + SEAL_HDR_LEN, body, 64) == 0);
		CHECK_EQ(seal_stats(c)->opened_old_key, 1);
		free(buf);
	}

	/* Step 3: key 1 removed from b; a key-1 message no longer opens. */
	seal_set_keys(c, &r);
	m4 = wrap_exact(c, body, 64, &n4);
	r = ring1(2);
	seal_set_keys(b, &r);
	{
		struct seal *old = seal_make(ring1(1), LABEL, ID_B + 3, 1);

		m5 = wrap_exact(old, body, 64, &n5);
		seal_free(old);
	}
	EXPECT(b, m5, n5, SEAL_FORGED);
	EXPECT(b, m4, n4, SEAL_OK);
	EXPECT(b, m3, n3, SEAL_FORGED);		/* key 1 */
	EXPECT(b, m2, n2, SEAL_REPLAYED);	/* key 2, seen */
	check_counts(b, counts);
	CHECK_EQ(seal_stats(b)->opened_old_key, 1);

	/* A ring of every size opens with its last key. */
	for (unsigned int k = 1; k <= SEAL_KEYS_MAX; k++) {
		uint8_t nums[SEAL_KEYS_MAX];
		struct seal *rx;

		for (unsigned int i = 0; i < SEAL_KEYS_MAX; i++)
			nums[i] = (uint8_t)(20 + i);
		nums[k - 1] = 1;
		rx = seal_make(ring_of(k, nums), LABEL, ID_B, 1);
		CHECK_EQ(open_exact(rx, m1, n1, &o), SEAL_OK);
		CHECK_EQ(seal_stats(rx)->opened_old_key, k > 1 ? 1 : 0);
		seal_free(rx);
	}
	free(m1);
	free(m2);
	free(m3);
	free(m4);
	free(m5);
	free(body);
	seal_free(a);
	seal_free(b);
	seal_free(c);
	seal_free(other);
}

/* Seal count messages from s, each body 8 bytes: its counter. */
static uint8_t **
wrap_many(struct seal *s, size_t count, size_t *n)
{
	uint8_t **dg = calloc(count + 1, sizeof(*dg));

	if (dg == NULL)
		abort();
	for (size_t i = 1; i <= count; i++) {
		uint8_t body[8];

		test_put(body, 8, i);
		dg[i] = wrap_exact(s, body, sizeof(body), n);
	}
	return dg;
}

static void
free_many(uint8_t **dg, size_t count)
{
	for (size_t i = 0; i <= count; i++)
		free(dg[i]);
	free(dg);
}

static void
test_replay(void)
{
	static const unsigned int order[] = { 10, 1, 5, 3, 2, 9, 4, 8, 6, 7 };
	const size_t count = SEAL_WINDOW + 2;
	uint64_t counts[SEAL_VERDICT_MAX] = { 0 };
	struct seal *a = seal_make(ring1(1), LABEL, ID_A, BOOT_A);
	struct seal *b = seal_make(ring1(1), LABEL, ID_B, 1);
	uint8_t **m;
	size_t n;

	m = wrap_many(a, count, &n);
	CHECK_EQ(test_get(m[count] + 32, 8), count);

	/* A node's own message sent back to it: refused, never fresh. */
	{
		uint64_t own[SEAL_VERDICT_MAX] = { 0 };

		expect_open(a, m[1], n, SEAL_REPLAYED, own, __LINE__);
		check_counts(a, own);
	}

	/* Reordered within the window: each accepted once. */
	for (size_t i = 0; i < 10; i++)
		EXPECT(b, m[order[i]], n, SEAL_OK);
	for (size_t i = 0; i < 10; i++)
		EXPECT(b, m[order[i]], n, SEAL_REPLAYED);

	/* The edge of the window: SEAL_WINDOW behind, but not one more. */
	EXPECT(b, m[count], n, SEAL_OK);
	EXPECT(b, m[count], n, SEAL_REPLAYED);
	EXPECT(b, m[1], n, SEAL_REPLAYED);	/* seen, and too old */
	EXPECT(b, m[count - 1], n, SEAL_OK);
	EXPECT(b, m[count - SEAL_WINDOW + 1], n, SEAL_REPLAYED);  /* seen */
	free_many(m, count);

	/* The same edge with a counter never seen. */
	{
		struct seal *a2 = seal_make(ring1(1), LABEL, ID_A + 1, BOOT_A);

		m = wrap_many(a2, count, &n);
		EXPECT(b, m[count], n, SEAL_OK);
		EXPECT(b, m[1], n, SEAL_REPLAYED);
		EXPECT(b, m[2], n, SEAL_OK);
		EXPECT(b, m[2], n, SEAL_REPLAYED);
		EXPECT(b, m[3], n, SEAL_OK);
		free_many(m, count);
		seal_free(a2);
	}

	/* A leap of exactly the window keeps the old top; one more, not. */
	{
		struct seal *a3 = seal_make(ring1(1), LABEL, ID_A + 3, BOOT_A);
		struct seal *a4 = seal_make(ring1(1), LABEL, ID_A + 4, BOOT_A);
		uint8_t **m4;

		m = wrap_many(a3, count, &n);
		m4 = wrap_many(a4, count, &n);
		EXPECT(b, m[1], n, SEAL_OK);
		EXPECT(b, m[1 + SEAL_WINDOW], n, SEAL_OK);
		EXPECT(b, m[1], n, SEAL_REPLAYED);
		EXPECT(b, m[2], n, SEAL_OK);
		EXPECT(b, m4[1], n, SEAL_OK);
		EXPECT(b, m4[2 + SEAL_WINDOW], n, SEAL_OK);
		EXPECT(b, m4[2], n, SEAL_OK);
		EXPECT(b, m4[2], n, SEAL_REPLAYED);
		EXPECT(b, m4[1], n, SEAL_REPLAYED);
		free_many(m, count);
		free_many(m4, count);
		seal_free(a3);
		seal_free(a4);
	}

	/*
	 * Boots: a restart of a (a newer boot) starts a fresh window, even
	 * with lower counters; the older boot is over, seen or not.
	 */
	{
		struct seal *again = seal_make(ring1(1), LABEL, ID_A,
				BOOT_A + 1);
		struct seal *before = seal_make(ring1(1), LABEL, ID_A,
				BOOT_A - 1);
		struct seal *forger = seal_make(ring1(7), LABEL, ID_A,
				BOOT_A + 2);
		uint8_t **old = wrap_many(before, 2, &n);
		uint8_t **f = wrap_many(forger, 1, &n);
		uint8_t **r = wrap_many(again, 4, &n);
		uint8_t *far = test_alloc_exact(n);

		EXPECT(b, old[1], n, SEAL_REPLAYED);
		EXPECT(b, r[1], n, SEAL_OK);
		EXPECT(b, r[1], n, SEAL_REPLAYED);
		EXPECT(b, old[2], n, SEAL_REPLAYED);

		/*
		 * Forgeries from a newer boot, or far ahead in this one,
		 * move nothing: r[3] and r[2] still open afterwards.
		 */
		EXPECT(b, f[1], n, SEAL_FORGED);
		memcpy(far, r[4], n);
		test_put(far + 32, 8, 1u << 20);
		EXPECT(b, far, n, SEAL_FORGED);
		EXPECT(b, r[3], n, SEAL_OK);
		EXPECT(b, r[2], n, SEAL_OK);
		EXPECT(b, r[4], n, SEAL_OK);
		free(far);
		free_many(old, 2);
		free_many(f, 1);
		free_many(r, 4);
		seal_free(again);
		seal_free(before);
		seal_free(forger);
	}
	check_counts(b, counts);
	seal_free(a);
	seal_free(b);
}

/*
 * A long random walk over a sender's counters, mostly forward, with
 * repeats, reordering and jumps past the window, against a model: a
 * counter is accepted if it was never accepted and is at most
 * SEAL_WINDOW behind the highest accepted.
 */
static void
test_replay_model(void)
{
	const size_t count = 32000;
	uint64_t seed = 0x7365616c;		/* "seal" */
	struct seal *a = seal_make(ring1(1), LABEL, ID_A, BOOT_A);
	struct seal *b = seal_make(ring1(1), LABEL, ID_B, 1);
	uint8_t **m;
	bool *seen = calloc(count + 1, sizeof(*seen));
	uint64_t top = 0, ok = 0, replayed = 0, too_old = 0;
	size_t n, pos = 1;

	if (seen == NULL)
		abort();
	m = wrap_many(a, count, &n);
	for (int step = 0; step < 20000; step++) {
		uint64_t r = test_rand(&seed);
		int64_t c;
		enum seal_verdict want, v;
		struct opened o;

		/*
		 * The walk: mostly a step or two on, now and then a leap by
		 * whole words of the window or past all of it. The counter
		 * opened is a little behind, or up to past the window.
		 */
		if (r % 2048 == 0)
			pos += SEAL_WINDOW + 1 + (r >> 20) % 70;
		else if (r % 256 == 0)
			pos += 64 * (1 + (r >> 20) % 4);
		else
			pos += (r >> 12) % 3;
		if (pos > count)
			pos = 1 + (r >> 24) % 16;	/* all replays again */
		if ((r >> 16) % 4 != 0)
			c = (int64_t)pos - (int64_t)((r >> 32) % 48);
		else
			c = (int64_t)pos - (int64_t)((r >> 32) %
					(SEAL_WINDOW + 64));
		if (c < 1)
			c = 1;

		want = !seen[c] && ((uint64_t)c > top ||
				top - (uint64_t)c <= SEAL_WINDOW) ?
				SEAL_OK : SEAL_REPLAYED;
		if (!seen[c] && want == SEAL_REPLAYED)
			too_old++;
		v = open_exact(b, m[c], n, &o);
		if (!CHECK_EQ(v, want)) {
			fprintf(stderr, "  (step %d: counter %" PRId64
					", top %" PRIu64 ")\n", step, c, top);
			break;
		}
		if (v == SEAL_OK) {
			seen[c] = true;
			if ((uint64_t)c > top)
				top = (uint64_t)c;
			CHECK_EQ(o.len, 8);
			CHECK_EQ(test_get(o.body, 8), (uint64_t)c);
			ok++;
		} else {
			replayed++;
		}
	}
	CHECK_EQ(seal_stats(b)->opened, ok);
	CHECK_EQ(seal_stats(b)->refused[SEAL_REPLAYED], replayed);
	/* Every outcome, and not just barely. */
	CHECK(ok > 5000);
	CHECK(replayed - too_old > 3000);
	CHECK(too_old > 1000);
	free_many(m, count);
	free(seen);
	seal_free(a);
	seal_free(b);
}

/* Many senders: the replay table grows and keeps every one apart. */
static void
test_replay_senders(void)
{
	enum { SENDERS = 700 };
	uint64_t counts[SEAL_VERDICT_MAX] = { 0 };
	uint64_t seed = 42;
	uint32_t ids[SENDERS + 1];
	uint8_t **m[SENDERS];
	struct seal *b;
	size_t n;

	/* Consecutive ids, as operators number nodes, then random ones. */
	ids[0] = ID_B;
	for (uint32_t i = 1; i <= 100; i++)
		ids[i] = i;
	test_unique_ids(ids, 101, SENDERS + 1, &seed);
	b = seal_make(ring1(1), LABEL, ids[0], 1);
	for (int i = 0; i < SENDERS; i++) {
		struct seal *s = seal_make(ring1(1), LABEL, ids[i + 1],
				BOOT_A + (uint64_t)i);

		m[i] = wrap_many(s, 3, &n);
		seal_free(s);
	}
	for (int i = 0; i < SENDERS; i++)
		EXPECT(b, m[i][2], n, SEAL_OK);
	for (int i = 0; i < SENDERS; i++) {
		EXPECT(b, m[i][2], n, SEAL_REPLAYED);
		EXPECT(b, m[i][1], n, SEAL_OK);
	}
	for (int i = SENDERS - 1; i >= 0; i--) {
		EXPECT(b, m[i][1], n, SEAL_REPLAYED);
		EXPECT(b, m[i][3], n, SEAL_OK);
		EXPECT(b, m[i][3], n, SEAL_REPLAYED);
	}
	check_counts(b, counts);
	for (int i = 0; i < SENDERS; i++)
		free_many(m[i], 3);
	seal_free(b);
}

/* The lowercase hex of key number k. */
static void
key_hex(char hex[2 * SEAL_KEY_LEN + 1], uint8_t k)
{
	uint8_t key[SEAL_KEY_LEN];

	key_fill(key, k);
	sodium_bin2hex(hex, 2 * SEAL_KEY_LEN + 1, key, sizeof(key));
}

/* seal_keyring_parse of an exact-length copy of text (no NUL). */
static int
parse_exact(const char *text, size_t len, const char *name,
		struct seal_keyring *out, char *err, size_t errlen)
{
	uint8_t *copy = test_alloc_exact(len);
	int rc;

	memcpy(copy, text, len);
	rc = seal_keyring_parse((const char *)copy, len, name, out, err,
			errlen);
	free(copy);
	return rc;
}

/* Parsing text must fail with an error that starts with want. */
static void
check_parse_error(const char *text, size_t len, const char *want, int line)
{
	struct seal_keyring r;
	char err[256];

	memset(&r, 0x5a, sizeof(r));
	err[0] = '\0';
	if (!CHECK_EQ(parse_exact(text, len, "k.keys", &r, err, sizeof(err)),
			-1))
		fprintf(stderr, "  (line %d)\n", line);
	if (!CHECK_PREFIX(err, want))
		fprintf(stderr, "  (line %d)\n", line);
	/* Nothing of a refused ring reaches the caller. */
	for (size_t i = 0; i < sizeof(r); i++) {
		if (!CHECK_EQ(((uint8_t *)&r)[i], 0x5a))
			break;
	}
}

#define CHECK_PARSE_ERROR(text, want) \
	check_parse_error((text), strlen(text), (want), __LINE__)

static void
test_keyring_parse(void)
{
	char k[SEAL_KEYS_MAX + 2][2 * SEAL_KEY_LEN + 1];
	char text[2048], upper[2 * SEAL_KEY_LEN + 1], err[256];
	struct seal_keyring r, want;
	size_t len;

	for (unsigned int i = 0; i < SEAL_KEYS_MAX + 2; i++)
		key_hex(k[i], (uint8_t)(i + 1));
	for (unsigned int i = 0; i <= 2 * SEAL_KEY_LEN; i++)
		upper[i] = (char)((k[0][i] >= 'a' && k[0][i] <= 'f') ?
				k[0][i] - 'a' + 'A' : k[0][i]);

	/* Comments, blank lines, spaces, CRLF, uppercase, no last newline. */
	len = (size_t)snprintf(text, sizeof(text),
			"# cluster keys: the first is the primary\n"
			"\n"
			"  %s  \r\n"
			"%s\t# the previous key\n"
			"\t \r\n"
			"   # indented comment\n"
			"%s", upper, k[1], k[2]);
	memset(err, 0, sizeof(err));
	CHECK_EQ(parse_exact(text, len, "k.keys", &r, err, sizeof(err)), 0);
	CHECK_EQ(err[0], '\0');
	want = ring_of(3, (const uint8_t[]){ 1, 2, 3 });
	CHECK_EQ(r.n, 3);
	CHECK(memcmp(r.key, want.key, 3 * SEAL_KEY_LEN) == 0);

	/* Exactly SEAL_KEYS_MAX. */
	len = 0;
	for (unsigned int i = 0; i < SEAL_KEYS_MAX; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
				"%s\n", k[i]);
	CHECK_EQ(parse_exact(text, len, "k.keys", &r, err, sizeof(err)), 0);
	CHECK_EQ(r.n, SEAL_KEYS_MAX);
	key_fill(want.key[0], SEAL_KEYS_MAX);
	CHECK(memcmp(r.key[SEAL_KEYS_MAX - 1], want.key[0],
			SEAL_KEY_LEN) == 0);

	/* One more, after a comment line. */
	len = (size_t)snprintf(text, sizeof(text), "# nine\n");
	for (unsigned int i = 0; i <= SEAL_KEYS_MAX; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
				"%s\n", k[i]);
	CHECK_PARSE_ERROR(text, "k.keys:10: more than 8 keys");

	/* Not hex: a letter, a space inside, a NUL byte. */
	snprintf(text, sizeof(text), "%s\n#\n%.4sg%s\n", k[0], k[1],
			k[1] + 5);
	CHECK_PARSE_ERROR(text, "k.keys:3: column 5 is not a hex digit");
	snprintf(text, sizeof(text), "  %.10s %s\n", k[0], k[0] + 10);
	CHECK_PARSE_ERROR(text, "k.keys:1: column 13 is not a hex digit");
	snprintf(text, sizeof(text), "%s\n%s\n", k[0], k[1]);
	text[2 * SEAL_KEY_LEN + 1 + 7] = '\0';
	check_parse_error(text, 2 * (2 * SEAL_KEY_LEN + 1), "k.keys:2: "
			"column 8 is not a hex digit", __LINE__);

	/* Wrong lengths. */
	snprintf(text, sizeof(text), "%s\n%.63s\n", k[0], k[1]);
	CHECK_PARSE_ERROR(text, "k.keys:2: 63 hex digits; a key is 64");
	snprintf(text, sizeof(text), "%sa\n", k[0]);
	CHECK_PARSE_ERROR(text, "k.keys:1: 65 hex digits; a key is 64");
	CHECK_PARSE_ERROR("abcd # short\n", "k.keys:1: 4 hex digits");

	/* The same key twice, whatever its case. */
	snprintf(text, sizeof(text), "%s\n%s\n\n%s\n", k[1], k[0], k[0]);
	CHECK_PARSE_ERROR(text, "k.keys:4: the same key as line 2");
	snprintf(text, sizeof(text), "%s\n%s\n", k[0], upper);
	CHECK_PARSE_ERROR(text, "k.keys:2: the same key as line 1");

	/* No key at all. */
	CHECK_PARSE_ERROR("", "k.keys:1: no key");
	CHECK_PARSE_ERROR("\n", "k.keys:1: no key");
	CHECK_PARSE_ERROR("# only comments\n\n# here\n", "k.keys:3: no key");

	/* A short error buffer is cut but terminated; none at all works. */
	snprintf(text, sizeof(text), "%.63s\n", k[0]);
	memset(err, 'x', sizeof(err));
	CHECK_EQ(parse_exact(text, strlen(text), "k.keys", &r, err, 8), -1);
	CHECK_EQ(strlen(err), 7);
	CHECK_PREFIX(err, "k.keys:");
	CHECK_EQ(parse_exact(text, strlen(text), "k.keys", &r, NULL, 0), -1);
	CHECK_EQ(parse_exact(text, strlen(text), NULL, &r, err, sizeof(err)),
			-1);
	CHECK_PREFIX(err, "keyring:1: 63 hex digits");
}

/* A unique scratch path; "" if none could be made. */
static void
temp_path(char *path, size_t cap, const char *what)
{
	const char *dir = getenv("TMPDIR");

	snprintf(path, cap, "%s/rumor-test-seal-%s-XXXXXX",
			dir != NULL && *dir != '\0' ? dir : "/tmp", what);
}

static void
test_keyring_load(void)
{
	static const mode_t refused[] = { 0644, 0640, 0604, 0620, 0602, 0660,
		0601, 0610, 0666 };
	char path[256], dir[256], missing[300], k0[65], k1[65], text[200];
	char err[512];
	struct seal_keyring r;
	int fd;

	key_hex(k0, 1);
	key_hex(k1, 2);
	snprintf(text, sizeof(text), "# test ring\n%s\n%s\n", k0, k1);
	temp_path(path, sizeof(path), "ring");
	fd = mkstemp(path);
	if (!CHECK(fd >= 0))
		return;
	CHECK_EQ(write(fd, text, strlen(text)), strlen(text));
	close(fd);

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		char want[300];

		CHECK_EQ(chmod(path, refused[i]), 0);
		err[0] = '\0';
		memset(&r, 0, sizeof(r));
		CHECK_EQ(seal_keyring_load(path, &r, err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "%s: mode %04o", path,
				(unsigned int)refused[i]);
		CHECK_PREFIX(err, want);
		CHECK(strstr(err, "chmod 600") != NULL);
		CHECK_EQ(r.n, 0);
	}
	CHECK_EQ(chmod(path, 0600), 0);
	err[0] = '\0';
	CHECK_EQ(seal_keyring_load(path, &r, err, sizeof(err)), 0);
	CHECK_EQ(err[0], '\0');
	CHECK_EQ(r.n, 2);
	{
		struct seal_keyring want = ring2(1, 2);

		CHECK(memcmp(r.key, want.key, 2 * SEAL_KEY_LEN) == 0);
	}
	CHECK_EQ(chmod(path, 0400), 0);
	CHECK_EQ(seal_keyring_load(path, &r, err, sizeof(err)), 0);

	/* Parse errors name the file and the line. */
	CHECK_EQ(chmod(path, 0600), 0);
	fd = open(path, O_WRONLY | O_APPEND);
	if (CHECK(fd >= 0)) {
		CHECK_EQ(write(fd, "zz\n", 3), 3);
		close(fd);
	}
	CHECK_EQ(seal_keyring_load(path, &r, err, sizeof(err)), -1);
	{
		char want[300];

		snprintf(want, sizeof(want), "%s:4: column 1 is not", path);
		CHECK_PREFIX(err, want);
	}

	/* A missing file, a directory. */
	snprintf(missing, sizeof(missing), "%s.missing", path);
	CHECK_EQ(seal_keyring_load(missing, &r, err, sizeof(err)), -1);
	CHECK_PREFIX(err, missing);
	CHECK(strstr(err, "No such file") != NULL);
	temp_path(dir, sizeof(dir), "dir");
	if (CHECK(mkdtemp(dir) != NULL)) {
		CHECK_EQ(seal_keyring_load(dir, &r, err, sizeof(err)), -1);
		CHECK(strstr(err, "not a regular file") != NULL);
		CHECK_EQ(rmdir(dir), 0);
	}
	CHECK_EQ(unlink(path), 0);
}

static void
test_keygen(void)
{
	char a[2 * SEAL_KEY_LEN + 1], b[2 * SEAL_KEY_LEN + 1];
	char text[2 * (2 * SEAL_KEY_LEN + 1) + 1];
	struct seal_keyring r;
	char err[256];

	memset(a, 'x', sizeof(a));
	CHECK_EQ(seal_key_generate(a), 0);
	CHECK_EQ(seal_key_generate(b), 0);
	CHECK_EQ(strlen(a), 2 * SEAL_KEY_LEN);
	for (unsigned int i = 0; i < 2 * SEAL_KEY_LEN; i++)
		CHECK((a[i] >= '0' && a[i] <= '9') ||
				(a[i] >= 'a' && a[i] <= 'f'));
	CHECK(strcmp(a, b) != 0);
	snprintf(text, sizeof(text), "%s\n%s\n", a, b);
	CHECK_EQ(parse_exact(text, strlen(text), "gen", &r, err,
			sizeof(err)), 0);
	CHECK_EQ(r.n, 2);
}

static void
test_names(void)
{
	static const char *const want[SEAL_VERDICT_MAX] = {
		"ok", "malformed", "wrong_label", "forged", "replayed",
		"unknown_sender", "wrong_receiver", "future_boot",
	};

	for (int i = 0; i < SEAL_VERDICT_MAX; i++)
		CHECK(strcmp(seal_verdict_name((enum seal_verdict)i),
				want[i]) == 0);
	CHECK(strcmp(seal_verdict_name(SEAL_VERDICT_MAX), "?") == 0);
	CHECK(strcmp(seal_verdict_name((enum seal_verdict)99), "?") == 0);
}

static const struct test_section sections[] = {
	{ "round_trip", test_round_trip },
	{ "malformed", test_malformed },
	{ "label", test_label },
	{ "keys", test_keys },
	{ "replay", test_replay },
	{ "replay_model", test_replay_model },
	{ "replay_senders", test_replay_senders },
	{ "keyring_parse", test_keyring_parse },
	{ "keyring_load", test_keyring_load },
	{ "keygen", test_keygen },
	{ "names", test_names },
};

int
main(int argc, char **argv)
{
	if (sodium_init() < 0) {
		fprintf(stderr, "test_seal: libsodium does not initialise\n");
		return 1;
	}
	return test_run(argc, argv, "test_seal", sections,
			TEST_DIM(sections));
}
