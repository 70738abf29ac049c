/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor: the client command. `rumor sub` subscribes to channels and
 * prints what is delivered, `rumor pub` publishes, `rumor bench`
 * publishes while subscribed and measures delivered rate and latency.
 * Each talks to one node through the client library (rumor/client.h).
 *
 * Exit status: 0 done, 1 the node failed us (no answer, refused,
 * nothing listening), 2 a bad command line.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rumor/bytes.h"
#include "rumor/chan_wire.h"
#include "rumor/cli_args.h"
#include "rumor/client.h"
#include "rumor/clock.h"
#include "rumor/latency.h"
#include "rumor/token.h"

#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

/* A bench message starts with its latency stamp (rumor/latency.h). */
#define BENCH_SAMPLES_MAX 20000000u	/* Latencies kept for percentiles. */
/*
 * The largest --size: below chan_payload_max() of every bench channel name
 * ("bench-PID-N", at most 18 bytes: 1,358).
 */
#define BENCH_SIZE_MAX 1344u

static volatile sig_atomic_t cli_stop;

static void
cli_on_signal(int sig)
{
	(void)sig;
	cli_stop = 1;
}

/* SIGINT and SIGTERM interrupt a wait (no SA_RESTART) and set cli_stop. */
static void
cli_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = cli_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/*
 * The options of the commands; each command's table says which it
 * takes, and sets the defaults of its own before they are read.
 */
struct cli_common {
	const char *node_arg;
	struct sockaddr_in node;
	struct sockaddr_in bind;
	bool have_bind;
	struct client_opts opts;	/* --lease in opts.lease_ms. */
	uint64_t count;			/* --count; 0 if not given. */
	uint64_t rate;			/* --rate. */
	uint64_t channels;		/* --channels. */
	uint64_t size;			/* --size. */
	double timeout;			/* --timeout; 0 if not given. */
	double duration;		/* --duration; 0 if not given. */
	bool quiet;			/* --quiet. */
	const char *token;		/* --token: TEXT or @FILE. */
};

static int __attribute__((format(printf, 2, 3)))
cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "rumor %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nrumor %s: see rumor %s --help\n", cmd, cmd);
	return CLI_EXIT_USAGE;
}

/* --node (opt n), --bind (b): "A.B.C.D:PORT"; --bind may leave the port
 * out. */
static int
cli_common_opt(const char *cmd, int opt, const char *arg,
		struct cli_common *co)
{
	char buf[32];

	if (opt == 'n') {
		co->node_arg = arg;
		if (client_parse_addr(arg, &co->node) < 0)
			return cli_usage_error(cmd, "bad address '%s': expected "
					"IPv4:PORT, like 10.0.0.1:7946", arg);
		return 0;
	}
	if (strchr(arg, ':') == NULL) {
		snprintf(buf, sizeof(buf), "%s:1", arg);
		if (client_parse_addr(buf, &co->bind) < 0)
			return cli_usage_error(cmd, "bad --bind '%s': expected "
					"IPv4[:PORT]", arg);
		co->bind.sin_port = 0;
	} else if (client_parse_addr(arg, &co->bind) < 0) {
		return cli_usage_error(cmd, "bad --bind '%s': expected "
				"IPv4[:PORT]", arg);
	}
	co->have_bind = true;
	return 0;
}

/* The options of each command (the letters are cli_parse's own). */
static const struct option sub_options[] = {
	CLI_ARGS_OPT("node", 'n'),
	CLI_ARGS_OPT("bind", 'b'),
	CLI_ARGS_OPT("token", 'T'),
	CLI_ARGS_OPT("count", 'c'),
	CLI_ARGS_OPT("timeout", 't'),
	CLI_ARGS_OPT("lease", 'l'),
	CLI_ARGS_FLAG("quiet", 'q'),
	CLI_ARGS_HELP,
	CLI_ARGS_END,
};

