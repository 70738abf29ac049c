/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parser of the node configuration file: "key = value" lines, '#'
 * comments, one "member = ..." line per member. Every error names the
 * file, the line and the field.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/config.h"
#include "rumor/ring.h"
#include "rumor/sort.h"
#include "rumor/wire.h"

#define LINE_MAX_LEN 1024

_Static_assert(CHAN_LIMIT_INTEREST_SET_MAX == RING_MEMBERS_MAX,
		"an interest set holds at most every member");

struct parser {
	const char *name;
	unsigned line;
	char *err;
	size_t errlen;
};

static int
fail(struct parser *p, const char *field, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (p->line > 0)
		snprintf(p->err, p->errlen, "%s:%u: field '%s': %s", p->name,
				p->line, field, what);
	else
		snprintf(p->err, p->errlen, "%s: field '%s': %s", p->name,
				field, what);
	return -1;
}

/* Parse an unsigned decimal in [lo, hi]; the whole string must be used. */
static int
parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > hi)
			return -1;
	}
	if (v < lo)
		return -1;
	*out = v;
	return 0;
}

static int
parse_ipv4(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = a.s_addr;
	return 0;
}

/* A unicast host address: not 0.0.0.0, broadcast or multicast. */
static int
parse_host(const char *s, uint32_t *out)
{
	uint32_t h;

	if (parse_ipv4(s, out) < 0)
		return -1;
	h = ntohl(*out);
	if (h == 0 || h == 0xffffffffu || (h >> 28) == 0xe)
		return -1;
	return 0;
}

static int
parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;

	if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0],
			&v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[i * 3]) ||
				!isxdigit((unsigned char)s[i * 3 + 1]))
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	if (mac[0] & 1)		/* Multicast or broadcast: not a host. */
		return -1;
	return 0;
}

/* "A.B.C.D:PORT" */
static int
parse_endpoint(const char *s, uint32_t *ip, uint16_t *port)
{
	char buf[32];
	const char *colon = strchr(s, ':');
	uint64_t v;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, (size_t)(colon - s));
	buf[colon - s] = '\0';
	if (parse_host(buf, ip) < 0 || parse_uint(colon + 1, 1, 65535, &v) < 0)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* A path that fits buf (cap bytes, NUL included) and has no spaces. */
static int
parse_path(struct parser *p, const char *key, const char *val, char *buf,
		size_t cap)
{
	if (*val == '\0' || strlen(val) >= cap)
		return fail(p, key, "expected a path of 1 to %zu bytes",
				cap - 1);
	for (const char *s = val; *s != '\0'; s++)
		if (isspace((unsigned char)*s))
			return fail(p, key, "a path may not hold spaces");
	strcpy(buf, val);
	return 0;
}

/*
 * The keys whose value is a number in a range, each stored as a uint32_t
 * in the field of its name: rumor-control's timers, and the limits of
 * channel audiences ("chan_" and a field of chan_limits), which the
 * dataplane reads (docs/configuration.md).
 */
