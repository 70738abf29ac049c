/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client library (include/rumor/client.h). First the sequence
 * tracker alone: in order, gaps, duplicates, reordering within the
 * window and beyond it, streams, the node's GAP, sequences near 2^63.
 * Then the library against a fake node written here: a UDP socket on
 * 127.0.0.1 (ephemeral ports only) that answers SUBSCRIBE, delivers with
 * a gap and a duplicate, and watches the leases being refreshed on time;
 * and acknowledged publishes: their wire, PUB_ACKs good, stale and
 * malformed, retries with the same number, giving up, the window of 64.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "rumor/chan_wire.h"
#include "rumor/client.h"
#include "rumor/client_auth.h"
#include "rumor/token.h"
#include "rumor/clock.h"
#include "rumor/repl_wire.h"
#include "rumor/ring.h"
#include "test.h"

#define S1 0x5eed000000000001ull	/* Streams. */
#define S2 0x5eed000000000002ull
#define S3 0x5eed000000000003ull

static enum client_verdict
deliver(struct client_track *t, uint64_t stream, uint64_t seq,
		struct client_gap *g)
{
	return client_track_deliver(t, stream, seq, g);
}

static void
test_track_in_order(void)
{
	struct client_track t;
	struct client_gap g;

	client_track_init(&t);
	CHECK_EQ(deliver(&t, S1, 1, &g), CLIENT_V_FIRST);
	for (uint64_t s = 2; s <= 1000; s++)
		if (!CHECK_EQ(deliver(&t, S1, s, &g), CLIENT_V_IN_ORDER))
			break;
	CHECK_EQ(g.missing, 0);
	CHECK_EQ(t.st.received, 1000);
	CHECK_EQ(t.st.gaps + t.st.missing + t.st.duplicates + t.st.reordered +
			t.st.resets + t.st.stale, 0);
	CHECK_EQ(client_track_pending(&t), 0);
	client_track_settle(&t, &g);
	CHECK_EQ(g.missing, 0);
	CHECK_EQ(t.st.missing, 0);

	/* Tracking may start anywhere: a late subscriber's first is 500. */
	client_track_init(&t);
	CHECK_EQ(deliver(&t, S1, 500, &g), CLIENT_V_FIRST);
	CHECK_EQ(deliver(&t, S1, 501, &g), CLIENT_V_IN_ORDER);
	CHECK_EQ(t.st.missing, 0);
}

static void
test_track_gap_and_duplicate(void)
{
	struct client_track t;
	struct client_gap g;

	client_track_init(&t);
	CHECK_EQ(deliver(&t, S1, 1, &g), CLIENT_V_FIRST);
	CHECK_EQ(deliver(&t, S1, 2, &g), CLIENT_V_IN_ORDER);
	/* 3 is missing: 4 and 5 arrive early. */
	CHECK_EQ(deliver(&t, S1, 4, &g), CLIENT_V_EARLY);
	CHECK_EQ(client_track_pending(&t), 1);
	CHECK_EQ(deliver(&t, S1, 4, &g), CLIENT_V_DUPLICATE);
	CHECK_EQ(deliver(&t, S1, 5, &g), CLIENT_V_EARLY);
	CHECK_EQ(deliver(&t, S1, 2, &g), CLIENT_V_DUPLICATE);
	CHECK_EQ(deliver(&t, S1, 1, &g), CLIENT_V_DUPLICATE);
	/* 7 early too: two holes, 3 and 6. */
	CHECK_EQ(deliver(&t, S1, 7, &g), CLIENT_V_EARLY);
	CHECK_EQ(client_track_pending(&t), 2);
	/* 3 comes late: reordered, and 4 and 5 follow it. */
	CHECK_EQ(deliver(&t, S1, 3, &g), CLIENT_V_LATE);
	CHECK_EQ(t.next, 6);
	CHECK_EQ(client_track_pending(&t), 1);
	CHECK_EQ(g.missing, 0);
	CHECK_EQ(t.st.received, 6);
	CHECK_EQ(t.st.duplicates, 3);
	CHECK_EQ(t.st.reordered, 1);
	/* The end: 6 is given up. */
	client_track_settle(&t, &g);
	CHECK_EQ(g.missing, 1);
	CHECK_EQ(g.first, 6);
	CHECK_EQ(g.last, 6);
	CHECK_EQ(g.runs, 1);
	CHECK_EQ(g.stream, S1);
	CHECK_EQ(t.st.missing, 1);
	CHECK_EQ(t.st.gaps, 1);
	CHECK_EQ(t.next, 8);
	CHECK_EQ(client_track_pending(&t), 0);
	/* Given up and then arriving: a duplicate, never a new message. */
	CHECK_EQ(deliver(&t, S1, 6, &g), CLIENT_V_DUPLICATE);
	CHECK_EQ(deliver(&t, S1, 8, &g), CLIENT_V_IN_ORDER);
}

/* The window: 63 sequences above the one expected, not one more. */
static void
test_track_window(void)
{
	struct client_track t;
	struct client_gap g;
	const uint64_t w = CLIENT_TRACK_WINDOW;

	client_track_init(&t);
	CHECK_EQ(deliver(&t, S1, 1, &g), CLIENT_V_FIRST);
	/* Expected 2: 2 + 63 is the last that fits. */
	CHECK_EQ(deliver(&t, S1, 2 + w - 1, &g), CLIENT_V_EARLY);
	CHECK_EQ(g.missing, 0);
	CHECK_EQ(client_track_pending(&t), w - 1);
	/* 2 + 64 needs room: 2 is given up. */
	CHECK_EQ(deliver(&t, S1, 2 + w, &g), CLIENT_V_EARLY);
	CHECK_EQ(g.missing, 1);
	CHECK_EQ(g.first, 2);
	CHECK_EQ(g.last, 2);
	CHECK_EQ(t.next, 3);
	/* Every hole filled in any order is still taken. */
	for (uint64_t s = 2 + w - 2; s >= 3; s--)
		if (!CHECK_EQ(deliver(&t, S1, s, &g), CLIENT_V_LATE))
			break;
	CHECK_EQ(t.next, 2 + w + 1);
	CHECK_EQ(client_track_pending(&t), 0);
	CHECK_EQ(t.st.missing, 1);
	CHECK_EQ(t.st.gaps, 1);
	CHECK_EQ(t.st.received, 1 + w);
	CHECK_EQ(t.st.reordered, w - 2);

	/* A jump far ahead: one run lost, the window kept below it. */
	client_track_init(&t);
	deliver(&t, S1, 1, &g);
	CHECK_EQ(deliver(&t, S1, 1000000, &g), CLIENT_V_EARLY);
	CHECK_EQ(g.first, 2);
	CHECK_EQ(g.last, 1000000 - w);
	CHECK_EQ(g.missing, 1000000 - w - 1);
	CHECK_EQ(g.runs, 1);
	CHECK_EQ(client_track_pending(&t), w - 1);
	/* One just below still arrives in time. */
	CHECK_EQ(deliver(&t, S1, 1000000 - 1, &g), CLIENT_V_LATE);
	CHECK_EQ(g.missing, 0);

	/*
	 * A run that goes on across calls is one gap: 2 .. 99 lost in two
	 * steps, then 101 .. 136 a second one.
	 */
	client_track_init(&t);
	deliver(&t, S1, 1, &g);
	deliver(&t, S1, 100, &g);
	CHECK_EQ(g.first, 2);
	CHECK_EQ(g.last, 100 - w);
	deliver(&t, S1, 200, &g);
	CHECK_EQ(g.first, 100 - w + 1);
	CHECK_EQ(g.last, 200 - w);
	CHECK_EQ(g.missing, 99 - (100 - w) + 200 - w - 100);
	CHECK_EQ(g.runs, 1);
	CHECK_EQ(t.st.gaps, 2);
	CHECK_EQ(t.st.missing, 98 + 200 - w - 100);
}

/* Sequences are plain 64-bit numbers up to 2^63 - 1: nothing wraps. */
static void
test_track_64bit(void)
{
	struct client_track t;
	struct client_gap g;
	const uint64_t top = CHAN_SEQ_MAX;

	client_track_init(&t);
	CHECK_EQ(deliver(&t, S1, top - 100, &g), CLIENT_V_FIRST);
	for (uint64_t s = top - 99; s <= top - 1; s++)
		deliver(&t, S1, s, &g);
	CHECK_EQ(deliver(&t, S1, top, &g), CLIENT_V_IN_ORDER);
	CHECK_EQ(t.st.received, 101);
	CHECK_EQ(t.next, top + 1);
	CHECK_EQ(deliver(&t, S1, 1, &g), CLIENT_V_DUPLICATE);
	CHECK_EQ(deliver(&t, S1, top, &g), CLIENT_V_DUPLICATE);

	/* From 1 to the last sequence in one step. */
	client_track_init(&t);
	deliver(&t, S1, 1, &g);
	CHECK_EQ(deliver(&t, S1, top, &g), CLIENT_V_EARLY);
	CHECK_EQ(g.first, 2);
	CHECK_EQ(g.last, top - CLIENT_TRACK_WINDOW);
	CHECK_EQ(g.missing, top - CLIENT_TRACK_WINDOW - 1);
	CHECK_EQ(client_track_pending(&t), CLIENT_TRACK_WINDOW - 1);
	client_track_settle(&t, &g);
	CHECK_EQ(g.missing, CLIENT_TRACK_WINDOW - 1);
	CHECK_EQ(t.st.missing, top - 2);
	CHECK_EQ(t.st.gaps, 1);
	CHECK_EQ(t.next, top + 1);

	/* Above 2^32 and across it: no 32-bit arithmetic anywhere. */
	client_track_init(&t);
	deliver(&t, S1, UINT32_MAX - 1, &g);
	CHECK_EQ(deliver(&t, S1, UINT32_MAX + 1ull, &g), CLIENT_V_EARLY);
	CHECK_EQ(deliver(&t, S1, UINT32_MAX, &g), CLIENT_V_LATE);
	CHECK_EQ(t.next, UINT32_MAX + 2ull);
	CHECK_EQ(t.st.missing, 0);

	/* The node's GAP of everything but the last sequence. */
	client_track_init(&t);
	client_track_gap(&t, S1, 1, top - 1, &g);
	CHECK_EQ(g.missing, top - 1);
	CHECK_EQ(t.next, top);
	/* To the last: the stream's end, of a stream never tracked. */
	client_track_init(&t);
	client_track_gap(&t, S1, 1, top, &g);
	CHECK(g.ended);
	CHECK_EQ(g.missing, 0);
	CHECK_EQ(t.stream, 0);
}

