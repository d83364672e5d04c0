// SPDX-License-Identifier: GPL-2.0-only
/*
 * The CMOS bytes a PC BIOS reads at POST, laid out as QEMU's pc_cmos_init()
 * does; the RTC (src/devices/rtc.c) serves them for a firmware VM.
 */
#include <string.h>

#include "zapvm/firmware.h"

#define KIB 1024ULL
#define MIB (1ULL << 20)

static void put16(uint8_t ram[128], unsigned int lo, uint64_t v)
{
	if (v > 0xffff)
		v = 0xffff;
	ram[lo] = (uint8_t)v;
	ram[lo + 1] = (uint8_t)(v >> 8);
}

void firmware__cmos(uint8_t ram[128], uint64_t low_end, uint64_t high_size,
		    unsigned int ncpus)
{
	uint64_t ext = low_end > MIB ? (low_end - MIB) / KIB : 0;
	uint64_t above16 = low_end > 16 * MIB ? (low_end - 16 * MIB) >> 16 : 0;
	uint64_t above4g = high_size >> 16;

	put16(ram, 0x15, 640); /* base memory, KiB */
	put16(ram, 0x17, ext); /* extended memory, KiB (capped) */
	put16(ram, 0x30, ext);
	put16(ram, 0x34, above16); /* above 16 MiB, 64 KiB units */
	ram[0x5b] = (uint8_t)above4g; /* above 4 GiB, 64 KiB units */
	ram[0x5c] = (uint8_t)(above4g >> 8);
	ram[0x5d] = (uint8_t)(above4g >> 16);
	ram[0x5f] = (uint8_t)(ncpus ? ncpus - 1 : 0);
	ram[0x10] = 0; /* no floppy */
	ram[0x14] = 0x06; /* FPU, 80x25 colour (no floppy) */
	/* Boot order "cad" as QEMU's default: disk, floppy, CD; no fd check. */
	ram[0x3d] = 0x12;
	ram[0x38] = 0x31;
	ram[0x32] = 0x20; /* century, BCD; rtc.c answers from the clock */
}
