// SPDX-License-Identifier: GPL-2.0-only
/*
 * mmio: vCPU 0 reads 4 bytes at gpa=ADDR, a hole backed by neither RAM nor
 * ROM nor a device. The VMM must report the MMIO exit as a guest crash;
 * if it answers the read instead, the guest fails an assertion.
 *
 * zapvm,args: gpa=ADDR (0xd0000000)
 */
#include "guest.h"

int guest_main(const void *fdt, unsigned int cpu)
{
	struct boot_info bi;
	zu64 gpa;
	zu32 val;
	unsigned int i;

	if (cpu != 0)
		return 0;
	boot_info__parse(&bi, fdt, cpu);
	args_check(&bi, "gpa");
	gpa = arg_u64(&bi, "gpa", 0xd0000000);
	GUEST_ASSERT(gpa >= bi.ram_size && gpa % 4 == 0 &&
		     gpa < (ZAPVM_BOOT_MAX_GIB << 30));
	for (i = 0; i < bi.nr_roms; i++)
		GUEST_ASSERT(!bi.rom[i].present || gpa < bi.rom[i].gpa ||
			     gpa >= bi.rom[i].gpa + bi.rom[i].size);

	val = *(volatile zu32 *)gpa_ptr(gpa);
	/* Only reached if the VMM answered the read: a = GPA, b = value. */
	__guest_assert(__GUEST_FILE, __LINE__, "unbacked GPA read ends the VM",
		       gpa, val);
}
