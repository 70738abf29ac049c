/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor bench (rumor_cli.c runs it): subscribe to channels of this run
 * through a node, publish to them at a rate for a while, and report the
 * messages delivered, their rate, and latency percentiles from publish
 * to delivery.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rumor/chan_wire.h"
#include "rumor/cli_args.h"
#include "rumor/client.h"
#include "rumor/clock.h"
#include "rumor/latency.h"
#include "cli_common.h"

/* A bench message starts with its latency stamp (rumor/latency.h). */
#define BENCH_SAMPLES_MAX 20000000u	/* Latencies kept for percentiles. */

/* The options of rumor bench (the letters are cli_parse's own). */
static const struct option bench_options[] = {
	CLI_ARGS_OPT("node", 'n'),
	CLI_ARGS_OPT("bind", 'b'),
	CLI_ARGS_OPT("token", 'T'),
	CLI_ARGS_OPT("rate", 'r'),
	CLI_ARGS_OPT("duration", 'd'),
	CLI_ARGS_OPT("channels", 'C'),
	CLI_ARGS_OPT("size", 's'),
	CLI_ARGS_OPT("ack", 'a'),
	CLI_ARGS_HELP,
	CLI_ARGS_END,
};

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
"  --ack LEVEL       publish asking for an acknowledgement at LEVEL (owner,\n"
"                    quorum or all), at most 64 in flight (so for S\n"
"                    seconds at most, a rate the window holds back),\n"
"                    subscribe to nothing, and time each publish to its\n"
"                    acknowledgement\n"
"The last line: bench: sent=.. delivered=.. rate=.. p50_us=.. p90_us=..\n"
"p99_us=.. max_us=.. lost=.. duplicates=..; with --ack: bench: sent=..\n"
"acked=.. rate=.. p50_us=.. p90_us=.. p99_us=.. max_us=.. below=..\n"
"refused=.. lost=.. (below: acknowledged under LEVEL)\n"
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

int
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
	if (co.ack != REPL_LEVEL_NONE)
		return bench_acked(&co);
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