static void
test_track_streams(void)
{
	struct client_track t;
	struct client_gap g;

	client_track_init(&t);
	deliver(&t, S1, 1, &g);
	deliver(&t, S1, 3, &g);		/* 2 missing. */
	/* A new owner: stream 2 from 1; stream 1's hole is lost. */
	CHECK_EQ(deliver(&t, S2, 1, &g), CLIENT_V_RESET);
	CHECK_EQ(g.missing, 1);
	CHECK_EQ(g.stream, S1);
	CHECK_EQ(g.first, 2);
	CHECK_EQ(t.st.resets, 1);
	CHECK_EQ(deliver(&t, S2, 2, &g), CLIENT_V_IN_ORDER);
	/* A straggler of stream 1: stale, dropped, no flip back. */
	CHECK_EQ(deliver(&t, S1, 4, &g), CLIENT_V_STALE);
	CHECK_EQ(deliver(&t, S2, 3, &g), CLIENT_V_IN_ORDER);
	CHECK_EQ(t.st.stale, 1);
	CHECK_EQ(t.st.resets, 1);
	/* A third stream; then stream 2 is the stale one. */
	CHECK_EQ(deliver(&t, S3, 7, &g), CLIENT_V_RESET);
	CHECK_EQ(g.missing, 0);
	CHECK_EQ(deliver(&t, S2, 4, &g), CLIENT_V_STALE);
	CHECK_EQ(deliver(&t, S3, 8, &g), CLIENT_V_IN_ORDER);
	CHECK_EQ(t.st.received, 7);
	CHECK_EQ(t.st.resets, 2);

	/* Broadcast: no sequence, nothing tracked. */
	client_track_init(&t);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(deliver(&t, 0, 0, &g), CLIENT_V_UNORDERED);
	CHECK_EQ(t.st.received, 3);
	CHECK_EQ(t.stream, 0);
}

/* The node's GAP message. */
static void
test_track_node_gap(void)
{
	struct client_track t;
	struct client_gap g;

	client_track_init(&t);
	for (uint64_t s = 1; s <= 3; s++)
		deliver(&t, S1, s, &g);
	client_track_gap(&t, S1, 4, 6, &g);
	CHECK_EQ(g.missing, 3);
	CHECK_EQ(g.first, 4);
	CHECK_EQ(g.last, 6);
	CHECK_EQ(t.next, 7);
	/* Told again: settled already. */
	client_track_gap(&t, S1, 4, 6, &g);
	CHECK_EQ(g.missing, 0);
	client_track_gap(&t, S1, 2, 3, &g);
	CHECK_EQ(g.missing, 0);
	/* Last-hop holes below the node's gap are lost with it. */
	deliver(&t, S1, 7, &g);
	deliver(&t, S1, 9, &g);		/* 8 missing. */
	client_track_gap(&t, S1, 10, 12, &g);
	CHECK_EQ(g.first, 8);
	CHECK_EQ(g.last, 12);
	CHECK_EQ(g.missing, 4);
	CHECK_EQ(g.runs, 2);
	CHECK_EQ(t.next, 13);
	CHECK_EQ(deliver(&t, S1, 13, &g), CLIENT_V_IN_ORDER);
	CHECK_EQ(t.st.missing, 7);
	CHECK_EQ(t.st.gaps, 3);
	/* A gap of another stream before any message starts the tracking. */
	client_track_init(&t);
	client_track_gap(&t, S2, 5, 9, &g);
	CHECK_EQ(g.missing, 5);
	CHECK_EQ(deliver(&t, S2, 10, &g), CLIENT_V_IN_ORDER);
	/* Of the stream before: stale. Of a new one: a reset. */
	client_track_gap(&t, S3, 1, 1, &g);
	CHECK_EQ(t.st.resets, 1);
	CHECK_EQ(g.stream, S3);
	client_track_gap(&t, S2, 11, 12, &g);
	CHECK_EQ(g.missing, 0);
	CHECK_EQ(t.st.stale, 1);
	/* Nonsense ranges change nothing. */
	client_track_gap(&t, 0, 1, 2, &g);
	client_track_gap(&t, S3, 5, 4, &g);
	client_track_gap(&t, S3, 0, 4, &g);
	CHECK_EQ(g.missing, 0);
	CHECK_EQ(t.next, 2);
	/*
	 * The end of a stream (a GAP to CHAN_SEQ_MAX): the holes below the
	 * highest received are lost, nothing after it is counted.
	 */
	client_track_init(&t);
	deliver(&t, S1, 1, &g);
	deliver(&t, S1, 3, &g);		/* 2 missing. */
	client_track_gap(&t, S1, 2, CHAN_SEQ_MAX, &g);
	CHECK(g.ended);
	CHECK_EQ(g.missing, 1);
	CHECK_EQ(g.first, 2);
	CHECK_EQ(g.last, CHAN_SEQ_MAX);
	CHECK_EQ(t.st.missing, 1);
	client_track_gap(&t, S1, 4, CHAN_SEQ_MAX, &g);
	CHECK(g.ended);
	CHECK_EQ(g.missing, 0);
	CHECK_EQ(g.first, 4);
	CHECK_EQ(deliver(&t, S2, 1, &g), CLIENT_V_RESET);
	/* The end of the stream before: stale, as its messages are. */
	client_track_gap(&t, S1, 9, CHAN_SEQ_MAX, &g);
	CHECK(!g.ended);
	CHECK_EQ(t.st.stale, 1);

	for (int v = 0; v < CLIENT_V_MAX; v++)
		CHECK(strcmp(client_verdict_name((enum client_verdict)v), "?")
				!= 0);
	CHECK(strcmp(client_verdict_name(CLIENT_V_MAX), "?") == 0);
	for (int e = 0; e < CLIENT_EV_MAX; e++)
		CHECK(strcmp(client_event_name((enum client_ev_type)e), "?")
				!= 0);
}

/*
 * Random orders of a window's worth of sequences, with repeats and
 * losses: the counts always add up.
 */
static void
test_track_random(void)
{
	uint64_t seed = 42;

	for (int run = 0; run < 200; run++) {
		struct client_track t;
		struct client_gap g;
		uint8_t got[400];
		uint64_t n = 300, dup = 0, recv = 0;

		memset(got, 0, sizeof(got));
		client_track_init(&t);
		deliver(&t, S1, 1, &g);
		got[1] = 1;
		recv = 1;
		for (int i = 0; i < 2000; i++) {
			/* Around a moving point: reordering within reach. */
			uint64_t base = 1 + (uint64_t)i * n / 2000;
			uint64_t s = base + test_rand(&seed) % 40;
			enum client_verdict v;

			if (s > n)
				continue;
			v = deliver(&t, S1, s, &g);
			if (v == CLIENT_V_DUPLICATE) {
				dup++;
			} else {
				CHECK(got[s] == 0);
				got[s] = 1;
				recv++;
			}
		}
		client_track_settle(&t, &g);
		CHECK_EQ(t.st.received, recv);
		CHECK_EQ(t.st.duplicates, dup);
		/* Every sequence up to the last is received or missing. */
		CHECK_EQ(t.st.received + t.st.missing, t.next - 1);
	}
}

/*
 * The fake node: a UDP socket on 127.0.0.1 and an ephemeral port. It
 * keeps the last datagram it received, decoded, and who sent it.
 */
struct fake {
	int fd;
	struct sockaddr_in addr;	/* Where it listens. */
	struct sockaddr_in peer;	/* The last sender. */
	uint8_t buf[2048];
	size_t len;
	struct chan_msg m;		/* The last datagram, decoded. */
};

static int
udp_socket(struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)addr, sizeof(*addr)) < 0 ||
			getsockname(fd, (struct sockaddr *)addr, &len) < 0)
		abort();
	return fd;
}

static void
fake_open(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->fd = udp_socket(&f->addr);
}

/* Wait up to ms for a datagram; true if one came and it decodes. */
static bool
fake_recv(struct fake *f, int ms)
{
	struct pollfd p = { .fd = f->fd, .events = POLLIN };
	socklen_t sl = sizeof(f->peer);
	ssize_t n;

	if (poll(&p, 1, ms) <= 0)
		return false;
	n = recvfrom(f->fd, f->buf, sizeof(f->buf), 0,
			(struct sockaddr *)&f->peer, &sl);
	if (n < 0)
		return false;
	f->len = (size_t)n;
	return chan_msg_decode(f->buf, f->len, &f->m) == CHAN_WIRE_OK;
}

/* Throw away whatever is queued. */
static unsigned
fake_drain(struct fake *f)
{
	unsigned n = 0;

	while (fake_recv(f, 0))
		n++;
	return n;
}

static void
fake_send_raw(struct fake *f, const void *buf, size_t len)
{
	if (sendto(f->fd, buf, len, 0, (struct sockaddr *)&f->peer,
			sizeof(f->peer)) != (ssize_t)len)
		abort();
}

