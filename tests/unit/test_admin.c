/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor-control's admin socket: the request parser (include/rumor/admin_req.h)
 * on every verdict, at the length limit and byte by byte; then the
 * server (include/rumor/admin.h) over a real socket in a scratch directory:
 * mode 0600, replies split into line-sized packets and ended by an empty
 * packet, deferred replies, error replies counted by verdict, a stale
 * socket file replaced and a live one refused, the file removed at close.
 * Requests are copied to buffers of their exact length so that ASan
 * catches a read beyond them.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "rumor/admin.h"
#include "rumor/admin_req.h"
#include "rumor/log.h"
#include "test.h"

/* Parse a copy of s (len bytes) held in a buffer of exactly that size. */
static enum admin_verdict
parse_copy(const char *s, size_t len, struct admin_req *req)
{
	char *copy = malloc(len > 0 ? len : 1);
	enum admin_verdict v;

	memcpy(copy, s, len);
	v = admin_req_parse(copy, len, req);
	free(copy);
	return v;
}

/* The same, giving the command only. */
static enum admin_verdict
parse_exact(const char *s, size_t len, enum admin_cmd *cmd)
{
	struct admin_req req;
	enum admin_verdict v = parse_copy(s, len, &req);

	*cmd = req.cmd;
	return v;
}

/* The whole parse of a string. */
static enum admin_verdict
parse_req(const char *s, struct admin_req *req)
{
	return parse_copy(s, strlen(s), req);
}

static enum admin_verdict
parse_str(const char *s, enum admin_cmd *cmd)
{
	return parse_exact(s, strlen(s), cmd);
}

