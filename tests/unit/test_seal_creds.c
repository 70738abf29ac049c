/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sealed envelope with node credentials (seal_set_creds): a message
 * opens only as the node whose pair key sealed it; a key holder with its
 * own credentials cannot make one that opens as another node's, neither
 * bound (its pair key is not the victim's) nor unbound (punt_open lets an
 * unbound message be a join that asserts nothing); a node removed from
 * the roster is refused after the reload; a boot far in the future is
 * refused without touching the replay state; a node rotating its own key
 * still opens what is sealed to the old one. Then the boot number file
 * (control/boot.c).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "rumor/bytes.h"
#include "rumor/node_keys.h"
#include "rumor/punt.h"
#include "rumor/raft_env.h"
#include "rumor/seal.h"
#include "rumor/swim_wire.h"
#include "rumor/boot.h"
#include "test.h"

#define LABEL "blue"
#define NOW_US 1800000000000000ull	/* The receivers' wall clock. */
#define BOOT 1790000000000000ull

static uint64_t
fixed_now(void)
{
	return NOW_US;
}

/* Nodes 1, 2, 3 (and 2's second key, for rotation). */
static struct node_key k1, k2, k3, k2b;

static struct seal_keyring
ring(void)
{
	struct seal_keyring r;

	memset(&r, 0, sizeof(r));
	r.n = 1;
	for (unsigned int i = 0; i < SEAL_KEY_LEN; i++)
		r.key[0][i] = (uint8_t)(i * 7u + 1u);
	return r;
}

/* A roster of the given keys, one line each. */
static struct roster
roster_of(const struct node_key *const *k, unsigned int n)
{
	char text[1024], err[256];
	struct roster r;
	size_t off = 0;

	for (unsigned int i = 0; i < n; i++) {
		int w = roster_format_line(k[i]->id, k[i]->pk, text + off,
				sizeof(text) - off);

		if (w < 0)
			abort();
		off += (size_t)w;
	}
	if (roster_parse(text, off, "t", &r, err, sizeof(err)) < 0)
		abort();
	return r;
}

static struct roster
roster_all(void)
{
	const struct node_key *k[] = { &k1, &k2, &k3 };

	return roster_of(k, 3);
}

/* A sealer for key k on roster r (NULL: no credentials). */
static struct seal *
node_seal(const struct node_key *k, uint32_t id, uint64_t boot,
		const struct roster *r)
{
	struct seal_keyring kr = ring();
	struct seal *s = seal_new(&kr, LABEL, id, boot);

	if (s == NULL)
		abort();
	seal_set_clock(s, fixed_now);
	if (r != NULL && seal_set_creds(s, k, NULL, r) < 0)
		abort();
	return s;
}

/* A membership message from node from: kind, target, one update. */
static size_t
swim_body(uint8_t *buf, uint8_t kind, uint32_t from, uint32_t target,
		uint32_t about)
{
	struct swim_msg m;

	memset(&m, 0, sizeof(m));
	m.kind = kind;
	m.from = from;
	m.target = target;
	m.seq = 9;
	m.n_updates = 1;
	m.updates[0] = (struct swim_update){ .id = about, .ip = 1,
			.port = 7946, .state = SWIM_ALIVE, .incarnation = 99,
			.weight = 1 };
	return swim_encode(&m, buf, SWIM_MSG_MAX);
}

static enum seal_verdict
open1(struct seal *s, const uint8_t *dg, size_t n, uint32_t *sender)
{
	static uint8_t body[SEAL_BODY_MAX];
	uint8_t proto;
	size_t len;

	return seal_open(s, dg, n, &proto, sender, body, sizeof(body), &len);
}

