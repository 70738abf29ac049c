/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rumor client library: publish to and subscribe to channels through
 * one node, over one kernel UDP socket, with no thread of its own. The
 * protocol is docs/channels.md; the messages are rumor/chan_wire.h.
 *
 * A program opens a client on its node's address, subscribes, publishes,
 * and calls client_poll() in its loop: each call hands back at most one
 * event (a delivery, a gap, a subscription granted, refused or lost, a
 * node that does not answer, an acknowledged publish answered or given
 * up) and runs the timers, which refresh every subscription at a third
 * of its lease and resend what the node did not answer.
 *
 * Each channel's deliveries go through a sequence tracker (the
 * client_track_* functions, pure and usable alone), which says how each
 * message fits the channel's order and counts what is missing.
 */
#ifndef RUMOR_CLIENT_H
#define RUMOR_CLIENT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rumor/chan_wire.h"
#include "rumor/enum_names.h"
#include "rumor/repl_wire.h"

/*
 * Sequence tracking (lib/client/client_track.c).
 *
 * A tracker follows one channel: its stream, the next sequence expected,
 * and which of the CLIENT_TRACK_WINDOW - 1 sequences above it arrived
 * early. Sequences are plain 64-bit numbers below 2^63 that never wrap,
 * so every comparison is an ordinary one.
 */
#define CLIENT_TRACK_WINDOW 64u

/* How a delivered sequence fits the channel's order. */
#define CLIENT_VERDICTS(X)						\
	/* The first message: tracking starts here. */			\
	X(CLIENT_V_FIRST, "first")					\
	/* The one expected, nothing missing before. */			\
	X(CLIENT_V_IN_ORDER, "in order")				\
	/* New, above the highest so far, with a lower one still	\
	 * missing. */							\
	X(CLIENT_V_EARLY, "early")					\
	/* New, but a higher one came first: it fills a hole		\
	 * (reordered). */						\
	X(CLIENT_V_LATE, "late")					\
	/* Seen already, or below the expected one. */			\
	X(CLIENT_V_DUPLICATE, "duplicate")				\
	/* Of the stream before the current one. */			\
	X(CLIENT_V_STALE, "stale")					\
	/* A new stream: tracking starts again here. */			\
	X(CLIENT_V_RESET, "reset")					\
	/* A broadcast channel's: no sequence. */			\
	X(CLIENT_V_UNORDERED, "unordered")

enum client_verdict {
	CLIENT_VERDICTS(RUMOR_ENUM_VALUE)
	CLIENT_V_MAX
};

/* What a tracker counted. */
struct client_track_stats {
	uint64_t received;	/* Messages accepted: not duplicate, not stale. */
	uint64_t reordered;	/* Of them, late ones (CLIENT_V_LATE). */
	uint64_t duplicates;
	uint64_t stale;
	uint64_t gaps;		/* Runs of sequences given up for lost. */
	uint64_t missing;	/* Sequences given up for lost. */
	uint64_t resets;	/* Streams that replaced the one tracked. */
};

/*
 * Sequences one call gave up for lost: missing of them, in runs, from
 * first to last of stream (sequences received between two runs lie in
 * the span too). missing is 0 when the call gave nothing up.
 */
struct client_gap {
	uint64_t stream;
	uint64_t first;
	uint64_t last;
	uint64_t missing;
	uint64_t runs;
	bool ended;		/* The node said the stream ends (a GAP to
				 * CHAN_SEQ_MAX): missing counts only the
				 * holes below the highest received. */
};

struct client_track {
	uint64_t stream;	/* 0 until the first message. */
	uint64_t prev_stream;	/* The stream before; its messages are stale. */
	uint64_t next;		/* Lowest one neither received nor given up. */
	uint64_t ahead;		/* Bit i: sequence next + 1 + i received. */
	uint64_t lost_end;	/* One past the last sequence given up. */
	struct client_track_stats st;
};

void client_track_init(struct client_track *t);

/*
 * A message of stream, sequence seq (both 0 on a broadcast channel).
 * Returns how it fits; gap says what was given up to make room for it
 * (a sequence beyond the window) or because its stream replaced the one
 * tracked.
 */
enum client_verdict client_track_deliver(struct client_track *t,
		uint64_t stream, uint64_t seq, struct client_gap *gap);

/* The node's GAP: first .. last of stream will never come. */
void client_track_gap(struct client_track *t, uint64_t stream,
		uint64_t first, uint64_t last, struct client_gap *gap);

/* The end of a run: every sequence still missing is given up. */
void client_track_settle(struct client_track *t, struct client_gap *gap);

/* Sequences missing below the highest one received (not given up yet). */
uint64_t client_track_pending(const struct client_track *t);

const char *client_verdict_name(enum client_verdict v);

/*
 * The client (lib/client/client.c).
 */