static void
test_parse(void)
{
	static const struct {
		const char *req;
		enum admin_verdict v;
		enum admin_cmd cmd;
	} cases[] = {
		{ "members", ADMIN_REQ_OK, ADMIN_CMD_MEMBERS },
		{ "stats", ADMIN_REQ_OK, ADMIN_CMD_STATS },
		{ "raft", ADMIN_REQ_OK, ADMIN_CMD_RAFT },
		{ "members\n", ADMIN_REQ_OK, ADMIN_CMD_MEMBERS },
		{ "  stats \r\n", ADMIN_REQ_OK, ADMIN_CMD_STATS },
		{ "\tmembers\t", ADMIN_REQ_OK, ADMIN_CMD_MEMBERS },
		{ "", ADMIN_REQ_EMPTY, ADMIN_CMD_NONE },
		{ " \t\r\n ", ADMIN_REQ_EMPTY, ADMIN_CMD_NONE },
		{ "member", ADMIN_REQ_UNKNOWN, ADMIN_CMD_NONE },
		{ "membersx", ADMIN_REQ_UNKNOWN, ADMIN_CMD_NONE },
		{ "MEMBERS", ADMIN_REQ_UNKNOWN, ADMIN_CMD_NONE },
		{ "keygen", ADMIN_REQ_UNKNOWN, ADMIN_CMD_NONE },
		{ "?", ADMIN_REQ_UNKNOWN, ADMIN_CMD_NONE },
		{ "members all", ADMIN_REQ_ARGS, ADMIN_CMD_NONE },
		{ "stats\tx\n", ADMIN_REQ_ARGS, ADMIN_CMD_NONE },
		{ "stats members", ADMIN_REQ_ARGS, ADMIN_CMD_NONE },
		{ "nope members", ADMIN_REQ_UNKNOWN, ADMIN_CMD_NONE },
		{ "raft snapshot", ADMIN_REQ_OK, ADMIN_CMD_RAFT_SNAPSHOT },
		{ " raft \t snapshot\r\n", ADMIN_REQ_OK,
				ADMIN_CMD_RAFT_SNAPSHOT },
		{ "raft snapshot now", ADMIN_REQ_ARGS, ADMIN_CMD_NONE },
		{ "raft snap", ADMIN_REQ_ARGS, ADMIN_CMD_NONE },
		{ "raft raft", ADMIN_REQ_ARGS, ADMIN_CMD_NONE },
		{ "snapshot", ADMIN_REQ_UNKNOWN, ADMIN_CMD_NONE },
		{ "raft a b c d e", ADMIN_REQ_ARGS, ADMIN_CMD_NONE },
		{ "members\x01", ADMIN_REQ_BINARY, ADMIN_CMD_NONE },
		{ "stats\x7f", ADMIN_REQ_BINARY, ADMIN_CMD_NONE },
		{ "st\xc3\xa4ts", ADMIN_REQ_BINARY, ADMIN_CMD_NONE },
		{ "\v", ADMIN_REQ_BINARY, ADMIN_CMD_NONE },
	};
	enum admin_cmd cmd;
	char big[ADMIN_REQ_MAX + 2];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cmd = ADMIN_CMD_STATS;
		if (!CHECK_EQ(parse_str(cases[i].req, &cmd), cases[i].v))
			fprintf(stderr, "  request \"%s\"\n", cases[i].req);
		CHECK_EQ(cmd, cases[i].cmd);
	}
	/* A NUL inside is not text, even after a valid command. */
	CHECK_EQ(parse_exact("members\0", 8, &cmd), ADMIN_REQ_BINARY);
	CHECK_EQ(parse_exact("\0", 1, &cmd), ADMIN_REQ_BINARY);
	/* Nothing at all, and a NULL buffer with no length. */
	{
		struct admin_req r;

		CHECK_EQ(admin_req_parse(NULL, 0, &r), ADMIN_REQ_EMPTY);
		CHECK_EQ(admin_req_parse(NULL, ADMIN_REQ_MAX + 1, &r),
				ADMIN_REQ_TOO_LONG);
	}

	/* Blank padding up to the limit is fine; one byte more is not. */
	memset(big, ' ', sizeof(big));
	memcpy(big, "stats", 5);
	CHECK_EQ(parse_exact(big, ADMIN_REQ_MAX, &cmd), ADMIN_REQ_OK);
	CHECK_EQ(cmd, ADMIN_CMD_STATS);
	CHECK_EQ(parse_exact(big, ADMIN_REQ_MAX + 1, &cmd),
			ADMIN_REQ_TOO_LONG);
	CHECK_EQ(cmd, ADMIN_CMD_NONE);
	/* Length alone decides (above): no byte of it is read. */

	/* Every prefix of a command is refused, only the whole accepted. */
	for (size_t n = 1; n < strlen("members"); n++)
		CHECK_EQ(parse_exact("members", n, &cmd), ADMIN_REQ_UNKNOWN);

	/* Any single byte: only blanks, and printable ASCII, are text. */
	for (int b = 0; b < 256; b++) {
		char c = (char)b;
		enum admin_verdict v = parse_exact(&c, 1, &cmd);
		bool blank = b == ' ' || b == '\t' || b == '\r' || b == '\n';

		if (blank)
			CHECK_EQ(v, ADMIN_REQ_EMPTY);
		else if (b > 0x20 && b < 0x7f)
			CHECK_EQ(v, ADMIN_REQ_UNKNOWN);
		else
			CHECK_EQ(v, ADMIN_REQ_BINARY);
	}

	/* What a wrong argument list meant; a node id taken. */
	{
		static const struct {
			const char *req;
			enum admin_verdict v;
			enum admin_cmd cmd;	/* Meant, when not OK. */
			uint32_t id;
		} args[] = {
			{ "raft snapshot x", ADMIN_REQ_ARGS,
				ADMIN_CMD_RAFT_SNAPSHOT, 0 },
			{ "raft x", ADMIN_REQ_ARGS, ADMIN_CMD_RAFT, 0 },
			{ "stats x", ADMIN_REQ_ARGS, ADMIN_CMD_STATS, 0 },
			{ "raft add-voter 4", ADMIN_REQ_OK,
				ADMIN_CMD_RAFT_ADD_VOTER, 4 },
			{ "\traft  remove-voter\t12\n", ADMIN_REQ_OK,
				ADMIN_CMD_RAFT_REMOVE_VOTER, 12 },
			{ "raft add-voter 4294967295", ADMIN_REQ_OK,
				ADMIN_CMD_RAFT_ADD_VOTER, 4294967295u },
		};
		struct admin_req r;

		for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++) {
			if (!CHECK_EQ(parse_req(args[i].req, &r), args[i].v))
				fprintf(stderr, "  request \"%s\"\n",
						args[i].req);
			if (args[i].v != ADMIN_REQ_OK) {
				CHECK_EQ(r.meant, args[i].cmd);
				continue;
			}
			CHECK_EQ(r.cmd, args[i].cmd);
			CHECK_EQ(r.id, args[i].id);
		}
		static const char *const bad[] = {
			"raft add-voter", "raft add-voter 0",
			"raft add-voter 04", "raft add-voter 4294967296",
			"raft add-voter 99999999999", "raft add-voter x",
			"raft add-voter -1", "raft add-voter +1",
			"raft add-voter 3 4", "raft remove-voter",
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			if (!CHECK_EQ(parse_req(bad[i], &r), ADMIN_REQ_ARGS))
				fprintf(stderr, "  request \"%s\"\n", bad[i]);
			CHECK_EQ(r.cmd, ADMIN_CMD_NONE);
			CHECK(r.meant == ADMIN_CMD_RAFT_ADD_VOTER ||
					r.meant == ADMIN_CMD_RAFT_REMOVE_VOTER);
		}
		CHECK(strcmp(admin_cmd_usage(ADMIN_CMD_RAFT_ADD_VOTER),
				"raft add-voter ID") == 0);
		CHECK(admin_cmd_bare(ADMIN_CMD_STATS));
		CHECK(!admin_cmd_bare(ADMIN_CMD_RAFT));
		CHECK(!admin_cmd_bare(ADMIN_CMD_RAFT_SNAPSHOT));
	}

	/* Names. */
	CHECK(strcmp(admin_cmd_name(ADMIN_CMD_MEMBERS), "members") == 0);
	CHECK(strcmp(admin_cmd_name(ADMIN_CMD_STATS), "stats") == 0);
	CHECK(strcmp(admin_cmd_name(ADMIN_CMD_RAFT_SNAPSHOT),
			"raft snapshot") == 0);
	for (int c = ADMIN_CMD_NONE + 1; c < ADMIN_CMD_MAX; c++) {
		struct admin_req r;

		/* Each name parses back to its command. */
		if (strstr(admin_cmd_usage((enum admin_cmd)c), "ID") != NULL)
			continue;
		CHECK_EQ(parse_req(admin_cmd_name((enum admin_cmd)c), &r),
				ADMIN_REQ_OK);
		CHECK_EQ(r.cmd, c);
	}
	CHECK(strcmp(admin_cmd_name(ADMIN_CMD_MAX), "?") == 0);
	for (int v = 0; v < ADMIN_REQ_VERDICT_MAX; v++)
		CHECK(strcmp(admin_verdict_name((enum admin_verdict)v),
				"?") != 0);
	CHECK(strcmp(admin_verdict_name(ADMIN_REQ_TOO_LONG),
			"too_long") == 0);
	CHECK(strcmp(admin_verdict_name(ADMIN_REQ_VERDICT_MAX), "?") == 0);
}