static void
test_bound(void)
{
	struct roster r = roster_all();
	struct seal *a = node_seal(&k1, 1, BOOT, &r);
	struct seal *b = node_seal(&k2, 2, BOOT, &r);
	struct seal *c = node_seal(&k3, 3, BOOT, &r);
	uint8_t body[64] = { 1, 2, 3 }, dg[256];
	uint32_t sender = 0;
	size_t n;

	CHECK(seal_has_creds(a));
	n = seal_wrap_to(a, SEAL_P_SWIM, 2, body, sizeof(body), dg,
			sizeof(dg));
	CHECK(n > 0);
	CHECK_EQ(rumor_get32(dg + 20), 2);
	/* For 2 only: 3 holds every key of the cluster but this pair's. */
	CHECK_EQ(open1(c, dg, n, &sender), SEAL_WRONG_RECEIVER);
	dg[23] = 3;
	CHECK_EQ(open1(c, dg, n, &sender), SEAL_FORGED);
	dg[23] = 2;
	CHECK_EQ(open1(b, dg, n, &sender), SEAL_OK);
	CHECK_EQ(sender, 1);
	CHECK(seal_opened_bound(b));
	/* A receiver not in the roster: nothing to seal with. */
	CHECK_EQ(seal_wrap_to(a, SEAL_P_SWIM, 77, body, 8, dg, sizeof(dg)), 0);
	/* Unbound: the cluster key alone, and it says so. */
	n = seal_wrap(a, SEAL_P_SWIM, body, sizeof(body), dg, sizeof(dg));
	CHECK_EQ(rumor_get32(dg + 20), 0);
	CHECK_EQ(open1(b, dg, n, &sender), SEAL_OK);
	CHECK(!seal_opened_bound(b));
	CHECK_EQ(seal_stats(b)->opened_unbound, 1);
	/* A node without credentials takes no bound message. */
	{
		struct seal *plain = node_seal(NULL, 2, BOOT, NULL);

		n = seal_wrap_to(a, SEAL_P_SWIM, 2, body, 8, dg, sizeof(dg));
		CHECK_EQ(open1(plain, dg, n, &sender), SEAL_WRONG_RECEIVER);
		seal_free(plain);
	}
	seal_free(a);
	seal_free(b);
	seal_free(c);
	roster_free(&r);
}

/*
 * Node 3 holds the cluster key and its own credentials, and tries to
 * make node 2 take a message "from 1": with its own pair key under
 * 1's id, with a key it derives as if its key were 1's, and unbound.
 */
static void
test_forged_sender(void)
{
	struct roster r = roster_all();
	struct seal *b = node_seal(&k2, 2, BOOT, &r);
	struct node_key fake = k3;
	const struct node_key *fk[] = { &fake, &k2 };
	struct roster fr;
	struct seal *m;
	uint8_t body[SWIM_MSG_MAX], dg[RUMOR_DATAGRAM_MAX], out[SEAL_BODY_MAX];
	uint32_t sender = 0;
	size_t n, blen, olen;

	/* 3's secret under 1's id, on a roster that says so. */
	fake.id = 1;
	fr = roster_of(fk, 2);
	m = node_seal(&fake, 1, BOOT, &fr);
	blen = swim_body(body, SWIM_GOSSIP, 1, 0, 1);
	n = seal_wrap_to(m, SEAL_P_SWIM, 2, body, blen, dg, sizeof(dg));
	CHECK(n > 0);
	CHECK_EQ(open1(b, dg, n, &sender), SEAL_FORGED);

	/* Its own pair key with 2, the header changed to sender 1. */
	seal_free(m);
	m = node_seal(&k3, 3, BOOT, &r);
	blen = swim_body(body, SWIM_GOSSIP, 3, 0, 1);
	n = seal_wrap_to(m, SEAL_P_SWIM, 2, body, blen, dg, sizeof(dg));
	rumor_put32(dg + 16, 1);
	CHECK_EQ(open1(b, dg, n, &sender), SEAL_FORGED);

	/*
	 * Unbound, as 1, with the cluster key: it opens (that key proves
	 * membership only), and punt_open lets through a join that says
	 * nothing of anyone, and nothing else.
	 */
	seal_free(m);
	m = node_seal(NULL, 1, BOOT, NULL);
	blen = swim_body(body, SWIM_GOSSIP, 1, 0, 1);
	n = seal_wrap(m, SEAL_P_SWIM, body, blen, dg, sizeof(dg));
	CHECK_EQ(punt_open(b, dg, n, out, sizeof(out), &olen, &sender),
			PUNT_FORGED_SENDER);
	blen = swim_body(body, SWIM_PING, 1, 2, 1);
	n = seal_wrap(m, SEAL_P_SWIM, body, blen, dg, sizeof(dg));
	CHECK_EQ(punt_open(b, dg, n, out, sizeof(out), &olen, &sender),
			PUNT_FORGED_SENDER);
	blen = swim_body(body, SWIM_PING, 1, 0, 1);
	n = seal_wrap(m, SEAL_P_SWIM, body, blen, dg, sizeof(dg));
	CHECK_EQ(punt_open(b, dg, n, out, sizeof(out), &olen, &sender),
			PUNT_SWIM);
	CHECK_EQ(olen, SWIM_HDR_LEN);
	CHECK_EQ(out[1], 0);		/* No updates left. */
	{
		struct swim_msg dm;

		CHECK_EQ(swim_decode(out, olen, &dm), SWIM_WIRE_OK);
		CHECK_EQ(dm.n_updates, 0);
	}
	/* A Raft message unbound: never. */
	memset(body, 0, RAFT_ENV_HDR_LEN + 8);
	n = seal_wrap(m, SEAL_P_RAFT, body, RAFT_ENV_HDR_LEN + 8, dg,
			sizeof(dg));
	CHECK_EQ(punt_open(b, dg, n, out, sizeof(out), &olen, &sender),
			PUNT_FORGED_SENDER);
	/*
	 * An unbound boot as high as the skew allows does not make 1's
	 * bound messages old: the two have windows of their own.
	 */
	seal_free(m);
	m = node_seal(NULL, 1, NOW_US + SEAL_BOOT_SKEW_US, NULL);
	blen = swim_body(body, SWIM_PING, 1, 0, 1);
	n = seal_wrap(m, SEAL_P_SWIM, body, blen, dg, sizeof(dg));
	CHECK_EQ(punt_open(b, dg, n, out, sizeof(out), &olen, &sender),
			PUNT_SWIM);
	seal_free(m);
	m = node_seal(&k1, 1, BOOT, &r);
	n = seal_wrap_to(m, SEAL_P_SWIM, 2, body, blen, dg, sizeof(dg));
	CHECK_EQ(open1(b, dg, n, &sender), SEAL_OK);
	CHECK_EQ(sender, 1);

	seal_free(m);
	seal_free(b);
	roster_free(&r);
	roster_free(&fr);
}

