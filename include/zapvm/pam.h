/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The i440FX PAM registers (src/devices/pam.c): bytes 0x59-0x5f of the host
 * bridge's config space decide what each piece of 0xC0000-0xFFFFF is, as
 * QEMU's hw/pci-host/pam.c does: segment 0 is 0xF0000-0xFFFFF (bits 5:4 of
 * 0x59), segments 1-12 the 16 KiB pieces 0xC0000-0xEFFFF (low nibble of
 * 0x5a, high nibble of 0x5a, low of 0x5b...). A 2-bit field 0 reaches the
 * PCI bus (there: the 128 KiB "pc.rom" at 0xC0000-0xDFFFF and the last
 * 128 KiB of the BIOS at 0xE0000-0xFFFFF, both read-only), 1 reads RAM
 * read-only, 2 and 3 are RAM (QEMU 7.2 maps write-only as RAM too). Each
 * layout is a list of memslots; a PAM write swaps the slots that differ.
 */
#ifndef ZAPVM_PAM_H
#define ZAPVM_PAM_H

#include <stdbool.h>
#include <stdint.h>

#define PAM_FIRST_REG 0x59
#define PAM_NREGS 7
#define PAM_NSEGS 13
#define PAM_AREA_START 0xc0000ULL
#define PAM_AREA_END 0x100000ULL
#define PAM_PCROM_SIZE 0x20000ULL /* 0xC0000-0xDFFFF */
#define PAM_ISA_BIOS_SIZE 0x20000ULL /* 0xE0000-0xFFFFF */
/* Slots a layout of [0xC0000, low RAM end) may need: every piece apart. */
#define PAM_MAX_SLOTS (PAM_NSEGS + 1)

enum pam_mode { PAM_PCI = 0, PAM_RO = 1, PAM_WO = 2, PAM_RW = 3 };

/* --slot-layout: RAM merged across 0xC0000 (QEMU) or the area apart. */
enum slot_layout { SLOT_LAYOUT_QEMU, SLOT_LAYOUT_SPLIT };

/* What backs a slot: guest RAM, the pc.rom buffer, or the BIOS image. */
enum pam_backing { PAM_BACK_RAM, PAM_BACK_PCROM, PAM_BACK_BIOS };

struct pam_slot {
	uint64_t gpa, size;
	enum pam_backing back;
	uint64_t off; /* into the backing: RAM offset, pc.rom or BIOS offset */
	bool ro; /* KVM_MEM_READONLY */
};

/* pam__mode - the 2-bit field of segment @seg (0-12) in @regs (0x59-0x5f). */
enum pam_mode pam__mode(const uint8_t regs[PAM_NREGS], unsigned int seg);

/* pam__seg_base/size - where segment @seg (0-12) lies. */
uint64_t pam__seg_base(unsigned int seg);
uint64_t pam__seg_size(unsigned int seg);

/*
 * pam__layout - the memslots of [0xC0000, @low_end) for PAM state @regs:
 * the 13 segments and the RAM from 1 MiB to @low_end (> 1 MiB), adjacent
 * pieces with the same backing, contiguous offsets and flags merged into
 * one slot; with SLOT_LAYOUT_SPLIT never across 1 MiB. @bios_size is the
 * BIOS image's size (the last 128 KiB shows at 0xE0000). Fills @out (at
 * least PAM_MAX_SLOTS entries) in address order; returns the count. Pure.
 */
unsigned int pam__layout(const uint8_t regs[PAM_NREGS], uint64_t low_end,
			 uint64_t bios_size, enum slot_layout layout,
			 struct pam_slot *out);

/* slot_layout__parse - "qemu" or "split"; -EINVAL otherwise. */
int slot_layout__parse(const char *s, enum slot_layout *out);
const char *slot_layout__name(enum slot_layout l);

#endif /* ZAPVM_PAM_H */
