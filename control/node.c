/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor-control's loop (node.h). One thread, one poll(): the control link,
 * the admin socket and its clients, and a signalfd for SIGTERM, SIGINT and
 * SIGHUP (the keys read again, creds.c);
 * the timeout is the earliest of the membership's next timer and the
 * node's own (reconnection, join retry, table debounce, statistics wait,
 * leave linger), so the process sleeps whenever there is nothing to do.
 *
 * Datagrams in: PUNT -> seal_open -> (a membership message whose sender
 * is the one the seal authenticated) -> swim_input, or a Raft envelope
 * -> raft_driver_input. Datagrams out: swim_output or Raft's Ready ->
 * seal_wrap -> SEND. Every verdict is counted.
 *
 * This is the top of the node: it calls the layers below it (node_int.h
 * lists them) and none of them calls it.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "rumor/log.h"
#include "rumor/punt.h"
#include "admin_cmds.h"
#include "creds.h"
#include "epoch_driver.h"
#include "node.h"
#include "node_int.h"
#include "raft_driver.h"
#include "swim_driver.h"

int
node_params(const struct rumor_config *cfg, const char *name,
		struct swim_params *p, char *err, size_t errlen)
{
	swim_params_default(p);
	if (cfg->probe_interval_ms != 0)
		p->probe_interval_ms = cfg->probe_interval_ms;
	if (cfg->probe_timeout_ms != 0)
		p->probe_timeout_ms = cfg->probe_timeout_ms;
	else if (p->probe_timeout_ms >= p->probe_interval_ms)
		p->probe_timeout_ms = p->probe_interval_ms / 2;
	if (cfg->suspicion_mult != 0)
		p->suspicion_mult = cfg->suspicion_mult;
	if (cfg->gossip_interval_ms != 0)
		p->gossip_interval_ms = cfg->gossip_interval_ms;
	if (cfg->sync_interval_ms != 0)
		p->sync_interval_ms = cfg->sync_interval_ms;
	if (p->probe_timeout_ms >= p->probe_interval_ms) {
		snprintf(err, errlen, "%s: field 'probe_timeout_ms': %u ms "
				"must be shorter than the probe interval "
				"(%u ms)", name, p->probe_timeout_ms,
				p->probe_interval_ms);
		return -1;
	}
	return 0;
}

/* After anything happened: send, log, and schedule what follows. */
static void
node_after(struct node *n, uint64_t now)
{
	if (n->swim == NULL)
		return;
	swim_driver_after(n, now);
	/*
	 * With Raft, the dataplane's table is the committed epoch, not this
	 * node's own view.
	 */
	if (n->raft != NULL) {
		raft_driver_after(n, now);
		admin_cmds_voter_done(n, now);
	}
}

static void
node_timers(struct node *n, uint64_t now)
{
	link_tick(n->link, now);
	swim_driver_timers(n, now);
	if (n->raft != NULL)
		raft_driver_timers(n, now);
	if (n->n_stats_waiting > 0 && now >= n->stats_deadline) {
		n->st.stats_timeouts++;
		admin_cmds_stats_done(n, NULL, 0, "no answer within 1 s");
	}
	if (n->stop == NODE_LEAVING && now >= n->linger_until &&
			(epoch_driver_left(n) || now >= n->leave_until)) {
		if (!epoch_driver_left(n))
			log_warning("no epoch without this node within %u ms: "
					"its dataplane keeps the ring it has",
					NODE_LEAVE_WAIT_MS);
		log_info("left; exiting");
		n->stop = NODE_EXIT;
	}
}

static uint64_t
node_next_deadline(const struct node *n)
{
	uint64_t t = link_next_timer(n->link);

	if (swim_driver_next(n) < t)
		t = swim_driver_next(n);
	if (n->raft != NULL && raft_driver_next(n) < t)
		t = raft_driver_next(n);
	if (n->n_stats_waiting > 0 && n->stats_deadline < t)
		t = n->stats_deadline;
	if (n->stop == NODE_LEAVING) {
		/* Linger; and, with Raft, until the epoch without it. */
		uint64_t end = epoch_driver_left(n) ? n->linger_until :
				n->leave_until;

		if (end < t)
			t = end;
	}
	return t;
}

