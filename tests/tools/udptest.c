/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor-udptest: a kernel-socket client that checks a cluster end to end.
 *
 * It sends DATA messages for many channels to one node over UDP, listens
 * on every node's sink port, and checks that each message is delivered
 * exactly once, intact, by the node that owns its channel (computed from
 * the same member list with the same ring code). With --malformed it also
 * injects broken frames through a raw socket and prints the counters the
 * node must show for them, one "expect NAME VALUE" line each.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rumor/cli_args.h"
#include "rumor/clock.h"
#include "rumor/config.h"
#include "rumor/ring.h"
#include "rumor/wire.h"
#include "rumor/cksum.h"
#include "rumor/parse.h"

#define MAX_SINKS 16
#define PAYLOAD_MAGIC 0x7275u

struct sink {
	uint32_t node;		/* Node id whose sink this is. */
	uint16_t port;
	int fd;
	uint64_t got;
};

struct opts {
	const char *config;
	struct sockaddr_in node;	/* Where messages are sent. */
	uint32_t bind_ip;		/* Local address of the sinks. */
	struct sink sinks[MAX_SINKS];
	unsigned n_sinks;
	unsigned count, channels, rate, wait_ms, malformed;
	const char *ifname;		/* Raw socket for --malformed. */
	uint8_t dst_mac[6];
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: rumor-udptest --config FILE --node IP:PORT --bind IP\n"
"                     --sink ID=PORT [--sink ID=PORT ...] [options]\n"
"  --config FILE      member list (any node's configuration file)\n"
"  --node IP:PORT     node the messages are sent to\n"
"  --bind IP          local address the sink sockets listen on\n"
"  --sink ID=PORT     node ID delivers its channels to this UDP port\n"
"  --count N          messages (default 5000)\n"
"  --channels N       distinct channels (default 1000)\n"
"  --rate N           messages per second (default 20000)\n"
"  --wait MS          how long to wait for stragglers (default 3000)\n"
"  --malformed N      also inject N broken frames of each kind\n"
"  --ifname IF        interface for injected frames\n"
"  --dst-mac MAC      MAC of the node's port, for injected frames\n");
}

static const struct option udptest_options[] = {
	CLI_ARGS_OPT("config", 'c'),
	CLI_ARGS_OPT("node", 'n'),
	CLI_ARGS_OPT("bind", 'b'),
	CLI_ARGS_OPT("sink", 's'),
	CLI_ARGS_OPT("count", 'N'),
	CLI_ARGS_OPT("channels", 'C'),
	CLI_ARGS_OPT("rate", 'r'),
	CLI_ARGS_OPT("wait", 'w'),
	CLI_ARGS_OPT("malformed", 'm'),
	CLI_ARGS_OPT("ifname", 'i'),
	CLI_ARGS_OPT("dst-mac", 'M'),
	CLI_ARGS_HELP,
	CLI_ARGS_END,
};

/* A number option: 0 or more; bad text is said and exits. */
static unsigned
udptest_num(const char *opt)
{
	return (unsigned)cli_args_u64_or_die("rumor-udptest", opt, optarg, 0,
			UINT_MAX);
}

/* Payload: magic, then the message index, so a delivery is checkable. */
struct payload {
	uint16_t magic;
	uint32_t index;
	uint8_t fill[10];
} __attribute__((packed));

static size_t
build_msg(uint8_t *buf, size_t cap, unsigned i, unsigned channels,
		uint8_t hop_limit, char *chan, size_t chan_cap)
{
	struct payload pl = { .magic = htons(PAYLOAD_MAGIC),
			.index = htonl(i) };
	size_t n = (size_t)snprintf(chan, chan_cap, "chan-%u", i % channels);
	struct rumor_msg m = {
		.type = RUMOR_T_DATA, .hop_limit = hop_limit, .seq = i,
		.channel = chan, .channel_len = n,
		.channel_hash = ring_channel_hash(chan, n),
		.payload = &pl, .payload_len = sizeof(pl),
	};

	memset(pl.fill, 0xab, sizeof(pl.fill));
	return rumor_msg_encode(buf, cap, &m);
}

/*
 * Check one delivery: intact header and payload, delivered by the owner.
 * Returns the message index, or -1 if the datagram is not a valid one.
 */
