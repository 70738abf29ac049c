/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control link, client side (link.h). States: no connection (waiting for
 * the next attempt), connected and waiting for STATE, waiting for the
 * rest of its member TABLE, ready. Everything read is decoded with
 * link_decode and anything refused or out of place is counted, never
 * trusted.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "rumor/ring.h"
#include "link_client.h"
#include "rumor/log.h"
#include "pktq.h"

/* Datagrams wait at most this many packets deep; the rest are dropped. */
#define LINK_TXQ_DGRAMS 4096u
/* Packets read per poll() wake-up, so the other sockets get their turn. */
#define LINK_RX_BURST 256u

enum link_conn_state {
	LINK_IDLE,		/* No connection; next attempt at next_try. */
	LINK_WAIT_STATE,	/* HELLO sent. */
	LINK_WAIT_TABLE,	/* STATE received; its TABLE chunks follow. */
	LINK_READY,
};

struct link {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const struct link_ops *ops;
	void *arg;
	enum link_conn_state state;
	int fd;
	uint64_t next_try;		/* LINK_IDLE: next attempt. */
	uint32_t backoff_ms;		/* Wait after the next failure. */
	uint64_t deadline;		/* Handshake must end by then. */
	struct link_state st;		/* From the dataplane's STATE. */
	struct link_table_asm tasm;	/* Its TABLE, being reassembled. */
	struct pktq txq;
	struct link_stats stats;
	uint8_t rx[LINK_MSG_MAX];	/* The packet read. */
	uint8_t tx[LINK_MSG_MAX];	/* The packet being encoded. */
};

struct link *
link_new(const char *path, const struct link_ops *ops, void *arg)
{
	struct link *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	if (strlen(path) >= sizeof(l->path)) {
		free(l);
		errno = ENAMETOOLONG;
		return NULL;
	}
	strcpy(l->path, path);
	l->ops = ops;
	l->arg = arg;
	l->fd = -1;
	l->state = LINK_IDLE;
	l->backoff_ms = LINK_BACKOFF_MIN_MS;
	return l;
}

static void
link_close(struct link *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	pktq_clear(&l->txq);
	link_table_asm_free(&l->tasm);
	memset(&l->tasm, 0, sizeof(l->tasm));
}

void
link_free(struct link *l)
{
	if (l == NULL)
		return;
	link_close(l);
	free(l);
}

/* Wait before the next attempt, longer each time up to the maximum. */
static void
link_retry_later(struct link *l, uint64_t now, const char *why)
{
	if (why != NULL)
		log_info("rumor-dataplane not reachable at %s: %s; retrying "
				"in %u ms", l->path, why, l->backoff_ms);
	l->state = LINK_IDLE;
	l->next_try = now + l->backoff_ms;
	l->backoff_ms *= 2;
	if (l->backoff_ms > LINK_BACKOFF_MAX_MS)
		l->backoff_ms = LINK_BACKOFF_MAX_MS;
}

/* The connection ended (or a handshake failed): tell, then retry. */
static void
link_drop(struct link *l, uint64_t now, const char *why)
{
	bool was_ready = l->state == LINK_READY;

	link_close(l);
	if (was_ready) {
		l->stats.lost++;
		log_warning("lost the control link to rumor-dataplane: %s; "
				"reconnecting in %u ms", why, l->backoff_ms);
		l->state = LINK_IDLE;
		l->ops->lost(l->arg);
	}
	link_retry_later(l, now, was_ready ? NULL : why);
}

static int
link_queue(struct link *l, const uint8_t *pkt, size_t len)
{
	if (len == 0 || pktq_push(&l->txq, pkt, len) < 0) {
		l->stats.tx_dropped++;
		return -1;
	}
	l->stats.tx++;
	return 0;
}