static void
fake_send(struct fake *f, struct chan_msg *m)
{
	uint8_t buf[RUMOR_DATAGRAM_MAX];
	size_t n;

	m->channel_hash = ring_channel_hash(m->channel, m->channel_len);
	n = chan_msg_encode(m, buf, sizeof(buf));
	if (!CHECK(n > 0))
		return;
	fake_send_raw(f, buf, n);
}

/* Answer the last request received (its channel and id). */
static void
fake_ack(struct fake *f, uint8_t status, uint32_t lease, uint32_t limit)
{
	char chan[RUMOR_CHANNEL_MAX];
	struct chan_msg m;

	memcpy(chan, f->m.channel, f->m.channel_len);
	memset(&m, 0, sizeof(m));
	m.type = RUMOR_T_SUB_ACK;
	m.origin = 1;
	m.seq = f->m.seq;
	m.channel = chan;
	m.channel_len = f->m.channel_len;
	m.u.ack.status = status;
	m.u.ack.lease_ms = lease;
	m.u.ack.limit = limit;
	fake_send(f, &m);
}

static void
fake_deliver(struct fake *f, const char *chan, uint64_t stream, uint64_t seq,
		const char *msg)
{
	struct chan_msg m;

	memset(&m, 0, sizeof(m));
	m.type = RUMOR_T_DELIVER;
	m.origin = 2;
	m.seq = 1000 + seq;
	m.channel = chan;
	m.channel_len = strlen(chan);
	m.u.ord.stream = stream;
	m.u.ord.seq = seq;
	m.payload = (const uint8_t *)msg;
	m.payload_len = strlen(msg);
	fake_send(f, &m);
}

static void
fake_gap(struct fake *f, const char *chan, uint64_t stream, uint64_t first,
		uint64_t last)
{
	struct chan_msg m;

	memset(&m, 0, sizeof(m));
	m.type = RUMOR_T_GAP;
	m.origin = 1;
	m.channel = chan;
	m.channel_len = strlen(chan);
	m.u.range.stream = stream;
	m.u.range.first = first;
	m.u.range.last = last;
	fake_send(f, &m);
}

/*
 * The node's PUB_ACK of number on chan, into buf (cap bytes): its
 * length, 0 if the fields would not decode.
 */
static size_t
pub_ack_msg(const char *chan, uint64_t number, uint8_t status,
		uint64_t stream, uint64_t seq, uint8_t level, uint8_t held,
		uint8_t *buf, size_t cap)
{
	struct repl_msg m;

	repl_msg_init(&m, RUMOR_T_PUB_ACK, chan, strlen(chan));
	m.origin = 1;
	m.seq = number;
	m.u.pub_ack.number = number;
	m.u.pub_ack.status = status;
	m.u.pub_ack.stream = stream;
	m.u.pub_ack.seq = seq;
	m.u.pub_ack.level = level;
	m.u.pub_ack.held = held;
	return repl_msg_encode(&m, buf, cap);
}

static void
fake_pub_ack(struct fake *f, const char *chan, uint64_t number,
		uint8_t status, uint64_t stream, uint64_t seq, uint8_t level,
		uint8_t held)
{
	uint8_t buf[RUMOR_DATAGRAM_MAX];
	size_t n = pub_ack_msg(chan, number, status, stream, seq, level,
			held, buf, sizeof(buf));

	if (CHECK(n > 0))
		fake_send_raw(f, buf, n);
}

/* The next event within ms, or -1. */
static int
next_event(struct client *c, int ms, struct client_event *ev)
{
	int rc = client_poll(c, ms, ev);

	return rc == 1 ? (int)ev->type : -1;
}

static struct client *
open_client(const struct fake *f, uint32_t lease, uint32_t retry,
		uint32_t answer)
{
	struct client_opts o = { .lease_ms = lease, .retry_ms = retry,
			.answer_timeout_ms = answer };
	struct sockaddr_in lo = { .sin_family = AF_INET };

	lo.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return client_open(&f->addr, &lo, &o);
}

static bool
is_request(const struct fake *f, uint8_t type, const char *chan)
{
	return f->m.type == type && f->m.channel_len == strlen(chan) &&
			memcmp(f->m.channel, chan, f->m.channel_len) == 0;
}

/* Subscribe, receive it on the fake node and grant lease ms. */
static bool
subscribe_granted(struct client *c, struct fake *f, const char *chan,
		uint32_t lease)
{
	struct client_event ev;

	fake_drain(f);	/* Resends of earlier requests. */
	if (!CHECK_EQ(client_subscribe(c, chan, strlen(chan)), 0) ||
			!CHECK(fake_recv(f, 1000)) ||
			!CHECK(is_request(f, RUMOR_T_SUBSCRIBE, chan)))
		return false;
	fake_ack(f, CHAN_ST_OK, lease, 0);
	if (!CHECK_EQ(next_event(c, 1000, &ev), CLIENT_EV_SUBSCRIBED))
		return false;
	CHECK_EQ(ev.lease_ms, lease);
	CHECK_EQ(ev.channel_len, strlen(chan));
	return true;
}

static void
test_subscribe_deliver(void)
{
	struct fake f;
	struct client *c;
	struct client_event ev;
	struct sockaddr_in me;
	static const struct { uint64_t seq; int verdict; } want[] = {
		{ 1, CLIENT_V_FIRST }, { 2, CLIENT_V_IN_ORDER },
		{ 4, CLIENT_V_EARLY }, { 4, CLIENT_V_DUPLICATE },
		{ 3, CLIENT_V_LATE }, { 5, CLIENT_V_IN_ORDER },
	};
	char msg[32];

	fake_open(&f);
	c = open_client(&f, 0, 50, 500);
	if (!CHECK(c != NULL))
		return;
	CHECK_EQ(client_local_addr(c, &me), 0);
	CHECK_EQ(me.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	CHECK(me.sin_port != 0);

	/* The SUBSCRIBE as documented. */
	CHECK_EQ(client_subscribe(c, "news", 4), 0);
	CHECK(fake_recv(&f, 1000));
	CHECK(is_request(&f, RUMOR_T_SUBSCRIBE, "news"));
	CHECK_EQ(f.m.origin, 0);
	CHECK_EQ(f.m.u.lease.lease_ms, 0);
	CHECK_EQ(f.m.hop_limit, RUMOR_DEFAULT_HOP_LIMIT);
	CHECK_EQ(f.m.channel_hash, ring_channel_hash("news", 4));
	CHECK_EQ(f.peer.sin_port, me.sin_port);
	/* Subscribing again while it is open sends nothing. */
	CHECK_EQ(client_subscribe(c, "news", 4), 0);
	/* An answer to another request id is ignored. */
	f.m.seq += 7;
	fake_ack(&f, CHAN_ST_OK, 30000, 0);
	CHECK_EQ(next_event(c, 20, &ev), -1);
	CHECK_EQ(client_stats(c)->rx_stale_ack, 1);
	f.m.seq -= 7;
	fake_ack(&f, CHAN_ST_OK, 30000, 0);
	CHECK_EQ(next_event(c, 1000, &ev), CLIENT_EV_SUBSCRIBED);
	CHECK_EQ(ev.lease_ms, 30000);
	CHECK(ev.channel_len == 4 && memcmp(ev.channel, "news", 4) == 0);

	/* Deliveries with a gap (3 late) and a duplicate (4 twice). */
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		snprintf(msg, sizeof(msg), "message %u",
				(unsigned)want[i].seq);
		fake_deliver(&f, "news", S1, want[i].seq, msg);
	}
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (!CHECK_EQ(next_event(c, 1000, &ev), CLIENT_EV_DELIVER))
			break;
		snprintf(msg, sizeof(msg), "message %u",
				(unsigned)want[i].seq);
		CHECK_EQ(ev.seq, want[i].seq);
		CHECK_EQ(ev.verdict, want[i].verdict);
		CHECK_EQ(ev.stream, S1);
		CHECK_EQ(ev.origin, 2);
		CHECK_EQ(ev.publish_id, 1000 + want[i].seq);
		CHECK(ev.payload_len == strlen(msg) &&
				memcmp(ev.payload, msg, ev.payload_len) == 0);
		CHECK_EQ(ev.gap.missing, 0);
	}
	/* The node says 6 .. 8 are lost; then 9 is in order. */
	fake_gap(&f, "news", S1, 6, 8);
	CHECK_EQ(next_event(c, 1000, &ev), CLIENT_EV_GAP);
	CHECK_EQ(ev.gap.first, 6);
	CHECK_EQ(ev.gap.last, 8);
	CHECK_EQ(ev.gap.missing, 3);
	fake_deliver(&f, "news", S1, 9, "nine");
	CHECK_EQ(next_event(c, 1000, &ev), CLIENT_EV_DELIVER);
	CHECK_EQ(ev.verdict, CLIENT_V_IN_ORDER);
	/* 11 early, 10 never comes: the end counts it. */
	fake_deliver(&f, "news", S1, 11, "eleven");
	CHECK_EQ(next_event(c, 1000, &ev), CLIENT_EV_DELIVER);
	CHECK_EQ(ev.verdict, CLIENT_V_EARLY);

	/* Not for this client: unknown channel, bad bytes, other types. */
	fake_deliver(&f, "other", S1, 1, "x");
	fake_send_raw(&f, "garbage", 7);
	{
		struct chan_msg m;

		memset(&m, 0, sizeof(m));
		m.type = RUMOR_T_DATA;
		m.channel = "news";
		m.channel_len = 4;
		fake_send(&f, &m);
	}
	CHECK_EQ(next_event(c, 50, &ev), -1);
	CHECK_EQ(client_stats(c)->rx_bad, 1);
	CHECK_EQ(client_stats(c)->rx_unexpected, 2);

	/* A stranger cannot reach the client: the socket is connected. */
	{
		struct sockaddr_in sa;
		int fd = udp_socket(&sa);
		uint8_t buf[128];
		struct chan_msg m;
		size_t n;

		memset(&m, 0, sizeof(m));
		m.type = RUMOR_T_DELIVER;
		m.origin = 9;
		m.channel = "news";
		m.channel_len = 4;
		m.u.ord.stream = S1;
		m.u.ord.seq = 10;
		n = chan_msg_encode(&m, buf, sizeof(buf));
		CHECK(sendto(fd, buf, n, 0, (struct sockaddr *)&me,
				sizeof(me)) == (ssize_t)n);
		CHECK_EQ(next_event(c, 50, &ev), -1);
		close(fd);
	}

	/* The counts: 1 .. 5, 9, 11 received; 6 .. 8 and 10 missing. */
	client_settle(c);
	{
		struct client_track_stats st;
		const char *name;
		size_t len;

		CHECK_EQ(client_channel_count(c), 1);
		CHECK_EQ(client_channel_stats(c, 0, &name, &len, &st), 0);
		CHECK(len == 4 && memcmp(name, "news", 4) == 0);
		CHECK_EQ(st.received, 7);
		CHECK_EQ(st.duplicates, 1);
		CHECK_EQ(st.gaps, 2);
		CHECK_EQ(st.missing, 4);
		CHECK_EQ(client_channel_stats(c, 1, &name, &len, &st),
				-ENOENT);
	}

	/* UNSUBSCRIBE, answered; then deliveries are not for it. */
	fake_drain(&f);
	CHECK_EQ(client_unsubscribe(c, "news", 4), 0);
	CHECK(fake_recv(&f, 1000));
	CHECK(is_request(&f, RUMOR_T_UNSUBSCRIBE, "news"));
	CHECK_EQ(f.m.origin, 0);
	fake_ack(&f, CHAN_ST_OK, 0, 0);
	CHECK_EQ(next_event(c, 1000, &ev), CLIENT_EV_UNSUBSCRIBED);
	CHECK_EQ(ev.status, CHAN_ST_OK);
	fake_deliver(&f, "news", S1, 12, "late");
	CHECK_EQ(next_event(c, 50, &ev), -1);
	CHECK_EQ(client_unsubscribe(c, "news", 4), -ENOENT);
	CHECK_EQ(client_unsubscribe(c, "never", 5), -ENOENT);

	/* Broadcast: unordered deliveries. */
	CHECK(subscribe_granted(c, &f, "@alerts", 5000));
	fake_deliver(&f, "@alerts", 0, 0, "fire");
	CHECK_EQ(next_event(c, 1000, &ev), CLIENT_EV_DELIVER);
	CHECK_EQ(ev.verdict, CLIENT_V_UNORDERED);
	CHECK(ev.payload_len == 4 && memcmp(ev.payload, "fire", 4) == 0);

	/* Closing gives the subscription back. */
	fake_drain(&f);
	client_close(c);
	CHECK(fake_recv(&f, 1000));
	CHECK(is_request(&f, RUMOR_T_UNSUBSCRIBE, "@alerts"));
	close(f.fd);
}

