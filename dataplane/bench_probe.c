/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --bench-probe: the latency probe of scripts/bench-e2e.sh, a publisher
 * and a subscriber on DPDK ports of this process (benchmarks only).
 *
 * The publisher sends rumor PUBLISH (DATA, origin 0) from port `gen`,
 * whose net_memif peer is this node's own port `to`, at `rate` messages
 * a second, each stamped with CLOCK_MONOTONIC when it is sent. The
 * subscriber SUBSCRIBEs from port `sink` at the node `node` (another
 * process, the channel's owner, whose subscriber-facing port is the
 * net_memif peer of `sink`) and timestamps each DELIVER of the probe's
 * messages when it is received: the one-way latency of publisher -> this
 * node -> ... -> the owner -> subscriber, every hop a real device, on one
 * host clock. Messages are rumor-krelay's: "KRLY", an index and the send
 * time, then filler, so that the kernel relay's figures compare.
 *
 * Why inside the node: on a machine with fewer CPUs than busy-polling
 * processes, a probe process of its own could only look at its ports
 * after a sleep, which costs tens of microseconds in a VM, more than the
 * hops it would measure. Here the forwarding lcore polls the probe's
 * ports as it polls every port, and ethdev RX callbacks do the work:
 * a callback on `gen` publishes when a message is due, one on `sink`
 * takes the DELIVERs before the node sees them. Without the option no
 * callback is registered and the forwarding path is the one the
 * benchmarks measure (rte_eth_rx_burst tests its callback list either
 * way). One forwarding lcore only: the callbacks run on queue 0.
 *
 * --bench-probe gen=P,to=Q,sink=S,node=IP:PORT,node-mac=MAC,channel=NAME
 *               [,rate=R][,size=B][,secs=S][,skip=S][,pub=IP:PORT]
 *               [,sub=IP:PORT]
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "rumor/chan_wire.h"
#include "rumor/cli_args.h"
#include "rumor/clock.h"
#include "rumor/config.h"
#include "rumor/latency.h"
#include "rumor/wire.h"
#include "bench_probe.h"
#include "dp.h"

#define PROBE_LAT_MAX (1u << 22)	/* Latency samples kept. */
#define PROBE_SUB_EVERY_MS 250u	/* SUBSCRIBE again until acknowledged. */
#define PROBE_SUB_REQ 1u	/* Its request id: retries keep it. */
#define PROBE_FRAME_MAX (FRAME_RUMOR_OFF + RUMOR_DATAGRAM_MAX)

enum probe_state { PROBE_SUBSCRIBING, PROBE_RUNNING, PROBE_DONE };

static struct probe {
	/* The specification. */
	uint16_t gen, to, sink;
	uint32_t node_ip, pub_ip, sub_ip;	/* Network order. */
	uint16_t node_port, pub_port, sub_port;	/* Network order. */
	uint8_t node_mac[6];
	char channel[RUMOR_CHANNEL_MAX + 1];
	double rate, secs, skip;
	unsigned size;
	/* Run state: the queue-0 lcore only, read at exit. */
	enum probe_state state;
	uint64_t hz, next_sub, t0, period, end;	/* TSC. */
	uint64_t count_from_ns;	/* Send times before it are not counted. */
	uint64_t sent, tx_fail, received, counted, subscribes;
	uint16_t ip_id;
	uint8_t pub[PROBE_FRAME_MAX];	/* The PUBLISH frame, unstamped. */
	uint32_t pub_len, stamp_off;
	struct lat_samples lat;
	const struct rte_eth_rxtx_callback *cb_gen, *cb_sink;
} *pr;

/* "A.B.C.D:PORT": ip and port in network byte order. */
static int
parse_addr(const char *s, uint32_t *ip, uint16_t *port)
{
	struct sockaddr_in sa;

	if (cli_args_addr(s, &sa) < 0)
		return -1;
	*ip = sa.sin_addr.s_addr;
	*port = sa.sin_port;
	return 0;
}

