/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor sub (rumor_cli.c runs it): subscribe to channels through a node
 * and print what is delivered, one line a message, then the counts of
 * each channel: messages received, gaps, duplicates.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rumor/chan_wire.h"
#include "rumor/cli_args.h"
#include "rumor/client.h"
#include "rumor/clock.h"
#include "cli_common.h"

#define CLI_SUB_RCVBUF (4 << 20)

/* The options of rumor sub (the letters are cli_parse's own). */
static const struct option sub_options[] = {
	CLI_ARGS_OPT("node", 'n'),
	CLI_ARGS_OPT("bind", 'b'),
	CLI_ARGS_OPT("token", 'T'),
	CLI_ARGS_OPT("count", 'c'),
	CLI_ARGS_OPT("timeout", 't'),
	CLI_ARGS_OPT("lease", 'l'),
	CLI_ARGS_OPT("from", 'f'),
	CLI_ARGS_FLAG("quiet", 'q'),
	CLI_ARGS_HELP,
	CLI_ARGS_END,
};

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

/* The counts of every channel, one line each. */
static void
cli_print_counts(FILE *f, struct client *c)
{
	client_settle(c);
	for (size_t i = 0; i < client_channel_count(c); i++) {
		struct client_track_stats st;
		uint64_t stream, seq;
		const char *name;
		size_t len;

		if (client_channel_stats(c, i, &name, &len, &st) < 0)
			continue;
		fprintf(f, "%.*s: received %" PRIu64 " gaps %" PRIu64
				" (missing %" PRIu64 ") duplicates %" PRIu64
				" reordered %" PRIu64 " resets %" PRIu64,
				(int)len, name, st.received, st.gaps,
				st.missing, st.duplicates, st.reordered,
				st.resets);
		fputc('\n', f);
		/* Where --from would go on: a line of its own. */
		if (client_channel_position(c, i, &stream, &seq) == 0)
			fprintf(f, "%.*s: last %#" PRIx64 ":%" PRIu64 "\n",
					(int)len, name, stream, seq);
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
"gaps and the sequences missing in them, and the duplicates, then on a\n"
"line CHANNEL: last STREAM:SEQ, the last received in order (where\n"
"--from goes on).\n"
"  --node ADDR:PORT  the node's service address (IPv4)\n"
"  --bind ADDR[:PORT] local address of the socket (default: any)\n"
"  --token TOKEN     the client token (rumorctl token issue), or @FILE;\n"
"                    needed by a node with client_auth = token\n"
"  --count N         stop after N messages\n"
"  --timeout S       stop after S seconds (fractions allowed)\n"
"  --lease MS        lease to ask for (default: the node's, 30 s)\n"
"  --from STREAM:SEQ resume one ordered CHANNEL after sequence SEQ of\n"
"                    STREAM (the 'last' a run printed): what the\n"
"                    channel's history still holds comes first, a gap\n"
"                    for what it does not, then the live stream\n"
"  --quiet           print only the counts at the end\n"
"Exit status: 0, or 1 if the node did not answer within 3 s, refused a\n"
"subscription or is unreachable, 2 for a bad command line.\n");
}

int
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
	if (co.from_stream != 0 && (argc - optind != 1 ||
			argv[optind][0] == CHAN_BROADCAST_PREFIX))
		return cli_usage_error("sub", "%s", "--from resumes one "
				"ordered channel (not @...)");
	/*
	 * A node's fan-out comes in bursts: room for a few thousand
	 * deliveries, so that a busy host's scheduler does not lose them
	 * in the socket (the default buffer holds a few hundred).
	 */
	co.opts.rcvbuf = CLI_SUB_RCVBUF;
	c = cli_open("sub", &co);
	if (c == NULL)
		return CLI_EXIT_FAIL;
	cli_signals();
	for (int i = optind; i < argc; i++) {
		int rc = co.from_stream != 0 ?
				client_subscribe_from(c, argv[i],
				strlen(argv[i]), co.from_stream,
				co.from_seq) :
				client_subscribe(c, argv[i], strlen(argv[i]));

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