/*
 * Leases: a refresh at a third of the lease, resends every retry_ms
 * while unanswered with the same request id, LOST when the lease runs
 * out, SUBSCRIBED again when the node answers.
 */
static void
test_lease(void)
{
	const uint32_t lease = 900, retry = 50;
	struct fake f;
	struct client *c;
	struct client_event ev;
	uint64_t granted, t, req;
	unsigned resends = 0;
	bool lost = false;

	fake_open(&f);
	c = open_client(&f, 2000, retry, 1000);
	if (!CHECK(c != NULL))
		return;
	CHECK(subscribe_granted(c, &f, "ticks", lease));
	CHECK_EQ(f.m.u.lease.lease_ms, 2000);
	granted = rumor_now_ms();

	/* Two refreshes, each on time, each answered. */
	for (int r = 0; r < 2; r++) {
		bool seen = false;

		while (rumor_now_ms() - granted < lease) {
			CHECK_EQ(next_event(c, 5, &ev), -1);
			if (fake_recv(&f, 0)) {
				seen = true;
				break;
			}
		}
		t = rumor_now_ms() - granted;
		if (!CHECK(seen))
			break;
		CHECK(is_request(&f, RUMOR_T_SUBSCRIBE, "ticks"));
		if (!CHECK(t >= lease / 3 - 5 && t <= lease / 3 + 150))
			fprintf(stderr, "  refresh %d after %llu ms, lease %u\n",
					r, (unsigned long long)t, lease);
		fake_ack(&f, CHAN_ST_OK, lease, 0);
		/* A refresh granted: no event. */
		CHECK_EQ(next_event(c, 20, &ev), -1);
		granted = rumor_now_ms() - 20;
	}

	/* The node goes quiet: resends, then LOST when the lease ends. */
	req = 0;
	while (rumor_now_ms() - granted < lease + 400) {
		int e = next_event(c, 5, &ev);

		if (e == CLIENT_EV_LOST) {
			t = rumor_now_ms() - granted;
			lost = true;
			if (!CHECK(t >= lease - 5 && t <= lease + 200))
				fprintf(stderr, "  lost after %llu ms\n",
						(unsigned long long)t);
			break;
		}
		CHECK_EQ(e, -1);
		while (fake_recv(&f, 0)) {
			CHECK(is_request(&f, RUMOR_T_SUBSCRIBE, "ticks"));
			if (req == 0)
				req = f.m.seq;
			else if (CHECK_EQ(f.m.seq, req))
				resends++;
		}
	}
	CHECK(lost);
	/* From lease/3 to lease, every 50 ms: about 12 resends. */
	CHECK(resends >= 6);
	/*
	 * It keeps asking (while polled: nothing runs between calls); the
	 * node answers the same request, and the subscription is back.
	 */
	t = rumor_now_ms();
	while (!fake_recv(&f, 0) && rumor_now_ms() - t < 500)
		CHECK_EQ(next_event(c, 10, &ev), -1);
	CHECK(rumor_now_ms() - t < 500);
	CHECK_EQ(f.m.seq, req);
	fake_ack(&f, CHAN_ST_OK, lease, 0);
	CHECK_EQ(next_event(c, 1000, &ev), CLIENT_EV_SUBSCRIBED);
	client_close(c);
	close(f.fd);
}

/* Refusals, a node that never answers, one that is not there. */
static void
test_node_failures(void)
{
	struct fake f;
	struct client *c;
	struct client_event ev;
	uint64_t t0;
	unsigned sent;

	fake_open(&f);
	c = open_client(&f, 0, 50, 300);
	if (!CHECK(c != NULL))
		return;

	/* Refused: which limit, and its value. */
	CHECK_EQ(client_subscribe(c, "full", 4), 0);
	CHECK(fake_recv(&f, 1000));
	fake_ack(&f, CHAN_ST_CLIENT_LIMIT, 0, 2);
	CHECK_EQ(next_event(c, 1000, &ev), CLIENT_EV_REFUSED);
	CHECK_EQ(ev.status, CHAN_ST_CLIENT_LIMIT);
	CHECK_EQ(ev.limit, 2);
	/* A refused channel is not asked for again. */
	fake_drain(&f);
	CHECK_EQ(next_event(c, 150, &ev), -1);
	CHECK_EQ(fake_drain(&f), 0);
	/* But may be subscribed to again. */
	CHECK_EQ(client_subscribe(c, "full", 4), 0);
	CHECK(fake_recv(&f, 1000));
	fake_ack(&f, CHAN_ST_OK, 5000, 0);
	CHECK_EQ(next_event(c, 1000, &ev), CLIENT_EV_SUBSCRIBED);

	/* No answer at all: resent every 50 ms, NO_ANSWER after 300. */
	t0 = rumor_now_ms();
	CHECK_EQ(client_subscribe(c, "silent", 6), 0);
	CHECK_EQ(next_event(c, 2000, &ev), CLIENT_EV_NO_ANSWER);
	CHECK(rumor_now_ms() - t0 >= 295 && rumor_now_ms() - t0 <= 500);
	CHECK(ev.channel_len == 6 && memcmp(ev.channel, "silent", 6) == 0);
	sent = fake_drain(&f);
	CHECK(sent >= 4 && sent <= 8);
	/* Said once; it keeps asking. */
	CHECK_EQ(next_event(c, 200, &ev), -1);
	CHECK(fake_drain(&f) >= 2);
	client_close(c);

	/* Nobody listens: the kernel says so. */
	{
		struct sockaddr_in gone;
		int fd = udp_socket(&gone);
		struct client_opts o = { 0 };

		close(fd);
		c = client_open(&gone, NULL, &o);
		if (CHECK(c != NULL)) {
			int rc;

			CHECK_EQ(client_subscribe(c, "x", 1), 0);
			rc = client_poll(c, 1000, &ev);
			/* The ICMP error comes with the next send at worst. */
			if (rc == 0) {
				(void)client_publish(c, "x", 1, "", 0);
				rc = client_poll(c, 1000, &ev);
			}
			CHECK_EQ(rc, -ECONNREFUSED);
			client_close(c);
		}
	}
	close(f.fd);
}

