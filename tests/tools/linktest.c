/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor-linktest: a small client of the control link (rumor/link_proto.h)
 * for shell tests. Each run connects to a dataplane's control socket,
 * says HELLO, reads the STATE and member TABLE the dataplane answers
 * with, does one thing, and prints what it got as plain lines.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "rumor/cli_args.h"
#include "rumor/clock.h"
#include "rumor/link_proto.h"

#define WAIT_MS 3000		/* How long an answer may take. */

static int fd = -1;
static uint8_t buf[LINK_MSG_MAX + 1];
static uint8_t out[LINK_MSG_MAX];

static void
usage(FILE *f)
{
	fprintf(f,
"usage: rumor-linktest SOCKET COMMAND [ARGS]\n"
"  state                      print STATE and the member table\n"
"  table ID:IP:PORT:WEIGHT[:ZONE] ...\n"
"                             publish a member table, print the outcome\n"
"  send IP PORT HEX           send a datagram through the dataplane\n"
"  punts N TIMEOUT_MS         print PUNTs until N came or the time is up\n"
"                             (exit 1 if fewer came)\n"
"  stats                      print the dataplane's counters\n"
"  incarnation N              tell the dataplane an incarnation\n"
"  garbage                    send one malformed message of each kind,\n"
"                             then print the counters\n"
"  raw HEX                    send HEX as the first message (no HELLO),\n"
"                             exit 0 if the dataplane closes the link\n");
}

static void
die(const char *what)
{
	fprintf(stderr, "rumor-linktest: %s\n", what);
	exit(1);
}

static void
put(const uint8_t *p, size_t len)
{
	if (len == 0)
		die("message not encoded");
	if (send(fd, p, len, MSG_NOSIGNAL) != (ssize_t)len) {
		perror("rumor-linktest: send");
		exit(1);
	}
}

/*
 * The next message, decoded into *m, within timeout_ms. Returns its
 * length, 0 if the time ran out, and exits if the link closed.
 */
static size_t
get(struct link_msg *m, int timeout_ms)
{
	uint64_t end = rumor_now_ms() + (uint64_t)timeout_ms;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = (int64_t)(end - rumor_now_ms());
		enum link_error e;
		ssize_t n;

		if (left < 0)
			left = 0;
		if (poll(&pfd, 1, (int)left) <= 0)
			return 0;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			die("the dataplane closed the link");
		e = link_decode(buf, (size_t)n, m);
		if (e != LINK_OK) {
			fprintf(stderr, "rumor-linktest: bad message from the "
					"dataplane: %s\n", link_error_name(e));
			exit(1);
		}
		return (size_t)n;
	}
}

/* The next message of one type; others (PUNTs) are skipped. */
static void
expect(struct link_msg *m, uint16_t type)
{
	uint64_t end = rumor_now_ms() + WAIT_MS;

	do {
		if (get(m, WAIT_MS) == 0)
			break;
		if (m->type == type)
			return;
	} while (rumor_now_ms() < end);
	fprintf(stderr, "rumor-linktest: no %s message\n", link_type_name(type));
	exit(1);
}

static const char *
ip_str(uint32_t ip)
{
	static char s[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &ip, s, sizeof(s));
	return s;
}

/* Connect, say HELLO, and read STATE and the table (printed if asked). */
static void
attach(const char *path, bool print)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct link_table_asm tasm = { 0 };
	struct link_msg m;
	struct link_state s;
	int rc = 0;

	if (strlen(path) >= sizeof(sa.sun_path))
		die("socket path too long");
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		perror("rumor-linktest: connect");
		exit(1);
	}
	put(out, link_encode_hello(out, sizeof(out), (uint32_t)getpid()));
	expect(&m, LINK_STATE);
	s = m.u.state;
	if (print)
		printf("state node %u address %s udp_port %u zone %u weight %u "
				"incarnation %u ring_epoch %" PRIu64
				" members %u\n", s.node_id, ip_str(s.address),
				s.udp_port, s.zone, s.weight, s.incarnation,
				s.ring_epoch, s.n_members);
	while (rc == 0) {
		expect(&m, LINK_TABLE);
		if (m.u.table.table_id != 0)
			die("STATE's table is not table 0");
		rc = link_table_feed(&tasm, &m.u.table);
		if (rc < 0)
			die("table chunks out of sequence");
	}
	if (tasm.total != s.n_members)
		die("table size differs from STATE's");
	for (uint32_t i = 0; print && i < tasm.total; i++)
		printf("member %u %s:%u weight %u zone %u\n", tasm.m[i].id,
				ip_str(tasm.m[i].ip), tasm.m[i].udp_port,
				tasm.m[i].weight, tasm.m[i].zone);
	link_table_asm_free(&tasm);
	fflush(stdout);
}

