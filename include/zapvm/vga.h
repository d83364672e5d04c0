/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * --vga std (src/devices/vga.c): a std-VGA-like PCI device, 1234:1111
 * class 0x0300, with QEMU's std VGA's BARs: BAR 0 16 MiB of VRAM
 * (prefetchable, host RAM, a memslot whenever it decodes: rambar.h) and
 * BAR 2 4 KiB of registers (read as zero, writes dropped). No ROM BAR (no
 * VGA BIOS: SeaBIOS prints to the serial port). The legacy window
 * 0xA0000-0xBFFFF behaves as QEMU's in what the memslots see: the
 * sequencer and graphics-controller registers (ports 0x3c4/0x3c5 and
 * 0x3ce/0x3cf) are kept, and after every data write to either the VRAM is
 * unmapped from the window and mapped again where chain-4 mode puts it,
 * as QEMU's vga_update_memory_access() does with its "vga.chain4" alias
 * (changes "legacy-window-vga.chain4-map"/"-unmap"). Outside chain-4 the
 * window is MMIO that reads all ones and drops writes: planar VGA
 * memory, text mode and the other VGA registers are not emulated.
 */
#ifndef ZAPVM_VGA_H
#define ZAPVM_VGA_H

#include <stdbool.h>
#include <stdint.h>

#define VGA_VENDOR 0x1234
#define VGA_DEVICE 0x1111
#define VGA_VRAM_SIZE (16ULL << 20)
#define VGA_MMIO_SIZE 4096
#define VGA_WINDOW 0xa0000ULL
#define VGA_WINDOW_SIZE 0x20000ULL
#define VGA_SEQ_MAP_MASK 0x02 /* SR02: plane write enable */
#define VGA_SEQ_MEMORY_MODE 0x04 /* SR04: bit 3 chain-4 */
#define VGA_GFX_MISC 0x06 /* GR06: bits 3:2 memory map select */

/*
 * vga__chain4 - where QEMU maps VRAM into the legacy window for sequencer
 * registers @sr02, @sr04 and graphics register @gr06: true with *@base and
 * *@size (VRAM offset 0) when all four planes are write-enabled and
 * chain-4 is on, by GR06's memory map (0xA0000 128 KiB, 0xA0000 64 KiB,
 * 0xB0000 32 KiB, 0xB8000 32 KiB); false otherwise. Pure.
 */
bool vga__chain4(uint8_t sr02, uint8_t sr04, uint8_t gr06, uint64_t *base,
		 uint64_t *size);

/* vga__parse - --vga: "std" is true, "none" false; -EINVAL otherwise. */
int vga__parse(const char *s, bool *std);

#endif /* ZAPVM_VGA_H */
