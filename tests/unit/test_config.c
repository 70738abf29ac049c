/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration file parser (include/rumor/config.h): a full valid
 * file, a bad value for every field with the exact "NAME:LINE: field 'F':"
 * prefix checked, the whole-file checks, comments and blank lines, limits,
 * the replicas keys and their channel-name patterns, member zones, and
 * config_load.
 * Text is always handed over in a heap buffer of exactly its length,
 * without a NUL, so ASan catches a read beyond it.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rumor/config.h"
#include "rumor/ring.h"
#include "test.h"

#define NAME "test.conf"

/* The valid file, one string per line (line numbers from 1). */
static const char *const base[] = {
	"# A three-node cluster, seen from node 2.",		/* 1 */
	"node_id = 2",						/* 2 */
	"address = 10.0.0.2",					/* 3 */
	"udp_port = 7000",					/* 4 */
	"dpdk_port = 1",					/* 5 */
	"sink = 10.0.0.100:9000 mac=02:00:00:00:00:64",		/* 6 */
	"",							/* 7 */
	"member = 3 10.0.0.3 weight=2 mac=02:00:00:00:00:03",	/* 8 */
	"member = 1 10.0.0.1 udp=7001",				/* 9 */
	"member = 2 10.0.0.2   # this node",			/* 10 */
};
#define BASE_LINES (sizeof(base) / sizeof(base[0]))

/* Line numbers of the fields in base[]. */
enum {
	L_NODE_ID = 2,
	L_ADDRESS = 3,
	L_UDP_PORT = 4,
	L_DPDK_PORT = 5,
	L_SINK = 6,
	L_MEMBER3 = 8,
	L_MEMBER1 = 9,
	L_SELF = 10,
};

/* Parse text[0..len) from an exact-size heap copy. */
static int
parse_buf(const char *text, size_t len, struct rumor_config *c, char *err)
{
	char *copy = (char *)test_copy_exact(text, len);
	int rc;

	err[0] = '\0';
	rc = config_parse(copy, len, NAME, c, err, CONFIG_ERR_MAX);
	free(copy);
	return rc;
}

static int
parse_str(const char *text, struct rumor_config *c, char *err)
{
	return parse_buf(text, strlen(text), c, err);
}

/*
 * The base file with line `line` replaced by `repl` (NULL removes it,
 * line 0 replaces nothing) and `extra` appended (if not NULL).
 */
static char *
base_with(unsigned line, const char *repl, const char *extra)
{
	size_t cap = 4096 + (repl != NULL ? strlen(repl) : 0) +
			(extra != NULL ? strlen(extra) : 0);
	char *s = malloc(cap);
	size_t n = 0;

	if (s == NULL)
		abort();
	s[0] = '\0';
	for (unsigned i = 1; i <= BASE_LINES; i++) {
		const char *l = i == line ? repl : base[i - 1];

		if (l == NULL)
			continue;
		n += (size_t)snprintf(s + n, cap - n, "%s\n", l);
	}
	if (extra != NULL)
		snprintf(s + n, cap - n, "%s", extra);
	return s;
}

/* Parse the base file, line at replaced by repl and extra appended. */
static int
parse_with(unsigned at, const char *repl, const char *extra,
		struct rumor_config *c)
{
	char *text = base_with(at, repl, extra);
	char err[CONFIG_ERR_MAX];
	int rc = parse_str(text, c, err);

	free(text);
	return rc;
}

/*
 * Parse text and require an error starting with prefix, and the
 * configuration left empty.
 */
#define EXPECT_ERR(text, prefix) expect_err((text), (prefix), __LINE__)

static void
expect_err(const char *text, const char *prefix, int line)
{
	struct rumor_config c;
	char err[CONFIG_ERR_MAX];
	int rc = parse_str(text, &c, err);

	if (!test_check_eq((uint64_t)(int64_t)rc, (uint64_t)-1, __FILE__,
			line, "config_parse()", "-1")) {
		config_free(&c);
		return;
	}
	test_check_prefix(err, prefix, __FILE__, line);
	test_check(c.members == NULL && c.n_members == 0, __FILE__, line,
			"configuration left empty");
	/* After the field comes what is wrong. */
	test_check(strstr(err, "': ") != NULL &&
			strstr(err, "': ")[3] != '\0', __FILE__, line,
			"message says what is wrong");
}

/* The base file, line at replaced by repl and extra appended: EXPECT_ERR. */
#define EXPECT_ERR_WITH(at, repl, extra, prefix) \
	expect_err_with((at), (repl), (extra), (prefix), __LINE__)

static void
expect_err_with(unsigned at, const char *repl, const char *extra,
		const char *prefix, int line)
{
	char *text = base_with(at, repl, extra);

	expect_err(text, prefix, line);
	free(text);
}

/* Replace line `line` of the base file with repl; expect field's error. */
#define EXPECT_BAD(line, repl, field) \
	expect_bad((line), (repl), (field), __LINE__)

static void
expect_bad(unsigned line, const char *repl, const char *field, int at)
{
	char prefix[128];

	snprintf(prefix, sizeof(prefix), NAME ":%u: field '%s':", line,
			field);
	expect_err_with(line, repl, NULL, prefix, at);
}

