/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread's channel work (docs/channels.md, "Who owns what"):
 * it takes the INTEREST, INTEREST_ACK, HANDOFF_REQ and HANDOFF the lcores
 * punt from members (first), then the SUBSCRIBE and UNSUBSCRIBE from
 * clients, keeps the book of audiences (chan_book.c) with its limits
 * and leases, answers with SUB_ACK and INTEREST_ACK, holds this node's
 * interest at each owner, and publishes every changed audience as a new
 * immutable entry of the audience table, freeing the old one after a
 * QSBR grace period. It is the table's only writer. Its HANDOFF work is
 * chan_ctl_handoff.c's, over the state both share (chan_ctl.h); it also
 * books the channels acked PUBLISHes alone keep (on_kept).
 */
#define _LGPL_SOURCE
#include <urcu/urcu-qsbr.h>

#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_random.h>
#include <rte_ring.h>

#include "chan.h"
#include "chan_ctl.h"
#include "rumor/chan_book.h"
#include "rumor/repl_wire.h"
#include "dp.h"
#include "send.h"
#include "session.h"
#include "token_bucket.h"

#define CHAN_AUDIENCE_TIMER_MS 50u		/* Leases and interests checked. */
#define CHAN_KEPT_LEASE_MS CHAN_LEASE_MAX_MS	/* A channel booked for acked
						 * PUBLISHes alone. */
#define CHAN_INTEREST_RETRY_MS 250u	/* An unanswered INTEREST again. */
#define CHAN_HO_ANSWER_RATE 10000u	/* HANDOFFs answered a second... */
#define CHAN_HO_ANSWER_BURST 4096u	/* ... in bursts of up to this (a
					 * ring change moves many). */


struct chan_ctl cc;

static struct aud_table *aud_alloc(void);

int
chan_audience_init(void)
{
	if (book_init(&cc.book, &dp.cfg.chan_limits, rte_rand() | 1) < 0)
		return -1;
	cc.hz_ms = rte_get_tsc_hz() / 1000;
	cc.req = rte_rand() >> 8;
	token_bucket_init(&cc.ho_answers, rte_get_tsc_hz(),
			CHAN_HO_ANSWER_RATE, CHAN_HO_ANSWER_BURST, rte_rdtsc());
	dp.member_punt = rte_ring_create("rumor_member_punt",
			DP_MEMBER_RING_SIZE, (int)rte_socket_id(),
			RING_F_SC_DEQ);
	if (dp.member_punt == NULL)
		return -1;
	dp.aud = aud_alloc();
	return dp.aud != NULL ? 0 : -1;
}

