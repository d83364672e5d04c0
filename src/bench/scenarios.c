// SPDX-License-Identifier: GPL-2.0-only
/*
 * The scenarios of zapvm bench, one row each, in the order usage lists
 * them. A scenario is its scenario-NAME.c filling in struct bench_scenario
 * and a row here; nothing else names it.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"

extern const struct bench_scenario scenario_boot, scenario_memslot,
	scenario_cow, scenario_zaplat, scenario_vcpustall, scenario_linux_boot,
	scenario_exec, scenario_dirtylog;

const struct bench_scenario *const bench_scenarios[] = {
	&scenario_boot,	    &scenario_memslot,	 &scenario_cow,
	&scenario_zaplat,   &scenario_vcpustall, &scenario_linux_boot,
	&scenario_dirtylog, &scenario_exec,
};

const unsigned int bench_nscenarios = ARRAY_SIZE(bench_scenarios);

const struct bench_scenario *scenario__find(const char *name, bool kernel)
{
	for (unsigned int i = 0; i < bench_nscenarios; i++)
		if (!strcmp(bench_scenarios[i]->name, name) &&
		    bench_scenarios[i]->kernel == kernel)
			return bench_scenarios[i];
	return NULL;
}

/* The names of the scenarios without --kernel: the others share them. */
void scenario__names(char *buf, size_t len, const char *last)
{
	unsigned int n = 0, k = 0;
	size_t off = 0;

	for (unsigned int i = 0; i < bench_nscenarios; i++)
		n += !bench_scenarios[i]->kernel;
	buf[0] = '\0';
	for (unsigned int i = 0; i < bench_nscenarios && off < len; i++) {
		if (bench_scenarios[i]->kernel)
			continue;
		k++;
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
					k == 1 ? "" :
					k == n ? last :
						 ", ",
					bench_scenarios[i]->name);
	}
}