static void
link_connect(struct link *l, uint64_t now)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len;

	strcpy(sa.sun_path, l->path);
	l->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
			0);
	if (l->fd < 0) {
		link_retry_later(l, now, strerror(errno));
		return;
	}
	if (connect(l->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		link_close(l);
		l->stats.connect_failed++;
		link_retry_later(l, now, strerror(e));
		return;
	}
	l->stats.connects++;
	log_info("connected to rumor-dataplane at %s", l->path);
	len = link_encode_hello(l->tx, LINK_MSG_MAX, (uint32_t)getpid());
	link_queue(l, l->tx, len);
	l->state = LINK_WAIT_STATE;
	l->deadline = now + LINK_HANDSHAKE_MS;
	link_flush(l, now);
}

void
link_tick(struct link *l, uint64_t now)
{
	if (l->state == LINK_IDLE && now >= l->next_try) {
		link_connect(l, now);
	} else if ((l->state == LINK_WAIT_STATE ||
			l->state == LINK_WAIT_TABLE) && now >= l->deadline) {
		l->stats.handshake_timeouts++;
		link_drop(l, now, "no STATE and TABLE in answer to HELLO");
	}
}

uint64_t
link_next_timer(const struct link *l)
{
	switch (l->state) {
	case LINK_IDLE:
		return l->next_try;
	case LINK_WAIT_STATE:
	case LINK_WAIT_TABLE:
		return l->deadline;
	default:
		return UINT64_MAX;
	}
}

static void
link_now_ready(struct link *l, const struct link_member *m, uint32_t n)
{
	l->state = LINK_READY;
	l->backoff_ms = LINK_BACKOFF_MIN_MS;
	l->stats.handshakes++;
	l->ops->ready(l->arg, &l->st, m, n);
}

/* One decoded packet from the dataplane. */
static void
link_input(struct link *l, const struct link_msg *m, uint64_t now)
{
	int r;

	switch (l->state) {
	case LINK_WAIT_STATE:
		if (m->type != LINK_STATE)
			break;
		l->st = m->u.state;
		if (l->st.n_members == 0) {
			link_now_ready(l, NULL, 0);
		} else {
			l->state = LINK_WAIT_TABLE;
			memset(&l->tasm, 0, sizeof(l->tasm));
		}
		return;
	case LINK_WAIT_TABLE:
		if (m->type != LINK_TABLE || m->u.table.table_id != 0)
			break;
		r = link_table_feed(&l->tasm, &m->u.table);
		if (r < 0) {
			link_drop(l, now, "its member table came out of order");
		} else if (r > 0) {
			if (l->tasm.total != l->st.n_members)
				log_warning("rumor-dataplane announced %u "
						"members and sent %u",
						l->st.n_members, l->tasm.total);
			link_now_ready(l, l->tasm.m, l->tasm.total);
			link_table_asm_free(&l->tasm);
			memset(&l->tasm, 0, sizeof(l->tasm));
		}
		return;
	case LINK_READY:
		if (m->type == LINK_PUNT) {
			l->ops->punt(l->arg, &m->u.dgram);
			return;
		}
		if (m->type == LINK_STATS) {
			l->ops->stats(l->arg, m->u.stats.text, m->u.stats.len);
			return;
		}
		break;
	default:
		break;
	}
	l->stats.rx_unexpected++;
	log_debug("control link: unexpected %s", link_type_name(m->type));
}

/* Read what is there; false if the connection is gone. */
static bool
link_read(struct link *l, uint64_t now)
{
	for (unsigned i = 0; i < LINK_RX_BURST && l->fd >= 0; i++) {
		struct link_msg m;
		enum link_error e;
		ssize_t n = recv(l->fd, l->rx, LINK_MSG_MAX, MSG_TRUNC);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return true;
			link_drop(l, now, strerror(errno));
			return false;
		}
		if (n == 0) {
			link_drop(l, now, "rumor-dataplane closed it");
			return false;
		}
		l->stats.rx++;
		if ((size_t)n > LINK_MSG_MAX) {
			l->stats.rx_bad++;
			continue;
		}
		e = link_decode(l->rx, (size_t)n, &m);
		if (e != LINK_OK) {
			l->stats.rx_bad++;
			log_debug("control link: refused a packet: %s",
					link_error_name(e));
			continue;
		}
		link_input(l, &m, now);
	}
	return l->fd >= 0;
}

int
link_fd(const struct link *l)
{
	return l->fd;
}