void
chan_audience_free(void)
{
	if (dp.aud != NULL)
		for (uint32_t i = 0; i <= dp.aud->mask; i++)
			if (dp.aud->slot[i] != NULL &&
					dp.aud->slot[i] != AUD_TOMB) {
				/* One live entry per channel: its cell too. */
				free(dp.aud->slot[i]->cell);
				free(dp.aud->slot[i]);
			}
	for (uint32_t i = 0; i < cc.n_back; i++)
		rte_pktmbuf_free(cc.back[i]);
	cc.n_back = 0;
	if (dp.member_punt != NULL) {
		struct rte_mbuf *m;

		while (rte_ring_dequeue(dp.member_punt, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(dp.member_punt);
		dp.member_punt = NULL;
	}
	rte_free(dp.aud);
	dp.aud = NULL;
	book_free(&cc.book);
	free(cc.retired);
}

uint32_t
chan_audience_unacked(void)
{
	return __atomic_load_n(&cc.unacked, __ATOMIC_RELAXED);
}

uint32_t
chan_audience_audiences(void)
{
	return __atomic_load_n(&cc.audiences, __ATOMIC_RELAXED);
}

void
chan_audience_set_limits(const struct book_limits *lim)
{
	book_set_limits(&cc.book, lim);
}


/* INTEREST (lease 0: withdrawn) for a channel, to its owner. */
static void
send_interest(struct book_chan *ch, uint32_t owner, uint32_t lease,
		uint64_t now_ms)
{
	struct chan_msg m;

	/* A resend keeps its request id: a late answer still counts. */
	if (lease != 0 && !ch->interest_waiting)
		ch->interest_req = ++cc.req;
	msg_init(&m, RUMOR_T_INTEREST, lease != 0 ? ch->interest_req :
			++cc.req, ch->hash, ch->name, ch->len);
	m.hop_limit = RUMOR_DEFAULT_HOP_LIMIT;
	m.u.lease.lease_ms = lease;
	if (send_to_member(owner, &m))
		dp.ctl_stats[CTL_INTEREST_SENT]++;
	if (lease != 0) {
		ch->interest_sent_ms = now_ms;
		ch->interest_waiting = true;
	}
}

/*
 * This node's interest in an ordered channel with local subscribers: at
 * the owner of the current ring, asked again until answered, refreshed.
 */
static void
interest_check(struct book_chan *ch, uint64_t now_ms)
{
	uint32_t owner;

	if (ch->broadcast || dp.ring == NULL)
		return;
	if (ch->n_clients == 0) {
		if (ch->interest_owner != 0)
			send_interest(ch, ch->interest_owner, 0, now_ms);
		ch->interest_owner = 0;
		return;
	}
	/*
	 * When the owner changes, the interest at the old one is not
	 * withdrawn but left to lapse: it keeps the old owner's book of the
	 * channel, and so its ordering state, until the new owner has asked
	 * for it (docs/channels.md, "Handoff").
	 */
	owner = ring_owner(dp.ring, ch->hash);
	if (owner == dp.cfg.node_id) {
		ch->interest_owner = 0;
		return;
	}
	if (owner != ch->interest_owner) {
		ch->interest_owner = owner;
		ch->interest_acked_ms = 0;
		ch->interest_waiting = false;
		send_interest(ch, owner, CHAN_INTEREST_LEASE_MS, now_ms);
	} else if (now_ms - ch->interest_sent_ms >= (ch->interest_waiting ?
			CHAN_INTEREST_RETRY_MS : CHAN_INTEREST_REFRESH_MS)) {
		send_interest(ch, owner, CHAN_INTEREST_LEASE_MS, now_ms);
	}
}

/* One channel's timers, and the gauges telemetry shows. */
struct timer_pass {
	uint64_t now_ms;
	uint32_t audiences;
	uint32_t unacked;
};

static void
timer_each(struct book_chan *ch, void *arg)
{
	struct timer_pass *t = arg;

	interest_check(ch, t->now_ms);
	t->audiences++;
	if (!ch->broadcast && ch->n_clients > 0 && ch->interest_owner != 0 &&
			ch->interest_acked_ms == 0)
		t->unacked++;
}

/* SUB_ACK to the client the frame m came from. */
static void
send_sub_ack(const struct rte_mbuf *m, const struct chan_msg *req,
		uint8_t status, uint32_t lease, uint32_t limit)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct ipv4_hdr *ip = (const void *)(p + FRAME_IP_OFF);
	const struct udp_hdr *udp = (const void *)(p + FRAME_UDP_OFF);
	uint8_t buf[RUMOR_DATAGRAM_MAX];
	struct chan_msg a;
	size_t len;

	msg_init(&a, RUMOR_T_SUB_ACK, req->seq, req->channel_hash,
			req->channel, req->channel_len);
	a.u.ack.status = status;
	a.u.ack.lease_ms = status == CHAN_ST_OK ? lease : 0;
	a.u.ack.limit = limit;
	len = chan_msg_encode(&a, buf, sizeof(buf));
	len = session_sub_ack(m, buf, len, sizeof(buf));	/* session.c */
	if (len != 0)
		send_udp(m->port, p + 6, ip->src, udp->src_port, buf,
				len);
}

/*
 * Before an UNSUBSCRIBE or a withdrawn INTEREST takes what may be the
 * last of a channel's audience here: a channel this node owns and orders
 * stays booked, as kept by this node, for CHAN_KEPT_LEASE_MS (within the
 * owned limit), so that its stream and history outlive a pause of its
 * audience and a client can resume it (docs/replication.md, "Resume").
 */
static void
keep_ordered(const struct chan_msg *req, uint64_t now_ms)
{
	const struct book_chan *ch = book_find(&cc.book, req->channel_hash,
			req->channel, req->channel_len);
	const struct aud_entry *e = ch != NULL ? ch->entry : NULL;
	uint32_t granted, limit;

	if (e == NULL || dp.ring == NULL || ring_owner(dp.ring, ch->hash) !=
			dp.cfg.node_id || __atomic_load_n(&e->cell->stream,
			__ATOMIC_RELAXED) == 0 || ch->n_clients + ch->n_nodes > 1)
		return;
	if (book_interest(&cc.book, req->channel_hash, req->channel,
			req->channel_len, dp.cfg.node_id, CHAN_KEPT_LEASE_MS,
			now_ms, &granted, &limit) == CHAN_ST_OK)
		dp.ctl_stats[CTL_CHAN_KEPT_IDLE]++;
}

/* A SUBSCRIBE or UNSUBSCRIBE, answered; true if a SUBSCRIBE was granted. */
static bool
on_subscribe(const struct rte_mbuf *m, const struct chan_msg *req,
		uint64_t now_ms)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct ipv4_hdr *ip = (const void *)(p + FRAME_IP_OFF);
	const struct udp_hdr *udp = (const void *)(p + FRAME_UDP_OFF);
	static const unsigned refused[CHAN_ST_MAX] = {
		[CHAN_ST_CLIENT_LIMIT] = CTL_SUB_REFUSED_CLIENT,
		[CHAN_ST_NODE_LIMIT] = CTL_SUB_REFUSED_NODE,
		[CHAN_ST_CLIENTS_LIMIT] = CTL_SUB_REFUSED_CLIENTS,
		[CHAN_ST_CHANNEL_LIMIT] = CTL_SUB_REFUSED_CHANNEL,
	};
	struct book_client c;
	struct book_chan *ch;
	uint32_t granted, limit;
	bool refreshed;
	enum chan_status st;

	if (req->type == RUMOR_T_UNSUBSCRIBE) {
		keep_ordered(req, now_ms);
		st = book_unsubscribe(&cc.book, req->channel_hash,
				req->channel, req->channel_len, ip->src,
				udp->src_port);
		if (st == CHAN_ST_OK)
			dp.ctl_stats[CTL_SUB_REMOVED]++;
		send_sub_ack(m, req, (uint8_t)st, 0, 0);
		return false;
	}
	/* Client admission (session.c): what the token allows. */
	if (!session_allows_subscribe(m, req)) {
		send_sub_ack(m, req, CHAN_ST_TOKEN, 0, 0);
		return false;
	}
	memset(&c, 0, sizeof(c));
	c.ip = ip->src;
	c.udp_port = udp->src_port;
	c.dpdk_port = m->port;
	memcpy(c.mac, p + 6, 6);
	st = book_subscribe(&cc.book, req->channel_hash, req->channel,
			req->channel_len, &c, req->u.lease.lease_ms, now_ms,
			&granted, &limit, &refreshed);
	if (st != CHAN_ST_OK) {
		dp.ctl_stats[refused[st]]++;
		send_sub_ack(m, req, (uint8_t)st, 0, limit);
		return false;
	}
	dp.ctl_stats[refreshed ? CTL_SUB_REFRESHED : CTL_SUB_GRANTED]++;
	ch = book_find(&cc.book, req->channel_hash, req->channel,
			req->channel_len);
	if (refreshed && ch != NULL && ch->owner_status != CHAN_ST_OK) {
		/* The owner refused this node's interest: say so. */
		send_sub_ack(m, req, ch->owner_status, 0, ch->owner_limit);
		return false;
	}
	send_sub_ack(m, req, CHAN_ST_OK, granted, 0);
	return true;
}

