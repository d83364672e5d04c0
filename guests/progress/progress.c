// SPDX-License-Identifier: GPL-2.0-only
/*
 * progress: vCPU 0 touches pages=N 4 KiB pages after its control block
 * (struct zapvm_progress at guest-base), then shows its progress to the
 * VMM by incrementing the block's counter until the VMM says the round's
 * zap is done, rounds=R times. With idle=1 it returns after its last touch
 * instead, so a zap of all roots finds a VM with nothing running (its
 * vCPU's roots stay loaded). The other vCPUs return at once.
 *
 * zapvm,args: pages=N (all RAM after the block) rounds=R (1) idle=0|1 (0)
 */
#include "guest.h"

int guest_main(const void *fdt, unsigned int cpu)
{
	volatile struct zapvm_progress *p;
	struct boot_info bi;
	zu64 base, avail, pages, rounds, idle;

	boot_info__parse(&bi, fdt, cpu);
	args_check(&bi, "pages rounds idle");
	if (cpu != 0)
		return 0;
	p = gpa_ptr(bi.guest_base);
	base = bi.guest_base + PAGE_SIZE;
	GUEST_ASSERT(boot_info__fits(&bi, bi.guest_base, PAGE_SIZE));
	avail = (bi.ram_size - base) / PAGE_SIZE;
	pages = arg_u64(&bi, "pages", avail);
	rounds = arg_u64(&bi, "rounds", 1);
	idle = arg_u64(&bi, "idle", 0);
	GUEST_ASSERT(pages <= avail);
	GUEST_ASSERT(rounds >= 1);
	GUEST_ASSERT(idle <= 1);

	for (zu64 r = 1; r <= rounds; r++) {
		zapvm_phase(r == 1 ? "touch" : "retouch");
		touch_pages(base, pages, PAGE_SIZE);
		zapvm_phase("spin");
		p->ready = r;
		if (idle && r == rounds)
			return 0;
		while (p->go < r) {
			if (p->stop)
				return 0;
			p->counter++;
		}
	}
	return 0;
}
