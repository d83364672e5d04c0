// SPDX-License-Identifier: GPL-2.0-only
/*
 * dirty: the guest of zapvm bench dirtylog, after the KVM selftest
 * dirty_log_perf_test's guest code. pages=N 4 KiB pages after its control
 * block (struct zapvm_dirty at guest-base, zapvm/guest_dirty.h) are split
 * across the vCPUs; in each pass the VMM starts, every vCPU writes one
 * 64-bit word (the pass number) at the start of each page of its share,
 * timing the pass with the host's clock, then waits for the next pass.
 * The two clock reads are ucalls, so each pass ends with an exit: KVM
 * flushes what a PML buffer held before the VMM collects.
 *
 * zapvm,args: pages=N (all RAM after the block) rounds=R (2): the logged
 * passes zapvm bench dirtylog runs (the VMM's; the guest runs the passes
 * it is told to); skip=I (none): from pass 2 on, page I of the range is
 * not written, so it keeps pass 1's value, as a write the VMM never saw
 * would: a test of zapvm bench dirtylog's check of the pages after each
 * pass, which must then fail
 */
#include "guest.h"
#include "zapvm/guest_dirty.h"

/*
 * Write pass @p into the first word of @n pages from @gpa, but the
 * @skip-th (none when >= @n).
 */
static void dirty_pages(zu64 gpa, zu64 n, zu64 p, zu64 skip)
{
	volatile zu64 *w = gpa_ptr(gpa);

	for (zu64 i = 0; i < n; i++, w += PAGE_SIZE / sizeof(*w))
		if (i != skip)
			*w = p;
}

int guest_main(const void *fdt, unsigned int cpu)
{
	volatile struct zapvm_dirty *ctl;
	volatile struct zapvm_dirty_cpu *me;
	struct boot_info bi;
	zu64 base, avail, pages, first, n, skip;

	boot_info__parse(&bi, fdt, cpu);
	args_check(&bi, "pages rounds skip");
	GUEST_ASSERT(arg_u64(&bi, "rounds", 2) >= 1);
	GUEST_ASSERT(bi.ncpus <= ZAPVM_DIRTY_MAX_CPUS);
	GUEST_ASSERT(boot_info__fits(&bi, bi.guest_base, PAGE_SIZE));
	ctl = gpa_ptr(bi.guest_base);
	me = &ctl->cpu[cpu];
	base = bi.guest_base + PAGE_SIZE;
	avail = (bi.ram_size - base) / PAGE_SIZE;
	pages = arg_u64(&bi, "pages", avail);
	GUEST_ASSERT(pages <= avail);
	skip = arg_u64(&bi, "skip", ~0ULL);
	smp_share(&bi, pages, &first, &n);
	if (cpu == 0) {
		ctl->pages = pages;
		__atomic_store_n(&ctl->ncpus, bi.ncpus, __ATOMIC_RELEASE);
	}

	for (zu64 p = 1;; p++) {
		zu64 t0;

		while (ctl->go < p && !ctl->stop)
			__builtin_ia32_pause();
		if (ctl->stop)
			return 0;
		t0 = zapvm_clock_ns();
		dirty_pages(base + first * PAGE_SIZE, n, p,
			    p >= 2 ? skip - first : n);
		me->t0 = t0;
		me->t1 = zapvm_clock_ns();
		__atomic_store_n(&me->done, p, __ATOMIC_RELEASE);
	}
}