/*
 * INTEREST: the lcore took it only from the member its origin names
 * (handle checks again), so a node's interest is set or withdrawn (lease
 * 0) by that node alone.
 */
static void
on_interest(const struct chan_msg *req, uint64_t now_ms)
{
	struct chan_msg a;
	uint32_t granted, limit;
	enum chan_status st;

	if (dp.ring == NULL ||
			ring_owner(dp.ring, req->channel_hash) !=
			dp.cfg.node_id) {
		/* The sender's ring differs; its next refresh finds us. */
		dp.ctl_stats[CTL_INTEREST_NOT_OWNER]++;
		return;
	}
	if (req->u.lease.lease_ms == 0)
		keep_ordered(req, now_ms);
	st = book_interest(&cc.book, req->channel_hash, req->channel,
			req->channel_len, req->origin, req->u.lease.lease_ms,
			now_ms, &granted, &limit);
	if (st == CHAN_ST_INTEREST_LIMIT)
		dp.ctl_stats[CTL_INTEREST_REFUSED_SET]++;
	else if (st == CHAN_ST_OWNED_LIMIT)
		dp.ctl_stats[CTL_INTEREST_REFUSED_OWNED]++;
	else if (granted != 0)
		dp.ctl_stats[CTL_INTEREST_GRANTED]++;
	if (st == CHAN_ST_OK && granted != 0 && cc.n_acks < CHAN_AUDIENCE_BATCH) {
		/* Stream and next_seq once the entry is in force. */
		struct pending_ack *pa = &cc.acks[cc.n_acks++];

		pa->hash = req->channel_hash;
		pa->node = req->origin;
		pa->req = req->seq;
		pa->lease = granted;
		pa->len = (uint16_t)req->channel_len;
		memcpy(pa->name, req->channel, req->channel_len);
		return;
	}
	msg_init(&a, RUMOR_T_INTEREST_ACK, req->seq, req->channel_hash,
			req->channel, req->channel_len);
	a.hop_limit = RUMOR_DEFAULT_HOP_LIMIT;
	a.u.ack.status = (uint8_t)st;
	a.u.ack.limit = limit;
	(void)send_to_member(req->origin, &a);
}

