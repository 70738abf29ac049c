/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The codec of channel state's messages (include/rumor/state_wire.h).
 * It is built on the channel codec's: the header is checked by
 * chan_hdr_decode and written by chan_hdr_write. Each part has one check
 * of its fields, which the decoder runs on what it read and the encoder
 * on what it was given, so that the two cannot disagree; every decoder
 * checks a length before it reads what the length covers, and whatever
 * it accepts encodes again to the same bytes. The states carried (crdt
 * encodings) are opaque here: only their length is judged, and the
 * receiver's crdt decoder judges the rest under its own limits.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rumor/bytes.h"
#include "rumor/chan_wire.h"
#include "rumor/crdt.h"
#include "rumor/repl_wire.h"
#include "rumor/ring.h"
#include "rumor/state_wire.h"
#include "rumor/wire.h"

/* Offsets of the fields of the parts. */
enum state_off {
	/* STATE_WRITE and STATE_READ: the same first 40 bytes. */
	STATE_OFF_REQUEST = 0,		/* And STATE_REPLY's. */
	STATE_OFF_CLIENT = 8,
	STATE_OFF_LEVEL = 16,
	STATE_OFF_KIND = 17,
	STATE_OFF_OP = 18,		/* STATE_WRITE; reserved in a READ. */
	STATE_OFF_W_RSV = 19,
	STATE_OFF_KEY_LEN = 20,
	STATE_OFF_FIELD_LEN = 22,
	STATE_OFF_VIA = 24,		/* And STATE_REPLY's. */
	STATE_OFF_RSV2 = 37,		/* And STATE_REPLY's. */
	STATE_OFF_BY = 40,		/* STATE_WRITE only. */
	STATE_OFF_RE_STATUS = 8,	/* STATE_REPLY. */
	STATE_OFF_RE_LEVEL = 9,
	STATE_OFF_RE_REPLICAS = 10,
	STATE_OFF_RE_KIND = 11,
	STATE_OFF_RE_RSV = 12,
	STATE_OFF_DE_DIGEST = 0,	/* STATE_DELTA. */
	STATE_OFF_DE_KIND = 8,
	STATE_OFF_DE_FORM = 9,
	STATE_OFF_DE_KEY_LEN = 10,
	STATE_OFF_DE_RSV = 12,
	STATE_OFF_DI_LO = 0,		/* STATE_DIGEST. */
	STATE_OFF_DI_HI = 8,
	STATE_OFF_DI_COUNT = 16,
	STATE_OFF_DI_RSV = 20,
	STATE_OFF_EN_HASH = 0,		/* Each entry of a STATE_DIGEST. */
	STATE_OFF_EN_KIND = 8,
	STATE_OFF_EN_RSV = 9,
	STATE_OFF_EN_DIGEST = 12,
};

_Static_assert(STATE_OFF_VIA + STATE_VIA_LEN == STATE_OFF_RSV2 &&
		STATE_OFF_RSV2 + 3 == STATE_READ_LEN &&
		STATE_READ_LEN == STATE_OFF_BY &&
		STATE_OFF_BY + 8 == STATE_WRITE_LEN, "request layout");
_Static_assert(STATE_OFF_RE_RSV + 12 == STATE_OFF_VIA &&
		STATE_OFF_RSV2 + 3 == STATE_REPLY_LEN, "reply layout");
_Static_assert(STATE_OFF_DE_RSV + 4 == STATE_DELTA_LEN, "delta layout");
_Static_assert(STATE_OFF_DI_RSV + 4 == STATE_DIGEST_LEN &&
		STATE_OFF_EN_DIGEST + 8 == STATE_DIGEST_ENTRY_LEN,
		"digest layout");
_Static_assert(STATE_VIA_LEN == REPL_VIA_LEN,
		"the return path is an acked PUBLISH's");
_Static_assert(STATE_REPLY_LEN <= STATE_READ_LEN &&
		STATE_READ_LEN <= STATE_WRITE_LEN,
		"a refusal is never larger than the request it answers");
_Static_assert(STATE_PART_MAX == RUMOR_DATAGRAM_MAX -
		sizeof(struct rumor_hdr) - RUMOR_AUTH_LEN - 1,
		"the largest part is beside a 1-byte name");