static void
test_valid(void)
{
	char *text = base_with(0, NULL, NULL);
	struct rumor_config c;
	char err[CONFIG_ERR_MAX];
	const struct config_member *m;

	if (!CHECK_EQ(parse_str(text, &c, err), 0)) {
		fprintf(stderr, "  %s\n", err);
		free(text);
		return;
	}
	CHECK_EQ(c.node_id, 2);
	CHECK_EQ(c.address, inet_addr("10.0.0.2"));
	CHECK_EQ(c.udp_port, 7000);
	CHECK_EQ(c.dpdk_port, 1);
	CHECK(c.has_sink);
	CHECK_EQ(c.sink_ip, inet_addr("10.0.0.100"));
	CHECK_EQ(c.sink_port, 9000);
	CHECK(c.sink_has_mac);
	CHECK(memcmp(c.sink_mac, "\x02\x00\x00\x00\x00\x64", 6) == 0);
	CHECK_EQ(c.n_members, 3);

	/* Sorted by id whatever the order in the file. */
	CHECK_EQ(c.members[0].id, 1);
	CHECK_EQ(c.members[1].id, 2);
	CHECK_EQ(c.members[2].id, 3);

	m = &c.members[0];
	CHECK_EQ(m->ip, inet_addr("10.0.0.1"));
	CHECK_EQ(m->udp_port, 7001);
	CHECK_EQ(m->weight, 1);
	CHECK(!m->has_mac);
	m = &c.members[1];
	CHECK_EQ(m->ip, inet_addr("10.0.0.2"));
	CHECK_EQ(m->udp_port, 7000);	/* udp_port is the default. */
	m = &c.members[2];
	CHECK_EQ(m->ip, inet_addr("10.0.0.3"));
	CHECK_EQ(m->udp_port, 7000);
	CHECK_EQ(m->weight, 2);
	CHECK(m->has_mac);
	CHECK(memcmp(m->mac, "\x02\x00\x00\x00\x00\x03", 6) == 0);

	CHECK(config_member_find(&c, 3) == &c.members[2]);
	CHECK(config_member_find(&c, 1) == &c.members[0]);
	CHECK(config_member_find(&c, 4) == NULL);
	CHECK(config_member_find(&c, 0) == NULL);

	config_free(&c);
	CHECK(c.members == NULL && c.n_members == 0);
	config_free(&c);		/* Twice is safe. */
	free(text);

	/* The smallest file: defaults everywhere else. */
	CHECK_EQ(parse_str("node_id=1\naddress=10.1.1.1\nmember=1 10.1.1.1",
			&c, err), 0);
	CHECK_EQ(c.udp_port, 7946);
	CHECK_EQ(c.dpdk_port, 0);
	CHECK(!c.has_sink);
	CHECK_EQ(c.members[0].udp_port, 7946);
	config_free(&c);

	/* Two members on one address, different ports: fine. */
	CHECK_EQ(parse_with(0, NULL, "member = 4 10.0.0.3 udp=7003\n", &c), 0);
	CHECK_EQ(c.n_members, 4);
	config_free(&c);

	/* Upper-case MAC digits, a sink without a MAC. */
	CHECK_EQ(parse_with(L_SINK, "sink = 10.0.0.100:1",
			"member = 9 10.0.0.9 mac=0A:BC:DE:F0:12:34 weight=1000",
			&c), 0);
	CHECK(!c.sink_has_mac);
	CHECK_EQ(c.sink_port, 1);
	CHECK_EQ(c.members[3].weight, RING_WEIGHT_MAX);
	CHECK(memcmp(c.members[3].mac, "\x0a\xbc\xde\xf0\x12\x34", 6) == 0);
	config_free(&c);
}

static void
test_comments(void)
{
	static const char text[] =
		"# leading comment\r\n"
		"\r\n"
		"   \t  \n"
		"\t# indented comment\n"
		"node_id=2# no spaces, comment glued on\n"
		"  address   =\t10.0.0.2   \r\n"
		"#member = 99 10.9.9.9\n"
		"member = 1 10.0.0.1\t weight=3 \n"
		"member = 2 10.0.0.2 # self\r\n"
		"#";
	struct rumor_config c;
	char err[CONFIG_ERR_MAX];

	if (!CHECK_EQ(parse_str(text, &c, err), 0)) {
		fprintf(stderr, "  %s\n", err);
		return;
	}
	CHECK_EQ(c.node_id, 2);
	CHECK_EQ(c.address, inet_addr("10.0.0.2"));
	CHECK_EQ(c.n_members, 2);
	CHECK_EQ(c.members[0].weight, 3);
	CHECK(config_member_find(&c, 99) == NULL);
	config_free(&c);

	/* Line numbers count comment and blank lines. */
	EXPECT_ERR("# one\n\n# three\n\nnode_id = x\n",
			NAME ":5: field 'node_id':");
	/* CRLF files count lines the same way. */
	EXPECT_ERR("# one\r\n\r\nbogus = 1\r\n", NAME ":3: field 'bogus':");
	/* '#' inside a value starts a comment. */
	EXPECT_ERR("node_id = #2\n", NAME ":1: field 'node_id':");
}

