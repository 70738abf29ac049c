/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Codec of the control link (include/rumor/link_proto.h). Both ends are
 * local, but the decoder still trusts nothing: a packet is checked field
 * by field, within its length, before anything is returned.
 */
#include <stdlib.h>
#include <string.h>

#include "rumor/link_proto.h"
#include "rumor/ring.h"

/* Fixed body sizes. */
#define CTL_HELLO_LEN 8u
#define CTL_STATE_LEN 32u
#define CTL_DGRAM_LEN 8u	/* Before the datagram bytes. */
#define CTL_TABLE_LEN 24u	/* Before the members. */
#define CTL_U32_LEN 4u

static const char *const ctl_error_names[LINK_ERROR_MAX] = {
	[LINK_OK] = "ok",
	[LINK_E_SHORT] = "short",
	[LINK_E_VERSION] = "version",
	[LINK_E_TYPE] = "type",
	[LINK_E_LENGTH] = "length",
	[LINK_E_FIELD] = "field",
};

static const char *const ctl_type_names[LINK_TYPE_MAX] = {
	[LINK_HELLO] = "hello",
	[LINK_STATE] = "state",
	[LINK_PUNT] = "punt",
	[LINK_SEND] = "send",
	[LINK_TABLE] = "table",
	[LINK_INCARNATION] = "incarnation",
	[LINK_STATS_REQ] = "stats_req",
	[LINK_STATS] = "stats",
};

static inline uint16_t
get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t
get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t
get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void
put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static inline void
put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static int
member_valid(const struct link_member *m)
{
	return m->id != 0 && m->udp_port != 0 && m->weight >= 1 &&
			m->weight <= RING_WEIGHT_MAX;
}

static enum link_error
decode_table(const uint8_t *b, uint32_t len, struct link_table *t)
{
	if (len < CTL_TABLE_LEN)
		return LINK_E_SHORT;
	t->table_id = get64(b);
	t->total = get32(b + 8);
	t->first = get32(b + 12);
	t->n = get32(b + 16);
	t->flags = get32(b + 20);
	if ((t->flags & ~LINK_TABLE_F_KNOWN) != 0 ||
			((t->flags & LINK_TABLE_F_EPOCH) && t->table_id == 0) ||
			((t->flags & (LINK_TABLE_F_LEFT | LINK_TABLE_F_PREV)) &&
			!(t->flags & LINK_TABLE_F_EPOCH)) ||
			t->total == 0 ||
			t->total > RING_MEMBERS_MAX || t->n == 0 ||
			t->n > LINK_TABLE_CHUNK_MAX || t->first >= t->total ||
			t->n > t->total - t->first)
		return LINK_E_FIELD;
	if (len != CTL_TABLE_LEN + t->n * LINK_MEMBER_LEN)
		return LINK_E_LENGTH;
	t->members = b + CTL_TABLE_LEN;
	for (uint32_t i = 0; i < t->n; i++) {
		struct link_member m;

		if (t->members[i * LINK_MEMBER_LEN + 11] != 0)
			return LINK_E_FIELD;
		link_table_member(t, i, &m);
		if (!member_valid(&m))
			return LINK_E_FIELD;
	}
	return LINK_OK;
}