_Static_assert(sizeof(struct rumor_hdr) + RUMOR_AUTH_LEN +
		RUMOR_CHANNEL_MAX + STATE_DIGEST_LEN + STATE_DIGEST_ENTRIES_MAX *
		STATE_DIGEST_ENTRY_LEN <= RUMOR_DATAGRAM_MAX &&
		sizeof(struct rumor_hdr) + RUMOR_AUTH_LEN +
		RUMOR_CHANNEL_MAX + STATE_DIGEST_LEN +
		(STATE_DIGEST_ENTRIES_MAX + 1) * STATE_DIGEST_ENTRY_LEN >
		RUMOR_DATAGRAM_MAX, "a full digest fits any channel's datagram");
_Static_assert(STATE_KEY_MAX <= UINT16_MAX, "key lengths are u16");
_Static_assert(STATE_REPLICAS_MAX <= UINT8_MAX, "replicas is a u8");
_Static_assert((int)STATE_KIND_COUNTER == CRDT_T_COUNTER &&
		(int)STATE_KIND_REGISTER == CRDT_T_REGISTER &&
		(int)STATE_KIND_PRESENCE == CRDT_T_PRESENCE,
		"kinds are numbered as the crdt encodings' types");
_Static_assert(RUMOR_T_STATE_WRITE == RUMOR_T_REPL_STATE + 1 &&
		RUMOR_T_STATE_DIGEST + 1 == RUMOR_T_MAX,
		"state's types follow replication's, and end the list");

RUMOR_ENUM_NAME_FN(state_wire_error_name, enum state_wire_error,
		STATE_WIRE_ERRORS, STATE_WIRE_ERROR_MAX, "?")
RUMOR_ENUM_NAME_FN(state_level_name, enum state_level, STATE_LEVELS,
		STATE_LEVEL_MAX, "?")
RUMOR_ENUM_NAME_FN(state_kind_name, enum state_kind, STATE_KINDS,
		STATE_KIND_MAX, "?")
RUMOR_ENUM_NAME_FN(state_op_name, enum state_op, STATE_OPS, STATE_OP_MAX,
		"?")
RUMOR_ENUM_NAME_FN(state_status_name, enum state_status, STATE_STATUSES,
		STATE_ST_MAX, "?")
RUMOR_ENUM_NAME_FN(state_form_name, enum state_form, STATE_FORMS,
		STATE_FORM_MAX, "?")

enum state_kind
state_op_kind(unsigned op)
{
	switch (op) {
	case STATE_OP_COUNTER_ADD:
		return STATE_KIND_COUNTER;
	case STATE_OP_REGISTER_SET:
		return STATE_KIND_REGISTER;
	case STATE_OP_MAP_SET:
	case STATE_OP_MAP_INCR:
	case STATE_OP_MAP_DEL:
		return STATE_KIND_MAP;
	case STATE_OP_PRESENCE_ENTER:
	case STATE_OP_PRESENCE_UPDATE:
	case STATE_OP_PRESENCE_LEAVE:
		return STATE_KIND_PRESENCE;
	default:
		return STATE_KIND_NONE;
	}
}

bool
state_op_has_by(unsigned op)
{
	return op == STATE_OP_COUNTER_ADD || op == STATE_OP_MAP_INCR;
}

bool
state_op_has_value(unsigned op)
{
	return op == STATE_OP_REGISTER_SET || op == STATE_OP_MAP_SET ||
			op == STATE_OP_PRESENCE_ENTER ||
			op == STATE_OP_PRESENCE_UPDATE;
}

/* True if the n bytes at p are all 0. */
static bool
state_zero(const uint8_t *p, size_t n)
{
	uint8_t any = 0;

	for (size_t i = 0; i < n; i++)
		any |= p[i];
	return any == 0;
}

/* Copy n bytes that may be none from a pointer that may then be NULL. */
static void
state_copy(uint8_t *to, const uint8_t *from, size_t n)
{
	if (n > 0)
		memcpy(to, from, n);
}

/*
 * Field checks, shared by each decoder (on what it read) and encoder (on
 * what it was given), in the order the header documents.
 */

