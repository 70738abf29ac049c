/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client admission on the wire (include/rumor/client_auth.h): the CRED
 * and AUTH blocks, their tags, COOKIE answers, a SUB_ACK's session block
 * and the replay window. Every length is checked before the bytes it
 * names are read: these datagrams come from anyone.
 */
#include <string.h>

#include <sodium.h>

#include "rumor/bytes.h"
#include "rumor/client_auth.h"

_Static_assert(crypto_shorthash_KEYBYTES == CLIENT_KEY_LEN &&
		crypto_shorthash_BYTES == 8, "SipHash-2-4: 16-byte key, 8-byte tag");

RUMOR_ENUM_NAME_FN(client_error_name, enum client_error, CLIENT_ERRORS,
		CLIENT_ERROR_MAX, "?")

#define HDR_LEN sizeof(struct rumor_hdr)
#define TOKEN_LEN_MIN (TOKEN_FIXED_LEN + 2u + 1u + TOKEN_SIG_LEN)

enum client_error
client_frame_parse(const uint8_t *buf, size_t len, struct client_frame *out)
{
	const struct rumor_hdr *h = (const void *)buf;
	size_t chan, payload, off = HDR_LEN;

	if (len < HDR_LEN || len > RUMOR_DATAGRAM_MAX ||
			h->magic != htons(RUMOR_MAGIC) ||
			h->version != RUMOR_VERSION)
		return CLIENT_E_HEADER;
	out->type = h->type;
	out->flags = h->flags;
	if (h->origin != 0 || (h->type != RUMOR_T_DATA &&
			h->type != RUMOR_T_SUBSCRIBE &&
			h->type != RUMOR_T_UNSUBSCRIBE))
		return CLIENT_E_TYPE;
	/*
	 * A proof, and nothing unknown: CRED on a subscription alone, ACK
	 * (docs/replication.md) on a PUBLISH (acked) or a SUBSCRIBE
	 * (resuming) alone.
	 */
	if ((h->flags & (RUMOR_F_AUTH | RUMOR_F_CRED)) == 0 ||
			(h->flags & ~(RUMOR_F_AUTH | RUMOR_F_CRED |
			RUMOR_F_ACK)) != 0 ||
			((h->flags & RUMOR_F_CRED) != 0 &&
			h->type == RUMOR_T_DATA) ||
			((h->flags & RUMOR_F_ACK) != 0 &&
			h->type != RUMOR_T_DATA &&
			h->type != RUMOR_T_SUBSCRIBE))
		return CLIENT_E_FLAGS;
	if (h->reserved != 0)
		return CLIENT_E_RESERVED;
	out->cookie = NULL;
	out->token = NULL;
	out->token_len = 0;
	out->auth_off = 0;
	out->stamp = 0;
	out->tag = 0;
	if (h->flags & RUMOR_F_CRED) {
		if (len - off < CLIENT_CRED_FIXED)
			return CLIENT_E_HEADER;
		out->token_len = rumor_get16(buf + off);
		if (rumor_get16(buf + off + 2) != 0)
			return CLIENT_E_RESERVED;
		if (out->token_len < TOKEN_LEN_MIN ||
				out->token_len > TOKEN_LEN_MAX ||
				len - off - CLIENT_CRED_FIXED < out->token_len)
			return CLIENT_E_TOKEN_LEN;
		out->cookie = buf + off + 4;
		out->token = buf + off + CLIENT_CRED_FIXED;
		off += CLIENT_CRED_FIXED + out->token_len;
	}
	if (h->flags & RUMOR_F_AUTH) {
		if (len - off < CLIENT_AUTH_LEN)
			return CLIENT_E_HEADER;
		out->auth_off = off;
		out->stamp = rumor_get64(buf + off);
		memcpy(&out->tag, buf + off + 8, 8);
		off += CLIENT_AUTH_LEN;
		if (out->stamp == 0)
			return CLIENT_E_STAMP;
	}
	chan = ntohs(h->channel_len);
	payload = ntohs(h->payload_len);
	if (chan == 0 || chan > RUMOR_CHANNEL_MAX)
		return CLIENT_E_HEADER;
	if (len - off != chan + payload)
		return CLIENT_E_HEADER;
	out->blocks_len = off - HDR_LEN;
	return CLIENT_OK;
}

uint64_t
client_tag(const uint8_t key[CLIENT_KEY_LEN], uint8_t *buf, size_t len,
		size_t auth_off)
{
	uint8_t saved[8];
	uint64_t tag;

	memcpy(saved, buf + auth_off + 8, 8);
	memset(buf + auth_off + 8, 0, 8);
	crypto_shorthash((uint8_t *)&tag, buf, len, key);
	memcpy(buf + auth_off + 8, saved, 8);
	return tag;
}

