/* SPDX-License-Identifier: BSD-3-Clause */
/* Command-line arguments (include/rumor/cli_args.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/cli_args.h"

int
cli_args_next(int argc, char **argv, const char *shortopts,
		const struct option *longopts, void (*usage)(FILE *f))
{
	int c = getopt_long(argc, argv, shortopts, longopts, NULL);

	if (c == 'h') {
		usage(stdout);
		exit(0);
	}
	if (c == '?' || c == ':') {
		usage(stderr);
		exit(2);
	}
	return c;
}

int
cli_args_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t v = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		unsigned int d = (unsigned int)((unsigned char)*s - '0');

		/* Checked before it grows: no overflow, however long. */
		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
		if (v > hi)
			return -1;
	}
	if (v < lo)
		return -1;
	*out = v;
	return 0;
}

int
cli_args_seconds(const char *s, double max, double *out)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0' || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !(v > 0) || v > max)
		return -1;
	*out = v;
	return 0;
}

int
cli_args_addr(const char *s, struct sockaddr_in *out)
{
	char ip[INET_ADDRSTRLEN];
	const char *colon = s != NULL ? strrchr(s, ':') : NULL;
	uint64_t port;

	if (colon == NULL || colon == s || (size_t)(colon - s) >= sizeof(ip) ||
			cli_args_u64(colon + 1, 1, 65535, &port) < 0)
		return -1;
	memcpy(ip, s, (size_t)(colon - s));
	ip[colon - s] = '\0';
	memset(out, 0, sizeof(*out));
	out->sin_family = AF_INET;
	out->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, ip, &out->sin_addr) == 1 ? 0 : -1;
}

uint64_t
cli_args_u64_or_die(const char *prog, const char *opt, const char *s,
		uint64_t lo, uint64_t hi)
{
	uint64_t v;

	if (cli_args_u64(s, lo, hi, &v) < 0) {
		fprintf(stderr, "%s: %s: expected a number from %llu to %llu, "
				"got '%s'\n", prog, opt, (unsigned long long)lo,
				(unsigned long long)hi, s);
		exit(2);
	}
	return v;
}

double
cli_args_seconds_or_die(const char *prog, const char *opt, const char *s,
		double max)
{
	double v;

	if (cli_args_seconds(s, max, &v) < 0) {
		fprintf(stderr, "%s: %s: expected seconds above 0, at most %g, "
				"got '%s'\n", prog, opt, max, s);
		exit(2);
	}
	return v;
}

void
cli_args_addr_or_die(const char *prog, const char *opt, const char *s,
		struct sockaddr_in *out)
{
	if (cli_args_addr(s, out) < 0) {
		fprintf(stderr, "%s: %s: expected IPv4:PORT, like "
				"10.0.0.1:7946, got '%s'\n", prog, opt, s);
		exit(2);
	}
}