/* Link callback: the handshake is complete. */
static void
node_ready(void *arg, const struct link_state *st, const struct link_member *m,
		uint32_t cnt)
{
	struct node *n = arg;

	if (st->node_id != n->cfg->node_id) {
		log_error("rumor-dataplane at %s is node %u, but %s says node "
				"%u", n->cfg->control_socket, st->node_id,
				n->name, n->cfg->node_id);
		n->exit_status = 1;
		n->stop = NODE_EXIT;
		return;
	}
	if (n->swim != NULL && (st->address != n->self.ip ||
			st->udp_port != n->self.port)) {
		log_error("rumor-dataplane now serves another address or "
				"port; restart rumor-control to follow it");
		n->exit_status = 1;
		n->stop = NODE_EXIT;
		return;
	}
	if (swim_driver_attached(n, st, m, cnt, node_mono_ms()) < 0) {
		n->exit_status = 1;
		n->stop = NODE_EXIT;
		return;
	}
	if (n->raft != NULL)
		epoch_driver_attached(n);
}

/* Link callback: the dataplane went away. */
static void
node_lost(void *arg)
{
	struct node *n = arg;

	swim_driver_detached(n, node_mono_ms());
	if (n->n_stats_waiting > 0)
		admin_cmds_stats_done(n, NULL, 0, "not connected");
	/* Nothing can spread a leave any more. */
	if (n->stop == NODE_LEAVING)
		n->stop = NODE_EXIT;
}

/*
 * The counter of a datagram that goes no further: the seal's verdict,
 * or, for Raft while Raft is off here, a protocol this node does not
 * run. A forged sender counts as forged too.
 */
static void
node_punt_refused(struct node *n, enum punt_verdict v)
{
	uint64_t *const counter[PUNT_VERDICT_MAX] = {
		[PUNT_MALFORMED] = &n->st.rx_malformed,
		[PUNT_WRONG_LABEL] = &n->st.rx_wrong_label,
		[PUNT_FORGED] = &n->st.rx_forged,
		[PUNT_FORGED_SENDER] = &n->st.rx_forged_sender,
		[PUNT_REPLAYED] = &n->st.rx_replayed,
		[PUNT_WRONG_PROTO] = &n->st.rx_wrong_proto,
		[PUNT_RAFT] = &n->st.rx_wrong_proto,
	};

	if (v == PUNT_FORGED_SENDER)
		n->st.rx_forged++;
	if ((unsigned int)v < PUNT_VERDICT_MAX && counter[v] != NULL)
		(*counter[v])++;
	else
		n->st.rx_malformed++;
}

/* Link callback: a control datagram from another node. */
static void
node_punt(void *arg, const struct link_datagram *d)
{
	struct node *n = arg;
	enum punt_verdict v;
	uint32_t sender;
	size_t len;

	n->st.rx++;
	if (n->swim == NULL) {
		n->st.rx_not_ready++;
		return;
	}
	v = punt_open(n->seal, d->data, d->len, n->body, sizeof(n->body),
			&len, &sender);
	if (v == PUNT_SWIM) {
		n->st.rx_swim++;
		swim_input(n->swim, swim_driver_now(n, node_mono_ms()), d->ip,
				d->udp_port, n->body, len);
	} else if (v == PUNT_RAFT && n->raft != NULL) {
		n->st.rx_raft++;
		raft_driver_input(n, sender, n->body, len, node_mono_ms());
	} else {
		node_punt_refused(n, v);
	}
}

/* Link callback: the dataplane's counters. */
static void
node_link_stats(void *arg, const char *text, uint32_t len)
{
	struct node *n = arg;

	if (n->n_stats_waiting > 0)
		admin_cmds_stats_done(n, text, len, NULL);
}

static const struct link_ops node_link_ops = {
	.ready = node_ready,
	.lost = node_lost,
	.punt = node_punt,
	.stats = node_link_stats,
};

/*
 * SIGHUP: the keyring, the node key and the roster read again. A node
 * removed from the roster is refused from now on; a failed reload keeps
 * the keys in force.
 */
static void
node_reload(struct node *n)
{
	char err[1024];

	if (creds_apply(n->creds, n->cfg, n->name, n->seal, err,
			sizeof(err)) < 0) {
		log_error("SIGHUP: keys not reloaded, the old ones stay: %s",
				err);
		return;
	}
	log_info("SIGHUP: keyring%s read again", creds_configured(n->cfg) ?
			", node key and roster" : "");
}

