/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor-krelay: rumor's message path on kernel UDP sockets, the baseline
 * of scripts/bench-e2e.sh. Three roles, one process each, one thread:
 *
 *   gen    publishes rumor DATA (PUBLISH, origin 0) to --to, at --rate
 *          (0: as fast as sendmmsg goes), each message carrying an index
 *          and its send time (CLOCK_MONOTONIC);
 *   relay  receives batches with recvmmsg, checks each rumor header,
 *          spends one hop as a forwarding node does, drops what is not
 *          DATA or has no hop left, and sends the batch on to --to with
 *          sendmmsg; with --probe-sink it also hosts the latency probe
 *          of scripts/bench-e2e.sh in its own thread, as a rumor node's
 *          lcore hosts --bench-probe: it publishes at --rate to its own
 *          --listen address from a socket of its own, and times what
 *          comes back to --probe-sink as a sink does;
 *   sink   receives DATA (from a relay) or DELIVER (from a rumor node it
 *          subscribed to with --subscribe), counts them and reports the
 *          rate and the one-way latency (same host, same clock).
 *
 * relay and sink block in the kernel until datagrams come, or with --poll
 * poll their sockets without sleeping (MSG_DONTWAIT), as a rumor lcore
 * polls its ports.
 *
 * Last line of a sink, and of a relay with --probe-sink:
 * krelay: received=.. rate=.. p50_us=.. p99_us=..
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rumor/chan_wire.h"
#include "rumor/cli_args.h"
#include "rumor/clock.h"
#include "rumor/latency.h"
#include "rumor/ring.h"
#include "rumor/wire.h"

#define BATCH 64
#define LAT_MAX (1u << 22)	/* Latency samples kept. */

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
usage(FILE *f)
{
	fprintf(f,
"usage: rumor-krelay gen|relay|sink [options]\n"
"  --listen ADDR:PORT   relay, sink: the socket's address\n"
"  --to ADDR:PORT       gen, relay: where datagrams go\n"
"  --bind ADDR:PORT     gen: local address (default: any)\n"
"  --channel NAME       gen, sink --subscribe: the channel (default ch-0)\n"
"  --size B             gen: message bytes, %u to 1376 less the channel's\n"
"                       length (default 64)\n"
"  --rate R             gen: messages a second (default 0: at once)\n"
"  --duration S         run S seconds (fractions allowed; default 5)\n"
"  --subscribe ADDR:PORT sink: SUBSCRIBE to the channel at this node\n"
"  --skip S             sink: ignore the first S seconds in the rate\n"
"  --poll               relay, sink: poll the sockets without sleeping\n"
"  --probe-sink ADDR:PORT relay: also publish at --rate (--size,\n"
"                       --channel) to --listen from another socket, for\n"
"                       --probe-secs S (default: --duration), and time\n"
"                       what arrives here as a sink (--skip)\n"
"gen and relay run until --duration or SIGINT; sink, and relay with\n"
"--probe-sink, print krelay: received=.. rate=.. p50_us=.. p99_us=.. as\n"
"their last line.\n",
		LAT_STAMP_LEN);
}

static const struct option krelay_options[] = {
	CLI_ARGS_OPT("listen", 'l'),
	CLI_ARGS_OPT("to", 't'),
	CLI_ARGS_OPT("bind", 'b'),
	CLI_ARGS_OPT("channel", 'c'),
	CLI_ARGS_OPT("size", 's'),
	CLI_ARGS_OPT("rate", 'r'),
	CLI_ARGS_OPT("duration", 'd'),
	CLI_ARGS_OPT("subscribe", 'S'),
	CLI_ARGS_OPT("skip", 'k'),
	CLI_ARGS_FLAG("poll", 'p'),
	CLI_ARGS_OPT("probe-sink", 'P'),
	CLI_ARGS_OPT("probe-secs", 'D'),
	CLI_ARGS_HELP,
	CLI_ARGS_END,
};