/* A bad value for every field. */
static void
test_bad_values(void)
{
	static const char *const node_id[] = {
		"0", "-1", "abc", "4294967296", "", "1 2", "0x10", "+3", "2.0",
	};
	static const char *const address[] = {
		"10.0.0", "0.0.0.0", "255.255.255.255", "10.0.0.2.1", "",
		"host", "10.0.0.256", "10.0.0.2:7000",
	};
	static const char *const port[] = {
		"0", "65536", "x", "", "-1", "70000", "7000 7001",
	};
	static const char *const dpdk_port[] = {
		"1024", "-1", "x", "", "99999999999999999999",
	};
	static const char *const sink[] = {
		"", "10.0.0.100", "10.0.0.100:", "10.0.0.100:0",
		"10.0.0.100:65536", "10.0.0:9000", ":9000",
		"10.0.0.100:9000:1",
		"10.0.0.100:9000 mac=01:00:5e:00:00:01",
		"10.0.0.100:9000 mac=ff:ff:ff:ff:ff:ff",
		"10.0.0.100:9000 mac=03:00:00:00:00:64",
		"10.0.0.100:9000 mac=02:00:00:00:00",
		"10.0.0.100:9000 mac=02:00:00:00:00:6g",
		"10.0.0.100:9000 mac=02-00-00-00-00-64",
		"10.0.0.100:9000 mac=",
		"10.0.0.100:9000 foo",
		"10.0.0.100:9000 mac=02:00:00:00:00:64 extra",
		"10.0.0.100:9000 weight=2",
	};
	static const char *const member[] = {
		"0 10.0.0.3", "x 10.0.0.3", "3", "", "4294967296 10.0.0.3",
		"3 10.0.0", "3 host", "3 10.0.0.3 weight=0",
		"3 10.0.0.3 weight=1001", "3 10.0.0.3 weight=",
		"3 10.0.0.3 weight=x", "3 10.0.0.3 mac=01:00:5e:00:00:03",
		"3 10.0.0.3 mac=ff:ff:ff:ff:ff:ff", "3 10.0.0.3 mac=zz",
		"3 10.0.0.3 mac=02:00:00:00:00:003",
		"3 10.0.0.3 mac= 02:00:00:00:00:03",
		"3 10.0.0.3 udp=0", "3 10.0.0.3 udp=65536",
		"3 10.0.0.3 udp=", "3 10.0.0.3 colour=red",
		"3 10.0.0.3 weight", "3 10.0.0.3 7000",
	};

	/* Each key with its bad values, on its line of the base file. */
	static const struct {
		const char *key;
		unsigned line;
		const char *const *bad;
		size_t n;
	} keys[] = {
		{ "node_id", L_NODE_ID, node_id, TEST_DIM(node_id) },
		{ "address", L_ADDRESS, address, TEST_DIM(address) },
		{ "udp_port", L_UDP_PORT, port, TEST_DIM(port) },
		{ "dpdk_port", L_DPDK_PORT, dpdk_port, TEST_DIM(dpdk_port) },
		{ "sink", L_SINK, sink, TEST_DIM(sink) },
		{ "member", L_MEMBER3, member, TEST_DIM(member) },
	};
	char line[256];

	for (size_t k = 0; k < TEST_DIM(keys); k++)
		for (size_t i = 0; i < keys[k].n; i++) {
			snprintf(line, sizeof(line), "%s = %s", keys[k].key,
					keys[k].bad[i]);
			EXPECT_BAD(keys[k].line, line, keys[k].key);
		}

	/* Unknown keys, and lines that are not key = value. */
	EXPECT_BAD(L_DPDK_PORT, "colour = blue", "colour");
	EXPECT_BAD(L_DPDK_PORT, "Node_ID = 2", "Node_ID");
	EXPECT_BAD(L_DPDK_PORT, "= 2", "");
	EXPECT_BAD(L_DPDK_PORT, "node_id 2", "node_id 2");
	EXPECT_BAD(L_DPDK_PORT, "members = 1 10.0.0.1", "members");

	/* udp_port after the first member. */
	{
		char *text = base_with(0, NULL, "udp_port = 7000\n");
		char prefix[64];

		snprintf(prefix, sizeof(prefix), NAME ":%zu: field "
				"'udp_port':", BASE_LINES + 1);
		EXPECT_ERR(text, prefix);
		free(text);
	}
}

/* Checks that need the whole file: no line to name, only the field. */
static void
test_whole_file(void)
{
	EXPECT_ERR_WITH(L_NODE_ID, NULL, NULL,
			NAME ": field 'node_id': missing");
	EXPECT_ERR_WITH(L_ADDRESS, NULL, NULL,
			NAME ": field 'address': missing");
	EXPECT_ERR("node_id = 1\naddress = 10.0.0.1\n",
			NAME ": field 'member': missing");
	EXPECT_ERR("", NAME ": field 'node_id': missing");
	EXPECT_ERR("# nothing but a comment\n",
			NAME ": field 'node_id': missing");

	/* Duplicate ids, also on different addresses. */
	EXPECT_ERR_WITH(0, NULL, "member = 3 10.0.0.4\n",
			NAME ":11: field 'member': node id 3 listed twice");
	EXPECT_ERR_WITH(0, NULL, "member = 1 10.0.0.1 udp=7001\n",
			NAME ":11: field 'member': node id 1 listed twice");

	/* Two members on the same address and port. */
	EXPECT_ERR_WITH(0, NULL, "member = 4 10.0.0.3\n",
			NAME ":11: field 'member': same address and port "
			"as node 3 (line 8)");
	EXPECT_ERR_WITH(0, NULL, "member = 4 10.0.0.1 udp=7001\n",
			NAME ":11: field 'member': same address and port "
			"as node 1 (line 9)");

	/* This node is not a member. */
	EXPECT_ERR_WITH(L_NODE_ID, "node_id = 4", NULL,
			NAME ": field 'node_id': node 4 is not in the "
			"member list");

	/* This node's member line disagrees with 'address' or 'udp_port'. */
	EXPECT_ERR_WITH(L_SELF, "member = 2 10.0.0.22", NULL,
			NAME ":10: field 'member': node 2 (this node)");
	EXPECT_ERR_WITH(L_SELF, "member = 2 10.0.0.2 udp=7946", NULL,
			NAME ":10: field 'member': node 2 (this node)");

	/* The sink may not be this node itself. */
	EXPECT_ERR_WITH(L_SINK, "sink = 10.0.0.2:9000", NULL,
			NAME ": field 'sink':");
}

