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

/* runopts__free - release the ROM specs of @cfg. */
void runopts__free(struct vm_config *cfg);

#endif /* ZAPVM_RUNOPTS_H */
