/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the codec of channel state's messages
 * (include/rumor/state_wire.h) on arbitrary bytes, taken as a whole
 * datagram by state_msg_decode, as a part by each part decoder, and as
 * the part of each state type behind a valid header (so that the fuzzer
 * reaches the parts without first finding a header). Whatever is
 * accepted has every field within its range, points only inside the
 * input, and encodes back to the same bytes, while a buffer one byte
 * short is refused untouched. The channel and replication codecs never
 * take what this one does.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/chan_wire.h"
#include "rumor/repl_wire.h"
#include "rumor/state_wire.h"
#include "rumor/wire.h"
#include "fuzz.h"

/* p (n bytes) lies within buf[0..size). */
static void
check_inside(const uint8_t *p, size_t n, const uint8_t *buf, size_t size)
{
	FUZZ_CHECK(n == 0 || (p >= buf && n <= size &&
			(size_t)(p - buf) <= size - n));
}

static void
check_write(const struct state_write *w, const uint8_t *part, size_t len)
{
	FUZZ_CHECK(w->request != 0);
	FUZZ_CHECK(w->level >= STATE_LEVEL_LOCAL &&
			w->level <= STATE_LEVEL_ALL);
	FUZZ_CHECK(w->kind == state_op_kind(w->op) &&
			w->kind != STATE_KIND_NONE);
	FUZZ_CHECK(w->key_len <= STATE_KEY_MAX &&
			w->field_len <= STATE_KEY_MAX);
	FUZZ_CHECK(w->field_len == 0 || w->kind == STATE_KIND_MAP);
	FUZZ_CHECK(w->by == 0 || state_op_has_by(w->op));
	FUZZ_CHECK(w->value_len == 0 || state_op_has_value(w->op));
	FUZZ_CHECK(w->key == part + STATE_WRITE_LEN);
	FUZZ_CHECK(w->field == w->key + w->key_len);
	FUZZ_CHECK(w->value == w->field + w->field_len);
	FUZZ_CHECK(w->value + w->value_len == part + len);
	FUZZ_CHECK(memcmp(w->via, part + 24, STATE_VIA_LEN) == 0);
}

static void
check_read(const struct state_read *r, const uint8_t *part, size_t len)
{
	FUZZ_CHECK(r->request != 0);
	FUZZ_CHECK(r->level >= STATE_LEVEL_LOCAL &&
			r->level <= STATE_LEVEL_ALL);
	FUZZ_CHECK(r->kind > STATE_KIND_NONE && r->kind < STATE_KIND_MAX);
	FUZZ_CHECK(r->field_len == 0 || r->kind == STATE_KIND_MAP);
	FUZZ_CHECK(r->key == part + STATE_READ_LEN);
	FUZZ_CHECK(r->field + r->field_len == part + len);
}

static void
check_reply(const struct state_reply *r, const uint8_t *part, size_t len)
{
	FUZZ_CHECK(r->request != 0 && r->status < STATE_ST_MAX);
	FUZZ_CHECK(r->replicas <= STATE_REPLICAS_MAX);
	if (r->status == STATE_ST_OK)
		FUZZ_CHECK(r->level >= STATE_LEVEL_LOCAL &&
				r->level <= STATE_LEVEL_ALL);
	else if (r->status == STATE_ST_TIMEOUT)
		FUZZ_CHECK(r->level <= STATE_LEVEL_QUORUM &&
				r->kind == STATE_KIND_NONE);
	else
		FUZZ_CHECK(r->level == 0 && r->replicas == 0 && r->kind == 0);
	FUZZ_CHECK(r->kind == STATE_KIND_NONE ? r->body_len == 0 :
			r->body_len >= CRDT_HDR_LEN);
	FUZZ_CHECK(r->body == part + STATE_REPLY_LEN &&
			r->body + r->body_len == part + len);
}

static void
check_delta(const struct state_delta *d, const uint8_t *part, size_t len)
{
	FUZZ_CHECK(d->kind > STATE_KIND_NONE && d->kind < STATE_KIND_MAX);
	FUZZ_CHECK(d->form > STATE_FORM_NONE && d->form < STATE_FORM_MAX);
	FUZZ_CHECK(d->key_len <= STATE_KEY_MAX);
	FUZZ_CHECK(d->body_len >= CRDT_HDR_LEN);
	FUZZ_CHECK(d->key == part + STATE_DELTA_LEN);
	FUZZ_CHECK(d->body == d->key + d->key_len &&
			d->body + d->body_len == part + len);
}

static void
check_digest(const struct state_digest *d, size_t len)
{
	FUZZ_CHECK(d->count <= STATE_DIGEST_ENTRIES_MAX);
	FUZZ_CHECK(len == STATE_DIGEST_LEN + d->count *
			(size_t)STATE_DIGEST_ENTRY_LEN);
	FUZZ_CHECK(d->lo <= d->hi);
	for (uint32_t i = 0; i < d->count; i++) {
		const struct state_digest_entry *e = &d->entry[i];

		FUZZ_CHECK(e->kind > STATE_KIND_NONE &&
				e->kind < STATE_KIND_MAX);
		FUZZ_CHECK(e->key_hash >= d->lo && e->key_hash <= d->hi);
		if (i > 0)
			FUZZ_CHECK(e[-1].key_hash < e->key_hash ||
					(e[-1].key_hash == e->key_hash &&
					e[-1].kind < e->kind));
	}
}

