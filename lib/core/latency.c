/* SPDX-License-Identifier: BSD-3-Clause */
/* Latency stamps and samples (include/rumor/latency.h). */
#include <stdlib.h>
#include <string.h>

#include "rumor/bytes.h"
#include "rumor/latency.h"
#include "rumor/ring.h"
#include "rumor/sort.h"
#include "rumor/wire.h"

size_t
lat_publish_encode(uint8_t *buf, size_t cap, const char *chan, size_t size)
{
	uint8_t body[RUMOR_DATAGRAM_MAX];
	struct rumor_msg msg = { 0 };

	if (size > sizeof(body))
		return 0;
	memset(body, 0xab, size);
	msg.type = RUMOR_T_DATA;
	msg.hop_limit = RUMOR_DEFAULT_HOP_LIMIT;
	msg.channel = chan;
	msg.channel_len = strlen(chan);
	msg.channel_hash = ring_channel_hash(chan, msg.channel_len);
	msg.payload = body;
	msg.payload_len = size;
	return rumor_msg_encode(buf, cap, &msg);
}

void
lat_stamp(uint8_t *p, uint32_t magic, uint64_t index, uint64_t sent_ns)
{
	rumor_put32(p, magic);
	rumor_put64(p + 4, index);
	rumor_put64(p + 12, sent_ns);
}

bool
lat_stamp_read(const uint8_t *p, size_t len, uint32_t magic,
		uint64_t *index, uint64_t *sent_ns)
{
	if (len < LAT_STAMP_LEN || rumor_get32(p) != magic)
		return false;
	if (index != NULL)
		*index = rumor_get64(p + 4);
	*sent_ns = rumor_get64(p + 12);
	return true;
}

int
lat_samples_init(struct lat_samples *s, size_t cap)
{
	s->n = 0;
	s->cap = cap;
	s->ns = malloc((cap > 0 ? cap : 1) * sizeof(*s->ns));
	return s->ns != NULL ? 0 : -1;
}

void
lat_samples_free(struct lat_samples *s)
{
	free(s->ns);
	s->ns = NULL;
	s->n = 0;
	s->cap = 0;
}

void
lat_samples_sort(struct lat_samples *s)
{
	qsort(s->ns, s->n, sizeof(*s->ns), rumor_cmp_u32);
}

double
lat_pct_us(const struct lat_samples *s, double q)
{
	if (s->n == 0)
		return 0;
	return s->ns[(size_t)((double)(s->n - 1) * q / 100.0 + 0.5)] / 1000.0;
}

double
lat_rank_us(const struct lat_samples *s, double q)
{
	uint64_t i;

	if (s->n == 0)
		return 0;
	i = (uint64_t)(q / 100.0 * (double)s->n + 0.999999);
	i = i == 0 ? 0 : i - 1;
	return s->ns[i < s->n ? i : s->n - 1] / 1000.0;
}
