/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor-attack: the attacker of tests/integration/attacks.sh. It stands
 * on the lab bridge in a namespace of its own, without any key, and
 * writes frames as an off-path spoofer or a rogue client would:
 *
 *   send     rumor datagrams built with rumor/chan_wire.h (or a forged
 *            sealed CONTROL), through an AF_PACKET socket, so that the
 *            source MAC, IPv4 address and UDP port are whatever it says
 *            (a member's 10.77.0.x:7946, a victim's, a real client's);
 *            or through an ordinary UDP socket (--udp) as a rogue client
 *   arp      gratuitous ARP or unsolicited replies naming an address
 *   count    what arrives on an interface (frames and bytes, filtered by
 *            addresses, rumor type and channel hash): the victim's side
 *            of an amplification
 *   capture  the first frame on the bridge that matches, kept to a file
 *   replay   that frame, sent again from our own MAC
 *   learn    as a rogue client with its own UDP socket: subscribe to a
 *            channel, and print the stream and sequence of the first
 *            message delivered (what a NACK needs to be answered in full)
 *   owner    the owner of a channel on the ring of members 1..N, weight 1
 *
 *   ackpub   as a client with its own UDP socket: acked PUBLISHes (the
 *            same number again, or forged client ids and return paths),
 *            and the PUB_ACKs that come back
 *
 * Every command prints one line of figures ("sent frames=N bytes=B" or
 * "count frames=N bytes=B"); bytes are whole Ethernet frames, so that an
 * amplification compares like with like. Options are listed by
 * rumor-attack --help.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "rumor/bytes.h"
#include "rumor/chan_wire.h"
#include "rumor/parse.h"
#include "rumor/repl_wire.h"
#include "rumor/ring.h"
#include "rumor/seal.h"
#include "rumor/wire.h"

#define FRAME_MAX 1600u
#define ARP_LEN 28u

/* Everything the command line can say; each command reads its own. */
struct atk_opts {
	const char *iface;
	uint8_t src_mac[6];
	bool have_src_mac;
	uint8_t claim_mac[6];		/* ARP: the MAC claimed. */
	bool have_claim_mac;
	uint8_t dst_mac[6];
	uint32_t src_ip, dst_ip;	/* Network order. */
	uint16_t src_port, dst_port;	/* Host order. */
	bool udp;			/* An ordinary UDP socket. */
	/* The rumor message. */
	int type;
	const char *channel;
	uint64_t hash;
	bool have_hash;
	uint32_t origin;
	uint64_t epoch, seq, stream, oseq, first, last, boot, next_seq;
	uint32_t lease, nack_count, nodes;
	const char *payload;
	const char *label;
	/* Publish acknowledgements (rumor/repl_wire.h). */
	uint64_t number, client;
	uint8_t level;
	uint32_t via_ip;		/* Network order. */
	uint16_t via_port;		/* Host order. */
	/* Repetition. */
	uint64_t count;
	uint64_t rate;			/* Frames a second; 0: no pacing. */
	uint32_t vary_port;		/* Source ports cycled through. */
	uint32_t port_every;		/* Frames from each port in turn. */
	uint32_t name_every;		/* Frames on each name in turn. */
	uint32_t vary_ip;		/* Source addresses cycled through. */
	uint32_t vary_channel;		/* Channel names cycled through. */
	uint32_t hash_bits;		/* Names whose hashes share these. */
	bool vary_seq;			/* seq and oseq count up. */
	/* count and capture. */
	uint32_t f_src_ip, f_dst_ip;
	uint64_t f_types;		/* Bit per rumor type; 0: any. */
	bool f_origin;			/* Only frames with origin not 0. */
	bool f_arp;			/* count: ARP frames as well. */
	double seconds;
	const char *file;
	const char *op;
	uint32_t members;
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: rumor-attack send    --iface IF --dst-mac MAC --dst IP:PORT --src IP:PORT\n"
"                            [--src-mac MAC] [--udp] --type N --channel NAME\n"
"                            [--hash H] [--origin ID] [--epoch E] [--seq S]\n"
"                            [--stream S] [--oseq Q] [--payload TEXT]\n"
"                            [--lease MS] [--first F] [--last L]\n"
"                            [--nack-count C] [--boot B] [--next-seq N]\n"
"                            [--nodes K] [--label L (CONTROL)]\n"
"                            [--count N] [--rate PPS] [--vary-port N]\n"
"                            [--vary-ip N] [--vary-channel N]\n"
"                            [--port-every N] [--name-every N]\n"
"                            [--hash-bits B] [--vary-seq]\n"
"                            [--number N [--level L] [--client ID]\n"
"                            [--via IP:PORT]] (--type 1: an acked PUBLISH;\n"
"                            --type 18: a PUB_ACK, its return path --via;\n"
"                            --type 19: a REPLICATE of --stream, --oseq)\n"
"       rumor-attack arp     --iface IF --dst-mac MAC --src IP (the address\n"
"                            claimed) --dst IP [--src-mac MAC]\n"
"                            [--claim-mac MAC (default: the frame's)]\n"
"                            [--op gratuitous|reply] [--count N] [--rate PPS]\n"
"       rumor-attack count   --iface IF [--from IP] [--to IP] [--types N,..]\n"
"                            [--hash H] [--arp] --seconds S\n"
"       rumor-attack capture --iface IF [--from IP] [--types N,..]\n"
"                            [--with-origin] --seconds S --file F\n"
"       rumor-attack replay  --iface IF --file F [--count N] [--rate PPS]\n"

"       rumor-attack learn   --dst IP:PORT --src IP:PORT --channel NAME\n"
"                            --seconds S\n"
"       rumor-attack ackpub  --dst IP:PORT --src IP:PORT --channel NAME\n"
"                            --number N [--count K] [--vary-seq] [--level L]\n"
"                            [--client ID] [--via IP:PORT] [--payload TEXT]\n"
"                            --seconds S (prints each PUB_ACK)\n"
"       rumor-attack owner   --members N CHANNEL...\n"
"Numbers take 0x; --vary-channel N names NAME-0 .. NAME-(N-1); with\n"
"--hash-bits B their hashes share their low B bits (searched). Frame i\n"
"is on name (i / name-every) mod N, from port PORT + (i / port-every)\n"
"mod vary-port, from the address after IP by (i / port-every /\n"
"vary-port) mod vary-ip.\n");
}