/* Each part decoder on the whole input. */
static void
fuzz_parts(const uint8_t *copy, size_t size)
{
	struct state_msg d;
	enum state_wire_error e;

	e = state_write_decode(copy, size, &d.u.write);
	FUZZ_VERDICT(e, STATE_WIRE_ERROR_MAX, state_wire_error_name,
			size < STATE_WRITE_LEN, STATE_WIRE_LENGTH);
	if (e == STATE_WIRE_OK) {
		check_write(&d.u.write, copy, size);
		FUZZ_ENCODES_AGAIN(state_write_encode(&d.u.write, again_,
				cap_), copy, size);
	}
	e = state_read_decode(copy, size, &d.u.read);
	FUZZ_VERDICT(e, STATE_WIRE_ERROR_MAX, state_wire_error_name,
			size < STATE_READ_LEN, STATE_WIRE_LENGTH);
	if (e == STATE_WIRE_OK) {
		check_read(&d.u.read, copy, size);
		FUZZ_ENCODES_AGAIN(state_read_encode(&d.u.read, again_, cap_),
				copy, size);
	}
	e = state_reply_decode(copy, size, &d.u.reply);
	if (e == STATE_WIRE_OK) {
		check_reply(&d.u.reply, copy, size);
		FUZZ_ENCODES_AGAIN(state_reply_encode(&d.u.reply, again_,
				cap_), copy, size);
	}
	e = state_delta_decode(copy, size, &d.u.delta);
	if (e == STATE_WIRE_OK) {
		check_delta(&d.u.delta, copy, size);
		FUZZ_ENCODES_AGAIN(state_delta_encode(&d.u.delta, again_,
				cap_), copy, size);
	}
	e = state_digest_decode(copy, size, &d.u.digest);
	if (e == STATE_WIRE_OK) {
		check_digest(&d.u.digest, size);
		FUZZ_ENCODES_AGAIN(state_digest_encode(&d.u.digest, again_,
				cap_), copy, size);
	}
}

/* The whole datagram buf (size bytes, an exact heap buffer). */
static void
fuzz_msg(const uint8_t *buf, size_t size)
{
	struct state_msg m;
	struct chan_msg c;
	struct repl_msg r;
	enum state_wire_error e;
	const uint8_t *part;
	size_t len;

	e = state_msg_decode(buf, size, &m);
	FUZZ_VERDICT(e, STATE_WIRE_ERROR_MAX, state_wire_error_name,
			size < sizeof(struct rumor_hdr), STATE_WIRE_SHORT);
	if (e != STATE_WIRE_OK)
		return;
	FUZZ_CHECK(rumor_hdr_check(buf, size) == RUMOR_HDR_OK);
	FUZZ_CHECK(size + RUMOR_AUTH_LEN <= RUMOR_DATAGRAM_MAX);
	FUZZ_CHECK(chan_msg_decode(buf, size, &c) != CHAN_WIRE_OK);
	FUZZ_CHECK(repl_msg_decode(buf, size, &r) != CHAN_WIRE_OK);
	FUZZ_CHECK(buf[4] == 0);
	FUZZ_CHECK((const uint8_t *)m.channel == buf + sizeof(struct rumor_hdr));
	FUZZ_CHECK(m.channel_len >= 1 && m.channel_len <= RUMOR_CHANNEL_MAX);
	FUZZ_CHECK(!chan_is_broadcast(m.channel, m.channel_len));
	part = (const uint8_t *)m.channel + m.channel_len;
	len = size - (size_t)(part - buf);
	switch (m.type) {
	case RUMOR_T_STATE_WRITE:
		check_write(&m.u.write, part, len);
		break;
	case RUMOR_T_STATE_READ:
		check_read(&m.u.read, part, len);
		break;
	case RUMOR_T_STATE_REPLY:
		FUZZ_CHECK(m.origin != 0);
		check_reply(&m.u.reply, part, len);
		check_inside(m.u.reply.body, m.u.reply.body_len, buf, size);
		break;
	case RUMOR_T_STATE_DELTA:
		FUZZ_CHECK(m.origin != 0);
		check_delta(&m.u.delta, part, len);
		break;
	case RUMOR_T_STATE_DIGEST:
		FUZZ_CHECK(m.origin != 0);
		check_digest(&m.u.digest, len);
		break;
	default:
		FUZZ_CHECK(0);
	}
	FUZZ_ENCODES_AGAIN(state_msg_encode(&m, again_, cap_), buf, size);
}

/*
 * The input as the part of each state type, behind a valid header on
 * the channel "news" from node 1.
 */
static void
fuzz_wrapped(const uint8_t *data, size_t size)
{
	static const uint8_t types[] = { RUMOR_T_STATE_WRITE,
		RUMOR_T_STATE_READ, RUMOR_T_STATE_REPLY, RUMOR_T_STATE_DELTA,
		RUMOR_T_STATE_DIGEST };
	const size_t hdr = sizeof(struct rumor_hdr) + 4;
	uint8_t *buf;

	if (size > RUMOR_DATAGRAM_MAX - hdr)
		return;
	buf = malloc(hdr + size);
	if (buf == NULL)
		return;
	for (size_t t = 0; t < sizeof(types); t++) {
		struct rumor_msg h = { .type = types[t], .hop_limit = 8,
			.origin = 1, .seq = 2, .channel = "news",
			.channel_len = 4, .payload = data,
			.payload_len = size };

		FUZZ_CHECK(rumor_msg_encode(buf, hdr + size, &h) ==
				hdr + size);
		fuzz_msg(buf, hdr + size);
	}
	free(buf);
}

static void
fuzz_one(const uint8_t *copy, size_t size)
{
	fuzz_parts(copy, size);
	fuzz_msg(copy, size);
	fuzz_wrapped(copy, size);
}

FUZZ_TARGET(fuzz_one)
