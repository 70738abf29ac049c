/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The state of the rumor client (include/rumor/client.h), shared by the
 * files that make it up, and the two helpers both use (the send, the
 * admission wrap of a request). Calls go one way, from the top down:
 *
 *   client.c      the socket, subscriptions and their timers, admission
 *                 of what arrives, client_poll()
 *   client_pub.c  publishing, plain and acknowledged: the publishes in
 *                 flight, their retries, PUB_ACK; a publisher's session
 *
 * client_pub.c calls nothing in client.c; the sequence tracker
 * (client_track.c) calls neither. Nothing outside lib/client includes
 * this header.
 */
#ifndef RUMOR_CLIENT_CLIENT_INT_H
#define RUMOR_CLIENT_CLIENT_INT_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "rumor/client.h"
#include "rumor/client_auth.h"
#include "rumor/token.h"
#include "rumor/wire.h"

/* Slots of the channel index: a power of two, at least twice the max. */
#define CLIENT_INDEX_SLOTS (2u * CLIENT_CHANNELS_MAX)
#define CLIENT_INDEX_EMPTY UINT16_MAX

_Static_assert((CLIENT_INDEX_SLOTS & (CLIENT_INDEX_SLOTS - 1)) == 0,
		"the channel index size is a power of two");
_Static_assert(CLIENT_CHANNELS_MAX < CLIENT_INDEX_EMPTY,
		"a channel's index fits the index slots");

/* Where a subscription stands. */
enum client_sub_state {
	SUB_PENDING,	/* SUBSCRIBE sent, never granted. */
	SUB_ACTIVE,	/* Granted; refreshed at a third of the lease. */
	SUB_LOST,	/* The lease ran out unrefreshed; still asking. */
	SUB_REFUSED,	/* The node refused; not asking. */
	SUB_LEAVING,	/* UNSUBSCRIBE sent. */
	SUB_GONE,	/* Given back; only its statistics remain. */
};

struct client_sub {
	char name[RUMOR_CHANNEL_MAX];
	size_t len;
	uint64_t hash;			/* XXH3-64 of the name. */
	enum client_sub_state state;
	bool waiting;			/* A request is unanswered. */
	bool told;			/* NO_ANSWER or LOST already said. */
	uint64_t req;			/* Id of the open request. */
	uint64_t first_sent_ms;		/* First send of the open request. */
	uint64_t last_sent_ms;
	uint64_t granted_ms;		/* When the lease was last granted. */
	uint32_t lease_ms;		/* The lease granted. */
	bool resume;			/* Ask from track's position until
					 * granted (client_subscribe_from, or
					 * the lease lost). */
	struct client_track track;
};

/*
 * An acknowledged publish in flight: its plain datagram, kept to be sent
 * again as it was (a retry carries the same number and the same bytes).
 * The channel name is in it, after the header.
 */
struct client_pub {
	uint64_t number;		/* 0: a free slot. */
	uint64_t first_sent_ms;		/* Given up answer_timeout_ms later. */
	uint64_t last_sent_ms;
	size_t chan_len;
	size_t len;			/* Of the datagram in buf. */
	uint8_t buf[RUMOR_DATAGRAM_MAX];
};

struct client {
	int fd;
	struct client_opts opts;
	uint64_t next_req;		/* Request ids, from 1. */
	uint64_t next_pub;		/* Publish ids, from 1. */
	uint64_t next_number;		/* Acked publishes' numbers, from 1. */
	uint64_t timer_ms;		/* No timer is due before this. */
	size_t n_subs;
	struct client_sub *subs;	/* CLIENT_CHANNELS_MAX of them. */
	uint16_t index[CLIENT_INDEX_SLOTS];	/* By hash: sub or EMPTY. */
	struct client_stats stats;
	/*
	 * Admission (docs/clients.md): the token, the session the node
	 * opened (its key and the stamp of the last request), the one
	 * request that presents the token while there is no session, and
	 * the last cookie. Without a token all of this stays 0.
	 */
	uint8_t token[TOKEN_LEN_MAX];
	size_t token_len;
	bool have_session;
	bool token_refused;
	uint8_t key[CLIENT_KEY_LEN];
	uint64_t stamp;
	uint64_t cred_req;		/* 0: no request presents it. */
	uint64_t cred_sent_ms;
	uint8_t cookie[CLIENT_COOKIE_LEN];
	uint64_t cookie_ms;		/* 0: no cookie. */
	/* A publisher's request that opens a session: an UNSUBSCRIBE. */
	char opener[RUMOR_CHANNEL_MAX];
	size_t opener_len;
	/* Acknowledged publishes in flight: n_pubs of the slots. */
	size_t n_pubs;
	struct client_pub pubs[CLIENT_PUB_IN_FLIGHT_MAX];
	uint8_t rx[RUMOR_DATAGRAM_MAX + 1];	/* +1: longer is refused. */
};

static inline int
client_send(struct client *c, const uint8_t *buf, size_t len)
{
	if (send(c->fd, buf, len, 0) < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	c->stats.tx++;
	return 0;
}

/*
 * Wrap the plain request in buf (n bytes, cap of room) as the node's
 * admission wants it: a tag under the session key, or, without a
 * session, the token (and the last cookie) on one request at a time,
 * req, if it may open one. 0: hold it back; its retry sends it later.
 */
static inline size_t
auth_wrap(struct client *c, uint8_t *buf, size_t n, size_t cap, uint64_t req,
		bool may_open, uint64_t now)
{
	if (c->token_len == 0)
		return n;
	if (c->have_session)
		return client_frame_wrap(buf, n, cap, NULL, NULL, 0, c->key,
				++c->stamp);
	if (!may_open)
		return 0;
	/* One request presents the token; another after its timeout. */
	if (c->cred_req != 0 && c->cred_req != req &&
			now - c->cred_sent_ms < c->opts.answer_timeout_ms)
		return 0;
	c->cred_req = req;
	c->cred_sent_ms = now;
	return client_frame_wrap(buf, n, cap, c->cookie_ms != 0 &&
			now - c->cookie_ms < COOKIE_SLOT_S * 1000u ? c->cookie :
			NULL, c->token, c->token_len, NULL, 0);
}

/* What client.c calls in client_pub.c (each described there). */
int client_opener_send(struct client *c, uint64_t now);
int client_pub_timers(struct client *c, uint64_t now, struct client_event *ev,
		uint64_t *soonest);
int client_on_pub_ack(struct client *c, size_t n, struct client_event *ev);

#endif /* RUMOR_CLIENT_CLIENT_INT_H */