static int
parse_port(const char *s, uint16_t *out)
{
	uint64_t v;

	if (dp.n_ports == 0 || cli_args_u64(s, 0, dp.n_ports - 1u, &v) < 0)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

static int
parse_num(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (*s == '\0' || *end != '\0' || !(v >= lo && v <= hi))
		return -1;
	*out = v;
	return 0;
}

static int
parse_spec(struct probe *p, const char *spec)
{
	char *copy = strdup(spec), *save = NULL, *tok;
	unsigned seen = 0;
	int rc = 0;
	double size = 64;

	if (copy == NULL)
		return -1;
	p->rate = 10000;
	p->secs = 5;
	p->skip = 1;
	inet_pton(AF_INET, "192.0.2.1", &p->pub_ip);	/* TEST-NET-1. */
	inet_pton(AF_INET, "192.0.2.2", &p->sub_ip);
	p->pub_port = p->sub_port = htons(9000);
	for (tok = strtok_r(copy, ",", &save); tok != NULL && rc == 0;
			tok = strtok_r(NULL, ",", &save)) {
		char *v = strchr(tok, '=');

		if (v == NULL) {
			rc = -1;
			break;
		}
		*v++ = '\0';
		if (strcmp(tok, "gen") == 0) {
			rc = parse_port(v, &p->gen);
			seen |= 1;
		} else if (strcmp(tok, "to") == 0) {
			rc = parse_port(v, &p->to);
			seen |= 2;
		} else if (strcmp(tok, "sink") == 0) {
			rc = parse_port(v, &p->sink);
			seen |= 4;
		} else if (strcmp(tok, "node") == 0) {
			rc = parse_addr(v, &p->node_ip, &p->node_port);
			seen |= 8;
		} else if (strcmp(tok, "node-mac") == 0) {
			rc = config_parse_mac(v, p->node_mac);
			seen |= 16;
		} else if (strcmp(tok, "channel") == 0) {
			size_t n = strlen(v);

			if (n == 0 || n > RUMOR_CHANNEL_MAX ||
					chan_is_broadcast(v, n))
				rc = -1;
			else
				memcpy(p->channel, v, n + 1);
			seen |= 32;
		} else if (strcmp(tok, "rate") == 0) {
			rc = parse_num(v, 1, 1e7, &p->rate);
		} else if (strcmp(tok, "size") == 0) {
			rc = parse_num(v, LAT_STAMP_LEN, 1400, &size);
		} else if (strcmp(tok, "secs") == 0) {
			rc = parse_num(v, 0.1, 86400, &p->secs);
		} else if (strcmp(tok, "skip") == 0) {
			rc = parse_num(v, 0, 86400, &p->skip);
		} else if (strcmp(tok, "pub") == 0) {
			rc = parse_addr(v, &p->pub_ip, &p->pub_port);
		} else if (strcmp(tok, "sub") == 0) {
			rc = parse_addr(v, &p->sub_ip, &p->sub_port);
		} else {
			rc = -1;
		}
		if (rc < 0)
			fprintf(stderr, "rumor-dataplane: --bench-probe: bad "
					"'%s'\n", tok);
	}
	free(copy);
	p->size = (unsigned)size;
	if (rc == 0 && seen != 63) {
		fprintf(stderr, "rumor-dataplane: --bench-probe needs gen, to, "
				"sink, node, node-mac and channel\n");
		rc = -1;
	}
	if (rc == 0 && (p->gen == p->to || p->gen == p->sink ||
			p->to == p->sink)) {
		fprintf(stderr, "rumor-dataplane: --bench-probe: gen, to and "
				"sink are three different ports\n");
		rc = -1;
	}
	if (rc == 0 && p->size > chan_payload_max(strlen(p->channel))) {
		fprintf(stderr, "rumor-dataplane: --bench-probe: size above "
				"the channel's largest message\n");
		rc = -1;
	}
	return rc;
}

/* Ethernet, IPv4 and UDP around the n-byte datagram already at f + 42. */
static void
frame_wrap(uint8_t *f, const uint8_t dst_mac[6], const uint8_t src_mac[6],
		uint32_t src_ip, uint16_t src_port, uint32_t dst_ip,
		uint16_t dst_port, size_t n, uint16_t ip_id)
{
	struct eth_hdr *eth = (void *)f;
	struct ipv4_hdr *ip = (void *)(f + FRAME_IP_OFF);
	struct udp_hdr *udp = (void *)(f + FRAME_UDP_OFF);
	uint32_t sum;
	uint16_t c;

	memcpy(eth->dst, dst_mac, 6);
	memcpy(eth->src, src_mac, 6);
	eth->type = htons(ETH_TYPE_IPV4);
	ip->version_ihl = IPV4_VERSION_IHL;
	ip->tos = 0;
	ip->total_len = htons((uint16_t)(20 + 8 + n));
	ip->id = htons(ip_id);
	ip->frag_off = htons(0x4000);
	ip->ttl = 64;
	ip->proto = IPPROTO_UDP;
	ip->check = 0;
	ip->src = src_ip;
	ip->dst = dst_ip;
	ip->check = cksum_ipv4_hdr(ip);
	udp->src_port = src_port;
	udp->dst_port = dst_port;
	udp->len = htons((uint16_t)(8 + n));
	udp->check = 0;
	/* Pseudo header, then the UDP header and datagram, as a host sums. */
	sum = cksum_words32(src_ip) + cksum_words32(dst_ip) +
			htons(IPPROTO_UDP) + udp->len +
			cksum_sum(udp, 8 + n);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	c = (uint16_t)~sum;
	udp->check = c != 0 ? c : 0xffff;
}

/* Send the frame f (len bytes) on port, queue 0; false if not taken. */
static bool
frame_send(uint16_t port, const uint8_t *f, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.port[port].pool);
	uint8_t *d;

	if (m == NULL)
		return false;
	d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(len < 60 ? 60 : len));
	if (d == NULL) {
		rte_pktmbuf_free(m);
		return false;
	}
	memcpy(d, f, len);
	if (len < 60)
		memset(d + len, 0, 60 - len);	/* Ethernet minimum. */
	if (rte_eth_tx_burst(port, 0, &m, 1) == 1)
		return true;
	rte_pktmbuf_free(m);
	return false;
}

