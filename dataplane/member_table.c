/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The members in force, as rumor-control publishes them through the
 * control link (member_table.h). A TABLE arrives in chunks; once whole it
 * is checked by the rules the configuration file's member list obeys and
 * published as the configuration's members through the path of a reload
 * (union peer table, new ring, exact peer table). Zones are part of the
 * members: they place the replicas. The table in force is kept: a reload
 * keeps its members (reload.c).
 *
 * The static MACs of the configuration live here too: those of the file's
 * member lines, by node id, which a table's members take, and those of
 * dp.cfg, by address, which SEND uses (link_send.c). Everything runs on
 * the control thread, so the state is plain statics.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_log.h>

#include "dp.h"
#include "link_server.h"
#include "member_table.h"

/* A static MAC, by node id (the file's) or by address (dp.cfg's). */
struct static_mac {
	uint32_t key;
	uint8_t mac[6];
};

static struct {
	/* The member table rumor-control published, sorted by id. */
	struct link_member *table;
	uint32_t n_table;
	struct link_table_asm tasm;	/* A table arriving in chunks. */
	/* Static MACs of the file's member lines, and of dp.cfg by address. */
	struct static_mac *file_mac, *ip_mac;
	uint32_t n_file_mac, n_ip_mac;
} mt;

static int
static_mac_cmp(const void *a, const void *b)
{
	const struct static_mac *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

static const uint8_t *
static_mac_find(const struct static_mac *t, uint32_t n, uint32_t key)
{
	const struct static_mac k = { .key = key };
	const struct static_mac *f;

	if (n == 0)
		return NULL;
	f = bsearch(&k, t, n, sizeof(k), static_mac_cmp);
	return f != NULL ? f->mac : NULL;
}

/*
 * The static MACs of the member lines file (n_file, sorted by id), by id,
 * into *n. NULL without memory.
 */
static struct static_mac *
static_mac_by_id(const struct config_member *file, uint32_t n_file,
		uint32_t *n)
{
	struct static_mac *t = malloc((n_file + 1) * sizeof(*t));

	*n = 0;
	if (t == NULL)
		return NULL;
	for (uint32_t i = 0; i < n_file; i++) {
		if (!file[i].has_mac)
			continue;
		t[*n].key = file[i].id;
		memcpy(t[(*n)++].mac, file[i].mac, 6);
	}
	return t;			/* Sorted: file is. */
}

void
member_table_config_changed(const struct config_member *file,
		uint32_t n_file)
{
	struct static_mac *t;
	uint32_t n = 0;

	if (file != NULL) {
		t = static_mac_by_id(file, n_file, &n);
		if (t != NULL) {
			free(mt.file_mac);
			mt.file_mac = t;
			mt.n_file_mac = n;
		}
	}
	t = malloc((dp.cfg.n_members + 1) * sizeof(*t));
	if (t == NULL)
		return;		/* The old index still answers. */
	n = 0;
	for (uint32_t i = 0; i < dp.cfg.n_members; i++) {
		if (!dp.cfg.members[i].has_mac)
			continue;
		t[n].key = dp.cfg.members[i].ip;
		memcpy(t[n++].mac, dp.cfg.members[i].mac, 6);
	}
	if (dp.cfg.has_sink && dp.cfg.sink_has_mac) {
		t[n].key = dp.cfg.sink_ip;
		memcpy(t[n++].mac, dp.cfg.sink_mac, 6);
	}
	qsort(t, n, sizeof(*t), static_mac_cmp);
	free(mt.ip_mac);
	mt.ip_mac = t;
	mt.n_ip_mac = n;
}

int
member_table_static_mac(uint32_t ip, uint8_t mac[6])
{
	const uint8_t *s = static_mac_find(mt.ip_mac, mt.n_ip_mac, ip);

	if (s == NULL)
		return 0;
	memcpy(mac, s, 6);
	return 1;
}

static int
member_id_cmp(const void *a, const void *b)
{
	const struct link_member *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int
member_addr_cmp(const void *a, const void *b)
{
	const struct link_member *x = a, *y = b;
	uint64_t kx = (uint64_t)ntohl(x->ip) << 16 | x->udp_port;
	uint64_t ky = (uint64_t)ntohl(y->ip) << 16 | y->udp_port;

	return kx < ky ? -1 : kx > ky;
}

/*
 * Why a complete table (sorted by id) cannot be published, or NULL:
 * the rules the configuration file's member list obeys.
 */
static const char *
table_invalid(const struct link_member *t, uint32_t n, bool left, char *why,
		size_t len)
{
	struct link_member *by_addr;
	const struct link_member *self = NULL;
	char ip[16];

	for (uint32_t i = 0; i < n; i++) {
		if (i > 0 && t[i].id == t[i - 1].id) {
			snprintf(why, len, "node %u listed twice", t[i].id);
			return why;
		}
		if (!link_ip_usable(t[i].ip)) {
			snprintf(why, len, "node %u has address %s", t[i].id,
					link_ip_str(t[i].ip, ip, sizeof(ip)));
			return why;
		}
		if (t[i].id == dp.cfg.node_id)
			self = &t[i];
	}
	if (self == NULL && !left) {
		snprintf(why, len, "this node (%u) is not a member",
				dp.cfg.node_id);
		return why;
	}
	if (self != NULL && (self->ip != dp.cfg.address ||
			self->udp_port != dp.cfg.udp_port)) {
		snprintf(why, len, "this node (%u) is at %s:%u, not its own "
				"address and port", self->id,
				link_ip_str(self->ip, ip, sizeof(ip)),
				self->udp_port);
		return why;
	}
	by_addr = malloc(n * sizeof(*by_addr));
	if (by_addr == NULL) {
		snprintf(why, len, "out of memory");
		return why;
	}
	memcpy(by_addr, t, n * sizeof(*by_addr));
	qsort(by_addr, n, sizeof(*by_addr), member_addr_cmp);
	for (uint32_t i = 1; i < n; i++) {
		if (member_addr_cmp(&by_addr[i], &by_addr[i - 1]) == 0) {
			snprintf(why, len, "nodes %u and %u have the same "
					"address and port", by_addr[i - 1].id,
					by_addr[i].id);
			free(by_addr);
			return why;
		}
	}
	free(by_addr);
	return NULL;
}

/*
 * Configuration members for a table (sorted by id), with the static MACs
 * of the file's member lines (file_mac, by id). NULL without memory.
 */
static struct config_member *
members_of(const struct link_member *t, uint32_t n,
		const struct static_mac *file_mac, uint32_t n_file_mac)
{
	struct config_member *m = calloc(n, sizeof(*m));

	if (m == NULL)
		return NULL;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *mac = static_mac_find(file_mac, n_file_mac,
				t[i].id);

		m[i].id = t[i].id;
		m[i].ip = t[i].ip;
		m[i].udp_port = t[i].udp_port;
		m[i].weight = t[i].weight;
		m[i].zone = t[i].zone;
		if (mac != NULL) {
			m[i].has_mac = true;
			memcpy(m[i].mac, mac, 6);
		}
	}
	return m;
}

static bool
members_equal(const struct config_member *a, const struct config_member *b,
		uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (a[i].id != b[i].id || a[i].ip != b[i].ip ||
				a[i].udp_port != b[i].udp_port ||
				a[i].weight != b[i].weight ||
				a[i].zone != b[i].zone ||
				a[i].has_mac != b[i].has_mac ||
				(a[i].has_mac &&
				 memcmp(a[i].mac, b[i].mac, 6) != 0))
			return false;
	return true;
}

/* Keep t (n members, sorted by id) as the table in force. */
static void
table_keep(struct link_member *t, uint32_t n)
{
	free(mt.table);
	mt.table = t;
	mt.n_table = n;
}

/*
 * A complete table from rumor-control: checked, then published as the
 * configuration's members through the same path as a reload (union peer
 * table, new ring, exact peer table). On success the table is kept (t is
 * taken), for later STATE replies and reloads. True if there is something
 * to warn about, written to warn.
 */
static bool
table_apply(struct link_member *t, uint32_t n, uint64_t id, uint32_t flags,
		char *warn, size_t len)
{
	struct rumor_config c = dp.cfg;
	char why[128];

	/* A committed Raft epoch becomes the ring's epoch as it is. */
	c.ring_epoch = flags & LINK_TABLE_F_EPOCH ? id : 0;

	qsort(t, n, sizeof(*t), member_id_cmp);
	if (table_invalid(t, n, (flags & (LINK_TABLE_F_LEFT |
			LINK_TABLE_F_PREV | LINK_TABLE_F_ALIVE)) != 0, why,
			sizeof(why)) != NULL) {
		dp.ctl_stats[CTL_TABLE_REFUSED]++;
		snprintf(warn, len, "table %" PRIu64 " refused, tables "
				"unchanged: %s", id, why);
		free(t);
		return true;
	}
	c.members = members_of(t, n, mt.file_mac, mt.n_file_mac);
	c.n_members = n;
	if (c.members == NULL) {
		dp.ctl_stats[CTL_TABLE_REFUSED]++;
		snprintf(warn, len, "table %" PRIu64 " refused: out of memory",
				id);
		free(t);
		return true;
	}
	if (flags & LINK_TABLE_F_ALIVE) {
		/* Accepted from besides the rings' members; no ring. */
		bool taken = tables_accept_alive(&c) == 0;

		if (taken)
			dp.ctl_stats[CTL_TABLE_ALIVE]++;
		else
			snprintf(warn, len, "table %" PRIu64 " (the members "
					"alive) not taken", id);
		free(c.members);
		free(t);
		return !taken;
	}
	if (flags & LINK_TABLE_F_PREV) {
		/* Kept as the ring before the next table, not published. */
		bool kept = tables_stage_prev(&c) == 0;

		if (!kept)
			snprintf(warn, len, "table %" PRIu64 " (the epoch "
					"before) not kept: out of memory", id);
		free(c.members);
		free(t);
		return !kept;
	}
	if (n == dp.cfg.n_members && members_equal(c.members,
			dp.cfg.members, n) && (c.ring_epoch == 0 ||
			c.ring_epoch == dp.ring->epoch)) {
		/* Nothing the tables hold changes, zones included. */
		dp.ctl_stats[CTL_TABLE_SAME]++;
		free(c.members);
		table_keep(t, n);
		return false;
	}
	if (tables_publish_config(&c) < 0) {
		dp.ctl_stats[CTL_TABLE_REFUSED]++;
		snprintf(warn, len, "table %" PRIu64 " not published, tables "
				"unchanged", id);
		free(c.members);
		free(t);
		return true;
	}
	config_free(&dp.cfg);
	dp.cfg = c;
	table_keep(t, n);
	member_table_config_changed(NULL, 0);
	dp.ctl_stats[CTL_TABLE_APPLIED]++;
	RTE_LOG(INFO, USER1, "control link: table %" PRIu64 " published: %u "
			"member(s), ring epoch %" PRIu64 "\n", id, n,
			dp.ring->epoch);
	return false;
}

bool
member_table_feed(const struct link_table *t, char *warn, size_t len)
{
	struct link_member *m;
	int rc = link_table_feed(&mt.tasm, t);
	bool warned;

	if (rc < 0) {
		dp.ctl_stats[CTL_TABLE_CHUNK_BAD]++;
		snprintf(warn, len, "table %" PRIu64 ": chunk of members "
				"%u..%u out of sequence, table dropped",
				t->table_id, t->first, t->first + t->n - 1);
		return true;
	}
	if (rc == 0)
		return false;
	/* Take the members: the next table starts from scratch. */
	m = mt.tasm.m;
	mt.tasm.m = NULL;
	warned = table_apply(m, mt.tasm.total, mt.tasm.table_id,
			mt.tasm.flags, warn, len);
	link_table_asm_free(&mt.tasm);
	return warned;
}

void
member_table_drop_partial(void)
{
	link_table_asm_free(&mt.tasm);
}

bool
member_table_in_force(void)
{
	return mt.table != NULL;
}

int
member_table_keep(struct rumor_config *c, const struct config_member *file,
		uint32_t n_file)
{
	uint32_t n;
	struct static_mac *macs = static_mac_by_id(file, n_file, &n);

	if (macs == NULL)
		return -1;
	c->members = members_of(mt.table, mt.n_table, macs, n);
	c->n_members = c->members != NULL ? mt.n_table : 0;
	free(macs);
	return c->members != NULL ? 0 : -1;
}

void
member_table_free(void)
{
	link_table_asm_free(&mt.tasm);
	free(mt.table);
	free(mt.file_mac);
	free(mt.ip_mac);
	memset(&mt, 0, sizeof(mt));
}