#define NUM_KEY(field, lo, hi) \
	{ #field, offsetof(struct rumor_config, field), lo, hi }
#define LIMIT_KEY(field, hi) \
	{ "chan_" #field, offsetof(struct rumor_config, chan_limits.field), \
	  1, hi }

static const struct num_key {
	const char *key;
	size_t off;
	uint32_t lo, hi;
} num_keys[] = {
	NUM_KEY(probe_interval_ms, 10, 60000),
	NUM_KEY(probe_timeout_ms, 5, 60000),
	NUM_KEY(suspicion_mult, 1, 100),
	NUM_KEY(gossip_interval_ms, 10, 60000),
	NUM_KEY(sync_interval_ms, 100, 3600000),
	LIMIT_KEY(subs_per_client, CHAN_LIMIT_SUBS_MAX),
	LIMIT_KEY(subs_per_node, CHAN_LIMIT_SUBS_MAX),
	LIMIT_KEY(clients, CHAN_LIMIT_SUBS_MAX),
	LIMIT_KEY(subs_per_channel, CHAN_LIMIT_SUBS_MAX),
	LIMIT_KEY(interest_set, CHAN_LIMIT_INTEREST_SET_MAX),
	LIMIT_KEY(owned, CHAN_LIMIT_OWNED_MAX),
};

/* Returns 1 if key is one of num_keys (*rc: 0, or -1 on error), else 0. */
static int
parse_num_key(struct parser *p, struct rumor_config *c, const char *key,
		const char *val, int *rc)
{
	const struct num_key *k = num_keys;
	uint64_t x;

	for (; k < num_keys + sizeof(num_keys) / sizeof(num_keys[0]); k++) {
		if (strcmp(key, k->key) != 0)
			continue;
		*rc = 0;
		if (parse_uint(val, k->lo, k->hi, &x) < 0)
			*rc = fail(p, key, "expected a number from %u to %u",
					k->lo, k->hi);
		else
			*(uint32_t *)((char *)c + k->off) = (uint32_t)x;
		return 1;
	}
	return 0;
}

/*
 * The keys of client admission: client_auth and token_pub. Returns 1 if
 * key is one of them (*rc: 0, or -1 on error), else 0. Whether they go
 * together is checked once the file is read.
 */
static int
parse_client_key(struct parser *p, struct rumor_config *c, const char *key,
		const char *val, int *rc)
{
	*rc = 0;
	if (strcmp(key, "client_auth") == 0) {
		if (strcmp(val, "none") == 0)
			c->client_auth = CONFIG_CLIENT_AUTH_NONE;
		else if (strcmp(val, "token") == 0)
			c->client_auth = CONFIG_CLIENT_AUTH_TOKEN;
		else
			*rc = fail(p, key, "expected 'none' (development: "
					"any client) or 'token'");
	} else if (strcmp(key, "token_pub") == 0) {
		*rc = parse_path(p, key, val, c->token_pub,
				sizeof(c->token_pub));
	} else {
		return 0;
	}
	return 1;
}

/* client_auth and token_pub, once both are read. */
static int
check_client_auth(struct parser *p, struct rumor_config *c)
{
	if (c->token_pub[0] != '\0' &&
			c->client_auth == CONFIG_CLIENT_AUTH_UNSET)
		c->client_auth = CONFIG_CLIENT_AUTH_TOKEN;
	if (c->client_auth == CONFIG_CLIENT_AUTH_TOKEN &&
			c->token_pub[0] == '\0')
		return fail(p, "token_pub", "client_auth = token needs "
				"token_pub = FILE (from rumorctl token keygen)");
	if (c->client_auth == CONFIG_CLIENT_AUTH_NONE &&
			c->token_pub[0] != '\0')
		return fail(p, "token_pub", "given with client_auth = none, "
				"which admits every client: drop one of them");
	return 0;
}

/*
 * The other keys read by rumor-control (the dataplane reads
 * control_socket only). Returns 1 if key is one of them (*rc: 0, or -1
 * on error), else 0.
 */
static int
parse_control_key(struct parser *p, struct rumor_config *c, const char *key,
		const char *val, int *rc)
{
	uint64_t x;

	*rc = 0;
	if (strcmp(key, "control_socket") == 0) {
		*rc = parse_path(p, key, val, c->control_socket,
				sizeof(c->control_socket));
	} else if (strcmp(key, "admin_socket") == 0) {
		*rc = parse_path(p, key, val, c->admin_socket,
				sizeof(c->admin_socket));
	} else if (strcmp(key, "keyring") == 0) {
		*rc = parse_path(p, key, val, c->keyring, sizeof(c->keyring));
	} else if (strcmp(key, "node_key") == 0) {
		*rc = parse_path(p, key, val, c->node_key,
				sizeof(c->node_key));
	} else if (strcmp(key, "roster") == 0) {
		*rc = parse_path(p, key, val, c->roster, sizeof(c->roster));
	} else if (strcmp(key, "label") == 0) {
		size_t n = strlen(val);

		*rc = 0;
		for (size_t i = 0; i < n; i++)
			if (!isgraph((unsigned char)val[i]))
				*rc = -1;
		if (*rc < 0 || n > CONFIG_LABEL_MAX)
			*rc = fail(p, key, "expected up to %d printable "
					"characters without spaces",
					CONFIG_LABEL_MAX);
		else
			memcpy(c->label, val, n + 1);
	} else if (strcmp(key, "raft_dir") == 0) {
		*rc = parse_path(p, key, val, c->raft_dir, sizeof(c->raft_dir));
	} else if (strcmp(key, "voter") == 0) {
		if (parse_uint(val, 1, UINT32_MAX, &x) < 0) {
			*rc = fail(p, key, "expected a node id from 1 to %u",
					UINT32_MAX);
			return 1;
		}
		for (uint32_t i = 0; i < c->n_voters; i++)
			if (c->voters[i] == (uint32_t)x) {
				*rc = fail(p, key, "node %u named twice",
						(uint32_t)x);
				return 1;
			}
		if (c->n_voters == CONFIG_VOTERS_MAX) {
			*rc = fail(p, key, "more than %d voters",
					CONFIG_VOTERS_MAX);
			return 1;
		}
		c->voters[c->n_voters++] = (uint32_t)x;
		c->voter_line = p->line;
	} else if (strcmp(key, "zone") == 0) {
		if (parse_uint(val, 0, 255, &x) < 0)
			*rc = fail(p, key, "expected a number from 0 to 255");
		else
			c->zone = (uint8_t)x;
	} else if (strcmp(key, "seed") == 0) {
		char buf[40];
		uint32_t ip;
		uint16_t port = c->udp_port;

		if (c->n_seeds == CONFIG_SEEDS_MAX) {
			*rc = fail(p, key, "more than %d seeds",
					CONFIG_SEEDS_MAX);
		} else if (strchr(val, ':') != NULL ?
				parse_endpoint(val, &ip, &port) < 0 :
				(strlen(val) >= sizeof(buf) ||
				 parse_host(val, &ip) < 0)) {
			*rc = fail(p, key, "expected IPV4 or IPV4:PORT");
		} else {
			c->seed_ip[c->n_seeds] = ip;
			c->seed_port[c->n_seeds] = port;
			c->n_seeds++;
		}
	} else {
		return 0;
	}
	return 1;
}

/* "PATTERN N": one more replicas_for line. */
static int
parse_replicas_for(struct parser *p, struct rumor_config *c, char *val)
{
	struct config_replicas_for *r = &c->replicas_for[c->n_replicas_for];
	const char *key = "replicas_for";
	char *n = val;
	size_t len;
	uint64_t x;

	while (*n != '\0' && !isspace((unsigned char)*n))
		n++;
	len = (size_t)(n - val);
	n = trim(n);
	if (len == 0 || *n == '\0')
		return fail(p, key, "expected PATTERN N: a channel-name "
				"pattern and its number of replicas");
	if (c->n_replicas_for == CONFIG_REPLICAS_FOR_MAX)
		return fail(p, key, "more than %d lines",
				CONFIG_REPLICAS_FOR_MAX);
	if (len > CONFIG_PATTERN_MAX)
		return fail(p, key, "pattern longer than %d bytes",
				CONFIG_PATTERN_MAX);
	for (size_t i = 0; i < len; i++)
		if (iscntrl((unsigned char)val[i]))
			return fail(p, key, "pattern holds a control "
					"character");
	if (parse_uint(n, 1, RING_REPLICAS_MAX, &x) < 0)
		return fail(p, key, "expected a number of replicas from 1 "
				"to %u after the pattern", RING_REPLICAS_MAX);
	for (uint32_t i = 0; i < c->n_replicas_for; i++)
		if (c->replicas_for[i].len == len &&
				memcmp(c->replicas_for[i].pattern, val,
				len) == 0)
			return fail(p, key, "pattern '%.40s' given before, "
					"on line %u",
					c->replicas_for[i].pattern,
					c->replicas_for[i].line);
	memcpy(r->pattern, val, len);
	r->pattern[len] = '\0';
	r->len = (uint16_t)len;
	r->replicas = (uint8_t)x;
	r->line = p->line;
	c->n_replicas_for++;
	return 0;
}

/*
 * replicas and replicas_for (docs/replication.md). Returns 1 if key is
 * one of them (*rc: 0, or -1 on error), else 0.
 */
static int
parse_replicas_key(struct parser *p, struct rumor_config *c, const char *key,
		char *val, int *rc)
{
	uint64_t x;

	*rc = 0;
	if (strcmp(key, "replicas") == 0) {
		if (parse_uint(val, 1, RING_REPLICAS_MAX, &x) < 0)
			*rc = fail(p, key, "expected a number from 1 to %u",
					RING_REPLICAS_MAX);
		else
			c->replicas = (uint8_t)x;
	} else if (strcmp(key, "replicas_for") == 0) {
		*rc = parse_replicas_for(p, c, val);
	} else if (strcmp(key, "history") == 0) {
		if (parse_uint(val, CONFIG_HISTORY_MIN, CONFIG_HISTORY_MAX,
				&x) < 0)
			*rc = fail(p, key, "expected a number of messages "
					"from %u to %u", CONFIG_HISTORY_MIN,
					CONFIG_HISTORY_MAX);
		else
			c->history = (uint16_t)x;
	} else {
		return 0;
	}
	return 1;
}

/*
 * Whether the glob p[0..pn) matches all of s[0..sn). On a mismatch the
 * last '*' takes one byte more and the rest is tried again from there:
 * an earlier '*' never needs to, so the work is at most pn * sn.
 */
static bool
glob_match(const char *p, size_t pn, const char *s, size_t sn)
{
	size_t pi = 0, si = 0, star = SIZE_MAX, from = 0;

	while (si < sn) {
		if (pi < pn && p[pi] == '*') {
			star = pi++;
			from = si;
		} else if (pi < pn && (p[pi] == '?' || p[pi] == s[si])) {
			pi++;
			si++;
		} else if (star != SIZE_MAX) {
			pi = star + 1;
			si = ++from;
		} else {
			return false;
		}
	}
	while (pi < pn && p[pi] == '*')
		pi++;
	return pi == pn;
}

unsigned
config_replicas_for(const struct rumor_config *c, const char *name,
		size_t len)
{
	for (uint32_t i = 0; i < c->n_replicas_for; i++) {
		const struct config_replicas_for *r = &c->replicas_for[i];

		if (glob_match(r->pattern, r->len, name, len))
			return r->replicas;
	}
	return c->replicas != 0 ? c->replicas : CONFIG_REPLICAS_DEFAULT;
}

/* "ID IPV4 [udp=PORT] [mac=MAC] [weight=W] [zone=Z]" */
static int
parse_member(struct parser *p, char *v, struct config_member *m,
		uint16_t default_port)
{
	char *save = NULL, *tok;
	uint64_t x;

	memset(m, 0, sizeof(*m));
	m->line = p->line;
	m->weight = 1;
	m->udp_port = default_port;
	tok = strtok_r(v, " \t", &save);
	if (tok == NULL || parse_uint(tok, 1, UINT32_MAX, &x) < 0)
		return fail(p, "member", "expected a node id from 1 to %u",
				UINT32_MAX);
	m->id = (uint32_t)x;
	tok = strtok_r(NULL, " \t", &save);
	if (tok == NULL || parse_host(tok, &m->ip) < 0)
		return fail(p, "member", "expected a unicast IPv4 address "
				"after the id");
	while ((tok = strtok_r(NULL, " \t", &save)) != NULL) {
		if (strncmp(tok, "weight=", 7) == 0) {
			if (parse_uint(tok + 7, 1, RING_WEIGHT_MAX, &x) < 0)
				return fail(p, "member", "weight must be 1 to %u",
						RING_WEIGHT_MAX);
			m->weight = (uint32_t)x;
		} else if (strncmp(tok, "zone=", 5) == 0) {
			if (parse_uint(tok + 5, 0, 255, &x) < 0)
				return fail(p, "member",
						"zone must be 0 to 255");
			m->zone = (uint8_t)x;
			m->has_zone = true;
		} else if (strncmp(tok, "mac=", 4) == 0) {
			if (parse_mac(tok + 4, m->mac) < 0)
				return fail(p, "member",
						"bad unicast MAC address '%s'",
						tok + 4);
			m->has_mac = true;
		} else if (strncmp(tok, "udp=", 4) == 0) {
			if (parse_uint(tok + 4, 1, 65535, &x) < 0)
				return fail(p, "member",
						"udp port must be 1 to 65535");
			m->udp_port = (uint16_t)x;
		} else {
			return fail(p, "member", "unknown option '%.40s'", tok);
		}
	}
	return 0;
}

static int
member_cmp(const void *a, const void *b)
{
	const struct config_member *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static int
addr_cmp(const void *a, const void *b)
{
	const struct config_member *x = a, *y = b;
	uint64_t kx = (uint64_t)ntohl(x->ip) << 16 | x->udp_port;
	uint64_t ky = (uint64_t)ntohl(y->ip) << 16 | y->udp_port;

	return (kx > ky) - (kx < ky);
}

/*
 * Raft needs a majority that survives one failure (3 voters) or two (5);
 * an even count adds no tolerance, and its durable state needs a home.
 */
static int
check_voters(struct parser *p, struct rumor_config *c)
{
	if (c->n_voters == 0) {
		if (c->raft_dir[0] != '\0')
			return fail(p, "raft_dir", "given without voters: "
					"Raft is off");
		return 0;
	}
	p->line = c->voter_line;
	if (c->n_voters != 3 && c->n_voters != 5)
		return fail(p, "voter", "%u voters: expected 3 or 5",
				c->n_voters);
	qsort(c->voters, c->n_voters, sizeof(c->voters[0]), rumor_cmp_u32);
	p->line = 0;
	if (c->raft_dir[0] == '\0')
		return fail(p, "raft_dir", "missing: required when voters "
				"are set");
	return 0;
}

/* Checks that need the whole file. */
static int
check_whole(struct parser *p, struct rumor_config *c, unsigned seen)
{
	const struct config_member *self;

	p->line = 0;
	if (!(seen & 1))
		return fail(p, "node_id", "missing");
	if (!(seen & 2))
		return fail(p, "address", "missing");
	if (c->n_members == 0)
		return fail(p, "member", "missing: at least this node must be "
				"listed");
	qsort(c->members, c->n_members, sizeof(c->members[0]), member_cmp);
	for (uint32_t i = 1; i < c->n_members; i++) {
		if (c->members[i].id == c->members[i - 1].id) {
			p->line = c->members[i].line > c->members[i - 1].line ?
					c->members[i].line :
					c->members[i - 1].line;
			return fail(p, "member", "node id %u listed twice",
					c->members[i].id);
		}
	}
	/* Same address and port twice: sort a copy by address. */
	if (c->n_members > 1) {
		struct config_member *by_addr = malloc(c->n_members *
				sizeof(*by_addr));

		if (by_addr == NULL)
			return fail(p, "member", "out of memory");
		memcpy(by_addr, c->members, c->n_members * sizeof(*by_addr));
		qsort(by_addr, c->n_members, sizeof(*by_addr), addr_cmp);
		for (uint32_t i = 1; i < c->n_members; i++) {
			if (addr_cmp(&by_addr[i], &by_addr[i - 1]) == 0) {
				p->line = by_addr[i].line;
				fail(p, "member", "same address and port as "
						"node %u (line %u)",
						by_addr[i - 1].id,
						by_addr[i - 1].line);
				free(by_addr);
				return -1;
			}
		}
		free(by_addr);
	}
	p->line = 0;
	self = config_member_find(c, c->node_id);
	if (self == NULL)
		return fail(p, "node_id", "node %u is not in the member list",
				c->node_id);
	if (self->ip != c->address || self->udp_port != c->udp_port) {
		p->line = self->line;
		return fail(p, "member", "node %u (this node) must have "
				"address and udp port equal to 'address' and "
				"'udp_port'", c->node_id);
	}
	/*
	 * Static placement uses the member lines' zones, the same in every
	 * node's file; this node's own line must not contradict the zone
	 * it announces.
	 */
	if (self->has_zone && self->zone != c->zone) {
		p->line = self->line;
		return fail(p, "member", "node %u (this node) has zone=%u "
				"but 'zone' is %u", c->node_id, self->zone,
				c->zone);
	}
	if (c->has_sink && c->sink_ip == c->address)
		return fail(p, "sink", "must not be this node's own address");
	if (check_voters(p, c) < 0)
		return -1;
	if (check_client_auth(p, c) < 0)
		return -1;
	if (c->control_socket[0] == '\0')
		snprintf(c->control_socket, sizeof(c->control_socket),
				"/run/rumor-%u.ctl", c->node_id);
	if (c->admin_socket[0] == '\0')
		snprintf(c->admin_socket, sizeof(c->admin_socket),
				"/run/rumor-%u.admin", c->node_id);
	if (strcmp(c->control_socket, c->admin_socket) == 0)
		return fail(p, "admin_socket", "same path as control_socket");
	return 0;
}

/* Keys that may appear once, each with its bit in "seen". */
static unsigned
once_bit(const char *key)
{
	static const char *const once[] = {
		"node_id", "address", "udp_port", "dpdk_port", "sink",
		"control_socket", "admin_socket", "keyring", "label", "zone",
		"probe_interval_ms", "probe_timeout_ms", "suspicion_mult",
		"gossip_interval_ms", "sync_interval_ms", "raft_dir",
		"chan_subs_per_client", "chan_subs_per_node", "chan_clients",
		"chan_subs_per_channel", "chan_interest_set", "chan_owned",
		"node_key", "roster",
		"client_auth", "token_pub", "replicas", "history",
	};

	_Static_assert(sizeof(once) / sizeof(once[0]) <= 32,
			"a bit of an unsigned each");

	for (unsigned i = 0; i < sizeof(once) / sizeof(once[0]); i++)
		if (strcmp(key, once[i]) == 0)
			return 1u << i;
	return 0;
}

int
config_parse(const char *text, size_t len, const char *name,
		struct rumor_config *c, char *err, size_t errlen)
{
	struct parser p = { .name = name, .err = err, .errlen = errlen };
	size_t pos = 0, cap = 0;
	unsigned seen = 0;
	uint64_t x;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	c->udp_port = RUMOR_DEFAULT_PORT;
	book_limits_default(&c->chan_limits);
	c->replicas = CONFIG_REPLICAS_DEFAULT;
	c->history = CONFIG_HISTORY_MAX;
	if (memchr(text, '\0', len) != NULL) {
		p.line = 0;
		fail(&p, "(file)", "contains a NUL byte: not a text file");
		goto error;
	}
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = (nl != NULL ? (size_t)(nl - text) : len) - pos;
		char line[LINE_MAX_LEN], *key, *val, *eq, *hash;

		p.line++;
		if (n >= sizeof(line)) {
			fail(&p, "(line)", "longer than %d bytes",
					LINE_MAX_LEN - 1);
			goto error;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + 1;
		hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		key = trim(line);
		if (*key == '\0')
			continue;
		eq = strchr(key, '=');
		if (eq == NULL) {
			fail(&p, key, "expected 'key = value'");
			goto error;
		}
		*eq = '\0';
		key = trim(key);
		val = trim(eq + 1);

		if (once_bit(key) != 0) {
			if (seen & once_bit(key)) {
				fail(&p, key, "given more than once");
				goto error;
			}
			seen |= once_bit(key);
		}
		if (strcmp(key, "node_id") == 0) {
			if (parse_uint(val, 1, UINT32_MAX, &x) < 0) {
				fail(&p, key, "expected a number from 1 to %u",
						UINT32_MAX);
				goto error;
			}
			c->node_id = (uint32_t)x;
		} else if (strcmp(key, "address") == 0) {
			if (parse_host(val, &c->address) < 0) {
				fail(&p, key, "bad IPv4 address '%.40s'", val);
				goto error;
			}
		} else if (strcmp(key, "udp_port") == 0) {
			if (parse_uint(val, 1, 65535, &x) < 0) {
				fail(&p, key, "expected a port from 1 to 65535");
				goto error;
			}
			if (c->n_members > 0) {
				fail(&p, key, "must come before the members");
				goto error;
			}
			c->udp_port = (uint16_t)x;
		} else if (strcmp(key, "dpdk_port") == 0) {
			if (parse_uint(val, 0, 1023, &x) < 0) {
				fail(&p, key, "expected a DPDK port id");
				goto error;
			}
			c->dpdk_port = (uint16_t)x;
		} else if (strcmp(key, "sink") == 0) {
			char *save = NULL, *ep, *tok;

			ep = strtok_r(val, " \t", &save);
			if (ep == NULL || parse_endpoint(ep, &c->sink_ip,
					&c->sink_port) < 0) {
				fail(&p, key, "expected IPV4:PORT [mac=MAC]");
				goto error;
			}
			tok = strtok_r(NULL, " \t", &save);
			if (tok != NULL) {
				if (strncmp(tok, "mac=", 4) != 0 ||
						parse_mac(tok + 4,
						c->sink_mac) < 0 ||
						strtok_r(NULL, " \t",
						&save) != NULL) {
					fail(&p, key, "expected IPV4:PORT "
							"[mac=MAC]");
					goto error;
				}
				c->sink_has_mac = true;
			}
			c->has_sink = true;
		} else if (parse_num_key(&p, c, key, val, &rc) ||
				parse_control_key(&p, c, key, val, &rc) ||
				parse_client_key(&p, c, key, val, &rc) ||
				parse_replicas_key(&p, c, key, val, &rc)) {
			if (rc < 0)
				goto error;
		} else if (strcmp(key, "member") == 0) {
			if (c->n_members == cap) {
				size_t ncap = cap ? cap * 2 : 8;
				void *nm;

				if (ncap > RING_MEMBERS_MAX)
					ncap = RING_MEMBERS_MAX;
				if (c->n_members >= ncap) {
					fail(&p, key, "more than %u members",
							RING_MEMBERS_MAX);
					goto error;
				}
				nm = realloc(c->members,
						ncap * sizeof(c->members[0]));
				if (nm == NULL) {
					fail(&p, key, "out of memory");
					goto error;
				}
				c->members = nm;
				cap = ncap;
			}
			if (parse_member(&p, val, &c->members[c->n_members],
					c->udp_port) < 0)
				goto error;
			c->n_members++;
		} else {
			fail(&p, key, "unknown field");
			goto error;
		}
	}
	if (check_whole(&p, c, seen) < 0)
		goto error;
	return 0;
error:
	config_free(c);
	return -1;
}

int
config_load(const char *path, struct rumor_config *c, char *err,
		size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	int rc;

	memset(c, 0, sizeof(*c));
	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
				strerror(errno));
		return -1;
	}
	do {
		if (len == cap) {
			char *nb;

			cap = cap ? cap * 2 : 4096;
			if (cap > (16u << 20)) {
				snprintf(err, errlen, "%s: larger than 16 MiB",
						path);
				goto fail;
			}
			nb = realloc(buf, cap);
			if (nb == NULL) {
				snprintf(err, errlen, "%s: out of memory", path);
				goto fail;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		goto fail;
	}
	fclose(f);
	rc = config_parse(buf, len, path, c, err, errlen);
	free(buf);
	return rc;
fail:
	fclose(f);
	free(buf);
	return -1;
}

void
config_free(struct rumor_config *c)
{
	free(c->members);
	c->members = NULL;
	c->n_members = 0;
}

struct ring_member *
config_ring_members(const struct rumor_config *c)
{
	struct ring_member *m = calloc(c->n_members ? c->n_members : 1,
			sizeof(*m));

	if (m == NULL)
		return NULL;
	for (uint32_t i = 0; i < c->n_members; i++) {
		m[i].id = c->members[i].id;
		m[i].weight = c->members[i].weight;
	}
	return m;
}

uint8_t *
config_ring_zones(const struct rumor_config *c, int *err)
{
	bool zoned = false;
	uint8_t *z;

	*err = 0;
	for (uint32_t i = 0; i < c->n_members; i++)
		zoned |= c->members[i].zone != 0;
	/* No zones: ring_replicas_build takes NULL and skips their lists. */
	if (!zoned)
		return NULL;
	z = malloc(c->n_members);
	if (z == NULL) {
		*err = ENOMEM;
		return NULL;
	}
	for (uint32_t i = 0; i < c->n_members; i++)
		z[i] = c->members[i].zone;
	return z;
}

int
config_parse_mac(const char *s, uint8_t mac[6])
{
	return parse_mac(s, mac);
}

const struct config_member *
config_member_find(const struct rumor_config *c, uint32_t id)
{
	struct config_member key = { .id = id };

	if (c->n_members == 0)
		return NULL;
	return bsearch(&key, c->members, c->n_members, sizeof(key),
			member_cmp);
}