static int
parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4],
			&v[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

static int
parse_ip(const char *s, uint32_t *ip)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*ip = a.s_addr;
	return 0;
}

/* "IP:PORT" or "IP". */
static int
parse_addr(const char *s, uint32_t *ip, uint16_t *port)
{
	char buf[64];
	char *colon;

	snprintf(buf, sizeof(buf), "%s", s);
	colon = strchr(buf, ':');
	if (colon != NULL) {
		*colon = '\0';
		*port = (uint16_t)strtoul(colon + 1, NULL, 0);
	}
	return parse_ip(buf, ip);
}

static uint64_t
num(const char *s)
{
	return strtoull(s, NULL, 0);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* An AF_PACKET socket bound to iface; its index and MAC. */
static int
raw_open(const char *iface, int *ifindex, uint8_t mac[6])
{
	struct sockaddr_ll sll;
	struct ifreq ifr;
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));

	if (fd < 0) {
		perror("rumor-attack: AF_PACKET socket");
		exit(1);
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", iface);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
		fprintf(stderr, "rumor-attack: no interface %s\n", iface);
		exit(1);
	}
	*ifindex = ifr.ifr_ifindex;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0 && mac != NULL)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = *ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		perror("rumor-attack: bind");
		exit(1);
	}
	return fd;
}

static void
raw_send(int fd, int ifindex, const uint8_t *f, size_t len)
{
	struct sockaddr_ll to;

	memset(&to, 0, sizeof(to));
	to.sll_family = AF_PACKET;
	to.sll_ifindex = ifindex;
	to.sll_halen = 6;
	memcpy(to.sll_addr, f, 6);
	/* A full queue: wait for room rather than lose the frame. */
	while (sendto(fd, f, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
			perror("rumor-attack: send");
			exit(1);
		}
		usleep(100);
	}
}

/* Sleep until frame i of a paced run is due. */
static void
pace(uint64_t t0, uint64_t i, uint64_t rate)
{
	uint64_t due, now;

	if (rate == 0)
		return;
	due = t0 + i * 1000000000ull / rate;
	now = now_ns();
	if (due > now + 50000)
		usleep((useconds_t)((due - now) / 1000));
}

/* Ethernet, IPv4 (no options, DF off) and UDP headers before msg. */
static size_t
frame_udp(uint8_t *f, const uint8_t dst_mac[6], const uint8_t src_mac[6],
		uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
		const uint8_t *msg, size_t msg_len)
{
	struct eth_hdr *eth = (void *)f;
	struct ipv4_hdr *ip = (void *)(f + FRAME_IP_OFF);
	struct udp_hdr *udp = (void *)(f + FRAME_UDP_OFF);
	static uint16_t ip_id;

	memset(f, 0, FRAME_RUMOR_OFF);
	memcpy(eth->dst, dst_mac, 6);
	memcpy(eth->src, src_mac, 6);
	eth->type = htons(ETH_TYPE_IPV4);
	ip->version_ihl = IPV4_VERSION_IHL;
	ip->total_len = htons((uint16_t)(28 + msg_len));
	ip->id = htons(ip_id++);
	ip->ttl = 64;
	ip->proto = IPPROTO_UDP;
	ip->src = src;
	ip->dst = dst;
	ip->check = cksum_ipv4_hdr(ip);
	udp->src_port = htons(sport);
	udp->dst_port = htons(dport);
	udp->len = htons((uint16_t)(8 + msg_len));
	memcpy(f + FRAME_RUMOR_OFF, msg, msg_len);
	return FRAME_RUMOR_OFF + msg_len;
}

