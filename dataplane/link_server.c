/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control link, dataplane side. The control thread listens on a Unix
 * SOCK_SEQPACKET socket and serves one rumor-control at a time:
 *
 * - after its HELLO, this node's STATE and member TABLE;
 * - every CONTROL datagram the lcores punt, as a PUNT message;
 * - SEND: a datagram to send, passed to link_send.c;
 * - TABLE: a new member set, passed to member_table.c, which publishes it;
 * - INCARNATION, remembered for the next STATE; STATS_REQ, answered.
 *
 * Nothing rumor-control does stops forwarding: a bad message is counted
 * and logged, a client that goes away is closed, and the lcores keep the
 * last published tables. Everything here runs on the control thread, so
 * the state is plain statics.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "rumor/link_proto.h"
#include "dp.h"
#include "link_send.h"
#include "link_server.h"
#include "member_table.h"

#define LINK_RX_PER_PASS 64	/* Messages read per pass of the loop. */
#define LINK_PUNT_PER_PASS 512	/* Punted frames taken per pass. */
#define LINK_REPLY_WAIT_MS 200	/* How long a reply may wait for room. */
#define LINK_HELLO_MS 2000	/* How long a new client may stay silent. */
#define LINK_LOG_PER_S 10	/* Warnings about bad input per second. */
#define LINK_BACKLOG 4

static struct {
	int listen_fd;
	int fd;				/* The client, or -1. */
	bool hello;			/* The client has said HELLO. */
	bool bound;			/* The socket file is ours to remove. */
	char path[CONFIG_PATH_MAX];	/* Where it is (a reload keeps it). */
	uint32_t pid;			/* The client's, from HELLO. */
	uint64_t accepted_tsc;		/* When the client connected. */
	/* The last incarnation rumor-control told; kept across clients. */
	uint32_t incarnation;
	uint64_t log_tsc;		/* Start of the current log second. */
	unsigned log_n, log_hidden;
	uint8_t rx[LINK_MSG_MAX + 1];	/* One more: a longer packet shows. */
	uint8_t tx[LINK_MSG_MAX];
	char text[LINK_STATS_TEXT_MAX];
	struct link_member chunk[LINK_TABLE_CHUNK_MAX];
} lk = { .listen_fd = -1, .fd = -1 };

/*
 * A warning about bad input, at most LINK_LOG_PER_S a second, so that a
 * misbehaving client cannot flood the log; the counters count them all.
 */
static void __attribute__((format(printf, 1, 2)))
link_warn(const char *fmt, ...)
{
	const uint64_t now = rte_rdtsc();
	char line[256];
	va_list ap;

	if (now - lk.log_tsc > rte_get_tsc_hz()) {
		if (lk.log_hidden != 0)
			RTE_LOG(WARNING, USER1, "control link: %u more "
					"warning(s) not logged\n",
					lk.log_hidden);
		lk.log_tsc = now;
		lk.log_n = 0;
		lk.log_hidden = 0;
	}
	if (lk.log_n >= LINK_LOG_PER_S) {
		lk.log_hidden++;
		return;
	}
	lk.log_n++;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	RTE_LOG(WARNING, USER1, "control link: %s\n", line);
}

/* True if a process accepts connections on the socket at sa. */
static bool
socket_in_use(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK |
			SOCK_CLOEXEC, 0);
	bool used;

	if (fd < 0)
		return false;
	used = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0 ||
			errno == EAGAIN;
	close(fd);
	return used;
}

