/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The book of channel audiences (chan_book.h): chained hash tables of
 * channels and of clients, grown arrays of subscribers and nodes. It runs
 * on the control thread only, off the forwarding path, so plain malloc
 * and linear scans of a channel's (bounded) subscribers are fine.
 */
#include <stdlib.h>
#include <string.h>

#include "rumor/chan_book.h"

#define BOOK_BUCKETS (1u << 16)
#define BOOK_CL_BUCKETS (1u << 14)

void
book_limits_default(struct book_limits *l)
{
	*l = (struct book_limits){
		.subs_per_client = 1024,
		.subs_per_node = 65536,
		.clients = 16384,
		.subs_per_channel = 4096,
		.interest_set = 1024,
		.owned = 65536,
	};
}

int
book_init(struct book *b, const struct book_limits *lim, uint64_t seed)
{
	memset(b, 0, sizeof(*b));
	b->lim = *lim;
	b->mask = BOOK_BUCKETS - 1;
	b->cl_mask = BOOK_CL_BUCKETS - 1;
	b->bucket = calloc(BOOK_BUCKETS, sizeof(*b->bucket));
	b->cl_bucket = calloc(BOOK_CL_BUCKETS, sizeof(*b->cl_bucket));
	b->rand = seed != 0 ? seed : 0x9e3779b97f4a7c15ull;
	/*
	 * Without the kernel's generator, a key from the seed: still unknown
	 * off the node, though the streams it draws are on the wire.
	 */
	if (!keyed_hash_key_random(&b->key))
		keyed_hash_key_seed(&b->key, ~seed);
	if (b->bucket == NULL || b->cl_bucket == NULL) {
		book_free(b);
		return -1;
	}
	return 0;
}

/* The bucket of a channel hash. */
static inline uint32_t
book_home(const struct book *b, uint64_t hash)
{
	return (uint32_t)keyed_hash(&b->key, hash) & b->mask;
}

void
book_set_limits(struct book *b, const struct book_limits *lim)
{
	/* book_subscribe and book_interest grant refreshes before any check. */
	b->lim = *lim;
}

static void
chan_free(struct book_chan *ch)
{
	free(ch->clients);
	free(ch->nodes);
	free(ch);
}

void
book_free(struct book *b)
{
	for (uint32_t i = 0; b->bucket != NULL && i <= b->mask; i++)
		while (b->bucket[i] != NULL) {
			struct book_chan *ch = b->bucket[i];

			b->bucket[i] = ch->next;
			chan_free(ch);
		}
	for (uint32_t i = 0; b->cl_bucket != NULL && i <= b->cl_mask; i++)
		while (b->cl_bucket[i] != NULL) {
			struct book_cl *c = b->cl_bucket[i];

			b->cl_bucket[i] = c->next;
			free(c);
		}
	free(b->bucket);
	free(b->cl_bucket);
	b->bucket = NULL;
	b->cl_bucket = NULL;
}

/* A non-zero stream number (xorshift64*). */
static uint64_t
book_stream(struct book *b)
{
	uint64_t x;

	do {
		x = b->rand;
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		b->rand = x;
		x *= 0x2545f4914f6cdd1dull;
	} while (x == 0);
	return x;
}

struct book_chan *
book_find(const struct book *b, uint64_t hash, const char *name, size_t len)
{
	struct book_chan *ch = b->bucket[book_home(b, hash)];

	for (; ch != NULL; ch = ch->next)
		if (ch->hash == hash && ch->len == len &&
				memcmp(ch->name, name, len) == 0)
			return ch;
	return NULL;
}

static struct book_chan *
book_add(struct book *b, uint64_t hash, const char *name, size_t len)
{
	struct book_chan *ch = calloc(1, sizeof(*ch));

	if (ch == NULL)
		return NULL;
	ch->hash = hash;
	ch->len = (uint16_t)len;
	memcpy(ch->name, name, len);
	ch->broadcast = chan_is_broadcast(name, len);
	ch->stream = book_stream(b);
	ch->next = b->bucket[book_home(b, hash)];
	b->bucket[book_home(b, hash)] = ch;
	b->n_chans++;
	return ch;
}

bool
book_ack(struct book_chan *ch, uint64_t stream, uint64_t next_seq)
{
	if (stream != ch->ack_stream) {
		ch->ack_stream = stream;
		ch->ack_first = next_seq;
		ch->ack_next = next_seq;
		return true;
	}
	if (next_seq == ch->ack_next)
		return false;
	ch->ack_next = next_seq;
	return true;
}

void
book_touch(struct book *b, struct book_chan *ch)
{
	if (ch->dirty)
		return;
	ch->dirty = true;
	ch->dirty_next = b->dirty;
	b->dirty = ch;
}

struct book_chan *
book_take_dirty(struct book *b)
{
	struct book_chan *d = b->dirty;

	b->dirty = NULL;
	for (struct book_chan *ch = d; ch != NULL; ch = ch->dirty_next)
		ch->dirty = false;
	return d;
}