#define CLIENT_CHANNELS_MAX 1024u	/* Channels one client can hold. */
#define CLIENT_RETRY_MS 250u		/* Resend of an unanswered request. */
#define CLIENT_ANSWER_TIMEOUT_MS 3000u	/* Then CLIENT_EV_NO_ANSWER. */
/*
 * Acknowledged publishes in flight: the owner's window of numbers per
 * client and channel (PUB_DEDUP_WINDOW, rumor/pub_dedup.h).
 */
#define CLIENT_PUB_IN_FLIGHT_MAX 64u

/* Options; zero fields take the defaults. */
struct client_opts {
	uint32_t lease_ms;		/* Asked for; 0: the node's default. */
	uint32_t retry_ms;		/* 0: CLIENT_RETRY_MS. */
	uint32_t answer_timeout_ms;	/* 0: CLIENT_ANSWER_TIMEOUT_MS. */
	uint8_t hop_limit;		/* Of PUBLISH; 0: the default, 8. */
	int rcvbuf;			/* SO_RCVBUF bytes; 0: the system's. */
};

#define CLIENT_EVENTS(X)						\
	/* A message; verdict says how it fits. */			\
	X(CLIENT_EV_DELIVER, "deliver")					\
	/* The node said sequences are lost (gap). */			\
	X(CLIENT_EV_GAP, "gap")						\
	/* A lease granted: the first, or the first after		\
	 * CLIENT_EV_LOST. */						\
	X(CLIENT_EV_SUBSCRIBED, "subscribed")				\
	/* A SUBSCRIBE refused: status, limit. */			\
	X(CLIENT_EV_REFUSED, "refused")					\
	/* An UNSUBSCRIBE answered: status. */				\
	X(CLIENT_EV_UNSUBSCRIBED, "unsubscribed")			\
	/* No answer to a new SUBSCRIBE within the answer		\
	 * timeout; the client keeps asking. */				\
	X(CLIENT_EV_NO_ANSWER, "no answer")				\
	/* The granted lease ran out with every refresh			\
	 * unanswered; it keeps asking. */				\
	X(CLIENT_EV_LOST, "lost")					\
	/* An acknowledged publish answered (a PUB_ACK): number,	\
	 * status, and if ordered stream, seq, level, held. */		\
	X(CLIENT_EV_PUB_ACK, "pub ack")					\
	/* An acknowledged publish unanswered within the answer	\
	 * timeout: number; no longer resent. */			\
	X(CLIENT_EV_PUB_LOST, "pub lost")

enum client_ev_type {
	CLIENT_EVENTS(RUMOR_ENUM_VALUE)
	CLIENT_EV_MAX
};

/*
 * One event. channel and payload point into the client and stay valid
 * until the next call on it.
 */
struct client_event {
	enum client_ev_type type;
	const char *channel;
	size_t channel_len;
	/* CLIENT_EV_DELIVER (and stream, seq: CLIENT_EV_PUB_ACK). */
	enum client_verdict verdict;
	uint64_t stream;
	uint64_t seq;
	uint32_t origin;	/* The publish id: the node it entered... */
	uint64_t publish_id;	/* ...and its number there. */
	const uint8_t *payload;
	size_t payload_len;
	/* CLIENT_EV_GAP, and CLIENT_EV_DELIVER when it gave sequences up. */
	struct client_gap gap;
	/* CLIENT_EV_SUBSCRIBED, _REFUSED, _UNSUBSCRIBED, _PUB_ACK. */
	uint8_t status;		/* enum chan_status; enum repl_pub_status
				 * of a PUB_ACK. */
	uint32_t lease_ms;	/* Granted. */
	uint32_t limit;		/* The limit that refused. */
	/* CLIENT_EV_PUB_ACK and _PUB_LOST. */
	uint64_t number;	/* client_publish_acked's. */
	uint8_t level;		/* enum repl_level met; NONE if refused. */
	uint8_t held;		/* Replicas known to hold it. */
};

/* Datagrams the client received that were not for it. */
struct client_stats {
	uint64_t rx;		/* Datagrams received. */
	uint64_t rx_bad;	/* Refused by chan_msg_decode (a PUB_ACK:
				 * by repl_msg_decode). */
	uint64_t rx_unexpected;	/* A type or channel it did not ask for. */
	uint64_t rx_stale_ack;	/* An answer to a request no longer open
				 * (or a PUB_ACK to no publish in flight). */
	uint64_t tx;		/* Datagrams sent. */
	/* Admission (client_set_token, docs/clients.md). */
	uint64_t rx_cookie;	/* COOKIEs: the node asked for a proof. */
	uint64_t sessions;	/* Sessions the node opened for it. */
};

struct client;

/* Parse "A.B.C.D:PORT" (port 1 to 65535). Returns 0, or -1. */
int client_parse_addr(const char *s, struct sockaddr_in *out);

/*
 * Open a client of the node at node, its socket bound to bind (NULL: any
 * address, an ephemeral port) and connected to the node. Returns NULL
 * with errno set on failure.
 */
struct client *client_open(const struct sockaddr_in *node,
		const struct sockaddr_in *bind, const struct client_opts *opts);

