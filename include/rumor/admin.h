/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor-control's admin socket: a SOCK_SEQPACKET listener that rumorctl
 * talks to. A request is one packet of text (admin_req.h); the reply is
 * one or more packets of text, split at line ends, and then an empty
 * packet that ends it. Requests that do not parse get an "error: ..."
 * reply and are counted by verdict. A client may send its next request
 * once a reply has ended.
 *
 * The owner answers valid requests: admin_open() takes a handler that is
 * called with a client id, and the reply may come later (the statistics
 * wait for the dataplane), through admin_reply() and admin_reply_end().
 * A client that left meanwhile is simply not answered.
 */
#ifndef RUMOR_CONTROL_ADMIN_H
#define RUMOR_CONTROL_ADMIN_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "rumor/admin_req.h"
#include "rumor/counters.h"

#define ADMIN_CLIENTS_MAX 16u
#define ADMIN_PKT_MAX 4096u	/* Text bytes in one reply packet, at most. */

/*
 * The admin socket's counters, one row each (counters.h), named as
 * rumorctl stats prints them; refused requests are counted by verdict
 * besides, and printed as "admin_bad_" and the verdict's name.
 */
#define ADMIN_STATS_TABLE(X)						\
	X(clients, "admin_clients",					\
	  "Admin connections accepted")					\
	X(clients_refused, "admin_clients_refused",			\
	  "Admin connections refused: 16 open already")			\
	X(requests, "admin_requests",					\
	  "Requests read")						\
	X(replies, "admin_replies",					\
	  "Replies queued whole, with the packet that ends them")	\
	X(reply_failed, "admin_reply_failed",				\
	  "Replies lost for want of memory (client closed)")

struct admin_stats {
	ADMIN_STATS_TABLE(COUNTERS_FIELD)
	uint64_t bad[ADMIN_REQ_VERDICT_MAX];	/* By verdict (OK unused). */
};

typedef void admin_handler_fn(void *arg, uint64_t client,
		const struct admin_req *req);

struct admin;

/*
 * Listen at path (mode 0600). A stale socket file left by a process that
 * is gone is removed; a path that another process still serves, or that
 * is not a socket, is an error. NULL with a message in err on failure.
 */
struct admin *admin_open(const char *path, admin_handler_fn *fn, void *arg,
		char *err, size_t errlen);

/* Close every connection and remove the socket file. */
void admin_close(struct admin *a);

/* Fill up to cap pollfds for the listener and clients; returns how many. */
unsigned admin_poll_fill(struct admin *a, struct pollfd *fds, unsigned cap);

/* Act on the pollfds admin_poll_fill filled (same n, same order). */
void admin_handle(struct admin *a, const struct pollfd *fds, unsigned n);

/* Append text to the reply being built for client. */
void admin_reply(struct admin *a, uint64_t client, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Send the reply built for client, then the empty packet. */
void admin_reply_end(struct admin *a, uint64_t client);

const struct admin_stats *admin_stats(const struct admin *a);

#endif /* RUMOR_CONTROL_ADMIN_H */
