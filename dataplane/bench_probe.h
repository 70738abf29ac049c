/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --bench-probe (bench_probe.c): a publisher and a subscriber on ports of
 * this process that time messages through the node, for
 * scripts/bench-e2e.sh only.
 */
#ifndef RUMOR_BENCH_PROBE_H
#define RUMOR_BENCH_PROBE_H

#include <stdio.h>

/* After the ports and lcores are set up; -1 on a bad specification. */
int bench_probe_init(const char *spec);
/* "probe: sent=.. received=.. p50_us=.. p99_us=.." after the run. */
void bench_probe_report(FILE *f);
/* Removes the callbacks; before the ports close. */
void bench_probe_free(void);

#endif /* RUMOR_BENCH_PROBE_H */
