/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the commands of rumor share (cli_common.h): the signals that stop
 * them, the reading of their options (each command's table says which it
 * takes), the client opened on them with its token, and the messages of
 * a bad command line or of a node that failed us.
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

#include "rumor/chan_wire.h"
#include "rumor/cli_args.h"
#include "rumor/client.h"
#include "rumor/latency.h"
#include "rumor/repl_wire.h"
#include "rumor/token.h"
#include "cli_common.h"

/*
 * The largest --size: below chan_payload_max() of every bench channel name
 * ("bench-PID-N", at most 18 bytes: 1,358).
 */
#define BENCH_SIZE_MAX 1344u

volatile sig_atomic_t cli_stop;

static void
cli_on_signal(int sig)
{
	(void)sig;
	cli_stop = 1;
}

/* SIGINT and SIGTERM interrupt a wait (no SA_RESTART) and set cli_stop. */
void
cli_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = cli_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int
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
	case 'a':
		return ": owner, quorum or all";
	case 'f':
		return ": STREAM:SEQ, as rumor sub prints them (a stream not 0, "
				"a sequence 1 to 2^63 - 2)";
	default:
		return "";
	}
}

/* An acknowledgement level by its name (owner, quorum, all): 0, or -1. */
static int
cli_level(const char *arg, enum repl_level *out)
{
	for (int l = REPL_LEVEL_OWNER; l < REPL_LEVEL_MAX; l++) {
		if (strcmp(arg, repl_level_name((enum repl_level)l)) == 0) {
			*out = (enum repl_level)l;
			return 0;
		}
	}
	return -1;
}

/*
 * A resume point, STREAM:SEQ (the stream in hex with 0x, or decimal, as
 * strtoull reads it; the sequence decimal): 0, or -1.
 */
static int
cli_from(const char *arg, uint64_t *stream, uint64_t *seq)
{
	const char *colon = strchr(arg, ':');
	char buf[32];
	char *end;

	if (colon == NULL || colon == arg || (size_t)(colon - arg) >=
			sizeof(buf) || arg[0] == '-')
		return -1;
	memcpy(buf, arg, (size_t)(colon - arg));
	buf[colon - arg] = '\0';
	errno = 0;
	*stream = strtoull(buf, &end, 0);
	if (errno != 0 || *end != '\0' || *stream == 0)
		return -1;
	return cli_args_u64(colon + 1, 1, CHAN_SEQ_MAX - 1, seq);
}

/*
 * Read the options of command cmd, those of its table, into co: 0, or
 * CLI_EXIT_USAGE once a bad one was said. --help and unknown options
 * exit (cli_args_next).
 */
int
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
		case 'a':
			bad = cli_level(optarg, &co->ack);
			break;
		case 'f':
			bad = cli_from(optarg, &co->from_stream,
					&co->from_seq);
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

struct client *
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
int
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
int
cli_channel(const char *cmd, const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > RUMOR_CHANNEL_MAX)
		return cli_usage_error(cmd, "bad channel '%s': a name is 1 to "
				"255 bytes", name);
	return 0;
}

void
cli_print_gap(const char *cmd, const struct client_event *ev)
{
	if (ev->gap.ended) {
		fprintf(stderr, "rumor %s: %.*s: stream %#" PRIx64 " ended; "
				"lost %" PRIu64 " message(s) below the last "
				"received\n", cmd, (int)ev->channel_len,
				ev->channel, ev->gap.stream, ev->gap.missing);
		return;
	}
	fprintf(stderr, "rumor %s: %.*s: lost %" PRIu64 " message(s) of %"
			PRIu64 " .. %" PRIu64 "\n", cmd,
			(int)ev->channel_len, ev->channel, ev->gap.missing,
			ev->gap.first, ev->gap.last);
}
