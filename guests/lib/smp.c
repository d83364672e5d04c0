// SPDX-License-Identifier: GPL-2.0-only
/* SMP helpers and the page-touching loops the guests share. */
#include "guest.h"

/*
 * A sense-counting barrier: the last vCPU to arrive resets the count and
 * bumps the generation the others spin on. Guest memory starts zeroed, so
 * it needs no initialisation.
 */
static struct {
	zu32 count;
	zu32 gen;
} all_cpus;

void smp_sync(const struct boot_info *bi)
{
	zu32 gen = __atomic_load_n(&all_cpus.gen, __ATOMIC_ACQUIRE);

	if (__atomic_add_fetch(&all_cpus.count, 1, __ATOMIC_ACQ_REL) ==
	    bi->ncpus) {
		__atomic_store_n(&all_cpus.count, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&all_cpus.gen, gen + 1, __ATOMIC_RELEASE);
		return;
	}
	/* No HLT at CPL3 and no interrupts: spin, politely. */
	while (__atomic_load_n(&all_cpus.gen, __ATOMIC_ACQUIRE) == gen)
		__builtin_ia32_pause();
}

void zapvm_phase_sync(const struct boot_info *bi, const char *name)
{
	smp_sync(bi);
	if (bi->cpu == 0)
		zapvm_phase(name);
	smp_sync(bi);
}

void smp_share(const struct boot_info *bi, zu64 n, zu64 *first, zu64 *count)
{
	/* n < 2^52 (pages of a 64 GiB space) and ncpus <= 32: no overflow. */
	zu64 start = n * bi->cpu / bi->ncpus;
	zu64 end = n * (bi->cpu + 1) / bi->ncpus;

	*first = start;
	*count = end - start;
}

void touch_pages(zu64 gpa, zu64 n, zu64 stride)
{
	volatile zu8 *p = gpa_ptr(gpa);

	for (; n; n--, p += stride)
		*p = 0x5a;
}

zu64 read_pages(zu64 gpa, zu64 n, zu64 stride)
{
	const volatile zu8 *p = gpa_ptr(gpa);
	zu64 sum = 0;

	for (; n; n--, p += stride)
		sum += *p;
	return sum;
}
