/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Publishing through the rumor client (include/rumor/client.h): a plain
 * publish, sent once, and an acknowledged one, kept in flight until the
 * channel's owner answers PUB_ACK, sent again every retry_ms and given
 * up after answer_timeout_ms. client_poll() (client.c) runs its timers
 * and hands it the PUB_ACKs. A publisher with a token and no session
 * opens one here, with an UNSUBSCRIBE that presents the token.
 *
 * An acknowledged publish keeps its number, and its bytes, while it is
 * resent: the owner orders a number once and answers a retry of it
 * DUPLICATE.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "rumor/chan_wire.h"
#include "rumor/client.h"
#include "rumor/clock.h"
#include "rumor/pub_dedup.h"
#include "rumor/repl_wire.h"
#include "rumor/ring.h"
#include "rumor/wire.h"
#include "client_int.h"

_Static_assert(CLIENT_PUB_IN_FLIGHT_MAX == PUB_DEDUP_WINDOW,
		"the publishes in flight are the owner's window of numbers");
_Static_assert(CLIENT_AUTH_LEN <= RUMOR_AUTH_LEN,
		"an acked PUBLISH of chan_payload_max() fits with its AUTH");

/* A publisher's request that opens a session: UNSUBSCRIBE of opener. */
int
client_opener_send(struct client *c, uint64_t now)
{
	uint8_t buf[RUMOR_DATAGRAM_MAX];
	struct chan_msg m;
	size_t n;

	chan_msg_init(&m, RUMOR_T_UNSUBSCRIBE, c->opener, c->opener_len);
	m.hop_limit = c->opts.hop_limit;
	m.seq = c->cred_req;
	n = chan_msg_encode(&m, buf, sizeof(buf));
	if (n == 0)
		return -EINVAL;
	n = auth_wrap(c, buf, n, sizeof(buf), c->cred_req, true, now);
	return n == 0 ? 0 : client_send(c, buf, n);
}

/*
 * A publisher with a token and no session waits for one: open it (an
 * UNSUBSCRIBE of channel presents the token) and say -EAGAIN, or -EACCES
 * once the node refused the token. 0: publishing may go on.
 */
static int
pub_session(struct client *c, const char *channel, size_t len)
{
	uint64_t now;

	if (c->token_len == 0 || c->have_session)
		return 0;
	if (c->token_refused)
		return -EACCES;
	now = rumor_now_ms();
	/* No session yet: open one, and let client_poll go on. */
	if (c->cred_req == 0 || now - c->cred_sent_ms >= c->opts.retry_ms) {
		memcpy(c->opener, channel, len);
		c->opener_len = len;
		if (c->cred_req == 0 || now - c->cred_sent_ms >=
				c->opts.answer_timeout_ms)
			c->cred_req = c->next_req++;
		c->cred_sent_ms = 0;
		(void)client_opener_send(c, now);
	}
	return -EAGAIN;
}

/* What every publish checks first, then its session: 0, or the error. */
static int
pub_begin(struct client *c, const char *channel, size_t len, size_t msg_len)
{
	if (channel == NULL || len == 0 || len > RUMOR_CHANNEL_MAX)
		return -EINVAL;
	if (msg_len > chan_payload_max(len))
		return -EMSGSIZE;
	return pub_session(c, channel, len);
}

int
client_publish(struct client *c, const char *channel, size_t len,
		const void *msg, size_t msg_len)
{
	uint8_t buf[RUMOR_DATAGRAM_MAX];
	struct chan_msg m;
	size_t n;
	int rc;

	rc = pub_begin(c, channel, len, msg_len);
	if (rc != 0)
		return rc;
	memset(&m, 0, sizeof(m));
	m.type = RUMOR_T_DATA;
	m.hop_limit = c->opts.hop_limit;
	m.seq = c->next_pub++;
	m.channel = channel;
	m.channel_len = len;
	m.channel_hash = ring_channel_hash(channel, len);
	m.payload = msg;
	m.payload_len = msg_len;
	n = chan_msg_encode(&m, buf, sizeof(buf));
	if (n == 0)
		return -EINVAL;
	n = auth_wrap(c, buf, n, sizeof(buf), 0, false, 0);
	if (n == 0)
		return -EINVAL;
	return client_send(c, buf, n);
}

static const char *
pub_channel(const struct client_pub *p)
{
	return (const char *)p->buf + sizeof(struct rumor_hdr);
}

static bool
pub_on(const struct client_pub *p, const char *channel, size_t len)
{
	return p->chan_len == len && memcmp(pub_channel(p), channel, len) == 0;
}

/*
 * Send an acknowledged publish, or send it again: its plain bytes, under
 * a token wrapped afresh (a new stamp each time). Without a session it
 * is held back, as a request is, and its retry sends it later.
 */
static int
pub_send(struct client *c, struct client_pub *p, uint64_t now)
{
	uint8_t buf[RUMOR_DATAGRAM_MAX];
	size_t n;

	p->last_sent_ms = now;
	if (c->token_len == 0)
		return client_send(c, p->buf, p->len);
	memcpy(buf, p->buf, p->len);
	n = auth_wrap(c, buf, p->len, sizeof(buf), 0, false, 0);
	return n == 0 ? 0 : client_send(c, buf, n);
}