/*
 * A forged sealed CONTROL message: the cluster's label tag (the label is
 * no secret), a member's id as sender, a boot and counter of its own, and
 * bytes no key opens. A receiver has to try every key of its ring.
 */
static size_t
forge_control(uint8_t *buf, const struct atk_opts *o, uint64_t i)
{
	uint8_t tag[32];
	size_t body = 64;
	uint32_t sender = htonl(o->origin);
	uint64_t v;

	memset(buf, 0, SEAL_HDR_LEN + body + SEAL_TAG_LEN);
	buf[0] = RUMOR_MAGIC >> 8;
	buf[1] = RUMOR_MAGIC & 0xff;
	buf[2] = RUMOR_VERSION;
	buf[3] = RUMOR_T_CONTROL;
	buf[4] = SEAL_P_SWIM;
	buf[6] = (uint8_t)(body >> 8);
	buf[7] = (uint8_t)body;
	crypto_generichash(tag, sizeof(tag), (const uint8_t *)o->label,
			strlen(o->label), NULL, 0);
	memcpy(buf + 8, tag, 8);
	memcpy(buf + 16, &sender, 4);
	v = htobe64(o->boot != 0 ? o->boot : UINT64_MAX);
	memcpy(buf + 24, &v, 8);
	v = htobe64(i + 1);
	memcpy(buf + 32, &v, 8);
	randombytes_buf(buf + SEAL_HDR_LEN, body + SEAL_TAG_LEN);
	return SEAL_HDR_LEN + body + SEAL_TAG_LEN;
}

/* Names NAME-k, the first n whose hashes share the low bits of NAME-0's. */
static char **
names_for(const struct atk_opts *o)
{
	uint32_t n = o->vary_channel;
	char **names = calloc(n, sizeof(*names));
	uint64_t mask = o->hash_bits >= 64 ? UINT64_MAX :
			(UINT64_C(1) << o->hash_bits) - 1;
	uint64_t want = 0;
	char buf[RUMOR_CHANNEL_MAX + 1];

	if (names == NULL)
		exit(1);
	for (uint64_t k = 0, got = 0; got < n; k++) {
		int len = snprintf(buf, sizeof(buf), "%s-%" PRIu64, o->channel,
				k);
		uint64_t h = ring_channel_hash(buf, (size_t)len);

		if (k == 0)
			want = h & mask;
		if (o->hash_bits != 0 && (h & mask) != want)
			continue;
		names[got++] = strdup(buf);
	}
	return names;
}

static void
names_free(char **names, const struct atk_opts *o)
{
	for (uint64_t k = 0; names != NULL && k < o->vary_channel; k++)
		free(names[k]);
	free(names);
}

/*
 * An acked PUBLISH (number --number, or + i with --vary-seq; --client and
 * --via written as a forger would), a PUB_ACK (status OK, --stream and
 * --oseq, --via its return path), or a REPLICATE (--stream, --oseq).
 */
static size_t
build_repl(uint8_t *buf, size_t cap, const struct atk_opts *o, uint64_t i)
{
	struct repl_msg m;
	uint8_t *via, unused[REPL_VIA_LEN];
	uint16_t port = htons(o->via_port);
	size_t n;

	repl_msg_init(&m, (uint8_t)o->type, o->channel, strlen(o->channel));
	if (o->have_hash)
		m.channel_hash = o->hash;
	m.origin = o->origin;
	m.epoch = o->epoch;
	m.seq = o->seq + (o->vary_seq ? i : 0);
	if (o->type == RUMOR_T_DATA) {
		m.u.req.client = o->client;
		m.u.req.number = o->number + (o->vary_seq ? i : 0);
		m.u.req.level = o->level != 0 ? o->level : REPL_LEVEL_OWNER;
		via = m.u.req.via;
		if (o->payload != NULL) {
			m.payload = (const uint8_t *)o->payload;
			m.payload_len = strlen(o->payload);
		}
	} else if (o->type == RUMOR_T_REPLICATE) {
		m.u.rep.stream = o->stream;
		m.u.rep.seq = o->oseq + (o->vary_seq ? i : 0);
		m.u.rep.committed = m.u.rep.seq - 1;
		via = unused;	/* A REPLICATE has no return path. */
		if (o->payload != NULL) {
			m.payload = (const uint8_t *)o->payload;
			m.payload_len = strlen(o->payload);
		}
	} else {
		m.u.pub_ack.number = m.seq;
		m.u.pub_ack.stream = o->stream;
		m.u.pub_ack.seq = o->oseq;
		m.u.pub_ack.status = REPL_PUB_OK;
		m.u.pub_ack.level = REPL_LEVEL_OWNER;
		m.u.pub_ack.held = 1;
		via = m.u.pub_ack.via;
	}
	/* The dataplane's return path: address, port, MAC, port id. */
	memcpy(via, &o->via_ip, 4);
	memcpy(via + 4, &port, 2);
	n = repl_msg_encode(&m, buf, cap);
	if (n == 0) {
		fprintf(stderr, "rumor-attack: type %d would not decode\n",
				o->type);
		exit(2);
	}
	return n;
}

