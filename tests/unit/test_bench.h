/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared by the bench unit tests: parse a command line into options. */
#ifndef ZAPVM_TEST_BENCH_H
#define ZAPVM_TEST_BENCH_H

#include <stdarg.h>
#include <string.h>

#include "zapvm/cmd.h"
#include "zapvm/log.h"

#include "../../src/bench/bench.h"

/* bench__parse() on "bench ARGS..." (NULL-terminated) into a zeroed @o. */
static inline int parse_args(struct bench_opts *o, ...)
{
	char *argv[32] = { "bench" };
	int argc = 1;
	va_list ap;

	memset(o, 0, sizeof(*o));
	va_start(ap, o);
	for (char *a; argc < 31 && (a = va_arg(ap, char *)); argc++)
		argv[argc] = a;
	va_end(ap);
	return bench__parse(argc, argv, o);
}

#endif /* ZAPVM_TEST_BENCH_H */
