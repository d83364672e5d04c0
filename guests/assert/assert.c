// SPDX-License-Identifier: GPL-2.0-only
/*
 * assert: the last vCPU fails GUEST_ASSERT_EQ(1, 2) on purpose, so the
 * VMM's tests see "assert.c:LINE: 1 == 2" with the values 1 and 2. The
 * other vCPUs spin until the VMM stops them: one vCPU's assertion must end
 * the whole VM.
 *
 * zapvm,args: none
 */
#include "guest.h"

int guest_main(const void *fdt, unsigned int cpu)
{
	struct boot_info bi;

	boot_info__parse(&bi, fdt, cpu);
	args_check(&bi, "");
	if (cpu == bi.ncpus - 1)
		GUEST_ASSERT_EQ(1, 2);
	for (;;)
		__builtin_ia32_pause();
}