static const struct option pub_options[] = {
	CLI_ARGS_OPT("node", 'n'),
	CLI_ARGS_OPT("bind", 'b'),
	CLI_ARGS_OPT("token", 'T'),
	CLI_ARGS_OPT("count", 'c'),
	CLI_ARGS_OPT("rate", 'r'),
	CLI_ARGS_HELP,
	CLI_ARGS_END,
};

static const struct option bench_options[] = {
	CLI_ARGS_OPT("node", 'n'),
	CLI_ARGS_OPT("bind", 'b'),
	CLI_ARGS_OPT("token", 'T'),
	CLI_ARGS_OPT("rate", 'r'),
	CLI_ARGS_OPT("duration", 'd'),
	CLI_ARGS_OPT("channels", 'C'),
	CLI_ARGS_OPT("size", 's'),
	CLI_ARGS_HELP,
	CLI_ARGS_END,
};

/* What a refusal of the option adds after "bad --NAME 'VALUE'". */
static const char *
cli_range(int opt)
{
	switch (opt) {
	case 'l':
		return ": 1 to 300000 ms";
	case 'C':
		return ": 1 to 1024";
	case 's':
		return ": 20 to 1344 bytes";
	default:
		return "";
	}
}

/*
 * Read the options of command cmd, those of its table, into co: 0, or
 * CLI_EXIT_USAGE once a bad one was said. --help and unknown options
 * exit (cli_args_next).
 */
static int
cli_parse(const char *cmd, int argc, char **argv,
		const struct option *options, void (*usage)(FILE *f),
		struct cli_common *co)
{
	uint64_t lease = 0;
	int opt, bad;

	while ((opt = cli_args_next(argc, argv, "+h", options, usage)) != -1) {
		switch (opt) {
		case 'n':
		case 'b':
			if (cli_common_opt(cmd, opt, optarg, co) != 0)
				return CLI_EXIT_USAGE;
			continue;
		case 'q':
			co->quiet = true;
			continue;
		case 'T':
			co->token = optarg;
			continue;
		case 'c':
			bad = cli_args_u64(optarg, 1, UINT64_MAX, &co->count);
			break;
		case 'r':
			bad = cli_args_u64(optarg, 1, 100000000, &co->rate);
			break;
		case 'C':
			bad = cli_args_u64(optarg, 1, CLIENT_CHANNELS_MAX,
					&co->channels);
			break;
		case 's':
			bad = cli_args_u64(optarg, LAT_STAMP_LEN, BENCH_SIZE_MAX,
					&co->size);
			break;
		case 'l':
			bad = cli_args_u64(optarg, 1, CHAN_LEASE_MAX_MS,
					&lease);
			co->opts.lease_ms = (uint32_t)lease;
			break;
		case 't':
			bad = cli_args_seconds(optarg, 1e9, &co->timeout);
			break;
		default:	/* 'd' */
			bad = cli_args_seconds(optarg, 86400, &co->duration);
			break;
		}
		if (bad != 0) {
			const struct option *o = options;

			while (o->val != opt)
				o++;
			return cli_usage_error(cmd, "bad --%s '%s'%s", o->name,
					optarg, cli_range(opt));
		}
	}
	return 0;
}

/*
 * The token of --token into c: the text itself, or @FILE for a file
 * that holds it (so that it stays out of the process list). 0 or -1.
 */
static int
cli_token(const char *cmd, const char *arg, struct client *c)
{
	char text[TOKEN_TEXT_MAX + 2];
	const char *t = arg;

	if (arg[0] == '@') {
		FILE *f = fopen(arg + 1, "r");
		size_t n;

		if (f == NULL) {
			fprintf(stderr, "rumor %s: --token %s: %s\n", cmd,
					arg + 1, strerror(errno));
			return -1;
		}
		n = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
		text[n] = '\0';
		t = text;
	}
	if (client_set_token_text(c, t) != 0) {
		fprintf(stderr, "rumor %s: --token: not a token (the text "
				"rumorctl token issue prints)\n", cmd);
		return -1;
	}
	return 0;
}