/* The rumor datagram of frame i of a send. */
static size_t
build_msg(uint8_t *buf, size_t cap, const struct atk_opts *o, uint64_t i,
		char **names)
{
	struct chan_msg m;
	const char *name = o->channel;
	uint8_t type = (uint8_t)o->type;
	size_t n;

	if (type == RUMOR_T_CONTROL)
		return forge_control(buf, o, i);
	if (type == RUMOR_T_PUB_ACK || type == RUMOR_T_REPLICATE ||
			(type == RUMOR_T_DATA && o->number))
		return build_repl(buf, cap, o, i);
	if (names != NULL)
		name = names[(i / o->name_every) % o->vary_channel];
	chan_msg_init(&m, type, name, strlen(name));
	if (o->have_hash && names == NULL)
		m.channel_hash = o->hash;
	m.origin = o->origin;
	m.epoch = o->epoch;
	m.seq = o->seq + (o->vary_seq ? i : 0);
	switch (type) {
	case RUMOR_T_SUBSCRIBE:
	case RUMOR_T_INTEREST:
		m.u.lease.lease_ms = o->lease;
		break;
	case RUMOR_T_FANOUT:
	case RUMOR_T_RETRANSMIT:
	case RUMOR_T_DELIVER:
		m.u.ord.stream = o->stream;
		m.u.ord.seq = o->oseq + (o->vary_seq ? i : 0);
		break;
	case RUMOR_T_GONE:
	case RUMOR_T_GAP:
		m.u.range.stream = o->stream;
		m.u.range.first = o->first;
		m.u.range.last = o->last;
		break;
	case RUMOR_T_NACK:
		m.u.nack.stream = o->stream;
		m.u.nack.first = o->first;
		m.u.nack.count = o->nack_count;
		break;
	case RUMOR_T_GOSSIP:
		m.u.gossip.boot = o->boot;
		break;
	case RUMOR_T_HANDOFF:
		m.u.handoff.stream = o->stream;
		/*
		 * The encoder refuses what the decoder would: a valid value
		 * goes through it, and the asked one is written over it.
		 */
		m.u.handoff.next_seq = o->stream != 0 ? 1 : 0;
		m.u.handoff.n_nodes = o->nodes;
		for (uint32_t k = 0; k < o->nodes &&
				k < CHAN_HANDOFF_NODES_MAX; k++) {
			m.u.handoff.node[k].id = 1000 + k;
			m.u.handoff.node[k].lease_ms = CHAN_LEASE_MAX_MS;
		}
		break;
	default:
		break;
	}
	if (o->payload != NULL) {
		m.payload = (const uint8_t *)o->payload;
		m.payload_len = strlen(o->payload);
	}
	n = chan_msg_encode(&m, buf, cap);
	if (n != 0 && o->type == RUMOR_T_HANDOFF)
		rumor_put64(buf + sizeof(struct rumor_hdr) + m.channel_len + 8,
				o->next_seq);
	if (n == 0) {
		fprintf(stderr, "rumor-attack: type %d would not decode\n",
				o->type);
		exit(2);
	}
	return n;
}

static int
cmd_send(const struct atk_opts *o)
{
	uint8_t msg[FRAME_MAX], f[FRAME_MAX], mac[6];
	uint64_t bytes = 0, t0;
	char **names = NULL;
	int fd, ifindex = 0;

	if (o->vary_channel > 0)
		names = names_for(o);
	if (o->udp) {
		struct sockaddr_in me = { .sin_family = AF_INET };

		fd = socket(AF_INET, SOCK_DGRAM, 0);
		me.sin_addr.s_addr = o->src_ip;
		me.sin_port = htons(o->src_port);
		if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0) {
			perror("rumor-attack: UDP socket");
			names_free(names, o);
			return 1;
		}
	} else {
		fd = raw_open(o->iface, &ifindex, mac);
		if (o->have_src_mac)
			memcpy(mac, o->src_mac, 6);
	}
	t0 = now_ns();
	for (uint64_t i = 0; i < o->count; i++) {
		size_t n = build_msg(msg, sizeof(msg), o, i, names);
		uint64_t turn = i / o->port_every;
		uint16_t sport = (uint16_t)(o->src_port +
				(o->vary_port ? turn % o->vary_port : 0));
		uint32_t src = o->src_ip;

		/* Each address in turn once every port has had its turn. */
		if (o->vary_ip)
			src = htonl(ntohl(src) + (uint32_t)(turn /
					(o->vary_port ? o->vary_port : 1) %
					o->vary_ip));
		pace(t0, i, o->rate);
		if (o->udp) {
			struct sockaddr_in to = { .sin_family = AF_INET };

			to.sin_addr.s_addr = o->dst_ip;
			to.sin_port = htons(o->dst_port);
			while (sendto(fd, msg, n, 0, (struct sockaddr *)&to,
					sizeof(to)) < 0 && errno == ENOBUFS)
				usleep(100);
			bytes += n + FRAME_RUMOR_OFF;
			continue;
		}
		n = frame_udp(f, o->dst_mac, mac, src, sport, o->dst_ip,
				o->dst_port, msg, n);
		raw_send(fd, ifindex, f, n);
		bytes += n;
	}
	printf("sent frames=%" PRIu64 " bytes=%" PRIu64 "\n", o->count, bytes);
	close(fd);
	names_free(names, o);
	return 0;
}

