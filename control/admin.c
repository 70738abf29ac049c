/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Admin socket server (admin.h). Every socket is non-blocking; a reply
 * waits in its client's packet queue until the client reads it, so a
 * client that stops reading costs memory for its own reply only and never
 * stalls the membership loop.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "rumor/admin.h"
#include "rumor/log.h"
#include "pktq.h"

struct admin_client {
	int fd;				/* -1: slot free. */
	uint64_t id;
	bool busy;			/* A request waits for its reply. */
	char *text;			/* The reply being built. */
	size_t len, cap;
	bool text_failed;		/* Out of memory while building it. */
	struct pktq out;
};

struct admin {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int fd;
	admin_handler_fn *fn;
	void *arg;
	uint64_t next_id;
	struct admin_client c[ADMIN_CLIENTS_MAX];
	struct admin_stats stats;
};

/*
 * Make room for the socket at path: nothing there, or a socket nobody
 * answers on (the file a killed process left behind).
 */
static int
admin_clear_path(const char *path, const struct sockaddr_un *sa,
		char *err, size_t errlen)
{
	struct stat st;
	int fd, r;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s: exists and is not a socket", path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (r == 0) {
		snprintf(err, errlen, "%s: another rumor-control is serving "
				"this admin socket", path);
		return -1;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "%s: cannot remove the stale socket: %s",
				path, strerror(errno));
		return -1;
	}
	log_info("removed the stale admin socket %s", path);
	return 0;
}

struct admin *
admin_open(const char *path, admin_handler_fn *fn, void *arg, char *err,
		size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct admin *a;
	mode_t old;
	int r;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "%s: path too long for a socket", path);
		return NULL;
	}
	strcpy(sa.sun_path, path);
	if (admin_clear_path(path, &sa, err, errlen) < 0)
		return NULL;
	a = calloc(1, sizeof(*a));
	if (a == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	strcpy(a->path, path);
	a->fn = fn;
	a->arg = arg;
	a->next_id = 1;
	for (unsigned i = 0; i < ADMIN_CLIENTS_MAX; i++)
		a->c[i].fd = -1;
	a->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
			0);
	if (a->fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		free(a);
		return NULL;
	}
	/* Only the owner may ask: the file is born 0600, never wider. */
	old = umask(0177);
	r = bind(a->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || chmod(path, 0600) < 0 || listen(a->fd, 16) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (r == 0)
			unlink(path);
		close(a->fd);
		free(a);
		return NULL;
	}
	return a;
}

static void
admin_client_close(struct admin_client *c)
{
	close(c->fd);
	c->fd = -1;
	c->busy = false;
	free(c->text);
	c->text = NULL;
	c->len = c->cap = 0;
	c->text_failed = false;
	pktq_clear(&c->out);
}

void
admin_close(struct admin *a)
{
	if (a == NULL)
		return;
	for (unsigned i = 0; i < ADMIN_CLIENTS_MAX; i++)
		if (a->c[i].fd >= 0)
			admin_client_close(&a->c[i]);
	close(a->fd);
	unlink(a->path);
	free(a);
}

static struct admin_client *
admin_client_find(struct admin *a, uint64_t id)
{
	for (unsigned i = 0; i < ADMIN_CLIENTS_MAX; i++)
		if (a->c[i].fd >= 0 && a->c[i].id == id)
			return &a->c[i];
	return NULL;
}

static void
admin_append(struct admin_client *c, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(c->text != NULL ? c->text + c->len : NULL,
			c->cap - c->len, fmt, aq);
	va_end(aq);
	if (n < 0 || c->text_failed)
		return;
	if ((size_t)n >= c->cap - c->len) {
		size_t ncap = c->cap ? c->cap : 4096;
		char *t;

		while (ncap - c->len <= (size_t)n)
			ncap *= 2;
		t = realloc(c->text, ncap);
		if (t == NULL) {
			c->text_failed = true;
			return;
		}
		c->text = t;
		c->cap = ncap;
		vsnprintf(c->text + c->len, c->cap - c->len, fmt, ap);
	}
	c->len += (size_t)n;
}

void
admin_reply(struct admin *a, uint64_t client, const char *fmt, ...)
{
	struct admin_client *c = admin_client_find(a, client);
	va_list ap;

	if (c == NULL)
		return;
	va_start(ap, fmt);
	admin_append(c, fmt, ap);
	va_end(ap);
}

static void
admin_send(struct admin_client *c)
{
	if (pktq_flush(&c->out, c->fd) < 0)
		admin_client_close(c);
}

void
admin_reply_end(struct admin *a, uint64_t client)
{
	struct admin_client *c = admin_client_find(a, client);
	size_t off = 0;
	bool ok = true;

	if (c == NULL)
		return;
	if (c->text_failed) {
		c->len = 0;
		ok = pktq_push(&c->out, "error: out of memory\n", 21) == 0;
	}
	/* Packets of whole lines where lines are short enough. */
	while (ok && off < c->len) {
		size_t n = c->len - off;

		if (n > ADMIN_PKT_MAX) {
			n = ADMIN_PKT_MAX;
			while (n > 1 && c->text[off + n - 1] != '\n')
				n--;
			if (c->text[off + n - 1] != '\n')
				n = ADMIN_PKT_MAX;
		}
		ok = pktq_push(&c->out, c->text + off, n) == 0;
		off += n;
	}
	ok = ok && pktq_push(&c->out, "", 0) == 0;
	if (ok) {
		a->stats.replies++;
	} else {
		a->stats.reply_failed++;
		admin_client_close(c);
		return;
	}
	c->len = 0;
	c->text_failed = false;
	c->busy = false;
	admin_send(c);
}

