/* SPDX-License-Identifier: GPL-2.0-only */
/* Guest image loading (ELF64 with libelf) and the boot FDT (libfdt). */
#ifndef ZAPVM_LOADER_H
#define ZAPVM_LOADER_H

#include <stddef.h>
#include <stdint.h>

struct elf_image {
	uint64_t entry;
	uint64_t lowest; /* lowest GPA of a PT_LOAD segment */
	uint64_t end; /* first GPA after the highest segment */
	unsigned int nsegs;
};

/*
 * elf__load - check the ELF64 x86-64 executable in @img (@size bytes) and
 * copy its PT_LOAD segments (p_paddr as GPA, bss zeroed) into @ram, which
 * backs GPAs [0, @ram_size). Segments must lie in [@min_gpa, @ram_size),
 * not overlap, have p_filesz <= p_memsz and file data inside @img; the entry
 * must lie in an executable segment. @name is used in messages. Returns 0,
 * or -ENOEXEC for a malformed or unsuitable image and -EFBIG for segments
 * outside RAM, after logging one line.
 */
int elf__load(const char *name, const void *img, size_t size, void *ram,
	      uint64_t ram_size, uint64_t min_gpa, struct elf_image *out);

struct boot_rom {
	uint64_t gpa, size;
	unsigned int index;
	int mapped;
};

struct boot_desc {
	uint64_t ram_size;
	unsigned int ncpus;
	const struct boot_rom *roms;
	unsigned int nroms;
	const char *args; /* may be NULL */
	uint64_t guest_base;
	uint64_t gpa_top;
	uint64_t pci_base, pci_size; /* PCI MMIO window; size 0: none */
};

/*
 * fdt__build - write the boot FDT of guest_abi.h describing @d into @buf
 * (@size bytes). 0, or -ENOSPC if it does not fit, -EINVAL otherwise.
 */
int fdt__build(void *buf, size_t size, const struct boot_desc *d);

#endif /* ZAPVM_LOADER_H */
