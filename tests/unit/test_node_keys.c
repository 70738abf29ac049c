/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Node credentials: key files and rosters, valid and malformed, and the
 * pair keys: both ends derive the same key for a direction, and every
 * direction and purpose differs.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "rumor/node_keys.h"
#include "test.h"

static void
test_key_round_trip(void)
{
	struct node_key k, back;
	char text[512], err[256];
	int n;

	CHECK(node_key_generate(0, &k) < 0);
	CHECK(node_key_generate(7, &k) == 0);
	n = node_key_format(&k, text, sizeof(text));
	CHECK(n > 0);
	CHECK(node_key_format(&k, text, 10) < 0);
	CHECK(node_key_parse(text, (size_t)n, "k", &back, err,
			sizeof(err)) == 0);
	CHECK_EQ(back.id, 7);
	CHECK(memcmp(back.pk, k.pk, sizeof(k.pk)) == 0);
	CHECK(memcmp(back.xsk, k.xsk, sizeof(k.xsk)) == 0);
	node_key_wipe(&back);
	CHECK(sodium_is_zero(back.sk, sizeof(back.sk)));
}

/* Each text must be refused with msg in its error. */
static void
key_bad(const char *text, const char *msg)
{
	struct node_key k;
	char err[256] = "";

	if (!CHECK(node_key_parse(text, strlen(text), "k", &k, err,
			sizeof(err)) < 0))
		fprintf(stderr, "  accepted: %s\n", text);
	else if (!CHECK(strstr(err, msg) != NULL))
		fprintf(stderr, "  error '%s' lacks '%s'\n", err, msg);
}

static void
test_key_malformed(void)
{
	struct node_key k;
	char good[512], bad[600];
	const char *sec;

	CHECK(node_key_generate(3, &k) == 0);
	CHECK(node_key_format(&k, good, sizeof(good)) > 0);
	sec = strstr(good, "secret ");
	key_bad("", "needs both");
	key_bad("id 3\n", "needs both");
	key_bad(sec, "needs both");
	key_bad("id 0\n", "1 to 4294967295");
	key_bad("id 4294967296\n", "1 to 4294967295");
	key_bad("id -1\n", "1 to 4294967295");
	key_bad("id\n", "expected");
	key_bad("id 3 4\n", "expected");
	key_bad("name 3\n", "unknown");
	key_bad("id 3\nid 3\n", "repeated");
	key_bad("id 3\nsecret 00\n", "128 hex");
	snprintf(bad, sizeof(bad), "id 3\n%.*sg\n",
			(int)strlen(sec) - 2, sec);
	key_bad(bad, "128 hex");
	/* A secret whose public half does not match its seed. */
	snprintf(bad, sizeof(bad), "id 3\n%s", sec);
	bad[strlen(bad) - 2] = bad[strlen(bad) - 2] == '0' ? '1' : '0';
	key_bad(bad, "not a valid");
	/* Comments and blanks are fine. */
	snprintf(bad, sizeof(bad), "# c\n\n  id 3  # x\n%s", sec);
	CHECK(node_key_parse(bad, strlen(bad), "k", &k, NULL, 0) == 0);
}

static void
test_roster(void)
{
	struct node_key a, b, c;
	struct roster r;
	char text[1024], err[256];
	const struct roster_node *e;
	size_t len = 0;

	CHECK(node_key_generate(30, &a) == 0);
	CHECK(node_key_generate(4, &b) == 0);
	CHECK(node_key_generate(30, &c) == 0);
	len += (size_t)roster_format_line(30, a.pk, text + len,
			sizeof(text) - len);
	len += (size_t)roster_format_line(4, b.pk, text + len,
			sizeof(text) - len);
	len += (size_t)snprintf(text + len, sizeof(text) - len, "# new key "
			"of 30\n");
	len += (size_t)roster_format_line(30, c.pk, text + len,
			sizeof(text) - len);
	CHECK(roster_parse(text, len, "r", &r, err, sizeof(err)) == 0);
	CHECK_EQ(r.n, 2);
	CHECK_EQ(r.node[0].id, 4);
	e = roster_find(&r, 30);
	CHECK(e != NULL && e->n == 2 &&
			memcmp(e->pk[1], c.pk, NODE_PK_LEN) == 0 &&
			memcmp(e->xpk[0], a.xpk, NODE_XK_LEN) == 0);
	CHECK(roster_find(&r, 5) == NULL);
	roster_free(&r);

	/* A third key, a repeated key, and junk are refused. */
	len += (size_t)roster_format_line(30, b.pk, text + len,
			sizeof(text) - len);
	CHECK(roster_parse(text, len, "r", &r, err, sizeof(err)) < 0);
	CHECK(strstr(err, "more than 2 keys") != NULL);
	len = (size_t)roster_format_line(4, b.pk, text, sizeof(text));
	len += (size_t)roster_format_line(4, b.pk, text + len,
			sizeof(text) - len);
	CHECK(roster_parse(text, len, "r", &r, err, sizeof(err)) < 0);
	CHECK(strstr(err, "twice") != NULL);
	CHECK(roster_parse("4 abc\n", 6, "r", &r, err, sizeof(err)) < 0);
	CHECK(strstr(err, "r:1: expected") != NULL);
	CHECK(roster_parse("0 x\n", 4, "r", &r, err, sizeof(err)) < 0);
	/* A point that is not on the curve. */
	memset(text, 'f', 66);
	memcpy(text, "4 ", 2);
	CHECK(roster_parse(text, 66, "r", &r, err, sizeof(err)) < 0);
	CHECK(roster_parse("", 0, "r", &r, err, sizeof(err)) == 0 &&
			r.n == 0);
	roster_free(&r);
}