static int
sock_open(const struct sockaddr_in *bind_to)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int buf = 8 << 20;

	if (fd < 0) {
		perror("socket");
		return -1;
	}
	/* Past net.core.[rw]mem_max as root, else up to them. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	if (bind_to != NULL && bind(fd, (const struct sockaddr *)bind_to,
			sizeof(*bind_to)) < 0) {
		perror("bind");
		close(fd);
		return -1;
	}
	return fd;
}

/* A publisher of DATA messages, each stamped when it is sent. */
struct pub {
	uint8_t dg[BATCH][RUMOR_DATAGRAM_MAX];
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	size_t off;		/* Where the message starts. */
	uint64_t sent;
};

static int
pub_init(struct pub *g, const struct sockaddr_in *to, const char *chan,
		unsigned size)
{
	size_t n = lat_publish_encode(g->dg[0], sizeof(g->dg[0]), chan, size);

	if (n == 0) {
		fprintf(stderr, "rumor-krelay: cannot encode a message\n");
		return -1;
	}
	for (int i = 0; i < BATCH; i++) {
		memcpy(g->dg[i], g->dg[0], n);
		g->iov[i].iov_base = g->dg[i];
		g->iov[i].iov_len = n;
		memset(&g->mm[i], 0, sizeof(g->mm[i]));
		g->mm[i].msg_hdr.msg_iov = &g->iov[i];
		g->mm[i].msg_hdr.msg_iovlen = 1;
		g->mm[i].msg_hdr.msg_name = (void *)to;
		g->mm[i].msg_hdr.msg_namelen = sizeof(*to);
	}
	g->off = n - size;
	g->sent = 0;
	return 0;
}

/* Stamp k messages with now and send them: -1 on a hard error. */
static int
pub_send(struct pub *g, int fd, unsigned k, uint64_t now)
{
	int r;

	for (unsigned i = 0; i < k; i++)
		lat_stamp(g->dg[i] + g->off, LAT_MAGIC_KRELAY, g->sent + i,
				now);
	r = sendmmsg(fd, g->mm, k, 0);
	if (r < 0) {
		if (errno == EINTR || errno == EAGAIN ||
				errno == ENOBUFS || errno == ECONNREFUSED)
			return 0;
		perror("sendmmsg");
		return -1;
	}
	g->sent += (unsigned)r;
	return 0;
}

/* Publishes: one DATA per message, in sendmmsg batches. */
static int
run_gen(int fd, const struct sockaddr_in *to, const char *chan,
		unsigned size, double rate, double secs)
{
	static struct pub g;
	uint64_t t0 = rumor_now_ns(), end = t0 + (uint64_t)(secs * 1e9);

	if (pub_init(&g, to, chan, size) < 0)
		return 1;
	while (!stop) {
		uint64_t now = rumor_now_ns();
		unsigned k = BATCH;

		if (now >= end)
			break;
		if (rate > 0) {
			uint64_t due = (uint64_t)((double)g.sent * 1e9 / rate);

			if (now - t0 < due) {
				/* Sleep, not spin: the path shares the CPUs. */
				uint64_t at = t0 + due;
				struct timespec ts = {
					(time_t)(at / 1000000000u),
					(long)(at % 1000000000u) };

				clock_nanosleep(CLOCK_MONOTONIC,
						TIMER_ABSTIME, &ts, NULL);
				continue;
			}
			k = 1;	/* Paced: one at a time, stamped when sent. */
		}
		if (pub_send(&g, fd, k, now) < 0)
			return 1;
	}
	printf("krelay gen: sent=%llu in %.3f s\n", (unsigned long long)g.sent,
			(double)(rumor_now_ns() - t0) / 1e9);
	return 0;
}

/* Receive buffers for recvmmsg. */
struct rx {
	uint8_t dg[BATCH][RUMOR_DATAGRAM_MAX];
	struct mmsghdr in[BATCH];
	struct iovec iov[BATCH];
};

static void
rx_init(struct rx *x)
{
	for (int i = 0; i < BATCH; i++) {
		x->iov[i].iov_base = x->dg[i];
		x->iov[i].iov_len = sizeof(x->dg[i]);
		memset(&x->in[i], 0, sizeof(x->in[i]));
		x->in[i].msg_hdr.msg_iov = &x->iov[i];
		x->in[i].msg_hdr.msg_iovlen = 1;
	}
}

