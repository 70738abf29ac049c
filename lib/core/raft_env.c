/* SPDX-License-Identifier: BSD-3-Clause */
/* The envelope of Raft datagrams (raft_env.h). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <xxhash.h>

#include "rumor/raft_env.h"

#include "rumor/bytes.h"

_Static_assert(RAFT_ENV_MAX <= SEAL_BODY_MAX,
		"an enveloped Raft message fits one sealed datagram");

uint64_t
raft_env_voters_hash(const uint32_t *ids, uint32_t n)
{
	uint8_t b[RAFT_VOTERS_MAX * 4];

	if (n > RAFT_VOTERS_MAX)
		n = RAFT_VOTERS_MAX;
	for (uint32_t i = 0; i < n; i++)
		rumor_put32(b + 4 * i, ids[i]);
	return XXH3_64bits(b, 4 * (size_t)n);
}

static bool
env_set_valid(const uint32_t *ids, uint32_t n)
{
	if (n == 0 || n > RAFT_VOTERS_MAX)
		return false;
	for (uint32_t i = 0; i < n; i++)
		if (ids[i] == 0 || (i > 0 && ids[i] <= ids[i - 1]))
			return false;
	return true;
}

int
raft_env_decode(const uint8_t *buf, size_t len, struct raft_env *out)
{
	memset(out, 0, sizeof(*out));
	if (len < RAFT_ENV_HDR_LEN || buf[1] != 0 || buf[2] != 0 ||
			buf[3] != 0)
		return -1;
	out->kind = buf[0];
	out->voters_hash = rumor_get64(buf + 4);
	out->body = buf + RAFT_ENV_HDR_LEN;
	out->body_len = len - RAFT_ENV_HDR_LEN;
	switch (out->kind) {
	case RAFT_ENV_MSG:
		return out->body_len >= 1 && out->body_len <= RAFT_MSG_MAX ?
				0 : -1;
	case RAFT_ENV_VOTERS:
		if (out->body_len < 4 || out->body[1] != 0 ||
				out->body[2] != 0 || out->body[3] != 0)
			return -1;
		out->n_voters = out->body[0];
		if (out->n_voters == 0 || out->n_voters > RAFT_VOTERS_MAX ||
				out->body_len != 4 + 4 * (size_t)out->n_voters)
			return -1;
		for (uint32_t i = 0; i < out->n_voters; i++)
			out->voters[i] = rumor_get32(out->body + 4 + 4 * i);
		if (!env_set_valid(out->voters, out->n_voters) ||
				raft_env_voters_hash(out->voters,
				out->n_voters) != out->voters_hash)
			return -1;
		return 0;
	default:
		return -1;
	}
}

uint32_t
raft_env_msg_from(const struct raft_env *e)
{
	if (e->kind != RAFT_ENV_MSG || e->body_len < RAFT_HDR_LEN)
		return 0;
	return rumor_get32(e->body + 4);
}

static void
env_header(uint8_t *out, uint8_t kind, uint64_t hash)
{
	out[0] = kind;
	out[1] = out[2] = out[3] = 0;
	rumor_put64(out + 4, hash);
}

size_t
raft_env_encode_msg(uint64_t voters_hash, const uint8_t *msg, size_t len,
		uint8_t *out, size_t cap)
{
	if (len == 0 || len > RAFT_MSG_MAX || RAFT_ENV_HDR_LEN + len > cap)
		return 0;
	env_header(out, RAFT_ENV_MSG, voters_hash);
	memcpy(out + RAFT_ENV_HDR_LEN, msg, len);
	return RAFT_ENV_HDR_LEN + len;
}

size_t
raft_env_encode_voters(const uint32_t *ids, uint32_t n, uint8_t *out,
		size_t cap)
{
	size_t len = RAFT_ENV_HDR_LEN + 4 + 4 * (size_t)n;

	if (!env_set_valid(ids, n) || len > cap)
		return 0;
	env_header(out, RAFT_ENV_VOTERS, raft_env_voters_hash(ids, n));
	out[RAFT_ENV_HDR_LEN] = (uint8_t)n;
	out[RAFT_ENV_HDR_LEN + 1] = 0;
	out[RAFT_ENV_HDR_LEN + 2] = 0;
	out[RAFT_ENV_HDR_LEN + 3] = 0;
	for (uint32_t i = 0; i < n; i++)
		rumor_put32(out + RAFT_ENV_HDR_LEN + 4 + 4 * i, ids[i]);
	return len;
}

char *
raft_env_voters_str(const uint32_t *ids, uint32_t n, char *buf, size_t cap)
{
	size_t off = 0;

	if (cap == 0)
		return buf;
	buf[0] = '\0';
	off += (size_t)snprintf(buf, cap, "{");
	for (uint32_t i = 0; i < n && off < cap; i++)
		off += (size_t)snprintf(buf + off, cap - off, "%s%u",
				i > 0 ? "," : "", ids[i]);
	if (off < cap)
		snprintf(buf + off, cap - off, "}");
	return buf;
}