static void
test_publish(void)
{
	struct fake f;
	struct client *c;
	uint8_t *big;
	size_t max = chan_payload_max(4);

	fake_open(&f);
	c = open_client(&f, 0, 0, 0);
	if (!CHECK(c != NULL))
		return;
	CHECK_EQ(client_publish(c, "news", 4, "hello", 5), 0);
	CHECK(fake_recv(&f, 1000));
	CHECK_EQ(f.m.type, RUMOR_T_DATA);
	CHECK_EQ(f.m.origin, 0);
	CHECK_EQ(f.m.epoch, 0);
	CHECK_EQ(f.m.hop_limit, RUMOR_DEFAULT_HOP_LIMIT);
	CHECK_EQ(f.m.channel_hash, ring_channel_hash("news", 4));
	CHECK(f.m.payload_len == 5 && memcmp(f.m.payload, "hello", 5) == 0);
	/* Publish ids go up. */
	CHECK_EQ(client_publish(c, "news", 4, "", 0), 0);
	CHECK(fake_recv(&f, 1000));
	CHECK_EQ(f.m.payload_len, 0);
	CHECK_EQ(f.m.seq, 2);

	/* The largest message fits one datagram; one byte more does not. */
	big = calloc(max + 1, 1);
	CHECK_EQ(client_publish(c, "news", 4, big, max), 0);
	CHECK(fake_recv(&f, 1000));
	CHECK_EQ(f.len, 40 + 4 + max);
	CHECK_EQ(client_publish(c, "news", 4, big, max + 1), -EMSGSIZE);
	free(big);
	CHECK_EQ(client_publish(c, "news", 0, "x", 1), -EINVAL);
	CHECK_EQ(client_publish(c, NULL, 4, "x", 1), -EINVAL);
	CHECK_EQ(client_publish(c, "news", RUMOR_CHANNEL_MAX + 1, "x", 1),
			-EINVAL);
	CHECK_EQ(client_subscribe(c, "news", 0), -EINVAL);
	CHECK_EQ(fake_drain(&f), 0);

	/* Channels held: up to CLIENT_CHANNELS_MAX. */
	for (unsigned i = 0; i < CLIENT_CHANNELS_MAX; i++) {
		char name[16];
		int n = snprintf(name, sizeof(name), "c%u", i);

		if (!CHECK_EQ(client_subscribe(c, name, (size_t)n), 0))
			break;
		fake_drain(&f);
	}
	CHECK_EQ(client_subscribe(c, "one-more", 8), -ENOSPC);
	CHECK_EQ(client_subscribe(c, "c7", 2), 0);
	CHECK_EQ(client_channel_count(c), CLIENT_CHANNELS_MAX);
	client_close(c);
	close(f.fd);
}

static void
test_parse_addr(void)
{
	struct sockaddr_in a;
	static const char *const bad[] = {
		"127.0.0.1", ":7946", "127.0.0.1:", "127.0.0.1:0",
		"127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:+1",
		"127.0.0.1:12ab", "localhost:7946", "1.2.3:7946",
		"1.2.3.4.5:7946", "256.0.0.1:1", "", "127.0.0.1:99999999999",
		"[::1]:7946",
	};

	CHECK_EQ(client_parse_addr("127.0.0.1:7946", &a), 0);
	CHECK_EQ(a.sin_family, AF_INET);
	CHECK_EQ(ntohs(a.sin_port), 7946);
	CHECK_EQ(ntohl(a.sin_addr.s_addr), 0x7f000001);
	CHECK_EQ(client_parse_addr("10.0.0.1:65535", &a), 0);
	CHECK_EQ(client_parse_addr("10.0.0.1:1", &a), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!CHECK_EQ(client_parse_addr(bad[i], &a), -1))
			fprintf(stderr, "  (accepted \"%s\")\n", bad[i]);
	CHECK_EQ(client_parse_addr(NULL, &a), -1);
}

/* A raw datagram for the fake node within ms: its length, or 0. */
static size_t
fake_recv_raw(struct fake *f, int ms)
{
	struct pollfd p = { .fd = f->fd, .events = POLLIN };
	socklen_t sl = sizeof(f->peer);
	ssize_t n;

	if (poll(&p, 1, ms) <= 0)
		return 0;
	n = recvfrom(f->fd, f->buf, sizeof(f->buf), 0,
			(struct sockaddr *)&f->peer, &sl);
	f->len = n > 0 ? (size_t)n : 0;
	return f->len;
}

/* Throw away whatever is queued, decoding or not: how many. */
static unsigned
fake_drain_raw(struct fake *f)
{
	unsigned n = 0;

	while (fake_recv_raw(f, 0) > 0)
		n++;
	return n;
}

/*
 * The next client datagram of type with flags (older resends skipped),
 * parsed into cf, within a second; false if none came.
 */
static bool
fake_recv_client(struct fake *f, uint8_t type, uint8_t flags,
		struct client_frame *cf)
{
	for (int i = 0; i < 50; i++) {
		if (fake_recv_raw(f, 1000) == 0)
			return false;
		if (client_frame_parse(f->buf, f->len, cf) == CLIENT_OK &&
				cf->type == type && cf->flags == flags)
			return true;
	}
	return false;
}

/* Poll the client for up to ms; the first event's type, or -1. */
static int
pump(struct client *c, int ms)
{
	struct client_event ev;

	return next_event(c, ms, &ev);
}

/*
 * Admission as the library does it against a fake node with
 * client_auth = token: one request presents the token, the COOKIE sends
 * it again with the cookie, the SUB_ACK's session block gives the key,
 * and later requests carry tags; a COOKIE later starts again, a refused
 * token ends publishing.
 */
static void
test_token_session(void)
{
	uint8_t pk[TOKEN_PK_LEN], sk[TOKEN_SK_LEN], tok[TOKEN_LEN_MAX];
	uint8_t key[CLIENT_KEY_LEN], cookie[CLIENT_COOKIE_LEN];
	uint8_t out[RUMOR_DATAGRAM_MAX];
	char text[TOKEN_TEXT_MAX];
	struct token t;
	struct client_frame cf;
	struct client *c;
	struct fake f;
	size_t tl, n, plain;
	struct chan_msg m;

	if (sodium_init() < 0)
		return;
	crypto_sign_keypair(pk, sk);
	memset(&t, 0, sizeof(t));
	t.client_id = 9;
	t.not_before = 1;
	t.not_after = 2;
	t.n_caps = 1;
	t.cap[0].ops = TOKEN_OP_ALL;
	t.cap[0].len = 1;
	t.cap[0].pattern[0] = '*';
	tl = token_sign(&t, sk, tok, sizeof(tok));
	token_to_text(tok, tl, text, sizeof(text));
	memset(key, 0x42, sizeof(key));
	memset(cookie, 0x17, sizeof(cookie));

	fake_open(&f);
	c = open_client(&f, 30000, 100, 0);
	if (!CHECK(c != NULL))
		return;
	CHECK_EQ(client_set_token_text(c, "not a token!"), -EINVAL);
	CHECK_EQ(client_set_token(c, tok, tl - 1), -EINVAL);
	CHECK_EQ(client_set_token_text(c, text), 0);
	CHECK(!client_has_session(c));

	/* Two SUBSCRIBEs: only the first presents the token. */
	CHECK_EQ(client_subscribe(c, "a", 1), 0);
	CHECK_EQ(client_subscribe(c, "b", 1), 0);
	CHECK(fake_recv_raw(&f, 1000) > 0);
	CHECK_EQ(client_frame_parse(f.buf, f.len, &cf), CLIENT_OK);
	CHECK_EQ(cf.flags, RUMOR_F_CRED);
	CHECK_EQ(cf.type, RUMOR_T_SUBSCRIBE);
	CHECK(cf.token_len == tl && memcmp(cf.token, tok, tl) == 0);
	CHECK_UNTOUCHED(cf.cookie, CLIENT_COOKIE_LEN, 0);
	CHECK_EQ(fake_recv_raw(&f, 50), 0);

	/* A COOKIE: the same request again, with it. */
	n = client_cookie_msg(f.buf, f.len, 1, cookie, out, sizeof(out));
	CHECK(n > 0 && n <= f.len);
	fake_send_raw(&f, out, n);
	CHECK_EQ(pump(c, 100), -1);
	CHECK(fake_recv_raw(&f, 1000) > 0);
	CHECK_EQ(client_frame_parse(f.buf, f.len, &cf), CLIENT_OK);
	CHECK_EQ(cf.flags, RUMOR_F_CRED);
	CHECK(memcmp(cf.cookie, cookie, sizeof(cookie)) == 0);

	/* The SUB_ACK opens the session: its key, and "a" granted. */
	plain = client_frame_strip(f.buf, f.len, &cf);
	CHECK_EQ(chan_msg_decode(f.buf, plain, &f.m), CHAN_WIRE_OK);
	chan_msg_init(&m, RUMOR_T_SUB_ACK, "a", 1);
	m.origin = 1;
	m.seq = f.m.seq;
	m.u.ack.status = CHAN_ST_OK;
	m.u.ack.lease_ms = 30000;
	n = chan_msg_encode(&m, out, sizeof(out));
	n = client_ack_add_session(out, n, sizeof(out), key, 3600);
	CHECK(n > 0);
	fake_send_raw(&f, out, n);
	CHECK_EQ(pump(c, 1000), CLIENT_EV_SUBSCRIBED);
	CHECK(client_has_session(c));
	CHECK_EQ(client_stats(c)->sessions, 1);
	CHECK_EQ(client_stats(c)->rx_cookie, 1);

	/* "b" goes out now, tagged under the key. */
	(void)pump(c, 300);
	CHECK(fake_recv_client(&f, RUMOR_T_SUBSCRIBE, RUMOR_F_AUTH, &cf));
	CHECK(client_tag(key, f.buf, f.len, cf.auth_off) == cf.tag);
	CHECK_EQ(cf.stamp, 1);
	plain = client_frame_strip(f.buf, f.len, &cf);
	CHECK_EQ(chan_msg_decode(f.buf, plain, &f.m), CHAN_WIRE_OK);
	fake_ack(&f, CHAN_ST_OK, 30000, 0);
	CHECK_EQ(pump(c, 1000), CLIENT_EV_SUBSCRIBED);
	fake_drain(&f);

	/*
	 * An acked PUBLISH: tagged, RUMOR_F_ACK kept. Unanswered for
	 * retry_ms, the same plain bytes again under a new stamp; the
	 * PUB_ACK comes plain.
	 */
	{
		uint8_t first[RUMOR_DATAGRAM_MAX];
		size_t first_len = 0;
		uint64_t num = 0, stamp = 0;
		struct repl_msg rm;
		struct client_event ev;

		CHECK_EQ(client_publish_acked(c, "a", 1, "ack", 3,
				REPL_LEVEL_OWNER, &num), 0);
		CHECK(fake_recv_client(&f, RUMOR_T_DATA,
				RUMOR_F_AUTH | RUMOR_F_ACK, &cf));
		CHECK(client_tag(key, f.buf, f.len, cf.auth_off) == cf.tag);
		stamp = cf.stamp;
		plain = client_frame_strip(f.buf, f.len, &cf);
		CHECK_EQ(f.buf[4], RUMOR_F_ACK);
		CHECK_EQ(repl_msg_decode(f.buf, plain, &rm), CHAN_WIRE_OK);
		CHECK_EQ(rm.u.req.number, num);
		CHECK(rm.payload_len == 3 && memcmp(rm.payload, "ack", 3) == 0);
		memcpy(first, f.buf, plain);
		first_len = plain;
		CHECK_EQ(pump(c, 150), -1);
		CHECK(fake_recv_client(&f, RUMOR_T_DATA,
				RUMOR_F_AUTH | RUMOR_F_ACK, &cf));
		CHECK(client_tag(key, f.buf, f.len, cf.auth_off) == cf.tag);
		CHECK(cf.stamp > stamp);
		plain = client_frame_strip(f.buf, f.len, &cf);
		CHECK(plain == first_len && memcmp(f.buf, first, plain) == 0);
		fake_pub_ack(&f, "a", num, REPL_PUB_OK, S1, 1,
				REPL_LEVEL_OWNER, 0);
		CHECK_EQ(next_event(c, 1000, &ev), CLIENT_EV_PUB_ACK);
		CHECK_EQ(ev.number, num);
		CHECK_EQ(ev.status, REPL_PUB_OK);
		CHECK_EQ(client_pub_in_flight(c), 0);
		fake_drain_raw(&f);
	}

	/* A PUBLISH: tagged, the next stamp. */
	CHECK_EQ(client_publish(c, "a", 1, "hi", 2), 0);
	CHECK(fake_recv_client(&f, RUMOR_T_DATA, RUMOR_F_AUTH, &cf));
	CHECK(client_tag(key, f.buf, f.len, cf.auth_off) == cf.tag);
	CHECK(cf.stamp >= 2);
	key[0] ^= 1;
	CHECK(client_tag(key, f.buf, f.len, cf.auth_off) != cf.tag);

	/* The node lost the session: a COOKIE; publishing opens another. */
	n = client_cookie_msg(f.buf, f.len, 1, cookie, out, sizeof(out));
	fake_send_raw(&f, out, n);
	(void)pump(c, 100);
	CHECK(!client_has_session(c));
	fake_drain(&f);
	CHECK_EQ(client_publish(c, "a", 1, "hi", 2), -EAGAIN);
	CHECK(fake_recv_client(&f, RUMOR_T_UNSUBSCRIBE, RUMOR_F_CRED, &cf));

	/* The node refuses the token: publishing says so. */
	plain = client_frame_strip(f.buf, f.len, &cf);
	CHECK_EQ(chan_msg_decode(f.buf, plain, &f.m), CHAN_WIRE_OK);
	chan_msg_init(&m, RUMOR_T_SUB_ACK, "a", 1);
	m.origin = 1;
	m.seq = f.m.seq;
	m.u.ack.status = CHAN_ST_TOKEN_REFUSED;
	n = chan_msg_encode(&m, out, sizeof(out));
	fake_send_raw(&f, out, n);
	(void)pump(c, 100);
	CHECK_EQ(client_publish(c, "a", 1, "hi", 2), -EACCES);
	client_close(c);
	close(f.fd);
}