static void
test_revoked(void)
{
	struct roster r = roster_all(), r2;
	const struct node_key *k[] = { &k2, &k3 };
	struct seal *a = node_seal(&k1, 1, BOOT, &r);
	struct seal *b = node_seal(&k2, 2, BOOT, &r);
	uint8_t body[16] = { 0 }, dg[128];
	uint32_t sender;
	size_t n;

	n = seal_wrap_to(a, SEAL_P_SWIM, 2, body, sizeof(body), dg,
			sizeof(dg));
	CHECK_EQ(open1(b, dg, n, &sender), SEAL_OK);
	/* 1 revoked: the reload refuses it, bound or not. */
	r2 = roster_of(k, 2);
	CHECK_EQ(seal_set_creds(b, &k2, NULL, &r2), 0);
	n = seal_wrap_to(a, SEAL_P_SWIM, 2, body, sizeof(body), dg,
			sizeof(dg));
	CHECK_EQ(open1(b, dg, n, &sender), SEAL_UNKNOWN_SENDER);
	n = seal_wrap(a, SEAL_P_SWIM, body, sizeof(body), dg, sizeof(dg));
	CHECK_EQ(open1(b, dg, n, &sender), SEAL_UNKNOWN_SENDER);
	CHECK_EQ(seal_stats(b)->refused[SEAL_UNKNOWN_SENDER], 2);
	/* And b no longer seals to it. */
	CHECK_EQ(seal_wrap_to(b, SEAL_P_SWIM, 1, body, 8, dg, sizeof(dg)), 0);
	/* Credentials whose own key is not in the roster: refused. */
	CHECK(seal_set_creds(a, &k1, NULL, &r2) < 0);
	CHECK(seal_set_creds(a, &k2, NULL, &r2) < 0);	/* Another id. */
	seal_free(a);
	seal_free(b);
	roster_free(&r);
	roster_free(&r2);
}

static void
test_future_boot(void)
{
	struct roster r = roster_all();
	struct seal *a = node_seal(&k1, 1, NOW_US + SEAL_BOOT_SKEW_US + 1, &r);
	struct seal *a2 = node_seal(&k1, 1, NOW_US, &r);
	struct seal *b = node_seal(&k2, 2, BOOT, &r);
	uint8_t body[16] = { 0 }, dg[128];
	uint32_t sender;
	size_t n;

	n = seal_wrap_to(a, SEAL_P_SWIM, 2, body, sizeof(body), dg,
			sizeof(dg));
	CHECK_EQ(open1(b, dg, n, &sender), SEAL_FUTURE_BOOT);
	/* It left no trace: 1's real boot still opens. */
	n = seal_wrap_to(a2, SEAL_P_SWIM, 2, body, sizeof(body), dg,
			sizeof(dg));
	CHECK_EQ(open1(b, dg, n, &sender), SEAL_OK);
	seal_free(a);
	seal_free(a2);
	seal_free(b);
	roster_free(&r);
}

