/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor-jsbench: the NATS JetStream side of the benchmark of replicated
 * publish acknowledgements, rumor's acked PUBLISH (docs/replication.md)
 * against a JetStream stream's publish ack. One connection, one
 * publisher, three things to do:
 *
 *   --create         create (or replace) the stream the runs publish to,
 *                    on --subject with --replicas, then exit;
 *   --mode latency   publish one message at a time with js_Publish,
 *                    paced at --rate, and time each from the call to its
 *                    ack;
 *   --mode rate      publish with js_PublishAsync as fast as it goes,
 *                    with at most --window acks outstanding, and count
 *                    the acks a second.
 *
 * Last line of a run:
 * jsbench: mode=latency sent=.. acked=.. failed=.. p50_us=.. p99_us=..
 * jsbench: mode=rate sent=.. acked=.. failed=.. mps=..
 */
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include <nats/nats.h>

#include "rumor/cli_args.h"
#include "rumor/clock.h"
#include "rumor/latency.h"

#define PROG "rumor-jsbench"
#define URLS_MAX 16
#define SIZE_MAX_B (1u << 20)	/* nats-server's default max_payload. */
#define CONNECT_MS 2000		/* A server silent this long is down. */
#define API_WAIT_MS 2000	/* Each stream request while creating. */
#define CREATE_SECS 20		/* A new cluster's time to elect leaders. */
#define DRAIN_MS 5000		/* Acks still awaited after a rate run. */
/*
 * A latency run's ack wait: a later ack is a failure. Below 4.29 s, so
 * that every delay kept fits a sample (rumor/latency.h saturates there).
 */
#define ACK_WAIT_MS 4000
/*
 * The stream keeps its last messages only, as a rumor channel keeps its
 * last `history` messages: a long rate run must not grow every replica's
 * memory without bound.
 */
#define STREAM_MSGS_MAX 1000000

enum mode { MODE_NONE, MODE_LATENCY, MODE_RATE };

struct args {
	const char *servers[URLS_MAX];
	int nservers;
	const char *servers_arg;	/* As given, for messages. */
	const char *subject, *stream;
	enum mode mode;
	uint64_t rate, size, window, replicas;
	double secs;
	bool create;
};

