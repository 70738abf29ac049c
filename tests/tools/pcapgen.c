/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor-pcapgen: write a pcap file of rumor DATA frames addressed to one
 * node, for replay with net_pcap (benchmarks) or tcpreplay. Channels are
 * "ch-0" .. "ch-(C-1)", taken round-robin. With --config it also says how
 * many of the frames the node owns and how many it must forward.
 *
 * For the channel benchmarks: --owned-by picks the first C names that a
 * member owns instead; --interest N puts, before the DATA frames, an
 * INTEREST per channel from each of N members (the node's audience without
 * a live cluster); --subscribe writes one SUBSCRIBE per channel and no
 * DATA.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/chan_wire.h"
#include "rumor/cli_args.h"
#include "rumor/config.h"
#include "rumor/node_auth.h"
#include "rumor/node_keys.h"
#include "rumor/ring.h"
#include "rumor/wire.h"
#include "rumor/cksum.h"
#include "rumor/parse.h"

struct pcap_file_hdr {
	uint32_t magic;
	uint16_t major, minor;
	int32_t zone;
	uint32_t sigfigs, snaplen, linktype;
};

struct pcap_rec_hdr {
	uint32_t sec, usec, caplen, len;
};

/* The UDP checksum of a datagram, as a sending host computes it. */
static uint16_t
udp_cksum(const struct ipv4_hdr *ip, const struct udp_hdr *udp, size_t len)
{
	uint8_t buf[12 + 1600];
	uint16_t ulen = htons((uint16_t)len), c;

	memcpy(buf, &ip->src, 4);
	memcpy(buf + 4, &ip->dst, 4);
	buf[8] = 0;
	buf[9] = IPPROTO_UDP;
	memcpy(buf + 10, &ulen, 2);
	memcpy(buf + 12, udp, len);
	c = (uint16_t)~cksum_sum(buf, 12 + len);
	return c != 0 ? c : 0xffff;
}

/* One Ethernet/IPv4/UDP frame around the n-byte datagram dgram. */
static void
write_frame(FILE *f, const uint8_t dst_mac[6], const uint8_t src_mac[6],
		uint32_t src_ip, uint32_t dst_ip, unsigned sport,
		unsigned dport, const uint8_t *dgram, size_t n, unsigned idx)
{
	uint8_t frame[1600] = { 0 };
	struct eth_hdr *eth = (void *)frame;
	struct ipv4_hdr *ip = (void *)(frame + FRAME_IP_OFF);
	struct udp_hdr *udp = (void *)(frame + FRAME_UDP_OFF);
	struct pcap_rec_hdr rh;
	size_t flen;

	memcpy(frame + FRAME_RUMOR_OFF, dgram, n);
	memcpy(eth->dst, dst_mac, 6);
	memcpy(eth->src, src_mac, 6);
	eth->type = htons(ETH_TYPE_IPV4);
	ip->version_ihl = IPV4_VERSION_IHL;
	ip->total_len = htons((uint16_t)(20 + 8 + n));
	ip->ttl = 64;
	ip->proto = IPPROTO_UDP;
	ip->src = src_ip;
	ip->dst = dst_ip;
	ip->check = cksum_ipv4_hdr(ip);
	udp->src_port = htons((uint16_t)sport);
	udp->dst_port = htons((uint16_t)dport);
	udp->len = htons((uint16_t)(8 + n));
	udp->check = udp_cksum(ip, udp, 8 + n);
	flen = FRAME_RUMOR_OFF + n;
	if (flen < 60)
		flen = 60;	/* Ethernet minimum, padded with zeros. */
	rh.sec = idx / 1000000;
	rh.usec = idx % 1000000;
	rh.caplen = rh.len = (uint32_t)flen;
	fwrite(&rh, sizeof(rh), 1, f);
	fwrite(frame, flen, 1, f);
}

/*
 * A SUBSCRIBE (origin 0) or an INTEREST (origin: a member) of chan (len
 * bytes), request seq, for the longest lease, into dg: its length or 0.
 */