/* What a relay sends on: the received buffers, hop spent. */
struct fwd {
	struct mmsghdr out[BATCH];
	struct iovec oiov[BATCH];
	uint64_t moved, dropped;
};

static void
fwd_init(struct fwd *w, const struct sockaddr_in *to)
{
	memset(w, 0, sizeof(*w));
	for (int i = 0; i < BATCH; i++) {
		w->out[i].msg_hdr.msg_iov = &w->oiov[i];
		w->out[i].msg_hdr.msg_iovlen = 1;
		w->out[i].msg_hdr.msg_name = (void *)to;
		w->out[i].msg_hdr.msg_namelen = sizeof(*to);
	}
}

/* The r datagrams in x: checked, hop spent, sent on in one batch. */
static void
fwd_batch(struct fwd *w, int fd, struct rx *x, int r)
{
	unsigned k = 0;

	for (int i = 0; i < r; i++) {
		struct rumor_hdr *h = (void *)x->dg[i];

		if (rumor_hdr_check(x->dg[i], x->in[i].msg_len) !=
				RUMOR_HDR_OK || h->type != RUMOR_T_DATA ||
				h->hop_limit == 0) {
			w->dropped++;
			continue;
		}
		h->hop_limit--;
		w->oiov[k].iov_base = x->dg[i];
		w->oiov[k].iov_len = x->in[i].msg_len;
		k++;
	}
	for (unsigned done = 0; done < k;) {
		int s = sendmmsg(fd, w->out + done, k - done, 0);

		if (s < 0) {
			if (errno == EINTR)
				continue;
			/* A full queue on the next hop: lost. */
			w->dropped += k - done;
			break;
		}
		done += (unsigned)s;
		w->moved += (unsigned)s;
	}
}

/* What a sink counts and times. */
struct sink {
	uint64_t from;		/* Arrivals before it are not counted. */
	uint64_t got, counted, first, last;
	struct lat_samples lat;
};

static int
sink_init(struct sink *k, uint64_t from)
{
	memset(k, 0, sizeof(*k));
	k->from = from;
	return lat_samples_init(&k->lat, LAT_MAX);
}

/* One received datagram: DATA or DELIVER of this tool, timed. */
static void
sink_take(struct sink *k, const uint8_t *dg, size_t len, uint64_t now)
{
	const struct rumor_hdr *h = (const void *)dg;
	uint64_t sent;
	size_t off;

	if (rumor_hdr_check(dg, len) != RUMOR_HDR_OK)
		return;
	off = sizeof(*h) + ntohs(h->channel_len);
	if (h->type == RUMOR_T_DELIVER)
		off += CHAN_ORD_LEN;
	else if (h->type != RUMOR_T_DATA)
		return;
	if (len < off || !lat_stamp_read(dg + off, len - off,
			LAT_MAGIC_KRELAY, NULL, &sent))
		return;
	k->got++;
	if (now < k->from)
		return;
	if (k->counted++ == 0)
		k->first = now;
	k->last = now;
	lat_samples_add(&k->lat, now - sent);
}

static void
sink_report(struct sink *k)
{
	double span = k->counted > 1 ?
			(double)(k->last - k->first) / 1e9 : 0;

	lat_samples_sort(&k->lat);
	printf("krelay: received=%llu rate=%.0f p50_us=%.1f p99_us=%.1f\n",
			(unsigned long long)k->counted,
			span > 0 ? (double)(k->counted - 1) / span : 0,
			lat_pct_us(&k->lat, 50), lat_pct_us(&k->lat, 99));
	lat_samples_free(&k->lat);
}

/*
 * A relay's latency probe (--probe-sink): it publishes from gfd to the
 * relay's own address and times what reaches sfd.
 */
struct probe {
	int gfd, sfd;
	double rate;
	uint64_t t0, end;	/* Publishing, CLOCK_MONOTONIC. */
	struct pub g;
	struct sink k;
	struct rx x;
};

