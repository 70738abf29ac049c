/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client sessions under client_auth = token (session.h, docs/clients.md):
 * the table the lcores read, the lcore's check of each client request,
 * and the control thread's cookies, tokens and session openings.
 *
 * Work per datagram is bounded: a lookup probes at most SESSION_PROBES
 * slots of a table indexed by SipHash under a per-node secret; a token
 * is verified (Ed25519) only for a request that proved its address with
 * a cookie, and only when it is not in the bounded cache of verified
 * tokens; nothing larger than a request goes to an address that has not
 * proven itself (a COOKIE is smaller than any request it answers).
 */
#define _LGPL_SOURCE
#include <urcu/urcu-qsbr.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ring.h>

#include "rumor/bytes.h"
#include "rumor/chan_wire.h"
#include "rumor/cksum.h"
#include "rumor/client_auth.h"
#include "rumor/token.h"
#include "dp.h"
#include "send.h"
#include "rumor/chan_hash.h"
#include "session.h"

#define SESSION_SLOTS 8192u		/* Twice SESSION_MAX, a power of 2. */
#define SESSION_PROBES 64u		/* Longest probe of a lookup. */
#define SESSION_SWEEP 256u		/* Slots the sweep visits a poll. */
#define SESSION_TOMB ((struct session *)1)	/* A removed session. */

_Static_assert((SESSION_SLOTS & (SESSION_SLOTS - 1)) == 0 &&
		SESSION_SLOTS >= 2 * SESSION_MAX, "session slots");

/* A verified token, shared by the sessions that presented it. */
struct token_entry {
	uint8_t bytes[TOKEN_LEN_MAX];
	size_t len;
	struct token tok;
	uint32_t refs;		/* Sessions that point to it (control). */
};

/* One client's session: an address proven, a token verified. */
struct session {
	uint32_t ip;			/* Network order. */
	uint16_t port;			/* Network order. */
	uint64_t client_id;
	uint64_t expires_s;		/* The token's not_after. */
	uint8_t key[CLIENT_KEY_LEN];
	struct token_entry *te;		/* Its capabilities. */
	struct client_replay replay;	/* Written by the lcore it uses. */
	uint64_t last_s;		/* Last use (relaxed, lcores). */
};

bool session_required;

static struct {
	uint8_t pk[TOKEN_PK_LEN];
	uint8_t hash_key[crypto_shorthash_KEYBYTES];
	uint8_t cookie_secret[CLIENT_SECRET_LEN];
	struct session *slot[SESSION_SLOTS];	/* RCU pointers. */
	uint32_t n;
	struct token_entry *cache[SESSION_TOKEN_CACHE];
	struct session *retired[SESSION_MAX];
	uint32_t n_retired;
	uint32_t sweep_at;
	/* The session the request in hand opened, for its SUB_ACK. */
	const struct session *opened;
} ss;

/* Unix seconds, as the control thread last read the clock. */
static uint64_t session_now_s;

static inline uint64_t
now_s(void)
{
	return __atomic_load_n(&session_now_s, __ATOMIC_RELAXED);
}

static uint32_t
slot_of(uint32_t ip, uint16_t port)
{
	uint8_t in[6];
	uint64_t h;

	memcpy(in, &ip, 4);
	memcpy(in + 4, &port, 2);
	crypto_shorthash((uint8_t *)&h, in, sizeof(in), ss.hash_key);
	return (uint32_t)h & (SESSION_SLOTS - 1);
}

/* The session of ip:port, or NULL; lcores and control thread. */
static struct session *
lookup(uint32_t ip, uint16_t port)
{
	uint32_t i = slot_of(ip, port);

	for (uint32_t k = 0; k < SESSION_PROBES; k++) {
		struct session *s = rcu_dereference(
				ss.slot[(i + k) & (SESSION_SLOTS - 1)]);

		if (s == NULL)
			return NULL;
		if (s != SESSION_TOMB && s->ip == ip && s->port == port)
			return s;
	}
	return NULL;
}

uint64_t
session_client(uint32_t ip, uint16_t port)
{
	const struct session *s = lookup(ip, port);

	return s != NULL ? s->client_id : 0;
}

