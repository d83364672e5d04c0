/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The dirty guest's control block (guests/dirty, zapvm bench dirtylog), at
 * /chosen zapvm,guest-base: one 4 KiB page that the VMM reads and writes
 * through its host mapping while the vCPUs run. In pass p = 1, 2, ...
 * every vCPU waits until go >= p, writes one word in each 4 KiB page of
 * its share of the pages after the block, and sets its cpu[].done = p;
 * it returns once stop != 0. Shared by the guest and the VMM, as
 * guest_abi.h is.
 */
#ifndef ZAPVM_GUEST_DIRTY_H
#define ZAPVM_GUEST_DIRTY_H

#include "zapvm/guest_abi.h"

#define ZAPVM_DIRTY_MAX_CPUS 32

/* One vCPU's slot, a cache line each so that they do not share one. */
struct zapvm_dirty_cpu {
	zu64 done; /* written by the guest: the last pass it finished */
	/* written by the guest: its last pass's start and end, the host's
	 * CLOCK_MONOTONIC ns (zapvm_clock_ns(), a ucall each) */
	zu64 t0, t1;
	zu64 pad[5];
};

struct zapvm_dirty {
	zu64 go; /* written by the VMM: the pass the vCPUs may run */
	zu64 stop; /* written by the VMM: return now */
	/* written by vCPU 0 before it waits for pass 1: the VM's vCPUs and
	 * the pages all of them write, from guest-base + 4 KiB on */
	zu64 ncpus, pages;
	zu64 pad[4];
	struct zapvm_dirty_cpu cpu[ZAPVM_DIRTY_MAX_CPUS];
};

#endif /* ZAPVM_GUEST_DIRTY_H */