static size_t
lease_encode(uint8_t dg[RUMOR_DATAGRAM_MAX], uint8_t type, uint32_t origin,
		uint64_t seq, const char *chan, size_t len)
{
	struct chan_msg cm;

	chan_msg_init(&cm, type, chan, len);
	cm.origin = origin;
	cm.seq = seq;
	cm.u.lease.lease_ms = CHAN_LEASE_MAX_MS;
	return chan_msg_encode(&cm, dg, RUMOR_DATAGRAM_MAX);
}

/* A number option: 0 or more; bad text is said and exits. */
static unsigned
pcapgen_num(const char *opt)
{
	return (unsigned)cli_args_u64_or_die("rumor-pcapgen", opt, optarg, 0,
			UINT_MAX);
}

/* Name channel i: "ch-i", or the i-th such name member `by` owns. */
static int
chan_name(char *buf, size_t cap, unsigned i, const struct ring_table *ring,
		uint32_t by)
{
	static unsigned next, found;	/* Scanning state for by != 0. */
	static unsigned *map, cap_map;
	int len;

	if (by == 0 || ring == NULL)
		return snprintf(buf, cap, "ch-%u", i);
	if (i >= cap_map) {
		unsigned n = (i + 1) * 2;
		unsigned *m = realloc(map, n * sizeof(*m));

		if (m == NULL)
			return -1;
		map = m;
		cap_map = n;
	}
	while (found <= i) {
		len = snprintf(buf, cap, "ch-%u", next);
		if (ring_owner(ring, ring_channel_hash(buf, (size_t)len)) ==
				by)
			map[found++] = next;
		next++;
		if (next > 100000000u)
			return -1;
	}
	return snprintf(buf, cap, "ch-%u", map[i]);
}

static const struct option pcapgen_options[] = {
	CLI_ARGS_OPT("out", 'o'),
	CLI_ARGS_OPT("dst-mac", 'm'),
	CLI_ARGS_OPT("dst-ip", 'i'),
	CLI_ARGS_OPT("dst-port", 'p'),
	CLI_ARGS_OPT("src-ip", 's'),
	CLI_ARGS_OPT("count", 'n'),
	CLI_ARGS_OPT("channels", 'C'),
	CLI_ARGS_OPT("payload", 'P'),
	CLI_ARGS_OPT("config", 'c'),
	CLI_ARGS_OPT("src-port", 'S'),
	CLI_ARGS_OPT("owned-by", 'B'),
	CLI_ARGS_OPT("interest", 'I'),
	CLI_ARGS_OPT("creds", 'K'),
	CLI_ARGS_FLAG("subscribe", 'U'),
	CLI_ARGS_HELP,
	CLI_ARGS_END,
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: rumor-pcapgen -o FILE --dst-mac MAC --dst-ip IP [options]\n"
"  -o, --out FILE        pcap file to write\n"
"      --dst-mac MAC     destination MAC (the node's port)\n"
"      --dst-ip IP       destination IPv4 (the node's address)\n"
"      --dst-port N      destination UDP port (default 7946)\n"
"      --src-ip IP       source IPv4 (default 192.0.2.1)\n"
"      --count N         frames (default 4096)\n"
"      --channels N      distinct channels (default 1024)\n"
"      --payload N       payload bytes per message (default 16)\n"
"      --src-port N      source UDP port (default 40000 + frame %% 64)\n"
"      --config FILE     report how many frames the node owns\n"
"      --owned-by ID     channels: the first N names ch-K that member ID\n"
"                        owns (needs --config)\n"
"      --interest N      first, one INTEREST (lease 300 s) per channel from\n"
"                        each of N members other than the node, from their\n"
"                        addresses and ports (needs --config)\n"
"      --creds DIR       the INTERESTs carry the auth block under the\n"
"                        member's key DIR/nID.key and the node's line\n"
"                        of DIR/roster\n"
"      --subscribe       one SUBSCRIBE (lease 300 s) per channel from the\n"
"                        source address, and no DATA\n");
}