int
session_init(const struct rumor_config *cfg, char *err, size_t errlen)
{
	switch (cfg->client_auth) {
	case CONFIG_CLIENT_AUTH_NONE:
		session_required = false;
		return 0;
	case CONFIG_CLIENT_AUTH_TOKEN:
		break;
	default:
		snprintf(err, errlen, "client admission not configured: set "
				"'client_auth = none' (development: any client "
				"may subscribe and publish) or 'token_pub = "
				"FILE' (clients need tokens; rumorctl token "
				"keygen makes the key pair)");
		return -1;
	}
	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium cannot start");
		return -1;
	}
	if (token_key_read(cfg->token_pub, ss.pk, sizeof(ss.pk), err,
			errlen) < 0)
		return -1;
	randombytes_buf(ss.hash_key, sizeof(ss.hash_key));
	randombytes_buf(ss.cookie_secret, sizeof(ss.cookie_secret));
	__atomic_store_n(&session_now_s, (uint64_t)time(NULL),
			__ATOMIC_RELAXED);
	session_required = true;
	return 0;
}

void
session_free(void)
{
	for (uint32_t i = 0; i < SESSION_SLOTS; i++) {
		if (ss.slot[i] != NULL && ss.slot[i] != SESSION_TOMB)
			free(ss.slot[i]);
		ss.slot[i] = NULL;
	}
	for (uint32_t i = 0; i < ss.n_retired; i++)
		free(ss.retired[i]);
	for (uint32_t i = 0; i < SESSION_TOKEN_CACHE; i++) {
		free(ss.cache[i]);
		ss.cache[i] = NULL;
	}
	ss.n = ss.n_retired = 0;
	sodium_memzero(ss.cookie_secret, sizeof(ss.cookie_secret));
}

/* Free what was retired, once no lcore can hold it. */
static void
reclaim(void)
{
	if (ss.n_retired == 0)
		return;
	urcu_qsbr_synchronize_rcu();
	for (uint32_t i = 0; i < ss.n_retired; i++) {
		ss.retired[i]->te->refs--;
		sodium_memzero(ss.retired[i]->key, CLIENT_KEY_LEN);
		free(ss.retired[i]);
	}
	ss.n_retired = 0;
}

/* Take the session in slot i out of the table (control thread). */
static void
remove_at(uint32_t i)
{
	struct session *s = ss.slot[i];

	if (ss.n_retired == SESSION_MAX)
		reclaim();
	rcu_assign_pointer(ss.slot[i], SESSION_TOMB);
	ss.retired[ss.n_retired++] = s;
	ss.n--;
	dp.ctl_stats[CTL_SESSION_CLOSED]++;
}

/* ---- lcores ---- */

/* Audience work for the control thread, within the lcore's rate. */
static void
punt(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_port *in)
{
	m->port = in->id;
	if (!token_bucket_take(&lc->sub_tb, rte_rdtsc())) {
		lc->stats.c[STAT_SUB_RATE]++;
		rte_pktmbuf_free(m);
	} else if (rte_ring_mp_enqueue(dp.sub_punt, m) != 0) {
		lc->stats.c[STAT_SUB_PUNT_FULL]++;
		rte_pktmbuf_free(m);
	} else {
		lc->stats.c[STAT_SUB_PUNTED]++;
	}
}

static bool
drop(struct dp_lcore *lc, struct rte_mbuf *m, unsigned stat)
{
	lc->stats.c[stat]++;
	rte_pktmbuf_free(m);
	return false;
}

/*
 * Take the blocks_len bytes after the rumor header out of the frame m:
 * the headers move forward, the lengths shrink, and both checksums
 * follow (the UDP one incrementally, so that a damaged message stays
 * detectable downstream).
 */
