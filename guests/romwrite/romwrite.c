// SPDX-License-Identifier: GPL-2.0-only
/*
 * romwrite: vCPU 0 writes to the first byte of ROM 0 and checks that it
 * did not change. A read-only memslot turns the write into an MMIO exit
 * that the VMM must drop, as a real ROM would.
 *
 * zapvm,args: none
 */
#include "guest.h"

int guest_main(const void *fdt, unsigned int cpu)
{
	struct boot_info bi;
	struct guest_rom *rom;
	volatile zu8 *p;
	zu8 old;

	if (cpu != 0)
		return 0;
	boot_info__parse(&bi, fdt, cpu);
	args_check(&bi, "");
	rom = boot_info__rom(&bi, 0);
	GUEST_ASSERT(rom->mapped);

	p = gpa_ptr(rom->gpa);
	old = *p;
	*p = ~old;
	GUEST_ASSERT_EQ(*p, old);
	return 0;
}