/* The PUBLISH frame to this node's port `to`, stamped when sent. */
static int
pub_template(struct probe *p)
{
	size_t n = lat_publish_encode(p->pub + FRAME_RUMOR_OFF,
			sizeof(p->pub) - FRAME_RUMOR_OFF, p->channel, p->size);

	if (n == 0)
		return -1;
	p->pub_len = (uint32_t)(FRAME_RUMOR_OFF + n);
	p->stamp_off = (uint32_t)(p->pub_len - p->size);
	frame_wrap(p->pub, dp.port[p->to].self.mac, dp.port[p->gen].self.mac,
			p->pub_ip, p->pub_port, dp.cfg.address,
			htons(dp.cfg.udp_port), n, 0);
	return 0;
}

static void
publish(struct probe *p)
{
	uint8_t *f = p->pub;

	lat_stamp(f + p->stamp_off, LAT_MAGIC_KRELAY, p->sent + p->tx_fail,
			rumor_now_ns());
	frame_wrap(f, dp.port[p->to].self.mac, dp.port[p->gen].self.mac,
			p->pub_ip, p->pub_port, dp.cfg.address,
			htons(dp.cfg.udp_port), p->pub_len - FRAME_RUMOR_OFF,
			p->ip_id++);
	if (frame_send(p->gen, f, p->pub_len))
		p->sent++;
	else
		p->tx_fail++;
}

