/* SPDX-License-Identifier: GPL-2.0-only */
/* Command-line handling shared by `run` and `demo`. */
#ifndef ZAPVM_RUNOPTS_H
#define ZAPVM_RUNOPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "zapvm/vm.h"

struct builtin_guest;

/*
 * guest__resolve - point @cfg at the guest image @spec ("builtin:NAME" or an
 * ELF file path, read into *@owned which the caller frees) and, for a
 * builtin, fill the ROMs and args the user left out and raise mem_size to
 * the guest's minimum if @mem_given is false. Returns 0 or an exit status
 * after one line on stderr.
 */
int guest__resolve(const char *spec, struct vm_config *cfg, uint8_t **owned,
		   bool mem_given);

/* getopt_long() values of the VM options `run` and `demo` share. */
enum {
	RUNOPT_MEM = 256,
	RUNOPT_CPUS,
	RUNOPT_THP,
	RUNOPT_ARGS,
	RUNOPT_ROM,
	RUNOPT_POLICY,
	RUNOPT_NEXT, /* a command's own options start here */
};

#define RUNOPTS_VM                                                \
	{ "mem", required_argument, NULL, RUNOPT_MEM },           \
		{ "cpus", required_argument, NULL, RUNOPT_CPUS }, \
		{ "thp", required_argument, NULL, RUNOPT_THP },   \
		{ "args", required_argument, NULL, RUNOPT_ARGS }, \
		{ "verbose", no_argument, NULL, 'v' },            \
		{ "quiet", no_argument, NULL, 'q' },              \
	{                                                         \
		"help", no_argument, NULL, 'h'                    \
	}

/*
 * runopts__parse - apply VM option @c (a RUNOPT_* value, -v or -q) with
 * @arg to @cfg; *@mem_given records an explicit --mem. Returns 0 when
 * handled, ZAPVM_EXIT_USAGE after one line on stderr for a bad value, -1
 * when @c is not one of these options.
 */
int runopts__parse(int c, const char *arg, struct vm_config *cfg,
		   bool *mem_given);

/* runopts__free - release the ROM specs of @cfg. */
void runopts__free(struct vm_config *cfg);

#endif /* ZAPVM_RUNOPTS_H */