/* The server side of the socket test: a handler and what it saw. */
struct fake {
	struct admin *a;
	unsigned members, stats;
	uint64_t deferred;		/* A stats client to answer later. */
	unsigned big_lines;		/* Lines of the members reply. */
};

static void
fake_handler(void *arg, uint64_t client, const struct admin_req *req)
{
	struct fake *f = arg;

	if (req->cmd == ADMIN_CMD_MEMBERS) {
		f->members++;
		for (unsigned i = 0; i < f->big_lines; i++)
			admin_reply(f->a, client, "line %05u %s\n", i,
					"................................"
					"................................");
		admin_reply_end(f->a, client);
	} else {
		f->stats++;
		f->deferred = client;
	}
}

/* Run the server until nothing is left to do for a while. */
static void
serve(struct fake *f, int rounds)
{
	for (int r = 0; r < rounds; r++) {
		struct pollfd fds[1 + ADMIN_CLIENTS_MAX];
		unsigned n = admin_poll_fill(f->a, fds, 1 + ADMIN_CLIENTS_MAX);

		if (poll(fds, n, 10) <= 0)
			continue;
		admin_handle(f->a, fds, n);
	}
}

static int
client_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	strcpy(sa.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Read one whole reply (until the empty packet) into out (cap bytes,
 * NUL-terminated); returns the packets read, the empty one included, or
 * -1 if a packet had nothing to read within the serving rounds.
 */
static int
client_reply(struct fake *f, int fd, char *out, size_t cap, size_t *maxpkt)
{
	size_t len = 0;
	int pkts = 0;

	*maxpkt = 0;
	for (;;) {
		char buf[8192];
		ssize_t n;
		int tries = 0;

		while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) < 0 &&
				errno == EAGAIN && tries++ < 200)
			serve(f, 1);
		if (n < 0)
			return -1;
		pkts++;
		if (n == 0)
			break;
		if ((size_t)n > *maxpkt)
			*maxpkt = (size_t)n;
		if (len + (size_t)n < cap) {
			memcpy(out + len, buf, (size_t)n);
			len += (size_t)n;
		}
	}
	out[len] = '\0';
	return pkts;
}