/* The next acked PUBLISH for the fake node within ms, decoded into m. */
static bool
fake_recv_acked(struct fake *f, int ms, struct repl_msg *m)
{
	return fake_recv_raw(f, ms) > 0 &&
			repl_msg_decode(f->buf, f->len, m) == CHAN_WIRE_OK &&
			m->type == RUMOR_T_DATA;
}

/*
 * An acked publish on the wire as docs/replication.md lays it out, the
 * PUB_ACKs that answer it (at the level asked or below, a DUPLICATE, a
 * refusal), the stale ones, and the calls refused.
 */
static void
test_pub_acked(void)
{
	uint8_t *big;
	size_t max = chan_payload_max(4);
	struct client_event ev;
	struct repl_msg m;
	struct client *c;
	struct fake f;
	uint64_t num = 0;

	fake_open(&f);
	/* No retry within the test. */
	c = open_client(&f, 0, 10000, 20000);
	if (!CHECK(c != NULL))
		return;
	CHECK_EQ(client_pub_in_flight(c), 0);
	CHECK_EQ(client_publish_acked(c, "news", 4, "hello", 5,
			REPL_LEVEL_QUORUM, &num), 0);
	CHECK_EQ(num, 1);
	CHECK_EQ(client_pub_in_flight(c), 1);
	CHECK(fake_recv_acked(&f, 1000, &m));
	CHECK_EQ(f.buf[RUMOR_TYPE_OFF], RUMOR_T_DATA);
	CHECK_EQ(f.buf[4], RUMOR_F_ACK);
	CHECK_EQ(f.len, 40 + 4 + REPL_PUB_REQ_LEN + 5);
	CHECK_EQ(m.origin, 0);
	CHECK_EQ(m.epoch, 0);
	CHECK_EQ(m.seq, 1);		/* The publish id. */
	CHECK_EQ(m.hop_limit, RUMOR_DEFAULT_HOP_LIMIT);
	CHECK_EQ(m.channel_hash, ring_channel_hash("news", 4));
	CHECK_EQ(m.u.req.client, 0);
	CHECK_EQ(m.u.req.number, 1);
	CHECK_EQ(m.u.req.level, REPL_LEVEL_QUORUM);
	CHECK_UNTOUCHED(m.u.req.via, REPL_VIA_LEN, 0);
	CHECK(m.payload_len == 5 && memcmp(m.payload, "hello", 5) == 0);
	/* The request sits before the message: the plain decoder refuses. */
	CHECK(chan_msg_decode(f.buf, f.len, &f.m) != CHAN_WIRE_OK);

	/* A plain PUBLISH shares publish ids, not numbers. */
	CHECK_EQ(client_publish(c, "news", 4, "x", 1), 0);
	CHECK(fake_recv(&f, 1000));
	CHECK_EQ(f.m.seq, 2);
	CHECK_EQ(client_publish_acked(c, "news", 4, "", 0, REPL_LEVEL_ALL,
			&num), 0);
	CHECK_EQ(num, 2);
	CHECK(fake_recv_acked(&f, 1000, &m));
	CHECK_EQ(m.seq, 3);
	CHECK_EQ(m.u.req.number, 2);
	CHECK_EQ(m.u.req.level, REPL_LEVEL_ALL);
	CHECK_EQ(m.payload_len, 0);
	CHECK_EQ(client_pub_in_flight(c), 2);

	/* OK for 1: the event, the slot freed. */
	fake_pub_ack(&f, "news", 1, REPL_PUB_OK, S1, 7, REPL_LEVEL_QUORUM, 2);
	CHECK_EQ(next_event(c, 1000, &ev), CLIENT_EV_PUB_ACK);
	CHECK(ev.channel_len == 4 && memcmp(ev.channel, "news", 4) == 0);
	CHECK_EQ(ev.number, 1);
	CHECK_EQ(ev.status, REPL_PUB_OK);
	CHECK_EQ(ev.stream, S1);
	CHECK_EQ(ev.seq, 7);
	CHECK_EQ(ev.level, REPL_LEVEL_QUORUM);
	CHECK_EQ(ev.held, 2);
	CHECK_EQ(client_pub_in_flight(c), 1);
	/* Again (the answer to a retry), another number, another channel. */
	fake_pub_ack(&f, "news", 1, REPL_PUB_OK, S1, 7, REPL_LEVEL_QUORUM, 2);
	fake_pub_ack(&f, "news", 99, REPL_PUB_OK, S1, 8, REPL_LEVEL_OWNER, 0);
	fake_pub_ack(&f, "other", 2, REPL_PUB_OK, S1, 8, REPL_LEVEL_OWNER, 0);
	CHECK_EQ(next_event(c, 50, &ev), -1);
	CHECK_EQ(client_stats(c)->rx_stale_ack, 3);
	CHECK_EQ(client_stats(c)->rx_bad, 0);
	CHECK_EQ(client_pub_in_flight(c), 1);

	/*
	 * 2 asked ALL: a DUPLICATE below the client's highest (no
	 * sequence), met at OWNER only, is its answer all the same.
	 */
	fake_pub_ack(&f, "news", 2, REPL_PUB_DUPLICATE, S1, 0,
			REPL_LEVEL_OWNER, 0);
	CHECK_EQ(next_event(c, 1000, &ev), CLIENT_EV_PUB_ACK);
	CHECK_EQ(ev.number, 2);
	CHECK_EQ(ev.status, REPL_PUB_DUPLICATE);
	CHECK_EQ(ev.stream, S1);
	CHECK_EQ(ev.seq, 0);
	CHECK_EQ(ev.level, REPL_LEVEL_OWNER);
	CHECK_EQ(client_pub_in_flight(c), 0);

	/* A refusal. */
	CHECK_EQ(client_publish_acked(c, "news", 4, "no", 2, REPL_LEVEL_OWNER,
			&num), 0);
	CHECK_EQ(num, 3);
	CHECK(fake_recv_acked(&f, 1000, &m));
	fake_pub_ack(&f, "news", 3, REPL_PUB_NOT_OWNER, 0, 0, 0, 0);
	CHECK_EQ(next_event(c, 1000, &ev), CLIENT_EV_PUB_ACK);
	CHECK_EQ(ev.number, 3);
	CHECK_EQ(ev.status, REPL_PUB_NOT_OWNER);
	CHECK_EQ(ev.stream, 0);
	CHECK_EQ(ev.level, REPL_LEVEL_NONE);
	CHECK_EQ(client_pub_in_flight(c), 0);
	/* Nothing answered is sent again. */
	CHECK_EQ(fake_drain_raw(&f), 0);

	/* Refused calls: no number taken, nothing sent. */
	num = 0;
	CHECK_EQ(client_publish_acked(c, "news", 4, "x", 1, REPL_LEVEL_NONE,
			&num), -EINVAL);
	CHECK_EQ(client_publish_acked(c, "news", 4, "x", 1, REPL_LEVEL_MAX,
			&num), -EINVAL);
	CHECK_EQ(client_publish_acked(c, "news", 4, "x", 1,
			(enum repl_level)200, &num), -EINVAL);
	CHECK_EQ(client_publish_acked(c, "@alerts", 7, "x", 1,
			REPL_LEVEL_OWNER, &num), -EINVAL);
	CHECK_EQ(client_publish_acked(c, "news", 0, "x", 1, REPL_LEVEL_OWNER,
			&num), -EINVAL);
	CHECK_EQ(client_publish_acked(c, NULL, 4, "x", 1, REPL_LEVEL_OWNER,
			&num), -EINVAL);
	CHECK_EQ(client_publish_acked(c, "news", RUMOR_CHANNEL_MAX + 1, "x",
			1, REPL_LEVEL_OWNER, &num), -EINVAL);
	big = calloc(max + 1, 1);
	CHECK_EQ(client_publish_acked(c, "news", 4, big, max + 1,
			REPL_LEVEL_OWNER, &num), -EMSGSIZE);
	CHECK_EQ(num, 0);
	CHECK_EQ(client_pub_in_flight(c), 0);
	CHECK_EQ(fake_drain_raw(&f), 0);
	/* The largest message fits, with its request, in one datagram. */
	CHECK_EQ(client_publish_acked(c, "news", 4, big, max,
			REPL_LEVEL_OWNER, &num), 0);
	CHECK_EQ(num, 4);
	CHECK(fake_recv_acked(&f, 1000, &m));
	CHECK_EQ(m.payload_len, max);
	CHECK_EQ(f.len, 40 + 4 + REPL_PUB_REQ_LEN + max);
	free(big);
	client_close(c);
	close(f.fd);
}