static void
subscribe(struct probe *p)
{
	uint8_t f[PROBE_FRAME_MAX];
	struct chan_msg m;
	size_t n;

	chan_msg_init(&m, RUMOR_T_SUBSCRIBE, p->channel, strlen(p->channel));
	m.seq = PROBE_SUB_REQ;
	m.u.lease.lease_ms = CHAN_LEASE_MAX_MS;
	n = chan_msg_encode(&m, f + FRAME_RUMOR_OFF,
			sizeof(f) - FRAME_RUMOR_OFF);
	if (n == 0)
		return;
	frame_wrap(f, p->node_mac, dp.port[p->sink].self.mac, p->sub_ip,
			p->sub_port, p->node_ip, p->node_port, n, p->ip_id++);
	if (frame_send(p->sink, f, (uint32_t)(FRAME_RUMOR_OFF + n)))
		p->subscribes++;
}

/* Port gen: publish when due; whatever the node's port sends is dropped. */
static uint16_t
gen_cb(uint16_t port, uint16_t queue, struct rte_mbuf *pkts[], uint16_t n,
		uint16_t max, void *arg)
{
	struct probe *p = arg;
	uint64_t now;

	(void)port;
	(void)queue;
	(void)max;
	if (n > 0)
		rte_pktmbuf_free_bulk(pkts, n);
	if (p->state != PROBE_RUNNING)
		return 0;
	now = rte_rdtsc();
	if (now >= p->end) {
		p->state = PROBE_DONE;
		return 0;
	}
	/* One at a time: late ones go on the next polls, as krelay's gen. */
	if (now - p->t0 >= (p->sent + p->tx_fail) * p->period)
		publish(p);
	return 0;
}

/* One frame on port sink: a DELIVER of the probe's, or the SUB_ACK. */
static void
sink_frame(struct probe *p, struct rte_mbuf *m, uint64_t now)
{
	uint8_t buf[PROBE_FRAME_MAX];
	const uint8_t *f;
	const struct ipv4_hdr *ip;
	const struct udp_hdr *udp;
	const struct rumor_hdr *h;
	uint64_t sent;
	uint32_t len = m->pkt_len < sizeof(buf) ? m->pkt_len : sizeof(buf);
	size_t dlen, off;

	f = rte_pktmbuf_read(m, 0, len, buf);
	if (f == NULL || len < FRAME_RUMOR_OFF + sizeof(*h))
		return;
	ip = (const void *)(f + FRAME_IP_OFF);
	udp = (const void *)(f + FRAME_UDP_OFF);
	if (ip->version_ihl != IPV4_VERSION_IHL || ip->proto != IPPROTO_UDP ||
			ip->dst != p->sub_ip || udp->dst_port != p->sub_port)
		return;
	dlen = ntohs(udp->len) - 8u;
	if (ntohs(udp->len) < 8 || FRAME_RUMOR_OFF + dlen > len ||
			rumor_hdr_check(f + FRAME_RUMOR_OFF, dlen) !=
			RUMOR_HDR_OK)
		return;
	h = (const void *)(f + FRAME_RUMOR_OFF);
	if (h->type == RUMOR_T_SUB_ACK) {
		struct chan_msg a;

		if (chan_msg_decode(f + FRAME_RUMOR_OFF, dlen, &a) ==
				CHAN_WIRE_OK && a.seq == PROBE_SUB_REQ &&
				a.u.ack.status == CHAN_ST_OK &&
				a.u.ack.lease_ms > 0 &&
				p->state == PROBE_SUBSCRIBING) {
			p->state = PROBE_RUNNING;
			p->t0 = rte_rdtsc();
			p->end = p->t0 + (uint64_t)(p->secs * (double)p->hz);
			p->count_from_ns = rumor_now_ns() +
					(uint64_t)(p->skip * 1e9);
		}
		return;
	}
	if (h->type != RUMOR_T_DELIVER)
		return;
	off = sizeof(*h) + ntohs(h->channel_len) + CHAN_ORD_LEN;
	if (dlen < off || !lat_stamp_read(f + FRAME_RUMOR_OFF + off,
			dlen - off, LAT_MAGIC_KRELAY, NULL, &sent))
		return;
	p->received++;
	if (sent < p->count_from_ns)
		return;
	p->counted++;
	lat_samples_add(&p->lat, now - sent);
}