static long
check_delivery(const uint8_t *buf, size_t len, const struct sink *s,
		const struct ring_table *ring, const struct rumor_config *cfg,
		uint32_t from, unsigned count, unsigned channels,
		uint64_t *misrouted)
{
	const struct config_member *owner = config_member_find(cfg, s->node);
	unsigned hops = s->node != cfg->node_id;
	const struct rumor_hdr *h = (const void *)buf;
	const struct payload *pl;
	char chan[32];
	unsigned idx;
	size_t n;

	if (rumor_hdr_check(buf, len) != RUMOR_HDR_OK ||
			ntohs(h->payload_len) != sizeof(*pl))
		return -1;
	pl = (const void *)rumor_hdr_payload(h);
	idx = ntohl(pl->index);
	if (ntohs(pl->magic) != PAYLOAD_MAGIC || idx >= count ||
			be64toh(h->seq) != idx)
		return -1;
	n = (size_t)snprintf(chan, sizeof(chan), "chan-%u", idx % channels);
	if (ntohs(h->channel_len) != n ||
			memcmp(rumor_hdr_channel(h), chan, n) != 0 ||
			be64toh(h->channel_hash) != ring_channel_hash(chan, n))
		return -1;
	/* One hop spent per forward; sent by the owner's address. */
	if (h->hop_limit != RUMOR_DEFAULT_HOP_LIMIT - hops || owner == NULL ||
			owner->ip != from)
		return -1;
	if (ring_owner(ring, be64toh(h->channel_hash)) != s->node)
		(*misrouted)++;
	return idx;
}

static struct ring_table *
ring_from(const struct rumor_config *c)
{
	struct ring_member *m = config_ring_members(c);
	struct ring_table *t;
	uint32_t slots;

	if (m == NULL)
		return NULL;
	slots = ring_table_slots(m, c->n_members);
	t = malloc(ring_table_bytes(slots));
	if (t == NULL || ring_table_build(t, m, c->n_members, 1) < 0) {
		free(t);
		t = NULL;
	}
	free(m);
	return t;
}

/* Broken frames, each a copy of a valid one with one thing wrong. */
enum bad {
	BAD_IP_CKSUM, BAD_IP_FRAG, BAD_IP_OPTIONS, BAD_IP_LEN, BAD_UDP_LEN,
	BAD_UDP_PORT, BAD_VLAN, BAD_RUMOR_MAGIC, BAD_RUMOR_VERSION,
	BAD_RUMOR_TYPE, BAD_RUMOR_LENGTH, BAD_RUMOR_CHANNEL,
	BAD_RUMOR_SHORT, BAD_HOP_LIMIT, BAD_MAX
};

static const char *const bad_counter[BAD_MAX] = {
	"drop_ip_cksum", "drop_ip_frag", "drop_ip_options", "drop_ip_len",
	"drop_udp_len", "drop_udp_port", "drop_vlan", "drop_rumor_magic",
	"drop_rumor_version", "drop_rumor_type", "drop_rumor_length",
	"drop_rumor_channel", "drop_rumor_short", "drop_hop_limit",
};

static size_t
build_frame(uint8_t *f, const struct opts *o, const uint8_t src_mac[6],
		const uint8_t *msg, size_t msg_len)
{
	struct eth_hdr *eth = (void *)f;
	struct ipv4_hdr *ip = (void *)(f + FRAME_IP_OFF);
	struct udp_hdr *udp = (void *)(f + FRAME_UDP_OFF);

	memset(f, 0, FRAME_RUMOR_OFF);
	memcpy(eth->dst, o->dst_mac, 6);
	memcpy(eth->src, src_mac, 6);
	eth->type = htons(ETH_TYPE_IPV4);
	ip->version_ihl = IPV4_VERSION_IHL;
	ip->total_len = htons((uint16_t)(28 + msg_len));
	ip->ttl = 64;
	ip->proto = IPPROTO_UDP;
	ip->src = o->bind_ip;
	ip->dst = o->node.sin_addr.s_addr;
	ip->check = cksum_ipv4_hdr(ip);
	udp->src_port = htons(40999);
	udp->dst_port = o->node.sin_port;
	udp->len = htons((uint16_t)(8 + msg_len));
	memcpy(f + FRAME_RUMOR_OFF, msg, msg_len);
	return FRAME_RUMOR_OFF + msg_len;
}