int
link_server_init(void)
{
	const char *path = dp.cfg.control_socket;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t mask;
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "rumor-dataplane: control_socket %s: path too "
				"long\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	/* A socket file nobody serves is what a killed dataplane leaves. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			fprintf(stderr, "rumor-dataplane: control_socket %s: "
					"exists and is not a socket\n", path);
			return -1;
		}
		if (socket_in_use(&sa)) {
			fprintf(stderr, "rumor-dataplane: control_socket %s: "
					"another process serves it\n", path);
			return -1;
		}
		if (unlink(path) != 0) {
			fprintf(stderr, "rumor-dataplane: control_socket %s: "
					"cannot remove the stale socket: %s\n",
					path, strerror(errno));
			return -1;
		}
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "rumor-dataplane: control_socket: %s\n",
				strerror(errno));
		return -1;
	}
	/* Owner only from the start: no moment where others may connect. */
	mask = umask(0177);
	rc = bind(fd, (const struct sockaddr *)&sa, sizeof(sa));
	umask(mask);
	if (rc == 0) {
		lk.bound = true;
		strcpy(lk.path, path);
	}
	if (rc != 0 || chmod(path, 0600) != 0 ||
			listen(fd, LINK_BACKLOG) != 0) {
		fprintf(stderr, "rumor-dataplane: control_socket %s: %s\n",
				path, strerror(errno));
		close(fd);
		return -1;
	}
	lk.listen_fd = fd;
	RTE_LOG(INFO, USER1, "control link: listening on %s\n", path);
	return 0;
}

/* Close the client; the lcores keep forwarding with the tables in force. */
static void
link_drop(const char *why)
{
	if (lk.fd < 0)
		return;
	close(lk.fd);
	lk.fd = -1;
	member_table_drop_partial();
	dp.ctl_stats[CTL_LINK_CLOSED]++;
	if (lk.hello)
		RTE_LOG(WARNING, USER1, "control link: rumor-control (pid %u) "
				"detached: %s; forwarding goes on with ring "
				"epoch %" PRIu64 "\n", lk.pid, why,
				dp.ring->epoch);
	lk.hello = false;
	__atomic_store_n(&dp.link_attached, 0, __ATOMIC_RELAXED);
}

enum link_sent {
	LINK_SENT,
	LINK_BUSY,		/* No room in the socket; nothing sent. */
	LINK_GONE,		/* The client was dropped. */
};

/*
 * Send one packet to the client. A reply (wait true) waits up to
 * LINK_REPLY_WAIT_MS for room, and a client that reads nothing for that
 * long is dropped; a punt never waits.
 */
static enum link_sent
link_write(const uint8_t *p, size_t len, bool wait)
{
	uint64_t hz = rte_get_tsc_hz();
	uint64_t end = rte_rdtsc() + LINK_REPLY_WAIT_MS * hz / 1000;

	for (;;) {
		struct pollfd pfd = { .fd = lk.fd, .events = POLLOUT };
		int64_t left;

		if (send(lk.fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL) ==
				(ssize_t)len) {
			dp.ctl_stats[CTL_LINK_TX]++;
			return LINK_SENT;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			char why[96];

			snprintf(why, sizeof(why), "send: %s",
					strerror(errno));
			link_drop(why);
			return LINK_GONE;
		}
		if (!wait)
			return LINK_BUSY;
		left = (int64_t)(end - rte_rdtsc());
		if (left <= 0) {
			link_drop("it reads nothing");
			return LINK_GONE;
		}
		poll(&pfd, 1, (int)(left * 1000 / (int64_t)hz) + 1);
	}
}

/* This node's weight, from its member entry. */
static uint32_t
self_weight(void)
{
	const struct config_member *m = config_member_find(&dp.cfg,
			dp.cfg.node_id);

	return m != NULL ? m->weight : 1;
}

/*
 * STATE, then the members in force as TABLE chunks of table id 0, with
 * the zones their ring was built with (rumor-control's table, or the
 * member lines); this node's own zone in STATE is its zone key, which
 * rumor-control announces.
 */
static void
link_send_state(void)
{
	struct link_state s = {
		.node_id = dp.cfg.node_id,
		.address = dp.cfg.address,
		.udp_port = dp.cfg.udp_port,
		.zone = dp.cfg.zone,
		.weight = self_weight(),
		.incarnation = lk.incarnation,
		.ring_epoch = dp.ring->epoch,
		.n_members = dp.cfg.n_members,
	};
	struct link_member *chunk = lk.chunk;
	const uint32_t total = dp.cfg.n_members;
	size_t len;

	len = link_encode_state(lk.tx, sizeof(lk.tx), &s);
	if (len == 0 || link_write(lk.tx, len, true) != LINK_SENT)
		return;
	for (uint32_t first = 0; first < total; ) {
		uint32_t n = total - first < LINK_TABLE_CHUNK_MAX ?
				total - first : LINK_TABLE_CHUNK_MAX;

		for (uint32_t i = 0; i < n; i++) {
			const struct config_member *m =
					&dp.cfg.members[first + i];

			chunk[i] = (struct link_member){
				.id = m->id,
				.ip = m->ip,
				.udp_port = m->udp_port,
				.zone = m->zone,
				.weight = m->weight,
			};
		}
		len = link_encode_table(lk.tx, sizeof(lk.tx), 0, total, first,
				chunk, n);
		if (len == 0 || link_write(lk.tx, len, true) != LINK_SENT)
			return;
		first += n;
	}
}

