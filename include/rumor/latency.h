/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One-way latency of messages on one host clock, as the benchmarks
 * measure it: rumor bench, rumor-krelay and the dataplane's
 * --bench-probe. A sender stamps each message with a magic, its index
 * and its send time (the first LAT_STAMP_LEN bytes of the message); a
 * receiver reads the stamp back and keeps the delays it saw, up to a
 * cap, then reports percentiles.
 *
 *   0 u32 magic: which tool's message (network byte order)
 *   4 u64 index of the message
 *  12 u64 send time, CLOCK_MONOTONIC nanoseconds
 */
#ifndef RUMOR_LATENCY_H
#define RUMOR_LATENCY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LAT_STAMP_LEN 20u
#define LAT_MAGIC_KRELAY 0x4b524c59u	/* "KRLY": krelay, bench probe. */
#define LAT_MAGIC_BENCH 0x524d4231u	/* "RMB1": rumor bench. */

/*
 * A PUBLISH (DATA) on channel chan whose message is size bytes (at least
 * LAT_STAMP_LEN) of filler, encoded into buf (cap bytes): its length, or
 * 0 if it does not encode. The message, the last size bytes, is stamped
 * at each send.
 */
size_t lat_publish_encode(uint8_t *buf, size_t cap, const char *chan,
		size_t size);

/* Stamp the message at p (LAT_STAMP_LEN bytes at least). */
void lat_stamp(uint8_t *p, uint32_t magic, uint64_t index,
		uint64_t sent_ns);

/*
 * Read the stamp of the message at p (len bytes): false if it is shorter
 * than a stamp or another magic's. index may be NULL.
 */
bool lat_stamp_read(const uint8_t *p, size_t len, uint32_t magic,
		uint64_t *index, uint64_t *sent_ns);

/* Delays in nanoseconds, each saturated at UINT32_MAX, up to cap. */
struct lat_samples {
	uint32_t *ns;
	size_t n, cap;
};

/* Room for cap delays; -1 without memory. */
int lat_samples_init(struct lat_samples *s, size_t cap);
void lat_samples_free(struct lat_samples *s);

/* Keep one more delay, if there is room. */
static inline void
lat_samples_add(struct lat_samples *s, uint64_t ns)
{
	if (s->n < s->cap)
		s->ns[s->n++] = ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
}

/* Sort the delays: the percentiles below read them sorted. */
void lat_samples_sort(struct lat_samples *s);

/*
 * The q-th percentile (0 to 100) in microseconds, 0 if there is no
 * sample: the delay whose rank is (n - 1) * q / 100, rounded (krelay,
 * the bench probe), or the nearest rank, ceil(n * q / 100) (rumor bench).
 */
double lat_pct_us(const struct lat_samples *s, double q);
double lat_rank_us(const struct lat_samples *s, double q);

#endif /* RUMOR_LATENCY_H */