static void
admin_refuse(struct admin *a, uint64_t id, enum admin_verdict v,
		const struct admin_req *r, const char *req, size_t len)
{
	static const char commands[] = "commands: " ADMIN_COMMANDS;

	a->stats.bad[v]++;
	switch (v) {
	case ADMIN_REQ_TOO_LONG:
		admin_reply(a, id, "error: request longer than %u bytes\n",
				ADMIN_REQ_MAX);
		break;
	case ADMIN_REQ_BINARY:
		admin_reply(a, id, "error: request is not plain text\n");
		break;
	case ADMIN_REQ_UNKNOWN: {
		size_t s = 0, e;

		/* The parser has vouched for printable text here. */
		while (s < len && (req[s] == ' ' || req[s] == '\t'))
			s++;
		for (e = s; e < len && e - s < 40 && req[e] > ' '; e++)
			;
		admin_reply(a, id, "error: unknown command '%.*s' (%s)\n",
				(int)(e - s), req + s, commands);
		break;
	}
	case ADMIN_REQ_ARGS:
		if (admin_cmd_bare(r->meant))
			admin_reply(a, id, "error: the command takes no "
					"arguments (%s)\n", commands);
		else if (r->meant == ADMIN_CMD_RAFT)
			admin_reply(a, id, "error: unknown raft command (%s)\n",
					commands);
		else
			admin_reply(a, id, "error: usage: %s%s\n",
					admin_cmd_usage(r->meant),
					strstr(admin_cmd_usage(r->meant), "ID") ?
					" (ID: a node id, 1 to 4294967295)" :
					"");
		break;
	default:
		admin_reply(a, id, "error: empty request (%s)\n", commands);
		break;
	}
	admin_reply_end(a, id);
}

static void
admin_read(struct admin *a, struct admin_client *c)
{
	char buf[ADMIN_REQ_MAX + 1];
	struct admin_req req;
	enum admin_verdict v;
	ssize_t n;

	n = recv(c->fd, buf, sizeof(buf), MSG_TRUNC | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
			errno == EINTR))
		return;
	if (n <= 0) {
		/* Gone (an empty packet reads the same as the end). */
		admin_client_close(c);
		return;
	}
	a->stats.requests++;
	/* A longer packet was cut: the parser refuses it by length alone. */
	v = admin_req_parse(buf, (size_t)n, &req);
	if (v != ADMIN_REQ_OK) {
		admin_refuse(a, c->id, v, &req, buf, (size_t)n);
		return;
	}
	c->busy = true;
	a->fn(a->arg, c->id, &req);
}

static void
admin_accept(struct admin *a)
{
	for (;;) {
		int fd = accept4(a->fd, NULL, NULL,
				SOCK_NONBLOCK | SOCK_CLOEXEC);
		unsigned i;

		if (fd < 0)
			return;
		for (i = 0; i < ADMIN_CLIENTS_MAX && a->c[i].fd >= 0; i++)
			;
		if (i == ADMIN_CLIENTS_MAX) {
			static const char busy[] = "error: too many admin "
					"connections\n";

			a->stats.clients_refused++;
			send(fd, busy, sizeof(busy) - 1,
					MSG_DONTWAIT | MSG_NOSIGNAL);
			send(fd, "", 0, MSG_DONTWAIT | MSG_NOSIGNAL);
			close(fd);
			continue;
		}
		a->stats.clients++;
		a->c[i].fd = fd;
		a->c[i].id = a->next_id++;
	}
}

unsigned
admin_poll_fill(struct admin *a, struct pollfd *fds, unsigned cap)
{
	unsigned n = 0;

	if (cap == 0)
		return 0;
	fds[n++] = (struct pollfd){ .fd = a->fd, .events = POLLIN };
	for (unsigned i = 0; i < ADMIN_CLIENTS_MAX && n < cap; i++) {
		struct admin_client *c = &a->c[i];

		if (c->fd < 0)
			continue;
		fds[n++] = (struct pollfd){
			.fd = c->fd,
			.events = (c->busy ? 0 : POLLIN) |
					(c->out.n > 0 ? POLLOUT : 0),
		};
	}
	return n;
}

void
admin_handle(struct admin *a, const struct pollfd *fds, unsigned n)
{
	for (unsigned k = 1; k < n; k++) {
		struct admin_client *c = NULL;

		if (fds[k].revents == 0)
			continue;
		for (unsigned i = 0; i < ADMIN_CLIENTS_MAX; i++)
			if (a->c[i].fd == fds[k].fd)
				c = &a->c[i];
		if (c == NULL)
			continue;
		if (fds[k].revents & POLLOUT)
			admin_send(c);
		if (c->fd < 0)
			continue;
		if (fds[k].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (c->busy) {
				/* Hung up while its reply was being made. */
				if (fds[k].revents & (POLLHUP | POLLERR))
					admin_client_close(c);
			} else {
				admin_read(a, c);
			}
		}
	}
	if (n > 0 && (fds[0].revents & POLLIN))
		admin_accept(a);
}

const struct admin_stats *
admin_stats(const struct admin *a)
{
	return &a->stats;
}
