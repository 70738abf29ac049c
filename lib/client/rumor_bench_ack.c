/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor bench --ack LEVEL (rumor_bench.c runs it): acknowledged
 * publishes round channels of this run at a rate (as fast as the client's
 * window of CLIENT_PUB_IN_FLIGHT_MAX allows, if that is slower), and the
 * time from each publish to its PUB_ACK. Nothing is subscribed: what is
 * measured is what a publisher waits for, as a JetStream publisher waits
 * for its stream's acknowledgement (scripts/bench-replicate.sh).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rumor/chan_wire.h"
#include "rumor/client.h"
#include "rumor/clock.h"
#include "rumor/latency.h"
#include "rumor/repl_wire.h"
#include "cli_common.h"

/* What an acked bench run has seen. */
struct bench_ack {
	uint64_t total;		/* Messages to publish. */
	uint64_t first;		/* The number of the first. */
	uint64_t *sent_ns;	/* Send time by number - first; 0: answered. */
	uint64_t acked;		/* Answered at the level asked or above. */
	uint64_t below;		/* Answered ordered, below the level. */
	uint64_t refused;
	uint64_t lost;		/* Given up by the client library. */
	uint64_t last_ns;	/* Time of the last answer. */
	enum repl_level level;
	struct lat_samples lat;
};

static void
ack_take(struct bench_ack *b, const struct client_event *ev)
{
	const uint64_t now = rumor_now_ns();
	const uint64_t i = ev->number - b->first;

	if (ev->number < b->first || i >= b->total || b->sent_ns[i] == 0)
		return;		/* Not this run's, or answered before. */
	if (ev->type == CLIENT_EV_PUB_LOST) {
		b->lost++;
	} else if (!repl_pub_ordered(ev->status)) {
		b->refused++;
	} else if (ev->level < b->level) {
		b->below++;
	} else {
		b->acked++;
		lat_samples_add(&b->lat, now - b->sent_ns[i]);
	}
	b->sent_ns[i] = 0;
	b->last_ns = now;
}

/* Handle the events waiting (up to wait_ms for the first): 0, or -errno. */
static int
ack_events(struct client *c, struct bench_ack *b, int wait_ms)
{
	struct client_event ev;
	int rc;

	while ((rc = client_poll(c, wait_ms, &ev)) > 0) {
		wait_ms = 0;
		if (ev.type == CLIENT_EV_PUB_ACK || ev.type == CLIENT_EV_PUB_LOST)
			ack_take(b, &ev);
		else if (ev.type == CLIENT_EV_NO_ANSWER)
			return -ETIMEDOUT;
	}
	return rc == -EINTR ? 0 : rc;
}

int
bench_acked(struct cli_common *co)
{
	const uint64_t channels = co->channels;
	uint64_t t0, t_end, deadline, sent = 0, number;
	struct bench_ack b;
	struct client *c = NULL;
	char (*names)[48];
	uint8_t *msg;
	double secs;
	int rc = 0;

	memset(&b, 0, sizeof(b));
	b.level = co->ack;
	b.total = (uint64_t)((double)co->rate * co->duration);
	if (b.total == 0)
		b.total = 1;
	if (b.total > (UINT64_C(1) << 28))
		return cli_usage_error("bench", "%s", "too many messages");
	b.sent_ns = calloc(b.total, sizeof(*b.sent_ns));
	names = calloc(channels, sizeof(*names));
	msg = calloc(co->size, 1);
	if (b.sent_ns != NULL && names != NULL && msg != NULL &&
			lat_samples_init(&b.lat, b.total) == 0)
		c = cli_open("bench", co);
	if (c == NULL) {
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	cli_signals();
	for (uint64_t i = 0; i < channels; i++)
		snprintf(names[i], sizeof(names[i]), "bench-%ld-%" PRIu64,
				(long)getpid(), i);
	memset(msg, 0xab, co->size);

	t0 = rumor_now_ns();
	/* RATE x SECONDS messages, or what the window let out in SECONDS. */
	deadline = t0 + (uint64_t)(co->duration * 1e9);
	for (uint64_t i = 0; i < b.total && !cli_stop && rc >= 0 &&
			rumor_now_ns() < deadline; i++) {
		const char *name = names[i % channels];
		uint64_t due = t0 + (uint64_t)((double)i * 1e9 /
				(double)co->rate);
		uint64_t now;

		/* Answers are read while waiting for the next send. */
		while ((now = rumor_now_ns()) < due && !cli_stop && rc >= 0)
			rc = ack_events(c, &b, 0);
		/*
		 * -EAGAIN: no session yet; -EBUSY: the window is full. An
		 * answer moves either on.
		 */
		do {
			rc = client_publish_acked(c, name, strlen(name), msg,
					co->size, b.level, &number);
			now = rumor_now_ns();
			if (rc == -EAGAIN || rc == -EBUSY) {
				int erc = ack_events(c, &b, 1);

				rc = erc < 0 ? erc : rc;
			}
		} while ((rc == -EAGAIN || rc == -EBUSY) && !cli_stop);
		if (rc < 0)
			break;
		if (sent == 0)
			b.first = number;
		if (number - b.first < b.total)
			b.sent_ns[number - b.first] = now;
		sent++;
	}
	t_end = rumor_now_ns();
	/* Each in flight is answered or given up within the answer timeout. */
	while (rc >= 0 && client_pub_in_flight(c) > 0 && !cli_stop)
		rc = ack_events(c, &b, 100);
	if (rc == -EAGAIN || rc == -EBUSY)
		rc = 0;		/* Stopped while waiting. */
	if (rc < 0) {
		rc = cli_node_error("bench", co, rc);
		goto out;
	}
	b.lost += client_pub_in_flight(c);	/* Interrupted. */
	lat_samples_sort(&b.lat);
	secs = (double)((b.last_ns > t_end ? b.last_ns : t_end) - t0) / 1e9;
	printf("published %" PRIu64 " acked at %s in %.3f s on %" PRIu64
			" channel(s), %" PRIu64 " bytes each\n", sent,
			repl_level_name(b.level), (double)(t_end - t0) / 1e9,
			channels, co->size);
	printf("acked %" PRIu64 " (%.0f/s), below the level %" PRIu64
			", refused %" PRIu64 ", lost %" PRIu64 "\n", b.acked,
			(double)b.acked / secs, b.below, b.refused, b.lost);
	printf("bench: sent=%" PRIu64 " acked=%" PRIu64 " rate=%.0f "
			"p50_us=%.1f p90_us=%.1f p99_us=%.1f max_us=%.1f "
			"below=%" PRIu64 " refused=%" PRIu64 " lost=%" PRIu64
			"\n", sent, b.acked, (double)b.acked / secs,
			lat_rank_us(&b.lat, 50), lat_rank_us(&b.lat, 90),
			lat_rank_us(&b.lat, 99), lat_rank_us(&b.lat, 100),
			b.below, b.refused, b.lost);
	rc = b.refused + b.lost > 0 ? CLI_EXIT_FAIL : 0;
out:
	client_close(c);
	free(b.sent_ns);
	lat_samples_free(&b.lat);
	free(names);
	free(msg);
	return rc;
}
