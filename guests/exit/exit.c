// SPDX-License-Identifier: GPL-2.0-only
/*
 * exit: every vCPU ends with done(status=N), for the VMM's exit status
 * tests (the ABI takes 0-63; what it does with more is the VMM's call).
 * With spin=1 every vCPU spins forever instead, for --timeout tests.
 *
 * zapvm,args: status=N (0) spin=0|1 (0)
 */
#include "guest.h"

int guest_main(const void *fdt, unsigned int cpu)
{
	struct boot_info bi;

	boot_info__parse(&bi, fdt, cpu);
	args_check(&bi, "status spin");
	while (arg_u64(&bi, "spin", 0))
		__builtin_ia32_pause();
	return (int)arg_u64(&bi, "status", 0);
}