static void
on_interest_ack(const struct chan_msg *a, uint64_t now_ms)
{
	struct book_chan *ch = book_find(&cc.book, a->channel_hash,
			a->channel, a->channel_len);

	dp.ctl_stats[CTL_INTEREST_ACK_RX]++;
	if (ch == NULL || a->seq != ch->interest_req ||
			a->origin != ch->interest_owner)
		return;
	ch->interest_acked_ms = now_ms;
	ch->interest_waiting = false;
	ch->owner_status = a->u.ack.status;
	ch->owner_limit = a->u.ack.limit;
	/*
	 * A refresh's next_seq goes to the lcore too: it shows the messages
	 * lost at the end of a run, which no later message reveals.
	 */
	if (a->u.ack.status == CHAN_ST_OK && a->u.ack.lease_ms != 0 &&
			book_ack(ch, a->u.ack.stream, a->u.ack.next_seq))
		book_touch(&cc.book, ch);
}


/*
 * An acked PUBLISH of a channel this node owns and holds no entry for
 * (chan_owner.c): booked as kept by this node itself, for
 * CHAN_KEPT_LEASE_MS, within the owned limit, and sent back to its lcore
 * once the entry is in force, marked so that the lcore answers
 * OWNED_LIMIT if there is still none. False (dropped; its publisher
 * sends it again) when the pass has no room left.
 */