/*
 * SIGTERM or SIGINT: leave gracefully; a second one exits at once.
 * SIGHUP: reload the keys.
 */
static void
node_signal(struct node *n, int fd, uint64_t now)
{
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo == SIGHUP) {
		node_reload(n);
		return;
	}
	if (n->stop != NODE_RUNNING || n->swim == NULL ||
			!link_ready(n->link)) {
		log_info("%s: exiting", strsignal((int)si.ssi_signo));
		n->stop = NODE_EXIT;
		return;
	}
	log_info("%s: leaving the cluster", strsignal((int)si.ssi_signo));
	swim_driver_leave(n, now);
	n->stop = NODE_LEAVING;
	n->linger_until = now + NODE_LINGER_MS;
	n->leave_until = now + NODE_LEAVE_WAIT_MS;
}

static int
node_signalfd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static void
node_loop(struct node *n, int sigfd)
{
	struct pollfd fds[2 + 1 + ADMIN_CLIENTS_MAX];

	while (n->stop != NODE_EXIT) {
		uint64_t now = node_mono_ms(), next;
		unsigned nf = 0, na, link_at = UINT32_MAX;
		int timeout;

		node_timers(n, now);
		node_after(n, now);
		link_flush(n->link, now);
		if (n->stop == NODE_EXIT)
			break;
		next = node_next_deadline(n);
		if (next <= now)
			timeout = 0;
		else if (next - now > 60000)
			timeout = 60000;
		else
			timeout = (int)(next - now);
		fds[nf++] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
		if (link_fd(n->link) >= 0) {
			link_at = nf;
			fds[nf++] = (struct pollfd){
				.fd = link_fd(n->link),
				.events = link_poll_events(n->link),
			};
		}
		na = admin_poll_fill(n->admin, fds + nf,
				(unsigned)(sizeof(fds) / sizeof(fds[0])) - nf);
		if (poll(fds, nf + na, timeout) < 0) {
			if (errno == EINTR)
				continue;
			log_error("poll: %s", strerror(errno));
			n->exit_status = 1;
			break;
		}
		now = node_mono_ms();
		if (fds[0].revents & POLLIN)
			node_signal(n, sigfd, now);
		if (link_at != UINT32_MAX && fds[link_at].revents != 0)
			link_handle(n->link, fds[link_at].revents, now);
		admin_handle(n->admin, fds + nf, na);
	}
	/* What the leave produced in its last moments still goes out. */
	if (n->swim != NULL)
		swim_driver_drain(n);
	link_flush(n->link, node_mono_ms());
}

int
node_run(const struct rumor_config *cfg, const char *name, struct seal *seal,
		struct creds *creds, const struct swim_params *p)
{
	struct node *n = calloc(1, sizeof(*n));
	char err[512];
	int sigfd, status = 1;
	struct timespec ts;

	if (n == NULL) {
		log_error("out of memory");
		return 1;
	}
	n->cfg = cfg;
	n->name = name;
	n->params = *p;
	n->seal = seal;
	n->creds = creds;
	n->start_ms = node_mono_ms();
	/* Table ids that no earlier run of this node has used. */
	clock_gettime(CLOCK_REALTIME, &ts);
	n->next_table_id = (uint64_t)ts.tv_sec * 1000000u +
			(uint64_t)ts.tv_nsec / 1000u;
	sigfd = node_signalfd();
	if (sigfd < 0) {
		log_error("signalfd: %s", strerror(errno));
		goto out;
	}
	n->admin = admin_open(cfg->admin_socket, admin_cmds_request, n, err,
			sizeof(err));
	if (n->admin == NULL) {
		log_error("admin socket: %s", err);
		goto out;
	}
	n->link = link_new(cfg->control_socket, &node_link_ops, n);
	if (n->link == NULL) {
		log_error("control socket %s: %s", cfg->control_socket,
				strerror(errno));
		goto out;
	}
	log_info("admin socket %s; control socket %s", cfg->admin_socket,
			cfg->control_socket);
	if (cfg->n_voters > 0 && raft_driver_open(n) < 0)
		goto out;
	node_loop(n, sigfd);
	status = n->exit_status;
out:
	/* Each of these takes what was never opened. */
	raft_driver_close(n);
	admin_close(n->admin);
	link_free(n->link);
	swim_driver_close(n);
	if (sigfd >= 0)
		close(sigfd);
	free(n);
	return status;
}
