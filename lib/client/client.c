/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rumor client (include/rumor/client.h): one UDP socket connected to
 * one node, the subscriptions it holds there with their lease timers, and
 * a sequence tracker per channel. Nothing runs between calls: the timers
 * are run by client_poll(), which a program calls in its loop anyway.
 * Publishing, and the acknowledged publishes' timers and answers, are
 * client_pub.c's (client_int.h).
 *
 * Requests keep their id while they are resent, so that a late answer to
 * a resent request still counts, and an answer to an older request (a
 * refresh before the current one) is ignored.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "rumor/chan_wire.h"
#include "rumor/cli_args.h"
#include "rumor/client.h"
#include "rumor/client_auth.h"
#include "rumor/clock.h"
#include "rumor/repl_wire.h"
#include "rumor/ring.h"
#include "rumor/wire.h"
#include "client_int.h"

RUMOR_ENUM_NAME_FN(client_event_name, enum client_ev_type, CLIENT_EVENTS,
		CLIENT_EV_MAX, "?")

int
client_parse_addr(const char *s, struct sockaddr_in *out)
{
	return cli_args_addr(s, out);
}

static struct client_sub *
sub_find(const struct client *c, const char *name, size_t len,
		uint64_t hash)
{
	for (uint32_t i = (uint32_t)hash;; i++) {
		uint16_t k = c->index[i & (CLIENT_INDEX_SLOTS - 1)];

		if (k == CLIENT_INDEX_EMPTY)
			return NULL;
		if (c->subs[k].hash == hash && c->subs[k].len == len &&
				memcmp(c->subs[k].name, name, len) == 0)
			return &c->subs[k];
	}
}

/* A new subscription record; NULL when CLIENT_CHANNELS_MAX are held. */
static struct client_sub *
sub_add(struct client *c, const char *name, size_t len, uint64_t hash)
{
	struct client_sub *s;
	uint32_t i;

	if (c->n_subs == CLIENT_CHANNELS_MAX)
		return NULL;
	s = &c->subs[c->n_subs];
	memset(s, 0, sizeof(*s));
	memcpy(s->name, name, len);
	s->len = len;
	s->hash = hash;
	s->state = SUB_GONE;
	client_track_init(&s->track);
	for (i = (uint32_t)hash; c->index[i & (CLIENT_INDEX_SLOTS - 1)] !=
			CLIENT_INDEX_EMPTY; i++)
		;
	c->index[i & (CLIENT_INDEX_SLOTS - 1)] = (uint16_t)c->n_subs++;
	return s;
}

/* The record of a channel, made if new; NULL when CLIENT_CHANNELS_MAX. */
static struct client_sub *
sub_get(struct client *c, const char *channel, size_t len)
{
	const uint64_t hash = ring_channel_hash(channel, len);
	struct client_sub *s = sub_find(c, channel, len, hash);

	return s != NULL ? s : sub_add(c, channel, len, hash);
}

/* True while a subscription is asked for or held. */
static bool
sub_open(const struct client_sub *s)
{
	return s->state == SUB_PENDING || s->state == SUB_ACTIVE ||
			s->state == SUB_LOST;
}

static size_t resume_encode(const struct client *c,
		const struct client_sub *s, uint8_t *buf, size_t cap);
static size_t plain_encode(const struct client *c,
		const struct client_sub *s, uint8_t *buf, size_t cap);

/* Send the open request of s again (SUBSCRIBE or UNSUBSCRIBE). */
static int
sub_send(struct client *c, struct client_sub *s, uint64_t now)
{
	uint8_t buf[RUMOR_DATAGRAM_MAX];
	size_t n;

	if (s->state != SUB_LEAVING && s->resume && s->track.stream != 0 &&
			s->track.next > 1)
		n = resume_encode(c, s, buf, sizeof(buf));
	else
		n = plain_encode(c, s, buf, sizeof(buf));
	if (n == 0)
		return -EINVAL;
	s->last_sent_ms = now;
	n = auth_wrap(c, buf, n, sizeof(buf), s->req, true, now);
	if (n == 0)
		return 0;	/* Held back until there is a session. */
	return client_send(c, buf, n);
}

/*
 * A resuming SUBSCRIBE of s (docs/replication.md, "Resume"): everything
 * after the last message its tracker has in order, then the live stream.
 */
