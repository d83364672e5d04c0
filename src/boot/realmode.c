// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the real-mode path writes below 1 MiB: the IVT, the BIOS data area,
 * the BIOS of src/boot/bios.S with its e820 table, and the loader's fields of
 * the setup header (boot.rst, "Details of header fields").
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "zapvm/realmode.h"

#define HDR(field) offsetof(struct boot_params, hdr.field)
#define BIOS_SEG (LINUX_BIOS_BASE >> 4)
#define KIB 1024ULL
#define MIB (1024ULL * KIB)

static void wr(uint8_t *p, size_t off, uint64_t v, unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; i++)
		p[off + i] = (uint8_t)(v >> (8 * i));
}

int realmode__bios(uint8_t *low, size_t low_len, uint64_t mem_size)
{
	size_t bios_len = (size_t)(zapvm_bios_end - zapvm_bios_start);
	struct bios_header h;
	uint64_t above1m, above16m;
	int n;

	if (low_len < LINUX_HIMEM)
		return -EINVAL;
	if (bios_len < sizeof(h) || bios_len > LINUX_BIOS_SIZE)
		return -ENOSPC;
	memcpy(&h, zapvm_bios_start, sizeof(h));
	if (memcmp(h.magic, "ZBIO", 4))
		return -EINVAL;
	n = bzimage__e820(mem_size, h.e820, BIOS_E820_MAX);
	if (n < 0)
		return n;
	h.e820_count = (uint16_t)n;
	/* The RAM contiguous from 1 MiB: below the 3 GiB hole. */
	above1m = mem_size < LINUX_LOW_RAM_MAX ? mem_size : LINUX_LOW_RAM_MAX;
	above1m = above1m > LINUX_HIMEM ? above1m - LINUX_HIMEM : 0;
	h.ext_mem_k =
		(uint16_t)(above1m / KIB > 0xfc00 ? 0xfc00 : above1m / KIB);
	h.e801_low_k =
		(uint16_t)(above1m > 15 * MIB ? 15 * MIB / KIB : above1m / KIB);
	above16m = above1m > 15 * MIB ? (above1m - 15 * MIB) / (64 * KIB) : 0;
	h.e801_high_64k = (uint16_t)(above16m > 0xffff ? 0xffff : above16m);

	memcpy(low + LINUX_BIOS_BASE, zapvm_bios_start, bios_len);
	memcpy(low + LINUX_BIOS_BASE, &h, sizeof(h));
	for (unsigned int v = 0; v < 256; v++) {
		uint16_t off = h.off_default;

		switch (v) {
		case 0x10:
			off = h.off_int10;
			break;
		case 0x13:
			off = h.off_int13;
			break;
		case 0x15:
			off = h.off_int15;
			break;
		case 0x16:
			off = h.off_int16;
			break;
		case 0x1a:
			off = h.off_int1a;
			break;
		default:
			break;
		}
		wr(low, v * 4, off, 2);
		wr(low, v * 4 + 2, BIOS_SEG, 2);
	}
	/* The BIOS data area: what the setup code and Linux read. */
	memset(low + 0x400, 0, 0x100);
	wr(low, 0x40e, LINUX_BIOS_EBDA_SEG, 2); /* EBDA segment */
	wr(low, 0x413, LINUX_EBDA / KIB, 2); /* base memory, KiB */
	wr(low, 0x449, 3, 1); /* video mode */
	wr(low, 0x44a, 80, 2); /* columns */
	wr(low, 0x463, 0x3d4, 2); /* CRTC port */
	wr(low, 0x484, 24, 1); /* rows - 1 */
	wr(low, 0x485, 16, 2); /* character height */
	return 0;
}

int realmode__setup_header(const struct bzimage *bz,
			   const struct linux_layout *l, uint64_t cmdline_gpa,
			   uint8_t *setup)
{
	if (bz->setup_size < HDR(init_size) + 4 || l->kernel_gpa > UINT32_MAX ||
	    l->initrd_gpa > UINT32_MAX || l->initrd_size > UINT32_MAX ||
	    cmdline_gpa > UINT32_MAX)
		return -EINVAL;
	setup[HDR(type_of_loader)] = 0xff; /* undefined: not registered */
	setup[HDR(loadflags)] |= CAN_USE_HEAP;
	wr(setup, HDR(heap_end_ptr), LINUX_REAL_HEAP_END - 0x200, 2);
	wr(setup, HDR(vid_mode), VIDEO_CURRENT_MODE, 2);
	wr(setup, HDR(code32_start), l->kernel_gpa, 4);
	wr(setup, HDR(cmd_line_ptr), cmdline_gpa, 4);
	wr(setup, HDR(ramdisk_image), l->initrd_gpa, 4);
	wr(setup, HDR(ramdisk_size), l->initrd_size, 4);
	/* A pointer into memory we never wrote: the file cannot choose it. */
	wr(setup, HDR(setup_data), 0, 8);
	return 0;
}
