/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the Linux boot path: src/boot-linux.c reads the kernel and initrd,
 * picks the entry (--boot) and calls one loader - the 64-bit boot protocol
 * (in boot-linux.c), PVH (boot-linux-pvh.c) or real mode
 * (boot-linux-real.c). Each loader fills guest memory in load() and sets
 * the boot vCPU's registers in setup_bsp().
 */
#ifndef ZAPVM_BOOT_LINUX_H
#define ZAPVM_BOOT_LINUX_H

#include <stdint.h>

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

/* linux__low_end - the end of guest RAM below 4 GiB (at most 3 GiB). */
uint64_t linux__low_end(const struct vm *vm);

/*
 * linux__copy - copy @len bytes to guest RAM at @gpa. 0, or -EFAULT after
 * logging that [@gpa, +@len) (@what) is not in guest RAM.
 */
int linux__copy(struct vm *vm, uint64_t gpa, const void *src, uint64_t len,
		const char *what);

/*
 * linux_pvh__load, linux_real__load - load @in for the PVH or real-mode
 * entry and set vm->entry. 0 or -errno after one line on stderr: -ENOEXEC
 * for a kernel that cannot boot this way, -EFBIG when it does not fit,
 * -EINVAL for a command line that is too long.
 */
int linux_pvh__load(struct vm *vm, const struct linux_input *in);
int linux_real__load(struct vm *vm, const struct linux_input *in);

/* The entry state of each path on the boot vCPU @v. 0 or -errno (logged). */
int linux_pvh__setup_bsp(struct vcpu *v);
int linux_real__setup_bsp(struct vcpu *v);

#endif /* ZAPVM_BOOT_LINUX_H */
