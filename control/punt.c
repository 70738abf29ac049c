/* SPDX-License-Identifier: BSD-3-Clause */
/* Opening punted control datagrams (punt.h). */
#include <string.h>

#include "rumor/bytes.h"
#include "rumor/raft_wire.h"
#include "rumor/swim_wire.h"
#include "rumor/punt.h"
#include "rumor/raft_env.h"

static const char *const punt_verdict_names[PUNT_VERDICT_MAX] = {
	[PUNT_SWIM] = "swim",
	[PUNT_MALFORMED] = "malformed",
	[PUNT_WRONG_LABEL] = "wrong_label",
	[PUNT_FORGED] = "forged",
	[PUNT_FORGED_SENDER] = "forged_sender",
	[PUNT_REPLAYED] = "replayed",
	[PUNT_WRONG_PROTO] = "wrong_proto",
	[PUNT_RAFT] = "raft",
};

enum punt_verdict
punt_open(struct seal *seal, const uint8_t *in, size_t len, uint8_t *body,
		size_t cap, size_t *body_len, uint32_t *sender)
{
	uint8_t proto;

	*body_len = 0;
	*sender = 0;
	switch (seal_open(seal, in, len, &proto, sender, body, cap,
			body_len)) {
	case SEAL_OK:
		break;
	case SEAL_WRONG_LABEL:
		return PUNT_WRONG_LABEL;
	case SEAL_FORGED:
		return PUNT_FORGED;
	case SEAL_REPLAYED:
		return PUNT_REPLAYED;
	default:
		return PUNT_MALFORMED;
	}
	if (proto == SEAL_P_RAFT) {
		/* A Raft message names its sender at bytes 4..7 as well. */
		if (*body_len >= RAFT_ENV_HDR_LEN + RAFT_HDR_LEN &&
				body[0] == RAFT_ENV_MSG &&
				rumor_get32(body + RAFT_ENV_HDR_LEN + 4) !=
				*sender)
			return PUNT_FORGED_SENDER;
		return PUNT_RAFT;
	}
	if (proto != SEAL_P_SWIM)
		return PUNT_WRONG_PROTO;
	/*
	 * The key proves which node sealed it; the membership believes the
	 * sender named inside (bytes 4..7, network order). They must agree,
	 * or a member holding the key could speak for another.
	 */
	if (*body_len >= SWIM_HDR_LEN && rumor_get32(body + 4) != *sender)
		return PUNT_FORGED_SENDER;
	return PUNT_SWIM;
}

const char *
punt_verdict_name(enum punt_verdict v)
{
	return (unsigned)v < PUNT_VERDICT_MAX ? punt_verdict_names[v] : "?";
}