static void
refresh_ip_cksum(uint8_t *f)
{
	struct ipv4_hdr *ip = (void *)(f + FRAME_IP_OFF);

	ip->check = 0;
	ip->check = cksum_ipv4_hdr(ip);
}

/* Make frame f (len bytes) broken in way b; returns its new length. */
static size_t
break_frame(uint8_t *f, size_t len, enum bad b)
{
	struct ipv4_hdr *ip = (void *)(f + FRAME_IP_OFF);
	struct udp_hdr *udp = (void *)(f + FRAME_UDP_OFF);
	struct rumor_hdr *h = (void *)(f + FRAME_RUMOR_OFF);

	switch (b) {
	case BAD_IP_CKSUM:
		ip->check ^= htons(0x0101);
		break;
	case BAD_IP_FRAG:
		ip->frag_off = htons(IPV4_MF);
		refresh_ip_cksum(f);
		break;
	case BAD_IP_OPTIONS:
		/* Header length 6 words: one word of options (NOPs). */
		memmove(f + FRAME_UDP_OFF + 4, f + FRAME_UDP_OFF,
				len - FRAME_UDP_OFF);
		memset(f + FRAME_UDP_OFF, 1, 4);
		ip->version_ihl = 0x46;
		ip->total_len = htons((uint16_t)(ntohs(ip->total_len) + 4));
		refresh_ip_cksum(f);
		len += 4;
		break;
	case BAD_IP_LEN:
		ip->total_len = htons((uint16_t)(ntohs(ip->total_len) + 200));
		refresh_ip_cksum(f);
		break;
	case BAD_UDP_LEN:
		udp->len = htons((uint16_t)(ntohs(udp->len) - 1));
		break;
	case BAD_UDP_PORT:
		udp->dst_port = htons((uint16_t)(ntohs(udp->dst_port) + 1));
		break;
	case BAD_VLAN:
		memmove(f + 16, f + 12, len - 12);
		f[12] = 0x81;
		f[13] = 0x00;
		f[14] = 0x00;
		f[15] = 0x07;
		len += 4;
		break;
	case BAD_RUMOR_MAGIC:
		h->magic = htons(0x5244);
		break;
	case BAD_RUMOR_VERSION:
		h->version = 9;
		break;
	case BAD_RUMOR_TYPE:
		h->type = 200;
		break;
	case BAD_RUMOR_LENGTH:
		h->payload_len = htons((uint16_t)(ntohs(h->payload_len) + 1));
		break;
	case BAD_RUMOR_CHANNEL:
		h->channel_len = 0;
		break;
	case BAD_RUMOR_SHORT:
		/* A UDP payload of 12 bytes: less than a rumor header. */
		len = FRAME_RUMOR_OFF + 12;
		ip->total_len = htons(28 + 12);
		udp->len = htons(8 + 12);
		refresh_ip_cksum(f);
		break;
	case BAD_HOP_LIMIT:
		h->hop_limit = 0;	/* The caller picks a remote channel. */
		break;
	default:
		break;
	}
	return len;
}