static void
test_limits(void)
{
	struct rumor_config c;
	char err[CONFIG_ERR_MAX];
	char *text, *line;
	size_t n;

	/* A NUL byte anywhere: not a text file. */
	text = base_with(0, NULL, NULL);
	n = strlen(text);
	text[20] = '\0';
	CHECK_EQ(parse_buf(text, n, &c, err), -1);
	CHECK_PREFIX(err, NAME ": field '(file)':");
	CHECK(c.members == NULL);
	text[20] = 'x';
	text[n - 1] = '\0';
	CHECK_EQ(parse_buf(text, n, &c, err), -1);
	CHECK_PREFIX(err, NAME ": field '(file)':");
	free(text);

	/* Lines of 1023 bytes are fine, 1024 are not, wherever they are. */
	line = malloc(2048);
	if (line == NULL)
		abort();
	memset(line, ' ', 2048);
	line[0] = '#';
	line[1023] = '\0';
	CHECK_EQ(parse_with(L_DPDK_PORT, line, NULL, &c), 0);
	config_free(&c);
	line[1023] = ' ';
	line[1024] = '\0';
	EXPECT_ERR_WITH(L_DPDK_PORT, line, NULL, NAME ":5: field '(line)':");
	/* The same as the last line, without a newline. */
	EXPECT_ERR_WITH(0, NULL, line, NAME ":11: field '(line)':");
	line[1024] = ' ';
	line[2047] = '\0';
	EXPECT_ERR_WITH(L_ADDRESS, line, NULL, NAME ":3: field '(line)':");
	free(line);

	/* A small error buffer is filled and terminated, not overrun. */
	{
		char small[16];
		const char *bad = "node_id = 0\n";
		char *copy = malloc(strlen(bad));

		if (copy == NULL)
			abort();
		memcpy(copy, bad, strlen(bad));
		memset(small, 'x', sizeof(small));
		CHECK_EQ(config_parse(copy, strlen(bad), NAME, &c, small,
				sizeof(small)), -1);
		CHECK(memchr(small, '\0', sizeof(small)) != NULL);
		CHECK_EQ(strlen(small), sizeof(small) - 1);
		CHECK_PREFIX(small, NAME ":1: f");
		free(copy);
	}

	/*
	 * RING_MEMBERS_MAX members are the most: the next member line is
	 * refused on its line (the whole-file checks are not reached).
	 */
	{
		size_t cap = (RING_MEMBERS_MAX + 2) * 40 + 100, len = 0;
		char prefix[64];

		text = malloc(cap);
		if (text == NULL)
			abort();
		len += (size_t)snprintf(text + len, cap - len,
				"node_id = 1\naddress = 10.0.0.1\n");
		for (uint32_t id = 1; id <= RING_MEMBERS_MAX + 1; id++)
			len += (size_t)snprintf(text + len, cap - len,
					"member = %u 10.%u.%u.%u\n", id,
					id >> 16, (id >> 8) & 0xff, id & 0xff);
		snprintf(prefix, sizeof(prefix), NAME ":%u: field 'member': "
				"more than %u members", RING_MEMBERS_MAX + 3,
				RING_MEMBERS_MAX);
		EXPECT_ERR(text, prefix);
		free(text);
	}
}

/* Members given in a random order come out sorted by id. */
static void
test_sorted(void)
{
	uint32_t ids[200];
	uint64_t seed = 17;
	size_t cap = 200 * 64 + 100, len = 0;
	char *text = malloc(cap);
	struct rumor_config c;
	char err[CONFIG_ERR_MAX];

	if (text == NULL)
		abort();
	for (uint32_t i = 0; i < 200; i++)
		ids[i] = i * 7919 + 1;
	for (uint32_t i = 199; i > 0; i--) {
		uint32_t j = (uint32_t)(test_rand(&seed) % (i + 1)), t = ids[i];

		ids[i] = ids[j];
		ids[j] = t;
	}
	len += (size_t)snprintf(text + len, cap - len,
			"node_id = 1\naddress = 10.0.0.1\n");
	for (uint32_t i = 0; i < 200; i++)
		len += (size_t)snprintf(text + len, cap - len,
				"member = %u 10.0.%u.%u weight=%u\n", ids[i],
				ids[i] == 1 ? 0 : 1 + i / 250,
				ids[i] == 1 ? 1 : i % 250 + 2, ids[i] % 7 + 1);
	if (!CHECK_EQ(parse_str(text, &c, err), 0)) {
		fprintf(stderr, "  %s\n", err);
		free(text);
		return;
	}
	CHECK_EQ(c.n_members, 200);
	for (uint32_t i = 0; i < c.n_members; i++) {
		CHECK_EQ(c.members[i].id, i * 7919 + 1);
		CHECK_EQ(c.members[i].weight, c.members[i].id % 7 + 1);
		CHECK(config_member_find(&c, c.members[i].id) ==
				&c.members[i]);
		CHECK(config_member_find(&c, c.members[i].id + 1) == NULL);
	}
	config_free(&c);
	free(text);
}

static void
test_load(void)
{
	char path[] = "/tmp/rumor-test-config-XXXXXX";
	char *text = base_with(0, NULL, NULL);
	struct rumor_config c;
	char err[CONFIG_ERR_MAX], prefix[128];
	int fd = mkstemp(path);
	size_t len = strlen(text);

	CHECK(fd >= 0);
	if (fd < 0) {
		free(text);
		return;
	}
	CHECK_EQ(write(fd, text, len), len);
	close(fd);
	free(text);

	CHECK_EQ(config_load(path, &c, err, sizeof(err)), 0);
	CHECK_EQ(c.n_members, 3);
	CHECK_EQ(c.node_id, 2);
	config_free(&c);

	/* Errors name the path. */
	fd = open(path, O_WRONLY | O_APPEND);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK_EQ(write(fd, "bogus = 1\n", 10), 10);
		close(fd);
	}
	snprintf(prefix, sizeof(prefix), "%s:%zu: field 'bogus':", path,
			BASE_LINES + 1);
	CHECK_EQ(config_load(path, &c, err, sizeof(err)), -1);
	CHECK_PREFIX(err, prefix);
	unlink(path);

	/* A missing file is named. */
	CHECK_EQ(config_load(path, &c, err, sizeof(err)), -1);
	CHECK_PREFIX(err, path);
	CHECK(strstr(err, "cannot open") != NULL);
	CHECK(c.members == NULL && c.n_members == 0);
	config_free(&c);
	CHECK_EQ(config_load("/nonexistent/dir/rumor.conf", &c, err,
			sizeof(err)), -1);
	CHECK_PREFIX(err, "/nonexistent/dir/rumor.conf:");
}

/* The chan_* keys: the limits of channel audiences. */
static const struct {
	const char *key;
	size_t off;
	uint32_t max;
} chan_keys[] = {
	{ "chan_subs_per_client",
	  offsetof(struct book_limits, subs_per_client), 65536 },
	{ "chan_subs_per_node",
	  offsetof(struct book_limits, subs_per_node), 65536 },
	{ "chan_clients", offsetof(struct book_limits, clients), 65536 },
	{ "chan_subs_per_channel",
	  offsetof(struct book_limits, subs_per_channel), 65536 },
	{ "chan_interest_set",
	  offsetof(struct book_limits, interest_set), 65535 },
	{ "chan_owned", offsetof(struct book_limits, owned), 65536 },
};
#define N_CHAN_KEYS (sizeof(chan_keys) / sizeof(chan_keys[0]))

/* The limit of chan_keys[i] in l. */
static uint32_t
chan_limit(const struct book_limits *l, size_t i)
{
	uint32_t v;

	memcpy(&v, (const char *)l + chan_keys[i].off, sizeof(v));
	return v;
}