static struct client *
cli_open(const char *cmd, struct cli_common *co)
{
	struct client *c = client_open(&co->node,
			co->have_bind ? &co->bind : NULL, &co->opts);

	if (c == NULL) {
		fprintf(stderr, "rumor %s: cannot open a socket to %s: %s\n",
				cmd, co->node_arg, strerror(errno));
		return NULL;
	}
	if (co->token != NULL && cli_token(cmd, co->token, c) != 0) {
		client_close(c);
		return NULL;
	}
	return c;
}

/* Say why the node failed us; the exit status. */
static int
cli_node_error(const char *cmd, const struct cli_common *co, int err)
{
	if (err == -ECONNREFUSED)
		fprintf(stderr, "rumor %s: node %s is unreachable: nothing "
				"listens on that port (connection refused)\n",
				cmd, co->node_arg);
	else if (err == -EACCES)
		fprintf(stderr, "rumor %s: node %s refused the token "
				"(invalid, expired, or the node's limits)\n",
				cmd, co->node_arg);
	else
		fprintf(stderr, "rumor %s: node %s: %s\n", cmd, co->node_arg,
				strerror(-err));
	return CLI_EXIT_FAIL;
}

/* A channel name from the command line, checked. */
static int
cli_channel(const char *cmd, const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > RUMOR_CHANNEL_MAX)
		return cli_usage_error(cmd, "bad channel '%s': a name is 1 to "
				"255 bytes", name);
	return 0;
}

/* Print a message on one line: printable ASCII as is, the rest escaped. */
static void
cli_print_payload(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			fputc(p[i], f);
		else if (p[i] == '\\')
			fputs("\\\\", f);
		else
			fprintf(f, "\\x%02x", p[i]);
	}
}

static void
cli_print_gap(const char *cmd, const struct client_event *ev)
{
	fprintf(stderr, "rumor %s: %.*s: lost %" PRIu64 " message(s) of %"
			PRIu64 " .. %" PRIu64 "\n", cmd,
			(int)ev->channel_len, ev->channel, ev->gap.missing,
			ev->gap.first, ev->gap.last);
}

/* The counts of every channel, one line each. */
static void
cli_print_counts(FILE *f, struct client *c)
{
	client_settle(c);
	for (size_t i = 0; i < client_channel_count(c); i++) {
		struct client_track_stats st;
		const char *name;
		size_t len;

		if (client_channel_stats(c, i, &name, &len, &st) < 0)
			continue;
		fprintf(f, "%.*s: received %" PRIu64 " gaps %" PRIu64
				" (missing %" PRIu64 ") duplicates %" PRIu64
				" reordered %" PRIu64 " resets %" PRIu64 "\n",
				(int)len, name, st.received, st.gaps,
				st.missing, st.duplicates, st.reordered,
				st.resets);
	}
}

static void
sub_usage(FILE *f)
{
	fprintf(f,
"usage: rumor sub --node ADDR:PORT [options] CHANNEL...\n"
"Subscribe to each CHANNEL through the node and print every message\n"
"delivered, one line each: CHANNEL SEQUENCE MESSAGE (SEQUENCE is - on a\n"
"broadcast channel, whose name starts with @). At the end (Ctrl-C,\n"
"--count or --timeout) print, per channel, the messages received, the\n"
"gaps and the sequences missing in them, and the duplicates.\n"
"  --node ADDR:PORT  the node's service address (IPv4)\n"
"  --bind ADDR[:PORT] local address of the socket (default: any)\n"
"  --token TOKEN     the client token (rumorctl token issue), or @FILE;\n"
"                    needed by a node with client_auth = token\n"
"  --count N         stop after N messages\n"
"  --timeout S       stop after S seconds (fractions allowed)\n"
"  --lease MS        lease to ask for (default: the node's, 30 s)\n"
"  --quiet           print only the counts at the end\n"
"Exit status: 0, or 1 if the node did not answer within 3 s, refused a\n"
"subscription or is unreachable, 2 for a bad command line.\n");
}

