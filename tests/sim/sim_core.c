/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The simulation core (sim_core.h): the event heap, the network's faults,
 * failures, and the chores of a simulator's main.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sim_core.h"

void *
sim_realloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (p == NULL && n != 0)
		abort();
	return p;
}

void *
sim_calloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p == NULL && n != 0 && size != 0)
		abort();
	return p;
}

uint8_t *
sim_memdup(const void *p, size_t len)
{
	uint8_t *c = sim_realloc(NULL, len > 0 ? len : 1);

	if (len > 0)
		memcpy(c, p, len);
	return c;
}

void
sim_init(struct sim_core *c, uint32_t n, uint64_t seed, enum sim_prng prng,
		const struct sim_net *net)
{
	memset(c, 0, sizeof(*c));
	c->rng = seed * PRNG_GOLDEN + 1;
	c->prng = prng;
	c->net = *net;
	c->faults = true;
	c->n = n;
	c->side = sim_calloc(n, sizeof(*c->side));
	c->up = sim_calloc(n, sizeof(*c->up));
	c->life = sim_calloc(n, sizeof(*c->life));
}

void
sim_free(struct sim_core *c)
{
	for (size_t i = 0; i < c->heap_n; i++)
		free(c->heap[i].buf);
	free(c->heap);
	free(c->side);
	free(c->up);
	free(c->life);
	memset(c, 0, sizeof(*c));
}

static bool
sim_before(const struct sim_event *a, const struct sim_event *b)
{
	return a->t != b->t ? a->t < b->t : a->order < b->order;
}

void
sim_push(struct sim_core *c, struct sim_event e)
{
	size_t i;

	if (c->heap_n == c->heap_cap) {
		c->heap_cap = c->heap_cap ? c->heap_cap * 2 : 1024;
		c->heap = sim_realloc(c->heap, c->heap_cap * sizeof(*c->heap));
	}
	e.order = c->order++;
	for (i = c->heap_n++; i > 0 && sim_before(&e, &c->heap[(i - 1) / 2]);
			i = (i - 1) / 2)
		c->heap[i] = c->heap[(i - 1) / 2];
	c->heap[i] = e;
}

bool
sim_next(struct sim_core *c, uint64_t until, struct sim_event *e)
{
	struct sim_event last;
	size_t i = 0;

	if (c->heap_n == 0 || c->heap[0].t > until) {
		c->now = until;
		return false;
	}
	*e = c->heap[0];
	last = c->heap[--c->heap_n];
	for (;;) {
		size_t k = 2 * i + 1;

		if (k >= c->heap_n)
			break;
		if (k + 1 < c->heap_n && sim_before(&c->heap[k + 1],
				&c->heap[k]))
			k++;
		if (!sim_before(&c->heap[k], &last))
			break;
		c->heap[i] = c->heap[k];
		i = k;
	}
	c->heap[i] = last;
	c->now = e->t;
	return true;
}

unsigned
sim_send(struct sim_core *c, uint32_t from, uint32_t to, uint64_t at[2])
{
	const struct sim_net *net = &c->net;
	unsigned copies = 1, n = 0;

	if (c->faults && sim_below(c, 100) < net->dup_pct)
		copies = 2;
	for (unsigned k = 0; k < copies; k++) {
		if (c->faults && sim_below(c, 100) < net->loss_pct)
			continue;
		if (c->split && c->side[from] != c->side[to] &&
				(!c->asym || c->side[from] == 0))
			continue;
		at[n++] = c->now + sim_range(c, net->delay_min_ms,
				net->delay_max_ms);
	}
	return n;
}

void
sim_vfail(struct sim_core *c, uint32_t node, const char *fmt, va_list ap)
{
	char what[200];

	vsnprintf(what, sizeof(what), fmt, ap);
	if (c->failures++ == 0)
		snprintf(c->first_failure, sizeof(c->first_failure),
				"t=%" PRIu64 " ms node %u: %s", c->now,
				node + 1, what);
	if (c->verbose && c->failures <= 10)
		fprintf(stderr, "%st=%" PRIu64 " ms node %u: %s\n", c->who,
				c->now, node + 1, what);
}

void
sim_fail(struct sim_core *c, uint32_t node, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sim_vfail(c, node, fmt, ap);
	va_end(ap);
}