static size_t
resume_encode(const struct client *c, const struct client_sub *s,
		uint8_t *buf, size_t cap)
{
	struct repl_msg m;

	repl_msg_init(&m, RUMOR_T_SUBSCRIBE, s->name, s->len);
	m.hop_limit = c->opts.hop_limit;
	m.seq = s->req;
	m.u.resume.lease_ms = c->opts.lease_ms;
	m.u.resume.stream = s->track.stream;
	m.u.resume.seq = s->track.next - 1;
	return repl_msg_encode(&m, buf, cap);
}

/* A SUBSCRIBE or UNSUBSCRIBE of s. */
static size_t
plain_encode(const struct client *c, const struct client_sub *s,
		uint8_t *buf, size_t cap)
{
	struct chan_msg m;

	memset(&m, 0, sizeof(m));
	m.type = s->state == SUB_LEAVING ? RUMOR_T_UNSUBSCRIBE :
			RUMOR_T_SUBSCRIBE;
	m.hop_limit = c->opts.hop_limit;
	m.seq = s->req;
	m.channel = s->name;
	m.channel_len = s->len;
	m.channel_hash = s->hash;
	m.u.lease.lease_ms = c->opts.lease_ms;
	return chan_msg_encode(&m, buf, cap);
}

int
client_set_token(struct client *c, const uint8_t *token, size_t len)
{
	struct token t;

	if (len > TOKEN_LEN_MAX || token_decode(token, len, &t) != TOKEN_OK)
		return -EINVAL;
	memcpy(c->token, token, len);
	c->token_len = len;
	c->have_session = false;
	c->token_refused = false;
	c->cred_req = 0;
	return 0;
}

int
client_set_token_text(struct client *c, const char *text)
{
	uint8_t bin[TOKEN_LEN_MAX];
	size_t n = token_from_text(text, bin, sizeof(bin));

	return n == 0 ? -EINVAL : client_set_token(c, bin, n);
}

bool
client_has_session(const struct client *c)
{
	return c->have_session;
}

/* Open a new request on s and send it. */
static int
sub_request(struct client *c, struct client_sub *s, enum client_sub_state st,
		uint64_t now)
{
	s->state = st;
	s->req = c->next_req++;
	s->waiting = true;
	s->told = false;
	s->first_sent_ms = now;
	c->timer_ms = 0;	/* Let the next poll look at the timers. */
	return sub_send(c, s, now);
}

struct client *
client_open(const struct sockaddr_in *node, const struct sockaddr_in *bind_to,
		const struct client_opts *opts)
{
	struct client *c = calloc(1, sizeof(*c));
	struct sockaddr_in any = { .sin_family = AF_INET };
	int err;

	if (c == NULL)
		return NULL;
	c->subs = calloc(CLIENT_CHANNELS_MAX, sizeof(*c->subs));
	if (c->subs == NULL) {
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	memset(c->index, 0xff, sizeof(c->index));
	if (opts != NULL)
		c->opts = *opts;
	if (c->opts.lease_ms > CHAN_LEASE_MAX_MS)
		c->opts.lease_ms = CHAN_LEASE_MAX_MS;
	if (c->opts.retry_ms == 0)
		c->opts.retry_ms = CLIENT_RETRY_MS;
	if (c->opts.answer_timeout_ms == 0)
		c->opts.answer_timeout_ms = CLIENT_ANSWER_TIMEOUT_MS;
	if (c->opts.hop_limit == 0)
		c->opts.hop_limit = RUMOR_DEFAULT_HOP_LIMIT;
	c->next_req = 1;
	c->next_pub = 1;
	c->next_number = 1;
	c->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		goto fail;
	/*
	 * Past net.core.rmem_max when the process may (CAP_NET_ADMIN),
	 * else as much of it as the kernel allows.
	 */
	if (c->opts.rcvbuf > 0 && setsockopt(c->fd, SOL_SOCKET,
			SO_RCVBUFFORCE, &c->opts.rcvbuf,
			sizeof(c->opts.rcvbuf)) != 0)
		(void)setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF,
				&c->opts.rcvbuf, sizeof(c->opts.rcvbuf));
	if (bind(c->fd, (const struct sockaddr *)(bind_to != NULL ?
			bind_to : &any), sizeof(any)) < 0 ||
			connect(c->fd, (const struct sockaddr *)node,
			sizeof(*node)) < 0)
		goto fail;
	return c;
fail:
	err = errno;
	if (c->fd >= 0)
		close(c->fd);
	free(c->subs);
	free(c);
	errno = err;
	return NULL;
}

/* Wipe the secrets before the memory goes back. */
static void
client_wipe(struct client *c)
{
	sodium_memzero(c->key, sizeof(c->key));
	sodium_memzero(c->token, sizeof(c->token));
}