/* A level a request asks for: LOCAL .. ALL. */
static enum state_wire_error
state_level_check(uint8_t level)
{
	return level == STATE_LEVEL_NONE || level >= STATE_LEVEL_MAX ?
			STATE_WIRE_LEVEL : STATE_WIRE_OK;
}

/* The kind of an object: COUNTER .. MAP. */
static enum state_wire_error
state_kind_check(uint8_t kind)
{
	return kind == STATE_KIND_NONE || kind >= STATE_KIND_MAX ?
			STATE_WIRE_KIND : STATE_WIRE_OK;
}

/*
 * What a request's first 40 bytes say, but the op and by: request,
 * level, kind, then the key and the field, which only a map has.
 */
static enum state_wire_error
state_request_check(uint64_t request, uint8_t level, uint8_t kind)
{
	enum state_wire_error e;

	if (request == 0)
		return STATE_WIRE_REQUEST;
	e = state_level_check(level);
	return e != STATE_WIRE_OK ? e : state_kind_check(kind);
}

static enum state_wire_error
state_keys_check(uint8_t kind, size_t key_len, size_t field_len)
{
	if (key_len > STATE_KEY_MAX || field_len > STATE_KEY_MAX)
		return STATE_WIRE_KEY;
	return field_len != 0 && kind != STATE_KIND_MAP ? STATE_WIRE_KEY :
			STATE_WIRE_OK;
}

/* A STATE_WRITE's fields but its value. */
static enum state_wire_error
state_write_check(const struct state_write *w)
{
	enum state_wire_error e = state_request_check(w->request, w->level,
			w->kind);

	if (e != STATE_WIRE_OK)
		return e;
	if (w->op >= STATE_OP_MAX || state_op_kind(w->op) != w->kind)
		return STATE_WIRE_OP;
	e = state_keys_check(w->kind, w->key_len, w->field_len);
	if (e != STATE_WIRE_OK)
		return e;
	return w->by != 0 && !state_op_has_by(w->op) ? STATE_WIRE_BY :
			STATE_WIRE_OK;
}

/* Its value: only the operations that carry one, within the bound. */
static enum state_wire_error
state_value_check(uint8_t op, size_t value_len)
{
	if (value_len == 0)
		return STATE_WIRE_OK;
	return !state_op_has_value(op) || value_len > STATE_VALUE_MAX ?
			STATE_WIRE_VALUE : STATE_WIRE_OK;
}

static enum state_wire_error
state_read_check(const struct state_read *r)
{
	enum state_wire_error e = state_request_check(r->request, r->level,
			r->kind);

	return e != STATE_WIRE_OK ? e :
			state_keys_check(r->kind, r->key_len, r->field_len);
}

/*
 * A reply says what was met only when something was (OK, TIMEOUT), and
 * carries a state only on an OK; a state is never shorter than a crdt
 * encoding's header.
 */
static enum state_wire_error
state_reply_check(const struct state_reply *r)
{
	if (r->request == 0)
		return STATE_WIRE_REQUEST;
	if (r->status >= STATE_ST_MAX)
		return STATE_WIRE_STATUS;
	if (r->level >= STATE_LEVEL_MAX)
		return STATE_WIRE_LEVEL;
	if (r->replicas > STATE_REPLICAS_MAX)
		return STATE_WIRE_REPLICAS;
	if (r->kind >= STATE_KIND_MAX)
		return STATE_WIRE_KIND;
	switch (r->status) {
	case STATE_ST_OK:
		if (r->level == STATE_LEVEL_NONE)
			return STATE_WIRE_STATUS;
		break;
	case STATE_ST_TIMEOUT:
		/* Had every replica answered, it would not be a timeout. */
		if (r->level == STATE_LEVEL_ALL || r->kind != STATE_KIND_NONE)
			return STATE_WIRE_STATUS;
		break;
	default:
		if (r->level != 0 || r->replicas != 0 || r->kind != 0)
			return STATE_WIRE_STATUS;
	}
	if (r->kind == STATE_KIND_NONE ? r->body_len != 0 :
			r->body_len < CRDT_HDR_LEN)
		return STATE_WIRE_BODY;
	return STATE_WIRE_OK;
}