size_t
client_frame_strip(uint8_t *buf, size_t len, const struct client_frame *f)
{
	struct rumor_hdr *h = (void *)buf;

	memmove(buf + HDR_LEN, buf + HDR_LEN + f->blocks_len,
			len - HDR_LEN - f->blocks_len);
	h->flags &= RUMOR_F_ACK;	/* What the message is stays. */
	return len - f->blocks_len;
}

size_t
client_frame_wrap(uint8_t *buf, size_t len, size_t cap,
		const uint8_t *cookie, const uint8_t *token, size_t token_len,
		const uint8_t *key, uint64_t stamp)
{
	struct rumor_hdr *h = (void *)buf;
	size_t cred = token != NULL ? CLIENT_CRED_FIXED + token_len : 0;
	size_t auth = key != NULL ? CLIENT_AUTH_LEN : 0;
	size_t add = cred + auth, off = HDR_LEN;

	if (len < HDR_LEN || (h->flags != 0 && (h->flags != RUMOR_F_ACK ||
			(h->type != RUMOR_T_DATA &&
			h->type != RUMOR_T_SUBSCRIBE))) || h->origin != 0 ||
			(token == NULL && key == NULL) ||
			(token != NULL && (token_len < TOKEN_LEN_MIN ||
			token_len > TOKEN_LEN_MAX ||
			h->type == RUMOR_T_DATA)) ||
			(key != NULL && stamp == 0) ||
			len + add > cap || len + add > RUMOR_DATAGRAM_MAX)
		return 0;
	memmove(buf + HDR_LEN + add, buf + HDR_LEN, len - HDR_LEN);
	if (token != NULL) {
		rumor_put16(buf + off, (uint16_t)token_len);
		rumor_put16(buf + off + 2, 0);
		if (cookie != NULL)
			memcpy(buf + off + 4, cookie, CLIENT_COOKIE_LEN);
		else
			memset(buf + off + 4, 0, CLIENT_COOKIE_LEN);
		memcpy(buf + off + CLIENT_CRED_FIXED, token, token_len);
		off += cred;
		h->flags |= RUMOR_F_CRED;
	}
	len += add;
	if (key != NULL) {
		uint64_t tag;

		h->flags |= RUMOR_F_AUTH;
		rumor_put64(buf + off, stamp);
		memset(buf + off + 8, 0, 8);
		tag = client_tag(key, buf, len, off);
		memcpy(buf + off + 8, &tag, 8);
	}
	return len;
}

/* The cookie's MAC: SipHash-2-4 of address, port and slot. */
static uint64_t
cookie_mac(const uint8_t secret[CLIENT_SECRET_LEN], uint32_t ip,
		uint16_t port, uint32_t slot)
{
	uint8_t in[10];
	uint64_t mac;

	memcpy(in, &ip, 4);
	memcpy(in + 4, &port, 2);
	rumor_put32(in + 6, slot);
	crypto_shorthash((uint8_t *)&mac, in, sizeof(in), secret);
	return mac;
}

void
client_cookie_make(const uint8_t secret[CLIENT_SECRET_LEN], uint32_t ip,
		uint16_t port, uint32_t slot, uint8_t out[CLIENT_COOKIE_LEN])
{
	uint64_t mac = cookie_mac(secret, ip, port, slot);

	rumor_put32(out, slot);
	rumor_put32(out + 4, 0);
	memcpy(out + 8, &mac, 8);
}

bool
client_cookie_check(const uint8_t secret[CLIENT_SECRET_LEN], uint32_t ip,
		uint16_t port, uint32_t now_slot,
		const uint8_t c[CLIENT_COOKIE_LEN])
{
	uint32_t slot = rumor_get32(c);
	uint64_t mac = cookie_mac(secret, ip, port, slot);

	if (slot != now_slot && slot + 1 != now_slot)
		return false;
	if (rumor_get32(c + 4) != 0)
		return false;
	return sodium_memcmp(&mac, c + 8, 8) == 0;
}