void
client_close(struct client *c)
{
	uint64_t now;

	if (c == NULL)
		return;
	now = rumor_now_ms();
	for (size_t i = 0; i < c->n_subs; i++) {
		struct client_sub *s = &c->subs[i];

		/* Best effort: the lease returns it anyway. */
		if (sub_open(s))
			(void)sub_request(c, s, SUB_LEAVING, now);
	}
	close(c->fd);
	free(c->subs);
	client_wipe(c);
	free(c);
}

int
client_fd(const struct client *c)
{
	return c->fd;
}

int
client_local_addr(const struct client *c, struct sockaddr_in *out)
{
	socklen_t len = sizeof(*out);

	return getsockname(c->fd, (struct sockaddr *)out, &len) < 0 ?
			-errno : 0;
}

int
client_subscribe(struct client *c, const char *channel, size_t len)
{
	struct client_sub *s;

	if (channel == NULL || len == 0 || len > RUMOR_CHANNEL_MAX)
		return -EINVAL;
	if ((s = sub_get(c, channel, len)) == NULL)
		return -ENOSPC;
	if (sub_open(s))
		return 0;
	return sub_request(c, s, SUB_PENDING, rumor_now_ms());
}

int
client_subscribe_from(struct client *c, const char *channel, size_t len,
		uint64_t stream, uint64_t seq)
{
	struct client_sub *s;

	if (channel == NULL || len == 0 || len > RUMOR_CHANNEL_MAX ||
			*channel == CHAN_BROADCAST_PREFIX || stream == 0 ||
			seq == 0 || seq > CHAN_SEQ_MAX - 1)
		return -EINVAL;
	if ((s = sub_get(c, channel, len)) == NULL)
		return -ENOSPC;
	if (sub_open(s))
		return -EALREADY;
	/* The tracker starts there: what the node sends on is checked. */
	s->track.stream = stream;
	s->track.next = seq + 1;
	s->track.ahead = 0;
	s->resume = true;
	return sub_request(c, s, SUB_PENDING, rumor_now_ms());
}

int
client_unsubscribe(struct client *c, const char *channel, size_t len)
{
	struct client_sub *s;

	if (channel == NULL || len == 0 || len > RUMOR_CHANNEL_MAX)
		return -EINVAL;
	s = sub_find(c, channel, len, ring_channel_hash(channel, len));
	if (s == NULL || s->state == SUB_GONE || s->state == SUB_REFUSED)
		return -ENOENT;
	if (s->state == SUB_LEAVING)
		return 0;
	return sub_request(c, s, SUB_LEAVING, rumor_now_ms());
}

static void
ev_init(struct client_event *ev, enum client_ev_type type,
		const struct client_sub *s)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->channel = s->name;
	ev->channel_len = s->len;
}

/*
 * Run the timers due at now. Returns 1 with an event when one fires; the
 * next call looks again, since others may be due too. Otherwise sets
 * c->timer_ms to the earliest deadline ahead and returns 0.
 */
static int
client_timers(struct client *c, uint64_t now, struct client_event *ev)
{
	const uint64_t retry = c->opts.retry_ms;
	uint64_t soonest = UINT64_MAX;

	if (now < c->timer_ms)
		return 0;
	if (client_pub_timers(c, now, ev, &soonest) != 0) {
		c->timer_ms = 0;
		return 1;
	}
	for (size_t i = 0; i < c->n_subs; i++) {
		struct client_sub *s = &c->subs[i];
		uint64_t due;

		if (s->state == SUB_ACTIVE && !s->waiting) {
			/* A refresh at a third of the lease. */
			due = s->granted_ms + s->lease_ms / 3;
			if (now >= due) {
				s->req = c->next_req++;
				s->waiting = true;
				s->first_sent_ms = now;
				(void)sub_send(c, s, now);
			} else {
				soonest = due < soonest ? due : soonest;
				continue;
			}
		}
		if (!s->waiting)
			continue;
		if (s->state == SUB_LEAVING &&
				now - s->first_sent_ms >=
				c->opts.answer_timeout_ms) {
			/* Unanswered: the lease gives it back anyway. */
			s->state = SUB_GONE;
			s->waiting = false;
			continue;
		}
		if (now - s->last_sent_ms >= retry)
			(void)sub_send(c, s, now);
		due = s->last_sent_ms + retry;
		soonest = due < soonest ? due : soonest;
		if (s->told)
			continue;
		if (s->state == SUB_PENDING) {
			due = s->first_sent_ms + c->opts.answer_timeout_ms;
			if (now >= due) {
				s->told = true;
				ev_init(ev, CLIENT_EV_NO_ANSWER, s);
				c->timer_ms = 0;
				return 1;
			}
			soonest = due < soonest ? due : soonest;
		} else if (s->state == SUB_ACTIVE) {
			due = s->granted_ms + s->lease_ms;
			if (now >= due) {
				s->told = true;
				s->state = SUB_LOST;
				s->resume = true;	/* From where it is. */
				ev_init(ev, CLIENT_EV_LOST, s);
				c->timer_ms = 0;
				return 1;
			}
			soonest = due < soonest ? due : soonest;
		}
	}
	c->timer_ms = soonest;
	return 0;
}

