/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The membership message codec (include/rumor/swim_wire.h). The decoder
 * checks the length before it reads anything past the fixed part, and
 * refuses exactly what the encoder refuses to write, so that a message it
 * accepts encodes again to the same bytes. A datagram may sit at any
 * alignment: multi-byte fields are copied with memcpy.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rumor/bytes.h"
#include "rumor/ring.h"
#include "rumor/swim_wire.h"

/* Offsets of the fields of the fixed part of a message. */
enum swim_off {
	SWIM_OFF_KIND = 0,
	SWIM_OFF_N_UPDATES = 1,
	SWIM_OFF_RESERVED = 2,
	SWIM_OFF_FROM = 4,
	SWIM_OFF_SEQ = 8,
	SWIM_OFF_TARGET = 12,
	SWIM_OFF_TARGET_IP = 16,
	SWIM_OFF_TARGET_PORT = 20,
	SWIM_OFF_RESERVED2 = 22,
	SWIM_OFF_UPDATES = 24,
};

/* Offsets of the fields of one update, from its first byte. */
enum swim_update_off {
	SWIM_UOFF_ID = 0,
	SWIM_UOFF_IP = 4,
	SWIM_UOFF_PORT = 8,
	SWIM_UOFF_STATE = 10,
	SWIM_UOFF_ZONE = 11,
	SWIM_UOFF_INCARNATION = 12,
	SWIM_UOFF_WEIGHT = 16,
	SWIM_UOFF_END = 20,
};

_Static_assert(SWIM_OFF_UPDATES == SWIM_HDR_LEN,
		"the fixed part of a SWIM message is SWIM_HDR_LEN bytes");
_Static_assert(SWIM_UOFF_END == SWIM_UPDATE_LEN,
		"a SWIM update is SWIM_UPDATE_LEN bytes");
_Static_assert(SWIM_UPDATES_MAX <= UINT8_MAX,
		"n_updates fits its byte");

RUMOR_ENUM_NAME_FN(swim_wire_error_name, enum swim_wire_error,
		SWIM_WIRE_ERRORS, SWIM_WIRE_ERROR_MAX, "?")

static inline bool
swim_kind_valid(uint8_t kind)
{
	return kind != 0 && kind < SWIM_KIND_MAX;
}

/* The checks of an update that its decoded form can fail. */
static inline bool
swim_update_valid(const struct swim_update *u)
{
	return u->id != 0 && u->state < SWIM_STATE_MAX &&
			u->weight >= 1 && u->weight <= RING_WEIGHT_MAX;
}

enum swim_wire_error
swim_decode(const uint8_t *buf, size_t len, struct swim_msg *out)
{
	unsigned int n;

	if (len < SWIM_HDR_LEN)
		return SWIM_WIRE_SHORT;
	/* From here on the fixed part may be read. */
	if (!swim_kind_valid(buf[SWIM_OFF_KIND]) ||
			rumor_get16(buf + SWIM_OFF_RESERVED) != 0 ||
			rumor_get16(buf + SWIM_OFF_RESERVED2) != 0)
		return SWIM_WIRE_KIND;
	n = buf[SWIM_OFF_N_UPDATES];
	if (n > SWIM_UPDATES_MAX ||
			len != SWIM_HDR_LEN + (size_t)n * SWIM_UPDATE_LEN)
		return SWIM_WIRE_LENGTH;
	/* From here on every update may be read. */
	out->kind = buf[SWIM_OFF_KIND];
	out->n_updates = (uint8_t)n;
	out->from = rumor_get32(buf + SWIM_OFF_FROM);
	if (out->from == 0)
		return SWIM_WIRE_SENDER;
	out->seq = rumor_get32(buf + SWIM_OFF_SEQ);
	out->target = rumor_get32(buf + SWIM_OFF_TARGET);
	memcpy(&out->target_ip, buf + SWIM_OFF_TARGET_IP,
			sizeof(out->target_ip));
	out->target_port = rumor_get16(buf + SWIM_OFF_TARGET_PORT);

	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *p = buf + SWIM_HDR_LEN + i * SWIM_UPDATE_LEN;
		struct swim_update *u = &out->updates[i];

		u->id = rumor_get32(p + SWIM_UOFF_ID);
		memcpy(&u->ip, p + SWIM_UOFF_IP, sizeof(u->ip));
		u->port = rumor_get16(p + SWIM_UOFF_PORT);
		u->state = p[SWIM_UOFF_STATE];
		u->zone = p[SWIM_UOFF_ZONE];
		u->incarnation = rumor_get32(p + SWIM_UOFF_INCARNATION);
		u->weight = rumor_get32(p + SWIM_UOFF_WEIGHT);
		if (!swim_update_valid(u))
			return SWIM_WIRE_UPDATE;
	}
	return SWIM_WIRE_OK;
}

size_t
swim_encode(const struct swim_msg *m, uint8_t *buf, size_t cap)
{
	size_t len;

	/* Check everything before writing anything. */
	if (!swim_kind_valid(m->kind) || m->n_updates > SWIM_UPDATES_MAX ||
			m->from == 0)
		return 0;
	for (unsigned int i = 0; i < m->n_updates; i++)
		if (!swim_update_valid(&m->updates[i]))
			return 0;
	len = SWIM_HDR_LEN + (size_t)m->n_updates * SWIM_UPDATE_LEN;
	if (len > cap)
		return 0;

	/* Reserved fields zero, then the rest. */
	memset(buf, 0, SWIM_HDR_LEN);
	buf[SWIM_OFF_KIND] = m->kind;
	buf[SWIM_OFF_N_UPDATES] = m->n_updates;
	rumor_put32(buf + SWIM_OFF_FROM, m->from);
	rumor_put32(buf + SWIM_OFF_SEQ, m->seq);
	rumor_put32(buf + SWIM_OFF_TARGET, m->target);
	memcpy(buf + SWIM_OFF_TARGET_IP, &m->target_ip,
			sizeof(m->target_ip));
	rumor_put16(buf + SWIM_OFF_TARGET_PORT, m->target_port);

	for (unsigned int i = 0; i < m->n_updates; i++) {
		uint8_t *p = buf + SWIM_HDR_LEN + i * SWIM_UPDATE_LEN;
		const struct swim_update *u = &m->updates[i];

		rumor_put32(p + SWIM_UOFF_ID, u->id);
		memcpy(p + SWIM_UOFF_IP, &u->ip, sizeof(u->ip));
		rumor_put16(p + SWIM_UOFF_PORT, u->port);
		p[SWIM_UOFF_STATE] = u->state;
		p[SWIM_UOFF_ZONE] = u->zone;
		rumor_put32(p + SWIM_UOFF_INCARNATION, u->incarnation);
		rumor_put32(p + SWIM_UOFF_WEIGHT, u->weight);
	}
	return len;
}