static bool
on_kept(struct rte_mbuf *m, const struct rumor_hdr *h, uint64_t now_ms)
{
	uint32_t granted, limit;

	if (cc.n_back == CHAN_AUDIENCE_BATCH)
		return false;
	if (book_interest(&cc.book, be64toh(h->channel_hash),
			rumor_hdr_channel(h), ntohs(h->channel_len),
			dp.cfg.node_id, CHAN_KEPT_LEASE_MS, now_ms, &granted,
			&limit) == CHAN_ST_OK)
		dp.ctl_stats[CTL_PUB_KEPT]++;
	else
		dp.ctl_stats[CTL_PUB_KEPT_REFUSED]++;
	chan_kept_set(m, true);
	cc.back[cc.n_back++] = m;
	return true;
}

/* The frames of this pass back to their channels' lcores. */
static void
pass_back(void)
{
	for (uint32_t i = 0; i < cc.n_back; i++) {
		struct rte_mbuf *m = cc.back[i];
		const struct rumor_hdr *h = rte_pktmbuf_mtod_offset(m,
				const struct rumor_hdr *, FRAME_RUMOR_OFF);
		unsigned to = chan_lcore_of(be64toh(h->channel_hash),
				dp.n_lcores);

		if (rte_ring_mp_enqueue(dp.lcore[to]->chan_in, m) != 0)
			rte_pktmbuf_free(m);	/* It is sent again. */
	}
	cc.n_back = 0;
}


/*
 * A resuming SUBSCRIBE (docs/replication.md, "Resume"): a SUBSCRIBE like
 * any other, and once granted, the frame goes on to the channel's lcore,
 * which sends the client what it missed before the live stream
 * (chan_resume.c). The lcore takes a SUBSCRIBE from here alone: its
 * receiving path punts the wire's to this thread. True if it kept m.
 */
static bool
on_resume(struct rte_mbuf *m, uint64_t now_ms)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct ipv4_hdr *ip = (const void *)(p + FRAME_IP_OFF);
	struct repl_msg r;
	struct chan_msg msg;
	unsigned to;

	if (repl_msg_decode(p + FRAME_RUMOR_OFF, ntohs(ip->total_len) - 28u,
			&r) != CHAN_WIRE_OK || r.origin != chan_sender(m)) {
		dp.ctl_stats[CTL_RESUME_BAD]++;
		return false;
	}
	memset(&msg, 0, sizeof(msg));
	msg.type = RUMOR_T_SUBSCRIBE;
	msg.hop_limit = r.hop_limit;
	msg.seq = r.seq;
	msg.channel_hash = r.channel_hash;
	msg.channel = r.channel;
	msg.channel_len = r.channel_len;
	msg.u.lease.lease_ms = r.u.resume.lease_ms;
	if (!on_subscribe(m, &msg, now_ms))
		return false;
	to = chan_lcore_of(r.channel_hash, dp.n_lcores);
	if (rte_ring_mp_enqueue(dp.lcore[to]->chan_in, m) != 0) {
		dp.ctl_stats[CTL_RESUME_FULL]++;	/* Asked again. */
		return false;
	}
	dp.ctl_stats[CTL_RESUME_PASSED]++;
	return true;
}

