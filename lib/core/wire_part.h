/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the codecs of fixed parts share (chan_wire.c, repl_wire.c): the
 * decoder and encoder of a part made from its own three pieces, so that
 * each part's code is only what differs.
 *
 * For a part P of prefix X (chan, repl), LEN bytes long, a message after
 * it when TAIL is true, the file defines
 *
 *   enum chan_wire_error X_P_read(const uint8_t *buf, struct X_P *out)
 *	the fields from buf (LEN bytes there); RESERVED for a reserved
 *	field not 0
 *   void X_P_write(const struct X_P *in, uint8_t *buf)
 *	the fields to buf, reserved ones 0
 *   enum chan_wire_error X_P_check(const struct X_P *p)
 *	the fields' ranges, the same for what was read and what is to be
 *	written, so that decoder and encoder cannot disagree
 *
 * and WIRE_PART_CODEC(X, P, LEN, TAIL) makes X_P_decode and X_P_encode
 * of its public header: the decoder refuses another length (or a shorter
 * one, with TAIL) before it reads, the encoder writes nothing for a part
 * that would not decode or does not fit.
 */
#ifndef RUMOR_WIRE_PART_H
#define RUMOR_WIRE_PART_H

#include <stddef.h>
#include <stdint.h>

#include "rumor/chan_wire.h"

#define WIRE_PART_CODEC(X, P, LEN, TAIL)				\
enum chan_wire_error							\
X##_##P##_decode(const uint8_t *buf, size_t len, struct X##_##P *out)	\
{									\
	enum chan_wire_error e;						\
									\
	if (TAIL ? len < (LEN) : len != (LEN))				\
		return CHAN_WIRE_LENGTH;				\
	e = X##_##P##_read(buf, out);					\
	return e != CHAN_WIRE_OK ? e : X##_##P##_check(out);		\
}									\
									\
size_t									\
X##_##P##_encode(const struct X##_##P *in, uint8_t *buf, size_t cap)	\
{									\
	if (X##_##P##_check(in) != CHAN_WIRE_OK || cap < (LEN))		\
		return 0;						\
	X##_##P##_write(in, buf);					\
	return (LEN);							\
}

#endif /* RUMOR_WIRE_PART_H */