/* A STATE_DELTA's fields but its body. */
static enum state_wire_error
state_delta_check(const struct state_delta *d)
{
	enum state_wire_error e = state_kind_check(d->kind);

	if (e != STATE_WIRE_OK)
		return e;
	if (d->form == STATE_FORM_NONE || d->form >= STATE_FORM_MAX)
		return STATE_WIRE_FORM;
	return d->key_len > STATE_KEY_MAX ? STATE_WIRE_KEY : STATE_WIRE_OK;
}

/* Entry i of a digest: its kind, within lo .. hi, above the one before. */
static enum state_wire_error
state_entry_check(const struct state_digest *d, uint32_t i)
{
	const struct state_digest_entry *en = &d->entry[i], *prev;
	enum state_wire_error e = state_kind_check(en->kind);

	if (e != STATE_WIRE_OK)
		return e;
	if (en->key_hash < d->lo || en->key_hash > d->hi)
		return STATE_WIRE_RANGE;
	if (i == 0)
		return STATE_WIRE_OK;
	prev = en - 1;
	if (prev->key_hash > en->key_hash || (prev->key_hash == en->key_hash &&
			prev->kind >= en->kind))
		return STATE_WIRE_ORDER;
	return STATE_WIRE_OK;
}

/* A digest's fields but the reserved bytes of its entries. */
static enum state_wire_error
state_digest_check(const struct state_digest *d)
{
	enum state_wire_error e;

	if (d->count > STATE_DIGEST_ENTRIES_MAX)
		return STATE_WIRE_COUNT;
	if (d->lo > d->hi)
		return STATE_WIRE_RANGE;
	for (uint32_t i = 0; i < d->count; i++) {
		e = state_entry_check(d, i);
		if (e != STATE_WIRE_OK)
			return e;
	}
	return STATE_WIRE_OK;
}

/*
 * The first 40 bytes of a request. A reader also refuses a reserved
 * field not 0 (a STATE_READ's op byte among them); a writer writes them
 * 0. The key and field lengths are the caller's to judge.
 */
static enum state_wire_error
state_request_read(const uint8_t *buf, bool write, uint64_t *request,
		uint64_t *client, uint8_t *level, uint8_t *kind, uint8_t *via,
		size_t *key_len, size_t *field_len)
{
	if ((!write && buf[STATE_OFF_OP] != 0) || buf[STATE_OFF_W_RSV] != 0 ||
			!state_zero(buf + STATE_OFF_RSV2,
			STATE_READ_LEN - STATE_OFF_RSV2))
		return STATE_WIRE_RESERVED;
	*request = rumor_get64(buf + STATE_OFF_REQUEST);
	*client = rumor_get64(buf + STATE_OFF_CLIENT);
	*level = buf[STATE_OFF_LEVEL];
	*kind = buf[STATE_OFF_KIND];
	memcpy(via, buf + STATE_OFF_VIA, STATE_VIA_LEN);
	*key_len = rumor_get16(buf + STATE_OFF_KEY_LEN);
	*field_len = rumor_get16(buf + STATE_OFF_FIELD_LEN);
	return STATE_WIRE_OK;
}

static void
state_request_write(uint8_t *buf, uint64_t request, uint64_t client,
		uint8_t level, uint8_t kind, uint8_t op, const uint8_t *via,
		size_t key_len, size_t field_len)
{
	rumor_put64(buf + STATE_OFF_REQUEST, request);
	rumor_put64(buf + STATE_OFF_CLIENT, client);
	buf[STATE_OFF_LEVEL] = level;
	buf[STATE_OFF_KIND] = kind;
	buf[STATE_OFF_OP] = op;
	buf[STATE_OFF_W_RSV] = 0;
	rumor_put16(buf + STATE_OFF_KEY_LEN, (uint16_t)key_len);
	rumor_put16(buf + STATE_OFF_FIELD_LEN, (uint16_t)field_len);
	memcpy(buf + STATE_OFF_VIA, via, STATE_VIA_LEN);
	memset(buf + STATE_OFF_RSV2, 0, STATE_READ_LEN - STATE_OFF_RSV2);
}

size_t
state_write_len(const struct state_write *w)
{
	return STATE_WRITE_LEN + w->key_len + w->field_len + w->value_len;
}