/* Act on a punted message; true if it kept m. */
static bool
handle(struct rte_mbuf *m, uint64_t now_ms)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct ipv4_hdr *ip = (const void *)(p + FRAME_IP_OFF);
	struct chan_msg msg;

	const struct rumor_hdr *h = rte_pktmbuf_mtod_offset(m,
			const struct rumor_hdr *, FRAME_RUMOR_OFF);

	/* From an lcore of this node, admitted there (chan_owner.c). */
	if (h->type == RUMOR_T_DATA && (h->flags & RUMOR_F_ACK))
		return on_kept(m, h, now_ms);
	/* Client admission (session.c): cookies, tokens, sessions. */
	if (session_audience(m))
		return false;
	h = rte_pktmbuf_mtod_offset(m, const struct rumor_hdr *,
			FRAME_RUMOR_OFF);	/* Blocks stripped. */
	if (h->type == RUMOR_T_SUBSCRIBE && (h->flags & RUMOR_F_ACK))
		return on_resume(m, now_ms);
	if (chan_msg_decode(p + FRAME_RUMOR_OFF, ntohs(ip->total_len) - 28u,
			&msg) != CHAN_WIRE_OK) {
		dp.ctl_stats[CTL_CHAN_BAD]++;
		return false;
	}
	/* A member speaks only for itself; a client for nobody. */
	if (msg.origin != chan_sender(m)) {
		dp.ctl_stats[CTL_CHAN_NOT_SENDER]++;
		return false;
	}
	switch (msg.type) {
	case RUMOR_T_SUBSCRIBE:
	case RUMOR_T_UNSUBSCRIBE:
		on_subscribe(m, &msg, now_ms);
		break;
	case RUMOR_T_INTEREST:
		on_interest(&msg, now_ms);
		break;
	case RUMOR_T_INTEREST_ACK:
		on_interest_ack(&msg, now_ms);
		break;
	case RUMOR_T_HANDOFF_REQ:
		ctl_handoff_req(&msg, now_ms);
		break;
	case RUMOR_T_HANDOFF:
		return ctl_handoff(m, &msg, now_ms);
	default:
		dp.ctl_stats[CTL_CHAN_BAD]++;
	}
	return false;
}

/* The audience entry of a channel, built from the book. */
static struct aud_entry *
entry_build(const struct book_chan *ch, const struct aud_entry *old)
{
	size_t bytes = sizeof(struct aud_entry) +
			ch->n_clients * sizeof(struct chan_dest) +
			ch->n_nodes * sizeof(uint32_t);
	struct aud_entry *e = malloc(bytes);
	struct chan_dest *local;
	uint32_t *nodes;

	if (e == NULL)
		return NULL;
	memset(e, 0, sizeof(*e));
	local = (struct chan_dest *)(e + 1);
	nodes = (uint32_t *)(local + ch->n_clients);
	e->hash = ch->hash;
	e->stream = ch->stream;
	e->ack_stream = ch->ack_stream;
	e->ack_first = ch->ack_first;
	e->ack_next = ch->ack_next;
	e->cell = old != NULL ? old->cell : calloc(1, sizeof(*e->cell));
	if (e->cell == NULL) {
		free(e);
		return NULL;
	}
	e->n_local = ch->n_clients;
	for (uint32_t i = 0; i < ch->n_clients; i++) {
		local[i].ip = ch->clients[i].ip;
		local[i].udp_port = ch->clients[i].udp_port;
		local[i].dpdk_port = ch->clients[i].dpdk_port;
		memcpy(local[i].mac, ch->clients[i].mac, 6);
	}
	/* This node keeps a channel for its acked PUBLISHes (on_kept). */
	for (uint32_t i = 0; i < ch->n_nodes; i++)
		if (ch->nodes[i].id != dp.cfg.node_id)
			nodes[e->n_nodes++] = ch->nodes[i].id;
	e->local = local;
	e->nodes = nodes;
	e->len = ch->len;
	memcpy(e->name, ch->name, ch->len);
	return e;
}

/* The slot holding e, or of a new entry of its hash (first free). */
static uint32_t
aud_slot(const struct aud_entry *e, uint64_t hash)
{
	uint32_t i = chan_index(hash, dp.aud->mask);
	uint32_t free = UINT32_MAX;

	for (;; i = (i + 1) & dp.aud->mask) {
		struct aud_entry *s = dp.aud->slot[i];

		if (e != NULL && s == e)
			return i;
		if (s == AUD_TOMB && free == UINT32_MAX)
			free = i;
		if (s == NULL)
			return free != UINT32_MAX ? free : i;
	}
}

static void
retire(struct aud_entry *old, struct aud_entry *new)
{
	if (cc.n_retired == cc.cap_retired) {
		uint32_t n = cc.cap_retired == 0 ? 64 : cc.cap_retired * 2;
		struct retired *r = realloc(cc.retired, n * sizeof(*r));

		if (r == NULL) {
			/* Without room to wait, wait now. */
			urcu_qsbr_synchronize_rcu();
			if (new == NULL)
				free(old->cell);
			free(old);
			return;
		}
		cc.retired = r;
		cc.cap_retired = n;
	}
	cc.retired[cc.n_retired].old = old;
	cc.retired[cc.n_retired].new = new;
	cc.n_retired++;
}

