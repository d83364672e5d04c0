// SPDX-License-Identifier: GPL-2.0-only
/*
 * touch: write one byte in each of pages=N 4 KiB pages from guest-base,
 * every stride=S-th page, each vCPU its contiguous share, in phase
 * "touch". Each first touch is one KVM MMU fault: the baseline the other
 * guests compare with. S >= 8 keeps the shadow MMU from prefetching
 * neighbouring PTEs, which makes re-faults after a zap 1:1 too.
 *
 * zapvm,args: pages=N (4096) stride=S (1)
 */
#include "guest.h"

int guest_main(const void *fdt, unsigned int cpu)
{
	struct boot_info bi;
	zu64 pages, stride, first, n;

	boot_info__parse(&bi, fdt, cpu);
	args_check(&bi, "pages stride");
	pages = arg_u64(&bi, "pages", 4096);
	stride = arg_u64(&bi, "stride", 1);
	GUEST_ASSERT(stride >= 1 && stride <= bi.ram_size / PAGE_SIZE &&
		     pages <= bi.ram_size / PAGE_SIZE / stride &&
		     boot_info__fits(&bi, bi.guest_base,
				     pages * stride * PAGE_SIZE));
	stride *= PAGE_SIZE;

	if (cpu == 0)
		gprintf("touch: %llu pages from 0x%llx, %llu bytes apart, on %u vCPUs\n",
			pages, bi.guest_base, stride, bi.ncpus);

	smp_share(&bi, pages, &first, &n);
	zapvm_phase_sync(&bi, "touch");
	touch_pages(bi.guest_base + first * stride, n, stride);
	return 0;
}