static void
test_chan_limits(void)
{
	static const char *const garbage[] = {
		"", "x", "-1", "+5", "1k", "0x10", "1 2", "1.0", "1e3",
		"99999999999999999999", "many",
	};
	struct book_limits def;
	struct rumor_config c;
	char err[CONFIG_ERR_MAX], line[256], prefix[160];
	char *text;

	/* Without the keys: book_limits_default, in every file. */
	book_limits_default(&def);
	CHECK_EQ(def.subs_per_client, 1024);
	CHECK_EQ(def.subs_per_node, 65536);
	CHECK_EQ(def.clients, 16384);
	CHECK_EQ(def.subs_per_channel, 4096);
	CHECK_EQ(def.interest_set, 1024);
	CHECK_EQ(def.owned, 65536);
	CHECK_EQ(parse_with(0, NULL, NULL, &c), 0);
	CHECK(memcmp(&c.chan_limits, &def, sizeof(def)) == 0);
	config_free(&c);
	CHECK_EQ(parse_str("node_id=1\naddress=10.1.1.1\nmember=1 10.1.1.1",
			&c, err), 0);
	CHECK(memcmp(&c.chan_limits, &def, sizeof(def)) == 0);
	config_free(&c);

	/* All of them, before or after the members; the others default. */
	text = base_with(L_DPDK_PORT, "chan_subs_per_client=7 # comment",
			"chan_subs_per_node = 100\n"
			"  chan_clients\t=\t9  \n"
			"chan_subs_per_channel = 3\n"
			"chan_interest_set = 2\n"
			"chan_owned = 11\n");
	if (CHECK_EQ(parse_str(text, &c, err), 0)) {
		CHECK_EQ(c.chan_limits.subs_per_client, 7);
		CHECK_EQ(c.chan_limits.subs_per_node, 100);
		CHECK_EQ(c.chan_limits.clients, 9);
		CHECK_EQ(c.chan_limits.subs_per_channel, 3);
		CHECK_EQ(c.chan_limits.interest_set, 2);
		CHECK_EQ(c.chan_limits.owned, 11);
		CHECK_EQ(c.dpdk_port, 0);
		config_free(&c);
	} else {
		fprintf(stderr, "  %s\n", err);
	}
	free(text);

	for (size_t i = 0; i < N_CHAN_KEYS; i++) {
		const char *key = chan_keys[i].key;
		const uint32_t ok[] = { 1, 2, chan_keys[i].max - 1,
				chan_keys[i].max };

		/* Each one alone: 1 and the maximum are accepted... */
		for (size_t k = 0; k < sizeof(ok) / sizeof(ok[0]); k++) {
			snprintf(line, sizeof(line), "%s = %u\n", key, ok[k]);
			text = base_with(0, NULL, line);
			if (CHECK_EQ(parse_str(text, &c, err), 0)) {
				CHECK_EQ(chan_limit(&c.chan_limits, i), ok[k]);
				for (size_t j = 0; j < N_CHAN_KEYS; j++)
					if (j != i)
						CHECK_EQ(chan_limit(
							&c.chan_limits, j),
							chan_limit(&def, j));
				config_free(&c);
			} else {
				fprintf(stderr, "  %s\n", err);
			}
			free(text);
		}

		/* ...0, one over the maximum and garbage are not. */
		snprintf(line, sizeof(line), "%s = 0", key);
		EXPECT_BAD(L_DPDK_PORT, line, key);
		snprintf(line, sizeof(line), "%s = %u", key,
				chan_keys[i].max + 1);
		EXPECT_BAD(L_DPDK_PORT, line, key);
		for (size_t g = 0; g < sizeof(garbage) / sizeof(garbage[0]);
				g++) {
			snprintf(line, sizeof(line), "%s = %s", key,
					garbage[g]);
			EXPECT_BAD(L_DPDK_PORT, line, key);
		}

		/* The message gives the range, on the line of the key. */
		snprintf(line, sizeof(line), "%s = %u\n", key,
				chan_keys[i].max + 1);
		text = base_with(0, NULL, line);
		snprintf(prefix, sizeof(prefix), NAME ":%zu: field '%s': "
				"expected a number from 1 to %u",
				BASE_LINES + 1, key, chan_keys[i].max);
		EXPECT_ERR(text, prefix);
		free(text);

		/* Given twice. */
		snprintf(line, sizeof(line), "%s = 5\n# between\n%s = 6\n",
				key, key);
		text = base_with(0, NULL, line);
		snprintf(prefix, sizeof(prefix), NAME ":%zu: field '%s': "
				"given more than once", BASE_LINES + 3, key);
		EXPECT_ERR(text, prefix);
		free(text);
	}

	/* An error in a limit stops at its line, before whole-file checks. */
	EXPECT_ERR("chan_owned = 65537\n", NAME ":1: field 'chan_owned':");
	EXPECT_ERR("node_id = 1\nchan_clients = none\n",
			NAME ":2: field 'chan_clients':");
	/* Case matters, as for every key. */
	EXPECT_BAD(L_DPDK_PORT, "Chan_owned = 5", "Chan_owned");
	EXPECT_BAD(L_DPDK_PORT, "chan_limit = 5", "chan_limit");
}

