// SPDX-License-Identifier: GPL-2.0-only
/*
 * The BAR window logic (pci_bar__decode/store, pci_rom__decode/store), a
 * RAM BAR's bar_update() calls through decoding and sizing on a fake VM,
 * the VGA's chain-4 window, --vga and --shm values, and the firmware
 * report's causes (no /dev/kvm).
 */
#include <errno.h>
#include <string.h>

#include "tap.h"
#include "zapvm/devices.h"
#include "zapvm/fwreport.h"
#include "zapvm/log.h"
#include "zapvm/pci.h"
#include "zapvm/vga.h"
#include "zapvm/vmcore.h"

#define WIN 0x80000000ULL
#define WIN_END 0xfec00000ULL
#define MIB (1U << 20)

static void test_decode(void)
{
	const uint16_t mem = PCI_COMMAND_MEMORY, io = PCI_COMMAND_IO;

	is_int(pci_bar__decode(PCI_BAR_MEM32, 0xfd000008, mem, 16 * MIB, WIN,
			       WIN_END),
	       0xfd000000, "a 16 MiB BAR in the window decodes");
	is_int(pci_bar__decode(PCI_BAR_MEM32, 0xfd000008, 0, 16 * MIB, WIN,
			       WIN_END),
	       0, "... not with memory decoding off");
	is_int(pci_bar__decode(PCI_BAR_MEM32, 0xfd000008, io, 16 * MIB, WIN,
			       WIN_END),
	       0, "... not with only I/O decoding on");
	is_int(pci_bar__decode(PCI_BAR_MEM32, 0xff000008, mem, 16 * MIB, WIN,
			       WIN_END),
	       0, "the size mask of a sizing write lies outside: unmapped");
	is_int(pci_bar__decode(PCI_BAR_MEM32, 0, mem, 16 * MIB, WIN, WIN_END),
	       0, "base 0: unmapped");
	is_int(pci_bar__decode(PCI_BAR_MEM32, 0x40000000, mem, 4096, WIN,
			       WIN_END),
	       0, "below the window (guest RAM): unmapped");
	is_int(pci_bar__decode(PCI_BAR_MEM32, 0xfe000000, mem, 16 * MIB, WIN,
			       WIN_END),
	       0, "across the window's end: unmapped");
	is_int(pci_bar__decode(PCI_BAR_MEM32, 0xfebff000, mem, 4096, WIN,
			       WIN_END),
	       0xfebff000, "the window's last page decodes");
	is_int(pci_bar__decode(PCI_BAR_IO, 0xc001, io, 16, 0xc000, 0x10000),
	       0xc000, "an I/O BAR decodes with I/O on");
	is_int(pci_bar__decode(PCI_BAR_IO, 0xc001, mem, 16, 0xc000, 0x10000), 0,
	       "... not with only memory on");
	is_int(pci_bar__decode(PCI_BAR_NONE, 0xfd000000, mem, 4096, WIN,
			       WIN_END),
	       0, "no BAR: nothing");
	is_int(pci_rom__decode(0xfebfe001, mem, 4096, WIN, WIN_END), 0xfebfe000,
	       "an enabled ROM BAR decodes");
	is_int(pci_rom__decode(0xfebfe000, mem, 4096, WIN, WIN_END), 0,
	       "... not without its enable bit");
	is_int(pci_rom__decode(0xfebfe001, 0, 4096, WIN, WIN_END), 0,
	       "... nor with memory decoding off");
	is_int(pci_rom__decode(0xfffff801, mem, 4096, WIN, WIN_END), 0,
	       "... nor at the size mask");
}

static void test_store(void)
{
	is_int(pci_bar__store(PCI_BAR_MEM32, 0xffffffff, 16 * MIB, true),
	       0xff000008, "sizing a 16 MiB prefetchable BAR");
	is_int(pci_bar__store(PCI_BAR_MEM32, 0xffffffff, 4096, false),
	       0xfffff000, "sizing a 4 KiB BAR");
	is_int(pci_bar__store(PCI_BAR_MEM32, 0xfd123456, 16 * MIB, true),
	       0xfd000008, "low address bits are read-only");
	is_int(pci_bar__store(PCI_BAR_IO, 0xffffffff, 16, false), 0xfffffff1,
	       "sizing a 16-port I/O BAR");
	is_int(pci_bar__store(PCI_BAR_NONE, 0xffffffff, 0, false), 0,
	       "no BAR reads 0");
	is_int(pci_rom__store(0xffffffff, 8192), 0xffffe001,
	       "sizing a ROM BAR keeps the enable bit");
	is_int(pci_rom__store(0xfffffffe, 8192), 0xffffe000,
	       "... and its clearing");
	is_int(pci_rom__store(0xffffffff, 0), 0, "no ROM BAR reads 0");
}

static struct vm vm;
static struct vm_config cfg;
static unsigned int updates;
static bool last_enabled;
static uint64_t last_gpa;

static int ram_update(struct pci_dev *d, unsigned int bar, bool enabled,
		      uint64_t gpa, void *opaque)
{
	updates++;
	last_enabled = enabled;
	last_gpa = gpa;
	return 0;
}

static void cfg_wr(unsigned int slot, unsigned int off, uint32_t v)
{
	const struct bus_range *a = bus__find(&vm.pio, PCI_CONF1_ADDR_PORT, 4);
	const struct bus_range *d = bus__find(&vm.pio, PCI_CONF1_DATA_PORT, 4);
	uint32_t addr = 0x80000000U | slot << 11 | off;

	a->handler(NULL, PCI_CONF1_ADDR_PORT, (uint8_t *)&addr, 4, true,
		   a->opaque);
	d->handler(NULL, PCI_CONF1_DATA_PORT, (uint8_t *)&v, 4, true,
		   d->opaque);
}

