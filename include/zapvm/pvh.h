/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Linux through the PVH entry point: a vmlinux ELF whose
 * XEN_ELFNOTE_PHYS32_ENTRY note names a 32-bit entry, entered in protected
 * mode with paging off and %ebx pointing at a struct hvm_start_info (Xen's
 * include/xen/interface/hvm/start_info.h, Linux's arch/x86/platform/pvh/).
 * Pure functions on buffers (libelf, no KVM) so that unit tests and the
 * fuzzer drive them; src/boot/linux-pvh.c puts the result into the guest.
 */
#ifndef ZAPVM_PVH_H
#define ZAPVM_PVH_H

#include <stddef.h>
#include <stdint.h>

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define XEN_HVM_START_MAGIC_VALUE 0x336ec578
#define PVH_START_INFO_VERSION 1 /* version 1 has the memory map */
#define PVH_MAX_SEGS 32 /* PT_LOAD segments; a vmlinux has about 5 */
#define PVH_MAX_MEMMAP 16

/* Start-of-day structures, laid out as start_info.h documents them. */
struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr; /* version 1 */
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type; /* the e820 types */
	uint32_t reserved;
};

struct pvh_segment {
	uint64_t paddr, memsz, filesz;
	const uint8_t *data; /* filesz bytes in the caller's buffer */
};

/* A parsed vmlinux: PT_LOAD segments sorted by p_paddr, the PVH entry. */
struct pvh_image {
	uint32_t entry; /* XEN_ELFNOTE_PHYS32_ENTRY: a physical address */
	unsigned int nsegs;
	struct pvh_segment seg[PVH_MAX_SEGS];
	uint64_t start, end; /* lowest p_paddr, end of the highest segment */
};

/*
 * pvh__parse - check the ELF in @img (@size bytes) with libelf and fill
 * @out. Accepts ELF32 or ELF64, x86 (EM_386 or EM_X86_64), ET_EXEC. The
 * entry comes from a XEN_ELFNOTE_PHYS32_ENTRY note ("Xen", 4- or 8-byte
 * descriptor, below 4 GiB) in a PT_NOTE segment and must lie in an
 * executable PT_LOAD segment. Segments must have p_filesz <= p_memsz, file
 * data inside @img, no overlap and no wrap. Returns 0 or -ENOEXEC with a
 * one-line reason in @why (@why_len bytes).
 */
int pvh__parse(const void *img, size_t size, struct pvh_image *out, char *why,
	       size_t why_len);

/* Where things go, decided by pvh__place(). */
struct pvh_layout {
	uint64_t info_gpa; /* hvm_start_info, then modlist and memmap */
	uint64_t cmdline_gpa;
	uint64_t initrd_gpa; /* 0 without an initrd */
	uint64_t initrd_size;
};

/*
 * pvh__place - check that the segments of @img lie in RAM [1 MiB, @low_end)
 * and lay out an initrd of @initrd_size bytes (0: none): page aligned at
 * the top of that RAM, above the kernel. The start info goes at
 * @info_gpa, the command line of @cmdline_len bytes (NUL excluded, below
 * @cmdline_max) at @cmdline_gpa: both below 1 MiB, chosen by the caller.
 * Returns 0, -EFBIG when a segment or the initrd does not fit, -EINVAL for
 * a command line of @cmdline_max bytes or more, with a reason in @why.
 */
int pvh__place(const struct pvh_image *img, uint64_t low_end,
	       uint64_t initrd_size, size_t cmdline_len, size_t cmdline_max,
	       uint64_t info_gpa, uint64_t cmdline_gpa, struct pvh_layout *out,
	       char *why, size_t why_len);

/*
 * pvh__start_info - write, into @buf (@len bytes, to be copied to guest
 * @l->info_gpa), the hvm_start_info (version 1, the magic, command line,
 * @rsdp), the module list (the initrd, if any) and the memory map of a
 * guest with @mem_size bytes of RAM (bzimage__e820()). Returns the bytes
 * used, or -ENOSPC.
 */
int pvh__start_info(const struct pvh_layout *l, uint64_t mem_size,
		    uint64_t rsdp, void *buf, size_t len);

#endif /* ZAPVM_PVH_H */