enum link_error
link_decode(const uint8_t *buf, size_t len, struct link_msg *out)
{
	const uint8_t *b = buf + LINK_HDR_LEN;
	uint32_t blen;

	if (len < LINK_HDR_LEN)
		return LINK_E_SHORT;
	out->type = get16(buf);
	if (get16(buf + 2) != LINK_PROTO_VERSION)
		return LINK_E_VERSION;
	if (out->type == 0 || out->type >= LINK_TYPE_MAX)
		return LINK_E_TYPE;
	blen = get32(buf + 4);
	if (len > LINK_MSG_MAX || blen != len - LINK_HDR_LEN)
		return LINK_E_LENGTH;

	switch (out->type) {
	case LINK_HELLO:
		if (blen != CTL_HELLO_LEN)
			return LINK_E_LENGTH;
		if (get32(b + 4) != 0)
			return LINK_E_FIELD;
		out->u.pid = get32(b);
		return LINK_OK;
	case LINK_STATE: {
		struct link_state *s = &out->u.state;

		if (blen != CTL_STATE_LEN)
			return LINK_E_LENGTH;
		s->node_id = get32(b);
		s->address = get32(b + 4);
		s->udp_port = get16(b + 8);
		s->zone = b[10];
		s->weight = get32(b + 12);
		s->incarnation = get32(b + 16);
		s->ring_epoch = get64(b + 20);
		s->n_members = get32(b + 28);
		if (b[11] != 0 || s->node_id == 0 || s->udp_port == 0 ||
				s->weight == 0 || s->weight > RING_WEIGHT_MAX ||
				s->n_members > RING_MEMBERS_MAX)
			return LINK_E_FIELD;
		return LINK_OK;
	}
	case LINK_PUNT:
	case LINK_SEND: {
		struct link_datagram *d = &out->u.dgram;

		if (blen < CTL_DGRAM_LEN)
			return LINK_E_SHORT;
		d->ip = get32(b);
		d->udp_port = get16(b + 4);
		d->len = get16(b + 6);
		if (d->udp_port == 0 || d->len == 0 ||
				d->len > RUMOR_DATAGRAM_MAX)
			return LINK_E_FIELD;
		if (blen != CTL_DGRAM_LEN + (uint32_t)d->len)
			return LINK_E_LENGTH;
		d->data = b + CTL_DGRAM_LEN;
		return LINK_OK;
	}
	case LINK_TABLE:
		return decode_table(b, blen, &out->u.table);
	case LINK_INCARNATION:
		if (blen != CTL_U32_LEN)
			return LINK_E_LENGTH;
		out->u.incarnation = get32(b);
		return LINK_OK;
	case LINK_STATS_REQ:
		return blen == 0 ? LINK_OK : LINK_E_LENGTH;
	case LINK_STATS:
		if (blen > LINK_STATS_TEXT_MAX)
			return LINK_E_LENGTH;
		out->u.stats.text = (const char *)b;
		out->u.stats.len = blen;
		return LINK_OK;
	default:
		return LINK_E_TYPE;
	}
}

void
link_table_member(const struct link_table *t, uint32_t i,
		struct link_member *out)
{
	const uint8_t *p = t->members + (size_t)i * LINK_MEMBER_LEN;

	out->id = get32(p);
	out->ip = get32(p + 4);
	out->udp_port = get16(p + 8);
	out->zone = p[10];
	out->weight = get32(p + 12);
}

const char *
link_error_name(enum link_error e)
{
	return (unsigned)e < LINK_ERROR_MAX ? ctl_error_names[e] : "unknown";
}

const char *
link_type_name(uint16_t type)
{
	return type > 0 && type < LINK_TYPE_MAX ? ctl_type_names[type] :
			"unknown";
}

/* Write the header of a packet with blen bytes of body; 0 if no room. */
static size_t
header(uint8_t *buf, size_t cap, uint16_t type, size_t blen)
{
	size_t len = LINK_HDR_LEN + blen;

	if (len > cap || len > LINK_MSG_MAX)
		return 0;
	put16(buf, type);
	put16(buf + 2, LINK_PROTO_VERSION);
	put32(buf + 4, (uint32_t)blen);
	return len;
}

size_t
link_encode_hello(uint8_t *buf, size_t cap, uint32_t pid)
{
	size_t len = header(buf, cap, LINK_HELLO, CTL_HELLO_LEN);

	if (len == 0)
		return 0;
	put32(buf + LINK_HDR_LEN, pid);
	put32(buf + LINK_HDR_LEN + 4, 0);
	return len;
}

size_t
link_encode_state(uint8_t *buf, size_t cap, const struct link_state *s)
{
	uint8_t *b = buf + LINK_HDR_LEN;
	size_t len;

	if (s->node_id == 0 || s->udp_port == 0 || s->weight == 0 ||
			s->weight > RING_WEIGHT_MAX ||
			s->n_members > RING_MEMBERS_MAX)
		return 0;
	len = header(buf, cap, LINK_STATE, CTL_STATE_LEN);
	if (len == 0)
		return 0;
	put32(b, s->node_id);
	put32(b + 4, s->address);
	put16(b + 8, s->udp_port);
	b[10] = s->zone;
	b[11] = 0;
	put32(b + 12, s->weight);
	put32(b + 16, s->incarnation);
	put64(b + 20, s->ring_epoch);
	put32(b + 28, s->n_members);
	return len;
}