void
book_drop(struct book *b, struct book_chan *ch)
{
	struct book_chan **pp = &b->bucket[book_home(b, ch->hash)];

	for (; *pp != NULL; pp = &(*pp)->next)
		if (*pp == ch) {
			*pp = ch->next;
			b->n_chans--;
			chan_free(ch);
			return;
		}
}

void
book_each(struct book *b, void (*fn)(struct book_chan *, void *), void *arg)
{
	for (uint32_t i = 0; i <= b->mask; i++)
		for (struct book_chan *ch = b->bucket[i]; ch != NULL;
				ch = ch->next)
			fn(ch, arg);
}

uint32_t
book_lease(uint32_t lease_ms)
{
	if (lease_ms == 0)
		return CHAN_LEASE_DEFAULT_MS;
	if (lease_ms < CHAN_LEASE_MIN_MS)
		return CHAN_LEASE_MIN_MS;
	if (lease_ms > CHAN_LEASE_MAX_MS)
		return CHAN_LEASE_MAX_MS;
	return lease_ms;
}

static uint32_t
cl_home(const struct book *b, uint32_t ip, uint16_t port)
{
	return (uint32_t)keyed_hash(&b->key, (uint64_t)ip << 16 | port) &
			b->cl_mask;
}

static struct book_cl **
cl_find(struct book *b, uint32_t ip, uint16_t port)
{
	struct book_cl **pp = &b->cl_bucket[cl_home(b, ip, port)];

	for (; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->ip == ip && (*pp)->udp_port == port)
			break;
	return pp;
}

/* One subscription fewer for a client; the client goes at zero. */
static void
cl_release(struct book *b, uint32_t ip, uint16_t port)
{
	struct book_cl **pp = cl_find(b, ip, port);
	struct book_cl *c = *pp;

	if (c == NULL)
		return;
	if (--c->n == 0) {
		*pp = c->next;
		free(c);
		b->n_clients--;
	}
	b->n_subs--;
}

/* Room for one more entry in *arr (n entries of size, room for *cap). */
static int
grow(void **arr, uint32_t n, uint32_t *cap, size_t size)
{
	uint32_t want = *cap == 0 ? 4 : *cap * 2;
	void *p;

	if (n < *cap)
		return 0;
	p = realloc(*arr, want * size);
	if (p == NULL)
		return -1;
	*arr = p;
	*cap = want;
	return 0;
}

/*
 * Refuse with status st, whose limit n the answer names: at least 1, as
 * a limit status always names one (chan_wire.h).
 */
static enum chan_status
book_refuse(uint32_t *limit, uint32_t n, enum chan_status st)
{
	*limit = n > 0 ? n : 1;
	return st;
}

/* A channel that a refusal left without anyone goes. */
static void
book_drop_empty(struct book *b, struct book_chan *ch)
{
	if (book_chan_empty(ch))
		book_drop(b, ch);
}

enum chan_status
book_subscribe(struct book *b, uint64_t hash, const char *name, size_t len,
		const struct book_client *c, uint32_t lease_ms,
		uint64_t now_ms, uint32_t *granted, uint32_t *limit,
		bool *refreshed)
{
	struct book_chan *ch = book_find(b, hash, name, len);
	struct book_cl **cp, *cl;
	uint32_t lease = book_lease(lease_ms);

	*granted = 0;
	*limit = 0;
	*refreshed = false;
	/* A refresh is always granted, even over a limit lowered since. */
	for (uint32_t i = 0; ch != NULL && i < ch->n_clients; i++) {
		struct book_client *s = &ch->clients[i];

		if (s->ip == c->ip && s->udp_port == c->udp_port) {
			s->expiry_ms = now_ms + lease;
			if (s->dpdk_port != c->dpdk_port ||
					memcmp(s->mac, c->mac, 6) != 0) {
				/* It moved: deliveries follow it. */
				s->dpdk_port = c->dpdk_port;
				memcpy(s->mac, c->mac, 6);
				book_touch(b, ch);
			}
			*granted = lease;
			*refreshed = true;
			return CHAN_ST_OK;
		}
	}
	cp = cl_find(b, c->ip, c->udp_port);
	cl = *cp;
	if (cl != NULL && cl->n >= b->lim.subs_per_client)
		return book_refuse(limit, b->lim.subs_per_client,
				CHAN_ST_CLIENT_LIMIT);
	if (b->n_subs >= b->lim.subs_per_node)
		return book_refuse(limit, b->lim.subs_per_node,
				CHAN_ST_NODE_LIMIT);
	if (cl == NULL && b->n_clients >= b->lim.clients)
		return book_refuse(limit, b->lim.clients,
				CHAN_ST_CLIENTS_LIMIT);
	if (ch != NULL && ch->n_clients >= b->lim.subs_per_channel)
		return book_refuse(limit, b->lim.subs_per_channel,
				CHAN_ST_CHANNEL_LIMIT);
	/* Out of memory: the node is full, and says how full. */
	if (ch == NULL)
		ch = book_add(b, hash, name, len);
	if (ch == NULL || grow((void **)&ch->clients, ch->n_clients,
			&ch->cap_clients, sizeof(*ch->clients)) < 0) {
		if (ch != NULL)
			book_drop_empty(b, ch);
		return book_refuse(limit, b->n_subs, CHAN_ST_NODE_LIMIT);
	}
	if (cl == NULL) {
		cl = calloc(1, sizeof(*cl));
		if (cl == NULL) {
			book_drop_empty(b, ch);
			return book_refuse(limit, b->n_clients,
					CHAN_ST_CLIENTS_LIMIT);
		}
		cl->ip = c->ip;
		cl->udp_port = c->udp_port;
		cl->next = b->cl_bucket[cl_home(b, c->ip, c->udp_port)];
		b->cl_bucket[cl_home(b, c->ip, c->udp_port)] = cl;
		b->n_clients++;
	}
	cl->n++;
	b->n_subs++;
	ch->clients[ch->n_clients] = *c;
	ch->clients[ch->n_clients].expiry_ms = now_ms + lease;
	ch->n_clients++;
	book_touch(b, ch);
	*granted = lease;
	return CHAN_ST_OK;
}