static void
strip_frame(struct rte_mbuf *m, size_t blocks_len)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct ipv4_hdr *ip = (void *)(p + FRAME_IP_OFF);
	struct udp_hdr *udp = (void *)(p + FRAME_UDP_OFF);
	uint8_t *r = p + FRAME_RUMOR_OFF;
	const uint16_t old_ip = ip->total_len, old_udp = udp->len;
	const uint16_t new_ip = htons((uint16_t)(ntohs(old_ip) - blocks_len));
	const uint16_t new_udp = htons((uint16_t)(ntohs(old_udp) -
			blocks_len));
	uint16_t w_old, w_new;

	memcpy(&w_old, r + 4, 2);	/* flags, hop_limit */
	r[4] &= RUMOR_F_ACK;		/* An acked PUBLISH stays one. */
	memcpy(&w_new, r + 4, 2);
	if (udp->check != 0) {
		uint32_t old_sum = w_old + 2u * old_udp;
		uint32_t new_sum = w_new + 2u * new_udp;
		unsigned n_old = 3;
		uint16_t c;

		for (size_t i = 0; i < blocks_len; i += 2) {
			uint16_t w;

			memcpy(&w, r + sizeof(struct rumor_hdr) + i, 2);
			old_sum += w;
			n_old++;
		}
		c = cksum_replace(udp->check, old_sum, n_old, new_sum);
		udp->check = c == 0 ? 0xffff : c;
	}
	udp->len = new_udp;
	ip->check = cksum_update16(ip->check, old_ip, new_ip);
	ip->total_len = new_ip;
	memmove(p + blocks_len, p, FRAME_RUMOR_OFF + sizeof(struct rumor_hdr));
	rte_pktmbuf_adj(m, (uint16_t)blocks_len);
}

/* True if the datagram's source is a member's address and port. */
static bool
from_a_member(const struct ipv4_hdr *ip, const struct udp_hdr *udp)
{
	const struct member_list *ml = rcu_dereference(dp.members);

	return ml != NULL && member_at(ml, ip->src, udp->src_port) != 0;
}

bool
session_admit(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct dp_port *in, enum frame_verdict *v,
		uint32_t *frame_len)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	const struct ipv4_hdr *ip = (const void *)(p + FRAME_IP_OFF);
	const struct udp_hdr *udp = (const void *)(p + FRAME_UDP_OFF);
	const struct rumor_hdr *h = (const void *)(p + FRAME_RUMOR_OFF);
	struct client_frame f;
	struct session *s;
	enum client_error e;
	size_t ulen;

	if (*v == FRAME_DATA || *v == FRAME_CHAN) {
		/*
		 * A node's message (its auth block, if any, is auth.c's), or
		 * a client's: with its AUTH block, parsed below; without a
		 * proof, dropped.
		 */
		if (likely(h->origin != 0) || (h->type != RUMOR_T_DATA &&
				h->type != RUMOR_T_SUBSCRIBE &&
				h->type != RUMOR_T_UNSUBSCRIBE))
			return true;
		/* A client's PUBLISH another node forwarded to its owner. */
		if (h->type == RUMOR_T_DATA && from_a_member(ip, udp))
			return true;
		if (!(h->flags & RUMOR_F_AUTH))
			return drop(lc, m, STAT_CLIENT_NO_AUTH);
	} else if (*v != FRAME_RUMOR_TYPE) {
		return true;
	}
	/* frame_parse checked the IPv4 and UDP lengths against the frame. */
	ulen = ntohs(ip->total_len) - 28u;
	e = client_frame_parse(p + FRAME_RUMOR_OFF, ulen, &f);
	if (e == CLIENT_E_TYPE)
		return true;	/* Not a client's: refused as it was. */
	if (e != CLIENT_OK)
		return drop(lc, m, STAT_CLIENT_BAD);
	if (f.flags & RUMOR_F_CRED) {
		/* A token: the control thread checks cookie and token. */
		*v = FRAME_CHAN;
		*frame_len = ETH_HDR_LEN + ntohs(ip->total_len);
		return true;
	}
	s = lookup(ip->src, udp->src_port);
	if (s == NULL || now_s() >= s->expires_s) {
		/* The control thread answers with a COOKIE. */
		lc->stats.c[STAT_CLIENT_NO_SESSION]++;
		punt(lc, m, in);
		return false;
	}
	if (client_tag(s->key, p + FRAME_RUMOR_OFF, ulen, f.auth_off) != f.tag)
		return drop(lc, m, STAT_CLIENT_BAD_TAG);
	if (f.type == RUMOR_T_DATA && !token_allows(&s->te->tok,
			TOKEN_OP_PUB, (const char *)(p + FRAME_RUMOR_OFF +
			sizeof(*h) + f.blocks_len), ntohs(h->channel_len)))
		return drop(lc, m, STAT_CLIENT_PUB_REFUSED);
	if (!client_replay_check(&s->replay, f.stamp))
		return drop(lc, m, STAT_CLIENT_REPLAY);
	if (__atomic_load_n(&s->last_s, __ATOMIC_RELAXED) != now_s())
		__atomic_store_n(&s->last_s, now_s(), __ATOMIC_RELAXED);
	strip_frame(m, f.blocks_len);
	*v = frame_parse(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len,
			&in->self, frame_len);
	lc->stats.c[STAT_CLIENT_ADMITTED]++;
	return true;
}

