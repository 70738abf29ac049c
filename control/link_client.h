/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client side of the control link (include/rumor/link_proto.h):
 * rumor-control's connection to its rumor-dataplane. It connects to the
 * dataplane's control socket, retrying with a growing wait while the
 * dataplane is not there, says HELLO, and waits for the STATE and the
 * member TABLE that answer it; from then on the link is ready and carries
 * the datagrams both ways. A lost connection is reopened the same way.
 *
 * The link does no I/O of its own accord: the caller polls link_fd() for
 * link_poll_events() and calls link_handle() and link_tick(), so that one
 * poll() loop drives every socket of the process.
 */
#ifndef RUMOR_CONTROL_LINK_H
#define RUMOR_CONTROL_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "rumor/control_stats.h"
#include "rumor/link_proto.h"

#define LINK_BACKOFF_MIN_MS 100u
#define LINK_BACKOFF_MAX_MS 5000u
/* A dataplane that does not complete the handshake in time is dropped. */
#define LINK_HANDSHAKE_MS 5000u

/* What the link tells its owner; arg is the one given to link_new(). */
struct link_ops {
	/*
	 * The handshake is complete: the dataplane's STATE and its member
	 * table (n members in m, valid during the call).
	 */
	void (*ready)(void *arg, const struct link_state *state,
			const struct link_member *m, uint32_t n);
	/* The connection was lost after it was ready. */
	void (*lost)(void *arg);
	/* A control datagram the dataplane received. */
	void (*punt)(void *arg, const struct link_datagram *d);
	/* The dataplane's counters, in answer to link_send_stats_req(). */
	void (*stats)(void *arg, const char *text, uint32_t len);
};

/* Counters, for rumorctl stats (control_stats.h, LINK_STATS_TABLE). */
struct link_stats {
	LINK_STATS_TABLE(COUNTERS_FIELD)
};

struct link;

/* A link to the control socket at path; it connects at the first tick. */
struct link *link_new(const char *path, const struct link_ops *ops,
		void *arg);
void link_free(struct link *l);

/* The socket to poll, or -1 while there is none; and for what. */
int link_fd(const struct link *l);
short link_poll_events(const struct link *l);

/* Act on what poll() reported for link_fd(). */
void link_handle(struct link *l, short revents, uint64_t now_ms);

/* Connect when it is time, or drop a handshake that takes too long. */
void link_tick(struct link *l, uint64_t now_ms);

/* When link_tick next has something to do (UINT64_MAX: nothing). */
uint64_t link_next_timer(const struct link *l);

/* True once the handshake is complete, until the connection is lost. */
bool link_ready(const struct link *l);

/*
 * Messages to the dataplane, queued in order; each returns 0, or -1 when
 * the link is not ready or too much is waiting (counted in tx_dropped).
 */
int link_send_dgram(struct link *l, uint32_t ip, uint16_t port,
		const uint8_t *data, uint16_t len);
int link_send_table(struct link *l, uint64_t table_id,
		const struct link_member *m, uint32_t n);
/* A committed ring epoch as the table: the dataplane's ring takes it. */
int link_send_epoch(struct link *l, uint64_t epoch, const struct link_member *m,
		uint32_t n);
/* The same for a node that left: the epoch leaves it out. */
int link_send_epoch_left(struct link *l, uint64_t epoch,
		const struct link_member *m, uint32_t n);
/* The epoch before the next one, for the dataplane's handoffs. */
int link_send_epoch_prev(struct link *l, uint64_t epoch,
		const struct link_member *m, uint32_t n);
/* The members SWIM holds alive, beside the epoch's ring (Raft mode). */
int link_send_alive(struct link *l, uint64_t table_id,
		const struct link_member *m, uint32_t n);
int link_send_incarnation(struct link *l, uint32_t incarnation);
int link_send_stats_req(struct link *l);

/* Send what waits; call after a batch of link_send_*. */
void link_flush(struct link *l, uint64_t now_ms);

const struct link_stats *link_stats(const struct link *l);

#endif /* RUMOR_CONTROL_LINK_H */