static int
inject_malformed(const struct opts *o, const struct rumor_config *cfg,
		const struct ring_table *ring)
{
	int fd = socket(AF_PACKET, SOCK_RAW, 0);
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	uint8_t src_mac[6] = { 0 };
	char path[128];
	FILE *mf;
	unsigned idx;

	if (fd < 0) {
		perror("raw socket");
		return -1;
	}
	sll.sll_ifindex = (int)if_nametoindex(o->ifname);
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, o->dst_mac, 6);
	if (sll.sll_ifindex == 0) {
		fprintf(stderr, "no interface %s\n", o->ifname);
		return -1;
	}
	snprintf(path, sizeof(path), "/sys/class/net/%s/address", o->ifname);
	mf = fopen(path, "r");
	if (mf != NULL) {
		unsigned v[6];

		if (fscanf(mf, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2],
				&v[3], &v[4], &v[5]) == 6)
			for (int i = 0; i < 6; i++)
				src_mac[i] = (uint8_t)v[i];
		fclose(mf);
	}
	/* A channel some other node owns, for the hop-limit case. */
	for (idx = 0; idx < 100000; idx++) {
		char chan[32];
		int n = snprintf(chan, sizeof(chan), "chan-%u", idx);

		if (ring_owner(ring, ring_channel_hash(chan, (size_t)n)) !=
				cfg->node_id)
			break;
	}
	for (unsigned b = 0; b < BAD_MAX; b++) {
		for (unsigned k = 0; k < o->malformed; k++) {
			uint8_t msg[RUMOR_DATAGRAM_MAX], f[1600];
			char chan[32];
			size_t n = build_msg(msg, sizeof(msg), idx, 1u << 30,
					RUMOR_DEFAULT_HOP_LIMIT, chan,
					sizeof(chan));
			size_t len = build_frame(f, o, src_mac, msg, n);

			/* Index beyond --count: never counted as delivered. */
			len = break_frame(f, len, (enum bad)b);
			if (sendto(fd, f, len, 0, (struct sockaddr *)&sll,
					sizeof(sll)) != (ssize_t)len) {
				perror("sendto raw");
				close(fd);
				return -1;
			}
			usleep(200);
		}
		printf("expect %s %u\n", bad_counter[b], o->malformed);
	}
	close(fd);
	return 0;
}

static int
open_sink(struct opts *o, struct sink *s)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int rcv = 8 << 20;

	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (s->fd < 0)
		return -1;
	/* Past net.core.rmem_max as root: a busy host must not drop here. */
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv,
			sizeof(rcv)) != 0)
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	sa.sin_addr.s_addr = o->bind_ip;
	sa.sin_port = htons(s->port);
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "bind sink port %u: %s\n", s->port,
				strerror(errno));
		return -1;
	}
	return 0;
}

static void
drain_sinks(struct opts *o, const struct ring_table *ring,
		const struct rumor_config *cfg, uint8_t *seen, uint64_t *dups,
		uint64_t *misrouted, uint64_t *bad)
{
	for (unsigned i = 0; i < o->n_sinks; i++) {
		struct sink *s = &o->sinks[i];
		uint8_t buf[2048];
		ssize_t n;

		struct sockaddr_in from;
		socklen_t fl = sizeof(from);

		while ((n = recvfrom(s->fd, buf, sizeof(buf), 0,
				(struct sockaddr *)&from, &fl)) > 0) {
			long idx = check_delivery(buf, (size_t)n, s, ring, cfg,
					from.sin_addr.s_addr, o->count,
					o->channels, misrouted);

			if (idx < 0) {
				(*bad)++;
				continue;
			}
			if (seen[idx]++ != 0)
				(*dups)++;
			s->got++;
		}
	}
}