/* Port sink: DELIVERs timed and dropped; SUBSCRIBE until acknowledged. */
static uint16_t
sink_cb(uint16_t port, uint16_t queue, struct rte_mbuf *pkts[], uint16_t n,
		uint16_t max, void *arg)
{
	struct probe *p = arg;

	(void)port;
	(void)queue;
	(void)max;
	if (n > 0) {
		uint64_t now = rumor_now_ns();

		for (uint16_t i = 0; i < n; i++)
			sink_frame(p, pkts[i], now);
		rte_pktmbuf_free_bulk(pkts, n);
	}
	if (unlikely(p->state == PROBE_SUBSCRIBING)) {
		uint64_t t = rte_rdtsc();

		if (t >= p->next_sub) {
			subscribe(p);
			p->next_sub = t + p->hz / 1000 * PROBE_SUB_EVERY_MS;
		}
	}
	return 0;
}

int
bench_probe_init(const char *spec)
{
	struct probe *p;

	if (dp.n_lcores != 1) {
		fprintf(stderr, "rumor-dataplane: --bench-probe needs exactly "
				"one forwarding lcore\n");
		return -1;
	}
	p = rte_zmalloc("rumor_probe", sizeof(*p), RTE_CACHE_LINE_SIZE);
	if (p == NULL)
		return -1;
	pr = p;
	if (parse_spec(p, spec) < 0 || pub_template(p) < 0)
		return -1;
	if (lat_samples_init(&p->lat, PROBE_LAT_MAX) < 0)
		return -1;
	p->hz = rte_get_tsc_hz();
	p->period = (uint64_t)((double)p->hz / p->rate);
	p->state = PROBE_SUBSCRIBING;
	p->cb_gen = rte_eth_add_rx_callback(p->gen, 0, gen_cb, p);
	p->cb_sink = rte_eth_add_rx_callback(p->sink, 0, sink_cb, p);
	if (p->cb_gen == NULL || p->cb_sink == NULL) {
		fprintf(stderr, "rumor-dataplane: --bench-probe: cannot add RX "
				"callbacks: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

void
bench_probe_report(FILE *f)
{
	struct probe *p = pr;

	if (p == NULL || p->lat.ns == NULL)
		return;
	lat_samples_sort(&p->lat);
	fprintf(f, "probe: sent=%llu tx_fail=%llu received=%llu "
			"counted=%llu subscribes=%llu p50_us=%.2f p90_us=%.2f "
			"p99_us=%.2f max_us=%.2f\n",
			(unsigned long long)p->sent,
			(unsigned long long)p->tx_fail,
			(unsigned long long)p->received,
			(unsigned long long)p->counted,
			(unsigned long long)p->subscribes,
			lat_pct_us(&p->lat, 50), lat_pct_us(&p->lat, 90),
			lat_pct_us(&p->lat, 99), lat_pct_us(&p->lat, 100));
}

/* After the lcores stopped, before the ports close. */
void
bench_probe_free(void)
{
	struct probe *p = pr;

	if (p == NULL)
		return;
	if (p->cb_gen != NULL &&
			rte_eth_remove_rx_callback(p->gen, 0, p->cb_gen) == 0)
		rte_free((void *)(uintptr_t)p->cb_gen);
	if (p->cb_sink != NULL &&
			rte_eth_remove_rx_callback(p->sink, 0, p->cb_sink) == 0)
		rte_free((void *)(uintptr_t)p->cb_sink);
	lat_samples_free(&p->lat);
	rte_free(p);
	pr = NULL;
}