size_t
sim_repro(char *buf, size_t cap, int argc, char **argv)
{
	size_t off = (size_t)snprintf(buf, cap, "%s", argv[0]);

	for (int i = 1; i < argc && off < cap; i++) {
		if (strcmp(argv[i], "--seed") == 0 ||
				strcmp(argv[i], "--seeds") == 0) {
			i++;
			continue;
		}
		if (strncmp(argv[i], "--seed=", 7) == 0 ||
				strncmp(argv[i], "--seeds=", 8) == 0 ||
				strcmp(argv[i], "-v") == 0)
			continue;
		off += (size_t)snprintf(buf + off, cap - off, " %s", argv[i]);
	}
	return off;
}

void
sim_report_failed(const struct sim_core *c, const char *name, uint64_t seed,
		const char *repro)
{
	printf("%s: seed %" PRIu64 " FAILED (%" PRIu64 " violations), "
			"first: %s\nreproduce: %s --seed %" PRIu64 " -v\n",
			name, seed, c->failures, c->first_failure, repro, seed);
}

static int
sim_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

void
sim_sort_u64(uint64_t *v, size_t n)
{
	if (n > 0)
		qsort(v, n, sizeof(*v), sim_cmp_u64);
}

/* N, or A-B with A <= B. */
static bool
sim_parse_range(const char *arg, uint64_t *lo, uint64_t *hi)
{
	char *end;

	*lo = strtoull(arg, &end, 10);
	if (*end == '\0') {
		*hi = *lo;
		return true;
	}
	if (*end != '-')
		return false;
	*hi = strtoull(end + 1, &end, 10);
	return *end == '\0' && *hi >= *lo;
}

/* Store one option's argument; false if it is malformed. */
static bool
sim_opt_store(const struct sim_opt *o, const char *arg)
{
	uint64_t lo, hi;

	switch (o->kind) {
	case SIM_OPT_U32:
		*(uint32_t *)o->a = (uint32_t)strtoul(arg, NULL, 10);
		return true;
	case SIM_OPT_U64:
		*(uint64_t *)o->a = strtoull(arg, NULL, 10);
		return true;
	case SIM_OPT_RANGE32:
		if (!sim_parse_range(arg, &lo, &hi))
			return false;
		*(uint32_t *)o->a = (uint32_t)lo;
		*(uint32_t *)o->b = (uint32_t)hi;
		return true;
	case SIM_OPT_RANGE64:
		if (!sim_parse_range(arg, &lo, &hi))
			return false;
		*(uint64_t *)o->a = lo;
		*(uint64_t *)o->b = hi;
		return true;
	case SIM_OPT_SET:
		*(bool *)o->a = true;
		return true;
	case SIM_OPT_CLEAR:
		*(bool *)o->a = false;
		return true;
	}
	return false;
}

int
sim_args(int argc, char **argv, const struct sim_opt *opts, size_t n,
		void (*usage)(FILE *f))
{
	struct option *lo = sim_calloc(n + 2, sizeof(*lo));
	char shorts[64] = "h";
	size_t ns = 1, nl = 0;
	int c, rc = -1;

	/* getopt_long hands back the index of a long option past 256. */
	for (size_t i = 0; i < n; i++) {
		bool arg = opts[i].kind < SIM_OPT_SET;

		if (opts[i].name != NULL)
			lo[nl++] = (struct option){ opts[i].name, arg ?
					required_argument : no_argument, NULL,
					256 + (int)i };
		if (opts[i].short_name != 0 && ns + 2 < sizeof(shorts)) {
			shorts[ns++] = opts[i].short_name;
			if (arg)
				shorts[ns++] = ':';
		}
	}
	lo[nl] = (struct option){ "help", no_argument, NULL, 'h' };
	while (rc < 0 && (c = getopt_long(argc, argv, shorts, lo, NULL)) !=
			-1) {
		const struct sim_opt *o = NULL;

		if (c >= 256 && c < 256 + (int)n)
			o = &opts[c - 256];
		for (size_t i = 0; o == NULL && c != 'h' && i < n; i++)
			if (opts[i].short_name == c)
				o = &opts[i];
		if (c == 'h') {
			usage(stdout);
			rc = 0;
		} else if (o == NULL || !sim_opt_store(o, optarg)) {
			rc = 2;
		}
	}
	if (rc < 0 && optind != argc)
		rc = 2;
	if (rc == 2)
		usage(stderr);
	free(lo);
	return rc;
}
