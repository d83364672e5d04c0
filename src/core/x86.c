// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kvm.h>

#include "zapvm/guest_abi.h"
#include "zapvm/kvm.h"
#include "zapvm/log.h"
#include "zapvm/x86.h"

#define PTE_P (1ULL << 0)
#define PTE_RW (1ULL << 1)
#define PTE_US (1ULL << 2)
#define PTE_PS (1ULL << 7)

#define CR0_PE (1ULL << 0)
#define CR0_MP (1ULL << 1)
#define CR0_ET (1ULL << 4)
#define CR0_NE (1ULL << 5)
#define CR0_WP (1ULL << 16)
#define CR0_PG (1ULL << 31)
#define CR4_PAE (1ULL << 5)
#define CR4_OSFXSR (1ULL << 9)
#define CR4_OSXMMEXCPT (1ULL << 10)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define RFLAGS_IOPL3 (3ULL << 12)

/* GDT selectors; only the hidden parts set through KVM_SET_SREGS matter. */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UDATA 0x18
#define SEL_UCODE 0x20

int x86__build_boot_area(void *ram, uint64_t gpa_top)
{
	uint64_t *gdt = (uint64_t *)((uint8_t *)ram + ZAPVM_BOOT_GDT);
	uint64_t *pml4 = (uint64_t *)((uint8_t *)ram + ZAPVM_BOOT_PML4);
	uint64_t *pdpt = (uint64_t *)((uint8_t *)ram + ZAPVM_BOOT_PDPT);
	uint64_t *pd = (uint64_t *)((uint8_t *)ram + ZAPVM_BOOT_PD);
	uint64_t gib = gpa_top >> 30;

	if (!gib || (gpa_top & ((1ULL << 30) - 1)) || gib > ZAPVM_BOOT_MAX_GIB)
		return -EINVAL;

	memset(gdt, 0, 0x1000);
	gdt[SEL_KCODE / 8] = 0x00af9b000000ffffULL; /* 64-bit code, DPL0 */
	gdt[SEL_KDATA / 8] = 0x00cf93000000ffffULL;
	gdt[SEL_UDATA / 8] = 0x00cff3000000ffffULL; /* data, DPL3 */
	gdt[SEL_UCODE / 8] = 0x00affb000000ffffULL; /* 64-bit code, DPL3 */

	memset(pml4, 0, 0x1000);
	memset(pdpt, 0, 0x1000);
	pml4[0] = ZAPVM_BOOT_PDPT | PTE_P | PTE_RW | PTE_US;
	for (uint64_t g = 0; g < gib; g++) {
		pdpt[g] = (ZAPVM_BOOT_PD + g * 0x1000) | PTE_P | PTE_RW |
			  PTE_US;
		for (uint64_t i = 0; i < 512; i++)
			pd[g * 512 + i] = ((g << 30) | (i << 21)) | PTE_P |
					  PTE_RW | PTE_US | PTE_PS;
	}
	return 0;
}

struct kvm_cpuid2 *x86__supported_cpuid(int kvm_fd)
{
	for (unsigned int n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c;
		int ret;

		c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		if (!c) {
			log_err("out of memory");
			return NULL;
		}
		c->nent = n;
		ret = kvm_ioctl_quiet(kvm_fd, KVM_GET_SUPPORTED_CPUID, c);
		if (!ret)
			return c;
		free(c);
		if (ret != -E2BIG) {
			log_err("KVM_GET_SUPPORTED_CPUID failed: %s",
				strerror(-ret));
			return NULL;
		}
	}
	log_err("KVM_GET_SUPPORTED_CPUID: too many entries");
	return NULL;
}

static struct kvm_segment seg(uint16_t sel, uint8_t type, uint8_t dpl,
			      bool code64, uint64_t base)
{
	return (struct kvm_segment){
		.base = base,
		.limit = 0xffffffff,
		.selector = sel,
		.type = type,
		.present = 1,
		.dpl = dpl,
		.db = !code64,
		.s = 1,
		.l = code64,
		.g = 1,
	};
}

int x86__setup_vcpu(int vcpu_fd, const struct kvm_cpuid2 *cpuid, uint64_t entry,
		    unsigned int cpu, uint64_t fdt_gpa)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int ret;

	/* KVM refuses EFER.LME unless the guest's CPUID has long mode. */
	ret = kvm_ioctl(vcpu_fd, KVM_SET_CPUID2, (void *)cpuid);
	if (ret)
		return ret;
	ret = kvm_ioctl(vcpu_fd, KVM_GET_SREGS, &sregs);
	if (ret)
		return ret;

	sregs.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	sregs.cr3 = ZAPVM_BOOT_PML4;
	sregs.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	sregs.efer = EFER_LME | EFER_LMA;
	sregs.cs = seg(SEL_UCODE | 3, 11, 3, true, 0);
	sregs.ds = seg(SEL_UDATA | 3, 3, 3, false, 0);
	sregs.es = sregs.ds;
	sregs.ss = sregs.ds;
	sregs.gs = sregs.ds;
	sregs.fs = seg(SEL_UDATA | 3, 3, 3, false,
		       ZAPVM_BOOT_TLS + (uint64_t)cpu * ZAPVM_TLS_SIZE);
	/*
	 * TR keeps its reset value (busy TSS, base 0): valid for VM entry, and
	 * PVM refuses ring-3 port I/O with a TSS we built.
	 */
	sregs.ldt = (struct kvm_segment){ .type = 2, .unusable = 1 };
	sregs.gdt.base = ZAPVM_BOOT_GDT;
	sregs.gdt.limit = 0x27;
	/* No IDT: any exception escalates to a triple fault, a clean crash. */
	sregs.idt.base = 0;
	sregs.idt.limit = 0;
	ret = kvm_ioctl(vcpu_fd, KVM_SET_SREGS, &sregs);
	if (ret)
		return ret;

	memset(&regs, 0, sizeof(regs));
	regs.rip = entry;
	regs.rsp = ZAPVM_STACK_TOP(cpu);
	regs.rdi = fdt_gpa;
	regs.rsi = cpu;
	regs.rflags = 0x2 | RFLAGS_IOPL3;
	return kvm_ioctl(vcpu_fd, KVM_SET_REGS, &regs);
}
