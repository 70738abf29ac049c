/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Codec of the control link (include/rumor/link_proto.h). Both ends are
 * local, but the decoder still trusts nothing: a packet is checked field
 * by field, within its length, before anything is returned.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/bytes.h"
#include "rumor/link_proto.h"
#include "rumor/ring.h"

/* Fixed body sizes. */
#define CTL_HELLO_LEN 8u
#define CTL_STATE_LEN 32u
#define CTL_DGRAM_LEN 8u	/* Before the datagram bytes. */
#define CTL_TABLE_LEN 24u	/* Before the members. */
#define CTL_U32_LEN 4u

RUMOR_ENUM_NAME_FN(link_error_name, enum link_error, LINK_ERRORS,
		LINK_ERROR_MAX, "unknown")
RUMOR_ENUM_NAME_FN(link_type_name, uint16_t, LINK_TYPES, LINK_TYPE_MAX,
		"unknown")

static int
member_valid(const struct link_member *m)
{
	return m->id != 0 && m->udp_port != 0 && m->weight >= 1 &&
			m->weight <= RING_WEIGHT_MAX;
}

/* The checks of a STATE that its decoder and its encoder share. */
static bool
state_valid(const struct link_state *s)
{
	return s->node_id != 0 && s->udp_port != 0 && s->weight != 0 &&
			s->weight <= RING_WEIGHT_MAX &&
			s->n_members <= RING_MEMBERS_MAX;
}

/* The same for the head of a TABLE chunk. */
static bool
table_head_valid(uint64_t table_id, uint32_t flags, uint32_t total,
		uint32_t first, uint32_t n)
{
	return (flags & ~LINK_TABLE_F_KNOWN) == 0 &&
			(!(flags & LINK_TABLE_F_EPOCH) || table_id != 0) &&
			(!(flags & (LINK_TABLE_F_LEFT | LINK_TABLE_F_PREV)) ||
			(flags & LINK_TABLE_F_EPOCH)) &&
			(!(flags & LINK_TABLE_F_ALIVE) ||
			flags == LINK_TABLE_F_ALIVE) &&
			total != 0 && total <= RING_MEMBERS_MAX && n != 0 &&
			n <= LINK_TABLE_CHUNK_MAX && first < total &&
			n <= total - first;
}

