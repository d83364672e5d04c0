// SPDX-License-Identifier: GPL-2.0-only
/*
 * Linux entered at its real-mode setup code, kvmtool's way: the boot
 * sector and setup at LINUX_REAL_BASE with the loader's header fields
 * filled in, the protected-mode kernel where the 64-bit path puts it, a
 * tiny BIOS below 1 MiB (realmode.h), and the boot vCPU in real mode at
 * LINUX_REAL_SEG + 0x20 : 0 with ds = es = fs = gs = ss = LINUX_REAL_SEG
 * and %sp at the heap end, interrupts off (boot.rst, "Running the
 * kernel"). The setup code collects the e820 map from int 0x15 and builds
 * the zero page itself.
 */
#include <errno.h>
#include <string.h>

#include <linux/kvm.h>

#include "zapvm/boot-linux.h"
#include "zapvm/bzimage.h"
#include "zapvm/log.h"
#include "zapvm/realmode.h"

#define CR0_ET (1ULL << 4)

int linux_real__load(struct vm *vm, const struct linux_input *in)
{
	struct linux_layout l;
	struct bzimage bz;
	uint8_t *low, *setup;
	int ret;

	ret = linux__parse_place(vm, in, bzimage__parse_real, &bz, &l);
	if (ret)
		return ret;
	log_info("%s: boot protocol %u.%02u, %u-byte setup at 0x%llx, "
		 "%llu-byte kernel at 0x%llx, real-mode entry %04x:0000",
		 in->kernel_path, bz.version >> 8, bz.version & 0xff,
		 bz.setup_size, LINUX_REAL_BASE,
		 (unsigned long long)bz.kernel_size,
		 (unsigned long long)l.kernel_gpa, LINUX_REAL_SEG + 0x20);
	linux__log_inputs(in, l.initrd_gpa);

	low = vm__guest_mem(vm, 0, LINUX_HIMEM, true);
	if (!low) {
		log_err("real mode: no guest RAM below 1 MiB");
		return -EFAULT;
	}
	ret = realmode__bios(low, LINUX_HIMEM, vm->cfg->mem_size);
	if (ret) {
		log_err("real-mode BIOS: %s", strerror(-ret));
		return ret;
	}
	setup = low + LINUX_REAL_BASE;
	memcpy(setup, in->kernel, bz.setup_size);
	ret = realmode__setup_header(&bz, &l, LINUX_CMDLINE, setup);
	if (ret) {
		log_err("%s: setup header: %s", in->kernel_path,
			strerror(-ret));
		return ret;
	}
	ret = linux__copy_kernel(vm, in, &bz, &l);
	if (ret)
		return ret;
	vm->entry = (LINUX_REAL_SEG + 0x20) << 4;
	return 0;
}

static struct kvm_segment seg16(uint16_t sel, uint8_t type)
{
	return (struct kvm_segment){
		.base = (uint64_t)sel << 4,
		.limit = 0xffff,
		.selector = sel,
		.type = type,
		.present = 1,
		.s = 1,
	};
}

int linux_real__setup_bsp(struct vcpu *v)
{
	struct kvm_regs regs = { .rip = 0, .rsp = LINUX_REAL_HEAP_END };
	struct kvm_sregs sregs;
	int ret = kvm_ioctl(v->fd, KVM_GET_SREGS, &sregs);

	if (ret)
		return ret;
	/*
	 * The reset state is real mode already; clear CD and NW as a BIOS
	 * does, so the setup code carries a cache-enabled CR0 into
	 * protected mode.
	 */
	sregs.cr0 = CR0_ET;
	sregs.idt.base = 0;
	sregs.idt.limit = 0x3ff;
	return linux__enter(v, &sregs, seg16(LINUX_REAL_SEG + 0x20, 0xb),
			    seg16(LINUX_REAL_SEG, 0x3), &regs);
}
