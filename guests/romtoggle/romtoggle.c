// SPDX-License-Identifier: GPL-2.0-only
/*
 * romtoggle: the memslot churn that makes KVM zap. Phase "touch": touch
 * pages=N pages from guest-base, every stride=S-th one, split across vCPUs
 * (as the touch guest does); phase "churn": vCPU 0 unmaps and re-maps ROM
 * rom=I toggles=K times, reading a byte of it while it is mapped; phase
 * "retouch": touch the same pages again, which re-faults whatever the
 * churn zapped (with S >= 8, one fault per zapped page on a shadow MMU,
 * which otherwise prefetches 8 PTEs per fault).
 *
 * zapvm,args: pages=N (4096) stride=S (1) toggles=K (16) rom=I (0)
 */
#include "guest.h"

static void churn(struct boot_info *bi, unsigned int index, zu64 toggles)
{
	struct guest_rom *rom = boot_info__rom(bi, index);
	const volatile zu8 *p = gpa_ptr(rom->gpa);
	zu8 first;

	GUEST_ASSERT(rom->mapped);
	first = *p;
	for (; toggles; toggles--) {
		GUEST_ASSERT_EQ(rom_unmap(index), 0);
		GUEST_ASSERT_EQ(rom_map(index), 0);
		/* The re-added slot must show the same contents. */
		GUEST_ASSERT_EQ(*p, first);
	}
}

int guest_main(const void *fdt, unsigned int cpu)
{
	struct boot_info bi;
	zu64 pages, stride, toggles, index, first, n, gpa;

	boot_info__parse(&bi, fdt, cpu);
	args_check(&bi, "pages stride toggles rom");
	pages = arg_u64(&bi, "pages", 4096);
	stride = arg_u64(&bi, "stride", 1);
	toggles = arg_u64(&bi, "toggles", 16);
	index = arg_u64(&bi, "rom", 0);
	GUEST_ASSERT(stride >= 1 && stride <= bi.ram_size / PAGE_SIZE &&
		     pages <= bi.ram_size / PAGE_SIZE / stride &&
		     boot_info__fits(&bi, bi.guest_base,
				     pages * stride * PAGE_SIZE));
	GUEST_ASSERT(index < bi.nr_roms);
	stride *= PAGE_SIZE;

	if (cpu == 0)
		gprintf("romtoggle: %llu pages on %u vCPUs, ROM %llu toggled %llu times\n",
			pages, bi.ncpus, index, toggles);

	smp_share(&bi, pages, &first, &n);
	gpa = bi.guest_base + first * stride;
	zapvm_phase_sync(&bi, "touch");
	touch_pages(gpa, n, stride);

	zapvm_phase_sync(&bi, "churn");
	if (cpu == 0)
		churn(&bi, index, toggles);

	zapvm_phase_sync(&bi, "retouch");
	touch_pages(gpa, n, stride);
	return 0;
}