/* voter and raft_dir: Raft off without voters; 3 or 5 distinct ids. */
static void
test_voters(void)
{
	struct rumor_config c;

	CHECK_EQ(parse_with(0, NULL, NULL, &c), 0);
	CHECK_EQ(c.n_voters, 0);
	CHECK_EQ(c.raft_dir[0], '\0');
	config_free(&c);

	/* Given in any order, kept sorted. */
	CHECK_EQ(parse_with(0, NULL, "voter = 3\nvoter = 1\nvoter = 2\n"
			"raft_dir = /var/lib/rumor/raft\n", &c), 0);
	CHECK_EQ(c.n_voters, 3);
	CHECK_EQ(c.voters[0], 1);
	CHECK_EQ(c.voters[1], 2);
	CHECK_EQ(c.voters[2], 3);
	CHECK(strcmp(c.raft_dir, "/var/lib/rumor/raft") == 0);
	config_free(&c);

	CHECK_EQ(parse_with(0, NULL, "voter = 5\nvoter = 4\nvoter = 3\n"
			"voter = 2\nvoter = 1\nraft_dir = /r\n", &c), 0);
	CHECK_EQ(c.n_voters, 5);
	CHECK_EQ(c.voters[4], 5);
	config_free(&c);

	/* Errors name the line and the field. */
	EXPECT_ERR_WITH(0, NULL, "voter = 1\nvoter = 2\nraft_dir = /r\n",
			NAME ":12: field 'voter': 2 voters");
	EXPECT_ERR_WITH(0, NULL,
			"voter = 1\nvoter = 2\nvoter = 3\n"
			"voter = 4\nraft_dir = /r\n",
			NAME ":14: field 'voter': 4 voters");
	EXPECT_ERR_WITH(0, NULL, "voter = 1\nvoter = 2\nvoter = 1\n",
			NAME ":13: field 'voter': node 1 named twice");
	EXPECT_ERR_WITH(0, NULL, "voter = 0\n", NAME ":11: field 'voter':");
	EXPECT_ERR_WITH(0, NULL, "voter = x1\n", NAME ":11: field 'voter':");
	EXPECT_ERR_WITH(0, NULL,
			"voter = 1\nvoter = 2\nvoter = 3\n"
			"voter = 4\nvoter = 5\nvoter = 6\n",
			NAME ":16: field 'voter': more than 5");
	EXPECT_ERR_WITH(0, NULL, "voter = 1\nvoter = 2\nvoter = 3\n",
			NAME ": field 'raft_dir': missing");
	EXPECT_ERR_WITH(0, NULL, "raft_dir = /r\n",
			NAME ": field 'raft_dir': given without voters");
	EXPECT_ERR_WITH(0, NULL,
			"voter = 1\nvoter = 2\nvoter = 3\n"
			"raft_dir = /r\nraft_dir = /s\n",
			NAME ":15: field 'raft_dir': given more than once");
	EXPECT_ERR_WITH(0, NULL,
			"voter = 1\nvoter = 2\nvoter = 3\n"
			"raft_dir = /a b\n", NAME ":14: field 'raft_dir':");
}

/* The glob, recursively, as the reference for config_replicas_for. */
static bool
glob_ref(const char *p, size_t pn, const char *s, size_t sn)
{
	if (pn == 0)
		return sn == 0;
	if (p[0] == '*')
		return glob_ref(p + 1, pn - 1, s, sn) ||
				(sn > 0 && glob_ref(p, pn, s + 1, sn - 1));
	return sn > 0 && (p[0] == '?' || p[0] == s[0]) &&
			glob_ref(p + 1, pn - 1, s + 1, sn - 1);
}

/* R of the channel named by the string name. */
static unsigned
replicas_of(const struct rumor_config *c, const char *name)
{
	return config_replicas_for(c, name, strlen(name));
}

