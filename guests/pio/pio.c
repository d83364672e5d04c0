// SPDX-License-Identifier: GPL-2.0-only
/*
 * pio: count=N (1000000) 32-bit OUTs to port=P (ZAPVM_NULL_PORT), each one
 * a full exit to the VMM and back, for measuring the VMM's exit path
 * (tests/bench/bench_exits.c). vCPU 0 does the loop; the others return.
 *
 * The first thing it does is a CLOCK ucall: the host CLOCK_MONOTONIC of
 * the guest's first exit is as close to "first guest instruction" as we
 * can observe. The loop is bracketed by two more CLOCK ucalls, so its
 * time excludes start-up and is measured the same way under any VMM.
 *
 * Prints: "first-insn-ns=T" before the loop, then one line with
 * "exits=N port=0xP loop-start-ns=A loop-end-ns=B loop-ns=B-A".
 *
 * zapvm,args: count=N (1000000) port=P (0x5a10)
 */
#include "guest.h"

static inline void outl(unsigned short port, zu32 v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

int guest_main(const void *fdt, unsigned int cpu)
{
	zu64 first = zapvm_clock_ns(), count, port, t0, t1;
	struct boot_info bi;

	boot_info__parse(&bi, fdt, cpu);
	args_check(&bi, "count port");
	count = arg_u64(&bi, "count", 1000000);
	port = arg_u64(&bi, "port", ZAPVM_NULL_PORT);
	GUEST_ASSERT(port <= 0xffff - 3);
	if (cpu != 0)
		return 0;

	gprintf("first-insn-ns=%llu\n", first);
	t0 = zapvm_clock_ns();
	for (zu64 i = 0; i < count; i++)
		outl((unsigned short)port, (zu32)i);
	t1 = zapvm_clock_ns();
	gprintf("exits=%llu port=0x%llx loop-start-ns=%llu loop-end-ns=%llu "
		"loop-ns=%llu\n",
		count, port, t0, t1, t1 - t0);
	return 0;
}
