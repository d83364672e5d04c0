// SPDX-License-Identifier: GPL-2.0-only
/*
 * pcirom: the option-ROM PCI device (`zapvm run --pci-rom SRC`) seen from
 * a guest. vCPU 0 enumerates bus 0 through conf1, sizes the device's ROM
 * BAR, enables it and compares the ROM byte for byte with
 * ZAPVM_ROM_PATTERN (len=N bytes of it, zeros after), disables it (by the
 * ROM BAR's enable bit and by the command register: reads then float
 * high), moves it while off and while on, and then does hostile things:
 * config writes at odd offsets and sizes to read-only registers, the ROM
 * BAR over guest RAM, outside the window and over ROM 0 (moved into the
 * window with rom_move()), and accesses to functions that do not exist.
 * Each step that changes the ROM's memslot is counted; the guest prints
 * "pcirom: N memslot changes" for the host-side test to compare with
 * zapvm's count.
 *
 * zapvm,args: len=N (the ROM BAR's size): pattern bytes at the ROM's start
 */
#include <libfdt.h>

#include "guest.h"
#include "pci.h"

#define ROM_BAR 6

static zu32 bdf;
static zu64 rom_size, win_base, win_size;
static unsigned int changes; /* memslot changes this guest caused */

static zu8 rd8(zu64 gpa)
{
	return *(const volatile zu8 *)gpa_ptr(gpa);
}

static void set_rom(zu32 val)
{
	pci_write32(bdf, PCI_ROM_ADDRESS, val);
	GUEST_ASSERT_EQ(pci_read32(bdf, PCI_ROM_ADDRESS), val);
}

static void set_cmd(zu32 cmd)
{
	pci_write16(bdf, PCI_COMMAND, cmd);
	GUEST_ASSERT_EQ(pci_read16(bdf, PCI_COMMAND), cmd);
}

/* The whole ROM at @gpa: @len pattern bytes, then zeros. */
static void check_rom(zu64 gpa, zu64 len)
{
	for (zu64 i = 0; i < rom_size; i++)
		GUEST_ASSERT_EQ(rd8(gpa + i),
				i < len ? ZAPVM_ROM_PATTERN(i) : 0);
}

/* Nothing decodes at @gpa (in the window): all ones, no ROM byte. */
static void check_gone(zu64 gpa)
{
	GUEST_ASSERT_EQ(*(const volatile zu32 *)gpa_ptr(gpa), 0xffffffff);
	GUEST_ASSERT_EQ(rd8(gpa + 1), 0xff);
	GUEST_ASSERT_EQ(rd8(gpa + rom_size - 1), 0xff);
}

static void window(const struct boot_info *bi)
{
	const fdt64_t *w;
	int node, len;

	node = fdt_path_offset(bi->fdt, "/chosen");
	GUEST_ASSERT(node >= 0);
	w = fdt_getprop(bi->fdt, node, "zapvm,pci-window", &len);
	GUEST_ASSERT_EQ(len, 16);
	win_base = fdt64_ld(&w[0]);
	win_size = fdt64_ld(&w[1]);
	GUEST_ASSERT(win_base >= bi->ram_size && win_size >= 2 * rom_size);
	GUEST_ASSERT(win_base + win_size <= 0x100000000ULL);
}

static void enumerate(void)
{
	unsigned int found = 0;
	long b;

	/* 00:00.0 is the host bridge, as Linux's conf1 check wants it. */
	GUEST_ASSERT_EQ(pci_read32(PCI_BDF(0, 0, 0), PCI_VENDOR_ID),
			0x12378086);
	GUEST_ASSERT_EQ(pci_read32(PCI_BDF(0, 0, 0), PCI_CLASS_REVISION) >> 8,
			0x060000);
	for (unsigned int dev = 0; dev < 32; dev++) {
		zu32 id = pci_read32(PCI_BDF(0, dev, 0), PCI_VENDOR_ID);

		if (id == 0xffffffff)
			continue;
		found++;
		/* Functions 1-7 of every device do not exist. */
		for (unsigned int fn = 1; fn < 8; fn++)
			GUEST_ASSERT_EQ(pci_read32(PCI_BDF(0, dev, fn), 0),
					0xffffffff);
	}
	b = pci_find(ZAPVM_OPTROM_VENDOR, ZAPVM_OPTROM_DEVICE, 0);
	GUEST_ASSERT(b >= 0); /* no option-ROM device: run with --pci-rom */
	GUEST_ASSERT_EQ(pci_find(ZAPVM_OPTROM_VENDOR, ZAPVM_OPTROM_DEVICE,
				 ((zu32)b >> 11) + 1),
			-1);
	bdf = (zu32)b;
	gprintf("pcirom: %u functions on bus 0, option ROM at 00:%02x.0\n",
		found, bdf >> 11);
	GUEST_ASSERT(found >= 2);

	/* Buses that do not exist read all ones, in every access size. */
	for (unsigned int bus = 1; bus < 256; bus += 37) {
		GUEST_ASSERT_EQ(pci_read32(PCI_BDF(bus, 0, 0), 0), 0xffffffff);
		GUEST_ASSERT_EQ(pci_read16(PCI_BDF(bus, 3, 0), 2), 0xffff);
		GUEST_ASSERT_EQ(pci_read8(PCI_BDF(bus, 31, 7), 0x3d), 0xff);
		pci_write32(PCI_BDF(bus, 0, 0), PCI_COMMAND, 0xffffffff);
	}
}