short
link_poll_events(const struct link *l)
{
	return POLLIN | (l->txq.n > 0 ? POLLOUT : 0);
}

void
link_handle(struct link *l, short revents, uint64_t now)
{
	if (l->fd < 0)
		return;
	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		if (!link_read(l, now))
			return;
		/* Hung up with nothing left to read. */
		if (revents & (POLLHUP | POLLERR)) {
			link_drop(l, now, "rumor-dataplane hung up");
			return;
		}
	}
	if (revents & POLLOUT)
		link_flush(l, now);
}

void
link_flush(struct link *l, uint64_t now)
{
	if (l->fd >= 0 && pktq_flush(&l->txq, l->fd) < 0)
		link_drop(l, now, strerror(errno));
}

bool
link_ready(const struct link *l)
{
	return l->state == LINK_READY;
}

int
link_send_dgram(struct link *l, uint32_t ip, uint16_t port,
		const uint8_t *data, uint16_t len)
{
	if (l->state != LINK_READY || l->txq.n >= LINK_TXQ_DGRAMS) {
		l->stats.tx_dropped++;
		return -1;
	}
	return link_queue(l, l->tx, link_encode_dgram(l->tx, LINK_MSG_MAX,
			LINK_SEND, ip, port, data, len));
}

static int link_send_table_flags(struct link *l, uint64_t table_id,
		uint32_t flags, const struct link_member *m, uint32_t n);

int
link_send_table(struct link *l, uint64_t table_id,
		const struct link_member *m, uint32_t n)
{
	return link_send_table_flags(l, table_id, 0, m, n);
}

int
link_send_epoch(struct link *l, uint64_t epoch, const struct link_member *m,
		uint32_t n)
{
	return link_send_table_flags(l, epoch, LINK_TABLE_F_EPOCH, m, n);
}

int
link_send_epoch_prev(struct link *l, uint64_t epoch,
		const struct link_member *m, uint32_t n)
{
	return link_send_table_flags(l, epoch,
			LINK_TABLE_F_EPOCH | LINK_TABLE_F_PREV, m, n);
}

int
link_send_alive(struct link *l, uint64_t table_id,
		const struct link_member *m, uint32_t n)
{
	return link_send_table_flags(l, table_id, LINK_TABLE_F_ALIVE, m, n);
}

int
link_send_epoch_left(struct link *l, uint64_t epoch,
		const struct link_member *m, uint32_t n)
{
	return link_send_table_flags(l, epoch,
			LINK_TABLE_F_EPOCH | LINK_TABLE_F_LEFT, m, n);
}

static int
link_send_table_flags(struct link *l, uint64_t table_id, uint32_t flags,
		const struct link_member *m, uint32_t n)
{
	if (l->state != LINK_READY || n == 0 || n > RING_MEMBERS_MAX) {
		l->stats.tx_dropped++;
		return -1;
	}
	for (uint32_t first = 0; first < n; first += LINK_TABLE_CHUNK_MAX) {
		uint32_t k = n - first < LINK_TABLE_CHUNK_MAX ?
				n - first : LINK_TABLE_CHUNK_MAX;
		size_t len = link_encode_table_flags(l->tx, LINK_MSG_MAX,
				table_id, flags, n, first, m + first, k);

		if (link_queue(l, l->tx, len) < 0)
			return -1;
	}
	l->stats.tables_sent++;
	return 0;
}

int
link_send_incarnation(struct link *l, uint32_t incarnation)
{
	if (l->state != LINK_READY) {
		l->stats.tx_dropped++;
		return -1;
	}
	return link_queue(l, l->tx, link_encode_u32(l->tx, LINK_MSG_MAX,
			LINK_INCARNATION, incarnation));
}

int
link_send_stats_req(struct link *l)
{
	if (l->state != LINK_READY) {
		l->stats.tx_dropped++;
		return -1;
	}
	return link_queue(l, l->tx, link_encode_empty(l->tx, LINK_MSG_MAX,
			LINK_STATS_REQ));
}

const struct link_stats *
link_stats(const struct link *l)
{
	return &l->stats;
}
