/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared by the bench unit tests: parse a command line into options. */
#ifndef ZAPVM_TEST_BENCH_H
#define ZAPVM_TEST_BENCH_H

#include <stdarg.h>
#include <string.h>

#include "zapvm/cmd.h"
#include "zapvm/log.h"

#include "../../src/bench/bench.h"

/*
 * common_opt() is defined beside main() (src/main.c), which the tests do
 * not link; weak, so that a definition in the zapvm-cmd library wins once
 * it moves there.
 */
__attribute__((weak)) int common_opt(int c)
{
	if (c == 'v') {
		if (log_level < LOG_DEBUG)
			log_level++;
		return 1;
	}
	if (c == 'q') {
		log_level = LOG_ERR;
		return 1;
	}
	return 0;
}

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
