// SPDX-License-Identifier: GPL-2.0-only
/* zapvm guests: what builtin:NAME can run. */
#include <stdio.h>

#include "zapvm/builtin.h"
#include "zapvm/cmd.h"
#include "zapvm/log.h"
#include "zapvm/util.h"

int cmd_guests(int argc, char **argv)
{
	if (argc > 1) {
		log_err("guests: unexpected argument '%s'", argv[1]);
		return ZAPVM_EXIT_USAGE;
	}
	for (const struct builtin_guest *g = builtin_guests; g->name; g++) {
		printf("%-10s %s\n", g->name, g->help);
		if (g->default_roms)
			printf("%-10s   default ROMs: %s\n", "",
			       g->default_roms);
		if (g->default_args)
			printf("%-10s   default args: %s\n", "",
			       g->default_args);
	}
	return 0;
}