static void header(void)
{
	zu32 id = pci_read32(bdf, PCI_VENDOR_ID);

	GUEST_ASSERT_EQ(pci_read32(bdf, PCI_CLASS_REVISION) >> 8, 0xff0000);
	GUEST_ASSERT_EQ(pci_read8(bdf, PCI_HEADER_TYPE), 0);
	GUEST_ASSERT_EQ(pci_read16(bdf, PCI_COMMAND), 0);
	GUEST_ASSERT_EQ(pci_read8(bdf, PCI_INTERRUPT_PIN), 0);
	/* Every access size at every offset agrees with the dword. */
	for (unsigned int off = 0; off < 0x40; off++) {
		zu32 dw = pci_read32(bdf, off & ~3U) >> (8 * (off & 3));

		GUEST_ASSERT_EQ(pci_read8(bdf, off), dw & 0xff);
		if ((off & 3) <= 2)
			GUEST_ASSERT_EQ(pci_read16(bdf, off), dw & 0xffff);
	}
	/* No BARs: sizing them finds nothing. */
	for (unsigned int bar = 0; bar < 6; bar++)
		GUEST_ASSERT_EQ(pci_bar_size(bdf, bar), 0);
	rom_size = pci_bar_size(bdf, ROM_BAR);
	GUEST_ASSERT(rom_size >= 4096 && !(rom_size & (rom_size - 1)));
	GUEST_ASSERT_EQ(pci_read32(PCI_BDF(0, bdf >> 11, 0), PCI_VENDOR_ID),
			id);
}

/* Writes that must not change read-only registers, at odd offsets. */
static void hostile_writes(void)
{
	zu32 before[16];

	for (unsigned int i = 0; i < 16; i++)
		before[i] = pci_read32(bdf, 4 * i);
	pci_write16(bdf, PCI_VENDOR_ID, 0xdead);
	pci_write8(bdf, PCI_DEVICE_ID + 1, 0xbe);
	pci_write8(bdf, 0x0b, 0x01); /* class */
	pci_write16(bdf, 0x09, 0x1234); /* prog-if and subclass */
	pci_write8(bdf, PCI_HEADER_TYPE, 0x80);
	pci_write16(bdf, PCI_STATUS, 0xffff);
	pci_write8(bdf, PCI_STATUS + 1, 0xff);
	pci_write16(bdf, PCI_INTERRUPT_PIN, 0xffff); /* 0x3d-0x3e */
	pci_write8(bdf, PCI_CAPABILITY_LIST, 0x40);
	pci_write32(bdf, PCI_SUBSYSTEM_VENDOR_ID, 0);
	for (unsigned int bar = 0; bar < 6; bar++) {
		pci_write8(bdf, PCI_BAR(bar) + 1, 0xff);
		pci_write16(bdf, PCI_BAR(bar) + 2, 0xffff);
	}
	for (unsigned int i = 0; i < 16; i++) {
		zu32 now = pci_read32(bdf, 4 * i);

		if (4 * i == PCI_INTERRUPT_LINE)
			continue; /* line is writable; pin is not */
		GUEST_ASSERT_EQ(now, before[i]);
	}
	GUEST_ASSERT_EQ(pci_read8(bdf, PCI_INTERRUPT_PIN), 0);
	/* Device-specific space: nothing there, nothing writable. */
	for (unsigned int off = 0x40; off < 0x100; off += 4) {
		pci_write32(bdf, off, 0xffffffff);
		pci_write8(bdf, off + 3, 0xff);
		GUEST_ASSERT_EQ(pci_read32(bdf, off), 0);
	}
	/* Only the writable command bits stick. */
	pci_write16(bdf, PCI_COMMAND, 0xffff);
	GUEST_ASSERT_EQ(pci_read16(bdf, PCI_COMMAND), 0x0547);
	pci_write8(bdf, PCI_COMMAND, 0);
	pci_write8(bdf, PCI_COMMAND + 1, 0);
	GUEST_ASSERT_EQ(pci_read16(bdf, PCI_COMMAND), 0);
}

/* Place the ROM BAR where it must not decode; the old ROM stays away. */
static void refused(zu64 gpa, zu64 check_gpa)
{
	zu32 val = (zu32)gpa | PCI_ROM_ADDRESS_ENABLE;

	set_rom(val);
	if (check_gpa)
		check_gone(check_gpa);
}