/* A TABLE body of len bytes, at least CTL_TABLE_LEN. */
static enum link_error
decode_table(const uint8_t *b, uint32_t len, struct link_table *t)
{
	t->table_id = rumor_load64(b);
	t->total = rumor_load32(b + 8);
	t->first = rumor_load32(b + 12);
	t->n = rumor_load32(b + 16);
	t->flags = rumor_load32(b + 20);
	if (!table_head_valid(t->table_id, t->flags, t->total, t->first, t->n))
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
	out->type = rumor_load16(buf);
	if (rumor_load16(buf + 2) != LINK_PROTO_VERSION)
		return LINK_E_VERSION;
	if (out->type == 0 || out->type >= LINK_TYPE_MAX)
		return LINK_E_TYPE;
	blen = rumor_load32(buf + 4);
	if (len > LINK_MSG_MAX || blen != len - LINK_HDR_LEN)
		return LINK_E_LENGTH;

	switch (out->type) {
	case LINK_HELLO:
		if (blen != CTL_HELLO_LEN)
			return LINK_E_LENGTH;
		if (rumor_load32(b + 4) != 0)
			return LINK_E_FIELD;
		out->u.pid = rumor_load32(b);
		return LINK_OK;
	case LINK_STATE: {
		struct link_state *s = &out->u.state;

		if (blen != CTL_STATE_LEN)
			return LINK_E_LENGTH;
		s->node_id = rumor_load32(b);
		s->address = rumor_load32(b + 4);
		s->udp_port = rumor_load16(b + 8);
		s->zone = b[10];
		s->weight = rumor_load32(b + 12);
		s->incarnation = rumor_load32(b + 16);
		s->ring_epoch = rumor_load64(b + 20);
		s->n_members = rumor_load32(b + 28);
		if (b[11] != 0 || !state_valid(s))
			return LINK_E_FIELD;
		return LINK_OK;
	}
	case LINK_PUNT:
	case LINK_SEND: {
		struct link_datagram *d = &out->u.dgram;

		if (blen < CTL_DGRAM_LEN)
			return LINK_E_SHORT;
		d->ip = rumor_load32(b);
		d->udp_port = rumor_load16(b + 4);
		d->len = rumor_load16(b + 6);
		if (d->udp_port == 0 || d->len == 0 ||
				d->len > RUMOR_DATAGRAM_MAX)
			return LINK_E_FIELD;
		if (blen != CTL_DGRAM_LEN + (uint32_t)d->len)
			return LINK_E_LENGTH;
		d->data = b + CTL_DGRAM_LEN;
		return LINK_OK;
	}
	case LINK_TABLE:
		if (blen < CTL_TABLE_LEN)
			return LINK_E_SHORT;
		return decode_table(b, blen, &out->u.table);
	case LINK_INCARNATION:
		if (blen != CTL_U32_LEN)
			return LINK_E_LENGTH;
		out->u.incarnation = rumor_load32(b);
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

	out->id = rumor_load32(p);
	out->ip = rumor_load32(p + 4);
	out->udp_port = rumor_load16(p + 8);
	out->zone = p[10];
	out->weight = rumor_load32(p + 12);
}

/* Write the header of a packet with blen bytes of body; 0 if no room. */
static size_t
header(uint8_t *buf, size_t cap, uint16_t type, size_t blen)
{
	size_t len = LINK_HDR_LEN + blen;

	if (len > cap || len > LINK_MSG_MAX)
		return 0;
	rumor_store16(buf, type);
	rumor_store16(buf + 2, LINK_PROTO_VERSION);
	rumor_store32(buf + 4, (uint32_t)blen);
	return len;
}

size_t
link_encode_hello(uint8_t *buf, size_t cap, uint32_t pid)
{
	size_t len = header(buf, cap, LINK_HELLO, CTL_HELLO_LEN);

	if (len == 0)
		return 0;
	rumor_store32(buf + LINK_HDR_LEN, pid);
	rumor_store32(buf + LINK_HDR_LEN + 4, 0);
	return len;
}

size_t
link_encode_state(uint8_t *buf, size_t cap, const struct link_state *s)
{
	uint8_t *b = buf + LINK_HDR_LEN;
	size_t len;

	if (!state_valid(s))
		return 0;
	len = header(buf, cap, LINK_STATE, CTL_STATE_LEN);
	if (len == 0)
		return 0;
	rumor_store32(b, s->node_id);
	rumor_store32(b + 4, s->address);
	rumor_store16(b + 8, s->udp_port);
	b[10] = s->zone;
	b[11] = 0;
	rumor_store32(b + 12, s->weight);
	rumor_store32(b + 16, s->incarnation);
	rumor_store64(b + 20, s->ring_epoch);
	rumor_store32(b + 28, s->n_members);
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
	rumor_store32(b, ip);
	rumor_store16(b + 4, udp_port);
	rumor_store16(b + 6, len);
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

	if (!table_head_valid(table_id, flags, total, first, n))
		return 0;
	for (uint32_t i = 0; i < n; i++)
		if (!member_valid(&m[i]))
			return 0;
	len = header(buf, cap, LINK_TABLE, CTL_TABLE_LEN +
			(size_t)n * LINK_MEMBER_LEN);
	if (len == 0)
		return 0;
	rumor_store64(b, table_id);
	rumor_store32(b + 8, total);
	rumor_store32(b + 12, first);
	rumor_store32(b + 16, n);
	rumor_store32(b + 20, flags);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *p = b + CTL_TABLE_LEN + (size_t)i * LINK_MEMBER_LEN;

		rumor_store32(p, m[i].id);
		rumor_store32(p + 4, m[i].ip);
		rumor_store16(p + 8, m[i].udp_port);
		p[10] = m[i].zone;
		p[11] = 0;
		rumor_store32(p + 12, m[i].weight);
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
	rumor_store32(buf + LINK_HDR_LEN, v);
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