/*
 * ARP naming o->src_ip at our MAC (or --src-mac): "gratuitous" is a
 * broadcast request from that address to itself, "reply" an unsolicited
 * reply to o->dst_ip at --dst-mac.
 */
static int
cmd_arp(const struct atk_opts *o)
{
	uint8_t f[64], mac[6];
	bool grat = o->op == NULL || strcmp(o->op, "gratuitous") == 0;
	uint64_t t0 = now_ns();
	int ifindex, fd = raw_open(o->iface, &ifindex, mac);
	uint8_t *a = f + ETH_HDR_LEN;

	if (o->have_src_mac)
		memcpy(mac, o->src_mac, 6);
	memset(f, 0, sizeof(f));
	memset(f, 0xff, 6);
	if (!grat)
		memcpy(f, o->dst_mac, 6);
	memcpy(f + 6, mac, 6);
	f[12] = 0x08;
	f[13] = 0x06;
	a[1] = 1;		/* Ethernet. */
	a[2] = 0x08;		/* IPv4. */
	a[4] = 6;
	a[5] = 4;
	a[7] = grat ? 1 : 2;	/* Request or reply. */
	memcpy(a + 8, o->have_claim_mac ? o->claim_mac : mac, 6);
	memcpy(a + 14, &o->src_ip, 4);
	if (grat) {
		memcpy(a + 24, &o->src_ip, 4);
	} else {
		memcpy(a + 18, o->dst_mac, 6);
		memcpy(a + 24, &o->dst_ip, 4);
	}
	for (uint64_t i = 0; i < o->count; i++) {
		pace(t0, i, o->rate);
		raw_send(fd, ifindex, f, 60);
	}
	printf("sent frames=%" PRIu64 " bytes=%" PRIu64 "\n", o->count,
			o->count * 60);
	close(fd);
	return 0;
}

/* Whether frame f (len bytes) passes the filters of count and capture. */
static bool
matches(const uint8_t *f, size_t len, const struct atk_opts *o)
{
	const struct ipv4_hdr *ip = (const void *)(f + FRAME_IP_OFF);
	const struct rumor_hdr *h = (const void *)(f + FRAME_RUMOR_OFF);
	uint16_t et;

	if (len < ETH_HDR_LEN)
		return false;
	et = (uint16_t)(f[12] << 8 | f[13]);
	if (et == ETH_TYPE_ARP)
		return o->f_arp;
	if (et != ETH_TYPE_IPV4 || len < FRAME_UDP_OFF + 8 ||
			ip->proto != IPPROTO_UDP || ip->version_ihl != 0x45)
		return false;
	if ((o->f_src_ip && ip->src != o->f_src_ip) ||
			(o->f_dst_ip && ip->dst != o->f_dst_ip))
		return false;
	if (o->have_hash && (len < FRAME_RUMOR_OFF + sizeof(*h) ||
			be64toh(h->channel_hash) != o->hash))
		return false;
	if (o->f_types == 0 && !o->f_origin)
		return true;
	if (len < FRAME_RUMOR_OFF + sizeof(*h) ||
			h->magic != htons(RUMOR_MAGIC) || h->type >= 64)
		return false;
	if (o->f_types != 0 && !(o->f_types & (UINT64_C(1) << h->type)))
		return false;
	if (o->f_origin && h->origin == 0)
		return false;
	return true;
}

