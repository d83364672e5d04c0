// SPDX-License-Identifier: GPL-2.0-only
/*
 * crash: vCPU 0 executes ud2. There is no IDT, so the #UD becomes a triple
 * fault, which the VMM must report as a guest crash.
 *
 * zapvm,args: none
 */
#include "guest.h"

int guest_main(const void *fdt, unsigned int cpu)
{
	if (cpu == 0)
		asm volatile("ud2");
	/* Only reached if the VMM resumed a crashed vCPU. */
	GUEST_ASSERT(cpu != 0);
	return 0;
}