/* replicas and replicas_for: values, first match, refusals, globs. */
static void
test_replicas(void)
{
	static const char *const garbage[] = {
		"", "x", "-1", "+3", "0x3", "3 3", "3.0",
		"99999999999999999999",
	};
	struct rumor_config c, zero;
	char err[CONFIG_ERR_MAX], line[600], pat[300];
	uint64_t seed = 5;
	char *text;

	/* Without the keys: 3 for every channel. */
	CHECK_EQ(parse_with(0, NULL, NULL, &c), 0);
	CHECK_EQ(c.replicas, CONFIG_REPLICAS_DEFAULT);
	CHECK_EQ(CONFIG_REPLICAS_DEFAULT, 3);
	CHECK_EQ(c.n_replicas_for, 0);
	CHECK_EQ(replicas_of(&c, "orders"), 3);
	CHECK_EQ(config_replicas_for(&c, NULL, 0), 3);
	config_free(&c);
	/* Nor in a configuration that was not parsed. */
	memset(&zero, 0, sizeof(zero));
	CHECK_EQ(replicas_of(&zero, "orders"), 3);

	for (unsigned r = 1; r <= RING_REPLICAS_MAX; r++) {
		snprintf(line, sizeof(line), "replicas = %u\n", r);
		if (CHECK_EQ(parse_with(0, NULL, line, &c), 0)) {
			CHECK_EQ(c.replicas, r);
			CHECK_EQ(replicas_of(&c, "any"), r);
			config_free(&c);
		}
	}
	snprintf(line, sizeof(line), "replicas = %u", RING_REPLICAS_MAX + 1);
	EXPECT_BAD(L_DPDK_PORT, line, "replicas");
	EXPECT_BAD(L_DPDK_PORT, "replicas = 0", "replicas");
	for (size_t g = 0; g < TEST_DIM(garbage); g++) {
		snprintf(line, sizeof(line), "replicas = %s", garbage[g]);
		EXPECT_BAD(L_DPDK_PORT, line, "replicas");
	}
	EXPECT_ERR_WITH(0, NULL, "replicas = 6\n", NAME ":11: field "
			"'replicas': expected a number from 1 to 5");
	EXPECT_ERR_WITH(0, NULL, "replicas = 2\nreplicas = 2\n",
			NAME ":12: field 'replicas': given more than once");

	/* The history a channel keeps: 256 without the key, 16 to 256. */
	CHECK_EQ(parse_with(0, NULL, NULL, &c), 0);
	CHECK_EQ(c.history, CONFIG_HISTORY_MAX);
	config_free(&c);
	for (unsigned hl = CONFIG_HISTORY_MIN; hl <= CONFIG_HISTORY_MAX;
			hl += 80) {
		snprintf(line, sizeof(line), "history = %u\n", hl);
		if (CHECK_EQ(parse_with(0, NULL, line, &c), 0)) {
			CHECK_EQ(c.history, hl);
			config_free(&c);
		}
	}
	EXPECT_BAD(L_DPDK_PORT, "history = 15", "history");
	EXPECT_BAD(L_DPDK_PORT, "history = 257", "history");
	for (size_t g = 0; g < TEST_DIM(garbage); g++) {
		snprintf(line, sizeof(line), "history = %s", garbage[g]);
		EXPECT_BAD(L_DPDK_PORT, line, "history");
	}
	EXPECT_ERR_WITH(0, NULL, "history = 0\n", NAME ":11: field "
			"'history': expected a number of messages from 16 to "
			"256");
	EXPECT_ERR_WITH(0, NULL, "history = 64\nhistory = 64\n",
			NAME ":12: field 'history': given more than once");

	/* The first match wins; no match, replicas. */
	text = base_with(0, NULL,
			"replicas_for = orders.* 5   # the books\n"
			"replicas = 2\n"
			"replicas_for =\tlog?\t1\n"
			"replicas_for = a*b*c 4\n"
			"replicas_for = *.eu 3\n"
			"replicas_for = caf\xc3\xa9 5\n");
	if (CHECK_EQ(parse_str(text, &c, err), 0)) {
		CHECK_EQ(c.n_replicas_for, 5);
		CHECK(strcmp(c.replicas_for[0].pattern, "orders.*") == 0);
		CHECK_EQ(c.replicas_for[0].len, 8);
		CHECK_EQ(c.replicas_for[0].line, 11);
		CHECK_EQ(c.replicas_for[2].line, 14);
		CHECK_EQ(replicas_of(&c, "orders.eu"), 5);
		CHECK_EQ(replicas_of(&c, "orders."), 5);
		CHECK_EQ(replicas_of(&c, "orders"), 2);
		CHECK_EQ(replicas_of(&c, "log1"), 1);
		CHECK_EQ(replicas_of(&c, "log"), 2);
		CHECK_EQ(replicas_of(&c, "log12"), 2);
		CHECK_EQ(replicas_of(&c, "abc"), 4);
		CHECK_EQ(replicas_of(&c, "aXXbYc"), 4);
		CHECK_EQ(replicas_of(&c, "acb"), 2);
		CHECK_EQ(replicas_of(&c, "abcd"), 2);
		CHECK_EQ(replicas_of(&c, "x.eu"), 3);
		CHECK_EQ(replicas_of(&c, ".eu"), 3);
		CHECK_EQ(replicas_of(&c, "caf\xc3\xa9"), 5);
		CHECK_EQ(replicas_of(&c, ""), 2);
		/* Names are bytes: a NUL is one. */
		CHECK_EQ(config_replicas_for(&c, "log\0", 4), 1);
		CHECK_EQ(config_replicas_for(&c, "a\0b\0c", 5), 4);
		/* '*' and '?' of a name are bytes like the others. */
		CHECK_EQ(replicas_of(&c, "*.eu"), 3);
		config_free(&c);
	} else {
		fprintf(stderr, "  %s\n", err);
	}
	free(text);

	/* '*' matches nothing too; '?' one byte, never none. */
	if (CHECK_EQ(parse_with(0, NULL, "replicas_for = * 1\n", &c), 0)) {
		CHECK_EQ(replicas_of(&c, ""), 1);
		CHECK_EQ(replicas_of(&c, "x"), 1);
		config_free(&c);
	}
	if (CHECK_EQ(parse_with(0, NULL, "replicas_for = ? 1\n"
			"replicas_for = **?** 4\n", &c), 0)) {
		CHECK_EQ(replicas_of(&c, ""), 3);
		CHECK_EQ(replicas_of(&c, "x"), 1);
		CHECK_EQ(replicas_of(&c, "xy"), 4);
		config_free(&c);
	}

	/* The longest pattern, and one byte more. */
	memset(pat, 'p', CONFIG_PATTERN_MAX);
	pat[CONFIG_PATTERN_MAX] = '\0';
	snprintf(line, sizeof(line), "replicas_for = %s 2\n", pat);
	if (CHECK_EQ(parse_with(0, NULL, line, &c), 0)) {
		CHECK_EQ(c.replicas_for[0].len, CONFIG_PATTERN_MAX);
		CHECK_EQ(replicas_of(&c, pat), 2);
		config_free(&c);
	}
	snprintf(line, sizeof(line), "replicas_for = %sp 2\n", pat);
	EXPECT_ERR_WITH(0, NULL, line, NAME ":11: field 'replicas_for': "
			"pattern longer than 255 bytes");

	/* Sixteen lines, not seventeen. */
	text = malloc(17 * 32);
	if (text == NULL)
		abort();
	text[0] = '\0';
	for (int i = 0; i < 16; i++)
		snprintf(text + strlen(text), 32, "replicas_for = c%d* %d\n",
				i, 1 + i % 5);
	if (CHECK_EQ(parse_with(0, NULL, text, &c), 0)) {
		CHECK_EQ(c.n_replicas_for, 16);
		/* c1* comes before c15*. */
		CHECK_EQ(replicas_of(&c, "c15x"), 2);
		CHECK_EQ(replicas_of(&c, "c7x"), 3);
		CHECK_EQ(replicas_of(&c, "d"), 3);
		config_free(&c);
	}
	strcat(text, "replicas_for = d 2\n");
	EXPECT_ERR_WITH(0, NULL, text, NAME ":27: field 'replicas_for': "
			"more than 16 lines");
	free(text);

	/* Each refusal, on its line. */
	EXPECT_ERR_WITH(0, NULL, "replicas_for = abc\n", NAME ":11: field "
			"'replicas_for': expected PATTERN N");
	EXPECT_ERR_WITH(0, NULL, "replicas_for =\n", NAME ":11: field "
			"'replicas_for': expected PATTERN N");
	EXPECT_ERR_WITH(0, NULL, "replicas_for = abc 0\n", NAME ":11: field "
			"'replicas_for': expected a number of replicas from 1 "
			"to 5 after the pattern");
	EXPECT_ERR_WITH(0, NULL, "replicas_for = abc 6\n", NAME ":11: field "
			"'replicas_for': expected a number of replicas");
	EXPECT_ERR_WITH(0, NULL, "replicas_for = abc 3 4\n", NAME ":11: "
			"field 'replicas_for': expected a number of replicas");
	EXPECT_ERR_WITH(0, NULL, "replicas_for = abc x\n", NAME ":11: field "
			"'replicas_for': expected a number of replicas");
	EXPECT_ERR_WITH(0, NULL, "replicas_for = a\x01 3\n", NAME ":11: "
			"field 'replicas_for': pattern holds a control "
			"character");
	EXPECT_ERR_WITH(0, NULL, "replicas_for = a\x7f 3\n", NAME ":11: "
			"field 'replicas_for': pattern holds a control "
			"character");
	EXPECT_ERR_WITH(0, NULL, "replicas_for = a* 3\nreplicas_for = b 3\n"
			"replicas_for = a* 2\n", NAME ":13: field "
			"'replicas_for': pattern 'a*' given before, "
			"on line 11");
	EXPECT_BAD(L_DPDK_PORT, "Replicas_for = a 3", "Replicas_for");

	/* Random globs of a, b, * and ? against the recursive reference. */
	for (int k = 0; k < 300; k++) {
		size_t pn = 1 + test_rand(&seed) % 8;
		static const char alpha[] = "ab*?";

		for (size_t i = 0; i < pn; i++)
			pat[i] = alpha[test_rand(&seed) % 4];
		pat[pn] = '\0';
		snprintf(line, sizeof(line), "replicas_for = %s 5\n"
				"replicas = 1\n", pat);
		if (!CHECK_EQ(parse_with(0, NULL, line, &c), 0))
			continue;
		for (int j = 0; j < 40; j++) {
			char name[12];
			size_t sn = test_rand(&seed) % sizeof(name);

			for (size_t i = 0; i < sn; i++)
				name[i] = "ab"[test_rand(&seed) % 2];
			if (!CHECK_EQ(config_replicas_for(&c, name, sn),
					glob_ref(pat, pn, name, sn) ? 5 : 1))
				fprintf(stderr, "  pattern '%s', name '%.*s'\n",
						pat, (int)sn, name);
		}
		config_free(&c);
	}

	/* A hard pattern over the longest name stays quick. */
	memset(line, 'a', 255);
	snprintf(pat, sizeof(pat), "replicas_for = %s 4\n",
			"*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b");
	if (CHECK_EQ(parse_with(0, NULL, pat, &c), 0)) {
		CHECK_EQ(config_replicas_for(&c, line, 255), 3);
		line[254] = 'b';
		CHECK_EQ(config_replicas_for(&c, line, 255), 4);
		config_free(&c);
	}
}

