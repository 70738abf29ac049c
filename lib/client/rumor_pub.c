/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor pub (rumor_cli.c runs it): publish a message through a node, or
 * --count of them numbered at --rate; with --ack, each acknowledged by
 * the channel's owner at a level, and the answers counted and reported.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rumor/chan_wire.h"
#include "rumor/cli_args.h"
#include "rumor/client.h"
#include "rumor/clock.h"
#include "rumor/repl_wire.h"
#include "cli_common.h"

/* The options of rumor pub (the letters are cli_parse's own). */
static const struct option pub_options[] = {
	CLI_ARGS_OPT("node", 'n'),
	CLI_ARGS_OPT("bind", 'b'),
	CLI_ARGS_OPT("token", 'T'),
	CLI_ARGS_OPT("count", 'c'),
	CLI_ARGS_OPT("rate", 'r'),
	CLI_ARGS_OPT("ack", 'a'),
	CLI_ARGS_HELP,
	CLI_ARGS_END,
};

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
"  --ack LEVEL       ask the channel's owner to acknowledge each message\n"
"                    at LEVEL: owner (ordered), quorum (committed) or all\n"
"                    (held by every replica); not on a broadcast channel\n"
"Without --ack publishing is not acknowledged: subscribe to the channel\n"
"to see it. With it, at most 64 messages are in flight, each unanswered\n"
"one is sent again with its number every 250 ms and given up after 3 s,\n"
"and the end waits for the answers and prints\n"
"  acked N of M (ok A, duplicate D, refused R, lost L), level LEVEL met by K\n"
"(DUPLICATE: a retry of a message ordered before; K: the answers that met\n"
"LEVEL), and for one message (no --count) first its answer:\n"
"  acked: stream S seq Q level L held H, or refused: STATUS, or lost.\n"
"Exit status: 0, or 1 if the node is unreachable or, with --ack, a\n"
"message was refused or lost, 2 for a bad command line or a message too\n"
"large.\n");
}

/* What rumor pub --ack heard. */
struct pub_acks {
	enum repl_level level;		/* Asked for. */
	uint64_t ok;
	uint64_t duplicate;
	uint64_t refused;
	uint64_t lost;
	uint64_t met;			/* Ordered at level or above. */
	struct client_event last;	/* The last answer, or given up. */
};

static void
pub_ack_count(struct pub_acks *a, const struct client_event *ev)
{
	if (ev->type != CLIENT_EV_PUB_ACK && ev->type != CLIENT_EV_PUB_LOST)
		return;
	a->last = *ev;
	if (ev->type == CLIENT_EV_PUB_LOST)
		a->lost++;
	else if (ev->status == REPL_PUB_OK)
		a->ok++;
	else if (ev->status == REPL_PUB_DUPLICATE)
		a->duplicate++;
	else
		a->refused++;
	/* A level below the one asked is an answer, reported as such. */
	if (ev->type == CLIENT_EV_PUB_ACK && repl_pub_ordered(ev->status) &&
			ev->level >= a->level)
		a->met++;
}

/*
 * Poll for up to wait_ms, counting the answers: 1 with an event, 0, or
 * the -errno of client_poll (a signal is not one: cli_stop says it).
 */
static int
pub_poll(struct client *c, int wait_ms, struct pub_acks *a)
{
	struct client_event ev;
	int rc = client_poll(c, wait_ms, &ev);

	if (rc == 1)
		pub_ack_count(a, &ev);
	return rc == -EINTR ? 0 : rc;
}