/* A SUB_ACK: the answer to the open request of its channel, or stale. */
static int
client_on_ack(struct client *c, struct client_sub *s, const struct chan_msg *m,
		uint64_t now, struct client_event *ev)
{
	const struct chan_ack *a = &m->u.ack;

	if (!s->waiting || m->seq != s->req) {
		c->stats.rx_stale_ack++;
		return 0;
	}
	s->waiting = false;
	c->timer_ms = 0;
	if (s->state == SUB_LEAVING) {
		s->state = SUB_GONE;
		ev_init(ev, CLIENT_EV_UNSUBSCRIBED, s);
		ev->status = a->status;
		return 1;
	}
	if (a->status != CHAN_ST_OK || a->lease_ms == 0) {
		s->state = SUB_REFUSED;
		ev_init(ev, CLIENT_EV_REFUSED, s);
		ev->status = a->status;
		ev->limit = a->limit;
		return 1;
	}
	s->granted_ms = now;
	s->resume = false;	/* The node took the resume point. */
	/* A lease under the node minimum would refresh in a busy loop. */
	s->lease_ms = a->lease_ms < CHAN_LEASE_MIN_MS ? CHAN_LEASE_MIN_MS :
			a->lease_ms;
	if (s->state == SUB_ACTIVE)
		return 0;	/* A refresh: nothing to tell. */
	s->state = SUB_ACTIVE;
	ev_init(ev, CLIENT_EV_SUBSCRIBED, s);
	ev->lease_ms = a->lease_ms;
	return 1;
}

/*
 * Admission (docs/clients.md) on a datagram of *n bytes in c->rx: a
 * COOKIE sends the request that presents the token again, with it; a
 * SUB_ACK that opens a session gives its key (and becomes plain), or
 * says the token is refused. 1 if the datagram is used up, else 0.
 */
static int
client_admission(struct client *c, size_t *n, uint64_t now)
{
	const struct rumor_hdr *h = (const void *)c->rx;
	uint8_t cookie[CLIENT_COOKIE_LEN];
	uint32_t life;
	uint64_t seq;
	int rc;

	if (*n < sizeof(*h))
		return 0;
	if (h->type == RUMOR_T_COOKIE) {
		if (client_cookie_msg_decode(c->rx, *n, &seq, cookie) != 0) {
			c->stats.rx_bad++;
			return 1;
		}
		c->stats.rx_cookie++;
		memcpy(c->cookie, cookie, sizeof(cookie));
		c->cookie_ms = now;
		if (c->have_session) {
			/* The node lost the session: open another. */
			c->have_session = false;
			c->cred_req = 0;
			c->timer_ms = 0;
			return 1;
		}
		if (seq != c->cred_req)
			return 1;
		for (size_t i = 0; i < c->n_subs; i++)
			if (c->subs[i].waiting && c->subs[i].req == seq) {
				(void)sub_send(c, &c->subs[i], now);
				return 1;
			}
		if (c->opener_len != 0)
			(void)client_opener_send(c, now);
		return 1;
	}
	if (h->type != RUMOR_T_SUB_ACK)
		return 0;
	rc = client_ack_take_session(c->rx, n, c->key, &life);
	if (rc < 0) {
		c->stats.rx_bad++;
		return 1;
	}
	if (rc == 1) {
		c->have_session = true;
		c->stamp = 0;
		c->cred_req = 0;
		c->stats.sessions++;
		c->timer_ms = 0;	/* Held requests go out now. */
	} else if (!c->have_session && be64toh(h->seq) == c->cred_req &&
			*n >= sizeof(*h) + ntohs(h->channel_len) + 1 &&
			c->rx[sizeof(*h) + ntohs(h->channel_len)] ==
			CHAN_ST_TOKEN_REFUSED) {
		c->token_refused = true;
	}
	return 0;
}