/*
 * Member zones: zone= on a member line, this node's line against the
 * zone key, and config_ring_zones, what the replica table is built with.
 */
static void
test_zones(void)
{
	static const char *const bad[] = {
		"zone=256", "zone=-1", "zone=", "zone=x", "zone=1.5",
		"zone=0x2", "zone", "zone=99999999999999999999",
	};
	struct rumor_config c;
	char line[128];
	uint8_t *z;
	int err;

	for (size_t i = 0; i < TEST_DIM(bad); i++) {
		snprintf(line, sizeof(line), "member = 3 10.0.0.3 %s", bad[i]);
		EXPECT_BAD(L_MEMBER3, line, "member");
	}
	EXPECT_ERR_WITH(L_MEMBER3, "member = 3 10.0.0.3 zone=300", NULL,
			NAME ":8: field 'member': zone must be 0 to 255");

	/* No zone on any line: no array, and no error. */
	if (CHECK_EQ(parse_with(0, NULL, NULL, &c), 0)) {
		for (uint32_t i = 0; i < c.n_members; i++)
			CHECK(c.members[i].zone == 0 && !c.members[i].has_zone);
		err = -1;
		CHECK(config_ring_zones(&c, &err) == NULL);
		CHECK_EQ(err, 0);
		config_free(&c);
	}
	/* Both ends of the range, among the other options. */
	if (CHECK_EQ(parse_with(L_MEMBER3, "member = 3 10.0.0.3 zone=255 "
			"weight=2", "member = 4 10.0.0.4 zone=0\n", &c), 0)) {
		CHECK_EQ(c.members[2].zone, 255);
		CHECK_EQ(c.members[2].weight, 2);
		CHECK(c.members[2].has_zone && c.members[3].has_zone);
		CHECK_EQ(c.members[3].zone, 0);
		CHECK(!c.members[0].has_zone);
		err = -1;
		z = config_ring_zones(&c, &err);
		CHECK_EQ(err, 0);
		if (CHECK(z != NULL))
			CHECK(z[0] == 0 && z[1] == 0 && z[2] == 255 &&
					z[3] == 0);
		free(z);
		config_free(&c);
	}
	/* This node's line may repeat its zone key, or say nothing. */
	CHECK_EQ(parse_with(L_SELF, "member = 2 10.0.0.2 zone=4", "zone = 4\n",
			&c), 0);
	config_free(&c);
	if (CHECK_EQ(parse_with(0, NULL, "zone = 4\n", &c), 0)) {
		CHECK_EQ(config_member_find(&c, 2)->zone, 0);
		config_free(&c);
	}
	/* But not contradict it: other nodes place replicas by the line. */
	EXPECT_ERR_WITH(L_SELF, "member = 2 10.0.0.2 zone=5", "zone = 4\n",
			NAME ":10: field 'member': node 2 (this node) has "
			"zone=5 but 'zone' is 4");
	EXPECT_ERR_WITH(L_SELF, "member = 2 10.0.0.2 zone=0", "zone = 4\n",
			NAME ":10: field 'member': node 2 (this node)");
	EXPECT_ERR_WITH(L_SELF, "member = 2 10.0.0.2 zone=4", NULL,
			NAME ":10: field 'member': node 2 (this node)");
}

static const struct test_section sections[] = {
	{ "valid", test_valid },
	{ "comments", test_comments },
	{ "bad_values", test_bad_values },
	{ "whole_file", test_whole_file },
	{ "limits", test_limits },
	{ "sorted", test_sorted },
	{ "load", test_load },
	{ "voters", test_voters },
	{ "chan_limits", test_chan_limits },
	{ "replicas", test_replicas },
	{ "zones", test_zones },
};

int
main(int argc, char **argv)
{
	return test_run(argc, argv, "test_config", sections,
			TEST_DIM(sections));
}