/*
 * Retries: unanswered for retry_ms, the same bytes (number and publish
 * id) again; answered, no more; unanswered for answer_timeout_ms,
 * CLIENT_EV_PUB_LOST, and its late answer is stale.
 */
static void
test_pub_retry(void)
{
	uint8_t first[RUMOR_DATAGRAM_MAX];
	size_t first_len;
	struct client_event ev;
	struct repl_msg m;
	struct client *c;
	struct fake f;
	uint64_t num = 0, t0;
	unsigned resends = 0;
	bool lost = false;

	fake_open(&f);
	c = open_client(&f, 0, 50, 300);
	if (!CHECK(c != NULL))
		return;
	t0 = rumor_now_ms();
	CHECK_EQ(client_publish_acked(c, "news", 4, "again", 5,
			REPL_LEVEL_OWNER, &num), 0);
	CHECK(fake_recv_acked(&f, 1000, &m));
	first_len = f.len;
	memcpy(first, f.buf, f.len);
	while (rumor_now_ms() - t0 < 600) {
		int e = next_event(c, 5, &ev);

		while (fake_recv_raw(&f, 0) > 0)
			if (CHECK(f.len == first_len &&
					memcmp(f.buf, first, f.len) == 0))
				resends++;
		if (e == CLIENT_EV_PUB_LOST) {
			uint64_t t = rumor_now_ms() - t0;

			lost = true;
			if (!CHECK(t >= 295 && t <= 500))
				fprintf(stderr, "  lost after %llu ms\n",
						(unsigned long long)t);
			CHECK_EQ(ev.number, num);
			CHECK(ev.channel_len == 4 &&
					memcmp(ev.channel, "news", 4) == 0);
			break;
		}
		CHECK_EQ(e, -1);
	}
	CHECK(lost);
	/* Every 50 ms from 50 to 300: about 5. */
	if (!CHECK(resends >= 3 && resends <= 7))
		fprintf(stderr, "  %u resends\n", resends);
	CHECK_EQ(client_pub_in_flight(c), 0);
	/* Given up: not sent again, and its answer is stale. */
	CHECK_EQ(next_event(c, 150, &ev), -1);
	CHECK_EQ(fake_drain_raw(&f), 0);
	fake_pub_ack(&f, "news", num, REPL_PUB_OK, S1, 1, REPL_LEVEL_OWNER,
			0);
	CHECK_EQ(next_event(c, 50, &ev), -1);
	CHECK_EQ(client_stats(c)->rx_stale_ack, 1);

	/* Answered after a retry: the answer ends the retries. */
	CHECK_EQ(client_publish_acked(c, "news", 4, "once", 4,
			REPL_LEVEL_OWNER, &num), 0);
	CHECK_EQ(num, 2);
	CHECK(fake_recv_acked(&f, 1000, &m));
	CHECK_EQ(next_event(c, 80, &ev), -1);
	CHECK(fake_recv_acked(&f, 1000, &m));
	CHECK_EQ(m.u.req.number, 2);
	fake_pub_ack(&f, "news", 2, REPL_PUB_OK, S1, 2, REPL_LEVEL_OWNER, 0);
	CHECK_EQ(next_event(c, 1000, &ev), CLIENT_EV_PUB_ACK);
	CHECK_EQ(ev.number, 2);
	fake_drain_raw(&f);
	CHECK_EQ(next_event(c, 400, &ev), -1);
	CHECK_EQ(fake_drain_raw(&f), 0);
	client_close(c);
	close(f.fd);
}

/*
 * The window: 64 in flight, then -EBUSY; and while the oldest of a
 * channel's is unanswered, no number 64 above it on that channel (the
 * owner would refuse its retry, TOO_OLD).
 */
static void
test_pub_window(void)
{
	const uint64_t w = CLIENT_PUB_IN_FLIGHT_MAX;
	struct client_event ev;
	struct client *c;
	struct fake f;
	uint64_t num = 0;

	fake_open(&f);
	c = open_client(&f, 0, 10000, 20000);
	if (!CHECK(c != NULL))
		return;
	for (uint64_t i = 1; i <= w; i++) {
		if (!CHECK_EQ(client_publish_acked(c, "news", 4, "m", 1,
				REPL_LEVEL_OWNER, &num), 0))
			break;
		CHECK_EQ(num, i);
	}
	CHECK_EQ(client_pub_in_flight(c), w);
	CHECK_EQ(client_publish_acked(c, "news", 4, "m", 1, REPL_LEVEL_OWNER,
			&num), -EBUSY);
	CHECK_EQ(client_publish_acked(c, "other", 5, "m", 1,
			REPL_LEVEL_OWNER, &num), -EBUSY);
	for (uint64_t i = 0; i < w; i++)
		if (!CHECK(fake_recv_raw(&f, 1000) > 0))
			break;
	/* All but the oldest answered: 65 would be out of its window. */
	for (uint64_t i = 2; i <= w; i++) {
		fake_pub_ack(&f, "news", i, REPL_PUB_OK, S1, i,
				REPL_LEVEL_OWNER, 0);
		if (!CHECK_EQ(next_event(c, 1000, &ev), CLIENT_EV_PUB_ACK))
			break;
		CHECK_EQ(ev.number, i);
	}
	CHECK_EQ(client_pub_in_flight(c), 1);
	CHECK_EQ(client_publish_acked(c, "news", 4, "m", 1, REPL_LEVEL_OWNER,
			&num), -EBUSY);
	/* Another channel's window is its own. */
	CHECK_EQ(client_publish_acked(c, "other", 5, "m", 1,
			REPL_LEVEL_OWNER, &num), 0);
	CHECK_EQ(num, w + 1);
	fake_pub_ack(&f, "news", 1, REPL_PUB_OK, S1, 1, REPL_LEVEL_OWNER, 0);
	CHECK_EQ(next_event(c, 1000, &ev), CLIENT_EV_PUB_ACK);
	CHECK_EQ(ev.number, 1);
	CHECK_EQ(client_publish_acked(c, "news", 4, "m", 1, REPL_LEVEL_OWNER,
			&num), 0);
	CHECK_EQ(num, w + 2);
	CHECK_EQ(client_pub_in_flight(c), 2);
	client_close(c);
	close(f.fd);
}

/*
 * Malformed PUB_ACKs count rx_bad and answer nothing: truncated, longer,
 * a status out of range, a refusal with a position, a number not the
 * header's, no level, a flag, origin 0; then random damage.
 */