/*
 * The INTEREST at dg (n bytes) from member id to node to, with the auth
 * block under K(id -> to): the new length, or 0.
 */
static size_t
pcapgen_auth(uint8_t *dg, size_t n, const char *dir, uint32_t id,
		uint32_t to, uint64_t ctr)
{
	char path[PATH_MAX], err[256];
	struct node_key k;
	struct roster r;
	const struct roster_node *rn;
	struct pair_keys kt, kf;
	size_t out = 0;

	snprintf(path, sizeof(path), "%s/n%u.key", dir, id);
	if (node_key_load(path, &k, err, sizeof(err)) < 0) {
		fprintf(stderr, "rumor-pcapgen: %s\n", err);
		return 0;
	}
	snprintf(path, sizeof(path), "%s/roster", dir);
	if (roster_load(path, &r, err, sizeof(err)) < 0) {
		fprintf(stderr, "rumor-pcapgen: %s\n", err);
		node_key_wipe(&k);
		return 0;
	}
	rn = roster_find(&r, to);
	if (rn != NULL && pair_keys_derive(&k, to, rn->xpk[rn->n - 1], &kt,
			&kf) == 0)
		out = node_auth_insert(dg, n, RUMOR_DATAGRAM_MAX, kt.dp, 0,
				ctr);
	if (out == 0)
		fprintf(stderr, "rumor-pcapgen: no auth block from %u to %u\n",
				id, to);
	roster_free(&r);
	node_key_wipe(&k);
	return out;
}