/*
 * Ask for the counters, and print them if asked: the answer also proves
 * that everything sent before it was handled.
 */
static void
stats(bool print)
{
	struct link_msg m;

	put(out, link_encode_empty(out, sizeof(out), LINK_STATS_REQ));
	expect(&m, LINK_STATS);
	if (print)
		fwrite(m.u.stats.text, 1, m.u.stats.len, stdout);
}

static size_t
hex_decode(const char *s, uint8_t *p, size_t cap)
{
	size_t n = strlen(s);

	if (n % 2 != 0 || n / 2 > cap)
		die("bad hex");
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			die("bad hex");
		p[i] = (uint8_t)v;
	}
	return n / 2;
}

static uint32_t
parse_ip(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		die("bad IPv4 address");
	return a.s_addr;
}

static unsigned long
parse_num(const char *s, unsigned long max)
{
	uint64_t v;

	if (cli_args_u64(s, 0, max, &v) < 0)
		die("bad number");
	return (unsigned long)v;
}

static int
cmd_table(int argc, char **argv)
{
	struct link_member *m = calloc((size_t)argc + 1, sizeof(*m));
	uint64_t id = (uint64_t)rumor_now_ms();

	if (m == NULL || argc < 1)
		die("table: give members");
	for (int i = 0; i < argc; i++) {
		char ip[INET_ADDRSTRLEN];
		unsigned zone = 0;

		if (sscanf(argv[i], "%u:%15[0-9.]:%hu:%u:%u", &m[i].id, ip,
				&m[i].udp_port, &m[i].weight, &zone) < 4)
			die("table: members are ID:IP:PORT:WEIGHT[:ZONE]");
		m[i].ip = parse_ip(ip);
		m[i].zone = (uint8_t)zone;
	}
	/* Chunks of 2 members, so that reassembly is exercised. */
	for (uint32_t first = 0; first < (uint32_t)argc; first += 2) {
		uint32_t n = (uint32_t)argc - first < 2 ?
				(uint32_t)argc - first : 2;

		put(out, link_encode_table(out, sizeof(out), id,
				(uint32_t)argc, first, m + first, n));
	}
	free(m);
	stats(true);
	return 0;
}

static int
cmd_punts(unsigned long want, unsigned long timeout_ms)
{
	uint64_t end = rumor_now_ms() + timeout_ms;
	unsigned long got = 0;
	struct link_msg m;

	while (got < want) {
		int64_t left = (int64_t)(end - rumor_now_ms());

		if (left <= 0 || get(&m, (int)left) == 0)
			break;
		if (m.type != LINK_PUNT)
			continue;
		printf("punt %s %u ", ip_str(m.u.dgram.ip), m.u.dgram.udp_port);
		for (unsigned i = 0; i < m.u.dgram.len; i++)
			printf("%02x", m.u.dgram.data[i]);
		printf("\n");
		fflush(stdout);
		got++;
	}
	printf("punts %lu\n", got);
	return got == want ? 0 : 1;
}