/* ---- control thread ---- */

/* The frame's rumor datagram, its length, source address and port. */
struct client_src {
	uint8_t *r;
	size_t len;
	uint32_t ip;
	uint16_t port;
	const uint8_t *mac;
};

static struct client_src
src_of(const struct rte_mbuf *m)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	const struct ipv4_hdr *ip = (const void *)(p + FRAME_IP_OFF);
	const struct udp_hdr *udp = (const void *)(p + FRAME_UDP_OFF);
	struct client_src c = {
		.r = p + FRAME_RUMOR_OFF,
		.len = ntohs(ip->total_len) - 28u,
		.ip = ip->src,
		.port = udp->src_port,
		.mac = p + 6,
	};

	return c;
}

/* A COOKIE to the source of m, never longer than its request. */
static void
send_cookie(const struct rte_mbuf *m, const struct client_src *c)
{
	uint8_t cookie[CLIENT_COOKIE_LEN], buf[RUMOR_DATAGRAM_MAX];
	size_t len;

	client_cookie_make(ss.cookie_secret, c->ip, c->port,
			(uint32_t)(now_s() / COOKIE_SLOT_S), cookie);
	len = client_cookie_msg(c->r, c->len, dp.cfg.node_id, cookie, buf,
			sizeof(buf));
	if (len == 0) {
		dp.ctl_stats[CTL_CLIENT_BAD]++;
		return;
	}
	send_udp(m->port, c->mac, c->ip, c->port, buf, len);
	dp.ctl_stats[CTL_COOKIE_SENT]++;
}

/* A SUB_ACK refusing the request of m (already stripped to plain). */
static void
send_refusal(const struct rte_mbuf *m, const struct client_src *c,
		uint8_t status)
{
	const struct rumor_hdr *h = (const void *)c->r;
	uint8_t buf[RUMOR_DATAGRAM_MAX];
	struct chan_msg a;
	size_t len;

	chan_msg_init(&a, RUMOR_T_SUB_ACK, (const char *)(c->r + sizeof(*h)),
			ntohs(h->channel_len));
	a.hop_limit = 0;
	a.origin = dp.cfg.node_id;
	a.epoch = dp.ring != NULL ? dp.ring->epoch : 0;
	a.seq = be64toh(h->seq);
	a.channel_hash = be64toh(h->channel_hash);
	a.u.ack.status = status;
	len = chan_msg_encode(&a, buf, sizeof(buf));
	if (len != 0)
		send_udp(m->port, c->mac, c->ip, c->port, buf, len);
}