int
main(int argc, char **argv)
{
	const char *out = NULL, *cfg_path = NULL;
	uint8_t dst_mac[6] = { 0 }, src_mac[6] = { 2, 0, 0, 0, 0xee, 1 };
	uint32_t dst_ip = 0, src_ip = htonl(0xc0000201);
	unsigned dst_port = RUMOR_DEFAULT_PORT, count = 4096, channels = 1024;
	unsigned payload = 16, owned = 0, src_port = 0, owned_by = 0;
	unsigned interest = 0, frame = 0;
	const char *creds = NULL;
	uint64_t auth_ctr = 1;
	bool subscribe = false;
	struct rumor_config cfg = { 0 };
	struct ring_table *ring = NULL;
	int c, have_mac = 0;
	FILE *f;

	while ((c = cli_args_next(argc, argv, "o:h", pcapgen_options,
			usage)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'm': have_mac = config_parse_mac(optarg, dst_mac) == 0; break;
		case 'i':
			if (inet_pton(AF_INET, optarg, &dst_ip) != 1)
				dst_ip = 0;
			break;
		case 's':
			if (inet_pton(AF_INET, optarg, &src_ip) != 1) {
				fprintf(stderr, "bad --src-ip\n");
				return 2;
			}
			break;
		case 'p': dst_port = pcapgen_num("--dst-port"); break;
		case 'n': count = pcapgen_num("--count"); break;
		case 'C': channels = pcapgen_num("--channels"); break;
		case 'P': payload = pcapgen_num("--payload"); break;
		case 'c': cfg_path = optarg; break;
		case 'S': src_port = pcapgen_num("--src-port"); break;
		case 'B': owned_by = pcapgen_num("--owned-by"); break;
		case 'I': interest = pcapgen_num("--interest"); break;
		case 'K': creds = optarg; break;
		default: subscribe = true; break;	/* 'U' */
		}
	}
	if (out == NULL || !have_mac || dst_ip == 0 || count == 0 ||
			channels == 0 || dst_port == 0 || dst_port > 65535 ||
			payload > RUMOR_DATAGRAM_MAX - sizeof(struct rumor_hdr)
			- 16 || src_port > 65535 ||
			((owned_by != 0 || interest != 0) && cfg_path == NULL)) {
		usage(stderr);
		return 2;
	}
	if (cfg_path != NULL) {
		char err[CONFIG_ERR_MAX];
		struct ring_member *m;
		uint32_t slots;

		if (config_load(cfg_path, &cfg, err, sizeof(err)) < 0) {
			fprintf(stderr, "rumor-pcapgen: %s\n", err);
			return 1;
		}
		m = config_ring_members(&cfg);
		if (m == NULL)
			return 1;
		slots = ring_table_slots(m, cfg.n_members);
		ring = malloc(ring_table_bytes(slots));
		if (ring == NULL || ring_table_build(ring, m, cfg.n_members,
				1) < 0) {
			fprintf(stderr, "rumor-pcapgen: cannot build ring\n");
			return 1;
		}
		free(m);
	}

	f = fopen(out, "wb");
	if (f == NULL) {
		perror(out);
		return 1;
	}
	struct pcap_file_hdr fh = { 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1 };
	fwrite(&fh, sizeof(fh), 1, f);
	/* The audience first: INTERESTs from members, or SUBSCRIBEs. */
	for (unsigned i = 0; i < channels && (interest != 0 || subscribe);
			i++) {
		uint8_t dg[RUMOR_DATAGRAM_MAX];
		char chan[32];
		unsigned from = 0;
		int clen = chan_name(chan, sizeof(chan), i, ring, owned_by);

		if (clen < 0) {
			fprintf(stderr, "rumor-pcapgen: no channel names\n");
			return 1;
		}
		for (uint32_t k = 0; k < cfg.n_members && from < interest;
				k++) {
			const struct config_member *mb = &cfg.members[k];
			size_t n;

			if (mb->id == cfg.node_id)
				continue;
			from++;
			n = lease_encode(dg, RUMOR_T_INTEREST, mb->id, i + 1,
					chan, (size_t)clen);
			if (n == 0)
				return 1;
			if (creds != NULL && (n = pcapgen_auth(dg, n, creds,
					mb->id, cfg.node_id, auth_ctr++)) == 0)
				return 1;
			write_frame(f, dst_mac, src_mac, mb->ip, dst_ip,
					mb->udp_port, dst_port, dg, n,
					frame++);
		}
		if (subscribe) {
			size_t n = lease_encode(dg, RUMOR_T_SUBSCRIBE, 0, i + 1,
					chan, (size_t)clen);

			if (n == 0)
				return 1;
			write_frame(f, dst_mac, src_mac, src_ip, dst_ip,
					src_port != 0 ? src_port : 40000,
					dst_port, dg, n, frame++);
		}
	}
	for (unsigned i = 0; i < count && !subscribe; i++) {
		uint8_t dg[RUMOR_DATAGRAM_MAX], body[RUMOR_DATAGRAM_MAX];
		char chan[32];
		struct rumor_msg msg = { 0 };
		size_t n;
		int clen = chan_name(chan, sizeof(chan), i % channels, ring,
				owned_by);

		if (clen < 0) {
			fprintf(stderr, "rumor-pcapgen: no channel names\n");
			return 1;
		}
		msg.type = RUMOR_T_DATA;
		msg.hop_limit = RUMOR_DEFAULT_HOP_LIMIT;
		msg.seq = i;
		msg.channel = chan;
		msg.channel_len = (size_t)clen;
		msg.channel_hash = ring_channel_hash(chan, (size_t)clen);
		memset(body, 'x', sizeof(body));
		msg.payload = body;
		msg.payload_len = payload;
		n = rumor_msg_encode(dg, sizeof(dg), &msg);
		if (ring != NULL && ring_owner(ring, msg.channel_hash) ==
				cfg.node_id)
			owned++;
		write_frame(f, dst_mac, src_mac, src_ip, dst_ip,
				src_port != 0 ? src_port : 40000 + (i % 64),
				dst_port, dg, n, frame++);
	}
	if (fclose(f) != 0) {
		perror(out);
		return 1;
	}
	if (ring != NULL)
		printf("frames %u owned %u forward %u\n", count, owned,
				count - owned);
	free(ring);
	config_free(&cfg);
	return 0;
}
