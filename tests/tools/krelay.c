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
 *          sendmmsg;
 *   sink   receives DATA (from a relay) or DELIVER (from a rumor node it
 *          subscribed to with --subscribe), counts them and reports the
 *          rate and the one-way latency (same host, same clock).
 *
 * Last line of a sink: krelay: received=.. rate=.. p50_us=.. p99_us=..
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rumor/chan_wire.h"
#include "rumor/ring.h"
#include "rumor/wire.h"

#define BATCH 64
#define KR_MAGIC 0x4b524c59u	/* "KRLY": a message of this tool. */
#define KR_HDR 20u		/* Magic, index, send time. */
#define LAT_MAX (1u << 22)	/* Latency samples kept. */

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
parse_addr(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(s, ':');

	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)atoi(colon + 1));
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

static void
put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t
get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
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
"  --size B             gen: message bytes, %u to 1400 (default 64)\n"
"  --rate R             gen: messages a second (default 0: at once)\n"
"  --duration S         run S seconds (fractions allowed; default 5)\n"
"  --subscribe ADDR:PORT sink: SUBSCRIBE to the channel at this node\n"
"  --skip S             sink: ignore the first S seconds in the rate\n"
"gen and relay run until --duration or SIGINT; sink prints\n"
"krelay: received=.. rate=.. p50_us=.. p99_us=.. as its last line.\n",
		KR_HDR);
}

static int
sock_open(const struct sockaddr_in *bind_to)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int buf = 8 << 20;

	if (fd < 0) {
		perror("socket");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	if (bind_to != NULL && bind(fd, (const struct sockaddr *)bind_to,
			sizeof(*bind_to)) < 0) {
		perror("bind");
		close(fd);
		return -1;
	}
	return fd;
}

/* Publishes: one DATA per message, in sendmmsg batches. */
static int
run_gen(int fd, const struct sockaddr_in *to, const char *chan,
		unsigned size, double rate, double secs)
{
	static uint8_t dg[BATCH][RUMOR_DATAGRAM_MAX];
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	uint8_t body[RUMOR_DATAGRAM_MAX];
	struct rumor_msg msg = { 0 };
	uint64_t t0 = now_ns(), end = t0 + (uint64_t)(secs * 1e9), sent = 0;
	size_t n;

	memset(body, 0xab, sizeof(body));
	msg.type = RUMOR_T_DATA;
	msg.hop_limit = RUMOR_DEFAULT_HOP_LIMIT;
	msg.channel = chan;
	msg.channel_len = strlen(chan);
	msg.channel_hash = ring_channel_hash(chan, msg.channel_len);
	msg.payload = body;
	msg.payload_len = size;
	n = rumor_msg_encode(dg[0], sizeof(dg[0]), &msg);
	if (n == 0) {
		fprintf(stderr, "rumor-krelay: cannot encode a message\n");
		return 1;
	}
	for (int i = 0; i < BATCH; i++) {
		memcpy(dg[i], dg[0], n);
		iov[i].iov_base = dg[i];
		iov[i].iov_len = n;
		memset(&mm[i], 0, sizeof(mm[i]));
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_name = (void *)to;
		mm[i].msg_hdr.msg_namelen = sizeof(*to);
	}
	const size_t off = n - size;	/* Where the message starts. */

	while (!stop) {
		uint64_t now = now_ns();
		unsigned k = BATCH;
		int r;

		if (now >= end)
			break;
		if (rate > 0) {
			uint64_t due = (uint64_t)((double)sent * 1e9 / rate);

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
		for (unsigned i = 0; i < k; i++) {
			uint8_t *p = dg[i] + off;

			p[0] = KR_MAGIC >> 24;
			p[1] = (KR_MAGIC >> 16) & 0xff;
			p[2] = (KR_MAGIC >> 8) & 0xff;
			p[3] = KR_MAGIC & 0xff;
			put64(p + 4, sent + i);
			put64(p + 12, now);
		}
		r = sendmmsg(fd, mm, k, 0);
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN ||
					errno == ENOBUFS || errno == ECONNREFUSED)
				continue;
			perror("sendmmsg");
			return 1;
		}
		sent += (unsigned)r;
	}
	printf("krelay gen: sent=%llu in %.3f s\n", (unsigned long long)sent,
			(double)(now_ns() - t0) / 1e9);
	return 0;
}