static int
cmd_sub(int argc, char **argv)
{
	struct cli_common co;
	uint64_t got = 0;
	int status = 0;
	uint64_t deadline = UINT64_MAX;
	struct client *c;

	memset(&co, 0, sizeof(co));
	if (cli_parse("sub", argc, argv, sub_options, sub_usage, &co) != 0)
		return CLI_EXIT_USAGE;
	if (co.node_arg == NULL)
		return cli_usage_error("sub", "%s", "--node is required");
	if (optind == argc)
		return cli_usage_error("sub", "%s", "no channel given");
	for (int i = optind; i < argc; i++)
		if (cli_channel("sub", argv[i]) != 0)
			return CLI_EXIT_USAGE;
	c = cli_open("sub", &co);
	if (c == NULL)
		return CLI_EXIT_FAIL;
	cli_signals();
	for (int i = optind; i < argc; i++) {
		int rc = client_subscribe(c, argv[i], strlen(argv[i]));

		if (rc == -ENOSPC) {
			fprintf(stderr, "rumor sub: at most %u channels\n",
					CLIENT_CHANNELS_MAX);
			client_close(c);
			return CLI_EXIT_USAGE;
		}
		if (rc < 0 && rc != -EAGAIN) {
			status = cli_node_error("sub", &co, rc);
			client_close(c);
			return status;
		}
	}
	if (co.timeout > 0)
		deadline = rumor_now_ns() + (uint64_t)(co.timeout * 1e9);

	while (!cli_stop && (co.count == 0 || got < co.count)) {
		struct client_event ev;
		uint64_t now = rumor_now_ns();
		int wait, rc;

		if (now >= deadline)
			break;
		wait = deadline == UINT64_MAX ? -1 :
				deadline - now > 60000000000ull ? 60000 :
				(int)((deadline - now + 999999) / 1000000);
		rc = client_poll(c, wait, &ev);
		if (rc == -EINTR || rc == 0)
			continue;
		if (rc < 0) {
			status = cli_node_error("sub", &co, rc);
			break;
		}
		switch (ev.type) {
		case CLIENT_EV_DELIVER:
			if (ev.gap.missing > 0)
				cli_print_gap("sub", &ev);
			if (ev.verdict == CLIENT_V_RESET)
				fprintf(stderr, "rumor sub: %.*s: a new stream "
						"(%#" PRIx64 ") starts at %"
						PRIu64 "\n",
						(int)ev.channel_len,
						ev.channel, ev.stream, ev.seq);
			if (ev.verdict == CLIENT_V_DUPLICATE ||
					ev.verdict == CLIENT_V_STALE)
				break;
			got++;
			if (co.quiet)
				break;
			printf("%.*s ", (int)ev.channel_len, ev.channel);
			if (ev.verdict == CLIENT_V_UNORDERED)
				printf("- ");
			else
				printf("%" PRIu64 " ", ev.seq);
			cli_print_payload(stdout, ev.payload, ev.payload_len);
			putchar('\n');
			fflush(stdout);
			break;
		case CLIENT_EV_GAP:
			cli_print_gap("sub", &ev);
			break;
		case CLIENT_EV_SUBSCRIBED:
			fprintf(stderr, "rumor sub: subscribed to %.*s "
					"(lease %" PRIu32 " ms)\n",
					(int)ev.channel_len, ev.channel,
					ev.lease_ms);
			break;
		case CLIENT_EV_REFUSED:
			fprintf(stderr, "rumor sub: node %s refused %.*s: %s "
					"(limit %" PRIu32 ")\n", co.node_arg,
					(int)ev.channel_len, ev.channel,
					chan_status_name(ev.status), ev.limit);
			status = CLI_EXIT_FAIL;
			break;
		case CLIENT_EV_NO_ANSWER:
			fprintf(stderr, "rumor sub: no answer from node %s to "
					"the subscription of %.*s within %u ms: "
					"is a rumor node running there?\n",
					co.node_arg, (int)ev.channel_len,
					ev.channel, CLIENT_ANSWER_TIMEOUT_MS);
			status = CLI_EXIT_FAIL;
			break;
		case CLIENT_EV_LOST:
			fprintf(stderr, "rumor sub: %.*s: the node stopped "
					"answering; its lease ran out, still "
					"asking\n", (int)ev.channel_len,
					ev.channel);
			break;
		default:
			break;
		}
		if (status != 0)
			break;
	}
	cli_print_counts(stdout, c);
	client_close(c);
	return status;
}

