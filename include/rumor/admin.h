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

#define ADMIN_CLIENTS_MAX 16u
#define ADMIN_PKT_MAX 4096u	/* Text bytes in one reply packet, at most. */

struct admin_stats {
	uint64_t clients;		/* Connections accepted. */
	uint64_t clients_refused;	/* Over ADMIN_CLIENTS_MAX. */
	uint64_t requests;		/* Packets read. */
	uint64_t bad[ADMIN_REQ_VERDICT_MAX];	/* By verdict (OK unused). */
	uint64_t replies;		/* Replies ended. */
	uint64_t reply_failed;		/* Not queued (no memory). */
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