/* A table of CHAN_AUD_SLOTS empty slots. */
static struct aud_table *
aud_alloc(void)
{
	struct aud_table *t = rte_zmalloc("rumor_audiences", sizeof(*t) +
			CHAN_AUD_SLOTS * sizeof(t->slot[0]),
			RTE_CACHE_LINE_SIZE);

	if (t != NULL)
		t->mask = CHAN_AUD_SLOTS - 1;
	return t;
}

/*
 * Removed entries leave tombstones that lookups walk past. Once live
 * entries and tombstones fill three quarters of the slots, the live
 * entries (at most half: the limits bound them) move to a fresh table
 * (the entries themselves stay), published like any table; the old one
 * goes after a grace period.
 */
static void
aud_compact(void)
{
	struct aud_table *old = dp.aud, *t;

	if (old->n + cc.tombs <= (old->mask + 1) / 4 * 3)
		return;
	t = aud_alloc();
	if (t == NULL)
		return;
	for (uint32_t i = 0; i <= old->mask; i++) {
		struct aud_entry *e = old->slot[i];
		uint32_t k;

		if (e == NULL || e == AUD_TOMB)
			continue;
		for (k = chan_index(e->hash, t->mask);
				t->slot[k] != NULL; k = (k + 1) & t->mask)
			;
		t->slot[k] = e;
		t->n++;
	}
	RTE_LOG(INFO, USER1, "audience table compacted: %u entries, %u "
			"tombstones cleared\n", t->n, cc.tombs);
	rcu_assign_pointer(dp.aud, t);
	urcu_qsbr_synchronize_rcu();
	rte_free(old);
	cc.tombs = 0;
}

/* Publish every changed audience; forget the channels left empty. */
static void
publish(uint64_t now_ms)
{
	struct book_chan *ch = book_take_dirty(&cc.book), *next;

	for (; ch != NULL; ch = next) {
		struct aud_entry *old = ch->entry, *e = NULL;
		uint32_t slot;

		next = ch->dirty_next;
		interest_check(ch, now_ms);
		if (!book_chan_empty(ch)) {
			e = entry_build(ch, old);
			if (e == NULL) {
				/* Try this one and the rest next pass. */
				RTE_LOG(ERR, USER1, "out of memory for an "
						"audience entry\n");
				for (; ch != NULL; ch = next) {
					next = ch->dirty_next;
					book_touch(&cc.book, ch);
				}
				break;
			}
		}
		if (old != NULL || e != NULL) {
			slot = aud_slot(old, ch->hash);
			if (old == NULL && dp.aud->slot[slot] == AUD_TOMB)
				cc.tombs--;
			__atomic_store_n(&dp.aud->slot[slot], e != NULL ? e :
					AUD_TOMB, __ATOMIC_RELEASE);
			if (old == NULL)
				dp.aud->n++;
			else if (e == NULL) {
				dp.aud->n--;
				cc.tombs++;
			}
			if (old != NULL)
				retire(old, e);
			dp.ctl_stats[CTL_AUDIENCE_PUBLISHED]++;
		}
		if (e != NULL)
			ch->entry = e;
		else
			book_drop(&cc.book, ch);
	}
	aud_compact();
	if (cc.n_retired == 0)
		return;
	urcu_qsbr_synchronize_rcu();
	for (uint32_t i = 0; i < cc.n_retired; i++) {
		struct retired *r = &cc.retired[i];

		/* A withdrawn channel's cell goes with its last entry. */
		if (r->new == NULL)
			free(r->old->cell);
		free(r->old);
	}
	cc.n_retired = 0;
}