static void
pub_usage(FILE *f)
{
	fprintf(f,
"usage: rumor pub --node ADDR:PORT [options] CHANNEL MESSAGE\n"
"Publish MESSAGE to CHANNEL through the node: once, or with --count N\n"
"times as \"MESSAGE 1\" to \"MESSAGE N\", at --rate a second. A message\n"
"is at most 1376 bytes less the channel name's length.\n"
"  --node ADDR:PORT  the node's service address (IPv4)\n"
"  --bind ADDR[:PORT] local address of the socket (default: any)\n"
"  --token TOKEN     the client token (rumorctl token issue), or @FILE;\n"
"                    needed by a node with client_auth = token\n"
"  --count N         publish N messages, numbered\n"
"  --rate R          messages a second with --count (default 1000)\n"
"Publishing is not acknowledged: subscribe to the channel to see it.\n"
"Exit status: 0, or 1 if the node is unreachable, 2 for a bad command\n"
"line or a message too large.\n");
}

static int
cmd_pub(int argc, char **argv)
{
	struct cli_common co;
	uint64_t count, rate, t0;
	bool numbered;
	const char *chan, *msg;
	size_t chan_len, msg_len, max;
	struct client_event ev;
	struct client *c;
	uint64_t t_end;
	char *buf;
	int rc = 0;

	memset(&co, 0, sizeof(co));
	co.rate = 1000;
	if (cli_parse("pub", argc, argv, pub_options, pub_usage, &co) != 0)
		return CLI_EXIT_USAGE;
	numbered = co.count > 0;
	count = numbered ? co.count : 1;
	rate = co.rate;
	if (co.node_arg == NULL)
		return cli_usage_error("pub", "%s", "--node is required");
	if (argc - optind != 2)
		return cli_usage_error("pub", "%s", "expected CHANNEL MESSAGE");
	chan = argv[optind];
	msg = argv[optind + 1];
	if (cli_channel("pub", chan) != 0)
		return CLI_EXIT_USAGE;
	chan_len = strlen(chan);
	msg_len = strlen(msg);
	max = chan_payload_max(chan_len);
	/* The longest numbered message: a space and 20 digits. */
	if (msg_len + (numbered ? 21 : 0) > max) {
		fprintf(stderr, "rumor pub: message too large: %zu bytes%s, at "
				"most %zu on channel %s\n", msg_len,
				numbered ? " and its number" : "", max, chan);
		return CLI_EXIT_USAGE;
	}
	buf = malloc(max + 1);
	if (buf == NULL)
		return CLI_EXIT_FAIL;
	c = cli_open("pub", &co);
	if (c == NULL) {
		free(buf);
		return CLI_EXIT_FAIL;
	}
	cli_signals();
	t0 = rumor_now_ns();
	for (uint64_t i = 0; i < count && !cli_stop; i++) {
		int n = numbered ? snprintf(buf, max + 1, "%s %" PRIu64, msg,
				i + 1) : snprintf(buf, max + 1, "%s", msg);
		uint64_t due = t0 + (uint64_t)((double)i * 1e9 / (double)rate);

		/* Pace: message i leaves no earlier than i / rate s. */
		for (uint64_t now = rumor_now_ns(); numbered && now < due &&
				!cli_stop; now = rumor_now_ns()) {
			/* Sleep all but the last millisecond, then spin. */
			if (due - now > 2000000)
				usleep((useconds_t)((due - now - 1000000) /
						1000));
		}
		do {
			rc = client_publish(c, chan, chan_len, buf, (size_t)n);
			if (rc == -EAGAIN)
				(void)client_poll(c, 1, &ev);
		} while (rc == -EAGAIN && !cli_stop);
		if (rc < 0)
			break;
	}
	t_end = rumor_now_ns();
	/* An unreachable node shows as an ICMP error shortly after. */
	if (rc == 0) {
		rc = client_poll(c, 100, &ev);
		rc = rc < 0 && rc != -EINTR ? rc : 0;
	}
	if (rc < 0)
		rc = cli_node_error("pub", &co, rc);
	else if (numbered)
		printf("published %" PRIu64 " message(s) to %s in %.3f s\n",
				count, chan, (double)(t_end - t0) / 1e9);
	client_close(c);
	free(buf);
	return rc;
}

