/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The zapvm guest ABI, shared by the VMM and the freestanding test guests.
 *
 * Boot: the VMM puts every vCPU in 64-bit long mode at CPL3 with IOPL=3 and
 * jumps to the ELF entry point with
 *	%rdi = guest-physical address of the boot FDT (see below),
 *	%rsi = vCPU index (0 .. ncpus-1),
 *	%rsp = top of a ZAPVM_STACK_SIZE stack of that vCPU (16-byte aligned),
 *	%fs.base = a per-vCPU ZAPVM_TLS_SIZE area whose word at +0x28 holds a
 *	           stack-protector canary, so code built with
 *	           -fstack-protector (the distribution's libfdt.a) works.
 * Guest RAM, ROM regions and the boot area are identity mapped (virtual ==
 * guest-physical) with 2 MiB user pages; SSE is enabled. There is no IDT:
 * any exception ends in a triple fault, which the VMM reports as a crash.
 *
 * Guests talk to the VMM with a "ucall": a 32-bit OUT of the guest-physical
 * address of a struct zapvm_ucall to ZAPVM_UCALL_PORT. The VMM handles the
 * call before the vCPU resumes and writes its answer into ->ret.
 */
#ifndef ZAPVM_GUEST_ABI_H
#define ZAPVM_GUEST_ABI_H

#ifdef __ZAPVM_GUEST__
typedef unsigned char zu8;
typedef unsigned int zu32;
typedef unsigned long long zu64;
typedef long long zs64;
#else
#include <stdint.h>
typedef uint8_t zu8;
typedef uint32_t zu32;
typedef uint64_t zu64;
typedef int64_t zs64;
#endif

#define ZAPVM_ABI_VERSION 1

/* I/O ports reserved by the ABI. */
#define ZAPVM_UCALL_PORT 0x5a00 /* outl: GPA of a struct zapvm_ucall */
#define ZAPVM_BOOT_DONE_PORT 0x5a08 /* outb any value: "boot done" mark */
#define ZAPVM_NULL_PORT \
	0x5a10 /* 1-4 bytes: writes ignored, reads 0 (benchmarks) */

/* Fixed layout of the boot area at the bottom of guest RAM. */
#define ZAPVM_BOOT_GDT 0x1000ULL
#define ZAPVM_BOOT_PML4 0x2000ULL
#define ZAPVM_BOOT_PDPT 0x3000ULL
#define ZAPVM_BOOT_PD 0x4000ULL /* one 4 KiB page directory per GiB */
#define ZAPVM_BOOT_MAX_GIB 64ULL /* GPA space the page tables map */
#define ZAPVM_BOOT_FDT 0x50000ULL
#define ZAPVM_BOOT_FDT_MAX 0x10000ULL
#define ZAPVM_BOOT_TLS 0x60000ULL /* ZAPVM_TLS_SIZE per vCPU */
#define ZAPVM_TLS_SIZE 0x100ULL
#define ZAPVM_BOOT_STACKS 0x70000ULL /* stacks grow down from here + ... */
#define ZAPVM_STACK_SIZE 0x2000ULL
#define ZAPVM_MAX_CPUS 32U /* (0x100000 - 0x70000) / ZAPVM_STACK_SIZE */
#define ZAPVM_BOOT_END 0x100000ULL /* guest ELF segments start here */

/* Stack top of vCPU @cpu (the stack occupies [top - ZAPVM_STACK_SIZE, top)). */
#define ZAPVM_STACK_TOP(cpu) \
	(ZAPVM_BOOT_STACKS + ((zu64)(cpu) + 1) * ZAPVM_STACK_SIZE)

enum zapvm_ucall_cmd {
	/* args[0] = GPA of text, args[1] = length (<= ZAPVM_PRINT_MAX) */
	ZAPVM_UCALL_PRINT = 1,
	/* args[0] = GPA of a NUL-free phase name, args[1] = its length */
	ZAPVM_UCALL_PHASE = 2,
	/*
	 * A failed guest assertion: args[0]/[1] = GPA/length of the file name,
	 * args[2]/[3] = GPA/length of the expression text, args[4] = line,
	 * args[5] and args[6] = two values worth printing. The VMM prints
	 * "file:line: expr (a, b)" and exits with status 100.
	 */
	ZAPVM_UCALL_ASSERT = 3,
	/* args[0] = exit status (0-63); the vCPU stops; the VM ends once every
	 * vCPU is done, with the highest status any vCPU reported. */
	ZAPVM_UCALL_DONE = 4,
	/* args[0] = ROM region index: delete its read-only memslot. */
	ZAPVM_UCALL_ROM_UNMAP = 5,
	/* args[0] = ROM region index: re-add it at its current GPA. */
	ZAPVM_UCALL_ROM_MAP = 6,
	/*
	 * args[0] = ROM region index, args[1] = new GPA (4 KiB aligned, below
	 * /chosen zapvm,gpa-top, overlapping no other region; -EINVAL or
	 * -EEXIST otherwise): move the slot.
	 */
	ZAPVM_UCALL_ROM_MOVE = 7,
	/* ret = host CLOCK_MONOTONIC in nanoseconds. */
	ZAPVM_UCALL_CLOCK = 8,
};

#define ZAPVM_UCALL_NARGS 7
#define ZAPVM_PRINT_MAX 4096U
#define ZAPVM_NAME_MAX 64U

struct zapvm_ucall {
	zu32 cmd; /* enum zapvm_ucall_cmd */
	zu32 pad;
	zu64 args[ZAPVM_UCALL_NARGS];
	zs64 ret; /* written by the VMM: >= 0 or -errno */
};

/*
 * The boot FDT ("/" has #address-cells = #size-cells = 2):
 *   /compatible = "zapvm,guest-v1"
 *   /memory@0          reg = <RAM base, RAM size>   (base is 0)
 *   /cpus              #cpus = <u32>
 *   /rom@GPA           one per ROM region: reg = <GPA, size>,
 *                      zapvm,index = <u32>, zapvm,mapped = <u32 0|1>,
 *                      read-only (empty)
 *   /chosen            zapvm,args = "key=value key=value ..." from
 *                      `zapvm run --args`; zapvm,guest-base = <u64> first
 *                      free GPA after the guest image (page aligned);
 *                      zapvm,gpa-top = <u64> end of the identity-mapped
 *                      GPA space (a GiB multiple, at least 4 GiB);
 *                      zapvm,pci-window = <u64 base, u64 size> the PCI
 *                      MMIO window (BARs there decode; see pci.h), absent
 *                      without a PCI bus (`zapvm run --pci`: by default
 *                      only with a PCI device; conf1 accesses then crash
 *                      the guest) or when RAM leaves no room below 4 GiB
 */
/* Byte @i of a ROM given as "pattern:SIZE" on the command line. */
#define ZAPVM_ROM_PATTERN(i) ((zu8)(((i)*31 + 7) & 0xff))

#define ZAPVM_FDT_COMPATIBLE "zapvm,guest-v1"

/* PCI ids of the option-ROM device (`zapvm run --pci-rom`, devices.h). */
#define ZAPVM_OPTROM_VENDOR 0x1b36
#define ZAPVM_OPTROM_DEVICE 0x5a50

/*
 * The progress guest's control block, at /chosen zapvm,guest-base (the VM
 * hooks of src/core/zapper.c read and write it through the host mapping while
 * the vCPU runs). In round r = 1, 2, ... the guest touches its pages, sets
 * ready = r, then increments counter until go >= r; it returns once
 * stop != 0 or after its last round.
 */
struct zapvm_progress {
	zu64 counter; /* written by the guest */
	zu64 ready; /* written by the guest: the round whose touch is done */
	zu64 go; /* written by the VMM: the round whose zap is done */
	zu64 stop; /* written by the VMM: return now */
	/*
	 * The guest's own view of a stall, in TSC ticks: the longest time
	 * between two increments of counter since the guest saw gap_epoch
	 * change (the increment that saw it counts in the new epoch), and
	 * which epoch that is. The guest writes max_gap before gap_seen.
	 */
	zu64 gap_epoch; /* written by the VMM */
	zu64 gap_seen; /* written by the guest */
	zu64 max_gap; /* written by the guest */
};

#endif /* ZAPVM_GUEST_ABI_H */