/* One message the dataplane must refuse, of each kind, sent raw. */
static void
cmd_garbage(void)
{
	uint8_t p[64];
	size_t n;

	/* Shorter than a header. */
	put((const uint8_t *)"\x04\x00", 2);
	/* Another protocol version. */
	n = link_encode_empty(p, sizeof(p), LINK_STATS_REQ);
	p[2] = 9;
	put(p, n);
	/* An unknown type. */
	n = link_encode_empty(p, sizeof(p), LINK_STATS_REQ);
	p[0] = 200;
	put(p, n);
	/* A length that disagrees with the packet. */
	n = link_encode_u32(p, sizeof(p), LINK_INCARNATION, 1);
	put(p, n - 1);
	/* A field out of range: SEND to UDP port 0. */
	n = link_encode_dgram(p, sizeof(p), LINK_SEND, 1, 1,
			(const uint8_t *)"x", 1);
	memset(p + LINK_HDR_LEN + 4, 0, 2);
	put(p, n);
	/* A dataplane's message: STATS. */
	put(p, link_encode_stats(p, sizeof(p), "x 1\n", 4));
	/* A second HELLO. */
	put(p, link_encode_hello(p, sizeof(p), 1));
	/* A TABLE chunk that does not start a table. */
	{
		struct link_member one = { .id = 9, .ip = 1, .udp_port = 1,
				.weight = 1 };

		put(p, link_encode_table(p, sizeof(p), 77, 3, 1, &one, 1));
	}
	stats(true);
}

int
main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 3) {
		usage(stderr);
		return 2;
	}
	cmd = argv[2];
	if (strcmp(cmd, "raw") == 0) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		size_t n;

		if (argc != 4 || strlen(argv[1]) >= sizeof(sa.sun_path))
			die("raw HEX");
		strcpy(sa.sun_path, argv[1]);
		fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa,
				sizeof(sa)) != 0) {
			perror("rumor-linktest: connect");
			return 1;
		}
		n = hex_decode(argv[3], out, sizeof(out));
		put(out, n);
		/* The dataplane must close: recv gives 0 (EOF). */
		{
			struct pollfd pfd = { .fd = fd, .events = POLLIN };

			if (poll(&pfd, 1, WAIT_MS) <= 0)
				die("the dataplane kept the link open");
			if (recv(fd, buf, sizeof(buf), 0) != 0)
				die("the dataplane answered");
		}
		printf("closed\n");
		return 0;
	}
	if (strcmp(cmd, "state") == 0 && argc == 3) {
		attach(argv[1], true);
		return 0;
	}
	if (strcmp(cmd, "table") == 0) {
		attach(argv[1], false);
		return cmd_table(argc - 3, argv + 3);
	}
	if (strcmp(cmd, "send") == 0 && argc == 6) {
		uint32_t ip = parse_ip(argv[3]);
		uint16_t port = (uint16_t)parse_num(argv[4], 65535);
		static uint8_t data[LINK_MSG_MAX];
		size_t n = hex_decode(argv[5], data, RUMOR_DATAGRAM_MAX);

		attach(argv[1], false);
		put(out, link_encode_dgram(out, sizeof(out), LINK_SEND, ip, port,
				data, (uint16_t)n));
		stats(false);
		printf("sent\n");
		return 0;
	}
	if (strcmp(cmd, "punts") == 0 && argc == 5) {
		unsigned long want = parse_num(argv[3], 1ul << 30);
		unsigned long timeout = parse_num(argv[4], 3600000);

		attach(argv[1], false);
		printf("attached\n");
		fflush(stdout);
		return cmd_punts(want, timeout);
	}
	if (strcmp(cmd, "stats") == 0 && argc == 3) {
		attach(argv[1], false);
		stats(true);
		return 0;
	}
	if (strcmp(cmd, "incarnation") == 0 && argc == 4) {
		uint32_t v = (uint32_t)parse_num(argv[3], UINT32_MAX);

		attach(argv[1], false);
		put(out, link_encode_u32(out, sizeof(out), LINK_INCARNATION, v));
		stats(false);
		return 0;
	}
	if (strcmp(cmd, "garbage") == 0 && argc == 3) {
		attach(argv[1], false);
		cmd_garbage();
		return 0;
	}
	usage(stderr);
	return 2;
}