static void
bench_usage(FILE *f)
{
	fprintf(f,
"usage: rumor bench --node ADDR:PORT --rate R --duration S [options]\n"
"Subscribe to N channels of this run through the node, publish R\n"
"messages a second for S seconds round them, each carrying its send\n"
"time, and report the messages delivered, their rate, and latency\n"
"percentiles (publish to delivery, through the cluster and back).\n"
"  --node ADDR:PORT  the node's service address (IPv4)\n"
"  --bind ADDR[:PORT] local address of the socket (default: any)\n"
"  --token TOKEN     the client token (rumorctl token issue), or @FILE;\n"
"                    needed by a node with client_auth = token\n"
"  --rate R          messages a second\n"
"  --duration S      seconds of publishing (fractions allowed)\n"
"  --channels N      channels, bench-PID-0 .. bench-PID-(N-1) (default 1)\n"
"  --size B          bytes a message, %u to 1344 (default 64)\n"
"The last line: bench: sent=.. delivered=.. rate=.. p50_us=.. p90_us=..\n"
"p99_us=.. max_us=.. lost=.. duplicates=..\n"
"Exit status: 0, or 1 if the node did not answer or is unreachable, 2 for\n"
"a bad command line.\n", LAT_STAMP_LEN);
}

/* What a bench run has seen. */
struct bench {
	uint64_t total;		/* Messages to publish. */
	uint64_t delivered;	/* Distinct ones delivered. */
	uint64_t foreign;	/* Deliveries that are not this run's. */
	uint64_t last_ns;	/* Time of the last delivery. */
	uint8_t *seen;		/* A bit per message. */
	struct lat_samples lat;
};

static void
bench_deliver(struct bench *b, const struct client_event *ev)
{
	uint64_t now = rumor_now_ns(), idx, sent;

	if (ev->verdict == CLIENT_V_DUPLICATE || ev->verdict == CLIENT_V_STALE)
		return;
	if (!lat_stamp_read(ev->payload, ev->payload_len, LAT_MAGIC_BENCH,
			&idx, &sent) || idx >= b->total ||
			(b->seen[idx / 8] >> (idx % 8) & 1) != 0 ||
			sent > now) {
		b->foreign++;
		return;
	}
	b->seen[idx / 8] |= (uint8_t)(1u << (idx % 8));
	b->delivered++;
	b->last_ns = now;
	lat_samples_add(&b->lat, now - sent);
}

/* Handle every event waiting (up to wait_ms for the first); 1 on error. */
static int
bench_events(struct client *c, struct bench *b, int wait_ms,
		const struct cli_common *co, int *status)
{
	struct client_event ev;
	int rc;

	while ((rc = client_poll(c, wait_ms, &ev)) > 0) {
		wait_ms = 0;
		switch (ev.type) {
		case CLIENT_EV_DELIVER:
			bench_deliver(b, &ev);
			break;
		case CLIENT_EV_GAP:
			cli_print_gap("bench", &ev);
			break;
		case CLIENT_EV_REFUSED:
			fprintf(stderr, "rumor bench: node %s refused %.*s: %s "
					"(limit %" PRIu32 ")\n", co->node_arg,
					(int)ev.channel_len, ev.channel,
					chan_status_name(ev.status), ev.limit);
			*status = CLI_EXIT_FAIL;
			return 1;
		case CLIENT_EV_NO_ANSWER:
			fprintf(stderr, "rumor bench: no answer from node %s "
					"within %u ms: is a rumor node running "
					"there?\n", co->node_arg,
					CLIENT_ANSWER_TIMEOUT_MS);
			*status = CLI_EXIT_FAIL;
			return 1;
		case CLIENT_EV_LOST:
			fprintf(stderr, "rumor bench: %.*s: the node stopped "
					"answering\n", (int)ev.channel_len,
					ev.channel);
			break;
		default:
			break;
		}
	}
	if (rc < 0 && rc != -EINTR) {
		*status = cli_node_error("bench", co, rc);
		return 1;
	}
	return 0;
}