/* The answers of rumor pub --ack, sent messages; the exit status. */
static int
pub_ack_report(const struct pub_acks *a, uint64_t sent, bool numbered)
{
	const struct client_event *ev = &a->last;

	if (!numbered && sent == 1) {
		if (a->lost > 0)
			printf("lost: no answer within %u ms\n",
					CLIENT_ANSWER_TIMEOUT_MS);
		else if (!repl_pub_ordered(ev->status))
			printf("refused: %s\n",
					repl_pub_status_name(ev->status));
		else
			printf("acked: stream %#" PRIx64 " seq %" PRIu64
					" level %s held %u%s\n", ev->stream,
					ev->seq, repl_level_name(ev->level),
					ev->held, ev->status ==
					REPL_PUB_DUPLICATE ? " (duplicate)" :
					"");
	}
	printf("acked %" PRIu64 " of %" PRIu64 " (ok %" PRIu64 ", duplicate %"
			PRIu64 ", refused %" PRIu64 ", lost %" PRIu64
			"), level %s met by %" PRIu64 "\n", a->ok + a->duplicate,
			sent, a->ok, a->duplicate, a->refused, a->lost,
			repl_level_name(a->level), a->met);
	return a->refused + a->lost > 0 ? CLI_EXIT_FAIL : 0;
}

int
cmd_pub(int argc, char **argv)
{
	struct cli_common co;
	uint64_t count, rate, t0, sent = 0, number;
	bool numbered;
	const char *chan, *msg;
	size_t chan_len, msg_len, max;
	struct pub_acks acks;
	struct client *c;
	uint64_t t_end;
	char *buf;
	int rc = 0;

	memset(&co, 0, sizeof(co));
	co.rate = 1000;
	if (cli_parse("pub", argc, argv, pub_options, pub_usage, &co) != 0)
		return CLI_EXIT_USAGE;
	memset(&acks, 0, sizeof(acks));
	acks.level = co.ack;
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
	if (co.ack != REPL_LEVEL_NONE && chan_is_broadcast(chan, chan_len))
		return cli_usage_error("pub", "--ack on broadcast channel %s: "
				"it has no owner to acknowledge", chan);
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

		/* Answers are read as they come, before the socket drops any. */
		while (co.ack != REPL_LEVEL_NONE &&
				(rc = pub_poll(c, 0, &acks)) == 1)
			;
		if (rc < 0)
			break;
		/* Pace: message i leaves no earlier than i / rate s. */
		for (uint64_t now = rumor_now_ns(); numbered && now < due &&
				!cli_stop; now = rumor_now_ns()) {
			/* Sleep all but the last millisecond, then spin. */
			if (due - now > 2000000)
				usleep((useconds_t)((due - now - 1000000) /
						1000));
		}
		/*
		 * -EAGAIN: no session yet; -EBUSY: 64 acked messages in
		 * flight. Either way an answer moves it on.
		 */
		do {
			int prc;

			rc = co.ack != REPL_LEVEL_NONE ?
					client_publish_acked(c, chan, chan_len,
					buf, (size_t)n, co.ack, &number) :
					client_publish(c, chan, chan_len, buf,
					(size_t)n);
			if (rc != -EAGAIN && rc != -EBUSY)
				break;
			prc = pub_poll(c, rc == -EBUSY ? 100 : 1, &acks);
			if (prc < 0)
				rc = prc;
		} while ((rc == -EAGAIN || rc == -EBUSY) && !cli_stop);
		if (rc == -EAGAIN || rc == -EBUSY) {
			rc = 0;		/* Stopped while waiting. */
			break;
		}
		if (rc < 0)
			break;
		sent++;
	}
	t_end = rumor_now_ns();
	if (rc == 0 && co.ack != REPL_LEVEL_NONE) {
		/* Each is answered or given up within the answer timeout. */
		while (rc >= 0 && client_pub_in_flight(c) > 0 && !cli_stop)
			rc = pub_poll(c, 100, &acks);
		rc = rc < 0 ? rc : 0;
		acks.lost += client_pub_in_flight(c);	/* Interrupted. */
	} else if (rc == 0) {
		/* An unreachable node shows as an ICMP error shortly after. */
		rc = pub_poll(c, 100, &acks);
		rc = rc < 0 ? rc : 0;
	}
	if (rc < 0) {
		rc = cli_node_error("pub", &co, rc);
	} else {
		if (numbered)
			printf("published %" PRIu64 " message(s) to %s in "
					"%.3f s\n", sent, chan,
					(double)(t_end - t0) / 1e9);
		if (co.ack != REPL_LEVEL_NONE)
			rc = pub_ack_report(&acks, sent, numbered);
	}
	client_close(c);
	free(buf);
	return rc;
}