/* Receives batches, spends a hop, sends them on. */
static int
run_relay(int fd, const struct sockaddr_in *to, double secs)
{
	static uint8_t dg[BATCH][RUMOR_DATAGRAM_MAX];
	struct mmsghdr in[BATCH], out[BATCH];
	struct iovec iov[BATCH], oiov[BATCH];
	uint64_t end = now_ns() + (uint64_t)(secs * 1e9), moved = 0;
	uint64_t dropped = 0;
	struct timeval tv = { 0, 100000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = dg[i];
		iov[i].iov_len = sizeof(dg[i]);
		memset(&in[i], 0, sizeof(in[i]));
		in[i].msg_hdr.msg_iov = &iov[i];
		in[i].msg_hdr.msg_iovlen = 1;
		memset(&out[i], 0, sizeof(out[i]));
		out[i].msg_hdr.msg_iov = &oiov[i];
		out[i].msg_hdr.msg_iovlen = 1;
		out[i].msg_hdr.msg_name = (void *)to;
		out[i].msg_hdr.msg_namelen = sizeof(*to);
	}
	while (!stop && now_ns() < end) {
		int r = recvmmsg(fd, in, BATCH, MSG_WAITFORONE, NULL);
		unsigned k = 0;

		if (r <= 0)
			continue;
		for (int i = 0; i < r; i++) {
			struct rumor_hdr *h = (void *)dg[i];

			if (rumor_hdr_check(dg[i], in[i].msg_len) !=
					RUMOR_HDR_OK || h->type != RUMOR_T_DATA ||
					h->hop_limit == 0) {
				dropped++;
				continue;
			}
			h->hop_limit--;
			oiov[k].iov_base = dg[i];
			oiov[k].iov_len = in[i].msg_len;
			k++;
		}
		for (unsigned done = 0; done < k;) {
			int s = sendmmsg(fd, out + done, k - done, 0);

			if (s < 0) {
				if (errno == EINTR)
					continue;
				/* A full queue on the next hop: lost. */
				dropped += k - done;
				break;
			}
			done += (unsigned)s;
			moved += (unsigned)s;
		}
	}
	printf("krelay relay: forwarded=%llu dropped=%llu\n",
			(unsigned long long)moved,
			(unsigned long long)dropped);
	return 0;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct(const uint32_t *v, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t)((double)(n - 1) * p / 100.0 + 0.5);
	return v[i] / 1000.0;
}