enum state_wire_error
state_write_decode(const uint8_t *buf, size_t len, struct state_write *out)
{
	enum state_wire_error e;
	size_t at;

	if (len < STATE_WRITE_LEN || len > STATE_PART_MAX)
		return STATE_WIRE_LENGTH;
	e = state_request_read(buf, true, &out->request, &out->client,
			&out->level, &out->kind, out->via, &out->key_len,
			&out->field_len);
	if (e != STATE_WIRE_OK)
		return e;
	out->op = buf[STATE_OFF_OP];
	out->by = (int64_t)rumor_get64(buf + STATE_OFF_BY);
	out->value_len = 0;
	e = state_write_check(out);
	if (e != STATE_WIRE_OK)
		return e;
	/* Each length is at most 1,024: their sum cannot wrap. */
	at = STATE_WRITE_LEN + out->key_len + out->field_len;
	if (at > len)
		return STATE_WIRE_LENGTH;
	out->key = buf + STATE_WRITE_LEN;
	out->field = out->key + out->key_len;
	out->value = buf + at;
	out->value_len = len - at;
	return state_value_check(out->op, out->value_len);
}

size_t
state_write_encode(const struct state_write *in, uint8_t *buf, size_t cap)
{
	size_t len;

	if (state_write_check(in) != STATE_WIRE_OK ||
			state_value_check(in->op, in->value_len) !=
			STATE_WIRE_OK)
		return 0;
	/* Each of the three is bounded now: the sum cannot wrap. */
	len = state_write_len(in);
	if (len > STATE_PART_MAX || len > cap)
		return 0;
	state_request_write(buf, in->request, in->client, in->level, in->kind,
			in->op, in->via, in->key_len, in->field_len);
	rumor_put64(buf + STATE_OFF_BY, (uint64_t)in->by);
	state_copy(buf + STATE_WRITE_LEN, in->key, in->key_len);
	state_copy(buf + STATE_WRITE_LEN + in->key_len, in->field,
			in->field_len);
	state_copy(buf + STATE_WRITE_LEN + in->key_len + in->field_len,
			in->value, in->value_len);
	return len;
}

size_t
state_read_len(const struct state_read *r)
{
	return STATE_READ_LEN + r->key_len + r->field_len;
}

enum state_wire_error
state_read_decode(const uint8_t *buf, size_t len, struct state_read *out)
{
	enum state_wire_error e;

	if (len < STATE_READ_LEN || len > STATE_PART_MAX)
		return STATE_WIRE_LENGTH;
	e = state_request_read(buf, false, &out->request, &out->client,
			&out->level, &out->kind, out->via, &out->key_len,
			&out->field_len);
	if (e != STATE_WIRE_OK)
		return e;
	e = state_read_check(out);
	if (e != STATE_WIRE_OK)
		return e;
	if (state_read_len(out) != len)
		return STATE_WIRE_LENGTH;
	out->key = buf + STATE_READ_LEN;
	out->field = out->key + out->key_len;
	return STATE_WIRE_OK;
}

size_t
state_read_encode(const struct state_read *in, uint8_t *buf, size_t cap)
{
	size_t len;

	if (state_read_check(in) != STATE_WIRE_OK)
		return 0;
	len = state_read_len(in);
	if (len > STATE_PART_MAX || len > cap)
		return 0;
	state_request_write(buf, in->request, in->client, in->level, in->kind,
			0, in->via, in->key_len, in->field_len);
	state_copy(buf + STATE_READ_LEN, in->key, in->key_len);
	state_copy(buf + STATE_READ_LEN + in->key_len, in->field,
			in->field_len);
	return len;
}

enum state_wire_error
state_reply_decode(const uint8_t *buf, size_t len, struct state_reply *out)
{
	if (len < STATE_REPLY_LEN || len > STATE_PART_MAX)
		return STATE_WIRE_LENGTH;
	if (!state_zero(buf + STATE_OFF_RE_RSV,
			STATE_OFF_VIA - STATE_OFF_RE_RSV) ||
			!state_zero(buf + STATE_OFF_RSV2,
			STATE_REPLY_LEN - STATE_OFF_RSV2))
		return STATE_WIRE_RESERVED;
	out->request = rumor_get64(buf + STATE_OFF_REQUEST);
	out->status = buf[STATE_OFF_RE_STATUS];
	out->level = buf[STATE_OFF_RE_LEVEL];
	out->replicas = buf[STATE_OFF_RE_REPLICAS];
	out->kind = buf[STATE_OFF_RE_KIND];
	memcpy(out->via, buf + STATE_OFF_VIA, STATE_VIA_LEN);
	out->body = buf + STATE_REPLY_LEN;
	out->body_len = len - STATE_REPLY_LEN;
	return state_reply_check(out);
}

