/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A queue of packets waiting to go out on a non-blocking SOCK_SEQPACKET
 * socket. rumor-control never blocks on a peer that reads slowly: what
 * the socket does not take now waits here, in order, and goes when poll()
 * says the socket is writable again.
 */
#ifndef RUMOR_CONTROL_PKTQ_H
#define RUMOR_CONTROL_PKTQ_H

#include <stddef.h>
#include <stdint.h>

struct pktq_item;

struct pktq {
	struct pktq_item *head, *tail;
	uint32_t n;		/* Packets waiting. */
	size_t bytes;		/* Their bytes. */
};

/* Append a copy of len bytes (0 is a valid, empty packet). 0 or -1. */
int pktq_push(struct pktq *q, const void *data, size_t len);

/*
 * Send what the socket takes. Returns 0 when the queue is empty or the
 * socket is full for now, -1 (errno set) if the connection failed.
 */
int pktq_flush(struct pktq *q, int fd);

/* Drop every packet. */
void pktq_clear(struct pktq *q);

#endif /* RUMOR_CONTROL_PKTQ_H */
