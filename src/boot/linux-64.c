// SPDX-License-Identifier: GPL-2.0-only
/*
 * Linux entered through the 64-bit boot protocol, as Firecracker does it
 * with a bzImage: no firmware, no real-mode setup code, the boot vCPU in
 * long mode at ring 0 on identity page tables with %rsi pointing at the
 * zero page, at the kernel's startup_64.
 */
#include <errno.h>
#include <string.h>

#include <linux/kvm.h>

#include "zapvm/boot-linux.h"
#include "zapvm/bzimage.h"
#include "zapvm/log.h"
#include "zapvm/vmcore.h"

#define PTE_P (1ULL << 0)
#define PTE_RW (1ULL << 1)
#define PTE_PS (1ULL << 7)
#define CR0_PE (1ULL << 0)
#define CR0_ET (1ULL << 4)
#define CR0_NE (1ULL << 5)
#define CR0_PG (1ULL << 31)
#define CR4_PAE (1ULL << 5)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)

#define BOOT_CS 0x10
#define BOOT_DS 0x18

/* GDT and identity page tables for [0, 4 GiB) with 2 MiB pages. */
static int linux_64__build_boot_area(struct vm *vm)
{
	uint64_t gdt[4] = {
		[BOOT_CS / 8] = 0x00af9b000000ffffULL, /* 64-bit code, DPL 0 */
		[BOOT_DS / 8] = 0x00cf93000000ffffULL, /* 4 GiB flat data */
	};
	uint64_t *pml4 = vm__guest_mem(vm, LINUX_BOOT_PML4, 4096, true);
	uint64_t *pdpt = vm__guest_mem(vm, LINUX_BOOT_PDPT, 4096, true);
	uint64_t *pd = vm__guest_mem(vm, LINUX_BOOT_PD, 4 * 4096, true);

	if (!pml4 || !pdpt || !pd ||
	    linux__copy(vm, LINUX_BOOT_GDT, gdt, sizeof(gdt), "GDT"))
		return -EFAULT;
	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = LINUX_BOOT_PDPT | PTE_P | PTE_RW;
	for (uint64_t g = 0; g < 4; g++) {
		pdpt[g] = (LINUX_BOOT_PD + g * 4096) | PTE_P | PTE_RW;
		for (uint64_t i = 0; i < 512; i++)
			pd[g * 512 + i] = ((g << 30) | (i << 21)) | PTE_P |
					  PTE_RW | PTE_PS;
	}
	return 0;
}

/* The 64-bit boot protocol: zero page, GDT and page tables, startup_64. */
int linux_64__load(struct vm *vm, const struct linux_input *in)
{
	const struct vm_config *cfg = vm->cfg;
	struct linux_layout l;
	struct boot_params *bp;
	struct bzimage bz;
	int ret;

	ret = linux__parse_place(vm, in, bzimage__parse, &bz, &l);
	if (ret)
		return ret;
	log_info("%s: boot protocol %u.%02u, %llu-byte kernel at 0x%llx "
		 "(%s, init_size %u MiB), entry 0x%llx",
		 in->kernel_path, bz.version >> 8, bz.version & 0xff,
		 (unsigned long long)bz.kernel_size,
		 (unsigned long long)l.kernel_gpa,
		 bz.relocatable ? "relocatable" : "fixed", bz.init_size >> 20,
		 (unsigned long long)l.entry);
	linux__log_inputs(in, l.initrd_gpa);

	ret = linux__copy_kernel(vm, in, &bz, &l);
	if (ret)
		return ret;
	bp = vm__guest_mem(vm, LINUX_ZERO_PAGE, sizeof(*bp), true);
	if (!bp)
		return -EFAULT;
	ret = bzimage__zero_page(&bz, &l, cfg->mem_size, LINUX_CMDLINE,
				 LINUX_ACPI_BASE, bp);
	if (ret) {
		log_err("zero page: %s", strerror(-ret));
		return ret;
	}
	ret = linux_64__build_boot_area(vm);
	if (ret)
		return ret;
	vm->entry = l.entry;
	return 0;
}

/* boot.rst's 64-bit entry state, on the boot vCPU only. */
int linux_64__setup_bsp(struct vcpu *v)
{
	struct kvm_regs regs = { .rip = v->vm->entry,
				 .rsi = LINUX_ZERO_PAGE,
				 .rsp = LINUX_BOOT_STACK };
	struct kvm_sregs sregs;
	int ret = kvm_ioctl(v->fd, KVM_GET_SREGS, &sregs);

	if (ret)
		return ret;
	sregs.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
	sregs.cr3 = LINUX_BOOT_PML4;
	sregs.cr4 = CR4_PAE;
	sregs.efer = EFER_LME | EFER_LMA;
	sregs.gdt.base = LINUX_BOOT_GDT;
	sregs.gdt.limit = 4 * 8 - 1;
	sregs.idt.base = 0;
	sregs.idt.limit = 0;
	/* CS execute/read, the data segments read/write; both accessed. */
	return linux__enter(v, &sregs, linux__flat_seg(BOOT_CS, 0xb, true),
			    linux__flat_seg(BOOT_DS, 0x3, false), &regs);
}