size_t
link_encode_dgram(uint8_t *buf, size_t cap, uint16_t type, uint32_t ip,
		uint16_t udp_port, const uint8_t *data, uint16_t len)
{
	uint8_t *b = buf + LINK_HDR_LEN;
	size_t total;

	if ((type != LINK_PUNT && type != LINK_SEND) || udp_port == 0 ||
			len == 0 || len > RUMOR_DATAGRAM_MAX)
		return 0;
	total = header(buf, cap, type, CTL_DGRAM_LEN + (size_t)len);
	if (total == 0)
		return 0;
	put32(b, ip);
	put16(b + 4, udp_port);
	put16(b + 6, len);
	memcpy(b + CTL_DGRAM_LEN, data, len);
	return total;
}

size_t
link_encode_table(uint8_t *buf, size_t cap, uint64_t table_id,
		uint32_t total, uint32_t first, const struct link_member *m,
		uint32_t n)
{
	return link_encode_table_flags(buf, cap, table_id, 0, total, first,
			m, n);
}

size_t
link_encode_table_flags(uint8_t *buf, size_t cap, uint64_t table_id,
		uint32_t flags, uint32_t total, uint32_t first,
		const struct link_member *m, uint32_t n)
{
	uint8_t *b = buf + LINK_HDR_LEN;
	size_t len;

	if ((flags & ~LINK_TABLE_F_KNOWN) != 0 ||
			((flags & LINK_TABLE_F_EPOCH) && table_id == 0) ||
			((flags & (LINK_TABLE_F_LEFT | LINK_TABLE_F_PREV)) &&
			!(flags & LINK_TABLE_F_EPOCH)) ||
			total == 0 || total > RING_MEMBERS_MAX || n == 0 ||
			n > LINK_TABLE_CHUNK_MAX || first >= total ||
			n > total - first)
		return 0;
	for (uint32_t i = 0; i < n; i++)
		if (!member_valid(&m[i]))
			return 0;
	len = header(buf, cap, LINK_TABLE, CTL_TABLE_LEN +
			(size_t)n * LINK_MEMBER_LEN);
	if (len == 0)
		return 0;
	put64(b, table_id);
	put32(b + 8, total);
	put32(b + 12, first);
	put32(b + 16, n);
	put32(b + 20, flags);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *p = b + CTL_TABLE_LEN + (size_t)i * LINK_MEMBER_LEN;

		put32(p, m[i].id);
		put32(p + 4, m[i].ip);
		put16(p + 8, m[i].udp_port);
		p[10] = m[i].zone;
		p[11] = 0;
		put32(p + 12, m[i].weight);
	}
	return len;
}

size_t
link_encode_u32(uint8_t *buf, size_t cap, uint16_t type, uint32_t v)
{
	size_t len;

	if (type != LINK_INCARNATION)
		return 0;
	len = header(buf, cap, type, CTL_U32_LEN);
	if (len == 0)
		return 0;
	put32(buf + LINK_HDR_LEN, v);
	return len;
}

size_t
link_encode_empty(uint8_t *buf, size_t cap, uint16_t type)
{
	if (type != LINK_STATS_REQ)
		return 0;
	return header(buf, cap, type, 0);
}

size_t
link_encode_stats(uint8_t *buf, size_t cap, const char *text, uint32_t len)
{
	size_t total;

	if (len > LINK_STATS_TEXT_MAX)
		return 0;
	total = header(buf, cap, LINK_STATS, len);
	if (total == 0)
		return 0;
	if (len > 0)
		memcpy(buf + LINK_HDR_LEN, text, len);
	return total;
}

int
link_table_feed(struct link_table_asm *a, const struct link_table *t)
{
	if (t->first == 0) {
		/* A new table starts; whatever was pending is dropped. */
		struct link_member *m = realloc(a->m,
				(size_t)t->total * sizeof(*m));

		if (m == NULL) {
			link_table_asm_free(a);
			return -1;
		}
		a->m = m;
		a->table_id = t->table_id;
		a->flags = t->flags;
		a->total = t->total;
		a->have = 0;
	} else if (a->m == NULL || t->table_id != a->table_id ||
			t->flags != a->flags || t->total != a->total || t->first != a->have) {
		link_table_asm_free(a);
		return -1;
	}
	for (uint32_t i = 0; i < t->n; i++)
		link_table_member(t, i, &a->m[a->have + i]);
	a->have += t->n;
	return a->have == a->total ? 1 : 0;
}

void
link_table_asm_free(struct link_table_asm *a)
{
	free(a->m);
	memset(a, 0, sizeof(*a));
}