static void
test_pair_keys(void)
{
	struct node_key a, b, e;
	struct pair_keys ab, ba, ba2, ab2, ae, ea;

	CHECK(node_key_generate(1, &a) == 0);
	CHECK(node_key_generate(2, &b) == 0);
	CHECK(node_key_generate(2, &e) == 0);
	CHECK(pair_keys_derive(&a, 2, b.xpk, &ab, &ba) == 0);
	CHECK(pair_keys_derive(&b, 1, a.xpk, &ba2, &ab2) == 0);
	/* Both ends agree on each direction... */
	CHECK(node_keys_equal(&ab, &ab2, sizeof(ab)));
	CHECK(node_keys_equal(&ba, &ba2, sizeof(ba)));
	/* ...directions and purposes differ... */
	CHECK(!node_keys_equal(ab.dp, ba.dp, sizeof(ab.dp)));
	CHECK(!node_keys_equal(ab.ctl, ba.ctl, sizeof(ab.dp)));
	CHECK(!node_keys_equal(ab.dp, ab.ctl, sizeof(ab.dp)));
	/* ...and another key claiming id 2 gets other keys. */
	CHECK(pair_keys_derive(&a, 2, e.xpk, &ae, &ea) == 0);
	CHECK(!node_keys_equal(&ae, &ab, sizeof(ab)));
	/* A small-order point is refused. */
	{
		uint8_t zero[NODE_XK_LEN] = { 0 };

		CHECK(pair_keys_derive(&a, 9, zero, &ae, &ea) < 0);
	}
}

static void
test_load(void)
{
	char path[] = "/tmp/rumor-test-nodekey-XXXXXX";
	struct node_key k, back;
	char text[512], err[256];
	int fd = mkstemp(path);
	int n;

	CHECK(fd >= 0);
	CHECK(node_key_generate(5, &k) == 0);
	n = node_key_format(&k, text, sizeof(text));
	CHECK(write(fd, text, (size_t)n) == n);
	close(fd);
	CHECK(node_key_load(path, &back, err, sizeof(err)) == 0);
	CHECK(chmod(path, 0640) == 0);
	CHECK(node_key_load(path, &back, err, sizeof(err)) < 0);
	CHECK(strstr(err, "chmod 600") != NULL);
	unlink(path);
	CHECK(node_key_load(path, &back, err, sizeof(err)) < 0);
	CHECK(roster_load("/", (struct roster *)text, err, sizeof(err)) < 0);
	CHECK(strstr(err, "not a regular file") != NULL);
}

/* Revocation and retirement edit the text, keeping everything else. */
static void
test_roster_remove(void)
{
	static const char text[] =
		"# lab\n"
		"1 aa # first key of 1\n"
		"12 bb\n"
		"\n"
		"  1 cc\n"
		"2 dd";
	char *out;
	size_t len;

	CHECK_EQ(roster_text_remove(text, strlen(text), 1, true, &out, &len),
			1);
	CHECK(strcmp(out, "# lab\n12 bb\n\n  1 cc\n2 dd") == 0);
	CHECK_EQ(len, strlen(out));
	free(out);
	CHECK_EQ(roster_text_remove(text, strlen(text), 1, false, &out,
			&len), 2);
	CHECK(strcmp(out, "# lab\n12 bb\n\n2 dd") == 0);
	free(out);
	CHECK_EQ(roster_text_remove(text, strlen(text), 2, false, &out,
			&len), 1);
	CHECK(strcmp(out, "# lab\n1 aa # first key of 1\n12 bb\n\n"
			"  1 cc\n") == 0);
	free(out);
	CHECK_EQ(roster_text_remove(text, strlen(text), 3, false, &out,
			&len), 0);
	CHECK(strcmp(out, text) == 0);
	free(out);
	CHECK_EQ(roster_text_remove("", 0, 1, false, &out, &len), 0);
	CHECK_EQ(len, 0);
	free(out);
}

static const struct test_section sections[] = {
	{ "key_round_trip", test_key_round_trip },
	{ "key_malformed", test_key_malformed },
	{ "roster", test_roster },
	{ "pair_keys", test_pair_keys },
	{ "load", test_load },
	{ "roster_remove", test_roster_remove },
};

int
main(int argc, char **argv)
{
	if (sodium_init() < 0)
		return 1;
	return test_run(argc, argv, "test_node_keys", sections,
			TEST_DIM(sections));
}
