/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the Linux boot path: src/boot/linux.c reads the kernel and initrd,
 * picks the entry (--boot) and calls one loader - the 64-bit boot protocol
 * (boot/linux-64.c), PVH (boot/linux-pvh.c) or real mode
 * (boot/linux-real.c). Each loader fills guest memory in load() and sets
 * the boot vCPU's registers in setup_bsp(), with the helpers of
 * boot/linux-common.c (linux__*). The calls go one way: linux.c -> a
 * loader -> linux-common.c.
 */
#ifndef ZAPVM_BOOT_LINUX_H
#define ZAPVM_BOOT_LINUX_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "zapvm/bzimage.h"
#include "zapvm/vmcore.h"

/* What the user gave, read into memory; the loaders only read it. */
struct linux_input {
	const char *kernel_path, *initrd_path; /* for messages */
	const uint8_t *kernel;
	uint64_t kernel_len;
	const uint8_t *initrd; /* NULL: none */
	uint64_t initrd_len;
	const char *cmdline;
};

/*
 * linux__set_cpuid - vCPU @v's CPUID: the host's @host with its own APIC
 * ID, "hypervisor" and the TSC-deadline timer when KVM emulates it (also
 * the firmware path's). 0 or -errno.
 */
struct kvm_cpuid2;
int linux__set_cpuid(struct vcpu *v, const struct kvm_cpuid2 *host);

/* linux__low_end - the end of guest RAM below 4 GiB (at most 3 GiB). */
uint64_t linux__low_end(const struct vm *vm);

/*
 * linux__copy - copy @len bytes to guest RAM at @gpa. 0, or -EFAULT after
 * logging that [@gpa, +@len) (@what) is not in guest RAM.
 */
int linux__copy(struct vm *vm, uint64_t gpa, const void *src, uint64_t len,
		const char *what);

/*
 * linux__copy_inputs - copy the initrd of @in (if any) to @initrd_gpa and
 * its command line, NUL included, to LINUX_CMDLINE. 0 or -EFAULT (logged).
 */
int linux__copy_inputs(struct vm *vm, const struct linux_input *in,
		       uint64_t initrd_gpa);

/* linux__log_inputs - log where the initrd (if any) goes and the command line. */
void linux__log_inputs(const struct linux_input *in, uint64_t initrd_gpa);

/*
 * linux__place_bzimage - bzimage__place() for the kernel @bz, the initrd and
 * command line of @in, in RAM below linux__low_end(). 0, or -errno after
 * one line naming the file at fault (the initrd when the kernel fit and the
 * initrd did not).
 */
int linux__place_bzimage(struct vm *vm, const struct linux_input *in,
			 const struct bzimage *bz, struct linux_layout *l);

/* A bzImage parser: bzimage__parse() or bzimage__parse_real(). */
typedef int bzimage_parse_fn(const void *img, size_t size, struct bzimage *bz,
			     char *why, size_t why_len);

/*
 * linux__parse_place - parse @in's kernel with @parse into @bz and place it
 * with linux__place_bzimage() into @l. 0, or -errno after one line naming
 * the file at fault.
 */
int linux__parse_place(struct vm *vm, const struct linux_input *in,
		       bzimage_parse_fn *parse, struct bzimage *bz,
		       struct linux_layout *l);

/*
 * linux__copy_kernel - copy @bz's protected-mode kernel to where @l puts it,
 * then the initrd and command line (linux__copy_inputs()). 0 or -EFAULT
 * (logged).
 */
int linux__copy_kernel(struct vm *vm, const struct linux_input *in,
		       const struct bzimage *bz, const struct linux_layout *l);

/*
 * linux__flat_seg - a present ring-0 segment over [0, 4 GiB) with selector
 * @sel and type @type: 64-bit code when @code64, else 32-bit.
 */
struct kvm_segment linux__flat_seg(uint16_t sel, uint8_t type, bool code64);

/*
 * linux__enter - the common end of each setup_bsp(): put @cs in CS and @ds
 * in DS, ES, FS, GS and SS of @sregs, load @sregs into the boot vCPU @v,
 * then @regs with RFLAGS 0x2 (interrupts off). 0 or -errno (logged).
 */
int linux__enter(struct vcpu *v, struct kvm_sregs *sregs, struct kvm_segment cs,
		 struct kvm_segment ds, struct kvm_regs *regs);

/*
 * linux_64__load, linux_pvh__load, linux_real__load - load @in for the
 * 64-bit, PVH or real-mode entry and set vm->entry. 0 or -errno after one line on stderr: -ENOEXEC
 * for a kernel that cannot boot this way, -EFBIG when it does not fit,
 * -EINVAL for a command line that is too long.
 */
int linux_64__load(struct vm *vm, const struct linux_input *in);
int linux_pvh__load(struct vm *vm, const struct linux_input *in);
int linux_real__load(struct vm *vm, const struct linux_input *in);

/* The entry state of each path on the boot vCPU @v. 0 or -errno (logged). */
int linux_64__setup_bsp(struct vcpu *v);
int linux_pvh__setup_bsp(struct vcpu *v);
int linux_real__setup_bsp(struct vcpu *v);

#endif /* ZAPVM_BOOT_LINUX_H */