/*
 * A slot for the next number on channel, or NULL while the window is
 * full: CLIENT_PUB_IN_FLIGHT_MAX in flight, or one of the channel's that
 * many numbers below the next. The owner remembers the highest number
 * of the client on the channel and PUB_DEDUP_WINDOW - 1 below it, and
 * refuses a retry below that (TOO_OLD) rather than order it twice.
 */
static struct client_pub *
pub_slot(struct client *c, const char *channel, size_t len)
{
	struct client_pub *slot = NULL;

	for (size_t i = 0; i < CLIENT_PUB_IN_FLIGHT_MAX; i++) {
		struct client_pub *p = &c->pubs[i];

		if (p->number == 0) {
			if (slot == NULL)
				slot = p;
		} else if (c->next_number - p->number >= PUB_DEDUP_WINDOW &&
				pub_on(p, channel, len)) {
			return NULL;
		}
	}
	return slot;
}

int
client_publish_acked(struct client *c, const char *channel, size_t len,
		const void *msg, size_t msg_len, enum repl_level level,
		uint64_t *number)
{
	struct client_pub *p;
	struct repl_msg m;
	uint64_t now, due;
	int rc;

	/* A broadcast channel has no owner, nor order to acknowledge. */
	if ((channel != NULL && len != 0 && chan_is_broadcast(channel, len)) ||
			level < REPL_LEVEL_OWNER || level >= REPL_LEVEL_MAX)
		return -EINVAL;
	rc = pub_begin(c, channel, len, msg_len);
	if (rc != 0)
		return rc;
	p = pub_slot(c, channel, len);
	if (p == NULL)
		return -EBUSY;
	repl_msg_init(&m, RUMOR_T_DATA, channel, len);
	m.hop_limit = c->opts.hop_limit;
	m.seq = c->next_pub;
	m.u.req.number = c->next_number;
	m.u.req.level = (uint8_t)level;
	m.payload = msg;
	m.payload_len = msg_len;
	p->len = repl_msg_encode(&m, p->buf, sizeof(p->buf));
	if (p->len == 0)
		return -EINVAL;
	p->chan_len = len;
	now = rumor_now_ms();
	p->first_sent_ms = now;
	/* Unsent, it is not in flight, and the next takes its number. */
	rc = pub_send(c, p, now);
	if (rc != 0)
		return rc;
	p->number = c->next_number++;
	c->next_pub++;
	c->n_pubs++;
	due = now + (c->opts.retry_ms < c->opts.answer_timeout_ms ?
			c->opts.retry_ms : c->opts.answer_timeout_ms);
	if (due < c->timer_ms)
		c->timer_ms = due;
	*number = p->number;
	return 0;
}

size_t
client_pub_in_flight(const struct client *c)
{
	return c->n_pubs;
}

/* An event of p, and p's slot freed (its bytes stay until reused). */
static void
pub_done(struct client *c, struct client_pub *p, enum client_ev_type type,
		struct client_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->channel = pub_channel(p);
	ev->channel_len = p->chan_len;
	ev->number = p->number;
	p->number = 0;
	c->n_pubs--;
}

/*
 * The timers of acknowledged publishes: one unanswered for retry_ms is
 * sent again, one unanswered for answer_timeout_ms given up. 1 with
 * CLIENT_EV_PUB_LOST, else 0 with *soonest lowered to their next
 * deadline.
 */
int
client_pub_timers(struct client *c, uint64_t now, struct client_event *ev,
		uint64_t *soonest)
{
	const uint64_t retry = c->opts.retry_ms;

	for (size_t i = 0; i < CLIENT_PUB_IN_FLIGHT_MAX && c->n_pubs > 0;
			i++) {
		struct client_pub *p = &c->pubs[i];
		uint64_t due;

		if (p->number == 0)
			continue;
		due = p->first_sent_ms + c->opts.answer_timeout_ms;
		if (now >= due) {
			pub_done(c, p, CLIENT_EV_PUB_LOST, ev);
			return 1;
		}
		*soonest = due < *soonest ? due : *soonest;
		if (now - p->last_sent_ms >= retry) {
			/* Held back without a session (the node lost it). */
			(void)pub_session(c, pub_channel(p), p->chan_len);
			(void)pub_send(c, p, now);
		}
		due = p->last_sent_ms + retry;
		*soonest = due < *soonest ? due : *soonest;
	}
	return 0;
}

/*
 * A PUB_ACK (it comes plain, under a token too): the answer to the
 * publish in flight with its number on its channel, or stale (a second
 * answer to a retry, one after the publish was given up, a forgery).
 */
int
client_on_pub_ack(struct client *c, size_t n, struct client_event *ev)
{
	const struct repl_pub_ack *a;
	struct repl_msg m;

	if (repl_msg_decode(c->rx, n, &m) != CHAN_WIRE_OK) {
		c->stats.rx_bad++;
		return 0;
	}
	a = &m.u.pub_ack;
	for (size_t i = 0; i < CLIENT_PUB_IN_FLIGHT_MAX; i++) {
		struct client_pub *p = &c->pubs[i];

		if (p->number != a->number ||
				!pub_on(p, m.channel, m.channel_len))
			continue;
		/* A level below the one asked is an answer all the same. */
		pub_done(c, p, CLIENT_EV_PUB_ACK, ev);
		ev->status = a->status;
		ev->stream = a->stream;
		ev->seq = a->seq;
		ev->level = a->level;
		ev->held = a->held;
		return 1;
	}
	c->stats.rx_stale_ack++;
	return 0;
}
