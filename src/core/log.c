// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "zapvm/log.h"

int log_level = LOG_WARN;

void log_msg(int level, const char *fmt, ...)
{
	static const char *const prefix[] = { "error", "warning", "info",
					      "debug" };
	int saved = errno;
	char buf[1024];
	va_list ap;

	if (level > log_level)
		return;
	/* One fprintf per line keeps lines from vCPU threads whole. */
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "zapvm: %s: %s\n", prefix[level], buf);
	errno = saved;
}
