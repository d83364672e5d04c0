// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the Linux loaders (boot/linux-64.c, boot/linux-pvh.c,
 * boot/linux-real.c) share: copying their inputs into guest RAM, placing a
 * bzImage below linux__low_end(), and entering the kernel on the boot vCPU.
 */
#include <errno.h>
#include <string.h>

#include <linux/kvm.h>

#include "zapvm/boot-linux.h"
#include "zapvm/bzimage.h"
#include "zapvm/log.h"
#include "zapvm/vmcore.h"

uint64_t linux__low_end(const struct vm *vm)
{
	return vm->cfg->mem_size < LINUX_LOW_RAM_MAX ? vm->cfg->mem_size :
						       LINUX_LOW_RAM_MAX;
}

int linux__copy(struct vm *vm, uint64_t gpa, const void *src, uint64_t len,
		const char *what)
{
	void *dst = vm__guest_mem(vm, gpa, len, true);

	if (!dst) {
		log_err("%s: [0x%llx, +0x%llx) is not in guest RAM", what,
			(unsigned long long)gpa, (unsigned long long)len);
		return -EFAULT;
	}
	memcpy(dst, src, len);
	return 0;
}

int linux__copy_inputs(struct vm *vm, const struct linux_input *in,
		       uint64_t initrd_gpa)
{
	int ret = 0;

	if (in->initrd_len)
		ret = linux__copy(vm, initrd_gpa, in->initrd, in->initrd_len,
				  "initrd");
	if (!ret)
		ret = linux__copy(vm, LINUX_CMDLINE, in->cmdline,
				  strlen(in->cmdline) + 1, "command line");
	return ret;
}

void linux__log_inputs(const struct linux_input *in, uint64_t initrd_gpa)
{
	if (in->initrd_len)
		log_info("%s: %llu bytes at 0x%llx", in->initrd_path,
			 (unsigned long long)in->initrd_len,
			 (unsigned long long)initrd_gpa);
	log_info("command line: %s", in->cmdline);
}

int linux__place_bzimage(struct vm *vm, const struct linux_input *in,
			 const struct bzimage *bz, struct linux_layout *l)
{
	char why[256];
	int ret = bzimage__place(bz, linux__low_end(vm), in->initrd_len,
				 strlen(in->cmdline), l, why, sizeof(why));

	if (ret)
		log_err("%s: %s",
			ret == -EFBIG && in->initrd_len && l->kernel_gpa ?
				in->initrd_path :
				in->kernel_path,
			why);
	return ret;
}

int linux__parse_place(struct vm *vm, const struct linux_input *in,
		       bzimage_parse_fn *parse, struct bzimage *bz,
		       struct linux_layout *l)
{
	char why[256];
	int ret = parse(in->kernel, in->kernel_len, bz, why, sizeof(why));

	if (ret) {
		log_err("%s: %s", in->kernel_path, why);
		return ret;
	}
	return linux__place_bzimage(vm, in, bz, l);
}

int linux__copy_kernel(struct vm *vm, const struct linux_input *in,
		       const struct bzimage *bz, const struct linux_layout *l)
{
	int ret = linux__copy(vm, l->kernel_gpa, bz->kernel, bz->kernel_size,
			      "kernel");

	return ret ? ret : linux__copy_inputs(vm, in, l->initrd_gpa);
}

struct kvm_segment linux__flat_seg(uint16_t sel, uint8_t type, bool code64)
{
	return (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = sel,
		.type = type,
		.present = 1,
		.dpl = 0,
		.db = !code64,
		.s = 1,
		.l = code64,
		.g = 1,
	};
}

int linux__enter(struct vcpu *v, struct kvm_sregs *sregs, struct kvm_segment cs,
		 struct kvm_segment ds, struct kvm_regs *regs)
{
	int ret;

	sregs->cs = cs;
	sregs->ds = ds;
	sregs->es = ds;
	sregs->fs = ds;
	sregs->gs = ds;
	sregs->ss = ds;
	ret = kvm_ioctl(v->fd, KVM_SET_SREGS, sregs);
	if (ret)
		return ret;
	regs->rflags = 0x2; /* interrupts off */
	return kvm_ioctl(v->fd, KVM_SET_REGS, regs);
}