static void
test_pub_ack_bad(void)
{
	/* Offsets in a PUB_ACK on "news": header, name, then the part. */
	const size_t part = 40 + 4;
	uint8_t good[RUMOR_DATAGRAM_MAX], buf[RUMOR_DATAGRAM_MAX];
	const struct client_stats *st;
	struct client_event ev;
	struct client *c;
	struct fake f;
	uint64_t num = 0, seed = 7, events = 0, bad;
	size_t n;

	fake_open(&f);
	c = open_client(&f, 0, 10000, 20000);
	if (!CHECK(c != NULL))
		return;
	st = client_stats(c);
	CHECK_EQ(client_publish_acked(c, "news", 4, "m", 1, REPL_LEVEL_OWNER,
			&num), 0);
	CHECK(fake_recv_raw(&f, 1000) > 0);
	n = pub_ack_msg("news", num, REPL_PUB_OK, S1, 5, REPL_LEVEL_OWNER, 1,
			good, sizeof(good));
	if (!CHECK_EQ(n, part + REPL_PUB_ACK_LEN))
		return;

	/* Truncated anywhere, and one byte longer. */
	bad = 0;
	for (size_t len = 1; len < n; len++) {
		fake_send_raw(&f, good, len);
		CHECK_EQ(next_event(c, 20, &ev), -1);
		bad++;
	}
	memcpy(buf, good, n);
	buf[n] = 0;
	fake_send_raw(&f, buf, n + 1);
	bad++;
	CHECK_EQ(next_event(c, 20, &ev), -1);
	/* Fields: status, position, number, level, flags, origin. */
	{
		static const struct { size_t off; uint8_t v; } dmg[] = {
			{ part + 37, REPL_PUB_STATUS_MAX },
			{ part + 37, 0xff },
			{ part + 37, REPL_PUB_NOT_OWNER },
			{ part + 7, 0x99 },		/* Number. */
			{ part + 38, REPL_LEVEL_NONE },
			{ part + 38, REPL_LEVEL_MAX },
			{ part + 39, 0xff },		/* Held. */
			{ 4, RUMOR_F_ACK },		/* Flags. */
			{ 4, RUMOR_F_AUTH },
		};

		for (size_t i = 0; i < sizeof(dmg) / sizeof(dmg[0]); i++) {
			memcpy(buf, good, n);
			buf[dmg[i].off] = dmg[i].v;
			fake_send_raw(&f, buf, n);
			bad++;
			if (!CHECK_EQ(next_event(c, 20, &ev), -1))
				fprintf(stderr, "  damage %zu\n", i);
		}
		/* Origin 0: no node sent it. */
		memcpy(buf, good, n);
		memset(buf + 8, 0, 4);
		fake_send_raw(&f, buf, n);
		bad++;
		CHECK_EQ(next_event(c, 20, &ev), -1);
	}
	CHECK_EQ(st->rx_bad, bad);
	CHECK_EQ(st->rx_stale_ack, 0);
	CHECK_EQ(client_pub_in_flight(c), 1);
	/* Still in flight: the good one answers it. */
	fake_send_raw(&f, good, n);
	CHECK_EQ(next_event(c, 1000, &ev), CLIENT_EV_PUB_ACK);
	CHECK_EQ(ev.held, 1);

	/*
	 * Random damage to PUB_ACKs of a publish in flight: each is bad,
	 * stale, not for the client (it holds no subscription) or the
	 * answer, and nothing else happens.
	 */
	CHECK_EQ(client_publish_acked(c, "news", 4, "m", 1, REPL_LEVEL_OWNER,
			&num), 0);
	n = pub_ack_msg("news", num, REPL_PUB_OK, S1, 6, REPL_LEVEL_OWNER, 1,
			good, sizeof(good));
	for (int i = 0; i < 2000; i++) {
		size_t len = n;
		unsigned flips = 1 + test_rand(&seed) % 3;

		memcpy(buf, good, n);
		for (unsigned k = 0; k < flips; k++)
			buf[test_rand(&seed) % n] ^=
					(uint8_t)(1 + test_rand(&seed) % 255);
		if (test_rand(&seed) % 4 == 0)
			len = 1 + test_rand(&seed) % n;
		/* Mostly a PUB_ACK still, for replication's decoder. */
		if (test_rand(&seed) % 8 != 0 && len > RUMOR_TYPE_OFF)
			buf[RUMOR_TYPE_OFF] = RUMOR_T_PUB_ACK;
		fake_send_raw(&f, buf, len);
		while (next_event(c, 0, &ev) != -1)
			if (CHECK_EQ(ev.type, CLIENT_EV_PUB_ACK))
				events++;
	}
	while (next_event(c, 50, &ev) != -1)
		if (CHECK_EQ(ev.type, CLIENT_EV_PUB_ACK))
			events++;
	CHECK(events <= 1);
	CHECK_EQ(client_pub_in_flight(c), 1 - events);
	/* Truncated, longer, damaged, the good one, the random ones. */
	CHECK_EQ(st->rx, (n - 1) + 1 + 10 + 1 + 2000);
	CHECK_EQ(st->rx, st->rx_bad + st->rx_stale_ack + st->rx_unexpected +
			1 + events);
	client_close(c);
	close(f.fd);
}

/* Throw away whatever is queued, decoding or not. */
static void
fake_drain_all(struct fake *f)
{
	struct pollfd p = { .fd = f->fd, .events = POLLIN };

	while (poll(&p, 1, 0) > 0 && recv(f->fd, f->buf, sizeof(f->buf),
			0) >= 0)
		;
}

/*
 * The resuming SUBSCRIBE fake f received: true if it decodes as one of
 * chan, its request id and channel then in f->m for fake_ack.
 */
static bool
resume_request(struct fake *f, const char *chan, struct repl_msg *r)
{
	(void)fake_recv(f, 1000);	/* Not a plain channel message. */
	if (!CHECK_EQ(repl_msg_decode(f->buf, f->len, r), CHAN_WIRE_OK) ||
			!CHECK_EQ(r->type, RUMOR_T_SUBSCRIBE) ||
			!CHECK_EQ(r->channel_len, strlen(chan)))
		return false;
	memset(&f->m, 0, sizeof(f->m));
	f->m.seq = r->seq;
	f->m.channel = chan;
	f->m.channel_len = strlen(chan);
	return true;
}

/*
 * client_subscribe_from: a resuming SUBSCRIBE naming the point, resent
 * from where the client got to; the tracker goes on from the point;
 * refreshes are plain; a lost lease resumes by itself; bad arguments.
 */
static void
test_resume(void)
{
	struct fake f;
	struct client *c;
	struct client_event ev;
	struct repl_msg r;
	uint64_t stream, seq;

	fake_open(&f);
	c = open_client(&f, 0, 50, 5000);
	if (!CHECK(c != NULL))
		return;
	CHECK_EQ(client_subscribe_from(c, "@b", 2, 7, 1), -EINVAL);
	CHECK_EQ(client_subscribe_from(c, "news", 4, 0, 1), -EINVAL);
	CHECK_EQ(client_subscribe_from(c, "news", 4, 7, 0), -EINVAL);
	CHECK_EQ(client_subscribe_from(c, "news", 4, 7, CHAN_SEQ_MAX),
			-EINVAL);
	CHECK_EQ(client_subscribe_from(c, "news", 4, 0x77, 10), 0);
	if (!resume_request(&f, "news", &r))
		goto out;
	CHECK_EQ(r.origin, 0);
	CHECK_EQ(r.u.resume.stream, 0x77);
	CHECK_EQ(r.u.resume.seq, 10);
	CHECK_EQ(client_subscribe_from(c, "news", 4, 0x77, 10), -EALREADY);
	/* What the node sends on before the grant counts already. */
	fake_deliver(&f, "news", 0x77, 11, "m11");
	CHECK_EQ(next_event(c, 1000, &ev), CLIENT_EV_DELIVER);
	CHECK_EQ(ev.verdict, CLIENT_V_IN_ORDER);
	/* Unanswered: sent again from where it got to. */
	fake_drain_all(&f);
	CHECK_EQ(next_event(c, 120, &ev), -1);	/* It resends meanwhile. */
	if (!resume_request(&f, "news", &r))
		goto out;
	CHECK_EQ(r.u.resume.seq, 11);
	fake_ack(&f, CHAN_ST_OK, 3000, 0);
	CHECK_EQ(next_event(c, 1000, &ev), CLIENT_EV_SUBSCRIBED);
	fake_deliver(&f, "news", 0x77, 13, "m13");
	CHECK_EQ(next_event(c, 1000, &ev), CLIENT_EV_DELIVER);
	CHECK_EQ(ev.verdict, CLIENT_V_EARLY);
	fake_gap(&f, "news", 0x77, 12, 12);
	CHECK_EQ(next_event(c, 1000, &ev), CLIENT_EV_GAP);
	CHECK_EQ(client_channel_position(c, 0, &stream, &seq), 0);
	CHECK_EQ(stream, 0x77);
	CHECK_EQ(seq, 13);
	/* The refresh, at a third of the lease, is plain. */
	fake_drain_all(&f);
	CHECK_EQ(next_event(c, 1100, &ev), -1);
	CHECK(fake_recv(&f, 100));
	CHECK(is_request(&f, RUMOR_T_SUBSCRIBE, "news"));
	/* Unanswered until the lease runs out: lost, then resumed. */
	for (int i = 0; i < 400 && next_event(c, 10, &ev) != CLIENT_EV_LOST;
			i++)
		fake_drain_all(&f);
	CHECK_EQ(ev.type, CLIENT_EV_LOST);
	fake_drain_all(&f);
	CHECK_EQ(next_event(c, 120, &ev), -1);
	if (!resume_request(&f, "news", &r))
		goto out;
	CHECK_EQ(r.u.resume.stream, 0x77);
	CHECK_EQ(r.u.resume.seq, 13);
out:
	client_close(c);
	close(f.fd);
}

static const struct test_section sections[] = {
	{ "track_in_order", test_track_in_order },
	{ "track_gap", test_track_gap_and_duplicate },
	{ "track_window", test_track_window },
	{ "track_64bit", test_track_64bit },
	{ "track_streams", test_track_streams },
	{ "track_node_gap", test_track_node_gap },
	{ "track_random", test_track_random },
	{ "parse_addr", test_parse_addr },
	{ "deliver", test_subscribe_deliver },
	{ "lease", test_lease },
	{ "failures", test_node_failures },
	{ "publish", test_publish },
	{ "token_session", test_token_session },
	{ "pub_acked", test_pub_acked },
	{ "pub_retry", test_pub_retry },
	{ "pub_window", test_pub_window },
	{ "pub_ack_bad", test_pub_ack_bad },
	{ "resume", test_resume },
};

int
main(int argc, char **argv)
{
	return test_run(argc, argv, "test_client", sections,
			TEST_DIM(sections));
}
