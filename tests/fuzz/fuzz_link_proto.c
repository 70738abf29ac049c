/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the control-link codec (include/rumor/link_proto.h).
 * The input is a sequence of packets, each preceded by a 2-byte length.
 * Each packet is decoded; when it is accepted, its fields are in range,
 * encoding the decoded message gives back the same bytes, and TABLE
 * chunks are fed to one reassembler, whose tables must be whole.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/link_proto.h"
#include "rumor/ring.h"
#include "fuzz.h"

/* Encode m again into a buffer of exactly len bytes; 0 on refusal. */
static size_t
reencode(const struct link_msg *m, uint8_t *buf, size_t len)
{
	struct link_member *mem;
	size_t n = 0;

	switch (m->type) {
	case LINK_HELLO:
		return link_encode_hello(buf, len, m->u.pid);
	case LINK_STATE:
		return link_encode_state(buf, len, &m->u.state);
	case LINK_PUNT:
	case LINK_SEND:
		return link_encode_dgram(buf, len, m->type, m->u.dgram.ip,
				m->u.dgram.udp_port, m->u.dgram.data,
				m->u.dgram.len);
	case LINK_TABLE:
		mem = malloc(m->u.table.n * sizeof(*mem));
		if (mem == NULL)
			abort();
		for (uint32_t i = 0; i < m->u.table.n; i++)
			link_table_member(&m->u.table, i, &mem[i]);
		n = link_encode_table_flags(buf, len, m->u.table.table_id,
				m->u.table.flags, m->u.table.total, m->u.table.first, mem,
				m->u.table.n);
		free(mem);
		return n;
	case LINK_INCARNATION:
		return link_encode_u32(buf, len, m->type, m->u.incarnation);
	case LINK_STATS_REQ:
		return link_encode_empty(buf, len, m->type);
	case LINK_STATS:
		return link_encode_stats(buf, len, m->u.stats.text,
				m->u.stats.len);
	}
	return 0;
}

static void
check_table(const struct link_table_asm *a)
{
	FUZZ_CHECK(a->have == a->total);
	for (uint32_t i = 0; i < a->total; i++) {
		FUZZ_CHECK(a->m[i].id != 0);
		FUZZ_CHECK(a->m[i].udp_port != 0);
		FUZZ_CHECK(a->m[i].weight >= 1 &&
				a->m[i].weight <= RING_WEIGHT_MAX);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct link_table_asm a;

	memset(&a, 0, sizeof(a));
	while (size >= 2) {
		size_t len = (size_t)data[0] << 8 | data[1];
		uint8_t *pkt;
		struct link_msg m;
		enum link_error e;

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		pkt = fuzz_copy(data, len);
		if (pkt == NULL)
			break;
		data += len;
		size -= len;

		e = link_decode(pkt, len, &m);
		FUZZ_VERDICT(e, LINK_ERROR_MAX, link_error_name,
				len < LINK_HDR_LEN, LINK_E_SHORT);
		if (e == LINK_OK) {
			FUZZ_CHECK(m.type > 0 && m.type < LINK_TYPE_MAX);
			FUZZ_CHECK(len <= LINK_MSG_MAX);
			FUZZ_ENCODES_AGAIN(reencode(&m, again_, cap_), pkt,
					len);
			if (m.type == LINK_TABLE &&
					link_table_feed(&a, &m.u.table) == 1)
				check_table(&a);
		}
		free(pkt);
	}
	link_table_asm_free(&a);
	return 0;
}