/* STATS: every lcore counter summed, then every control counter. */
static void
link_send_stats(void)
{
	uint64_t sum[STAT_MAX];
	size_t off = 0, len;

	stats_sum(sum);
	for (unsigned s = 0; s < STAT_MAX + CTL_STAT_MAX; s++) {
		const char *name = s < STAT_MAX ? stat_name(s) :
				ctl_stat_name(s - STAT_MAX);
		uint64_t v = s < STAT_MAX ? sum[s] :
				dp.ctl_stats[s - STAT_MAX];
		int n = snprintf(lk.text + off, sizeof(lk.text) - off,
				"%s %" PRIu64 "\n", name, v);

		if (n < 0 || (size_t)n >= sizeof(lk.text) - off)
			break;		/* Whole lines only. */
		off += (size_t)n;
	}
	len = link_encode_stats(lk.tx, sizeof(lk.tx), lk.text, (uint32_t)off);
	if (len != 0)
		link_write(lk.tx, len, true);
}

/* One packet from the client. */
static void
link_on_msg(const uint8_t *p, size_t len)
{
	struct link_msg msg;
	enum link_error e;
	char warn[256];

	memset(&msg, 0, sizeof(msg));
	e = link_decode(p, len, &msg);
	if (!lk.hello) {
		if (e != LINK_OK || msg.type != LINK_HELLO) {
			dp.ctl_stats[CTL_LINK_HELLO_BAD]++;
			link_warn("connection closed: the first message must "
					"be HELLO of version %u, got %s (%s)",
					LINK_PROTO_VERSION,
					link_type_name(msg.type),
					link_error_name(e));
			link_drop("no HELLO");
			return;
		}
		dp.ctl_stats[CTL_LINK_RX]++;
		lk.hello = true;
		lk.pid = msg.u.pid;
		__atomic_store_n(&dp.link_attached, 1, __ATOMIC_RELAXED);
		RTE_LOG(INFO, USER1, "control link: rumor-control (pid %u) "
				"attached\n", lk.pid);
		link_send_state();
		return;
	}
	if (e != LINK_OK) {
		dp.ctl_stats[CTL_LINK_BAD]++;
		link_warn("%s message of %zu bytes refused: %s",
				link_type_name(msg.type), len,
				link_error_name(e));
		return;
	}
	switch (msg.type) {
	case LINK_SEND:
		if (link_send_dgram(&msg.u.dgram, warn, sizeof(warn)))
			link_warn("%s", warn);
		break;
	case LINK_TABLE:
		if (member_table_feed(&msg.u.table, warn, sizeof(warn)))
			link_warn("%s", warn);
		break;
	case LINK_INCARNATION:
		lk.incarnation = msg.u.incarnation;
		break;
	case LINK_STATS_REQ:
		link_send_stats();
		break;
	default:
		dp.ctl_stats[CTL_LINK_BAD]++;
		link_warn("unexpected %s message", link_type_name(msg.type));
		return;
	}
	dp.ctl_stats[CTL_LINK_RX]++;
}

/* True if the client has hung up (seen once its messages are read). */
static bool
link_hung_up(void)
{
	struct pollfd pfd = { .fd = lk.fd, .events = POLLIN | POLLRDHUP };

	return poll(&pfd, 1, 0) > 0 &&
			(pfd.revents & (POLLHUP | POLLRDHUP | POLLERR)) != 0;
}