/* Frames seen on the interface (both ways), until o->seconds pass. */
static int
cmd_count(const struct atk_opts *o, bool capture)
{
	uint8_t f[9000];
	uint64_t frames = 0, bytes = 0;
	uint64_t end = now_ns() + (uint64_t)(o->seconds * 1e9);
	int ifindex, fd = raw_open(o->iface, &ifindex, NULL);

	for (;;) {
		uint64_t now = now_ns();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n;

		if (now >= end)
			break;
		if (poll(&p, 1, (int)((end - now) / 1000000 + 1)) <= 0)
			continue;
		n = recvfrom(fd, f, sizeof(f), MSG_DONTWAIT,
				(struct sockaddr *)&from, &fl);
		if (n <= 0 || !matches(f, (size_t)n, o))
			continue;
		/*
		 * Both directions: on a bridge port what goes to the host
		 * behind it is outgoing; the address filters pick the way.
		 */
		frames++;
		bytes += (uint64_t)n;
		if (capture) {
			FILE *out = fopen(o->file, "wb");

			if (out == NULL || fwrite(f, 1, (size_t)n, out) !=
					(size_t)n) {
				perror(o->file);
				return 1;
			}
			fclose(out);
			printf("captured frames=1 bytes=%zd\n", n);
			return 0;
		}
	}
	if (capture) {
		printf("captured frames=0 bytes=0\n");
		return 1;
	}
	printf("count frames=%" PRIu64 " bytes=%" PRIu64 "\n", frames, bytes);
	return 0;
}

/*
 * As a client: a UDP socket bound to --src, and in *to the node (--dst);
 * -1 (said) if it cannot be had.
 */
static int
udp_client(const struct atk_opts *o, struct sockaddr_in *to)
{
	struct sockaddr_in me = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	me.sin_addr.s_addr = o->src_ip;
	me.sin_port = htons(o->src_port);
	memset(to, 0, sizeof(*to));
	to->sin_family = AF_INET;
	to->sin_addr.s_addr = o->dst_ip;
	to->sin_port = htons(o->dst_port);
	if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0) {
		perror("rumor-attack: UDP socket");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* A datagram on fd within ms milliseconds: its length, or 0 (none). */
static ssize_t
recv_wait(int fd, uint8_t *buf, size_t cap, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, ms) <= 0)
		return 0;
	return recv(fd, buf, cap, 0);
}

static int
cmd_replay(const struct atk_opts *o)
{
	uint8_t f[FRAME_MAX];
	FILE *in = fopen(o->file, "rb");
	size_t n;
	int ifindex, fd;
	uint64_t t0 = now_ns();

	if (in == NULL) {
		perror(o->file);
		return 1;
	}
	n = fread(f, 1, sizeof(f), in);
	fclose(in);
	/* Our own source MAC: the bridge keeps the sender's where it is. */
	fd = raw_open(o->iface, &ifindex, f + 6);
	for (uint64_t i = 0; i < o->count; i++) {
		pace(t0, i, o->rate);
		raw_send(fd, ifindex, f, n);
	}
	printf("sent frames=%" PRIu64 " bytes=%" PRIu64 "\n", o->count,
			o->count * n);
	return 0;
}

static int
cmd_learn(const struct atk_opts *o)
{
	struct sockaddr_in to;
	uint64_t end = now_ns() + (uint64_t)(o->seconds * 1e9);
	uint8_t buf[FRAME_MAX];
	struct chan_msg m;
	size_t n;
	int fd = udp_client(o, &to);

	if (fd < 0)
		return 1;
	chan_msg_init(&m, RUMOR_T_SUBSCRIBE, o->channel, strlen(o->channel));
	m.seq = 1;
	m.u.lease.lease_ms = 5000;
	n = chan_msg_encode(&m, buf, sizeof(buf));
	sendto(fd, buf, n, 0, (struct sockaddr *)&to, sizeof(to));
	while (now_ns() < end) {
		ssize_t got = recv_wait(fd, buf, sizeof(buf), 100);

		if (got <= 0 || chan_msg_decode(buf, (size_t)got, &m) !=
				CHAN_WIRE_OK || m.type != RUMOR_T_DELIVER)
			continue;
		printf("stream=%" PRIu64 " seq=%" PRIu64 "\n", m.u.ord.stream,
				m.u.ord.seq);
		chan_msg_init(&m, RUMOR_T_UNSUBSCRIBE, o->channel,
				strlen(o->channel));
		m.seq = 2;
		n = chan_msg_encode(&m, buf, sizeof(buf));
		sendto(fd, buf, n, 0, (struct sockaddr *)&to, sizeof(to));
		return 0;
	}
	printf("stream=0 seq=0\n");
	return 1;
}

/*
 * As a client with its own UDP socket: --count acked PUBLISHes of
 * --number (the same each time, or one more each with --vary-seq), then
 * every PUB_ACK that comes within --seconds, a line each, and a total.
 */
