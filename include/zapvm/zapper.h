/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Zap all roots from the VMM, on demand, from any thread: delete and re-add
 * a 4 KiB read-only memslot of zapvm's own. No guest knows about it (it is
 * added after the boot FDT is written), so no guest faults on it. Under the
 * default or "all" zap policy the delete makes KVM zap every SPTE of the VM
 * (on 6.1 kvm_mmu_zap_all_fast(): every root is invalidated and zapped);
 * under "slot" it zaps nothing, which makes a control.
 *
 * And the VM hook (struct vm_hook) built on it: periodic churn for
 * `zapvm run --zap-churn`. The probes of `zapvm bench zaplat` and
 * `vcpustall` are bench's own (src/bench/probe.h).
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
 * 4 KiB page below the guest-physical top. 0, or -errno after one line on
 * stderr: -EOPNOTSUPP without read-only memslots, -ENOSPC, -ENOMEM, or
 * what memslots__add() said.
 */
int zapper__init(struct zapper *z, struct vm *vm);

/*
 * zapper__zap - delete the slot (the zap) and re-add it; the time of each
 * ioctl in *@delete_ns and *@readd_ns. 0, or -EIO after one line.
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

#endif /* ZAPVM_ZAPPER_H */
