/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Zap all roots from the VMM, on demand, from any thread: delete and re-add
 * a 4 KiB read-only memslot of zapvm's own. No guest knows about it (it is
 * added after the boot FDT is written), so no guest faults on it. Under the
 * default or "all" zap policy the delete makes KVM zap every SPTE of the VM
 * (on 6.1 kvm_mmu_zap_all_fast(): every root is invalidated and zapped);
 * under "slot" it zaps nothing, which makes a control.
 *
 * And the VM hooks (struct vm_hook) built on it: periodic churn for
 * `zapvm run --zap-churn`, and the probes of `zapvm bench zaplat` and
 * `zapvm bench vcpustall`.
 */
#ifndef ZAPVM_ZAPPER_H
#define ZAPVM_ZAPPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

struct zapper {
	struct vm *vm;
	void *mem; /* the slot's 4 KiB page */
	unsigned int rom; /* its ROM index in vm->slots */
	uint64_t gpa;
};

/*
 * zapper__init - add the zapper's slot to running @vm, at the highest free
 * 4 KiB page below the guest-physical top. 0, or an exit status after one
 * line on stderr.
 */
int zapper__init(struct zapper *z, struct vm *vm);

/*
 * zapper__zap - delete the slot (the zap) and re-add it; the time of each
 * ioctl in *@delete_ns and *@readd_ns. 0, or an exit status after one line.
 */
int zapper__zap(struct zapper *z, uint64_t *delete_ns, uint64_t *readd_ns);

/* zapper__free - free the slot's memory; only once vm__run() returned. */
void zapper__free(struct zapper *z);

/*
 * zap_churn__hook - a vm_hook with a struct zap_churn as opaque: zap every
 * period_ms while any vCPU runs (`zapvm run --zap-churn`).
 */
struct zap_churn {
	uint64_t period_ms;
	/* Results */
	uint64_t zaps;
	uint64_t delete_ns_sum, delete_ns_max;
	struct zapper z;
};

int zap_churn__hook(struct vm *vm, void *opaque);
void zap_churn__free(struct zap_churn *c);

/*
 * zap_probe__hook - a vm_hook with a struct zap_probe as opaque, for the
 * progress guest (guests/progress) whose control block is at ctl_gpa. For
 * each of @rounds rounds it waits until the guest has touched its pages,
 * then zaps all roots while
 *  - ZAP_PROBE_STALL (vcpustall): this thread samples the guest's progress
 *    counter every period_ns through the host mapping, and records each
 *    stretch of samples that saw no progress; the guest also reports the
 *    longest gap between its own increments, timed with its TSC, which
 *    stays right when this thread is preempted;
 *  - ZAP_PROBE_LATENCY (zaplat): a SCHED_FIFO thread, pinned to the CPU
 *    the zapping thread is pinned to (the highest one zapvm may use),
 *    wakes every period_ns (absolute deadlines) and records how late it
 *    woke. The guest should be idle (progress idle=1).
 * Times are ms; NAN where not measured (e.g. a stat the kernel lacks).
 */
enum zap_probe_kind { ZAP_PROBE_STALL, ZAP_PROBE_LATENCY };

struct zap_probe {
	enum zap_probe_kind kind;
	uint64_t ctl_gpa;
	unsigned int rounds;
	uint64_t period_ns;
	/* Results, over all rounds */
	double delete_ms, readd_ms; /* mean per zap */
	double sptes_4k; /* VM stat pages_4k before the first zap */
	double root_zap_passes, root_zap_yields; /* zapvm series, per run */
	/* ZAP_PROBE_STALL: no-progress stretches (a lower bound each) */
	double max_gap_ms; /* longest one from a zap's start on */
	double gaps_over_1ms; /* how many from a zap's start on were > 1 ms */
	double quiet_gap_ms; /* longest one before any zap started */
	double sampler_max_ms; /* longest interval between two samples */
	/* the guest's own TSC timing of its loop: longest gap, NAN if none */
	double guest_gap_ms; /* from a zap's start on */
	double guest_quiet_ms; /* in the lead-in before a zap */
	double tsc_khz; /* the VM's KVM_GET_TSC_KHZ */
	/* ZAP_PROBE_LATENCY */
	double max_late_ms; /* latest wake-up from a zap's start on */
	double max_interval_ms; /* longest interval between two wake-ups */
	double quiet_late_ms; /* latest wake-up before the zap */
	int cpu; /* the CPU of the probe and the zapping thread */
	struct zapper z;
};

int zap_probe__hook(struct vm *vm, void *opaque);
void zap_probe__free(struct zap_probe *p);

/*
 * zap_probe__fifo_ok - whether this process may create a SCHED_FIFO
 * thread; false with the reason in @why.
 */
bool zap_probe__fifo_ok(char *why, size_t len);

#endif /* ZAPVM_ZAPPER_H */