static int
cmd_ackpub(struct atk_opts *o)
{
	struct sockaddr_in to;
	uint8_t buf[FRAME_MAX];
	struct repl_msg m;
	uint64_t answers = 0, end;
	int fd = udp_client(o, &to);

	if (fd < 0)
		return 1;
	o->type = RUMOR_T_DATA;
	if (o->number == 0)
		o->number = 1;
	for (uint64_t i = 0; i < o->count; i++) {
		size_t n = build_repl(buf, sizeof(buf), o, i);

		sendto(fd, buf, n, 0, (struct sockaddr *)&to, sizeof(to));
		if (o->rate != 0)
			usleep((useconds_t)(1000000 / o->rate));
	}
	end = now_ns() + (uint64_t)(o->seconds * 1e9);
	while (now_ns() < end) {
		ssize_t got = recv_wait(fd, buf, sizeof(buf), 50);

		if (got <= 0 || repl_msg_decode(buf, (size_t)got, &m) !=
				CHAN_WIRE_OK || m.type != RUMOR_T_PUB_ACK)
			continue;
		answers++;
		printf("pub_ack number=%" PRIu64 " status=%s stream=%" PRIu64
				" seq=%" PRIu64 " level=%s held=%u\n",
				m.u.pub_ack.number,
				repl_pub_status_name(m.u.pub_ack.status),
				m.u.pub_ack.stream, m.u.pub_ack.seq,
				repl_level_name(m.u.pub_ack.level),
				m.u.pub_ack.held);
		fflush(stdout);
	}
	printf("answers=%" PRIu64 "\n", answers);
	return 0;
}

static int
cmd_owner(const struct atk_opts *o, int argc, char **argv)
{
	struct ring_member m[64];
	struct ring_table *t;
	uint32_t slots, n = o->members;

	if (n == 0 || n > 64)
		return 2;
	for (uint32_t i = 0; i < n; i++)
		m[i] = (struct ring_member){ .id = i + 1, .weight = 1 };
	slots = ring_table_slots(m, n);
	t = malloc(ring_table_bytes(slots));
	if (t == NULL || ring_table_build(t, m, n, 1) < 0)
		return 1;
	for (int i = 0; i < argc; i++)
		printf("%s %" PRIu32 " %#" PRIx64 "\n", argv[i], ring_owner(t,
				ring_channel_hash(argv[i], strlen(argv[i]))),
				ring_channel_hash(argv[i], strlen(argv[i])));
	free(t);
	return 0;
}