/*
 * Present a token to the node (a node with client_auth = token admits no
 * client without one): the binary form (rumor/token.h), or its text form
 * as rumorctl token issue prints it. Before the first request: the
 * library then does the cookie round trip and keeps the session by
 * itself. Returns 0, or -EINVAL for a token that does not decode.
 */
int client_set_token(struct client *c, const uint8_t *token, size_t len);
int client_set_token_text(struct client *c, const char *text);

/* True once the node opened a session for this client. */
bool client_has_session(const struct client *c);

/* Give every subscription back (one UNSUBSCRIBE each, unanswered), close. */
void client_close(struct client *c);

/* The socket, for a program that polls several. */
int client_fd(const struct client *c);

/* The local address the socket is bound to. */
int client_local_addr(const struct client *c, struct sockaddr_in *out);

/*
 * Subscribe to a channel: sends SUBSCRIBE and keeps the lease from then
 * on. Returns 0 (also when already subscribed), -EINVAL for a name of 0
 * or more than 255 bytes, -ENOSPC beyond CLIENT_CHANNELS_MAX channels,
 * or the error of sending.
 */
int client_subscribe(struct client *c, const char *channel, size_t len);

/*
 * Subscribe to an ordered channel from a resume point (docs/replication.md,
 * "Resume"): the node sends every message of stream after seq that the
 * channel's history holds, a GAP for what it no longer does (another
 * stream than the live one: a GAP to its end), then the live stream.
 * stream and seq are a DELIVER's (CLIENT_EV_DELIVER), the last one the
 * application has. A subscription whose lease was lost resumes by itself
 * from the last message it got in order. Returns 0, -EINVAL for a bad
 * name, a broadcast channel, stream 0, or seq 0 or above 2^63 - 2,
 * -EALREADY if subscribed, -ENOSPC, or the error of sending.
 */
int client_subscribe_from(struct client *c, const char *channel, size_t len,
		uint64_t stream, uint64_t seq);

/* Give a subscription back. Returns 0, -ENOENT if not subscribed. */
int client_unsubscribe(struct client *c, const char *channel, size_t len);

/*
 * Publish msg (msg_len bytes) to a channel. Returns 0, -EINVAL for a bad
 * name, -EMSGSIZE above chan_payload_max(len), -EAGAIN when the socket
 * buffer is full or, with a token, while the node has not opened a
 * session yet (client_poll moves it on), -EACCES when the node refused
 * the token, -ECONNREFUSED when the node's host said nobody listens, or
 * another -errno of sending.
 */
int client_publish(struct client *c, const char *channel, size_t len,
		const void *msg, size_t msg_len);

/*
 * Publish msg to an ordered channel and ask its owner to acknowledge it
 * at level (REPL_LEVEL_OWNER .. REPL_LEVEL_ALL; docs/clients.md,
 * "Acknowledged publishes"). The publish gets the next number of the
 * client's one counter (1, 2, 3...), set in *number, and stays in flight
 * until the node's PUB_ACK (CLIENT_EV_PUB_ACK); unanswered, it is sent
 * again with the same number every opts.retry_ms, and given up after
 * opts.answer_timeout_ms (CLIENT_EV_PUB_LOST). Returns 0, the errors of
 * client_publish (-EINVAL also for a level out of range or a broadcast
 * channel, which has no order to acknowledge), or -EBUSY while
 * CLIENT_PUB_IN_FLIGHT_MAX are in flight, or one in flight on the
 * channel is that many numbers below the next (the owner would no longer
 * know its number): poll, and try again.
 */
int client_publish_acked(struct client *c, const char *channel, size_t len,
		const void *msg, size_t msg_len, enum repl_level level,
		uint64_t *number);

/* Acknowledged publishes in flight: neither answered nor given up. */
size_t client_pub_in_flight(const struct client *c);

/*
 * Wait up to timeout_ms (0: do not wait, -1: no limit) for one event.
 * Returns 1 with *ev filled, 0 on timeout, -EINTR if a signal came, or
 * another -errno (-ECONNREFUSED: the node's host said nobody listens).
 */
int client_poll(struct client *c, int timeout_ms, struct client_event *ev);

/*
 * Give up every sequence still missing on every channel (the end of a
 * run), so that the statistics count them.
 */
void client_settle(struct client *c);

/* Channels held (subscribed once or more), for their statistics. */
size_t client_channel_count(const struct client *c);
int client_channel_stats(const struct client *c, size_t i,
		const char **name, size_t *len,
		struct client_track_stats *st);

/*
 * The last message of channel i received in order (stream, seq), the
 * resume point client_subscribe_from takes: 0, or -ENOENT if it has none.
 */
int client_channel_position(const struct client *c, size_t i,
		uint64_t *stream, uint64_t *seq);

const struct client_stats *client_stats(const struct client *c);

const char *client_event_name(enum client_ev_type t);

#endif /* RUMOR_CLIENT_H */