size_t
client_cookie_msg(const uint8_t *req, size_t req_len, uint32_t origin,
		const uint8_t cookie[CLIENT_COOKIE_LEN], uint8_t *buf,
		size_t cap)
{
	const struct rumor_hdr *rh = (const void *)req;
	struct rumor_hdr *h = (void *)buf;
	size_t chan, len, blocks;

	if (req_len < HDR_LEN)
		return 0;
	chan = ntohs(rh->channel_len);
	if (chan == 0 || chan > RUMOR_CHANNEL_MAX)
		return 0;
	len = HDR_LEN + chan + CLIENT_COOKIE_LEN;
	/* The request's channel name sits after its blocks and header. */
	blocks = req_len - ntohs(rh->payload_len) - chan;
	if (len > req_len || len > cap || blocks < HDR_LEN ||
			blocks > req_len - chan)
		return 0;
	*h = *rh;
	h->type = RUMOR_T_COOKIE;
	h->flags = 0;
	h->hop_limit = 0;
	h->origin = htonl(origin);
	h->payload_len = htons(CLIENT_COOKIE_LEN);
	h->reserved = 0;
	h->epoch = 0;
	memcpy(buf + HDR_LEN, req + blocks, chan);
	memcpy(buf + HDR_LEN + chan, cookie, CLIENT_COOKIE_LEN);
	return len;
}

int
client_cookie_msg_decode(const uint8_t *buf, size_t len, uint64_t *seq,
		uint8_t cookie[CLIENT_COOKIE_LEN])
{
	const struct rumor_hdr *h = (const void *)buf;
	size_t chan;

	if (len < HDR_LEN || h->magic != htons(RUMOR_MAGIC) ||
			h->version != RUMOR_VERSION ||
			h->type != RUMOR_T_COOKIE || h->flags != 0 ||
			ntohs(h->payload_len) != CLIENT_COOKIE_LEN)
		return -1;
	chan = ntohs(h->channel_len);
	if (chan == 0 || chan > RUMOR_CHANNEL_MAX ||
			len != HDR_LEN + chan + CLIENT_COOKIE_LEN)
		return -1;
	*seq = be64toh(h->seq);
	memcpy(cookie, buf + HDR_LEN + chan, CLIENT_COOKIE_LEN);
	return 0;
}

size_t
client_ack_add_session(uint8_t *buf, size_t len, size_t cap,
		const uint8_t key[CLIENT_KEY_LEN], uint32_t lifetime_s)
{
	struct rumor_hdr *h = (void *)buf;

	if (len < HDR_LEN || h->type != RUMOR_T_SUB_ACK || h->flags != 0 ||
			len + CLIENT_SESSION_LEN > cap ||
			len + CLIENT_SESSION_LEN > RUMOR_DATAGRAM_MAX)
		return 0;
	memmove(buf + HDR_LEN + CLIENT_SESSION_LEN, buf + HDR_LEN,
			len - HDR_LEN);
	memcpy(buf + HDR_LEN, key, CLIENT_KEY_LEN);
	rumor_put32(buf + HDR_LEN + 16, lifetime_s);
	rumor_put32(buf + HDR_LEN + 20, 0);
	h->flags = RUMOR_F_CRED;
	return len + CLIENT_SESSION_LEN;
}

int
client_ack_take_session(uint8_t *buf, size_t *len,
		uint8_t key[CLIENT_KEY_LEN], uint32_t *lifetime_s)
{
	struct rumor_hdr *h = (void *)buf;

	if (*len < HDR_LEN || h->magic != htons(RUMOR_MAGIC) ||
			h->type != RUMOR_T_SUB_ACK)
		return 0;
	if (h->flags == 0)
		return 0;
	if (h->flags != RUMOR_F_CRED ||
			*len < HDR_LEN + CLIENT_SESSION_LEN ||
			rumor_get32(buf + HDR_LEN + 20) != 0)
		return -1;
	memcpy(key, buf + HDR_LEN, CLIENT_KEY_LEN);
	*lifetime_s = rumor_get32(buf + HDR_LEN + 16);
	memmove(buf + HDR_LEN, buf + HDR_LEN + CLIENT_SESSION_LEN,
			*len - HDR_LEN - CLIENT_SESSION_LEN);
	*len -= CLIENT_SESSION_LEN;
	h->flags = 0;
	return 1;
}

bool
client_replay_check(struct client_replay *r, uint64_t stamp)
{
	uint64_t back;

	if (stamp == 0)
		return false;
	if (stamp > r->top) {
		uint64_t shift = stamp - r->top;

		r->bits = shift >= 64 ? 0 : r->bits << shift;
		/* The old top is now 'shift' below: its bit. */
		if (r->top != 0 && shift <= 64)
			r->bits |= UINT64_C(1) << (shift - 1);
		r->top = stamp;
		return true;
	}
	back = r->top - stamp;
	if (back == 0 || back > 64)
		return false;
	if (r->bits & (UINT64_C(1) << (back - 1)))
		return false;
	r->bits |= UINT64_C(1) << (back - 1);
	return true;
}