static void rom0_overlap(struct boot_info *bi, zu64 at, zu64 home, zu64 len)
{
	struct guest_rom *r0 = boot_info__rom(bi, 0);
	zu64 old = r0->gpa;
	zu8 first = rd8(old);

	/* ROM 0 (a --rom region) into the window, mapped: a slot move. */
	GUEST_ASSERT_EQ(rom_move(0, at), 0);
	changes++;
	GUEST_ASSERT_EQ(rd8(at), first);
	/* The option ROM over it: its memslot cannot go there. */
	set_rom((zu32)at | PCI_ROM_ADDRESS_ENABLE);
	changes++; /* it was mapped at home: unmapped now */
	GUEST_ASSERT_EQ(rd8(at), first);
	GUEST_ASSERT_EQ(rd8(at + 1), ZAPVM_ROM_PATTERN(1));
	check_gone(home);
	GUEST_ASSERT_EQ(rom_move(0, old), 0);
	changes++;
	/* Back home: mapped again. */
	set_rom((zu32)home | PCI_ROM_ADDRESS_ENABLE);
	changes++;
	check_rom(home, len);
}

int guest_main(const void *fdt, unsigned int cpu)
{
	struct boot_info bi;
	zu64 len, home, away, ram;
	volatile zu8 *marker;

	if (cpu != 0)
		return 0;
	boot_info__parse(&bi, fdt, cpu);
	args_check(&bi, "len");

	zapvm_phase("enumerate");
	enumerate();
	header();
	window(&bi);
	len = arg_u64(&bi, "len", rom_size);
	GUEST_ASSERT(len <= rom_size);
	home = pci_bar_addr(bdf, ROM_BAR);
	GUEST_ASSERT(home >= win_base &&
		     home + rom_size <= win_base + win_size);
	GUEST_ASSERT_EQ(home & (rom_size - 1), 0);
	GUEST_ASSERT_EQ(pci_read32(bdf, PCI_ROM_ADDRESS) & 1, 0);
	gprintf("pcirom: %llu-byte ROM BAR at 0x%llx, window [0x%llx, +0x%llx)\n",
		rom_size, home, win_base, win_size);
	hostile_writes();
	/* Decoding off: nothing at the ROM's address. */
	check_gone(home);

	zapvm_phase("enable");
	set_rom((zu32)home | PCI_ROM_ADDRESS_ENABLE);
	check_gone(home); /* the ROM BAR alone does not decode */
	set_cmd(PCI_COMMAND_MEMORY);
	changes++;
	check_rom(home, len);
	/* A write to the ROM is dropped. */
	*(volatile zu8 *)gpa_ptr(home) = 0;
	GUEST_ASSERT_EQ(rd8(home), ZAPVM_ROM_PATTERN(0));

	zapvm_phase("disable");
	set_rom((zu32)home);
	changes++;
	check_gone(home);
	set_rom((zu32)home | PCI_ROM_ADDRESS_ENABLE);
	changes++;
	check_rom(home, len);
	set_cmd(0); /* memory decoding off turns the ROM off too */
	changes++;
	check_gone(home);

	zapvm_phase("move");
	away = win_base + win_size - rom_size;
	/* Moved while off, a byte at a time: no memslot change. */
	pci_write8(bdf, PCI_ROM_ADDRESS + 3, (zu32)(away >> 24));
	pci_write8(bdf, PCI_ROM_ADDRESS + 2, (zu32)(away >> 16));
	pci_write8(bdf, PCI_ROM_ADDRESS + 1, (zu32)(away >> 8));
	GUEST_ASSERT_EQ(pci_read32(bdf, PCI_ROM_ADDRESS),
			(zu32)away | PCI_ROM_ADDRESS_ENABLE);
	set_cmd(PCI_COMMAND_MEMORY);
	changes++;
	check_rom(away, len);
	check_gone(home);
	/* Moved while on: one slot move. */
	set_rom((zu32)home | PCI_ROM_ADDRESS_ENABLE);
	changes++;
	check_rom(home, len);
	check_gone(away);

	zapvm_phase("hostile");
	/* Over guest RAM: refused, RAM stays RAM. */
	ram = align_up(bi.guest_base, rom_size);
	GUEST_ASSERT(boot_info__fits(&bi, ram, rom_size));
	marker = gpa_ptr(ram);
	*marker = 0xa5;
	refused(ram, home);
	changes++; /* unmapped from home */
	GUEST_ASSERT_EQ(*marker, 0xa5);
	*marker = 0x5a;
	GUEST_ASSERT_EQ(*marker, 0x5a);
	/* Outside the window, below and above it, and at the top. */
	if (win_base >= rom_size + bi.ram_size)
		refused(win_base - rom_size, home);
	refused(win_base + win_size, home);
	refused(0xfffff800 & ~(rom_size - 1), home);
	/* Sizing while on: the all-ones address is refused, then restored. */
	set_rom((zu32)home | PCI_ROM_ADDRESS_ENABLE);
	changes++;
	GUEST_ASSERT_EQ(pci_bar_size(bdf, ROM_BAR), rom_size);
	changes += 2; /* off during sizing, on again after the restore */
	check_rom(home, len);
	if (bi.nr_roms && boot_info__rom(&bi, 0)->mapped &&
	    boot_info__rom(&bi, 0)->size <= rom_size)
		rom0_overlap(&bi, away, home, len);

	zapvm_phase("done");
	set_rom((zu32)home);
	changes++;
	check_gone(home);
	gprintf("pcirom: %u memslot changes\n", changes);
	return 0;
}