/* SUBSCRIBE to chan at the node: lease 300 s, no refresh needed. */
static int
subscribe(int fd, const struct sockaddr_in *node, const char *chan)
{
	uint8_t dg[RUMOR_DATAGRAM_MAX];
	struct chan_msg m = { 0 };
	size_t n;

	m.type = RUMOR_T_SUBSCRIBE;
	m.hop_limit = RUMOR_DEFAULT_HOP_LIMIT;
	m.seq = 1;
	m.channel = chan;
	m.channel_len = strlen(chan);
	m.channel_hash = ring_channel_hash(chan, m.channel_len);
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
		double secs, double skip)
{
	static uint8_t dg[BATCH][RUMOR_DATAGRAM_MAX];
	struct mmsghdr in[BATCH];
	struct iovec iov[BATCH];
	uint64_t t0 = now_ns(), end = t0 + (uint64_t)(secs * 1e9);
	uint64_t from = t0 + (uint64_t)(skip * 1e9), first = 0, last = 0;
	uint64_t got = 0, counted = 0, sub_at = 0;
	uint32_t *lat = malloc(LAT_MAX * sizeof(*lat));
	size_t n_lat = 0;
	struct timeval tv = { 0, 100000 };

	if (lat == NULL)
		return 1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = dg[i];
		iov[i].iov_len = sizeof(dg[i]);
		memset(&in[i], 0, sizeof(in[i]));
		in[i].msg_hdr.msg_iov = &iov[i];
		in[i].msg_hdr.msg_iovlen = 1;
	}
	while (!stop) {
		uint64_t now = now_ns();
		int r;

		if (now >= end)
			break;
		/* SUBSCRIBE, and again every 250 ms until something comes. */
		if (node != NULL && got == 0 && now - sub_at > 250000000u) {
			if (subscribe(fd, node, chan) < 0)
				return 1;
			sub_at = now;
		}
		r = recvmmsg(fd, in, BATCH, MSG_WAITFORONE, NULL);
		if (r <= 0)
			continue;
		now = now_ns();
		for (int i = 0; i < r; i++) {
			const struct rumor_hdr *h = (const void *)dg[i];
			size_t off;
			const uint8_t *p;

			if (rumor_hdr_check(dg[i], in[i].msg_len) !=
					RUMOR_HDR_OK)
				continue;
			off = sizeof(*h) + ntohs(h->channel_len);
			if (h->type == RUMOR_T_DELIVER)
				off += CHAN_ORD_LEN;
			else if (h->type != RUMOR_T_DATA)
				continue;
			if (in[i].msg_len < off + KR_HDR)
				continue;
			p = dg[i] + off;
			if (((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
					(uint32_t)p[2] << 8 | p[3]) != KR_MAGIC)
				continue;
			got++;
			if (now < from)
				continue;
			if (counted++ == 0)
				first = now;
			last = now;
			if (n_lat < LAT_MAX) {
				uint64_t d = now - get64(p + 12);

				lat[n_lat++] = d > UINT32_MAX ? UINT32_MAX :
						(uint32_t)d;
			}
		}
	}
	qsort(lat, n_lat, sizeof(*lat), cmp_u32);
	double span = counted > 1 ? (double)(last - first) / 1e9 : 0;
	printf("krelay: received=%llu rate=%.0f p50_us=%.1f p99_us=%.1f\n",
			(unsigned long long)counted,
			span > 0 ? (double)(counted - 1) / span : 0,
			pct(lat, n_lat, 50), pct(lat, n_lat, 99));
	free(lat);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "to", required_argument, NULL, 't' },
		{ "bind", required_argument, NULL, 'b' },
		{ "channel", required_argument, NULL, 'c' },
		{ "size", required_argument, NULL, 's' },
		{ "rate", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 'd' },
		{ "subscribe", required_argument, NULL, 'S' },
		{ "skip", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sockaddr_in listen_sa, to_sa, bind_sa, node_sa;
	bool has_listen = false, has_to = false, has_bind = false;
	bool has_node = false;
	const char *role, *chan = "ch-0";
	unsigned size = 64;
	double rate = 0, secs = 5, skip = 0;
	struct sigaction sa = { .sa_handler = on_signal };
	int c, fd;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
			strcmp(argv[1], "--help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	role = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'l': has_listen = parse_addr(optarg, &listen_sa) == 0;
			break;
		case 't': has_to = parse_addr(optarg, &to_sa) == 0; break;
		case 'b': has_bind = parse_addr(optarg, &bind_sa) == 0; break;
		case 'S': has_node = parse_addr(optarg, &node_sa) == 0; break;
		case 'c': chan = optarg; break;
		case 's': size = (unsigned)atoi(optarg); break;
		case 'r': rate = atof(optarg); break;
		case 'd': secs = atof(optarg); break;
		case 'k': skip = atof(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (strlen(chan) == 0 || strlen(chan) > 64 || size < KR_HDR ||
			size > 1400 || secs <= 0 || rate < 0) {
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
		return fd < 0 ? 1 : run_relay(fd, &to_sa, secs);
	}
	if (strcmp(role, "sink") == 0 && has_listen) {
		fd = sock_open(&listen_sa);
		return fd < 0 ? 1 : run_sink(fd, has_node ? &node_sa : NULL,
				chan, secs, skip);
	}
	usage(stderr);
	return 2;
}
