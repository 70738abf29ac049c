/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client sessions (docs/clients.md): the node's side of client
 * admission under client_auth = token. A client proves its address with
 * a cookie round trip, presents a token the cluster signed, and gets a
 * session bound to its address and UDP port: its client id, its token's
 * capabilities and a session key. From then on every SUBSCRIBE,
 * UNSUBSCRIBE and PUBLISH it sends carries a tag under that key.
 *
 * The session table is written by the control thread only and read by
 * the lcores lock-free (liburcu QSBR): each slot is an RCU pointer, and a
 * session leaves the table before it is freed after a grace period.
 * Under client_auth = none none of this runs.
 */
#ifndef RUMOR_SESSION_H
#define RUMOR_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "rumor/config.h"
#include "rumor/parse.h"

struct dp_lcore;
struct dp_port;
struct chan_msg;

#define SESSION_MAX 4096u		/* Sessions of one node. */
#define SESSION_PER_CLIENT_MAX 64u	/* Sessions of one client id. */
#define SESSION_IDLE_S 900u		/* Unused that long: closed. */
#define SESSION_TOKEN_CACHE 256u	/* Verified tokens kept. */

/* True when clients need tokens (client_auth = token); set at start. */
extern bool session_required;

/*
 * At start, from the configuration: refuses (-1, a reason in err) when
 * client_auth is not set, or the token key cannot be read; builds the
 * table under client_auth = token.
 */
int session_init(const struct rumor_config *cfg, char *err, size_t errlen);
void session_free(void);

/*
 * On an lcore, after frame_parse gave *v for m, when session_required:
 * a client's request without a session proof is dropped; one with a
 * valid tag has its block stripped and goes on as a plain message (*v
 * and *frame_len as frame_parse gives them for it); one that presents a
 * token, or comes from an address without a session, goes to the
 * control thread as audience work. Returns false if m was taken (sent
 * on, or dropped and counted).
 */
bool session_admit(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct dp_port *in, enum frame_verdict *v,
		uint32_t *frame_len);

/*
 * On the control thread, for every punted audience frame before it is
 * decoded: a request that presents a token is checked (cookie, token,
 * limits), opens a session and goes on stripped; a request without a
 * session gets a COOKIE. Returns true if m was answered or dropped
 * (the caller frees it), false if it goes on as a plain message.
 */
bool session_audience(struct rte_mbuf *m);

/*
 * On an lcore: the client id of the session of ip:port (network order),
 * whose request session_admit let through; 0 if it has none.
 */
uint64_t session_client(uint32_t ip, uint16_t port);

/*
 * On the control thread: whether the session of m's source allows a
 * SUBSCRIBE of req's channel (true under client_auth = none).
 */
bool session_allows_subscribe(const struct rte_mbuf *m,
		const struct chan_msg *req);

/*
 * On the control thread: add the session block to the SUB_ACK in buf
 * (len bytes, cap of room) if it answers the request that opened a
 * session; the length to send.
 */
size_t session_sub_ack(const struct rte_mbuf *m, uint8_t *buf, size_t len,
		size_t cap);

/*
 * On the control thread, once per poll: the lcores' clock, sessions
 * that expired or idled (a share of the table per call), and sessions
 * freed after a grace period.
 */
void session_poll(void);

#endif /* RUMOR_SESSION_H */