/* Send req (len bytes) and read the whole reply: the packets read. */
static int
ask(struct fake *f, int fd, const char *req, size_t len, char *reply,
		size_t cap)
{
	size_t maxpkt;

	CHECK_EQ(send(fd, req, len, 0), len);
	return client_reply(f, fd, reply, cap, &maxpkt);
}

static void
test_socket(void)
{
	static const struct {
		const char *req;	/* NULL: one byte too long. */
		const char *reply;
	} errors[] = {
		{ "frobnicate now", "error: unknown command 'frobnicate'" },
		{ "stats please", "error: the command takes no arguments" },
		{ "raft compact", "error: unknown raft command (commands: " },
		{ "raft snapshot 2", "error: usage: raft snapshot" },
		{ "raft add-voter 0",
			"error: usage: raft add-voter ID (ID: a node id" },
		{ "st\x01", "error: request is not plain text" },
		{ "   ", "error: empty request" },
		{ NULL, "error: request longer than 256 bytes" },
	};
	char dir[] = "/tmp/rumor-test-admin.XXXXXX";
	char path[128], err[256], reply[1 << 17], big[ADMIN_REQ_MAX + 10];
	struct fake f = { .big_lines = 0 };
	const struct admin_stats *st;
	struct stat sb;
	struct admin *other;
	size_t maxpkt;
	int fd, fd2, pkts;

	if (mkdtemp(dir) == NULL) {
		CHECK(!"mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/admin.sock", dir);

	/* A stale socket file (nobody listening) is replaced. */
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		strcpy(sa.sun_path, path);
		CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	}
	close(fd);
	f.a = admin_open(path, fake_handler, &f, err, sizeof(err));
	if (!CHECK(f.a != NULL)) {
		fprintf(stderr, "  %s\n", err);
		return;
	}
	CHECK(stat(path, &sb) == 0 && S_ISSOCK(sb.st_mode));
	CHECK_EQ(sb.st_mode & 0777, 0600);

	/* A second server on a live socket is refused. */
	other = admin_open(path, fake_handler, &f, err, sizeof(err));
	CHECK(other == NULL);
	CHECK(strstr(err, "another rumor-control") != NULL);

	/* members: one packet of text, then the empty packet. */
	f.big_lines = 3;
	fd = client_connect(path);
	CHECK(fd >= 0);
	CHECK(send(fd, "members\n", 8, 0) == 8);
	pkts = client_reply(&f, fd, reply, sizeof(reply), &maxpkt);
	CHECK_EQ(pkts, 2);
	CHECK_PREFIX(reply, "line 00000 ");
	CHECK_EQ(f.members, 1);

	/* A long reply: packets of whole lines, none above the limit. */
	f.big_lines = 1000;
	CHECK(send(fd, "members", 7, 0) == 7);
	pkts = client_reply(&f, fd, reply, sizeof(reply), &maxpkt);
	CHECK(pkts > 2);
	CHECK(maxpkt <= ADMIN_PKT_MAX);
	CHECK_EQ(strlen(reply), 1000 * strlen("line 00000 \n") + 1000 * 64);
	CHECK(strstr(reply, "line 00999 ") != NULL);

	/*
	 * Errors: an "error: " packet, then the end; counted by verdict.
	 * The last request is one too long.
	 */
	memset(big, 'm', sizeof(big));
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		const char *req = errors[i].req != NULL ? errors[i].req : big;
		size_t len = errors[i].req != NULL ? strlen(req) :
				sizeof(big);

		CHECK_EQ(ask(&f, fd, req, len, reply, sizeof(reply)), 2);
		CHECK_PREFIX(reply, errors[i].reply);
	}

	/* A deferred reply: the client waits, a second one is served. */
	CHECK(send(fd, "stats", 5, 0) == 5);
	serve(&f, 5);
	CHECK_EQ(f.stats, 1);
	CHECK(recv(fd, reply, sizeof(reply), MSG_DONTWAIT) < 0);
	fd2 = client_connect(path);
	CHECK(fd2 >= 0);
	f.big_lines = 1;
	CHECK(send(fd2, "members", 7, 0) == 7);
	client_reply(&f, fd2, reply, sizeof(reply), &maxpkt);
	CHECK_PREFIX(reply, "line 00000");
	admin_reply(f.a, f.deferred, "control.x %d\n", 42);
	admin_reply_end(f.a, f.deferred);
	pkts = client_reply(&f, fd, reply, sizeof(reply), &maxpkt);
	CHECK_EQ(pkts, 2);
	CHECK(strcmp(reply, "control.x 42\n") == 0);

	/* A client that leaves before its reply: nobody is answered. */
	CHECK(send(fd2, "stats", 5, 0) == 5);
	serve(&f, 5);
	close(fd2);
	serve(&f, 5);
	admin_reply(f.a, f.deferred, "late\n");
	admin_reply_end(f.a, f.deferred);

	st = admin_stats(f.a);
	/* The second admin_open's probe of the live socket counts too. */
	CHECK_EQ(st->clients, 3);
	CHECK_EQ(st->requests, 13);
	CHECK_EQ(st->bad[ADMIN_REQ_UNKNOWN], 1);
	CHECK_EQ(st->bad[ADMIN_REQ_ARGS], 4);
	CHECK_EQ(st->bad[ADMIN_REQ_BINARY], 1);
	CHECK_EQ(st->bad[ADMIN_REQ_EMPTY], 1);
	CHECK_EQ(st->bad[ADMIN_REQ_TOO_LONG], 1);
	CHECK_EQ(st->replies, 12);
	close(fd);

	/* Closing removes the socket file. */
	admin_close(f.a);
	CHECK(stat(path, &sb) < 0 && errno == ENOENT);

	/* A path that is not a socket is left alone and refused. */
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	CHECK(admin_open(path, fake_handler, &f, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "not a socket") != NULL);
	CHECK(stat(path, &sb) == 0 && S_ISREG(sb.st_mode));
	unlink(path);
	rmdir(dir);
}

int
main(int argc, char **argv)
{
	log_set_level(LOG_LVL_WARNING);
	if (test_want(argc, argv, "parse"))
		test_parse();
	if (test_want(argc, argv, "socket"))
		test_socket();
	return test_done("test_admin");
}