/*
 * The stream and next sequence an INTEREST_ACK tells: the cell's while it
 * is good for the ring in force, else the book's stream from 1 (a lower
 * bound: the subscriber node then asks for nothing at the end of a run).
 */
static void
cell_ack(const struct aud_entry *e, struct chan_ack *a)
{
	const struct chan_cell *c = e->cell;
	uint64_t stream = __atomic_load_n(&c->stream, __ATOMIC_RELAXED);
	uint64_t next = __atomic_load_n(&c->next, __ATOMIC_RELAXED);

	if (stream != 0 && next != 0 && dp.ring != NULL &&
			__atomic_load_n(&c->epoch, __ATOMIC_RELAXED) ==
			dp.ring->epoch) {
		a->stream = stream;
		a->next_seq = next;
	} else {
		a->stream = e->stream;
		a->next_seq = 1;
	}
}

/* INTEREST_ACKs of the grants of this pass, entries now in force. */
static void
send_acks(void)
{
	for (uint32_t i = 0; i < cc.n_acks; i++) {
		const struct pending_ack *pa = &cc.acks[i];
		const struct book_chan *ch = book_find(&cc.book, pa->hash,
				pa->name, pa->len);
		const struct aud_entry *e = ch != NULL ? ch->entry : NULL;
		struct chan_msg a;

		msg_init(&a, RUMOR_T_INTEREST_ACK, pa->req, pa->hash,
				pa->name, pa->len);
		a.hop_limit = RUMOR_DEFAULT_HOP_LIMIT;
		if (e != NULL) {
			a.u.ack.status = CHAN_ST_OK;
			a.u.ack.lease_ms = pa->lease;
			cell_ack(e, &a.u.ack);
		} else {
			a.u.ack.status = CHAN_ST_OK;	/* Gone meanwhile. */
		}
		(void)send_to_member(pa->node, &a);
	}
	cc.n_acks = 0;
}

/* Up to budget messages of ring r handled; returns how many. */
static unsigned
drain(struct rte_ring *r, unsigned budget, uint64_t now_ms)
{
	struct rte_mbuf *m[DP_BURST];
	unsigned total = 0, n;

	do {
		n = rte_ring_sc_dequeue_burst(r, (void **)m,
				RTE_MIN((unsigned)DP_BURST, budget - total),
				NULL);
		for (unsigned i = 0; i < n; i++)
			if (!handle(m[i], now_ms))
				rte_pktmbuf_free(m[i]);
		total += n;
	} while (n != 0 && total < budget);
	return total;
}

unsigned
chan_audience_poll(uint64_t now_tsc)
{
	const uint64_t now_ms = now_tsc / cc.hz_ms;
	unsigned total, members;

	/*
	 * Members' channel control first; clients have the rest of the
	 * pass, and at least a burst, so that neither class starves.
	 */
	members = drain(dp.member_punt, CHAN_AUDIENCE_BATCH - DP_BURST,
			now_ms);
	dp.ctl_stats[CTL_MEMBER_WORK] += members;
	total = members + drain(dp.sub_punt, CHAN_AUDIENCE_BATCH - members,
			now_ms);

	if (now_ms >= cc.next_timer_ms) {
		struct timer_pass t = { .now_ms = now_ms };
		struct book_expired ex;

		cc.next_timer_ms = now_ms + CHAN_AUDIENCE_TIMER_MS;
		book_expire(&cc.book, now_ms, &ex);
		dp.ctl_stats[CTL_SUB_EXPIRED] += ex.subs;
		dp.ctl_stats[CTL_INTEREST_EXPIRED] += ex.interests;
		book_each(&cc.book, timer_each, &t);
		__atomic_store_n(&cc.audiences, t.audiences, __ATOMIC_RELAXED);
		__atomic_store_n(&cc.unacked, t.unacked, __ATOMIC_RELAXED);
	}
	publish(now_ms);
	send_acks();
	pass_back();
	session_poll();		/* Client sessions (session.c). */
	return total;
}