size_t
state_reply_encode(const struct state_reply *in, uint8_t *buf, size_t cap)
{
	size_t len;

	if (state_reply_check(in) != STATE_WIRE_OK ||
			in->body_len > STATE_PART_MAX - STATE_REPLY_LEN)
		return 0;
	len = STATE_REPLY_LEN + in->body_len;
	if (len > cap)
		return 0;
	rumor_put64(buf + STATE_OFF_REQUEST, in->request);
	buf[STATE_OFF_RE_STATUS] = in->status;
	buf[STATE_OFF_RE_LEVEL] = in->level;
	buf[STATE_OFF_RE_REPLICAS] = in->replicas;
	buf[STATE_OFF_RE_KIND] = in->kind;
	memset(buf + STATE_OFF_RE_RSV, 0, STATE_OFF_VIA - STATE_OFF_RE_RSV);
	memcpy(buf + STATE_OFF_VIA, in->via, STATE_VIA_LEN);
	memset(buf + STATE_OFF_RSV2, 0, STATE_REPLY_LEN - STATE_OFF_RSV2);
	state_copy(buf + STATE_REPLY_LEN, in->body, in->body_len);
	return len;
}

size_t
state_reply_room(size_t chan_len, size_t bound)
{
	size_t fixed, most;

	if (chan_len == 0 || chan_len > RUMOR_CHANNEL_MAX)
		return 0;
	fixed = sizeof(struct rumor_hdr) + chan_len + STATE_REPLY_LEN;
	most = sizeof(struct rumor_hdr) + chan_len + state_part_max(chan_len);
	if (bound > most)
		bound = most;
	return bound > fixed ? bound - fixed : 0;
}

enum state_wire_error
state_delta_decode(const uint8_t *buf, size_t len, struct state_delta *out)
{
	enum state_wire_error e;
	size_t at;

	if (len < STATE_DELTA_LEN || len > STATE_PART_MAX)
		return STATE_WIRE_LENGTH;
	if (rumor_get32(buf + STATE_OFF_DE_RSV) != 0)
		return STATE_WIRE_RESERVED;
	out->digest = rumor_get64(buf + STATE_OFF_DE_DIGEST);
	out->kind = buf[STATE_OFF_DE_KIND];
	out->form = buf[STATE_OFF_DE_FORM];
	out->key_len = rumor_get16(buf + STATE_OFF_DE_KEY_LEN);
	e = state_delta_check(out);
	if (e != STATE_WIRE_OK)
		return e;
	at = STATE_DELTA_LEN + out->key_len;
	if (at > len)
		return STATE_WIRE_LENGTH;
	out->key = buf + STATE_DELTA_LEN;
	out->body = buf + at;
	out->body_len = len - at;
	return out->body_len < CRDT_HDR_LEN ? STATE_WIRE_BODY : STATE_WIRE_OK;
}

size_t
state_delta_encode(const struct state_delta *in, uint8_t *buf, size_t cap)
{
	size_t len;

	if (state_delta_check(in) != STATE_WIRE_OK ||
			in->body_len < CRDT_HDR_LEN ||
			in->body_len > STATE_PART_MAX)
		return 0;
	len = STATE_DELTA_LEN + in->key_len + in->body_len;
	if (len > STATE_PART_MAX || len > cap)
		return 0;
	rumor_put64(buf + STATE_OFF_DE_DIGEST, in->digest);
	buf[STATE_OFF_DE_KIND] = in->kind;
	buf[STATE_OFF_DE_FORM] = in->form;
	rumor_put16(buf + STATE_OFF_DE_KEY_LEN, (uint16_t)in->key_len);
	rumor_put32(buf + STATE_OFF_DE_RSV, 0);
	state_copy(buf + STATE_DELTA_LEN, in->key, in->key_len);
	state_copy(buf + STATE_DELTA_LEN + in->key_len, in->body,
			in->body_len);
	return len;
}