/* "8,9,13": a bit per type. */
static uint64_t
parse_types(const char *s)
{
	uint64_t bits = 0;
	char *end;

	while (*s != '\0') {
		unsigned long t = strtoul(s, &end, 0);

		if (end == s || t >= 64)
			return 0;
		bits |= UINT64_C(1) << t;
		s = *end == ',' ? end + 1 : end;
	}
	return bits;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "iface", 1, NULL, 'i' }, { "src-mac", 1, NULL, 'M' },
		{ "dst-mac", 1, NULL, 'm' }, { "src", 1, NULL, 's' },
		{ "dst", 1, NULL, 'd' }, { "udp", 0, NULL, 'U' },
		{ "type", 1, NULL, 't' }, { "channel", 1, NULL, 'c' },
		{ "hash", 1, NULL, 'H' }, { "origin", 1, NULL, 'o' },
		{ "epoch", 1, NULL, 'e' }, { "seq", 1, NULL, 'q' },
		{ "stream", 1, NULL, 'S' }, { "oseq", 1, NULL, 'Q' },
		{ "payload", 1, NULL, 'p' }, { "lease", 1, NULL, 'l' },
		{ "first", 1, NULL, 'f' }, { "last", 1, NULL, 'L' },
		{ "nack-count", 1, NULL, 'k' }, { "boot", 1, NULL, 'b' },
		{ "next-seq", 1, NULL, 'x' }, { "nodes", 1, NULL, 'N' },
		{ "label", 1, NULL, 'B' }, { "count", 1, NULL, 'n' },
		{ "rate", 1, NULL, 'r' }, { "vary-port", 1, NULL, 'P' },
		{ "vary-ip", 1, NULL, 'I' }, { "vary-channel", 1, NULL, 'C' },
		{ "hash-bits", 1, NULL, 'h' }, { "vary-seq", 0, NULL, 'V' },
		{ "from", 1, NULL, 'F' }, { "to", 1, NULL, 'T' },
		{ "types", 1, NULL, 'y' }, { "with-origin", 0, NULL, 'O' },
		{ "arp", 0, NULL, 'A' }, { "seconds", 1, NULL, 'w' },
		{ "file", 1, NULL, 'W' }, { "op", 1, NULL, 'a' },
		{ "members", 1, NULL, 'E' }, { "help", 0, NULL, '?' },
		{ "port-every", 1, NULL, 'G' }, { "name-every", 1, NULL, 'J' },
		{ "claim-mac", 1, NULL, 'K' }, { "number", 1, NULL, 'u' },
		{ "level", 1, NULL, 'v' }, { "client", 1, NULL, 'X' },
		{ "via", 1, NULL, 'Y' },
		{ NULL, 0, NULL, 0 },
	};
	struct atk_opts o = { .count = 1, .channel = "x", .label = "lab",
		.dst_port = RUMOR_DEFAULT_PORT, .src_port = RUMOR_DEFAULT_PORT,
		.seconds = 1, .nack_count = CHAN_NACK_MAX, .port_every = 1,
		.name_every = 1 };
	const char *cmd;
	int c, bad = 0;

	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (sodium_init() < 0)
		return 1;
	cmd = argv[1];
	argv++;
	argc--;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'i': o.iface = optarg; break;
		case 'M': bad |= parse_mac(optarg, o.src_mac);
			o.have_src_mac = true; break;
		case 'm': bad |= parse_mac(optarg, o.dst_mac); break;
		case 's': bad |= parse_addr(optarg, &o.src_ip, &o.src_port);
			break;
		case 'd': bad |= parse_addr(optarg, &o.dst_ip, &o.dst_port);
			break;
		case 'U': o.udp = true; break;
		case 't': o.type = (int)num(optarg); break;
		case 'c': o.channel = optarg; break;
		case 'H': o.hash = num(optarg); o.have_hash = true; break;
		case 'o': o.origin = (uint32_t)num(optarg); break;
		case 'e': o.epoch = num(optarg); break;
		case 'q': o.seq = num(optarg); break;
		case 'S': o.stream = num(optarg); break;
		case 'Q': o.oseq = num(optarg); break;
		case 'p': o.payload = optarg; break;
		case 'l': o.lease = (uint32_t)num(optarg); break;
		case 'f': o.first = num(optarg); break;
		case 'L': o.last = num(optarg); break;
		case 'k': o.nack_count = (uint32_t)num(optarg); break;
		case 'b': o.boot = num(optarg); break;
		case 'x': o.next_seq = num(optarg); break;
		case 'N': o.nodes = (uint32_t)num(optarg); break;
		case 'B': o.label = optarg; break;
		case 'n': o.count = num(optarg); break;
		case 'r': o.rate = num(optarg); break;
		case 'P': o.vary_port = (uint32_t)num(optarg); break;
		case 'I': o.vary_ip = (uint32_t)num(optarg); break;
		case 'C': o.vary_channel = (uint32_t)num(optarg); break;
		case 'h': o.hash_bits = (uint32_t)num(optarg); break;
		case 'V': o.vary_seq = true; break;
		case 'F': bad |= parse_ip(optarg, &o.f_src_ip); break;
		case 'T': bad |= parse_ip(optarg, &o.f_dst_ip); break;
		case 'y': o.f_types = parse_types(optarg);
			bad |= o.f_types == 0 ? -1 : 0; break;
		case 'O': o.f_origin = true; break;
		case 'A': o.f_arp = true; break;
		case 'w': o.seconds = strtod(optarg, NULL); break;
		case 'W': o.file = optarg; break;
		case 'a': o.op = optarg; break;
		case 'E': o.members = (uint32_t)num(optarg); break;
		case 'G': o.port_every = (uint32_t)num(optarg); break;
		case 'J': o.name_every = (uint32_t)num(optarg); break;
		case 'K': bad |= parse_mac(optarg, o.claim_mac);
			o.have_claim_mac = true; break;
		case 'u': o.number = num(optarg); break;
		case 'v': o.level = (uint8_t)num(optarg); break;
		case 'X': o.client = num(optarg); break;
		case 'Y': bad |= parse_addr(optarg, &o.via_ip, &o.via_port);
			break;
		default: usage(stderr); return 2;
		}
	}
	if (o.port_every == 0 || o.name_every == 0)
		bad = 1;
	if (bad) {
		fprintf(stderr, "rumor-attack: a bad address, MAC or list\n");
		return 2;
	}
	if (strcmp(cmd, "owner") == 0)
		return cmd_owner(&o, argc - optind, argv + optind);
	if (strcmp(cmd, "learn") == 0)
		return cmd_learn(&o);
	if (strcmp(cmd, "ackpub") == 0)
		return cmd_ackpub(&o);
	if (o.iface == NULL && !(strcmp(cmd, "send") == 0 && o.udp)) {
		fprintf(stderr, "rumor-attack: --iface is required\n");
		return 2;
	}
	if (strcmp(cmd, "send") == 0)
		return cmd_send(&o);
	if (strcmp(cmd, "arp") == 0)
		return cmd_arp(&o);
	if (strcmp(cmd, "count") == 0)
		return cmd_count(&o, false);
	if (strcmp(cmd, "capture") == 0 && o.file != NULL)
		return cmd_count(&o, true);
	if (strcmp(cmd, "replay") == 0 && o.file != NULL)
		return cmd_replay(&o);

	usage(stderr);
	return 2;
}
