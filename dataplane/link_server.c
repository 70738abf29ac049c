/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control link, dataplane side. The control thread listens on a Unix
 * SOCK_SEQPACKET socket and serves one rumor-control at a time:
 *
 * - after its HELLO, this node's STATE and member TABLE;
 * - every CONTROL datagram the lcores punt, as a PUNT message;
 * - SEND: a datagram built into an Ethernet/IPv4/UDP frame (send.c) and
 *   queued on the port's control TX ring, held briefly while ARP resolves
 *   the destination (on this node's Ethernet segment: there is no gateway);
 * - TABLE: a new member set, published as new tables;
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
#include <stdlib.h>
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
#include "link_server.h"
#include "send.h"

#define LINK_RX_PER_PASS 64	/* Messages read per pass of the loop. */
#define LINK_PUNT_PER_PASS 512	/* Punted frames taken per pass. */
#define LINK_REPLY_WAIT_MS 200	/* How long a reply may wait for room. */
#define LINK_HELLO_MS 2000	/* How long a new client may stay silent. */
#define LINK_LOG_PER_S 10	/* Warnings about bad input per second. */
#define LINK_BACKLOG 4

/* A static MAC, by node id (the file's) or by address (dp.cfg's). */
struct static_mac {
	uint32_t key;
	uint8_t mac[6];
};

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
	/* The member table rumor-control published, sorted by id. */
	struct link_member *table;
	uint32_t n_table;
	struct link_table_asm tasm;	/* A table arriving in chunks. */
	/* Static MACs of the file's member lines, and of dp.cfg by address. */
	struct static_mac *file_mac, *ip_mac;
	uint32_t n_file_mac, n_ip_mac;
	struct send_hold hold;		/* SEND frames waiting for ARP. */
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

static const char *
ip_str(uint32_t ip, char *buf, size_t len)
{
	const uint8_t *b = (const uint8_t *)&ip;

	snprintf(buf, len, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
	return buf;
}

/* Whether an address can be a member or a SEND destination. */
static bool
ip_usable(uint32_t ip)
{
	const uint32_t h = ntohl(ip);

	return h != 0 && h != 0xffffffffu && (h >> 28) != 0xe &&
			(h >> 24) != 127;
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
link_init(void)
{
	const char *path = dp.cfg.control_socket;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t mask;
	int fd, rc;

	send_hold_init(&lk.hold, DP_LINK_WAIT_MAX, dp.opt.arp_timeout_ms);
	link_config_changed(dp.cfg.members, dp.cfg.n_members);
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
	link_table_asm_free(&lk.tasm);
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
 * STATE, then the members in force as TABLE chunks of table id 0. Zones
 * come from the table rumor-control published (the dataplane does not
 * use them), this node's from its configuration.
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
	const bool zones = lk.table != NULL && lk.n_table == total;
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
				.weight = m->weight,
			};
			if (m->id == dp.cfg.node_id)
				chunk[i].zone = dp.cfg.zone;
			else if (zones && lk.table[first + i].id == m->id)
				chunk[i].zone = lk.table[first + i].zone;
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

static int
static_mac_cmp(const void *a, const void *b)
{
	const struct static_mac *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

static const uint8_t *
static_mac_find(const struct static_mac *t, uint32_t n, uint32_t key)
{
	const struct static_mac k = { .key = key };
	const struct static_mac *f;

	if (n == 0)
		return NULL;
	f = bsearch(&k, t, n, sizeof(k), static_mac_cmp);
	return f != NULL ? f->mac : NULL;
}

void
link_config_changed(const struct config_member *file, uint32_t n_file)
{
	struct static_mac *t;
	uint32_t n = 0;

	if (file != NULL) {
		t = malloc((n_file + 1) * sizeof(*t));
		if (t != NULL) {
			for (uint32_t i = 0; i < n_file; i++) {
				if (!file[i].has_mac)
					continue;
				t[n].key = file[i].id;
				memcpy(t[n++].mac, file[i].mac, 6);
			}
			free(lk.file_mac);
			lk.file_mac = t;
			lk.n_file_mac = n;	/* Sorted: file is. */
		}
	}
	t = malloc((dp.cfg.n_members + 1) * sizeof(*t));
	if (t == NULL)
		return;		/* The old index still answers. */
	n = 0;
	for (uint32_t i = 0; i < dp.cfg.n_members; i++) {
		if (!dp.cfg.members[i].has_mac)
			continue;
		t[n].key = dp.cfg.members[i].ip;
		memcpy(t[n++].mac, dp.cfg.members[i].mac, 6);
	}
	if (dp.cfg.has_sink && dp.cfg.sink_has_mac) {
		t[n].key = dp.cfg.sink_ip;
		memcpy(t[n++].mac, dp.cfg.sink_mac, 6);
	}
	qsort(t, n, sizeof(*t), static_mac_cmp);
	free(lk.ip_mac);
	lk.ip_mac = t;
	lk.n_ip_mac = n;
}

/*
 * The MAC of a destination on the segment: static, or from ARP, which
 * asks for it when due (and refreshes it while it is in use).
 */
static int
dest_mac(uint32_t ip, uint8_t mac[6])
{
	const uint8_t *s;

	s = static_mac_find(lk.ip_mac, lk.n_ip_mac, ip);
	if (s != NULL) {
		memcpy(mac, s, 6);
		return 1;
	}
	return arp_want(ip, dp.cfg.dpdk_port, mac);
}

/* Queue a finished frame for the queue-0 lcore. */
static void
dest_queue(struct rte_mbuf *m, const uint8_t mac[6])
{
	if (send_enqueue(dp.cfg.dpdk_port, m, mac))
		dp.ctl_stats[CTL_SEND_QUEUED]++;
}

/* A held frame goes if its destination is now known. */
static bool
dest_release(struct rte_mbuf *m, void *arg __rte_unused)
{
	const struct ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
			const struct ipv4_hdr *, FRAME_IP_OFF);
	uint8_t mac[6];

	if (dest_mac(ip->dst, mac) != 1)
		return false;
	dest_queue(m, mac);
	return true;
}

/*
 * Release held SEND frames whose destination is now known, in the order
 * they came, and drop those past their deadline. Asking again for the
 * others follows ARP's backoff.
 */
static void
hold_retry(uint64_t now)
{
	dp.ctl_stats[CTL_SEND_TIMEOUT] += send_hold_retry(&lk.hold, now,
			dest_release, NULL);
}

/* SEND: to the destination now, or once ARP has found it. */
static void
link_send_dgram(const struct link_datagram *d)
{
	struct rte_mbuf *m;
	uint8_t mac[6];
	char ip[16];
	int known;

	if (!ip_usable(d->ip) || d->ip == dp.cfg.address) {
		dp.ctl_stats[CTL_SEND_BAD]++;
		link_warn("SEND to %s:%u refused: not a unicast address of "
				"another host", ip_str(d->ip, ip, sizeof(ip)),
				d->udp_port);
		return;
	}
	m = send_udp_build(dp.cfg.dpdk_port, NULL, d->ip, htons(d->udp_port),
			d->data, d->len);
	if (m == NULL)
		return;
	/* Earlier frames to a destination just resolved go first. */
	if (!send_hold_empty(&lk.hold))
		hold_retry(rte_rdtsc());
	known = dest_mac(d->ip, mac);
	if (known == 1) {
		dest_queue(m, mac);
		return;
	}
	if (known < 0 || !send_hold_push(&lk.hold, m)) {
		dp.ctl_stats[CTL_SEND_WAIT_FULL]++;
		rte_pktmbuf_free(m);
		return;
	}
	dp.ctl_stats[CTL_SEND_ARP_WAIT]++;
}

static int
member_id_cmp(const void *a, const void *b)
{
	const struct link_member *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int
member_addr_cmp(const void *a, const void *b)
{
	const struct link_member *x = a, *y = b;
	uint64_t kx = (uint64_t)ntohl(x->ip) << 16 | x->udp_port;
	uint64_t ky = (uint64_t)ntohl(y->ip) << 16 | y->udp_port;

	return kx < ky ? -1 : kx > ky;
}

/*
 * Why a complete table (sorted by id) cannot be published, or NULL:
 * the rules the configuration file's member list obeys.
 */
static const char *
table_invalid(const struct link_member *t, uint32_t n, bool left, char *why,
		size_t len)
{
	struct link_member *by_addr;
	const struct link_member *self = NULL;
	char ip[16];

	for (uint32_t i = 0; i < n; i++) {
		if (i > 0 && t[i].id == t[i - 1].id) {
			snprintf(why, len, "node %u listed twice", t[i].id);
			return why;
		}
		if (!ip_usable(t[i].ip)) {
			snprintf(why, len, "node %u has address %s", t[i].id,
					ip_str(t[i].ip, ip, sizeof(ip)));
			return why;
		}
		if (t[i].id == dp.cfg.node_id)
			self = &t[i];
	}
	if (self == NULL && !left) {
		snprintf(why, len, "this node (%u) is not a member",
				dp.cfg.node_id);
		return why;
	}
	if (self != NULL && (self->ip != dp.cfg.address ||
			self->udp_port != dp.cfg.udp_port)) {
		snprintf(why, len, "this node (%u) is at %s:%u, not its own "
				"address and port", self->id,
				ip_str(self->ip, ip, sizeof(ip)),
				self->udp_port);
		return why;
	}
	by_addr = malloc(n * sizeof(*by_addr));
	if (by_addr == NULL) {
		snprintf(why, len, "out of memory");
		return why;
	}
	memcpy(by_addr, t, n * sizeof(*by_addr));
	qsort(by_addr, n, sizeof(*by_addr), member_addr_cmp);
	for (uint32_t i = 1; i < n; i++) {
		if (member_addr_cmp(&by_addr[i], &by_addr[i - 1]) == 0) {
			snprintf(why, len, "nodes %u and %u have the same "
					"address and port", by_addr[i - 1].id,
					by_addr[i].id);
			free(by_addr);
			return why;
		}
	}
	free(by_addr);
	return NULL;
}

/*
 * Configuration members for a table (sorted by id), with the static MACs
 * of the file's member lines (file_mac, by id). NULL without memory.
 */
static struct config_member *
members_of(const struct link_member *t, uint32_t n,
		const struct static_mac *file_mac, uint32_t n_file_mac)
{
	struct config_member *m = calloc(n, sizeof(*m));

	if (m == NULL)
		return NULL;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *mac = static_mac_find(file_mac, n_file_mac,
				t[i].id);

		m[i].id = t[i].id;
		m[i].ip = t[i].ip;
		m[i].udp_port = t[i].udp_port;
		m[i].weight = t[i].weight;
		if (mac != NULL) {
			m[i].has_mac = true;
			memcpy(m[i].mac, mac, 6);
		}
	}
	return m;
}

static bool
members_equal(const struct config_member *a, const struct config_member *b,
		uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (a[i].id != b[i].id || a[i].ip != b[i].ip ||
				a[i].udp_port != b[i].udp_port ||
				a[i].weight != b[i].weight ||
				a[i].has_mac != b[i].has_mac ||
				(a[i].has_mac &&
				 memcmp(a[i].mac, b[i].mac, 6) != 0))
			return false;
	return true;
}

/*
 * A complete table from rumor-control: checked, then published as the
 * configuration's members through the same path as a reload (union peer
 * table, new ring, exact peer table). On success the table is kept (t is
 * taken), for later STATE replies and reloads.
 */
static void
link_table_apply(struct link_member *t, uint32_t n, uint64_t id,
		uint32_t flags)
{
	struct rumor_config c = dp.cfg;
	char why[128];

	/* A committed Raft epoch becomes the ring's epoch as it is. */
	c.ring_epoch = flags & LINK_TABLE_F_EPOCH ? id : 0;

	qsort(t, n, sizeof(*t), member_id_cmp);
	if (table_invalid(t, n, (flags & (LINK_TABLE_F_LEFT |
			LINK_TABLE_F_PREV)) != 0, why, sizeof(why)) != NULL) {
		dp.ctl_stats[CTL_TABLE_REFUSED]++;
		link_warn("table %" PRIu64 " refused, tables unchanged: %s",
				id, why);
		free(t);
		return;
	}
	c.members = members_of(t, n, lk.file_mac, lk.n_file_mac);
	c.n_members = n;
	if (c.members == NULL) {
		dp.ctl_stats[CTL_TABLE_REFUSED]++;
		link_warn("table %" PRIu64 " refused: out of memory", id);
		free(t);
		return;
	}
	if (flags & LINK_TABLE_F_PREV) {
		/* Kept as the ring before the next table, not published. */
		if (tables_stage_prev(&c) < 0)
			link_warn("table %" PRIu64 " (the epoch before) not "
					"kept: out of memory", id);
		free(c.members);
		free(t);
		return;
	}
	if (n == dp.cfg.n_members && members_equal(c.members,
			dp.cfg.members, n) && (c.ring_epoch == 0 ||
			c.ring_epoch == dp.ring->epoch)) {
		/* Nothing the tables hold changes; zones may have. */
		dp.ctl_stats[CTL_TABLE_SAME]++;
		free(c.members);
		free(lk.table);
		lk.table = t;
		lk.n_table = n;
		return;
	}
	if (tables_publish_config(&c) < 0) {
		dp.ctl_stats[CTL_TABLE_REFUSED]++;
		link_warn("table %" PRIu64 " not published, tables unchanged",
				id);
		free(c.members);
		free(t);
		return;
	}
	config_free(&dp.cfg);
	dp.cfg = c;
	free(lk.table);
	lk.table = t;
	lk.n_table = n;
	link_config_changed(NULL, 0);
	dp.ctl_stats[CTL_TABLE_APPLIED]++;
	RTE_LOG(INFO, USER1, "control link: table %" PRIu64 " published: %u "
			"member(s), ring epoch %" PRIu64 "\n", id, n,
			dp.ring->epoch);
}

static void
link_apply_table(const struct link_table *t)
{
	struct link_member *m;
	int rc = link_table_feed(&lk.tasm, t);

	if (rc < 0) {
		dp.ctl_stats[CTL_TABLE_CHUNK_BAD]++;
		link_warn("table %" PRIu64 ": chunk of members %u..%u out of "
				"sequence, table dropped", t->table_id,
				t->first, t->first + t->n - 1);
		return;
	}
	if (rc == 0)
		return;
	/* Take the members: the next table starts from scratch. */
	m = lk.tasm.m;
	lk.tasm.m = NULL;
	link_table_apply(m, lk.tasm.total, lk.tasm.table_id, lk.tasm.flags);
	link_table_asm_free(&lk.tasm);
}

/* One packet from the client. */
static void
link_on_msg(const uint8_t *p, size_t len)
{
	struct link_msg msg;
	enum link_error e;

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
		link_send_dgram(&msg.u.dgram);
		break;
	case LINK_TABLE:
		link_apply_table(&msg.u.table);
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
		link_table_asm_free(&lk.tasm);
		dp.ctl_stats[CTL_LINK_ACCEPTED]++;
	}
}

void
link_poll(int timeout_ms)
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
link_punts(void)
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
link_timer(uint64_t now)
{
	if (!send_hold_empty(&lk.hold))
		hold_retry(now);
	if (lk.fd >= 0 && !lk.hello && now - lk.accepted_tsc >
			LINK_HELLO_MS * rte_get_tsc_hz() / 1000) {
		dp.ctl_stats[CTL_LINK_HELLO_BAD]++;
		link_warn("connection closed: no HELLO within %u ms",
				LINK_HELLO_MS);
		link_drop("no HELLO");
	}
}

bool
link_table_in_force(void)
{
	return lk.table != NULL;
}

int
link_keep_members(struct rumor_config *c, const struct config_member *file,
		uint32_t n_file)
{
	struct static_mac *macs = malloc((n_file + 1) * sizeof(*macs));
	uint32_t n = 0;

	if (macs == NULL)
		return -1;
	for (uint32_t i = 0; i < n_file; i++) {
		if (!file[i].has_mac)
			continue;
		macs[n].key = file[i].id;
		memcpy(macs[n++].mac, file[i].mac, 6);
	}
	c->members = members_of(lk.table, lk.n_table, macs, n);
	c->n_members = c->members != NULL ? lk.n_table : 0;
	free(macs);
	return c->members != NULL ? 0 : -1;
}

void
link_close(void)
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
	dp.ctl_stats[CTL_SEND_TIMEOUT] += send_hold_drop_all(&lk.hold);
	link_table_asm_free(&lk.tasm);
	free(lk.table);
	free(lk.file_mac);
	free(lk.ip_mac);
	lk.table = NULL;
	lk.file_mac = NULL;
	lk.ip_mac = NULL;
	lk.n_table = lk.n_file_mac = lk.n_ip_mac = 0;
}