/* A digest's length depends on its count of entries. */
static size_t
state_digest_len(uint32_t count)
{
	return STATE_DIGEST_LEN + (size_t)count * STATE_DIGEST_ENTRY_LEN;
}

enum state_wire_error
state_digest_decode(const uint8_t *buf, size_t len, struct state_digest *out)
{
	if (len < STATE_DIGEST_LEN || len > STATE_PART_MAX)
		return STATE_WIRE_LENGTH;
	if (rumor_get32(buf + STATE_OFF_DI_RSV) != 0)
		return STATE_WIRE_RESERVED;
	out->lo = rumor_get64(buf + STATE_OFF_DI_LO);
	out->hi = rumor_get64(buf + STATE_OFF_DI_HI);
	out->count = rumor_get32(buf + STATE_OFF_DI_COUNT);
	/* The count, then the length it gives, before an entry is read. */
	if (out->count > STATE_DIGEST_ENTRIES_MAX)
		return STATE_WIRE_COUNT;
	if (len != state_digest_len(out->count))
		return STATE_WIRE_LENGTH;
	for (uint32_t i = 0; i < out->count; i++) {
		const uint8_t *p = buf + STATE_DIGEST_LEN +
				(size_t)i * STATE_DIGEST_ENTRY_LEN;

		if (!state_zero(p + STATE_OFF_EN_RSV,
				STATE_OFF_EN_DIGEST - STATE_OFF_EN_RSV))
			return STATE_WIRE_RESERVED;
		out->entry[i].key_hash = rumor_get64(p + STATE_OFF_EN_HASH);
		out->entry[i].kind = p[STATE_OFF_EN_KIND];
		out->entry[i].digest = rumor_get64(p + STATE_OFF_EN_DIGEST);
	}
	return state_digest_check(out);
}

size_t
state_digest_encode(const struct state_digest *in, uint8_t *buf, size_t cap)
{
	size_t len;

	if (state_digest_check(in) != STATE_WIRE_OK)
		return 0;
	len = state_digest_len(in->count);
	if (len > cap)
		return 0;
	rumor_put64(buf + STATE_OFF_DI_LO, in->lo);
	rumor_put64(buf + STATE_OFF_DI_HI, in->hi);
	rumor_put32(buf + STATE_OFF_DI_COUNT, in->count);
	rumor_put32(buf + STATE_OFF_DI_RSV, 0);
	for (uint32_t i = 0; i < in->count; i++) {
		uint8_t *p = buf + STATE_DIGEST_LEN +
				(size_t)i * STATE_DIGEST_ENTRY_LEN;

		rumor_put64(p + STATE_OFF_EN_HASH, in->entry[i].key_hash);
		p[STATE_OFF_EN_KIND] = in->entry[i].kind;
		memset(p + STATE_OFF_EN_RSV, 0,
				STATE_OFF_EN_DIGEST - STATE_OFF_EN_RSV);
		rumor_put64(p + STATE_OFF_EN_DIGEST, in->entry[i].digest);
	}
	return len;
}

/* The types state_msg_decode takes, none with a flag. */
static bool
state_type_ok(uint8_t type, uint8_t flags)
{
	return flags == 0 && type >= RUMOR_T_STATE_WRITE &&
			type <= RUMOR_T_STATE_DIGEST;
}

/* A client or its entry node sends a request; only a node the others. */
static enum state_wire_error
state_origin_check(uint8_t type, uint32_t origin)
{
	if (type == RUMOR_T_STATE_WRITE || type == RUMOR_T_STATE_READ)
		return STATE_WIRE_OK;
	return origin != 0 ? STATE_WIRE_OK : STATE_WIRE_ORIGIN;
}

/* chan_hdr_decode's verdicts, by the names this codec gives them. */
static enum state_wire_error
state_hdr_error(enum chan_wire_error e)
{
	switch (e) {
	case CHAN_WIRE_OK:
		return STATE_WIRE_OK;
	case CHAN_WIRE_SHORT:
		return STATE_WIRE_SHORT;
	case CHAN_WIRE_HEADER:
		return STATE_WIRE_HEADER;
	case CHAN_WIRE_TYPE:
		return STATE_WIRE_TYPE;
	case CHAN_WIRE_CHANNEL:
		return STATE_WIRE_CHANNEL;
	default:
		return STATE_WIRE_LENGTH;
	}
}

