// SPDX-License-Identifier: GPL-2.0-only
/*
 * Linux entered at its PVH entry point (CONFIG_PVH), as QEMU's -kernel and
 * Firecracker do with a vmlinux: the PT_LOAD segments at their physical
 * addresses, a struct hvm_start_info below 1 MiB, and the boot vCPU in
 * 32-bit protected mode with paging off and %ebx pointing at the start
 * info (Xen's start_info.h, Linux's arch/x86/platform/pvh/head.S).
 */
#include <errno.h>
#include <string.h>

#include <linux/kvm.h>

#include "zapvm/boot-linux.h"
#include "zapvm/bzimage.h"
#include "zapvm/log.h"
#include "zapvm/pvh.h"

/* Where the start info goes: the page the 64-bit path's zero page uses. */
#define PVH_INFO LINUX_ZERO_PAGE
#define PVH_INFO_SIZE 4096

/* The GDT at LINUX_BOOT_GDT: null, code, data, TSS. */
#define PVH_CS 0x08
#define PVH_DS 0x10
#define PVH_TSS 0x18
#define CR0_PE (1ULL << 0)
#define CR0_ET (1ULL << 4)

int linux_pvh__load(struct vm *vm, const struct linux_input *in)
{
	static struct pvh_image img; /* 1.5 KiB; load() runs once */
	uint64_t gdt[4] = {
		[PVH_CS / 8] = 0x00cf9b000000ffffULL, /* 32-bit code, 4 GiB */
		[PVH_DS / 8] = 0x00cf93000000ffffULL, /* 32-bit data, 4 GiB */
		[PVH_TSS / 8] = 0x0000890000000067ULL, /* 32-bit TSS at 0 */
	};
	size_t cmdline_len = strlen(in->cmdline);
	uint8_t info[PVH_INFO_SIZE];
	struct pvh_layout l;
	char why[256];
	int ret;

	ret = pvh__parse(in->kernel, in->kernel_len, &img, why, sizeof(why));
	if (ret) {
		log_err("%s: %s", in->kernel_path, why);
		return ret;
	}
	ret = pvh__place(&img, linux__low_end(vm), in->initrd_len, cmdline_len,
			 LINUX_CMDLINE_MAX, PVH_INFO, LINUX_CMDLINE, &l, why,
			 sizeof(why));
	if (ret) {
		log_err("%s: %s",
			ret == -EFBIG && in->initrd_len &&
					strstr(why, "initrd") ?
				in->initrd_path :
				in->kernel_path,
			why);
		return ret;
	}
	log_info("%s: PVH entry 0x%x, %u segments in [0x%llx, 0x%llx)",
		 in->kernel_path, img.entry, img.nsegs,
		 (unsigned long long)img.start, (unsigned long long)img.end);
	linux__log_inputs(in, l.initrd_gpa);

	for (unsigned int i = 0; i < img.nsegs; i++) {
		const struct pvh_segment *s = &img.seg[i];
		uint8_t *dst = vm__guest_mem(vm, s->paddr, s->memsz, true);

		if (!dst) {
			log_err("%s: segment [0x%llx, +0x%llx) is not in guest "
				"RAM",
				in->kernel_path, (unsigned long long)s->paddr,
				(unsigned long long)s->memsz);
			return -EFBIG;
		}
		memcpy(dst, s->data, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
	}
	ret = pvh__start_info(&l, vm->cfg->mem_size, LINUX_ACPI_BASE, info,
			      sizeof(info));
	if (ret < 0) {
		log_err("PVH start info: %s", strerror(-ret));
		return ret;
	}
	ret = linux__copy(vm, PVH_INFO, info, (uint64_t)ret, "start info");
	if (!ret)
		ret = linux__copy_inputs(vm, in, l.initrd_gpa);
	if (!ret)
		ret = linux__copy(vm, LINUX_BOOT_GDT, gdt, sizeof(gdt), "GDT");
	if (ret)
		return ret;
	vm->entry = img.entry;
	return 0;
}

/* start_info.h: PE on, paging off, flat 32-bit segments, a 32-bit TSS. */
int linux_pvh__setup_bsp(struct vcpu *v)
{
	struct kvm_regs regs = { .rip = v->vm->entry, .rbx = PVH_INFO };
	struct kvm_sregs sregs;
	int ret = kvm_ioctl(v->fd, KVM_GET_SREGS, &sregs);

	if (ret)
		return ret;
	sregs.cr0 = CR0_PE | CR0_ET;
	sregs.cr3 = 0;
	sregs.cr4 = 0;
	sregs.efer = 0;
	sregs.tr = (struct kvm_segment){
		.limit = 0x67,
		.selector = PVH_TSS,
		.type = 0xb, /* busy 32-bit TSS */
		.present = 1,
	};
	sregs.gdt.base = LINUX_BOOT_GDT;
	sregs.gdt.limit = 4 * 8 - 1;
	sregs.idt.base = 0;
	sregs.idt.limit = 0;
	/* CS execute/read, the data segments read/write; both accessed. */
	return linux__enter(v, &sregs, linux__flat_seg(PVH_CS, 0xb, false),
			    linux__flat_seg(PVH_DS, 0x3, false), &regs);
}