int
main(int argc, char **argv)
{
	struct opts o = { .count = 5000, .channels = 1000, .rate = 20000,
			.wait_ms = 3000 };
	struct rumor_config cfg;
	struct ring_table *ring;
	uint64_t dups = 0, misrouted = 0, bad = 0, missing = 0, t0, last;
	uint64_t expect[MAX_SINKS] = { 0 };
	char err[CONFIG_ERR_MAX];
	uint8_t *seen;
	int c, fd, ok;

	while ((c = cli_args_next(argc, argv, "h", udptest_options,
			usage)) != -1) {
		switch (c) {
		case 'c': o.config = optarg; break;
		case 'n':
			if (cli_args_addr(optarg, &o.node) < 0) {
				fprintf(stderr, "bad --node\n");
				return 2;
			}
			break;
		case 'b':
			if (inet_pton(AF_INET, optarg, &o.bind_ip) != 1) {
				fprintf(stderr, "bad --bind\n");
				return 2;
			}
			break;
		case 's': {
			unsigned id, port;

			if (o.n_sinks == MAX_SINKS || sscanf(optarg, "%u=%u",
					&id, &port) != 2) {
				fprintf(stderr, "bad --sink\n");
				return 2;
			}
			o.sinks[o.n_sinks].node = id;
			o.sinks[o.n_sinks++].port = (uint16_t)port;
			break;
		}
		case 'N': o.count = udptest_num("--count"); break;
		case 'C': o.channels = udptest_num("--channels"); break;
		case 'r': o.rate = udptest_num("--rate"); break;
		case 'w': o.wait_ms = udptest_num("--wait"); break;
		case 'm': o.malformed = udptest_num("--malformed"); break;
		case 'i': o.ifname = optarg; break;
		default:	/* 'M' */
			if (config_parse_mac(optarg, o.dst_mac) < 0) {
				fprintf(stderr, "bad --dst-mac\n");
				return 2;
			}
			break;
		}
	}
	if (o.config == NULL || o.node.sin_port == 0 || o.bind_ip == 0 ||
			o.n_sinks == 0 || o.count == 0 || o.channels == 0 ||
			o.rate == 0 || (o.malformed != 0 && o.ifname == NULL)) {
		usage(stderr);
		return 2;
	}
	if (config_load(o.config, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "rumor-udptest: %s\n", err);
		return 1;
	}
	ring = ring_from(&cfg);
	seen = calloc(o.count, 1);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (ring == NULL || seen == NULL || fd < 0)
		return 1;
	for (unsigned i = 0; i < o.n_sinks; i++)
		if (open_sink(&o, &o.sinks[i]) < 0)
			return 1;

	if (o.malformed != 0 && inject_malformed(&o, &cfg, ring) < 0)
		return 1;

	t0 = rumor_now_ns();
	for (unsigned i = 0; i < o.count; i++) {
		uint8_t msg[RUMOR_DATAGRAM_MAX];
		char chan[32];
		size_t n = build_msg(msg, sizeof(msg), i, o.channels,
				RUMOR_DEFAULT_HOP_LIMIT, chan, sizeof(chan));
		uint32_t owner = ring_owner(ring, ring_channel_hash(chan,
				strlen(chan)));

		for (unsigned s = 0; s < o.n_sinks; s++)
			if (o.sinks[s].node == owner)
				expect[s]++;
		if (sendto(fd, msg, n, 0, (struct sockaddr *)&o.node,
				sizeof(o.node)) != (ssize_t)n) {
			perror("sendto");
			return 1;
		}
		/* Pace: message i leaves no earlier than i / rate seconds. */
		while (rumor_now_ns() - t0 <
				(uint64_t)i * 1000000000ull / o.rate)
			drain_sinks(&o, ring, &cfg, seen, &dups, &misrouted, &bad);
	}
	last = rumor_now_ns();
	for (;;) {
		uint64_t total = 0;
		struct pollfd pf[MAX_SINKS];

		drain_sinks(&o, ring, &cfg, seen, &dups, &misrouted, &bad);
		for (unsigned s = 0; s < o.n_sinks; s++)
			total += o.sinks[s].got;
		if (total >= o.count ||
				rumor_now_ns() - last > o.wait_ms * 1000000ull)
			break;
		for (unsigned s = 0; s < o.n_sinks; s++) {
			pf[s].fd = o.sinks[s].fd;
			pf[s].events = POLLIN;
		}
		if (poll(pf, o.n_sinks, 50) > 0)
			last = rumor_now_ns();
	}
	for (unsigned i = 0; i < o.count; i++)
		missing += seen[i] == 0;

	ok = missing == 0 && dups == 0 && misrouted == 0 && bad == 0;
	printf("sent %u channels %u", o.count, o.channels);
	for (unsigned s = 0; s < o.n_sinks; s++) {
		printf(" node%u_expected %lu node%u_got %lu", o.sinks[s].node,
				(unsigned long)expect[s], o.sinks[s].node,
				(unsigned long)o.sinks[s].got);
		if (expect[s] != o.sinks[s].got)
			ok = 0;
	}
	printf(" missing %lu duplicates %lu misrouted %lu bad %lu\n",
			(unsigned long)missing, (unsigned long)dups,
			(unsigned long)misrouted, (unsigned long)bad);
	for (unsigned s = 0; s < o.n_sinks; s++)
		printf("expect_owned node%u %lu\n", o.sinks[s].node,
				(unsigned long)expect[s]);
	printf("%s\n", ok ? "udptest: PASS" : "udptest: FAIL");
	free(seen);
	free(ring);
	config_free(&cfg);
	return ok ? 0 : 1;
}