/*
 * Node 2 rotates: the roster has its old and new keys; 1 seals to the
 * oldest; 2, on its new key, still opens that with the previous one, and
 * 1 opens what 2 seals with its new key.
 */
static void
test_rotation(void)
{
	const struct node_key *k[] = { &k1, &k2, &k2b, &k3 };
	struct roster r = roster_of(k, 4);
	struct seal *a = node_seal(&k1, 1, BOOT, &r);
	struct seal *b = node_seal(&k2, 2, BOOT, &r);
	uint8_t body[16] = { 0 }, dg[128];
	uint32_t sender;
	size_t n;

	CHECK_EQ(seal_set_creds(b, &k2b, &k2, &r), 0);
	n = seal_wrap_to(a, SEAL_P_SWIM, 2, body, sizeof(body), dg,
			sizeof(dg));
	CHECK_EQ(open1(b, dg, n, &sender), SEAL_OK);
	n = seal_wrap_to(b, SEAL_P_SWIM, 1, body, sizeof(body), dg,
			sizeof(dg));
	CHECK_EQ(open1(a, dg, n, &sender), SEAL_OK);
	CHECK_EQ(sender, 2);
	/* Without the previous key, what 1 sealed to the old one fails. */
	CHECK_EQ(seal_set_creds(b, &k2b, NULL, &r), 0);
	n = seal_wrap_to(a, SEAL_P_SWIM, 2, body, sizeof(body), dg,
			sizeof(dg));
	CHECK_EQ(open1(b, dg, n, &sender), SEAL_FORGED);
	seal_free(a);
	seal_free(b);
	roster_free(&r);
}

static void
test_boot_file(void)
{
	char dir[] = "/tmp/test_boot.XXXXXX", path[64], err[256];
	uint64_t boot = 0;
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/boot", dir);
	CHECK_EQ(boot_next(path, 1000, &boot, err, sizeof(err)), 0);
	CHECK_EQ(boot, 1000);
	/* The clock set back: still one more than the last. */
	CHECK_EQ(boot_next(path, 10, &boot, err, sizeof(err)), 0);
	CHECK_EQ(boot, 1001);
	CHECK_EQ(boot_next(path, 1001, &boot, err, sizeof(err)), 0);
	CHECK_EQ(boot, 1002);
	CHECK_EQ(boot_next(path, 5000, &boot, err, sizeof(err)), 0);
	CHECK_EQ(boot, 5000);
	/* Anything but a boot number is refused, not overwritten. */
	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(fd >= 0);
	CHECK(write(fd, "boot 12x\n", 9) == 9);
	close(fd);
	CHECK(boot_next(path, 1, &boot, err, sizeof(err)) < 0);
	CHECK(strstr(err, "not a boot number") != NULL);
	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(write(fd, "boot 18446744073709551615\n", 26) == 26);
	close(fd);
	CHECK(boot_next(path, 1, &boot, err, sizeof(err)) < 0);
	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(write(fd, "boot 99999999999999999999\n", 26) == 26);
	close(fd);
	CHECK(boot_next(path, 1, &boot, err, sizeof(err)) < 0);
	unlink(path);
	/* A directory that does not exist. */
	snprintf(path, sizeof(path), "%s/no/boot", dir);
	CHECK(boot_next(path, 1, &boot, err, sizeof(err)) < 0);
	rmdir(dir);
}

static const struct test_section sections[] = {
	{ "bound", test_bound },
	{ "forged_sender", test_forged_sender },
	{ "revoked", test_revoked },
	{ "future_boot", test_future_boot },
	{ "rotation", test_rotation },
	{ "boot_file", test_boot_file },
};

int
main(int argc, char **argv)
{
	int rc;

	if (sodium_init() < 0 || node_key_generate(1, &k1) < 0 ||
			node_key_generate(2, &k2) < 0 ||
			node_key_generate(3, &k3) < 0 ||
			node_key_generate(2, &k2b) < 0)
		return 1;
	rc = test_run(argc, argv, "test_seal_creds", sections,
			TEST_DIM(sections));
	node_key_wipe(&k1);
	node_key_wipe(&k2);
	node_key_wipe(&k3);
	node_key_wipe(&k2b);
	return rc;
}