static void
link_read(void)
{
	for (unsigned i = 0; i < LINK_RX_PER_PASS && lk.fd >= 0; i++) {
		ssize_t n = recv(lk.fd, lk.rx, sizeof(lk.rx), MSG_DONTWAIT);

		if (n < 0) {
			char why[96];

			if (errno == EAGAIN || errno == EWOULDBLOCK ||
					errno == EINTR)
				return;
			snprintf(why, sizeof(why), "receive: %s",
					strerror(errno));
			link_drop(why);
			return;
		}
		/* 0 is the end of the stream, or an empty packet. */
		if (n == 0 && link_hung_up()) {
			link_drop("end of connection");
			return;
		}
		link_on_msg(lk.rx, (size_t)n);
	}
}

static void
link_accept(void)
{
	for (int i = 0; i < LINK_BACKLOG; i++) {
		int fd = accept4(lk.listen_fd, NULL, NULL,
				SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
					errno != EINTR)
				link_warn("accept: %s", strerror(errno));
			return;
		}
		if (lk.fd >= 0) {
			close(fd);
			dp.ctl_stats[CTL_LINK_REFUSED]++;
			link_warn("second connection closed: a client is "
					"attached");
			continue;
		}
		lk.fd = fd;
		lk.hello = false;
		lk.accepted_tsc = rte_rdtsc();
		member_table_drop_partial();
		dp.ctl_stats[CTL_LINK_ACCEPTED]++;
	}
}

void
link_server_poll(int timeout_ms)
{
	struct pollfd pfd[2] = {
		{ .fd = lk.listen_fd, .events = POLLIN },
		{ .fd = lk.fd, .events = POLLIN },
	};
	const bool client = lk.fd >= 0;

	if (poll(pfd, client ? 2 : 1, timeout_ms) <= 0)
		return;
	if (client && pfd[1].revents != 0)
		link_read();
	if (pfd[0].revents & POLLIN)
		link_accept();
}

unsigned
link_server_punts(void)
{
	struct rte_mbuf *pkts[DP_BURST];
	unsigned total = 0, n;

	do {
		n = rte_ring_sc_dequeue_burst(dp.ctl_punt, (void **)pkts,
				DP_BURST, NULL);
		for (unsigned i = 0; i < n; i++) {
			/* frame_parse vouched for every header read here. */
			const uint8_t *p = rte_pktmbuf_mtod(pkts[i],
					const uint8_t *);
			const struct ipv4_hdr *ip = (const void *)(p +
					FRAME_IP_OFF);
			const struct udp_hdr *udp = (const void *)(p +
					FRAME_UDP_OFF);
			size_t len = 0;

			if (!lk.hello)
				dp.ctl_stats[CTL_PUNT_NO_CLIENT]++;
			else
				len = link_encode_dgram(lk.tx, sizeof(lk.tx),
						LINK_PUNT, ip->src,
						ntohs(udp->src_port),
						p + FRAME_RUMOR_OFF,
						(uint16_t)(ntohs(udp->len) -
						8));
			if (lk.hello && len == 0) {
				/* Source port 0: nobody to answer. */
				dp.ctl_stats[CTL_LINK_BAD]++;
			} else if (lk.hello) {
				switch (link_write(lk.tx, len, false)) {
				case LINK_SENT:
					dp.ctl_stats[CTL_PUNT_SENT]++;
					break;
				case LINK_BUSY:
					dp.ctl_stats[CTL_PUNT_BUSY]++;
					break;
				case LINK_GONE:
					dp.ctl_stats[CTL_PUNT_NO_CLIENT]++;
					break;
				}
			}
			rte_pktmbuf_free(pkts[i]);
		}
		total += n;
	} while (n == DP_BURST && total < LINK_PUNT_PER_PASS);
	return total;
}

void
link_server_timer(uint64_t now)
{
	if (lk.fd >= 0 && !lk.hello && now - lk.accepted_tsc >
			LINK_HELLO_MS * rte_get_tsc_hz() / 1000) {
		dp.ctl_stats[CTL_LINK_HELLO_BAD]++;
		link_warn("connection closed: no HELLO within %u ms",
				LINK_HELLO_MS);
		link_drop("no HELLO");
	}
}

void
link_server_close(void)
{
	if (lk.fd >= 0) {
		close(lk.fd);
		lk.fd = -1;
	}
	if (lk.listen_fd >= 0) {
		close(lk.listen_fd);
		lk.listen_fd = -1;
	}
	if (lk.bound) {
		unlink(lk.path);
		lk.bound = false;
	}
}