static void
client_remove(struct book *b, struct book_chan *ch, uint32_t i)
{
	cl_release(b, ch->clients[i].ip, ch->clients[i].udp_port);
	ch->clients[i] = ch->clients[--ch->n_clients];
	book_touch(b, ch);
}

enum chan_status
book_unsubscribe(struct book *b, uint64_t hash, const char *name, size_t len,
		uint32_t ip, uint16_t udp_port)
{
	struct book_chan *ch = book_find(b, hash, name, len);

	for (uint32_t i = 0; ch != NULL && i < ch->n_clients; i++)
		if (ch->clients[i].ip == ip &&
				ch->clients[i].udp_port == udp_port) {
			client_remove(b, ch, i);
			return CHAN_ST_OK;
		}
	return CHAN_ST_NOT_SUBSCRIBED;
}

static void
node_remove(struct book *b, struct book_chan *ch, uint32_t i)
{
	ch->nodes[i] = ch->nodes[--ch->n_nodes];
	if (ch->n_nodes == 0)
		b->n_owned--;
	book_touch(b, ch);
}

enum chan_status
book_interest(struct book *b, uint64_t hash, const char *name, size_t len,
		uint32_t node, uint32_t lease_ms, uint64_t now_ms,
		uint32_t *granted, uint32_t *limit)
{
	struct book_chan *ch = book_find(b, hash, name, len);
	uint32_t lease;

	*granted = 0;
	*limit = 0;
	for (uint32_t i = 0; ch != NULL && i < ch->n_nodes; i++) {
		if (ch->nodes[i].id != node)
			continue;
		if (lease_ms == 0) {
			node_remove(b, ch, i);
			return CHAN_ST_OK;
		}
		lease = book_lease(lease_ms);
		ch->nodes[i].expiry_ms = now_ms + lease;
		*granted = lease;
		return CHAN_ST_OK;
	}
	if (lease_ms == 0)
		return CHAN_ST_OK;	/* Nothing to give back. */
	if (ch != NULL && ch->n_nodes >= b->lim.interest_set)
		return book_refuse(limit, b->lim.interest_set,
				CHAN_ST_INTEREST_LIMIT);
	if ((ch == NULL || ch->n_nodes == 0) && b->n_owned >= b->lim.owned)
		return book_refuse(limit, b->lim.owned, CHAN_ST_OWNED_LIMIT);
	/* Out of memory: the owner is full, and says how full. */
	if (ch == NULL)
		ch = book_add(b, hash, name, len);
	if (ch == NULL)
		return book_refuse(limit, b->n_owned, CHAN_ST_OWNED_LIMIT);
	if (grow((void **)&ch->nodes, ch->n_nodes, &ch->cap_nodes,
			sizeof(*ch->nodes)) < 0) {
		enum chan_status st = book_refuse(limit, ch->n_nodes,
				CHAN_ST_INTEREST_LIMIT);

		book_drop_empty(b, ch);
		return st;
	}
	if (ch->n_nodes == 0)
		b->n_owned++;
	lease = book_lease(lease_ms);
	ch->nodes[ch->n_nodes].id = node;
	ch->nodes[ch->n_nodes].expiry_ms = now_ms + lease;
	ch->n_nodes++;
	book_touch(b, ch);
	*granted = lease;
	return CHAN_ST_OK;
}

void
book_expire(struct book *b, uint64_t now_ms, struct book_expired *out)
{
	out->subs = 0;
	out->interests = 0;
	for (uint32_t i = 0; i <= b->mask; i++)
		for (struct book_chan *ch = b->bucket[i]; ch != NULL;
				ch = ch->next) {
			/* Backwards: a removal moves the last one here. */
			for (uint32_t k = ch->n_clients; k-- > 0;)
				if (ch->clients[k].expiry_ms <= now_ms) {
					client_remove(b, ch, k);
					out->subs++;
				}
			for (uint32_t k = ch->n_nodes; k-- > 0;)
				if (ch->nodes[k].expiry_ms <= now_ms) {
					node_remove(b, ch, k);
					out->interests++;
				}
		}
}
