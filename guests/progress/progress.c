// SPDX-License-Identifier: GPL-2.0-only
/*
 * progress: vCPU 0 touches pages=N 4 KiB pages after its control block
 * (struct zapvm_progress at guest-base), then shows its progress to the
 * VMM by incrementing the block's counter until the VMM says the round's
 * zap is done, rounds=R times. While it counts it also times itself with
 * the TSC: the longest time between two increments since the VMM last
 * changed gap_epoch (see struct zapvm_progress). With idle=1 it returns after its last touch
 * instead, so a zap of all roots finds a VM with nothing running (its
 * vCPU's roots stay loaded). The other vCPUs return at once.
 *
 * zapvm,args: pages=N (all RAM after the block) rounds=R (1) idle=0|1 (0)
 */
#include "guest.h"

/* Count until round @r's zap is done or the VMM says stop. */
static void spin(volatile struct zapvm_progress *p, zu64 r)
{
	zu64 seen = p->gap_seen, max = 0, t = rdtsc();

	while (p->go < r && !p->stop) {
		zu64 e = p->gap_epoch, now = rdtsc(), d = now - t;

		t = now;
		if (e != seen) {
			seen = e;
			max = d;
			p->max_gap = d;
			p->gap_seen = e;
		} else if (d > max) {
			max = d;
			p->max_gap = d;
		}
		p->counter++;
	}
}

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
		spin(p, r);
		if (p->stop)
			return 0;
	}
	return 0;
}