static int
cmd_bench(int argc, char **argv)
{
	struct cli_common co;
	uint64_t rate, channels, size, subscribed = 0, t0, t_end;
	uint64_t dups = 0, gaps = 0, sent = 0;
	double duration, secs, p50, p90, p99, pmax;
	struct bench b;
	struct client *c;
	char (*names)[48];
	uint8_t *msg;
	int status = 0;

	memset(&co, 0, sizeof(co));
	memset(&b, 0, sizeof(b));
	co.channels = 1;
	co.size = 64;
	if (cli_parse("bench", argc, argv, bench_options, bench_usage,
			&co) != 0)
		return CLI_EXIT_USAGE;
	rate = co.rate;
	channels = co.channels;
	size = co.size;
	duration = co.duration;
	if (co.node_arg == NULL || rate == 0 || duration == 0)
		return cli_usage_error("bench", "%s",
				"--node, --rate and --duration are required");
	if (optind != argc)
		return cli_usage_error("bench", "unexpected '%s'", argv[optind]);
	b.total = (uint64_t)((double)rate * duration);
	if (b.total == 0)
		b.total = 1;
	if (b.total > (UINT64_C(1) << 36))
		return cli_usage_error("bench", "%s", "too many messages");
	b.seen = calloc(b.total / 8 + 1, 1);
	names = calloc(channels, sizeof(*names));
	msg = calloc(size, 1);
	co.opts.rcvbuf = 8 << 20;
	c = b.seen && names && msg && lat_samples_init(&b.lat,
			b.total < BENCH_SAMPLES_MAX ? b.total :
			BENCH_SAMPLES_MAX) == 0 ? cli_open("bench", &co) : NULL;
	if (c == NULL)
		goto out_fail;
	cli_signals();

	for (uint64_t i = 0; i < channels; i++) {
		int rc;

		snprintf(names[i], sizeof(names[i]), "bench-%ld-%" PRIu64,
				(long)getpid(), i);
		rc = client_subscribe(c, names[i], strlen(names[i]));
		if (rc < 0 && rc != -EAGAIN) {
			status = cli_node_error("bench", &co, rc);
			goto out;
		}
	}
	/* Every subscription granted before the first message. */
	while (subscribed < channels && !cli_stop) {
		struct client_event ev;
		int rc = client_poll(c, 100, &ev);

		if (rc < 0 && rc != -EINTR) {
			status = cli_node_error("bench", &co, rc);
			goto out;
		}
		if (rc <= 0)
			continue;
		if (ev.type == CLIENT_EV_SUBSCRIBED) {
			subscribed++;
		} else if (ev.type == CLIENT_EV_NO_ANSWER) {
			fprintf(stderr, "rumor bench: no answer from node %s "
					"within %u ms: is a rumor node running "
					"there?\n", co.node_arg,
					CLIENT_ANSWER_TIMEOUT_MS);
			status = CLI_EXIT_FAIL;
			goto out;
		} else if (ev.type == CLIENT_EV_REFUSED) {
			fprintf(stderr, "rumor bench: node %s refused %.*s: %s "
					"(limit %" PRIu32 ")\n", co.node_arg,
					(int)ev.channel_len, ev.channel,
					chan_status_name(ev.status), ev.limit);
			status = CLI_EXIT_FAIL;
			goto out;
		}
	}

	memset(msg + LAT_STAMP_LEN, 0xab, size - LAT_STAMP_LEN);
	t0 = rumor_now_ns();
	for (uint64_t i = 0; i < b.total && !cli_stop; i++) {
		const char *name = names[i % channels];
		uint64_t due = t0 + (uint64_t)((double)i * 1e9 / (double)rate);
		int rc;

		/* Deliveries are read while waiting for the next send. */
		while (rumor_now_ns() < due && !cli_stop)
			if (bench_events(c, &b, 0, &co, &status) != 0)
				goto out;
		lat_stamp(msg, LAT_MAGIC_BENCH, i, rumor_now_ns());
		do {
			rc = client_publish(c, name, strlen(name), msg, size);
			if (rc == -EAGAIN && bench_events(c, &b, 1, &co,
					&status) != 0)
				goto out;
		} while (rc == -EAGAIN && !cli_stop);
		if (rc < 0) {
			status = cli_node_error("bench", &co, rc);
			goto out;
		}
		sent++;
	}
	t_end = rumor_now_ns();
	/* Stragglers: until all are in, or a second of silence. */
	while (b.delivered < sent && !cli_stop) {
		uint64_t before = b.delivered;

		if (bench_events(c, &b, 1000, &co, &status) != 0)
			goto out;
		if (b.delivered == before)
			break;
	}
	client_settle(c);
	for (size_t i = 0; i < client_channel_count(c); i++) {
		struct client_track_stats st;
		const char *name;
		size_t len;

		if (client_channel_stats(c, i, &name, &len, &st) == 0) {
			dups += st.duplicates;
			gaps += st.gaps;
		}
	}
	lat_samples_sort(&b.lat);
	p50 = lat_rank_us(&b.lat, 50);
	p90 = lat_rank_us(&b.lat, 90);
	p99 = lat_rank_us(&b.lat, 99);
	pmax = lat_rank_us(&b.lat, 100);
	secs = (double)((b.last_ns > t_end ? b.last_ns : t_end) - t0) / 1e9;
	printf("published %" PRIu64 " in %.3f s (%.0f/s) on %" PRIu64
			" channel(s), %" PRIu64 " bytes each\n", sent,
			(double)(t_end - t0) / 1e9,
			(double)sent / ((double)(t_end - t0) / 1e9), channels,
			size);
	printf("delivered %" PRIu64 " (%.0f/s), lost %" PRIu64 ", gaps %"
			PRIu64 ", duplicates %" PRIu64 ", foreign %" PRIu64
			"\n", b.delivered, (double)b.delivered / secs,
			sent - b.delivered, gaps, dups, b.foreign);
	printf("latency us: p50 %.1f p90 %.1f p99 %.1f max %.1f (%zu "
			"samples)\n", p50, p90, p99, pmax, b.lat.n);
	printf("bench: sent=%" PRIu64 " delivered=%" PRIu64 " rate=%.0f "
			"p50_us=%.1f p90_us=%.1f p99_us=%.1f max_us=%.1f "
			"lost=%" PRIu64 " duplicates=%" PRIu64 "\n", sent,
			b.delivered, (double)b.delivered / secs, p50, p90, p99,
			pmax, sent - b.delivered, dups);
out:
	client_close(c);
	free(b.seen);
	lat_samples_free(&b.lat);
	free(names);
	free(msg);
	return status;
out_fail:
	status = CLI_EXIT_FAIL;
	goto out;
}

static void
usage(FILE *f)
{
	fprintf(f,
"usage: rumor COMMAND [options]\n"
"Publish to and subscribe to rumor channels through a node.\n"
"  sub    subscribe to channels and print what is delivered\n"
"  pub    publish a message, or many\n"
"  bench  publish while subscribed: delivered rate and latency\n"
"rumor COMMAND --help describes each. A channel whose name starts with\n"
"@ is a broadcast channel: every node gets its messages, unordered.\n");
}

int
main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (cmd == NULL) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
			strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "sub") == 0)
		return cmd_sub(argc - 1, argv + 1);
	if (strcmp(cmd, "pub") == 0)
		return cmd_pub(argc - 1, argv + 1);
	if (strcmp(cmd, "bench") == 0)
		return cmd_bench(argc - 1, argv + 1);
	fprintf(stderr, "rumor: unknown command '%s'\n", cmd);
	usage(stderr);
	return CLI_EXIT_USAGE;
}
