/* SPDX-License-Identifier: GPL-2.0-only */
/* Long-mode CPL3 boot state for test guests (see guest_abi.h). */
#ifndef ZAPVM_X86_H
#define ZAPVM_X86_H

#include <stdint.h>

struct kvm_cpuid2;

/*
 * x86__build_boot_area - write the GDT and identity page tables (2 MiB user
 * pages over [0, @gpa_top)) into the boot area at the bottom of @ram, which
 * must be at least ZAPVM_BOOT_END bytes. @gpa_top is a GiB multiple no larger
 * than ZAPVM_BOOT_MAX_GIB GiB. 0 or -EINVAL.
 */
int x86__build_boot_area(void *ram, uint64_t gpa_top);

/*
 * x86__supported_cpuid - KVM_GET_SUPPORTED_CPUID from the system fd @kvm_fd,
 * malloc'ed; NULL after logging on failure.
 */
struct kvm_cpuid2 *x86__supported_cpuid(int kvm_fd);

/*
 * x86__setup_vcpu - give vCPU @vcpu_fd the CPUID @cpuid and the ABI's boot
 * state: CPL3 long mode, rip = @entry, rdi = @fdt_gpa, rsi = @cpu, rsp and
 * fs.base per vCPU. 0 or -errno (logged).
 */
int x86__setup_vcpu(int vcpu_fd, const struct kvm_cpuid2 *cpuid, uint64_t entry,
		    unsigned int cpu, uint64_t fdt_gpa);

#endif /* ZAPVM_X86_H */