/* Handle one datagram of n bytes in c->rx; 1 with an event, else 0. */
static int
client_on_datagram(struct client *c, size_t n, uint64_t now,
		struct client_event *ev)
{
	struct chan_msg m;
	struct client_sub *s;
	struct client_gap gap;

	c->stats.rx++;
	if (c->token_len != 0 && client_admission(c, &n, now) != 0)
		return 0;
	/* Replication's codec has it: the channel codec refuses the type. */
	if (n > RUMOR_TYPE_OFF && c->rx[RUMOR_TYPE_OFF] == RUMOR_T_PUB_ACK)
		return client_on_pub_ack(c, n, ev);
	if (chan_msg_decode(c->rx, n, &m) != CHAN_WIRE_OK) {
		c->stats.rx_bad++;
		return 0;
	}
	s = sub_find(c, m.channel, m.channel_len,
			ring_channel_hash(m.channel, m.channel_len));
	if (s == NULL) {
		c->stats.rx_unexpected++;
		return 0;
	}
	switch (m.type) {
	case RUMOR_T_SUB_ACK:
		return client_on_ack(c, s, &m, now, ev);
	case RUMOR_T_DELIVER:
		/* Deliveries may overtake the SUB_ACK; after a refusal, no. */
		if (s->state == SUB_GONE || s->state == SUB_REFUSED)
			break;
		ev_init(ev, CLIENT_EV_DELIVER, s);
		ev->verdict = client_track_deliver(&s->track, m.u.ord.stream,
				m.u.ord.seq, &ev->gap);
		ev->stream = m.u.ord.stream;
		ev->seq = m.u.ord.seq;
		ev->origin = m.origin;
		ev->publish_id = m.seq;
		ev->payload = m.payload;
		ev->payload_len = m.payload_len;
		return 1;
	case RUMOR_T_GAP:
		if (s->state == SUB_GONE || s->state == SUB_REFUSED)
			break;
		client_track_gap(&s->track, m.u.range.stream, m.u.range.first,
				m.u.range.last, &gap);
		if (gap.missing == 0 && !gap.ended)
			return 0;
		ev_init(ev, CLIENT_EV_GAP, s);
		ev->gap = gap;
		ev->stream = gap.stream;
		return 1;
	default:
		break;
	}
	c->stats.rx_unexpected++;
	return 0;
}

int
client_poll(struct client *c, int timeout_ms, struct client_event *ev)
{
	uint64_t now = rumor_now_ms();
	const uint64_t deadline = timeout_ms < 0 ? UINT64_MAX :
			now + (uint64_t)timeout_ms;

	for (;;) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		uint64_t until;
		ssize_t n;
		int wait;

		/* Timers first, so that a busy socket cannot starve them. */
		if (client_timers(c, now, ev) != 0)
			return 1;
		n = recv(c->fd, c->rx, sizeof(c->rx), 0);
		if (n >= 0) {
			if (client_on_datagram(c, (size_t)n, now, ev) != 0)
				return 1;
			now = rumor_now_ms();
			continue;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return -errno;
		now = rumor_now_ms();
		if (now >= deadline)
			return 0;
		until = deadline < c->timer_ms ? deadline : c->timer_ms;
		wait = until <= now ? 0 : until - now > 60000 ? 60000 :
				(int)(until - now);
		if (poll(&pfd, 1, wait) < 0 && errno == EINTR)
			return -EINTR;
		now = rumor_now_ms();
	}
}

void
client_settle(struct client *c)
{
	struct client_gap gap;

	for (size_t i = 0; i < c->n_subs; i++)
		client_track_settle(&c->subs[i].track, &gap);
}

size_t
client_channel_count(const struct client *c)
{
	return c->n_subs;
}

int
client_channel_position(const struct client *c, size_t i, uint64_t *stream,
		uint64_t *seq)
{
	const struct client_track *t;

	if (i >= c->n_subs)
		return -ENOENT;
	t = &c->subs[i].track;
	if (t->stream == 0 || t->next <= 1)
		return -ENOENT;
	*stream = t->stream;
	*seq = t->next - 1;
	return 0;
}

int
client_channel_stats(const struct client *c, size_t i, const char **name,
		size_t *len, struct client_track_stats *st)
{
	if (i >= c->n_subs)
		return -ENOENT;
	*name = c->subs[i].name;
	*len = c->subs[i].len;
	*st = c->subs[i].track.st;
	return 0;
}

const struct client_stats *
client_stats(const struct client *c)
{
	return &c->stats;
}