/* The verified token of bytes tok (len), from the cache or verified. */
static struct token_entry *
token_get(const uint8_t *tok, size_t len, enum token_error *e)
{
	struct token_entry *te;
	uint32_t free_at = UINT32_MAX;

	for (uint32_t i = 0; i < SESSION_TOKEN_CACHE; i++) {
		te = ss.cache[i];
		if (te == NULL) {
			if (free_at == UINT32_MAX)
				free_at = i;
			continue;
		}
		if (te->len == len && memcmp(te->bytes, tok, len) == 0) {
			dp.ctl_stats[CTL_TOKEN_CACHED]++;
			*e = now_s() < te->tok.not_before ? TOKEN_E_NOT_YET :
					now_s() >= te->tok.not_after ?
					TOKEN_E_EXPIRED : TOKEN_OK;
			return *e == TOKEN_OK ? te : NULL;
		}
		if (free_at == UINT32_MAX && te->refs == 0)
			free_at = i;
	}
	te = malloc(sizeof(*te));
	if (te == NULL) {
		*e = TOKEN_E_LENGTH;
		return NULL;
	}
	dp.ctl_stats[CTL_TOKEN_VERIFIED]++;
	*e = token_verify(tok, len, ss.pk, now_s(), &te->tok);
	if (*e != TOKEN_OK || free_at == UINT32_MAX) {
		/* Refused, or no room: nothing kept. */
		if (*e == TOKEN_OK)
			*e = TOKEN_E_LENGTH;
		free(te);
		return NULL;
	}
	memcpy(te->bytes, tok, len);
	te->len = len;
	te->refs = 0;
	free(ss.cache[free_at]);	/* Unused by any session. */
	ss.cache[free_at] = te;
	return te;
}

/*
 * Open (or replace) the session of c with token te. The status to
 * refuse with, or CHAN_ST_OK.
 */
static enum chan_status
open_session(const struct client_src *c, struct token_entry *te)
{
	const uint32_t first = slot_of(c->ip, c->port);
	uint32_t at = UINT32_MAX, same = UINT32_MAX, of_client = 0;
	struct session *s;

	for (uint32_t k = 0; k < SESSION_PROBES; k++) {
		uint32_t i = (first + k) & (SESSION_SLOTS - 1);

		s = ss.slot[i];
		if (s == NULL || s == SESSION_TOMB) {
			if (at == UINT32_MAX)
				at = i;
			if (s == NULL)
				break;
			continue;
		}
		if (s->ip == c->ip && s->port == c->port)
			same = i;
	}
	/* Sessions of this client id; a replaced one does not count. */
	for (uint32_t i = 0; i < SESSION_SLOTS; i++) {
		s = ss.slot[i];
		if (s != NULL && s != SESSION_TOMB && i != same &&
				s->client_id == te->tok.client_id)
			of_client++;
	}
	if (of_client >= SESSION_PER_CLIENT_MAX) {
		dp.ctl_stats[CTL_SESSION_CLIENT_LIMIT]++;
		return CHAN_ST_TOKEN_REFUSED;
	}
	if (same != UINT32_MAX) {
		at = same;
	} else if (ss.n >= SESSION_MAX || at == UINT32_MAX) {
		dp.ctl_stats[CTL_SESSION_LIMIT]++;
		return CHAN_ST_TOKEN_REFUSED;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		dp.ctl_stats[CTL_SESSION_LIMIT]++;
		return CHAN_ST_TOKEN_REFUSED;
	}
	s->ip = c->ip;
	s->port = c->port;
	s->client_id = te->tok.client_id;
	s->expires_s = te->tok.not_after;
	s->te = te;
	s->last_s = now_s();
	randombytes_buf(s->key, sizeof(s->key));
	te->refs++;
	if (same != UINT32_MAX)
		remove_at(same);
	rcu_assign_pointer(ss.slot[at], s);
	ss.n++;
	ss.opened = s;
	dp.ctl_stats[CTL_SESSION_OPENED]++;
	return CHAN_ST_OK;
}

/* Make the request in m plain: its blocks out, the IPv4 length shorter. */
static void
strip_request(struct rte_mbuf *m, struct client_src *c,
		const struct client_frame *f)
{
	struct ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct ipv4_hdr *,
			FRAME_IP_OFF);

	c->len = client_frame_strip(c->r, c->len, f);
	ip->total_len = htons((uint16_t)(c->len + 28u));
}