/* Decode the part of m's type from body[0..len). */
static enum state_wire_error
state_body_decode(const uint8_t *body, size_t len, struct state_msg *m)
{
	switch (m->type) {
	case RUMOR_T_STATE_WRITE:
		return state_write_decode(body, len, &m->u.write);
	case RUMOR_T_STATE_READ:
		return state_read_decode(body, len, &m->u.read);
	case RUMOR_T_STATE_REPLY:
		return state_reply_decode(body, len, &m->u.reply);
	case RUMOR_T_STATE_DELTA:
		return state_delta_decode(body, len, &m->u.delta);
	default:
		return state_digest_decode(body, len, &m->u.digest);
	}
}

/* Encode the part of m's type at p (cap bytes); its length, or 0. */
static size_t
state_body_encode(const struct state_msg *m, uint8_t *p, size_t cap)
{
	switch (m->type) {
	case RUMOR_T_STATE_WRITE:
		return state_write_encode(&m->u.write, p, cap);
	case RUMOR_T_STATE_READ:
		return state_read_encode(&m->u.read, p, cap);
	case RUMOR_T_STATE_REPLY:
		return state_reply_encode(&m->u.reply, p, cap);
	case RUMOR_T_STATE_DELTA:
		return state_delta_encode(&m->u.delta, p, cap);
	default:
		return state_digest_encode(&m->u.digest, p, cap);
	}
}

enum state_wire_error
state_msg_decode(const uint8_t *buf, size_t len, struct state_msg *out)
{
	struct chan_hdr h;
	enum state_wire_error e;

	e = state_hdr_error(chan_hdr_decode(buf, len, 0, state_type_ok, &h));
	if (e != STATE_WIRE_OK)
		return e;
	out->type = h.type;
	out->hop_limit = h.hop_limit;
	out->origin = h.origin;
	out->epoch = h.epoch;
	out->seq = h.seq;
	out->channel_hash = h.channel_hash;
	out->channel = h.channel;
	out->channel_len = h.channel_len;

	e = state_origin_check(out->type, out->origin);
	if (e != STATE_WIRE_OK)
		return e;
	/* State lives on an ordered channel's replicas. */
	if (chan_is_broadcast(h.channel, h.channel_len))
		return STATE_WIRE_CHANNEL_KIND;
	/* Room for the auth block, whoever sent it. */
	if (h.body_len > state_part_max(h.channel_len))
		return STATE_WIRE_LENGTH;
	return state_body_decode(h.body, h.body_len, out);
}

size_t
state_msg_encode(const struct state_msg *m, uint8_t *buf, size_t cap)
{
	uint8_t part[STATE_PART_MAX];
	size_t len, total;
	struct chan_hdr h;

	/* Check everything, and code the part aside, before writing. */
	if (!state_type_ok(m->type, 0) || m->channel == NULL ||
			m->channel_len == 0 ||
			m->channel_len > RUMOR_CHANNEL_MAX ||
			chan_is_broadcast(m->channel, m->channel_len) ||
			state_origin_check(m->type, m->origin) != STATE_WIRE_OK)
		return 0;
	len = state_body_encode(m, part, state_part_max(m->channel_len));
	if (len == 0)
		return 0;
	total = sizeof(struct rumor_hdr) + m->channel_len + len;
	if (total > cap)
		return 0;
	h = (struct chan_hdr){ .type = m->type, .flags = 0,
		.hop_limit = m->hop_limit, .origin = m->origin,
		.epoch = m->epoch, .seq = m->seq,
		.channel_hash = m->channel_hash, .channel = m->channel,
		.channel_len = m->channel_len, .body_len = len };
	memcpy(buf + chan_hdr_write(&h, buf), part, len);
	return total;
}

void
state_msg_init(struct state_msg *m, uint8_t type, const char *name,
		size_t len)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->hop_limit = RUMOR_DEFAULT_HOP_LIMIT;
	m->channel = name;
	m->channel_len = len;
	m->channel_hash = ring_channel_hash(name, len);
}
