// SPDX-License-Identifier: GPL-2.0-only
/*
 * cow: the change_pte pattern. vCPU 0 reads each of pages=N pages from
 * guest-base (phase "read": the host maps them to its zero page), then
 * writes each (phase "write": every write breaks a host COW, which KVM
 * learns through .change_pte() on kernels that still have it). Other vCPUs
 * stop at once.
 *
 * zapvm,args: pages=N (4096)
 */
#include "guest.h"

int guest_main(const void *fdt, unsigned int cpu)
{
	struct boot_info bi;
	zu64 pages;

	if (cpu != 0)
		return 0;
	boot_info__parse(&bi, fdt, cpu);
	args_check(&bi, "pages");
	pages = arg_u64(&bi, "pages", 4096);
	GUEST_ASSERT(pages <= bi.ram_size / PAGE_SIZE &&
		     boot_info__fits(&bi, bi.guest_base, pages * PAGE_SIZE));

	gprintf("cow: %llu pages from 0x%llx\n", pages, bi.guest_base);

	zapvm_phase("read");
	read_pages(bi.guest_base, pages, PAGE_SIZE);
	zapvm_phase("write");
	touch_pages(bi.guest_base, pages, PAGE_SIZE);
	return 0;
}
