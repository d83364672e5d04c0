/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Linux bzImage loading through the 64-bit boot protocol
 * (Documentation/x86/boot.rst): header checks, placement of the kernel,
 * initrd and command line, the e820 map. Pure functions on buffers - no KVM -
 * so that unit tests and the fuzzer drive them directly; src/boot/linux-64.c
 * and src/boot/linux-real.c put the result into guest memory.
 */
#ifndef ZAPVM_BZIMAGE_H
#define ZAPVM_BZIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <asm/bootparam.h>

/*
 * Guest-physical layout of a Linux guest below 1 MiB. The kernel goes at or
 * above 1 MiB; RAM beyond LINUX_LOW_RAM_MAX continues at 4 GiB, leaving the
 * top GiB below 4 GiB for the IOAPIC, the local APICs and devices.
 */
#define LINUX_BOOT_GDT \
	0x1000ULL /* null, null, __BOOT_CS 0x10, __BOOT_DS 0x18 */
#define LINUX_BOOT_PML4 0x2000ULL
#define LINUX_BOOT_PDPT 0x3000ULL
#define LINUX_BOOT_PD 0x4000ULL /* 4 pages: identity map of [0, 4 GiB) */
#define LINUX_BOOT_STACK 0x8ff0ULL /* initial %rsp; startup_64 sets its own */
#define LINUX_ZERO_PAGE 0x9000ULL /* struct boot_params */
#define LINUX_CMDLINE 0x20000ULL
#define LINUX_CMDLINE_MAX 0x10000ULL /* bytes reserved, NUL included */
#define LINUX_EBDA 0x9fc00ULL /* [EBDA, 640 KiB) reserved */
#define LINUX_ACPI_BASE 0xe0000ULL /* ACPI tables, reserved up to 1 MiB */
#define LINUX_MPTABLE 0xf0000ULL /* MP table, after the ACPI tables */
/* --boot real-mode: setup at 0x10000, BIOS at 0xff000 (realmode.h). */
#define LINUX_HIMEM 0x100000ULL /* the kernel goes at or above 1 MiB */
#define LINUX_LOW_RAM_MAX 0xc0000000ULL /* 3 GiB */
#define LINUX_HIGH_RAM 0x100000000ULL /* the rest of RAM starts at 4 GiB */

#define LINUX_ENTRY_64 0x200 /* startup_64 - startup_32 */
#define LINUX_MIN_VERSION 0x020c /* 2.12: xloadflags, XLF_KERNEL_64 */
#define LINUX_REAL_MIN_VERSION 0x020a /* 2.10: init_size, pref_address */
#define LINUX_REAL_SETUP_MAX 0x8000 /* boot sector + setup: 32 KiB */

/* e820 types (the kernel's asm/e820/types.h is not exported). */
enum { E820_RAM = 1, E820_RESERVED = 2, E820_ACPI = 3 };

/* A parsed bzImage; the pointers point into the caller's buffer. */
struct bzimage {
	uint16_t version; /* boot protocol, 0x020f = 2.15 */
	uint32_t setup_size; /* boot sector + real-mode setup, bytes */
	const uint8_t *kernel; /* the protected-mode kernel (startup_32) */
	uint64_t kernel_size;
	const uint8_t *hdr; /* the setup header at file offset 0x1f1 */
	uint32_t hdr_len; /* bytes of it to copy into boot_params */
	bool relocatable;
	uint32_t kernel_alignment;
	uint64_t pref_address;
	uint32_t init_size;
	uint32_t initrd_addr_max;
	uint32_t cmdline_size; /* longest command line, NUL excluded */
	uint16_t xloadflags;
};

/*
 * bzimage__parse - check the bzImage @img of @size bytes for the 64-bit boot
 * protocol and fill @bz. Returns 0, or -ENOEXEC with a one-line reason in
 * @why (@why_len bytes): truncated file or header, no "HdrS" magic or boot
 * flag, protocol older than 2.12, no 64-bit entry point (XLF_KERNEL_64), not
 * loaded high, setup_sects (0 counts as 4) or syssize beyond the file,
 * payload_offset/payload_length outside the kernel, a bad kernel_alignment.
 */
int bzimage__parse(const void *img, size_t size, struct bzimage *bz, char *why,
		   size_t why_len);

/*
 * bzimage__parse_real - bzimage__parse() for the real-mode path
 * (realmode.h): protocol 2.10 or later, no 64-bit entry point needed, and
 * the boot sector and setup at most LINUX_REAL_SETUP_MAX bytes.
 */
int bzimage__parse_real(const void *img, size_t size, struct bzimage *bz,
			char *why, size_t why_len);

/* Where boot.rst says things go, decided by bzimage__place(). */
struct linux_layout {
	uint64_t kernel_gpa; /* the protected-mode kernel is copied here */
	uint64_t kernel_end; /* kernel_gpa + max(init_size, kernel_size) */
	uint64_t entry; /* startup_64: kernel_gpa + 0x200 */
	uint64_t initrd_gpa; /* 0 without an initrd */
	uint64_t initrd_size;
};

/*
 * bzimage__place - lay out the kernel of @bz, an initrd of @initrd_size
 * bytes (0: none) and a command line of @cmdline_len bytes (NUL excluded) in
 * RAM [0, @low_end) below 4 GiB. The kernel goes at pref_address, aligned
 * up to kernel_alignment when relocatable; it needs init_size bytes there.
 * The initrd goes page aligned at the top of RAM below initrd_addr_max, above
 * the kernel. Returns 0, -EFBIG when the kernel or the initrd does not fit,
 * -EINVAL when the command line is longer than cmdline_size (or than
 * LINUX_CMDLINE_MAX), -ENOEXEC for a non-relocatable kernel that wants to
 * go below 1 MiB, with a one-line reason in @why.
 */
int bzimage__place(const struct bzimage *bz, uint64_t low_end,
		   uint64_t initrd_size, size_t cmdline_len,
		   struct linux_layout *out, char *why, size_t why_len);

/*
 * bzimage__e820 - the e820 map of a guest with @mem_size bytes of RAM laid
 * out as above: RAM below the EBDA, the EBDA and [LINUX_ACPI_BASE, 1 MiB)
 * reserved, RAM from 1 MiB to min(mem, 3 GiB) and the rest from 4 GiB.
 * Writes at most @max entries to @e; returns how many, or -ENOSPC.
 */
int bzimage__e820(uint64_t mem_size, struct boot_e820_entry *e,
		  unsigned int max);

/*
 * bzimage__zero_page - fill @bp (zeroed first) for @bz placed per @l: the
 * image's setup header, loader type, command line and initrd pointers, the
 * e820 map of @mem_size and the ACPI RSDP address @rsdp (0: none).
 * 0 or -ENOSPC.
 */
int bzimage__zero_page(const struct bzimage *bz, const struct linux_layout *l,
		       uint64_t mem_size, uint64_t cmdline_gpa, uint64_t rsdp,
		       struct boot_params *bp);

#endif /* ZAPVM_BZIMAGE_H */
