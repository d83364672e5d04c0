/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Linux through its real-mode entry, as kvmtool boots it: the bzImage's
 * boot sector and setup code at LINUX_REAL_BASE, the protected-mode kernel
 * where bzimage__place() puts it, and the boot vCPU started in real mode at
 * LINUX_REAL_SEG + 0x20 : 0 (Documentation/x86/boot.rst, "Running the
 * kernel"). The setup code asks the BIOS for the memory map and a few other
 * things; zapvm's BIOS (src/boot/bios.S) answers from the IVT, BDA and handlers
 * realmode__bios() writes below 1 MiB. Pure functions on buffers: no KVM.
 *
 * The BIOS services (everything else returns with CF set or unchanged):
 *	int 0x10  AH=0x0e teletype to COM1; AH=0x0f text mode 3, 80 columns;
 *		  AH=0x03 cursor at 0,0; others return unchanged (no EGA/VGA,
 *		  no VESA)
 *	int 0x13  everything fails: CF=1, AH=0x01 (no disks, no EDD)
 *	int 0x15  AX=0xe820 the e820 map; AX=0xe801 and AH=0x88 memory sizes;
 *		  AX=0x2401/0x2402/0x2403 A20 (always on); AX=0xec00 accepted;
 *		  others CF=1, AH=0x86 (no APM, no IST)
 *	int 0x16  AH=0x01/0x11 no key (ZF=1); AH=0x02/0x12 no shift keys;
 *		  AH=0x00/0x10 return AX=0 at once
 *	int 0x1a  AH=0x00 tick count 0; others CF=1
 *	others	  iret
 */
#ifndef ZAPVM_REALMODE_H
#define ZAPVM_REALMODE_H

#include <stddef.h>
#include <stdint.h>

#include "zapvm/bzimage.h"

#define LINUX_REAL_SEG 0x1000 /* setup segment: the boot sector at 0x10000 */
#define LINUX_REAL_BASE 0x10000ULL
#define LINUX_REAL_HEAP_END 0xe000 /* %sp; the heap ends 0x200 below */
#define LINUX_BIOS_BASE 0xff000ULL /* handlers and data, segment 0xff00 */
#define LINUX_BIOS_SIZE 0x1000ULL
#define LINUX_BIOS_EBDA_SEG 0x9fc0 /* LINUX_EBDA >> 4, in the BDA */
#define BIOS_E820_MAX 32
#define VIDEO_CURRENT_MODE 0x0f04 /* vid_mode: keep the mode, no probing */

/* The start of src/boot/bios.S: handler offsets, then data zapvm fills. */
struct bios_header {
	char magic[4]; /* "ZBIO" */
	uint16_t off_default, off_int10, off_int13, off_int15, off_int16,
		off_int1a;
	uint16_t e820_count;
	uint16_t ext_mem_k; /* int 0x15 AH=0x88: KiB above 1 MiB, <= 0xfc00 */
	uint16_t e801_low_k; /* AX=0xe801: KiB in [1 MiB, 16 MiB) */
	uint16_t e801_high_64k; /* AX=0xe801: 64 KiB blocks above 16 MiB */
	struct boot_e820_entry e820[BIOS_E820_MAX];
} __attribute__((packed));

extern const uint8_t zapvm_bios_start[], zapvm_bios_end[];

/*
 * realmode__bios - write the real-mode IVT (all 256 vectors), the BIOS
 * data area (EBDA segment, base memory, an 80x25 text screen) and the BIOS
 * with the e820 map of a guest with @mem_size bytes of RAM into @low, the
 * host view of guest [0, @low_len), which must reach 1 MiB. 0, -EINVAL
 * when @low is too short, -ENOSPC when the map or BIOS does not fit.
 */
int realmode__bios(uint8_t *low, size_t low_len, uint64_t mem_size);

/*
 * realmode__setup_header - fill the loader's fields of the setup header in
 * @setup, the guest copy of the boot sector and setup code of @bz (at
 * LINUX_REAL_BASE, bz->setup_size bytes): type_of_loader 0xff, loadflags
 * with CAN_USE_HEAP, heap_end_ptr, cmd_line_ptr @cmdline_gpa, the initrd
 * and code32_start of @l, vid_mode VIDEO_CURRENT_MODE, no setup_data.
 * 0, or -EINVAL when an address of @l does not fit the 32-bit fields.
 */
int realmode__setup_header(const struct bzimage *bz,
			   const struct linux_layout *l, uint64_t cmdline_gpa,
			   uint8_t *setup);

#endif /* ZAPVM_REALMODE_H */