/* Receives batches, spends a hop, sends them on; hosts a probe if any. */
static int
run_relay(int fd, const struct sockaddr_in *to, double secs, bool poll_mode,
		struct probe *pb)
{
	static struct rx x;
	static struct fwd w;
	uint64_t end = rumor_now_ns() + (uint64_t)(secs * 1e9);
	struct timeval tv = { 0, 100000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	rx_init(&x);
	fwd_init(&w, to);
	if (pb != NULL)
		rx_init(&pb->x);
	while (!stop) {
		uint64_t now = rumor_now_ns(), wake = now + 100000000u;
		int r;

		if (now >= end)
			break;
		if (pb != NULL && now < pb->end) {
			uint64_t due = pb->t0 + (uint64_t)((double)pb->g.sent *
					1e9 / pb->rate);

			/* One at a time, late ones on the next turns. */
			if (now >= due) {
				if (pub_send(&pb->g, pb->gfd, 1, now) < 0)
					return 1;
				continue;
			}
			wake = due;
		}
		if (pb == NULL && !poll_mode) {
			/* The relay alone: block in recvmmsg. */
			r = recvmmsg(fd, x.in, BATCH, MSG_WAITFORONE, NULL);
			if (r > 0)
				fwd_batch(&w, fd, &x, r);
			continue;
		}
		if (!poll_mode) {
			/* Sleep until a socket is readable or a send is due. */
			struct pollfd pf[2] = { { fd, POLLIN, 0 },
					{ pb->sfd, POLLIN, 0 } };
			struct timespec ts = {
				(time_t)((wake - now) / 1000000000u),
				(long)((wake - now) % 1000000000u) };

			if (ppoll(pf, 2, &ts, NULL) <= 0)
				continue;
		}
		r = recvmmsg(fd, x.in, BATCH, MSG_DONTWAIT, NULL);
		if (r > 0)
			fwd_batch(&w, fd, &x, r);
		if (pb != NULL) {
			r = recvmmsg(pb->sfd, pb->x.in, BATCH, MSG_DONTWAIT,
					NULL);
			now = rumor_now_ns();
			for (int i = 0; i < r; i++)
				sink_take(&pb->k, pb->x.dg[i],
						pb->x.in[i].msg_len, now);
		}
	}
	printf("krelay relay: forwarded=%llu dropped=%llu\n",
			(unsigned long long)w.moved,
			(unsigned long long)w.dropped);
	if (pb != NULL) {
		printf("krelay probe: sent=%llu\n",
				(unsigned long long)pb->g.sent);
		sink_report(&pb->k);
	}
	return 0;
}

/* SUBSCRIBE to chan at the node: lease 300 s, no refresh needed. */
static int
subscribe(int fd, const struct sockaddr_in *node, const char *chan)
{
	uint8_t dg[RUMOR_DATAGRAM_MAX];
	struct chan_msg m;
	size_t n;

	chan_msg_init(&m, RUMOR_T_SUBSCRIBE, chan, strlen(chan));
	m.seq = 1;
	m.u.lease.lease_ms = CHAN_LEASE_MAX_MS;
	n = chan_msg_encode(&m, dg, sizeof(dg));
	if (n == 0 || sendto(fd, dg, n, 0, (const struct sockaddr *)node,
			sizeof(*node)) != (ssize_t)n) {
		perror("rumor-krelay: SUBSCRIBE");
		return -1;
	}
	return 0;
}

/* Counts DATA and DELIVER of this tool; one-way latency from the stamp. */
static int
run_sink(int fd, const struct sockaddr_in *node, const char *chan,
		double secs, double skip, bool poll_mode)
{
	static struct rx x;
	static struct sink k;
	uint64_t t0 = rumor_now_ns(), end = t0 + (uint64_t)(secs * 1e9);
	uint64_t sub_at = 0;
	struct timeval tv = { 0, 100000 };

	if (sink_init(&k, t0 + (uint64_t)(skip * 1e9)) < 0)
		return 1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	rx_init(&x);
	while (!stop) {
		uint64_t now = rumor_now_ns();
		int r;

		if (now >= end)
			break;
		/* SUBSCRIBE, and again every 250 ms until something comes. */
		if (node != NULL && k.got == 0 && now - sub_at > 250000000u) {
			if (subscribe(fd, node, chan) < 0)
				return 1;
			sub_at = now;
		}
		r = recvmmsg(fd, x.in, BATCH,
				poll_mode ? MSG_DONTWAIT : MSG_WAITFORONE, NULL);
		if (r <= 0)
			continue;
		now = rumor_now_ns();
		for (int i = 0; i < r; i++)
			sink_take(&k, x.dg[i], x.in[i].msg_len, now);
	}
	sink_report(&k);
	return 0;
}

int
main(int argc, char **argv)
{
	static struct probe pb;
	struct sockaddr_in listen_sa, to_sa, bind_sa, node_sa, probe_sa;
	bool has_listen = false, has_to = false, has_bind = false;
	bool has_node = false, has_probe = false, poll_mode = false;
	const char *role, *chan = "ch-0";
	unsigned size = 64;
	double rate = 0, secs = 5, skip = 0, probe_secs = 0;
	struct sigaction sa = { .sa_handler = on_signal };
	int c, fd;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
			strcmp(argv[1], "--help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	role = argv[1];
	optind = 2;
	while ((c = cli_args_next(argc, argv, "h", krelay_options,
			usage)) != -1) {
		switch (c) {
		case 'l': has_listen = cli_args_addr(optarg, &listen_sa) == 0;
			break;
		case 't': has_to = cli_args_addr(optarg, &to_sa) == 0; break;
		case 'b': has_bind = cli_args_addr(optarg, &bind_sa) == 0;
			break;
		case 'S': has_node = cli_args_addr(optarg, &node_sa) == 0;
			break;
		case 'P': has_probe = cli_args_addr(optarg, &probe_sa) == 0;
			break;
		case 'c': chan = optarg; break;
		case 's': size = (unsigned)atoi(optarg); break;
		case 'r': rate = atof(optarg); break;
		case 'd': secs = atof(optarg); break;
		case 'D': probe_secs = atof(optarg); break;
		case 'k': skip = atof(optarg); break;
		default: poll_mode = true; break;	/* 'p' */
		}
	}
	if (strlen(chan) == 0 || strlen(chan) > 64 || size < LAT_STAMP_LEN ||
			size > chan_payload_max(strlen(chan)) || secs <= 0 ||
			rate < 0 ||
			probe_secs < 0 || (has_probe && rate <= 0)) {
		usage(stderr);
		return 2;
	}
	prctl(PR_SET_TIMERSLACK, 1UL);	/* Paced sends on time. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (strcmp(role, "gen") == 0 && has_to) {
		fd = sock_open(has_bind ? &bind_sa : NULL);
		return fd < 0 ? 1 : run_gen(fd, &to_sa, chan, size, rate, secs);
	}
	if (strcmp(role, "relay") == 0 && has_to && has_listen) {
		fd = sock_open(&listen_sa);
		if (fd < 0)
			return 1;
		if (!has_probe)
			return run_relay(fd, &to_sa, secs, poll_mode, NULL);
		pb.gfd = sock_open(NULL);
		pb.sfd = sock_open(&probe_sa);
		pb.rate = rate;
		pb.t0 = rumor_now_ns();
		pb.end = pb.t0 + (uint64_t)((probe_secs > 0 ? probe_secs :
				secs) * 1e9);
		if (pb.gfd < 0 || pb.sfd < 0 ||
				pub_init(&pb.g, &listen_sa, chan, size) < 0 ||
				sink_init(&pb.k, pb.t0 +
				(uint64_t)(skip * 1e9)) < 0)
			return 1;
		return run_relay(fd, &to_sa, secs, poll_mode, &pb);
	}
	if (strcmp(role, "sink") == 0 && has_listen) {
		fd = sock_open(&listen_sa);
		return fd < 0 ? 1 : run_sink(fd, has_node ? &node_sa : NULL,
				chan, secs, skip, poll_mode);
	}
	usage(stderr);
	return 2;
}