/* Linux's and SeaBIOS's sizing, as the device sees it. */
static void test_ram_bar(void)
{
	static struct pci_dev dev;
	void *priv = NULL;
	uint64_t base;

	bus__init(&vm.pio, "pio");
	bus__init(&vm.mmio, "mmio");
	vm.cfg = &cfg;
	cfg.pci = PCI_ON;
	vm.pci_window_set = true;
	vm.pci_mmio_base = WIN;
	vm.pci_mmio_end = WIN_END;
	is_int(pci_device.init(&vm, &priv), 0, "PCI bus up");
	dev = (struct pci_dev){ .name = "vram",
				.vendor_id = 0x1234,
				.device_id = 0x1111,
				.class_code = 0x030000 };
	dev.bars[0] = (struct pci_bar){ .kind = PCI_BAR_MEM32,
					.size = 16 * MIB,
					.update = ram_update,
					.prefetch = true };
	is_int(pci__register(&vm, &dev), 0, "a RAM BAR without a handler");
	base = dev.cfg[0x10] | dev.cfg[0x11] << 8 | dev.cfg[0x12] << 16 |
	       (uint32_t)dev.cfg[0x13] << 24;
	is_int(base & 0xf, 8, "... prefetchable");
	base &= ~0xfULL;
	is_int(updates, 0, "no update while decoding is off");
	cfg_wr(1, 0x04, PCI_COMMAND_MEMORY);
	ok(updates == 1 && last_enabled && last_gpa == base,
	   "decoding on: mapped at its base");
	cfg_wr(1, 0x04, PCI_COMMAND_MEMORY);
	is_int(updates, 1, "the same command again: no update");
	cfg_wr(1, 0x04, 0);
	ok(updates == 2 && !last_enabled, "decoding off: unmapped");
	cfg_wr(1, 0x10, 0xffffffff);
	cfg_wr(1, 0x10, (uint32_t)base);
	is_int(updates, 2, "sizing with decoding off: no update");
	cfg_wr(1, 0x04, PCI_COMMAND_MEMORY);
	is_int(updates, 3, "decoding on again: mapped");
	cfg_wr(1, 0x10, 0xffffffff);
	ok(updates == 4 && !last_enabled,
	   "sizing with decoding on: unmapped (the mask is outside)");
	cfg_wr(1, 0x10, 0x90000000);
	ok(updates == 5 && last_enabled && last_gpa == 0x90000000,
	   "a new base: mapped there");
	cfg_wr(1, 0x10, 0x10000000);
	ok(updates == 6 && !last_enabled, "a base in guest RAM: unmapped");
	pci__unregister(&dev);
	pci_device.exit(&vm, priv);
}

static void test_vga(void)
{
	uint64_t base = 0, size = 0;
	bool std = false;

	ok(!vga__chain4(0x0f, 0x00, 0x00, &base, &size), "no chain-4: none");
	ok(!vga__chain4(0x07, 0x08, 0x00, &base, &size), "three planes: none");
	ok(vga__chain4(0x0f, 0x08, 0x00, &base, &size) && base == 0xa0000 &&
		   size == 0x20000,
	   "map 0: 128 KiB at 0xa0000");
	ok(vga__chain4(0x0f, 0x08, 0x05, &base, &size) && base == 0xa0000 &&
		   size == 0x10000,
	   "map 1: 64 KiB at 0xa0000");
	ok(vga__chain4(0x0f, 0x0e, 0x08, &base, &size) && base == 0xb0000 &&
		   size == 0x8000,
	   "map 2: 32 KiB at 0xb0000");
	ok(vga__chain4(0xff, 0x08, 0x0c, &base, &size) && base == 0xb8000 &&
		   size == 0x8000,
	   "map 3: 32 KiB at 0xb8000");
	ok(!vga__parse("std", &std) && std, "--vga std");
	ok(!vga__parse("none", &std) && !std, "--vga none");
	is_int(vga__parse("cirrus", &std), -EINVAL, "--vga cirrus refused");
	is_int(shm__check_size(4096), 0, "--shm 4K");
	is_int(shm__check_size(256 * MIB), 0, "--shm 256M");
	is_int(shm__check_size(512 * MIB), -EFBIG, "--shm 512M: too large");
	is_int(shm__check_size(3 * MIB), -EINVAL, "--shm 3M: not a power of 2");
	is_int(shm__check_size(2048), -EINVAL, "--shm 2K: below a page");
	is_int(shm__check_size(0), -EINVAL, "--shm 0");
}

static void test_causes(void)
{
	is_int(fw_cause__of("pam-0x5a"), FW_CAUSE_PAM, "pam-0x5a: pam");
	is_int(fw_cause__of("optrom-unmap"), FW_CAUSE_ROM_BAR,
	       "optrom-unmap: rom-bar");
	is_int(fw_cause__of("ram-bar-vga.vram-map"), FW_CAUSE_RAM_BAR,
	       "ram-bar-vga.vram-map: ram-bar");
	is_int(fw_cause__of("legacy-window-vga.chain4-unmap"),
	       FW_CAUSE_LEGACY_WINDOW, "legacy-window-...: legacy-window");
	is_int(fw_cause__of("kernel-entry"), -1, "kernel-entry: no cause");
	is_int(fw_cause__of("boot-done"), -1, "boot-done: no cause");
	is_int(fw_cause__of(NULL), -1, "NULL: no cause");
	ok(!strcmp(fw_cause__name(FW_CAUSE_LEGACY_WINDOW), "legacy-window"),
	   "cause names");
}

int main(void)
{
	log_level = LOG_QUIET;
	test_decode();
	test_store();
	test_ram_bar();
	test_vga();
	test_causes();
	return tap_done();
}
