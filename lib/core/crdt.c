/* SPDX-License-Identifier: BSD-3-Clause */
/* What the channel state's data types share (rumor/crdt.h). */
#include "rumor/crdt.h"

RUMOR_ENUM_NAME_FN(crdt_error_name, enum crdt_error, CRDT_ERRORS,
		CRDT_ERROR_MAX, "?")

void
crdt_limits_default(struct crdt_limits *l)
{
	l->entries = 4096;
	l->data_bytes = 1024;
	l->key_bytes = 256;
	l->replicas = 64;
}