bool
session_audience(struct rte_mbuf *m)
{
	struct client_src c;
	struct client_frame f;
	struct token_entry *te;
	struct session *s;
	enum token_error te_err;
	enum chan_status st;

	ss.opened = NULL;
	if (!session_required)
		return false;
	c = src_of(m);
	if (c.len < sizeof(struct rumor_hdr) || c.r[4] == 0)
		return false;	/* Plain: a node's, or stripped already. */
	if (client_frame_parse(c.r, c.len, &f) != CLIENT_OK) {
		dp.ctl_stats[CTL_CLIENT_BAD]++;
		return true;
	}
	if (!(f.flags & RUMOR_F_CRED)) {
		/* A proof without a session here: start again. */
		s = lookup(c.ip, c.port);
		if (s == NULL || now_s() >= s->expires_s)
			send_cookie(m, &c);
		else
			dp.ctl_stats[CTL_CLIENT_BAD]++;
		return true;
	}
	if (!client_cookie_check(ss.cookie_secret, c.ip, c.port,
			(uint32_t)(now_s() / COOKIE_SLOT_S), f.cookie)) {
		send_cookie(m, &c);
		return true;
	}
	/* The address is proven: answers may now be larger. */
	te = token_get(f.token, f.token_len, &te_err);
	strip_request(m, &c, &f);
	/* The lcore left the hash of a request with a token to here. */
	if (!chan_hash_ok(rte_pktmbuf_mtod_offset(m, const struct rumor_hdr *,
			FRAME_RUMOR_OFF))) {
		dp.ctl_stats[CTL_CLIENT_BAD]++;
		return true;
	}
	if (te == NULL) {
		dp.ctl_stats[CTL_TOKEN_REFUSED]++;
		send_refusal(m, &c, CHAN_ST_TOKEN_REFUSED);
		return true;
	}
	st = open_session(&c, te);
	if (st != CHAN_ST_OK) {
		send_refusal(m, &c, (uint8_t)st);
		return true;
	}
	return false;
}

bool
session_allows_subscribe(const struct rte_mbuf *m,
		const struct chan_msg *req)
{
	struct client_src c;
	const struct session *s;

	if (!session_required)
		return true;
	c = src_of(m);
	s = lookup(c.ip, c.port);
	if (s != NULL && token_allows(&s->te->tok, TOKEN_OP_SUB, req->channel,
			req->channel_len))
		return true;
	dp.ctl_stats[CTL_SUB_REFUSED_TOKEN]++;
	return false;
}

size_t
session_sub_ack(const struct rte_mbuf *m, uint8_t *buf, size_t len,
		size_t cap)
{
	const struct session *s = ss.opened;
	struct client_src c;
	uint64_t left;
	size_t n;

	if (s == NULL || len == 0)
		return len;
	c = src_of(m);
	if (s->ip != c.ip || s->port != c.port)
		return len;
	ss.opened = NULL;
	left = s->expires_s > now_s() ? s->expires_s - now_s() : 0;
	n = client_ack_add_session(buf, len, cap, s->key,
			left > UINT32_MAX ? UINT32_MAX : (uint32_t)left);
	return n != 0 ? n : len;
}

void
session_poll(void)
{
	const uint64_t now = (uint64_t)time(NULL);

	if (!session_required)
		return;
	__atomic_store_n(&session_now_s, now, __ATOMIC_RELAXED);
	/* A share of the table a poll: expired or idle sessions go. */
	for (uint32_t k = 0; k < SESSION_SWEEP; k++) {
		uint32_t i = ss.sweep_at++ & (SESSION_SLOTS - 1);
		struct session *s = ss.slot[i];

		if (s == SESSION_TOMB &&
				ss.slot[(i + 1) & (SESSION_SLOTS - 1)] == NULL) {
			/* The end of a probe run: lookups stop here anyway. */
			rcu_assign_pointer(ss.slot[i], NULL);
			continue;
		}
		if (s == NULL || s == SESSION_TOMB)
			continue;
		if (now >= s->expires_s || now >= __atomic_load_n(&s->last_s,
				__ATOMIC_RELAXED) + SESSION_IDLE_S)
			remove_at(i);
	}
	reclaim();
}
