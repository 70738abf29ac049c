/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Outgoing packet queue (pktq.h): a singly linked list of copies, sent
 * front first with MSG_DONTWAIT, so that packet boundaries and order are
 * those of the pushes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pktq.h"

struct pktq_item {
	struct pktq_item *next;
	size_t len;
	uint8_t data[];
};

int
pktq_push(struct pktq *q, const void *data, size_t len)
{
	struct pktq_item *it = malloc(sizeof(*it) + len);

	if (it == NULL)
		return -1;
	it->next = NULL;
	it->len = len;
	if (len > 0)
		memcpy(it->data, data, len);
	if (q->tail != NULL)
		q->tail->next = it;
	else
		q->head = it;
	q->tail = it;
	q->n++;
	q->bytes += len;
	return 0;
}

static void
pktq_pop(struct pktq *q)
{
	struct pktq_item *it = q->head;

	q->head = it->next;
	if (q->head == NULL)
		q->tail = NULL;
	q->n--;
	q->bytes -= it->len;
	free(it);
}

int
pktq_flush(struct pktq *q, int fd)
{
	while (q->head != NULL) {
		ssize_t r = send(fd, q->head->data, q->head->len,
				MSG_DONTWAIT | MSG_NOSIGNAL);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
					errno == ENOBUFS)
				return 0;
			return -1;
		}
		pktq_pop(q);
	}
	return 0;
}

void
pktq_clear(struct pktq *q)
{
	while (q->head != NULL)
		pktq_pop(q);
}