/* What the ack handler of a rate run counts, from the library's thread. */
struct acks {
	atomic_uint_fast64_t acked, failed;
	atomic_bool told;	/* The first failure is on stderr. */
	const char *subject;
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

#define SYNOPSIS \
"usage: " PROG " --servers URL[,URL..] --subject S --mode latency|rate\n" \
"                     [--rate R] [--duration SEC] [--size B] [--window W]\n" \
"       " PROG " --servers URL[,URL..] --subject S --stream NAME\n" \
"                     [--replicas N] --create\n"

static void
usage(FILE *f)
{
	fprintf(f, SYNOPSIS
"Publish to a NATS JetStream stream and measure its publish acks.\n"
"  --servers URL,..  the servers, nats://HOST:PORT; the first is the one\n"
"                    connected to, the others are for reconnects\n"
"  --subject S       the subject published to\n"
"  --mode latency    one message at a time (js_Publish) at --rate a\n"
"                    second: percentiles of the time from the call to\n"
"                    its ack (an ack later than %d ms is a failure)\n"
"  --mode rate       as fast as it goes (js_PublishAsync), at most\n"
"                    --window acks outstanding: acks a second\n"
"  --rate R          latency: messages a second, 1 to 1000000\n"
"  --duration SEC    seconds of publishing (fractions allowed; default 5)\n"
"  --size B          bytes a message, 0 to %u (default 64)\n"
"  --window W        rate: acks outstanding at most (default 64)\n"
"  --stream NAME     create: the stream's name\n"
"  --replicas N      create: its replicas, 1 to 5 (default 1)\n"
"  --create          create the stream, or replace it (and what it\n"
"                    holds), in memory, on --subject alone; wait up to\n"
"                    %d s for the cluster's leader; then exit\n"
"The last line of a run:\n"
"  jsbench: mode=latency sent=.. acked=.. failed=.. p50_us=.. p99_us=..\n"
"  jsbench: mode=rate sent=.. acked=.. failed=.. mps=..\n"
"sent counts the messages handed to the server; failed, the error acks,\n"
"acks that never came and publishes refused; mps is acked / seconds from\n"
"the first publish to the last ack.\n"
"Exit status: 0; 1 if the servers cannot be reached, the stream cannot\n"
"be created, or no publish was acked; 2 for a bad command line.\n",
		ACK_WAIT_MS, SIZE_MAX_B, CREATE_SECS);
}

static const struct option jsbench_options[] = {
	CLI_ARGS_OPT("servers", 'u'),
	CLI_ARGS_OPT("subject", 'j'),
	CLI_ARGS_OPT("mode", 'm'),
	CLI_ARGS_OPT("rate", 'r'),
	CLI_ARGS_OPT("duration", 'd'),
	CLI_ARGS_OPT("size", 'b'),
	CLI_ARGS_OPT("window", 'w'),
	CLI_ARGS_OPT("stream", 'n'),
	CLI_ARGS_OPT("replicas", 'R'),
	CLI_ARGS_FLAG("create", 'c'),
	CLI_ARGS_HELP,
	CLI_ARGS_END,
};

static void
bad_line(const char *why)
{
	fprintf(stderr, PROG ": %s\n" SYNOPSIS "(--help says more)\n", why);
	exit(2);
}

/* --servers: split at the commas, in place; the last --servers counts. */
static void
parse_servers(struct args *a, char *list)
{
	char *save = NULL, *url;

	a->servers_arg = strdup(list);
	a->nservers = 0;
	for (url = strtok_r(list, ",", &save); url != NULL;
			url = strtok_r(NULL, ",", &save)) {
		if (a->nservers == URLS_MAX)
			bad_line("--servers: too many URLs");
		a->servers[a->nservers++] = url;
	}
	if (a->nservers == 0)
		bad_line("--servers: no URL");
}

static void
parse_args(struct args *a, int argc, char **argv)
{
	bool has_rate = false, has_window = false;
	int c;

	while ((c = cli_args_next(argc, argv, "h", jsbench_options,
			usage)) != -1) {
		switch (c) {
		case 'u': parse_servers(a, optarg); break;
		case 'j': a->subject = optarg; break;
		case 'm':
			if (strcmp(optarg, "latency") == 0)
				a->mode = MODE_LATENCY;
			else if (strcmp(optarg, "rate") == 0)
				a->mode = MODE_RATE;
			else
				bad_line("--mode: latency or rate");
			break;
		case 'r':
			a->rate = cli_args_u64_or_die(PROG, "--rate", optarg,
					1, 1000000);
			has_rate = true;
			break;
		case 'd':
			a->secs = cli_args_seconds_or_die(PROG, "--duration",
					optarg, 3600);
			break;
		case 'b':
			a->size = cli_args_u64_or_die(PROG, "--size", optarg,
					0, SIZE_MAX_B);
			break;
		case 'w':
			a->window = cli_args_u64_or_die(PROG, "--window",
					optarg, 1, 1000000);
			has_window = true;
			break;
		case 'n': a->stream = optarg; break;
		case 'R':
			a->replicas = cli_args_u64_or_die(PROG, "--replicas",
					optarg, 1, 5);
			break;
		default: a->create = true; break;	/* 'c' */
		}
	}
	if (optind < argc)
		bad_line("unexpected arguments");
	if (a->nservers == 0 || a->subject == NULL || *a->subject == '\0')
		bad_line("--servers and --subject are needed");
	if (a->create) {
		/* JetStream refuses a '.' in a name: the API's subjects. */
		if (a->stream == NULL || *a->stream == '\0' ||
				strpbrk(a->stream, ". *>") != NULL)
			bad_line("--create needs --stream NAME, without '.', "
					"' ', '*' or '>'");
		if (a->mode != MODE_NONE)
			bad_line("--create and --mode are separate runs");
		return;
	}
	if (a->mode == MODE_NONE)
		bad_line("--mode latency|rate, or --create, is needed");
	if (a->mode == MODE_LATENCY && !has_rate)
		bad_line("--mode latency needs --rate");
	if (a->mode == MODE_LATENCY && has_window)
		bad_line("--window is for --mode rate");
}

/* PROG: WHAT: the status, JetStream's error code, the library's text. */
static void
nats_fail(const char *what, natsStatus s, jsErrCode jerr)
{
	const char *text = natsStatus_GetText(s);
	const char *last = nats_GetLastError(NULL);

	fprintf(stderr, PROG ": %s: %s", what, text);
	if (jerr != 0)
		fprintf(stderr, " (JetStream error %d)", (int)jerr);
	/* The library's text, when it says more than the status. */
	if (last != NULL && *last != '\0' && strstr(last, text) == NULL)
		fprintf(stderr, ": %s", last);
	fputc('\n', stderr);
}

/* No responders to a publish: nothing stores the subject. */
static void
no_stream_hint(natsStatus s, const char *subject)
{
	if (s == NATS_NO_RESPONDERS)
		fprintf(stderr, PROG ": no stream takes subject %s (--create "
				"makes one)\n", subject);
}

static natsConnection *
connect_servers(struct args *a)
{
	natsConnection *nc = NULL;
	natsOptions *o = NULL;
	natsStatus s;

	s = natsOptions_Create(&o);
	if (s == NATS_OK)
		s = natsOptions_SetServers(o, a->servers, a->nservers);
	/*
	 * In the order given: every run publishes through the same server,
	 * so that runs compare (whether it leads the stream matters).
	 */
	if (s == NATS_OK)
		s = natsOptions_SetNoRandomize(o, true);
	if (s == NATS_OK)
		s = natsOptions_SetTimeout(o, CONNECT_MS);
	if (s == NATS_OK)
		s = natsConnection_Connect(&nc, o);
	natsOptions_Destroy(o);
	if (s != NATS_OK) {
		char what[512];

		snprintf(what, sizeof(what), "cannot reach %s", a->servers_arg);
		nats_fail(what, s, 0);
		return NULL;
	}
	return nc;
}

static void
sleep_until(uint64_t at_ns)
{
	struct timespec ts = { (time_t)(at_ns / 1000000000u),
			(long)(at_ns % 1000000000u) };

	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

/*
 * Whether a stream request failed only because the cluster is not ready:
 * a new cluster elects its meta leader and learns its peers in its first
 * seconds, and until then requests time out, go unanswered, or are told
 * so.
 */
static bool
not_ready(natsStatus s, jsErrCode jerr)
{
	return s == NATS_TIMEOUT || s == NATS_NO_RESPONDERS ||
			jerr == JSClusterNotAvailErr ||
			jerr == JSClusterNotLeaderErr ||
			jerr == JSClusterNoPeersErr;
}

static bool
has_leader(const jsStreamInfo *si)
{
	return si != NULL && si->Cluster != NULL &&
			si->Cluster->Leader != NULL &&
			*si->Cluster->Leader != '\0';
}

/*
 * The stream NAME on the subject, deleted first if it is there so that
 * a run starts empty; ready when it has a leader.
 */
static int
create_stream(jsCtx *js, const struct args *a)
{
	uint64_t end = rumor_now_ns() + CREATE_SECS * 1000000000ull;
	const char *subjects[1] = { a->subject };
	const char *what = "deleting the stream";
	jsStreamInfo *si = NULL;
	jsStreamConfig sc;
	jsErrCode jerr;
	natsStatus s;
	bool gone = false;

	jsStreamConfig_Init(&sc);
	sc.Name = a->stream;
	sc.Subjects = subjects;
	sc.SubjectsLen = 1;
	/*
	 * In memory, not on disk: rumor's replicated history is in memory
	 * too, so that is the fair comparison.
	 */
	sc.Storage = js_MemoryStorage;
	sc.Replicas = (int64_t)a->replicas;
	sc.MaxMsgs = STREAM_MSGS_MAX;
	sc.Discard = js_DiscardOld;
	for (;;) {
		jerr = 0;
		if (!gone) {
			s = js_DeleteStream(js, a->stream, NULL, &jerr);
			gone = s == NATS_OK || jerr == JSStreamNotFoundErr;
		}
		if (gone && si == NULL) {
			what = "creating the stream";
			jerr = 0;
			s = js_AddStream(&si, js, &sc, NULL, &jerr);
		}
		if (si != NULL && !has_leader(si)) {
			/* Created, its own group still electing. */
			what = "waiting for the stream's leader";
			jsStreamInfo_Destroy(si);
			si = NULL;
			jerr = 0;
			s = js_GetStreamInfo(&si, js, a->stream, NULL, &jerr);
			if (s == NATS_OK && !has_leader(si))
				s = NATS_TIMEOUT;
		}
		if (has_leader(si))
			break;
		if (!not_ready(s, jerr) || rumor_now_ns() >= end || stop) {
			nats_fail(what, s, jerr);
			jsStreamInfo_Destroy(si);
			return 1;
		}
		sleep_until(rumor_now_ns() + 250000000u);
	}
	printf("jsbench stream: name=%s subject=%s replicas=%" PRIu64
			" storage=memory leader=%s\n", a->stream, a->subject,
			a->replicas, si->Cluster->Leader);
	jsStreamInfo_Destroy(si);
	return 0;
}

/* One message at a time: its ack is awaited before the next is sent. */
static int
run_latency(jsCtx *js, const struct args *a, const char *msg)
{
	uint64_t t0, end, sent = 0, acked = 0, failed = 0;
	struct lat_samples lat;
	jsPubOptions po;

	/* Paced, never more than rate * secs: room for every sample. */
	if (lat_samples_init(&lat, (size_t)((double)a->rate * a->secs) +
			2) < 0) {
		fprintf(stderr, PROG ": no memory for the samples\n");
		return 1;
	}
	jsPubOptions_Init(&po);
	po.MaxWait = ACK_WAIT_MS;
	t0 = rumor_now_ns();
	end = t0 + (uint64_t)(a->secs * 1e9);
	while (!stop) {
		uint64_t now = rumor_now_ns(), at;
		uint64_t due = t0 + (uint64_t)((double)sent * 1e9 /
				(double)a->rate);
		jsPubAck *pa = NULL;
		jsErrCode jerr = 0;
		natsStatus s;

		if (now >= end)
			break;
		if (now < due) {
			/* Sleep, not spin: the servers share the CPUs. */
			sleep_until(due < end ? due : end);
			continue;
		}
		/*
		 * One outstanding: a message whose ack comes later than
		 * 1/rate delays the next, which then goes at once.
		 */
		at = rumor_now_ns();
		s = js_Publish(&pa, js, a->subject, msg, (int)a->size, &po,
				&jerr);
		now = rumor_now_ns();
		sent++;
		if (s == NATS_OK) {
			acked++;
			lat_samples_add(&lat, now - at);
		} else if (failed++ == 0) {
			nats_fail("publish", s, jerr);
			no_stream_hint(s, a->subject);
		}
		jsPubAck_Destroy(pa);
	}
	/* Nearest rank, as rumor bench reports its percentiles. */
	lat_samples_sort(&lat);
	printf("jsbench: mode=latency sent=%" PRIu64 " acked=%" PRIu64
			" failed=%" PRIu64 " p50_us=%.1f p99_us=%.1f\n", sent,
			acked, failed, lat_rank_us(&lat, 50),
			lat_rank_us(&lat, 99));
	lat_samples_free(&lat);
	return acked > 0 ? 0 : 1;
}

/* The library's ack handler: one call a message, ack or failure. */
static void
on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae,
		void *closure)
{
	struct acks *k = closure;

	(void)js;
	if (pa != NULL) {
		atomic_fetch_add_explicit(&k->acked, 1, memory_order_relaxed);
	} else {
		atomic_fetch_add_explicit(&k->failed, 1, memory_order_relaxed);
		if (pae != NULL && !atomic_exchange(&k->told, true)) {
			fprintf(stderr, PROG ": ack: %s", pae->ErrText != NULL ?
					pae->ErrText : natsStatus_GetText(
					pae->Err));
			if (pae->ErrCode != 0)
				fprintf(stderr, " (JetStream error %d)",
						(int)pae->ErrCode);
			fputc('\n', stderr);
			no_stream_hint(pae->Err, k->subject);
		}
	}
	/* The handler owns the message it is given. */
	natsMsg_Destroy(msg);
}

/*
 * As fast as it goes: js_PublishAsync blocks while the window is full
 * (jsOptions PublishAsync.MaxPending) and gives up after StallWait;
 * then it is called again.
 */
static int
run_rate(jsCtx *js, const struct args *a, const char *msg, struct acks *k)
{
	uint64_t t0, t1, end, sent = 0, refused = 0, lost = 0, acked;
	jsPubOptions po;
	natsStatus s;
	double secs;

	t0 = rumor_now_ns();
	end = t0 + (uint64_t)(a->secs * 1e9);
	while (!stop && rumor_now_ns() < end) {
		s = js_PublishAsync(js, a->subject, msg, (int)a->size, NULL);
		if (s == NATS_OK) {
			sent++;
			continue;
		}
		if (s == NATS_TIMEOUT)
			continue;	/* The window stayed full: again. */
		if (refused++ == 0) {
			nats_fail("publish", s, 0);
			no_stream_hint(s, a->subject);
		}
		if (s == NATS_CONNECTION_CLOSED)
			break;
	}
	/* The acks still outstanding, for DRAIN_MS at most. */
	jsPubOptions_Init(&po);
	po.MaxWait = DRAIN_MS;
	s = js_PublishAsyncComplete(js, &po);
	t1 = rumor_now_ns();
	if (s != NATS_OK) {
		natsMsgList pending;

		if (js_PublishAsyncGetPendingList(&pending, js) == NATS_OK) {
			lost = (uint64_t)pending.Count;
			natsMsgList_Destroy(&pending);
		}
		fprintf(stderr, PROG ": %" PRIu64 " acks not in after %d ms\n",
				lost, DRAIN_MS);
	}
	acked = atomic_load(&k->acked);
	secs = (double)(t1 - t0) / 1e9;
	printf("jsbench: mode=rate sent=%" PRIu64 " acked=%" PRIu64
			" failed=%" PRIu64 " mps=%.0f\n", sent, acked,
			atomic_load(&k->failed) + refused + lost,
			secs > 0 ? (double)acked / secs : 0);
	return acked > 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	static struct args a = {
		.size = 64, .window = 64, .replicas = 1, .secs = 5,
	};
	static struct acks k;
	struct sigaction sa = { .sa_handler = on_signal };
	natsConnection *nc = NULL;
	jsCtx *js = NULL;
	char *msg = NULL;
	jsOptions jo;
	natsStatus s;
	int rc = 1;

	parse_args(&a, argc, argv);
	prctl(PR_SET_TIMERSLACK, 1UL);	/* Paced sends on time. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	msg = malloc(a.size + 1);
	if (msg == NULL) {
		fprintf(stderr, PROG ": no memory for a message\n");
		return 1;
	}
	memset(msg, 'x', a.size + 1);
	nc = connect_servers(&a);
	if (nc == NULL)
		goto out;
	jsOptions_Init(&jo);
	jo.Wait = API_WAIT_MS;
	if (a.mode == MODE_RATE) {
		jo.PublishAsync.MaxPending = (int64_t)a.window;
		jo.PublishAsync.AckHandler = on_ack;
		jo.PublishAsync.AckHandlerClosure = &k;
		k.subject = a.subject;
	}
	s = natsConnection_JetStream(&js, nc, &jo);
	if (s != NATS_OK) {
		nats_fail("JetStream context", s, 0);
		goto out;
	}
	if (a.create)
		rc = create_stream(js, &a);
	else if (a.mode == MODE_LATENCY)
		rc = run_latency(js, &a, msg);
	else
		rc = run_rate(js, &a, msg, &k);
out:
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	nats_Close();
	free(msg);
	return rc;
}
